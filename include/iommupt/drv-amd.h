/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * User-mode AMD-Vi driver: brings one IOMMU up from reset (device table,
 * command buffer, event log, enable), attaches PCI DeviceIDs to libiommupt
 * AMD v1 (host) domains, invalidates from a gather, reads and clears event
 * log entries into the common fault record, and shuts the unit down.
 * Section numbers: AMD I/O Virtualization Technology (IOMMU)
 * Specification, pub. 48882 rev 3.x.
 *
 * Every DeviceID the device table covers and that is not attached is
 * blocked: its DTE translates through an empty table with IR = IW = 0 and
 * DomainID 0, which the driver keeps for itself. Its requests fault.
 *
 * Concurrency: one lock per unit serialises every call that touches the
 * unit; calls on different units are independent.
 */
#ifndef IOMMUPT_DRV_AMD_H
#define IOMMUPT_DRV_AMD_H

#include <iommupt/common.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/mmio.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommudrv_amd;

enum iommudrv_amd_flags {
	/*
	 * The unit's table walks do not snoop the CPU caches: the driver
	 * writes back the lines of its own structures (device table,
	 * commands). As with VT-d, libiommupt's page-table lines are the
	 * caller's to write back before a flush.
	 */
	IOMMUDRV_AMD_NONCOHERENT = 1u << 0,
	/*
	 * The unit caches not-present entries (capability header NpCache,
	 * spec 3.2.1, PCI configuration space, which this driver does not
	 * read): flush after a map too.
	 */
	IOMMUDRV_AMD_NP_CACHE = 1u << 1,
	/*
	 * Quirk: the unit writes event log entries but never advances the
	 * Event Log Tail register (QEMU before 10.0). New entries are found
	 * by a non-zero first qword instead; the driver clears each entry it
	 * reads.
	 */
	IOMMUDRV_AMD_QUIRK_EVT_TAIL = 1u << 2,
};

struct iommudrv_amd_opts {
	size_t sz;
	uint32_t unit;   /* copied into fault records */
	uint32_t flags;  /* enum iommudrv_amd_flags */
	/*
	 * Device table entries for buses [0, nr_bus): 8 KiB per bus, one
	 * physically contiguous block from the provider. 0: all 256 buses
	 * (2 MiB). DeviceIDs beyond are refused by attach.
	 */
	uint32_t nr_bus;
};

/* What the unit reported and how the driver set it up. */
struct iommudrv_amd_info {
	size_t sz;
	uint64_t efr;           /* raw Extended Feature Register (3.4, 0030h) */
	uint32_t levels_mask;   /* bit n: Mode n v1 tables (EFR.HATS) */
	uint32_t nr_devids;     /* DeviceIDs the device table covers */
	uint32_t nr_domains;    /* DomainIDs usable for attach: 1..65535 */
	uint32_t cmd_entries;   /* command buffer entries */
	uint32_t evt_entries;   /* event log entries */
	uint32_t inval_all;     /* 1 when the unit has INVALIDATE_IOMMU_ALL */
};

/*
 * Read the unit's features and get the device table, command buffer,
 * event log and completion-wait word from mem (whose OAs must be the
 * addresses the unit's DMA sees). Does not touch the unit's state: enable
 * does that. Returns 0, -EINVAL, -ENODEV when the registers read as all
 * ones, -ENOMEM.
 */
IOMMUPT_API int iommudrv_amd_create(const struct iommupt_mmio *mmio,
				    const struct iommupt_mem *mem,
				    const struct iommudrv_amd_opts *opts,
				    struct iommudrv_amd **out);
/*
 * Bring the unit up: turn everything off, program the device table,
 * command buffer and event log with empty pointers, clear the status,
 * enable the buffers and translation, then invalidate everything
 * (INVALIDATE_IOMMU_ALL, else every DTE and DomainID). From here every
 * DeviceID not attached is blocked. Returns 0, -ETIMEDOUT when a
 * completion wait does not land, -EIO when the unit stops the command
 * buffer.
 */
IOMMUPT_API int iommudrv_amd_enable(struct iommudrv_amd *amd);
/*
 * Point DeviceID devid (bus << 8 | devfn) at dom with DomainID did: the
 * DTE gets Mode = the domain's levels, its root, IR = IW = 1. dom must be
 * an AMD v1 domain with a level count EFR.HATS allows (-EOPNOTSUPP); did
 * 1..65535 (-ERANGE; 0 is the driver's); devid covered by the device
 * table (-ERANGE). Replaces an earlier attach (the old DomainID's
 * translations are invalidated). Does not allocate. Returns 0,
 * -ETIMEDOUT or -EIO.
 */
IOMMUPT_API int iommudrv_amd_attach(struct iommudrv_amd *amd, uint16_t devid,
				    struct iommupt_domain *dom, uint16_t did);
/* Block devid again. Returns 0, -ENOENT when it was not attached. */
IOMMUPT_API int iommudrv_amd_detach(struct iommudrv_amd *amd, uint16_t devid);
/*
 * A domain created with IOMMUPT_CFG_AMD_GROW grew (its grow_fn reported
 * root_oa and levels): point every DTE attached to dom at the new root
 * and Mode and invalidate them. The old root is item 0 of the new one, so
 * translations do not change on the way. Safe to call from grow_fn.
 * Returns 0, -EINVAL, -EOPNOTSUPP (levels beyond EFR.HATS), -ETIMEDOUT or
 * -EIO.
 */
IOMMUPT_API int iommudrv_amd_set_root(struct iommudrv_amd *amd,
				      struct iommupt_domain *dom,
				      uint64_t root_oa, unsigned int levels);
/*
 * Invalidate what gather g recorded for DomainID did: INVALIDATE_IOMMU_PAGES
 * with the smallest naturally aligned power-of-two range (S bit) covering
 * [g->start, g->last], page directory entries too (PDE) when g records
 * unlinked tables. Map-only gathers need nothing unless
 * IOMMUDRV_AMD_NP_CACHE. Returns when the unit has completed it (the
 * caller may then release g). Returns 0, -EINVAL, -ETIMEDOUT or -EIO.
 */
IOMMUPT_API int iommudrv_amd_flush(struct iommudrv_amd *amd, uint16_t did,
				   const struct iommupt_gather *g);
/* Invalidate every cached DTE and translation of the unit. */
IOMMUPT_API int iommudrv_amd_flush_all(struct iommudrv_amd *amd);
/*
 * Move up to max event log entries into out (oldest first) and free their
 * slots in the log. *n receives how many. IO_PAGE_FAULT maps to
 * TRANSLATION (entry not present), PERMISSION (PE), BAD_ENTRY (RZ), or
 * NO_DEVICE when the DeviceID is not attached when the entry is read;
 * ILLEGAL_DEV_TABLE_ENTRY to BAD_ENTRY; DEV_TAB/PAGE_TAB_HARDWARE_ERROR
 * to WALK_ABORT; anything else to OTHER. vendor_reason holds bits 63:48
 * of the entry (EventCode << 12 | flags, spec 2.5). Returns 0, or 1 when
 * the log had overflowed (events were lost; logging is restarted).
 */
IOMMUPT_API int iommudrv_amd_read_faults(struct iommudrv_amd *amd,
					 struct iommudrv_fault *out,
					 unsigned int max, unsigned int *n);
/* Fill info (caller sets info->sz). Returns 0 or -EINVAL. */
IOMMUPT_API int iommudrv_amd_get_info(struct iommudrv_amd *amd,
				      struct iommudrv_amd_info *info);
/*
 * Shut down: turn translation, the command buffer and the event log off,
 * then free the driver's structures. Domains stay the caller's. Accepts
 * NULL.
 */
IOMMUPT_API void iommudrv_amd_destroy(struct iommudrv_amd *amd);

#ifdef __cplusplus
}
#endif
#endif
