/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * User-mode Intel VT-d driver: brings one remapping unit up from reset
 * (root and context tables, queued invalidation or register-based
 * invalidation, translation enable), attaches PCI requesters to libiommupt
 * VT-d second-stage domains, invalidates from a gather, reads and clears
 * fault records, and shuts the unit down.
 *
 * Concurrency: one lock per unit serialises every call that touches the
 * unit; calls on different units are independent.
 */
#ifndef IOMMUPT_DRV_VTD_H
#define IOMMUPT_DRV_VTD_H

#include <iommupt/common.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/mmio.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommudrv_vtd;

enum iommudrv_vtd_flags {
	/*
	 * Use register-based invalidation even when the unit has QI. Implies
	 * legacy mode: scalable mode is only driven through the queue.
	 */
	IOMMUDRV_VTD_NO_QI = 1u << 0,
	/* Use legacy-mode tables even when the unit has scalable mode. */
	IOMMUDRV_VTD_LEGACY = 1u << 1,
};

struct iommudrv_vtd_opts {
	size_t sz;
	uint32_t unit;  /* copied into fault records */
	uint32_t flags; /* enum iommudrv_vtd_flags */
};

/* What the unit reported (VER, CAP and ECAP registers, spec 10.4.1-10.4.3). */
struct iommudrv_vtd_info {
	size_t sz;
	uint32_t version;      /* VER_REG: major << 4 | minor */
	uint64_t cap;          /* raw CAP_REG */
	uint64_t ecap;         /* raw ECAP_REG */
	uint32_t levels_mask;  /* bit n: n-level second-stage tables (SAGAW) */
	uint32_t mgaw;         /* maximum guest address width, bits */
	uint64_t pgsize_bitmap; /* second-stage page sizes (4K + SLLPS) */
	uint32_t nr_domains;   /* domain IDs the unit has (CAP.ND) */
	uint32_t nr_fault_records;
	uint32_t queued_inval; /* 1 when the driver uses queued invalidation */
	uint32_t scalable;     /* 1 when the unit has scalable mode (ECAP.SMTS) */
	uint32_t scalable_mode; /* 1 when the driver runs it in scalable mode */
	uint32_t caching_mode; /* CAP.CM: non-present entries may be cached */
};

/*
 * Read the unit's capabilities and get its root table and invalidation
 * queue from mem (whose OAs must be the addresses the unit's DMA sees).
 * Does not touch the unit's state: enable does that. Returns 0, -EINVAL,
 * -ENODEV when the registers do not look like VT-d, -ENOMEM.
 */
IOMMUPT_API int iommudrv_vtd_create(const struct iommupt_mmio *mmio,
				    const struct iommupt_mem *mem,
				    const struct iommudrv_vtd_opts *opts,
				    struct iommudrv_vtd **out);
/*
 * Bring the unit up: turn off anything left enabled, set the root table
 * (scalable mode when the unit has it and queued invalidation is in use,
 * else legacy mode), start queued invalidation, invalidate the context cache
 * and IOTLB globally, clear stale faults, enable translation. From here
 * every requester without a context entry is blocked (and faults).
 * Returns 0, -ETIMEDOUT when the unit does not acknowledge a command, -EIO
 * on an invalidation queue error.
 */
IOMMUPT_API int iommudrv_vtd_enable(struct iommudrv_vtd *vtd);
/*
 * Point requester source_id (bus << 8 | devfn) at dom with domain ID did.
 * In scalable mode the requester's requests without PASID (RID_PASID 0)
 * use a PASID-table entry of type second-stage-only (PGTT 010b).
 * dom must be a VT-d second-stage domain whose level count and page sizes
 * the unit supports (-EOPNOTSUPP otherwise); did must be below nr_domains
 * (-ERANGE). Replaces an earlier attach of the same requester. Returns 0,
 * -ENOMEM, -ETIMEDOUT or -EIO.
 */
IOMMUPT_API int iommudrv_vtd_attach(struct iommudrv_vtd *vtd,
				    uint16_t source_id,
				    struct iommupt_domain *dom, uint16_t did);
/* Block source_id again. Returns 0, -ENOENT when it was not attached. */
IOMMUPT_API int iommudrv_vtd_detach(struct iommudrv_vtd *vtd,
				    uint16_t source_id);
/*
 * Invalidate what gather g recorded for domain ID did: a page-selective
 * IOTLB invalidation covering [g->start, g->last] when the unit has PSI
 * and the range is small enough, else domain-selective; paging-structure
 * caches too when g records unlinked tables. Returns when the unit has
 * completed it (the caller may then release g). Returns 0, -ETIMEDOUT or
 * -EIO.
 */
IOMMUPT_API int iommudrv_vtd_flush(struct iommudrv_vtd *vtd, uint16_t did,
				   const struct iommupt_gather *g);
/* Invalidate every cached translation of the unit. */
IOMMUPT_API int iommudrv_vtd_flush_all(struct iommudrv_vtd *vtd);
/*
 * Move up to max pending fault records into out (oldest slot first),
 * clearing them and the overflow status in the unit. *n receives how many.
 * Returns 0, or 1 when the unit had overflowed (faults were lost).
 */
IOMMUPT_API int iommudrv_vtd_read_faults(struct iommudrv_vtd *vtd,
					 struct iommudrv_fault *out,
					 unsigned int max, unsigned int *n);
/* Fill info (caller sets info->sz). Returns 0 or -EINVAL. */
IOMMUPT_API int iommudrv_vtd_get_info(struct iommudrv_vtd *vtd,
				      struct iommudrv_vtd_info *info);
/*
 * Shut down: disable translation and queued invalidation, then free the
 * root, context tables and queue. Domains stay the caller's. Accepts NULL.
 */
IOMMUPT_API void iommudrv_vtd_destroy(struct iommudrv_vtd *vtd);

#ifdef __cplusplus
}
#endif
#endif
