/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * VFIO type1 backend: one VFIO container holding one IOMMU group, with a
 * libiommupt domain mirrored into it. The library domain is the source of
 * truth: a map goes into it first and then into the kernel
 * (VFIO_IOMMU_MAP_DMA), and is taken out of it again when the kernel
 * refuses, so both always agree. The domain translates IOVA to the process
 * virtual address the kernel pinned (its OA is that address).
 *
 * The kernel's usable IOVA ranges (VFIO_IOMMU_GET_INFO, capability
 * VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) become reserved regions of the
 * domain, so a map outside them fails in the library with -EBUSY before
 * the kernel is asked. Dirty pages (VFIO_IOMMU_DIRTY_PAGES) are fed into
 * the domain's dirty state and harvested with the library's own API
 * (dirty.h).
 *
 * All kernel calls go through a system-call seam (struct iommudrv_vfio_sys)
 * so that tests can run the backend against a double.
 *
 * Concurrency: none of these calls lock; one handle needs the caller's
 * lock around map, unmap and the dirty calls.
 */
#ifndef IOMMUPT_DRV_VFIO_H
#define IOMMUPT_DRV_VFIO_H

#include <iommupt/common.h>
#include <iommupt/domain.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommudrv_vfio;

/*
 * The system calls the backend makes. Each returns what the call returns
 * (>= 0) or a negative errno; never -1 with errno.
 */
struct iommudrv_vfio_sys {
	size_t sz;
	void *ctx;
	int (*open)(void *ctx, const char *path, int flags);
	int (*close)(void *ctx, int fd);
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
};

struct iommudrv_vfio_opts {
	size_t sz;
	/* The mirrored domain; NULL: VT-d second stage, 4 levels (48 bits). */
	const struct iommupt_domain_cfg *domain_cfg;
	/* NULL: the real open/close/ioctl. Copied. */
	const struct iommudrv_vfio_sys *sys;
	/* Where the group files live; NULL: "/dev/vfio". */
	const char *dev_dir;
};

/*
 * Open /dev/vfio/vfio, check VFIO_GET_API_VERSION and the TYPE1v2
 * extension, open group file dev_dir/<group>, check that the group is
 * viable (all its devices bound to VFIO drivers), attach it to the
 * container, select the type1 v2 IOMMU, read the IOMMU info, and create
 * the library domain from mem (page sizes: the domain's and the kernel's
 * in common; the complement of the kernel's IOVA ranges reserved).
 * Returns 0; -EINVAL for bad arguments or an unknown API version;
 * -EOPNOTSUPP without type1 v2 or without a page size in common; -EBUSY
 * when the group is not viable; -EIO when the kernel's info is malformed;
 * -ENOMEM; or the negative errno of a failing system call. On error
 * every file opened is closed and nothing is leaked.
 */
IOMMUPT_API int iommudrv_vfio_open(unsigned int group,
				   const struct iommupt_mem *mem,
				   const struct iommudrv_vfio_opts *opts,
				   struct iommudrv_vfio **out);
/*
 * Close the group and the container (the kernel then drops every DMA
 * mapping) and free the domain. Close the device files first. Accepts NULL.
 */
IOMMUPT_API void iommudrv_vfio_close(struct iommudrv_vfio *v);

/* Most IOVA ranges the backend keeps from the kernel's info. */
#define IOMMUDRV_VFIO_MAX_RANGES 64

struct iommudrv_vfio_info {
	size_t sz;
	uint32_t api_version;    /* VFIO_GET_API_VERSION */
	uint32_t nr_ranges;      /* usable IOVA ranges (0: not reported) */
	uint64_t pgsize_bitmap;  /* the kernel's page sizes (iova_pgsizes) */
	uint32_t has_dma_avail;  /* the DMA_AVAIL capability was present */
	uint32_t dma_avail;      /* mappings the kernel still allows then */
	uint32_t dirty;          /* the migration capability was present */
	uint64_t dirty_pgsize_bitmap;
	uint64_t dirty_max_bitmap_bytes;
};

/*
 * Fill info (caller sets info->sz), asking the kernel again for dma_avail.
 * Returns 0, -EINVAL, -ENOMEM, -EIO when the kernel's answer changed
 * otherwise, or the kernel's errno.
 */
IOMMUPT_API int iommudrv_vfio_get_info(struct iommudrv_vfio *v,
				       struct iommudrv_vfio_info *info);
/*
 * Usable IOVA range i (inclusive ends), i < nr_ranges. Returns 0 or
 * -EINVAL.
 */
IOMMUPT_API int iommudrv_vfio_get_range(struct iommudrv_vfio *v,
					uint32_t i, uint64_t *start,
					uint64_t *last);

/*
 * The mirrored domain, for iova_to_phys, walk, stats and the dirty harvest
 * (iommupt_domain_read_and_clear_dirty). Map and unmap it only through
 * iommudrv_vfio_map/unmap, or the kernel and the library disagree.
 */
IOMMUPT_API struct iommupt_domain *
iommudrv_vfio_domain(struct iommudrv_vfio *v);

/*
 * Map [iova, iova + len) to the process memory at vaddr with prot
 * (IOMMUPT_READ/WRITE). The library domain is updated first: its errors
 * come back unchanged and the kernel is not asked (-EBUSY outside the
 * kernel's IOVA ranges, -EEXIST over a mapping, -EINVAL for alignment).
 * Then VFIO_IOMMU_MAP_DMA; when it fails the library map is undone and
 * the kernel's error returned: -EEXIST, -ENOSPC at the kernel's limit on
 * DMA mappings (dma_entry_limit), -EINVAL, -EFAULT for memory that cannot
 * be pinned, -ENOMEM over RLIMIT_MEMLOCK, or another negative errno.
 */
IOMMUPT_API int iommudrv_vfio_map(struct iommudrv_vfio *v, uint64_t iova,
				  uint64_t vaddr, uint64_t len,
				  uint32_t prot);
/*
 * Unmap every mapping wholly inside [iova, iova + len) (type1 v2: a range
 * that cuts a mapping fails with -EINVAL). The kernel goes first, so a
 * refused unmap changes neither side; the library then drops the same
 * mappings. *unmapped (may be NULL) gets the bytes the kernel unmapped.
 * Returns 0, the library's range errors, the kernel's errno, or -EIO
 * when the two sides disagree about what was mapped.
 */
IOMMUPT_API int iommudrv_vfio_unmap(struct iommudrv_vfio *v, uint64_t iova,
				    uint64_t len, uint64_t *unmapped);

/*
 * Dirty tracking: enable the library domain's tracking, then the kernel's
 * (VFIO_IOMMU_DIRTY_PAGES_FLAG_START); disable both. start returns 0,
 * -EOPNOTSUPP when the kernel has no migration capability or the format no
 * dirty state, or the kernel's errno (the library's tracking is then off
 * again).
 */
IOMMUPT_API int iommudrv_vfio_dirty_start(struct iommudrv_vfio *v);
IOMMUPT_API int iommudrv_vfio_dirty_stop(struct iommudrv_vfio *v);
/*
 * Read the kernel's dirty bitmap for [iova, iova + len) at its smallest
 * page size (the only size type1 reports at) and mark each dirty page in
 * the library domain, whose harvest (iommupt_domain_read_and_clear_dirty)
 * then reports it. The kernel clears what it reported; type1 reports every
 * pinned page of a device without page-pinning scope, every time.
 * The range must cover whole mappings. *pages (may be NULL) gets the number
 * of dirty pages the kernel reported. Returns 0; -EINVAL when tracking is
 * off, len is 0 or iova/len are not aligned to the smallest page;
 * -EOVERFLOW when the range wraps; -E2BIG when the bitmap would exceed the
 * kernel's max_dirty_bitmap_size; -ENOMEM; -EIO when the kernel reports a
 * page the library does not map; or the kernel's errno (the library's
 * dirty state is then untouched).
 */
IOMMUPT_API int iommudrv_vfio_dirty_sync(struct iommudrv_vfio *v,
					 uint64_t iova, uint64_t len,
					 uint64_t *pages);

/* Open the group's device by name (PCI "0000:00:03.0"). Returns an fd >= 0. */
IOMMUPT_API int iommudrv_vfio_device_open(struct iommudrv_vfio *v,
					  const char *name);

struct iommudrv_vfio_region {
	size_t sz;
	uint64_t offset; /* mmap/pread offset of the region in the device fd */
	uint64_t size;
	uint32_t flags;  /* VFIO_REGION_INFO_FLAG_* */
};

/*
 * Region index (VFIO_PCI_BAR0_REGION_INDEX.., VFIO_PCI_CONFIG_REGION_INDEX)
 * of an open device. Returns 0 or the kernel's errno.
 */
IOMMUPT_API int iommudrv_vfio_region_info(struct iommudrv_vfio *v,
					  int device_fd, uint32_t index,
					  struct iommudrv_vfio_region *r);

#ifdef __cplusplus
}
#endif
#endif
