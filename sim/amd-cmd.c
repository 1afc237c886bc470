// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The command buffer (2.4): 128-bit commands fetched from the buffer at
 * CMDBUF between the head and tail pointers and executed in order while
 * Control.CmdBufEn is set. A command the unit cannot execute (unknown or
 * unsupported opcode, reserved bits set) logs ILLEGAL_COMMAND_ERROR with
 * its address and stops the buffer with the head pointing at it, until
 * software disables and re-enables the command buffer (2.4, 3.4.3).
 */
#include "amd-int.h"

#define BIT(n) AMD_BIT(n)
#define MASK(hi, lo) ((BIT((hi) - (lo) + 1) - 1) << (lo))

/* 2.4.1: COMPLETION_WAIT: S 0 (store), I 1 (interrupt), F 2 (flush). */
static bool completion_wait(struct amd_unit *a, const uint64_t c[2])
{
	uint64_t addr = c[0] & MASK(51, 3);

	if (c[0] & MASK(59, 52))
		return false;
	if ((c[0] & BIT(0)) && !(c[0] & BIT(1)) && !addr)
		return false; /* the model's reading: a store needs an address */
	if (c[0] & BIT(0)) {
		if (sim_mem_write64_raw(a->u.mem, addr, c[1]))
			return false;
		a->u.st.queue_cycles += a->u.cyc.mem_write;
	}
	if (c[0] & BIT(1)) {
		a->status |= IOMMUSIM_AMD_STS_COMWAIT_INT;
		if (a->control & IOMMUSIM_AMD_CTRL_COMWAITINT_EN)
			a->u.st.events++;
	}
	return true;
}

/*
 * 2.4.3: INVALIDATE_IOMMU_PAGES: PASID 19:0, DomainID 47:32; qword 1: S 0,
 * PDE 1, GN 2, address 63:12. With S the range is 2^n bytes, n - 1 being
 * the position of the first zero address bit at or above bit 12; an
 * address with every bit set (but 63) covers everything.
 */
static bool inval_pages(struct amd_unit *a, const uint64_t c[2])
{
	uint32_t pasid = (uint32_t)(c[0] & 0xfffff);
	uint32_t did = (uint32_t)((c[0] >> 32) & 0xffff);
	uint64_t addr = c[1] & ~0xfffull, first, last;
	bool s = c[1] & 1, pde = (c[1] >> 1) & 1, gn = (c[1] >> 2) & 1;

	if ((c[0] & (MASK(31, 20) | MASK(59, 48))) || (c[1] & MASK(11, 3)))
		return false;
	if (!gn && pasid)
		return false;
	if (!s) {
		first = addr;
		last = addr + 0xfff;
	} else {
		unsigned int lg2 = 13 + (unsigned int)__builtin_ctzll(~(addr >> 12) | BIT(52));

		if (lg2 >= 64) {
			first = 0;
			last = UINT64_MAX;
		} else {
			first = addr & ~(BIT(lg2) - 1);
			last = first + (BIT(lg2) - 1);
		}
	}
	amd_inval_pages(a, did, gn, pasid, first, last, pde);
	return true;
}

/* Execute one command; false if it is illegal. */
static bool cmd_exec(struct amd_unit *a, const uint64_t c[2])
{
	unsigned int op = (unsigned int)(c[0] >> 60);

	switch (op) {
	case IOMMUSIM_AMD_CMD_COMPLETION_WAIT:
		return completion_wait(a, c);
	case IOMMUSIM_AMD_CMD_INV_DEVTAB_ENTRY: /* 2.4.2: DeviceID 15:0 */
		if ((c[0] & MASK(59, 16)) || c[1])
			return false;
		amd_inval_dte(a, (uint32_t)(c[0] & 0xffff));
		return true;
	case IOMMUSIM_AMD_CMD_INV_IOMMU_PAGES:
		return inval_pages(a, c);
	case IOMMUSIM_AMD_CMD_INV_IOTLB_PAGES:
	case IOMMUSIM_AMD_CMD_INV_INTR_TABLE:
		/* 2.4.4, 2.4.5: no device IOTLBs and no interrupt remapping
		 * are modelled, so there is nothing to drop */
		return true;
	case IOMMUSIM_AMD_CMD_INV_IOMMU_ALL: /* 2.4.8: needs EFR.IASup */
		if (!(a->efr & IOMMUSIM_AMD_EFR_IASUP) ||
		    (c[0] & MASK(59, 0)) || c[1])
			return false;
		amd_inval_all(a);
		return true;
	default:
		/* 0, PREFETCH_IOMMU_PAGES and COMPLETE_PPR_REQUEST (their
		 * EFR bits are never set), and undefined opcodes */
		return false;
	}
}

static uint64_t cmd_bytes(const struct amd_unit *a)
{
	unsigned int n = (unsigned int)((a->cmdbuf >> 56) & 0xf);

	return 16ull << (n < 8 ? 8 : n);
}

void amd_cmd_run(struct amd_unit *a)
{
	uint64_t size = cmd_bytes(a);
	uint64_t base = a->cmdbuf & (AMD_BIT(a->haw) - 1) & ~0xfffull;
	uint64_t tail = a->cmd_tail % size;

	while (!a->cmd_stopped && a->cmd_head % size != tail) {
		uint64_t pa = base + a->cmd_head % size, c[2], ev[2];
		uint32_t code = 0;

		a->u.st.queue_cycles += a->u.cyc.mem_read + a->u.cyc.queue_desc;
		if (sim_mem_read64_raw(a->u.mem, pa, &c[0]) ||
		    sim_mem_read64_raw(a->u.mem, pa + 8, &c[1]))
			code = IOMMUSIM_AMD_EV_COMMAND_HW_ERROR; /* 2.5.7 */
		else if (!cmd_exec(a, c))
			code = IOMMUSIM_AMD_EV_ILLEGAL_COMMAND;  /* 2.5.6 */
		if (code) {
			ev[0] = (uint64_t)code << 60;
			ev[1] = pa;
			a->cmd_stopped = true;
			amd_log_event(a, ev);
			return;
		}
		a->u.st.queue_cmds++;
		a->cmd_head = (a->cmd_head % size + 16) % size;
	}
}
