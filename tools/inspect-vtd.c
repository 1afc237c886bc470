// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Inspector: Intel VT-d root, context and PASID structures, legacy and
 * scalable mode (VT-d spec chapter 9), down to the page tables they name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"

/*
 * RTADDR_REG (11.4.5): bits 63:12 root table address, 11:10 TTM (00
 * legacy, 01 scalable, 10 reserved, 11 abort-DMA mode), 9:0 reserved.
 */
#define RTADDR_TTM(v) ((unsigned int)((v) >> 10) & 3)

#define VTD_P            (1ull << 0)
#define VTD_FPD          (1ull << 1)
#define VTD_HAW          52 /* widest host address width (CAP.MGAW <= 57, HAW <= 52) */
#define VTD_ABOVE_HAW    (~((1ull << VTD_HAW) - 1))
#define VTD_ADDR         ((uint64_t)(((1ull << VTD_HAW) - 1) & ~0xfffull))

/*
 * Legacy root entry (9.1), 128 bits: bit 0 Present, bits 11:1 reserved,
 * bits 63:12 context-table pointer, bits 127:64 reserved. 256 entries,
 * indexed by bus. Legacy context entry (9.3): bit 0 P, bit 1 FPD, bits
 * 3:2 TT, bits 11:4 reserved, bits 63:12 second-stage page-table pointer;
 * bits 66:64 AW, 70:67 ignored, 71 reserved, 87:72 DID, 127:88 reserved.
 * 256 per context table, indexed by device/function.
 */
#define VTD_TT(lo)       (((lo) >> 2) & 3)
#define VTD_TT_PT        2u
#define VTD_TT_RSVD      3u
#define VTD_ROOT_RSVD_LO (0xffeull | VTD_ABOVE_HAW)
#define VTD_CTX_RSVD_LO  (0xff0ull | VTD_ABOVE_HAW)
#define VTD_CTX_RSVD_HI  ((1ull << 7) | ~((1ull << 24) - 1))
#define VTD_CTX_AW(hi)   ((unsigned int)((hi) & 7))
#define VTD_CTX_DID(hi)  ((unsigned int)(((hi) >> 8) & 0xffff))

/*
 * Scalable-mode root entry (9.2): bit 0 LP, 11:1 reserved, 63:12 LCTP
 * (devfn 0-127); bit 64 UP, 75:65 reserved, 127:76 UCTP (devfn 128-255).
 * Scalable-mode context entry (9.4), 256 bits, 128 per table: bit 0 P,
 * 1 FPD, 2 DTE, 3 PASIDE, 4 PRE, 8:5 reserved, 11:9 PDTS, 63:12
 * PASIDDIRPTR; 83:64 RID_PASID, 84 RID_PRIV, 255:85 reserved.
 * PASID directory entry (9.5): bit 0 P, 1 FPD, 11:2 reserved, 63:12
 * SMPTBLPTR; 2^(PDTS + 7) entries, indexed by PASID[19:6].
 * Scalable-mode PASID table entry (9.6), 512 bits, 64 per table indexed
 * by PASID[5:0]: qw0 bit 0 P, 1 FPD, 4:2 AW, 8:6 PGTT, 9 SSADE, 63:12
 * SSPTPTR; qw1 15:0 DID; qw2 bit 0 SRE, 3:2 FSPM, 4 WPE, 63:12 FSPTPTR;
 * qw3..qw7 reserved.
 */
#define SM_CTX_RSVD_LO   (0x1e0ull | VTD_ABOVE_HAW)
#define SM_CTX_RSVD_HI   (~((1ull << 21) - 1))
#define SM_PDIR_RSVD     (0xffcull | VTD_ABOVE_HAW)
#define PGTT(q0)         ((unsigned int)((q0) >> 6) & 7)
#define PE_AW(q0)        ((unsigned int)((q0) >> 2) & 7)
#define PE_FSPM(q2)      ((unsigned int)((q2) >> 2) & 3)

enum { PGTT_FS = 1, PGTT_SS = 2, PGTT_NESTED = 3, PGTT_PT = 4 };

static void sid_str(char *buf, size_t n, unsigned int bus, unsigned int devfn)
{
	snprintf(buf, n, "%02x:%02x.%u", bus, devfn >> 3, devfn & 7);
}

/* ----------------------------------------------------------- legacy */

static void legacy_device_head(struct insp *s, const char *sid,
			       unsigned int did, unsigned int aw,
			       unsigned int tt, uint64_t lo, bool fpd)
{
	static const char *const tt_name[] = {
		"untranslated", "all", "pass-through", "reserved",
	};
	unsigned int bits = aw >= 1 && aw <= 3 ? 30 + 9 * aw : 0;

	if (s->o->json) {
		insp_item_open(s);
		fprintf(s->out,
			"\"sid\": \"%s\", \"did\": %u, \"tt\": \"%s\", "
			"\"fpd\": %s, \"aw\": %u, \"levels\": %u, \"slptptr\": \"0x%"
			PRIx64 "\"",
			sid, did, tt_name[tt], fpd ? "true" : "false", bits,
			bits ? aw + 2 : 0, lo & VTD_ADDR);
	} else {
		fprintf(s->out, "%s did %u tt %s aw %u-bit (%u-level)%s", sid,
			did, tt_name[tt], bits, bits ? aw + 2 : 0,
			fpd ? " fpd" : "");
		if (tt != VTD_TT_PT)
			fprintf(s->out, " second-stage 0x%" PRIx64, lo & VTD_ADDR);
	}
}

/* True when a page-table pointer is the root table or a context table. */
static bool is_vtd_table(const uint64_t *ctp, unsigned int n, uint64_t rt,
			 uint64_t p)
{
	if (p == rt)
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (ctp[i] && ctp[i] == p)
			return true;
	return false;
}

/*
 * Context-table pointers of the root table (legacy: one per bus; scalable:
 * lower and upper half per bus), each checked once: reserved bits, inside
 * the image, not the root table, not reached twice.
 */
static void read_root(struct insp *s, uint64_t rt, const uint8_t *root,
		      bool sm, uint64_t *ctp)
{
	const char *spec = sm ? "VT-d 9.2" : "VT-d 9.1";
	unsigned int n = sm ? 512 : 256;
	char loc[128];

	for (unsigned int i = 0; i < n; i++) {
		unsigned int bus = sm ? i / 2 : i;
		uint64_t lo = insp_rd64(root + bus * 16);
		uint64_t hi = insp_rd64(root + bus * 16 + 8);
		uint64_t e = sm && (i & 1) ? hi : lo;
		uint64_t rsvd = sm && (i & 1) ? (0xffeull | VTD_ABOVE_HAW)
					      : VTD_ROOT_RSVD_LO;

		ctp[i] = 0;
		if (!(e & VTD_P))
			continue;
		snprintf(loc, sizeof(loc), "root table 0x%" PRIx64 " bus %02x%s",
			 rt, bus, !sm ? "" : (i & 1) ? " upper" : " lower");
		if ((e & rsvd) || (!sm && hi)) {
			insp_report(s, IOMMUPT_BAD_RESERVED_BITS, spec, loc,
				    (e & rsvd) ? e : hi,
				    "reserved bit set in a root entry");
			continue;
		}
		if (!insp_img_ptr(&s->im, e & VTD_ADDR, 4096)) {
			insp_report(s, IOMMUPT_BAD_TABLE_MISSING, spec, loc, e,
				    "context-table pointer outside the image");
			continue;
		}
		if ((e & VTD_ADDR) == rt) {
			insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, spec, loc, e,
				    "context-table pointer is the root table (loop)");
			continue;
		}
		ctp[i] = e & VTD_ADDR;
		for (unsigned int b = 0; b < i; b++) {
			if (ctp[b] == ctp[i]) {
				insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, spec, loc, e,
					    sm ? "context table reached from two root entries"
					       : "context table reached from two buses");
				ctp[i] = 0;
				break;
			}
		}
	}
}

static void run_legacy(struct insp *s, uint64_t rt, const uint8_t *root)
{
	const struct insp_opts *o = s->o;
	uint64_t ctp[256];
	char loc[128], sid[16];

	read_root(s, rt, root, false, ctp);
	/* Context entries, in source-ID order. */
	for (unsigned int bus = 0; bus < 256; bus++) {
		const uint8_t *ct;

		if (!ctp[bus])
			continue;
		ct = insp_img_ptr(&s->im, ctp[bus], 4096);
		for (unsigned int devfn = 0; devfn < 256; devfn++) {
			uint64_t lo = insp_rd64(ct + devfn * 16);
			uint64_t hi = insp_rd64(ct + devfn * 16 + 8);
			unsigned int tt = VTD_TT(lo), aw = VTD_CTX_AW(hi);
			uint64_t slpt = lo & VTD_ADDR;
			struct insp_tab t;

			if (!(lo & VTD_P))
				continue;
			sid_str(sid, sizeof(sid), bus, devfn);
			snprintf(loc, sizeof(loc), "%s: context table 0x%" PRIx64
				 " entry %u", sid, ctp[bus], devfn);
			if ((lo & VTD_CTX_RSVD_LO) || (hi & VTD_CTX_RSVD_HI)) {
				insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.3",
					    loc, (lo & VTD_CTX_RSVD_LO) ? lo : hi,
					    "reserved bit set in a context entry");
				continue;
			}
			if (tt == VTD_TT_RSVD) {
				insp_report(s, INSP_BAD_ENCODING, "VT-d 9.3", loc, lo,
					    "translation type 11b is reserved");
				continue;
			}
			if (aw < 1 || aw > 3) {
				insp_report(s, INSP_BAD_ENCODING, "VT-d 9.3", loc, hi,
					    "address width encoding is reserved (valid: 001b 39-bit, 010b 48-bit, 011b 57-bit)");
				continue;
			}
			if (tt == VTD_TT_PT) {
				if (!o->validate) {
					legacy_device_head(s, sid, VTD_CTX_DID(hi), aw,
							   tt, lo, lo & VTD_FPD);
					fputs(o->json ? "}" : "\n", s->out);
				}
				continue;
			}
			if (is_vtd_table(ctp, 256, rt, slpt)) {
				insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.3", loc, lo,
					    "second-stage table pointer is a root or context table");
				continue;
			}
			IOMMUPT_OPTS(iommupt_domain_cfg, cfg,
				     .format = IOMMUPT_FMT_VTD_SS, .levels = aw + 2);
			if (insp_tab_get(s, &cfg, slpt, sid, "VT-d 9.3", loc, lo,
					 "second-stage table pointer", &t))
				continue;
			if (!o->validate)
				legacy_device_head(s, sid, VTD_CTX_DID(hi), aw, tt,
						   lo, lo & VTD_FPD);
			insp_tab_show(s, &t, "ranges", sid);
			if (!o->validate && o->json)
				fputc('}', s->out);
		}
	}
}

/* --------------------------------------------------------- scalable */

static const char *pgtt_name(unsigned int pgtt)
{
	switch (pgtt) {
	case PGTT_FS: return "first-stage";
	case PGTT_SS: return "second-stage";
	case PGTT_NESTED: return "nested";
	case PGTT_PT: return "pass-through";
	default: return "reserved";
	}
}

/* One present PASID table entry: check it, then print or validate. */
static void sm_pasid(struct insp *s, const char *sid, uint32_t pasid,
		     bool is_rid, uint64_t pe_oa, const uint8_t *pe,
		     const uint64_t *ctp, uint64_t rt)
{
	const struct insp_opts *o = s->o;
	uint64_t q0 = insp_rd64(pe), q1 = insp_rd64(pe + 8);
	uint64_t q2 = insp_rd64(pe + 16);
	unsigned int pgtt = PGTT(q0), aw = PE_AW(q0), fspm = PE_FSPM(q2);
	bool fs = pgtt == PGTT_FS || pgtt == PGTT_NESTED;
	bool ss = pgtt == PGTT_SS || pgtt == PGTT_NESTED;
	struct insp_tab tf = { 0 }, ts = { 0 };
	char loc[160], who[48];

	snprintf(loc, sizeof(loc), "%s pasid %u: PASID table entry at 0x%" PRIx64,
		 sid, pasid, pe_oa);
	snprintf(who, sizeof(who), "%s pasid %u", sid, pasid);
	for (unsigned int i = 3; i < 8; i++) {
		if (insp_rd64(pe + 8 * i)) {
			insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.6", loc,
				    insp_rd64(pe + 8 * i),
				    "reserved bit set in bits 511:192 of a PASID table entry");
			return;
		}
	}
	if (pgtt != PGTT_FS && pgtt != PGTT_SS && pgtt != PGTT_NESTED &&
	    pgtt != PGTT_PT) {
		insp_report(s, INSP_BAD_ENCODING, "VT-d 9.6", loc, q0,
			    "PGTT encoding is reserved (valid: 001b first-stage, 010b second-stage, 011b nested, 100b pass-through)");
		return;
	}
	if (ss && (aw < 1 || aw > 3)) {
		insp_report(s, INSP_BAD_ENCODING, "VT-d 9.6", loc, q0,
			    "address width encoding is reserved (valid: 001b 39-bit, 010b 48-bit, 011b 57-bit)");
		return;
	}
	if (fs && fspm > 1) {
		insp_report(s, INSP_BAD_ENCODING, "VT-d 9.6", loc, q2,
			    "first-stage paging mode is reserved (valid: 00b 4-level, 01b 5-level)");
		return;
	}
	if ((ss && (q0 & VTD_ABOVE_HAW)) || (fs && (q2 & VTD_ABOVE_HAW))) {
		insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.6", loc,
			    (ss && (q0 & VTD_ABOVE_HAW)) ? q0 : q2,
			    "page-table pointer bits above the host address width set");
		return;
	}
	if ((ss && is_vtd_table(ctp, 512, rt, q0 & VTD_ADDR)) ||
	    (pgtt == PGTT_FS && is_vtd_table(ctp, 512, rt, q2 & VTD_ADDR))) {
		insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.6", loc, q0,
			    "page-table pointer is a root or context table");
		return;
	}
	/*
	 * Nested: FSPTPTR and the first-stage tables are guest-physical
	 * addresses the second stage translates (3.8); only the second
	 * stage is read from the image.
	 */
	if (pgtt == PGTT_FS) {
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_X86_64,
			     .levels = fspm ? 5 : 4);
		if (insp_tab_get(s, &cfg, q2 & VTD_ADDR, who, "VT-d 9.6", loc, q2,
				 "first-stage table pointer", &tf))
			return;
	}
	if (ss) {
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
			     .levels = aw + 2);
		if (insp_tab_get(s, &cfg, q0 & VTD_ADDR, who, "VT-d 9.6", loc, q0,
				 "second-stage table pointer", &ts)) {
			insp_tab_put(&tf);
			return;
		}
	}
	if (!o->validate) {
		unsigned int bits = 30 + 9 * aw;

		if (o->json) {
			insp_item_open(s);
			fprintf(s->out, "\"sid\": \"%s\", \"pasid\": %u, \"rid_pasid\": %s, "
				"\"did\": %u, \"pgtt\": \"%s\", \"fpd\": %s",
				sid, pasid, is_rid ? "true" : "false",
				(unsigned int)(q1 & 0xffff), pgtt_name(pgtt),
				(q0 & VTD_FPD) ? "true" : "false");
			if (fs)
				fprintf(s->out, ", \"fs_levels\": %u, \"fsptptr\": \"0x%"
					PRIx64 "\"", fspm ? 5 : 4, q2 & VTD_ADDR);
			if (ss)
				fprintf(s->out, ", \"aw\": %u, \"levels\": %u, "
					"\"ssptptr\": \"0x%" PRIx64 "\"", bits,
					aw + 2, q0 & VTD_ADDR);
		} else {
			fprintf(s->out, "%s pasid %u%s did %u pgtt %s%s", sid, pasid,
				is_rid ? " (rid_pasid)" : "",
				(unsigned int)(q1 & 0xffff), pgtt_name(pgtt),
				(q0 & VTD_FPD) ? " fpd" : "");
			if (fs)
				fprintf(s->out, "%s %u-level 0x%" PRIx64 "%s",
					ss ? " first-stage" : "", fspm ? 5 : 4,
					q2 & VTD_ADDR, ss ? " (guest-physical, not decoded)" : "");
			if (ss)
				fprintf(s->out, "%s aw %u-bit (%u-level) 0x%" PRIx64,
					fs ? " second-stage" : "", bits, aw + 2,
					q0 & VTD_ADDR);
			if (pgtt == PGTT_PT)
				fputc('\n', s->out);
		}
	}
	if (pgtt == PGTT_FS)
		insp_tab_show(s, &tf, "ranges", who);
	if (ss)
		insp_tab_show(s, &ts, fs ? "second_stage_ranges" : "ranges", who);
	if (!o->validate && o->json)
		fputc('}', s->out);
}

/* The PASID directory of one scalable-mode context entry. */
static void sm_device(struct insp *s, const char *sid, const char *loc,
		      uint64_t lo, uint64_t hi, const uint64_t *ctp, uint64_t rt)
{
	uint64_t dir = lo & VTD_ADDR;
	unsigned int pdts = (unsigned int)(lo >> 9) & 7;
	uint32_t entries = 1u << (pdts + 7), rid_pasid = hi & 0xfffff;
	const uint8_t *d = insp_img_ptr(&s->im, dir, (uint64_t)entries * 8);
	uint64_t *seen;
	char ploc[160];

	if (!d) {
		insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "VT-d 9.4", loc, lo,
			    "PASID directory outside the image");
		return;
	}
	if (is_vtd_table(ctp, 512, rt, dir)) {
		insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.4", loc, lo,
			    "PASID directory is a root or context table");
		return;
	}
	if (!insp_charge(&s->im, (uint64_t)entries * 8))
		return;
	/* PASID tables of this directory, to catch one reached twice. */
	seen = calloc(2 * (size_t)entries, sizeof(*seen));
	if (!seen) {
		fprintf(s->err, "iommupt: out of memory\n");
		s->findings++;
		return;
	}
	for (uint32_t i = 0; i < entries; i++) {
		uint64_t de = insp_rd64(d + 8 * i), pt = de & VTD_ADDR;
		const uint8_t *p;
		uint32_t h;

		if (!(de & VTD_P))
			continue;
		snprintf(ploc, sizeof(ploc), "%s: PASID directory 0x%" PRIx64
			 " entry %u", sid, dir, i);
		if (de & SM_PDIR_RSVD) {
			insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.5", ploc,
				    de, "reserved bit set in a PASID directory entry");
			continue;
		}
		p = insp_img_ptr(&s->im, pt, 4096);
		if (!p) {
			insp_report(s, IOMMUPT_BAD_TABLE_MISSING, "VT-d 9.5", ploc,
				    de, "PASID table pointer outside the image");
			continue;
		}
		if (is_vtd_table(ctp, 512, rt, pt) || pt == dir) {
			insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.5", ploc, de,
				    "PASID table is a root, context table or the directory");
			continue;
		}
		/* Open addressing over 2x the entries: never full. */
		h = (uint32_t)((pt >> 12) * 0x9e3779b97f4a7c15ull >> 40) %
		    (2 * entries);
		while (seen[h] && seen[h] != pt)
			h = (h + 1) % (2 * entries);
		if (seen[h]) {
			/* Reports are work too: charged, so a flood ends. */
			if (!insp_charge(&s->im, 1))
				break;
			insp_report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.5", ploc, de,
				    "PASID table reached from two directory entries");
			continue;
		}
		seen[h] = pt;
		if (!insp_charge(&s->im, 4096))
			break;
		for (uint32_t j = 0; j < 64; j++) {
			uint32_t pasid = i * 64 + j;

			if (!(insp_rd64(p + 64 * j) & VTD_P))
				continue;
			/* One visit per entry: output stays bounded too. */
			if (!insp_charge(&s->im, 1))
				break;
			sm_pasid(s, sid, pasid, pasid == rid_pasid, pt + 64 * j,
				 p + 64 * j, ctp, rt);
		}
	}
	free(seen);
}

static void run_scalable(struct insp *s, uint64_t rt, const uint8_t *root)
{
	uint64_t ctp[512];
	char loc[128], sid[16];

	read_root(s, rt, root, true, ctp);
	for (unsigned int i = 0; i < 512; i++) {
		const uint8_t *ct;

		if (!ctp[i])
			continue;
		ct = insp_img_ptr(&s->im, ctp[i], 4096);
		for (unsigned int k = 0; k < 128; k++) {
			unsigned int bus = i / 2, devfn = (i & 1) * 128 + k;
			const uint8_t *ce = ct + 32 * k;
			uint64_t lo = insp_rd64(ce), hi = insp_rd64(ce + 8);
			uint64_t w2 = insp_rd64(ce + 16), w3 = insp_rd64(ce + 24);

			if (!(lo & VTD_P))
				continue;
			sid_str(sid, sizeof(sid), bus, devfn);
			snprintf(loc, sizeof(loc), "%s: context table 0x%" PRIx64
				 " entry %u", sid, ctp[i], k);
			if ((lo & SM_CTX_RSVD_LO) || (hi & SM_CTX_RSVD_HI) || w2 || w3) {
				insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.4",
					    loc, (lo & SM_CTX_RSVD_LO) ? lo :
					    (hi & SM_CTX_RSVD_HI) ? hi : w2 ? w2 : w3,
					    "reserved bit set in a scalable-mode context entry");
				continue;
			}
			sm_device(s, sid, loc, lo, hi, ctp, rt);
		}
	}
}

int insp_run_vtd(struct insp *s)
{
	const struct insp_opts *o = s->o;
	uint64_t rt = o->addr & ~0xfffull;
	unsigned int ttm = RTADDR_TTM(o->addr);
	const uint8_t *root;

	if (o->addr & 0x3ff) {
		fprintf(s->err, "iommupt: RTADDR 0x%" PRIx64
			" is not 4 KiB aligned (bits 9:0 are reserved, VT-d 11.4.5)\n",
			o->addr);
		return -EINVAL;
	}
	if (ttm > 1) {
		fprintf(s->err, "iommupt: RTADDR 0x%" PRIx64 ": TTM %u%u%s has no root table to walk (VT-d 11.4.5)\n",
			o->addr, ttm >> 1, ttm & 1, ttm == 3 ? " (abort DMA mode)" : " (reserved)");
		return -EINVAL;
	}
	root = insp_img_ptr(&s->im, rt, 4096);
	if (!root) {
		fprintf(s->err, "iommupt: root table 0x%" PRIx64
			" is not inside the image\n", rt);
		return -ERANGE;
	}
	if (o->json)
		fprintf(s->out, "{\n  \"mode\": \"%s\", \"root_table\": \"0x%"
			PRIx64 "\",\n  \"%s\": [", ttm ? "vtd-scalable" : "vtd-legacy",
			rt, o->validate ? "findings" : "devices");
	else if (!o->validate)
		fprintf(s->out, "VT-d %s-mode root table 0x%" PRIx64 "\n",
			ttm ? "scalable" : "legacy", rt);
	if (ttm)
		run_scalable(s, rt, root);
	else
		run_legacy(s, rt, root);
	if (o->json && !o->validate)
		fputs("\n  ]", s->out);
	return 0;
}
