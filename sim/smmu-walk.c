// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The SMMUv3 model's own walks: stream table (3.3.1, linear and
 * 2-level), STE decoding (5.2), context descriptors (3.3.2, 5.4, linear
 * and 2-level CD tables) and VMSAv8-64 stage 1 and stage 2 translation
 * tables at 4K, 16K and 64K granules (Arm ARM D8), stage 2 initial-level
 * concatenation, the contiguous hint, nested translation (3.4) and the
 * hardware update of the access flag and dirty state (3.13, HTTU).
 * Written from the specifications and independent of libiommupt's format
 * code on purpose.
 *
 * Levels are numbered as the Arm ARM numbers them: level 3 maps granules.
 */
#include <string.h>

#include "smmu-int.h"

#define BIT(n) SMMU_BIT(n)
#define F(v, hi, lo) SMMU_FIELD(v, hi, lo)

int smmu_read(struct smmu_walker *w, uint64_t pa, uint64_t *val)
{
	return sim_walk_read(&w->s->u, w->live, &w->cycles, pa, val);
}

/* IPS / S2PS / IDR5.OAS encodings (5.4, 6.3.6). */
static unsigned int ps_bits(unsigned int ps)
{
	static const unsigned char b[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return b[ps & 7];
}

uint32_t smmu_ste_vmid(const struct smmu_cfg *cfg)
{
	return (uint32_t)F(cfg->ste[2], 15, 0);
}

/* Stage 2 table parameters of an STE (5.2 S2T0SZ, S2SL0, S2TG, S2PS). */
static bool s2_params(const struct smmu_unit *s, const uint64_t *ste,
		      struct smmu_tt *tt)
{
	unsigned int tg = (unsigned int)F(ste[2], 47, 46);
	unsigned int sl0 = (unsigned int)F(ste[2], 39, 38), stride, bits;
	unsigned int ps = ps_bits((unsigned int)F(ste[2], 50, 48));

	memset(tt, 0, sizeof(*tt));
	if (tg == 3 || !(ste[2] & IOMMUSIM_SMMU_STE_S2AA64))
		return false;
	tt->granule = tg == 0 ? 12 : tg == 1 ? 16 : 14;
	tt->ias = 64 - (unsigned int)F(ste[2], 37, 32);
	tt->oas = ps < s->oas ? ps : s->oas;
	tt->base = ste[3] & (BIT(52) - 1) & ~((uint64_t)0xf);
	tt->stage2 = true;
	tt->ha = ste[2] & IOMMUSIM_SMMU_STE_S2HA;
	tt->hd = ste[2] & IOMMUSIM_SMMU_STE_S2HD;
	if (s->flags & IOMMUSIM_SMMU_NO_HTTU)
		tt->ha = tt->hd = false;
	/* D8: SL0 0..2 start at level 2..0 (4K) or 3..1 (16K, 64K) */
	if (sl0 == 3)
		return false;
	tt->start = (tt->granule == 12 ? 2 : 3) - (int)sl0;
	stride = tt->granule - 3;
	if (tt->ias > 52 || tt->ias < 24 || (tt->ias > 48 && tt->granule != 16))
		return false;
	/* the start level resolves 1 bit up to 16 concatenated tables */
	bits = tt->ias - (tt->granule + stride * (3 - (unsigned int)tt->start));
	if ((int)bits < 1 || bits > stride + 4)
		return false;
	/* the table must be aligned to its (concatenated) size */
	if (tt->base & ((BIT(bits + 3) - 1) & ~0xfull))
		return false;
	return tt->base < BIT(tt->oas);
}

/* 3.3.1, 5.2: fetch and check the STE of sid. */
uint32_t smmu_fetch_ste(struct smmu_walker *w, uint32_t sid,
			struct smmu_cfg *cfg)
{
	struct smmu_unit *s = w->s;
	unsigned int log2size = F(s->strtab_cfg, 5, 0);
	unsigned int split = F(s->strtab_cfg, 10, 6);
	unsigned int fmt = F(s->strtab_cfg, 17, 16), cfgv;
	uint64_t base = s->strtab_base & (BIT(52) - 1) & ~0x3full, pa, d;
	struct smmu_tt tt;

	memset(cfg, 0, sizeof(*cfg));
	if (log2size > s->sid_bits)
		log2size = s->sid_bits;
	if (sid >> s->sid_bits || (uint64_t)sid >> log2size)
		return IOMMUSIM_SMMU_EV_C_BAD_STREAMID;
	if (fmt == 1) {
		unsigned int span;

		/* 2-level: L1STD Span 4:0, L2Ptr 51:6 */
		if (smmu_read(w, base + 8ull * (sid >> split), &d))
			return IOMMUSIM_SMMU_EV_F_STE_FETCH;
		span = (unsigned int)F(d, 4, 0);
		if (!span || span > 12 ||
		    (sid & (BIT(split) - 1)) >> (span - 1))
			return IOMMUSIM_SMMU_EV_C_BAD_STREAMID;
		pa = (d & (BIT(52) - 1) & ~0x3full) +
		     64ull * (sid & (BIT(split) - 1));
	} else if (fmt == 0) {
		pa = base + 64ull * sid;
	} else {
		return IOMMUSIM_SMMU_EV_C_BAD_STREAMID;
	}
	if (smmu_read(w, pa, &cfg->ste[0]))
		return IOMMUSIM_SMMU_EV_F_STE_FETCH;
	for (unsigned int i = 1; i < 4; i++)
		if (sim_mem_read64_raw(s->u.mem, pa + 8 * i, &cfg->ste[i]))
			return IOMMUSIM_SMMU_EV_F_STE_FETCH;
	if (!(cfg->ste[0] & IOMMUSIM_SMMU_STE_V))
		return IOMMUSIM_SMMU_EV_C_BAD_STE;
	cfgv = (unsigned int)F(cfg->ste[0], 3, 1);
	if (cfgv && cfgv < 4)
		return IOMMUSIM_SMMU_EV_C_BAD_STE; /* reserved encodings */
	if (cfgv & 1) {
		if (F(cfg->ste[0], 5, 4) == 3 ||
		    F(cfg->ste[0], 63, 59) > s->ssid_bits ||
		    (cfg->ste[0] & (BIT(52) - 1) & ~0x3full) >> s->oas)
			return IOMMUSIM_SMMU_EV_C_BAD_STE;
	}
	if ((cfgv & 2) && !s2_params(s, cfg->ste, &tt))
		return IOMMUSIM_SMMU_EV_C_BAD_STE;
	return 0;
}

static unsigned int contig_lg2(unsigned int g, int lvl)
{
	/* D8.7: 16 entries (4K), 128 pages or 32 blocks (16K), 32 (64K) */
	if (g == 12)
		return 4;
	if (g == 14)
		return lvl == 3 ? 7 : 5;
	return 5;
}

static void set_bits(struct smmu_walker *w, uint64_t pa, uint64_t e,
		     uint64_t set, uint64_t clear)
{
	if (w->live)
		sim_walk_update(&w->s->u, &w->cycles, pa, e, (e | set) & ~clear);
}

static void fault(struct smmu_out *out, uint32_t ev)
{
	out->event = ev;
}

/*
 * D8: one stage's walk of va (already inside the table's input range).
 * xl, when set, translates the IPAs of stage 1 tables through stage 2
 * (nested). A stage 1 fault sets CLASS IN; a stage 2 fault sets S2.
 */
static void tt_walk(struct smmu_walker *w, const struct smmu_tt *tt,
		    uint64_t va, const struct smmu_req *rq,
		    const struct smmu_tt *s2, struct smmu_out *out);

static void s2_translate(struct smmu_walker *w, const struct smmu_tt *s2,
			 uint64_t ipa, const struct smmu_req *rq,
			 unsigned int cls, struct smmu_out *out)
{
	memset(out, 0, sizeof(*out));
	if (s2->ias < 64 && (ipa >> s2->ias)) {
		out->event = IOMMUSIM_SMMU_EV_F_TRANSLATION;
	} else {
		tt_walk(w, s2, ipa, rq, NULL, out);
	}
	if (out->event) {
		out->evt1 = IOMMUSIM_SMMU_EVT1_S2 |
			    IOMMUSIM_SMMU_EVT1_CLASS(cls);
		out->ipa = ipa;
	}
}

static void tt_walk(struct smmu_walker *w, const struct smmu_tt *tt,
		    uint64_t va, const struct smmu_req *rq,
		    const struct smmu_tt *s2, struct smmu_out *out)
{
	unsigned int g = tt->granule, stride = g - 3, shift, lg2;
	uint64_t table = tt->base, e, pa, oa, addr_mask;
	bool no_write = false, no_unpriv = false, write_ok, leaf;
	int lvl = tt->start;

	addr_mask = (BIT(48) - 1) & ~(BIT(g) - 1);
	for (;;) {
		unsigned int bits;

		shift = g + stride * (unsigned int)(3 - lvl);
		bits = lvl == tt->start ? tt->ias - shift : stride;
		pa = table + 8 * ((va >> shift) & (BIT(bits) - 1));
		if (s2) {
			struct smmu_out o2;

			/* nested: the table is at an IPA (3.4.2) */
			s2_translate(w, s2, pa, rq, 1, &o2);
			if (o2.event) {
				*out = o2;
				out->evt1 |= IOMMUSIM_SMMU_EVT1_RNW;
				return;
			}
			pa = o2.oa;
		}
		if (smmu_read(w, pa, &e)) {
			fault(out, IOMMUSIM_SMMU_EV_F_WALK_EABT);
			out->evt1 = IOMMUSIM_SMMU_EVT1_CLASS(1);
			return;
		}
		if (!(e & 1)) {
			fault(out, IOMMUSIM_SMMU_EV_F_TRANSLATION);
			return;
		}
		oa = e & addr_mask;
		if (g == 16 && tt->oas == 52)
			oa |= F(e, 15, 12) << 48;
		leaf = lvl == 3 || !(e & 2);
		if (lvl == 3 && !(e & 2)) {
			fault(out, IOMMUSIM_SMMU_EV_F_TRANSLATION);
			return;
		}
		/* blocks: 4K at levels 1 and 2; 16K and 64K at level 2 */
		if (leaf && lvl < 3 && (lvl == 0 || (lvl == 1 && g != 12))) {
			fault(out, IOMMUSIM_SMMU_EV_F_TRANSLATION);
			return;
		}
		if (oa >> tt->oas) {
			fault(out, IOMMUSIM_SMMU_EV_F_ADDR_SIZE);
			return;
		}
		if (!leaf) {
			if (!tt->stage2) { /* APTable 62:61 */
				no_write |= (e >> 62) & 1;
				no_unpriv |= (e >> 61) & 1;
			}
			table = oa;
			lvl++;
			continue;
		}
		break;
	}
	lg2 = shift + ((e & BIT(52)) ? contig_lg2(g, lvl) : 0);
	out->page_lg2 = lg2;
	out->oa = (oa & ~(BIT(lg2) - 1)) | (va & (BIT(lg2) - 1));
	out->global = !tt->stage2 && !(e & BIT(11));
	/* access flag (D8.5): set by HTTU, or an Access flag fault */
	if (!(e & BIT(10))) {
		if (!tt->ha) {
			fault(out, IOMMUSIM_SMMU_EV_F_ACCESS);
			return;
		}
		set_bits(w, pa, e, BIT(10), 0);
		e |= BIT(10);
	}
	if (tt->stage2) {
		/* S2AP 7:6: read 6, write 7; DBM 51 with HD */
		bool dbm = tt->hd && (e & BIT(51));

		write_ok = (e & BIT(7)) || dbm;
		out->prot = ((e & BIT(6)) ? IOMMUPT_READ : 0) |
			    (write_ok ? IOMMUPT_WRITE : 0);
		out->dirty = (e & BIT(7)) != 0;
		if ((rq->write && !write_ok) || (!rq->write && !(e & BIT(6)))) {
			fault(out, IOMMUSIM_SMMU_EV_F_PERMISSION);
			return;
		}
		if (rq->write && !(e & BIT(7))) {
			set_bits(w, pa, e, BIT(7), 0);
			out->dirty = true;
		}
		return;
	}
	/* stage 1 AP[2:1] 7:6: AP[2] read-only, AP[1] EL0 access; DBM 51 */
	{
		bool ro = (e & BIT(7)) || no_write;
		bool dbm = tt->hd && (e & BIT(51)) && !no_write;
		bool unpriv = (e & BIT(6)) && !no_unpriv;

		write_ok = !ro || dbm;
		out->prot = IOMMUPT_READ | (write_ok ? IOMMUPT_WRITE : 0) |
			    (unpriv ? 0 : IOMMUPT_PRIV);
		out->dirty = !ro;
		if ((!rq->priv && !unpriv) || (rq->write && !write_ok)) {
			fault(out, IOMMUSIM_SMMU_EV_F_PERMISSION);
			return;
		}
		if (rq->write && ro) {
			set_bits(w, pa, e, 0, BIT(7));
			out->dirty = true;
		}
	}
}

/* 5.4: stage 1 parameters of a CD for va; false: translation fault. */
static bool s1_params(const struct smmu_unit *s, const uint64_t *cd,
		      uint64_t va, struct smmu_tt *tt, uint64_t *in)
{
	unsigned int t0sz = F(cd[0], 5, 0), t1sz = F(cd[0], 21, 16);
	unsigned int tg, stride, ips = ps_bits(F(cd[0], 34, 32));
	bool upper = va >> 63;

	memset(tt, 0, sizeof(*tt));
	tt->oas = ips < s->oas ? ips : s->oas;
	tt->ha = cd[0] & IOMMUSIM_SMMU_CD_HA;
	tt->hd = cd[0] & IOMMUSIM_SMMU_CD_HD;
	if (s->flags & IOMMUSIM_SMMU_NO_HTTU)
		tt->ha = tt->hd = false;
	if (!upper) {
		tt->ias = 64 - t0sz;
		tg = F(cd[0], 7, 6);
		tt->granule = tg == 0 ? 12 : tg == 1 ? 16 : 14;
		tt->base = cd[1];
		if ((cd[0] & IOMMUSIM_SMMU_CD_EPD0) || (va >> tt->ias))
			return false;
	} else {
		tt->ias = 64 - t1sz;
		tg = F(cd[0], 23, 22);
		tt->granule = tg == 1 ? 14 : tg == 3 ? 16 : 12;
		tt->base = cd[2];
		if ((cd[0] & IOMMUSIM_SMMU_CD_EPD1) ||
		    ~va >> tt->ias)
			return false;
	}
	tt->base &= (BIT(52) - 1) & ~0xfull;
	stride = tt->granule - 3;
	tt->start = 3 - (int)((tt->ias - tt->granule + stride - 1) / stride) + 1;
	*in = tt->ias >= 64 ? va : va & (BIT(tt->ias) - 1);
	return true;
}

/* C_BAD_CD checks (5.4): V, AArch64, granules, T0SZ/T1SZ ranges. */
static bool cd_valid(const struct smmu_unit *s, const uint64_t *cd)
{
	unsigned int t0sz = F(cd[0], 5, 0), t1sz = F(cd[0], 21, 16);
	unsigned int min0 = F(cd[0], 7, 6) == 1 ? 12 : 16;
	unsigned int min1 = F(cd[0], 23, 22) == 3 ? 12 : 16;

	(void)s;
	if (!(cd[0] & IOMMUSIM_SMMU_CD_V) || !(cd[0] & IOMMUSIM_SMMU_CD_AA64))
		return false;
	if (F(cd[0], 7, 6) == 3 || F(cd[0], 23, 22) == 0)
		return false;
	if (!(cd[0] & IOMMUSIM_SMMU_CD_EPD0) && (t0sz < min0 || t0sz > 39))
		return false;
	if (!(cd[0] & IOMMUSIM_SMMU_CD_EPD1) && (t1sz < min1 || t1sz > 39))
		return false;
	return true;
}

/*
 * 3.3.2: the CD of the request's substream (0 without one). S1Fmt 0:
 * linear; 1, 2: two levels with leaf tables of 64 or 1024 CDs, the L1CD
 * holding V 0 and L2Ptr 51:12. In nested configurations the CD table
 * addresses are IPAs.
 */
uint32_t smmu_fetch_cd(struct smmu_walker *w, const struct smmu_req *rq,
		       struct smmu_cfg *cfg, struct smmu_out *out)
{
	struct smmu_unit *s = w->s;
	const uint64_t *ste = cfg->ste;
	unsigned int fmt = F(ste[0], 5, 4), cdmax = F(ste[0], 63, 59);
	uint64_t base = ste[0] & (BIT(52) - 1) & ~0x3full, pa, d;
	bool nested = F(ste[0], 3, 1) == IOMMUSIM_SMMU_STE_CFG_NESTED;
	uint32_t ssid = rq->ssv ? rq->ssid : 0;
	struct smmu_tt s2;

	if (nested)
		s2_params(s, ste, &s2);
	if (cdmax && fmt) {
		unsigned int split = fmt == 1 ? 6 : 10;

		pa = base + 8ull * (ssid >> split);
		if (nested) {
			s2_translate(w, &s2, pa, rq, 0, out);
			if (out->event)
				return out->event;
			pa = out->oa;
		}
		if (smmu_read(w, pa, &d))
			return IOMMUSIM_SMMU_EV_F_CD_FETCH;
		if (!(d & 1))
			return IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID;
		pa = (d & (BIT(52) - 1) & ~0xfffull) +
		     64ull * (ssid & (BIT(split) - 1));
	} else {
		pa = base + 64ull * ssid;
	}
	if (nested) {
		s2_translate(w, &s2, pa, rq, 0, out);
		if (out->event)
			return out->event;
		pa = out->oa;
	}
	if (smmu_read(w, pa, &cfg->cd[0]))
		return IOMMUSIM_SMMU_EV_F_CD_FETCH;
	for (unsigned int i = 1; i < 4; i++)
		if (sim_mem_read64_raw(s->u.mem, pa + 8 * i, &cfg->cd[i]))
			return IOMMUSIM_SMMU_EV_F_CD_FETCH;
	if (!cd_valid(s, cfg->cd))
		return IOMMUSIM_SMMU_EV_C_BAD_CD;
	cfg->have_cd = true;
	return 0;
}

static void bypass(const struct smmu_req *rq, struct smmu_out *out)
{
	out->bypass = true;
	out->oa = rq->iova;
	out->prot = IOMMUPT_READ | IOMMUPT_WRITE;
	out->page_lg2 = 12;
	out->dirty = true;
}

/*
 * 5.2: what the STE does with a request: Config abort (terminate without
 * an event), bypass, stage 1 (with S1DSS for requests without a
 * SubstreamID), stage 2, or both (nested).
 */
void smmu_translate(struct smmu_walker *w, const struct smmu_req *rq,
		    struct smmu_cfg *cfg, bool cd_cached,
		    struct smmu_out *out)
{
	const uint64_t *ste = cfg->ste;
	unsigned int cfgv = F(ste[0], 3, 1), cdmax = F(ste[0], 63, 59);
	bool s1 = cfgv & 1, s2 = cfgv & 2;
	struct smmu_tt t1, t2;
	struct smmu_out o2;
	uint64_t in;

	memset(out, 0, sizeof(*out));
	out->vmid = smmu_ste_vmid(cfg);
	if (cfgv == IOMMUSIM_SMMU_STE_CFG_ABORT) {
		out->event = IOMMUSIM_SMMU_ABORT;
		return;
	}
	if (rq->ssv && (!s1 || !cdmax || rq->ssid >> cdmax)) {
		out->event = IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID;
		return;
	}
	if (s1 && !rq->ssv && cdmax) {
		switch (F(ste[1], 1, 0)) { /* S1DSS */
		case 0:
			out->event = IOMMUSIM_SMMU_EV_F_STREAM_DISABLED;
			return;
		case 1:
			s1 = false; /* stage 1 bypassed */
			break;
		case 2:
			break;  /* substream 0 */
		default:
			out->event = IOMMUSIM_SMMU_EV_C_BAD_STE;
			return;
		}
	}
	if (s2)
		s2_params(w->s, ste, &t2);
	if (!s1 && !s2) {
		bypass(rq, out);
		return;
	}
	if (!s1) {
		out->kind = SMMU_KIND_S2;
		s2_translate(w, &t2, rq->iova, rq, 2, out);
		out->kind = SMMU_KIND_S2;
		out->vmid = smmu_ste_vmid(cfg);
		return;
	}
	if (!cd_cached) {
		uint32_t ev = smmu_fetch_cd(w, rq, cfg, out);

		if (ev) {
			out->event = ev;
			return;
		}
	}
	out->asid = (uint32_t)F(cfg->cd[0], 63, 48);
	out->vmid = smmu_ste_vmid(cfg);
	out->kind = s2 ? SMMU_KIND_NESTED : SMMU_KIND_S1;
	if (!s1_params(w->s, cfg->cd, rq->iova, &t1, &in)) {
		out->event = IOMMUSIM_SMMU_EV_F_TRANSLATION;
		out->evt1 = IOMMUSIM_SMMU_EVT1_CLASS(2);
		return;
	}
	tt_walk(w, &t1, in, rq, s2 ? &t2 : NULL, out);
	if (out->event) {
		if (!(out->evt1 & IOMMUSIM_SMMU_EVT1_S2))
			out->evt1 |= IOMMUSIM_SMMU_EVT1_CLASS(2);
		return;
	}
	/* upper bits of the leaf were aligned with in; restore the VA's */
	out->oa = (out->oa & ~(BIT(out->page_lg2) - 1)) |
		  (rq->iova & (BIT(out->page_lg2) - 1));
	if (s2) {
		struct smmu_out s1o = *out;

		s2_translate(w, &t2, s1o.oa, rq, 2, &o2);
		if (o2.event) {
			*out = o2;
			out->kind = SMMU_KIND_NESTED;
			return;
		}
		out->oa = o2.oa;
		out->prot = s1o.prot & (o2.prot | IOMMUPT_PRIV);
		out->page_lg2 = s1o.page_lg2 < o2.page_lg2 ? s1o.page_lg2 :
				o2.page_lg2;
		out->dirty = s1o.dirty && o2.dirty;
	}
}

void smmu_translate_fresh(struct smmu_unit *s, const struct smmu_req *rq,
			  struct smmu_out *out)
{
	struct smmu_walker w = { .s = s };
	struct smmu_cfg cfg;
	uint32_t ev = smmu_fetch_ste(&w, rq->sid, &cfg);

	if (ev) {
		memset(out, 0, sizeof(*out));
		out->event = ev;
		return;
	}
	smmu_translate(&w, rq, &cfg, false, out);
}
