// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Guest half of the tracer test (run-trace.sh is the host half): IOMMU
 * map/unmap activity with known addresses for iommu-trace to record. Runs
 * as root in a QEMU q35 guest booted with intel_iommu=on, edu bound to
 * vfio-pci by the init script.
 *
 * Plain VFIO type1 ioctls (include/uapi/linux/vfio.h), on purpose not
 * libiommudrv: the test is of the tracer, and its expectations must not
 * come from the code whose mappings it checks.
 *
 * Usage: trace-vfio GROUP FIFO [fault]. Sets up the container, then waits for a
 * line on FIFO (the tracer is attached by then); maps three buffers
 * (16 pages, 8 pages, and 2 MiB from a hugepage when there is one),
 * unmaps the second, and prints what must stay mapped, per run of
 * physically contiguous pages (from /proc/self/pagemap):
 *   IOMMUPT-QEMU: EXPECT <iova> <size> <pa>
 *   IOMMUPT-QEMU: GONE <iova> <size>
 *   IOMMUPT-QEMU: MAPPED
 * With "fault", edu (QEMU hw/misc/edu.c: BAR0 0x80 DMA source, 0x88
 * destination, 0x90 count, 0x98 command, bit 0 run, bit 1 edu -> RAM; its
 * buffer at 0x40000) then writes to the unmapped second buffer and the
 * program prints
 *   IOMMUPT-QEMU: FAULT <iova> w <device>
 * then waits for a second line on FIFO before it exits (closing the
 * container unmaps the rest, after the tracer stopped). Errors print
 * "IOMMUPT-QEMU: FAIL trace/<what>: <why>" and exit 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#define PG 4096ull
#define SZ_2M (2ull << 20)

struct buf {
	const char *name;
	uint64_t iova;
	uint64_t size;
	void *va;
};

static int fail(const char *what, const char *why)
{
	printf("IOMMUPT-QEMU: FAIL trace/%s: %s\n", what, why);
	fflush(stdout);
	return 1;
}

/* One line from the FIFO: opening blocks until the script writes. */
static int wait_line(const char *fifo)
{
	int fd = open(fifo, O_RDONLY);
	char c;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if ((n == 1 && c == '\n') || n == 0 ||
		    (n < 0 && errno != EINTR)) {
			close(fd);
			return n == 1 ? 0 : -1;
		}
	}
}

/* Physical address of the page at va (resident: VFIO pinned it). */
static int pa_of(int pm, const void *va, uint64_t *pa)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)va / PG * 8);

	if (pread(pm, &e, 8, off) != 8)
		return -1;
	/* Documentation/admin-guide/mm/pagemap.rst: bit 63 present, 0-54 PFN. */
	if (!(e >> 63) || !(e & ((1ull << 55) - 1)))
		return -1;
	*pa = (e & ((1ull << 55) - 1)) * PG;
	return 0;
}

/* Print b's pages as runs of contiguous physical addresses. */
static int expect(int pm, const struct buf *b)
{
	uint64_t off, run_iova = b->iova, run_pa = 0, run = 0, pa;

	for (off = 0; off < b->size; off += PG) {
		if (pa_of(pm, (char *)b->va + off, &pa))
			return fail("pagemap", b->name);
		if (run && pa == run_pa + run) {
			run += PG;
			continue;
		}
		if (run)
			printf("IOMMUPT-QEMU: EXPECT 0x%" PRIx64 " 0x%" PRIx64
			       " 0x%" PRIx64 "\n", run_iova, run, run_pa);
		run_iova = b->iova + off;
		run_pa = pa;
		run = PG;
	}
	printf("IOMMUPT-QEMU: EXPECT 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
	       "\n", run_iova, run, run_pa);
	return 0;
}

/* The group's one device (edu) by its PCI name. */
static int group_device(const char *group, char *name, size_t len)
{
	char path[96];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
		 group);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(name, len, "%s", de->d_name);
			closedir(d);
			return 0;
		}
	closedir(d);
	return -1;
}

/* edu writes 8 bytes of its buffer to iova, which nothing maps. */
static int edu_write_unmapped(int group, const char *gname, uint64_t iova)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	struct vfio_region_info bar = { .argsz = sizeof(bar),
					.index = VFIO_PCI_BAR0_REGION_INDEX };
	volatile uint64_t *regs;
	char name[256];
	uint16_t cmd;
	int dev, i;

	if (group_device(gname, name, sizeof(name)))
		return fail("fault", "no device in the group");
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (dev < 0)
		return fail("fault", strerror(errno));
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar))
		return fail("fault", "region info");
	/* PCI command register (offset 4): memory space and bus master. */
	if (pread(dev, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		return fail("fault", "config read");
	cmd |= 0x6;
	if (pwrite(dev, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		return fail("fault", "config write");
	regs = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
		    (off_t)bar.offset);
	if (regs == MAP_FAILED)
		return fail("fault", strerror(errno));
	regs[0x80 / 8] = 0x40000; /* source: edu's buffer */
	regs[0x88 / 8] = iova;
	regs[0x90 / 8] = 8;
	regs[0x98 / 8] = 0x3;     /* run, edu -> RAM */
	for (i = 0; i < 1000 && (regs[0x98 / 8] & 1); i++)
		usleep(1000);
	if (regs[0x98 / 8] & 1)
		return fail("fault", "edu stays busy");
	printf("IOMMUPT-QEMU: FAULT 0x%" PRIx64 " w %s\n", iova, name);
	return 0;
}

int main(int argc, char **argv)
{
	struct buf bufs[3] = {
		{ "a", 0x100000, 16 * PG, NULL },
		{ "b", 0x200000, 8 * PG, NULL },
		{ "c", 0x400000, SZ_2M, NULL },
	};
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char path[64];
	int container, group, pm, i;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "fault"))) {
		fprintf(stderr, "usage: trace-vfio GROUP FIFO [fault]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open-container", strerror(errno));
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return fail("container", "no VFIO type1v2");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR);
	if (group < 0)
		return fail("open-group", strerror(errno));
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail("group", "not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail("set-iommu", strerror(errno));
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		return fail("pagemap", strerror(errno));
	for (i = 0; i < 3; i++) {
		int huge = bufs[i].size == SZ_2M;

		bufs[i].va = mmap(NULL, bufs[i].size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS |
					  (huge ? MAP_HUGETLB : 0), -1, 0);
		if (bufs[i].va == MAP_FAILED && huge)
			bufs[i].va = mmap(NULL, bufs[i].size,
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (bufs[i].va == MAP_FAILED)
			return fail("mmap", strerror(errno));
		memset(bufs[i].va, 0x5a, bufs[i].size);
	}
	printf("IOMMUPT-QEMU: READY\n");
	if (wait_line(argv[2]))
		return fail("fifo", "no go");
	for (i = 0; i < 3; i++) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ |
				 VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uint64_t)(uintptr_t)bufs[i].va,
			.iova = bufs[i].iova,
			.size = bufs[i].size,
		};

		if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m))
			return fail("map", strerror(errno));
	}
	{
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u),
			.iova = bufs[1].iova,
			.size = bufs[1].size,
		};

		if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) ||
		    u.size != bufs[1].size)
			return fail("unmap", strerror(errno));
	}
	if (expect(pm, &bufs[0]) || expect(pm, &bufs[2]))
		return 1;
	printf("IOMMUPT-QEMU: GONE 0x%" PRIx64 " 0x%" PRIx64 "\n",
	       bufs[1].iova, bufs[1].size);
	if (argc == 4 && edu_write_unmapped(group, argv[1], bufs[1].iova))
		return 1;
	printf("IOMMUPT-QEMU: MAPPED\n");
	if (wait_line(argv[2]))
		return fail("fifo", "no exit");
	return 0;
}
