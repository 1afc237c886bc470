// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Dirty-scan cases: what live-migration downtime is made of.
 *
 * - read-and-clear over 16 GiB mapped with 4K pages (1 GiB with --quick)
 *   at 0%, 1% and 100% of the pages dirty, per call, compared per entry
 *   with the load loop over as many 8-byte entries (goal: at least half
 *   its speed). Pages are dirtied untimed with iommupt_domain_mark_dirty,
 *   as hardware would; the bitmap is zeroed untimed, as the caller must.
 * - a query (no clear) of one page, and of the whole lower aperture (2^48
 *   where the format has it) with that one page mapped: the cost must
 *   follow the tables, not the range (goal: within 10x, "the same order").
 *   The large query uses a 2M granule so that its bitmap stays 16 MiB.
 *
 * A format whose dirty tracking is not written yet (-EOPNOTSUPP) is listed
 * under "not run".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

#if defined(__has_include)
#if __has_include(<iommupt/dirty.h>)
#define BENCH_HAVE_DIRTY 1
#include <iommupt/dirty.h>
#endif
#endif

#ifdef BENCH_HAVE_DIRTY

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)

/* First IOVA of the domain's lower (or only) contiguous aperture part. */
static uint64_t aperture_first(const struct iommupt_domain_info *info)
{
	if (info->va_layout == IOMMUPT_VA_UPPER && info->ias_lg2 < 64)
		return (uint64_t)0 - (1ull << info->ias_lg2);
	return 0;
}

/* log2 bytes of that part: both halves are separate for sign-extension. */
static unsigned int aperture_lg2(const struct iommupt_domain_info *info)
{
	if (info->va_layout == IOMMUPT_VA_SIGNEXT)
		return info->ias_lg2 - 1;
	return info->ias_lg2;
}

static int harvest(struct iommupt_domain *dom, uint64_t iova, uint64_t len,
		   uint64_t granule, void *bitmap, uint64_t bytes,
		   uint32_t flags)
{
	struct iommupt_gather g;
	int rc;

	iommupt_gather_init(&g);
	rc = iommupt_domain_read_and_clear_dirty(dom, iova, len, granule, bitmap,
						 bytes, flags, &g, NULL);
	iommupt_gather_release(&g);
	return rc;
}

static uint64_t popcount_bitmap(const uint64_t *w, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(w[i]);
	return n;
}

/* Mark about pct% of the pages dirty (a hash picks them); returns how many. */
static int mark_pages(struct iommupt_domain *dom, uint64_t base,
		      uint64_t pages, unsigned int page_lg2, unsigned int pct,
		      uint64_t seed, uint64_t *marked)
{
	*marked = 0;
	if (!pct)
		return 0;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t h = (i + seed) * 0x9e3779b97f4a7c15ull;

		if (pct < 100 && (h >> 32) % 100 >= pct)
			continue;
		int rc = iommupt_domain_mark_dirty(dom, base + (i << page_lg2));

		if (rc)
			return rc;
		(*marked)++;
	}
	return 0;
}

static void scan_rows(struct bench_ctx *c, struct bench_dom *b,
		      uint64_t base, unsigned int page_lg2, uint64_t bytes)
{
	static const unsigned int pcts[] = { 0, 1, 100 };
	const uint64_t pages = bytes >> page_lg2;
	const uint64_t words = (pages + 63) / 64;
	struct bench_row *rows[3];
	uint64_t *bitmap;
	int rc = 0;

	for (unsigned int i = 0; i < 3; i++) {
		rows[i] = bench_row(c, "ns/call", pages, "dirty scan %s/%s %u%%",
				    bench_size_name((unsigned int)__builtin_ctzll(bytes)),
				    bench_size_name(page_lg2), pcts[i]);
		bench_row_ref(rows[i], BENCH_REF_LOAD, pages, 2);
		bench_row_show_gbps(rows[i]);
	}
	if (!rows[0] && !rows[1] && !rows[2])
		return;
	bitmap = calloc(words, sizeof(*bitmap));
	if (!bitmap) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	rc = iommupt_domain_map(b->dom, base, base - aperture_first(&c->info) +
				(4ull << 30), bytes, RW, NULL);
	if (rc) {
		for (unsigned int i = 0; i < 3; i++)
			bench_row_fail(rows[i], "map: %s", iommupt_strerror(rc));
		free(bitmap);
		return;
	}
	for (unsigned int i = 0; i < 3; i++) {
		if (!rows[i])
			continue;
		for (unsigned int rep = 0; rep < bench_total_reps(c); rep++) {
			uint64_t marked, t0, t1;

			rc = mark_pages(b->dom, base, pages, page_lg2, pcts[i],
					bench_rand(&c->rng), &marked);
			if (rc) {
				bench_row_fail(rows[i], "mark_dirty: %s",
					       iommupt_strerror(rc));
				break;
			}
			memset(bitmap, 0, words * sizeof(*bitmap));
			t0 = bench_now_ns();
			rc = harvest(b->dom, base, bytes, 1ull << page_lg2, bitmap,
				     words * sizeof(*bitmap), 0);
			t1 = bench_now_ns();
			if (rc) {
				bench_row_fail(rows[i], "read_and_clear: %s",
					       iommupt_strerror(rc));
				break;
			}
			/* untimed: every page marked was reported, nothing else */
			if (popcount_bitmap(bitmap, words) != marked) {
				bench_row_fail(rows[i], "bitmap has %llu bits, %llu marked",
					       (unsigned long long)popcount_bitmap(bitmap, words),
					       (unsigned long long)marked);
				break;
			}
			bench_record(rows[i], t1 - t0, 1);
		}
	}
	free(bitmap);
}

static void query_rows(struct bench_ctx *c, struct bench_dom *b,
		       uint64_t base, unsigned int page_lg2)
{
	const unsigned int big_lg2 = aperture_lg2(&c->info) < 48 ?
				     aperture_lg2(&c->info) : 48;
	const unsigned int gran_lg2 = 21;
	const uint64_t first = aperture_first(&c->info);
	const uint64_t big_words = ((1ull << (big_lg2 - gran_lg2)) + 63) / 64;
	const uint64_t k = c->opts->quick ? 256 : 2048;
	struct bench_row *rows[2];
	uint64_t *bitmap, small_bm = 0;
	int rc;

	rows[0] = bench_row(c, "ns/call", 1, "dirty query %s, 1 page",
			    bench_size_name(page_lg2));
	rows[1] = bench_row(c, "ns/call", 1, "dirty query 2^%u, 1 page",
			    big_lg2);
	if (!rows[0] && !rows[1])
		return;
	bench_row_ref(rows[0], BENCH_REF_CHAIN, c->info.levels, 0);
	bench_row_ref_row(rows[1], rows[0], false);
	bench_row_goal(rows[1], 10);
	bitmap = calloc(big_words, sizeof(*bitmap));
	if (!bitmap) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	/* one page, dirty, in an otherwise empty domain */
	rc = iommupt_domain_map(b->dom, base, 4ull << 30, 1ull << page_lg2, RW,
				NULL);
	if (!rc)
		rc = iommupt_domain_mark_dirty(b->dom, base);
	for (unsigned int rep = 0; !rc && rep < bench_total_reps(c); rep++) {
		uint64_t t0, t1, t2;

		t0 = bench_now_ns();
		for (uint64_t i = 0; i < k && !rc; i++)
			rc = harvest(b->dom, base, 1ull << page_lg2,
				     1ull << page_lg2, &small_bm, sizeof(small_bm),
				     IOMMUPT_DIRTY_NO_CLEAR);
		t1 = bench_now_ns();
		for (uint64_t i = 0; i < k && !rc; i++)
			rc = harvest(b->dom, first, 1ull << big_lg2,
				     1ull << gran_lg2, bitmap,
				     big_words * sizeof(*bitmap),
				     IOMMUPT_DIRTY_NO_CLEAR);
		t2 = bench_now_ns();
		if (!rc && (!(small_bm & 1) ||
			    popcount_bitmap(bitmap, big_words) != 1))
			rc = -EIO;
		if (!rc) {
			bench_record(rows[0], t1 - t0, k);
			bench_record(rows[1], t2 - t1, k);
		}
	}
	if (rc)
		for (unsigned int i = 0; i < 2; i++)
			bench_row_fail(rows[i], "%s", rc == -EIO ?
				       "the dirty page was not reported once" :
				       iommupt_strerror(rc));
	free(bitmap);
}

void bench_case_dirty(struct bench_ctx *c)
{
	const uint64_t base = aperture_first(&c->info) + (4ull << 30);
	const unsigned int page_lg2 =
		(unsigned int)__builtin_ctzll(c->info.pgsize_bitmap);
	const uint64_t scan_bytes = c->opts->quick ? 1ull << 30 : 16ull << 30;
	struct bench_dom b;
	int rc;

	/* only the small page: 16 GiB aligned would otherwise be 1G pages */
	rc = bench_dom_create(&b, c->fmt, 1ull << page_lg2);
	if (rc) {
		bench_skip(c, "dirty", "create: %s", iommupt_strerror(rc));
		return;
	}
	rc = iommupt_domain_set_dirty_tracking(b.dom, 1, NULL);
	if (rc) {
		bench_skip(c, "dirty", "dirty tracking: %s", iommupt_strerror(rc));
		bench_dom_destroy(&b);
		return;
	}
	scan_rows(c, &b, base, page_lg2, scan_bytes);
	bench_dom_destroy(&b);

	if (bench_dom_create(&b, c->fmt, 1ull << page_lg2) ||
	    iommupt_domain_set_dirty_tracking(b.dom, 1, NULL)) {
		bench_dom_destroy(&b);
		return;
	}
	query_rows(c, &b, base, page_lg2);
	bench_dom_destroy(&b);
}

#else /* !BENCH_HAVE_DIRTY */

void bench_case_dirty(struct bench_ctx *c)
{
	bench_skip(c, "dirty", "this libiommupt has no dirty tracking");
}

#endif
