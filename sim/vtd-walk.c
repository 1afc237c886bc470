// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d model's own walks of the translation structures, written from
 * the specification (chapter 3 for the translation process, chapter 9 for
 * the entry formats, chapter 7 for the fault reasons) and independent of
 * libiommupt's format code on purpose: each checks the other.
 *
 * A live walk charges memory latency per read, counts reads and performs
 * the accessed/dirty updates; a fresh walk (stale detector) does neither.
 */
#include <string.h>

#include "vtd-int.h"

#define PG 12
#define BIT(n) (1ull << (n))

/* Bits 51:12 (or fewer) that may hold an address below the HAW. */
static uint64_t addr_bits(const struct vtd_unit *v)
{
	return (BIT(v->haw) - 1) & ~0xfffull;
}

/* Address bits 51:HAW, reserved in every entry that holds an address. */
static uint64_t addr_rsvd(const struct vtd_unit *v)
{
	return (BIT(52) - 1) & ~(BIT(v->haw) - 1);
}

bool vtd_scalable(const struct vtd_unit *v)
{
	return RTADDR_TTM(v->rtaddr_active) == 1;
}

int vtd_read(struct vtd_walker *w, uint64_t pa, uint64_t *val)
{
	return sim_walk_read(&w->v->u, w->live, &w->cycles, pa, val);
}

/*
 * n qwords of one entry (at most a 64-byte line): one memory access, as
 * hardware fetches a context or PASID entry as a single burst.
 */
static int read_burst(struct vtd_walker *w, uint64_t pa, uint64_t *q,
		      unsigned int n)
{
	int rc = vtd_read(w, pa, &q[0]);

	for (unsigned int i = 1; i < n && !rc; i++)
		rc = sim_mem_read64_raw(w->v->u.mem, pa + 8 * i, &q[i]);
	return rc;
}

/* Set bit in the entry at pa (holding e) with an atomic update. */
static void set_flag(struct vtd_walker *w, uint64_t pa, uint64_t e,
		     uint64_t bit)
{
	if (w->live && !(e & bit))
		sim_walk_update(&w->v->u, &w->cycles, pa, e, e | bit);
}

static unsigned int did_bits(const struct vtd_unit *v)
{
	return 4 + 2 * CAP_ND(v->cap); /* 10.4.2: ND */
}

/*
 * Root entry (9.1 legacy, 9.2 scalable) and context entry (9.3, 9.4) of
 * the request's source ID (3.4.2 legacy, 3.4.3 scalable mode).
 */
uint32_t vtd_walk_context(struct vtd_walker *w, const struct vtd_req *rq,
			  struct vtd_ctx *ctx)
{
	struct vtd_unit *v = w->v;
	unsigned int bus = rq->sid >> 8, devfn = rq->sid & 0xff;
	unsigned int ttm = RTADDR_TTM(v->rtaddr_active);
	uint64_t rta = v->rtaddr_active & ~0xfffull, root[2], ce[4], ctp;

	memset(ctx, 0, sizeof(*ctx));
	/* 10.4.6: TTM 00 legacy, 01 scalable (needs SMTS); others not here. */
	if (ttm > 1 || (ttm == 1 && !(v->ecap & IOMMUSIM_VTD_ECAP_SMTS)))
		return IOMMUSIM_VTD_FR_TTM;
	ctx->sm = ttm == 1;
	if (read_burst(w, rta + 16 * bus, root, 2))
		return IOMMUSIM_VTD_FR_ROOT_ACCESS;
	if (!ctx->sm) {
		/* 9.1: P bit 0, CTP 63:12; bits 11:1 and 127:64 reserved. */
		if (!(root[0] & 1))
			return IOMMUSIM_VTD_FR_ROOT_NP;
		if ((root[0] & (0xffeull | addr_rsvd(v))) || root[1])
			return IOMMUSIM_VTD_FR_ROOT_RSVD;
		ctp = root[0] & addr_bits(v);
		if (read_burst(w, ctp + 16 * devfn, ce, 2))
			return IOMMUSIM_VTD_FR_CTX_ACCESS;
		/*
		 * 9.3: lo P 0, FPD 1, TT 3:2, SLPTPTR 63:12;
		 * hi AW 2:0, DID 23:8; lo 11:4, hi 7 and 63:24 reserved.
		 */
		ctx->fpd = (ce[0] >> 1) & 1;
		if (!(ce[0] & 1))
			return IOMMUSIM_VTD_FR_CTX_NP;
		ctx->did = (uint32_t)(ce[1] >> 8) & 0xffff;
		if ((ce[0] & (0xff0ull | addr_rsvd(v))) ||
		    (ce[1] & (BIT(7) | ~(BIT(24) - 1))) ||
		    (ctx->did >> did_bits(v)))
			return IOMMUSIM_VTD_FR_CTX_RSVD;
		ctx->tt = (ce[0] >> 2) & 3;
		ctx->levels = (uint8_t)((ce[1] & 7) + 2);
		ctx->ptr = ce[0] & addr_bits(v);
		switch (ctx->tt) {
		case 0: /* untranslated requests through second stage */
			if (!(CAP_SAGAW(v->cap) & (1u << (ce[1] & 7))))
				return IOMMUSIM_VTD_FR_CTX_INV;
			break;
		case 2: /* pass-through */
			if (!(v->ecap & IOMMUSIM_VTD_ECAP_PT))
				return IOMMUSIM_VTD_FR_CTX_INV;
			break;
		default: /* 01 needs a device TLB (ECAP.DT), 11 reserved */
			return IOMMUSIM_VTD_FR_CTX_INV;
		}
		return 0;
	}
	/* 9.2: lower half (devfn 0-127) LP/LCTP, upper half UP/UCTP. */
	root[0] = root[devfn >= 128];
	if (!(root[0] & 1))
		return IOMMUSIM_VTD_FR_ROOT_NP;
	if (root[0] & (0xffeull | addr_rsvd(v)))
		return IOMMUSIM_VTD_FR_ROOT_RSVD;
	ctp = root[0] & addr_bits(v);
	if (read_burst(w, ctp + 32 * (devfn & 0x7f), ce, 4))
		return IOMMUSIM_VTD_FR_CTX_ACCESS;
	/*
	 * 9.4: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9, PASIDDIRPTR
	 * 63:12; RID_PASID 83:64, RID_PRIV 84; the rest reserved.
	 */
	ctx->fpd = (ce[0] >> 1) & 1;
	if (!(ce[0] & 1))
		return IOMMUSIM_VTD_FR_CTX_NP;
	if ((ce[0] & (0x1e0ull | addr_rsvd(v))) || (ce[1] & ~(BIT(21) - 1)) ||
	    ce[2] || ce[3])
		return IOMMUSIM_VTD_FR_CTX_RSVD;
	if (ce[0] & (BIT(2) | BIT(4))) /* no device TLB, no page requests */
		return IOMMUSIM_VTD_FR_CTX_INV;
	ctx->pasid_en = (ce[0] >> 3) & 1;
	ctx->pdts = (ce[0] >> 9) & 7;
	ctx->ptr = ce[0] & addr_bits(v);
	ctx->rid_pasid = (uint32_t)ce[1] & 0xfffff;
	ctx->rid_priv = (ce[1] >> 20) & 1;
	return 0;
}

uint32_t vtd_ctx_cfg(const struct vtd_ctx *ctx, struct vtd_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fpd = ctx->fpd;
	cfg->did = ctx->did;
	cfg->mode = ctx->tt == 2 ? VTD_MODE_PT : VTD_MODE_SS;
	cfg->levels = ctx->levels;
	cfg->root = ctx->ptr;
	return 0;
}

/*
 * PASID directory entry (9.5) and PASID table entry (9.6) of the request's
 * PASID, or of RID_PASID for requests without one (3.4.3).
 */
uint32_t vtd_walk_pasid(struct vtd_walker *w, const struct vtd_ctx *ctx,
			const struct vtd_req *rq, struct vtd_cfg *cfg)
{
	struct vtd_unit *v = w->v;
	uint32_t pasid = rq->has_pasid ? rq->pasid : ctx->rid_pasid;
	uint64_t pde, pe[8], table;
	unsigned int pgtt, aw;

	memset(cfg, 0, sizeof(*cfg));
	cfg->fpd = ctx->fpd;
	if (rq->has_pasid && !ctx->pasid_en)
		return IOMMUSIM_VTD_FR_CTX_INV;
	if ((pasid >> 6) >> (ctx->pdts + 7))
		return IOMMUSIM_VTD_FR_PDIR_NP; /* beyond the directory */
	if (vtd_read(w, ctx->ptr + 8 * (pasid >> 6), &pde))
		return IOMMUSIM_VTD_FR_PDIR_ACCESS;
	/* 9.5: P 0, FPD 1, SMPTBLPTR 63:12, 11:2 reserved. */
	cfg->fpd |= (pde >> 1) & 1;
	if (!(pde & 1))
		return IOMMUSIM_VTD_FR_PDIR_NP;
	if (pde & (0xffcull | addr_rsvd(v)))
		return IOMMUSIM_VTD_FR_PTE_INV;
	table = pde & addr_bits(v);
	if (read_burst(w, table + 64 * (pasid & 63), pe, 8))
		return IOMMUSIM_VTD_FR_PTE_ACCESS;
	/*
	 * 9.6: qw0 P 0, FPD 1, AW 4:2, PGTT 8:6, SSADE 9, SSPTPTR 63:12;
	 * qw1 DID 15:0; qw2 SRE 0, FSPM 3:2, WPE 4, FSPTPTR 63:12.
	 */
	cfg->fpd |= (pe[0] >> 1) & 1;
	if (!(pe[0] & 1))
		return IOMMUSIM_VTD_FR_PTE_NP;
	for (int i = 3; i < 8; i++)
		if (pe[i])
			return IOMMUSIM_VTD_FR_PTE_INV;
	cfg->did = (uint32_t)pe[1] & 0xffff;
	if (cfg->did >> did_bits(v))
		return IOMMUSIM_VTD_FR_PTE_INV;
	pgtt = (pe[0] >> 6) & 7;
	switch (pgtt) {
	case 1: /* first-stage only */
		if (!(v->ecap & IOMMUSIM_VTD_ECAP_FLTS))
			return IOMMUSIM_VTD_FR_PTE_INV;
		switch ((pe[2] >> 2) & 3) {
		case 0:
			cfg->levels = 4;
			break;
		case 1:
			if (!(v->cap & IOMMUSIM_VTD_CAP_FL5LP))
				return IOMMUSIM_VTD_FR_PTE_INV;
			cfg->levels = 5;
			break;
		default:
			return IOMMUSIM_VTD_FR_PTE_INV;
		}
		if (pe[2] & addr_rsvd(v))
			return IOMMUSIM_VTD_FR_PTE_INV;
		cfg->mode = VTD_MODE_FS;
		cfg->root = pe[2] & addr_bits(v);
		cfg->wpe = (pe[2] >> 4) & 1;
		cfg->ad = 1; /* 3.6.2: first-stage A/D are always maintained */
		return 0;
	case 2: /* second-stage only */
		if (!(v->ecap & IOMMUSIM_VTD_ECAP_SLTS))
			return IOMMUSIM_VTD_FR_PTE_INV;
		aw = (pe[0] >> 2) & 7;
		if (!(CAP_SAGAW(v->cap) & (1u << aw)) ||
		    (pe[0] & addr_rsvd(v)))
			return IOMMUSIM_VTD_FR_PTE_INV;
		if ((pe[0] & BIT(9)) && !(v->ecap & IOMMUSIM_VTD_ECAP_SLADS))
			return IOMMUSIM_VTD_FR_PTE_INV;
		cfg->mode = VTD_MODE_SS;
		cfg->levels = (uint8_t)(aw + 2);
		cfg->root = pe[0] & addr_bits(v);
		cfg->ad = (pe[0] >> 9) & 1;
		return 0;
	case 4: /* pass-through */
		if (!(v->ecap & IOMMUSIM_VTD_ECAP_PT))
			return IOMMUSIM_VTD_FR_PTE_INV;
		cfg->mode = VTD_MODE_PT;
		return 0;
	default: /* nested (011) is not modelled; the rest reserved */
		return IOMMUSIM_VTD_FR_PTE_INV;
	}
}

uint32_t vtd_check_access(const struct vtd_cfg *cfg, const struct vtd_req *rq,
			  uint32_t prot)
{
	if (cfg->mode == VTD_MODE_FS) {
		/* 3.6.2: user requests need U/S; writes need R/W (WPE). */
		if (!rq->priv && (prot & IOMMUPT_PRIV))
			return IOMMUSIM_VTD_FR_FS_PRIV;
		if (rq->write && !(prot & IOMMUPT_WRITE) &&
		    (!rq->priv || cfg->wpe))
			return IOMMUSIM_VTD_FR_FS_WRITE;
		return 0;
	}
	if (rq->write && !(prot & IOMMUPT_WRITE))
		return IOMMUSIM_VTD_FR_WRITE;
	if (!rq->write && !(prot & IOMMUPT_READ))
		return IOMMUSIM_VTD_FR_READ;
	return 0;
}

/*
 * Paging-structure caches, tagged (DID | mode << 32, PASID tag):
 * the deepest cached table pointer on the way to iova; returns its level.
 */
static unsigned int pwc_probe(struct vtd_walker *w, const struct vtd_cfg *cfg,
			      uint64_t iova, unsigned int top, uint64_t *table,
			      uint64_t *acc)
{
	return sim_pwc_probe(w->v->pwc, VTD_PWC_LEVELS,
			     cfg->did | (uint64_t)cfg->mode << 32, w->pasid_tag,
			     iova, top, &w->cycles, table, acc, &w->pwc_hit);
}

static void pwc_fill(struct vtd_walker *w, const struct vtd_cfg *cfg,
		     uint64_t iova, unsigned int lvl, uint64_t table,
		     uint64_t acc)
{
	sim_pwc_fill(w->v->pwc, VTD_PWC_LEVELS,
		     cfg->did | (uint64_t)cfg->mode << 32, w->pasid_tag, iova,
		     lvl, table, acc);
}

/*
 * Second-stage walk (3.7, entry formats 9.8). There is no present bit: an
 * entry with R = W = 0 stops the walk with the request's permission fault.
 * R and W are ANDed along the walk.
 */
static void ss_walk(struct vtd_walker *w, const struct vtd_cfg *cfg,
		    const struct vtd_req *rq, struct vtd_out *out)
{
	struct vtd_unit *v = w->v;
	unsigned int width = PG + 9 * cfg->levels, lvl;
	uint64_t table = cfg->root, acc = 3, e, pa;

	if (width > CAP_MGAW(v->cap))
		width = CAP_MGAW(v->cap);
	if (width < 64 && (rq->iova >> width)) {
		out->fault = IOMMUSIM_VTD_FR_ADDR_WIDTH;
		return;
	}
	lvl = cfg->levels;
	if (w->use_caches)
		lvl = pwc_probe(w, cfg, rq->iova, lvl, &table, &acc);
	lvl--;
	for (;;) {
		unsigned int shift = PG + 9 * lvl;
		bool leaf;

		pa = table + 8 * ((rq->iova >> shift) & 511);
		if (vtd_read(w, pa, &e)) {
			out->fault = IOMMUSIM_VTD_FR_SS_ACCESS;
			return;
		}
		if (!(e & 3)) {
			out->fault = rq->write ? IOMMUSIM_VTD_FR_WRITE :
						 IOMMUSIM_VTD_FR_READ;
			return;
		}
		leaf = lvl == 0 || (e & BIT(7));
		/* PS only where SLLPS allows a page (10.4.2), never above 1G. */
		if (e & addr_rsvd(v) ||
		    (lvl && (e & BIT(7)) &&
		     (lvl > 2 || !(CAP_SLLPS(v->cap) & (1u << (lvl - 1))))) ||
		    (leaf && lvl && (e & (BIT(shift) - 1) & ~0xfffull))) {
			out->fault = IOMMUSIM_VTD_FR_SS_RSVD;
			return;
		}
		acc &= e & 3;
		if (cfg->ad)
			set_flag(w, pa, e, BIT(8)); /* 9.8: A */
		if (leaf) {
			out->page_lg2 = shift;
			out->oa = (e & addr_bits(v) & ~(BIT(shift) - 1)) |
				  (rq->iova & (BIT(shift) - 1));
			out->prot = ((acc & 1) ? IOMMUPT_READ : 0) |
				    ((acc & 2) ? IOMMUPT_WRITE : 0);
			out->fault = vtd_check_access(cfg, rq, out->prot);
			out->dirty = !cfg->ad || (e & BIT(9));
			if (!out->fault && rq->write && cfg->ad) {
				set_flag(w, pa, e | BIT(8), BIT(9)); /* D */
				out->dirty = true;
			}
			return;
		}
		table = e & addr_bits(v);
		if (w->use_caches && w->live)
			pwc_fill(w, cfg, rq->iova, lvl, table, acc);
		lvl--;
	}
}

/*
 * First-stage walk (3.6, entry formats 9.7): IA-32e paging, 4 or 5
 * levels, canonical input addresses, R/W and U/S ANDed along the walk,
 * A set at every level and D at the leaf.
 */
static void fs_walk(struct vtd_walker *w, const struct vtd_cfg *cfg,
		    const struct vtd_req *rq, struct vtd_out *out)
{
	struct vtd_unit *v = w->v;
	unsigned int vbits = PG + 9 * cfg->levels, lvl;
	uint64_t table = cfg->root, acc = 3, e, pa, top;

	top = (uint64_t)((int64_t)rq->iova >> (vbits - 1));
	if (top != 0 && top != UINT64_MAX) {
		out->fault = IOMMUSIM_VTD_FR_FS_CANONICAL;
		return;
	}
	lvl = cfg->levels;
	if (w->use_caches)
		lvl = pwc_probe(w, cfg, rq->iova, lvl, &table, &acc);
	lvl--;
	for (;;) {
		unsigned int shift = PG + 9 * lvl;
		bool leaf;

		pa = table + 8 * ((rq->iova >> shift) & 511);
		if (vtd_read(w, pa, &e)) {
			out->fault = IOMMUSIM_VTD_FR_FS_ACCESS;
			return;
		}
		if (!(e & 1)) {
			out->fault = IOMMUSIM_VTD_FR_FS_NP;
			return;
		}
		leaf = lvl == 0 || (e & BIT(7));
		/* PS: 2M always, 1G with FL1GP, none above; bit 12 is PAT. */
		if (e & addr_rsvd(v) ||
		    (lvl && (e & BIT(7)) &&
		     (lvl > 2 || (lvl == 2 &&
				  !(v->cap & IOMMUSIM_VTD_CAP_FL1GP)))) ||
		    (leaf && lvl && (e & (BIT(shift) - 1) & ~0x1fffull))) {
			out->fault = IOMMUSIM_VTD_FR_FS_RSVD;
			return;
		}
		acc &= ((e >> 1) & 1) | (((e >> 2) & 1) << 1); /* RW, US */
		set_flag(w, pa, e, BIT(5)); /* A */
		if (leaf) {
			out->page_lg2 = shift;
			out->oa = (e & addr_bits(v) & ~(BIT(shift) - 1)) |
				  (rq->iova & (BIT(shift) - 1));
			out->prot = IOMMUPT_READ |
				    ((acc & 1) ? IOMMUPT_WRITE : 0) |
				    ((acc & 2) ? 0 : IOMMUPT_PRIV);
			out->fault = vtd_check_access(cfg, rq, out->prot);
			out->dirty = (e & BIT(6)) != 0;
			if (!out->fault && rq->write) {
				set_flag(w, pa, e | BIT(5), BIT(6)); /* D */
				out->dirty = true;
			}
			return;
		}
		table = e & addr_bits(v);
		if (w->use_caches && w->live)
			pwc_fill(w, cfg, rq->iova, lvl, table, acc);
		lvl--;
	}
}

void vtd_walk_pages(struct vtd_walker *w, const struct vtd_cfg *cfg,
		    const struct vtd_req *rq, struct vtd_out *out)
{
	memset(out, 0, sizeof(*out));
	switch (cfg->mode) {
	case VTD_MODE_PT:
		/* 3.9: output = input, within the host address width. */
		if (w->v->haw < 64 && (rq->iova >> w->v->haw)) {
			out->fault = IOMMUSIM_VTD_FR_ADDR_WIDTH;
			return;
		}
		out->oa = rq->iova;
		out->prot = IOMMUPT_READ | IOMMUPT_WRITE;
		out->page_lg2 = PG;
		out->dirty = true;
		return;
	case VTD_MODE_FS:
		fs_walk(w, cfg, rq, out);
		return;
	default:
		ss_walk(w, cfg, rq, out);
		return;
	}
}

void vtd_translate_fresh(struct vtd_unit *v, const struct vtd_req *rq,
			 struct vtd_cfg *cfg, struct vtd_out *out)
{
	struct vtd_walker w = { .v = v };
	struct vtd_req r = *rq;
	struct vtd_ctx ctx;
	uint32_t fr;

	memset(out, 0, sizeof(*out));
	memset(cfg, 0, sizeof(*cfg));
	fr = vtd_walk_context(&w, &r, &ctx);
	if (!fr && ctx.sm && !r.has_pasid)
		r.priv = ctx.rid_priv;
	if (!fr)
		fr = ctx.sm ? vtd_walk_pasid(&w, &ctx, &r, cfg) :
			      vtd_ctx_cfg(&ctx, cfg);
	if (fr) {
		out->fault = fr;
		return;
	}
	vtd_walk_pages(&w, cfg, &r, out);
}
