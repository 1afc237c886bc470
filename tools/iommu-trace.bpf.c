// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * BPF side of iommu-trace: the kernel's iommu:map, iommu:unmap and
 * iommu:io_page_fault tracepoints into a ring buffer.
 *
 * The tracepoint records are declared here by hand from the kernel's
 * definitions (include/trace/events/iommu.h, TP_STRUCT__entry of map,
 * unmap and the iommu_error class; the 8-byte common header is struct
 * trace_entry of include/linux/trace_events.h), as the format files under
 * /sys/kernel/tracing/events/iommu/ print them, so the build needs no
 * kernel BTF. These layouts have not changed since the tracepoints were
 * added (Linux 3.13). size_t is 8 bytes: 64-bit kernels only.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "iommu-trace-event.h"

struct tp_common {
	__u16 type;
	__u8 flags;
	__u8 preempt_count;
	__s32 pid;
};

/* iommu:map: "field:u64 iova; offset:8", paddr at 16, size_t size at 24. */
struct tp_map {
	struct tp_common c;
	__u64 iova;
	__u64 paddr;
	__u64 size;
};

/* iommu:unmap: iova at 8, size_t size at 16, size_t unmapped_size at 24. */
struct tp_unmap {
	struct tp_common c;
	__u64 iova;
	__u64 size;
	__u64 unmapped_size;
};

/*
 * iommu:io_page_fault (class iommu_error): __string(device) and
 * __string(driver) are __data_loc u32s (offset from the record start in
 * the low 16 bits, length in the high 16), then u64 iova, int flags.
 */
struct tp_iommu_error {
	struct tp_common c;
	__u32 device_loc;
	__u32 driver_loc;
	__u64 iova;
	__s32 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Set before load: only map/unmap of this process (0: every process). */
const volatile __u32 target_tgid = 0;

/* Records lost to a full ring buffer. */
__u64 dropped = 0;

static __always_inline struct iommu_trace_raw *reserve(__u32 kind)
{
	struct iommu_trace_raw *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->time_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->flags = 0;
	e->pad = 0;
	e->oa = 0;
	e->dev[0] = 0;
	return e;
}

static __always_inline int wanted(void)
{
	return !target_tgid ||
	       (__u32)(bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tracepoint/iommu/map")
int on_map(struct tp_map *ctx)
{
	struct iommu_trace_raw *e;

	if (!wanted())
		return 0;
	e = reserve(IOMMU_TRACE_EV_MAP);
	if (!e)
		return 0;
	e->iova = ctx->iova;
	e->oa = ctx->paddr;
	e->size = ctx->size;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/iommu/unmap")
int on_unmap(struct tp_unmap *ctx)
{
	struct iommu_trace_raw *e;

	if (!wanted())
		return 0;
	e = reserve(IOMMU_TRACE_EV_UNMAP);
	if (!e)
		return 0;
	e->iova = ctx->iova;
	e->size = ctx->unmapped_size;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Faults come from interrupt context: never filtered by process. */
SEC("tracepoint/iommu/io_page_fault")
int on_fault(struct tp_iommu_error *ctx)
{
	struct iommu_trace_raw *e = reserve(IOMMU_TRACE_EV_FAULT);
	__u32 loc;

	if (!e)
		return 0;
	e->iova = ctx->iova;
	e->size = 0;
	e->flags = (__u32)ctx->flags;
	loc = ctx->device_loc;
	bpf_probe_read_kernel_str(e->dev, sizeof(e->dev),
				  (char *)ctx + (loc & 0xffff));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * The kernel's GPL-only helpers (bpf_probe_read_kernel_str) need a
 * GPL-compatible licence string; this file's LGPL-2.1-or-later OR
 * BSD-2-Clause allows both halves of "Dual BSD/GPL".
 */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
