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
	INSP_START_ROOT = 1,   /* a page-table root with its format */
	/* VT-d RTADDR_REG value: TTM (bits 11:10) picks legacy or scalable */
	INSP_START_VTD = 2,
	INSP_START_AMD_DT = 3, /* AMD-Vi device table base and size */
	INSP_START_SMMU_ST = 4, /* SMMUv3 stream table base and config */
};

enum insp_input {
	INSP_IN_AUTO = 0, /* an ELF core when it starts with the ELF magic */
	INSP_IN_RAW = 1,  /* raw bytes at base */
	INSP_IN_ELF = 2,  /* an ELF64 core: PT_LOAD p_paddr is the address */
};

struct insp_opts {
	bool validate;   /* report findings instead of mappings */
	bool json;
	int start;       /* enum insp_start */
	int input;       /* enum insp_input */
	uint64_t addr;   /* page-table root, RTADDR, device or stream table */
	struct iommupt_domain_cfg cfg; /* INSP_START_ROOT: the table's format */
	uint64_t amd_dt_size;          /* device table bytes, 4K..2M, 4K steps */
	unsigned int smmu_log2size;    /* STRTAB_BASE_CFG.LOG2SIZE */
	unsigned int smmu_split;       /* 2-level SPLIT (6, 8, 10); 0 linear */
};

/*
 * Inspect or validate a memory image held at data (size bytes, 8-byte
 * aligned): raw bytes standing for [base, base + size), or an ELF64 core
 * whose PT_LOAD segments give the physical addresses (base must be 0).
 * Tables are little-endian. Writes the report to out. Returns the number
 * of findings (validate; 0 for inspect) or a negative errno when the image
 * or the starting point itself is unusable (message on err).
 */
int insp_run(const struct insp_opts *o, const void *data, uint64_t size,
	     uint64_t base, FILE *out, FILE *err);

#endif
