// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Shared pieces of the driver-against-simulator suites (drv-sim-harness.h). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>

#include "drv-sim-harness.h"

static int fm_alloc(void *ctx, unsigned int lg2, void **cpu, uint64_t *oa)
{
	struct dsim_failmem *fm = ctx;
	int ret;

	if (fm->calls++ == fm->fail_at) { /* never while fail_at is -1 */
		fm->fail_at = -1;
		return -ENOMEM;
	}
	ret = fm->inner->alloc_table(fm->inner->ctx, lg2, cpu, oa);
	if (!ret)
		fm->nr_alloc++;
	return ret;
}

static void fm_free(void *ctx, void *cpu, uint64_t oa, unsigned int lg2)
{
	struct dsim_failmem *fm = ctx;

	fm->nr_free++;
	fm->inner->free_table(fm->inner->ctx, cpu, oa, lg2);
}

static void *fm_oa_to_cpu(void *ctx, uint64_t oa)
{
	struct dsim_failmem *fm = ctx;

	return fm->inner->oa_to_cpu(fm->inner->ctx, oa);
}

void dsim_failmem_init(struct dsim_failmem *fm,
		       const struct iommupt_mem *inner)
{
	memset(fm, 0, sizeof(*fm));
	fm->inner = inner;
	fm->fail_at = -1;
	fm->mem.sz = sizeof(fm->mem);
	fm->mem.ctx = fm;
	fm->mem.alloc_table = fm_alloc;
	fm->mem.free_table = fm_free;
	if (inner->oa_to_cpu)
		fm->mem.oa_to_cpu = fm_oa_to_cpu;
}

void dsim_on_stale(void *ctx, const struct iommusim_stale_report *r)
{
	struct dsim_stale *s = ctx;
	char line[256];

	s->seen++;
	s->last = *r;
	iommusim_stale_format(r, line, sizeof(line));
	fprintf(stderr, "[%s] stale: %s\n", s->tag ? s->tag : "-", line);
}

uint64_t dsim_nr_stale(struct iommusim_unit *u, const struct dsim_stale *s)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);

	ck_assert_int_eq(iommusim_unit_get_stats(u, &st), 0);
	ck_assert_uint_eq(st.stale, s->seen);
	return st.stale;
}

uint64_t dsim_data_alloc(struct iommusim_mem *mem, unsigned int lg2)
{
	uint64_t pa;

	ck_assert_int_eq(iommusim_mem_alloc(mem, lg2, &pa), 0);
	return pa;
}

void dsim_fill(struct iommusim_mem *mem, uint64_t pa, size_t len,
	       uint32_t seed)
{
	uint8_t *b = malloc(len);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
	ck_assert_int_eq(iommusim_mem_write(mem, pa, b, len), 0);
	free(b);
}

void dsim_zero(struct iommusim_mem *mem, uint64_t pa, size_t len)
{
	uint8_t *b = calloc(1, len);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(iommusim_mem_write(mem, pa, b, len), 0);
	free(b);
}

int dsim_same(struct iommusim_mem *mem, uint64_t a, uint64_t b, size_t len)
{
	uint8_t *x = malloc(len), *y = malloc(len);
	int eq;

	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(y);
	ck_assert_int_eq(iommusim_mem_read(mem, a, x, len), 0);
	ck_assert_int_eq(iommusim_mem_read(mem, b, y, len), 0);
	eq = !memcmp(x, y, len);
	free(x);
	free(y);
	return eq;
}

int dsim_is_zero(struct iommusim_mem *mem, uint64_t pa, size_t len)
{
	uint8_t *x = malloc(len);
	int z = 1;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(iommusim_mem_read(mem, pa, x, len), 0);
	for (size_t i = 0; i < len; i++)
		z &= !x[i];
	free(x);
	return z;
}

struct iommusim_dma_result dsim_dma(struct iommusim_unit *u, uint32_t sid,
				    uint64_t iova, int write)
{
	IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .iova = iova, .size = 8,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	IOMMUPT_OPTS(iommusim_dma_result, res);

	ck_assert_int_eq(iommusim_unit_dma(u, &rq, &res), 0);
	return res;
}

uint32_t dsim_dev_copy(struct iommusim_unit *u, struct iommusim_mem *mem,
		       uint32_t sid, uint64_t src, uint64_t dst, uint64_t len)
{
	uint8_t buf[4096];

	for (uint64_t off = 0; off < len; off += 4096) {
		IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .size = 4096);
		IOMMUPT_OPTS(iommusim_dma_result, rd);
		IOMMUPT_OPTS(iommusim_dma_result, wr);

		rq.iova = src + off;
		rq.access = IOMMUSIM_DMA_READ;
		ck_assert_int_eq(iommusim_unit_dma(u, &rq, &rd), 0);
		if (rd.fault)
			return rd.fault;
		ck_assert_int_eq(iommusim_mem_read(mem, rd.oa, buf, 4096), 0);
		rq.iova = dst + off;
		rq.access = IOMMUSIM_DMA_WRITE;
		ck_assert_int_eq(iommusim_unit_dma(u, &rq, &wr), 0);
		if (wr.fault)
			return wr.fault;
		ck_assert_int_eq(iommusim_mem_write(mem, wr.oa, buf, 4096), 0);
	}
	return 0;
}

void dsim_check_one_fault(const struct iommudrv_fault *r, unsigned int n,
			  uint32_t unit, uint32_t source_id, uint64_t iova,
			  uint32_t access, uint32_t reason,
			  uint32_t vendor_reason)
{
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].unit, unit);
	ck_assert_uint_eq(r[0].source_id, source_id);
	ck_assert_uint_eq(r[0].iova, iova);
	ck_assert_uint_eq(r[0].access, access);
	ck_assert_uint_eq(r[0].reason, reason);
	ck_assert_uint_eq(r[0].vendor_reason, vendor_reason);
	ck_assert_uint_eq(r[0].has_pasid, 0);
}

void dsim_map(struct iommupt_domain *dom, struct iommupt_gather *g,
	      uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	iommupt_gather_init(g);
	ck_assert_int_eq(iommupt_domain_map(dom, iova, pa, len, prot, g), 0);
}

void dsim_unmap(struct iommupt_domain *dom, struct iommupt_gather *g,
		uint64_t iova, uint64_t len)
{
	uint64_t done = 0;

	iommupt_gather_init(g);
	ck_assert_int_eq(iommupt_domain_unmap(dom, iova, len, 0, g, &done), 0);
	ck_assert_uint_eq(done, len);
}
