// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Randomised differential test: a stream of map/unmap/translate against
 * every format configuration and against the reference model
 * (ref-model.c); results and the whole walk must agree. IOMMUPT_DIFF_OPS
 * sets the operations per configuration (default 200000; make check-long
 * runs more).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "ref-model.h"

#define SZ_4K (1ull << 12)

/* What a format's walk reports for a prot the test maps with. */
static uint32_t expected_prot(uint32_t format, uint32_t prot)
{
	switch (format) {
	case IOMMUPT_FMT_X86_64:
		return IOMMUPT_READ | (prot & (IOMMUPT_WRITE | IOMMUPT_NOEXEC |
					       IOMMUPT_PRIV));
	case IOMMUPT_FMT_ARM_S1:
		return IOMMUPT_READ | (prot & (IOMMUPT_WRITE | IOMMUPT_NOEXEC |
					       IOMMUPT_PRIV | IOMMUPT_CACHE));
	case IOMMUPT_FMT_ARM_S2:
		return prot & (IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_CACHE |
			       IOMMUPT_NOEXEC);
	default:
		return prot & (IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_CACHE);
	}
}

static const uint32_t prots[] = {
	IOMMUPT_READ, IOMMUPT_READ | IOMMUPT_WRITE,
	IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_CACHE,
	IOMMUPT_READ | IOMMUPT_NOEXEC | IOMMUPT_PRIV,
};

/* Bytes of the window operations land in: 8G, or a quarter of a small aperture. */
static uint64_t window_span(const struct test_dom *t)
{
	unsigned int bits = t->info.ias_lg2 -
		(t->info.va_layout == IOMMUPT_VA_SIGNEXT ? 1 : 0);

	return bits >= 35 ? 1ull << 33 : 1ull << (bits - 2);
}

/* Windows where operations land: low, just below the top, upper half. */
static uint64_t pick_window(const struct test_dom *t, uint64_t *rng)
{
	unsigned int bits = t->info.ias_lg2 -
		(t->info.va_layout == IOMMUPT_VA_SIGNEXT ? 1 : 0);
	uint64_t span = window_span(t);
	uint64_t first = test_aperture_first(t);
	uint64_t top = bits >= 64 || t->info.va_layout == IOMMUPT_VA_UPPER ?
		0 : 1ull << bits; /* one past the lower part; 0 wraps */

	switch (test_rand(rng) % (t->info.va_layout == IOMMUPT_VA_SIGNEXT ? 3 : 2)) {
	case 0:
		return first;
	case 1:
		return top - span;
	default:
		return (uint64_t)0 - span;
	}
}

static uint64_t pick_size(uint64_t pgsizes, uint64_t *rng)
{
	uint64_t r = test_rand(rng);
	unsigned int n = __builtin_popcountll(pgsizes), k = (unsigned int)(r % n);
	unsigned int pick = k;
	uint64_t s = pgsizes;

	while (pick--)
		s &= s - 1;
	/* Up to 40 of the smallest size, up to 3 of the larger ones. */
	return (1ull << __builtin_ctzll(s)) * (1 + (r >> 8) % (k == 0 ? 40 : 3));
}

static int print_leaf(void *ctx, const struct iommupt_leaf *l)
{
	fprintf(stderr, "  lib leaf %#llx size 2^%u oa %#llx level %u\n",
		(unsigned long long)l->iova, l->size_lg2, (unsigned long long)l->oa,
		l->level);
	return 0;
}

/* On a mismatch, show both sides of the range. */
static void describe(struct test_dom *t, struct ref_model *ref, uint64_t iova,
		     uint64_t len)
{
	fprintf(stderr, "range %#llx+%#llx:\n", (unsigned long long)iova,
		(unsigned long long)len);
	iommupt_domain_walk(t->dom, iova, len, print_leaf, NULL);
	for (uint64_t a = iova; a - iova < len; a += SZ_4K) {
		uint64_t oa;
		uint32_t prot;
		unsigned int lg2;

		if (!ref_lookup(ref, a, &oa, &prot, &lg2)) {
			fprintf(stderr, "  model has %#llx (2^%u)\n",
				(unsigned long long)a, lg2);
			break;
		}
	}
}

static void run_config(const struct test_cfg *tc, uint64_t ops, uint64_t seed)
{
	struct test_dom t;
	struct ref_model *ref;
	uint64_t rng = seed, span;
	uint64_t counts[3] = { 0 }, fails[3] = { 0 };
	char why[256];

	test_dom_create(&t, &tc->cfg);
	span = window_span(&t);
	uint64_t min_page = 1ull << __builtin_ctzll(t.info.pgsize_bitmap);
	/* Page sizes that fit a window a few times over. */
	uint64_t pgsizes = t.info.pgsize_bitmap & ((span >> 2) | ((span >> 2) - 1));
	uint64_t oa_span = t.info.oas_lg2 < 38 ? 1ull << t.info.oas_lg2 : 1ull << 38;

	ref = ref_create(t.info.pgsize_bitmap);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t r = test_rand(&rng);
		uint64_t win = pick_window(&t, &rng);
		uint64_t size = pick_size(pgsizes, &rng);
		uint64_t align = 1ull << __builtin_ctzll(size);
		uint64_t iova = win + (test_rand(&rng) % span & ~(align - 1));

		if (iova - win + size > span)
			iova = win + span - size;
		iova &= ~(min_page - 1);
		switch (r % 8) {
		case 0: case 1: case 2: { /* map */
			uint64_t oa = test_rand(&rng) % (oa_span - size) & ~(align - 1);
			uint32_t prot = prots[(r >> 8) % 4];
			int want, got;

			/* Sometimes a misaligned OA, forcing smaller pages. */
			if ((r >> 16) % 5 == 0 && size <= (1ull << 23) && size > min_page)
				oa |= min_page;
			want = ref_map(ref, iova, oa, size, expected_prot(tc->cfg.format, prot));
			got = iommupt_domain_map(t.dom, iova, oa, size, prot, NULL);
			if (got != want)
				describe(&t, ref, iova, size);
			ck_assert_msg(got == want, "%s op %llu: map %#llx+%#llx: lib %d model %d",
				      tc->name, (unsigned long long)op,
				      (unsigned long long)iova, (unsigned long long)size,
				      got, want);
			counts[0]++;
			fails[0] += got != 0;
			break;
		}
		case 3: case 4: { /* unmap, sometimes a wide range */
			uint64_t len = (r >> 8) % 4 == 0 ? size * 64 : size;
			uint64_t lib_bytes = 0, ref_bytes = 0;
			int want, got;

			if (iova - win + len > span)
				len = span - (iova - win);
			/* One unmap in four cuts large pages with the split flag. */
			if ((r >> 12) % 4 == 0) {
				uint64_t cut = test_rand(&rng) % len & ~(min_page - 1);

				iova += cut;
				len = len - cut > min_page ? len - cut - min_page : min_page;
				want = ref_unmap_split(ref, iova, len, &ref_bytes);
				got = iommupt_domain_unmap(t.dom, iova, len, IOMMUPT_UNMAP_SPLIT,
							   NULL, &lib_bytes);
			} else {
				want = ref_unmap(ref, iova, len, &ref_bytes);
				got = iommupt_domain_unmap(t.dom, iova, len, 0, NULL, &lib_bytes);
			}
			if (got != want)
				describe(&t, ref, iova, len);
			ck_assert_msg(got == want, "%s op %llu: unmap %#llx+%#llx: lib %d model %d",
				      tc->name, (unsigned long long)op,
				      (unsigned long long)iova, (unsigned long long)len,
				      got, want);
			ck_assert_uint_eq(lib_bytes, want ? 0 : ref_bytes);
			counts[1]++;
			fails[1] += got != 0;
			break;
		}
		default: { /* translate */
			uint64_t addr = iova + (test_rand(&rng) % size & ~7ull);
			uint64_t lib_oa = 0, ref_oa = 0;
			uint32_t lib_prot = 0, ref_prot = 0;
			unsigned int lib_lg2 = 0, ref_lg2 = 0;
			int want = ref_lookup(ref, addr, &ref_oa, &ref_prot, &ref_lg2);
			int got = iommupt_domain_iova_to_phys(t.dom, addr, &lib_oa,
							      &lib_prot, &lib_lg2);

			ck_assert_int_eq(got, want);
			if (!got) {
				ck_assert_uint_eq(lib_oa, ref_oa);
				ck_assert_uint_eq(lib_prot, ref_prot);
				ck_assert_uint_eq(lib_lg2, ref_lg2);
			}
			counts[2]++;
			fails[2] += got != 0;
			break;
		}
		}
		if (op % 20000 == 19999 || op + 1 == ops) {
			struct snapshot s;

			snapshot_take(t.dom, &s);
			ck_assert_msg(ref_matches(ref, &s, why, sizeof(why)), "%s op %llu: %s",
				      tc->name, (unsigned long long)op, why);
			snapshot_free(&s);
			ck_assert_int_eq(iommupt_domain_validate(t.dom, NULL, NULL), 0);
		}
	}
	printf("%s: %llu maps (%llu refused), %llu unmaps (%llu refused), "
	       "%llu translations (%llu unmapped), %llu leaves split, "
	       "%llu leaves at the end\n",
	       tc->name, (unsigned long long)counts[0], (unsigned long long)fails[0],
	       (unsigned long long)counts[1], (unsigned long long)fails[1],
	       (unsigned long long)counts[2], (unsigned long long)fails[2],
	       (unsigned long long)ref_splits(ref), (unsigned long long)ref_leaves(ref));
	/* Unmaps with IOMMUPT_UNMAP_SPLIT did cut large pages. */
	if (pgsizes & (pgsizes - 1))
		ck_assert_uint_gt(ref_splits(ref), 0);
	/* Both sides must have exercised success and refusal. */
	ck_assert_uint_gt(fails[0], 0);
	ck_assert_uint_lt(fails[0], counts[0]);
	ck_assert_uint_gt(fails[1], 0);
	ck_assert_uint_lt(fails[1], counts[1]);
	ref_destroy(ref);
	iommupt_domain_destroy(t.dom);
	t.dom = NULL;
	ck_assert_uint_eq(iommupt_heap_live_pages(t.heap), 0);
	iommupt_heap_destroy(t.heap);
}

static uint64_t ops_per_config(void)
{
	const char *env = getenv("IOMMUPT_DIFF_OPS");

	if (env && *env)
		return strtoull(env, NULL, 0);
	return 200000;
}

START_TEST(test_random_ops_match_reference_model)
{
	run_config(&test_cfgs[_i], ops_per_config(), 0x9e3779b97f4a7c15ull + (uint64_t)_i);
}
END_TEST

Suite *differential_suite(void);
Suite *differential_suite(void)
{
	Suite *s = suite_create("differential");
	TCase *tc = test_tcase("random");

	tcase_add_loop_test(tc, test_random_ops_match_reference_model, 0, (int)test_ncfgs);
	suite_add_tcase(s, tc);
	return s;
}
