/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libiommusim core: simulated physical memory, the memory provider that
 * puts libiommupt's tables in it, and the vendor-neutral face of a
 * simulated IOMMU unit (DMA transactions, register file over the MMIO bus,
 * caches, cycle model, stale-translation detector).
 *
 * The hardware models walk the tables in simulated memory with their own
 * code, written from the vendors' specifications, never with libiommupt's
 * format code: the simulator is the independent check on the library.
 *
 * Concurrency: a unit is single-threaded (one caller at a time). The memory
 * provider may be called from several threads at once, as libiommupt
 * allows; iommusim_mem_* accessors lock internally.
 */
#ifndef IOMMUPT_SIM_H
#define IOMMUPT_SIM_H

#include <iommupt/common.h>
#include <iommupt/provider.h>
#include <iommupt/mmio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Simulated physical memory ---------------------------------------- */

struct iommusim_mem;

struct iommusim_mem_opts {
	size_t sz;
	/* Physical address bits; accesses at or above 2^phys_bits fail
	 * (a "memory error" the models turn into access faults). 0: 52. */
	unsigned int phys_bits;
	/* First address the allocator hands out; 0: 1 MiB. */
	uint64_t alloc_base;
};

/* Returns 0, -EINVAL for bad options, -ENOMEM. */
IOMMUPT_API int iommusim_mem_create(const struct iommusim_mem_opts *opts,
				    struct iommusim_mem **out);
/* Frees every page. Accepts NULL. */
IOMMUPT_API void iommusim_mem_destroy(struct iommusim_mem *mem);

/*
 * 8-byte accesses at 8-byte aligned addresses. Reading memory never written
 * gives 0 (pages are created on the first write). Return 0, -EINVAL when
 * misaligned, -EFAULT at or above 2^phys_bits, -ENOMEM. Counted.
 */
IOMMUPT_API int iommusim_mem_read64(struct iommusim_mem *mem, uint64_t pa,
				    uint64_t *val);
IOMMUPT_API int iommusim_mem_write64(struct iommusim_mem *mem, uint64_t pa,
				     uint64_t val);
/* Atomic compare-and-swap: *prev gets the old value; stored if it was old. */
IOMMUPT_API int iommusim_mem_cas64(struct iommusim_mem *mem, uint64_t pa,
				   uint64_t old, uint64_t val, uint64_t *prev);
/* Byte-granular copies (any alignment, may cross pages). Not counted. */
IOMMUPT_API int iommusim_mem_read(struct iommusim_mem *mem, uint64_t pa,
				  void *buf, size_t len);
IOMMUPT_API int iommusim_mem_write(struct iommusim_mem *mem, uint64_t pa,
				   const void *buf, size_t len);

/*
 * Allocate zeroed memory of 1 << size_lg2 bytes (12..30), aligned to its
 * size, for tables the caller builds by hand (root, context, PASID tables,
 * queues). Returns 0, -EINVAL, -ENOMEM.
 */
IOMMUPT_API int iommusim_mem_alloc(struct iommusim_mem *mem,
				   unsigned int size_lg2, uint64_t *pa);
IOMMUPT_API void iommusim_mem_free(struct iommusim_mem *mem, uint64_t pa,
				   unsigned int size_lg2);
/* CPU pointer of an allocated byte, NULL outside allocated memory. */
IOMMUPT_API void *iommusim_mem_cpu(struct iommusim_mem *mem, uint64_t pa);
/*
 * The libiommupt memory provider over this memory: table pages are
 * allocated in simulated memory and the CPU pointer aliases it, so what
 * the library writes is what the models walk. Valid until destroy.
 */
IOMMUPT_API const struct iommupt_mem *
iommusim_mem_provider(struct iommusim_mem *mem);

struct iommusim_mem_stats {
	size_t sz;
	uint64_t reads;       /* counted 8-byte reads */
	uint64_t writes;      /* counted 8-byte writes */
	uint64_t cas;         /* compare-and-swap operations */
	uint64_t pages;       /* 4 KiB pages backed */
	uint64_t alloc_bytes; /* bytes currently allocated */
};

IOMMUPT_API int iommusim_mem_get_stats(struct iommusim_mem *mem,
				       struct iommusim_mem_stats *st);

/* ---- Parameters shared by every model --------------------------------- */

enum iommusim_repl {
	IOMMUSIM_REPL_LRU = 0,
	IOMMUSIM_REPL_RANDOM = 1, /* seeded: deterministic per seed */
};

/* A set-associative cache. sets * ways == 0 disables it (always misses). */
struct iommusim_cache_cfg {
	uint32_t sets;
	uint32_t ways;
	uint32_t latency; /* cycles charged per lookup */
	uint32_t repl;    /* enum iommusim_repl */
};

/*
 * Cycle costs. Zero fields take the defaults (see sim/cycles.c for their
 * sources): link 8, mem_read 100, mem_write 100, queue_desc 10, reg 1.
 */
struct iommusim_cycles_cfg {
	uint32_t link;       /* device -> IOMMU and back, each way */
	uint32_t mem_read;   /* one 8-byte read of a walk or queue fetch */
	uint32_t mem_write;  /* one 8-byte write (A/D update, status write) */
	uint32_t queue_desc; /* decoding and executing one queued command */
	uint32_t reg;        /* one register access over the MMIO bus */
};

/* ---- Units ----------------------------------------------------------- */

struct iommusim_unit;

enum iommusim_dma_access {
	IOMMUSIM_DMA_READ = 1,
	IOMMUSIM_DMA_WRITE = 2,
};

enum iommusim_dma_flags {
	IOMMUSIM_DMA_HAS_PASID = 1u << 0, /* request carries pasid */
	IOMMUSIM_DMA_PRIV = 1u << 1,      /* privileged (supervisor) request */
};

struct iommusim_dma {
	size_t sz;
	uint32_t sid;    /* source ID (PCI requester ID bus:dev.fn) */
	uint32_t pasid;  /* with IOMMUSIM_DMA_HAS_PASID; 20 bits */
	uint32_t flags;  /* enum iommusim_dma_flags */
	uint32_t access; /* enum iommusim_dma_access */
	uint64_t iova;
	uint64_t size;   /* 1..4096 bytes, not crossing a 4 KiB boundary */
};

enum iommusim_result_flags {
	IOMMUSIM_RES_BYPASS = 1u << 0,     /* untranslated (disabled or PT) */
	IOMMUSIM_RES_IOTLB_HIT = 1u << 1,
	IOMMUSIM_RES_CTX_HIT = 1u << 2,    /* context/device/stream cache */
	IOMMUSIM_RES_RECORDED = 1u << 3,   /* fault written to the fault log */
	IOMMUSIM_RES_STALE = 1u << 4,      /* stale detector fired */
};

struct iommusim_dma_result {
	size_t sz;
	uint32_t fault;        /* 0, or the vendor's fault reason code */
	uint32_t flags;        /* enum iommusim_result_flags */
	uint64_t oa;           /* output address of iova (when fault == 0) */
	unsigned int page_lg2; /* size of the page that translated it */
	uint32_t did;          /* domain tag used, when one was found */
	uint64_t cycles;       /* cycles this transaction took */
};

/*
 * Translate one DMA transaction. A translation fault is not an error: it
 * returns 0 with res->fault set (and the fault recorded as the hardware
 * would, unless suppressed). Returns -EINVAL for a malformed request.
 */
IOMMUPT_API int iommusim_unit_dma(struct iommusim_unit *unit,
				  const struct iommusim_dma *req,
				  struct iommusim_dma_result *res);
/* The unit's register file; valid until destroy. */
IOMMUPT_API const struct iommupt_mmio *
iommusim_unit_mmio(struct iommusim_unit *unit);
/* Accepts NULL. */
IOMMUPT_API void iommusim_unit_destroy(struct iommusim_unit *unit);

enum iommusim_cache_kind {
	IOMMUSIM_CACHE_IOTLB = 1,
	IOMMUSIM_CACHE_PWC = 2,     /* paging-structure cache; level 1.. */
	IOMMUSIM_CACHE_CONTEXT = 3, /* VT-d context, AMD DTE, SMMU STE */
	IOMMUSIM_CACHE_PASID = 4,   /* VT-d PASID entry, SMMU CD */
};

struct iommusim_cache_stats {
	size_t sz;
	uint64_t hits;
	uint64_t misses;
	uint64_t fills;
	uint64_t evictions;
	uint64_t invalidated; /* entries dropped by invalidations */
	uint32_t entries;     /* valid entries now */
	uint32_t capacity;
};

/*
 * Counters of one cache; level selects the PWC level (1 = the entries
 * pointing at leaf tables). Returns 0 or -EINVAL for a cache the unit lacks.
 */
IOMMUPT_API int iommusim_unit_cache_stats(struct iommusim_unit *unit,
					  unsigned int kind, unsigned int level,
					  struct iommusim_cache_stats *st);

struct iommusim_unit_stats {
	size_t sz;
	uint64_t dma;            /* transactions */
	uint64_t faults;         /* faulted transactions */
	uint64_t faults_recorded;
	uint64_t faults_suppressed; /* fault processing disabled (FPD) */
	uint64_t fault_overflows;   /* lost for want of a free record */
	uint64_t cycles;         /* sum of the transactions' cycles */
	uint64_t queue_cycles;   /* cycles spent on queued commands */
	uint64_t queue_cmds;     /* queued commands executed */
	uint64_t reg_cycles;     /* cycles of register accesses */
	uint64_t events;         /* interrupts the unit would have raised */
	uint64_t walk_reads;     /* memory reads by walks */
	uint64_t ad_writes;      /* accessed/dirty updates */
	uint64_t stale;          /* stale translations detected */
};

IOMMUPT_API int iommusim_unit_get_stats(struct iommusim_unit *unit,
					struct iommusim_unit_stats *st);

/* ---- Stale-translation detector -------------------------------------- */

/* One translation as seen by the cache and by a fresh walk. */
struct iommusim_xlate {
	uint32_t fault;        /* 0 or reason code */
	uint64_t oa;
	uint32_t prot;         /* IOMMUPT_READ | IOMMUPT_WRITE granted */
	unsigned int page_lg2;
};

struct iommusim_stale_report {
	uint32_t sid;
	uint32_t pasid;
	int has_pasid;
	uint64_t iova;
	uint32_t did;
	struct iommusim_xlate cached; /* what the caches produced */
	struct iommusim_xlate fresh;  /* what the current tables say */
};

typedef void (*iommusim_stale_fn)(void *ctx,
				  const struct iommusim_stale_report *r);

/*
 * The detector compares every translation that used a cached entry with a
 * fresh walk of the current tables (without side effects and uncharged);
 * a difference means an invalidation is missing. On by default.
 */
IOMMUPT_API void iommusim_unit_set_stale_check(struct iommusim_unit *unit,
					       int on);
/* Called on each detection (fn may be NULL). */
IOMMUPT_API void iommusim_unit_set_stale_fn(struct iommusim_unit *unit,
					    iommusim_stale_fn fn, void *ctx);
/* The last detection: 0, or -ENOENT when there was none. */
IOMMUPT_API int iommusim_unit_last_stale(struct iommusim_unit *unit,
					 struct iommusim_stale_report *r);
/* One line of text; returns what snprintf returns. */
IOMMUPT_API int iommusim_stale_format(const struct iommusim_stale_report *r,
				      char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
