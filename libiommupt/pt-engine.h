/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The page-table engine, written once and specialised per format: a format
 * file defines its inline accessors and PT_FMT_OPS, then includes this
 * header, which emits the map/unmap/lookup/walk/validate functions and the
 * format's struct pt_fmt_ops. Inlining the accessors keeps the per-entry
 * loops free of indirect calls.
 *
 * Accessors a format defines (d is const struct iommupt_domain *):
 *   fmt_item_shift(d, lvl), fmt_items_lg2(d, lvl)   geometry
 *   fmt_present(d, lvl, e), fmt_is_table(d, lvl, e) entry kind
 *   fmt_table_oa(d, lvl, e), fmt_make_table(d, lvl, oa)
 *   fmt_leaf_oa(d, lvl, e)        OA of the first byte of the whole leaf
 *   fmt_leaf_size_lg2(d, lvl, e)  bytes of the whole (contiguous) leaf
 *   fmt_prot_attrs(d, prot, &attrs) -> 0 or -EINVAL
 *   fmt_make_leaf(d, lvl, oa, size_lg2, attrs)  entry of the first item
 *   fmt_leaf_step(d, lvl, size_lg2)  what to add per following item
 *   fmt_entry_prot(d, lvl, e)
 *   fmt_check_entry(d, lvl, e, &kind) -> NULL or what is wrong
 *   fmt_init(d, cfg)
 *
 * A format whose top grows (AMD v1) defines PT_FMT_GROWS 1 and fills
 * d->max_levels and the geometry of every level up to it: map then adds
 * levels above the root (pt_grow) and the other operations read the root
 * and level count together from d->top and see nothing beyond its reach.
 *
 * Splitting (IOMMUPT_UNMAP_SPLIT) rebuilds a cut leaf's items in a scratch
 * table of its level with the ordinary map loop, then copies them over the
 * live items; only allocation can fail, before anything is visible. The
 * leaf's attributes are carried over through fmt_entry_prot/fmt_prot_attrs;
 * a format that defines PT_FMT_LEAF_KEEP also passes on the bits its
 * fmt_leaf_keep(d, lvl, e) returns (accessed/dirty state); one that
 * defines PT_FMT_LEAF_INHERIT gets the pieces' attributes rewritten by
 * fmt_leaf_inherit(d, lvl, e, attrs) (state encoded by a cleared bit).
 *
 * Every function here takes ranges as [iova, last] (inclusive) that the
 * public wrappers (engine.c) have already checked against the aperture.
 */
#ifndef PT_FMT_OPS
#error "define PT_FMT_OPS before including pt-engine.h"
#endif

#include "pt-int.h"

typedef struct iommupt_domain pt_dom;

#ifndef PT_FMT_GROWS
#define PT_FMT_GROWS 0
#endif

/*
 * The current root and level count. A growing format swaps both at once
 * through d->top; others never change them after create.
 */
static inline void *pt_top(pt_dom *d, unsigned int *levels)
{
	if (PT_FMT_GROWS) {
		uint64_t t = __atomic_load_n(&d->top, __ATOMIC_ACQUIRE);

		if (t) {
			*levels = (unsigned int)(t & 0xfff);
			return pt_oa_to_cpu(d, t & ~0xfffull);
		}
	}
	*levels = d->levels;
	return d->root;
}

/* Last IOVA the current levels reach (growing formats, lower layout). */
static inline uint64_t pt_reach_last(const pt_dom *d, unsigned int levels)
{
	return pt_span_last(0, d->item_shift[levels - 1] + d->items_lg2[levels - 1]);
}

static inline unsigned int pt_index(const pt_dom *d, unsigned int lvl,
				    uint64_t iova)
{
	return (unsigned int)((iova >> fmt_item_shift(d, lvl)) &
			      ((1ull << fmt_items_lg2(d, lvl)) - 1));
}

/* Last IOVA covered by the table at lvl that holds iova. */
static inline uint64_t pt_table_last(const pt_dom *d, unsigned int lvl,
				     uint64_t iova)
{
	return pt_span_last(iova, fmt_item_shift(d, lvl) + fmt_items_lg2(d, lvl));
}

/* ---------------------------------------------------------------- map --- */

static uint64_t pt_unmap_level(pt_dom *d, uint64_t *table, unsigned int lvl,
			       uint64_t iova, uint64_t last, bool prune_only,
			       struct iommupt_gather *g);

/* Whether a subtree holds no leaf (only empty items and empty tables). */
static bool pt_subtree_empty(const pt_dom *d, const uint64_t *table,
			     unsigned int lvl)
{
	uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_load(&table[i]);

		if (!fmt_present(d, lvl, e))
			continue;
		if (!fmt_is_table(d, lvl, e) ||
		    !pt_subtree_empty(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)),
				      lvl - 1))
			return false;
	}
	return true;
}

/*
 * Make the item at table[idx] (spanning from iova) free for a leaf. An
 * empty table left there by an earlier unmap is unlinked into the gather:
 * the leaf's span covers the table's, so no other thread may be using it.
 * Returns false when a mapping is in the way.
 */
static bool pt_clear_for_leaf(pt_dom *d, uint64_t *table, unsigned int lvl,
			      unsigned int idx, uint64_t iova,
			      struct iommupt_gather *g)
{
	uint64_t e = pt_load(&table[idx]);

	if (!fmt_present(d, lvl, e))
		return true;
	if (!fmt_is_table(d, lvl, e) ||
	    !pt_subtree_empty(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)), lvl - 1))
		return false;
	pt_unmap_level(d, table, lvl, iova,
		       pt_span_last(iova, fmt_item_shift(d, lvl)), false, g);
	return true;
}

struct pt_map_state {
	uint64_t attrs;
	struct iommupt_gather *g;
	uint64_t fail_iova; /* first IOVA not mapped when an error is returned */
};

/*
 * Largest allowed leaf size at this level for the run at iova/oa with
 * last - iova + 1 bytes left; 0 when the level cannot hold one.
 */
static inline unsigned int pt_pick_leaf(const pt_dom *d, unsigned int lvl,
					uint64_t iova, uint64_t oa,
					uint64_t last)
{
	uint64_t sizes = d->leaf_sizes[lvl];
	uint64_t align = iova | oa;
	uint64_t remain = last - iova; /* bytes - 1 */

	if (!sizes)
		return 0;
	if (align)
		sizes &= (align & -align) | ((align & -align) - 1);
	/* sizes whose size - 1 <= remain */
	if (remain != UINT64_MAX)
		sizes &= (1ull << pt_fls64(remain + 1)) |
			 ((1ull << pt_fls64(remain + 1)) - 1);
	return sizes ? pt_fls64(sizes) : 0;
}

/*
 * Install a table under *slot unless one is there. Returns 0 with the
 * entry now in the slot, -EEXIST when a leaf occupies it, -ENOMEM.
 */
static int pt_install_table(pt_dom *d, uint64_t *slot, unsigned int lvl,
			    uint64_t *entry)
{
	void *cpu;
	uint64_t oa;
	uint64_t old = 0;
	int rc;

	rc = pt_table_alloc(d, lvl - 1, &cpu, &oa);
	if (rc)
		return rc;
	if (pt_cas(slot, &old, fmt_make_table(d, lvl, oa))) {
		*entry = fmt_make_table(d, lvl, oa);
		return 0;
	}
	/* Another thread installed first: ours was never visible. */
	pt_table_free_now(d, lvl - 1, cpu, oa);
	if (!fmt_is_table(d, lvl, old))
		return -PT_EEXIST;
	*entry = old;
	return 0;
}

static int pt_map_level(pt_dom *d, uint64_t *table, unsigned int lvl,
			uint64_t iova, uint64_t last, uint64_t oa,
			struct pt_map_state *ms)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	const uint64_t item_size = 1ull << shift;
	unsigned int idx = pt_index(d, lvl, iova);

	for (;;) {
		unsigned int size_lg2 = pt_pick_leaf(d, lvl, iova, oa, last);
		uint64_t step_last;

		if (size_lg2 == shift) {
			/*
			 * Run of natural-size leaves: the bulk-map loop. It stops
			 * at the next boundary of a larger size this level has,
			 * so that a contiguous run can start there.
			 */
			uint64_t n = (last - iova) >> shift; /* whole items */
			uint64_t room = (1ull << fmt_items_lg2(d, lvl)) - idx;
			uint64_t larger = d->leaf_sizes[lvl] >> (shift + 1);

			if (larger) {
				unsigned int k = pt_ffs64(larger) + 1;
				uint64_t to_boundary =
					((~iova >> shift) & ((1ull << k) - 1)) + 1;

				if (room > to_boundary)
					room = to_boundary;
			}
			uint64_t e = fmt_make_leaf(d, lvl, oa, shift, ms->attrs);
			uint64_t step = fmt_leaf_step(d, lvl, shift);

			if (((last - iova) & (item_size - 1)) == item_size - 1)
				n++;
			if (n > room)
				n = room;
			for (uint64_t i = 0; i < n; i++) {
				if (PT_UNLIKELY(pt_load(&table[idx + i])) &&
				    !pt_clear_for_leaf(d, table, lvl, idx + (unsigned int)i,
						       iova + i * item_size, ms->g)) {
					ms->fail_iova = iova + i * item_size;
					return -PT_EEXIST;
				}
				pt_store(&table[idx + i], e);
				e += step;
			}
			step_last = iova + (n << shift) - 1;
			idx += (unsigned int)n;
		} else if (size_lg2) {
			/* A contiguous run of items holding one leaf. */
			unsigned int n = 1u << (size_lg2 - shift);
			uint64_t e = fmt_make_leaf(d, lvl, oa, size_lg2, ms->attrs);
			uint64_t step = fmt_leaf_step(d, lvl, size_lg2);

			for (unsigned int i = 0; i < n; i++) {
				if (pt_load(&table[idx + i]) &&
				    !pt_clear_for_leaf(d, table, lvl, idx + i,
						       iova + i * item_size, ms->g)) {
					ms->fail_iova = iova;
					return -PT_EEXIST;
				}
			}
			for (unsigned int i = 0; i < n; i++, e += step)
				pt_store(&table[idx + i], e);
			step_last = iova + (1ull << size_lg2) - 1;
			idx += n;
		} else {
			/* Descend, installing a table where the item is empty. */
			uint64_t e = pt_load(&table[idx]);
			int rc;

			if (PT_UNLIKELY(lvl == 0)) {
				ms->fail_iova = iova; /* unreachable when aligned */
				return -PT_EINVAL;
			}
			if (!fmt_present(d, lvl, e)) {
				rc = pt_install_table(d, &table[idx], lvl, &e);
				if (rc) {
					ms->fail_iova = iova;
					return rc;
				}
			} else if (!fmt_is_table(d, lvl, e)) {
				ms->fail_iova = iova;
				return -PT_EEXIST;
			}
			step_last = pt_span_last(iova, shift);
			if (step_last > last)
				step_last = last;
			rc = pt_map_level(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)),
					  lvl - 1, iova, step_last, oa, ms);
			if (rc)
				return rc;
			idx++;
		}
		if (step_last == last)
			return 0;
		oa += step_last - iova + 1;
		iova = step_last + 1;
	}
}

/* -------------------------------------------------------------- unmap --- */

static bool pt_table_is_empty(const pt_dom *d, unsigned int lvl,
			      const uint64_t *table)
{
	uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t i = 0; i < n; i++)
		if (pt_load(&table[i]))
			return false;
	return true;
}

/*
 * The bulk-unmap loop above the leaf level: clear the one-item leaves from
 * table[idx] (one) on, and the holes between them, up to item end or the
 * first table or multi-item leaf. Items up to end lie wholly inside the
 * range, so a hole there is ours (a map of it by another thread would
 * overlap this unmap): writing 0 over it changes nothing and saves a
 * branch. Returns the index
 * where it stopped and adds the bytes unmapped to *bytes; its own locals
 * keep the count in a register.
 */
static unsigned int pt_unmap_leaf_run(pt_dom *d, uint64_t *table,
				      unsigned int lvl, unsigned int idx,
				      unsigned int end, uint64_t *bytes)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	unsigned int i;
	uint64_t n = 0;

	for (i = idx; i <= end; i++) {
		uint64_t e = pt_load(&table[i]);
		unsigned int present = fmt_present(d, lvl, e);
		/* Bitwise, not short-circuit: one branch per item. */
		unsigned int other = (unsigned int)fmt_is_table(d, lvl, e) |
				     (fmt_leaf_size_lg2(d, lvl, e) != shift);

		if (present & other)
			break;
		pt_store(&table[i], 0);
		n += present;
	}
	*bytes += n << shift;
	return i;
}

/*
 * Clear every leaf inside [iova, last] (the caller has made sure no leaf
 * straddles the ends) and unlink tables whose span lies inside the range.
 * With prune_only, leaves are left alone and only tables that are empty and
 * wholly inside the range are unlinked: the clean-up after a failed map.
 */
static uint64_t pt_unmap_level(pt_dom *d, uint64_t *table, unsigned int lvl,
			       uint64_t iova, uint64_t last, bool prune_only,
			       struct iommupt_gather *g)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	unsigned int idx = pt_index(d, lvl, iova);
	uint64_t bytes = 0;

	if (lvl == 0 && !prune_only) {
		/*
		 * The leaf level holds no tables, and no leaf straddles the
		 * range (checked before, or the range ends on a table edge),
		 * so every present item in it goes: the bulk-unmap loop.
		 */
		uint64_t n = ((last - iova) >> shift) + 1, cleared = 0;

		for (uint64_t i = 0; i < n; i++) {
			if (fmt_present(d, 0, pt_load(&table[idx + i]))) {
				pt_store(&table[idx + i], 0);
				cleared++;
			}
		}
		return cleared << shift;
	}
	for (;;) {
		uint64_t e = pt_load(&table[idx]);
		uint64_t item_last = pt_span_last(iova, shift);
		uint64_t step_last = item_last < last ? item_last : last;
		unsigned int n = 1;

		if (!fmt_present(d, lvl, e)) {
			/* hole */
		} else if (fmt_is_table(d, lvl, e)) {
			uint64_t child_oa = fmt_table_oa(d, lvl, e);
			uint64_t *child = pt_oa_to_cpu(d, child_oa);
			bool whole = (iova & ((1ull << shift) - 1)) == 0 &&
				     item_last <= last;

			bytes += pt_unmap_level(d, child, lvl - 1, iova,
						step_last, prune_only, g);
			if (whole && (!prune_only ||
				      pt_table_is_empty(d, lvl - 1, child))) {
				pt_store(&table[idx], 0);
				pt_table_free_gather(d, lvl - 1, child, child_oa, g);
			}
		} else if (!prune_only &&
			   fmt_leaf_size_lg2(d, lvl, e) == shift) {
			/*
			 * A run of one-item leaves (2M pages at level 1): the
			 * bulk-unmap loop of level 0, until the range ends or
			 * a table or a multi-item leaf needs the general path.
			 * Each leaf here lies wholly inside the range: none
			 * straddles its ends (checked before). The run stops
			 * at the last item wholly inside the range: one cut by
			 * the end is a hole or a table, and another thread may
			 * be mapping the rest of it.
			 */
			unsigned int end = pt_index(d, lvl, last);
			unsigned int i;

			if (pt_span_last(last, shift) != last && end > idx)
				end--;
			i = pt_unmap_leaf_run(d, table, lvl, idx, end, &bytes);

			n = i - idx;
			step_last = pt_span_last(iova + ((uint64_t)(n - 1) << shift),
						 shift);
			if (step_last > last)
				step_last = last;
		} else if (!prune_only) {
			unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);

			/* A contiguous leaf: clear all of its items. */
			n = 1u << (size_lg2 - shift);
			idx &= ~(n - 1);
			for (unsigned int i = 0; i < n; i++)
				pt_store(&table[idx + i], 0);
			bytes += 1ull << size_lg2;
			step_last = pt_span_last(iova, size_lg2);
			if (step_last > last)
				step_last = last;
		}
		if (step_last >= last)
			return bytes;
		idx += n;
		iova = step_last + 1;
	}
}

/* ------------------------------------------------------------- lookup --- */

static int pt_lookup_impl(pt_dom *d, uint64_t iova, struct iommupt_leaf *leaf)
{
	unsigned int levels;
	uint64_t *table = pt_top(d, &levels);

	if (PT_FMT_GROWS && iova > pt_reach_last(d, levels))
		return -PT_ENOENT;
	for (unsigned int lvl = levels - 1;; lvl--) {
		uint64_t e = pt_load(&table[pt_index(d, lvl, iova)]);

		if (!fmt_present(d, lvl, e))
			return -PT_ENOENT;
		if (!fmt_is_table(d, lvl, e)) {
			unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);
			uint64_t mask = (1ull << size_lg2) - 1;

			leaf->iova = iova & ~mask;
			leaf->oa = fmt_leaf_oa(d, lvl, e);
			leaf->size_lg2 = size_lg2;
			leaf->level = lvl;
			leaf->prot = fmt_entry_prot(d, lvl, e);
			leaf->entry = e;
			return 0;
		}
		if (lvl == 0)
			return -PT_ENOENT; /* corrupt: table bit at level 0 */
		table = pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e));
		if (!table)
			return -PT_ENOENT;
	}
}

/*
 * Levels a growing format needs for a map of [iova, last] at oa: enough to
 * reach last, and one above the level of the largest page the range can
 * hold (a page must sit below the root's span, not be it).
 */
static unsigned int pt_need_levels(const pt_dom *d, uint64_t iova,
				   uint64_t last, uint64_t oa)
{
	unsigned int need = 1;

	while (need < d->max_levels && pt_reach_last(d, need) < last)
		need++;
	for (uint64_t sizes = d->pgsize_bitmap; sizes;) {
		unsigned int lg2 = pt_fls64(sizes);
		uint64_t mask = (1ull << lg2) - 1;
		uint64_t start = (iova + mask) & ~mask;
		unsigned int lvl = 0;

		sizes &= ~(1ull << lg2);
		if (((iova - oa) & mask) || start < iova ||
		    start + mask < start || start + mask > last)
			continue;
		while (!(d->leaf_sizes[lvl] >> lg2 & 1))
			lvl++;
		if (lvl + 1 > need)
			need = lvl + 1;
		break;
	}
	return need;
}

/*
 * Add levels above the root until there are at least need: new tables
 * whose item 0 chains down to the old root, published with one
 * compare-and-swap of d->top. The old root's tables are not touched, so
 * maps running below it carry on. The loser of a race frees its unseen
 * tables and retries. Returns 0 or -ENOMEM (nothing changed).
 */
static int pt_grow(pt_dom *d, unsigned int need)
{
	for (;;) {
		uint64_t old = __atomic_load_n(&d->top, __ATOMIC_ACQUIRE);
		unsigned int levels;
		void *root = pt_top(d, &levels);
		uint64_t root_oa = old ? (old & ~0xfffull) : d->root_oa;
		void *cpu[IOMMUPT_MAX_LEVELS];
		uint64_t oa[IOMMUPT_MAX_LEVELS];
		uint64_t child_oa = root_oa;
		unsigned int l;
		int rc = 0;

		(void)root;
		if (levels >= need)
			return 0;
		for (l = levels; l < need; l++) {
			rc = pt_table_alloc(d, l, &cpu[l], &oa[l]);
			if (rc)
				break;
			pt_store(&((uint64_t *)cpu[l])[0], fmt_make_table(d, l, child_oa));
			child_oa = oa[l];
		}
		if (!rc && pt_cas(&d->top, &old, oa[need - 1] | need)) {
			/* The old root is now an ordinary table; the new one is the root. */
			__atomic_fetch_add(&d->table_pages[levels - 1], 1, __ATOMIC_RELAXED);
			__atomic_fetch_sub(&d->table_pages[need - 1], 1, __ATOMIC_RELAXED);
			if (d->grow_fn)
				d->grow_fn(d->grow_ctx, oa[need - 1], need);
			return 0;
		}
		while (l-- > levels)
			pt_table_free_now(d, l, cpu[l], oa[l]);
		if (rc)
			return rc;
	}
}

static int pt_map_impl(pt_dom *d, uint64_t iova, uint64_t last, uint64_t oa,
		       uint32_t prot, struct iommupt_gather *g)
{
	struct pt_map_state ms = { .g = g };
	unsigned int levels;
	uint64_t *root;
	int rc;

	rc = fmt_prot_attrs(d, prot, &ms.attrs);
	if (rc)
		return rc;
	root = pt_top(d, &levels);
	if (PT_FMT_GROWS && levels < d->max_levels) {
		rc = pt_grow(d, pt_need_levels(d, iova, last, oa));
		if (rc)
			return rc;
		root = pt_top(d, &levels);
	}
	rc = pt_map_level(d, root, levels - 1, iova, last, oa, &ms);
	if (PT_LIKELY(!rc)) {
		if (g)
			pt_gather_add_range(g, iova, last, IOMMUPT_GATHER_MAPPED);
		return 0;
	}
	/* Undo: leaves written before the failure, then new empty tables. */
	if (ms.fail_iova != iova)
		pt_unmap_level(d, root, levels - 1, iova, ms.fail_iova - 1, false, g);
	pt_unmap_level(d, root, levels - 1, iova, last, true, g);
	return rc;
}

/* A leaf that contains addr but extends outside [iova, last]. */
static bool pt_cuts_leaf(pt_dom *d, uint64_t addr, uint64_t iova,
			 uint64_t last)
{
	struct iommupt_leaf leaf;

	if (pt_lookup_impl(d, addr, &leaf))
		return false;
	return leaf.iova < iova ||
	       pt_span_last(leaf.iova, leaf.size_lg2) > last;
}

/* The leaf holding addr: its table, level and entry; false if none. */
static bool pt_find_leaf(pt_dom *d, uint64_t *table, unsigned int levels,
			 uint64_t addr, uint64_t **where, unsigned int *lvl_out,
			 uint64_t *entry)
{
	for (unsigned int lvl = levels - 1;; lvl--) {
		uint64_t e = pt_load(&table[pt_index(d, lvl, addr)]);

		if (!fmt_present(d, lvl, e))
			return false;
		if (!fmt_is_table(d, lvl, e)) {
			*where = table;
			*lvl_out = lvl;
			*entry = e;
			return true;
		}
		if (lvl == 0)
			return false;
		table = pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e));
		if (!table)
			return false;
	}
}

static void pt_free_level(pt_dom *d, uint64_t *table, unsigned int lvl);

/* A cut leaf and the items, built off to the side, that replace it. */
struct pt_split {
	uint64_t *table;     /* live table holding the leaf */
	unsigned int lvl, first, n;
	uint64_t start, last; /* the leaf's IOVA span */
	uint64_t *scratch;   /* replacement items at the same indexes */
	uint64_t scratch_oa;
};

/*
 * Prepare to split the leaf holding addr if [iova, last] cuts it: what
 * stays mapped of it, outside the range, is mapped greedily (largest
 * pages that do not cross the range ends) into a scratch table of the
 * same level, allocating tables below it as needed. Nothing the hardware
 * sees changes. Returns 0 (sp->scratch NULL when there is nothing to
 * split) or -ENOMEM with everything allocated given back.
 */
static int pt_split_prepare(pt_dom *d, uint64_t *root, unsigned int levels,
			    uint64_t addr, uint64_t iova, uint64_t last,
			    struct pt_split *sp)
{
	struct pt_map_state ms = { .g = NULL };
	unsigned int shift, size_lg2;
	uint64_t e, oa;
	int rc;

	sp->scratch = NULL;
	if (!pt_find_leaf(d, root, levels, addr, &sp->table, &sp->lvl, &e))
		return 0;
	shift = fmt_item_shift(d, sp->lvl);
	size_lg2 = fmt_leaf_size_lg2(d, sp->lvl, e);
	sp->start = addr & ~((1ull << size_lg2) - 1);
	sp->last = pt_span_last(addr, size_lg2);
	if (sp->start >= iova && sp->last <= last)
		return 0;
	sp->n = 1u << (size_lg2 - shift);
	sp->first = pt_index(d, sp->lvl, addr) & ~(sp->n - 1);
	oa = fmt_leaf_oa(d, sp->lvl, e);
	rc = fmt_prot_attrs(d, fmt_entry_prot(d, sp->lvl, e), &ms.attrs);
	if (rc)
		return rc;
	/*
	 * State the pieces inherit (accessed/dirty). Hardware updates only the
	 * item it walked, so a multi-item leaf's state is that of any item.
	 */
	for (unsigned int i = 0; i < sp->n; i++) {
		uint64_t ei = pt_load(&sp->table[sp->first + i]);

		(void)ei;
#ifdef PT_FMT_LEAF_KEEP
		ms.attrs |= fmt_leaf_keep(d, sp->lvl, ei);
#endif
#ifdef PT_FMT_LEAF_INHERIT
		/* State that is not a set bit (ARM DBM: write permission). */
		ms.attrs = fmt_leaf_inherit(d, sp->lvl, ei, ms.attrs);
#endif
	}
	rc = pt_table_alloc(d, sp->lvl, (void **)&sp->scratch, &sp->scratch_oa);
	if (rc) {
		sp->scratch = NULL;
		return rc;
	}
	if (sp->start < iova)
		rc = pt_map_level(d, sp->scratch, sp->lvl, sp->start, iova - 1, oa,
				  &ms);
	if (!rc && sp->last > last)
		rc = pt_map_level(d, sp->scratch, sp->lvl, last + 1, sp->last,
				  oa + (last + 1 - sp->start), &ms);
	if (rc) {
		pt_free_level(d, sp->scratch, sp->lvl);
		pt_table_free_now(d, sp->lvl, sp->scratch, sp->scratch_oa);
		sp->scratch = NULL;
	}
	return rc;
}

/*
 * Replace the leaf's items with the prepared ones. Each item keeps its
 * translation or loses it (the part inside the range), so a walker never
 * sees a wrong one; the whole old leaf goes into the gather so its TLB
 * entries are flushed. Returns the bytes unmapped.
 */
static uint64_t pt_split_publish(pt_dom *d, struct pt_split *sp, uint64_t iova,
				 uint64_t last, struct iommupt_gather *g)
{
	uint64_t lo = sp->start > iova ? sp->start : iova;
	uint64_t hi = sp->last < last ? sp->last : last;

	for (unsigned int i = 0; i < sp->n; i++)
		pt_store(&sp->table[sp->first + i], sp->scratch[sp->first + i]);
	pt_table_free_now(d, sp->lvl, sp->scratch, sp->scratch_oa);
	sp->scratch = NULL;
	if (g)
		pt_gather_add_range(g, sp->start, sp->last, IOMMUPT_GATHER_LEAVES);
	return hi - lo + 1;
}

static int pt_unmap_impl(pt_dom *d, uint64_t iova, uint64_t last,
			 uint32_t flags, struct iommupt_gather *g,
			 uint64_t *bytes)
{
	unsigned int levels;
	uint64_t *root = pt_top(d, &levels);
	uint64_t split_bytes = 0;

	*bytes = 0;
	if (PT_FMT_GROWS) {
		uint64_t reach = pt_reach_last(d, levels);

		if (iova > reach)
			return 0;
		if (last > reach)
			last = reach;
	}
	if (!(flags & IOMMUPT_UNMAP_SPLIT)) {
		if (pt_cuts_leaf(d, iova, iova, last) ||
		    pt_cuts_leaf(d, last, iova, last))
			return -PT_EINVAL;
	} else {
		struct pt_split a, b;
		int rc;

		rc = pt_split_prepare(d, root, levels, iova, iova, last, &a);
		if (rc)
			return rc;
		b.scratch = NULL;
		if (!a.scratch || a.last < last)
			rc = pt_split_prepare(d, root, levels, last, iova, last, &b);
		if (rc) {
			if (a.scratch) {
				pt_free_level(d, a.scratch, a.lvl);
				pt_table_free_now(d, a.lvl, a.scratch, a.scratch_oa);
			}
			return rc;
		}
		if (a.scratch)
			split_bytes += pt_split_publish(d, &a, iova, last, g);
		if (b.scratch)
			split_bytes += pt_split_publish(d, &b, iova, last, g);
	}
	*bytes = split_bytes +
		 pt_unmap_level(d, root, levels - 1, iova, last, false, g);
	if (g && *bytes)
		pt_gather_add_range(g, iova, last, IOMMUPT_GATHER_LEAVES);
	return 0;
}

/* --------------------------------------------------------------- walk --- */

static int pt_walk_level(pt_dom *d, const uint64_t *table, unsigned int lvl,
			 uint64_t iova, uint64_t last, iommupt_leaf_fn fn,
			 void *ctx)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	unsigned int idx = pt_index(d, lvl, iova);

	for (;;) {
		uint64_t e = pt_load(&table[idx]);
		uint64_t step_last = pt_span_last(iova, shift);
		unsigned int n = 1;
		int rc = 0;

		if (step_last > last)
			step_last = last;
		if (!fmt_present(d, lvl, e)) {
			/* hole */
		} else if (fmt_is_table(d, lvl, e)) {
			const uint64_t *child =
				pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e));

			if (lvl && child)
				rc = pt_walk_level(d, child, lvl - 1, iova,
						   step_last, fn, ctx);
		} else {
			struct iommupt_leaf leaf;
			unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);
			uint64_t start;

			/* A size no item run of this table can hold (hostile
			 * image): report the one item. */
			if (size_lg2 < shift || size_lg2 >= 64 ||
			    size_lg2 - shift > fmt_items_lg2(d, lvl))
				size_lg2 = shift;
			start = iova & ~((1ull << size_lg2) - 1);

			n = 1u << (size_lg2 - shift);
			idx &= ~(n - 1);
			leaf.iova = pt_fix_iova(d, start);
			leaf.oa = fmt_leaf_oa(d, lvl, e);
			leaf.size_lg2 = size_lg2;
			leaf.level = lvl;
			leaf.prot = fmt_entry_prot(d, lvl, e);
			leaf.entry = pt_load(&table[idx]);
			rc = fn(ctx, &leaf);
			step_last = pt_span_last(start, size_lg2);
			if (step_last > last)
				step_last = last;
		}
		if (rc)
			return rc;
		if (step_last >= last)
			return 0;
		idx += n;
		iova = step_last + 1;
	}
}

static int pt_walk_impl(pt_dom *d, uint64_t iova, uint64_t last,
			iommupt_leaf_fn fn, void *ctx)
{
	unsigned int levels;
	uint64_t *root = pt_top(d, &levels);

	if (PT_FMT_GROWS) {
		uint64_t reach = pt_reach_last(d, levels);

		if (iova > reach)
			return 0;
		if (last > reach)
			last = reach;
	}
	return pt_walk_level(d, root, levels - 1, iova, last, fn, ctx);
}

/* ----------------------------------------------------------- validate --- */

struct pt_validate {
	iommupt_finding_fn fn;
	void *ctx;
	int findings;
	uint64_t *seen;     /* OAs of tables reached */
	uint64_t nseen;
	uint64_t capacity;
	const uint64_t *dups; /* sorted OAs reached more than once */
	uint64_t ndups;
	bool report_alias;  /* second pass: report the dups */
};

static void pt_report(struct pt_validate *v, enum iommupt_finding_kind kind,
		      unsigned int lvl, uint64_t iova, uint64_t table_oa,
		      unsigned int idx, uint64_t e, const char *what)
{
	struct iommupt_finding f = {
		.kind = kind, .level = lvl, .iova = iova, .table_oa = table_oa,
		.index = idx, .entry = e, .what = what,
	};

	v->findings++;
	if (v->fn)
		v->fn(v->ctx, &f);
}

static bool pt_in_sorted(const uint64_t *a, uint64_t n, uint64_t key)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (a[mid] == key)
			return true;
		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Visit every item of a table. Pass 1 checks entries and records each
 * table OA; pass 2 (report_alias) reports pointers to tables reached twice
 * and does not descend into them again.
 */
/*
 * An item with the bits hardware may set in it cleared: the items of a
 * multi-item leaf must agree in everything else.
 */
static inline uint64_t pt_hw_normal(const pt_dom *d, unsigned int lvl,
				    uint64_t e)
{
#ifdef PT_FMT_HW_NORMAL
	return fmt_hw_normal(d, lvl, e);
#else
	(void)d;
	(void)lvl;
	return e;
#endif
}

static void pt_validate_level(pt_dom *d, struct pt_validate *v,
			      const uint64_t *table, uint64_t table_oa,
			      unsigned int lvl, uint64_t base)
{
	const unsigned int shift = fmt_item_shift(d, lvl);
	const uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t idx = 0; idx < n; idx++) {
		uint64_t e = pt_load(&table[idx]);
		uint64_t iova = pt_fix_iova(d, base + (idx << shift));
		enum iommupt_finding_kind kind = 0;
		const char *what;

		if (!fmt_present(d, lvl, e))
			continue;
		what = fmt_check_entry(d, lvl, e, &kind);
		if (what) {
			if (!v->report_alias)
				pt_report(v, kind, lvl, iova, table_oa,
					  (unsigned int)idx, e, what);
			continue; /* do not trust a malformed entry */
		}
		if (fmt_is_table(d, lvl, e)) {
			uint64_t child_oa = fmt_table_oa(d, lvl, e);
			const uint64_t *child;

			if (child_oa & ((1ull << pt_table_lg2(d, lvl - 1)) - 1)) {
				if (!v->report_alias)
					pt_report(v, IOMMUPT_BAD_TABLE_ALIGN, lvl,
						  iova, table_oa, (unsigned int)idx,
						  e, "table pointer not aligned to the table size");
				continue;
			}
			child = pt_oa_to_cpu(d, child_oa);
			if (!child) {
				if (!v->report_alias)
					pt_report(v, IOMMUPT_BAD_TABLE_MISSING, lvl,
						  iova, table_oa, (unsigned int)idx,
						  e, "table pointer outside provider memory");
				continue;
			}
			if (v->report_alias) {
				if (pt_in_sorted(v->dups, v->ndups, child_oa)) {
					pt_report(v, IOMMUPT_BAD_TABLE_ALIAS, lvl,
						  iova, table_oa, (unsigned int)idx,
						  e, "table reached more than once (alias or loop)");
					continue;
				}
			} else {
				if (v->nseen < v->capacity)
					v->seen[v->nseen] = child_oa;
				/* Past capacity something is reached twice: stop. */
				if (++v->nseen > v->capacity)
					continue;
			}
			pt_validate_level(d, v, child, child_oa, lvl - 1,
					  base + (idx << shift));
		} else {
			unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);
			uint64_t oa = fmt_leaf_oa(d, lvl, e);
			unsigned int items = 1u << (size_lg2 - shift);

			if (v->report_alias)
				continue;
			if (oa & ((1ull << size_lg2) - 1))
				pt_report(v, IOMMUPT_BAD_LEAF_ALIGN, lvl, iova,
					  table_oa, (unsigned int)idx, e,
					  "leaf output address not aligned to its size");
			if (d->oas_lg2 < 64 &&
			    ((oa + (1ull << size_lg2) - 1) >> d->oas_lg2))
				pt_report(v, IOMMUPT_BAD_OA_RANGE, lvl, iova,
					  table_oa, (unsigned int)idx, e,
					  "leaf output address beyond the output size");
			if (items > 1) {
				/* Every item of a run must agree with the first. */
				uint64_t first = idx & ~(uint64_t)(items - 1);
				uint64_t want = pt_load(&table[first]) +
					(idx - first) * fmt_leaf_step(d, lvl, size_lg2);

				if (first + items > n ||
				    pt_hw_normal(d, lvl, e) != pt_hw_normal(d, lvl, want))
					pt_report(v, IOMMUPT_BAD_CONTIG, lvl, iova,
						  table_oa, (unsigned int)idx, e,
						  "contiguous run with inconsistent items");
				/* At its first item: no item of the run strays. */
				for (uint64_t i = 1; idx == first && i < items &&
				     first + items <= n; i++) {
					want = e + i * fmt_leaf_step(d, lvl, size_lg2);
					if (pt_hw_normal(d, lvl, pt_load(&table[first + i])) !=
					    pt_hw_normal(d, lvl, want)) {
						pt_report(v, IOMMUPT_BAD_CONTIG, lvl,
							  pt_fix_iova(d, base + ((first + i) << shift)),
							  table_oa, (unsigned int)(first + i),
							  pt_load(&table[first + i]),
							  "contiguous run with a stray item");
						break;
					}
				}
			}
		}
	}
}

static void pt_sift_down(uint64_t *a, uint64_t root, uint64_t n)
{
	for (;;) {
		uint64_t child = 2 * root + 1, t;

		if (child >= n)
			return;
		if (child + 1 < n && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

/* Heapsort: in place, O(n log n), no recursion, freestanding. */
static void pt_sort_u64(uint64_t *a, uint64_t n)
{
	for (uint64_t start = n / 2; start-- > 0;)
		pt_sift_down(a, start, n);
	for (uint64_t end = n; end-- > 1;) {
		uint64_t t = a[0];

		a[0] = a[end];
		a[end] = t;
		pt_sift_down(a, 0, end);
	}
}

static int pt_validate_impl(pt_dom *d, iommupt_finding_fn fn, void *ctx)
{
	struct pt_validate v = { .fn = fn, .ctx = ctx };
	uint64_t tables = 1, ndup = 0;
	unsigned int scratch_lg2 = 12;
	void *scratch;
	uint64_t scratch_oa;

	pt_settle_top(d);
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		tables += __atomic_load_n(&d->table_pages[l], __ATOMIC_RELAXED);
	tables += d->ro_max_tables; /* adopted: allocation counts are 0 */
	/* Room for every table the domain owns plus the root. */
	while ((1ull << scratch_lg2) / 8 < tables + 1)
		scratch_lg2++;
	if (d->mem.alloc_table(d->mem.ctx, scratch_lg2, &scratch, &scratch_oa))
		return -PT_ENOMEM;
	v.seen = scratch;
	v.capacity = (1ull << scratch_lg2) / 8;
	v.seen[v.nseen++] = d->root_oa;
	pt_validate_level(d, &v, d->root, d->root_oa, d->levels - 1, 0);

	if (v.nseen > v.capacity) {
		/* More tables reached than exist: something is reached twice. */
		pt_report(&v, IOMMUPT_BAD_TABLE_ALIAS, d->levels - 1, 0,
			  d->root_oa, 0, 0,
			  "more tables reachable than allocated (alias or loop)");
	} else {
		pt_sort_u64(v.seen, v.nseen);
		/* Compact the OAs seen more than once to the front. */
		for (uint64_t i = 1; i < v.nseen; i++)
			if (v.seen[i] == v.seen[i - 1] &&
			    (ndup == 0 || v.seen[ndup - 1] != v.seen[i]))
				v.seen[ndup++] = v.seen[i];
		if (ndup) {
			v.dups = v.seen;
			v.ndups = ndup;
			v.report_alias = true;
			/* The root itself reached again is a loop. */
			pt_validate_level(d, &v, d->root, d->root_oa,
					  d->levels - 1, 0);
		}
	}
	d->mem.free_table(d->mem.ctx, scratch, scratch_oa, scratch_lg2);
	return v.findings;
}

/* ---------------------------------------------------- stats / destroy --- */

static void pt_count_level(pt_dom *d, const uint64_t *table, unsigned int lvl,
			   struct iommupt_stats *s)
{
	const uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t idx = 0; idx < n; idx++) {
		uint64_t e = pt_load(&table[idx]);

		if (!fmt_present(d, lvl, e))
			continue;
		if (fmt_is_table(d, lvl, e)) {
			const uint64_t *child =
				pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e));

			if (lvl && child)
				pt_count_level(d, child, lvl - 1, s);
			continue;
		}
		unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);

		if (size_lg2 < fmt_item_shift(d, lvl) || size_lg2 >= 64 ||
		    size_lg2 - fmt_item_shift(d, lvl) > fmt_items_lg2(d, lvl))
			size_lg2 = fmt_item_shift(d, lvl); /* hostile image */
		unsigned int items = 1u << (size_lg2 - fmt_item_shift(d, lvl));

		s->leaves[lvl]++;
		s->mapped_bytes += 1ull << size_lg2;
		idx += items - 1;
	}
}

static void pt_count_impl(pt_dom *d, struct iommupt_stats *s)
{
	pt_settle_top(d);
	pt_count_level(d, d->root, d->levels - 1, s);
}

static void pt_free_level(pt_dom *d, uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << fmt_items_lg2(d, lvl);

	for (uint64_t idx = 0; lvl && idx < n; idx++) {
		uint64_t e = table[idx];

		if (fmt_present(d, lvl, e) && fmt_is_table(d, lvl, e)) {
			uint64_t oa = fmt_table_oa(d, lvl, e);
			uint64_t *child = pt_oa_to_cpu(d, oa);

			pt_free_level(d, child, lvl - 1);
			pt_table_free_now(d, lvl - 1, child, oa);
		}
	}
}

static void pt_free_all_impl(pt_dom *d)
{
	pt_free_level(d, d->root, d->levels - 1);
}

static int pt_entry_kind_impl(const pt_dom *d, unsigned int lvl, uint64_t e,
			      uint64_t *child_oa)
{
	enum iommupt_finding_kind kind = 0;

	if (!fmt_present(d, lvl, e))
		return PT_ENTRY_NONE;
	if (fmt_check_entry(d, lvl, e, &kind))
		return PT_ENTRY_BAD;
	if (fmt_is_table(d, lvl, e)) {
		if (!lvl)
			return PT_ENTRY_BAD;
		*child_oa = fmt_table_oa(d, lvl, e);
		return PT_ENTRY_TABLE;
	}
	return PT_ENTRY_LEAF;
}

static uint64_t pt_make_table_impl(const pt_dom *d, unsigned int lvl,
				   uint64_t oa)
{
	return fmt_make_table(d, lvl, oa);
}

const struct pt_fmt_ops PT_FMT_OPS = {
	.name = PT_FMT_NAME,
	.init = fmt_init,
	.map = pt_map_impl,
	.unmap = pt_unmap_impl,
	.lookup = pt_lookup_impl,
	.walk = pt_walk_impl,
	.validate = pt_validate_impl,
	.count_leaves = pt_count_impl,
	.free_all = pt_free_all_impl,
	.entry_kind = pt_entry_kind_impl,
	.make_table = pt_make_table_impl,
};
