// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * PCI enumeration through libpci's sysfs method (drv-pci.h). Built into
 * libiommudrv-pci, apart from libiommudrv, so that libiommudrv still links
 * statically (Debian ships no static libpci).
 *
 * Capability IDs and register layouts: PCI Express Base Specification 4.0,
 * 7.6.3 (extended capability header), 10.5.1 (ATS), 10.5.2 (PRI), 7.8.8
 * (PASID; Max PASID Width is bits 12:8 of the PASID Capability register
 * at offset 04h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pci/pci.h>

#include <iommupt/drv-pci.h>

#include "drv-int.h"

#define EXT_CAP_ATS 0x0f
#define EXT_CAP_PRI 0x13
#define EXT_CAP_PASID 0x1b
#define PASID_CAP_REG 0x04
#define PASID_WIDTH_SHIFT 8
#define PASID_WIDTH_MASK 0x1f

/*
 * libpci's error callback must not return: it jumps back here, and the
 * enumeration fails with -EIO (what libpci allocated until then may leak;
 * it only happens on a malformed sysfs tree).
 */
static _Thread_local jmp_buf *pci_jmp;

static void pci_err(char *msg, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void pci_err(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	fputs("libpci: ", stderr);
	vfprintf(stderr, msg, ap);
	fputc('\n', stderr);
	va_end(ap);
	longjmp(*pci_jmp, 1);
}

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(((const struct iommudrv_pci_dev *)a)->bdf,
		      ((const struct iommudrv_pci_dev *)b)->bdf);
}

static void fill_one(struct pci_dev *p, struct iommudrv_pci_dev *d)
{
	struct pci_cap *c;
	u8 probe[4];
	char *s;

	memset(d, 0, sizeof(*d));
	pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
				 PCI_FILL_CAPS | PCI_FILL_EXT_CAPS |
				 PCI_FILL_IOMMU_GROUP | PCI_FILL_DRIVER);
	snprintf(d->bdf, sizeof(d->bdf), "%04x:%02x:%02x.%x",
		 (unsigned int)p->domain & 0xffff, p->bus, p->dev, p->func);
	d->vendor = p->vendor_id;
	d->device = p->device_id;
	d->class_code = (uint32_t)p->device_class << 8 | p->prog_if;
	d->iommu_group = -1;
	s = pci_get_string_property(p, PCI_FILL_IOMMU_GROUP);
	if (s) {
		char *end;
		long g = strtol(s, &end, 10);

		if (!*end && end != s && g >= 0 && g <= INT32_MAX)
			d->iommu_group = (int32_t)g;
	}
	s = pci_get_string_property(p, PCI_FILL_DRIVER);
	if (s) {
		const char *base = strrchr(s, '/');

		snprintf(d->driver, sizeof(d->driver), "%s", base ? base + 1 : s);
	}
	/*
	 * Unprivileged sysfs readers see only the first 64 bytes: no
	 * capabilities then, which must not read as "has none".
	 */
	d->config_ok = !p->no_config_access &&
		       pci_read_block(p, 0x40, probe, sizeof(probe));
	c = pci_find_cap(p, EXT_CAP_ATS, PCI_CAP_EXTENDED);
	if (c) {
		d->caps |= IOMMUDRV_PCI_ATS;
		d->ats_pos = (uint16_t)c->addr;
	}
	c = pci_find_cap(p, EXT_CAP_PRI, PCI_CAP_EXTENDED);
	if (c) {
		d->caps |= IOMMUDRV_PCI_PRI;
		d->pri_pos = (uint16_t)c->addr;
	}
	c = pci_find_cap(p, EXT_CAP_PASID, PCI_CAP_EXTENDED);
	if (c) {
		d->caps |= IOMMUDRV_PCI_PASID;
		d->pasid_pos = (uint16_t)c->addr;
		d->pasid_bits = (uint8_t)(pci_read_word(p, c->addr + PASID_CAP_REG) >>
					  PASID_WIDTH_SHIFT & PASID_WIDTH_MASK);
	}
}

/* Root of the sysfs tree, or -EINVAL. */
static int root_of(const struct iommudrv_pci_opts *opts, const char **root)
{
	*root = "/sys";
	if (opts) {
		if (drv_opts_check(opts, opts->sz, sizeof(*opts)))
			return -EINVAL;
		if (opts->sysfs_root)
			*root = opts->sysfs_root;
	}
	return 0;
}

IOMMUPT_API int iommudrv_pci_enumerate(const struct iommudrv_pci_opts *opts,
				       struct iommudrv_pci_dev *out,
				       size_t *count)
{
	struct pci_access *volatile acc = NULL;
	struct iommudrv_pci_dev *volatile all = NULL;
	volatile size_t n = 0;
	char path[4096];
	const char *root;
	struct stat st;
	jmp_buf jb, *volatile saved = pci_jmp;
	int ret;

	if (!count || (*count && !out))
		return -EINVAL;
	ret = root_of(opts, &root);
	if (ret)
		return ret;
	if ((size_t)snprintf(path, sizeof(path), "%s/bus/pci", root) >=
	    sizeof(path))
		return -EINVAL;
	/* libpci would die (through pci_err) on a missing tree: say -ENOENT. */
	if (stat(path, &st))
		return -errno;

	pci_jmp = &jb;
	if (setjmp(jb)) {
		ret = -EIO;
		goto out;
	}
	acc = pci_alloc();
	if (!acc) {
		ret = -ENOMEM;
		goto out;
	}
	acc->error = pci_err;
	acc->warning = pci_quiet;
	acc->debug = pci_quiet;
	acc->method = PCI_ACCESS_SYS_BUS_PCI;
	if (pci_set_param(acc, (char *)"sysfs.path", path)) {
		ret = -EIO;
		goto out;
	}
	pci_init(acc);
	pci_scan_bus(acc);
	{
		size_t total = 0, i = 0;
		struct pci_dev *p;

		for (p = acc->devices; p; p = p->next)
			total++;
		if (total) {
			all = calloc(total, sizeof(*all));
			if (!all) {
				ret = -ENOMEM;
				goto out;
			}
		}
		for (p = acc->devices; p && i < total; p = p->next)
			fill_one(p, &all[i++]);
		n = i;
	}
	qsort(all, n, sizeof(*all), cmp_bdf);
	if (*count < n) {
		*count = n;
		ret = -ENOBUFS;
		goto out;
	}
	if (n)
		memcpy(out, all, n * sizeof(*all));
	*count = n;
	ret = 0;
out:
	if (acc)
		pci_cleanup(acc);
	free(all);
	pci_jmp = saved;
	return ret;
}

IOMMUPT_API int iommudrv_pci_group_resv(const struct iommudrv_pci_opts *opts,
					int32_t group,
					struct iommupt_resv_region *out,
					size_t *count)
{
	char path[4096];
	const char *root;
	int ret;

	if (group < 0 || !count)
		return -EINVAL;
	ret = root_of(opts, &root);
	if (ret)
		return ret;
	if ((size_t)snprintf(path, sizeof(path),
			     "%s/kernel/iommu_groups/%d/reserved_regions", root,
			     (int)group) >= sizeof(path))
		return -EINVAL;
	return iommupt_resv_read_file(path, out, count);
}
