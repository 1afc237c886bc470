/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libiommudrv: user-mode IOMMU drivers. This header holds what every
 * driver shares: the fault record, the MMIO backend that maps a real
 * register block, and the pinned-memory provider that gives table pages
 * (and DMA buffers) real physical addresses. Vendor drivers have their own
 * headers (drv-vtd.h).
 *
 * Drivers program registers only through struct iommupt_mmio (mmio.h), so
 * the same driver runs against the simulator and against hardware.
 */
#ifndef IOMMUPT_DRV_H
#define IOMMUPT_DRV_H

#include <iommupt/common.h>
#include <iommupt/mmio.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the faulting request tried to do (may combine). */
enum iommudrv_access {
	IOMMUDRV_ACCESS_READ = 1u << 0,
	IOMMUDRV_ACCESS_WRITE = 1u << 1,
	IOMMUDRV_ACCESS_EXEC = 1u << 2,
	IOMMUDRV_ACCESS_PRIV = 1u << 3,
};

/* Vendor-neutral fault classes; the vendor code is kept beside them. */
enum iommudrv_fault_reason {
	IOMMUDRV_FAULT_OTHER = 0,      /* see vendor_reason */
	/*
	 * No translation grants the access. VT-d second stage has no present
	 * bit (R = W = 0 is "not present"), so it cannot tell an unmapped
	 * IOVA from a permission fault; both land here.
	 */
	IOMMUDRV_FAULT_TRANSLATION = 1,
	IOMMUDRV_FAULT_PERMISSION = 2, /* mapped, but without this access */
	IOMMUDRV_FAULT_ADDR_SIZE = 3,  /* IOVA beyond the domain's aperture */
	IOMMUDRV_FAULT_NO_DEVICE = 4,  /* source not attached (root/context) */
	IOMMUDRV_FAULT_BAD_ENTRY = 5,  /* reserved bits / invalid programming */
	IOMMUDRV_FAULT_WALK_ABORT = 6, /* the walker could not read a table */
};

/* One fault, as any unit reports it. */
struct iommudrv_fault {
	uint32_t unit;          /* the unit number given at create */
	uint32_t source_id;     /* PCI requester ID (bus << 8 | devfn) or StreamID */
	uint64_t iova;          /* faulting address (VT-d records the 4K page) */
	uint32_t access;        /* enum iommudrv_access */
	uint32_t reason;        /* enum iommudrv_fault_reason */
	uint32_t vendor_reason; /* the unit's own code (VT-d: FR, spec 7.1.3) */
	uint32_t pasid;         /* valid when has_pasid */
	uint32_t has_pasid;
};

/* A short English name for an enum iommudrv_fault_reason value. */
IOMMUPT_API const char *iommudrv_fault_reason_str(uint32_t reason);

/*
 * MMIO backend over a physical register block: mmap of /dev/mem (path NULL)
 * at phys, or of another device file such as /dev/uioN (phys is then the
 * mmap offset). len is rounded up to whole pages; accesses beyond len fail
 * with -ERANGE. Returns 0, or a negative errno from open/mmap (-EPERM when
 * the kernel forbids the range: see CONFIG_STRICT_DEVMEM, iomem=relaxed).
 */
struct iommudrv_devmem;

IOMMUPT_API int iommudrv_devmem_open(const char *path, uint64_t phys,
				     uint64_t len,
				     struct iommudrv_devmem **out);
IOMMUPT_API void iommudrv_devmem_close(struct iommudrv_devmem *dm);
/* The bus for this block; valid until close. Thread-safe accesses. */
IOMMUPT_API const struct iommupt_mmio *
iommudrv_devmem_mmio(struct iommudrv_devmem *dm);

/*
 * The pinned-memory provider: page-locked memory whose physical addresses
 * come from /proc/self/pagemap (needs CAP_SYS_ADMIN). Memory is carved
 * from 2 MiB hugetlb pages when the system has them, so blocks up to 2 MiB
 * are physically contiguous; without hugepages only 4 KiB blocks can be
 * had (each its own locked page). OA = physical address. Thread-safe.
 *
 * The kernel must not migrate the pages while an IOMMU uses them: hugetlb
 * pages are not migrated; for 4 KiB pages set
 * /proc/sys/vm/compact_unevictable_allowed to 0.
 */
struct iommudrv_pinned;

enum iommudrv_pinned_flags {
	IOMMUDRV_PINNED_NO_HUGE = 1u << 0, /* never use hugetlb pages */
};

struct iommudrv_pinned_opts {
	size_t sz;
	uint32_t flags; /* enum iommudrv_pinned_flags */
};

IOMMUPT_API int iommudrv_pinned_create(const struct iommudrv_pinned_opts *opts,
				       struct iommudrv_pinned **out);
/* Unmaps everything. No IOMMU may still use the memory. Accepts NULL. */
IOMMUPT_API void iommudrv_pinned_destroy(struct iommudrv_pinned *pin);
/* The table-page provider; valid until destroy. */
IOMMUPT_API const struct iommupt_mem *
iommudrv_pinned_mem(struct iommudrv_pinned *pin);
/*
 * A zeroed, physically contiguous block of 1 << size_lg2 bytes (12..21)
 * aligned to its size both virtually and physically: for DMA buffers and
 * hardware queues. Returns 0, -EINVAL, or -ENOMEM (no hugepage for a block
 * above 4 KiB).
 */
IOMMUPT_API int iommudrv_pinned_alloc(struct iommudrv_pinned *pin,
				      unsigned int size_lg2, void **cpu,
				      uint64_t *pa);
IOMMUPT_API void iommudrv_pinned_free(struct iommudrv_pinned *pin, void *cpu,
				      unsigned int size_lg2);
/* Whether 2 MiB hugetlb pages could be had when last asked. */
IOMMUPT_API int iommudrv_pinned_has_huge(struct iommudrv_pinned *pin);

/*
 * Physical address of a resident byte of this process, from
 * /proc/self/pagemap. Returns 0, -ENOENT when not resident, -EPERM when the
 * kernel hides frame numbers (no CAP_SYS_ADMIN).
 */
IOMMUPT_API int iommudrv_virt_to_phys(const void *va, uint64_t *pa);

#ifdef __cplusplus
}
#endif
#endif
