// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libiommudrv-pci against a fake sysfs tree built here (libpci reads it
 * through its sysfs.path parameter): identity, class, driver and IOMMU
 * group links, ATS/PRI/PASID found through the PCIe extended capability
 * chain (and not found without a PCIe capability or with config space
 * cut at 64 bytes, as unprivileged readers see it), the size-query
 * protocol, reserved_regions of a group, and libpci's own failure turned
 * into -EIO. The same code on the machine's real sysfs is
 * tests/test-devices.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iommupt/drv-pci.h>

#include "helpers.h"

static char root[64];

static void put(const char *rel, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void putstr(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

static void mkdirs(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	ck_assert_int_eq(system(cmd), 0);
}

static void link_to(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void w16(uint8_t *c, unsigned int off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *c, unsigned int off, uint32_t v)
{
	w16(c, off, (uint16_t)v);
	w16(c, off + 2, (uint16_t)(v >> 16));
}

/*
 * One device directory. pcie: a PCI Express capability (ID 10h) in the
 * capability list; ext: ATS at 100h, PRI at 110h, PASID at 120h (width
 * 20) chained by the extended capability headers; cfg_len: the size of the
 * config file.
 */
static void add_dev(const char *bdf, uint16_t ven, uint16_t dev,
		    uint32_t class24, int pcie, int ext, size_t cfg_len,
		    const char *driver, int group)
{
	uint8_t cfg[4096] = { 0 };
	char rel[256], buf[64];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	mkdirs(rel);
	w16(cfg, 0x00, ven);
	w16(cfg, 0x02, dev);
	w32(cfg, 0x08, class24 << 8 | 0x01);
	if (pcie) {
		w16(cfg, 0x06, 0x10); /* Status: Capabilities List */
		cfg[0x34] = 0x40;
		cfg[0x40] = 0x10; /* PCI Express, next 0 */
		cfg[0x42] = 0x02;
	}
	if (ext) {
		/* PCIe 4.0 7.6.3: ID 15:0, version 19:16, next 31:20. */
		w32(cfg, 0x100, 0x0f | 1u << 16 | 0x110u << 20);
		w32(cfg, 0x110, 0x13 | 1u << 16 | 0x120u << 20);
		w32(cfg, 0x120, 0x1b | 1u << 16);
		w16(cfg, 0x124, 20 << 8); /* Max PASID Width 20 */
	}
#define F(name, fmt, val)                                                  \
	do {                                                               \
		snprintf(buf, sizeof(buf), fmt, val);                      \
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/" name, bdf); \
		putstr(rel, buf);                                          \
	} while (0)
	F("vendor", "0x%04x\n", ven);
	F("device", "0x%04x\n", dev);
	F("class", "0x%06x\n", class24);
	F("irq", "%d\n", 0);
#undef F
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/resource", bdf);
	putstr(rel, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/config", bdf);
	put(rel, cfg, cfg_len);
	if (driver) {
		snprintf(buf, sizeof(buf), "../../drivers/%s", driver);
		snprintf(rel, sizeof(rel), "bus/pci/drivers/%s", driver);
		mkdirs(rel);
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
		link_to(buf, rel);
	}
	if (group >= 0) {
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d", group);
		mkdirs(rel);
		snprintf(buf, sizeof(buf), "../../../../kernel/iommu_groups/%d",
			 group);
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
		link_to(buf, rel);
	}
}

static void tree_create(void)
{
	snprintf(root, sizeof(root), "/tmp/iommupt-sysfs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	mkdirs("bus/pci/devices");
	mkdirs("bus/pci/drivers");
	/* Out of order on purpose: results come sorted. */
	add_dev("0000:02:00.0", 0x8086, 0x1234, 0x020000, 1, 1, 4096,
		"vfio-pci", 7);
	add_dev("0000:00:03.0", 0x1234, 0x11e8, 0x00ff00, 0, 0, 4096, NULL, 3);
	add_dev("0000:00:04.0", 0x1af4, 0x1041, 0x020000, 1, 0, 4096,
		"virtio-pci", -1);
	/* Extended capabilities present, but only 64 bytes are readable. */
	add_dev("0000:03:00.0", 0x15b3, 0x101b, 0x020700, 1, 1, 64, NULL, 8);
	putstr("kernel/iommu_groups/3/reserved_regions",
	       "0x00000000fee00000 0x00000000feefffff msi\n"
	       "0x000000fd00000000 0x000000ffffffffff reserved\n");
	putstr("kernel/iommu_groups/7/reserved_regions",
	       "0x00000000000a0000 0x00000000000bffff direct-relaxable\n");
	putstr("kernel/iommu_groups/8/reserved_regions", "0x1 0x0 msi\n");
}

static void tree_destroy(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_enumerate_fake_tree)
{
	IOMMUPT_OPTS(iommudrv_pci_opts, o, .sysfs_root = root);
	struct iommudrv_pci_dev d[8];
	size_t n = 8;

	tree_create();
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(d[0].bdf, "0000:00:03.0");
	ck_assert_str_eq(d[1].bdf, "0000:00:04.0");
	ck_assert_str_eq(d[2].bdf, "0000:02:00.0");
	ck_assert_str_eq(d[3].bdf, "0000:03:00.0");

	/* edu-like: no driver, a group, no PCIe capability. */
	ck_assert_uint_eq(d[0].vendor, 0x1234);
	ck_assert_uint_eq(d[0].device, 0x11e8);
	ck_assert_uint_eq(d[0].class_code, 0x00ff00);
	ck_assert_int_eq(d[0].iommu_group, 3);
	ck_assert_str_eq(d[0].driver, "");
	ck_assert_uint_eq(d[0].caps, 0);
	ck_assert_uint_eq(d[0].config_ok, 1);

	/* PCIe without extended capabilities; a driver, no group. */
	ck_assert_int_eq(d[1].iommu_group, -1);
	ck_assert_str_eq(d[1].driver, "virtio-pci");
	ck_assert_uint_eq(d[1].caps, 0);

	/* The whole chain. */
	ck_assert_uint_eq(d[2].class_code, 0x020000);
	ck_assert_str_eq(d[2].driver, "vfio-pci");
	ck_assert_int_eq(d[2].iommu_group, 7);
	ck_assert_uint_eq(d[2].caps, IOMMUDRV_PCI_ATS | IOMMUDRV_PCI_PRI |
					     IOMMUDRV_PCI_PASID);
	ck_assert_uint_eq(d[2].ats_pos, 0x100);
	ck_assert_uint_eq(d[2].pri_pos, 0x110);
	ck_assert_uint_eq(d[2].pasid_pos, 0x120);
	ck_assert_uint_eq(d[2].pasid_bits, 20);
	ck_assert_uint_eq(d[2].config_ok, 1);

	/* 64 readable bytes: no capabilities, and it says so. */
	ck_assert_uint_eq(d[3].caps, 0);
	ck_assert_uint_eq(d[3].config_ok, 0);
	tree_destroy();
}
END_TEST

START_TEST(test_enumerate_size_query)
{
	IOMMUPT_OPTS(iommudrv_pci_opts, o, .sysfs_root = root);
	struct iommudrv_pci_dev d[4];
	size_t n = 0;

	tree_create();
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, NULL, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 4);
	n = 3;
	memset(d, 0x5a, sizeof(d));
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(d[0].bdf[0], 0x5a); /* untouched */
	n = 1;
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, NULL, &n), -EINVAL);
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, NULL), -EINVAL);
	tree_destroy();
}
END_TEST

START_TEST(test_enumerate_missing_or_broken_tree)
{
	IOMMUPT_OPTS(iommudrv_pci_opts, o, .sysfs_root = "/nonexistent-sysfs");
	struct iommudrv_pci_dev d[4];
	size_t n = 4;

	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, &n), -ENOENT);
	{
		struct {
			struct iommudrv_pci_opts o;
			uint64_t extra;
		} big = { o, 1 };

		big.o.sz = sizeof(big);
		ck_assert_int_eq(iommudrv_pci_enumerate(&big.o, d, &n), -EINVAL);
	}
#if !defined(__SANITIZE_ADDRESS__)
	/*
	 * A device without its vendor file: libpci gives up, and that is
	 * -EIO, not an exit. (libpci may leak the half-read device: not
	 * under LeakSanitizer.)
	 */
	tree_create();
	o.sysfs_root = root;
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/bus/pci/devices/0000:00:03.0/vendor",
			 root);
		ck_assert_int_eq(unlink(p), 0);
	}
	n = 4;
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, &n), -EIO);
	/* And the next call works again. */
	tree_destroy();
	tree_create();
	n = 4;
	ck_assert_int_eq(iommudrv_pci_enumerate(&o, d, &n), 0);
	ck_assert_uint_eq(n, 4);
	tree_destroy();
#endif
}
END_TEST

START_TEST(test_group_resv)
{
	IOMMUPT_OPTS(iommudrv_pci_opts, o, .sysfs_root = root);
	struct iommupt_resv_region r[4];
	size_t n = 4;

	tree_create();
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, 3, r, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].start, 0xfee00000);
	ck_assert_uint_eq(r[0].last, 0xfeefffff);
	ck_assert_uint_eq(r[0].type, IOMMUPT_RESV_MSI);
	ck_assert_uint_eq(r[1].start, 0xfd00000000ull);
	ck_assert_uint_eq(r[1].type, IOMMUPT_RESV_RESERVED);
	n = 4;
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, 7, r, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].type, IOMMUPT_RESV_IDENTITY);
	ck_assert_uint_eq(r[0].flags, IOMMUPT_RESV_RELAXABLE);
	n = 0;
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, 3, NULL, &n), -ENOBUFS);
	ck_assert_uint_eq(n, 2);
	/* start > last: the parser's -EINVAL, with the line number. */
	n = 4;
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, 8, r, &n), -EINVAL);
	ck_assert_uint_eq(n, 1);
	n = 4;
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, 9, r, &n), -ENOENT);
	ck_assert_int_eq(iommudrv_pci_group_resv(&o, -1, r, &n), -EINVAL);
	tree_destroy();
}
END_TEST

Suite *pci_suite(void);

Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = test_tcase("libpci");

	tcase_add_test(tc, test_enumerate_fake_tree);
	tcase_add_test(tc, test_enumerate_size_query);
	tcase_add_test(tc, test_enumerate_missing_or_broken_tree);
	tcase_add_test(tc, test_group_resv);
	suite_add_tcase(s, tc);
	return s;
}
