// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vendor glue of iommu-sim: what a kernel driver would do to a unit,
 * done to the simulated ones through their registers, in-memory
 * structures and command queues. VT-d runs in scalable mode (second-stage
 * tables through a PASID entry, which is where SSADE lives) with 256-bit
 * queued invalidation; AMD-Vi uses v1 device table entries and the command
 * buffer; SMMUv3 a linear stream table, one CD per stream and the command
 * queue. Every invalidation ends with the vendor's completion wait, as a
 * driver's would, so the queue cycles in the report are what a driver pays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv.h>
#include <iommupt/sim-amd.h>
#include <iommupt/sim-smmu.h>
#include <iommupt/sim-vtd.h>

#include "simrun.h"

struct sr_hw {
	enum sr_vendor vendor;
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	const struct iommupt_mmio *mmio;
	uint64_t root;    /* VT-d root table, AMD device table, SMMU stream table */
	uint64_t queue;   /* invalidation queue / command buffer / command queue */
	uint64_t evq;     /* AMD event log, SMMU event queue */
	uint64_t status;  /* completion-wait status word */
	uint64_t tail;    /* next free queue slot (bytes or index) */
	uint64_t ctx[256][2]; /* VT-d context tables per bus and half */
	uint64_t cds;     /* SMMU: page of CDs being filled */
	unsigned int cd_used;
	struct sr_inv_stats inv;
};

static int wr(struct sr_hw *hw, unsigned int off, unsigned int size,
	      uint64_t v)
{
	return hw->mmio->write(hw->mmio->ctx, off, size, v);
}

static uint64_t rd(struct sr_hw *hw, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	if (hw->mmio->read(hw->mmio->ctx, off, size, &v))
		return 0;
	return v;
}

/* Structure pages live until the simulated memory is destroyed. */
static int page(struct sr_hw *hw, uint64_t *pa)
{
	return iommusim_mem_alloc(hw->mem, 12, pa);
}

static int w64(struct sr_hw *hw, uint64_t pa, uint64_t v)
{
	return iommusim_mem_write64(hw->mem, pa, v);
}

static unsigned int lg2_up(uint64_t n)
{
	unsigned int l = 0;

	while ((1ull << l) < n)
		l++;
	return l;
}

/* ---- VT-d ------------------------------------------------------------- */

/* 6.5.2.3, 6.5.2.8: IOTLB invalidate and invalidation wait descriptors. */
#define QI_IOTLB(g, did) (2ull | (uint64_t)(g) << 4 | (uint64_t)(did) << 16)
#define QI_WAIT_SW(data) (5ull | 1ull << 5 | (uint64_t)(data) << 32)
#define VTD_QSIZE 4096u /* one page: 128 256-bit descriptors */

/* GCMD takes the persistent enables as they are plus the command (10.4.4). */
static int vtd_gcmd(struct sr_hw *hw, uint32_t set, uint32_t sts_bit)
{
	uint32_t sts = (uint32_t)rd(hw, IOMMUSIM_VTD_GSTS, 4);
	int rc;

	rc = wr(hw, IOMMUSIM_VTD_GCMD, 4,
		(sts & (IOMMUSIM_VTD_GCMD_TE | IOMMUSIM_VTD_GCMD_QIE)) | set);
	if (!rc && !(rd(hw, IOMMUSIM_VTD_GSTS, 4) & sts_bit))
		rc = -EIO;
	return rc;
}

static int vtd_setup(struct sr_hw *hw)
{
	int rc;

	rc = iommusim_mem_alloc(hw->mem, 12, &hw->root);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->queue);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->status);
	if (!rc)
		rc = wr(hw, IOMMUSIM_VTD_RTADDR, 8,
			hw->root | IOMMUSIM_VTD_RTADDR_SCALABLE);
	if (!rc)
		rc = vtd_gcmd(hw, IOMMUSIM_VTD_GCMD_SRTP, 1u << 30);
	/* 10.4.23: IQA with DW = 1 (256-bit descriptors, scalable mode) */
	if (!rc)
		rc = wr(hw, IOMMUSIM_VTD_IQT, 8, 0);
	if (!rc)
		rc = wr(hw, IOMMUSIM_VTD_IQA, 8, hw->queue | 1ull << 11);
	if (!rc)
		rc = vtd_gcmd(hw, IOMMUSIM_VTD_GCMD_QIE, IOMMUSIM_VTD_GCMD_QIE);
	if (!rc)
		rc = vtd_gcmd(hw, IOMMUSIM_VTD_GCMD_TE, IOMMUSIM_VTD_GCMD_TE);
	return rc;
}

/* Queue a descriptor (two low qwords; the upper two are zero). */
static int vtd_desc(struct sr_hw *hw, uint64_t lo, uint64_t hi)
{
	int rc;

	rc = w64(hw, hw->queue + hw->tail, lo);
	if (!rc)
		rc = w64(hw, hw->queue + hw->tail + 8, hi);
	if (!rc)
		rc = w64(hw, hw->queue + hw->tail + 16, 0);
	if (!rc)
		rc = w64(hw, hw->queue + hw->tail + 24, 0);
	hw->tail = (hw->tail + 32) % VTD_QSIZE;
	hw->inv.cmds++;
	return rc;
}

static int vtd_submit(struct sr_hw *hw)
{
	int rc = vtd_desc(hw, QI_WAIT_SW(1), hw->status);

	if (!rc)
		rc = wr(hw, IOMMUSIM_VTD_IQT, 8, hw->tail);
	if (!rc && (rd(hw, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_IQE))
		rc = -EIO;
	return rc;
}

/*
 * Scalable-mode root and context entries (9.2, 9.4), a one-page PASID
 * directory and table, and the RID_PASID (0) entry of type second-stage
 * only (9.6: PGTT 010b, AW, SSADE, SSPTPTR; DID in qword 1).
 */
static int vtd_attach(struct sr_hw *hw, uint32_t sid, uint64_t root,
		      unsigned int levels, uint32_t did, bool dirty)
{
	unsigned int bus = (sid >> 8) & 0xff, devfn = sid & 0xff;
	unsigned int half = devfn >= 128;
	uint64_t pdir, ptab, ce;
	int rc = 0;

	if (!hw->ctx[bus][half]) {
		rc = page(hw, &hw->ctx[bus][half]);
		if (!rc)
			rc = w64(hw, hw->root + 16 * bus + 8 * half,
				 hw->ctx[bus][half] | 1);
	}
	if (!rc)
		rc = page(hw, &pdir);
	if (!rc)
		rc = page(hw, &ptab);
	if (!rc)
		rc = w64(hw, pdir, ptab | 1);
	if (!rc)
		rc = w64(hw, ptab + 8, did);
	if (!rc)
		rc = w64(hw, ptab, root | (dirty ? 1ull << 9 : 0) | 2ull << 6 |
			 (uint64_t)(levels - 2) << 2 | 1);
	ce = hw->ctx[bus][half] + 32 * (devfn & 0x7f);
	if (!rc)
		rc = w64(hw, ce + 8, 0); /* RID_PASID 0 */
	if (!rc)
		rc = w64(hw, ce, pdir | 1);
	return rc;
}

/* 6.5.2.3: page-selective with an address mask up to MAMV, else domain. */
static int vtd_flush(struct sr_hw *hw, uint32_t did, uint64_t start,
		     uint64_t last, bool tables, bool all)
{
	unsigned int am = 0;
	int rc;

	while (am < 64 && ((start >> 12) >> am) != ((last >> 12) >> am))
		am++;
	if (all || am > 9) {
		hw->inv.domain++;
		rc = vtd_desc(hw, QI_IOTLB(2, did), 0);
	} else {
		uint64_t addr = start & ~((1ull << (12 + am)) - 1);

		hw->inv.range++;
		rc = vtd_desc(hw, QI_IOTLB(3, did),
			      addr | (tables ? 0 : 1u << 6) | am);
	}
	return rc ? rc : vtd_submit(hw);
}

/* ---- AMD-Vi ----------------------------------------------------------- */

#define AMD_OP(o) ((uint64_t)(o) << 60)
#define AMD_CTRL (IOMMUSIM_AMD_CTRL_IOMMU_EN | IOMMUSIM_AMD_CTRL_EVTLOG_EN | \
		  IOMMUSIM_AMD_CTRL_CMDBUF_EN)

static int amd_setup(struct sr_hw *hw, uint32_t max_sid)
{
	unsigned int lg2 = lg2_up(32ull * (max_sid + 1));
	int rc;

	if (lg2 < 12)
		lg2 = 12;
	rc = iommusim_mem_alloc(hw->mem, lg2, &hw->root);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->queue);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->evq);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->status);
	/* 3.4.1: Size is the number of 4K pages minus one */
	if (!rc)
		rc = wr(hw, IOMMUSIM_AMD_DEVTAB, 8,
			hw->root | ((1u << (lg2 - 12)) - 1));
	if (!rc)
		rc = wr(hw, IOMMUSIM_AMD_CMDBUF, 8,
			hw->queue | IOMMUSIM_AMD_BUF_LEN(8));
	if (!rc)
		rc = wr(hw, IOMMUSIM_AMD_EVTLOG, 8,
			hw->evq | IOMMUSIM_AMD_BUF_LEN(8));
	if (!rc)
		rc = wr(hw, IOMMUSIM_AMD_CONTROL, 8, AMD_CTRL);
	return rc;
}

static int amd_cmd(struct sr_hw *hw, uint64_t lo, uint64_t hi)
{
	int rc = w64(hw, hw->queue + hw->tail, lo);

	if (!rc)
		rc = w64(hw, hw->queue + hw->tail + 8, hi);
	hw->tail = (hw->tail + 16) % 4096;
	hw->inv.cmds++;
	return rc;
}

/* 2.4.1: COMPLETION_WAIT with a store to the status word, then the tail. */
static int amd_submit(struct sr_hw *hw)
{
	int rc = amd_cmd(hw, AMD_OP(1) | hw->status | 1, 1);

	if (!rc)
		rc = wr(hw, IOMMUSIM_AMD_CMD_TAIL, 8, hw->tail);
	return rc;
}

/* 2.2.2.1: DTE with Mode = levels, IR, IW, HAD 11b for dirty. */
static int amd_attach(struct sr_hw *hw, uint32_t sid, uint64_t root,
		      unsigned int levels, uint32_t did, bool dirty)
{
	uint64_t dte = hw->root + 32ull * sid;
	int rc;

	rc = w64(hw, dte + 8, did);
	if (!rc)
		rc = w64(hw, dte, root | IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
			 IOMMUSIM_AMD_DTE_MODE(levels) |
			 IOMMUSIM_AMD_DTE_HAD(dirty ? 3 : 0) |
			 IOMMUSIM_AMD_DTE_IR | IOMMUSIM_AMD_DTE_IW);
	return rc;
}

/* 2.4.3: INVALIDATE_IOMMU_PAGES, S = 1 with the size in the address. */
static int amd_flush(struct sr_hw *hw, uint32_t did, uint64_t start,
		     uint64_t last, bool tables, bool all)
{
	unsigned int lg2 = 12;
	uint64_t hi;
	int rc;

	while (lg2 < 64 && (start >> lg2) != (last >> lg2))
		lg2++;
	if (all || lg2 >= 52) {
		hw->inv.domain++;
		hi = 0x7ffffffffffff000ull | 1 | 2;
	} else {
		hw->inv.range++;
		if (lg2 == 12)
			hi = (start & ~0xfffull) | (tables ? 2 : 0);
		else
			hi = (start & ~((1ull << lg2) - 1)) |
			     (((1ull << (lg2 - 1)) - 1) & ~0xfffull) | 1 |
			     (tables ? 2 : 0);
	}
	rc = amd_cmd(hw, AMD_OP(3) | (uint64_t)did << 32, hi);
	return rc ? rc : amd_submit(hw);
}

/* ---- SMMUv3 ----------------------------------------------------------- */

#define SMMU_CR0 (IOMMUSIM_SMMU_CR0_SMMUEN | IOMMUSIM_SMMU_CR0_EVENTQEN | \
		  IOMMUSIM_SMMU_CR0_CMDQEN)

static int smmu_setup(struct sr_hw *hw, uint32_t max_sid)
{
	unsigned int sidlg2 = lg2_up((uint64_t)max_sid + 1);
	unsigned int lg2 = sidlg2 + 6;
	int rc;

	if (sidlg2 < 1)
		sidlg2 = 1;
	if (lg2 < 12)
		lg2 = 12;
	rc = iommusim_mem_alloc(hw->mem, lg2, &hw->root);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->queue);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->evq);
	if (!rc)
		rc = iommusim_mem_alloc(hw->mem, 12, &hw->status);
	/* 6.3.23-6.3.26: linear stream table, 256 commands, 128 events */
	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_STRTAB_BASE, 8, hw->root);
	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4,
			IOMMUSIM_SMMU_STRTAB_CFG(0, 0, sidlg2));
	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_CMDQ_BASE, 8, hw->queue | 8);
	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_EVENTQ_BASE, 8, hw->evq | 7);
	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_CR0, 4, SMMU_CR0);
	if (!rc && rd(hw, IOMMUSIM_SMMU_CR0ACK, 4) != SMMU_CR0)
		rc = -EIO;
	return rc;
}

static int smmu_cmd(struct sr_hw *hw, uint64_t lo, uint64_t hi)
{
	uint64_t idx = hw->tail & 0xff;
	int rc = w64(hw, hw->queue + 16 * idx, lo);

	if (!rc)
		rc = w64(hw, hw->queue + 16 * idx + 8, hi);
	hw->tail = (hw->tail + 1) & 0x1ff; /* index and wrap bit */
	hw->inv.cmds++;
	return rc;
}

/* 4.7: CMD_SYNC with CS = SIG_IRQ and an MSI write to the status word. */
static int smmu_submit(struct sr_hw *hw)
{
	int rc = smmu_cmd(hw, IOMMUSIM_SMMU_CMD_SYNC | 1ull << 12 | 1ull << 32,
			  hw->status);

	if (!rc)
		rc = wr(hw, IOMMUSIM_SMMU_CMDQ_PROD, 4, (uint32_t)hw->tail);
	if (!rc && (rd(hw, IOMMUSIM_SMMU_CMDQ_CONS, 4) >> 24 & 0x7f))
		rc = -EIO;
	return rc;
}

/* 5.2 STE (stage 1, one CD) and 5.4 CD for a 4K-granule stage-1 table. */
static int smmu_attach(struct sr_hw *hw, uint32_t sid, uint64_t root,
		       unsigned int ias, uint32_t asid, bool dirty)
{
	uint64_t ste = hw->root + 64ull * sid, cd, d0;
	int rc = 0;

	if (!hw->cds || hw->cd_used == 64) {
		rc = page(hw, &hw->cds);
		hw->cd_used = 0;
	}
	if (rc)
		return rc;
	cd = hw->cds + 64ull * hw->cd_used++;
	/* IPS 5: 48-bit output, as the 4K-granule format has */
	d0 = IOMMUSIM_SMMU_CD_V | IOMMUSIM_SMMU_CD_AA64 | IOMMUSIM_SMMU_CD_R |
	     IOMMUSIM_SMMU_CD_A | IOMMUSIM_SMMU_CD_IPS(5) |
	     IOMMUSIM_SMMU_CD_ASID(asid) | IOMMUSIM_SMMU_CD_EPD1 |
	     IOMMUSIM_SMMU_CD_T1SZ(16) | IOMMUSIM_SMMU_CD_TG1(2) |
	     IOMMUSIM_SMMU_CD_T0SZ(64 - ias) | IOMMUSIM_SMMU_CD_TG0(0) |
	     (dirty ? IOMMUSIM_SMMU_CD_HA | IOMMUSIM_SMMU_CD_HD : 0);
	rc = w64(hw, cd + 8, root);
	if (!rc)
		rc = w64(hw, cd + 16, 0);
	if (!rc)
		rc = w64(hw, cd + 24, 0);
	if (!rc)
		rc = w64(hw, cd, d0);
	if (!rc)
		rc = w64(hw, ste + 8, 0);
	if (!rc)
		rc = w64(hw, ste + 16, 0);
	if (!rc)
		rc = w64(hw, ste + 24, 0);
	if (!rc)
		rc = w64(hw, ste, IOMMUSIM_SMMU_STE_V | cd |
			 IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S1));
	return rc;
}

/*
 * 4.4.4: TLBI_NH_VA by range (TG 4K, NUM and SCALE chosen as Linux does:
 * the lowest set bit of the page count first); many pages: TLBI_NH_ASID.
 */
static int smmu_flush(struct sr_hw *hw, uint32_t asid, uint64_t start,
		      uint64_t last, bool tables, bool all)
{
	uint64_t pages = ((last - start) >> 12) + 1, addr = start & ~0xfffull;
	int rc = 0;

	if (all || last - start >= (1ull << 30)) {
		hw->inv.domain++;
		rc = smmu_cmd(hw, IOMMUSIM_SMMU_CMD_TLBI_NH_ASID |
			      (uint64_t)asid << 48, 0);
		return rc ? rc : smmu_submit(hw);
	}
	hw->inv.range++;
	while (pages && !rc) {
		unsigned int scale = (unsigned int)__builtin_ctzll(pages);
		uint64_t num = (pages >> scale) & 31;

		rc = smmu_cmd(hw, IOMMUSIM_SMMU_CMD_TLBI_NH_VA |
			      (uint64_t)asid << 48 | (num - 1) << 12 |
			      (uint64_t)scale << 20,
			      addr | 1ull << 10 | (tables ? 0 : 1));
		addr += num << (scale + 12);
		pages -= num << scale;
	}
	return rc ? rc : smmu_submit(hw);
}

/* ---- common ----------------------------------------------------------- */

static void cache_opt(struct iommusim_cache_cfg *dst,
		      const struct sr_cache_opt *o)
{
	if (o->set)
		*dst = o->cfg;
}

int sr_hw_create(const struct sr_unit_cfg *cfg, uint64_t seed,
		 uint32_t max_sid, struct iommusim_mem *mem,
		 struct sr_hw **out)
{
	struct sr_hw *hw = calloc(1, sizeof(*hw));
	int rc;

	*out = NULL;
	if (!hw)
		return -ENOMEM;
	hw->vendor = cfg->vendor;
	hw->mem = mem;
	if (cfg->vendor == SR_VTD) {
		IOMMUPT_OPTS(iommusim_vtd_opts, o, .seed = seed,
			     .cycles = cfg->cycles);

		cache_opt(&o.iotlb, &cfg->iotlb);
		cache_opt(&o.pwc, &cfg->walk);
		cache_opt(&o.context, &cfg->context);
		cache_opt(&o.pasid, &cfg->pasid);
		if (!cfg->stale_check)
			o.flags |= IOMMUSIM_VTD_NO_STALE_CHECK;
		rc = iommusim_vtd_create(&o, mem, &hw->u);
	} else if (cfg->vendor == SR_AMD) {
		IOMMUPT_OPTS(iommusim_amd_opts, o, .seed = seed,
			     .cycles = cfg->cycles);

		cache_opt(&o.iotlb, &cfg->iotlb);
		cache_opt(&o.pdc, &cfg->walk);
		cache_opt(&o.dte, &cfg->context);
		if (!cfg->stale_check)
			o.flags |= IOMMUSIM_AMD_NO_STALE_CHECK;
		rc = iommusim_amd_create(&o, mem, &hw->u);
	} else {
		IOMMUPT_OPTS(iommusim_smmu_opts, o, .seed = seed,
			     .cycles = cfg->cycles);

		cache_opt(&o.tlb, &cfg->iotlb);
		cache_opt(&o.ste, &cfg->context);
		cache_opt(&o.cd, &cfg->pasid);
		if (!cfg->stale_check)
			o.flags |= IOMMUSIM_SMMU_NO_STALE_CHECK;
		rc = iommusim_smmu_create(&o, mem, &hw->u);
	}
	if (rc) {
		free(hw);
		return rc;
	}
	iommusim_unit_set_stale_check(hw->u, cfg->stale_check);
	hw->mmio = iommusim_unit_mmio(hw->u);
	rc = cfg->vendor == SR_VTD ? vtd_setup(hw) :
	     cfg->vendor == SR_AMD ? amd_setup(hw, max_sid) :
	     smmu_setup(hw, max_sid);
	if (rc) {
		sr_hw_destroy(hw);
		return rc;
	}
	*out = hw;
	return 0;
}

void sr_hw_destroy(struct sr_hw *hw)
{
	if (!hw)
		return;
	iommusim_unit_destroy(hw->u);
	/* the memory goes with the caller's iommusim_mem */
	free(hw);
}

struct iommusim_unit *sr_hw_unit(struct sr_hw *hw)
{
	return hw->u;
}

int sr_hw_attach(struct sr_hw *hw, uint32_t sid, uint32_t format,
		 uint64_t root_oa, unsigned int levels, unsigned int ias,
		 uint32_t did, bool dirty)
{
	switch (hw->vendor) {
	case SR_VTD:
		if (format != IOMMUPT_FMT_VTD_SS || sid > 0xffff)
			return -EINVAL;
		return vtd_attach(hw, sid, root_oa, levels, did, dirty);
	case SR_AMD:
		if (format != IOMMUPT_FMT_AMD_V1 || sid > 0xffff)
			return -EINVAL;
		return amd_attach(hw, sid, root_oa, levels, did, dirty);
	case SR_SMMU:
		if (format != IOMMUPT_FMT_ARM_S1)
			return -EINVAL;
		return smmu_attach(hw, sid, root_oa, ias, did, dirty);
	}
	return -EINVAL;
}

static int flush(struct sr_hw *hw, uint32_t did, uint64_t start,
		 uint64_t last, bool tables, bool all)
{
	switch (hw->vendor) {
	case SR_VTD:
		return vtd_flush(hw, did, start, last, tables, all);
	case SR_AMD:
		return amd_flush(hw, did, start, last, tables, all);
	case SR_SMMU:
		return smmu_flush(hw, did, start, last, tables, all);
	}
	return -EINVAL;
}

int sr_hw_flush_range(struct sr_hw *hw, uint32_t did, uint64_t start,
		      uint64_t last, bool tables)
{
	if (start > last)
		return 0;
	return flush(hw, did, start, last, tables, false);
}

int sr_hw_flush_domain(struct sr_hw *hw, uint32_t did)
{
	return flush(hw, did, 0, UINT64_MAX, true, true);
}

unsigned int sr_hw_drain_faults(struct sr_hw *hw)
{
	uint64_t head, tail;

	switch (hw->vendor) {
	case SR_VTD: {
		/* 10.4.14: clear F in each fault recording register, then PFO */
		unsigned int n = 0;

		for (unsigned int i = 0; i < 8; i++) {
			unsigned int off = IOMMUSIM_VTD_FRCD + 16 * i + 12;

			if (rd(hw, off, 4) & (1u << 31)) {
				(void)wr(hw, off, 4, 1u << 31);
				n++;
			}
		}
		(void)wr(hw, IOMMUSIM_VTD_FSTS, 4, IOMMUSIM_VTD_FSTS_PFO);
		return n;
	}
	case SR_AMD:
		head = rd(hw, IOMMUSIM_AMD_EVT_HEAD, 8);
		tail = rd(hw, IOMMUSIM_AMD_EVT_TAIL, 8);
		(void)wr(hw, IOMMUSIM_AMD_EVT_HEAD, 8, tail);
		(void)wr(hw, IOMMUSIM_AMD_STATUS, 8,
			 IOMMUSIM_AMD_STS_EVT_OVERFLOW);
		return (unsigned int)(((tail - head) % 4096) / 16);
	case SR_SMMU:
		head = rd(hw, IOMMUSIM_SMMU_EVENTQ_CONS, 4) & 0xff;
		tail = rd(hw, IOMMUSIM_SMMU_EVENTQ_PROD, 4) & 0xff;
		(void)wr(hw, IOMMUSIM_SMMU_EVENTQ_CONS, 4, (uint32_t)tail);
		return (unsigned int)((tail - head) & 0x7f);
	}
	return 0;
}

void sr_hw_inv_stats(struct sr_hw *hw, struct sr_inv_stats *st)
{
	*st = hw->inv;
}

uint32_t sr_hw_fault_reason(enum sr_vendor v, uint32_t code)
{
	switch (v) {
	case SR_VTD:
		switch (code) {
		case IOMMUSIM_VTD_FR_ADDR_WIDTH:
			return IOMMUDRV_FAULT_ADDR_SIZE;
		case IOMMUSIM_VTD_FR_READ:
		case IOMMUSIM_VTD_FR_WRITE:
			return IOMMUDRV_FAULT_TRANSLATION;
		case IOMMUSIM_VTD_FR_ROOT_NP:
		case IOMMUSIM_VTD_FR_CTX_NP:
		case IOMMUSIM_VTD_FR_PDIR_NP:
		case IOMMUSIM_VTD_FR_PTE_NP:
			return IOMMUDRV_FAULT_NO_DEVICE;
		case IOMMUSIM_VTD_FR_SS_ACCESS:
			return IOMMUDRV_FAULT_WALK_ABORT;
		case IOMMUSIM_VTD_FR_SS_RSVD:
			return IOMMUDRV_FAULT_BAD_ENTRY;
		}
		break;
	case SR_AMD:
		if (code == IOMMUSIM_AMD_EV_IO_PAGE_FAULT)
			return IOMMUDRV_FAULT_TRANSLATION;
		if (code == IOMMUSIM_AMD_EV_ILLEGAL_DTE)
			return IOMMUDRV_FAULT_BAD_ENTRY;
		if (code == IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR)
			return IOMMUDRV_FAULT_WALK_ABORT;
		break;
	case SR_SMMU:
		switch (code) {
		case IOMMUSIM_SMMU_EV_F_TRANSLATION:
			return IOMMUDRV_FAULT_TRANSLATION;
		case IOMMUSIM_SMMU_EV_F_PERMISSION:
			return IOMMUDRV_FAULT_PERMISSION;
		case IOMMUSIM_SMMU_EV_F_ADDR_SIZE:
			return IOMMUDRV_FAULT_ADDR_SIZE;
		case IOMMUSIM_SMMU_EV_C_BAD_STREAMID:
			return IOMMUDRV_FAULT_NO_DEVICE;
		case IOMMUSIM_SMMU_EV_C_BAD_STE:
		case IOMMUSIM_SMMU_EV_C_BAD_CD:
			return IOMMUDRV_FAULT_BAD_ENTRY;
		case IOMMUSIM_SMMU_EV_F_WALK_EABT:
			return IOMMUDRV_FAULT_WALK_ABORT;
		}
		break;
	}
	return IOMMUDRV_FAULT_OTHER;
}
