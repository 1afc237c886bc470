/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* Umbrella header: everything libiommupt exports. */
#ifndef IOMMUPT_IOMMUPT_H
#define IOMMUPT_IOMMUPT_H

#include <iommupt/common.h>
#include <iommupt/provider.h>
#include <iommupt/gather.h>
#include <iommupt/domain.h>
#include <iommupt/dirty.h>
#include <iommupt/resv.h>
#include <iommupt/unit.h>
#include <iommupt/iova.h>
#include <iommupt/mmio.h>
#include <iommupt/serialize.h>

#endif
