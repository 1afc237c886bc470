// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The trace reader and writer (tools/trace.c, sim/TRACE.md): every class
 * of malformed line is refused with its line number and reason, the error
 * is sticky, accepted input parses to the right fields, keys of later
 * versions are ignored, other major versions are refused, write -> read
 * gives back what was written, and the writer refuses what the reader
 * would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/drv.h>

#include "helpers.h"
#include "trace.h"

#define HDR "# iommupt-trace 1\n"

/*
 * The reader's one allocation, failed on demand: the test links with
 * -Wl,--wrap=calloc, which reroutes tools/trace.c's calls (and this
 * file's) through here, not those inside libcheck.
 */
void *__real_calloc(size_t n, size_t sz);
void *__wrap_calloc(size_t n, size_t sz);
static int fail_calloc;

void *__wrap_calloc(size_t n, size_t sz)
{
	if (fail_calloc)
		return NULL;
	return __real_calloc(n, sz);
}

static FILE *mem_file(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	ck_assert_ptr_nonnull(f);
	return f;
}

/*
 * Read text to its end or first error. Returns the last return of
 * trace_reader_next (or of open), the counts of events and directives,
 * and the line and message of an error.
 */
struct outcome {
	int rc;
	unsigned int events, dirs;
	unsigned long line;
	char msg[200];
	struct trace_event ev;   /* the last event */
	struct trace_directive dir; /* the last directive */
};

static struct outcome read_all(const char *text)
{
	struct outcome o = { 0 };
	struct trace_reader *r;
	struct trace_event ev;
	struct trace_directive dir;
	FILE *f = mem_file(text);

	o.rc = trace_reader_open(f, &r);
	if (o.rc) {
		ck_assert_int_eq(o.rc, -EINVAL);
		ck_assert_ptr_nonnull(r);
		ck_assert_ptr_nonnull(trace_reader_error(r));
		snprintf(o.msg, sizeof(o.msg), "%s", trace_reader_error(r));
		o.line = trace_reader_line(r);
		trace_reader_close(r);
		fclose(f);
		return o;
	}
	ck_assert_ptr_null(trace_reader_error(r));
	for (;;) {
		o.rc = trace_reader_next(r, &ev, &dir);
		if (o.rc == 1) {
			o.events++;
			o.ev = ev;
		} else if (o.rc == 2) {
			o.dirs++;
			o.dir = dir;
		} else {
			break;
		}
	}
	o.line = trace_reader_line(r);
	if (o.rc < 0) {
		ck_assert_ptr_nonnull(trace_reader_error(r));
		snprintf(o.msg, sizeof(o.msg), "%s", trace_reader_error(r));
		/* sticky: the reader does not go on past a bad line */
		ck_assert_int_eq(trace_reader_next(r, &ev, &dir), -EINVAL);
		ck_assert_uint_eq(trace_reader_line(r), o.line);
	}
	trace_reader_close(r);
	fclose(f);
	return o;
}

struct bad_case {
	const char *text;
	unsigned long line;
	const char *msg; /* a substring of the reason */
};

static const struct bad_case bad_cases[] = {
	/* the version line */
	{ "", 1, "not a trace" },
	{ "1 d map 0x1000 0x1000 0x1000 rw\n", 1, "not a trace" },
	{ "#iommupt-trace 1\n", 1, "not a trace" },
	{ "# iommupt-trace 2\n", 1, "version 2 is not supported" },
	{ "# iommupt-trace 0\n", 1, "version 0 is not supported" },
	{ "# iommupt-trace 2.0\n", 1, "version 2 is not supported" },
	{ "# iommupt-trace 18446744073709551617\n", 1, "bad trace version" },
	{ "# iommupt-trace \n", 1, "bad trace version" },
	{ "# iommupt-trace 1x\n", 1, "bad trace version" },
	{ "# iommupt-trace 1.\n", 1, "bad trace version" },
	{ "# iommupt-trace 1 \n", 1, "bad trace version" },
	/* field count */
	{ HDR "1 d map 0x1000 0x1000 0x1000\n", 2, "7 fields, this line has 6" },
	{ HDR "# c\n\n1 d map 0x1000 0x1000 0x1000 rw x\n", 4, "more than 7" },
	{ HDR "map\n", 2, "has 1" },
	/* TIME */
	{ HDR "x d map 0x1000 0x1000 0x1000 rw\n", 2, "TIME is not a number" },
	{ HDR "-1 d map 0x1000 0x1000 0x1000 rw\n", 2, "TIME is not a number" },
	{ HDR "0x10 d map 0x1000 0x1000 0x1000 rw\n", 2, "TIME is not a number" },
	{ HDR "18446744073709551616 d map 0x1000 0x1000 0x1000 rw\n", 2,
	  "TIME does not fit" },
	{ HDR "5 d unmap 0x1000 0x1000 - -\n4 d unmap 0x1000 0x1000 - -\n", 3,
	  "TIME goes back" },
	/* DEV */
	{ HDR "1 d/x map 0x1000 0x1000 0x1000 rw\n", 2, "bad character" },
	{ HDR "1 0123456789012345678901234567890123456789012345678901234567890123"
	  " unmap 0x1000 0x1000 - -\n", 2, "device name longer than 63" },
	{ HDR "1 0000:00:20.0 unmap 0x1000 0x1000 - -\n", 2,
	  "PCI device number above 0x1f" },
	{ HDR "1 0000:00:1f.8 unmap 0x1000 0x1000 - -\n", 2,
	  "PCI function number above 7" },
	/* OP */
	{ HDR "1 d mop 0x1000 0x1000 0x1000 rw\n", 2, "unknown op 'mop'" },
	{ HDR "1 d MAP 0x1000 0x1000 0x1000 rw\n", 2, "unknown op" },
	/* IOVA */
	{ HDR "1 d unmap 4096 0x1000 - -\n", 2, "IOVA needs 0x" },
	{ HDR "1 d unmap 0x 0x1000 - -\n", 2, "IOVA has no digits" },
	{ HDR "1 d unmap 0x1g 0x1000 - -\n", 2, "IOVA is not a number" },
	{ HDR "1 d unmap 0x10000000000000000 0x1 - -\n", 2,
	  "IOVA does not fit in 64 bits" },
	/* SIZE */
	{ HDR "1 d unmap 0x1000 0 - -\n", 2, "SIZE is 0" },
	{ HDR "1 d unmap 0x1000 0x0 - -\n", 2, "SIZE is 0" },
	{ HDR "1 d unmap 0x1000 99999999999999999999 - -\n", 2,
	  "SIZE does not fit" },
	{ HDR "1 d unmap 0x1000 1k - -\n", 2, "SIZE is not a number" },
	{ HDR "1 d unmap 0xfffffffffffff000 0x1001 - -\n", 2,
	  "IOVA + SIZE wraps" },
	/* OA */
	{ HDR "1 d map 0x1000 0x1000 - rw\n", 2, "OA needs 0x" },
	{ HDR "1 d map 0x1000 0x1000 4096 rw\n", 2, "OA needs 0x" },
	{ HDR "1 d map 0x1000 0x2000 0xfffffffffffff000 rw\n", 2,
	  "OA + SIZE wraps" },
	{ HDR "1 d unmap 0x1000 0x1000 0x1000 -\n", 2, "OA must be - for unmap" },
	{ HDR "1 d dma 0x1000 0x10 0x0 r\n", 2, "OA must be - for dma" },
	/* FLAGS */
	{ HDR "1 d map 0x1000 0x1000 0x1000 -\n", 2, "map needs an access" },
	{ HDR "1 d dma 0x1000 0x10 - -\n", 2, "dma needs an access" },
	{ HDR "1 d fault 0x1000 0x10 - reason=translation\n", 2, "bad access" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rx\n", 2, "bad access 'rx'" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rr\n", 2, "bad access" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 R\n", 2, "bad access" },
	{ HDR "1 d unmap 0x1000 0x1000 - rw\n", 2, "unmap takes no access" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,\n", 2, "empty token" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,,a=1\n", 2, "empty token" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,w\n", 2, "not key=value" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,=1\n", 2, "empty key" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,Key=1\n", 2, "bad character in a FLAGS key" },
	{ HDR "1 d map 0x1000 0x1000 0x1000 rw,pasid=\n", 2, "empty value" },
	{ HDR "1 d dma 0x1000 0x10 - r,reason=translation\n", 2,
	  "reason= only on fault" },
	{ HDR "1 d fault 0x1000 0x10 - r,reason=bogus\n", 2,
	  "unknown fault reason 'bogus'" },
	{ HDR "1 d fault 0x1000 0x10 - r,reason=other,reason=other\n", 2,
	  "reason= given twice" },
	{ HDR "1 d dma 0x1000 0x10 - r,pasid=0x100000\n", 2, "pasid must be" },
	{ HDR "1 d dma 0x1000 0x10 - r,pasid=-1\n", 2, "pasid must be" },
	{ HDR "1 d dma 0x1000 0x10 - r,pasid=1,pasid=2\n", 2, "pasid= given twice" },
	/* bytes */
	{ HDR "1 d unmap 0x1000 0x1000 - -\n2 d unmap 0x1000\0 0x1000 - -\n", 3,
	  "NUL byte" },
	{ HDR "1 d unmap 0x1000 0x1000\x01 - -\n", 2, "control byte 0x01" },
	{ HDR "1 d unmap 0x1000 0x1000 - -\r\r\n", 2, "carriage return" },
	{ HDR "#comment\n", 2, "'#' must be followed" },
	/* directives */
	{ HDR "1 d unmap 0x1000 0x1000 - -\n#! unit u vendor=vtd\n", 3,
	  "directive after the first event" },
	{ HDR "#! bus u vendor=vtd\n", 2, "unknown directive 'bus'" },
	{ HDR "#! unit\n", 2, "without a kind and a name" },
	{ HDR "#!\n", 2, "without a kind and a name" },
	{ HDR "#! unit u\n", 2, "unit directive needs vendor=" },
	{ HDR "#! unit u vendor=arm\n", 2, "vendor must be" },
	{ HDR "#! unit u vendor=vtd color=red\n", 2, "unknown key 'color'" },
	{ HDR "#! unit u vendor=vtd unit=x\n", 2, "unknown key 'unit' in unit" },
	{ HDR "#! unit u vendor=vtd vendor=amd\n", 2, "vendor= given twice" },
	{ HDR "#! unit u vendor\n", 2, "not key=value" },
	{ HDR "#! unit u/1 vendor=vtd\n", 2, "unit name has a bad character" },
	{ HDR "#! unit 0123456789012345678901234567890123456789012345678901234567890123"
	  " vendor=vtd\n", 2, "unit name longer than 63" },
	{ HDR "#! domain d unit=u\n", 2, "domain directive needs format=" },
	{ HDR "#! domain d format=vtd-ss\n", 2, "domain directive needs unit=" },
	{ HDR "#! domain d unit=u format=vtd\n", 2, "format must be" },
	{ HDR "#! domain d unit=u format=vtd-ss levels=0\n", 2, "levels must be 1..6" },
	{ HDR "#! domain d unit=u format=vtd-ss levels=7\n", 2, "levels must be 1..6" },
	{ HDR "#! domain d unit=u format=arm-s1 granule=8k\n", 2, "granule must be" },
	{ HDR "#! domain d unit=u format=arm-s1 ias=11\n", 2, "ias must be 12..64" },
	{ HDR "#! domain d unit=u format=arm-s1 ias=65\n", 2, "ias must be 12..64" },
	{ HDR "#! domain d unit=u format=arm-s1 sid=1\n", 2, "unknown key 'sid'" },
	{ HDR "#! domain d unit=u format=arm-s1 levels=4 levels=4 granule=4k ias=48\n",
	  2, "levels= given twice" },
	{ HDR "#! domain d unit=u format=arm-s1 levels=4 granule=4k ias=48 a=1 b=2\n",
	  2, "too many fields" },
	{ HDR "#! device 0000:00:01.0\n", 2, "device directive needs domain=" },
	{ HDR "#! device 0000:00:01.0 domain=d sid=0x100000000\n", 2,
	  "sid must be a 32-bit number" },
	{ HDR "#! device 0000:00:01.0 domain=d sid=x\n", 2, "sid must be" },
	{ HDR "#! device 0000:00:01.0 domain=\n", 2, "domain name is empty" },
	{ HDR "#! device a,b domain=d\n", 2, "device name has a bad character" },
};

START_TEST(test_malformed_lines)
{
	const struct bad_case *c = &bad_cases[_i];
	struct outcome o;
	size_t len = strlen(c->text);
	char *text;

	/* the NUL case: give the reader the bytes after the NUL too */
	if (strstr(c->msg, "NUL")) {
		FILE *f;
		struct trace_reader *r;
		struct trace_event ev;
		struct trace_directive dir;
		const char *nul = HDR "1 d unmap 0x1000 0x1000 - -\n2 d unmap 0x1000\0 0x1000 - -\n";
		size_t n = sizeof(HDR "1 d unmap 0x1000 0x1000 - -\n2 d unmap 0x1000\0 0x1000 - -\n") - 1;

		f = fmemopen((void *)nul, n, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(trace_reader_open(f, &r), 0);
		ck_assert_int_eq(trace_reader_next(r, &ev, &dir), 1);
		ck_assert_int_eq(trace_reader_next(r, &ev, &dir), -EINVAL);
		ck_assert_uint_eq(trace_reader_line(r), c->line);
		ck_assert_ptr_nonnull(strstr(trace_reader_error(r), c->msg));
		trace_reader_close(r);
		fclose(f);
		return;
	}
	text = strdup(c->text);
	ck_assert_ptr_nonnull(text);
	o = read_all(text);
	ck_assert_msg(o.rc == -EINVAL, "case %d: rc %d for \"%s\"", _i, o.rc, c->text);
	ck_assert_msg(o.line == c->line, "case %d: line %lu, expected %lu (%s)",
		      _i, o.line, c->line, o.msg);
	ck_assert_msg(strstr(o.msg, c->msg), "case %d: \"%s\" lacks \"%s\"", _i,
		      o.msg, c->msg);
	ck_assert_uint_le(strlen(o.msg), 160);
	(void)len;
	free(text);
}
END_TEST

/* A line longer than the buffer: refused, memory stays bounded. */
START_TEST(test_long_line)
{
	size_t n = 1u << 20;
	char *text = malloc(n + 64);
	struct outcome o;

	ck_assert_ptr_nonnull(text);
	strcpy(text, HDR "1 d unmap 0x1000 0x1000 - -\n# ");
	memset(text + strlen(text), 'x', n);
	text[strlen(HDR "1 d unmap 0x1000 0x1000 - -\n# ") + n] = '\0';
	o = read_all(text);
	ck_assert_int_eq(o.rc, -EINVAL);
	ck_assert_uint_eq(o.line, 3);
	ck_assert_ptr_nonnull(strstr(o.msg, "longer than 1023"));
	free(text);

	/* exactly the longest line is fine */
	text = malloc(TRACE_LINE_MAX + 64);
	ck_assert_ptr_nonnull(text);
	strcpy(text, HDR "# ");
	memset(text + strlen(text), 'y', TRACE_LINE_MAX - 3);
	strcpy(text + strlen(HDR) + TRACE_LINE_MAX - 1, "\n");
	o = read_all(text);
	ck_assert_int_eq(o.rc, 0);
	free(text);
}
END_TEST

START_TEST(test_fields_parsed)
{
	struct outcome o;

	o = read_all(HDR "\n# comment\n#\n\t \n"
		     "  18446744073709551615\t0000:3a:1f.7  map 0xFFFFFFFFFFFFF000 4096 0x0 w\n");
	ck_assert_int_eq(o.rc, 0);
	ck_assert_uint_eq(o.events, 1);
	ck_assert_uint_eq(o.ev.time_ns, UINT64_MAX);
	ck_assert_str_eq(o.ev.dev, "0000:3a:1f.7");
	ck_assert_int_eq(o.ev.op, TRACE_MAP);
	ck_assert_uint_eq(o.ev.iova, 0xfffffffffffff000ull);
	ck_assert_uint_eq(o.ev.size, 4096);
	ck_assert_uint_eq(o.ev.oa, 0);
	ck_assert_uint_eq(o.ev.access, TRACE_W);
	ck_assert_int_eq(o.ev.has_pasid, 0);
	ck_assert_int_eq(o.ev.has_reason, 0);

	o = read_all(HDR "7 - fault 0x0 0xffffffffffffffff - wr,reason=walk-abort,pasid=0xfffff\r\n");
	ck_assert_int_eq(o.rc, 0);
	ck_assert_str_eq(o.ev.dev, "-");
	ck_assert_int_eq(o.ev.op, TRACE_FAULT);
	ck_assert_uint_eq(o.ev.size, UINT64_MAX);
	ck_assert_uint_eq(o.ev.access, TRACE_R | TRACE_W);
	ck_assert_int_eq(o.ev.has_reason, 1);
	ck_assert_uint_eq(o.ev.reason, IOMMUDRV_FAULT_WALK_ABORT);
	ck_assert_int_eq(o.ev.has_pasid, 1);
	ck_assert_uint_eq(o.ev.pasid, 0xfffff);

	o = read_all(HDR "1 nic-0.q_1: unmap 0x0 1 - pasid=3\n"
		     "1 x fault 0x10 1 - r,reason=other\n");
	ck_assert_int_eq(o.rc, 0);
	ck_assert_uint_eq(o.events, 2);
	ck_assert_uint_eq(o.ev.reason, IOMMUDRV_FAULT_OTHER);
	ck_assert_int_eq(o.ev.has_reason, 1);

	o = read_all(HDR "#! unit u0 vendor=smmu\n"
		     "#!\tdomain d0  unit=u0 format=arm-s2 levels=3 granule=64k ias=42\n"
		     "#! device 0000:00:01.0 domain=d0 sid=0x21\n");
	ck_assert_int_eq(o.rc, 0);
	ck_assert_uint_eq(o.dirs, 3);
	ck_assert_int_eq(o.dir.kind, TRACE_DIR_DEVICE);
	ck_assert_str_eq(o.dir.name, "0000:00:01.0");
	ck_assert_str_eq(o.dir.domain, "d0");
	ck_assert_int_eq(o.dir.has_sid, 1);
	ck_assert_uint_eq(o.dir.sid, 0x21);
	o = read_all(HDR "#!\tdomain d0  unit=u0 format=arm-s2 levels=3 granule=64k ias=42\n");
	ck_assert_int_eq(o.dir.kind, TRACE_DIR_DOMAIN);
	ck_assert_str_eq(o.dir.unit, "u0");
	ck_assert_str_eq(o.dir.format, "arm-s2");
	ck_assert_uint_eq(o.dir.levels, 3);
	ck_assert_uint_eq(o.dir.granule_lg2, 16);
	ck_assert_uint_eq(o.dir.ias, 42);
}
END_TEST

/* Keys a later version adds are skipped; so is a later minor version. */
START_TEST(test_forward_compat)
{
	struct outcome o;

	o = read_all("# iommupt-trace 1.9\n"
		     "1 d map 0x1000 0x1000 0x2000 rw,color=blue,x_2=0x1:2/3\n"
		     "2 d unmap 0x1000 0x1000 - future=1\n"
		     "3 d fault 0x1000 0x1 - r,zz=1,reason=permission,aa=\"q\"\n");
	ck_assert_int_eq(o.rc, 0);
	ck_assert_uint_eq(o.events, 3);
	ck_assert_uint_eq(o.ev.reason, IOMMUDRV_FAULT_PERMISSION);
	ck_assert_int_eq(o.ev.has_pasid, 0);
	/* but directives keep a closed set of keys */
	o = read_all(HDR "#! unit u vendor=vtd future=1\n");
	ck_assert_int_eq(o.rc, -EINVAL);
	/* and another major version is refused, minor or not */
	o = read_all("# iommupt-trace 3.1\n");
	ck_assert_int_eq(o.rc, -EINVAL);
	ck_assert_ptr_nonnull(strstr(o.msg, "version 3 is not supported"));
}
END_TEST

static int ev_equal(const struct trace_event *a, const struct trace_event *b)
{
	return a->time_ns == b->time_ns && !strcmp(a->dev, b->dev) &&
	       a->op == b->op && a->iova == b->iova && a->size == b->size &&
	       a->oa == b->oa && a->access == b->access &&
	       a->has_reason == b->has_reason && a->reason == b->reason &&
	       a->has_pasid == b->has_pasid && a->pasid == b->pasid;
}

/* Random events and directives, written and read back. */
START_TEST(test_round_trip)
{
	static const char *const devs[] = { "-", "0000:00:00.0", "ffff:ff:1f.7",
					    "nvme0", "a.b_c:d-e" };
	static const char *const fmts[] = { "vtd-ss", "x86-64", "amd-v1",
					    "arm-s1", "arm-s2" };
	enum { NDIR = 40, NEV = 2000 };
	struct trace_directive *dirs = calloc(NDIR, sizeof(*dirs));
	struct trace_event *evs = calloc(NEV, sizeof(*evs)), ev;
	struct trace_directive dir;
	struct trace_reader *r;
	uint64_t rng = 0x7ace, t = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(dirs);
	ck_assert_ptr_nonnull(evs);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(trace_write_header(f), 0);
	for (int i = 0; i < NDIR; i++) {
		struct trace_directive *d = &dirs[i];
		uint64_t x = test_rand(&rng);

		d->kind = (enum trace_directive_kind)(x % 3);
		snprintf(d->name, sizeof(d->name), "n%d", i);
		if (d->kind == TRACE_DIR_UNIT) {
			snprintf(d->vendor, sizeof(d->vendor), "%s",
				 (x >> 8) % 3 == 0 ? "vtd" : (x >> 8) % 3 == 1 ? "amd" : "smmu");
		} else if (d->kind == TRACE_DIR_DOMAIN) {
			snprintf(d->unit, sizeof(d->unit), "u%d", i);
			snprintf(d->format, sizeof(d->format), "%s", fmts[(x >> 8) % 5]);
			d->levels = (unsigned int)((x >> 16) % 7);
			d->granule_lg2 = (x >> 20) % 4 ? 12 + 2 * (unsigned int)((x >> 20) % 4 - 1) : 0;
			d->ias = (x >> 24) % 2 ? 12 + (unsigned int)((x >> 32) % 53) : 0;
		} else {
			snprintf(d->name, sizeof(d->name), "%s", devs[(x >> 8) % 5]);
			snprintf(d->domain, sizeof(d->domain), "d%d", i);
			d->has_sid = (x >> 16) & 1;
			d->sid = d->has_sid ? (uint32_t)(x >> 32) : 0;
		}
		ck_assert_int_eq(trace_write_directive(f, d), 0);
	}
	for (int i = 0; i < NEV; i++) {
		struct trace_event *e = &evs[i];
		uint64_t x = test_rand(&rng), y = test_rand(&rng);

		t += x % 3 ? x % 1000 : 0;
		e->time_ns = t;
		snprintf(e->dev, sizeof(e->dev), "%s", devs[x % 5]);
		e->op = (enum trace_op)((x >> 8) % 4);
		e->iova = (x >> 12) & 1 ? y : y & 0xfffff000;
		e->size = 1 + (test_rand(&rng) >> ((x >> 16) % 64));
		if (!e->size)
			e->size = 1;
		if (e->size - 1 > UINT64_MAX - e->iova)
			e->size = UINT64_MAX - e->iova + 1;
		if (e->op == TRACE_MAP) {
			e->oa = test_rand(&rng) >> 12;
			if (e->size - 1 > UINT64_MAX - e->oa)
				e->oa = 0;
		}
		if (e->op != TRACE_UNMAP)
			e->access = 1 + (uint32_t)((x >> 24) % 3);
		if (e->op == TRACE_FAULT && (x >> 28) % 2) {
			e->has_reason = 1;
			e->reason = (uint32_t)((x >> 32) % 7);
		}
		if ((x >> 40) % 3 == 0) {
			e->has_pasid = 1;
			e->pasid = (uint32_t)(y >> 44);
		}
		ck_assert_int_eq(trace_write_event(f, e), 0);
	}
	ck_assert_int_eq(fclose(f), 0);

	f = fmemopen(buf, len, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(trace_reader_open(f, &r), 0);
	for (int i = 0; i < NDIR; i++) {
		const struct trace_directive *d = &dirs[i];

		ck_assert_int_eq(trace_reader_next(r, &ev, &dir), 2);
		ck_assert_int_eq(dir.kind, d->kind);
		ck_assert_str_eq(dir.name, d->name);
		ck_assert_str_eq(dir.vendor, d->vendor);
		ck_assert_str_eq(dir.unit, d->unit);
		ck_assert_str_eq(dir.format, d->format);
		ck_assert_str_eq(dir.domain, d->domain);
		ck_assert_uint_eq(dir.levels, d->levels);
		ck_assert_uint_eq(dir.granule_lg2, d->granule_lg2);
		ck_assert_uint_eq(dir.ias, d->ias);
		ck_assert_int_eq(dir.has_sid, d->has_sid);
		ck_assert_uint_eq(dir.sid, d->sid);
	}
	for (int i = 0; i < NEV; i++) {
		ck_assert_int_eq(trace_reader_next(r, &ev, &dir), 1);
		ck_assert_msg(ev_equal(&ev, &evs[i]), "event %d differs (line %lu)",
			      i, trace_reader_line(r));
	}
	ck_assert_int_eq(trace_reader_next(r, &ev, &dir), 0);
	ck_assert_uint_eq(trace_reader_line(r), 1 + NDIR + NEV);
	trace_reader_close(r);
	fclose(f);
	free(buf);
	free(dirs);
	free(evs);
}
END_TEST

/* What the reader refuses, the writer refuses too, writing nothing. */
START_TEST(test_writer_refuses)
{
	const struct trace_event good = { .dev = "d", .op = TRACE_DMA,
					  .iova = 0x1000, .size = 1,
					  .access = TRACE_R };
	struct trace_event bad[12];
	struct trace_directive d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 12; i++)
		bad[i] = good;
	bad[n++].size = 0;
	bad[n].iova = UINT64_MAX; bad[n++].size = 2;
	bad[n++].access = 0;
	bad[n++].access = 4;
	bad[n++].op = (enum trace_op)7;
	bad[n].op = TRACE_UNMAP; n++;              /* unmap with an access */
	bad[n].has_reason = 1; n++;                /* reason on dma */
	bad[n].op = TRACE_FAULT; bad[n].has_reason = 1; bad[n++].reason = 7;
	bad[n].has_pasid = 1; bad[n++].pasid = TRACE_PASID_MAX + 1;
	strcpy(bad[n++].dev, "a b");
	bad[n++].dev[0] = '\0';
	bad[n].op = TRACE_MAP; bad[n].oa = UINT64_MAX; bad[n++].size = 2;
	for (int i = 0; i < n; i++)
		ck_assert_msg(trace_write_event(f, &bad[i]) == -EINVAL, "bad event %d", i);
	memset(&d, 0, sizeof(d));
	d.kind = TRACE_DIR_UNIT;
	strcpy(d.name, "u");
	strcpy(d.vendor, "arm");
	ck_assert_int_eq(trace_write_directive(f, &d), -EINVAL);
	memset(d.name, 'x', sizeof(d.name)); /* not terminated */
	strcpy(d.vendor, "vtd");
	ck_assert_int_eq(trace_write_directive(f, &d), -EINVAL);
	memset(&d, 0, sizeof(d));
	d.kind = TRACE_DIR_DOMAIN;
	strcpy(d.name, "d");
	strcpy(d.unit, "u");
	strcpy(d.format, "arm-s1");
	d.granule_lg2 = 13;
	ck_assert_int_eq(trace_write_directive(f, &d), -EINVAL);
	d.granule_lg2 = 0;
	d.levels = 7;
	ck_assert_int_eq(trace_write_directive(f, &d), -EINVAL);
	d.kind = (enum trace_directive_kind)9;
	ck_assert_int_eq(trace_write_directive(f, &d), -EINVAL);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(len, 0);
	free(buf);
	/* and a good one goes out */
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(trace_write_event(f, &good), 0);
	fclose(f);
	ck_assert_str_eq(buf, "0 d dma 0x1000 0x1 - r\n");
	free(buf);
}
END_TEST

START_TEST(test_open_nomem)
{
	struct trace_reader *r = (struct trace_reader *)&r;
	FILE *f = mem_file(HDR);

	fail_calloc = 1;
	ck_assert_int_eq(trace_reader_open(f, &r), -ENOMEM);
	fail_calloc = 0;
	ck_assert_ptr_null(r);
	/* nothing was consumed: the same stream opens once memory is there */
	ck_assert_int_eq(trace_reader_open(f, &r), 0);
	trace_reader_close(r);
	trace_reader_close(NULL);
	fclose(f);
	ck_assert_int_eq(trace_reader_open(NULL, &r), -EINVAL);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_reason_names)
{
	ck_assert_str_eq(trace_reason_name(IOMMUDRV_FAULT_TRANSLATION), "translation");
	ck_assert_str_eq(trace_reason_name(IOMMUDRV_FAULT_ADDR_SIZE), "addr-size");
	ck_assert_str_eq(trace_reason_name(IOMMUDRV_FAULT_NO_DEVICE), "no-device");
	ck_assert_ptr_null(trace_reason_name(IOMMUDRV_FAULT_WALK_ABORT + 1));
}
END_TEST

Suite *trace_suite(void);

Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = test_tcase("reader");

	tcase_add_loop_test(tc, test_malformed_lines, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_fields_parsed);
	tcase_add_test(tc, test_forward_compat);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_writer_refuses);
	tcase_add_test(tc, test_open_nomem);
	tcase_add_test(tc, test_reason_names);
	suite_add_tcase(s, tc);
	return s;
}
