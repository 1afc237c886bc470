// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The UIO backend against a fake sysfs tree and /dev directory built here:
 * what binding writes where (unbind, driver_override or new_id, bind),
 * what it refuses to touch, BAR mapping through a resource file, config
 * space accesses and the command register bits, the INTx count read, and
 * bus addresses from pagemap against the DMA mask. The backend with
 * uio_pci_generic and edu is tests/qemu/run-vfio.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iommupt/drv-uio.h>
#include <iommupt/drv.h>
#include <iommupt/provider.h>
#include <dirent.h>

#include "helpers.h"

#define BDF "0000:00:03.0"

static char root[64], sysfs[128], devdir[128];

static void path_of(char *buf, size_t sz, const char *rel)
{
	snprintf(buf, sz, "%s/%s", root, rel);
}

static void put(const char *rel, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static size_t get(const char *rel, void *buf, size_t sz)
{
	char path[512];
	FILE *f;
	size_t n;

	path_of(path, sizeof(path), rel);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sz, f);
	fclose(f);
	return n;
}

static void getstr(const char *rel, char *buf, size_t sz)
{
	size_t n = get(rel, buf, sz - 1);

	buf[n] = 0;
}

static void mkdirs(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	ck_assert_int_eq(system(cmd), 0);
}

/* edu at BDF bound to driver (NULL: none); override: has driver_override. */
static void tree(const char *driver, int override)
{
	uint8_t cfg[256] = { 0x34, 0x12, 0xe8, 0x11 };
	char rel[256], target[128];

	snprintf(root, sizeof(root), "/tmp/iommupt-uio-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(sysfs, sizeof(sysfs), "%s/sys", root);
	snprintf(devdir, sizeof(devdir), "%s/dev", root);
	mkdirs("sys/bus/pci/devices/" BDF "/uio/uio3");
	mkdirs("sys/bus/pci/drivers/uio_pci_generic");
	mkdirs("sys/bus/pci/drivers/edu-host");
	mkdirs("dev");
	put("sys/bus/pci/drivers/uio_pci_generic/bind", "", 0);
	put("sys/bus/pci/drivers/uio_pci_generic/new_id", "", 0);
	put("sys/bus/pci/drivers/edu-host/unbind", "", 0);
	put("sys/bus/pci/devices/" BDF "/vendor", "0x1234\n", 7);
	put("sys/bus/pci/devices/" BDF "/device", "0x11e8\n", 7);
	put("sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	if (override)
		put("sys/bus/pci/devices/" BDF "/driver_override", "", 0);
	{
		static uint8_t bar[8192];

		put("sys/bus/pci/devices/" BDF "/resource0", bar, sizeof(bar));
	}
	{
		uint32_t count = 5;

		put("dev/uio3", &count, sizeof(count));
	}
	if (driver) {
		snprintf(target, sizeof(target), "../../drivers/%s", driver);
		snprintf(rel, sizeof(rel), "%s/sys/bus/pci/devices/" BDF "/driver",
			 root);
		ck_assert_int_eq(symlink(target, rel), 0);
	}
}

static void tree_destroy(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_bind_refuses_bad_names)
{
	tree("edu-host", 1);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, "0000:00:03.0/..", "x"),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, "00:03.0", "uio_pci_generic"),
			 -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, "0000:00:03.8",
					   "uio_pci_generic"), -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, "0000:00:03.A",
					   "uio_pci_generic"), -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, "../edu-host"), -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, ""), -EINVAL);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, NULL, "x"), -EINVAL);
	tree_destroy();
}
END_TEST

START_TEST(test_bind_writes)
{
	char buf[64];

	/* Driver not loaded: -ENOENT, and the device is left alone. */
	tree("edu-host", 1);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, "vfio-pci"), -ENOENT);
	getstr("sys/bus/pci/drivers/edu-host/unbind", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, "0000:00:04.0",
					   "uio_pci_generic"), -ENOENT);

	/*
	 * Unbind, override, bind. The fake kernel binds nothing, so the
	 * driver link still names edu-host: -ENODEV.
	 */
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, "uio_pci_generic"),
			 -ENODEV);
	getstr("sys/bus/pci/drivers/edu-host/unbind", buf, sizeof(buf));
	ck_assert_str_eq(buf, BDF);
	getstr("sys/bus/pci/devices/" BDF "/driver_override", buf, sizeof(buf));
	ck_assert_str_eq(buf, "uio_pci_generic");
	getstr("sys/bus/pci/drivers/uio_pci_generic/bind", buf, sizeof(buf));
	ck_assert_str_eq(buf, BDF);
	getstr("sys/bus/pci/drivers/uio_pci_generic/new_id", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	tree_destroy();

	/* No driver_override (old kernel): new_id with the device's IDs. */
	tree(NULL, 0);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, "uio_pci_generic"),
			 -ENODEV);
	getstr("sys/bus/pci/drivers/uio_pci_generic/new_id", buf, sizeof(buf));
	ck_assert_str_eq(buf, "1234 11e8");
	tree_destroy();

	/* Already bound: nothing is written. */
	tree("uio_pci_generic", 1);
	ck_assert_int_eq(iommudrv_pci_bind(sysfs, BDF, "uio_pci_generic"), 0);
	getstr("sys/bus/pci/drivers/uio_pci_generic/bind", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	getstr("sys/bus/pci/devices/" BDF "/driver_override", buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	tree_destroy();
}
END_TEST

START_TEST(test_open_bar_cfg_irq)
{
	IOMMUPT_OPTS(iommudrv_uio_opts, o, .sysfs_root = sysfs,
		     .dev_root = devdir);
	struct iommudrv_uio *u;
	volatile void *bar;
	uint64_t len;
	uint32_t v, count = 0;
	uint8_t cfg[8];

	tree("uio_pci_generic", 1);
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), 0);
	ck_assert_int_eq(iommudrv_uio_index(u), 3);

	ck_assert_int_eq(iommudrv_uio_map_bar(u, 0, &bar, &len), 0);
	ck_assert_uint_eq(len, 8192);
	((volatile uint32_t *)bar)[1] = 0xdeadbeef;
	ck_assert_int_eq(msync((void *)bar, 8192, MS_SYNC), 0);
	{
		uint32_t w[2];

		ck_assert_uint_eq(get("sys/bus/pci/devices/" BDF "/resource0",
				      w, sizeof(w)), sizeof(w));
		ck_assert_uint_eq(w[1], 0xdeadbeef);
	}
	ck_assert_int_eq(iommudrv_uio_map_bar(u, 1, &bar, &len), -ENOENT);
	ck_assert_int_eq(iommudrv_uio_map_bar(u, 6, &bar, &len), -EINVAL);

	ck_assert_int_eq(iommudrv_uio_cfg_read(u, 0, 4, &v), 0);
	ck_assert_uint_eq(v, 0x11e81234);
	ck_assert_int_eq(iommudrv_uio_cfg_read(u, 2, 2, &v), 0);
	ck_assert_uint_eq(v, 0x11e8);
	ck_assert_int_eq(iommudrv_uio_cfg_read(u, 1, 2, &v), -EINVAL);
	ck_assert_int_eq(iommudrv_uio_cfg_read(u, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(iommudrv_uio_cfg_read(u, 4096, 1, &v), -EINVAL);
	ck_assert_int_eq(iommudrv_uio_cfg_write(u, 4, 1, 0x100), -EINVAL);

	/* Command register: INTx disabled, as the kernel leaves it. */
	ck_assert_int_eq(iommudrv_uio_cfg_write(u, 4, 2, 0x400), 0);
	ck_assert_int_eq(iommudrv_uio_set_master(u, 1), 0);
	get("sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	ck_assert_uint_eq(cfg[4] | cfg[5] << 8, 0x406);
	ck_assert_int_eq(iommudrv_uio_irq_enable(u), 0);
	get("sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	ck_assert_uint_eq(cfg[4] | cfg[5] << 8, 0x006);
	ck_assert_int_eq(iommudrv_uio_set_master(u, 0), 0);
	get("sys/bus/pci/devices/" BDF "/config", cfg, sizeof(cfg));
	ck_assert_uint_eq(cfg[4] | cfg[5] << 8, 0);

	/* A regular file polls readable: the count is its first word. */
	ck_assert_int_eq(iommudrv_uio_irq_wait(u, 100, &count), 0);
	ck_assert_uint_eq(count, 5);
	iommudrv_uio_close(u);

	/* No uio node: the device is bound but uio did not register. */
	o.dev_root = "/nonexistent-dev";
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), -ENOENT);
	o.dma_mask_bits = 65;
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), -EINVAL);
	tree_destroy();
}
END_TEST

START_TEST(test_dma_addr_is_pa)
{
	IOMMUPT_OPTS(iommudrv_uio_opts, o, .sysfs_root = sysfs,
		     .dev_root = devdir);
	struct iommudrv_uio *u;
	uint64_t pa, iova;
	long psz = sysconf(_SC_PAGESIZE);
	uint8_t *p;
	int ret;

	tree("uio_pci_generic", 1);
	p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	p[0] = 1;
	ret = iommudrv_virt_to_phys(p, &pa);
	if (ret == -EPERM) {
		/* No CAP_SYS_ADMIN: pagemap hides frames, and says so. */
		ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), 0);
		ck_assert_int_eq(iommudrv_uio_dma_addr(u, p, 16, &iova), -EPERM);
		iommudrv_uio_close(u);
		munmap(p, (size_t)psz);
		tree_destroy();
		return;
	}
	ck_assert_int_eq(ret, 0);
	o.dma_mask_bits = 64;
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), 0);
	ck_assert_int_eq(iommudrv_uio_dma_addr(u, p + 100, 16, &iova), 0);
	ck_assert_uint_eq(iova, pa + 100);
	ck_assert_int_eq(iommudrv_uio_dma_addr(u, p, 0, &iova), -EINVAL);
	iommudrv_uio_close(u);
	/* A mask below the page's address. */
	o.dma_mask_bits = 12;
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), 0);
	ck_assert_int_eq(iommudrv_uio_dma_addr(u, p, 16, &iova),
			 pa + 16 <= 4096 ? 0 : -ERANGE);
	iommudrv_uio_close(u);
	munmap(p, (size_t)psz);
	tree_destroy();
}
END_TEST

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The handle's allocation fails: -ENOMEM, no file left open, no leak. */
START_TEST(test_open_alloc_failure)
{
	struct iommupt_heap *heap;
	IOMMUPT_OPTS(iommudrv_uio_opts, o, .sysfs_root = sysfs,
		     .dev_root = devdir);
	struct iommudrv_uio *u = NULL;
	struct iommupt_mem bad;
	int fds;

	tree("uio_pci_generic", 1);
	ck_assert_int_eq(iommupt_heap_create(NULL, &heap), 0);
	o.mem = iommupt_heap_mem(heap);
	fds = open_fds();
	iommupt_heap_fail_nth(heap, 1);
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), -ENOMEM);
	ck_assert(iommupt_heap_failed(heap));
	ck_assert_ptr_null(u);
	ck_assert_int_eq(open_fds(), fds);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	iommupt_heap_fail_nth(heap, 0);
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), 0);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 1);
	iommudrv_uio_close(u);
	ck_assert_uint_eq(iommupt_heap_live_objs(heap), 0);
	ck_assert_int_eq(open_fds(), fds);
	/* A provider without object callbacks is refused. */
	bad = *iommupt_heap_mem(heap);
	bad.alloc_obj = NULL;
	o.mem = &bad;
	ck_assert_int_eq(iommudrv_uio_open(BDF, &o, &u), -EINVAL);
	iommupt_heap_destroy(heap);
	tree_destroy();
}
END_TEST

Suite *uio_suite(void);

Suite *uio_suite(void)
{
	Suite *s = suite_create("uio");
	TCase *tc = test_tcase("uio");

	tcase_add_test(tc, test_bind_refuses_bad_names);
	tcase_add_test(tc, test_bind_writes);
	tcase_add_test(tc, test_open_bar_cfg_irq);
	tcase_add_test(tc, test_dma_addr_is_pa);
	tcase_add_test(tc, test_open_alloc_failure);
	suite_add_tcase(s, tc);
	return s;
}
