// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The AMD-Vi model's own walks: device table entry (2.2.2), host (v1) I/O
 * page tables (2.2.3) including NextLevel 7 page sizes and level skipping,
 * and guest (v2) x86-64 tables reached through the GCR3 table (2.2.6).
 * Written from the specification and independent of libiommupt's format
 * code on purpose: each checks the other.
 *
 * Levels are numbered as the spec numbers them: level 1 holds the PTEs
 * that map 4 KiB, the DTE Mode names the root's level.
 *
 * A live walk charges memory latency per read, counts reads and performs
 * the accessed/dirty updates; a fresh walk (stale detector) does neither.
 */
#include <string.h>

#include "amd-int.h"

#define PG 12
#define BIT(n) AMD_BIT(n)

static uint64_t addr_bits(const struct amd_unit *a)
{
	return (BIT(a->haw) - 1) & ~0xfffull;
}

static uint64_t addr_rsvd(const struct amd_unit *a)
{
	return (BIT(52) - 1) & ~(BIT(a->haw) - 1);
}

int amd_read(struct amd_walker *w, uint64_t pa, uint64_t *val)
{
	return sim_walk_read(&w->a->u, w->live, &w->cycles, pa, val);
}

static void set_flag(struct amd_walker *w, uint64_t pa, uint64_t e,
		     uint64_t bit)
{
	if (w->live && !(e & bit))
		sim_walk_update(&w->a->u, &w->cycles, pa, e, e | bit);
}

/*
 * 2.2.2.1: the 256-bit DTE of devid, fetched as one burst. Reserved bits,
 * Mode 7, a Mode beyond EFR.HATS, HAD 10b or HAD without HASup/HDSup, and
 * guest fields the unit cannot honour make it illegal.
 */
uint32_t amd_read_dte(struct amd_walker *w, uint32_t devid,
		      struct amd_dte *dte, uint64_t *evaddr)
{
	struct amd_unit *a = w->a;
	uint64_t base = a->devtab & addr_bits(a);
	uint64_t size = ((a->devtab & 0x1ff) + 1) << PG, pa, q[4];
	unsigned int hats_levels = 4 + EFR_HATS(a->efr);
	int rc;

	memset(dte, 0, sizeof(*dte));
	pa = base + 32ull * devid;
	*evaddr = pa;
	/* 3.4.1: a DeviceID beyond the table's Size has no valid entry. */
	if (32ull * devid >= size)
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	rc = amd_read(w, pa, &q[0]);
	for (unsigned int i = 1; i < 4 && !rc; i++)
		rc = sim_mem_read64_raw(a->u.mem, pa + 8 * i, &q[i]);
	if (rc)
		return IOMMUSIM_AMD_EV_DEVTAB_HW_ERROR;
	/*
	 * qword 0: V 0, TV 1, HAD 8:7, Mode 11:9, root 51:12, PPR 52,
	 * GPRP 53, GIoV 54, GV 55, GLX 57:56, GCR3[14:12] 60:58, IR 61,
	 * IW 62. qword 1: DomainID 15:0, GCR3[30:15] 31:16, SA 34,
	 * GCR3[51:31] 63:43. qword 2: GPM 55:54 (guest paging mode).
	 */
	dte->v = q[0] & 1;
	dte->tv = (q[0] >> 1) & 1;
	if (!dte->v || !dte->tv)
		return 0;
	dte->had = (q[0] >> 7) & 3;
	dte->mode = (q[0] >> 9) & 7;
	dte->root = q[0] & addr_bits(a);
	dte->giov = (q[0] >> 54) & 1;
	dte->gv = (q[0] >> 55) & 1;
	dte->glx = (q[0] >> 56) & 3;
	dte->ir = (q[0] >> 61) & 1;
	dte->iw = (q[0] >> 62) & 1;
	dte->did = (uint32_t)(q[1] & 0xffff);
	dte->sa = (q[1] >> 34) & 1;
	dte->gpm = (q[2] >> 54) & 3;
	dte->gcr3 = ((q[0] >> 58) & 7) << 12 | ((q[1] >> 16) & 0xffff) << 15 |
		    (q[1] >> 43) << 31;
	/* reserved 6:2 and 63; PPR and GPRP need PPR support (EFR.PPRSup) */
	if (q[0] & (0x7cull | BIT(52) | BIT(53) | BIT(63)))
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	if (dte->mode == 7 || dte->mode > hats_levels)
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	if (dte->mode && (q[0] & addr_rsvd(a)))
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	if (dte->had == 2 ||
	    (dte->had && !(a->efr & IOMMUSIM_AMD_EFR_HASUP)) ||
	    (dte->had == 3 && !(a->efr & IOMMUSIM_AMD_EFR_HDSUP)))
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	if (dte->gv) {
		/* 2.2.6: needs GTSup and Control.GTEn; nesting not modelled */
		if (!(a->efr & IOMMUSIM_AMD_EFR_GTSUP) ||
		    !(a->control & IOMMUSIM_AMD_CTRL_GT_EN) || dte->mode ||
		    dte->glx > 1 || dte->glx > EFR_GLX(a->efr) ||
		    dte->gpm > 1 || dte->gpm > EFR_GATS(a->efr) ||
		    (dte->giov && !(a->efr & IOMMUSIM_AMD_EFR_GIOSUP)) ||
		    (dte->gcr3 & addr_rsvd(a)))
			return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	} else if (dte->giov || dte->glx || dte->gpm || dte->gcr3) {
		return IOMMUSIM_AMD_EV_ILLEGAL_DTE;
	}
	return 0;
}

uint32_t amd_check_access(const struct amd_req *rq, uint32_t prot,
			  uint8_t kind)
{
	uint32_t f = IOMMUSIM_AMD_EVF_PE | IOMMUSIM_AMD_EVF_PR;

	if (kind == AMD_KIND_GUEST && !rq->priv && (prot & IOMMUPT_PRIV))
		return f | IOMMUSIM_AMD_EVF_US;
	if (rq->write && !(prot & IOMMUPT_WRITE))
		return f;
	if (!rq->write && !(prot & IOMMUPT_READ))
		return f;
	return 0;
}

/*
 * Page directory caches (xlate.h), tagged (DomainID | kind << 32, PASID):
 * the deepest cached pointer to a table below top; returns its level.
 */
static unsigned int pdc_probe(struct amd_walker *w, const struct amd_dte *dte,
			      uint8_t kind, uint32_t pasid, uint64_t iova,
			      unsigned int top, uint64_t *table, uint64_t *acc)
{
	return sim_pwc_probe(w->a->pdc, AMD_PDC_LEVELS,
			     dte->did | (uint64_t)kind << 32, pasid, iova, top,
			     &w->cycles, table, acc, &w->pdc_hit);
}

static void pdc_fill(struct amd_walker *w, const struct amd_dte *dte,
		     uint8_t kind, uint32_t pasid, uint64_t iova,
		     unsigned int lvl, uint64_t table, uint64_t acc)
{
	if (w->use_caches && w->live)
		sim_pwc_fill(w->a->pdc, AMD_PDC_LEVELS,
			     dte->did | (uint64_t)kind << 32, pasid, iova,
			     lvl, table, acc);
}

static void fault(struct amd_out *out, uint32_t ev, uint32_t flags)
{
	out->event = ev;
	out->evflags |= flags;
}

/*
 * 2.2.3: host translation. Each entry: PR 0, A 5, D 6 (PTE), NextLevel
 * 11:9, address 51:12, 58:52 reserved, FC 60, IR 61, IW 62. NextLevel 0
 * is a page of the level's natural size, 7 a page whose size is encoded in
 * the address (the first zero bit at or above bit 12 is bit size_lg2 - 1),
 * 1..level-1 a table of that level: levels between are skipped and the
 * IOVA bits that would have indexed them must be zero. IR/IW are ANDed
 * along the walk, with the DTE's.
 */
static void v1_walk(struct amd_walker *w, const struct amd_dte *dte,
		    const struct amd_req *rq, struct amd_out *out)
{
	struct amd_unit *a = w->a;
	unsigned int lvl = dte->mode, width = PG + 9 * dte->mode;
	uint64_t table = dte->root, acc = dte->ir | dte->iw << 1, e, pa;

	out->kind = AMD_KIND_HOST;
	if (width < 64 && (rq->iova >> width)) {
		fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT, 0);
		return;
	}
	if (w->use_caches)
		lvl = pdc_probe(w, dte, AMD_KIND_HOST, 0, rq->iova, lvl,
				&table, &acc);
	for (;;) {
		unsigned int shift = PG + 9 * (lvl - 1), nl, lg2;

		pa = table + 8 * ((rq->iova >> shift) & 511);
		if (amd_read(w, pa, &e)) {
			out->evaddr = pa;
			fault(out, IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR, 0);
			return;
		}
		if (!(e & 1)) {
			fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT, 0);
			return;
		}
		nl = (e >> 9) & 7;
		if (e & ((0x7full << 52) | addr_rsvd(a))) {
			fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
			      IOMMUSIM_AMD_EVF_RZ | IOMMUSIM_AMD_EVF_PR);
			return;
		}
		acc &= (e >> 61) & 3;
		if (dte->had)
			set_flag(w, pa, e, BIT(5)); /* A */
		if (nl != 0 && nl != 7) {
			unsigned int low = PG + 9 * nl;

			/* upward or same-level pointers are illegal */
			if (nl >= lvl) {
				fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
				      IOMMUSIM_AMD_EVF_RZ |
				      IOMMUSIM_AMD_EVF_PR);
				return;
			}
			/* skipped levels: their IOVA bits must be zero */
			if ((rq->iova >> low) & (BIT(shift - low) - 1)) {
				fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
				      IOMMUSIM_AMD_EVF_PR);
				return;
			}
			table = e & addr_bits(a);
			pdc_fill(w, dte, AMD_KIND_HOST, 0, rq->iova, nl, table,
				 acc);
			lvl = nl;
			continue;
		}
		if (nl == 0) {
			lg2 = shift;
			/* no 512G pages; no low address bits in large ones */
			if (lg2 == 39 || (e & (BIT(lg2) - 1) & ~0xfffull)) {
				fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
				      IOMMUSIM_AMD_EVF_RZ |
				      IOMMUSIM_AMD_EVF_PR);
				return;
			}
		} else {
			lg2 = 13 + (unsigned int)__builtin_ctzll(~(e >> 12));
			/* larger than one item, smaller than the level above */
			if (lg2 <= shift || lg2 >= shift + 9 || lg2 > 52) {
				fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
				      IOMMUSIM_AMD_EVF_RZ |
				      IOMMUSIM_AMD_EVF_PR);
				return;
			}
		}
		out->page_lg2 = lg2;
		out->oa = (e & addr_bits(a) & ~(BIT(lg2) - 1)) |
			  (rq->iova & (BIT(lg2) - 1));
		out->prot = ((acc & 1) ? IOMMUPT_READ : 0) |
			    ((acc & 2) ? IOMMUPT_WRITE : 0);
		out->evflags = amd_check_access(rq, out->prot, out->kind);
		if (out->evflags)
			out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
		out->dirty = dte->had != 3 || (e & BIT(6));
		if (!out->event && rq->write && dte->had == 3) {
			set_flag(w, pa, e | BIT(5), BIT(6)); /* D */
			out->dirty = true;
		}
		return;
	}
}

/*
 * 2.2.6: the GCR3 table (GLX 0: one level indexed by PASID 8:0; GLX 1:
 * two levels, PASID 17:9 then 8:0). Entries: valid bit 0, address 51:12.
 */
static uint32_t gcr3_lookup(struct amd_walker *w, const struct amd_dte *dte,
			    uint32_t pasid, uint64_t *cr3, struct amd_out *out)
{
	struct amd_unit *a = w->a;
	uint64_t table = dte->gcr3 & addr_bits(a), e = 0, pa;

	if ((pasid >> (EFR_PASMAX(a->efr) + 1)) ||
	    (pasid >> (9 * (dte->glx + 1))))
		return IOMMUSIM_AMD_EVF_GN;
	for (int l = dte->glx; l >= 0; l--) {
		pa = table + 8 * ((pasid >> (9 * l)) & 511);
		if (amd_read(w, pa, &e)) {
			out->evaddr = pa;
			out->event = IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR;
			return 0;
		}
		if (!(e & 1))
			return IOMMUSIM_AMD_EVF_GN;
		table = e & addr_bits(a);
	}
	*cr3 = table;
	return 0;
}

/*
 * 2.2.6: guest translation through x86-64 4- or 5-level tables (GPM):
 * canonical addresses, P 0, R/W 1, U/S 2, A 5, D 6, PS 7 (2M, 1G), R/W
 * and U/S ANDed along the walk, A set at every level and D at the leaf.
 */
static void v2_walk(struct amd_walker *w, const struct amd_dte *dte,
		    const struct amd_req *rq, struct amd_out *out)
{
	struct amd_unit *a = w->a;
	uint32_t pasid = rq->has_pasid ? rq->pasid : 0;
	unsigned int levels = 4 + dte->gpm, vbits = PG + 9 * levels, lvl;
	uint64_t table = 0, acc = 3, e, pa, top;
	uint32_t f;

	out->kind = AMD_KIND_GUEST;
	out->evflags = IOMMUSIM_AMD_EVF_GN;
	top = (uint64_t)((int64_t)rq->iova >> (vbits - 1));
	if (top != 0 && top != UINT64_MAX) {
		out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
		return;
	}
	lvl = levels;
	if (w->use_caches)
		lvl = pdc_probe(w, dte, AMD_KIND_GUEST, pasid, rq->iova, lvl,
				&table, &acc);
	if (lvl == levels) {
		f = gcr3_lookup(w, dte, pasid, &table, out);
		if (f || out->event) {
			if (!out->event)
				out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
			return;
		}
	}
	for (;;) {
		unsigned int shift = PG + 9 * (lvl - 1);
		bool leaf;

		pa = table + 8 * ((rq->iova >> shift) & 511);
		if (amd_read(w, pa, &e)) {
			out->evaddr = pa;
			out->event = IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR;
			return;
		}
		if (!(e & 1)) {
			out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
			return;
		}
		leaf = lvl == 1 || (e & BIT(7));
		/* PS only at 2M and 1G; bit 12 of a large leaf is PAT */
		if ((e & addr_rsvd(a)) ||
		    ((e & BIT(7)) && lvl > 3) ||
		    (leaf && lvl > 1 && (e & (BIT(shift) - 1) & ~0x1fffull))) {
			fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
			      IOMMUSIM_AMD_EVF_RZ | IOMMUSIM_AMD_EVF_PR);
			return;
		}
		acc &= ((e >> 1) & 1) | (((e >> 2) & 1) << 1);
		set_flag(w, pa, e, BIT(5)); /* A */
		if (leaf) {
			out->page_lg2 = shift;
			out->oa = (e & addr_bits(a) & ~(BIT(shift) - 1)) |
				  (rq->iova & (BIT(shift) - 1));
			out->prot = IOMMUPT_READ |
				    ((acc & 1) ? IOMMUPT_WRITE : 0) |
				    ((acc & 2) ? 0 : IOMMUPT_PRIV);
			f = amd_check_access(rq, out->prot, out->kind);
			if (f)
				fault(out, IOMMUSIM_AMD_EV_IO_PAGE_FAULT, f);
			out->dirty = (e & BIT(6)) != 0;
			if (!out->event && rq->write) {
				set_flag(w, pa, e | BIT(5), BIT(6)); /* D */
				out->dirty = true;
			}
			return;
		}
		table = e & addr_bits(a);
		pdc_fill(w, dte, AMD_KIND_GUEST, pasid, rq->iova, lvl - 1,
			 table, acc);
		lvl--;
	}
}

/*
 * 2.2.2: what the DTE does with a request. V = 0, and TV = 0 (the rest of
 * the entry holds no translation information: Linux relies on this for
 * identity domains under SNP), pass it untranslated; a PASID without
 * guest translation is an invalid device request; Mode 0 passes it
 * untranslated under the DTE's IR/IW.
 */
void amd_walk(struct amd_walker *w, const struct amd_dte *dte,
	      const struct amd_req *rq, struct amd_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!dte->v || !dte->tv) {
		out->bypass = true;
		out->oa = rq->iova;
		out->prot = IOMMUPT_READ | IOMMUPT_WRITE;
		out->page_lg2 = PG;
		out->dirty = true;
		return;
	}
	if (rq->has_pasid && !dte->gv) {
		out->event = IOMMUSIM_AMD_EV_INVALID_DEV_REQ;
		return;
	}
	if (dte->gv && (rq->has_pasid || dte->giov)) {
		v2_walk(w, dte, rq, out);
		return;
	}
	if (!dte->mode) {
		out->bypass = true;
		out->oa = rq->iova;
		out->prot = (dte->ir ? IOMMUPT_READ : 0) |
			    (dte->iw ? IOMMUPT_WRITE : 0);
		out->page_lg2 = PG;
		out->dirty = true;
		out->evflags = amd_check_access(rq, out->prot, 0);
		if (out->evflags)
			out->event = IOMMUSIM_AMD_EV_IO_PAGE_FAULT;
		return;
	}
	v1_walk(w, dte, rq, out);
}

void amd_translate_fresh(struct amd_unit *a, const struct amd_req *rq,
			 struct amd_dte *dte, struct amd_out *out)
{
	struct amd_walker w = { .a = a };
	uint64_t evaddr;
	uint32_t ev;

	/* only called after a cache hit, so the unit is enabled */
	ev = amd_read_dte(&w, rq->devid, dte, &evaddr);
	if (ev) {
		memset(out, 0, sizeof(*out));
		out->event = ev;
		out->evaddr = evaddr;
		return;
	}
	amd_walk(&w, dte, rq, out);
}
