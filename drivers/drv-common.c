// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Helpers the unit drivers (amd.c, smmu.c, vtd.c and its files) share:
 * register polling with a deadline, the pages they give the unit, and the
 * x86 cache write-back for units that do not snoop. Internal (drv-int.h).
 */
#include <time.h>

#include "drv-int.h"

#define DRV_X86_LINE 64u /* the smallest x86 cache line */

uint64_t drv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int drv_poll(const struct iommupt_mmio *mmio, uint64_t off, unsigned int size,
	     uint64_t mask, uint64_t want, uint64_t timeout_ns)
{
	uint64_t end = drv_now_ns() + timeout_ns;
	uint64_t val;
	int ret;

	for (;;) {
		val = 0;
		ret = mmio->read(mmio->ctx, off, size, &val);
		if (ret)
			return ret;
		if ((val & mask) == want)
			return 0;
		if (drv_now_ns() > end)
			return -ETIMEDOUT;
	}
}

int drv_page_alloc(const struct iommupt_mem *mem, struct drv_page *p,
		   unsigned int lg2)
{
	int ret = mem->alloc_table(mem->ctx, lg2, &p->cpu, &p->oa);

	if (ret) {
		p->cpu = NULL;
		return ret;
	}
	p->lg2 = lg2;
	return 0;
}

void drv_page_free(const struct iommupt_mem *mem, struct drv_page *p)
{
	if (p->cpu)
		mem->free_table(mem->ctx, p->cpu, p->oa, p->lg2);
	p->cpu = NULL;
}

void drv_clflush_range(const void *cpu, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	uintptr_t p = (uintptr_t)cpu & ~(uintptr_t)(DRV_X86_LINE - 1);
	uintptr_t end = (uintptr_t)cpu + len;

	for (; p < end; p += DRV_X86_LINE)
		__builtin_ia32_clflush((const void *)p);
#else
	(void)cpu;
	(void)len;
#endif
}
