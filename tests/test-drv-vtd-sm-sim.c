// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d driver in scalable mode (drivers/vtd-sm.c) and its write-back
 * for units without page-walk coherency (drivers/vtd-wb.c), against the
 * simulator's VT-d model: second-stage (PGTT 010b) and first-stage
 * (PGTT 001b, x86-64 tables of 4 and 5 levels) domains, DMA through 4K,
 * 2M and 1G pages, requests with PASID reaching their own domains, faults
 * with the right IOVA, reason and PASID after unmap + invalidation,
 * allocation failures at each step of create and attach, and the
 * stale-translation detector silent (and firing when an invalidation is
 * left out on purpose).
 *
 * Write-back: the model reads memory directly, so the test keeps its own
 * "what memory holds" copy of every table page (the provider below hands
 * the pages out; a fresh page starts as garbage, as memory under a zeroing
 * CPU store may). Only the driver's flush hook copies CPU bytes into it.
 * Before each doorbell (MMIO write) and each DMA, every page reachable
 * from the root table must equal that copy: a line the CPU wrote and the
 * driver did not write back is counted. A negative control drops the
 * hook's write-backs and must be caught.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/sim-vtd.h>
#include <iommupt/sim.h>

#include "drv-sim-harness.h"
#include "helpers.h"

#define SID 0x0310u    /* bus 3, devfn 0x10 */
#define SID2 0x03a8u   /* same bus, devfn >= 128: the other context table */
#define DID 1
#define DID2 2
#define DID3 3
#define PASID_A 5      /* in PASID table 0 */
#define PASID_B 70     /* in PASID table 1 */
#define IOVA_4K 0x100000ull
#define IOVA_2M 0x400000ull
#define IOVA_1G 0x40000000ull
#define IOVA_UPPER 0xffff800000201000ull /* x86-64 upper canonical half */
#define MAX_PAGES 1024
#define ADDR_MASK 0x000ffffffffff000ull
#define RW (IOMMUPT_READ | IOMMUPT_WRITE)

struct tpage {
	uint8_t *cpu;
	uint64_t oa;
	uint8_t *mem; /* what memory holds: the write-backs the hook did */
};

struct fx {
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	const struct iommupt_mmio *umm;
	const struct iommupt_mem *sprov;
	struct iommupt_mmio mmio;  /* the unit's bus, checked at each write */
	struct iommupt_mem prov;   /* the simulator provider, tracked */
	struct iommudrv_vtd *drv;
	struct iommudrv_vtd_info info;
	struct tpage pages[MAX_PAGES];
	unsigned int npages;
	uint64_t allocs, fail_at;
	int check_wb, drop_wb;
	uint64_t wb_calls, wb_foreign, violations;
	struct dsim_stale stale;
};

/* ---- tracked provider -------------------------------------------------- */

static struct tpage *tp_by_oa(struct fx *f, uint64_t oa)
{
	for (unsigned int i = 0; i < f->npages; i++)
		if ((oa & ~0xfffull) == f->pages[i].oa)
			return &f->pages[i];
	return NULL;
}

static struct tpage *tp_by_cpu(struct fx *f, const void *p)
{
	const uint8_t *c = p;

	for (unsigned int i = 0; i < f->npages; i++)
		if (c >= f->pages[i].cpu && c < f->pages[i].cpu + 4096)
			return &f->pages[i];
	return NULL;
}

static int prov_alloc(void *ctx, unsigned int lg2, void **cpu, uint64_t *oa)
{
	struct fx *f = ctx;
	struct tpage *t;
	int ret;

	if (++f->allocs == f->fail_at)
		return -ENOMEM;
	ck_assert_uint_eq(lg2, 12);
	ck_assert_uint_lt(f->npages, MAX_PAGES);
	ret = f->sprov->alloc_table(f->sprov->ctx, lg2, cpu, oa);
	if (ret)
		return ret;
	t = &f->pages[f->npages++];
	t->cpu = *cpu;
	t->oa = *oa;
	t->mem = malloc(4096);
	memset(t->mem, 0xa5, 4096); /* stale memory under the CPU's zeroes */
	return 0;
}

static void prov_free(void *ctx, void *cpu, uint64_t oa, unsigned int lg2)
{
	struct fx *f = ctx;
	struct tpage *t = tp_by_oa(f, oa);

	ck_assert_ptr_nonnull(t);
	free(t->mem);
	*t = f->pages[--f->npages];
	f->sprov->free_table(f->sprov->ctx, cpu, oa, lg2);
}

static void *prov_oa_to_cpu(void *ctx, uint64_t oa)
{
	struct fx *f = ctx;

	return f->sprov->oa_to_cpu(f->sprov->ctx, oa);
}

/* ---- the non-coherent memory view -------------------------------------- */

static void wb_hook(void *ctx, const void *cpu, size_t len)
{
	struct fx *f = ctx;
	const uint8_t *p = cpu;
	struct tpage *t = tp_by_cpu(f, p);

	f->wb_calls++;
	if (!t || (size_t)(t->cpu + 4096 - p) < len) {
		f->wb_foreign++;
		return;
	}
	if (f->drop_wb)
		return;
	/* whole 64-byte lines, as clflush does */
	size_t off = (size_t)(p - t->cpu) & ~(size_t)63;
	size_t end = ((size_t)(p - t->cpu) + len + 63) & ~(size_t)63;

	memcpy(t->mem + off, t->cpu + off, end - off);
}

static uint64_t cpu_q(struct fx *f, uint64_t pa)
{
	struct tpage *t = tp_by_oa(f, pa);

	return t ? *(uint64_t *)(t->cpu + (pa & 0xff8)) : 0;
}

static void mark(struct fx *f, uint64_t oa, uint8_t *reach)
{
	struct tpage *t = tp_by_oa(f, oa);

	if (t)
		reach[t - f->pages] = 1;
}

static void reach_pt(struct fx *f, uint64_t oa, unsigned int lvl, int fs,
		     uint8_t *reach)
{
	mark(f, oa, reach);
	if (!lvl || !tp_by_oa(f, oa))
		return;
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = cpu_q(f, oa + 8 * i);

		if ((fs ? (e & 1) : (e & 3)) && !(e & (1ull << 7)))
			reach_pt(f, e & ADDR_MASK, lvl - 1, fs, reach);
	}
}

/* 9.6: a PASID table's present entries and their page tables. */
static void reach_pasid_table(struct fx *f, uint64_t pt, uint8_t *reach)
{
	mark(f, pt, reach);
	for (unsigned int k = 0; k < 64; k++) {
		uint64_t p0 = cpu_q(f, pt + 64 * k);
		uint64_t p2 = cpu_q(f, pt + 64 * k + 16);

		if (!(p0 & 1))
			continue;
		if (((p0 >> 6) & 7) == 2) /* second stage, AW */
			reach_pt(f, p0 & ADDR_MASK, ((p0 >> 2) & 7) + 1, 0,
				 reach);
		else if (((p0 >> 6) & 7) == 1) /* first stage, FSPM */
			reach_pt(f, p2 & ADDR_MASK, p2 & 4 ? 4 : 3, 1, reach);
	}
}

/* 9.4/9.5: a scalable-mode context table, directories, PASID tables. */
static void reach_sm_context(struct fx *f, uint64_t ct, uint8_t *reach)
{
	for (unsigned int d = 0; d < 128; d++) {
		uint64_t c0 = cpu_q(f, ct + 32 * d), pd;
		unsigned int n;

		if (!(c0 & 1))
			continue;
		pd = c0 & ADDR_MASK;
		n = 1u << (((c0 >> 9) & 7) + 7);
		mark(f, pd, reach);
		for (unsigned int j = 0; j < n && j < 512; j++) {
			uint64_t pde = cpu_q(f, pd + 8 * j);

			if (pde & 1)
				reach_pasid_table(f, pde & ADDR_MASK, reach);
		}
	}
}

/* 9.3: a legacy context table and its second-stage tables. */
static void reach_context(struct fx *f, uint64_t ct, uint8_t *reach)
{
	for (unsigned int d = 0; d < 256; d++) {
		uint64_t c0 = cpu_q(f, ct + 16 * d);
		uint64_t c1 = cpu_q(f, ct + 16 * d + 8);

		if ((c0 & 1) && !(c0 & 0xc))
			reach_pt(f, c0 & ADDR_MASK, (c1 & 7) + 1, 0, reach);
	}
}

/* Pages the unit can reach from its root table, by the CPU's view. */
static void reach_all(struct fx *f, uint8_t *reach)
{
	uint64_t rta = 0, rt;
	int sm;

	memset(reach, 0, MAX_PAGES);
	ck_assert_int_eq(f->umm->read(f->umm->ctx, IOMMUSIM_VTD_RTADDR, 8,
				      &rta), 0);
	rt = rta & ADDR_MASK;
	sm = !!(rta & (1ull << 10)); /* TTM 01 */
	if (!tp_by_oa(f, rt))
		return;
	mark(f, rt, reach);
	for (unsigned int bus = 0; bus < 256; bus++) {
		for (unsigned int half = 0; half < (sm ? 2u : 1u); half++) {
			uint64_t r = cpu_q(f, rt + 16 * bus + 8 * half);

			if (!(r & 1))
				continue;
			mark(f, r & ADDR_MASK, reach);
			if (sm)
				reach_sm_context(f, r & ADDR_MASK, reach);
			else
				reach_context(f, r & ADDR_MASK, reach);
		}
	}
}

/* Count reachable lines whose CPU bytes memory does not hold. */
static void wb_check(struct fx *f)
{
	uint8_t reach[MAX_PAGES];

	if (!f->check_wb)
		return;
	reach_all(f, reach);
	for (unsigned int i = 0; i < f->npages; i++) {
		struct tpage *t = &f->pages[i];

		if (!reach[i])
			continue;
		for (unsigned int l = 0; l < 4096; l += 64) {
			if (!memcmp(t->cpu + l, t->mem + l, 64))
				continue;
			if (!f->violations)
				fprintf(stderr, "not written back: oa %#llx "
					"line %#x\n",
					(unsigned long long)t->oa, l);
			f->violations++;
		}
	}
}

/* The unit wrote memory (A/D, status): both views hold it. */
static void wb_sync(struct fx *f)
{
	if (!f->check_wb)
		return;
	for (unsigned int i = 0; i < f->npages; i++)
		memcpy(f->pages[i].mem, f->pages[i].cpu, 4096);
}

static int bus_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	struct fx *f = ctx;

	return f->umm->read(f->umm->ctx, off, size, v);
}

static int bus_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	struct fx *f = ctx;
	int ret;

	wb_check(f);
	ret = f->umm->write(f->umm->ctx, off, size, v);
	wb_sync(f);
	return ret;
}

/* ---- fixture ----------------------------------------------------------- */

static uint64_t fx_fail_at; /* the allocation of fx_unit that fails */

static int fx_unit(struct fx *f, uint64_t cap, uint64_t ecap, uint32_t flags)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, so, .cap = cap, .ecap = ecap);
	IOMMUPT_OPTS(iommudrv_vtd_opts, o, .unit = 4, .flags = flags,
		     .flush_range = wb_hook, .flush_ctx = f);

	memset(f, 0, sizeof(*f));
	f->fail_at = fx_fail_at;
	ck_assert_int_eq(iommusim_mem_create(NULL, &f->mem), 0);
	ck_assert_int_eq(iommusim_vtd_create(&so, f->mem, &f->u), 0);
	f->stale.tag = "vtd-sm";
	iommusim_unit_set_stale_fn(f->u, dsim_on_stale, &f->stale);
	f->umm = iommusim_unit_mmio(f->u);
	f->sprov = iommusim_mem_provider(f->mem);
	f->mmio = (struct iommupt_mmio){ f, bus_read, bus_write };
	f->prov = *f->sprov;
	f->prov.ctx = f;
	f->prov.alloc_table = prov_alloc;
	f->prov.free_table = prov_free;
	f->prov.oa_to_cpu = prov_oa_to_cpu;
	f->prov.adopt_table = NULL;
	f->prov.release_table = NULL;
	f->info.sz = sizeof(f->info);
	return iommudrv_vtd_create(&f->mmio, &f->prov, &o, &f->drv);
}

/* A scalable-mode driver on the default (non-coherent) unit, enabled. */
static void fx_setup(struct fx *f, uint64_t cap, uint64_t ecap, uint32_t flags)
{
	ck_assert_int_eq(fx_unit(f, cap, ecap, flags), 0);
	ck_assert_int_eq(iommudrv_vtd_get_info(f->drv, &f->info), 0);
	f->check_wb = !f->info.coherent;
	ck_assert_int_eq(iommudrv_vtd_enable(f->drv), 0);
}

static void fx_destroy(struct fx *f, unsigned int stale,
		       struct iommupt_domain **doms, unsigned int n)
{
	ck_assert_uint_eq(dsim_nr_stale(f->u, &f->stale), stale);
	ck_assert_uint_eq(f->violations, 0);
	ck_assert_uint_eq(f->wb_foreign, 0);
	f->check_wb = 0;
	iommudrv_vtd_destroy(f->drv);
	for (unsigned int i = 0; i < n; i++)
		iommupt_domain_destroy(doms[i]);
	ck_assert_uint_eq(f->npages, 0); /* nothing leaked */
	iommusim_unit_destroy(f->u);
	iommusim_mem_destroy(f->mem);
}

static struct iommupt_domain *dom_new(struct fx *f, int fs,
				      unsigned int levels)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .levels = levels);
	struct iommupt_domain *d;

	cfg.format = fs ? IOMMUPT_FMT_X86_64 : IOMMUPT_FMT_VTD_SS;
	cfg.pgsize_bitmap = fs ? f->info.fs_pgsize_bitmap
			       : f->info.pgsize_bitmap;
	ck_assert_int_eq(iommupt_domain_create(&cfg, &f->prov, &d), 0);
	return d;
}

static struct iommusim_dma_result dma(struct fx *f, uint16_t sid,
				      int has_pasid, uint32_t pasid,
				      uint64_t iova, int write)
{
	IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .iova = iova, .size = 8,
		     .pasid = pasid,
		     .flags = has_pasid ? IOMMUSIM_DMA_HAS_PASID : 0,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	IOMMUPT_OPTS(iommusim_dma_result, res);

	wb_check(f);
	ck_assert_int_eq(iommusim_unit_dma(f->u, &rq, &res), 0);
	wb_sync(f);
	return res;
}

/* The DMA translates to oa through a page of 1 << lg2 bytes. */
static void dma_ok(struct fx *f, uint16_t sid, int hp, uint32_t pasid,
		   uint64_t iova, int write, uint64_t oa, unsigned int lg2)
{
	struct iommusim_dma_result r = dma(f, sid, hp, pasid, iova, write);

	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, oa);
	ck_assert_uint_eq(r.page_lg2, lg2);
}

/* The DMA faults with fr, and the driver reads exactly that record. */
static void dma_faults(struct fx *f, uint16_t sid, int hp, uint32_t pasid,
		       uint64_t iova, int write, uint32_t fr, uint32_t reason)
{
	struct iommudrv_fault r[4];
	unsigned int n = 99;

	ck_assert_uint_eq(dma(f, sid, hp, pasid, iova, write).fault, fr);
	ck_assert_int_eq(iommudrv_vtd_read_faults(f->drv, r, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].unit, 4);
	ck_assert_uint_eq(r[0].source_id, sid);
	ck_assert_uint_eq(r[0].iova, iova & ~0xfffull);
	ck_assert_uint_eq(r[0].access, write ? IOMMUDRV_ACCESS_WRITE
					     : IOMMUDRV_ACCESS_READ);
	ck_assert_uint_eq(r[0].vendor_reason, fr);
	ck_assert_uint_eq(r[0].reason, reason);
	ck_assert_uint_eq(r[0].has_pasid, (uint32_t)hp);
	ck_assert_uint_eq(r[0].pasid, hp ? pasid : 0);
	ck_assert_int_eq(iommudrv_vtd_read_faults(f->drv, r, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
}

static void map_flush(struct fx *f, struct iommupt_domain *d, uint16_t did,
		      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;

	dsim_map(d, &g, iova, pa, len, prot);
	ck_assert_int_eq(iommudrv_vtd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

static void unmap_flush(struct fx *f, struct iommupt_domain *d, uint16_t did,
			uint64_t iova, uint64_t len)
{
	struct iommupt_gather g;

	dsim_unmap(d, &g, iova, len);
	ck_assert_int_eq(iommudrv_vtd_flush(f->drv, did, &g), 0);
	iommupt_gather_release(&g);
}

/* Vendor code of "not mapped" for a read/write in the domain's stage. */
static uint32_t np_code(int fs, int write)
{
	if (fs)
		return IOMMUSIM_VTD_FR_FS_NP;
	return write ? IOMMUSIM_VTD_FR_WRITE : IOMMUSIM_VTD_FR_READ;
}

/* ---- the cases --------------------------------------------------------- */

START_TEST(test_scalable_mode_only_when_asked_and_supported)
{
	uint64_t ecap = iommusim_vtd_default_ecap();
	struct fx f;

	/* default: legacy, even on a unit with SMTS */
	fx_setup(&f, 0, 0, 0);
	ck_assert_uint_eq(f.info.scalable, 1);
	ck_assert_uint_eq(f.info.scalable_mode, 0);
	ck_assert_uint_eq(f.info.fs_levels_mask, 0);
	fx_destroy(&f, 0, NULL, 0);

	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	ck_assert_uint_eq(f.info.scalable_mode, 1);
	ck_assert_uint_eq(f.info.coherent, 0);
	ck_assert_uint_eq(f.info.fs_levels_mask, (1u << 4) | (1u << 5));
	ck_assert_uint_eq(f.info.fs_pgsize_bitmap,
			  (1ull << 12) | (1ull << 21) | (1ull << 30));
	ck_assert_uint_eq(f.info.ss_supported, 1);
	ck_assert_uint_eq(f.info.nr_pasids, 512 * 64); /* one-page directory */
	fx_destroy(&f, 0, NULL, 0);

	ck_assert_int_eq(fx_unit(&f, 0, 0, IOMMUDRV_VTD_SCALABLE |
					   IOMMUDRV_VTD_LEGACY), -EINVAL);
	fx_destroy(&f, 0, NULL, 0);
	ck_assert_int_eq(fx_unit(&f, 0, 0, IOMMUDRV_VTD_SCALABLE |
					   IOMMUDRV_VTD_NO_QI), -EINVAL);
	fx_destroy(&f, 0, NULL, 0);
	ck_assert_int_eq(fx_unit(&f, 0, 0, 1u << 7), -EINVAL);
	fx_destroy(&f, 0, NULL, 0);
	/* a unit without scalable mode, or without the queue */
	ck_assert_int_eq(fx_unit(&f, 0, ecap & ~IOMMUSIM_VTD_ECAP_SMTS,
				 IOMMUDRV_VTD_SCALABLE), -EOPNOTSUPP);
	ck_assert_ptr_null(f.drv);
	fx_destroy(&f, 0, NULL, 0);
	ck_assert_int_eq(fx_unit(&f, 0, ecap & ~(IOMMUSIM_VTD_ECAP_QI |
						 IOMMUSIM_VTD_ECAP_SMTS |
						 IOMMUSIM_VTD_ECAP_PASID |
						 IOMMUSIM_VTD_ECAP_SLADS |
						 IOMMUSIM_VTD_ECAP_SLTS |
						 IOMMUSIM_VTD_ECAP_FLTS),
				 IOMMUDRV_VTD_SCALABLE), -EOPNOTSUPP);
	fx_destroy(&f, 0, NULL, 0);
}
END_TEST

/* Domain kinds: second stage 4/5 levels, first stage 4/5 levels. */
static const struct { int fs; unsigned int levels; } kinds[] = {
	{ 0, 4 }, { 0, 5 }, { 1, 4 }, { 1, 5 },
};

START_TEST(test_dma_through_4k_2m_1g_then_unmap_faults)
{
	int fs = kinds[_i].fs;
	struct iommupt_domain *d;
	uint64_t p4k, p2m, p1g;
	struct fx f;

	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	ck_assert(f.check_wb);
	d = dom_new(&f, fs, kinds[_i].levels);
	p4k = dsim_data_alloc(f.mem, 12);
	p2m = dsim_data_alloc(f.mem, 21);
	p1g = dsim_data_alloc(f.mem, 30);
	/* blocked before attach (no root entry for the bus yet) */
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_ROOT_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	/* mapped before attach: attach writes the tables back */
	map_flush(&f, d, DID, IOVA_4K, p4k, 4096, IOMMUPT_READ | IOMMUPT_WRITE);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d, DID), 0);
	map_flush(&f, d, DID, IOVA_2M, p2m, 1u << 21,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	map_flush(&f, d, DID, IOVA_1G, p1g, 1u << 30,
		  IOMMUPT_READ | IOMMUPT_WRITE);
	dma_ok(&f, SID, 0, 0, IOVA_4K + 0x18, 0, p4k + 0x18, 12);
	dma_ok(&f, SID, 0, 0, IOVA_4K + 0x20, 1, p4k + 0x20, 12);
	dma_ok(&f, SID, 0, 0, IOVA_2M + 0x1ff008, 1, p2m + 0x1ff008, 21);
	dma_ok(&f, SID, 0, 0, IOVA_1G + 0x3fe01000, 0, p1g + 0x3fe01000, 30);
	ck_assert_uint_eq(dma(&f, SID, 0, 0, IOVA_1G, 1).did, DID);
	if (fs) {
		/* the upper canonical half, and a non-canonical IOVA */
		map_flush(&f, d, DID, IOVA_UPPER, p4k, 4096, IOMMUPT_READ);
		dma_ok(&f, SID, 0, 0, IOVA_UPPER + 8, 0, p4k + 8, 12);
		dma_faults(&f, SID, 0, 0, 1ull << 60, 0,
			   IOMMUSIM_VTD_FR_FS_CANONICAL,
			   IOMMUDRV_FAULT_ADDR_SIZE);
		/* read-only page: a write is a permission fault */
		dma_faults(&f, SID, 0, 0, IOVA_UPPER, 1,
			   IOMMUSIM_VTD_FR_FS_WRITE, IOMMUDRV_FAULT_PERMISSION);
		unmap_flush(&f, d, DID, IOVA_UPPER, 4096);
		dma_faults(&f, SID, 0, 0, IOVA_UPPER, 0, np_code(1, 0),
			   IOMMUDRV_FAULT_TRANSLATION);
	}

	/* unmap + invalidate: each page size faults at once */
	unmap_flush(&f, d, DID, IOVA_4K, 4096);
	dma_faults(&f, SID, 0, 0, IOVA_4K + 0x18, 0, np_code(fs, 0),
		   IOMMUDRV_FAULT_TRANSLATION);
	unmap_flush(&f, d, DID, IOVA_2M, 1u << 21);
	dma_faults(&f, SID, 0, 0, IOVA_2M + 0x1000, 1, np_code(fs, 1),
		   IOMMUDRV_FAULT_TRANSLATION);
	unmap_flush(&f, d, DID, IOVA_1G, 1u << 30);
	dma_faults(&f, SID, 0, 0, IOVA_1G + 0x3fe01000, 0, np_code(fs, 0),
		   IOMMUDRV_FAULT_TRANSLATION);
	/* a 4K page where the 1G page was: a new table under the old slot */
	map_flush(&f, d, DID, IOVA_1G + 0x5000, p4k, 4096, IOMMUPT_READ);
	dma_ok(&f, SID, 0, 0, IOVA_1G + 0x5010, 0, p4k + 0x10, 12);

	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	dma_faults(&f, SID, 0, 0, IOVA_1G + 0x5010, 0, IOMMUSIM_VTD_FR_CTX_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), -ENOENT);
	ck_assert_uint_gt(f.wb_calls, 0);
	fx_destroy(&f, 0, &d, 1);
}
END_TEST

/*
 * Requests with PASID: each attached PASID reaches its own domain, the
 * rest fault with their PASID in the record; PASID tables 0 and 1.
 */
START_TEST(test_pasid_tagged_requests_reach_their_own_domain)
{
	struct iommupt_domain *d[3];
	uint64_t pr, pa, pb;
	struct fx f;

	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	d[0] = dom_new(&f, 0, 4); /* requests without PASID */
	d[1] = dom_new(&f, 1, 4); /* PASID_A, first stage */
	d[2] = dom_new(&f, 0, 3); /* PASID_B, second stage */
	pr = dsim_data_alloc(f.mem, 12);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d[0], DID, IOVA_4K, pr, 4096, RW);
	map_flush(&f, d[1], DID2, IOVA_4K, pa, 4096, RW);
	map_flush(&f, d[2], DID3, IOVA_4K, pb, 4096, RW);

	/* argument checks change nothing */
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, 0, d[1], DID2),
			 -ERANGE);
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID,
				f.info.nr_pasids, d[1], DID2), -ERANGE);
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[1],
						   256), -ERANGE);
	ck_assert_int_eq(iommudrv_vtd_detach_pasid(f.drv, SID, PASID_A),
			 -ENOENT);

	/* a PASID alone: requests without PASID have no RID_PASID entry */
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[1],
						   DID2), 0);
	dma_ok(&f, SID, 1, PASID_A, IOVA_4K + 8, 1, pa + 8, 12);
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_PTE_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID), 0);
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_B, d[2],
						   DID3), 0);
	dma_ok(&f, SID, 0, 0, IOVA_4K + 8, 1, pr + 8, 12);
	dma_ok(&f, SID, 1, PASID_A, IOVA_4K + 8, 0, pa + 8, 12);
	dma_ok(&f, SID, 1, PASID_B, IOVA_4K + 8, 0, pb + 8, 12);
	ck_assert_uint_eq(dma(&f, SID, 1, PASID_B, IOVA_4K, 0).did, DID3);
	/* unattached PASIDs: entry not present; directory entry not present */
	dma_faults(&f, SID, 1, PASID_A + 1, IOVA_4K, 0, IOMMUSIM_VTD_FR_PTE_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	dma_faults(&f, SID, 1, 64 * 9 + 3, IOVA_4K, 1, IOMMUSIM_VTD_FR_PDIR_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);

	/* unmap + PASID-based invalidation: the fault carries the PASID */
	unmap_flush(&f, d[1], DID2, IOVA_4K, 4096);
	dma_faults(&f, SID, 1, PASID_A, IOVA_4K + 8, 1,
		   IOMMUSIM_VTD_FR_FS_NP, IOMMUDRV_FAULT_TRANSLATION);
	dma_ok(&f, SID, 0, 0, IOVA_4K, 0, pr, 12); /* others unaffected */
	unmap_flush(&f, d[2], DID3, IOVA_4K, 4096);
	dma_faults(&f, SID, 1, PASID_B, IOVA_4K, 0, IOMMUSIM_VTD_FR_READ,
		   IOMMUDRV_FAULT_TRANSLATION);

	/* re-point PASID_A at a second-stage domain, then detach it */
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[0],
						   DID), 0);
	dma_ok(&f, SID, 1, PASID_A, IOVA_4K, 0, pr, 12);
	ck_assert_int_eq(iommudrv_vtd_detach_pasid(f.drv, SID, PASID_A), 0);
	dma_faults(&f, SID, 1, PASID_A, IOVA_4K, 0, IOMMUSIM_VTD_FR_PTE_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	ck_assert_int_eq(iommudrv_vtd_detach_pasid(f.drv, SID, PASID_A),
			 -ENOENT);
	dma_ok(&f, SID, 0, 0, IOVA_4K, 1, pr, 12);

	/* detach blocks the requester, every PASID of it */
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_CTX_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	dma_faults(&f, SID, 1, PASID_B, IOVA_4K, 0, IOMMUSIM_VTD_FR_CTX_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	fx_destroy(&f, 0, d, 3);
}
END_TEST

/* PASIDs exist only in scalable mode; first stage not in legacy mode. */
/* What the unit lacks is refused: FLTS, FL5LP, FL1GP, SLTS. */
START_TEST(test_scalable_mode_refuses_what_the_unit_lacks)
{
	uint64_t ecap = iommusim_vtd_default_ecap();
	uint64_t cap = iommusim_vtd_default_cap();
	struct iommupt_domain *d[3];
	struct fx f;

	fx_setup(&f, 0, ecap & ~IOMMUSIM_VTD_ECAP_FLTS, IOMMUDRV_VTD_SCALABLE);
	ck_assert_uint_eq(f.info.fs_levels_mask, 0);
	d[0] = dom_new(&f, 0, 4);
	f.info.fs_pgsize_bitmap = 1ull << 12;
	d[1] = dom_new(&f, 1, 4);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[1], DID),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID), 0);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, 0, d, 2);

	fx_setup(&f, cap & ~(IOMMUSIM_VTD_CAP_FL5LP | IOMMUSIM_VTD_CAP_FL1GP),
		 ecap & ~IOMMUSIM_VTD_ECAP_SLTS, IOMMUDRV_VTD_SCALABLE);
	ck_assert_uint_eq(f.info.fs_levels_mask, 1u << 4);
	ck_assert_uint_eq(f.info.fs_pgsize_bitmap, (1ull << 12) | (1ull << 21));
	ck_assert_uint_eq(f.info.ss_supported, 0);
	d[0] = dom_new(&f, 0, 4);
	d[1] = dom_new(&f, 1, 5);
	{
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .levels = 4,
			     .format = IOMMUPT_FMT_X86_64); /* with 1G */

		ck_assert_int_eq(iommupt_domain_create(&cfg, &f.prov, &d[2]),
				 0);
	}
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[1], DID),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[2], DID),
			 -EOPNOTSUPP);
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_ROOT_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	fx_destroy(&f, 0, d, 3);
}
END_TEST

START_TEST(test_legacy_mode_refuses_pasids_and_first_stage)
{
	struct iommupt_domain *d[2];
	struct fx f;

	fx_setup(&f, 0, 0, 0);
	d[0] = dom_new(&f, 1, 4);
	d[1] = dom_new(&f, 0, 4);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID),
			 -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[1],
						   DID), -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_detach_pasid(f.drv, SID, PASID_A),
			 -EOPNOTSUPP);
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_ROOT_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	fx_destroy(&f, 0, d, 2);
}
END_TEST

/*
 * Negative control: unmap a first-stage page and leave out the driver's
 * PASID-based invalidation: the unit keeps the cached translation and the
 * detector fires; the flush from the same gather cures it.
 */
START_TEST(test_first_stage_unmap_without_flush_is_caught_as_stale)
{
	struct iommupt_domain *d;
	struct iommupt_gather g;
	struct iommusim_dma_result r;
	uint64_t pa, done = 0;
	int hp = _i; /* through RID_PASID, or a PASID */
	uint32_t pasid = hp ? PASID_B : 0;
	struct fx f;

	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	d = dom_new(&f, 1, 4);
	pa = dsim_data_alloc(f.mem, 12);
	if (hp)
		ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, pasid, d,
							   DID), 0);
	else
		ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d, DID), 0);
	map_flush(&f, d, DID, IOVA_4K, pa, 4096, IOMMUPT_READ | IOMMUPT_WRITE);
	dma_ok(&f, SID, hp, pasid, IOVA_4K, 1, pa, 12); /* cached now */

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(d, IOVA_4K, 4096, 0, &g, &done),
			 0);
	/* no flush: nor write-back, which the memory check would report */
	f.check_wb = 0;
	r = dma(&f, SID, hp, pasid, IOVA_4K, 0);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(f.stale.seen, 1);

	ck_assert_int_eq(iommudrv_vtd_flush(f.drv, DID, &g), 0);
	iommupt_gather_release(&g);
	f.check_wb = 1;
	dma_faults(&f, SID, hp, pasid, IOVA_4K, 0, IOMMUSIM_VTD_FR_FS_NP,
		   IOMMUDRV_FAULT_TRANSLATION);
	fx_destroy(&f, 1, &d, 1);
}
END_TEST

/*
 * Negative control for the PASID cache: re-point a PASID entry at another
 * first-stage domain behind the driver's back (a driver that forgot the
 * PASID-cache invalidation): the unit keeps the cached entry and the
 * detector fires. The driver's attach_pasid invalidates and cures it.
 */
START_TEST(test_pasid_entry_change_without_invalidation_is_caught_as_stale)
{
	IOMMUPT_OPTS(iommupt_domain_info, i2);
	struct iommupt_domain *d[2];
	struct iommusim_dma_result r;
	uint64_t pa, pb, rt = 0, ce, pde, pe, v;
	struct fx f;

	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	f.check_wb = 0; /* the test itself writes behind the driver */
	d[0] = dom_new(&f, 1, 4);
	d[1] = dom_new(&f, 1, 4);
	pa = dsim_data_alloc(f.mem, 12);
	pb = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d[0], DID, IOVA_4K, pa, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommupt_domain_map(d[1], IOVA_2M, pb, 4096,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[0],
						   DID), 0);
	dma_ok(&f, SID, 1, PASID_A, IOVA_4K, 0, pa, 12); /* entry cached */

	/* root -> context (9.4) -> directory (9.5) -> PASID entry (9.6) */
	ck_assert_int_eq(f.umm->read(f.umm->ctx, IOMMUSIM_VTD_RTADDR, 8, &rt),
			 0);
	ck_assert_int_eq(iommusim_mem_read64(f.mem, (rt & ADDR_MASK) +
					     16 * (SID >> 8), &v), 0);
	ce = (v & ADDR_MASK) + 32 * (SID & 0x7f);
	ck_assert_int_eq(iommusim_mem_read64(f.mem, ce, &v), 0);
	ck_assert(v & 8); /* PASIDE: requests with PASID enabled */
	ck_assert_int_eq(iommusim_mem_read64(f.mem, (v & ADDR_MASK) +
					     8 * (PASID_A / 64), &pde), 0);
	pe = (pde & ADDR_MASK) + 64 * (PASID_A % 64);
	ck_assert_int_eq(iommusim_mem_read64(f.mem, pe, &v), 0);
	ck_assert_uint_eq((v >> 6) & 7, 1); /* PGTT first stage */
	ck_assert_int_eq(iommupt_domain_get_info(d[1], &i2), 0);
	ck_assert_int_eq(iommusim_mem_write64(f.mem, pe + 16, i2.root_oa), 0);

	r = dma(&f, SID, 1, PASID_A, IOVA_2M, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_FS_NP);
	ck_assert_uint_eq(f.stale.seen, 1);
	ck_assert_uint_eq(iommudrv_vtd_read_faults(f.drv,
			  (struct iommudrv_fault[4]){ { 0 } }, 4,
			  &(unsigned int){ 0 }), 0);

	ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID, PASID_A, d[1],
						   DID2), 0);
	dma_ok(&f, SID, 1, PASID_A, IOVA_2M, 0, pb, 12);
	ck_assert_uint_eq(f.stale.seen, 1);
	fx_destroy(&f, 1, d, 2);
}
END_TEST

/*
 * Allocation failure at each step of create, and of attach (context
 * table, PASID directory, PASID table): -ENOMEM, the earlier attachments
 * still translate, the requester stays blocked, nothing leaks; the
 * retry succeeds.
 */
START_TEST(test_allocation_failure_at_each_step)
{
	struct iommupt_domain *d[2];
	uint64_t pr, pb;
	unsigned int n, failed = 0;
	struct fx f;
	int ret;

	/* create */
	for (n = 1, failed = 0;; n++) {
		fx_fail_at = n;
		ret = fx_unit(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
		fx_fail_at = 0;
		f.fail_at = 0;
		if (ret) {
			ck_assert_int_eq(ret, -ENOMEM);
			ck_assert_ptr_null(f.drv);
			ck_assert_uint_eq(f.npages, 0);
			failed++;
			fx_destroy(&f, 0, NULL, 0);
			continue;
		}
		fx_destroy(&f, 0, NULL, 0);
		break;
	}
	ck_assert_uint_eq(failed, 3); /* root table, queue, status page */

	/* attach_pasid of a new requester in a new half and PASID table */
	for (n = 1, failed = 0;; n++) {
		fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
		d[0] = dom_new(&f, 0, 4);
		d[1] = dom_new(&f, 1, 4);
		pr = dsim_data_alloc(f.mem, 12);
		pb = dsim_data_alloc(f.mem, 12);
		map_flush(&f, d[0], DID, IOVA_4K, pr, 4096, IOMMUPT_READ);
		map_flush(&f, d[1], DID2, IOVA_4K, pb, 4096, IOMMUPT_READ);
		ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID), 0);
		f.fail_at = f.allocs + n;
		ret = iommudrv_vtd_attach_pasid(f.drv, SID2, PASID_B, d[1],
						DID2);
		f.fail_at = 0;
		dma_ok(&f, SID, 0, 0, IOVA_4K, 0, pr, 12);
		if (ret) {
			ck_assert_int_eq(ret, -ENOMEM);
			failed++;
			ck_assert_uint_ne(dma(&f, SID2, 1, PASID_B, IOVA_4K,
					      0).fault, 0);
			{
				struct iommudrv_fault r[4];
				unsigned int k;

				ck_assert_int_eq(iommudrv_vtd_read_faults(
						f.drv, r, 4, &k), 0);
				ck_assert_uint_eq(k, 1);
				ck_assert_uint_eq(r[0].has_pasid, 1);
			}
			/* the retry works */
			ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID2,
					 PASID_B, d[1], DID2), 0);
			dma_ok(&f, SID2, 1, PASID_B, IOVA_4K, 0, pb, 12);
			fx_destroy(&f, 0, d, 2);
			continue;
		}
		dma_ok(&f, SID2, 1, PASID_B, IOVA_4K, 0, pb, 12);
		/* then a PASID in a third table of an existing directory */
		f.fail_at = f.allocs + 1;
		ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID2, 64 * 2,
							   d[0], DID), -ENOMEM);
		f.fail_at = 0;
		dma_ok(&f, SID2, 1, PASID_B, IOVA_4K, 0, pb, 12);
		ck_assert_int_eq(iommudrv_vtd_attach_pasid(f.drv, SID2, 64 * 2,
							   d[0], DID), 0);
		dma_ok(&f, SID2, 1, 64 * 2, IOVA_4K, 0, pr, 12);
		fx_destroy(&f, 0, d, 2);
		break;
	}
	/* context table (upper half), PASID directory, PASID table */
	ck_assert_uint_eq(failed, 3);

	/* legacy mode: the bus's context table */
	fx_setup(&f, 0, 0, 0);
	d[0] = dom_new(&f, 0, 4);
	pr = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d[0], DID, IOVA_4K, pr, 4096, IOMMUPT_READ);
	f.fail_at = f.allocs + 1;
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID), -ENOMEM);
	f.fail_at = 0;
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_ROOT_NP,
		   IOMMUDRV_FAULT_NO_DEVICE);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d[0], DID), 0);
	dma_ok(&f, SID, 0, 0, IOVA_4K, 0, pr, 12);
	fx_destroy(&f, 0, d, 1);
}
END_TEST

/*
 * Write-back: on a unit with ECAP.C = 1 the hook is never called; without
 * it, legacy mode passes the same check as scalable mode; and a hook that
 * drops the write-backs is caught (the check can fail).
 */
START_TEST(test_write_back_only_when_not_coherent_and_checked)
{
	struct iommupt_domain *d;
	uint64_t pa;
	struct fx f;

	/* coherent: no call */
	fx_setup(&f, 0, iommusim_vtd_default_ecap() | IOMMUSIM_VTD_ECAP_C,
		 IOMMUDRV_VTD_SCALABLE);
	ck_assert_uint_eq(f.info.coherent, 1);
	d = dom_new(&f, 1, 4);
	pa = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d, DID, IOVA_4K, pa, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d, DID), 0);
	dma_ok(&f, SID, 0, 0, IOVA_4K, 0, pa, 12);
	unmap_flush(&f, d, DID, IOVA_4K, 4096);
	ck_assert_uint_eq(f.wb_calls, 0);
	fx_destroy(&f, 0, &d, 1);

	/* legacy mode, not coherent: checked at every doorbell and DMA */
	fx_setup(&f, 0, 0, 0);
	ck_assert(f.check_wb);
	d = dom_new(&f, 0, 4);
	pa = dsim_data_alloc(f.mem, 12);
	map_flush(&f, d, DID, IOVA_4K, pa, 4096, IOMMUPT_READ);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d, DID), 0);
	dma_ok(&f, SID, 0, 0, IOVA_4K, 0, pa, 12);
	map_flush(&f, d, DID, IOVA_1G + 0x3000, pa, 4096, IOMMUPT_WRITE);
	dma_ok(&f, SID, 0, 0, IOVA_1G + 0x3000, 1, pa, 12);
	unmap_flush(&f, d, DID, IOVA_4K, 4096);
	dma_faults(&f, SID, 0, 0, IOVA_4K, 0, IOMMUSIM_VTD_FR_READ,
		   IOMMUDRV_FAULT_TRANSLATION);
	ck_assert_uint_gt(f.wb_calls, 0);
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, 0, &d, 1);

	/* negative control: write-backs dropped after attach */
	fx_setup(&f, 0, 0, IOMMUDRV_VTD_SCALABLE);
	d = dom_new(&f, 1, 4);
	pa = dsim_data_alloc(f.mem, 12);
	ck_assert_int_eq(iommudrv_vtd_attach(f.drv, SID, d, DID), 0);
	ck_assert_uint_eq(f.violations, 0);
	f.drop_wb = 1;
	map_flush(&f, d, DID, IOVA_1G, pa, 4096, IOMMUPT_READ); /* new tables */
	dma(&f, SID, 0, 0, IOVA_1G, 0);
	ck_assert_uint_gt(f.violations, 0);
	f.violations = 0;
	f.drop_wb = 0;
	f.check_wb = 0;
	ck_assert_int_eq(iommudrv_vtd_detach(f.drv, SID), 0);
	fx_destroy(&f, 0, &d, 1);
}
END_TEST

Suite *drv_vtd_sm_sim_suite(void);

Suite *drv_vtd_sm_sim_suite(void)
{
	Suite *s = suite_create("drv_vtd_sm_sim");
	TCase *tc = test_tcase("scalable");

	tcase_add_test(tc, test_scalable_mode_only_when_asked_and_supported);
	tcase_add_loop_test(tc, test_dma_through_4k_2m_1g_then_unmap_faults, 0,
			    4);
	tcase_add_test(tc, test_pasid_tagged_requests_reach_their_own_domain);
	tcase_add_test(tc, test_legacy_mode_refuses_pasids_and_first_stage);
	tcase_add_test(tc, test_scalable_mode_refuses_what_the_unit_lacks);
	suite_add_tcase(s, tc);
	tc = test_tcase("negative-controls");
	tcase_add_loop_test(tc,
		test_first_stage_unmap_without_flush_is_caught_as_stale, 0, 2);
	tcase_add_test(tc,
		test_pasid_entry_change_without_invalidation_is_caught_as_stale);
	suite_add_tcase(s, tc);
	tc = test_tcase("failures");
	tcase_add_test(tc, test_allocation_failure_at_each_step);
	suite_add_tcase(s, tc);
	tc = test_tcase("write-back");
	tcase_add_test(tc, test_write_back_only_when_not_coherent_and_checked);
	suite_add_tcase(s, tc);
	return s;
}
