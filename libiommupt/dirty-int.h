/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* Private interface between dirty.c and the per-format harvesters. */
#ifndef IOMMUPT_DIRTY_INT_H
#define IOMMUPT_DIRTY_INT_H

#include <iommupt/dirty.h>

#include "pt-int.h"

struct pt_dirty_req {
	uint64_t iova, last;        /* the range asked about */
	unsigned int granule_lg2;
	uint8_t *bitmap;            /* NULL: clear only (enable) */
	bool clear;
	struct iommupt_gather *g;
	struct iommupt_dirty_stats stats;
};

struct pt_dirty_ops {
	void (*harvest)(struct iommupt_domain *d, uint64_t iova, uint64_t last,
			struct pt_dirty_req *r);
	int (*mark)(struct iommupt_domain *d, uint64_t iova);
	/*
	 * Optional: run when tracking is turned off, for formats whose
	 * tracking changes the entries themselves (ARM DBM: writable-clean
	 * leaves are read-only until tracking ends). NULL: nothing to do.
	 */
	void (*untrack)(struct iommupt_domain *d);
};

extern const struct pt_dirty_ops pt_vtdss_dirty_ops PT_INTERNAL;
extern const struct pt_dirty_ops pt_x86_64_dirty_ops PT_INTERNAL;
extern const struct pt_dirty_ops pt_amdv1_dirty_ops PT_INTERNAL;
extern const struct pt_dirty_ops pt_arm_s1_dirty_ops PT_INTERNAL;
extern const struct pt_dirty_ops pt_arm_s2_dirty_ops PT_INTERNAL;

#endif
