// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-sim: run IOMMU scenarios on the simulator (libiommusim) with
 * tables built by libiommupt, and replay traces.
 *
 *   iommu-sim                      the default scenario, with its report
 *   iommu-sim run [SCENARIO] ...   a scenario file (sim/SCENARIOS.md)
 *   iommu-sim replay TRACE ...     a trace (sim/TRACE.md)
 *   iommu-sim scenario             print the default scenario
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iommupt/common.h>

#include "sim-replay.h"
#include "simrun.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommu-sim [run] [SCENARIO.json] [options]\n"
		"       iommu-sim replay [--json] [--mappings] [--quiet] TRACE\n"
		"       iommu-sim scenario        print the default scenario\n"
		"\n"
		"Without SCENARIO, runs the built-in default scenario: a VT-d, an\n"
		"AMD-Vi and an SMMUv3 unit, six devices, a live migration and a\n"
		"live update. Scenario format: sim/SCENARIOS.md.\n"
		"\n"
		"run options:\n"
		"  --json              report as JSON on stdout\n"
		"  --plot FILE.svg     draw cycles, IOTLB hit rate and dirty pages\n"
		"  --trace FILE        record the run as a trace (sim/TRACE.md)\n"
		"  --seed N            override the scenario's seed\n"
		"  --transactions N    override the main phase's length\n"
		"  --check             only check the scenario\n"
		"  --no-progress       no progress bar on stderr\n"
		"Exit status: 0 ok, 1 the run failed or broke an invariant,\n"
		"2 usage error or bad scenario.\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || *s < '0' || *s > '9') {
		fprintf(stderr, "iommu-sim: %s needs a number\n", opt);
		return -1;
	}
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "iommu-sim: %s: bad number \"%s\"\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "iommu-sim: %s: %s\n", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (fclose(f) || bad) {
		fprintf(stderr, "iommu-sim: %s: write error\n", path);
		return -1;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	const char *file = NULL, *plot = NULL, *trace = NULL;
	bool json = false, check = false, progress = true;
	bool have_seed = false, have_txns = false;
	uint64_t seed = 0, txns = 0;
	struct sr_scenario *sc = calloc(1, sizeof(*sc));
	struct sr_run_opts ro = { 0 };
	struct sr_result *r = NULL;
	char err[512];
	int rc, status = 2;

	if (!sc) {
		fprintf(stderr, "iommu-sim: out of memory\n");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "--no-progress")) {
			progress = false;
		} else if (!strcmp(a, "--plot") || !strcmp(a, "--trace")) {
			if (i + 1 == argc) {
				fprintf(stderr, "iommu-sim: %s needs a file\n", a);
				goto out;
			}
			*(a[2] == 'p' ? &plot : &trace) = argv[++i];
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(a, i + 1 < argc ? argv[++i] : NULL, &seed))
				goto out;
			have_seed = true;
		} else if (!strcmp(a, "--transactions")) {
			if (parse_u64(a, i + 1 < argc ? argv[++i] : NULL, &txns))
				goto out;
			if (!txns || txns > 1000000000) {
				fprintf(stderr, "iommu-sim: --transactions: 1 to "
					"1000000000\n");
				goto out;
			}
			have_txns = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "iommu-sim: unknown option %s\n", a);
			usage(stderr);
			goto out;
		} else if (file) {
			fprintf(stderr, "iommu-sim: one scenario at a time\n");
			goto out;
		} else {
			file = a;
		}
	}
	if (file)
		rc = sr_scenario_load(file, sc, err, sizeof(err));
	else
		rc = sr_scenario_parse(sr_default_scenario,
				       strlen(sr_default_scenario),
				       "default scenario", sc, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "iommu-sim: %s\n", err);
		goto out;
	}
	if (have_seed)
		sc->seed = seed;
	if (have_txns) {
		sc->txns = txns;
		sc->cycles = 0;
	}
	if (check) {
		printf("%s: ok (%u units, %u domains, %u devices)\n",
		       file ? file : "default scenario", sc->nr_units,
		       sc->nr_domains, sc->nr_devices);
		status = 0;
		goto out;
	}
	status = 1;
	if (trace && !(ro.trace = open_out(trace)))
		goto out;
	ro.progress = progress && isatty(STDERR_FILENO);
	rc = sr_run(sc, &ro, &r, err, sizeof(err));
	if (ro.trace && close_out(ro.trace, trace) && !rc)
		rc = -EIO;
	if (rc) {
		if (r == NULL && *err)
			fprintf(stderr, "iommu-sim: %s\n", err);
		goto out;
	}
	if (json)
		sr_report_json(r, stdout);
	else
		sr_report_text(r, stdout);
	if (plot) {
		FILE *f = open_out(plot);

		if (!f)
			goto out;
		rc = sr_report_svg(r, f);
		if (close_out(f, plot) || rc)
			goto out;
		if (!json)
			printf("plot: %s\n", plot);
	}
	if (fflush(stdout) || ferror(stdout))
		goto out;
	status = sr_result_failed(r) ? 1 : 0;
out:
	sr_result_free(r);
	free(sc);
	return status;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "replay"))
		return sim_replay_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "scenario")) {
		if (argc > 2) {
			fprintf(stderr, "usage: iommu-sim scenario\n");
			return 2;
		}
		fputs(sr_default_scenario, stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (argc > 1 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	return cmd_run(argc - 1, argv + 1);
}
