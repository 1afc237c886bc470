// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * IOVA allocator: lowest-address aligned fit, reservations avoided, free
 * and reuse, fragmentation and exhaustion (-ENOSPC), random operations
 * against a brute-force page map, allocation failures that change
 * nothing, and an allocator built from a domain and its devices.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)

static struct iommupt_heap *heap_new(void)
{
	struct iommupt_heap *h;

	ck_assert_int_eq(iommupt_heap_create(NULL, &h), 0);
	return h;
}

static void heap_done(struct iommupt_heap *h)
{
	ck_assert_uint_eq(iommupt_heap_live_objs(h), 0);
	ck_assert_uint_eq(iommupt_heap_live_pages(h), 0);
	iommupt_heap_destroy(h);
}

static struct iommupt_iova *iova_new(struct iommupt_heap *h, uint64_t start,
				     uint64_t last)
{
	struct iommupt_iova *a;
	IOMMUPT_OPTS(iommupt_iova_opts, o, .start = start, .last = last);

	ck_assert_int_eq(iommupt_iova_create(&o, iommupt_heap_mem(h), &a), 0);
	return a;
}

static uint64_t alloc_ok(struct iommupt_iova *a, uint64_t size,
			 unsigned int align)
{
	uint64_t at = 1;

	ck_assert_int_eq(iommupt_iova_alloc(a, size, align, &at), 0);
	return at;
}

START_TEST(test_alloc_lowest_aligned_and_free)
{
	struct iommupt_heap *h = heap_new();
	struct iommupt_iova *a = iova_new(h, 0x10000, 0xfffffff);
	uint64_t at;

	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x10000);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 12), 0x11000);
	ck_assert_uint_eq(alloc_ok(a, 3 * SZ_4K, 14), 0x14000);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x12000);
	ck_assert_uint_eq(alloc_ok(a, SZ_2M, 21), SZ_2M);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x13000);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x17000);
	ck_assert_int_eq(iommupt_iova_free(a, 0x11000), 0);
	ck_assert_int_eq(iommupt_iova_free(a, 0x11000), -ENOENT);
	ck_assert_int_eq(iommupt_iova_free(a, 0x14001), -ENOENT);
	ck_assert_int_eq(iommupt_iova_free(a, 0x15000), -ENOENT);
	ck_assert_int_eq(iommupt_iova_free(a, 0), -ENOENT);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x11000);
	ck_assert_int_eq(iommupt_iova_free(a, 0x14000), 0);
	ck_assert_uint_eq(alloc_ok(a, 3 * SZ_4K, 0), 0x14000);
	/* Bad sizes and alignment. */
	ck_assert_int_eq(iommupt_iova_alloc(a, 0, 0, &at), -EINVAL);
	ck_assert_int_eq(iommupt_iova_alloc(a, 100, 0, &at), -EINVAL);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 64, &at), -EINVAL);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_iova_alloc(NULL, SZ_4K, 0, &at), -EINVAL);
	ck_assert_int_eq(iommupt_iova_free(NULL, 0), -EINVAL);
	/* Larger than the aperture; alignment larger than it. */
	ck_assert_int_eq(iommupt_iova_alloc(a, 1ull << 28, 0, &at), -ENOSPC);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 40, &at), -ENOSPC);
	iommupt_iova_destroy(a);
	iommupt_iova_destroy(NULL);
	heap_done(h);
}
END_TEST

START_TEST(test_create_checks)
{
	struct iommupt_heap *h = heap_new();
	const struct iommupt_mem *mem = iommupt_heap_mem(h);
	struct iommupt_iova *a = (void *)1;
	static const struct iommupt_iova_opts bad[] = {
		{ .sz = sizeof(struct iommupt_iova_opts), .start = 0x1000, .last = 0xfff },
		{ .sz = sizeof(struct iommupt_iova_opts), .start = 0x800, .last = 0xffff },
		{ .sz = sizeof(struct iommupt_iova_opts), .start = 0, .last = 0xfffe },
		{ .sz = sizeof(struct iommupt_iova_opts), .start = 0, .last = UINT64_MAX },
		{ .sz = sizeof(struct iommupt_iova_opts), .start = 0, .last = 0xffff,
		  .granule_lg2 = 63 },
		{ .sz = 2, .start = 0, .last = 0xffff },
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = (void *)1;
		ck_assert_int_eq(iommupt_iova_create(&bad[i], mem, &a), -EINVAL);
		ck_assert_ptr_null(a);
	}
	ck_assert_int_eq(iommupt_iova_create(NULL, mem, &a), -EINVAL);
	ck_assert_int_eq(iommupt_iova_create(&bad[0], NULL, &a), -EINVAL);
	ck_assert_int_eq(iommupt_iova_create(&bad[0], mem, NULL), -EINVAL);
	{
		IOMMUPT_OPTS(iommupt_iova_opts, o, .start = 0, .last = 0xffff);

		iommupt_heap_fail_nth(h, 1);
		ck_assert_int_eq(iommupt_iova_create(&o, mem, &a), -ENOMEM);
		ck_assert_ptr_null(a);
		/* The whole 64-bit space but one page is allowed. */
		o.last = UINT64_MAX - SZ_4K;
		ck_assert_int_eq(iommupt_iova_create(&o, mem, &a), 0);
		ck_assert_uint_eq(alloc_ok(a, 1ull << 63, 63), 0);
		ck_assert_uint_eq(alloc_ok(a, 1ull << 62, 0), 1ull << 63);
		iommupt_iova_destroy(a);
	}
	heap_done(h);
}
END_TEST

START_TEST(test_reserve_is_avoided)
{
	struct iommupt_heap *h = heap_new();
	struct iommupt_iova *a = iova_new(h, 0, 0xffffff);
	uint64_t at;

	ck_assert_int_eq(iommupt_iova_reserve(a, 0, 0x1fff), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x3000, 0x3fff), 0);
	/* Overlapping and adjacent reservations are fine. */
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x1000, 0x3fff), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x3800, 0x4fff), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x0, 0x4fff), 0);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x5000);
	/* Reservations over live allocations are not. */
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x5000, 0x5000), -EBUSY);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x4000, 0x6fff), -EBUSY);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x2000, 0x1000), -EINVAL);
	ck_assert_int_eq(iommupt_iova_reserve(NULL, 0, 1), -EINVAL);
	/* A reservation cannot be freed. */
	ck_assert_int_eq(iommupt_iova_free(a, 0), -ENOENT);
	/* Outside the aperture: clipped (nothing to do). */
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x1000000, UINT64_MAX), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0xfff000, UINT64_MAX), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x8000, 0xffefff), 0);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x6000);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x7000);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), -ENOSPC);
	ck_assert_int_eq(iommupt_iova_free(a, 0x6000), 0);
	/* A free page, then a live allocation. */
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x6000, 0x7fff), -EBUSY);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x6000);
	iommupt_iova_destroy(a);

	/* A reservation that starts below the aperture. */
	a = iova_new(h, 0x10000, 0x1ffff);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0, 0x10fff), 0);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x11000);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0, 0xffff), 0);
	iommupt_iova_destroy(a);
	heap_done(h);
}
END_TEST

START_TEST(test_fragmentation_and_exhaustion)
{
	struct iommupt_heap *h = heap_new();
	struct iommupt_iova *a = iova_new(h, 0, 1024 * SZ_4K - 1);
	uint64_t at;

	for (unsigned int i = 0; i < 1024; i++)
		ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), i * SZ_4K);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), -ENOSPC);
	/* Free every other page: 512 pages free, no two adjacent. */
	for (unsigned int i = 0; i < 1024; i += 2)
		ck_assert_int_eq(iommupt_iova_free(a, i * SZ_4K), 0);
	ck_assert_int_eq(iommupt_iova_alloc(a, 2 * SZ_4K, 0, &at), -ENOSPC);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0);
	/* Free a neighbour pair: the gaps merge into 3 pages at 0x2000. */
	ck_assert_int_eq(iommupt_iova_free(a, 0), 0);
	ck_assert_int_eq(iommupt_iova_free(a, SZ_4K), 0);
	ck_assert_uint_eq(alloc_ok(a, 3 * SZ_4K, 0), 0);
	ck_assert_int_eq(iommupt_iova_alloc(a, 2 * SZ_4K, 0, &at), -ENOSPC);
	/* Free at the end: the lowest aligned pair, then the tail gap. */
	ck_assert_int_eq(iommupt_iova_free(a, 1023 * SZ_4K), 0);
	ck_assert_int_eq(iommupt_iova_free(a, 1021 * SZ_4K), 0);
	ck_assert_uint_eq(alloc_ok(a, 2 * SZ_4K, 13), 1020 * SZ_4K);
	ck_assert_uint_eq(alloc_ok(a, 2 * SZ_4K, 13), 1022 * SZ_4K);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), 0);
	ck_assert_int_eq(iommupt_iova_alloc(a, 2 * SZ_4K, 0, &at), -ENOSPC);
	iommupt_iova_destroy(a);
	heap_done(h);
}
END_TEST

/* Brute force: lowest aligned run of free pages. */
static bool ref_fit(const unsigned char *pg, uint64_t npages, uint64_t n,
		    uint64_t align_pages, uint64_t *at)
{
	for (uint64_t p = 0; p + n <= npages; p += align_pages) {
		uint64_t k;

		for (k = 0; k < n && !pg[p + k]; k++)
			;
		if (k == n) {
			*at = p;
			return true;
		}
	}
	return false;
}

START_TEST(test_random_against_brute_force)
{
	enum { NPAGES = 4096, MAXLIVE = 2048 };
	struct iommupt_heap *h = heap_new();
	uint64_t base = 0x40000000;
	struct iommupt_iova *a = iova_new(h, base, base + NPAGES * SZ_4K - 1);
	/* 0 free, 1 allocated, 2 reserved */
	unsigned char *pg = calloc(NPAGES, 1);
	uint64_t live[MAXLIVE], lsize[MAXLIVE];
	unsigned int nlive = 0;
	uint64_t rnd = 42;

	for (unsigned int i = 0; i < 8; i++) {
		uint64_t s = test_rand(&rnd) % NPAGES, n = test_rand(&rnd) % 8 + 1;

		if (s + n > NPAGES)
			n = NPAGES - s;
		ck_assert_int_eq(iommupt_iova_reserve(a, base + s * SZ_4K,
						      base + (s + n) * SZ_4K - 1), 0);
		memset(pg + s, 2, n);
	}
	for (unsigned int op = 0; op < 200000; op++) {
		uint64_t r = test_rand(&rnd);

		if ((r & 3) != 0 && nlive < MAXLIVE) {
			uint64_t n = (r >> 8) % 16 + 1;
			unsigned int al = (unsigned int)((r >> 16) % 5);
			uint64_t want, at = 0;
			bool fits = ref_fit(pg, NPAGES, n, 1ull << al, &want);
			int rc = iommupt_iova_alloc(a, n * SZ_4K, 12 + al, &at);

			if (!fits) {
				ck_assert_int_eq(rc, -ENOSPC);
				continue;
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(at, base + want * SZ_4K);
			memset(pg + want, 1, n);
			live[nlive] = want;
			lsize[nlive++] = n;
		} else if (nlive) {
			unsigned int k = (unsigned int)((r >> 8) % nlive);

			ck_assert_int_eq(iommupt_iova_free(a, base + live[k] * SZ_4K), 0);
			memset(pg + live[k], 0, lsize[k]);
			live[k] = live[--nlive];
			lsize[k] = lsize[nlive];
		}
	}
	iommupt_iova_destroy(a);
	free(pg);
	heap_done(h);
}
END_TEST

START_TEST(test_many_allocations_scale)
{
	struct iommupt_heap *h = heap_new();
	struct iommupt_iova *a = iova_new(h, 0, (1ull << 40) - 1);

	for (uint64_t i = 0; i < 200000; i++)
		ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), i * SZ_4K);
	for (uint64_t i = 0; i < 200000; i += 3)
		ck_assert_int_eq(iommupt_iova_free(a, i * SZ_4K), 0);
	for (uint64_t i = 0; i < 200000; i += 3)
		ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), i * SZ_4K);
	ck_assert_uint_eq(alloc_ok(a, SZ_2M, 21), 200000 * SZ_4K + SZ_2M -
			  (200000 * SZ_4K) % SZ_2M);
	iommupt_iova_destroy(a);
	heap_done(h);
}
END_TEST

START_TEST(test_alloc_failure_changes_nothing)
{
	struct iommupt_heap *h = heap_new();
	struct iommupt_iova *a = iova_new(h, 0, 0xffffff);
	uint64_t at = 5, nth;
	int rc;

	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0);
	iommupt_heap_fail_nth(h, 1);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), -ENOMEM);
	ck_assert_uint_eq(at, 5);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x1000);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x2000);
	ck_assert_int_eq(iommupt_iova_free(a, 0x1000), 0);
	/* Over live allocations: refused before anything is allocated. */
	iommupt_heap_fail_nth(h, 1);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0, 0x5fff), -EBUSY);
	ck_assert(!iommupt_heap_failed(h));
	iommupt_heap_fail_nth(h, 0);
	ck_assert_int_eq(iommupt_iova_free(a, 0x2000), 0);
	ck_assert_int_eq(iommupt_iova_free(a, 0x0), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x1000, 0x1fff), 0);
	ck_assert_int_eq(iommupt_iova_reserve(a, 0x3000, 0x3fff), 0);
	/* [0, 0x5fff] needs three new pieces: 0, 0x2000, 0x4000-0x5fff. */
	for (nth = 1;; nth++) {
		iommupt_heap_fail_nth(h, nth);
		rc = iommupt_iova_reserve(a, 0, 0x5fff);
		if (!iommupt_heap_failed(h))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0);
		ck_assert_int_eq(iommupt_iova_free(a, 0), 0);
	}
	iommupt_heap_fail_nth(h, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(nth, 4);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x6000);
	iommupt_iova_destroy(a);
	heap_done(h);
}
END_TEST

START_TEST(test_create_for_domain)
{
	struct iommupt_heap *h = heap_new();
	const struct iommupt_mem *mem = iommupt_heap_mem(h);
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 3);
	IOMMUPT_OPTS(iommupt_domain_cfg, xcfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_VTD,
		     .vtd_nd = 1);
	struct iommupt_domain *d, *x;
	struct iommupt_unit *u;
	struct iommupt_device *dev;
	struct iommupt_iova *a;
	struct iommupt_resv_region r[2] = {
		{ 0, 0xfff, IOMMUPT_RESV_RESERVED, 0 },
		{ 0x1000, 0x2fff, IOMMUPT_RESV_IDENTITY, 0 },
	};
	uint64_t at;

	ck_assert_int_eq(iommupt_domain_create(&cfg, mem, &d), 0);
	ck_assert_int_eq(iommupt_domain_create(&xcfg, mem, &x), 0);
	ck_assert_int_eq(iommupt_unit_create(&ucfg, mem, &u), 0);
	ck_assert_int_eq(iommupt_device_create(u, NULL, &dev), 0);
	ck_assert_int_eq(iommupt_device_set_resv(dev, r, 2), 0);
	ck_assert_int_eq(iommupt_device_attach(dev, d, NULL), 0);
	ck_assert_int_eq(iommupt_iova_create_for_domain(d, NULL, &a), 0);
	ck_assert_uint_eq(alloc_ok(a, SZ_4K, 0), 0x3000);
	/* The 39-bit aperture's top. */
	ck_assert_uint_eq(alloc_ok(a, 1ull << 38, 38), 1ull << 38);
	ck_assert_int_eq(iommupt_iova_alloc(a, 1ull << 38, 38, &at), -ENOSPC);
	iommupt_iova_destroy(a);
	/* Allocation failure part way through the reservations. */
	for (uint64_t nth = 1;; nth++) {
		int rc;

		iommupt_heap_fail_nth(h, nth);
		rc = iommupt_iova_create_for_domain(d, NULL, &a);
		if (!iommupt_heap_failed(h)) {
			iommupt_heap_fail_nth(h, 0);
			ck_assert_int_eq(rc, 0);
			break;
		}
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_null(a);
	}
	iommupt_iova_destroy(a);
	/* Explicit aperture and granule. */
	{
		IOMMUPT_OPTS(iommupt_iova_opts, o, .start = 0x100000,
			     .last = 0x1fffff, .granule_lg2 = 16);
		struct {
			struct iommupt_iova_opts o;
			uint64_t extra;
		} big = { { .sz = sizeof(big) }, 1 };

		ck_assert_int_eq(iommupt_iova_create_for_domain(d, &o, &a), 0);
		ck_assert_uint_eq(alloc_ok(a, 1ull << 16, 0), 0x100000);
		ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), -EINVAL);
		iommupt_iova_destroy(a);
		ck_assert_int_eq(iommupt_iova_create_for_domain(d, &big.o, &a),
				 -EINVAL);
		ck_assert_int_eq(iommupt_iova_create_for_domain(NULL, NULL, &a),
				 -EINVAL);
		ck_assert_int_eq(iommupt_iova_create_for_domain(d, NULL, NULL),
				 -EINVAL);
	}
	/* Sign-extended x86-64: the lower half. */
	ck_assert_int_eq(iommupt_iova_create_for_domain(x, NULL, &a), 0);
	ck_assert_uint_eq(alloc_ok(a, 1ull << 46, 46), 0);
	ck_assert_uint_eq(alloc_ok(a, 1ull << 46, 46), 1ull << 46);
	ck_assert_int_eq(iommupt_iova_alloc(a, SZ_4K, 0, &at), -ENOSPC);
	iommupt_iova_destroy(a);
	iommupt_unit_destroy(u);
	iommupt_domain_destroy(d);
	iommupt_domain_destroy(x);
	heap_done(h);
}
END_TEST

Suite *iova_suite(void);
Suite *iova_suite(void)
{
	Suite *s = suite_create("iova");
	TCase *tc = test_tcase("iova");

	tcase_add_test(tc, test_alloc_lowest_aligned_and_free);
	tcase_add_test(tc, test_create_checks);
	tcase_add_test(tc, test_reserve_is_avoided);
	tcase_add_test(tc, test_fragmentation_and_exhaustion);
	tcase_add_test(tc, test_random_against_brute_force);
	tcase_add_test(tc, test_many_allocations_scale);
	tcase_add_test(tc, test_alloc_failure_changes_nothing);
	tcase_add_test(tc, test_create_for_domain);
	suite_add_tcase(s, tc);
	return s;
}
