// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Scenario files (sim/SCENARIOS.md): JSON read with json-c, checked key by
 * key. A scenario is untrusted input: every number is range-checked, every
 * unknown key refused, and the first error is reported with its line
 * (syntax) or its key path (values), never by crashing.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <iommupt/domain.h>

#include "simrun.h"

struct pctx {
	char *err;
	size_t errlen;
	const char *origin;
	int failed;
};

static int fail(struct pctx *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct pctx *p, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s: %s%s%s", p->origin, path,
		 *path ? ": " : "", msg);
	p->failed = 1;
	return -EINVAL;
}

/* Keys allowed in an object: anything else is an error naming them. */
static int check_keys(struct pctx *p, const char *path, json_object *o,
		      const char *const *known)
{
	json_object_object_foreach(o, key, val) {
		char list[256] = "";
		bool ok = false;

		(void)val;
		for (unsigned int i = 0; known[i]; i++) {
			if (!strcmp(key, known[i]))
				ok = true;
			if (strlen(list) + strlen(known[i]) + 3 < sizeof(list)) {
				if (i)
					strcat(list, ", ");
				strcat(list, known[i]);
			}
		}
		if (!ok)
			return fail(p, path, "unknown key \"%s\" (known: %s)",
				    key, list);
	}
	return 0;
}

static const char *jtype(json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

static void subpath(char *out, size_t len, const char *path, const char *key)
{
	snprintf(out, len, "%s%s%s", path, *path ? "." : "", key);
}

/* An integer in [min, max]; sizes may be strings with K/M/G suffixes. */
static int get_u64(struct pctx *p, const char *path, json_object *o,
		   const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	char kp[128];
	json_object *v;
	uint64_t n;

	subpath(kp, sizeof(kp), path, key);
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);

		/* json-c saturates; the unsigned getter sees large values */
		if (i < 0)
			return fail(p, kp, "must not be negative (%" PRId64 ")", i);
		n = json_object_get_uint64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;
		unsigned long long x;
		unsigned int shift = 0;

		errno = 0;
		if (*s < '0' || *s > '9')
			return fail(p, kp, "\"%s\" is not a number", s);
		x = strtoull(s, &end, 0);
		if (*end == 'K' || *end == 'k')
			shift = 10;
		else if (*end == 'M' || *end == 'm')
			shift = 20;
		else if (*end == 'G' || *end == 'g')
			shift = 30;
		if (shift)
			end++;
		if (errno || *end || (shift && x > (UINT64_MAX >> shift)))
			return fail(p, kp, "\"%s\" is not a size (digits with an "
				    "optional K, M or G)", s);
		n = (uint64_t)x << shift;
	} else {
		return fail(p, kp, "expected an integer, got %s", jtype(v));
	}
	if (n < min || n > max)
		return fail(p, kp, "%" PRIu64 " is out of range [%" PRIu64
			    ", %" PRIu64 "]", n, min, max);
	*out = n;
	return 0;
}

static int get_u32(struct pctx *p, const char *path, json_object *o,
		   const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = get_u64(p, path, o, key, min, max, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

static int get_double(struct pctx *p, const char *path, json_object *o,
		      const char *key, double min, double max, double *out)
{
	char kp[128];
	json_object *v;
	double d;

	subpath(kp, sizeof(kp), path, key);
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int))
		return fail(p, kp, "expected a number, got %s", jtype(v));
	d = json_object_get_double(v);
	if (!(d >= min && d <= max))
		return fail(p, kp, "%g is out of range [%g, %g]", d, min, max);
	*out = d;
	return 0;
}

static int get_bool(struct pctx *p, const char *path, json_object *o,
		    const char *key, bool *out)
{
	char kp[128];
	json_object *v;

	subpath(kp, sizeof(kp), path, key);
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(p, kp, "expected true or false, got %s", jtype(v));
	*out = json_object_get_boolean(v);
	return 0;
}

/* A string; 1 when absent. */
static int get_str(struct pctx *p, const char *path, json_object *o,
		   const char *key, const char **out)
{
	char kp[128];
	json_object *v;

	subpath(kp, sizeof(kp), path, key);
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return fail(p, kp, "expected a string, got %s", jtype(v));
	*out = json_object_get_string(v);
	return 0;
}

/* One of choices; returns its index in *out. */
static int get_enum(struct pctx *p, const char *path, json_object *o,
		    const char *key, const char *const *choices, int *out)
{
	char kp[128], list[160] = "";
	const char *s;
	int rc = get_str(p, path, o, key, &s);

	if (rc)
		return rc;
	for (int i = 0; choices[i]; i++) {
		if (!strcmp(s, choices[i])) {
			*out = i;
			return 0;
		}
		if (strlen(list) + strlen(choices[i]) + 3 < sizeof(list)) {
			if (i)
				strcat(list, ", ");
			strcat(list, choices[i]);
		}
	}
	subpath(kp, sizeof(kp), path, key);
	return fail(p, kp, "\"%s\" is not one of: %s", s, list);
}

/* A name: letters, digits, "._-", 1..SR_NAME_MAX-1 characters. */
static int get_name(struct pctx *p, const char *path, json_object *o,
		    char *out)
{
	char kp[128];
	const char *s;
	int rc = get_str(p, path, o, "name", &s);

	subpath(kp, sizeof(kp), path, "name");
	if (rc == 1)
		return fail(p, path, "missing key \"name\"");
	if (rc)
		return rc;
	if (!*s || strlen(s) >= SR_NAME_MAX)
		return fail(p, kp, "must have 1 to %d characters",
			    SR_NAME_MAX - 1);
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		      *c == '-'))
			return fail(p, kp, "\"%s\": use letters, digits and ._-",
				    s);
	strcpy(out, s);
	return 0;
}

static json_object *get_array(struct pctx *p, const char *path,
			      json_object *o, const char *key, bool need,
			      size_t max)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (need)
			fail(p, path, "missing key \"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_array)) {
		fail(p, key, "expected an array, got %s", jtype(v));
		return NULL;
	}
	if (json_object_array_length(v) > max) {
		fail(p, key, "at most %zu entries", max);
		return NULL;
	}
	if (need && json_object_array_length(v) == 0) {
		fail(p, key, "must not be empty");
		return NULL;
	}
	return v;
}

static json_object *get_object(struct pctx *p, const char *path,
			       json_object *o, const char *key)
{
	char kp[128];
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	subpath(kp, sizeof(kp), path, key);
	if (!json_object_is_type(v, json_type_object)) {
		fail(p, kp, "expected an object, got %s", jtype(v));
		return NULL;
	}
	return v;
}

/* ---- units ------------------------------------------------------------ */

static const char *const vendors[] = { "vtd", "amd", "smmu", NULL };
static const char *const repls[] = { "lru", "random", NULL };

static int parse_cache(struct pctx *p, const char *path, json_object *o,
		       const char *key, uint32_t latency,
		       struct sr_cache_opt *c)
{
	static const char *const keys[] = { "sets", "ways", "latency",
					    "replacement", NULL };
	char kp[128];
	json_object *v = get_object(p, path, o, key);
	int repl = 0;

	if (!v)
		return p->failed ? -EINVAL : 0;
	subpath(kp, sizeof(kp), path, key);
	if (check_keys(p, kp, v, keys))
		return -EINVAL;
	c->set = true;
	c->cfg.latency = latency;
	if (get_u32(p, kp, v, "sets", 0, 1u << 20, &c->cfg.sets) == 1)
		return fail(p, kp, "missing key \"sets\" (0 disables the cache)");
	if (get_u32(p, kp, v, "ways", 0, 64, &c->cfg.ways) == 1)
		return fail(p, kp, "missing key \"ways\"");
	if (get_u32(p, kp, v, "latency", 1, 100000, &c->cfg.latency) < 0 ||
	    get_enum(p, kp, v, "replacement", repls, &repl) < 0)
		return -EINVAL;
	c->cfg.repl = (uint32_t)repl;
	return 0;
}

static int parse_unit(struct pctx *p, const char *path, json_object *o,
		      struct sr_unit_cfg *u)
{
	static const char *const keys[] = { "name", "vendor", "iotlb",
		"walk_cache", "context_cache", "pasid_cache", "cycles",
		"stale_check", NULL };
	static const char *const ckeys[] = { "link", "mem_read", "mem_write",
		"queue_desc", "reg", NULL };
	json_object *cy;
	char kp[128];
	int v = 0;

	if (!json_object_is_type(o, json_type_object))
		return fail(p, path, "expected an object, got %s", jtype(o));
	if (check_keys(p, path, o, keys) || get_name(p, path, o, u->name))
		return -EINVAL;
	if (get_enum(p, path, o, "vendor", vendors, &v) == 1)
		return fail(p, path, "missing key \"vendor\" (vtd, amd or smmu)");
	if (p->failed)
		return -EINVAL;
	u->vendor = (enum sr_vendor)v;
	u->stale_check = true;
	if (parse_cache(p, path, o, "iotlb", 3, &u->iotlb) ||
	    parse_cache(p, path, o, "walk_cache", 4, &u->walk) ||
	    parse_cache(p, path, o, "context_cache", 3, &u->context) ||
	    parse_cache(p, path, o, "pasid_cache", 3, &u->pasid) ||
	    get_bool(p, path, o, "stale_check", &u->stale_check) < 0)
		return -EINVAL;
	subpath(kp, sizeof(kp), path, u->vendor == SR_SMMU ? "walk_cache" :
		"pasid_cache");
	if (u->vendor == SR_SMMU && u->walk.set)
		return fail(p, kp, "the SMMUv3 model has no walk caches");
	if (u->vendor == SR_AMD && u->pasid.set)
		return fail(p, kp, "the AMD-Vi model has no PASID cache");
	cy = get_object(p, path, o, "cycles");
	if (cy) {
		subpath(kp, sizeof(kp), path, "cycles");
		if (check_keys(p, kp, cy, ckeys) ||
		    get_u32(p, kp, cy, "link", 1, 1000000, &u->cycles.link) < 0 ||
		    get_u32(p, kp, cy, "mem_read", 1, 1000000,
			    &u->cycles.mem_read) < 0 ||
		    get_u32(p, kp, cy, "mem_write", 1, 1000000,
			    &u->cycles.mem_write) < 0 ||
		    get_u32(p, kp, cy, "queue_desc", 1, 1000000,
			    &u->cycles.queue_desc) < 0 ||
		    get_u32(p, kp, cy, "reg", 1, 1000000, &u->cycles.reg) < 0)
			return -EINVAL;
	}
	return p->failed ? -EINVAL : 0;
}

/* ---- domains ---------------------------------------------------------- */

static const char *const formats[] = { "vtd-ss", "amd-v1", "arm-s1", NULL };
static const uint32_t format_ids[] = { IOMMUPT_FMT_VTD_SS, IOMMUPT_FMT_AMD_V1,
				       IOMMUPT_FMT_ARM_S1 };
/* the one format each vendor's glue attaches, and its level range */
static const struct {
	int format;
	unsigned int min_levels, max_levels, def_levels;
} vendor_fmt[] = {
	[SR_VTD] = { 0, 3, 5, 4 },
	[SR_AMD] = { 1, 3, 6, 4 },
	[SR_SMMU] = { 2, 3, 4, 4 },
};

static int find(const char *name, const char *base, size_t stride,
		unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(name, base + i * stride))
			return (int)i;
	return -1;
}

static int parse_domain(struct pctx *p, const char *path, json_object *o,
			struct sr_scenario *sc, struct sr_domain_cfg *d)
{
	static const char *const keys[] = { "name", "unit", "format", "levels",
					    "dirty_tracking", NULL };
	char kp[128];
	const char *unit;
	int f = -1, ui;
	enum sr_vendor v;
	uint32_t levels;

	if (!json_object_is_type(o, json_type_object))
		return fail(p, path, "expected an object, got %s", jtype(o));
	if (check_keys(p, path, o, keys) || get_name(p, path, o, d->name))
		return -EINVAL;
	if (get_str(p, path, o, "unit", &unit))
		return p->failed ? -EINVAL : fail(p, path, "missing key \"unit\"");
	ui = find(unit, sc->units[0].name, sizeof(sc->units[0]), sc->nr_units);
	subpath(kp, sizeof(kp), path, "unit");
	if (ui < 0)
		return fail(p, kp, "no unit is called \"%s\"", unit);
	d->unit = (unsigned int)ui;
	v = sc->units[ui].vendor;
	if (get_enum(p, path, o, "format", formats, &f) < 0)
		return -EINVAL;
	subpath(kp, sizeof(kp), path, "format");
	if (f < 0)
		f = vendor_fmt[v].format;
	else if (f != vendor_fmt[v].format)
		return fail(p, kp, "format %s cannot be attached to a %s unit "
			    "(use %s)", formats[f], sr_vendor_name(v),
			    formats[vendor_fmt[v].format]);
	d->format = format_ids[f];
	levels = vendor_fmt[v].def_levels;
	if (get_u32(p, path, o, "levels", vendor_fmt[v].min_levels,
		    vendor_fmt[v].max_levels, &levels) < 0)
		return -EINVAL;
	d->levels = levels;
	d->dirty = sc->migration.on;
	if (get_bool(p, path, o, "dirty_tracking", &d->dirty) < 0)
		return -EINVAL;
	return 0;
}

/* ---- devices ---------------------------------------------------------- */

static const char *const workloads[] = { "seq", "random", "strided", "nic",
					 "nvme", "writer", NULL };
static const char *const invals[] = { "strict", "lazy", "none", NULL };
static const char *const pages[] = { "4k", "2m", NULL };

/* "BB:DD.F" or "DDDD:BB:DD.F" (segment 0 only), or a number. */
static int parse_sid(struct pctx *p, const char *path, json_object *o,
		     uint32_t *sid)
{
	char kp[128];
	json_object *v;
	unsigned int seg = 0, bus, dev, fn;
	char tail;

	subpath(kp, sizeof(kp), path, "sid");
	if (!json_object_object_get_ex(o, "sid", &v))
		return fail(p, path, "missing key \"sid\" (source/stream ID)");
	if (json_object_is_type(v, json_type_int))
		return get_u32(p, path, o, "sid", 0, 0xfffff, sid) < 0 ?
		       -EINVAL : 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(p, kp, "expected a number or \"BB:DD.F\", got %s",
			    jtype(v));
	const char *s = json_object_get_string(v);

	if (!strchr(s, ':')) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(s, &end, 0);
		if (errno || *end || !*s || *s == '-' || *s == '+' ||
		    n > 0xfffff)
			return fail(p, kp, "\"%s\" is neither BB:DD.F nor a "
				    "number up to 0xfffff", s);
		*sid = (uint32_t)n;
		return 0;
	}
	if (strchr(s, ':') == strrchr(s, ':')) {
		if (sscanf(s, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3)
			return fail(p, kp, "\"%s\" is not a PCI address BB:DD.F",
				    s);
	} else if (sscanf(s, "%x:%x:%x.%x%c", &seg, &bus, &dev, &fn,
			  &tail) != 4) {
		return fail(p, kp, "\"%s\" is not a PCI address BB:DD.F", s);
	}
	if (seg || bus > 0xff || dev > 0x1f || fn > 7)
		return fail(p, kp, "\"%s\": segment 0, bus <= ff, device <= 1f, "
			    "function <= 7", s);
	*sid = bus << 8 | dev << 3 | fn;
	return 0;
}

/* Keys each workload takes beyond name, domain, sid, workload, interval. */
static const char *const wl_keys[][12] = {
	[SR_WL_SEQ] = { "window", "xfer", "write", "page", "stray", NULL },
	[SR_WL_RANDOM] = { "window", "xfer", "write", "page", "stray", NULL },
	[SR_WL_STRIDED] = { "window", "xfer", "stride", "write", "page",
			    "stray", NULL },
	[SR_WL_NIC] = { "ring", "buffer", "io", "xfer", "write",
			"invalidation", "batch", NULL },
	[SR_WL_NVME] = { "ring", "buffer", "io", "xfer", "write",
			 "invalidation", "batch", NULL },
	[SR_WL_WRITER] = { "window", "xfer", "page", NULL },
};

static void device_defaults(struct sr_device_cfg *d)
{
	d->xfer = 64;
	d->window = 64ull << 20;
	d->page_lg2 = 12;
	d->batch = 32;
	switch (d->wl) {
	case SR_WL_SEQ:
		d->xfer = 4096;
		break;
	case SR_WL_RANDOM:
		break;
	case SR_WL_STRIDED:
		d->stride = 8192 + 64;
		break;
	case SR_WL_NIC:
		d->ring = 256;
		d->buffer = 2048;
		d->io = 2048;
		d->xfer = 256;
		d->write_frac = 1;
		break;
	case SR_WL_NVME:
		d->ring = 32;
		d->buffer = 2ull << 20;
		d->io = 128ull << 10;
		d->xfer = 4096;
		d->write_frac = 0.5;
		break;
	case SR_WL_WRITER:
		d->window = 16ull << 20;
		d->write_frac = 1;
		break;
	}
}

static int parse_device(struct pctx *p, const char *path, json_object *o,
			struct sr_scenario *sc, struct sr_device_cfg *d)
{
	const char *keys[20] = { "name", "domain", "sid", "workload",
				 "interval" };
	unsigned int nk = 5;
	char kp[128];
	const char *dom;
	int w = -1, di, pg = 0, inv = 0;

	if (!json_object_is_type(o, json_type_object))
		return fail(p, path, "expected an object, got %s", jtype(o));
	if (get_name(p, path, o, d->name))
		return -EINVAL;
	if (get_enum(p, path, o, "workload", workloads, &w) == 1)
		return fail(p, path, "missing key \"workload\" (seq, random, "
			    "strided, nic, nvme or writer)");
	if (p->failed)
		return -EINVAL;
	d->wl = (enum sr_workload)w;
	for (unsigned int i = 0; wl_keys[w][i]; i++)
		keys[nk++] = wl_keys[w][i];
	keys[nk] = NULL;
	if (check_keys(p, path, o, keys))
		return -EINVAL;
	if (get_str(p, path, o, "domain", &dom))
		return p->failed ? -EINVAL :
		       fail(p, path, "missing key \"domain\"");
	di = find(dom, sc->domains[0].name, sizeof(sc->domains[0]),
		  sc->nr_domains);
	subpath(kp, sizeof(kp), path, "domain");
	if (di < 0)
		return fail(p, kp, "no domain is called \"%s\"", dom);
	d->domain = (unsigned int)di;
	if (parse_sid(p, path, o, &d->sid))
		return -EINVAL;
	subpath(kp, sizeof(kp), path, "sid");
	/* the simulator's requests carry 16-bit source IDs on every vendor */
	if (d->sid > 0xffff)
		return fail(p, kp, "0x%x is beyond a 16-bit source ID", d->sid);
	device_defaults(d);
	if (get_u64(p, path, o, "window", 4096, 1ull << 36, &d->window) < 0 ||
	    get_u32(p, path, o, "xfer", 4, 4096, &d->xfer) < 0 ||
	    get_u64(p, path, o, "stride", 4, 1ull << 30, &d->stride) < 0 ||
	    get_double(p, path, o, "write", 0, 1, &d->write_frac) < 0 ||
	    get_enum(p, path, o, "page", pages, &pg) < 0 ||
	    get_u32(p, path, o, "ring", 1, 4096, &d->ring) < 0 ||
	    get_u64(p, path, o, "buffer", 64, 1ull << 30, &d->buffer) < 0 ||
	    get_u64(p, path, o, "io", 4, 1ull << 30, &d->io) < 0 ||
	    get_enum(p, path, o, "invalidation", invals, &inv) < 0 ||
	    get_u32(p, path, o, "batch", 1, 65536, &d->batch) < 0 ||
	    get_u32(p, path, o, "interval", 0, 1000000, &d->interval) < 0 ||
	    get_double(p, path, o, "stray", 0, 1, &d->stray) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(o, "page", NULL))
		d->page_lg2 = pg ? 21 : 12;
	if (json_object_object_get_ex(o, "invalidation", NULL))
		d->inval = (enum sr_inval)inv;
	if (d->xfer & (d->xfer - 1)) {
		subpath(kp, sizeof(kp), path, "xfer");
		return fail(p, kp, "%u is not a power of two", d->xfer);
	}
	if (d->window % (1ull << d->page_lg2) || d->window < d->xfer) {
		subpath(kp, sizeof(kp), path, "window");
		return fail(p, kp, "must be a multiple of the page size (%s)",
			    d->page_lg2 == 21 ? "2M" : "4K");
	}
	if (d->wl == SR_WL_NIC || d->wl == SR_WL_NVME) {
		subpath(kp, sizeof(kp), path, "io");
		if (!json_object_object_get_ex(o, "io", NULL) &&
		    d->wl == SR_WL_NIC)
			d->io = d->buffer;
		if (d->io > d->buffer)
			return fail(p, kp, "%" PRIu64 " is larger than the buffer "
				    "(%" PRIu64 ")", d->io, d->buffer);
		if (d->io < d->xfer)
			d->xfer = (uint32_t)(d->io & -d->io);
		/* the ring's IOVA slots must fit a 1 GiB region */
		if ((uint64_t)(d->ring + d->batch) *
		    ((d->buffer + 0xfff) & ~0xfffull) > (1ull << 30) ||
		    (d->wl == SR_WL_NVME &&
		     (uint64_t)(d->ring + d->batch) << 21 > (1ull << 30)))
			return fail(p, path, "ring * buffer is too large "
				    "(the ring must fit 1 GiB)");
	}
	return 0;
}

/* ---- top level -------------------------------------------------------- */

/* 32M leaves: 256 MiB of leaf tables in simulated memory */
#define SR_MAX_LEAVES (1u << 25)

static int parse_top(struct pctx *p, json_object *root, struct sr_scenario *sc)
{
	static const char *const keys[] = { "name", "description", "seed",
		"duration", "units", "domains", "devices", "migration",
		"live_update", NULL };
	static const char *const dkeys[] = { "transactions", "cycles", NULL };
	static const char *const mkeys[] = { "rounds", "first_round",
		"copy_ratio", "stop_below", NULL };
	static const char *const lkeys[] = { "gap", NULL };
	json_object *a, *o;
	const char *s;
	char kp[64];
	uint64_t leaves = 0;
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return fail(p, "", "the scenario must be a JSON object, not %s",
			    jtype(root));
	if (check_keys(p, "", root, keys))
		return -EINVAL;
	strcpy(sc->name, "unnamed");
	rc = get_str(p, "", root, "name", &s);
	if (rc < 0)
		return rc;
	if (!rc) {
		if (strlen(s) >= sizeof(sc->name) || !*s)
			return fail(p, "name", "must have 1 to %zu characters",
				    sizeof(sc->name) - 1);
		strcpy(sc->name, s);
	}
	if (get_str(p, "", root, "description", &s) < 0)
		return -EINVAL;
	sc->seed = 1;
	if (get_u64(p, "", root, "seed", 0, UINT64_MAX, &sc->seed) < 0)
		return -EINVAL;

	o = get_object(p, "", root, "duration");
	if (p->failed)
		return -EINVAL;
	if (!o)
		return fail(p, "", "missing key \"duration\" "
			    "({\"transactions\": N} or {\"cycles\": N})");
	if (check_keys(p, "duration", o, dkeys) ||
	    get_u64(p, "duration", o, "transactions", 1, 1000000000,
		    &sc->txns) < 0 ||
	    get_u64(p, "duration", o, "cycles", 1, 10000000000000ull,
		    &sc->cycles) < 0)
		return -EINVAL;
	if (!sc->txns == !sc->cycles)
		return fail(p, "duration", "give exactly one of "
			    "\"transactions\" and \"cycles\"");

	/* migration first: it sets the domains' default dirty_tracking */
	o = get_object(p, "", root, "migration");
	if (p->failed)
		return -EINVAL;
	if (o) {
		sc->migration.on = true;
		sc->migration.max_rounds = 8;
		sc->migration.first_round = 20000;
		sc->migration.copy_ratio = 0.5;
		sc->migration.stop_pages = 16;
		if (check_keys(p, "migration", o, mkeys) ||
		    get_u32(p, "migration", o, "rounds", 1, 64,
			    &sc->migration.max_rounds) < 0 ||
		    get_u64(p, "migration", o, "first_round", 1, 100000000,
			    &sc->migration.first_round) < 0 ||
		    get_double(p, "migration", o, "copy_ratio", 0.001, 1000,
			       &sc->migration.copy_ratio) < 0 ||
		    get_u64(p, "migration", o, "stop_below", 0, 1ull << 32,
			    &sc->migration.stop_pages) < 0)
			return -EINVAL;
	}
	o = get_object(p, "", root, "live_update");
	if (p->failed)
		return -EINVAL;
	if (o) {
		sc->live_update.on = true;
		sc->live_update.gap = 10000;
		if (check_keys(p, "live_update", o, lkeys) ||
		    get_u64(p, "live_update", o, "gap", 0, 100000000,
			    &sc->live_update.gap) < 0)
			return -EINVAL;
	}

	a = get_array(p, "", root, "units", true, SR_MAX_UNITS);
	if (!a)
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct sr_unit_cfg *u = &sc->units[i];

		snprintf(kp, sizeof(kp), "units[%zu]", i);
		if (parse_unit(p, kp, json_object_array_get_idx(a, i), u))
			return -EINVAL;
		if (find(u->name, sc->units[0].name, sizeof(*u),
			 (unsigned int)i) >= 0)
			return fail(p, kp, "a second unit called \"%s\"", u->name);
		sc->nr_units++;
	}
	a = get_array(p, "", root, "domains", true, SR_MAX_DOMAINS);
	if (!a)
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct sr_domain_cfg *d = &sc->domains[i];

		snprintf(kp, sizeof(kp), "domains[%zu]", i);
		if (parse_domain(p, kp, json_object_array_get_idx(a, i), sc, d))
			return -EINVAL;
		if (find(d->name, sc->domains[0].name, sizeof(*d),
			 (unsigned int)i) >= 0)
			return fail(p, kp, "a second domain called \"%s\"",
				    d->name);
		sc->nr_domains++;
	}
	a = get_array(p, "", root, "devices", true, SR_MAX_DEVICES);
	if (!a)
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct sr_device_cfg *d = &sc->devices[i];

		snprintf(kp, sizeof(kp), "devices[%zu]", i);
		if (parse_device(p, kp, json_object_array_get_idx(a, i), sc, d))
			return -EINVAL;
		/* bound the tables (8 bytes a leaf) the windows need */
		if (d->wl != SR_WL_NIC && d->wl != SR_WL_NVME)
			leaves += d->window >> d->page_lg2;
		if (leaves > SR_MAX_LEAVES)
			return fail(p, kp, "the windows need more than %u "
				    "leaves (use smaller windows or 2m pages)",
				    SR_MAX_LEAVES);
		if (find(d->name, sc->devices[0].name, sizeof(*d),
			 (unsigned int)i) >= 0)
			return fail(p, kp, "a second device called \"%s\"",
				    d->name);
		for (size_t j = 0; j < i; j++)
			if (sc->devices[j].sid == d->sid &&
			    sc->domains[sc->devices[j].domain].unit ==
			    sc->domains[d->domain].unit)
				return fail(p, kp, "sid 0x%x is already used by "
					    "device \"%s\" on the same unit",
					    d->sid, sc->devices[j].name);
		sc->nr_devices++;
	}
	return 0;
}

int sr_scenario_parse(const char *text, size_t len, const char *origin,
		      struct sr_scenario *sc, char *err, size_t errlen)
{
	struct pctx p = { .err = err, .errlen = errlen, .origin = origin };
	struct json_tokener *tok;
	json_object *root;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if (len > (64u << 20) || len > INT32_MAX)
		return fail(&p, "", "larger than 64 MiB");
	if (memchr(text, 0, len))
		return fail(&p, "", "contains a NUL byte");
	tok = json_tokener_new_ex(64);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok), line = 1, col = 1;
		bool trailing = e == json_tokener_success && root;

		if (e == json_tokener_continue)
			off = len;
		for (size_t i = 0; i < off && i < len; i++) {
			col++;
			if (text[i] == '\n') {
				line++;
				col = 1;
			}
		}
		/* trailing whitespace after the document is fine */
		if (trailing) {
			size_t i = off;

			while (i < len && strchr(" \t\r\n", text[i]))
				i++;
			if (i == len)
				goto parsed;
		}
		snprintf(err, errlen, "%s:%zu:%zu: %s", origin, line, col,
			 trailing ? "text after the JSON document" :
			 e == json_tokener_continue ? "unexpected end of file" :
			 json_tokener_error_desc(e));
		json_object_put(root);
		json_tokener_free(tok);
		return -EINVAL;
	}
parsed:
	json_tokener_free(tok);
	rc = parse_top(&p, root, sc);
	json_object_put(root);
	return rc;
}

int sr_scenario_load(const char *path, struct sr_scenario *sc, char *err,
		     size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb;

			if (cap >= (64u << 20)) {
				snprintf(err, errlen, "%s: larger than 64 MiB",
					 path);
				rc = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = sr_scenario_parse(buf, len, path, sc, err, errlen);
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

const char *sr_vendor_name(enum sr_vendor v)
{
	return v == SR_VTD ? "vtd" : v == SR_AMD ? "amd" : "smmu";
}

const char *sr_workload_name(enum sr_workload w)
{
	return workloads[w];
}

const char *sr_inval_name(enum sr_inval i)
{
	return invals[i];
}

const char *sr_format_name(uint32_t format)
{
	for (unsigned int i = 0; i < 3; i++)
		if (format_ids[i] == format)
			return formats[i];
	return "?";
}
