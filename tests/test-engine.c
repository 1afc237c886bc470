// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Engine conformance: every format configuration maps, translates, walks
 * and unmaps every page size; every bad input is refused with the
 * documented error and changes nothing; allocation failures at each step
 * leave the domain as it was; validate finds planted corruption.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)
#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

static const struct test_cfg *cfg_of(int i)
{
	return &test_cfgs[i];
}

/* Last byte of the lower (or only) contiguous part of the aperture. */
static uint64_t part_last(const struct test_dom *t)
{
	if (t->info.ias_lg2 >= 64 || t->info.va_layout == IOMMUPT_VA_UPPER)
		return UINT64_MAX;
	if (t->info.va_layout == IOMMUPT_VA_SIGNEXT)
		return (1ull << (t->info.ias_lg2 - 1)) - 1;
	return (1ull << t->info.ias_lg2) - 1;
}

/*
 * An IOVA near the top of that part: four sizes below it, or the last
 * slot when the part is not that large.
 */
static uint64_t high_iova(const struct test_dom *t, uint64_t size)
{
	uint64_t first = test_aperture_first(t), last = part_last(t);

	if (4 * size - 1 <= last - first)
		return last - 4 * size + 1;
	return last - size + 1;
}

/* Whether addr lies in the aperture. */
static bool in_aperture(const struct test_dom *t, uint64_t addr)
{
	if (t->info.va_layout == IOMMUPT_VA_SIGNEXT)
		return addr <= part_last(t) || addr >= ~part_last(t);
	return addr >= test_aperture_first(t) && addr <= part_last(t);
}

/* The shapes most conformance cases are written for: 4K pages, 2M blocks. */
static bool has_4k_2m(const struct test_dom *t)
{
	return (t->info.pgsize_bitmap & (SZ_4K | SZ_2M)) == (SZ_4K | SZ_2M) &&
	       t->info.va_layout != IOMMUPT_VA_UPPER;
}

static void expect_translation(struct test_dom *t, uint64_t iova, uint64_t oa,
			       unsigned int size_lg2)
{
	uint64_t size = 1ull << size_lg2;
	const uint64_t offs[] = { 0, 8, size / 2, size - 8 };

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t got = 0;
		unsigned int got_lg2 = 0;
		uint32_t prot = 0;

		ck_assert_int_eq(iommupt_domain_iova_to_phys(t->dom, iova + offs[i],
							     &got, &prot, &got_lg2), 0);
		ck_assert_uint_eq(got, oa + offs[i]);
		ck_assert_uint_eq(got_lg2, size_lg2);
		ck_assert(prot & IOMMUPT_READ);
		ck_assert(prot & IOMMUPT_WRITE);
	}
}

static int count_leaf(void *ctx, const struct iommupt_leaf *leaf)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t leaves_of(struct test_dom *t)
{
	uint64_t n = 0;

	ck_assert_int_eq(iommupt_domain_walk(t->dom, 0, 0, count_leaf, &n), 0);
	return n;
}

static void unmap_all(struct test_dom *t)
{
	uint64_t first = test_aperture_first(t), last = test_aperture_last(t);
	struct iommupt_gather g;

	iommupt_gather_init(&g);
	if (t->info.ias_lg2 >= 64) {
		ck_assert_int_eq(iommupt_domain_unmap(t->dom, 0, 1ull << 63, 0, &g, NULL), 0);
		ck_assert_int_eq(iommupt_domain_unmap(t->dom, 1ull << 63, 1ull << 63, 0,
						      &g, NULL), 0);
	} else if (t->info.va_layout == IOMMUPT_VA_SIGNEXT) {
		uint64_t half = 1ull << (t->info.ias_lg2 - 1);

		ck_assert_int_eq(iommupt_domain_unmap(t->dom, 0, half, 0, &g, NULL), 0);
		ck_assert_int_eq(iommupt_domain_unmap(t->dom, 0 - half, half, 0, &g,
						      NULL), 0);
	} else {
		ck_assert_int_eq(iommupt_domain_unmap(t->dom, first, last - first + 1,
						      0, &g, NULL), 0);
	}
	iommupt_gather_release(&g);
}

/* Every page size the configuration has, at low, high and upper IOVAs. */
START_TEST(test_every_page_size_maps_translates_and_unmaps)
{
	struct test_dom t;
	struct iommupt_stats st = { .sz = sizeof(st) };

	test_dom_create(&t, &cfg_of(_i)->cfg);
	for (uint64_t sizes = t.info.pgsize_bitmap; sizes; sizes &= sizes - 1) {
		unsigned int lg2 = __builtin_ctzll(sizes);
		uint64_t size = 1ull << lg2;
		uint64_t iovas[3] = { test_aperture_first(&t) + size,
				      high_iova(&t, size), 0 };
		unsigned int n = 2;

		if (t.info.va_layout == IOMMUPT_VA_SIGNEXT)
			iovas[n++] = (uint64_t)0 - 2 * size;
		for (unsigned int k = 0; k < n; k++) {
			uint64_t iova = iovas[k];
			uint64_t oa = size < (1ull << (t.info.oas_lg2 - 2)) ? 3 * size : 0;
			uint64_t unmapped = 0;
			struct iommupt_gather g;

			iommupt_gather_init(&g);
			ck_assert_int_eq(iommupt_domain_map(t.dom, iova, oa, size, RW, &g), 0);
			ck_assert(!iommupt_gather_empty(&g));
			ck_assert_uint_eq(g.start, iova);
			ck_assert_uint_eq(g.last, iova + size - 1);
			expect_translation(&t, iova, oa, lg2);
			ck_assert_uint_eq(leaves_of(&t), 1);
			/* The neighbours stay unmapped. */
			{
				uint64_t got;

				if (in_aperture(&t, iova + size))
					ck_assert_int_eq(iommupt_domain_iova_to_phys(
								 t.dom, iova + size, &got, NULL, NULL),
							 -ENOENT);
				if (in_aperture(&t, iova - 1))
					ck_assert_int_eq(iommupt_domain_iova_to_phys(
								 t.dom, iova - 1, &got, NULL, NULL),
							 -ENOENT);
			}
			ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
			iommupt_gather_release(&g);
			ck_assert_int_eq(iommupt_domain_unmap(t.dom, iova, size, 0, &g,
							      &unmapped), 0);
			ck_assert_uint_eq(unmapped, size);
			ck_assert_uint_eq(leaves_of(&t), 0);
			iommupt_gather_release(&g);
		}
	}
	unmap_all(&t);
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	for (unsigned int l = 0; l + 1 < st.levels; l++)
		ck_assert_uint_eq(st.table_pages[l], 0);
	ck_assert_uint_eq(st.table_pages[st.levels - 1], 1);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), 1);
	test_dom_destroy(&t);
}
END_TEST

/* A range mapped in one call uses the largest sizes alignment allows. */
START_TEST(test_map_picks_largest_pages)
{
	struct test_dom t;
	struct iommupt_stats st = { .sz = sizeof(st) };
	bool has_1g;

	test_dom_create(&t, &cfg_of(_i)->cfg);
	/* Formats with other sizes (contiguous, NextLevel 7): test-formats.c. */
	if ((t.info.pgsize_bitmap & ~(SZ_4K | SZ_2M | SZ_1G)) || !has_4k_2m(&t) ||
	    t.info.ias_lg2 < 36) {
		test_dom_destroy(&t);
		return;
	}
	has_1g = t.info.pgsize_bitmap & SZ_1G;
	/* 4K | 2M-4K... : 4K then 511 4K, then 2M pages, then a 1G. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1G - SZ_2M - SZ_4K,
					    4 * SZ_1G - SZ_2M - SZ_4K,
					    SZ_1G + SZ_2M + SZ_4K + SZ_2M, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	ck_assert_uint_eq(st.mapped_bytes, SZ_1G + 2 * SZ_2M + SZ_4K);
	ck_assert_uint_eq(st.leaves[0], 1);
	ck_assert_uint_eq(st.leaves[1], has_1g ? 2 : 2 + 512);
	ck_assert_uint_eq(st.leaves[2], has_1g ? 1 : 0);
	expect_translation(&t, SZ_1G - SZ_4K - SZ_2M, 4 * SZ_1G - SZ_2M - SZ_4K, 12);
	expect_translation(&t, SZ_1G - SZ_2M, 4 * SZ_1G - SZ_2M, 21);
	expect_translation(&t, SZ_1G, 4 * SZ_1G, has_1g ? 30 : 21);
	/* OA alignment limits the page size too. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, 8 * SZ_1G, 16 * SZ_1G + SZ_4K,
					    SZ_2M, RW, NULL), 0);
	expect_translation(&t, 8 * SZ_1G, 16 * SZ_1G + SZ_4K, 12);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

struct bad_case {
	const char *what;
	uint64_t iova, oa, len;
	uint32_t prot;
	int err;
};

/* Every malformed request fails with its errno and changes nothing. */
START_TEST(test_bad_input_fails_and_changes_nothing)
{
	struct test_dom t;
	struct snapshot before, after;
	uint64_t pages_before;

	test_dom_create(&t, &cfg_of(_i)->cfg);
	/* The smallest page and the block one level up, per granule. */
	const uint64_t P = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	const uint64_t B = P << (__builtin_ctzll(P) - 3);

	if (!(t.info.pgsize_bitmap & B) || t.info.ias_lg2 < 30 ||
	    t.info.va_layout == IOMMUPT_VA_UPPER || 40 * B > part_last(&t)) {
		test_dom_destroy(&t);
		return;
	}
	uint64_t ap_last = test_aperture_last(&t);
	uint64_t oa_max = 1ull << t.info.oas_lg2;
	/* A 64-bit aperture has no top: those cases are skipped. */
	bool has_top = t.info.ias_lg2 < 64;
	uint64_t top = has_top ? part_last(&t) + 1 : 0;
	const struct bad_case cases[] = {
		{ "zero length", B, 0, 0, RW, -EINVAL },
		{ "misaligned iova", B + 8, 0, P, RW, -EINVAL },
		{ "misaligned oa", B, 0x800, P, RW, -EINVAL },
		{ "misaligned length", B, 0, P + 1, RW, -EINVAL },
		{ "no permission", B, 0, P, 0, -EINVAL },
		{ "unknown prot bit", B, 0, P, RW | (1u << 20), -EINVAL },
		{ "iova wraps", (uint64_t)0 - P, 0, 2 * P, RW, -EOVERFLOW },
		{ "oa wraps", B, (uint64_t)0 - P, 2 * P, RW, -EOVERFLOW },
		{ "beyond aperture", top, 0, P, RW, -ERANGE },
		{ "straddles aperture end", top - P, 0, 2 * P, RW, -ERANGE },
		{ "oa beyond output size", B, oa_max - P, 2 * P, RW, -ERANGE },
		{ "overlaps existing 4K", 16 * B + 4 * P, 0, 2 * P, RW, -EEXIST },
		{ "ends on existing 4K", 16 * B, 0, 6 * P, RW, -EEXIST },
		{ "4K inside existing 2M", 32 * B + P, 0, P, RW, -EEXIST },
		{ "2M over a 4K table", 16 * B, 0, B, RW, -EEXIST },
		{ "range ending in 2M", 31 * B, 0, B + P, RW, -EEXIST },
	};

	(void)ap_last;
	/* Something mapped so that "unchanged" means something. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, 16 * B + 5 * P, SZ_1G, P,
					    RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 32 * B, 2 * SZ_1G, B,
					    RW, NULL), 0);
	snapshot_take(t.dom, &before);
	pages_before = iommupt_heap_live_pages(t.heap);
	for (unsigned int k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct bad_case *c = &cases[k];

		if (!has_top && c->err == -ERANGE && c->oa == 0)
			continue;
		int rc = iommupt_domain_map(t.dom, c->iova, c->oa, c->len, c->prot, NULL);

		ck_assert_msg(rc == c->err, "%s: %s: got %d want %d",
			      cfg_of(_i)->name, c->what, rc, c->err);
		snapshot_take(t.dom, &after);
		ck_assert_msg(snapshot_equal(&before, &after), "%s changed the table",
			      c->what);
		snapshot_free(&after);
	}
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages_before);
	/* Unmap's shape errors, and a cut large page. */
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, B, 0, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, B + 1, P, 0, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, (uint64_t)0 - P, 2 * P, 0,
					      NULL, NULL), -EOVERFLOW);
	if (has_top)
		ck_assert_int_eq(iommupt_domain_unmap(t.dom, top, P, 0, NULL, NULL),
				 -ERANGE);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 32 * B + P, P, 0,
					      NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 31 * B, B + P, 0,
					      NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 32 * B, P, 8, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 32 * B + P, P,
					      IOMMUPT_UNMAP_SPLIT | 8, NULL, NULL),
			 -EINVAL);
	snapshot_take(t.dom, &after);
	ck_assert(snapshot_equal(&before, &after));
	snapshot_free(&after);
	snapshot_free(&before);
	/* Lookups outside the aperture. */
	if (has_top) {
		uint64_t oa;

		ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, top, &oa, NULL, NULL),
				 -ERANGE);
		ck_assert_int_eq(iommupt_domain_walk(t.dom, top, P, count_leaf, &oa),
				 -ERANGE);
	}
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

/* Unmap of a range with holes removes what is there and reports it. */
START_TEST(test_unmap_holes_counts_bytes_and_frees_covered_tables)
{
	struct test_dom t;
	struct iommupt_gather g;
	uint64_t bytes = 0, pages;

	test_dom_create(&t, &cfg_of(_i)->cfg);
	/*
	 * P the smallest page, B the block one level up, T what a level-1
	 * table spans (4K granule: 4K, 2M, 1G). Needs a level-1 table below
	 * the root: three levels or more (or a domain that grows to them).
	 */
	const uint64_t P = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	const uint64_t B = P << (__builtin_ctzll(P) - 3);
	const uint64_t T = B << (__builtin_ctzll(P) - 3);
	const uint64_t base = test_aperture_first(&t) + T;

	if (!(t.info.pgsize_bitmap & B) || 4 * T - 1 > part_last(&t) - base + T ||
	    (t.info.levels < 3 &&
	     !(cfg_of(_i)->cfg.flags & IOMMUPT_CFG_AMD_GROW))) {
		test_dom_destroy(&t);
		return;
	}
	for (unsigned int k = 0; k < 8; k++)
		ck_assert_int_eq(iommupt_domain_map(t.dom, base + k * 3 * P,
						    k * P, P, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, base + 8 * B, 0, B, RW,
					    NULL), 0);
	pages = iommupt_heap_live_pages(t.heap);
	iommupt_gather_init(&g);
	/* Unmapping an empty range is fine and frees nothing. */
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, base + T, T, 0, &g,
					      &bytes), 0);
	ck_assert_uint_eq(bytes, 0);
	ck_assert(iommupt_gather_empty(&g));
	/* Half of the small pages: the table holding them stays. */
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, base, 12 * P, 0, &g,
					      &bytes), 0);
	ck_assert_uint_eq(bytes, 4 * P);
	ck_assert_uint_eq(g.nr_pages, 0);
	ck_assert_uint_eq(g.start, base);
	ck_assert_uint_eq(g.last, base + 12 * P - 1);
	/* The whole T: the level-0 table and level-1 table go to the gather. */
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, base, T, 0, &g, &bytes), 0);
	ck_assert_uint_eq(bytes, 4 * P + B);
	ck_assert_uint_eq(g.nr_pages, 2);
	ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
	/* Not back with the provider until the caller releases the gather. */
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), pages - 2);
	ck_assert(iommupt_gather_empty(&g));
	ck_assert_uint_eq(leaves_of(&t), 0);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

/* Walk visits exactly the leaves inside the range asked, in order. */
START_TEST(test_walk_range_and_early_stop)
{
	struct test_dom t;
	struct snapshot s;
	uint64_t n = 0;

	test_dom_create(&t, &cfg_of(_i)->cfg);
	const uint64_t P = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	const uint64_t B = P << (__builtin_ctzll(P) - 3);
	const uint64_t base = test_aperture_first(&t);

	if (!(t.info.pgsize_bitmap & B)) {
		test_dom_destroy(&t);
		return;
	}
	for (unsigned int k = 0; k < 16; k++)
		ck_assert_int_eq(iommupt_domain_map(t.dom, base + k * B, k * B,
						    k & 1 ? B : P, RW, NULL), 0);
	snapshot_take(t.dom, &s);
	ck_assert_uint_eq(s.n, 16);
	for (size_t k = 1; k < s.n; k++)
		ck_assert(s.leaf[k].iova > s.leaf[k - 1].iova);
	snapshot_free(&s);
	ck_assert_int_eq(iommupt_domain_walk(t.dom, base + 4 * B, 4 * B, count_leaf,
					     &n), 0);
	ck_assert_uint_eq(n, 4);
	/* A range starting inside a 2M leaf still reports it. */
	n = 0;
	ck_assert_int_eq(iommupt_domain_walk(t.dom, base + B + P, P, count_leaf,
					     &n), 0);
	ck_assert_uint_eq(n, 1);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

static int stop_after_two(void *ctx, const struct iommupt_leaf *leaf)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}

START_TEST(test_walk_stops_with_callback_value)
{
	struct test_dom t;
	int calls = 0;

	test_dom_create(&t, &test_cfgs[1].cfg);
	for (unsigned int k = 0; k < 4; k++)
		ck_assert_int_eq(iommupt_domain_map(t.dom, k * SZ_4K, 0, SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_walk(t.dom, 0, 0, stop_after_two, &calls), 42);
	ck_assert_int_eq(calls, 2);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

/*
 * For N = 1, 2, ...: fail the Nth allocation of a map; until the map
 * succeeds each failure is -ENOMEM with the walk unchanged, and at the end
 * nothing has leaked.
 */
static void map_under_failures(struct test_dom *t, uint64_t iova, uint64_t oa,
			       uint64_t len)
{
	struct snapshot before, after;
	struct iommupt_stats st0 = { .sz = sizeof(st0) }, st1 = { .sz = sizeof(st1) };
	int rc;
	uint64_t nth;

	snapshot_take(t->dom, &before);
	ck_assert_int_eq(iommupt_domain_stats(t->dom, &st0), 0);
	for (nth = 1;; nth++) {
		struct iommupt_gather g;

		iommupt_gather_init(&g);
		iommupt_heap_fail_nth(t->heap, nth);
		rc = iommupt_domain_map(t->dom, iova, oa, len, RW, &g);
		iommupt_gather_release(&g);
		if (!iommupt_heap_failed(t->heap))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		snapshot_take(t->dom, &after);
		ck_assert(snapshot_equal(&before, &after));
		snapshot_free(&after);
		ck_assert_int_eq(iommupt_domain_stats(t->dom, &st1), 0);
		ck_assert_uint_eq(st1.mapped_bytes, st0.mapped_bytes);
		ck_assert_int_eq(iommupt_domain_validate(t->dom, NULL, NULL), 0);
	}
	iommupt_heap_fail_nth(t->heap, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(nth, 1); /* the map did allocate */
	snapshot_free(&before);
}

START_TEST(test_map_alloc_failure_at_each_step_changes_nothing)
{
	struct test_dom t;

	test_dom_create(&t, &cfg_of(_i)->cfg);
	uint64_t p = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	uint64_t base = test_aperture_first(&t);

	if (t.info.ias_lg2 < 36) {
		/* Small apertures: one map across table boundaries. */
		uint64_t span = part_last(&t) - base + 1;

		if (t.info.levels > 1)
			map_under_failures(&t, base + span / 2 - 2 * p, 0, span / 4);
		unmap_all(&t);
		test_dom_destroy(&t);
		return;
	}
	/* Into an empty domain: a new path of tables down to level 0. */
	map_under_failures(&t, base + 5 * SZ_1G + 3 * p, 0, 64 * p);
	/* Across table boundaries, partly next to existing tables. */
	map_under_failures(&t, base + 7 * SZ_1G - 2 * p, SZ_1G, 4 * SZ_2M);
	/* Spanning several top-level items, leaves at several levels. */
	map_under_failures(&t, high_iova(&t, SZ_1G) - p, SZ_1G - p,
			   SZ_1G + 2 * p);
	unmap_all(&t);
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), 1);
	test_dom_destroy(&t);
}
END_TEST

START_TEST(test_create_alloc_failure_at_each_step)
{
	struct iommupt_heap *heap;
	struct iommupt_domain *dom = (void *)1;
	uint64_t nth;
	int rc;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	for (nth = 1;; nth++) {
		iommupt_heap_fail_nth(heap, nth);
		rc = iommupt_domain_create(&cfg_of(_i)->cfg, iommupt_heap_mem(heap), &dom);
		if (!iommupt_heap_failed(heap))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_null(dom);
		ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
		ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(nth, 3); /* the object, then the root */
	/* validate allocates scratch: its failure is -ENOMEM, nothing leaks. */
	iommupt_heap_fail_nth(heap, 1);
	ck_assert_int_eq(iommupt_domain_validate(dom, NULL, NULL), -ENOMEM);
	iommupt_heap_fail_nth(heap, 0);
	iommupt_domain_destroy(dom);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_create_rejects_bad_configs)
{
	struct iommupt_heap *heap;
	struct iommupt_domain *dom = NULL;
	const struct iommupt_mem *mem;
	struct {
		struct iommupt_domain_cfg cfg;
		uint64_t extra;
	} big;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	mem = iommupt_heap_mem(heap);
#define BAD(expect, ...) do {                                                  \
		struct iommupt_domain_cfg c = { .sz = sizeof(c), __VA_ARGS__ };        \
		ck_assert_int_eq(iommupt_domain_create(&c, mem, &dom), expect);        \
		ck_assert_ptr_null(dom);                                               \
	} while (0)
	BAD(-EOPNOTSUPP, .format = 99);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .levels = 2);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .levels = 6);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .ias_lg2 = 40);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .levels = 4, .ias_lg2 = 39);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .oas_lg2 = 53);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .va_layout = IOMMUPT_VA_SIGNEXT);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .granule_lg2 = 14);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .flags = 1u << 30);
	BAD(-EINVAL, .format = IOMMUPT_FMT_VTD_SS, .pgsize_bitmap = 1ull << 13);
	BAD(-EINVAL, .format = IOMMUPT_FMT_X86_64, .levels = 3);
	BAD(-EINVAL, .format = IOMMUPT_FMT_X86_64, .va_layout = 7);
#undef BAD
	/* Unknown trailing bytes must be zero; zero ones are accepted. */
	memset(&big, 0, sizeof(big));
	big.cfg.sz = sizeof(big);
	big.cfg.format = IOMMUPT_FMT_VTD_SS;
	big.extra = 1;
	ck_assert_int_eq(iommupt_domain_create(&big.cfg, mem, &dom), -EINVAL);
	big.extra = 0;
	ck_assert_int_eq(iommupt_domain_create(&big.cfg, mem, &dom), 0);
	iommupt_domain_destroy(dom);
	ck_assert_int_eq(iommupt_domain_create(NULL, mem, &dom), -EINVAL);
	ck_assert_int_eq(iommupt_domain_create(&big.cfg, mem, NULL), -EINVAL);
	iommupt_domain_destroy(NULL);
	ck_assert_int_eq(iommupt_domain_map(NULL, 0, 0, SZ_4K, RW, NULL), -EINVAL);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

/* A pgsize_bitmap restricts what map may use. */
START_TEST(test_pgsize_bitmap_limits_sizes)
{
	struct iommupt_domain_cfg cfg = cfg_of(_i)->cfg;
	struct test_dom t;
	uint64_t oa;
	unsigned int lg2;

	test_dom_create(&t, &cfg);
	if (!has_4k_2m(&t) || t.info.ias_lg2 < 32) {
		test_dom_destroy(&t);
		return;
	}
	test_dom_destroy(&t);
	cfg.pgsize_bitmap = SZ_4K;
	test_dom_create(&t, &cfg);
	ck_assert_uint_eq(t.info.pgsize_bitmap, SZ_4K);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1G, 0, SZ_1G, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, SZ_1G + 5, &oa, NULL, &lg2), 0);
	ck_assert_uint_eq(lg2, 12);
	ck_assert_uint_eq(leaves_of(&t), SZ_1G / SZ_4K);
	unmap_all(&t);
	test_dom_destroy(&t);
	/* Without 4K the smallest page is 2M: a 4K-aligned range is refused. */
	cfg.pgsize_bitmap = SZ_2M | SZ_1G;
	test_dom_create(&t, &cfg);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_4K, 0, SZ_4K, RW, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_2M, RW, NULL), 0);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

struct finding_log {
	int n;
	enum iommupt_finding_kind kind[8];
	uint64_t iova[8];
};

static void log_finding(void *ctx, const struct iommupt_finding *f)
{
	struct finding_log *log = ctx;

	ck_assert_ptr_nonnull(f->what);
	if (log->n < 8) {
		log->kind[log->n] = f->kind;
		log->iova[log->n] = f->iova;
	}
	log->n++;
}

/* Raw access to the table below the root, for planting corruption. */
static uint64_t *root_items(struct test_dom *t)
{
	const struct iommupt_mem *mem = iommupt_heap_mem(t->heap);

	return (uint64_t *)(uintptr_t)(t->info.root_oa + (uint64_t)mem->cpu_offset);
}

static uint64_t *table_items(struct test_dom *t, uint64_t entry)
{
	const struct iommupt_mem *mem = iommupt_heap_mem(t->heap);

	return (uint64_t *)(uintptr_t)((entry & 0x000ffffffffff000ull) +
				       (uint64_t)mem->cpu_offset);
}

START_TEST(test_validate_finds_planted_corruption)
{
	struct test_dom t;
	struct finding_log log;
	uint64_t *root, *l1, saved;
	unsigned int top;
	bool x86 = cfg_of(_i)->cfg.format == IOMMUPT_FMT_X86_64;
	struct iommupt_domain_cfg cfg = cfg_of(_i)->cfg;

	/* Planted bits are x86/VT-d layouts; AMD and ARM: test-formats.c. */
	if (cfg.format != IOMMUPT_FMT_VTD_SS && cfg.format != IOMMUPT_FMT_X86_64)
		return;
	/* An output size below 52 bits, so that high address bits are reserved. */
	if (!cfg.oas_lg2)
		cfg.oas_lg2 = 48;
	test_dom_create(&t, &cfg);
	iommupt_domain_destroy(t.dom);
	/* The checked heap lets validate see pointers outside provider memory. */
	iommupt_heap_set_checked(t.heap, 1);
	ck_assert_int_eq(iommupt_domain_create(&cfg, iommupt_heap_mem(t.heap), &t.dom), 0);
	top = t.info.levels - 1;
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, SZ_2M, SZ_2M, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	root = root_items(&t);

	/* 1. A reserved bit: an address bit above the output size. */
	memset(&log, 0, sizeof(log));
	l1 = table_items(&t, root[0]);
	for (unsigned int l = top - 1; l > 1; l--)
		l1 = table_items(&t, l1[0]);
	saved = l1[1]; /* the 2M leaf */
	l1[1] |= 1ull << 51;
	ck_assert_int_eq(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_RESERVED_BITS);
	ck_assert_uint_eq(log.iova[0], SZ_2M);
	l1[1] = saved;

	/* 2. A misaligned large page: low address bits of a 2M leaf. */
	memset(&log, 0, sizeof(log));
	l1[1] |= 1ull << 13;
	ck_assert_int_eq(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_RESERVED_BITS);
	l1[1] = saved;

	/* 3. PS in a top-level entry (reserved at level >= 3). */
	if (top >= 3) {
		memset(&log, 0, sizeof(log));
		saved = root[0];
		root[0] |= 1ull << 7;
		ck_assert_int_eq(iommupt_domain_validate(t.dom, log_finding, &log), 1);
		ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_RESERVED_BITS);
		root[0] = saved;
	}

	/* 4. A table pointer outside provider memory. */
	memset(&log, 0, sizeof(log));
	root[5] = (1ull << 36) | (x86 ? 0x27 : 0x3);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_TABLE_MISSING);
	root[5] = 0;

	/* 5. A table that points to itself: a loop. */
	memset(&log, 0, sizeof(log));
	root[7] = t.info.root_oa | (x86 ? 0x27 : 0x3);
	ck_assert_int_ge(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_TABLE_ALIAS);
	root[7] = 0;

	/* 6. Two items sharing one table. */
	memset(&log, 0, sizeof(log));
	root[9] = root[0];
	ck_assert_int_ge(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_TABLE_ALIAS);
	root[9] = 0;

	/* 7. Every item of the root aliased: bounded work, findings reported. */
	memset(&log, 0, sizeof(log));
	saved = root[0];
	for (unsigned int k = 1; k < 512; k++)
		root[k] = saved;
	ck_assert_int_ge(iommupt_domain_validate(t.dom, log_finding, &log), 1);
	ck_assert_int_eq(log.kind[0], IOMMUPT_BAD_TABLE_ALIAS);
	for (unsigned int k = 1; k < 512; k++)
		root[k] = 0;

	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

/* Map over empty tables records the range as a map-only gather. */
START_TEST(test_gather_flags)
{
	struct test_dom t;
	struct iommupt_gather g;

	test_dom_create(&t, &test_cfgs[1].cfg);
	iommupt_gather_init(&g);
	ck_assert(iommupt_gather_empty(&g));
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_4K, RW, &g), 0);
	ck_assert_uint_eq(g.flags, IOMMUPT_GATHER_MAPPED);
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_4K, RW, &g), 0);
	ck_assert_uint_eq(g.start, 0);
	ck_assert_uint_eq(g.last, SZ_2M + SZ_4K - 1);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 0, SZ_4K, 0, &g, NULL), 0);
	ck_assert(g.flags & IOMMUPT_GATHER_LEAVES);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(g.flags, 0);
	unmap_all(&t);
	test_dom_destroy(&t);
}
END_TEST

START_TEST(test_strerror_and_info)
{
	struct test_dom t;
	struct {
		struct iommupt_domain_info info;
		uint64_t newer_field;
	} big;
	size_t small = sizeof(size_t) + sizeof(uint32_t);
	struct iommupt_domain_info tiny;

	ck_assert_str_eq(iommupt_strerror(-EEXIST), "part of the range is already mapped");
	ck_assert_str_eq(iommupt_strerror(0), "success");
	ck_assert_str_eq(iommupt_strerror(-12345), "unknown error");
	for (int e = 0; e < 140; e++)
		ck_assert_ptr_nonnull(iommupt_strerror(-e));
	test_dom_create(&t, &test_cfgs[4].cfg);
	ck_assert_uint_eq(t.info.format, IOMMUPT_FMT_X86_64);
	ck_assert_uint_eq(t.info.levels, 4);
	ck_assert_uint_eq(t.info.ias_lg2, 48);
	ck_assert_uint_eq(t.info.va_layout, IOMMUPT_VA_SIGNEXT);
	ck_assert_uint_eq(t.info.pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	ck_assert_uint_eq(t.info.root_size_lg2, 12);
	/* A newer caller's larger struct: the tail is zeroed. */
	memset(&big, 0xff, sizeof(big));
	big.info.sz = sizeof(big);
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &big.info), 0);
	ck_assert_uint_eq(big.newer_field, 0);
	ck_assert_uint_eq(big.info.root_oa, t.info.root_oa);
	/* An older caller's smaller struct: only its prefix is written. */
	memset(&tiny, 0xff, sizeof(tiny));
	tiny.sz = small;
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &tiny), 0);
	ck_assert_uint_eq(tiny.format, IOMMUPT_FMT_X86_64);
	ck_assert_uint_eq(tiny.levels, 0xffffffffu);
	tiny.sz = 1;
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &tiny), -EINVAL);
	test_dom_destroy(&t);
}
END_TEST

/* A provider whose memory the format cannot address is refused cleanly. */
START_TEST(test_table_beyond_output_size_is_refused)
{
	struct iommupt_heap *heap;
	struct iommupt_domain *dom = NULL;
	IOMMUPT_OPTS(iommupt_heap_opts, opts, .phys_base = 1ull << 40,
		     .arena_bytes = 1ull << 24);
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .oas_lg2 = 39);

	ck_assert_int_eq(iommupt_heap_create(&opts, &heap), 0);
	ck_assert_int_eq(iommupt_domain_create(&cfg, iommupt_heap_mem(heap), &dom),
			 -ERANGE);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
	opts.phys_base = 12345;
	ck_assert_int_eq(iommupt_heap_create(&opts, &heap), -EINVAL);
}
END_TEST

/* A provider without alloc_obj: domain objects come from the hosted default. */
START_TEST(test_default_object_allocator)
{
	struct iommupt_heap *heap;
	struct iommupt_mem mem;
	struct iommupt_domain *dom;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	mem = *iommupt_heap_mem(heap);
	mem.alloc_obj = NULL;
	mem.free_obj = NULL;
	ck_assert_int_eq(iommupt_domain_create(&test_cfgs[0].cfg, &mem, &dom), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 1);
	ck_assert_int_eq(iommupt_domain_map(dom, 0, 0, SZ_2M, RW, NULL), 0);
	iommupt_domain_destroy(dom);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	/* Only one of the pair is a configuration error. */
	mem.alloc_obj = iommupt_heap_mem(heap)->alloc_obj;
	ck_assert_int_eq(iommupt_domain_create(&test_cfgs[0].cfg, &mem, &dom), -EINVAL);
	iommupt_heap_destroy(heap);
}
END_TEST

Suite *engine_suite(void);
Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = test_tcase("per-format");
	TCase *one = test_tcase("single");

	tcase_add_loop_test(tc, test_every_page_size_maps_translates_and_unmaps, 0,
			    (int)test_ncfgs);
	tcase_add_loop_test(tc, test_map_picks_largest_pages, 0, (int)test_ncfgs);
	tcase_add_loop_test(tc, test_bad_input_fails_and_changes_nothing, 0,
			    (int)test_ncfgs);
	tcase_add_loop_test(tc, test_unmap_holes_counts_bytes_and_frees_covered_tables,
			    0, (int)test_ncfgs);
	tcase_add_loop_test(tc, test_walk_range_and_early_stop, 0, (int)test_ncfgs);
	tcase_add_loop_test(tc, test_map_alloc_failure_at_each_step_changes_nothing, 0,
			    (int)test_ncfgs);
	tcase_add_loop_test(tc, test_create_alloc_failure_at_each_step, 0,
			    (int)test_ncfgs);
	tcase_add_loop_test(tc, test_pgsize_bitmap_limits_sizes, 0, (int)test_ncfgs);
	tcase_add_loop_test(tc, test_validate_finds_planted_corruption, 0,
			    (int)test_ncfgs);
	tcase_add_test(one, test_walk_stops_with_callback_value);
	tcase_add_test(one, test_create_rejects_bad_configs);
	tcase_add_test(one, test_gather_flags);
	tcase_add_test(one, test_strerror_and_info);
	tcase_add_test(one, test_table_beyond_output_size_is_refused);
	tcase_add_test(one, test_default_object_allocator);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, one);
	return s;
}
