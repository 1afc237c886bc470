/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * User-mode Intel VT-d driver: brings one remapping unit up from reset
 * (root and context tables in legacy or scalable mode, queued invalidation
 * or register-based invalidation, translation enable), attaches PCI
 * requesters (and, in scalable mode, their PASIDs) to libiommupt VT-d
 * second-stage or x86-64 (first-stage) domains, invalidates from a gather,
 * reads and clears fault records, and shuts the unit down.
 *
 * Units without page-walk coherency (ECAP.C = 0): the driver writes back
 * the CPU cache lines of every structure it writes and of the domain's
 * table pages (those of the gather's range on flush, all of them on
 * attach) before it tells the unit, through opts.flush_range.
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
	 * Use register-based invalidation even when the unit has QI. Legacy
	 * mode only: scalable mode is driven through the queue.
	 */
	IOMMUDRV_VTD_NO_QI = 1u << 0,
	/* Legacy-mode tables (9.1, 9.3). The default; may be given. */
	IOMMUDRV_VTD_LEGACY = 1u << 1,
	/*
	 * Scalable-mode tables (9.2, 9.4-9.6): PASID directory and tables per
	 * requester, first- and second-stage domains. create returns
	 * -EOPNOTSUPP when the unit lacks ECAP.SMTS or QI, -EINVAL together
	 * with IOMMUDRV_VTD_LEGACY or IOMMUDRV_VTD_NO_QI.
	 */
	IOMMUDRV_VTD_SCALABLE = 1u << 2,
};

/*
 * Write back (and may invalidate) the CPU cache lines of [cpu, cpu + len)
 * so that a unit whose walks do not snoop (ECAP.C = 0) reads what the CPU
 * wrote. Called with the unit's lock held; must not call the driver.
 */
typedef void (*iommudrv_vtd_flush_fn)(void *ctx, const void *cpu, size_t len);

struct iommudrv_vtd_opts {
	size_t sz;
	uint32_t unit;  /* copied into fault records */
	uint32_t flags; /* enum iommudrv_vtd_flags */
	/*
	 * Used only when ECAP.C = 0. NULL: clflush of each line on x86
	 * (nothing elsewhere, where no VT-d unit exists).
	 */
	iommudrv_vtd_flush_fn flush_range;
	void *flush_ctx;
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
	uint32_t coherent;     /* ECAP.C: walks snoop the CPU caches */
	/* Scalable mode only (else 0): */
	uint32_t fs_levels_mask;   /* bit n: n-level first stage (4, 5) */
	uint64_t fs_pgsize_bitmap; /* first-stage page sizes (4K, 2M, 1G) */
	uint32_t ss_supported;     /* second stage in scalable mode (SLTS) */
	uint32_t nr_pasids;        /* PASIDs attach_pasid takes: [1, n) */
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
 * (legacy, or scalable with IOMMUDRV_VTD_SCALABLE), start queued
 * invalidation, invalidate the context cache
 * and IOTLB globally, clear stale faults, enable translation. From here
 * every requester without a context entry is blocked (and faults).
 * Returns 0, -ETIMEDOUT when the unit does not acknowledge a command, -EIO
 * on an invalidation queue error.
 */
IOMMUPT_API int iommudrv_vtd_enable(struct iommudrv_vtd *vtd);
/*
 * Point requester source_id (bus << 8 | devfn) at dom with domain ID did.
 * Legacy mode: a context entry with the second-stage table (TT 00b).
 * Scalable mode: the requester's requests without PASID use PASID-table
 * entry RID_PASID (0), of type second-stage (PGTT 010b, a VT-d
 * second-stage domain) or first-stage (PGTT 001b, an x86-64 domain of 4
 * or 5 levels; requests are user requests, so pages need no
 * IOMMUPT_PRIV). A domain the unit cannot walk (format, levels, page
 * sizes; a first-stage domain in legacy mode) gives -EOPNOTSUPP; did must
 * be below nr_domains (-ERANGE). Replaces an earlier attach of the same
 * requester. On a unit without page-walk coherency the domain's tables
 * must come from the provider given at create (-EINVAL otherwise).
 * Returns 0, -ENOMEM, -ETIMEDOUT or -EIO; after -ENOMEM the earlier
 * attach still holds (the unit's errors may leave the requester blocked).
 */
IOMMUPT_API int iommudrv_vtd_attach(struct iommudrv_vtd *vtd,
				    uint16_t source_id,
				    struct iommupt_domain *dom, uint16_t did);
/*
 * Scalable mode: point the requests of source_id that carry PASID pasid
 * at dom (as attach; pasid in [1, nr_pasids), else -ERANGE; -EOPNOTSUPP
 * in legacy mode or without ECAP.PASID). Requests with other PASIDs
 * fault.
 */
IOMMUPT_API int iommudrv_vtd_attach_pasid(struct iommudrv_vtd *vtd,
					  uint16_t source_id, uint32_t pasid,
					  struct iommupt_domain *dom,
					  uint16_t did);
/*
 * Block source_id again (every PASID of it). Returns 0, -ENOENT when it
 * was not attached.
 */
IOMMUPT_API int iommudrv_vtd_detach(struct iommudrv_vtd *vtd,
				    uint16_t source_id);
/*
 * Scalable mode: block the requests of source_id with PASID pasid.
 * Returns 0, -ENOENT when that PASID was not attached.
 */
IOMMUPT_API int iommudrv_vtd_detach_pasid(struct iommudrv_vtd *vtd,
					  uint16_t source_id, uint32_t pasid);
/*
 * Invalidate what gather g recorded for domain ID did: a page-selective
 * invalidation covering [g->start, g->last] when the unit has PSI and the
 * range is small enough, else domain- (PASID-) selective; paging-structure
 * caches too when g records unlinked tables. Second-stage and legacy
 * attachments get IOTLB invalidations (6.5.2.3), each PASID with a
 * first-stage domain under did a PASID-based IOTLB invalidation (6.5.2.4).
 * Without page-walk coherency the tables of the domains attached with did
 * are written back first. Returns when the unit has completed it (the
 * caller may then release g). Returns 0, -ETIMEDOUT or -EIO.
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
