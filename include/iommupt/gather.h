/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The gather: what a caller must invalidate after map/unmap, and the table
 * pages that may be returned to the provider only after that invalidation.
 * A value type (on the caller's stack); one per thread at a time.
 */
#ifndef IOMMUPT_GATHER_H
#define IOMMUPT_GATHER_H

#include <iommupt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;

enum iommupt_gather_flags {
	IOMMUPT_GATHER_LEAVES = 1u << 0, /* leaf entries changed in [start,last] */
	IOMMUPT_GATHER_TABLES = 1u << 1, /* table pages unlinked: flush walk caches */
	IOMMUPT_GATHER_MAPPED = 1u << 2, /* only non-present -> present changes */
};

struct iommupt_gather {
	uint64_t start;      /* IOVA range to invalidate, inclusive */
	uint64_t last;       /* start > last: nothing to invalidate */
	uint32_t flags;      /* enum iommupt_gather_flags */
	uint32_t nr_pages;   /* table pages waiting for release */
	void *pages;         /* private: list of pages waiting for release */
	struct iommupt_domain *dom; /* private: owner of the pages */
};

/* Make g empty. */
IOMMUPT_API void iommupt_gather_init(struct iommupt_gather *g);
/* Whether there is anything to invalidate. */
static inline int iommupt_gather_empty(const struct iommupt_gather *g)
{
	return g->start > g->last;
}
/*
 * Return the gathered table pages to the provider and make g empty. Call
 * after the IOTLB and walk-cache invalidation covering g has completed.
 */
IOMMUPT_API void iommupt_gather_release(struct iommupt_gather *g);

#ifdef __cplusplus
}
#endif
#endif
