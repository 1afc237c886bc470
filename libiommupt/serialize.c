// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Write a domain as a blob (layout in blob-int.h). One pass computes the
 * size and, when the buffer is large enough, writes; nothing is written
 * past buf_len.
 */
#include <iommupt/serialize.h>

#include "blob-int.h"
#include "domains-int.h"

struct pt_writer {
	unsigned char *buf;
	uint64_t cap;
	uint64_t off;
	uint64_t next_page;  /* pre-order index of the next table page */
	int err;
};

static unsigned char *pt_w_reserve(struct pt_writer *w, uint64_t n)
{
	unsigned char *p = NULL;

	if (w->buf && w->off + n <= w->cap)
		p = w->buf + w->off;
	w->off += n;
	return p;
}

static void pt_w64(struct pt_writer *w, uint64_t v)
{
	unsigned char *p = pt_w_reserve(w, 8);

	if (p)
		pt_put64(p, v);
}

static void pt_w32x2(struct pt_writer *w, uint32_t a, uint32_t b)
{
	unsigned char *p = pt_w_reserve(w, 8);

	if (p) {
		pt_put32(p, a);
		pt_put32(p + 4, b);
	}
}

/* Start a section; returns the offset of its head for pt_sec_end. */
static uint64_t pt_sec_begin(struct pt_writer *w, uint16_t type,
			     uint16_t flags)
{
	uint64_t at = w->off;
	unsigned char *p = pt_w_reserve(w, PT_SEC_HDR);

	if (p) {
		pt_put16(p, type);
		pt_put16(p + 2, flags);
		pt_put32(p + 4, 0);
	}
	return at;
}

static void pt_sec_end(struct pt_writer *w, uint64_t at)
{
	if (w->buf && w->off <= w->cap)
		pt_put64(w->buf + at + 8, w->off - at - PT_SEC_HDR);
}

/* Copy mode: one table page, then its children, depth first. */
static void pt_w_table(struct pt_writer *w, const struct iommupt_domain *d,
		       const uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];
	unsigned char *page = pt_w_reserve(w, n * 8);

	w->next_page++;
	if (lvl == 0) {
		/* No table pointer at the leaf level: a plain copy. */
		for (uint64_t i = 0; page && i < n; i++)
			pt_put64(page + i * 8, pt_load(&table[i]));
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_load(&table[i]), child_oa = 0;
		int kind = d->ops->entry_kind(d, lvl, e, &child_oa);

		if (kind == PT_ENTRY_TABLE) {
			unsigned int lg2 = pt_table_lg2(d, lvl - 1);
			uint64_t idx = w->next_page;
			uint64_t fake = idx << lg2;
			const uint64_t *child = pt_oa_to_cpu(d, child_oa);

			if (!child || (idx >> (64 - lg2)) ||
			    (d->oas_lg2 < 64 && (fake >> d->oas_lg2))) {
				w->err = child ? -PT_EOVERFLOW : -PT_EINVAL;
				return;
			}
			e = e ^ d->ops->make_table(d, lvl, child_oa) ^
			    d->ops->make_table(d, lvl, fake);
			if (page)
				pt_put64(page + i * 8, e);
			pt_w_table(w, d, child, lvl - 1);
			if (w->err)
				return;
			continue;
		}
		if (page)
			pt_put64(page + i * 8, e);
	}
}

/* In-place mode: OA | level of every table page, root first. */
static void pt_w_pages(struct pt_writer *w, const struct iommupt_domain *d,
		       const uint64_t *table, uint64_t oa, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];

	pt_w64(w, oa | lvl);
	w->next_page++;
	for (uint64_t i = 0; lvl && i < n; i++) {
		uint64_t child_oa = 0;

		if (d->ops->entry_kind(d, lvl, pt_load(&table[i]), &child_oa) !=
		    PT_ENTRY_TABLE)
			continue;
		const uint64_t *child = pt_oa_to_cpu(d, child_oa);

		if (!child) {
			w->err = -PT_EINVAL;
			return;
		}
		pt_w_pages(w, d, child, child_oa, lvl - 1);
		if (w->err)
			return;
	}
}

/* Pages below the root, for the PAGES section's count. */
static uint64_t pt_count_pages(const struct iommupt_domain *d,
			       const uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];
	uint64_t total = 1;

	for (uint64_t i = 0; lvl && i < n; i++) {
		uint64_t child_oa = 0;
		const uint64_t *child;

		if (d->ops->entry_kind(d, lvl, pt_load(&table[i]), &child_oa) !=
		    PT_ENTRY_TABLE)
			continue;
		child = pt_oa_to_cpu(d, child_oa);
		if (child)
			total += pt_count_pages(d, child, lvl - 1);
	}
	return total;
}

IOMMUPT_API int iommupt_domain_serialize(struct iommupt_domain *d,
					 const struct iommupt_serialize_opts *opts,
					 void *buf, size_t buf_len,
					 size_t *needed)
{
	struct pt_writer w = { .buf = buf, .cap = buf ? buf_len : 0 };
	uint32_t mode = IOMMUPT_SERIALIZE_COPY;
	uint32_t nids = 0, nresv = 0;
	uint64_t at;

	if (!d || !needed)
		return -PT_EINVAL;
	*needed = 0;
	if (opts) {
		if (!pt_opts_valid(opts, opts->sz,
				   sizeof(struct iommupt_serialize_opts)) ||
		    (opts->nr_units && !opts->units))
			return -PT_EINVAL;
		if (opts->mode)
			mode = opts->mode;
	}
	if (mode != IOMMUPT_SERIALIZE_COPY && mode != IOMMUPT_SERIALIZE_IN_PLACE)
		return -PT_EINVAL;
	if (d->read_only)
		return -PT_EOPNOTSUPP;
	pt_settle_top(d);

	/* Header; length and checksum are filled in at the end. */
	at = w.off;
	if (pt_w_reserve(&w, PT_BLOB_HDR) && w.buf) {
		pt_put64(w.buf, PT_BLOB_MAGIC);
		pt_put16(w.buf + 8, PT_BLOB_MAJOR);
		pt_put16(w.buf + 10, PT_BLOB_MINOR);
		pt_put32(w.buf + 12, mode);
	}

	at = pt_sec_begin(&w, PT_SEC_CONFIG, 0);
	pt_w32x2(&w, d->format, d->va_layout);
	pt_w32x2(&w, d->flags, d->levels);
	pt_w32x2(&w, d->ias_lg2, d->oas_lg2);
	pt_w32x2(&w, d->granule_lg2, d->root_size_lg2);
	pt_w64(&w, d->pgsize_bitmap);
	pt_sec_end(&w, at);

	at = pt_sec_begin(&w, PT_SEC_DIRTY, 0);
	pt_w32x2(&w, d->dirty_enabled ? 1 : 0, 0);
	pt_w64(&w, d->dirty_max_bitmap);
	pt_sec_end(&w, at);

	for (uint32_t i = 0; opts && i < opts->nr_units; i++)
		for (struct pt_dom_unit *r = d->units; r; r = r->dom_next)
			if (r->unit == opts->units[i])
				nids++;
	at = pt_sec_begin(&w, PT_SEC_IDS, 0);
	pt_w32x2(&w, nids, 0);
	for (uint32_t i = 0; opts && i < opts->nr_units; i++)
		for (struct pt_dom_unit *r = d->units; r; r = r->dom_next)
			if (r->unit == opts->units[i])
				pt_w32x2(&w, i, r->id);
	pt_sec_end(&w, at);

	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next)
		nresv += dev->nr_resv;
	at = pt_sec_begin(&w, PT_SEC_RESV, PT_SEC_SKIPPABLE);
	pt_w32x2(&w, nresv, 0);
	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next)
		for (uint32_t i = 0; i < dev->nr_resv; i++) {
			pt_w64(&w, dev->resv[i].start);
			pt_w64(&w, dev->resv[i].last);
			pt_w32x2(&w, dev->resv[i].type, dev->resv[i].flags);
		}
	pt_sec_end(&w, at);

	if (mode == IOMMUPT_SERIALIZE_COPY) {
		uint64_t count_at;

		at = pt_sec_begin(&w, PT_SEC_TABLES, 0);
		count_at = w.off;
		pt_w64(&w, 0);
		pt_w_table(&w, d, d->root, d->levels - 1);
		if (w.err)
			return w.err;
		if (w.buf && w.off <= w.cap)
			pt_put64(w.buf + count_at, w.next_page);
		pt_sec_end(&w, at);
	} else {
		at = pt_sec_begin(&w, PT_SEC_PAGES, 0);
		pt_w64(&w, d->root_oa);
		pt_w64(&w, pt_count_pages(d, d->root, d->levels - 1));
		pt_w_pages(&w, d, d->root, d->root_oa, d->levels - 1);
		if (w.err)
			return w.err;
		pt_sec_end(&w, at);
	}

	if (w.off > (uint64_t)SIZE_MAX)
		return -PT_EOVERFLOW;
	*needed = (size_t)w.off;
	if (!w.buf || w.off > w.cap)
		return -PT_ENOBUFS;
	pt_put64(w.buf + 16, w.off);
	pt_put64(w.buf + 24, 0);
	pt_put64(w.buf + 24, pt_blob_sum(w.buf, w.off));
	return 0;
}

/* Give every table page below table (and then table) back unowned. */
static void pt_release_level(struct iommupt_domain *d, uint64_t *table,
			     uint64_t oa, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];

	for (uint64_t i = 0; lvl && i < n; i++) {
		uint64_t child_oa = 0;
		uint64_t *child;

		if (d->ops->entry_kind(d, lvl, pt_load(&table[i]), &child_oa) !=
		    PT_ENTRY_TABLE)
			continue;
		child = pt_oa_to_cpu(d, child_oa);
		if (child)
			pt_release_level(d, child, child_oa, lvl - 1);
	}
	d->mem.release_table(d->mem.ctx, table, oa, pt_table_lg2(d, lvl));
}

void pt_release_pages(struct iommupt_domain *d)
{
	if (d->root && !d->read_only && d->mem.release_table)
		pt_release_level(d, d->root, d->root_oa, d->levels - 1);
}

IOMMUPT_API void iommupt_domain_release_for_update(struct iommupt_domain *d)
{
	if (!d)
		return;
	pt_attach_domain_teardown(d);
	pt_settle_top(d);
	pt_release_pages(d);
	pt_obj_free(&d->mem, d);
}
