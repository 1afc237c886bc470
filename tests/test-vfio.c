// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The VFIO type1 backend against a double of the kernel's container, group
 * and device ioctls: the open sequence and each of its failures (every
 * file closed, nothing leaked), hostile GET_INFO capability chains, the
 * IOVA ranges as reserved regions, map/unmap with the library as the
 * source of truth (a kernel refusal leaves both sides as they were), the
 * kernel's errors passed back, dirty pages into the library's dirty API,
 * and allocation failure at every step. The backend against the real
 * kernel is tests/qemu/run-vfio.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include <iommupt/iommupt.h>
#include <iommupt/drv-vfio.h>

#include "helpers.h"

#define FD_CONTAINER 100
#define FD_GROUP 101
#define FD_DEVICE 102
#define PG 4096ull
#define MSI_START 0xfee00000ull
#define MSI_LAST 0xfeefffffull
#define IAS_LAST ((1ull << 48) - 1)
#define MAXMAP 64

struct dmap {
	uint64_t iova, size, vaddr;
	uint32_t flags;
};

/* The kernel double: container 100, group 101, device 102. */
struct dbl {
	int open_mask;          /* bit n: fd 100 + n open */
	int fail_open;          /* errno for opening the nth path (see below) */
	int fail_open_group;    /* 1: the group file fails */
	int api;
	int has_v2;
	int viable;
	int err_set_container;
	int err_set_iommu;
	int err_get_info;
	int err_map, err_unmap, err_dirty_start, err_get_bitmap;
	uint8_t info[1024];     /* the full GET_INFO reply, caps included */
	uint32_t info_len;
	struct dmap maps[MAXMAP];
	int nmaps;
	int max_maps;           /* dma_entry_limit */
	int map_calls, unmap_calls, bitmap_calls;
	int dirty;
	char last_path[128];
};

/* Where info_default put each capability in the reply. */
static uint32_t cap_iova_off, cap_mig_off, cap_avail_off;

static int d_open(void *ctx, const char *path, int flags)
{
	struct dbl *d = ctx;
	const char *base = strrchr(path, '/');
	int fd;

	snprintf(d->last_path, sizeof(d->last_path), "%s", path);
	if (!base)
		return -ENOENT;
	if (!strcmp(base, "/vfio")) {
		if (d->fail_open)
			return -d->fail_open;
		fd = FD_CONTAINER;
	} else if (!strcmp(base, "/7")) {
		if (d->fail_open_group)
			return -ENOENT;
		fd = FD_GROUP;
	} else {
		return -ENOENT;
	}
	ck_assert(!(d->open_mask & 1 << (fd - 100)));
	d->open_mask |= 1 << (fd - 100);
	return fd;
}

static int d_close(void *ctx, int fd)
{
	struct dbl *d = ctx;

	ck_assert(d->open_mask & 1 << (fd - 100));
	d->open_mask &= ~(1 << (fd - 100));
	if (fd == FD_CONTAINER)
		d->nmaps = 0; /* the kernel drops the mappings */
	return 0;
}

static int overlaps(const struct dmap *m, uint64_t iova, uint64_t size)
{
	return m->iova <= iova + size - 1 && iova <= m->iova + m->size - 1;
}

static int d_map(struct dbl *d, struct vfio_iommu_type1_dma_map *m)
{
	d->map_calls++;
	ck_assert_uint_eq(m->argsz, sizeof(*m));
	if (d->err_map)
		return -d->err_map;
	for (int i = 0; i < d->nmaps; i++)
		if (overlaps(&d->maps[i], m->iova, m->size))
			return -EEXIST;
	if (d->nmaps >= d->max_maps)
		return -ENOSPC;
	d->maps[d->nmaps].iova = m->iova;
	d->maps[d->nmaps].size = m->size;
	d->maps[d->nmaps].vaddr = m->vaddr;
	d->maps[d->nmaps].flags = m->flags;
	d->nmaps++;
	return 0;
}

/* type1 v2: a range that cuts a mapping is refused; holes are fine. */
static int d_unmap(struct dbl *d, struct vfio_iommu_type1_dma_unmap *u)
{
	uint64_t last = u->iova + u->size - 1, done = 0;
	int i;

	d->unmap_calls++;
	if (d->err_unmap)
		return -d->err_unmap;
	for (i = 0; i < d->nmaps; i++) {
		const struct dmap *m = &d->maps[i];

		if (overlaps(m, u->iova, u->size) &&
		    (m->iova < u->iova || m->iova + m->size - 1 > last))
			return -EINVAL;
	}
	for (i = 0; i < d->nmaps;) {
		if (overlaps(&d->maps[i], u->iova, u->size)) {
			done += d->maps[i].size;
			d->maps[i] = d->maps[--d->nmaps];
		} else {
			i++;
		}
	}
	u->size = done;
	return 0;
}

static int d_dirty(struct dbl *d, struct vfio_iommu_type1_dirty_bitmap *b)
{
	struct vfio_iommu_type1_dirty_bitmap_get g;
	uint64_t npages;

	ck_assert_uint_ge(b->argsz, sizeof(*b));
	if (b->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
		if (d->err_dirty_start)
			return -d->err_dirty_start;
		d->dirty = 1;
		return 0;
	}
	if (b->flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
		d->dirty = 0;
		return 0;
	}
	ck_assert_uint_eq(b->flags, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP);
	ck_assert_uint_eq(b->argsz, sizeof(*b) + sizeof(g));
	memcpy(&g, b->data, sizeof(g));
	d->bitmap_calls++;
	if (d->err_get_bitmap)
		return -d->err_get_bitmap;
	if (!d->dirty || g.bitmap.pgsize != PG)
		return -EINVAL;
	npages = g.size / PG;
	if (g.bitmap.size < (npages + 63) / 64 * 8)
		return -EINVAL;
	/* Like type1 without page-pinning scope: every mapped page is dirty. */
	memset(g.bitmap.data, 0, g.bitmap.size);
	for (int i = 0; i < d->nmaps; i++) {
		const struct dmap *m = &d->maps[i];

		if (!overlaps(m, g.iova, g.size))
			continue;
		if (m->iova < g.iova || m->iova + m->size > g.iova + g.size)
			return -EINVAL;
		for (uint64_t a = m->iova; a < m->iova + m->size; a += PG) {
			uint64_t bit = (a - g.iova) / PG;

			g.bitmap.data[bit / 64] |= 1ull << (bit % 64);
		}
	}
	return 0;
}

static int d_get_info(struct dbl *d, struct vfio_iommu_type1_info *in)
{
	struct vfio_iommu_type1_info hdr;

	uint32_t avail = 65535 - (uint32_t)d->nmaps;

	if (d->err_get_info)
		return -d->err_get_info;
	/* DMA_AVAIL follows the mappings, as the kernel's does. */
	memcpy(d->info + cap_avail_off + 8, &avail, 4);
	memcpy(&hdr, d->info, sizeof(hdr));
	if (in->argsz >= d->info_len) {
		memcpy(in, d->info, d->info_len);
		in->argsz = d->info_len;
		return 0;
	}
	/* Too small: the fixed part, no caps, and the size needed. */
	ck_assert_uint_ge(in->argsz, sizeof(hdr));
	hdr.argsz = d->info_len;
	hdr.cap_offset = 0;
	memcpy(in, &hdr, sizeof(hdr));
	return 0;
}

static int d_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct dbl *d = ctx;

	switch (req) {
	case VFIO_GET_API_VERSION:
		ck_assert_int_eq(fd, FD_CONTAINER);
		return d->api;
	case VFIO_CHECK_EXTENSION:
		return (uintptr_t)arg == VFIO_TYPE1v2_IOMMU ? d->has_v2 : 0;
	case VFIO_GROUP_GET_STATUS: {
		struct vfio_group_status *st = arg;

		ck_assert_int_eq(fd, FD_GROUP);
		st->flags = d->viable ? VFIO_GROUP_FLAGS_VIABLE : 0;
		return 0;
	}
	case VFIO_GROUP_SET_CONTAINER:
		ck_assert_int_eq(fd, FD_GROUP);
		ck_assert_int_eq(*(int *)arg, FD_CONTAINER);
		return d->err_set_container ? -d->err_set_container : 0;
	case VFIO_SET_IOMMU:
		ck_assert_uint_eq((uintptr_t)arg, VFIO_TYPE1v2_IOMMU);
		return d->err_set_iommu ? -d->err_set_iommu : 0;
	case VFIO_IOMMU_GET_INFO:
		return d_get_info(d, arg);
	case VFIO_IOMMU_MAP_DMA:
		return d_map(d, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return d_unmap(d, arg);
	case VFIO_IOMMU_DIRTY_PAGES:
		return d_dirty(d, arg);
	case VFIO_GROUP_GET_DEVICE_FD:
		ck_assert_int_eq(fd, FD_GROUP);
		if (strcmp(arg, "0000:00:03.0"))
			return -ENODEV;
		d->open_mask |= 1 << (FD_DEVICE - 100);
		return FD_DEVICE;
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info *ri = arg;

		ck_assert_int_eq(fd, FD_DEVICE);
		if (ri->index > VFIO_PCI_CONFIG_REGION_INDEX)
			return -EINVAL;
		ri->offset = (uint64_t)ri->index << 40;
		ri->size = ri->index == 0 ? 1 << 20 : 256;
		ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	}
	default:
		ck_abort_msg("unexpected ioctl %#lx", req);
	}
	return -ENOTTY;
}

/* ---- building GET_INFO replies --------------------------------------- */

static uint32_t put_cap(struct dbl *d, uint32_t off, uint16_t id,
			const void *body, uint32_t len)
{
	struct vfio_info_cap_header h = { .id = id, .version = 1 };

	memcpy(d->info + off, &h, sizeof(h));
	memcpy(d->info + off + sizeof(h), body, len);
	return off + (uint32_t)sizeof(h) + len;
}

static void set_next(struct dbl *d, uint32_t off, uint32_t next)
{
	struct vfio_info_cap_header h;

	memcpy(&h, d->info + off, sizeof(h));
	h.next = next;
	memcpy(d->info + off, &h, sizeof(h));
}

/* Ranges [0, MSI) and (MSI, 2^48): the q35 picture. */

static void info_default(struct dbl *d, uint64_t dirty_max)
{
	struct vfio_iommu_type1_info hdr = {
		.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS,
		.iova_pgsizes = ~(PG - 1),
	};
	struct {
		uint32_t nr, rsvd;
		struct vfio_iova_range r[2];
	} iova = { 2, 0, { { 0, MSI_START - 1 }, { MSI_LAST + 1, IAS_LAST } } };
	struct {
		uint32_t flags, pad;
		uint64_t pgsize_bitmap, max;
	} mig = { 0, 0, PG, dirty_max };
	uint32_t avail = 65535, off = 24; /* 8-aligned after the fixed part */

	memset(d->info, 0, sizeof(d->info));
	cap_iova_off = off;
	off = put_cap(d, off, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, &iova,
		      sizeof(iova));
	cap_mig_off = off;
	set_next(d, cap_iova_off, off);
	off = put_cap(d, off, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, &mig,
		      sizeof(mig));
	cap_avail_off = off;
	set_next(d, cap_mig_off, off);
	off = put_cap(d, off, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, &avail,
		      sizeof(avail));
	off = (off + 7) & ~7u;
	hdr.argsz = off;
	hdr.cap_offset = cap_iova_off;
	memcpy(d->info, &hdr, sizeof(hdr));
	d->info_len = off;
}

static void dbl_init(struct dbl *d)
{
	memset(d, 0, sizeof(*d));
	d->api = VFIO_API_VERSION;
	d->has_v2 = 1;
	d->viable = 1;
	d->max_maps = MAXMAP;
	info_default(d, 1 << 20);
}

struct fix {
	struct dbl d;
	struct iommudrv_vfio_sys sys;
	struct iommudrv_vfio_opts opts;
	struct iommupt_heap *heap;
	struct iommudrv_vfio *v;
};

static int fix_open(struct fix *f)
{
	f->sys = (struct iommudrv_vfio_sys){ .sz = sizeof(f->sys), .ctx = &f->d,
		.open = d_open, .close = d_close, .ioctl = d_ioctl };
	f->opts = (struct iommudrv_vfio_opts){ .sz = sizeof(f->opts),
		.sys = &f->sys, .dev_dir = "/dev/vfio-test" };
	if (!f->heap)
		ck_assert_int_eq(iommupt_heap_create(NULL, &f->heap), 0);
	f->v = NULL;
	return iommudrv_vfio_open(7, iommupt_heap_mem(f->heap), &f->opts,
				  &f->v);
}

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	dbl_init(&f->d);
	ck_assert_int_eq(fix_open(f), 0);
}

/* Close, then nothing may be open or allocated. */
static void fix_fini(struct fix *f)
{
	iommudrv_vfio_close(f->v);
	ck_assert_int_eq(f->d.open_mask, 0);
	ck_assert_uint_eq(iommupt_heap_live_pages(f->heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(f->heap), 0);
	iommupt_heap_destroy(f->heap);
}

/* A failed open: its error, no file left open, nothing allocated. */
static void expect_open_fails(struct fix *f, int err)
{
	ck_assert_int_eq(fix_open(f), err);
	ck_assert_ptr_null(f->v);
	ck_assert_int_eq(f->d.open_mask, 0);
	ck_assert_uint_eq(iommupt_heap_live_pages(f->heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(f->heap), 0);
}

static uint64_t lib_mapped(struct iommudrv_vfio *v)
{
	IOMMUPT_OPTS(iommupt_stats, st);

	ck_assert_int_eq(iommupt_domain_stats(iommudrv_vfio_domain(v), &st), 0);
	return st.mapped_bytes;
}

static uint64_t kern_mapped(const struct dbl *d)
{
	uint64_t n = 0;

	for (int i = 0; i < d->nmaps; i++)
		n += d->maps[i].size;
	return n;
}

/* ---- open ------------------------------------------------------------ */

START_TEST(test_open_reads_info_and_reserves_outside_ranges)
{
	IOMMUPT_OPTS(iommudrv_vfio_info, info);
	struct iommupt_resv_region r[4];
	size_t n = 4;
	uint64_t s, l;
	struct fix f;

	fix_init(&f);
	ck_assert_str_eq(f.d.last_path, "/dev/vfio-test/7");
	ck_assert_int_eq(f.d.open_mask, 3);
	ck_assert_int_eq(iommudrv_vfio_get_info(f.v, &info), 0);
	ck_assert_uint_eq(info.api_version, VFIO_API_VERSION);
	ck_assert_uint_eq(info.pgsize_bitmap, ~(PG - 1));
	ck_assert_uint_eq(info.nr_ranges, 2);
	ck_assert_uint_eq(info.dirty, 1);
	ck_assert_uint_eq(info.dirty_pgsize_bitmap, PG);
	ck_assert_uint_eq(info.dirty_max_bitmap_bytes, 1 << 20);
	ck_assert_uint_eq(info.has_dma_avail, 1);
	ck_assert_uint_eq(info.dma_avail, 65535);
	ck_assert_int_eq(iommudrv_vfio_get_range(f.v, 1, &s, &l), 0);
	ck_assert_uint_eq(s, MSI_LAST + 1);
	ck_assert_uint_eq(l, IAS_LAST);
	ck_assert_int_eq(iommudrv_vfio_get_range(f.v, 2, &s, &l), -EINVAL);

	/* The gap between the ranges is the one reserved region. */
	ck_assert_int_eq(iommupt_domain_get_resv(iommudrv_vfio_domain(f.v), r,
						 &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].start, MSI_START);
	ck_assert_uint_eq(r[0].last, MSI_LAST);
	ck_assert_uint_eq(r[0].type, IOMMUPT_RESV_RESERVED);

	/* A map there is refused by the library; the kernel is not asked. */
	ck_assert_int_eq(iommudrv_vfio_map(f.v, MSI_START, 0x10000000, PG,
					   IOMMUPT_READ), -EBUSY);
	ck_assert_int_eq(f.d.map_calls, 0);
	fix_fini(&f);
}
END_TEST

START_TEST(test_open_ranges_edges)
{
	struct iommupt_resv_region r[4];
	struct vfio_iova_range rg[2];
	size_t n = 4;
	struct fix f;

	/* Ranges that start above 0 and end below the aperture's top. */
	memset(&f, 0, sizeof(f));
	dbl_init(&f.d);
	rg[0] = (struct vfio_iova_range){ 0x1000, 0xffff };
	rg[1] = (struct vfio_iova_range){ 1ull << 50, UINT64_MAX };
	memcpy(f.d.info + cap_iova_off + 16, rg, sizeof(rg));
	ck_assert_int_eq(fix_open(&f), 0);
	ck_assert_int_eq(iommupt_domain_get_resv(iommudrv_vfio_domain(f.v), r,
						 &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].start, 0);
	ck_assert_uint_eq(r[0].last, 0xfff);
	ck_assert_uint_eq(r[1].start, 0x10000);
	ck_assert_uint_eq(r[1].last, IAS_LAST);
	fix_fini(&f);
}
END_TEST

START_TEST(test_open_failures_close_everything)
{
	struct fix f;

	memset(&f, 0, sizeof(f));
	dbl_init(&f.d);
	f.d.fail_open = ENOENT;
	expect_open_fails(&f, -ENOENT);
	dbl_init(&f.d);
	f.d.api = 1;
	expect_open_fails(&f, -EINVAL);
	dbl_init(&f.d);
	f.d.has_v2 = 0;
	expect_open_fails(&f, -EOPNOTSUPP);
	dbl_init(&f.d);
	f.d.fail_open_group = 1;
	expect_open_fails(&f, -ENOENT);
	dbl_init(&f.d);
	f.d.viable = 0;
	expect_open_fails(&f, -EBUSY);
	dbl_init(&f.d);
	f.d.err_set_container = EPERM;
	expect_open_fails(&f, -EPERM);
	dbl_init(&f.d);
	f.d.err_set_iommu = ENODEV;
	expect_open_fails(&f, -ENODEV);
	dbl_init(&f.d);
	f.d.err_get_info = EFAULT;
	expect_open_fails(&f, -EFAULT);
	iommupt_heap_destroy(f.heap);
}
END_TEST

/* Each hostile GET_INFO reply fails the open with -EIO. */
START_TEST(test_open_rejects_malformed_caps)
{
	struct vfio_iommu_type1_info hdr;
	struct vfio_info_cap_header h;
	uint32_t nr;
	struct fix f;

	memset(&f, 0, sizeof(f));
	for (int c = 0; c < 10; c++) {
		dbl_init(&f.d);
		memcpy(&hdr, f.d.info, sizeof(hdr));
		switch (c) {
		case 0: /* loop: the last cap points back at the first */
			set_next(&f.d, cap_avail_off, cap_iova_off);
			break;
		case 1: /* a cap pointing at itself */
			set_next(&f.d, cap_iova_off, cap_iova_off);
			break;
		case 2: /* first cap inside the fixed part */
			hdr.cap_offset = 8;
			break;
		case 3: /* first cap beyond the reply */
			hdr.cap_offset = f.d.info_len;
			break;
		case 4: /* more ranges than the reply holds */
			nr = 40;
			memcpy(f.d.info + cap_iova_off + 8, &nr, 4);
			break;
		case 5: /* far too many ranges */
			nr = 0xffffffff;
			memcpy(f.d.info + cap_iova_off + 8, &nr, 4);
			break;
		case 6: { /* ranges out of order */
			struct vfio_iova_range r = { 0, 0xffffffff };

			memcpy(f.d.info + cap_iova_off + 16 + 16, &r, sizeof(r));
			break;
		}
		case 7: /* the reply is too large to be believed */
			f.d.info_len = 1u << 20;
			break;
		case 8: /* a cap cut short by the next one */
			memcpy(&h, f.d.info + cap_mig_off, sizeof(h));
			set_next(&f.d, cap_iova_off, cap_mig_off - 8);
			break;
		case 9: /* an unknown cap pointing at itself */
			memcpy(&h, f.d.info + cap_avail_off, sizeof(h));
			h.id = 99;
			h.next = cap_avail_off;
			memcpy(f.d.info + cap_avail_off, &h, sizeof(h));
			break;
		}
		if (c != 7)
			memcpy(f.d.info, &hdr, sizeof(hdr));
		else {
			hdr.argsz = f.d.info_len;
			memcpy(f.d.info, &hdr, sizeof(hdr));
		}
		expect_open_fails(&f, -EIO);
	}
	iommupt_heap_destroy(f.heap);
}
END_TEST

START_TEST(test_open_without_caps)
{
	struct vfio_iommu_type1_info hdr;
	struct iommupt_resv_region r[2];
	size_t n = 2;
	struct fix f;

	memset(&f, 0, sizeof(f));
	dbl_init(&f.d);
	memcpy(&hdr, f.d.info, sizeof(hdr));
	hdr.flags = VFIO_IOMMU_INFO_PGSIZES;
	hdr.argsz = sizeof(hdr);
	hdr.iova_pgsizes = PG | (1ull << 21); /* no 1G: the domain drops it */
	memcpy(f.d.info, &hdr, sizeof(hdr));
	f.d.info_len = sizeof(hdr);
	ck_assert_int_eq(fix_open(&f), 0);
	ck_assert_int_eq(iommupt_domain_get_resv(iommudrv_vfio_domain(f.v), r,
						 &n), 0);
	ck_assert_uint_eq(n, 0);
	/* No migration capability: no dirty tracking. */
	ck_assert_int_eq(iommudrv_vfio_dirty_start(f.v), -EOPNOTSUPP);
	/* Page sizes both sides have: a 1G-aligned 1G map uses 2M leaves. */
	{
		IOMMUPT_OPTS(iommupt_stats, st);

		ck_assert_int_eq(iommudrv_vfio_map(f.v, 1ull << 30, 1ull << 30,
						   1ull << 30, IOMMUPT_READ),
				 0);
		ck_assert_int_eq(iommupt_domain_stats(iommudrv_vfio_domain(f.v),
						      &st), 0);
		ck_assert_uint_eq(st.leaves[1], 512);
		ck_assert_uint_eq(st.leaves[2], 0);
	}
	fix_fini(&f);

	/* A kernel whose page sizes the domain has none of. */
	memset(&f, 0, sizeof(f));
	dbl_init(&f.d);
	hdr.iova_pgsizes = 1ull << 16;
	memcpy(f.d.info, &hdr, sizeof(hdr));
	f.d.info_len = sizeof(hdr);
	expect_open_fails(&f, -EOPNOTSUPP);
	iommupt_heap_destroy(f.heap);
}
END_TEST

/* ---- map / unmap ----------------------------------------------------- */

START_TEST(test_map_goes_to_both_sides)
{
	uint64_t oa;
	struct fix f;

	fix_init(&f);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x100000, 0x7f0000200000ull,
					   0x200000,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(f.d.nmaps, 1);
	ck_assert_uint_eq(f.d.maps[0].iova, 0x100000);
	ck_assert_uint_eq(f.d.maps[0].vaddr, 0x7f0000200000ull);
	ck_assert_uint_eq(f.d.maps[0].size, 0x200000);
	ck_assert_uint_eq(f.d.maps[0].flags,
			  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(iommudrv_vfio_domain(f.v),
						     0x1ff123, &oa, NULL, NULL),
			 0);
	ck_assert_uint_eq(oa, 0x7f00002ff123ull);

	/* Read-only maps ask the kernel for read only. */
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x400000, 0x10000, PG,
					   IOMMUPT_READ), 0);
	ck_assert_uint_eq(f.d.maps[1].flags, VFIO_DMA_MAP_FLAG_READ);

	/* Library refusals never reach the kernel. */
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x101000, 0x20000, PG,
					   IOMMUPT_READ), -EEXIST);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x800800, 0x20000, PG,
					   IOMMUPT_READ), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x800000, 0x20000, PG, 0),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 1ull << 48, 0x20000, PG,
					   IOMMUPT_READ), -ERANGE);
	ck_assert_int_eq(f.d.map_calls, 2);
	fix_fini(&f);
}
END_TEST

/* A kernel refusal leaves the library as it was, and the error is kept. */
START_TEST(test_map_kernel_errors_roll_back)
{
	static const int errs[] = { EEXIST, ENOSPC, EINVAL, EFAULT, ENOMEM,
				    EPERM };
	uint64_t oa;
	struct fix f;

	fix_init(&f);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0, 0x10000, PG, IOMMUPT_READ),
			 0);
	for (unsigned int i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		f.d.err_map = errs[i];
		ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x200000, 0x400000,
						   0x200000, IOMMUPT_WRITE),
				 -errs[i]);
		ck_assert_uint_eq(lib_mapped(f.v), PG);
		ck_assert_int_eq(iommupt_domain_iova_to_phys(
					 iommudrv_vfio_domain(f.v), 0x200000,
					 &oa, NULL, NULL), -ENOENT);
	}
	/* The same map works once the kernel does. */
	f.d.err_map = 0;
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x200000, 0x400000, 0x200000,
					   IOMMUPT_WRITE), 0);
	ck_assert_uint_eq(lib_mapped(f.v), kern_mapped(&f.d));
	fix_fini(&f);
}
END_TEST

/* The kernel's mapping limit (dma_entry_limit) comes back as -ENOSPC. */
START_TEST(test_map_limit_is_enospc)
{
	IOMMUPT_OPTS(iommudrv_vfio_info, info);
	struct fix f;
	int i;

	fix_init(&f);
	f.d.max_maps = 5;
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(iommudrv_vfio_map(f.v, i * 0x10000ull,
						   0x100000, PG, IOMMUPT_READ),
				 0);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, i * 0x10000ull, 0x100000, PG,
					   IOMMUPT_READ), -ENOSPC);
	ck_assert_uint_eq(lib_mapped(f.v), 5 * PG);
	ck_assert_int_eq(iommudrv_vfio_get_info(f.v, &info), 0);
	ck_assert_uint_eq(info.dma_avail, 65535 - 5);
	/* A failing refresh reports the error and keeps what was known. */
	f.d.err_get_info = ENODEV;
	info.dma_avail = 0;
	ck_assert_int_eq(iommudrv_vfio_get_info(f.v, &info), -ENODEV);
	f.d.err_get_info = 0;
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0, 0x100000, NULL), 0);
	ck_assert_int_eq(iommudrv_vfio_get_info(f.v, &info), 0);
	ck_assert_uint_eq(info.dma_avail, 65535);
	ck_assert_uint_eq(info.nr_ranges, 2);
	fix_fini(&f);
}
END_TEST

START_TEST(test_unmap_kernel_first)
{
	uint64_t un = 99;
	struct fix f;

	fix_init(&f);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x200000, 0x400000, 0x200000,
					   IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x400000, 0x800000, 0x1000,
					   IOMMUPT_READ), 0);
	/* Cutting a mapping: type1 v2 refuses, both sides keep it. */
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0x200000, 0x100000, &un),
			 -EINVAL);
	ck_assert_uint_eq(lib_mapped(f.v), 0x201000);
	ck_assert_uint_eq(kern_mapped(&f.d), 0x201000);
	/* Other kernel errors also change nothing. */
	f.d.err_unmap = EPERM;
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0, 1ull << 30, &un), -EPERM);
	ck_assert_uint_eq(lib_mapped(f.v), 0x201000);
	f.d.err_unmap = 0;
	/* Bad arguments are refused before the kernel. */
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0x200800, PG, &un), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0x200000, 0, &un), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, ~(PG - 1), 2 * PG, &un),
			 -EOVERFLOW);
	ck_assert_int_eq(f.d.unmap_calls, 2);
	/*
	 * A range over both mappings, holes, and beyond the 48-bit aperture
	 * unmaps both on both sides.
	 */
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0, 1ull << 60, &un), 0);
	ck_assert_uint_eq(un, 0x201000);
	ck_assert_uint_eq(lib_mapped(f.v), 0);
	ck_assert_int_eq(f.d.nmaps, 0);
	fix_fini(&f);
}
END_TEST

/* The kernel unmapping something the library never had is caught. */
START_TEST(test_unmap_disagreement_is_eio)
{
	struct fix f;

	fix_init(&f);
	f.d.maps[0] = (struct dmap){ 0x10000, PG, 0x1000, 1 };
	f.d.nmaps = 1;
	ck_assert_int_eq(iommudrv_vfio_unmap(f.v, 0, 0x100000, NULL), -EIO);
	fix_fini(&f);
}
END_TEST

/* ---- dirty ----------------------------------------------------------- */

static void harvest(struct iommudrv_vfio *v, uint64_t iova, uint64_t len,
		    uint64_t *bm, size_t words)
{
	struct iommupt_gather g;

	memset(bm, 0, words * 8);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(
				 iommudrv_vfio_domain(v), iova, len, PG, bm,
				 words * 8, 0, &g, NULL), 0);
	iommupt_gather_release(&g);
}

START_TEST(test_dirty_sync_into_library)
{
	uint64_t bm[4], pages = 0;
	struct fix f;

	fix_init(&f);
	/* Not started yet. */
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x100000, &pages),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x10000, 0x100000, 3 * PG,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x20000, 0x200000, 2 * PG,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_vfio_map(f.v, 0x30000, 0x300000, PG,
					   IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_vfio_dirty_start(f.v), 0);
	ck_assert_int_eq(f.d.dirty, 1);

	/* Argument rules: before the kernel is asked. */
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0x800, PG, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, ~(PG - 1), 2 * PG,
						  NULL), -EOVERFLOW);
	/* 1 MiB of bitmap is the double's cap: 2^23 pages. */
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, (1ull << 35) + PG,
						  NULL), -E2BIG);
	ck_assert_int_eq(f.d.bitmap_calls, 0);

	/* Nothing harvested before the sync. */
	harvest(f.v, 0, 0x40000, bm, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(bm[i], 0);

	/* Cutting a mapping: the kernel refuses; the library is untouched. */
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0x11000, PG, NULL),
			 -EINVAL);
	f.d.err_get_bitmap = EFAULT;
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x40000, NULL),
			 -EFAULT);
	f.d.err_get_bitmap = 0;
	harvest(f.v, 0, 0x40000, bm, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(bm[i], 0);

	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x40000, &pages), 0);
	ck_assert_uint_eq(pages, 6);
	harvest(f.v, 0, 0x40000, bm, 4);
	/* Pages 16-18 and 32-33 written; the read-only page 48 is not. */
	ck_assert_uint_eq(bm[0], 0x7ull << 16 | 0x3ull << 32);
	for (int i = 1; i < 4; i++)
		ck_assert_uint_eq(bm[i], 0);
	/* Harvested and cleared: the next round starts clean. */
	harvest(f.v, 0, 0x40000, bm, 4);
	ck_assert_uint_eq(bm[0], 0);

	/* A page the kernel reports but the library lacks: -EIO. */
	f.d.maps[f.d.nmaps++] = (struct dmap){ 0x38000, PG, 0x5000, 3 };
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x40000, &pages),
			 -EIO);
	harvest(f.v, 0, 0x40000, bm, 4);
	ck_assert_uint_eq(bm[0], 0);
	f.d.nmaps--;

	ck_assert_int_eq(iommudrv_vfio_dirty_stop(f.v), 0);
	ck_assert_int_eq(f.d.dirty, 0);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x40000, NULL),
			 -EINVAL);
	fix_fini(&f);
}
END_TEST

START_TEST(test_dirty_start_failure_leaves_tracking_off)
{
	uint64_t bm[1];
	struct iommupt_gather g;
	struct fix f;

	fix_init(&f);
	f.d.err_dirty_start = EBUSY;
	ck_assert_int_eq(iommudrv_vfio_dirty_start(f.v), -EBUSY);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(
				 iommudrv_vfio_domain(f.v), 0, 0x10000, PG, bm,
				 8, 0, &g, NULL), -EINVAL);
	iommupt_gather_release(&g);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0, 0x10000, NULL),
			 -EINVAL);
	fix_fini(&f);
}
END_TEST

/* ---- devices --------------------------------------------------------- */

START_TEST(test_device_and_regions)
{
	IOMMUPT_OPTS(iommudrv_vfio_region, r);
	struct fix f;
	int fd;

	fix_init(&f);
	ck_assert_int_eq(iommudrv_vfio_device_open(f.v, "0000:00:04.0"),
			 -ENODEV);
	ck_assert_int_eq(iommudrv_vfio_device_open(
				 f.v, "0123456789012345678901234567890123456789"
				      "0123456789012345678901234"), -EINVAL);
	fd = iommudrv_vfio_device_open(f.v, "0000:00:03.0");
	ck_assert_int_eq(fd, FD_DEVICE);
	ck_assert_int_eq(iommudrv_vfio_region_info(f.v, fd,
						   VFIO_PCI_CONFIG_REGION_INDEX,
						   &r), 0);
	ck_assert_uint_eq(r.offset, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40);
	ck_assert_uint_eq(r.size, 256);
	ck_assert_int_eq(iommudrv_vfio_region_info(f.v, fd, 99, &r), -EINVAL);
	f.sys.close(f.sys.ctx, fd);
	fix_fini(&f);
}
END_TEST

/* ---- allocation failure ---------------------------------------------- */

START_TEST(test_alloc_failure_everywhere)
{
	uint64_t nth, bm[1];
	struct fix f;
	int ret;

	/* open: fail each allocation in turn until it succeeds. */
	memset(&f, 0, sizeof(f));
	for (nth = 1;; nth++) {
		dbl_init(&f.d);
		if (!f.heap)
			ck_assert_int_eq(iommupt_heap_create(NULL, &f.heap), 0);
		iommupt_heap_fail_nth(f.heap, nth);
		ret = fix_open(&f);
		if (!iommupt_heap_failed(f.heap)) {
			ck_assert_int_eq(ret, 0);
			break;
		}
		ck_assert_int_eq(ret, -ENOMEM);
		ck_assert_int_eq(f.d.open_mask, 0);
		ck_assert_uint_eq(iommupt_heap_live_pages(f.heap), 0);
		ck_assert_uint_eq(iommupt_heap_live_objs(f.heap), 0);
	}
	ck_assert_uint_gt(nth, 3);
	iommupt_heap_fail_nth(f.heap, 0);

	/* map: a table allocation fails; neither side changes. */
	for (nth = 1;; nth++) {
		iommupt_heap_fail_nth(f.heap, nth);
		ret = iommudrv_vfio_map(f.v, 0x40000000, 0x100000, PG,
					IOMMUPT_READ | IOMMUPT_WRITE);
		if (!iommupt_heap_failed(f.heap)) {
			ck_assert_int_eq(ret, 0);
			break;
		}
		ck_assert_int_eq(ret, -ENOMEM);
		ck_assert_uint_eq(lib_mapped(f.v), 0);
		ck_assert_int_eq(f.d.map_calls, 0);
	}
	ck_assert_uint_gt(nth, 1);
	iommupt_heap_fail_nth(f.heap, 0);

	/* dirty_sync: the scratch bitmap cannot be had; nothing changes. */
	ck_assert_int_eq(iommudrv_vfio_dirty_start(f.v), 0);
	iommupt_heap_fail_nth(f.heap, 1);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0x40000000, PG, NULL),
			 -ENOMEM);
	ck_assert_int_eq(f.d.bitmap_calls, 0);
	iommupt_heap_fail_nth(f.heap, 0);
	harvest(f.v, 0x40000000, PG, bm, 1);
	ck_assert_uint_eq(bm[0], 0);
	ck_assert_int_eq(iommudrv_vfio_dirty_sync(f.v, 0x40000000, PG, NULL),
			 0);
	harvest(f.v, 0x40000000, PG, bm, 1);
	ck_assert_uint_eq(bm[0], 1);
	fix_fini(&f);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct iommupt_heap *heap;
	struct iommudrv_vfio *v = NULL;
	IOMMUPT_OPTS(iommudrv_vfio_opts, o);
	struct iommudrv_vfio_sys sys = { .sz = sizeof(sys) };

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	ck_assert_int_eq(iommudrv_vfio_open(7, NULL, NULL, &v), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_open(7, iommupt_heap_mem(heap), NULL,
					    NULL), -EINVAL);
	o.sys = &sys; /* no callbacks */
	ck_assert_int_eq(iommudrv_vfio_open(7, iommupt_heap_mem(heap), &o, &v),
			 -EINVAL);
	o.sys = NULL;
	o.sz = sizeof(o) + 8; /* a newer caller's option we do not know */
	{
		struct {
			struct iommudrv_vfio_opts o;
			uint64_t extra;
		} big = { o, 1 };

		ck_assert_int_eq(iommudrv_vfio_open(7, iommupt_heap_mem(heap),
						    &big.o, &v), -EINVAL);
	}
	ck_assert_ptr_null(v);
	ck_assert_int_eq(iommudrv_vfio_map(NULL, 0, 0, PG, IOMMUPT_READ),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_unmap(NULL, 0, PG, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_vfio_dirty_start(NULL), -EINVAL);
	ck_assert_ptr_null(iommudrv_vfio_domain(NULL));
	iommudrv_vfio_close(NULL);
	iommupt_heap_destroy(heap);
}
END_TEST

Suite *vfio_suite(void);

Suite *vfio_suite(void)
{
	Suite *s = suite_create("vfio");
	TCase *tc = test_tcase("type1");

	tcase_add_test(tc, test_open_reads_info_and_reserves_outside_ranges);
	tcase_add_test(tc, test_open_ranges_edges);
	tcase_add_test(tc, test_open_failures_close_everything);
	tcase_add_test(tc, test_open_rejects_malformed_caps);
	tcase_add_test(tc, test_open_without_caps);
	tcase_add_test(tc, test_map_goes_to_both_sides);
	tcase_add_test(tc, test_map_kernel_errors_roll_back);
	tcase_add_test(tc, test_map_limit_is_enospc);
	tcase_add_test(tc, test_unmap_kernel_first);
	tcase_add_test(tc, test_unmap_disagreement_is_eio);
	tcase_add_test(tc, test_dirty_sync_into_library);
	tcase_add_test(tc, test_dirty_start_failure_leaves_tracking_off);
	tcase_add_test(tc, test_device_and_regions);
	tcase_add_test(tc, test_alloc_failure_everywhere);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
