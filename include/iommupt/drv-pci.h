/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * PCI enumeration through libpci (pciutils), Linux sysfs method: each
 * device with its identity, class, bound driver, IOMMU group and the
 * PCIe extended capabilities an IOMMU cares about (ATS, PRI, PASID), and
 * an IOMMU group's reserved regions (/sys/kernel/iommu_groups/N/
 * reserved_regions) as libiommupt reserved regions.
 *
 * Available when libiommudrv was built with libpci (HAVE_LIBPCI); reading
 * extended capabilities needs root (the kernel shows unprivileged readers
 * only the first 64 bytes of config space).
 *
 * Concurrency: the calls share no state; libpci's error path is made
 * thread-safe by a thread-local jump buffer.
 */
#ifndef IOMMUPT_DRV_PCI_H
#define IOMMUPT_DRV_PCI_H

#include <iommupt/common.h>
#include <iommupt/resv.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iommudrv_pci_caps {
	IOMMUDRV_PCI_ATS = 1u << 0,   /* Address Translation Services */
	IOMMUDRV_PCI_PRI = 1u << 1,   /* Page Request Interface */
	IOMMUDRV_PCI_PASID = 1u << 2, /* Process Address Space ID */
};

struct iommudrv_pci_dev {
	char bdf[16];          /* "dddd:bb:dd.f" */
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code;   /* base class << 16 | sub-class << 8 | prog-if */
	int32_t iommu_group;   /* -1: none (no IOMMU, or not translated) */
	uint32_t caps;         /* enum iommudrv_pci_caps */
	uint16_t ats_pos;      /* config offsets of the capabilities, or 0 */
	uint16_t pri_pos;
	uint16_t pasid_pos;
	uint8_t pasid_bits;    /* Max PASID Width when PASID is present */
	uint8_t config_ok;     /* config space beyond the header was readable */
	char driver[64];       /* bound driver, "" when none */
};

struct iommudrv_pci_opts {
	size_t sz;
	const char *sysfs_root; /* NULL: "/sys" */
};

/*
 * Every PCI device under sysfs_root/bus/pci, sorted by bdf, by the
 * size-query protocol: *count holds the capacity of out (may be 0 with
 * out NULL); -ENOBUFS with the number needed in *count when too small.
 * Returns 0, -EINVAL, -ENOBUFS, -ENOMEM, -ENOENT when there is no such
 * sysfs tree, or -EIO when libpci fails (its message on stderr).
 */
IOMMUPT_API int iommudrv_pci_enumerate(const struct iommudrv_pci_opts *opts,
				       struct iommudrv_pci_dev *out,
				       size_t *count);

/*
 * The reserved regions of IOMMU group (sysfs_root/kernel/iommu_groups/
 * <group>/reserved_regions), by the same protocol; what
 * iommupt_resv_read_file returns.
 */
IOMMUPT_API int iommudrv_pci_group_resv(const struct iommudrv_pci_opts *opts,
					int32_t group,
					struct iommupt_resv_region *out,
					size_t *count);

#ifdef __cplusplus
}
#endif
#endif
