/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Dirty tracking: which pages devices wrote, harvested round after round
 * for live migration. Semantics follow the kernel's dirty interfaces
 * (VFIO_IOMMU_DIRTY_PAGES, iommufd IOMMU_HWPT_GET_DIRTY_BITMAP).
 *
 * Concurrency: harvesting may run while hardware (or another thread via
 * iommupt_domain_mark_dirty) sets dirty bits: bits are cleared with atomic
 * read-modify-write, or with a plain store once the entry holds every bit
 * hardware sets (accessed and dirty: hardware then writes it no more), so
 * every bit set before a harvest began is reported by that harvest or the
 * next. Map/unmap of the same range need the
 * caller's lock, as for every overlapping operation.
 */
#ifndef IOMMUPT_DIRTY_H
#define IOMMUPT_DIRTY_H

#include <iommupt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_domain;
struct iommupt_gather;

struct iommupt_dirty_opts {
	size_t sz;
	/* Largest bitmap a harvest may be asked to fill; 0: 256 MiB (8 TiB of 4K). */
	uint64_t max_bitmap_bytes;
};

/*
 * Turn tracking on or off. Turning it on first clears every dirty bit, so
 * the first harvest reports only writes made after this call; flush the
 * domain's IOTLB after enabling, since cached entries may remember that
 * they were already dirty. Returns 0,
 * -EOPNOTSUPP when the format has no dirty state, -EINVAL for bad opts.
 * Hardware must also be told (VT-d: SLADE in the context/PASID entry; AMD:
 * HAD in the DTE; SMMU: HD in the CD/STE). On ARM, tracking changes the
 * leaves: while on, writable leaves are writable-clean (DBM set, write
 * permission removed until the SMMU grants it on a write); turning it off
 * gives them their write permission back (flush the IOTLB after both).
 */
IOMMUPT_API int iommupt_domain_set_dirty_tracking(
	struct iommupt_domain *dom, int enable,
	const struct iommupt_dirty_opts *opts);

enum iommupt_dirty_flags {
	IOMMUPT_DIRTY_NO_CLEAR = 1u << 0, /* report without clearing */
};

struct iommupt_dirty_stats {
	size_t sz;
	uint64_t items_visited; /* table items read: the cost of the harvest */
	uint64_t dirty_leaves;  /* leaves found dirty */
	uint64_t cleared_items; /* items whose dirty state was cleared */
};

/*
 * Report the granules of [iova, iova + len) that were written: bit i of
 * bitmap (byte i / 8, bit i % 8: little-endian 64-bit words) stands for
 * [iova + i * granule, + granule) and is set (never cleared: zero the
 * bitmap first). A dirty large page or contiguous run sets every granule
 * it covers inside the range. Dirty state is cleared unless NO_CLEAR, for
 * leaves wholly inside the range (a leaf the range cuts is reported and
 * left dirty, so nothing is lost); cleared ranges go to the gather, which
 * the caller must flush before the next round is trustworthy.
 * Cost grows with the tables that exist, not with len.
 * Errors (nothing is cleared): -EINVAL when tracking is off, granule is
 * not a power of two or below the smallest page, iova/len not aligned to
 * it, len 0, unknown flags, bitmap NULL, bitmap_bytes below the need
 * (rounded up to 64-bit words) or the need above the cap; -EOVERFLOW when
 * the range wraps; -ERANGE outside the aperture.
 */
IOMMUPT_API int iommupt_domain_read_and_clear_dirty(
	struct iommupt_domain *dom, uint64_t iova, uint64_t len,
	uint64_t granule, void *bitmap, uint64_t bitmap_bytes, uint32_t flags,
	struct iommupt_gather *gather, struct iommupt_dirty_stats *stats);

/*
 * Set the dirty state of the leaf holding iova atomically, as hardware does
 * on a write, accessed state included (for tests and the simulator). Returns 0, -ENOENT when
 * unmapped, -EACCES when the leaf is not writable, -EOPNOTSUPP without
 * dirty state.
 */
IOMMUPT_API int iommupt_domain_mark_dirty(struct iommupt_domain *dom,
					  uint64_t iova);

#ifdef __cplusplus
}
#endif
#endif
