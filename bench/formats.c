// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The format configurations every case runs on. A configuration whose
 * format this build cannot create yet is reported as "not run" with the
 * reason, and runs as soon as the format lands: adding a format to the
 * benchmark is one entry here. caps marks case groups that cannot find
 * out by themselves whether they apply (enum bench_need); the dirty case
 * needs no bit: it asks the library and skips on -EOPNOTSUPP.
 */
#include "harness.h"

#define CFG(...) { .sz = sizeof(struct iommupt_domain_cfg), __VA_ARGS__ }

const struct bench_fmt bench_fmts[] = {
	{ "vtdss-3lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 3), 0 },
	{ "vtdss-4lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 4),
	  BENCH_NEED_SIM },
	{ "vtdss-5lvl", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 5), 0 },
	{ "vtdss-4lvl-no1g-oas39", CFG(.format = IOMMUPT_FMT_VTD_SS, .levels = 4,
				       .oas_lg2 = 39, .flags = IOMMUPT_CFG_NO_1G), 0 },
	{ "x86-64-4lvl", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 4), 0 },
	{ "x86-64-5lvl", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 5), 0 },
	{ "x86-64-4lvl-lower", CFG(.format = IOMMUPT_FMT_X86_64, .levels = 4,
				   .va_layout = IOMMUPT_VA_LOWER), 0 },
	/*
	 * AMD v1 and ARM: the walk depths and granules that change the work
	 * (a subset of the test configurations; growing tables and those too
	 * small for the 20 GiB of windows the cases use are left out). They
	 * run as soon as iommupt_domain_create accepts them.
	 */
	{ "amdv1-3lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 3), 0 },
	{ "amdv1-4lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 4),
	  BENCH_NEED_SIM },
	{ "amdv1-6lvl", CFG(.format = IOMMUPT_FMT_AMD_V1, .levels = 6), 0 },
	{ "arm-s1-4k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 48), 0 },
	{ "arm-s1-4k-48-ttbr1", CFG(.format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 48,
				    .va_layout = IOMMUPT_VA_UPPER), 0 },
	{ "arm-s1-16k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 14,
			       .ias_lg2 = 48), 0 },
	{ "arm-s1-64k-48", CFG(.format = IOMMUPT_FMT_ARM_S1, .granule_lg2 = 16,
			       .ias_lg2 = 48), 0 },
	{ "arm-s2-4k-40", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 40), 0 },
	{ "arm-s2-4k-48", CFG(.format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 48), 0 },
	{ "arm-s2-64k-48", CFG(.format = IOMMUPT_FMT_ARM_S2, .granule_lg2 = 16,
			       .ias_lg2 = 48, .oas_lg2 = 44), 0 },
};
const unsigned int bench_nfmts = sizeof(bench_fmts) / sizeof(bench_fmts[0]);
