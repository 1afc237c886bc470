// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The report of iommu-sim run: a table for people and JSON for machines.
 * The JSON holds only simulated figures (no wall-clock time), so the same
 * scenario gives the same bytes on every run: the golden regression files
 * in tests/golden/ are such reports.
 */
#include <inttypes.h>
#include <string.h>

#include <iommupt/domain.h>

#include "simrun-result.h"

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static const char *human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double v = (double)n;
	int u = -1;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, n);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

static void pct(char *buf, size_t len, uint64_t a, uint64_t b)
{
	if (b)
		snprintf(buf, len, "%.1f%%", 100.0 * ratio(a, b));
	else
		snprintf(buf, len, "-");
}

static const char *wl_label(const struct sr_device_cfg *d, char *buf,
			    size_t len)
{
	if (d->wl == SR_WL_NIC || d->wl == SR_WL_NVME)
		snprintf(buf, len, "%s/%s", sr_workload_name(d->wl),
			 sr_inval_name(d->inval));
	else
		snprintf(buf, len, "%s", sr_workload_name(d->wl));
	return buf;
}

void sr_report_text(const struct sr_result *r, FILE *f)
{
	const struct sr_scenario *sc = &r->sc;
	char a[32], b[32], c[32];

	fprintf(f, "iommu-sim: scenario \"%s\", seed %" PRIu64 "\n", sc->name,
		sc->seed);
	fprintf(f, "  %u units, %u domains, %u devices: %" PRIu64
		" transactions in %.3f ms simulated (1 GHz)",
		sc->nr_units, sc->nr_domains, sc->nr_devices, r->total_txns,
		(double)r->end_cycles / 1e6);
	if (r->wall_s > 0)
		fprintf(f, "; %.2f s wall, %.2f M translations/s",
			r->wall_s, (double)r->total_txns / r->wall_s / 1e6);
	fprintf(f, "\n\n");

	fprintf(f, "%-10s %-6s %-11s %9s %7s %6s %6s %7s %5s %6s %5s %6s\n",
		"device", "unit", "workload", "txns", "bytes", "IOTLB",
		"walk$", "mean", "p99", "faults", "stale", "dirty");
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		const struct sr_device_cfg *d = &sc->devices[i];
		const struct sr_dev_res *dr = &r->dev[i];
		char w[32];

		pct(a, sizeof(a), dr->iotlb_hits, dr->txns);
		pct(b, sizeof(b), dr->walk_hits, dr->walk_lookups);
		fprintf(f, "%-10s %-6s %-11s %9" PRIu64 " %7s %6s %6s %7.1f %5"
			PRIu64 " %6" PRIu64 " %5" PRIu64 " %6" PRIu64 "\n",
			d->name, sc->units[sc->domains[d->domain].unit].name,
			wl_label(d, w, sizeof(w)), dr->txns,
			human(dr->bytes, c, sizeof(c)), a, b,
			ratio(dr->cycles, dr->txns), dr->p99, dr->faults,
			dr->stale, dr->dirty);
	}
	fprintf(f, "  (IOTLB and walk$: hit rates; walk$ counts walk-cache "
		"probes on IOTLB misses; mean and p99: translation cycles;\n"
		"   dirty: 4K pages harvested during migration)\n\n");

	fprintf(f, "%-6s %-6s %9s %8s %8s %7s %9s %9s %8s %6s %6s %6s %5s\n",
		"unit", "vendor", "txns", "inv-rng", "inv-dom", "cmds",
		"queue-cyc", "walk-rd", "A/D-wr", "IOTLB", "walk$", "ctx$",
		"stale");
	for (unsigned int i = 0; i < sc->nr_units; i++) {
		const struct sr_unit_res *u = &r->unit[i];
		char w[32];

		pct(a, sizeof(a), u->iotlb.hits, u->iotlb.hits + u->iotlb.misses);
		pct(b, sizeof(b), u->walk.hits, u->walk.hits + u->walk.misses);
		pct(w, sizeof(w), u->context.hits,
		    u->context.hits + u->context.misses);
		fprintf(f, "%-6s %-6s %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %7"
			PRIu64 " %9" PRIu64 " %9" PRIu64 " %8" PRIu64
			" %6s %6s %6s %5" PRIu64 "\n",
			sc->units[i].name, sr_vendor_name(sc->units[i].vendor),
			u->st.dma, u->inv.range, u->inv.domain, u->inv.cmds,
			u->st.queue_cycles, u->st.walk_reads, u->st.ad_writes,
			a, u->has_walk ? b : "-", w, u->st.stale);
	}
	fprintf(f, "  (inv-rng/inv-dom: range and domain-wide invalidations "
		"issued; cmds: queue commands, completion waits included)\n");

	if (r->nr_rounds) {
		fprintf(f, "\nlive migration: %u rounds, %s\n", r->nr_rounds,
			r->converged ? "converged" : "did not converge");
		fprintf(f, "  %5s %9s %11s %11s %13s\n", "round", "txns",
			"dirty-pages", "pages-wrote", "items-visited");
		for (unsigned int i = 0; i < r->nr_rounds; i++) {
			const struct sr_round *rd = &r->rounds[i];

			fprintf(f, "  %5u %9" PRIu64 " %11" PRIu64 " %11" PRIu64
				" %13" PRIu64 "%s\n", i + 1, rd->txns,
				rd->harvested, rd->expected, rd->visited,
				rd->harvested == rd->expected ? "" :
				"  MISMATCH");
		}
		fprintf(f, "  (dirty-pages: harvested by read-and-clear; "
			"pages-wrote: distinct 4K pages the devices wrote "
			"and still mapped)\n");
	}
	if (r->lu_done) {
		fprintf(f, "\nlive update: %u domains serialized in place (%s "
			"bytes) and released; %" PRIu64 " transactions with no "
			"domain object, then restored and %" PRIu64 " more:\n",
			r->lu_domains, human(r->lu_blob_bytes, a, sizeof(a)),
			r->lu_gap_txns, r->lu_after_txns);
		fprintf(f, "  roots %s, translations %s, %" PRIu64 " faults\n",
			r->lu_root_changed ? "CHANGED" : "unchanged",
			r->lu_xlate_changed ? "CHANGED" : "unchanged",
			r->lu_faults);
	}
	if (sr_result_failed(r))
		fprintf(f, "\nFAILED:\n%s", r->failures);
	else
		fprintf(f, "\nresult: ok\n");
}

/* ---- JSON ------------------------------------------------------------- */

static void jcache(FILE *f, const char *key,
		   const struct iommusim_cache_stats *c, bool have, bool last)
{
	if (!have) {
		fprintf(f, "      \"%s\": null%s\n", key, last ? "" : ",");
		return;
	}
	fprintf(f, "      \"%s\": {\"hits\": %" PRIu64 ", \"misses\": %" PRIu64
		", \"fills\": %" PRIu64 ", \"evictions\": %" PRIu64
		", \"invalidated\": %" PRIu64 ", \"capacity\": %u}%s\n",
		key, c->hits, c->misses, c->fills, c->evictions, c->invalidated,
		c->capacity, last ? "" : ",");
}

void sr_report_json(const struct sr_result *r, FILE *f)
{
	const struct sr_scenario *sc = &r->sc;

	fprintf(f, "{\n  \"scenario\": \"%s\",\n  \"seed\": %" PRIu64 ",\n",
		sc->name, sc->seed);
	fprintf(f, "  \"transactions\": %" PRIu64 ",\n  \"cycles\": %" PRIu64
		",\n", r->total_txns, r->end_cycles);
	fprintf(f, "  \"main_phase\": {\"transactions\": %" PRIu64
		", \"cycles\": %" PRIu64 "},\n", r->main_txns, r->main_cycles);
	fprintf(f, "  \"devices\": [\n");
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		const struct sr_device_cfg *d = &sc->devices[i];
		const struct sr_dev_res *dr = &r->dev[i];

		fprintf(f, "    {\"name\": \"%s\", \"unit\": \"%s\", "
			"\"domain\": \"%s\", \"workload\": \"%s\", "
			"\"invalidation\": \"%s\",\n",
			d->name, sc->units[sc->domains[d->domain].unit].name,
			sc->domains[d->domain].name, sr_workload_name(d->wl),
			d->wl == SR_WL_NIC || d->wl == SR_WL_NVME ?
			sr_inval_name(d->inval) : "-");
		fprintf(f, "     \"transactions\": %" PRIu64 ", \"bytes\": %"
			PRIu64 ", \"writes\": %" PRIu64 ",\n", dr->txns,
			dr->bytes, dr->writes);
		fprintf(f, "     \"iotlb_hits\": %" PRIu64
			", \"iotlb_hit_rate\": %.6f, \"walk_cache_hits\": %"
			PRIu64 ", \"walk_cache_lookups\": %" PRIu64
			", \"walk_cache_hit_rate\": %.6f,\n", dr->iotlb_hits,
			ratio(dr->iotlb_hits, dr->txns), dr->walk_hits,
			dr->walk_lookups, ratio(dr->walk_hits, dr->walk_lookups));
		fprintf(f, "     \"cycles\": %" PRIu64 ", \"mean_cycles\": %.3f, "
			"\"p50_cycles\": %" PRIu64 ", \"p99_cycles\": %" PRIu64
			", \"max_cycles\": %" PRIu64 ",\n", dr->cycles,
			ratio(dr->cycles, dr->txns), dr->p50, dr->p99,
			dr->max_cycles);
		fprintf(f, "     \"faults\": %" PRIu64 ", \"stale\": %" PRIu64
			", \"dirty_pages\": %" PRIu64 ", \"maps\": %" PRIu64
			", \"unmaps\": %" PRIu64 ", \"invalidations\": %" PRIu64
			"}%s\n", dr->faults, dr->stale, dr->dirty, dr->maps,
			dr->unmaps, dr->invalidations,
			i + 1 < sc->nr_devices ? "," : "");
	}
	fprintf(f, "  ],\n  \"units\": [\n");
	for (unsigned int i = 0; i < sc->nr_units; i++) {
		const struct sr_unit_res *u = &r->unit[i];

		fprintf(f, "    {\"name\": \"%s\", \"vendor\": \"%s\",\n",
			sc->units[i].name, sr_vendor_name(sc->units[i].vendor));
		fprintf(f, "      \"transactions\": %" PRIu64 ", \"faults\": %"
			PRIu64 ", \"cycles\": %" PRIu64 ", \"walk_reads\": %"
			PRIu64 ", \"ad_writes\": %" PRIu64 ", \"stale\": %"
			PRIu64 ",\n", u->st.dma, u->st.faults, u->st.cycles,
			u->st.walk_reads, u->st.ad_writes, u->st.stale);
		fprintf(f, "      \"invalidations\": {\"range\": %" PRIu64
			", \"domain\": %" PRIu64 ", \"commands\": %" PRIu64
			"}, \"queue_commands\": %" PRIu64 ", \"queue_cycles\": %"
			PRIu64 ", \"register_cycles\": %" PRIu64 ",\n",
			u->inv.range, u->inv.domain, u->inv.cmds,
			u->st.queue_cmds, u->st.queue_cycles, u->st.reg_cycles);
		jcache(f, "iotlb", &u->iotlb, true, false);
		jcache(f, "walk_cache", &u->walk, u->has_walk, false);
		jcache(f, "context_cache", &u->context, true, false);
		jcache(f, "pasid_cache", &u->pasid, u->has_pasid, true);
		fprintf(f, "    }%s\n", i + 1 < sc->nr_units ? "," : "");
	}
	fprintf(f, "  ],\n");
	if (r->nr_rounds) {
		fprintf(f, "  \"migration\": {\"converged\": %s, \"rounds\": [\n",
			r->converged ? "true" : "false");
		for (unsigned int i = 0; i < r->nr_rounds; i++)
			fprintf(f, "    {\"transactions\": %" PRIu64
				", \"dirty_pages\": %" PRIu64
				", \"written_pages\": %" PRIu64
				", \"items_visited\": %" PRIu64 "}%s\n",
				r->rounds[i].txns, r->rounds[i].harvested,
				r->rounds[i].expected, r->rounds[i].visited,
				i + 1 < r->nr_rounds ? "," : "");
		fprintf(f, "  ]},\n");
	} else {
		fprintf(f, "  \"migration\": null,\n");
	}
	if (r->lu_done)
		fprintf(f, "  \"live_update\": {\"domains\": %u, \"blob_bytes\": %"
			PRIu64 ", \"gap_transactions\": %" PRIu64
			", \"after_transactions\": %" PRIu64
			", \"roots_changed\": %u, \"translations_changed\": %u"
			", \"faults\": %" PRIu64 "},\n", r->lu_domains,
			r->lu_blob_bytes, r->lu_gap_txns, r->lu_after_txns,
			r->lu_root_changed, r->lu_xlate_changed, r->lu_faults);
	else
		fprintf(f, "  \"live_update\": null,\n");
	fprintf(f, "  \"ok\": %s,\n  \"failures\": [",
		sr_result_failed(r) ? "false" : "true");
	for (const char *p = r->failures, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		fprintf(f, "%s\"%.*s\"", p == r->failures ? "" : ", ",
			(int)(nl - p), p);
	}
	fprintf(f, "]\n}\n");
}
