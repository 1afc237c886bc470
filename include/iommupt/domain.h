/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Domains: one I/O address space, one page table, in one of the formats
 * below, edited with map/unmap and inspected with translate/walk/validate.
 *
 * Concurrency: map, unmap, iova_to_phys and walk on disjoint IOVA ranges of
 * one domain may run on different threads without a lock (a new table is
 * installed with an atomic compare-and-swap; the loser frees its page).
 * Calls whose ranges overlap, and destroy/validate/stats against anything
 * else, need the caller's lock.
 *
 * Flush contract: a change to a table the hardware may walk must be followed
 * by an IOTLB invalidation. The library records what to invalidate, and the
 * table pages it freed, in a gather (gather.h); freed pages go back to the
 * provider only when the caller releases the gather after its flush.
 */
#ifndef IOMMUPT_DOMAIN_H
#define IOMMUPT_DOMAIN_H

#include <iommupt/common.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iommupt_format {
	IOMMUPT_FMT_VTD_SS = 1, /* Intel VT-d second stage, 3/4/5 levels */
	IOMMUPT_FMT_X86_64 = 2, /* x86-64 paging: VT-d first stage, AMD v2 */
	IOMMUPT_FMT_AMD_V1 = 3, /* AMD-Vi host (v1) tables, 1..6 levels */
	IOMMUPT_FMT_ARM_S1 = 4, /* VMSAv8-64 stage 1 */
	IOMMUPT_FMT_ARM_S2 = 5, /* VMSAv8-64 stage 2 */
};

/* Which part of the 64-bit input space a domain translates. */
enum iommupt_va_layout {
	IOMMUPT_VA_DEFAULT = 0, /* the format's usual layout */
	IOMMUPT_VA_LOWER = 1,   /* [0, 2^ias) */
	IOMMUPT_VA_SIGNEXT = 2, /* both canonical halves (x86-64 default) */
	IOMMUPT_VA_UPPER = 3,   /* [2^64 - 2^ias, 2^64) (ARM TTBR1) */
};

struct iommupt_domain_cfg {
	size_t sz;
	uint32_t format;        /* enum iommupt_format */
	uint32_t va_layout;     /* enum iommupt_va_layout; format default if 0 */
	uint32_t levels;        /* table levels; 0: from ias_lg2 or default */
	uint32_t ias_lg2;       /* input address bits; 0: from levels */
	uint32_t oas_lg2;       /* output address bits; 0: format maximum */
	uint32_t granule_lg2;   /* ARM granule 12/14/16; 0: 12 */
	uint64_t pgsize_bitmap; /* allowed page sizes; 0: all the format has */
	uint32_t flags;         /* IOMMUPT_CFG_* */
	/*
	 * AMD v1 with IOMMUPT_CFG_AMD_GROW: called after map added levels above
	 * the root (the old root is item 0 of the new one), before the new
	 * range is written, with the new root OA and level count (the DTE's
	 * Mode). The driver points the DTE at it. Concurrent growing maps may
	 * report out of order: the call with the most levels is current.
	 */
	void (*grow_fn)(void *grow_ctx, uint64_t root_oa, unsigned int levels);
	void *grow_ctx;
};

enum iommupt_cfg_flags {
	/* VT-d second stage: the unit supports 1G pages (CAP.SLLPS bit 1). */
	IOMMUPT_CFG_NO_1G = 1u << 0,
	/*
	 * AMD v1: start with cfg.levels (default 1) and add levels above the
	 * root when a map goes beyond what they reach, up to ias_lg2 (default
	 * 64, 6 levels). See grow_fn. Levels are never removed, also not when
	 * the map that added them fails later (its walk output is unchanged).
	 * Maps of disjoint ranges may grow concurrently (compare-and-swap of
	 * root and levels together; the loser frees its new tables).
	 */
	IOMMUPT_CFG_AMD_GROW = 1u << 1,
	/*
	 * ARM stage 2: concatenate up to 16 tables at the initial lookup level
	 * instead of adding a level (Arm ARM: concatenated tables for the initial stage 2 lookup).
	 */
	IOMMUPT_CFG_ARM_CONCAT = 1u << 2,
};

struct iommupt_domain;
struct iommupt_gather;

/*
 * Create a domain with an empty root table from the provider. The provider
 * struct is copied; its ctx must outlive the domain. Returns 0, -EINVAL for
 * a configuration the format cannot express, or -ENOMEM.
 */
IOMMUPT_API int iommupt_domain_create(const struct iommupt_domain_cfg *cfg,
				      const struct iommupt_mem *mem,
				      struct iommupt_domain **out);
/*
 * Open a read-only handle over an existing table whose root is at root_oa,
 * for walk, iova_to_phys, validate, stats and get_info (an image under
 * inspection, a table built elsewhere). cfg describes the table as for
 * create (IOMMUPT_CFG_AMD_GROW is refused: the level count is fixed).
 * Table contents are not trusted: walk skips pointers for which
 * mem->oa_to_cpu returns NULL, and validate reports them. The provider's
 * oa_to_cpu must return NULL for any OA whose whole table (up to the
 * largest table size of the format) is not readable; alloc_table and
 * free_table are used only for validate's scratch memory (up to 8 MiB),
 * never for table pages. Validate reports an alias when more than 2^20
 * tables are reachable. map, unmap and the dirty-tracking calls return
 * -EOPNOTSUPP; destroy frees the handle only, never a table page.
 * Returns 0; -EINVAL for a bad cfg or a root not aligned to its table
 * size; -ERANGE for a root beyond the output size or outside the
 * provider's memory; -EOPNOTSUPP for an unknown format; -ENOMEM.
 */
IOMMUPT_API int iommupt_domain_open_root(const struct iommupt_domain_cfg *cfg,
					 const struct iommupt_mem *mem,
					 uint64_t root_oa,
					 struct iommupt_domain **out);
/*
 * Free every table page and the domain. The caller must have detached it
 * from hardware and flushed. Accepts NULL.
 */
IOMMUPT_API void iommupt_domain_destroy(struct iommupt_domain *dom);

/*
 * Map [iova, iova + len) to [oa, oa + len) with the largest page sizes that
 * the alignment of iova and oa and the remaining length allow.
 * Returns 0; -EINVAL for zero or misaligned len/iova/oa or prot without
 * READ/WRITE; -ERANGE outside the aperture, non-canonical, or oa beyond the
 * output size; -EOVERFLOW when the range wraps; -EEXIST when any part is
 * mapped; -ENOMEM. On error nothing is mapped: the walk output is as
 * before. Table pages the failed call installed are freed when their whole
 * span lies inside [iova, iova + len); others stay as empty tables.
 * Formats that cannot deny reads (x86-64) map write-only as read/write.
 * gather may be NULL only for a domain no hardware walks.
 */
IOMMUPT_API int iommupt_domain_map(struct iommupt_domain *dom, uint64_t iova,
				   uint64_t oa, uint64_t len, uint32_t prot,
				   struct iommupt_gather *gather);

enum iommupt_unmap_flags {
	/*
	 * Split a large page or contiguous run that the range cuts: the part
	 * left mapped is re-expressed as the largest pages that do not cross
	 * the range ends (tables are allocated; on -ENOMEM nothing changes).
	 * The caller's lock must cover the whole cut page, not just the range.
	 */
	IOMMUPT_UNMAP_SPLIT = 1u << 0,
};

/*
 * Unmap every leaf inside [iova, iova + len); holes are allowed. Table
 * pages whose whole span lies inside the range are freed into the gather.
 * A large page that the range cuts makes the call fail with -EINVAL and
 * change nothing, unless flags has IOMMUPT_UNMAP_SPLIT. *unmapped (may be NULL) receives the bytes unmapped.
 * Returns 0 or the same range errors as map.
 */
IOMMUPT_API int iommupt_domain_unmap(struct iommupt_domain *dom,
				     uint64_t iova, uint64_t len,
				     uint32_t flags,
				     struct iommupt_gather *gather,
				     uint64_t *unmapped);

/*
 * Translate one IOVA. Returns 0 and the OA (and, if non-NULL, the prot and
 * the log2 size of the page holding it), -ENOENT when unmapped, -ERANGE
 * outside the aperture.
 */
IOMMUPT_API int iommupt_domain_iova_to_phys(struct iommupt_domain *dom,
					    uint64_t iova, uint64_t *oa,
					    uint32_t *prot,
					    unsigned int *size_lg2);

struct iommupt_leaf {
	uint64_t iova;         /* first byte (sign-extended where the layout is) */
	uint64_t oa;           /* first byte of output */
	unsigned int size_lg2; /* bytes of the whole (possibly contiguous) leaf */
	unsigned int level;    /* 0 is the leaf-most level */
	uint32_t prot;         /* IOMMUPT_READ | ... as the entry encodes them */
	uint64_t entry;        /* raw entry of the first item */
};

/* Return non-zero to stop the walk; walk then returns that value. */
typedef int (*iommupt_leaf_fn)(void *ctx, const struct iommupt_leaf *leaf);

/*
 * Visit every leaf whose range intersects [iova, iova + len) in IOVA order.
 * len 0 means the whole aperture. Returns 0, the callback's non-zero
 * value, or a range error.
 */
IOMMUPT_API int iommupt_domain_walk(struct iommupt_domain *dom, uint64_t iova,
				    uint64_t len, iommupt_leaf_fn fn,
				    void *ctx);

enum iommupt_finding_kind {
	IOMMUPT_BAD_RESERVED_BITS = 1, /* a bit the format reserves is set */
	IOMMUPT_BAD_TABLE_ALIGN,       /* table pointer not table-aligned */
	IOMMUPT_BAD_TABLE_MISSING,     /* pointer to memory the provider lacks */
	IOMMUPT_BAD_TABLE_ALIAS,       /* one table reached twice or a loop */
	IOMMUPT_BAD_LEAF_LEVEL,        /* leaf where this level cannot have one */
	IOMMUPT_BAD_LEAF_ALIGN,        /* leaf OA not aligned to its size */
	IOMMUPT_BAD_CONTIG,            /* broken contiguous/replicated run */
	IOMMUPT_BAD_OA_RANGE,          /* OA beyond the output size */
};

struct iommupt_finding {
	enum iommupt_finding_kind kind;
	unsigned int level;
	uint64_t iova;      /* first IOVA the item translates */
	uint64_t table_oa;  /* OA of the table holding the item */
	unsigned int index; /* item index in that table */
	uint64_t entry;     /* the item's raw value */
	const char *what;   /* short explanation with the spec section */
};

typedef void (*iommupt_finding_fn)(void *ctx,
				   const struct iommupt_finding *finding);

/*
 * Check the whole table: reserved bits, alignment, pointers the provider
 * does not know, loops and tables reached twice. Calls fn (may be NULL) for
 * each finding. Returns the number of findings, or -ENOMEM when scratch
 * memory for the alias check cannot be had.
 */
IOMMUPT_API int iommupt_domain_validate(struct iommupt_domain *dom,
					iommupt_finding_fn fn, void *ctx);

#define IOMMUPT_MAX_LEVELS 6

struct iommupt_stats {
	size_t sz;
	unsigned int levels;
	uint64_t table_pages[IOMMUPT_MAX_LEVELS]; /* table allocations per level */
	uint64_t table_bytes;
	uint64_t leaves[IOMMUPT_MAX_LEVELS];      /* leaf entries per level */
	uint64_t mapped_bytes;
};

/* Fill stats (caller sets stats->sz). Returns 0 or -EINVAL. */
IOMMUPT_API int iommupt_domain_stats(struct iommupt_domain *dom,
				     struct iommupt_stats *stats);

/* Facts the driver needs to point hardware at this domain. */
struct iommupt_domain_info {
	size_t sz;
	uint32_t format;
	uint32_t va_layout;
	unsigned int levels;
	unsigned int ias_lg2;
	unsigned int oas_lg2;
	unsigned int granule_lg2;
	uint64_t root_oa;       /* OA of the root (top) table */
	unsigned int root_size_lg2;
	uint64_t pgsize_bitmap; /* page sizes map may use */
};

/*
 * Fill info (caller sets info->sz). For an AMD v1 domain that grows,
 * levels/root_oa are those after the last map that returned: call it when
 * no map runs (grow_fn reports growth as it happens). Returns 0 or -EINVAL.
 */
IOMMUPT_API int iommupt_domain_get_info(struct iommupt_domain *dom,
					struct iommupt_domain_info *info);

#ifdef __cplusplus
}
#endif
#endif
