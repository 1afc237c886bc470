/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The benchmark harness: rows of timed repetitions, in-run reference
 * loops, and the table/JSON report. A case is a function that, for one
 * format, declares its rows, sets up outside the timed region, then runs
 * warm-ups and repetitions, recording each timed region against a row.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <iommupt/iommupt.h>

#define BENCH_MAX_REPS 1000

struct bench_opts {
	bool json;           /* JSON on stdout instead of the table */
	bool quick;          /* smoke run: fewer reps, smaller working sets */
	unsigned int reps;   /* timed repetitions per row */
	unsigned int warmup; /* untimed repetitions before them */
	const char *filter;  /* substring of "format/row"; NULL: all */
};

/* Capabilities a format configuration needs for a case to run. */
enum bench_need {
	BENCH_NEED_DIRTY = 1u << 0,     /* dirty tracking (read-and-clear) */
	BENCH_NEED_SIM = 1u << 2,       /* the simulator */
};

/* One format configuration that every case runs on. */
struct bench_fmt {
	const char *name;
	struct iommupt_domain_cfg cfg;
	unsigned int caps; /* enum bench_need this library has for it */
};

extern const struct bench_fmt bench_fmts[];
extern const unsigned int bench_nfmts;

/* What a row's figure is compared with; measured in this process. */
enum bench_ref_kind {
	BENCH_REF_NONE = 0,
	BENCH_REF_STORE, /* store loop over ref_n 8-byte entries, per entry */
	BENCH_REF_LOAD,  /* load loop over ref_n 8-byte entries, per entry */
	BENCH_REF_CHAIN, /* dependent-load chain ref_n deep, per chain */
	BENCH_REF_MEMCPY, /* memcpy of ref_n 8-byte entries, per entry */
	BENCH_REF_ROW,   /* another row of the same format (thread scaling) */
};

struct bench_row;

/* Everything a case needs while it runs for one format. */
struct bench_ctx {
	const struct bench_opts *opts;
	const struct bench_fmt *fmt;
	struct iommupt_domain_info info; /* of a domain with fmt->cfg */
	uint64_t rng;                    /* deterministic per case and format */
};

/* Case entry points: run every row for one format. */
typedef void (*bench_case_fn)(struct bench_ctx *c);

struct bench_case {
	const char *name;
	bench_case_fn run;  /* NULL: not landed yet, reported as skipped */
	unsigned int needs; /* enum bench_need */
	const char *pending; /* why it does not run yet */
};

/*
 * Declare a row (printf-style name). Returns NULL when --filter excludes
 * it: the case then neither measures nor reports it. entries is the
 * number of page-table entries (pages) one op writes or reads, for the
 * per-entry column; unit names what one op is.
 */
struct bench_row *bench_row(struct bench_ctx *c, const char *unit,
			    uint64_t entries, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Compare the row with a reference; goal: ratio to meet (0: none). */
void bench_row_ref(struct bench_row *r, enum bench_ref_kind kind,
		   uint64_t ref_n, double goal);
/*
 * Compare with the per-op time of another row (ratio = this / other);
 * scaling: the row is the same work on two threads, show 1/ratio.
 */
void bench_row_ref_row(struct bench_row *r, const struct bench_row *other,
		       bool scaling);
/*
 * A figure published for comparable work elsewhere (another machine,
 * another implementation): printed beside the row for orientation only.
 */
void bench_row_external(struct bench_row *r, const char *label,
			double ns_per_op);
/* Set (or replace) the ratio a row aims for; 0: none. */
void bench_row_goal(struct bench_row *r, double goal);
/* Also show the entries this row reads as GB/s (8-byte entries per second). */
void bench_row_show_gbps(struct bench_row *r);
/* Also show the bytes of its entries (8 each) as MB/s (table pages moved). */
void bench_row_show_mbps(struct bench_row *r);
/* Also show 1e9 / (ns per op): operations per second. */
void bench_row_show_rate(struct bench_row *r);
/*
 * A figure the case measured beside the time (e.g. simulated cycles per
 * op, a hit rate): printed after the row and under "metrics" in JSON.
 * name must outlive the run (a string literal); up to 4 per row.
 */
void bench_row_metric(struct bench_row *r, const char *name, double value);
/*
 * The case does not apply to this format (e.g. -EOPNOTSUPP): list it
 * under "not run" with the reason instead of measuring.
 */
void bench_skip(struct bench_ctx *c, const char *case_name, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));
/* Mark a row failed (the figure is withheld); printf-style reason. */
void bench_row_fail(struct bench_row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool bench_row_failed(const struct bench_row *r);

/* Repetitions a case runs: warm-ups first, then timed ones. */
unsigned int bench_total_reps(const struct bench_ctx *c);
/*
 * Record one repetition of a row: ns elapsed for ops operations. The
 * first opts->warmup recordings of each row are discarded. r may be NULL
 * (a filtered row) and then nothing happens.
 */
void bench_record(struct bench_row *r, uint64_t ns, uint64_t ops);

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Keep a value alive and memory coherent: the compiler cannot drop work. */
#define bench_use(x) __asm__ volatile("" : : "r"(x) : "memory")

/* Deterministic PRNG (xorshift64*). */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A domain on its own heap provider; exits the process on failure. */
struct bench_dom {
	struct iommupt_heap *heap;
	struct iommupt_domain *dom;
};

/* pgsize_bitmap 0 keeps the configuration's sizes. Returns 0 or -errno. */
int bench_dom_create(struct bench_dom *b, const struct bench_fmt *f,
		     uint64_t pgsize_bitmap);
void bench_dom_destroy(struct bench_dom *b);
/* "4K", "2M", "1G" ... */
const char *bench_size_name(unsigned int lg2);

/* reference.c: each returns ns for one pass, measured now. */
double bench_ref_store_once(uint64_t n);    /* ns per entry */
double bench_ref_load_once(uint64_t n);     /* ns per entry */
double bench_ref_chain_once(unsigned int depth, bool quick); /* ns per chain */
double bench_ref_memcpy_once(uint64_t n);   /* ns per 8-byte entry */
/* Bytes the chain's pages are spread over (reported with the figure). */
uint64_t bench_ref_chain_arena_bytes(void);

/* Runs every case on every format and prints the report; exit status. */
int bench_main(const struct bench_opts *opts, const struct bench_case *cases,
	       unsigned int ncases);

#endif
