// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Devices and attach/detach/replace. A domain holds one ID record per unit
 * it is attached through, reference-counted by the devices attached
 * through that unit. Attach maps the device's identity regions into the
 * domain; detach unmaps those no other attached device needs.
 *
 * Every step that can fail (record, ID, identity maps) happens before the
 * device is linked in, and is undone on failure: a failed attach leaves
 * the domain, the unit's IDs and the device as they were.
 *
 * A restored domain (restore.c) has no devices yet but its blob records
 * the reserved regions of those it had. They are held by a holder: a
 * device object on the domain's list with no unit, which no caller can
 * reach. Map, unmap, the IOVA allocator, attach and serialize see its
 * regions as those of any attached device, so they stay enforced and the
 * identity maps in the restored tables count as identity maps. A device
 * attached later with a region the holder has takes it over; the holder
 * goes when it has none left, or with the domain.
 */
#include "domains-int.h"

/* ------------------------------------------------------------ devices */

IOMMUPT_API int iommupt_device_create(struct iommupt_unit *unit,
				      const struct iommupt_device_opts *opts,
				      struct iommupt_device **out)
{
	struct iommupt_device *dev;

	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!unit || (opts && !pt_opts_valid(opts, opts->sz,
					     sizeof(struct iommupt_device_opts))))
		return -PT_EINVAL;
	dev = pt_obj_alloc(&unit->mem, sizeof(*dev));
	if (!dev)
		return -PT_ENOMEM;
	dev->unit = unit;
	dev->rid = opts ? opts->rid : 0;
	dev->unit_next = unit->devices;
	unit->devices = dev;
	*out = dev;
	return 0;
}

IOMMUPT_API void iommupt_device_destroy(struct iommupt_device *dev)
{
	struct iommupt_device **pp;

	if (!dev)
		return;
	iommupt_device_detach(dev, NULL);
	for (pp = &dev->unit->devices; *pp != dev; pp = &(*pp)->unit_next)
		;
	*pp = dev->unit_next;
	pt_obj_free(&dev->unit->mem, dev->resv);
	pt_obj_free(&dev->unit->mem, dev);
}

IOMMUPT_API int iommupt_device_set_resv(struct iommupt_device *dev,
					const struct iommupt_resv_region *r,
					size_t n)
{
	struct iommupt_resv_region *copy = NULL;

	if (!dev || (n && !r) || n > IOMMUPT_RESV_MAX)
		return -PT_EINVAL;
	if (dev->dom)
		return -PT_EBUSY;
	for (size_t i = 0; i < n; i++)
		if (!pt_resv_valid(&r[i]))
			return -PT_EINVAL;
	if (n) {
		copy = pt_obj_alloc(&dev->unit->mem, n * sizeof(*copy));
		if (!copy)
			return -PT_ENOMEM;
		for (size_t i = 0; i < n; i++)
			copy[i] = r[i];
	}
	pt_obj_free(&dev->unit->mem, dev->resv);
	dev->resv = copy;
	dev->nr_resv = (uint32_t)n;
	return 0;
}

IOMMUPT_API int iommupt_device_get_resv(struct iommupt_device *dev,
					struct iommupt_resv_region *out,
					size_t *count)
{
	if (!dev || !count || (*count && !out))
		return -PT_EINVAL;
	if (*count < dev->nr_resv) {
		*count = dev->nr_resv;
		return -PT_ENOBUFS;
	}
	for (uint32_t i = 0; i < dev->nr_resv; i++)
		out[i] = dev->resv[i];
	*count = dev->nr_resv;
	return 0;
}

IOMMUPT_API struct iommupt_domain *
iommupt_device_domain(const struct iommupt_device *dev)
{
	return dev ? dev->dom : NULL;
}

IOMMUPT_API int iommupt_domain_get_resv(struct iommupt_domain *d,
					struct iommupt_resv_region *out,
					size_t *count)
{
	size_t n = 0;

	if (!d || !count || (*count && !out))
		return -PT_EINVAL;
	if (*count < d->nr_resv) {
		*count = d->nr_resv;
		return -PT_ENOBUFS;
	}
	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next)
		for (uint32_t i = 0; i < dev->nr_resv; i++)
			out[n++] = dev->resv[i];
	*count = n;
	return 0;
}

/* ---------------------------------------------------------- ID records */

static struct pt_dom_unit *record_find(struct iommupt_domain *d,
				       struct iommupt_unit *u)
{
	for (struct pt_dom_unit *r = d->units; r; r = r->dom_next)
		if (r->unit == u)
			return r;
	return NULL;
}

/* A record holding id (or the lowest free ID when !at), linked on both. */
static int record_new(struct iommupt_domain *d, struct iommupt_unit *u,
		      bool at, uint32_t id, struct pt_dom_unit **out)
{
	struct pt_dom_unit *r;
	int rc;

	r = pt_obj_alloc(&u->mem, sizeof(*r));
	if (!r)
		return -PT_ENOMEM;
	rc = at ? pt_did_alloc_at(&u->ids, id)
		: pt_did_alloc_lowest(&u->ids, &id);
	if (rc) {
		pt_obj_free(&u->mem, r);
		return rc;
	}
	r->dom = d;
	r->unit = u;
	r->id = id;
	r->dom_next = d->units;
	d->units = r;
	r->unit_next = u->records;
	u->records = r;
	*out = r;
	return 0;
}

static void record_release(struct pt_dom_unit *r)
{
	struct pt_dom_unit **pp;

	for (pp = &r->dom->units; *pp != r; pp = &(*pp)->dom_next)
		;
	*pp = r->dom_next;
	for (pp = &r->unit->records; *pp != r; pp = &(*pp)->unit_next)
		;
	*pp = r->unit_next;
	pt_did_free(&r->unit->ids, r->id);
	pt_obj_free(&r->unit->mem, r);
}

IOMMUPT_API int iommupt_domain_get_id(struct iommupt_domain *d,
				      struct iommupt_unit *u, uint32_t *id)
{
	struct pt_dom_unit *r;

	if (!d || !u || !id)
		return -PT_EINVAL;
	r = record_find(d, u);
	if (!r)
		return -PT_ENOENT;
	*id = r->id;
	return 0;
}

IOMMUPT_API int iommupt_domain_restore_id(struct iommupt_domain *d,
					  struct iommupt_unit *u, uint32_t id)
{
	struct pt_dom_unit *r;

	if (!d || !u)
		return -PT_EINVAL;
	if (record_find(d, u))
		return -PT_EEXIST;
	return record_new(d, u, true, id, &r);
}

/* Whether unit u can walk domain d. */
static bool unit_serves(const struct iommupt_unit *u,
			const struct iommupt_domain *d)
{
	if (u->formats && (d->format >= 64 || !(u->formats >> d->format & 1)))
		return false;
	if (d->ias_lg2 > u->ias_lg2 || d->oas_lg2 > u->oas_lg2)
		return false;
	if (u->pgsize_bitmap && (d->pgsize_bitmap & ~u->pgsize_bitmap))
		return false;
	/* Declared need, or tracking already on (dirty.c). */
	if (((d->needs & IOMMUPT_NEED_DIRTY) || d->dirty_enabled) &&
	    !(u->flags & IOMMUPT_UNIT_DIRTY))
		return false;
	return true;
}

IOMMUPT_API int iommupt_domain_set_needs(struct iommupt_domain *d,
					 uint32_t needs)
{
	uint32_t old;

	if (!d || (needs & ~(uint32_t)IOMMUPT_NEED_DIRTY))
		return -PT_EINVAL;
	old = d->needs;
	d->needs = needs;
	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next) {
		if (dev->unit && !unit_serves(dev->unit, d)) {
			d->needs = old;
			return -PT_EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------ identity maps */

/*
 * Whether an identity region of another device attached to d, or one of
 * dev's own identity regions before index below, covers part of
 * [start, last]; if so the first such range found.
 */
static bool identity_covered(const struct iommupt_domain *d,
			     const struct iommupt_device *dev, uint32_t below,
			     uint64_t start, uint64_t last, uint64_t *cs,
			     uint64_t *cl)
{
	/* dev itself is never on d->devs here: it is linked in afterwards. */
	for (const struct iommupt_device *o = d->devs; o; o = o->dom_next) {
		for (uint32_t i = 0; i < o->nr_resv; i++) {
			if (o->resv[i].type != IOMMUPT_RESV_IDENTITY)
				continue;
			pt_resv_dom_range(d, &o->resv[i], cs, cl);
			if (*cs <= last && start <= *cl)
				return true;
		}
	}
	for (uint32_t i = 0; i < below; i++) {
		if (dev->resv[i].type != IOMMUPT_RESV_IDENTITY)
			continue;
		pt_resv_dom_range(d, &dev->resv[i], cs, cl);
		if (*cs <= last && start <= *cl)
			return true;
	}
	return false;
}

/*
 * Map (or unmap) the parts of [start, last] that no covering identity
 * region holds. Recursion depth is bounded by the number of regions.
 * A failed map undoes the parts this call mapped.
 */
static int identity_apply(struct iommupt_domain *d,
			  const struct iommupt_device *dev, uint32_t below,
			  uint64_t start, uint64_t last, bool map,
			  struct iommupt_gather *g)
{
	uint64_t cs, cl;
	int rc;

	if (!identity_covered(d, dev, below, start, last, &cs, &cl)) {
		if (map)
			return iommupt_domain_map(d, start, start,
						  last - start + 1,
						  IOMMUPT_READ | IOMMUPT_WRITE,
						  g);
		/*
		 * A large page mapped for this region may reach into a region
		 * another device attached since then still needs: split it.
		 * If even that fails (-ENOMEM) the map stays: detach cannot
		 * fail, and an extra identity map is harmless.
		 */
		if (iommupt_domain_unmap(d, start, last - start + 1, 0, g,
					 NULL) == -PT_EINVAL)
			(void)iommupt_domain_unmap(d, start, last - start + 1,
						   IOMMUPT_UNMAP_SPLIT, g, NULL);
		return 0;
	}
	if (cs > start) {
		rc = identity_apply(d, dev, below, start, cs - 1, map, g);
		if (rc)
			return rc;
	}
	if (cl < last) {
		rc = identity_apply(d, dev, below, cl + 1, last, map, g);
		if (rc && map && cs > start)
			identity_apply(d, dev, below, start, cs - 1, false, g);
		return rc;
	}
	return 0;
}

static void identity_unmap_all(struct iommupt_domain *d,
			       const struct iommupt_device *dev, uint32_t n,
			       struct iommupt_gather *g)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t s, l;

		if (dev->resv[i].type != IOMMUPT_RESV_IDENTITY)
			continue;
		pt_resv_dom_range(d, &dev->resv[i], &s, &l);
		identity_apply(d, dev, i, s, l, false, g);
	}
}

static int identity_map_all(struct iommupt_domain *d,
			    const struct iommupt_device *dev,
			    struct iommupt_gather *g)
{
	for (uint32_t i = 0; i < dev->nr_resv; i++) {
		uint64_t s, l;
		int rc;

		if (dev->resv[i].type != IOMMUPT_RESV_IDENTITY)
			continue;
		pt_resv_dom_range(d, &dev->resv[i], &s, &l);
		rc = identity_apply(d, dev, i, s, l, true, g);
		if (rc) {
			identity_unmap_all(d, dev, i, g);
			return rc;
		}
	}
	return 0;
}

/*
 * Regions of dev against those of the devices attached to d: an identity
 * region of one may not overlap a reserved or MSI region of the other.
 */
static bool resv_clash(const struct iommupt_domain *d,
		       const struct iommupt_device *dev)
{
	for (const struct iommupt_device *o = d->devs; o; o = o->dom_next) {
		for (uint32_t i = 0; i < dev->nr_resv; i++) {
			const struct iommupt_resv_region *a = &dev->resv[i];

			for (uint32_t j = 0; j < o->nr_resv; j++) {
				const struct iommupt_resv_region *b = &o->resv[j];
				uint64_t as, al, bs, bl;

				if ((a->type == IOMMUPT_RESV_IDENTITY) ==
				    (b->type == IOMMUPT_RESV_IDENTITY))
					continue;
				pt_resv_dom_range(d, a, &as, &al);
				pt_resv_dom_range(d, b, &bs, &bl);
				if (as <= bl && bs <= al)
					return true;
			}
		}
	}
	return false;
}

struct region_probe {
	const struct iommupt_domain *d;
	const struct iommupt_device *dev;
	bool identity;
};

/* A leaf that may not stay where a region of the attaching device lies. */
static int user_leaf_in_region(void *ctx, const struct iommupt_leaf *l)
{
	const struct region_probe *p = ctx;
	uint64_t cs, cl;

	/*
	 * Inside an identity region only another attached device's identity
	 * map may already be there; anything else is the user's.
	 */
	if (p->identity && l->oa == l->iova &&
	    identity_covered(p->d, p->dev, 0, l->iova,
			     l->iova + ((1ull << l->size_lg2) - 1), &cs, &cl))
		return 0;
	return 1;
}

/*
 * Whether the domain already holds a user mapping where one of dev's
 * regions lies: reserved and MSI regions must be unmapped, identity ones
 * may only meet other devices' identity maps.
 */
static bool user_map_in_regions(struct iommupt_domain *d,
				const struct iommupt_device *dev)
{
	struct region_probe p = { .d = d, .dev = dev };

	for (uint32_t i = 0; i < dev->nr_resv; i++) {
		uint64_t s, l;

		p.identity = dev->resv[i].type == IOMMUPT_RESV_IDENTITY;
		pt_resv_dom_range(d, &dev->resv[i], &s, &l);
		if (l - s + 1 == 0)
			continue; /* the whole space: no mapping can exist */
		/* Outside the aperture nothing is mapped: the walk says -ERANGE. */
		if (iommupt_domain_walk(d, s, l - s + 1, user_leaf_in_region,
					&p) == 1)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------- attach */

/*
 * Everything attaching dev to d needs except linking it in: the record
 * (new or held) and the identity maps. *rec gets the record, *fresh
 * whether this call created it.
 */
static int attach_prepare(struct iommupt_device *dev, struct iommupt_domain *d,
			  struct iommupt_gather *g, struct pt_dom_unit **rec,
			  bool *fresh)
{
	int rc;

	if (!unit_serves(dev->unit, d))
		return -PT_EINVAL;
	if (resv_clash(d, dev) || user_map_in_regions(d, dev))
		return -PT_EBUSY;
	*fresh = false;
	*rec = record_find(d, dev->unit);
	if (!*rec) {
		rc = record_new(d, dev->unit, false, 0, rec);
		if (rc)
			return rc;
		*fresh = true;
	}
	rc = identity_map_all(d, dev, g);
	if (rc) {
		if (*fresh)
			record_release(*rec);
		return rc;
	}
	return 0;
}

/* The holder of a restored domain's recorded regions, or NULL. */
static struct iommupt_device *resv_holder(struct iommupt_domain *d)
{
	for (struct iommupt_device *dev = d->devs; dev; dev = dev->dom_next)
		if (!dev->unit)
			return dev;
	return NULL;
}

static void holder_free(struct iommupt_domain *d, struct iommupt_device *h)
{
	pt_obj_free(&d->mem, h->resv);
	pt_obj_free(&d->mem, h);
}

/*
 * dev, now attached, takes over each region the holder has the same of
 * (one each: two devices with one region recorded it twice).
 */
static void holder_hand_over(struct iommupt_domain *d,
			     const struct iommupt_device *dev)
{
	struct iommupt_device *h = resv_holder(d), **pp;

	if (!h)
		return;
	for (uint32_t i = 0; i < dev->nr_resv && h->nr_resv; i++) {
		const struct iommupt_resv_region *a = &dev->resv[i];

		for (uint32_t j = 0; j < h->nr_resv; j++) {
			const struct iommupt_resv_region *b = &h->resv[j];

			if (a->start != b->start || a->last != b->last ||
			    a->type != b->type || a->flags != b->flags)
				continue;
			h->resv[j] = h->resv[--h->nr_resv];
			d->nr_resv--;
			break;
		}
	}
	if (h->nr_resv)
		return;
	for (pp = &d->devs; *pp != h; pp = &(*pp)->dom_next)
		;
	*pp = h->dom_next;
	holder_free(d, h);
}

static void attach_link(struct iommupt_device *dev, struct iommupt_domain *d,
			struct pt_dom_unit *rec)
{
	rec->refs++;
	dev->dom = d;
	dev->dom_next = d->devs;
	d->devs = dev;
	d->nr_resv += dev->nr_resv;
	holder_hand_over(d, dev);
}

int pt_attach_restore_resv(struct iommupt_domain *d,
			   struct iommupt_resv_region *r, uint32_t n)
{
	struct iommupt_device *h;

	if (!n) {
		pt_obj_free(&d->mem, r);
		return 0;
	}
	h = pt_obj_alloc(&d->mem, sizeof(*h));
	if (!h) {
		pt_obj_free(&d->mem, r);
		return -PT_ENOMEM;
	}
	pt_zero(h, sizeof(*h));
	h->dom = d;
	h->resv = r;
	h->nr_resv = n;
	h->dom_next = d->devs;
	d->devs = h;
	d->nr_resv += n;
	return 0;
}

/* Unlink dev from its domain, unmap what only it needed, drop the ID. */
static void detach_unlink(struct iommupt_device *dev, struct iommupt_gather *g)
{
	struct iommupt_domain *d = dev->dom;
	struct iommupt_device **pp;
	struct pt_dom_unit *rec = record_find(d, dev->unit);

	for (pp = &d->devs; *pp != dev; pp = &(*pp)->dom_next)
		;
	*pp = dev->dom_next;
	dev->dom_next = NULL;
	dev->dom = NULL;
	d->nr_resv -= dev->nr_resv;
	identity_unmap_all(d, dev, dev->nr_resv, g);
	if (--rec->refs == 0)
		record_release(rec);
}

IOMMUPT_API int iommupt_device_attach(struct iommupt_device *dev,
				      struct iommupt_domain *d,
				      struct iommupt_gather *g)
{
	struct pt_dom_unit *rec;
	bool fresh;
	int rc;

	if (!dev || !d)
		return -PT_EINVAL;
	if (dev->dom)
		return -PT_EBUSY;
	rc = attach_prepare(dev, d, g, &rec, &fresh);
	if (rc)
		return rc;
	attach_link(dev, d, rec);
	return 0;
}

IOMMUPT_API int iommupt_device_replace(struct iommupt_device *dev,
				       struct iommupt_domain *d,
				       struct iommupt_gather *g_new,
				       struct iommupt_gather *g_old)
{
	struct pt_dom_unit *rec;
	bool fresh;
	int rc;

	if (!dev || !d)
		return -PT_EINVAL;
	if (dev->dom == d)
		return 0;
	rc = attach_prepare(dev, d, g_new, &rec, &fresh);
	if (rc)
		return rc;
	if (dev->dom)
		detach_unlink(dev, g_old);
	attach_link(dev, d, rec);
	return 0;
}

IOMMUPT_API int iommupt_device_detach(struct iommupt_device *dev,
				      struct iommupt_gather *g)
{
	if (!dev)
		return -PT_EINVAL;
	if (dev->dom)
		detach_unlink(dev, g);
	return 0;
}

/*
 * Called by iommupt_domain_destroy: devices still attached are let go
 * (their identity maps go with the tables) and the domain's IDs freed.
 */
void pt_attach_domain_teardown(struct iommupt_domain *d)
{
	while (d->devs) {
		struct iommupt_device *dev = d->devs;

		d->devs = dev->dom_next;
		dev->dom_next = NULL;
		dev->dom = NULL;
		if (!dev->unit)
			holder_free(d, dev);
	}
	d->nr_resv = 0;
	while (d->units)
		record_release(d->units);
}
