// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * ARM VMSAv8-64 stage 1 (SMMUv3 context descriptor TTB0/TTB1): AP,
 * AttrIndx, SH, AF, nG (arm.h). IOMMUPT_VA_UPPER gives a TTBR1 table.
 */
#define ARM_STAGE2 0
#include "arm.h"

#define PT_FMT_OPS pt_arm_s1_ops
#define PT_FMT_NAME "arm-s1"
#include "../pt-engine.h"

#define PT_FMT_DIRTY_OPS pt_arm_s1_dirty_ops
#include "../pt-dirty.h"
