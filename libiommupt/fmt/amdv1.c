// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * AMD-Vi host (v1) I/O page tables: AMD I/O Virtualization Technology
 * (IOMMU) Specification (pub. 48882), section 2.2.3 "I/O Page Tables for
 * Host Translations", with the entry layouts of figures "I/O Page Table
 * Entry" (PDE/PTE) and the DTE Mode field (2.2.2, device table entry).
 *
 * Levels here -> spec names: level n here is the spec's level n + 1; the
 * DTE Mode is the number of levels (1..6). 6 levels span 64 input bits.
 * A PDE's NextLevel names the level (spec numbering) of the table it
 * points to; NextLevel 0 is a page of the level's natural size and
 * NextLevel 7 a page of any larger power of two up to 256 items, whose
 * size is encoded in the low address bits and which is replicated in
 * every item it covers (2.2.3, the page size encoding). The spec lets a PDE skip
 * levels; tables here never do, and validate reports such an entry.
 *
 * The top grows (IOMMUPT_CFG_AMD_GROW): a map beyond what the levels reach
 * adds tables above the root (pt-engine.h pt_grow) and tells the driver
 * the new root and Mode through cfg.grow_fn.
 */
#include "../pt-int.h"

#define AMDV1_PR (1ull << 0)      /* 2.2.3: Present */
#define AMDV1_A (1ull << 5)       /* 2.2.3: Accessed (HA) */
#define AMDV1_D (1ull << 6)       /* 2.2.3: Dirty, PTE only (HD) */
#define AMDV1_NL_SHIFT 9          /* 2.2.3: NextLevel, bits 11:9 */
#define AMDV1_NL_MASK (7ull << AMDV1_NL_SHIFT)
#define AMDV1_NL_SIZED 7ull       /* 2.2.3: page size in address bits */
#define AMDV1_ADDR 0x000ffffffffff000ull /* 2.2.3: address, bits 51:12 */
#define AMDV1_RSVD 0x07f0000000000000ull /* 2.2.3: bits 58:52 reserved */
#define AMDV1_U (1ull << 59)      /* 2.2.3: U, ATS answers uncached */
#define AMDV1_FC (1ull << 60)     /* 2.2.3: Force Coherent, PTE only */
#define AMDV1_IR (1ull << 61)     /* 2.2.3: read permission */
#define AMDV1_IW (1ull << 62)     /* 2.2.3: write permission */

/* 2.2.3: 512G pages are the one power of two the hardware lacks. */
#define AMDV1_NO_PAGE_LG2 39

static inline unsigned int fmt_item_shift(const struct iommupt_domain *d,
					  unsigned int lvl)
{
	return 12 + 9 * lvl;
}

/* Every table is 4K; at level 5 only 128 items are reachable (bits 63:57). */
static inline unsigned int fmt_items_lg2(const struct iommupt_domain *d,
					 unsigned int lvl)
{
	return 9;
}

static inline unsigned int amdv1_nl(uint64_t e)
{
	return (unsigned int)((e & AMDV1_NL_MASK) >> AMDV1_NL_SHIFT);
}

static inline bool fmt_present(const struct iommupt_domain *d,
			       unsigned int lvl, uint64_t e)
{
	return e & AMDV1_PR;
}

static inline bool fmt_is_table(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	unsigned int nl = amdv1_nl(e);

	return lvl > 0 && nl != 0 && nl != AMDV1_NL_SIZED;
}

static inline uint64_t fmt_table_oa(const struct iommupt_domain *d,
				    unsigned int lvl, uint64_t e)
{
	return e & AMDV1_ADDR;
}

/* IR/IW are ANDed along the walk (2.2.3), so tables grant both. */
static inline uint64_t fmt_make_table(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t oa)
{
	return oa | AMDV1_PR | ((uint64_t)lvl << AMDV1_NL_SHIFT) | AMDV1_IR |
	       AMDV1_IW;
}

/*
 * NextLevel 7: address bits 12 up to size_lg2 - 2 are ones and bit
 * size_lg2 - 1 is zero, so the first zero bit above bit 11 gives the size.
 */
static inline unsigned int fmt_leaf_size_lg2(const struct iommupt_domain *d,
					     unsigned int lvl, uint64_t e)
{
	if (amdv1_nl(e) != AMDV1_NL_SIZED)
		return fmt_item_shift(d, lvl);
	return 13 + pt_ffs64(~(e >> 12));
}

static inline uint64_t fmt_leaf_oa(const struct iommupt_domain *d,
				   unsigned int lvl, uint64_t e)
{
	unsigned int lg2 = fmt_leaf_size_lg2(d, lvl, e);

	return lg2 >= 64 ? 0 : (e & AMDV1_ADDR & ~((1ull << lg2) - 1));
}

static inline int fmt_prot_attrs(const struct iommupt_domain *d, uint32_t prot,
				 uint64_t *attrs)
{
	uint64_t a = AMDV1_PR;

	if (prot & IOMMUPT_READ)
		a |= AMDV1_IR;
	if (prot & IOMMUPT_WRITE)
		a |= AMDV1_IW;
	if (prot & IOMMUPT_CACHE)
		a |= AMDV1_FC;
	*attrs = a;
	return 0;
}

static inline uint64_t fmt_make_leaf(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t oa,
				     unsigned int size_lg2, uint64_t attrs)
{
	uint64_t size = 1ull << size_lg2;

	if (size_lg2 == fmt_item_shift(d, lvl))
		return oa | attrs;
	return (((oa | (size - 1)) & ~(size >> 1)) & AMDV1_ADDR) | attrs |
	       (AMDV1_NL_SIZED << AMDV1_NL_SHIFT);
}

/* A NextLevel 7 page is the same entry in every item it covers. */
static inline uint64_t fmt_leaf_step(const struct iommupt_domain *d,
				     unsigned int lvl, unsigned int size_lg2)
{
	return size_lg2 == fmt_item_shift(d, lvl) ? 1ull << size_lg2 : 0;
}

static inline uint32_t fmt_entry_prot(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	uint32_t prot = 0;

	if (e & AMDV1_IR)
		prot |= IOMMUPT_READ;
	if (e & AMDV1_IW)
		prot |= IOMMUPT_WRITE;
	if (e & AMDV1_FC)
		prot |= IOMMUPT_CACHE;
	return prot;
}

/* A split page's pieces keep its Accessed and Dirty state. */
static inline uint64_t fmt_leaf_keep(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t e)
{
	return e & (AMDV1_A | AMDV1_D);
}

static inline const char *fmt_check_entry(const struct iommupt_domain *d,
					  unsigned int lvl, uint64_t e,
					  enum iommupt_finding_kind *kind)
{
	uint64_t addr_hi = d->oas_lg2 < 52 ?
		(AMDV1_ADDR & ~((1ull << d->oas_lg2) - 1)) : 0;
	unsigned int nl = amdv1_nl(e), shift = fmt_item_shift(d, lvl), lg2;

	*kind = IOMMUPT_BAD_RESERVED_BITS;
	if (e & AMDV1_RSVD)
		return "2.2.3: reserved bits 58:52 set";
	if (nl != 0 && nl != AMDV1_NL_SIZED) {
		if (e & addr_hi)
			return "2.2.3: table address above the output size";
		if (nl != lvl) {
			*kind = IOMMUPT_BAD_LEAF_LEVEL;
			return "2.2.3: NextLevel is not the level below (skipped or upward)";
		}
		return NULL;
	}
	lg2 = fmt_leaf_size_lg2(d, lvl, e);
	if (nl == AMDV1_NL_SIZED && (lg2 <= shift || lg2 >= shift + 9)) {
		*kind = IOMMUPT_BAD_LEAF_LEVEL;
		return "2.2.3: NextLevel 7 size outside this level's range";
	}
	if (!(d->leaf_sizes[lvl] >> lg2 & 1)) {
		*kind = IOMMUPT_BAD_LEAF_LEVEL;
		return "2.2.3: page size this domain does not use at this level";
	}
	if (nl == 0 && (e & AMDV1_ADDR & ((1ull << shift) - 1)))
		return "2.2.3: low address bits of a large page set";
	if (e & addr_hi & ~((1ull << (lg2 - 1)) - 1))
		return "2.2.3: page address above the output size";
	return NULL;
}

static unsigned int amdv1_levels_for(unsigned int ias)
{
	return (ias - 12 + 8) / 9;
}

static int fmt_init(struct iommupt_domain *d,
		    const struct iommupt_domain_cfg *cfg)
{
	bool grow = cfg->flags & IOMMUPT_CFG_AMD_GROW;
	unsigned int levels = cfg->levels, max_levels, ias;

	if (cfg->va_layout > IOMMUPT_VA_LOWER ||
	    (cfg->granule_lg2 && cfg->granule_lg2 != 12) ||
	    (cfg->flags & ~(uint32_t)IOMMUPT_CFG_AMD_GROW) ||
	    (cfg->grow_fn && !grow) || levels > 6 ||
	    (cfg->ias_lg2 && (cfg->ias_lg2 < 21 || cfg->ias_lg2 > 64)))
		return -PT_EINVAL;
	if (cfg->oas_lg2 && (cfg->oas_lg2 < 32 || cfg->oas_lg2 > 52))
		return -PT_EINVAL;
	if (grow) {
		ias = cfg->ias_lg2 ? cfg->ias_lg2 : 64;
		max_levels = amdv1_levels_for(ias);
		if (!levels)
			levels = 1;
		if (levels > max_levels)
			return -PT_EINVAL;
	} else {
		if (!levels)
			levels = cfg->ias_lg2 ? amdv1_levels_for(cfg->ias_lg2) : 4;
		ias = cfg->ias_lg2 ? cfg->ias_lg2 : 12 + 9 * levels;
		if (ias > 64)
			ias = 64;
		if (amdv1_levels_for(ias) != levels)
			return -PT_EINVAL;
		max_levels = levels;
	}
	d->levels = levels;
	d->max_levels = max_levels;
	d->ias_lg2 = ias;
	d->oas_lg2 = cfg->oas_lg2 ? cfg->oas_lg2 : 52;
	d->va_layout = IOMMUPT_VA_LOWER;
	d->grow_fn = cfg->grow_fn;
	d->grow_ctx = cfg->grow_ctx;
	for (unsigned int l = 0; l < max_levels; l++) {
		unsigned int shift = fmt_item_shift(d, l);

		d->item_shift[l] = (uint8_t)shift;
		d->items_lg2[l] = 9;
		/* The natural size and NextLevel 7 sizes of 2..256 items. */
		for (unsigned int lg2 = shift; lg2 < shift + 9; lg2++)
			if (lg2 <= d->oas_lg2 && lg2 <= ias &&
			    lg2 != AMDV1_NO_PAGE_LG2)
				d->leaf_sizes[l] |= 1ull << lg2;
		if (cfg->pgsize_bitmap)
			d->leaf_sizes[l] &= cfg->pgsize_bitmap;
	}
	return 0;
}

/*
 * The item as validation compares it with the rest of its NextLevel 7
 * page: hardware sets A and D only in the item it walked (2.2.3), so the
 * items may differ in those bits alone.
 */
static inline uint64_t fmt_hw_normal(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t e)
{
	return e & ~(AMDV1_A | AMDV1_D);
}
#define PT_FMT_HW_NORMAL 1

#define PT_FMT_OPS pt_amdv1_ops
#define PT_FMT_NAME "amd-v1"
#define PT_FMT_GROWS 1
#define PT_FMT_LEAF_KEEP 1
#include "../pt-engine.h"

/*
 * Dirty state: D (bit 6) of a PTE, AMD IOMMU spec 2.2.3 (I/O page table
 * entry) and 2.2.7.x (hardware update of the Dirty bit): the IOMMU sets it
 * on a write through a leaf with IW when the DTE enables hardware dirty
 * updates (HAD). A NextLevel 7 page is replicated in every item it covers
 * and hardware sets D only in the item it walked; the harvester reads
 * every item of the page and reports the whole page.
 */
static inline bool fmt_dirty(const struct iommupt_domain *d, unsigned int lvl,
			     uint64_t e)
{
	return e & AMDV1_D;
}

static inline uint64_t fmt_make_clean(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e & ~AMDV1_D;
}

/* A write is also an access: hardware leaves A and D set (2.2.3). */
static inline uint64_t fmt_make_dirty(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e | AMDV1_A | AMDV1_D;
}

/* With A and D set hardware has nothing left to set in a leaf (2.2.3). */
static inline bool fmt_hw_settled(const struct iommupt_domain *d,
				  unsigned int lvl, uint64_t e)
{
	return (e & (AMDV1_A | AMDV1_D)) == (AMDV1_A | AMDV1_D);
}
#define PT_FMT_HW_SETTLED 1
#define PT_FMT_DIRTY_MONOTONE 1

/* Only a write that IW allows sets D (2.2.3). */
static inline bool fmt_writable(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return e & AMDV1_IW;
}

#define PT_FMT_DIRTY_OPS pt_amdv1_dirty_ops
#include "../pt-dirty.h"
