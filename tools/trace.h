/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Reader and writer of the trace format (sim/TRACE.md), shared by
 * iommu-sim (run --trace, replay) and iommu-trace (the libbpf tracer).
 * Traces are untrusted input: the reader checks every field and reports
 * the line number of the first bad one.
 */
#ifndef TOOLS_TRACE_H
#define TOOLS_TRACE_H

#include <stdint.h>
#include <stdio.h>

enum trace_op {
	TRACE_MAP,
	TRACE_UNMAP,
	TRACE_DMA,
	TRACE_FAULT,
};

enum trace_access {
	TRACE_R = 1u << 0,
	TRACE_W = 1u << 1,
};

#define TRACE_DEV_MAX 64   /* device token, NUL included */
#define TRACE_NAME_MAX 64  /* unit/domain names in directives */
#define TRACE_LINE_MAX 1024 /* longest line, newline included */
#define TRACE_PASID_MAX 0xfffffu /* 20-bit PASIDs (PCIe) */

struct trace_event {
	uint64_t time_ns;
	char dev[TRACE_DEV_MAX]; /* "-" when unknown */
	enum trace_op op;
	uint64_t iova;
	uint64_t size;
	uint64_t oa;             /* map only */
	uint32_t access;         /* enum trace_access */
	uint32_t reason;         /* fault: enum iommudrv_fault_reason, else 0 */
	uint32_t pasid;
	int has_pasid;
	int has_reason;          /* fault: reason= was given */
};

/* A `#!` directive, as read. Keys the reader does not know are refused. */
enum trace_directive_kind {
	TRACE_DIR_UNIT,
	TRACE_DIR_DOMAIN,
	TRACE_DIR_DEVICE,
};

struct trace_directive {
	enum trace_directive_kind kind;
	char name[TRACE_NAME_MAX];   /* unit, domain or device name */
	char vendor[16];             /* unit: vtd, amd, smmu */
	char unit[TRACE_NAME_MAX];   /* domain: its unit */
	char format[16];             /* domain: vtd-ss, x86-64, amd-v1, arm-s1, arm-s2 */
	unsigned int levels;         /* domain: 0 = format default */
	unsigned int granule_lg2;    /* domain: 0 = 4K */
	unsigned int ias;            /* domain: 0 = format default */
	char domain[TRACE_NAME_MAX]; /* device: its domain */
	uint32_t sid;                /* device */
	int has_sid;
};

struct trace_reader;

/*
 * Open a reader over f (not closed by the reader). Checks the version
 * line. Returns 0, -EINVAL (not a trace, or another major version) or
 * -ENOMEM. On -EINVAL *out is a reader in the error state, so that
 * trace_reader_error() can say why: close it. On -ENOMEM *out is NULL.
 */
int trace_reader_open(FILE *f, struct trace_reader **out);
void trace_reader_close(struct trace_reader *r);

/*
 * The next item: 1 with *ev filled, 2 with *dir filled (directives only
 * before the first event), 0 at the end, -EINVAL on a malformed line
 * (trace_reader_line() says which line, trace_reader_error() why; the
 * error is sticky), -EIO when reading fails.
 */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev,
		      struct trace_directive *dir);
const char *trace_reader_error(const struct trace_reader *r);
unsigned long trace_reader_line(const struct trace_reader *r);

/* Names of enum iommudrv_fault_reason values as in `reason=`; NULL if none. */
const char *trace_reason_name(uint32_t reason);

/*
 * Writers: the version line, a directive, an event. Return 0, -EINVAL for
 * an item the reader would refuse (nothing is written), or -EIO.
 */
int trace_write_header(FILE *f);
int trace_write_directive(FILE *f, const struct trace_directive *dir);
int trace_write_event(FILE *f, const struct trace_event *ev);

#endif
