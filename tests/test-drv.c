// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libiommudrv without hardware: the /dev/mem backend over an ordinary file,
 * the pinned provider (where pagemap shows frame numbers), and the VT-d
 * driver's register and descriptor traffic against a small fake register
 * file that logs what the driver asks for. The driver against real
 * (emulated) hardware is tests/qemu/run-vtd.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>

#include "helpers.h"

/* ---- /dev/mem backend over a file ------------------------------------ */

static char *make_file(size_t len, int byte)
{
	static char path[64];
	unsigned char *buf = malloc(len);
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/iommudrv-test-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < len; i++)
		buf[i] = byte >= 0 ? (unsigned char)byte : (unsigned char)i;
	f = fdopen(fd, "w");
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
	return path;
}

START_TEST(test_devmem_accesses_are_sized_aligned_and_bounded)
{
	char *path = make_file(8192, -1);
	struct iommudrv_devmem *dm;
	const struct iommupt_mmio *m;
	uint64_t v;

	/* A block starting inside a page: offset 0 is file byte 0x1010. */
	ck_assert_int_eq(iommudrv_devmem_open(path, 0x1010, 0x40, &dm), 0);
	m = iommudrv_devmem_mmio(dm);
	ck_assert_int_eq(m->read(m->ctx, 0, 1, &v), 0);
	ck_assert_uint_eq(v, 0x10);
	ck_assert_int_eq(m->read(m->ctx, 2, 2, &v), 0);
	ck_assert_uint_eq(v, 0x1312);
	ck_assert_int_eq(m->read(m->ctx, 4, 4, &v), 0);
	ck_assert_uint_eq(v, 0x17161514);
	ck_assert_int_eq(m->read(m->ctx, 8, 8, &v), 0);
	ck_assert_uint_eq(v, 0x1f1e1d1c1b1a1918ull);
	ck_assert_int_eq(m->write(m->ctx, 0x38, 8, 0x1122334455667788ull), 0);
	ck_assert_int_eq(m->read(m->ctx, 0x38, 4, &v), 0);
	ck_assert_uint_eq(v, 0x55667788);
	ck_assert_int_eq(m->read(m->ctx, 1, 4, &v), -EINVAL);
	ck_assert_int_eq(m->read(m->ctx, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(m->read(m->ctx, 0x40, 4, &v), -ERANGE);
	ck_assert_int_eq(m->write(m->ctx, 0x3c, 8, 0), -EINVAL);
	ck_assert_int_eq(m->write(m->ctx, 0x40, 8, 0), -ERANGE);
	iommudrv_devmem_close(dm);
	iommudrv_devmem_close(NULL);
	unlink(path);
}
END_TEST

START_TEST(test_devmem_open_errors)
{
	struct iommudrv_devmem *dm = (void *)1;

	ck_assert_int_eq(iommudrv_devmem_open("/nonexistent/x", 0, 16, &dm),
			 -ENOENT);
	ck_assert_ptr_null(dm);
	ck_assert_int_eq(iommudrv_devmem_open("/dev/null", 0, 0, &dm), -EINVAL);
	ck_assert_int_eq(iommudrv_devmem_open(NULL, 0, 16, NULL), -EINVAL);
	ck_assert_ptr_null(iommudrv_devmem_mmio(NULL));
}
END_TEST

/* ---- pinned provider -------------------------------------------------- */

START_TEST(test_pinned_blocks_are_aligned_and_resolvable)
{
	struct iommudrv_pinned *pin;
	const struct iommupt_mem *mem;
	void *a, *b, *h;
	uint64_t pa, pb, ph, check;
	int ret;

	ck_assert_int_eq(iommudrv_pinned_create(NULL, &pin), 0);
	mem = iommudrv_pinned_mem(pin);
	ret = iommudrv_pinned_alloc(pin, 12, &a, &pa);
	if (ret == -EPERM) {
		/* pagemap hides frame numbers without CAP_SYS_ADMIN */
		iommudrv_pinned_destroy(pin);
		return;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(pa & 0xfff, 0);
	ck_assert_int_eq(iommudrv_virt_to_phys(a, &check), 0);
	ck_assert_uint_eq(check, pa);
	ck_assert_ptr_eq(mem->oa_to_cpu(mem->ctx, pa + 8), (char *)a + 8);
	ck_assert_int_eq(mem->alloc_table(mem->ctx, 12, &b, &pb), 0);
	ck_assert_uint_ne(pa, pb);
	ck_assert_int_eq(((unsigned char *)b)[100], 0);

	ret = iommudrv_pinned_alloc(pin, 21, &h, &ph);
	if (ret == 0) {
		ck_assert_uint_eq(ph & ((1u << 21) - 1), 0);
		ck_assert_int_eq(iommudrv_virt_to_phys((char *)h + 0x1ff000,
						       &check), 0);
		ck_assert_uint_eq(check, ph + 0x1ff000);
		ck_assert(iommudrv_pinned_has_huge(pin));
		iommudrv_pinned_free(pin, h, 21);
	} else {
		ck_assert_int_eq(ret, -ENOMEM);
		ck_assert(!iommudrv_pinned_has_huge(pin));
	}
	ck_assert_int_eq(iommudrv_pinned_alloc(pin, 22, &h, &ph), -EINVAL);
	mem->free_table(mem->ctx, b, pb, 12);
	iommudrv_pinned_free(pin, a, 12);
	iommudrv_pinned_destroy(pin);
	iommudrv_pinned_destroy(NULL);
}
END_TEST

START_TEST(test_pinned_rejects_unknown_options)
{
	struct {
		struct iommudrv_pinned_opts o;
		uint64_t future;
	} big = { .o = { .sz = sizeof(big) }, .future = 1 };
	struct iommudrv_pinned *pin;

	ck_assert_int_eq(iommudrv_pinned_create(&big.o, &pin), -EINVAL);
	big.future = 0;
	ck_assert_int_eq(iommudrv_pinned_create(&big.o, &pin), 0);
	iommudrv_pinned_destroy(pin);
}
END_TEST

/* ---- VT-d against a fake register file -------------------------------- */

#define F_GCMD 0x18
#define F_GSTS 0x1c
#define F_RTADDR 0x20
#define F_CCMD 0x28
#define F_FSTS 0x34
#define F_IQH 0x80
#define F_IQT 0x88
#define F_IQA 0x90
#define F_IOTLB_BASE 0x100 /* ECAP.IRO = 0x10 */
#define F_FRCD 0x200       /* CAP.FRO = 0x20 */

struct fake {
	struct iommupt_mmio mmio;
	const struct iommupt_mem *mem;
	uint8_t regs[0x400];
	uint64_t log[64][2]; /* descriptors or register commands, in order */
	unsigned int nlog;
};

static uint64_t get(struct fake *f, unsigned int off, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, f->regs + off, size);
	return v;
}

static void set(struct fake *f, unsigned int off, unsigned int size,
		uint64_t v)
{
	memcpy(f->regs + off, &v, size);
}

static void *oa_cpu(struct fake *f, uint64_t oa)
{
	if (f->mem->oa_to_cpu)
		return f->mem->oa_to_cpu(f->mem->ctx, oa);
	return (void *)(uintptr_t)(oa + (uint64_t)f->mem->cpu_offset);
}

static int fake_read(void *ctx, uint64_t off, unsigned int size, uint64_t *v)
{
	*v = get(ctx, (unsigned int)off, size);
	return 0;
}

static void log_cmd(struct fake *f, uint64_t a, uint64_t b)
{
	ck_assert_uint_lt(f->nlog, 64);
	f->log[f->nlog][0] = a;
	f->log[f->nlog][1] = b;
	f->nlog++;
}

static int fake_write(void *ctx, uint64_t off, unsigned int size, uint64_t v)
{
	struct fake *f = ctx;

	switch (off) {
	case F_GCMD: /* status follows command; WBF completes at once */
		set(f, F_GSTS, 4, v & ~(1ull << 27));
		break;
	case F_CCMD:
		log_cmd(f, 0xcc, v);
		set(f, F_CCMD, 8, v & ~(1ull << 63));
		break;
	case F_IOTLB_BASE + 8:
		log_cmd(f, 0x71b, v);
		log_cmd(f, 0x1fa, get(f, F_IOTLB_BASE, 8));
		set(f, (unsigned int)off, 8, v & ~(1ull << 63));
		break;
	case F_FSTS:
		set(f, F_FSTS, 4, get(f, F_FSTS, 4) & ~(v & 0x7d));
		break;
	case F_FRCD + 12: /* F is RW1C */
		if (v & 0x80000000u)
			set(f, F_FRCD + 12, 4, get(f, F_FRCD + 12, 4) & 0x7fffffff);
		break;
	case F_IQT: {
		unsigned int dsz = get(f, F_IQA, 8) & (1u << 11) ? 32 : 16;
		uint64_t base = get(f, F_IQA, 8) & ~0xfffull;
		uint64_t head = get(f, F_IQH, 8);

		set(f, F_IQT, 8, v);
		while (head != v) {
			uint64_t *d = oa_cpu(f, base + head);

			log_cmd(f, d[0], d[1]);
			if ((d[0] & 0xf) == 5 && (d[0] & (1u << 5)))
				*(uint32_t *)oa_cpu(f, d[1]) =
					(uint32_t)(d[0] >> 32);
			head = (head + dsz) % 4096;
		}
		set(f, F_IQH, 8, head);
		break;
	}
	default:
		set(f, (unsigned int)off, size, v);
	}
	return 0;
}

static struct iommupt_heap *heap;
static struct fake fk;

static void fake_init(int nd, uint64_t sagaw)
{
	memset(&fk, 0, sizeof(fk));
	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	fk.mem = iommupt_heap_mem(heap);
	fk.mmio.ctx = &fk;
	fk.mmio.read = fake_read;
	fk.mmio.write = fake_write;
	set(&fk, 0x00, 4, 0x10);
	/* ND, SAGAW, MGAW 48, FRO 0x20, 2M pages, PSI, 1 record, MAMV 9 */
	set(&fk, 0x08, 8,
	    (uint64_t)nd | sagaw << 8 | 47ull << 16 | 0x20ull << 24 |
		    1ull << 34 | 1ull << 39 | 9ull << 48);
	/* coherent, QI, IRO 0x10 */
	set(&fk, 0x10, 8, 1ull | 1ull << 1 | 0x10ull << 8);
}

static void fake_fini(void)
{
	iommupt_heap_destroy(heap);
	heap = NULL;
}

static struct iommudrv_vtd *vtd_up(uint32_t flags)
{
	IOMMUPT_OPTS(iommudrv_vtd_opts, o, .unit = 3, .flags = flags);
	struct iommudrv_vtd *v;

	ck_assert_int_eq(iommudrv_vtd_create(&fk.mmio, fk.mem, &o, &v), 0);
	ck_assert_int_eq(iommudrv_vtd_enable(v), 0);
	return v;
}

static struct iommupt_domain *vtd_domain(unsigned int levels, uint64_t pgsz)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = levels, .pgsize_bitmap = pgsz);
	struct iommupt_domain *d;

	ck_assert_int_eq(iommupt_domain_create(&cfg, fk.mem, &d), 0);
	return d;
}

START_TEST(test_vtd_create_rejects_absent_unit)
{
	struct iommudrv_vtd *v = (void *)1;

	fake_init(6, 0x4);
	memset(fk.regs, 0xff, sizeof(fk.regs)); /* nothing decodes the block */
	ck_assert_int_eq(iommudrv_vtd_create(&fk.mmio, fk.mem, NULL, &v),
			 -ENODEV);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(iommupt_heap_live_pages(heap), 0);
	iommudrv_vtd_destroy(NULL);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_enable_sets_root_queue_and_translation)
{
	struct iommudrv_vtd *v;

	fake_init(6, 0x4);
	v = vtd_up(0);
	ck_assert_uint_eq(get(&fk, F_GSTS, 4) & 0x84000000u, 0x84000000u);
	ck_assert_uint_ne(get(&fk, F_RTADDR, 8), 0);
	/* global context-cache, global IOTLB, then the wait descriptor */
	ck_assert_uint_eq(fk.nlog, 3);
	ck_assert_uint_eq(fk.log[0][0], 0x1 | 1u << 4);
	ck_assert_uint_eq(fk.log[1][0] & 0xff, 0x2 | 1u << 4);
	ck_assert_uint_eq(fk.log[2][0] & 0xf, 0x5);
	iommudrv_vtd_destroy(v);
	ck_assert_uint_eq(get(&fk, F_GSTS, 4) & 0x84000000u, 0);
	ck_assert_int_eq(iommupt_heap_live_pages(heap), 0);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_attach_writes_root_and_context_entries)
{
	struct iommupt_domain *d;
	struct iommudrv_vtd *v;
	IOMMUPT_OPTS(iommupt_domain_info, info);
	uint64_t *root, *ctx;

	fake_init(6, 0x4);
	v = vtd_up(0);
	d = vtd_domain(4, 0x201000);
	ck_assert_int_eq(iommupt_domain_get_info(d, &info), 0);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 0x0108, d, 5), 0);
	root = oa_cpu(&fk, get(&fk, F_RTADDR, 8) & ~0xfffull);
	ck_assert_uint_eq(root[2] & 1, 1); /* bus 1 */
	ctx = oa_cpu(&fk, root[2] & ~0xfffull);
	ck_assert_uint_eq(ctx[8 * 2], info.root_oa | 1);
	ck_assert_uint_eq(ctx[8 * 2 + 1], 2 | 5u << 8); /* AW 48-bit, DID 5 */
	ck_assert_int_eq(iommudrv_vtd_detach(v, 0x0108), 0);
	ck_assert_uint_eq(ctx[8 * 2], 0);
	ck_assert_int_eq(iommudrv_vtd_detach(v, 0x0108), -ENOENT);
	iommudrv_vtd_destroy(v);
	iommupt_domain_destroy(d);
	ck_assert_int_eq(iommupt_heap_live_pages(heap), 0);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_attach_refuses_what_the_unit_lacks)
{
	struct iommupt_domain *d5, *d1g, *d4;
	struct iommudrv_vtd *v;

	fake_init(2, 0x4); /* 256 domain IDs, 4-level tables only */
	v = vtd_up(0);
	d5 = vtd_domain(5, 0x201000);
	d1g = vtd_domain(4, 0);
	d4 = vtd_domain(4, 0x201000);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d5, 1), -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d1g, 1), -EOPNOTSUPP);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d4, 256), -ERANGE);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d4, 255), 0);
	iommudrv_vtd_destroy(v);
	iommupt_domain_destroy(d5);
	iommupt_domain_destroy(d1g);
	iommupt_domain_destroy(d4);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_flush_picks_page_or_domain_invalidation)
{
	struct iommupt_domain *d;
	struct iommudrv_vtd *v;
	struct iommupt_gather g;
	unsigned int n;

	fake_init(6, 0x4);
	v = vtd_up(0);
	d = vtd_domain(4, 0x201000);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d, 7), 0);

	/* Mapping only: nothing to invalidate without caching mode. */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(d, 0x5000, 0x80000000, 0x1000,
					    IOMMUPT_READ, &g), 0);
	ck_assert_int_eq(iommupt_domain_map(d, 0x1ff000, 0x80200000, 0x2000,
					    IOMMUPT_READ, &g), 0);
	n = fk.nlog;
	ck_assert_int_eq(iommudrv_vtd_flush(v, 7, &g), 0);
	ck_assert_uint_eq(fk.nlog, n);
	iommupt_gather_release(&g);

	/* One 4K page: page-selective, AM 0, leaf-only hint. */
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(d, 0x5000, 0x1000, 0, &g, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_flush(v, 7, &g), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(fk.nlog, n + 2);
	ck_assert_uint_eq(fk.log[n][0], 0x2 | 3u << 4 | 7u << 16);
	ck_assert_uint_eq(fk.log[n][1], 0x5000 | 1u << 6);

	/* Two pages across a 4M boundary need AM 10 > MAMV 9: domain. */
	n = fk.nlog;
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(d, 0x1ff000, 0x2000, 0, &g, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_flush(v, 7, &g), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(fk.log[n][0], 0x2 | 2u << 4 | 7u << 16);

	iommudrv_vtd_destroy(v);
	iommupt_domain_destroy(d);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_register_invalidation_without_queue)
{
	struct iommupt_domain *d;
	struct iommudrv_vtd *v;
	struct iommupt_gather g;
	unsigned int n;

	fake_init(6, 0x4);
	v = vtd_up(IOMMUDRV_VTD_NO_QI);
	ck_assert_uint_eq(get(&fk, F_GSTS, 4) & (1u << 26), 0); /* no QIE */
	d = vtd_domain(4, 0x201000);
	ck_assert_int_eq(iommudrv_vtd_attach(v, 8, d, 7), 0);
	ck_assert_int_eq(iommupt_domain_map(d, 0x3000, 0x80000000, 0x1000,
					    IOMMUPT_WRITE, NULL), 0);
	n = fk.nlog;
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_unmap(d, 0x3000, 0x1000, 0, &g, NULL), 0);
	ck_assert_int_eq(iommudrv_vtd_flush(v, 7, &g), 0);
	iommupt_gather_release(&g);
	ck_assert_uint_eq(fk.nlog, n + 2);
	ck_assert_uint_eq(fk.log[n][0], 0x71b);
	ck_assert_uint_eq(fk.log[n][1], 1ull << 63 | 3ull << 60 | 7ull << 32);
	ck_assert_uint_eq(fk.log[n + 1][1], 0x3000 | 1u << 6);
	iommudrv_vtd_destroy(v);
	iommupt_domain_destroy(d);
	fake_fini();
}
END_TEST

START_TEST(test_vtd_fault_records_are_read_and_cleared)
{
	struct iommudrv_fault f[2];
	struct iommudrv_vtd *v;
	unsigned int n;

	fake_init(6, 0x4);
	v = vtd_up(0);
	set(&fk, F_FRCD, 8, 0x12345000);
	set(&fk, F_FRCD + 8, 8, 1ull << 63 | 1ull << 62 | 6ull << 32 | 0x0108);
	ck_assert_int_eq(iommudrv_vtd_read_faults(v, f, 2, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(f[0].unit, 3);
	ck_assert_uint_eq(f[0].source_id, 0x0108);
	ck_assert_uint_eq(f[0].iova, 0x12345000);
	ck_assert_uint_eq(f[0].access, IOMMUDRV_ACCESS_READ);
	ck_assert_uint_eq(f[0].vendor_reason, 6);
	ck_assert_uint_eq(f[0].reason, IOMMUDRV_FAULT_TRANSLATION);
	ck_assert_uint_eq(get(&fk, F_FRCD + 8, 8) >> 63, 0);
	ck_assert_int_eq(iommudrv_vtd_read_faults(v, f, 2, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* Overflow is reported once and cleared. */
	set(&fk, F_FSTS, 4, 1);
	ck_assert_int_eq(iommudrv_vtd_read_faults(v, f, 2, &n), 1);
	ck_assert_int_eq(iommudrv_vtd_read_faults(v, f, 2, &n), 0);
	for (uint32_t r = 0; r < 8; r++)
		ck_assert_ptr_nonnull(iommudrv_fault_reason_str(r));
	iommudrv_vtd_destroy(v);
	fake_fini();
}
END_TEST

Suite *drv_suite(void);
Suite *drv_suite(void)
{
	Suite *s = suite_create("drv");
	TCase *tc = test_tcase("devmem");

	tcase_add_test(tc, test_devmem_accesses_are_sized_aligned_and_bounded);
	tcase_add_test(tc, test_devmem_open_errors);
	suite_add_tcase(s, tc);
	tc = test_tcase("pinned");
	tcase_add_test(tc, test_pinned_blocks_are_aligned_and_resolvable);
	tcase_add_test(tc, test_pinned_rejects_unknown_options);
	suite_add_tcase(s, tc);
	tc = test_tcase("vtd");
	tcase_add_test(tc, test_vtd_create_rejects_absent_unit);
	tcase_add_test(tc, test_vtd_enable_sets_root_queue_and_translation);
	tcase_add_test(tc, test_vtd_attach_writes_root_and_context_entries);
	tcase_add_test(tc, test_vtd_attach_refuses_what_the_unit_lacks);
	tcase_add_test(tc, test_vtd_flush_picks_page_or_domain_invalidation);
	tcase_add_test(tc, test_vtd_register_invalidation_without_queue);
	tcase_add_test(tc, test_vtd_fault_records_are_read_and_cleared);
	suite_add_tcase(s, tc);
	return s;
}
