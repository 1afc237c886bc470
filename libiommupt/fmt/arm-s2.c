// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * ARM VMSAv8-64 stage 2 (SMMUv3 STE S2TTB): S2AP, MemAttr, SH, AF, and
 * concatenated initial-level tables (arm.h).
 */
#define ARM_STAGE2 1
#include "arm.h"

#define PT_FMT_OPS pt_arm_s2_ops
#define PT_FMT_NAME "arm-s2"
#include "../pt-engine.h"

#define PT_FMT_DIRTY_OPS pt_arm_s2_dirty_ops
#include "../pt-dirty.h"
