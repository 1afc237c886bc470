// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d unit: the DMA path through the context cache, the PASID cache,
 * the IOTLB and the paging-structure caches (6.2 "Translation caches"),
 * the invalidation primitives that register-based and queued invalidation
 * share (6.5), the stale detector hook and the unit's creation.
 */
#include <errno.h>
#include <stddef.h>

#include "vtd-int.h"

/* ---- cache keys and values --------------------------------------------- */

/* Context cache: key (source ID, mode); value packs struct vtd_ctx. */
static void ctx_pack(const struct vtd_ctx *c, uint64_t val[4])
{
	val[0] = c->ptr;
	val[1] = c->did | (uint64_t)c->tt << 16 | (uint64_t)c->levels << 20 |
		 (uint64_t)c->fpd << 24 | (uint64_t)c->sm << 25 |
		 (uint64_t)c->pasid_en << 26 | (uint64_t)c->pdts << 28 |
		 (uint64_t)c->rid_priv << 31;
	val[2] = c->rid_pasid;
	val[3] = 0;
}

static void ctx_unpack(const uint64_t val[4], struct vtd_ctx *c)
{
	c->ptr = val[0];
	c->did = val[1] & 0xffff;
	c->tt = (val[1] >> 16) & 3;
	c->levels = (val[1] >> 20) & 0xf;
	c->fpd = (val[1] >> 24) & 1;
	c->sm = (val[1] >> 25) & 1;
	c->pasid_en = (val[1] >> 26) & 1;
	c->pdts = (val[1] >> 28) & 7;
	c->rid_priv = (val[1] >> 31) & 1;
	c->rid_pasid = (uint32_t)val[2];
}

/* PASID cache: key (source ID, PASID); value packs struct vtd_cfg. */
static void cfg_pack(const struct vtd_cfg *c, uint64_t val[4])
{
	val[0] = c->root;
	val[1] = c->did | (uint64_t)c->fpd << 16 | (uint64_t)c->mode << 17 |
		 (uint64_t)c->levels << 20 | (uint64_t)c->ad << 24 |
		 (uint64_t)c->wpe << 25;
	val[2] = 0;
	val[3] = 0;
}

static void cfg_unpack(const uint64_t val[4], struct vtd_cfg *c)
{
	c->root = val[0];
	c->did = val[1] & 0xffff;
	c->fpd = (val[1] >> 16) & 1;
	c->mode = (val[1] >> 17) & 7;
	c->levels = (val[1] >> 20) & 0xf;
	c->ad = (val[1] >> 24) & 1;
	c->wpe = (val[1] >> 25) & 1;
}

/*
 * IOTLB and paging-structure caches (xlate.h): tags (DID | mode << 32,
 * PASID tag). A cached fault is a not-present result, kept only in
 * caching mode (CAP.CM, 6.1). Pages are 4K, 2M or 1G.
 */
#define TLB_SIZES (1ull << 12 | 1ull << 21 | 1ull << 30)

/* ---- invalidation primitives (6.5) ------------------------------------- */

struct inval_sel {
	unsigned int gran;
	bool fs;              /* first-stage entries (else SS and PT ones) */
	uint32_t did, sid, sid_mask, pasid;
	bool by_pasid;
	uint64_t first, last; /* IOVA range, inclusive */
	bool by_range;
};

static bool ctx_match(void *p, const struct sim_cache_entry *e)
{
	const struct inval_sel *s = p;
	struct vtd_ctx c;

	ctx_unpack(e->val, &c);
	switch (s->gran) {
	case 2: /* domain-selective; scalable entries carry no DID */
		return c.sm || c.did == s->did;
	case 3: /* device-selective with function mask */
		return ((uint32_t)e->key[0] & ~s->sid_mask) ==
		       (s->sid & ~s->sid_mask);
	default:
		return true;
	}
}

/* 6.5.1.1 / 6.5.2.1: context-cache invalidation. */
void vtd_inval_context(struct vtd_unit *v, unsigned int gran, uint32_t did,
		       uint32_t sid, unsigned int fm)
{
	struct inval_sel s = { .gran = gran, .did = did, .sid = sid };

	/* FM masks SID[2], SID[2:1] or SID[2:0] (function number bits). */
	s.sid_mask = fm ? ((1u << fm) - 1) << (3 - fm) : 0;
	sim_cache_inval(&v->ctx_c, ctx_match, &s);
}

static bool tlb_match(void *p, const struct sim_cache_entry *e)
{
	const struct inval_sel *s = p;

	if (s->gran == 1) /* global: everything */
		return true;
	if (((e->key[0] >> 32) == VTD_MODE_FS) != s->fs)
		return false;
	if ((e->key[0] & 0xffff) != s->did)
		return false;
	if (s->by_pasid && e->key[1] != s->pasid)
		return false;
	return !s->by_range || sim_tlb_in_range(e, s->first, s->last);
}

struct pwc_sel {
	const struct inval_sel *s;
	unsigned int lvl;
};

static bool pwc_match(void *p, const struct sim_cache_entry *e)
{
	const struct pwc_sel *ps = p;
	const struct inval_sel *s = ps->s;

	if (s->gran == 1) /* global: everything */
		return true;
	if (((e->key[0] >> 32) == VTD_MODE_FS) != s->fs)
		return false;
	if ((e->key[0] & 0xffff) != s->did)
		return false;
	if (s->by_pasid && e->key[1] != s->pasid)
		return false;
	return !s->by_range ||
	       sim_pwc_in_range(e, ps->lvl, s->first, s->last);
}

static void inval_tlbs(struct vtd_unit *v, const struct inval_sel *s, bool ih)
{
	sim_cache_inval(&v->iotlb_c, tlb_match, (void *)s);
	if (ih) /* 6.5.1.2: invalidation hint: leaf entries only */
		return;
	for (unsigned int l = 1; l <= VTD_PWC_LEVELS; l++) {
		struct pwc_sel ps = { s, l };

		sim_cache_inval(&v->pwc[l - 1], pwc_match, &ps);
	}
}

static void sel_range(struct inval_sel *s, uint64_t addr, unsigned int am)
{
	uint64_t size = 1ull << (12 + am);

	s->by_range = true;
	s->first = addr & ~(size - 1); /* low bits of ADDR are ignored */
	s->last = s->first + size - 1;
}

/*
 * 6.5.1.2 / 6.5.2.3: IOTLB invalidation: second-stage and pass-through
 * translations of every PASID of the domain. Domain- and page-selective
 * requests leave first-stage translations alone: software must use
 * PASID-based invalidation for them, and a driver that does not is caught
 * by the stale detector. Global requests drop everything.
 */
void vtd_inval_iotlb(struct vtd_unit *v, unsigned int gran, uint32_t did,
		     uint64_t addr, unsigned int am, bool ih)
{
	struct inval_sel s = { .gran = gran, .did = did };

	if (gran == 3)
		sel_range(&s, addr, am);
	inval_tlbs(v, &s, gran == 3 && ih);
}

/* 6.5.2.4: PASID-based IOTLB invalidation: first-stage translations. */
void vtd_inval_piotlb(struct vtd_unit *v, unsigned int gran, uint32_t did,
		      uint32_t pasid, uint64_t addr, unsigned int am, bool ih)
{
	struct inval_sel s = { .gran = 2, .did = did, .pasid = pasid,
			       .by_pasid = true, .fs = true };

	if (gran == 3)
		sel_range(&s, addr, am);
	inval_tlbs(v, &s, gran == 3 && ih);
}

static bool pasid_match(void *p, const struct sim_cache_entry *e)
{
	const struct inval_sel *s = p;

	switch (s->gran) {
	case 0: /* domain-selective */
		return (e->val[1] & 0xffff) == s->did;
	case 1: /* PASID-selective within the domain */
		return (e->val[1] & 0xffff) == s->did &&
		       (e->key[1] & 0xfffff) == s->pasid;
	default: /* 3: global */
		return true;
	}
}

/* 6.5.2.2: PASID-cache invalidation. */
void vtd_inval_pasid(struct vtd_unit *v, unsigned int gran, uint32_t did,
		     uint32_t pasid)
{
	struct inval_sel s = { .gran = gran, .did = did, .pasid = pasid };

	sim_cache_inval(&v->pasid_c, pasid_match, &s);
}

/* ---- the DMA path ------------------------------------------------------ */

static void report_stale(struct vtd_unit *v, const struct vtd_req *rq,
			 const struct vtd_cfg *cfg,
			 const struct iommusim_xlate *cached,
			 struct iommusim_dma_result *res)
{
	struct iommusim_stale_report r = {
		.sid = rq->sid, .pasid = rq->pasid, .has_pasid = rq->has_pasid,
		.iova = rq->iova, .did = cfg->did, .cached = *cached,
	};
	struct vtd_cfg fcfg;
	struct vtd_out fresh;

	vtd_translate_fresh(v, rq, &fcfg, &fresh);
	r.fresh.fault = fresh.fault;
	r.fresh.oa = fresh.oa;
	r.fresh.prot = fresh.prot;
	r.fresh.page_lg2 = fresh.page_lg2;
	sim_xlate_stale(&v->u, &r, res);
}

static int vtd_dma(struct iommusim_unit *u, const struct iommusim_dma *req,
		   struct iommusim_dma_result *res)
{
	struct vtd_unit *v = (struct vtd_unit *)u;
	struct vtd_walker w = { .v = v, .live = true, .use_caches = true };
	struct vtd_req rq = {
		.sid = req->sid, .pasid = req->pasid,
		.has_pasid = (req->flags & IOMMUSIM_DMA_HAS_PASID) != 0,
		.write = req->access == IOMMUSIM_DMA_WRITE,
		.priv = (req->flags & IOMMUSIM_DMA_PRIV) != 0,
		.iova = req->iova,
	};
	struct vtd_ctx ctx;
	struct vtd_cfg cfg = { 0 };
	struct vtd_out out = { 0 };
	struct sim_cache_entry *e;
	uint64_t key[3], val[4] = { 0 };
	bool cached = false;
	uint32_t fr = 0;

	w.cycles = u->cyc.link;
	if (!(v->gsts & GSTS_TES)) {
		/* 3.2: translation disabled: requests pass untranslated. */
		sim_xlate_untranslated(u, req, res);
		return 0;
	}

	/* Context cache (6.2.1), then root and context tables. */
	key[0] = rq.sid;
	key[1] = RTADDR_TTM(v->rtaddr_active);
	key[2] = 0;
	e = sim_cache_lookup(&v->ctx_c, &w.cycles, key);
	if (e) {
		ctx_unpack(e->val, &ctx);
		res->flags |= IOMMUSIM_RES_CTX_HIT;
		cached = true;
	} else {
		fr = vtd_walk_context(&w, &rq, &ctx);
		if (!fr) {
			ctx_pack(&ctx, val);
			sim_cache_fill(&v->ctx_c, key, val);
		}
	}
	cfg.fpd = ctx.fpd;
	if (!fr && ctx.sm) {
		uint32_t pasid = rq.has_pasid ? rq.pasid : ctx.rid_pasid;

		if (!rq.has_pasid)
			rq.priv = ctx.rid_priv; /* 9.4: RID_PRIV */
		w.pasid_tag = pasid;
		/* PASID cache (6.2.2), then directory and table. */
		key[0] = rq.sid;
		key[1] = pasid | (uint64_t)rq.has_pasid << 20;
		e = sim_cache_lookup(&v->pasid_c, &w.cycles, key);
		if (e && !(rq.has_pasid && !ctx.pasid_en)) {
			cfg_unpack(e->val, &cfg);
			cached = true;
		} else {
			fr = vtd_walk_pasid(&w, &ctx, &rq, &cfg);
			if (!fr) {
				cfg_pack(&cfg, val);
				sim_cache_fill(&v->pasid_c, key, val);
			}
		}
	} else if (!fr) {
		vtd_ctx_cfg(&ctx, &cfg);
		w.pasid_tag = VTD_NO_PASID;
	}

	if (!fr && cfg.mode == VTD_MODE_PT) {
		vtd_walk_pages(&w, &cfg, &rq, &out);
		fr = out.fault;
		res->flags |= IOMMUSIM_RES_BYPASS;
	} else if (!fr) {
		/* IOTLB (6.2.3); a write to a clean page walks again to set
		 * D (3.7.3) */
		struct sim_tlb_tag t = {
			.tag0 = cfg.did | (uint64_t)cfg.mode << 32,
			.tag1 = w.pasid_tag, .sizes = TLB_SIZES,
		};
		struct sim_tlb_ent te;

		if (sim_tlb_lookup(&v->iotlb_c, &w.cycles, &t, rq.iova,
				   rq.write, &te)) {
			cached = true;
			res->flags |= IOMMUSIM_RES_IOTLB_HIT;
			out.page_lg2 = te.page_lg2;
			out.fault = te.fault;
			out.prot = te.prot;
			out.oa = te.oa;
			if (!out.fault)
				out.fault = vtd_check_access(&cfg, &rq,
							     out.prot);
		} else {
			vtd_walk_pages(&w, &cfg, &rq, &out);
			if (!out.fault || (out.prot && out.page_lg2)) {
				/* a valid leaf: cache it, even if denied */
				te = (struct sim_tlb_ent){
					.oa = out.oa, .prot = out.prot,
					.page_lg2 = out.page_lg2,
					.dirty = out.dirty,
				};
				sim_tlb_fill(&v->iotlb_c, NULL, t.tag0, t.tag1,
					     rq.iova, &te);
			} else if ((v->cap & IOMMUSIM_VTD_CAP_CM) &&
				   (out.fault == IOMMUSIM_VTD_FR_READ ||
				    out.fault == IOMMUSIM_VTD_FR_WRITE ||
				    out.fault == IOMMUSIM_VTD_FR_FS_NP)) {
				/* caching mode: not-present may be cached */
				te = (struct sim_tlb_ent){
					.page_lg2 = 12, .fault = out.fault,
				};
				sim_tlb_fill(&v->iotlb_c, NULL, t.tag0, t.tag1,
					     rq.iova, &te);
			}
			cached |= w.pwc_hit;
		}
		fr = out.fault;
	}

	if (cached && u->stale.on) {
		struct iommusim_xlate x = {
			.fault = fr, .oa = fr ? 0 : out.oa, .prot = out.prot,
			.page_lg2 = out.page_lg2,
		};

		/* A negative (caching-mode) entry has no prot to compare. */
		if (fr)
			x.prot = 0;
		report_stale(v, &rq, &cfg, &x, res);
	}

	if (!sim_xlate_finish(u, res, &(struct sim_xlate_end){
			.did = cfg.did, .cycles = w.cycles, .fault = fr,
			.oa = out.oa, .page_lg2 = out.page_lg2 }))
		return 0;
	if (cfg.fpd) {
		u->st.faults_suppressed++;
	} else {
		vtd_record_fault(v, &rq, fr);
		res->flags |= IOMMUSIM_RES_RECORDED;
	}
	return 0;
}

/* ---- unit ---------------------------------------------------------------- */

static const struct sim_unit_ops vtd_ops = {
	.dma = vtd_dma,
	.iotlb = offsetof(struct vtd_unit, iotlb_c),
	.context = offsetof(struct vtd_unit, ctx_c),
	.pasid = offsetof(struct vtd_unit, pasid_c),
	.pwc = offsetof(struct vtd_unit, pwc),
	.pwc_levels = VTD_PWC_LEVELS,
};

IOMMUPT_API uint64_t iommusim_vtd_default_cap(void)
{
	return IOMMUSIM_VTD_CAP_ND(2) | IOMMUSIM_VTD_CAP_SAGAW(0xe) |
	       IOMMUSIM_VTD_CAP_MGAW(57) | IOMMUSIM_VTD_CAP_SLLPS(3) |
	       IOMMUSIM_VTD_CAP_PSI | IOMMUSIM_VTD_CAP_NFR(8) |
	       IOMMUSIM_VTD_CAP_MAMV(9) | IOMMUSIM_VTD_CAP_FL1GP |
	       IOMMUSIM_VTD_CAP_FL5LP;
}

IOMMUPT_API uint64_t iommusim_vtd_default_ecap(void)
{
	return IOMMUSIM_VTD_ECAP_QI | IOMMUSIM_VTD_ECAP_PT |
	       IOMMUSIM_VTD_ECAP_SC | IOMMUSIM_VTD_ECAP_PSS(20) |
	       IOMMUSIM_VTD_ECAP_PASID | IOMMUSIM_VTD_ECAP_SMTS |
	       IOMMUSIM_VTD_ECAP_SLADS | IOMMUSIM_VTD_ECAP_SLTS |
	       IOMMUSIM_VTD_ECAP_FLTS;
}

IOMMUPT_API int iommusim_vtd_create(const struct iommusim_vtd_opts *opts,
				    struct iommusim_mem *mem,
				    struct iommusim_unit **out)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, def);
	struct vtd_unit *v;
	int rc = 0;

	if (!out || !mem)
		return -EINVAL;
	*out = NULL;
	if (!opts)
		opts = &def;
	if (!sim_opts_valid(opts, opts->sz, sizeof(*opts)))
		return -EINVAL;
	if (opts->flags & ~(uint32_t)IOMMUSIM_VTD_NO_STALE_CHECK)
		return -EINVAL;

	v = (struct vtd_unit *)sim_unit_alloc(sizeof(*v), &vtd_ops, mem,
					      &opts->cycles,
					      !(opts->flags &
						IOMMUSIM_VTD_NO_STALE_CHECK));
	if (!v)
		return -ENOMEM;
	v->cap = opts->cap ? opts->cap : iommusim_vtd_default_cap();
	v->ecap = opts->ecap ? opts->ecap : iommusim_vtd_default_ecap();
	v->ver = opts->version ? opts->version : 0x30;
	v->haw = opts->haw ? opts->haw : 52;
	v->flags = opts->flags;
	/* Register offsets are the model's own; the caller's are replaced. */
	v->cap = (v->cap & ~(0x3ffull << 24)) |
		 CAP_FRO_SET(IOMMUSIM_VTD_FRCD / 16);
	v->ecap = (v->ecap & ~(0x3ffull << 8)) |
		  ECAP_IRO_SET((IOMMUSIM_VTD_IVA) / 16);
	v->nfr = CAP_NFR(v->cap);
	if ((v->cap & ~CAP_MODELLED) || (v->ecap & ~ECAP_MODELLED))
		rc = -EOPNOTSUPP;
	else if (v->haw < 32 || v->haw > 52 || v->ver > 0xff ||
		 !CAP_SAGAW(v->cap) || (CAP_SAGAW(v->cap) & ~0xeu) ||
		 CAP_MGAW(v->cap) < 32 || CAP_MGAW(v->cap) > 57 ||
		 v->nfr > 16)
		rc = -EINVAL;
	if (!rc)
		rc = sim_unit_caches_init(&v->u, &(struct sim_unit_cache_opts){
			.iotlb = &opts->iotlb, .pwc = &opts->pwc,
			.context = &opts->context, .pasid = &opts->pasid,
			.seed = opts->seed, .context_seed = 7, .pasid_seed = 11,
		});
	if (rc) {
		iommusim_unit_destroy(&v->u);
		return rc;
	}
	vtd_regs_init(v);
	*out = &v->u;
	return 0;
}
