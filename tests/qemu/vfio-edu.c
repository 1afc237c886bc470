// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Guest half of the VFIO and UIO hardware-in-the-loop tests (run-vfio.sh is
 * the host half). Runs as root in a QEMU q35 guest with -device edu.
 *
 * vfio (kernel booted with intel_iommu=on, vfio_iommu_type1 loaded with
 * dma_entry_limit=64): edu is bound to vfio-pci, its group opened with
 * libiommudrv's type1 backend, buffers mapped through it (4K and 2M
 * leaves in the mirrored library domain), and edu's DMA engine (registers
 * through the VFIO device's BAR0 region) copies between them: the bytes
 * must arrive. Also: the MSI window the kernel withholds is refused by the
 * library; a map the kernel refuses (-EFAULT for unbacked memory) leaves
 * the library unchanged; an unmap cutting a mapping is refused by both;
 * the dirty bitmap reports exactly the mapped pages (type1 counts every
 * pinned page dirty, read-only ones too; the library keeps the writable
 * ones), twice; the kernel's mapping limit comes back as -ENOSPC after
 * exactly the mappings its DMA_AVAIL capability promised; after unmap,
 * edu's writes no longer arrive.
 *
 * uio (intel_iommu=off): edu is bound to uio_pci_generic through sysfs,
 * BAR0 mapped through resource0, bus mastering enabled in config space,
 * pinned memory addressed by its physical address (IOVA = PA), checked
 * against edu's 28-bit DMA mask; edu copies and raises INTx, seen through
 * /dev/uioN.
 *
 * Usage: vfio-edu vfio|uio. Each check prints "IOMMUPT-QEMU: PASS
 * <mode>/<name>" or "IOMMUPT-QEMU: FAIL <mode>/<name>: <why>", then
 * "IOMMUPT-QEMU: DONE".
 *
 * edu facts in edu.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <iommupt/dirty.h>
#include <iommupt/domain.h>
#include <iommupt/drv-uio.h>
#include <iommupt/drv-vfio.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/provider.h>
#include <iommupt/resv.h>
#include <iommupt/unit.h>

#include "edu.h"

#define PG 4096ull
#define SZ_2M (2ull << 20)
#define IOVA_SRC 0x100000ull  /* 16 pages, device read-only */
#define IOVA_DST 0x200000ull  /* 16 pages */
#define IOVA_HUGE 0x400000ull /* 2M, one 2M leaf in the library */
#define BUF_LEN (16 * PG)

static const char *mode = "vfio";
/* BAR0 as the backend under test maps it (no sysfs resource0 for vfio). */
static struct edu e;

/* ---- vfio ------------------------------------------------------------ */

static int group_of(const char *bdf)
{
	char path[256], link[256];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	base = strrchr(link, '/');
	return atoi(base ? base + 1 : link);
}

struct dirty_walk {
	uint64_t pages;
};

static int count_leaf(void *ctx, const struct iommupt_leaf *l)
{
	struct dirty_walk *w = ctx;

	w->pages += (1ull << l->size_lg2) / PG;
	return 0;
}

/* Expected harvest: writable mappings only, each page once. */
static int check_bitmap(const uint64_t *bm, uint64_t base, uint64_t npages,
			const uint64_t (*want)[2], int nwant, char *why,
			size_t whysz)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t iova = base + i * PG;
		int set = bm[i / 64] >> (i % 64) & 1, exp = 0;

		for (int k = 0; k < nwant; k++)
			if (iova >= want[k][0] && iova < want[k][0] + want[k][1])
				exp = 1;
		if (set != exp) {
			snprintf(why, whysz, "page %#" PRIx64 " dirty %d, want %d",
				 iova, set, exp);
			return 0;
		}
	}
	return 1;
}

static int harvest(struct iommudrv_vfio *v, uint64_t *bm, uint64_t base,
		   uint64_t len)
{
	struct iommupt_gather g;
	int ret;

	memset(bm, 0, (len / PG + 63) / 64 * 8);
	iommupt_gather_init(&g);
	ret = iommupt_domain_read_and_clear_dirty(iommudrv_vfio_domain(v), base,
						  len, PG, bm,
						  (len / PG + 63) / 64 * 8, 0,
						  &g, NULL);
	iommupt_gather_release(&g);
	return ret;
}

static int run_vfio(void)
{
	IOMMUPT_OPTS(iommudrv_vfio_info, info);
	IOMMUPT_OPTS(iommudrv_vfio_region, reg);
	IOMMUPT_OPTS(iommupt_stats, st);
	static const uint64_t want[][2] = { { IOVA_DST, BUF_LEN },
					    { IOVA_HUGE, SZ_2M } };
	struct iommupt_resv_region resv[8];
	struct iommupt_heap *heap;
	struct iommudrv_vfio *v;
	size_t nresv = 8;
	uint8_t *src, *dst, *huge, *extra;
	uint64_t bm[(8ull << 20) / PG / 64], pages = 0, oa, un = 0;
	char bdf[32], why[128];
	int group, dev, ret, n;
	uint16_t cmd;

	if (edu_find(bdf, sizeof(bdf))) {
		qt_result(0, "find-edu", "no 1234:11e8 device");
		return 1;
	}
	ret = iommudrv_pci_bind(NULL, bdf, "vfio-pci");
	qt_result(!ret, "bind-vfio-pci", "iommudrv_pci_bind: %d", ret);
	group = group_of(bdf);
	if (ret || group < 0) {
		qt_result(0, "group", "no iommu_group for %s", bdf);
		return 1;
	}
	if (iommupt_heap_create(NULL, &heap))
		return 1;
	ret = iommudrv_vfio_open((unsigned int)group, iommupt_heap_mem(heap),
				 NULL, &v);
	qt_result(!ret, "open", "group %d: %d", group, ret);
	if (ret)
		return 1;
	iommudrv_vfio_get_info(v, &info);
	printf("  group %d api %u pgsizes %#" PRIx64 " ranges %u dma_avail %u"
	       " dirty %u (pgsizes %#" PRIx64 ", max %" PRIu64 " bytes)\n",
	       group, info.api_version, info.pgsize_bitmap, info.nr_ranges,
	       info.dma_avail, info.dirty, info.dirty_pgsize_bitmap,
	       info.dirty_max_bitmap_bytes);
	for (uint32_t i = 0; i < info.nr_ranges; i++) {
		uint64_t s, l;

		iommudrv_vfio_get_range(v, i, &s, &l);
		printf("  iova range %#" PRIx64 "-%#" PRIx64 "\n", s, l);
	}

	/* The kernel's IOVA ranges leave out the MSI window (0xfee00000). */
	ret = iommupt_domain_get_resv(iommudrv_vfio_domain(v), resv, &nresv);
	n = 0;
	for (size_t i = 0; !ret && i < nresv; i++)
		if (resv[i].start <= 0xfee00000 && resv[i].last >= 0xfeefffff)
			n = 1;
	qt_result(n && info.nr_ranges >= 2, "msi-window-reserved",
	          "ret %d, %zu regions, none covers the MSI window", ret, nresv);
	ret = iommudrv_vfio_map(v, 0xfee00000, 0x10000000, PG, IOMMUPT_READ);
	qt_result(ret == -EBUSY, "msi-window-refused", "map: %d", ret);

	/*
	 * The group's sysfs reserved_regions, through the library's parser:
	 * the MSI window is there, and no region overlaps a range VFIO
	 * calls usable.
	 */
	{
		char path[128];
		int msi = 0, clash = 0;

		snprintf(path, sizeof(path),
			 "/sys/kernel/iommu_groups/%d/reserved_regions", group);
		nresv = 8;
		ret = iommupt_resv_read_file(path, resv, &nresv);
		for (size_t i = 0; !ret && i < nresv; i++) {
			printf("  sysfs reserved %#" PRIx64 "-%#" PRIx64
			       " type %u\n", resv[i].start, resv[i].last,
			       resv[i].type);
			if (resv[i].type == IOMMUPT_RESV_MSI &&
			    resv[i].start == 0xfee00000 &&
			    resv[i].last == 0xfeefffff)
				msi = 1;
			for (uint32_t k = 0; k < info.nr_ranges; k++) {
				uint64_t s, l;

				iommudrv_vfio_get_range(v, k, &s, &l);
				if (resv[i].start <= l && s <= resv[i].last)
					clash = 1;
			}
		}
		qt_result(!ret && msi && !clash, "sysfs-reserved-regions",
		          "read %d, msi window %s, %s", ret,
		          msi ? "found" : "missing",
		          clash ? "overlaps a VFIO range" : "no overlap");
	}

	dev = iommudrv_vfio_device_open(v, bdf);
	qt_result(dev >= 0, "device-fd", "GET_DEVICE_FD: %d", dev);
	if (dev < 0)
		return 1;
	ret = iommudrv_vfio_region_info(v, dev, VFIO_PCI_BAR0_REGION_INDEX, &reg);
	if (!ret && (reg.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		e.bar = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			     dev, (off_t)reg.offset);
		if (e.bar == MAP_FAILED)
			ret = -errno;
	} else if (!ret) {
		ret = -ENOTSUP;
	}
	qt_result(!ret, "bar0-region", "region/mmap: %d", ret);
	if (ret)
		return 1;
	/* Bus mastering through the config region (command register, 0x4). */
	ret = iommudrv_vfio_region_info(v, dev, VFIO_PCI_CONFIG_REGION_INDEX,
					&reg);
	if (!ret && pread(dev, &cmd, 2, (off_t)reg.offset + 4) == 2) {
		cmd |= 0x6;
		ret = pwrite(dev, &cmd, 2, (off_t)reg.offset + 4) == 2 ? 0 : -EIO;
	} else {
		ret = -EIO;
	}
	qt_result(!ret, "bus-master", "config: %d", ret);
	qt_result((edu_r32(&e, 0) & 0xff) == 0xed,
	          "edu-id", "id register %#x", edu_r32(&e, 0));

	src = aligned_alloc(PG, BUF_LEN);
	dst = aligned_alloc(PG, BUF_LEN);
	huge = aligned_alloc(SZ_2M, SZ_2M);
	if (!src || !dst || !huge)
		return 1;
	qt_fill(src, BUF_LEN, 1);
	memset(dst, 0, BUF_LEN);
	qt_fill(huge, SZ_2M, 2);

	ret = iommudrv_vfio_map(v, IOVA_SRC, (uintptr_t)src, BUF_LEN,
				IOMMUPT_READ);
	if (!ret)
		ret = iommudrv_vfio_map(v, IOVA_DST, (uintptr_t)dst, BUF_LEN,
					IOMMUPT_READ | IOMMUPT_WRITE);
	if (!ret)
		ret = iommudrv_vfio_map(v, IOVA_HUGE, (uintptr_t)huge, SZ_2M,
					IOMMUPT_READ | IOMMUPT_WRITE);
	qt_result(!ret, "map", "%d", ret);
	iommupt_domain_stats(iommudrv_vfio_domain(v), &st);
	qt_result(st.leaves[1] == 1 && st.leaves[0] == 32, "library-leaves",
	          "%" PRIu64 " 2M and %" PRIu64 " 4K leaves, want 1 and 32",
	          st.leaves[1], st.leaves[0]);
	ret = iommupt_domain_iova_to_phys(iommudrv_vfio_domain(v),
					  IOVA_DST + 0x1234, &oa, NULL, NULL);
	qt_result(!ret && oa == (uintptr_t)dst + 0x1234, "library-translates",
	          "iova_to_phys: %d %#" PRIx64, ret, oa);

	/* Dirty tracking on before the DMA: type1 pins and reports all. */
	ret = iommudrv_vfio_dirty_start(v);
	qt_result(!ret, "dirty-start", "%d", ret);

	ret = edu_copy(&e, IOVA_SRC, IOVA_DST, BUF_LEN);
	qt_result(!ret && !memcmp(src, dst, BUF_LEN), "dma-copy",
	          "ret %d, bytes %s", ret,
	          memcmp(src, dst, BUF_LEN) ? "differ" : "match");
	/* Half of the 2M buffer into its other half (one 2M leaf). */
	ret = edu_copy(&e, IOVA_HUGE, IOVA_HUGE + SZ_2M / 2, 64 * 1024);
	qt_result(!ret && !memcmp(huge, huge + SZ_2M / 2, 64 * 1024),
	          "dma-copy-2m", "ret %d", ret);

	/* A kernel refusal: memory that cannot be pinned. */
	extra = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ret = iommudrv_vfio_map(v, 0x800000, (uintptr_t)extra, PG,
				IOMMUPT_READ);
	n = iommupt_domain_iova_to_phys(iommudrv_vfio_domain(v), 0x800000, &oa,
					NULL, NULL);
	qt_result(ret < 0 && ret != -EBUSY && n == -ENOENT, "kernel-refusal-rolls-back",
	          "map %d, library lookup %d", ret, n);
	printf("  map of PROT_NONE memory: %d (%s)\n", ret, strerror(-ret));

	/* Cutting a mapping: type1 v2 refuses, both sides keep it. */
	ret = iommudrv_vfio_unmap(v, IOVA_DST, PG, &un);
	n = iommupt_domain_iova_to_phys(iommudrv_vfio_domain(v), IOVA_DST, &oa,
					NULL, NULL);
	memset(dst, 0, BUF_LEN);
	edu_copy(&e, IOVA_SRC, IOVA_DST, PG);
	qt_result(ret == -EINVAL && !n && !memcmp(src, dst, PG),
	          "partial-unmap-refused", "unmap %d, lookup %d", ret, n);

	/* Dirty: every mapped page reported, writable ones kept, twice. */
	for (int round = 1; round <= 2; round++) {
		char name[32];

		ret = iommudrv_vfio_dirty_sync(v, 0, 8ull << 20, &pages);
		if (!ret)
			ret = harvest(v, bm, 0, 8ull << 20);
		snprintf(name, sizeof(name), "dirty-round%d", round);
		qt_result(!ret && pages == 2 * BUF_LEN / PG + SZ_2M / PG &&
			       check_bitmap(bm, 0, (8ull << 20) / PG, want, 2, why,
					    sizeof(why)),
		          name, "ret %d, %" PRIu64 " pages reported (want %llu): %s",
		          ret, pages, 2 * BUF_LEN / PG + SZ_2M / PG,
		          ret ? "" : why);
	}
	/* Argument rules on the real kernel: smallest page, whole mappings. */
	ret = iommudrv_vfio_dirty_sync(v, IOVA_DST, PG, &pages);
	qt_result(ret == -EINVAL, "dirty-cut-refused", "%d", ret);
	ret = iommudrv_vfio_dirty_stop(v);
	qt_result(!ret, "dirty-stop", "%d", ret);

	/* The mapping limit: exactly dma_avail more maps, then -ENOSPC. */
	iommudrv_vfio_get_info(v, &info);
	if (info.has_dma_avail && info.dma_avail < 1024) {
		uint32_t avail = info.dma_avail, made = 0;
		uint8_t *pool = aligned_alloc(PG, (avail + 1) * PG);

		ret = 0;
		while (pool && !ret && made <= avail) {
			ret = iommudrv_vfio_map(v, 0x10000000 + made * 2 * PG,
						(uintptr_t)(pool + made * PG), PG,
						IOMMUPT_READ);
			if (!ret)
				made++;
		}
		n = iommupt_domain_iova_to_phys(iommudrv_vfio_domain(v),
						0x10000000 + made * 2 * PG,
						&oa, NULL, NULL);
		qt_result(ret == -ENOSPC && made == avail && n == -ENOENT,
		          "dma-limit-enospc", "%u maps then %d (dma_avail %u)",
		          made, ret, avail);
		ret = iommudrv_vfio_unmap(v, 0x10000000, 0x10000000, &un);
		qt_result(!ret && un == made * PG, "unmap-many",
		          "%d, %" PRIu64 " bytes", ret, un);
		free(pool);
	} else {
		printf("  dma_avail %u: limit check needs dma_entry_limit < 1024\n",
		       info.dma_avail);
	}

	/* Unmap: both sides empty; edu's writes no longer arrive. */
	ret = iommudrv_vfio_unmap(v, 0, 8ull << 20, &un);
	st.sz = sizeof(st);
	iommupt_domain_stats(iommudrv_vfio_domain(v), &st);
	qt_result(!ret && un == 2 * BUF_LEN + SZ_2M && st.mapped_bytes == 0,
	          "unmap", "%d, %" PRIu64 " bytes, library %" PRIu64, ret, un,
	          st.mapped_bytes);
	memset(dst, 0, BUF_LEN);
	qt_fill(src, BUF_LEN, 3);
	edu_dma(&e, EDU_BUF, IOVA_DST, EDU_XFER, 1);
	{
		struct iommupt_domain *dom = iommudrv_vfio_domain(v);
		struct dirty_walk w = { 0 };

		iommupt_domain_walk(dom, 0, 0, count_leaf, &w);
		n = 1;
		for (size_t i = 0; i < EDU_XFER; i++)
			if (dst[i])
				n = 0;
		qt_result(n && w.pages == 0, "unmapped-blocked",
		          "bytes arrived after unmap (or %" PRIu64 " pages left)",
		          w.pages);
	}

	munmap((void *)e.bar, 1 << 20);
	close(dev);
	iommudrv_vfio_close(v);
	iommupt_heap_destroy(heap);
	free(src);
	free(dst);
	free(huge);
	return 0;
}

/* ---- uio ------------------------------------------------------------- */

static int run_uio(void)
{
	IOMMUPT_OPTS(iommudrv_uio_opts, uo, .dma_mask_bits = EDU_DMA_BITS);
	IOMMUPT_OPTS(iommudrv_pinned_opts, po, .flags = IOMMUDRV_PINNED_NO_HUGE);
	struct iommudrv_pinned *pin;
	struct iommudrv_uio *u;
	void *src, *dst;
	uint64_t src_pa, dst_pa, a, blen;
	volatile void *b;
	uint32_t cmd = 0, count = 0;
	char bdf[32];
	int ret;

	if (edu_find(bdf, sizeof(bdf))) {
		qt_result(0, "find-edu", "no 1234:11e8 device");
		return 1;
	}
	ret = iommudrv_uio_open(bdf, &uo, &u);
	qt_result(!ret, "bind-uio", "iommudrv_uio_open: %d", ret);
	if (ret)
		return 1;
	printf("  %s is /dev/uio%d\n", bdf, iommudrv_uio_index(u));
	ret = iommudrv_uio_map_bar(u, 0, &b, &blen);
	qt_result(!ret && blen == 1 << 20, "bar0", "%d, %" PRIu64 " bytes", ret,
	          blen);
	if (ret)
		return 1;
	e.bar = b;
	ret = iommudrv_uio_set_master(u, 1);
	if (!ret)
		ret = iommudrv_uio_cfg_read(u, 4, 2, &cmd);
	qt_result(!ret && (cmd & 0x6) == 0x6, "bus-master", "%d cmd %#x", ret,
	          cmd);

	ret = iommudrv_pinned_create(&po, &pin);
	if (!ret)
		ret = iommudrv_pinned_alloc(pin, 12, &src, &src_pa);
	if (!ret)
		ret = iommudrv_pinned_alloc(pin, 12, &dst, &dst_pa);
	if (ret) {
		qt_result(0, "pinned", "%d", ret);
		return 1;
	}
	/* IOVA = PA: the backend's answer is pagemap's, inside 28 bits. */
	ret = iommudrv_uio_dma_addr(u, src, PG, &a);
	if (ret == -ERANGE) {
		printf("IOMMUPT-QEMU: SKIP uio: pinned memory above edu's 28-bit"
		       " DMA mask (PA %#" PRIx64 "); give the guest less memory\n",
		       src_pa);
		return 0;
	}
	qt_result(!ret && a == src_pa && a + PG <= 1ull << EDU_DMA_BITS,
	          "iova-is-pa", "%d %#" PRIx64 " vs %#" PRIx64, ret, a, src_pa);
	ret = iommudrv_uio_dma_addr(u, dst, PG, &a);
	qt_result(!ret && a == dst_pa, "iova-is-pa-dst", "%d", ret);

	qt_fill(src, PG, 7);
	memset(dst, 0, PG);
	ret = edu_copy(&e, src_pa, dst_pa, PG);
	qt_result(!ret && !memcmp(src, dst, PG), "dma-copy", "ret %d, bytes %s",
	          ret, memcmp(src, dst, PG) ? "differ" : "match");

	/* INTx through uio_pci_generic: one DMA that raises it. */
	ret = iommudrv_uio_irq_enable(u);
	if (!ret)
		ret = edu_dma_cmd(&e, src_pa, EDU_BUF, 64, EDU_CMD_IRQ);
	if (!ret)
		ret = iommudrv_uio_irq_wait(u, 5000, &count);
	qt_result(!ret && count >= 1 && (edu_r32(&e, EDU_IRQ_STATUS) & EDU_DMA_IRQ),
	          "intx", "%d count %u status %#x", ret, count,
	          edu_r32(&e, EDU_IRQ_STATUS));
	edu_w32(&e, EDU_IRQ_ACK, edu_r32(&e, EDU_IRQ_STATUS));

	iommudrv_uio_set_master(u, 0);
	iommudrv_pinned_free(pin, src, 12);
	iommudrv_pinned_free(pin, dst, 12);
	iommudrv_pinned_destroy(pin);
	iommudrv_uio_close(u);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc > 1)
		mode = argv[1];
	qt_mode = mode;
	if (!strcmp(mode, "vfio"))
		ret = run_vfio();
	else if (!strcmp(mode, "uio"))
		ret = run_uio();
	else {
		fprintf(stderr, "usage: vfio-edu vfio|uio\n");
		return 2;
	}
	printf("IOMMUPT-QEMU: DONE %s %d passed %d failed\n", mode,
	       qt_nr_pass, qt_nr_fail);
	fflush(stdout);
	return ret || qt_nr_fail;
}
