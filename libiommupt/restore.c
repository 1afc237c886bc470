// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Rebuild a domain from a blob (layout in blob-int.h). The blob is
 * untrusted: the header, checksum and every section are checked before
 * anything is allocated, the table structure is checked in full before a
 * table page is allocated or adopted, and the result passes the engine's
 * validate (reserved bits, leaf alignment, contiguous runs, OA range).
 * Allocations never follow a count from the blob that its length does not
 * cover. The reserved regions it records are checked against the restored
 * tables (identity regions mapped 1:1, nothing mapped in the others) and
 * then held for the domain until devices attached with them take them
 * over (attach.c).
 */
#include <iommupt/serialize.h>

#include <iommupt/dirty.h>

#include "blob-int.h"
#include "domains-int.h"

struct pt_blob {
	uint32_t mode;
	const unsigned char *config;  /* PT_BLOB_CONFIG_LEN bytes */
	const unsigned char *dirty;   /* 16 bytes or NULL */
	const unsigned char *ids;     /* nids x 8 bytes */
	uint32_t nids;
	const unsigned char *resv;    /* nresv x 24 bytes */
	uint32_t nresv;
	const unsigned char *tables;  /* TABLES body after the count */
	uint64_t tables_len;
	uint64_t npages;
	const unsigned char *pages;   /* PAGES entries */
	uint64_t root_oa;
};

/* Header, checksum and section framing. */
static int pt_blob_parse(const unsigned char *b, uint64_t len,
			 struct pt_blob *bl)
{
	uint64_t off = PT_BLOB_HDR;
	uint32_t seen = 0;

	pt_zero(bl, sizeof(*bl));
	if (!b || len < PT_BLOB_HDR || (len & 7))
		return -PT_EINVAL;
	if (pt_get64(b) != PT_BLOB_MAGIC)
		return -PT_EINVAL;
	if (pt_get64(b + 16) != len)
		return -PT_EINVAL;
	if (pt_get64(b + 24) != pt_blob_sum(b, len))
		return -PT_EINVAL;
	if (pt_get16(b + 8) != PT_BLOB_MAJOR)
		return -PT_EOPNOTSUPP;
	bl->mode = pt_get32(b + 12);
	if (bl->mode != IOMMUPT_SERIALIZE_COPY &&
	    bl->mode != IOMMUPT_SERIALIZE_IN_PLACE)
		return -PT_EINVAL;

	while (off < len) {
		const unsigned char *h = b + off, *body = h + PT_SEC_HDR;
		uint16_t type, flags;
		uint64_t blen;

		if (len - off < PT_SEC_HDR)
			return -PT_EINVAL;
		type = pt_get16(h);
		flags = pt_get16(h + 2);
		blen = pt_get64(h + 8);
		if (pt_get32(h + 4) || (flags & ~PT_SEC_SKIPPABLE) ||
		    blen > len - off - PT_SEC_HDR || (blen & 7))
			return -PT_EINVAL;
		off += PT_SEC_HDR + blen;
		if (type < 32) {
			if (seen & (1u << type))
				return -PT_EINVAL; /* a section twice */
			seen |= 1u << type;
		}
		switch (type) {
		case PT_SEC_CONFIG:
			if (blen != PT_BLOB_CONFIG_LEN)
				return -PT_EINVAL;
			bl->config = body;
			break;
		case PT_SEC_DIRTY:
			if (blen != 16 || pt_get32(body + 4))
				return -PT_EINVAL;
			bl->dirty = body;
			break;
		case PT_SEC_IDS:
			if (blen < 8 || pt_get32(body + 4) ||
			    (blen - 8) / 8 != pt_get32(body) ||
			    (blen - 8) % 8)
				return -PT_EINVAL;
			bl->nids = pt_get32(body);
			bl->ids = body + 8;
			break;
		case PT_SEC_RESV:
			if (blen < 8 || pt_get32(body + 4) ||
			    (blen - 8) / 24 != pt_get32(body) ||
			    (blen - 8) % 24)
				return -PT_EINVAL;
			bl->nresv = pt_get32(body);
			bl->resv = body + 8;
			break;
		case PT_SEC_TABLES:
			if (bl->mode != IOMMUPT_SERIALIZE_COPY || blen < 8)
				return -PT_EINVAL;
			bl->npages = pt_get64(body);
			bl->tables = body + 8;
			bl->tables_len = blen - 8;
			/* Every page is at least 8 bytes: the length bounds it. */
			if (!bl->npages || bl->npages > bl->tables_len / 8)
				return -PT_EINVAL;
			break;
		case PT_SEC_PAGES:
			if (bl->mode != IOMMUPT_SERIALIZE_IN_PLACE || blen < 16)
				return -PT_EINVAL;
			bl->root_oa = pt_get64(body);
			bl->npages = pt_get64(body + 8);
			bl->pages = body + 16;
			if (!bl->npages || bl->npages != (blen - 16) / 8)
				return -PT_EINVAL;
			break;
		default:
			if (!(flags & PT_SEC_SKIPPABLE))
				return -PT_EOPNOTSUPP;
			break;
		}
	}
	if (!bl->config || !bl->dirty || !bl->ids ||
	    (bl->mode == IOMMUPT_SERIALIZE_COPY && !bl->tables) ||
	    (bl->mode == IOMMUPT_SERIALIZE_IN_PLACE && !bl->pages))
		return -PT_EINVAL;
	return 0;
}

/*
 * A domain object with the recorded geometry and no root. Returns 0,
 * -EINVAL when the format does not accept the configuration or it yields
 * a different geometry, -EOPNOTSUPP, -ENOMEM.
 */
static int pt_restore_domain(const struct pt_blob *bl,
			     const struct iommupt_mem *mem,
			     const struct iommupt_restore_opts *opts,
			     struct iommupt_domain **out)
{
	const unsigned char *c = bl->config;
	struct iommupt_domain_cfg cfg = { .sz = sizeof(cfg) };
	const struct pt_fmt_ops *ops;
	struct iommupt_domain *d;
	uint32_t root_size_lg2 = pt_get32(c + 28);
	int rc;

	cfg.format = pt_get32(c);
	cfg.va_layout = pt_get32(c + 4);
	cfg.flags = pt_get32(c + 8);
	cfg.levels = pt_get32(c + 12);
	cfg.ias_lg2 = pt_get32(c + 16);
	cfg.oas_lg2 = pt_get32(c + 20);
	cfg.granule_lg2 = pt_get32(c + 24);
	cfg.pgsize_bitmap = pt_get64(c + 32);
	if (opts) {
		cfg.grow_fn = opts->grow_fn;
		cfg.grow_ctx = opts->grow_ctx;
	}
	if (!cfg.levels || cfg.levels > IOMMUPT_MAX_LEVELS)
		return -PT_EINVAL;
	ops = pt_format_ops(cfg.format);
	if (!ops)
		return -PT_EOPNOTSUPP;

	d = pt_obj_alloc(mem, sizeof(*d));
	if (!d)
		return -PT_ENOMEM;
	pt_zero(d, sizeof(*d));
	d->ops = ops;
	d->mem = *mem;
	d->mem.sz = sizeof(d->mem);
	d->format = cfg.format;
	d->flags = cfg.flags;
	rc = ops->init(d, &cfg);
	if (rc)
		goto fail;
	d->pgsize_bitmap = 0;
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		d->pgsize_bitmap |= d->leaf_sizes[l];
	rc = -PT_EINVAL;
	if (!d->pgsize_bitmap || d->levels != cfg.levels ||
	    d->va_layout != cfg.va_layout || d->ias_lg2 != cfg.ias_lg2 ||
	    d->oas_lg2 != cfg.oas_lg2 || d->granule_lg2 != cfg.granule_lg2 ||
	    d->pgsize_bitmap != cfg.pgsize_bitmap)
		goto fail;
	d->min_page_lg2 = pt_ffs64(d->pgsize_bitmap);
	d->root_size_lg2 = pt_table_lg2(d, d->levels - 1);
	if (d->root_size_lg2 != root_size_lg2)
		goto fail;
	*out = d;
	return 0;
fail:
	pt_obj_free(mem, d);
	return rc;
}

/* ------------------------------------------------------------ copy mode */

struct pt_reader {
	const unsigned char *p;
	uint64_t len;
	uint64_t off;
	uint64_t npages;
	uint64_t next_page;
};

/*
 * Check the page at the cursor (level lvl) and, depth first, the pages its
 * table entries index: each must be the next page in pre-order, so the
 * pages form a tree with no page reached twice, none left over, and every
 * page's level fixed by its parent.
 */
static int pt_check_page(const struct iommupt_domain *d, struct pt_reader *r,
			 unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];
	uint64_t at = r->off;

	if (r->len - r->off < n * 8 || r->next_page >= r->npages)
		return -PT_EINVAL;
	r->off += n * 8;
	r->next_page++;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_get64(r->p + at + i * 8), child = 0;
		int kind = d->ops->entry_kind(d, lvl, e, &child);
		unsigned int lg2;
		int rc;

		if (kind == PT_ENTRY_BAD)
			return -PT_EINVAL;
		if (kind != PT_ENTRY_TABLE)
			continue;
		lg2 = pt_table_lg2(d, lvl - 1);
		if ((child & ((1ull << lg2) - 1)) ||
		    (child >> lg2) != r->next_page)
			return -PT_EINVAL;
		rc = pt_check_page(d, r, lvl - 1);
		if (rc)
			return rc;
	}
	return 0;
}

/* Fill table from the checked page at the cursor, allocating children. */
static int pt_build_page(struct iommupt_domain *d, struct pt_reader *r,
			 uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];
	uint64_t at = r->off;

	r->off += n * 8;
	if (lvl == 0) {
		/* Checked already, and no table pointer here: a plain copy. */
		for (uint64_t i = 0; i < n; i++)
			pt_store(&table[i], pt_get64(r->p + at + i * 8));
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = pt_get64(r->p + at + i * 8), fake = 0, oa;
		void *cpu;
		int rc;

		if (d->ops->entry_kind(d, lvl, e, &fake) != PT_ENTRY_TABLE) {
			pt_store(&table[i], e);
			continue;
		}
		rc = pt_table_alloc(d, lvl - 1, &cpu, &oa);
		if (rc)
			return rc;
		/* Link first: a failure below leaves a tree destroy frees. */
		pt_store(&table[i], e ^ d->ops->make_table(d, lvl, fake) ^
					    d->ops->make_table(d, lvl, oa));
		rc = pt_build_page(d, r, cpu, lvl - 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int pt_restore_copy(struct iommupt_domain *d, const struct pt_blob *bl)
{
	struct pt_reader r = { .p = bl->tables, .len = bl->tables_len,
			       .npages = bl->npages };
	int rc;

	rc = pt_check_page(d, &r, d->levels - 1);
	if (rc)
		return rc;
	if (r.next_page != r.npages || r.off != r.len)
		return -PT_EINVAL;
	rc = pt_table_alloc(d, d->levels - 1, &d->root, &d->root_oa);
	if (rc)
		return rc;
	/* The root is not counted among the tables map allocates. */
	d->table_pages[d->levels - 1]--;
	r.off = 0;
	return pt_build_page(d, &r, d->root, d->levels - 1);
}

/* ------------------------------------------------------- in-place mode */


struct pt_inplace {
	uint64_t *sorted;  /* OA | level of every recorded page, by OA */
	uint8_t *seen;     /* per sorted entry: reached from the root */
	uint64_t n;
	uint64_t reached;
};

static void pt_sift(uint64_t *a, uint64_t root, uint64_t n)
{
	for (;;) {
		uint64_t c = 2 * root + 1, t;

		if (c >= n)
			return;
		if (c + 1 < n && a[c] < a[c + 1])
			c++;
		if (a[root] >= a[c])
			return;
		t = a[root];
		a[root] = a[c];
		a[c] = t;
		root = c;
	}
}

/* Heapsort: no recursion, no allocation. */
static void pt_heapsort(uint64_t *a, uint64_t n)
{
	for (uint64_t i = n / 2; i-- > 0;)
		pt_sift(a, i, n);
	for (uint64_t end = n; end-- > 1;) {
		uint64_t t = a[0];

		a[0] = a[end];
		a[end] = t;
		pt_sift(a, 0, end);
	}
}

/* Index in the sorted set of the page at oa, or n. */
static uint64_t pt_find(const struct pt_inplace *s, uint64_t oa)
{
	uint64_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, m = s->sorted[mid] & ~7ull;

		if (m == oa)
			return mid;
		if (m < oa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return s->n;
}

/*
 * Every table pointer below table must name a recorded page of the next
 * level down that nothing reached before (no alias, no loop).
 */
static int pt_check_adopted(struct iommupt_domain *d, struct pt_inplace *s,
			    const uint64_t *table, unsigned int lvl)
{
	const uint64_t n = 1ull << d->items_lg2[lvl];

	for (uint64_t i = 0; i < n; i++) {
		uint64_t child_oa = 0, j;
		int kind = d->ops->entry_kind(d, lvl, pt_load(&table[i]), &child_oa);
		const uint64_t *child;
		int rc;

		if (kind == PT_ENTRY_BAD)
			return -PT_EINVAL;
		if (kind != PT_ENTRY_TABLE)
			continue;
		j = pt_find(s, child_oa);
		if (j == s->n || (s->sorted[j] & 7) != lvl - 1 || s->seen[j])
			return -PT_EINVAL;
		s->seen[j] = 1;
		s->reached++;
		child = pt_oa_to_cpu(d, child_oa);
		if (!child)
			return -PT_EINVAL;
		rc = pt_check_adopted(d, s, child, lvl - 1);
		if (rc)
			return rc;
	}
	return 0;
}

/* Give back the first n recorded pages, unfreed. */
static void pt_inplace_release(struct iommupt_domain *d,
			       const struct pt_blob *bl, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = pt_get64(bl->pages + 8 * i), oa = v & ~7ull;

		d->mem.release_table(d->mem.ctx, pt_oa_to_cpu(d, oa), oa,
				     pt_table_lg2(d, (unsigned int)(v & 7)));
	}
}

/*
 * Take over every recorded page, so that the provider vouches for each
 * before anything reads it; on failure give back those taken.
 */
static int pt_inplace_adopt(struct iommupt_domain *d, const struct pt_blob *bl)
{
	for (uint64_t i = 0; i < bl->npages; i++) {
		uint64_t v = pt_get64(bl->pages + 8 * i), oa = v & ~7ull;
		unsigned int lg2 = pt_table_lg2(d, (unsigned int)(v & 7));
		void *cpu = NULL;
		int rc = d->mem.adopt_table(d->mem.ctx, oa, lg2, &cpu);

		if (!rc && cpu != pt_oa_to_cpu(d, oa)) {
			d->mem.release_table(d->mem.ctx, cpu, oa, lg2);
			rc = -PT_EINVAL;
		}
		if (rc) {
			pt_inplace_release(d, bl, i);
			return rc;
		}
	}
	return 0;
}

/*
 * Check the recorded page list, adopt the pages, then check the tables
 * they hold in place: every pointer inside the set, each page reached
 * once at its recorded level. Fills d's root and per-level counts. On
 * error nothing stays adopted.
 */
static int pt_inplace_check(struct iommupt_domain *d, const struct pt_blob *bl)
{
	struct pt_inplace s = { .n = bl->npages };
	uint64_t bytes = bl->npages * 9;  /* bounded by the blob's length */
	uint64_t j;
	int rc = -PT_EINVAL;

	if (bytes > SIZE_MAX)
		return -PT_EINVAL;
	s.sorted = pt_obj_alloc(&d->mem, (size_t)bytes);
	if (!s.sorted)
		return -PT_ENOMEM;
	s.seen = (uint8_t *)(s.sorted + s.n);
	pt_zero(s.sorted, (size_t)bytes);
	for (uint64_t i = 0; i < s.n; i++) {
		uint64_t v = pt_get64(bl->pages + 8 * i), oa = v & ~7ull;
		unsigned int lvl = (unsigned int)(v & 7);

		if (lvl >= d->levels || (oa & ((1ull << pt_table_lg2(d, lvl)) - 1)) ||
		    (d->oas_lg2 < 64 && (oa >> d->oas_lg2)))
			goto out;
		if ((i == 0) != (oa == bl->root_oa && lvl == d->levels - 1))
			goto out;
		s.sorted[i] = v;
	}
	pt_heapsort(s.sorted, s.n);
	/* No two recorded pages overlap. */
	for (j = 1; j < s.n; j++) {
		uint64_t prev = s.sorted[j - 1];

		if ((prev & ~7ull) + (1ull << pt_table_lg2(d, prev & 7)) >
		    (s.sorted[j] & ~7ull))
			goto out;
	}
	rc = pt_inplace_adopt(d, bl);
	if (rc)
		goto out;
	rc = -PT_EINVAL;
	d->root_oa = bl->root_oa;
	d->root = pt_oa_to_cpu(d, d->root_oa);
	if (!d->root) {
		pt_inplace_release(d, bl, bl->npages);
		goto out;
	}
	j = pt_find(&s, d->root_oa);
	s.seen[j] = 1;
	s.reached = 1;
	rc = pt_check_adopted(d, &s, d->root, d->levels - 1);
	if (!rc && s.reached != s.n)
		rc = -PT_EINVAL; /* a recorded page no pointer reaches */
	for (j = 0; !rc && j < s.n; j++)
		if ((s.sorted[j] & ~7ull) != d->root_oa)
			d->table_pages[s.sorted[j] & 7]++;
	if (rc)
		pt_inplace_release(d, bl, bl->npages);
out:
	if (rc)
		d->root = NULL;
	pt_obj_free(&d->mem, s.sorted);
	return rc;
}

/* ---------------------------------------------------- reserved regions */

/* Region i of the RESV section. */
static void pt_resv_get(const struct pt_blob *bl, uint32_t i,
			struct iommupt_resv_region *r)
{
	const unsigned char *p = bl->resv + 24 * (uint64_t)i;

	r->start = pt_get64(p);
	r->last = pt_get64(p + 8);
	r->type = pt_get32(p + 16);
	r->flags = pt_get32(p + 20);
}

struct pt_resv_probe {
	uint64_t next;  /* first IOVA not yet seen identity-mapped */
	bool wrapped;   /* a leaf reached the end of the 64-bit space */
};

/* Identity region: leaves back to back from its start, each 1:1, RW. */
static int pt_resv_identity_leaf(void *ctx, const struct iommupt_leaf *l)
{
	struct pt_resv_probe *p = ctx;
	uint64_t end = l->iova + (1ull << l->size_lg2);

	if (p->wrapped || l->iova > p->next || l->oa != l->iova ||
	    (l->prot & (IOMMUPT_READ | IOMMUPT_WRITE)) !=
		    (IOMMUPT_READ | IOMMUPT_WRITE))
		return 1;
	if (end == 0)
		p->wrapped = true;
	else if (end > p->next)
		p->next = end;
	return 0;
}

/* Reserved and MSI regions: any leaf there is wrong. */
static int pt_resv_any_leaf(void *ctx, const struct iommupt_leaf *l)
{
	(void)ctx;
	(void)l;
	return 1;
}

/* Whether a leaf lies in [s, l] in any contiguous part of the aperture. */
static bool pt_resv_mapped(struct iommupt_domain *d, uint64_t s, uint64_t l)
{
	uint64_t part[2][2];
	unsigned int nparts = 1, bits = d->ias_lg2;

	part[0][0] = 0;
	part[0][1] = UINT64_MAX;
	if (bits < 64) {
		uint64_t half = 1ull << (bits - 1);

		switch (d->va_layout) {
		case IOMMUPT_VA_SIGNEXT:
			part[0][1] = half - 1;
			part[1][0] = (uint64_t)0 - half;
			part[1][1] = UINT64_MAX;
			nparts = 2;
			break;
		case IOMMUPT_VA_UPPER:
			part[0][0] = (uint64_t)0 - (1ull << bits);
			break;
		default:
			part[0][1] = (1ull << bits) - 1;
			break;
		}
	}
	for (unsigned int i = 0; i < nparts; i++) {
		uint64_t a = s > part[i][0] ? s : part[i][0];
		uint64_t b = l < part[i][1] ? l : part[i][1];

		if (a <= b && d->ops->walk(d, a, b, pt_resv_any_leaf, NULL))
			return true;
	}
	return false;
}

/*
 * The recorded regions must fit the restored tables as an attached
 * device's do: identity regions mapped 1:1 read/write in full, nothing
 * mapped in reserved and MSI regions. Then the domain holds them.
 * Checks everything before it allocates. Returns 0, -EINVAL, -ENOMEM.
 */
static int pt_restore_resv(struct iommupt_domain *d, const struct pt_blob *bl)
{
	struct iommupt_resv_region *copy;

	if (!bl->nresv)
		return 0;
	for (uint32_t i = 0; i < bl->nresv; i++) {
		struct iommupt_resv_region r;
		uint64_t s, l;

		pt_resv_get(bl, i, &r);
		if (!pt_resv_valid(&r))
			return -PT_EINVAL;
		pt_resv_dom_range(d, &r, &s, &l);
		if (r.type != IOMMUPT_RESV_IDENTITY) {
			if (pt_resv_mapped(d, s, l))
				return -PT_EINVAL;
			continue;
		}
		struct pt_resv_probe p = { .next = s };

		if (l - s + 1 == 0 || !pt_in_aperture(d, s, l) ||
		    d->ops->walk(d, s, l, pt_resv_identity_leaf, &p) ||
		    (!p.wrapped && p.next <= l))
			return -PT_EINVAL;
	}
	/* Bounded by the blob: 24 bytes each there. */
	copy = pt_obj_alloc(&d->mem, (size_t)bl->nresv * sizeof(*copy));
	if (!copy)
		return -PT_ENOMEM;
	for (uint32_t i = 0; i < bl->nresv; i++)
		pt_resv_get(bl, i, &copy[i]);
	return pt_attach_restore_resv(d, copy, bl->nresv);
}

/* ------------------------------------------------------------------ API */

IOMMUPT_API int iommupt_domain_restore(const void *buf, size_t len,
				       const struct iommupt_mem *mem,
				       const struct iommupt_restore_opts *opts,
				       struct iommupt_domain **out)
{
	struct iommupt_domain *d = NULL;
	struct pt_blob bl;
	int rc;

	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!mem || !pt_opts_valid(mem, mem->sz, sizeof(struct iommupt_mem)) ||
	    !mem->alloc_table || !mem->free_table ||
	    (!mem->alloc_obj != !mem->free_obj))
		return -PT_EINVAL;
	if (opts && (!pt_opts_valid(opts, opts->sz,
				    sizeof(struct iommupt_restore_opts)) ||
		     (opts->nr_units && !opts->units)))
		return -PT_EINVAL;
	rc = pt_blob_parse(buf, len, &bl);
	if (rc)
		return rc;
	/* In place needs a provider that can take pages over (and back). */
	if (bl.mode == IOMMUPT_SERIALIZE_IN_PLACE &&
	    (mem->sz < sizeof(struct iommupt_mem) || !mem->adopt_table ||
	     !mem->release_table))
		return -PT_EOPNOTSUPP;
	/* IDs name units the caller must pass. */
	for (uint32_t i = 0; opts && opts->units && i < bl.nids; i++) {
		uint32_t u = pt_get32(bl.ids + 8 * i);

		if (u >= opts->nr_units || !opts->units[u])
			return -PT_EINVAL;
	}
	if (pt_get32(bl.dirty) > 1)
		return -PT_EINVAL;

	rc = pt_restore_domain(&bl, mem, opts, &d);
	if (rc)
		return rc;
	if (bl.mode == IOMMUPT_SERIALIZE_COPY)
		rc = pt_restore_copy(d, &bl);
	else
		rc = pt_inplace_check(d, &bl);
	if (rc)
		goto fail;
	rc = d->ops->validate(d, NULL, NULL);
	if (rc) {
		rc = rc < 0 ? rc : -PT_EINVAL;
		goto fail;
	}
	/*
	 * Tracking state as it was, dirty bits as the leaves hold them. A
	 * format without dirty state cannot have had tracking on: disabling
	 * (a no-op here) says whether the format has it.
	 */
	if (pt_get32(bl.dirty)) {
		rc = iommupt_domain_set_dirty_tracking(d, 0, NULL);
		if (rc || !pt_get64(bl.dirty + 8)) {
			rc = -PT_EINVAL;
			goto fail;
		}
	}
	d->dirty_enabled = pt_get32(bl.dirty) != 0;
	d->dirty_max_bitmap = pt_get64(bl.dirty + 8);
	rc = pt_restore_resv(d, &bl);
	if (rc)
		goto fail;
	for (uint32_t i = 0; opts && opts->units && i < bl.nids; i++) {
		uint32_t u = pt_get32(bl.ids + 8 * i);

		rc = iommupt_domain_restore_id(d, opts->units[u],
					       pt_get32(bl.ids + 8 * i + 4));
		if (rc)
			goto fail;
	}
	*out = d;
	return 0;
fail:
	if (bl.mode == IOMMUPT_SERIALIZE_IN_PLACE) {
		/* The pages stay where they are: give them back unfreed. */
		if (d->root)
			pt_inplace_release(d, &bl, bl.npages);
		pt_attach_domain_teardown(d);
		pt_obj_free(mem, d);
	} else {
		iommupt_domain_destroy(d);
	}
	return rc;
}
