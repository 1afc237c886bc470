// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommupt-bench: map/unmap and dirty-scan (and, as they land, serialize
 * and simulator) figures for every format configuration, each beside a
 * reference loop measured in the same run. Not a test: it reports, it
 * does not assert speed. Exit status is non-zero only when a case failed
 * to do its work (a map or unmap returned an error).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cases.h"

/*
 * Every case group. A group that is not written yet has run = NULL and
 * says what it waits for; a group that needs a capability only some
 * formats have sets needs (and those formats set caps in formats.c).
 */
static const struct bench_case cases[] = {
	{ "single", bench_case_single, 0, NULL },
	{ "bulk256", bench_case_bulk256, 0, NULL },
	{ "gig", bench_case_gig, 0, NULL },
	{ "mix", bench_case_mix, 0, NULL },
	{ "threads", bench_case_threads, 0, NULL },
	{ "dirty", bench_case_dirty, 0, NULL },
	{ "serialize", bench_case_serialize, 0, NULL },
	{ "sim", bench_case_sim, BENCH_NEED_SIM,
	  "simulated on vtdss-4lvl and amdv1-4lvl only (4-level VT-d and AMD-Vi units)" },
};

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--json] [--filter TEXT] [--reps N] [--warmup N] [--quick]\n"
		"  --json         machine-readable report on stdout\n"
		"  --filter TEXT  only rows whose \"format/case\" contains TEXT\n"
		"  --reps N       timed repetitions per row (default 21; quick 3)\n"
		"  --warmup N     untimed repetitions first (default 3; quick 1)\n"
		"  --quick        smaller working sets and fewer repetitions\n",
		argv0);
}

static unsigned int parse_count(const char *s, const char *what,
				unsigned int min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > BENCH_MAX_REPS) {
		fprintf(stderr, "iommupt-bench: bad %s '%s' (%u..%u)\n", what, s,
			min, BENCH_MAX_REPS);
		exit(2);
	}
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "filter", required_argument, NULL, 'f' },
		{ "reps", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts opts = { 0 };
	int reps = -1, warmup = -1, opt;

	while ((opt = getopt_long(argc, argv, "jf:r:w:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'f':
			opts.filter = optarg;
			break;
		case 'r':
			reps = (int)parse_count(optarg, "--reps", 1);
			break;
		case 'w':
			warmup = (int)parse_count(optarg, "--warmup", 0);
			break;
		case 'q':
			opts.quick = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	opts.reps = reps >= 0 ? (unsigned int)reps : opts.quick ? 3 : 21;
	opts.warmup = warmup >= 0 ? (unsigned int)warmup : opts.quick ? 1 : 3;
	return bench_main(&opts, cases, sizeof(cases) / sizeof(cases[0]));
}
