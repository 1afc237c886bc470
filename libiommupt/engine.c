// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Public entry points of the domain API: argument checks shared by every
 * format, then dispatch to the format's engine (pt-engine.h).
 */
#include "pt-int.h"

const struct pt_fmt_ops *pt_format_ops(uint32_t format)
{
	switch (format) {
	case IOMMUPT_FMT_VTD_SS:
		return &pt_vtdss_ops;
	case IOMMUPT_FMT_X86_64:
		return &pt_x86_64_ops;
	case IOMMUPT_FMT_AMD_V1:
		return &pt_amdv1_ops;
	case IOMMUPT_FMT_ARM_S1:
		return &pt_arm_s1_ops;
	case IOMMUPT_FMT_ARM_S2:
		return &pt_arm_s2_ops;
	default:
		return NULL;
	}
}

void pt_zero(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = 0;
}

/*
 * Copy an output struct to a caller's one of caller->sz bytes: the common
 * prefix is copied, bytes the library does not know are zeroed, sz kept.
 */
void pt_copy_out(void *caller, const void *lib, size_t lib_sz)
{
	size_t user_sz = *(const size_t *)caller;
	unsigned char *dst = caller;
	const unsigned char *src = lib;

	for (size_t i = sizeof(size_t); i < user_sz; i++)
		dst[i] = i < lib_sz ? src[i] : 0;
}

bool pt_opts_valid(const void *opts, size_t user_sz, size_t known_sz)
{
	const unsigned char *c = opts;

	if (user_sz < sizeof(size_t))
		return false;
	for (size_t i = known_sz; i < user_sz; i++)
		if (c[i])
			return false;
	return true;
}

void *pt_obj_alloc(const struct iommupt_mem *mem, size_t size)
{
	if (mem->alloc_obj)
		return mem->alloc_obj(mem->ctx, size);
	return pt_default_obj_alloc(size);
}

void pt_obj_free(const struct iommupt_mem *mem, void *obj)
{
	if (!obj)
		return;
	if (mem->alloc_obj)
		mem->free_obj(mem->ctx, obj);
	else
		pt_default_obj_free(obj);
}

int pt_table_alloc(struct iommupt_domain *d, unsigned int lvl, void **cpu,
		   uint64_t *oa)
{
	unsigned int lg2 = pt_table_lg2(d, lvl);
	int rc = d->mem.alloc_table(d->mem.ctx, lg2, cpu, oa);

	if (rc)
		return rc < 0 ? rc : -PT_ENOMEM;
	/* A table the walker cannot address is of no use: give it back. */
	if ((*oa & ((1ull << lg2) - 1)) ||
	    (d->oas_lg2 < 64 && (*oa >> d->oas_lg2))) {
		d->mem.free_table(d->mem.ctx, *cpu, *oa, lg2);
		return -PT_ERANGE;
	}
	__atomic_fetch_add(&d->table_pages[lvl], 1, __ATOMIC_RELAXED);
	return 0;
}

void pt_table_free_now(struct iommupt_domain *d, unsigned int lvl, void *cpu,
		       uint64_t oa)
{
	__atomic_fetch_sub(&d->table_pages[lvl], 1, __ATOMIC_RELAXED);
	d->mem.free_table(d->mem.ctx, cpu, oa, pt_table_lg2(d, lvl));
}

/*
 * A page waiting in a gather is linked through its own first three items:
 * next page (CPU pointer), its OA and its size. All three are 8-byte
 * aligned values shifted clear of bit 0 and 1, so to any walker still
 * holding a stale pointer they read as not-present in every format.
 */
struct pt_pending {
	uint64_t next;
	uint64_t oa;
	uint64_t size_lg2_shl8;
};

void pt_table_free_gather(struct iommupt_domain *d, unsigned int lvl,
			  void *cpu, uint64_t oa, struct iommupt_gather *g)
{
	uint64_t *items = cpu;

	if (!g) {
		pt_table_free_now(d, lvl, cpu, oa);
		return;
	}
	__atomic_fetch_sub(&d->table_pages[lvl], 1, __ATOMIC_RELAXED);
	pt_store(&items[0], (uint64_t)(uintptr_t)g->pages);
	pt_store(&items[1], oa);
	pt_store(&items[2], (uint64_t)pt_table_lg2(d, lvl) << 8);
	g->pages = cpu;
	g->nr_pages++;
	g->dom = d;
	g->flags |= IOMMUPT_GATHER_TABLES;
}

void pt_gather_add_range(struct iommupt_gather *g, uint64_t start,
			 uint64_t last, uint32_t flags)
{
	if (g->start > g->last) {
		g->start = start;
		g->last = last;
	} else {
		if (start < g->start)
			g->start = start;
		if (last > g->last)
			g->last = last;
	}
	g->flags |= flags;
}

IOMMUPT_API void iommupt_gather_init(struct iommupt_gather *g)
{
	g->start = UINT64_MAX;
	g->last = 0;
	g->flags = 0;
	g->nr_pages = 0;
	g->pages = NULL;
	g->dom = NULL;
}

IOMMUPT_API void iommupt_gather_release(struct iommupt_gather *g)
{
	void *page = g->pages;

	while (page) {
		const struct pt_pending *p = page;
		void *next = (void *)(uintptr_t)p->next;

		g->dom->mem.free_table(g->dom->mem.ctx, page, p->oa,
				       (unsigned int)(p->size_lg2_shl8 >> 8));
		page = next;
	}
	iommupt_gather_init(g);
}

/* ------------------------------------------------------- create/destroy */

IOMMUPT_API int iommupt_domain_create(const struct iommupt_domain_cfg *cfg,
				      const struct iommupt_mem *mem,
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
	if (!mem->alloc_table || !mem->free_table ||
	    (!mem->alloc_obj != !mem->free_obj))
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
	rc = ops->init(d, cfg);
	if (rc)
		goto fail;
	d->pgsize_bitmap = 0;
	/* A growing format may use the sizes of levels it has yet to add. */
	for (unsigned int l = 0; l < IOMMUPT_MAX_LEVELS; l++)
		d->pgsize_bitmap |= d->leaf_sizes[l];
	if (!d->pgsize_bitmap) {
		rc = -PT_EINVAL;
		goto fail;
	}
	d->min_page_lg2 = pt_ffs64(d->pgsize_bitmap);
	d->root_size_lg2 = pt_table_lg2(d, d->levels - 1);
	rc = pt_table_alloc(d, d->levels - 1, &d->root, &d->root_oa);
	if (rc)
		goto fail;
	/* The root is not counted among the tables map allocates. */
	d->table_pages[d->levels - 1]--;
	*out = d;
	return 0;
fail:
	pt_obj_free(mem, d);
	return rc;
}

IOMMUPT_API void iommupt_domain_destroy(struct iommupt_domain *d)
{
	if (!d)
		return;
	pt_attach_domain_teardown(d);
	pt_settle_top(d);
	/* An adopted table belongs to whoever built it. */
	if (d->root && !d->read_only) {
		d->ops->free_all(d);
		d->mem.free_table(d->mem.ctx, d->root, d->root_oa,
				  d->root_size_lg2);
	}
	pt_obj_free(&d->mem, d);
}

/* ------------------------------------------------------ range checking */

/* Whether [iova, last] lies inside one contiguous part of the aperture. */
bool pt_in_aperture(const struct iommupt_domain *d, uint64_t iova,
		    uint64_t last)
{
	unsigned int bits = d->ias_lg2;

	if (bits >= 64)
		return true;
	switch (d->va_layout) {
	case IOMMUPT_VA_SIGNEXT: {
		uint64_t half = 1ull << (bits - 1);

		if (last < half)
			return true;
		return iova >= (uint64_t)0 - half;
	}
	case IOMMUPT_VA_UPPER:
		return iova >= (uint64_t)0 - (1ull << bits);
	default:
		return last < (1ull << bits);
	}
}

/*
 * Checks shared by every range operation. Order decides which error a
 * caller sees for input that is wrong in several ways: shape first.
 */
static int pt_check_range(const struct iommupt_domain *d, uint64_t iova,
			  uint64_t len, uint64_t *last)
{
	uint64_t page_mask = (1ull << d->min_page_lg2) - 1;

	if (!len || (iova & page_mask) || (len & page_mask))
		return -PT_EINVAL;
	*last = iova + len - 1;
	if (*last < iova)
		return -PT_EOVERFLOW;
	if (!pt_in_aperture(d, iova, *last))
		return -PT_ERANGE;
	return 0;
}

IOMMUPT_API int iommupt_domain_map(struct iommupt_domain *d, uint64_t iova,
				   uint64_t oa, uint64_t len, uint32_t prot,
				   struct iommupt_gather *g)
{
	uint64_t last;
	int rc;

	if (!d)
		return -PT_EINVAL;
	if (d->read_only)
		return -PT_EOPNOTSUPP;
	rc = pt_check_range(d, iova, len, &last);
	if (rc)
		return rc;
	if (oa & ((1ull << d->min_page_lg2) - 1))
		return -PT_EINVAL;
	if (oa + (len - 1) < oa)
		return -PT_EOVERFLOW;
	if (d->oas_lg2 < 64 && ((oa + (len - 1)) >> d->oas_lg2))
		return -PT_ERANGE;
	if (!(prot & (IOMMUPT_READ | IOMMUPT_WRITE)) ||
	    (prot & ~(uint32_t)(IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_NOEXEC |
				IOMMUPT_CACHE | IOMMUPT_MMIO | IOMMUPT_PRIV)))
		return -PT_EINVAL;
	/* Reserved regions of attached devices (resv.c): -EBUSY. */
	if (PT_UNLIKELY(d->nr_resv)) {
		rc = pt_resv_check_map(d, iova, last);
		if (rc)
			return rc;
	}
	return d->ops->map(d, iova, last, oa, prot, g);
}

IOMMUPT_API int iommupt_domain_unmap(struct iommupt_domain *d, uint64_t iova,
				     uint64_t len, uint32_t flags,
				     struct iommupt_gather *g,
				     uint64_t *unmapped)
{
	uint64_t last, bytes = 0;
	int rc;

	if (unmapped)
		*unmapped = 0;
	if (!d)
		return -PT_EINVAL;
	if (flags & ~(uint32_t)IOMMUPT_UNMAP_SPLIT)
		return -PT_EINVAL;
	if (d->read_only)
		return -PT_EOPNOTSUPP;
	rc = pt_check_range(d, iova, len, &last);
	if (rc)
		return rc;
	/* Identity regions of attached devices stay mapped (resv.c). */
	if (PT_UNLIKELY(d->nr_resv)) {
		rc = pt_resv_check_unmap(d, iova, last);
		if (rc)
			return rc;
	}
	rc = d->ops->unmap(d, iova, last, flags, g, &bytes);
	if (!rc && unmapped)
		*unmapped = bytes;
	return rc;
}

IOMMUPT_API int iommupt_domain_iova_to_phys(struct iommupt_domain *d,
					    uint64_t iova, uint64_t *oa,
					    uint32_t *prot,
					    unsigned int *size_lg2)
{
	struct iommupt_leaf leaf;
	int rc;

	if (!d || !oa)
		return -PT_EINVAL;
	if (!pt_in_aperture(d, iova, iova))
		return -PT_ERANGE;
	rc = d->ops->lookup(d, iova, &leaf);
	if (rc)
		return rc;
	*oa = leaf.oa + (iova & ((1ull << leaf.size_lg2) - 1));
	if (prot)
		*prot = leaf.prot;
	if (size_lg2)
		*size_lg2 = leaf.size_lg2;
	return 0;
}

IOMMUPT_API int iommupt_domain_walk(struct iommupt_domain *d, uint64_t iova,
				    uint64_t len, iommupt_leaf_fn fn,
				    void *ctx)
{
	uint64_t last;
	int rc;

	if (!d || !fn)
		return -PT_EINVAL;
	if (len == 0) {
		/* The whole aperture: each contiguous part in IOVA order. */
		unsigned int bits = d->ias_lg2;

		if (bits >= 64)
			return d->ops->walk(d, 0, UINT64_MAX, fn, ctx);
		switch (d->va_layout) {
		case IOMMUPT_VA_SIGNEXT: {
			uint64_t half = 1ull << (bits - 1);

			rc = d->ops->walk(d, 0, half - 1, fn, ctx);
			if (rc)
				return rc;
			return d->ops->walk(d, (uint64_t)0 - half, UINT64_MAX,
					    fn, ctx);
		}
		case IOMMUPT_VA_UPPER:
			return d->ops->walk(d, (uint64_t)0 - (1ull << bits),
					    UINT64_MAX, fn, ctx);
		default:
			return d->ops->walk(d, 0, (1ull << bits) - 1, fn, ctx);
		}
	}
	rc = pt_check_range(d, iova, len, &last);
	if (rc)
		return rc;
	return d->ops->walk(d, iova, last, fn, ctx);
}

IOMMUPT_API int iommupt_domain_validate(struct iommupt_domain *d,
					iommupt_finding_fn fn, void *ctx)
{
	if (!d)
		return -PT_EINVAL;
	return d->ops->validate(d, fn, ctx);
}

IOMMUPT_API int iommupt_domain_stats(struct iommupt_domain *d,
				     struct iommupt_stats *out)
{
	struct iommupt_stats local;
	struct iommupt_stats *s = &local;

	if (!d || !out || out->sz < sizeof(size_t))
		return -PT_EINVAL;
	pt_zero(s, sizeof(*s));
	pt_settle_top(d);
	s->levels = d->levels;
	for (unsigned int l = 0; l < d->levels; l++) {
		s->table_pages[l] =
			__atomic_load_n(&d->table_pages[l], __ATOMIC_RELAXED);
		s->table_bytes += s->table_pages[l] << pt_table_lg2(d, l);
	}
	s->table_pages[d->levels - 1]++; /* the root */
	s->table_bytes += 1ull << d->root_size_lg2;
	d->ops->count_leaves(d, s);
	pt_copy_out(out, s, sizeof(*s));
	return 0;
}

IOMMUPT_API int iommupt_domain_get_info(struct iommupt_domain *d,
					struct iommupt_domain_info *out)
{
	struct iommupt_domain_info local;
	struct iommupt_domain_info *info = &local;

	if (!d || !out || out->sz < sizeof(size_t))
		return -PT_EINVAL;
	pt_zero(info, sizeof(*info));
	pt_settle_top(d);
	info->format = d->format;
	info->va_layout = d->va_layout;
	info->levels = d->levels;
	info->ias_lg2 = d->ias_lg2;
	info->oas_lg2 = d->oas_lg2;
	info->granule_lg2 = d->granule_lg2;
	info->root_oa = d->root_oa;
	info->root_size_lg2 = d->root_size_lg2;
	info->pgsize_bitmap = d->pgsize_bitmap;
	pt_copy_out(out, info, sizeof(*info));
	return 0;
}

IOMMUPT_API const char *iommupt_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case PT_ENOENT:
		return "no translation at that address";
	case PT_ENOMEM:
		return "out of memory from the provider";
	case PT_EBUSY:
		return "range or identifier in use or reserved";
	case PT_EEXIST:
		return "part of the range is already mapped";
	case PT_EINVAL:
		return "invalid argument (alignment, size, flags or a cut large page)";
	case PT_ERANGE:
		return "address outside the aperture or output size";
	case PT_EOVERFLOW:
		return "range wraps around the address space";
	case PT_ENOBUFS:
		return "buffer too small; the count needed was returned";
	case PT_EOPNOTSUPP:
		return "not supported by this format or unit";
	case PT_ENOSPC:
		return "no free space left";
	default:
		return "unknown error";
	}
}
