// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Inspector: the Arm SMMUv3 stream table (SMMUv3 architecture
 * specification 5.2 STE, linear or 2-level) and context descriptors (5.4),
 * down to the VMSAv8-64 stage-1 and stage-2 tables they name (decoded by
 * libiommupt).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"

#define ADDR_51_6   ((uint64_t)0x000fffffffffffc0)
#define ADDR_51_4   ((uint64_t)0x000ffffffffffff0)
#define ADDR_51_12  ((uint64_t)0x000ffffffffff000)
#define STE_SIZE    64
#define CD_SIZE     64

/*
 * Level-1 stream table descriptor (5.2): bits 4:0 Span (0 invalid, else
 * 2^(Span - 1) STEs in the level-2 table, Span <= SPLIT + 1), 51:6 L2Ptr.
 */
#define L1STD_SPAN(d) ((unsigned int)(d) & 0x1f)

/*
 * STE (5.2), 512 bits. Dword 0: bit 0 V, 3:1 Config, 5:4 S1Fmt, 51:6
 * S1ContextPtr, 63:59 S1CDMax. Dword 1: bits 1:0 S1DSS. Dword 2: 15:0
 * S2VMID, 37:32 S2T0SZ, 39:38 S2SL0, 47:46 S2TG, 50:48 S2PS, 51 S2AA64,
 * 52 S2ENDI. Dword 3: 51:4 S2TTB.
 */
#define STE_V          1ull
#define STE_CONFIG(q)  ((unsigned int)((q) >> 1) & 7)
#define STE_S1FMT(q)   ((unsigned int)((q) >> 4) & 3)
#define STE_S1CDMAX(q) ((unsigned int)((q) >> 59) & 0x1f)
#define STE_S2T0SZ(q)  ((unsigned int)((q) >> 32) & 0x3f)
#define STE_S2SL0(q)   ((unsigned int)((q) >> 38) & 3)
#define STE_S2TG(q)    ((unsigned int)((q) >> 46) & 3)
#define STE_S2PS(q)    ((unsigned int)((q) >> 48) & 7)
#define STE_S2AA64     (1ull << 51)
#define STE_S2ENDI     (1ull << 52)

/* Config: 0b000 abort, 0b100 bypass, 0b101 S1, 0b110 S2, 0b111 S1+S2. */
#define CFG_S1 1u
#define CFG_S2 2u

/*
 * CD (5.4), 512 bits. Dword 0: 5:0 T0SZ, 7:6 TG0 (00 4K, 01 64K, 10 16K),
 * 14 EPD0, 15 ENDI, 30 EPD1, 31 V, 34:32 IPS, 41 AA64, 63:48 ASID.
 * Dword 1: 51:4 TTB0. Dword 2: 51:4 TTB1.
 * Level-1 CD table descriptor (5.4.1): bit 0 V, 51:12 L2Ptr.
 */
#define CD_T0SZ(q)   ((unsigned int)(q) & 0x3f)
#define CD_TG0(q)    ((unsigned int)((q) >> 6) & 3)
#define CD_EPD0      (1ull << 14)
#define CD_ENDI      (1ull << 15)
#define CD_EPD1      (1ull << 30)
#define CD_V         (1ull << 31)
#define CD_IPS(q)    ((unsigned int)((q) >> 32) & 7)
#define CD_AA64      (1ull << 41)
#define CD_ASID(q)   ((unsigned int)((q) >> 48) & 0xffff)

/* Output size of an IPS/S2PS encoding; 0 for the reserved one. */
static unsigned int ps_bits(unsigned int ps)
{
	static const unsigned char bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };

	return bits[ps & 7];
}

/* Granule of a TG0/S2TG encoding (00 4K, 01 64K, 10 16K); 0 reserved. */
static unsigned int tg_lg2(unsigned int tg)
{
	static const unsigned char lg2[4] = { 12, 16, 14, 0 };

	return lg2[tg & 3];
}

struct smmu_ste {
	char who[24];
	uint32_t sid;
	uint64_t oa;
	uint64_t q[4];
};

/* One valid CD: check it, then print or validate its TTB0 table. */
static void show_cd(struct insp *s, const struct smmu_ste *e, uint32_t ssid,
		    uint64_t cd_oa, const uint8_t *cd)
{
	const struct insp_opts *o = s->o;
	uint64_t q0 = insp_rd64(cd), ttb0 = insp_rd64(cd + 8) & ADDR_51_4;
	unsigned int g = tg_lg2(CD_TG0(q0)), oas = ps_bits(CD_IPS(q0));
	unsigned int ias = 64 - CD_T0SZ(q0);
	char loc[160], who[40];
	struct insp_tab t;

	/* One visit per valid CD: output stays bounded too. */
	if (!insp_charge(&s->im, 1))
		return;
	snprintf(loc, sizeof(loc), "%s ssid %u: context descriptor at 0x%" PRIx64,
		 e->who, ssid, cd_oa);
	snprintf(who, sizeof(who), "%s ssid %u", e->who, ssid);
	if (!g || !oas) {
		insp_report(s, INSP_BAD_ENCODING, "SMMUv3 5.4", loc, q0,
			    !g ? "TG0 encoding 11b is reserved"
			       : "IPS encoding 111b is reserved");
		return;
	}
	if (!(q0 & CD_AA64) || (q0 & CD_ENDI) || (q0 & CD_EPD0)) {
		/* Valid set-ups this tool does not walk: say so, no finding. */
		if (!o->validate) {
			if (o->json) {
				insp_item_open(s);
				fprintf(s->out, "\"sid\": %u, \"ssid\": %u, \"asid\": %u, "
					"\"not_decoded\": \"%s\"}", e->sid, ssid,
					CD_ASID(q0), (q0 & CD_EPD0) ? "TTB0 walks disabled (EPD0)" :
					"AArch32 or big-endian descriptors");
			} else {
				fprintf(s->out, "%s ssid %u asid %u: %s\n", e->who, ssid,
					CD_ASID(q0), (q0 & CD_EPD0) ? "TTB0 walks disabled (EPD0)" :
					"AArch32 or big-endian descriptors, not decoded");
			}
		}
		return;
	}
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_ARM_S1,
		     .granule_lg2 = g, .ias_lg2 = ias, .oas_lg2 = oas);
	if (insp_tab_get(s, &cfg, ttb0, who, "SMMUv3 5.4", loc, q0,
			 "TTB0 (T0SZ, TG0, IPS give the table)", &t))
		return;
	if (!o->validate) {
		if (o->json) {
			insp_item_open(s);
			fprintf(s->out, "\"sid\": %u, \"ssid\": %u, \"asid\": %u, "
				"\"stage\": 1, \"granule\": %u, \"ias\": %u, \"oas\": %u, "
				"\"ttb0\": \"0x%" PRIx64 "\"", e->sid, ssid, CD_ASID(q0),
				1u << g, ias, oas, ttb0);
		} else {
			fprintf(s->out, "%s ssid %u asid %u stage-1 %uK %u-bit ttb0 0x%"
				PRIx64 "%s", e->who, ssid, CD_ASID(q0), (1u << g) >> 10,
				ias, ttb0, (q0 & CD_EPD1) ? "" : " (TTB1 not decoded)");
		}
	}
	insp_tab_show(s, &t, "ranges", who);
	if (!o->validate && o->json)
		fputc('}', s->out);
}

/* The CD table of a stage-1 STE (S1Fmt: linear, or 2-level 4K/64K leaves). */
static void walk_cds(struct insp *s, const struct smmu_ste *e, const char *loc)
{
	uint64_t ptr = e->q[0] & ADDR_51_6;
	unsigned int fmt = STE_S1FMT(e->q[0]), max = STE_S1CDMAX(e->q[0]);
	uint64_t n = 1ull << max;
	const uint8_t *t;

	if (fmt == 3 || max > 20) {
		insp_report(s, INSP_BAD_ENCODING, "SMMUv3 5.2", loc, e->q[0],
			    fmt == 3 ? "S1Fmt 11b is reserved"
				     : "S1CDMax above 20 (SSIDs are at most 20 bits)");
		return;
	}
	if (!fmt || !max) {
		/* Linear: 2^S1CDMax CDs (one when S1CDMax is 0). */
		t = insp_img_ptr(&s->im, ptr, n * CD_SIZE);
		if (!t) {
			insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "SMMUv3 5.2", loc,
				    e->q[0], "S1ContextPtr: CD table outside the image");
			return;
		}
		if (!insp_charge(&s->im, n * CD_SIZE))
			return;
		for (uint64_t i = 0; i < n; i++)
			if (insp_rd64(t + i * CD_SIZE) & CD_V)
				show_cd(s, e, (uint32_t)i, ptr + i * CD_SIZE,
					t + i * CD_SIZE);
		return;
	} else {
		unsigned int leaf_lg2 = fmt == 1 ? 6 : 10; /* CDs per leaf */
		uint64_t l1n = max > leaf_lg2 ? 1ull << (max - leaf_lg2) : 1;
		char dloc[160];

		t = insp_img_ptr(&s->im, ptr, l1n * 8);
		if (t && !insp_charge(&s->im, l1n * 8))
			return;
		if (!t) {
			insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "SMMUv3 5.2", loc,
				    e->q[0], "S1ContextPtr: L1 CD table outside the image");
			return;
		}
		for (uint64_t i = 0; i < l1n; i++) {
			uint64_t d = insp_rd64(t + i * 8), l2 = d & ADDR_51_12;
			uint64_t leaf = 1ull << leaf_lg2;
			const uint8_t *c;

			if (!(d & 1))
				continue;
			snprintf(dloc, sizeof(dloc), "%s: L1 CD table 0x%" PRIx64
				 " entry %" PRIu64, e->who, ptr, i);
			if (d & 0xffeull) {
				insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "SMMUv3 5.4.1",
					    dloc, d, "reserved bit set in an L1 CD descriptor");
				continue;
			}
			c = insp_img_ptr(&s->im, l2, leaf * CD_SIZE);
			if (!c) {
				insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "SMMUv3 5.4.1",
					    dloc, d, "L2 CD table outside the image");
				continue;
			}
			if (!insp_charge(&s->im, leaf * CD_SIZE))
				return;
			for (uint64_t j = 0; j < leaf; j++)
				if (insp_rd64(c + j * CD_SIZE) & CD_V)
					show_cd(s, e, (uint32_t)(i * leaf + j),
						l2 + j * CD_SIZE, c + j * CD_SIZE);
		}
	}
}

/* The stage-2 table of an STE (S2TTB with S2T0SZ, S2SL0, S2TG, S2PS). */
static void show_s2(struct insp *s, const struct smmu_ste *e, const char *loc)
{
	const struct insp_opts *o = s->o;
	uint64_t q2 = e->q[2], ttb = e->q[3] & ADDR_51_4;
	unsigned int g = tg_lg2(STE_S2TG(q2)), oas = ps_bits(STE_S2PS(q2));
	unsigned int ias = 64 - STE_S2T0SZ(q2), sl0 = STE_S2SL0(q2);
	unsigned int levels, natural;
	struct insp_tab t;

	if (!g || !oas || sl0 == 3) {
		insp_report(s, INSP_BAD_ENCODING, "SMMUv3 5.2", loc, q2,
			    !g ? "S2TG encoding 11b is reserved" :
			    !oas ? "S2PS encoding 111b is reserved" :
				   "S2SL0 11b is reserved");
		return;
	}
	if (!(q2 & STE_S2AA64) || (q2 & STE_S2ENDI)) {
		if (!o->validate && !o->json)
			fprintf(s->out, "%s stage-2: AArch32 or big-endian descriptors, not decoded\n",
				e->who);
		return;
	}
	/* Start level from SL0 (4K: 0 level 2, 1 level 1, 2 level 0; 16K/64K: one more). */
	levels = g == 12 ? sl0 + 2 : sl0 + 1;
	natural = ias > g ? (ias - g + (g - 3) - 1) / (g - 3) : 0;
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_ARM_S2,
		     .granule_lg2 = g, .ias_lg2 = ias, .oas_lg2 = oas,
		     .levels = levels);
	if (levels + 1 == natural) {
		cfg.flags = IOMMUPT_CFG_ARM_CONCAT; /* concatenated top tables */
	} else if (levels != natural) {
		insp_report(s, IOMMUPT_BAD_LEAF_LEVEL, "SMMUv3 5.2", loc, q2,
			    "S2SL0 and S2T0SZ disagree: the starting level cannot resolve the input size");
		return;
	}
	if (insp_tab_get(s, &cfg, ttb, e->who, "SMMUv3 5.2", loc, e->q[3],
			 "S2TTB (S2T0SZ, S2SL0, S2TG, S2PS give the table)", &t))
		return;
	if (!o->validate) {
		if (o->json) {
			insp_item_open(s);
			fprintf(s->out, "\"sid\": %u, \"vmid\": %u, \"stage\": 2, "
				"\"granule\": %u, \"ias\": %u, \"oas\": %u, \"levels\": %u, "
				"\"s2ttb\": \"0x%" PRIx64 "\"", e->sid,
				(unsigned int)(q2 & 0xffff), 1u << g, ias, oas, levels, ttb);
		} else {
			fprintf(s->out, "%s vmid %u stage-2 %uK %u-bit %u-level s2ttb 0x%"
				PRIx64, e->who, (unsigned int)(q2 & 0xffff),
				(1u << g) >> 10, ias, levels, ttb);
		}
	}
	insp_tab_show(s, &t, "ranges", e->who);
	if (!o->validate && o->json)
		fputc('}', s->out);
}

static void show_ste(struct insp *s, uint32_t sid, uint64_t oa,
		     const uint8_t *p)
{
	const struct insp_opts *o = s->o;
	struct smmu_ste e = { .sid = sid, .oa = oa };
	unsigned int cfg;
	char loc[128];

	for (unsigned int i = 0; i < 4; i++)
		e.q[i] = insp_rd64(p + 8 * i);
	if (!(e.q[0] & STE_V))
		return;
	snprintf(e.who, sizeof(e.who), "sid 0x%x", sid);
	snprintf(loc, sizeof(loc), "%s: STE at 0x%" PRIx64, e.who, oa);
	cfg = STE_CONFIG(e.q[0]);
	if (cfg && !(cfg & 4)) {
		insp_report(s, INSP_BAD_ENCODING, "SMMUv3 5.2", loc, e.q[0],
			    "Config 001b-011b is reserved");
		return;
	}
	if (cfg == 0 || cfg == 4) {
		if (!o->validate) {
			if (o->json) {
				insp_item_open(s);
				fprintf(s->out, "\"sid\": %u, \"config\": \"%s\"}", sid,
					cfg ? "bypass" : "abort");
			} else {
				fprintf(s->out, "%s config %s\n", e.who,
					cfg ? "bypass" : "abort");
			}
		}
		return;
	}
	/*
	 * Nested (S1 and S2): the CD table and the stage-1 tables are at
	 * IPAs that stage 2 translates (3.3.2); only stage 2 is read here.
	 */
	if (cfg == (4 | CFG_S1 | CFG_S2) && !o->validate) {
		if (o->json) {
			insp_item_open(s);
			fprintf(s->out, "\"sid\": %u, \"config\": \"nested\", "
				"\"s1contextptr_ipa\": \"0x%" PRIx64 "\"}", sid,
				e.q[0] & ADDR_51_6);
		} else {
			fprintf(s->out, "%s config nested: CD table at IPA 0x%" PRIx64
				" (stage 1 not decoded)\n", e.who, e.q[0] & ADDR_51_6);
		}
	}
	if (cfg == (4 | CFG_S1))
		walk_cds(s, &e, loc);
	if (cfg & CFG_S2)
		show_s2(s, &e, loc);
}

int insp_run_smmu(struct insp *s)
{
	const struct insp_opts *o = s->o;
	uint64_t base = o->addr & ADDR_51_6;
	unsigned int lg = o->smmu_log2size, split = o->smmu_split;
	const uint8_t *t;
	char loc[128];

	if (o->addr & ~ADDR_51_6 & ~(1ull << 62)) {
		fprintf(s->err, "iommupt: STRTAB_BASE 0x%" PRIx64
			" has reserved bits set or is not 64-byte aligned (SMMUv3 6.3.23)\n",
			o->addr);
		return -EINVAL;
	}
	if (lg > 32 || (split && split != 6 && split != 8 && split != 10) ||
	    (split && lg <= split)) {
		fprintf(s->err, "iommupt: LOG2SIZE %u with SPLIT %u is not a stream table (SMMUv3 6.3.24: LOG2SIZE <= 32, SPLIT 6, 8 or 10 below it)\n",
			lg, split);
		return -EINVAL;
	}
	if (!split) {
		t = insp_img_ptr(&s->im, base, (STE_SIZE + 0ull) << lg);
	} else {
		t = insp_img_ptr(&s->im, base, 8ull << (lg - split));
	}
	if (!t) {
		fprintf(s->err, "iommupt: stream table 0x%" PRIx64
			" is not inside the image\n", base);
		return -ERANGE;
	}
	if (o->json)
		fprintf(s->out, "{\n  \"mode\": \"smmu-strtab\", \"stream_table\": \"0x%"
			PRIx64 "\", \"log2size\": %u, \"split\": %u,\n  \"%s\": [",
			base, lg, split, o->validate ? "findings" : "streams");
	else if (!o->validate)
		fprintf(s->out, "SMMUv3 %s stream table 0x%" PRIx64 ", %u-bit StreamIDs%s\n",
			split ? "2-level" : "linear", base, lg,
			split ? "" : "");
	if (!split) {
		for (uint64_t sid = 0; sid < (1ull << lg); sid++)
			show_ste(s, (uint32_t)sid, base + sid * STE_SIZE,
				 t + sid * STE_SIZE);
	} else {
		for (uint64_t i = 0; i < (1ull << (lg - split)); i++) {
			uint64_t d = insp_rd64(t + i * 8), l2 = d & ADDR_51_6;
			unsigned int span = L1STD_SPAN(d);
			uint64_t n;
			const uint8_t *l;

			if (!span)
				continue;
			snprintf(loc, sizeof(loc), "L1 stream table 0x%" PRIx64
				 " entry %" PRIu64 " (sid 0x%" PRIx64 ")", base, i,
				 i << split);
			if (span > split + 1) {
				insp_report(s, INSP_BAD_ENCODING, "SMMUv3 5.2", loc, d,
					    "Span larger than SPLIT + 1");
				continue;
			}
			if (d & 0x20) {
				insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "SMMUv3 5.2",
					    loc, d, "reserved bit 5 set in an L1 descriptor");
				continue;
			}
			n = 1ull << (span - 1);
			if (l2 & (n * STE_SIZE - 1)) {
				insp_report(s, IOMMUPT_BAD_TABLE_ALIGN, "SMMUv3 5.2", loc, d,
					    "L2Ptr not aligned to the level-2 table size");
				continue;
			}
			l = insp_img_ptr(&s->im, l2, n * STE_SIZE);
			if (!l) {
				insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "SMMUv3 5.2",
					    loc, d, "level-2 stream table outside the image");
				continue;
			}
			if (!insp_charge(&s->im, n * STE_SIZE))
				break;
			for (uint64_t j = 0; j < n; j++)
				show_ste(s, (uint32_t)((i << split) + j),
					 l2 + j * STE_SIZE, l + j * STE_SIZE);
		}
	}
	if (o->json && !o->validate)
		fputs("\n  ]", s->out);
	return 0;
}
