/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The vendor-neutral translation path the models share (xlate.c): charged
 * cache lookups, the IOTLB and walk-cache entry layouts, the stale check
 * hook, the link cycles in and out. The models supply the tags (domain,
 * PASID, ASID...) and keep their walks. The helpers every transaction
 * runs are inline here, so that sharing them costs the DMA path no calls.
 */
#ifndef SIM_XLATE_H
#define SIM_XLATE_H

#include "sim-int.h"

/* Charge c's latency when c is on, look key up, count a hit or a miss. */
static inline struct sim_cache_entry *
sim_cache_lookup(struct sim_cache *c, uint64_t *cycles,
		 const uint64_t key[SIM_CACHE_KEYS])
{
	struct sim_cache_entry *e;

	if (sim_cache_enabled(c))
		*cycles += c->latency;
	e = sim_cache_find(c, key);
	sim_cache_count(c, e != NULL);
	return e;
}

/*
 * A walk's read of the qword at pa: charged and counted when the walk is
 * live (the stale detector's fresh walks are not).
 */
static inline int sim_walk_read(struct iommusim_unit *u, bool live,
				uint64_t *cycles, uint64_t pa, uint64_t *val)
{
	int rc = sim_mem_read64_raw(u->mem, pa, val);

	if (live) {
		*cycles += u->cyc.mem_read;
		u->st.walk_reads++;
	}
	return rc;
}

/*
 * A live walk's atomic update of the entry at pa from old to val (A/D,
 * access flag): charged and counted when it was made.
 */
static inline void sim_walk_update(struct iommusim_unit *u, uint64_t *cycles,
				   uint64_t pa, uint64_t old, uint64_t val)
{
	uint64_t prev;

	if (sim_mem_cas64_raw(u->mem, pa, old, val, &prev))
		return;
	*cycles += u->cyc.mem_write;
	u->st.ad_writes++;
}

/* Whether [base, base + 2^lg2) meets [first, last]. */
bool sim_range_hit(uint64_t base, unsigned int lg2, uint64_t first,
		   uint64_t last);

/* ---- IOTLB ---- */

/*
 * Key (tag0, tag1, IOVA >> size | size << 58); value (OA of the page,
 * prot | size << 8 | dirty << 16 | fault << 24). A fault is a cached
 * negative result (VT-d caching mode); the other models store none.
 */
#define SIM_TLB_SIZE_SHIFT 58
#define SIM_TLB_PFN_MASK ((1ull << SIM_TLB_SIZE_SHIFT) - 1)

/* What selects IOTLB entries: the model's tags and the sizes to probe. */
struct sim_tlb_tag {
	uint64_t tag0, tag1;
	bool has_alt;         /* at each size, also probe tag1 = alt_tag1 */
	uint64_t alt_tag1;
	uint64_t sizes;       /* bit n: pages of 2^n bytes */
};

/* An IOTLB entry: a page, or a cached fault (no prot, not dirty). */
struct sim_tlb_ent {
	uint64_t oa;          /* lookup: of the IOVA; fill: in the page */
	uint32_t prot;
	uint32_t fault;
	unsigned int page_lg2;
	bool dirty;
};

static inline void sim_tlb_key(uint64_t tag0, uint64_t tag1, uint64_t iova,
			       unsigned int lg2, uint64_t key[SIM_CACHE_KEYS])
{
	key[0] = tag0;
	key[1] = tag1;
	key[2] = (iova >> lg2) | (uint64_t)lg2 << SIM_TLB_SIZE_SHIFT;
}

/*
 * One IOTLB lookup: charges the latency, probes every size (smallest
 * first), counts a hit or a miss. A write to a page cached clean misses:
 * the walk sets D.
 */
static inline bool sim_tlb_lookup(struct sim_cache *c, uint64_t *cycles,
				  const struct sim_tlb_tag *t, uint64_t iova,
				  bool write, struct sim_tlb_ent *ent)
{
	struct sim_cache_entry *e = NULL;
	uint64_t key[SIM_CACHE_KEYS];

	if (sim_cache_enabled(c))
		*cycles += c->latency;
	for (uint64_t sizes = t->sizes; sizes && !e; sizes &= sizes - 1) {
		sim_tlb_key(t->tag0, t->tag1, iova,
			    (unsigned int)__builtin_ctzll(sizes), key);
		e = sim_cache_find(c, key);
		if (!e && t->has_alt) {
			key[1] = t->alt_tag1;
			e = sim_cache_find(c, key);
		}
	}
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

/* Cache ent for iova; with sizes, note its size there (cache on only). */
void sim_tlb_fill(struct sim_cache *c, uint64_t *sizes, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, const struct sim_tlb_ent *ent);
/* Whether the IOTLB entry's page meets [first, last]. */
bool sim_tlb_in_range(const struct sim_cache_entry *e, uint64_t first,
		      uint64_t last);

/* ---- walk caches ---- */

/*
 * Level l (1: the entries pointing at leaf tables) holds the table below
 * an entry of level l + 1: key (tag0, tag1, IOVA >> (12 + 9 * l)); value
 * (table address, access rights gathered above it).
 */
static inline unsigned int sim_pwc_shift(unsigned int lvl)
{
	return 12 + 9 * lvl;
}

/*
 * Levels 1..levels: the deepest cached table below top on the way to iova
 * (charged, counted; *hit set), or top when none is.
 */
static inline unsigned int
sim_pwc_probe(struct sim_cache *pwc, unsigned int levels, uint64_t tag0,
	      uint64_t tag1, uint64_t iova, unsigned int top, uint64_t *cycles,
	      uint64_t *table, uint64_t *acc, bool *hit)
{
	for (unsigned int l = 1; l < top && l <= levels; l++) {
		struct sim_cache *c = &pwc[l - 1];
		uint64_t key[SIM_CACHE_KEYS] = { tag0, tag1,
						 iova >> sim_pwc_shift(l) };
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

static inline void sim_pwc_fill(struct sim_cache *pwc, unsigned int levels,
				uint64_t tag0, uint64_t tag1, uint64_t iova,
				unsigned int lvl, uint64_t table, uint64_t acc)
{
	uint64_t key[SIM_CACHE_KEYS] = { tag0, tag1,
					 iova >> sim_pwc_shift(lvl) };
	uint64_t val[SIM_CACHE_VALS] = { table, acc, 0, 0 };

	if (lvl >= 1 && lvl <= levels)
		sim_cache_fill(&pwc[lvl - 1], key, val);
}

/* Whether the level lvl entry's IOVA range meets [first, last]. */
bool sim_pwc_in_range(const struct sim_cache_entry *e, unsigned int lvl,
		      uint64_t first, uint64_t last);

/* ---- a transaction's start and end ---- */

/* Translation off: the request passes untranslated (link in and out). */
void sim_xlate_untranslated(const struct iommusim_unit *u,
			    const struct iommusim_dma *req,
			    struct iommusim_dma_result *res);
/* Hand the detector a cached and a fresh result; flags res when stale. */
void sim_xlate_stale(struct iommusim_unit *u,
		     const struct iommusim_stale_report *r,
		     struct iommusim_dma_result *res);

struct sim_xlate_end {
	uint32_t did;
	uint64_t cycles;      /* so far, link in included */
	uint32_t fault;
	uint64_t oa;
	unsigned int page_lg2;
	bool bypass;
};

/* Fill res (link out charged); returns whether a fault is to be logged. */
static inline bool sim_xlate_finish(const struct iommusim_unit *u,
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

#endif
