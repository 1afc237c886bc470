// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Disjoint-range map/unmap from several threads without a lock: threads
 * interleave 4K..2M ranges that share table pages at every level, so table
 * installation races are frequent. The final table must equal what the
 * threads meant, validate clean, and leak nothing. Built into a TSan run
 * in CI.
 */
#include <errno.h>
#include <pthread.h>

#include "helpers.h"

#define NTHREADS 4
#define ROUNDS 40
#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)

struct worker {
	struct iommupt_domain *dom;
	unsigned int id;
	int errors;
};

/* Thread id owns every NTHREADS-th 64K slice of [base, base + 256M). */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const uint64_t slice = 16 * SZ_4K, base = 1ull << 32;

	for (unsigned int round = 0; round < ROUNDS; round++) {
		for (uint64_t k = w->id; k < 4096; k += NTHREADS) {
			uint64_t iova = base + k * slice;
			struct iommupt_gather g;

			iommupt_gather_init(&g);
			if (iommupt_domain_map(w->dom, iova, iova, slice,
					       IOMMUPT_READ | IOMMUPT_WRITE, &g))
				w->errors++;
			iommupt_gather_release(&g);
		}
		for (uint64_t k = w->id; k < 4096; k += NTHREADS) {
			uint64_t iova = base + k * slice, got = 0;

			if (iommupt_domain_iova_to_phys(w->dom, iova + 8, &got, NULL, NULL) ||
			    got != iova + 8)
				w->errors++;
		}
		if (round + 1 == ROUNDS)
			break;
		for (uint64_t k = w->id; k < 4096; k += NTHREADS) {
			uint64_t bytes = 0, iova = base + k * slice;
			struct iommupt_gather g;

			iommupt_gather_init(&g);
			if (iommupt_domain_unmap(w->dom, iova, slice, 0, &g, &bytes) ||
			    bytes != slice)
				w->errors++;
			iommupt_gather_release(&g);
		}
	}
	return NULL;
}

START_TEST(test_disjoint_ranges_map_concurrently)
{
	struct test_dom t;
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	struct iommupt_stats st = { .sz = sizeof(st) };
	struct iommupt_gather g;
	uint64_t bytes = 0;

	test_dom_create(&t, &test_cfgs[_i].cfg);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .dom = t.dom, .id = i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (unsigned int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(w[i].errors, 0);
	}
	ck_assert_int_eq(iommupt_domain_stats(t.dom, &st), 0);
	ck_assert_uint_eq(st.mapped_bytes, 4096 * 16 * SZ_4K);
	/* 256M of 4K pages: 128 level-0 tables, exactly; no duplicates. */
	ck_assert_uint_eq(st.table_pages[0], 128);
	ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 1ull << 32, 1ull << 28, 0, &g,
					      &bytes), 0);
	ck_assert_uint_eq(bytes, 1ull << 28);
	iommupt_gather_release(&g);
	test_dom_destroy(&t);
}
END_TEST

Suite *threads_suite(void);
Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = test_tcase("disjoint");

	/* One VT-d and one x86-64 configuration. */
	tcase_add_loop_test(tc, test_disjoint_ranges_map_concurrently, 1, 2);
	tcase_add_loop_test(tc, test_disjoint_ranges_map_concurrently, 4, 5);
	/* amdv1-4lvl-oas40 (NextLevel 7 pages), arm-s1-4k-48 (contiguous runs). */
	tcase_add_loop_test(tc, test_disjoint_ranges_map_concurrently, 10, 11);
	tcase_add_loop_test(tc, test_disjoint_ranges_map_concurrently, 14, 15);
	suite_add_tcase(s, tc);
	return s;
}
