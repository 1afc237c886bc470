/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * iommu-sim's scenario runner: a scenario (units, domains, devices with
 * workloads, phases) read from JSON, the vendor glue that programs the
 * simulated units through their registers and queues, the device models,
 * the engine that runs them and the report. Everything is deterministic
 * for a scenario and its seed.
 */
#ifndef TOOLS_SIMRUN_H
#define TOOLS_SIMRUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <iommupt/sim.h>

#define SR_NAME_MAX 32
#define SR_MAX_UNITS 16
#define SR_MAX_DOMAINS 64
#define SR_MAX_DEVICES 64

/* ---- Scenario ---------------------------------------------------------- */

enum sr_vendor { SR_VTD, SR_AMD, SR_SMMU };

enum sr_workload {
	SR_WL_SEQ,     /* sequential streaming through a window */
	SR_WL_RANDOM,  /* random offsets in a window */
	SR_WL_STRIDED, /* fixed stride through a window */
	SR_WL_NIC,     /* ring of small buffers, map/DMA/unmap per buffer */
	SR_WL_NVME,    /* commands on large buffers mapped with 2M pages */
	SR_WL_WRITER,  /* keeps writing guest memory (live migration) */
};

enum sr_inval {
	SR_INV_STRICT, /* invalidate after every unmap */
	SR_INV_LAZY,   /* one domain-wide invalidation per batch of unmaps */
	SR_INV_NONE,   /* never (a buggy driver: stale translations) */
};

/* A cache of the unit: set in the scenario, or the model's default. */
struct sr_cache_opt {
	bool set;
	struct iommusim_cache_cfg cfg;
};

struct sr_unit_cfg {
	char name[SR_NAME_MAX];
	enum sr_vendor vendor;
	struct sr_cache_opt iotlb, walk, context, pasid;
	struct iommusim_cycles_cfg cycles;
	bool stale_check;
};

struct sr_domain_cfg {
	char name[SR_NAME_MAX];
	unsigned int unit;    /* index in units[] */
	uint32_t format;      /* enum iommupt_format */
	unsigned int levels;
	bool dirty;           /* hardware dirty updates (needed by migration) */
};

struct sr_device_cfg {
	char name[SR_NAME_MAX];
	unsigned int domain;  /* index in domains[] */
	uint32_t sid;
	enum sr_workload wl;
	uint64_t window;      /* static workloads: bytes mapped and touched */
	uint32_t xfer;        /* bytes per transaction (power of two <= 4096) */
	uint64_t stride;      /* strided: bytes between transactions */
	double write_frac;    /* share of transactions that write */
	unsigned int page_lg2; /* static workloads: 12 (4K) or 21 (2M) leaves */
	uint32_t ring;        /* nic: ring entries; nvme: queue depth */
	uint64_t buffer;      /* nic/nvme: bytes per buffer */
	uint64_t io;          /* nic/nvme: bytes DMA'd per buffer */
	enum sr_inval inval;
	uint32_t batch;       /* lazy: unmaps per invalidation */
	uint32_t interval;    /* idle cycles between transactions */
	double stray;         /* share of accesses to unmapped IOVAs */
};

struct sr_scenario {
	char name[64];
	uint64_t seed;
	uint64_t txns;        /* main phase length in transactions, or */
	uint64_t cycles;      /* in simulated cycles (one of the two) */
	unsigned int nr_units, nr_domains, nr_devices;
	struct sr_unit_cfg units[SR_MAX_UNITS];
	struct sr_domain_cfg domains[SR_MAX_DOMAINS];
	struct sr_device_cfg devices[SR_MAX_DEVICES];
	struct {
		bool on;
		unsigned int max_rounds;
		uint64_t first_round; /* transactions of round 1 */
		double copy_ratio;    /* next round = dirty pages * this */
		uint64_t stop_pages;  /* stop-and-copy below this */
	} migration;
	struct {
		bool on;
		uint64_t gap;         /* transactions while no domain object exists */
	} live_update;
};

/* The embedded default scenario (tools/default-scenario.c, generated). */
extern const char sr_default_scenario[];

/*
 * Parse a scenario from JSON text; origin names it in messages. On error
 * returns -EINVAL with a one-line message in err (line for syntax errors,
 * the key path for bad values).
 */
int sr_scenario_parse(const char *text, size_t len, const char *origin,
		      struct sr_scenario *sc, char *err, size_t errlen);
/* Read and parse a file; "-" is stdin. */
int sr_scenario_load(const char *path, struct sr_scenario *sc, char *err,
		     size_t errlen);

const char *sr_vendor_name(enum sr_vendor v);
const char *sr_workload_name(enum sr_workload w);
const char *sr_inval_name(enum sr_inval i);
const char *sr_format_name(uint32_t format);

/* ---- Vendor glue (simrun-hw.c) ----------------------------------------- */

struct sr_hw;

struct sr_inv_stats {
	uint64_t range;   /* page/range-selective invalidations */
	uint64_t domain;  /* domain-wide invalidations */
	uint64_t cmds;    /* descriptors/commands written, waits included */
};

int sr_hw_create(const struct sr_unit_cfg *cfg, uint64_t seed,
		 uint32_t max_sid, struct iommusim_mem *mem,
		 struct sr_hw **out);
void sr_hw_destroy(struct sr_hw *hw);
struct iommusim_unit *sr_hw_unit(struct sr_hw *hw);
/* Point sid at a table (root_oa, levels, ias) tagged did. */
int sr_hw_attach(struct sr_hw *hw, uint32_t sid, uint32_t format,
		 uint64_t root_oa, unsigned int levels, unsigned int ias,
		 uint32_t did, bool dirty);
/* Invalidate [start, last] of did (leaves only unless tables). */
int sr_hw_flush_range(struct sr_hw *hw, uint32_t did, uint64_t start,
		      uint64_t last, bool tables);
int sr_hw_flush_domain(struct sr_hw *hw, uint32_t did);
/* Consume the unit's fault/event records; returns how many there were. */
unsigned int sr_hw_drain_faults(struct sr_hw *hw);
void sr_hw_inv_stats(struct sr_hw *hw, struct sr_inv_stats *st);
/* Vendor fault code to enum iommudrv_fault_reason (for traces). */
uint32_t sr_hw_fault_reason(enum sr_vendor v, uint32_t code);

/* ---- Run and report (simrun-run.c, simrun-report.c) --------------------- */

struct sr_run_opts {
	FILE *trace;          /* record events here, or NULL */
	bool progress;        /* progress bar on stderr */
};

struct sr_result;

/*
 * Build and run the scenario. On error returns a negative errno with a
 * message in err; *out is NULL.
 */
int sr_run(const struct sr_scenario *sc, const struct sr_run_opts *opts,
	   struct sr_result **out, char *err, size_t errlen);
void sr_result_free(struct sr_result *r);
/* Non-zero when the run broke an invariant (see the report). */
int sr_result_failed(const struct sr_result *r);

void sr_report_text(const struct sr_result *r, FILE *f);
void sr_report_json(const struct sr_result *r, FILE *f);
int sr_report_svg(const struct sr_result *r, FILE *f);

#endif
