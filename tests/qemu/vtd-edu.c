// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Guest half of the VT-d hardware-in-the-loop test (run-vtd.sh is the host
 * half). Runs as root inside a QEMU q35 guest with -device intel-iommu and
 * -device edu, the kernel's own VT-d driver kept off the unit. It builds a
 * VT-d second-stage domain with libiommupt in pinned memory, brings the
 * unit up with libiommudrv, attaches edu, and makes edu's DMA engine copy
 * through IOVAs: the bytes must land at the physical pages the domain maps
 * them to, 4K and 2M pages alike; after unmap + invalidation the same IOVA
 * must fault with the right source, IOVA, access and reason. Also: blocked
 * before attach, a never-mapped IOVA, an unmap that frees a table page,
 * re-attach to a second domain and back (context-cache invalidation), and
 * detach. Leaving out the driver's IOTLB or context-cache invalidation
 * makes these checks fail (QEMU caches both).
 *
 * Usage: vtd-edu [legacy|regs|scalable|scalable-cm]: legacy-mode tables
 * with queued invalidation, legacy mode with register-based invalidation,
 * or scalable mode (the unit must have it: QEMU's x-scalable-mode=on;
 * scalable-cm also expects caching mode and PASID support, QEMU's
 * caching-mode=on,x-pasid-mode=on). In scalable mode edu is then attached
 * to a first-stage (x86-64) domain when the unit has ECAP.FLTS; QEMU 7.2
 * has no first stage, and there the driver must refuse the domain.
 *
 * Each check prints "IOMMUPT-QEMU: PASS <mode>/<name>" or "IOMMUPT-QEMU:
 * FAIL <mode>/<name>: <why>" on the console, then "IOMMUPT-QEMU: DONE".
 * The result lines and edu are tests/qemu/edu.c's (edu facts: edu.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>

#include "edu.h"

#define VTD_BASE 0xfed90000ull /* QEMU q35 intel-iommu register block */
#define VTD_LEN 0x1000ull

/* IOVAs below edu's 28-bit DMA mask. */
#define IOVA_SRC 0x100000ull
#define IOVA_DST 0x200000ull
#define IOVA_HUGE 0x400000ull /* 2M aligned */
#define IOVA_NEVER 0x800000ull /* never mapped */
#define IOVA_TABLE 0xc00000ull /* 2M-aligned range filled with 4K pages */
#define DID 1
#define DID2 2

static const char *mode = "legacy";

static int faults_read(struct iommudrv_vtd *vtd, struct iommudrv_fault *f,
		       unsigned int max, unsigned int *n)
{
	int ret = iommudrv_vtd_read_faults(vtd, f, max, n);

	for (unsigned int i = 0; ret >= 0 && i < *n; i++)
		printf("  fault: unit %u sid %04x iova %#" PRIx64
		       " access %#x reason %u (%s) vtd-fr %#x\n",
		       f[i].unit, f[i].source_id, f[i].iova, f[i].access,
		       f[i].reason, iommudrv_fault_reason_str(f[i].reason),
		       f[i].vendor_reason);
	return ret;
}

static void check_fault(struct iommudrv_vtd *vtd, const char *name,
			uint16_t sid, uint64_t iova, uint32_t access,
			uint32_t reason, uint32_t fr)
{
	struct iommudrv_fault f[4];
	unsigned int n = 0;
	int ret = faults_read(vtd, f, 4, &n);

	if (ret < 0) {
		qt_result(0, name, "read_faults: %d", ret);
		return;
	}
	qt_result(n == 1 && f[0].source_id == sid && f[0].iova == iova &&
		       f[0].access == access && f[0].reason == reason &&
		       f[0].vendor_reason == fr,
	       name,
	       "want 1 fault sid %04x iova %#" PRIx64
	       " access %#x reason %u fr %#x; got %u (first: sid %04x iova %#" PRIx64
	       " access %#x reason %u fr %#x)",
	       sid, iova, access, reason, fr, n, n ? f[0].source_id : 0,
	       n ? f[0].iova : 0, n ? f[0].access : 0, n ? f[0].reason : 0,
	       n ? f[0].vendor_reason : 0);
}

static void unmap_flush(struct iommupt_domain *dom, struct iommudrv_vtd *vtd,
			uint64_t iova, uint64_t len, const char *name)
{
	struct iommupt_gather g;
	uint64_t done = 0;
	int ret, fret;

	iommupt_gather_init(&g);
	ret = iommupt_domain_unmap(dom, iova, len, 0, &g, &done);
	fret = iommudrv_vtd_flush(vtd, DID, &g);
	iommupt_gather_release(&g);
	qt_result(!ret && !fret && done == len, name,
	       "unmap %d (%" PRIu64 " bytes), flush %d", ret, done, fret);
}

/*
 * Scalable mode: edu's requests without PASID through a first-stage
 * (x86-64) domain, RID_PASID entry of type PGTT 001b: a copy, then unmap
 * + PASID-based invalidation and the write faults (first-stage "not
 * present", 0x71). A unit without ECAP.FLTS (QEMU 7.2) must see the
 * domain refused.
 */
static void first_stage(struct iommudrv_vtd *vtd, struct iommudrv_pinned *pin,
			struct edu *e, const struct iommudrv_vtd_info *info,
			uint8_t *src, uint64_t src_pa, uint8_t *dst,
			uint64_t dst_pa)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_X86_64,
		     .levels = 4);
	struct iommupt_domain *fs = NULL;
	struct iommupt_gather g;
	struct iommudrv_fault f[4];
	unsigned int n = 0;
	int ret;

	cfg.pgsize_bitmap = info->fs_levels_mask ? info->fs_pgsize_bitmap
						 : (1ull << 12);
	ret = iommupt_domain_create(&cfg, iommudrv_pinned_mem(pin), &fs);
	if (ret) {
		qt_result(0, "fs-domain", "%d", ret);
		return;
	}
	if (!info->fs_levels_mask) {
		printf("  first stage: not offered (ECAP.FLTS = 0)\n");
		ret = iommudrv_vtd_attach(vtd, e->sid, fs, DID2);
		qt_result(ret == -EOPNOTSUPP, "fs-refused-without-flts",
			  "attach %d", ret);
		iommupt_domain_destroy(fs);
		return;
	}
	iommupt_gather_init(&g);
	ret = iommupt_domain_map(fs, IOVA_SRC, src_pa, 4096, IOMMUPT_READ, &g);
	if (!ret)
		ret = iommupt_domain_map(fs, IOVA_DST, dst_pa, 4096,
					 IOMMUPT_READ | IOMMUPT_WRITE, &g);
	if (!ret)
		ret = iommudrv_vtd_attach(vtd, e->sid, fs, DID2);
	if (!ret)
		ret = iommudrv_vtd_flush(vtd, DID2, &g);
	iommupt_gather_release(&g);
	qt_result(!ret, "fs-map-attach", "%d (%s)", ret, strerror(-ret));
	if (!ret) {
		qt_fill(src, 4096, 123);
		memset(dst, 0, 4096);
		ret = edu_copy(e, IOVA_SRC, IOVA_DST, 4096);
		faults_read(vtd, f, 4, &n);
		qt_result(!ret && !memcmp(src, dst, 4096) && n == 0, "fs-dma-4k",
			  "dma %d, bytes %s, %u faults", ret,
			  memcmp(src, dst, 4096) ? "differ" : "match", n);
		iommupt_gather_init(&g);
		ret = iommupt_domain_unmap(fs, IOVA_DST, 4096, 0, &g, NULL);
		if (!ret)
			ret = iommudrv_vtd_flush(vtd, DID2, &g);
		iommupt_gather_release(&g);
		edu_dma(e, EDU_BUF, IOVA_DST, 64, 1);
		if (ret)
			qt_result(0, "fs-fault-after-unmap", "unmap %d", ret);
		else
			check_fault(vtd, "fs-fault-after-unmap", e->sid,
				    IOVA_DST, IOMMUDRV_ACCESS_WRITE,
				    IOMMUDRV_FAULT_TRANSLATION, 0x71);
	}
	ret = iommudrv_vtd_detach(vtd, e->sid);
	qt_result(!ret, "fs-detach", "%d", ret);
	iommupt_domain_destroy(fs);
}

int main(int argc, char **argv)
{
	struct iommudrv_pinned *pin = NULL;
	struct iommudrv_devmem *dm = NULL;
	struct iommudrv_vtd *vtd = NULL;
	struct iommupt_domain *dom = NULL;
	IOMMUPT_OPTS(iommudrv_vtd_opts, vopts, .unit = 0);
	IOMMUPT_OPTS(iommudrv_vtd_info, info);
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS);
	struct iommupt_gather g;
	struct iommudrv_fault f[4];
	unsigned int n, lg2 = 0, levels;
	uint8_t *src, *dst, *huge;
	uint64_t src_pa, dst_pa, huge_pa, oa = 0;
	struct edu e;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		mode = argv[1];
	qt_mode = mode;
	if (!strcmp(mode, "legacy")) {
		vopts.flags = IOMMUDRV_VTD_LEGACY;
	} else if (!strcmp(mode, "regs")) {
		vopts.flags = IOMMUDRV_VTD_NO_QI;
	} else if (!strcmp(mode, "scalable") || !strcmp(mode, "scalable-cm")) {
		vopts.flags = IOMMUDRV_VTD_SCALABLE;
	} else {
		fprintf(stderr, "usage: %s [legacy|regs|scalable|scalable-cm]\n",
			argv[0]);
		return 2;
	}
	printf("IOMMUPT-QEMU: START vtd-edu %s\n", mode);

	if (edu_open(&e)) {
		qt_result(0, "edu-found", "no usable edu device (1234:11e8)");
		goto done;
	}
	qt_result(1, "edu-found", "%s", "");
	printf("  edu source id %04x\n", e.sid);

	ret = iommudrv_pinned_create(NULL, &pin);
	if (!ret)
		ret = iommudrv_pinned_alloc(pin, 12, (void **)&src, &src_pa);
	if (!ret)
		ret = iommudrv_pinned_alloc(pin, 12, (void **)&dst, &dst_pa);
	qt_result(!ret, "pinned-memory", "%d", ret);
	if (ret)
		goto done;
	printf("  src pa %#" PRIx64 " dst pa %#" PRIx64 " hugepages %d\n",
	       src_pa, dst_pa, iommudrv_pinned_has_huge(pin));

	ret = iommudrv_devmem_open(NULL, VTD_BASE, VTD_LEN, &dm);
	if (!ret)
		ret = iommudrv_vtd_create(iommudrv_devmem_mmio(dm),
					  iommudrv_pinned_mem(pin), &vopts, &vtd);
	if (!ret)
		ret = iommudrv_vtd_get_info(vtd, &info);
	qt_result(!ret, "vtd-probe", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;
	qt_result(info.scalable_mode == !strncmp(mode, "scalable", 8) &&
		       info.queued_inval == !!strcmp(mode, "regs") &&
		       (strcmp(mode, "scalable-cm") ||
			(info.caching_mode && info.nr_pasids > 1)),
	       "vtd-mode", "scalable mode %u, queued invalidation %u, cm %u, "
	       "pasids %u", info.scalable_mode, info.queued_inval,
	       info.caching_mode, info.nr_pasids);
	printf("  VT-d version %u.%u cap %#" PRIx64 " ecap %#" PRIx64
	       " levels-mask %#x mgaw %u pgsizes %#" PRIx64
	       " domains %u frcd %u qi %u scalable %u/%u cm %u\n",
	       info.version >> 4, info.version & 15, info.cap, info.ecap,
	       info.levels_mask, info.mgaw, info.pgsize_bitmap, info.nr_domains,
	       info.nr_fault_records, info.queued_inval, info.scalable,
	       info.scalable_mode, info.caching_mode);
	printf("  coherent %u first-stage levels-mask %#x pgsizes %#" PRIx64
	       " second-stage %u pasids %u\n", info.coherent,
	       info.fs_levels_mask, info.fs_pgsize_bitmap, info.ss_supported,
	       info.nr_pasids);

	levels = info.levels_mask & (1u << 4) ? 4 : 3;
	cfg.levels = levels;
	cfg.pgsize_bitmap = info.pgsize_bitmap;
	ret = iommupt_domain_create(&cfg, iommudrv_pinned_mem(pin), &dom);
	qt_result(!ret, "domain-create", "%d", ret);
	if (ret)
		goto done;
	printf("  domain: %u levels\n", levels);

	ret = iommudrv_vtd_enable(vtd);
	qt_result(!ret, "vtd-enable", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;

	/* Blocked before attach: edu's reads fault as "not attached". */
	qt_fill(src, 4096, 7);
	edu_dma(&e, IOVA_SRC, EDU_BUF, 64, 0);
	n = 0;
	ret = faults_read(vtd, f, 4, &n);
	qt_result(ret >= 0 && n == 1 && f[0].reason == IOMMUDRV_FAULT_NO_DEVICE &&
		       f[0].source_id == e.sid,
	       "blocked-before-attach", "ret %d n %u reason %u", ret, n,
	       n ? f[0].reason : 0);

	iommupt_gather_init(&g);
	ret = iommupt_domain_map(dom, IOVA_SRC, src_pa, 4096, IOMMUPT_READ, &g);
	if (!ret)
		ret = iommupt_domain_map(dom, IOVA_DST, dst_pa, 4096,
					 IOMMUPT_WRITE, &g);
	if (!ret)
		ret = iommudrv_vtd_attach(vtd, e.sid, dom, DID);
	if (!ret)
		ret = iommudrv_vtd_flush(vtd, DID, &g);
	iommupt_gather_release(&g);
	qt_result(!ret, "map-attach", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;

	/* RAM -> edu -> RAM through two 4K IOVAs. */
	memset(dst, 0, 4096);
	ret = edu_copy(&e, IOVA_SRC, IOVA_DST, 4096);
	n = 0;
	faults_read(vtd, f, 4, &n);
	qt_result(!ret && !memcmp(src, dst, 4096) && n == 0, "dma-4k",
	       "dma %d, bytes %s, %u faults", ret,
	       memcmp(src, dst, 4096) ? "differ" : "match", n);

	/* A 2M page: write its last 4K through IOVAs, read its middle back. */
	ret = iommudrv_pinned_alloc(pin, 21, (void **)&huge, &huge_pa);
	if (ret) {
		qt_result(0, "dma-2m", "no 2M hugepage (%d)", ret);
	} else {
		iommupt_gather_init(&g);
		ret = iommupt_domain_map(dom, IOVA_HUGE, huge_pa, 1u << 21,
					 IOMMUPT_READ | IOMMUPT_WRITE, &g);
		if (!ret)
			ret = iommudrv_vtd_flush(vtd, DID, &g);
		iommupt_gather_release(&g);
		if (!ret)
			ret = iommupt_domain_iova_to_phys(dom, IOVA_HUGE + 0x1ff000,
							  &oa, NULL, &lg2);
		qt_result(!ret && lg2 == 21 && oa == huge_pa + 0x1ff000,
		       "map-2m", "%d, page 2^%u, oa %#" PRIx64, ret, lg2, oa);
		/* src -> edu -> last 4K of the 2M page */
		ret = edu_copy(&e, IOVA_SRC, IOVA_HUGE + 0x1ff000, 4096);
		/* middle of the 2M page -> edu -> dst */
		qt_fill(huge + 0x100000, 4096, 99);
		memset(dst, 0, 4096);
		if (!ret)
			ret = edu_copy(&e, IOVA_HUGE + 0x100000, IOVA_DST, 4096);
		n = 0;
		faults_read(vtd, f, 4, &n);
		qt_result(!ret && !memcmp(huge + 0x1ff000, src, 4096) &&
			       !memcmp(huge + 0x100000, dst, 4096) && n == 0,
		       "dma-2m", "dma %d, write %s, read %s, %u faults", ret,
		       memcmp(huge + 0x1ff000, src, 4096) ? "differs" : "ok",
		       memcmp(huge + 0x100000, dst, 4096) ? "differs" : "ok", n);
	}

	/* An IOVA that was never mapped. */
	edu_dma(&e, EDU_BUF, IOVA_NEVER + 0x345000, 64, 1);
	check_fault(vtd, "fault-never-mapped", e.sid, IOVA_NEVER + 0x345000,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION, 0x5);

	/* Unmap + invalidate, then the IOTLB must not keep the old page. */
	unmap_flush(dom, vtd, IOVA_DST, 4096, "unmap-4k");
	memset(dst, 0, 4096);
	edu_dma(&e, EDU_BUF, IOVA_DST, EDU_XFER, 1);
	{
		static const uint8_t zero[4096];

		qt_result(!memcmp(dst, zero, 4096), "unmapped-4k-untouched",
		       "bytes reached the unmapped page");
	}
	check_fault(vtd, "fault-write-after-unmap", e.sid, IOVA_DST,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION, 0x5);

	unmap_flush(dom, vtd, IOVA_SRC, 4096, "unmap-4k-read");
	edu_dma(&e, IOVA_SRC, EDU_BUF, 64, 0);
	check_fault(vtd, "fault-read-after-unmap", e.sid, IOVA_SRC,
		    IOMMUDRV_ACCESS_READ, IOMMUDRV_FAULT_TRANSLATION, 0x6);

	if (huge) {
		unmap_flush(dom, vtd, IOVA_HUGE, 1u << 21, "unmap-2m");
		memset(huge + 0x1000, 0, 4096);
		edu_dma(&e, EDU_BUF, IOVA_HUGE + 0x1000, EDU_XFER, 1);
		check_fault(vtd, "fault-after-unmap-2m", e.sid,
			    IOVA_HUGE + 0x1000, IOMMUDRV_ACCESS_WRITE,
			    IOMMUDRV_FAULT_TRANSLATION, 0x5);
	}

	/*
	 * Unmapping a whole 2M range of 4K pages frees their table page: the
	 * flush must drop paging-structure caches too (IH = 0).
	 */
	iommupt_gather_init(&g);
	ret = iommupt_domain_map(dom, IOVA_TABLE, dst_pa, 4096, IOMMUPT_WRITE,
				 &g);
	if (!ret)
		ret = iommupt_domain_map(dom, IOVA_TABLE + 0x1ff000, src_pa,
					 4096, IOMMUPT_READ, &g);
	if (!ret)
		ret = iommudrv_vtd_flush(vtd, DID, &g);
	iommupt_gather_release(&g);
	qt_fill(src, 4096, 31);
	memset(dst, 0, 4096);
	if (!ret)
		ret = edu_copy(&e, IOVA_TABLE + 0x1ff000, IOVA_TABLE, 4096);
	qt_result(!ret && !memcmp(src, dst, 4096), "dma-4k-table",
	       "%d, bytes %s", ret, memcmp(src, dst, 4096) ? "differ" : "match");
	{
		struct iommupt_gather tg;
		uint64_t done = 0;
		int fret;

		iommupt_gather_init(&tg);
		ret = iommupt_domain_unmap(dom, IOVA_TABLE, 1u << 21, 0, &tg,
					   &done);
		fret = iommudrv_vtd_flush(vtd, DID, &tg);
		qt_result(!ret && !fret && done == 8192 && tg.nr_pages >= 1 &&
			       (tg.flags & IOMMUPT_GATHER_TABLES),
		       "unmap-frees-table", "unmap %d, flush %d, %" PRIu64
		       " bytes, %u table pages", ret, fret, done, tg.nr_pages);
		iommupt_gather_release(&tg);
	}
	memset(dst, 0, 4096);
	edu_dma(&e, EDU_BUF, IOVA_TABLE, 64, 1);
	check_fault(vtd, "fault-after-table-freed", e.sid, IOVA_TABLE,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION, 0x5);

	/*
	 * Re-attach to a second domain whose IOVA_DST is another page: the
	 * unit must drop the cached context of the first.
	 */
	{
		struct iommupt_domain *dom2 = NULL;
		uint8_t *dst2;
		uint64_t dst2_pa;

		ret = iommudrv_pinned_alloc(pin, 12, (void **)&dst2, &dst2_pa);
		if (!ret)
			ret = iommupt_domain_create(&cfg,
						    iommudrv_pinned_mem(pin),
						    &dom2);
		if (!ret)
			ret = iommupt_domain_map(dom2, IOVA_DST, dst2_pa, 4096,
						 IOMMUPT_WRITE, NULL);
		if (!ret)
			ret = iommupt_domain_map(dom2, IOVA_SRC, src_pa, 4096,
						 IOMMUPT_READ, NULL);
		if (!ret)
			ret = iommudrv_vtd_attach(vtd, e.sid, dom2, DID2);
		qt_fill(src, 4096, 77);
		memset(dst, 0, 4096);
		if (!ret)
			ret = edu_copy(&e, IOVA_SRC, IOVA_DST, 4096);
		n = 0;
		faults_read(vtd, f, 4, &n);
		qt_result(!ret && !memcmp(src, dst2, 4096) && n == 0,
		       "reattach-second-domain", "%d, bytes %s, %u faults",
		       ret, ret ? "-" : memcmp(src, dst2, 4096) ? "differ"
								: "match", n);
		/* And back: the first domain has IOVA_DST unmapped. */
		ret = iommudrv_vtd_attach(vtd, e.sid, dom, DID);
		edu_dma(&e, EDU_BUF, IOVA_DST, 64, 1);
		if (ret)
			qt_result(0, "reattach-first-domain", "attach %d", ret);
		else
			check_fault(vtd, "reattach-first-domain", e.sid,
				    IOVA_DST, IOMMUDRV_ACCESS_WRITE,
				    IOMMUDRV_FAULT_TRANSLATION, 0x5);
		ret = iommudrv_vtd_attach(vtd, e.sid, dom2, DID2);
		if (!ret)
			ret = iommudrv_vtd_detach(vtd, e.sid);
		qt_result(!ret, "detach-second-domain", "%d", ret);
		iommupt_domain_destroy(dom2); /* detached and flushed */
		if (!ret)
			ret = iommudrv_vtd_attach(vtd, e.sid, dom, DID);
		qt_result(!ret, "attach-first-again", "%d", ret);
	}

	ret = iommudrv_vtd_detach(vtd, e.sid);
	edu_dma(&e, EDU_BUF, IOVA_DST, 64, 1);
	n = 0;
	faults_read(vtd, f, 4, &n);
	qt_result(!ret && n == 1 && f[0].reason == IOMMUDRV_FAULT_NO_DEVICE,
	       "detach-blocks", "detach %d, %u faults, reason %u", ret, n,
	       n ? f[0].reason : 0);

	if (info.scalable_mode)
		first_stage(vtd, pin, &e, &info, src, src_pa, dst, dst_pa);

done:
	iommudrv_vtd_destroy(vtd); /* translation off before memory goes */
	iommupt_domain_destroy(dom);
	iommudrv_devmem_close(dm);
	iommudrv_pinned_destroy(pin);
	printf("IOMMUPT-QEMU: DONE pass=%d fail=%d\n", qt_nr_pass,
	       qt_nr_fail);
	return qt_nr_fail ? 1 : 0;
}
