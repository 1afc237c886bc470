// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Simulator cases: how fast libiommusim translates DMA, on the IOTLB-hit
 * path and on the full-walk path, for the VT-d model (legacy root/context
 * tables, second stage) and the AMD-Vi model (v1 DTE), each walking a
 * 4-level domain that libiommupt built in simulated memory (the
 * simulator's memory provider), mapped with 4K pages only.
 *
 * Rows, per simulated format (vtdss-4lvl, amdv1-4lvl; formats.c marks them
 * with BENCH_NEED_SIM):
 *
 * - "sim hit 1 page": one page translated over and over. Every lookup
 *   hits the IOTLB; this is the floor of a transaction in the model (link,
 *   context/DTE cache, IOTLB probes). It is the reference of the next row:
 *   no loop outside the simulator does what a hit does (a few tag compares
 *   in set-associative arrays), so a load or store loop would give a ratio
 *   with no meaning; what can be said honestly is whether a working set
 *   costs more than one page does.
 * - "sim hit 256 pages": 256 consecutive pages (256 of the 2048 IOTLB
 *   entries, one per set) in a shuffled order, over and over; ratio to
 *   the 1-page row.
 * - "sim full walk 16G": random pages of a 16 GiB window (1 GiB with
 *   --quick) with the IOTLB and the paging-structure (page-directory)
 *   caches disabled through the unit options: every translation walks all
 *   levels. Compared with dep-chain(levels): the same number of dependent
 *   loads, the bare cost of a walk on this machine; the ratio is the
 *   model's overhead per walk (locked 8-byte reads of sparse memory,
 *   permission and reserved-bit checks, cycle accounting).
 * - "sim random 16G, caches": the same random pages with the default
 *   caches (2048-entry IOTLB, gem5's walk-cache sizes): the working set is
 *   far larger than the IOTLB (4M pages) and the leaf-level walk cache
 *   (348 entries of 8192 leaf tables), so most translations walk, the
 *   upper levels mostly from the caches. Same reference.
 *
 * Each row also shows translations per second (M/s), the simulated cycles
 * per translation and the IOTLB hit rate (and walk reads per translation)
 * from the unit's counters over the timed repetitions, so the reader can
 * see that each row measured the path it names. An untimed pass primes the
 * caches first. The stale-translation detector is off: it re-walks every
 * cached translation, which would make the hit path a walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/sim.h>
#include <iommupt/sim-vtd.h>
#include <iommupt/sim-amd.h>

#include "cases.h"

#define SIM_SID 0x0108u  /* bus 1, device 1, function 0 */
#define SIM_DID 5u
#define SIM_DEVTAB_LG2 14 /* AMD device table: DeviceIDs 0..511 */
#define SIM_BASE (4ull << 30)
#define SIM_OA_OFF (1ull << 40) /* OA = IOVA + this: a wrong OA shows */
#define SIM_HOT 256

/* Simulated memory holding the library's tables and the device's entry. */
struct sim_rig {
	bool amd;
	struct iommusim_mem *mem;
	struct iommupt_domain *dom;
	struct iommupt_domain_info info;
	uint64_t root; /* VT-d root table, or AMD device table */
};

static int mmio_w(struct iommusim_unit *u, unsigned int off,
		  unsigned int size, uint64_t v)
{
	const struct iommupt_mmio *m = iommusim_unit_mmio(u);

	return m->write(m->ctx, off, size, v);
}

static int mmio_r(struct iommusim_unit *u, unsigned int off,
		  unsigned int size, uint64_t *v)
{
	const struct iommupt_mmio *m = iommusim_unit_mmio(u);

	*v = 0;
	return m->read(m->ctx, off, size, v);
}

/* VT-d legacy root entry -> context table -> context entry (9.1, 9.3). */
static int vtd_tables(struct sim_rig *s)
{
	unsigned int bus = SIM_SID >> 8, devfn = SIM_SID & 0xff;
	uint64_t ctp;
	int rc;

	rc = iommusim_mem_alloc(s->mem, 12, &s->root);
	if (!rc)
		rc = iommusim_mem_alloc(s->mem, 12, &ctp);
	if (!rc)
		rc = iommusim_mem_write64(s->mem, s->root + 16 * bus, ctp | 1);
	/* TT 00 (second stage only), AW = levels - 2 */
	if (!rc)
		rc = iommusim_mem_write64(s->mem, ctp + 16 * devfn + 8,
					  (s->info.levels - 2) |
					  (uint64_t)SIM_DID << 8);
	if (!rc)
		rc = iommusim_mem_write64(s->mem, ctp + 16 * devfn,
					  s->info.root_oa | 1);
	return rc;
}

/* AMD v1 device table entry (2.2.2.1): Mode = levels, IR, IW. */
static int amd_tables(struct sim_rig *s)
{
	uint64_t dte;
	int rc;

	rc = iommusim_mem_alloc(s->mem, SIM_DEVTAB_LG2, &s->root);
	if (rc)
		return rc;
	dte = s->root + 32ull * SIM_SID;
	rc = iommusim_mem_write64(s->mem, dte + 8, SIM_DID);
	if (!rc)
		rc = iommusim_mem_write64(s->mem, dte,
					  s->info.root_oa | IOMMUSIM_AMD_DTE_V |
					  IOMMUSIM_AMD_DTE_TV |
					  IOMMUSIM_AMD_DTE_MODE(s->info.levels) |
					  IOMMUSIM_AMD_DTE_IR |
					  IOMMUSIM_AMD_DTE_IW);
	return rc;
}

/* A unit over the rig's memory, translating; caches off: IOTLB and PWC. */
static int unit_create(struct sim_rig *s, bool caches_off,
		       struct iommusim_unit **out)
{
	/* sets * ways == 0 disables; not all-zero, which means "default" */
	const struct iommusim_cache_cfg off = { .repl = IOMMUSIM_REPL_RANDOM };
	struct iommusim_unit *u = NULL;
	uint64_t v;
	int rc;

	*out = NULL;
	if (s->amd) {
		IOMMUPT_OPTS(iommusim_amd_opts, o,
			     .flags = IOMMUSIM_AMD_NO_STALE_CHECK);

		if (caches_off) {
			o.iotlb = off;
			o.pdc = off;
		}
		rc = iommusim_amd_create(&o, s->mem, &u);
		if (!rc)
			rc = mmio_w(u, IOMMUSIM_AMD_DEVTAB, 8, s->root |
				    ((1u << (SIM_DEVTAB_LG2 - 12)) - 1));
		if (!rc)
			rc = mmio_w(u, IOMMUSIM_AMD_CONTROL, 8,
				    IOMMUSIM_AMD_CTRL_IOMMU_EN);
	} else {
		IOMMUPT_OPTS(iommusim_vtd_opts, o,
			     .flags = IOMMUSIM_VTD_NO_STALE_CHECK);

		if (caches_off) {
			o.iotlb = off;
			o.pwc = off;
		}
		rc = iommusim_vtd_create(&o, s->mem, &u);
		if (!rc)
			rc = mmio_w(u, IOMMUSIM_VTD_RTADDR, 8,
				    s->root | IOMMUSIM_VTD_RTADDR_LEGACY);
		if (!rc)
			rc = mmio_w(u, IOMMUSIM_VTD_GCMD, 4,
				    IOMMUSIM_VTD_GCMD_SRTP);
		if (!rc)
			rc = mmio_w(u, IOMMUSIM_VTD_GCMD, 4,
				    IOMMUSIM_VTD_GCMD_TE);
		if (!rc)
			rc = mmio_r(u, IOMMUSIM_VTD_GSTS, 4, &v);
		if (!rc && !(v & IOMMUSIM_VTD_GCMD_TE))
			rc = -EIO;
	}
	if (u)
		iommusim_unit_set_stale_check(u, 0);
	if (rc) {
		iommusim_unit_destroy(u);
		return rc;
	}
	*out = u;
	return 0;
}

struct sim_snap {
	struct iommusim_unit_stats st;
	struct iommusim_cache_stats tlb;
};

static void snap(struct iommusim_unit *u, struct sim_snap *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->st.sz = sizeof(sn->st);
	sn->tlb.sz = sizeof(sn->tlb);
	(void)iommusim_unit_get_stats(u, &sn->st);
	(void)iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_IOTLB, 0, &sn->tlb);
}

/* Figures from the unit's counters over the timed repetitions. */
static void row_metrics(struct bench_row *r, const struct sim_snap *a,
			const struct sim_snap *b)
{
	uint64_t dma = b->st.dma - a->st.dma;
	uint64_t look = (b->tlb.hits - a->tlb.hits) +
			(b->tlb.misses - a->tlb.misses);

	if (!dma)
		return;
	bench_row_metric(r, "cyc/xlate",
			 (double)(b->st.cycles - a->st.cycles) / (double)dma);
	bench_row_metric(r, "IOTLB hit %", look ?
			 100.0 * (double)(b->tlb.hits - a->tlb.hits) /
			 (double)look : 0.0);
	bench_row_metric(r, "walk reads/xlate",
			 (double)(b->st.walk_reads - a->st.walk_reads) /
			 (double)dma);
}

/* Fill iova[0..n) with random pages of the window (untimed). */
static void random_pages(struct bench_ctx *c, uint64_t *iova, uint64_t n,
			 uint64_t pages)
{
	for (uint64_t i = 0; i < n; i++)
		iova[i] = SIM_BASE + ((bench_rand(&c->rng) % pages) << 12);
}

/*
 * Run one row: untimed priming pass over iova[0..n), then warm-ups and
 * timed repetitions of n translations: the same ones, or (pages != 0)
 * fresh random pages of the window each time, so that no repetition finds
 * the last one's pages in the IOTLB. Checks (outside the timing) that
 * nothing faulted and that the output addresses are right.
 */
static void run_row(struct bench_ctx *c, struct bench_row *r,
		    struct iommusim_unit *u, uint64_t *iova, uint64_t n,
		    uint64_t pages)
{
	IOMMUPT_OPTS(iommusim_dma, req, .sid = SIM_SID,
		     .access = IOMMUSIM_DMA_READ, .size = 8);
	IOMMUPT_OPTS(iommusim_dma_result, res);
	struct sim_snap a, b;
	uint64_t bad = 0, faults = 0;
	int rc = 0;

	if (!r)
		return;
	for (uint64_t i = 0; i < n && !rc; i++) {
		req.iova = iova[i];
		rc = iommusim_unit_dma(u, &req, &res);
		bad |= res.fault || res.oa != iova[i] + SIM_OA_OFF;
	}
	if (rc || bad) {
		bench_row_fail(r, "translation: %s, fault 0x%x, oa 0x%llx",
			       rc ? iommupt_strerror(rc) : "ok", res.fault,
			       (unsigned long long)res.oa);
		return;
	}
	for (unsigned int rep = 0; rep < bench_total_reps(c) && !rc; rep++) {
		uint64_t t0, t1;

		if (pages)
			random_pages(c, iova, n, pages);
		if (rep == c->opts->warmup)
			snap(u, &a);
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < n; i++) {
			req.iova = iova[i];
			rc |= iommusim_unit_dma(u, &req, &res);
			faults += res.fault != 0;
		}
		t1 = bench_now_ns();
		if (rc || faults) {
			bench_row_fail(r, "translation: %s, %llu faults",
				       iommupt_strerror(rc),
				       (unsigned long long)faults);
			return;
		}
		bench_record(r, t1 - t0, n);
	}
	snap(u, &b);
	row_metrics(r, &a, &b);
	bench_row_show_rate(r);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	return p;
}

void bench_case_sim(struct bench_ctx *c)
{
	const unsigned int win_lg2 = c->opts->quick ? 30 : 34;
	const uint64_t pages = 1ull << (win_lg2 - 12);
	const uint64_t k = c->opts->quick ? 1024 : 8192;
	IOMMUPT_OPTS(iommusim_mem_opts, mo);
	struct iommupt_domain_cfg cfg = c->fmt->cfg;
	struct bench_row *hit1, *hitn, *walk, *rnd;
	struct iommusim_unit *u = NULL;
	struct sim_rig s = { 0 };
	uint64_t *iova = NULL;
	int rc;

	if (cfg.format != IOMMUPT_FMT_VTD_SS && cfg.format != IOMMUPT_FMT_AMD_V1) {
		bench_skip(c, "sim", "the simulator models VT-d second stage and AMD v1 only");
		return;
	}
	s.amd = cfg.format == IOMMUPT_FMT_AMD_V1;
	hit1 = bench_row(c, "ns/xlate", 1, "sim hit 1 page");
	hitn = bench_row(c, "ns/xlate", 1, "sim hit %u pages", SIM_HOT);
	walk = bench_row(c, "ns/xlate", 1, "sim full walk %s",
			 bench_size_name(win_lg2));
	rnd = bench_row(c, "ns/xlate", 1, "sim random %s, caches",
			bench_size_name(win_lg2));
	if (!hit1 && !hitn && !walk && !rnd)
		return;
	bench_row_ref_row(hitn, hit1, false);
	bench_row_ref(walk, BENCH_REF_CHAIN, c->info.levels, 0);
	bench_row_ref(rnd, BENCH_REF_CHAIN, c->info.levels, 0);

	/* untimed: the domain in simulated memory, the device's entry */
	cfg.pgsize_bitmap = 1ull << 12;
	rc = iommusim_mem_create(&mo, &s.mem);
	if (!rc)
		rc = iommupt_domain_create(&cfg, iommusim_mem_provider(s.mem),
					   &s.dom);
	if (!rc) {
		s.info.sz = sizeof(s.info);
		rc = iommupt_domain_get_info(s.dom, &s.info);
	}
	if (!rc)
		rc = iommupt_domain_map(s.dom, SIM_BASE, SIM_BASE + SIM_OA_OFF,
					1ull << win_lg2,
					IOMMUPT_READ | IOMMUPT_WRITE, NULL);
	if (!rc)
		rc = s.amd ? amd_tables(&s) : vtd_tables(&s);
	if (rc) {
		bench_row_fail(hit1, "setup: %s", iommupt_strerror(rc));
		bench_row_fail(hitn, "setup: %s", iommupt_strerror(rc));
		bench_row_fail(walk, "setup: %s", iommupt_strerror(rc));
		bench_row_fail(rnd, "setup: %s", iommupt_strerror(rc));
		goto out;
	}
	iova = xcalloc(k, sizeof(*iova));

	/* IOTLB-hit path, default caches; both rows on one unit */
	rc = (hit1 || hitn) ? unit_create(&s, false, &u) : 0;
	if (rc) {
		bench_row_fail(hit1, "unit: %s", iommupt_strerror(rc));
		bench_row_fail(hitn, "unit: %s", iommupt_strerror(rc));
	} else if (u) {
		for (uint64_t i = 0; i < k; i++)
			iova[i] = SIM_BASE + 4096;
		run_row(c, hit1, u, iova, k, 0);
		/* each of SIM_HOT consecutive pages k / SIM_HOT times, shuffled */
		for (uint64_t i = 0; i < k; i++)
			iova[i] = SIM_BASE + ((i % SIM_HOT) << 12);
		for (uint64_t i = k - 1; i > 0; i--) {
			uint64_t j = bench_rand(&c->rng) % (i + 1), t = iova[i];

			iova[i] = iova[j];
			iova[j] = t;
		}
		run_row(c, hitn, u, iova, k, 0);
		iommusim_unit_destroy(u);
	}

	/* full-walk path (caches off), then the same with the caches */
	for (unsigned int p = 0; p < 2; p++) {
		struct bench_row *r = p ? rnd : walk;

		if (!r)
			continue;
		rc = unit_create(&s, !p, &u);
		if (rc) {
			bench_row_fail(r, "unit: %s", iommupt_strerror(rc));
			continue;
		}
		random_pages(c, iova, k, pages);
		run_row(c, r, u, iova, k, pages);
		iommusim_unit_destroy(u);
	}
out:
	free(iova);
	iommupt_domain_destroy(s.dom);
	iommusim_mem_destroy(s.mem);
}
