// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d user-mode driver (drivers/vtd.c) against the simulator's VT-d
 * model: the driver programs the simulated unit over its MMIO bus, and both
 * the driver's structures (root, context, PASID tables, invalidation queue)
 * and libiommupt's page tables live in simulated memory, where the model
 * walks them with its own code. The same checks as the QEMU test
 * (tests/qemu/vtd-edu.c) run in every mode the driver has: legacy tables
 * with queued invalidation, legacy tables with register invalidation,
 * scalable mode, and scalable mode on a unit with caching mode (CAP.CM),
 * where the driver must flush after a map too.
 *
 * A tiny simulated device copies data through IOVAs: each 4K chunk is one
 * translated DMA transaction, and the bytes move between the output
 * addresses in simulated memory. The stale-translation detector must stay
 * silent throughout; the negative controls leave out the driver's
 * invalidation once and show that the detector does fire.
 *
 * First stage: legacy mode has no first-stage translation, so an x86-64
 * domain is refused there with -EOPNOTSUPP; scalable mode with first- and
 * second-stage domains, PASIDs and the write-back of non-coherent units
 * is tests/test-drv-vtd-sm-sim.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/serialize.h>
#include <iommupt/unit.h>
#include <iommupt/sim-vtd.h>
#include <iommupt/sim.h>

#include "drv-sim-harness.h"
#include "helpers.h"

/* The same IOVAs and domain IDs as tests/qemu/vtd-edu.c. */
#define IOVA_SRC 0x100000ull
#define IOVA_DST 0x200000ull
#define IOVA_HUGE 0x400000ull  /* 2M aligned */
#define IOVA_NEVER 0x800000ull /* never mapped */
#define IOVA_TABLE 0xc00000ull /* 2M-aligned range filled with 4K pages */
#define DID 1
#define DID2 2
#define SID 0x0310u  /* bus 3, device 2, function 0 */
#define SID_HI 0x03a8u /* same bus, devfn >= 128 (upper scalable half) */

enum mode_id { MODE_LEGACY_QI, MODE_LEGACY_REGS, MODE_SCALABLE, MODE_CM,
	       NR_MODES };

struct mode {
	const char *name;
	uint32_t drv_flags; /* enum iommudrv_vtd_flags */
	int cm;             /* unit has CAP.CM */
	uint32_t qi, sm;    /* what the driver must report */
};

static const struct mode modes[NR_MODES] = {
	[MODE_LEGACY_QI] = { "legacy+qi", IOMMUDRV_VTD_LEGACY, 0, 1, 0 },
	[MODE_LEGACY_REGS] = { "legacy+regs", IOMMUDRV_VTD_NO_QI, 0, 0, 0 },
	[MODE_SCALABLE] = { "scalable", IOMMUDRV_VTD_SCALABLE, 0, 1, 1 },
	[MODE_CM] = { "scalable+cm", IOMMUDRV_VTD_SCALABLE, 1, 1, 1 },
};

struct fx {
	const struct mode *m;
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	struct iommudrv_vtd *drv;
	struct iommudrv_vtd_info info;
	struct dsim_stale stale;
};

/* Unit from reset and driver over its MMIO bus; not enabled yet. */
static void fx_create(struct fx *f, unsigned int mode_idx, uint64_t cap)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, so);
	IOMMUPT_OPTS(iommudrv_vtd_opts, o, .unit = 7);

	memset(f, 0, sizeof(*f));
	f->m = &modes[mode_idx];
	if (!cap)
		cap = iommusim_vtd_default_cap();
	so.cap = cap | (f->m->cm ? IOMMUSIM_VTD_CAP_CM : 0);
	o.flags = f->m->drv_flags;
	ck_assert_int_eq(iommusim_mem_create(NULL, &f->mem), 0);
	ck_assert_int_eq(iommusim_vtd_create(&so, f->mem, &f->u), 0);
	f->stale.tag = f->m->name;
	iommusim_unit_set_stale_fn(f->u, dsim_on_stale, &f->stale);
	ck_assert_int_eq(iommudrv_vtd_create(iommusim_unit_mmio(f->u),
					     iommusim_mem_provider(f->mem), &o,
					     &f->drv), 0);
	f->info.sz = sizeof(f->info);
	ck_assert_int_eq(iommudrv_vtd_get_info(f->drv, &f->info), 0);
}

static void fx_enable(struct fx *f)
{
	ck_assert_int_eq(iommudrv_vtd_enable(f->drv), 0);
}

static void fx_setup(struct fx *f, unsigned int mode_idx)
{
	fx_create(f, mode_idx, 0);
	fx_enable(f);
}

/*
 * Shut down (translation off first), then free the domains, then the unit
 * and memory. The detector must not have fired beyond what the test
 * expected.
 */
static void fx_destroy(struct fx *f, unsigned int stale_expected,
		       struct iommupt_domain *d1, struct iommupt_domain *d2)
{
	ck_assert_uint_eq(dsim_nr_stale(f->u, &f->stale), stale_expected);
	iommudrv_vtd_destroy(f->drv);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	iommusim_unit_destroy(f->u);
	iommusim_mem_destroy(f->mem);
}

static struct iommupt_domain *dom_create(struct fx *f, unsigned int levels)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = levels,
		     .pgsize_bitmap = f->info.pgsize_bitmap);
	struct iommupt_domain *dom;

	ck_assert_int_eq(iommupt_domain_create(&cfg,
			 iommusim_mem_provider(f->mem), &dom), 0);
	return dom;
}

/* The deepest table the unit supports (the QEMU test prefers 4). */
static unsigned int pick_levels(struct fx *f)
{
	return f->info.levels_mask & (1u << 4) ? 4 : 3;
}

static unsigned int faults_read(struct fx *f, struct iommudrv_fault *out,
				unsigned int max)
{
	unsigned int n = 99;

	ck_assert_int_eq(iommudrv_vtd_read_faults(f->drv, out, max, &n), 0);
	return n;
}

static void no_faults(struct fx *f)
{
	struct iommudrv_fault r[4];

	ck_assert_uint_eq(faults_read(f, r, 4), 0);
}

/* Exactly one fault, read through the driver, with these fields. */
static void check_fault(struct fx *f, uint16_t sid, uint64_t iova,
			uint32_t access, uint32_t reason, uint32_t fr)
{
	struct iommudrv_fault r[4];
	unsigned int n = faults_read(f, r, 4);

	dsim_check_one_fault(r, n, 7, sid, iova & ~0xfffull, access, reason,
			     fr);
	/* read and cleared: nothing left */
	no_faults(f);
}

/* A write to iova faults as "not mapped" and is reported so. */
static void write_faults(struct fx *f, uint16_t sid, uint64_t iova)
{
	ck_assert_uint_eq(dsim_dma(f->u, sid, iova, 1).fault,
			  IOMMUSIM_VTD_FR_WRITE);
	check_fault(f, sid, iova, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_WRITE);
}

static void map_flush(struct fx *f, struct iommupt_domain *dom, uint16_t did,
		      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;

	dsim_map(dom, &g, iova, pa, len, prot);
	ck_assert_int_eq(iommudrv_vtd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

static void unmap_flush(struct fx *f, struct iommupt_domain *dom,
			uint16_t did, uint64_t iova, uint64_t len)
{
	struct iommupt_gather g;

	dsim_unmap(dom, &g, iova, len);
	ck_assert_int_eq(iommudrv_vtd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

/* ---- the cases --------------------------------------------------------- */

START_TEST(test_bringup_from_reset_enables_translation_in_each_mode)
{
	const struct mode *m = &modes[_i];
	uint64_t gsts;
	struct fx f;

	fx_create(&f, _i, 0);
	ck_assert_uint_eq(f.info.queued_inval, m->qi);
	ck_assert_uint_eq(f.info.scalable_mode, m->sm);
	ck_assert_uint_eq(f.info.scalable, 1);
	ck_assert_uint_eq(f.info.caching_mode, (uint32_t)m->cm);
	ck_assert_uint_eq(f.info.levels_mask, 0x38);
	ck_assert_uint_eq(f.info.pgsize_bitmap,
			  (1ull << 12) | (1ull << 21) | (1ull << 30));
	ck_assert_uint_eq(f.info.nr_domains, 256);
	ck_assert_uint_eq(f.info.nr_fault_records, 8);
	/* From reset the unit does not translate: DMA passes through. */
	{
		struct iommusim_dma_result r = dsim_dma(f.u, SID, 0x123000, 0);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	}
	fx_enable(&f);
	const struct iommupt_mmio *mm = iommusim_unit_mmio(f.u);
	ck_assert_int_eq(mm->read(mm->ctx, IOMMUSIM_VTD_GSTS, 4, &gsts), 0);
	ck_assert(gsts & IOMMUSIM_VTD_GCMD_TE);
	ck_assert_uint_eq(!!(gsts & IOMMUSIM_VTD_GCMD_QIE), m->qi);
	/* Enabling twice (a restart) works as well. */
	fx_enable(&f);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

START_TEST(test_dma_before_attach_is_blocked_and_reported)
{
	struct fx f;

	fx_setup(&f, _i);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).fault,
			  IOMMUSIM_VTD_FR_ROOT_NP);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_NO_DEVICE, IOMMUSIM_VTD_FR_ROOT_NP);
	fx_destroy(&f, 0, NULL, NULL);
}
END_TEST

/*
 * The QEMU test's main sequence: map, attach, 4K and 2M copies, a
 * never-mapped IOVA, unmap + flush with fault records, an unmap that frees
 * a table page, re-attach to a second domain and back, detach.
 */
START_TEST(test_driver_runs_the_qemu_sequence_on_the_simulator)
{
	struct iommupt_domain *dom, *dom2;
	struct iommupt_gather g;
	uint64_t src, dst, dst2, huge, oa = 0;
	unsigned int lg2 = 0;
	struct fx f;

	fx_setup(&f, _i);
	dom = dom_create(&f, pick_levels(&f));
	src = dsim_data_alloc(f.mem, 12);
	dst = dsim_data_alloc(f.mem, 12);
	huge = dsim_data_alloc(f.mem, 21);

	/* blocked before attach */
	dsim_fill(f.mem, src, 4096, 7);
	ck_assert_uint_ne(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_NO_DEVICE, IOMMUSIM_VTD_FR_ROOT_NP);

	/* map two 4K pages, attach, flush what the gather asks for */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_SRC, src, 4096,
					    IOMMUPT_READ, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_DST, dst, 4096,
					    IOMMUPT_WRITE, &g), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
	iommupt_gather_release(&g);

	/* dma-4k */
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC + 0x18, 0).oa,
			  src + 0x18);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST + 0x7f8, 1).oa,
			  dst + 0x7f8);
	no_faults(&f);
	/* the permissions are the domain's: no write to src, no read of dst */
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 1).fault,
			  IOMMUSIM_VTD_FR_WRITE);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 0).fault,
			  IOMMUSIM_VTD_FR_READ);
	check_fault(&f, SID, IOVA_DST, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_READ);

	/* map-2m, dma-2m */
	map_flush(&f, dom, DID, IOVA_HUGE, huge, 1u << 21,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(dom, IOVA_HUGE + 0x1ff000,
						     &oa, NULL, &lg2), 0);
	ck_assert_uint_eq(lg2, 21);
	ck_assert_uint_eq(oa, huge + 0x1ff000);
	{
		struct iommusim_dma_result r =
			dsim_dma(f.u, SID, IOVA_HUGE + 0x1ff008, 1);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert_uint_eq(r.oa, huge + 0x1ff008);
		ck_assert_uint_eq(r.page_lg2, 21);
		ck_assert_uint_eq(r.did, DID);
	}
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC,
					IOVA_HUGE + 0x1ff000, 4096), 0);
	dsim_fill(f.mem, huge + 0x100000, 4096, 99);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_HUGE + 0x100000,
					IOVA_DST, 4096), 0);
	ck_assert(dsim_same(f.mem, huge + 0x1ff000, src, 4096));
	ck_assert(dsim_same(f.mem, huge + 0x100000, dst, 4096));
	no_faults(&f);

	/* fault-never-mapped */
	write_faults(&f, SID, IOVA_NEVER + 0x345000);
	/*
	 * Mapping it now must take effect at once; under caching mode the
	 * fault above may be cached and only the driver's flush on map
	 * drops it.
	 */
	map_flush(&f, dom, DID, IOVA_NEVER + 0x345000, dst, 4096,
		  IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_NEVER + 0x345000, 1).oa, dst);
	unmap_flush(&f, dom, DID, IOVA_NEVER + 0x345000, 4096);
	write_faults(&f, SID, IOVA_NEVER + 0x345000);

	/* unmap-4k, unmapped-4k-untouched, fault-write-after-unmap */
	unmap_flush(&f, dom, DID, IOVA_DST, 4096);
	dsim_zero(f.mem, dst, 4096);
	dsim_fill(f.mem, src, 4096, 11);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), IOMMUSIM_VTD_FR_WRITE);
	ck_assert(dsim_is_zero(f.mem, dst, 4096));
	check_fault(&f, SID, IOVA_DST, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_WRITE);

	/* unmap-4k-read, fault-read-after-unmap */
	unmap_flush(&f, dom, DID, IOVA_SRC, 4096);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).fault,
			  IOMMUSIM_VTD_FR_READ);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_READ);

	/* unmap-2m, fault-after-unmap-2m */
	unmap_flush(&f, dom, DID, IOVA_HUGE, 1u << 21);
	write_faults(&f, SID, IOVA_HUGE + 0x1000);

	/* dma-4k-table, unmap-frees-table, fault-after-table-freed */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_TABLE, dst, 4096,
					    IOMMUPT_WRITE, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_TABLE + 0x1ff000, src,
					    4096, IOMMUPT_READ, &g), 0);
	ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
	iommupt_gather_release(&g);
	dsim_fill(f.mem, src, 4096, 31);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_TABLE + 0x1ff000,
					IOVA_TABLE, 4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	{
		uint64_t done = 0;

		iommupt_gather_init(&g);
		ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_TABLE, 1u << 21,
						      0, &g, &done), 0);
		ck_assert_uint_eq(done, 8192);
		ck_assert_uint_ge(g.nr_pages, 1);
		ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
		ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
		iommupt_gather_release(&g);
	}
	write_faults(&f, SID, IOVA_TABLE);
	/*
	 * A 2M page where the freed table was: a paging-structure cache
	 * entry left by an IH = 1 flush would still lead to the old table.
	 */
	map_flush(&f, dom, DID, IOVA_TABLE, huge, 1u << 21, IOMMUPT_WRITE);
	{
		struct iommusim_dma_result r =
			dsim_dma(f.u, SID, IOVA_TABLE + 0x1000, 1);

		ck_assert_uint_eq(r.fault, 0);
		ck_assert_uint_eq(r.oa, huge + 0x1000);
		ck_assert_uint_eq(r.page_lg2, 21);
	}

	/* reattach-second-domain */
	dst2 = dsim_data_alloc(f.mem, 12);
	dom2 = dom_create(&f, pick_levels(&f));
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_DST, dst2, 4096,
					    IOMMUPT_WRITE, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_SRC, src, 4096,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom2, DID2), 0);
	dsim_fill(f.mem, src, 4096, 77);
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst2, 4096));
	ck_assert(dsim_is_zero(f.mem, dst, 4096));
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 1).did, DID2);
	no_faults(&f);

	/* reattach-first-domain: IOVA_DST is unmapped there */
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	write_faults(&f, SID, IOVA_DST);

	/* detach-second-domain, attach-first-again */
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom2, DID2), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_DST, 1).oa, dst2);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	iommupt_domain_destroy(dom2); /* detached and flushed */
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_TABLE + 0x1000, 1).oa,
			  huge + 0x1000);

	/* detach-blocks: the bus still has a context table, so CTX_NP */
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_TABLE + 0x1000, 1).fault,
			  IOMMUSIM_VTD_FR_CTX_NP);
	check_fault(&f, SID, IOVA_TABLE + 0x1000, IOMMUDRV_ACCESS_WRITE,
		    IOMMUDRV_FAULT_NO_DEVICE, IOMMUSIM_VTD_FR_CTX_NP);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), -ENOENT);

	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/* 3, 4 and 5 levels (all in SAGAW), and a unit with SAGAW 3 only. */
START_TEST(test_every_level_count_the_unit_allows_translates)
{
	static const uint64_t iovas[] = { 0x1000, 0x7f0000000ull,
					  (1ull << 39) - 0x200000 };
	struct fx f;

	for (unsigned int levels = 3; levels <= 5; levels++) {
		struct iommupt_domain *dom;
		uint64_t pa = 0, hp = 0;

		fx_setup(&f, _i);
		ck_assert(f.info.levels_mask & (1u << levels));
		dom = dom_create(&f, levels);
		pa = dsim_data_alloc(f.mem, 12);
		hp = dsim_data_alloc(f.mem, 21);
		ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
		for (unsigned int k = 0; k < 3; k++) {
			uint64_t iova = iovas[k];

			map_flush(&f, dom, DID, iova, pa, 4096,
				  IOMMUPT_READ | IOMMUPT_WRITE);
			ck_assert_uint_eq(dsim_dma(f.u, SID, iova + 8, 0).oa,
					  pa + 8);
			unmap_flush(&f, dom, DID, iova, 4096);
			ck_assert_uint_eq(dsim_dma(f.u, SID, iova, 0).fault,
					  IOMMUSIM_VTD_FR_READ);
			check_fault(&f, SID, iova, IOMMUDRV_ACCESS_READ,
				    IOMMUDRV_FAULT_TRANSLATION,
				    IOMMUSIM_VTD_FR_READ);
		}
		/* a 2M page near the top of a 3-level aperture */
		map_flush(&f, dom, DID, iovas[2], hp, 1u << 21, IOMMUPT_READ);
		{
			struct iommusim_dma_result r =
				dsim_dma(f.u, SID, iovas[2] + 0x12340, 0);

			ck_assert_uint_eq(r.oa, hp + 0x12340);
			ck_assert_uint_eq(r.page_lg2, 21);
		}
		if (levels > 3) {
			/* beyond 39 bits: only deeper tables reach it */
			uint64_t hi = 1ull << 40;

			map_flush(&f, dom, DID, hi, pa, 4096, IOMMUPT_WRITE);
			ck_assert_uint_eq(dsim_dma(f.u, SID, hi, 1).oa, pa);
		}
		ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
		fx_destroy(&f, 0, dom, NULL);
	}

	/* A unit with 3-level tables only refuses a 4-level domain. */
	{
		struct iommupt_domain *d3, *d4;

		fx_create(&f, _i, (iommusim_vtd_default_cap() &
				   ~IOMMUSIM_VTD_CAP_SAGAW(0x1f) &
				   ~IOMMUSIM_VTD_CAP_MGAW(64)) |
				  IOMMUSIM_VTD_CAP_SAGAW(2) |
				  IOMMUSIM_VTD_CAP_MGAW(39));
		fx_enable(&f);
		ck_assert_uint_eq(f.info.levels_mask, 1u << 3);
		ck_assert_uint_eq(pick_levels(&f), 3);
		d3 = dom_create(&f, 3);
		d4 = dom_create(&f, 4);
		ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d4, DID),
				 -EOPNOTSUPP);
		ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d3, DID), 0);
		map_flush(&f, d3, DID, IOVA_SRC, 0x7654000, 4096, IOMMUPT_READ);
		ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).oa,
				  0x7654000);
		ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
		fx_destroy(&f, 0, d3, d4);
	}
}
END_TEST

/* Two requesters on one bus (both scalable context-table halves). */
START_TEST(test_two_requesters_on_one_bus_are_isolated)
{
	struct iommupt_domain *a, *b;
	uint64_t pa, pb;
	struct fx f;

	fx_setup(&f, _i);
	a = dom_create(&f, 4);
	b = dom_create(&f, 4);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, a, DID, IOVA_SRC, pa, 4096, IOMMUPT_READ);
	map_flush(&f, b, DID2, IOVA_SRC, pb, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, a, DID), 0);
	/*
	 * The other requester is still blocked: same bus, so its context
	 * entry is not present; in scalable mode its half of the bus has no
	 * context table yet (root entry UP clear: root not present).
	 */
	{
		uint32_t fr = f.info.scalable_mode ? IOMMUSIM_VTD_FR_ROOT_NP
						   : IOMMUSIM_VTD_FR_CTX_NP;

		ck_assert_uint_eq(dsim_dma(f.u, SID_HI, IOVA_SRC, 0).fault, fr);
		check_fault(&f, SID_HI, IOVA_SRC, IOMMUDRV_ACCESS_READ,
			    IOMMUDRV_FAULT_NO_DEVICE, fr);
	}
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID_HI, b, DID2), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).oa, pa);
	ck_assert_uint_eq(dsim_dma(f.u, SID_HI, IOVA_SRC, 0).oa, pb);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).fault,
			  IOMMUSIM_VTD_FR_CTX_NP);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_NO_DEVICE, IOMMUSIM_VTD_FR_CTX_NP);
	ck_assert_uint_eq(dsim_dma(f.u, SID_HI, IOVA_SRC, 0).oa, pb);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID_HI), 0);
	fx_destroy(&f, 0, a, b);
}
END_TEST

/*
 * Negative control: unmap with the library and skip the driver's flush.
 * The unit keeps using its cached translation and the detector fires;
 * the flush from the same gather then cures it.
 */
START_TEST(test_unmap_without_driver_flush_is_caught_as_stale)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct iommusim_dma_result r;
	uint64_t pa, done = 0;
	struct fx f;

	fx_setup(&f, _i);
	dom = dom_create(&f, pick_levels(&f));
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	map_flush(&f, dom, DID, IOVA_SRC, pa, 0x1000,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	/* cached now */
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).oa, pa);
	ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 0);

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, IOVA_SRC, 0x1000, 0, &g,
					      &done), 0);
	/* no iommudrv_vtd_flush() here */
	r = dsim_dma(f.u, SID, IOVA_SRC, 0);
	ck_assert_uint_eq(r.fault, 0); /* the stale translation is used */
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 1);
	ck_assert_uint_eq(f.stale.last.sid, SID);
	ck_assert_uint_eq(f.stale.last.iova, IOVA_SRC);
	ck_assert_uint_eq(f.stale.last.did, DID);
	ck_assert_uint_eq(f.stale.last.cached.oa, pa);
	ck_assert_uint_eq(f.stale.last.fresh.fault, IOMMUSIM_VTD_FR_READ);
	{
		char line[256];

		ck_assert_int_gt(iommusim_stale_format(&f.stale.last, line,
						       sizeof(line)), 0);
		ck_assert_ptr_nonnull(strstr(line, "sid 0310 iova 0x100000 "));
	}

	ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
	iommupt_gather_release(&g);
	r = dsim_dma(f.u, SID, IOVA_SRC, 0);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 1);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, 1, dom, NULL);
}
END_TEST

/*
 * Negative control for the context cache: re-point the requester's entry
 * at another domain's tables behind the driver's back (a driver that forgot
 * the context invalidation): the unit keeps the cached entry and the
 * detector fires. The driver's re-attach invalidates and cures it.
 */
START_TEST(test_context_change_without_invalidation_is_caught_as_stale)
{
	IOMMUPT_OPTS(iommupt_domain_info, di);
	IOMMUPT_OPTS(iommupt_domain_info, di2);
	const struct iommupt_mmio *mm;
	struct iommupt_domain *dom, *dom2;
	struct iommusim_dma_result r;
	uint64_t pa, pb, root, lo, ent, v;
	struct fx f;

	fx_setup(&f, _i);
	dom = dom_create(&f, pick_levels(&f));
	dom2 = dom_create(&f, pick_levels(&f));
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, dom, DID, IOVA_SRC, pa, 0x1000, IOMMUPT_READ);
	ck_assert_int_eq(iommupt_domain_map(dom2, IOVA_DST, pb, 0x1000,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).oa, pa);
	ck_assert_int_eq(iommupt_domain_get_info(dom, &di), 0);
	ck_assert_int_eq(iommupt_domain_get_info(dom2, &di2), 0);

	/* Find the entry holding the domain's root in the driver's tables. */
	mm = iommusim_unit_mmio(f.u);
	ck_assert_int_eq(mm->read(mm->ctx, IOMMUSIM_VTD_RTADDR, 8, &root), 0);
	root &= ~0xfffull;
	ck_assert_int_eq(iommusim_mem_read64(f.mem, root + 16 * (SID >> 8),
					     &lo), 0);
	ck_assert(lo & 1);
	lo &= ~0xfffull; /* bus 3's context table (lower half) */
	if (!f.info.scalable_mode) {
		ent = lo + 16 * (SID & 0xff);
	} else {
		uint64_t pde;

		/* context entry -> PASID directory entry 0 -> PASID entry 0 */
		ck_assert_int_eq(iommusim_mem_read64(f.mem,
				 lo + 32 * (SID & 0x7f), &v), 0);
		ck_assert_int_eq(iommusim_mem_read64(f.mem, v & ~0xfffull,
						     &pde), 0);
		ent = pde & ~0xfffull;
	}
	ck_assert_int_eq(iommusim_mem_read64(f.mem, ent, &v), 0);
	ck_assert_uint_eq(v & ~0xfffull, di.root_oa);
	ck_assert_int_eq(iommusim_mem_write64(f.mem, ent,
			 di2.root_oa | (v & 0xfff)), 0);

	/* IOTLB miss; the cached context still leads to the old tables */
	r = dsim_dma(f.u, SID, IOVA_DST, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 1);
	ck_assert_uint_eq(f.stale.last.fresh.oa, pb);
	ck_assert_uint_eq(faults_read(&f, (struct iommudrv_fault[4]){ { 0 } },
				      4), 1);

	/* the driver's attach rewrites the entry and invalidates */
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom2, DID2), 0);
	r = dsim_dma(f.u, SID, IOVA_DST, 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, pb);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, 1, dom, dom2);
}
END_TEST

/*
 * Caching mode: a not-present result may be cached, so the driver flushes
 * after a map too; skipping that flush is caught. Without CM the driver
 * rightly skips it (6.1) and the unit has nothing cached to go stale.
 */
START_TEST(test_map_without_driver_flush_is_stale_only_under_caching_mode)
{
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct iommusim_dma_result r;
	uint64_t pa;
	struct fx f;

	fx_setup(&f, _i);
	dom = dom_create(&f, pick_levels(&f));
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID), 0);
	/* keep the upper tables alive so only the leaf changes */
	map_flush(&f, dom, DID, IOVA_SRC + 0x1000, pa, 0x1000, IOMMUPT_READ);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).fault,
			  IOMMUSIM_VTD_FR_READ);
	check_fault(&f, SID, IOVA_SRC, IOMMUDRV_ACCESS_READ,
		    IOMMUDRV_FAULT_TRANSLATION, IOMMUSIM_VTD_FR_READ);

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, IOVA_SRC, pa, 0x1000,
					    IOMMUPT_READ, &g), 0);
	r = dsim_dma(f.u, SID, IOVA_SRC, 0);
	if (modes[_i].cm) {
		ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
		ck_assert(r.flags & IOMMUSIM_RES_STALE);
		ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 1);
		ck_assert_uint_eq(f.stale.last.fresh.oa, pa);
		faults_read(&f, (struct iommudrv_fault[4]){ { 0 } }, 4);
	} else {
		ck_assert_uint_eq(r.fault, 0);
		ck_assert_uint_eq(r.oa, pa);
		ck_assert_uint_eq(dsim_nr_stale(f.u, &f.stale), 0);
	}
	ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
	iommupt_gather_release(&g);
	r = dsim_dma(f.u, SID, IOVA_SRC, 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, pa);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, modes[_i].cm ? 1 : 0, dom, NULL);
}
END_TEST

/*
 * Legacy-mode context entries have no first-stage translation (9.3), so an
 * x86-64 domain is refused there even on a unit with FLTS.
 */
START_TEST(test_first_stage_domain_is_refused_in_legacy_mode)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	struct iommupt_domain *dom;
	struct fx f;

	fx_setup(&f, _i);
	ck_assert(f.info.ecap & IOMMUSIM_VTD_ECAP_FLTS);
	ck_assert_int_eq(iommupt_domain_create(&cfg,
			 iommusim_mem_provider(f.mem), &dom), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID),
			 -EOPNOTSUPP);
	ck_assert_uint_eq(dsim_dma(f.u, SID, IOVA_SRC, 0).fault,
			  IOMMUSIM_VTD_FR_ROOT_NP);
	faults_read(&f, (struct iommudrv_fault[4]){ { 0 } }, 4);
	fx_destroy(&f, 0, dom, NULL);
}
END_TEST

/*
 * Live update in place (libiommupt serialize.h): DMA runs, the domain is
 * serialized in place and its in-process object dropped without freeing a
 * table page; DMA keeps translating through the same tables meanwhile; the
 * restored domain has the same root, the same domain ID on the unit's ID
 * space, and maps and flushes as before. No fault, no stale translation.
 */
START_TEST(test_live_update_in_place_keeps_dma_running)
{
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_VTD,
		     .id_bits = 8);
	IOMMUPT_OPTS(iommupt_domain_info, before);
	IOMMUPT_OPTS(iommupt_domain_info, after);
	struct iommupt_unit *pu;
	struct iommupt_domain *dom, *dom2 = NULL;
	struct fx f;
	uint64_t src, dst, extra;
	uint32_t id = 0;
	unsigned char *blob;
	size_t len = 0;

	fx_setup(&f, (unsigned int)_i);
	ck_assert_int_eq(iommupt_unit_create(&ucfg, iommusim_mem_provider(f.mem),
					     &pu), 0);
	dom = dom_create(&f, pick_levels(&f));
	ck_assert_int_eq(iommupt_domain_restore_id(dom, pu, DID2), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, dom, DID2), 0);
	src = dsim_data_alloc(f.mem, 12);
	dst = dsim_data_alloc(f.mem, 12);
	extra = dsim_data_alloc(f.mem, 12);
	map_flush(&f, dom, DID2, IOVA_SRC, src, 4096, IOMMUPT_READ);
	map_flush(&f, dom, DID2, IOVA_DST, dst, 4096,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	dsim_fill(f.mem, src, 4096, 7);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	ck_assert_int_eq(iommupt_domain_get_info(dom, &before), 0);

	/* Serialize in place, then drop the object: the tables stay. */
	struct iommupt_unit *units[1] = { pu };
	IOMMUPT_OPTS(iommupt_serialize_opts, so,
		     .mode = IOMMUPT_SERIALIZE_IN_PLACE, .nr_units = 1,
		     .units = units);
	ck_assert_int_eq(iommupt_domain_serialize(dom, &so, NULL, 0, &len),
			 -ENOBUFS);
	blob = malloc(len);
	ck_assert_int_eq(iommupt_domain_serialize(dom, &so, blob, len, &len), 0);
	iommupt_domain_release_for_update(dom);

	/* Hardware keeps walking the same tables in between. */
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));

	IOMMUPT_OPTS(iommupt_restore_opts, ro, .nr_units = 1, .units = units);
	ck_assert_int_eq(iommupt_domain_restore(blob, len,
			 iommusim_mem_provider(f.mem), &ro, &dom2), 0);
	ck_assert_int_eq(iommupt_domain_get_info(dom2, &after), 0);
	ck_assert_uint_eq(after.root_oa, before.root_oa);
	ck_assert_uint_eq(after.levels, before.levels);
	ck_assert_int_eq(iommupt_domain_get_id(dom2, pu, &id), 0);
	ck_assert_uint_eq(id, DID2);

	/* DMA continues with no changed translation; the domain edits on. */
	dsim_zero(f.mem, dst, 4096);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_DST,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, dst, 4096));
	map_flush(&f, dom2, (uint16_t)id, IOVA_TABLE, extra, 4096,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_uint_eq(dsim_dev_copy(f.u, f.mem, SID, IOVA_SRC, IOVA_TABLE,
					4096), 0);
	ck_assert(dsim_same(f.mem, src, extra, 4096));
	unmap_flush(&f, dom2, (uint16_t)id, IOVA_DST, 4096);
	write_faults(&f, SID, IOVA_DST);
	no_faults(&f);
	free(blob);
	fx_destroy(&f, 0, dom2, NULL);
	iommupt_unit_destroy(pu);
}
END_TEST

Suite *drv_sim_suite(void);

Suite *drv_sim_suite(void)
{
	Suite *s = suite_create("drv_sim");
	TCase *tc = test_tcase("vtd");

	tcase_add_loop_test(tc,
		test_bringup_from_reset_enables_translation_in_each_mode, 0,
		NR_MODES);
	tcase_add_loop_test(tc, test_dma_before_attach_is_blocked_and_reported,
			    0, NR_MODES);
	tcase_add_loop_test(tc,
		test_driver_runs_the_qemu_sequence_on_the_simulator, 0,
		NR_MODES);
	tcase_add_loop_test(tc, test_every_level_count_the_unit_allows_translates,
			    0, NR_MODES);
	tcase_add_loop_test(tc, test_two_requesters_on_one_bus_are_isolated, 0,
			    NR_MODES);
	suite_add_tcase(s, tc);
	tc = test_tcase("negative-controls");
	tcase_add_loop_test(tc, test_unmap_without_driver_flush_is_caught_as_stale,
			    0, NR_MODES);
	tcase_add_loop_test(tc,
		test_context_change_without_invalidation_is_caught_as_stale,
		0, NR_MODES);
	tcase_add_loop_test(tc,
		test_map_without_driver_flush_is_stale_only_under_caching_mode,
		0, NR_MODES);
	suite_add_tcase(s, tc);
	tc = test_tcase("live-update");
	tcase_add_loop_test(tc, test_live_update_in_place_keeps_dma_running, 0,
			    NR_MODES);
	suite_add_tcase(s, tc);
	tc = test_tcase("first-stage");
	tcase_add_loop_test(tc, test_first_stage_domain_is_refused_in_legacy_mode,
			    MODE_LEGACY_QI, MODE_LEGACY_REGS + 1);
	suite_add_tcase(s, tc);
	return s;
}
