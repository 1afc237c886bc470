// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/* The guest programs' shared parts: result lines and the edu device. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "edu.h"

const char *qt_mode = "";
int qt_nr_pass, qt_nr_fail;

void qt_result(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		qt_nr_pass++;
		printf("IOMMUPT-QEMU: PASS %s/%s\n", qt_mode, name);
	} else {
		qt_nr_fail++;
		printf("IOMMUPT-QEMU: FAIL %s/%s: ", qt_mode, name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

static int read_hex(const char *dir, const char *file, unsigned long *val)
{
	char path[512], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*val = strtoul(buf, NULL, 16);
	return 0;
}

#define PCI_DEVICES "/sys/bus/pci/devices"

int edu_find(char *name, size_t sz)
{
	char dir[512];
	struct dirent *de;
	unsigned long ven, did;
	DIR *d = opendir(PCI_DEVICES);
	int found = 0;

	if (!d)
		return -1;
	while (!found && (de = readdir(d))) {
		snprintf(dir, sizeof(dir), "%s/%s", PCI_DEVICES, de->d_name);
		if (read_hex(dir, "vendor", &ven) || read_hex(dir, "device", &did))
			continue;
		if (ven == 0x1234 && did == 0x11e8) {
			snprintf(name, sz, "%.31s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found ? 0 : -1;
}

int edu_open(struct edu *e)
{
	char name[32], dir[512], path[600];
	unsigned int dom, bus, dev, fn;
	uint16_t cmd;
	int fd;

	if (edu_find(name, sizeof(name)) ||
	    sscanf(name, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -1;
	snprintf(dir, sizeof(dir), "%s/%s", PCI_DEVICES, name);
	e->sid = (uint16_t)(bus << 8 | dev << 3 | fn);

	/* PCI command register (config offset 4): memory space, bus master. */
	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	cmd |= 0x2 | 0x4;
	if (pwrite(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	close(fd);

	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return -1;
	e->bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return e->bar == MAP_FAILED ? -1 : 0;
}

static void edu_w64(struct edu *e, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(volatile void *)(e->bar + off) = v;
}

static uint64_t edu_r64(struct edu *e, unsigned int off)
{
	return *(volatile uint64_t *)(volatile void *)(e->bar + off);
}

void edu_w32(struct edu *e, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(volatile void *)(e->bar + off) = v;
}

uint32_t edu_r32(struct edu *e, unsigned int off)
{
	return *(volatile uint32_t *)(volatile void *)(e->bar + off);
}

int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint64_t cnt,
	    int to_ram)
{
	return edu_dma_cmd(e, src, dst, cnt, to_ram ? EDU_CMD_TO_RAM : 0);
}

int edu_dma_cmd(struct edu *e, uint64_t src, uint64_t dst, uint64_t cnt,
		uint32_t cmd)
{
	struct timespec t0, t;

	edu_w64(e, EDU_SRC, src);
	edu_w64(e, EDU_DST, dst);
	edu_w64(e, EDU_CNT, cnt);
	edu_w64(e, EDU_CMD, EDU_CMD_RUN | cmd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (edu_r64(e, EDU_CMD) & EDU_CMD_RUN) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

int edu_copy(struct edu *e, uint64_t src, uint64_t dst, uint64_t len)
{
	uint64_t off;
	int ret = 0;

	for (off = 0; !ret && off < len; off += EDU_XFER) {
		ret = edu_dma(e, src + off, EDU_BUF, EDU_XFER, 0);
		if (!ret)
			ret = edu_dma(e, EDU_BUF, dst + off, EDU_XFER, 1);
	}
	return ret;
}

void qt_fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}
