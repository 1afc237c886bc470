// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-sim's runner (tools/simrun*): scenario parsing (bad JSON, unknown
 * keys, wrong types, out-of-range values, dangling references, mutated
 * files never crash), the device models (a strict NIC invalidates once
 * per buffer, a lazy one once per batch, none leaves stale translations;
 * stray accesses fault), live migration on each vendor (every round's
 * harvest equals the pages the devices wrote), live update on each vendor
 * (same roots, same translations, no fault), and determinism.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/simrun-result.h"

static char err[512];

static int parse(const char *json, struct sr_scenario *sc)
{
	err[0] = 0;
	return sr_scenario_parse(json, strlen(json), "t.json", sc, err,
				 sizeof(err));
}

static struct sr_result *run(const char *json)
{
	struct sr_scenario *sc = calloc(1, sizeof(*sc));
	struct sr_run_opts ro = { 0 };
	struct sr_result *r = NULL;

	ck_assert_ptr_nonnull(sc);
	ck_assert_msg(parse(json, sc) == 0, "parse: %s", err);
	ck_assert_msg(sr_run(sc, &ro, &r, err, sizeof(err)) == 0, "run: %s",
		      err);
	free(sc);
	return r;
}

/* ---- parsing ---------------------------------------------------------- */

#define UNIT "\"units\": [{\"name\": \"u\", \"vendor\": \"vtd\"}], "
#define DOM "\"domains\": [{\"name\": \"d\", \"unit\": \"u\"}], "
#define DEV "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", " \
	    "\"sid\": \"00:01.0\", \"workload\": \"seq\"}]"
#define DUR "\"duration\": {\"transactions\": 10}, "

static const struct {
	const char *json, *want;
} bad[] = {
	{ "", "t.json:1:1: unexpected end of file" },
	{ "{\n  \"seed\": 1,\n  oops\n}", "t.json:3:" },
	{ "{ \"seed\": 1 } x", "t.json:1:15: " },
	{ "[]", "must be a JSON object" },
	{ "{" DUR UNIT DOM DEV ", \"colour\": 1}", "unknown key \"colour\"" },
	{ "{" UNIT DOM DEV "}", "missing key \"duration\"" },
	{ "{\"duration\": {\"transactions\": 1, \"cycles\": 5}, " UNIT DOM DEV
	  "}", "exactly one of" },
	{ "{\"duration\": {\"transactions\": 0}, " UNIT DOM DEV "}",
	  "duration.transactions: 0 is out of range" },
	{ "{\"duration\": {\"transactions\": -4}, " UNIT DOM DEV "}",
	  "duration.transactions: must not be negative" },
	{ "{\"duration\": {\"transactions\": \"lots\"}, " UNIT DOM DEV "}",
	  "is not a number" },
	{ "{" DUR "\"units\": [], " DOM DEV "}", "units: must not be empty" },
	{ "{" DUR "\"units\": [{\"name\": \"u\", \"vendor\": \"ibm\"}], " DOM
	  DEV "}", "units[0].vendor: \"ibm\" is not one of: vtd, amd, smmu" },
	{ "{" DUR "\"units\": [{\"name\": \"u\", \"vendor\": \"vtd\", "
	  "\"iotlb\": {\"sets\": 64, \"ways\": 65}}], " DOM DEV "}",
	  "units[0].iotlb.ways: 65 is out of range" },
	{ "{" DUR "\"units\": [{\"name\": \"u\", \"vendor\": \"smmu\", "
	  "\"walk_cache\": {\"sets\": 4, \"ways\": 4}}], " DOM DEV "}",
	  "no walk caches" },
	{ "{" DUR "\"units\": [{\"name\": \"u\", \"vendor\": \"vtd\", "
	  "\"cycles\": {\"link\": true}}], " DOM DEV "}",
	  "units[0].cycles.link: expected an integer, got boolean" },
	{ "{" DUR "\"units\": [{\"name\": \"u\", \"vendor\": \"vtd\"}, "
	  "{\"name\": \"u\", \"vendor\": \"amd\"}], " DOM DEV "}",
	  "a second unit called \"u\"" },
	{ "{" DUR UNIT "\"domains\": [{\"name\": \"d\", \"unit\": \"v\"}], "
	  DEV "}", "domains[0].unit: no unit is called \"v\"" },
	{ "{" DUR UNIT "\"domains\": [{\"name\": \"d\", \"unit\": \"u\", "
	  "\"format\": \"arm-s1\"}], " DEV "}",
	  "format arm-s1 cannot be attached to a vtd unit" },
	{ "{" DUR UNIT "\"domains\": [{\"name\": \"d\", \"unit\": \"u\", "
	  "\"levels\": 7}], " DEV "}", "domains[0].levels: 7 is out of range" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": \"00:20.0\", \"workload\": \"seq\"}]}",
	  "devices[0].sid: \"00:20.0\": segment 0" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\", \"ring\": 4}]}",
	  "devices[0]: unknown key \"ring\"" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\", \"xfer\": 96}]}",
	  "devices[0].xfer: 96 is not a power of two" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\", \"write\": 1.5}]}",
	  "devices[0].write: 1.5 is out of range" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"nic\", \"io\": 8192}]}",
	  "devices[0].io: 8192 is larger than the buffer" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\"}, {\"name\": \"y\", "
	  "\"domain\": \"d\", \"sid\": \"00:00.1\", \"workload\": \"seq\"}]}",
	  "sid 0x1 is already used by device \"x\"" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"a b\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\"}]}", "use letters, digits" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\", \"window\": \"12Q\"}]}",
	  "devices[0].window: \"12Q\" is not a size" },
	{ "{" DUR UNIT DOM DEV ", \"migration\": {\"rounds\": 0}}",
	  "migration.rounds: 0 is out of range" },
	{ "{" DUR UNIT DOM "\"devices\": [{\"name\": \"x\", \"domain\": \"d\", "
	  "\"sid\": 1, \"workload\": \"seq\", \"window\": \"64G\"}, "
	  "{\"name\": \"y\", \"domain\": \"d\", \"sid\": 2, "
	  "\"workload\": \"seq\", \"window\": \"64G\"}, "
	  "{\"name\": \"z\", \"domain\": \"d\", \"sid\": 3, "
	  "\"workload\": \"seq\", \"window\": \"4K\"}]}",
	  "devices[2]: the windows need more than 33554432 leaves" },
};

START_TEST(test_bad_scenarios_are_rejected_with_where)
{
	struct sr_scenario *sc = calloc(1, sizeof(*sc));

	ck_assert_int_eq(parse(bad[_i].json, sc), -EINVAL);
	ck_assert_msg(strstr(err, bad[_i].want), "case %d: got \"%s\", want "
		      "\"%s\"", _i, err, bad[_i].want);
	ck_assert_msg(!strncmp(err, "t.json:", 7), "no origin: %s", err);
	free(sc);
}
END_TEST

START_TEST(test_good_scenario_and_defaults)
{
	struct sr_scenario *sc = calloc(1, sizeof(*sc));

	ck_assert_int_eq(parse("{" DUR UNIT DOM DEV "}", sc), 0);
	ck_assert_uint_eq(sc->nr_units, 1);
	ck_assert_uint_eq(sc->devices[0].sid, 0x08);
	ck_assert_uint_eq(sc->domains[0].levels, 4);
	ck_assert_uint_eq(sc->devices[0].xfer, 4096);
	ck_assert(sc->units[0].stale_check);
	ck_assert(!sc->migration.on);
	ck_assert_int_eq(sr_scenario_parse(sr_default_scenario,
					   strlen(sr_default_scenario), "d",
					   sc, err, sizeof(err)), 0);
	ck_assert_uint_eq(sc->nr_units, 3);
	ck_assert(sc->migration.on && sc->live_update.on);
	free(sc);
}
END_TEST

/* Mutated copies of the default scenario: parse or refuse, never crash. */
START_TEST(test_mutated_scenarios_never_crash)
{
	size_t len = strlen(sr_default_scenario);
	char *buf = malloc(len + 1);
	struct sr_scenario *sc = calloc(1, sizeof(*sc));
	uint64_t x = 88172645463325252ull;
	unsigned int refused = 0;

	for (unsigned int n = 0; n < 3000; n++) {
		size_t cut = len;
		int rc;

		memcpy(buf, sr_default_scenario, len + 1);
		for (unsigned int k = 0; k < 1 + n % 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % len] = (char)(" 0:{}[]\",9-x\\"[(x >> 32) % 13]);
		}
		if (n % 5 == 0)
			cut = (size_t)(x >> 40) % len;
		rc = sr_scenario_parse(buf, cut, "m", sc, err, sizeof(err));
		ck_assert(rc == 0 || rc == -EINVAL);
		if (rc) {
			ck_assert(err[0] != 0);
			refused++;
		}
	}
	ck_assert_uint_gt(refused, 1000);
	free(buf);
	free(sc);
}
END_TEST

/* ---- device models ---------------------------------------------------- */

static const char *const vendors[] = { "vtd", "amd", "smmu" };

static char *scenario(const char *vendor, const char *devices,
		      const char *extra, unsigned int txns)
{
	char *s = malloc(4096);

	snprintf(s, 4096, "{\"seed\": 7, \"duration\": {\"transactions\": %u},"
		 " \"units\": [{\"name\": \"u\", \"vendor\": \"%s\"}],"
		 " \"domains\": [{\"name\": \"d\", \"unit\": \"u\"}],"
		 " \"devices\": [%s]%s}", txns, vendor, devices, extra);
	return s;
}

/* buffers done after n transactions of io/xfer each (one step recycles) */
static uint64_t buffers_done(uint64_t n, uint64_t per)
{
	return n ? (n - 1) / per : 0;
}

START_TEST(test_strict_nic_invalidates_every_buffer)
{
	char *s = scenario(vendors[_i], "{\"name\": \"n\", \"domain\": \"d\", "
			   "\"sid\": 9, \"workload\": \"nic\", \"ring\": 8, "
			   "\"buffer\": 2048, \"xfer\": 256}", "", 5000);
	struct sr_result *r = run(s);
	const struct sr_dev_res *d = &r->dev[0];
	uint64_t done = buffers_done(d->txns, 2048 / 256);

	ck_assert_uint_eq(d->txns, 5000);
	ck_assert_uint_eq(d->unmaps, done);
	ck_assert_uint_eq(d->maps, 8 + done);
	ck_assert_uint_eq(d->invalidations, done);
	ck_assert_uint_eq(r->unit[0].inv.range + r->unit[0].inv.domain, done);
	ck_assert_uint_eq(d->stale, 0);
	ck_assert_uint_eq(d->faults, 0);
	ck_assert_uint_eq(d->bytes, 5000 * 256);
	ck_assert(!sr_result_failed(r));
	sr_result_free(r);
	free(s);
}
END_TEST

START_TEST(test_lazy_nic_batches_invalidations)
{
	char *s = scenario(vendors[_i], "{\"name\": \"n\", \"domain\": \"d\", "
			   "\"sid\": 9, \"workload\": \"nic\", \"ring\": 8, "
			   "\"buffer\": 4096, \"xfer\": 512, \"invalidation\": "
			   "\"lazy\", \"batch\": 5}", "", 6000);
	struct sr_result *r = run(s);
	const struct sr_dev_res *d = &r->dev[0];
	uint64_t done = buffers_done(d->txns, 4096 / 512);

	ck_assert_uint_eq(d->unmaps, done);
	ck_assert_uint_eq(d->invalidations, done / 5);
	ck_assert_uint_eq(r->unit[0].inv.domain, done / 5);
	ck_assert_uint_eq(r->unit[0].inv.range, 0);
	ck_assert_uint_eq(d->stale, 0);
	ck_assert_uint_eq(d->faults, 0);
	sr_result_free(r);
	free(s);
}
END_TEST

/* Without invalidation a recycled IOVA keeps its old translation. */
START_TEST(test_nic_without_invalidation_goes_stale)
{
	char *s = scenario(vendors[_i], "{\"name\": \"n\", \"domain\": \"d\", "
			   "\"sid\": 9, \"workload\": \"nic\", \"ring\": 4, "
			   "\"buffer\": 4096, \"xfer\": 1024, \"invalidation\": "
			   "\"none\"}", "", 3000);
	struct sr_result *r = run(s);

	ck_assert_uint_eq(r->dev[0].invalidations, 0);
	ck_assert_uint_gt(r->dev[0].stale, 0);
	ck_assert_uint_eq(r->unit[0].st.stale, r->dev[0].stale);
	sr_result_free(r);
	free(s);
}
END_TEST

START_TEST(test_stray_accesses_fault)
{
	char *s = scenario(vendors[_i], "{\"name\": \"a\", \"domain\": \"d\", "
			   "\"sid\": 9, \"workload\": \"random\", \"window\": "
			   "\"1M\", \"stray\": 0.05}", "", 4000);
	struct sr_result *r = run(s);

	ck_assert_uint_gt(r->dev[0].faults, 100);
	ck_assert_uint_lt(r->dev[0].faults, 400);
	ck_assert_uint_eq(r->unit[0].st.faults, r->dev[0].faults);
	sr_result_free(r);
	free(s);
}
END_TEST

/*
 * Migration on each vendor: a writer on 4K and 2M pages and a strict NIC
 * (whose unmaps take written pages away) share a tracked domain; every
 * round's harvest equals what the devices wrote and is still mapped.
 */
START_TEST(test_migration_rounds_harvest_what_was_written)
{
	char *s = scenario(vendors[_i],
		"{\"name\": \"w\", \"domain\": \"d\", \"sid\": 9, "
		"\"workload\": \"writer\", \"window\": \"4M\"}, "
		"{\"name\": \"b\", \"domain\": \"d\", \"sid\": 10, "
		"\"workload\": \"random\", \"window\": \"8M\", \"page\": \"2m\", "
		"\"write\": 0.01}, "
		"{\"name\": \"n\", \"domain\": \"d\", \"sid\": 11, "
		"\"workload\": \"nic\", \"ring\": 16, \"buffer\": 4096}",
		", \"migration\": {\"rounds\": 6, \"first_round\": 3000, "
		"\"copy_ratio\": 1, \"stop_below\": 0}", 2000);
	struct sr_result *r = run(s);
	uint64_t sum = 0;

	ck_assert_uint_ge(r->nr_rounds, 2);
	for (unsigned int i = 0; i < r->nr_rounds; i++) {
		ck_assert_uint_eq(r->rounds[i].harvested, r->rounds[i].expected);
		sum += r->rounds[i].harvested;
	}
	ck_assert_uint_gt(r->rounds[0].harvested, 0);
	/* the writer's window has 1024 pages: a round cannot exceed it + 2M
	 * pages of b + the NIC's ring */
	ck_assert_uint_le(r->rounds[0].harvested, 1024 + 4 * 512 + 16);
	ck_assert_uint_eq(r->dev[0].dirty + r->dev[1].dirty + r->dev[2].dirty,
			  sum);
	ck_assert(!sr_result_failed(r));
	sr_result_free(r);
	free(s);
}
END_TEST

START_TEST(test_live_update_keeps_translations)
{
	char *s = scenario(vendors[_i],
		"{\"name\": \"s\", \"domain\": \"d\", \"sid\": 9, "
		"\"workload\": \"seq\", \"window\": \"2M\"}, "
		"{\"name\": \"n\", \"domain\": \"d\", \"sid\": 10, "
		"\"workload\": \"nic\", \"ring\": 8, \"invalidation\": \"lazy\", "
		"\"batch\": 3}",
		", \"live_update\": {\"gap\": 2000}", 3000);
	struct sr_result *r = run(s);

	ck_assert(r->lu_done);
	ck_assert_uint_eq(r->lu_domains, 1);
	ck_assert_uint_gt(r->lu_blob_bytes, 0);
	ck_assert_uint_eq(r->lu_root_changed, 0);
	ck_assert_uint_eq(r->lu_xlate_changed, 0);
	ck_assert_uint_eq(r->lu_faults, 0);
	ck_assert_uint_eq(r->total_txns, 3000 + 2 * 2000);
	/* the NIC recycled buffers after the restore too */
	ck_assert_uint_gt(r->dev[1].unmaps, 0);
	ck_assert(!sr_result_failed(r));
	sr_result_free(r);
	free(s);
}
END_TEST

static char *report(struct sr_result *r, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	ck_assert_ptr_nonnull(f);
	sr_report_json(r, f);
	fclose(f);
	return buf;
}

START_TEST(test_runs_are_deterministic_per_seed)
{
	struct sr_scenario *sc = calloc(1, sizeof(*sc));
	struct sr_run_opts ro = { 0 };
	struct sr_result *a, *b, *c;
	char *ja, *jb, *jc;
	size_t la, lb, lc;

	ck_assert_int_eq(sr_scenario_parse(sr_default_scenario,
					   strlen(sr_default_scenario), "d",
					   sc, err, sizeof(err)), 0);
	sc->txns = 20000;
	sc->migration.first_round = 2000;
	sc->live_update.gap = 1000;
	ck_assert_int_eq(sr_run(sc, &ro, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(sr_run(sc, &ro, &b, err, sizeof(err)), 0);
	sc->seed++;
	ck_assert_int_eq(sr_run(sc, &ro, &c, err, sizeof(err)), 0);
	ja = report(a, &la);
	jb = report(b, &lb);
	jc = report(c, &lc);
	ck_assert_uint_eq(la, lb);
	ck_assert(!memcmp(ja, jb, la));
	ck_assert(la != lc || memcmp(ja, jc, la));
	ck_assert(!sr_result_failed(a));
	free(ja);
	free(jb);
	free(jc);
	sr_result_free(a);
	sr_result_free(b);
	sr_result_free(c);
	free(sc);
}
END_TEST

Suite *simrun_suite(void);

Suite *simrun_suite(void)
{
	Suite *s = suite_create("simrun");
	TCase *p = tcase_create("parse"), *w = tcase_create("workloads");

	tcase_set_timeout(p, 120);
	tcase_set_timeout(w, 300);
	tcase_add_loop_test(p, test_bad_scenarios_are_rejected_with_where, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(p, test_good_scenario_and_defaults);
	tcase_add_test(p, test_mutated_scenarios_never_crash);
	suite_add_tcase(s, p);
	tcase_add_loop_test(w, test_strict_nic_invalidates_every_buffer, 0, 3);
	tcase_add_loop_test(w, test_lazy_nic_batches_invalidations, 0, 3);
	tcase_add_loop_test(w, test_nic_without_invalidation_goes_stale, 0, 3);
	tcase_add_loop_test(w, test_stray_accesses_fault, 0, 3);
	tcase_add_loop_test(w, test_migration_rounds_harvest_what_was_written,
			    0, 3);
	tcase_add_loop_test(w, test_live_update_keeps_translations, 0, 3);
	tcase_add_test(w, test_runs_are_deterministic_per_seed);
	suite_add_tcase(s, w);
	return s;
}
