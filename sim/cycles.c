// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Default parameters of the cycle model and the caches.
 *
 * Where they come from:
 * - gem5's SMMUv3 model (src/dev/arm/SMMUv3.py): a 32-entry micro-TLB at
 *   1 cycle and a 2048-entry 4-way main TLB at 3 cycles in each device
 *   interface, a 64-entry 4-way configuration cache at 3 cycles, 4-way
 *   walk caches probed at 4 cycles with 4, 28, 348 and 4 entries for
 *   stage-1 levels 0 to 3, and 8-cycle links between the device interface
 *   and the SMMU each way. We take the main TLB for the IOTLB, the
 *   configuration cache for the context and PASID caches, and the walk
 *   caches for the paging-structure caches, level for level (VT-d level 1,
 *   the entries pointing at leaf tables, gets the 348 of gem5's S1L2).
 *   gem5 replaces round-robin; we offer LRU (default) and seeded random.
 *   VT-d has no micro-TLB, so the VT-d model has none.
 * - Memory latency is a parameter: 100 cycles stands for a DRAM access of
 *   roughly 100 ns at 1 GHz, the figure the IOMMU literature commonly
 *   assumes for an IOTLB miss walk step; set it to match the system.
 * - A queued command costs 10 cycles to decode and execute on top of the
 *   memory read that fetches it; a register access over the bus 1 cycle.
 *   These two are our estimates, not published figures.
 */
#include "sim-int.h"

void sim_cycles_defaults(struct iommusim_cycles_cfg *c)
{
	c->link = 8;
	c->mem_read = 100;
	c->mem_write = 100;
	c->queue_desc = 10;
	c->reg = 1;
}

void sim_cycles_fill(struct iommusim_cycles_cfg *c)
{
	struct iommusim_cycles_cfg d;

	sim_cycles_defaults(&d);
	if (!c->link)
		c->link = d.link;
	if (!c->mem_read)
		c->mem_read = d.mem_read;
	if (!c->mem_write)
		c->mem_write = d.mem_write;
	if (!c->queue_desc)
		c->queue_desc = d.queue_desc;
	if (!c->reg)
		c->reg = d.reg;
}

void sim_cache_default_iotlb(struct iommusim_cache_cfg *c)
{
	c->sets = 512; /* 2048 entries */
	c->ways = 4;
	c->latency = 3;
	c->repl = IOMMUSIM_REPL_LRU;
}

void sim_cache_default_pwc(struct iommusim_cache_cfg *c, unsigned int level)
{
	/* gem5 S1L3, S1L2, S1L1, S1L0 entries for levels 0..3: 4, 348, 28, 4 */
	static const uint32_t sets[] = { 87, 7, 1, 1 };

	c->sets = level >= 1 && level <= 4 ? sets[level - 1] : 1;
	c->ways = 4;
	c->latency = 4;
	c->repl = IOMMUSIM_REPL_LRU;
}

void sim_cache_default_context(struct iommusim_cache_cfg *c)
{
	c->sets = 16; /* 64 entries */
	c->ways = 4;
	c->latency = 3;
	c->repl = IOMMUSIM_REPL_LRU;
}

void sim_cache_default_pasid(struct iommusim_cache_cfg *c)
{
	sim_cache_default_context(c);
}
