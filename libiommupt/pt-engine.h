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
 * Every function here takes ranges as [iova, last] (inclusive) that the
 * public wrappers (engine.c) have already checked against the aperture.
 */
#ifndef PT_FMT_OPS
#error "define PT_FMT_OPS before including pt-engine.h"
#endif

#include "pt-int.h"

typedef struct iommupt_domain pt_dom;

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
	uint64_t *table = d->root;

	for (unsigned int lvl = d->levels - 1;; lvl--) {
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

static int pt_map_impl(pt_dom *d, uint64_t iova, uint64_t last, uint64_t oa,
		       uint32_t prot, struct iommupt_gather *g)
{
	struct pt_map_state ms = { .g = g };
	int rc;

	rc = fmt_prot_attrs(d, prot, &ms.attrs);
	if (rc)
		return rc;
	rc = pt_map_level(d, d->root, d->levels - 1, iova, last, oa, &ms);
	if (PT_LIKELY(!rc)) {
		if (g)
			pt_gather_add_range(g, iova, last, IOMMUPT_GATHER_MAPPED);
		return 0;
	}
	/* Undo: leaves written before the failure, then new empty tables. */
	if (ms.fail_iova != iova)
		pt_unmap_level(d, d->root, d->levels - 1, iova,
			       ms.fail_iova - 1, false, g);
	pt_unmap_level(d, d->root, d->levels - 1, iova, last, true, g);
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

static int pt_unmap_impl(pt_dom *d, uint64_t iova, uint64_t last,
			 uint32_t flags, struct iommupt_gather *g,
			 uint64_t *bytes)
{
	(void)flags; /* engine.c rejects flags this engine lacks */
	if (pt_cuts_leaf(d, iova, iova, last) || pt_cuts_leaf(d, last, iova, last))
		return -PT_EINVAL;
	*bytes = pt_unmap_level(d, d->root, d->levels - 1, iova, last, false, g);
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
			uint64_t start = iova & ~((1ull << size_lg2) - 1);

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
	return pt_walk_level(d, d->root, d->levels - 1, iova, last, fn, ctx);
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

				if (first + items > n || e != want)
					pt_report(v, IOMMUPT_BAD_CONTIG, lvl, iova,
						  table_oa, (unsigned int)idx, e,
						  "contiguous run with inconsistent items");
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

	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		tables += __atomic_load_n(&d->table_pages[l], __ATOMIC_RELAXED);
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
			if (lvl)
				pt_count_level(d, pt_oa_to_cpu(d, fmt_table_oa(d, lvl, e)),
					       lvl - 1, s);
			continue;
		}
		unsigned int size_lg2 = fmt_leaf_size_lg2(d, lvl, e);
		unsigned int items = 1u << (size_lg2 - fmt_item_shift(d, lvl));

		s->leaves[lvl]++;
		s->mapped_bytes += 1ull << size_lg2;
		idx += items - 1;
	}
}

static void pt_count_impl(pt_dom *d, struct iommupt_stats *s)
{
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
};
