/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The parts of the kernel's iommufd and VFIO-cdev user API this library
 * uses, for systems whose headers predate them (Debian 12's
 * linux-libc-dev 6.1 has no <linux/iommufd.h>). Private, never installed.
 *
 * Layouts and numbers follow the kernel's documented uAPI:
 *  - include/uapi/linux/iommufd.h: IOAS alloc/map/unmap/iova-ranges and
 *    destroy (Linux 6.2), HWPT alloc (6.6; data_type/data_len/data_uptr
 *    added in 6.7), HWPT set-dirty-tracking and get-dirty-bitmap (6.7);
 *  - include/uapi/linux/vfio.h: VFIO_DEVICE_BIND_IOMMUFD (VFIO_BASE + 18),
 *    VFIO_DEVICE_ATTACH_IOMMUFD_PT (+ 19), VFIO_DEVICE_DETACH_IOMMUFD_PT
 *    (+ 20) (6.6).
 * Every ioctl takes a struct whose first u32 is its size; the kernel
 * accepts a shorter struct from an older caller and refuses (E2BIG) a
 * longer one with non-zero bytes it does not know.
 *
 * Each block is guarded by its ioctl number, so a system header that has
 * it wins and only what it lacks is defined here.
 */
#ifndef IOMMUDRV_IOMMUFD_UAPI_H
#define IOMMUDRV_IOMMUFD_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif
#endif

#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')
#endif

/* Linux 6.2: objects, IOAS. Commands count up from 0x80. */
#ifndef IOMMU_IOAS_ALLOC
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, 0x80)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;       /* must be 0 */
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last; /* inclusive */
};

/*
 * num_iovas: in, entries at allowed_iovas; out, entries the IOAS has
 * (EMSGSIZE when they did not fit).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;      /* user pointer to iommu_iova_range[] */
	__aligned_u64 out_iova_alignment; /* map iova and length alignment */
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, 0x84)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova; /* in with FIXED_IOVA, else out */
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)

/*
 * The range must be a superset of whole earlier maps (no splitting: ENOENT);
 * length returns the bytes unmapped. iova 0, length U64_MAX: everything.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, 0x86)
#endif

/* Linux 6.6 (HWPT alloc), with the 6.7 layout (type-specific data). */
#ifndef IOMMU_HWPT_ALLOC
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;       /* the IOAS (or parent HWPT) */
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;   /* 0: IOMMU_HWPT_DATA_NONE */
	__u32 data_len;
	__aligned_u64 data_uptr;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, 0x89)
#endif

/* Linux 6.7: dirty tracking on a HWPT. */
#ifndef IOMMU_HWPT_GET_DIRTY_BITMAP
#define IOMMU_HWPT_ALLOC_NEST_PARENT (1u << 0)
#define IOMMU_HWPT_ALLOC_DIRTY_TRACKING (1u << 1)
#define IOMMU_HWPT_DIRTY_TRACKING_ENABLE 1u
#define IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR 1u

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, 0x8b)

/*
 * Bit (iova - base) / page_size of the u64 array at data (little-endian
 * 64-bit words) is set for each dirty page_size granule.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, 0x8c)
#endif

/* Linux 6.6: a VFIO device cdev (/dev/vfio/devices/vfioN) on an iommufd. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;    /* must be 0 */
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;    /* must be 0 */
	__u32 pt_id;    /* in: IOAS or HWPT; out: the HWPT attached */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;    /* must be 0 */
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#endif
