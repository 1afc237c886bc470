/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Asserting register and memory accessors shared by the simulator suites.
 * Each takes a fixture with `mmio` and `mem` members, whatever its type.
 */
#ifndef TESTS_SIM_ACCESS_H
#define TESTS_SIM_ACCESS_H

#include <check.h>
#include <stdint.h>

#include <iommupt/mmio.h>
#include <iommupt/sim.h>

static inline uint64_t sim_rd(const struct iommupt_mmio *mmio, unsigned int off,
			      unsigned int size)
{
	uint64_t v = 0;

	ck_assert_int_eq(mmio->read(mmio->ctx, off, size, &v), 0);
	return v;
}

static inline void sim_wr(const struct iommupt_mmio *mmio, unsigned int off,
			  unsigned int size, uint64_t v)
{
	ck_assert_int_eq(mmio->write(mmio->ctx, off, size, v), 0);
}

/* A zeroed 4K page of simulated memory. */
static inline uint64_t sim_page(struct iommusim_mem *mem)
{
	uint64_t pa;

	ck_assert_int_eq(iommusim_mem_alloc(mem, 12, &pa), 0);
	return pa;
}

static inline void sim_w64(struct iommusim_mem *mem, uint64_t pa, uint64_t v)
{
	ck_assert_int_eq(iommusim_mem_write64(mem, pa, v), 0);
}

static inline uint64_t sim_r64(struct iommusim_mem *mem, uint64_t pa)
{
	uint64_t v;

	ck_assert_int_eq(iommusim_mem_read64(mem, pa, &v), 0);
	return v;
}

#define rd(t, off, size) sim_rd((t)->mmio, (off), (size))
#define wr(t, off, size, v) sim_wr((t)->mmio, (off), (size), (v))
#define page(t) sim_page((t)->mem)
#define w64(t, pa, v) sim_w64((t)->mem, (pa), (v))
#define r64(t, pa) sim_r64((t)->mem, (pa))

#endif
