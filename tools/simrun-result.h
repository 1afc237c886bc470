/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What a run measured, shared by the engine (simrun-run.c) and the report
 * writers (simrun-report.c, simrun-plot.c).
 */
#ifndef TOOLS_SIMRUN_RESULT_H
#define TOOLS_SIMRUN_RESULT_H

#include "simrun.h"

#define SR_HIST_MAX 65536 /* exact cycle histogram up to this */
#define SR_MAX_ROUNDS 64

struct sr_dev_res {
	uint64_t txns, bytes, writes;
	uint64_t cycles;          /* translation cycles, summed */
	uint64_t iotlb_hits;
	uint64_t walk_hits, walk_lookups; /* walk-cache probes on IOTLB misses */
	uint64_t faults, stale;
	uint64_t dirty;           /* pages harvested from its region */
	uint64_t maps, unmaps, invalidations;
	uint64_t busy_until;      /* simulated cycle of its last completion */
	uint32_t *hist;           /* cycles -> count, SR_HIST_MAX entries */
	uint64_t hist_over, max_cycles;
	uint64_t p50, p99;        /* filled at the end */
};

struct sr_unit_res {
	struct sr_inv_stats inv;
	struct iommusim_unit_stats st;
	struct iommusim_cache_stats iotlb, walk, context, pasid;
	bool has_walk, has_pasid;
};

struct sr_round {
	uint64_t txns;      /* length of the round */
	uint64_t harvested; /* dirty 4K pages read and cleared */
	uint64_t expected;  /* distinct 4K pages written and still mapped */
	uint64_t visited;   /* table items the harvest read */
};

/* One point of the time series: per device deltas since the last one. */
struct sr_sample {
	uint64_t t;         /* simulated cycle at the end of the window */
	uint64_t *txns;     /* [nr_devices] */
	uint64_t *cycles;
	uint64_t *hits;
};

struct sr_result {
	struct sr_scenario sc;
	struct sr_dev_res dev[SR_MAX_DEVICES];
	struct sr_unit_res unit[SR_MAX_UNITS];
	uint64_t total_txns, end_cycles;
	uint64_t main_txns, main_cycles;
	double wall_s;
	/* migration */
	unsigned int nr_rounds;
	struct sr_round rounds[SR_MAX_ROUNDS];
	bool converged;
	uint64_t mig_start;          /* sample index where it began */
	/* live update */
	bool lu_done;
	unsigned int lu_domains;
	uint64_t lu_blob_bytes, lu_gap_txns, lu_after_txns, lu_faults;
	unsigned int lu_root_changed, lu_xlate_changed;
	uint64_t lu_start;           /* sample index where it began */
	/* time series */
	struct sr_sample *samples;
	size_t nr_samples, cap_samples;
	/* invariants that broke, one line each */
	char failures[1024];
};

#endif
