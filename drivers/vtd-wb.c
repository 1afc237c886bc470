// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Units without page-walk coherency (ECAP.C = 0, spec 10.4.3: "hardware
 * accesses to the root, scalable-mode root, context, scalable-mode
 * context, PASID-directory, PASID-table and paging structures are not
 * snooped") read memory, not the CPU caches: everything the CPU wrote into
 * those structures must be written back before the unit is told (6.5.3,
 * invalidation after the write-back). The driver writes back its own
 * entries as it stores them; the domain's tables, which libiommupt writes,
 * are written back here by walking them: the table pages on the way to a
 * gather's range after map/unmap, every page at attach. Whole pages, as a
 * table the library just allocated was zeroed by the CPU too.
 * The invalidation queue and the wait status are not walk structures:
 * the unit snoops them.
 */
#include <errno.h>

#include "vtd-int.h"

void vtd_wb_default(void *ctx, const void *cpu, size_t len)
{
	(void)ctx;
	drv_clflush_range(cpu, len);
}

void vtd_wb(struct iommudrv_vtd *v, const void *cpu, size_t len)
{
	if (vtd_noncoherent(v))
		v->flush_range(v->flush_ctx, cpu, len);
}

static void *oa_cpu(struct iommudrv_vtd *v, uint64_t oa)
{
	if (v->mem.oa_to_cpu)
		return v->mem.oa_to_cpu(v->mem.ctx, oa);
	return (void *)(uintptr_t)(oa + (uint64_t)v->mem.cpu_offset);
}

/*
 * One table at level lvl (0: leaf-most) and the tables below it that
 * cover [start, last]; only the bits below this table's span matter.
 * An entry leads to a table when present (9.7: P; 9.8: R or W) and not a
 * page (PS, or level 0).
 */
static int wb_table(struct iommudrv_vtd *v, const struct vtd_dom *dom,
		    uint64_t oa, unsigned int lvl, uint64_t start,
		    uint64_t last, int top)
{
	unsigned int shift = VTD_PAGE_LG2 + 9 * lvl, i, i0, i1;
	const void *cpu = oa_cpu(v, oa);

	if (!cpu)
		return -EFAULT;
	v->flush_range(v->flush_ctx, cpu, VTD_PAGE);
	if (!lvl)
		return 0;
	i0 = (unsigned int)(start >> shift) & 511;
	i1 = (unsigned int)(last >> shift) & 511;
	/* At the top a range beyond (or across) the table's reach: all. */
	if (top && (shift + 9 >= 64 || (start >> (shift + 9)) !=
					(last >> (shift + 9)) || i1 < i0)) {
		i0 = 0;
		i1 = 511;
	}
	for (i = i0; i <= i1; i++) {
		uint64_t e = drv_load64(cpu, i);
		int present = dom->fs ? !!(e & VTD_FS_P) : !!(e & VTD_SS_RW);
		int ret;

		if (!present || (e & VTD_PG_PS))
			continue;
		ret = wb_table(v, dom, e & VTD_PG_ADDR, lvl - 1,
			       i == i0 ? start : 0, i == i1 ? last : ~0ull, 0);
		if (ret)
			return ret;
	}
	return 0;
}

int vtd_wb_tables(struct iommudrv_vtd *v, const struct vtd_dom *dom,
		  uint64_t start, uint64_t last)
{
	if (!vtd_noncoherent(v))
		return 0;
	return wb_table(v, dom, dom->root_oa, dom->levels - 1, start, last, 1);
}
