// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * inspect-mkimage: build memory images for tests/test-inspect.sh with the
 * library. Table pages come from a bump provider over an image buffer, so
 * the domain's tables land in the image at known OAs; for VT-d the root and
 * context tables (spec 9.1, 9.3) are written around them. A corruption name
 * damages one structure, for the validator's finding classes.
 *
 *   inspect-mkimage [--elf[=CORRUPTION]] OUT KIND [CORRUPTION]
 * KIND: vtd (legacy mode), vtd-sm (scalable mode), amd (device table),
 * smmu (linear stream table), smmu-2lvl, or a bare table: x86-64, amd-v1,
 * arm-s1-64k. --elf writes an ELF64 core (two PT_LOAD segments, listed
 * out of order, their data at offsets that are not 8-byte aligned) instead
 * of a raw image; its CORRUPTION damages the ELF headers.
 * Prints shell assignments (base=, rtaddr=, root=, ...) on stdout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/iommupt.h>

#include "inspect-elf.h"

#define IMG_BASE 0x100000ull
#define IMG_SIZE (2u << 20)
#define OUTSIDE 0x7ff000000ull /* an OA far past the image */

static uint8_t *img;
/* Fixed structures (root, context, PASID, device and stream tables) first. */
static uint64_t next_off = 0x20000;

static int bump_alloc(void *ctx, unsigned int lg2, void **cpu, uint64_t *oa)
{
	uint64_t size = 1ull << lg2;
	uint64_t off = (next_off + size - 1) & ~(size - 1);

	(void)ctx;
	if (off + size > IMG_SIZE)
		return -12; /* -ENOMEM */
	next_off = off + size;
	*cpu = img + off;
	*oa = IMG_BASE + off;
	return 0;
}

static unsigned int frees;

/* Validate's scratch for the adopted domain: ordinary heap memory. */
static int heap_alloc(void *ctx, unsigned int lg2, void **cpu, uint64_t *oa)
{
	(void)ctx;
	*cpu = calloc(1, (size_t)1 << lg2);
	*oa = 0;
	return *cpu ? 0 : -ENOMEM;
}

static void heap_free(void *ctx, void *cpu, uint64_t oa, unsigned int lg2)
{
	(void)ctx;
	(void)oa;
	(void)lg2;
	free(cpu);
}

static void bump_free(void *ctx, void *cpu, uint64_t oa, unsigned int lg2)
{
	frees++;
	(void)ctx;
	(void)cpu;
	(void)oa;
	(void)lg2;
}

static uint64_t *at(uint64_t oa)
{
	if (oa < IMG_BASE || oa - IMG_BASE >= IMG_SIZE) {
		fprintf(stderr, "inspect-mkimage: 0x%" PRIx64 " outside\n", oa);
		exit(2);
	}
	return (uint64_t *)(img + (oa - IMG_BASE));
}

static struct iommupt_domain *make(const struct iommupt_domain_cfg *cfg)
{
	static struct iommupt_mem mem;
	struct iommupt_domain *d;

	mem.sz = sizeof(mem);
	mem.alloc_table = bump_alloc;
	mem.free_table = bump_free;
	mem.cpu_offset = (intptr_t)((uintptr_t)img - IMG_BASE);
	if (iommupt_domain_create(cfg, &mem, &d)) {
		fprintf(stderr, "inspect-mkimage: create failed\n");
		exit(2);
	}
	return d;
}

static void map(struct iommupt_domain *d, uint64_t iova, uint64_t oa,
		uint64_t len, uint32_t prot)
{
	int rc = iommupt_domain_map(d, iova, oa, len, prot, NULL);

	if (rc) {
		fprintf(stderr, "inspect-mkimage: map 0x%" PRIx64 ": %d\n", iova, rc);
		exit(2);
	}
}

static uint64_t root_of(struct iommupt_domain *d)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);

	iommupt_domain_get_info(d, &info);
	return info.root_oa;
}

/* VT-d 9.1 root entry / 9.3 context entry (legacy mode). */
static void set_root(uint64_t rt, unsigned int bus, uint64_t ctp)
{
	at(rt)[bus * 2] = ctp | 1;
	at(rt)[bus * 2 + 1] = 0;
}

static void set_ctx(uint64_t ct, unsigned int devfn, uint64_t slpt,
		    unsigned int tt, unsigned int aw, unsigned int did)
{
	at(ct)[devfn * 2] = slpt | (uint64_t)tt << 2 | 1;
	at(ct)[devfn * 2 + 1] = aw | (uint64_t)did << 8;
}

#define SS_ADDR 0x000ffffffffff000ull

static int make_vtd(const char *corrupt)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c4, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_cfg, c3, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 3);
	uint64_t rt = IMG_BASE, ct0 = IMG_BASE + 0x1000, ct3 = IMG_BASE + 0x2000;
	struct iommupt_domain *d1 = make(&c4), *d2 = make(&c3);
	uint64_t s1 = root_of(d1), s2 = root_of(d2), l2, l1, l0;

	/* Domain 1: a 2M page, four read-only 4K pages, a 1G page. */
	map(d1, 0, 0x40000000, 2 << 20, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d1, 0x200000, 0x80000000, 0x4000, IOMMUPT_READ);
	map(d1, 0x40000000, 0xc0000000, 1 << 30, IOMMUPT_READ | IOMMUPT_WRITE);
	/* Domain 2: two write-only pages. */
	map(d2, 0x10000, 0x90000000, 0x2000, IOMMUPT_WRITE);

	set_root(rt, 0, ct0);
	set_root(rt, 3, ct3);
	set_ctx(ct0, 0x08, s1, 0, 2, 1); /* 00:01.0 */
	set_ctx(ct0, 0x10, s2, 0, 1, 2); /* 00:02.0 */
	set_ctx(ct0, 0x18, s1, 0, 2, 1); /* 00:03.0 shares domain 1 */
	set_ctx(ct3, 0x00, 0, 2, 2, 5);  /* 03:00.0 pass-through */

	l2 = at(s1)[0] & SS_ADDR;
	l1 = at(l2)[0] & SS_ADDR;
	l0 = at(l1)[1] & SS_ADDR;
	/*
	 * Done with the library before damaging anything: destroy only reads
	 * the tables and hands pages to bump_free, which keeps them.
	 */
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	if (!corrupt || !strcmp(corrupt, "none"))
		;
	else if (!strcmp(corrupt, "root-rsvd"))
		at(rt)[0] |= 1ull << 5;             /* 9.1: bits 11:1 */
	else if (!strcmp(corrupt, "root-outside"))
		at(rt)[3 * 2] = OUTSIDE | 1;
	else if (!strcmp(corrupt, "root-loop"))
		set_root(rt, 4, rt);
	else if (!strcmp(corrupt, "ctx-shared"))
		set_root(rt, 4, ct0);
	else if (!strcmp(corrupt, "ctx-rsvd"))
		at(ct0)[0x08 * 2 + 1] |= 1ull << 40; /* 9.3: bits 127:88 */
	else if (!strcmp(corrupt, "ctx-aw"))
		at(ct0)[0x10 * 2 + 1] = 5 | 2u << 8;  /* AW 101b reserved */
	else if (!strcmp(corrupt, "ctx-tt"))
		at(ct0)[0x10 * 2] |= 3u << 2;        /* TT 11b reserved */
	else if (!strcmp(corrupt, "slpt-outside"))
		set_ctx(ct0, 0x10, OUTSIDE, 0, 1, 2);
	else if (!strcmp(corrupt, "slpt-is-ctx"))
		set_ctx(ct0, 0x10, ct3, 0, 1, 2);
	else if (!strcmp(corrupt, "pte-rsvd"))
		at(l1)[0] |= 1ull << 12;  /* 2M page with low address bits */
	else if (!strcmp(corrupt, "pte-outside"))
		at(l1)[1] = OUTSIDE | 3;
	else if (!strcmp(corrupt, "pte-loop"))
		at(l1)[5] = l1 | 3;       /* L1 points at itself */
	else if (!strcmp(corrupt, "pte-alias"))
		at(l1)[6] = at(l1)[1];    /* one L0 table under two items */
	else if (!strcmp(corrupt, "pte-level"))
		at(s1)[7] = 0x40000000ull | (1 << 7) | 3; /* PS in SS-PML4E */
	else if (!strcmp(corrupt, "pte-bomb")) {
		/* Every item of each level points at the one table below. */
		for (unsigned int i = 0; i < 512; i++) {
			at(s1)[i] = l2 | 3;
			at(l2)[i] = l1 | 3;
			at(l1)[i] = l0 | 3;
		}
	} else {
		fprintf(stderr, "inspect-mkimage: unknown corruption %s\n", corrupt);
		return 2;
	}
	printf("base=0x%llx\nrtaddr=0x%" PRIx64 "\nslpt1=0x%" PRIx64
	       "\nslpt2=0x%" PRIx64 "\n", IMG_BASE, rt, s1, s2);
	return 0;
}


/* ------------------------------------------------ VT-d scalable mode */

/*
 * 9.2 root entry, 9.4 context entry (256 bits), 9.5 PASID directory entry,
 * 9.6 PASID table entry (512 bits).
 */
static void set_sm_ctx(uint64_t ct, unsigned int devfn, uint64_t dir,
		       unsigned int pdts, uint32_t rid_pasid)
{
	uint64_t *e = at(ct) + (devfn & 0x7f) * 4;

	e[0] = dir | (uint64_t)pdts << 9 | 1;
	e[1] = rid_pasid;
	e[2] = e[3] = 0;
}

static void set_pe(uint64_t pt, unsigned int idx, unsigned int pgtt,
		   unsigned int aw, uint64_t ss, uint64_t fs, unsigned int did)
{
	uint64_t *e = at(pt) + (idx & 63) * 8;

	e[0] = ss | (uint64_t)pgtt << 6 | (uint64_t)aw << 2 | 1;
	e[1] = did;
	e[2] = fs;
}

static int make_vtd_sm(const char *corrupt)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c4, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_cfg, c3, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 3);
	IOMMUPT_OPTS(iommupt_domain_cfg, cx, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	uint64_t rt = IMG_BASE, ctl = IMG_BASE + 0x1000, ctu = IMG_BASE + 0x2000;
	uint64_t dir0 = IMG_BASE + 0x3000, pt0 = IMG_BASE + 0x4000;
	uint64_t pt1 = IMG_BASE + 0x5000, dir1 = IMG_BASE + 0x6000;
	uint64_t pt2 = IMG_BASE + 0x7000;
	struct iommupt_domain *d1 = make(&c4), *d2 = make(&c3), *d3 = make(&cx);
	uint64_t s1 = root_of(d1), s2 = root_of(d2), f3 = root_of(d3);

	map(d1, 0, 0x40000000, 2 << 20, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d1, 0x200000, 0x80000000, 0x4000, IOMMUPT_READ);
	map(d2, 0x10000, 0x90000000, 0x2000, IOMMUPT_WRITE);
	map(d3, 0x7000, 0xa0000000, 0x1000, IOMMUPT_READ | IOMMUPT_WRITE);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	iommupt_domain_destroy(d3);

	at(rt)[0] = ctl | 1;            /* bus 0, devfn 0-127 */
	at(rt)[1] = ctu | 1;            /* bus 0, devfn 128-255 */
	/* 00:01.0: RID_PASID 0 second-stage, PASID 1 first-stage, 69 pass-through. */
	set_sm_ctx(ctl, 0x08, dir0, 0, 0);
	at(dir0)[0] = pt0 | 1;
	at(dir0)[1] = pt1 | 1;
	set_pe(pt0, 0, 2, 2, s1, 0, 1);
	set_pe(pt0, 1, 1, 0, 0, f3, 7);
	set_pe(pt1, 5, 4, 0, 0, 0, 9);
	/* 00:02.0 shares 00:01.0's PASID directory (same tables). */
	set_sm_ctx(ctl, 0x10, dir0, 0, 0);
	/* 00:10.0 (upper half): RID_PASID 3, nested first stage over d2. */
	set_sm_ctx(ctu, 0x80, dir1, 0, 3);
	at(dir1)[0] = pt2 | 1;
	set_pe(pt2, 3, 3, 1, s2, f3, 2);

	if (!corrupt || !strcmp(corrupt, "none"))
		;
	else if (!strcmp(corrupt, "sm-root-rsvd"))
		at(rt)[1] |= 1ull << 6;          /* 9.2: bits 75:65 */
	else if (!strcmp(corrupt, "sm-ctx-shared"))
		at(rt)[1] = ctl | 1;
	else if (!strcmp(corrupt, "sm-ctx-rsvd"))
		at(ctl)[0x08 * 4 + 2] = 1;       /* 9.4: bits 255:128 */
	else if (!strcmp(corrupt, "sm-pdir-outside"))
		set_sm_ctx(ctu, 0x80, OUTSIDE, 0, 3);
	else if (!strcmp(corrupt, "sm-pdir-alias"))
		set_sm_ctx(ctu, 0x80, ctl, 0, 3);
	else if (!strcmp(corrupt, "sm-pde-rsvd"))
		at(dir1)[0] |= 1ull << 4;        /* 9.5: bits 11:2 */
	else if (!strcmp(corrupt, "sm-ptab-shared"))
		at(dir0)[1] = pt0 | 1;           /* PASIDs 0-63 and 64-127 alias */
	else if (!strcmp(corrupt, "sm-ptab-outside"))
		at(dir1)[0] = OUTSIDE | 1;
	else if (!strcmp(corrupt, "sm-pgtt"))
		at(pt1)[5 * 8] &= ~(7ull << 6);  /* PGTT 000b */
	else if (!strcmp(corrupt, "sm-pe-rsvd"))
		at(pt0)[1 * 8 + 5] = 1;          /* 9.6: qw5 */
	else if (!strcmp(corrupt, "sm-fspm"))
		at(pt0)[1 * 8 + 2] |= 2u << 2;   /* FSPM 10b */
	else if (!strcmp(corrupt, "sm-aw"))
		at(pt2)[3 * 8] |= 4u << 2;       /* AW 101b */
	else if (!strcmp(corrupt, "sm-ss-outside"))
		set_pe(pt0, 0, 2, 2, OUTSIDE, 0, 1);
	else if (!strcmp(corrupt, "sm-bomb")) {
		/*
		 * Every context entry of the lower half names one 16384-entry
		 * PASID directory whose entries all name one full PASID table:
		 * 2^27 PASID entries to visit without the budget.
		 */
		uint64_t big = IMG_BASE + 0x1c0000;

		for (unsigned int i = 0; i < 16384; i++)
			at(big)[i] = pt1 | 1;
		for (unsigned int i = 0; i < 64; i++)
			set_pe(pt1, i, 4, 0, 0, 0, 9);
		for (unsigned int devfn = 0; devfn < 128; devfn++)
			set_sm_ctx(ctl, devfn, big, 7, 0);
	} else if (!strcmp(corrupt, "sm-fs-pte"))
		at(f3)[3] = 0x40000000ull | (1 << 7) | 3; /* PS in a PML4E */
	else {
		fprintf(stderr, "inspect-mkimage: unknown corruption %s\n", corrupt);
		return 2;
	}
	printf("base=0x%llx\nrtaddr=0x%" PRIx64 "\nslpt1=0x%" PRIx64
	       "\nslpt2=0x%" PRIx64 "\nfspt=0x%" PRIx64 "\n", IMG_BASE,
	       rt | 1u << 10, s1, s2, f3);
	return 0;
}

/* ------------------------------------------------------ AMD-Vi */

/* 2.2.2.1 device table entry, quadwords 0 and 1. */
static void set_dte(uint64_t dt, unsigned int devid, uint64_t q0, uint64_t q1)
{
	at(dt)[devid * 4] = q0;
	at(dt)[devid * 4 + 1] = q1;
}

#define DTE_V 1ull
#define DTE_TV 2ull
#define DTE_MODE(m) ((uint64_t)(m) << 9)
#define DTE_IRW ((1ull << 61) | (1ull << 62))

static int make_amd(const char *corrupt)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c3, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 3);
	IOMMUPT_OPTS(iommupt_domain_cfg, c2, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 2);
	uint64_t dt = IMG_BASE + 0x8000; /* 8 KiB: DeviceIDs 0-255 */
	struct iommupt_domain *d1 = make(&c3), *d2 = make(&c2);
	uint64_t r1 = root_of(d1), r2 = root_of(d2), l1;

	map(d1, 0x8000, 0x50008000, 0x8000, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d1, 0x100000, 0x60000000, 0x1000, IOMMUPT_READ);
	map(d2, 0x3000, 0x70000000, 0x1000, IOMMUPT_WRITE);
	l1 = at(r1)[0] & 0x000ffffffffff000ull;
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);

	set_dte(dt, 0x08, r1 | DTE_MODE(3) | DTE_IRW | DTE_TV | DTE_V, 3);
	set_dte(dt, 0x10, r1 | DTE_MODE(3) | DTE_IRW | DTE_TV | DTE_V, 3);
	set_dte(dt, 0x18, r2 | DTE_MODE(2) | (1ull << 61) | DTE_TV | DTE_V, 4);
	set_dte(dt, 0x20, DTE_IRW | DTE_TV | DTE_V, 0);   /* pass-through */
	set_dte(dt, 0x28, DTE_TV | DTE_V, 0);             /* blocked */
	set_dte(dt, 0x30, DTE_TV | DTE_V, 0);             /* blocked */

	if (!corrupt || !strcmp(corrupt, "none"))
		;
	else if (!strcmp(corrupt, "dte-rsvd"))
		at(dt)[0x18 * 4] |= 1ull << 3;   /* bits 6:2 */
	else if (!strcmp(corrupt, "dte-mode"))
		at(dt)[0x18 * 4] |= DTE_MODE(7);
	else if (!strcmp(corrupt, "dte-outside"))
		set_dte(dt, 0x18, OUTSIDE | DTE_MODE(2) | DTE_IRW | DTE_TV | DTE_V, 4);
	else if (!strcmp(corrupt, "amd-pte-outside"))
		at(l1)[0] = OUTSIDE | 1ull << 9 | 1; /* NextLevel 1 table */
	else if (!strcmp(corrupt, "amd-pte-alias"))
		at(l1)[5] = at(l1)[0];               /* one table under two PDEs */
	else if (!strcmp(corrupt, "amd-pte-level"))
		at(l1)[5] = l1 | 2ull << 9 | 1;      /* NextLevel not below */
	else {
		fprintf(stderr, "inspect-mkimage: unknown corruption %s\n", corrupt);
		return 2;
	}
	/* The Device Table Base register: Size 1 (two 4 KiB pages). */
	printf("base=0x%llx\ndevtab=0x%" PRIx64 "\nroot1=0x%" PRIx64
	       "\nroot2=0x%" PRIx64 "\n", IMG_BASE, dt | 1, r1, r2);
	return 0;
}

/* ------------------------------------------------------ SMMUv3 */

#define STE_CFG(c) ((uint64_t)(c) << 1)

static int make_smmu(bool two_level, const char *corrupt)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cs1, .format = IOMMUPT_FMT_ARM_S1,
		     .granule_lg2 = 12, .ias_lg2 = 48, .oas_lg2 = 48);
	/* 40-bit input at 4K: three levels with two concatenated top tables. */
	IOMMUPT_OPTS(iommupt_domain_cfg, cs2, .format = IOMMUPT_FMT_ARM_S2,
		     .granule_lg2 = 12, .ias_lg2 = 40, .oas_lg2 = 40,
		     .flags = IOMMUPT_CFG_ARM_CONCAT);
	uint64_t st = IMG_BASE + 0xa000, l2 = IMG_BASE + 0xc000;
	uint64_t cd = IMG_BASE + 0xe000, l1cd = IMG_BASE + 0xf000;
	uint64_t l2cd = IMG_BASE + 0x10000;
	struct iommupt_domain *d1 = make(&cs1), *d2 = make(&cs2);
	uint64_t r1 = root_of(d1), r2 = root_of(d2), sbase, *ste, pte_tbl;

	map(d1, 0x10000, 0x50010000, 0x3000, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d1, 0x200000, 0x60000000, 2 << 20, IOMMUPT_READ);
	map(d2, 0x40000000, 0x70000000, 0x1000, IOMMUPT_READ | IOMMUPT_WRITE);
	pte_tbl = at(r1)[0] & 0x000ffffffffff000ull;
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);

	/* Linear: 64 STEs at st; 2-level (SPLIT 6): 4 L1 descriptors, one used. */
	sbase = two_level ? l2 : st;
	if (two_level)
		at(st)[0] = l2 | 7;              /* Span 7: 64 STEs */
	/* CD (5.4): T0SZ 16, TG0 4K, TG1 4K, EPD1, V, IPS 48-bit, AA64, ASID 5. */
	at(cd)[0] = 16 | 2ull << 22 | 1ull << 30 | 1ull << 31 | 5ull << 32 | 1ull << 41 |
		    5ull << 48;
	at(cd)[1] = r1;
	/* 2-level CD table (4K leaves, S1CDMax 7): SSID 67 in leaf 1. */
	at(l1cd)[1] = l2cd | 1;
	memcpy(at(l2cd) + 3 * 8, at(cd), 64);
	at(l2cd)[3 * 8] = (at(l2cd)[3 * 8] & 0xffffffffffffull) | 6ull << 48;

	ste = at(sbase) + 1 * 8;         /* sid 1: stage 1, one CD */
	ste[0] = cd | STE_CFG(5) | 1;
	ste = at(sbase) + 2 * 8;         /* sid 2: stage 2, VMID 9 */
	ste[0] = STE_CFG(6) | 1;
	ste[2] = 9 | 24ull << 32 | 1ull << 38 | 2ull << 48 | 1ull << 51;
	ste[3] = r2;
	at(sbase)[3 * 8] = STE_CFG(4) | 1;   /* sid 3: bypass */
	at(sbase)[4 * 8] = STE_CFG(0) | 1;   /* sid 4: abort */
	ste = at(sbase) + 5 * 8;         /* sid 5: 2-level CD table */
	ste[0] = l1cd | 1ull << 4 | 7ull << 59 | STE_CFG(5) | 1;
	ste = at(sbase) + 6 * 8;         /* sid 6: nested, CD table at an IPA */
	ste[0] = 0x80000000ull | STE_CFG(7) | 1;
	memcpy(ste + 2, at(sbase) + 2 * 8 + 2, 16);

	if (!corrupt || !strcmp(corrupt, "none"))
		;
	else if (!strcmp(corrupt, "ste-cfg"))
		at(sbase)[3 * 8] = STE_CFG(2) | 1;
	else if (!strcmp(corrupt, "ste-s1fmt"))
		at(sbase)[5 * 8] |= 3ull << 4;
	else if (!strcmp(corrupt, "ste-cd-outside"))
		at(sbase)[1 * 8] = OUTSIDE | STE_CFG(5) | 1;
	else if (!strcmp(corrupt, "ste-sl0"))
		at(sbase)[2 * 8 + 2] &= ~(3ull << 38);   /* SL0 0: two levels */
	else if (!strcmp(corrupt, "ste-s2-outside"))
		at(sbase)[2 * 8 + 3] = OUTSIDE;
	else if (!strcmp(corrupt, "cd-tg"))
		at(cd)[0] |= 3u << 6;
	else if (!strcmp(corrupt, "cd-ttb-outside"))
		at(cd)[1] = OUTSIDE;
	else if (!strcmp(corrupt, "l1cd-rsvd"))
		at(l1cd)[1] |= 1u << 4;
	else if (!strcmp(corrupt, "l1std-span") && two_level)
		at(st)[0] = l2 | 8;
	else if (!strcmp(corrupt, "l1std-align") && two_level)
		at(st)[0] = (l2 + 0x40) | 7;
	else if (!strcmp(corrupt, "cd-bomb")) {
		/* Every STE names one linear table of 4096 valid CDs: 2^18 CDs. */
		uint64_t big = IMG_BASE + 0x1c0000;

		for (unsigned int i = 0; i < 4096; i++)
			memcpy(at(big) + 8 * i, at(cd), 64);
		for (unsigned int i = 0; i < 64; i++)
			at(sbase)[8 * i] = big | 12ull << 59 | STE_CFG(5) | 1;
	} else if (!strcmp(corrupt, "s1-pte-rsvd"))
		at(pte_tbl)[0] |= 1ull << 50 | 3; /* table descriptor bit 50 */
	else {
		fprintf(stderr, "inspect-mkimage: unknown corruption %s\n", corrupt);
		return 2;
	}
	printf("base=0x%llx\nstrtab=0x%" PRIx64 "\nttb0=0x%" PRIx64
	       "\ns2ttb=0x%" PRIx64 "\n", IMG_BASE, st, r1, r2);
	return 0;
}

static int make_root(const char *kind, const char *corrupt)
{
	struct iommupt_domain *d;
	uint64_t root;

	if (!strcmp(kind, "x86-64")) {
		IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_X86_64,
			     .levels = 4);
		d = make(&c);
		map(d, 0x1000, 0x50000000, 0x2000, IOMMUPT_READ | IOMMUPT_WRITE);
		map(d, 0x400000, 0x60000000, 2 << 20, IOMMUPT_READ);
		map(d, 0xffff800000000000ull, 0x70000000, 0x1000,
		    IOMMUPT_READ | IOMMUPT_WRITE);
	} else if (!strcmp(kind, "amd-v1")) {
		IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_AMD_V1,
			     .levels = 3);
		d = make(&c);
		map(d, 0x8000, 0x50008000, 0x8000, IOMMUPT_READ | IOMMUPT_WRITE);
		map(d, 0x100000, 0x60000000, 0x1000, IOMMUPT_READ);
	} else if (!strcmp(kind, "arm-s1-64k")) {
		IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_ARM_S1,
			     .granule_lg2 = 16, .ias_lg2 = 48);
		d = make(&c);
		map(d, 0x200000, 0x50200000, 2 << 20, IOMMUPT_READ | IOMMUPT_WRITE);
		map(d, 0x10000, 0x60000000, 0x10000, IOMMUPT_READ);
	} else {
		fprintf(stderr, "inspect-mkimage: unknown kind %s\n", kind);
		return 2;
	}
	root = root_of(d);
	iommupt_domain_destroy(d);
	if (corrupt && !strcmp(corrupt, "misalign")) {
		/* Item 0 of the root is a table: move its pointer off alignment. */
		at(root)[0] += 0x1000;
	} else if (corrupt && strcmp(corrupt, "none")) {
		fprintf(stderr, "inspect-mkimage: unknown corruption %s\n", corrupt);
		return 2;
	}
	printf("base=0x%llx\nroot=0x%" PRIx64 "\n", IMG_BASE, root);
	return 0;
}

static int count_leaf(void *ctx, const struct iommupt_leaf *l)
{
	(void)l;
	++*(unsigned int *)ctx;
	return 0;
}

/*
 * iommupt_domain_open_root over a table the library built: the walk sees
 * the mappings, validate is clean, nothing writes, destroy frees nothing.
 */
static int adopt_check(void)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4, .flags = 0);
	IOMMUPT_OPTS(iommupt_domain_cfg, grow, .format = IOMMUPT_FMT_AMD_V1,
		     .flags = IOMMUPT_CFG_AMD_GROW);
	struct iommupt_mem mem = {
		.sz = sizeof(mem), .alloc_table = heap_alloc,
		.free_table = heap_free,
		.cpu_offset = (intptr_t)((uintptr_t)img - IMG_BASE),
	};
	struct iommupt_domain *d = make(&c), *ro;
	uint64_t root = root_of(d), oa, n;
	unsigned int leaves = 0;
	int bad = 0;

	map(d, 0x200000, 0x80000000, 0x4000, IOMMUPT_READ);
#define CHECK(x) do { if (!(x)) { fprintf(stderr, "failed: %s\n", #x); bad = 1; } } while (0)
	CHECK(iommupt_domain_open_root(&c, &mem, root, &ro) == 0);
	if (bad)
		return 1;
	CHECK(iommupt_domain_walk(ro, 0, 0, count_leaf, &leaves) == 0);
	CHECK(leaves == 4);
	CHECK(iommupt_domain_iova_to_phys(ro, 0x201000, &oa, NULL, NULL) == 0);
	CHECK(oa == 0x80001000);
	CHECK(iommupt_domain_validate(ro, NULL, NULL) == 0);
	CHECK(iommupt_domain_map(ro, 0, 0x1000, 0x1000, IOMMUPT_READ, NULL) ==
	      -EOPNOTSUPP);
	CHECK(iommupt_domain_unmap(ro, 0x200000, 0x1000, 0, NULL, &n) ==
	      -EOPNOTSUPP);
	CHECK(iommupt_domain_set_dirty_tracking(ro, 1, NULL) == -EOPNOTSUPP);
	CHECK(iommupt_domain_mark_dirty(ro, 0x200000) == -EOPNOTSUPP);
	iommupt_domain_destroy(ro);
	CHECK(frees == 0);
	CHECK(iommupt_domain_iova_to_phys(d, 0x201000, &oa, NULL, NULL) == 0);
	/* Bad roots: misaligned, outside the provider's memory, growth. */
	mem.oa_to_cpu = NULL;
	CHECK(iommupt_domain_open_root(&c, &mem, root + 8, &ro) == -EINVAL && !ro);
	CHECK(iommupt_domain_open_root(&grow, &mem, root, &ro) == -EINVAL && !ro);
	CHECK(iommupt_domain_open_root(&c, &mem, 1ull << 52, &ro) == -ERANGE && !ro);
	iommupt_domain_destroy(d);
	puts(bad ? "adopt-check failed" : "adopt-check ok");
	return bad;
}

int main(int argc, char **argv)
{
	const char *elf = NULL, *kind, *corrupt;
	FILE *f;
	int rc;

	if (argc > 1 && !strncmp(argv[1], "--elf", 5)) {
		elf = argv[1][5] == '=' ? argv[1] + 6 : "none";
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: inspect-mkimage [--elf[=CORRUPTION]] OUT vtd|vtd-sm|amd|smmu|smmu-2lvl|x86-64|amd-v1|arm-s1-64k [CORRUPTION]\n");
		return 2;
	}
	kind = argv[2];
	corrupt = argc == 4 ? argv[3] : NULL;
	img = aligned_alloc(1 << 16, IMG_SIZE);
	if (!img)
		return 2;
	memset(img, 0, IMG_SIZE);
	if (!strcmp(argv[2], "adopt-check"))
		return adopt_check();
	if (!strcmp(kind, "vtd"))
		rc = make_vtd(corrupt);
	else if (!strcmp(kind, "vtd-sm"))
		rc = make_vtd_sm(corrupt);
	else if (!strcmp(kind, "amd"))
		rc = make_amd(corrupt);
	else if (!strcmp(kind, "smmu") || !strcmp(kind, "smmu-2lvl"))
		rc = make_smmu(kind[4] == '-', corrupt);
	else
		rc = make_root(kind, corrupt);
	if (rc)
		return rc;
	if (elf) {
		rc = inspect_write_elf(argv[1], img, IMG_SIZE, IMG_BASE, elf);
		free(img);
		return rc;
	}
	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, IMG_SIZE, f) != IMG_SIZE || fclose(f)) {
		perror(argv[1]);
		return 2;
	}
	free(img);
	return 0;
}
