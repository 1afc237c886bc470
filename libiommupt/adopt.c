// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Read-only domains over tables someone else built: a memory image under
 * inspection, a table handed over by firmware. The handle reuses the
 * format's geometry and the engine's walk/validate; nothing writes to or
 * frees the adopted pages (engine.c and dirty.c refuse map, unmap and
 * dirty tracking with -EOPNOTSUPP).
 */
#include "pt-int.h"

/*
 * More tables than this make validate report an alias. Validate's scratch
 * holds one OA per table plus the root: 2^20 items, 8 MiB.
 */
#define PT_ADOPT_MAX_TABLES ((1ull << 20) - 2)

/*
 * Most tables the geometry can reach below the root, saturating at the cap:
 * the scratch validate uses to find tables reached twice.
 */
static uint64_t pt_adopt_table_bound(const struct iommupt_domain *d)
{
	uint64_t per_level = 1, total = 0;

	for (unsigned int lvl = d->levels - 1; lvl > 0; lvl--) {
		unsigned int lg2 = d->items_lg2[lvl];

		if (lg2 >= 20 || (per_level << lg2) >= PT_ADOPT_MAX_TABLES)
			return PT_ADOPT_MAX_TABLES;
		per_level <<= lg2;
		total += per_level;
		if (total >= PT_ADOPT_MAX_TABLES)
			return PT_ADOPT_MAX_TABLES;
	}
	return total;
}

IOMMUPT_API int iommupt_domain_open_root(const struct iommupt_domain_cfg *cfg,
					 const struct iommupt_mem *mem,
					 uint64_t root_oa,
					 struct iommupt_domain **out)
{
	const struct pt_fmt_ops *ops;
	struct iommupt_domain *d;
	int rc;

	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!cfg || !mem ||
	    !pt_opts_valid(cfg, cfg->sz, sizeof(struct iommupt_domain_cfg)) ||
	    !pt_opts_valid(mem, mem->sz, sizeof(struct iommupt_mem)))
		return -PT_EINVAL;
	/* alloc_table/free_table serve validate's scratch memory only. */
	if (!mem->alloc_table || !mem->free_table ||
	    (!mem->alloc_obj != !mem->free_obj))
		return -PT_EINVAL;
	/* Growth is something map does; an adopted top is fixed. */
	if (cfg->flags & IOMMUPT_CFG_AMD_GROW)
		return -PT_EINVAL;
	ops = pt_format_ops(cfg->format);
	if (!ops)
		return -PT_EOPNOTSUPP;

	d = pt_obj_alloc(mem, sizeof(*d));
	if (!d)
		return -PT_ENOMEM;
	pt_zero(d, sizeof(*d));
	d->ops = ops;
	d->mem = *mem;
	d->mem.sz = sizeof(d->mem);
	d->format = cfg->format;
	d->flags = cfg->flags;
	d->read_only = true;
	rc = ops->init(d, cfg);
	if (rc)
		goto fail;
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		d->pgsize_bitmap |= d->leaf_sizes[l];
	if (!d->pgsize_bitmap || !d->levels || d->levels > IOMMUPT_MAX_LEVELS) {
		rc = -PT_EINVAL;
		goto fail;
	}
	d->min_page_lg2 = pt_ffs64(d->pgsize_bitmap);
	d->root_size_lg2 = pt_table_lg2(d, d->levels - 1);
	/* The walker needs the root aligned to its size and addressable. */
	if (root_oa & ((1ull << d->root_size_lg2) - 1)) {
		rc = -PT_EINVAL;
		goto fail;
	}
	if (d->oas_lg2 < 64 && (root_oa >> d->oas_lg2)) {
		rc = -PT_ERANGE;
		goto fail;
	}
	d->root_oa = root_oa;
	d->root = pt_oa_to_cpu(d, root_oa);
	if (!d->root) {
		rc = -PT_ERANGE;
		goto fail;
	}
	d->ro_max_tables = pt_adopt_table_bound(d);
	*out = d;
	return 0;
fail:
	d->root = NULL;
	pt_obj_free(mem, d);
	return rc;
}
