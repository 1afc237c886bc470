// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vendor-neutral translation path: charged cache lookups, the IOTLB
 * and walk-cache entry layouts every model shares, the stale check hook
 * and the start and end of a transaction's cycle account. The models
 * supply the tags (domain, PASID, ASID...) and keep their walks.
 */
#include "sim-int.h"

struct sim_cache_entry *sim_cache_lookup(struct sim_cache *c, uint64_t *cycles,
					 const uint64_t key[SIM_CACHE_KEYS])
{
	struct sim_cache_entry *e;

	if (sim_cache_enabled(c))
		*cycles += c->latency;
	e = sim_cache_find(c, key);
	sim_cache_count(c, e != NULL);
	return e;
}

bool sim_range_hit(uint64_t base, unsigned int lg2, uint64_t first,
		   uint64_t last)
{
	uint64_t end = lg2 >= 64 ? UINT64_MAX : base + ((1ull << lg2) - 1);

	return !(end < first || base > last);
}

/* ---- IOTLB ---------------------------------------------------------------- */

/*
 * Key (tag0, tag1, IOVA >> size | size << 58); value (OA of the page,
 * prot | size << 8 | dirty << 16 | fault << 24). A fault is a cached
 * negative result (VT-d caching mode); the other models store none.
 */
#define TLB_SIZE_SHIFT 58
#define TLB_PFN_MASK ((1ull << TLB_SIZE_SHIFT) - 1)

static void tlb_key(uint64_t tag0, uint64_t tag1, uint64_t iova,
		    unsigned int lg2, uint64_t key[SIM_CACHE_KEYS])
{
	key[0] = tag0;
	key[1] = tag1;
	key[2] = (iova >> lg2) | (uint64_t)lg2 << TLB_SIZE_SHIFT;
}

bool sim_tlb_lookup(struct sim_cache *c, uint64_t *cycles,
		    const struct sim_tlb_tag *t, uint64_t iova, bool write,
		    struct sim_tlb_ent *ent)
{
	struct sim_cache_entry *e = NULL;
	uint64_t key[SIM_CACHE_KEYS];

	if (sim_cache_enabled(c))
		*cycles += c->latency;
	/* one lookup probes every page size, smallest first */
	for (uint64_t sizes = t->sizes; sizes && !e; sizes &= sizes - 1) {
		tlb_key(t->tag0, t->tag1, iova,
			(unsigned int)__builtin_ctzll(sizes), key);
		e = sim_cache_find(c, key);
		if (!e && t->has_alt) {
			key[1] = t->alt_tag1;
			e = sim_cache_find(c, key);
		}
	}
	/* a write to a page cached clean walks again to set D */
	if (e && write && !((e->val[1] >> 16) & 1) && !(e->val[1] >> 24))
		e = NULL;
	sim_cache_count(c, e != NULL);
	if (!e)
		return false;
	ent->page_lg2 = (e->val[1] >> 8) & 0xff;
	ent->prot = e->val[1] & 0xff;
	ent->dirty = (e->val[1] >> 16) & 1;
	ent->fault = (uint32_t)(e->val[1] >> 24);
	ent->oa = e->val[0] | (iova & ((1ull << ent->page_lg2) - 1));
	return true;
}

void sim_tlb_fill(struct sim_cache *c, uint64_t *sizes, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, const struct sim_tlb_ent *ent)
{
	uint64_t key[SIM_CACHE_KEYS], val[SIM_CACHE_VALS] = { 0 };

	tlb_key(tag0, tag1, iova, ent->page_lg2, key);
	val[0] = ent->oa & ~((1ull << ent->page_lg2) - 1);
	val[1] = ent->prot | (uint64_t)ent->page_lg2 << 8 |
		 (uint64_t)ent->dirty << 16 | (uint64_t)ent->fault << 24;
	sim_cache_fill(c, key, val);
	if (sizes && sim_cache_enabled(c))
		*sizes |= 1ull << ent->page_lg2;
}

bool sim_tlb_in_range(const struct sim_cache_entry *e, uint64_t first,
		      uint64_t last)
{
	unsigned int lg2 = (unsigned int)(e->key[2] >> TLB_SIZE_SHIFT);

	return sim_range_hit((e->key[2] & TLB_PFN_MASK) << lg2, lg2, first,
			     last);
}

/* ---- walk caches -------------------------------------------------------- */

/*
 * Level l (1: the entries pointing at leaf tables) holds the table below
 * an entry of level l + 1: key (tag0, tag1, IOVA >> (12 + 9 * l)); value
 * (table address, access rights gathered above it).
 */
static unsigned int pwc_shift(unsigned int lvl)
{
	return 12 + 9 * lvl;
}

unsigned int sim_pwc_probe(struct sim_cache *pwc, unsigned int levels,
			   uint64_t tag0, uint64_t tag1, uint64_t iova,
			   unsigned int top, uint64_t *cycles, uint64_t *table,
			   uint64_t *acc, bool *hit)
{
	for (unsigned int l = 1; l < top && l <= levels; l++) {
		struct sim_cache *c = &pwc[l - 1];
		uint64_t key[SIM_CACHE_KEYS] = { tag0, tag1,
						 iova >> pwc_shift(l) };
		struct sim_cache_entry *e;

		if (!sim_cache_enabled(c))
			continue;
		*cycles += c->latency;
		e = sim_cache_find(c, key);
		sim_cache_count(c, e != NULL);
		if (e) {
			*table = e->val[0];
			*acc = e->val[1];
			*hit = true;
			return l;
		}
	}
	return top;
}

void sim_pwc_fill(struct sim_cache *pwc, unsigned int levels, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, unsigned int lvl,
		  uint64_t table, uint64_t acc)
{
	uint64_t key[SIM_CACHE_KEYS] = { tag0, tag1, iova >> pwc_shift(lvl) };
	uint64_t val[SIM_CACHE_VALS] = { table, acc, 0, 0 };

	if (lvl >= 1 && lvl <= levels)
		sim_cache_fill(&pwc[lvl - 1], key, val);
}

bool sim_pwc_in_range(const struct sim_cache_entry *e, unsigned int lvl,
		      uint64_t first, uint64_t last)
{
	unsigned int shift = pwc_shift(lvl);

	return sim_range_hit(e->key[2] << shift, shift, first, last);
}

/* ---- a transaction's start and end ---------------------------------------- */

void sim_xlate_untranslated(const struct iommusim_unit *u,
			    const struct iommusim_dma *req,
			    struct iommusim_dma_result *res)
{
	res->oa = req->iova;
	res->page_lg2 = 12;
	res->flags |= IOMMUSIM_RES_BYPASS;
	res->cycles = u->cyc.link + u->cyc.link;
}

void sim_xlate_stale(struct iommusim_unit *u,
		     const struct iommusim_stale_report *r,
		     struct iommusim_dma_result *res)
{
	if (sim_stale_check(&u->stale, r))
		res->flags |= IOMMUSIM_RES_STALE;
}

bool sim_xlate_finish(const struct iommusim_unit *u,
		      struct iommusim_dma_result *res,
		      const struct sim_xlate_end *x)
{
	res->did = x->did;
	res->cycles = x->cycles + u->cyc.link;
	if (x->fault) {
		res->fault = x->fault;
		return true;
	}
	res->oa = x->oa;
	res->page_lg2 = x->page_lg2;
	if (x->bypass)
		res->flags |= IOMMUSIM_RES_BYPASS;
	return false;
}
