/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Device models of iommu-sim (simrun-work.c): DMA engines that issue one
 * transaction per step in a pattern, and a driver side that maps, unmaps
 * and invalidates through the engine (simrun-run.c).
 */
#ifndef TOOLS_SIMRUN_WORK_H
#define TOOLS_SIMRUN_WORK_H

#include <iommupt/gather.h>

#include "simrun.h"

/* A set of 4K granule numbers (open addressing, linear probing). */
struct sr_gset {
	uint64_t *slot; /* key + 1; 0 is empty */
	size_t cap, count;
};

bool sr_gset_has(const struct sr_gset *s, uint64_t key);
void sr_gset_add(struct sr_gset *s, uint64_t key); /* drops it on ENOMEM */
void sr_gset_del(struct sr_gset *s, uint64_t key);
void sr_gset_clear(struct sr_gset *s);
void sr_gset_fini(struct sr_gset *s);

struct sr_dev {
	const struct sr_device_cfg *cfg;
	unsigned int idx;
	uint64_t rng;
	uint64_t t_next;          /* simulated cycle of its next transaction */
	uint64_t base, region;    /* its IOVA region */
	uint64_t oa_base;
	/* static workloads */
	uint64_t pos;
	/* ring workloads (nic, nvme) */
	uint64_t span;            /* IOVA/OA slot per buffer (mapping size) */
	uint64_t nslots;
	uint64_t cur;             /* buffer being filled */
	uint64_t off;             /* bytes of it done */
	bool cur_write;           /* direction of that buffer */
	struct iommupt_gather lazy; /* unmaps waiting for the batch flush */
	uint32_t pending;
};

struct eng;

/* IOVA bytes the device needs (its region is this rounded up to 1 GiB). */
uint64_t sr_dev_region(const struct sr_dev *d);
/* OA bytes its buffers span. */
uint64_t sr_dev_oa_need(const struct sr_dev *d);
/* Initial mappings. */
int sr_dev_setup(struct eng *e, struct sr_dev *d);
/* One transaction, with whatever the driver does before it. */
int sr_dev_step(struct eng *e, struct sr_dev *d);
void sr_dev_fini(struct sr_dev *d);

/* The engine's services to the models (simrun-run.c). *cyc += queue cycles. */
int sr_dev_map(struct eng *e, struct sr_dev *d, uint64_t iova, uint64_t oa,
	       uint64_t len, uint32_t prot, uint64_t *cyc);
int sr_dev_unmap(struct eng *e, struct sr_dev *d, uint64_t iova, uint64_t len,
		 uint64_t *cyc);
/* extra: cycles the device waited before issuing (invalidations). */
int sr_dev_dma(struct eng *e, struct sr_dev *d, uint64_t iova, uint32_t size,
	       bool write, uint64_t extra);
/* False during a live update: no domain object to map or unmap with. */
bool sr_dev_can_remap(struct eng *e, const struct sr_dev *d);

#endif
