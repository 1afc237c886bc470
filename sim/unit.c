// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The vendor-neutral face of a unit: its allocation, its caches' setup,
 * statistics and teardown, request checks, the stale detector's switches.
 * The models fill in sim_unit_ops and register their caches.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "sim-int.h"

struct iommusim_unit *sim_unit_alloc(size_t sz, const struct sim_unit_ops *ops,
				     struct iommusim_mem *mem,
				     const struct iommusim_cycles_cfg *cyc,
				     bool stale_on)
{
	struct iommusim_unit *u = calloc(1, sz);

	if (!u)
		return NULL;
	u->ops = ops;
	u->mem = mem;
	u->cyc = *cyc;
	sim_cycles_fill(&u->cyc);
	u->stale.on = stale_on;
	u->st.sz = sizeof(u->st);
	return u;
}

static bool cache_cfg_zero(const struct iommusim_cache_cfg *c)
{
	return !c->sets && !c->ways && !c->latency && !c->repl;
}

/* Set up c with cfg, or the default of its kind when cfg is all zero. */
static int cache_init(struct sim_cache *c, const struct iommusim_cache_cfg *cfg,
		      unsigned int kind, unsigned int level, uint64_t seed)
{
	struct iommusim_cache_cfg lc = *cfg;

	if (cache_cfg_zero(&lc)) {
		switch (kind) {
		case IOMMUSIM_CACHE_IOTLB:
			sim_cache_default_iotlb(&lc);
			break;
		case IOMMUSIM_CACHE_PWC:
			sim_cache_default_pwc(&lc, level);
			break;
		case IOMMUSIM_CACHE_PASID:
			sim_cache_default_pasid(&lc);
			break;
		default:
			sim_cache_default_context(&lc);
			break;
		}
	}
	return sim_cache_init(c, &lc, seed);
}

/* The model's cache at offset off of its struct, or NULL (off 0). */
static struct sim_cache *cache_at(struct iommusim_unit *u, size_t off)
{
	return off ? (struct sim_cache *)(void *)((char *)u + off) : NULL;
}

int sim_unit_caches_init(struct iommusim_unit *u,
			 const struct sim_unit_cache_opts *o)
{
	const struct sim_unit_ops *ops = u->ops;
	struct sim_cache *pwc = cache_at(u, ops->pwc);
	int rc = 0;

	if (ops->iotlb)
		rc = cache_init(cache_at(u, ops->iotlb), o->iotlb,
				IOMMUSIM_CACHE_IOTLB, 0, o->seed);
	for (unsigned int l = 0; l < ops->pwc_levels && !rc; l++)
		rc = cache_init(&pwc[l], o->pwc, IOMMUSIM_CACHE_PWC, l + 1,
				o->seed + l + 1);
	if (!rc && ops->context)
		rc = cache_init(cache_at(u, ops->context), o->context,
				IOMMUSIM_CACHE_CONTEXT, 0,
				o->seed + o->context_seed);
	if (!rc && ops->pasid)
		rc = cache_init(cache_at(u, ops->pasid), o->pasid,
				IOMMUSIM_CACHE_PASID, 0,
				o->seed + o->pasid_seed);
	return rc;
}

static struct sim_cache *unit_cache(struct iommusim_unit *u, unsigned int kind,
				    unsigned int level)
{
	const struct sim_unit_ops *ops = u->ops;

	switch (kind) {
	case IOMMUSIM_CACHE_IOTLB:
		return cache_at(u, ops->iotlb);
	case IOMMUSIM_CACHE_PWC:
		return level >= 1 && level <= ops->pwc_levels ?
			&cache_at(u, ops->pwc)[level - 1] : NULL;
	case IOMMUSIM_CACHE_CONTEXT:
		return cache_at(u, ops->context);
	case IOMMUSIM_CACHE_PASID:
		return cache_at(u, ops->pasid);
	default:
		return NULL;
	}
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
	const struct sim_unit_ops *ops;

	if (!u)
		return;
	ops = u->ops;
	if (ops->iotlb)
		sim_cache_fini(cache_at(u, ops->iotlb));
	for (unsigned int l = 0; l < ops->pwc_levels; l++)
		sim_cache_fini(&cache_at(u, ops->pwc)[l]);
	if (ops->context)
		sim_cache_fini(cache_at(u, ops->context));
	if (ops->pasid)
		sim_cache_fini(cache_at(u, ops->pasid));
	free(u);
}

IOMMUPT_API int iommusim_unit_cache_stats(struct iommusim_unit *u,
					  unsigned int kind, unsigned int level,
					  struct iommusim_cache_stats *st)
{
	struct sim_cache *c;

	if (!u || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	c = unit_cache(u, kind, level);
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
