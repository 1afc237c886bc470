// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * User-mode VT-d driver: root and context tables in legacy mode (spec
 * 3.4.2, 9.1, 9.3) or scalable mode (3.4.3, 9.2, 9.4-9.6: vtd-sm.c),
 * queued invalidation (6.5.2) with register-based invalidation (6.5.1) as
 * the legacy-mode fallback, fault recording (7.1.3, 10.4.14).
 * Every register access goes through struct iommupt_mmio.
 *
 * Memory ordering: entries are plain stores to write-back memory and the
 * unit is told about them by an MMIO write; a full fence sits before each
 * doorbell. Without page-walk coherency (ECAP.C = 0) the walk structures
 * and the domain's tables are written back first (vtd-wb.c). QEMU's unit
 * reports C = 0 but reads guest memory directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drv-int.h"
#include "vtd-int.h"

#define VTD_TIMEOUT_NS 1000000000ull /* hardware acks within microseconds */

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
	return drv_poll(&v->mmio, VTD_GSTS_REG, 4, bit, want, VTD_TIMEOUT_NS);
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
static int qi_submit_one(struct iommudrv_vtd *v, const uint64_t (*desc)[2],
			 unsigned int nr)
{
	uint64_t end;
	uint32_t seq;
	unsigned int i;
	int ret;

	if (nr + 1 >= v->iq_entries)
		return -EINVAL;
	/* Make room: the head must not be overtaken. */
	end = drv_now_ns() + VTD_TIMEOUT_NS;
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
		if (drv_now_ns() > end)
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

		/* The unit snoops the queue: no write-back (10.4.3 C). */
		drv_store64(v->iq.cpu, q, lo);
		drv_store64(v->iq.cpu, q + 1, hi);
		if (v->iq_desc > 16) {
			drv_store64(v->iq.cpu, q + 2, 0);
			drv_store64(v->iq.cpu, q + 3, 0);
		}
		v->iq_tail = (v->iq_tail + 1) & (v->iq_entries - 1);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = wr64(v, VTD_IQT_REG, (uint64_t)v->iq_tail * v->iq_desc);
	if (ret)
		return ret;

	end = drv_now_ns() + VTD_TIMEOUT_NS;
	while (__atomic_load_n((uint32_t *)v->status.cpu, __ATOMIC_ACQUIRE) !=
	       seq) {
		ret = qi_check_error(v);
		if (ret)
			return ret;
		if (drv_now_ns() > end)
			return -ETIMEDOUT;
	}
	return qi_check_error(v);
}

/* Any number of descriptors, in batches that fit the queue. */
int vtd_qi_submit(struct iommudrv_vtd *v, const uint64_t (*desc)[2],
		  unsigned int nr)
{
	unsigned int batch = v->iq_entries / 2, i;
	int ret = 0;

	for (i = 0; i < nr && !ret; i += batch)
		ret = qi_submit_one(v, desc + i,
				    nr - i < batch ? nr - i : batch);
	return ret;
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

	return ret ? ret : drv_poll(&v->mmio, VTD_CCMD_REG, 8, VTD_CCMD_ICC,
				    0, VTD_TIMEOUT_NS);
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
	return ret ? ret : drv_poll(&v->mmio, v->iotlb_off + VTD_IOTLB_OFF,
				    8, VTD_IOTLB_IVT, 0, VTD_TIMEOUT_NS);
}

/* Write buffer flush for units that need it (CAP.RWBF, 6.8). */
static int flush_write_buffer(struct iommudrv_vtd *v)
{
	if (!(v->cap & VTD_CAP_RWBF))
		return 0;
	return gcmd(v, VTD_GCMD_WBF, 1, 0);
}

struct vtd_att *vtd_att_find(struct iommudrv_vtd *v, uint16_t sid,
			     uint32_t pasid)
{
	struct vtd_att *a;

	for (a = v->atts; a; a = a->next)
		if (a->live && a->sid == sid && a->pasid == pasid)
			return a;
	return NULL;
}

int vtd_att_set(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid,
		uint16_t did, const struct vtd_dom *dom)
{
	struct vtd_att *a;

	for (a = v->atts; a; a = a->next)
		if (a->sid == sid && a->pasid == pasid)
			break;
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		a->sid = sid;
		a->pasid = pasid;
		a->next = v->atts;
		v->atts = a;
	}
	if (dom) {
		a->did = did;
		a->fs = (uint8_t)!!dom->fs;
		a->levels = (uint8_t)dom->levels;
		a->root_oa = dom->root_oa;
		a->live = 1;
	}
	return 0;
}

void vtd_att_del(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid)
{
	struct vtd_att **pp, *a;

	for (pp = &v->atts; (a = *pp); pp = &a->next) {
		if (a->sid == sid && a->pasid == pasid) {
			*pp = a->next;
			free(a);
			return;
		}
	}
}

/*
 * One attachment's IOTLB entries: second stage and legacy by DID (IOTLB
 * invalidation, 6.5.2.3: in scalable mode it covers second-stage and
 * pass-through entries), first stage by DID and PASID (PASID-based IOTLB
 * invalidation, 6.5.2.4).
 */
void vtd_att_iotlb_desc(struct iommudrv_vtd *v, uint16_t did, uint32_t pasid,
			int fs, uint64_t d[2])
{
	if (fs)
		d[0] = VTD_QI_PIOTLB | VTD_QI_PIOTLB_PASID |
		       VTD_QI_PIOTLB_DID(did) | VTD_QI_PASID(pasid);
	else
		d[0] = VTD_QI_IOTLB | VTD_QI_IOTLB_DOMAIN |
		       VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v);
	d[1] = 0;
}

static unsigned int nr_atts(struct iommudrv_vtd *v)
{
	unsigned int n = 0;

	for (struct vtd_att *a = v->atts; a; a = a->next)
		n++;
	return n;
}

/*
 * Everything: context cache, in scalable mode the PASID cache, the IOTLB,
 * and each first-stage PASID's entries (a global IOTLB invalidation is
 * not documented to reach them, 6.5.2.3).
 */
static int inval_global(struct iommudrv_vtd *v)
{
	if (v->use_qi) {
		uint64_t (*d)[2];
		unsigned int n = 0;
		int ret;

		d = calloc(3 + nr_atts(v), sizeof(*d));
		if (!d)
			return -ENOMEM;
		d[n][0] = VTD_QI_CC | VTD_QI_CC_GLOBAL;
		d[n++][1] = 0;
		if (v->scalable) {
			d[n][0] = VTD_QI_PC | VTD_QI_PC_GLOBAL;
			d[n++][1] = 0;
		}
		d[n][0] = VTD_QI_IOTLB | VTD_QI_IOTLB_GLOBAL |
			  iotlb_drain_qi(v);
		d[n++][1] = 0;
		for (struct vtd_att *a = v->atts; a; a = a->next)
			if (a->live && a->fs)
				vtd_att_iotlb_desc(v, a->did, a->pasid, 1,
						   d[n++]);
		ret = vtd_qi_submit(v, (const uint64_t (*)[2])d, n);
		free(d);
		return ret;
	}
	int ret = reg_ctx_inval(v, VTD_CCMD_GLOBAL);

	return ret ? ret : reg_iotlb_inval(v, VTD_IOTLB_GLOBAL, 0);
}

/*
 * Legacy mode, after a context entry changed: that device's context-cache
 * entry, then the domain's IOTLB (6.5.3.3 order).
 */
static int inval_context(struct iommudrv_vtd *v, uint16_t sid, uint16_t did)
{
	if (v->use_qi) {
		const uint64_t d[2][2] = {
			{ VTD_QI_CC | VTD_QI_CC_DEVICE | VTD_QI_CC_DID(did) |
				  VTD_QI_CC_SID(sid),
			  0 },
			{ VTD_QI_IOTLB | VTD_QI_IOTLB_DOMAIN |
				  VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v),
			  0 },
		};
		return vtd_qi_submit(v, d, 2);
	}
	int ret = reg_ctx_inval(v, VTD_CCMD_DEVICE | VTD_CCMD_DID(did) |
				       VTD_CCMD_SID(sid));

	return ret ? ret : reg_iotlb_inval(v, VTD_IOTLB_DOMAIN |
						      VTD_IOTLB_DID(did), 0);
}

/* Write back the tables of every domain attached with did (vtd-wb.c). */
static int wb_did_tables(struct iommudrv_vtd *v, uint16_t did,
			 uint64_t start, uint64_t last)
{
	for (struct vtd_att *a = v->atts; a; a = a->next) {
		struct vtd_dom dom = { a->root_oa, a->levels, 0, a->fs };
		struct vtd_att *b;
		int ret;

		if (!a->live || a->did != did)
			continue;
		for (b = v->atts; b != a; b = b->next)
			if (b->live && b->did == did &&
			    b->root_oa == a->root_oa)
				break;
		if (b != a)
			continue; /* that domain is done already */
		ret = vtd_wb_tables(v, &dom, start, last);
		if (ret)
			return ret;
	}
	return 0;
}

static int do_flush(struct iommudrv_vtd *v, uint16_t did,
		    const struct iommupt_gather *g)
{
	uint64_t start, last, addr = 0, (*d)[2];
	unsigned int am = 0, n = 0;
	int page = 0, ih, ss = !v->scalable, ret;

	if (iommupt_gather_empty(g))
		return flush_write_buffer(v);
	ret = wb_did_tables(v, did, g->start, g->last);
	if (!ret)
		ret = flush_write_buffer(v);
	if (ret)
		return ret;
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

	if (!v->use_qi) {
		if (page)
			return reg_iotlb_inval(v, VTD_IOTLB_PAGE |
						       VTD_IOTLB_DID(did),
					       addr | am | (ih ? VTD_IVA_IH : 0));
		return reg_iotlb_inval(v, VTD_IOTLB_DOMAIN | VTD_IOTLB_DID(did),
				       0);
	}
	d = calloc(1 + nr_atts(v), sizeof(*d));
	if (!d)
		return -ENOMEM;
	/* First stage: each PASID attached with did (6.5.2.4). */
	for (struct vtd_att *a = v->atts; a; a = a->next) {
		struct vtd_att *b;

		if (!a->live || a->did != did)
			continue;
		if (!a->fs) {
			ss = 1;
			continue;
		}
		for (b = v->atts; b != a; b = b->next)
			if (b->live && b->fs && b->did == did &&
			    b->pasid == a->pasid)
				break;
		if (b != a)
			continue;
		if (page) {
			d[n][0] = VTD_QI_PIOTLB | VTD_QI_PIOTLB_PAGE |
				  VTD_QI_PIOTLB_DID(did) |
				  VTD_QI_PASID(a->pasid);
			d[n++][1] = addr | am | (ih ? VTD_QI_PIOTLB_IH : 0);
		} else {
			vtd_att_iotlb_desc(v, did, a->pasid, 1, d[n++]);
		}
	}
	/* Second stage, legacy, or a DID nothing is attached with. */
	if (ss || !n) {
		if (page) {
			d[n][0] = VTD_QI_IOTLB | VTD_QI_IOTLB_PAGE |
				  VTD_QI_IOTLB_DID(did) | iotlb_drain_qi(v);
			d[n++][1] = addr | am | (ih ? VTD_QI_IOTLB_IH : 0);
		} else {
			vtd_att_iotlb_desc(v, did, 0, 0, d[n++]);
		}
	}
	ret = vtd_qi_submit(v, (const uint64_t (*)[2])d, n);
	free(d);
	return ret;
}

/* ---- faults ------------------------------------------------------------ */

static uint32_t vtd_reason(uint32_t fr)
{
	switch (fr) {
	case VTD_FR_WRITE:
	case VTD_FR_READ:
	case VTD_FR_FS_NP:
		return IOMMUDRV_FAULT_TRANSLATION;
	case VTD_FR_FS_PRIV:
	case VTD_FR_FS_WRITE:
		return IOMMUDRV_FAULT_PERMISSION;
	case VTD_FR_BEYOND_AGAW:
	case VTD_FR_FS_CANONICAL:
		return IOMMUDRV_FAULT_ADDR_SIZE;
	case VTD_FR_ROOT_NP:
	case VTD_FR_CTX_NP:
	case VTD_FR_PDIR_NP:
	case VTD_FR_PTE_NP:
		return IOMMUDRV_FAULT_NO_DEVICE;
	case VTD_FR_CTX_INVALID:
	case VTD_FR_ROOT_RSVD:
	case VTD_FR_CTX_RSVD:
	case VTD_FR_SS_RSVD:
	case VTD_FR_TT_BLOCKED:
	case VTD_FR_PTE_INVALID:
	case VTD_FR_FS_RSVD:
		return IOMMUDRV_FAULT_BAD_ENTRY;
	case VTD_FR_SS_ACCESS:
	case VTD_FR_ROOT_ACCESS:
	case VTD_FR_CTX_ACCESS:
	case VTD_FR_PDIR_ACCESS:
	case VTD_FR_PTE_ACCESS:
	case VTD_FR_FS_ACCESS:
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
			drv_poll(&v->mmio, VTD_IQH_REG, 8, 0x7fff0ull,
				 tail & 0x7fff0ull, VTD_TIMEOUT_NS);
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
	v->flush_range = vtd_wb_default;
	if (opts) {
		v->unit = opts->unit;
		v->flags = opts->flags;
		if (opts->sz >= offsetof(struct iommudrv_vtd_opts, flush_ctx) +
				       sizeof(void *) &&
		    opts->flush_range) {
			v->flush_range = opts->flush_range;
			v->flush_ctx = opts->flush_ctx;
		}
	}
	ret = -EINVAL;
	if ((v->flags & ~(uint32_t)(IOMMUDRV_VTD_NO_QI | IOMMUDRV_VTD_LEGACY |
				    IOMMUDRV_VTD_SCALABLE)) ||
	    ((v->flags & IOMMUDRV_VTD_SCALABLE) &&
	     (v->flags & (IOMMUDRV_VTD_NO_QI | IOMMUDRV_VTD_LEGACY))))
		goto fail;

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
	v->scalable = !!(v->flags & IOMMUDRV_VTD_SCALABLE);
	/* Scalable mode needs SMTS and the queue (6.5.2, 256-bit descriptors). */
	if (v->scalable && (!v->use_qi || !(v->ecap & VTD_ECAP_SMTS) ||
			    !(v->ecap & (VTD_ECAP_SLTS | VTD_ECAP_FLTS)))) {
		ret = -EOPNOTSUPP;
		goto fail;
	}
	v->nr_pasids = 1;
	if (v->scalable && (v->ecap & VTD_ECAP_PASID)) {
		unsigned int bits = VTD_ECAP_PSS(v->ecap);
		uint64_t n = (uint64_t)VTD_PDIR_ENTRIES * VTD_PASIDS_PER_TABLE;

		if (bits < 32 && (1ull << bits) < n)
			n = 1ull << bits;
		v->nr_pasids = (unsigned int)n;
	}
	v->iq_desc = v->scalable ? VTD_IQ_DESC_SIZE_SM : VTD_IQ_DESC_SIZE;
	v->iq_entries = VTD_PAGE / v->iq_desc;

	ret = drv_page_alloc(&v->mem, &v->root, VTD_PAGE_LG2);
	if (!ret && v->use_qi)
		ret = drv_page_alloc(&v->mem, &v->iq, VTD_PAGE_LG2);
	if (!ret && v->use_qi)
		ret = drv_page_alloc(&v->mem, &v->status, VTD_PAGE_LG2);
	if (ret)
		goto fail;
	vtd_wb(v, v->root.cpu, VTD_PAGE);
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
		drv_page_free(&v->mem, &v->ctx[i][0]);
		drv_page_free(&v->mem, &v->ctx[i][1]);
	}
	vtd_sm_free(v);
	while (v->atts) {
		struct vtd_att *a = v->atts;

		v->atts = a->next;
		free(a);
	}
	drv_page_free(&v->mem, &v->root);
	drv_page_free(&v->mem, &v->iq);
	drv_page_free(&v->mem, &v->status);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* ---- attach / detach -------------------------------------------------- */

static int attach_legacy(struct iommudrv_vtd *v, uint16_t sid,
			 const struct vtd_dom *dom, uint16_t did)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	struct drv_page *ct = &v->ctx[bus][0];
	uint64_t old_lo, old_hi;
	int ret;

	if (!ct->cpu) {
		ret = drv_page_alloc(&v->mem, ct, VTD_PAGE_LG2);
		if (ret)
			return ret;
		vtd_wb(v, ct->cpu, VTD_PAGE);
		/* 9.1: root entry low qword = context table | P. */
		drv_store64(v->root.cpu, bus * 2 + 1, 0);
		drv_store64(v->root.cpu, bus * 2, ct->oa | VTD_RE_P);
		vtd_wb(v, (uint64_t *)v->root.cpu + bus * 2, 16);
	}
	ret = vtd_att_set(v, sid, VTD_LEGACY_PASID, did, NULL);
	if (!ret)
		ret = vtd_wb_tables(v, dom, 0, ~0ull);
	if (ret)
		return ret;

	old_lo = drv_load64(ct->cpu, devfn * 2);
	old_hi = drv_load64(ct->cpu, devfn * 2 + 1);
	if (old_lo & VTD_CE_LO_P) {
		/*
		 * 6.5.3.3: a present entry is torn down (P = 0) and
		 * invalidated before it is rewritten, so the unit never sees
		 * half of each.
		 */
		drv_store64(ct->cpu, devfn * 2, 0);
		vtd_wb(v, (uint64_t *)ct->cpu + devfn * 2, 16);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ret = flush_write_buffer(v);
		if (!ret)
			ret = inval_context(v, sid, (uint16_t)(old_hi >> 8));
		if (ret)
			return ret;
	}
	vtd_att_set(v, sid, VTD_LEGACY_PASID, did, dom);
	/* 9.3: AW and DID in the high qword first, then P in the low one. */
	drv_store64(ct->cpu, devfn * 2 + 1,
		  VTD_CE_HI_AW(dom->aw) | VTD_CE_HI_DID(did));
	drv_store64(ct->cpu, devfn * 2,
		  dom->root_oa | VTD_CE_LO_TT_SS | VTD_CE_LO_P);
	vtd_wb(v, (uint64_t *)ct->cpu + devfn * 2, 16);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = flush_write_buffer(v);
	if (ret)
		return ret;
	/* Needed with CAP.CM (cached not-present), harmless otherwise. */
	return inval_context(v, sid, did);
}

static uint64_t ss_pgsizes(const struct iommudrv_vtd *v)
{
	return (1ull << 12) |
	       (VTD_CAP_SLLPS(v->cap) & 1 ? 1ull << 21 : 0) |
	       (VTD_CAP_SLLPS(v->cap) & 2 ? 1ull << 30 : 0);
}

/* 3.6: first stage has 4K and 2M pages, 1G with CAP.FL1GP. */
static uint64_t fs_pgsizes(const struct iommudrv_vtd *v)
{
	return (1ull << 12) | (1ull << 21) |
	       (v->cap & VTD_CAP_FL1GP ? 1ull << 30 : 0);
}

static void *oa_cpu(struct iommudrv_vtd *v, uint64_t oa)
{
	if (v->mem.oa_to_cpu)
		return v->mem.oa_to_cpu(v->mem.ctx, oa);
	return (void *)(uintptr_t)(oa + (uint64_t)v->mem.cpu_offset);
}

/* Whether the unit, in its mode, can walk dom's tables. */
static int check_domain(struct iommudrv_vtd *v, struct iommupt_domain *d,
			uint16_t did, struct vtd_dom *dom)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	unsigned int sagaw = VTD_CAP_SAGAW(v->cap);
	int ret = iommupt_domain_get_info(d, &info);

	if (ret)
		return ret;
	memset(dom, 0, sizeof(*dom));
	if (info.root_size_lg2 != 12)
		return -EOPNOTSUPP;
	if (info.format == IOMMUPT_FMT_VTD_SS) {
		/* SAGAW bit n-2 <=> n-level tables (10.4.2); AW = n - 2. */
		if (info.levels < 3 || info.levels > 5 ||
		    !(sagaw & (1u << (info.levels - 2))) ||
		    (v->scalable && !(v->ecap & VTD_ECAP_SLTS)) ||
		    (info.pgsize_bitmap & ~ss_pgsizes(v)))
			return -EOPNOTSUPP;
		dom->aw = info.levels - 2;
	} else if (info.format == IOMMUPT_FMT_X86_64) {
		/* Scalable mode only (9.6 PGTT 001b); FSPM 4 or 5 levels. */
		if (!v->scalable || !(v->ecap & VTD_ECAP_FLTS) ||
		    (info.levels != 4 &&
		     !(info.levels == 5 && (v->cap & VTD_CAP_FL5LP))) ||
		    (info.pgsize_bitmap & ~fs_pgsizes(v)))
			return -EOPNOTSUPP;
		dom->fs = 1;
		for (unsigned int aw = 0; aw < 5; aw++)
			if (sagaw & (1u << aw))
				dom->aw = aw;
	} else {
		return -EOPNOTSUPP;
	}
	if (did >= (1u << (4 + 2 * VTD_CAP_ND(v->cap))) ||
	    (did == 0 && (v->cap & VTD_CAP_CM)))
		return -ERANGE; /* 10.4.2 ND; DID 0 is reserved under CM */
	/* Write-back walks the tables through this driver's provider. */
	if (vtd_noncoherent(v) && !oa_cpu(v, info.root_oa))
		return -EINVAL;
	dom->root_oa = info.root_oa;
	dom->levels = info.levels;
	return 0;
}

int iommudrv_vtd_attach(struct iommudrv_vtd *v, uint16_t sid,
			struct iommupt_domain *d, uint16_t did)
{
	struct vtd_dom dom;
	int ret;

	if (!v || !d)
		return -EINVAL;
	ret = check_domain(v, d, did, &dom);
	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = v->scalable ? vtd_sm_attach(v, sid, VTD_RID_PASID, &dom, did)
			  : attach_legacy(v, sid, &dom, did);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_attach_pasid(struct iommudrv_vtd *v, uint16_t sid,
			      uint32_t pasid, struct iommupt_domain *d,
			      uint16_t did)
{
	struct vtd_dom dom;
	int ret;

	if (!v || !d)
		return -EINVAL;
	if (!v->scalable || !(v->ecap & VTD_ECAP_PASID))
		return -EOPNOTSUPP;
	if (pasid == VTD_RID_PASID || pasid >= v->nr_pasids)
		return -ERANGE;
	ret = check_domain(v, d, did, &dom);
	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = vtd_sm_attach(v, sid, pasid, &dom, did);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static int detach_legacy(struct iommudrv_vtd *v, uint16_t sid)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	struct drv_page *ct = &v->ctx[bus][0];
	uint64_t hi;
	int ret;

	if (!ct->cpu || !(drv_load64(ct->cpu, devfn * 2) & VTD_CE_LO_P))
		return -ENOENT;
	hi = drv_load64(ct->cpu, devfn * 2 + 1);
	drv_store64(ct->cpu, devfn * 2, 0);
	drv_store64(ct->cpu, devfn * 2 + 1, 0);
	vtd_wb(v, (uint64_t *)ct->cpu + devfn * 2, 16);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = flush_write_buffer(v);
	if (!ret)
		ret = inval_context(v, sid, (uint16_t)(hi >> 8));
	if (!ret)
		vtd_att_del(v, sid, VTD_LEGACY_PASID);
	return ret;
}

int iommudrv_vtd_detach(struct iommudrv_vtd *v, uint16_t sid)
{
	int ret;

	if (!v)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = v->scalable ? vtd_sm_detach_all(v, sid) : detach_legacy(v, sid);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int iommudrv_vtd_detach_pasid(struct iommudrv_vtd *v, uint16_t sid,
			      uint32_t pasid)
{
	int ret;

	if (!v)
		return -EINVAL;
	if (!v->scalable)
		return -EOPNOTSUPP;
	if (pasid == VTD_RID_PASID || pasid >= v->nr_pasids)
		return -ERANGE;
	pthread_mutex_lock(&v->lock);
	ret = vtd_sm_detach(v, sid, pasid);
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
	r.pgsize_bitmap = ss_pgsizes(v);
	r.nr_domains = 1u << (4 + 2 * VTD_CAP_ND(v->cap));
	r.nr_fault_records = v->nr_frcd;
	r.queued_inval = (uint32_t)v->use_qi;
	r.scalable = !!(v->ecap & VTD_ECAP_SMTS);
	r.scalable_mode = (uint32_t)v->scalable;
	r.caching_mode = !!(v->cap & VTD_CAP_CM);
	r.coherent = !!(v->ecap & VTD_ECAP_C);
	if (v->scalable) {
		if (v->ecap & VTD_ECAP_FLTS) {
			r.fs_levels_mask = 1u << 4;
			if (v->cap & VTD_CAP_FL5LP)
				r.fs_levels_mask |= 1u << 5;
			r.fs_pgsize_bitmap = fs_pgsizes(v);
		}
		r.ss_supported = !!(v->ecap & VTD_ECAP_SLTS);
		r.nr_pasids = v->nr_pasids;
	}
	memcpy(info, &r, info->sz < sizeof(r) ? info->sz : sizeof(r));
	return 0;
}
