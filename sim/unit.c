// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vendor-neutral face of a unit: request checks, statistics, the
 * stale detector's switches. The models fill in sim_unit_ops.
 */
#include <errno.h>

#include "sim-int.h"

void sim_unit_init(struct iommusim_unit *u, const struct sim_unit_ops *ops,
		   struct iommusim_mem *mem)
{
	u->ops = ops;
	u->mem = mem;
	u->stale.on = true;
	u->st.sz = sizeof(u->st);
}

IOMMUPT_API int iommusim_unit_dma(struct iommusim_unit *u,
				  const struct iommusim_dma *req,
				  struct iommusim_dma_result *res)
{
	struct iommusim_dma_result r = { .sz = sizeof(r) };
	int rc;

	if (!u || !req || !res || res->sz < sizeof(size_t) ||
	    !sim_opts_valid(req, req->sz, sizeof(*req)))
		return -EINVAL;
	if (req->access != IOMMUSIM_DMA_READ &&
	    req->access != IOMMUSIM_DMA_WRITE)
		return -EINVAL;
	if (req->flags & ~(uint32_t)(IOMMUSIM_DMA_HAS_PASID | IOMMUSIM_DMA_PRIV))
		return -EINVAL;
	if (req->sid > 0xffff || req->pasid > 0xfffff ||
	    (!(req->flags & IOMMUSIM_DMA_HAS_PASID) && req->pasid))
		return -EINVAL;
	if (!req->size || req->size > 4096 ||
	    ((req->iova & 4095) + req->size) > 4096)
		return -EINVAL;
	rc = u->ops->dma(u, req, &r);
	if (rc)
		return rc;
	u->st.dma++;
	u->st.cycles += r.cycles;
	if (r.fault)
		u->st.faults++;
	sim_copy_out(res, &r, sizeof(r));
	return 0;
}

IOMMUPT_API const struct iommupt_mmio *
iommusim_unit_mmio(struct iommusim_unit *u)
{
	return u ? &u->mmio : NULL;
}

IOMMUPT_API void iommusim_unit_destroy(struct iommusim_unit *u)
{
	if (u)
		u->ops->destroy(u);
}

IOMMUPT_API int iommusim_unit_cache_stats(struct iommusim_unit *u,
					  unsigned int kind, unsigned int level,
					  struct iommusim_cache_stats *st)
{
	struct sim_cache *c;

	if (!u || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	c = u->ops->cache(u, kind, level);
	if (!c)
		return -EINVAL;
	sim_cache_get_stats(c, st);
	return 0;
}

IOMMUPT_API int iommusim_unit_get_stats(struct iommusim_unit *u,
					struct iommusim_unit_stats *st)
{
	if (!u || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	u->st.stale = u->stale.count;
	sim_copy_out(st, &u->st, sizeof(u->st));
	return 0;
}

IOMMUPT_API void iommusim_unit_set_stale_check(struct iommusim_unit *u, int on)
{
	if (u)
		u->stale.on = on != 0;
}

IOMMUPT_API void iommusim_unit_set_stale_fn(struct iommusim_unit *u,
					    iommusim_stale_fn fn, void *ctx)
{
	if (!u)
		return;
	u->stale.fn = fn;
	u->stale.ctx = ctx;
}

IOMMUPT_API int iommusim_unit_last_stale(struct iommusim_unit *u,
					 struct iommusim_stale_report *r)
{
	if (!u || !r)
		return -EINVAL;
	if (!u->stale.have_last)
		return -ENOENT;
	*r = u->stale.last;
	return 0;
}
