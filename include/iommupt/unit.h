/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Units, domain IDs, devices and attach.
 *
 * A unit is one IOMMU instance: its vendor, the domain-ID space it tags
 * domains with (VT-d domain-id, AMD DomainID, SMMU ASID or VMID), the page
 * sizes and address widths it can walk, and whether it tracks dirty state.
 * A device sits behind one unit and is attached to at most one domain at a
 * time. A domain gets an ID on each unit it is used on: the first device
 * attached through that unit allocates it, the last one detached frees it.
 *
 * Concurrency: none of these calls lock. Calls on one unit (its IDs and
 * devices), and attach/detach/replace against map/unmap on the domains
 * involved, need the caller's lock.
 */
#ifndef IOMMUPT_UNIT_H
#define IOMMUPT_UNIT_H

#include <iommupt/common.h>
#include <iommupt/provider.h>
#include <iommupt/gather.h>
#include <iommupt/resv.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommupt_unit;
struct iommupt_device;

enum iommupt_vendor {
	IOMMUPT_VENDOR_VTD = 1,    /* Intel VT-d */
	IOMMUPT_VENDOR_AMD = 2,    /* AMD-Vi */
	IOMMUPT_VENDOR_SMMUV3 = 3, /* Arm SMMUv3 */
};

enum iommupt_unit_flags {
	/* VT-d CAP.CM: caching mode; domain-id 0 is then reserved. */
	IOMMUPT_UNIT_CACHING_MODE = 1u << 0,
	/* The unit records dirty state (VT-d SSADS/FSADS, AMD HD, SMMU HTTU). */
	IOMMUPT_UNIT_DIRTY = 1u << 1,
	/* SMMUv3: IDs are stage-2 VMIDs instead of stage-1 ASIDs. */
	IOMMUPT_UNIT_SMMU_VMID = 1u << 2,
	/* SMMUv3 SMMU_IDR0.ASID16 / SMMU_IDR0.VMID16: 16-bit IDs. */
	IOMMUPT_UNIT_SMMU_ASID16 = 1u << 3,
	IOMMUPT_UNIT_SMMU_VMID16 = 1u << 4,
};

/* The largest ID space any supported unit has: 16-bit IDs. */
#define IOMMUPT_UNIT_MAX_ID_BITS 16

struct iommupt_unit_cfg {
	size_t sz;
	uint32_t vendor;        /* enum iommupt_vendor */
	uint32_t flags;         /* enum iommupt_unit_flags */
	uint32_t vtd_nd;        /* VT-d CAP.ND, 0..6 */
	uint32_t id_bits;       /* explicit ID width 1..16; 0: from the vendor */
	uint32_t id_min;        /* usable IDs [id_min, id_max]; both 0: all */
	uint32_t id_max;
	uint64_t formats;       /* bit f set: enum iommupt_format f; 0: any */
	uint64_t pgsize_bitmap; /* page sizes the unit walks; 0: any */
	uint32_t ias_lg2;       /* widest input address; 0: 64 */
	uint32_t oas_lg2;       /* widest output address; 0: 64 */
};

/*
 * Create a unit. The ID space comes from id_bits when non-zero, else from
 * the vendor: VT-d 2^(4 + 2 * vtd_nd), AMD 2^16, SMMUv3 2^8 or 2^16 as the
 * ASID16/VMID16 flag says. IDs outside [id_min, id_max] and, in VT-d
 * caching mode, ID 0 are reserved. Returns 0, -EINVAL or -ENOMEM.
 */
IOMMUPT_API int iommupt_unit_create(const struct iommupt_unit_cfg *cfg,
				    const struct iommupt_mem *mem,
				    struct iommupt_unit **out);
/*
 * Destroy the unit, its devices (each detached first, without a gather:
 * tables freed on the way go straight back to the provider) and the IDs
 * it gave domains. Accepts NULL.
 */
IOMMUPT_API void iommupt_unit_destroy(struct iommupt_unit *unit);

struct iommupt_unit_info {
	size_t sz;
	uint32_t vendor;
	uint32_t flags;
	uint32_t id_bits;       /* width of the ID space */
	uint32_t id_min;        /* lowest and highest usable ID */
	uint32_t id_max;
	uint32_t ids_free;      /* usable IDs neither allocated nor reserved */
	uint64_t formats;
	uint64_t pgsize_bitmap;
	uint32_t ias_lg2;
	uint32_t oas_lg2;
};

IOMMUPT_API int iommupt_unit_get_info(struct iommupt_unit *unit,
				      struct iommupt_unit_info *info);

/*
 * Domain IDs of a unit. alloc gives the lowest free ID (-ENOSPC when none);
 * alloc_at takes one given ID (-EBUSY when allocated or reserved, -ERANGE
 * outside the space); reserve withdraws an ID from allocation for good
 * (-EBUSY when allocated; reserving twice is fine); free returns an ID
 * (-ENOENT when not allocated, -EBUSY when a domain attached through this
 * unit holds it). next stores the lowest allocated ID >= from, or returns
 * -ENOENT. alloc and free are O(1) amortised.
 */
IOMMUPT_API int iommupt_unit_id_alloc(struct iommupt_unit *unit,
				      uint32_t *id);
IOMMUPT_API int iommupt_unit_id_alloc_at(struct iommupt_unit *unit,
					 uint32_t id);
IOMMUPT_API int iommupt_unit_id_reserve(struct iommupt_unit *unit,
					uint32_t id);
IOMMUPT_API int iommupt_unit_id_free(struct iommupt_unit *unit, uint32_t id);
IOMMUPT_API int iommupt_unit_id_next(struct iommupt_unit *unit, uint32_t from,
				     uint32_t *id);

struct iommupt_device_opts {
	size_t sz;
	uint32_t rid; /* requester/stream ID; the library only reports it */
};

/* A device behind unit; opts may be NULL. Returns 0, -EINVAL, -ENOMEM. */
IOMMUPT_API int iommupt_device_create(struct iommupt_unit *unit,
				      const struct iommupt_device_opts *opts,
				      struct iommupt_device **out);
/* Detach (without a gather) and free. Accepts NULL. */
IOMMUPT_API void iommupt_device_destroy(struct iommupt_device *dev);

/*
 * Set the device's reserved regions (copied; at most IOMMUPT_RESV_MAX).
 * Only while detached: -EBUSY otherwise. -EINVAL for an unknown type or
 * flag, start > last, or too many regions; -ENOMEM.
 */
IOMMUPT_API int iommupt_device_set_resv(struct iommupt_device *dev,
					const struct iommupt_resv_region *r,
					size_t n);
/*
 * Size-query protocol: *count holds the capacity of out on entry. When it
 * is too small the call returns -ENOBUFS and the number needed in *count;
 * otherwise 0, the entries, and their number in *count.
 */
IOMMUPT_API int iommupt_device_get_resv(struct iommupt_device *dev,
					struct iommupt_resv_region *out,
					size_t *count);

/*
 * Attach dev to dom, the VFIO way: -EBUSY when dev is already attached
 * (use replace); -EINVAL when the unit cannot walk dom (format, address
 * width, page sizes, or dirty tracking when dom needs it: see
 * iommupt_domain_set_needs, or tracking is on: dirty.h); -EBUSY when the device's reserved
 * regions clash with identity regions of devices already attached (or the
 * reverse); -ENOSPC when the unit has no free ID; -ENOMEM. The domain's
 * ID on this unit is allocated by the first attach (or is the ID held by
 * iommupt_domain_restore_id). Identity regions are mapped 1:1 read/write,
 * rounded out to the domain's smallest page; what is recorded goes to g.
 * Any error leaves everything as it was: no ID and no identity map behind.
 */
IOMMUPT_API int iommupt_device_attach(struct iommupt_device *dev,
				      struct iommupt_domain *dom,
				      struct iommupt_gather *g);
/*
 * Move an attached device to dom in one step: dom is made ready (ID,
 * identity maps) before the device leaves its old domain, so on error the
 * device stays where it was. g_new gathers for dom, g_old for the old
 * domain. A detached device is simply attached; replacing with the same
 * domain is a no-op.
 */
IOMMUPT_API int iommupt_device_replace(struct iommupt_device *dev,
				       struct iommupt_domain *dom,
				       struct iommupt_gather *g_new,
				       struct iommupt_gather *g_old);
/*
 * Detach; 0 also when not attached. Identity maps no other attached device
 * needs are unmapped into g; the domain's ID on the unit is freed with the
 * last device.
 */
IOMMUPT_API int iommupt_device_detach(struct iommupt_device *dev,
				      struct iommupt_gather *g);
/* The domain dev is attached to, or NULL. */
IOMMUPT_API struct iommupt_domain *
iommupt_device_domain(const struct iommupt_device *dev);

/* The domain's ID on unit: 0, or -ENOENT when it has none there. */
IOMMUPT_API int iommupt_domain_get_id(struct iommupt_domain *dom,
				      struct iommupt_unit *unit,
				      uint32_t *id);
/*
 * Claim a given ID on unit for dom now, so that the domain restored after
 * a live update gets back the ID the hardware still uses: its first attach
 * through unit then uses it. -EBUSY when the ID is taken, -EEXIST when dom
 * already has an ID there, -ERANGE outside the space, -ENOMEM. The ID is
 * released by the last detach or by destroying the domain.
 */
IOMMUPT_API int iommupt_domain_restore_id(struct iommupt_domain *dom,
					  struct iommupt_unit *unit,
					  uint32_t id);

enum iommupt_domain_needs {
	IOMMUPT_NEED_DIRTY = 1u << 0, /* dirty tracking: units must have it */
};

/*
 * Declare what dom needs of every unit it is attached through. -EINVAL
 * for unknown bits or when a unit it is attached through lacks one.
 */
IOMMUPT_API int iommupt_domain_set_needs(struct iommupt_domain *dom,
					 uint32_t needs);

/*
 * The reserved regions of every device attached to dom (a region two
 * devices share appears twice), by the size-query protocol above.
 */
IOMMUPT_API int iommupt_domain_get_resv(struct iommupt_domain *dom,
					struct iommupt_resv_region *out,
					size_t *count);

#ifdef __cplusplus
}
#endif
#endif
