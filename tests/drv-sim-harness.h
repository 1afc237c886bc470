/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What the driver-against-simulator suites (test-drv-sim.c,
 * test-drv-vtd-sm-sim.c, test-drv-amd-sim.c, test-drv-smmu-sim.c) share:
 * the stale-translation counter, simulated memory fills and byte checks,
 * and DMA from a simulated device. Each helper asserts that the simulator
 * call it makes succeeds.
 */
#ifndef TESTS_DRV_SIM_HARNESS_H
#define TESTS_DRV_SIM_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/provider.h>
#include <iommupt/sim.h>

/*
 * A provider over another (the simulator's) that counts its calls and can
 * fail one: the call numbered fail_at (0-based in calls) returns -ENOMEM,
 * once; fail_at is -1 afterwards and by default.
 */
struct dsim_failmem {
	struct iommupt_mem mem;
	const struct iommupt_mem *inner;
	int fail_at;
	int calls;            /* alloc_table calls */
	int nr_alloc, nr_free; /* pages handed out and given back */
};

void dsim_failmem_init(struct dsim_failmem *fm,
		       const struct iommupt_mem *inner);

static inline long dsim_failmem_live(const struct dsim_failmem *fm)
{
	return (long)fm->nr_alloc - fm->nr_free;
}

/* Stale translations the unit reported (iommusim_unit_set_stale_fn). */
struct dsim_stale {
	const char *tag; /* names the configuration in the log line */
	unsigned int seen;
	struct iommusim_stale_report last;
};

/* The stale callback; ctx is a struct dsim_stale. */
void dsim_on_stale(void *ctx, const struct iommusim_stale_report *r);
/* The unit's stale count, checked against what the callback saw. */
uint64_t dsim_nr_stale(struct iommusim_unit *u, const struct dsim_stale *s);

uint64_t dsim_data_alloc(struct iommusim_mem *mem, unsigned int lg2);
/* len pseudo-random bytes from seed, the same for the same seed. */
void dsim_fill(struct iommusim_mem *mem, uint64_t pa, size_t len,
	       uint32_t seed);
void dsim_zero(struct iommusim_mem *mem, uint64_t pa, size_t len);
int dsim_same(struct iommusim_mem *mem, uint64_t a, uint64_t b, size_t len);
int dsim_is_zero(struct iommusim_mem *mem, uint64_t pa, size_t len);

/* One 8-byte access from sid; the translation or the fault. */
struct iommusim_dma_result dsim_dma(struct iommusim_unit *u, uint32_t sid,
				    uint64_t iova, int write);
/* The device copies len bytes in 4K transactions; first fault or 0. */
uint32_t dsim_dev_copy(struct iommusim_unit *u, struct iommusim_mem *mem,
		       uint32_t sid, uint64_t src, uint64_t dst, uint64_t len);

/* n records were read into r: exactly one, with these fields. */
void dsim_check_one_fault(const struct iommudrv_fault *r, unsigned int n,
			  uint32_t unit, uint32_t source_id, uint64_t iova,
			  uint32_t access, uint32_t reason,
			  uint32_t vendor_reason);

/* Map, or unmap all of, [iova, iova + len) into g, initialised here. */
void dsim_map(struct iommupt_domain *dom, struct iommupt_gather *g,
	      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot);
void dsim_unmap(struct iommupt_domain *dom, struct iommupt_gather *g,
		uint64_t iova, uint64_t len);

#endif
