// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * UIO backend (drv-uio.h): sysfs binding, BARs through the resource files,
 * config space through the config file, INTx through /dev/uioN, and bus
 * addresses = physical addresses from /proc/self/pagemap.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iommupt/drv-uio.h>
#include <iommupt/drv.h>
#include <iommupt/provider.h>

#include "drv-int.h"

#define NR_BARS 6
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2 /* PCI Local Bus 3.0, 6.2.2 */
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400

struct iommudrv_uio {
	char dev[PATH_MAX];     /* <sysfs>/bus/pci/devices/<bdf> */
	int index;
	int fd;                 /* /dev/uioN */
	int cfg_fd;
	uint64_t dma_last;      /* highest bus address the device reaches */
	void *bar[NR_BARS];
	size_t bar_len[NR_BARS];
	const struct iommupt_mem *mem; /* where the handle came from, or NULL */
};

/* "dddd:bb:dd.f", lower-case hex, function 0..7: nothing else in a path. */
static int bdf_valid(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.f";
	size_t i;

	if (!s || strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[i];

		switch (shape[i]) {
		case 'x':
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return 0;
			break;
		case 'f':
			if (c < '0' || c > '7')
				return 0;
			break;
		default:
			if (c != shape[i])
				return 0;
		}
	}
	return 1;
}

static int name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* buf = a b c d (NULL parts are empty); -ENAMETOOLONG when it does not fit. */
static int path_fmt(char *buf, size_t sz, const char *a, const char *b,
		    const char *c, const char *d)
{
	int n = snprintf(buf, sz, "%s%s%s%s", a, b, c ? c : "", d ? d : "");

	return n < 0 || (size_t)n >= sz ? -ENAMETOOLONG : 0;
}

static int write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

static int read_str(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	return 0;
}

/* The name of the driver dev is bound to, "" when none. */
static int cur_driver(const char *dev, char *name, size_t sz)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;
	int ret;

	ret = path_fmt(path, sizeof(path), dev, "/driver", NULL, NULL);
	if (ret)
		return ret;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		name[0] = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= sz)
		return -ENAMETOOLONG;
	strcpy(name, base);
	return 0;
}

/* new_id wants "vvvv dddd" in hex without 0x. */
static int new_id(const char *dev, const char *drv_dir)
{
	char path[PATH_MAX], ven[32], did[32], id[32];
	unsigned long v, d;
	int ret;

	ret = path_fmt(path, sizeof(path), dev, "/vendor", NULL, NULL);
	if (!ret)
		ret = read_str(path, ven, sizeof(ven));
	if (!ret)
		ret = path_fmt(path, sizeof(path), dev, "/device", NULL, NULL);
	if (!ret)
		ret = read_str(path, did, sizeof(did));
	if (ret)
		return ret;
	v = strtoul(ven, NULL, 16);
	d = strtoul(did, NULL, 16);
	if (v > 0xffff || d > 0xffff)
		return -EIO;
	snprintf(id, sizeof(id), "%04lx %04lx", v, d);
	ret = path_fmt(path, sizeof(path), drv_dir, "/new_id", NULL, NULL);
	if (!ret)
		ret = write_str(path, id);
	/* The ID may be known already (a second device, a second run). */
	return ret == -EEXIST ? 0 : ret;
}

IOMMUPT_API int iommudrv_pci_bind(const char *sysfs_root, const char *bdf,
				  const char *driver)
{
	char dev[PATH_MAX], drv[PATH_MAX], path[PATH_MAX], cur[128];
	struct stat st;
	int ret, bind_ret;

	if (!sysfs_root)
		sysfs_root = "/sys";
	if (!bdf_valid(bdf) || !name_valid(driver))
		return -EINVAL;
	ret = path_fmt(dev, sizeof(dev), sysfs_root, "/bus/pci/devices/",
		       bdf, NULL);
	if (!ret)
		ret = path_fmt(drv, sizeof(drv), sysfs_root,
			       "/bus/pci/drivers/", driver, NULL);
	if (ret)
		return ret;
	/* Device and driver must both be there before anything is undone. */
	if (stat(dev, &st) || stat(drv, &st))
		return -errno;
	ret = cur_driver(dev, cur, sizeof(cur));
	if (ret)
		return ret;
	if (!strcmp(cur, driver))
		return 0;
	if (cur[0]) {
		ret = path_fmt(path, sizeof(path), dev, "/driver/unbind", NULL,
			       NULL);
		if (!ret)
			ret = write_str(path, bdf);
		if (ret)
			return ret;
	}
	ret = path_fmt(path, sizeof(path), dev, "/driver_override", NULL,
		       NULL);
	if (ret)
		return ret;
	if (!stat(path, &st))
		ret = write_str(path, driver);
	else
		ret = new_id(dev, drv); /* binds by itself when it can */
	if (ret)
		return ret;
	ret = path_fmt(path, sizeof(path), drv, "/bind", NULL, NULL);
	if (ret)
		return ret;
	bind_ret = write_str(path, bdf);
	ret = cur_driver(dev, cur, sizeof(cur));
	if (ret)
		return ret;
	if (!strcmp(cur, driver))
		return 0;
	return bind_ret && bind_ret != -EBUSY ? bind_ret : -ENODEV;
}

/* The N of the uioN entry under <dev>/uio. */
static int find_uio(const char *dev)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int idx = -ENODEV, ret;

	ret = path_fmt(path, sizeof(path), dev, "/uio", NULL, NULL);
	if (ret)
		return ret;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ENODEV : -errno;
	while ((de = readdir(d))) {
		char *end;
		long n;

		if (strncmp(de->d_name, "uio", 3) || !de->d_name[3])
			continue;
		n = strtol(de->d_name + 3, &end, 10);
		if (*end || n < 0 || n > INT_MAX)
			continue;
		idx = (int)n;
		break;
	}
	closedir(d);
	return idx;
}

IOMMUPT_API void iommudrv_uio_close(struct iommudrv_uio *u)
{
	if (!u)
		return;
	for (int i = 0; i < NR_BARS; i++)
		if (u->bar[i])
			munmap(u->bar[i], u->bar_len[i]);
	if (u->fd >= 0)
		close(u->fd);
	if (u->cfg_fd >= 0)
		close(u->cfg_fd);
	if (u->mem)
		u->mem->free_obj(u->mem->ctx, u);
	else
		free(u);
}

IOMMUPT_API int iommudrv_uio_open(const char *bdf,
				  const struct iommudrv_uio_opts *opts,
				  struct iommudrv_uio **out)
{
	const char *sysfs = "/sys", *devr = "/dev";
	char path[PATH_MAX], n[16];
	const struct iommupt_mem *mem = NULL;
	struct iommudrv_uio *u;
	uint32_t bits = 64;
	int ret;

	if (!out || !bdf_valid(bdf))
		return -EINVAL;
	if (opts) {
		if (drv_opts_check(opts, opts->sz, sizeof(*opts)) ||
		    opts->dma_mask_bits > 64)
			return -EINVAL;
		if (opts->sysfs_root)
			sysfs = opts->sysfs_root;
		if (opts->dev_root)
			devr = opts->dev_root;
		if (opts->dma_mask_bits)
			bits = opts->dma_mask_bits;
		mem = opts->mem;
		if (mem && (mem->sz < offsetof(struct iommupt_mem, adopt_table) ||
			    !mem->alloc_obj || !mem->free_obj))
			return -EINVAL;
	}
	/* Memory first: a failure then leaves the device's binding alone. */
	u = mem ? mem->alloc_obj(mem->ctx, sizeof(*u)) : calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->mem = mem;
	u->fd = -1;
	u->cfg_fd = -1;
	u->dma_last = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
	ret = iommudrv_pci_bind(sysfs, bdf, "uio_pci_generic");
	if (!ret)
		ret = path_fmt(u->dev, sizeof(u->dev), sysfs,
			       "/bus/pci/devices/", bdf, NULL);
	if (!ret) {
		ret = find_uio(u->dev);
		if (ret >= 0) {
			u->index = ret;
			ret = 0;
		}
	}
	if (!ret) {
		snprintf(n, sizeof(n), "%d", u->index);
		ret = path_fmt(path, sizeof(path), devr, "/uio", n, NULL);
	}
	if (!ret) {
		u->fd = open(path, O_RDWR | O_CLOEXEC);
		if (u->fd < 0)
			ret = -errno;
	}
	if (!ret)
		ret = path_fmt(path, sizeof(path), u->dev, "/config", NULL, NULL);
	if (!ret) {
		u->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
		if (u->cfg_fd < 0)
			ret = -errno;
	}
	if (ret) {
		iommudrv_uio_close(u);
		return ret;
	}
	*out = u;
	return 0;
}

IOMMUPT_API int iommudrv_uio_index(const struct iommudrv_uio *u)
{
	return u ? u->index : -EINVAL;
}

IOMMUPT_API int iommudrv_uio_map_bar(struct iommudrv_uio *u, unsigned int bar,
				     volatile void **p, uint64_t *len)
{
	char path[PATH_MAX], n[8];
	struct stat st;
	void *m;
	int fd, ret;

	if (!u || bar >= NR_BARS || !p || !len)
		return -EINVAL;
	if (!u->bar[bar]) {
		snprintf(n, sizeof(n), "%u", bar);
		ret = path_fmt(path, sizeof(path), u->dev, "/resource", n, NULL);
		if (ret)
			return ret;
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) || st.st_size <= 0) {
			close(fd);
			return -ENOENT;
		}
		m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		ret = m == MAP_FAILED ? -errno : 0;
		close(fd);
		if (ret)
			return ret;
		u->bar[bar] = m;
		u->bar_len[bar] = (size_t)st.st_size;
	}
	*p = u->bar[bar];
	*len = u->bar_len[bar];
	return 0;
}

static int cfg_args_ok(const struct iommudrv_uio *u, uint32_t off,
		       unsigned int len)
{
	return u && (len == 1 || len == 2 || len == 4) && !(off % len) &&
	       off <= 4096 - len;
}

IOMMUPT_API int iommudrv_uio_cfg_read(struct iommudrv_uio *u, uint32_t off,
				      unsigned int len, uint32_t *val)
{
	uint8_t b[4] = { 0 };

	if (!cfg_args_ok(u, off, len) || !val)
		return -EINVAL;
	if (pread(u->cfg_fd, b, len, off) != (ssize_t)len)
		return -EIO;
	/* Config space is little-endian (PCI Local Bus 3.0, 6.1). */
	*val = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	return 0;
}

IOMMUPT_API int iommudrv_uio_cfg_write(struct iommudrv_uio *u, uint32_t off,
				       unsigned int len, uint32_t val)
{
	uint8_t b[4] = { (uint8_t)val, (uint8_t)(val >> 8),
			 (uint8_t)(val >> 16), (uint8_t)(val >> 24) };

	if (!cfg_args_ok(u, off, len) || (len < 4 && val >> (8 * len)))
		return -EINVAL;
	if (pwrite(u->cfg_fd, b, len, off) != (ssize_t)len)
		return -EIO;
	return 0;
}

IOMMUPT_API int iommudrv_uio_set_master(struct iommudrv_uio *u, int on)
{
	const uint32_t bits = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint32_t cmd;
	int ret = iommudrv_uio_cfg_read(u, PCI_COMMAND, 2, &cmd);

	if (ret)
		return ret;
	cmd = on ? cmd | bits : cmd & ~bits;
	return iommudrv_uio_cfg_write(u, PCI_COMMAND, 2, cmd);
}

IOMMUPT_API int iommudrv_uio_irq_enable(struct iommudrv_uio *u)
{
	uint32_t cmd;
	int ret;

	/*
	 * uio_pci_generic has no irqcontrol: its handler masks INTx with the
	 * command register's Interrupt Disable bit, and user space clears
	 * it again there.
	 */
	ret = iommudrv_uio_cfg_read(u, PCI_COMMAND, 2, &cmd);
	if (ret || !(cmd & PCI_COMMAND_INTX_DISABLE))
		return ret;
	return iommudrv_uio_cfg_write(u, PCI_COMMAND, 2,
				      cmd & ~(uint32_t)PCI_COMMAND_INTX_DISABLE);
}

IOMMUPT_API int iommudrv_uio_irq_wait(struct iommudrv_uio *u, int timeout_ms,
				      uint32_t *count)
{
	struct pollfd p;
	uint32_t n;
	int r;

	if (!u || !count)
		return -EINVAL;
	p.fd = u->fd;
	p.events = POLLIN;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	if (read(u->fd, &n, sizeof(n)) != sizeof(n))
		return errno ? -errno : -EIO;
	*count = n;
	return 0;
}

IOMMUPT_API int iommudrv_uio_dma_addr(struct iommudrv_uio *u, const void *va,
				      uint64_t len, uint64_t *iova)
{
	long psz = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)va, page, end;
	uint64_t pa0 = 0, pa;
	int ret;

	if (!u || !va || !iova || !len || psz <= 0 ||
	    a + len - 1 < a)
		return -EINVAL;
	end = a + (uintptr_t)len - 1;
	for (page = a & ~((uintptr_t)psz - 1); page <= end; page += (uintptr_t)psz) {
		ret = iommudrv_virt_to_phys((const void *)(page > a ? page : a),
					    &pa);
		if (ret)
			return ret;
		if (page <= a)
			pa0 = pa;
		else if (pa != pa0 + (page - a))
			return -EFAULT;
		if (page + (uintptr_t)psz < page)
			break; /* the last page of the address space */
	}
	if (pa0 + len - 1 < pa0 || pa0 + len - 1 > u->dma_last)
		return -ERANGE;
	*iova = pa0;
	return 0;
}
