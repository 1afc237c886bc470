// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * VFIO type1 backend (drv-vfio.h): container/group lifecycle, a library
 * domain mirrored into the container, IOVA ranges as reserved regions, and
 * dirty pages from VFIO_IOMMU_DIRTY_PAGES into the library's dirty state.
 * Ioctl numbers and layouts are the kernel's uAPI (<linux/vfio.h>); what
 * the kernel returns is checked before it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <iommupt/dirty.h>
#include <iommupt/domain.h>
#include <iommupt/drv-vfio.h>
#include <iommupt/resv.h>
#include <iommupt/unit.h>

#include "drv-int.h"

/* Largest VFIO_IOMMU_GET_INFO reply we accept (the kernel's is < 4 KiB). */
#define VFIO_INFO_MAX (64u << 10)

struct iommudrv_vfio {
	struct iommupt_mem mem;
	struct iommudrv_vfio_sys sys;
	int container;
	int group;
	struct iommupt_domain *dom;
	struct iommupt_unit *unit;
	struct iommupt_device *dev;
	struct iommudrv_vfio_info info;
	uint64_t range_start[IOMMUDRV_VFIO_MAX_RANGES];
	uint64_t range_last[IOMMUDRV_VFIO_MAX_RANGES];
	uint64_t ap_last; /* last IOVA of the domain's aperture */
	int dirty_on;
};

/* ---- the system-call seam -------------------------------------------- */

static int sys_open(void *ctx, const char *path, int flags)
{
	int fd = open(path, flags);

	return fd < 0 ? -errno : fd;
}

static int sys_close(void *ctx, int fd)
{
	return close(fd) ? -errno : 0;
}

static int sys_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? (errno ? -errno : -EIO) : r;
}

/* A double that breaks the contract (positive errno, -1) becomes -EIO. */
static int vioctl(struct iommudrv_vfio *v, int fd, unsigned long req,
		  void *arg)
{
	int r = v->sys.ioctl(v->sys.ctx, fd, req, arg);

	return r < -4095 ? -EIO : r;
}

/* ---- object memory from the provider, so tests can fail it ----------- */

static void *obj_alloc(const struct iommupt_mem *mem, size_t size)
{
	if (mem->alloc_obj)
		return mem->alloc_obj(mem->ctx, size);
	return calloc(1, size);
}

static void obj_free(const struct iommupt_mem *mem, void *p)
{
	if (!p)
		return;
	if (mem->alloc_obj)
		mem->free_obj(mem->ctx, p);
	else
		free(p);
}

/* ---- VFIO_IOMMU_GET_INFO and its capability chain -------------------- */

static void rd(void *dst, const uint8_t *buf, size_t off, size_t len)
{
	memcpy(dst, buf + off, len);
}

/* IOVA ranges: sorted, disjoint, inside the limit the cap may use. */
static int parse_iova_cap(struct iommudrv_vfio *v, const uint8_t *buf,
			  size_t off, size_t end)
{
	struct vfio_iommu_type1_info_cap_iova_range cap;
	size_t need;
	uint32_t i;

	if (end - off < sizeof(cap))
		return -EIO;
	rd(&cap, buf, off, sizeof(cap));
	if (cap.nr_iovas > IOMMUDRV_VFIO_MAX_RANGES)
		return -EIO;
	need = sizeof(cap) + (size_t)cap.nr_iovas * sizeof(struct vfio_iova_range);
	if (end - off < need)
		return -EIO;
	for (i = 0; i < cap.nr_iovas; i++) {
		struct vfio_iova_range r;

		rd(&r, buf, off + sizeof(cap) + i * sizeof(r), sizeof(r));
		if (r.start > r.end ||
		    (i && r.start <= v->range_last[i - 1]))
			return -EIO;
		v->range_start[i] = r.start;
		v->range_last[i] = r.end;
	}
	v->info.nr_ranges = cap.nr_iovas;
	return 0;
}

static int parse_caps(struct iommudrv_vfio *v, const uint8_t *buf,
		      size_t len, size_t off)
{
	while (off) {
		struct vfio_info_cap_header h;
		size_t end;
		int ret = 0;

		/* Caps follow the fixed part, never overlap it, and go forward. */
		if (off < sizeof(struct vfio_iommu_type1_info) ||
		    off > len - sizeof(h))
			return -EIO;
		rd(&h, buf, off, sizeof(h));
		if (h.next && (h.next <= off + sizeof(h) - 1 || h.next > len))
			return -EIO;
		end = h.next ? h.next : len;

		switch (h.id) {
		case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
			ret = parse_iova_cap(v, buf, off, end);
			break;
		case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: {
			struct vfio_iommu_type1_info_cap_migration m;

			if (end - off < sizeof(m))
				return -EIO;
			rd(&m, buf, off, sizeof(m));
			v->info.dirty = 1;
			v->info.dirty_pgsize_bitmap = m.pgsize_bitmap;
			v->info.dirty_max_bitmap_bytes = m.max_dirty_bitmap_size;
			break;
		}
		case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: {
			struct vfio_iommu_type1_info_dma_avail a;

			if (end - off < sizeof(a))
				return -EIO;
			rd(&a, buf, off, sizeof(a));
			v->info.has_dma_avail = 1;
			v->info.dma_avail = a.avail;
			break;
		}
		default:
			break; /* unknown capabilities are skipped */
		}
		if (ret)
			return ret;
		off = h.next;
	}
	return 0;
}

static int read_info(struct iommudrv_vfio *v)
{
	struct vfio_iommu_type1_info hdr = { .argsz = sizeof(hdr) };
	uint8_t *buf;
	uint32_t len;
	int ret;

	ret = vioctl(v, v->container, VFIO_IOMMU_GET_INFO, &hdr);
	if (ret < 0)
		return ret;
	if (!(hdr.flags & VFIO_IOMMU_INFO_PGSIZES) || !hdr.iova_pgsizes)
		return -EIO;
	v->info.pgsize_bitmap = hdr.iova_pgsizes;
	if (!(hdr.flags & VFIO_IOMMU_INFO_CAPS) || hdr.argsz <= sizeof(hdr))
		return 0;
	/* The kernel asked for more room for its capabilities: ask again. */
	if (hdr.argsz > VFIO_INFO_MAX)
		return -EIO;
	len = hdr.argsz;
	buf = obj_alloc(&v->mem, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &len, sizeof(len));
	ret = vioctl(v, v->container, VFIO_IOMMU_GET_INFO, buf);
	if (ret >= 0) {
		rd(&hdr, buf, 0, sizeof(hdr));
		if (hdr.argsz > len || !(hdr.flags & VFIO_IOMMU_INFO_PGSIZES) ||
		    hdr.iova_pgsizes != v->info.pgsize_bitmap)
			ret = -EIO;
		else if (hdr.flags & VFIO_IOMMU_INFO_CAPS)
			ret = parse_caps(v, buf, len, hdr.cap_offset);
		else
			ret = 0;
	}
	obj_free(&v->mem, buf);
	return ret;
}

/* ---- the library side: domain, unit, device with reserved regions ---- */

static int make_domain(struct iommudrv_vfio *v,
		       const struct iommupt_domain_cfg *cfg_in)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, def, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	struct iommupt_domain_cfg cfg = cfg_in ? *cfg_in : def;
	IOMMUPT_OPTS(iommupt_domain_info, di);
	uint64_t common;
	int ret;

	ret = iommupt_domain_create(&cfg, &v->mem, &v->dom);
	if (ret)
		return ret;
	ret = iommupt_domain_get_info(v->dom, &di);
	if (ret)
		return ret;
	common = di.pgsize_bitmap & v->info.pgsize_bitmap;
	if (!common)
		return -EOPNOTSUPP;
	if (common == di.pgsize_bitmap)
		return 0;
	/* Only the page sizes both sides have, so leaves never differ. */
	iommupt_domain_destroy(v->dom);
	v->dom = NULL;
	cfg.pgsize_bitmap = common;
	return iommupt_domain_create(&cfg, &v->mem, &v->dom);
}

/* The complement of the kernel's IOVA ranges inside the aperture. */
static int apply_ranges(struct iommudrv_vfio *v)
{
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_VTD);
	IOMMUPT_OPTS(iommupt_domain_info, di);
	struct iommupt_resv_region r[IOMMUDRV_VFIO_MAX_RANGES + 1];
	uint64_t ap_last, next = 0;
	size_t n = 0;
	uint32_t i;
	int ret, done = 0;

	ret = iommupt_domain_get_info(v->dom, &di);
	if (ret)
		return ret;
	ap_last = di.ias_lg2 >= 64 ? UINT64_MAX : (1ull << di.ias_lg2) - 1;
	v->ap_last = ap_last;
	for (i = 0; i < v->info.nr_ranges; i++) {
		if (v->range_start[i] > ap_last)
			break;
		if (v->range_start[i] > next) {
			r[n].start = next;
			r[n].last = v->range_start[i] - 1;
			r[n].type = IOMMUPT_RESV_RESERVED;
			r[n].flags = 0;
			n++;
		}
		if (v->range_last[i] >= ap_last) {
			done = 1;
			break;
		}
		next = v->range_last[i] + 1;
	}
	/* No ranges reported: the whole aperture is usable. */
	if (v->info.nr_ranges && !done) {
		r[n].start = next;
		r[n].last = ap_last;
		r[n].type = IOMMUPT_RESV_RESERVED;
		r[n].flags = 0;
		n++;
	}
	if (v->info.dirty)
		ucfg.flags |= IOMMUPT_UNIT_DIRTY;
	ret = iommupt_unit_create(&ucfg, &v->mem, &v->unit);
	if (!ret)
		ret = iommupt_device_create(v->unit, NULL, &v->dev);
	if (!ret && n)
		ret = iommupt_device_set_resv(v->dev, r, n);
	/* Reserved regions only: attach maps nothing, so no gather. */
	if (!ret)
		ret = iommupt_device_attach(v->dev, v->dom, NULL);
	return ret;
}

/* ---- lifecycle ------------------------------------------------------- */

IOMMUPT_API void iommudrv_vfio_close(struct iommudrv_vfio *v)
{
	struct iommupt_mem mem;

	if (!v)
		return;
	/* Group first: the kernel drops the container's mappings with it. */
	if (v->group >= 0)
		v->sys.close(v->sys.ctx, v->group);
	if (v->container >= 0)
		v->sys.close(v->sys.ctx, v->container);
	iommupt_device_destroy(v->dev);
	iommupt_unit_destroy(v->unit);
	iommupt_domain_destroy(v->dom);
	mem = v->mem;
	obj_free(&mem, v);
}

static int open_kernel(struct iommudrv_vfio *v, unsigned int group,
		       const char *dev_dir)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/vfio", dev_dir) >=
	    sizeof(path))
		return -EINVAL;
	ret = v->sys.open(v->sys.ctx, path, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		return ret;
	v->container = ret;
	ret = vioctl(v, v->container, VFIO_GET_API_VERSION, NULL);
	if (ret < 0)
		return ret;
	v->info.api_version = (uint32_t)ret;
	if (ret != VFIO_API_VERSION)
		return -EINVAL;
	/* CHECK_EXTENSION answers 1 for "have it", 0 for not. */
	ret = vioctl(v, v->container, VFIO_CHECK_EXTENSION,
		     (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return -EOPNOTSUPP;

	if ((size_t)snprintf(path, sizeof(path), "%s/%u", dev_dir, group) >=
	    sizeof(path))
		return -EINVAL;
	ret = v->sys.open(v->sys.ctx, path, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		return ret;
	v->group = ret;
	ret = vioctl(v, v->group, VFIO_GROUP_GET_STATUS, &st);
	if (ret < 0)
		return ret;
	/* Not viable: a device of the group is bound to a host driver. */
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	ret = vioctl(v, v->group, VFIO_GROUP_SET_CONTAINER, &v->container);
	if (ret < 0)
		return ret;
	ret = vioctl(v, v->container, VFIO_SET_IOMMU,
		     (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
	if (ret < 0)
		return ret;
	return read_info(v);
}

IOMMUPT_API int iommudrv_vfio_open(unsigned int group,
				   const struct iommupt_mem *mem,
				   const struct iommudrv_vfio_opts *opts,
				   struct iommudrv_vfio **out)
{
	static const struct iommudrv_vfio_sys real = {
		.sz = sizeof(real),
		.open = sys_open,
		.close = sys_close,
		.ioctl = sys_ioctl,
	};
	const struct iommudrv_vfio_sys *sys = &real;
	const char *dev_dir = "/dev/vfio";
	struct iommudrv_vfio *v;
	struct iommupt_mem m = { 0 };
	int ret;

	if (!out || !mem || mem->sz < offsetof(struct iommupt_mem, alloc_obj) ||
	    !mem->alloc_table || !mem->free_table)
		return -EINVAL;
	if (opts && drv_opts_check(opts, opts->sz, sizeof(*opts)))
		return -EINVAL;
	if (opts && opts->sys) {
		sys = opts->sys;
		if (sys->sz < sizeof(*sys) || !sys->open || !sys->close ||
		    !sys->ioctl)
			return -EINVAL;
	}
	if (opts && opts->dev_dir)
		dev_dir = opts->dev_dir;
	memcpy(&m, mem, mem->sz < sizeof(m) ? mem->sz : sizeof(m));
	if (!m.alloc_obj != !m.free_obj)
		return -EINVAL;

	v = obj_alloc(&m, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->mem = m;
	v->sys = *sys;
	v->container = -1;
	v->group = -1;
	v->info.sz = sizeof(v->info);
	ret = open_kernel(v, group, dev_dir);
	if (!ret)
		ret = make_domain(v, opts ? opts->domain_cfg : NULL);
	if (!ret)
		ret = apply_ranges(v);
	if (ret) {
		iommudrv_vfio_close(v);
		return ret;
	}
	*out = v;
	return 0;
}

IOMMUPT_API int iommudrv_vfio_get_info(struct iommudrv_vfio *v,
				       struct iommudrv_vfio_info *info)
{
	uint64_t start[IOMMUDRV_VFIO_MAX_RANGES], last[IOMMUDRV_VFIO_MAX_RANGES];
	struct iommudrv_vfio_info was;
	size_t sz;
	int ret;

	if (!v || !info || info->sz < sizeof(size_t))
		return -EINVAL;
	/*
	 * Ask again for what changes (DMA_AVAIL); the rest was fixed at
	 * open (the domain's reserved regions were made from it).
	 */
	was = v->info;
	memcpy(start, v->range_start, sizeof(start));
	memcpy(last, v->range_last, sizeof(last));
	ret = read_info(v);
	memcpy(v->range_start, start, sizeof(start));
	memcpy(v->range_last, last, sizeof(last));
	if (!ret && (v->info.nr_ranges != was.nr_ranges ||
		     v->info.pgsize_bitmap != was.pgsize_bitmap))
		ret = -EIO;
	if (ret) {
		v->info = was;
		return ret;
	}
	was.has_dma_avail = v->info.has_dma_avail;
	was.dma_avail = v->info.dma_avail;
	v->info = was;
	sz = info->sz < sizeof(*info) ? info->sz : sizeof(*info);
	memcpy((char *)info + sizeof(size_t),
	       (const char *)&v->info + sizeof(size_t), sz - sizeof(size_t));
	return 0;
}

IOMMUPT_API int iommudrv_vfio_get_range(struct iommudrv_vfio *v, uint32_t i,
					uint64_t *start, uint64_t *last)
{
	if (!v || !start || !last || i >= v->info.nr_ranges)
		return -EINVAL;
	*start = v->range_start[i];
	*last = v->range_last[i];
	return 0;
}

IOMMUPT_API struct iommupt_domain *iommudrv_vfio_domain(struct iommudrv_vfio *v)
{
	return v ? v->dom : NULL;
}

/* ---- map / unmap ----------------------------------------------------- */

IOMMUPT_API int iommudrv_vfio_map(struct iommudrv_vfio *v, uint64_t iova,
				  uint64_t vaddr, uint64_t len, uint32_t prot)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.vaddr = vaddr,
		.iova = iova,
		.size = len,
	};
	int ret;

	if (!v)
		return -EINVAL;
	/* The library first: its checks are the kernel's and more. */
	ret = iommupt_domain_map(v->dom, iova, vaddr, len, prot, NULL);
	if (ret)
		return ret;
	if (prot & IOMMUPT_READ)
		m.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (prot & IOMMUPT_WRITE)
		m.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	ret = vioctl(v, v->container, VFIO_IOMMU_MAP_DMA, &m);
	if (ret < 0) {
		/*
		 * Undo: the range holds only what this call mapped, so the
		 * unmap cuts no leaf and allocates nothing; it cannot fail.
		 */
		iommupt_domain_unmap(v->dom, iova, len, 0, NULL, NULL);
		return ret;
	}
	return 0;
}

static uint64_t min_page(const struct iommudrv_vfio *v)
{
	return v->info.pgsize_bitmap & -v->info.pgsize_bitmap;
}

IOMMUPT_API int iommudrv_vfio_unmap(struct iommudrv_vfio *v, uint64_t iova,
				    uint64_t len, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = len,
	};
	uint64_t lib = 0;
	int ret;

	if (!v || !len || (iova | len) & (min_page(v) - 1))
		return -EINVAL;
	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	/*
	 * The kernel first: type1 v2 refuses a range that cuts a mapping, and
	 * a refusal must leave the library as it was. Every leaf of the
	 * library lies inside one mapping, so it then cuts none either.
	 */
	ret = vioctl(v, v->container, VFIO_IOMMU_UNMAP_DMA, &u);
	if (ret < 0)
		return ret;
	if (unmapped)
		*unmapped = u.size;
	/*
	 * Every map went through the library, so the kernel holds nothing
	 * beyond the aperture: the library's part of the range is enough.
	 */
	if (iova <= v->ap_last) {
		uint64_t last = iova + len - 1 < v->ap_last ? iova + len - 1 :
							      v->ap_last;

		ret = iommupt_domain_unmap(v->dom, iova, last - iova + 1, 0,
					   NULL, &lib);
		if (ret)
			return -EIO;
	}
	if (lib != u.size)
		return -EIO;
	return 0;
}

/* ---- dirty tracking -------------------------------------------------- */

static int dirty_cmd(struct iommudrv_vfio *v, uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap d = {
		.argsz = sizeof(d),
		.flags = flags,
	};

	return vioctl(v, v->container, VFIO_IOMMU_DIRTY_PAGES, &d);
}

IOMMUPT_API int iommudrv_vfio_dirty_start(struct iommudrv_vfio *v)
{
	int ret;

	if (!v)
		return -EINVAL;
	if (!v->info.dirty)
		return -EOPNOTSUPP;
	ret = iommupt_domain_set_dirty_tracking(v->dom, 1, NULL);
	if (ret)
		return ret;
	ret = dirty_cmd(v, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
	if (ret < 0) {
		iommupt_domain_set_dirty_tracking(v->dom, 0, NULL);
		return ret;
	}
	v->dirty_on = 1;
	return 0;
}

IOMMUPT_API int iommudrv_vfio_dirty_stop(struct iommudrv_vfio *v)
{
	int ret;

	if (!v)
		return -EINVAL;
	if (!v->dirty_on)
		return 0;
	ret = dirty_cmd(v, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	if (ret < 0)
		return ret;
	v->dirty_on = 0;
	return iommupt_domain_set_dirty_tracking(v->dom, 0, NULL);
}

IOMMUPT_API int iommudrv_vfio_dirty_sync(struct iommudrv_vfio *v,
					 uint64_t iova, uint64_t len,
					 uint64_t *pages)
{
	/* Header and payload in one buffer, as the ioctl wants them. */
	union {
		struct vfio_iommu_type1_dirty_bitmap d;
		uint8_t raw[sizeof(struct vfio_iommu_type1_dirty_bitmap) +
			    sizeof(struct vfio_iommu_type1_dirty_bitmap_get)];
	} arg;
	struct vfio_iommu_type1_dirty_bitmap_get get;
	uint64_t pg, npages, words, i, n = 0;
	uint64_t *bm;
	int ret = 0;

	if (!v || !v->dirty_on || !len)
		return -EINVAL;
	/* type1 reports at its smallest page size only. */
	pg = min_page(v);
	if ((iova | len) & (pg - 1))
		return -EINVAL;
	if (iova + len - 1 < iova)
		return -EOVERFLOW;
	npages = len / pg;
	words = npages / 64 + !!(npages % 64);
	if (words > v->info.dirty_max_bitmap_bytes / 8 ||
	    words > SIZE_MAX / 8)
		return -E2BIG;
	bm = obj_alloc(&v->mem, (size_t)words * 8);
	if (!bm)
		return -ENOMEM;

	memset(&arg, 0, sizeof(arg));
	arg.d.argsz = sizeof(arg);
	arg.d.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	get.iova = iova;
	get.size = len;
	get.bitmap.pgsize = pg;
	get.bitmap.size = words * 8;
	get.bitmap.data = (__u64 *)bm;
	memcpy(arg.raw + sizeof(arg.d), &get, sizeof(get));
	ret = vioctl(v, v->container, VFIO_IOMMU_DIRTY_PAGES, &arg);
	if (ret < 0)
		goto out;
	ret = 0;
	/* Every page the kernel reports must be mapped here: check first. */
	for (i = 0; i < npages && !ret; i++)
		if (bm[i / 64] >> (i % 64) & 1) {
			uint64_t oa;

			n++;
			if (iommupt_domain_iova_to_phys(v->dom, iova + i * pg,
							&oa, NULL, NULL))
				ret = -EIO;
		}
	for (i = 0; i < npages && !ret; i++)
		if (bm[i / 64] >> (i % 64) & 1) {
			int r = iommupt_domain_mark_dirty(v->dom, iova + i * pg);

			/* A read-only page holds no dirty state to set. */
			if (r && r != -EACCES)
				ret = r;
		}
	if (!ret && pages)
		*pages = n;
out:
	obj_free(&v->mem, bm);
	return ret;
}

/* ---- devices --------------------------------------------------------- */

IOMMUPT_API int iommudrv_vfio_device_open(struct iommudrv_vfio *v,
					  const char *name)
{
	char buf[64];

	if (!v || !name || strlen(name) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, name);
	return vioctl(v, v->group, VFIO_GROUP_GET_DEVICE_FD, buf);
}

IOMMUPT_API int iommudrv_vfio_region_info(struct iommudrv_vfio *v,
					  int device_fd, uint32_t index,
					  struct iommudrv_vfio_region *r)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	int ret;

	if (!v || !r || r->sz < sizeof(*r))
		return -EINVAL;
	ret = vioctl(v, device_fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	if (ret < 0)
		return ret;
	r->offset = ri.offset;
	r->size = ri.size;
	r->flags = ri.flags;
	return 0;
}
