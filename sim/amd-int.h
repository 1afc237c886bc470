/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private definitions of the AMD-Vi model. Section numbers refer to the
 * AMD I/O Virtualization Technology (IOMMU) Specification (pub. 48882).
 */
#ifndef SIM_AMD_INT_H
#define SIM_AMD_INT_H

#include <iommupt/sim-amd.h>

#include "sim-int.h"
#include "xlate.h"

#define AMD_BIT(n) (1ull << (n))

/* EFR fields (3.4.5). */
#define EFR_HATS(e) ((unsigned int)(((e) >> 10) & 3))
#define EFR_GATS(e) ((unsigned int)(((e) >> 12) & 3))
#define EFR_GLX(e) ((unsigned int)(((e) >> 14) & 3))
#define EFR_PASMAX(e) ((unsigned int)(((e) >> 32) & 0x1f))
#define EFR_MODELLED (IOMMUSIM_AMD_EFR_GTSUP | IOMMUSIM_AMD_EFR_IASUP | \
		      (3ull << 10) | (3ull << 12) | (3ull << 14) | \
		      (0x1full << 32) | IOMMUSIM_AMD_EFR_GIOSUP | \
		      IOMMUSIM_AMD_EFR_HASUP | IOMMUSIM_AMD_EFR_HDSUP)

#define AMD_PDC_LEVELS 5     /* pointers to tables of levels 1..5 */
#define AMD_KIND_HOST 1      /* v1 tables, tagged by DomainID */
#define AMD_KIND_GUEST 2     /* v2 tables, tagged by DomainID and PASID */

/* A decoded device table entry (2.2.2.1). */
struct amd_dte {
	uint8_t v, tv, mode, ir, iw, had, sa;
	uint8_t gv, giov, glx, gpm;
	uint32_t did;
	uint64_t root;  /* host page table root */
	uint64_t gcr3;  /* GCR3 table root */
};

struct amd_req {
	uint32_t devid;
	uint32_t pasid;
	bool has_pasid;
	bool write;
	bool priv;
	uint64_t iova;
};

/* A translation of one IOVA, or why there is none. */
struct amd_out {
	uint32_t event;       /* 0 or IOMMUSIM_AMD_EV_* */
	uint32_t evflags;     /* IOMMUSIM_AMD_EVF_* */
	uint64_t evaddr;      /* address for hardware-error events */
	uint64_t oa;
	uint32_t prot;        /* IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_PRIV */
	unsigned int page_lg2;
	bool dirty;           /* D set (or not tracked) in the leaf */
	bool bypass;          /* untranslated */
	uint8_t kind;         /* AMD_KIND_* when translated by tables */
};

struct amd_unit;

/* The walker's view: live walks charge, count and update A/D. */
struct amd_walker {
	struct amd_unit *a;
	bool live;
	bool use_caches;
	bool pdc_hit;
	uint64_t cycles;
};

struct amd_unit {
	struct iommusim_unit u;
	uint64_t efr;
	unsigned int haw;
	uint32_t flags;

	/* registers (3.4) */
	uint64_t devtab, cmdbuf, evtlog, control, excl_base, excl_limit;
	uint64_t cmd_head, cmd_tail, evt_head, evt_tail;
	uint64_t status;
	bool cmd_stopped;     /* an illegal command stopped the buffer */
	bool evt_stopped;     /* the log overflowed: off until EventLogEn
			       * is set again (2.5.1) */
	uint64_t tlb_sizes;   /* page sizes ever put in the IOTLB */

	struct sim_cache iotlb_c;
	struct sim_cache pdc[AMD_PDC_LEVELS];
	struct sim_cache dte_c;
};

/* amd-walk.c: device table, GCR3 table and page tables (chapter 2). */
int amd_read(struct amd_walker *w, uint64_t pa, uint64_t *val);
/* 0, or the event (ILLEGAL_DTE, DEVTAB_HW_ERROR) with out->evaddr. */
uint32_t amd_read_dte(struct amd_walker *w, uint32_t devid,
		      struct amd_dte *dte, uint64_t *evaddr);
/* Translate rq under dte (after the DTE is known). */
void amd_walk(struct amd_walker *w, const struct amd_dte *dte,
	      const struct amd_req *rq, struct amd_out *out);
/* Whether rq may use a page with prot: 0 or IO_PAGE_FAULT flags. */
uint32_t amd_check_access(const struct amd_req *rq, uint32_t prot,
			  uint8_t kind);
/* The whole translation without caches or side effects (stale check). */
void amd_translate_fresh(struct amd_unit *a, const struct amd_req *rq,
			 struct amd_dte *dte, struct amd_out *out);

/* amd-regs.c: register file, event log (2.5). */
void amd_regs_init(struct amd_unit *a);
/* Append one event; returns whether it was written. */
bool amd_log_event(struct amd_unit *a, const uint64_t ev[2]);
void amd_log_fault(struct amd_unit *a, const struct amd_req *rq,
		   const struct amd_dte *dte, const struct amd_out *out,
		   struct iommusim_dma_result *res);

/* amd-cmd.c: the command buffer (2.4). */
void amd_cmd_run(struct amd_unit *a);

/* amd.c: invalidation primitives the commands use. */
void amd_inval_dte(struct amd_unit *a, uint32_t devid);
void amd_inval_pages(struct amd_unit *a, uint32_t did, bool guest,
		     uint32_t pasid, uint64_t first, uint64_t last, bool pde);
void amd_inval_all(struct amd_unit *a);

#endif
