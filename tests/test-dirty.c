// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Dirty tracking on every format that has dirty state: single pages,
 * large pages, ranges that cut a large page, granules from 4K to 1G,
 * NO_CLEAR, unaligned bitmaps, every bad input (nothing cleared), cost
 * proportional to tables, and no lost bits while a writer thread dirties
 * pages during harvests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)
#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)

static bool has_dirty(const struct test_cfg *c)
{
	return c->cfg.format == IOMMUPT_FMT_VTD_SS ||
	       c->cfg.format == IOMMUPT_FMT_X86_64;
}

static bool bit(const uint8_t *map, uint64_t i)
{
	return map[i / 8] >> (i % 8) & 1;
}

static uint64_t popcount(const uint8_t *map, uint64_t bytes)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < bytes; i++)
		n += (uint64_t)__builtin_popcount(map[i]);
	return n;
}

/* Harvest [iova, iova+len) at granule into a fresh bitmap at offset misalign. */
static uint8_t *harvest(struct test_dom *t, uint64_t iova, uint64_t len,
			uint64_t granule, uint32_t flags, size_t misalign,
			uint64_t *bytes_out, void **base)
{
	uint64_t bits = len / granule, bytes = (bits + 63) / 64 * 8;
	uint8_t *buf = calloc(1, bytes + misalign + 64);

	ck_assert_ptr_nonnull(buf);
	memset(buf + misalign + bytes, 0x5a, 64); /* guard after the bitmap */
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t->dom, iova, len, granule,
							     buf + misalign, bytes, flags,
							     NULL, NULL), 0);
	for (unsigned int k = 0; k < 64; k++)
		ck_assert_uint_eq(buf[misalign + bytes + k], 0x5a);
	for (size_t k = 0; k < misalign; k++)
		ck_assert_uint_eq(buf[k], 0);
	*bytes_out = bytes;
	*base = buf;
	return buf + misalign;
}

START_TEST(test_pages_and_large_pages_report_every_granule)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	uint64_t bytes;
	void *base;
	uint8_t *map;
	const uint64_t A = SZ_1G, B = SZ_1G + 8 * SZ_2M;

	test_dom_create(&t, &c->cfg);
	ck_assert_int_eq(iommupt_domain_map(t.dom, A, 0, 4 * SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, B, SZ_2M, SZ_2M, RW, NULL), 0);
	/* A dirty bit from before tracking started is not reported. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, A), 0);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	map = harvest(&t, A, 16 * SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 0);
	free(base);

	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, A + SZ_4K + 5), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, B + 3 * SZ_4K), 0);
	/* NO_CLEAR twice gives the same bits. */
	for (int round = 0; round < 2; round++) {
		map = harvest(&t, A, 16 * SZ_2M, SZ_4K, IOMMUPT_DIRTY_NO_CLEAR, 0, &bytes,
			      &base);
		ck_assert_uint_eq(popcount(map, bytes), 1 + 512);
		ck_assert(bit(map, 1));
		for (uint64_t i = 0; i < 512; i++)
			ck_assert(bit(map, (B - A) / SZ_4K + i));
		free(base);
	}
	/* A range that cuts the 2M page reports the part inside, clears nothing. */
	map = harvest(&t, B + SZ_2M / 2, SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 256);
	ck_assert(bit(map, 0) && bit(map, 255) && !bit(map, 256));
	free(base);
	/* Clearing read, then nothing. */
	map = harvest(&t, A, 16 * SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 1 + 512);
	free(base);
	map = harvest(&t, A, 16 * SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 0);
	free(base);
	test_dom_destroy(&t);
}
END_TEST

/* Granules from 4K to 1G: a dirty 4K page sets the one granule holding it. */
START_TEST(test_granules_4k_to_1g_and_unaligned_bitmaps)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	const size_t misaligns[] = { 0, 1, 0xff1 };

	test_dom_create(&t, &c->cfg);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	/* An OA only 4K-aligned: 4K pages. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, 2 * SZ_1G, SZ_4K, 4 * SZ_2M, RW, NULL), 0);
	for (unsigned int g = 12; g <= 30; g++) {
		for (unsigned int m = 0; m < 3; m++) {
			uint64_t bytes, target = 2 * SZ_1G + 3 * SZ_2M + 7 * SZ_4K;
			void *base;
			uint8_t *map;

			ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, target), 0);
			map = harvest(&t, SZ_1G, 4 * SZ_1G, 1ull << g, 0, misaligns[m], &bytes,
				      &base);
			ck_assert_uint_eq(popcount(map, bytes), 1);
			ck_assert(bit(map, (target - SZ_1G) >> g));
			free(base);
		}
	}
	test_dom_destroy(&t);
}
END_TEST

START_TEST(test_bad_input_clears_nothing)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	uint8_t map[64];
	uint64_t bytes, top;
	void *base;
	uint8_t *check;
	IOMMUPT_OPTS(iommupt_dirty_opts, small_cap, .max_bitmap_bytes = 8);

	test_dom_create(&t, &c->cfg);
	top = t.info.va_layout == IOMMUPT_VA_SIGNEXT ? 1ull << (t.info.ias_lg2 - 1)
						       : 1ull << t.info.ias_lg2;
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0, SZ_2M, RW, NULL), 0);
	/* Tracking off. */
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, 0, SZ_2M, SZ_4K, map,
							     sizeof(map), 0, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, SZ_4K), 0);
#define BAD(err, iova, len, gran, buf, nbytes, flags)                                  \
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, iova, len, gran, buf, \
							     nbytes, flags, NULL, NULL), err)
	BAD(-EINVAL, 0, SZ_2M, 3 * SZ_4K, map, sizeof(map), 0);  /* not a power of two */
	BAD(-EINVAL, 0, SZ_2M, SZ_4K / 2, map, sizeof(map), 0);  /* below smallest page */
	BAD(-EINVAL, 0, SZ_2M, 0, map, sizeof(map), 0);
	BAD(-EINVAL, SZ_4K, SZ_2M, SZ_2M, map, sizeof(map), 0);  /* iova misaligned */
	BAD(-EINVAL, 0, SZ_2M + SZ_4K, SZ_2M, map, sizeof(map), 0); /* len misaligned */
	BAD(-EINVAL, 0, 0, SZ_4K, map, sizeof(map), 0);         /* zero length */
	BAD(-EOVERFLOW, (uint64_t)0 - SZ_2M, 2 * SZ_2M, SZ_2M, map, sizeof(map), 0);
	BAD(-ERANGE, top, SZ_2M, SZ_4K, map, sizeof(map), 0);
	BAD(-EINVAL, 0, SZ_2M, SZ_4K, map, 63, 0);                /* 512 bits need 64 bytes */
	BAD(-EINVAL, 0, SZ_2M, SZ_4K, NULL, sizeof(map), 0);
	BAD(-EINVAL, 0, SZ_2M, SZ_4K, map, sizeof(map), 1u << 7);  /* unknown flag */
	/* 65 bits round up to two words: 16 bytes. */
	BAD(-EINVAL, 0, 65 * SZ_4K, SZ_4K, map, 15, 0);
	/* The cap: 8 bytes allowed, 64 needed. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, &small_cap), 0);
	BAD(-EINVAL, 0, SZ_2M, SZ_4K, map, sizeof(map), 0);
	/* Default cap: 256 MiB of bitmap, i.e. 8 TiB at 4K; one more word is refused. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	if (top > (8ull << 40) + 64 * SZ_4K)
		BAD(-EINVAL, 0, (8ull << 40) + 64 * SZ_4K, SZ_4K, map, UINT64_MAX, 0);
	else /* 39-bit: the whole aperture at 4K is 16 MiB of bitmap, under the cap */
		BAD(-EINVAL, 0, top, SZ_4K, map, (top >> 15) - 1, 0);
#undef BAD
	/* Nothing was cleared by any of that. */
	check = harvest(&t, 0, SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(check, bytes), 512); /* the whole 2M page */
	ck_assert(bit(check, 1));
	free(base);
	/* mark_dirty: unmapped and read-only leaves. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, 5 * SZ_1G), -ENOENT);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1G, 0, SZ_4K, IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, SZ_1G), -EACCES);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, top), -ERANGE);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_mark_dirty(NULL, 0), -EINVAL);
	/* Turning tracking off makes harvests invalid again. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 0, NULL), 0);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, 0, SZ_2M, SZ_4K, map,
							     sizeof(map), 0, NULL, NULL),
			 -EINVAL);
	test_dom_destroy(&t);
}
END_TEST

/* The cost follows the tables that exist, not the range asked about. */
START_TEST(test_cost_proportional_to_tables)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	struct iommupt_dirty_stats small = { .sz = sizeof(small) }, huge = { .sz = sizeof(huge) };
	struct iommupt_stats st = { .sz = sizeof(st) };
	uint64_t lower, tables = 0;
	uint8_t *map;

	test_dom_create(&t, &c->cfg);
	lower = t.info.va_layout == IOMMUPT_VA_SIGNEXT ? 1ull << (t.info.ias_lg2 - 1)
						       : 1ull << t.info.ias_lg2;
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1G, 0, SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, SZ_1G), 0);
	map = calloc(1, 1 << 20);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, SZ_1G, SZ_2M, SZ_4K, map,
							     1 << 20, IOMMUPT_DIRTY_NO_CLEAR,
							     NULL, &small), 0);
	/* The whole lower aperture at 1G granules (2^18 bits at 48 bits). */
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, 0, lower, lower >> 20,
							     map, 1 << 20, 0, NULL, &huge), 0);
	ck_assert_uint_eq(small.dirty_leaves, 1);
	ck_assert_uint_eq(huge.dirty_leaves, 1);
	ck_assert_uint_eq(huge.cleared_items, 1);
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	for (unsigned int l = 0; l < st.levels; l++)
		tables += st.table_pages[l];
	/* At most every item of every table, once. */
	ck_assert_uint_le(huge.items_visited, tables * 512);
	ck_assert_uint_le(small.items_visited, 512 + t.info.levels);
	free(map);
	test_dom_destroy(&t);
}
END_TEST

/* Splitting a dirty large page keeps the dirty state on every piece. */
START_TEST(test_split_keeps_dirty_state)
{
	struct test_dom t;
	uint64_t bytes, unmapped = 0;
	void *base;
	uint8_t *map;

	test_dom_create(&t, &test_cfgs[_i].cfg);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_2M, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, SZ_2M), 0);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, SZ_2M + 8 * SZ_4K, SZ_4K,
					      IOMMUPT_UNMAP_SPLIT, NULL, &unmapped), 0);
	ck_assert_uint_eq(unmapped, SZ_4K);
	map = harvest(&t, SZ_2M, SZ_2M, SZ_4K, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 511);
	ck_assert(!bit(map, 8));
	free(base);
	test_dom_destroy(&t);
}
END_TEST

/* Gather: cleared leaves are recorded for invalidation. */
START_TEST(test_cleared_leaves_go_to_the_gather)
{
	struct test_dom t;
	struct iommupt_gather g;
	uint8_t map[64] = { 0 };

	test_dom_create(&t, &test_cfgs[1].cfg);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_2M, 0, SZ_2M, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, SZ_2M + 77), 0);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, SZ_2M, SZ_2M, SZ_4K,
							     map, sizeof(map),
							     IOMMUPT_DIRTY_NO_CLEAR, &g, NULL), 0);
	ck_assert(iommupt_gather_empty(&g));
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, SZ_2M, SZ_2M, SZ_4K,
							     map, sizeof(map), 0, &g, NULL), 0);
	ck_assert_uint_eq(g.start, SZ_2M);
	ck_assert_uint_eq(g.last, 2 * SZ_2M - 1);
	ck_assert(g.flags & IOMMUPT_GATHER_LEAVES);
	iommupt_gather_release(&g);
	test_dom_destroy(&t);
}
END_TEST

/* A writer dirties pages while harvests run: no bit set before a harvest
 * began may be missing from that harvest and the next. */
#define NPAGES 4096
struct race {
	struct iommupt_domain *dom;
	unsigned int started;             /* harvests begun (atomic) */
	unsigned int last_mark[NPAGES];   /* harvests begun at a page's last mark */
	unsigned int max_report[NPAGES];  /* latest harvest that reported a page */
	int done;
	int errors;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	uint64_t rng = 12345;

	/* Run until several harvests have overlapped the writes. */
	for (unsigned int k = 0;
	     k < 20 * NPAGES || __atomic_load_n(&r->started, __ATOMIC_SEQ_CST) < 8; k++) {
		unsigned int p = (unsigned int)(test_rand(&rng) % NPAGES);
		unsigned int begun = __atomic_load_n(&r->started, __ATOMIC_SEQ_CST);

		if (iommupt_domain_mark_dirty(r->dom, SZ_1G + p * SZ_4K))
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&r->last_mark[p], begun, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void race_harvest(struct race *r, uint8_t *map)
{
	unsigned int h = __atomic_add_fetch(&r->started, 1, __ATOMIC_SEQ_CST);

	memset(map, 0, NPAGES / 8);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(r->dom, SZ_1G,
							     NPAGES * SZ_4K, SZ_4K, map,
							     NPAGES / 8, 0, NULL, NULL), 0);
	for (unsigned int p = 0; p < NPAGES; p++)
		if (bit(map, p))
			r->max_report[p] = h;
}

START_TEST(test_concurrent_writer_loses_nothing)
{
	struct test_dom t;
	struct race *r = calloc(1, sizeof(*r));
	uint8_t map[NPAGES / 8];
	pthread_t th;
	unsigned int marked = 0;

	test_dom_create(&t, &test_cfgs[_i].cfg);
	r->dom = t.dom;
	ck_assert_int_eq(iommupt_domain_map(t.dom, SZ_1G, 0, NPAGES * SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	for (unsigned int p = 0; p < NPAGES; p++)
		r->last_mark[p] = ~0u;
	ck_assert_int_eq(pthread_create(&th, NULL, race_writer, r), 0);
	while (!__atomic_load_n(&r->done, __ATOMIC_SEQ_CST))
		race_harvest(r, map);
	pthread_join(th, NULL);
	race_harvest(r, map);
	race_harvest(r, map);
	ck_assert_int_eq(r->errors, 0);
	for (unsigned int p = 0; p < NPAGES; p++) {
		if (r->last_mark[p] == ~0u)
			continue;
		marked++;
		/* Marked after harvest last_mark began: that harvest (if it
		 * caught the write) or a later one must report it. */
		unsigned int need = r->last_mark[p] ? r->last_mark[p] : 1;

		ck_assert_msg(r->max_report[p] >= need,
			      "page %u marked during harvest %u, last reported by %u", p,
			      need, r->max_report[p]);
	}
	ck_assert_uint_gt(marked, NPAGES / 2);
	ck_assert_uint_gt(r->started, 3);
	free(r);
	test_dom_destroy(&t);
}
END_TEST

/* Formats without dirty state yet say so. */
START_TEST(test_formats_without_dirty_state_refuse)
{
	struct test_dom t;
	uint8_t map[8];

	test_dom_create(&t, &test_cfgs[_i].cfg);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, 0), -EOPNOTSUPP);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, 0, 1ull << 16,
							     1ull << 16, map, 8, 0, NULL, NULL),
			 -EINVAL);
	test_dom_destroy(&t);
}
END_TEST

Suite *dirty_suite(void);
Suite *dirty_suite(void)
{
	Suite *s = suite_create("dirty");
	TCase *tc = test_tcase("per-format");
	TCase *one = test_tcase("single");

	for (unsigned int i = 0; i < test_ncfgs; i++) {
		if (!has_dirty(&test_cfgs[i])) {
			tcase_add_loop_test(tc, test_formats_without_dirty_state_refuse, (int)i,
					    (int)i + 1);
			continue;
		}
		tcase_add_loop_test(tc, test_pages_and_large_pages_report_every_granule,
				    (int)i, (int)i + 1);
		tcase_add_loop_test(tc, test_granules_4k_to_1g_and_unaligned_bitmaps,
				    (int)i, (int)i + 1);
		tcase_add_loop_test(tc, test_bad_input_clears_nothing, (int)i, (int)i + 1);
		tcase_add_loop_test(tc, test_cost_proportional_to_tables, (int)i, (int)i + 1);
	}
	tcase_add_test(one, test_cleared_leaves_go_to_the_gather);
	tcase_add_loop_test(one, test_split_keeps_dirty_state, 1, 2);
	tcase_add_loop_test(one, test_split_keeps_dirty_state, 4, 5);
	/* One VT-d and one x86-64 configuration race a writer. */
	tcase_add_loop_test(one, test_concurrent_writer_loses_nothing, 1, 2);
	tcase_add_loop_test(one, test_concurrent_writer_loses_nothing, 4, 5);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, one);
	return s;
}
