// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The engine of iommu-sim run: builds the scenario's units, domains and
 * devices, then runs the phases (main, live migration, live update) as a
 * discrete-event simulation. Each device has one translation outstanding:
 * it issues at its clock, the unit answers after the transaction's
 * cycles, and the device issues again after that plus its interval (and
 * plus the queue cycles of any invalidation its driver waited for). The
 * device with the earliest clock goes next (ties: the first declared), so
 * a run is a pure function of the scenario and its seed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iommupt/dirty.h>
#include <iommupt/domain.h>
#include <iommupt/gather.h>
#include <iommupt/serialize.h>
#include <iommupt/sim.h>

#include "simrun-result.h"
#include "simrun-work.h"
#include "trace.h"

#define GIB (1ull << 30)
#define IOVA_FIRST GIB            /* device regions start here, 1 GiB each */
#define OA_FIRST (1ull << 36)     /* data OAs start here (tables are below) */

struct unit_rt {
	const struct sr_unit_cfg *cfg;
	struct sr_hw *hw;
	struct iommusim_unit *u;
	bool has_walk;
	uint64_t walk_hits, walk_lookups; /* last totals read */
};

struct dom_rt {
	const struct sr_domain_cfg *cfg;
	struct unit_rt *unit;
	struct iommupt_domain *dom;      /* NULL during a live update */
	struct iommupt_domain_info info;
	uint32_t did;
	uint64_t next_iova;
	bool tracking;
	struct sr_gset written;          /* granules written this round */
	/* live update */
	unsigned char *blob;
	size_t blob_len;
	uint64_t hash;
};

struct eng {
	const struct sr_scenario *sc;
	const struct sr_run_opts *opts;
	struct sr_result *r;
	struct iommusim_mem *mem;
	struct unit_rt units[SR_MAX_UNITS];
	struct dom_rt doms[SR_MAX_DOMAINS];
	struct sr_dev devs[SR_MAX_DEVICES];
	uint64_t now, txns, oa_next;
	/* time series */
	uint64_t sample_every, sample_left;
	uint64_t acc_txns[SR_MAX_DEVICES], acc_cycles[SR_MAX_DEVICES],
		 acc_hits[SR_MAX_DEVICES];
	/* progress */
	struct timespec t0;
	double next_draw;
	const char *phase;
	bool drew;
	char *err;
	size_t errlen;
};

static double wall(const struct eng *e)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - e->t0.tv_sec) +
	       (double)(t.tv_nsec - e->t0.tv_nsec) * 1e-9;
}

/* A bar on stderr, drawn only once a phase has run for half a second. */
static void progress(struct eng *e, double frac)
{
	double w;
	int n;

	if (!e->opts->progress || (e->txns & 4095))
		return;
	w = wall(e);
	if (w < 0.5 || w < e->next_draw)
		return;
	e->next_draw = w + 0.1;
	if (frac > 1)
		frac = 1;
	n = (int)(frac * 40);
	fprintf(stderr, "\r%-12s [%.*s%*s] %3d%%", e->phase, n,
		"########################################", 40 - n, "",
		(int)(frac * 100));
	e->drew = true;
}

static void progress_done(struct eng *e)
{
	if (e->drew)
		fprintf(stderr, "\r%*s\r", 60, "");
	e->drew = false;
}

static int fail(struct eng *e, int rc, const char *what, const char *name)
{
	snprintf(e->err, e->errlen, "%s%s%s: %s", what, name ? " " : "",
		 name ? name : "", iommupt_strerror(rc));
	return rc;
}

static void note(struct eng *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct eng *e, const char *fmt, ...)
{
	size_t len = strlen(e->r->failures);
	va_list ap;

	if (len + 2 >= sizeof(e->r->failures))
		return;
	va_start(ap, fmt);
	vsnprintf(e->r->failures + len, sizeof(e->r->failures) - len, fmt, ap);
	va_end(ap);
	len = strlen(e->r->failures);
	if (len + 1 < sizeof(e->r->failures))
		strcat(e->r->failures, "\n");
}

/* ---- trace ------------------------------------------------------------ */

static void trace_ev(struct eng *e, const struct sr_dev *d, enum trace_op op,
		     uint64_t iova, uint64_t size, uint64_t oa, uint32_t access,
		     uint32_t reason)
{
	struct trace_event ev = { .time_ns = e->now, .op = op, .iova = iova,
				  .size = size, .oa = oa, .access = access,
				  .reason = reason,
				  .has_reason = op == TRACE_FAULT };

	if (!e->opts->trace)
		return;
	/* Scenario names are valid trace tokens (get_name checks them). */
	snprintf(ev.dev, sizeof(ev.dev), "%s", d->cfg->name);
	(void)trace_write_event(e->opts->trace, &ev);
}

static int trace_head(struct eng *e)
{
	FILE *f = e->opts->trace;
	int rc;

	if (!f)
		return 0;
	rc = trace_write_header(f);
	for (unsigned int i = 0; i < e->sc->nr_units && !rc; i++) {
		struct trace_directive dir = { .kind = TRACE_DIR_UNIT };

		snprintf(dir.name, sizeof(dir.name), "%s", e->sc->units[i].name);
		snprintf(dir.vendor, sizeof(dir.vendor), "%s",
			 sr_vendor_name(e->sc->units[i].vendor));
		rc = trace_write_directive(f, &dir);
	}
	for (unsigned int i = 0; i < e->sc->nr_domains && !rc; i++) {
		const struct sr_domain_cfg *dc = &e->sc->domains[i];
		struct trace_directive dir = { .kind = TRACE_DIR_DOMAIN,
					       .levels = dc->levels };

		snprintf(dir.name, sizeof(dir.name), "%s", dc->name);
		snprintf(dir.unit, sizeof(dir.unit), "%s",
			 e->sc->units[dc->unit].name);
		snprintf(dir.format, sizeof(dir.format), "%s",
			 sr_format_name(dc->format));
		rc = trace_write_directive(f, &dir);
	}
	for (unsigned int i = 0; i < e->sc->nr_devices && !rc; i++) {
		const struct sr_device_cfg *dc = &e->sc->devices[i];
		struct trace_directive dir = { .kind = TRACE_DIR_DEVICE,
					       .sid = dc->sid, .has_sid = 1 };

		snprintf(dir.name, sizeof(dir.name), "%s", dc->name);
		snprintf(dir.domain, sizeof(dir.domain), "%s",
			 e->sc->domains[dc->domain].name);
		rc = trace_write_directive(f, &dir);
	}
	return rc;
}

/* ---- the driver's side: map, unmap, invalidate ------------------------ */

static struct dom_rt *dom_of(struct eng *e, const struct sr_dev *d)
{
	return &e->doms[d->cfg->domain];
}

static void unit_queue_cycles(struct unit_rt *u, uint64_t *c)
{
	IOMMUPT_OPTS(iommusim_unit_stats, st);

	*c = iommusim_unit_get_stats(u->u, &st) ? 0 : st.queue_cycles;
}

/* Flush what g recorded (strict) and release it; returns queue cycles. */
static int flush_gather(struct eng *e, struct dom_rt *dm,
			struct iommupt_gather *g, bool whole, uint64_t *cyc)
{
	uint64_t c0, c1;
	int rc = 0;

	unit_queue_cycles(dm->unit, &c0);
	if (whole)
		rc = sr_hw_flush_domain(dm->unit->hw, dm->did);
	else if (!iommupt_gather_empty(g) &&
		 (g->flags & ~(uint32_t)IOMMUPT_GATHER_MAPPED))
		rc = sr_hw_flush_range(dm->unit->hw, dm->did, g->start, g->last,
				       g->flags & IOMMUPT_GATHER_TABLES);
	iommupt_gather_release(g);
	unit_queue_cycles(dm->unit, &c1);
	if (cyc)
		*cyc += c1 - c0;
	if (rc)
		snprintf(e->err, e->errlen, "unit %s: invalidation failed: %s",
			 dm->unit->cfg->name, iommupt_strerror(rc));
	return rc;
}

int sr_dev_map(struct eng *e, struct sr_dev *d, uint64_t iova, uint64_t oa,
	       uint64_t len, uint32_t prot, uint64_t *cyc)
{
	struct dom_rt *dm = dom_of(e, d);
	struct iommupt_gather g;
	int rc;

	iommupt_gather_init(&g);
	rc = iommupt_domain_map(dm->dom, iova, oa, len, prot, &g);
	if (rc) {
		iommupt_gather_release(&g);
		snprintf(e->err, e->errlen, "device %s: map 0x%llx+0x%llx: %s",
			 d->cfg->name, (unsigned long long)iova,
			 (unsigned long long)len, iommupt_strerror(rc));
		return rc;
	}
	e->r->dev[d->idx].maps++;
	trace_ev(e, d, TRACE_MAP, iova, len, oa,
		 (prot & IOMMUPT_READ ? TRACE_R : 0) |
		 (prot & IOMMUPT_WRITE ? TRACE_W : 0), 0);
	return flush_gather(e, dm, &g, false, cyc);
}

static void gset_drop_range(struct sr_gset *s, uint64_t iova, uint64_t len)
{
	for (uint64_t a = iova; a < iova + len; a += 4096)
		sr_gset_del(s, a >> 12);
}

int sr_dev_unmap(struct eng *e, struct sr_dev *d, uint64_t iova, uint64_t len,
		 uint64_t *cyc)
{
	struct dom_rt *dm = dom_of(e, d);
	struct iommupt_gather g;
	uint64_t done = 0;
	int rc;

	iommupt_gather_init(&g);
	if (d->cfg->inval == SR_INV_LAZY)
		g = d->lazy;
	rc = iommupt_domain_unmap(dm->dom, iova, len, 0, &g, &done);
	if (!rc && done != len)
		rc = -ENOENT;
	if (rc) {
		snprintf(e->err, e->errlen, "device %s: unmap 0x%llx+0x%llx: %s",
			 d->cfg->name, (unsigned long long)iova,
			 (unsigned long long)len, iommupt_strerror(rc));
		return rc;
	}
	e->r->dev[d->idx].unmaps++;
	/* the leaves are gone: a harvest can no longer see their writes */
	if (dm->tracking)
		gset_drop_range(&dm->written, iova, len);
	trace_ev(e, d, TRACE_UNMAP, iova, len, 0, 0, 0);
	switch (d->cfg->inval) {
	case SR_INV_STRICT:
		e->r->dev[d->idx].invalidations++;
		return flush_gather(e, dm, &g, false, cyc);
	case SR_INV_LAZY:
		d->lazy = g;
		if (++d->pending < d->cfg->batch)
			return 0;
		d->pending = 0;
		e->r->dev[d->idx].invalidations++;
		rc = flush_gather(e, dm, &d->lazy, true, cyc);
		iommupt_gather_init(&d->lazy);
		return rc;
	case SR_INV_NONE:
		iommupt_gather_release(&g);
		return 0;
	}
	return 0;
}

bool sr_dev_can_remap(struct eng *e, const struct sr_dev *d)
{
	return dom_of(e, d)->dom != NULL;
}

/* ---- one DMA transaction ---------------------------------------------- */

static void walk_delta(struct unit_rt *u, struct sr_dev_res *dr)
{
	uint64_t hits = 0, look = 0;

	for (unsigned int lvl = 1; lvl <= 5; lvl++) {
		IOMMUPT_OPTS(iommusim_cache_stats, cs);

		if (iommusim_unit_cache_stats(u->u, IOMMUSIM_CACHE_PWC, lvl, &cs))
			break;
		hits += cs.hits;
		look += cs.hits + cs.misses;
	}
	dr->walk_hits += hits - u->walk_hits;
	dr->walk_lookups += look - u->walk_lookups;
	u->walk_hits = hits;
	u->walk_lookups = look;
}

/* Note the 4K granules of the leaf that took a write (see the harvest). */
static void note_write(struct dom_rt *dm, uint64_t iova)
{
	unsigned int lg2 = 12;
	uint64_t oa, first;

	if (!dm->dom || iommupt_domain_iova_to_phys(dm->dom, iova, &oa, NULL,
						    &lg2))
		return;
	first = iova & ~((1ull << lg2) - 1);
	if (sr_gset_has(&dm->written, first >> 12))
		return; /* the whole leaf went in together */
	for (uint64_t a = first; a - first < (1ull << lg2); a += 4096)
		sr_gset_add(&dm->written, a >> 12);
}

static void sample_close(struct eng *e)
{
	struct sr_result *r = e->r;
	unsigned int n = e->sc->nr_devices;
	struct sr_sample *s;

	if (r->nr_samples == r->cap_samples) {
		size_t cap = r->cap_samples ? r->cap_samples * 2 : 256;
		struct sr_sample *ns = realloc(r->samples, cap * sizeof(*ns));

		if (!ns)
			return; /* the plot loses points, the run goes on */
		r->samples = ns;
		r->cap_samples = cap;
	}
	s = &r->samples[r->nr_samples];
	s->txns = calloc(3 * (size_t)n, sizeof(uint64_t));
	if (!s->txns)
		return;
	s->cycles = s->txns + n;
	s->hits = s->txns + 2 * n;
	s->t = e->now;
	memcpy(s->txns, e->acc_txns, n * sizeof(uint64_t));
	memcpy(s->cycles, e->acc_cycles, n * sizeof(uint64_t));
	memcpy(s->hits, e->acc_hits, n * sizeof(uint64_t));
	memset(e->acc_txns, 0, sizeof(e->acc_txns));
	memset(e->acc_cycles, 0, sizeof(e->acc_cycles));
	memset(e->acc_hits, 0, sizeof(e->acc_hits));
	r->nr_samples++;
}

int sr_dev_dma(struct eng *e, struct sr_dev *d, uint64_t iova, uint32_t size,
	       bool write, uint64_t extra)
{
	struct dom_rt *dm = dom_of(e, d);
	struct unit_rt *u = dm->unit;
	struct sr_dev_res *dr = &e->r->dev[d->idx];
	IOMMUPT_OPTS(iommusim_dma, req, .sid = d->cfg->sid, .iova = iova,
		     .size = size,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	IOMMUPT_OPTS(iommusim_dma_result, res);
	uint32_t acc = write ? TRACE_W : TRACE_R;
	int rc;

	rc = iommusim_unit_dma(u->u, &req, &res);
	if (rc) {
		snprintf(e->err, e->errlen, "device %s: DMA at 0x%llx: %s",
			 d->cfg->name, (unsigned long long)iova,
			 iommupt_strerror(rc));
		return rc;
	}
	dr->txns++;
	dr->bytes += size;
	dr->writes += write;
	dr->cycles += res.cycles;
	if (res.cycles < SR_HIST_MAX)
		dr->hist[res.cycles]++;
	else
		dr->hist_over++;
	if (res.cycles > dr->max_cycles)
		dr->max_cycles = res.cycles;
	if (res.flags & IOMMUSIM_RES_IOTLB_HIT)
		dr->iotlb_hits++;
	else if (u->has_walk)
		walk_delta(u, dr);
	if (res.flags & IOMMUSIM_RES_STALE)
		dr->stale++;
	trace_ev(e, d, TRACE_DMA, iova, size, 0, acc, 0);
	if (res.fault) {
		dr->faults++;
		trace_ev(e, d, TRACE_FAULT, iova, size, 0, acc,
			 sr_hw_fault_reason(u->cfg->vendor, res.fault));
		(void)sr_hw_drain_faults(u->hw);
	} else if (write && dm->tracking) {
		note_write(dm, iova);
	}
	d->t_next = e->now + res.cycles + d->cfg->interval + extra;
	dr->busy_until = e->now + res.cycles;
	e->txns++;
	e->acc_txns[d->idx]++;
	e->acc_cycles[d->idx] += res.cycles;
	e->acc_hits[d->idx] += (res.flags & IOMMUSIM_RES_IOTLB_HIT) != 0;
	if (--e->sample_left == 0) {
		sample_close(e);
		e->sample_left = e->sample_every;
	}
	return 0;
}

/* ---- scheduling ------------------------------------------------------- */

/* Run until txns transactions more (or the clock passes until_cycles). */
static int run_for(struct eng *e, uint64_t txns, uint64_t until_cycles,
		   const char *phase)
{
	uint64_t start = e->txns, c0 = e->now;

	e->phase = phase;
	while (e->txns - start < txns) {
		struct sr_dev *d = &e->devs[0];
		int rc;

		for (unsigned int i = 1; i < e->sc->nr_devices; i++)
			if (e->devs[i].t_next < d->t_next)
				d = &e->devs[i];
		if (d->t_next > until_cycles)
			break;
		e->now = d->t_next;
		rc = sr_dev_step(e, d);
		if (rc)
			return rc;
		progress(e, until_cycles != UINT64_MAX ?
			 (double)(e->now - c0) / (double)(until_cycles - c0) :
			 (double)(e->txns - start) / (double)txns);
	}
	progress_done(e);
	return 0;
}

/* ---- setup ------------------------------------------------------------ */

static int setup(struct eng *e)
{
	const struct sr_scenario *sc = e->sc;
	IOMMUPT_OPTS(iommusim_mem_opts, mo);
	uint32_t max_sid[SR_MAX_UNITS] = { 0 };
	int rc;

	rc = iommusim_mem_create(&mo, &e->mem);
	if (rc)
		return fail(e, rc, "simulated memory", NULL);
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		unsigned int ui = sc->domains[sc->devices[i].domain].unit;

		if (sc->devices[i].sid > max_sid[ui])
			max_sid[ui] = sc->devices[i].sid;
	}
	for (unsigned int i = 0; i < sc->nr_units; i++) {
		struct unit_rt *u = &e->units[i];
		IOMMUPT_OPTS(iommusim_cache_stats, cs);

		u->cfg = &sc->units[i];
		rc = sr_hw_create(u->cfg, sc->seed + i, max_sid[i], e->mem,
				  &u->hw);
		if (rc)
			return fail(e, rc, "unit", u->cfg->name);
		u->u = sr_hw_unit(u->hw);
		u->has_walk = !iommusim_unit_cache_stats(u->u,
							 IOMMUSIM_CACHE_PWC, 1,
							 &cs);
	}
	for (unsigned int i = 0; i < sc->nr_domains; i++) {
		struct dom_rt *dm = &e->doms[i];
		IOMMUPT_OPTS(iommupt_domain_cfg, cfg);

		dm->cfg = &sc->domains[i];
		dm->unit = &e->units[dm->cfg->unit];
		dm->did = i + 1;
		dm->next_iova = IOVA_FIRST;
		cfg.format = dm->cfg->format;
		cfg.levels = dm->cfg->levels;
		/* ARM sizes its tables by input bits: 9 per level at 4K */
		if (cfg.format == IOMMUPT_FMT_ARM_S1)
			cfg.ias_lg2 = 12 + 9 * cfg.levels;
		rc = iommupt_domain_create(&cfg, iommusim_mem_provider(e->mem),
					   &dm->dom);
		if (rc)
			return fail(e, rc, "domain", dm->cfg->name);
		dm->info.sz = sizeof(dm->info);
		rc = iommupt_domain_get_info(dm->dom, &dm->info);
		if (rc)
			return fail(e, rc, "domain", dm->cfg->name);
	}
	e->oa_next = OA_FIRST;
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		struct sr_dev *d = &e->devs[i];
		struct dom_rt *dm;
		uint64_t need;

		d->cfg = &sc->devices[i];
		d->idx = i;
		d->rng = sc->seed * 0x9e3779b97f4a7c15ull + i + 1;
		dm = dom_of(e, d);
		e->r->dev[i].hist = calloc(SR_HIST_MAX, sizeof(uint32_t));
		if (!e->r->dev[i].hist)
			return fail(e, -ENOMEM, "device", d->cfg->name);
		need = sr_dev_region(d);
		d->base = dm->next_iova;
		d->region = (need + GIB - 1) & ~(GIB - 1);
		if (dm->info.ias_lg2 < 64 &&
		    d->base + d->region > (1ull << dm->info.ias_lg2)) {
			snprintf(e->err, e->errlen, "device %s: its IOVA region "
				 "[0x%llx, 0x%llx) is beyond domain %s's %u-bit "
				 "aperture (use more levels)", d->cfg->name,
				 (unsigned long long)d->base,
				 (unsigned long long)(d->base + d->region),
				 dm->cfg->name, dm->info.ias_lg2);
			return -ERANGE;
		}
		dm->next_iova += d->region;
		d->oa_base = e->oa_next;
		e->oa_next += (sr_dev_oa_need(d) + GIB - 1) & ~(GIB - 1);
		iommupt_gather_init(&d->lazy);
		rc = sr_hw_attach(dm->unit->hw, d->cfg->sid, dm->cfg->format,
				  dm->info.root_oa, dm->info.levels,
				  dm->info.ias_lg2, dm->did, dm->cfg->dirty);
		if (rc)
			return fail(e, rc, "attach of device", d->cfg->name);
	}
	rc = trace_head(e);
	if (rc)
		return fail(e, rc, "trace", NULL);
	/* mappings last, so that the trace has them after the directives */
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		rc = sr_dev_setup(e, &e->devs[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- live migration --------------------------------------------------- */

static int harvest(struct eng *e, struct sr_round *rd)
{
	size_t cap = 0;
	uint64_t *bm = NULL;
	int rc = 0;

	for (unsigned int i = 0; i < e->sc->nr_devices && !rc; i++) {
		struct sr_dev *d = &e->devs[i];
		struct dom_rt *dm = dom_of(e, d);
		IOMMUPT_OPTS(iommupt_dirty_stats, ds);
		struct iommupt_gather g;
		size_t need = (size_t)(d->region >> 12) / 8;
		uint64_t n = 0;

		if (!dm->tracking)
			continue;
		if (need > cap) {
			free(bm);
			bm = malloc(need);
			if (!bm)
				return fail(e, -ENOMEM, "dirty bitmap", NULL);
			cap = need;
		}
		memset(bm, 0, need);
		iommupt_gather_init(&g);
		rc = iommupt_domain_read_and_clear_dirty(dm->dom, d->base,
							 d->region, 4096, bm,
							 need, 0, &g, &ds);
		if (rc) {
			iommupt_gather_release(&g);
			fail(e, rc, "dirty harvest of device", d->cfg->name);
			break;
		}
		for (size_t w = 0; w < need / 8; w++)
			n += (uint64_t)__builtin_popcountll(bm[w]);
		e->r->dev[i].dirty += n;
		rd->harvested += n;
		rd->visited += ds.items_visited;
		/* the next round needs the cleared state in the IOTLB too */
		rc = flush_gather(e, dm, &g, false, NULL);
	}
	free(bm);
	for (unsigned int i = 0; i < e->sc->nr_domains; i++) {
		rd->expected += e->doms[i].written.count;
		sr_gset_clear(&e->doms[i].written);
	}
	return rc;
}

static int migrate(struct eng *e)
{
	const struct sr_scenario *sc = e->sc;
	struct sr_result *r = e->r;
	uint64_t len = sc->migration.first_round;
	bool any = false;
	int rc;

	r->mig_start = r->nr_samples;
	for (unsigned int i = 0; i < sc->nr_domains; i++) {
		struct dom_rt *dm = &e->doms[i];

		if (!dm->cfg->dirty)
			continue;
		rc = iommupt_domain_set_dirty_tracking(dm->dom, 1, NULL);
		if (rc)
			return fail(e, rc, "dirty tracking on domain",
				    dm->cfg->name);
		rc = sr_hw_flush_domain(dm->unit->hw, dm->did);
		if (rc)
			return fail(e, rc, "flush of domain", dm->cfg->name);
		dm->tracking = true;
		any = true;
	}
	if (!any) {
		snprintf(e->err, e->errlen, "migration: no domain has "
			 "dirty_tracking");
		return -EINVAL;
	}
	for (unsigned int n = 0; n < sc->migration.max_rounds; n++) {
		struct sr_round *rd = &r->rounds[r->nr_rounds++];

		rd->txns = len;
		rc = run_for(e, len, UINT64_MAX, "migration");
		if (!rc)
			rc = harvest(e, rd);
		if (rc)
			return rc;
		if (rd->harvested != rd->expected)
			note(e, "migration round %u: harvested %llu dirty pages, "
			     "the devices wrote %llu", n + 1,
			     (unsigned long long)rd->harvested,
			     (unsigned long long)rd->expected);
		if (rd->harvested <= sc->migration.stop_pages) {
			r->converged = true;
			break;
		}
		len = (uint64_t)((double)rd->harvested *
				 sc->migration.copy_ratio);
		if (len < 1)
			len = 1;
	}
	for (unsigned int i = 0; i < sc->nr_domains; i++) {
		struct dom_rt *dm = &e->doms[i];

		if (!dm->tracking)
			continue;
		dm->tracking = false;
		rc = iommupt_domain_set_dirty_tracking(dm->dom, 0, NULL);
		if (!rc)
			rc = sr_hw_flush_domain(dm->unit->hw, dm->did);
		if (rc)
			return fail(e, rc, "dirty tracking off on domain",
				    dm->cfg->name);
	}
	return 0;
}

/* ---- live update ------------------------------------------------------ */

static int hash_leaf(void *ctx, const struct iommupt_leaf *l)
{
	uint64_t *h = ctx, v[4] = { l->iova, l->oa, l->size_lg2, l->prot };

	for (unsigned int i = 0; i < 4; i++) {
		*h ^= v[i];
		*h *= 0x100000001b3ull;
	}
	return 0;
}

static uint64_t table_hash(struct iommupt_domain *dom)
{
	uint64_t h = 0xcbf29ce484222325ull;

	(void)iommupt_domain_walk(dom, 0, 0, hash_leaf, &h);
	return h;
}

static uint64_t total_faults(struct eng *e)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < e->sc->nr_devices; i++)
		if (e->devs[i].cfg->stray == 0)
			n += e->r->dev[i].faults;
	return n;
}

static int live_update(struct eng *e)
{
	const struct sr_scenario *sc = e->sc;
	struct sr_result *r = e->r;
	IOMMUPT_OPTS(iommupt_serialize_opts, so,
		     .mode = IOMMUPT_SERIALIZE_IN_PLACE);
	uint64_t f0 = total_faults(e);
	int rc;

	r->lu_start = r->nr_samples;
	/* quiesce: pending lazy invalidations hold the domains' pages */
	for (unsigned int i = 0; i < sc->nr_devices; i++) {
		struct sr_dev *d = &e->devs[i];

		if (d->pending) {
			d->pending = 0;
			e->r->dev[i].invalidations++;
			rc = flush_gather(e, dom_of(e, d), &d->lazy, true, NULL);
			iommupt_gather_init(&d->lazy);
			if (rc)
				return rc;
		}
	}
	for (unsigned int i = 0; i < sc->nr_domains; i++) {
		struct dom_rt *dm = &e->doms[i];
		size_t need = 0;

		dm->hash = table_hash(dm->dom);
		rc = iommupt_domain_serialize(dm->dom, &so, NULL, 0, &need);
		if (rc != -ENOBUFS)
			return fail(e, rc ? rc : -EIO, "serialize of domain",
				    dm->cfg->name);
		dm->blob = malloc(need);
		if (!dm->blob)
			return fail(e, -ENOMEM, "serialize of domain",
				    dm->cfg->name);
		rc = iommupt_domain_serialize(dm->dom, &so, dm->blob, need,
					      &dm->blob_len);
		if (rc)
			return fail(e, rc, "serialize of domain", dm->cfg->name);
		r->lu_blob_bytes += dm->blob_len;
		/* the process "exits": objects go, table pages stay */
		iommupt_domain_release_for_update(dm->dom);
		dm->dom = NULL;
		r->lu_domains++;
	}
	/* hardware keeps translating with no domain object anywhere */
	rc = run_for(e, sc->live_update.gap, UINT64_MAX, "live update");
	if (rc)
		return rc;
	r->lu_gap_txns = sc->live_update.gap;
	for (unsigned int i = 0; i < sc->nr_domains; i++) {
		struct dom_rt *dm = &e->doms[i];
		IOMMUPT_OPTS(iommupt_domain_info, info);

		rc = iommupt_domain_restore(dm->blob, dm->blob_len,
					    iommusim_mem_provider(e->mem), NULL,
					    &dm->dom);
		free(dm->blob);
		dm->blob = NULL;
		if (rc)
			return fail(e, rc, "restore of domain", dm->cfg->name);
		rc = iommupt_domain_get_info(dm->dom, &info);
		if (rc)
			return fail(e, rc, "restored domain", dm->cfg->name);
		if (info.root_oa != dm->info.root_oa ||
		    info.levels != dm->info.levels)
			r->lu_root_changed++;
		if (table_hash(dm->dom) != dm->hash)
			r->lu_xlate_changed++;
	}
	/* and the restored domains edit on: rings recycle buffers again */
	rc = run_for(e, sc->live_update.gap, UINT64_MAX, "live update");
	if (rc)
		return rc;
	r->lu_after_txns = sc->live_update.gap;
	r->lu_faults = total_faults(e) - f0;
	r->lu_done = true;
	if (r->lu_root_changed || r->lu_xlate_changed)
		note(e, "live update: %u roots and %u translation sets changed",
		     r->lu_root_changed, r->lu_xlate_changed);
	if (r->lu_faults)
		note(e, "live update: %llu faults while updating",
		     (unsigned long long)r->lu_faults);
	return 0;
}

/* ---- results ---------------------------------------------------------- */

static void percentiles(struct sr_dev_res *dr)
{
	uint64_t want50 = (dr->txns + 1) / 2, want99, seen = 0;
	bool got50 = false;

	/* nearest rank: the smallest value with at least p% at or below */
	want99 = (dr->txns * 99 + 99) / 100;
	dr->p50 = dr->p99 = dr->max_cycles;
	for (uint64_t c = 0; c < SR_HIST_MAX && dr->txns; c++) {
		seen += dr->hist[c];
		if (!got50 && seen >= want50) {
			dr->p50 = c;
			got50 = true;
		}
		if (seen >= want99) {
			dr->p99 = c;
			break;
		}
	}
}

static void collect(struct eng *e)
{
	struct sr_result *r = e->r;

	for (unsigned int i = 0; i < e->sc->nr_devices; i++) {
		percentiles(&r->dev[i]);
		if (r->dev[i].stale && e->devs[i].cfg->inval != SR_INV_NONE)
			note(e, "device %s: %llu stale translations",
			     e->devs[i].cfg->name,
			     (unsigned long long)r->dev[i].stale);
	}
	for (unsigned int i = 0; i < e->sc->nr_units; i++) {
		struct sr_unit_res *ur = &r->unit[i];
		struct iommusim_unit *u = e->units[i].u;

		sr_hw_inv_stats(e->units[i].hw, &ur->inv);
		ur->st.sz = sizeof(ur->st);
		(void)iommusim_unit_get_stats(u, &ur->st);
		ur->iotlb.sz = ur->context.sz = ur->pasid.sz =
			sizeof(ur->iotlb);
		(void)iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_IOTLB, 0,
						&ur->iotlb);
		(void)iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_CONTEXT, 0,
						&ur->context);
		ur->has_pasid = !iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_PASID,
							   0, &ur->pasid);
		for (unsigned int lvl = 1; lvl <= 5; lvl++) {
			IOMMUPT_OPTS(iommusim_cache_stats, cs);

			if (iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_PWC, lvl,
						      &cs))
				break;
			ur->has_walk = true;
			ur->walk.hits += cs.hits;
			ur->walk.misses += cs.misses;
			ur->walk.fills += cs.fills;
			ur->walk.evictions += cs.evictions;
			ur->walk.invalidated += cs.invalidated;
			ur->walk.entries += cs.entries;
			ur->walk.capacity += cs.capacity;
		}
	}
	r->total_txns = e->txns;
	r->end_cycles = e->now;
}

static void teardown(struct eng *e)
{
	for (unsigned int i = 0; i < SR_MAX_DEVICES; i++) {
		if (e->devs[i].cfg && e->devs[i].lazy.nr_pages)
			iommupt_gather_release(&e->devs[i].lazy);
		sr_dev_fini(&e->devs[i]);
	}
	for (unsigned int i = 0; i < SR_MAX_DOMAINS; i++) {
		iommupt_domain_destroy(e->doms[i].dom);
		free(e->doms[i].blob);
		sr_gset_fini(&e->doms[i].written);
	}
	for (unsigned int i = 0; i < SR_MAX_UNITS; i++)
		sr_hw_destroy(e->units[i].hw);
	iommusim_mem_destroy(e->mem);
}

int sr_run(const struct sr_scenario *sc, const struct sr_run_opts *opts,
	   struct sr_result **out, char *err, size_t errlen)
{
	struct eng *e = calloc(1, sizeof(*e));
	struct sr_result *r = calloc(1, sizeof(*r));
	uint64_t planned;
	int rc;

	*out = NULL;
	if (!e || !r) {
		free(e);
		free(r);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->sc = *sc;
	e->sc = &r->sc;
	e->opts = opts;
	e->r = r;
	e->err = err;
	e->errlen = errlen;
	clock_gettime(CLOCK_MONOTONIC, &e->t0);
	/* about 100 points for the main phase */
	planned = sc->txns ? sc->txns : sc->cycles / 200;
	e->sample_every = planned / 100 ? planned / 100 : 1;
	if (e->sample_every < 64)
		e->sample_every = 64;
	e->sample_left = e->sample_every;

	rc = setup(e);
	if (!rc)
		rc = run_for(e, sc->txns ? sc->txns : UINT64_MAX,
			     sc->txns ? UINT64_MAX : sc->cycles, "run");
	if (!rc) {
		r->main_txns = e->txns;
		r->main_cycles = e->now;
	}
	if (!rc && sc->migration.on)
		rc = migrate(e);
	if (!rc && sc->live_update.on)
		rc = live_update(e);
	progress_done(e);
	if (!rc) {
		if (e->sample_left != e->sample_every)
			sample_close(e);
		collect(e);
		r->wall_s = wall(e);
	}
	teardown(e);
	free(e);
	if (rc) {
		sr_result_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void sr_result_free(struct sr_result *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < SR_MAX_DEVICES; i++)
		free(r->dev[i].hist);
	for (size_t i = 0; i < r->nr_samples; i++)
		free(r->samples[i].txns);
	free(r->samples);
	free(r);
}

int sr_result_failed(const struct sr_result *r)
{
	return r->failures[0] != 0;
}
