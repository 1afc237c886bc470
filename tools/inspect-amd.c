// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Inspector: the AMD-Vi device table (AMD I/O Virtualization Technology
 * (IOMMU) Specification 2.2.2) down to the v1 host page tables its
 * entries name (2.2.3, decoded by libiommupt).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"

/*
 * Device Table Base Address Register (3.4.1): bits 51:12 base, 8:0 Size
 * (the table is (Size + 1) * 4 KiB), 11:9 and 63:52 reserved.
 */
#define DTBAR_BASE(v)  ((uint64_t)((v) & 0x000ffffffffff000ull))
#define DTBAR_SIZE(v)  ((((v) & 0x1ffull) + 1) << 12)
#define DTBAR_RSVD     (0xe00ull | 0xfff0000000000000ull)

/*
 * Device table entry (2.2.2.1), 256 bits, indexed by DeviceID
 * (bus << 8 | devfn). Quadword 0: bit 0 V, 1 TV, 6:2 reserved, 8:7 HAD,
 * 11:9 Mode (0 no translation, 1-6 levels, 7 reserved), 51:12 host page
 * table root pointer, 52 PPR, 53 GPRP, 54 GIoV, 55 GV, 57:56 GLX, 60:58
 * GCR3 table root bits 14:12, 61 IR, 62 IW, 63 reserved. Quadword 1: bits
 * 15:0 DomainID, then the rest of the GCR3 root and the IOTLB/cache
 * controls. Quadwords 2-3: interrupt remapping (not decoded).
 */
#define DTE_SIZE       32
#define DTE_V          (1ull << 0)
#define DTE_TV         (1ull << 1)
#define DTE_RSVD0      ((0x1full << 2) | (1ull << 63))
#define DTE_MODE(q)    ((unsigned int)((q) >> 9) & 7)
#define DTE_ROOT(q)    ((uint64_t)((q) & 0x000ffffffffff000ull))
#define DTE_GV         (1ull << 55)
#define DTE_IR         (1ull << 61)
#define DTE_IW         (1ull << 62)
#define DTE_DOMAIN(q1) ((unsigned int)((q1) & 0xffff))

static void dte_head(struct insp *s, const char *sid, unsigned int devid,
		     uint64_t q0, uint64_t q1)
{
	unsigned int mode = DTE_MODE(q0);
	bool tv = q0 & DTE_TV;

	if (s->o->json) {
		insp_item_open(s);
		fprintf(s->out, "\"sid\": \"%s\", \"devid\": %u, \"domain\": %u, "
			"\"tv\": %s, \"mode\": %u, \"ir\": %s, \"iw\": %s, "
			"\"gv\": %s", sid, devid, DTE_DOMAIN(q1),
			tv ? "true" : "false", mode,
			(q0 & DTE_IR) ? "true" : "false",
			(q0 & DTE_IW) ? "true" : "false",
			(q0 & DTE_GV) ? "true" : "false");
		if (tv && mode)
			fprintf(s->out, ", \"root\": \"0x%" PRIx64 "\"", DTE_ROOT(q0));
		return;
	}
	fprintf(s->out, "%s devid 0x%04x domain %u", sid, devid, DTE_DOMAIN(q1));
	if (!tv)
		fputs(" tv=0 (no translation information)", s->out);
	else if (!mode)
		fprintf(s->out, " mode 0 (untranslated)");
	else
		fprintf(s->out, " mode %u (%u-level) root 0x%" PRIx64, mode, mode,
			DTE_ROOT(q0));
	fprintf(s->out, " ir=%u iw=%u%s", !!(q0 & DTE_IR), !!(q0 & DTE_IW),
		(q0 & DTE_GV) ? " gv (guest GCR3 tables not decoded)" : "");
}

int insp_run_amd(struct insp *s)
{
	const struct insp_opts *o = s->o;
	uint64_t base = DTBAR_BASE(o->addr), size = o->amd_dt_size;
	const uint8_t *dt;
	uint64_t blocked = 0;
	char loc[128], sid[16];

	if (size && (o->addr & 0xfff)) {
		fprintf(s->err, "iommupt: device table 0x%" PRIx64
			" is not 4 KiB aligned (AMD IOMMU 3.4.1)\n", o->addr);
		return -EINVAL;
	}
	if (o->addr & DTBAR_RSVD) {
		fprintf(s->err, "iommupt: device table base register 0x%" PRIx64
			" has reserved bits set (AMD IOMMU 3.4.1)\n", o->addr);
		return -EINVAL;
	}
	if (!size)
		size = DTBAR_SIZE(o->addr);
	if (size & 0xfff || size > (2u << 20)) {
		fprintf(s->err, "iommupt: device table size 0x%" PRIx64
			" is not 4 KiB..2 MiB in 4 KiB steps (AMD IOMMU 3.4.1)\n",
			size);
		return -EINVAL;
	}
	dt = insp_img_ptr(&s->im, base, size);
	if (!dt) {
		fprintf(s->err, "iommupt: device table 0x%" PRIx64 " (0x%" PRIx64
			" bytes) is not inside the image\n", base, size);
		return -ERANGE;
	}
	if (o->json)
		fprintf(s->out, "{\n  \"mode\": \"amd-devtab\", \"device_table\": \"0x%"
			PRIx64 "\", \"entries\": %" PRIu64 ",\n  \"%s\": [", base,
			size / DTE_SIZE, o->validate ? "findings" : "devices");
	else if (!o->validate)
		fprintf(s->out, "AMD-Vi device table 0x%" PRIx64 ", %" PRIu64
			" entries\n", base, size / DTE_SIZE);

	for (unsigned int devid = 0; devid < size / DTE_SIZE; devid++) {
		const uint8_t *e = dt + (uint64_t)devid * DTE_SIZE;
		uint64_t q0 = insp_rd64(e), q1 = insp_rd64(e + 8);
		unsigned int mode = DTE_MODE(q0);
		struct insp_tab t;

		if (!(q0 & DTE_V))
			continue;
		snprintf(sid, sizeof(sid), "%02x:%02x.%u", devid >> 8,
			 (devid >> 3) & 31, devid & 7);
		snprintf(loc, sizeof(loc), "%s: device table 0x%" PRIx64
			 " entry 0x%04x", sid, base, devid);
		if (q0 & DTE_RSVD0) {
			insp_report(s, IOMMUPT_BAD_RESERVED_BITS, "AMD IOMMU 2.2.2.1",
				    loc, q0, "reserved bit set in a device table entry (bits 6:2, 63)");
			continue;
		}
		if ((q0 & DTE_TV) && mode == 7) {
			insp_report(s, INSP_BAD_ENCODING, "AMD IOMMU 2.2.2.1", loc, q0,
				    "paging mode 7 is reserved (valid: 0 no translation, 1-6 levels)");
			continue;
		}
		if (!(q0 & DTE_TV) || !mode) {
			/* Linux marks every unused DeviceID V=1 TV=1 Mode=0. */
			if ((q0 & DTE_TV) && !(q0 & (DTE_IR | DTE_IW)) &&
			    !(q0 & DTE_GV)) {
				blocked++;
				continue;
			}
			if (!o->validate) {
				dte_head(s, sid, devid, q0, q1);
				fputs(o->json ? "}" : "\n", s->out);
			}
			continue;
		}
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_AMD_V1,
			     .levels = mode);
		if (insp_tab_get(s, &cfg, DTE_ROOT(q0), sid, "AMD IOMMU 2.2.2.1",
				 loc, q0, "host page table root pointer", &t))
			continue;
		if (!o->validate)
			dte_head(s, sid, devid, q0, q1);
		insp_tab_show(s, &t, "ranges", sid);
		if (!o->validate && o->json)
			fputc('}', s->out);
	}
	if (!o->validate && !o->json && blocked)
		fprintf(s->out, "%" PRIu64 " more valid entries translate nothing and block all DMA (TV=1, Mode=0, IR=IW=0)\n",
			blocked);
	if (o->json && !o->validate)
		fprintf(s->out, "\n  ], \"blocked\": %" PRIu64, blocked);
	return 0;
}
