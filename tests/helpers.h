/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* Shared test helpers: format configurations, table snapshots. */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include <iommupt/iommupt.h>

/* One format configuration every conformance case runs on. */
struct test_cfg {
	const char *name;
	struct iommupt_domain_cfg cfg;
};

extern const struct test_cfg test_cfgs[];
extern const unsigned int test_ncfgs;

/* A domain on its own heap. */
struct test_dom {
	struct iommupt_heap *heap;
	struct iommupt_domain *dom;
	struct iommupt_domain_info info;
};

void test_dom_create(struct test_dom *t, const struct iommupt_domain_cfg *cfg);
void test_dom_destroy(struct test_dom *t); /* asserts nothing leaked */

/* Every leaf of a domain, in walk order. */
struct snapshot {
	struct iommupt_leaf *leaf;
	size_t n, cap;
};

void snapshot_take(struct iommupt_domain *dom, struct snapshot *s);
bool snapshot_equal(const struct snapshot *a, const struct snapshot *b);
void snapshot_free(struct snapshot *s);

/* Lowest and highest input address the domain translates. */
uint64_t test_aperture_first(const struct test_dom *t);
uint64_t test_aperture_last(const struct test_dom *t);

/* A tcase with a timeout fit for sanitizer and coverage builds. */
TCase *test_tcase(const char *name);

/* Deterministic PRNG (xorshift64*). */
static inline uint64_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif
