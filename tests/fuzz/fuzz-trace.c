// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libFuzzer target for the trace reader (tools/trace.c) on untrusted
 * text. The input is a trace; the version line is prepended when the
 * input's first byte is odd, so most runs get past it. Each item the
 * reader accepts must be written back by the writer and read again to the
 * same fields (the writer accepts all the reader does); a rejected line
 * must come with a message and a line number within the input. The run
 * must not crash, hang or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Write one item, read it back, compare. */
static void round_trip(const struct trace_event *ev,
		       const struct trace_directive *dir)
{
	struct trace_directive d2;
	struct trace_event e2;
	struct trace_reader *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return;
	check(trace_write_header(f) == 0);
	check((ev ? trace_write_event(f, ev) : trace_write_directive(f, dir)) == 0);
	fclose(f);
	f = fmemopen(buf, len, "r");
	check(f != NULL);
	check(trace_reader_open(f, &r) == 0);
	memset(&e2, 0, sizeof(e2));
	memset(&d2, 0, sizeof(d2));
	rc = trace_reader_next(r, &e2, &d2);
	if (ev) {
		check(rc == 1);
		check(e2.time_ns == ev->time_ns && !strcmp(e2.dev, ev->dev) &&
		      e2.op == ev->op && e2.iova == ev->iova &&
		      e2.size == ev->size && e2.oa == ev->oa &&
		      e2.access == ev->access && e2.has_reason == ev->has_reason &&
		      e2.reason == ev->reason && e2.has_pasid == ev->has_pasid &&
		      e2.pasid == ev->pasid);
	} else {
		check(rc == 2);
		check(d2.kind == dir->kind && !strcmp(d2.name, dir->name) &&
		      !strcmp(d2.vendor, dir->vendor) &&
		      !strcmp(d2.unit, dir->unit) &&
		      !strcmp(d2.format, dir->format) &&
		      !strcmp(d2.domain, dir->domain) &&
		      d2.levels == dir->levels &&
		      d2.granule_lg2 == dir->granule_lg2 &&
		      d2.ias == dir->ias && d2.has_sid == dir->has_sid &&
		      d2.sid == dir->sid);
	}
	check(trace_reader_next(r, &e2, &d2) == 0);
	trace_reader_close(r);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hdr[] = "# iommupt-trace 1\n";
	size_t lines = 1, n = size + sizeof(hdr);
	struct trace_directive dir;
	struct trace_event ev;
	struct trace_reader *r;
	char *text = malloc(n);
	size_t len = 0;
	FILE *f;
	int rc;

	if (!text)
		return 0;
	if (!size || data[0] != '#') {
		memcpy(text, hdr, sizeof(hdr) - 1);
		len = sizeof(hdr) - 1;
	}
	memcpy(text + len, data, size);
	len += size;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	f = len ? fmemopen(text, len, "r") : NULL; /* empty: unit-tested */
	if (!f) {
		free(text);
		return 0;
	}
	rc = trace_reader_open(f, &r);
	if (rc) {
		check(r && trace_reader_error(r) && trace_reader_line(r) == 1);
	} else {
		for (;;) {
			rc = trace_reader_next(r, &ev, &dir);
			if (rc == 1)
				round_trip(&ev, NULL);
			else if (rc == 2)
				round_trip(NULL, &dir);
			else
				break;
		}
		check(rc == 0 || (rc < 0 && trace_reader_error(r)));
		check(trace_reader_line(r) <= lines);
	}
	trace_reader_close(r);
	fclose(f);
	free(text);
	return 0;
}
