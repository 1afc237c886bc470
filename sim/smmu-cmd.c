// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The command queue (3.5, 4): 16-byte commands consumed from CMDQ_CONS up
 * to CMDQ_PROD while CR0.CMDQEN is set. A command the model cannot
 * execute sets CMDQ_CONS.ERR to CERROR_ILL, toggles GERROR.CMDQ_ERR and
 * stops the queue with CONS pointing at it until software acknowledges
 * the error in GERRORN (7.1).
 */
#include "smmu-int.h"

#define BIT(n) SMMU_BIT(n)
#define F(v, hi, lo) SMMU_FIELD(v, hi, lo)

/* 4.4.1: range invalidations: TG 1 4K, 2 16K, 3 64K; (NUM+1) << SCALE
 * granules from the address; TG 0: the page holding the address. */
static void tlbi_range(const uint64_t c[2], uint64_t addr,
		       struct smmu_tlbi *t)
{
	unsigned int tg = (unsigned int)F(c[1], 11, 10);
	uint64_t num = F(c[0], 16, 12) + 1, scale = F(c[0], 24, 20);

	t->by_range = true;
	t->first = addr;
	t->last = addr;
	if (tg) {
		unsigned int g = tg == 1 ? 12 : tg == 2 ? 14 : 16;
		unsigned int lg2 = (unsigned int)scale + g;

		t->first = addr & ~(BIT(g) - 1);
		if (lg2 < 58)
			t->last = t->first + (num << lg2) - 1;
		else
			t->last = UINT64_MAX;
	}
}

/* 4.7: CMD_SYNC. CS 13:12 (0 none, 1 IRQ/MSI write, 2 SEV); with SIG_IRQ
 * and an MSIAddress (dword 1, 51:2) the completion writes MSIData
 * (dword 0, 63:32) there. */
static bool cmd_sync(struct smmu_unit *s, const uint64_t c[2])
{
	unsigned int cs = (unsigned int)F(c[0], 13, 12);
	uint64_t addr = c[1] & (BIT(52) - 1) & ~3ull;
	uint32_t data = (uint32_t)(c[0] >> 32);

	if (cs == 3)
		return false;
	if (cs == 1 && addr) {
		if (iommusim_mem_write(s->u.mem, addr, &data, 4))
			return false;
		s->u.st.queue_cycles += s->u.cyc.mem_write;
	}
	if (cs)
		s->u.st.events++;
	return true;
}

static bool cmd_exec(struct smmu_unit *s, const uint64_t c[2])
{
	unsigned int op = (unsigned int)F(c[0], 7, 0);
	uint32_t sid = (uint32_t)(c[0] >> 32);
	uint32_t vmid = (uint32_t)F(c[0], 47, 32);
	uint32_t asid = (uint32_t)F(c[0], 63, 48);
	struct smmu_tlbi t = { .vmid = vmid };
	const int s1k = 1 << SMMU_KIND_S1 | 1 << SMMU_KIND_NESTED;

	switch (op) {
	case IOMMUSIM_SMMU_CMD_CFGI_STE: /* 4.3.1 */
		smmu_inval_ste(s, sid, sid);
		return true;
	case IOMMUSIM_SMMU_CMD_CFGI_STE_RANGE: { /* 4.3.2, 4.3.3 */
		unsigned int range = (unsigned int)F(c[1], 4, 0);
		uint64_t n = BIT(range + 1), first = sid & ~(n - 1);
		uint64_t last = first + n - 1;

		smmu_inval_ste(s, (uint32_t)first,
			       last > UINT32_MAX ? UINT32_MAX : (uint32_t)last);
		return true;
	}
	case IOMMUSIM_SMMU_CMD_CFGI_CD: /* 4.3.4 */
		smmu_inval_cd(s, sid, false, (uint32_t)F(c[0], 31, 12));
		return true;
	case IOMMUSIM_SMMU_CMD_CFGI_CD_ALL: /* 4.3.5 */
		smmu_inval_cd(s, sid, true, 0);
		return true;
	case IOMMUSIM_SMMU_CMD_TLBI_NH_ALL: /* 4.4.2: the VMID's stage 1 */
		t.kinds = s1k;
		break;
	case IOMMUSIM_SMMU_CMD_TLBI_NH_ASID: /* 4.4.3: not global entries */
		t.kinds = s1k;
		t.by_asid = true;
		t.asid = asid;
		break;
	case IOMMUSIM_SMMU_CMD_TLBI_NH_VA: /* 4.4.4: the ASID's and global */
		t.kinds = s1k;
		t.by_asid = true;
		t.asid = asid;
		t.asid_and_global = true;
		tlbi_range(c, c[1] & ~0xfffull, &t);
		break;
	case IOMMUSIM_SMMU_CMD_TLBI_NH_VAA: /* 4.4.5: every ASID */
		t.kinds = s1k;
		tlbi_range(c, c[1] & ~0xfffull, &t);
		break;
	case IOMMUSIM_SMMU_CMD_TLBI_S12_VMALL: /* 4.4.8 */
		t.kinds = ~0;
		break;
	case IOMMUSIM_SMMU_CMD_TLBI_S2_IPA: { /* 4.4.9 */
		struct smmu_tlbi n = { .vmid = vmid,
				       .kinds = 1 << SMMU_KIND_NESTED };

		t.kinds = 1 << SMMU_KIND_S2;
		tlbi_range(c, c[1] & (BIT(52) - 1) & ~0xfffull, &t);
		/* combined entries are tagged by VA, not IPA: drop them all */
		smmu_tlbi(s, &n);
		break;
	}
	case IOMMUSIM_SMMU_CMD_TLBI_NSNH_ALL: /* 4.4.10 */
		t.kinds = ~0;
		t.all_vmid = true;
		break;
	case IOMMUSIM_SMMU_CMD_SYNC:
		return cmd_sync(s, c);
	default:
		return false; /* unknown or not modelled: CERROR_ILL */
	}
	smmu_tlbi(s, &t);
	return true;
}

void smmu_cmd_run(struct smmu_unit *s)
{
	unsigned int lg2 = (unsigned int)F(s->cmdq_base, 4, 0);
	uint64_t base = s->cmdq_base & (BIT(52) - 1) & ~0x1full;
	uint32_t mask;

	if (lg2 > 19)
		lg2 = 19;
	mask = (uint32_t)(BIT(lg2 + 1) - 1);
	while ((s->cmdq_cons & mask) != (s->cmdq_prod & mask)) {
		uint32_t cons = s->cmdq_cons & mask;
		uint64_t pa = base + 16ull * (cons & (BIT(lg2) - 1)), c[2];

		if ((s->gerror ^ s->gerrorn) & IOMMUSIM_SMMU_GERROR_CMDQ_ERR)
			return;
		s->u.st.queue_cycles += 2ull * s->u.cyc.mem_read +
					s->u.cyc.queue_desc;
		if (sim_mem_read64_raw(s->u.mem, pa, &c[0]) ||
		    sim_mem_read64_raw(s->u.mem, pa + 8, &c[1]) ||
		    !cmd_exec(s, c)) {
			/* CERROR_ABT (2) for a fetch abort is folded in */
			s->cmdq_cons = cons |
				       (uint32_t)IOMMUSIM_SMMU_CERROR_ILL << 24;
			s->gerror ^= IOMMUSIM_SMMU_GERROR_CMDQ_ERR;
			s->u.st.events++;
			return;
		}
		s->u.st.queue_cmds++;
		s->cmdq_cons = (cons + 1) & mask;
	}
}
