// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Harness: collects repetitions per row, measures the reference loops in
 * the same process (just before each case that compares with them, and
 * once more at the end; pooled in the reference table so drift during the
 * run shows), and prints the report. Figures are medians; the spread is
 * min..max and the interquartile range.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Reference samples taken next to each case. */
#define BENCH_REF_LOCAL 16

struct bench_row {
	char fmt[48];
	char name[64];
	const char *unit;
	uint64_t entries;
	enum bench_ref_kind ref;
	uint64_t ref_n;
	double goal;
	const struct bench_row *other;
	bool scaling;
	bool gbps;
	bool mbps;             /* also show entry bytes as MB/s */
	bool rate;             /* also show ops per second */
	unsigned int nmetric;  /* figures the case measured beside the time */
	const char *metric_name[4];
	double metric[4];
	const char *ext_label; /* external figure, for orientation */
	double ext_ns;
	unsigned int nref;
	double ref_v[BENCH_REF_LOCAL]; /* reference samples taken with it */
	unsigned int recorded; /* including warm-ups */
	unsigned int n;
	double ns[BENCH_MAX_REPS]; /* ns per op of each timed rep */
	bool failed;
	char why[160];
};

struct bench_ref {
	enum bench_ref_kind kind;
	uint64_t n;
	unsigned int nstart; /* samples of the first take */
	unsigned int nlast;  /* where the take at the end of the run starts */
	unsigned int count;
	double v[2 * BENCH_MAX_REPS];
};

struct bench_skip {
	char what[64];
	char why[160];
};

struct summary {
	double median, min, max, p25, p75;
};

static const struct bench_opts *g_opts;
static double g_load_start; /* 1-minute load average when the run began */
static struct bench_row **g_rows;
static unsigned int g_nrows, g_caprows;
static struct bench_ref g_refs[64];
static unsigned int g_nrefs;
static struct bench_skip g_skips[128];
static unsigned int g_nskips;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	return p;
}

static void add_skip(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_skip(const char *what, const char *fmt, ...)
{
	va_list ap;

	if (g_nskips == sizeof(g_skips) / sizeof(g_skips[0]))
		return;
	snprintf(g_skips[g_nskips].what, sizeof(g_skips[0].what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(g_skips[g_nskips].why, sizeof(g_skips[0].why), fmt, ap);
	va_end(ap);
	g_nskips++;
}

/* ------------------------------------------------------------ domains -- */

int bench_dom_create(struct bench_dom *b, const struct bench_fmt *f,
		     uint64_t pgsize_bitmap)
{
	struct iommupt_domain_cfg cfg = f->cfg;
	int rc;

	memset(b, 0, sizeof(*b));
	if (pgsize_bitmap)
		cfg.pgsize_bitmap = pgsize_bitmap;
	rc = iommupt_heap_create(NULL, &b->heap);
	if (rc)
		return rc;
	rc = iommupt_domain_create(&cfg, iommupt_heap_mem(b->heap), &b->dom);
	if (rc) {
		iommupt_heap_destroy(b->heap);
		b->heap = NULL;
	}
	return rc;
}

void bench_dom_destroy(struct bench_dom *b)
{
	iommupt_domain_destroy(b->dom);
	iommupt_heap_destroy(b->heap);
	memset(b, 0, sizeof(*b));
}

const char *bench_size_name(unsigned int lg2)
{
	static const char *const names[] = {
		"4K", "8K", "16K", "32K", "64K", "128K", "256K", "512K",
		"1M", "2M", "4M", "8M", "16M", "32M", "64M", "128M", "256M",
		"512M", "1G", "2G", "4G", "8G", "16G", "32G", "64G", "128G",
		"256G", "512G", "1T", "2T", "4T", "8T", "16T",
	};

	if (lg2 < 12 || lg2 - 12 >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[lg2 - 12];
}

/* --------------------------------------------------------------- rows -- */

static bool filter_match(const char *fmt, const char *name)
{
	char full[128];

	if (!g_opts->filter || !*g_opts->filter)
		return true;
	snprintf(full, sizeof(full), "%s/%s", fmt, name);
	return strstr(full, g_opts->filter) != NULL;
}

struct bench_row *bench_row(struct bench_ctx *c, const char *unit,
			    uint64_t entries, const char *fmt, ...)
{
	struct bench_row *r;
	char name[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!filter_match(c->fmt->name, name))
		return NULL;
	r = xrealloc(NULL, sizeof(*r));
	memset(r, 0, sizeof(*r));
	snprintf(r->fmt, sizeof(r->fmt), "%s", c->fmt->name);
	memcpy(r->name, name, sizeof(name));
	r->unit = unit;
	r->entries = entries ? entries : 1;
	if (g_nrows == g_caprows) {
		g_caprows = g_caprows ? 2 * g_caprows : 64;
		g_rows = xrealloc(g_rows, g_caprows * sizeof(*g_rows));
	}
	g_rows[g_nrows++] = r;
	return r;
}

static double ref_measure_once(enum bench_ref_kind kind, uint64_t n)
{
	switch (kind) {
	case BENCH_REF_STORE:
		return bench_ref_store_once(n);
	case BENCH_REF_LOAD:
		return bench_ref_load_once(n);
	case BENCH_REF_CHAIN:
		return bench_ref_chain_once((unsigned int)n, g_opts->quick);
	case BENCH_REF_MEMCPY:
		return bench_ref_memcpy_once(n);
	default:
		return 0;
	}
}

/* Append up to n samples (after the warm-ups) to the pool and to out. */
static unsigned int ref_take(struct bench_ref *ref, unsigned int n,
			     double *out)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < g_opts->warmup; i++)
		(void)ref_measure_once(ref->kind, ref->n);
	for (unsigned int i = 0; i < n; i++) {
		double v = ref_measure_once(ref->kind, ref->n);

		if (ref->count < sizeof(ref->v) / sizeof(ref->v[0]))
			ref->v[ref->count++] = v;
		if (out)
			out[got++] = v;
	}
	if (!ref->nstart)
		ref->nstart = ref->count;
	return got;
}

/* The pool of every sample of one reference; NULL when the table is full. */
static struct bench_ref *ref_get(enum bench_ref_kind kind, uint64_t n)
{
	struct bench_ref *ref;

	for (unsigned int i = 0; i < g_nrefs; i++)
		if (g_refs[i].kind == kind && g_refs[i].n == n)
			return &g_refs[i];
	if (g_nrefs == sizeof(g_refs) / sizeof(g_refs[0]))
		return NULL;
	ref = &g_refs[g_nrefs++];
	memset(ref, 0, sizeof(*ref));
	ref->kind = kind;
	ref->n = n;
	return ref;
}

/*
 * Samples of a reference taken for the case now starting: the first row
 * of a case that needs (kind, n) measures it, the case's other rows share
 * those samples. So each ratio compares figures taken seconds apart, not
 * minutes, on a machine whose load changes.
 */
static struct {
	enum bench_ref_kind kind;
	uint64_t n;
	unsigned int count;
	double v[BENCH_REF_LOCAL];
} g_local[8];
static unsigned int g_nlocal;

static void local_refs_reset(void)
{
	g_nlocal = 0;
}

static unsigned int local_ref(enum bench_ref_kind kind, uint64_t n,
			      double *out)
{
	struct bench_ref *ref;
	unsigned int i, want;

	for (i = 0; i < g_nlocal; i++)
		if (g_local[i].kind == kind && g_local[i].n == n)
			break;
	if (i == g_nlocal) {
		ref = ref_get(kind, n);
		if (!ref || g_nlocal == sizeof(g_local) / sizeof(g_local[0]))
			return 0;
		want = g_opts->reps / 2;
		if (want < (g_opts->quick ? 2u : 5u))
			want = g_opts->quick ? 2 : 5;
		if (want > BENCH_REF_LOCAL)
			want = BENCH_REF_LOCAL;
		g_local[i].kind = kind;
		g_local[i].n = n;
		g_local[i].count = ref_take(ref, want, g_local[i].v);
		g_nlocal++;
	}
	memcpy(out, g_local[i].v, g_local[i].count * sizeof(*out));
	return g_local[i].count;
}

void bench_row_ref(struct bench_row *r, enum bench_ref_kind kind,
		   uint64_t ref_n, double goal)
{
	if (!r)
		return;
	r->ref = kind;
	r->ref_n = ref_n;
	r->goal = goal;
	r->nref = local_ref(kind, ref_n, r->ref_v); /* now, next to the case */
}

void bench_row_ref_row(struct bench_row *r, const struct bench_row *other,
		       bool scaling)
{
	if (!r || !other)
		return;
	r->ref = BENCH_REF_ROW;
	r->other = other;
	r->scaling = scaling;
}

void bench_row_goal(struct bench_row *r, double goal)
{
	if (r)
		r->goal = goal;
}

void bench_row_show_gbps(struct bench_row *r)
{
	if (r)
		r->gbps = true;
}

void bench_row_show_mbps(struct bench_row *r)
{
	if (r)
		r->mbps = true;
}

void bench_row_show_rate(struct bench_row *r)
{
	if (r)
		r->rate = true;
}

void bench_row_metric(struct bench_row *r, const char *name, double value)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->nmetric && strcmp(r->metric_name[i], name); i++)
		;
	if (i == sizeof(r->metric) / sizeof(r->metric[0]))
		return;
	r->metric_name[i] = name;
	r->metric[i] = value;
	if (i == r->nmetric)
		r->nmetric++;
}

void bench_skip(struct bench_ctx *c, const char *case_name, const char *fmt,
		...)
{
	char what[64], why[160];
	va_list ap;

	snprintf(what, sizeof(what), "%s/%s", c->fmt->name, case_name);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	add_skip(what, "%s", why);
}

void bench_row_external(struct bench_row *r, const char *label,
			double ns_per_op)
{
	if (!r)
		return;
	r->ext_label = label;
	r->ext_ns = ns_per_op;
}

void bench_row_fail(struct bench_row *r, const char *fmt, ...)
{
	va_list ap;

	if (!r || r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

bool bench_row_failed(const struct bench_row *r)
{
	return r && r->failed;
}

unsigned int bench_total_reps(const struct bench_ctx *c)
{
	return c->opts->warmup + c->opts->reps;
}

void bench_record(struct bench_row *r, uint64_t ns, uint64_t ops)
{
	if (!r || !ops)
		return;
	if (r->recorded++ < g_opts->warmup)
		return;
	if (r->n < BENCH_MAX_REPS)
		r->ns[r->n++] = (double)ns / (double)ops;
}

/* ---------------------------------------------------------- statistics -- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks of a sorted array. */
static double quantile(const double *v, unsigned int n, double q)
{
	double pos = q * (n - 1);
	unsigned int lo = (unsigned int)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

static bool summarize(const double *in, unsigned int n, struct summary *s)
{
	double *v;

	memset(s, 0, sizeof(*s));
	if (!n)
		return false;
	v = xrealloc(NULL, n * sizeof(*v));
	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	s->min = v[0];
	s->max = v[n - 1];
	s->median = quantile(v, n, 0.5);
	s->p25 = quantile(v, n, 0.25);
	s->p75 = quantile(v, n, 0.75);
	free(v);
	return true;
}

static const char *ref_name(enum bench_ref_kind kind)
{
	switch (kind) {
	case BENCH_REF_STORE:
		return "store-loop";
	case BENCH_REF_LOAD:
		return "load-loop";
	case BENCH_REF_CHAIN:
		return "dep-chain";
	case BENCH_REF_MEMCPY:
		return "memcpy";
	case BENCH_REF_ROW:
		return "row";
	default:
		return "none";
	}
}

static const char *ref_unit(enum bench_ref_kind kind)
{
	return kind == BENCH_REF_CHAIN ? "ns/chain" : "ns/entry";
}

/* The reference figure a row is compared with; 0 when none. */
static double row_ref_value(const struct bench_row *r, const char **label,
			    char *buf, size_t bufsz)
{
	struct summary s;

	*label = "";
	switch (r->ref) {
	case BENCH_REF_STORE:
	case BENCH_REF_LOAD:
	case BENCH_REF_CHAIN:
	case BENCH_REF_MEMCPY:
		if (!summarize(r->ref_v, r->nref, &s))
			return 0;
		snprintf(buf, bufsz, "%s(%llu) %.3g", ref_name(r->ref),
			 (unsigned long long)r->ref_n, s.median);
		*label = buf;
		return s.median;
	case BENCH_REF_ROW:
		if (!r->other || r->other->failed ||
		    !summarize(r->other->ns, r->other->n, &s))
			return 0;
		snprintf(buf, bufsz, "%s", r->other->name);
		*label = buf;
		return s.median;
	default:
		return 0;
	}
}

/* Ratio of a row to its reference: per entry for the loops, per op else. */
static double row_ratio(const struct bench_row *r, double median,
			double refv)
{
	if (refv <= 0)
		return 0;
	if (r->ref == BENCH_REF_STORE || r->ref == BENCH_REF_LOAD ||
	    r->ref == BENCH_REF_MEMCPY)
		return median / (double)r->entries / refv;
	return median / refv;
}

/* ------------------------------------------------------------- output -- */

static void cpu_model(char *buf, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, n, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 2;
		colon[strcspn(colon, "\n")] = 0;
		snprintf(buf, n, "%s", colon);
		break;
	}
	fclose(f);
}

/* The 1-minute load average when the run ends: how busy the machine was. */
static double loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(double seconds)
{
	char cpu[128], buf[96];

	cpu_model(cpu, sizeof(cpu));
	printf("{\n  \"schema\": 1,\n  \"machine\": {\"cpu\": ");
	json_str(cpu);
	printf(", \"online_cpus\": %ld, \"loadavg_1min_start\": %.2f, "
	       "\"loadavg_1min_end\": %.2f},\n", sysconf(_SC_NPROCESSORS_ONLN),
	       g_load_start, loadavg());
	printf("  \"options\": {\"reps\": %u, \"warmup\": %u, \"quick\": %s, "
	       "\"filter\": ", g_opts->reps, g_opts->warmup,
	       g_opts->quick ? "true" : "false");
	json_str(g_opts->filter ? g_opts->filter : "");
	printf("},\n  \"seconds\": %.3f,\n  \"references\": [", seconds);
	for (unsigned int i = 0; i < g_nrefs; i++) {
		const struct bench_ref *ref = &g_refs[i];
		struct summary s, s0, s1;

		summarize(ref->v, ref->count, &s);
		summarize(ref->v, ref->nstart, &s0);
		summarize(ref->v + ref->nlast, ref->count - ref->nlast, &s1);
		printf("%s\n    {\"name\": \"%s\", \"n\": %llu, \"unit\": \"%s\", "
		       "\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, "
		       "\"p25\": %.6g, \"p75\": %.6g, \"samples\": %u, "
		       "\"median_first\": %.6g, \"median_last\": %.6g%s",
		       i ? "," : "", ref_name(ref->kind),
		       (unsigned long long)ref->n, ref_unit(ref->kind),
		       s.median, s.min, s.max, s.p25, s.p75, ref->count,
		       s0.median, s1.median,
		       ref->kind == BENCH_REF_CHAIN ? "" : "}");
		if (ref->kind == BENCH_REF_CHAIN)
			printf(", \"arena_bytes\": %llu}",
			       (unsigned long long)bench_ref_chain_arena_bytes());
	}
	printf("\n  ],\n  \"results\": [");
	for (unsigned int i = 0; i < g_nrows; i++) {
		const struct bench_row *r = g_rows[i];
		const char *label;
		struct summary s;
		bool ok = !r->failed && summarize(r->ns, r->n, &s);
		double refv = ok ? row_ref_value(r, &label, buf, sizeof(buf)) : 0;
		double ratio = ok ? row_ratio(r, s.median, refv) : 0;

		printf("%s\n    {\"format\": ", i ? "," : "");
		json_str(r->fmt);
		printf(", \"case\": ");
		json_str(r->name);
		printf(", \"unit\": \"%s\", \"entries_per_op\": %llu, "
		       "\"status\": \"%s\"", r->unit,
		       (unsigned long long)r->entries, ok ? "ok" : "failed");
		if (!ok) {
			printf(", \"error\": ");
			json_str(r->failed ? r->why : "no samples");
			printf("}");
			continue;
		}
		printf(", \"reps\": %u, \"median_ns\": %.6g, \"min_ns\": %.6g, "
		       "\"max_ns\": %.6g, \"p25_ns\": %.6g, \"p75_ns\": %.6g, "
		       "\"ns_per_entry\": %.6g", r->n, s.median, s.min, s.max,
		       s.p25, s.p75, s.median / (double)r->entries);
		if (r->gbps)
			printf(", \"entries_gb_per_s\": %.6g",
			       8.0 * (double)r->entries / s.median);
		if (r->mbps)
			printf(", \"mb_per_s\": %.6g",
			       8e3 * (double)r->entries / s.median);
		if (r->rate)
			printf(", \"ops_per_s\": %.6g", 1e9 / s.median);
		if (r->nmetric) {
			printf(", \"metrics\": {");
			for (unsigned int m = 0; m < r->nmetric; m++)
				printf("%s\"%s\": %.6g", m ? ", " : "",
				       r->metric_name[m], r->metric[m]);
			printf("}");
		}
		if (r->ref) {
			printf(", \"reference\": \"%s\", \"reference_n\": %llu, "
			       "\"reference_value\": %.6g, \"ratio\": %.6g",
			       r->ref == BENCH_REF_ROW ? label : ref_name(r->ref),
			       (unsigned long long)r->ref_n, refv, ratio);
			if (r->goal > 0)
				printf(", \"goal_ratio\": %.6g, \"goal_met\": %s",
				       r->goal, ratio <= r->goal ? "true" : "false");
			if (r->scaling && ratio > 0)
				printf(", \"scaling\": %.6g", 1.0 / ratio);
		}
		if (r->ext_label) {
			printf(", \"external\": {\"label\": ");
			json_str(r->ext_label);
			printf(", \"ns\": %.6g, \"ratio\": %.6g}", r->ext_ns,
			       s.median / r->ext_ns);
		}
		printf("}");
	}
	printf("\n  ],\n  \"skipped\": [");
	for (unsigned int i = 0; i < g_nskips; i++) {
		printf("%s\n    {\"what\": ", i ? "," : "");
		json_str(g_skips[i].what);
		printf(", \"why\": ");
		json_str(g_skips[i].why);
		printf("}");
	}
	printf("\n  ]\n}\n");
}

/* A figure in ns with a unit that keeps it to about four digits. */
static const char *fmt_ns(char *buf, size_t n, double ns)
{
	if (ns >= 1e7)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else if (ns >= 1e4)
		snprintf(buf, n, "%.1f us", ns / 1e3);
	else if (ns >= 100)
		snprintf(buf, n, "%.0f ns", ns);
	else
		snprintf(buf, n, "%.2f ns", ns);
	return buf;
}

/* Per case with a goal: on how many formats it was met, and the ratios. */
static void print_goals(void)
{
	char buf[96];
	bool any = false;

	for (unsigned int i = 0; i < g_nrows; i++) {
		const struct bench_row *r = g_rows[i];
		unsigned int met = 0, total = 0;
		double lo = 0, hi = 0;
		bool seen = false;
		const char *label;

		if (r->goal <= 0)
			continue;
		for (unsigned int j = 0; j < i && !seen; j++)
			seen = g_rows[j]->goal > 0 && !strcmp(g_rows[j]->name, r->name);
		if (seen)
			continue;
		for (unsigned int j = i; j < g_nrows; j++) {
			const struct bench_row *o = g_rows[j];
			struct summary s;
			double ratio;

			if (o->goal <= 0 || strcmp(o->name, r->name) || o->failed ||
			    !summarize(o->ns, o->n, &s))
				continue;
			ratio = row_ratio(o, s.median,
					  row_ref_value(o, &label, buf, sizeof(buf)));
			if (ratio <= 0)
				continue;
			if (!total || ratio < lo)
				lo = ratio;
			if (!total || ratio > hi)
				hi = ratio;
			total++;
			met += ratio <= o->goal;
		}
		if (!total)
			continue;
		if (!any)
			printf("\nGoals (reported, not asserted): ratio <= goal on how "
			       "many formats, and the range of ratios:\n");
		any = true;
		printf("  %-26s <=%-4g met on %2u of %2u   %.2fx..%.2fx\n", r->name,
		       r->goal, met, total, lo, hi);
	}
}

static void print_table(double seconds)
{
	char cpu[128], a[32], b[32], c[32], d[32], label_buf[96];
	const char *prev_fmt = "";

	cpu_model(cpu, sizeof(cpu));
	printf("iommupt-bench: %s, %ld CPUs online, load average %.2f at the "
	       "start and %.2f at the end; %u reps after %u warm-ups; median "
	       "[min..max] and IQR as %% of median\n\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), g_load_start, loadavg(),
	       g_opts->reps, g_opts->warmup);
	printf("References, all samples of this run (each ratio below uses the "
	       "samples taken just before its case; first/last: medians of the "
	       "first samples and of those taken at the end):\n");
	for (unsigned int i = 0; i < g_nrefs; i++) {
		const struct bench_ref *ref = &g_refs[i];
		struct summary s, s0, s1;

		summarize(ref->v, ref->count, &s);
		summarize(ref->v, ref->nstart, &s0);
		summarize(ref->v + ref->nlast, ref->count - ref->nlast, &s1);
		printf("  %-10s n=%-7llu %9.3f %-8s [%.3f..%.3f] first %.3f last %.3f",
		       ref_name(ref->kind), (unsigned long long)ref->n, s.median,
		       ref_unit(ref->kind), s.min, s.max, s0.median, s1.median);
		if (ref->kind == BENCH_REF_CHAIN)
			printf("  (pages spread over %llu KiB)",
			       (unsigned long long)(bench_ref_chain_arena_bytes() >> 10));
		printf("\n");
	}
	printf("\n%-22s %-24s %10s %-4s %10s %22s %5s  %-27s %7s %s\n",
	       "format", "case", "median", "per", "per entry", "[min..max]",
	       "IQR", "reference", "ratio", "goal");
	for (unsigned int i = 0; i < g_nrows; i++) {
		const struct bench_row *r = g_rows[i];
		const char *label;
		struct summary s;
		bool ok = !r->failed && summarize(r->ns, r->n, &s);

		if (strcmp(prev_fmt, r->fmt)) {
			if (i)
				printf("\n");
			prev_fmt = r->fmt;
		}
		if (!ok) {
			printf("%-22s %-24s FAILED: %s\n", r->fmt, r->name,
			       r->failed ? r->why : "no samples");
			continue;
		}
		double refv = row_ref_value(r, &label, label_buf, sizeof(label_buf));
		double ratio = row_ratio(r, s.median, refv);
		char range[48], goal[160] = "";

		snprintf(range, sizeof(range), "[%s..%s]",
			 fmt_ns(a, sizeof(a), s.min), fmt_ns(b, sizeof(b), s.max));
		if (r->goal > 0)
			snprintf(goal, sizeof(goal), "<=%gx %s", r->goal,
				 ratio <= r->goal ? "met" : "MISSED");
		if (r->gbps)
			snprintf(goal + strlen(goal), sizeof(goal) - strlen(goal),
				 "%s%.2f GB/s", *goal ? "; " : "",
				 8.0 * (double)r->entries / s.median);
		if (r->mbps)
			snprintf(goal + strlen(goal), sizeof(goal) - strlen(goal),
				 "%s%.0f MB/s", *goal ? "; " : "",
				 8e3 * (double)r->entries / s.median);
		if (!r->gbps && !r->mbps && r->scaling && ratio > 0)
			snprintf(goal, sizeof(goal), "scaling %.2fx (ideal 2)",
				 1.0 / ratio);
		if (r->rate)
			snprintf(goal + strlen(goal), sizeof(goal) - strlen(goal),
				 "%s%.3g M/s", *goal ? "; " : "", 1e3 / s.median);
		for (unsigned int m = 0; m < r->nmetric; m++)
			snprintf(goal + strlen(goal), sizeof(goal) - strlen(goal),
				 "%s%s %.4g", *goal ? "; " : "", r->metric_name[m],
				 r->metric[m]);
		printf("%-22s %-24s %10s %-4s %10s %22s %4.0f%%  %-27s",
		       r->fmt, r->name, fmt_ns(c, sizeof(c), s.median),
		       strncmp(r->unit, "ns/", 3) ? r->unit : r->unit + 3,
		       fmt_ns(d, sizeof(d), s.median / (double)r->entries),
		       range, s.median > 0 ? 100 * (s.p75 - s.p25) / s.median : 0,
		       label);
		if (ratio > 0)
			printf(" %6.2fx %s\n", ratio, goal);
		else
			printf(" %7s %s\n", "-", goal);
	}
	print_goals();
	for (unsigned int i = 0, first = 1; i < g_nrows; i++) {
		const struct bench_row *r = g_rows[i];
		struct summary s;

		if (!r->ext_label || r->failed || !summarize(r->ns, r->n, &s))
			continue;
		if (first) {
			printf("\nPublished figures, for orientation only (other "
			       "machine, other code):\n");
			first = 0;
		}
		printf("  %-22s %-24s %10s here vs %s %s: %.2fx\n", r->fmt,
		       r->name, fmt_ns(a, sizeof(a), s.median),
		       fmt_ns(b, sizeof(b), r->ext_ns), r->ext_label,
		       s.median / r->ext_ns);
	}
	if (g_nskips) {
		printf("\nNot run:\n");
		for (unsigned int i = 0; i < g_nskips; i++)
			printf("  %-28s %s\n", g_skips[i].what, g_skips[i].why);
	}
	printf("\nTotal %.1f s. Ratios: store/load-loop and memcpy rows per "
	       "entry, dep-chain rows per op, thread rows per op against 1 "
	       "thread.\n",
	       seconds);
}

/* --------------------------------------------------------------- main -- */

int bench_main(const struct bench_opts *opts, const struct bench_case *cases,
	       unsigned int ncases)
{
	uint64_t t0 = bench_now_ns();
	double seconds;
	int failed = 0;
	bool progress = !opts->json && isatty(2);

	g_opts = opts;
	g_load_start = loadavg();
	/*
	 * The limits of the groups still to land are measured and reported
	 * already: the load loop over the entries of 16 GiB of 4K pages (the
	 * dirty scan's limit) and the store loop over those of 1 GiB.
	 */
	local_refs_reset();
	(void)ref_take(ref_get(BENCH_REF_LOAD, (16ull << 30) >> 12), opts->reps, NULL);
	(void)ref_take(ref_get(BENCH_REF_STORE, (1ull << 30) >> 12), opts->reps, NULL);
	for (unsigned int k = 0; k < ncases; k++)
		if (!cases[k].run)
			add_skip(cases[k].name, "%s", cases[k].pending);
	for (unsigned int f = 0; f < bench_nfmts; f++) {
		const struct bench_fmt *fmt = &bench_fmts[f];
		struct bench_ctx c = { .opts = opts, .fmt = fmt };
		struct bench_dom b;
		int rc = bench_dom_create(&b, fmt, 0);

		if (rc) {
			char what[64];

			snprintf(what, sizeof(what), "%s/*", fmt->name);
			add_skip(what, "format not available here: %s",
				 iommupt_strerror(rc));
			continue;
		}
		c.info.sz = sizeof(c.info);
		rc = iommupt_domain_get_info(b.dom, &c.info);
		bench_dom_destroy(&b);
		if (rc) {
			fprintf(stderr, "%s: get_info: %s\n", fmt->name,
				iommupt_strerror(rc));
			return 1;
		}
		for (unsigned int k = 0; k < ncases; k++) {
			const struct bench_case *bc = &cases[k];

			if (!bc->run)
				continue;
			if (bc->needs & ~fmt->caps) {
				char what[64];

				snprintf(what, sizeof(what), "%s/%s", fmt->name,
					 bc->name);
				add_skip(what, "%s", bc->pending ? bc->pending :
					 "the format lacks what the case needs");
				continue;
			}
			/* The same sequence each run, different per case/format. */
			local_refs_reset();
			c.rng = 0x9e3779b97f4a7c15ull * (f + 1) + 0x632be59bd9b4e019ull * (k + 1);
			if (progress) {
				fprintf(stderr, "\r%-24s %-20s", fmt->name, bc->name);
				fflush(stderr);
			}
			bc->run(&c);
		}
	}
	/* Sample the references again: pooled, and first/last for drift. */
	for (unsigned int i = 0; i < g_nrefs; i++) {
		g_refs[i].nlast = g_refs[i].count;
		(void)ref_take(&g_refs[i], opts->reps, NULL);
	}
	if (progress)
		fprintf(stderr, "\r%50s\r", "");
	seconds = (double)(bench_now_ns() - t0) / 1e9;
	if (opts->json)
		print_json(seconds);
	else
		print_table(seconds);
	for (unsigned int i = 0; i < g_nrows; i++) {
		failed |= g_rows[i]->failed;
		free(g_rows[i]);
	}
	free(g_rows);
	fflush(stdout);
	return failed ? 1 : 0;
}
