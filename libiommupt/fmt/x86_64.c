// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * x86-64 4- and 5-level paging as used by VT-d first-stage translation and
 * AMD-Vi guest (v2) tables: Intel SDM vol. 3A section 4.5 "4-Level Paging
 * and 5-Level Paging" (tables 4-15 to 4-20), VT-d spec section 9.7
 * "First-Stage Paging Entries", AMD IOMMU spec section 2.2.6 "Guest
 * Translation" which defers to the AMD64 APM vol. 2 section 5.3.
 *
 * Levels here -> SDM names: 0 PTE, 1 PDE, 2 PDPTE, 3 PML4E, 4 PML5E.
 * Input addresses are sign-extended from bit 47 (4 levels) or 56 (5).
 */
#include "../pt-int.h"

#define X86_P (1ull << 0)   /* Present */
#define X86_RW (1ull << 1)  /* Read/write */
#define X86_US (1ull << 2)  /* User/supervisor */
#define X86_A (1ull << 5)   /* Accessed */
#define X86_D (1ull << 6)   /* Dirty, leaves only */
#define X86_PS (1ull << 7)  /* Page size, PDE/PDPTE only */
#define X86_PAT_LARGE (1ull << 12) /* PAT bit of a 2M/1G leaf */
#define X86_XD (1ull << 63) /* Execute disable */
#define X86_ADDR 0x000ffffffffff000ull /* bits 51:12 (MAXPHYADDR 52) */

static inline unsigned int fmt_item_shift(const struct iommupt_domain *d,
					  unsigned int lvl)
{
	return 12 + 9 * lvl;
}

static inline unsigned int fmt_items_lg2(const struct iommupt_domain *d,
					 unsigned int lvl)
{
	return 9;
}

static inline bool fmt_present(const struct iommupt_domain *d,
			       unsigned int lvl, uint64_t e)
{
	return e & X86_P;
}

static inline bool fmt_is_table(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return lvl > 0 && !(e & X86_PS);
}

static inline uint64_t fmt_table_oa(const struct iommupt_domain *d,
				    unsigned int lvl, uint64_t e)
{
	return e & X86_ADDR;
}

/*
 * R/W and U/S are ANDed along the walk (SDM 4.6), so tables grant all and
 * leaves decide. A is preset so the walker has nothing to write back.
 */
static inline uint64_t fmt_make_table(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t oa)
{
	return oa | X86_P | X86_RW | X86_US | X86_A;
}

static inline unsigned int fmt_leaf_size_lg2(const struct iommupt_domain *d,
					     unsigned int lvl, uint64_t e)
{
	return fmt_item_shift(d, lvl);
}

static inline uint64_t fmt_leaf_oa(const struct iommupt_domain *d,
				   unsigned int lvl, uint64_t e)
{
	return e & X86_ADDR & ~((1ull << fmt_item_shift(d, lvl)) - 1);
}

/* x86 cannot deny reads of a present page: write-only maps read/write. */
static inline int fmt_prot_attrs(const struct iommupt_domain *d, uint32_t prot,
				 uint64_t *attrs)
{
	uint64_t a = X86_P | X86_A;

	if (prot & IOMMUPT_WRITE)
		a |= X86_RW;
	if (!(prot & IOMMUPT_PRIV))
		a |= X86_US;
	if (prot & IOMMUPT_NOEXEC)
		a |= X86_XD;
	*attrs = a;
	return 0;
}

static inline uint64_t fmt_make_leaf(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t oa,
				     unsigned int size_lg2, uint64_t attrs)
{
	return oa | attrs | (lvl ? X86_PS : 0);
}

static inline uint64_t fmt_leaf_step(const struct iommupt_domain *d,
				     unsigned int lvl, unsigned int size_lg2)
{
	return 1ull << fmt_item_shift(d, lvl);
}

static inline uint32_t fmt_entry_prot(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	uint32_t prot = IOMMUPT_READ;

	if (e & X86_RW)
		prot |= IOMMUPT_WRITE;
	if (!(e & X86_US))
		prot |= IOMMUPT_PRIV;
	if (e & X86_XD)
		prot |= IOMMUPT_NOEXEC;
	return prot;
}

static inline const char *fmt_check_entry(const struct iommupt_domain *d,
					  unsigned int lvl, uint64_t e,
					  enum iommupt_finding_kind *kind)
{
	uint64_t addr_hi = d->oas_lg2 < 52 ?
		(X86_ADDR & ~((1ull << d->oas_lg2) - 1)) : 0;
	uint64_t low;

	*kind = IOMMUPT_BAD_RESERVED_BITS;
	if (e & addr_hi)
		return "SDM 4.5 (tables 4-15..4-20): address bits above MAXPHYADDR set";
	if (lvl >= 3 && (e & X86_PS))
		return "SDM 4.5 (tables 4-15, 4-16): PS is reserved in PML5E/PML4E";
	if (lvl == 0 || !(e & X86_PS))
		return NULL;
	if (!(d->leaf_sizes[lvl] >> fmt_item_shift(d, lvl) & 1)) {
		*kind = IOMMUPT_BAD_LEAF_LEVEL;
		return "SDM 4.5: PS set where this domain has no such page size";
	}
	/* Bits 12 (PAT) up to the page size are reserved in a large leaf. */
	low = X86_ADDR & ~X86_PAT_LARGE & ((1ull << fmt_item_shift(d, lvl)) - 1);
	if (e & low)
		return "SDM 4.5 (tables 4-17, 4-18): reserved low address bits of a large page set";
	return NULL;
}

static int fmt_init(struct iommupt_domain *d,
		    const struct iommupt_domain_cfg *cfg)
{
	unsigned int levels = cfg->levels;

	if (cfg->granule_lg2 || (cfg->flags & ~(uint32_t)IOMMUPT_CFG_NO_1G) ||
	    cfg->va_layout > IOMMUPT_VA_UPPER)
		return -PT_EINVAL;
	/* ias may name the whole space (48/57) or one half (47/56). */
	if (!levels && cfg->ias_lg2)
		levels = (cfg->ias_lg2 + 1 - 12) / 9;
	if (!levels)
		levels = 4;
	if (levels < 4 || levels > 5 ||
	    (cfg->ias_lg2 && cfg->ias_lg2 != 12 + 9 * levels &&
	     cfg->ias_lg2 != 11 + 9 * levels))
		return -PT_EINVAL;
	if (cfg->oas_lg2 && (cfg->oas_lg2 < 32 || cfg->oas_lg2 > 52))
		return -PT_EINVAL;
	d->levels = levels;
	d->oas_lg2 = cfg->oas_lg2 ? cfg->oas_lg2 : 52;
	/* The x86-64 default is both canonical halves. */
	d->va_layout = cfg->va_layout ? cfg->va_layout : IOMMUPT_VA_SIGNEXT;
	/*
	 * Addresses must be canonical (SDM 3.3.7.1): one half alone spans
	 * one bit less than the tables index, or a map at 2^47 would be one
	 * the hardware faults.
	 */
	d->ias_lg2 = 12 + 9 * levels -
		     (d->va_layout == IOMMUPT_VA_SIGNEXT ? 0 : 1);
	for (unsigned int l = 0; l < levels; l++) {
		d->item_shift[l] = (uint8_t)fmt_item_shift(d, l);
		d->items_lg2[l] = 9;
		if (l <= 2 && !(l == 2 && (cfg->flags & IOMMUPT_CFG_NO_1G)))
			d->leaf_sizes[l] = 1ull << fmt_item_shift(d, l);
		if (cfg->pgsize_bitmap)
			d->leaf_sizes[l] &= cfg->pgsize_bitmap;
	}
	return 0;
}

/* A split page's pieces keep its Accessed and Dirty state (SDM 4.8). */
static inline uint64_t fmt_leaf_keep(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t e)
{
	return e & (X86_A | X86_D);
}

#define PT_FMT_LEAF_KEEP 1
#define PT_FMT_OPS pt_x86_64_ops
#define PT_FMT_NAME "x86-64"
#include "../pt-engine.h"

/* Dirty state: the D bit of a leaf (SDM 4.8: set by the walker on a write to a writable page). */
static inline bool fmt_dirty(const struct iommupt_domain *d, unsigned int lvl,
			     uint64_t e)
{
	return e & X86_D;
}

static inline uint64_t fmt_make_clean(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e & ~X86_D;
}

static inline uint64_t fmt_make_dirty(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e | X86_D;
}

static inline bool fmt_writable(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return e & X86_RW;
}

/* A (set by map) and D set: the walker writes the leaf no more (SDM 4.8). */
static inline bool fmt_hw_settled(const struct iommupt_domain *d,
				  unsigned int lvl, uint64_t e)
{
	return (e & (X86_A | X86_D)) == (X86_A | X86_D);
}
#define PT_FMT_HW_SETTLED 1
#define PT_FMT_DIRTY_MONOTONE 1

#define PT_FMT_DIRTY_OPS pt_x86_64_dirty_ops
#include "../pt-dirty.h"
