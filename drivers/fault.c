// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* The vendor-neutral fault record's names (drv.h). */
#include <iommupt/drv.h>

const char *iommudrv_fault_reason_str(uint32_t reason)
{
	switch (reason) {
	case IOMMUDRV_FAULT_TRANSLATION:
		return "no translation for this access";
	case IOMMUDRV_FAULT_PERMISSION:
		return "access not permitted";
	case IOMMUDRV_FAULT_ADDR_SIZE:
		return "address beyond the aperture";
	case IOMMUDRV_FAULT_NO_DEVICE:
		return "requester not attached";
	case IOMMUDRV_FAULT_BAD_ENTRY:
		return "invalid or reserved entry";
	case IOMMUDRV_FAULT_WALK_ABORT:
		return "table walk could not read memory";
	default:
		return "other fault";
	}
}
