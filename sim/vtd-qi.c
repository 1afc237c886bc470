// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Queued invalidation (6.5.2): the unit fetches 128-bit (IQA.DW = 0) or
 * 256-bit descriptors from the queue at IQA between IQH and IQT and
 * executes them in order. A descriptor the unit cannot execute stops the
 * queue with FSTS.IQE, IQH left pointing at it, until software clears IQE
 * and writes IQT again.
 */
#include "vtd-int.h"

#define BIT(n) (1ull << (n))
#define MASK(hi, lo) ((BIT((hi) - (lo) + 1) - 1) << (lo))

/* IQERCD.IQEI (10.4.26) values the model reports. */
enum {
	IQEI_TAIL = 1,     /* tail beyond the queue */
	IQEI_ALIGN = 2,    /* tail not 256-bit aligned with DW = 1 */
	IQEI_TYPE = 3,     /* descriptor type invalid or not supported */
	IQEI_RSVD = 4,     /* reserved field set or invalid granularity */
};

static bool is_sm(const struct vtd_unit *v)
{
	return vtd_scalable(v);
}

/* Write the 32-bit status of an invalidation wait descriptor. */
static int status_write(struct vtd_unit *v, uint64_t pa, uint32_t data)
{
	uint64_t q;
	unsigned int sh = (unsigned int)(pa & 4) * 8;

	if (sim_mem_read64_raw(v->u.mem, pa & ~7ull, &q))
		return -1;
	q = (q & ~(0xffffffffull << sh)) | (uint64_t)data << sh;
	if (sim_mem_write64_raw(v->u.mem, pa & ~7ull, q))
		return -1;
	v->u.st.queue_cycles += v->u.cyc.mem_write;
	return 0;
}

/* Execute one descriptor; 0 or an IQEI code. */
static unsigned int qi_exec(struct vtd_unit *v, const uint64_t d[4])
{
	unsigned int type = (unsigned int)((d[0] & 0xf) | ((d[0] >> 9) & 7) << 4);
	unsigned int g = (d[0] >> 4) & 3;
	uint32_t did = (d[0] >> 16) & 0xffff;
	uint32_t pasid = (d[0] >> 32) & 0xfffff;
	unsigned int am = d[1] & 0x3f;
	bool ih = (d[1] >> 6) & 1;

	if (d[2] || d[3])
		return IQEI_RSVD; /* no modelled type uses the upper half */
	switch (type) {
	case 1: /* 6.5.2.1 context-cache invalidate */
		if ((d[0] & (MASK(8, 6) | MASK(15, 12) | MASK(63, 50))) ||
		    d[1] || !g)
			return IQEI_RSVD;
		vtd_inval_context(v, g, did, (d[0] >> 32) & 0xffff,
				  (d[0] >> 48) & 3);
		return 0;
	case 2: /* 6.5.2.3 IOTLB invalidate */
		if ((d[0] & (BIT(8) | MASK(15, 12) | MASK(63, 32))) ||
		    (d[1] & MASK(11, 7)) || !g ||
		    (g == 3 && (am > CAP_MAMV(v->cap) ||
				!(v->cap & IOMMUSIM_VTD_CAP_PSI))))
			return IQEI_RSVD;
		vtd_inval_iotlb(v, g, did, d[1] & ~0xfffull, am, ih);
		return 0;
	case 5: /* 6.5.2.8 invalidation wait */
		if ((d[0] & (BIT(8) | MASK(31, 12))) || (d[1] & 3))
			return IQEI_RSVD;
		if ((d[0] & BIT(5)) &&
		    status_write(v, d[1] & ~3ull, (uint32_t)(d[0] >> 32)))
			return IQEI_RSVD;
		if (d[0] & BIT(4)) { /* IF: completion status and event */
			v->ics |= ICS_IWC;
			if (v->iectl & FECTL_IM)
				v->iectl |= FECTL_IP;
			else
				v->u.st.events++;
		}
		return 0;
	case 6: /* 6.5.2.4 PASID-based IOTLB invalidate */
		if (!is_sm(v))
			return IQEI_TYPE;
		if ((d[0] & (MASK(8, 6) | MASK(15, 12) | MASK(63, 52))) ||
		    (d[1] & MASK(11, 7)) || g < 2 ||
		    (g == 3 && am > CAP_MAMV(v->cap)))
			return IQEI_RSVD;
		vtd_inval_piotlb(v, g, did, pasid, d[1] & ~0xfffull, am, ih);
		return 0;
	case 7: /* 6.5.2.2 PASID-cache invalidate */
		if (!is_sm(v))
			return IQEI_TYPE;
		if ((d[0] & (MASK(8, 6) | MASK(15, 12) | MASK(63, 52))) ||
		    d[1] || g == 2)
			return IQEI_RSVD;
		vtd_inval_pasid(v, g, did, pasid);
		return 0;
	default:
		/* device-TLB, interrupt-entry-cache and page-group
		 * descriptors need capabilities the model lacks */
		return IQEI_TYPE;
	}
}

void vtd_qi_run(struct vtd_unit *v)
{
	bool dw = (v->iqa & IQA_DW) != 0;
	uint64_t dsz = dw ? 32 : 16;
	uint64_t qbytes = 4096ull << IQA_QS(v->iqa);
	uint64_t base = v->iqa & ~0xfffull, tail = v->iqt;
	unsigned int err = 0;

	if (tail >= qbytes)
		err = IQEI_TAIL;
	else if (dw && (tail & 0x10))
		err = IQEI_ALIGN;
	while (!err && v->iqh != tail) {
		uint64_t d[4] = { 0 };

		for (unsigned int i = 0; i < dsz / 8; i++)
			if (sim_mem_read64_raw(v->u.mem, base + v->iqh + 8 * i,
					       &d[i]))
				err = IQEI_RSVD;
		/* one line fetch and the execution of the command */
		v->u.st.queue_cycles += v->u.cyc.mem_read + v->u.cyc.queue_desc;
		if (!err)
			err = qi_exec(v, d);
		if (err)
			break;
		v->u.st.queue_cmds++;
		v->iqh = (v->iqh + dsz) % qbytes;
	}
	if (err) {
		v->fsts |= FSTS_IQE;
		v->iqercd = err;
		if (v->fectl & FECTL_IM)
			v->fectl |= FECTL_IP;
		else
			v->u.st.events++;
	}
}
