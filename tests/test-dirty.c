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
	       c->cfg.format == IOMMUPT_FMT_X86_64 ||
	       c->cfg.format == IOMMUPT_FMT_AMD_V1 ||
	       c->cfg.format == IOMMUPT_FMT_ARM_S1 ||
	       c->cfg.format == IOMMUPT_FMT_ARM_S2;
}

static bool is_arm(const struct test_cfg *c)
{
	return c->cfg.format == IOMMUPT_FMT_ARM_S1 ||
	       c->cfg.format == IOMMUPT_FMT_ARM_S2;
}

/*
 * Where a configuration's tests place things: base is the first address of
 * the aperture (the lower half where it is sign-extended), size the bytes
 * usable from there (at most 2^63), P the smallest page, L a larger leaf
 * (2M where it exists: a block, an ARM contiguous run at 16K/64K, or an
 * AMD page; else a NextLevel 7 / contiguous size that fits), U a spacing
 * (1G, less on small apertures). outside is an address outside the
 * aperture when has_outside.
 */
struct geo {
	uint64_t base, size, P, L, U, outside;
	bool has_outside;
};

static void geo_of(struct test_dom *t, struct geo *g)
{
	unsigned int ias = t->info.ias_lg2;
	uint64_t sizes = t->info.pgsize_bitmap;

	memset(g, 0, sizeof(*g));
	g->base = test_aperture_first(t);
	if (ias >= 64)
		g->size = 1ull << 63;
	else if (t->info.va_layout == IOMMUPT_VA_SIGNEXT)
		g->size = 1ull << (ias - 1);
	else
		g->size = 1ull << ias;
	g->P = sizes & (~sizes + 1);
	if ((sizes & SZ_2M) && 64 * SZ_2M <= g->size) {
		g->L = SZ_2M;
	} else {
		for (uint64_t s = g->P << 1; s && 64 * s <= g->size; s <<= 1)
			if (sizes & s)
				g->L = s;
	}
	ck_assert_uint_ne(g->L, 0);
	g->U = g->size / 8 < SZ_1G ? g->size / 8 : SZ_1G;
	if (ias < 64) {
		g->has_outside = true;
		g->outside = t->info.va_layout == IOMMUPT_VA_UPPER ? 0 : g->base + g->size;
	}
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
	struct geo g;
	uint64_t bytes, A, B, per;
	void *base;
	uint8_t *map;

	test_dom_create(&t, &c->cfg);
	geo_of(&t, &g);
	A = g.base + g.U;
	B = A + 8 * g.L;
	per = g.L / g.P;
	/* OA only page-aligned: four separate pages, not one 4-page leaf. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, A, g.P, 4 * g.P, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, B, g.L, g.L, RW, NULL), 0);
	/* A dirty bit from before tracking started is not reported. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, A), 0);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	map = harvest(&t, A, 16 * g.L, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 0);
	free(base);

	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, A + g.P + 5), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, B + 3 * g.P), 0);
	/* NO_CLEAR twice gives the same bits. */
	for (int round = 0; round < 2; round++) {
		map = harvest(&t, A, 16 * g.L, g.P, IOMMUPT_DIRTY_NO_CLEAR, 0, &bytes,
			      &base);
		ck_assert_uint_eq(popcount(map, bytes), 1 + per);
		ck_assert(bit(map, 1));
		for (uint64_t i = 0; i < per; i++)
			ck_assert(bit(map, (B - A) / g.P + i));
		free(base);
	}
	/* A range that cuts the large page reports the part inside, clears nothing. */
	map = harvest(&t, B + g.L / 2, g.L, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), per / 2);
	ck_assert(bit(map, 0) && bit(map, per / 2 - 1) && !bit(map, per / 2));
	free(base);
	/* Clearing read, then nothing. */
	map = harvest(&t, A, 16 * g.L, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 1 + per);
	free(base);
	map = harvest(&t, A, 16 * g.L, g.P, 0, 0, &bytes, &base);
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
	struct geo geo;
	const size_t misaligns[] = { 0, 1, 0xff1 };
	uint64_t len;

	test_dom_create(&t, &c->cfg);
	geo_of(&t, &geo);
	len = geo.U < 4 * SZ_2M ? geo.U : 4 * SZ_2M;
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	/* An OA only page-aligned: smallest pages. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, geo.base + 2 * geo.U, geo.P, len, RW,
					    NULL), 0);
	for (unsigned int g = (unsigned int)__builtin_ctzll(geo.P); (1ull << g) <= geo.U; g++) {
		for (unsigned int m = 0; m < 3; m++) {
			uint64_t bytes, target = 2 * geo.U + len / 2 + 7 * geo.P;
			void *base;
			uint8_t *map;

			ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, geo.base + target), 0);
			map = harvest(&t, geo.base + geo.U, 4 * geo.U, 1ull << g, 0,
				      misaligns[m], &bytes, &base);
			ck_assert_uint_eq(popcount(map, bytes), 1);
			ck_assert(bit(map, (target - geo.U) >> g));
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
	struct geo g;
	uint8_t map[64];
	uint64_t bytes, b0, L, P, need, cap_len;
	void *base;
	uint8_t *check;
	IOMMUPT_OPTS(iommupt_dirty_opts, small_cap, .max_bitmap_bytes = 8);

	test_dom_create(&t, &c->cfg);
	geo_of(&t, &g);
	b0 = g.base;
	L = g.L;
	P = g.P;
	need = (L / P + 63) / 64 * 8;
	ck_assert_uint_le(need, sizeof(map));
	ck_assert_int_eq(iommupt_domain_map(t.dom, b0, 0, L, RW, NULL), 0);
	/* Tracking off. */
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, b0, L, P, map,
							     sizeof(map), 0, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, b0 + P), 0);
#define BAD(err, iova, len, gran, buf, nbytes, flags)                                  \
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, iova, len, gran, buf, \
							     nbytes, flags, NULL, NULL), err)
	BAD(-EINVAL, b0, L, 3 * P, map, sizeof(map), 0);      /* not a power of two */
	BAD(-EINVAL, b0, L, P / 2, map, sizeof(map), 0);      /* below smallest page */
	BAD(-EINVAL, b0, L, 0, map, sizeof(map), 0);
	BAD(-EINVAL, b0 + P, L, L, map, sizeof(map), 0);      /* iova misaligned */
	BAD(-EINVAL, b0, L + P, L, map, sizeof(map), 0);      /* len misaligned */
	BAD(-EINVAL, b0, 0, P, map, sizeof(map), 0);          /* zero length */
	BAD(-EOVERFLOW, (uint64_t)0 - L, 2 * L, L, map, sizeof(map), 0);
	if (g.has_outside)
		BAD(-ERANGE, g.outside, L, P, map, sizeof(map), 0);
	BAD(-EINVAL, b0, L, P, map, need - 1, 0);             /* a byte short */
	BAD(-EINVAL, b0, L, P, NULL, sizeof(map), 0);
	BAD(-EINVAL, b0, L, P, map, sizeof(map), 1u << 7);    /* unknown flag */
	/* 65 bits round up to two words: 16 bytes. */
	BAD(-EINVAL, b0, 65 * P, P, map, 15, 0);
	/* The cap: 8 bytes allowed, 16 needed. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, &small_cap), 0);
	BAD(-EINVAL, b0, 128 * P, P, map, sizeof(map), 0);
	/* Default cap: 256 MiB of bitmap (2^31 bits); one more word is refused. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	cap_len = ((1ull << 31) + 64) * P;
	if (cap_len <= g.size)
		BAD(-EINVAL, b0, cap_len, P, map, UINT64_MAX, 0);
	else /* small aperture: the whole of it is under the cap; a byte short */
		BAD(-EINVAL, b0, g.size, P, map, g.size / P / 8 - 1, 0);
#undef BAD
	/* Nothing was cleared by any of that. */
	check = harvest(&t, b0, L, P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(check, bytes), L / P); /* the whole large page */
	ck_assert(bit(check, 1));
	free(base);
	/* mark_dirty: unmapped and read-only leaves. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, b0 + 5 * g.U), -ENOENT);
	ck_assert_int_eq(iommupt_domain_map(t.dom, b0 + g.U, 0, P, IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, b0 + g.U), -EACCES);
	if (g.has_outside)
		ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, g.outside), -ERANGE);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_mark_dirty(NULL, 0), -EINVAL);
	/* Turning tracking off makes harvests invalid again. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 0, NULL), 0);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, b0, L, P, map,
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
	struct geo g;
	uint64_t tables = 0, gran;
	uint8_t *map;

	test_dom_create(&t, &c->cfg);
	geo_of(&t, &g);
	gran = g.size >> 20 > g.P ? g.size >> 20 : g.P;
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, g.base + g.U, 0, g.P, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, g.base + g.U), 0);
	ck_assert_int_eq(iommupt_domain_get_info(t.dom, &t.info), 0); /* AMD growth */
	map = calloc(1, 1 << 20);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, g.base + g.U, g.L, g.P,
							     map, 1 << 20,
							     IOMMUPT_DIRTY_NO_CLEAR, NULL,
							     &small), 0);
	/* The whole (lower) aperture at coarse granules (at most 2^20 bits). */
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(t.dom, g.base, g.size, gran,
							     map, 1 << 20, 0, NULL, &huge), 0);
	ck_assert_uint_eq(small.dirty_leaves, 1);
	ck_assert_uint_eq(huge.dirty_leaves, 1);
	ck_assert_uint_eq(huge.cleared_items, 1);
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	for (unsigned int l = 0; l < st.levels; l++)
		tables += st.table_pages[l];
	/* At most every item of every table, once (an ARM concatenated
	 * initial table counts as one page but holds up to 16 tables' items). */
	ck_assert_uint_le(huge.items_visited, (tables + 15) * (g.P / 8));
	ck_assert_uint_le(small.items_visited, g.L / g.P + t.info.levels);
	free(map);
	test_dom_destroy(&t);
}
END_TEST

/* Splitting a dirty large page keeps the dirty state on every piece. */
START_TEST(test_split_keeps_dirty_state)
{
	struct test_dom t;
	struct geo g;
	uint64_t bytes, unmapped = 0, at, per;
	void *base;
	uint8_t *map;

	test_dom_create(&t, &test_cfgs[_i].cfg);
	geo_of(&t, &g);
	at = g.base + g.L;
	per = g.L / g.P;
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, at, 0, g.L, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, at), 0);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, at + per / 2 * g.P, g.P,
					      IOMMUPT_UNMAP_SPLIT, NULL, &unmapped), 0);
	ck_assert_uint_eq(unmapped, g.P);
	map = harvest(&t, at, g.L, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), per - 1);
	ck_assert(!bit(map, per / 2));
	free(base);
	/* Cleared: the pieces are clean and still writable. */
	map = harvest(&t, at, g.L, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 0);
	free(base);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, at + g.L - g.P), 0);
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
	uint64_t first, page;             /* where the pages are */
	unsigned int n;                   /* how many (at most NPAGES) */
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
		unsigned int p = (unsigned int)(test_rand(&rng) % r->n);
		unsigned int begun = __atomic_load_n(&r->started, __ATOMIC_SEQ_CST);

		if (iommupt_domain_mark_dirty(r->dom, r->first + p * r->page))
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
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(r->dom, r->first,
							     r->n * r->page, r->page, map,
							     NPAGES / 8, 0, NULL, NULL), 0);
	for (unsigned int p = 0; p < r->n; p++)
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
	struct geo g;

	test_dom_create(&t, &test_cfgs[_i].cfg);
	geo_of(&t, &g);
	r->dom = t.dom;
	r->first = g.base + g.U;
	r->page = g.P;
	r->n = g.U / 2 / g.P < NPAGES ? (unsigned int)(g.U / 2 / g.P) : NPAGES;
	/* Clean pages first, so the writer races harvests on 4K... 64K leaves. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, r->first, g.P, r->n * g.P, RW, NULL), 0);
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
	for (unsigned int p = 0; p < r->n; p++) {
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
	ck_assert_uint_gt(marked, r->n / 2);
	ck_assert_uint_gt(r->started, 3);
	free(r);
	test_dom_destroy(&t);
}
END_TEST

/*
 * Every page size: a write through any item of a multi-item leaf (ARM
 * contiguous run, AMD NextLevel 7 page, a block) reports the whole leaf,
 * and clearing it leaves nothing behind.
 */
START_TEST(test_every_page_size_reports_the_whole_leaf)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	struct geo g;
	unsigned int tried = 0;

	test_dom_create(&t, &c->cfg);
	geo_of(&t, &g);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	for (uint64_t s = g.P; s && s <= g.U / 4 && s <= SZ_1G; s <<= 1) {
		uint64_t at = g.base + 2 * g.U, bytes, oa;
		unsigned int size_lg2 = 0;
		uint32_t prot = 0;
		void *base;
		uint8_t *map;

		if (!(t.info.pgsize_bitmap & s))
			continue;
		tried++;
		ck_assert_int_eq(iommupt_domain_map(t.dom, at, s, s, RW, NULL), 0);
		ck_assert_int_eq(iommupt_domain_iova_to_phys(t.dom, at + s - 1, &oa, &prot,
							     &size_lg2), 0);
		ck_assert_uint_eq(1ull << size_lg2, s);
		ck_assert(prot & IOMMUPT_WRITE);
		/* The last item only: hardware updates the item it walked. */
		ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, at + s - g.P), 0);
		/* Items of one leaf that differ in dirty state alone are valid. */
		ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
		map = harvest(&t, at, s, s > SZ_2M ? s / 512 : g.P, 0, 0, &bytes, &base);
		ck_assert_uint_eq(popcount(map, bytes), s > SZ_2M ? 512 : s / g.P);
		free(base);
		map = harvest(&t, at, s, s > SZ_2M ? s / 512 : g.P, 0, 0, &bytes, &base);
		ck_assert_uint_eq(popcount(map, bytes), 0);
		free(base);
		ck_assert_int_eq(iommupt_domain_unmap(t.dom, at, s, 0, NULL, NULL), 0);
	}
	ck_assert_uint_ge(tried, 2);
	test_dom_destroy(&t);
}
END_TEST

/* ARM DBM: the raw bits of writable-clean and writable-dirty leaves. */
#define ARM_DBM_BIT (1ull << 51)
#define ARM_AP2_RDONLY (1ull << 7)  /* stage 1 AP[2] */
#define ARM_S2AP_WRITE (1ull << 7)  /* stage 2 S2AP[1] */

static int grab_entry(void *ctx, const struct iommupt_leaf *leaf)
{
	*(uint64_t *)ctx = leaf->entry;
	return 0;
}

static uint64_t raw_entry(struct test_dom *t, uint64_t iova, uint64_t page)
{
	uint64_t e = 0;

	ck_assert_int_eq(iommupt_domain_walk(t->dom, iova, page, grab_entry, &e), 0);
	ck_assert_uint_ne(e, 0);
	return e;
}

static bool arm_write_perm(const struct test_cfg *c, uint64_t e)
{
	return c->cfg.format == IOMMUPT_FMT_ARM_S2 ? (e & ARM_S2AP_WRITE) != 0
						   : !(e & ARM_AP2_RDONLY);
}

static void expect_prot_write(struct test_dom *t, uint64_t iova, bool want)
{
	uint64_t oa;
	uint32_t prot = 0;
	unsigned int size_lg2;

	ck_assert_int_eq(iommupt_domain_iova_to_phys(t->dom, iova, &oa, &prot, &size_lg2), 0);
	ck_assert_int_eq(!!(prot & IOMMUPT_WRITE), want);
}

START_TEST(test_arm_dbm_writable_clean)
{
	const struct test_cfg *c = &test_cfgs[_i];
	struct test_dom t;
	struct geo g;
	uint64_t W, R, N, e, bytes;
	void *base;
	uint8_t *map;
	test_dom_create(&t, &c->cfg);
	geo_of(&t, &g);
	W = g.base + g.U;
	R = W + 2 * g.P;
	N = W + 4 * g.P;
	ck_assert_int_eq(iommupt_domain_map(t.dom, W, 0, g.P, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(t.dom, R, g.P, g.P, IOMMUPT_READ, NULL), 0);
	/* Untracked: plain writable, no DBM. */
	e = raw_entry(&t, W, g.P);
	ck_assert(arm_write_perm(c, e) && !(e & ARM_DBM_BIT));

	/* Enabling converts it to writable-clean: DBM, write permission gone,
	 * yet the device may still write. */
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 1, NULL), 0);
	e = raw_entry(&t, W, g.P);
	ck_assert(!arm_write_perm(c, e) && (e & ARM_DBM_BIT));
	expect_prot_write(&t, W, true);
	/* The read-only leaf stays read-only, without DBM. */
	e = raw_entry(&t, R, g.P);
	ck_assert(!arm_write_perm(c, e) && !(e & ARM_DBM_BIT));
	expect_prot_write(&t, R, false);
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, R), -EACCES);

	/* A map while tracking is writable-clean from the start. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, N, 2 * g.P, g.P, RW, NULL), 0);
	e = raw_entry(&t, N, g.P);
	ck_assert(!arm_write_perm(c, e) && (e & ARM_DBM_BIT));
	expect_prot_write(&t, N, true);

	/* A write (as the SMMU does it) grants the permission: writable-dirty. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, N), 0);
	e = raw_entry(&t, N, g.P);
	ck_assert(arm_write_perm(c, e) && (e & ARM_DBM_BIT));
	map = harvest(&t, W, 8 * g.P, g.P, 0, 0, &bytes, &base);
	ck_assert_uint_eq(popcount(map, bytes), 1);
	ck_assert(bit(map, 4));
	free(base);
	/* Clearing re-arms it. */
	e = raw_entry(&t, N, g.P);
	ck_assert(!arm_write_perm(c, e) && (e & ARM_DBM_BIT));
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);

	/* Disabling gives write permission back to every writable leaf. */
	ck_assert_int_eq(iommupt_domain_mark_dirty(t.dom, W), 0);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(t.dom, 0, NULL), 0);
	for (uint64_t at = W; at <= N; at += 4 * g.P) {
		e = raw_entry(&t, at, g.P);
		ck_assert(arm_write_perm(c, e) && !(e & ARM_DBM_BIT));
		expect_prot_write(&t, at, true);
	}
	e = raw_entry(&t, R, g.P);
	ck_assert(!arm_write_perm(c, e));
	/* And a new map is plain writable again. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, N + 2 * g.P, 0, g.P, RW, NULL), 0);
	e = raw_entry(&t, N + 2 * g.P, g.P);
	ck_assert(arm_write_perm(c, e) && !(e & ARM_DBM_BIT));
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
		tcase_add_loop_test(tc, test_every_page_size_reports_the_whole_leaf, (int)i,
				    (int)i + 1);
		tcase_add_loop_test(tc, test_split_keeps_dirty_state, (int)i, (int)i + 1);
		if (is_arm(&test_cfgs[i]))
			tcase_add_loop_test(tc, test_arm_dbm_writable_clean, (int)i, (int)i + 1);
		/* One VT-d and one x86-64 configuration, every AMD and ARM one,
		 * race a writer. */
		if (i == 1 || i == 4 || test_cfgs[i].cfg.format == IOMMUPT_FMT_AMD_V1 ||
		    is_arm(&test_cfgs[i]))
			tcase_add_loop_test(one, test_concurrent_writer_loses_nothing,
					    (int)i, (int)i + 1);
	}
	tcase_add_test(one, test_cleared_leaves_go_to_the_gather);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, one);
	return s;
}
