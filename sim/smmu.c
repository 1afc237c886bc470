// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The SMMUv3 unit: the DMA path through the configuration caches (STEs
 * keyed by StreamID, CDs by StreamID and SubstreamID) and the TLB (tagged
 * by VMID and ASID, nG clear entries matching every ASID), the
 * invalidation primitives the commands use (4.3, 4.4), the stale detector
 * hook and the unit's creation.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "smmu-int.h"

/* TLB (xlate.h): tags (VMID | kind << 16, ASID or SMMU_ASID_GLOBAL). */
static uint64_t tlb_tag(uint32_t vmid, uint8_t kind)
{
	return vmid | (uint64_t)kind << 16;
}

/* ---- invalidation primitives ----------------------------------------- */

struct ste_range {
	uint32_t first, last;
};

static bool ste_match(void *p, const struct sim_cache_entry *e)
{
	const struct ste_range *r = p;

	return e->key[0] >= r->first && e->key[0] <= r->last;
}

/* 4.3.1-4.3.3: CFGI_STE, CFGI_STE_RANGE, CFGI_ALL. */
void smmu_inval_ste(struct smmu_unit *s, uint32_t first, uint32_t last)
{
	struct ste_range r = { first, last };

	sim_cache_inval(&s->ste_c, ste_match, &r);
}

struct cd_sel {
	uint32_t sid, ssid;
	bool all;
};

static bool cd_match(void *p, const struct sim_cache_entry *e)
{
	const struct cd_sel *c = p;

	return e->key[0] == c->sid && (c->all || e->key[1] == c->ssid);
}

/* 4.3.4, 4.3.5: CFGI_CD, CFGI_CD_ALL. */
void smmu_inval_cd(struct smmu_unit *s, uint32_t sid, bool all, uint32_t ssid)
{
	struct cd_sel c = { sid, ssid, all };

	sim_cache_inval(&s->cd_c, cd_match, &c);
}

static bool tlb_match(void *p, const struct sim_cache_entry *e)
{
	const struct smmu_tlbi *t = p;
	unsigned int kind = (unsigned int)(e->key[0] >> 16);

	if (!(t->kinds & (1 << kind)))
		return false;
	if (!t->all_vmid && (e->key[0] & 0xffff) != t->vmid)
		return false;
	if (t->by_asid && e->key[1] != t->asid &&
	    !(t->asid_and_global && e->key[1] == SMMU_ASID_GLOBAL))
		return false;
	return !t->by_range || sim_tlb_in_range(e, t->first, t->last);
}

/* 4.4: the TLB invalidations select by VMID, kind, ASID and range. */
void smmu_tlbi(struct smmu_unit *s, const struct smmu_tlbi *t)
{
	sim_cache_inval(&s->tlb_c, tlb_match, (void *)t);
}

/* ---- the DMA path ---------------------------------------------------- */

static void xlate_of(const struct smmu_out *o, struct iommusim_xlate *x)
{
	x->fault = o->event;
	x->oa = o->event ? 0 : o->oa;
	x->prot = o->event ? 0 : o->prot;
	x->page_lg2 = o->event ? 0 : o->page_lg2;
}

static void report_stale(struct smmu_unit *s, const struct smmu_req *rq,
			 const struct smmu_out *out,
			 struct iommusim_dma_result *res)
{
	struct iommusim_stale_report r = {
		.sid = rq->sid, .pasid = rq->ssid, .has_pasid = rq->ssv,
		.iova = rq->iova, .did = out->vmid,
	};
	struct smmu_out fresh;

	xlate_of(out, &r.cached);
	smmu_translate_fresh(s, rq, &fresh);
	xlate_of(&fresh, &r.fresh);
	sim_xlate_stale(&s->u, &r, res);
}

static bool tlb_lookup(struct smmu_unit *s, struct smmu_walker *w,
		       const struct smmu_cfg *cfg, const struct smmu_req *rq,
		       uint8_t kind, struct smmu_out *out)
{
	uint32_t vmid = smmu_ste_vmid(cfg);
	uint32_t asid = kind == SMMU_KIND_S2 ? 0 :
			(uint32_t)SMMU_FIELD(cfg->cd[0], 63, 48);
	/* stage 1 entries with nG clear match every ASID */
	struct sim_tlb_tag t = {
		.tag0 = tlb_tag(vmid, kind), .tag1 = asid,
		.has_alt = kind != SMMU_KIND_S2, .alt_tag1 = SMMU_ASID_GLOBAL,
		.sizes = s->tlb_sizes,
	};
	struct sim_tlb_ent te;

	/* a write to a clean page walks again for the dirty-state update */
	if (!sim_tlb_lookup(&s->tlb_c, &w->cycles, &t, rq->iova, rq->write,
			    &te))
		return false;
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->vmid = vmid;
	out->asid = asid;
	out->page_lg2 = te.page_lg2;
	out->prot = te.prot;
	out->dirty = true;
	out->oa = te.oa;
	if ((rq->write && !(out->prot & IOMMUPT_WRITE)) ||
	    (!rq->write && !(out->prot & IOMMUPT_READ)) ||
	    (!rq->priv && (out->prot & IOMMUPT_PRIV))) {
		out->event = IOMMUSIM_SMMU_EV_F_PERMISSION;
		out->evt1 = IOMMUSIM_SMMU_EVT1_CLASS(2);
		/* 7.3 S2: a stage 2 entry's fault is a stage 2 fault, as on
		 * the walk (and recorded by STE.S2R, not CD.R) */
		if (kind == SMMU_KIND_S2) {
			out->evt1 |= IOMMUSIM_SMMU_EVT1_S2;
			out->ipa = rq->iova;
		}
	}
	return true;
}

static void tlb_fill(struct smmu_unit *s, const struct smmu_req *rq,
		     const struct smmu_out *out)
{
	struct sim_tlb_ent te = {
		.oa = out->oa, .prot = out->prot, .page_lg2 = out->page_lg2,
		.dirty = out->dirty,
	};

	sim_tlb_fill(&s->tlb_c, &s->tlb_sizes, tlb_tag(out->vmid, out->kind),
		     out->global ? SMMU_ASID_GLOBAL : out->asid, rq->iova, &te);
}

/* Which TLB kind translates rq under the STE (before the walk). */
static uint8_t table_kind(const struct smmu_cfg *cfg, const struct smmu_req *rq)
{
	unsigned int c = (unsigned int)SMMU_FIELD(cfg->ste[0], 3, 1);
	unsigned int cdmax = (unsigned int)SMMU_FIELD(cfg->ste[0], 63, 59);

	if (c < 5)
		return 0;
	if (rq->ssv && (!(c & 1) || !cdmax || rq->ssid >> cdmax))
		return 0; /* C_BAD_SUBSTREAMID */
	if ((c & 1) && !rq->ssv && cdmax && SMMU_FIELD(cfg->ste[1], 1, 0) != 2)
		return 0; /* S1DSS terminate or bypass: not cached */
	if (c == IOMMUSIM_SMMU_STE_CFG_S2)
		return rq->ssv ? 0 : SMMU_KIND_S2;
	return c == IOMMUSIM_SMMU_STE_CFG_S1 ? SMMU_KIND_S1 :
	       SMMU_KIND_NESTED;
}

static int smmu_dma(struct iommusim_unit *u, const struct iommusim_dma *req,
		    struct iommusim_dma_result *res)
{
	struct smmu_unit *s = (struct smmu_unit *)u;
	struct smmu_walker w = { .s = s, .live = true };
	struct smmu_req rq = {
		.sid = req->sid, .ssid = req->pasid,
		.ssv = (req->flags & IOMMUSIM_DMA_HAS_PASID) != 0,
		.write = req->access == IOMMUSIM_DMA_WRITE,
		.priv = (req->flags & IOMMUSIM_DMA_PRIV) != 0,
		.iova = req->iova,
	};
	struct smmu_cfg cfg;
	struct smmu_out out;
	struct sim_cache_entry *e;
	uint64_t key[3] = { rq.sid, 0, 0 };
	bool cached = false, cd_cached = false;
	uint8_t kind = 0;

	memset(&out, 0, sizeof(out));
	memset(&cfg, 0, sizeof(cfg));
	w.cycles = u->cyc.link;
	/* SubstreamIDs beyond SSIDSIZE exceed every S1CDMax (C_BAD_STE
	 * otherwise): C_BAD_SUBSTREAMID below */
	if (!(s->cr0 & IOMMUSIM_SMMU_CR0_SMMUEN)) {
		/* 6.3.14: SMMUEN clear: GBPA decides */
		if (s->gbpa & IOMMUSIM_SMMU_GBPA_ABORT) {
			res->cycles = w.cycles + u->cyc.link;
			res->fault = IOMMUSIM_SMMU_ABORT;
			return 0;
		}
		sim_xlate_untranslated(u, req, res);
		return 0;
	}

	/* configuration cache: the STE (3.3.1) */
	e = sim_cache_lookup(&s->ste_c, &w.cycles, key);
	if (e) {
		memcpy(cfg.ste, e->val, sizeof(cfg.ste));
		res->flags |= IOMMUSIM_RES_CTX_HIT;
		cached = true;
	} else {
		out.event = smmu_fetch_ste(&w, rq.sid, &cfg);
		if (!out.event)
			sim_cache_fill(&s->ste_c, key, cfg.ste);
	}

	if (!out.event) {
		kind = table_kind(&cfg, &rq);
		if (kind && kind != SMMU_KIND_S2) {
			/* the CD (3.3.2), cached by StreamID and SubstreamID */
			uint64_t ck[3] = { rq.sid, rq.ssv ? rq.ssid : 0, 0 };

			e = sim_cache_lookup(&s->cd_c, &w.cycles, ck);
			if (e) {
				memcpy(cfg.cd, e->val, sizeof(cfg.cd));
				cfg.have_cd = true;
				cd_cached = cached = true;
			} else {
				out.event = smmu_fetch_cd(&w, &rq, &cfg, &out);
				if (!out.event)
					sim_cache_fill(&s->cd_c, ck, cfg.cd);
				else
					kind = 0;
				cd_cached = true;
			}
		}
	}
	if (!out.event) {
		if (kind && tlb_lookup(s, &w, &cfg, &rq, kind, &out)) {
			res->flags |= IOMMUSIM_RES_IOTLB_HIT;
			cached = true;
		} else {
			smmu_translate(&w, &rq, &cfg, cd_cached, &out);
			if (kind && out.page_lg2 && !out.bypass &&
			    (!out.event ||
			     out.event == IOMMUSIM_SMMU_EV_F_PERMISSION))
				tlb_fill(s, &rq, &out);
		}
	} else if (cd_cached) {
		out.kind = 0;
	}

	if (cached && u->stale.on)
		report_stale(s, &rq, &out, res);
	if (out.event >= IOMMUSIM_SMMU_EV_F_TRANSLATION &&
	    out.event <= IOMMUSIM_SMMU_EV_F_PERMISSION)
		out.suppress = (out.evt1 & IOMMUSIM_SMMU_EVT1_S2) ?
			       !(cfg.ste[2] & IOMMUSIM_SMMU_STE_S2R) :
			       !(cfg.cd[0] & IOMMUSIM_SMMU_CD_R);

	if (sim_xlate_finish(u, res, &(struct sim_xlate_end){
			.did = out.vmid, .cycles = w.cycles, .fault = out.event,
			.oa = out.oa, .page_lg2 = out.page_lg2,
			.bypass = out.bypass }))
		smmu_log_fault(s, &rq, &out, res);
	return 0;
}

/* ---- unit ------------------------------------------------------------ */

static const struct sim_unit_ops smmu_ops = {
	.dma = smmu_dma,
	.iotlb = offsetof(struct smmu_unit, tlb_c),
	.context = offsetof(struct smmu_unit, ste_c),
	.pasid = offsetof(struct smmu_unit, cd_c),
};

IOMMUPT_API int iommusim_smmu_create(const struct iommusim_smmu_opts *opts,
				     struct iommusim_mem *mem,
				     struct iommusim_unit **out)
{
	IOMMUPT_OPTS(iommusim_smmu_opts, def);
	struct smmu_unit *s;
	int rc;

	if (!out || !mem)
		return -EINVAL;
	*out = NULL;
	if (!opts)
		opts = &def;
	if (!sim_opts_valid(opts, opts->sz, sizeof(*opts)))
		return -EINVAL;
	if (opts->flags & ~(uint32_t)(IOMMUSIM_SMMU_NO_STALE_CHECK |
				      IOMMUSIM_SMMU_NO_HTTU))
		return -EINVAL;
	if ((opts->oas && (opts->oas < 32 || opts->oas > 52)) ||
	    opts->sid_bits > 32 || opts->ssid_bits > 20)
		return -EINVAL;

	s = (struct smmu_unit *)sim_unit_alloc(sizeof(*s), &smmu_ops, mem,
					       &opts->cycles,
					       !(opts->flags &
						 IOMMUSIM_SMMU_NO_STALE_CHECK));
	if (!s)
		return -ENOMEM;
	s->oas = opts->oas ? opts->oas : 52;
	s->sid_bits = opts->sid_bits ? opts->sid_bits : 16;
	s->ssid_bits = opts->ssid_bits ? opts->ssid_bits : 20;
	s->flags = opts->flags;
	rc = sim_unit_caches_init(&s->u, &(struct sim_unit_cache_opts){
		.iotlb = &opts->tlb, .context = &opts->ste, .pasid = &opts->cd,
		.seed = opts->seed, .context_seed = 1, .pasid_seed = 2,
	});
	if (rc) {
		iommusim_unit_destroy(&s->u);
		return rc;
	}
	smmu_regs_init(s);
	*out = &s->u;
	return 0;
}
