// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref-model.h"

/* Open-addressing hash map from a (size, block) pair to a value. */
struct ref_slot {
	uint64_t block; /* address >> size */
	uint32_t size;  /* 0: empty; 255: deleted */
	uint32_t prot;
	uint64_t val;   /* leaves: oa; counts: number of smaller leaves */
};

struct ref_map {
	struct ref_slot *slot;
	uint64_t cap, used; /* used counts deleted slots too */
	uint64_t live;
};

struct ref_model {
	uint64_t sizes;  /* page sizes (bit n: 2^n) */
	uint64_t counted; /* sizes that keep counts: page sizes and two above */
	struct ref_map leaves;
	struct ref_map counts;
	uint64_t splits; /* leaves cut by ref_unmap_split */
};

#define SLOT_DELETED 255u

static uint64_t ref_hash(uint64_t block, uint32_t size)
{
	uint64_t h = block * 0x9e3779b97f4a7c15ull ^ (size * 0xbf58476d1ce4e5b9ull);

	return h ^ (h >> 31);
}

static void map_grow(struct ref_map *m);

static struct ref_slot *map_find(struct ref_map *m, uint64_t block,
				 uint32_t size, bool insert)
{
	uint64_t i;
	struct ref_slot *tomb = NULL;

	if (insert && (m->used + 1) * 2 > m->cap)
		map_grow(m);
	if (!m->cap)
		return NULL;
	for (i = ref_hash(block, size) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct ref_slot *s = &m->slot[i];

		if (s->size == 0) {
			if (!insert)
				return NULL;
			if (tomb)
				s = tomb;
			else
				m->used++;
			s->block = block;
			s->size = size;
			s->val = 0;
			s->prot = 0;
			m->live++;
			return s;
		}
		if (s->size == SLOT_DELETED) {
			if (!tomb)
				tomb = s;
			continue;
		}
		if (s->size == size && s->block == block)
			return s;
	}
}

static void map_grow(struct ref_map *m)
{
	struct ref_map old = *m;

	m->cap = m->cap ? m->cap * 2 : 1024;
	while (old.live * 4 > m->cap)
		m->cap *= 2;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	m->used = m->live = 0;
	for (uint64_t i = 0; i < old.cap; i++) {
		struct ref_slot *s = &old.slot[i];

		if (s->size && s->size != SLOT_DELETED) {
			struct ref_slot *n = map_find(m, s->block, s->size, true);

			n->val = s->val;
			n->prot = s->prot;
		}
	}
	free(old.slot);
}

static void map_delete(struct ref_map *m, struct ref_slot *s)
{
	s->size = SLOT_DELETED;
	m->live--;
}

struct ref_model *ref_create(uint64_t pgsize_bitmap)
{
	struct ref_model *r = calloc(1, sizeof(*r));
	unsigned int top = 63 - __builtin_clzll(pgsize_bitmap);

	r->sizes = pgsize_bitmap;
	r->counted = pgsize_bitmap;
	if (top + 9 < 64)
		r->counted |= 1ull << (top + 9);
	if (top + 18 < 64)
		r->counted |= 1ull << (top + 18);
	return r;
}

void ref_destroy(struct ref_model *r)
{
	if (!r)
		return;
	free(r->leaves.slot);
	free(r->counts.slot);
	free(r);
}

static struct ref_slot *leaf_at(struct ref_model *r, uint64_t start,
				unsigned int size)
{
	return map_find(&r->leaves, start >> size, size, false);
}

/* The leaf containing addr, if any. */
static struct ref_slot *leaf_containing(struct ref_model *r, uint64_t addr,
					uint64_t *start)
{
	for (uint64_t s = r->sizes; s; s &= s - 1) {
		unsigned int size = __builtin_ctzll(s);
		uint64_t st = addr & ~((1ull << size) - 1);
		struct ref_slot *l = leaf_at(r, st, size);

		if (l) {
			*start = st;
			return l;
		}
	}
	return NULL;
}

static uint64_t count_of(struct ref_model *r, uint64_t addr, unsigned int size)
{
	struct ref_slot *c = map_find(&r->counts, addr >> size, size, false);

	return c ? c->val : 0;
}

static void count_add(struct ref_model *r, uint64_t addr, unsigned int leaf,
		      int delta)
{
	for (uint64_t s = r->counted >> (leaf + 1) << (leaf + 1); s; s &= s - 1) {
		unsigned int size = __builtin_ctzll(s);
		struct ref_slot *c = map_find(&r->counts, addr >> size, size, true);

		c->val += (uint64_t)(int64_t)delta;
		if (!c->val)
			map_delete(&r->counts, c);
	}
}

static unsigned int pick_size(const struct ref_model *r, uint64_t iova,
			      uint64_t oa, uint64_t len)
{
	for (uint64_t s = r->sizes; s;) {
		unsigned int size = 63 - __builtin_clzll(s);

		s &= ~(1ull << size);
		if (((iova | oa) & ((1ull << size) - 1)) == 0 &&
		    (1ull << size) <= len)
			return size;
	}
	return 0;
}

static bool overlaps(struct ref_model *r, uint64_t start, unsigned int size)
{
	uint64_t st;

	if (leaf_containing(r, start, &st))
		return true;
	return count_of(r, start, size) != 0;
}

int ref_map(struct ref_model *r, uint64_t iova, uint64_t oa, uint64_t len,
	    uint32_t prot)
{
	uint64_t i, o, left;

	for (i = iova, o = oa, left = len; left;) {
		unsigned int size = pick_size(r, i, o, left);

		if (!size || overlaps(r, i, size))
			return size ? -EEXIST : -EINVAL;
		i += 1ull << size;
		o += 1ull << size;
		left -= 1ull << size;
	}
	for (i = iova, o = oa, left = len; left;) {
		unsigned int size = pick_size(r, i, o, left);
		struct ref_slot *l = map_find(&r->leaves, i >> size, size, true);

		l->val = o;
		l->prot = prot;
		count_add(r, i, size, 1);
		i += 1ull << size;
		o += 1ull << size;
		left -= 1ull << size;
	}
	return 0;
}

/* Remove leaves inside [start, last] within the block (addr, size). */
static uint64_t remove_in(struct ref_model *r, uint64_t blk, unsigned int size,
			  uint64_t start, uint64_t last)
{
	uint64_t bytes = 0;
	struct ref_slot *l;
	uint64_t below;
	unsigned int sub;

	if ((r->sizes >> size) & 1) {
		l = leaf_at(r, blk, size);
		if (l) {
			map_delete(&r->leaves, l);
			count_add(r, blk, size, -1);
			return 1ull << size;
		}
	}
	if (!((r->counted >> size) & 1) || !count_of(r, blk, size))
		return 0;
	below = r->counted & ((1ull << size) - 1);
	if (!below)
		return 0;
	sub = 63 - __builtin_clzll(below);
	for (uint64_t b = blk; b <= blk + ((1ull << size) - 1); b += 1ull << sub) {
		uint64_t b_last = b + ((1ull << sub) - 1);

		if (b_last < start || b > last)
			goto next;
		bytes += remove_in(r, b, sub, start, last);
next:
		if (b_last == UINT64_MAX)
			break;
	}
	return bytes;
}

int ref_unmap(struct ref_model *r, uint64_t iova, uint64_t len,
	      uint64_t *bytes)
{
	uint64_t last = iova + len - 1, st;
	struct ref_slot *l;
	unsigned int top = 63 - __builtin_clzll(r->counted);

	l = leaf_containing(r, iova, &st);
	if (l && st < iova)
		return -EINVAL;
	l = leaf_containing(r, last, &st);
	if (l && st + ((1ull << l->size) - 1) > last)
		return -EINVAL;
	*bytes = 0;
	for (uint64_t b = iova & ~((1ull << top) - 1);; b += 1ull << top) {
		*bytes += remove_in(r, b, top, iova, last);
		if (b + ((1ull << top) - 1) >= last)
			break;
	}
	return 0;
}

/*
 * Cut the leaf holding addr at the range ends: it is replaced by the
 * largest pages (greedy, as map) covering what lies outside [iova, last].
 * Returns the bytes of it inside the range.
 */
static uint64_t split_at(struct ref_model *r, uint64_t addr, uint64_t iova,
			 uint64_t last)
{
	uint64_t st, end, oa, lo, hi;
	uint32_t prot;
	struct ref_slot *l = leaf_containing(r, addr, &st);

	if (!l)
		return 0;
	end = st + ((1ull << l->size) - 1);
	if (st >= iova && end <= last)
		return 0;
	oa = l->val;
	prot = l->prot;
	r->splits++;
	count_add(r, st, l->size, -1);
	map_delete(&r->leaves, l);
	if (st < iova)
		ref_map(r, st, oa, iova - st, prot);
	if (end > last)
		ref_map(r, last + 1, oa + (last + 1 - st), end - last, prot);
	lo = st > iova ? st : iova;
	hi = end < last ? end : last;
	return hi - lo + 1;
}

int ref_unmap_split(struct ref_model *r, uint64_t iova, uint64_t len,
		    uint64_t *bytes)
{
	uint64_t last = iova + len - 1, split;
	int rc;

	split = split_at(r, iova, iova, last);
	split += split_at(r, last, iova, last);
	rc = ref_unmap(r, iova, len, bytes);
	*bytes += split;
	return rc;
}

int ref_lookup(struct ref_model *r, uint64_t iova, uint64_t *oa,
	       uint32_t *prot, unsigned int *size_lg2)
{
	uint64_t st;
	struct ref_slot *l = leaf_containing(r, iova, &st);

	if (!l)
		return -ENOENT;
	*oa = l->val + (iova - st);
	*prot = l->prot;
	*size_lg2 = l->size;
	return 0;
}

uint64_t ref_leaves(const struct ref_model *r)
{
	return r->leaves.live;
}

uint64_t ref_splits(const struct ref_model *r)
{
	return r->splits;
}

bool ref_matches(struct ref_model *r, const struct snapshot *snap, char *why,
		 size_t why_len)
{
	for (size_t i = 0; i < snap->n; i++) {
		const struct iommupt_leaf *x = &snap->leaf[i];
		struct ref_slot *l = leaf_at(r, x->iova, x->size_lg2);

		if (!l || l->val != x->oa || l->prot != x->prot) {
			snprintf(why, why_len,
				 "library leaf iova %#llx size 2^%u oa %#llx prot %#x: model has %s",
				 (unsigned long long)x->iova, x->size_lg2,
				 (unsigned long long)x->oa, x->prot,
				 l ? "another oa/prot" : "no such leaf");
			return false;
		}
	}
	if (snap->n != r->leaves.live) {
		snprintf(why, why_len, "library has %zu leaves, model %llu",
			 snap->n, (unsigned long long)r->leaves.live);
		return false;
	}
	return true;
}
