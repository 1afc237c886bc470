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
void sim_cache_count(struct sim_cache *c, bool hit);
/* Insert or replace key's entry; evicts LRU (or random) way of its set. */
void sim_cache_fill(struct sim_cache *c, const uint64_t key[SIM_CACHE_KEYS],
		    const uint64_t val[SIM_CACHE_VALS]);
typedef bool (*sim_cache_match_fn)(void *ctx, const struct sim_cache_entry *e);
/* Drop every entry match selects (all when match is NULL); returns count. */
unsigned int sim_cache_inval(struct sim_cache *c, sim_cache_match_fn match,
			     void *ctx);
void sim_cache_get_stats(const struct sim_cache *c,
			 struct iommusim_cache_stats *st);
bool sim_cache_enabled(const struct sim_cache *c);

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

struct sim_unit_ops {
	int (*dma)(struct iommusim_unit *u, const struct iommusim_dma *req,
		   struct iommusim_dma_result *res);
};

/* The model's caches (NULL: it has none of that kind). */
struct sim_unit_caches {
	struct sim_cache *iotlb, *context, *pasid;
	struct sim_cache *pwc;    /* pwc[0..pwc_levels-1]: levels 1.. */
	unsigned int pwc_levels;
};

struct iommusim_unit {
	const struct sim_unit_ops *ops;
	struct iommupt_mmio mmio;
	struct iommusim_mem *mem;
	struct iommusim_cycles_cfg cyc;
	struct sim_stale stale;
	struct iommusim_unit_stats st;
	struct sim_unit_caches caches;
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
/* Set up a cache of a kind (IOMMUSIM_CACHE_*); all-zero cfg: defaults. */
int sim_unit_cache_init(struct sim_cache *c,
			const struct iommusim_cache_cfg *cfg, unsigned int kind,
			unsigned int level, uint64_t seed);

/* ---- translation path (xlate.c) ---- */

/* Charge c's latency when c is on, look key up, count a hit or a miss. */
struct sim_cache_entry *sim_cache_lookup(struct sim_cache *c, uint64_t *cycles,
					 const uint64_t key[SIM_CACHE_KEYS]);
/* Whether [base, base + 2^lg2) meets [first, last]. */
bool sim_range_hit(uint64_t base, unsigned int lg2, uint64_t first,
		   uint64_t last);

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

/*
 * One IOTLB lookup: charges the latency, probes every size, counts. A
 * write to a page cached clean misses (the walk sets D).
 */
bool sim_tlb_lookup(struct sim_cache *c, uint64_t *cycles,
		    const struct sim_tlb_tag *t, uint64_t iova, bool write,
		    struct sim_tlb_ent *ent);
/* Cache ent for iova; with sizes, note its size there (cache on only). */
void sim_tlb_fill(struct sim_cache *c, uint64_t *sizes, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, const struct sim_tlb_ent *ent);
/* Whether the IOTLB entry's page meets [first, last]. */
bool sim_tlb_in_range(const struct sim_cache_entry *e, uint64_t first,
		      uint64_t last);

/*
 * Walk caches, levels 1..levels: the deepest cached table below top on the
 * way to iova (charged, counted; *hit set), or top when none is.
 */
unsigned int sim_pwc_probe(struct sim_cache *pwc, unsigned int levels,
			   uint64_t tag0, uint64_t tag1, uint64_t iova,
			   unsigned int top, uint64_t *cycles, uint64_t *table,
			   uint64_t *acc, bool *hit);
void sim_pwc_fill(struct sim_cache *pwc, unsigned int levels, uint64_t tag0,
		  uint64_t tag1, uint64_t iova, unsigned int lvl,
		  uint64_t table, uint64_t acc);
/* Whether the level lvl entry's IOVA range meets [first, last]. */
bool sim_pwc_in_range(const struct sim_cache_entry *e, unsigned int lvl,
		      uint64_t first, uint64_t last);

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
bool sim_xlate_finish(const struct iommusim_unit *u,
		      struct iommusim_dma_result *res,
		      const struct sim_xlate_end *x);

#endif
