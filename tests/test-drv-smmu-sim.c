// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The SMMUv3 user-mode driver (drivers/smmu.c) against the simulator's
 * SMMUv3 model: the driver programs the simulated SMMU over its MMIO bus;
 * its stream table, CDs and queues and libiommupt's page tables live in
 * simulated memory, where the model walks them with its own code. The
 * checks of the QEMU test (tests/qemu/smmu-edu.c) run for stage 1 and
 * stage 2 at 4K, 16K and 64K granules, with 2-level and linear stream
 * tables; then queue wrap and overflow, range and whole-ID invalidation,
 * an SMMU without stage 2 (as QEMU 7.2's), bad inputs and allocation
 * failures at each step. The stale-translation detector must stay silent;
 * the negative control leaves out the driver's flush and shows it fires.
 *
 * IDs (ASIDs for stage 1, VMIDs for stage 2) come from libiommupt's ID
 * allocator (unit.h), as a real user of the driver gets them.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/dirty.h>
#include <iommupt/domain.h>
#include <iommupt/drv-smmu.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/sim-smmu.h>
#include <iommupt/sim.h>
#include <iommupt/unit.h>

#include "drv-sim-harness.h"
#include "helpers.h"

/* The same IOVAs as tests/qemu/smmu-edu.c; aligned to every granule. */
#define IOVA_SRC 0x100000ull
#define IOVA_DST 0x200000ull
#define IOVA_NEVER 0x800000ull  /* never mapped */
#define IOVA_HUGE 0x40000000ull /* aligned to the 512M block of 64K */
#define IOVA_TABLE 0x80000000ull /* one leaf table's span, 4K pages */
#define SID 0x0010u             /* 00:02.0, edu's place on QEMU virt */
#define SID2 0x0123u            /* another level 2 table */

enum mode_id { M_S1_4K, M_S1_4K_LINEAR, M_S1_16K, M_S1_64K, M_S1_UPPER,
	       M_S2_4K, M_S2_16K, M_S2_64K, NR_MODES };

struct mode {
	const char *name;
	uint32_t format;
	unsigned int granule;
	uint32_t drv_flags;
	uint32_t cfg_flags;
	uint32_t va_layout;
};

static const struct mode modes[NR_MODES] = {
	[M_S1_4K] = { "s1-4k", IOMMUPT_FMT_ARM_S1, 12, 0, 0, 0 },
	[M_S1_4K_LINEAR] = { "s1-4k-linear", IOMMUPT_FMT_ARM_S1, 12,
			     IOMMUDRV_SMMU_LINEAR, 0, 0 },
	[M_S1_16K] = { "s1-16k", IOMMUPT_FMT_ARM_S1, 14, 0, 0, 0 },
	[M_S1_64K] = { "s1-64k", IOMMUPT_FMT_ARM_S1, 16, 0, 0, 0 },
	[M_S1_UPPER] = { "s1-4k-ttb1", IOMMUPT_FMT_ARM_S1, 12, 0, 0,
			 IOMMUPT_VA_UPPER },
	[M_S2_4K] = { "s2-4k", IOMMUPT_FMT_ARM_S2, 12, 0, 0, 0 },
	/* 16K, 48 bits: level 0 start is not allowed; 2 tables at level 1 */
	[M_S2_16K] = { "s2-16k", IOMMUPT_FMT_ARM_S2, 14, 0,
		       IOMMUPT_CFG_ARM_CONCAT, 0 },
	[M_S2_64K] = { "s2-64k", IOMMUPT_FMT_ARM_S2, 16, 0, 0, 0 },
};

/*
 * An MMIO bus in front of the model's that clears bits of the ID
 * registers: an SMMU with fewer features (QEMU 7.2 has no stage 2 and no
 * HTTU), and ID registers that do not look like an SMMU at all.
 */
struct idr_mask {
	struct iommupt_mmio bus;
	const struct iommupt_mmio *inner;
	uint32_t clear[6];
	int zero; /* every register reads 0 */
	/* Make the next command published unknown to the SMMU (opcode 0xff). */
	int corrupt_next;
	struct iommusim_mem *mem;
};

static int mask_read(void *ctx, uint64_t off, unsigned int size,
		     uint64_t *val)
{
	struct idr_mask *m = ctx;
	int ret = m->inner->read(m->inner->ctx, off, size, val);

	if (!ret && m->zero)
		*val = 0;
	if (!ret && size == 4 && off < 0x18)
		*val &= ~(uint64_t)m->clear[off / 4];
	return ret;
}

static int mask_write(void *ctx, uint64_t off, unsigned int size,
		      uint64_t val)
{
	struct idr_mask *m = ctx;

	if (off == IOMMUSIM_SMMU_CMDQ_PROD && m->corrupt_next) {
		uint64_t base = 0, prod = 0, c0 = 0, pa;

		m->corrupt_next = 0;
		ck_assert_int_eq(m->inner->read(m->inner->ctx,
				 IOMMUSIM_SMMU_CMDQ_BASE, 8, &base), 0);
		ck_assert_int_eq(m->inner->read(m->inner->ctx,
				 IOMMUSIM_SMMU_CMDQ_PROD, 4, &prod), 0);
		pa = (base & ~0x1full & ((1ull << 52) - 1)) +
		     16 * (prod & ((1u << (base & 0x1f)) - 1));
		ck_assert_int_eq(iommusim_mem_read64(m->mem, pa, &c0), 0);
		ck_assert_int_eq(iommusim_mem_write64(m->mem, pa,
						      c0 | 0xff), 0);
	}
	return m->inner->write(m->inner->ctx, off, size, val);
}

struct fx {
	const struct mode *m;
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	struct idr_mask mask;
	struct dsim_failmem fm;
	struct iommudrv_smmu *drv;
	struct iommudrv_smmu_info info;
	struct iommupt_unit *ids;
	struct dsim_stale stale;
};

static int stage2(const struct fx *f)
{
	return f->m->format == IOMMUPT_FMT_ARM_S2;
}

/* Model from reset and the driver over its (masked) bus; not enabled. */
static int fx_try_create(struct fx *f, const struct mode *m,
			 const struct iommudrv_smmu_opts *o,
			 const uint32_t clear[6])
{
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_SMMUV3);
	int ret;

	memset(f, 0, sizeof(*f));
	f->m = m;
	ck_assert_int_eq(iommusim_mem_create(NULL, &f->mem), 0);
	ck_assert_int_eq(iommusim_smmu_create(NULL, f->mem, &f->u), 0);
	f->stale.tag = m ? m->name : NULL;
	iommusim_unit_set_stale_fn(f->u, dsim_on_stale, &f->stale);
	f->mask.inner = iommusim_unit_mmio(f->u);
	f->mask.mem = f->mem;
	f->mask.bus.ctx = &f->mask;
	f->mask.bus.read = mask_read;
	f->mask.bus.write = mask_write;
	if (clear)
		memcpy(f->mask.clear, clear, sizeof(f->mask.clear));
	dsim_failmem_init(&f->fm, iommusim_mem_provider(f->mem));
	ret = iommudrv_smmu_create(&f->mask.bus, &f->fm.mem, o, &f->drv);
	if (ret)
		return ret;
	f->info.sz = sizeof(f->info);
	ck_assert_int_eq(iommudrv_smmu_get_info(f->drv, &f->info), 0);
	/* The ID space the SMMU has, for the domain's stage. */
	ucfg.flags = m && m->format == IOMMUPT_FMT_ARM_S2 ?
			     IOMMUPT_UNIT_SMMU_VMID |
				     (f->info.vmid_bits == 16 ?
					      IOMMUPT_UNIT_SMMU_VMID16 : 0) :
			     (f->info.asid_bits == 16 ?
				      IOMMUPT_UNIT_SMMU_ASID16 : 0);
	ck_assert_int_eq(iommupt_unit_create(&ucfg,
			 iommusim_mem_provider(f->mem), &f->ids), 0);
	return 0;
}

static void fx_create(struct fx *f, unsigned int mode_idx,
		      const struct iommudrv_smmu_opts *o,
		      const uint32_t clear[6])
{
	IOMMUPT_OPTS(iommudrv_smmu_opts, def, .unit = 7);
	const struct mode *m = &modes[mode_idx];

	if (!o) {
		def.flags = m->drv_flags;
		o = &def;
	}
	ck_assert_int_eq(fx_try_create(f, m, o, clear), 0);
}

static void fx_setup(struct fx *f, unsigned int mode_idx)
{
	fx_create(f, mode_idx, NULL, NULL);
	ck_assert_int_eq(iommudrv_smmu_enable(f->drv), 0);
}

static void fx_destroy(struct fx *f, unsigned int stale_expected,
		       struct iommupt_domain *d1, struct iommupt_domain *d2)
{
	ck_assert_uint_eq(dsim_nr_stale(f->u, &f->stale), stale_expected);
	iommudrv_smmu_destroy(f->drv);
	/* every driver page came back */
	ck_assert_int_eq(dsim_failmem_live(&f->fm), 0);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	iommupt_unit_destroy(f->ids);
	iommusim_unit_destroy(f->u);
	iommusim_mem_destroy(f->mem);
}

static uint16_t id_alloc(struct fx *f)
{
	uint32_t id = 0;

	ck_assert_int_eq(iommupt_unit_id_alloc(f->ids, &id), 0);
	return (uint16_t)id;
}

static struct iommupt_domain *dom_create(struct fx *f)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = f->m->format,
		     .granule_lg2 = f->m->granule, .ias_lg2 = 48,
		     .oas_lg2 = 48, .flags = f->m->cfg_flags,
		     .va_layout = f->m->va_layout);
	struct iommupt_domain *dom;

	ck_assert_int_eq(iommupt_domain_create(&cfg,
			 iommusim_mem_provider(f->mem), &dom), 0);
	return dom;
}

/* An IOVA as the domain's layout places it (TTB1: the top of the space). */
static uint64_t va(const struct fx *f, uint64_t iova)
{
	return f->m->va_layout == IOMMUPT_VA_UPPER ? iova | ~((1ull << 48) - 1)
						   : iova;
}

static uint64_t gran(const struct fx *f)
{
	return 1ull << f->m->granule;
}

/* The level 2 block of the granule: 2M, 32M, 512M. */
static unsigned int block_lg2(const struct fx *f)
{
	return f->m->granule + f->m->granule - 3;
}

static unsigned int faults_read(struct fx *f, struct iommudrv_fault *out,
				unsigned int max)
{
	unsigned int n = 99;

	ck_assert_int_eq(iommudrv_smmu_read_faults(f->drv, out, max, &n), 0);
	return n;
}

static void no_faults(struct fx *f)
{
	struct iommudrv_fault r[4];

	ck_assert_uint_eq(faults_read(f, r, 4), 0);
}

static void check_fault(struct fx *f, uint32_t sid, uint64_t iova,
			uint32_t access, uint32_t reason, uint32_t ev)
{
	struct iommudrv_fault r[4];
	unsigned int n = faults_read(f, r, 4);

	dsim_check_one_fault(r, n, 7, sid, iova, access, reason, ev);
	no_faults(f);
}

/* A DMA to an unmapped iova faults with F_TRANSLATION, reported so. */
static void unmapped(struct fx *f, uint32_t sid, uint64_t iova, int write)
{
	ck_assert_uint_eq(dsim_dma(f->u, sid, iova, write).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	check_fault(f, sid, iova,
		    write ? IOMMUDRV_ACCESS_WRITE : IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_SMMU_EV_F_TRANSLATION);
}

static void blocked(struct fx *f, uint32_t sid, uint32_t ev)
{
	ck_assert_uint_eq(dsim_dma(f->u, sid, IOVA_SRC, 0).fault, ev);
	check_fault(f, sid, 0, 0, IOMMUDRV_FAULT_NO_DEVICE, ev);
}

static void map_flush(struct fx *f, struct iommupt_domain *dom, uint16_t id,
		      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;

	dsim_map(dom, &g, iova, pa, len, prot);
	ck_assert_int_eq(iommudrv_smmu_flush(f->drv, dom, id, &g), 0);
	iommupt_gather_release(&g);
}

static void unmap_flush(struct fx *f, struct iommupt_domain *dom,
			uint16_t id, uint64_t iova, uint64_t len)
{
	struct iommupt_gather g;

	dsim_unmap(dom, &g, iova, len);
	ck_assert_int_eq(iommudrv_smmu_flush(f->drv, dom, id, &g), 0);
	iommupt_gather_release(&g);
}

static uint32_t reg(struct fx *f, unsigned int off)
{
	uint64_t v = 0;

	ck_assert_int_eq(f->mask.inner->read(f->mask.inner->ctx, off, 4, &v),
			 0);
	return (uint32_t)v;
}

/* ---- the cases --------------------------------------------------------- */

START_TEST(test_bringup_from_reset)
{
	const struct mode *m = &modes[_i];
	struct fx f;

	fx_create(&f, _i, NULL, NULL);
	ck_assert_uint_eq(f.info.stage1, 1);
	ck_assert_uint_eq(f.info.stage2, 1);
	ck_assert_uint_eq(f.info.coherent, 1);
	ck_assert_uint_eq(f.info.httu, 2);
	ck_assert_uint_eq(f.info.range_inval, 1);
	ck_assert_uint_eq(f.info.oas_lg2, 52);
	ck_assert_uint_eq(f.info.granules, (1u << 12) | (1u << 14) | (1u << 16));
	ck_assert_uint_eq(f.info.sid_bits, 16);
	ck_assert_uint_eq(f.info.asid_bits, 16);
	ck_assert_uint_eq(f.info.vmid_bits, 16);
	ck_assert_uint_eq(f.info.two_level, !(m->drv_flags & IOMMUDRV_SMMU_LINEAR));
	ck_assert_uint_eq(f.info.table_sid_bits, f.info.two_level ? 15 : 6);
	ck_assert_uint_eq(f.info.cmdq_entries, 256);
	ck_assert_uint_eq(f.info.evtq_entries, 128);
	/* From reset the SMMU is off and GBPA lets DMA through. */
	{
		struct iommusim_dma_result r = dsim_dma(f.u, SID, 0x123000, 0);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	}
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CR0ACK),
			  IOMMUSIM_SMMU_CR0_SMMUEN | IOMMUSIM_SMMU_CR0_EVENTQEN |
				  IOMMUSIM_SMMU_CR0_CMDQEN);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_GBPA), IOMMUSIM_SMMU_GBPA_ABORT);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CR1), 0xd75); /* WB, ISH */
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CR2), 0x6); /* RECINVSID PTM */
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_STRTAB_BASE_CFG),
			  f.info.two_level ? IOMMUSIM_SMMU_STRTAB_CFG(1, 6, 15)
					   : IOMMUSIM_SMMU_STRTAB_CFG(0, 0, 6));
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CMDQ_BASE) & 0x1f, 8);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_EVENTQ_BASE) & 0x1f, 7);
	/* The bring-up's CFGI_ALL, TLBI_NSNH_ALL, CMD_SYNC have run. */
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CMDQ_CONS), 3);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CMDQ_PROD), 3);
	/* Enabling twice (a restart) works as well. */
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

START_TEST(test_dma_before_attach_is_blocked_and_reported)
{
	struct fx f;

	fx_setup(&f, _i);
	/* No level 2 table yet (2-level), or an invalid STE (linear). */
	blocked(&f, SID, f.info.two_level ? IOMMUSIM_SMMU_EV_C_BAD_STREAMID
					  : IOMMUSIM_SMMU_EV_C_BAD_STE);
	/* Beyond the stream table: recorded because of CR2.RECINVSID. */
	blocked(&f, 1u << f.info.table_sid_bits, IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

/*
 * The QEMU test's sequence: map, attach, copies through granule pages
 * and a level 2 block, the permissions, a never-mapped IOVA, unmap +
 * flush with fault records, an unmap that frees a table page, re-attach
 * to a second domain and back, detach.
 */
START_TEST(test_driver_runs_the_qemu_sequence_on_the_simulator)
{
	struct iommupt_domain *dom, *dom2;
	uint64_t src, dst, dst2, huge, gr, blk, oa = 0;
	unsigned int lg2 = 0;
	uint16_t id, id2;
	struct fx f;
	struct iommupt_gather g;

	fx_setup(&f, _i);
	gr = gran(&f);
	blk = 1ull << block_lg2(&f);
	id = id_alloc(&f);
	id2 = id_alloc(&f);
	dom = dom_create(&f);
	src = dsim_data_alloc(f.mem, f.m->granule);
	dst = dsim_data_alloc(f.mem, f.m->granule);
	huge = dsim_data_alloc(f.mem, block_lg2(&f));

	dsim_fill(f.mem, src, 4096, 7);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, va(&f, IOVA_SRC), src, gr,
					    IOMMUPT_READ, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(dom, va(&f, IOVA_DST), dst, gr,
					    IOMMUPT_WRITE, &g), 0);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), 0);
	iommupt_gather_release(&g);

	/* dma at the granule */
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, va(&f, IOVA_SRC),
					va(&f, IOVA_DST),
				   4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_SRC) + gr - 8, 0).oa,
			  src + gr - 8);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, SID, va(&f,
								     IOVA_DST) + 0x7f8, 1);

		ck_assert_uint_eq(r.oa, dst + 0x7f8);
		ck_assert_uint_eq(r.page_lg2, f.m->granule);
		ck_assert_uint_eq(r.did, stage2(&f) ? id : 0);
	}
	no_faults(&f);
	/* permissions: no write to src; stage 2 can deny reads of dst */
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_SRC) + 8, 1).fault,
			  IOMMUSIM_SMMU_EV_F_PERMISSION);
	check_fault(&f, SID, va(&f, IOVA_SRC) + 8, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_PERMISSION, IOMMUSIM_SMMU_EV_F_PERMISSION);
	if (stage2(&f)) {
		ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 0).fault,
				  IOMMUSIM_SMMU_EV_F_PERMISSION);
		check_fault(&f, SID, IOVA_DST, IOMMUDRV_ACCESS_READ,
			    IOMMUDRV_FAULT_PERMISSION,
			    IOMMUSIM_SMMU_EV_F_PERMISSION);
	} else {
		ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_DST), 0).fault,
				  0);
	}

	/* a level 2 block */
	map_flush(&f, dom, id, va(&f, IOVA_HUGE), huge, blk,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(dom,
			 va(&f, IOVA_HUGE) + blk - 4096, &oa, NULL, &lg2), 0);
	ck_assert_uint_eq(lg2, block_lg2(&f));
	ck_assert_uint_eq(oa, huge + blk - 4096);
	{
		struct iommusim_dma_result r =
			dsim_dma(f.u, SID, va(&f, IOVA_HUGE) + blk - 8, 1);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert_uint_eq(r.oa, huge + blk - 8);
		ck_assert_uint_eq(r.page_lg2, block_lg2(&f));
	}
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, va(&f, IOVA_SRC),
				   va(&f, IOVA_HUGE) + blk - 4096, 4096), 0);
	dsim_fill(f.mem, huge + blk / 2, 4096, 99);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, va(&f,
							    IOVA_HUGE) + blk / 2,
				   va(&f, IOVA_DST), 4096), 0);
	ck_assert(dsim_same(f.mem, huge + blk - 4096, src, 4096));
	ck_assert(dsim_same(f.mem, huge + blk / 2, dst, 4096));
	no_faults(&f);

	/* never mapped, then mapped: takes effect at once */
	unmapped(&f, SID, va(&f, IOVA_NEVER) + 0x345008, 1);
	map_flush(&f, dom, id, va(&f, IOVA_NEVER), dst, gr, IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_NEVER) + 8, 1).oa,
			  dst + 8);
	unmap_flush(&f, dom, id, va(&f, IOVA_NEVER), gr);
	unmapped(&f, SID, va(&f, IOVA_NEVER) + 8, 1);

	/* unmap + flush: the cached translations must go */
	unmap_flush(&f, dom, id, va(&f, IOVA_DST), gr);
	unmapped(&f, SID, va(&f, IOVA_DST) + 0x10, 1);
	unmap_flush(&f, dom, id, va(&f, IOVA_SRC), gr);
	unmapped(&f, SID, va(&f, IOVA_SRC), 0);
	unmap_flush(&f, dom, id, va(&f, IOVA_HUGE), blk);
	unmapped(&f, SID, va(&f, IOVA_HUGE) + 0x1000, 1);

	/* granule pages at both ends of one leaf table, then the table freed */
	map_flush(&f, dom, id, va(&f, IOVA_TABLE), dst, gr, IOMMUPT_WRITE);
	map_flush(&f, dom, id, va(&f, IOVA_TABLE) + blk - gr, src, gr,
		  IOMMUPT_READ);
	dsim_fill(f.mem, src, 4096, 31);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, va(&f,
							    IOVA_TABLE) + blk - gr,
				   va(&f, IOVA_TABLE), 4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	{
		uint64_t done = 0;

		iommupt_gather_init(&g);
		ck_assert_int_eq(iommupt_domain_unmap(dom, va(&f, IOVA_TABLE),
						      blk, 0, &g, &done), 0);
		ck_assert_uint_eq(done, 2 * gr);
		ck_assert_uint_ge(g.nr_pages, 1);
		ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
		ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), 0);
		iommupt_gather_release(&g);
	}
	unmapped(&f, SID, va(&f, IOVA_TABLE), 1);
	/* a block where the freed table was */
	map_flush(&f, dom, id, va(&f, IOVA_TABLE), huge, blk, IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_TABLE) + 0x1000, 1).oa,
			  huge + 0x1000);

	/* re-attach to a second domain (other tag) and back */
	dst2 = dsim_data_alloc(f.mem, f.m->granule);
	dom2 = dom_create(&f);
	ck_assert_int_eq(iommupt_domain_map(dom2, va(&f, IOVA_DST), dst2, gr,
					    IOMMUPT_READ | IOMMUPT_WRITE,
					    NULL), 0);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom2, id2), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_DST) + 8, 1).oa,
			  dst2 + 8);
	unmapped(&f, SID, va(&f, IOVA_TABLE), 1);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	unmapped(&f, SID, va(&f, IOVA_DST), 1);
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_TABLE) + 8, 1).oa,
			  huge + 8);

	/* detach: blocked as before attach, now an invalid STE */
	ck_assert_int_eq(iommudrv_smmu_detach(f.drv, SID), 0);
	blocked(&f, SID, IOMMUSIM_SMMU_EV_C_BAD_STE);
	ck_assert_int_eq(iommudrv_smmu_detach(f.drv, SID), -ENOENT);
	fx_destroy(&f, 0, dom, dom2);
}
END_TEST

/* Two StreamIDs in different level 2 tables, each its own domain. */
START_TEST(test_two_streams_are_isolated)
{
	struct iommupt_domain *a, *b;
	uint64_t pa, pb;
	uint16_t ia, ib;
	struct fx f;

	fx_setup(&f, _i);
	ia = id_alloc(&f);
	ib = id_alloc(&f);
	a = dom_create(&f);
	b = dom_create(&f);
	pa = dsim_data_alloc(f.mem, f.m->granule);
	pb = dsim_data_alloc(f.mem, f.m->granule);
	map_flush(&f, a, ia, va(&f, IOVA_SRC), pa, gran(&f), IOMMUPT_READ);
	map_flush(&f, b, ib, va(&f, IOVA_SRC), pb, gran(&f), IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, a, ia), 0);
	if (f.info.table_sid_bits > 8) {
		blocked(&f, SID2, IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID2, b, ib), 0);
		ck_assert_uint_eq(dsim_dma(f.u, SID2, va(&f, IOVA_SRC), 0).oa,
				  pb);
	} else {
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID2, b, ib),
				 -ERANGE);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID + 1, b, ib), 0);
		ck_assert_uint_eq(dsim_dma(f.u, SID + 1, va(&f, IOVA_SRC),
					   0).oa, pb);
	}
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_SRC), 0).oa, pa);
	no_faults(&f);
	fx_destroy(&f, 0, a, b);
}
END_TEST

/*
 * Negative control: unmap and skip the driver's flush. The SMMU keeps
 * its cached translation and the detector fires; the flush cures it.
 */
START_TEST(test_unmap_without_driver_flush_is_caught_as_stale)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct iommusim_dma_result r;
	uint64_t pa, done = 0;
	uint16_t id;
	struct fx f;

	fx_setup(&f, _i);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, f.m->granule);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	map_flush(&f, dom, id, va(&f, IOVA_SRC), pa, gran(&f),
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_SRC), 0).oa, pa);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, va(&f, IOVA_SRC), gran(&f),
					      0, &g, &done), 0);
	r = dsim_dma(f.u, SID, va(&f, IOVA_SRC), 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(f.stale.last.fresh.fault, IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), 0);
	iommupt_gather_release(&g);
	unmapped(&f, SID, va(&f, IOVA_SRC), 0);
	fx_destroy(&f, 1, dom, NULL);
}
END_TEST

/*
 * Range (IDR3.RIL) and per-granule invalidation, and the whole ASID or
 * VMID beyond SMMU_INVAL_MAX_PAGES: unmapping 3 to 300 pages of a larger
 * mapped run leaves no stale translation and keeps its neighbours.
 */
START_TEST(test_invalidation_forms_leave_nothing_stale)
{
	static const unsigned int counts[] = { 1, 3, 31, 33, 64, 65, 300 };
	uint32_t clear[6] = { 0 };
	struct iommupt_domain *dom;
	uint64_t pa, gr;
	uint16_t id;
	struct fx f;

	clear[3] = _i & 1 ? 1u << 10 : 0; /* odd runs: no RIL */
	fx_create(&f, _i / 2 ? M_S2_4K : M_S1_4K, NULL, clear);
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	ck_assert_uint_eq(f.info.range_inval, !(_i & 1));
	gr = gran(&f);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, 21);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	for (unsigned int c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c];
		uint64_t base = IOVA_HUGE + (uint64_t)c * (1u << 21);

		/* page by page: no contiguous run for the unmap to cut */
		for (unsigned int p = 0; p < n + 2; p++)
			map_flush(&f, dom, id, base + p * gr, pa + p * gr, gr,
				  IOMMUPT_READ | IOMMUPT_WRITE);
		for (unsigned int p = 0; p < n + 2; p++)
			ck_assert_uint_eq(dsim_dma(f.u, SID, base + p * gr,
						   0).oa,
					  pa + p * gr);
		unmap_flush(&f, dom, id, base + gr, n * gr);
		ck_assert_uint_eq(dsim_dma(f.u, SID, base, 0).oa, pa);
		ck_assert_uint_eq(dsim_dma(f.u, SID, base + (n + 1) * gr, 0).oa,
				  pa + (n + 1) * gr);
		for (unsigned int p = 1; p <= n; p += (n > 8 ? 7 : 1))
			unmapped(&f, SID, base + p * gr, 0);
		unmapped(&f, SID, base + n * gr, 1);
	}
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/*
 * Queues of 2 entries: every attach and flush wraps the command queue;
 * events wrap, and an overflow is reported once, with the records kept.
 */
START_TEST(test_queues_wrap_and_event_overflow_is_reported)
{
	IOMMUPT_OPTS(iommudrv_smmu_opts, o, .unit = 7, .cmdq_lg2 = 1,
		     .evtq_lg2 = 1);
	IOMMUPT_OPTS(iommusim_unit_stats, st);
	uint32_t clear[6] = { 0, 0, 0, 1u << 10 }; /* per-page TLBIs */
	struct iommudrv_fault r[4];
	struct iommupt_domain *dom;
	uint64_t pa;
	uint16_t id;
	struct fx f;

	fx_create(&f, M_S1_4K, &o, clear);
	ck_assert_uint_eq(f.info.cmdq_entries, 2);
	ck_assert_uint_eq(f.info.evtq_entries, 2);
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	for (unsigned int i = 0; i < 20; i++) {
		uint64_t iova = IOVA_SRC + 0x1000ull * i;

		map_flush(&f, dom, id, iova, pa, 0x3000, IOMMUPT_READ);
		ck_assert_uint_eq(dsim_dma(f.u, SID, iova + 0x2000, 0).oa,
				  pa + 0x2000);
		unmap_flush(&f, dom, id, iova, 0x3000); /* 3 TLBIs + SYNC */
		/* one event at a time: the event queue wraps too */
		unmapped(&f, SID, iova + 0x2000 + i, 0);
	}
	ck_assert_int_eq(iommusim_unit_get_stats(f.u, &st), 0);
	ck_assert_uint_ge(st.queue_cmds, 20 * 4);
	/* three events into two slots: the third is lost */
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST + 8 * i, 1).fault,
				  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	{
		unsigned int n = 0;

		ck_assert_int_eq(iommudrv_smmu_read_faults(f.drv, r, 4, &n), 1);
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(r[0].iova, IOVA_DST);
		ck_assert_uint_eq(r[1].iova, IOVA_DST + 8);
	}
	/* acknowledged: the next one is recorded and read normally */
	unmapped(&f, SID, IOVA_DST + 0x40, 1);
	/* a partial read leaves the rest for the next call */
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 0).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST + 8, 0).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(faults_read(&f, r, 1), 1);
	ck_assert_uint_eq(r[0].iova, IOVA_DST);
	ck_assert_uint_eq(faults_read(&f, r, 4), 1);
	ck_assert_uint_eq(r[0].iova, IOVA_DST + 8);
	/* NULL drops pending records */
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 0).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_int_eq(iommudrv_smmu_read_faults(f.drv, NULL, 0, NULL), 0);
	no_faults(&f);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/*
 * An SMMU like QEMU 7.2's: stage 1 only, no HTTU, no range invalidation.
 * Stage 2 domains are refused; stage 1 works and its CD has no HA/HD.
 */
START_TEST(test_stage1_only_smmu_refuses_stage2)
{
	uint32_t clear[6] = { 1u << 0 | 3u << 6, 0, 0, 1u << 10, 0, 0 };
	struct iommupt_domain *d1, *d2;
	struct fx f, f2;
	uint64_t pa;
	uint16_t id;

	fx_create(&f2, M_S2_4K, NULL, clear);
	ck_assert_uint_eq(f2.info.stage2, 0);
	ck_assert_uint_eq(f2.info.httu, 0);
	ck_assert_int_eq(iommudrv_smmu_enable(f2.drv), 0);
	d2 = dom_create(&f2);
	ck_assert_int_eq(iommudrv_smmu_attach(f2.drv, SID, d2, 1), -EOPNOTSUPP);
	blocked(&f2, SID, IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	fx_destroy(&f2, 0, d2, NULL);

	fx_create(&f, M_S1_4K, NULL, clear);
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	id = id_alloc(&f);
	d1 = dom_create(&f);
	pa = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d1, id, IOVA_SRC, pa, 0x1000, IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d1, id), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC + 8, 0).oa, pa + 8);
	unmap_flush(&f, d1, id, IOVA_SRC, 0x1000);
	unmapped(&f, SID, IOVA_SRC + 8, 0);
	fx_destroy(&f, 0, d1, NULL);
}
END_TEST

/*
 * A command the SMMU cannot run (7.1 CERROR_ILL, GERROR.CMDQ_ERR): the
 * flush fails with -EIO, the driver replaces the command and acknowledges
 * the error so the queue runs again, and the same gather flushed again
 * takes effect.
 */
START_TEST(test_command_queue_error_is_reported_and_recovered)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t pa, done = 0;
	uint16_t id;
	struct fx f;

	fx_setup(&f, M_S1_4K);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	map_flush(&f, dom, id, IOVA_SRC, pa, 0x1000, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).oa, pa);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_SRC, 0x1000, 0, &g,
					      &done), 0);
	f.mask.corrupt_next = 1;
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), -EIO);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_GERROR) & 1,
			  reg(&f, IOMMUSIM_SMMU_GERRORN) & 1);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_SMMU_CMDQ_CONS) & 0x7fffffu,
			  reg(&f, IOMMUSIM_SMMU_CMDQ_PROD));
	/* the TLBI did not run: the old translation is still cached */
	ck_assert(dsim_dma(f.u, SID, IOVA_SRC, 0).flags & IOMMUSIM_RES_STALE);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), 0);
	iommupt_gather_release(&g);
	unmapped(&f, SID, IOVA_SRC + 8, 0);
	fx_destroy(&f, 1, dom, NULL);
}
END_TEST

/*
 * Dirty tracking through the SMMU's HTTU: the driver sets CD.HA/HD or
 * STE.S2HA/S2HD, so writes to writable-clean (DBM) entries do not fault
 * but mark them dirty, and libiommupt's harvest sees exactly the pages
 * the device wrote, round after round (flushing what it cleared).
 */
START_TEST(test_dirty_tracking_through_httu)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t pa, bitmap;
	uint16_t id;
	struct fx f;

	fx_setup(&f, _i ? M_S2_4K : M_S1_4K);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, 14);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dom, id), 0);
	for (unsigned int p = 0; p < 4; p++)
		map_flush(&f, dom, id, IOVA_SRC + 0x1000 * p, pa + 0x1000 * p,
			  0x1000, IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(dom, 1, NULL), 0);
	ck_assert_int_eq(iommudrv_smmu_flush_all(f.drv), 0);
	for (unsigned int round = 0; round < 3; round++) {
		unsigned int want = round == 1 ? 0x2 : 0xa;

		for (unsigned int p = 0; p < 4; p++)
			if (want >> p & 1)
				ck_assert_uint_eq(dsim_dma(f.u, SID,
							   IOVA_SRC + 0x1000 * p + 8,
						      1).fault, 0);
		ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC + 0x1000 * 2,
					   0).fault, 0);
		bitmap = 0;
		iommupt_gather_init(&g);
		ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(dom,
				 IOVA_SRC, 0x4000, 0x1000, &bitmap,
				 sizeof(bitmap), 0, &g, NULL), 0);
		ck_assert_uint_eq(bitmap, want);
		ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dom, id, &g), 0);
		iommupt_gather_release(&g);
	}
	no_faults(&f);
	ck_assert_int_eq(iommupt_domain_set_dirty_tracking(dom, 0, NULL), 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

START_TEST(test_bad_inputs_change_nothing)
{
	IOMMUPT_OPTS(iommudrv_smmu_opts, o);
	IOMMUPT_OPTS(iommupt_domain_cfg, vcfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	const struct iommupt_mmio *bus;
	struct iommudrv_smmu *drv = NULL;
	struct iommupt_domain *d1, *dv, *dbig, *d16;
	struct iommudrv_fault r[1];
	struct iommupt_gather g;
	struct fx f;
	unsigned char big[sizeof(o) + 8];
	unsigned int n = 5;

	fx_setup(&f, M_S1_4K);
	bus = &f.mask.bus;
	/* create */
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_create(NULL, &f.fm.mem, NULL, &drv), -EINVAL);
	ck_assert_ptr_null(drv);
	ck_assert_int_eq(iommudrv_smmu_create(bus, NULL, NULL, &drv), -EINVAL);
	o.flags = 1u << 7;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv), -EINVAL);
	o.flags = 0;
	o.cmdq_lg2 = 9;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv), -EINVAL);
	o.cmdq_lg2 = 0;
	o.linear_lg2 = 13;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv), -EINVAL);
	o.linear_lg2 = 0;
	o.sz = 2;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv), -EINVAL);
	memset(big, 0, sizeof(big));
	o.sz = sizeof(big);
	memcpy(big, &o, sizeof(o));
	big[sizeof(o) + 3] = 1; /* an option this library does not know */
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem,
		(const struct iommudrv_smmu_opts *)(void *)big, &drv), -EINVAL);
	ck_assert_ptr_null(drv);
	ck_assert_int_eq(f.fm.calls, 3); /* only the fixture's pages */
	/* registers that are not an SMMU */
	f.mask.zero = 1;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, NULL, &drv), -ENODEV);
	f.mask.zero = 0;
	/* a queue larger than IDR1.CMDQS allows */
	f.mask.clear[1] = 0x10u << 21; /* CMDQS 19 -> 3 */
	o.sz = sizeof(o);
	o.cmdq_lg2 = 4;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv),
			 -EOPNOTSUPP);
	o.cmdq_lg2 = 3;
	ck_assert_int_eq(iommudrv_smmu_create(bus, &f.fm.mem, &o, &drv), 0);
	iommudrv_smmu_destroy(drv);
	f.mask.clear[1] = 0;
	ck_assert_int_eq(dsim_failmem_live(&f.fm), 3);

	/* attach */
	d1 = dom_create(&f);
	ck_assert_int_eq(iommupt_domain_create(&vcfg,
			 iommusim_mem_provider(f.mem), &dv), 0);
	{
		IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_ARM_S1,
			     .granule_lg2 = 16, .ias_lg2 = 52, .oas_lg2 = 52);

		ck_assert_int_eq(iommupt_domain_create(&c,
				 iommusim_mem_provider(f.mem), &dbig), 0);
	}
	{
		IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_ARM_S2,
			     .granule_lg2 = 14, .ias_lg2 = 48, .oas_lg2 = 48);

		ck_assert_int_eq(iommupt_domain_create(&c,
				 iommusim_mem_provider(f.mem), &d16), 0);
	}
	ck_assert_int_eq(iommudrv_smmu_attach(NULL, SID, d1, 1), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, NULL, 1), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dv, 1), -EOPNOTSUPP);
	/* 52-bit VAs need IDR5.VAX, which the model does not have */
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, dbig, 1), -EOPNOTSUPP);
	/* 16K stage 2 starting at level 0: no S2SL0 encoding */
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d16, 1), -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_smmu_attach(f.drv, 1u << 15, d1, 1), -ERANGE);
	ck_assert_int_eq(dsim_failmem_live(&f.fm), 3);
	blocked(&f, SID, IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	/* detach, flush, faults, info */
	ck_assert_int_eq(iommudrv_smmu_detach(f.drv, SID), -ENOENT);
	ck_assert_int_eq(iommudrv_smmu_detach(NULL, SID), -EINVAL);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, NULL, 1, &g), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, d1, 1, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, dv, 1, &g), -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_smmu_flush(f.drv, d1, 1, &g), 0); /* empty */
	ck_assert_int_eq(iommudrv_smmu_flush_all(NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_flush_all(f.drv), 0);
	ck_assert_int_eq(iommudrv_smmu_read_faults(f.drv, NULL, 1, &n), -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(iommudrv_smmu_read_faults(NULL, r, 1, &n), -EINVAL);
	ck_assert_int_eq(iommudrv_smmu_enable(NULL), -EINVAL);
	{
		struct iommudrv_smmu_info info = { .sz = 0 };

		ck_assert_int_eq(iommudrv_smmu_get_info(f.drv, &info), -EINVAL);
		ck_assert_int_eq(iommudrv_smmu_get_info(f.drv, NULL), -EINVAL);
		/* an old caller's smaller struct gets its part only */
		info.sz = offsetof(struct iommudrv_smmu_info, idr1);
		info.idr1 = 0x5a5a;
		ck_assert_int_eq(iommudrv_smmu_get_info(f.drv, &info), 0);
		ck_assert_uint_eq(info.idr1, 0x5a5a);
		ck_assert_uint_ne(info.idr0, 0);
	}
	iommudrv_smmu_destroy(NULL);
	iommupt_domain_destroy(dv);
	iommupt_domain_destroy(dbig);
	fx_destroy(&f, 0, d1, d16);

	/* 8-bit ASIDs (IDR0.ASID16 clear): an ID beyond them */
	{
		uint32_t clear[6] = { 1u << 12 };

		fx_create(&f, M_S1_4K, NULL, clear);
		ck_assert_uint_eq(f.info.asid_bits, 8);
		ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
		d1 = dom_create(&f);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d1, 256),
				 -ERANGE);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d1, 255), 0);
		fx_destroy(&f, 0, d1, NULL);
	}
	/* no 16K granule (IDR5.GRAN16K clear) */
	{
		uint32_t clear[6] = { 0, 0, 0, 0, 0, 1u << 5 };

		fx_create(&f, M_S1_16K, NULL, clear);
		ck_assert_uint_eq(f.info.granules, (1u << 12) | (1u << 16));
		ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
		d1 = dom_create(&f);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d1, 1),
				 -EOPNOTSUPP);
		fx_destroy(&f, 0, d1, NULL);
	}
	/* a 44-bit OAS (IDR5.OAS 4) refuses a 48-bit output domain */
	{
		uint32_t clear[6] = { 0, 0, 0, 0, 0, 2 }; /* OAS 6 -> 4 */

		fx_create(&f, M_S2_4K, NULL, clear);
		ck_assert_uint_eq(f.info.oas_lg2, 44);
		ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
		d1 = dom_create(&f);
		ck_assert_int_eq(iommudrv_smmu_attach(f.drv, SID, d1, 1),
				 -EOPNOTSUPP);
		fx_destroy(&f, 0, d1, NULL);
	}
}
END_TEST

/*
 * Allocation failure injected at each allocation of create (stream
 * table, queues) and of attach (CD, level 2 table): -ENOMEM, no page
 * kept, and the StreamID still blocked as before; then success.
 */
START_TEST(test_allocation_failure_at_each_step)
{
	const struct mode *m = &modes[_i];
	IOMMUPT_OPTS(iommudrv_smmu_opts, o, .unit = 7, .flags = m->drv_flags);
	struct iommupt_domain *dom;
	int at, ret;
	struct fx f;
	uint64_t pa;
	uint16_t id;

	fx_create(&f, _i, NULL, NULL);
	for (at = 0;; at++) {
		struct iommudrv_smmu *drv = NULL;

		f.fm.calls = 0;
		f.fm.fail_at = at;
		ret = iommudrv_smmu_create(&f.mask.bus, &f.fm.mem, &o, &drv);
		if (!ret) {
			iommudrv_smmu_destroy(drv);
			break;
		}
		ck_assert_int_eq(ret, -ENOMEM);
		ck_assert_ptr_null(drv);
		/* the fixture's driver */
		ck_assert_int_eq(dsim_failmem_live(&f.fm), 3);
	}
	ck_assert_int_eq(at, 3);
	ck_assert_int_eq(iommudrv_smmu_enable(f.drv), 0);
	id = id_alloc(&f);
	dom = dom_create(&f);
	pa = dsim_data_alloc(f.mem, f.m->granule);
	map_flush(&f, dom, id, va(&f, IOVA_SRC), pa, gran(&f), IOMMUPT_READ);
	for (at = 0;; at++) {
		long live = dsim_failmem_live(&f.fm);

		f.fm.calls = 0;
		f.fm.fail_at = at;
		ret = iommudrv_smmu_attach(f.drv, SID, dom, id);
		if (!ret)
			break;
		ck_assert_int_eq(ret, -ENOMEM);
		ck_assert_int_eq(dsim_failmem_live(&f.fm), live);
		blocked(&f, SID, f.info.two_level ?
			IOMMUSIM_SMMU_EV_C_BAD_STREAMID :
			IOMMUSIM_SMMU_EV_C_BAD_STE);
	}
	/* stage 1: CD (+ level 2 table); stage 2: level 2 table only */
	ck_assert_int_eq(at, (stage2(&f) ? 0 : 1) + (int)f.info.two_level);
	f.fm.fail_at = -1;
	ck_assert_uint_eq(dsim_dma(f.u, SID, va(&f, IOVA_SRC) + 8, 0).oa,
			  pa + 8);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

Suite *drv_smmu_sim_suite(void);

Suite *drv_smmu_sim_suite(void)
{
	Suite *s = suite_create("drv_smmu_sim");
	TCase *tc = test_tcase("smmu");

	tcase_add_loop_test(tc, test_bringup_from_reset, 0, NR_MODES);
	tcase_add_loop_test(tc, test_dma_before_attach_is_blocked_and_reported,
			    0, NR_MODES);
	tcase_add_loop_test(tc,
		test_driver_runs_the_qemu_sequence_on_the_simulator, 0,
		NR_MODES);
	tcase_add_loop_test(tc, test_two_streams_are_isolated, 0, NR_MODES);
	tcase_add_loop_test(tc, test_invalidation_forms_leave_nothing_stale, 0,
			    4);
	tcase_add_test(tc, test_queues_wrap_and_event_overflow_is_reported);
	tcase_add_test(tc, test_stage1_only_smmu_refuses_stage2);
	tcase_add_test(tc, test_command_queue_error_is_reported_and_recovered);
	tcase_add_loop_test(tc, test_dirty_tracking_through_httu, 0, 2);
	suite_add_tcase(s, tc);
	tc = test_tcase("negative-controls");
	tcase_add_loop_test(tc, test_unmap_without_driver_flush_is_caught_as_stale,
			    0, NR_MODES);
	suite_add_tcase(s, tc);
	tc = test_tcase("errors");
	tcase_add_test(tc, test_bad_inputs_change_nothing);
	tcase_add_loop_test(tc, test_allocation_failure_at_each_step, 0,
			    NR_MODES);
	suite_add_tcase(s, tc);
	return s;
}
