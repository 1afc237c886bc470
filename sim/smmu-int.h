/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private definitions of the SMMUv3 model. Section numbers refer to the
 * Arm SMMUv3 specification (IHI 0070); "D8" to the Arm ARM (DDI 0487).
 */
#ifndef SIM_SMMU_INT_H
#define SIM_SMMU_INT_H

#include <iommupt/sim-smmu.h>

#include "sim-int.h"
#include "xlate.h"

#define SMMU_BIT(n) (1ull << (n))
#define SMMU_FIELD(v, hi, lo) (((v) >> (lo)) & (SMMU_BIT((hi) - (lo) + 1) - 1))

/* TLB entry kinds: what tags them. */
#define SMMU_KIND_S1 1     /* stage 1 only: VMID (S2VMID), ASID */
#define SMMU_KIND_S2 2     /* stage 2 only: VMID */
#define SMMU_KIND_NESTED 3 /* combined stage 1 + 2: VMID, ASID */
#define SMMU_ASID_GLOBAL 0x10000u /* key of nG = 0 entries */

struct smmu_req {
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	bool write;
	bool priv;
	uint64_t iova;
};

/* A decoded STE (5.2) and CD (5.4): raw dwords 0..3. */
struct smmu_cfg {
	uint64_t ste[4];
	uint64_t cd[4];
	bool have_cd;
};

/* One translation regime's table parameters (D8.1, D8.2). */
struct smmu_tt {
	uint64_t base;
	unsigned int granule; /* 12, 14, 16 */
	unsigned int ias;     /* input bits */
	unsigned int oas;     /* output bits */
	int start;            /* start level (0..3) */
	bool stage2;
	bool ha, hd;
};

struct smmu_out {
	uint32_t event;        /* 0 or IOMMUSIM_SMMU_EV_* */
	uint64_t evt1;         /* event dword 1 flags (S2, CLASS) */
	uint64_t ipa;          /* for stage 2 faults */
	uint64_t oa;
	uint32_t prot;         /* IOMMUPT_READ | IOMMUPT_WRITE */
	unsigned int page_lg2;
	bool global;           /* nG clear */
	bool dirty;            /* writable without a further HTTU update */
	bool bypass;
	bool suppress;         /* a fault the CD's R / STE's S2R hides */
	uint8_t kind;          /* SMMU_KIND_* when translated by tables */
	uint32_t vmid, asid;
};

struct smmu_unit;

struct smmu_walker {
	struct smmu_unit *s;
	bool live;
	uint64_t cycles;
};

struct smmu_unit {
	struct iommusim_unit u;
	unsigned int oas, sid_bits, ssid_bits;
	uint32_t flags;

	/* registers (6.3) */
	uint32_t cr0, cr1, cr2, gbpa, gerror, gerrorn;
	uint64_t strtab_base, cmdq_base, eventq_base;
	uint32_t strtab_cfg, cmdq_prod, cmdq_cons, eventq_prod, eventq_cons;
	uint64_t tlb_sizes;

	struct sim_cache tlb_c;
	struct sim_cache ste_c;
	struct sim_cache cd_c;
};

/* smmu-walk.c */
int smmu_read(struct smmu_walker *w, uint64_t pa, uint64_t *val);
/* STE of sid into cfg->ste: 0 or an event. */
uint32_t smmu_fetch_ste(struct smmu_walker *w, uint32_t sid,
			struct smmu_cfg *cfg);
/* Translate rq under an STE whose CD (when needed) is fetched here. */
void smmu_translate(struct smmu_walker *w, const struct smmu_req *rq,
		    struct smmu_cfg *cfg, bool cd_cached,
		    struct smmu_out *out);
uint32_t smmu_fetch_cd(struct smmu_walker *w, const struct smmu_req *rq,
		       struct smmu_cfg *cfg, struct smmu_out *out);
/* Whole translation without caches or side effects (stale detector). */
void smmu_translate_fresh(struct smmu_unit *s, const struct smmu_req *rq,
			  struct smmu_out *out);
uint32_t smmu_ste_vmid(const struct smmu_cfg *cfg);

/* smmu-regs.c */
void smmu_regs_init(struct smmu_unit *s);
bool smmu_event(struct smmu_unit *s, const uint64_t ev[4]);
void smmu_log_fault(struct smmu_unit *s, const struct smmu_req *rq,
		    const struct smmu_out *out,
		    struct iommusim_dma_result *res);

/* smmu-cmd.c */
void smmu_cmd_run(struct smmu_unit *s);

/* smmu.c: invalidation primitives */
void smmu_inval_ste(struct smmu_unit *s, uint32_t first, uint32_t last);
void smmu_inval_cd(struct smmu_unit *s, uint32_t sid, bool all, uint32_t ssid);
/* kind 0: every kind; asid < 0: every ASID (global ones included);
 * by_asid drops only non-global entries of that ASID */
struct smmu_tlbi {
	bool all_vmid;
	uint32_t vmid;
	int kinds;            /* bit mask of 1 << SMMU_KIND_* */
	bool by_asid;
	uint32_t asid;
	bool asid_and_global; /* with by_asid: the ASID's and global entries */
	bool by_range;
	uint64_t first, last;
};
void smmu_tlbi(struct smmu_unit *s, const struct smmu_tlbi *t);

#endif
