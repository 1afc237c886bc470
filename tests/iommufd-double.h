/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * A test double of the kernel's iommufd and VFIO-cdev ioctls, for the
 * iommufd backend's tests: no kernel here has iommufd (the QEMU guest runs
 * 6.1). It implements the rules the kernel documents in
 * include/uapi/linux/iommufd.h and applies in drivers/iommu/iommufd/
 * (io_pagetable.c, ioas.c, hw_pagetable.c) and drivers/vfio/device_cdev.c,
 * as far as the backend uses them. What it does not model says -EOPNOTSUPP
 * (kernel-chosen IOVAs, nested HWPTs) so a test can never pass by luck.
 */
#ifndef TESTS_IOMMUFD_DOUBLE_H
#define TESTS_IOMMUFD_DOUBLE_H

#include <stdint.h>

#define DBL_IOMMUFD_FD 1000   /* the fake /dev/iommu fd */
#define DBL_MAX_DEVS 4
#define DBL_MAX_OBJS 32
#define DBL_MAX_AREAS 256
#define DBL_MAX_DIRTY 1024
#define DBL_PAGE 4096u

struct dbl_dev {
	int fd;              /* the fake VFIO cdev fd */
	int dirty_cap;       /* its IOMMU tracks dirty pages */
	uint64_t resv_start; /* a reserved range (MSI window); last 0: none */
	uint64_t resv_last;
	uint64_t aperture_last; /* highest IOVA it can issue; 0: 2^64 - 1 */
	uint32_t dev_id;     /* 0: not bound */
	uint32_t hwpt;       /* 0: not attached */
};

struct dbl_area {
	uint64_t iova, len, uva;
	uint32_t flags;      /* IOMMU_IOAS_MAP_* */
};

enum dbl_obj_type { DBL_FREE = 0, DBL_IOAS, DBL_HWPT, DBL_DEVICE };

struct dbl_obj {
	enum dbl_obj_type type;
	/* IOAS */
	struct dbl_area areas[DBL_MAX_AREAS];
	unsigned int nr_areas;
	/* HWPT */
	uint32_t ioas;
	int dirty_cap;       /* allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING */
	int tracking;
	uint64_t dirty[DBL_MAX_DIRTY]; /* dirty page IOVAs */
	unsigned int nr_dirty;
	int autodomain;      /* made by attach to an IOAS */
};

struct dbl {
	struct dbl_dev devs[DBL_MAX_DEVS];
	unsigned int nr_devs;
	struct dbl_obj objs[DBL_MAX_OBJS]; /* id = index; 0 unused */
	/* Fault injection: the nth (1-based) call of request fails. */
	unsigned long fail_req;
	unsigned int fail_nth;
	int fail_errno;
	/* Calls seen, by iommufd command (0x80 + i) and VFIO (vfio[0..2]). */
	unsigned int calls[16];
	unsigned int vfio_calls[3];
};

void dbl_init(struct dbl *d);
/* Add a device; returns its fake fd. */
int dbl_add_device(struct dbl *d, int dirty_cap, uint64_t resv_start,
		   uint64_t resv_last, uint64_t aperture_last);
/* The ioctl entry point (iommudrv_ioctl_fn); ctx is the struct dbl. */
int dbl_ioctl(void *ctx, int fd, unsigned long req, void *arg);
/*
 * The device with fd writes one byte at iova: 0, or -EFAULT when its page
 * table has no writable translation (it is then not marked dirty).
 */
int dbl_dma_write(struct dbl *d, int dev_fd, uint64_t iova);
/* Total bytes mapped in an IOAS. */
uint64_t dbl_mapped(const struct dbl *d, uint32_t ioas);
/* Whether ioas maps iova to uva + offset. */
int dbl_translates(const struct dbl *d, uint32_t ioas, uint64_t iova,
		   uint64_t *uva);

#endif
