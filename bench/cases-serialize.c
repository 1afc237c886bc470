// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Serialize/restore cases: how fast a domain's tables are handed over in
 * a live update or a checkpoint. The domain holds 1 GiB mapped with the
 * format's smallest page (512 leaf tables with 4K pages); each row is one
 * call, reported as MB/s of table pages (the bytes of every table page,
 * root included) and compared, per byte, with a memcpy of as many bytes
 * measured just before the case (ratio 1 = as fast as copying them).
 *
 * - serialize copy: the blob with every table page, pointers rewritten;
 * - restore copy: fresh pages from a second heap, pointers rebuilt, the
 *   whole blob and the result validated (destroying it is not timed);
 * - serialize in place: the list of table pages (the tables stay);
 * - restore in place: the same pages adopted and validated where they
 *   are. Between reps the domain is let go with
 *   iommupt_domain_release_for_update, untimed, as the old instance of a
 *   live update does.
 *
 * Untimed checks: the restored domain has the original's table pages and
 * translates the last page of the window to the right OA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

#if defined(__has_include)
#if __has_include(<iommupt/serialize.h>)
#define BENCH_HAVE_SERIALIZE 1
#include <iommupt/serialize.h>
#endif
#endif

#ifdef BENCH_HAVE_SERIALIZE

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)
#define ERR_CHECK (-1001) /* the restored domain differs */

struct ser_env {
	uint64_t base, oa_base, bytes;
	uint64_t table_bytes;
	uint64_t table_pages;
	unsigned char *buf;
	size_t cap;
};

static const char *ser_err(int rc)
{
	return rc == ERR_CHECK ? "restored domain differs" : iommupt_strerror(rc);
}

/* The restored domain: same table pages, last page translated right. */
static int ser_check(const struct ser_env *e, struct iommupt_domain *dom)
{
	struct iommupt_stats st = { .sz = sizeof(st) };
	uint64_t iova = e->base + e->bytes - 8, oa = 0;
	uint64_t pages = 0;

	if (iommupt_domain_stats(dom, &st) ||
	    iommupt_domain_iova_to_phys(dom, iova, &oa, NULL, NULL))
		return ERR_CHECK;
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		pages += st.table_pages[l];
	if (pages != e->table_pages || st.table_bytes != e->table_bytes ||
	    oa != iova - e->base + e->oa_base)
		return ERR_CHECK;
	return 0;
}

static int ser_blob(struct ser_env *e, struct iommupt_domain *dom,
		    uint32_t mode, size_t *len)
{
	struct iommupt_serialize_opts so = { .sz = sizeof(so), .mode = mode };

	return iommupt_domain_serialize(dom, &so, e->buf, e->cap, len);
}

static void copy_rows(struct bench_ctx *c, struct ser_env *e,
		      struct bench_dom *b, struct bench_row *ser,
		      struct bench_row *res)
{
	struct iommupt_heap *h2;
	int rc = iommupt_heap_create(NULL, &h2);

	if (rc) {
		bench_row_fail(ser, "heap: %s", iommupt_strerror(rc));
		bench_row_fail(res, "heap: %s", iommupt_strerror(rc));
		return;
	}
	for (unsigned int rep = 0; rep < bench_total_reps(c); rep++) {
		struct iommupt_domain *r = NULL;
		uint64_t t0, t1, t2;
		size_t len = 0;

		t0 = bench_now_ns();
		rc = ser_blob(e, b->dom, IOMMUPT_SERIALIZE_COPY, &len);
		t1 = bench_now_ns();
		if (rc) {
			bench_row_fail(ser, "serialize: %s", ser_err(rc));
			bench_row_fail(res, "serialize: %s", ser_err(rc));
			break;
		}
		rc = iommupt_domain_restore(e->buf, len, iommupt_heap_mem(h2),
					    NULL, &r);
		t2 = bench_now_ns();
		if (!rc && rep == 0)
			rc = ser_check(e, r);
		iommupt_domain_destroy(r);
		if (rc) {
			bench_row_fail(res, "restore: %s", ser_err(rc));
			break;
		}
		bench_record(ser, t1 - t0, 1);
		bench_record(res, t2 - t1, 1);
	}
	iommupt_heap_destroy(h2);
}

static void inplace_rows(struct bench_ctx *c, struct ser_env *e,
			 struct bench_dom *b, struct bench_row *ser,
			 struct bench_row *res)
{
	for (unsigned int rep = 0; rep < bench_total_reps(c); rep++) {
		struct iommupt_domain *r = NULL;
		uint64_t t0, t1, t2, t3;
		size_t len = 0;
		int rc;

		t0 = bench_now_ns();
		rc = ser_blob(e, b->dom, IOMMUPT_SERIALIZE_IN_PLACE, &len);
		t1 = bench_now_ns();
		if (rc) {
			bench_row_fail(ser, "serialize: %s", ser_err(rc));
			bench_row_fail(res, "serialize: %s", ser_err(rc));
			break;
		}
		/* The old instance lets go; the pages stay where they are. */
		iommupt_domain_release_for_update(b->dom);
		b->dom = NULL;
		t2 = bench_now_ns();
		rc = iommupt_domain_restore(e->buf, len, iommupt_heap_mem(b->heap),
					    NULL, &r);
		t3 = bench_now_ns();
		if (rc) {
			/* The tables are still there, owned by nobody: the
			 * heap takes them back when it is destroyed. */
			bench_row_fail(res, "restore: %s", ser_err(rc));
			break;
		}
		b->dom = r;
		if (rep == 0 && (rc = ser_check(e, r)) != 0) {
			bench_row_fail(res, "restore: %s", ser_err(rc));
			break;
		}
		bench_record(ser, t1 - t0, 1);
		bench_record(res, t3 - t2, 1);
	}
}

void bench_case_serialize(struct bench_ctx *c)
{
	const unsigned int page_lg2 =
		(unsigned int)__builtin_ctzll(c->info.pgsize_bitmap);
	struct iommupt_stats st = { .sz = sizeof(st) };
	struct ser_env e = { .bytes = 1ull << 30, .oa_base = 4ull << 30 };
	struct bench_row *rows[4];
	struct bench_dom b;
	const char *pn = bench_size_name(page_lg2);
	size_t need = 0;
	int rc;

	if (c->info.va_layout == IOMMUPT_VA_UPPER && c->info.ias_lg2 < 64)
		e.base = (uint64_t)0 - (1ull << c->info.ias_lg2);
	e.base += 4ull << 30;
	/* only the small page: 1 GiB aligned would fold into large ones */
	rc = bench_dom_create(&b, c->fmt, 1ull << page_lg2);
	if (rc) {
		bench_skip(c, "serialize", "create: %s", iommupt_strerror(rc));
		return;
	}
	rc = iommupt_domain_map(b.dom, e.base, e.oa_base, e.bytes, RW, NULL);
	if (!rc)
		rc = iommupt_domain_stats(b.dom, &st);
	if (rc) {
		bench_skip(c, "serialize", "map: %s", iommupt_strerror(rc));
		bench_dom_destroy(&b);
		return;
	}
	e.table_bytes = st.table_bytes;
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		e.table_pages += st.table_pages[l];
	rows[0] = bench_row(c, "ns/call", e.table_bytes / 8,
			    "serialize copy 1G/%s", pn);
	rows[1] = bench_row(c, "ns/call", e.table_bytes / 8,
			    "restore copy 1G/%s", pn);
	rows[2] = bench_row(c, "ns/call", e.table_bytes / 8,
			    "serialize in-place 1G/%s", pn);
	rows[3] = bench_row(c, "ns/call", e.table_bytes / 8,
			    "restore in-place 1G/%s", pn);
	for (unsigned int i = 0; i < 4; i++) {
		bench_row_ref(rows[i], BENCH_REF_MEMCPY, e.table_bytes / 8, 0);
		bench_row_show_mbps(rows[i]);
	}
	/* The copy blob is the larger: table pages plus a few headers. */
	rc = iommupt_domain_serialize(b.dom, NULL, NULL, 0, &need);
	e.cap = need;
	e.buf = need ? malloc(need) : NULL;
	if (rc != -ENOBUFS || !e.buf) {
		for (unsigned int i = 0; i < 4; i++)
			bench_row_fail(rows[i], "size query: %s",
				       iommupt_strerror(rc));
		free(e.buf);
		bench_dom_destroy(&b);
		return;
	}
	if (rows[0] || rows[1])
		copy_rows(c, &e, &b, rows[0], rows[1]);
	if (rows[2] || rows[3])
		inplace_rows(c, &e, &b, rows[2], rows[3]);
	free(e.buf);
	bench_dom_destroy(&b);
}

#else /* !BENCH_HAVE_SERIALIZE */

void bench_case_serialize(struct bench_ctx *c)
{
	bench_skip(c, "serialize", "this libiommupt has no serialize/restore");
}

#endif
