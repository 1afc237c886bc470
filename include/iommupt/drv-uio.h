/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * UIO backend: a PCI device bound to uio_pci_generic, driven from user
 * space without an IOMMU in the way (IOVA = physical address): binding
 * through sysfs, BAR mappings through the sysfs resource files, bus
 * mastering through config space, INTx through /dev/uioN, and DMA
 * addresses of pinned memory from /proc/self/pagemap, checked against the
 * device's DMA mask.
 *
 * With no IOMMU the device can reach all memory: only for trusted devices
 * on machines where the IOMMU is off or in passthrough.
 *
 * Concurrency: calls on one handle need the caller's lock.
 */
#ifndef IOMMUPT_DRV_UIO_H
#define IOMMUPT_DRV_UIO_H

#include <iommupt/common.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommudrv_uio;

/*
 * Bind PCI device bdf ("0000:00:03.0") to driver through sysfs under
 * sysfs_root (NULL: "/sys"): unbind it from its current driver, name the
 * driver in driver_override (or, on a kernel without it, give the driver
 * the device's vendor and device ID through new_id), and ask the driver to
 * bind. Returns 0 when the device's driver link then names driver (also
 * when it already did), -EINVAL for a malformed bdf or driver name,
 * -ENODEV when the driver did not take the device, or the negative errno
 * of a sysfs access (-ENOENT: no such device or driver not loaded).
 */
IOMMUPT_API int iommudrv_pci_bind(const char *sysfs_root, const char *bdf,
				  const char *driver);

struct iommudrv_uio_opts {
	size_t sz;
	const char *sysfs_root;  /* NULL: "/sys" */
	const char *dev_root;    /* NULL: "/dev" */
	uint32_t dma_mask_bits;  /* the device's DMA reach; 0: 64 */
	/* The handle comes from mem->alloc_obj when set; NULL: calloc. */
	const struct iommupt_mem *mem;
};

/*
 * Bind bdf to uio_pci_generic and open its /dev/uioN. Returns 0, -EINVAL,
 * -ENODEV, -ENOMEM or the negative errno of the sysfs/device access.
 */
IOMMUPT_API int iommudrv_uio_open(const char *bdf,
				  const struct iommudrv_uio_opts *opts,
				  struct iommudrv_uio **out);
/* Unmap the BARs, close the files. Leaves the device bound. Accepts NULL. */
IOMMUPT_API void iommudrv_uio_close(struct iommudrv_uio *u);

/* The uio index N of /dev/uioN. */
IOMMUPT_API int iommudrv_uio_index(const struct iommudrv_uio *u);

/*
 * Map BAR bar (0..5, a memory BAR) through sysfs resource<bar>; *len gets
 * its size. The mapping lives until close. Returns 0, -EINVAL, -ENOENT
 * (no such BAR) or the mmap errno.
 */
IOMMUPT_API int iommudrv_uio_map_bar(struct iommudrv_uio *u, unsigned int bar,
				     volatile void **p, uint64_t *len);

/*
 * Config space access (sysfs config file): len 1, 2 or 4 at an offset
 * aligned to len. Returns 0, -EINVAL or -EIO.
 */
IOMMUPT_API int iommudrv_uio_cfg_read(struct iommudrv_uio *u, uint32_t off,
				      unsigned int len, uint32_t *val);
IOMMUPT_API int iommudrv_uio_cfg_write(struct iommudrv_uio *u, uint32_t off,
				       unsigned int len, uint32_t val);
/*
 * Enable (on != 0) or disable memory decoding and bus mastering in the
 * PCI command register (PCI Local Bus 3.0, 6.2.2: bits 1 and 2).
 */
IOMMUPT_API int iommudrv_uio_set_master(struct iommudrv_uio *u, int on);

/*
 * INTx through uio_pci_generic: enable unmasks the interrupt (clears the
 * command register's Interrupt Disable bit, PCI Local Bus 3.0, 6.2.2 bit
 * 10); wait blocks up to timeout_ms for one (poll and read of /dev/uioN)
 * and stores the running interrupt count. The kernel masks INTx on each
 * interrupt, so enable again before the next, after the device's own
 * acknowledge. Returns 0, -ETIMEDOUT, or a negative errno.
 */
IOMMUPT_API int iommudrv_uio_irq_enable(struct iommudrv_uio *u);
IOMMUPT_API int iommudrv_uio_irq_wait(struct iommudrv_uio *u, int timeout_ms,
				      uint32_t *count);

/*
 * The bus address of [va, va + len) for this device: its physical address
 * (/proc/self/pagemap), which must be resident, pinned by the caller
 * (mlock, or the pinned provider), physically contiguous and inside the
 * DMA mask. Returns 0, -EINVAL for len 0 or a wrap, -ENOENT when a page is
 * not resident, -EPERM when frame numbers are hidden, -EFAULT when not
 * contiguous, -ERANGE beyond the DMA mask.
 */
IOMMUPT_API int iommudrv_uio_dma_addr(struct iommudrv_uio *u, const void *va,
				      uint64_t len, uint64_t *iova);

#ifdef __cplusplus
}
#endif
#endif
