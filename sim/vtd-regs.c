// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VT-d register file (10.4) reached over the MMIO bus: any naturally
 * aligned 1, 2, 4 or 8 byte access; an access may span two 32-bit
 * registers, and a 64-bit register may be written in halves (a command
 * takes effect when the half holding its trigger bit is written).
 * Fault recording (7.2.1 primary fault logging) lives here too.
 */
#include <errno.h>

#include "vtd-int.h"

struct reg {
	uint16_t off;
	uint8_t size;
};

static const struct reg regs[] = {
	{ IOMMUSIM_VTD_VER, 4 },     { IOMMUSIM_VTD_CAP, 8 },
	{ IOMMUSIM_VTD_ECAP, 8 },    { IOMMUSIM_VTD_GCMD, 4 },
	{ IOMMUSIM_VTD_GSTS, 4 },    { IOMMUSIM_VTD_RTADDR, 8 },
	{ IOMMUSIM_VTD_CCMD, 8 },    { IOMMUSIM_VTD_FSTS, 4 },
	{ IOMMUSIM_VTD_FECTL, 4 },   { IOMMUSIM_VTD_FEDATA, 4 },
	{ IOMMUSIM_VTD_FEADDR, 4 },  { IOMMUSIM_VTD_FEUADDR, 4 },
	{ IOMMUSIM_VTD_PMEN, 4 },    { IOMMUSIM_VTD_IQH, 8 },
	{ IOMMUSIM_VTD_IQT, 8 },     { IOMMUSIM_VTD_IQA, 8 },
	{ IOMMUSIM_VTD_ICS, 4 },     { IOMMUSIM_VTD_IECTL, 4 },
	{ IOMMUSIM_VTD_IEDATA, 4 },  { IOMMUSIM_VTD_IEADDR, 4 },
	{ IOMMUSIM_VTD_IEUADDR, 4 }, { IOMMUSIM_VTD_IQERCD, 8 },
	{ IOMMUSIM_VTD_IVA, 8 },     { IOMMUSIM_VTD_IOTLB, 8 },
};

void vtd_regs_init(struct vtd_unit *v)
{
	v->u.mmio.ctx = v;
	v->u.mmio.read = vtd_mmio_read;
	v->u.mmio.write = vtd_mmio_write;
}

/* The register holding byte off: its offset and size, or false. */
static bool reg_at(const struct vtd_unit *v, uint64_t off, struct reg *r)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (off >= regs[i].off && off < regs[i].off + regs[i].size) {
			*r = regs[i];
			return true;
		}
	}
	/* 10.4.14: NFR 128-bit fault recording registers at FRO * 16. */
	if (off >= IOMMUSIM_VTD_FRCD && off < IOMMUSIM_VTD_FRCD + 16ull * v->nfr) {
		r->off = (uint16_t)(off & ~7ull);
		r->size = 8;
		return true;
	}
	return false;
}

static uint32_t fsts_value(const struct vtd_unit *v)
{
	uint32_t val = v->fsts;

	for (unsigned int i = 0; i < v->nfr; i++) {
		unsigned int idx = (v->frcd_next + i) % v->nfr;

		if (v->frcd[idx][1] & FRCD_F) {
			val |= FSTS_PPF | idx << FSTS_FRI_SHIFT;
			break;
		}
	}
	return val;
}

static uint64_t reg_read(const struct vtd_unit *v, unsigned int off)
{
	switch (off) {
	case IOMMUSIM_VTD_VER: return v->ver;
	case IOMMUSIM_VTD_CAP: return v->cap;
	case IOMMUSIM_VTD_ECAP: return v->ecap;
	case IOMMUSIM_VTD_GCMD: return 0; /* write-only */
	case IOMMUSIM_VTD_GSTS: return v->gsts;
	case IOMMUSIM_VTD_RTADDR: return v->rtaddr;
	case IOMMUSIM_VTD_CCMD: return v->ccmd;
	case IOMMUSIM_VTD_FSTS: return fsts_value(v);
	case IOMMUSIM_VTD_FECTL: return v->fectl;
	case IOMMUSIM_VTD_FEDATA: return v->fedata;
	case IOMMUSIM_VTD_FEADDR: return v->feaddr;
	case IOMMUSIM_VTD_FEUADDR: return v->feuaddr;
	case IOMMUSIM_VTD_PMEN: return v->pmen | (v->pmen >> 31); /* PRS */
	case IOMMUSIM_VTD_IQH: return v->iqh;
	case IOMMUSIM_VTD_IQT: return v->iqt;
	case IOMMUSIM_VTD_IQA: return v->iqa;
	case IOMMUSIM_VTD_ICS: return v->ics;
	case IOMMUSIM_VTD_IECTL: return v->iectl;
	case IOMMUSIM_VTD_IEDATA: return v->iedata;
	case IOMMUSIM_VTD_IEADDR: return v->ieaddr;
	case IOMMUSIM_VTD_IEUADDR: return v->ieuaddr;
	case IOMMUSIM_VTD_IQERCD: return v->iqercd;
	case IOMMUSIM_VTD_IVA: return v->iva;
	case IOMMUSIM_VTD_IOTLB: return v->iotlb;
	default: {
		unsigned int i = (off - IOMMUSIM_VTD_FRCD) / 16;

		return v->frcd[i][(off >> 3) & 1];
	}
	}
}

/* 10.4.4: each command bit compared with the current status. */
static void gcmd_write(struct vtd_unit *v, uint32_t val)
{
	if ((val & IOMMUSIM_VTD_GCMD_TE) && !(v->gsts & GSTS_TES))
		v->gsts |= GSTS_TES;
	else if (!(val & IOMMUSIM_VTD_GCMD_TE) && (v->gsts & GSTS_TES))
		v->gsts &= ~GSTS_TES;
	if (val & IOMMUSIM_VTD_GCMD_SRTP) { /* one-shot */
		v->rtaddr_active = v->rtaddr;
		v->gsts |= GSTS_RTPS;
	}
	if ((val & IOMMUSIM_VTD_GCMD_QIE) && !(v->gsts & GSTS_QIES) &&
	    (v->ecap & IOMMUSIM_VTD_ECAP_QI)) {
		v->iqh = 0; /* 10.4.22: head resets when the queue is enabled */
		v->gsts |= GSTS_QIES;
	} else if (!(val & IOMMUSIM_VTD_GCMD_QIE) && (v->gsts & GSTS_QIES)) {
		v->gsts &= ~GSTS_QIES;
	}
	/* WBF completes at once (WBFS never stays set); others ignored. */
}

/* 10.4.7: register-based context-cache invalidation. */
static void ccmd_write(struct vtd_unit *v, uint64_t val)
{
	unsigned int gran = CCMD_CIRG(val);

	v->ccmd = val & ~(CCMD_ICC | 3ull << CCMD_CAIG_SHIFT);
	if (!(val & CCMD_ICC))
		return;
	if (v->gsts & GSTS_QIES) /* 6.5.2: not with queued invalidation */
		return;
	if (gran)
		vtd_inval_context(v, gran, CCMD_DID(val), CCMD_SID(val),
				  CCMD_FM(val));
	v->ccmd |= (uint64_t)gran << CCMD_CAIG_SHIFT;
}

/* 10.4.8.1: register-based IOTLB invalidation, IVA_REG for the page. */
static void iotlb_write(struct vtd_unit *v, uint64_t val)
{
	unsigned int gran = IOTLB_IIRG(val), am = IVA_AM(v->iva);

	v->iotlb = val & ~(IOTLB_IVT | 3ull << IOTLB_IAIG_SHIFT);
	if (!(val & IOTLB_IVT) || (v->gsts & GSTS_QIES))
		return;
	/* Without PSI or beyond MAMV the unit falls back to the domain. */
	if (gran == 3 && (!(v->cap & IOMMUSIM_VTD_CAP_PSI) ||
			  am > CAP_MAMV(v->cap)))
		gran = 2;
	if (gran)
		vtd_inval_iotlb(v, gran, IOTLB_DID(val), IVA_ADDR(v->iva), am,
				(v->iva & IVA_IH) != 0);
	v->iotlb |= (uint64_t)gran << IOTLB_IAIG_SHIFT;
}

static void reg_write(struct vtd_unit *v, unsigned int off, uint64_t val)
{
	switch (off) {
	case IOMMUSIM_VTD_GCMD: gcmd_write(v, (uint32_t)val); break;
	case IOMMUSIM_VTD_RTADDR: v->rtaddr = val & ~0x3ffull; break;
	case IOMMUSIM_VTD_CCMD: ccmd_write(v, val); break;
	case IOMMUSIM_VTD_FSTS: /* RW1C */
		v->fsts &= ~((uint32_t)val &
			     (FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE));
		break;
	case IOMMUSIM_VTD_FECTL:
		v->fectl = (v->fectl & ~FECTL_IM) | ((uint32_t)val & FECTL_IM);
		if (!(v->fectl & FECTL_IM) && (v->fectl & FECTL_IP)) {
			v->fectl &= ~FECTL_IP; /* pending event delivered */
			v->u.st.events++;
		}
		break;
	case IOMMUSIM_VTD_FEDATA: v->fedata = (uint32_t)val; break;
	case IOMMUSIM_VTD_FEADDR: v->feaddr = (uint32_t)val & ~3u; break;
	case IOMMUSIM_VTD_FEUADDR: v->feuaddr = (uint32_t)val; break;
	case IOMMUSIM_VTD_PMEN: v->pmen = (uint32_t)val & (1u << 31); break;
	case IOMMUSIM_VTD_IQT:
		v->iqt = val & 0x7fff0ull;
		if ((v->gsts & GSTS_QIES) && !(v->fsts & FSTS_IQE))
			vtd_qi_run(v);
		break;
	case IOMMUSIM_VTD_IQA: v->iqa = val & ~0x7f8ull; break;
	case IOMMUSIM_VTD_ICS: v->ics &= ~((uint32_t)val & ICS_IWC); break;
	case IOMMUSIM_VTD_IECTL:
		v->iectl = (v->iectl & ~FECTL_IM) | ((uint32_t)val & FECTL_IM);
		if (!(v->iectl & FECTL_IM) && (v->iectl & FECTL_IP)) {
			v->iectl &= ~FECTL_IP;
			v->u.st.events++;
		}
		break;
	case IOMMUSIM_VTD_IEDATA: v->iedata = (uint32_t)val; break;
	case IOMMUSIM_VTD_IEADDR: v->ieaddr = (uint32_t)val & ~3u; break;
	case IOMMUSIM_VTD_IEUADDR: v->ieuaddr = (uint32_t)val; break;
	case IOMMUSIM_VTD_IVA: v->iva = val & ~0xf80ull; break;
	case IOMMUSIM_VTD_IOTLB: iotlb_write(v, val); break;
	default:
		if (off >= IOMMUSIM_VTD_FRCD &&
		    off < IOMMUSIM_VTD_FRCD + 16u * v->nfr && (off & 8)) {
			unsigned int i = (off - IOMMUSIM_VTD_FRCD) / 16;

			if (val & FRCD_F) /* 10.4.14: F is RW1C */
				v->frcd[i][1] &= ~FRCD_F;
		}
		break; /* read-only and reserved registers ignore writes */
	}
}

static int check_access(uint64_t off, unsigned int size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (off & (size - 1))
		return -EINVAL;
	if (off >= IOMMUSIM_VTD_REG_SIZE ||
	    off + size > IOMMUSIM_VTD_REG_SIZE)
		return -ERANGE;
	return 0;
}

int vtd_mmio_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct vtd_unit *v = ctx;
	uint64_t out = 0;
	int rc = check_access(off, size);

	if (rc)
		return rc;
	if (!val)
		return -EINVAL;
	v->u.st.reg_cycles += v->u.cyc.reg;
	for (unsigned int i = 0; i < size; i++) {
		struct reg r;

		if (reg_at(v, off + i, &r)) {
			uint64_t rv = reg_read(v, r.off);

			out |= ((rv >> (8 * (off + i - r.off))) & 0xff) << (8 * i);
		}
	}
	*val = out;
	return 0;
}

int vtd_mmio_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct vtd_unit *v = ctx;
	int rc = check_access(off, size);
	uint64_t i = 0;

	if (rc)
		return rc;
	v->u.st.reg_cycles += v->u.cyc.reg;
	/* Merge the written bytes into each register they touch. */
	while (i < size) {
		struct reg r;
		uint64_t cur;

		if (!reg_at(v, off + i, &r)) {
			i++;
			continue;
		}
		cur = r.off == IOMMUSIM_VTD_GCMD ? v->gsts :
		      r.off == IOMMUSIM_VTD_FSTS ? 0 : reg_read(v, r.off);
		if (r.off == IOMMUSIM_VTD_ICS)
			cur = 0; /* RW1C: never write back what was read */
		if (r.off >= IOMMUSIM_VTD_FRCD)
			cur &= ~FRCD_F;
		for (; i < size && off + i < (uint64_t)r.off + r.size; i++) {
			unsigned int sh = 8 * (unsigned int)(off + i - r.off);

			cur &= ~(0xffull << sh);
			cur |= ((val >> (8 * i)) & 0xff) << sh;
		}
		reg_write(v, r.off, cur);
	}
	return 0;
}

/* 7.2.1: primary fault logging into the next fault recording register. */
void vtd_record_fault(struct vtd_unit *v, const struct vtd_req *rq,
		      uint32_t reason)
{
	unsigned int i = v->frcd_next;
	uint64_t hi;

	if (v->frcd[i][1] & FRCD_F) {
		v->fsts |= FSTS_PFO; /* overflow: the fault is lost */
		v->u.st.fault_overflows++;
		return;
	}
	hi = FRCD_F | (uint64_t)(reason & 0xff) << FRCD_FR_SHIFT |
	     (rq->sid & 0xffff);
	if (!rq->write)
		hi |= FRCD_T1;
	if (rq->has_pasid)
		hi |= FRCD_PP | (uint64_t)rq->pasid << FRCD_PV_SHIFT;
	if (rq->priv)
		hi |= FRCD_PRIV;
	v->frcd[i][0] = rq->iova & ~0xfffull;
	v->frcd[i][1] = hi;
	v->frcd_next = (i + 1) % v->nfr;
	v->u.st.faults_recorded++;
	/* 7.3: a fault event is raised unless masked (then IP is set). */
	if (v->fectl & FECTL_IM)
		v->fectl |= FECTL_IP;
	else
		v->u.st.events++;
}
