// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * User-mode Arm SMMUv3 driver (IHI 0070): a linear or 2-level stream
 * table (3.3.1, 5.1, 5.2), one context descriptor per stage 1 StreamID
 * (3.3.2, 5.4; S1CDMax 0, so a request with a SubstreamID is refused), the
 * command queue with CMD_SYNC completion seen through CMDQ_CONS (3.5, 4.7)
 * and the event queue read by polling (3.5, 7.3). Register fields are in
 * smmu-regs.h. Every register access goes through struct iommupt_mmio.
 *
 * Memory ordering: structures are plain stores to write-back memory and
 * the SMMU learns of them through a CMDQ_PROD write after a full barrier.
 * When the SMMU's accesses are not coherent (IDR0.COHACC = 0) the driver
 * cleans its own structures to the point of coherency (arm64) and tells
 * the SMMU through CR1/STE that tables and queues are non-cacheable. The
 * domain's page tables, which libiommupt writes, are not cleaned: on such
 * an SMMU the caller must do that before flushing (as for VT-d).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-smmu.h>

#include "drv-int.h"
#include "smmu-regs.h"

#define SMMU_PAGE_LG2 12
#define SMMU_TIMEOUT_NS 1000000000ull /* hardware acks within microseconds */
/* 2-level stream table: 64 STEs (one 4K page) per level 2 table. */
#define SMMU_SPLIT 6
#define SMMU_L1_MAX_LG2 9     /* level 1 descriptors in one 4K page */
#define SMMU_LINEAR_MAX_LG2 12
/* Without range invalidation, more granules than this invalidate the ID. */
#define SMMU_INVAL_MAX_PAGES 64u

/* One StreamID the driver has configured. */
struct smmu_dev {
	struct smmu_dev *next;
	uint32_t sid;
	int attached;
	int stage2;           /* what the STE holds while attached */
	uint16_t id;          /* its ASID or VMID */
	struct drv_page cd;  /* stage 1: the CD (first 64 bytes) */
};

struct iommudrv_smmu {
	struct iommupt_mmio mmio;
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	uint32_t unit;
	uint32_t flags;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned int oas, ias, sid_bits, asid_bits, vmid_bits;
	int coherent, ril, two_level, enabled;
	unsigned int st_lg2;          /* STRTAB_BASE_CFG.LOG2SIZE */
	struct drv_page strtab;      /* linear table or level 1 */
	struct drv_page *l2;         /* 2-level: level 2 tables by L1 index */
	struct drv_page cmdq, evtq;
	unsigned int cmdq_lg2, evtq_lg2;
	uint32_t cmdq_prod;           /* next slot, with the wrap bit */
	uint32_t cmdq_cons;           /* last CONS read, with the wrap bit */
	struct smmu_dev *devs;
};

static int rd32(struct iommudrv_smmu *s, uint64_t off, uint32_t *val)
{
	uint64_t x = 0;
	int ret = s->mmio.read(s->mmio.ctx, off, 4, &x);

	*val = (uint32_t)x;
	return ret;
}

static int wr32(struct iommudrv_smmu *s, uint64_t off, uint32_t val)
{
	return s->mmio.write(s->mmio.ctx, off, 4, val);
}

static int wr64(struct iommudrv_smmu *s, uint64_t off, uint64_t val)
{
	return s->mmio.write(s->mmio.ctx, off, 8, val);
}

static int poll32(struct iommudrv_smmu *s, uint64_t off, uint32_t mask,
		  uint32_t want)
{
	return drv_poll(&s->mmio, off, 4, mask, want, SMMU_TIMEOUT_NS);
}

/* ---- memory the SMMU reads or writes ------------------------------- */

/* Order structure stores before the MMIO write that publishes them. */
static void barrier_to_device(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dsb sy" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#if defined(__aarch64__)
static size_t dcache_line(void)
{
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf); /* CTR_EL0.DminLine */
}
#endif

/*
 * Clean (op 0) or clean and invalidate (op 1) the lines of [p, p + len)
 * when the SMMU does not snoop the CPU caches (IDR0.COHACC = 0).
 */
static void cache_maint(struct iommudrv_smmu *s, const void *p, size_t len,
			int op)
{
#if defined(__aarch64__)
	size_t line;
	uintptr_t a, end = (uintptr_t)p + len;

	if (s->coherent)
		return;
	line = dcache_line();
	for (a = (uintptr_t)p & ~(uintptr_t)(line - 1); a < end; a += line) {
		if (op)
			__asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
		else
			__asm__ volatile("dc cvac, %0" ::"r"(a) : "memory");
	}
	__asm__ volatile("dsb sy" ::: "memory");
#else
	(void)s;
	(void)p;
	(void)len;
	(void)op;
#endif
}

static void put64(struct iommudrv_smmu *s, void *base, unsigned int idx,
		  uint64_t val)
{
	cache_maint(s, drv_store64(base, idx, val), 8, 0);
}

/* ---- command queue (3.5, 4) ------------------------------------------ */

static uint32_t q_wrap_mask(unsigned int lg2)
{
	return (uint32_t)(SMMU_BIT(lg2 + 1) - 1); /* index and wrap bit */
}

static uint32_t cmdq_used(struct iommudrv_smmu *s)
{
	return (s->cmdq_prod - s->cmdq_cons) & q_wrap_mask(s->cmdq_lg2);
}

/*
 * A command queue error (GERROR.CMDQ_ERR, 7.1): the queue stopped with
 * CMDQ_CONS at the command it could not run. Replace that command by a
 * CMD_SYNC (valid everywhere) and acknowledge in GERRORN so the queue
 * runs again; the caller sees -EIO.
 */
static int cmdq_check_error(struct iommudrv_smmu *s)
{
	uint32_t gerror, gerrorn, cons;
	int ret;

	ret = rd32(s, SMMU_GERROR, &gerror);
	if (!ret)
		ret = rd32(s, SMMU_GERRORN, &gerrorn);
	if (ret)
		return ret;
	if (!((gerror ^ gerrorn) & SMMU_GERROR_CMDQ_ERR))
		return 0;
	ret = rd32(s, SMMU_CMDQ_CONS, &cons);
	if (ret)
		return ret;
	{
		unsigned int idx = cons & (uint32_t)(SMMU_BIT(s->cmdq_lg2) - 1);

		put64(s, s->cmdq.cpu, idx * 2 + 1, 0);
		put64(s, s->cmdq.cpu, idx * 2,
		      SMMU_CMD_OP(SMMU_CMD_SYNC) | SMMU_CMD_SYNC_CS_NONE);
	}
	barrier_to_device();
	ret = wr32(s, SMMU_GERRORN, gerrorn ^ SMMU_GERROR_CMDQ_ERR);
	return ret ? ret : -EIO;
}

static int cmdq_read_cons(struct iommudrv_smmu *s)
{
	uint32_t cons;
	int ret = rd32(s, SMMU_CMDQ_CONS, &cons);

	if (ret)
		return ret;
	s->cmdq_cons = cons & q_wrap_mask(s->cmdq_lg2);
	return 0;
}

static int cmdq_publish(struct iommudrv_smmu *s)
{
	barrier_to_device();
	return wr32(s, SMMU_CMDQ_PROD, s->cmdq_prod);
}

/* Wait until CONS has caught up with want free slots (or all, want 0). */
static int cmdq_wait(struct iommudrv_smmu *s, uint32_t want_free)
{
	uint32_t entries = (uint32_t)SMMU_BIT(s->cmdq_lg2);
	uint64_t end = drv_now_ns() + SMMU_TIMEOUT_NS;
	int ret;

	for (;;) {
		ret = cmdq_read_cons(s);
		if (ret)
			return ret;
		if (want_free ? entries - cmdq_used(s) >= want_free
			      : cmdq_used(s) == 0)
			return 0;
		ret = cmdq_check_error(s);
		if (ret)
			return ret;
		if (drv_now_ns() > end)
			return -ETIMEDOUT;
	}
}

/* Queue one command; publishes and waits when the queue is full. */
static int cmd_add(struct iommudrv_smmu *s, uint64_t c0, uint64_t c1)
{
	uint32_t entries = (uint32_t)SMMU_BIT(s->cmdq_lg2);
	unsigned int idx;
	int ret;

	if (cmdq_used(s) >= entries) {
		ret = cmdq_publish(s);
		if (!ret)
			ret = cmdq_wait(s, 1);
		if (ret)
			return ret;
	}
	idx = s->cmdq_prod & (entries - 1);
	put64(s, s->cmdq.cpu, idx * 2, c0);
	put64(s, s->cmdq.cpu, idx * 2 + 1, c1);
	s->cmdq_prod = (s->cmdq_prod + 1) & q_wrap_mask(s->cmdq_lg2);
	return 0;
}

/*
 * 4.7: CMD_SYNC without a signal; it has completed, and with it every
 * earlier command, once CMDQ_CONS has moved past it.
 */
static int cmd_sync(struct iommudrv_smmu *s)
{
	int ret = cmd_add(s, SMMU_CMD_OP(SMMU_CMD_SYNC) | SMMU_CMD_SYNC_CS_NONE,
			  0);

	if (!ret)
		ret = cmdq_publish(s);
	if (!ret)
		ret = cmdq_wait(s, 0);
	return ret;
}

/* 4.3 CMD_CFGI_STE: Leaf 1 for the STE alone, 0 to include the L1STD. */
static int cmd_cfgi_ste(struct iommudrv_smmu *s, uint32_t sid, int leaf)
{
	return cmd_add(s, SMMU_CMD_OP(SMMU_CMD_CFGI_STE) | SMMU_CMD_0_SID(sid),
		       leaf ? SMMU_CMD_1_LEAF : 0);
}

/* 4.3 CMD_CFGI_CD: the CD of SubstreamID 0 of sid. */
static int cmd_cfgi_cd(struct iommudrv_smmu *s, uint32_t sid)
{
	return cmd_add(s, SMMU_CMD_OP(SMMU_CMD_CFGI_CD) | SMMU_CMD_0_SID(sid) |
				  SMMU_CMD_0_SSID(0),
		       SMMU_CMD_1_LEAF);
}

/*
 * Every TLB entry of one tag: 4.4 CMD_TLBI_NH_ASID (stage 1 streams carry
 * VMID 0 in their STE) or CMD_TLBI_S12_VMALL.
 */
static int cmd_tlbi_id(struct iommudrv_smmu *s, int stage2, uint16_t id)
{
	if (stage2)
		return cmd_add(s, SMMU_CMD_OP(SMMU_CMD_TLBI_S12_VMALL) |
					  SMMU_CMD_0_VMID(id), 0);
	return cmd_add(s, SMMU_CMD_OP(SMMU_CMD_TLBI_NH_ASID) |
				  SMMU_CMD_0_VMID(0) | SMMU_CMD_0_ASID(id), 0);
}

/* 4.3 CMD_CFGI_ALL and 4.4 CMD_TLBI_NSNH_ALL, then a sync. */
static int inval_all(struct iommudrv_smmu *s)
{
	int ret = cmd_add(s, SMMU_CMD_OP(SMMU_CMD_CFGI_ALL),
			  SMMU_CMD_1_RANGE(31));

	if (!ret)
		ret = cmd_add(s, SMMU_CMD_OP(SMMU_CMD_TLBI_NSNH_ALL), 0);
	return ret ? ret : cmd_sync(s);
}

/* ---- invalidation from a gather -------------------------------------- */

static unsigned int tg_of(unsigned int granule_lg2)
{
	return granule_lg2 == 12 ? 1 : granule_lg2 == 14 ? 2 : 3;
}

static int do_flush(struct iommudrv_smmu *s,
		    const struct iommupt_domain_info *di, uint16_t id,
		    const struct iommupt_gather *g)
{
	unsigned int gl = di->granule_lg2;
	int stage2 = di->format == IOMMUPT_FMT_ARM_S2;
	uint64_t start, last, pages, addr, c0;
	uint64_t c1_flags;
	int ret = 0;

	if (iommupt_gather_empty(g))
		return 0;
	/* Invalid entries are never cached (Arm ARM D8): a new map is seen. */
	if (g->flags == IOMMUPT_GATHER_MAPPED)
		return 0;
	start = g->start & ~(SMMU_BIT(gl) - 1);
	last = g->last | (SMMU_BIT(gl) - 1);
	pages = ((last - start) >> gl) + 1;
	if (!pages) /* the whole 64-bit space */
		pages = UINT64_MAX;
	/* Unlinked tables: walk caches too, so not leaf-only (4.4.1). */
	c1_flags = g->flags & IOMMUPT_GATHER_TABLES ? 0 : SMMU_CMD_1_LEAF;
	c0 = stage2 ? SMMU_CMD_OP(SMMU_CMD_TLBI_S2_IPA) | SMMU_CMD_0_VMID(id)
		    : SMMU_CMD_OP(SMMU_CMD_TLBI_NH_VA) | SMMU_CMD_0_VMID(0) |
			      SMMU_CMD_0_ASID(id);

	if (s->ril && pages < SMMU_BIT(32)) {
		/*
		 * 4.4.1 range invalidation: (NUM + 1) << SCALE granules from
		 * Address; peel the run of pages by its lowest set bit.
		 */
		addr = start;
		while (!ret && pages) {
			unsigned int scale = (unsigned int)__builtin_ctzll(pages);
			/* odd, so 1..31 granules of 2^scale: NUM = num - 1 */
			uint64_t num = (pages >> scale) & (SMMU_CMD_RANGE_NUM_MAX - 1);

			ret = cmd_add(s, c0 | SMMU_CMD_0_SCALE(scale) |
						 SMMU_CMD_0_NUM(num - 1),
				      (addr & SMMU_CMD_1_ADDR_MASK) |
					      SMMU_CMD_1_TG(tg_of(gl)) |
					      c1_flags);
			pages -= num << scale;
			addr += (num << scale) << gl;
		}
	} else if (pages <= SMMU_INVAL_MAX_PAGES) {
		/* TG 0: each command drops whatever holds that address. */
		for (addr = start; !ret && pages; pages--, addr += SMMU_BIT(gl))
			ret = cmd_add(s, c0,
				      (addr & SMMU_CMD_1_ADDR_MASK) | c1_flags);
	} else {
		ret = cmd_tlbi_id(s, stage2, id);
	}
	return ret ? ret : cmd_sync(s);
}

/* ---- events (7.3) ---------------------------------------------------- */

static uint32_t smmu_reason(uint32_t type)
{
	switch (type) {
	case SMMU_EVT_F_TRANSLATION:
		return IOMMUDRV_FAULT_TRANSLATION;
	case SMMU_EVT_F_PERMISSION:
		return IOMMUDRV_FAULT_PERMISSION;
	case SMMU_EVT_F_ADDR_SIZE:
		return IOMMUDRV_FAULT_ADDR_SIZE;
	case SMMU_EVT_C_BAD_STREAMID:
	case SMMU_EVT_C_BAD_STE:
		return IOMMUDRV_FAULT_NO_DEVICE;
	case SMMU_EVT_C_BAD_CD:
	case SMMU_EVT_C_BAD_SUBSTREAMID:
	case SMMU_EVT_F_STREAM_DISABLED:
	case SMMU_EVT_F_CFG_CONFLICT:
		return IOMMUDRV_FAULT_BAD_ENTRY;
	case SMMU_EVT_F_STE_FETCH:
	case SMMU_EVT_F_CD_FETCH:
	case SMMU_EVT_F_WALK_EABT:
	case SMMU_EVT_F_VMS_FETCH:
		return IOMMUDRV_FAULT_WALK_ABORT;
	default:
		return IOMMUDRV_FAULT_OTHER;
	}
}

/* Records that carry InputAddr, RnW, InD and PnU (7.3). */
static int evt_has_addr(uint32_t type)
{
	switch (type) {
	case SMMU_EVT_F_UUT:
	case SMMU_EVT_F_BAD_ATS_TREQ:
	case SMMU_EVT_F_TRANSL_FORBIDDEN:
	case SMMU_EVT_F_WALK_EABT:
	case SMMU_EVT_F_TRANSLATION:
	case SMMU_EVT_F_ADDR_SIZE:
	case SMMU_EVT_F_ACCESS:
	case SMMU_EVT_F_PERMISSION:
	case SMMU_EVT_F_TLB_CONFLICT:
		return 1;
	default:
		return 0;
	}
}

static void evt_decode(struct iommudrv_smmu *s, const uint64_t ev[4],
		       struct iommudrv_fault *f)
{
	uint32_t type = (uint32_t)SMMU_EVT_0_TYPE(ev[0]);

	memset(f, 0, sizeof(*f));
	f->unit = s->unit;
	f->source_id = (uint32_t)SMMU_EVT_0_SID(ev[0]);
	f->vendor_reason = type;
	f->reason = smmu_reason(type);
	if (ev[0] & SMMU_EVT_0_SSV) {
		f->has_pasid = 1;
		f->pasid = (uint32_t)SMMU_EVT_0_SSID(ev[0]);
	}
	if (evt_has_addr(type)) {
		f->iova = ev[2];
		f->access = ev[1] & SMMU_EVT_1_RNW ? IOMMUDRV_ACCESS_READ
						   : IOMMUDRV_ACCESS_WRITE;
		if (ev[1] & SMMU_EVT_1_IND)
			f->access |= IOMMUDRV_ACCESS_EXEC;
		if (ev[1] & SMMU_EVT_1_PNU)
			f->access |= IOMMUDRV_ACCESS_PRIV;
	}
}

static int read_faults(struct iommudrv_smmu *s, struct iommudrv_fault *out,
		       unsigned int max, unsigned int *n)
{
	uint32_t qm = q_wrap_mask(s->evtq_lg2), prod, cons, ovf;
	unsigned int got = 0;
	int ret;

	if (n)
		*n = 0;
	ret = rd32(s, SMMU_EVENTQ_PROD, &prod);
	if (!ret)
		ret = rd32(s, SMMU_EVENTQ_CONS, &cons);
	if (ret)
		return ret;
	/* The records up to PROD are in memory before PROD moved (3.5). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	ovf = cons & SMMU_EVENTQ_OVFLG;
	while ((cons & qm) != (prod & qm) && (!out || got < max)) {
		unsigned int idx = cons & (uint32_t)(SMMU_BIT(s->evtq_lg2) - 1);
		const uint64_t *rec = (const uint64_t *)s->evtq.cpu + 4 * idx;
		uint64_t ev[4];

		cache_maint(s, rec, 32, 1);
		for (unsigned int i = 0; i < 4; i++)
			ev[i] = drv_load64(rec, i);
		if (out)
			evt_decode(s, ev, &out[got++]);
		cons = (cons + 1) & qm;
	}
	if (n)
		*n = got;
	/* EVENTQ_PROD.OVFLG != EVENTQ_CONS.OVACKFLG: records were lost. */
	if ((prod ^ ovf) & SMMU_EVENTQ_OVFLG) {
		ret = wr32(s, SMMU_EVENTQ_CONS,
			   (cons & qm) | (prod & SMMU_EVENTQ_OVFLG));
		return ret ? ret : 1;
	}
	return wr32(s, SMMU_EVENTQ_CONS, (cons & qm) | ovf);
}

/* ---- bring-up and shutdown ------------------------------------------- */

/* 6.3 SMMU_CR0: write, then wait until CR0ACK shows the same. */
static int write_cr0(struct iommudrv_smmu *s, uint32_t val)
{
	int ret = wr32(s, SMMU_CR0, val);

	return ret ? ret : poll32(s, SMMU_CR0ACK, 0x1f, val & 0x1f);
}

/* 6.3 SMMU_GBPA: wait for Update clear, write with Update, wait again. */
static int gbpa_abort(struct iommudrv_smmu *s)
{
	uint32_t v;
	int ret = poll32(s, SMMU_GBPA, (uint32_t)SMMU_GBPA_UPDATE, 0);

	if (!ret)
		ret = rd32(s, SMMU_GBPA, &v);
	if (!ret)
		ret = wr32(s, SMMU_GBPA, v | (uint32_t)SMMU_GBPA_ABORT |
					 (uint32_t)SMMU_GBPA_UPDATE);
	return ret ? ret : poll32(s, SMMU_GBPA, (uint32_t)SMMU_GBPA_UPDATE, 0);
}

static int disable_unit(struct iommudrv_smmu *s)
{
	int ret = gbpa_abort(s);

	return ret ? ret : write_cr0(s, 0);
}

static uint64_t strtab_cfg(struct iommudrv_smmu *s)
{
	return s->two_level ? SMMU_STRTAB_CFG(SMMU_STRTAB_FMT_2LVL, SMMU_SPLIT,
					      s->st_lg2)
			    : SMMU_STRTAB_CFG(SMMU_STRTAB_FMT_LINEAR, 0,
					      s->st_lg2);
}

static int enable_locked(struct iommudrv_smmu *s)
{
	uint32_t cr1, gerror;
	int ret;

	/* Transactions abort while SMMUEN is clear (GBPA), then disable. */
	ret = disable_unit(s);
	if (ret)
		return ret;
	s->enabled = 1;
	/* 6.3 SMMU_IRQ_CTRL: events are polled, no interrupts. */
	ret = wr32(s, SMMU_IRQ_CTRL, 0);
	if (!ret)
		ret = poll32(s, SMMU_IRQ_CTRLACK, 0x7, 0);
	if (ret)
		return ret;
	/* 6.3 SMMU_CR1 / SMMU_CR2: attributes of table and queue accesses;
	 * record StreamIDs out of range; no broadcast TLB maintenance. */
	cr1 = s->coherent ? SMMU_CR1_WB_ISH(SMMU_CR1_QUEUE) |
				    SMMU_CR1_WB_ISH(SMMU_CR1_TABLE)
			  : SMMU_CR1_NC_OSH(SMMU_CR1_QUEUE) |
				    SMMU_CR1_NC_OSH(SMMU_CR1_TABLE);
	ret = wr32(s, SMMU_CR1, cr1);
	if (!ret)
		ret = wr32(s, SMMU_CR2, (uint32_t)(SMMU_CR2_RECINVSID |
						   SMMU_CR2_PTM));
	/* 6.3 SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_CFG. */
	if (!ret)
		ret = wr64(s, SMMU_STRTAB_BASE,
			   s->strtab.oa | (s->coherent ? SMMU_STRTAB_BASE_RA : 0));
	if (!ret)
		ret = wr32(s, SMMU_STRTAB_BASE_CFG, (uint32_t)strtab_cfg(s));
	/* 6.3 SMMU_CMDQ_BASE, _PROD, _CONS; stale global errors acknowledged. */
	if (!ret)
		ret = wr64(s, SMMU_CMDQ_BASE,
			   s->cmdq.oa | (s->coherent ? SMMU_Q_BASE_ALLOC : 0) |
				   s->cmdq_lg2);
	if (!ret)
		ret = wr32(s, SMMU_CMDQ_PROD, 0);
	if (!ret)
		ret = wr32(s, SMMU_CMDQ_CONS, 0);
	if (!ret)
		ret = rd32(s, SMMU_GERROR, &gerror);
	if (!ret)
		ret = wr32(s, SMMU_GERRORN, gerror & SMMU_GERROR_MASK);
	if (ret)
		return ret;
	s->cmdq_prod = 0;
	s->cmdq_cons = 0;
	ret = write_cr0(s, SMMU_CR0_CMDQEN);
	if (!ret)
		ret = inval_all(s);
	/* 6.3 SMMU_EVENTQ_BASE, _PROD, _CONS (page 1). */
	if (!ret)
		ret = wr64(s, SMMU_EVENTQ_BASE,
			   s->evtq.oa | (s->coherent ? SMMU_Q_BASE_ALLOC : 0) |
				   s->evtq_lg2);
	if (!ret)
		ret = wr32(s, SMMU_EVENTQ_PROD, 0);
	if (!ret)
		ret = wr32(s, SMMU_EVENTQ_CONS, 0);
	if (!ret)
		ret = write_cr0(s, SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN);
	if (!ret)
		ret = write_cr0(s, SMMU_CR0_CMDQEN | SMMU_CR0_EVENTQEN |
					   SMMU_CR0_SMMUEN);
	return ret;
}

int iommudrv_smmu_create(const struct iommupt_mmio *mmio,
			 const struct iommupt_mem *mem,
			 const struct iommudrv_smmu_opts *opts,
			 struct iommudrv_smmu **out)
{
	struct iommudrv_smmu *s;
	unsigned int max_lg2, want;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mmio || !mmio->read || !mmio->write || !mem ||
	    mem->sz < offsetof(struct iommupt_mem, alloc_obj) ||
	    !mem->alloc_table || !mem->free_table)
		return -EINVAL;
	ret = drv_opts_check(opts, opts ? opts->sz : 0,
			     sizeof(struct iommudrv_smmu_opts));
	if (ret)
		return ret;
	if (opts && (opts->flags & ~(uint32_t)IOMMUDRV_SMMU_LINEAR ||
		     opts->cmdq_lg2 > 8 || opts->evtq_lg2 > 7 ||
		     opts->linear_lg2 > SMMU_LINEAR_MAX_LG2))
		return -EINVAL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mmio = *mmio;
	memcpy(&s->mem, mem,
	       mem->sz < sizeof(s->mem) ? mem->sz : sizeof(s->mem));
	pthread_mutex_init(&s->lock, NULL);
	if (opts) {
		s->unit = opts->unit;
		s->flags = opts->flags;
	}

	ret = rd32(s, SMMU_IDR0, &s->idr0);
	if (!ret)
		ret = rd32(s, SMMU_IDR1, &s->idr1);
	if (!ret)
		ret = rd32(s, SMMU_IDR3, &s->idr3);
	if (!ret)
		ret = rd32(s, SMMU_IDR5, &s->idr5);
	if (ret)
		goto fail;
	/*
	 * An absent block reads as all ones or zeros. The driver needs a
	 * stage, AArch64 tables (IDR0.TTF) in little-endian (IDR0.TTENDIAN)
	 * and at least one granule (IDR5).
	 */
	if (s->idr0 == 0xffffffffu || !(s->idr0 & (SMMU_IDR0_S1P | SMMU_IDR0_S2P)) ||
	    !(SMMU_IDR0_TTF(s->idr0) & SMMU_TTF_AARCH64) ||
	    SMMU_IDR0_TTENDIAN(s->idr0) == SMMU_TTENDIAN_BE ||
	    !(s->idr5 & (SMMU_IDR5_GRAN4K | SMMU_IDR5_GRAN16K |
			 SMMU_IDR5_GRAN64K)) ||
	    !SMMU_IDR1_CMDQS(s->idr1) || !SMMU_IDR1_EVENTQS(s->idr1)) {
		ret = -ENODEV;
		goto fail;
	}
	/* Preset tables or queues cannot be pointed at this memory. */
	if (s->idr1 & (SMMU_IDR1_QUEUES_PRESET | SMMU_IDR1_TABLES_PRESET)) {
		ret = -EOPNOTSUPP;
		goto fail;
	}
	s->oas = smmu_ps_bits((unsigned int)SMMU_IDR5_OAS(s->idr5));
	/* 3.4.1: IAS is the OAS, at least 40 bits with AArch32 tables. */
	s->ias = s->oas < 40 && (SMMU_IDR0_TTF(s->idr0) & 1) ? 40 : s->oas;
	s->sid_bits = (unsigned int)SMMU_IDR1_SIDSIZE(s->idr1);
	if (s->sid_bits > 32)
		s->sid_bits = 32;
	s->asid_bits = s->idr0 & SMMU_IDR0_ASID16 ? 16 : 8;
	s->vmid_bits = s->idr0 & SMMU_IDR0_VMID16 ? 16 : 8;
	s->coherent = !!(s->idr0 & SMMU_IDR0_COHACC);
	s->ril = !!(s->idr3 & SMMU_IDR3_RIL);

	/* Queues: one page each unless asked for fewer entries. */
	max_lg2 = (unsigned int)SMMU_IDR1_CMDQS(s->idr1);
	want = opts && opts->cmdq_lg2 ? opts->cmdq_lg2 : 8;
	if (opts && opts->cmdq_lg2 && want > max_lg2) {
		ret = -EOPNOTSUPP;
		goto fail;
	}
	s->cmdq_lg2 = want < max_lg2 ? want : max_lg2;
	max_lg2 = (unsigned int)SMMU_IDR1_EVENTQS(s->idr1);
	want = opts && opts->evtq_lg2 ? opts->evtq_lg2 : 7;
	if (opts && opts->evtq_lg2 && want > max_lg2) {
		ret = -EOPNOTSUPP;
		goto fail;
	}
	s->evtq_lg2 = want < max_lg2 ? want : max_lg2;

	/*
	 * Stream table (3.3.1): 2-level when the SMMU has it (IDR0.ST_LVL)
	 * and more StreamIDs exist than one page of STEs holds; the level 1
	 * table is one page (up to 2^15 StreamIDs), level 2 tables of 64
	 * STEs are added as StreamIDs are attached.
	 */
	s->two_level = SMMU_IDR0_ST_LVL(s->idr0) == 1 &&
		       !(s->flags & IOMMUDRV_SMMU_LINEAR) && s->sid_bits > 6;
	if (s->two_level) {
		s->st_lg2 = s->sid_bits < SMMU_SPLIT + SMMU_L1_MAX_LG2 ?
				    s->sid_bits : SMMU_SPLIT + SMMU_L1_MAX_LG2;
		ret = drv_page_alloc(&s->mem, &s->strtab, SMMU_PAGE_LG2);
		if (!ret) {
			s->l2 = calloc((size_t)1 << (s->st_lg2 - SMMU_SPLIT),
				       sizeof(*s->l2));
			if (!s->l2)
				ret = -ENOMEM;
		}
	} else {
		unsigned int lg2 = opts && opts->linear_lg2 ? opts->linear_lg2 : 6;

		if (opts && opts->linear_lg2 && lg2 > s->sid_bits) {
			ret = -EOPNOTSUPP;
			goto fail;
		}
		s->st_lg2 = lg2 < s->sid_bits ? lg2 : s->sid_bits;
		lg2 = s->st_lg2 + 6; /* 64-byte STEs */
		ret = drv_page_alloc(&s->mem, &s->strtab,
				 lg2 > SMMU_PAGE_LG2 ? lg2 : SMMU_PAGE_LG2);
	}
	if (!ret)
		ret = drv_page_alloc(&s->mem, &s->cmdq, SMMU_PAGE_LG2);
	if (!ret)
		ret = drv_page_alloc(&s->mem, &s->evtq, SMMU_PAGE_LG2);
	if (ret)
		goto fail;
	*out = s;
	return 0;
fail:
	iommudrv_smmu_destroy(s);
	return ret;
}

int iommudrv_smmu_enable(struct iommudrv_smmu *s)
{
	int ret;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	ret = enable_locked(s);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void iommudrv_smmu_destroy(struct iommudrv_smmu *s)
{
	if (!s)
		return;
	if (s->enabled)
		disable_unit(s);
	if (s->l2) {
		for (size_t i = 0; i < (size_t)1 << (s->st_lg2 - SMMU_SPLIT); i++)
			drv_page_free(&s->mem, &s->l2[i]);
		free(s->l2);
	}
	while (s->devs) {
		struct smmu_dev *d = s->devs;

		s->devs = d->next;
		drv_page_free(&s->mem, &d->cd);
		free(d);
	}
	drv_page_free(&s->mem, &s->strtab);
	drv_page_free(&s->mem, &s->cmdq);
	drv_page_free(&s->mem, &s->evtq);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- attach / detach -------------------------------------------------- */

static struct smmu_dev *find_dev(struct iommudrv_smmu *s, uint32_t sid)
{
	struct smmu_dev *d;

	for (d = s->devs; d; d = d->next)
		if (d->sid == sid)
			return d;
	return NULL;
}

/*
 * The STE of sid (as dword array), adding its level 2 table when asked.
 * 5.1.1: a new L1STD needs the non-leaf CMD_CFGI_STE before use.
 */
static int ste_of(struct iommudrv_smmu *s, uint32_t sid, int alloc,
		  uint64_t **ste)
{
	struct drv_page *l2;
	int ret;

	*ste = NULL;
	if (!s->two_level) {
		*ste = (uint64_t *)s->strtab.cpu + SMMU_STE_DWORDS * sid;
		return 0;
	}
	l2 = &s->l2[sid >> SMMU_SPLIT];
	if (!l2->cpu) {
		if (!alloc)
			return -ENOENT;
		ret = drv_page_alloc(&s->mem, l2, SMMU_PAGE_LG2);
		if (ret)
			return ret;
		put64(s, s->strtab.cpu, sid >> SMMU_SPLIT,
		      l2->oa | SMMU_L1STD_SPAN(SMMU_SPLIT + 1));
		ret = cmd_cfgi_ste(s, sid, 0);
		if (!ret)
			ret = cmd_sync(s);
		if (ret)
			return ret;
	}
	*ste = (uint64_t *)l2->cpu +
	       SMMU_STE_DWORDS * (sid & (SMMU_BIT(SMMU_SPLIT) - 1));
	return 0;
}

/* Cacheability of table and CD fetches: write-back when coherent. */
static unsigned int cache_attr(struct iommudrv_smmu *s)
{
	return s->coherent ? 1 : 0; /* 1: WB read/write-allocate, 0: NC */
}

static unsigned int share_attr(struct iommudrv_smmu *s)
{
	return s->coherent ? 3 : 2; /* inner / outer shareable */
}

/* 5.4: the CD of a stage 1 domain. */
static void cd_build(struct iommudrv_smmu *s,
		     const struct iommupt_domain_info *di, uint16_t asid,
		     uint64_t cd[SMMU_CD_DWORDS])
{
	unsigned int g = di->granule_lg2, c = cache_attr(s), sh = share_attr(s);
	uint64_t d0;

	memset(cd, 0, SMMU_CD_DWORDS * sizeof(cd[0]));
	/*
	 * AA64 tables, V; R: record faults; A: abort on fault (required
	 * with IDR0.TERM_MODEL, the useful choice anyway); ASET: this
	 * driver's ASIDs are not the CPU's, broadcast TLBIs must miss them.
	 */
	d0 = SMMU_CD_0_V | SMMU_CD_0_AA64 | SMMU_CD_0_R | SMMU_CD_0_A |
	     SMMU_CD_0_ASET | SMMU_CD_0_ASID(asid) |
	     SMMU_CD_0_IPS(smmu_ps_enc(di->oas_lg2));
	if (SMMU_IDR0_HTTU(s->idr0) >= 1)
		d0 |= SMMU_CD_0_HA;
	if (SMMU_IDR0_HTTU(s->idr0) >= 2)
		d0 |= SMMU_CD_0_HD;
	if (di->va_layout == IOMMUPT_VA_UPPER) {
		/* TTB1 only; TG1 encodes 16K 1, 4K 2, 64K 3. */
		d0 |= SMMU_CD_0_EPD0 | SMMU_CD_0_T1SZ(64 - di->ias_lg2) |
		      SMMU_CD_0_TG1(g == 12 ? 2 : g == 14 ? 1 : 3) |
		      SMMU_CD_0_IR1(c) | SMMU_CD_0_OR1(c) | SMMU_CD_0_SH1(sh) |
		      SMMU_CD_0_T0SZ(64 - di->ias_lg2) | SMMU_CD_0_TG0(0);
		cd[2] = di->root_oa & SMMU_CD_TTB_MASK;
	} else {
		/* TTB0 only; TG0 encodes 4K 0, 64K 1, 16K 2. */
		d0 |= SMMU_CD_0_EPD1 | SMMU_CD_0_T0SZ(64 - di->ias_lg2) |
		      SMMU_CD_0_TG0(g == 12 ? 0 : g == 16 ? 1 : 2) |
		      SMMU_CD_0_IR0(c) | SMMU_CD_0_OR0(c) | SMMU_CD_0_SH0(sh) |
		      SMMU_CD_0_T1SZ(64 - di->ias_lg2) | SMMU_CD_0_TG1(2);
		cd[1] = di->root_oa & SMMU_CD_TTB_MASK;
	}
	cd[3] = SMMU_MAIR;
	cd[0] = d0;
}

/* 5.2: the STE of a stage 1 (CD at cd_oa) or stage 2 domain. */
static void ste_build(struct iommudrv_smmu *s,
		      const struct iommupt_domain_info *di, uint16_t id,
		      uint64_t cd_oa, uint64_t ste[SMMU_STE_DWORDS])
{
	unsigned int c = cache_attr(s), sh = share_attr(s);

	memset(ste, 0, SMMU_STE_DWORDS * sizeof(ste[0]));
	if (di->format == IOMMUPT_FMT_ARM_S1) {
		/* One CD (S1CDMax 0, S1Fmt linear); NS-EL1 stream world. */
		ste[1] = SMMU_STE_1_S1CIR(c) | SMMU_STE_1_S1COR(c) |
			 SMMU_STE_1_S1CSH(sh) | SMMU_STE_1_STRW_NSEL1;
		ste[2] = SMMU_STE_2_S2VMID(0);
		ste[0] = SMMU_STE_0_V |
			 SMMU_STE_0_CONFIG(SMMU_STE_CONFIG_S1) |
			 SMMU_STE_0_S1FMT(0) | SMMU_STE_0_S1CDMAX(0) |
			 (cd_oa & SMMU_STE_0_S1CTXPTR_MASK);
		return;
	}
	{
		unsigned int g = di->granule_lg2;
		/* Start level 4 - levels; SL0 counts down from 2 (4K) or 3. */
		unsigned int sl0 = (g == 12 ? 2u : 3u) - (4u - di->levels);

		ste[2] = SMMU_STE_2_S2VMID(id) |
			 SMMU_STE_2_S2T0SZ(64 - di->ias_lg2) |
			 SMMU_STE_2_S2SL0(sl0) | SMMU_STE_2_S2IR0(c) |
			 SMMU_STE_2_S2OR0(c) | SMMU_STE_2_S2SH0(sh) |
			 SMMU_STE_2_S2TG(g == 12 ? 0 : g == 16 ? 1 : 2) |
			 SMMU_STE_2_S2PS(smmu_ps_enc(di->oas_lg2)) |
			 SMMU_STE_2_S2AA64 | SMMU_STE_2_S2R;
		if (SMMU_IDR0_HTTU(s->idr0) >= 1)
			ste[2] |= SMMU_STE_2_S2HA;
		if (SMMU_IDR0_HTTU(s->idr0) >= 2)
			ste[2] |= SMMU_STE_2_S2HD;
		ste[3] = di->root_oa & SMMU_STE_3_S2TTB_MASK;
		ste[0] = SMMU_STE_0_V | SMMU_STE_0_CONFIG(SMMU_STE_CONFIG_S2);
	}
}

/* Whether the SMMU can walk dom; 0 or -EOPNOTSUPP. */
static int check_domain(struct iommudrv_smmu *s,
			const struct iommupt_domain_info *di)
{
	unsigned int g = di->granule_lg2;
	uint32_t gran = g == 12 ? SMMU_IDR5_GRAN4K :
			g == 14 ? SMMU_IDR5_GRAN16K :
			g == 16 ? SMMU_IDR5_GRAN64K : 0;

	if (!gran || !(s->idr5 & gran) || di->oas_lg2 > s->oas ||
	    smmu_ps_enc(di->oas_lg2) < 0 || di->levels < 1 || di->levels > 4)
		return -EOPNOTSUPP;
	if (di->format == IOMMUPT_FMT_ARM_S1) {
		/* 5.4 T0SZ/T1SZ: 48-bit VAs, 52 with IDR5.VAX and 64K. */
		unsigned int va = SMMU_IDR5_VAX(s->idr5) == 1 && g == 16 ? 52 : 48;

		if (!(s->idr0 & SMMU_IDR0_S1P) || di->ias_lg2 > va ||
		    (di->va_layout != IOMMUPT_VA_LOWER &&
		     di->va_layout != IOMMUPT_VA_UPPER))
			return -EOPNOTSUPP;
		return 0;
	}
	if (di->format != IOMMUPT_FMT_ARM_S2 || !(s->idr0 & SMMU_IDR0_S2P) ||
	    di->ias_lg2 > s->ias)
		return -EOPNOTSUPP;
	/*
	 * 5.2 S2SL0: the walk starts at level 0-2 (4K) or 1-3 (16K, 64K);
	 * at most 16 concatenated tables at the start level.
	 */
	if (4 - di->levels < (g == 12 ? 0u : 1u) || 4 - di->levels > (g == 12 ? 2u : 3u) ||
	    di->root_size_lg2 > g + 4)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * 3.21: make the STE invalid and wait until the SMMU has dropped it and
 * the TLB entries of its old tag.
 */
static int ste_teardown(struct iommudrv_smmu *s, struct smmu_dev *d,
			uint64_t *ste)
{
	int ret;

	put64(s, ste, 0, 0);
	ret = cmd_cfgi_ste(s, d->sid, 1);
	if (!ret)
		ret = cmd_sync(s);
	if (!ret)
		ret = cmd_tlbi_id(s, d->stage2, d->id);
	if (!ret)
		ret = cmd_sync(s);
	if (!ret)
		d->attached = 0;
	return ret;
}

static int attach_locked(struct iommudrv_smmu *s, uint32_t sid,
			 const struct iommupt_domain_info *di, uint16_t id)
{
	int stage2 = di->format == IOMMUPT_FMT_ARM_S2, new_dev = 0, new_cd = 0;
	uint64_t *ste, cd[SMMU_CD_DWORDS], e[SMMU_STE_DWORDS];
	struct smmu_dev *d;
	int ret;

	/* Memory first, so that -ENOMEM leaves everything as it was. */
	d = find_dev(s, sid);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->sid = sid;
		new_dev = 1;
	}
	if (!stage2 && !d->cd.cpu) {
		ret = drv_page_alloc(&s->mem, &d->cd, SMMU_PAGE_LG2);
		if (ret)
			goto undo;
		new_cd = 1;
	}
	ret = ste_of(s, sid, 1, &ste);
	if (ret == -ENOMEM)
		goto undo;
	if (new_dev) {
		d->next = s->devs;
		s->devs = d;
	}
	if (ret)
		return ret; /* the new level 2 table is in; its sync failed */
	if (d->attached) {
		ret = ste_teardown(s, d, ste);
		if (ret)
			return ret;
	}
	/* The STE is invalid: nothing reads the CD while it is rewritten. */
	if (!stage2) {
		cd_build(s, di, id, cd);
		for (unsigned int i = SMMU_CD_DWORDS; i-- > 0;)
			put64(s, d->cd.cpu, i, cd[i]);
	}
	ste_build(s, di, id, d->cd.oa, e);
	for (unsigned int i = SMMU_STE_DWORDS; i-- > 0;)
		put64(s, ste, i, e[i]); /* dword 0 (V) last */
	ret = stage2 ? 0 : cmd_cfgi_cd(s, sid);
	if (!ret)
		ret = cmd_cfgi_ste(s, sid, 1);
	/* Entries a former user of this tag left behind must not hit. */
	if (!ret)
		ret = cmd_tlbi_id(s, stage2, id);
	if (!ret)
		ret = cmd_sync(s);
	d->attached = 1;
	d->stage2 = stage2;
	d->id = id;
	return ret;
undo:
	if (new_cd)
		drv_page_free(&s->mem, &d->cd);
	if (new_dev)
		free(d);
	return ret;
}

int iommudrv_smmu_attach(struct iommudrv_smmu *s, uint32_t sid,
			 struct iommupt_domain *dom, uint16_t id)
{
	IOMMUPT_OPTS(iommupt_domain_info, di);
	int ret;

	if (!s || !dom)
		return -EINVAL;
	ret = iommupt_domain_get_info(dom, &di);
	if (ret)
		return ret;
	if (di.format != IOMMUPT_FMT_ARM_S1 && di.format != IOMMUPT_FMT_ARM_S2)
		return -EOPNOTSUPP;
	ret = check_domain(s, &di);
	if (ret)
		return ret;
	if ((uint64_t)sid >> s->st_lg2 ||
	    (uint32_t)id >> (di.format == IOMMUPT_FMT_ARM_S2 ? s->vmid_bits
							    : s->asid_bits))
		return -ERANGE;
	pthread_mutex_lock(&s->lock);
	ret = attach_locked(s, sid, &di, id);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int iommudrv_smmu_detach(struct iommudrv_smmu *s, uint32_t sid)
{
	struct smmu_dev *d;
	uint64_t *ste;
	int ret;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	d = find_dev(s, sid);
	if (!d || !d->attached || ste_of(s, sid, 0, &ste)) {
		ret = -ENOENT;
		goto out;
	}
	ret = ste_teardown(s, d, ste);
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* ---- flush, faults, info ---------------------------------------------- */

int iommudrv_smmu_flush(struct iommudrv_smmu *s, struct iommupt_domain *dom,
			uint16_t id, const struct iommupt_gather *g)
{
	IOMMUPT_OPTS(iommupt_domain_info, di);
	int ret;

	if (!s || !dom || !g)
		return -EINVAL;
	ret = iommupt_domain_get_info(dom, &di);
	if (ret)
		return ret;
	if (di.format != IOMMUPT_FMT_ARM_S1 && di.format != IOMMUPT_FMT_ARM_S2)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&s->lock);
	ret = do_flush(s, &di, id, g);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int iommudrv_smmu_flush_all(struct iommudrv_smmu *s)
{
	int ret;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	ret = inval_all(s);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int iommudrv_smmu_read_faults(struct iommudrv_smmu *s,
			      struct iommudrv_fault *out, unsigned int max,
			      unsigned int *n)
{
	int ret;

	if (n)
		*n = 0;
	if (!s || (!out && max))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	ret = read_faults(s, out, max, n);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int iommudrv_smmu_get_info(struct iommudrv_smmu *s,
			   struct iommudrv_smmu_info *info)
{
	struct iommudrv_smmu_info r;

	if (!s || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.sz = info->sz;
	r.idr0 = s->idr0;
	r.idr1 = s->idr1;
	r.idr3 = s->idr3;
	r.idr5 = s->idr5;
	r.stage1 = !!(s->idr0 & SMMU_IDR0_S1P);
	r.stage2 = !!(s->idr0 & SMMU_IDR0_S2P);
	r.coherent = (uint32_t)s->coherent;
	r.httu = (uint32_t)SMMU_IDR0_HTTU(s->idr0);
	r.range_inval = (uint32_t)s->ril;
	r.oas_lg2 = s->oas;
	r.granules = (s->idr5 & SMMU_IDR5_GRAN4K ? 1u << 12 : 0) |
		     (s->idr5 & SMMU_IDR5_GRAN16K ? 1u << 14 : 0) |
		     (s->idr5 & SMMU_IDR5_GRAN64K ? 1u << 16 : 0);
	r.sid_bits = s->sid_bits;
	r.asid_bits = s->asid_bits;
	r.vmid_bits = s->vmid_bits;
	r.two_level = (uint32_t)s->two_level;
	r.table_sid_bits = s->st_lg2;
	r.cmdq_entries = 1u << s->cmdq_lg2;
	r.evtq_entries = 1u << s->evtq_lg2;
	memcpy(info, &r, info->sz < sizeof(r) ? info->sz : sizeof(r));
	return 0;
}
