// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Simulated units for `iommu-sim replay` (replay-unit.h). Each unit is the
 * simulator's model brought up, attached, invalidated and drained by
 * libiommudrv's driver for that vendor, over the model's register file:
 * what replay does to a unit is what a user-mode driver does to hardware,
 * and the fault classes come from the drivers' fault records.
 */
#include <errno.h>
#include <stdlib.h>

#include <iommupt/drv.h>
#include <iommupt/drv-amd.h>
#include <iommupt/drv-smmu.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/sim-amd.h>
#include <iommupt/sim-smmu.h>
#include <iommupt/sim-vtd.h>

#include "replay-unit.h"

#define NR_SIDS (1u << 16)
#define NR_RECORDS 8 /* fault records read at a time */

struct rpl_unit {
	enum rpl_vendor vendor;
	struct iommusim_unit *sim;
	struct iommudrv_vtd *vtd;
	struct iommudrv_amd *amd;
	struct iommudrv_smmu *smmu;
};

int rpl_unit_format_ok(enum rpl_vendor v, uint32_t format)
{
	switch (v) {
	case RPL_VTD:
		return format == IOMMUPT_FMT_VTD_SS;
	case RPL_AMD:
		return format == IOMMUPT_FMT_AMD_V1;
	case RPL_SMMU:
		return format == IOMMUPT_FMT_ARM_S1 ||
		       format == IOMMUPT_FMT_ARM_S2;
	}
	return 0;
}

unsigned int rpl_default_levels(uint32_t format)
{
	/* 48-bit input for the x86 formats, as their drivers pick */
	return format == IOMMUPT_FMT_VTD_SS || format == IOMMUPT_FMT_AMD_V1 ||
	       format == IOMMUPT_FMT_X86_64 ? 4 : 0;
}

int rpl_unit_create(enum rpl_vendor v, struct iommusim_mem *mem,
		    struct rpl_unit **out)
{
	const struct iommupt_mem *pm = iommusim_mem_provider(mem);
	struct rpl_unit *u = calloc(1, sizeof(*u));
	int rc;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->vendor = v;
	switch (v) {
	case RPL_VTD: {
		IOMMUPT_OPTS(iommusim_vtd_opts, so);
		/* scalable mode, as the recorded runs were made */
		IOMMUPT_OPTS(iommudrv_vtd_opts, o,
			     .flags = IOMMUDRV_VTD_SCALABLE);

		rc = iommusim_vtd_create(&so, mem, &u->sim);
		if (!rc)
			rc = iommudrv_vtd_create(iommusim_unit_mmio(u->sim), pm,
						 &o, &u->vtd);
		if (!rc)
			rc = iommudrv_vtd_enable(u->vtd);
		break;
	}
	case RPL_AMD: {
		IOMMUPT_OPTS(iommusim_amd_opts, so);
		IOMMUPT_OPTS(iommudrv_amd_opts, o); /* every bus: 16-bit IDs */

		rc = iommusim_amd_create(&so, mem, &u->sim);
		if (!rc)
			rc = iommudrv_amd_create(iommusim_unit_mmio(u->sim), pm,
						 &o, &u->amd);
		if (!rc)
			rc = iommudrv_amd_enable(u->amd);
		break;
	}
	case RPL_SMMU: {
		IOMMUPT_OPTS(iommusim_smmu_opts, so, .sid_bits = 16);
		IOMMUPT_OPTS(iommudrv_smmu_opts, o); /* 2-level stream table */

		rc = iommusim_smmu_create(&so, mem, &u->sim);
		if (!rc)
			rc = iommudrv_smmu_create(iommusim_unit_mmio(u->sim), pm,
						  &o, &u->smmu);
		if (!rc)
			rc = iommudrv_smmu_enable(u->smmu);
		break;
	}
	default:
		rc = -EINVAL;
	}
	if (rc) {
		rpl_unit_destroy(u);
		return rc;
	}
	*out = u;
	return 0;
}

void rpl_unit_destroy(struct rpl_unit *u)
{
	if (!u)
		return;
	iommudrv_vtd_destroy(u->vtd);
	iommudrv_amd_destroy(u->amd);
	iommudrv_smmu_destroy(u->smmu);
	iommusim_unit_destroy(u->sim);
	free(u);
}

struct iommusim_unit *rpl_unit_sim(struct rpl_unit *u)
{
	return u->sim;
}

int rpl_unit_attach(struct rpl_unit *u, uint32_t sid,
		    struct iommupt_domain *dom, uint32_t did)
{
	struct iommupt_domain_info info = { .sz = sizeof(info) };
	int rc;

	if (sid >= NR_SIDS || !did || did >= 256)
		return -ERANGE;
	rc = iommupt_domain_get_info(dom, &info);
	if (rc)
		return rc;
	if (!rpl_unit_format_ok(u->vendor, info.format))
		return -EOPNOTSUPP;
	switch (u->vendor) {
	case RPL_VTD:
		return iommudrv_vtd_attach(u->vtd, (uint16_t)sid, dom,
					   (uint16_t)did);
	case RPL_AMD:
		return iommudrv_amd_attach(u->amd, (uint16_t)sid, dom,
					   (uint16_t)did);
	case RPL_SMMU:
		return iommudrv_smmu_attach(u->smmu, sid, dom, (uint16_t)did);
	}
	return -EINVAL;
}

int rpl_unit_flush(struct rpl_unit *u, struct iommupt_domain *dom,
		   uint32_t did, const struct iommupt_gather *g)
{
	switch (u->vendor) {
	case RPL_VTD:
		return iommudrv_vtd_flush(u->vtd, (uint16_t)did, g);
	case RPL_AMD:
		return iommudrv_amd_flush(u->amd, (uint16_t)did, g);
	case RPL_SMMU:
		return iommudrv_smmu_flush(u->smmu, dom, (uint16_t)did, g);
	}
	return -EINVAL;
}

/* Consume the unit's fault records; the class of the last one. */
static uint32_t drain_faults(struct rpl_unit *u)
{
	struct iommudrv_fault f[NR_RECORDS];
	uint32_t reason = IOMMUDRV_FAULT_OTHER;
	unsigned int n;
	int rc;

	do {
		n = 0;
		switch (u->vendor) {
		case RPL_VTD:
			rc = iommudrv_vtd_read_faults(u->vtd, f, NR_RECORDS, &n);
			break;
		case RPL_AMD:
			rc = iommudrv_amd_read_faults(u->amd, f, NR_RECORDS, &n);
			break;
		case RPL_SMMU:
			rc = iommudrv_smmu_read_faults(u->smmu, f, NR_RECORDS, &n);
			break;
		default:
			rc = -EINVAL;
		}
		if (n)
			reason = f[n - 1].reason;
	} while (rc >= 0 && n == NR_RECORDS);
	return reason;
}

int rpl_unit_dma(struct rpl_unit *u, const struct iommusim_dma *req,
		 struct iommusim_dma_result *res, uint32_t *reason)
{
	int rc = iommusim_unit_dma(u->sim, req, res);

	*reason = 0;
	if (!rc && res->fault)
		*reason = drain_faults(u);
	return rc;
}
