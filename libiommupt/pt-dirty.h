/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Dirty harvesting, written once like pt-engine.h and included after it
 * by a format that has dirty state. The format defines PT_FMT_DIRTY_OPS
 * and these accessors:
 *   fmt_dirty(d, lvl, e)        whether this item's dirty state is set
 *   fmt_make_clean(d, lvl, e)   the item with dirty state cleared
 *   fmt_make_dirty(d, lvl, e)   the item as hardware leaves it on a write
 *   fmt_writable(d, lvl, e)     whether a write may dirty it
 * and, when tracking itself changes entries (ARM DBM), PT_FMT_UNTRACK and
 *   fmt_make_untracked(d, lvl, e)  the leaf item as an untracked map has it
 * An item of a multi-item leaf (contiguous run, replicated entry) carries
 * its own dirty state, as hardware updates only the item it walked.
 */
#ifndef PT_FMT_DIRTY_OPS
#error "define PT_FMT_DIRTY_OPS before including pt-dirty.h"
#endif

#include "dirty-int.h"

/* Set bits [first, last] of a byte-addressed bitmap. */
static void pt_bitmap_set(uint8_t *map, uint64_t first, uint64_t last)
{
	while (first <= last && (first & 7)) {
		map[first / 8] |= (uint8_t)(1u << (first & 7));
		first++;
	}
	while (first + 7 <= last) {
		map[first / 8] = 0xff;
		first += 8;
	}
	while (first <= last) {
		map[first / 8] |= (uint8_t)(1u << (first & 7));
		first++;
	}
}

/* Clear one item's dirty state atomically; whether it was dirty. */
static bool pt_item_test_clear(pt_dom *d, uint64_t *item, unsigned int lvl,
			       bool clear)
{
	uint64_t old = pt_load(item);

	while (fmt_dirty(d, lvl, old)) {
		if (!clear || pt_cas(item, &old, fmt_make_clean(d, lvl, old)))
			return true;
	}
	return false;
}

/*
 * The leaf level when every leaf there is one item: each item is one leaf
 * wholly inside the range (the range is granule-aligned and a granule is
 * at least a page), so the scan is a plain load loop with a rare branch.
 */
static void pt_dirty_leaf_run(pt_dom *d, uint64_t *table, unsigned int idx,
			      uint64_t n, uint64_t iova, struct pt_dirty_req *r)
{
	const unsigned int shift = fmt_item_shift(d, 0);
	uint64_t first_clear = UINT64_MAX, last_clear = 0;

	r->stats.items_visited += n;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_load(&table[idx + i]);

		if (PT_LIKELY(!fmt_dirty(d, 0, e)) || !fmt_present(d, 0, e))
			continue;
		if (!pt_item_test_clear(d, &table[idx + i], 0, r->clear))
			continue;
		uint64_t start = iova + (i << shift);

		r->stats.dirty_leaves++;
		r->stats.cleared_items += r->clear;
		if (r->bitmap) {
			uint64_t b = (start - r->iova) >> r->granule_lg2;

			r->bitmap[b / 8] |= (uint8_t)(1u << (b & 7));
		}
		if (first_clear == UINT64_MAX)
			first_clear = start;
		last_clear = pt_span_last(start, shift);
	}
	/* One gather update for the run, not one per dirty leaf. */
	if (r->clear && r->g && first_clear != UINT64_MAX)
		pt_gather_add_range(r->g, first_clear, last_clear,
				    IOMMUPT_GATHER_LEAVES);
}

static void pt_dirty_level(pt_dom *d, uint64_t *table, unsigned int lvl,
			   uint64_t iova, uint64_t last, struct pt_dirty_req *r)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	unsigned int idx = pt_index(d, lvl, iova);

	if (lvl == 0 && !(d->leaf_sizes[0] >> (shift + 1))) {
		pt_dirty_leaf_run(d, table, idx, ((last - iova) >> shift) + 1, iova, r);
		return;
	}
	for (;;) {
		uint64_t e = pt_load(&table[idx]);
		uint64_t step_last = pt_span_last(iova, shift);
		unsigned int n = 1;

		r->stats.items_visited++;
		if (step_last > last)
			step_last = last;
		if (!fmt_present(d, lvl, e)) {
			/* A run of holes: skip to the next item in use. */
			unsigned int end = pt_index(d, lvl, last), skip = 0;

			while (idx + skip < end &&
			       !fmt_present(d, lvl, pt_load(&table[idx + skip + 1])))
				skip++;
			if (skip) {
				idx += skip;
				r->stats.items_visited += skip;
				iova = (iova & ~((1ull << shift) - 1)) +
				       ((uint64_t)skip << shift);
				step_last = pt_span_last(iova, shift);
				if (step_last > last)
					step_last = last;
			}
		} else if (fmt_is_table(d, lvl, e)) {
			pt_dirty_level(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)),
				       lvl - 1, iova, step_last, r);
		} else {
			unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);
			uint64_t start = iova & ~((1ull << size_lg2) - 1);
			uint64_t leaf_last = pt_span_last(start, size_lg2);
			bool inside = start >= r->iova && leaf_last <= r->last;
			bool clear = inside && r->clear;
			bool dirty = false;

			n = 1u << (size_lg2 - shift);
			idx &= ~(n - 1);
			for (unsigned int i = 0; i < n; i++) {
				if (pt_item_test_clear(d, &table[idx + i], lvl, clear)) {
					dirty = true;
					r->stats.cleared_items += clear;
				}
			}
			r->stats.items_visited += n - 1;
			if (dirty) {
				uint64_t lo = start > r->iova ? start : r->iova;
				uint64_t hi = leaf_last < r->last ? leaf_last : r->last;

				r->stats.dirty_leaves++;
				if (r->bitmap)
					pt_bitmap_set(r->bitmap,
						      (lo - r->iova) >> r->granule_lg2,
						      (hi - r->iova) >> r->granule_lg2);
				if (clear && r->g)
					pt_gather_add_range(r->g, start, leaf_last,
							    IOMMUPT_GATHER_LEAVES);
			}
			step_last = leaf_last < last ? leaf_last : last;
		}
		if (step_last >= last)
			return;
		idx += n;
		iova = step_last + 1;
	}
}

/* The root and levels through pt_top: an AMD v1 domain may have grown. */
static void pt_dirty_impl(pt_dom *d, uint64_t iova, uint64_t last,
			  struct pt_dirty_req *r)
{
	unsigned int levels;
	uint64_t *root = pt_top(d, &levels);

	if (PT_FMT_GROWS) {
		/* Nothing is mapped beyond what the current top reaches. */
		uint64_t reach = pt_table_last(d, levels - 1, 0);

		if (iova > reach)
			return;
		if (last > reach)
			last = reach;
	}
	pt_dirty_level(d, root, levels - 1, iova, last, r);
}

static int pt_mark_dirty_impl(pt_dom *d, uint64_t iova)
{
	unsigned int levels;
	uint64_t *table = pt_top(d, &levels);

	if (PT_FMT_GROWS && iova > pt_table_last(d, levels - 1, 0))
		return -PT_ENOENT;
	for (unsigned int lvl = levels - 1;; lvl--) {
		uint64_t *item = &table[pt_index(d, lvl, iova)];
		uint64_t e = pt_load(item);

		if (!fmt_present(d, lvl, e))
			return -PT_ENOENT;
		if (!fmt_is_table(d, lvl, e)) {
			if (!fmt_writable(d, lvl, e))
				return -PT_EACCES;
			while (!pt_cas(item, &e, fmt_make_dirty(d, lvl, e)))
				;
			return 0;
		}
		if (lvl == 0)
			return -PT_ENOENT;
		table = pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e));
	}
}

#ifdef PT_FMT_UNTRACK
/*
 * Tracking off: every leaf item becomes what a map without tracking would
 * have written (fmt_make_untracked), atomically, so a concurrent hardware
 * update is not lost. Visits every item of every table once.
 */
static void pt_untrack_level(pt_dom *d, uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_load(&table[i]);

		if (!fmt_present(d, lvl, e))
			continue;
		if (fmt_is_table(d, lvl, e)) {
			pt_untrack_level(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)),
					 lvl - 1);
			continue;
		}
		while (!pt_cas(&table[i], &e, fmt_make_untracked(d, lvl, e)))
			;
	}
}

static void pt_untrack_impl(pt_dom *d)
{
	unsigned int levels;
	uint64_t *root = pt_top(d, &levels);

	pt_untrack_level(d, root, levels - 1);
}
#endif

const struct pt_dirty_ops PT_FMT_DIRTY_OPS = {
	.harvest = pt_dirty_impl,
	.mark = pt_mark_dirty_impl,
#ifdef PT_FMT_UNTRACK
	.untrack = pt_untrack_impl,
#endif
};
