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
 * Optional, for speed:
 *   PT_FMT_HW_SETTLED and fmt_hw_settled(d, lvl, e): the dirty leaf item e
 *     holds every bit hardware sets on an access (accessed and dirty), so
 *     hardware writes it no more until software changes it; the harvester
 *     then clears it with a plain store instead of an atomic
 *     read-modify-write (a locked instruction costs several times more).
 *   PT_FMT_DIRTY_MONOTONE: fmt_dirty(d, lvl, a | b) holds whenever
 *     fmt_dirty(d, lvl, a) or fmt_dirty(d, lvl, b) does (dirty state is a
 *     set of bits that are all set), so one test of the OR of a cache line
 *     of items rules out a dirty item in it.
 *   PT_FMT_ALL_CLEAN and fmt_all_clean(d, lvl, v): true of the AND of
 *     items only when none of them is dirty (clean state is a set bit).
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

/* OR bits into 64-bit word w of a byte-addressed bitmap (w all-ones: none). */
static inline void pt_bitmap_or_word(uint8_t *map, uint64_t w, uint64_t bits)
{
	if (w == UINT64_MAX)
		return;
	for (unsigned int k = 0; bits; k++, bits >>= 8)
		map[w * 8 + k] |= (uint8_t)bits;
}

/*
 * Clear the dirty state of one item that read as old; whether it was
 * dirty. Hardware may set bits in the item meanwhile, so the clear is an
 * atomic read-modify-write, unless hardware has nothing left to set in it
 * (fmt_hw_settled): then it does not write the item again and a plain
 * store cannot lose its update. Another software writer of the same item
 * (map, unmap) needs the caller's lock, as for every overlapping operation.
 */
static inline bool pt_item_test_clear(pt_dom *d, uint64_t *item,
				      unsigned int lvl, bool clear, uint64_t old)
{
	while (fmt_dirty(d, lvl, old)) {
		if (!clear)
			return true;
#ifdef PT_FMT_HW_SETTLED
		if (fmt_hw_settled(d, lvl, old)) {
			pt_store(item, fmt_make_clean(d, lvl, old));
			return true;
		}
#endif
		if (pt_cas(item, &old, fmt_make_clean(d, lvl, old)))
			return true;
	}
	return false;
}

static inline uint64_t pt_peek(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * The OR of 8 items: a look at a cache line's worth at once. Two
 * accumulators, each load folded in as it arrives, so that neither one
 * chain of ORs nor a pile of loaded values holds the loop up.
 */
static inline uint64_t pt_or8(const uint64_t *p)
{
	uint64_t a = pt_peek(p), b = pt_peek(p + 1);

	a |= pt_peek(p + 2);
	b |= pt_peek(p + 3);
	a |= pt_peek(p + 4);
	b |= pt_peek(p + 5);
	a |= pt_peek(p + 6);
	b |= pt_peek(p + 7);
	return a | b;
}

/* The OR and the AND of 8 items, in one pass. */
static inline uint64_t pt_or_and8(const uint64_t *p, uint64_t *and_out)
{
	uint64_t e0 = pt_peek(p), e1 = pt_peek(p + 1);
	uint64_t o0 = e0, o1 = e1, a0 = e0, a1 = e1;

	for (unsigned int i = 2; i < 8; i += 2) {
		e0 = pt_peek(p + i);
		e1 = pt_peek(p + i + 1);
		o0 |= e0;
		o1 |= e1;
		a0 &= e0;
		a1 &= e1;
	}
	*and_out = a0 & a1;
	return o0 | o1;
}

/*
 * Whether the 32 items at p are all empty (0 is never present). A peek
 * only decides whether to look closer with atomic loads, and an empty
 * item that turns non-empty meanwhile belongs to a map this harvest is
 * not ordered with, so outside TSan builds it reads the 256 bytes with
 * vector loads (each aligned 8 bytes is read in one piece on the 64-bit
 * targets this runs on): half the loads of one atomic load per item.
 */
#if defined(__SANITIZE_THREAD__)
#define PT_PEEK_ATOMIC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PT_PEEK_ATOMIC 1
#endif
#endif
static inline bool pt_empty32(const uint64_t *p)
{
#ifdef PT_PEEK_ATOMIC
	uint64_t a = 0, b = 0;

	for (unsigned int i = 0; i < 32; i += 2) {
		a |= pt_peek(p + i);
		b |= pt_peek(p + i + 1);
	}
	return !(a | b);
#else
	typedef uint64_t pt_v2 __attribute__((vector_size(16)));
	pt_v2 a = { 0, 0 }, b = { 0, 0 };

	for (unsigned int i = 0; i < 32; i += 4) {
		pt_v2 x, y;

		__builtin_memcpy(&x, p + i, sizeof(x));
		__builtin_memcpy(&y, p + i + 2, sizeof(y));
		a |= x;
		b |= y;
	}
	a |= b;
	return !(a[0] | a[1]);
#endif
}

/* Whether 8 items whose OR is v (AND all) surely hold no dirty leaf. */
static inline bool pt_none_dirty(pt_dom *d, unsigned int lvl, uint64_t v,
				 uint64_t all)
{
	(void)all;
#ifdef PT_FMT_DIRTY_MONOTONE
	return !fmt_dirty(d, lvl, v);
#elif defined(PT_FMT_ALL_CLEAN)
	return !v || fmt_all_clean(d, lvl, all);
#else
	return !v; /* every format's empty item is 0 */
#endif
}

/*
 * Whether 8 items whose AND is v are surely all present, dirty and, for a
 * clear, settled. Dirty state, presence and settledness are each a set of
 * bits that must all be set (PT_FMT_DIRTY_MONOTONE), so what the AND has
 * every item has.
 */
static inline bool pt_all_dirty(pt_dom *d, unsigned int lvl, uint64_t v,
				bool clear)
{
#if defined(PT_FMT_DIRTY_MONOTONE) && defined(PT_FMT_HW_SETTLED)
	return fmt_present(d, lvl, v) && fmt_dirty(d, lvl, v) &&
	       (!clear || fmt_hw_settled(d, lvl, v));
#else
	(void)d, (void)lvl, (void)v, (void)clear;
	return false;
#endif
}

/* Set bits in an 8-bit mask (no popcount instruction assumed). */
static inline unsigned int pt_count8(unsigned int m)
{
	m = m - ((m >> 1) & 0x55);
	m = (m & 0x33) + ((m >> 2) & 0x33);
	return (m + (m >> 4)) & 0x0f;
}

/*
 * Test (and, with clear, clear) the cnt <= 8 leaf items at p; returns the
 * mask of those that were dirty. One look at the OR and the AND of a full
 * block settles the common cases (none dirty, all dirty and settled);
 * otherwise a mask is built without a branch per item.
 */
static inline unsigned int pt_dirty_block(pt_dom *d, uint64_t *p,
					  unsigned int cnt, bool clear)
{
	unsigned int m = 0, ms = 0;
	uint64_t ev[8];

	if (cnt == 8) {
		uint64_t all, any = pt_or_and8(p, &all);

		if (PT_LIKELY(pt_none_dirty(d, 0, any, all)))
			return 0;
		if (pt_all_dirty(d, 0, all, clear)) {
			/* Every item dirty and settled: a store clears each. */
			for (unsigned int j = 0; clear && j < 8; j++)
				pt_store(&p[j], fmt_make_clean(d, 0, pt_load(&p[j])));
			return 0xff;
		}
	}
	/* Dirty items, and those a plain store may clear (settled). */
	for (unsigned int j = 0; j < cnt; j++) {
		uint64_t e = pt_load(&p[j]);
		unsigned int dj = fmt_dirty(d, 0, e) && fmt_present(d, 0, e);

		ev[j] = e;
		m |= dj << j;
#ifdef PT_FMT_HW_SETTLED
		ms |= (dj & fmt_hw_settled(d, 0, e)) << j;
#endif
	}
	if (!m || !clear)
		return m;
	for (unsigned int j = 0; j < cnt; j++)
		if (ms >> j & 1)
			pt_store(&p[j], fmt_make_clean(d, 0, ev[j]));
	/* The rest with an atomic read-modify-write each. */
	for (unsigned int t = m & ~ms; t; t &= t - 1) {
		unsigned int j = (unsigned int)__builtin_ctz(t);

		if (!pt_item_test_clear(d, &p[j], 0, true, ev[j]))
			m &= ~(1u << j);
	}
	return m;
}

/*
 * The leaf level when every leaf there is one item: each item is one leaf
 * wholly inside the range (the range is granule-aligned and a granule is
 * at least a page), so the scan is a load loop over blocks of 8 items
 * that skips a block with no dirty item after one test.
 */
static void pt_dirty_leaf_run(pt_dom *d, uint64_t *table, unsigned int idx,
			      uint64_t n, uint64_t iova, struct pt_dirty_req *r)
{
	const unsigned int shift = fmt_item_shift(d, 0);
	const unsigned int gran_lg2 = r->granule_lg2;
	const uint64_t first_bit = (iova - r->iova) >> gran_lg2;
	const bool clear = r->clear;
	uint8_t *const bitmap = r->bitmap;
	uint64_t *const base = table + idx;
	uint64_t first = UINT64_MAX, last_i = 0, dirty = 0;
	/* Bits gathered for one 64-bit word of the bitmap, stored at once. */
	uint64_t word = UINT64_MAX, bits = 0;

	r->stats.items_visited += n;
	for (uint64_t blk = 0; blk < n; blk += 8) {
		unsigned int cnt = n - blk < 8 ? (unsigned int)(n - blk) : 8;
		unsigned int m = pt_dirty_block(d, base + blk, cnt, clear);

		if (!m)
			continue;
		dirty += pt_count8(m);
		if (first == UINT64_MAX)
			first = blk + (uint64_t)__builtin_ctz(m);
		last_i = blk + 31 - (uint64_t)__builtin_clz(m);
		if (!bitmap)
			continue;
		if (gran_lg2 == shift) {
			/* One bit per item: the mask lands as it is. */
			uint64_t b = first_bit + blk;
			unsigned int off = (unsigned int)(b & 63);

			if (b / 64 != word) {
				pt_bitmap_or_word(bitmap, word, bits);
				word = b / 64;
				bits = 0;
			}
			bits |= (uint64_t)m << off;
			if (off > 56 && (m >> (64 - off))) {
				pt_bitmap_or_word(bitmap, word, bits);
				word++;
				bits = (uint64_t)m >> (64 - off);
			}
			continue;
		}
		for (unsigned int t = m; t; t &= t - 1) {
			uint64_t b = first_bit +
				     (((blk + (uint64_t)__builtin_ctz(t)) << shift) >>
				      gran_lg2);

			if (b / 64 != word) {
				pt_bitmap_or_word(bitmap, word, bits);
				word = b / 64;
				bits = 0;
			}
			bits |= 1ull << (b & 63);
		}
	}
	pt_bitmap_or_word(bitmap, word, bits);
	r->stats.dirty_leaves += dirty;
	if (clear)
		r->stats.cleared_items += dirty;
	/* One gather update for the run, not one per dirty leaf. */
	if (clear && r->g && dirty)
		pt_gather_add_range(r->g, iova + (first << shift),
				    pt_span_last(iova + (last_i << shift), shift),
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

			while (idx + skip < end) {
				/* 32 or 8 empty items at once: 0 is never present */
				const uint64_t *p = &table[idx + skip + 1];

				if (end - (idx + skip) >= 32 && pt_empty32(p)) {
					skip += 32;
					continue;
				}
				if (end - (idx + skip) >= 8 && !pt_or8(p)) {
					skip += 8;
					continue;
				}
				if (fmt_present(d, lvl, pt_load(&table[idx + skip + 1])))
					break;
				skip++;
			}
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
				if (pt_item_test_clear(d, &table[idx + i], lvl, clear,
						       pt_load(&table[idx + i]))) {
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
