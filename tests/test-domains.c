// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Units, domain IDs and attach: ID spaces from vendor capabilities, the
 * ID allocator against a reference set, reference-counted IDs per
 * (domain, unit), the VFIO device rules for attach/replace/detach, IDs
 * claimed for a restore, and allocation failures on attach and replace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)

/* A heap, a VT-d second-stage domain (4 levels) and a unit on it. */
struct fix {
	struct iommupt_heap *heap;
	const struct iommupt_mem *mem;
	struct iommupt_domain *dom;
	struct iommupt_unit *unit;
};

static void unit_new(const struct iommupt_mem *mem, uint32_t vendor,
		     uint32_t flags, uint32_t nd, struct iommupt_unit **u)
{
	IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = vendor, .flags = flags,
		     .vtd_nd = nd);

	ck_assert_int_eq(iommupt_unit_create(&cfg, mem, u), 0);
}

static void dom_new(const struct iommupt_mem *mem, struct iommupt_domain **d)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);

	ck_assert_int_eq(iommupt_domain_create(&cfg, mem, d), 0);
}

static void fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(iommupt_heap_create(NULL, &f->heap), 0);
	f->mem = iommupt_heap_mem(f->heap);
	dom_new(f->mem, &f->dom);
	unit_new(f->mem, IOMMUPT_VENDOR_VTD, 0, 2, &f->unit);
}

static void fix_fini(struct fix *f)
{
	iommupt_unit_destroy(f->unit);
	iommupt_domain_destroy(f->dom);
	ck_assert_uint_eq(iommupt_heap_live_pages(f->heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(f->heap), 0);
	iommupt_heap_destroy(f->heap);
}

static struct iommupt_unit_info info_of(struct iommupt_unit *u)
{
	struct iommupt_unit_info info = { .sz = sizeof(info) };

	ck_assert_int_eq(iommupt_unit_get_info(u, &info), 0);
	return info;
}

static uint32_t nr_allocated(struct iommupt_unit *u)
{
	uint32_t id, n = 0, from = 0;

	while (iommupt_unit_id_next(u, from, &id) == 0) {
		n++;
		from = id + 1;
	}
	return n;
}

/* ------------------------------------------------------------- units */

START_TEST(test_vtd_nd_gives_4_plus_2nd_bits)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	for (uint32_t nd = 0; nd <= 6; nd++) {
		struct iommupt_unit_info info;

		unit_new(iommupt_heap_mem(heap), IOMMUPT_VENDOR_VTD, 0, nd, &u);
		info = info_of(u);
		ck_assert_uint_eq(info.id_bits, 4 + 2 * nd);
		ck_assert_uint_eq(info.id_min, 0);
		ck_assert_uint_eq(info.id_max, (1u << (4 + 2 * nd)) - 1);
		ck_assert_uint_eq(info.ids_free, 1u << (4 + 2 * nd));
		iommupt_unit_destroy(u);
	}
	{
		IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = IOMMUPT_VENDOR_VTD,
			     .vtd_nd = 7);
		u = (void *)1;
		ck_assert_int_eq(iommupt_unit_create(&cfg, iommupt_heap_mem(heap), &u),
				 -EINVAL);
		ck_assert_ptr_null(u);
	}
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_vtd_caching_mode_reserves_id_0)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;
	uint32_t id = 99;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	unit_new(iommupt_heap_mem(heap), IOMMUPT_VENDOR_VTD,
		 IOMMUPT_UNIT_CACHING_MODE, 0, &u);
	ck_assert_uint_eq(info_of(u).ids_free, 15);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(u, 0), -EBUSY);
	ck_assert_int_eq(iommupt_unit_id_alloc(u, &id), 0);
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(iommupt_unit_id_free(u, 0), -ENOENT);
	iommupt_unit_destroy(u);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_amd_and_smmu_id_widths)
{
	static const struct {
		uint32_t vendor, flags, bits;
	} cases[] = {
		{ IOMMUPT_VENDOR_AMD, 0, 16 },
		{ IOMMUPT_VENDOR_SMMUV3, 0, 8 },
		{ IOMMUPT_VENDOR_SMMUV3, IOMMUPT_UNIT_SMMU_ASID16, 16 },
		{ IOMMUPT_VENDOR_SMMUV3, IOMMUPT_UNIT_SMMU_VMID16, 8 },
		{ IOMMUPT_VENDOR_SMMUV3, IOMMUPT_UNIT_SMMU_VMID, 8 },
		{ IOMMUPT_VENDOR_SMMUV3, IOMMUPT_UNIT_SMMU_VMID |
					 IOMMUPT_UNIT_SMMU_VMID16, 16 },
		{ IOMMUPT_VENDOR_SMMUV3, IOMMUPT_UNIT_SMMU_VMID |
					 IOMMUPT_UNIT_SMMU_ASID16, 8 },
		/* Caching mode is a VT-d notion: no reservation elsewhere. */
		{ IOMMUPT_VENDOR_AMD, IOMMUPT_UNIT_CACHING_MODE, 16 },
	};
	struct iommupt_heap *heap;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct iommupt_unit *u;
		struct iommupt_unit_info info;

		unit_new(iommupt_heap_mem(heap), cases[i].vendor, cases[i].flags,
			 0, &u);
		info = info_of(u);
		ck_assert_uint_eq(info.id_bits, cases[i].bits);
		ck_assert_uint_eq(info.ids_free, 1u << cases[i].bits);
		ck_assert_uint_eq(info.vendor, cases[i].vendor);
		ck_assert_uint_eq(info.flags, cases[i].flags);
		ck_assert_uint_eq(info.ias_lg2, 64);
		iommupt_unit_destroy(u);
	}
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_unit_explicit_id_range)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;
	uint32_t id;
	IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = IOMMUPT_VENDOR_AMD,
		     .id_bits = 10, .id_min = 100, .id_max = 103,
		     .ias_lg2 = 48, .oas_lg2 = 52);

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	ck_assert_int_eq(iommupt_unit_create(&cfg, iommupt_heap_mem(heap), &u), 0);
	ck_assert_uint_eq(info_of(u).id_bits, 10);
	ck_assert_uint_eq(info_of(u).ids_free, 4);
	ck_assert_uint_eq(info_of(u).ias_lg2, 48);
	ck_assert_uint_eq(info_of(u).oas_lg2, 52);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(u, 99), -ERANGE);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(u, 104), -ERANGE);
	ck_assert_int_eq(iommupt_unit_id_reserve(u, 104), -ERANGE);
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_int_eq(iommupt_unit_id_alloc(u, &id), 0);
		ck_assert_uint_eq(id, 100 + i);
	}
	ck_assert_int_eq(iommupt_unit_id_alloc(u, &id), -ENOSPC);
	ck_assert_int_eq(iommupt_unit_id_alloc(u, &id), -ENOSPC);
	ck_assert_int_eq(iommupt_unit_id_free(u, 102), 0);
	ck_assert_int_eq(iommupt_unit_id_alloc(u, &id), 0);
	ck_assert_uint_eq(id, 102);
	iommupt_unit_destroy(u);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_unit_create_rejects_bad_cfg)
{
	struct iommupt_heap *heap;
	const struct iommupt_mem *mem;
	struct iommupt_unit *u = NULL;
	struct {
		struct iommupt_unit_cfg cfg;
		uint64_t extra;
	} big;
	static const struct iommupt_unit_cfg bad[] = {
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 0 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 4 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .flags = 1u << 9 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .id_bits = 17 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .id_bits = 8,
		  .id_min = 5, .id_max = 4 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .id_bits = 8,
		  .id_max = 256 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .ias_lg2 = 65 },
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = 1, .oas_lg2 = 65 },
		{ .sz = 4, .vendor = 1 },
	};

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	mem = iommupt_heap_mem(heap);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u = (void *)1;
		ck_assert_int_eq(iommupt_unit_create(&bad[i], mem, &u), -EINVAL);
		ck_assert_ptr_null(u);
	}
	memset(&big, 0, sizeof(big));
	big.cfg.sz = sizeof(big);
	big.cfg.vendor = IOMMUPT_VENDOR_AMD;
	ck_assert_int_eq(iommupt_unit_create(&big.cfg, mem, &u), 0);
	iommupt_unit_destroy(u);
	big.extra = 1;
	ck_assert_int_eq(iommupt_unit_create(&big.cfg, mem, &u), -EINVAL);
	ck_assert_int_eq(iommupt_unit_create(NULL, mem, &u), -EINVAL);
	ck_assert_int_eq(iommupt_unit_create(&bad[0], NULL, &u), -EINVAL);
	ck_assert_int_eq(iommupt_unit_create(&bad[0], mem, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_unit_get_info(NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_unit_id_alloc(NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(NULL, 0), -EINVAL);
	ck_assert_int_eq(iommupt_unit_id_reserve(NULL, 0), -EINVAL);
	ck_assert_int_eq(iommupt_unit_id_free(NULL, 0), -EINVAL);
	ck_assert_int_eq(iommupt_unit_id_next(NULL, 0, NULL), -EINVAL);
	iommupt_unit_destroy(NULL);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_unit_create_alloc_failure_at_each_step)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;
	IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = IOMMUPT_VENDOR_AMD);
	uint64_t nth;
	int rc;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	for (nth = 1;; nth++) {
		iommupt_heap_fail_nth(heap, nth);
		rc = iommupt_unit_create(&cfg, iommupt_heap_mem(heap), &u);
		if (!iommupt_heap_failed(heap))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_null(u);
		ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(nth, 3); /* the unit, then the bitmaps */
	iommupt_unit_destroy(u);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

/* --------------------------------------------------------- domain IDs */

START_TEST(test_id_alloc_lowest_at_reserve_free_next)
{
	struct fix f;
	uint32_t id;

	fix_init(&f); /* ND 2: 256 IDs */
	ck_assert_int_eq(iommupt_unit_id_reserve(f.unit, 1), 0);
	ck_assert_int_eq(iommupt_unit_id_reserve(f.unit, 1), 0);
	ck_assert_uint_eq(info_of(f.unit).ids_free, 255);
	ck_assert_int_eq(iommupt_unit_id_alloc(f.unit, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(iommupt_unit_id_alloc(f.unit, &id), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 2), -EBUSY);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 1), -EBUSY);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 256), -ERANGE);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 200), 0);
	ck_assert_int_eq(iommupt_unit_id_reserve(f.unit, 200), -EBUSY);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 1), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 3), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 300), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 0, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 1, &id), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 3, &id), 0);
	ck_assert_uint_eq(id, 200);
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 201, &id), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_next(f.unit, 1000, &id), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 0), 0);
	ck_assert_int_eq(iommupt_unit_id_alloc(f.unit, &id), 0);
	ck_assert_uint_eq(id, 0);
	/* Fill the space: every ID but the reserved one, then -ENOSPC. */
	while (iommupt_unit_id_alloc(f.unit, &id) == 0)
		;
	ck_assert_uint_eq(info_of(f.unit).ids_free, 0);
	ck_assert_uint_eq(nr_allocated(f.unit), 255);
	ck_assert_int_eq(iommupt_unit_id_alloc(f.unit, &id), -ENOSPC);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 77), 0);
	ck_assert_int_eq(iommupt_unit_id_alloc(f.unit, &id), 0);
	ck_assert_uint_eq(id, 77);
	fix_fini(&f);
}
END_TEST

/*
 * Random alloc/alloc_at/reserve/free over 65536 IDs against a reference
 * set; alloc must give the lowest ID the reference has free.
 */
static void did_stress(uint32_t id_bits, uint32_t min, uint32_t max,
		       unsigned int ops, uint64_t seed)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;
	IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = IOMMUPT_VENDOR_AMD,
		     .id_bits = id_bits, .id_min = min, .id_max = max);
	uint32_t n = 1u << id_bits;
	/* 0 free, 1 allocated, 2 reserved */
	unsigned char *ref = calloc(n, 1);
	uint32_t *live = calloc(n, sizeof(*live));
	uint32_t nlive = 0, lo = min, nfree = max - min + 1;
	uint64_t rnd = seed;

	ck_assert_ptr_nonnull(ref);
	ck_assert_ptr_nonnull(live);
	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	ck_assert_int_eq(iommupt_unit_create(&cfg, iommupt_heap_mem(heap), &u), 0);
	for (unsigned int op = 0; op < ops; op++) {
		uint64_t r = test_rand(&rnd);
		uint32_t id = 0;
		int rc;

		/* Bias towards alloc for the first half, free after. */
		unsigned int kind = (unsigned int)(r % 16);
		bool grow = (op / (ops / 8 + 1)) % 2 == 0;

		if (kind < (grow ? 9u : 5u)) {
			while (lo <= max && ref[lo])
				lo++;
			rc = iommupt_unit_id_alloc(u, &id);
			if (lo > max) {
				ck_assert_int_eq(rc, -ENOSPC);
				continue;
			}
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(id, lo);
			ref[id] = 1;
			live[nlive++] = id;
			nfree--;
		} else if (kind < 11) {
			id = (uint32_t)((r >> 8) % n);
			rc = iommupt_unit_id_alloc_at(u, id);
			if (id < min || id > max) {
				ck_assert_int_eq(rc, -ERANGE);
			} else if (ref[id]) {
				ck_assert_int_eq(rc, -EBUSY);
			} else {
				ck_assert_int_eq(rc, 0);
				ref[id] = 1;
				live[nlive++] = id;
				nfree--;
			}
		} else if (kind == 11) {
			id = (uint32_t)((r >> 8) % n);
			rc = iommupt_unit_id_reserve(u, id);
			if (id < min || id > max) {
				ck_assert_int_eq(rc, -ERANGE);
			} else if (ref[id] == 1) {
				ck_assert_int_eq(rc, -EBUSY);
			} else {
				ck_assert_int_eq(rc, 0);
				if (!ref[id])
					nfree--;
				ref[id] = 2;
			}
		} else if (nlive) {
			uint32_t k = (uint32_t)((r >> 8) % nlive);

			id = live[k];
			live[k] = live[--nlive];
			ck_assert_int_eq(iommupt_unit_id_free(u, id), 0);
			ck_assert_int_eq(iommupt_unit_id_free(u, id), -ENOENT);
			ref[id] = 0;
			if (id < lo)
				lo = id;
			nfree++;
		}
		if (op % 4096 == 0)
			ck_assert_uint_eq(info_of(u).ids_free, nfree);
	}
	/* Iteration sees exactly the reference's allocated IDs. */
	{
		uint32_t from = 0, id, seen = 0;

		while (iommupt_unit_id_next(u, from, &id) == 0) {
			ck_assert_uint_eq(ref[id], 1);
			seen++;
			from = id + 1;
		}
		ck_assert_uint_eq(seen, nlive);
	}
	iommupt_unit_destroy(u);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_destroy(heap);
	free(ref);
	free(live);
}

START_TEST(test_id_stress_against_reference)
{
	did_stress(16, 0, 65535, 400000, 0x1234567);
	did_stress(16, 1000, 60000, 200000, 0xabcdef);
	did_stress(4, 0, 15, 20000, 99);
	did_stress(1, 1, 1, 1000, 5);
}
END_TEST

/* ------------------------------------------------------------- attach */

START_TEST(test_attach_refcounts_id_per_unit)
{
	struct fix f;
	struct iommupt_unit *u2;
	struct iommupt_device *a, *b, *c;
	uint32_t id, id2;

	fix_init(&f);
	unit_new(f.mem, IOMMUPT_VENDOR_AMD, 0, 0, &u2);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 0), 0);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &b), 0);
	ck_assert_int_eq(iommupt_device_create(u2, NULL, &c), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);

	ck_assert_int_eq(iommupt_device_attach(a, f.dom, NULL), 0);
	ck_assert_ptr_eq(iommupt_device_domain(a), f.dom);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), 0);
	ck_assert_uint_eq(id, 1); /* the lowest free */
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 1), -EBUSY);
	ck_assert_int_eq(iommupt_device_attach(b, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id2), 0);
	ck_assert_uint_eq(id2, id);
	ck_assert_uint_eq(nr_allocated(f.unit), 2);
	/* Another unit: another ID. */
	ck_assert_int_eq(iommupt_device_attach(c, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, u2, &id2), 0);
	ck_assert_uint_eq(id2, 0);

	ck_assert_int_eq(iommupt_device_detach(a, NULL), 0);
	ck_assert_ptr_null(iommupt_device_domain(a));
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id2), 0);
	ck_assert_uint_eq(id2, id);
	ck_assert_int_eq(iommupt_device_detach(b, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id2), -ENOENT);
	ck_assert_uint_eq(nr_allocated(f.unit), 1);
	ck_assert_int_eq(iommupt_device_detach(c, NULL), 0);
	ck_assert_uint_eq(nr_allocated(u2), 0);
	/* Detaching a detached device is a no-op. */
	ck_assert_int_eq(iommupt_device_detach(c, NULL), 0);
	ck_assert_int_eq(iommupt_device_detach(NULL, NULL), -EINVAL);
	iommupt_device_destroy(a);
	iommupt_device_destroy(b);
	iommupt_device_destroy(NULL);
	iommupt_unit_destroy(u2); /* destroys c */
	fix_fini(&f);
}
END_TEST

START_TEST(test_attach_twice_is_ebusy_replace_swaps)
{
	struct fix f;
	struct iommupt_domain *d2;
	struct iommupt_device *a;
	uint32_t id1, id2;

	fix_init(&f);
	dom_new(f.mem, &d2);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_attach(a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(a, f.dom, NULL), -EBUSY);
	ck_assert_int_eq(iommupt_device_attach(a, d2, NULL), -EBUSY);
	ck_assert_int_eq(iommupt_domain_get_id(d2, f.unit, &id2), -ENOENT);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id1), 0);

	ck_assert_int_eq(iommupt_device_replace(a, f.dom, NULL, NULL), 0);
	ck_assert_ptr_eq(iommupt_device_domain(a), f.dom);
	ck_assert_int_eq(iommupt_device_replace(a, d2, NULL, NULL), 0);
	ck_assert_ptr_eq(iommupt_device_domain(a), d2);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id1), -ENOENT);
	ck_assert_int_eq(iommupt_domain_get_id(d2, f.unit, &id2), 0);
	ck_assert_uint_eq(nr_allocated(f.unit), 1);
	/* Replace on a detached device attaches. */
	ck_assert_int_eq(iommupt_device_detach(a, NULL), 0);
	ck_assert_int_eq(iommupt_device_replace(a, f.dom, NULL, NULL), 0);
	ck_assert_ptr_eq(iommupt_device_domain(a), f.dom);
	ck_assert_int_eq(iommupt_device_replace(NULL, f.dom, NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_device_attach(NULL, f.dom, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_device_attach(a, NULL, NULL), -EINVAL);
	iommupt_domain_destroy(d2);
	fix_fini(&f);
}
END_TEST

START_TEST(test_attach_incompatible_is_einval_and_changes_nothing)
{
	struct fix f;
	struct iommupt_domain *x86;
	IOMMUPT_OPTS(iommupt_domain_cfg, xcfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	static const struct iommupt_unit_cfg units[] = {
		/* format not walked */
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = IOMMUPT_VENDOR_VTD,
		  .formats = 1u << IOMMUPT_FMT_X86_64 },
		/* input width too small for 4 levels (48 bits) */
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = IOMMUPT_VENDOR_VTD,
		  .ias_lg2 = 39 },
		/* output width */
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = IOMMUPT_VENDOR_VTD,
		  .oas_lg2 = 39 },
		/* no 1G pages */
		{ .sz = sizeof(struct iommupt_unit_cfg), .vendor = IOMMUPT_VENDOR_VTD,
		  .pgsize_bitmap = (1ull << 12) | (1ull << 21) },
	};
	struct iommupt_device *a;
	struct iommupt_domain *d2;

	fix_init(&f);
	for (unsigned int i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		struct iommupt_unit *u;
		uint32_t id;

		ck_assert_int_eq(iommupt_unit_create(&units[i], f.mem, &u), 0);
		ck_assert_int_eq(iommupt_device_create(u, NULL, &a), 0);
		ck_assert_int_eq(iommupt_device_attach(a, f.dom, NULL), -EINVAL);
		ck_assert_ptr_null(iommupt_device_domain(a));
		ck_assert_int_eq(iommupt_domain_get_id(f.dom, u, &id), -ENOENT);
		ck_assert_uint_eq(nr_allocated(u), 0);
		iommupt_unit_destroy(u);
	}
	/* The format mask accepts the other format. */
	ck_assert_int_eq(iommupt_domain_create(&xcfg, f.mem, &x86), 0);
	{
		struct iommupt_unit *u;

		ck_assert_int_eq(iommupt_unit_create(&units[0], f.mem, &u), 0);
		ck_assert_int_eq(iommupt_device_create(u, NULL, &a), 0);
		ck_assert_int_eq(iommupt_device_attach(a, x86, NULL), 0);
		/* Replace to a domain it cannot walk: stays where it was. */
		ck_assert_int_eq(iommupt_device_replace(a, f.dom, NULL, NULL), -EINVAL);
		ck_assert_ptr_eq(iommupt_device_domain(a), x86);
		iommupt_unit_destroy(u);
	}
	/* Dirty tracking needs a unit with dirty support. */
	dom_new(f.mem, &d2);
	ck_assert_int_eq(iommupt_domain_set_needs(d2, 1u << 5), -EINVAL);
	ck_assert_int_eq(iommupt_domain_set_needs(NULL, 0), -EINVAL);
	ck_assert_int_eq(iommupt_domain_set_needs(d2, IOMMUPT_NEED_DIRTY), 0);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_attach(a, d2, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_domain_set_needs(d2, 0), 0);
	ck_assert_int_eq(iommupt_device_attach(a, d2, NULL), 0);
	ck_assert_int_eq(iommupt_domain_set_needs(d2, IOMMUPT_NEED_DIRTY), -EINVAL);
	{
		struct iommupt_unit *ud;
		struct iommupt_device *b;

		unit_new(f.mem, IOMMUPT_VENDOR_VTD, IOMMUPT_UNIT_DIRTY, 6, &ud);
		ck_assert_int_eq(iommupt_device_create(ud, NULL, &b), 0);
		ck_assert_int_eq(iommupt_device_detach(a, NULL), 0);
		ck_assert_int_eq(iommupt_domain_set_needs(d2, IOMMUPT_NEED_DIRTY), 0);
		ck_assert_int_eq(iommupt_device_attach(b, d2, NULL), 0);
		iommupt_unit_destroy(ud);
		/* Tracking turned on counts as a need too. */
		ck_assert_int_eq(iommupt_domain_set_needs(d2, 0), 0);
		ck_assert_int_eq(iommupt_domain_set_dirty_tracking(d2, 1, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(a, d2, NULL), -EINVAL);
		ck_assert_int_eq(iommupt_domain_set_dirty_tracking(d2, 0, NULL), 0);
		ck_assert_int_eq(iommupt_device_attach(a, d2, NULL), 0);
	}
	iommupt_domain_destroy(d2);
	iommupt_domain_destroy(x86);
	fix_fini(&f);
}
END_TEST

START_TEST(test_attach_without_free_id_is_enospc)
{
	struct iommupt_heap *heap;
	struct iommupt_unit *u;
	struct iommupt_domain *d1, *d2;
	struct iommupt_device *a, *b;
	IOMMUPT_OPTS(iommupt_unit_cfg, cfg, .vendor = IOMMUPT_VENDOR_SMMUV3,
		     .id_bits = 1, .id_min = 1, .id_max = 1);
	uint32_t id;

	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	ck_assert_int_eq(iommupt_unit_create(&cfg, iommupt_heap_mem(heap), &u), 0);
	dom_new(iommupt_heap_mem(heap), &d1);
	dom_new(iommupt_heap_mem(heap), &d2);
	ck_assert_int_eq(iommupt_device_create(u, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_create(u, NULL, &b), 0);
	ck_assert_int_eq(iommupt_device_attach(a, d1, NULL), 0);
	ck_assert_int_eq(iommupt_device_attach(b, d2, NULL), -ENOSPC);
	ck_assert_int_eq(iommupt_domain_get_id(d2, u, &id), -ENOENT);
	/* Replace a onto d2 needs a second ID too: a stays on d1. */
	ck_assert_int_eq(iommupt_device_replace(a, d2, NULL, NULL), -ENOSPC);
	ck_assert_ptr_eq(iommupt_device_domain(a), d1);
	iommupt_domain_destroy(d1); /* lets a go and frees its ID */
	ck_assert_ptr_null(iommupt_device_domain(a));
	ck_assert_int_eq(iommupt_device_attach(b, d2, NULL), 0);
	iommupt_domain_destroy(d2);
	iommupt_unit_destroy(u);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	ck_assert_uint_eq(iommupt_heap_live_pages(heap), 0);
	iommupt_heap_destroy(heap);
}
END_TEST

START_TEST(test_restore_id_reclaimed_by_first_attach)
{
	struct fix f;
	struct iommupt_domain *d2;
	struct iommupt_device *a;
	uint32_t id;

	fix_init(&f);
	dom_new(f.mem, &d2);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 7), 0);
	ck_assert_int_eq(iommupt_domain_restore_id(f.dom, f.unit, 7), -EBUSY);
	ck_assert_int_eq(iommupt_domain_restore_id(f.dom, f.unit, 999), -ERANGE);
	ck_assert_int_eq(iommupt_domain_restore_id(f.dom, f.unit, 42), 0);
	ck_assert_int_eq(iommupt_domain_restore_id(f.dom, f.unit, 43), -EEXIST);
	ck_assert_int_eq(iommupt_domain_restore_id(d2, f.unit, 42), -EBUSY);
	ck_assert_int_eq(iommupt_domain_restore_id(NULL, f.unit, 42), -EINVAL);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), 0);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_attach(a, f.dom, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), 0);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(iommupt_device_detach(a, NULL), 0);
	ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 42), 0);
	ck_assert_int_eq(iommupt_unit_id_free(f.unit, 42), 0);
	/* A held ID never attached goes with the domain... */
	ck_assert_int_eq(iommupt_domain_restore_id(d2, f.unit, 50), 0);
	iommupt_domain_destroy(d2);
	ck_assert_int_eq(iommupt_unit_id_alloc_at(f.unit, 50), 0);
	/* ...or with the unit. */
	ck_assert_int_eq(iommupt_domain_restore_id(f.dom, f.unit, 51), 0);
	iommupt_unit_destroy(f.unit);
	f.unit = NULL;
	{
		struct iommupt_unit *u;

		unit_new(f.mem, IOMMUPT_VENDOR_AMD, 0, 0, &u);
		ck_assert_int_eq(iommupt_domain_get_id(f.dom, u, &id), -ENOENT);
		ck_assert_int_eq(iommupt_domain_get_id(NULL, u, &id), -EINVAL);
		iommupt_unit_destroy(u);
	}
	fix_fini(&f);
}
END_TEST

START_TEST(test_device_create_checks)
{
	struct fix f;
	struct iommupt_device *a = (void *)1;
	struct {
		struct iommupt_device_opts o;
		uint64_t extra;
	} big = { { .sz = sizeof(big), .rid = 0x10 }, 1 };
	IOMMUPT_OPTS(iommupt_device_opts, opts, .rid = 0x100);

	fix_init(&f);
	ck_assert_int_eq(iommupt_device_create(NULL, NULL, &a), -EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, NULL), -EINVAL);
	ck_assert_int_eq(iommupt_device_create(f.unit, &big.o, &a), -EINVAL);
	ck_assert_int_eq(iommupt_device_create(f.unit, &opts, &a), 0);
	ck_assert_ptr_null(iommupt_device_domain(NULL));
	iommupt_heap_fail_nth(f.heap, 1);
	ck_assert_int_eq(iommupt_device_create(f.unit, &opts, &a), -ENOMEM);
	ck_assert_ptr_null(a);
	fix_fini(&f);
}
END_TEST

static struct iommupt_resv_region identity(uint64_t start, uint64_t last)
{
	struct iommupt_resv_region r = { start, last, IOMMUPT_RESV_IDENTITY, 0 };

	return r;
}

static int count_leaf(void *ctx, const struct iommupt_leaf *leaf)
{
	(void)leaf;
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t leaves(struct iommupt_domain *d)
{
	uint64_t n = 0;

	ck_assert_int_eq(iommupt_domain_walk(d, 0, 0, count_leaf, &n), 0);
	return n;
}

/*
 * Fail every allocation attach makes in turn: -ENOMEM, no ID on the unit,
 * no identity map, the device detached. Then the same for replace: the
 * device stays on its old domain, the new one gets nothing.
 */
START_TEST(test_attach_alloc_failure_at_each_step)
{
	struct fix f;
	struct iommupt_domain *d2;
	struct iommupt_device *a, *b;
	struct iommupt_resv_region r[3] = {
		identity(0x10000000, 0x103fffff),           /* 2M pages */
		identity(0x7fff0000ull << 12, (0x7fff0000ull << 12) + 0x2fff),
		{ 0x20000000, 0x2000ffff, IOMMUPT_RESV_RESERVED, 0 },
	};
	uint64_t nth;
	uint32_t id;
	int rc;

	fix_init(&f);
	dom_new(f.mem, &d2);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &a), 0);
	ck_assert_int_eq(iommupt_device_create(f.unit, NULL, &b), 0);
	ck_assert_int_eq(iommupt_device_set_resv(a, r, 3), 0);
	for (nth = 1;; nth++) {
		struct iommupt_gather g;

		iommupt_gather_init(&g);
		iommupt_heap_fail_nth(f.heap, nth);
		rc = iommupt_device_attach(a, f.dom, &g);
		iommupt_gather_release(&g);
		if (!iommupt_heap_failed(f.heap))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_null(iommupt_device_domain(a));
		ck_assert_int_eq(iommupt_domain_get_id(f.dom, f.unit, &id), -ENOENT);
		ck_assert_uint_eq(nr_allocated(f.unit), 0);
		ck_assert_uint_eq(leaves(f.dom), 0);
		ck_assert_int_eq(iommupt_domain_validate(f.dom, NULL, NULL), 0);
	}
	iommupt_heap_fail_nth(f.heap, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_gt(nth, 3); /* record, then tables for two regions */
	ck_assert_uint_eq(leaves(f.dom), 2 + 3);
	/* b holds the old domain's ID while a moves. */
	ck_assert_int_eq(iommupt_device_attach(b, f.dom, NULL), 0);
	for (nth = 1;; nth++) {
		struct iommupt_gather gn, go;

		iommupt_gather_init(&gn);
		iommupt_gather_init(&go);
		iommupt_heap_fail_nth(f.heap, nth);
		rc = iommupt_device_replace(a, d2, &gn, &go);
		iommupt_gather_release(&gn);
		iommupt_gather_release(&go);
		if (!iommupt_heap_failed(f.heap))
			break;
		ck_assert_int_eq(rc, -ENOMEM);
		ck_assert_ptr_eq(iommupt_device_domain(a), f.dom);
		ck_assert_int_eq(iommupt_domain_get_id(d2, f.unit, &id), -ENOENT);
		ck_assert_uint_eq(nr_allocated(f.unit), 1);
		ck_assert_uint_eq(leaves(d2), 0);
		ck_assert_uint_eq(leaves(f.dom), 5);
	}
	iommupt_heap_fail_nth(f.heap, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_eq(iommupt_device_domain(a), d2);
	ck_assert_uint_eq(leaves(d2), 5);
	ck_assert_uint_eq(leaves(f.dom), 0); /* b needs no identity map */
	ck_assert_uint_eq(nr_allocated(f.unit), 2);
	iommupt_domain_destroy(d2);
	ck_assert_uint_eq(nr_allocated(f.unit), 1);
	fix_fini(&f);
}
END_TEST

Suite *domains_suite(void);
Suite *domains_suite(void)
{
	Suite *s = suite_create("domains");
	TCase *tc;

	tc = test_tcase("units");
	tcase_add_test(tc, test_vtd_nd_gives_4_plus_2nd_bits);
	tcase_add_test(tc, test_vtd_caching_mode_reserves_id_0);
	tcase_add_test(tc, test_amd_and_smmu_id_widths);
	tcase_add_test(tc, test_unit_explicit_id_range);
	tcase_add_test(tc, test_unit_create_rejects_bad_cfg);
	tcase_add_test(tc, test_unit_create_alloc_failure_at_each_step);
	suite_add_tcase(s, tc);

	tc = test_tcase("ids");
	tcase_add_test(tc, test_id_alloc_lowest_at_reserve_free_next);
	tcase_add_test(tc, test_id_stress_against_reference);
	suite_add_tcase(s, tc);

	tc = test_tcase("attach");
	tcase_add_test(tc, test_attach_refcounts_id_per_unit);
	tcase_add_test(tc, test_attach_twice_is_ebusy_replace_swaps);
	tcase_add_test(tc, test_attach_incompatible_is_einval_and_changes_nothing);
	tcase_add_test(tc, test_attach_without_free_id_is_enospc);
	tcase_add_test(tc, test_restore_id_reclaimed_by_first_attach);
	tcase_add_test(tc, test_device_create_checks);
	tcase_add_test(tc, test_attach_alloc_failure_at_each_step);
	suite_add_tcase(s, tc);
	return s;
}
