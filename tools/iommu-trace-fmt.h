/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * iommu-trace's formatter: a ring-buffer record (iommu-trace-event.h) into
 * a trace event (trace.h, sim/TRACE.md). Separate from the BPF loading so
 * that it is unit-tested without root or a BPF-capable kernel.
 */
#ifndef TOOLS_IOMMU_TRACE_FMT_H
#define TOOLS_IOMMU_TRACE_FMT_H

#include <stdint.h>

#include "iommu-trace-event.h"
#include "trace.h"

struct iommu_trace_clock {
	uint64_t t0;   /* CLOCK_MONOTONIC ns when tracing started */
	uint64_t last; /* last time written: times never decrease */
};

/*
 * Fill ev from raw. Times are ns since clock->t0, made non-decreasing
 * (records from different CPUs can arrive out of order). map and unmap
 * carry no device (`-`) and map no permission (written `rw`); a fault
 * carries the device name (characters the trace format does not allow
 * become `_`), r or w from the kernel's flags, size 1 (the tracepoint
 * gives no access size) and no reason. Returns 0, 1 for a record that
 * makes no event (an unmap that unmapped nothing, a zero-size map), or
 * -EINVAL for a record no kernel sends (unknown kind, a range that wraps).
 */
int iommu_trace_format(const struct iommu_trace_raw *raw,
		       struct iommu_trace_clock *clock, struct trace_event *ev);

/*
 * The BPF program's hand-declared tracepoint records (iommu-trace.bpf.c)
 * against the kernel's own description: the text of
 * /sys/kernel/tracing/events/iommu/<event>/format, lines such as
 *   "\tfield:u64 iova;\toffset:8;\tsize:8;\tsigned:0;"
 * Every wanted field must be there with the same offset and size.
 * Returns 0, -ENOENT naming the missing field in *bad, or -EPROTO naming
 * the one laid out differently.
 */
struct iommu_trace_field {
	const char *name;
	unsigned int offset;
	unsigned int size;
};

int iommu_trace_check_format(const char *text,
			     const struct iommu_trace_field *want,
			     unsigned int n, const char **bad);

/* What iommu-trace.bpf.c reads of each event; n in *n. */
const struct iommu_trace_field *iommu_trace_fields(const char *event,
						   unsigned int *n);

#endif
