/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* Helpers shared by libiommudrv's files. Private, never installed. */
#ifndef IOMMUDRV_DRV_INT_H
#define IOMMUDRV_DRV_INT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <iommupt/mmio.h>
#include <iommupt/provider.h>

/*
 * Check an extensible options struct (CONVENTIONS.md): NULL is fine; sz
 * must cover at least the leading size_t; bytes past what this library
 * knows must be zero so a newer caller's option is never silently ignored.
 */
static inline int drv_opts_check(const void *opts, size_t sz, size_t known)
{
	const unsigned char *p = opts;
	size_t i;

	if (!opts)
		return 0;
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < sz; i++)
		if (p[i])
			return -EINVAL;
	return 0;
}

/* ---- drv-common.c: what the unit drivers share ------------------------ */

/* A block from struct iommupt_mem that the unit reads or writes. */
struct drv_page {
	void *cpu;
	uint64_t oa;
	unsigned int lg2;
};

uint64_t drv_now_ns(void);
/*
 * Read a size-byte register until (val & mask) == want: 0, the read's
 * error, or -ETIMEDOUT after timeout_ns.
 */
int drv_poll(const struct iommupt_mmio *mmio, uint64_t off, unsigned int size,
	     uint64_t mask, uint64_t want, uint64_t timeout_ns);
/* p->cpu is NULL after a failure, so drv_page_free() is always safe. */
int drv_page_alloc(const struct iommupt_mem *mem, struct drv_page *p,
		   unsigned int lg2);
void drv_page_free(const struct iommupt_mem *mem, struct drv_page *p);
/* x86: write back and drop the lines of [cpu, cpu + len); elsewhere none. */
void drv_clflush_range(const void *cpu, size_t len);

/* Structures the unit reads: ordered 8-byte stores and loads. */
static inline uint64_t *drv_store64(void *base, unsigned int idx,
				    uint64_t val)
{
	uint64_t *p = (uint64_t *)base + idx;

	__atomic_store_n(p, val, __ATOMIC_RELEASE);
	return p;
}

static inline uint64_t drv_load64(const void *base, unsigned int idx)
{
	return __atomic_load_n((const uint64_t *)base + idx, __ATOMIC_ACQUIRE);
}

#endif
