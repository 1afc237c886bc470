// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define CFG(...) { .sz = sizeof(struct iommupt_domain_cfg), __VA_ARGS__ }

/* Every format configuration the engine supports so far. */
const struct test_cfg test_cfgs[] = {
	{ "vtdss-3lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 3) },
	{ "vtdss-4lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 4) },
	{ "vtdss-5lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 5) },
	{ "vtdss-4lvl-no1g-oas39", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 4,
				       .oas_lg2 = 39, .flags = IOMMUPT_CFG_NO_1G) },
	{ "x86-64-4lvl", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 4) },
	{ "x86-64-5lvl", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 5) },
	{ "x86-64-4lvl-lower", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 4,
				   .va_layout = IOMMUPT_VA_LOWER) },
	/* AMD v1 at each DTE mode, and growing from 1 level to 6. */
	{ "amdv1-1lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 1) },
	{ "amdv1-2lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 2) },
	{ "amdv1-3lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 3) },
	{ "amdv1-4lvl-oas40", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 4,
				  .oas_lg2 = 40) },
	{ "amdv1-5lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 5) },
	{ "amdv1-6lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 6) },
	{ "amdv1-grow-1to6", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 1,
				 .flags = IOMMUPT_CFG_AMD_GROW) },
	/* ARM stage 1: each granule, several input/output sizes, TTBR1. */
	{ "arm-s1-4k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 48) },
	{ "arm-s1-4k-39-oas40", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 39,
				    .oas_lg2 = 40) },
	{ "arm-s1-4k-32-oas32", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 32,
				    .oas_lg2 = 32) },
	{ "arm-s1-16k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 14,
			       .ias_lg2 = 48) },
	{ "arm-s1-16k-36", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 14,
			       .ias_lg2 = 36, .oas_lg2 = 42) },
	{ "arm-s1-64k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 16,
			       .ias_lg2 = 48) },
	{ "arm-s1-64k-52-oas52", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 16,
				     .ias_lg2 = 52, .oas_lg2 = 52) },
	{ "arm-s1-4k-48-ttbr1", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 48,
				    .va_layout = IOMMUPT_VA_UPPER) },
	{ "arm-s1-64k-42-ttbr1", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 16,
				     .ias_lg2 = 42, .va_layout = IOMMUPT_VA_UPPER) },
	/* ARM stage 2, with and without concatenated initial tables. */
	{ "arm-s2-4k-40", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 40) },
	{ "arm-s2-4k-40-concat", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 40,
				     .flags = IOMMUPT_CFG_ARM_CONCAT) },
	{ "arm-s2-4k-42-concat-oas44", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 42,
					   .oas_lg2 = 44,
					   .flags = IOMMUPT_CFG_ARM_CONCAT) },
	{ "arm-s2-4k-48", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 48) },
	{ "arm-s2-16k-40-concat", CFG(.format = IOMMUPT_FMT_ARM_S2, .granule_lg2 = 14,
				      .ias_lg2 = 40, .flags = IOMMUPT_CFG_ARM_CONCAT) },
	{ "arm-s2-16k-47", CFG(.format = IOMMUPT_FMT_ARM_S2, .granule_lg2 = 14,
			       .ias_lg2 = 47, .oas_lg2 = 48) },
	{ "arm-s2-64k-48", CFG(.format = IOMMUPT_FMT_ARM_S2, .granule_lg2 = 16,
			       .ias_lg2 = 48, .oas_lg2 = 44) },
};
const unsigned int test_ncfgs = sizeof(test_cfgs) / sizeof(test_cfgs[0]);

void test_dom_create(struct test_dom *t, const struct iommupt_domain_cfg *cfg)
{
	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(iommupt_heap_create(NULL, &t->heap), 0);
	ck_assert_int_eq(iommupt_domain_create(cfg, iommupt_heap_mem(t->heap),
					       &t->dom), 0);
	t->info.sz = sizeof(t->info);
	ck_assert_int_eq(iommupt_domain_get_info(t->dom, &t->info), 0);
}

void test_dom_destroy(struct test_dom *t)
{
	iommupt_domain_destroy(t->dom);
	t->dom = NULL;
	ck_assert_uint_eq(iommupt_heap_live_pages(t->heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(t->heap), 0);
	iommupt_heap_destroy(t->heap);
	t->heap = NULL;
}

static int snapshot_add(void *ctx, const struct iommupt_leaf *leaf)
{
	struct snapshot *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->leaf = realloc(s->leaf, s->cap * sizeof(*s->leaf));
		ck_assert_ptr_nonnull(s->leaf);
	}
	s->leaf[s->n++] = *leaf;
	return 0;
}

void snapshot_take(struct iommupt_domain *dom, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(iommupt_domain_walk(dom, 0, 0, snapshot_add, s), 0);
}

bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct iommupt_leaf *x = &a->leaf[i], *y = &b->leaf[i];

		if (x->iova != y->iova || x->oa != y->oa ||
		    x->size_lg2 != y->size_lg2 || x->prot != y->prot ||
		    x->entry != y->entry || x->level != y->level)
			return false;
	}
	return true;
}

void snapshot_free(struct snapshot *s)
{
	free(s->leaf);
	memset(s, 0, sizeof(*s));
}

uint64_t test_aperture_first(const struct test_dom *t)
{
	if (t->info.ias_lg2 >= 64)
		return 0;
	if (t->info.va_layout == IOMMUPT_VA_UPPER)
		return (uint64_t)0 - (1ull << t->info.ias_lg2);
	return 0;
}

uint64_t test_aperture_last(const struct test_dom *t)
{
	if (t->info.ias_lg2 >= 64)
		return UINT64_MAX;
	switch (t->info.va_layout) {
	case IOMMUPT_VA_SIGNEXT:
	case IOMMUPT_VA_UPPER:
		return UINT64_MAX;
	default:
		return (1ull << t->info.ias_lg2) - 1;
	}
}

TCase *test_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 900);
	return tc;
}
