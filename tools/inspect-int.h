/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Inside the table inspector: the image (raw or ELF segments), the run
 * state, reporting and the page-table helpers the per-vendor decoders
 * (inspect-vtd.c, inspect-amd.c, inspect-smmu.c) share.
 */
#ifndef IOMMUPT_TOOLS_INSPECT_INT_H
#define IOMMUPT_TOOLS_INSPECT_INT_H

#include <stddef.h>

#include "inspect.h"

/* ------------------------------------------------------------- image */

/* One physically contiguous piece of the image. */
struct insp_seg {
	uint64_t pa, len;
	const uint8_t *data; /* 8-byte aligned */
	bool owned;          /* an aligned copy the image frees */
};

struct insp_image {
	struct insp_seg *segs; /* sorted by pa, not overlapping */
	size_t nsegs;
	uint64_t total;        /* bytes in all segments */
	uint64_t table_bytes;  /* largest table the current format reads */
	uint64_t budget;       /* table visits left for this run */
	bool exhausted;
};

/*
 * Build the image from a raw buffer or an ELF64 core (o->input). Every
 * header field is checked: segments inside the file, no wrap, no overlap,
 * a bounded count. Returns 0 or a negative errno with a message on err.
 */
int insp_image_load(struct insp_image *im, int input, const void *data,
		    uint64_t size, uint64_t base, FILE *err);
void insp_image_release(struct insp_image *im);

/* Bytes [oa, oa + len) of the image, or NULL unless all lie in one segment. */
const void *insp_img_ptr(const struct insp_image *im, uint64_t oa, uint64_t len);

/*
 * Charge a structure read of bytes (one visit per 4 KiB started); false
 * once the budget is spent, and the walk stops there.
 */
bool insp_charge(struct insp_image *im, uint64_t bytes);

static inline uint64_t insp_rd64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

/* ------------------------------------------------------------ run state */

struct insp_tabset;

struct insp {
	const struct insp_opts *o;
	struct insp_image im;
	FILE *out, *err;
	int findings;
	bool first_item; /* JSON: no comma before the next array element */
	bool first_range;
	/* Context of page-table findings. */
	const char *doc;   /* specification the format's sections refer to */
	const char *where; /* e.g. "00:01.0" or "root" */
	uint64_t table_root;
	uint32_t table_format;
	struct insp_tabset *tabs; /* page tables seen, for "same table as" */
};

/* Tool-only finding kinds, after the library's. */
enum {
	INSP_BAD_ENCODING = 100, /* reserved value of a multi-bit field */
};

/*
 * Report one finding. spec is "<document> <section>"; what explains it;
 * loc says where (structure and index).
 */
void insp_report(struct insp *s, int kind, const char *spec, const char *loc,
		 uint64_t entry, const char *what);

void insp_json_str(FILE *f, const char *s);

/* JSON: start the next element of the current array ("{" printed). */
void insp_item_open(struct insp *s);

/* ------------------------------------------------- page tables of a device */

/*
 * A page table one structure entry points at. insp_tab_get looks it up:
 * the first time it is opened (a root outside the image is reported once,
 * at spec/loc/entry as "<name> outside the image", and every later user
 * is skipped: returns -1); later
 * users get same_as, the first user's name. insp_tab_show then prints the
 * ranges (inspect; JSON: `, "<key>": [...]` or `, "same_<key>_as": who`,
 * text: a newline then the
 * ranges) or validates the table (validate), and closes it.
 */
struct insp_tab {
	struct iommupt_domain *dom; /* NULL when seen before */
	const char *same_as;
	uint64_t root;
	uint32_t format;
};

int insp_tab_get(struct insp *s, const struct iommupt_domain_cfg *cfg,
		 uint64_t root, const char *who, const char *spec,
		 const char *loc, uint64_t entry, const char *name,
		 struct insp_tab *t);
void insp_tab_show(struct insp *s, struct insp_tab *t, const char *key,
		   const char *who);
void insp_tab_put(struct insp_tab *t);

/* ------------------------------------------------------- the decoders */

int insp_run_vtd(struct insp *s);
int insp_run_amd(struct insp *s);
int insp_run_smmu(struct insp *s);

#endif
