// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommu-trace's formatter (tools/iommu-trace-fmt.c): ring-buffer records
 * as the BPF program fills them, into trace lines, read back by the trace
 * reader. Needs neither root nor BPF.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/iommu-trace-fmt.h"
#include "helpers.h"

static struct iommu_trace_raw rec(uint32_t kind, uint64_t t, uint64_t iova,
				  uint64_t size, uint64_t oa)
{
	struct iommu_trace_raw r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.time_ns = t;
	r.iova = iova;
	r.size = size;
	r.oa = oa;
	return r;
}

/* The line trace_write_event makes of raw (clock from t0 = 1000). */
static void line_of(struct iommu_trace_raw r, struct iommu_trace_clock *c,
		    char *buf, size_t len)
{
	struct trace_event ev;
	FILE *f = fmemopen(buf, len, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(iommu_trace_format(&r, c, &ev), 0);
	ck_assert_int_eq(trace_write_event(f, &ev), 0);
	fclose(f);
}

START_TEST(test_trace_fmt_lines)
{
	struct iommu_trace_clock c = { .t0 = 1000 };
	struct iommu_trace_raw r;
	char buf[256];

	line_of(rec(IOMMU_TRACE_EV_MAP, 1500, 0x100000, 0x2000, 0x7000), &c,
		buf, sizeof(buf));
	ck_assert_str_eq(buf, "500 - map 0x100000 0x2000 0x7000 rw\n");
	line_of(rec(IOMMU_TRACE_EV_UNMAP, 1700, 0x100000, 0x2000, 0), &c, buf,
		sizeof(buf));
	ck_assert_str_eq(buf, "700 - unmap 0x100000 0x2000 - -\n");
	r = rec(IOMMU_TRACE_EV_FAULT, 2000, 0xdead000, 0, 0);
	r.flags = IOMMU_TRACE_FAULT_WRITE;
	strcpy(r.dev, "0000:00:03.0");
	line_of(r, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1000 0000:00:03.0 fault 0xdead000 0x1 - w\n");
	r.flags = 0;
	strcpy(r.dev, "odd dev/name");
	line_of(r, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1000 odd_dev_name fault 0xdead000 0x1 - r\n");
	/* A device name filling the whole record field, unterminated. */
	memset(r.dev, 'x', sizeof(r.dev));
	line_of(r, &c, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), strlen("1000  fault 0xdead000 0x1 - r\n") +
					       IOMMU_TRACE_DEV_LEN);
	r.dev[0] = '\0';
	line_of(r, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1000 - fault 0xdead000 0x1 - r\n");
}
END_TEST

START_TEST(test_trace_fmt_times_never_decrease)
{
	struct iommu_trace_clock c = { .t0 = 5000 };
	struct iommu_trace_raw r = rec(IOMMU_TRACE_EV_MAP, 100, 0, 0x1000, 0);
	struct trace_event ev;

	/* Before t0 (queued before tracing began): time 0. */
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 0);
	ck_assert_uint_eq(ev.time_ns, 0);
	r.time_ns = 9000;
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 0);
	ck_assert_uint_eq(ev.time_ns, 4000);
	/* Another CPU's older record arrives late. */
	r.time_ns = 8000;
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 0);
	ck_assert_uint_eq(ev.time_ns, 4000);
	r.time_ns = 9500;
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 0);
	ck_assert_uint_eq(ev.time_ns, 4500);
}
END_TEST

START_TEST(test_trace_fmt_rejects_and_skips)
{
	struct iommu_trace_clock c = { 0 };
	struct iommu_trace_raw r;
	struct trace_event ev;

	r = rec(IOMMU_TRACE_EV_UNMAP, 1, 0x1000, 0, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 1);
	r = rec(IOMMU_TRACE_EV_MAP, 1, 0x1000, 0, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), 1);
	r = rec(9, 1, 0x1000, 0x1000, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), -EINVAL);
	r = rec(0, 1, 0x1000, 0x1000, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), -EINVAL);
	r = rec(IOMMU_TRACE_EV_MAP, 1, ~0ull - 0xfff, 0x2000, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), -EINVAL);
	r = rec(IOMMU_TRACE_EV_MAP, 1, 0, 0x2000, ~0ull - 0xfff);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), -EINVAL);
	r = rec(IOMMU_TRACE_EV_UNMAP, 1, ~0ull, 2, 0);
	ck_assert_int_eq(iommu_trace_format(&r, &c, &ev), -EINVAL);
}
END_TEST

/* What the tracer writes, the trace reader reads back unchanged. */
START_TEST(test_trace_fmt_round_trip)
{
	struct iommu_trace_clock c = { .t0 = 10 };
	struct iommu_trace_raw in[4];
	struct trace_event ev, back;
	struct trace_directive dir;
	struct trace_reader *rd;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	in[0] = rec(IOMMU_TRACE_EV_MAP, 20, 0xfffff000, 0x1000, 0x12345000);
	in[1] = rec(IOMMU_TRACE_EV_MAP, 30, 0x200000, 0x200000, 0x40000000);
	in[2] = rec(IOMMU_TRACE_EV_UNMAP, 40, 0xfffff000, 0x1000, 0);
	in[3] = rec(IOMMU_TRACE_EV_FAULT, 50, 0x300000, 0, 0);
	strcpy(in[3].dev, "0000:00:04.0");
	ck_assert_int_eq(trace_write_header(f), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(iommu_trace_format(&in[i], &c, &ev), 0);
		ck_assert_int_eq(trace_write_event(f, &ev), 0);
	}
	fclose(f);
	f = fmemopen(buf, len, "r");
	ck_assert_int_eq(trace_reader_open(f, &rd), 0);
	c.t0 = 10;
	c.last = 0;
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(iommu_trace_format(&in[i], &c, &ev), 0);
		ck_assert_int_eq(trace_reader_next(rd, &back, &dir), 1);
		ck_assert_uint_eq(back.op, ev.op);
		ck_assert_uint_eq(back.time_ns, in[i].time_ns - 10);
		ck_assert_uint_eq(back.iova, in[i].iova);
		ck_assert_uint_eq(back.size, ev.size);
		ck_assert_uint_eq(back.oa, ev.oa);
		ck_assert_uint_eq(back.access, ev.access);
		ck_assert_str_eq(back.dev, i == 3 ? "0000:00:04.0" : "-");
	}
	ck_assert_int_eq(trace_reader_next(rd, &back, &dir), 0);
	trace_reader_close(rd);
	fclose(f);
	free(buf);
}
END_TEST

/* The format files as Linux 6.1 prints them (trace_events.c). */
static const char map_format[] =
	"name: map\nID: 1234\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u64 iova;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 paddr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:size_t size;\toffset:24;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"IOMMU: iova=0x%016llx\", REC->iova\n";
static const char fault_format[] =
	"name: io_page_fault\nID: 1237\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:__data_loc char[] device;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] driver;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 iova;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:24;\tsize:4;\tsigned:1;\n";

START_TEST(test_trace_fmt_tracepoint_layouts)
{
	const struct iommu_trace_field *w;
	const char *bad = NULL;
	unsigned int n;
	char *t;

	w = iommu_trace_fields("map", &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(iommu_trace_check_format(map_format, w, n, &bad), 0);
	w = iommu_trace_fields("io_page_fault", &n);
	ck_assert_int_eq(iommu_trace_check_format(fault_format, w, n, &bad),
			 0);
	/* The map layout is not the unmap layout. */
	w = iommu_trace_fields("unmap", &n);
	ck_assert_int_eq(iommu_trace_check_format(map_format, w, n, &bad),
			 -EPROTO);
	ck_assert_str_eq(bad, "size");
	/* A field moved. */
	t = strdup(map_format);
	memcpy(strstr(t, "offset:16"), "offset:20", 9);
	w = iommu_trace_fields("map", &n);
	ck_assert_int_eq(iommu_trace_check_format(t, w, n, &bad), -EPROTO);
	ck_assert_str_eq(bad, "paddr");
	/* A field missing (renamed). */
	memcpy(strstr(t, "u64 paddr"), "u64 pxddr", 9);
	ck_assert_int_eq(iommu_trace_check_format(t, w, n, &bad), -ENOENT);
	ck_assert_str_eq(bad, "paddr");
	free(t);
	ck_assert_ptr_null(iommu_trace_fields("other", &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

Suite *iommu_trace_fmt_suite(void);
Suite *iommu_trace_fmt_suite(void)
{
	Suite *s = suite_create("iommu-trace-fmt");
	TCase *tc = test_tcase("formatter");

	tcase_add_test(tc, test_trace_fmt_lines);
	tcase_add_test(tc, test_trace_fmt_times_never_decrease);
	tcase_add_test(tc, test_trace_fmt_rejects_and_skips);
	tcase_add_test(tc, test_trace_fmt_round_trip);
	tcase_add_test(tc, test_trace_fmt_tracepoint_layouts);
	suite_add_tcase(s, tc);
	return s;
}
