/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private definitions of the VT-d model. Section numbers refer to the
 * Intel VT-d Architecture Specification (rev 3.x/4.x).
 */
#ifndef SIM_VTD_INT_H
#define SIM_VTD_INT_H

#include <iommupt/sim-vtd.h>

#include "sim-int.h"
#include "xlate.h"

/* CAP_REG field extraction (10.4.2). */
#define CAP_ND(c) ((unsigned int)((c) & 7))
#define CAP_SAGAW(c) ((unsigned int)(((c) >> 8) & 0x1f))
#define CAP_MGAW(c) ((unsigned int)(((c) >> 16) & 0x3f) + 1)
#define CAP_FRO(c) ((unsigned int)(((c) >> 24) & 0x3ff))
#define CAP_SLLPS(c) ((unsigned int)(((c) >> 34) & 0xf))
#define CAP_NFR(c) ((unsigned int)(((c) >> 40) & 0xff) + 1)
#define CAP_MAMV(c) ((unsigned int)(((c) >> 48) & 0x3f))
#define CAP_FRO_SET(v) ((uint64_t)(v) << 24)
/* Bits of CAP the model implements (anything else: -EOPNOTSUPP). */
#define CAP_DWD (1ull << 54) /* write draining: nothing to drain here */
#define CAP_DRD (1ull << 55) /* read draining */
#define CAP_MODELLED (0x7ull | IOMMUSIM_VTD_CAP_RWBF | IOMMUSIM_VTD_CAP_CM | \
		      CAP_DWD | CAP_DRD | \
		      (0x1full << 8) | (0x3full << 16) | (0x3ffull << 24) | \
		      (0xfull << 34) | IOMMUSIM_VTD_CAP_PSI | (0xffull << 40) | \
		      (0x3full << 48) | IOMMUSIM_VTD_CAP_FL1GP | \
		      IOMMUSIM_VTD_CAP_FL5LP)

/* ECAP_REG (10.4.3). */
#define ECAP_IRO(e) ((unsigned int)(((e) >> 8) & 0x3ff))
#define ECAP_IRO_SET(v) ((uint64_t)(v) << 8)
#define ECAP_PSS(e) ((unsigned int)(((e) >> 35) & 0x1f) + 1)
#define ECAP_MODELLED (IOMMUSIM_VTD_ECAP_C | IOMMUSIM_VTD_ECAP_QI | \
		       (0x3ffull << 8) | IOMMUSIM_VTD_ECAP_PT | \
		       IOMMUSIM_VTD_ECAP_SC | (0x1full << 35) | \
		       IOMMUSIM_VTD_ECAP_PASID | IOMMUSIM_VTD_ECAP_SMTS | \
		       IOMMUSIM_VTD_ECAP_SLADS | IOMMUSIM_VTD_ECAP_SLTS | \
		       IOMMUSIM_VTD_ECAP_FLTS)

/* GSTS (10.4.5). */
#define GSTS_TES (1u << 31)
#define GSTS_RTPS (1u << 30)
#define GSTS_WBFS (1u << 27)
#define GSTS_QIES (1u << 26)

/* RTADDR (10.4.6): TTM 11:10. */
#define RTADDR_TTM(r) ((unsigned int)(((r) >> 10) & 3))

/* CCMD (10.4.7). */
#define CCMD_ICC (1ull << 63)
#define CCMD_CIRG(r) ((unsigned int)(((r) >> 61) & 3))
#define CCMD_CAIG_SHIFT 59
#define CCMD_FM(r) ((unsigned int)(((r) >> 32) & 3))
#define CCMD_SID(r) ((unsigned int)(((r) >> 16) & 0xffff))
#define CCMD_DID(r) ((unsigned int)((r) & 0xffff))

/* IOTLB_REG and IVA_REG (10.4.8.1, 10.4.8.2). */
#define IOTLB_IVT (1ull << 63)
#define IOTLB_IIRG(r) ((unsigned int)(((r) >> 60) & 3))
#define IOTLB_IAIG_SHIFT 57
#define IOTLB_DID(r) ((unsigned int)(((r) >> 32) & 0xffff))
#define IVA_AM(r) ((unsigned int)((r) & 0x3f))
#define IVA_IH (1ull << 6)
#define IVA_ADDR(r) ((r) & ~0xfffull)

/* FSTS (10.4.9) and FECTL (10.4.10). */
#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FSTS_ICE (1u << 5)
#define FSTS_ITE (1u << 6)
#define FSTS_FRI_SHIFT 8
#define FECTL_IM (1u << 31)
#define FECTL_IP (1u << 30)

/* IQA (10.4.24): IQA 63:12, DW 11, QS 2:0. */
#define IQA_DW (1ull << 11)
#define IQA_QS(r) ((unsigned int)((r) & 7))
#define ICS_IWC 1u

/* Fault recording register, upper qword (10.4.14). */
#define FRCD_F (1ull << 63)
#define FRCD_T1 (1ull << 62) /* 1: read, 0: write */
#define FRCD_PV_SHIFT 40
#define FRCD_FR_SHIFT 32
#define FRCD_PP (1ull << 31)
#define FRCD_PRIV (1ull << 29)

#define VTD_MAX_FRCD 256
#define VTD_PWC_LEVELS 4 /* levels 1..4 hold table pointers */
#define VTD_NO_PASID 0x100000u /* IOTLB tag of requests without PASID */

/* A decoded context entry (9.3 legacy, 9.4 scalable). */
struct vtd_ctx {
	uint8_t fpd;
	uint8_t sm;          /* scalable-mode entry */
	uint8_t tt;          /* legacy translation type */
	uint8_t levels;      /* legacy: from AW */
	uint32_t did;        /* legacy */
	uint64_t ptr;        /* legacy SLPTPTR, scalable PASIDDIRPTR */
	uint8_t pdts;        /* scalable: directory has 2^(pdts+7) entries */
	uint8_t pasid_en;
	uint8_t rid_priv;
	uint32_t rid_pasid;
};

/* What the walk of root/context/PASID structures decided. */
struct vtd_cfg {
	uint32_t did;
	uint8_t fpd;
	uint8_t mode;       /* VTD_MODE_* */
	uint8_t levels;     /* paging levels of the table walked */
	uint8_t ad;         /* A/D updates on (SS with SSADE; FS always) */
	uint8_t wpe;        /* FS: supervisor writes honour R/W */
	uint64_t root;      /* SS or FS table root */
};

enum {
	VTD_MODE_SS = 1,    /* second stage (legacy or PGTT=010) */
	VTD_MODE_FS = 2,    /* first stage (PGTT=001) */
	VTD_MODE_PT = 3,    /* pass-through */
};

struct vtd_unit;

/* The walker's view of the unit: live walks charge and update A/D. */
struct vtd_walker {
	struct vtd_unit *v;
	bool live;
	uint64_t cycles;
	uint32_t pasid_tag;  /* IOTLB/PWC tag: PASID or VTD_NO_PASID */
	bool use_caches;     /* consult and fill PWC */
	bool pwc_hit;
};

/* A translation of one IOVA. */
struct vtd_out {
	uint32_t fault;
	uint64_t oa;
	uint32_t prot;        /* IOMMUPT_READ | IOMMUPT_WRITE */
	unsigned int page_lg2;
	bool dirty;           /* D set (or not needed) in the leaf */
	bool user;            /* FS: U/S allowed user access */
};

struct vtd_req {
	uint32_t sid;
	uint32_t pasid;
	bool has_pasid;
	bool write;
	bool priv;
	uint64_t iova;
};

struct vtd_unit {
	struct iommusim_unit u;
	uint64_t cap, ecap;
	uint32_t ver;
	unsigned int haw;
	uint32_t flags;

	/* register state */
	uint32_t gsts;
	uint64_t rtaddr, rtaddr_active;
	uint64_t ccmd;
	uint32_t fsts, fectl, fedata, feaddr, feuaddr;
	uint32_t pmen;
	uint64_t iqh, iqt, iqa, iqercd;
	uint32_t ics, iectl, iedata, ieaddr, ieuaddr;
	uint64_t iva, iotlb;
	uint64_t frcd[VTD_MAX_FRCD][2];
	unsigned int nfr, frcd_next;
	uint64_t fault_events; /* interrupts that would have been sent */

	struct sim_cache iotlb_c;
	struct sim_cache pwc[VTD_PWC_LEVELS];
	struct sim_cache ctx_c;
	struct sim_cache pasid_c;
};

/* vtd-walk.c: structures and page tables, straight from chapters 3 and 9. */
int vtd_read(struct vtd_walker *w, uint64_t pa, uint64_t *val);
uint32_t vtd_walk_context(struct vtd_walker *w, const struct vtd_req *rq,
			  struct vtd_ctx *ctx);
/* cfg from a legacy context entry. */
uint32_t vtd_ctx_cfg(const struct vtd_ctx *ctx, struct vtd_cfg *cfg);
uint32_t vtd_walk_pasid(struct vtd_walker *w, const struct vtd_ctx *ctx,
			const struct vtd_req *rq, struct vtd_cfg *cfg);
/* Whether rq may use a page with prot under cfg: 0 or a fault reason. */
uint32_t vtd_check_access(const struct vtd_cfg *cfg, const struct vtd_req *rq,
			  uint32_t prot);
void vtd_walk_pages(struct vtd_walker *w, const struct vtd_cfg *cfg,
		    const struct vtd_req *rq, struct vtd_out *out);
/* The whole translation without caches or side effects (stale check). */
void vtd_translate_fresh(struct vtd_unit *v, const struct vtd_req *rq,
			 struct vtd_cfg *cfg, struct vtd_out *out);
bool vtd_scalable(const struct vtd_unit *v);

/* vtd-regs.c */
void vtd_regs_init(struct vtd_unit *v);
int vtd_mmio_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val);
int vtd_mmio_write(void *ctx, uint64_t off, unsigned int size, uint64_t val);
void vtd_record_fault(struct vtd_unit *v, const struct vtd_req *rq,
		      uint32_t reason);

/* vtd-qi.c and the invalidation primitives in vtd.c */
void vtd_qi_run(struct vtd_unit *v);
void vtd_inval_context(struct vtd_unit *v, unsigned int gran, uint32_t did,
		       uint32_t sid, unsigned int fm);
void vtd_inval_iotlb(struct vtd_unit *v, unsigned int gran, uint32_t did,
		     uint64_t addr, unsigned int am, bool ih);
void vtd_inval_piotlb(struct vtd_unit *v, unsigned int gran, uint32_t did,
		      uint32_t pasid, uint64_t addr, unsigned int am, bool ih);
void vtd_inval_pasid(struct vtd_unit *v, unsigned int gran, uint32_t did,
		     uint32_t pasid);

#endif
