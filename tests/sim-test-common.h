/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Asserting helpers the VT-d, AMD-Vi and SMMUv3 simulator suites share:
 * DMA requests, statistics and the determinism workload.
 */
#ifndef TESTS_SIM_TEST_COMMON_H
#define TESTS_SIM_TEST_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <iommupt/iommupt.h>
#include <iommupt/sim.h>

/*
 * One 8-byte DMA at the 8-byte aligned address below iova (pasid < 0: none);
 * the low bits come back in the output address when it translated.
 */
struct iommusim_dma_result sim_dma8(struct iommusim_unit *u, uint32_t sid,
				    int pasid, uint64_t iova, bool write,
				    bool priv);

struct iommusim_unit_stats sim_ustats(struct iommusim_unit *u);
struct iommusim_cache_stats sim_cstats(struct iommusim_unit *u,
				       unsigned int kind, unsigned int level);

/* A library domain whose tables live in mem; info filled in. */
struct iommupt_domain *sim_domain(struct iommusim_mem *mem,
				  const struct iommupt_domain_cfg *cfg,
				  struct iommupt_domain_info *info);

/* Map [iova, iova + len) to oa with prot, through a fresh gather. */
void sim_map(struct iommupt_domain *dom, uint64_t iova, uint64_t oa,
	     uint64_t len, uint32_t prot);

/*
 * n pseudo-random reads and writes by sid below span (a fixed sequence);
 * returns the summed cycles, checked against the unit's statistics, and a
 * hash of the per-request cycles in *hash.
 */
uint64_t sim_random_dma(struct iommusim_unit *u, uint32_t sid, uint64_t span,
			unsigned int n, uint64_t *hash);

/* A workload built with the given replacement policy and seed. */
typedef uint64_t sim_workload_fn(uint32_t repl, uint64_t seed, uint64_t *hash);

/* Same seed: same cycles and hash, for LRU and random; another seed differs. */
void sim_check_same_seed(sim_workload_fn *run);

#endif
