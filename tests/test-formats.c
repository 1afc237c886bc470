// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Format-specific behaviour the shared conformance suite cannot express:
 * AMD v1 NextLevel=7 page sizes and top growth (with its callback, under
 * allocation failure and from several threads), ARM contiguous runs,
 * concatenated stage-2 tables, TTBR1, 52-bit output and the attribute
 * encodings, splitting large pages and runs on unmap
 * (IOMMUPT_UNMAP_SPLIT, also under allocation failure), and validate on
 * planted corruption in the AMD and ARM layouts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)
#define SZ_4K (1ull << 12)
#define SZ_16K (1ull << 14)
#define SZ_64K (1ull << 16)
#define SZ_1M (1ull << 20)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

#define AMD_NL(e) (((e) >> 9) & 7)
#define AMD_ADDR 0x000ffffffffff000ull
#define ARM_CONT (1ull << 52)

static struct iommupt_domain_cfg amd_cfg(unsigned int levels, uint32_t flags)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = levels, .flags = flags);
	return c;
}

static struct iommupt_domain_cfg arm_cfg(uint32_t format, unsigned int granule,
					 unsigned int ias, uint32_t flags)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = format,
		     .granule_lg2 = granule, .ias_lg2 = ias, .flags = flags);
	return c;
}

static uint64_t *cpu_of(struct test_dom *t, uint64_t oa)
{
	const struct iommupt_mem *mem = iommupt_heap_mem(t->heap);

	return (uint64_t *)(uintptr_t)(oa + (uint64_t)mem->cpu_offset);
}

static void expect_oa(struct test_dom *t, uint64_t iova, uint64_t oa,
		      unsigned int size_lg2)
{
	uint64_t got = 0;
	unsigned int lg2 = 0;

	ck_assert_int_eq(iommupt_domain_iova_to_phys(t->dom, iova, &got, NULL, &lg2), 0);
	ck_assert_uint_eq(got, oa);
	if (size_lg2)
		ck_assert_uint_eq(lg2, size_lg2);
}

static void expect_unmapped(struct test_dom *t, uint64_t iova)
{
	uint64_t got;

	ck_assert_int_eq(iommupt_domain_iova_to_phys(t->dom, iova, &got, NULL, NULL),
			 -ENOENT);
}

static int count_leaf(void *ctx, const struct iommupt_leaf *leaf)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t leaves_in(struct test_dom *t, uint64_t iova, uint64_t len)
{
	uint64_t n = 0;

	ck_assert_int_eq(iommupt_domain_walk(t->dom, iova, len, count_leaf, &n), 0);
	return n;
}

static uint64_t mapped_bytes(struct test_dom *t)
{
	struct iommupt_stats st = { .sz = sizeof(st) };

	ck_assert_int_eq(iommupt_domain_stats(t->dom, &st), 0);
	return st.mapped_bytes;
}

static void unmap(struct test_dom *t, uint64_t iova, uint64_t len,
		  uint32_t flags, uint64_t expect_bytes)
{
	struct iommupt_gather g;
	uint64_t bytes = 0;

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(t->dom, iova, len, flags, &g, &bytes), 0);
	ck_assert_uint_eq(bytes, expect_bytes);
	iommupt_gather_release(&g);
}

static struct iommupt_leaf first_leaf;

static int take_first(void *ctx, const struct iommupt_leaf *leaf)
{
	first_leaf = *leaf;
	return 1;
}

static struct iommupt_leaf leaf_at(struct test_dom *t, uint64_t iova)
{
	memset(&first_leaf, 0, sizeof(first_leaf));
	ck_assert_int_eq(iommupt_domain_walk(t->dom, iova, 1ull << __builtin_ctzll(
						     t->info.pgsize_bitmap),
					     take_first, NULL), 1);
	return first_leaf;
}

/* ------------------------------------------------------------ AMD v1 --- */

/* Every size: natural at its level or NextLevel 7, replicated; 512G absent. */
START_TEST(test_amd_every_nl7_size_maps_translates_unmaps)
{
	struct test_dom t;
	struct iommupt_domain_cfg cfg = amd_cfg(6, 0);

	test_dom_create(&t, &cfg);
	ck_assert(!(t.info.pgsize_bitmap & (1ull << 39)));
	for (unsigned int lg2 = 12; lg2 <= 52; lg2++) {
		uint64_t size = 1ull << lg2, iova = 2 * size, oa = size < (1ull << 50) ?
			2 * size : 0;
		unsigned int lvl = (lg2 - 12) / 9, shift = 12 + 9 * lvl;
		struct iommupt_leaf leaf;

		if (lg2 == 39) {
			/* 512G of aligned range becomes two 256G pages. */
			ck_assert_int_eq(iommupt_domain_map(t.dom, iova, oa, size, RW, NULL), 0);
			ck_assert_uint_eq(leaves_in(&t, iova, size), 2);
			expect_oa(&t, iova + size - 8, oa + size - 8, 38);
			unmap(&t, iova, size, 0, size);
			continue;
		}
		ck_assert(t.info.pgsize_bitmap & size);
		ck_assert_int_eq(iommupt_domain_map(t.dom, iova, oa, size, RW, NULL), 0);
		leaf = leaf_at(&t, iova);
		ck_assert_uint_eq(leaf.size_lg2, lg2);
		ck_assert_uint_eq(leaf.level, lvl);
		ck_assert_uint_eq(leaf.oa, oa);
		ck_assert_uint_eq(AMD_NL(leaf.entry), lg2 == shift ? 0 : 7);
		ck_assert_uint_eq(leaves_in(&t, iova, size), 1);
		expect_oa(&t, iova, oa, lg2);
		expect_oa(&t, iova + size / 2 + 8, oa + size / 2 + 8, lg2);
		expect_oa(&t, iova + size - 8, oa + size - 8, lg2);
		expect_unmapped(&t, iova + size);
		expect_unmapped(&t, iova - 8);
		ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
		ck_assert_uint_eq(mapped_bytes(&t), size);
		/* Cutting it without the flag is refused. */
		ck_assert_int_eq(iommupt_domain_unmap(t.dom, iova, size / 2, 0, NULL, NULL),
				 -EINVAL);
		unmap(&t, iova, size, 0, size);
		ck_assert_uint_eq(mapped_bytes(&t), 0);
	}
	test_dom_destroy(&t);
}
END_TEST

/* Every item a NextLevel 7 page covers holds the same entry. */
START_TEST(test_amd_nl7_is_replicated)
{
	struct test_dom t;
	struct iommupt_domain_cfg cfg = amd_cfg(1, 0);
	uint64_t *root;

	test_dom_create(&t, &cfg);
	ck_assert_uint_eq(t.info.ias_lg2, 21);
	ck_assert_uint_eq(t.info.pgsize_bitmap, 0x1ff000ull);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1M, 5 * SZ_1M, SZ_1M, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	for (unsigned int i = 0; i < 256; i++)
		ck_assert_uint_eq(root[256 + i], root[256]);
	ck_assert_uint_eq(root[255], 0);
	ck_assert_uint_eq(AMD_NL(root[256]), 7);
	/* Bits 12..18 set, bit 19 clear: 1M (AMD IOMMU spec 2.2.3 encoding). */
	ck_assert_uint_eq(root[256] & AMD_ADDR, 5 * SZ_1M | 0x7f000);
	/* Beyond the aperture of a fixed 1-level domain. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_4K, RW, NULL), -ERANGE);
	unmap(&t, 0, SZ_2M, 0, SZ_1M);
	test_dom_destroy(&t);
}
END_TEST

struct grow_log {
	unsigned int calls;
	uint64_t root_oa;
	unsigned int levels;
};

static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;

/* As a driver would: keep the report with the most levels (domain.h). */
static void on_grow(void *ctx, uint64_t root_oa, unsigned int levels)
{
	struct grow_log *log = ctx;

	pthread_mutex_lock(&grow_lock);
	log->calls++;
	if (levels > log->levels) {
		log->levels = levels;
		log->root_oa = root_oa;
	}
	pthread_mutex_unlock(&grow_lock);
}

static void check_grown(struct test_dom *t, struct grow_log *log,
			unsigned int levels, uint64_t old_root)
{
	uint64_t *root;

	t->info.sz = sizeof(t->info);
	ck_assert_int_eq(iommupt_domain_get_info(t->dom, &t->info), 0);
	ck_assert_uint_eq(t->info.levels, levels);
	ck_assert_uint_eq(log->levels, levels);
	ck_assert_uint_eq(log->root_oa, t->info.root_oa);
	/* The old root hangs under item 0 of the chain of new tables. */
	root = cpu_of(t, t->info.root_oa);
	for (unsigned int l = levels - 1; l > 0; l--) {
		uint64_t e = root[0];

		ck_assert_uint_eq(AMD_NL(e), l);
		if ((e & AMD_ADDR) == old_root)
			return;
		root = cpu_of(t, e & AMD_ADDR);
	}
	ck_abort_msg("old root not found below the new one");
}

START_TEST(test_amd_growth_callback_reports_root_and_levels)
{
	struct test_dom t;
	struct grow_log log = { 0 };
	struct iommupt_domain_cfg cfg = amd_cfg(1, IOMMUPT_CFG_AMD_GROW);
	struct iommupt_stats st = { .sz = sizeof(st) };
	uint64_t old;

	cfg.grow_fn = on_grow;
	cfg.grow_ctx = &log;
	test_dom_create(&t, &cfg);
	ck_assert_uint_eq(t.info.levels, 1);
	ck_assert_uint_eq(t.info.ias_lg2, 64);
	/* Within level 0's reach: no growth. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_4K, SZ_4K, SZ_4K, RW, NULL), 0);
	ck_assert_uint_eq(log.calls, 0);
	/* Lookups and unmaps beyond the current reach see nothing. */
	expect_unmapped(&t, 1ull << 40);
	unmap(&t, 1ull << 40, SZ_4K, 0, 0);
	ck_assert_uint_eq(leaves_in(&t, 1ull << 40, SZ_1G), 0);
	/* A 2M page needs a level above it. */
	old = t.info.root_oa;
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_2M, RW, NULL), 0);
	ck_assert_uint_eq(log.calls, 1);
	check_grown(&t, &log, 2, old); /* a level-1 leaf, at the new top */
	/* An address beyond 2^48: to 5 levels in one step. */
	old = t.info.root_oa;
	ck_assert_int_eq(iommupt_domain_map(t.dom, 1ull << 50, SZ_1G, SZ_4K, RW, NULL), 0);
	ck_assert_uint_eq(log.calls, 2);
	check_grown(&t, &log, 5, old);
	/* The top of the 64-bit space: 6 levels. */
	old = t.info.root_oa;
	ck_assert_int_eq(iommupt_domain_map(t.dom, (uint64_t)0 - SZ_4K, SZ_1G, SZ_4K,
					    RW, NULL), 0);
	ck_assert_uint_eq(log.calls, 3);
	check_grown(&t, &log, 6, old);
	/* Everything mapped before growth still translates. */
	expect_oa(&t, SZ_4K + 8, SZ_4K + 8, 12);
	expect_oa(&t, SZ_2M + 8, 8, 21);
	expect_oa(&t, (1ull << 50) + 8, SZ_1G + 8, 12);
	expect_oa(&t, (uint64_t)0 - 8, SZ_1G + SZ_4K - 8, 12);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	ck_assert_uint_eq(st.levels, 6);
	ck_assert_uint_eq(st.table_pages[5], 1);
	/* No growth past 6, and no shrinking on unmap. */
	unmap(&t, 0, 1ull << 63, 0, 2 * SZ_4K + SZ_2M);
	unmap(&t, 1ull << 63, 1ull << 63, 0, SZ_4K);
	ck_assert_uint_eq(log.calls, 3);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), 1);
	test_dom_destroy(&t);

	/* A page as large as the reach needs a level above it (default: 1). */
	cfg.levels = 0;
	memset(&log, 0, sizeof(log));
	test_dom_create(&t, &cfg);
	ck_assert_uint_eq(t.info.levels, 1);
	old = t.info.root_oa;
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_2M, RW, NULL), 0);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_uint_eq(log.levels, 2);
	t.info.sz = sizeof(t.info);
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &t.info), 0);
	ck_assert_uint_eq(t.info.root_oa, log.root_oa);
	ck_assert_uint_ne(t.info.root_oa, old);
	/* The 2M page took item 0 over the old, empty root, which was freed. */
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), 1);
	expect_oa(&t, SZ_1M, SZ_1M, 21);
	unmap(&t, 0, SZ_2M, 0, SZ_2M);
	test_dom_destroy(&t);
}
END_TEST

/* A growing map that fails leaves the walk unchanged; a retry succeeds. */
START_TEST(test_amd_growth_under_allocation_failure)
{
	struct test_dom t;
	struct grow_log log = { 0 };
	struct iommupt_domain_cfg cfg = amd_cfg(1, IOMMUPT_CFG_AMD_GROW);
	uint64_t nth;
	int rc;

	cfg.grow_fn = on_grow;
	cfg.grow_ctx = &log;
	test_dom_create(&t, &cfg);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, RW, NULL), 0);
	for (nth = 1;; nth++) {
		struct snapshot before, after;

		snapshot_take(t.dom, &before);
		iommupt_heap_fail_nth(t.heap, nth);
		rc = iommupt_domain_map(t.dom, 1ull << 45, 0, 3 * SZ_4K, RW, NULL);
		snapshot_take(t.dom, &after);
		if (!iommupt_heap_failed(t.heap)) {
			snapshot_free(&before);
			snapshot_free(&after);
			break;
		}
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert(snapshot_equal(&before, &after));
		ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
		snapshot_free(&before);
		snapshot_free(&after);
	}
	iommupt_heap_fail_nth(t.heap, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(nth, 4); /* 3 new top tables, then tables below */
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_uint_eq(log.levels, 4);
	expect_oa(&t, (1ull << 45) + SZ_4K, SZ_4K, 13); /* 8K, then 4K */
	expect_oa(&t, 8, 8, 12);
	unmap(&t, 0, 1ull << 48, 0, 4 * SZ_4K);
	test_dom_destroy(&t);
}
END_TEST

#define GROW_THREADS 4

struct grow_worker {
	struct iommupt_domain *dom;
	pthread_barrier_t *start;
	unsigned int id;
	int errors;
};

/*
 * Each thread maps high addresses of its own that force growth; they
 * start together so that growths race (the compare-and-swap loser frees
 * its tables and retries).
 */
static void *grow_run(void *arg)
{
	struct grow_worker *w = arg;

	pthread_barrier_wait(w->start);
	for (unsigned int k = 0; k < 64; k++) {
		uint64_t iova = ((uint64_t)(k + 1) << (22 + (k % 6) * 7)) +
			w->id * 16 * SZ_4K;

		if (iommupt_domain_map(w->dom, iova, iova & 0xffffffffffull, SZ_4K, RW,
				       NULL))
			w->errors++;
	}
	return NULL;
}

START_TEST(test_amd_growth_races_between_threads)
{
	struct test_dom t;
	struct grow_log log = { 0 };
	struct iommupt_domain_cfg cfg = amd_cfg(1, IOMMUPT_CFG_AMD_GROW);
	pthread_t th[GROW_THREADS];
	struct grow_worker w[GROW_THREADS];
	pthread_barrier_t start;

	cfg.grow_fn = on_grow;
	cfg.grow_ctx = &log;
	test_dom_create(&t, &cfg);
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, GROW_THREADS), 0);
	for (unsigned int i = 0; i < GROW_THREADS; i++) {
		w[i] = (struct grow_worker){ .dom = t.dom, .start = &start, .id = i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, grow_run, &w[i]), 0);
	}
	for (unsigned int i = 0; i < GROW_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].errors, 0);
	}
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < GROW_THREADS; i++)
		for (unsigned int k = 0; k < 64; k++) {
			uint64_t iova = ((uint64_t)(k + 1) << (22 + (k % 6) * 7)) +
				i * 16 * SZ_4K;

			expect_oa(&t, iova, iova & 0xffffffffffull, 0);
		}
	t.info.sz = sizeof(t.info);
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &t.info), 0);
	ck_assert_uint_eq(t.info.levels, log.levels);
	ck_assert_uint_eq(t.info.root_oa, log.root_oa);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	test_dom_destroy(&t);
}
END_TEST

/* ---------------------------------------------------------------- ARM --- */

struct contig_case {
	unsigned int granule, contig; /* log2 page size, log2 pages per run */
};

static const struct contig_case contig_cases[] = {
	{ 12, 4 }, { 14, 7 }, { 16, 5 },
};

/* Runs form exactly when IOVA and OA are aligned and the run is complete. */
START_TEST(test_arm_contiguous_runs_form_when_aligned_and_complete)
{
	const struct contig_case *c = &contig_cases[_i];
	struct iommupt_domain_cfg cfg = arm_cfg(IOMMUPT_FMT_ARM_S1, c->granule, 48, 0);
	uint64_t page = 1ull << c->granule, run = page << c->contig;
	uint64_t base = 64 * run;
	struct test_dom t;
	struct iommupt_leaf leaf;
	struct snapshot before, after;

	test_dom_create(&t, &cfg);
	ck_assert(t.info.pgsize_bitmap & run);
	/* Aligned and complete: one leaf, the bit in every item. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, base, 8 * run, run, RW, NULL), 0);
	ck_assert_uint_eq(leaves_in(&t, base, run), 1);
	leaf = leaf_at(&t, base);
	ck_assert_uint_eq(leaf.size_lg2, c->granule + c->contig);
	ck_assert(leaf.entry & ARM_CONT);
	expect_oa(&t, base + run - 8, 8 * run + run - 8, c->granule + c->contig);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	/* A partial unmap inside it is refused and changes nothing. */
	snapshot_take(t.dom, &before);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, base + page, page, 0, NULL, NULL),
			 -EINVAL);
	snapshot_take(t.dom, &after);
	ck_assert(snapshot_equal(&before, &after));
	snapshot_free(&before);
	snapshot_free(&after);
	/* With the flag it splits: the other pages stay, without the bit. */
	unmap(&t, base + page, page, IOMMUPT_UNMAP_SPLIT, page);
	ck_assert_uint_eq(leaves_in(&t, base, run), (1u << c->contig) - 1);
	ck_assert(!(leaf_at(&t, base).entry & ARM_CONT));
	expect_oa(&t, base, 8 * run, c->granule);
	expect_unmapped(&t, base + page);
	expect_oa(&t, base + 2 * page + 8, 8 * run + 2 * page + 8, c->granule);
	ck_assert_uint_eq(mapped_bytes(&t), run - page);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	unmap(&t, base, run, 0, run - page);

	/* One page short: no run. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, base, 8 * run, run - page, RW, NULL), 0);
	ck_assert_uint_eq(leaves_in(&t, base, run), (1u << c->contig) - 1);
	ck_assert(!(leaf_at(&t, base).entry & ARM_CONT));
	unmap(&t, base, run, 0, run - page);
	/* OA misaligned: no run. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, base, 8 * run + page, run, RW, NULL), 0);
	ck_assert_uint_eq(leaves_in(&t, base, run), 1u << c->contig);
	unmap(&t, base, run, 0, run);
	/* IOVA misaligned by one page: pages, then a run, then pages. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, base - page, 8 * run - page,
					    run + 2 * page, RW, NULL), 0);
	ck_assert_uint_eq(leaves_in(&t, base - page, run + 2 * page), 3);
	ck_assert_uint_eq(leaf_at(&t, base).size_lg2, c->granule + c->contig);
	unmap(&t, base - page, run + 2 * page, 0, run + 2 * page);
	test_dom_destroy(&t);
}
END_TEST

/* Splitting a block keeps the rest with the largest pages that fit. */
START_TEST(test_split_block_and_nl7_pages)
{
	struct test_dom t;
	struct iommupt_domain_cfg arm = arm_cfg(IOMMUPT_FMT_ARM_S2, 12, 40, 0);
	struct iommupt_domain_cfg amd = amd_cfg(3, 0);
	uint64_t base = 4 * SZ_1G, pages;

	/* ARM 1G block, 4K out of the middle: 2M blocks, 32M runs, 64K runs. */
	test_dom_create(&t, &arm);
	ck_assert_int_eq(iommupt_domain_map(t.dom, base, 2 * SZ_1G, SZ_1G, RW, NULL), 0);
	pages = iommupt_heap_live_pages(t.heap);
	unmap(&t, base + SZ_1G / 2 + SZ_4K, SZ_4K, IOMMUPT_UNMAP_SPLIT, SZ_4K);
	ck_assert_uint_eq(mapped_bytes(&t), SZ_1G - SZ_4K);
	expect_oa(&t, base, 2 * SZ_1G, 25);
	expect_oa(&t, base + SZ_1G / 2, 2 * SZ_1G + SZ_1G / 2, 12);
	expect_unmapped(&t, base + SZ_1G / 2 + SZ_4K);
	expect_oa(&t, base + SZ_1G / 2 + 2 * SZ_4K, 2 * SZ_1G + SZ_1G / 2 + 2 * SZ_4K, 12);
	expect_oa(&t, base + SZ_1G / 2 + SZ_64K, 2 * SZ_1G + SZ_1G / 2 + SZ_64K, 16);
	expect_oa(&t, base + SZ_1G / 2 + SZ_2M, 2 * SZ_1G + SZ_1G / 2 + SZ_2M, 21);
	expect_oa(&t, base + SZ_1G - 8, 3 * SZ_1G - 8, 25);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	/* A range cutting two leaves at both ends splits both. */
	unmap(&t, base + SZ_1G / 4 - SZ_4K, SZ_1G / 2, IOMMUPT_UNMAP_SPLIT,
	      SZ_1G / 2 - SZ_4K);
	expect_oa(&t, base + SZ_1G / 4 - 2 * SZ_4K, 2 * SZ_1G + SZ_1G / 4 - 2 * SZ_4K, 12);
	expect_unmapped(&t, base + SZ_1G / 4 - SZ_4K);
	expect_oa(&t, base + 3 * SZ_1G / 4 - SZ_4K, 2 * SZ_1G + 3 * SZ_1G / 4 - SZ_4K, 12);
	ck_assert_uint_eq(mapped_bytes(&t), SZ_1G / 2);
	unmap(&t, base, SZ_1G, 0, SZ_1G / 2);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages);
	test_dom_destroy(&t);

	/* AMD 128G NextLevel 7 page: split at a 1M boundary. */
	test_dom_create(&t, &amd);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, 128 * SZ_1G, RW, NULL), 0);
	ck_assert_uint_eq(leaves_in(&t, 0, 128 * SZ_1G), 1);
	/* As if the device wrote to it: the pieces stay dirty (D, bit 6). */
	for (unsigned int i = 0; i < 128; i++)
		cpu_of(&t, t.info.root_oa)[i] |= 1ull << 6;
	unmap(&t, 64 * SZ_1G + SZ_1M, SZ_1M, IOMMUPT_UNMAP_SPLIT, SZ_1M);
	ck_assert(leaf_at(&t, 0).entry & (1ull << 6));
	ck_assert(leaf_at(&t, 64 * SZ_1G + 2 * SZ_1M).entry & (1ull << 6));
	expect_oa(&t, 0, 0, 36);
	expect_oa(&t, 64 * SZ_1G, 64 * SZ_1G, 20);
	expect_unmapped(&t, 64 * SZ_1G + SZ_1M);
	expect_oa(&t, 64 * SZ_1G + 2 * SZ_1M, 64 * SZ_1G + 2 * SZ_1M, 21);
	expect_oa(&t, 127 * SZ_1G, 127 * SZ_1G, 35); /* the 32G from 96G */
	ck_assert_uint_eq(mapped_bytes(&t), 128 * SZ_1G - SZ_1M);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	unmap(&t, 0, 128 * SZ_1G, 0, 128 * SZ_1G - SZ_1M);
	test_dom_destroy(&t);
}
END_TEST

/* A failed split returns -ENOMEM and changes nothing; nothing leaks. */
START_TEST(test_split_under_allocation_failure)
{
	struct iommupt_domain_cfg cfgs[] = {
		arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 48, 0),
		amd_cfg(4, 0),
		arm_cfg(IOMMUPT_FMT_ARM_S2, 16, 48, 0),
	};
	struct test_dom t;

	test_dom_create(&t, &cfgs[_i]);
	uint64_t page = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	uint64_t big = 1ull << (63 - __builtin_clzll(t.info.pgsize_bitmap &
						     ((1ull << 36) - 1)));
	uint64_t nth, pages = 0, bytes = 0;
	int rc;

	/* Two large pages; the range cuts both. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, big, big, 2 * big, RW, NULL), 0);
	pages = iommupt_heap_live_pages(t.heap);
	for (nth = 1;; nth++) {
		struct snapshot before, after;

		snapshot_take(t.dom, &before);
		iommupt_heap_fail_nth(t.heap, nth);
		rc = iommupt_domain_unmap(t.dom, 2 * big - page, 2 * page,
					  IOMMUPT_UNMAP_SPLIT, NULL, &bytes);
		if (!iommupt_heap_failed(t.heap)) {
			snapshot_free(&before);
			break;
		}
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_uint_eq(bytes, 0);
		snapshot_take(t.dom, &after);
		ck_assert(snapshot_equal(&before, &after));
		ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages);
		snapshot_free(&before);
		snapshot_free(&after);
	}
	iommupt_heap_fail_nth(t.heap, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(bytes, 2 * page);
	ck_assert_uint_gt(nth, 2);
	expect_oa(&t, 2 * big - 2 * page, 2 * big - 2 * page, 0);
	expect_unmapped(&t, 2 * big - page);
	expect_unmapped(&t, 2 * big);
	expect_oa(&t, 2 * big + page, 2 * big + page, 0);
	ck_assert_uint_eq(mapped_bytes(&t), 2 * big - 2 * page);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	unmap(&t, big, 2 * big, 0, 2 * big - 2 * page);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages);
	test_dom_destroy(&t);
}
END_TEST

/* Geometry: levels from granule and input size; concatenated top tables. */
START_TEST(test_arm_geometry_and_concatenation)
{
	static const struct {
		uint32_t format;
		unsigned int granule, ias, flags, levels, root_lg2;
	} g[] = {
		{ IOMMUPT_FMT_ARM_S1, 12, 48, 0, 4, 12 },
		{ IOMMUPT_FMT_ARM_S1, 12, 39, 0, 3, 12 },
		{ IOMMUPT_FMT_ARM_S1, 12, 32, 0, 3, 5 },   /* 4 items */
		{ IOMMUPT_FMT_ARM_S1, 14, 48, 0, 4, 4 },   /* 2 items */
		{ IOMMUPT_FMT_ARM_S1, 16, 52, 0, 3, 13 },  /* 1024 items */
		{ IOMMUPT_FMT_ARM_S2, 12, 40, 0, 4, 4 },
		{ IOMMUPT_FMT_ARM_S2, 12, 40, IOMMUPT_CFG_ARM_CONCAT, 3, 13 },
		{ IOMMUPT_FMT_ARM_S2, 12, 42, IOMMUPT_CFG_ARM_CONCAT, 3, 15 },
		{ IOMMUPT_FMT_ARM_S2, 12, 44, IOMMUPT_CFG_ARM_CONCAT, 4, 8 },
		{ IOMMUPT_FMT_ARM_S2, 14, 40, IOMMUPT_CFG_ARM_CONCAT, 2, 18 },
		{ IOMMUPT_FMT_ARM_S2, 14, 48, IOMMUPT_CFG_ARM_CONCAT, 3, 15 },
		{ IOMMUPT_FMT_ARM_S2, 16, 48, IOMMUPT_CFG_ARM_CONCAT, 3, 9 },
	};

	for (unsigned int i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct iommupt_domain_cfg cfg = arm_cfg(g[i].format, g[i].granule,
							g[i].ias, g[i].flags);
		struct test_dom t;
		uint64_t last = (1ull << g[i].ias) - (1ull << g[i].granule);

		test_dom_create(&t, &cfg);
		ck_assert_msg(t.info.levels == g[i].levels, "case %u: %u levels", i,
			      t.info.levels);
		ck_assert_msg(t.info.root_size_lg2 == g[i].root_lg2, "case %u: root 2^%u",
			      i, t.info.root_size_lg2);
		ck_assert_uint_eq(t.info.granule_lg2, g[i].granule);
		/* Both ends of the aperture map through the whole walk. */
		ck_assert_int_eq(iommupt_domain_map(t.dom, last, 0, 1ull << g[i].granule,
						    RW, NULL), 0);
		ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, 1ull << g[i].granule,
						    RW, NULL), 0);
		expect_oa(&t, last + 8, 8, g[i].granule);
		ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
		unmap(&t, 0, 1ull << g[i].ias, 0, 2ull << g[i].granule);
		test_dom_destroy(&t);
	}
}
END_TEST

START_TEST(test_arm_ttbr1_and_52bit_output)
{
	struct iommupt_domain_cfg cfg = arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 48, 0);
	struct test_dom t;
	struct iommupt_leaf leaf;
	uint64_t got;

	cfg.va_layout = IOMMUPT_VA_UPPER;
	test_dom_create(&t, &cfg);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_4K, RW, NULL), -ERANGE);
	ck_assert_int_eq(iommupt_domain_map(t.dom, (uint64_t)0 - SZ_1G, SZ_1G, SZ_1G, RW,
					    NULL), 0);
	leaf = leaf_at(&t, (uint64_t)0 - SZ_1G);
	ck_assert_uint_eq(leaf.iova, (uint64_t)0 - SZ_1G);
	ck_assert_uint_eq(leaf.size_lg2, 30);
	expect_oa(&t, (uint64_t)0 - 8, 2 * SZ_1G - 8, 30);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, SZ_1G, &got, NULL, NULL),
			 -ERANGE);
	unmap(&t, (uint64_t)0 - SZ_1G, SZ_1G, 0, SZ_1G);
	test_dom_destroy(&t);

	/* 64K granule, 52-bit OA: bits 51:48 live in descriptor bits 15:12. */
	cfg = arm_cfg(IOMMUPT_FMT_ARM_S2, 16, 52, 0);
	cfg.oas_lg2 = 52;
	test_dom_create(&t, &cfg);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_64K, (0xaull << 48) | SZ_64K,
					    SZ_64K, RW, NULL), 0);
	leaf = leaf_at(&t, SZ_64K);
	ck_assert_uint_eq(leaf.entry >> 12 & 0xf, 0xa);
	expect_oa(&t, SZ_64K + 8, (0xaull << 48) | (SZ_64K + 8), 16);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	unmap(&t, SZ_64K, SZ_64K, 0, SZ_64K);
	test_dom_destroy(&t);
	/* 52 bits need the 64K granule. */
	cfg = arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 52, 0);
	{
		struct iommupt_heap *heap;
		struct iommupt_domain *dom = NULL;

		ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
		ck_assert_int_eq(iommupt_domain_create(&cfg, iommupt_heap_mem(heap), &dom),
				 -EINVAL);
		iommupt_heap_destroy(heap);
	}
}
END_TEST

/* Permission and attribute encodings per stage (Arm ARM access permissions, memory attributes). */
START_TEST(test_arm_attribute_encodings)
{
	struct iommupt_domain_cfg s1 = arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 48, 0);
	struct iommupt_domain_cfg s2 = arm_cfg(IOMMUPT_FMT_ARM_S2, 12, 48, 0);
	struct test_dom t;
	uint32_t prot;
	uint64_t got, e;

	test_dom_create(&t, &s1);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_4K, 0, SZ_4K,
					    IOMMUPT_WRITE | IOMMUPT_CACHE, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 2 * SZ_4K, 0, SZ_4K,
					    RW | IOMMUPT_MMIO | IOMMUPT_PRIV |
					    IOMMUPT_NOEXEC, NULL), 0);
	e = leaf_at(&t, 0).entry;
	ck_assert_uint_eq(e & 0xfff, 0x3 | (1 << 6) | (1 << 7) | (2 << 8) | (1 << 10) |
			  (1 << 11));
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, SZ_4K, &got, &prot, NULL), 0);
	ck_assert_uint_eq(prot, RW | IOMMUPT_CACHE); /* write implies read */
	e = leaf_at(&t, SZ_4K).entry;
	ck_assert_uint_eq(e >> 2 & 7, 1); /* AttrIndx */
	ck_assert_uint_eq(e >> 8 & 3, 3); /* inner shareable */
	e = leaf_at(&t, 2 * SZ_4K).entry;
	ck_assert_uint_eq(e >> 2 & 7, 2);
	ck_assert(!(e & (1 << 6)));
	ck_assert(e & (3ull << 53));
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, 2 * SZ_4K, &got, &prot, NULL),
			 0);
	ck_assert_uint_eq(prot, RW | IOMMUPT_MMIO | IOMMUPT_PRIV | IOMMUPT_NOEXEC);
	unmap(&t, 0, SZ_2M, 0, 3 * SZ_4K);
	test_dom_destroy(&t);

	test_dom_create(&t, &s2);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, IOMMUPT_WRITE, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_4K, 0, SZ_4K,
					    IOMMUPT_READ | IOMMUPT_MMIO | IOMMUPT_NOEXEC,
					    NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 2 * SZ_4K, 0, SZ_4K,
					    RW | IOMMUPT_CACHE, NULL), 0);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, 0, &got, &prot, NULL), 0);
	ck_assert_uint_eq(prot, IOMMUPT_WRITE); /* stage 2 can deny reads */
	e = leaf_at(&t, 0).entry;
	ck_assert_uint_eq(e >> 6 & 3, 2);
	ck_assert_uint_eq(e >> 2 & 0xf, 0x5);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, SZ_4K, &got, &prot, NULL), 0);
	ck_assert_uint_eq(prot, IOMMUPT_READ | IOMMUPT_MMIO | IOMMUPT_NOEXEC);
	ck_assert_uint_eq(leaf_at(&t, 2 * SZ_4K).entry >> 2 & 0xf, 0xf);
	unmap(&t, 0, SZ_2M, 0, 3 * SZ_4K);
	test_dom_destroy(&t);
}
END_TEST

START_TEST(test_new_formats_reject_bad_configs)
{
	struct iommupt_heap *heap;
	struct iommupt_domain *dom = NULL;
	const struct iommupt_mem *mem;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	mem = iommupt_heap_mem(heap);
#define BAD(...) do {                                                          \
		struct iommupt_domain_cfg c = { .sz = sizeof(c), __VA_ARGS__ };        \
		ck_assert_int_eq(iommupt_domain_create(&c, mem, &dom), -EINVAL);       \
		ck_assert_ptr_null(dom);                                               \
	} while (0)
	BAD(.format = IOMMUPT_FMT_AMD_V1, .levels = 7);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .levels = 2, .ias_lg2 = 40);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .ias_lg2 = 65);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .ias_lg2 = 20);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .oas_lg2 = 53);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .granule_lg2 = 14);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .va_layout = IOMMUPT_VA_UPPER);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .flags = IOMMUPT_CFG_ARM_CONCAT);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .grow_fn = on_grow);
	BAD(.format = IOMMUPT_FMT_AMD_V1, .levels = 4, .ias_lg2 = 30,
	    .flags = IOMMUPT_CFG_AMD_GROW);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 13);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 31);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 49);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 16, .ias_lg2 = 50);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .oas_lg2 = 41);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .oas_lg2 = 52);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .flags = IOMMUPT_CFG_ARM_CONCAT);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .va_layout = IOMMUPT_VA_SIGNEXT);
	BAD(.format = IOMMUPT_FMT_ARM_S1, .levels = 3, .ias_lg2 = 48);
	BAD(.format = IOMMUPT_FMT_ARM_S2, .va_layout = IOMMUPT_VA_UPPER);
	BAD(.format = IOMMUPT_FMT_ARM_S2, .grow_fn = on_grow);
	BAD(.format = IOMMUPT_FMT_ARM_S2, .pgsize_bitmap = 1ull << 13);
#undef BAD
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

struct finding_log {
	int n;
	enum iommupt_finding_kind kind;
};

static void log_finding(void *ctx, const struct iommupt_finding *f)
{
	struct finding_log *log = ctx;

	ck_assert_ptr_nonnull(f->what);
	if (!log->n++)
		log->kind = f->kind;
}

static void expect_finding(struct test_dom *t, uint64_t *item, uint64_t value,
			   enum iommupt_finding_kind kind)
{
	struct finding_log log = { 0 };
	uint64_t saved = *item;

	*item = value;
	ck_assert_int_ge(iommupt_domain_validate(t->dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind, kind);
	*item = saved;
	ck_assert_int_eq(iommupt_domain_validate(t->dom, NULL, NULL), 0);
}

START_TEST(test_validate_finds_amd_and_arm_corruption)
{
	struct iommupt_domain_cfg amd = amd_cfg(3, 0);
	struct iommupt_domain_cfg arm;
	struct test_dom t;
	uint64_t *root, *l1, *l0;

	amd.oas_lg2 = 48;
	test_dom_create(&t, &amd);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, 16 * SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, SZ_2M, SZ_2M, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	l1 = cpu_of(&t, root[0] & AMD_ADDR);
	l0 = cpu_of(&t, l1[0] & AMD_ADDR);
	expect_finding(&t, &l1[1], l1[1] | (1ull << 53), IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | (1ull << 50), IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | SZ_4K, IOMMUPT_BAD_RESERVED_BITS);
	/* A PDE skipping a level. */
	expect_finding(&t, &root[0], (root[0] & ~(7ull << 9)) | (1ull << 9),
		       IOMMUPT_BAD_LEAF_LEVEL);
	/* NextLevel 7 claiming the level's natural size; a broken replica. */
	expect_finding(&t, &l0[0], (l0[0] & ~0x1ff000ull) | (7ull << 9) | 0x1ff000,
		       IOMMUPT_BAD_LEAF_LEVEL);
	expect_finding(&t, &l0[3], l0[3] + SZ_4K * 32, IOMMUPT_BAD_CONTIG);
	/* A table pointer above the output size. */
	expect_finding(&t, &root[0], root[0] | (1ull << 50), IOMMUPT_BAD_RESERVED_BITS);
	test_dom_destroy(&t);

	/* 512G is no page size: a NextLevel 0 entry at level 3 (spec level 4). */
	amd = amd_cfg(0, 0);
	test_dom_create(&t, &amd);
	ck_assert_uint_eq(t.info.levels, 4);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	expect_finding(&t, &root[1], (1ull << 39) | (3ull << 61) | 1,
		       IOMMUPT_BAD_LEAF_LEVEL);
	test_dom_destroy(&t);

	/* 16K granule: address bits 13:12 are RES0. */
	arm = arm_cfg(IOMMUPT_FMT_ARM_S2, 14, 36, 0);
	test_dom_create(&t, &arm);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_16K, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	l0 = cpu_of(&t, root[0] & 0x0000ffffffffc000ull);
	expect_finding(&t, &l0[0], l0[0] | SZ_4K, IOMMUPT_BAD_RESERVED_BITS);
	test_dom_destroy(&t);

	/* The Contiguous bit where the domain does not use runs. */
	arm = arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 39, 0);
	arm.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
	test_dom_create(&t, &arm);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	l1 = cpu_of(&t, root[0] & 0x0000fffffffff000ull);
	l0 = cpu_of(&t, l1[0] & 0x0000fffffffff000ull);
	expect_finding(&t, &l0[0], l0[0] | ARM_CONT, IOMMUPT_BAD_LEAF_LEVEL);
	test_dom_destroy(&t);

	arm = arm_cfg(IOMMUPT_FMT_ARM_S1, 12, 39, 0);
	arm.oas_lg2 = 40;
	test_dom_create(&t, &arm);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, 17 * SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, SZ_2M, SZ_2M, RW, NULL), 0);
	root = cpu_of(&t, t.info.root_oa);
	l1 = cpu_of(&t, root[0] & 0x0000fffffffff000ull);
	l0 = cpu_of(&t, l1[0] & 0x0000fffffffff000ull);
	ck_assert(l0[0] & ARM_CONT);
	expect_finding(&t, &l0[5], l0[5] & ~ARM_CONT, IOMMUPT_BAD_CONTIG);
	expect_finding(&t, &l0[16], l0[16] & ~2ull, IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | (1ull << 45), IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | (1ull << 49), IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | SZ_64K, IOMMUPT_BAD_RESERVED_BITS);
	expect_finding(&t, &l1[1], l1[1] | ARM_CONT, IOMMUPT_BAD_CONTIG);
	/* A block at level 0 (lookup level 1 here is a 1G block: allowed). */
	test_dom_destroy(&t);
}
END_TEST

Suite *formats_suite(void);
Suite *formats_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *amd = test_tcase("amd-v1");
	TCase *arm = test_tcase("arm");
	TCase *split = test_tcase("split");

	tcase_add_test(amd, test_amd_every_nl7_size_maps_translates_unmaps);
	tcase_add_test(amd, test_amd_nl7_is_replicated);
	tcase_add_test(amd, test_amd_growth_callback_reports_root_and_levels);
	tcase_add_test(amd, test_amd_growth_under_allocation_failure);
	tcase_add_test(amd, test_amd_growth_races_between_threads);
	tcase_add_loop_test(arm, test_arm_contiguous_runs_form_when_aligned_and_complete,
			    0, 3);
	tcase_add_test(arm, test_arm_geometry_and_concatenation);
	tcase_add_test(arm, test_arm_ttbr1_and_52bit_output);
	tcase_add_test(arm, test_arm_attribute_encodings);
	tcase_add_test(arm, test_new_formats_reject_bad_configs);
	tcase_add_test(arm, test_validate_finds_amd_and_arm_corruption);
	tcase_add_test(split, test_split_block_and_nl7_pages);
	tcase_add_loop_test(split, test_split_under_allocation_failure, 0, 3);
	suite_add_tcase(s, amd);
	suite_add_tcase(s, arm);
	suite_add_tcase(s, split);
	return s;
}
