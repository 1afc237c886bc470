/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private interfaces of libiommusim shared by the core and the hardware
 * models: raw memory access, the generic cache, the cycle model, the stale
 * detector and the unit base object. Never installed.
 */
#ifndef SIM_SIM_INT_H
#define SIM_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iommupt/sim.h>

/* ---- memory (mem.c) ---- */

/*
 * Uncounted 8-byte access used by the models (they count and charge
 * themselves) and by the stale detector's side-effect-free walks.
 */
int sim_mem_read64_raw(struct iommusim_mem *mem, uint64_t pa, uint64_t *val);
int sim_mem_write64_raw(struct iommusim_mem *mem, uint64_t pa, uint64_t val);
int sim_mem_cas64_raw(struct iommusim_mem *mem, uint64_t pa, uint64_t old,
		      uint64_t val, uint64_t *prev);

/* Whether an options struct of user_sz bytes has only known non-zero bytes. */
bool sim_opts_valid(const void *opts, size_t user_sz, size_t known_sz);
/* Copy an output struct into the caller's one of caller->sz bytes. */
void sim_copy_out(void *caller, const void *lib, size_t lib_sz);

/* ---- generic set-associative cache (cache.c) ---- */

#define SIM_CACHE_KEYS 3
#define SIM_CACHE_VALS 4

struct sim_cache_entry {
	bool valid;
	uint64_t stamp; /* last use, for LRU */
	uint64_t key[SIM_CACHE_KEYS];
	uint64_t val[SIM_CACHE_VALS];
};

struct sim_cache {
	uint32_t sets, ways, latency, repl;
	uint64_t clock;
	uint64_t rng;
	struct sim_cache_entry *e; /* sets * ways */
	uint64_t hits, misses, fills, evictions, invalidated;
};

int sim_cache_init(struct sim_cache *c, const struct iommusim_cache_cfg *cfg,
		   uint64_t seed);
void sim_cache_fini(struct sim_cache *c);
/* Entry with this key, or NULL; refreshes its LRU stamp. Not counted. */
struct sim_cache_entry *sim_cache_find(struct sim_cache *c,
				       const uint64_t key[SIM_CACHE_KEYS]);
/* Count one lookup as a hit or a miss. */
static inline void sim_cache_count(struct sim_cache *c, bool hit)
{
	if (hit)
		c->hits++;
	else
		c->misses++;
}
/* Insert or replace key's entry; evicts LRU (or random) way of its set. */
void sim_cache_fill(struct sim_cache *c, const uint64_t key[SIM_CACHE_KEYS],
		    const uint64_t val[SIM_CACHE_VALS]);
typedef bool (*sim_cache_match_fn)(void *ctx, const struct sim_cache_entry *e);
/* Drop every entry match selects (all when match is NULL); returns count. */
unsigned int sim_cache_inval(struct sim_cache *c, sim_cache_match_fn match,
			     void *ctx);
void sim_cache_get_stats(const struct sim_cache *c,
			 struct iommusim_cache_stats *st);
/* Whether c holds anything (sets * ways != 0). */
static inline bool sim_cache_enabled(const struct sim_cache *c)
{
	return c->e != NULL;
}

/* ---- cycle model (cycles.c) ---- */

void sim_cycles_defaults(struct iommusim_cycles_cfg *c);
/* Fill zero fields of c with defaults. */
void sim_cycles_fill(struct iommusim_cycles_cfg *c);
/* Defaults for the caches, documented in cycles.c. */
void sim_cache_default_iotlb(struct iommusim_cache_cfg *c);
/* level 1 holds the entries that point at leaf tables */
void sim_cache_default_pwc(struct iommusim_cache_cfg *c, unsigned int level);
void sim_cache_default_context(struct iommusim_cache_cfg *c);
void sim_cache_default_pasid(struct iommusim_cache_cfg *c);

/* ---- stale detector (stale.c) ---- */

struct sim_stale {
	bool on;
	bool have_last;
	uint64_t count;
	struct iommusim_stale_report last;
	iommusim_stale_fn fn;
	void *ctx;
};

/* Compare and report; returns whether the two differ. */
bool sim_stale_check(struct sim_stale *s, const struct iommusim_stale_report *r);

/* ---- unit base (unit.c) ---- */

struct iommusim_unit;

/*
 * What a model adds to the unit: its DMA path and where its caches are
 * in its struct (offsets; 0: it has none of that kind). pwc is an array
 * of pwc_levels caches, levels 1 and up.
 */
struct sim_unit_ops {
	int (*dma)(struct iommusim_unit *u, const struct iommusim_dma *req,
		   struct iommusim_dma_result *res);
	size_t iotlb, context, pasid, pwc;
	unsigned int pwc_levels;
};

struct iommusim_unit {
	const struct sim_unit_ops *ops;
	struct iommupt_mmio mmio;
	struct iommusim_mem *mem;
	struct iommusim_cycles_cfg cyc;
	struct sim_stale stale;
	struct iommusim_unit_stats st;
};

/*
 * A zeroed unit of sz bytes (the model's struct, whose first member is
 * the unit) with its cycle model filled in; NULL when out of memory.
 * Freed by iommusim_unit_destroy(), which also frees the caches.
 */
struct iommusim_unit *sim_unit_alloc(size_t sz, const struct sim_unit_ops *ops,
				     struct iommusim_mem *mem,
				     const struct iommusim_cycles_cfg *cyc,
				     bool stale_on);
/*
 * The options of the unit's caches (an all-zero one: the default of
 * its kind) and their replacement seeds: seed for the IOTLB, seed + level
 * for walk cache levels, seed + context_seed and seed + pasid_seed.
 */
struct sim_unit_cache_opts {
	const struct iommusim_cache_cfg *iotlb, *pwc, *context, *pasid;
	uint64_t seed;
	unsigned int context_seed, pasid_seed;
};

/* Set up the unit's caches: 0, -EINVAL or -ENOMEM. */
int sim_unit_caches_init(struct iommusim_unit *u,
			 const struct sim_unit_cache_opts *o);

#endif
