// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Table inspector: reads IOMMU structures out of a memory image, prints
 * what they map and reports what is wrong with them. Page tables are
 * decoded by libiommupt through read-only domains (iommupt_domain_open_root)
 * over an image provider; the VT-d root and context tables are decoded here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

/* ------------------------------------------------------ image provider */

struct insp_image {
	const uint8_t *data;
	uint64_t base, size;
	uint64_t table_bytes; /* largest table the current format reads */
	uint64_t budget;      /* table dereferences left for this run */
	bool exhausted;
};

/* Bytes [oa, oa + len) of the image, or NULL when any lies outside. */
static const void *img_ptr(const struct insp_image *im, uint64_t oa,
			   uint64_t len)
{
	uint64_t off;

	if (oa < im->base)
		return NULL;
	off = oa - im->base;
	if (off >= im->size || im->size - off < len)
		return NULL;
	return im->data + off;
}

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
	p = img_ptr(im, oa, im->table_bytes);
	if (!p)
		return NULL;
	if (!im->budget) {
		im->exhausted = true;
		return NULL;
	}
	im->budget--;
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

static uint64_t rd64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* ------------------------------------------------------------- output */

struct insp {
	const struct insp_opts *o;
	struct insp_image im;
	FILE *out, *err;
	int findings;
	bool first_item; /* JSON: no comma before the next array element */
	bool first_range;
	/* Context of page-table findings. */
	const char *doc;     /* specification the format's sections refer to */
	const char *where;   /* e.g. "00:01.0" or "root" */
	uint64_t table_root;
};

static void json_str(FILE *f, const char *s)
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

/* Tool-only finding kinds, after the library's. */
enum {
	INSP_BAD_ENCODING = 100, /* reserved value of a multi-bit field */
};

static const char *insp_kind_name(int kind)
{
	return kind == INSP_BAD_ENCODING ? "bad-encoding" : kind_name(kind);
}

/*
 * Report one finding. spec is "<document> <section>"; what explains it;
 * loc says where (structure and index).
 */
static void report(struct insp *s, int kind, const char *spec,
		   const char *loc, uint64_t entry, const char *what)
{
	s->findings++;
	if (!s->o->validate) {
		/* inspect: findings only make a structure be skipped. */
		return;
	}
	if (s->o->json) {
		fprintf(s->out, "%s\n    {\"kind\": ", s->first_item ? "" : ",");
		json_str(s->out, insp_kind_name(kind));
		fprintf(s->out, ", \"spec\": ");
		json_str(s->out, spec);
		fprintf(s->out, ", \"where\": ");
		json_str(s->out, loc);
		fprintf(s->out, ", \"entry\": \"0x%" PRIx64 "\", \"what\": ", entry);
		json_str(s->out, what);
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
			 fmt_default_section(s->o->start == INSP_START_ROOT ?
					     s->o->cfg.format : IOMMUPT_FMT_VTD_SS));
	}
	snprintf(loc, sizeof(loc),
		 "%s: page table 0x%" PRIx64 " level %u index %u (iova 0x%" PRIx64
		 ", root 0x%" PRIx64 ")",
		 s->where, f->table_oa, f->level, f->index, f->iova,
		 s->table_root);
	report(s, f->kind, spec, loc, f->entry, what);
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
	if (!img_ptr(&s->im, root_oa, s->im.table_bytes)) {
		IOMMUPT_OPTS(iommupt_domain_info, info);

		/* Only a smaller top table (ARM) may sit at the very end. */
		iommupt_domain_get_info(*dom, &info);
		if (!img_ptr(&s->im, root_oa, 1ull << info.root_size_lg2)) {
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

/* --------------------------------------------------- VT-d legacy mode */

/*
 * Root entry (VT-d spec 9.1), 128 bits: bit 0 Present, bits 11:1
 * reserved, bits 63:12 context-table pointer (bits above the host address
 * width reserved), bits 127:64 reserved. 256 entries, indexed by bus.
 * Context entry (9.3): bit 0 P, bit 1 FPD, bits 3:2 TT, bits 11:4
 * reserved, bits 63:12 second-stage page-table pointer; bits 66:64 AW,
 * 70:67 ignored, 71 reserved, 87:72 DID, 127:88 reserved. 256 per
 * context table, indexed by device/function.
 */
#define VTD_P            (1ull << 0)
#define VTD_FPD          (1ull << 1)
#define VTD_TT(lo)       (((lo) >> 2) & 3)
#define VTD_TT_PT        2u
#define VTD_TT_RSVD      3u
#define VTD_HAW          52 /* widest host address width (CAP.MGAW <= 57, HAW <= 52) */
#define VTD_ADDR         ((uint64_t)(((1ull << VTD_HAW) - 1) & ~0xfffull))
#define VTD_ROOT_RSVD_LO (0xffeull | ~((1ull << VTD_HAW) - 1))
#define VTD_CTX_RSVD_LO  (0xff0ull | ~((1ull << VTD_HAW) - 1))
#define VTD_CTX_RSVD_HI  ((1ull << 7) | ~((1ull << 24) - 1))
#define VTD_CTX_AW(hi)   ((unsigned int)((hi) & 7))
#define VTD_CTX_DID(hi)  ((unsigned int)(((hi) >> 8) & 0xffff))

/* One second-stage table reached from context entries, by root and levels. */
struct vtd_table {
	uint64_t slpt;
	unsigned int levels;
	uint16_t first_sid; /* first device using it, bus << 8 | devfn */
	bool used;
	bool bad;           /* could not be opened */
};

#define VTD_HASH_SLOTS (1u << 17) /* > 65536 context entries */

static struct vtd_table *vtd_lookup(struct vtd_table *h, uint64_t slpt,
				    unsigned int levels, bool *fresh)
{
	uint64_t k = (slpt >> 12) * 0x9e3779b97f4a7c15ull + levels;
	uint32_t i = (uint32_t)(k >> 40) & (VTD_HASH_SLOTS - 1);

	for (;; i = (i + 1) & (VTD_HASH_SLOTS - 1)) {
		if (!h[i].used) {
			h[i].used = true;
			h[i].slpt = slpt;
			h[i].levels = levels;
			*fresh = true;
			return &h[i];
		}
		if (h[i].slpt == slpt && h[i].levels == levels) {
			*fresh = false;
			return &h[i];
		}
	}
}

static void sid_str(char *buf, size_t n, unsigned int bus, unsigned int devfn)
{
	snprintf(buf, n, "%02x:%02x.%u", bus, devfn >> 3, devfn & 7);
}

static void vtd_device_head(struct insp *s, const char *sid, unsigned int did,
			    unsigned int aw, unsigned int tt, uint64_t lo,
			    bool fpd)
{
	static const char *const tt_name[] = {
		"untranslated", "all", "pass-through", "reserved",
	};
	unsigned int bits = aw >= 1 && aw <= 3 ? 30 + 9 * aw : 0;

	if (s->o->json) {
		fprintf(s->out,
			"%s\n    {\"sid\": \"%s\", \"did\": %u, \"tt\": \"%s\", "
			"\"fpd\": %s, \"aw\": %u, \"levels\": %u, \"slptptr\": \"0x%"
			PRIx64 "\"",
			s->first_item ? "" : ",", sid, did, tt_name[tt],
			fpd ? "true" : "false", bits, bits ? aw + 2 : 0,
			lo & VTD_ADDR);
		s->first_item = false;
	} else {
		fprintf(s->out, "%s did %u tt %s aw %u-bit (%u-level)%s", sid,
			did, tt_name[tt], bits, bits ? aw + 2 : 0,
			fpd ? " fpd" : "");
		if (tt != VTD_TT_PT)
			fprintf(s->out, " second-stage 0x%" PRIx64, lo & VTD_ADDR);
	}
}

static int run_vtd_legacy(struct insp *s)
{
	const struct insp_opts *o = s->o;
	const uint8_t *root = img_ptr(&s->im, o->addr, 4096);
	uint64_t ctp[256];
	struct vtd_table *tables;
	char loc[128], sid[16];

	if (o->addr & 0xfff) {
		fprintf(s->err, "iommupt: RTADDR 0x%" PRIx64
			" is not 4 KiB aligned (VT-d 11.4.5)\n", o->addr);
		return -EINVAL;
	}
	if (!root) {
		fprintf(s->err, "iommupt: root table 0x%" PRIx64
			" is not inside the image\n", o->addr);
		return -ERANGE;
	}
	tables = calloc(VTD_HASH_SLOTS, sizeof(*tables));
	if (!tables) {
		fprintf(s->err, "iommupt: out of memory\n");
		return -ENOMEM;
	}

	if (o->json)
		fprintf(s->out, "{\n  \"mode\": \"vtd-legacy\", \"root_table\": \"0x%"
			PRIx64 "\",\n  \"%s\": [", o->addr,
			o->validate ? "findings" : "devices");
	else if (!o->validate)
		fprintf(s->out, "VT-d legacy-mode root table 0x%" PRIx64 "\n",
			o->addr);

	/* Root entries: which context tables exist, each checked once. */
	for (unsigned int bus = 0; bus < 256; bus++) {
		uint64_t lo = rd64(root + bus * 16), hi = rd64(root + bus * 16 + 8);

		ctp[bus] = 0;
		if (!(lo & VTD_P))
			continue;
		snprintf(loc, sizeof(loc), "root table 0x%" PRIx64 " bus %02x",
			 o->addr, bus);
		if ((lo & VTD_ROOT_RSVD_LO) || hi) {
			report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.1", loc,
			       (lo & VTD_ROOT_RSVD_LO) ? lo : hi,
			       "reserved bit set in a root entry");
			continue;
		}
		if (!img_ptr(&s->im, lo & VTD_ADDR, 4096)) {
			report(s, IOMMUPT_BAD_TABLE_MISSING, "VT-d 9.1", loc, lo,
			       "context-table pointer outside the image");
			continue;
		}
		if ((lo & VTD_ADDR) == o->addr) {
			report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.1", loc, lo,
			       "context-table pointer is the root table (loop)");
			continue;
		}
		ctp[bus] = lo & VTD_ADDR;
		for (unsigned int b = 0; b < bus; b++) {
			if (ctp[b] == ctp[bus]) {
				report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.1", loc, lo,
				       "context table reached from two buses");
				ctp[bus] = 0;
				break;
			}
		}
	}

	/* Context entries, in source-ID order. */
	for (unsigned int bus = 0; bus < 256; bus++) {
		const uint8_t *ct;

		if (!ctp[bus])
			continue;
		ct = img_ptr(&s->im, ctp[bus], 4096);
		for (unsigned int devfn = 0; devfn < 256; devfn++) {
			uint64_t lo = rd64(ct + devfn * 16);
			uint64_t hi = rd64(ct + devfn * 16 + 8);
			unsigned int tt = VTD_TT(lo), aw = VTD_CTX_AW(hi);
			uint64_t slpt = lo & VTD_ADDR;
			struct vtd_table *t;
			struct iommupt_domain *dom = NULL;
			bool fresh, alias = false;

			if (!(lo & VTD_P))
				continue;
			sid_str(sid, sizeof(sid), bus, devfn);
			snprintf(loc, sizeof(loc), "%s: context table 0x%" PRIx64
				 " entry %u", sid, ctp[bus], devfn);
			if ((lo & VTD_CTX_RSVD_LO) || (hi & VTD_CTX_RSVD_HI)) {
				report(s, IOMMUPT_BAD_RESERVED_BITS, "VT-d 9.3", loc,
				       (lo & VTD_CTX_RSVD_LO) ? lo : hi,
				       "reserved bit set in a context entry");
				continue;
			}
			if (tt == VTD_TT_RSVD) {
				report(s, INSP_BAD_ENCODING, "VT-d 9.3", loc, lo,
				       "translation type 11b is reserved");
				continue;
			}
			if (aw < 1 || aw > 3) {
				report(s, INSP_BAD_ENCODING, "VT-d 9.3", loc, hi,
				       "address width encoding is reserved (valid: 001b 39-bit, 010b 48-bit, 011b 57-bit)");
				continue;
			}
			if (tt == VTD_TT_PT) {
				if (!o->validate) {
					vtd_device_head(s, sid, VTD_CTX_DID(hi), aw, tt,
							lo, lo & VTD_FPD);
					fputs(o->json ? "}" : "\n", s->out);
				}
				continue;
			}
			/* A page table that is also a root or context table. */
			if (slpt == o->addr)
				alias = true;
			for (unsigned int b = 0; b < 256 && !alias; b++)
				alias = ctp[b] && ctp[b] == slpt;
			if (alias) {
				report(s, IOMMUPT_BAD_TABLE_ALIAS, "VT-d 9.3", loc, lo,
				       "second-stage table pointer is a root or context table");
				continue;
			}
			t = vtd_lookup(tables, slpt, aw + 2, &fresh);
			if (fresh) {
				IOMMUPT_OPTS(iommupt_domain_cfg, cfg,
					     .format = IOMMUPT_FMT_VTD_SS,
					     .levels = aw + 2);

				t->first_sid = (uint16_t)(bus << 8 | devfn);
				if (open_table(s, &cfg, slpt, &dom)) {
					t->bad = true;
					report(s, IOMMUPT_BAD_TABLE_MISSING, "VT-d 9.3",
					       loc, lo,
					       "second-stage table pointer outside the image");
					continue;
				}
			} else if (t->bad) {
				continue; /* reported with its first user */
			}
			if (o->validate) {
				if (dom)
					validate_table(s, dom, IOMMUPT_FMT_VTD_SS, slpt,
						       sid);
				iommupt_domain_destroy(dom);
				continue;
			}
			vtd_device_head(s, sid, VTD_CTX_DID(hi), aw, tt, lo,
					lo & VTD_FPD);
			if (!dom) {
				char first[16];

				sid_str(first, sizeof(first), t->first_sid >> 8,
					t->first_sid & 0xff);
				if (o->json)
					fprintf(s->out, ", \"same_ranges_as\": \"%s\"}",
						first);
				else
					fprintf(s->out, " (same table as %s)\n", first);
				continue;
			}
			if (o->json)
				fputs(", \"ranges\": [", s->out);
			else
				fputc('\n', s->out);
			print_ranges(s, dom);
			if (o->json)
				fputs("\n      ]}", s->out);
			iommupt_domain_destroy(dom);
		}
	}
	if (o->json && !o->validate)
		fputs("\n  ]", s->out);
	free(tables);
	return 0;
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
		.im = { .data = data, .base = base, .size = size },
	};
	int rc;

	if (base + size < base && base + size != 0) {
		fprintf(err, "iommupt: image wraps the address space\n");
		return -EINVAL;
	}
	/*
	 * A sound structure visits each table at most three times (validate's
	 * two passes and a walk); more visits than that mean a loop or heavy
	 * aliasing, and the work stops there.
	 */
	s.im.budget = 4 * (size / 4096) + 65536 + 16;

	switch (o->start) {
	case INSP_START_ROOT:
		rc = run_root(&s);
		break;
	case INSP_START_VTD_LEGACY:
		rc = run_vtd_legacy(&s);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc)
		return rc; /* nothing was printed */
	if (s.im.exhausted) {
		char loc[64];

		snprintf(loc, sizeof(loc), "image at 0x%" PRIx64, base);
		report(&s, IOMMUPT_BAD_TABLE_ALIAS, "table walk", loc, 0,
		       "more table visits than the image holds tables: a loop or tables reached many times; the walk was cut short");
		if (!o->validate)
			fprintf(err, "iommupt: the walk was cut short: tables are reached in a loop or many times (run validate)\n");
	}
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
