/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Reserved regions: IOVA ranges firmware or the platform withholds from a
 * device's address space.
 *  - identity: must be mapped 1:1 while the device is attached (VT-d RMRR,
 *    AMD IVMD, Arm IORT RMR); Linux calls them "direct";
 *  - reserved: never mappable;
 *  - msi: the MSI doorbell window, not mappable by users either.
 * In a domain with attached devices, a map over any of them fails with
 * -EBUSY, and so does an unmap touching an identity region.
 */
#ifndef IOMMUPT_RESV_H
#define IOMMUPT_RESV_H

#include <iommupt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iommupt_resv_type {
	IOMMUPT_RESV_IDENTITY = 1,
	IOMMUPT_RESV_RESERVED = 2,
	IOMMUPT_RESV_MSI = 3,
};

enum iommupt_resv_flags {
	/* identity: the OS may relax it ("direct-relaxable" in Linux). */
	IOMMUPT_RESV_RELAXABLE = 1u << 0,
};

/* Most regions one device may carry. */
#define IOMMUPT_RESV_MAX 256

struct iommupt_resv_region {
	uint64_t start; /* first byte */
	uint64_t last;  /* last byte, inclusive */
	uint32_t type;  /* enum iommupt_resv_type */
	uint32_t flags; /* enum iommupt_resv_flags */
};

/*
 * Parse the text of Linux's /sys/kernel/iommu_groups/N/reserved_regions:
 * one region a line, "0x<start> 0x<last> <type>\n", hex of 1 to 16 digits,
 * type one of direct, direct-relaxable, reserved, msi, single spaces, every
 * line ending in a newline. Size-query protocol on out/count (see
 * iommupt_device_get_resv). Returns 0, -EINVAL for any malformed field or
 * start > last (*count then holds the 1-based line number at fault), or
 * -ENOBUFS. An empty buffer has no regions.
 */
IOMMUPT_API int iommupt_resv_parse(const char *buf, size_t len,
				   struct iommupt_resv_region *out,
				   size_t *count);

/*
 * Hosted helper: read a reserved_regions file (at most 1 MiB) and parse it.
 * Returns what iommupt_resv_parse returns, -errno from the file system, or
 * -EFBIG for a longer file.
 */
IOMMUPT_API int iommupt_resv_read_file(const char *path,
				       struct iommupt_resv_region *out,
				       size_t *count);

#ifdef __cplusplus
}
#endif
#endif
