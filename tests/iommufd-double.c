// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Test double of the kernel's iommufd and VFIO-cdev ioctls (see
 * iommufd-double.h). Each rule cites where the kernel documents or applies
 * it; the double checks in the kernel's order where the order shows in
 * the errno.
 */
#include <errno.h>
#include <string.h>

#include "../drivers/iommufd-uapi.h"
#include "iommufd-double.h"

void dbl_init(struct dbl *d)
{
	memset(d, 0, sizeof(*d));
}

int dbl_add_device(struct dbl *d, int dirty_cap, uint64_t resv_start,
		   uint64_t resv_last, uint64_t aperture_last)
{
	struct dbl_dev *dev = &d->devs[d->nr_devs];

	dev->fd = 2000 + (int)d->nr_devs;
	dev->dirty_cap = dirty_cap;
	dev->resv_start = resv_start;
	dev->resv_last = resv_last;
	dev->aperture_last = aperture_last;
	d->nr_devs++;
	return dev->fd;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

/*
 * iommufd's extensible structs (uAPI "General ioctl format"): size below
 * the first version's is EINVAL; bytes the kernel does not know must be 0
 * (E2BIG).
 */
static int check_size(const void *arg, size_t known)
{
	const unsigned char *p = arg;
	uint32_t size;
	size_t i;

	memcpy(&size, arg, sizeof(size));
	if (size < known)
		return EINVAL;
	for (i = known; i < size && i < 4096; i++)
		if (p[i])
			return E2BIG;
	return 0;
}

static struct dbl_obj *obj(struct dbl *d, uint32_t id, enum dbl_obj_type t)
{
	if (id == 0 || id >= DBL_MAX_OBJS || d->objs[id].type != t)
		return NULL;
	return &d->objs[id];
}

static uint32_t obj_new(struct dbl *d, enum dbl_obj_type t)
{
	uint32_t id;

	for (id = 1; id < DBL_MAX_OBJS; id++)
		if (d->objs[id].type == DBL_FREE) {
			memset(&d->objs[id], 0, sizeof(d->objs[id]));
			d->objs[id].type = t;
			return id;
		}
	return 0;
}

static struct dbl_dev *dev_by_fd(struct dbl *d, int fd)
{
	unsigned int i;

	for (i = 0; i < d->nr_devs; i++)
		if (d->devs[i].fd == fd)
			return &d->devs[i];
	return NULL;
}

static struct dbl_dev *dev_by_id(struct dbl *d, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < d->nr_devs; i++)
		if (id && d->devs[i].dev_id == id)
			return &d->devs[i];
	return NULL;
}

static int overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

/* Whether iova..last is reserved by a device attached to the IOAS. */
static int ioas_reserved(struct dbl *d, uint32_t ioas, uint64_t iova,
			 uint64_t last)
{
	unsigned int i;

	for (i = 0; i < d->nr_devs; i++) {
		struct dbl_dev *dev = &d->devs[i];
		struct dbl_obj *h = obj(d, dev->hwpt, DBL_HWPT);

		if (!h || h->ioas != ioas)
			continue;
		if (dev->resv_last && overlaps(iova, last, dev->resv_start,
					       dev->resv_last))
			return 1;
		if (dev->aperture_last && last > dev->aperture_last)
			return 1;
	}
	return 0;
}

static struct dbl_area *area_at(struct dbl_obj *o, uint64_t iova,
				uint64_t last)
{
	unsigned int i;

	for (i = 0; i < o->nr_areas; i++)
		if (overlaps(iova, last, o->areas[i].iova,
			     o->areas[i].iova + o->areas[i].len - 1))
			return &o->areas[i];
	return NULL;
}

static int ioas_alloc(struct dbl *d, struct iommu_ioas_alloc *a)
{
	int e = check_size(a, sizeof(*a));

	if (e)
		return fail(e);
	if (a->flags)
		return fail(EOPNOTSUPP);
	a->out_ioas_id = obj_new(d, DBL_IOAS);
	return a->out_ioas_id ? 0 : fail(ENOMEM);
}

/* ioas.c iommufd_ioas_map(), io_pagetable.c iopt_map_user_pages(). */
static int ioas_map(struct dbl *d, struct iommu_ioas_map *m)
{
	const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA |
			       IOMMU_IOAS_MAP_WRITEABLE |
			       IOMMU_IOAS_MAP_READABLE;
	struct dbl_obj *o;
	uint64_t last;
	int e = check_size(m, sizeof(*m));

	if (e)
		return fail(e);
	if ((m->flags & ~known) || m->__reserved)
		return fail(EOPNOTSUPP);
	if (!(m->flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return fail(EINVAL);
	o = obj(d, m->ioas_id, DBL_IOAS);
	if (!o)
		return fail(ENOENT);
	if (!(m->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		return fail(EOPNOTSUPP); /* not modelled: kernel-chosen IOVA */
	if (!m->length)
		return fail(EINVAL);
	/* iopt_check_iova(): alignment, wrap, reserved, then overlap. */
	if ((m->iova | m->length | m->user_va) & (DBL_PAGE - 1))
		return fail(EINVAL);
	if (m->iova + (m->length - 1) < m->iova ||
	    m->user_va + (m->length - 1) < m->user_va)
		return fail(EOVERFLOW);
	last = m->iova + (m->length - 1);
	if (ioas_reserved(d, m->ioas_id, m->iova, last))
		return fail(EINVAL);
	if (area_at(o, m->iova, last))
		return fail(EEXIST);
	if (o->nr_areas == DBL_MAX_AREAS)
		return fail(ENOMEM);
	o->areas[o->nr_areas].iova = m->iova;
	o->areas[o->nr_areas].len = m->length;
	o->areas[o->nr_areas].uva = m->user_va;
	o->areas[o->nr_areas].flags = m->flags;
	o->nr_areas++;
	return 0;
}

static void hwpts_forget(struct dbl *d, uint32_t ioas, uint64_t iova,
			 uint64_t last)
{
	uint32_t id;
	unsigned int i;

	for (id = 1; id < DBL_MAX_OBJS; id++) {
		struct dbl_obj *h = obj(d, id, DBL_HWPT);

		if (!h || h->ioas != ioas)
			continue;
		for (i = 0; i < h->nr_dirty;)
			if (h->dirty[i] >= iova && h->dirty[i] <= last)
				h->dirty[i] = h->dirty[--h->nr_dirty];
			else
				i++;
	}
}

/*
 * io_pagetable.c iopt_unmap_iova()/iopt_unmap_all(): whole areas only; an
 * area the range cuts is ENOENT, and so is a range with no area. The real
 * kernel may already have removed areas before the cut one; the double
 * refuses the whole call (the backend never sends such a range).
 */
static int ioas_unmap(struct dbl *d, struct iommu_ioas_unmap *u)
{
	struct dbl_obj *o;
	uint64_t last, total = 0;
	unsigned int i;
	int e = check_size(u, sizeof(*u));

	if (e)
		return fail(e);
	o = obj(d, u->ioas_id, DBL_IOAS);
	if (!o)
		return fail(ENOENT);
	if (u->iova == 0 && u->length == UINT64_MAX) {
		last = UINT64_MAX;
	} else {
		if (!u->length)
			return fail(EINVAL);
		if (u->iova + (u->length - 1) < u->iova)
			return fail(EOVERFLOW);
		last = u->iova + (u->length - 1);
	}
	for (i = 0; i < o->nr_areas; i++) {
		struct dbl_area *a = &o->areas[i];

		if (!overlaps(u->iova, last, a->iova, a->iova + a->len - 1))
			continue;
		if (a->iova < u->iova || a->iova + a->len - 1 > last)
			return fail(ENOENT);
		total += a->len;
	}
	if (!total)
		return fail(ENOENT);
	for (i = 0; i < o->nr_areas;) {
		struct dbl_area *a = &o->areas[i];

		if (overlaps(u->iova, last, a->iova, a->iova + a->len - 1))
			o->areas[i] = o->areas[--o->nr_areas];
		else
			i++;
	}
	hwpts_forget(d, u->ioas_id, u->iova, last);
	u->length = total;
	return 0;
}

/* ioas.c iommufd_ioas_iova_ranges(): EMSGSIZE with the count needed. */
static int ioas_ranges(struct dbl *d, struct iommu_ioas_iova_ranges *q)
{
	struct iommu_iova_range r[2 * DBL_MAX_DEVS + 1];
	struct iommu_iova_range cut[2 * DBL_MAX_DEVS];
	struct iommu_iova_range *out;
	uint32_t n = 0, nc = 0, i, j;
	uint64_t next = 0;
	int e = check_size(q, sizeof(*q));
	int done = 0;

	if (e)
		return fail(e);
	if (q->__reserved)
		return fail(EOPNOTSUPP);
	if (!obj(d, q->ioas_id, DBL_IOAS))
		return fail(ENOENT);
	/* Collect the attached devices' reservations, sort, complement. */
	for (i = 0; i < d->nr_devs; i++) {
		struct dbl_dev *dev = &d->devs[i];
		struct dbl_obj *h = obj(d, dev->hwpt, DBL_HWPT);

		if (!h || h->ioas != q->ioas_id)
			continue;
		if (dev->resv_last) {
			cut[nc].start = dev->resv_start;
			cut[nc++].last = dev->resv_last;
		}
		if (dev->aperture_last) {
			cut[nc].start = dev->aperture_last + 1;
			cut[nc++].last = UINT64_MAX;
		}
	}
	for (i = 1; i < nc; i++)
		for (j = i; j > 0 && cut[j].start < cut[j - 1].start; j--) {
			struct iommu_iova_range t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	for (i = 0; i < nc && !done; i++) {
		if (cut[i].last < next)
			continue;
		if (cut[i].start > next) {
			r[n].start = next;
			r[n++].last = cut[i].start - 1;
		}
		if (cut[i].last == UINT64_MAX)
			done = 1;
		else
			next = cut[i].last + 1;
	}
	if (!done) {
		r[n].start = next;
		r[n++].last = UINT64_MAX;
	}
	if (q->num_iovas < n) {
		q->num_iovas = n;
		return fail(EMSGSIZE);
	}
	out = (struct iommu_iova_range *)(uintptr_t)q->allowed_iovas;
	for (i = 0; i < n; i++)
		out[i] = r[i];
	q->num_iovas = n;
	q->out_iova_alignment = DBL_PAGE;
	return 0;
}

/* hw_pagetable.c iommufd_hwpt_alloc(), iommufd_hwpt_paging_alloc(). */
static int hwpt_alloc(struct dbl *d, struct iommu_hwpt_alloc *a)
{
	const uint32_t known = IOMMU_HWPT_ALLOC_NEST_PARENT |
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct dbl_dev *dev;
	uint32_t id;
	int e = check_size(a, sizeof(*a));

	if (e)
		return fail(e);
	if ((a->flags & ~known) || a->__reserved)
		return fail(EOPNOTSUPP);
	if (a->data_type || a->data_len || a->data_uptr)
		return fail(EOPNOTSUPP); /* not modelled: nested */
	dev = dev_by_id(d, a->dev_id);
	if (!dev)
		return fail(ENOENT);
	if (!obj(d, a->pt_id, DBL_IOAS))
		return fail(ENOENT);
	if ((a->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !dev->dirty_cap)
		return fail(EOPNOTSUPP);
	id = obj_new(d, DBL_HWPT);
	if (!id)
		return fail(ENOMEM);
	d->objs[id].ioas = a->pt_id;
	d->objs[id].dirty_cap =
		!!(a->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	a->out_hwpt_id = id;
	return 0;
}

/*
 * iopt_set_dirty_tracking(): without dirty ops EOPNOTSUPP; enabling clears
 * the dirty state so the first harvest reports only later writes.
 */
static int hwpt_set_dirty(struct dbl *d,
			  struct iommu_hwpt_set_dirty_tracking *s)
{
	struct dbl_obj *h;
	int e = check_size(s, sizeof(*s));

	if (e)
		return fail(e);
	if ((s->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE) || s->__reserved)
		return fail(EOPNOTSUPP);
	h = obj(d, s->hwpt_id, DBL_HWPT);
	if (!h)
		return fail(ENOENT);
	if (!h->dirty_cap)
		return fail(EOPNOTSUPP);
	if (s->flags && !h->tracking)
		h->nr_dirty = 0;
	h->tracking = !!s->flags;
	return 0;
}

/*
 * iommufd_hwpt_get_dirty_bitmap() and iommufd_check_iova_range(): flags,
 * zero length, wrap, alignment to the IOAS and to page_size; the range
 * must be covered by contiguous areas (EINVAL); the VT-d driver refuses a
 * harvest while tracking is off (EINVAL).
 */
static int hwpt_get_dirty(struct dbl *d, struct iommu_hwpt_get_dirty_bitmap *g)
{
	struct dbl_obj *h, *o;
	uint64_t last, at, *bm;
	unsigned int i;
	int e = check_size(g, sizeof(*g));

	if (e)
		return fail(e);
	if ((g->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) || g->__reserved)
		return fail(EOPNOTSUPP);
	if (!g->length)
		return fail(EINVAL);
	h = obj(d, g->hwpt_id, DBL_HWPT);
	if (!h)
		return fail(ENOENT);
	if (!h->dirty_cap)
		return fail(EOPNOTSUPP);
	if (g->iova + (g->length - 1) < g->iova)
		return fail(EOVERFLOW);
	last = g->iova + (g->length - 1);
	if (((g->iova | (last + 1)) & (DBL_PAGE - 1)) || !g->page_size ||
	    (g->page_size & (g->page_size - 1)) ||
	    ((g->iova | (last + 1)) & (g->page_size - 1)))
		return fail(EINVAL);
	if (!h->tracking)
		return fail(EINVAL);
	o = obj(d, h->ioas, DBL_IOAS);
	for (at = g->iova;;) {
		struct dbl_area *a = area_at(o, at, at);

		if (!a)
			return fail(EINVAL);
		if (a->iova + (a->len - 1) >= last)
			break;
		at = a->iova + a->len;
	}
	bm = (uint64_t *)(uintptr_t)g->data;
	for (i = 0; i < h->nr_dirty;) {
		uint64_t p = h->dirty[i];

		if (p < g->iova || p > last) {
			i++;
			continue;
		}
		at = (p - g->iova) / g->page_size;
		bm[at / 64] |= 1ull << (at % 64);
		if (!(g->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR))
			h->dirty[i] = h->dirty[--h->nr_dirty];
		else
			i++;
	}
	return 0;
}

/* iommufd main.c iommufd_destroy(): busy objects are EBUSY. */
static int destroy(struct dbl *d, struct iommu_destroy *x)
{
	struct dbl_obj *o;
	unsigned int i;
	uint32_t id;
	int e = check_size(x, sizeof(*x));

	if (e)
		return fail(e);
	if (x->id == 0 || x->id >= DBL_MAX_OBJS ||
	    d->objs[x->id].type == DBL_FREE)
		return fail(ENOENT);
	o = &d->objs[x->id];
	if (o->type == DBL_IOAS) {
		for (id = 1; id < DBL_MAX_OBJS; id++)
			if (obj(d, id, DBL_HWPT) && d->objs[id].ioas == x->id)
				return fail(EBUSY);
	}
	if (o->type == DBL_HWPT) {
		for (i = 0; i < d->nr_devs; i++)
			if (d->devs[i].hwpt == x->id)
				return fail(EBUSY);
	}
	o->type = DBL_FREE;
	return 0;
}

/* vfio device_cdev.c: argsz below the struct or flags set is EINVAL. */
static int vfio_bind(struct dbl *d, struct dbl_dev *dev,
		     struct vfio_device_bind_iommufd *b)
{
	uint32_t id;

	if (b->argsz < sizeof(*b) || b->flags)
		return fail(EINVAL);
	if (b->iommufd != DBL_IOMMUFD_FD)
		return fail(EBADF);
	if (dev->dev_id)
		return fail(EINVAL); /* already bound */
	id = obj_new(d, DBL_DEVICE);
	if (!id)
		return fail(ENOMEM);
	dev->dev_id = id;
	b->out_devid = id;
	return 0;
}

/*
 * Attach (or replace): an IOAS id gets an automatic HWPT; the device's
 * reserved ranges must not hold maps (iopt_table_enforce_dev_resv_regions:
 * EADDRINUSE).
 */
static int vfio_attach(struct dbl *d, struct dbl_dev *dev,
		       struct vfio_device_attach_iommufd_pt *a)
{
	struct dbl_obj *o, *h;
	uint32_t ioas, hid, old;
	unsigned int i;

	if (a->argsz < sizeof(*a) || a->flags)
		return fail(EINVAL);
	if (!dev->dev_id)
		return fail(EINVAL);
	if (obj(d, a->pt_id, DBL_IOAS))
		ioas = a->pt_id;
	else if ((h = obj(d, a->pt_id, DBL_HWPT)))
		ioas = h->ioas;
	else
		return fail(ENOENT);
	o = obj(d, ioas, DBL_IOAS);
	for (i = 0; i < o->nr_areas; i++) {
		uint64_t l = o->areas[i].iova + o->areas[i].len - 1;

		if ((dev->resv_last && overlaps(o->areas[i].iova, l,
						dev->resv_start,
						dev->resv_last)) ||
		    (dev->aperture_last && l > dev->aperture_last))
			return fail(EADDRINUSE);
	}
	if (a->pt_id == ioas) {
		hid = obj_new(d, DBL_HWPT);
		if (!hid)
			return fail(ENOMEM);
		d->objs[hid].ioas = ioas;
		d->objs[hid].dirty_cap = 0;
		d->objs[hid].autodomain = 1;
	} else {
		hid = a->pt_id;
	}
	old = dev->hwpt;
	dev->hwpt = hid;
	if (old && d->objs[old].autodomain)
		d->objs[old].type = DBL_FREE;
	a->pt_id = hid;
	return 0;
}

static int vfio_detach(struct dbl *d, struct dbl_dev *dev,
		       struct vfio_device_detach_iommufd_pt *x)
{
	uint32_t old = dev->hwpt;

	if (x->argsz < sizeof(*x) || x->flags)
		return fail(EINVAL);
	if (!dev->dev_id)
		return fail(EINVAL);
	dev->hwpt = 0;
	if (old && d->objs[old].autodomain)
		d->objs[old].type = DBL_FREE;
	return 0;
}

int dbl_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct dbl *d = ctx;
	struct dbl_dev *dev;

	if (d->fail_req == req && d->fail_nth && --d->fail_nth == 0)
		return fail(d->fail_errno);
	if (fd == DBL_IOMMUFD_FD) {
		unsigned int nr = _IOC_NR(req);

		if (_IOC_TYPE(req) != IOMMUFD_TYPE || nr < 0x80 || nr > 0x8f)
			return fail(ENOTTY);
		d->calls[nr - 0x80]++;
		switch (req) {
		case IOMMU_DESTROY:
			return destroy(d, arg);
		case IOMMU_IOAS_ALLOC:
			return ioas_alloc(d, arg);
		case IOMMU_IOAS_MAP:
			return ioas_map(d, arg);
		case IOMMU_IOAS_UNMAP:
			return ioas_unmap(d, arg);
		case IOMMU_IOAS_IOVA_RANGES:
			return ioas_ranges(d, arg);
		case IOMMU_HWPT_ALLOC:
			return hwpt_alloc(d, arg);
		case IOMMU_HWPT_SET_DIRTY_TRACKING:
			return hwpt_set_dirty(d, arg);
		case IOMMU_HWPT_GET_DIRTY_BITMAP:
			return hwpt_get_dirty(d, arg);
		default:
			return fail(ENOTTY);
		}
	}
	dev = dev_by_fd(d, fd);
	if (!dev)
		return fail(EBADF);
	switch (req) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		d->vfio_calls[0]++;
		return vfio_bind(d, dev, arg);
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		d->vfio_calls[1]++;
		return vfio_attach(d, dev, arg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		d->vfio_calls[2]++;
		return vfio_detach(d, dev, arg);
	default:
		return fail(ENOTTY);
	}
}

int dbl_dma_write(struct dbl *d, int dev_fd, uint64_t iova)
{
	struct dbl_dev *dev = dev_by_fd(d, dev_fd);
	struct dbl_obj *h, *o;
	struct dbl_area *a;
	uint64_t page = iova & ~(uint64_t)(DBL_PAGE - 1);
	unsigned int i;

	if (!dev || !(h = obj(d, dev->hwpt, DBL_HWPT)))
		return -EFAULT;
	o = obj(d, h->ioas, DBL_IOAS);
	a = area_at(o, iova, iova);
	if (!a || !(a->flags & IOMMU_IOAS_MAP_WRITEABLE))
		return -EFAULT;
	if (!h->tracking)
		return 0;
	for (i = 0; i < h->nr_dirty; i++)
		if (h->dirty[i] == page)
			return 0;
	if (h->nr_dirty < DBL_MAX_DIRTY)
		h->dirty[h->nr_dirty++] = page;
	return 0;
}

uint64_t dbl_mapped(const struct dbl *d, uint32_t ioas)
{
	const struct dbl_obj *o = &d->objs[ioas];
	uint64_t total = 0;
	unsigned int i;

	if (ioas >= DBL_MAX_OBJS || o->type != DBL_IOAS)
		return 0;
	for (i = 0; i < o->nr_areas; i++)
		total += o->areas[i].len;
	return total;
}

int dbl_translates(const struct dbl *d, uint32_t ioas, uint64_t iova,
		   uint64_t *uva)
{
	const struct dbl_obj *o = &d->objs[ioas];
	unsigned int i;

	if (ioas >= DBL_MAX_OBJS || o->type != DBL_IOAS)
		return 0;
	for (i = 0; i < o->nr_areas; i++)
		if (iova >= o->areas[i].iova &&
		    iova - o->areas[i].iova < o->areas[i].len) {
			*uva = o->areas[i].uva + (iova - o->areas[i].iova);
			return 1;
		}
	return 0;
}
