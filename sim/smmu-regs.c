// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The SMMUv3 registers (6.3) over the MMIO bus: 4-byte accesses to any
 * register, 8-byte accesses to the 64-bit ones (STRTAB_BASE, CMDQ_BASE,
 * EVENTQ_BASE) or to two adjacent 32-bit ones. CR0ACK follows CR0 at
 * once. EVENTQ_PROD/CONS live in page 1 (0x100a8) and are also accepted
 * at their page 0 offsets. The event queue (3.5, 7) lives here too.
 */
#include <errno.h>

#include "smmu-int.h"

#define BIT(n) SMMU_BIT(n)
#define F(v, hi, lo) SMMU_FIELD(v, hi, lo)
#define Q_MAX_LG2 19
#define ADDR_MASK(s) ((BIT((s)->oas) - 1) & ~0x1full)

/* IDR0..IDR5 (6.3.1-6.3.6). */
static uint32_t idr(const struct smmu_unit *s, unsigned int n)
{
	switch (n) {
	case 0:
		/* S2P 0, S1P 1, TTF AArch64 3:2, COHACC 4, HTTU 7:6,
		 * ASID16 12, VMID16 18, CD2L 19, TTENDIAN LE 22:21,
		 * TERM_MODEL 26 (terminate only), ST_LVL 2-level 28:27 */
		return 1u << 0 | 1u << 1 | 2u << 2 | 1u << 4 |
		       ((s->flags & IOMMUSIM_SMMU_NO_HTTU) ? 0 : 2u << 6) |
		       1u << 12 | 1u << 18 | 1u << 19 | 2u << 21 |
		       1u << 26 | 1u << 27;
	case 1:
		/* SIDSIZE 5:0, SSIDSIZE 10:6, EVENTQS 20:16, CMDQS 25:21 */
		return s->sid_bits | s->ssid_bits << 6 | Q_MAX_LG2 << 16 |
		       Q_MAX_LG2 << 21;
	case 3:
		/* RIL 10: the range forms of the TLBI commands (4.4.1) are
		 * executed (smmu-cmd.c), so they are advertised */
		return 1u << 10;
	case 5: {
		/* OAS 2:0, GRAN4K 4, GRAN16K 5, GRAN64K 6 */
		static const unsigned char enc[] = { 32, 36, 40, 42, 44, 48, 52 };
		uint32_t oas = 0;

		for (uint32_t i = 0; i < 7; i++)
			if (enc[i] <= s->oas)
				oas = i;
		return oas | 7u << 4;
	}
	default:
		return 0;
	}
}

static bool cmdq_error(const struct smmu_unit *s)
{
	return ((s->gerror ^ s->gerrorn) & IOMMUSIM_SMMU_GERROR_CMDQ_ERR) != 0;
}

static uint32_t reg_read32(const struct smmu_unit *s, uint64_t off)
{
	switch (off) {
	case IOMMUSIM_SMMU_IDR0: return idr(s, 0);
	case IOMMUSIM_SMMU_IDR1: return idr(s, 1);
	case IOMMUSIM_SMMU_IDR3: return idr(s, 3);
	case IOMMUSIM_SMMU_IDR5: return idr(s, 5);
	case IOMMUSIM_SMMU_CR0:
	case IOMMUSIM_SMMU_CR0ACK: return s->cr0;
	case IOMMUSIM_SMMU_CR1: return s->cr1;
	case IOMMUSIM_SMMU_CR2: return s->cr2;
	case IOMMUSIM_SMMU_GBPA: return s->gbpa;
	case IOMMUSIM_SMMU_GERROR: return s->gerror;
	case IOMMUSIM_SMMU_GERRORN: return s->gerrorn;
	case IOMMUSIM_SMMU_STRTAB_BASE: return (uint32_t)s->strtab_base;
	case IOMMUSIM_SMMU_STRTAB_BASE + 4: return (uint32_t)(s->strtab_base >> 32);
	case IOMMUSIM_SMMU_STRTAB_BASE_CFG: return s->strtab_cfg;
	case IOMMUSIM_SMMU_CMDQ_BASE: return (uint32_t)s->cmdq_base;
	case IOMMUSIM_SMMU_CMDQ_BASE + 4: return (uint32_t)(s->cmdq_base >> 32);
	case IOMMUSIM_SMMU_CMDQ_PROD: return s->cmdq_prod;
	case IOMMUSIM_SMMU_CMDQ_CONS: return s->cmdq_cons;
	case IOMMUSIM_SMMU_EVENTQ_BASE: return (uint32_t)s->eventq_base;
	case IOMMUSIM_SMMU_EVENTQ_BASE + 4: return (uint32_t)(s->eventq_base >> 32);
	case IOMMUSIM_SMMU_EVENTQ_PROD:
	case IOMMUSIM_SMMU_EVENTQ_PROD - 0x10000: return s->eventq_prod;
	case IOMMUSIM_SMMU_EVENTQ_CONS:
	case IOMMUSIM_SMMU_EVENTQ_CONS - 0x10000: return s->eventq_cons;
	default: return 0;
	}
}

static uint32_t q_mask(uint64_t base)
{
	unsigned int lg2 = (unsigned int)F(base, 4, 0);

	if (lg2 > Q_MAX_LG2)
		lg2 = Q_MAX_LG2;
	return (uint32_t)(BIT(lg2 + 1) - 1); /* index and wrap bit */
}

static uint64_t set_half(uint64_t v, bool hi, uint32_t w)
{
	return hi ? (v & 0xffffffffull) | (uint64_t)w << 32 :
		    (v & ~0xffffffffull) | w;
}

static void reg_write32(struct smmu_unit *s, uint64_t off, uint32_t v)
{
	uint32_t old;

	switch (off) {
	case IOMMUSIM_SMMU_CR0:
		old = s->cr0;
		s->cr0 = v & (IOMMUSIM_SMMU_CR0_SMMUEN |
			      IOMMUSIM_SMMU_CR0_EVENTQEN |
			      IOMMUSIM_SMMU_CR0_CMDQEN);
		if ((s->cr0 & ~old) & IOMMUSIM_SMMU_CR0_CMDQEN)
			smmu_cmd_run(s);
		break;
	case IOMMUSIM_SMMU_CR1:
		/* 6.3 SMMU_CR1: QUEUE_IC/OC/SH 5:0 and TABLE_IC/OC/SH
		 * 11:6, stored only */
		s->cr1 = v & 0xfff;
		break;
	case IOMMUSIM_SMMU_CR2:
		s->cr2 = v & 0x7;   /* E2H, PTM stored; RECINVSID: smmu_log_fault */
		break;
	case IOMMUSIM_SMMU_GBPA:
		s->gbpa = v & IOMMUSIM_SMMU_GBPA_ABORT;
		break;
	case IOMMUSIM_SMMU_GERRORN: {
		bool was = cmdq_error(s);

		s->gerrorn = v & 0x1fd;
		/* acknowledging a command queue error resumes it (7.1) */
		if (was && !cmdq_error(s) &&
		    (s->cr0 & IOMMUSIM_SMMU_CR0_CMDQEN))
			smmu_cmd_run(s);
		break;
	}
	case IOMMUSIM_SMMU_STRTAB_BASE:
	case IOMMUSIM_SMMU_STRTAB_BASE + 4:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_SMMUEN))
			s->strtab_base = set_half(s->strtab_base, off & 4, v) &
					 (ADDR_MASK(s) & ~0x3full);
		break;
	case IOMMUSIM_SMMU_STRTAB_BASE_CFG:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_SMMUEN))
			s->strtab_cfg = v & 0x307ff;
		break;
	case IOMMUSIM_SMMU_CMDQ_BASE:
	case IOMMUSIM_SMMU_CMDQ_BASE + 4:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_CMDQEN))
			s->cmdq_base = set_half(s->cmdq_base, off & 4, v) &
				       (ADDR_MASK(s) | 0x1f);
		break;
	case IOMMUSIM_SMMU_CMDQ_PROD:
		s->cmdq_prod = v & q_mask(s->cmdq_base);
		if ((s->cr0 & IOMMUSIM_SMMU_CR0_CMDQEN) && !cmdq_error(s))
			smmu_cmd_run(s);
		break;
	case IOMMUSIM_SMMU_CMDQ_CONS:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_CMDQEN))
			s->cmdq_cons = v & q_mask(s->cmdq_base);
		break;
	case IOMMUSIM_SMMU_EVENTQ_BASE:
	case IOMMUSIM_SMMU_EVENTQ_BASE + 4:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_EVENTQEN))
			s->eventq_base = set_half(s->eventq_base, off & 4, v) &
					 (ADDR_MASK(s) | 0x1f);
		break;
	case IOMMUSIM_SMMU_EVENTQ_PROD:
	case IOMMUSIM_SMMU_EVENTQ_PROD - 0x10000:
		if (!(s->cr0 & IOMMUSIM_SMMU_CR0_EVENTQEN))
			s->eventq_prod = v & q_mask(s->eventq_base);
		break;
	case IOMMUSIM_SMMU_EVENTQ_CONS:
	case IOMMUSIM_SMMU_EVENTQ_CONS - 0x10000:
		s->eventq_cons = v & (q_mask(s->eventq_base) | BIT(31));
		break;
	default:
		break; /* IDRs, CR0ACK and GERROR are read-only */
	}
}

static int check_access(uint64_t off, unsigned int size)
{
	if (size != 4 && size != 8)
		return -EINVAL;
	if (off & (size - 1))
		return -EINVAL;
	if (off >= IOMMUSIM_SMMU_REG_SIZE ||
	    off + size > IOMMUSIM_SMMU_REG_SIZE)
		return -ERANGE;
	return 0;
}

static int smmu_mmio_read(void *ctx, uint64_t off, unsigned int size,
			  uint64_t *val)
{
	struct smmu_unit *s = ctx;
	int rc = check_access(off, size);

	if (rc)
		return rc;
	if (!val)
		return -EINVAL;
	s->u.st.reg_cycles += s->u.cyc.reg;
	*val = reg_read32(s, off);
	if (size == 8)
		*val |= (uint64_t)reg_read32(s, off + 4) << 32;
	return 0;
}

static int smmu_mmio_write(void *ctx, uint64_t off, unsigned int size,
			   uint64_t val)
{
	struct smmu_unit *s = ctx;
	int rc = check_access(off, size);

	if (rc)
		return rc;
	s->u.st.reg_cycles += s->u.cyc.reg;
	reg_write32(s, off, (uint32_t)val);
	if (size == 8)
		reg_write32(s, off + 4, (uint32_t)(val >> 32));
	return 0;
}

void smmu_regs_init(struct smmu_unit *s)
{
	s->u.mmio.ctx = s;
	s->u.mmio.read = smmu_mmio_read;
	s->u.mmio.write = smmu_mmio_write;
}

/*
 * 3.5, 7.4: write one 32-byte record at EVENTQ_PROD. The queue is full
 * when PROD and CONS have equal indices and different wrap bits: the
 * record is lost and EVENTQ_PROD.OVFLG (bit 31) toggles.
 */
bool smmu_event(struct smmu_unit *s, const uint64_t ev[4])
{
	uint32_t mask = q_mask(s->eventq_base);
	unsigned int lg2 = (unsigned int)F(s->eventq_base, 4, 0);
	uint32_t prod = s->eventq_prod & mask, cons = s->eventq_cons & mask;
	uint64_t pa;

	if (lg2 > Q_MAX_LG2)
		lg2 = Q_MAX_LG2;
	if (!(s->cr0 & IOMMUSIM_SMMU_CR0_EVENTQEN))
		return false;
	if ((prod ^ cons) == BIT(lg2)) {
		s->eventq_prod ^= (uint32_t)BIT(31);
		s->u.st.fault_overflows++;
		return false;
	}
	pa = (s->eventq_base & ADDR_MASK(s)) +
	     32ull * (prod & (BIT(lg2) - 1));
	for (unsigned int i = 0; i < 4; i++)
		if (sim_mem_write64_raw(s->u.mem, pa + 8 * i, ev[i]))
			return false;
	s->eventq_prod = (s->eventq_prod & (uint32_t)BIT(31)) |
			 ((prod + 1) & mask);
	s->u.st.events++;
	return true;
}

static bool s1_record(const struct smmu_out *out, uint32_t ev)
{
	(void)out;
	return ev == IOMMUSIM_SMMU_EV_F_TRANSLATION ||
	       ev == IOMMUSIM_SMMU_EV_F_ADDR_SIZE ||
	       ev == IOMMUSIM_SMMU_EV_F_ACCESS ||
	       ev == IOMMUSIM_SMMU_EV_F_PERMISSION;
}

/*
 * 7.3: a translation or configuration event. dword 0: type 7:0, SSV 11,
 * SubstreamID 31:12, StreamID 63:32; dword 1: PnU 33 (privileged), InD 34,
 * RnW 35 (read), S2 39, CLASS 41:40; dword 2: the input address; dword 3: the
 * IPA of stage 2 faults. Translation faults are recorded only when the
 * CD's R (stage 1) or the STE's S2R (stage 2) asks for it (5.2, 5.4).
 */
void smmu_log_fault(struct smmu_unit *s, const struct smmu_req *rq,
		    const struct smmu_out *out,
		    struct iommusim_dma_result *res)
{
	uint64_t ev[4] = { 0 };

	if (out->event == IOMMUSIM_SMMU_ABORT)
		return; /* terminated without a record */
	/* 7.3 C_BAD_STREAMID is recorded only with SMMU_CR2.RECINVSID */
	if (out->event == IOMMUSIM_SMMU_EV_C_BAD_STREAMID &&
	    !(s->cr2 & IOMMUSIM_SMMU_CR2_RECINVSID)) {
		s->u.st.faults_suppressed++;
		return;
	}
	if (s1_record(out, out->event) && out->suppress) {
		s->u.st.faults_suppressed++;
		return;
	}
	ev[0] = out->event | (rq->ssv ? BIT(11) | (uint64_t)rq->ssid << 12 : 0) |
		(uint64_t)rq->sid << 32;
	ev[1] = out->evt1 | (rq->priv ? IOMMUSIM_SMMU_EVT1_PNU : 0) |
		(rq->write ? 0 : IOMMUSIM_SMMU_EVT1_RNW);
	ev[2] = rq->iova;
	ev[3] = out->ipa & ~0xfffull;
	if (!(s->cr0 & IOMMUSIM_SMMU_CR0_EVENTQEN)) {
		s->u.st.faults_suppressed++;
		return;
	}
	if (!smmu_event(s, ev))
		return;
	s->u.st.faults_recorded++;
	res->flags |= IOMMUSIM_RES_RECORDED;
	res->cycles += 4ull * s->u.cyc.mem_write;
}
