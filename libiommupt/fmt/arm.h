/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * ARM VMSAv8-64 translation tables (long-descriptor format) as an SMMUv3
 * walks them: Arm Architecture Reference Manual for A-profile (DDI 0487),
 * chapter D8 "The AArch64 Virtual Memory System Architecture" (the
 * section numbers move between revisions; cited here by title): "VMSAv8-64
 * translation table format descriptors" [desc], "The Contiguous bit"
 * [contig], "Concatenated translation tables for the initial stage 2
 * lookup" [concat], the stage 1 and stage 2 data access permissions and
 * memory attributes [attr], "Hardware management of the dirty state"
 * (FEAT_HAFDBS, the DBM bit) [dirty]; SMMUv3 spec (IHI 0070) CD and STE
 * fields that point at these tables, and its HTTU rules (SMMU_IDR0.HTTU;
 * CD.HA/CD.HD for stage 1, STE.S2HA/STE.S2HD for stage 2) [httu].
 *
 * Dirty state [dirty], [httu]: with hardware dirty management on (CD.HD,
 * STE.S2HD), a leaf with DBM = 1 and write permission removed is
 * "writable-clean": a write does not fault, the SMMU grants the
 * permission atomically instead (stage 1 clears AP[2], stage 2 sets
 * S2AP[1]), and the leaf is then writable-dirty. So here:
 *   dirty        write permission present (DBM or not: a leaf mapped
 *                writable before tracking began may have been written);
 *   make_clean   remove write permission and set DBM (re-arm);
 *   make_dirty   grant write permission, only where DBM is set;
 *   writable     DBM set or write permission present.
 * While tracking is on, writable leaves are mapped writable-clean
 * (fmt_prot_attrs reads d->dirty_enabled) and every writable leaf is
 * converted by the enable sweep; turning it off gives them back write
 * permission (fmt_make_untracked). fmt_entry_prot reports a
 * writable-clean leaf as IOMMUPT_WRITE: the device may write through it.
 * The items of a contiguous run may differ in write permission while
 * hardware updates them one at a time ([contig] allows this for the
 * permission bits that DBM manages); each item is read on its own.
 *
 * Shared by arm-s1.c and arm-s2.c, which define ARM_STAGE2 (0 or 1) and
 * then include this file and pt-engine.h.
 *
 * Levels here -> Arm names: level n here is Arm lookup level 3 - n. The
 * granule is 4K, 16K or 64K; a table has granule / 8 items, except the
 * initial-level one, which has fewer (small input size) or, for stage 2
 * with IOMMUPT_CFG_ARM_CONCAT, up to 16 tables' worth [concat].
 */
#ifndef IOMMUPT_FMT_ARM_H
#define IOMMUPT_FMT_ARM_H

#include "../pt-int.h"

#ifndef ARM_STAGE2
#error "define ARM_STAGE2 before including arm.h"
#endif

/* [desc]: bits[1:0] 0b11 table (levels 0-2) or page (level 3), 0b01 block. */
#define ARM_VALID (1ull << 0)
#define ARM_TYPE_TABLE (1ull << 1)
#define ARM_TYPE_MASK 3ull
#define ARM_ADDR_47 0x0000fffffffff000ull /* [desc]: OA bits 47:12 */
#define ARM_ADDR_51_48 0x000000000000f000ull /* [desc]: OA[51:48], 64K + 52-bit */
#define ARM_RES0_50_48 0x0007000000000000ull
/* [desc], [attr]: lower attributes of blocks and pages. */
#define ARM_S1_ATTRIDX_SHIFT 2  /* AttrIndx[2:0], bits 4:2 (MAIR index) */
#define ARM_S1_AP_UNPRIV (1ull << 6) /* AP[1]: EL0 (unprivileged) access */
#define ARM_S1_AP_RDONLY (1ull << 7) /* AP[2]: read-only */
#define ARM_S2_MEMATTR_SHIFT 2  /* MemAttr[3:0], bits 5:2 */
#define ARM_S2AP_R (1ull << 6)  /* S2AP[0]: read */
#define ARM_S2AP_W (1ull << 7)  /* S2AP[1]: write */
#define ARM_SH_OS (2ull << 8)   /* SH[1:0], bits 9:8: outer shareable */
#define ARM_SH_IS (3ull << 8)   /* inner shareable */
#define ARM_AF (1ull << 10)     /* Access flag */
#define ARM_S1_NG (1ull << 11)  /* not global: tagged with the ASID */
/* Upper attributes. */
#define ARM_DBM (1ull << 51)    /* [dirty]: Dirty Bit Modifier */
#define ARM_CONT (1ull << 52)   /* [contig]: Contiguous */
#define ARM_S1_PXN (1ull << 53)
#define ARM_S1_UXN (1ull << 54)
#define ARM_S2_XN (1ull << 54)  /* XN[1]: no execution at any level */

/* MAIR indexes the driver programs (the Linux SMMU driver's layout). */
#define ARM_MAIR_NC 0
#define ARM_MAIR_WBRWA 1
#define ARM_MAIR_DEVICE 2
/* [attr] stage 2 MemAttr (FWB = 0): Normal WB, Normal NC, Device-nGnRE. */
#define ARM_S2_MEMATTR_WB 0xfull
#define ARM_S2_MEMATTR_NC 0x5ull
#define ARM_S2_MEMATTR_DEV 0x1ull

static inline unsigned int fmt_item_shift(const struct iommupt_domain *d,
					  unsigned int lvl)
{
	return d->item_shift[lvl];
}

static inline unsigned int fmt_items_lg2(const struct iommupt_domain *d,
					 unsigned int lvl)
{
	return d->items_lg2[lvl];
}

static inline bool arm_lpa52(const struct iommupt_domain *d)
{
	return d->granule_lg2 == 16 && d->oas_lg2 > 48;
}

/* OA -> descriptor address bits ([desc]: 52-bit OAs keep 51:48 in 15:12). */
static inline uint64_t arm_enc_oa(const struct iommupt_domain *d, uint64_t oa)
{
	uint64_t e = oa & ARM_ADDR_47;

	if (arm_lpa52(d))
		e |= (oa >> 48 & 0xf) << 12;
	return e;
}

static inline uint64_t arm_dec_oa(const struct iommupt_domain *d, uint64_t e)
{
	uint64_t oa = e & ARM_ADDR_47 & ~((1ull << d->granule_lg2) - 1);

	if (arm_lpa52(d))
		oa |= (e & ARM_ADDR_51_48) << 36;
	return oa;
}

static inline bool fmt_present(const struct iommupt_domain *d,
			       unsigned int lvl, uint64_t e)
{
	return e & ARM_VALID;
}

static inline bool fmt_is_table(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return lvl > 0 && (e & ARM_TYPE_TABLE);
}

static inline uint64_t fmt_table_oa(const struct iommupt_domain *d,
				    unsigned int lvl, uint64_t e)
{
	return arm_dec_oa(d, e);
}

/* No APTable/XNTable restrictions: leaves decide ([attr], hierarchical permissions). */
static inline uint64_t fmt_make_table(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t oa)
{
	return arm_enc_oa(d, oa) | ARM_VALID | ARM_TYPE_TABLE;
}

static inline unsigned int fmt_leaf_size_lg2(const struct iommupt_domain *d,
					     unsigned int lvl, uint64_t e)
{
	return d->item_shift[lvl] + ((e & ARM_CONT) ? d->contig_lg2[lvl] : 0);
}

static inline uint64_t fmt_leaf_oa(const struct iommupt_domain *d,
				   unsigned int lvl, uint64_t e)
{
	return arm_dec_oa(d, e) & ~((1ull << fmt_leaf_size_lg2(d, lvl, e)) - 1);
}

/* [attr], [dirty]: whether a leaf grants write permission now. */
static inline bool arm_has_write(uint64_t e)
{
#if ARM_STAGE2
	return e & ARM_S2AP_W;
#else
	return !(e & ARM_S1_AP_RDONLY);
#endif
}

static inline uint64_t arm_grant_write(uint64_t e)
{
#if ARM_STAGE2
	return e | ARM_S2AP_W;
#else
	return e & ~ARM_S1_AP_RDONLY;
#endif
}

static inline uint64_t arm_revoke_write(uint64_t e)
{
#if ARM_STAGE2
	return e & ~ARM_S2AP_W;
#else
	return e | ARM_S1_AP_RDONLY;
#endif
}

/*
 * The item as validation compares it with the rest of its contiguous run:
 * with DBM set, hardware grants write in the one item it walked ([contig],
 * [dirty]), so such items may differ in write permission alone.
 */
static inline uint64_t fmt_hw_normal(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t e)
{
	return (e & ARM_DBM) ? arm_revoke_write(e) : e;
}
#define PT_FMT_HW_NORMAL 1

static inline int fmt_prot_attrs(const struct iommupt_domain *d, uint32_t prot,
				 uint64_t *attrs)
{
	uint64_t a = ARM_AF | ((prot & IOMMUPT_CACHE) ? ARM_SH_IS : ARM_SH_OS);

#if ARM_STAGE2
	uint64_t mem = ARM_S2_MEMATTR_NC;

	if (prot & IOMMUPT_READ)
		a |= ARM_S2AP_R;
	/* [dirty]: while tracking, writable leaves start writable-clean. */
	if ((prot & IOMMUPT_WRITE) && d->dirty_enabled)
		a |= ARM_DBM;
	else if (prot & IOMMUPT_WRITE)
		a |= ARM_S2AP_W;
	if (prot & IOMMUPT_NOEXEC)
		a |= ARM_S2_XN;
	if (prot & IOMMUPT_MMIO)
		mem = ARM_S2_MEMATTR_DEV;
	else if (prot & IOMMUPT_CACHE)
		mem = ARM_S2_MEMATTR_WB;
	a |= mem << ARM_S2_MEMATTR_SHIFT;
#else
	uint64_t idx = ARM_MAIR_NC;

	/* Stage 1 cannot deny reads ([attr]): write-only maps read/write. */
	a |= ARM_S1_NG;
	if (!(prot & IOMMUPT_WRITE))
		a |= ARM_S1_AP_RDONLY;
	else if (d->dirty_enabled) /* [dirty]: writable-clean */
		a |= ARM_S1_AP_RDONLY | ARM_DBM;
	if (!(prot & IOMMUPT_PRIV))
		a |= ARM_S1_AP_UNPRIV;
	if (prot & IOMMUPT_NOEXEC)
		a |= ARM_S1_UXN | ARM_S1_PXN;
	if (prot & IOMMUPT_MMIO)
		idx = ARM_MAIR_DEVICE;
	else if (prot & IOMMUPT_CACHE)
		idx = ARM_MAIR_WBRWA;
	a |= idx << ARM_S1_ATTRIDX_SHIFT;
#endif
	*attrs = a;
	return 0;
}

static inline uint64_t fmt_make_leaf(const struct iommupt_domain *d,
				     unsigned int lvl, uint64_t oa,
				     unsigned int size_lg2, uint64_t attrs)
{
	uint64_t e = arm_enc_oa(d, oa) | attrs | ARM_VALID;

	if (lvl == 0)
		e |= ARM_TYPE_TABLE; /* 0b11 is a page at level 3 */
	if (size_lg2 > d->item_shift[lvl])
		e |= ARM_CONT;
	return e;
}

/* Each item of a contiguous run maps its own part of the output. */
static inline uint64_t fmt_leaf_step(const struct iommupt_domain *d,
				     unsigned int lvl, unsigned int size_lg2)
{
	return 1ull << d->item_shift[lvl];
}

static inline uint32_t fmt_entry_prot(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	uint32_t prot = 0;

#if ARM_STAGE2
	uint64_t mem = e >> ARM_S2_MEMATTR_SHIFT & 0xf;

	if (e & ARM_S2AP_R)
		prot |= IOMMUPT_READ;
	if (arm_has_write(e) || (e & ARM_DBM)) /* writable-clean writes too */
		prot |= IOMMUPT_WRITE;
	if (e & ARM_S2_XN)
		prot |= IOMMUPT_NOEXEC;
	if (mem == ARM_S2_MEMATTR_WB)
		prot |= IOMMUPT_CACHE;
	else if (mem == ARM_S2_MEMATTR_DEV)
		prot |= IOMMUPT_MMIO;
#else
	uint64_t idx = e >> ARM_S1_ATTRIDX_SHIFT & 7;

	prot |= IOMMUPT_READ;
	if (arm_has_write(e) || (e & ARM_DBM)) /* writable-clean writes too */
		prot |= IOMMUPT_WRITE;
	if (!(e & ARM_S1_AP_UNPRIV))
		prot |= IOMMUPT_PRIV;
	if (e & ARM_S1_UXN)
		prot |= IOMMUPT_NOEXEC;
	if (idx == ARM_MAIR_WBRWA)
		prot |= IOMMUPT_CACHE;
	else if (idx == ARM_MAIR_DEVICE)
		prot |= IOMMUPT_MMIO;
#endif
	return prot;
}

static inline const char *fmt_check_entry(const struct iommupt_domain *d,
					  unsigned int lvl, uint64_t e,
					  enum iommupt_finding_kind *kind)
{
	uint64_t oa = arm_dec_oa(d, e);
	unsigned int shift = d->item_shift[lvl];
	unsigned int lg2;

	*kind = IOMMUPT_BAD_RESERVED_BITS;
	if (!arm_lpa52(d) && (e & ARM_RES0_50_48))
		return "Arm ARM descriptor formats: RES0 address bits 50:48 set";
	if (d->oas_lg2 < 52 && (oa >> d->oas_lg2))
		return "Arm ARM descriptor formats: address above the output size";
	if (!arm_lpa52(d) && (e & ((1ull << d->granule_lg2) - 1) & ARM_ADDR_47))
		return "Arm ARM descriptor formats: RES0 address bits below the granule set";
	if (fmt_is_table(d, lvl, e))
		return NULL;
	if (lvl == 0 && !(e & ARM_TYPE_TABLE))
		return "Arm ARM descriptor formats: block descriptor at lookup level 3 (reserved)";
	lg2 = fmt_leaf_size_lg2(d, lvl, e);
	if (!(d->leaf_sizes[lvl] >> lg2 & 1)) {
		*kind = IOMMUPT_BAD_LEAF_LEVEL;
		return (e & ARM_CONT) ?
			"Arm ARM Contiguous bit: set where this domain has no such run" :
			"Arm ARM descriptor formats: block at a level without blocks for this granule";
	}
	if (oa & ((1ull << shift) - 1))
		return "Arm ARM descriptor formats: RES0 low output address bits of a block set";
	return NULL;
}

/*
 * Splitting: fmt_prot_attrs rebuilds the pieces writable-clean while
 * tracking; a piece of a dirty leaf keeps its write permission, so it
 * stays dirty ([dirty]).
 */
static inline uint64_t fmt_leaf_inherit(const struct iommupt_domain *d,
					unsigned int lvl, uint64_t e,
					uint64_t attrs)
{
	if ((attrs & ARM_DBM) && arm_has_write(e))
		return arm_grant_write(attrs);
	return attrs;
}
#define PT_FMT_LEAF_INHERIT 1

/* Dirty accessors for pt-dirty.h (see the top of this file). */
static inline bool fmt_dirty(const struct iommupt_domain *d, unsigned int lvl,
			     uint64_t e)
{
#if ARM_STAGE2
	return (e & (ARM_VALID | ARM_S2AP_W)) == (ARM_VALID | ARM_S2AP_W);
#else
	return (e & (ARM_VALID | ARM_S1_AP_RDONLY)) == ARM_VALID;
#endif
}

static inline uint64_t fmt_make_clean(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return arm_revoke_write(e) | ARM_DBM;
}

static inline uint64_t fmt_make_dirty(const struct iommupt_domain *d,
				      unsigned int lvl, uint64_t e)
{
	return (e & ARM_DBM) ? arm_grant_write(e) : e;
}

static inline bool fmt_writable(const struct iommupt_domain *d,
				unsigned int lvl, uint64_t e)
{
	return (e & ARM_DBM) || arm_has_write(e);
}

/*
 * A dirty leaf (write permission present) whose access flag is set (map
 * sets it) leaves hardware nothing to update [dirty], [httu].
 */
static inline bool fmt_hw_settled(const struct iommupt_domain *d,
				  unsigned int lvl, uint64_t e)
{
	return e & ARM_AF;
}
#define PT_FMT_HW_SETTLED 1
#if ARM_STAGE2
/* Stage 2 dirty state is two set bits (valid, S2AP[1]): OR-monotone. */
#define PT_FMT_DIRTY_MONOTONE 1
#else
/* Stage 1: items whose AND has AP[2] set are all read-only, none dirty. */
static inline bool fmt_all_clean(const struct iommupt_domain *d,
				 unsigned int lvl, uint64_t all)
{
	return all & ARM_S1_AP_RDONLY;
}
#define PT_FMT_ALL_CLEAN 1
#endif

/* Tracking off: writable-clean becomes plain writable, as a map makes it. */
static inline uint64_t fmt_make_untracked(const struct iommupt_domain *d,
					  unsigned int lvl, uint64_t e)
{
	return (e & ARM_DBM) ? arm_grant_write(e) & ~ARM_DBM : e;
}
#define PT_FMT_UNTRACK 1

/* Contiguous run length per level and granule ([contig]). */
static unsigned int arm_contig_lg2(unsigned int granule, unsigned int lvl)
{
	switch (granule) {
	case 12:
		return 4;                  /* 16 entries at every level */
	case 14:
		return lvl == 0 ? 7 : 5;   /* 128 pages, 32 level-2 blocks */
	default:
		return 5;                  /* 32 entries */
	}
}

/*
 * Levels (counted from 0 = Arm level 3) that may hold a block or page:
 * 4K blocks at Arm levels 1 and 2, 16K and 64K at level 2. Blocks that
 * need FEAT_LPA/FEAT_LPA2 (4K level 0, 16K level 1, 64K 4T level 1) are
 * not used.
 */
static bool arm_level_has_leaf(unsigned int granule, unsigned int lvl)
{
	if (lvl == 0)
		return true;
	return granule == 12 ? lvl <= 2 : lvl == 1;
}

static int fmt_init(struct iommupt_domain *d,
		    const struct iommupt_domain_cfg *cfg)
{
	unsigned int g = cfg->granule_lg2 ? cfg->granule_lg2 : 12;
	unsigned int ias = cfg->ias_lg2 ? cfg->ias_lg2 : 48;
	unsigned int oas = cfg->oas_lg2 ? cfg->oas_lg2 : 48;
	unsigned int b = g - 3, levels, top_bits;
	bool concat = cfg->flags & IOMMUPT_CFG_ARM_CONCAT;

	if (g != 12 && g != 14 && g != 16)
		return -PT_EINVAL;
	if (ias < 32 || ias > (g == 16 ? 52u : 48u) || (ias > 48 && ias != 52))
		return -PT_EINVAL;
	if (oas != 32 && oas != 36 && oas != 40 && oas != 42 && oas != 44 &&
	    oas != 48 && !(oas == 52 && g == 16))
		return -PT_EINVAL;
	if (cfg->flags & ~(uint32_t)(ARM_STAGE2 ? IOMMUPT_CFG_ARM_CONCAT : 0))
		return -PT_EINVAL;
	if (cfg->va_layout > (ARM_STAGE2 ? IOMMUPT_VA_LOWER : IOMMUPT_VA_UPPER) ||
	    cfg->va_layout == IOMMUPT_VA_SIGNEXT || cfg->grow_fn)
		return -PT_EINVAL;
	levels = (ias - g + b - 1) / b;
	top_bits = ias - g - b * (levels - 1);
	/*
	 * [concat]: up to 16 concatenated tables replace an initial level;
	 * done only while two levels or more remain.
	 */
	if (concat && top_bits <= 4 && levels > 2) {
		levels--;
		top_bits += b;
	}
	if (cfg->levels && cfg->levels != levels)
		return -PT_EINVAL;
	d->levels = levels;
	d->ias_lg2 = ias;
	d->oas_lg2 = oas;
	d->granule_lg2 = g;
	d->va_layout = cfg->va_layout ? cfg->va_layout : IOMMUPT_VA_LOWER;
	for (unsigned int l = 0; l < levels; l++) {
		unsigned int shift = g + b * l;
		unsigned int items = l + 1 == levels ? top_bits : b;
		unsigned int c = arm_contig_lg2(g, l);

		d->item_shift[l] = (uint8_t)shift;
		d->items_lg2[l] = (uint8_t)items;
		d->contig_lg2[l] = (uint8_t)c;
		if (!arm_level_has_leaf(g, l))
			continue;
		if (shift <= oas)
			d->leaf_sizes[l] |= 1ull << shift;
		if (c <= items && shift + c <= oas)
			d->leaf_sizes[l] |= 1ull << (shift + c);
		if (cfg->pgsize_bitmap)
			d->leaf_sizes[l] &= cfg->pgsize_bitmap;
	}
	return 0;
}

#endif
