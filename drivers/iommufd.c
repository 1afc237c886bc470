// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommufd backend (drv-iommufd.h): a library domain mirrored into a kernel
 * IOAS, HWPTs with dirty tracking, VFIO cdev bind/attach/detach. The uAPI
 * comes from iommufd-uapi.h (the kernel's include/uapi/linux/iommufd.h).
 * Verified only against the test double in tests/test-iommufd-double.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <iommupt/domain.h>
#include <iommupt/drv-iommufd.h>
#include <iommupt/gather.h>

#include "drv-int.h"
#include "iommufd-uapi.h"

/* Kernel bitmap scratch: one harvest call covers this many pages. */
#define DIRTY_CHUNK_BITS 32768u
/* Most maps one IOAS keeps (each is one kernel area). */
#define IOAS_MAX_AREAS (1u << 22)

#ifdef IOMMUDRV_TEST_HOOKS
/* Tests: fail the Nth allocation from now (1 = the next); 0 = never. */
unsigned long iommufd_test_fail_alloc;
#endif

static void *zalloc(size_t sz)
{
#ifdef IOMMUDRV_TEST_HOOKS
	if (iommufd_test_fail_alloc && --iommufd_test_fail_alloc == 0)
		return NULL;
#endif
	return calloc(1, sz);
}

static void *grow(void *p, size_t sz)
{
#ifdef IOMMUDRV_TEST_HOOKS
	if (iommufd_test_fail_alloc && --iommufd_test_fail_alloc == 0)
		return NULL;
#endif
	return realloc(p, sz);
}

struct iommudrv_iommufd {
	int fd;
	int own_fd;
	iommudrv_ioctl_fn ioctl_fn;
	void *ioctl_ctx;
};

/* One IOMMU_IOAS_MAP this IOAS made: the unit the kernel unmaps. */
struct area {
	uint64_t iova;
	uint64_t len;
};

struct iommudrv_ioas {
	struct iommudrv_iommufd *ifd;
	struct iommupt_domain *dom;
	uint32_t id;
	uint64_t page;          /* the domain's smallest page */
	pthread_mutex_t lock;
	struct area *areas;     /* sorted by iova, disjoint */
	size_t nr_areas;
	size_t cap_areas;
	unsigned int dirty_users; /* HWPTs tracking: library tracking on */
};

struct iommudrv_hwpt {
	struct iommudrv_ioas *ioas;
	uint32_t id;
	uint32_t flags;
	int tracking;
};

static int sys_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	return ioctl(fd, req, arg);
}

/* Issue one ioctl; 0 or the negative errno. */
static int do_ioctl(struct iommudrv_iommufd *ifd, int fd, unsigned long req,
		    void *arg)
{
	int rc;

	errno = 0;
	rc = ifd->ioctl_fn(ifd->ioctl_ctx, fd, req, arg);
	if (rc >= 0)
		return 0;
	return errno ? -errno : -EIO;
}

int iommudrv_iommufd_open(const struct iommudrv_iommufd_opts *opts,
			  struct iommudrv_iommufd **out)
{
	struct iommudrv_iommufd *ifd;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts) {
		rc = drv_opts_check(opts, opts->sz, sizeof(*opts));
		if (rc)
			return rc;
		if (opts->flags & ~(uint32_t)IOMMUDRV_IOMMUFD_USE_FD)
			return -EINVAL;
		if ((opts->flags & IOMMUDRV_IOMMUFD_USE_FD) && opts->fd < 0)
			return -EINVAL;
	}
	ifd = zalloc(sizeof(*ifd));
	if (!ifd)
		return -ENOMEM;
	ifd->ioctl_fn = opts && opts->ioctl_fn ? opts->ioctl_fn : sys_ioctl;
	ifd->ioctl_ctx = opts ? opts->ioctl_ctx : NULL;
	if (opts && (opts->flags & IOMMUDRV_IOMMUFD_USE_FD)) {
		ifd->fd = opts->fd;
	} else {
		ifd->fd = open(opts && opts->path ? opts->path : "/dev/iommu",
			       O_RDWR | O_CLOEXEC);
		if (ifd->fd < 0) {
			rc = -errno;
			free(ifd);
			return rc;
		}
		ifd->own_fd = 1;
	}
	*out = ifd;
	return 0;
}

void iommudrv_iommufd_close(struct iommudrv_iommufd *ifd)
{
	if (!ifd)
		return;
	if (ifd->own_fd)
		close(ifd->fd);
	free(ifd);
}

int iommudrv_iommufd_fd(const struct iommudrv_iommufd *ifd)
{
	return ifd ? ifd->fd : -1;
}

int iommudrv_iommufd_bind(struct iommudrv_iommufd *ifd, int device_fd,
			  uint32_t *dev_id)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b),
	};
	int rc;

	if (!ifd || device_fd < 0 || !dev_id)
		return -EINVAL;
	b.iommufd = ifd->fd;
	rc = do_ioctl(ifd, device_fd, VFIO_DEVICE_BIND_IOMMUFD, &b);
	if (!rc)
		*dev_id = b.out_devid;
	return rc;
}

int iommudrv_iommufd_attach(struct iommudrv_iommufd *ifd, int device_fd,
			    uint32_t pt_id, uint32_t *hwpt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a),
		.pt_id = pt_id,
	};
	int rc;

	if (!ifd || device_fd < 0)
		return -EINVAL;
	rc = do_ioctl(ifd, device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
	if (!rc && hwpt_id)
		*hwpt_id = a.pt_id;
	return rc;
}

int iommudrv_iommufd_detach(struct iommudrv_iommufd *ifd, int device_fd)
{
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = sizeof(d),
	};

	if (!ifd || device_fd < 0)
		return -EINVAL;
	return do_ioctl(ifd, device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static int kernel_destroy(struct iommudrv_iommufd *ifd, uint32_t id)
{
	struct iommu_destroy d = {
		.size = sizeof(d),
		.id = id,
	};

	return do_ioctl(ifd, ifd->fd, IOMMU_DESTROY, &d);
}

int iommudrv_ioas_create(struct iommudrv_iommufd *ifd,
			 struct iommupt_domain *dom,
			 struct iommudrv_ioas **out)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);
	IOMMUPT_OPTS(iommupt_stats, st);
	struct iommu_ioas_alloc a = {
		.size = sizeof(a),
	};
	struct iommudrv_ioas *ioas;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!ifd || !dom)
		return -EINVAL;
	rc = iommupt_domain_get_info(dom, &info);
	if (rc)
		return rc;
	rc = iommupt_domain_stats(dom, &st);
	if (rc)
		return rc;
	if (st.mapped_bytes)
		return -ENOTEMPTY;
	if (!info.pgsize_bitmap)
		return -EINVAL;
	ioas = zalloc(sizeof(*ioas));
	if (!ioas)
		return -ENOMEM;
	ioas->ifd = ifd;
	ioas->dom = dom;
	ioas->page = info.pgsize_bitmap & -info.pgsize_bitmap;
	rc = pthread_mutex_init(&ioas->lock, NULL);
	if (rc) {
		free(ioas);
		return -rc;
	}
	rc = do_ioctl(ifd, ifd->fd, IOMMU_IOAS_ALLOC, &a);
	if (rc) {
		pthread_mutex_destroy(&ioas->lock);
		free(ioas);
		return rc;
	}
	ioas->id = a.out_ioas_id;
	*out = ioas;
	return 0;
}

void iommudrv_ioas_destroy(struct iommudrv_ioas *ioas)
{
	size_t i;

	if (!ioas)
		return;
	/* The kernel drops every map with the object. */
	kernel_destroy(ioas->ifd, ioas->id);
	for (i = 0; i < ioas->nr_areas; i++)
		iommupt_domain_unmap(ioas->dom, ioas->areas[i].iova,
				     ioas->areas[i].len, 0, NULL, NULL);
	pthread_mutex_destroy(&ioas->lock);
	free(ioas->areas);
	free(ioas);
}

uint32_t iommudrv_ioas_id(const struct iommudrv_ioas *ioas)
{
	return ioas ? ioas->id : 0;
}

/* Index of the first area whose last byte is >= iova. */
static size_t area_find(const struct iommudrv_ioas *ioas, uint64_t iova)
{
	size_t lo = 0, hi = ioas->nr_areas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct area *a = &ioas->areas[mid];

		if (a->iova + (a->len - 1) < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Room for one more area; called before anything changes. */
static int area_reserve(struct iommudrv_ioas *ioas)
{
	struct area *n;
	size_t cap;

	if (ioas->nr_areas < ioas->cap_areas)
		return 0;
	if (ioas->cap_areas >= IOAS_MAX_AREAS)
		return -ENOSPC;
	cap = ioas->cap_areas ? ioas->cap_areas * 2 : 16;
	n = grow(ioas->areas, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	ioas->areas = n;
	ioas->cap_areas = cap;
	return 0;
}

int iommudrv_ioas_map(struct iommudrv_ioas *ioas, uint64_t iova, void *va,
		      uint64_t len, uint32_t prot)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA,
	};
	uint64_t uva = (uint64_t)(uintptr_t)va;
	size_t pos;
	int rc;

	if (!ioas || !va)
		return -EINVAL;
	if (prot & ~(uint32_t)(IOMMUPT_READ | IOMMUPT_WRITE))
		return -EINVAL;
	pthread_mutex_lock(&ioas->lock);
	rc = area_reserve(ioas);
	if (rc)
		goto out;
	/* The library checks shape, overlap and reserved regions first. */
	rc = iommupt_domain_map(ioas->dom, iova, uva, len, prot, NULL);
	if (rc)
		goto out;
	m.ioas_id = ioas->id;
	m.user_va = uva;
	m.length = len;
	m.iova = iova;
	if (prot & IOMMUPT_READ)
		m.flags |= IOMMU_IOAS_MAP_READABLE;
	if (prot & IOMMUPT_WRITE)
		m.flags |= IOMMU_IOAS_MAP_WRITEABLE;
	rc = do_ioctl(ioas->ifd, ioas->ifd->fd, IOMMU_IOAS_MAP, &m);
	if (rc) {
		/* Roll back: the range was ours alone, whole pages. */
		iommupt_domain_unmap(ioas->dom, iova, len, 0, NULL, NULL);
		goto out;
	}
	pos = area_find(ioas, iova);
	memmove(&ioas->areas[pos + 1], &ioas->areas[pos],
		(ioas->nr_areas - pos) * sizeof(*ioas->areas));
	ioas->areas[pos].iova = iova;
	ioas->areas[pos].len = len;
	ioas->nr_areas++;
out:
	pthread_mutex_unlock(&ioas->lock);
	return rc;
}

int iommudrv_ioas_unmap(struct iommudrv_ioas *ioas, uint64_t iova,
			uint64_t len, uint64_t *unmapped)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
	};
	uint64_t last, total = 0;
	size_t first, end, i;
	int rc = 0;

	if (unmapped)
		*unmapped = 0;
	if (!ioas || !len)
		return -EINVAL;
	if (iova + (len - 1) < iova)
		return -EOVERFLOW;
	last = iova + (len - 1);
	pthread_mutex_lock(&ioas->lock);
	first = area_find(ioas, iova);
	for (end = first; end < ioas->nr_areas &&
	     ioas->areas[end].iova <= last; end++) {
		const struct area *a = &ioas->areas[end];

		/* A map the range cuts: the kernel would refuse it. */
		if (a->iova < iova || a->iova + (a->len - 1) > last) {
			rc = -ENOENT;
			goto out;
		}
		total += a->len;
	}
	if (first == end) {
		rc = -ENOENT;
		goto out;
	}
	/* Only the whole maps found: never more than the library knows. */
	u.ioas_id = ioas->id;
	u.iova = ioas->areas[first].iova;
	u.length = ioas->areas[end - 1].iova + ioas->areas[end - 1].len -
		   u.iova;
	rc = do_ioctl(ioas->ifd, ioas->ifd->fd, IOMMU_IOAS_UNMAP, &u);
	if (rc)
		goto out;
	for (i = first; i < end; i++)
		iommupt_domain_unmap(ioas->dom, ioas->areas[i].iova,
				     ioas->areas[i].len, 0, NULL, NULL);
	memmove(&ioas->areas[first], &ioas->areas[end],
		(ioas->nr_areas - end) * sizeof(*ioas->areas));
	ioas->nr_areas -= end - first;
	if (unmapped)
		*unmapped = total;
out:
	pthread_mutex_unlock(&ioas->lock);
	return rc;
}

/*
 * The gaps around sorted, disjoint ranges r[0..nr) in [0, 2^64) as
 * reserved regions into out (may be NULL: count only); *n gets how many.
 */
static int complement(const struct iommu_iova_range *r, uint32_t nr,
		      struct iommupt_resv_region *out, size_t *n)
{
	uint64_t next = 0;
	uint32_t i;

	*n = 0;
	for (i = 0; i < nr; i++) {
		if (r[i].start > r[i].last || (i && r[i].start <= r[i - 1].last))
			return -EIO; /* the kernel broke its own contract */
		if (r[i].start > next) {
			if (out) {
				out[*n].start = next;
				out[*n].last = r[i].start - 1;
				out[*n].type = IOMMUPT_RESV_RESERVED;
				out[*n].flags = 0;
			}
			(*n)++;
		}
		if (r[i].last == UINT64_MAX)
			return 0;
		next = r[i].last + 1;
	}
	if (out) {
		out[*n].start = next;
		out[*n].last = UINT64_MAX;
		out[*n].type = IOMMUPT_RESV_RESERVED;
		out[*n].flags = 0;
	}
	(*n)++;
	return 0;
}

int iommudrv_ioas_get_resv(struct iommudrv_ioas *ioas,
			   struct iommupt_resv_region *out, size_t *count,
			   uint64_t *iova_align)
{
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
	};
	struct iommu_iova_range *r = NULL;
	size_t want;
	uint32_t nr = 4;
	int rc = 0, tries;

	if (!ioas || !count || (*count && !out))
		return -EINVAL;
	q.ioas_id = ioas->id;
	/* The ranges can change between calls: retry a few times. */
	for (tries = 0; tries < 4; tries++) {
		free(r);
		r = zalloc((size_t)nr * sizeof(*r));
		if (!r)
			return -ENOMEM;
		q.num_iovas = nr;
		q.allowed_iovas = (uint64_t)(uintptr_t)r;
		rc = do_ioctl(ioas->ifd, ioas->ifd->fd, IOMMU_IOAS_IOVA_RANGES,
			      &q);
		if (rc != -EMSGSIZE)
			break;
		if (q.num_iovas <= nr || q.num_iovas > IOMMUPT_RESV_MAX) {
			rc = -EOVERFLOW;
			break;
		}
		nr = q.num_iovas;
	}
	if (rc)
		goto out;
	if (q.num_iovas > nr) {
		rc = -EOVERFLOW;
		goto out;
	}
	/* Complement of the sorted, disjoint allowed ranges. */
	rc = complement(r, q.num_iovas, NULL, &want);
	if (rc)
		goto out;
	if (want > *count) {
		*count = want;
		rc = -ENOBUFS;
		goto out;
	}
	complement(r, q.num_iovas, out, &want);
	*count = want;
	if (iova_align)
		*iova_align = q.out_iova_alignment;
out:
	free(r);
	return rc;
}

int iommudrv_hwpt_alloc(struct iommudrv_ioas *ioas, uint32_t dev_id,
			uint32_t flags, struct iommudrv_hwpt **out)
{
	struct iommu_hwpt_alloc a;
	struct iommudrv_hwpt *hwpt;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!ioas || (flags & ~(uint32_t)IOMMUDRV_HWPT_DIRTY))
		return -EINVAL;
	hwpt = zalloc(sizeof(*hwpt));
	if (!hwpt)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.dev_id = dev_id;
	a.pt_id = ioas->id;
	if (flags & IOMMUDRV_HWPT_DIRTY)
		a.flags |= IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	rc = do_ioctl(ioas->ifd, ioas->ifd->fd, IOMMU_HWPT_ALLOC, &a);
	if (rc) {
		free(hwpt);
		return rc;
	}
	hwpt->ioas = ioas;
	hwpt->id = a.out_hwpt_id;
	hwpt->flags = flags;
	*out = hwpt;
	return 0;
}

void iommudrv_hwpt_destroy(struct iommudrv_hwpt *hwpt)
{
	if (!hwpt)
		return;
	if (hwpt->tracking)
		iommudrv_hwpt_set_dirty_tracking(hwpt, 0);
	kernel_destroy(hwpt->ioas->ifd, hwpt->id);
	free(hwpt);
}

uint32_t iommudrv_hwpt_id(const struct iommudrv_hwpt *hwpt)
{
	return hwpt ? hwpt->id : 0;
}

static int kernel_set_dirty(struct iommudrv_hwpt *hwpt, int enable)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt->id,
	};

	return do_ioctl(hwpt->ioas->ifd, hwpt->ioas->ifd->fd,
			IOMMU_HWPT_SET_DIRTY_TRACKING, &s);
}

int iommudrv_hwpt_set_dirty_tracking(struct iommudrv_hwpt *hwpt, int enable)
{
	struct iommudrv_ioas *ioas;
	int rc = 0;

	if (!hwpt)
		return -EINVAL;
	enable = !!enable;
	ioas = hwpt->ioas;
	pthread_mutex_lock(&ioas->lock);
	if (hwpt->tracking == enable)
		goto out;
	rc = kernel_set_dirty(hwpt, enable);
	if (rc)
		goto out;
	if (enable && ioas->dirty_users == 0) {
		rc = iommupt_domain_set_dirty_tracking(ioas->dom, 1, NULL);
		if (rc) {
			kernel_set_dirty(hwpt, 0);
			goto out;
		}
	}
	if (!enable && ioas->dirty_users == 1)
		iommupt_domain_set_dirty_tracking(ioas->dom, 0, NULL);
	ioas->dirty_users += enable ? 1 : -1;
	hwpt->tracking = enable;
out:
	pthread_mutex_unlock(&ioas->lock);
	return rc;
}

/* Harvest [iova, iova + len) (page-aligned, inside one map) into the domain. */
static int harvest(struct iommudrv_hwpt *hwpt, uint64_t *scratch,
		   uint64_t iova, uint64_t len, uint32_t flags)
{
	struct iommudrv_ioas *ioas = hwpt->ioas;
	uint64_t chunk = (uint64_t)DIRTY_CHUNK_BITS * ioas->page;

	while (len) {
		struct iommu_hwpt_get_dirty_bitmap g = {
			.size = sizeof(g),
			.hwpt_id = hwpt->id,
		};
		uint64_t n = len < chunk ? len : chunk;
		uint64_t bits = n / ioas->page, i;
		int rc;

		memset(scratch, 0, ((bits + 63) / 64) * 8);
		g.flags = (flags & IOMMUPT_DIRTY_NO_CLEAR) ?
				  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
		g.iova = iova;
		g.length = n;
		g.page_size = ioas->page;
		g.data = (uint64_t)(uintptr_t)scratch;
		rc = do_ioctl(ioas->ifd, ioas->ifd->fd,
			      IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
		if (rc)
			return rc;
		for (i = 0; i < bits; i++)
			if (scratch[i / 64] & (1ull << (i % 64)))
				/* -EACCES (read-only leaf) cannot be dirty: skip. */
				iommupt_domain_mark_dirty(ioas->dom,
							  iova + i * ioas->page);
		iova += n;
		len -= n;
	}
	return 0;
}

int iommudrv_hwpt_read_and_clear_dirty(struct iommudrv_hwpt *hwpt,
				       uint64_t iova, uint64_t len,
				       uint64_t granule, void *bitmap,
				       uint64_t bitmap_bytes, uint32_t flags,
				       struct iommupt_dirty_stats *stats)
{
	struct iommudrv_ioas *ioas;
	struct iommupt_gather g;
	uint64_t *scratch = NULL;
	uint64_t last;
	size_t i;
	int rc;

	if (!hwpt)
		return -EINVAL;
	ioas = hwpt->ioas;
	pthread_mutex_lock(&ioas->lock);
	if (!hwpt->tracking) {
		rc = -EINVAL;
		goto out;
	}
	/*
	 * Let the library check every argument first (reporting what it
	 * already holds, which the real call reports again).
	 */
	iommupt_gather_init(&g);
	rc = iommupt_domain_read_and_clear_dirty(ioas->dom, iova, len, granule,
						 bitmap, bitmap_bytes,
						 IOMMUPT_DIRTY_NO_CLEAR, &g,
						 NULL);
	iommupt_gather_release(&g);
	if (rc)
		goto out;
	scratch = zalloc(DIRTY_CHUNK_BITS / 8);
	if (!scratch) {
		rc = -ENOMEM;
		goto out;
	}
	last = iova + (len - 1);
	for (i = area_find(ioas, iova);
	     i < ioas->nr_areas && ioas->areas[i].iova <= last; i++) {
		const struct area *a = &ioas->areas[i];
		uint64_t s = a->iova > iova ? a->iova : iova;
		uint64_t e = a->iova + (a->len - 1);

		if (e > last)
			e = last;
		/* granule >= page and iova aligned to it: s, e + 1 are page-aligned. */
		rc = harvest(hwpt, scratch, s, e - s + 1, flags);
		if (rc)
			goto out;
	}
	/* The domain now holds the kernel's bits; the library reports them. */
	iommupt_gather_init(&g);
	rc = iommupt_domain_read_and_clear_dirty(ioas->dom, iova, len, granule,
						 bitmap, bitmap_bytes, flags,
						 &g, stats);
	iommupt_gather_release(&g);
out:
	pthread_mutex_unlock(&ioas->lock);
	free(scratch);
	return rc;
}
