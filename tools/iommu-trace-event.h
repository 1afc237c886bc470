/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What the BPF program (iommu-trace.bpf.c) sends user space (iommu-trace.c)
 * through its ring buffer: one record per iommu:map, iommu:unmap or
 * iommu:io_page_fault tracepoint hit. Shared by both sides, so only
 * fixed-width kernel types.
 */
#ifndef TOOLS_IOMMU_TRACE_EVENT_H
#define TOOLS_IOMMU_TRACE_EVENT_H

#include <linux/types.h>

#define IOMMU_TRACE_DEV_LEN 48

enum iommu_trace_kind {
	IOMMU_TRACE_EV_MAP = 1,
	IOMMU_TRACE_EV_UNMAP = 2,
	IOMMU_TRACE_EV_FAULT = 3,
};

/* include/linux/iommu.h: the io_page_fault flags. */
#define IOMMU_TRACE_FAULT_WRITE 0x1

struct iommu_trace_raw {
	__u64 time_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 iova;
	__u64 size;    /* map: bytes mapped; unmap: bytes unmapped */
	__u64 oa;      /* map: physical address */
	__u32 kind;    /* enum iommu_trace_kind */
	__u32 flags;   /* fault: the kernel's IOMMU_FAULT_* flags */
	__u32 tgid;    /* the process the event happened in */
	__u32 pad;
	char dev[IOMMU_TRACE_DEV_LEN]; /* fault: dev_name(), NUL-terminated */
};

#endif
