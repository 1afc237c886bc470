/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * User-mode Arm SMMUv3 driver: brings one SMMU up from reset (stream
 * table, command and event queues), attaches StreamIDs to libiommupt ARM
 * domains (stage 1 through a context descriptor, or stage 2), invalidates
 * from a gather, reads and clears event records into the common fault
 * record (drv.h), and shuts the SMMU down. Section numbers refer to the
 * SMMUv3 specification (IHI 0070).
 *
 * IDs: a stage 1 domain is tagged with an ASID, a stage 2 domain with a
 * VMID; the caller allocates them (an iommupt_unit of vendor
 * IOMMUPT_VENDOR_SMMUV3 does that, with IOMMUPT_UNIT_SMMU_VMID for stage 2
 * and the ASID16/VMID16 flags as iommudrv_smmu_info says) and passes them
 * to attach and flush, as the VT-d driver takes domain IDs.
 *
 * Concurrency: one lock per unit serialises every call that touches the
 * unit; calls on different units are independent.
 */
#ifndef IOMMUPT_DRV_SMMU_H
#define IOMMUPT_DRV_SMMU_H

#include <iommupt/common.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/mmio.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommudrv_smmu;

enum iommudrv_smmu_flags {
	/* A linear stream table even when the SMMU has 2-level ones. */
	IOMMUDRV_SMMU_LINEAR = 1u << 0,
};

struct iommudrv_smmu_opts {
	size_t sz;
	uint32_t unit;      /* copied into fault records */
	uint32_t flags;     /* enum iommudrv_smmu_flags */
	/*
	 * log2 of the command and event queue entries: 0 takes one 4 KiB page
	 * (256 commands, 128 events) capped by SMMU_IDR1.CMDQS/EVENTQS; else
	 * 1..8 (commands) or 1..7 (events) and not beyond the SMMU's limit.
	 */
	uint32_t cmdq_lg2;
	uint32_t evtq_lg2;
	/*
	 * Linear stream table: log2 of the StreamIDs it covers, 0: as many as
	 * SMMU_IDR1.SIDSIZE allows up to 6 (one 4 KiB page); at most 12.
	 */
	uint32_t linear_lg2;
};

/* What the SMMU reported (SMMU_IDR0/1/3/5, 6.3) and what the driver chose. */
struct iommudrv_smmu_info {
	size_t sz;
	uint32_t idr0, idr1, idr3, idr5; /* raw ID registers */
	uint32_t stage1;         /* IDR0.S1P */
	uint32_t stage2;         /* IDR0.S2P */
	uint32_t coherent;       /* IDR0.COHACC */
	uint32_t httu;           /* IDR0.HTTU: 0, 1 (A), 2 (A and D) */
	uint32_t range_inval;    /* IDR3.RIL: the driver uses range TLBIs */
	uint32_t oas_lg2;        /* IDR5.OAS in bits */
	uint32_t granules;       /* bit n: 2^n-byte granule (12, 14, 16) */
	uint32_t sid_bits;       /* IDR1.SIDSIZE */
	uint32_t asid_bits;      /* 8 or 16 (IDR0.ASID16) */
	uint32_t vmid_bits;      /* 8 or 16 (IDR0.VMID16) */
	uint32_t two_level;      /* 1: the driver uses a 2-level stream table */
	uint32_t table_sid_bits; /* StreamIDs the stream table reaches */
	uint32_t cmdq_entries;
	uint32_t evtq_entries;
};

/*
 * Read the SMMU's ID registers and get the stream table (the first level
 * of a 2-level one) and both queues from mem, whose OAs must be the
 * addresses the SMMU's DMA sees. Does not touch the SMMU's state: enable
 * does. Returns 0; -EINVAL; -ENODEV when the registers do not look like
 * an SMMUv3 that walks AArch64 little-endian tables; -EOPNOTSUPP for a
 * queue size beyond the SMMU's; -ENOMEM.
 */
IOMMUPT_API int iommudrv_smmu_create(const struct iommupt_mmio *mmio,
				     const struct iommupt_mem *mem,
				     const struct iommudrv_smmu_opts *opts,
				     struct iommudrv_smmu **out);
/*
 * Bring the SMMU up: abort incoming transactions (GBPA) and turn off
 * whatever was enabled, program CR1/CR2, the stream table and the queues,
 * invalidate every configuration and TLB entry, then enable event queue
 * and translation. From here a StreamID that is not attached is blocked
 * and reported (C_BAD_STE or C_BAD_STREAMID). Returns 0, -ETIMEDOUT when
 * the SMMU does not acknowledge, -EIO on a command queue error.
 */
IOMMUPT_API int iommudrv_smmu_enable(struct iommudrv_smmu *smmu);
/*
 * Point StreamID sid at dom with tag id: an ARM stage 1 domain (the STE
 * points at a context descriptor holding the table, ASID id) or an ARM
 * stage 2 domain (the STE holds the table, VMID id). -EOPNOTSUPP when the
 * SMMU lacks that stage, the granule, the address sizes or the level
 * count; -ERANGE for sid beyond the stream table or id beyond the ID
 * width. Replaces an earlier attach of sid (the StreamID is blocked
 * between the two). Returns 0, -EINVAL, -ENOMEM, -ETIMEDOUT or -EIO.
 */
IOMMUPT_API int iommudrv_smmu_attach(struct iommudrv_smmu *smmu, uint32_t sid,
				     struct iommupt_domain *dom, uint16_t id);
/* Block sid again (STE invalid). Returns 0, -ENOENT when not attached. */
IOMMUPT_API int iommudrv_smmu_detach(struct iommudrv_smmu *smmu,
				     uint32_t sid);
/*
 * Invalidate what gather g recorded for dom, tagged id on this SMMU:
 * CMD_TLBI_NH_VA (stage 1) or CMD_TLBI_S2_IPA (stage 2) over
 * [g->start, g->last], as ranges when the SMMU has IDR3.RIL, per granule
 * otherwise, or the whole ASID/VMID for large ranges; not leaf-only when
 * g records unlinked tables. Then CMD_SYNC: on return the SMMU has
 * completed it and the caller may release g. A gather holding only
 * non-present -> present changes needs nothing (invalid entries are never
 * cached). Returns 0, -EINVAL, -ETIMEDOUT or -EIO.
 */
IOMMUPT_API int iommudrv_smmu_flush(struct iommudrv_smmu *smmu,
				    struct iommupt_domain *dom, uint16_t id,
				    const struct iommupt_gather *g);
/* Invalidate every configuration and TLB entry (CFGI_ALL, TLBI_NSNH_ALL). */
IOMMUPT_API int iommudrv_smmu_flush_all(struct iommudrv_smmu *smmu);
/*
 * Move up to max event records into out (oldest first), consuming them
 * from the event queue. *n receives how many. Returns 0, or 1 when the
 * queue had overflowed (events were lost; the overflow is acknowledged).
 * Reasons: F_TRANSLATION -> TRANSLATION (also an IOVA beyond the
 * domain's input size: the SMMU reports that as a translation fault),
 * F_PERMISSION -> PERMISSION, F_ADDR_SIZE -> ADDR_SIZE (an output beyond
 * the OAS), C_BAD_STREAMID and C_BAD_STE -> NO_DEVICE (the driver leaves
 * unattached StreamIDs invalid), C_BAD_CD, C_BAD_SUBSTREAMID,
 * F_STREAM_DISABLED, F_CFG_CONFLICT -> BAD_ENTRY, fetch aborts ->
 * WALK_ABORT, anything else OTHER; vendor_reason is the event number.
 * iova is InputAddr for the events that carry one (7.3), else 0; access
 * comes from RnW, InD, PnU where the record has them, else 0.
 */
IOMMUPT_API int iommudrv_smmu_read_faults(struct iommudrv_smmu *smmu,
					  struct iommudrv_fault *out,
					  unsigned int max, unsigned int *n);
/* Fill info (caller sets info->sz). Returns 0 or -EINVAL. */
IOMMUPT_API int iommudrv_smmu_get_info(struct iommudrv_smmu *smmu,
				       struct iommudrv_smmu_info *info);
/*
 * Shut down: abort incoming transactions (GBPA.ABORT), disable
 * translation and the queues, free the stream table, context descriptors
 * and queues. Domains stay the caller's. Accepts NULL.
 */
IOMMUPT_API void iommudrv_smmu_destroy(struct iommudrv_smmu *smmu);

#ifdef __cplusplus
}
#endif
#endif
