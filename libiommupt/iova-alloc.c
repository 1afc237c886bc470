// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * IOVA allocator: an AVL tree of the ranges in use (allocations and
 * reservations), ordered by start. Each node records the free gap between
 * its in-order predecessor (or the aperture start) and itself, and the
 * largest such gap in its subtree; the gap after the last node is worked
 * out from the aperture end. A gap depends only on the in-order
 * predecessor, which rotations do not change, and the nodes whose gap an
 * insert or delete changes lie on the path that operation walks, so the
 * recursive insert/delete keep every subtree maximum right as they unwind.
 * Nodes come from the provider's object allocator.
 */
#include "domains-int.h"

struct iova_node {
	struct iova_node *l, *r;
	uint64_t start, last;
	uint64_t gap;      /* free bytes just before start */
	uint64_t max_gap;  /* largest gap in this subtree */
	int height;
	bool reserved;
};

struct iommupt_iova {
	struct iommupt_mem mem;
	uint64_t start, last;
	unsigned int granule_lg2;
	struct iova_node *root;
};

/* --------------------------------------------------------------- AVL */

static int height(const struct iova_node *n)
{
	return n ? n->height : 0;
}

static void update(struct iova_node *n)
{
	int hl = height(n->l), hr = height(n->r);

	n->height = (hl > hr ? hl : hr) + 1;
	n->max_gap = n->gap;
	if (n->l && n->l->max_gap > n->max_gap)
		n->max_gap = n->l->max_gap;
	if (n->r && n->r->max_gap > n->max_gap)
		n->max_gap = n->r->max_gap;
}

static struct iova_node *rotate_right(struct iova_node *n)
{
	struct iova_node *l = n->l;

	n->l = l->r;
	l->r = n;
	update(n);
	update(l);
	return l;
}

static struct iova_node *rotate_left(struct iova_node *n)
{
	struct iova_node *r = n->r;

	n->r = r->l;
	r->l = n;
	update(n);
	update(r);
	return r;
}

static struct iova_node *balance(struct iova_node *n)
{
	int bf;

	update(n);
	bf = height(n->l) - height(n->r);
	if (bf > 1) {
		if (height(n->l->l) < height(n->l->r))
			n->l = rotate_left(n->l);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->r->r) < height(n->r->l))
			n->r = rotate_right(n->r);
		return rotate_left(n);
	}
	return n;
}

static struct iova_node *tree_insert(struct iova_node *n, struct iova_node *x)
{
	if (!n) {
		x->l = x->r = NULL;
		update(x);
		return x;
	}
	if (x->start < n->start)
		n->l = tree_insert(n->l, x);
	else
		n->r = tree_insert(n->r, x);
	return balance(n);
}

static struct iova_node *tree_remove_min(struct iova_node *n,
					 struct iova_node **min)
{
	if (!n->l) {
		*min = n;
		return n->r;
	}
	n->l = tree_remove_min(n->l, min);
	return balance(n);
}

static struct iova_node *tree_remove(struct iova_node *n, uint64_t start)
{
	struct iova_node *m;

	if (start < n->start) {
		n->l = tree_remove(n->l, start);
		return balance(n);
	}
	if (start > n->start) {
		n->r = tree_remove(n->r, start);
		return balance(n);
	}
	if (!n->r)
		return n->l;
	/* Also when n->l is NULL: the successor's path must be updated. */
	n->r = tree_remove_min(n->r, &m);
	m->l = n->l;
	m->r = n->r;
	return balance(m);
}

/* The node with the largest start <= a, or NULL. */
static struct iova_node *tree_floor(struct iova_node *n, uint64_t a)
{
	struct iova_node *best = NULL;

	while (n) {
		if (n->start <= a) {
			best = n;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	return best;
}

/* The node with the smallest start > a, or NULL. */
static struct iova_node *tree_above(struct iova_node *n, uint64_t a)
{
	struct iova_node *best = NULL;

	while (n) {
		if (n->start > a) {
			best = n;
			n = n->l;
		} else {
			n = n->r;
		}
	}
	return best;
}

static struct iova_node *tree_max(struct iova_node *n)
{
	while (n && n->r)
		n = n->r;
	return n;
}

/* ---------------------------------------------------------- insertion */

/*
 * Link x = [s, l], which lies in a free gap, into the tree: x's gap is
 * the part of the gap before it, its successor's what is left after it.
 */
static void iova_link(struct iommupt_iova *a, struct iova_node *x)
{
	struct iova_node *pred = tree_floor(a->root, x->start);
	struct iova_node *succ = tree_above(a->root, x->start);
	uint64_t gap_start = pred ? pred->last + 1 : a->start;

	x->gap = x->start - gap_start;
	if (succ)
		succ->gap = succ->start - (x->last + 1);
	a->root = tree_insert(a->root, x);
}

static void iova_unlink(struct iommupt_iova *a, struct iova_node *x)
{
	struct iova_node *succ = tree_above(a->root, x->start);

	if (succ)
		succ->gap += x->gap + (x->last - x->start + 1);
	a->root = tree_remove(a->root, x->start);
}

/* Lowest 2^align-aligned address a with [a, a + size) in [gs, gs + len). */
static bool gap_fit(uint64_t gs, uint64_t len, uint64_t size, uint64_t amask,
		    uint64_t *at)
{
	uint64_t a;

	if (len < size)
		return false;
	a = (gs + amask) & ~amask;
	if (a < gs || a - gs > len - size)
		return false;
	*at = a;
	return true;
}

/* Lowest fit among the gaps of subtree n, in address order. */
static bool find_fit(const struct iova_node *n, uint64_t size, uint64_t amask,
		     uint64_t *at)
{
	if (!n || n->max_gap < size)
		return false;
	if (find_fit(n->l, size, amask, at))
		return true;
	if (gap_fit(n->start - n->gap, n->gap, size, amask, at))
		return true;
	return find_fit(n->r, size, amask, at);
}

/* ---------------------------------------------------------------- API */

static int iova_new(const struct iommupt_mem *mem, uint64_t start,
		    uint64_t last, unsigned int granule_lg2,
		    struct iommupt_iova **out)
{
	struct iommupt_iova *a;
	uint64_t gmask;

	if (!granule_lg2)
		granule_lg2 = 12;
	if (granule_lg2 > 62)
		return -PT_EINVAL;
	gmask = (1ull << granule_lg2) - 1;
	if (start > last || (start & gmask) || ((last + 1) & gmask) ||
	    (start == 0 && last == UINT64_MAX))
		return -PT_EINVAL;
	a = pt_obj_alloc(mem, sizeof(*a));
	if (!a)
		return -PT_ENOMEM;
	a->mem = *mem;
	a->mem.sz = sizeof(a->mem);
	a->start = start;
	a->last = last;
	a->granule_lg2 = granule_lg2;
	*out = a;
	return 0;
}

IOMMUPT_API int iommupt_iova_create(const struct iommupt_iova_opts *opts,
				    const struct iommupt_mem *mem,
				    struct iommupt_iova **out)
{
	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!opts || !mem ||
	    !pt_opts_valid(opts, opts->sz, sizeof(struct iommupt_iova_opts)) ||
	    !pt_opts_valid(mem, mem->sz, sizeof(struct iommupt_mem)) ||
	    (!mem->alloc_obj != !mem->free_obj))
		return -PT_EINVAL;
	return iova_new(mem, opts->start, opts->last, opts->granule_lg2, out);
}

IOMMUPT_API int iommupt_iova_create_for_domain(struct iommupt_domain *d,
					       const struct iommupt_iova_opts *opts,
					       struct iommupt_iova **out)
{
	uint64_t start = 0, last;
	unsigned int granule;
	unsigned int bits;
	int rc;

	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!d || (opts && !pt_opts_valid(opts, opts->sz,
					  sizeof(struct iommupt_iova_opts))))
		return -PT_EINVAL;
	bits = d->ias_lg2;
	if (d->va_layout == IOMMUPT_VA_SIGNEXT)
		bits--;
	if (d->va_layout == IOMMUPT_VA_UPPER && bits < 64)
		start = (uint64_t)0 - (1ull << bits);
	/* A 64-bit aperture loses its top page: sizes must fit in 64 bits. */
	last = bits >= 64 ? UINT64_MAX - (1ull << d->min_page_lg2)
			  : start + ((1ull << bits) - 1);
	granule = d->min_page_lg2;
	if (opts && (opts->start || opts->last)) {
		start = opts->start;
		last = opts->last;
	}
	if (opts && opts->granule_lg2)
		granule = opts->granule_lg2;
	rc = iova_new(&d->mem, start, last, granule, out);
	if (rc)
		return rc;
	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next) {
		for (uint32_t i = 0; i < dev->nr_resv; i++) {
			rc = iommupt_iova_reserve(*out, dev->resv[i].start,
						  dev->resv[i].last);
			if (rc) {
				iommupt_iova_destroy(*out);
				*out = NULL;
				return rc;
			}
		}
	}
	return 0;
}

static void free_subtree(struct iommupt_iova *a, struct iova_node *n)
{
	/* Depth is bounded by the AVL height. */
	if (!n)
		return;
	free_subtree(a, n->l);
	free_subtree(a, n->r);
	pt_obj_free(&a->mem, n);
}

IOMMUPT_API void iommupt_iova_destroy(struct iommupt_iova *a)
{
	if (!a)
		return;
	free_subtree(a, a->root);
	pt_obj_free(&a->mem, a);
}

IOMMUPT_API int iommupt_iova_alloc(struct iommupt_iova *a, uint64_t size,
				   unsigned int align_lg2, uint64_t *addr)
{
	uint64_t gmask, amask, at = 0, tail_start;
	struct iova_node *x, *max;
	bool found;

	if (!a || !addr || align_lg2 > 63)
		return -PT_EINVAL;
	gmask = (1ull << a->granule_lg2) - 1;
	if (!size || (size & gmask))
		return -PT_EINVAL;
	if (align_lg2 < a->granule_lg2)
		align_lg2 = a->granule_lg2;
	amask = (1ull << align_lg2) - 1;

	found = find_fit(a->root, size, amask, &at);
	if (!found) {
		max = tree_max(a->root);
		if (!max) {
			found = gap_fit(a->start, a->last - a->start + 1, size,
					amask, &at);
		} else if (max->last < a->last) {
			tail_start = max->last + 1;
			found = gap_fit(tail_start, a->last - tail_start + 1,
					size, amask, &at);
		}
	}
	if (!found)
		return -PT_ENOSPC;
	x = pt_obj_alloc(&a->mem, sizeof(*x));
	if (!x)
		return -PT_ENOMEM;
	x->start = at;
	x->last = at + size - 1;
	x->reserved = false;
	iova_link(a, x);
	*addr = at;
	return 0;
}

IOMMUPT_API int iommupt_iova_free(struct iommupt_iova *a, uint64_t addr)
{
	struct iova_node *x;

	if (!a)
		return -PT_EINVAL;
	x = tree_floor(a->root, addr);
	if (!x || x->start != addr || x->reserved)
		return -PT_ENOENT;
	iova_unlink(a, x);
	pt_obj_free(&a->mem, x);
	return 0;
}

/*
 * The free pieces of [s, l] in order: calls fn for each, or counts them.
 * Fails with -EBUSY at the first live allocation inside.
 */
static int reserve_walk(struct iommupt_iova *a, uint64_t s, uint64_t l,
			struct iova_node **pool, size_t *pieces)
{
	uint64_t cur = s;

	*pieces = 0;
	while (cur <= l) {
		struct iova_node *n = tree_floor(a->root, cur), *next;
		uint64_t piece_last;

		if (n && n->last >= cur) {
			if (!n->reserved)
				return -PT_EBUSY;
			if (n->last >= l)
				break;
			cur = n->last + 1;
			continue;
		}
		next = tree_above(a->root, cur);
		if (next && next->start <= l && !next->reserved)
			return -PT_EBUSY;
		piece_last = next && next->start <= l ? next->start - 1 : l;
		if (pool) {
			struct iova_node *x = *pool;

			*pool = x->l;
			x->start = cur;
			x->last = piece_last;
			x->reserved = true;
			iova_link(a, x);
		}
		(*pieces)++;
		if (piece_last >= l)
			break;
		cur = piece_last + 1;
	}
	return 0;
}

IOMMUPT_API int iommupt_iova_reserve(struct iommupt_iova *a, uint64_t start,
				     uint64_t last)
{
	struct iova_node *pool = NULL;
	size_t pieces, i;
	int rc;

	if (!a || start > last)
		return -PT_EINVAL;
	if (last < a->start || start > a->last)
		return 0;
	if (start < a->start)
		start = a->start;
	if (last > a->last)
		last = a->last;
	/* Count and check first, take every node, then change the tree. */
	rc = reserve_walk(a, start, last, NULL, &pieces);
	if (rc)
		return rc;
	for (i = 0; i < pieces; i++) {
		struct iova_node *x = pt_obj_alloc(&a->mem, sizeof(*x));

		if (!x) {
			while (pool) {
				x = pool;
				pool = x->l;
				pt_obj_free(&a->mem, x);
			}
			return -PT_ENOMEM;
		}
		x->l = pool;
		pool = x;
	}
	return reserve_walk(a, start, last, &pool, &pieces);
}
