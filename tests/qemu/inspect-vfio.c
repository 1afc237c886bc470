// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Guest half of the inspector's real-world check (run-inspect.sh is the
 * host half). Runs as root in a QEMU guest whose kernel drives the IOMMU
 * (intel_iommu=on or amd_iommu=on): it binds edu to vfio-pci, maps buffers
 * at known IOVAs through VFIO type1 with raw ioctls, so that the kernel's
 * own IOMMU driver builds the tables, prints each mapping with the physical
 * address /proc/self/pagemap gives, prints the IOMMU's table register read
 * through /dev/mem, then waits for the host to dump guest memory.
 *
 * Usage: inspect-vfio vtd|amd
 * Console lines (all start with "IOMMUPT-QEMU: "):
 *   EDU bb:dd.f             edu's requester ID
 *   MAP iova pa len prot    one physically contiguous piece of a mapping
 *   REG name value          an IOMMU register (VT-d RTADDR, AMD DEV_TAB_BAR)
 *   READY | FAIL why
 *
 * edu: PCI 1234:11e8 (QEMU hw/misc/edu.c); its DMA mask is 28 bits, so the
 * IOVAs stay below 2^28 (the kernel checks nothing of that for type1, but
 * keeping them reachable by the device keeps the check meaningful).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#define VTD_BASE 0xfed90000ull   /* q35 intel-iommu register block */
#define VTD_RTADDR 0x20          /* VT-d 11.4.5 Root Table Address */
#define AMD_BASE 0xfed80000ull   /* q35 amd-iommu register block */
#define AMD_DEV_TAB_BAR 0x00     /* AMD IOMMU 3.4.1 Device Table Base */

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("IOMMUPT-QEMU: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(errno));
	fflush(stdout);
	exit(1);
}

static int read_hex(const char *path, unsigned long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%lx", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fail("write %s to %s", s, path);
	close(fd);
}

/* The PCI address (0000:bb:dd.f) of the edu device. */
static void find_edu(char *bdf, size_t n)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char p[300];
	unsigned long ven, dev;

	if (!d)
		fail("opendir /sys/bus/pci/devices");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (read_hex(p, &ven) || ven != 0x1234)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (read_hex(p, &dev) || dev != 0x11e8)
			continue;
		snprintf(bdf, n, "%s", e->d_name);
		closedir(d);
		return;
	}
	errno = ENODEV;
	fail("no edu device");
}

/* Physical address of the page holding va, from /proc/self/pagemap. */
static uint64_t pa_of(void *va)
{
	static int fd = -1;
	uint64_t e, page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)va / page * 8)) != 8)
		fail("pagemap");
	/* bit 63 present, bits 54:0 PFN (Documentation/admin-guide/mm/pagemap.rst) */
	if (!(e >> 63) || !(e & ((1ull << 55) - 1))) {
		errno = EFAULT;
		fail("page %p not present", va);
	}
	return (e & ((1ull << 55) - 1)) * page + ((uintptr_t)va & (page - 1));
}

static int container = -1;

/* Map len bytes at va to iova, then print the physically contiguous runs. */
static void map(void *va, uint64_t iova, uint64_t len, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)va, .iova = iova, .size = len,
	};
	const char *prot = flags == (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) ?
			   "rw" : flags == VFIO_DMA_MAP_FLAG_READ ? "r-" : "-w";
	uint64_t off = 0;

	memset(va, 0x5a, len); /* fault the pages in */
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &m))
		fail("VFIO_IOMMU_MAP_DMA iova 0x%" PRIx64, iova);
	while (off < len) {
		uint64_t pa = pa_of((char *)va + off), run = 4096;

		while (off + run < len && pa_of((char *)va + off + run) == pa + run)
			run += 4096;
		printf("IOMMUPT-QEMU: MAP 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
		       " %s\n", iova + off, pa, run, prot);
		off += run;
	}
}

static void *pages(uint64_t len, int huge)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
		       (huge ? MAP_HUGETLB : 0), -1, 0);

	if (p == MAP_FAILED)
		fail("mmap %" PRIu64 " bytes%s", len, huge ? " (hugetlb)" : "");
	return p;
}

static uint64_t read_reg(uint64_t base, unsigned int off)
{
	int fd = open("/dev/mem", O_RDONLY | O_SYNC);
	volatile uint32_t *r;
	uint64_t v;

	if (fd < 0)
		fail("open /dev/mem");
	r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (r == MAP_FAILED)
		fail("mmap /dev/mem 0x%" PRIx64, base);
	/* Two 32-bit reads: both units accept them for 64-bit registers. */
	v = r[off / 4] | (uint64_t)r[off / 4 + 1] << 32;
	munmap((void *)r, 4096);
	close(fd);
	return v;
}

int main(int argc, char **argv)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char bdf[300], p[600], grp[300], *slash;
	int amd = argc > 1 && !strcmp(argv[1], "amd");
	ssize_t n;
	int group;

	setvbuf(stdout, NULL, _IOLBF, 0);
	find_edu(bdf, sizeof(bdf));
	printf("IOMMUPT-QEMU: EDU %s\n", bdf + 5);

	/* Bind edu to vfio-pci (edu has no kernel driver of its own). */
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf);
	write_str(p, "vfio-pci");
	write_str("/sys/bus/pci/drivers_probe", bdf);

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(p, grp, sizeof(grp) - 1);
	if (n <= 0)
		fail("readlink %s", p);
	grp[n] = 0;
	slash = strrchr(grp, '/');
	snprintf(p, sizeof(p), "/dev/vfio/%s", slash ? slash + 1 : grp);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    !ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		fail("no VFIO type1v2");
	group = open(p, O_RDWR);
	if (group < 0)
		fail("open %s", p);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		fail("group %s not viable", p);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		fail("VFIO_SET_IOMMU");

	/* Read/write 4K pages, a read-only pair, a 2M page, a write-only page. */
	map(pages(0x4000, 0), 0x100000, 0x4000,
	    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	map(pages(0x2000, 0), 0x200000, 0x2000, VFIO_DMA_MAP_FLAG_READ);
	map(pages(0x200000, 1), 0x400000, 0x200000,
	    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	map(pages(0x1000, 0), 0xfff000, 0x1000, VFIO_DMA_MAP_FLAG_WRITE);

	if (amd)
		printf("IOMMUPT-QEMU: REG DEV_TAB_BAR 0x%" PRIx64 "\n",
		       read_reg(AMD_BASE, AMD_DEV_TAB_BAR));
	else
		printf("IOMMUPT-QEMU: REG RTADDR 0x%" PRIx64 "\n",
		       read_reg(VTD_BASE, VTD_RTADDR));
	printf("IOMMUPT-QEMU: READY\n");
	/* Keep the mappings while the host dumps memory; it ends the VM. */
	for (;;)
		pause();
}
