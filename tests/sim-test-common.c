// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* Helpers shared by the simulator suites; see sim-test-common.h. */
#include <check.h>

#include "helpers.h"
#include "sim-test-common.h"

struct iommusim_dma_result sim_dma8(struct iommusim_unit *u, uint32_t sid,
				    int pasid, uint64_t iova, bool write,
				    bool priv)
{
	IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .iova = iova & ~7ull,
		     .size = 8,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	IOMMUPT_OPTS(iommusim_dma_result, res);

	if (pasid >= 0) {
		rq.flags |= IOMMUSIM_DMA_HAS_PASID;
		rq.pasid = (uint32_t)pasid;
	}
	if (priv)
		rq.flags |= IOMMUSIM_DMA_PRIV;
	ck_assert_int_eq(iommusim_unit_dma(u, &rq, &res), 0);
	if (!res.fault)
		res.oa |= iova & 7;
	return res;
}

struct iommusim_unit_stats sim_ustats(struct iommusim_unit *u)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);

	ck_assert_int_eq(iommusim_unit_get_stats(u, &st), 0);
	return st;
}

struct iommusim_cache_stats sim_cstats(struct iommusim_unit *u,
				       unsigned int kind, unsigned int level)
{
	IOMMUPT_OPTS(iommusim_cache_stats, st);

	ck_assert_int_eq(iommusim_unit_cache_stats(u, kind, level, &st), 0);
	return st;
}

struct iommupt_domain *sim_domain(struct iommusim_mem *mem,
				  const struct iommupt_domain_cfg *cfg,
				  struct iommupt_domain_info *info)
{
	struct iommupt_domain *dom;

	ck_assert_int_eq(iommupt_domain_create(cfg, iommusim_mem_provider(mem),
					       &dom), 0);
	ck_assert_int_eq(iommupt_domain_get_info(dom, info), 0);
	return dom;
}

void sim_map(struct iommupt_domain *dom, uint64_t iova, uint64_t oa,
	     uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;

	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, iova, oa, len, prot, &g), 0);
	iommupt_gather_release(&g);
}

uint64_t sim_random_dma(struct iommusim_unit *u, uint32_t sid, uint64_t span,
			unsigned int n, uint64_t *hash)
{
	uint64_t rng = 42, total = 0;

	*hash = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t iova = test_rand(&rng) % span;
		struct iommusim_dma_result r =
			sim_dma8(u, sid, -1, iova, test_rand(&rng) & 1, false);

		*hash = *hash * 31 + r.cycles;
		total += r.cycles;
	}
	ck_assert_uint_eq(total, sim_ustats(u).cycles);
	return total;
}

void sim_check_same_seed(sim_workload_fn *run)
{
	uint64_t h1, h2, h3, h4, h5;

	ck_assert_uint_eq(run(IOMMUSIM_REPL_LRU, 1, &h1),
			  run(IOMMUSIM_REPL_LRU, 1, &h2));
	ck_assert_uint_eq(h1, h2);
	ck_assert_uint_eq(run(IOMMUSIM_REPL_RANDOM, 7, &h3),
			  run(IOMMUSIM_REPL_RANDOM, 7, &h4));
	ck_assert_uint_eq(h3, h4);
	run(IOMMUSIM_REPL_RANDOM, 8, &h5);
	ck_assert_uint_ne(h3, h5); /* the seed matters */
}
