// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-sim replay TRACE: rebuild what a trace (sim/TRACE.md) describes on
 * simulated units and report what happened. map/unmap go through
 * libiommupt on the device's domain, followed by the invalidation the
 * gather asks for; dma becomes transactions of the unit; fault is an
 * expectation: the same access is issued and must fault (for the reason
 * given, if any). Rejected events are listed, not fatal; a malformed line
 * stops the replay.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/drv.h>
#include <iommupt/iommupt.h>
#include <iommupt/sim.h>

#include "replay-unit.h"
#include "sim-replay.h"
#include "trace.h"

/* Bounds on what a (hostile) trace can make the replay hold. */
#define MAX_UNITS 16
#define MAX_DOMAINS 64
#define MAX_DEVICES 1024
#define MAX_LISTED 100      /* rejected events / failed expectations kept */
#define MAX_DMA_PAGES 4096  /* transactions one dma event may issue */
#define NAMED_SID_BASE 0x7f00u /* the SMMUv3 driver reaches 15 bits */
#define MAX_MAP_LEAVES (1ull << 22)  /* leaf entries one map may need */
#define MAX_SIM_BYTES (1ull << 28)   /* simulated memory the tables may use */
#define MSG_MAX 200

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_BAD = 2 };

static const char *const op_names[] = { "map", "unmap", "dma", "fault" };
static const char *const vendor_names[] = { "vtd", "amd", "smmu" };

struct r_unit {
	char name[TRACE_NAME_MAX];
	enum rpl_vendor vendor;
	struct rpl_unit *hw;
	unsigned int nr_domains;
};

struct r_domain {
	char name[TRACE_NAME_MAX];
	char format[16];
	unsigned int unit;
	uint32_t did;
	struct iommupt_domain *dom;
	struct iommupt_domain_info info;
};

struct r_device {
	char name[TRACE_DEV_MAX];
	unsigned int domain;
	uint32_t sid;
};

struct r_note {
	unsigned long line;
	char msg[MSG_MAX];
};

struct r_list {
	struct r_note note[MAX_LISTED];
	unsigned int n;
	uint64_t total;
};

struct replay {
	const char *path;
	struct iommusim_mem *mem;
	struct r_unit unit[MAX_UNITS];
	struct r_domain domain[MAX_DOMAINS];
	struct r_device device[MAX_DEVICES];
	unsigned int nr_units, nr_domains, nr_devices;
	unsigned int last_dev;      /* lookup cache */
	bool directives;            /* the trace declared its own units */
	unsigned long line;         /* of the item being applied */
	uint64_t events[4];         /* per op, read */
	uint64_t applied[4];        /* per op, applied */
	uint64_t faults_expected, faults_held, dma_txns, dma_faulted;
	struct r_list rejected, failed;
	bool error;                 /* malformed trace or broken setup */
	unsigned long err_line;
	char err_msg[MSG_MAX];
};

__attribute__((format(printf, 3, 4)))
static void note(struct r_list *l, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	l->total++;
	if (l->n == MAX_LISTED)
		return;
	l->note[l->n].line = line;
	va_start(ap, fmt);
	vsnprintf(l->note[l->n].msg, MSG_MAX, fmt, ap);
	va_end(ap);
	l->n++;
}

__attribute__((format(printf, 2, 3)))
static int fatal(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	rp->error = true;
	rp->err_line = rp->line;
	va_start(ap, fmt);
	vsnprintf(rp->err_msg, sizeof(rp->err_msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- configuration ------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t format;
} formats[] = {
	{ "vtd-ss", IOMMUPT_FMT_VTD_SS },
	{ "x86-64", IOMMUPT_FMT_X86_64 },
	{ "amd-v1", IOMMUPT_FMT_AMD_V1 },
	{ "arm-s1", IOMMUPT_FMT_ARM_S1 },
	{ "arm-s2", IOMMUPT_FMT_ARM_S2 },
};

static int find_unit(const struct replay *rp, const char *name)
{
	for (unsigned int i = 0; i < rp->nr_units; i++)
		if (!strcmp(rp->unit[i].name, name))
			return (int)i;
	return -1;
}

static int find_domain(const struct replay *rp, const char *name)
{
	for (unsigned int i = 0; i < rp->nr_domains; i++)
		if (!strcmp(rp->domain[i].name, name))
			return (int)i;
	return -1;
}

static int find_device(struct replay *rp, const char *name)
{
	if (rp->last_dev < rp->nr_devices &&
	    !strcmp(rp->device[rp->last_dev].name, name))
		return (int)rp->last_dev;
	for (unsigned int i = 0; i < rp->nr_devices; i++)
		if (!strcmp(rp->device[i].name, name)) {
			rp->last_dev = i;
			return (int)i;
		}
	return -1;
}

static int add_unit(struct replay *rp, const char *name, enum rpl_vendor v)
{
	struct r_unit *u;
	int rc;

	if (find_unit(rp, name) >= 0)
		return fatal(rp, "unit %s declared twice", name);
	if (rp->nr_units == MAX_UNITS)
		return fatal(rp, "more than %d units", MAX_UNITS);
	u = &rp->unit[rp->nr_units];
	rc = rpl_unit_create(v, rp->mem, &u->hw);
	if (rc)
		return fatal(rp, "unit %s: cannot bring the %s model up: %s",
			     name, vendor_names[v], iommupt_strerror(rc));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->vendor = v;
	rp->nr_units++;
	return 0;
}

static int add_domain(struct replay *rp, const struct trace_directive *d)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg);
	struct r_domain *dom;
	struct r_unit *u;
	int ui = find_unit(rp, d->unit), rc;
	unsigned int f;

	if (find_domain(rp, d->name) >= 0)
		return fatal(rp, "domain %s declared twice", d->name);
	if (ui < 0)
		return fatal(rp, "domain %s: no unit %s declared before it",
			     d->name, d->unit);
	if (rp->nr_domains == MAX_DOMAINS)
		return fatal(rp, "more than %d domains", MAX_DOMAINS);
	u = &rp->unit[ui];
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		if (!strcmp(formats[f].name, d->format))
			break;
	if (f == sizeof(formats) / sizeof(formats[0]))
		return fatal(rp, "unknown format %s", d->format);
	if (!rpl_unit_format_ok(u->vendor, formats[f].format))
		return fatal(rp, "domain %s: replay cannot attach %s tables to a %s unit",
			     d->name, d->format, vendor_names[u->vendor]);
	if (u->nr_domains == 255)
		return fatal(rp, "unit %s: more than 255 domains", u->name);
	cfg.format = formats[f].format;
	cfg.levels = d->levels;
	if (!cfg.levels && !d->ias)
		cfg.levels = rpl_default_levels(cfg.format);
	cfg.ias_lg2 = d->ias;
	cfg.granule_lg2 = d->granule_lg2;
	dom = &rp->domain[rp->nr_domains];
	rc = iommupt_domain_create(&cfg, iommusim_mem_provider(rp->mem),
				   &dom->dom);
	if (rc)
		return fatal(rp, "domain %s: %s", d->name, iommupt_strerror(rc));
	dom->info.sz = sizeof(dom->info);
	(void)iommupt_domain_get_info(dom->dom, &dom->info);
	snprintf(dom->name, sizeof(dom->name), "%s", d->name);
	snprintf(dom->format, sizeof(dom->format), "%s", d->format);
	dom->unit = (unsigned int)ui;
	dom->did = ++u->nr_domains;
	rp->nr_domains++;
	return 0;
}

/* PCI requester ID of DDDD:BB:DD.F (the reader checked the shape). */
static bool pci_rid(const char *s, uint32_t *rid)
{
	unsigned int seg, bus, dev, fn;
	char end;

	if (strlen(s) != 12 ||
	    sscanf(s, "%4x:%2x:%2x.%1x%c", &seg, &bus, &dev, &fn, &end) != 4)
		return false;
	*rid = bus << 8 | dev << 3 | fn;
	return true;
}

static int sid_owner(const struct replay *rp, unsigned int unit, uint32_t sid)
{
	for (unsigned int i = 0; i < rp->nr_devices; i++)
		if (rp->device[i].sid == sid &&
		    rp->domain[rp->device[i].domain].unit == unit)
			return (int)i;
	return -1;
}

/*
 * Attach a device to a domain. Its source ID: given, else from its PCI
 * address, else the first free one from NAMED_SID_BASE up. Returns the
 * device index, or -1 with a message in msg.
 */
static int add_device(struct replay *rp, const char *name, unsigned int domain,
		      bool has_sid, uint32_t sid, char *msg, size_t len)
{
	struct r_domain *d = &rp->domain[domain];
	struct r_device *dev;
	int owner, rc;

	if (rp->nr_devices == MAX_DEVICES) {
		snprintf(msg, len, "more than %d devices", MAX_DEVICES);
		return -1;
	}
	if (!has_sid && !pci_rid(name, &sid)) {
		uint32_t i;

		for (i = 0; i < 0x10000; i++) {
			sid = (NAMED_SID_BASE + i) & 0xffff;
			if (sid_owner(rp, d->unit, sid) < 0)
				break;
		}
	}
	if (sid > 0xffff) {
		snprintf(msg, len, "source ID 0x%" PRIx32 " beyond 16 bits", sid);
		return -1;
	}
	owner = sid_owner(rp, d->unit, sid);
	if (owner >= 0) {
		snprintf(msg, len, "source ID 0x%04" PRIx32 " is %s's already",
			 sid, rp->device[owner].name);
		return -1;
	}
	rc = rpl_unit_attach(rp->unit[d->unit].hw, sid, d->dom, d->did);
	if (rc == -ERANGE) {
		snprintf(msg, len, "attach to %s: source ID 0x%04" PRIx32
			 " beyond the unit's device or stream table", d->name,
			 sid);
		return -1;
	}
	if (rc) {
		snprintf(msg, len, "attach to %s: %s", d->name,
			 iommupt_strerror(rc));
		return -1;
	}
	dev = &rp->device[rp->nr_devices];
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->domain = domain;
	dev->sid = sid;
	return (int)rp->nr_devices++;
}

static int apply_directive(struct replay *rp, const struct trace_directive *d)
{
	char msg[MSG_MAX];
	int di;

	rp->directives = true;
	switch (d->kind) {
	case TRACE_DIR_UNIT:
		for (unsigned int v = 0; v < 3; v++)
			if (!strcmp(d->vendor, vendor_names[v]))
				return add_unit(rp, d->name, (enum rpl_vendor)v);
		return fatal(rp, "unknown vendor %s", d->vendor);
	case TRACE_DIR_DOMAIN:
		return add_domain(rp, d);
	case TRACE_DIR_DEVICE:
		if (find_device(rp, d->name) >= 0)
			return fatal(rp, "device %s declared twice", d->name);
		di = find_domain(rp, d->domain);
		if (di < 0)
			return fatal(rp, "device %s: no domain %s declared before it",
				     d->name, d->domain);
		if (add_device(rp, d->name, (unsigned int)di, d->has_sid,
			       d->sid, msg, sizeof(msg)) < 0)
			return fatal(rp, "device %s: %s", d->name, msg);
		return 0;
	}
	return fatal(rp, "unknown directive");
}

/* No directives: one VT-d unit, one 4-level second-stage domain. */
static int make_default(struct replay *rp)
{
	struct trace_directive d = { .kind = TRACE_DIR_DOMAIN };
	int rc;

	rp->directives = true;
	rc = add_unit(rp, "default", RPL_VTD);
	if (rc)
		return rc;
	snprintf(d.name, sizeof(d.name), "default");
	snprintf(d.unit, sizeof(d.unit), "default");
	snprintf(d.format, sizeof(d.format), "vtd-ss");
	d.levels = 4;
	return add_domain(rp, &d);
}

/*
 * The device an event names. One the directives did not declare is
 * attached to the only domain when there is exactly one (always so
 * without directives); otherwise the event is rejected.
 */
static int event_device(struct replay *rp, const struct trace_event *ev,
			char *msg, size_t len)
{
	int i = find_device(rp, ev->dev);

	if (i >= 0)
		return i;
	if (rp->nr_domains != 1) {
		snprintf(msg, len, "device %s is not declared", ev->dev);
		return -1;
	}
	i = add_device(rp, ev->dev, 0, false, 0, msg, len);
	if (i >= 0)
		rp->last_dev = (unsigned int)i;
	return i;
}

/* ---- events ------------------------------------------------------------- */

static uint32_t prot_of(uint32_t access)
{
	return (access & TRACE_R ? IOMMUPT_READ : 0) |
	       (access & TRACE_W ? IOMMUPT_WRITE : 0);
}

static const char *access_str(uint32_t access)
{
	static const char *const s[] = { "-", "r", "w", "rw" };

	return s[access & 3];
}

static const char *reason_str(uint32_t reason)
{
	const char *s = trace_reason_name(reason);

	return s ? s : "other";
}

/* VT-d second stage cannot tell an unmapped IOVA from a denied access. */
static bool reason_matches(enum rpl_vendor v, uint32_t want, uint32_t got)
{
	if (want == got)
		return true;
	return v == RPL_VTD &&
	       (want == IOMMUDRV_FAULT_TRANSLATION ||
		want == IOMMUDRV_FAULT_PERMISSION) &&
	       (got == IOMMUDRV_FAULT_TRANSLATION ||
		got == IOMMUDRV_FAULT_PERMISSION);
}

static void reject(struct replay *rp, const struct trace_event *ev,
		   const char *why)
{
	note(&rp->rejected, rp->line, "%s %s 0x%" PRIx64 " 0x%" PRIx64 ": %s",
	     op_names[ev->op], ev->dev, ev->iova, ev->size, why);
}

static int flush(struct replay *rp, struct r_domain *d,
		 struct iommupt_gather *g)
{
	int rc = rpl_unit_flush(rp->unit[d->unit].hw, d->dom, d->did, g);

	iommupt_gather_release(g);
	if (rc)
		return fatal(rp, "invalidation on unit %s failed: %s",
			     rp->unit[d->unit].name, iommupt_strerror(rc));
	return 0;
}

/*
 * An upper bound of the leaf entries a map needs: IOVA and OA agree modulo
 * the largest page they can share (1G at most counted), so no page the
 * library picks is smaller than that.
 */
static uint64_t map_leaves(const struct trace_event *ev)
{
	uint64_t diff = (ev->iova ^ ev->oa) | (1ull << 30);
	unsigned int lg2 = (unsigned int)__builtin_ctzll(diff);

	if (lg2 < 12)
		lg2 = 12;
	return (ev->size >> lg2) + 2;
}

static bool sim_memory_full(struct replay *rp)
{
	IOMMUPT_OPTS(iommusim_mem_stats, st);

	return !iommusim_mem_get_stats(rp->mem, &st) &&
	       st.pages > MAX_SIM_BYTES >> 12;
}

static int do_map(struct replay *rp, const struct trace_event *ev,
		  struct r_domain *d)
{
	struct iommupt_gather g;
	int rc;

	if (map_leaves(ev) > MAX_MAP_LEAVES) {
		reject(rp, ev, "needs more than 2^22 page-table entries");
		return 0;
	}
	iommupt_gather_init(&g);
	rc = iommupt_domain_map(d->dom, ev->iova, ev->oa, ev->size,
				prot_of(ev->access), &g);
	if (rc) {
		iommupt_gather_release(&g);
		reject(rp, ev, iommupt_strerror(rc));
		return 0;
	}
	rp->applied[TRACE_MAP]++;
	rc = flush(rp, d, &g);
	if (!rc && sim_memory_full(rp))
		return fatal(rp, "the tables use more than 256 MiB of simulated memory");
	return rc;
}

static int do_unmap(struct replay *rp, const struct trace_event *ev,
		    struct r_domain *d)
{
	struct iommupt_gather g;
	uint64_t done = 0;
	int rc;

	iommupt_gather_init(&g);
	/* the trace speaks of bytes: a cut large page is split, not refused */
	rc = iommupt_domain_unmap(d->dom, ev->iova, ev->size,
				  IOMMUPT_UNMAP_SPLIT, &g, &done);
	if (!rc)
		rc = flush(rp, d, &g);
	else
		iommupt_gather_release(&g);
	if (rp->error)
		return rc;
	if (rc)
		reject(rp, ev, iommupt_strerror(rc));
	else if (!done)
		reject(rp, ev, "nothing was mapped there");
	else
		rp->applied[TRACE_UNMAP]++;
	return 0;
}

static int txn(struct replay *rp, const struct r_device *dev,
	       uint64_t iova, uint64_t size, uint32_t access,
	       struct iommusim_dma_result *res, uint32_t *reason)
{
	struct r_unit *u = &rp->unit[rp->domain[dev->domain].unit];
	IOMMUPT_OPTS(iommusim_dma, req, .sid = dev->sid, .iova = iova,
		     .size = size, .access = access);
	int rc;

	memset(res, 0, sizeof(*res));
	res->sz = sizeof(*res);
	rc = rpl_unit_dma(u->hw, &req, res, reason);
	if (rc)
		return fatal(rp, "unit %s refused a transaction: %s", u->name,
			     iommupt_strerror(rc));
	return 0;
}

/* Every 4K page of the range, each access the event names (reads first). */
static int do_dma(struct replay *rp, const struct trace_event *ev,
		  const struct r_device *dev)
{
	const uint64_t last = ev->iova + (ev->size - 1);
	struct iommusim_dma_result res;
	uint32_t reason;
	bool faulted = false;
	int rc;

	if ((last >> 12) - (ev->iova >> 12) >= MAX_DMA_PAGES) {
		reject(rp, ev, "spans more than 4096 pages");
		return 0;
	}
	rp->applied[TRACE_DMA]++;
	for (uint32_t a = IOMMUSIM_DMA_READ; a <= IOMMUSIM_DMA_WRITE; a <<= 1) {
		uint64_t at = ev->iova;

		if (!(ev->access & (a == IOMMUSIM_DMA_READ ? TRACE_R : TRACE_W)))
			continue;
		for (;;) {
			uint64_t end = (at | 0xfff) < last ? (at | 0xfff) : last;

			rc = txn(rp, dev, at, end - at + 1, a, &res, &reason);
			if (rc)
				return rc;
			rp->dma_txns++;
			if (res.fault && !faulted) {
				faulted = true;
				rp->dma_faulted++;
				note(&rp->failed, rp->line,
				     "dma %s %s 0x%" PRIx64 " faulted (%s, code 0x%" PRIx32 ")",
				     ev->dev, a == IOMMUSIM_DMA_READ ? "r" : "w",
				     at, reason_str(reason), res.fault);
			}
			if (end == last)
				break;
			at = end + 1;
		}
	}
	return 0;
}

/* The access at the IOVA (a write when the fault names both) must fault. */
static int do_fault(struct replay *rp, const struct trace_event *ev,
		    const struct r_device *dev)
{
	const enum rpl_vendor v = rp->unit[rp->domain[dev->domain].unit].vendor;
	uint64_t size = 0x1000 - (ev->iova & 0xfff);
	uint32_t a = ev->access & TRACE_W ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ;
	struct iommusim_dma_result res;
	uint32_t reason;
	int rc;

	if (size > ev->size)
		size = ev->size;
	rc = txn(rp, dev, ev->iova, size, a, &res, &reason);
	if (rc)
		return rc;
	rp->applied[TRACE_FAULT]++;
	rp->faults_expected++;
	if (!res.fault)
		note(&rp->failed, rp->line,
		     "fault %s %s 0x%" PRIx64 " expected, but the unit translated it to 0x%" PRIx64,
		     ev->dev, access_str(ev->access), ev->iova, res.oa);
	else if (ev->has_reason && !reason_matches(v, ev->reason, reason))
		note(&rp->failed, rp->line,
		     "fault %s %s 0x%" PRIx64 " expected for %s, the unit faulted for %s (code 0x%" PRIx32 ")",
		     ev->dev, access_str(ev->access), ev->iova,
		     reason_str(ev->reason), reason_str(reason), res.fault);
	else
		rp->faults_held++;
	return 0;
}

static int apply_event(struct replay *rp, const struct trace_event *ev)
{
	char msg[MSG_MAX];
	struct r_domain *d;
	int di;

	rp->events[ev->op]++;
	if (!rp->directives && make_default(rp))
		return -EINVAL;
	di = event_device(rp, ev, msg, sizeof(msg));
	if (di < 0) {
		reject(rp, ev, msg);
		return 0;
	}
	d = &rp->domain[rp->device[di].domain];
	if (ev->has_pasid && (ev->op == TRACE_DMA || ev->op == TRACE_FAULT)) {
		reject(rp, ev, "requests with a PASID are not replayed");
		return 0;
	}
	switch (ev->op) {
	case TRACE_MAP:
		return do_map(rp, ev, d);
	case TRACE_UNMAP:
		return do_unmap(rp, ev, d);
	case TRACE_DMA:
		return do_dma(rp, ev, &rp->device[di]);
	case TRACE_FAULT:
		return do_fault(rp, ev, &rp->device[di]);
	}
	return 0;
}

/* ---- mappings ------------------------------------------------------------ */

struct mapping_walk {
	bool have;
	uint64_t iova, size, oa;
	uint32_t prot;
	uint64_t ranges, bytes;
	void (*emit)(void *ctx, const struct mapping_walk *m);
	void *ctx;
};

static void run_end(struct mapping_walk *m)
{
	if (!m->have)
		return;
	m->ranges++;
	m->bytes += m->size;
	if (m->emit)
		m->emit(m->ctx, m);
	m->have = false;
}

/* Leaves that continue each other (IOVA, OA, permission) make one range. */
static int on_leaf(void *ctx, const struct iommupt_leaf *l)
{
	struct mapping_walk *m = ctx;
	uint64_t sz = 1ull << l->size_lg2;
	uint32_t prot = l->prot & (IOMMUPT_READ | IOMMUPT_WRITE);

	if (m->have && l->iova == m->iova + m->size &&
	    l->oa == m->oa + m->size && prot == m->prot) {
		m->size += sz;
		return 0;
	}
	run_end(m);
	m->have = true;
	m->iova = l->iova;
	m->oa = l->oa;
	m->size = sz;
	m->prot = prot;
	return 0;
}

static void walk_mappings(struct r_domain *d, struct mapping_walk *m)
{
	(void)iommupt_domain_walk(d->dom, 0, 0, on_leaf, m);
	run_end(m);
}

static const char *prot_str(uint32_t prot)
{
	return access_str((prot & IOMMUPT_READ ? TRACE_R : 0) |
			  (prot & IOMMUPT_WRITE ? TRACE_W : 0));
}

struct text_dump {
	FILE *f;
	const char *domain;
};

static void emit_text(void *ctx, const struct mapping_walk *m)
{
	struct text_dump *t = ctx;

	fprintf(t->f, "%s 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " %s\n",
		t->domain, m->iova, m->size, m->oa, prot_str(m->prot));
}

/* ---- reports --------------------------------------------------------------- */

struct unit_figures {
	struct iommusim_unit_stats st;
	struct iommusim_cache_stats tlb;
};

static void unit_figures(struct r_unit *u, struct unit_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->st.sz = sizeof(f->st);
	f->tlb.sz = sizeof(f->tlb);
	(void)iommusim_unit_get_stats(rpl_unit_sim(u->hw), &f->st);
	(void)iommusim_unit_cache_stats(rpl_unit_sim(u->hw),
					IOMMUSIM_CACHE_IOTLB, 0, &f->tlb);
}

static int exit_status(const struct replay *rp)
{
	if (rp->error)
		return EXIT_BAD;
	return rp->failed.total ? EXIT_FAILED : EXIT_OK;
}

static void report_text(struct replay *rp, FILE *f)
{
	uint64_t read = 0;

	for (int i = 0; i < 4; i++)
		read += rp->events[i];
	fprintf(f, "trace: %s\n", rp->path);
	fprintf(f, "events: %" PRIu64 " read (map %" PRIu64 ", unmap %" PRIu64
		", dma %" PRIu64 ", fault %" PRIu64 ")\n", read, rp->events[0],
		rp->events[1], rp->events[2], rp->events[3]);
	fprintf(f, "applied: map %" PRIu64 ", unmap %" PRIu64 ", dma %" PRIu64
		", fault %" PRIu64 "\n", rp->applied[0], rp->applied[1],
		rp->applied[2], rp->applied[3]);
	fprintf(f, "rejected: %" PRIu64 "\n", rp->rejected.total);
	for (unsigned int i = 0; i < rp->rejected.n; i++)
		fprintf(f, "  line %lu: %s\n", rp->rejected.note[i].line,
			rp->rejected.note[i].msg);
	if (rp->rejected.total > rp->rejected.n)
		fprintf(f, "  (%" PRIu64 " more not listed)\n",
			rp->rejected.total - rp->rejected.n);
	fprintf(f, "expectations: %" PRIu64 " faults expected, %" PRIu64
		" held; %" PRIu64 " dma transactions, %" PRIu64
		" dma events faulted\n", rp->faults_expected, rp->faults_held,
		rp->dma_txns, rp->dma_faulted);
	fprintf(f, "failed: %" PRIu64 "\n", rp->failed.total);
	for (unsigned int i = 0; i < rp->failed.n; i++)
		fprintf(f, "  line %lu: %s\n", rp->failed.note[i].line,
			rp->failed.note[i].msg);
	if (rp->failed.total > rp->failed.n)
		fprintf(f, "  (%" PRIu64 " more not listed)\n",
			rp->failed.total - rp->failed.n);
	for (unsigned int i = 0; i < rp->nr_domains; i++) {
		struct r_domain *d = &rp->domain[i];
		struct mapping_walk m = { .have = false };

		walk_mappings(d, &m);
		fprintf(f, "domain %s: unit %s, %s, %u levels, did %" PRIu32
			": %" PRIu64 " ranges, 0x%" PRIx64 " bytes mapped\n",
			d->name, rp->unit[d->unit].name, d->format,
			d->info.levels, d->did, m.ranges, m.bytes);
	}
	for (unsigned int i = 0; i < rp->nr_units; i++) {
		struct unit_figures uf;

		unit_figures(&rp->unit[i], &uf);
		fprintf(f, "unit %s: %s, %" PRIu64 " translations, %" PRIu64
			" faults, %" PRIu64 " cycles (%.1f per translation), IOTLB %"
			PRIu64 " hits %" PRIu64 " misses, %" PRIu64
			" walk reads, %" PRIu64 " queued commands (%" PRIu64
			" cycles), %" PRIu64 " stale\n", rp->unit[i].name,
			vendor_names[rp->unit[i].vendor], uf.st.dma,
			uf.st.faults, uf.st.cycles,
			uf.st.dma ? (double)uf.st.cycles / (double)uf.st.dma : 0.0,
			uf.tlb.hits, uf.tlb.misses, uf.st.walk_reads,
			uf.st.queue_cmds, uf.st.queue_cycles, uf.st.stale);
	}
	fprintf(f, "result: %s\n", rp->error ? "error" :
		rp->failed.total ? "expectations failed" : "ok");
}

static void json_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

static void json_list(FILE *f, const char *key, const struct r_list *l)
{
	fprintf(f, "  \"%s\": {\"total\": %" PRIu64 ", \"listed\": [", key,
		l->total);
	for (unsigned int i = 0; i < l->n; i++) {
		fprintf(f, "%s\n    {\"line\": %lu, \"message\": ", i ? "," : "",
			l->note[i].line);
		json_str(f, l->note[i].msg);
		putc('}', f);
	}
	fprintf(f, "%s]},\n", l->n ? "\n  " : "");
}

struct json_dump {
	FILE *f;
	bool first;
};

static void emit_json(void *ctx, const struct mapping_walk *m)
{
	struct json_dump *j = ctx;

	fprintf(j->f, "%s\n      {\"iova\": \"0x%" PRIx64 "\", \"size\": \"0x%"
		PRIx64 "\", \"oa\": \"0x%" PRIx64 "\", \"prot\": \"%s\"}",
		j->first ? "" : ",", m->iova, m->size, m->oa, prot_str(m->prot));
	j->first = false;
}

static void report_json(struct replay *rp, FILE *f, bool mappings)
{
	fprintf(f, "{\n  \"trace\": ");
	json_str(f, rp->path);
	fprintf(f, ",\n  \"result\": \"%s\",\n", rp->error ? "error" :
		rp->failed.total ? "expectations failed" : "ok");
	if (rp->error) {
		fprintf(f, "  \"error\": {\"line\": %lu, \"message\": ",
			rp->err_line);
		json_str(f, rp->err_msg);
		fprintf(f, "},\n");
	}
	fprintf(f, "  \"events\": {");
	for (int i = 0; i < 4; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", op_names[i],
			rp->events[i]);
	fprintf(f, "},\n  \"applied\": {");
	for (int i = 0; i < 4; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", op_names[i],
			rp->applied[i]);
	fprintf(f, "},\n");
	json_list(f, "rejected", &rp->rejected);
	fprintf(f, "  \"expectations\": {\"faults_expected\": %" PRIu64
		", \"faults_held\": %" PRIu64 ", \"dma_transactions\": %" PRIu64
		", \"dma_faulted\": %" PRIu64 "},\n", rp->faults_expected,
		rp->faults_held, rp->dma_txns, rp->dma_faulted);
	json_list(f, "failed", &rp->failed);
	fprintf(f, "  \"domains\": [");
	for (unsigned int i = 0; i < rp->nr_domains; i++) {
		struct r_domain *d = &rp->domain[i];
		struct json_dump jd = { .f = f, .first = true };
		struct mapping_walk m = { .have = false };

		fprintf(f, "%s\n    {\"name\": \"%s\", \"unit\": \"%s\", \"format\": \"%s\", \"levels\": %u, \"did\": %"
			PRIu32, i ? "," : "", d->name, rp->unit[d->unit].name,
			d->format, d->info.levels, d->did);
		if (mappings) {
			fprintf(f, ", \"mappings\": [");
			m.emit = emit_json;
			m.ctx = &jd;
		}
		walk_mappings(d, &m);
		if (mappings)
			fprintf(f, "%s]", m.ranges ? "\n    " : "");
		fprintf(f, ", \"ranges\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
			m.ranges, m.bytes);
	}
	fprintf(f, "%s],\n  \"units\": [", rp->nr_domains ? "\n  " : "");
	for (unsigned int i = 0; i < rp->nr_units; i++) {
		struct unit_figures uf;

		unit_figures(&rp->unit[i], &uf);
		fprintf(f, "%s\n    {\"name\": \"%s\", \"vendor\": \"%s\", \"translations\": %"
			PRIu64 ", \"faults\": %" PRIu64 ", \"cycles\": %" PRIu64
			", \"iotlb_hits\": %" PRIu64 ", \"iotlb_misses\": %" PRIu64
			", \"walk_reads\": %" PRIu64 ", \"queue_cmds\": %" PRIu64
			", \"queue_cycles\": %" PRIu64 ", \"stale\": %" PRIu64 "}",
			i ? "," : "", rp->unit[i].name,
			vendor_names[rp->unit[i].vendor], uf.st.dma, uf.st.faults,
			uf.st.cycles, uf.tlb.hits, uf.tlb.misses,
			uf.st.walk_reads, uf.st.queue_cmds, uf.st.queue_cycles,
			uf.st.stale);
	}
	fprintf(f, "%s]\n}\n", rp->nr_units ? "\n  " : "");
}

static void dump_mappings(struct replay *rp, FILE *f)
{
	for (unsigned int i = 0; i < rp->nr_domains; i++) {
		struct text_dump t = { .f = f, .domain = rp->domain[i].name };
		struct mapping_walk m = { .emit = emit_text, .ctx = &t };

		walk_mappings(&rp->domain[i], &m);
	}
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommu-sim replay [--json] [--mappings] [--quiet] TRACE\n"
		"Replay a trace (sim/TRACE.md; - reads stdin) on simulated units.\n"
		"  --json      the report as JSON\n"
		"  --mappings  print each domain's final mappings, one coalesced\n"
		"              range a line: DOMAIN IOVA SIZE OA PERM (with --json:\n"
		"              a \"mappings\" array per domain)\n"
		"  --quiet     no report: errors only, and the exit status\n"
		"Exit status: 0 every expectation held, 1 one failed, 2 malformed\n"
		"trace, bad configuration or usage.\n");
}

static void run(struct replay *rp, FILE *in)
{
	struct trace_reader *r = NULL;
	struct trace_directive dir;
	struct trace_event ev;
	int rc;

	rc = trace_reader_open(in, &r);
	if (rc) {
		rp->line = r ? trace_reader_line(r) : 0;
		fatal(rp, "%s", r ? trace_reader_error(r) : iommupt_strerror(rc));
		trace_reader_close(r);
		return;
	}
	for (;;) {
		rc = trace_reader_next(r, &ev, &dir);
		rp->line = trace_reader_line(r);
		if (!rc)
			break;
		if (rc < 0) {
			fatal(rp, "%s", trace_reader_error(r) ?
			      trace_reader_error(r) : iommupt_strerror(rc));
			break;
		}
		if (rc == 1)
			apply_event(rp, &ev);
		else
			apply_directive(rp, &dir);
		if (rp->error)
			break;
	}
	trace_reader_close(r);
}

int sim_replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mappings", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, mappings = false, quiet = false;
	struct replay *rp;
	FILE *in;
	int c, status;

	optind = 0; /* argv[0] is the sub-command; start afresh */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'm':
			mappings = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_BAD;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_BAD;
	}
	rp = calloc(1, sizeof(*rp));
	if (!rp) {
		fprintf(stderr, "iommu-sim replay: out of memory\n");
		return EXIT_BAD;
	}
	rp->path = argv[optind];
	in = strcmp(rp->path, "-") ? fopen(rp->path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "iommu-sim replay: %s: %s\n", rp->path,
			strerror(errno));
		free(rp);
		return EXIT_BAD;
	}
	c = iommusim_mem_create(NULL, &rp->mem);
	if (c)
		fatal(rp, "simulated memory: %s", iommupt_strerror(c));
	else
		run(rp, in);
	if (in != stdin)
		fclose(in);

	if (rp->error)
		fprintf(stderr, "iommu-sim replay: %s:%lu: %s\n", rp->path,
			rp->err_line, rp->err_msg);
	if (quiet)
		(void)0; /* the exit status says it */
	else if (json)
		report_json(rp, stdout, mappings);
	else if (mappings)
		dump_mappings(rp, stdout);
	else
		report_text(rp, stdout);
	status = exit_status(rp);
	if (fflush(stdout) && status == EXIT_OK)
		status = EXIT_BAD;

	for (unsigned int i = 0; i < rp->nr_units; i++)
		rpl_unit_destroy(rp->unit[i].hw);
	for (unsigned int i = 0; i < rp->nr_domains; i++)
		iommupt_domain_destroy(rp->domain[i].dom);
	iommusim_mem_destroy(rp->mem);
	free(rp);
	return status;
}
