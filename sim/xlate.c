// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vendor-neutral translation path, the part not inline in xlate.h:
 * IOTLB fills, the range matches of IOTLB and walk-cache entries that
 * invalidations use, untranslated requests, the stale check hook.
 */
#include "xlate.h"

bool sim_range_hit(uint64_t base, unsigned int lg2, uint64_t first,
		   uint64_t last)
{
	uint64_t end = lg2 >= 64 ? UINT64_MAX : base + ((1ull << lg2) - 1);

	return !(end < first || base > last);
}

/* ---- IOTLB ---------------------------------------------------------- */

void sim_tlb_fill(struct sim_cache *c, uint64_t *sizes, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, const struct sim_tlb_ent *ent)
{
	uint64_t key[SIM_CACHE_KEYS], val[SIM_CACHE_VALS] = { 0 };

	sim_tlb_key(tag0, tag1, iova, ent->page_lg2, key);
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
	unsigned int lg2 = (unsigned int)(e->key[2] >> SIM_TLB_SIZE_SHIFT);

	return sim_range_hit((e->key[2] & SIM_TLB_PFN_MASK) << lg2, lg2, first,
			     last);
}

/* ---- walk caches ---------------------------------------------------- */

bool sim_pwc_in_range(const struct sim_cache_entry *e, unsigned int lvl,
		      uint64_t first, uint64_t last)
{
	unsigned int shift = sim_pwc_shift(lvl);

	return sim_range_hit(e->key[2] << shift, shift, first, last);
}

/* ---- a transaction's start and end ---------------------------------- */

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
