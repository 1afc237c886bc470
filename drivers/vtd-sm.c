// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Scalable-mode translation structures of the VT-d driver (spec 3.4.3):
 * the scalable-mode root entry (9.2) points at two context tables per bus
 * (devfn 0-127 and 128-255), each requester's scalable-mode context entry
 * (9.4) at its PASID directory (9.5, one page: PDTS 2, 512 entries) whose
 * entries point at PASID tables (9.6, 64 entries of 512 bits each, made on
 * demand). A PASID entry holds the domain: second stage (PGTT 010b,
 * SSPTPTR, AW) or first stage (PGTT 001b, FSPTPTR, FSPM for 5 levels).
 * Requests without PASID use entry RID_PASID (0).
 *
 * Invalidation follows 6.5.3.3/6.5.3.4 ("Guidance to software for
 * invalidations"): a present PASID entry is torn down (P = 0), then
 * PASID-cache (PASID-selective, 6.5.2.2) and IOTLB invalidation (IOTLB by
 * DID for second stage, 6.5.2.3; PASID-based IOTLB for first stage,
 * 6.5.2.4) before it is rewritten; a context entry change is followed by a
 * device-selective context-cache invalidation (6.5.2.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtd-int.h"

static struct vtd_dev *find_dev(struct iommudrv_vtd *v, uint16_t sid)
{
	struct vtd_dev *d;

	for (d = v->devs; d; d = d->next)
		if (d->sid == sid)
			return d;
	return NULL;
}

/* The context table (half) holding devfn, made on demand (9.2). */
static int context_table(struct iommudrv_vtd *v, unsigned int bus,
			 unsigned int half, struct drv_page **out)
{
	struct drv_page *ct = &v->ctx[bus][half];
	int ret;

	if (!ct->cpu) {
		ret = drv_page_alloc(&v->mem, ct, VTD_PAGE_LG2);
		if (ret)
			return ret;
		vtd_wb(v, ct->cpu, VTD_PAGE);
		/* 9.2: LCTP/LP in the low qword, UCTP/UP in the high one. */
		drv_store64(v->root.cpu, bus * 2 + half, ct->oa | VTD_RE_P);
		vtd_wb(v, (uint64_t *)v->root.cpu + bus * 2 + half, 8);
	}
	*out = ct;
	return 0;
}

/* The requester's PASID directory and the PASID table holding pasid. */
static int pasid_table(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid,
		       struct vtd_dev **dout, struct drv_page **out)
{
	unsigned int di = pasid / VTD_PASIDS_PER_TABLE;
	struct vtd_dev *d = find_dev(v, sid);
	struct drv_page *pt;
	int ret;

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		ret = drv_page_alloc(&v->mem, &d->pdir, VTD_PAGE_LG2);
		if (ret) {
			free(d);
			return ret;
		}
		vtd_wb(v, d->pdir.cpu, VTD_PAGE);
		d->sid = sid;
		d->next = v->devs;
		v->devs = d;
	}
	pt = &d->ptbl[di];
	if (!pt->cpu) {
		ret = drv_page_alloc(&v->mem, pt, VTD_PAGE_LG2);
		if (ret)
			return ret;
		vtd_wb(v, pt->cpu, VTD_PAGE);
		/* 9.5: P and the table's address. */
		drv_store64(d->pdir.cpu, di, pt->oa | VTD_PDE_P);
		vtd_wb(v, (uint64_t *)d->pdir.cpu + di, 8);
	}
	*dout = d;
	*out = pt;
	return 0;
}

static uint64_t *pasid_entry(struct drv_page *pt, uint32_t pasid)
{
	return (uint64_t *)pt->cpu + (pasid % VTD_PASIDS_PER_TABLE) * 8;
}

/* PASID-cache and IOTLB invalidation after a PASID entry changed. */
static int inval_pasid(struct iommudrv_vtd *v, uint16_t did, uint32_t pasid,
		       int fs)
{
	uint64_t d[2][2] = {
		{ VTD_QI_PC | VTD_QI_PC_PASID | VTD_QI_PC_DID(did) |
			  VTD_QI_PASID(pasid),
		  0 },
	};

	vtd_att_iotlb_desc(v, did, pasid, fs, d[1]);
	return vtd_qi_submit(v, (const uint64_t (*)[2])d, 2);
}

/* Tear down a present PASID entry (P = 0) and invalidate. */
static int clear_pasid_entry(struct iommudrv_vtd *v, uint64_t *pe,
			     uint32_t pasid)
{
	uint64_t q0 = drv_load64(pe, 0);

	if (!(q0 & VTD_PTE_Q0_P))
		return 0;
	drv_store64(pe, 0, 0);
	vtd_wb(v, pe, 64);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return inval_pasid(v, (uint16_t)drv_load64(pe, 1), pasid,
			   VTD_PTE_Q0_PGTT(q0) == 1);
}

int vtd_sm_attach(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid,
		  const struct vtd_dom *dom, uint16_t did)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	unsigned int ce = (devfn & 0x7f) * 4; /* qword index of the entry */
	struct drv_page *ct, *pt;
	struct vtd_dev *d;
	uint64_t *pe, *cep;
	int ret;

	/* Everything that can fail for lack of memory comes first. */
	ret = context_table(v, bus, devfn >> 7, &ct);
	if (!ret)
		ret = pasid_table(v, sid, pasid, &d, &pt);
	if (!ret)
		ret = vtd_att_set(v, sid, pasid, did, NULL);
	if (ret)
		return ret;
	/* The unit must see the domain's tables before it may walk them. */
	ret = vtd_wb_tables(v, dom, 0, ~0ull);
	if (ret)
		return ret;

	pe = pasid_entry(pt, pasid);
	ret = clear_pasid_entry(v, pe, pasid);
	if (ret)
		return ret;
	vtd_att_set(v, sid, pasid, did, dom);
	/* 9.6: the other qwords first, P last. */
	drv_store64(pe, 1, VTD_PTE_Q1_DID(did));
	for (unsigned int i = 2; i < 8; i++)
		drv_store64(pe, i, 0);
	if (dom->fs) {
		drv_store64(pe, 2, dom->root_oa |
				 (dom->levels == 5 ? VTD_PTE_Q2_FSPM_5 : 0));
		/* AW is ignored for first stage; set as Linux does. */
		drv_store64(pe, 0, VTD_PTE_Q0_PGTT_FS |
				 VTD_PTE_Q0_AW(dom->aw) | VTD_PTE_Q0_P);
	} else {
		drv_store64(pe, 0, dom->root_oa | VTD_PTE_Q0_PGTT_SS |
				 VTD_PTE_Q0_AW(dom->aw) | VTD_PTE_Q0_P);
	}
	vtd_wb(v, pe, 64);

	cep = (uint64_t *)ct->cpu + ce;
	if (!(drv_load64(cep, 0) & VTD_SMCE_Q0_P)) {
		uint64_t cd[1][2] = { { VTD_QI_CC | VTD_QI_CC_DEVICE |
						VTD_QI_CC_SID(sid), 0 } };

		/* 9.4: RID_PASID, then directory, size, PASIDE and P. */
		drv_store64(cep, 1, VTD_SMCE_Q1_RID_PASID(VTD_RID_PASID));
		drv_store64(cep, 2, 0);
		drv_store64(cep, 3, 0);
		drv_store64(cep, 0, d->pdir.oa | VTD_SMCE_Q0_PDTS(VTD_PDTS) |
				  (v->ecap & VTD_ECAP_PASID ?
					   VTD_SMCE_Q0_PASIDE : 0) |
				  VTD_SMCE_Q0_P);
		vtd_wb(v, cep, 32);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* Needed under CAP.CM (cached not-present), cheap otherwise. */
		ret = vtd_qi_submit(v, (const uint64_t (*)[2])cd, 1);
		if (ret)
			return ret;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return inval_pasid(v, did, pasid, dom->fs);
}

/* Clear the requester's context entry once no PASID entry is left. */
static int maybe_clear_context(struct iommudrv_vtd *v, uint16_t sid)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xff;
	struct drv_page *ct = &v->ctx[bus][devfn >> 7];
	const uint64_t d[2][2] = {
		{ VTD_QI_CC | VTD_QI_CC_DEVICE | VTD_QI_CC_SID(sid), 0 },
		{ VTD_QI_PC | VTD_QI_PC_GLOBAL, 0 },
	};
	struct vtd_att *a;
	uint64_t *cep;

	for (a = v->atts; a; a = a->next)
		if (a->live && a->sid == sid)
			return 0;
	if (!ct->cpu)
		return 0;
	cep = (uint64_t *)ct->cpu + (devfn & 0x7f) * 4;
	if (!(drv_load64(cep, 0) & VTD_SMCE_Q0_P))
		return 0;
	drv_store64(cep, 0, 0);
	vtd_wb(v, cep, 32);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vtd_qi_submit(v, d, 2);
}

int vtd_sm_detach(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid)
{
	struct vtd_dev *d = find_dev(v, sid);
	struct drv_page *pt;
	int ret;

	if (!vtd_att_find(v, sid, pasid) || !d)
		return -ENOENT;
	pt = &d->ptbl[pasid / VTD_PASIDS_PER_TABLE];
	ret = clear_pasid_entry(v, pasid_entry(pt, pasid), pasid);
	if (ret)
		return ret;
	vtd_att_del(v, sid, pasid);
	return maybe_clear_context(v, sid);
}

int vtd_sm_detach_all(struct iommudrv_vtd *v, uint16_t sid)
{
	struct vtd_att *a;
	int ret, found = 0;

	for (;;) {
		for (a = v->atts; a; a = a->next)
			if (a->live && a->sid == sid)
				break;
		if (!a)
			break;
		found = 1;
		ret = vtd_sm_detach(v, sid, a->pasid);
		if (ret)
			return ret;
	}
	return found ? 0 : -ENOENT;
}

void vtd_sm_free(struct iommudrv_vtd *v)
{
	while (v->devs) {
		struct vtd_dev *d = v->devs;

		v->devs = d->next;
		drv_page_free(&v->mem, &d->pdir);
		for (unsigned int i = 0; i < VTD_PDIR_ENTRIES; i++)
			drv_page_free(&v->mem, &d->ptbl[i]);
		free(d);
	}
}
