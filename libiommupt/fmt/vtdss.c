// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Intel VT-d second-stage paging: Intel Virtualization Technology for
 * Directed I/O Architecture Specification (rev 4.x), section 3.7
 * "Second-Stage Translation" and section 9.8 "Second-Stage Paging Entries".
 *
 * Levels here -> spec names: 0 SS-PTE, 1 SS-PDE, 2 SS-PDPE, 3 SS-PML4E,
 * 4 SS-PML5E. 3, 4 or 5 levels give 39, 48 or 57 input bits (AGAW).
 * There is no present bit: an entry with R = W = 0 does not translate, so
 * every entry the library writes has R or W and "non-zero" means present.
 */
#include "../pt-int.h"

#define VTDSS_R (1ull << 0)   /* 9.8: Read */
#define VTDSS_W (1ull << 1)   /* 9.8: Write */
#define VTDSS_PS (1ull << 7)  /* 9.8: Page Size, SS-PDE/SS-PDPE only */
#define VTDSS_A (1ull << 8)   /* 9.8: Accessed (SLADE) */
#define VTDSS_D (1ull << 9)   /* 9.8: Dirty, leaves only (SLADE) */
#define VTDSS_SNP (1ull << 11) /* 9.8: Snoop, leaves only */
#define VTDSS_ADDR 0x000ffffffffff000ull /* 9.8: ADDR, bits 51:12 */

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
	return e != 0;
}

static inline bool fmt_is_table(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return lvl > 0 && !(e & VTDSS_PS);
}

static inline uint64_t fmt_table_oa(const struct iommupt_domain *d,
				    unsigned int lvl, uint64_t e)
{
	return e & VTDSS_ADDR;
}

/* Non-leaf R/W gate the whole subtree (3.7.1), so tables grant both. */
static inline uint64_t fmt_make_table(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t oa)
{
	return oa | VTDSS_R | VTDSS_W;
}

static inline unsigned int fmt_leaf_size_lg2(const struct iommupt_domain *d,
					     unsigned int lvl, uint64_t e)
{
	return fmt_item_shift(d, lvl);
}

static inline uint64_t fmt_leaf_oa(const struct iommupt_domain *d,
				   unsigned int lvl, uint64_t e)
{
	return e & VTDSS_ADDR & ~((1ull << fmt_item_shift(d, lvl)) - 1);
}

static inline int fmt_prot_attrs(const struct iommupt_domain *d, uint32_t prot,
				 uint64_t *attrs)
{
	uint64_t a = 0;

	if (prot & IOMMUPT_READ)
		a |= VTDSS_R;
	if (prot & IOMMUPT_WRITE)
		a |= VTDSS_W;
	if (prot & IOMMUPT_CACHE)
		a |= VTDSS_SNP;
	*attrs = a;
	return 0;
}

static inline uint64_t fmt_make_leaf(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t oa,
				     unsigned int size_lg2, uint64_t attrs)
{
	return oa | attrs | (lvl ? VTDSS_PS : 0);
}

static inline uint64_t fmt_leaf_step(const struct iommupt_domain *d,
				     unsigned int lvl, unsigned int size_lg2)
{
	return 1ull << fmt_item_shift(d, lvl);
}

static inline uint32_t fmt_entry_prot(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	uint32_t prot = 0;

	if (e & VTDSS_R)
		prot |= IOMMUPT_READ;
	if (e & VTDSS_W)
		prot |= IOMMUPT_WRITE;
	if (e & VTDSS_SNP)
		prot |= IOMMUPT_CACHE;
	return prot;
}

static inline const char *fmt_check_entry(const struct iommupt_domain *d,
					  unsigned int lvl, uint64_t e,
					  enum iommupt_finding_kind *kind)
{
	uint64_t addr_hi = d->oas_lg2 < 52 ?
		(VTDSS_ADDR & ~((1ull << d->oas_lg2) - 1)) : 0;

	*kind = IOMMUPT_BAD_RESERVED_BITS;
	if (!(e & (VTDSS_R | VTDSS_W)))
		return "9.8: non-zero entry with R=W=0 (not present, not clear)";
	if (e & addr_hi)
		return "9.8: address bits above the host address width set";
	if (lvl >= 3 && (e & VTDSS_PS))
		return "9.8: PS is reserved in SS-PML4E/SS-PML5E";
	if (lvl == 0 || !(e & VTDSS_PS))
		return NULL;
	if (!(d->leaf_sizes[lvl] >> fmt_item_shift(d, lvl) & 1)) {
		*kind = IOMMUPT_BAD_LEAF_LEVEL;
		return "9.8: PS set where the unit has no such page size (CAP.SLLPS)";
	}
	if (e & VTDSS_ADDR & ((1ull << fmt_item_shift(d, lvl)) - 1))
		return "9.8: reserved low address bits of a large page set";
	return NULL;
}

static int fmt_init(struct iommupt_domain *d,
		    const struct iommupt_domain_cfg *cfg)
{
	unsigned int levels = cfg->levels;

	if (cfg->va_layout > IOMMUPT_VA_LOWER || cfg->granule_lg2 ||
	    (cfg->flags & ~(uint32_t)IOMMUPT_CFG_NO_1G))
		return -PT_EINVAL;
	if (!levels && cfg->ias_lg2)
		levels = (cfg->ias_lg2 - 12) / 9;
	if (!levels)
		levels = 4;
	if (levels < 3 || levels > 5 ||
	    (cfg->ias_lg2 && cfg->ias_lg2 != 12 + 9 * levels))
		return -PT_EINVAL;
	if (cfg->oas_lg2 && (cfg->oas_lg2 < 32 || cfg->oas_lg2 > 52))
		return -PT_EINVAL;
	d->levels = levels;
	d->ias_lg2 = 12 + 9 * levels;
	d->oas_lg2 = cfg->oas_lg2 ? cfg->oas_lg2 : 52;
	d->va_layout = IOMMUPT_VA_LOWER;
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

/* A split page's pieces keep its Accessed and Dirty state (9.8). */
static inline uint64_t fmt_leaf_keep(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t e)
{
	return e & (VTDSS_A | VTDSS_D);
}

#define PT_FMT_LEAF_KEEP 1
#define PT_FMT_OPS pt_vtdss_ops
#define PT_FMT_NAME "vtd-ss"
#include "../pt-engine.h"

/* Dirty state: the D bit of a leaf (VT-d spec 9.8: set by hardware when SLADE is on in the context or PASID entry). */
static inline bool fmt_dirty(const struct iommupt_domain *d, unsigned int lvl,
			     uint64_t e)
{
	return e & VTDSS_D;
}

static inline uint64_t fmt_make_clean(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e & ~VTDSS_D;
}

/* A write is also an access: hardware leaves A and D set (9.8). */
static inline uint64_t fmt_make_dirty(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return e | VTDSS_A | VTDSS_D;
}

/* With A and D set hardware has nothing left to set in a leaf (9.8). */
static inline bool fmt_hw_settled(const struct iommupt_domain *d,
				  unsigned int lvl, uint64_t e)
{
	return (e & (VTDSS_A | VTDSS_D)) == (VTDSS_A | VTDSS_D);
}
#define PT_FMT_HW_SETTLED 1
#define PT_FMT_DIRTY_MONOTONE 1

static inline bool fmt_writable(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return e & VTDSS_W;
}

#define PT_FMT_DIRTY_OPS pt_vtdss_dirty_ops
#include "../pt-dirty.h"
