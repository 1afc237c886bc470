// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * User-mode AMD-Vi driver: device table (2.2.2), command buffer with
 * completion wait (2.4), event log (2.5), registers (3.4), from the AMD
 * I/O Virtualization Technology (IOMMU) Specification, pub. 48882 rev 3.x.
 * Every register access goes through struct iommupt_mmio, 8 bytes wide.
 *
 * Commands are issued in batches that end with a COMPLETION_WAIT storing
 * a fresh sequence number; a batch returns once the number has landed, so
 * the buffer is empty between calls and the driver never needs to read
 * the head register (older QEMU models wrote it wrongly).
 *
 * Memory ordering: entries are plain stores to write-back memory and the
 * unit is told by an MMIO write; a full fence sits before each doorbell.
 * With IOMMUDRV_AMD_NONCOHERENT the driver writes back the lines of its
 * own structures, as the VT-d driver does for ECAP.C = 0.
 *
 * QEMU (7.2, tests/qemu/amd-edu.c): its IOTLB is looked up by DeviceID
 * before the DTE, so detach and re-attach also invalidate the old
 * DomainID's pages (needed anyway before a freed DomainID is reused);
 * its event log never shows entries, see the test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-amd.h>

#include "amd-regs.h"
#include "drv-int.h"

#define AMD_PAGE_LG2 12
#define AMD_BUF_LG2 8                 /* 256 entries of 16 bytes: one page */
#define AMD_BUF_ENTRIES (1u << AMD_BUF_LG2)
#define AMD_TIMEOUT_NS 1000000000ull  /* hardware completes in microseconds */
#define AMD_BLOCK_DID 0               /* the blocking DTEs' DomainID */
#define AMD_DEVIDS_PER_BUS 256u

/* What the driver attached at one DeviceID. */
struct amd_dev {
	struct iommupt_domain *dom;
	uint16_t did;
	uint8_t attached;
};

struct iommudrv_amd {
	struct iommupt_mmio mmio;
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	uint32_t unit;
	uint32_t flags;
	uint64_t efr;
	unsigned int max_levels;  /* 4 + EFR.HATS */
	unsigned int nr_devids;
	unsigned int devtab_pages;
	int enabled;
	struct drv_page devtab;   /* nr_devids DTEs */
	struct drv_page cmdbuf;   /* AMD_BUF_ENTRIES commands */
	struct drv_page evtlog;   /* AMD_BUF_ENTRIES events */
	struct drv_page wait;     /* completion-wait store word */
	struct drv_page empty;    /* zeroed level-1 table of blocked DTEs */
	uint64_t ctrl;            /* what the driver last wrote to Control */
	unsigned int cmd_tail;    /* next free command slot */
	unsigned int evt_head;    /* next event slot to read */
	uint64_t wait_seq;
	struct amd_dev *devs;     /* nr_devids */
};

static int rd64(struct iommudrv_amd *a, uint64_t off, uint64_t *val)
{
	return a->mmio.read(a->mmio.ctx, off, 8, val);
}

static int wr64(struct iommudrv_amd *a, uint64_t off, uint64_t val)
{
	return a->mmio.write(a->mmio.ctx, off, 8, val);
}

/* Write back one line when the unit's reads do not snoop (see the flag). */
static void wback(struct iommudrv_amd *a, const void *p)
{
	if (a->flags & IOMMUDRV_AMD_NONCOHERENT)
		drv_clflush_range(p, 1);
}

/* Store one qword of a structure the unit reads. */
static void put64(struct iommudrv_amd *a, void *base, unsigned int idx,
		  uint64_t val)
{
	wback(a, drv_store64(base, idx, val));
}

/* ---- command buffer (2.4) --------------------------------------------- */

/*
 * The unit stopped the buffer (ILLEGAL_COMMAND_ERROR, COMMAND_HARDWARE_ERROR,
 * 2.4 and 2.5.6/2.5.7) or did not finish: restart it empty. The head is
 * writable only while CmdBufEn is clear (3.4, 2000h).
 */
static void cmd_restart(struct iommudrv_amd *a)
{
	wr64(a, AMD_CONTROL_REG, a->ctrl & ~AMD_CTRL_CMDBUF_EN);
	a->cmd_tail = 0;
	wr64(a, AMD_CMD_HEAD_REG, 0);
	wr64(a, AMD_CMD_TAIL_REG, 0);
	wr64(a, AMD_CONTROL_REG, a->ctrl);
}

/*
 * Queue nr commands and a COMPLETION_WAIT that stores a fresh sequence
 * number (2.4.1: S = 1, the store happens after every earlier command has
 * completed); return once it has landed.
 */
static int cmd_submit(struct iommudrv_amd *a, const uint64_t (*cmd)[2],
		      unsigned int nr)
{
	volatile uint64_t *word = a->wait.cpu;
	uint64_t end, seq, sts;
	unsigned int i;
	int ret;

	if (nr + 1 >= AMD_BUF_ENTRIES)
		return -EINVAL;
	seq = ++a->wait_seq;
	__atomic_store_n((uint64_t *)a->wait.cpu, 0, __ATOMIC_RELAXED);
	wback(a, a->wait.cpu);
	for (i = 0; i <= nr; i++) {
		unsigned int q = a->cmd_tail * 2;

		if (i < nr) {
			put64(a, a->cmdbuf.cpu, q, cmd[i][0]);
			put64(a, a->cmdbuf.cpu, q + 1, cmd[i][1]);
		} else {
			put64(a, a->cmdbuf.cpu, q,
			      AMD_CMD_OP(AMD_CMD_COMPLETION_WAIT) |
			      AMD_CW_ADDR(a->wait.oa) | AMD_CW_S);
			put64(a, a->cmdbuf.cpu, q + 1, seq);
		}
		a->cmd_tail = (a->cmd_tail + 1) % AMD_BUF_ENTRIES;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ret = wr64(a, AMD_CMD_TAIL_REG, (uint64_t)a->cmd_tail * AMD_CMD_BYTES);
	if (ret)
		return ret;

	end = drv_now_ns() + AMD_TIMEOUT_NS;
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seq) {
		wback(a, a->wait.cpu); /* drop a stale line, if non-coherent */
		/* 3.4 2020h: CmdBufRun drops when the unit stops the buffer. */
		ret = rd64(a, AMD_STATUS_REG, &sts);
		if (ret)
			return ret;
		if (!(sts & AMD_STS_CMDBUF_RUN) &&
		    __atomic_load_n(word, __ATOMIC_ACQUIRE) != seq) {
			cmd_restart(a);
			return -EIO;
		}
		if (drv_now_ns() > end) {
			cmd_restart(a);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

static void cmd_inval_dte(uint64_t c[2], uint16_t devid)
{
	c[0] = AMD_CMD_OP(AMD_CMD_INV_DEVTAB_ENTRY) | AMD_IDE_DEVID(devid);
	c[1] = 0;
}

/* 2.4.3: [start, last] rounded out to one naturally aligned 2^n range. */
static void cmd_inval_pages(uint64_t c[2], uint16_t did, uint64_t start,
			    uint64_t last, int pde)
{
	unsigned int lg2 = AMD_PAGE_LG2;
	uint64_t addr;

	start &= ~((1ull << AMD_PAGE_LG2) - 1);
	while (lg2 < 64 && (start >> lg2) != (last >> lg2))
		lg2++;
	c[0] = AMD_CMD_OP(AMD_CMD_INV_IOMMU_PAGES) | AMD_IIP_DID(did);
	if (lg2 == AMD_PAGE_LG2) {
		addr = start;                 /* S = 0: one 4K page */
	} else if (lg2 >= 64) {
		addr = AMD_IIP_ALL_ADDR | AMD_IIP_S;
	} else {
		/* S = 1: bits 12..lg2-2 set, bit lg2-1 clear: 2^lg2 bytes */
		addr = (start & ~((1ull << lg2) - 1)) |
		       (((1ull << (lg2 - 1)) - 1) & ~0xfffull) | AMD_IIP_S;
	}
	c[1] = addr | (pde ? AMD_IIP_PDE : 0);
}

static void cmd_inval_domain(uint64_t c[2], uint16_t did)
{
	cmd_inval_pages(c, did, 0, UINT64_MAX, 1);
}

/* Everything: INVALIDATE_IOMMU_ALL (2.4.8), else each DTE and DomainID. */
static int inval_all(struct iommudrv_amd *a)
{
	uint64_t c[64][2];
	unsigned int i, n = 0;
	int ret;

	if (a->efr & AMD_EFR_IASUP) {
		c[0][0] = AMD_CMD_OP(AMD_CMD_INV_IOMMU_ALL);
		c[0][1] = 0;
		return cmd_submit(a, c, 1);
	}
	for (i = 0; i < a->nr_devids; i++) {
		cmd_inval_dte(c[n++], (uint16_t)i);
		if (n == 64 || i + 1 == a->nr_devids) {
			ret = cmd_submit(a, c, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	for (i = 0; i <= 0xffff; i++) {
		cmd_inval_domain(c[n++], (uint16_t)i);
		if (n == 64 || i == 0xffff) {
			ret = cmd_submit(a, c, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	return 0;
}

/* ---- device table (2.2.2.1) ------------------------------------------- */

static void *dte_at(struct iommudrv_amd *a, unsigned int devid)
{
	return (char *)a->devtab.cpu + (size_t)devid * AMD_DTE_BYTES;
}

/*
 * A blocked DeviceID: V, TV, Mode 1 over a zeroed table, IR = IW = 0,
 * DomainID 0. Qword 0 is stored last, in one store, so the unit never
 * sees half an entry change its meaning.
 */
static void dte_block(struct iommudrv_amd *a, unsigned int devid)
{
	void *d = dte_at(a, devid);

	put64(a, d, 3, 0);
	put64(a, d, 2, 0);
	put64(a, d, 1, AMD_DTE_Q1_DID(AMD_BLOCK_DID));
	put64(a, d, 0, a->empty.oa | AMD_DTE_Q0_MODE(1) | AMD_DTE_Q0_TV |
			       AMD_DTE_Q0_V);
}

static uint64_t dte_q0(uint64_t root_oa, unsigned int levels)
{
	return (root_oa & AMD_ADDR_MASK) | AMD_DTE_Q0_MODE(levels) |
	       AMD_DTE_Q0_IR | AMD_DTE_Q0_IW | AMD_DTE_Q0_TV | AMD_DTE_Q0_V;
}

/* ---- event log (2.5) ---------------------------------------------------- */

static uint32_t amd_reason(unsigned int code, unsigned int flags,
			   int attached)
{
	switch (code) {
	case AMD_EV_IO_PAGE_FAULT:
		if (!attached)
			return IOMMUDRV_FAULT_NO_DEVICE;
		if (flags & AMD_EVF_RZ)
			return IOMMUDRV_FAULT_BAD_ENTRY;
		if (flags & AMD_EVF_PE)
			return IOMMUDRV_FAULT_PERMISSION;
		return IOMMUDRV_FAULT_TRANSLATION;
	case AMD_EV_ILLEGAL_DTE:
		return IOMMUDRV_FAULT_BAD_ENTRY;
	case AMD_EV_DEVTAB_HW_ERROR:
	case AMD_EV_PAGETAB_HW_ERROR:
		return IOMMUDRV_FAULT_WALK_ABORT;
	default:
		return IOMMUDRV_FAULT_OTHER;
	}
}

static void decode_event(struct iommudrv_amd *a, uint64_t q0, uint64_t q1,
			 struct iommudrv_fault *f)
{
	unsigned int code = AMD_EVT_CODE(q0), flags = AMD_EVT_FLAGS(q0);
	int devev = code == AMD_EV_ILLEGAL_DTE ||
		    code == AMD_EV_IO_PAGE_FAULT ||
		    code == AMD_EV_DEVTAB_HW_ERROR ||
		    code == AMD_EV_PAGETAB_HW_ERROR ||
		    code == AMD_EV_INVALID_DEV_REQ;
	uint32_t devid = devev ? AMD_EVT_DEVID(q0) : 0;

	memset(f, 0, sizeof(*f));
	f->unit = a->unit;
	f->source_id = devid;
	f->iova = q1;
	f->vendor_reason = (uint32_t)(q0 >> 48) & 0xffff;
	f->reason = amd_reason(code, flags,
			       devid < a->nr_devids && a->devs[devid].attached);
	if (code == AMD_EV_IO_PAGE_FAULT || code == AMD_EV_PAGETAB_HW_ERROR ||
	    code == AMD_EV_INVALID_DEV_REQ) {
		f->access = flags & AMD_EVF_RW ? IOMMUDRV_ACCESS_WRITE
					       : IOMMUDRV_ACCESS_READ;
		if (flags & AMD_EVF_NX)
			f->access |= IOMMUDRV_ACCESS_EXEC;
		if ((flags & AMD_EVF_GN) && !(flags & AMD_EVF_US))
			f->access |= IOMMUDRV_ACCESS_PRIV;
		if (flags & AMD_EVF_GN) {
			f->has_pasid = 1;
			f->pasid = AMD_EVT_PASID(q0);
		}
	}
}

/*
 * 2.5.1 (event log restart): after an overflow, turn logging off, clear
 * EventOverflow, empty the log (the tail is writable while logging is
 * off) and turn it on again.
 */
static int evt_restart(struct iommudrv_amd *a)
{
	int ret = wr64(a, AMD_CONTROL_REG, a->ctrl & ~AMD_CTRL_EVTLOG_EN);

	if (!ret) {
		ret = drv_poll(&a->mmio, AMD_STATUS_REG, 8, AMD_STS_EVTLOG_RUN,
			       0, AMD_TIMEOUT_NS);
		if (ret == -ETIMEDOUT)
			return ret;
	}
	if (!ret)
		ret = wr64(a, AMD_STATUS_REG, AMD_STS_EVT_OVERFLOW);
	a->evt_head = 0;
	if (!ret)
		ret = wr64(a, AMD_EVT_HEAD_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_EVT_TAIL_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_CONTROL_REG, a->ctrl);
	return ret;
}

static int read_faults(struct iommudrv_amd *a, struct iommudrv_fault *out,
		       unsigned int max, unsigned int *n)
{
	unsigned int got = 0, tail;
	uint64_t t, sts;
	int ret;

	ret = rd64(a, AMD_EVT_TAIL_REG, &t);
	if (ret)
		return ret;
	tail = (unsigned int)((t & AMD_PTR_MASK) / AMD_EVT_BYTES) %
	       AMD_BUF_ENTRIES;
	if (a->flags & IOMMUDRV_AMD_QUIRK_EVT_TAIL) {
		/* the tail is the first cleared slot from the head on */
		tail = a->evt_head;
		while (drv_load64(a->evtlog.cpu, tail * 2) &&
		       (tail + 1) % AMD_BUF_ENTRIES != a->evt_head)
			tail = (tail + 1) % AMD_BUF_ENTRIES;
	}
	while (a->evt_head != tail && (!out || got < max)) {
		uint64_t q0 = drv_load64(a->evtlog.cpu, a->evt_head * 2);
		uint64_t q1 = drv_load64(a->evtlog.cpu, a->evt_head * 2 + 1);

		if (out)
			decode_event(a, q0, q1, &out[got++]);
		/* cleared, so a stale entry is never read twice */
		put64(a, a->evtlog.cpu, a->evt_head * 2, 0);
		put64(a, a->evtlog.cpu, a->evt_head * 2 + 1, 0);
		a->evt_head = (a->evt_head + 1) % AMD_BUF_ENTRIES;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* 3.4 2010h: a new head frees the slots read. */
	ret = wr64(a, AMD_EVT_HEAD_REG, (uint64_t)a->evt_head * AMD_EVT_BYTES);
	if (ret)
		return ret;
	if (n)
		*n = got;
	ret = rd64(a, AMD_STATUS_REG, &sts);
	if (ret)
		return ret;
	if (sts & AMD_STS_EVT_OVERFLOW) {
		/* entries logged before the overflow are read first */
		if (a->evt_head != tail)
			return 0;
		ret = evt_restart(a);
		return ret ? ret : 1;
	}
	return 0;
}

/* ---- bring-up and shutdown --------------------------------------------- */

static int disable_unit(struct iommudrv_amd *a)
{
	int ret = wr64(a, AMD_CONTROL_REG, 0);

	a->ctrl = 0;
	/* 3.4 2020h: wait until the buffers report stopped */
	return ret ? ret : drv_poll(&a->mmio, AMD_STATUS_REG, 8,
				    AMD_STS_CMDBUF_RUN | AMD_STS_EVTLOG_RUN,
				    0, AMD_TIMEOUT_NS);
}

static int enable_locked(struct iommudrv_amd *a)
{
	int ret;

	ret = disable_unit(a);
	if (ret)
		return ret;
	a->enabled = 1; /* destroy must turn the unit off, even on failure */

	/* 3.4 0000h-0010h: bases and sizes; 2000h-2018h: empty buffers */
	ret = wr64(a, AMD_DEVTAB_REG,
		   a->devtab.oa | AMD_DEVTAB_SIZE(a->devtab_pages));
	if (!ret)
		ret = wr64(a, AMD_CMDBUF_REG,
			   a->cmdbuf.oa | AMD_BUF_LEN(AMD_BUF_LG2));
	if (!ret)
		ret = wr64(a, AMD_EVTLOG_REG,
			   a->evtlog.oa | AMD_BUF_LEN(AMD_BUF_LG2));
	a->cmd_tail = 0;
	a->evt_head = 0;
	if (!ret)
		ret = wr64(a, AMD_CMD_HEAD_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_CMD_TAIL_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_EVT_HEAD_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_EVT_TAIL_REG, 0);
	if (!ret)
		ret = wr64(a, AMD_STATUS_REG, AMD_STS_W1C);
	if (ret)
		return ret;
	memset(a->evtlog.cpu, 0, (size_t)AMD_BUF_ENTRIES * AMD_EVT_BYTES);
	for (unsigned int i = 0; i < AMD_BUF_ENTRIES * AMD_EVT_BYTES; i += 64)
		wback(a, (char *)a->evtlog.cpu + i);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/*
	 * 3.4 0018h: buffers, then translation. Events and completions are
	 * polled, so their interrupts stay off. QEMU runs the command buffer
	 * and event log only while IommuEn is set, so all go in one write.
	 */
	a->ctrl = AMD_CTRL_CMDBUF_EN | AMD_CTRL_EVTLOG_EN | AMD_CTRL_IOMMU_EN |
		  (a->flags & IOMMUDRV_AMD_NONCOHERENT ? 0 : AMD_CTRL_COHERENT);
	ret = wr64(a, AMD_CONTROL_REG, a->ctrl);
	if (ret)
		return ret;
	return inval_all(a);
}

int iommudrv_amd_create(const struct iommupt_mmio *mmio,
			const struct iommupt_mem *mem,
			const struct iommudrv_amd_opts *opts,
			struct iommudrv_amd **out)
{
	struct iommudrv_amd *a;
	unsigned int nr_bus = 256, lg2, i;
	uint64_t devtab_reg;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mmio || !mmio->read || !mmio->write || !mem ||
	    mem->sz < offsetof(struct iommupt_mem, alloc_obj) ||
	    !mem->alloc_table || !mem->free_table)
		return -EINVAL;
	ret = drv_opts_check(opts, opts ? opts->sz : 0,
			     sizeof(struct iommudrv_amd_opts));
	if (ret)
		return ret;
	if (opts && (opts->flags & ~(uint32_t)(IOMMUDRV_AMD_NONCOHERENT |
					       IOMMUDRV_AMD_NP_CACHE |
					       IOMMUDRV_AMD_QUIRK_EVT_TAIL)))
		return -EINVAL;
	if (opts && opts->nr_bus) {
		if (opts->nr_bus > 256)
			return -EINVAL;
		nr_bus = opts->nr_bus;
	}

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->mmio = *mmio;
	memcpy(&a->mem, mem,
	       mem->sz < sizeof(a->mem) ? mem->sz : sizeof(a->mem));
	pthread_mutex_init(&a->lock, NULL);
	if (opts) {
		a->unit = opts->unit;
		a->flags = opts->flags;
	}
	a->nr_devids = nr_bus * AMD_DEVIDS_PER_BUS;
	/* 8 KiB per bus: 2 pages; Size counts 4K pages (3.4 0000h) */
	a->devtab_pages = nr_bus * 2;

	ret = rd64(a, AMD_EFR_REG, &a->efr);
	if (!ret)
		ret = rd64(a, AMD_DEVTAB_REG, &devtab_reg);
	if (ret)
		goto fail;
	/* An absent block reads as all ones. */
	if (a->efr == ~0ull || devtab_reg == ~0ull ||
	    AMD_EFR_HATS(a->efr) == 3) {
		ret = -ENODEV;
		goto fail;
	}
	a->max_levels = 4 + AMD_EFR_HATS(a->efr);

	a->devs = calloc(a->nr_devids, sizeof(*a->devs));
	if (!a->devs) {
		ret = -ENOMEM;
		goto fail;
	}
	for (lg2 = AMD_PAGE_LG2; (1u << lg2) < a->devtab_pages << AMD_PAGE_LG2;)
		lg2++;
	ret = drv_page_alloc(&a->mem, &a->devtab, lg2);
	if (!ret)
		ret = drv_page_alloc(&a->mem, &a->cmdbuf, AMD_PAGE_LG2);
	if (!ret)
		ret = drv_page_alloc(&a->mem, &a->evtlog, AMD_PAGE_LG2);
	if (!ret)
		ret = drv_page_alloc(&a->mem, &a->wait, AMD_PAGE_LG2);
	if (!ret)
		ret = drv_page_alloc(&a->mem, &a->empty, AMD_PAGE_LG2);
	if (ret)
		goto fail;
	for (i = 0; i < a->nr_devids; i++)
		dte_block(a, i);
	*out = a;
	return 0;
fail:
	iommudrv_amd_destroy(a);
	return ret;
}

int iommudrv_amd_enable(struct iommudrv_amd *a)
{
	int ret;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	ret = enable_locked(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void iommudrv_amd_destroy(struct iommudrv_amd *a)
{
	if (!a)
		return;
	if (a->enabled)
		disable_unit(a);
	drv_page_free(&a->mem, &a->devtab);
	drv_page_free(&a->mem, &a->cmdbuf);
	drv_page_free(&a->mem, &a->evtlog);
	drv_page_free(&a->mem, &a->wait);
	drv_page_free(&a->mem, &a->empty);
	free(a->devs);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- attach / detach ---------------------------------------------------- */

/*
 * Block devid and drop what the unit may hold for it: its DTE and, when
 * it was attached, every translation of its old DomainID (QEMU's IOTLB is
 * looked up by DeviceID before the DTE is read, so the old domain's pages
 * must go as well as the DTE).
 */
static int block_and_inval(struct iommudrv_amd *a, uint16_t devid)
{
	struct amd_dev *d = &a->devs[devid];
	uint64_t c[2][2];
	unsigned int nr = 1;

	dte_block(a, devid);
	cmd_inval_dte(c[0], devid);
	if (d->attached)
		cmd_inval_domain(c[nr++], d->did);
	d->attached = 0;
	d->dom = NULL;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return cmd_submit(a, c, nr);
}

static int check_domain(struct iommudrv_amd *a,
			const struct iommupt_domain_info *info)
{
	if (info->format != IOMMUPT_FMT_AMD_V1 || info->root_size_lg2 != 12)
		return -EOPNOTSUPP;
	if (info->levels < 1 || info->levels > a->max_levels)
		return -EOPNOTSUPP;
	return 0;
}

int iommudrv_amd_attach(struct iommudrv_amd *a, uint16_t devid,
			struct iommupt_domain *dom, uint16_t did)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	struct amd_dev *d;
	uint64_t c[2];
	void *e;
	int ret;

	if (!a || !dom)
		return -EINVAL;
	ret = iommupt_domain_get_info(dom, &info);
	if (ret)
		return ret;
	ret = check_domain(a, &info);
	if (ret)
		return ret;
	if (did == AMD_BLOCK_DID || devid >= a->nr_devids)
		return -ERANGE;

	pthread_mutex_lock(&a->lock);
	d = &a->devs[devid];
	/* A live entry is blocked and invalidated before it is rewritten. */
	if (d->attached) {
		ret = block_and_inval(a, devid);
		if (ret)
			goto out;
	}
	e = dte_at(a, devid);
	/* DomainID first (qword 1), then the translation (qword 0). */
	put64(a, e, 1, AMD_DTE_Q1_DID(did));
	put64(a, e, 0, dte_q0(info.root_oa, info.levels));
	d->dom = dom;
	d->did = did;
	d->attached = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cmd_inval_dte(c, devid);
	ret = cmd_submit(a, (const uint64_t (*)[2])&c, 1);
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int iommudrv_amd_detach(struct iommudrv_amd *a, uint16_t devid)
{
	int ret;

	if (!a)
		return -EINVAL;
	if (devid >= a->nr_devids)
		return -ENOENT;
	pthread_mutex_lock(&a->lock);
	ret = a->devs[devid].attached ? block_and_inval(a, devid) : -ENOENT;
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int iommudrv_amd_set_root(struct iommudrv_amd *a, struct iommupt_domain *dom,
			  uint64_t root_oa, unsigned int levels)
{
	uint64_t c[64][2];
	unsigned int i, n = 0;
	int ret = 0;

	if (!a || !dom || (root_oa & ((1ull << AMD_PAGE_LG2) - 1)) ||
	    (root_oa & ~AMD_ADDR_MASK))
		return -EINVAL;
	if (levels < 1 || levels > a->max_levels)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->nr_devids && !ret; i++) {
		struct amd_dev *d = &a->devs[i];

		if (!d->attached || d->dom != dom)
			continue;
		/* one store: root and Mode change together */
		put64(a, dte_at(a, i), 0, dte_q0(root_oa, levels));
		cmd_inval_dte(c[n++], (uint16_t)i);
		if (n == 63) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			ret = cmd_submit(a, c, n);
			n = 0;
		}
	}
	if (!ret && n) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ret = cmd_submit(a, c, n);
	}
	pthread_mutex_unlock(&a->lock);
	return ret;
}

/* ---- flush, faults, info ------------------------------------------------ */

int iommudrv_amd_flush(struct iommudrv_amd *a, uint16_t did,
		       const struct iommupt_gather *g)
{
	uint64_t c[2];
	int ret;

	if (!a || !g)
		return -EINVAL;
	if (iommupt_gather_empty(g))
		return 0;
	/* Non-present -> present needs nothing unless NpCache (2.2.3.1). */
	if (g->flags == IOMMUPT_GATHER_MAPPED &&
	    !(a->flags & IOMMUDRV_AMD_NP_CACHE))
		return 0;
	cmd_inval_pages(c, did, g->start, g->last,
			!!(g->flags & IOMMUPT_GATHER_TABLES));
	pthread_mutex_lock(&a->lock);
	ret = cmd_submit(a, (const uint64_t (*)[2])&c, 1);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int iommudrv_amd_flush_all(struct iommudrv_amd *a)
{
	int ret;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	ret = inval_all(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int iommudrv_amd_read_faults(struct iommudrv_amd *a,
			     struct iommudrv_fault *out, unsigned int max,
			     unsigned int *n)
{
	int ret;

	if (n)
		*n = 0;
	if (!a || (!out && max))
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	ret = read_faults(a, out, max, n);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int iommudrv_amd_get_info(struct iommudrv_amd *a,
			  struct iommudrv_amd_info *info)
{
	struct iommudrv_amd_info r;
	unsigned int l;

	if (!a || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.sz = info->sz;
	r.efr = a->efr;
	for (l = 1; l <= a->max_levels; l++)
		r.levels_mask |= 1u << l;
	r.nr_devids = a->nr_devids;
	r.nr_domains = 0xffff;
	r.cmd_entries = AMD_BUF_ENTRIES;
	r.evt_entries = AMD_BUF_ENTRIES;
	r.inval_all = !!(a->efr & AMD_EFR_IASUP);
	memcpy(info, &r, info->sz < sizeof(r) ? info->sz : sizeof(r));
	return 0;
}
