// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Domain-ID allocator: a two-level bitmap (see domains-int.h). alloc of the
 * lowest free ID, alloc of a given ID, reserve, free and iteration. At most
 * 2^16 IDs, so the summary level is at most 16 words and every operation
 * but iteration is O(1). Not thread-safe: the unit's caller locks.
 */
#include "domains-int.h"

static void did_set_used(struct pt_did_alloc *a, uint32_t id)
{
	uint32_t w = id / 64;

	a->used[w] |= 1ull << (id % 64);
	if (a->used[w] == UINT64_MAX)
		a->full[w / 64] |= 1ull << (w % 64);
}

static void did_clear_used(struct pt_did_alloc *a, uint32_t id)
{
	uint32_t w = id / 64;

	a->used[w] &= ~(1ull << (id % 64));
	a->full[w / 64] &= ~(1ull << (w % 64));
	if (w < a->hint)
		a->hint = w;
}

static bool did_test(const uint64_t *map, uint32_t id)
{
	return (map[id / 64] >> (id % 64)) & 1;
}

int pt_did_init(struct pt_did_alloc *a, const struct iommupt_mem *mem,
		uint32_t bits, uint32_t min, uint32_t max)
{
	uint64_t n;
	uint64_t *block;

	if (bits < 1 || bits > IOMMUPT_UNIT_MAX_ID_BITS || min > max ||
	    max >= (1u << bits))
		return -PT_EINVAL;
	n = 1ull << bits;
	pt_zero(a, sizeof(*a));
	a->bits = bits;
	a->min = min;
	a->max = max;
	a->nwords = (uint32_t)((n + 63) / 64);
	a->nfull = (a->nwords + 63) / 64;
	block = pt_obj_alloc(mem, (2 * (size_t)a->nwords + a->nfull) *
				  sizeof(uint64_t));
	if (!block)
		return -PT_ENOMEM;
	a->used = block;
	a->alloc = block + a->nwords;
	a->full = block + 2 * a->nwords;
	/* Bits past the space (fewer than 64 IDs) and outside [min, max]. */
	for (uint64_t id = 0; id < (uint64_t)a->nwords * 64; id++)
		if (id < min || id > max)
			did_set_used(a, (uint32_t)id);
	a->hint = min / 64;
	a->nfree = max - min + 1;
	return 0;
}

void pt_did_fini(struct pt_did_alloc *a, const struct iommupt_mem *mem)
{
	pt_obj_free(mem, a->used);
	a->used = a->alloc = a->full = NULL;
}

int pt_did_alloc_lowest(struct pt_did_alloc *a, uint32_t *id)
{
	for (uint32_t s = a->hint / 64; s < a->nfull; s++) {
		uint64_t avail = ~a->full[s];
		uint32_t w;

		if (s == a->hint / 64)
			avail &= UINT64_MAX << (a->hint % 64);
		if (!avail)
			continue;
		w = s * 64 + pt_ffs64(avail);
		if (w >= a->nwords)
			break;
		a->hint = w;
		*id = w * 64 + pt_ffs64(~a->used[w]);
		did_set_used(a, *id);
		a->alloc[*id / 64] |= 1ull << (*id % 64);
		a->nfree--;
		return 0;
	}
	a->hint = a->nwords;
	return -PT_ENOSPC;
}

int pt_did_alloc_at(struct pt_did_alloc *a, uint32_t id)
{
	if (id < a->min || id > a->max)
		return -PT_ERANGE;
	if (did_test(a->used, id))
		return -PT_EBUSY;
	did_set_used(a, id);
	a->alloc[id / 64] |= 1ull << (id % 64);
	a->nfree--;
	return 0;
}

int pt_did_reserve(struct pt_did_alloc *a, uint32_t id)
{
	if (id < a->min || id > a->max)
		return -PT_ERANGE;
	if (did_test(a->alloc, id))
		return -PT_EBUSY;
	if (!did_test(a->used, id)) {
		did_set_used(a, id);
		a->nfree--;
	}
	return 0;
}

int pt_did_free(struct pt_did_alloc *a, uint32_t id)
{
	if (id < a->min || id > a->max || !did_test(a->alloc, id))
		return -PT_ENOENT;
	a->alloc[id / 64] &= ~(1ull << (id % 64));
	did_clear_used(a, id);
	a->nfree++;
	return 0;
}

int pt_did_next(const struct pt_did_alloc *a, uint32_t from, uint32_t *id)
{
	uint32_t w = from / 64;
	uint64_t bits;

	if (w >= a->nwords)
		return -PT_ENOENT;
	bits = a->alloc[w] & (UINT64_MAX << (from % 64));
	for (;;) {
		if (bits) {
			*id = w * 64 + pt_ffs64(bits);
			return 0;
		}
		if (++w >= a->nwords)
			return -PT_ENOENT;
		bits = a->alloc[w];
	}
}
