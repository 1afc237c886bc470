// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * inspect-mkimage: build memory images for tests/test-inspect.sh with the
 * library. Table pages come from a bump provider over an image buffer, so
 * the domain's tables land in the image at known OAs; for VT-d the root and
 * context tables (spec 9.1, 9.3) are written around them. A corruption name
 * damages one structure, for the validator's finding classes.
 *
 *   inspect-mkimage OUT vtd [CORRUPTION]
 *   inspect-mkimage OUT x86-64|amd-v1|arm-s1-64k
 * Prints shell assignments (base=, rtaddr=, root=, ...) on stdout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/iommupt.h>

#define IMG_BASE 0x100000ull
#define IMG_SIZE (2u << 20)
#define OUTSIDE 0x7ff000000ull /* an OA far past the image */

static uint8_t *img;
static uint64_t next_off = 0x4000; /* root table, two context tables first */

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
	FILE *f;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: inspect-mkimage OUT vtd [CORRUPTION] | OUT x86-64|amd-v1|arm-s1-64k\n");
		return 2;
	}
	img = aligned_alloc(1 << 16, IMG_SIZE);
	if (!img)
		return 2;
	memset(img, 0, IMG_SIZE);
	if (!strcmp(argv[2], "adopt-check"))
		return adopt_check();
	rc = !strcmp(argv[2], "vtd") ? make_vtd(argc == 4 ? argv[3] : NULL)
				     : make_root(argv[2], argc == 4 ? argv[3] : NULL);
	if (rc)
		return rc;
	f = fopen(argv[1], "wb");
	if (!f || fwrite(img, 1, IMG_SIZE, f) != IMG_SIZE || fclose(f)) {
		perror(argv[1]);
		return 2;
	}
	free(img);
	return 0;
}
