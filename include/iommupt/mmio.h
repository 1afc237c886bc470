/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The MMIO bus: how an IOMMU register file is reached. The simulator's
 * hardware models implement it; the user-mode drivers program registers
 * only through it, so one driver runs against the simulator and against a
 * real register block mapped from /dev/mem or UIO.
 */
#ifndef IOMMUPT_MMIO_H
#define IOMMUPT_MMIO_H

#include <iommupt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_mmio {
	void *ctx;
	/*
	 * Access size bytes (1, 2, 4 or 8, naturally aligned) at offset from
	 * the start of the register block. Return 0, or a negative errno for
	 * an access the block rejects (-EINVAL for a bad size/alignment,
	 * -ERANGE beyond the block).
	 */
	int (*read)(void *ctx, uint64_t offset, unsigned int size,
		    uint64_t *val);
	int (*write)(void *ctx, uint64_t offset, unsigned int size,
		     uint64_t val);
};

#ifdef __cplusplus
}
#endif
#endif
