/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The simulated units `iommu-sim replay` drives: one VT-d, AMD-Vi or
 * SMMUv3 model, run by libiommudrv's driver for it over the model's
 * register file: bring-up, devices pointed at libiommupt domains, IOTLB
 * invalidation from a gather, DMA with the fault classified into enum
 * iommudrv_fault_reason by the driver's fault records.
 */
#ifndef TOOLS_REPLAY_UNIT_H
#define TOOLS_REPLAY_UNIT_H

#include <stdint.h>

#include <iommupt/iommupt.h>
#include <iommupt/sim.h>

enum rpl_vendor {
	RPL_VTD,
	RPL_AMD,
	RPL_SMMU,
};

struct rpl_unit;

/* Bring a unit of vendor v up over mem. Returns 0 or a negative errno. */
int rpl_unit_create(enum rpl_vendor v, struct iommusim_mem *mem,
		    struct rpl_unit **out);
/* Accepts NULL. Domains stay the caller's. */
void rpl_unit_destroy(struct rpl_unit *u);
struct iommusim_unit *rpl_unit_sim(struct rpl_unit *u);

/*
 * Whether the unit can walk domains of this format; and the level count
 * to use when the trace gives none (0: the library's default).
 */
int rpl_unit_format_ok(enum rpl_vendor v, uint32_t format);
unsigned int rpl_default_levels(uint32_t format);

/*
 * Point requester/stream sid (16 bits) at dom, tagged did (1..255).
 * Returns 0, -EOPNOTSUPP for a format or shape the unit cannot walk,
 * -ERANGE for sid or did out of range, or an errno from the unit.
 */
int rpl_unit_attach(struct rpl_unit *u, uint32_t sid,
		    struct iommupt_domain *dom, uint32_t did);
/* Invalidate what g recorded for the domain tagged did; then g may be released. */
int rpl_unit_flush(struct rpl_unit *u, struct iommupt_domain *dom,
		   uint32_t did, const struct iommupt_gather *g);

/*
 * One transaction. *reason gets the fault's class (enum
 * iommudrv_fault_reason, from the driver's record; OTHER when the unit
 * recorded none) when res->fault is set. Fault records are consumed after
 * each fault, so the unit's log never overflows.
 */
int rpl_unit_dma(struct rpl_unit *u, const struct iommusim_dma *req,
		 struct iommusim_dma_result *res, uint32_t *reason);

#endif
