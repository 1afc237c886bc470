// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Public dirty-tracking entry points: the kernel's argument rules, then
 * the format's harvester (pt-dirty.h).
 */
#include "dirty-int.h"

#define PT_DIRTY_DEFAULT_CAP (256ull << 20)

static const struct pt_dirty_ops *pt_dirty_ops_of(const struct iommupt_domain *d)
{
	switch (d->format) {
	case IOMMUPT_FMT_VTD_SS:
		return &pt_vtdss_dirty_ops;
	case IOMMUPT_FMT_X86_64:
		return &pt_x86_64_dirty_ops;
	case IOMMUPT_FMT_AMD_V1:
		return &pt_amdv1_dirty_ops;
	case IOMMUPT_FMT_ARM_S1:
		return &pt_arm_s1_dirty_ops;
	case IOMMUPT_FMT_ARM_S2:
		return &pt_arm_s2_dirty_ops;
	default:
		return NULL; /* formats whose dirty state is not written yet */
	}
}

IOMMUPT_API int iommupt_domain_set_dirty_tracking(
	struct iommupt_domain *d, int enable,
	const struct iommupt_dirty_opts *opts)
{
	const struct pt_dirty_ops *ops;
	uint64_t cap = PT_DIRTY_DEFAULT_CAP;

	if (!d)
		return -PT_EINVAL;
	if (opts) {
		if (!pt_opts_valid(opts, opts->sz, sizeof(*opts)))
			return -PT_EINVAL;
		if (opts->max_bitmap_bytes)
			cap = opts->max_bitmap_bytes;
	}
	ops = pt_dirty_ops_of(d);
	if (!ops || d->read_only)
		return -PT_EOPNOTSUPP;
	if (enable && !d->dirty_enabled) {
		/*
		 * Start clean: stale dirty bits would be reported as new writes.
		 * The flag goes up first so that a format whose new leaves
		 * depend on it (ARM: writable-clean) maps tracked leaves from
		 * here on.
		 */
		d->dirty_enabled = true;
		struct pt_dirty_req r = { .clear = true };
		uint64_t half = d->ias_lg2 >= 64 ? 0 : 1ull << (d->ias_lg2 - 1);

		switch (d->va_layout) {
		case IOMMUPT_VA_SIGNEXT:
			r.iova = 0;
			r.last = half - 1;
			ops->harvest(d, r.iova, r.last, &r);
			r.iova = (uint64_t)0 - half;
			r.last = UINT64_MAX;
			break;
		case IOMMUPT_VA_UPPER:
			r.iova = d->ias_lg2 >= 64 ? 0 : (uint64_t)0 - (1ull << d->ias_lg2);
			r.last = UINT64_MAX;
			break;
		default:
			r.iova = 0;
			r.last = d->ias_lg2 >= 64 ? UINT64_MAX : (1ull << d->ias_lg2) - 1;
			break;
		}
		ops->harvest(d, r.iova, r.last, &r);
	} else if (!enable && d->dirty_enabled) {
		/* New leaves are untracked from here; then fix up the old ones. */
		d->dirty_enabled = false;
		if (ops->untrack)
			ops->untrack(d);
	}
	d->dirty_enabled = enable != 0;
	d->dirty_max_bitmap = cap;
	return 0;
}

IOMMUPT_API int iommupt_domain_read_and_clear_dirty(
	struct iommupt_domain *d, uint64_t iova, uint64_t len, uint64_t granule,
	void *bitmap, uint64_t bitmap_bytes, uint32_t flags,
	struct iommupt_gather *g, struct iommupt_dirty_stats *stats)
{
	const struct pt_dirty_ops *ops;
	struct pt_dirty_req r;
	uint64_t nbits, need;

	if (!d || !d->dirty_enabled || !bitmap ||
	    (stats && stats->sz < sizeof(size_t)))
		return -PT_EINVAL;
	if (flags & ~(uint32_t)IOMMUPT_DIRTY_NO_CLEAR)
		return -PT_EINVAL;
	if (!granule || (granule & (granule - 1)) ||
	    granule < (1ull << d->min_page_lg2))
		return -PT_EINVAL;
	if (!len || (iova & (granule - 1)) || (len & (granule - 1)))
		return -PT_EINVAL;
	if (iova + (len - 1) < iova)
		return -PT_EOVERFLOW;
	if (!pt_in_aperture(d, iova, iova + (len - 1)))
		return -PT_ERANGE;
	nbits = len >> pt_ffs64(granule);
	/* Bytes of whole 64-bit words; cannot overflow: nbits <= 2^52. */
	need = ((nbits + 63) / 64) * 8;
	if (need > d->dirty_max_bitmap || bitmap_bytes < need)
		return -PT_EINVAL;
	ops = pt_dirty_ops_of(d);
	if (!ops)
		return -PT_EOPNOTSUPP;

	pt_zero(&r, sizeof(r));
	r.iova = iova;
	r.last = iova + (len - 1);
	r.granule_lg2 = pt_ffs64(granule);
	r.bitmap = bitmap;
	r.clear = !(flags & IOMMUPT_DIRTY_NO_CLEAR);
	r.g = g;
	ops->harvest(d, r.iova, r.last, &r);
	if (stats)
		pt_copy_out(stats, &r.stats, sizeof(r.stats));
	return 0;
}

IOMMUPT_API int iommupt_domain_mark_dirty(struct iommupt_domain *d,
					  uint64_t iova)
{
	const struct pt_dirty_ops *ops;

	if (!d)
		return -PT_EINVAL;
	ops = pt_dirty_ops_of(d);
	if (!ops || d->read_only)
		return -PT_EOPNOTSUPP;
	if (!pt_in_aperture(d, iova, iova))
		return -PT_ERANGE;
	return ops->mark(d, iova);
}
