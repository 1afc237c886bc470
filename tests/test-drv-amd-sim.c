// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The AMD-Vi user-mode driver (drivers/amd.c) against the simulator's
 * AMD-Vi model: the driver programs the simulated unit over its MMIO bus;
 * its device table, command buffer and event log and libiommupt's AMD v1
 * tables live in simulated memory, where the model walks them with its own
 * code. The checks of the QEMU test (tests/qemu/amd-edu.c) run here too,
 * plus what QEMU cannot show: event log overflow and wrap, command buffer
 * wrap, an illegal command, every level count, a growing domain, bad
 * inputs and allocation failures at each step of create and attach.
 *
 * The stale-translation detector must stay silent throughout; the negative
 * controls leave out the driver's invalidation once and show that it does
 * fire.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-amd.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/sim-amd.h>
#include <iommupt/sim.h>
#include <iommupt/unit.h>

#include "drv-sim-harness.h"
#include "helpers.h"

/* The same IOVAs as tests/qemu/amd-edu.c. */
#define IOVA_SRC 0x100000ull
#define IOVA_DST 0x200000ull
#define IOVA_HUGE 0x400000ull  /* 2M aligned */
#define IOVA_NEVER 0x800000ull /* never mapped */
#define IOVA_TABLE 0xc00000ull /* 2M-aligned range filled with 4K pages */
#define DEVID 0x0310u          /* bus 3, device 2, function 0 */
#define DEVID2 0x03a8u         /* same bus */
#define NR_BUS 4
#define EV_IOPF IOMMUSIM_AMD_EV_IO_PAGE_FAULT

/*
 * An MMIO bus in front of the unit's: reads as all ones when absent, and
 * can plant an illegal command (opcode 0) in the slot the next tail write
 * publishes first.
 */
struct mmio_shim {
	struct iommupt_mmio bus;
	const struct iommupt_mmio *inner;
	struct iommusim_mem *mem;
	int absent;
	int plant_illegal;
	uint64_t last_tail;
};

static int shim_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	struct mmio_shim *s = ctx;

	if (s->absent) {
		*v = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
		return 0;
	}
	return s->inner->read(s->inner->ctx, off, size, v);
}

static int shim_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	struct mmio_shim *s = ctx;

	if (off == IOMMUSIM_AMD_CMD_TAIL && size == 8) {
		if (s->plant_illegal) {
			uint64_t base;

			s->plant_illegal = 0;
			ck_assert_int_eq(s->inner->read(s->inner->ctx,
					 IOMMUSIM_AMD_CMDBUF, 8, &base), 0);
			base &= 0x000ffffffffff000ull;
			ck_assert_int_eq(iommusim_mem_write64(s->mem,
					 base + s->last_tail, 0), 0);
		}
		s->last_tail = v;
	}
	return s->inner->write(s->inner->ctx, off, size, v);
}

struct fx {
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	struct mmio_shim shim;
	struct dsim_failmem cm;
	struct iommudrv_amd *drv;
	struct iommudrv_amd_info info;
	struct dsim_stale stale;
	struct iommupt_domain *grow_dom; /* for on_grow */
};

/* The unit from reset (efr 0: the model's default) and its buses. */
static void fx_unit(struct fx *f, uint64_t efr)
{
	IOMMUPT_OPTS(iommusim_amd_opts, so, .efr = efr);

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(iommusim_mem_create(NULL, &f->mem), 0);
	ck_assert_int_eq(iommusim_amd_create(&so, f->mem, &f->u), 0);
	f->stale.tag = "amd";
	iommusim_unit_set_stale_fn(f->u, dsim_on_stale, &f->stale);
	f->shim.inner = iommusim_unit_mmio(f->u);
	f->shim.mem = f->mem;
	f->shim.bus.ctx = &f->shim;
	f->shim.bus.read = shim_read;
	f->shim.bus.write = shim_write;
	dsim_failmem_init(&f->cm, iommusim_mem_provider(f->mem));
}

static int fx_driver(struct fx *f, uint32_t flags)
{
	IOMMUPT_OPTS(iommudrv_amd_opts, o, .unit = 7, .flags = flags,
		     .nr_bus = NR_BUS);
	int ret = iommudrv_amd_create(&f->shim.bus, &f->cm.mem, &o, &f->drv);

	if (ret)
		return ret;
	f->info.sz = sizeof(f->info);
	ck_assert_int_eq(iommudrv_amd_get_info(f->drv, &f->info), 0);
	return 0;
}

static void fx_setup_efr(struct fx *f, uint64_t efr)
{
	fx_unit(f, efr);
	ck_assert_int_eq(fx_driver(f, 0), 0);
	ck_assert_int_eq(iommudrv_amd_enable(f->drv), 0);
}

static void fx_setup(struct fx *f)
{
	fx_setup_efr(f, 0);
}

/* Shut down, free the domains, then the unit; every page came back. */
static void fx_destroy(struct fx *f, unsigned int stale_expected,
		       struct iommupt_domain *d1, struct iommupt_domain *d2)
{
	ck_assert_uint_eq(dsim_nr_stale(f->u, &f->stale), stale_expected);
	iommudrv_amd_destroy(f->drv);
	ck_assert_int_eq(f->cm.nr_alloc, f->cm.nr_free);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	iommusim_unit_destroy(f->u);
	iommusim_mem_destroy(f->mem);
}

static struct iommupt_domain *dom_create(struct fx *f, unsigned int levels)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = levels);
	struct iommupt_domain *dom;

	ck_assert_int_eq(iommupt_domain_create(&cfg,
			 iommusim_mem_provider(f->mem), &dom), 0);
	return dom;
}

static unsigned int faults_read(struct fx *f, struct iommudrv_fault *out,
				unsigned int max)
{
	unsigned int n = 99;

	ck_assert_int_eq(iommudrv_amd_read_faults(f->drv, out, max, &n), 0);
	return n;
}

static void no_faults(struct fx *f)
{
	struct iommudrv_fault r[4];

	ck_assert_uint_eq(faults_read(f, r, 4), 0);
}

/* Exactly one event, read through the driver, with these fields. */
static void check_fault(struct fx *f, uint16_t devid, uint64_t iova,
			uint32_t access, uint32_t reason, uint32_t code,
			uint32_t flags)
{
	struct iommudrv_fault r[4];
	unsigned int n = faults_read(f, r, 4);

	dsim_check_one_fault(r, n, 7, devid, iova, access, reason,
			     code << 12 | flags);
	no_faults(f);
}

/* A write to an IOVA with no entry: IO_PAGE_FAULT, not present. */
static void write_faults(struct fx *f, uint16_t devid, uint64_t iova)
{
	ck_assert_uint_eq(dsim_dma(f->u, devid, iova, 1).fault, EV_IOPF);
	check_fault(f, devid, iova, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, IOMMUSIM_AMD_EVF_RW);
}

/* An access from a DeviceID that is not attached. */
static void blocked(struct fx *f, uint16_t devid, uint64_t iova, int write)
{
	ck_assert_uint_eq(dsim_dma(f->u, devid, iova, write).fault, EV_IOPF);
	check_fault(f, devid, iova,
		    write ? IOMMUDRV_ACCESS_WRITE : IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_NO_DEVICE, EV_IOPF,
		    write ? IOMMUSIM_AMD_EVF_RW : 0);
}

static void map_flush(struct fx *f, struct iommupt_domain *dom, uint16_t did,
		      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;

	dsim_map(dom, &g, iova, pa, len, prot);
	ck_assert_int_eq(iommudrv_amd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

static void unmap_flush(struct fx *f, struct iommupt_domain *dom,
			uint16_t did, uint64_t iova, uint64_t len)
{
	struct iommupt_gather g;

	dsim_unmap(dom, &g, iova, len);
	ck_assert_int_eq(iommudrv_amd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

static uint64_t reg(struct fx *f, unsigned int off)
{
	uint64_t v = 0;

	ck_assert_int_eq(f->shim.inner->read(f->shim.inner->ctx, off, 8, &v),
			 0);
	return v;
}

/* ---- the cases --------------------------------------------------------- */

START_TEST(test_bringup_from_reset_programs_the_unit_and_blocks)
{
	uint64_t ctrl;
	struct fx f;

	fx_unit(&f, 0);
	ck_assert_int_eq(fx_driver(&f, 0), 0);
	ck_assert_uint_eq(f.info.efr, iommusim_amd_default_efr());
	ck_assert_uint_eq(f.info.levels_mask, 0x7e); /* HATS 2: 1..6 */
	ck_assert_uint_eq(f.info.nr_devids, NR_BUS * 256);
	ck_assert_uint_eq(f.info.nr_domains, 0xffff);
	ck_assert_uint_eq(f.info.cmd_entries, 256);
	ck_assert_uint_eq(f.info.evt_entries, 256);
	ck_assert_uint_eq(f.info.inval_all, 1);
	/* create allocates: device table, command buffer, event log, wait
	 * word, the blocking table; and nothing touched the unit */
	ck_assert_int_eq(f.cm.nr_alloc, 5);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_CONTROL), 0);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID, 0x123000,
							0);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	}
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);
	ctrl = reg(&f, IOMMUSIM_AMD_CONTROL);
	ck_assert(ctrl & IOMMUSIM_AMD_CTRL_IOMMU_EN);
	ck_assert(ctrl & IOMMUSIM_AMD_CTRL_CMDBUF_EN);
	ck_assert(ctrl & IOMMUSIM_AMD_CTRL_EVTLOG_EN);
	ck_assert(!(ctrl & IOMMUSIM_AMD_CTRL_EVTINT_EN));
	/* 8 KiB per bus: Size = pages - 1 */
	ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_DEVTAB) & 0x1ff,
			  NR_BUS * 2 - 1);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_CMDBUF) >> 56, 8);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_EVTLOG) >> 56, 8);
	ck_assert(reg(&f, IOMMUSIM_AMD_STATUS) & IOMMUSIM_AMD_STS_CMDBUF_RUN);
	/* INVALIDATE_IOMMU_ALL and the completion wait ran */
	{
		IOMMUPT_OPTS(iommusim_unit_stats, st);

		ck_assert_int_eq(iommusim_unit_get_stats(f.u, &st), 0);
		ck_assert_uint_eq(st.queue_cmds, 2);
	}
	/* every DeviceID the table covers is blocked, and reported so */
	blocked(&f, DEVID, 0x123000, 0);
	blocked(&f, 0, 0x5000, 1);
	blocked(&f, NR_BUS * 256 - 1, 0xabc000, 0);
	/* beyond the table: the model's ILLEGAL_DEV_TABLE_ENTRY */
	ck_assert_uint_eq(dsim_dma(f.u, NR_BUS * 256, 0x1000, 0).fault,
			  IOMMUSIM_AMD_EV_ILLEGAL_DTE);
	{
		struct iommudrv_fault r[2];

		ck_assert_uint_eq(faults_read(&f, r, 2), 1);
		ck_assert_uint_eq(r[0].reason, IOMMUDRV_FAULT_BAD_ENTRY);
		ck_assert_uint_eq(r[0].source_id, NR_BUS * 256);
	}
	/* enabling again (a restart) works and keeps blocking */
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);
	blocked(&f, DEVID, 0x7000, 1);
	iommudrv_amd_destroy(f.drv);
	f.drv = NULL;
	/* shut down: translation off, DMA passes untranslated again */
	ck_assert(dsim_dma(f.u, DEVID, 0x123000,
			   0).flags & IOMMUSIM_RES_BYPASS);
	ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_CONTROL), 0);
	ck_assert_int_eq(f.cm.nr_alloc, f.cm.nr_free);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

/*
 * The QEMU test's main sequence: map, attach, 4K and 2M copies, the
 * domain's permissions, a never-mapped IOVA, unmap + flush then faults
 * with the right IOVA and reason, an unmap that frees a table page,
 * re-attach to a second domain and back, detach.
 */
START_TEST(test_driver_runs_the_qemu_sequence_on_the_simulator)
{
	struct iommupt_domain *dom, *dom2;
	struct iommupt_gather g;
	uint64_t src, dst, dst2, huge, oa = 0;
	unsigned int lg2 = 0;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	src = dsim_data_alloc(f.mem, 12);
	dst = dsim_data_alloc(f.mem, 12);
	huge = dsim_data_alloc(f.mem, 21);

	dsim_fill(f.mem, src, 4096, 7);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID, IOVA_SRC, IOVA_DST,
					4096),
			  EV_IOPF);
	check_fault(&f, DEVID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_NO_DEVICE, EV_IOPF, 0);

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_SRC, src, 4096,
					    IOMMUPT_READ, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_DST, dst, 4096,
					    IOMMUPT_WRITE, &g), 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, &g), 0);
	iommupt_gather_release(&g);

	/* dma-4k */
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC + 0x18, 0).oa,
			  src + 0x18);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_DST + 0x7f8, 1).oa,
			  dst + 0x7f8);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID, IOVA_SRC,
							0);

		ck_assert_uint_eq(r.did, 1);
		ck_assert_uint_eq(r.page_lg2, 12);
	}
	no_faults(&f);
	/* the domain's permissions: IO_PAGE_FAULT with PE */
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC + 0x40, 1).fault,
			  EV_IOPF);
	check_fault(&f, DEVID, IOVA_SRC + 0x40, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_PERMISSION, EV_IOPF,
		    IOMMUSIM_AMD_EVF_RW | IOMMUSIM_AMD_EVF_PE |
			    IOMMUSIM_AMD_EVF_PR);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_DST, 0).fault, EV_IOPF);
	check_fault(&f, DEVID, IOVA_DST, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_PERMISSION, EV_IOPF,
		    IOMMUSIM_AMD_EVF_PE | IOMMUSIM_AMD_EVF_PR);

	/* map-2m, dma-2m */
	map_flush(&f, dom, 1, IOVA_HUGE, huge, 1u << 21,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(dom, IOVA_HUGE + 0x1ff000,
						     &oa, NULL, &lg2), 0);
	ck_assert_uint_eq(lg2, 21);
	ck_assert_uint_eq(oa, huge + 0x1ff000);
	{
		struct iommusim_dma_result r =
			dsim_dma(f.u, DEVID, IOVA_HUGE + 0x1ff008, 1);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert_uint_eq(r.oa, huge + 0x1ff008);
		ck_assert_uint_eq(r.page_lg2, 21);
	}
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID, IOVA_SRC,
					IOVA_HUGE + 0x1ff000,
				   4096), 0);
	dsim_fill(f.mem, huge + 0x100000, 4096, 99);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID, IOVA_HUGE + 0x100000,
					IOVA_DST,
				   4096), 0);
	ck_assert(dsim_same(f.mem, huge + 0x1ff000, src, 4096));
	ck_assert(dsim_same(f.mem, huge + 0x100000, dst, 4096));
	no_faults(&f);

	/* fault-never-mapped: the exact IOVA comes back */
	write_faults(&f, DEVID, IOVA_NEVER + 0x345678);

	/* unmap-4k, unmapped-4k-untouched, fault-write-after-unmap */
	unmap_flush(&f, dom, 1, IOVA_DST, 4096);
	dsim_zero(f.mem, dst, 4096);
	dsim_fill(f.mem, src, 4096, 11);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID, IOVA_SRC, IOVA_DST,
					4096),
			  EV_IOPF);
	ck_assert(dsim_is_zero(f.mem, dst, 4096));
	check_fault(&f, DEVID, IOVA_DST, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, IOMMUSIM_AMD_EVF_RW);
	unmap_flush(&f, dom, 1, IOVA_SRC, 4096);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC + 0x10, 0).fault,
			  EV_IOPF);
	check_fault(&f, DEVID, IOVA_SRC + 0x10, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, 0);

	/* unmap-2m: the whole page goes (S-bit range of 2M) */
	unmap_flush(&f, dom, 1, IOVA_HUGE, 1u << 21);
	write_faults(&f, DEVID, IOVA_HUGE + 0x1000);
	write_faults(&f, DEVID, IOVA_HUGE + 0x1ff000);

	/* unmap-frees-table: page directory caches go too (PDE) */
	map_flush(&f, dom, 1, IOVA_TABLE, dst, 4096, IOMMUPT_WRITE);
	map_flush(&f, dom, 1, IOVA_TABLE + 0x1ff000, src, 4096, IOMMUPT_READ);
	dsim_fill(f.mem, src, 4096, 31);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, DEVID,
					IOVA_TABLE + 0x1ff000,
				   IOVA_TABLE, 4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	{
		uint64_t done = 0;

		iommupt_gather_init(&g);
		ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_TABLE, 1u << 21,
						      0, &g, &done), 0);
		ck_assert_uint_eq(done, 8192);
		ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
		ck_assert_uint_ge(g.nr_pages, 1);
		ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, &g), 0);
		iommupt_gather_release(&g);
	}
	write_faults(&f, DEVID, IOVA_TABLE);

	/* re-attach to a second domain: the old DomainID's pages go too */
	dst2 = dsim_data_alloc(f.mem, 12);
	dom2 = dom_create(&f, 4);
	map_flush(&f, dom, 1, IOVA_DST, dst, 4096, IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_DST, 1).oa,
			  dst); /* cached */
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_DST, dst2, 4096,
					    IOMMUPT_WRITE, NULL), 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom2, 2), 0);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID, IOVA_DST,
							1);

		ck_assert_uint_eq(r.oa, dst2);
		ck_assert_uint_eq(r.did, 2);
	}
	/* and back */
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_DST, 1).oa, dst);
	/* two DeviceIDs on one bus stay apart */
	blocked(&f, DEVID2, IOVA_DST, 1);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID2, dom2, 2), 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID2, IOVA_DST, 1).oa, dst2);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_DST, 1).oa, dst);

	/* detach blocks again */
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	blocked(&f, DEVID, IOVA_DST, 1);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), -ENOENT);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID2, IOVA_DST, 1).oa, dst2);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID2), 0);
	no_faults(&f);
	fx_destroy(&f, 0, dom, dom2);
}
END_TEST

/*
 * Every level count the unit allows (Mode 1..6 with HATS 2), an IOVA near
 * the top of each aperture, a 2M page where the levels reach it; a unit
 * with HATS 0 (4 levels) refuses a 5-level domain.
 */
START_TEST(test_every_level_count_the_unit_allows_translates)
{
	unsigned int levels = (unsigned int)_i;
	struct iommupt_domain *dom;
	uint64_t pa, hp = 0, top;
	struct fx f;

	fx_setup(&f);
	ck_assert(f.info.levels_mask & (1u << levels));
	dom = dom_create(&f, levels);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 9), 0);
	top = levels >= 6 ? (1ull << 62) : (1ull << (12 + 9 * levels));
	top -= 0x1000;
	map_flush(&f, dom, 9, top, pa, 4096, IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, top + 8, 0).oa, pa + 8);
	unmap_flush(&f, dom, 9, top, 4096);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, top, 0).fault, EV_IOPF);
	check_fault(&f, DEVID, top, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, 0);
	if (levels >= 2) {
		uint64_t iova = 0x200000ull * ((levels == 2) ? 3 : 511);

		hp = dsim_data_alloc(f.mem, 21);
		map_flush(&f, dom, 9, iova, hp, 1u << 21, IOMMUPT_READ);
		{
			struct iommusim_dma_result r =
				dsim_dma(f.u, DEVID, iova + 0x12340, 0);

			ck_assert_uint_eq(r.oa, hp + 0x12340);
			ck_assert_uint_eq(r.page_lg2, 21);
		}
	}
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

START_TEST(test_unit_with_four_levels_refuses_a_five_level_domain)
{
	struct iommupt_domain *d4, *d5;
	struct fx f;

	fx_setup_efr(&f, IOMMUSIM_AMD_EFR_IASUP | IOMMUSIM_AMD_EFR_HATS(0));
	ck_assert_uint_eq(f.info.levels_mask, 0x1e);
	d4 = dom_create(&f, 4);
	d5 = dom_create(&f, 5);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, d5, 1),
			 -EOPNOTSUPP);
	blocked(&f, DEVID, IOVA_SRC, 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, d4, 1), 0);
	map_flush(&f, d4, 1, IOVA_SRC, 0x7654000, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, 0x7654000);
	ck_assert_int_eq(iommudrv_amd_set_root(f.drv, d4, 0x100000, 5),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 0, d4, d5);
}
END_TEST

/*
 * Without IASup the driver invalidates every DTE and every DomainID;
 * a stale translation must be gone afterwards.
 */
START_TEST(test_flush_all_without_invalidate_all_command)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t pa, done = 0;
	struct fx f;

	fx_setup_efr(&f, IOMMUSIM_AMD_EFR_HATS(2));
	ck_assert_uint_eq(f.info.inval_all, 0);
	ck_assert_int_eq(iommusim_unit_get_stats(f.u, &st), 0);
	/* enable: one per DeviceID and per DomainID, plus the waits */
	ck_assert_uint_ge(st.queue_cmds, NR_BUS * 256 + 65536);
	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 0xfffe), 0);
	map_flush(&f, dom, 0xfffe, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_SRC, 4096, 0, &g,
					      &done), 0);
	ck_assert_int_eq(iommudrv_amd_flush_all(f.drv), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).fault, EV_IOPF);
	ck_assert(!(dsim_dma(f.u, DEVID, IOVA_SRC,
			     0).flags & IOMMUSIM_RES_STALE));
	ck_assert_uint_eq(faults_read(&f, (struct iommudrv_fault[4]){ { 0 } },
				      4), 2);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/*
 * The event log (256 entries) fills: 255 events fit, the rest are lost
 * and EventOverflow is set. The driver hands out what was logged, says
 * so (1), restarts logging, and the next event is logged again. Then the
 * ring wraps: events cross the end of the log in order.
 */
START_TEST(test_event_log_overflow_and_wrap)
{
	struct iommudrv_fault *r = calloc(512, sizeof(*r));
	unsigned int n = 0, i, total;
	int ret;
	struct fx f;

	fx_setup(&f);
	for (i = 0; i < 300; i++)
		ck_assert_uint_eq(dsim_dma(f.u, DEVID, 0x1000ull * i,
					   i & 1).fault,
				  EV_IOPF);
	ck_assert(reg(&f, IOMMUSIM_AMD_STATUS) &
		  IOMMUSIM_AMD_STS_EVT_OVERFLOW);
	/* a partial read leaves the rest and does not restart yet */
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, r, 100, &n), 0);
	ck_assert_uint_eq(n, 100);
	ret = iommudrv_amd_read_faults(f.drv, r + 100, 412, &n);
	ck_assert_int_eq(ret, 1);
	ck_assert_uint_eq(n, 155);
	for (i = 0; i < 255; i++) {
		ck_assert_uint_eq(r[i].iova, 0x1000ull * i);
		ck_assert_uint_eq(r[i].access, i & 1 ? IOMMUDRV_ACCESS_WRITE
						     : IOMMUDRV_ACCESS_READ);
		ck_assert_uint_eq(r[i].reason, IOMMUDRV_FAULT_NO_DEVICE);
	}
	ck_assert(!(reg(&f, IOMMUSIM_AMD_STATUS) &
		    IOMMUSIM_AMD_STS_EVT_OVERFLOW));
	/* logging runs again, from the start of the log */
	blocked(&f, DEVID, 0xfeed000, 1);

	/* wrap: 200 + 200 events read in two batches cross the end */
	for (total = 0; total < 2; total++) {
		for (i = 0; i < 200; i++)
			ck_assert_uint_eq(dsim_dma(f.u, DEVID2, 0x2000ull * i +
					      total, 0).fault, EV_IOPF);
		ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, r, 512, &n),
				 0);
		ck_assert_uint_eq(n, 200);
		for (i = 0; i < 200; i++) {
			ck_assert_uint_eq(r[i].iova, 0x2000ull * i + total);
			ck_assert_uint_eq(r[i].source_id, DEVID2);
		}
	}
	no_faults(&f);
	/* draining with out == NULL discards */
	dsim_dma(f.u, DEVID, 0x1000, 0);
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, NULL, 0, &n), 0);
	ck_assert_uint_eq(n, 0);
	no_faults(&f);
	free(r);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

/*
 * IOMMUDRV_AMD_QUIRK_EVT_TAIL: the driver finds new entries by content,
 * not by the tail register; a shim hides the tail (reads 0) as QEMU
 * before 10.0 does. Events come out in order, across the end of the log,
 * and an overflow is still reported.
 */
static int hide_tail_read(void *ctx, uint64_t off, unsigned int size,
			  uint64_t *v)
{
	struct mmio_shim *s = ctx;
	int ret = s->inner->read(s->inner->ctx, off, size, v);

	if (!ret && off == IOMMUSIM_AMD_EVT_TAIL)
		*v = 0;
	return ret;
}

START_TEST(test_event_log_found_without_the_tail_register)
{
	struct iommudrv_fault *r = calloc(512, sizeof(*r));
	unsigned int n = 0, i, round;
	struct fx f;

	fx_unit(&f, 0);
	f.shim.bus.read = hide_tail_read;
	ck_assert_int_eq(fx_driver(&f, IOMMUDRV_AMD_QUIRK_EVT_TAIL), 0);
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);
	blocked(&f, DEVID, 0x5000, 1);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 150; i++)
			ck_assert_uint_eq(dsim_dma(f.u, DEVID2,
						   0x1000ull * i + round,
					      0).fault, EV_IOPF);
		ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, r, 512, &n),
				 0);
		ck_assert_uint_eq(n, 150);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(r[i].iova, 0x1000ull * i + round);
	}
	for (i = 0; i < 300; i++)
		dsim_dma(f.u, DEVID, 0x1000ull * i, 0);
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, r, 512, &n), 1);
	ck_assert_uint_eq(n, 255);
	ck_assert_uint_eq(r[254].iova, 0x1000ull * 254);
	blocked(&f, DEVID, 0x7000, 0);
	free(r);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

/*
 * Many more commands than the 256-entry buffer holds: every flush is two
 * commands, so the tail wraps a few times; each flush must still take
 * effect, which a DMA after each unmap checks.
 */
START_TEST(test_command_buffer_wraps)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);
	struct iommupt_domain *dom;
	uint64_t pa;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 5), 0);
	for (unsigned int i = 0; i < 300; i++) {
		uint64_t iova = IOVA_SRC + 0x1000ull * (i % 7);

		map_flush(&f, dom, 5, iova, pa, 4096, IOMMUPT_READ);
		ck_assert_uint_eq(dsim_dma(f.u, DEVID, iova + 8, 0).oa, pa + 8);
		unmap_flush(&f, dom, 5, iova, 4096);
		ck_assert_uint_eq(dsim_dma(f.u, DEVID, iova, 0).fault, EV_IOPF);
	}
	ck_assert_uint_eq(faults_read(&f, (struct iommudrv_fault[4]){ { 0 } },
				      4), 4);
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, NULL, 0, NULL), 1);
	ck_assert_int_eq(iommusim_unit_get_stats(f.u, &st), 0);
	ck_assert_uint_ge(st.queue_cmds, 600);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/*
 * An illegal command stops the buffer (2.4): the driver's wait fails with
 * -EIO, the ILLEGAL_COMMAND_ERROR event comes out of the log with the
 * command's address, and the driver's next command runs.
 */
START_TEST(test_illegal_command_stops_the_buffer_and_recovers)
{
	struct iommupt_domain *dom;
	struct iommudrv_fault r[4];
	uint64_t pa, base;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	f.shim.plant_illegal = 1;
	base = reg(&f, IOMMUSIM_AMD_CMDBUF) & 0x000ffffffffff000ull;
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 3), -EIO);
	ck_assert_uint_eq(faults_read(&f, r, 4), 1);
	ck_assert_uint_eq(r[0].reason, IOMMUDRV_FAULT_OTHER);
	ck_assert_uint_eq(r[0].vendor_reason,
			  IOMMUSIM_AMD_EV_ILLEGAL_COMMAND << 12);
	ck_assert_uint_eq(r[0].source_id, 0);
	ck_assert_uint_ge(r[0].iova, base);
	ck_assert_uint_lt(r[0].iova, base + 4096);
	/* the entry was written; attaching again invalidates and works */
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 3), 0);
	map_flush(&f, dom, 3, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	ck_assert_int_eq(iommudrv_amd_flush_all(f.drv), 0);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	no_faults(&f);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

static void on_grow(void *ctx, uint64_t root_oa, unsigned int levels)
{
	struct fx *f = ctx;

	ck_assert_int_eq(iommudrv_amd_set_root(f->drv, f->grow_dom, root_oa,
					       levels), 0);
}

/*
 * A domain that grows (IOMMUPT_CFG_AMD_GROW): attached at 1 level, a map
 * beyond 2M adds levels, grow_fn points the DTE at the new root, and
 * both the old and the new IOVAs translate.
 */
START_TEST(test_growing_domain_updates_the_dte)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	uint64_t pa, pb;
	struct fx f;

	fx_setup(&f);
	{
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg,
			     .format = IOMMUPT_FMT_AMD_V1, .levels = 1,
			     .flags = IOMMUPT_CFG_AMD_GROW, .grow_fn = on_grow,
			     .grow_ctx = &f);

		ck_assert_int_eq(iommupt_domain_create(&cfg,
				 iommusim_mem_provider(f.mem), &dom), 0);
	}
	f.grow_dom = dom;
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 4), 0);
	map_flush(&f, dom, 4, 0x3000, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, 0x3008, 0).oa, pa + 8);
	map_flush(&f, dom, 4, 1ull << 40, pb, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
	ck_assert_uint_ge(info.levels, 4);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, (1ull << 40) + 16, 0).oa,
			  pb + 16);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, 0x3008, 0).oa, pa + 8);
	ck_assert_int_eq(iommudrv_amd_set_root(f.drv, dom, 0x1234, 4),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_amd_set_root(f.drv, dom, info.root_oa, 0),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	no_faults(&f);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/* Negative control: unmap and skip the driver's flush: stale, then cured. */
START_TEST(test_unmap_without_driver_flush_is_caught_as_stale)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct iommusim_dma_result r;
	uint64_t pa, done = 0;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	map_flush(&f, dom, 1, IOVA_SRC, pa, 0x1000,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa,
			  pa); /* cached */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_SRC, 0x1000, 0, &g,
					      &done), 0);
	r = dsim_dma(f.u, DEVID, IOVA_SRC, 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 1);
	ck_assert_uint_eq(f.stale.last.sid, DEVID);
	ck_assert_uint_eq(f.stale.last.did, 1);
	ck_assert_uint_eq(f.stale.last.cached.oa, pa);
	ck_assert_uint_eq(f.stale.last.fresh.fault, EV_IOPF);
	ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, &g), 0);
	iommupt_gather_release(&g);
	r = dsim_dma(f.u, DEVID, IOVA_SRC, 0);
	ck_assert_uint_eq(r.fault, EV_IOPF);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	faults_read(&f, (struct iommudrv_fault[4]){ { 0 } }, 4);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 1, dom, NULL);
}
END_TEST

/*
 * Negative control for the DTE cache: re-point the DTE at another domain
 * behind the driver's back: the cached DTE keeps the old tables and the
 * detector fires; the driver's attach invalidates and cures it.
 */
START_TEST(test_dte_change_without_invalidation_is_caught_as_stale)
{
	IOMMUPT_OPTS(iommupt_domain_info, di2);
	struct iommupt_domain *dom, *dom2;
	struct iommusim_dma_result r;
	uint64_t pa, pb, dte, q0;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	dom2 = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, dom, 1, IOVA_SRC, pa, 0x1000, IOMMUPT_READ);
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_DST, pb, 0x1000,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	ck_assert_int_eq(iommupt_domain_get_info(dom2, &di2), 0);
	dte = (reg(&f, IOMMUSIM_AMD_DEVTAB) & 0x000ffffffffff000ull) +
	      32ull * DEVID;
	ck_assert_int_eq(iommusim_mem_read64(f.mem, dte, &q0), 0);
	ck_assert_int_eq(iommusim_mem_write64(f.mem, dte,
			 (q0 & ~0x000ffffffffff000ull) | di2.root_oa), 0);
	r = dsim_dma(f.u, DEVID, IOVA_DST, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(r.fault, EV_IOPF);
	ck_assert_uint_eq(f.stale.last.fresh.oa, pb);
	faults_read(&f, (struct iommudrv_fault[4]){ { 0 } }, 4);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom2, 2), 0);
	r = dsim_dma(f.u, DEVID, IOVA_DST, 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, pb);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 1, dom, dom2);
}
END_TEST

/*
 * What each invalidation must cover, each case cached first so a missing
 * invalidation shows as a stale translation: every 4K page of an unmapped
 * range that crosses an alignment boundary (the S-bit range must hold all
 * of it); a freed table page reused for another range (PDE drops the page
 * directory cache); a DomainID reused for another domain after detach.
 */
START_TEST(test_invalidations_cover_ranges_tables_and_reused_ids)
{
	struct iommupt_domain *dom, *dom2;
	struct iommupt_gather g;
	uint64_t pa, pb, done, iova;
	unsigned int i;
	struct fx f;

	fx_setup(&f);
	dom = dom_create(&f, 3);
	dom2 = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);

	/* 12 pages from 0x103000: the flush must reach 0x10e000 */
	for (i = 0; i < 12; i++)
		map_flush(&f, dom, 1, 0x103000 + 0x1000ull * i, pa, 4096,
			  IOMMUPT_READ);
	for (i = 0; i < 12; i++)
		ck_assert_uint_eq(dsim_dma(f.u, DEVID, 0x103000 + 0x1000ull * i,
				      0).oa, pa);
	unmap_flush(&f, dom, 1, 0x103000, 12 * 0x1000);
	for (i = 0; i < 12; i++) {
		struct iommusim_dma_result r =
			dsim_dma(f.u, DEVID, 0x103000 + 0x1000ull * i, 0);

		ck_assert_uint_eq(r.fault, EV_IOPF);
		ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	}
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, NULL, 0, NULL), 0);

	/* a table page freed, then reused for another 2M range */
	map_flush(&f, dom, 1, IOVA_TABLE, pa, 4096, IOMMUPT_READ);
	map_flush(&f, dom, 1, IOVA_TABLE + 0x1000, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_TABLE + 0x1000, 0).oa, pa);
	iommupt_gather_init(&g);
	done = 0;
	ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_TABLE, 1u << 21, 0,
					      &g, &done), 0);
	ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
	ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, &g), 0);
	iommupt_gather_release(&g);
	iova = IOVA_TABLE + (4u << 20);
	map_flush(&f, dom, 1, iova, pb, 4096, IOMMUPT_READ); /* reuses it */
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, iova, 0).oa, pb);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID, IOVA_TABLE,
							0);

		ck_assert_uint_eq(r.fault, EV_IOPF);
		ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	}
	check_fault(&f, DEVID, IOVA_TABLE, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, 0);

	/* DomainID 1 reused by another domain after detach */
	map_flush(&f, dom, 1, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_SRC, pb, 4096,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom2, 1), 0);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID, IOVA_SRC,
							0);

		ck_assert_uint_eq(r.oa, pb);
		ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	}
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	no_faults(&f);
	fx_destroy(&f, 0, dom, dom2);
}
END_TEST

static uint64_t queue_cmds(struct fx *f)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);

	ck_assert_int_eq(iommusim_unit_get_stats(f->u, &st), 0);
	return st.queue_cmds;
}

/*
 * The unit flags: NP_CACHE makes a map-only gather cost an invalidation
 * (without it none is sent); NONCOHERENT writes back the driver's lines
 * and runs the same sequence.
 */
START_TEST(test_unit_flags_np_cache_and_noncoherent)
{
	static const uint32_t flags[] = { 0, IOMMUDRV_AMD_NP_CACHE,
					  IOMMUDRV_AMD_NONCOHERENT };
	uint32_t fl = flags[_i];
	struct iommupt_domain *dom;
	uint64_t pa, before;
	struct fx f;

	fx_unit(&f, 0);
	ck_assert_int_eq(fx_driver(&f, fl), 0);
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);
	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	before = queue_cmds(&f);
	map_flush(&f, dom, 1, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	ck_assert_uint_eq(queue_cmds(&f) - before,
			  fl == IOMMUDRV_AMD_NP_CACHE ? 2 : 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	unmap_flush(&f, dom, 1, IOVA_SRC, 4096);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC + 8, 1).fault, EV_IOPF);
	check_fault(&f, DEVID, IOVA_SRC + 8, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, EV_IOPF, IOMMUSIM_AMD_EVF_RW);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/* Bad inputs are refused and change nothing. */
START_TEST(test_bad_inputs_are_refused)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, vcfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommudrv_amd_opts, o);
	struct iommudrv_amd_info small = { .sz = 2 };
	struct iommupt_domain *dom, *vdom;
	struct iommupt_gather g;
	struct iommudrv_amd *d = (void *)1;
	struct iommudrv_fault r[1];
	unsigned int n = 5;
	struct fx f;

	fx_unit(&f, 0);
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, &f.cm.mem, NULL,
					     NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_create(NULL, &f.cm.mem, NULL, &d),
			 -EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, NULL, NULL, &d),
			 -EINVAL);
	o.sz = 2;
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, &f.cm.mem, &o, &d),
			 -EINVAL);
	o.sz = sizeof(o);
	o.flags = 1u << 7;
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, &f.cm.mem, &o, &d),
			 -EINVAL);
	o.flags = 0;
	o.nr_bus = 257;
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, &f.cm.mem, &o, &d),
			 -EINVAL);
	f.shim.absent = 1;
	ck_assert_int_eq(iommudrv_amd_create(&f.shim.bus, &f.cm.mem, NULL,
					     &d), -ENODEV);
	f.shim.absent = 0;
	ck_assert_int_eq(f.cm.nr_alloc, 0);
	ck_assert_int_eq(iommudrv_amd_enable(NULL), -EINVAL);
	iommudrv_amd_destroy(NULL);

	ck_assert_int_eq(fx_driver(&f, 0), 0);
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);
	dom = dom_create(&f, 3);
	ck_assert_int_eq(iommupt_domain_create(&vcfg,
			 iommusim_mem_provider(f.mem), &vdom), 0);
	ck_assert_int_eq(iommudrv_amd_attach(NULL, DEVID, dom, 1), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, NULL, 1), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, vdom, 1),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 0), -ERANGE);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, NR_BUS * 256, dom, 1),
			 -ERANGE);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), -ENOENT);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, 0xffff), -ENOENT);
	ck_assert_int_eq(iommudrv_amd_detach(NULL, DEVID), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, NULL), -EINVAL);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommudrv_amd_flush(NULL, 1, &g), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_flush(f.drv, 1, &g), 0); /* empty */
	ck_assert_int_eq(iommudrv_amd_flush_all(NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_read_faults(f.drv, NULL, 1, &n),
			 -EINVAL);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(iommudrv_amd_read_faults(NULL, r, 1, &n), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_get_info(f.drv, &small), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_get_info(f.drv, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_amd_set_root(NULL, dom, 0x1000, 3),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_amd_set_root(f.drv, dom, 1ull << 60, 3),
			 -EINVAL);
	/* a domain nobody attached: nothing to do */
	ck_assert_int_eq(iommudrv_amd_set_root(f.drv, dom, 0x1000, 3), 0);
	/* nothing of that reached the unit: still blocked, no event */
	no_faults(&f);
	blocked(&f, DEVID, IOVA_SRC, 0);
	fx_destroy(&f, 0, dom, vdom);
}
END_TEST

/*
 * Allocation failure injected at each provider allocation create makes:
 * -ENOMEM, nothing leaked, the unit untouched; beyond the last one create
 * succeeds. Attach and detach allocate nothing, so failures then change
 * nothing either.
 */
START_TEST(test_allocation_failure_at_each_step_of_create_and_attach)
{
	struct iommupt_domain *dom;
	uint64_t pa;
	int n, ret = -ENOMEM;
	struct fx f;

	fx_unit(&f, 0);
	for (n = 0; ret == -ENOMEM; n++) {
		f.cm.fail_at = n;
		f.cm.calls = f.cm.nr_alloc = f.cm.nr_free = 0;
		ret = fx_driver(&f, 0);
		if (ret) {
			ck_assert_int_eq(ret, -ENOMEM);
			ck_assert_ptr_null(f.drv);
			ck_assert_int_eq(f.cm.nr_alloc, f.cm.nr_free);
			ck_assert_int_eq(f.cm.nr_alloc, n);
			ck_assert_uint_eq(reg(&f, IOMMUSIM_AMD_CONTROL), 0);
		}
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(n, 6); /* five allocations, then success */
	ck_assert_int_eq(f.cm.fail_at, 5); /* no sixth allocation */
	f.cm.fail_at = -1;
	ck_assert_int_eq(iommudrv_amd_enable(f.drv), 0);

	dom = dom_create(&f, 3);
	pa = dsim_data_alloc(f.mem, 12);
	map_flush(&f, dom, 1, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	f.cm.fail_at = f.cm.calls; /* the next allocation would fail */
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, dom, 1), 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	ck_assert_int_eq(f.cm.fail_at, f.cm.calls); /* never asked */
	f.cm.fail_at = -1;
	blocked(&f, DEVID, IOVA_SRC, 0);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/* The unit ID allocator hands out the DomainIDs (as for VT-d). */
START_TEST(test_domain_ids_come_from_the_unit_allocator)
{
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_AMD,
		     .id_min = 1, .id_max = 0xffff);
	struct iommupt_unit *pu;
	struct iommupt_domain *a, *b;
	uint32_t ida, idb;
	uint64_t pa, pb;
	struct fx f;

	fx_setup(&f);
	ck_assert_int_eq(iommupt_unit_create(&ucfg,
			 iommusim_mem_provider(f.mem), &pu), 0);
	a = dom_create(&f, 3);
	b = dom_create(&f, 4);
	ck_assert_int_eq(iommupt_unit_id_alloc(pu, &ida), 0);
	ck_assert_int_eq(iommupt_unit_id_alloc(pu, &idb), 0);
	ck_assert_uint_ne(ida, 0);
	ck_assert_uint_ne(ida, idb);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, a, (uint16_t)ida, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	map_flush(&f, b, (uint16_t)idb, IOVA_SRC, pb, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID, a, (uint16_t)ida),
			 0);
	ck_assert_int_eq(iommudrv_amd_attach(f.drv, DEVID2, b, (uint16_t)idb),
			 0);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).did, ida);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID2, IOVA_SRC, 0).did, idb);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).oa, pa);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID2, IOVA_SRC, 0).oa, pb);
	/* flushing one DomainID leaves the other's translation cached */
	unmap_flush(&f, a, (uint16_t)ida, IOVA_SRC, 4096);
	ck_assert_uint_eq(dsim_dma(f.u, DEVID, IOVA_SRC, 0).fault, EV_IOPF);
	{
		struct iommusim_dma_result r = dsim_dma(f.u, DEVID2, IOVA_SRC,
							0);

		ck_assert_uint_eq(r.oa, pb);
		ck_assert(r.flags & IOMMUSIM_RES_IOTLB_HIT);
	}
	faults_read(&f, (struct iommudrv_fault[4]){ { 0 } }, 4);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID), 0);
	ck_assert_int_eq(iommudrv_amd_detach(f.drv, DEVID2), 0);
	ck_assert_int_eq(iommupt_unit_id_free(pu, ida), 0);
	ck_assert_int_eq(iommupt_unit_id_free(pu, idb), 0);
	fx_destroy(&f, 0, a, b);
	iommupt_unit_destroy(pu);
}
END_TEST

Suite *drv_amd_sim_suite(void);

Suite *drv_amd_sim_suite(void)
{
	Suite *s = suite_create("drv_amd_sim");
	TCase *tc = test_tcase("amd");

	tcase_add_test(tc, test_bringup_from_reset_programs_the_unit_and_blocks);
	tcase_add_test(tc, test_driver_runs_the_qemu_sequence_on_the_simulator);
	tcase_add_loop_test(tc, test_every_level_count_the_unit_allows_translates,
			    1, 7);
	tcase_add_test(tc, test_unit_with_four_levels_refuses_a_five_level_domain);
	tcase_add_test(tc, test_flush_all_without_invalidate_all_command);
	tcase_add_test(tc, test_event_log_overflow_and_wrap);
	tcase_add_test(tc, test_event_log_found_without_the_tail_register);
	tcase_add_test(tc, test_command_buffer_wraps);
	tcase_add_test(tc, test_illegal_command_stops_the_buffer_and_recovers);
	tcase_add_test(tc, test_growing_domain_updates_the_dte);
	tcase_add_test(tc, test_domain_ids_come_from_the_unit_allocator);
	tcase_add_test(tc, test_invalidations_cover_ranges_tables_and_reused_ids);
	tcase_add_loop_test(tc, test_unit_flags_np_cache_and_noncoherent, 0, 3);
	suite_add_tcase(s, tc);
	tc = test_tcase("negative-controls");
	tcase_add_test(tc, test_unmap_without_driver_flush_is_caught_as_stale);
	tcase_add_test(tc, test_dte_change_without_invalidation_is_caught_as_stale);
	suite_add_tcase(s, tc);
	tc = test_tcase("errors");
	tcase_add_test(tc, test_bad_inputs_are_refused);
	tcase_add_test(tc, test_allocation_failure_at_each_step_of_create_and_attach);
	suite_add_tcase(s, tc);
	return s;
}
