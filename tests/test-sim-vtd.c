// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d model: register file, legacy and scalable-mode structures,
 * second- and first-stage walks against hand-built and library-built
 * tables, every fault reason, FPD, register-based and queued invalidation,
 * the caches and cycle counts, the stale-translation detector.
 */
#include <errno.h>
#include <string.h>

#include <iommupt/sim.h>
#include <iommupt/sim-vtd.h>

#include "helpers.h"
#include "sim-access.h"
#include "sim-test-common.h"

#define R 1ull
#define W 2ull
#define PS (1ull << 7)
#define SID 0x0108 /* bus 1, device 1, function 0 */
#define DID 5

struct vt {
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	const struct iommupt_mmio *mmio;
	uint64_t root;
	uint64_t ctp[256][2]; /* context tables per bus (and half) */
	uint64_t queue;       /* invalidation queue */
	bool dw;
};

static void vt_init(struct vt *t, const struct iommusim_vtd_opts *o,
		    unsigned int phys_bits)
{
	IOMMUPT_OPTS(iommusim_mem_opts, mo, .phys_bits = phys_bits);

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(iommusim_mem_create(&mo, &t->mem), 0);
	ck_assert_int_eq(iommusim_vtd_create(o, t->mem, &t->u), 0);
	t->mmio = iommusim_unit_mmio(t->u);
}

static void vt_fini(struct vt *t)
{
	iommusim_unit_destroy(t->u);
	iommusim_mem_destroy(t->mem);
}

/* GCMD takes the persistent bits as they are plus the new command. */
static void gcmd(struct vt *t, uint32_t set, uint32_t clear)
{
	uint32_t sts = (uint32_t)rd(t, IOMMUSIM_VTD_GSTS, 4);

	wr(t, IOMMUSIM_VTD_GCMD, 4,
	   ((sts & (IOMMUSIM_VTD_GCMD_TE | IOMMUSIM_VTD_GCMD_QIE)) | set) &
	   ~clear);
}

static void vt_enable(struct vt *t, bool sm)
{
	t->root = page(t);
	wr(t, IOMMUSIM_VTD_RTADDR, 8,
	   t->root | (sm ? IOMMUSIM_VTD_RTADDR_SCALABLE : 0));
	gcmd(t, IOMMUSIM_VTD_GCMD_SRTP, 0);
	ck_assert(rd(t, IOMMUSIM_VTD_GSTS, 4) & (1u << 30)); /* RTPS */
	gcmd(t, IOMMUSIM_VTD_GCMD_TE, 0);
	ck_assert(rd(t, IOMMUSIM_VTD_GSTS, 4) & (1u << 31)); /* TES */
}

/* 9.1/9.3: legacy root and context entries. */
static void ctx_legacy(struct vt *t, uint32_t sid, uint64_t slpt,
		       unsigned int tt, unsigned int aw, uint32_t did,
		       bool fpd)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;

	if (!t->ctp[bus][0]) {
		t->ctp[bus][0] = page(t);
		w64(t, t->root + 16 * bus, t->ctp[bus][0] | 1);
	}
	w64(t, t->ctp[bus][0] + 16 * devfn,
	    slpt | (uint64_t)tt << 2 | (fpd ? 2 : 0) | 1);
	w64(t, t->ctp[bus][0] + 16 * devfn + 8, aw | (uint64_t)did << 8);
}

/* 9.2/9.4: scalable-mode root and context entries; returns the entry. */
static uint64_t ctx_sm(struct vt *t, uint32_t sid, uint64_t pdir,
		       unsigned int pdts, bool pasid_en, uint32_t rid_pasid,
		       bool fpd)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff, half = devfn >= 128;
	uint64_t ce;

	if (!t->ctp[bus][half]) {
		t->ctp[bus][half] = page(t);
		w64(t, t->root + 16 * bus + 8 * half, t->ctp[bus][half] | 1);
	}
	ce = t->ctp[bus][half] + 32 * (devfn & 0x7f);
	w64(t, ce, pdir | (uint64_t)pdts << 9 | (pasid_en ? 8 : 0) |
		   (fpd ? 2 : 0) | 1);
	w64(t, ce + 8, rid_pasid);
	return ce;
}

/* 9.5/9.6: the PASID table entry of pasid (directory entry made). */
static uint64_t pasid_entry(struct vt *t, uint64_t pdir, uint32_t pasid)
{
	uint64_t pde = r64(t, pdir + 8 * (pasid >> 6));

	if (!pde) {
		pde = page(t) | 1;
		w64(t, pdir + 8 * (pasid >> 6), pde);
	}
	return (pde & ~0xfffull) + 64 * (pasid & 63);
}

static void pe_ss(struct vt *t, uint64_t pdir, uint32_t pasid, uint64_t root,
		  unsigned int aw, uint32_t did, bool ssade)
{
	uint64_t pe = pasid_entry(t, pdir, pasid);

	w64(t, pe + 8, did);
	w64(t, pe, root | (ssade ? 1ull << 9 : 0) | 2ull << 6 |
		   (uint64_t)aw << 2 | 1);
}

static void pe_fs(struct vt *t, uint64_t pdir, uint32_t pasid, uint64_t root,
		  unsigned int levels, uint32_t did, bool wpe)
{
	uint64_t pe = pasid_entry(t, pdir, pasid);

	w64(t, pe + 8, did);
	w64(t, pe + 16, root | (levels == 5 ? 4 : 0) | (wpe ? 16 : 0));
	w64(t, pe, 1ull << 6 | 1);
}

static struct iommusim_dma_result dma_full(struct vt *t, uint32_t sid,
					   int pasid, uint64_t iova,
					   bool write, bool priv)
{
	return sim_dma8(t->u, sid, pasid, iova, write, priv);
}

static struct iommusim_dma_result dma(struct vt *t, uint64_t iova, bool write)
{
	return dma_full(t, SID, -1, iova, write, false);
}

#define ustats(t) sim_ustats((t)->u)
#define cstats(t, kind, level) sim_cstats((t)->u, (kind), (level))

/* ---- queued invalidation helpers (6.5.2) ---- */

static void qi_enable(struct vt *t, bool dw)
{
	t->queue = page(t);
	t->dw = dw;
	wr(t, IOMMUSIM_VTD_IQT, 8, 0);
	wr(t, IOMMUSIM_VTD_IQA, 8, t->queue | (dw ? 1ull << 11 : 0));
	gcmd(t, IOMMUSIM_VTD_GCMD_QIE, 0);
	ck_assert(rd(t, IOMMUSIM_VTD_GSTS, 4) & (1u << 26));
	ck_assert_uint_eq(rd(t, IOMMUSIM_VTD_IQH, 8), 0);
}

/* Append n 128-bit descriptors (lo, hi pairs) and ring the tail. */
static void qi_submit(struct vt *t, const uint64_t *d, unsigned int n)
{
	uint64_t tail = rd(t, IOMMUSIM_VTD_IQT, 8);
	uint64_t dsz = t->dw ? 32 : 16;

	for (unsigned int i = 0; i < n; i++) {
		w64(t, t->queue + tail, d[2 * i]);
		w64(t, t->queue + tail + 8, d[2 * i + 1]);
		if (t->dw) {
			w64(t, t->queue + tail + 16, 0);
			w64(t, t->queue + tail + 24, 0);
		}
		tail = (tail + dsz) % 4096;
	}
	wr(t, IOMMUSIM_VTD_IQT, 8, tail);
}

#define QI_CC(g, did, sid, fm) (1ull | (uint64_t)(g) << 4 | \
	(uint64_t)(did) << 16 | (uint64_t)(sid) << 32 | (uint64_t)(fm) << 48)
#define QI_IOTLB(g, did) (2ull | (uint64_t)(g) << 4 | (uint64_t)(did) << 16)
#define QI_IOTLB_HI(addr, am, ih) ((addr) | (am) | ((ih) ? 64 : 0))
#define QI_WAIT(sw, iflag, data) (5ull | ((sw) ? 32 : 0) | \
	((iflag) ? 16 : 0) | (uint64_t)(data) << 32)
#define QI_PIOTLB(g, did, pasid) (6ull | (uint64_t)(g) << 4 | \
	(uint64_t)(did) << 16 | (uint64_t)(pasid) << 32)
#define QI_PC(g, did, pasid) (7ull | (uint64_t)(g) << 4 | \
	(uint64_t)(did) << 16 | (uint64_t)(pasid) << 32)

/* ---- a hand-built 4-level second-stage table ---- */

struct hand {
	uint64_t pml4, pdpt, pd, pt;
};

/*
 * iova 0x1000 -> 0x80001000 R; 0x2000 -> 0x80002000 RW; 0x3000 W only;
 * 2M page at 0x200000 -> 0x40000000; 1G page at 1G -> 2G.
 */
static void hand_build(struct vt *t, struct hand *h)
{
	h->pml4 = page(t);
	h->pdpt = page(t);
	h->pd = page(t);
	h->pt = page(t);
	w64(t, h->pml4, h->pdpt | R | W);
	w64(t, h->pdpt, h->pd | R | W);
	w64(t, h->pdpt + 8, 0x80000000ull | PS | R | W);
	w64(t, h->pd, h->pt | R | W);
	w64(t, h->pd + 8, 0x40000000ull | PS | R | W);
	w64(t, h->pt + 8, 0x80001000ull | R);
	w64(t, h->pt + 16, 0x80002000ull | R | W);
	w64(t, h->pt + 24, 0x80003000ull | W);
}

static void legacy_hand(struct vt *t, struct hand *h,
			const struct iommusim_vtd_opts *o, unsigned int bits)
{
	vt_init(t, o, bits);
	vt_enable(t, false);
	hand_build(t, h);
	ctx_legacy(t, SID, h->pml4, 0, 2, DID, false);
}

/* ---- tests ---- */

START_TEST(test_regs_identify_the_unit)
{
	struct vt t;
	uint64_t v;

	vt_init(&t, NULL, 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_VER, 4), 0x30);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CAP, 8) >> 24 & 0x3ff,
			  IOMMUSIM_VTD_FRCD / 16);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_ECAP, 8) >> 8 & 0x3ff,
			  IOMMUSIM_VTD_IVA / 16);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CAP, 8) & ~(0x3ffull << 24),
			  iommusim_vtd_default_cap());
	/* 64-bit registers read in halves, bytes and across registers */
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CAP + 4, 4),
			  rd(&t, IOMMUSIM_VTD_CAP, 8) >> 32);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CAP + 1, 1),
			  rd(&t, IOMMUSIM_VTD_CAP, 8) >> 8 & 0xff);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_GCMD, 8), 0); /* GCMD|GSTS */
	ck_assert_uint_eq(rd(&t, 0x300, 8), 0);            /* reserved */
	/* bad sizes, misalignment, beyond the block */
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 4, 8, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0x1000, 4, &v), -ERANGE);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 4, NULL), -EINVAL);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, 2, 4, 0), -EINVAL);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, 0x2000, 8, 0), -ERANGE);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, 0, 16, 0), -EINVAL);
	/* read-only registers ignore writes; RW ones keep the value */
	wr(&t, IOMMUSIM_VTD_CAP, 8, 0);
	ck_assert_uint_ne(rd(&t, IOMMUSIM_VTD_CAP, 8), 0);
	wr(&t, IOMMUSIM_VTD_FEDATA, 4, 0x1234);
	wr(&t, IOMMUSIM_VTD_FEADDR, 4, 0xfee00000);
	wr(&t, IOMMUSIM_VTD_FEUADDR, 4, 7);
	wr(&t, IOMMUSIM_VTD_IEDATA, 4, 0x55);
	wr(&t, IOMMUSIM_VTD_IEADDR, 4, 0xfee01000);
	wr(&t, IOMMUSIM_VTD_IEUADDR, 4, 9);
	wr(&t, IOMMUSIM_VTD_PMEN, 4, 1u << 31);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_FEDATA, 4), 0x1234);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_FEADDR, 4), 0xfee00000);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_FEUADDR, 4), 7);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IEDATA, 4), 0x55);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IEADDR, 4), 0xfee01000);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IEUADDR, 4), 9);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_PMEN, 4), (1u << 31) | 1);
	/* RTADDR written in two halves */
	wr(&t, IOMMUSIM_VTD_RTADDR, 4, 0x5000);
	wr(&t, IOMMUSIM_VTD_RTADDR + 4, 4, 0x1);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_RTADDR, 8), 0x100005000ull);
	ck_assert_uint_gt(ustats(&t).reg_cycles, 0);
	vt_fini(&t);
}
END_TEST

START_TEST(test_create_checks_options)
{
	struct iommusim_mem *m;
	struct iommusim_unit *u;
	IOMMUPT_OPTS(iommusim_vtd_opts, o);

	ck_assert_int_eq(iommusim_mem_create(NULL, &m), 0);
	ck_assert_int_eq(iommusim_vtd_create(NULL, NULL, &u), -EINVAL);
	ck_assert_int_eq(iommusim_vtd_create(NULL, m, NULL), -EINVAL);
	o.cap = iommusim_vtd_default_cap() | (1ull << 59); /* PI */
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EOPNOTSUPP);
	o.cap = 0;
	o.ecap = iommusim_vtd_default_ecap() | (1ull << 2); /* DT */
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EOPNOTSUPP);
	o.ecap = 0;
	o.haw = 60;
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EINVAL);
	o.haw = 0;
	o.cap = iommusim_vtd_default_cap() & ~(0x1full << 8); /* no SAGAW */
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EINVAL);
	o.cap = 0;
	o.flags = 1u << 9;
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EINVAL);
	o.flags = 0;
	o.iotlb.sets = 1;
	o.iotlb.ways = 1;
	o.iotlb.repl = 5;
	ck_assert_int_eq(iommusim_vtd_create(&o, m, &u), -EINVAL);
	iommusim_mem_destroy(m);
}
END_TEST

START_TEST(test_translation_disabled_passes_through)
{
	struct vt t;
	struct iommusim_dma_result r;

	vt_init(&t, NULL, 0);
	r = dma(&t, 0x123458, true);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x123458);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	ck_assert_uint_eq(r.cycles, 16); /* two 8-cycle links */
	vt_fini(&t);
}
END_TEST

START_TEST(test_legacy_hand_built_tables_translate)
{
	struct vt t;
	struct hand h;
	struct iommusim_dma_result r;

	legacy_hand(&t, &h, NULL, 0);
	r = dma(&t, 0x1008, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x80001008);
	ck_assert_uint_eq(r.page_lg2, 12);
	ck_assert_uint_eq(r.did, DID);
	ck_assert_uint_eq(dma(&t, 0x1000, true).fault, IOMMUSIM_VTD_FR_WRITE);
	ck_assert_uint_eq(dma(&t, 0x2ab8, true).oa, 0x80002ab8);
	ck_assert_uint_eq(dma(&t, 0x3000, false).fault, IOMMUSIM_VTD_FR_READ);
	ck_assert_uint_eq(dma(&t, 0x3000, true).oa, 0x80003000);
	ck_assert_uint_eq(dma(&t, 0x5000, false).fault, IOMMUSIM_VTD_FR_READ);
	ck_assert_uint_eq(dma(&t, 0x5000, true).fault, IOMMUSIM_VTD_FR_WRITE);
	r = dma(&t, 0x201238, false);
	ck_assert_uint_eq(r.oa, 0x40001238);
	ck_assert_uint_eq(r.page_lg2, 21);
	r = dma(&t, 0x40123450, true);
	ck_assert_uint_eq(r.oa, 0x80123450);
	ck_assert_uint_eq(r.page_lg2, 30);
	/* second access hits the IOTLB and is cheaper */
	r = dma(&t, 0x40123450, true);
	ck_assert(r.flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert(r.flags & IOMMUSIM_RES_CTX_HIT);
	ck_assert_uint_eq(r.cycles, 8 + 3 + 3 + 8); /* links, ctx, IOTLB */
	/* legacy mode never writes A/D */
	ck_assert_uint_eq(ustats(&t).ad_writes, 0);
	ck_assert_uint_eq(ustats(&t).stale, 0);
	vt_fini(&t);
}
END_TEST

START_TEST(test_walk_cycles_and_pwc)
{
	struct vt t;
	struct hand h;
	struct iommusim_dma_result r1, r2;

	legacy_hand(&t, &h, NULL, 0);
	r1 = dma(&t, 0x1000, false);
	/* links, ctx miss + 2 reads (root, context), IOTLB miss, 3 PWC
	 * probes, 4 table reads */
	ck_assert_uint_eq(r1.cycles, 8 + 3 + 2 * 100 + 3 + 3 * 4 + 4 * 100 + 8);
	r2 = dma(&t, 0x2000, false); /* IOTLB miss, PDE cached */
	ck_assert(!(r2.flags & IOMMUSIM_RES_IOTLB_HIT));
	ck_assert_uint_eq(r2.cycles, 8 + 3 + 3 + 4 + 100 + 8);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).hits, 1);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).misses, 2);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).hits, 1);
	ck_assert_uint_eq(ustats(&t).walk_reads, 2 + 4 + 1);
	vt_fini(&t);
}
END_TEST

struct probe {
	uint64_t iova, len;
};

/* Map a mix of page sizes; returns how many ranges were mapped. */
static unsigned int map_mix(struct iommupt_domain *dom,
			    const struct iommupt_domain_info *info,
			    uint64_t *rng, struct probe *pr, unsigned int n)
{
	unsigned int ias = info->ias_lg2, oas = info->oas_lg2, got = 0;
	bool signext = info->va_layout == IOMMUPT_VA_SIGNEXT;
	struct iommupt_gather g;

	if (oas > 46)
		oas = 46;
	iommupt_gather_init(&g);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int cls = (unsigned int)(test_rand(rng) % 4);
		unsigned int lg2 = cls == 3 ? 30 : cls == 2 ? 21 : 12;
		uint64_t len = (1ull << lg2) * (1 + test_rand(rng) % 3);
		uint64_t iova, oa;
		/* VT-d first stage needs canonical IOVAs (3.6) */
		unsigned int ibits = signext ||
			info->format == IOMMUPT_FMT_X86_64 ? ias - 1 : ias;

		if (!(info->pgsize_bitmap & (1ull << lg2)))
			lg2 = 21;
		len = (1ull << lg2) * (1 + test_rand(rng) % 3);
		iova = (test_rand(rng) % ((1ull << ibits) - len)) &
		       ~((1ull << lg2) - 1);
		if (signext && (test_rand(rng) & 1))
			iova |= ~((1ull << ibits) - 1);
		oa = (test_rand(rng) % ((1ull << oas) - len)) &
		     ~((1ull << lg2) - 1);
		if (iommupt_domain_map(dom, iova, oa, len,
				       (test_rand(rng) & 1) ? IOMMUPT_READ :
				       IOMMUPT_READ | IOMMUPT_WRITE, &g))
			continue;
		pr[got].iova = iova;
		pr[got].len = len;
		got++;
	}
	iommupt_gather_release(&g);
	return got;
}

static bool fs_canonical(uint64_t iova, unsigned int levels)
{
	uint64_t top = (uint64_t)((int64_t)iova >> (12 + 9 * levels - 1));

	return top == 0 || top == UINT64_MAX;
}

/* Every IOVA probed translates identically in the library and the model. */
static void compare(struct vt *t, struct iommupt_domain *dom,
		    const struct iommupt_domain_info *info, int pasid,
		    uint64_t *rng, const struct probe *pr, unsigned int n,
		    uint32_t np_fault, uint32_t ro_fault)
{
	bool signext = info->va_layout == IOMMUPT_VA_SIGNEXT;
	unsigned int ibits = signext ? info->ias_lg2 - 1 : info->ias_lg2;

	for (unsigned int i = 0; i < 3000; i++) {
		uint64_t iova, oa = 0;
		uint32_t prot = 0;
		unsigned int lg2 = 0;
		bool write = test_rand(rng) & 1;
		struct iommusim_dma_result r;
		int rc;

		if (i % 3 && n) {
			const struct probe *p = &pr[test_rand(rng) % n];

			iova = p->iova + test_rand(rng) % p->len;
		} else {
			iova = test_rand(rng) & ((1ull << ibits) - 1);
			if (signext && (test_rand(rng) & 1))
				iova |= ~((1ull << ibits) - 1);
		}
		rc = iommupt_domain_iova_to_phys(dom, iova, &oa, &prot, &lg2);
		r = dma_full(t, SID, pasid, iova, write, false);
		if (np_fault == IOMMUSIM_VTD_FR_FS_NP &&
		    !fs_canonical(iova, info->levels)) {
			/* 3.6: first stage takes canonical addresses only
			 * (the library's lower layout maps [2^47, 2^48)) */
			ck_assert_uint_eq(r.fault,
					  IOMMUSIM_VTD_FR_FS_CANONICAL);
			continue;
		}
		if (rc == -ENOENT) {
			ck_assert_uint_eq(r.fault,
					  write && np_fault ==
					  IOMMUSIM_VTD_FR_READ ?
					  IOMMUSIM_VTD_FR_WRITE : np_fault);
			continue;
		}
		ck_assert_int_eq(rc, 0);
		if (write && !(prot & IOMMUPT_WRITE)) {
			ck_assert_uint_eq(r.fault, ro_fault);
			continue;
		}
		ck_assert_msg(r.fault == 0, "iova %llx fault %x",
			      (unsigned long long)iova, r.fault);
		ck_assert_uint_eq(r.oa, oa);
		ck_assert_uint_eq(r.page_lg2, lg2);
	}
	ck_assert_uint_eq(ustats(t).stale, 0);
}

/* Library-built VT-d second-stage tables through legacy context entries. */
START_TEST(test_library_ss_tables_translate_identically)
{
	unsigned int done = 0;

	for (unsigned int c = 0; c < test_ncfgs; c++) {
		const struct iommupt_domain_cfg *cfg = &test_cfgs[c].cfg;
		IOMMUPT_OPTS(iommusim_vtd_opts, o);
		IOMMUPT_OPTS(iommupt_domain_info, info);
		struct iommupt_domain *dom;
		struct probe pr[40];
		uint64_t rng = 1234 + c;
		unsigned int n;
		struct vt t;

		if (cfg->format != IOMMUPT_FMT_VTD_SS)
			continue;
		o.cap = iommusim_vtd_default_cap();
		if (cfg->flags & IOMMUPT_CFG_NO_1G)
			o.cap &= ~IOMMUSIM_VTD_CAP_SLLPS(2);
		vt_init(&t, &o, 0);
		vt_enable(&t, false);
		ck_assert_int_eq(iommupt_domain_create(cfg,
				 iommusim_mem_provider(t.mem), &dom), 0);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		n = map_mix(dom, &info, &rng, pr, 40);
		ck_assert_uint_gt(n, 10);
		ctx_legacy(&t, SID, info.root_oa, 0, info.levels - 2, DID,
			   false);
		compare(&t, dom, &info, -1, &rng, pr, n, IOMMUSIM_VTD_FR_READ,
			IOMMUSIM_VTD_FR_WRITE);
		iommupt_domain_destroy(dom);
		vt_fini(&t);
		done++;
	}
	ck_assert_uint_ge(done, 4);
}
END_TEST

/* The same tables reached through a scalable-mode PASID entry (PGTT=010). */
START_TEST(test_library_ss_tables_scalable_mode)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct probe pr[40];
	uint64_t rng = 77, pdir;
	unsigned int n;
	struct vt t;

	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	dom = sim_domain(t.mem, &cfg, &info);
	n = map_mix(dom, &info, &rng, pr, 40);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, true, 0, false);
	pe_ss(&t, pdir, 0, info.root_oa, 2, DID, false);
	/* requests without PASID use RID_PASID (0) */
	compare(&t, dom, &info, -1, &rng, pr, n, IOMMUSIM_VTD_FR_READ,
		IOMMUSIM_VTD_FR_WRITE);
	iommupt_domain_destroy(dom);
	vt_fini(&t);
}
END_TEST

/* Library-built x86-64 tables as VT-d first-stage tables (PGTT=001). */
START_TEST(test_library_fs_tables_translate_identically)
{
	unsigned int done = 0;

	for (unsigned int c = 0; c < test_ncfgs; c++) {
		const struct iommupt_domain_cfg *cfg = &test_cfgs[c].cfg;
		IOMMUPT_OPTS(iommupt_domain_info, info);
		struct iommupt_domain *dom;
		struct probe pr[40];
		uint64_t rng = 99 + c, pdir;
		unsigned int n;
		struct vt t;

		if (cfg->format != IOMMUPT_FMT_X86_64)
			continue;
		vt_init(&t, NULL, 0);
		vt_enable(&t, true);
		ck_assert_int_eq(iommupt_domain_create(cfg,
				 iommusim_mem_provider(t.mem), &dom), 0);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		n = map_mix(dom, &info, &rng, pr, 40);
		ck_assert_uint_gt(n, 10);
		pdir = page(&t);
		ctx_sm(&t, SID, pdir, 0, true, 0, false);
		pe_fs(&t, pdir, 5, info.root_oa, info.levels, DID, false);
		compare(&t, dom, &info, 5, &rng, pr, n, IOMMUSIM_VTD_FR_FS_NP,
			IOMMUSIM_VTD_FR_FS_WRITE);
		iommupt_domain_destroy(dom);
		vt_fini(&t);
		done++;
	}
	ck_assert_uint_ge(done, 3);
}
END_TEST

START_TEST(test_first_stage_privilege_and_ad)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t pdir, ce, sv;
	struct vt t;

	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	dom = sim_domain(t.mem, &cfg, &info);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x10000, 0x900000, 0x1000,
			 IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_PRIV, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x20000, 0xa00000, 0x1000,
			 IOMMUPT_READ, &g), 0);
	iommupt_gather_release(&g);
	pdir = page(&t);
	ce = ctx_sm(&t, SID, pdir, 0, true, 3, false);
	pe_fs(&t, pdir, 3, info.root_oa, 4, DID, false);
	/* user request to a supervisor page; supervisor request fine */
	ck_assert_uint_eq(dma_full(&t, SID, 3, 0x10000, false, false).fault,
			  IOMMUSIM_VTD_FR_FS_PRIV);
	ck_assert_uint_eq(dma_full(&t, SID, 3, 0x10000, true, true).oa,
			  0x900000);
	/* D set by the write, A everywhere */
	{
		uint64_t pa = info.root_oa, e = 0;

		for (int l = 3; l >= 0; l--) {
			e = r64(&t, pa + 8 * ((0x10000ull >> (12 + 9 * l)) & 511));
			ck_assert(e & (1ull << 5));
			pa = e & 0x000ffffffffff000ull;
		}
		ck_assert(e & (1ull << 6));
	}
	/* supervisor write to read-only: allowed without WPE, not with */
	ck_assert_uint_eq(dma_full(&t, SID, 3, 0x20000, true, true).fault, 0);
	pe_fs(&t, pdir, 3, info.root_oa, 4, DID, true);
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63 | 1ull << 61); /* global */
	qi_enable(&t, true);
	{
		uint64_t d[] = { QI_PC(3, 0, 0), 0 };

		qi_submit(&t, d, 1);
	}
	ck_assert_uint_eq(dma_full(&t, SID, 3, 0x20000, true, true).fault,
			  IOMMUSIM_VTD_FR_FS_WRITE);
	/* request without PASID: RID_PASID 3, privilege from RID_PRIV */
	ck_assert_uint_eq(dma(&t, 0x10000, false).fault,
			  IOMMUSIM_VTD_FR_FS_PRIV);
	sv = r64(&t, ce + 8);
	w64(&t, ce + 8, sv | 1ull << 20);
	{
		uint64_t d[] = { QI_CC(1, 0, 0, 0), 0, QI_PC(3, 0, 0), 0 };

		qi_submit(&t, d, 2);
	}
	ck_assert_uint_eq(dma(&t, 0x10000, false).oa, 0x900000);
	iommupt_domain_destroy(dom);
	vt_fini(&t);
}
END_TEST

START_TEST(test_second_stage_ad_updates)
{
	struct vt t;
	struct hand h;
	uint64_t pdir;

	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	hand_build(&t, &h);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, false, 0, false);
	pe_ss(&t, pdir, 0, h.pml4, 2, DID, true);
	ck_assert_uint_eq(dma(&t, 0x2000, false).oa, 0x80002000);
	ck_assert(r64(&t, h.pml4) & (1ull << 8));
	ck_assert(r64(&t, h.pt + 16) & (1ull << 8));
	ck_assert(!(r64(&t, h.pt + 16) & (1ull << 9)));
	/* a write to the clean page walks again and sets D */
	ck_assert_uint_eq(dma(&t, 0x2000, true).oa, 0x80002000);
	ck_assert(r64(&t, h.pt + 16) & (1ull << 9));
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).hits, 0);
	ck_assert(dma(&t, 0x2000, true).flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert_uint_ge(ustats(&t).ad_writes, 5);
	/* a request with PASID on a context without PASIDE */
	ck_assert_uint_eq(dma_full(&t, SID, 1, 0x2000, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_INV);
	vt_fini(&t);
}
END_TEST

START_TEST(test_pass_through_modes)
{
	struct vt t;
	uint64_t pdir;
	IOMMUPT_OPTS(iommusim_vtd_opts, o,
		     .ecap = iommusim_vtd_default_ecap() &
			     ~IOMMUSIM_VTD_ECAP_PT);

	vt_init(&t, NULL, 0);
	vt_enable(&t, false);
	ctx_legacy(&t, SID, 0, 2, 2, DID, false);
	ck_assert_uint_eq(dma(&t, 0x12345678, true).oa, 0x12345678);
	ck_assert(dma(&t, 0x1000, true).flags & IOMMUSIM_RES_BYPASS);
	ck_assert_uint_eq(dma(&t, 1ull << 53, true).fault,
			  IOMMUSIM_VTD_FR_ADDR_WIDTH);
	vt_fini(&t);

	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, false, 0, false);
	w64(&t, pasid_entry(&t, pdir, 0) + 8, DID);
	w64(&t, pasid_entry(&t, pdir, 0), 4ull << 6 | 1);
	ck_assert_uint_eq(dma(&t, 0xabc000, false).oa, 0xabc000);
	vt_fini(&t);

	/* without ECAP.PT the same entries are invalid */
	vt_init(&t, &o, 0);
	vt_enable(&t, false);
	ctx_legacy(&t, SID, 0, 2, 2, DID, false);
	ck_assert_uint_eq(dma(&t, 0x1000, true).fault,
			  IOMMUSIM_VTD_FR_CTX_INV);
	vt_fini(&t);
}
END_TEST

static uint32_t frcd_reason(struct vt *t, unsigned int i)
{
	return (uint32_t)(rd(t, IOMMUSIM_VTD_FRCD + 16 * i + 8, 8) >> 32) & 0xff;
}

/* Every legacy-mode fault reason the model implements. */
START_TEST(test_legacy_fault_reasons)
{
	struct vt t;
	struct hand h;
	IOMMUPT_OPTS(iommusim_vtd_opts, o, .haw = 46);
	uint64_t far = 1ull << 41; /* beyond the 40-bit memory */
	uint64_t ctp;

	legacy_hand(&t, &h, &o, 40);
	/* 0x1: no root entry for bus 2 */
	ck_assert_uint_eq(dma_full(&t, 0x0200, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_NP);
	/* 0x2: no context entry for devfn 2 on bus 1 */
	ck_assert_uint_eq(dma_full(&t, 0x0102, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_NP);
	/* 0x3: TT = 11 */
	ctx_legacy(&t, 0x0103, h.pml4, 3, 2, DID, false);
	ck_assert_uint_eq(dma_full(&t, 0x0103, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_INV);
	/* 0x3: AW not in SAGAW (AW 0: 30 bits) */
	ctx_legacy(&t, 0x0104, h.pml4, 0, 0, DID, false);
	ck_assert_uint_eq(dma_full(&t, 0x0104, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_INV);
	/* 0x4: above the 48-bit AGAW */
	ck_assert_uint_eq(dma(&t, 1ull << 48, false).fault,
			  IOMMUSIM_VTD_FR_ADDR_WIDTH);
	/* 0x5 / 0x6 */
	ck_assert_uint_eq(dma(&t, 0x1000, true).fault, IOMMUSIM_VTD_FR_WRITE);
	ck_assert_uint_eq(dma(&t, 0x3000, false).fault, IOMMUSIM_VTD_FR_READ);
	/* 0x7: a table pointer to memory that does not exist */
	w64(&t, h.pt + 8 * 9, 0x9000 | R);
	w64(&t, h.pd + 8 * 5, far | R | W);
	ck_assert_uint_eq(dma(&t, 5ull << 21, false).fault,
			  IOMMUSIM_VTD_FR_SS_ACCESS);
	/* 0x9: context table out of memory (bus 3) */
	w64(&t, t.root + 16 * 3, far | 1);
	ck_assert_uint_eq(dma_full(&t, 0x0300, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_ACCESS);
	/* 0xa: root entry reserved bit */
	ctp = page(&t);
	w64(&t, t.root + 16 * 4, ctp | 2 | 1);
	ck_assert_uint_eq(dma_full(&t, 0x0400, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_RSVD);
	/* 0xb: context entry reserved bit (hi bit 7) and DID beyond ND */
	ctx_legacy(&t, 0x0105, h.pml4, 0, 2 | 0x80, DID, false);
	ck_assert_uint_eq(dma_full(&t, 0x0105, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_RSVD);
	ctx_legacy(&t, 0x0106, h.pml4, 0, 2, 0x4000, false);
	ck_assert_uint_eq(dma_full(&t, 0x0106, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_RSVD);
	/* 0xc: PS in a PML4E; address bits above the HAW */
	w64(&t, h.pml4 + 8, 0x8000000000ull | PS | R | W);
	ck_assert_uint_eq(dma(&t, 1ull << 39, false).fault,
			  IOMMUSIM_VTD_FR_SS_RSVD);
	w64(&t, h.pt + 8 * 7, (1ull << 47) | R);
	ck_assert_uint_eq(dma(&t, 7ull << 12, false).fault,
			  IOMMUSIM_VTD_FR_SS_RSVD);
	/* misaligned 2M leaf */
	w64(&t, h.pd + 8 * 6, 0x40001000ull | PS | R);
	ck_assert_uint_eq(dma(&t, 6ull << 21, false).fault,
			  IOMMUSIM_VTD_FR_SS_RSVD);
	/* 0x8: root table out of memory */
	wr(&t, IOMMUSIM_VTD_RTADDR, 8, far);
	gcmd(&t, IOMMUSIM_VTD_GCMD_SRTP, 0);
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63 | 1ull << 61);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_ACCESS);
	/* 0x31: TTM = 10 */
	wr(&t, IOMMUSIM_VTD_RTADDR, 8, t.root | 2ull << 10);
	gcmd(&t, IOMMUSIM_VTD_GCMD_SRTP, 0);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault, IOMMUSIM_VTD_FR_TTM);
	vt_fini(&t);
}
END_TEST

START_TEST(test_large_pages_follow_sllps)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, o,
		     .cap = iommusim_vtd_default_cap() &
			    ~IOMMUSIM_VTD_CAP_SLLPS(2));
	struct vt t;
	struct hand h;

	legacy_hand(&t, &h, &o, 0);
	ck_assert_uint_eq(dma(&t, 0x40000000, false).fault,
			  IOMMUSIM_VTD_FR_SS_RSVD);
	ck_assert_uint_eq(dma(&t, 0x200000, false).oa, 0x40000000);
	vt_fini(&t);
}
END_TEST

/* Every scalable-mode and first-stage fault reason the model implements. */
START_TEST(test_scalable_fault_reasons)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, o,
		     .cap = iommusim_vtd_default_cap() &
			    ~IOMMUSIM_VTD_CAP_FL1GP & ~IOMMUSIM_VTD_CAP_FL5LP);
	uint64_t far = 1ull << 41, pdir, pe, fs, t3, t2, t1, t0;
	struct vt t;

	vt_init(&t, &o, 40);
	vt_enable(&t, true);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, true, 0, false);
	/* 0x51: beyond the directory (PDTS 0: 128 entries); not present */
	ck_assert_uint_eq(dma_full(&t, SID, 0xfffff, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PDIR_NP);
	ck_assert_uint_eq(dma_full(&t, SID, 64, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PDIR_NP);
	/* 0x50: directory out of memory */
	ctx_sm(&t, SID + 1, far, 0, true, 0, false);
	ck_assert_uint_eq(dma_full(&t, SID + 1, 1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PDIR_ACCESS);
	/* 0x58: PASID table out of memory */
	w64(&t, pdir + 8, far | 1);
	ck_assert_uint_eq(dma_full(&t, SID, 64, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PTE_ACCESS);
	/* 0x59: PASID entry not present */
	pe = pasid_entry(&t, pdir, 1);
	ck_assert_uint_eq(dma_full(&t, SID, 1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PTE_NP);
	/* 0x5b: nested PGTT; 5-level FS without FL5LP; reserved qword */
	w64(&t, pe, 3ull << 6 | 1);
	ck_assert_uint_eq(dma_full(&t, SID, 1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PTE_INV);
	pe_fs(&t, pdir, 2, page(&t), 5, DID, false);
	ck_assert_uint_eq(dma_full(&t, SID, 2, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PTE_INV);
	pe_ss(&t, pdir, 4, page(&t), 2, DID, false);
	w64(&t, pasid_entry(&t, pdir, 4) + 40, 1);
	ck_assert_uint_eq(dma_full(&t, SID, 4, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_PTE_INV);
	/* first stage: build PML4 -> PDPT -> PD -> PT by hand */
	fs = page(&t);
	t3 = page(&t);
	t2 = page(&t);
	t1 = page(&t);
	t0 = page(&t);
	(void)t0;
	pe_fs(&t, pdir, 7, fs, 4, DID, false);
	w64(&t, fs, t3 | 7);
	w64(&t, t3, t2 | 7);
	w64(&t, t2, t1 | 7);
	/* 0x71: not present */
	ck_assert_uint_eq(dma_full(&t, SID, 7, 0x1000, false, false).fault,
			  IOMMUSIM_VTD_FR_FS_NP);
	/* 0x70: a table in memory that does not exist */
	w64(&t, t2 + 8, far | 7);
	ck_assert_uint_eq(dma_full(&t, SID, 7, 1ull << 21, false,
				   false).fault, IOMMUSIM_VTD_FR_FS_ACCESS);
	/* 0x72: PS in a PML4E, 1G page without FL1GP */
	w64(&t, fs + 8, 0x8000000000ull | PS | 7);
	ck_assert_uint_eq(dma_full(&t, SID, 7, 1ull << 39, false,
				   false).fault, IOMMUSIM_VTD_FR_FS_RSVD);
	w64(&t, t3 + 8, 0x40000000ull | PS | 7);
	ck_assert_uint_eq(dma_full(&t, SID, 7, 1ull << 30, false,
				   false).fault, IOMMUSIM_VTD_FR_FS_RSVD);
	/* 2M page is fine; PAT bit 12 allowed */
	w64(&t, t2 + 16, 0x40000000ull | (1ull << 12) | PS | 7);
	ck_assert_uint_eq(dma_full(&t, SID, 7, (2ull << 21) + 8, true,
				   false).oa, 0x40000008);
	/* 0x80: not canonical */
	ck_assert_uint_eq(dma_full(&t, SID, 7, 1ull << 50, false,
				   false).fault, IOMMUSIM_VTD_FR_FS_CANONICAL);
	/* 0x81 and 0x85 */
	w64(&t, t1 + 8 * 3, 0x3000 | 1);      /* P, read-only, supervisor */
	ck_assert_uint_eq(dma_full(&t, SID, 7, 0x3000, false, false).fault,
			  IOMMUSIM_VTD_FR_FS_PRIV);
	w64(&t, t1 + 8 * 4, 0x4000 | 4 | 1);  /* user read-only */
	ck_assert_uint_eq(dma_full(&t, SID, 7, 0x4000, true, false).fault,
			  IOMMUSIM_VTD_FR_FS_WRITE);
	/* context entry faults in scalable mode */
	ctx_sm(&t, 0x0110, pdir, 0, true, 0, false);
	w64(&t, t.ctp[1][0] + 32 * 0x10 + 16, 1); /* reserved qword */
	ck_assert_uint_eq(dma_full(&t, 0x0110, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_RSVD);
	w64(&t, t.ctp[1][0] + 32 * 0x10 + 16, 0);
	w64(&t, t.ctp[1][0] + 32 * 0x10, pdir | 4 | 1); /* DTE */
	ck_assert_uint_eq(dma_full(&t, 0x0110, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_INV);
	ck_assert_uint_eq(dma_full(&t, 0x0111, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_CTX_NP);
	/* upper half of the root entry (devfn >= 128) */
	ck_assert_uint_eq(dma_full(&t, 0x0190, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_NP);
	w64(&t, t.root + 16 * 1 + 8, page(&t) | 2 | 1);
	ck_assert_uint_eq(dma_full(&t, 0x0190, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_RSVD);
	ck_assert_uint_eq(dma_full(&t, 0x0500, -1, 0, false, false).fault,
			  IOMMUSIM_VTD_FR_ROOT_NP);
	/* scalable mode needs ECAP.SMTS */
	vt_fini(&t);
	o.cap = 0;
	o.ecap = iommusim_vtd_default_ecap() & ~IOMMUSIM_VTD_ECAP_SMTS;
	vt_init(&t, &o, 0);
	vt_enable(&t, true);
	ck_assert_uint_eq(dma(&t, 0, false).fault, IOMMUSIM_VTD_FR_TTM);
	vt_fini(&t);
}
END_TEST

START_TEST(test_fault_recording_registers)
{
	struct vt t;
	struct hand h;
	uint64_t hi, fsts;
	struct iommusim_dma_result r;

	legacy_hand(&t, &h, NULL, 0);
	r = dma(&t, 0x5000, true);
	ck_assert(r.flags & IOMMUSIM_RES_RECORDED);
	fsts = rd(&t, IOMMUSIM_VTD_FSTS, 4);
	ck_assert(fsts & IOMMUSIM_VTD_FSTS_PPF);
	ck_assert_uint_eq((fsts >> 8) & 0xff, 0); /* FRI */
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_FRCD, 8), 0x5000);
	hi = rd(&t, IOMMUSIM_VTD_FRCD + 8, 8);
	ck_assert(hi >> 63);                    /* F */
	ck_assert(!(hi & (1ull << 62)));        /* T1: write */
	ck_assert_uint_eq((hi >> 32) & 0xff, IOMMUSIM_VTD_FR_WRITE);
	ck_assert_uint_eq(hi & 0xffff, SID);
	dma(&t, 0x6000, false);
	ck_assert_uint_eq(frcd_reason(&t, 1), IOMMUSIM_VTD_FR_READ);
	ck_assert(rd(&t, IOMMUSIM_VTD_FRCD + 16 + 8, 8) & (1ull << 62));
	/* clear F of the first (upper dword write): FRI moves on */
	wr(&t, IOMMUSIM_VTD_FRCD + 12, 4, 1u << 31);
	ck_assert_uint_eq((rd(&t, IOMMUSIM_VTD_FSTS, 4) >> 8) & 0xff, 1);
	wr(&t, IOMMUSIM_VTD_FRCD + 16 + 8, 8, 1ull << 63);
	ck_assert(!(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_PPF));
	/* fill all 8 records, the ninth overflows */
	for (int i = 0; i < 9; i++)
		dma(&t, 0x6000, false);
	ck_assert(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_PFO);
	ck_assert_uint_eq(ustats(&t).fault_overflows, 1);
	wr(&t, IOMMUSIM_VTD_FSTS, 4, IOMMUSIM_VTD_FSTS_PFO);
	ck_assert(!(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_PFO));
	/* masked fault events leave IP set until unmasked */
	wr(&t, IOMMUSIM_VTD_FECTL, 4, 1u << 31);
	for (int i = 0; i < 8; i++)
		wr(&t, IOMMUSIM_VTD_FRCD + 16 * i + 8, 8, 1ull << 63);
	dma(&t, 0x6000, false);
	ck_assert(rd(&t, IOMMUSIM_VTD_FECTL, 4) & (1u << 30));
	wr(&t, IOMMUSIM_VTD_FECTL, 4, 0);
	ck_assert(!(rd(&t, IOMMUSIM_VTD_FECTL, 4) & (1u << 30)));
	ck_assert_uint_eq(ustats(&t).faults_recorded, 11);
	ck_assert_uint_eq(ustats(&t).events, 11);
	/* a request with PASID records PP and PV */
	for (int i = 0; i < 8; i++)
		wr(&t, IOMMUSIM_VTD_FRCD + 16 * i + 8, 8, 1ull << 63);
	dma_full(&t, 0x0200, 9, 0, false, true);
	fsts = rd(&t, IOMMUSIM_VTD_FSTS, 4);
	ck_assert(fsts & IOMMUSIM_VTD_FSTS_PPF);
	hi = rd(&t, IOMMUSIM_VTD_FRCD + 16 * ((fsts >> 8) & 0xff) + 8, 8);
	ck_assert(hi & (1ull << 31));
	ck_assert_uint_eq((hi >> 40) & 0xfffff, 9);
	ck_assert(hi & (1ull << 29));
	vt_fini(&t);
}
END_TEST

START_TEST(test_fpd_suppresses_recording)
{
	struct vt t;
	struct hand h;
	struct iommusim_dma_result r;
	uint64_t pdir;

	legacy_hand(&t, &h, NULL, 0);
	ctx_legacy(&t, SID, h.pml4, 0, 2, DID, true);
	r = dma(&t, 0x5000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert(!(r.flags & IOMMUSIM_RES_RECORDED));
	ck_assert(!(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_PPF));
	ck_assert_uint_eq(ustats(&t).faults_suppressed, 1);
	/* root-entry faults cannot be suppressed */
	ck_assert(dma_full(&t, 0x0900, -1, 0, false, false).flags &
		  IOMMUSIM_RES_RECORDED);
	vt_fini(&t);

	/* FPD in the PASID entry */
	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, true, 0, false);
	w64(&t, pasid_entry(&t, pdir, 1), 2); /* not present, FPD */
	r = dma_full(&t, SID, 1, 0, false, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_PTE_NP);
	ck_assert(!(r.flags & IOMMUSIM_RES_RECORDED));
	vt_fini(&t);
}
END_TEST

static unsigned int stale_seen;
static struct iommusim_stale_report stale_last;

static void on_stale(void *ctx, const struct iommusim_stale_report *r)
{
	stale_seen++;
	stale_last = *r;
}

/* Unmap through the library without / with the IOTLB flush it asks for. */
START_TEST(test_stale_detector_catches_missing_invalidation)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct iommusim_stale_report rep;
	struct iommusim_dma_result r;
	uint64_t unmapped;
	char line[256];
	struct vt t;

	vt_init(&t, NULL, 0);
	vt_enable(&t, false);
	iommusim_unit_set_stale_fn(t.u, on_stale, NULL);
	stale_seen = 0;
	dom = sim_domain(t.mem, &cfg, &info);
	ctx_legacy(&t, SID, info.root_oa, 0, 2, DID, false);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x100000, 0x7000000, 0x4000,
			 IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	iommupt_gather_release(&g);
	for (uint64_t a = 0x100000; a < 0x104000; a += 0x1000)
		ck_assert_uint_eq(dma(&t, a, false).fault, 0);

	/* unmap page 0 and do not invalidate: the IOTLB still has it */
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x100000, 0x1000, 0, &g,
					      &unmapped), 0);
	r = dma(&t, 0x100000, false);
	ck_assert_uint_eq(r.fault, 0); /* the stale translation is used */
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(stale_seen, 1);
	ck_assert_int_eq(iommusim_unit_last_stale(t.u, &rep), 0);
	ck_assert_uint_eq(rep.sid, SID);
	ck_assert_uint_eq(rep.iova, 0x100000);
	ck_assert_uint_eq(rep.did, DID);
	ck_assert_uint_eq(rep.cached.oa, 0x7000000);
	ck_assert_uint_eq(rep.fresh.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert_uint_eq(stale_last.iova, 0x100000);
	ck_assert_int_gt(iommusim_stale_format(&rep, line, sizeof(line)), 0);
	ck_assert_uint_eq(ustats(&t).stale, 1);

	/* now the flush the gather asks for (page-selective, register) */
	ck_assert(!iommupt_gather_empty(&g));
	wr(&t, IOMMUSIM_VTD_IVA, 8, g.start);
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 3ull << 60 |
	   (uint64_t)DID << 32);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IOTLB, 8) >> 57 & 3, 3);
	iommupt_gather_release(&g);
	r = dma(&t, 0x100000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));

	/* unmap page 1 and flush properly through the queue: silent */
	qi_enable(&t, false);
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x101000, 0x1000, 0, &g,
					      &unmapped), 0);
	{
		uint64_t d[] = { QI_IOTLB(3, DID), QI_IOTLB_HI(g.start, 0, 0),
				 QI_WAIT(1, 0, 1), page(&t) };

		qi_submit(&t, d, 2);
		ck_assert_uint_eq(r64(&t, d[3]), 1);
	}
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dma(&t, 0x101000, false).fault,
			  IOMMUSIM_VTD_FR_READ);
	ck_assert_uint_eq(dma(&t, 0x102000, false).fault, 0);
	ck_assert_uint_eq(stale_seen, 1);

	/* with the detector off nothing is compared */
	iommusim_unit_set_stale_check(t.u, 0);
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x102000, 0x1000, 0, &g,
					      &unmapped), 0);
	ck_assert_uint_eq(dma(&t, 0x102000, false).fault, 0);
	ck_assert_uint_eq(stale_seen, 1);
	iommupt_gather_release(&g);
	iommupt_domain_destroy(dom);
	vt_fini(&t);
}
END_TEST

/* A changed context entry without context-cache invalidation is stale. */
START_TEST(test_stale_context_entry)
{
	struct vt t;
	struct hand h;

	legacy_hand(&t, &h, NULL, 0);
	ck_assert_uint_eq(dma(&t, 0x2000, false).fault, 0);
	w64(&t, t.ctp[1][0] + 16 * (SID & 0xff), 0);
	ck_assert(dma(&t, 0x2000, false).flags & IOMMUSIM_RES_STALE);
	/* register-based device-selective context invalidation */
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63 | 3ull << 61 |
	   (uint64_t)SID << 16 | DID);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CCMD, 8) >> 59 & 3, 3);
	ck_assert_uint_eq(dma(&t, 0x2000, false).fault,
			  IOMMUSIM_VTD_FR_CTX_NP);
	vt_fini(&t);
}
END_TEST

/*
 * A table page unlinked by an unmap and replaced by a new one before the
 * flush: the paging-structure cache still points at the old page.
 */
START_TEST(test_stale_paging_structure_cache)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g, g2;
	uint64_t unmapped;
	struct vt t;

	vt_init(&t, NULL, 0);
	vt_enable(&t, false);
	dom = sim_domain(t.mem, &cfg, &info);
	ctx_legacy(&t, SID, info.root_oa, 0, 2, DID, false);
	iommupt_gather_init(&g);
	iommupt_gather_init(&g2);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x40000000, 0x10000000,
			 0x2000, IOMMUPT_READ, &g), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dma(&t, 0x40000000, false).oa, 0x10000000);
	/* unmap the whole 1G region: its PD and PT pages are unlinked */
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x40000000, 1ull << 30, 0,
					      &g, &unmapped), 0);
	ck_assert_uint_eq(unmapped, 0x2000);
	ck_assert(g.flags & IOMMUPT_GATHER_TABLES);
	/* and map the second page again into new tables, no flush */
	ck_assert_int_eq(iommupt_domain_map(dom, 0x40001000, 0x20001000,
			 0x1000, IOMMUPT_READ, &g2), 0);
	/* the IOTLB misses, the PDE cache walks the unlinked table */
	ck_assert(dma(&t, 0x40001000, false).flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).hits, 1);
	/* domain-selective flush without IH drops the walk caches too */
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 2ull << 60 |
	   (uint64_t)DID << 32);
	ck_assert_uint_eq(dma(&t, 0x40001000, false).oa, 0x20001000);
	ck_assert_uint_eq(ustats(&t).stale, 1);
	iommupt_gather_release(&g);
	iommupt_gather_release(&g2);
	iommupt_domain_destroy(dom);
	vt_fini(&t);
}
END_TEST

/* Page-selective invalidation drops exactly 2^AM pages. */
START_TEST(test_psi_covers_exactly_2_to_am_pages)
{
	for (unsigned int am = 0; am <= 4; am++) {
		struct vt t;
		struct hand h;
		uint64_t base = 0x10000; /* pages 16.. in the hand-built PT */
		struct iommusim_cache_stats before, after;

		legacy_hand(&t, &h, NULL, 0);
		for (unsigned int i = 0; i < 64; i++)
			w64(&t, h.pt + 8 * (8 + i),
			    (0x90000000ull + (i << 12)) | R | W);
		for (uint64_t a = 0x8000; a < 0x48000; a += 0x1000)
			ck_assert_uint_eq(dma(&t, a, false).fault, 0);
		before = cstats(&t, IOMMUSIM_CACHE_IOTLB, 0);
		/* an address inside the block: low bits are ignored */
		wr(&t, IOMMUSIM_VTD_IVA, 8, (base + 0x1000 * ((1u << am) - 1)) |
		   am | 1ull << 6);
		wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 3ull << 60 |
		   (uint64_t)DID << 32);
		after = cstats(&t, IOMMUSIM_CACHE_IOTLB, 0);
		ck_assert_uint_eq(after.invalidated - before.invalidated,
				  1u << am);
		for (uint64_t a = 0x8000; a < 0x48000; a += 0x1000) {
			bool in = a >= base && a < base + (0x1000ull << am);
			bool hit = dma(&t, a, false).flags &
				   IOMMUSIM_RES_IOTLB_HIT;

			ck_assert_msg(hit != in, "am %u iova %llx", am,
				      (unsigned long long)a);
		}
		/* IH = 1 kept the paging-structure caches */
		ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).invalidated,
				  0);
		vt_fini(&t);
	}
}
END_TEST

START_TEST(test_register_invalidation_granularities)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, o,
		     .cap = iommusim_vtd_default_cap() & ~IOMMUSIM_VTD_CAP_PSI);
	struct vt t;
	struct hand h;

	legacy_hand(&t, &h, NULL, 0);
	ctx_legacy(&t, SID + 1, h.pml4, 0, 2, DID + 1, false);
	dma(&t, 0x2000, false);
	dma_full(&t, SID + 1, -1, 0x2000, false, false);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 2);
	/* domain-selective: only DID's entries */
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 2ull << 60 |
	   (uint64_t)DID << 32);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IOTLB, 8) >> 57 & 3, 2);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 1);
	/* global */
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 1ull << 60);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).entries, 0);
	/* invalid granularity 0 reports IAIG 0 */
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IOTLB, 8) >> 57 & 3, 0);
	/* context: domain-selective then device-selective with a mask */
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).entries, 2);
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63 | 2ull << 61 | DID);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).entries, 1);
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63 | 3ull << 61 | 3ull << 32 |
	   (uint64_t)(SID + 4) << 16);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).entries, 0);
	wr(&t, IOMMUSIM_VTD_CCMD, 8, 1ull << 63);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_CCMD, 8) >> 59 & 3, 0);
	/* a command written in two halves runs when the upper half lands */
	dma(&t, 0x2000, false);
	wr(&t, IOMMUSIM_VTD_IOTLB, 4, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 1);
	wr(&t, IOMMUSIM_VTD_IOTLB + 4, 4, 1u << 31 | 1u << 28);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);
	vt_fini(&t);

	/* without PSI a page-selective request is done domain-wide */
	legacy_hand(&t, &h, &o, 0);
	dma(&t, 0x2000, false);
	wr(&t, IOMMUSIM_VTD_IVA, 8, 0x9000);
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 3ull << 60 |
	   (uint64_t)DID << 32);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IOTLB, 8) >> 57 & 3, 2);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);
	vt_fini(&t);
}
END_TEST

START_TEST(test_queued_invalidation)
{
	struct vt t;
	struct hand h;
	uint64_t status;

	legacy_hand(&t, &h, NULL, 0);
	qi_enable(&t, false);
	status = page(&t);
	dma(&t, 0x2000, false);
	{
		uint64_t d[] = {
			QI_CC(1, 0, 0, 0), 0,
			QI_IOTLB(2, DID), 0,
			QI_WAIT(1, 1, 0xcafe), status + 4,
		};

		qi_submit(&t, d, 3);
	}
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQH, 8), 48);
	ck_assert_uint_eq(r64(&t, status), 0xcafe00000000ull);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_ICS, 4), 1);
	wr(&t, IOMMUSIM_VTD_ICS, 4, 1);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_ICS, 4), 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).entries, 0);
	ck_assert_uint_eq(ustats(&t).queue_cmds, 3);
	ck_assert_uint_eq(ustats(&t).queue_cycles, 3 * (100 + 10) + 100);
	/* register-based invalidation is ignored while QI is on */
	dma(&t, 0x2000, false);
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 1ull << 60);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 1);

	/* an invalid descriptor stops the queue with IQE, head on it */
	{
		uint64_t d[] = { 3, 0, QI_WAIT(1, 0, 7), status };

		qi_submit(&t, d, 2);
	}
	ck_assert(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_IQE);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQH, 8), 48);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQERCD, 8) & 0xf, 3);
	/* software replaces it, clears IQE and rings the tail again */
	w64(&t, t.queue + 48, QI_IOTLB(1, 0));
	wr(&t, IOMMUSIM_VTD_FSTS, 4, IOMMUSIM_VTD_FSTS_IQE);
	wr(&t, IOMMUSIM_VTD_IQT, 8, rd(&t, IOMMUSIM_VTD_IQT, 8));
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQH, 8), 80);
	ck_assert_uint_eq(r64(&t, status) & 0xffffffff, 7);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);

	/* reserved bits, bad granularities, AM beyond MAMV, PASID types in
	 * legacy mode, a tail beyond the queue */
	{
		static const uint64_t bad[][2] = {
			{ QI_CC(0, 0, 0, 0), 0 },
			{ QI_CC(1, 0, 0, 0) | 1ull << 60, 0 },
			{ QI_IOTLB(0, 0), 0 },
			{ QI_IOTLB(3, DID), 10 },
			{ QI_IOTLB(2, DID), 1ull << 8 },
			{ QI_WAIT(0, 0, 0) | 1ull << 12, 0 },
			{ QI_WAIT(1, 0, 0), 1ull << 60 }, /* status nowhere */
			{ QI_PIOTLB(2, DID, 1), 0 },
			{ QI_PC(3, 0, 0), 0 },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint64_t head = rd(&t, IOMMUSIM_VTD_IQH, 8);

			qi_submit(&t, bad[i], 1);
			ck_assert_msg(rd(&t, IOMMUSIM_VTD_FSTS, 4) &
				      IOMMUSIM_VTD_FSTS_IQE, "bad %zu", i);
			ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQH, 8), head);
			w64(&t, t.queue + head, QI_WAIT(0, 0, 0));
			w64(&t, t.queue + head + 8, 0);
			wr(&t, IOMMUSIM_VTD_FSTS, 4, IOMMUSIM_VTD_FSTS_IQE);
			wr(&t, IOMMUSIM_VTD_IQT, 8, rd(&t, IOMMUSIM_VTD_IQT, 8));
			ck_assert(!(rd(&t, IOMMUSIM_VTD_FSTS, 4) &
				    IOMMUSIM_VTD_FSTS_IQE));
		}
	}
	wr(&t, IOMMUSIM_VTD_IQA, 8, t.queue); /* QS 0: 4 KiB */
	wr(&t, IOMMUSIM_VTD_IQT, 8, 0x2000);
	ck_assert(rd(&t, IOMMUSIM_VTD_FSTS, 4) & IOMMUSIM_VTD_FSTS_IQE);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQERCD, 8) & 0xf, 1);
	/* disabling the queue */
	gcmd(&t, 0, IOMMUSIM_VTD_GCMD_QIE);
	ck_assert(!(rd(&t, IOMMUSIM_VTD_GSTS, 4) & (1u << 26)));
	vt_fini(&t);
}
END_TEST

/* 256-bit descriptors, PASID-cache and PASID-based IOTLB invalidation. */
START_TEST(test_queued_invalidation_scalable)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	struct vt t;
	struct hand h;
	uint64_t pdir, status;

	vt_init(&t, NULL, 0);
	vt_enable(&t, true);
	hand_build(&t, &h);
	dom = sim_domain(t.mem, &cfg, &info);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x2000, 0x88000, 0x1000,
			 IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	iommupt_gather_release(&g);
	pdir = page(&t);
	ctx_sm(&t, SID, pdir, 0, true, 0, false);
	pe_ss(&t, pdir, 2, h.pml4, 2, DID, false);   /* second stage */
	pe_fs(&t, pdir, 3, info.root_oa, 4, DID, false); /* first stage */
	pe_fs(&t, pdir, 4, info.root_oa, 4, DID, false);
	qi_enable(&t, true);
	status = page(&t);
	for (int p = 2; p <= 4; p++)
		ck_assert_uint_eq(dma_full(&t, SID, p, 0x2000, false,
					   false).fault, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 3);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PASID, 0).entries, 3);
	/* IOTLB descriptor: the second-stage entry only */
	{
		uint64_t d[] = { QI_IOTLB(3, DID), QI_IOTLB_HI(0x2000ull, 0, 0),
				 QI_WAIT(1, 0, 5), status };

		qi_submit(&t, d, 2);
	}
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQH, 8), 64);
	ck_assert_uint_eq(r64(&t, status), 5);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 2);
	/* PASID-based: PASID 3 only, then PASID-cache for PASID 3 */
	{
		uint64_t d[] = { QI_PIOTLB(3, DID, 3),
				 QI_IOTLB_HI(0x2000ull, 0, 0),
				 QI_PC(1, DID, 3), 0 };

		qi_submit(&t, d, 2);
	}
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 1);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PASID, 0).entries, 2);
	ck_assert(dma_full(&t, SID, 4, 0x2000, false, false).flags &
		  IOMMUSIM_RES_IOTLB_HIT);
	/* a missing PASID-based flush after an unmap is caught */
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x2000, 0x1000, 0, &g,
					      NULL), 0);
	{
		uint64_t d[] = { QI_IOTLB(2, DID), 0 }; /* the wrong kind */

		qi_submit(&t, d, 1);
	}
	ck_assert(dma_full(&t, SID, 4, 0x2000, false, false).flags &
		  IOMMUSIM_RES_STALE);
	{
		uint64_t d[] = { QI_PIOTLB(2, DID, 4), 0, QI_PC(0, DID, 0), 0,
				 QI_PC(3, 0, 0), 0 };

		qi_submit(&t, d, 3);
	}
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dma_full(&t, SID, 4, 0x2000, false, false).fault,
			  IOMMUSIM_VTD_FR_FS_NP);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PASID, 0).entries, 1);
	/* a misaligned tail with 256-bit descriptors; bad upper half */
	wr(&t, IOMMUSIM_VTD_IQT, 8, rd(&t, IOMMUSIM_VTD_IQT, 8) + 16);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_VTD_IQERCD, 8) & 0xf, 2);
	wr(&t, IOMMUSIM_VTD_FSTS, 4, IOMMUSIM_VTD_FSTS_IQE);
	wr(&t, IOMMUSIM_VTD_IQT, 8, rd(&t, IOMMUSIM_VTD_IQH, 8));
	{
		uint64_t head = rd(&t, IOMMUSIM_VTD_IQH, 8);
		uint64_t d[] = { QI_PC(3, 0, 0), 0 };

		qi_submit(&t, d, 1);
		ck_assert(!(rd(&t, IOMMUSIM_VTD_FSTS, 4) &
			    IOMMUSIM_VTD_FSTS_IQE));
		w64(&t, t.queue + head + 32 + 16, 1);
		w64(&t, t.queue + head + 32, QI_PC(3, 0, 0));
		w64(&t, t.queue + head + 40, 0);
		wr(&t, IOMMUSIM_VTD_IQT, 8, head + 64);
		ck_assert(rd(&t, IOMMUSIM_VTD_FSTS, 4) &
			  IOMMUSIM_VTD_FSTS_IQE);
	}
	iommupt_domain_destroy(dom);
	vt_fini(&t);
}
END_TEST

/* Caching mode: a not-present result is cached until invalidated. */
START_TEST(test_caching_mode_caches_not_present)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, o,
		     .cap = iommusim_vtd_default_cap() | IOMMUSIM_VTD_CAP_CM);
	struct vt t;
	struct hand h;
	struct iommusim_dma_result r;

	legacy_hand(&t, &h, &o, 0);
	ck_assert_uint_eq(dma(&t, 0x5000, false).fault, IOMMUSIM_VTD_FR_READ);
	w64(&t, h.pt + 8 * 5, 0x85000ull | R | W); /* map, no flush */
	r = dma(&t, 0x5000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_VTD_FR_READ);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	wr(&t, IOMMUSIM_VTD_IVA, 8, 0x5000);
	wr(&t, IOMMUSIM_VTD_IOTLB, 8, 1ull << 63 | 3ull << 60 |
	   (uint64_t)DID << 32);
	ck_assert_uint_eq(dma(&t, 0x5000, false).oa, 0x85000);
	vt_fini(&t);
}
END_TEST

/* Same configuration and seed: identical cycle counts, run after run. */
static uint64_t run_workload(uint32_t repl, uint64_t seed, uint64_t *hash)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, o, .seed = seed,
		     .iotlb = { 8, 2, 3, repl }, .pwc = { 2, 2, 4, repl });
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	uint64_t total;
	struct vt t;

	vt_init(&t, &o, 0);
	vt_enable(&t, false);
	dom = sim_domain(t.mem, &cfg, &info);
	sim_map(dom, 0, 1ull << 32, 1ull << 26, IOMMUPT_READ | IOMMUPT_WRITE);
	ctx_legacy(&t, SID, info.root_oa, 0, 2, DID, false);
	total = sim_random_dma(t.u, SID, 1ull << 27, 20000, hash);
	iommupt_domain_destroy(dom);
	vt_fini(&t);
	return total;
}

START_TEST(test_same_seed_same_cycles)
{
	sim_check_same_seed(run_workload);
}
END_TEST

Suite *sim_vtd_suite(void);

Suite *sim_vtd_suite(void)
{
	Suite *s = suite_create("sim-vtd");
	TCase *regs = test_tcase("registers");
	TCase *xl = test_tcase("translation");
	TCase *fl = test_tcase("faults");
	TCase *inv = test_tcase("invalidation");

	tcase_add_test(regs, test_regs_identify_the_unit);
	tcase_add_test(regs, test_create_checks_options);
	tcase_add_test(xl, test_translation_disabled_passes_through);
	tcase_add_test(xl, test_legacy_hand_built_tables_translate);
	tcase_add_test(xl, test_walk_cycles_and_pwc);
	tcase_add_test(xl, test_library_ss_tables_translate_identically);
	tcase_add_test(xl, test_library_ss_tables_scalable_mode);
	tcase_add_test(xl, test_library_fs_tables_translate_identically);
	tcase_add_test(xl, test_first_stage_privilege_and_ad);
	tcase_add_test(xl, test_second_stage_ad_updates);
	tcase_add_test(xl, test_pass_through_modes);
	tcase_add_test(xl, test_large_pages_follow_sllps);
	tcase_add_test(xl, test_same_seed_same_cycles);
	tcase_add_test(fl, test_legacy_fault_reasons);
	tcase_add_test(fl, test_scalable_fault_reasons);
	tcase_add_test(fl, test_fault_recording_registers);
	tcase_add_test(fl, test_fpd_suppresses_recording);
	tcase_add_test(inv, test_stale_detector_catches_missing_invalidation);
	tcase_add_test(inv, test_stale_context_entry);
	tcase_add_test(inv, test_stale_paging_structure_cache);
	tcase_add_test(inv, test_psi_covers_exactly_2_to_am_pages);
	tcase_add_test(inv, test_register_invalidation_granularities);
	tcase_add_test(inv, test_queued_invalidation);
	tcase_add_test(inv, test_queued_invalidation_scalable);
	tcase_add_test(inv, test_caching_mode_caches_not_present);
	suite_add_tcase(s, regs);
	suite_add_tcase(s, xl);
	suite_add_tcase(s, fl);
	suite_add_tcase(s, inv);
	return s;
}
