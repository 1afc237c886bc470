// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The AMD-Vi unit: the DMA path through the device table cache, the IOTLB
 * (tagged by DomainID, and PASID for guest translations) and the page
 * directory caches, the invalidation primitives the commands use (2.4),
 * the stale detector hook and the unit's creation.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "amd-int.h"

/* ---- cache keys and values --------------------------------------------- */

/* DTE cache: key (DeviceID); value packs struct amd_dte. */
static void dte_pack(const struct amd_dte *d, uint64_t val[4])
{
	val[0] = d->root;
	val[1] = d->gcr3;
	val[2] = d->did | (uint64_t)d->v << 16 | (uint64_t)d->tv << 17 |
		 (uint64_t)d->mode << 18 | (uint64_t)d->ir << 21 |
		 (uint64_t)d->iw << 22 | (uint64_t)d->had << 23 |
		 (uint64_t)d->sa << 25 | (uint64_t)d->gv << 26 |
		 (uint64_t)d->giov << 27 | (uint64_t)d->glx << 28 |
		 (uint64_t)d->gpm << 30;
	val[3] = 0;
}

static void dte_unpack(const uint64_t val[4], struct amd_dte *d)
{
	d->root = val[0];
	d->gcr3 = val[1];
	d->did = val[2] & 0xffff;
	d->v = (val[2] >> 16) & 1;
	d->tv = (val[2] >> 17) & 1;
	d->mode = (val[2] >> 18) & 7;
	d->ir = (val[2] >> 21) & 1;
	d->iw = (val[2] >> 22) & 1;
	d->had = (val[2] >> 23) & 3;
	d->sa = (val[2] >> 25) & 1;
	d->gv = (val[2] >> 26) & 1;
	d->giov = (val[2] >> 27) & 1;
	d->glx = (val[2] >> 28) & 3;
	d->gpm = (val[2] >> 30) & 3;
}

/*
 * IOTLB (xlate.h): tags (DomainID | kind << 32, PASID). Any power of two
 * may be a page size (NextLevel 7), so a lookup probes the sizes the
 * IOTLB has ever held.
 */
static uint64_t tlb_tag(uint32_t did, uint8_t kind)
{
	return did | (uint64_t)kind << 32;
}

/* ---- invalidation primitives (2.4) ------------------------------------- */

struct inval_sel {
	uint64_t tag;         /* DomainID | kind << 32 */
	bool by_pasid;
	uint32_t pasid;
	uint64_t first, last;
	unsigned int lvl;     /* PDC level */
};

static bool dte_match(void *p, const struct sim_cache_entry *e)
{
	return e->key[0] == *(const uint32_t *)p;
}

/* 2.4.2: INVALIDATE_DEVTAB_ENTRY. */
void amd_inval_dte(struct amd_unit *a, uint32_t devid)
{
	sim_cache_inval(&a->dte_c, dte_match, &devid);
}

static bool tlb_match(void *p, const struct sim_cache_entry *e)
{
	const struct inval_sel *s = p;

	if (e->key[0] != s->tag || (s->by_pasid && e->key[1] != s->pasid))
		return false;
	return sim_tlb_in_range(e, s->first, s->last);
}

static bool pdc_match(void *p, const struct sim_cache_entry *e)
{
	const struct inval_sel *s = p;

	if (e->key[0] != s->tag || (s->by_pasid && e->key[1] != s->pasid))
		return false;
	return sim_pwc_in_range(e, s->lvl, s->first, s->last);
}

/*
 * 2.4.3: INVALIDATE_IOMMU_PAGES: the domain's host translations (GN = 0)
 * or the guest translations of one PASID (GN = 1) in [first, last]; page
 * directory entries too when PDE is set.
 */
void amd_inval_pages(struct amd_unit *a, uint32_t did, bool guest,
		     uint32_t pasid, uint64_t first, uint64_t last, bool pde)
{
	struct inval_sel s = {
		.tag = tlb_tag(did, guest ? AMD_KIND_GUEST : AMD_KIND_HOST),
		.by_pasid = guest, .pasid = pasid, .first = first, .last = last,
	};

	sim_cache_inval(&a->iotlb_c, tlb_match, &s);
	if (!pde)
		return;
	for (unsigned int l = 1; l <= AMD_PDC_LEVELS; l++) {
		s.lvl = l;
		sim_cache_inval(&a->pdc[l - 1], pdc_match, &s);
	}
}

/* 2.4.8: INVALIDATE_IOMMU_ALL. */
void amd_inval_all(struct amd_unit *a)
{
	sim_cache_inval(&a->iotlb_c, NULL, NULL);
	for (unsigned int l = 0; l < AMD_PDC_LEVELS; l++)
		sim_cache_inval(&a->pdc[l], NULL, NULL);
	sim_cache_inval(&a->dte_c, NULL, NULL);
}

/* ---- the DMA path ------------------------------------------------------ */

static void xlate_of(const struct amd_out *o, struct iommusim_xlate *x)
{
	x->fault = o->event;
	x->oa = o->event ? 0 : o->oa;
	x->prot = o->event ? 0 : o->prot;
	x->page_lg2 = o->page_lg2;
}

static void report_stale(struct amd_unit *a, const struct amd_req *rq,
			 const struct amd_dte *dte, const struct amd_out *out,
			 struct iommusim_dma_result *res)
{
	struct iommusim_stale_report r = {
		.sid = rq->devid, .pasid = rq->pasid,
		.has_pasid = rq->has_pasid, .iova = rq->iova, .did = dte->did,
	};
	struct amd_dte fdte;
	struct amd_out fresh;

	xlate_of(out, &r.cached);
	amd_translate_fresh(a, rq, &fdte, &fresh);
	xlate_of(&fresh, &r.fresh);
	sim_xlate_stale(&a->u, &r, res);
}

/* Which table kind translates rq under dte, or 0 when none does. */
static uint8_t table_kind(const struct amd_dte *d, const struct amd_req *rq)
{
	if (!d->v || !d->tv || (rq->has_pasid && !d->gv))
		return 0;
	if (d->gv && (rq->has_pasid || d->giov))
		return AMD_KIND_GUEST;
	return d->mode ? AMD_KIND_HOST : 0;
}

static bool tlb_lookup(struct amd_unit *a, struct amd_walker *w,
		       const struct amd_dte *dte, const struct amd_req *rq,
		       uint8_t kind, struct amd_out *out)
{
	struct sim_tlb_tag t = {
		.tag0 = tlb_tag(dte->did, kind),
		.tag1 = kind == AMD_KIND_GUEST && rq->has_pasid ? rq->pasid : 0,
		.sizes = a->tlb_sizes,
	};
	struct sim_tlb_ent te;

	/* a write to a page cached clean walks again to set D */
	if (!sim_tlb_lookup(&a->iotlb_c, &w->cycles, &t, rq->iova, rq->write,
			    &te))
		return false;
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->page_lg2 = te.page_lg2;
	out->prot = te.prot;
	out->dirty = true;
	out->oa = te.oa;
	out->evflags = amd_check_access(rq, out->prot, kind);
	if (kind == AMD_KIND_GUEST)
		out->evflags |= IOMMUSIM_AMD_EVF_GN;
	if (out->evflags & IOMMUSIM_AMD_EVF_PE)
		out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
	return true;
}

static void tlb_fill(struct amd_unit *a, const struct amd_dte *dte,
		     const struct amd_req *rq, const struct amd_out *out)
{
	uint32_t pasid = out->kind == AMD_KIND_GUEST && rq->has_pasid ?
			 rq->pasid : 0;
	struct sim_tlb_ent te = {
		.oa = out->oa, .prot = out->prot, .page_lg2 = out->page_lg2,
		.dirty = out->dirty,
	};

	sim_tlb_fill(&a->iotlb_c, &a->tlb_sizes, tlb_tag(dte->did, out->kind),
		     pasid, rq->iova, &te);
}

static int amd_dma(struct iommusim_unit *u, const struct iommusim_dma *req,
		   struct iommusim_dma_result *res)
{
	struct amd_unit *a = (struct amd_unit *)u;
	struct amd_walker w = { .a = a, .live = true, .use_caches = true };
	struct amd_req rq = {
		.devid = req->sid, .pasid = req->pasid,
		.has_pasid = (req->flags & IOMMUSIM_DMA_HAS_PASID) != 0,
		.write = req->access == IOMMUSIM_DMA_WRITE,
		.priv = (req->flags & IOMMUSIM_DMA_PRIV) != 0,
		.iova = req->iova,
	};
	struct amd_dte dte;
	struct amd_out out = { 0 };
	struct sim_cache_entry *e;
	uint64_t key[3] = { rq.devid, 0, 0 }, val[4];
	bool cached = false;
	uint8_t kind;

	w.cycles = u->cyc.link;
	if (!(a->control & IOMMUSIM_AMD_CTRL_IOMMU_EN)) {
		/* 3.4.3: IommuEn clear: requests pass untranslated. */
		sim_xlate_untranslated(u, req, res);
		return 0;
	}

	/* Device table cache, then the device table (2.2.2). */
	e = sim_cache_lookup(&a->dte_c, &w.cycles, key);
	if (e) {
		dte_unpack(e->val, &dte);
		res->flags |= IOMMUSIM_RES_CTX_HIT;
		cached = true;
	} else {
		out.event = amd_read_dte(&w, rq.devid, &dte, &out.evaddr);
		if (!out.event) {
			dte_pack(&dte, val);
			sim_cache_fill(&a->dte_c, key, val);
		}
	}

	if (!out.event) {
		kind = table_kind(&dte, &rq);
		if (kind && tlb_lookup(a, &w, &dte, &rq, kind, &out)) {
			res->flags |= IOMMUSIM_RES_IOTLB_HIT;
			cached = true;
		} else {
			amd_walk(&w, &dte, &rq, &out);
			if (kind && out.page_lg2 &&
			    (!out.event ||
			     (out.evflags & IOMMUSIM_AMD_EVF_PE)))
				tlb_fill(a, &dte, &rq, &out);
			cached |= w.pdc_hit;
		}
	}

	if (cached && u->stale.on)
		report_stale(a, &rq, &dte, &out, res);

	if (sim_xlate_finish(u, res, &(struct sim_xlate_end){
			.did = dte.did, .cycles = w.cycles, .fault = out.event,
			.oa = out.oa, .page_lg2 = out.page_lg2,
			.bypass = out.bypass }))
		amd_log_fault(a, &rq, &dte, &out, res);
	return 0;
}

/* ---- unit ---------------------------------------------------------------- */

static const struct sim_unit_ops amd_ops = {
	.dma = amd_dma,
	.iotlb = offsetof(struct amd_unit, iotlb_c),
	.context = offsetof(struct amd_unit, dte_c),
	.pwc = offsetof(struct amd_unit, pdc),
	.pwc_levels = AMD_PDC_LEVELS,
};

IOMMUPT_API uint64_t iommusim_amd_default_efr(void)
{
	return IOMMUSIM_AMD_EFR_GTSUP | IOMMUSIM_AMD_EFR_IASUP |
	       IOMMUSIM_AMD_EFR_HATS(2) | IOMMUSIM_AMD_EFR_GATS(1) |
	       IOMMUSIM_AMD_EFR_GLXSUP(1) | IOMMUSIM_AMD_EFR_PASMAX(15) |
	       IOMMUSIM_AMD_EFR_GIOSUP | IOMMUSIM_AMD_EFR_HASUP |
	       IOMMUSIM_AMD_EFR_HDSUP;
}

IOMMUPT_API int iommusim_amd_create(const struct iommusim_amd_opts *opts,
				    struct iommusim_mem *mem,
				    struct iommusim_unit **out)
{
	IOMMUPT_OPTS(iommusim_amd_opts, def);
	struct amd_unit *a;
	int rc = 0;

	if (!out || !mem)
		return -EINVAL;
	*out = NULL;
	if (!opts)
		opts = &def;
	if (!sim_opts_valid(opts, opts->sz, sizeof(*opts)))
		return -EINVAL;
	if (opts->flags & ~(uint32_t)IOMMUSIM_AMD_NO_STALE_CHECK)
		return -EINVAL;

	a = (struct amd_unit *)sim_unit_alloc(sizeof(*a), &amd_ops, mem,
					      &opts->cycles,
					      !(opts->flags &
						IOMMUSIM_AMD_NO_STALE_CHECK));
	if (!a)
		return -ENOMEM;
	a->efr = opts->efr ? opts->efr : iommusim_amd_default_efr();
	a->haw = opts->haw ? opts->haw : 52;
	a->flags = opts->flags;
	if (a->efr & ~EFR_MODELLED)
		rc = -EOPNOTSUPP;
	else if (a->haw < 32 || a->haw > 52 || EFR_HATS(a->efr) == 3 ||
		 EFR_GATS(a->efr) > 1)
		rc = -EINVAL;
	if (!rc)
		rc = sim_unit_caches_init(&a->u, &(struct sim_unit_cache_opts){
			.iotlb = &opts->iotlb, .pwc = &opts->pdc,
			.context = &opts->dte, .seed = opts->seed,
			.context_seed = 7,
		});
	if (rc) {
		iommusim_unit_destroy(&a->u);
		return rc;
	}
	amd_regs_init(a);
	*out = &a->u;
	return 0;
}
