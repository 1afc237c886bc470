// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The AMD-Vi MMIO registers (3.4) over the MMIO bus: naturally aligned 1,
 * 2, 4 or 8 byte accesses; every register is 64 bits and may be written in
 * parts (each write takes effect at once with the bytes merged in). The
 * event log (2.5) lives here too.
 */
#include <errno.h>

#include "amd-int.h"

static const uint16_t regs[] = {
	IOMMUSIM_AMD_DEVTAB, IOMMUSIM_AMD_CMDBUF, IOMMUSIM_AMD_EVTLOG,
	IOMMUSIM_AMD_CONTROL, IOMMUSIM_AMD_EXCL_BASE, IOMMUSIM_AMD_EXCL_LIMIT,
	IOMMUSIM_AMD_EFR, IOMMUSIM_AMD_CMD_HEAD, IOMMUSIM_AMD_CMD_TAIL,
	IOMMUSIM_AMD_EVT_HEAD, IOMMUSIM_AMD_EVT_TAIL, IOMMUSIM_AMD_STATUS,
};

#define ADDR_MASK(a) ((AMD_BIT((a)->haw) - 1) & ~0xfffull)
#define LEN_MASK (0xfull << 56)
#define PTR_MASK 0x7fff0ull /* 18:4 */

static bool reg_at(uint64_t off, unsigned int *r)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (off >= regs[i] && off < regs[i] + 8u) {
			*r = regs[i];
			return true;
		}
	}
	return false;
}

static uint64_t status_value(const struct amd_unit *a)
{
	uint64_t s = a->status;

	if ((a->control & IOMMUSIM_AMD_CTRL_EVTLOG_EN) && !a->evt_stopped)
		s |= IOMMUSIM_AMD_STS_EVTLOG_RUN;
	if ((a->control & IOMMUSIM_AMD_CTRL_CMDBUF_EN) && !a->cmd_stopped)
		s |= IOMMUSIM_AMD_STS_CMDBUF_RUN;
	return s;
}

static uint64_t reg_read(const struct amd_unit *a, unsigned int off)
{
	switch (off) {
	case IOMMUSIM_AMD_DEVTAB: return a->devtab;
	case IOMMUSIM_AMD_CMDBUF: return a->cmdbuf;
	case IOMMUSIM_AMD_EVTLOG: return a->evtlog;
	case IOMMUSIM_AMD_CONTROL: return a->control;
	case IOMMUSIM_AMD_EXCL_BASE: return a->excl_base;
	case IOMMUSIM_AMD_EXCL_LIMIT: return a->excl_limit;
	case IOMMUSIM_AMD_EFR: return a->efr;
	case IOMMUSIM_AMD_CMD_HEAD: return a->cmd_head;
	case IOMMUSIM_AMD_CMD_TAIL: return a->cmd_tail;
	case IOMMUSIM_AMD_EVT_HEAD: return a->evt_head;
	case IOMMUSIM_AMD_EVT_TAIL: return a->evt_tail;
	default: return status_value(a);
	}
}

/* Bits of the control register the model stores (3.4.3). */
#define CTRL_MODELLED (IOMMUSIM_AMD_CTRL_IOMMU_EN | \
		       IOMMUSIM_AMD_CTRL_EVTLOG_EN | \
		       IOMMUSIM_AMD_CTRL_EVTINT_EN | \
		       IOMMUSIM_AMD_CTRL_COMWAITINT_EN | \
		       IOMMUSIM_AMD_CTRL_CMDBUF_EN | IOMMUSIM_AMD_CTRL_GT_EN)

static void control_write(struct amd_unit *a, uint64_t val)
{
	uint64_t old = a->control;

	a->control = val & CTRL_MODELLED;
	/* 2.5.1: setting EventLogEn again restarts logging after overflow */
	if ((a->control & IOMMUSIM_AMD_CTRL_EVTLOG_EN) &&
	    !(old & IOMMUSIM_AMD_CTRL_EVTLOG_EN))
		a->evt_stopped = false;
	/* 3.4.3: enabling the command buffer (re)starts fetching at head */
	if ((a->control & IOMMUSIM_AMD_CTRL_CMDBUF_EN) &&
	    !(old & IOMMUSIM_AMD_CTRL_CMDBUF_EN)) {
		a->cmd_stopped = false;
		amd_cmd_run(a);
	}
}

static void reg_write(struct amd_unit *a, unsigned int off, uint64_t val)
{
	bool cmd_on = (a->control & IOMMUSIM_AMD_CTRL_CMDBUF_EN) != 0;
	bool evt_on = (a->control & IOMMUSIM_AMD_CTRL_EVTLOG_EN) != 0;

	switch (off) {
	case IOMMUSIM_AMD_DEVTAB:
		a->devtab = val & (ADDR_MASK(a) | 0x1ff);
		break;
	case IOMMUSIM_AMD_CMDBUF:
		if (!cmd_on) /* writable only while disabled */
			a->cmdbuf = val & (ADDR_MASK(a) | LEN_MASK);
		break;
	case IOMMUSIM_AMD_EVTLOG:
		if (!evt_on)
			a->evtlog = val & (ADDR_MASK(a) | LEN_MASK);
		break;
	case IOMMUSIM_AMD_CONTROL:
		control_write(a, val);
		break;
	case IOMMUSIM_AMD_EXCL_BASE:
		a->excl_base = val & (ADDR_MASK(a) | 3);
		break;
	case IOMMUSIM_AMD_EXCL_LIMIT:
		a->excl_limit = (val & ADDR_MASK(a)) | 0xfff;
		break;
	case IOMMUSIM_AMD_CMD_HEAD:
		if (!cmd_on)
			a->cmd_head = val & PTR_MASK;
		break;
	case IOMMUSIM_AMD_CMD_TAIL:
		a->cmd_tail = val & PTR_MASK;
		if (cmd_on && !a->cmd_stopped)
			amd_cmd_run(a);
		break;
	case IOMMUSIM_AMD_EVT_HEAD:
		a->evt_head = val & PTR_MASK;
		break;
	case IOMMUSIM_AMD_EVT_TAIL:
		if (!evt_on)
			a->evt_tail = val & PTR_MASK;
		break;
	case IOMMUSIM_AMD_STATUS: /* RW1C */
		a->status &= ~(val & (IOMMUSIM_AMD_STS_EVT_OVERFLOW |
				      IOMMUSIM_AMD_STS_EVTLOG_INT |
				      IOMMUSIM_AMD_STS_COMWAIT_INT));
		break;
	default:
		break; /* EFR is read-only */
	}
}

static int check_access(uint64_t off, unsigned int size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (off & (size - 1))
		return -EINVAL;
	if (off >= IOMMUSIM_AMD_REG_SIZE ||
	    off + size > IOMMUSIM_AMD_REG_SIZE)
		return -ERANGE;
	return 0;
}

static int amd_mmio_read(void *ctx, uint64_t off, unsigned int size,
			 uint64_t *val)
{
	struct amd_unit *a = ctx;
	unsigned int r;
	int rc = check_access(off, size);

	if (rc)
		return rc;
	if (!val)
		return -EINVAL;
	a->u.st.reg_cycles += a->u.cyc.reg;
	*val = 0;
	if (reg_at(off, &r)) {
		uint64_t v = reg_read(a, r) >> (8 * (off - r));

		*val = size == 8 ? v : v & ((1ull << (8 * size)) - 1);
	}
	return 0;
}

static int amd_mmio_write(void *ctx, uint64_t off, unsigned int size,
			  uint64_t val)
{
	struct amd_unit *a = ctx;
	unsigned int r, sh;
	uint64_t cur, mask;
	int rc = check_access(off, size);

	if (rc)
		return rc;
	a->u.st.reg_cycles += a->u.cyc.reg;
	if (!reg_at(off, &r))
		return 0; /* reserved space ignores writes */
	sh = 8 * (unsigned int)(off - r);
	mask = size == 8 ? ~0ull : ((1ull << (8 * size)) - 1) << sh;
	/* status is RW1C: untouched bytes must not clear anything */
	cur = r == IOMMUSIM_AMD_STATUS ? 0 : reg_read(a, r);
	cur = (cur & ~mask) | ((val << sh) & mask);
	reg_write(a, r, cur);
	return 0;
}

void amd_regs_init(struct amd_unit *a)
{
	a->u.mmio.ctx = a;
	a->u.mmio.read = amd_mmio_read;
	a->u.mmio.write = amd_mmio_write;
}

/* 2^n 16-byte entries, n from the length field (values below 8 read as 8). */
static uint64_t buf_bytes(uint64_t reg)
{
	unsigned int n = (unsigned int)((reg >> 56) & 0xf);

	return 16ull << (n < 8 ? 8 : n);
}

/*
 * 2.5: append an event at the tail. The log is full when the entry after
 * the tail is the head: the event is lost, EventOverflow set, and logging
 * stops (EventLogRun clear) until software restarts it by setting
 * EventLogEn again (2.5.1, "Event Log Restart Procedure": event logging
 * is disabled when the event log overflows).
 */
bool amd_log_event(struct amd_unit *a, const uint64_t ev[2])
{
	uint64_t size = buf_bytes(a->evtlog), base = a->evtlog & ADDR_MASK(a);
	uint64_t tail = a->evt_tail % size, next = (tail + 16) % size;

	if (!(a->control & IOMMUSIM_AMD_CTRL_EVTLOG_EN))
		return false;
	if (a->evt_stopped) {
		a->u.st.fault_overflows++; /* logging is off: lost */
		return false;
	}
	if (next == a->evt_head % size) {
		a->status |= IOMMUSIM_AMD_STS_EVT_OVERFLOW;
		a->evt_stopped = true;
		a->u.st.fault_overflows++;
		return false;
	}
	if (sim_mem_write64_raw(a->u.mem, base + tail, ev[0]) ||
	    sim_mem_write64_raw(a->u.mem, base + tail + 8, ev[1]))
		return false;
	a->evt_tail = next;
	if (a->control & IOMMUSIM_AMD_CTRL_EVTINT_EN) {
		a->status |= IOMMUSIM_AMD_STS_EVTLOG_INT;
		a->u.st.events++;
	}
	return true;
}

/*
 * 2.5.2-2.5.4, 2.5.9: a translation event. qword 0: DeviceID 15:0,
 * PASID 19:16 and 47:32 (or the DomainID for page-table events of host
 * translations), flags 59:48, code 63:60; qword 1: the address (the IOVA,
 * or the entry's address for hardware errors).
 */
void amd_log_fault(struct amd_unit *a, const struct amd_req *rq,
		   const struct amd_dte *dte, const struct amd_out *out,
		   struct iommusim_dma_result *res)
{
	uint32_t flags = out->evflags;
	uint64_t ev[2];
	uint32_t tag;

	if (out->event == IOMMUSIM_AMD_EV_IO_PAGE_FAULT && dte->sa) {
		a->u.st.faults_suppressed++; /* DTE.SA */
		return;
	}
	if (rq->write)
		flags |= IOMMUSIM_AMD_EVF_RW;
	if (!rq->priv && (flags & IOMMUSIM_AMD_EVF_GN))
		flags |= IOMMUSIM_AMD_EVF_US;
	tag = rq->has_pasid ? rq->pasid :
	      (flags & IOMMUSIM_AMD_EVF_GN) ? 0 : dte->did;
	ev[0] = (rq->devid & 0xffff) | (uint64_t)((tag >> 16) & 0xf) << 16 |
		(uint64_t)(tag & 0xffff) << 32 |
		(uint64_t)(flags & 0xfff) << 48 | (uint64_t)out->event << 60;
	ev[1] = out->event == IOMMUSIM_AMD_EV_DEVTAB_HW_ERROR ||
		out->event == IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR ?
		out->evaddr : rq->iova;
	if (!(a->control & IOMMUSIM_AMD_CTRL_EVTLOG_EN)) {
		a->u.st.faults_suppressed++;
		return;
	}
	if (!amd_log_event(a, ev))
		return;
	a->u.st.faults_recorded++;
	res->flags |= IOMMUSIM_RES_RECORDED;
	res->cycles += 2ull * a->u.cyc.mem_write;
}
