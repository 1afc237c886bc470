// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The SMMUv3 model: registers, linear and 2-level stream tables, STE
 * configurations, linear and 2-level CD tables, stage 1 / stage 2 walks of
 * library-built tables at every granule, nested translation, HTTU, every
 * event type and command modelled, the stale detector and determinism.
 */
#include <errno.h>
#include <string.h>

#include <iommupt/sim.h>
#include <iommupt/sim-smmu.h>

#include "helpers.h"
#include "sim-access.h"
#include "sim-test-common.h"

#define SID 0x21
#define VMID 7
#define ASID 9
#define ST_LG2 8 /* linear stream table: 256 STEs (16 KiB) */

struct st {
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	const struct iommupt_mmio *mmio;
	uint64_t strtab, cmdq, evtq, cdtab;
	uint32_t evt_cons;
};

#define CR0_ALL (IOMMUSIM_SMMU_CR0_SMMUEN | IOMMUSIM_SMMU_CR0_EVENTQEN | \
		 IOMMUSIM_SMMU_CR0_CMDQEN)

static void st_init(struct st *t, const struct iommusim_smmu_opts *o,
		    unsigned int phys_bits)
{
	IOMMUPT_OPTS(iommusim_mem_opts, mo, .phys_bits = phys_bits);

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(iommusim_mem_create(&mo, &t->mem), 0);
	ck_assert_int_eq(iommusim_smmu_create(o, t->mem, &t->u), 0);
	t->mmio = iommusim_unit_mmio(t->u);
	ck_assert_int_eq(iommusim_mem_alloc(t->mem, 14, &t->strtab), 0);
	t->cmdq = page(t);
	t->evtq = page(t);
	t->cdtab = page(t);
	wr(t, IOMMUSIM_SMMU_STRTAB_BASE, 8, t->strtab);
	wr(t, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4,
	   IOMMUSIM_SMMU_STRTAB_CFG(0, 0, ST_LG2));
	wr(t, IOMMUSIM_SMMU_CMDQ_BASE, 8, t->cmdq | 8);   /* 256 commands */
	wr(t, IOMMUSIM_SMMU_EVENTQ_BASE, 8, t->evtq | 7); /* 128 events */
	wr(t, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
	ck_assert_uint_eq(rd(t, IOMMUSIM_SMMU_CR0ACK, 4), CR0_ALL);
}

static void st_fini(struct st *t)
{
	iommusim_unit_destroy(t->u);
	iommusim_mem_destroy(t->mem);
}

static void ste_set(struct st *t, uint32_t sid, uint64_t d0, uint64_t d1,
		    uint64_t d2, uint64_t d3)
{
	uint64_t pa = t->strtab + 64ull * sid;

	w64(t, pa + 8, d1);
	w64(t, pa + 16, d2);
	w64(t, pa + 24, d3);
	w64(t, pa, d0);
}

static uint64_t ste_s1(uint64_t cdtab, unsigned int cdmax, unsigned int fmt)
{
	return IOMMUSIM_SMMU_STE_V |
	       IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S1) | cdtab |
	       IOMMUSIM_SMMU_STE_S1FMT(fmt) | IOMMUSIM_SMMU_STE_S1CDMAX(cdmax);
}

/* dword 2 of a stage 2 STE for a table of ias bits, start level, granule */
static uint64_t ste_s2w2(unsigned int ias, unsigned int granule, int start)
{
	unsigned int tg = granule == 12 ? 0 : granule == 16 ? 1 : 2;
	unsigned int sl0 = (granule == 12 ? 2 : 3) - start;

	return VMID | IOMMUSIM_SMMU_STE_S2T0SZ(64 - ias) |
	       IOMMUSIM_SMMU_STE_S2SL0(sl0) | IOMMUSIM_SMMU_STE_S2TG(tg) |
	       IOMMUSIM_SMMU_STE_S2PS(6) | IOMMUSIM_SMMU_STE_S2AA64 |
	       IOMMUSIM_SMMU_STE_S2R;
}

static void cd_set(struct st *t, uint64_t pa, uint64_t d0, uint64_t ttb0,
		   uint64_t ttb1)
{
	w64(t, pa + 8, ttb0);
	w64(t, pa + 16, ttb1);
	w64(t, pa + 24, 0);
	w64(t, pa, d0);
}

static uint64_t cd_d0(unsigned int ias, unsigned int granule, bool upper)
{
	unsigned int tg0 = granule == 12 ? 0 : granule == 16 ? 1 : 2;
	unsigned int tg1 = granule == 12 ? 2 : granule == 16 ? 3 : 1;
	uint64_t d = IOMMUSIM_SMMU_CD_V | IOMMUSIM_SMMU_CD_AA64 |
		     IOMMUSIM_SMMU_CD_R | IOMMUSIM_SMMU_CD_A |
		     IOMMUSIM_SMMU_CD_IPS(6) | IOMMUSIM_SMMU_CD_ASID(ASID);

	if (upper)
		return d | IOMMUSIM_SMMU_CD_EPD0 | IOMMUSIM_SMMU_CD_T0SZ(16) |
		       IOMMUSIM_SMMU_CD_T1SZ(64 - ias) |
		       IOMMUSIM_SMMU_CD_TG1(tg1);
	return d | IOMMUSIM_SMMU_CD_EPD1 | IOMMUSIM_SMMU_CD_T1SZ(16) |
	       IOMMUSIM_SMMU_CD_TG1(2) | IOMMUSIM_SMMU_CD_T0SZ(64 - ias) |
	       IOMMUSIM_SMMU_CD_TG0(tg0);
}

static void cmds(struct st *t, const uint64_t *c, unsigned int n)
{
	uint32_t prod = (uint32_t)rd(t, IOMMUSIM_SMMU_CMDQ_PROD, 4);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t idx = prod & 0xff;

		w64(t, t->cmdq + 16 * idx, c[2 * i]);
		w64(t, t->cmdq + 16 * idx + 8, c[2 * i + 1]);
		prod = (prod + 1) & 0x1ff;
	}
	wr(t, IOMMUSIM_SMMU_CMDQ_PROD, 4, prod);
}

static void cmd1(struct st *t, uint64_t c0, uint64_t c1)
{
	uint64_t c[2] = { c0, c1 };

	cmds(t, c, 1);
}

#define SYNC() cmd1(&t, IOMMUSIM_SMMU_CMD_SYNC, 0)

static struct iommusim_dma_result dma_f(struct st *t, uint32_t sid, int ssid,
					uint64_t iova, bool write, bool priv)
{
	IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .iova = iova, .size = 4,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	struct iommusim_dma_result r = { .sz = sizeof(r) };

	if (ssid >= 0) {
		rq.flags |= IOMMUSIM_DMA_HAS_PASID;
		rq.pasid = (uint32_t)ssid;
	}
	if (priv)
		rq.flags |= IOMMUSIM_DMA_PRIV;
	ck_assert_int_eq(iommusim_unit_dma(t->u, &rq, &r), 0);
	return r;
}

static struct iommusim_dma_result dma(struct st *t, uint64_t iova, bool write)
{
	return dma_f(t, SID, -1, iova, write, false);
}

#define ustats(t) sim_ustats((t)->u)

/* Pop the next event record; returns its type or 0 when empty. */
static unsigned int evt_pop(struct st *t, uint64_t ev[4])
{
	uint32_t prod = (uint32_t)rd(t, IOMMUSIM_SMMU_EVENTQ_PROD, 4);
	uint32_t idx = t->evt_cons & 0x7f;

	if ((prod & 0xff) == (t->evt_cons & 0xff))
		return 0;
	for (unsigned int i = 0; i < 4; i++)
		ev[i] = r64(t, t->evtq + 32 * idx + 8 * i);
	t->evt_cons = (t->evt_cons + 1) & 0xff;
	wr(t, IOMMUSIM_SMMU_EVENTQ_CONS, 4, t->evt_cons);
	return ev[0] & 0xff;
}

static void drain(struct st *t)
{
	uint64_t ev[4];

	while (evt_pop(t, ev))
		;
}

/* ---- registers --------------------------------------------------------- */

START_TEST(test_regs_and_options)
{
	IOMMUPT_OPTS(iommusim_smmu_opts, o, .oas = 44, .sid_bits = 12,
		     .ssid_bits = 8, .flags = IOMMUSIM_SMMU_NO_HTTU);
	IOMMUPT_OPTS(iommusim_smmu_opts, bad, .oas = 20);
	struct iommusim_unit *u;
	struct iommusim_dma_result r;
	struct st t;
	uint64_t v;

	st_init(&t, &o, 0);
	v = rd(&t, IOMMUSIM_SMMU_IDR0, 4);
	ck_assert_uint_eq(v & 3, 3);                  /* S1P, S2P */
	ck_assert_uint_eq((v >> 2) & 3, 2);           /* AArch64 tables */
	ck_assert_uint_eq((v >> 6) & 3, 0);           /* no HTTU */
	ck_assert_uint_eq((v >> 27) & 3, 1);          /* 2-level ST */
	v = rd(&t, IOMMUSIM_SMMU_IDR1, 4);
	ck_assert_uint_eq(v & 0x3f, 12);
	ck_assert_uint_eq((v >> 6) & 0x1f, 8);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_IDR5, 4), 4 | 0x70);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_IDR2, 4), 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_STRTAB_BASE, 8), t.strtab);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_BASE, 8), t.cmdq | 8);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_EVENTQ_BASE, 8), t.evtq | 7);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_EVENTQ_BASE + 4, 4), 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_STRTAB_BASE + 4, 4), 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_BASE + 4, 4), 0);
	/* bases are locked while their enables are set */
	wr(&t, IOMMUSIM_SMMU_STRTAB_BASE, 8, 0x5000);
	wr(&t, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4, 0);
	wr(&t, IOMMUSIM_SMMU_CMDQ_BASE, 8, 0x5000);
	wr(&t, IOMMUSIM_SMMU_EVENTQ_BASE, 8, 0x5000);
	wr(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4, 3);
	wr(&t, IOMMUSIM_SMMU_EVENTQ_PROD - 0x10000, 4, 3);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_STRTAB_BASE, 8), t.strtab);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4), ST_LG2);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4), 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_EVENTQ_PROD - 0x10000, 4), 0);
	wr(&t, IOMMUSIM_SMMU_CR1, 4, 0xffffffff);
	wr(&t, IOMMUSIM_SMMU_CR2, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CR1, 4), 0xfff);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CR2, 4), 7);
	wr(&t, IOMMUSIM_SMMU_IDR0, 4, 0); /* read-only */
	ck_assert_uint_ne(rd(&t, IOMMUSIM_SMMU_IDR0, 4), 0);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 2, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 2, 4, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0x20000, 4, &v), -ERANGE);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 4, NULL), -EINVAL);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, 1, 4, 0), -EINVAL);
	ck_assert_uint_gt(ustats(&t).reg_cycles, 0);

	/* SMMUEN clear: GBPA bypass, then abort */
	wr(&t, IOMMUSIM_SMMU_CR0, 4, 0);
	r = dma(&t, 0x1234, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x1234);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	wr(&t, IOMMUSIM_SMMU_GBPA, 4, IOMMUSIM_SMMU_GBPA_ABORT);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_GBPA, 4),
			  IOMMUSIM_SMMU_GBPA_ABORT);
	ck_assert_uint_eq(dma(&t, 0x1234, false).fault, IOMMUSIM_SMMU_ABORT);
	/* disabled: the bases can be written */
	wr(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4, 3);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4), 3);
	wr(&t, IOMMUSIM_SMMU_EVENTQ_PROD, 4, 2);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_EVENTQ_PROD, 4), 2);
	st_fini(&t);

	ck_assert_int_eq(iommusim_smmu_create(&bad, t.mem, &u), -EINVAL);
	ck_assert_int_eq(iommusim_smmu_create(NULL, NULL, &u), -EINVAL);
	bad.oas = 0;
	bad.flags = 1u << 7;
	{
		struct iommusim_mem *m;

		ck_assert_int_eq(iommusim_mem_create(NULL, &m), 0);
		ck_assert_int_eq(iommusim_smmu_create(&bad, m, &u), -EINVAL);
		bad.flags = 0;
		bad.ssid_bits = 21;
		ck_assert_int_eq(iommusim_smmu_create(&bad, m, &u), -EINVAL);
		ck_assert_int_eq(iommusim_smmu_create(NULL, m, &u), 0);
		ck_assert_int_eq(iommusim_unit_cache_stats(u,
				 IOMMUSIM_CACHE_PWC, 1,
				 &(struct iommusim_cache_stats){
					 .sz = sizeof(struct iommusim_cache_stats) }),
				 -EINVAL);
		iommusim_unit_destroy(u);
		iommusim_mem_destroy(m);
	}
}
END_TEST

/* ---- library-built tables ---------------------------------------------- */

struct probe {
	uint64_t iova, len;
};

static unsigned int map_random(struct iommupt_domain *dom,
			       const struct iommupt_domain_info *info,
			       uint64_t *rng, struct probe *pr, unsigned int n)
{
	unsigned int got = 0, nsz = 0, sizes[64];
	unsigned int ibits = info->ias_lg2;
	unsigned int oas = info->oas_lg2 > 46 ? 46 : info->oas_lg2;
	uint64_t base = test_aperture_first(&(struct test_dom){ .info = *info });
	struct iommupt_gather g;

	for (unsigned int lg2 = 12; lg2 <= 36 && lg2 + 2 <= ibits; lg2++)
		if (info->pgsize_bitmap >> lg2 & 1)
			sizes[nsz++] = lg2;
	ck_assert_uint_gt(nsz, 0);
	iommupt_gather_init(&g);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int lg2 = sizes[test_rand(rng) % nsz];
		uint64_t len = (1ull << lg2) * (1 + test_rand(rng) % 3);
		uint64_t iova, oa;

		if (lg2 + 3 > ibits || lg2 + 3 > oas)
			continue;
		iova = base + ((test_rand(rng) % ((1ull << ibits) - len)) &
			       ~((1ull << lg2) - 1));
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

static void compare(struct st *t, struct iommupt_domain *dom,
		    const struct iommupt_domain_info *info, uint64_t *rng,
		    const struct probe *pr, unsigned int n, uint32_t fault_ok)
{
	uint64_t base = test_aperture_first(&(struct test_dom){ .info = *info });
	unsigned int hits = 0;

	for (unsigned int i = 0; i < 2000; i++) {
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
			iova = base + (test_rand(rng) &
				       ((1ull << info->ias_lg2) - 1));
		}
		iova &= ~3ull;
		rc = iommupt_domain_iova_to_phys(dom, iova, &oa, &prot, &lg2);
		r = dma(t, iova, write);
		if (rc) {
			ck_assert_msg(r.fault == fault_ok,
				      "iova %llx rc %d fault %x",
				      (unsigned long long)iova, rc, r.fault);
			continue;
		}
		if ((write && !(prot & IOMMUPT_WRITE)) ||
		    (prot & IOMMUPT_PRIV)) {
			ck_assert_uint_eq(r.fault,
					  IOMMUSIM_SMMU_EV_F_PERMISSION);
			continue;
		}
		ck_assert_msg(r.fault == 0, "iova %llx fault %x",
			      (unsigned long long)iova, r.fault);
		ck_assert_uint_eq(r.oa, oa);
		ck_assert_uint_eq(r.page_lg2, lg2);
		hits++;
	}
	ck_assert_uint_gt(hits, 300);
	ck_assert_uint_eq(ustats(t).stale, 0);
	drain(t);
}

/* Every ARM configuration in test_cfgs through a CD (S1) or STE (S2). */
START_TEST(test_library_tables_translate_identically)
{
	unsigned int done = 0;

	for (unsigned int c = 0; c < test_ncfgs; c++) {
		const struct iommupt_domain_cfg *cfg = &test_cfgs[c].cfg;
		struct iommupt_domain_info info = { .sz = sizeof(info) };
		struct iommupt_domain *dom;
		struct probe pr[64];
		uint64_t rng = 0x5eed + c;
		unsigned int n;
		struct st t;

		if (cfg->format != IOMMUPT_FMT_ARM_S1 &&
		    cfg->format != IOMMUPT_FMT_ARM_S2)
			continue;
		st_init(&t, NULL, 0);
		ck_assert_int_eq(iommupt_domain_create(cfg,
				 iommusim_mem_provider(t.mem), &dom), 0);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		if (cfg->format == IOMMUPT_FMT_ARM_S1) {
			bool up = info.va_layout == IOMMUPT_VA_UPPER;

			cd_set(&t, t.cdtab, cd_d0(info.ias_lg2,
			       info.granule_lg2, up), up ? 0 : info.root_oa,
			       up ? info.root_oa : 0);
			ste_set(&t, SID, ste_s1(t.cdtab, 0, 0), 0, 0, 0);
		} else {
			ste_set(&t, SID, IOMMUSIM_SMMU_STE_V |
				IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2),
				0, ste_s2w2(info.ias_lg2, info.granule_lg2,
					    4 - (int)info.levels),
				info.root_oa);
		}
		n = map_random(dom, &info, &rng, pr, 64);
		ck_assert_uint_gt(n, 0);
		compare(&t, dom, &info, &rng, pr, n,
			IOMMUSIM_SMMU_EV_F_TRANSLATION);
		iommupt_domain_destroy(dom);
		st_fini(&t);
		done++;
	}
	ck_assert_uint_ge(done, 16);
}
END_TEST

/* ---- hand-built tables: STE configurations and events ---------------- */

#define PG_S1 (3ull | 1ull << 10 | 1ull << 6) /* page, AF, EL0 */
#define PG_S2 (3ull | 1ull << 10 | 3ull << 6) /* page, AF, S2AP RW */

/* 4K stage 1 tables for 39-bit VAs: l1 -> l2 -> l3; returns l3. */
static uint64_t s1_tables(struct st *t, uint64_t *root)
{
	uint64_t l1 = page(t), l2 = page(t), l3 = page(t);

	w64(t, l1, l2 | 3);
	w64(t, l2, l3 | 3);
	*root = l1;
	return l3;
}

static void expect_event(struct st *t, unsigned int type, uint64_t addr)
{
	uint64_t ev[4];

	ck_assert_uint_eq(evt_pop(t, ev), type);
	ck_assert_uint_eq(ev[0] >> 32, SID);
	ck_assert_uint_eq(ev[2], addr);
}

START_TEST(test_ste_configs_and_events)
{
	IOMMUPT_OPTS(iommusim_smmu_opts, o, .oas = 40);
	uint64_t root, l3, cd, ev[4];
	struct iommusim_dma_result r;
	struct st t;

	st_init(&t, &o, 44);
	l3 = s1_tables(&t, &root);
	w64(&t, l3 + 8, 0x80000000ull | PG_S1);         /* 0x1000: RW */
	w64(&t, l3 + 16, 0x80001000ull | PG_S1 | 1ull << 7); /* RO */
	w64(&t, l3 + 24, 0x80002000ull | 3 | 1ull << 6);   /* no AF */
	w64(&t, l3 + 32, (1ull << 41) | PG_S1);          /* OA > 40 bits */
	w64(&t, l3 + 40, 0x80003000ull | 3 | 1ull << 10); /* privileged */
	w64(&t, l3 + 48, 0x80004000ull | 1);             /* type 0 at L3 */
	cd = t.cdtab;
	cd_set(&t, cd, cd_d0(39, 12, false), root, 0);

	/* abort: no event; bypass; V = 0: C_BAD_STE */
	ste_set(&t, SID, IOMMUSIM_SMMU_STE_V, 0, 0, 0);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault, IOMMUSIM_SMMU_ABORT);
	ck_assert_uint_eq(evt_pop(&t, ev), 0);
	ste_set(&t, SID + 1, IOMMUSIM_SMMU_STE_V |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_BYPASS), 0, 0, 0);
	r = dma_f(&t, SID + 1, -1, 0x1234, true, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x1234);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	ck_assert_uint_eq(dma_f(&t, SID + 2, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_C_BAD_STE);
	ste_set(&t, SID + 3, IOMMUSIM_SMMU_STE_V | IOMMUSIM_SMMU_STE_CFG(2),
		0, 0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 3, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE);
	ste_set(&t, SID + 4, IOMMUSIM_SMMU_STE_V |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2), 0,
		ste_s2w2(39, 12, 3), 0); /* start level 3 with SL0 -1 */
	ck_assert_uint_eq(dma_f(&t, SID + 4, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE);
	ste_set(&t, SID + 5, ste_s1(cd, 25, 0), 0, 0, 0); /* CDMax > SSIDSIZE */
	ck_assert_uint_eq(dma_f(&t, SID + 5, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE);
	/* a StreamID beyond the table */
	ck_assert_uint_eq(dma_f(&t, 1u << ST_LG2, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	drain(&t);

	/* stage 1 through CD 0 */
	ste_set(&t, SID, ste_s1(cd, 0, 0), 0, 0, 0);
	wr(&t, IOMMUSIM_SMMU_CR0, 4, 0); /* config caches start cold anyway */
	wr(&t, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
	cmd1(&t, IOMMUSIM_SMMU_CMD_CFGI_STE | (uint64_t)SID << 32, 1);
	r = dma(&t, 0x1008, true);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x80000008);
	ck_assert_uint_eq(r.did, VMID * 0);
	ck_assert_uint_eq(dma(&t, 0x2000, true).fault,
			  IOMMUSIM_SMMU_EV_F_PERMISSION);
	expect_event(&t, IOMMUSIM_SMMU_EV_F_PERMISSION, 0x2000);
	ck_assert_uint_eq(dma(&t, 0x2000, false).fault, 0);
	ck_assert_uint_eq(dma(&t, 0x3000, false).fault,
			  IOMMUSIM_SMMU_EV_F_ACCESS);
	expect_event(&t, IOMMUSIM_SMMU_EV_F_ACCESS, 0x3000);
	ck_assert_uint_eq(dma(&t, 0x4000, false).fault,
			  IOMMUSIM_SMMU_EV_F_ADDR_SIZE);
	expect_event(&t, IOMMUSIM_SMMU_EV_F_ADDR_SIZE, 0x4000);
	ck_assert_uint_eq(dma(&t, 0x5000, false).fault,
			  IOMMUSIM_SMMU_EV_F_PERMISSION);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_F_PERMISSION);
	ck_assert(!(ev[1] & IOMMUSIM_SMMU_EVT1_PNU)); /* 7.3: 1 privileged */
	ck_assert(ev[1] & IOMMUSIM_SMMU_EVT1_RNW);
	ck_assert_uint_eq(dma_f(&t, SID, -1, 0x5000, false, true).fault, 0);
	/* the same from the TLB */
	r = dma(&t, 0x5000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_SMMU_EV_F_PERMISSION);
	ck_assert(r.flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_F_PERMISSION);
	{
		struct iommusim_cache_stats cs = { .sz = sizeof(cs) };

		ck_assert_int_eq(iommusim_unit_cache_stats(t.u,
				 IOMMUSIM_CACHE_IOTLB, 0, &cs), 0);
		ck_assert_uint_gt(cs.hits, 0);
		ck_assert_int_eq(iommusim_unit_cache_stats(t.u,
				 IOMMUSIM_CACHE_CONTEXT, 0, &cs), 0);
		ck_assert_uint_gt(cs.fills, 0);
		ck_assert_int_eq(iommusim_unit_cache_stats(t.u,
				 IOMMUSIM_CACHE_PASID, 0, &cs), 0);
		ck_assert_uint_gt(cs.fills, 0);
	}
	ck_assert_uint_eq(dma(&t, 0x6000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(dma(&t, 0x7000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	expect_event(&t, IOMMUSIM_SMMU_EV_F_TRANSLATION, 0x6000);
	expect_event(&t, IOMMUSIM_SMMU_EV_F_TRANSLATION, 0x7000);
	/* beyond T0SZ; TTB1 half disabled by EPD1 */
	ck_assert_uint_eq(dma(&t, 1ull << 40, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(dma(&t, ~0ull << 20, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	drain(&t);
	/* a SubstreamID without substreams */
	ck_assert_uint_eq(dma_f(&t, SID, 1, 0x1000, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID);
	ck_assert(ev[0] & (1ull << 11));
	ck_assert_uint_eq((ev[0] >> 12) & 0xfffff, 1);

	/* R clear: stage 1 faults are not recorded */
	cd_set(&t, cd + 64, cd_d0(39, 12, false) & ~IOMMUSIM_SMMU_CD_R,
	       root, 0);
	ste_set(&t, SID + 6, ste_s1(cd + 64, 0, 0), 0, 0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 6, -1, 0x6000, false, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(evt_pop(&t, ev), 0);
	ck_assert_uint_gt(ustats(&t).faults_suppressed, 0);

	/* substreams: S1DSS terminate, bypass, substream 0 */
	cd_set(&t, cd + 128, cd_d0(39, 12, false), root, 0);
	ste_set(&t, SID + 7, ste_s1(cd, 2, 0), IOMMUSIM_SMMU_STE_S1DSS(0),
		0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 7, -1, 0x1000, false, false).fault,
			  IOMMUSIM_SMMU_EV_F_STREAM_DISABLED);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_F_STREAM_DISABLED);
	ck_assert_uint_eq(dma_f(&t, SID + 7, 2, 0x1000, false, false).oa,
			  0x80000000);
	ck_assert_uint_eq(dma_f(&t, SID + 7, 1, 0x1000, false, false).oa,
			  0x80000000); /* CD 1 */
	ck_assert_uint_eq(dma_f(&t, SID + 7, 4, 0x1000, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID);
	ck_assert_uint_eq(dma_f(&t, SID + 7, 3, 0x1000, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_CD);
	drain(&t);
	ste_set(&t, SID + 8, ste_s1(cd, 2, 0), IOMMUSIM_SMMU_STE_S1DSS(1),
		0, 0);
	r = dma_f(&t, SID + 8, -1, 0x1000, false, false);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	ste_set(&t, SID + 9, ste_s1(cd, 2, 0), IOMMUSIM_SMMU_STE_S1DSS(2),
		0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 9, -1, 0x1000, false, false).oa,
			  0x80000000);
	ste_set(&t, SID + 10, ste_s1(cd, 2, 0), IOMMUSIM_SMMU_STE_S1DSS(3),
		0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 10, -1, 0x1000, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE);
	/* a bad CD: TG0 reserved, AArch32 */
	cd_set(&t, cd + 192, cd_d0(39, 12, false) | IOMMUSIM_SMMU_CD_TG0(3),
	       root, 0);
	ste_set(&t, SID + 11, ste_s1(cd + 192, 0, 0), 0, 0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 11, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_CD);
	drain(&t);

	/* fetch aborts: STE, CD, walk (44-bit memory) */
	ste_set(&t, SID + 12, ste_s1(1ull << 44, 0, 0), 0, 0, 0);
	ck_assert_uint_eq(dma_f(&t, SID + 12, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STE); /* beyond OAS 40 */
	{
		IOMMUPT_OPTS(iommusim_smmu_opts, o2);
		struct st t2;
		uint64_t r2, l32;

		st_init(&t2, &o2, 44);
		l32 = s1_tables(&t2, &r2);
		w64(&t2, l32, (1ull << 45) | 3); /* bogus: level 3 is a page */
		w64(&t2, r2 + 8, (1ull << 44) | 3); /* table beyond memory */
		cd_set(&t2, t2.cdtab, cd_d0(39, 12, false), r2, 0);
		t2.strtab += 0; /* same layout */
		ste_set(&t2, SID, ste_s1(t2.cdtab, 0, 0), 0, 0, 0);
		ck_assert_uint_eq(dma(&t2, 1ull << 30, false).fault,
				  IOMMUSIM_SMMU_EV_F_WALK_EABT);
		ste_set(&t2, SID + 1, ste_s1(1ull << 44, 0, 0), 0, 0, 0);
		ck_assert_uint_eq(dma_f(&t2, SID + 1, -1, 0, false,
					false).fault,
				  IOMMUSIM_SMMU_EV_F_CD_FETCH);
		ste_set(&t2, SID + 2, ste_s1(1ull << 44, 3, 1), 0, 0, 0);
		ck_assert_uint_eq(dma_f(&t2, SID + 2, 1, 0, false,
					false).fault,
				  IOMMUSIM_SMMU_EV_F_CD_FETCH);
		wr(&t2, IOMMUSIM_SMMU_CR0, 4, 0);
		wr(&t2, IOMMUSIM_SMMU_STRTAB_BASE, 8, 1ull << 44);
		wr(&t2, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
		cmd1(&t2, IOMMUSIM_SMMU_CMD_CFGI_STE_RANGE, 31);
		ck_assert_uint_eq(dma(&t2, 0, false).fault,
				  IOMMUSIM_SMMU_EV_F_STE_FETCH);
		ck_assert_uint_eq(evt_pop(&t2, ev), IOMMUSIM_SMMU_EV_F_WALK_EABT);
		ck_assert_uint_eq(evt_pop(&t2, ev), IOMMUSIM_SMMU_EV_F_CD_FETCH);
		ck_assert_uint_eq(evt_pop(&t2, ev), IOMMUSIM_SMMU_EV_F_CD_FETCH);
		ck_assert_uint_eq(evt_pop(&t2, ev), IOMMUSIM_SMMU_EV_F_STE_FETCH);
		/* an unknown stream table format */
		wr(&t2, IOMMUSIM_SMMU_CR0, 4, 0);
		wr(&t2, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4,
		   IOMMUSIM_SMMU_STRTAB_CFG(2, 0, 4));
		wr(&t2, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
		ck_assert_uint_eq(dma(&t2, 0, false).fault,
				  IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
		st_fini(&t2);
	}
	st_fini(&t);
}
END_TEST

/* 2-level stream table and 2-level CD table, with blocks and contiguous. */
START_TEST(test_two_level_tables)
{
	uint64_t root, l3, l1st, l2st, l1cd, l2cd;
	struct iommusim_dma_result r;
	struct st t;
	uint32_t sid = 0x345;

	st_init(&t, NULL, 0);
	l1st = page(&t);
	l2st = page(&t);
	l1cd = page(&t);
	l2cd = page(&t);
	wr(&t, IOMMUSIM_SMMU_CR0, 4, 0);
	wr(&t, IOMMUSIM_SMMU_STRTAB_BASE, 8, l1st);
	wr(&t, IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4,
	   IOMMUSIM_SMMU_STRTAB_CFG(1, 6, 16));
	wr(&t, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
	/* L1STD for sid >> 6 == 13: Span 7 (64 STEs) */
	w64(&t, l1st + 8 * (sid >> 6), l2st | 7);
	l3 = s1_tables(&t, &root);
	for (unsigned int i = 0; i < 16; i++) /* a contiguous 64K run */
		w64(&t, l3 + 8 * (16 + i), (0x90000000ull + 0x1000 * i) |
		    PG_S1 | 1ull << 52);
	w64(&t, r64(&t, root) - 3 + 8, 0xa0000000ull | 1 | 1ull << 10 |
	    1ull << 6); /* 2M block at 0x200000 */
	/* 2-level CD table, 4K leaves (64 CDs): SSID 70 -> L1 1, slot 6 */
	w64(&t, l1cd + 8, l2cd | 1);
	cd_set(&t, l2cd + 64 * 6, cd_d0(39, 12, false), root, 0);
	w64(&t, l2st + 64 * (sid & 63) + 8, 0);
	w64(&t, l2st + 64 * (sid & 63), ste_s1(l1cd, 8, 1));
	r = dma_f(&t, sid, 70, 0x10000 + 0x5678, false, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x90005678);
	ck_assert_uint_eq(r.page_lg2, 16);
	r = dma_f(&t, sid, 70, 0x212345, false, false);
	ck_assert_uint_eq(r.oa, 0xa0012345);
	ck_assert_uint_eq(r.page_lg2, 21);
	/* an L1CD without V */
	ck_assert_uint_eq(dma_f(&t, sid, 1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID);
	/* a SID outside the L2 span, and an L1STD with Span 0 */
	ck_assert_uint_eq(dma_f(&t, (sid & ~63u) | 0x3f, -1, 0, false,
				false).fault, IOMMUSIM_SMMU_EV_C_BAD_STE);
	w64(&t, l1st + 8 * 2, l2st | 2); /* 2 STEs */
	ck_assert_uint_eq(dma_f(&t, 2 * 64 + 5, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	ck_assert_uint_eq(dma_f(&t, 3 * 64, -1, 0, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_STREAMID);
	st_fini(&t);
}
END_TEST

/* Nested: library-built stage 1 over library-built stage 2, each granule. */
static void nested(unsigned int g1, unsigned int g2)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c1, .format = IOMMUPT_FMT_ARM_S1,
		     .ias_lg2 = 48, .granule_lg2 = g1);
	IOMMUPT_OPTS(iommupt_domain_cfg, c2, .format = IOMMUPT_FMT_ARM_S2,
		     .ias_lg2 = 40, .granule_lg2 = g2,
		     .flags = g2 == 16 ? 0 : IOMMUPT_CFG_ARM_CONCAT);
	struct iommupt_domain_info i1 = { .sz = sizeof(i1) };
	struct iommupt_domain_info i2 = { .sz = sizeof(i2) };
	struct iommupt_domain *d1, *d2;
	struct iommusim_dma_result r;
	struct iommupt_gather g;
	uint64_t ev[4], ipa_cd;
	struct st t;

	st_init(&t, NULL, 0);
	d2 = sim_domain(t.mem, &c2, &i2);
	iommupt_gather_init(&g);
	/* stage 2: identity over the first 4 GiB (tables, CDs) */
	ck_assert_int_eq(iommupt_domain_map(d2, 0, 0, 1ull << 32,
			 IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	/* and IPA 64G.. -> PA 128G.. */
	ck_assert_int_eq(iommupt_domain_map(d2, 1ull << 36, 1ull << 37,
			 1ull << 21, IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	d1 = sim_domain(t.mem, &c1, &i1);
	ck_assert_int_eq(iommupt_domain_map(d1, 0x40000000, 1ull << 36,
			 1ull << 21, IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(d1, 0x80000000, 1ull << 35,
			 1ull << g1, IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	iommupt_gather_release(&g);
	ipa_cd = t.cdtab;
	cd_set(&t, t.cdtab, cd_d0(48, g1, false), i1.root_oa, 0);
	ste_set(&t, SID, ste_s1(ipa_cd, 0, 0) |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_NESTED), 0,
		ste_s2w2(40, g2, 4 - (int)i2.levels), i2.root_oa);
	r = dma(&t, 0x40012345, true);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, (1ull << 37) + 0x12345);
	ck_assert_uint_eq(r.did, VMID);
	ck_assert_uint_eq(r.page_lg2, 21); /* 2M: blocks or contiguous runs */
	r = dma(&t, 0x40012345, false);
	ck_assert(r.flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert_uint_eq(r.oa, (1ull << 37) + 0x12345);
	/* stage 2 fault on the final IPA: S2, CLASS IN, the IPA */
	r = dma(&t, 0x80000010, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert(ev[1] & IOMMUSIM_SMMU_EVT1_S2);
	ck_assert_uint_eq((ev[1] >> 40) & 3, 2);
	ck_assert_uint_eq(ev[3], 1ull << 35);
	/* stage 1 fault */
	ck_assert_uint_eq(dma(&t, 0x90000000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert(!(ev[1] & IOMMUSIM_SMMU_EVT1_S2));
	if (g2 == 12) {
		/* the stage 1 root's IPA unmapped at stage 2: S2, CLASS TT */
		struct iommupt_gather g3;
		uint64_t gx;

		iommupt_gather_init(&g3);
		ck_assert_int_eq(iommupt_domain_unmap(d2, i1.root_oa, 0x1000,
				 IOMMUPT_UNMAP_SPLIT, &g3, &gx), 0);
		iommupt_gather_release(&g3);
		cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_S12_VMALL |
		     (uint64_t)VMID << 32, 0);
		SYNC();
		ck_assert_uint_eq(dma(&t, 0x40012345, false).fault,
				  IOMMUSIM_SMMU_EV_F_TRANSLATION);
		ck_assert_uint_eq(evt_pop(&t, ev),
				  IOMMUSIM_SMMU_EV_F_TRANSLATION);
		ck_assert(ev[1] & IOMMUSIM_SMMU_EVT1_S2);
		ck_assert_uint_eq((ev[1] >> 40) & 3, 1);
		ck_assert_uint_eq(ev[3], i1.root_oa & ~0xfffull);
	}
	/* stage 1 tables outside stage 2: the walk faults at stage 2 (TT) */
	{
		uint64_t gx;

		ck_assert_int_eq(iommupt_domain_unmap(d2, 0, 1ull << 32, 0,
						      NULL, &gx), 0);
		cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_S12_VMALL |
		     (uint64_t)VMID << 32, 0);
		cmd1(&t, IOMMUSIM_SMMU_CMD_CFGI_CD_ALL | (uint64_t)SID << 32, 0);
		SYNC();
		ck_assert_uint_eq(dma(&t, 0x40012345, false).fault,
				  IOMMUSIM_SMMU_EV_F_TRANSLATION);
		ck_assert_uint_eq(evt_pop(&t, ev),
				  IOMMUSIM_SMMU_EV_F_TRANSLATION);
		ck_assert(ev[1] & IOMMUSIM_SMMU_EVT1_S2);
		ck_assert_uint_eq((ev[1] >> 40) & 3, 0); /* CD fetch */
	}
	ck_assert_uint_eq(ustats(&t).stale, 0);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	st_fini(&t);
}

START_TEST(test_nested_every_granule)
{
	static const unsigned int g[] = { 12, 14, 16 };

	for (unsigned int i = 0; i < 3; i++)
		for (unsigned int j = 0; j < 3; j++)
			nested(g[i], g[j]);
}
END_TEST

/* HTTU: access flag and DBM dirty state, stage 1 and stage 2. */
START_TEST(test_httu)
{
	uint64_t root, l3, s2root, s2l2, s2l3;
	struct st t;

	st_init(&t, NULL, 0);
	l3 = s1_tables(&t, &root);
	w64(&t, l3 + 8, 0x80000000ull | 3 | 1ull << 6);             /* AF 0 */
	w64(&t, l3 + 16, 0x80001000ull | PG_S1 | 1ull << 7 | 1ull << 51);
	cd_set(&t, t.cdtab, cd_d0(39, 12, false) | IOMMUSIM_SMMU_CD_HA |
	       IOMMUSIM_SMMU_CD_HD, root, 0);
	ste_set(&t, SID, ste_s1(t.cdtab, 0, 0), 0, 0, 0);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault, 0);
	ck_assert(r64(&t, l3 + 8) & (1ull << 10));
	ck_assert_uint_eq(dma(&t, 0x2000, false).fault, 0);
	ck_assert(r64(&t, l3 + 16) & (1ull << 7));    /* still clean */
	ck_assert_uint_eq(dma(&t, 0x2000, true).fault, 0); /* TLB clean: walk */
	ck_assert(!(r64(&t, l3 + 16) & (1ull << 7))); /* dirty */
	ck_assert_uint_eq(ustats(&t).ad_writes, 2);

	/* stage 2: S2HA / S2HD */
	s2root = page(&t);
	s2l2 = page(&t);
	s2l3 = page(&t);
	w64(&t, s2root, s2l2 | 3);
	w64(&t, s2l2, s2l3 | 3);
	w64(&t, s2l3 + 8, 0x70000000ull | 3 | 1ull << 6);           /* AF 0 */
	w64(&t, s2l3 + 16, 0x70001000ull | 3 | 1ull << 10 | 1ull << 6 |
	    1ull << 51);                                              /* DBM */
	ste_set(&t, SID + 1, IOMMUSIM_SMMU_STE_V |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2), 0,
		ste_s2w2(39, 12, 1) | IOMMUSIM_SMMU_STE_S2HA |
		IOMMUSIM_SMMU_STE_S2HD, s2root);
	ck_assert_uint_eq(dma_f(&t, SID + 1, -1, 0x1000, false, false).fault, 0);
	ck_assert(r64(&t, s2l3 + 8) & (1ull << 10));
	ck_assert_uint_eq(dma_f(&t, SID + 1, -1, 0x1000, true, false).fault,
			  IOMMUSIM_SMMU_EV_F_PERMISSION);
	ck_assert_uint_eq(dma_f(&t, SID + 1, -1, 0x2000, true, false).fault, 0);
	ck_assert(r64(&t, s2l3 + 16) & (1ull << 7));
	/* without S2HA: Access flag fault */
	w64(&t, s2l3 + 24, 0x70002000ull | 3 | 3ull << 6);
	ste_set(&t, SID + 2, IOMMUSIM_SMMU_STE_V |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2), 0,
		ste_s2w2(39, 12, 1), s2root);
	ck_assert_uint_eq(dma_f(&t, SID + 2, -1, 0x3000, false, false).fault,
			  IOMMUSIM_SMMU_EV_F_ACCESS);
	ck_assert_uint_eq(dma_f(&t, SID + 2, -1, 1ull << 39, false,
				false).fault, IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_uint_eq(ustats(&t).stale, 0);
	st_fini(&t);
}
END_TEST

/* ---- commands and the stale detector ------------------------------------ */

struct lib {
	struct iommupt_domain *dom;
	struct iommupt_domain_info info;
};

static void lib_s1(struct st *t, struct lib *l, unsigned int granule)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_ARM_S1,
		     .ias_lg2 = 48, .granule_lg2 = granule);

	l->info.sz = sizeof(l->info);
	l->dom = sim_domain(t->mem, &c, &l->info);
	sim_map(l->dom, 0x100000, 0x7000000, 0x10000,
		IOMMUPT_READ | IOMMUPT_WRITE);
	cd_set(t, t->cdtab, cd_d0(48, granule, false), l->info.root_oa, 0);
	ste_set(t, SID, ste_s1(t->cdtab, 0, 0), 0, VMID, 0);
}

static void lib_unmap(struct lib *l, uint64_t iova, uint64_t len)
{
	struct iommupt_gather g;
	uint64_t done;

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(l->dom, iova, len,
					      IOMMUPT_UNMAP_SPLIT, &g,
					      &done), 0);
	iommupt_gather_release(&g);
}

static int stale_calls;

static void on_stale(void *ctx, const struct iommusim_stale_report *r)
{
	(void)ctx;
	(void)r;
	stale_calls++;
}

START_TEST(test_stale_detector)
{
	struct iommusim_stale_report rep;
	struct lib l;
	struct st t;
	char buf[256];

	st_init(&t, NULL, 0);
	lib_s1(&t, &l, 12);
	iommusim_unit_set_stale_fn(t.u, on_stale, NULL);
	ck_assert_int_eq(iommusim_unit_last_stale(t.u, &rep), -ENOENT);
	ck_assert_uint_eq(dma(&t, 0x101000, false).oa, 0x7001000);
	ck_assert(dma(&t, 0x101000, false).flags & IOMMUSIM_RES_IOTLB_HIT);
	/* unmap without TLBI: the cached translation is stale */
	lib_unmap(&l, 0x101000, 0x1000);
	ck_assert(dma(&t, 0x101000, false).flags & IOMMUSIM_RES_STALE);
	ck_assert_int_eq(iommusim_unit_last_stale(t.u, &rep), 0);
	ck_assert_uint_eq(rep.iova, 0x101000);
	ck_assert_uint_eq(rep.fresh.fault, IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_int_gt(iommusim_stale_format(&rep, buf, sizeof(buf)), 0);
	ck_assert_int_eq(stale_calls, 1);
	/* TLBI for another ASID does not help; the right one does */
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_VA | (uint64_t)VMID << 32 | (uint64_t)(ASID + 1) << 48,
	     0x101000);
	SYNC();
	ck_assert(dma(&t, 0x101000, false).flags & IOMMUSIM_RES_STALE);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_VA | (uint64_t)VMID << 32 | (uint64_t)ASID << 48,
	     0x101000 | 1);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x101000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_int_eq(stale_calls, 2);
	/* the rest of the range still translates from the TLB, not stale */
	ck_assert_uint_eq(dma(&t, 0x102000, false).oa, 0x7002000);
	ck_assert_uint_eq(dma(&t, 0x102000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	/* range TLBI (TG 4K, NUM 3: 4 pages) */
	dma(&t, 0x104000, false);
	lib_unmap(&l, 0x104000, 0x4000);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_VA | (uint64_t)VMID << 32 | (uint64_t)ASID << 48 |
	     3ull << 12, 0x104000 | 1ull << 10);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x107000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert_int_eq(stale_calls, 2);
	/* TLBI_NH_ASID and TLBI_NH_VAA */
	dma(&t, 0x108000, false);
	lib_unmap(&l, 0x108000, 0x1000);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_ASID | (uint64_t)VMID << 32 | (uint64_t)ASID << 48, 0);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x108000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	dma(&t, 0x109000, false);
	lib_unmap(&l, 0x109000, 0x1000);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_VAA | (uint64_t)VMID << 32,
	     0x109000);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x109000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	/* TLBI_NH_ALL */
	dma(&t, 0x10a000, false);
	lib_unmap(&l, 0x10a000, 0x1000);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NH_ALL | (uint64_t)VMID << 32, 0);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x10a000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	/* a changed CD without CFGI_CD is stale; with it, not */
	dma(&t, 0x10b000, false);
	cd_set(&t, t.cdtab, cd_d0(48, 12, false) & ~IOMMUSIM_SMMU_CD_V,
	       l.info.root_oa, 0);
	ck_assert(dma(&t, 0x10b000, false).flags & IOMMUSIM_RES_STALE);
	cmd1(&t, IOMMUSIM_SMMU_CMD_CFGI_CD | (uint64_t)SID << 32, 1);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_NSNH_ALL, 0);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x10b000, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_CD);
	/* a changed STE without CFGI_STE is stale; CFGI_ALL fixes it */
	cd_set(&t, t.cdtab, cd_d0(48, 12, false), l.info.root_oa, 0);
	cmd1(&t, IOMMUSIM_SMMU_CMD_CFGI_CD_ALL | (uint64_t)SID << 32, 0);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x10c000, false).fault, 0);
	ste_set(&t, SID, IOMMUSIM_SMMU_STE_V, 0, 0, 0);
	ck_assert(dma(&t, 0x10c000, false).flags & IOMMUSIM_RES_STALE);
	cmd1(&t, IOMMUSIM_SMMU_CMD_CFGI_STE_RANGE, 31);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x10c000, false).fault, IOMMUSIM_SMMU_ABORT);
	/* the detector can be turned off */
	iommusim_unit_set_stale_check(t.u, 0);
	ste_set(&t, SID, ste_s1(t.cdtab, 0, 0), 0, VMID, 0);
	ck_assert_uint_eq(dma(&t, 0x10c000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	iommupt_domain_destroy(l.dom);
	st_fini(&t);
}
END_TEST

/* Stage 2 invalidation: TLBI_S2_IPA and TLBI_S12_VMALL. */
START_TEST(test_stage2_invalidation)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, c, .format = IOMMUPT_FMT_ARM_S2,
		     .ias_lg2 = 40, .granule_lg2 = 16);
	struct iommupt_domain_info info = { .sz = sizeof(info) };
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t done;
	struct st t;

	st_init(&t, NULL, 0);
	dom = sim_domain(t.mem, &c, &info);
	sim_map(dom, 0x100000, 0x7000000, 0x40000,
		IOMMUPT_READ | IOMMUPT_WRITE);
	ste_set(&t, SID, IOMMUSIM_SMMU_STE_V |
		IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2), 0,
		ste_s2w2(40, 16, 4 - (int)info.levels), info.root_oa);
	ck_assert_uint_eq(dma(&t, 0x110000, true).oa, 0x7010000);
	ck_assert_uint_eq(dma(&t, 0x120000, true).oa, 0x7020000);
	ck_assert_uint_eq(dma_f(&t, SID, 0, 0x110000, false, false).fault,
			  IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x110000, 0x20000,
					      IOMMUPT_UNMAP_SPLIT, &g,
					      &done), 0);
	iommupt_gather_release(&g);
	ck_assert(dma(&t, 0x110000, false).flags & IOMMUSIM_RES_STALE);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_S2_IPA | (uint64_t)VMID << 32,
	     0x110000);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x110000, false).fault,
			  IOMMUSIM_SMMU_EV_F_TRANSLATION);
	ck_assert(dma(&t, 0x120000, false).flags & IOMMUSIM_RES_STALE);
	cmd1(&t, IOMMUSIM_SMMU_CMD_TLBI_S12_VMALL | (uint64_t)VMID << 32, 0);
	SYNC();
	ck_assert_uint_eq(dma(&t, 0x120000, false).flags &
			  IOMMUSIM_RES_STALE, 0);
	ck_assert_uint_eq(ustats(&t).stale, 2);
	iommupt_domain_destroy(dom);
	st_fini(&t);
}
END_TEST

START_TEST(test_cmd_sync_and_errors)
{
	uint64_t msi, c[4];
	uint32_t v = 0;
	struct st t;

	st_init(&t, NULL, 0);
	msi = page(&t);
	cmd1(&t, IOMMUSIM_SMMU_CMD_SYNC | 1ull << 12 | 0xabcdull << 32, msi);
	ck_assert_int_eq(iommusim_mem_read(t.mem, msi, &v, 4), 0);
	ck_assert_uint_eq(v, 0xabcd);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4),
			  rd(&t, IOMMUSIM_SMMU_CMDQ_PROD, 4));
	cmd1(&t, IOMMUSIM_SMMU_CMD_SYNC | 2ull << 12, 0); /* SEV */
	ck_assert_uint_eq(ustats(&t).queue_cmds, 2);
	/* an illegal command stops the queue until GERRORN acknowledges */
	c[0] = 0x7f;
	c[1] = 0;
	c[2] = IOMMUSIM_SMMU_CMD_SYNC | 1ull << 12 | 0x55ull << 32;
	c[3] = msi;
	cmds(&t, c, 2);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_GERROR, 4) & 1, 1);
	ck_assert_uint_eq((rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4) >> 24) & 0x7f,
			  IOMMUSIM_SMMU_CERROR_ILL);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4) & 0x1ff, 2);
	ck_assert_int_eq(iommusim_mem_read(t.mem, msi, &v, 4), 0);
	ck_assert_uint_eq(v, 0xabcd);
	wr(&t, IOMMUSIM_SMMU_CMDQ_PROD, 4, rd(&t, IOMMUSIM_SMMU_CMDQ_PROD, 4));
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4) & 0x1ff, 2);
	/* skip the bad command by replacing it, then acknowledge */
	w64(&t, t.cmdq + 32, IOMMUSIM_SMMU_CMD_TLBI_NSNH_ALL);
	wr(&t, IOMMUSIM_SMMU_GERRORN, 4, rd(&t, IOMMUSIM_SMMU_GERROR, 4));
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_GERRORN, 4), 1);
	ck_assert_int_eq(iommusim_mem_read(t.mem, msi, &v, 4), 0);
	ck_assert_uint_eq(v, 0x55);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4), 4);
	/* CS 3 is reserved; a sync writing beyond memory fails */
	cmd1(&t, IOMMUSIM_SMMU_CMD_SYNC | 3ull << 12, 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_GERROR, 4) & 1, 0);
	wr(&t, IOMMUSIM_SMMU_GERRORN, 4, 0);
	cmd1(&t, IOMMUSIM_SMMU_CMD_SYNC | 1ull << 12, 1ull << 51);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_GERROR, 4) & 1, 1);
	/* re-enabling restarts a stopped queue only after the ack */
	wr(&t, IOMMUSIM_SMMU_CR0, 4, 0);
	wr(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4, rd(&t, IOMMUSIM_SMMU_CMDQ_PROD, 4));
	wr(&t, IOMMUSIM_SMMU_GERRORN, 4, rd(&t, IOMMUSIM_SMMU_GERROR, 4));
	wr(&t, IOMMUSIM_SMMU_CR0, 4, CR0_ALL);
	SYNC();
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_CMDQ_CONS, 4),
			  rd(&t, IOMMUSIM_SMMU_CMDQ_PROD, 4));
	ck_assert_uint_gt(ustats(&t).queue_cycles, 0);
	st_fini(&t);
}
END_TEST

START_TEST(test_event_queue_overflow)
{
	struct st t;
	uint64_t ev[4];

	st_init(&t, NULL, 0);
	/* 128 records: the 129th is lost and OVFLG toggles */
	for (unsigned int i = 0; i < 130; i++)
		dma_f(&t, SID + 100, -1, i << 12, false, false);
	ck_assert_uint_eq(ustats(&t).fault_overflows, 2);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_SMMU_EVENTQ_PROD, 4) >> 31, 0);
	ck_assert_uint_eq(evt_pop(&t, ev), IOMMUSIM_SMMU_EV_C_BAD_STE);
	ck_assert_uint_eq(ev[0] >> 32, SID + 100);
	drain(&t);
	/* event queue disabled: faults are not recorded */
	wr(&t, IOMMUSIM_SMMU_CR0, 4, IOMMUSIM_SMMU_CR0_SMMUEN);
	dma_f(&t, SID + 100, -1, 0, false, false);
	ck_assert_uint_gt(ustats(&t).faults_suppressed, 0);
	st_fini(&t);
}
END_TEST

static uint64_t run_cycles(uint64_t seed)
{
	IOMMUPT_OPTS(iommusim_smmu_opts, o, .seed = seed,
		     .tlb = { .sets = 4, .ways = 2, .latency = 3,
			      .repl = IOMMUSIM_REPL_RANDOM });
	struct lib l;
	struct st t;
	uint64_t rng = 42, cyc = 0;

	st_init(&t, &o, 0);
	lib_s1(&t, &l, 14);
	for (unsigned int i = 0; i < 500; i++)
		cyc += dma(&t, 0x100000 + (test_rand(&rng) % 16) * 0x1000,
			   false).cycles;
	ck_assert_uint_eq(cyc, ustats(&t).cycles);
	iommupt_domain_destroy(l.dom);
	st_fini(&t);
	return cyc;
}

START_TEST(test_same_seed_same_cycles)
{
	uint64_t a = run_cycles(1), b = run_cycles(1);

	ck_assert_uint_eq(a, b);
	ck_assert_uint_gt(a, 0);
}
END_TEST

Suite *sim_smmu_suite(void);

Suite *sim_smmu_suite(void)
{
	Suite *s = suite_create("sim_smmu");
	TCase *regs = test_tcase("registers");
	TCase *xl = test_tcase("translation");
	TCase *cmd = test_tcase("commands");

	tcase_add_test(regs, test_regs_and_options);
	tcase_add_test(xl, test_library_tables_translate_identically);
	tcase_add_test(xl, test_ste_configs_and_events);
	tcase_add_test(xl, test_two_level_tables);
	tcase_add_test(xl, test_nested_every_granule);
	tcase_add_test(xl, test_httu);
	tcase_add_test(xl, test_same_seed_same_cycles);
	tcase_add_test(cmd, test_stale_detector);
	tcase_add_test(cmd, test_stage2_invalidation);
	tcase_add_test(cmd, test_cmd_sync_and_errors);
	tcase_add_test(cmd, test_event_queue_overflow);
	suite_add_tcase(s, regs);
	suite_add_tcase(s, xl);
	suite_add_tcase(s, cmd);
	return s;
}
