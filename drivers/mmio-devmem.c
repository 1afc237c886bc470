// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * MMIO backend over a real register block: an uncached mmap of /dev/mem
 * (or of a UIO map) and single volatile loads/stores of the asked size, so
 * each access reaches the device as one bus transaction of that width.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommupt/drv.h>

#include "drv-int.h"

struct iommudrv_devmem {
	struct iommupt_mmio mmio;
	volatile unsigned char *base; /* first byte of the block */
	void *map;                    /* page-aligned mapping */
	size_t map_len;
	uint64_t len;
};

static int dm_check(const struct iommudrv_devmem *dm, uint64_t off,
		    unsigned int size)
{
	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    (off & (size - 1)))
		return -EINVAL;
	if (off >= dm->len || dm->len - off < size)
		return -ERANGE;
	return 0;
}

static int dm_read(void *ctx, uint64_t off, unsigned int size, uint64_t *val)
{
	struct iommudrv_devmem *dm = ctx;
	volatile unsigned char *p = dm->base + off;
	int ret = dm_check(dm, off, size);

	if (ret)
		return ret;
	switch (size) {
	case 1:
		*val = *(volatile uint8_t *)p;
		break;
	case 2:
		*val = *(volatile uint16_t *)(volatile void *)p;
		break;
	case 4:
		*val = *(volatile uint32_t *)(volatile void *)p;
		break;
	default:
		*val = *(volatile uint64_t *)(volatile void *)p;
		break;
	}
	return 0;
}

static int dm_write(void *ctx, uint64_t off, unsigned int size, uint64_t val)
{
	struct iommudrv_devmem *dm = ctx;
	volatile unsigned char *p = dm->base + off;
	int ret = dm_check(dm, off, size);

	if (ret)
		return ret;
	switch (size) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)val;
		break;
	case 2:
		*(volatile uint16_t *)(volatile void *)p = (uint16_t)val;
		break;
	case 4:
		*(volatile uint32_t *)(volatile void *)p = (uint32_t)val;
		break;
	default:
		*(volatile uint64_t *)(volatile void *)p = val;
		break;
	}
	return 0;
}

int iommudrv_devmem_open(const char *path, uint64_t phys, uint64_t len,
			 struct iommudrv_devmem **out)
{
	struct iommudrv_devmem *dm;
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t start, in_page;
	int fd, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!len || pg <= 0 || phys + len < phys)
		return -EINVAL;
	start = phys & ~((uint64_t)pg - 1);
	in_page = phys - start;

	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	/* O_SYNC: /dev/mem maps the range uncached. */
	fd = open(path ? path : "/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(dm);
		return err;
	}
	dm->map_len = (size_t)((in_page + len + (uint64_t)pg - 1) &
			       ~((uint64_t)pg - 1));
	dm->map = mmap(NULL, dm->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, (off_t)start);
	err = dm->map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err) {
		free(dm);
		return err;
	}
	dm->base = (volatile unsigned char *)dm->map + in_page;
	dm->len = len;
	dm->mmio.ctx = dm;
	dm->mmio.read = dm_read;
	dm->mmio.write = dm_write;
	*out = dm;
	return 0;
}

void iommudrv_devmem_close(struct iommudrv_devmem *dm)
{
	if (!dm)
		return;
	if (dm->map && dm->map != MAP_FAILED)
		munmap(dm->map, dm->map_len);
	free(dm);
}

const struct iommupt_mmio *iommudrv_devmem_mmio(struct iommudrv_devmem *dm)
{
	return dm ? &dm->mmio : NULL;
}
