// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * User-mode VT-d driver: root and context tables in legacy mode (spec
 * 3.4.2, 9.1, 9.3) or scalable mode (3.4.3, 9.2, 9.4-9.6: each attached
 * requester gets a PASID directory and table whose RID_PASID entry points
 * at the domain, second stage only), queued invalidation (6.5.2) with
 * register-based invalidation (6.5.1) as the legacy-mode fallback, fault
 * recording (7.1.3, 10.4.14).
 * Every register access goes through struct iommupt_mmio.
 *
 * Memory ordering: entries are plain stores to write-back memory and the
 * unit is told about them by an MMIO write; a full fence sits before each
 * doorbell. Without a coherent page walk (ECAP.C = 0) the driver writes
 * back the cache lines of its own structures. The lines of the domain's
 * page tables, which libiommupt writes, are not written back yet: on such
 * a unit the caller must do that before flushing (a library hook is
 * missing). QEMU's unit reports C = 0 but reads guest memory directly.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>

#include "drv-int.h"
#include "vtd-regs.h"

#define VTD_PAGE 4096u
#define VTD_PAGE_LG2 12
#define VTD_NR_BUS 256
#define VTD_TIMEOUT_NS 1000000000ull /* hardware acks within microseconds */

struct vtd_page {
	void *cpu;
	uint64_t oa;
};

/* Scalable mode: the PASID structures of one attached requester. */
struct vtd_dev {
	struct vtd_dev *next;
	uint16_t sid;
	struct vtd_page pdir;  /* PASID directory (128 entries used) */
	struct vtd_page ptbl;  /* PASID table for PASIDs 0-63 */
};

struct iommudrv_vtd {
	struct iommupt_mmio mmio;
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	uint32_t unit;
	uint32_t flags;
	uint32_t version;
	uint64_t cap;
	uint64_t ecap;
	unsigned int iotlb_off;   /* IVA_REG offset (ECAP.IRO * 16) */
	unsigned int frcd_off;    /* first fault recording register */
	unsigned int nr_frcd;
	int use_qi;
	int scalable;             /* scalable-mode tables (needs QI) */
	int enabled;
	struct vtd_page root;     /* 256 root entries, one per bus */
	/*
	 * Context tables per bus: [0] only in legacy mode; in scalable mode
	 * [0] holds devfn 0-127 and [1] devfn 128-255.
	 */
	struct vtd_page ctx[VTD_NR_BUS][2];
	struct vtd_dev *devs;     /* scalable mode: PASID structures */
	struct vtd_page iq;       /* invalidation queue, one page */
	struct vtd_page status;   /* invalidation-wait status word */
	unsigned int iq_desc;     /* descriptor bytes: 16, or 32 in scalable mode */
	unsigned int iq_entries;  /* descriptors in the queue */
	unsigned int iq_tail;     /* next free descriptor slot */
	uint32_t wait_seq;
};

static int rd32(struct iommudrv_vtd *v, uint64_t off, uint32_t *val)
{
	uint64_t x;
	int ret = v->mmio.read(v->mmio.ctx, off, 4, &x);

	*val = (uint32_t)x;
	return ret;
}

static int rd64(struct iommudrv_vtd *v, uint64_t off, uint64_t *val)
{
	return v->mmio.read(v->mmio.ctx, off, 8, val);
}

static int wr32(struct iommudrv_vtd *v, uint64_t off, uint32_t val)
{
	return v->mmio.write(v->mmio.ctx, off, 4, val);
}

static int wr64(struct iommudrv_vtd *v, uint64_t off, uint64_t val)
{
	return v->mmio.write(v->mmio.ctx, off, 8, val);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Poll a 32-bit register until (val & mask) == want. */
static int poll32(struct iommudrv_vtd *v, uint64_t off, uint32_t mask,
		  uint32_t want)
{
	uint64_t end = now_ns() + VTD_TIMEOUT_NS;
	uint32_t val;
	int ret;

	for (;;) {
		ret = rd32(v, off, &val);
		if (ret)
			return ret;
		if ((val & mask) == want)
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
	}
}

static int poll64(struct iommudrv_vtd *v, uint64_t off, uint64_t mask,
		  uint64_t want)
{
	uint64_t end = now_ns() + VTD_TIMEOUT_NS;
	uint64_t val;
	int ret;

	for (;;) {
		ret = rd64(v, off, &val);
		if (ret)
			return ret;
		if ((val & mask) == want)
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
	}
}

/*
 * Issue one global command (10.4.4): set (on) or clear (off) the command
 * bit while keeping the other persistent enables, then wait for the status
 * bit. One-shot commands (SRTP, WBF) are "on" and their status bit is
 * awaited set (SRTP) or clear (WBF) by the caller's want.
 */
static int gcmd(struct iommudrv_vtd *v, uint32_t bit, int on, uint32_t want)
{
	uint32_t sts;
	int ret = rd32(v, VTD_GSTS_REG, &sts);

	if (ret)
		return ret;
	sts &= VTD_GSTS_PERSIST_MASK;
	sts = on ? sts | bit : sts & ~bit;
	ret = wr32(v, VTD_GCMD_REG, sts);
	if (ret)
		return ret;
	return poll32(v, VTD_GSTS_REG, bit, want);
}

static int page_alloc(struct iommudrv_vtd *v, struct vtd_page *p)
{
	return v->mem.alloc_table(v->mem.ctx, VTD_PAGE_LG2, &p->cpu, &p->oa);
}

static void page_free(struct iommudrv_vtd *v, struct vtd_page *p)
{
	if (p->cpu)
		v->mem.free_table(v->mem.ctx, p->cpu, p->oa, VTD_PAGE_LG2);
	p->cpu = NULL;
}

/*
 * Store one qword of a structure the unit reads (root, context and PASID
 * entries, queue descriptors). When the unit's walks do not snoop the CPU
 * caches (ECAP.C = 0, 10.4.3) the line is written back so the unit sees it;
 * the caller's full fence before the doorbell orders the write-back.
 */
static void put64(struct iommudrv_vtd *v, void *base, unsigned int idx,
		  uint64_t val)
{
	uint64_t *p = (uint64_t *)base + idx;

	__atomic_store_n(p, val, __ATOMIC_RELEASE);
#if defined(__x86_64__) || defined(__i386__)
	if (!(v->ecap & VTD_ECAP_C))
		__builtin_ia32_clflush(p);
#endif
}

static uint64_t load64(const void *base, unsigned int idx)
{
	return __atomic_load_n((const uint64_t *)base + idx, __ATOMIC_ACQUIRE);
}

/* ---- invalidation ---------------------------------------------------- */

static int qi_check_error(struct iommudrv_vtd *v)
{
	uint32_t fsts;
	int ret = rd32(v, VTD_FSTS_REG, &fsts);

	if (ret)
		return ret;
	if (fsts & (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)) {
		/* Clear so the queue runs again; the caller sees -EIO. */
		wr32(v, VTD_FSTS_REG, fsts & (VTD_FSTS_IQE | VTD_FSTS_ICE |
					      VTD_FSTS_ITE));
		return -EIO;
	}
	return 0;
}

/*
 * Queue descriptors and a wait descriptor that writes a fresh sequence
 * number to the status page; return once the number has landed, which
 * means every earlier descriptor has completed (6.5.2.8).
 */
static int qi_submit(struct iommudrv_vtd *v, const uint64_t (*desc)[2],
		     unsigned int nr)
{
	uint64_t end;
	uint32_t seq;
	unsigned int i;
	int ret;

	if (nr + 1 >= v->iq_entries)
		return -EINVAL;
	/* Make room: the head must not be overtaken. */
	end = now_ns() + VTD_TIMEOUT_NS;
	for (;;) {
		uint64_t head;
		unsigned int used;

		ret = rd64(v, VTD_IQH_REG, &head);
		if (ret)
			return ret;
		head = (head & 0x7fff0) / v->iq_desc;
		used = (v->iq_tail - (unsigned int)head) & (v->iq_entries - 1);
		if (used + nr + 1 < v->iq_entries)
			break;
		if (now_ns() > end)
			return -ETIMEDOUT;
	}

	seq = ++v->wait_seq;
	if (!seq)
		seq = ++v->wait_seq;
	__atomic_store_n((uint32_t *)v->status.cpu, 0, __ATOMIC_RELAXED);
	for (i = 0; i <= nr; i++) {
		uint64_t lo, hi;

		if (i < nr) {
			lo = desc[i][0];
			hi = desc[i][1];
		} else {
			lo = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN |
			     VTD_QI_WAIT_DATA(seq);
			hi = v->status.oa;
		}
		/* A 256-bit descriptor's upper half stays zero here. */
		unsigned int q = v->iq_tail * (v->iq_desc / 8);

		put64(v, v->iq.cpu, q, lo);
		put64(v, v->iq.cpu, q + 1, hi);
		if (v->iq_desc > 16) {
			put64(v, v->iq.cpu, q + 2, 0);
			put64(v, v->iq.cpu, q + 3, 0);
		}
		v->iq_tail = (v->iq_tail + 1) & (v->iq_entries - 1);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = wr64(v, VTD_IQT_REG, (uint64_t)v->iq_tail * v->iq_desc);
	if (ret)
		return ret;

	end = now_ns() + VTD_TIMEOUT_NS;
	while (__atomic_load_n((uint32_t *)v->status.cpu, __ATOMIC_ACQUIRE) !=
	       seq) {
		ret = qi_check_error(v);
		if (ret)
			return ret;
		if (now_ns() > end)
			return -ETIMEDOUT;
	}
	return qi_check_error(v);
}

static uint64_t iotlb_drain_qi(struct iommudrv_vtd *v)
{
	return (v->cap & VTD_CAP_DRD ? VTD_QI_IOTLB_DR : 0) |
	       (v->cap & VTD_CAP_DWD ? VTD_QI_IOTLB_DW : 0);
}

static uint64_t iotlb_drain_reg(struct iommudrv_vtd *v)
{
	return (v->cap & VTD_CAP_DRD ? VTD_IOTLB_DR : 0) |
	       (v->cap & VTD_CAP_DWD ? VTD_IOTLB_DW : 0);
}

/* Register-based context-cache invalidation (10.4.7). */
static int reg_ctx_inval(struct iommudrv_vtd *v, uint64_t cmd)
{
	int ret = wr64(v, VTD_CCMD_REG, VTD_CCMD_ICC | cmd);

	return ret ? ret : poll64(v, VTD_CCMD_REG, VTD_CCMD_ICC, 0);
}

/* Register-based IOTLB invalidation (10.4.8); iva only for page grain. */
static int reg_iotlb_inval(struct iommudrv_vtd *v, uint64_t cmd, uint64_t iva)
{
	int ret;

	if ((cmd & VTD_IOTLB_PAGE) == VTD_IOTLB_PAGE) {
		ret = wr64(v, v->iotlb_off + VTD_IVA_OFF, iva);
		if (ret)
			return ret;
	}
	ret = wr64(v, v->iotlb_off + VTD_IOTLB_OFF,
		   VTD_IOTLB_IVT | cmd | iotlb_drain_reg(v));
	return ret ? ret : poll64(v, v->iotlb_off + VTD_IOTLB_OFF,
				  VTD_IOTLB_IVT, 0);
}

/* Write buffer flush for units that need it (CAP.RWBF, 6.8). */
static int flush_write_buffer(struct iommudrv_vtd *v)
{
	if (!(v->cap & VTD_CAP_RWBF))
		return 0;
	return gcmd(v, VTD_GCMD_WBF, 1, 0);
}

static int inval_global(struct iommudrv_vtd *v)
{
	if (v->use_qi) {
		const uint64_t d[2][2] = {
			{ VTD_QI_CC | VTD_QI_CC_GLOBAL, 0 },
			{ VTD_QI_IOTLB | VTD_QI_IOTLB_GLOBAL | iotlb_drain_qi(v),
			  0 },
		};
		return qi_submit(v, d, 2);
	}
	int ret = reg_ctx_inval(v, VTD_CCMD_GLOBAL);

	return ret ? ret : reg_iotlb_inval(v, VTD_IOTLB_GLOBAL, 0);
}

/*
 * After a context entry changed: that device's context-cache entry, in
 * scalable mode the domain's PASID-cache entries, then the domain's IOTLB
 * (6.5.3.3 / 6.5.3.4 order).
 */
static int inval_context(struct iommudrv_vtd *v, uint16_t sid, uint16_t did)
{
	if (v->use_qi) {
		const uint64_t d[3][2] = {
			{ VTD_QI_CC | VTD_QI_CC_DEVICE | VTD_QI_CC_DID(did) |
				  VTD_QI_CC_SID(sid),
			  0 },
			{ VTD_QI_PC | VTD_QI_PC_DOMAIN | VTD_QI_PC_DID(did), 0 },
			{ VTD_QI_IOTLB | VTD_QI_IOTLB_DOMAIN |
				  VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v),
			  0 },
		};
		if (!v->scalable) {
			const uint64_t l[2][2] = {
				{ d[0][0], 0 },
				{ d[2][0], 0 },
			};
			return qi_submit(v, l, 2);
		}
		return qi_submit(v, d, 3);
	}
	int ret = reg_ctx_inval(v, VTD_CCMD_DEVICE | VTD_CCMD_DID(did) |
				       VTD_CCMD_SID(sid));

	return ret ? ret : reg_iotlb_inval(v, VTD_IOTLB_DOMAIN |
						      VTD_IOTLB_DID(did), 0);
}

static int do_flush(struct iommudrv_vtd *v, uint16_t did,
		    const struct iommupt_gather *g)
{
	int ret = flush_write_buffer(v);
	uint64_t start, last, addr = 0;
	unsigned int am = 0;
	int page = 0, ih;

	if (ret)
		return ret;
	if (iommupt_gather_empty(g))
		return 0;
	/* Non-present -> present needs no invalidation unless CAP.CM (6.1). */
	if (g->flags == IOMMUPT_GATHER_MAPPED && !(v->cap & VTD_CAP_CM))
		return 0;

	/*
	 * Page-selective: the smallest naturally aligned power-of-two block
	 * holding [start, last], if its mask fits CAP.MAMV (6.5.1.2).
	 */
	start = g->start & ~(uint64_t)(VTD_PAGE - 1);
	last = g->last | (VTD_PAGE - 1);
	if (v->cap & VTD_CAP_PSI) {
		unsigned int lg2 = VTD_PAGE_LG2;

		while (lg2 < 64 && (start >> lg2) != (last >> lg2))
			lg2++;
		am = lg2 - VTD_PAGE_LG2;
		if (lg2 < 64 && am <= VTD_CAP_MAMV(v->cap)) {
			page = 1;
			addr = start & ~((1ull << lg2) - 1);
		}
	}
	/* Unlinked tables: paging-structure caches must go too (IH = 0). */
	ih = !(g->flags & IOMMUPT_GATHER_TABLES);

	if (v->use_qi) {
		uint64_t d[1][2];

		if (page) {
			d[0][0] = VTD_QI_IOTLB | VTD_QI_IOTLB_PAGE |
				  VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v);
			d[0][1] = addr | am | (ih ? VTD_QI_IOTLB_IH : 0);
		} else {
			d[0][0] = VTD_QI_IOTLB | VTD_QI_IOTLB_DOMAIN |
				  VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v);
			d[0][1] = 0;
		}
		return qi_submit(v, d, 1);
	}
	if (page)
		return reg_iotlb_inval(v, VTD_IOTLB_PAGE | VTD_IOTLB_DID(did),
				       addr | am | (ih ? VTD_IVA_IH : 0));
	return reg_iotlb_inval(v, VTD_IOTLB_DOMAIN | VTD_IOTLB_DID(did), 0);
}

/* ---- faults ------------------------------------------------------------ */

static uint32_t vtd_reason(uint32_t fr)
{
	switch (fr) {
	case VTD_FR_WRITE:
	case VTD_FR_READ:
		return IOMMUDRV_FAULT_TRANSLATION;
	case VTD_FR_BEYOND_AGAW:
		return IOMMUDRV_FAULT_ADDR_SIZE;
	case VTD_FR_ROOT_NP:
	case VTD_FR_CTX_NP:
		return IOMMUDRV_FAULT_NO_DEVICE;
	case VTD_FR_CTX_INVALID:
	case VTD_FR_ROOT_RSVD:
	case VTD_FR_CTX_RSVD:
	case VTD_FR_SS_RSVD:
	case VTD_FR_TT_BLOCKED:
		return IOMMUDRV_FAULT_BAD_ENTRY;
	case VTD_FR_SS_ACCESS:
	case VTD_FR_ROOT_ACCESS:
	case VTD_FR_CTX_ACCESS:
		return IOMMUDRV_FAULT_WALK_ABORT;
	default:
		return IOMMUDRV_FAULT_OTHER;
	}
}

static int read_faults(struct iommudrv_vtd *v, struct iommudrv_fault *out,
		       unsigned int max, unsigned int *n)
{
	unsigned int i, got = 0;
	uint32_t fsts;
	int ret;

	ret = rd32(v, VTD_FSTS_REG, &fsts);
	if (ret)
		return ret;
	/*
	 * Start at the slot FSTS.FRI names, the oldest one hardware may have
	 * filled, and go round once (10.4.14: records fill in a ring).
	 */
	for (i = 0; i < v->nr_frcd; i++) {
		unsigned int slot = (VTD_FSTS_FRI(fsts) + i) % v->nr_frcd;
		uint64_t off = v->frcd_off + 16ull * slot;
		uint64_t lo, hi;

		ret = rd64(v, off + 8, &hi);
		if (ret)
			return ret;
		if (!(hi & VTD_FRCD_HI_F))
			continue;
		ret = rd64(v, off, &lo);
		if (ret)
			return ret;
		if (out && got < max) {
			struct iommudrv_fault *f = &out[got];

			memset(f, 0, sizeof(*f));
			f->unit = v->unit;
			f->source_id = VTD_FRCD_HI_SID(hi);
			f->iova = VTD_FRCD_LO_FI(lo);
			f->access = hi & VTD_FRCD_HI_T1 ? IOMMUDRV_ACCESS_READ
							: IOMMUDRV_ACCESS_WRITE;
			if (hi & VTD_FRCD_HI_EXE)
				f->access |= IOMMUDRV_ACCESS_EXEC;
			if (hi & VTD_FRCD_HI_PRIV)
				f->access |= IOMMUDRV_ACCESS_PRIV;
			f->vendor_reason = VTD_FRCD_HI_FR(hi);
			f->reason = vtd_reason(f->vendor_reason);
			if (hi & VTD_FRCD_HI_PP) {
				f->has_pasid = 1;
				f->pasid = VTD_FRCD_HI_PV(hi);
			}
			got++;
		} else if (out) {
			break; /* leave the rest for the next call */
		}
		/* F is RW1C in the record's top dword (bit 127). */
		ret = wr32(v, off + 12, 0x80000000u);
		if (ret)
			return ret;
	}
	if (n)
		*n = got;
	if (fsts & VTD_FSTS_PFO) {
		ret = wr32(v, VTD_FSTS_REG, VTD_FSTS_PFO);
		return ret ? ret : 1;
	}
	return 0;
}

/* ---- bring-up and shutdown ------------------------------------------- */

static int disable_unit(struct iommudrv_vtd *v)
{
	uint32_t sts;
	int ret = rd32(v, VTD_GSTS_REG, &sts);

	if (ret)
		return ret;
	if (sts & VTD_GCMD_TE) {
		ret = gcmd(v, VTD_GCMD_TE, 0, 0);
		if (ret)
			return ret;
	}
	if (sts & VTD_GCMD_QIE) {
		/* Let the queue drain before turning it off (10.4.4 QIE). */
		uint64_t tail;

		ret = rd64(v, VTD_IQT_REG, &tail);
		if (!ret)
			poll64(v, VTD_IQH_REG, 0x7fff0ull, tail & 0x7fff0ull);
		ret = gcmd(v, VTD_GCMD_QIE, 0, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int enable_locked(struct iommudrv_vtd *v)
{
	int ret;

	ret = disable_unit(v);
	if (ret)
		return ret;
	/* From here destroy must turn the unit off again, even on failure. */
	v->enabled = 1;

	/* 10.4.6: root table and its mode, latched by SRTP. */
	ret = wr64(v, VTD_RTADDR_REG,
		   v->root.oa | (v->scalable ? VTD_RTADDR_TTM_SCALABLE
					     : VTD_RTADDR_TTM_LEGACY));
	if (ret)
		return ret;
	ret = gcmd(v, VTD_GCMD_SRTP, 1, VTD_GCMD_SRTP);
	if (ret)
		return ret;

	if (v->use_qi) {
		/* 10.4.24: one page of descriptors; tail 0 first. */
		v->iq_tail = 0;
		ret = wr64(v, VTD_IQT_REG, 0);
		if (!ret)
			ret = wr64(v, VTD_IQA_REG,
				   v->iq.oa | VTD_IQA_QS(0) |
					   (v->scalable ? VTD_IQA_DW : 0));
		if (!ret)
			ret = gcmd(v, VTD_GCMD_QIE, 1, VTD_GCMD_QIE);
		if (ret)
			return ret;
	}

	ret = inval_global(v);
	if (ret)
		return ret;

	/* Faults are polled: mask the fault event, drop stale records. */
	ret = wr32(v, VTD_FECTL_REG, VTD_FECTL_IM);
	if (ret)
		return ret;
	ret = read_faults(v, NULL, 0, NULL);
	if (ret < 0)
		return ret;
	ret = wr32(v, VTD_FSTS_REG, VTD_FSTS_W1C);
	if (ret)
		return ret;

	ret = flush_write_buffer(v);
	if (ret)
		return ret;
	return gcmd(v, VTD_GCMD_TE, 1, VTD_GCMD_TE);
}

int iommudrv_vtd_create(const struct iommupt_mmio *mmio,
			const struct iommupt_mem *mem,
			const struct iommudrv_vtd_opts *opts,
			struct iommudrv_vtd **out)
{
	struct iommudrv_vtd *v;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mmio || !mmio->read || !mmio->write || !mem ||
	    mem->sz < offsetof(struct iommupt_mem, alloc_obj) ||
	    !mem->alloc_table || !mem->free_table)
		return -EINVAL;
	ret = drv_opts_check(opts, opts ? opts->sz : 0,
			     sizeof(struct iommudrv_vtd_opts));
	if (ret)
		return ret;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->mmio = *mmio;
	memset(&v->mem, 0, sizeof(v->mem));
	memcpy(&v->mem, mem,
	       mem->sz < sizeof(v->mem) ? mem->sz : sizeof(v->mem));
	pthread_mutex_init(&v->lock, NULL);
	if (opts) {
		v->unit = opts->unit;
		v->flags = opts->flags;
	}

	ret = rd32(v, VTD_VER_REG, &v->version);
	if (!ret)
		ret = rd64(v, VTD_CAP_REG, &v->cap);
	if (!ret)
		ret = rd64(v, VTD_ECAP_REG, &v->ecap);
	if (ret)
		goto fail;
	/* An absent block reads as all ones; a VT-d unit has SAGAW != 0. */
	if (v->version == 0xffffffffu || v->version == 0 ||
	    !VTD_CAP_SAGAW(v->cap) || !VTD_ECAP_IRO(v->ecap)) {
		ret = -ENODEV;
		goto fail;
	}
	v->iotlb_off = VTD_ECAP_IRO(v->ecap) * 16;
	v->frcd_off = VTD_CAP_FRO(v->cap) * 16;
	v->nr_frcd = VTD_CAP_NFR(v->cap);
	v->use_qi = (v->ecap & VTD_ECAP_QI) && !(v->flags & IOMMUDRV_VTD_NO_QI);
	v->scalable = v->use_qi && (v->ecap & VTD_ECAP_SMTS) &&
		      (v->ecap & VTD_ECAP_SLTS) &&
		      !(v->flags & IOMMUDRV_VTD_LEGACY);
	v->iq_desc = v->scalable ? VTD_IQ_DESC_SIZE_SM : VTD_IQ_DESC_SIZE;
	v->iq_entries = VTD_PAGE / v->iq_desc;

	ret = page_alloc(v, &v->root);
	if (!ret && v->use_qi)
		ret = page_alloc(v, &v->iq);
	if (!ret && v->use_qi)
		ret = page_alloc(v, &v->status);
	if (ret)
		goto fail;
	*out = v;
	return 0;
fail:
	iommudrv_vtd_destroy(v);
	return ret;
}

int iommudrv_vtd_enable(struct iommudrv_vtd *v)
{
	int ret;

	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = enable_locked(v);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

void iommudrv_vtd_destroy(struct iommudrv_vtd *v)
{
	unsigned int i;

	if (!v)
		return;
	if (v->enabled)
		disable_unit(v);
	for (i = 0; i < VTD_NR_BUS; i++) {
		page_free(v, &v->ctx[i][0]);
		page_free(v, &v->ctx[i][1]);
	}
	while (v->devs) {
		struct vtd_dev *d = v->devs;

		v->devs = d->next;
		page_free(v, &d->pdir);
		page_free(v, &d->ptbl);
		free(d);
	}
	page_free(v, &v->root);
	page_free(v, &v->iq);
	page_free(v, &v->status);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* ---- attach / detach -------------------------------------------------- */

static int attach_legacy(struct iommudrv_vtd *v, uint16_t sid,
			 const struct iommupt_domain_info *info, uint16_t did)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	struct vtd_page *ct = &v->ctx[bus][0];
	uint64_t old_lo, old_hi;
	int ret;

	if (!ct->cpu) {
		ret = page_alloc(v, ct);
		if (ret)
			return ret;
		/* 9.1: root entry low qword = context table | P. */
		put64(v, v->root.cpu, bus * 2 + 1, 0);
		put64(v, v->root.cpu, bus * 2, ct->oa | VTD_RE_P);
	}

	old_lo = load64(ct->cpu, devfn * 2);
	old_hi = load64(ct->cpu, devfn * 2 + 1);
	if (old_lo & VTD_CE_LO_P) {
		/*
		 * 6.5.3.3: a present entry is torn down (P = 0) and
		 * invalidated before it is rewritten, so the unit never sees
		 * half of each.
		 */
		put64(v, ct->cpu, devfn * 2, 0);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ret = flush_write_buffer(v);
		if (!ret)
			ret = inval_context(v, sid, (uint16_t)(old_hi >> 8));
		if (ret)
			return ret;
	}
	/* 9.3: AW and DID in the high qword first, then P in the low one. */
	put64(v, ct->cpu, devfn * 2 + 1,
		VTD_CE_HI_AW(info->levels - 2) | VTD_CE_HI_DID(did));
	put64(v, ct->cpu, devfn * 2, info->root_oa | VTD_CE_LO_TT_SS | VTD_CE_LO_P);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = flush_write_buffer(v);
	if (ret)
		return ret;
	/* Needed with CAP.CM (cached not-present), harmless otherwise. */
	return inval_context(v, sid, did);
}

static struct vtd_dev *find_dev(struct iommudrv_vtd *v, uint16_t sid)
{
	struct vtd_dev *d;

	for (d = v->devs; d; d = d->next)
		if (d->sid == sid)
			return d;
	return NULL;
}

/* Scalable mode: the context table (half) holding devfn, made on demand. */
static int sm_context_table(struct iommudrv_vtd *v, unsigned int bus,
			    unsigned int half, struct vtd_page **out)
{
	struct vtd_page *ct = &v->ctx[bus][half];
	int ret;

	if (!ct->cpu) {
		ret = page_alloc(v, ct);
		if (ret)
			return ret;
		/* 9.2: LCTP/LP in the low qword, UCTP/UP in the high one. */
		put64(v, v->root.cpu, bus * 2 + half, ct->oa | VTD_RE_P);
	}
	*out = ct;
	return 0;
}

static int attach_scalable(struct iommudrv_vtd *v, uint16_t sid,
			   const struct iommupt_domain_info *info,
			   uint16_t did)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	unsigned int ce = (devfn & 0x7f) * 4; /* qword index of the entry */
	struct vtd_page *ct;
	struct vtd_dev *d;
	uint64_t old;
	int ret;

	ret = sm_context_table(v, bus, devfn >> 7, &ct);
	if (ret)
		return ret;
	d = find_dev(v, sid);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		ret = page_alloc(v, &d->pdir);
		if (!ret)
			ret = page_alloc(v, &d->ptbl);
		if (ret) {
			page_free(v, &d->pdir);
			free(d);
			return ret;
		}
		d->sid = sid;
		d->next = v->devs;
		v->devs = d;
	}

	old = load64(ct->cpu, ce);
	if (old & VTD_SMCE_Q0_P) {
		/* Tear down and invalidate before rewriting (6.5.3.3). */
		uint16_t old_did = (uint16_t)load64(d->ptbl.cpu, 1);

		put64(v, ct->cpu, ce, 0);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ret = inval_context(v, sid, old_did);
		if (ret)
			return ret;
	}
	/* 9.6: PASID entry 0 (RID_PASID): DID, then type, AW, table, P. */
	put64(v, d->ptbl.cpu, 0, 0);
	put64(v, d->ptbl.cpu, 1, VTD_PTE_Q1_DID(did));
	put64(v, d->ptbl.cpu, 0,
		info->root_oa | VTD_PTE_Q0_PGTT_SS |
			VTD_PTE_Q0_AW(info->levels - 2) | VTD_PTE_Q0_P);
	/* 9.5: directory entry 0 covers PASIDs 0-63. */
	put64(v, d->pdir.cpu, 0, d->ptbl.oa | VTD_PDE_P);
	/* 9.4: RID_PASID 0; a 128-entry directory (PDTS 0). */
	put64(v, ct->cpu, ce + 1, VTD_SMCE_Q1_RID_PASID(0));
	put64(v, ct->cpu, ce + 2, 0);
	put64(v, ct->cpu, ce + 3, 0);
	put64(v, ct->cpu, ce, d->pdir.oa | VTD_SMCE_Q0_PDTS(0) | VTD_SMCE_Q0_P);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return inval_context(v, sid, did);
}

int iommudrv_vtd_attach(struct iommudrv_vtd *v, uint16_t sid,
			struct iommupt_domain *dom, uint16_t did)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	uint64_t hw_pgsizes;
	int ret;

	if (!v || !dom)
		return -EINVAL;
	ret = iommupt_domain_get_info(dom, &info);
	if (ret)
		return ret;
	if (info.format != IOMMUPT_FMT_VTD_SS || info.root_size_lg2 != 12)
		return -EOPNOTSUPP;
	/* SAGAW bit n-2 <=> n-level tables (10.4.2); context AW = n - 2. */
	if (info.levels < 3 || info.levels > 5 ||
	    !(VTD_CAP_SAGAW(v->cap) & (1u << (info.levels - 2))))
		return -EOPNOTSUPP;
	hw_pgsizes = (1ull << 12) |
		     (VTD_CAP_SLLPS(v->cap) & 1 ? 1ull << 21 : 0) |
		     (VTD_CAP_SLLPS(v->cap) & 2 ? 1ull << 30 : 0);
	if (info.pgsize_bitmap & ~hw_pgsizes)
		return -EOPNOTSUPP;
	if (did >= (1u << (4 + 2 * VTD_CAP_ND(v->cap))) ||
	    (did == 0 && (v->cap & VTD_CAP_CM)))
		return -ERANGE; /* 10.4.2 ND; DID 0 is reserved under CM */

	pthread_mutex_lock(&v->lock);
	ret = v->scalable ? attach_scalable(v, sid, &info, did)
			  : attach_legacy(v, sid, &info, did);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_detach(struct iommudrv_vtd *v, uint16_t sid)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	struct vtd_page *ct;
	uint64_t hi;
	int ret;

	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	if (v->scalable) {
		unsigned int ce = (devfn & 0x7f) * 4;
		struct vtd_dev *d = find_dev(v, sid);

		ct = &v->ctx[bus][devfn >> 7];
		if (!ct->cpu || !d || !(load64(ct->cpu, ce) & VTD_SMCE_Q0_P)) {
			ret = -ENOENT;
			goto out;
		}
		hi = load64(d->ptbl.cpu, 1) << 8; /* DID, placed as in legacy */
		put64(v, ct->cpu, ce, 0);
	} else {
		ct = &v->ctx[bus][0];
		if (!ct->cpu || !(load64(ct->cpu, devfn * 2) & VTD_CE_LO_P)) {
			ret = -ENOENT;
			goto out;
		}
		hi = load64(ct->cpu, devfn * 2 + 1);
		put64(v, ct->cpu, devfn * 2, 0);
		put64(v, ct->cpu, devfn * 2 + 1, 0);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = flush_write_buffer(v);
	if (!ret)
		ret = inval_context(v, sid, (uint16_t)(hi >> 8));
out:
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* ---- flush, faults, info ---------------------------------------------- */

int iommudrv_vtd_flush(struct iommudrv_vtd *v, uint16_t did,
		       const struct iommupt_gather *g)
{
	int ret;

	if (!v || !g)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = do_flush(v, did, g);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_flush_all(struct iommudrv_vtd *v)
{
	int ret;

	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = flush_write_buffer(v);
	if (!ret)
		ret = inval_global(v);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_read_faults(struct iommudrv_vtd *v,
			     struct iommudrv_fault *out, unsigned int max,
			     unsigned int *n)
{
	int ret;

	if (n)
		*n = 0;
	if (!v || (!out && max))
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = read_faults(v, out, max, n);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_get_info(struct iommudrv_vtd *v,
			  struct iommudrv_vtd_info *info)
{
	struct iommudrv_vtd_info r;
	unsigned int n;

	if (!v || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.sz = info->sz;
	r.version = v->version & 0xff;
	r.cap = v->cap;
	r.ecap = v->ecap;
	for (n = 3; n <= 5; n++)
		if (VTD_CAP_SAGAW(v->cap) & (1u << (n - 2)))
			r.levels_mask |= 1u << n;
	r.mgaw = VTD_CAP_MGAW(v->cap);
	r.pgsize_bitmap = (1ull << 12) |
			  (VTD_CAP_SLLPS(v->cap) & 1 ? 1ull << 21 : 0) |
			  (VTD_CAP_SLLPS(v->cap) & 2 ? 1ull << 30 : 0);
	r.nr_domains = 1u << (4 + 2 * VTD_CAP_ND(v->cap));
	r.nr_fault_records = v->nr_frcd;
	r.queued_inval = (uint32_t)v->use_qi;
	r.scalable = !!(v->ecap & VTD_ECAP_SMTS);
	r.scalable_mode = (uint32_t)v->scalable;
	r.caching_mode = !!(v->cap & VTD_CAP_CM);
	memcpy(info, &r, info->sz < sizeof(r) ? info->sz : sizeof(r));
	return 0;
}
