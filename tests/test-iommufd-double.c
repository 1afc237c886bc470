// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The iommufd backend (drivers/iommufd.c) against a TEST DOUBLE of the
 * kernel (tests/iommufd-double.c), never a real iommufd: no kernel here
 * has one. Every case name says "double" so that no result is mistaken
 * for a run on a kernel.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <iommupt/iommupt.h>
#include <iommupt/drv-iommufd.h>

#include "../drivers/iommufd-uapi.h"
#include "helpers.h"
#include "iommufd-double.h"

/* drivers/iommufd.c built with IOMMUDRV_TEST_HOOKS. */
extern unsigned long iommufd_test_fail_alloc;

#define UVA 0x7f0000000000ull /* the "user buffer": never dereferenced */
#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define MSI_START 0xfee00000ull
#define MSI_LAST 0xfeefffffull

#define CMD(req) (_IOC_NR(req) - 0x80)

struct fx {
	struct dbl d;
	struct test_dom t;
	struct iommudrv_iommufd *ifd;
	struct iommudrv_ioas *ioas;
};

static void fx_setup(struct fx *f)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommudrv_iommufd_opts, o, .ioctl_fn = dbl_ioctl,
		     .fd = DBL_IOMMUFD_FD, .flags = IOMMUDRV_IOMMUFD_USE_FD);

	dbl_init(&f->d);
	o.ioctl_ctx = &f->d;
	test_dom_create(&f->t, &cfg);
	ck_assert_int_eq(iommudrv_iommufd_open(&o, &f->ifd), 0);
	ck_assert_int_eq(iommudrv_ioas_create(f->ifd, f->t.dom, &f->ioas), 0);
	ck_assert_uint_ne(iommudrv_ioas_id(f->ioas), 0);
}

static void fx_teardown(struct fx *f)
{
	iommudrv_ioas_destroy(f->ioas);
	iommudrv_iommufd_close(f->ifd);
	test_dom_destroy(&f->t);
}

static void *va(uint64_t off)
{
	return (void *)(uintptr_t)(UVA + off);
}

/* Library and double agree on iova -> uva for every page of a range. */
static void assert_mirrored(struct fx *f, uint64_t iova, uint64_t len,
			    uint64_t uva)
{
	uint64_t off, oa, k;

	for (off = 0; off < len; off += SZ_4K) {
		ck_assert_int_eq(iommupt_domain_iova_to_phys(f->t.dom,
							     iova + off, &oa,
							     NULL, NULL), 0);
		ck_assert_uint_eq(oa, uva + off);
		ck_assert(dbl_translates(&f->d, iommudrv_ioas_id(f->ioas),
					 iova + off, &k));
		ck_assert_uint_eq(k, uva + off);
	}
}

static void assert_unmapped(struct fx *f, uint64_t iova)
{
	uint64_t oa;

	ck_assert_int_eq(iommupt_domain_iova_to_phys(f->t.dom, iova, &oa,
						     NULL, NULL), -ENOENT);
	ck_assert(!dbl_translates(&f->d, iommudrv_ioas_id(f->ioas), iova,
				  &oa));
}

static uint64_t lib_mapped(struct fx *f)
{
	IOMMUPT_OPTS(iommupt_stats, st);

	ck_assert_int_eq(iommupt_domain_stats(f->t.dom, &st), 0);
	return st.mapped_bytes;
}

START_TEST(test_double_map_unmap_mirror_library_and_kernel)
{
	struct fx f;
	uint64_t n;

	fx_setup(&f);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), 3 * SZ_4K,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x40000000, va(SZ_2M),
					   2 * SZ_2M, IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(0x10000),
					   SZ_4K, IOMMUPT_WRITE), 0);
	assert_mirrored(&f, 0x100000, 3 * SZ_4K, UVA);
	assert_mirrored(&f, 0x40000000, 2 * SZ_2M, UVA + SZ_2M);
	assert_mirrored(&f, 0x200000, SZ_4K, UVA + 0x10000);
	ck_assert_uint_eq(lib_mapped(&f), 4 * SZ_4K + 2 * SZ_2M);
	ck_assert_uint_eq(dbl_mapped(&f.d, iommudrv_ioas_id(f.ioas)),
			  4 * SZ_4K + 2 * SZ_2M);
	/* A superset with holes unmaps the whole maps inside it. */
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0, 0x40000000, &n), 0);
	ck_assert_uint_eq(n, 4 * SZ_4K);
	assert_unmapped(&f, 0x100000);
	assert_unmapped(&f, 0x200000);
	assert_mirrored(&f, 0x40000000, 2 * SZ_2M, UVA + SZ_2M);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_library_refusals_never_reach_the_kernel)
{
	struct fx f;
	unsigned int maps;

	fx_setup(&f);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), 4 * SZ_4K,
					   IOMMUPT_READ), 0);
	maps = f.d.calls[CMD(IOMMU_IOAS_MAP)];
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x102000, va(0x8000),
					   4 * SZ_4K, IOMMUPT_READ), -EEXIST);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200800, va(0), SZ_4K,
					   IOMMUPT_READ), -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(0x800), SZ_4K,
					   IOMMUPT_READ), -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(0), 0,
					   IOMMUPT_READ), -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(0), SZ_4K, 0),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(0), SZ_4K,
					   IOMMUPT_MMIO), -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 1ull << 48, va(0), SZ_4K,
					   IOMMUPT_READ), -ERANGE);
	ck_assert_uint_eq(f.d.calls[CMD(IOMMU_IOAS_MAP)], maps);
	ck_assert_uint_eq(lib_mapped(&f), 4 * SZ_4K);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_kernel_map_error_rolls_back_the_library)
{
	struct fx f;
	uint32_t dev_id;
	int dev;

	fx_setup(&f);
	f.d.fail_req = IOMMU_IOAS_MAP;
	f.d.fail_nth = 1;
	f.d.fail_errno = ENOMEM;
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), SZ_2M,
					   IOMMUPT_READ | IOMMUPT_WRITE),
			 -ENOMEM);
	ck_assert_uint_eq(lib_mapped(&f), 0);
	assert_unmapped(&f, 0x100000);
	/* The kernel's own refusal: a range an attached device reserves. */
	dev = dbl_add_device(&f.d, 0, MSI_START, MSI_LAST, 0);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev, &dev_id), 0);
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_ioas_id(f.ioas),
						 NULL), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, MSI_START, va(0), SZ_4K,
					   IOMMUPT_WRITE), -EINVAL);
	ck_assert_uint_eq(lib_mapped(&f), 0);
	/* Both sides take the same range once the kernel allows it. */
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), SZ_2M,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	assert_mirrored(&f, 0x100000, SZ_2M, UVA);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_unmap_follows_the_kernel_rules)
{
	struct fx f;
	uint64_t n = 99;
	unsigned int unmaps;

	fx_setup(&f);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x100000, SZ_4K, &n),
			 -ENOENT);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), 4 * SZ_4K,
					   IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x104000, va(0x4000),
					   4 * SZ_4K, IOMMUPT_READ), 0);
	unmaps = f.d.calls[CMD(IOMMU_IOAS_UNMAP)];
	/* Cutting a map (the first, the last, or one in the middle): ENOENT. */
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x101000, SZ_4K, NULL),
			 -ENOENT);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x100000, 5 * SZ_4K,
					     NULL), -ENOENT);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x0, 0x101000, NULL),
			 -ENOENT);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x100000, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, ~0ull - SZ_4K + 1,
					     2 * SZ_4K, NULL), -EOVERFLOW);
	ck_assert_uint_eq(f.d.calls[CMD(IOMMU_IOAS_UNMAP)], unmaps);
	ck_assert_uint_eq(lib_mapped(&f), 8 * SZ_4K);
	/* A kernel failure changes neither side. */
	f.d.fail_req = IOMMU_IOAS_UNMAP;
	f.d.fail_nth = 1;
	f.d.fail_errno = EIO;
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x100000, 4 * SZ_4K, &n),
			 -EIO);
	assert_mirrored(&f, 0x100000, 8 * SZ_4K, UVA);
	/* Whole maps: exactly. */
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0x104000, 4 * SZ_4K, &n),
			 0);
	ck_assert_uint_eq(n, 4 * SZ_4K);
	assert_unmapped(&f, 0x104000);
	assert_mirrored(&f, 0x100000, 4 * SZ_4K, UVA);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, 0, ~0ull, &n), 0);
	ck_assert_uint_eq(n, 4 * SZ_4K);
	ck_assert_uint_eq(lib_mapped(&f), 0);
	ck_assert_uint_eq(dbl_mapped(&f.d, iommudrv_ioas_id(f.ioas)), 0);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_iova_ranges_become_reserved_regions)
{
	struct iommupt_resv_region r[8];
	struct fx f;
	uint64_t align = 0;
	uint32_t id;
	size_t n;
	int dev[4], i;

	fx_setup(&f);
	/* Nothing attached: the whole space is allowed. */
	n = 8;
	ck_assert_int_eq(iommudrv_ioas_get_resv(f.ioas, r, &n, &align), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(align, DBL_PAGE);
	dev[0] = dbl_add_device(&f.d, 0, MSI_START, MSI_LAST,
				(1ull << 39) - 1);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev[0], &id), 0);
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev[0],
						 iommudrv_ioas_id(f.ioas),
						 NULL), 0);
	n = 0;
	ck_assert_int_eq(iommudrv_ioas_get_resv(f.ioas, NULL, &n, NULL),
			 -ENOBUFS);
	ck_assert_uint_eq(n, 2);
	n = 1;
	memset(r, 0xa5, sizeof(r));
	ck_assert_int_eq(iommudrv_ioas_get_resv(f.ioas, r, &n, NULL),
			 -ENOBUFS);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].start, 0xa5a5a5a5a5a5a5a5ull); /* untouched */
	n = 8;
	ck_assert_int_eq(iommudrv_ioas_get_resv(f.ioas, r, &n, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].start, MSI_START);
	ck_assert_uint_eq(r[0].last, MSI_LAST);
	ck_assert_uint_eq(r[0].type, IOMMUPT_RESV_RESERVED);
	ck_assert_uint_eq(r[1].start, 1ull << 39);
	ck_assert_uint_eq(r[1].last, ~0ull);
	/* More allowed ranges than the first query holds: EMSGSIZE, retry. */
	for (i = 1; i < 4; i++) {
		dev[i] = dbl_add_device(&f.d, 0, (uint64_t)i << 32,
					((uint64_t)i << 32) + 0xffff, 0);
		ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev[i], &id), 0);
		ck_assert_int_eq(iommudrv_iommufd_attach(
					 f.ifd, dev[i],
					 iommudrv_ioas_id(f.ioas), NULL), 0);
	}
	n = 8;
	ck_assert_int_eq(iommudrv_ioas_get_resv(f.ioas, r, &n, NULL), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(r[1].start, 1ull << 32);
	ck_assert_uint_eq(r[3].last, (3ull << 32) + 0xffff);
	ck_assert_uint_eq(r[4].start, 1ull << 39);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev[i]), 0);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_bind_attach_detach)
{
	struct fx f;
	uint32_t id, id2, hwpt = 0, hwpt2 = 0;
	int dev, dev2;

	fx_setup(&f);
	dev = dbl_add_device(&f.d, 0, MSI_START, MSI_LAST, 0);
	dev2 = dbl_add_device(&f.d, 0, 0, 0, 0);
	/* Attach before bind: EINVAL (device_cdev.c). */
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_ioas_id(f.ioas),
						 NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev, &id), 0);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev, &id2), -EINVAL);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev2, &id2), 0);
	ck_assert_uint_ne(id, id2);
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev, 31, NULL),
			 -ENOENT);
	/* A map inside the device's reserved window blocks the attach. */
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, MSI_START, va(0), SZ_4K,
					   IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_ioas_id(f.ioas),
						 &hwpt), -EADDRINUSE);
	ck_assert_int_eq(iommudrv_ioas_unmap(f.ioas, MSI_START, SZ_4K, NULL),
			 0);
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_ioas_id(f.ioas),
						 &hwpt), 0);
	ck_assert_uint_ne(hwpt, 0);
	ck_assert_uint_ne(hwpt, iommudrv_ioas_id(f.ioas));
	/* Attaching again replaces the page table. */
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_ioas_id(f.ioas),
						 &hwpt2), 0);
	ck_assert_uint_ne(hwpt2, 0);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, -1, &id), -EINVAL);
	ck_assert_uint_eq(f.d.vfio_calls[0], 3);
	fx_teardown(&f);
}
END_TEST

/* A device on a dirty-tracking HWPT of the fixture's IOAS. */
static struct iommudrv_hwpt *dirty_hwpt(struct fx *f, int *dev_out)
{
	struct iommudrv_hwpt *hwpt;
	uint32_t id, got;
	int dev = dbl_add_device(&f->d, 1, 0, 0, 0);

	ck_assert_int_eq(iommudrv_iommufd_bind(f->ifd, dev, &id), 0);
	ck_assert_int_eq(iommudrv_hwpt_alloc(f->ioas, id, IOMMUDRV_HWPT_DIRTY,
					     &hwpt), 0);
	ck_assert_int_eq(iommudrv_iommufd_attach(f->ifd, dev,
						 iommudrv_hwpt_id(hwpt), &got),
			 0);
	ck_assert_uint_eq(got, iommudrv_hwpt_id(hwpt));
	*dev_out = dev;
	return hwpt;
}

START_TEST(test_double_dirty_needs_support)
{
	struct iommudrv_hwpt *hwpt;
	struct fx f;
	uint64_t bm = 0;
	uint32_t id;
	int dev;

	fx_setup(&f);
	dev = dbl_add_device(&f.d, 0, 0, 0, 0);
	ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev, &id), 0);
	ck_assert_int_eq(iommudrv_hwpt_alloc(f.ioas, id, IOMMUDRV_HWPT_DIRTY,
					     &hwpt), -EOPNOTSUPP);
	ck_assert_ptr_null(hwpt);
	ck_assert_int_eq(iommudrv_hwpt_alloc(f.ioas, id, 1u << 7, &hwpt),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_hwpt_alloc(f.ioas, id, 0, &hwpt), 0);
	ck_assert_int_eq(iommudrv_hwpt_set_dirty_tracking(hwpt, 1),
			 -EOPNOTSUPP);
	/* The library's tracking stayed off too. */
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), SZ_4K,
					   IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, SZ_4K, SZ_4K, &bm, 8, 0,
				 NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_read_and_clear_dirty(
				 f.t.dom, 0x100000, SZ_4K, SZ_4K, &bm, 8, 0,
				 NULL, NULL), -EINVAL);
	iommudrv_hwpt_destroy(hwpt);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_dirty_bitmap_through_the_library)
{
	struct iommudrv_hwpt *hwpt;
	struct fx f;
	uint64_t bm[4];
	unsigned int gets;
	int dev;

	fx_setup(&f);
	hwpt = dirty_hwpt(&f, &dev);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), 16 * SZ_4K,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(SZ_2M),
					   4 * SZ_4K, IOMMUPT_READ), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x400000, va(2 * SZ_2M),
					   SZ_2M, IOMMUPT_READ | IOMMUPT_WRITE),
			 0);
	/* Writes before tracking is on are not reported. */
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x100000), 0);
	ck_assert_int_eq(iommudrv_hwpt_set_dirty_tracking(hwpt, 1), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x101010), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x10f000), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x200000), -EFAULT);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x5ff000), 0);
	/* 2M granules over [0, 6M), holes between maps skipped. */
	memset(bm, 0, sizeof(bm));
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0, 3 * SZ_2M, SZ_2M, bm, sizeof(bm),
				 IOMMUPT_DIRTY_NO_CLEAR, NULL), 0);
	ck_assert_uint_eq(bm[0], (1ull << 0) | (1ull << 2));
	/* Bad arguments: the library refuses, the kernel is not asked. */
	memset(bm, 0, sizeof(bm));
	gets = f.d.calls[CMD(IOMMU_HWPT_GET_DIRTY_BITMAP)];
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x500000, SZ_4K, bm, 8, 0,
				 NULL), -EINVAL); /* bitmap too small */
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x500000, 1000, bm,
				 sizeof(bm), 0, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100800, SZ_4K, SZ_4K, bm, sizeof(bm),
				 0, NULL), -EINVAL);
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0, SZ_4K, bm, sizeof(bm), 0,
				 NULL), -EINVAL);
	ck_assert_uint_eq(f.d.calls[CMD(IOMMU_HWPT_GET_DIRTY_BITMAP)], gets);
	ck_assert_uint_eq(bm[0] | bm[1] | bm[2] | bm[3], 0);
	/* 64K granule over 0x100000 + 16 pages... one word of 64K bits. */
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x100000, 0x10000, bm, 8,
				 IOMMUPT_DIRTY_NO_CLEAR, NULL), 0);
	ck_assert_uint_eq(bm[0], 1); /* 0x101010 and 0x10f000: granule 0 */
	/* 4K granule, clearing: exactly the pages written. */
	bm[0] = 0;
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x100000, SZ_4K, bm, 32, 0,
				 NULL), 0);
	ck_assert_uint_eq(bm[0], (1ull << 1) | (1ull << 15));
	ck_assert_uint_eq(bm[1] | bm[2] | bm[3], 0);
	/* Cleared on both sides: nothing the second time. */
	memset(bm, 0, sizeof(bm));
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x100000, SZ_4K, bm, 32, 0,
				 NULL), 0);
	ck_assert_uint_eq(bm[0] | bm[1] | bm[2] | bm[3], 0);
	/* The 2M map: one dirty 4K page at its end, 2M granule bit. */
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x400000, SZ_2M, SZ_2M, bm, 8, 0, NULL),
			 0);
	ck_assert_uint_eq(bm[0], 1);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	iommudrv_hwpt_destroy(hwpt);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_dirty_kernel_error_keeps_the_bits)
{
	struct iommudrv_hwpt *hwpt;
	struct fx f;
	uint64_t bm = 0;
	int dev;

	fx_setup(&f);
	hwpt = dirty_hwpt(&f, &dev);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x100000, va(0), 4 * SZ_4K,
					   IOMMUPT_READ | IOMMUPT_WRITE), 0);
	ck_assert_int_eq(iommudrv_ioas_map(f.ioas, 0x200000, va(SZ_2M),
					   4 * SZ_4K, IOMMUPT_READ | IOMMUPT_WRITE),
			 0);
	ck_assert_int_eq(iommudrv_hwpt_set_dirty_tracking(hwpt, 1), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x102000), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x203000), 0);
	/* The second map's harvest fails after the first map's was taken. */
	f.d.fail_req = IOMMU_HWPT_GET_DIRTY_BITMAP;
	f.d.fail_nth = 2;
	f.d.fail_errno = EIO;
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x104000 + 0xfc000, SZ_4K, &bm,
				 0, 0, NULL), -EINVAL); /* bitmap too small first */
	ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
				 hwpt, 0x100000, 0x200000, SZ_4K, &bm, 8,
				 0, NULL), -EINVAL); /* 512 bits need 64 bytes */
	{
		uint64_t big[8] = { 0 };

		ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
					 hwpt, 0x100000, 0x200000, SZ_4K, big,
					 sizeof(big), 0, NULL), -EIO);
		memset(big, 0, sizeof(big));
		ck_assert_int_eq(iommudrv_hwpt_read_and_clear_dirty(
					 hwpt, 0x100000, 0x200000, SZ_4K, big,
					 sizeof(big), 0, NULL), 0);
		/* Nothing lost: page 2 (library-held) and page 0x103. */
		ck_assert_uint_eq(big[0], 1ull << 2);
		ck_assert_uint_eq(big[4], 1ull << 3);
	}
	ck_assert_int_eq(iommudrv_hwpt_set_dirty_tracking(hwpt, 0), 0);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	iommudrv_hwpt_destroy(hwpt);
	fx_teardown(&f);
}
END_TEST

/* The double's own rules, straight through its ioctl. */
START_TEST(test_double_rules_as_documented)
{
	struct {
		struct iommu_ioas_alloc a;
		uint32_t extra;
	} big = { .a = { .size = sizeof(big) }, .extra = 1 };
	struct iommu_ioas_map m = { .size = sizeof(m) };
	struct iommu_ioas_unmap u = { .size = sizeof(u) };
	struct iommu_ioas_alloc a = { .size = 8 };
	struct dbl d;

	dbl_init(&d);
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_ALLOC, &a),
			 -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_ALLOC, &big),
			 -1);
	ck_assert_int_eq(errno, E2BIG);
	big.extra = 0;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_ALLOC, &big),
			 0);
	m.ioas_id = big.a.out_ioas_id;
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | 0x100;
	m.length = SZ_4K;
	m.user_va = UVA;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	m.flags |= IOMMU_IOAS_MAP_READABLE;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), 0);
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EEXIST);
	m.iova = 0x10000;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), 0);
	/* The unmap-all form reports every byte. */
	u.ioas_id = m.ioas_id;
	u.length = ~0ull;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_UNMAP, &u), 0);
	ck_assert_uint_eq(u.length, 2 * SZ_4K);
	/* Misaligned IOVA, length or user address: EINVAL. */
	m.iova = 0x20800;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	m.iova = 0x20000;
	m.length = 0x1800;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	m.length = SZ_4K;
	m.user_va = UVA + 8;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), -1);
	ck_assert_int_eq(errno, EINVAL);
	m.user_va = UVA;
	/* Unmap of nothing: ENOENT. */
	u.iova = 0x20000;
	u.length = SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_UNMAP, &u), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, _IO(';', 0x8f), &u), -1);
	ck_assert_int_eq(errno, ENOTTY);
	ck_assert_int_eq(dbl_ioctl(&d, 5, VFIO_DEVICE_BIND_IOMMUFD, &u), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* The double's dirty-bitmap rules, straight through its ioctl. */
START_TEST(test_double_dirty_rules_as_documented)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_ioas_map m = { .size = sizeof(m) };
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b),
					      .iommufd = DBL_IOMMUFD_FD };
	struct iommu_hwpt_alloc h = { .size = sizeof(h) };
	struct iommu_hwpt_set_dirty_tracking t = { .size = sizeof(t) };
	struct iommu_hwpt_get_dirty_bitmap g = { .size = sizeof(g) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	uint64_t bm[2] = { 0, 0 };
	struct dbl d;
	int dev;

	dbl_init(&d);
	dev = dbl_add_device(&d, 1, 0, 0, 0);
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_ALLOC, &a), 0);
	ck_assert_int_eq(dbl_ioctl(&d, dev, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	h.dev_id = b.out_devid;
	h.pt_id = a.out_ioas_id;
	h.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_HWPT_ALLOC, &h), 0);
	at.pt_id = h.out_hwpt_id;
	ck_assert_int_eq(dbl_ioctl(&d, dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at),
			 0);
	/* Two maps with a hole between them. */
	m.ioas_id = a.out_ioas_id;
	m.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		  IOMMU_IOAS_MAP_WRITEABLE;
	m.user_va = UVA;
	m.length = 4 * SZ_4K;
	m.iova = 0x100000;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), 0);
	m.iova = 0x108000;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_IOAS_MAP, &m), 0);
	t.hwpt_id = h.out_hwpt_id;
	t.flags = 2;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_SET_DIRTY_TRACKING, &t), -1);
	ck_assert_int_eq(errno, EOPNOTSUPP);
	g.hwpt_id = h.out_hwpt_id;
	g.iova = 0x100000;
	g.length = 4 * SZ_4K;
	g.page_size = SZ_4K;
	g.data = (uint64_t)(uintptr_t)bm;
	/* Tracking off: EINVAL (the VT-d driver's rule). */
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	t.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_SET_DIRTY_TRACKING, &t), 0);
	ck_assert_int_eq(dbl_dma_write(&d, dev, 0x102010), 0);
	ck_assert_int_eq(dbl_dma_write(&d, dev, 0x109000), 0);
	/* page_size not a power of two, zero, misaligned range, a hole. */
	g.page_size = 3 * SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	g.page_size = 0;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	g.page_size = 8 * SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	g.page_size = SZ_4K;
	g.length = 12 * SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(bm[0], 0);
	/* One bit per page_size granule from iova; NO_CLEAR keeps them. */
	g.length = 4 * SZ_4K;
	g.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), 0);
	ck_assert_uint_eq(bm[0], 1ull << 2);
	bm[0] = 0;
	g.flags = 0;
	g.page_size = 2 * SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), 0);
	ck_assert_uint_eq(bm[0], 1ull << 1);
	bm[0] = 0;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), 0);
	ck_assert_uint_eq(bm[0], 0);
	/* The other map's page is still dirty. */
	g.iova = 0x108000;
	g.page_size = SZ_4K;
	ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD,
				   IOMMU_HWPT_GET_DIRTY_BITMAP, &g), 0);
	ck_assert_uint_eq(bm[0], 1ull << 1);
	/* Busy objects: EBUSY; unknown ones: ENOENT. */
	{
		struct iommu_destroy x = { .size = sizeof(x) };

		x.id = h.out_hwpt_id;
		ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_DESTROY,
					   &x), -1);
		ck_assert_int_eq(errno, EBUSY);
		x.id = a.out_ioas_id;
		ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_DESTROY,
					   &x), -1);
		ck_assert_int_eq(errno, EBUSY);
		x.id = 30;
		ck_assert_int_eq(dbl_ioctl(&d, DBL_IOMMUFD_FD, IOMMU_DESTROY,
					   &x), -1);
		ck_assert_int_eq(errno, ENOENT);
	}
}
END_TEST

/* Every allocation of every entry point fails once: -ENOMEM, no change. */
START_TEST(test_double_allocation_failures)
{
	IOMMUPT_OPTS(iommudrv_iommufd_opts, o, .ioctl_fn = dbl_ioctl,
		     .fd = DBL_IOMMUFD_FD, .flags = IOMMUDRV_IOMMUFD_USE_FD);
	struct iommupt_resv_region r[4];
	struct iommudrv_iommufd *ifd;
	struct iommudrv_ioas *ioas;
	struct iommudrv_hwpt *hwpt;
	struct fx f;
	unsigned long nth;
	uint64_t bm[4];
	size_t n;
	int dev, rc, i;

	fx_setup(&f);
	o.ioctl_ctx = &f.d;
	for (nth = 1;; nth++) {
		iommufd_test_fail_alloc = nth;
		rc = iommudrv_iommufd_open(&o, &ifd);
		if (!rc)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
	}
	iommufd_test_fail_alloc = 0;
	iommudrv_iommufd_close(ifd);
	for (nth = 1;; nth++) {
		unsigned int allocs = f.d.calls[CMD(IOMMU_IOAS_ALLOC)];

		iommufd_test_fail_alloc = nth;
		rc = iommudrv_ioas_create(f.ifd, f.t.dom, &ioas);
		if (!rc)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_uint_eq(f.d.calls[CMD(IOMMU_IOAS_ALLOC)], allocs);
	}
	iommufd_test_fail_alloc = 0;
	iommudrv_ioas_destroy(ioas);
	/* Map: the backend's area list grows at 16, 32: fail each growth. */
	for (i = 0; i < 40; i++) {
		iommufd_test_fail_alloc = 1;
		rc = iommudrv_ioas_map(f.ioas, 0x100000 + i * SZ_4K,
				       va(i * SZ_4K), SZ_4K,
				       IOMMUPT_READ | IOMMUPT_WRITE);
		if (rc) {
			ck_assert_int_eq(rc, -ENOMEM);
			ck_assert_uint_eq(lib_mapped(&f), i * SZ_4K);
			iommufd_test_fail_alloc = 0;
			ck_assert_int_eq(iommudrv_ioas_map(
						 f.ioas, 0x100000 + i * SZ_4K,
						 va(i * SZ_4K), SZ_4K,
						 IOMMUPT_READ | IOMMUPT_WRITE),
					 0);
		}
	}
	iommufd_test_fail_alloc = 0;
	ck_assert_uint_eq(lib_mapped(&f), 40 * SZ_4K);
	/* The library's own allocations: the kernel is never asked. */
	for (nth = 1;; nth++) {
		unsigned int maps = f.d.calls[CMD(IOMMU_IOAS_MAP)];

		iommupt_heap_fail_nth(f.t.heap, nth);
		rc = iommudrv_ioas_map(f.ioas, 1ull << 40, va(0), SZ_4K,
				       IOMMUPT_READ);
		iommupt_heap_fail_nth(f.t.heap, 0);
		if (!rc)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_uint_eq(f.d.calls[CMD(IOMMU_IOAS_MAP)], maps);
	}
	ck_assert_uint_gt(nth, 1);
	for (nth = 1;; nth++) {
		iommufd_test_fail_alloc = nth;
		n = 4;
		rc = iommudrv_ioas_get_resv(f.ioas, r, &n, NULL);
		if (!rc)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
	}
	dev = dbl_add_device(&f.d, 1, 0, 0, 0);
	{
		uint32_t id;

		iommufd_test_fail_alloc = 0;
		ck_assert_int_eq(iommudrv_iommufd_bind(f.ifd, dev, &id), 0);
		for (nth = 1;; nth++) {
			unsigned int allocs = f.d.calls[CMD(IOMMU_HWPT_ALLOC)];

			iommufd_test_fail_alloc = nth;
			rc = iommudrv_hwpt_alloc(f.ioas, id,
						 IOMMUDRV_HWPT_DIRTY, &hwpt);
			if (!rc)
				break;
			ck_assert_int_eq(rc, -ENOMEM);
			ck_assert_uint_eq(f.d.calls[CMD(IOMMU_HWPT_ALLOC)],
					  allocs);
		}
	}
	iommufd_test_fail_alloc = 0;
	ck_assert_int_eq(iommudrv_iommufd_attach(f.ifd, dev,
						 iommudrv_hwpt_id(hwpt), NULL),
			 0);
	ck_assert_int_eq(iommudrv_hwpt_set_dirty_tracking(hwpt, 1), 0);
	ck_assert_int_eq(dbl_dma_write(&f.d, dev, 0x100000), 0);
	for (nth = 1;; nth++) {
		memset(bm, 0, sizeof(bm));
		iommufd_test_fail_alloc = nth;
		rc = iommudrv_hwpt_read_and_clear_dirty(hwpt, 0x100000,
							64 * SZ_4K, SZ_4K, bm,
							sizeof(bm), 0, NULL);
		if (!rc)
			break;
		ck_assert_int_eq(rc, -ENOMEM);
	}
	iommufd_test_fail_alloc = 0;
	ck_assert_uint_eq(bm[0], 1);
	ck_assert_int_eq(iommudrv_iommufd_detach(f.ifd, dev), 0);
	iommudrv_hwpt_destroy(hwpt);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_double_create_checks_arguments)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommudrv_iommufd_opts, o, .ioctl_fn = dbl_ioctl,
		     .fd = -1, .flags = IOMMUDRV_IOMMUFD_USE_FD);
	struct iommudrv_ioas *ioas;
	struct iommudrv_iommufd *ifd;
	struct test_dom t;
	struct dbl d;

	dbl_init(&d);
	o.ioctl_ctx = &d;
	ck_assert_int_eq(iommudrv_iommufd_open(&o, &ifd), -EINVAL);
	o.fd = DBL_IOMMUFD_FD;
	o.flags = 1u << 5;
	ck_assert_int_eq(iommudrv_iommufd_open(&o, &ifd), -EINVAL);
	o.flags = IOMMUDRV_IOMMUFD_USE_FD;
	ck_assert_int_eq(iommudrv_iommufd_open(&o, &ifd), 0);
	ck_assert_int_eq(iommudrv_iommufd_fd(ifd), DBL_IOMMUFD_FD);
	test_dom_create(&t, &cfg);
	/* A domain that already maps something cannot mirror an empty IOAS. */
	ck_assert_int_eq(iommupt_domain_map(t.dom, 0, 0x1000, SZ_4K,
					    IOMMUPT_READ, NULL), 0);
	ck_assert_int_eq(iommudrv_ioas_create(ifd, t.dom, &ioas), -ENOTEMPTY);
	ck_assert_ptr_null(ioas);
	ck_assert_int_eq(iommupt_domain_unmap(t.dom, 0, SZ_4K, 0, NULL, NULL),
			 0);
	d.fail_req = IOMMU_IOAS_ALLOC;
	d.fail_nth = 1;
	d.fail_errno = ENOMEM;
	ck_assert_int_eq(iommudrv_ioas_create(ifd, t.dom, &ioas), -ENOMEM);
	ck_assert_int_eq(iommudrv_ioas_create(ifd, t.dom, &ioas), 0);
	iommudrv_ioas_destroy(ioas);
	iommudrv_ioas_destroy(NULL);
	iommudrv_hwpt_destroy(NULL);
	iommudrv_iommufd_close(ifd);
	iommudrv_iommufd_close(NULL);
	/* The real /dev/iommu path: absent here (Linux < 6.2 or no module). */
	o.flags = 0;
	o.ioctl_fn = NULL;
	o.path = "/nonexistent/iommu";
	ck_assert_int_eq(iommudrv_iommufd_open(&o, &ifd), -ENOENT);
	test_dom_destroy(&t);
}
END_TEST

Suite *iommufd_double_suite(void);
Suite *iommufd_double_suite(void)
{
	Suite *s = suite_create("iommufd-double");
	TCase *tc = test_tcase("iommufd-against-test-double");

	tcase_add_test(tc, test_double_map_unmap_mirror_library_and_kernel);
	tcase_add_test(tc, test_double_library_refusals_never_reach_the_kernel);
	tcase_add_test(tc, test_double_kernel_map_error_rolls_back_the_library);
	tcase_add_test(tc, test_double_unmap_follows_the_kernel_rules);
	tcase_add_test(tc, test_double_iova_ranges_become_reserved_regions);
	tcase_add_test(tc, test_double_bind_attach_detach);
	tcase_add_test(tc, test_double_dirty_needs_support);
	tcase_add_test(tc, test_double_dirty_bitmap_through_the_library);
	tcase_add_test(tc, test_double_dirty_kernel_error_keeps_the_bits);
	tcase_add_test(tc, test_double_rules_as_documented);
	tcase_add_test(tc, test_double_dirty_rules_as_documented);
	tcase_add_test(tc, test_double_allocation_failures);
	tcase_add_test(tc, test_double_create_checks_arguments);
	suite_add_tcase(s, tc);
	return s;
}
