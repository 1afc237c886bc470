// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * A generic set-associative cache with LRU or seeded random replacement
 * and hit/miss/fill/eviction/invalidation counters. The models decide what
 * a key and a value mean (IOTLB: domain, PASID, page; paging-structure
 * cache: domain, PASID, level, IOVA prefix; context cache: source ID).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-int.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static uint32_t set_of(const struct sim_cache *c,
		       const uint64_t key[SIM_CACHE_KEYS])
{
	uint64_t h = 0;

	for (int i = 0; i < SIM_CACHE_KEYS; i++)
		h = mix(h ^ key[i] ^ (uint64_t)i << 58);
	return (uint32_t)(h % c->sets);
}

int sim_cache_init(struct sim_cache *c, const struct iommusim_cache_cfg *cfg,
		   uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	if (cfg->repl > IOMMUSIM_REPL_RANDOM)
		return -EINVAL;
	c->sets = cfg->sets;
	c->ways = cfg->ways;
	c->latency = cfg->latency;
	c->repl = cfg->repl;
	c->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	if (!c->sets || !c->ways)
		return 0;
	if ((uint64_t)c->sets * c->ways > (1u << 24))
		return -EINVAL;
	c->e = calloc((size_t)c->sets * c->ways, sizeof(*c->e));
	return c->e ? 0 : -ENOMEM;
}

void sim_cache_fini(struct sim_cache *c)
{
	free(c->e);
	c->e = NULL;
}

struct sim_cache_entry *sim_cache_find(struct sim_cache *c,
				       const uint64_t key[SIM_CACHE_KEYS])
{
	struct sim_cache_entry *set;

	if (!c->e)
		return NULL;
	set = &c->e[(size_t)set_of(c, key) * c->ways];
	for (uint32_t w = 0; w < c->ways; w++) {
		if (set[w].valid &&
		    !memcmp(set[w].key, key, sizeof(set[w].key))) {
			set[w].stamp = ++c->clock;
			return &set[w];
		}
	}
	return NULL;
}

void sim_cache_fill(struct sim_cache *c, const uint64_t key[SIM_CACHE_KEYS],
		    const uint64_t val[SIM_CACHE_VALS])
{
	struct sim_cache_entry *set, *victim = NULL;

	if (!c->e)
		return;
	set = &c->e[(size_t)set_of(c, key) * c->ways];
	for (uint32_t w = 0; w < c->ways && !victim; w++)
		if (set[w].valid &&
		    !memcmp(set[w].key, key, sizeof(set[w].key)))
			victim = &set[w];
	for (uint32_t w = 0; w < c->ways && !victim; w++)
		if (!set[w].valid)
			victim = &set[w];
	if (!victim) {
		if (c->repl == IOMMUSIM_REPL_RANDOM) {
			c->rng ^= c->rng << 13;
			c->rng ^= c->rng >> 7;
			c->rng ^= c->rng << 17;
			victim = &set[c->rng % c->ways];
		} else {
			victim = &set[0];
			for (uint32_t w = 1; w < c->ways; w++)
				if (set[w].stamp < victim->stamp)
					victim = &set[w];
		}
		c->evictions++;
	}
	victim->valid = true;
	victim->stamp = ++c->clock;
	memcpy(victim->key, key, sizeof(victim->key));
	memcpy(victim->val, val, sizeof(victim->val));
	c->fills++;
}

unsigned int sim_cache_inval(struct sim_cache *c, sim_cache_match_fn match,
			     void *ctx)
{
	unsigned int n = 0;

	if (!c->e)
		return 0;
	for (size_t i = 0; i < (size_t)c->sets * c->ways; i++) {
		if (c->e[i].valid && (!match || match(ctx, &c->e[i]))) {
			c->e[i].valid = false;
			n++;
		}
	}
	c->invalidated += n;
	return n;
}

void sim_cache_get_stats(const struct sim_cache *c,
			 struct iommusim_cache_stats *st)
{
	struct iommusim_cache_stats s = { .sz = sizeof(s) };

	s.hits = c->hits;
	s.misses = c->misses;
	s.fills = c->fills;
	s.evictions = c->evictions;
	s.invalidated = c->invalidated;
	s.capacity = c->e ? c->sets * c->ways : 0;
	for (uint32_t i = 0; i < s.capacity; i++)
		s.entries += c->e[i].valid;
	sim_copy_out(st, &s, sizeof(s));
}
