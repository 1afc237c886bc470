/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The table inspector behind `iommupt inspect` and `iommupt validate`,
 * kept apart from the command line so that the fuzz target drives the
 * same code. The image is untrusted: every read is bounds-checked, every
 * table dereference is charged to a budget proportional to the image size
 * (so aliasing and loops cannot make the work explode), and memory use
 * does not depend on image contents beyond fixed caps.
 */
#ifndef IOMMUPT_TOOLS_INSPECT_H
#define IOMMUPT_TOOLS_INSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <iommupt/iommupt.h>

enum insp_start {
	INSP_START_ROOT = 1,       /* a page-table root with its format */
	INSP_START_VTD_LEGACY = 2, /* VT-d RTADDR, legacy-mode root table */
};

struct insp_opts {
	bool validate;   /* report findings instead of mappings */
	bool json;
	int start;       /* enum insp_start */
	uint64_t addr;   /* page-table root or RTADDR */
	struct iommupt_domain_cfg cfg; /* INSP_START_ROOT: the table's format */
};

/*
 * Inspect or validate the image [base, base + size) held at data (8-byte
 * aligned, little-endian tables). Writes the report to out. Returns the
 * number of findings (validate; 0 for inspect) or a negative errno when
 * the starting point itself is unusable (message on err).
 */
int insp_run(const struct insp_opts *o, const void *data, uint64_t size,
	     uint64_t base, FILE *out, FILE *err);

#endif
