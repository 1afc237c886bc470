/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * iommufd backend: a library domain mirrored into a kernel IO address
 * space (IOAS) through /dev/iommu, kernel page tables (HWPTs) with dirty
 * tracking harvested into the library's dirty API (dirty.h), and VFIO
 * device cdevs bound and attached to them.
 *
 * The library domain is the source of truth. It records IOVA -> the
 * process virtual address given to the kernel (its OA is that user VA), so
 * walk, iova_to_phys and dirty harvests answer for the IOAS. A map is made
 * in the library first and then in the kernel; a kernel error undoes the
 * library map. An unmap is checked against the whole maps this IOAS made
 * (the kernel refuses to split one: -ENOENT), made in the kernel, then in
 * the library.
 *
 * Verification status: this backend has been run only against a test
 * double of the kernel interface (tests/test-iommufd-double.c), which
 * implements the error rules documented in the kernel's
 * include/uapi/linux/iommufd.h and the behaviour of its io_pagetable code.
 * No path has been run against a real iommufd yet (the Debian 6.1 kernel
 * used by the QEMU tests predates it; iommufd needs Linux 6.2, HWPTs 6.6,
 * dirty tracking 6.7; Debian 12's 6.12 kernel is built without it).
 * tests/test-iommufd-kernel runs the IOAS paths where /dev/iommu exists.
 *
 * Concurrency: calls on one IOAS (and its HWPTs) are serialised by its
 * lock; the library domain must not be edited behind the IOAS's back.
 */
#ifndef IOMMUPT_DRV_IOMMUFD_H
#define IOMMUPT_DRV_IOMMUFD_H

#include <iommupt/common.h>
#include <iommupt/dirty.h>
#include <iommupt/resv.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommudrv_iommufd;
struct iommudrv_ioas;
struct iommudrv_hwpt;

/*
 * The ioctl entry point, as ioctl(2): returns >= 0, or -1 with errno set.
 * Tests put a double of the kernel here.
 */
typedef int (*iommudrv_ioctl_fn)(void *ctx, int fd, unsigned long request,
				 void *arg);

enum iommudrv_iommufd_flags {
	/* Use opts.fd, an iommufd the caller opened (and closes). */
	IOMMUDRV_IOMMUFD_USE_FD = 1u << 0,
};

struct iommudrv_iommufd_opts {
	size_t sz;
	const char *path;           /* NULL: /dev/iommu */
	iommudrv_ioctl_fn ioctl_fn; /* NULL: ioctl(2) */
	void *ioctl_ctx;
	int fd;                     /* with IOMMUDRV_IOMMUFD_USE_FD */
	uint32_t flags;             /* enum iommudrv_iommufd_flags */
};

/*
 * Open /dev/iommu (or adopt opts->fd). Returns 0, -EINVAL for bad opts,
 * -ENOMEM, or the negative errno of open(2) (-ENOENT: no iommufd in this
 * kernel).
 */
IOMMUPT_API int iommudrv_iommufd_open(const struct iommudrv_iommufd_opts *opts,
				      struct iommudrv_iommufd **out);
/* Close (the fd only if this library opened it). Destroy IOASes first. */
IOMMUPT_API void iommudrv_iommufd_close(struct iommudrv_iommufd *ifd);
IOMMUPT_API int iommudrv_iommufd_fd(const struct iommudrv_iommufd *ifd);

/*
 * VFIO device cdevs (/dev/vfio/devices/vfioN, opened by the caller):
 * bind to this iommufd (VFIO_DEVICE_BIND_IOMMUFD; *dev_id names it in
 * hwpt_alloc), attach to an IOAS or HWPT id (VFIO_DEVICE_ATTACH_IOMMUFD_PT;
 * *hwpt_id, may be NULL, gets the HWPT the kernel attached: one it made
 * for an IOAS, or the one given), detach (VFIO_DEVICE_DETACH_IOMMUFD_PT).
 * Attaching an attached device replaces its page table. Unbinding is
 * closing the device fd. Return 0 or the kernel's negative errno
 * (-EADDRINUSE: the device's reserved regions overlap maps of the IOAS).
 */
IOMMUPT_API int iommudrv_iommufd_bind(struct iommudrv_iommufd *ifd,
				      int device_fd, uint32_t *dev_id);
IOMMUPT_API int iommudrv_iommufd_attach(struct iommudrv_iommufd *ifd,
					int device_fd, uint32_t pt_id,
					uint32_t *hwpt_id);
IOMMUPT_API int iommudrv_iommufd_detach(struct iommudrv_iommufd *ifd,
					int device_fd);

/*
 * Allocate an IOAS (IOMMU_IOAS_ALLOC) mirroring dom, which must be empty,
 * have an output size that holds user virtual addresses, and outlive the
 * IOAS. Returns 0, -EINVAL, -ENOTEMPTY (dom has mappings), -ENOMEM or the
 * kernel's errno.
 */
IOMMUPT_API int iommudrv_ioas_create(struct iommudrv_iommufd *ifd,
				     struct iommupt_domain *dom,
				     struct iommudrv_ioas **out);
/*
 * Destroy the IOAS in the kernel (IOMMU_DESTROY) and unmap from the
 * library domain what it mapped. Detach devices and destroy its HWPTs
 * first, or the kernel keeps its object (busy) until the iommufd closes.
 * Accepts NULL.
 */
IOMMUPT_API void iommudrv_ioas_destroy(struct iommudrv_ioas *ioas);
IOMMUPT_API uint32_t iommudrv_ioas_id(const struct iommudrv_ioas *ioas);

/*
 * Map [iova, iova + len) to the caller's memory at va (page-aligned,
 * resident or not: the kernel pins it) with prot IOMMUPT_READ and/or
 * IOMMUPT_WRITE. Returns 0; the library's errors (-EINVAL, -ERANGE,
 * -EOVERFLOW, -EEXIST, -EBUSY, -ENOMEM) with nothing sent to the kernel;
 * or the kernel's (-EINVAL outside its allowed IOVA ranges, -ENOMEM,
 * -EFAULT, ...) with the library map undone.
 */
IOMMUPT_API int iommudrv_ioas_map(struct iommudrv_ioas *ioas, uint64_t iova,
				  void *va, uint64_t len, uint32_t prot);
/*
 * Unmap every whole map of this IOAS inside [iova, iova + len); *unmapped
 * (may be NULL) gets the bytes. -ENOENT when there is none or when the
 * range cuts one (nothing changes: the kernel refuses to split maps), and
 * -EINVAL / -EOVERFLOW for a zero length or a wrapping range. A kernel
 * error leaves both sides as they were.
 */
IOMMUPT_API int iommudrv_ioas_unmap(struct iommudrv_ioas *ioas, uint64_t iova,
				    uint64_t len, uint64_t *unmapped);

/*
 * The IOVA ranges the kernel allows (IOMMU_IOAS_IOVA_RANGES; they narrow as
 * devices attach) as their complement in [0, 2^64): reserved regions
 * (IOMMUPT_RESV_RESERVED), lowest first, with the size-query protocol of
 * resv.h (-ENOBUFS and *count = the number needed). *iova_align (may be
 * NULL) gets the alignment the kernel wants for map. Returns 0, -ENOBUFS,
 * -ENOMEM, -EOVERFLOW (the kernel reports more than IOMMUPT_RESV_MAX
 * ranges) or the kernel's errno.
 */
IOMMUPT_API int iommudrv_ioas_get_resv(struct iommudrv_ioas *ioas,
				       struct iommupt_resv_region *out,
				       size_t *count, uint64_t *iova_align);

enum iommudrv_hwpt_flags {
	/* IOMMU_HWPT_ALLOC_DIRTY_TRACKING: the device's IOMMU must track dirty. */
	IOMMUDRV_HWPT_DIRTY = 1u << 0,
};

/*
 * Allocate a kernel page table for device dev_id holding the IOAS's maps
 * (IOMMU_HWPT_ALLOC); attach devices to iommudrv_hwpt_id(). Returns 0,
 * -EINVAL (unknown flags), -ENOMEM, or the kernel's errno (-EOPNOTSUPP:
 * the IOMMU cannot track dirty pages).
 */
IOMMUPT_API int iommudrv_hwpt_alloc(struct iommudrv_ioas *ioas,
				    uint32_t dev_id, uint32_t flags,
				    struct iommudrv_hwpt **out);
/* IOMMU_DESTROY the HWPT (detach its devices first). Accepts NULL. */
IOMMUPT_API void iommudrv_hwpt_destroy(struct iommudrv_hwpt *hwpt);
IOMMUPT_API uint32_t iommudrv_hwpt_id(const struct iommudrv_hwpt *hwpt);

/*
 * IOMMU_HWPT_SET_DIRTY_TRACKING, and dirty tracking of the library domain
 * while any HWPT of its IOAS tracks (turned on with the first, off with
 * the last). Returns 0, -EOPNOTSUPP (HWPT without IOMMUDRV_HWPT_DIRTY, or
 * a domain format without dirty state: the kernel is then switched back),
 * or the kernel's errno. Turning on clears the dirty state on both sides.
 */
IOMMUPT_API int iommudrv_hwpt_set_dirty_tracking(struct iommudrv_hwpt *hwpt,
						 int enable);

/*
 * Harvest the kernel's dirty bits for the maps inside [iova, iova + len)
 * (IOMMU_HWPT_GET_DIRTY_BITMAP at the domain's smallest page size, holes
 * between maps skipped), record them in the library domain
 * (iommupt_domain_mark_dirty), then report and clear through
 * iommupt_domain_read_and_clear_dirty: arguments, bitmap layout, flags
 * (IOMMUPT_DIRTY_NO_CLEAR is passed to the kernel too) and errors are that
 * function's, checked before the kernel is asked. -EINVAL when this HWPT
 * does not track. A kernel error returns its errno (the bitmap is then
 * to be ignored); bits harvested before it are kept in the library
 * domain, so the next harvest reports them.
 */
IOMMUPT_API int iommudrv_hwpt_read_and_clear_dirty(
	struct iommudrv_hwpt *hwpt, uint64_t iova, uint64_t len,
	uint64_t granule, void *bitmap, uint64_t bitmap_bytes, uint32_t flags,
	struct iommupt_dirty_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
