/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * IOVA allocator: hands out aligned ranges of an aperture, lowest address
 * first, avoiding reserved ranges and live allocations. A balanced tree of
 * the ranges in use, each node knowing the largest free gap beneath it:
 * alloc, free and reserve are O(log n) (alloc may look at more nodes when
 * alignment wastes most of the gaps that are large enough).
 *
 * Concurrency: none; calls on one allocator need the caller's lock.
 */
#ifndef IOMMUPT_IOVA_H
#define IOMMUPT_IOVA_H

#include <iommupt/common.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommupt_iova;

struct iommupt_iova_opts {
	size_t sz;
	uint64_t start;             /* aperture [start, last] */
	uint64_t last;
	unsigned int granule_lg2;   /* sizes are multiples of it; 0: 12 */
};

/*
 * Create an allocator over [start, last]. start and last + 1 must be
 * granule aligned and the aperture smaller than 2^64 bytes. Node memory
 * comes from mem's object allocator. Returns 0, -EINVAL or -ENOMEM.
 */
IOMMUPT_API int iommupt_iova_create(const struct iommupt_iova_opts *opts,
				    const struct iommupt_mem *mem,
				    struct iommupt_iova **out);
/*
 * An allocator for dom: the aperture is the domain's (its lower half for
 * sign-extended layouts) and the granule its smallest page, unless opts
 * (may be NULL) gives them; the reserved regions of the devices attached
 * now are reserved.
 */
IOMMUPT_API int iommupt_iova_create_for_domain(struct iommupt_domain *dom,
					       const struct iommupt_iova_opts *opts,
					       struct iommupt_iova **out);
/* Accepts NULL. */
IOMMUPT_API void iommupt_iova_destroy(struct iommupt_iova *iova);

/*
 * Withdraw [start, last] (clipped to the aperture) from allocation.
 * Overlapping reservations are fine; -EBUSY when it overlaps a live
 * allocation; -EINVAL for start > last; -ENOMEM.
 */
IOMMUPT_API int iommupt_iova_reserve(struct iommupt_iova *iova,
				     uint64_t start, uint64_t last);
/*
 * Allocate size bytes (a non-zero multiple of the granule) aligned to
 * 2^align_lg2 (at least the granule) at the lowest address that fits.
 * Returns 0, -EINVAL, -ENOSPC or -ENOMEM.
 */
IOMMUPT_API int iommupt_iova_alloc(struct iommupt_iova *iova, uint64_t size,
				   unsigned int align_lg2, uint64_t *addr);
/* Free the allocation starting at addr; -ENOENT when there is none. */
IOMMUPT_API int iommupt_iova_free(struct iommupt_iova *iova, uint64_t addr);

#ifdef __cplusplus
}
#endif
#endif
