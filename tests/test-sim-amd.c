// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The AMD-Vi model: registers, device table entries, v1 walks (NextLevel
 * 7 sizes, level skipping) against hand-built and library-built tables,
 * guest v2 tables through GCR3, A/D updates, every event type, every
 * command, the caches, the stale-translation detector and determinism.
 */
#include <errno.h>
#include <string.h>

#include <iommupt/sim.h>
#include <iommupt/sim-amd.h>

#include "helpers.h"
#include "sim-access.h"
#include "sim-test-common.h"

#define PR 1ull
#define IR (1ull << 61)
#define IW (1ull << 62)
#define NL(n) ((uint64_t)(n) << 9)
#define DEV 0x0108 /* bus 1, device 1, function 0 */
#define DID 5
#define DEVTAB_LG2 14 /* 16 KiB: DeviceIDs 0..511 */

struct at {
	struct iommusim_mem *mem;
	struct iommusim_unit *u;
	const struct iommupt_mmio *mmio;
	uint64_t devtab, cmdbuf, evtlog;
};

#define CTRL_ALL (IOMMUSIM_AMD_CTRL_IOMMU_EN | IOMMUSIM_AMD_CTRL_EVTLOG_EN | \
		  IOMMUSIM_AMD_CTRL_CMDBUF_EN | IOMMUSIM_AMD_CTRL_GT_EN | \
		  IOMMUSIM_AMD_CTRL_EVTINT_EN | \
		  IOMMUSIM_AMD_CTRL_COMWAITINT_EN)

/* Device table, command buffer and event log set up, unit enabled. */
static void at_init(struct at *t, const struct iommusim_amd_opts *o,
		    unsigned int phys_bits)
{
	IOMMUPT_OPTS(iommusim_mem_opts, mo, .phys_bits = phys_bits);

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(iommusim_mem_create(&mo, &t->mem), 0);
	ck_assert_int_eq(iommusim_amd_create(o, t->mem, &t->u), 0);
	t->mmio = iommusim_unit_mmio(t->u);
	ck_assert_int_eq(iommusim_mem_alloc(t->mem, DEVTAB_LG2, &t->devtab), 0);
	t->cmdbuf = page(t);
	t->evtlog = page(t);
	wr(t, IOMMUSIM_AMD_DEVTAB, 8,
	   t->devtab | ((1u << (DEVTAB_LG2 - 12)) - 1));
	wr(t, IOMMUSIM_AMD_CMDBUF, 8, t->cmdbuf | IOMMUSIM_AMD_BUF_LEN(8));
	wr(t, IOMMUSIM_AMD_EVTLOG, 8, t->evtlog | IOMMUSIM_AMD_BUF_LEN(8));
	wr(t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
}

static void at_fini(struct at *t)
{
	iommusim_unit_destroy(t->u);
	iommusim_mem_destroy(t->mem);
}

static void dte_set(struct at *t, uint32_t devid, uint64_t q0, uint64_t q1,
		    uint64_t q2)
{
	uint64_t pa = t->devtab + 32ull * devid;

	w64(t, pa + 8, q1);
	w64(t, pa + 16, q2);
	w64(t, pa + 24, 0);
	w64(t, pa, q0);
}

static void dte_v1(struct at *t, uint32_t devid, uint64_t root,
		   unsigned int mode, uint32_t did, unsigned int had)
{
	dte_set(t, devid, root | IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
		IOMMUSIM_AMD_DTE_MODE(mode) | IOMMUSIM_AMD_DTE_HAD(had) |
		IOMMUSIM_AMD_DTE_IR | IOMMUSIM_AMD_DTE_IW, did, 0);
}

/* A GCR3 table with one entry (GLX 0) and a DTE for guest translation. */
static uint64_t dte_v2(struct at *t, uint32_t devid, uint32_t pasid,
		       uint64_t cr3, unsigned int levels, uint32_t did,
		       bool giov)
{
	uint64_t gcr3 = page(t), q0, q1;

	w64(t, gcr3 + 8 * pasid, cr3 | 1);
	q0 = IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV | IOMMUSIM_AMD_DTE_GV |
	     IOMMUSIM_AMD_DTE_IR | IOMMUSIM_AMD_DTE_IW |
	     (giov ? IOMMUSIM_AMD_DTE_GIOV : 0) |
	     ((gcr3 >> 12) & 7) << 58;
	q1 = did | ((gcr3 >> 15) & 0xffff) << 16 | (gcr3 >> 31) << 43;
	dte_set(t, devid, q0, q1, IOMMUSIM_AMD_DTE_GPM(levels - 4));
	return gcr3;
}

/* Append commands (lo, hi pairs) at the tail and ring it. */
static void cmd_submit(struct at *t, const uint64_t *c, unsigned int n)
{
	uint64_t tail = rd(t, IOMMUSIM_AMD_CMD_TAIL, 8);

	for (unsigned int i = 0; i < n; i++) {
		w64(t, t->cmdbuf + tail, c[2 * i]);
		w64(t, t->cmdbuf + tail + 8, c[2 * i + 1]);
		tail = (tail + 16) % 4096;
	}
	wr(t, IOMMUSIM_AMD_CMD_TAIL, 8, tail);
}

#define OP(o) ((uint64_t)(o) << 60)
#define CMD_CW(s, i, addr) (OP(1) | (addr) | ((s) ? 1 : 0) | ((i) ? 2 : 0))
#define CMD_INV_DTE(devid) (OP(2) | (devid))
#define CMD_INV_PAGES(did, pasid) (OP(3) | (uint64_t)(did) << 32 | (pasid))
#define CMD_INV_PAGES_HI(addr, s, pde, gn) ((addr) | ((s) ? 1 : 0) | \
	((pde) ? 2 : 0) | ((gn) ? 4 : 0))
#define CMD_INV_ALL OP(8)

/* INVALIDATE_IOMMU_PAGES for the smallest aligned range holding [s, l]. */
static void inv_range(struct at *t, uint32_t did, uint64_t s, uint64_t l,
		      bool gn, uint32_t pasid)
{
	unsigned int lg2 = 12;
	uint64_t c[2];

	while (lg2 < 64 && (s >> lg2) != (l >> lg2))
		lg2++;
	c[0] = CMD_INV_PAGES(did, pasid);
	if (lg2 == 12)
		c[1] = CMD_INV_PAGES_HI(s & ~0xfffull, 0, 1, gn);
	else if (lg2 == 64)
		c[1] = CMD_INV_PAGES_HI(0x7ffffffffffff000ull, 1, 1, gn);
	else
		c[1] = CMD_INV_PAGES_HI((s & ~((1ull << lg2) - 1)) |
					(((1ull << (lg2 - 1)) - 1) & ~0xfffull),
					1, 1, gn);
	cmd_submit(t, c, 1);
}

/* The next event in the log, or false; the head moves past it. */
static bool next_event(struct at *t, uint64_t ev[2])
{
	uint64_t head = rd(t, IOMMUSIM_AMD_EVT_HEAD, 8);

	if (head == rd(t, IOMMUSIM_AMD_EVT_TAIL, 8))
		return false;
	ev[0] = r64(t, t->evtlog + head);
	ev[1] = r64(t, t->evtlog + head + 8);
	wr(t, IOMMUSIM_AMD_EVT_HEAD, 8, (head + 16) % 4096);
	return true;
}

static void drain_events(struct at *t)
{
	wr(t, IOMMUSIM_AMD_EVT_HEAD, 8, rd(t, IOMMUSIM_AMD_EVT_TAIL, 8));
}

#define EV_CODE(ev) ((unsigned int)((ev)[0] >> 60))
#define EV_FLAGS(ev) ((unsigned int)(((ev)[0] >> 48) & 0xfff))
#define EV_DEV(ev) ((unsigned int)((ev)[0] & 0xffff))
#define EV_TAG(ev) ((unsigned int)(((ev)[0] >> 32) & 0xffff) | \
		    (unsigned int)(((ev)[0] >> 16) & 0xf) << 16)

static struct iommusim_dma_result dma_full(struct at *t, uint32_t devid,
					   int pasid, uint64_t iova,
					   bool write, bool priv)
{
	return sim_dma8(t->u, devid, pasid, iova, write, priv);
}

static struct iommusim_dma_result dma(struct at *t, uint64_t iova, bool write)
{
	return dma_full(t, DEV, -1, iova, write, false);
}

#define ustats(t) sim_ustats((t)->u)
#define cstats(t, kind, level) sim_cstats((t)->u, (kind), (level))

/* ---- registers ---- */

START_TEST(test_regs_and_options)
{
	IOMMUPT_OPTS(iommusim_amd_opts, o);
	IOMMUPT_OPTS(iommusim_mem_opts, mo);
	IOMMUPT_OPTS(iommusim_cache_stats, cs);
	struct iommusim_unit *u;
	struct at t;
	uint64_t v;

	at_init(&t, NULL, 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EFR, 8),
			  iommusim_amd_default_efr());
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EFR + 4, 4),
			  iommusim_amd_default_efr() >> 32);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_DEVTAB, 8), t.devtab | 3);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_CONTROL, 8), CTRL_ALL);
	v = rd(&t, IOMMUSIM_AMD_STATUS, 8);
	ck_assert(v & IOMMUSIM_AMD_STS_EVTLOG_RUN);
	ck_assert(v & IOMMUSIM_AMD_STS_CMDBUF_RUN);
	/* EFR is read-only; writes in halves merge; reserved space is 0 */
	wr(&t, IOMMUSIM_AMD_EFR, 8, 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EFR, 8),
			  iommusim_amd_default_efr());
	wr(&t, IOMMUSIM_AMD_EXCL_BASE, 4, 0x12345003);
	wr(&t, IOMMUSIM_AMD_EXCL_BASE + 4, 4, 0x1);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EXCL_BASE, 8), 0x112345003ull);
	wr(&t, IOMMUSIM_AMD_EXCL_LIMIT, 8, 0x5000);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EXCL_LIMIT, 8), 0x5fff);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EXCL_BASE + 1, 1), 0x50);
	ck_assert_uint_eq(rd(&t, 0x1000, 8), 0);
	wr(&t, 0x1000, 8, 5);
	/* the buffers cannot move while enabled */
	wr(&t, IOMMUSIM_AMD_CMDBUF, 8, 0);
	wr(&t, IOMMUSIM_AMD_EVTLOG, 8, 0);
	wr(&t, IOMMUSIM_AMD_CMD_HEAD, 8, 0x40);
	wr(&t, IOMMUSIM_AMD_EVT_TAIL, 8, 0x40);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_CMDBUF, 8),
			  t.cmdbuf | IOMMUSIM_AMD_BUF_LEN(8));
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EVTLOG, 8),
			  t.evtlog | IOMMUSIM_AMD_BUF_LEN(8));
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_CMD_HEAD, 8), 0);
	ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_EVT_TAIL, 8), 0);
	/* bad accesses */
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 4, 8, &v), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, 0, 8, NULL), -EINVAL);
	ck_assert_int_eq(t.mmio->read(t.mmio->ctx, IOMMUSIM_AMD_REG_SIZE, 8,
				      &v), -ERANGE);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, 2, 4, 0), -EINVAL);
	ck_assert_int_eq(t.mmio->write(t.mmio->ctx, IOMMUSIM_AMD_REG_SIZE, 4,
				       0), -ERANGE);
	ck_assert_uint_gt(ustats(&t).reg_cycles, 10);
	/* caches the unit has, and one it lacks */
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).capacity, 2048);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).capacity, 64);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 5).capacity, 4);
	ck_assert_int_eq(iommusim_unit_cache_stats(t.u, IOMMUSIM_CACHE_PWC, 6,
						   &cs), -EINVAL);
	ck_assert_int_eq(iommusim_unit_cache_stats(t.u, IOMMUSIM_CACHE_PASID,
						   0, &cs), -EINVAL);
	at_fini(&t);

	/* options */
	ck_assert_int_eq(iommusim_mem_create(&mo, &t.mem), 0);
	ck_assert_int_eq(iommusim_amd_create(NULL, t.mem, NULL), -EINVAL);
	ck_assert_int_eq(iommusim_amd_create(NULL, NULL, &u), -EINVAL);
	o.flags = 2;
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), -EINVAL);
	o.flags = 0;
	o.haw = 60;
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), -EINVAL);
	o.haw = 0;
	o.efr = IOMMUSIM_AMD_EFR_HATS(3);
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), -EINVAL);
	o.efr = 1ull << 1; /* PPRSup */
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), -EOPNOTSUPP);
	o.efr = 0;
	o.iotlb.repl = 9;
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), -EINVAL);
	o.iotlb.repl = 0;
	o.flags = IOMMUSIM_AMD_NO_STALE_CHECK;
	ck_assert_int_eq(iommusim_amd_create(&o, t.mem, &u), 0);
	iommusim_unit_destroy(u);
	iommusim_unit_destroy(NULL);
	iommusim_mem_destroy(t.mem);
}
END_TEST

/* IommuEn clear, DTE V = 0, Mode 0 with IR/IW, TV = 0. */
START_TEST(test_untranslated_paths)
{
	struct iommusim_dma_result r;
	uint64_t ev[2];
	struct at t;

	at_init(&t, NULL, 0);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL & ~IOMMUSIM_AMD_CTRL_IOMMU_EN);
	r = dma(&t, 0x1234, true);
	ck_assert_uint_eq(r.oa, 0x1234);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
	/* V = 0: untranslated, no event */
	r = dma(&t, 0x5678, true);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x5678);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	/* Mode 0: untranslated under IR/IW */
	dte_set(&t, DEV, IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
		IOMMUSIM_AMD_DTE_IR, DID, 0);
	wr(&t, IOMMUSIM_AMD_CMD_TAIL, 8, 0); /* nothing queued */
	{
		uint64_t c[] = { CMD_INV_DTE(DEV), 0 };

		cmd_submit(&t, c, 1);
	}
	r = dma(&t, 0x9000, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x9000);
	r = dma(&t, 0x9000, true);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(r.flags & IOMMUSIM_RES_RECORDED);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_PE |
			  IOMMUSIM_AMD_EVF_PR | IOMMUSIM_AMD_EVF_RW);
	ck_assert_uint_eq(EV_DEV(ev), DEV);
	ck_assert_uint_eq(EV_TAG(ev), DID);
	ck_assert_uint_eq(ev[1], 0x9000);
	/* TV = 0: no translation information, untranslated */
	dte_set(&t, DEV + 1, IOMMUSIM_AMD_DTE_V, 0, 0);
	r = dma_full(&t, DEV + 1, -1, 0x9000, true, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert_uint_eq(r.oa, 0x9000);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	ck_assert(!next_event(&t, ev));
	at_fini(&t);
}
END_TEST

/* ---- hand-built v1 tables ---- */

/*
 * Mode 3. Level 3 root: item 0 -> L2 table; item 1: 1G page at 1G -> 4G.
 * L2: item 0 -> L1; item 1: 2M page -> 0x40000000; items 2-3: NL7 4M page
 * at 4M -> 0x80800000.
 * L1: item 1 RO 4K; item 2 RW; items 8-15: NL7 32K page at 0x8000 ->
 * 0x98000; item 16 write-only.
 */
struct hand {
	uint64_t l3, l2, l1;
};

static void hand_build(struct at *t, struct hand *h)
{
	h->l3 = page(t);
	h->l2 = page(t);
	h->l1 = page(t);
	w64(t, h->l3, h->l2 | NL(2) | IR | IW | PR);
	w64(t, h->l3 + 8, 0x100000000ull | IR | IW | PR);
	w64(t, h->l2, h->l1 | NL(1) | IR | IW | PR);
	w64(t, h->l2 + 8, 0x40000000ull | IR | IW | PR);
	for (int i = 2; i < 4; i++) /* 4M: address bits 20:12 ones, 21 zero */
		w64(t, h->l2 + 8 * i, 0x80800000ull | 0x1ff000ull | NL(7) |
		    IR | IW | PR);
	w64(t, h->l1 + 8, 0x80001000ull | IR | PR);
	w64(t, h->l1 + 16, 0x80002000ull | IR | IW | PR);
	for (int i = 8; i < 16; i++) /* 32K: bits 13:12 ones, 14 zero */
		w64(t, h->l1 + 8 * i, 0x98000ull | 0x3000ull | NL(7) | IR |
		    IW | PR);
	w64(t, h->l1 + 8 * 16, 0x80010000ull | IW | PR);
}

START_TEST(test_hand_built_v1_tables)
{
	struct iommusim_dma_result r;
	struct hand h;
	uint64_t ev[2], l4, l1b;
	struct at t;

	at_init(&t, NULL, 0);
	hand_build(&t, &h);
	dte_v1(&t, DEV, h.l3, 3, DID, 0);
	ck_assert_uint_eq(dma(&t, 0x1008, false).oa, 0x80001008);
	r = dma(&t, 0x2010, true);
	ck_assert_uint_eq(r.oa, 0x80002010);
	ck_assert_uint_eq(r.page_lg2, 12);
	ck_assert_uint_eq(r.did, DID);
	r = dma(&t, 0xd123, false);
	ck_assert_uint_eq(r.oa, 0x9d123);
	ck_assert_uint_eq(r.page_lg2, 15);
	r = dma(&t, 0x2fffff, false);
	ck_assert_uint_eq(r.oa, 0x400fffff);
	ck_assert_uint_eq(r.page_lg2, 21);
	r = dma(&t, 0x654320, true);
	ck_assert_uint_eq(r.oa, 0x80a54320);
	ck_assert_uint_eq(r.page_lg2, 22);
	r = dma(&t, 0x40000008, false);
	ck_assert_uint_eq(r.oa, 0x100000008);
	ck_assert_uint_eq(r.page_lg2, 30);
	/* a second touch of each hits the IOTLB, NextLevel 7 sizes too */
	r = dma(&t, 0xc000, false);
	ck_assert(r.flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert_uint_eq(r.oa, 0x9c000);
	ck_assert(dma(&t, 0x500000, true).flags & IOMMUSIM_RES_IOTLB_HIT);
	/* permissions */
	ck_assert_uint_eq(dma(&t, 0x1000, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma(&t, 0x1000, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT); /* cached denial */
	ck_assert_uint_eq(dma(&t, 0x10000, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma(&t, 0x10000, true).oa, 0x80010000);
	/* not present, beyond Mode's reach */
	ck_assert_uint_eq(dma(&t, 0x3000, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma(&t, 1ull << 39, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	for (int i = 0; i < 2; i++) {
		ck_assert(next_event(&t, ev));
		ck_assert_uint_eq(EV_FLAGS(ev) & IOMMUSIM_AMD_EVF_PE,
				  IOMMUSIM_AMD_EVF_PE);
	}
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_PE |
			  IOMMUSIM_AMD_EVF_PR);
	ck_assert_uint_eq(ev[1], 0x10000);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), 0);
	ck_assert_uint_eq(ev[1], 0x3000);
	ck_assert(next_event(&t, ev));
	ck_assert(!next_event(&t, ev));

	/* reserved bits, upward NextLevel, bad NL7 size, 512G: RZ */
	w64(&t, h.l1 + 8 * 20, 0x80020000ull | 1ull << 55 | IR | PR);
	w64(&t, h.l1 + 8 * 21, 0x80020000ull | NL(3) | IR | PR);
	w64(&t, h.l1 + 8 * 22, 0x801ff000ull | NL(7) | IR | PR); /* 2M */
	w64(&t, h.l2 + 8 * 10, 0x80200000ull | 0x1000 | IR | PR); /* low bit */
	for (uint64_t a = 0x14000; a <= 0x16000; a += 0x1000) {
		ck_assert_uint_eq(dma(&t, a, false).fault,
				  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
		ck_assert(next_event(&t, ev));
		ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_RZ |
				  IOMMUSIM_AMD_EVF_PR);
	}
	ck_assert_uint_eq(dma(&t, 10ull << 21, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_RZ |
			  IOMMUSIM_AMD_EVF_PR);

	/*
	 * Mode 4 root whose item 0 skips level 3 (NextLevel 2 -> h.l2):
	 * IOVAs whose bits 38:30 are zero translate, others fault; item 1
	 * is a 512G page, which the unit does not have.
	 */
	l4 = page(&t);
	w64(&t, l4, h.l2 | NL(2) | IR | IW | PR);
	w64(&t, l4 + 8, 0x8000000000ull | IR | IW | PR);
	dte_v1(&t, DEV + 1, l4, 4, DID + 1, 0);
	r = dma_full(&t, DEV + 1, -1, 0x2008, false, false);
	ck_assert_uint_eq(r.oa, 0x80002008);
	r = dma_full(&t, DEV + 1, -1, 0x200008, false, false);
	ck_assert_uint_eq(r.oa, 0x40000008);
	r = dma_full(&t, DEV + 1, -1, 0x40002008, false, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_PR);
	ck_assert_uint_eq(EV_TAG(ev), DID + 1);
	r = dma_full(&t, DEV + 1, -1, 1ull << 39, false, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_RZ |
			  IOMMUSIM_AMD_EVF_PR);
	/* Mode 3 straight to a level-1 table (skipping level 2) */
	l1b = page(&t);
	w64(&t, l1b + 8 * 5, 0x77000ull | IR | PR);
	w64(&t, h.l3 + 16, l1b | NL(1) | IR | IW | PR);
	ck_assert_uint_eq(dma(&t, (2ull << 30) + 0x5000, false).oa, 0x77000);
	ck_assert_uint_eq(dma(&t, (2ull << 30) + 0x205000, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	drain_events(&t);
	at_fini(&t);
}
END_TEST

/* Cycles: a cold walk, then an IOTLB hit; the PDC shortens the next walk. */
START_TEST(test_walk_cycles_and_caches)
{
	struct iommusim_dma_result r1, r2, r3;
	struct hand h;
	struct at t;

	at_init(&t, NULL, 0);
	hand_build(&t, &h);
	dte_v1(&t, DEV, h.l3, 3, DID, 0);
	r1 = dma(&t, 0x1000, false);
	/* link 8 + DTE cache 3 + DTE read 100 + IOTLB 3 + PDC levels 1, 2
	 * (4 each) + three table reads + link 8 */
	ck_assert_uint_eq(r1.cycles, 8 + 3 + 100 + 3 + 8 + 300 + 8);
	r2 = dma(&t, 0x1000, false);
	ck_assert(r2.flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert(r2.flags & IOMMUSIM_RES_CTX_HIT);
	ck_assert_uint_eq(r2.cycles, 8 + 3 + 3 + 8);
	r3 = dma(&t, 0x2000, false);
	ck_assert_uint_eq(r3.cycles, 8 + 3 + 3 + 4 + 100 + 8);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).hits, 1);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).hits, 2);
	ck_assert_uint_eq(ustats(&t).walk_reads, 3 + 1 + 1);
	ck_assert_uint_eq(ustats(&t).cycles, r1.cycles + r2.cycles +
			  r3.cycles);
	at_fini(&t);
}
END_TEST


/* ---- library-built tables ---- */

struct probe {
	uint64_t iova, len;
};

static unsigned int in_bits(const struct iommupt_domain_info *info)
{
	unsigned int ias = info->ias_lg2 > 63 ? 63 : info->ias_lg2;

	return info->va_layout == IOMMUPT_VA_SIGNEXT ? ias - 1 : ias;
}

/*
 * Map a mix of page sizes (every size the domain has, NextLevel 7 ones
 * included, up to 2^31) at random places below 2^ibits; returns how many
 * ranges were mapped.
 */
static unsigned int map_mix(struct iommupt_domain *dom,
			    const struct iommupt_domain_info *info,
			    unsigned int ibits, uint64_t *rng,
			    struct probe *pr, unsigned int n)
{
	bool signext = info->va_layout == IOMMUPT_VA_SIGNEXT;
	unsigned int oas = info->oas_lg2 > 46 ? 46 : info->oas_lg2, got = 0;
	unsigned int sizes[64], nsz = 0;
	struct iommupt_gather g;

	for (unsigned int lg2 = 12; lg2 <= 31 && lg2 + 2 <= ibits; lg2++)
		if (info->pgsize_bitmap >> lg2 & 1)
			sizes[nsz++] = lg2;
	ck_assert_uint_gt(nsz, 0);
	iommupt_gather_init(&g);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int lg2 = sizes[test_rand(rng) % nsz];
		uint64_t len = (1ull << lg2) * (1 + test_rand(rng) % 3);
		uint64_t iova, oa;

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

static bool canonical(uint64_t iova, unsigned int levels)
{
	uint64_t top = (uint64_t)((int64_t)iova >> (12 + 9 * levels - 1));

	return top == 0 || top == UINT64_MAX;
}

/* Translations by pages of a size no level has naturally (NextLevel 7). */
static unsigned int odd_sizes;

/* Every IOVA probed translates identically in the library and the model. */
static void compare(struct at *t, struct iommupt_domain *dom,
		    const struct iommupt_domain_info *info, unsigned int ibits,
		    int pasid, bool guest, uint64_t *rng,
		    const struct probe *pr, unsigned int n)
{
	bool signext = info->va_layout == IOMMUPT_VA_SIGNEXT;

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
		r = dma_full(t, DEV, pasid, iova, write, false);
		if (guest && !canonical(iova, info->levels)) {
			ck_assert_uint_eq(r.fault,
					  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
			continue;
		}
		if (rc) {
			ck_assert_msg(r.fault == IOMMUSIM_AMD_EV_IO_PAGE_FAULT,
				      "iova %llx rc %d fault %x",
				      (unsigned long long)iova, rc, r.fault);
			continue;
		}
		if (write && !(prot & IOMMUPT_WRITE)) {
			ck_assert_uint_eq(r.fault,
					  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
			continue;
		}
		ck_assert_msg(r.fault == 0, "iova %llx fault %x",
			      (unsigned long long)iova, r.fault);
		ck_assert_uint_eq(r.oa, oa);
		ck_assert_uint_eq(r.page_lg2, lg2);
		odd_sizes += (lg2 - 12) % 9 != 0;
	}
	ck_assert_uint_eq(ustats(t).stale, 0);
	drain_events(t);
}

/* grow_fn: point the DTE at the new root and flush the DTE cache. */
struct grow {
	struct at *t;
	bool live;
	unsigned int calls, levels;
	uint64_t root;
};

static void on_grow(void *ctx, uint64_t root_oa, unsigned int levels)
{
	struct grow *gr = ctx;
	uint64_t c[2] = { CMD_INV_DTE(DEV), 0 };

	gr->calls++;
	gr->root = root_oa;
	gr->levels = levels;
	if (!gr->live)
		return;
	dte_v1(gr->t, DEV, root_oa, levels, DID, 0);
	cmd_submit(gr->t, c, 1);
}

/* Every AMD v1 configuration, grown ones included, through a v1 DTE. */
START_TEST(test_library_v1_tables_translate_identically)
{
	unsigned int done = 0;

	for (unsigned int c = 0; c < test_ncfgs; c++) {
		struct iommupt_domain_cfg cfg = test_cfgs[c].cfg;
		IOMMUPT_OPTS(iommupt_domain_info, info);
		struct iommupt_domain *dom;
		struct probe pr[40];
		uint64_t rng = 4321 + c;
		struct grow gr = { 0 };
		unsigned int n, ibits;
		struct at t;

		if (cfg.format != IOMMUPT_FMT_AMD_V1)
			continue;
		at_init(&t, NULL, 0);
		gr.t = &t;
		if (cfg.flags & IOMMUPT_CFG_AMD_GROW) {
			cfg.grow_fn = on_grow;
			cfg.grow_ctx = &gr;
		}
		ck_assert_int_eq(iommupt_domain_create(&cfg,
				 iommusim_mem_provider(t.mem), &dom), 0);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		dte_v1(&t, DEV, info.root_oa, info.levels, DID, 0);
		gr.live = true;
		ibits = in_bits(&info);
		if (cfg.flags & IOMMUPT_CFG_AMD_GROW) {
			struct iommupt_gather g;

			/* live growth: a low map, a DMA, then higher maps */
			iommupt_gather_init(&g);
			ck_assert_int_eq(iommupt_domain_map(dom, 0x3000,
					 0x5000000, 0x1000, IOMMUPT_READ,
					 &g), 0);
			iommupt_gather_release(&g);
			ck_assert_uint_eq(dma(&t, 0x3008, false).oa,
					  0x5000008);
			ck_assert_uint_eq(gr.calls, 0);
		}
		n = map_mix(dom, &info, ibits, &rng, pr, 40);
		/* a 1-level domain spans 2M: collisions are common there */
		ck_assert_msg(n > (ibits > 24 ? 10u : 4u), "%s: %u maps",
			      test_cfgs[c].name, n);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		if (cfg.flags & IOMMUPT_CFG_AMD_GROW) {
			ck_assert_uint_gt(gr.calls, 0);
			ck_assert_uint_eq(gr.levels, info.levels);
			ck_assert_uint_eq(info.levels, 6);
			ck_assert_uint_eq(dma(&t, 0x3008, false).oa,
					  0x5000008);
		}
		odd_sizes = 0;
		compare(&t, dom, &info, ibits, -1, false, &rng, pr, n);
		ck_assert_msg(odd_sizes > 0, "%s: no NextLevel 7 page probed",
			      test_cfgs[c].name);
		iommupt_domain_destroy(dom);
		at_fini(&t);
		done++;
	}
	ck_assert_uint_ge(done, 7);
}
END_TEST

/* x86-64 tables as AMD v2 guest tables through GCR3. */
START_TEST(test_library_v2_tables_translate_identically)
{
	unsigned int done = 0;

	for (unsigned int c = 0; c < test_ncfgs; c++) {
		const struct iommupt_domain_cfg *cfg = &test_cfgs[c].cfg;
		IOMMUPT_OPTS(iommupt_domain_info, info);
		struct iommupt_domain *dom;
		struct probe pr[40];
		uint64_t rng = 99 + c;
		unsigned int n, ibits;
		bool giov = c & 1;
		struct at t;

		if (cfg->format != IOMMUPT_FMT_X86_64)
			continue;
		at_init(&t, NULL, 0);
		ck_assert_int_eq(iommupt_domain_create(cfg,
				 iommusim_mem_provider(t.mem), &dom), 0);
		ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
		ibits = in_bits(&info);
		n = map_mix(dom, &info, ibits, &rng, pr, 40);
		ck_assert_uint_gt(n, 10);
		/* with GIoV requests without PASID use GCR3 entry 0 */
		dte_v2(&t, DEV, giov ? 0 : 5, info.root_oa, info.levels, DID,
		       giov);
		compare(&t, dom, &info, ibits, giov ? -1 : 5, true, &rng, pr,
			n);
		iommupt_domain_destroy(dom);
		at_fini(&t);
		done++;
	}
	ck_assert_uint_ge(done, 3);
}
END_TEST

/* ---- A/D and guest permissions ---- */

START_TEST(test_host_ad_updates)
{
	struct hand h;
	struct at t;
	uint64_t a5 = 1ull << 5, d6 = 1ull << 6;

	at_init(&t, NULL, 0);
	hand_build(&t, &h);
	/* HAD 11b: A along the walk, D on writes */
	dte_v1(&t, DEV, h.l3, 3, DID, 3);
	ck_assert_uint_eq(dma(&t, 0x2000, false).fault, 0);
	ck_assert(r64(&t, h.l3) & a5);
	ck_assert(r64(&t, h.l2) & a5);
	ck_assert(r64(&t, h.l1 + 16) & a5);
	ck_assert(!(r64(&t, h.l1 + 16) & d6));
	/* the IOTLB holds it clean: a write walks again and sets D */
	ck_assert(!(dma(&t, 0x2000, true).flags & IOMMUSIM_RES_IOTLB_HIT));
	ck_assert(r64(&t, h.l1 + 16) & d6);
	ck_assert(dma(&t, 0x2000, true).flags & IOMMUSIM_RES_IOTLB_HIT);
	ck_assert_uint_eq(ustats(&t).ad_writes, 4);
	/* HAD 01b: A only */
	dte_v1(&t, DEV + 1, h.l3, 3, DID + 1, 1);
	ck_assert_uint_eq(dma_full(&t, DEV + 1, -1, 0x8000, true,
				   false).fault, 0);
	ck_assert(r64(&t, h.l1 + 64) & a5);
	ck_assert(!(r64(&t, h.l1 + 64) & d6));
	/* HAD 00b: nothing */
	dte_v1(&t, DEV + 2, h.l3, 3, DID + 2, 0);
	ck_assert_uint_eq(dma_full(&t, DEV + 2, -1, 0x10000, true,
				   false).fault, 0);
	ck_assert_uint_eq(r64(&t, h.l1 + 128), 0x80010000ull | IW | PR);
	at_fini(&t);
}
END_TEST

#define X_P 1ull
#define X_RW 2ull
#define X_US 4ull
#define X_PS (1ull << 7)

START_TEST(test_guest_tables_permissions_and_ad)
{
	struct iommusim_dma_result r;
	uint64_t pml4, pdpt, pd, pt, gcr3, l2, ev[2];
	struct at t;

	at_init(&t, NULL, 0);
	pml4 = page(&t);
	pdpt = page(&t);
	pd = page(&t);
	pt = page(&t);
	w64(&t, pml4, pdpt | X_P | X_RW | X_US);
	w64(&t, pdpt, pd | X_P | X_RW | X_US);
	w64(&t, pdpt + 8, 0x40000000ull | X_PS | X_P | X_RW | X_US);
	w64(&t, pd, pt | X_P | X_RW | X_US);
	w64(&t, pt + 8, 0x81000ull | X_P | X_US);        /* read-only */
	w64(&t, pt + 16, 0x82000ull | X_P | X_RW);       /* supervisor */
	w64(&t, pt + 24, 0x83000ull | X_P | X_RW | X_US);
	w64(&t, pd + 8, 0x200000ull | 1ull << 13 | X_PS | X_P); /* rsvd */
	dte_v2(&t, DEV, 3, pml4, 4, DID, false);
	r = dma_full(&t, DEV, 3, 0x3000, true, false);
	ck_assert_uint_eq(r.oa, 0x83000);
	ck_assert_uint_eq(r64(&t, pt + 24) & 0x60, 0x60); /* A and D */
	ck_assert(r64(&t, pml4) & 0x20);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x40001000, false, false).oa,
			  0x40001000);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x40001000, false,
				   false).page_lg2, 30);
	/* a write to a read-only page; a user access to a supervisor page */
	r = dma_full(&t, DEV, 3, 0x1000, true, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_FLAGS(ev), IOMMUSIM_AMD_EVF_GN |
			  IOMMUSIM_AMD_EVF_US | IOMMUSIM_AMD_EVF_PR |
			  IOMMUSIM_AMD_EVF_PE | IOMMUSIM_AMD_EVF_RW);
	ck_assert_uint_eq(EV_TAG(ev), 3);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x2000, false, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert(EV_FLAGS(ev) & IOMMUSIM_AMD_EVF_US);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x2000, true, true).oa,
			  0x82000);
	/* reserved low bits of a 2M page, not present, non-canonical */
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x200000, false, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(next_event(&t, ev));
	ck_assert(EV_FLAGS(ev) & IOMMUSIM_AMD_EVF_RZ);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 0x5000, false, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma_full(&t, DEV, 3, 1ull << 47, false,
				   true).fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	/* GCR3 entry not valid, PASID beyond GLX 0 */
	ck_assert_uint_eq(dma_full(&t, DEV, 4, 0x3000, false, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma_full(&t, DEV, 600, 0x3000, false, true).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	/* without GIoV a request without PASID takes Mode 0: untranslated */
	r = dma(&t, 0x3000, false);
	ck_assert_uint_eq(r.oa, 0x3000);
	ck_assert(r.flags & IOMMUSIM_RES_BYPASS);
	drain_events(&t);

	/* a changed guest PTE is stale until a GN = 1 flush of its PASID */
	ck_assert(dma_full(&t, DEV, 3, 0x3000, false, false).flags &
		  IOMMUSIM_RES_IOTLB_HIT);
	w64(&t, pt + 24, 0x84000ull | 0x60 | X_P | X_RW | X_US);
	r = dma_full(&t, DEV, 3, 0x3000, false, false);
	ck_assert_uint_eq(r.oa, 0x83000);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	inv_range(&t, DID, 0x3000, 0x3fff, false, 0); /* host: no effect */
	ck_assert(dma_full(&t, DEV, 3, 0x3000, false, false).flags &
		  IOMMUSIM_RES_STALE);
	inv_range(&t, DID, 0x3000, 0x3fff, true, 4);  /* other PASID */
	ck_assert(dma_full(&t, DEV, 3, 0x3000, false, false).flags &
		  IOMMUSIM_RES_STALE);
	inv_range(&t, DID, 0x3000, 0x3fff, true, 3);
	r = dma_full(&t, DEV, 3, 0x3000, false, false);
	ck_assert_uint_eq(r.oa, 0x84000);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));

	/* a two-level GCR3 table (GLX 1), 5-level guest paging (GPM 1) */
	gcr3 = dte_v2(&t, DEV + 1, 0, 0, 5, DID + 1, false);
	l2 = page(&t);
	w64(&t, gcr3 + 8, l2 | 1);     /* PASID 512..1023 */
	{
		uint64_t p5 = page(&t), q0 = r64(&t, t.devtab + 32 * (DEV + 1));

		w64(&t, p5, pml4 | X_P | X_RW | X_US);
		w64(&t, l2 + 8 * 2, p5 | 1); /* PASID 514 */
		w64(&t, t.devtab + 32 * (DEV + 1),
		    q0 | IOMMUSIM_AMD_DTE_GLX(1));
	}
	r = dma_full(&t, DEV + 1, 514, 0x3000, false, false);
	ck_assert_uint_eq(r.oa, 0x84000);
	ck_assert_uint_eq(r.did, DID + 1);
	at_fini(&t);
}
END_TEST

/* ---- events ---- */

START_TEST(test_event_types)
{
	IOMMUPT_OPTS(iommusim_amd_opts, o);
	struct iommusim_dma_result r;
	struct hand h;
	uint64_t ev[2], q1;
	struct at t;

	at_init(&t, NULL, 40);
	hand_build(&t, &h);
	/* ILLEGAL_DEV_TABLE_ENTRY: Mode 7, reserved bit, HAD 10b, guest
	 * fields without GV, DeviceID beyond the table */
	dte_v1(&t, DEV, h.l3, 7, DID, 0);
	dte_set(&t, DEV + 1, h.l3 | IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
		IOMMUSIM_AMD_DTE_MODE(3) | 4, DID, 0);
	dte_v1(&t, DEV + 2, h.l3, 3, DID, 2);
	dte_set(&t, DEV + 3, IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
		IOMMUSIM_AMD_DTE_GIOV, DID, 0);
	for (uint32_t d = DEV; d <= DEV + 3; d++) {
		r = dma_full(&t, d, -1, 0x1000, true, false);
		ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_ILLEGAL_DTE);
		ck_assert(next_event(&t, ev));
		ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_ILLEGAL_DTE);
		ck_assert_uint_eq(EV_DEV(ev), d);
		ck_assert_uint_eq(ev[1], 0x1000);
		ck_assert(EV_FLAGS(ev) & IOMMUSIM_AMD_EVF_RW);
	}
	ck_assert_uint_eq(dma_full(&t, 600, -1, 0x1000, false, false).fault,
			  IOMMUSIM_AMD_EV_ILLEGAL_DTE);
	ck_assert(next_event(&t, ev));
	/* illegal entries are not cached: fixed, they work at once */
	dte_v1(&t, DEV, h.l3, 3, DID, 0);
	ck_assert_uint_eq(dma(&t, 0x1000, false).oa, 0x80001000);
	/* GV without Control.GTEn */
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL & ~IOMMUSIM_AMD_CTRL_GT_EN);
	dte_v2(&t, DEV + 4, 0, h.l3, 4, DID, false);
	ck_assert_uint_eq(dma_full(&t, DEV + 4, 0, 0, false, false).fault,
			  IOMMUSIM_AMD_EV_ILLEGAL_DTE);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
	ck_assert(next_event(&t, ev));

	/* INVALID_DEVICE_REQUEST: a PASID without guest translation */
	r = dma_full(&t, DEV, 7, 0x1000, false, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_INVALID_DEV_REQ);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_INVALID_DEV_REQ);
	ck_assert_uint_eq(EV_TAG(ev), 7);

	/* PAGE_TAB_HARDWARE_ERROR: a PDE beyond memory */
	w64(&t, h.l2 + 8 * 30, (1ull << 41) | NL(1) | IR | IW | PR);
	r = dma(&t, 30ull << 21, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR);
	ck_assert_uint_eq(ev[1], 1ull << 41);

	/* DTE.SA suppresses page faults; a disabled log records nothing */
	q1 = DID | IOMMUSIM_AMD_DTE_SA;
	dte_set(&t, DEV + 5, h.l3 | IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV |
		IOMMUSIM_AMD_DTE_MODE(3) | IR | IW, q1, 0);
	r = dma_full(&t, DEV + 5, -1, 0x3000, false, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(!(r.flags & IOMMUSIM_RES_RECORDED));
	ck_assert_uint_eq(ustats(&t).faults_suppressed, 1);
	ck_assert(!next_event(&t, ev));
	wr(&t, IOMMUSIM_AMD_CONTROL, 8,
	   CTRL_ALL & ~IOMMUSIM_AMD_CTRL_EVTLOG_EN);
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_EVTLOG_RUN));
	ck_assert(!(dma(&t, 0x3000, false).flags & IOMMUSIM_RES_RECORDED));
	ck_assert_uint_eq(ustats(&t).faults_suppressed, 2);

	/* DEV_TAB_HARDWARE_ERROR: the device table beyond memory */
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
	wr(&t, IOMMUSIM_AMD_DEVTAB, 8, (1ull << 41) | 3);
	r = dma(&t, 0x1000, false);
	ck_assert(r.flags & IOMMUSIM_RES_CTX_HIT); /* cached: fine */
	{
		uint64_t c[] = { CMD_INV_DTE(DEV), 0 };

		cmd_submit(&t, c, 1);
	}
	r = dma(&t, 0x1000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_DEVTAB_HW_ERROR);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_DEVTAB_HW_ERROR);
	ck_assert_uint_eq(ev[1], (1ull << 41) + 32 * DEV);
	wr(&t, IOMMUSIM_AMD_DEVTAB, 8, t.devtab | 3);
	at_fini(&t);

	/* HAD 11b needs HDSup */
	o.efr = iommusim_amd_default_efr() & ~IOMMUSIM_AMD_EFR_HDSUP;
	at_init(&t, &o, 0);
	hand_build(&t, &h);
	dte_v1(&t, DEV, h.l3, 3, DID, 3);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault,
			  IOMMUSIM_AMD_EV_ILLEGAL_DTE);
	/* Mode beyond HATS */
	at_fini(&t);
	o.efr = IOMMUSIM_AMD_EFR_IASUP | IOMMUSIM_AMD_EFR_HATS(0);
	at_init(&t, &o, 0);
	dte_v1(&t, DEV, page(&t), 5, DID, 0);
	ck_assert_uint_eq(dma(&t, 0x1000, false).fault,
			  IOMMUSIM_AMD_EV_ILLEGAL_DTE);
	at_fini(&t);
}
END_TEST

/* A full log drops events and sets EventOverflow; interrupts counted. */
START_TEST(test_event_log_overflow)
{
	struct at t;
	uint64_t ev[2], st;

	at_init(&t, NULL, 0);
	/* no DTE: V = 0 passes; use Mode 0 without IR/IW to fault */
	dte_set(&t, DEV, IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV, DID, 0);
	for (int i = 0; i < 255; i++)
		ck_assert(dma(&t, 0x1000ull * i, false).flags &
			  IOMMUSIM_RES_RECORDED);
	st = rd(&t, IOMMUSIM_AMD_STATUS, 8);
	ck_assert(st & IOMMUSIM_AMD_STS_EVTLOG_INT);
	ck_assert(!(st & IOMMUSIM_AMD_STS_EVT_OVERFLOW));
	ck_assert(!(dma(&t, 0, false).flags & IOMMUSIM_RES_RECORDED));
	ck_assert(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		  IOMMUSIM_AMD_STS_EVT_OVERFLOW);
	ck_assert_uint_eq(ustats(&t).fault_overflows, 1);
	ck_assert_uint_eq(ustats(&t).faults_recorded, 255);
	ck_assert_uint_eq(ustats(&t).events, 255);
	/* RW1C, byte-wise: clearing one bit leaves the other */
	wr(&t, IOMMUSIM_AMD_STATUS, 1, IOMMUSIM_AMD_STS_EVT_OVERFLOW);
	st = rd(&t, IOMMUSIM_AMD_STATUS, 8);
	ck_assert(!(st & IOMMUSIM_AMD_STS_EVT_OVERFLOW));
	ck_assert(st & IOMMUSIM_AMD_STS_EVTLOG_INT);
	wr(&t, IOMMUSIM_AMD_STATUS, 8, IOMMUSIM_AMD_STS_EVTLOG_INT);
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_EVTLOG_INT));
	/*
	 * 2.5.1: the overflow stopped logging. Consuming one entry does not
	 * restart it; setting EventLogEn again does, with room for one more.
	 */
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_EVTLOG_RUN));
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(ev[1], 0);
	ck_assert(!(dma(&t, 0x6000, false).flags & IOMMUSIM_RES_RECORDED));
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_EVT_OVERFLOW));
	wr(&t, IOMMUSIM_AMD_CONTROL, 8,
	   CTRL_ALL & ~IOMMUSIM_AMD_CTRL_EVTLOG_EN);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
	ck_assert(rd(&t, IOMMUSIM_AMD_STATUS, 8) & IOMMUSIM_AMD_STS_EVTLOG_RUN);
	ck_assert(dma(&t, 0x7000, false).flags & IOMMUSIM_RES_RECORDED);
	ck_assert(!(dma(&t, 0x8000, false).flags & IOMMUSIM_RES_RECORDED));
	/* with EventIntEn clear nothing is signalled */
	drain_events(&t);
	wr(&t, IOMMUSIM_AMD_STATUS, 8, IOMMUSIM_AMD_STS_EVTLOG_INT |
	   IOMMUSIM_AMD_STS_EVT_OVERFLOW);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, 0);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8,
	   CTRL_ALL & ~IOMMUSIM_AMD_CTRL_EVTINT_EN);
	ck_assert(dma(&t, 0x9000, false).flags & IOMMUSIM_RES_RECORDED);
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_EVTLOG_INT));
	at_fini(&t);
}
END_TEST

/* ---- commands ---- */

/* A v1 domain with 16 4K pages at 0x100000 (OA not aligned above 4K). */
static struct iommupt_domain *dom16(struct at *t, uint32_t devid,
				    uint32_t did)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 3);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;

	dom = sim_domain(t->mem, &cfg, &info);
	sim_map(dom, 0x100000, 0x7001000, 0x10000,
		IOMMUPT_READ | IOMMUPT_WRITE);
	dte_v1(t, devid, info.root_oa, info.levels, did, 0);
	return dom;
}

static unsigned int touch16(struct at *t, uint32_t devid)
{
	unsigned int hits = 0;

	for (uint64_t a = 0x100000; a < 0x110000; a += 0x1000) {
		struct iommusim_dma_result r =
			dma_full(t, devid, -1, a, false, false);

		ck_assert_uint_eq(r.oa, 0x7001000 + (a - 0x100000));
		hits += (r.flags & IOMMUSIM_RES_IOTLB_HIT) != 0;
	}
	return hits;
}

START_TEST(test_invalidate_iommu_pages)
{
	struct iommupt_domain *d1, *d2;
	uint64_t inv0;
	struct at t;

	at_init(&t, NULL, 0);
	d1 = dom16(&t, DEV, DID);
	d2 = dom16(&t, DEV + 1, DID + 1);
	ck_assert_uint_eq(touch16(&t, DEV), 0);
	ck_assert_uint_eq(touch16(&t, DEV + 1), 0);
	ck_assert_uint_eq(touch16(&t, DEV), 16);
	inv0 = cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).invalidated;
	/* S = 1, 16K at 0x104000: address bit 12 set, bit 13 clear */
	{
		uint64_t c[] = { CMD_INV_PAGES(DID, 0),
				 CMD_INV_PAGES_HI(0x105000, 1, 0, 0) };

		cmd_submit(&t, c, 1);
	}
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).invalidated,
			  inv0 + 4);
	ck_assert_uint_eq(touch16(&t, DEV), 12);
	ck_assert_uint_eq(touch16(&t, DEV + 1), 16); /* other DomainID */
	/* S = 0: one page; PDE = 0 keeps the page directory cache */
	{
		uint64_t c[] = { CMD_INV_PAGES(DID, 0),
				 CMD_INV_PAGES_HI(0x10f000, 0, 0, 0) };
		uint32_t pdc = cstats(&t, IOMMUSIM_CACHE_PWC, 1).entries;

		cmd_submit(&t, c, 1);
		ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).entries,
				  pdc);
	}
	ck_assert_uint_eq(touch16(&t, DEV), 15);
	/* GN = 1 touches guest entries only */
	{
		uint64_t c[] = { CMD_INV_PAGES(DID, 3),
				 CMD_INV_PAGES_HI(0x7ffffffffffff000ull, 1, 1,
						  1) };

		cmd_submit(&t, c, 1);
	}
	ck_assert_uint_eq(touch16(&t, DEV), 16);
	/* everything of the domain, PDE too: next walks are full */
	inv_range(&t, DID, 0, UINT64_MAX, false, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).entries, 1);
	ck_assert_uint_eq(touch16(&t, DEV), 0);
	ck_assert_uint_eq(touch16(&t, DEV + 1), 16);
	/* INVALIDATE_IOMMU_ALL drops every cache, the DTE cache too */
	{
		uint64_t c[] = { CMD_INV_ALL, 0 };

		cmd_submit(&t, c, 1);
	}
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_IOTLB, 0).entries, 0);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_CONTEXT, 0).entries, 0);
	ck_assert_uint_eq(touch16(&t, DEV + 1), 0);
	ck_assert_uint_eq(ustats(&t).stale, 0);
	iommupt_domain_destroy(d1);
	iommupt_domain_destroy(d2);
	at_fini(&t);
}
END_TEST

START_TEST(test_completion_wait_and_illegal_commands)
{
	IOMMUPT_OPTS(iommusim_amd_opts, o);
	uint64_t sem, ev[2], head, q0;
	struct at t;

	at_init(&t, NULL, 0);
	sem = page(&t);
	/* store and interrupt; device IOTLB and interrupt table ones are
	 * accepted (nothing modelled to drop) */
	{
		uint64_t c[] = { OP(4) | DEV, 0, OP(5) | DEV, 0,
				 CMD_CW(1, 1, sem), 0x1122334455667788ull };

		cmd_submit(&t, c, 3);
	}
	ck_assert_uint_eq(r64(&t, sem), 0x1122334455667788ull);
	ck_assert(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		  IOMMUSIM_AMD_STS_COMWAIT_INT);
	ck_assert_uint_eq(ustats(&t).events, 1);
	ck_assert_uint_eq(ustats(&t).queue_cmds, 3);
	ck_assert_uint_eq(ustats(&t).queue_cycles, 3 * 110 + 100);
	wr(&t, IOMMUSIM_AMD_STATUS, 8, IOMMUSIM_AMD_STS_COMWAIT_INT);
	ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
		    IOMMUSIM_AMD_STS_COMWAIT_INT));
	/* store only, without ComWaitIntEn: no interrupt */
	wr(&t, IOMMUSIM_AMD_CONTROL, 8,
	   CTRL_ALL & ~IOMMUSIM_AMD_CTRL_COMWAITINT_EN);
	{
		uint64_t c[] = { CMD_CW(1, 0, sem), 7, CMD_CW(0, 1, 0), 0 };

		cmd_submit(&t, c, 2);
	}
	ck_assert_uint_eq(r64(&t, sem), 7);
	ck_assert_uint_eq(ustats(&t).events, 1);

	/* each illegal command logs ILLEGAL_COMMAND_ERROR and stops */
	{
		static const uint64_t bad[][2] = {
			{ 0, 0 },                           /* opcode 0 */
			{ OP(9), 0 },                       /* undefined */
			{ OP(6), 0 },                       /* no PreFSup */
			{ OP(7), 0 },                       /* no PPRSup */
			{ CMD_CW(1, 0, 0x1000) | 1ull << 55, 0 },
			{ CMD_CW(1, 0, 0), 0 },             /* no address */
			{ CMD_INV_DTE(DEV) | 1ull << 20, 0 },
			{ CMD_INV_DTE(DEV), 1 },
			{ CMD_INV_PAGES(DID, 3), 0 },       /* PASID, GN 0 */
			{ CMD_INV_PAGES(DID, 0), 8 },       /* reserved */
			{ CMD_INV_ALL | 1, 0 },
		};

		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]);
		     i++) {
			uint64_t c[] = { bad[i][0], bad[i][1],
					 CMD_CW(1, 0, sem), 100 + i };

			head = rd(&t, IOMMUSIM_AMD_CMD_HEAD, 8);
			cmd_submit(&t, c, 2);
			ck_assert_uint_eq(rd(&t, IOMMUSIM_AMD_CMD_HEAD, 8),
					  head);
			ck_assert(!(rd(&t, IOMMUSIM_AMD_STATUS, 8) &
				    IOMMUSIM_AMD_STS_CMDBUF_RUN));
			ck_assert(next_event(&t, ev));
			ck_assert_uint_eq(EV_CODE(ev),
					  IOMMUSIM_AMD_EV_ILLEGAL_COMMAND);
			ck_assert_uint_eq(ev[1], t.cmdbuf + head);
			ck_assert_uint_ne(r64(&t, sem), 100 + i);
			/* a tail write does not restart it */
			wr(&t, IOMMUSIM_AMD_CMD_TAIL, 8,
			   rd(&t, IOMMUSIM_AMD_CMD_TAIL, 8));
			ck_assert_uint_ne(r64(&t, sem), 100 + i);
			/* skip it: disable, move the head, enable */
			q0 = rd(&t, IOMMUSIM_AMD_CONTROL, 8);
			wr(&t, IOMMUSIM_AMD_CONTROL, 8,
			   q0 & ~IOMMUSIM_AMD_CTRL_CMDBUF_EN);
			wr(&t, IOMMUSIM_AMD_CMD_HEAD, 8, head + 16);
			wr(&t, IOMMUSIM_AMD_CONTROL, 8, q0);
			ck_assert_uint_eq(r64(&t, sem), 100 + i);
		}
	}
	at_fini(&t);

	/* INVALIDATE_IOMMU_ALL needs IASup; a command buffer beyond memory */
	o.efr = IOMMUSIM_AMD_EFR_HATS(2);
	at_init(&t, &o, 40);
	{
		uint64_t c[] = { CMD_INV_ALL, 0 };

		cmd_submit(&t, c, 1);
	}
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_ILLEGAL_COMMAND);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL & ~IOMMUSIM_AMD_CTRL_CMDBUF_EN);
	wr(&t, IOMMUSIM_AMD_CMDBUF, 8, (1ull << 41) | IOMMUSIM_AMD_BUF_LEN(8));
	wr(&t, IOMMUSIM_AMD_CMD_HEAD, 8, 0);
	wr(&t, IOMMUSIM_AMD_CMD_TAIL, 8, 0x10);
	wr(&t, IOMMUSIM_AMD_CONTROL, 8, CTRL_ALL);
	ck_assert(next_event(&t, ev));
	ck_assert_uint_eq(EV_CODE(ev), IOMMUSIM_AMD_EV_COMMAND_HW_ERROR);
	ck_assert_uint_eq(ev[1], 1ull << 41);
	at_fini(&t);
}
END_TEST

/* ---- stale-translation detector ---- */

static unsigned int stale_seen;

static void on_stale(void *ctx, const struct iommusim_stale_report *r)
{
	(void)ctx;
	(void)r;
	stale_seen++;
}

START_TEST(test_stale_detector_catches_missing_invalidation)
{
	struct iommusim_stale_report rep;
	struct iommusim_dma_result r;
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t unmapped;
	char line[256];
	struct at t;

	at_init(&t, NULL, 0);
	iommusim_unit_set_stale_fn(t.u, on_stale, NULL);
	stale_seen = 0;
	dom = dom16(&t, DEV, DID);
	touch16(&t, DEV);
	iommupt_gather_init(&g);

	/* unmap page 0 and do not invalidate: the IOTLB still has it */
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x100000, 0x1000, 0, &g,
					      &unmapped), 0);
	r = dma(&t, 0x100000, false);
	ck_assert_uint_eq(r.fault, 0);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(stale_seen, 1);
	ck_assert_int_eq(iommusim_unit_last_stale(t.u, &rep), 0);
	ck_assert_uint_eq(rep.sid, DEV);
	ck_assert_uint_eq(rep.did, DID);
	ck_assert_uint_eq(rep.cached.oa, 0x7001000);
	ck_assert_uint_eq(rep.fresh.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_int_gt(iommusim_stale_format(&rep, line, sizeof(line)), 0);

	/* the flush the gather asks for: silent from then on */
	ck_assert(!iommupt_gather_empty(&g));
	inv_range(&t, DID, g.start, g.last, false, 0);
	iommupt_gather_release(&g);
	r = dma(&t, 0x100000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x101000, 0x2000, 0, &g,
					      &unmapped), 0);
	inv_range(&t, DID, g.start, g.last, false, 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dma(&t, 0x101000, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma(&t, 0x102000, false).fault,
			  IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert_uint_eq(dma(&t, 0x103000, false).fault, 0);
	ck_assert_uint_eq(stale_seen, 1);

	/* a DTE changed without INVALIDATE_DEVTAB_ENTRY */
	dte_set(&t, DEV, IOMMUSIM_AMD_DTE_V | IOMMUSIM_AMD_DTE_TV, DID, 0);
	r = dma(&t, 0x104000, false);
	ck_assert(r.flags & IOMMUSIM_RES_STALE);
	{
		uint64_t c[] = { CMD_INV_DTE(DEV), 0 };

		cmd_submit(&t, c, 1);
	}
	r = dma(&t, 0x104000, false);
	ck_assert_uint_eq(r.fault, IOMMUSIM_AMD_EV_IO_PAGE_FAULT);
	ck_assert(!(r.flags & IOMMUSIM_RES_STALE));
	ck_assert_uint_eq(stale_seen, 2);

	/* with the detector off nothing is compared */
	iommusim_unit_set_stale_check(t.u, 0);
	dte_set(&t, DEV, 0, 0, 0);
	ck_assert(!(dma(&t, 0x104000, false).flags & IOMMUSIM_RES_STALE));
	ck_assert_uint_eq(stale_seen, 2);
	iommupt_domain_destroy(dom);
	at_fini(&t);
}
END_TEST

/* A table page unlinked by an unmap and replaced before the flush. */
START_TEST(test_stale_page_directory_cache)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g, g2;
	uint64_t unmapped;
	struct at t;

	at_init(&t, NULL, 0);
	dom = sim_domain(t.mem, &cfg, &info);
	dte_v1(&t, DEV, info.root_oa, info.levels, DID, 0);
	iommupt_gather_init(&g);
	iommupt_gather_init(&g2);
	/* OA only 4K-aligned: two 4K pages, not one 8K page */
	ck_assert_int_eq(iommupt_domain_map(dom, 0x40000000, 0x10001000,
			 0x2000, IOMMUPT_READ, &g), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(dma(&t, 0x40000000, false).oa, 0x10001000);
	ck_assert_int_eq(iommupt_domain_unmap(dom, 0x40000000, 1ull << 30, 0,
					      &g, &unmapped), 0);
	ck_assert_uint_eq(unmapped, 0x2000);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x40001000, 0x20001000,
			 0x1000, IOMMUPT_READ, &g2), 0);
	ck_assert(dma(&t, 0x40001000, false).flags & IOMMUSIM_RES_STALE);
	ck_assert_uint_eq(cstats(&t, IOMMUSIM_CACHE_PWC, 1).hits, 1);
	/* the gather's range with PDE drops the walk caches too */
	inv_range(&t, DID, g.start, g.last, false, 0);
	ck_assert_uint_eq(dma(&t, 0x40001000, false).oa, 0x20001000);
	ck_assert_uint_eq(ustats(&t).stale, 1);
	iommupt_gather_release(&g);
	iommupt_gather_release(&g2);
	iommupt_domain_destroy(dom);
	at_fini(&t);
}
END_TEST

/* ---- determinism ---- */

static uint64_t run_workload(uint32_t repl, uint64_t seed, uint64_t *hash)
{
	IOMMUPT_OPTS(iommusim_amd_opts, o, .seed = seed,
		     .iotlb = { 8, 2, 3, repl }, .pdc = { 2, 2, 4, repl });
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t total;
	struct at t;

	at_init(&t, &o, 0);
	dom = sim_domain(t.mem, &cfg, &info);
	iommupt_gather_init(&g);
	/* OA 4K-aligned only: 4K pages, many IOTLB entries */
	ck_assert_int_eq(iommupt_domain_map(dom, 0, (1ull << 32) + 0x1000,
			 1ull << 24, IOMMUPT_READ | IOMMUPT_WRITE, &g), 0);
	iommupt_gather_release(&g);
	dte_v1(&t, DEV, info.root_oa, info.levels, DID, 3);
	total = sim_random_dma(t.u, DEV, 1ull << 25, 20000, hash);
	iommupt_domain_destroy(dom);
	at_fini(&t);
	return total;
}

START_TEST(test_same_seed_same_cycles)
{
	sim_check_same_seed(run_workload);
}
END_TEST

Suite *sim_amd_suite(void);

Suite *sim_amd_suite(void)
{
	Suite *s = suite_create("sim-amd");
	TCase *regs = test_tcase("registers");
	TCase *xl = test_tcase("translation");
	TCase *evt = test_tcase("events");
	TCase *cmd = test_tcase("commands");

	tcase_add_test(regs, test_regs_and_options);
	tcase_add_test(xl, test_untranslated_paths);
	tcase_add_test(xl, test_hand_built_v1_tables);
	tcase_add_test(xl, test_walk_cycles_and_caches);
	tcase_add_test(xl, test_library_v1_tables_translate_identically);
	tcase_add_test(xl, test_library_v2_tables_translate_identically);
	tcase_add_test(xl, test_host_ad_updates);
	tcase_add_test(xl, test_guest_tables_permissions_and_ad);
	tcase_add_test(xl, test_same_seed_same_cycles);
	tcase_add_test(evt, test_event_types);
	tcase_add_test(evt, test_event_log_overflow);
	tcase_add_test(cmd, test_invalidate_iommu_pages);
	tcase_add_test(cmd, test_completion_wait_and_illegal_commands);
	tcase_add_test(cmd, test_stale_detector_catches_missing_invalidation);
	tcase_add_test(cmd, test_stale_page_directory_cache);
	suite_add_tcase(s, regs);
	suite_add_tcase(s, xl);
	suite_add_tcase(s, evt);
	suite_add_tcase(s, cmd);
	return s;
}
