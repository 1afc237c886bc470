// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Reserved regions: the sysfs parser (every field checked), the
 * size-query protocol, identity maps installed on attach and removed on
 * detach when no other device needs them, and maps/unmaps refused with
 * -EBUSY over reserved, MSI and identity regions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)
#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)

static const char sample[] =
	"0x00000000000a0000 0x00000000000bffff direct\n"
	"0x000000007d000000 0x000000007f7fffff direct-relaxable\n"
	"0x00000000fee00000 0x00000000feefffff msi\n"
	"0x0000000100000000 0x00000001000fffff reserved\n";

START_TEST(test_parse_sysfs_sample)
{
	struct iommupt_resv_region r[4];
	size_t n = 4;

	ck_assert_int_eq(iommupt_resv_parse(sample, strlen(sample), r, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(r[0].start, 0xa0000);
	ck_assert_uint_eq(r[0].last, 0xbffff);
	ck_assert_uint_eq(r[0].type, IOMMUPT_RESV_IDENTITY);
	ck_assert_uint_eq(r[0].flags, 0);
	ck_assert_uint_eq(r[1].type, IOMMUPT_RESV_IDENTITY);
	ck_assert_uint_eq(r[1].flags, IOMMUPT_RESV_RELAXABLE);
	ck_assert_uint_eq(r[2].type, IOMMUPT_RESV_MSI);
	ck_assert_uint_eq(r[2].start, 0xfee00000);
	ck_assert_uint_eq(r[3].type, IOMMUPT_RESV_RESERVED);
	ck_assert_uint_eq(r[3].last, 0x1000fffffull);
	/* Short and upper-case digits are fine; the prefix is "0x". */
	{
		const char *t = "0xA 0xfFfFfFfFfFfFfFfF msi\n";

		n = 1;
		ck_assert_int_eq(iommupt_resv_parse(t, strlen(t), r, &n), 0);
		ck_assert_uint_eq(r[0].start, 0xa);
		ck_assert_uint_eq(r[0].last, UINT64_MAX);
	}
	/* Empty text: no regions. */
	n = 0;
	ck_assert_int_eq(iommupt_resv_parse("", 0, NULL, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_parse_size_query)
{
	struct iommupt_resv_region r[4];
	size_t n = 0;

	ck_assert_int_eq(iommupt_resv_parse(sample, strlen(sample), NULL, &n),
			 -ENOBUFS);
	ck_assert_uint_eq(n, 4);
	n = 3;
	ck_assert_int_eq(iommupt_resv_parse(sample, strlen(sample), r, &n),
			 -ENOBUFS);
	ck_assert_uint_eq(n, 4);
	n = 4;
	ck_assert_int_eq(iommupt_resv_parse(sample, strlen(sample), r, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(iommupt_resv_parse(sample, 10, r, NULL), -EINVAL);
	n = 1;
	ck_assert_int_eq(iommupt_resv_parse(sample, 10, NULL, &n), -EINVAL);
	n = 0;
	ck_assert_int_eq(iommupt_resv_parse(NULL, 10, NULL, &n), -EINVAL);
}
END_TEST

START_TEST(test_parse_rejects_every_bad_field)
{
	static const char *const bad[] = {
		"0x1 0x2 direct",                 /* no newline */
		"0x1 0x2 direct \n",              /* trailing space */
		"0x1  0x2 direct\n",              /* double space */
		"0x1\t0x2 direct\n",              /* tab */
		" 0x1 0x2 direct\n",              /* leading space */
		"1 0x2 direct\n",                 /* no prefix */
		"0X1 0x2 direct\n",               /* upper-case prefix */
		"0x 0x2 direct\n",                /* no digits */
		"0x1 0x direct\n",
		"0x1g 0x2 direct\n",              /* not hex */
		"0x1 0x2g direct\n",
		"0x00000000000000001 0x2 direct\n", /* 17 digits */
		"0x1 0x10000000000000000 direct\n",
		"0x2 0x1 direct\n",               /* start > last */
		"0x1 0x2 Direct\n",               /* unknown types */
		"0x1 0x2 directx\n",
		"0x1 0x2 direc\n",
		"0x1 0x2 msi-remap\n",
		"0x1 0x2 sw-msi\n",
		"0x1 0x2 \n",                     /* empty type */
		"0x1 0x2\n",
		"\n",                             /* empty line */
		"0x1",
		"0x1 ",
		"0x1 0x2",
		"0x1 0x2 ",
		"0x1 0x2 msi\0\n",
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct iommupt_resv_region r[2];
		size_t n = 2;
		size_t len = strlen(bad[i]);

		if (i == sizeof(bad) / sizeof(bad[0]) - 1)
			len = sizeof("0x1 0x2 msi\0\n") - 1;
		ck_assert_msg(iommupt_resv_parse(bad[i], len, r, &n) == -EINVAL,
			      "accepted bad line %u", i);
		ck_assert_uint_eq(n, 1);
	}
	/* The line at fault is reported. */
	{
		const char *t = "0x1 0x2 msi\n0x3 0x4 reserved\n0x5 0x4 direct\n";
		struct iommupt_resv_region r[4];
		size_t n = 4;

		ck_assert_int_eq(iommupt_resv_parse(t, strlen(t), r, &n), -EINVAL);
		ck_assert_uint_eq(n, 3);
	}
}
END_TEST

START_TEST(test_read_file)
{
	char path[] = "/tmp/iommupt-resv-XXXXXX";
	struct iommupt_resv_region r[4];
	size_t n = 4;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, sample, strlen(sample)), (int)strlen(sample));
	close(fd);
	ck_assert_int_eq(iommupt_resv_read_file(path, r, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(r[2].type, IOMMUPT_RESV_MSI);
	/* Longer than 1 MiB. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (unsigned int i = 0; i < (1u << 20) / 45 + 1; i++)
		fputs("0x00000000000a0000 0x00000000000bffff direct\n", f);
	fclose(f);
	n = 4;
	ck_assert_int_eq(iommupt_resv_read_file(path, r, &n), -EFBIG);
	unlink(path);
	ck_assert_int_eq(iommupt_resv_read_file(path, r, &n), -ENOENT);
	ck_assert_int_eq(iommupt_resv_read_file(NULL, r, &n), -EINVAL);
}
END_TEST

/* ------------------------------------------------- regions and domains */

struct fix {
	struct iommupt_heap *heap;
	const struct iommupt_mem *mem;
	struct iommupt_domain *dom;
	struct iommupt_unit *unit;
	struct iommupt_device *a, *b;
};

static void fix_init(struct fix *f)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_VTD,
		     .vtd_nd = 2);

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(iommupt_heap_create(NULL, &f->heap), 0);
	f->mem = iommupt_heap_mem(f->heap);
	ck_assert_int_eq(iommupt_domain_create(&cfg, f->mem, &f->dom), 0);
	ck_assert_int_eq(iommupt_unit_create(&ucfg, f->mem, &f->unit), 0);
	ck_assert_int_eq(iommupt_device_create(f->unit, NULL, &f->a), 0);
	ck_assert_int_eq(iommupt_device_create(f->unit, NULL, &f->b), 0);
}

static void fix_fini(struct fix *f)
{
	iommupt_unit_destroy(f->unit);
	iommupt_domain_destroy(f->dom);
	ck_assert_uint_eq(iommupt_heap_live_pages(f->heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(f->heap), 0);
	iommupt_heap_destroy(f->heap);
}

static struct iommupt_resv_region region(uint64_t start, uint64_t last,
					 uint32_t type)
{
	struct iommupt_resv_region r = { start, last, type, 0 };

	return r;
}

static bool mapped_1to1(struct iommupt_domain *d, uint64_t iova)
{
	uint64_t oa = 0;

	return iommupt_domain_iova_to_phys(d, iova, &oa, NULL, NULL) == 0 &&
	       oa == iova;
}

static bool unmapped(struct iommupt_domain *d, uint64_t iova)
{
	uint64_t oa;

	return iommupt_domain_iova_to_phys(d, iova, &oa, NULL, NULL) == -ENOENT;
}

START_TEST(test_device_set_get_resv)
{
	struct fix f;
	struct iommupt_resv_region r[3] = {
		region(0x1000, 0x1fff, IOMMUPT_RESV_IDENTITY),
		region(0x8000, 0x8fff, IOMMUPT_RESV_RESERVED),
		region(0xfee00000, 0xfeefffff, IOMMUPT_RESV_MSI),
	};
	struct iommupt_resv_region out[3], bad;
	struct iommupt_resv_region *many;
	size_t n;

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, r, 3), 0);
	n = 0;
	ck_assert_int_eq(iommupt_device_get_resv(f.a, NULL, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 3);
	n = 2;
	ck_assert_int_eq(iommupt_device_get_resv(f.a, out, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 3);
	n = 3;
	ck_assert_int_eq(iommupt_device_get_resv(f.a, out, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(out, r, sizeof(r));
	ck_assert_int_eq(iommupt_device_get_resv(NULL, out, &n), -EINVAL);
	n = 1;
	ck_assert_int_eq(iommupt_device_get_resv(f.a, NULL, &n), -EINVAL);

	bad = region(2, 1, IOMMUPT_RESV_RESERVED);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &bad, 1), -EINVAL);
	bad = region(1, 2, 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &bad, 1), -EINVAL);
	bad = region(1, 2, 4);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &bad, 1), -EINVAL);
	bad = region(1, 2, IOMMUPT_RESV_RESERVED);
	bad.flags = IOMMUPT_RESV_RELAXABLE;
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &bad, 1), -EINVAL);
	bad = region(1, 2, IOMMUPT_RESV_IDENTITY);
	bad.flags = 2;
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &bad, 1), -EINVAL);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, NULL, 1), -EINVAL);
	ck_assert_int_eq(iommupt_device_set_resv(NULL, r, 1), -EINVAL);
	many = calloc(IOMMUPT_RESV_MAX + 1, sizeof(*many));
	for (unsigned int i = 0; i <= IOMMUPT_RESV_MAX; i++)
		many[i] = region(i * SZ_4K, i * SZ_4K + 1, IOMMUPT_RESV_RESERVED);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, many, IOMMUPT_RESV_MAX + 1),
			 -EINVAL);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, many, IOMMUPT_RESV_MAX), 0);
	free(many);
	iommupt_heap_fail_nth(f.heap, 1);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, r, 3), -ENOMEM);
	n = 0;
	ck_assert_int_eq(iommupt_device_get_resv(f.b, NULL, &n), -ENOBUFS);
	ck_assert_uint_eq(n, IOMMUPT_RESV_MAX); /* unchanged */
	ck_assert_int_eq(iommupt_device_set_resv(f.b, NULL, 0), 0);
	n = 0;
	ck_assert_int_eq(iommupt_device_get_resv(f.b, NULL, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* Not while attached. */
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, r, 1), -EBUSY);
	fix_fini(&f);
}
END_TEST

START_TEST(test_attach_maps_identity_and_refuses_overlaps)
{
	struct fix f;
	struct iommupt_resv_region r[3] = {
		/* Not page aligned: rounded out to [0x100000, 0x102fff]. */
		region(0x100010, 0x102007, IOMMUPT_RESV_IDENTITY),
		region(0x200000, 0x2fffff, IOMMUPT_RESV_RESERVED),
		region(0xfee00000, 0xfeefffff, IOMMUPT_RESV_MSI),
	};
	struct iommupt_resv_region out[3];
	struct iommupt_gather g;
	uint64_t bytes;
	size_t n;

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, r, 3), 0);
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, &g), 0);
	iommupt_gather_release(&g);
	for (uint64_t p = 0x100000; p < 0x103000; p += SZ_4K)
		ck_assert(mapped_1to1(f.dom, p + 8));
	ck_assert(unmapped(f.dom, 0x103000));
	ck_assert(unmapped(f.dom, 0xff000));

	/* Maps over any region: -EBUSY; next to them: fine. */
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x102000, 0, SZ_4K, RW, NULL),
			 -EBUSY);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x1ff000, 0, 2 * SZ_4K, RW,
					    NULL), -EBUSY);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x2ff000, 0, SZ_4K, RW, NULL),
			 -EBUSY);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0xfe000000, 0, SZ_2M * 16, RW,
					    NULL), -EBUSY);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x103000, 0, SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x300000, 0, SZ_4K, RW, NULL), 0);
	/* Unmaps touching the identity map: -EBUSY; others fine. */
	ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0, SZ_2M, 0, NULL, &bytes),
			 -EBUSY);
	ck_assert_uint_eq(bytes, 0);
	ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0x102000, SZ_4K, 0, NULL,
					      NULL), -EBUSY);
	ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0x103000, SZ_4K, 0, NULL,
					      &bytes), 0);
	ck_assert_uint_eq(bytes, SZ_4K);
	ck_assert(mapped_1to1(f.dom, 0x101000));
	/* The domain lists what its devices reserve. */
	n = 1;
	ck_assert_int_eq(iommupt_domain_get_resv(f.dom, out, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(iommupt_domain_get_resv(f.dom, out, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(iommupt_domain_get_resv(NULL, out, &n), -EINVAL);
	n = 1;
	ck_assert_int_eq(iommupt_domain_get_resv(f.dom, NULL, &n), -EINVAL);

	/* Detach: identity map gone, regions no longer refuse. */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_device_detach(f.a, &g), 0);
	ck_assert(!iommupt_gather_empty(&g));
	iommupt_gather_release(&g);
	ck_assert(unmapped(f.dom, 0x100000));
	n = 0;
	ck_assert_int_eq(iommupt_domain_get_resv(f.dom, NULL, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x200000, 0, SZ_4K, RW, NULL), 0);
	ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0, SZ_2M * 4, 0, NULL,
					      &bytes), 0);
	ck_assert_uint_eq(bytes, 2 * SZ_4K);
	fix_fini(&f);
}
END_TEST

START_TEST(test_detach_keeps_identity_another_device_needs)
{
	struct fix f;
	/* a: [1M, 2M + 512K), b: [1.5M, 2.5M): overlapping identity maps. */
	struct iommupt_resv_region ra = region(0x100000, 0x27ffff,
					       IOMMUPT_RESV_IDENTITY);
	struct iommupt_resv_region rb = region(0x180000, 0x27ffff + 0x80000,
					       IOMMUPT_RESV_IDENTITY);
	struct iommupt_resv_region same = ra;

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, &ra, 1), 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &rb, 1), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
	for (uint64_t p = 0x100000; p < 0x300000; p += SZ_4K)
		ck_assert(mapped_1to1(f.dom, p));
	ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
	for (uint64_t p = 0x100000; p < 0x180000; p += SZ_4K)
		ck_assert(unmapped(f.dom, p));
	for (uint64_t p = 0x180000; p < 0x300000; p += SZ_4K)
		ck_assert(mapped_1to1(f.dom, p));
	ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
	for (uint64_t p = 0x100000; p < 0x300000; p += SZ_4K)
		ck_assert(unmapped(f.dom, p));

	/* Two devices with the same region: the last detach removes it. */
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &same, 1), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
	ck_assert(mapped_1to1(f.dom, 0x200000));
	ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
	ck_assert(unmapped(f.dom, 0x200000));

	/* a mapped 2M pages; b's region inside one of them is kept. */
	{
		struct iommupt_resv_region big = region(0x200000, 0x5fffff,
							IOMMUPT_RESV_IDENTITY);
		struct iommupt_resv_region in = region(0x300000, 0x300fff,
						       IOMMUPT_RESV_IDENTITY);
		unsigned int lg2 = 0;
		uint64_t oa;

		ck_assert_int_eq(iommupt_device_set_resv(f.a, &big, 1), 0);
		ck_assert_int_eq(iommupt_device_set_resv(f.b, &in, 1), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
		ck_assert_int_eq(iommupt_domain_iova_to_phys(f.dom, 0x300000, &oa,
							     NULL, &lg2), 0);
		ck_assert_uint_eq(lg2, 21);
		ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
		ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
		ck_assert(mapped_1to1(f.dom, 0x300000));
		ck_assert(unmapped(f.dom, 0x200000));
		ck_assert(unmapped(f.dom, 0x301000));
		ck_assert(unmapped(f.dom, 0x400000));
		ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
		ck_assert(unmapped(f.dom, 0x300000));
	}

	/* One device whose own regions overlap. */
	{
		struct iommupt_resv_region two[2] = {
			region(0x400000, 0x5fffff, IOMMUPT_RESV_IDENTITY),
			region(0x500000, 0x6fffff, IOMMUPT_RESV_IDENTITY),
		};

		ck_assert_int_eq(iommupt_device_set_resv(f.a, two, 2), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
		ck_assert(mapped_1to1(f.dom, 0x6ff000));
		ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
		ck_assert(unmapped(f.dom, 0x400000));
		ck_assert(unmapped(f.dom, 0x6ff000));
	}
	/* Inside another's identity region entirely. */
	{
		struct iommupt_resv_region in = region(0x100000, 0x100fff,
						       IOMMUPT_RESV_IDENTITY);
		struct iommupt_resv_region mid = region(0x101000, 0x101fff,
							IOMMUPT_RESV_IDENTITY);
		struct iommupt_resv_region outer = region(0x100000, 0x102fff,
							  IOMMUPT_RESV_IDENTITY);

		ck_assert_int_eq(iommupt_device_set_resv(f.a, &outer, 1), 0);
		ck_assert_int_eq(iommupt_device_set_resv(f.b, &in, 1), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
		ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
		ck_assert(mapped_1to1(f.dom, 0x100000));
		ck_assert(unmapped(f.dom, 0x101000));
		ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
		/* b's region splits a's in the middle. */
		ck_assert_int_eq(iommupt_device_set_resv(f.b, &mid, 1), 0);
		ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
		ck_assert(mapped_1to1(f.dom, 0x100000));
		ck_assert(mapped_1to1(f.dom, 0x102000));
		ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
		ck_assert(unmapped(f.dom, 0x100000));
		ck_assert(mapped_1to1(f.dom, 0x101000));
		ck_assert(unmapped(f.dom, 0x102000));
		ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
	}
	fix_fini(&f);
}
END_TEST

START_TEST(test_attach_clash_or_user_map_changes_nothing)
{
	struct fix f;
	struct iommupt_resv_region ra = region(0x100000, 0x1fffff,
					       IOMMUPT_RESV_RESERVED);
	struct iommupt_resv_region rb = region(0x1ff000, 0x200fff,
					       IOMMUPT_RESV_IDENTITY);
	struct iommupt_resv_region rc2[2] = {
		region(0x400000, 0x400fff, IOMMUPT_RESV_IDENTITY),
		region(0x800000, 0x800fff, IOMMUPT_RESV_IDENTITY),
	};
	uint32_t id;

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, &ra, 1), 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, &rb, 1), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	/* b's identity region overlaps a's reserved one. */
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), -EBUSY);
	ck_assert(unmapped(f.dom, 0x200000));
	ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
	/* The reverse order clashes too. */
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), -EBUSY);
	ck_assert_ptr_null(iommupt_device_domain(f.a));
	ck_assert_int_eq(iommupt_device_detach(f.b, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);

	/* A user map where an identity region goes: the second region
	 * fails, the first is undone, no ID stays allocated. */
	ck_assert_int_eq(iommupt_domain_map(f.dom, 0x800000, 0x5000000, SZ_4K,
					    RW, NULL), 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, rc2, 2), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), -EBUSY);
	ck_assert(unmapped(f.dom, 0x400000));
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);
	ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0x800000, SZ_4K, 0, NULL,
					      NULL), 0);

	/* A user map already inside a reserved or MSI region: -EBUSY, and
	 * nothing of the attach stays behind. */
	{
		struct iommupt_resv_region rm[2] = {
			region(0x400000, 0x400fff, IOMMUPT_RESV_IDENTITY),
			region(0xfee00000, 0xfeefffff, IOMMUPT_RESV_MSI),
		};

		ck_assert_int_eq(iommupt_domain_map(f.dom, 0xfee10000, 0x5000000,
						    SZ_4K, RW, NULL), 0);
		ck_assert_int_eq(iommupt_device_set_resv(f.a, rm, 2), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), -EBUSY);
		ck_assert(unmapped(f.dom, 0x400000));
		ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);
		ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0xfee10000, SZ_4K, 0,
						      NULL, NULL), 0);
		/* A user's own 1:1 map there is still the user's. */
		ck_assert_int_eq(iommupt_domain_map(f.dom, 0x400000, 0x400000, SZ_4K,
						    RW, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), -EBUSY);
		ck_assert_int_eq(iommupt_domain_unmap(f.dom, 0x400000, SZ_4K, 0,
						      NULL, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
		ck_assert(mapped_1to1(f.dom, 0x400000));
		ck_assert_int_eq(iommupt_device_detach(f.a, NULL), 0);
	}
	fix_fini(&f);
}
END_TEST

/*
 * An identity region split by another device's: when the part after the
 * hole cannot be mapped the part before it is undone, and the reverse.
 */
START_TEST(test_attach_split_identity_map_failure_undone)
{
	struct fix f;
	struct iommupt_resv_region outer = region(0x100000, 0x102fff,
						  IOMMUPT_RESV_IDENTITY);
	struct iommupt_resv_region mid[2] = {
		region(0x101000, 0x101fff, IOMMUPT_RESV_IDENTITY),
		region(0x900000, 0x900fff, IOMMUPT_RESV_RESERVED),
	};
	static const uint64_t user[2] = { 0x102000, 0x100000 };

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, &outer, 1), 0);
	ck_assert_int_eq(iommupt_device_set_resv(f.b, mid, 2), 0);
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert_int_eq(iommupt_domain_map(f.dom, user[i], 0x7000000,
						    SZ_4K, RW, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), -EBUSY);
		ck_assert_ptr_null(iommupt_device_domain(f.a));
		ck_assert(unmapped(f.dom, user[1 - i]));
		ck_assert(mapped_1to1(f.dom, 0x101000));
		ck_assert_int_eq(iommupt_domain_unmap(f.dom, user[i], SZ_4K, 0,
						      NULL, NULL), 0);
	}
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	fix_fini(&f);
}
END_TEST

/* A domain destroyed with devices attached lets them go. */
START_TEST(test_domain_destroy_releases_devices)
{
	struct fix f;
	struct iommupt_resv_region ra = region(0x100000, 0x1fffff,
					       IOMMUPT_RESV_IDENTITY);
	uint32_t id;

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, &ra, 1), 0);
	ck_assert_int_eq(iommupt_device_attach(f.a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(f.b, f.dom, NULL), 0);
	iommupt_domain_destroy(f.dom);
	f.dom = NULL;
	ck_assert_ptr_null(iommupt_device_domain(f.a));
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 0, &id), -ENOENT);
	ck_assert_int_eq(iommupt_device_set_resv(f.a, NULL, 0), 0);
	fix_fini(&f);
}
END_TEST

Suite *resv_suite(void);
Suite *resv_suite(void)
{
	Suite *s = suite_create("resv");
	TCase *tc;

	tc = test_tcase("parse");
	tcase_add_test(tc, test_parse_sysfs_sample);
	tcase_add_test(tc, test_parse_size_query);
	tcase_add_test(tc, test_parse_rejects_every_bad_field);
	tcase_add_test(tc, test_read_file);
	suite_add_tcase(s, tc);

	tc = test_tcase("domains");
	tcase_add_test(tc, test_device_set_get_resv);
	tcase_add_test(tc, test_attach_maps_identity_and_refuses_overlaps);
	tcase_add_test(tc, test_detach_keeps_identity_another_device_needs);
	tcase_add_test(tc, test_attach_clash_or_user_map_changes_nothing);
	tcase_add_test(tc, test_attach_split_identity_map_failure_undone);
	tcase_add_test(tc, test_domain_destroy_releases_devices);
	suite_add_tcase(s, tc);
	return s;
}
