// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Table inspector: reads IOMMU structures out of a memory image, prints
 * what they map and reports what is wrong with them. Page tables are
 * decoded by libiommupt through read-only domains (iommupt_domain_open_root)
 * over an image provider; the structures above them (VT-d root, context and
 * PASID tables, AMD device table, SMMUv3 stream table and context
 * descriptors) are decoded in inspect-vtd.c, inspect-amd.c and
 * inspect-smmu.c, the image (raw or ELF core) in inspect-image.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"

/* ------------------------------------------------------ image provider */

/*
 * oa_to_cpu for the engine: the engine reads a whole table from the
 * pointer, so the whole table must lie inside the image. Every call is
 * one table visit; past the budget every pointer reads as missing, which
 * ends any walk quickly.
 */
static void *img_oa_to_cpu(void *ctx, uint64_t oa)
{
	struct insp_image *im = ctx;
	const void *p;

	if (oa & 7)
		return NULL;
	p = insp_img_ptr(im, oa, im->table_bytes);
	if (!p || !insp_charge(im, 1))
		return NULL;
	return (void *)(uintptr_t)p;
}

/* Scratch memory for validate's alias check; never a table page. */
static int img_alloc_table(void *ctx, unsigned int size_lg2, void **cpu,
			   uint64_t *oa)
{
	(void)ctx;
	if (size_lg2 > 24)
		return -ENOMEM;
	*cpu = calloc(1, (size_t)1 << size_lg2);
	if (!*cpu)
		return -ENOMEM;
	*oa = 0;
	return 0;
}

static void img_free_table(void *ctx, void *cpu, uint64_t oa,
			   unsigned int size_lg2)
{
	(void)ctx;
	(void)oa;
	(void)size_lg2;
	free(cpu);
}

/* ------------------------------------------------------------- output */

void insp_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case IOMMUPT_BAD_RESERVED_BITS: return "reserved-bits";
	case IOMMUPT_BAD_TABLE_ALIGN: return "misaligned-pointer";
	case IOMMUPT_BAD_TABLE_MISSING: return "pointer-outside-image";
	case IOMMUPT_BAD_TABLE_ALIAS: return "table-alias";
	case IOMMUPT_BAD_LEAF_LEVEL: return "bad-level-or-size";
	case IOMMUPT_BAD_LEAF_ALIGN: return "misaligned-leaf";
	case IOMMUPT_BAD_CONTIG: return "bad-contiguous-run";
	case IOMMUPT_BAD_OA_RANGE: return "output-address-range";
	default: return "unknown";
	}
}

static const char *insp_kind_name(int kind)
{
	return kind == INSP_BAD_ENCODING ? "bad-encoding" : kind_name(kind);
}

void insp_report(struct insp *s, int kind, const char *spec,
		   const char *loc, uint64_t entry, const char *what)
{
	s->findings++;
	if (!s->o->validate) {
		/* inspect: findings only make a structure be skipped. */
		return;
	}
	if (s->o->json) {
		fprintf(s->out, "%s\n    {\"kind\": ", s->first_item ? "" : ",");
		insp_json_str(s->out, insp_kind_name(kind));
		fprintf(s->out, ", \"spec\": ");
		insp_json_str(s->out, spec);
		fprintf(s->out, ", \"where\": ");
		insp_json_str(s->out, loc);
		fprintf(s->out, ", \"entry\": \"0x%" PRIx64 "\", \"what\": ", entry);
		insp_json_str(s->out, what);
		fputc('}', s->out);
		s->first_item = false;
	} else {
		fprintf(s->out, "%s: [%s] %s: %s (entry 0x%016" PRIx64 ")\n",
			insp_kind_name(kind), spec, loc, what, entry);
	}
}

static void size_str(char *buf, size_t n, unsigned int lg2)
{
	static const char unit[] = "KMGTPE";
	unsigned int u = lg2 / 10;

	if (lg2 < 10 || u > 6)
		snprintf(buf, n, "2^%u", lg2);
	else
		snprintf(buf, n, "%llu%c", 1ull << (lg2 - u * 10), unit[u - 1]);
}

/* "rw", "r-", "-w", then the attributes the entry encodes. */
static void prot_str(char *buf, size_t n, uint32_t prot)
{
	snprintf(buf, n, "%c%c%s%s%s", (prot & IOMMUPT_READ) ? 'r' : '-',
		 (prot & IOMMUPT_WRITE) ? 'w' : '-',
		 (prot & IOMMUPT_NOEXEC) ? ",noexec" : "",
		 (prot & IOMMUPT_PRIV) ? ",priv" : "",
		 (prot & IOMMUPT_MMIO) ? ",mmio" : "");
}

/* ---------------------------------------------------- coalesced ranges */

/* Leaves that continue each other (IOVA, OA, prot, page size) as one run. */
struct run {
	bool valid;
	uint64_t iova, last, oa;
	uint32_t prot;
	unsigned int size_lg2;
	uint64_t pages;
};

static void run_flush(struct insp *s, struct run *r)
{
	char sz[16], pr[32];

	if (!r->valid)
		return;
	size_str(sz, sizeof(sz), r->size_lg2);
	prot_str(pr, sizeof(pr), r->prot);
	if (s->o->json) {
		fprintf(s->out,
			"%s\n        {\"iova\": \"0x%" PRIx64 "\", \"last\": \"0x%" PRIx64
			"\", \"oa\": \"0x%" PRIx64 "\", \"prot\": \"%s\", "
			"\"page_size\": \"%s\", \"pages\": %" PRIu64 "}",
			s->first_range ? "" : ",", r->iova, r->last, r->oa, pr,
			sz, r->pages);
		s->first_range = false;
	} else {
		fprintf(s->out,
			"  0x%016" PRIx64 "-0x%016" PRIx64 " -> 0x%016" PRIx64
			" %s %s x%" PRIu64 "\n",
			r->iova, r->last, r->oa, pr, sz, r->pages);
	}
	r->valid = false;
}

struct walk_ctx {
	struct insp *s;
	struct run run;
};

static int on_leaf(void *ctx, const struct iommupt_leaf *l)
{
	struct walk_ctx *w = ctx;
	struct run *r = &w->run;
	uint64_t bytes = l->size_lg2 >= 64 ? 0 : 1ull << l->size_lg2;

	if (r->valid && r->last != UINT64_MAX && l->iova == r->last + 1 &&
	    l->oa == r->oa + (r->last - r->iova + 1) && l->prot == r->prot &&
	    l->size_lg2 == r->size_lg2) {
		r->last = bytes ? l->iova + bytes - 1 : UINT64_MAX;
		r->pages++;
		return 0;
	}
	run_flush(w->s, r);
	r->valid = true;
	r->iova = l->iova;
	r->last = bytes ? l->iova + bytes - 1 : UINT64_MAX;
	r->oa = l->oa;
	r->prot = l->prot;
	r->size_lg2 = l->size_lg2;
	r->pages = 1;
	return 0;
}

/* Print the coalesced ranges of a domain (JSON: the array's elements). */
static void print_ranges(struct insp *s, struct iommupt_domain *dom)
{
	struct walk_ctx w = { .s = s };

	s->first_range = true;
	iommupt_domain_walk(dom, 0, 0, on_leaf, &w);
	run_flush(s, &w.run);
}

/* ------------------------------------------------- page-table findings */

static const char *fmt_doc(uint32_t format)
{
	switch (format) {
	case IOMMUPT_FMT_VTD_SS: return "VT-d";
	case IOMMUPT_FMT_X86_64: return "SDM Vol.3A";
	case IOMMUPT_FMT_AMD_V1: return "AMD IOMMU";
	default: return "Arm ARM";
	}
}

/* Section for engine findings whose text names none. */
static const char *fmt_default_section(uint32_t format)
{
	switch (format) {
	case IOMMUPT_FMT_VTD_SS: return "9.8";   /* second-stage entries */
	case IOMMUPT_FMT_X86_64: return "4.5";   /* 4/5-level paging */
	case IOMMUPT_FMT_AMD_V1: return "2.2.3"; /* I/O page tables */
	default: return "D8.3";                  /* VMSAv8-64 descriptors */
	}
}

static void on_finding(void *ctx, const struct iommupt_finding *f)
{
	struct insp *s = ctx;
	char spec[64], loc[160];
	size_t n = strspn(f->what, "0123456789.");
	const char *what = f->what;

	/* Past the budget, missing tables are an artefact of the cut-off. */
	if (f->kind == IOMMUPT_BAD_TABLE_MISSING && s->im.exhausted)
		return;
	if (n && what[n] == ':') {
		snprintf(spec, sizeof(spec), "%s %.*s", s->doc, (int)n, what);
		what += n + 1;
		while (*what == ' ')
			what++;
	} else {
		snprintf(spec, sizeof(spec), "%s %s", s->doc,
			 fmt_default_section(s->table_format));
	}
	snprintf(loc, sizeof(loc),
		 "%s: page table 0x%" PRIx64 " level %u index %u (iova 0x%" PRIx64
		 ", root 0x%" PRIx64 ")",
		 s->where, f->table_oa, f->level, f->index, f->iova,
		 s->table_root);
	insp_report(s, f->kind, spec, loc, f->entry, what);
}

/* Largest table a domain of this configuration reads in one piece. */
static uint64_t table_bytes_of(struct iommupt_domain *dom)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	uint64_t b = 4096;

	if (iommupt_domain_get_info(dom, &info))
		return b;
	if (info.granule_lg2 > 12 && info.granule_lg2 < 32 &&
	    (1ull << info.granule_lg2) > b)
		b = 1ull << info.granule_lg2;
	if (info.root_size_lg2 < 32 && (1ull << info.root_size_lg2) > b)
		b = 1ull << info.root_size_lg2;
	return b;
}

static struct iommupt_mem img_mem(struct insp *s)
{
	struct iommupt_mem m = {
		.sz = sizeof(m),
		.ctx = &s->im,
		.alloc_table = img_alloc_table,
		.free_table = img_free_table,
		.oa_to_cpu = img_oa_to_cpu,
	};
	return m;
}

/*
 * Open the table at root_oa read-only. The root is checked against the
 * image with the smallest table size first, then table_bytes is raised to
 * the format's largest table for the walk.
 */
static int open_table(struct insp *s, const struct iommupt_domain_cfg *cfg,
		      uint64_t root_oa, struct iommupt_domain **dom)
{
	struct iommupt_mem m = img_mem(s);
	int rc;

	s->im.table_bytes = 8;
	/* Reading the root is never cut off: the budget guards what follows. */
	s->im.budget++;
	rc = iommupt_domain_open_root(cfg, &m, root_oa, dom);
	if (rc)
		return rc;
	s->im.table_bytes = table_bytes_of(*dom);
	if (!insp_img_ptr(&s->im, root_oa, s->im.table_bytes)) {
		IOMMUPT_OPTS(iommupt_domain_info, info);

		/* Only a smaller top table (ARM) may sit at the very end. */
		iommupt_domain_get_info(*dom, &info);
		if (!insp_img_ptr(&s->im, root_oa, 1ull << info.root_size_lg2)) {
			iommupt_domain_destroy(*dom);
			*dom = NULL;
			return -ERANGE;
		}
	}
	return 0;
}

static void validate_table(struct insp *s, struct iommupt_domain *dom,
			   uint32_t format, uint64_t root_oa, const char *where)
{
	s->doc = fmt_doc(format);
	s->table_format = format;
	s->where = where;
	s->table_root = root_oa;
	if (iommupt_domain_validate(dom, on_finding, s) < 0) {
		fprintf(s->err, "iommupt: %s: validation ran out of memory\n",
			where);
		s->findings++;
	}
}

/* ------------------------------------------------------ page-table root */

static const char *format_name(uint32_t format)
{
	switch (format) {
	case IOMMUPT_FMT_VTD_SS: return "vtd-ss";
	case IOMMUPT_FMT_X86_64: return "x86-64";
	case IOMMUPT_FMT_AMD_V1: return "amd-v1";
	case IOMMUPT_FMT_ARM_S1: return "arm-s1";
	case IOMMUPT_FMT_ARM_S2: return "arm-s2";
	default: return "?";
	}
}

static int run_root(struct insp *s)
{
	const struct insp_opts *o = s->o;
	struct iommupt_domain *dom;
	IOMMUPT_OPTS(iommupt_domain_info, info);
	int rc;

	rc = open_table(s, &o->cfg, o->addr, &dom);
	if (rc) {
		fprintf(s->err, "iommupt: cannot open the %s table at 0x%" PRIx64
			": %s\n", format_name(o->cfg.format), o->addr,
			rc == -ERANGE ? "root outside the image" :
			iommupt_strerror(rc));
		return rc;
	}
	iommupt_domain_get_info(dom, &info);
	if (o->validate) {
		if (o->json)
			fprintf(s->out, "{\n  \"findings\": [");
		validate_table(s, dom, o->cfg.format, o->addr, "root");
	} else if (o->json) {
		fprintf(s->out,
			"{\n  \"table\": {\"format\": \"%s\", \"levels\": %u, "
			"\"ias\": %u, \"root\": \"0x%" PRIx64 "\", \"ranges\": [",
			format_name(o->cfg.format), info.levels, info.ias_lg2,
			o->addr);
		print_ranges(s, dom);
		fprintf(s->out, "\n  ]}");
	} else {
		fprintf(s->out, "%s table, %u levels, %u-bit input, root 0x%" PRIx64
			"\n", format_name(o->cfg.format), info.levels,
			info.ias_lg2, o->addr);
		print_ranges(s, dom);
	}
	iommupt_domain_destroy(dom);
	return 0;
}

/* ---------------------------------------------- page tables of devices */

/*
 * Page tables seen in this run, by root and configuration, with the name
 * of their first user: each is printed or validated once. Open addressing
 * in an array that doubles when half full, up to TAB_MAX tables; past that
 * further tables count as a cut-off walk (the image is then hostile: real
 * set-ups have far fewer tables).
 */
#define TAB_FIRST (1u << 10)
#define TAB_MAX (1u << 16)

struct tab_slot {
	uint64_t root;
	uint32_t format, levels, ias, granule, flags;
	bool used, bad;
	char who[40];
};

struct insp_tabset {
	struct tab_slot *slot;
	uint32_t size, count; /* size: a power of two */
};

static uint32_t tab_hash(uint64_t root, const struct tab_slot *e)
{
	return (uint32_t)(((root >> 6) ^ (uint64_t)e->format << 56 ^
			   (uint64_t)e->levels << 48 ^ (uint64_t)e->ias << 40) *
			  0x9e3779b97f4a7c15ull >> 40);
}

static bool tab_same(const struct tab_slot *a, const struct tab_slot *b)
{
	return a->root == b->root && a->format == b->format &&
	       a->levels == b->levels && a->ias == b->ias &&
	       a->granule == b->granule && a->flags == b->flags;
}

/* Double the array; false when memory runs out (the set stays as it was). */
static bool tab_grow(struct insp_tabset *t)
{
	uint32_t n = t->size ? 2 * t->size : TAB_FIRST;
	struct tab_slot *ns = calloc(n, sizeof(*ns));

	if (!ns)
		return false;
	for (uint32_t i = 0; i < t->size; i++) {
		uint32_t h;

		if (!t->slot[i].used)
			continue;
		for (h = tab_hash(t->slot[i].root, &t->slot[i]) & (n - 1);
		     ns[h].used; h = (h + 1) & (n - 1))
			;
		ns[h] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->size = n;
	return true;
}

static struct tab_slot *tab_lookup(struct insp *s,
				   const struct iommupt_domain_cfg *c,
				   uint64_t root, bool *fresh)
{
	struct insp_tabset *t = s->tabs;
	struct tab_slot key = {
		.root = root, .format = c->format, .levels = c->levels,
		.ias = c->ias_lg2, .granule = c->granule_lg2, .flags = c->flags,
		.used = true,
	};
	uint32_t i;

	if (t->count >= t->size / 2) {
		if (t->count >= TAB_MAX || !tab_grow(t)) {
			s->im.exhausted = true;
			return NULL;
		}
	}
	for (i = tab_hash(root, &key) & (t->size - 1);; i = (i + 1) & (t->size - 1)) {
		struct tab_slot *e = &t->slot[i];

		if (!e->used) {
			t->count++;
			*e = key;
			*fresh = true;
			return e;
		}
		if (tab_same(e, &key)) {
			*fresh = false;
			return e;
		}
	}
}

int insp_tab_get(struct insp *s, const struct iommupt_domain_cfg *cfg,
		 uint64_t root, const char *who, const char *spec,
		 const char *loc, uint64_t entry, const char *name,
		 struct insp_tab *t)
{
	char what[128];

	struct tab_slot *e;
	bool fresh;
	int rc;

	memset(t, 0, sizeof(*t));
	t->root = root;
	t->format = cfg->format;
	e = tab_lookup(s, cfg, root, &fresh);
	if (!e)
		return -1;
	if (!fresh) {
		if (e->bad)
			return -1; /* reported with its first user */
		t->same_as = e->who;
		return 0;
	}
	snprintf(e->who, sizeof(e->who), "%s", who);
	rc = open_table(s, cfg, root, &t->dom);
	if (rc) {
		e->bad = true;
		if (rc == -ERANGE) {
			snprintf(what, sizeof(what), "%s outside the image", name);
			insp_report(s, IOMMUPT_BAD_TABLE_MISSING, spec, loc, entry,
				    what);
		} else if (rc == -EINVAL) {
			snprintf(what, sizeof(what),
				 "%s misaligned or its table configuration invalid",
				 name);
			insp_report(s, IOMMUPT_BAD_TABLE_ALIGN, spec, loc, entry,
				    what);
		} else {
			snprintf(what, sizeof(what), "%s: %s", name,
				 iommupt_strerror(rc));
			insp_report(s, INSP_BAD_ENCODING, spec, loc, entry, what);
		}
		return -1;
	}
	return 0;
}

void insp_tab_show(struct insp *s, struct insp_tab *t, const char *key,
		   const char *who)
{
	if (s->o->validate) {
		if (t->dom)
			validate_table(s, t->dom, t->format, t->root, who);
	} else if (!t->dom) {
		if (s->o->json)
			fprintf(s->out, ", \"same_%s_as\": \"%s\"", key, t->same_as);
		else
			fprintf(s->out, " (same table as %s)\n", t->same_as);
	} else {
		if (s->o->json)
			fprintf(s->out, ", \"%s\": [", key);
		else
			fputc('\n', s->out);
		print_ranges(s, t->dom);
		if (s->o->json)
			fputs("\n      ]", s->out);
	}
	insp_tab_put(t);
}

void insp_tab_put(struct insp_tab *t)
{
	iommupt_domain_destroy(t->dom);
	t->dom = NULL;
}

void insp_item_open(struct insp *s)
{
	fprintf(s->out, "%s\n    {", s->first_item ? "" : ",");
	s->first_item = false;
}

/* ---------------------------------------------------------------- run */

int insp_run(const struct insp_opts *o, const void *data, uint64_t size,
	     uint64_t base, FILE *out, FILE *err)
{
	struct insp s = {
		.o = o,
		.out = out,
		.err = err,
		.first_item = true,
	};
	int rc;

	rc = insp_image_load(&s.im, o->input, data, size, base, err);
	if (rc)
		return rc;
	s.tabs = calloc(1, sizeof(*s.tabs));
	if (!s.tabs) {
		fprintf(err, "iommupt: out of memory\n");
		insp_image_release(&s.im);
		return -ENOMEM;
	}
	/*
	 * A sound structure visits each table at most three times (validate's
	 * two passes and a walk); more visits than that mean a loop or heavy
	 * aliasing, and the work stops there.
	 */
	s.im.budget = 4 * (s.im.total / 4096) + 65536 + 16;

	switch (o->start) {
	case INSP_START_ROOT:
		rc = run_root(&s);
		break;
	case INSP_START_VTD:
		rc = insp_run_vtd(&s);
		break;
	case INSP_START_AMD_DT:
		rc = insp_run_amd(&s);
		break;
	case INSP_START_SMMU_ST:
		rc = insp_run_smmu(&s);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	free(s.tabs->slot);
	free(s.tabs);
	if (rc) {
		insp_image_release(&s.im);
		return rc; /* nothing was printed */
	}
	if (s.im.exhausted) {
		char loc[64];

		snprintf(loc, sizeof(loc), "image at 0x%" PRIx64,
			 s.im.nsegs ? s.im.segs[0].pa : 0);
		insp_report(&s, IOMMUPT_BAD_TABLE_ALIAS, "table walk", loc, 0,
			    "more table visits than the image holds tables: a loop or tables reached many times; the walk was cut short");
		if (!o->validate)
			fprintf(err, "iommupt: the walk was cut short: tables are reached in a loop or many times (run validate)\n");
	}
	insp_image_release(&s.im);
	if (!o->validate && s.findings)
		fprintf(err, "iommupt: %d malformed structure%s skipped (run validate)\n",
			s.findings, s.findings == 1 ? "" : "s");
	if (o->json) {
		if (o->validate)
			fprintf(out, "\n  ],\n  \"count\": %d\n}\n", s.findings);
		else
			fputs("\n}\n", out);
	} else if (o->validate) {
		fprintf(out, "%d finding%s\n", s.findings,
			s.findings == 1 ? "" : "s");
	}
	return o->validate ? s.findings : 0;
}
