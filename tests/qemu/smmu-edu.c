// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Guest half of the SMMUv3 hardware-in-the-loop test (run-smmu.sh is the
 * host half). Runs as root inside a QEMU aarch64 `virt,iommu=smmuv3` guest
 * with -device edu, the kernel's own SMMUv3 driver kept off the SMMU. It
 * builds ARM stage 1 domains with libiommupt in pinned memory, brings the
 * SMMU up with libiommudrv (2-level stream table, command and event
 * queues), attaches edu's StreamID, and makes edu's DMA engine copy
 * through IOVAs: the bytes must land at the physical pages the domain maps
 * them to, 4K pages and a 2M block alike; a write to a read-only page and
 * DMA after unmap + invalidation must fault with the right StreamID, IOVA,
 * access and reason. Also: blocked before attach, a never-mapped IOVA, an
 * unmap that frees a table page, re-attach to a second domain (another
 * ASID) and back, detach, every other granule the SMMU reports (IDR5),
 * and stage 2 where the SMMU has it (QEMU 7.2 has not: the driver must
 * refuse it). Leaving out the driver's CMD_TLBI_NH_VA or CMD_CFGI_*
 * makes these checks fail: QEMU caches IOTLB entries and configurations.
 *
 * QEMU facts (hw/arm/virt.c, hw/arm/smmuv3.c): the SMMU's registers are at
 * 0x09050000 (two 64K pages); the PCI host's requester ID is the StreamID.
 * edu facts in edu.h.
 *
 * QEMU 7.2 records one event per 4-byte access of a DMA that faults (no
 * merging), so the checks read every record and expect all of them to be
 * the same fault inside the transfer, the first at its start.
 *
 * Usage: smmu-edu [2level|linear]: the stream table the driver uses (the
 * SMMU has both).
 *
 * Each check prints "IOMMUPT-QEMU: PASS smmu-<mode>/<name>" or
 * "IOMMUPT-QEMU: FAIL smmu-<mode>/<name>: <why>"; "IOMMUPT-QEMU: NOTE ..." lines report what the
 * SMMU lacks; the last line is "IOMMUPT-QEMU: DONE".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-smmu.h>
#include <iommupt/drv.h>
#include <iommupt/gather.h>
#include <iommupt/unit.h>

#include "edu.h"

#define SMMU_BASE 0x09050000ull /* QEMU virt: VIRT_SMMU */
#define SMMU_LEN 0x20000ull

/* 7.3 event numbers the checks expect. */
#define EV_C_BAD_STREAMID 0x02
#define EV_C_BAD_STE 0x04
#define EV_F_TRANSLATION 0x10
#define EV_F_PERMISSION 0x13

/* IOVAs below edu's 28-bit DMA mask, aligned to every granule. */
#define IOVA_SRC 0x100000ull
#define IOVA_DST 0x200000ull
#define IOVA_HUGE 0x400000ull  /* 2M aligned */
#define IOVA_NEVER 0x800000ull /* never mapped */
#define IOVA_TABLE 0xc00000ull /* 2M-aligned range of 4K pages */
#define IOVA_GRAN 0x1000000ull /* other granules */
#define IOVA_CONT 0x1800000ull /* a 64K contiguous run of 4K pages */

static const char *mode = "2level";

struct ctx {
	struct edu e;
	struct iommudrv_pinned *pin;
	struct iommudrv_smmu *smmu;
	struct iommudrv_smmu_info info;
	struct iommupt_unit *asids;
};

/*
 * Read every pending event record (up to MAX_EV). QEMU 7.2 splits a DMA
 * that faults into 4-byte accesses and records an event for each (7.3.1
 * allows merging, QEMU does not merge), so one blocked edu transfer of N
 * bytes gives up to N / 4 records; the first is printed.
 */
#define MAX_EV 256
static struct iommudrv_fault evbuf[MAX_EV];

static int faults_read(struct ctx *c, unsigned int *n)
{
	unsigned int got = 0, k;
	int ret, ovf = 0;

	do {
		k = 0;
		ret = iommudrv_smmu_read_faults(c->smmu, evbuf + got,
						MAX_EV - got, &k);
		if (ret < 0)
			return ret;
		ovf |= ret;
		got += k;
	} while (k && got < MAX_EV);
	*n = got;
	/* 3.5 / 7.2: a full queue that drops records sets EVENTQ_PROD.OVFLG */
	if (got >= c->info.evtq_entries && !ovf)
		printf("IOMMUPT-QEMU: NOTE the event queue filled (%u records)"
		       " without EVENTQ_PROD.OVFLG: lost events are not"
		       " flagged\n", got);
	if (got)
		printf("  fault: unit %u sid %04x iova %#" PRIx64
		       " access %#x reason %u (%s) event %#x; %u records%s\n",
		       evbuf[0].unit, evbuf[0].source_id, evbuf[0].iova,
		       evbuf[0].access, evbuf[0].reason,
		       iommudrv_fault_reason_str(evbuf[0].reason),
		       evbuf[0].vendor_reason, got, ovf ? " (overflow)" : "");
	return ovf;
}

/*
 * Every record is this fault: StreamID, access, reason, event; the first
 * at iova, the others (QEMU's 4-byte pieces) inside [iova, iova + len).
 */
static void check_fault(struct ctx *c, const char *name, uint64_t iova,
			uint64_t len, uint32_t access, uint32_t reason,
			uint32_t ev)
{
	unsigned int n = 0, i, bad = 0;
	int ret = faults_read(c, &n);

	if (ret < 0) {
		qt_result(0, name, "read_faults: %d", ret);
		return;
	}
	for (i = 0; i < n; i++)
		if (evbuf[i].source_id != c->e.sid ||
		    evbuf[i].access != access || evbuf[i].reason != reason ||
		    evbuf[i].vendor_reason != ev || evbuf[i].iova < iova ||
		    evbuf[i].iova - iova >= (len ? len : 1))
			bad++;
	qt_result(ret == 0 && n >= 1 && !bad && evbuf[0].iova == iova, name,
	          "want sid %04x iova %#" PRIx64 " access %#x reason %u event %#x;"
	          " got %u records, %u unlike it (first: sid %04x iova %#" PRIx64
	          " access %#x reason %u event %#x)",
	          c->e.sid, iova, access, reason, ev, n, bad,
	          n ? evbuf[0].source_id : 0, n ? evbuf[0].iova : 0,
	          n ? evbuf[0].access : 0, n ? evbuf[0].reason : 0,
	          n ? evbuf[0].vendor_reason : 0);
}

/* n records, all of the first one's StreamID, reason and event. */
static int all_like_first(const struct ctx *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (evbuf[i].source_id != c->e.sid ||
		    evbuf[i].reason != evbuf[0].reason ||
		    evbuf[i].vendor_reason != evbuf[0].vendor_reason)
			return 0;
	return n >= 1;
}

static int no_faults(struct ctx *c)
{
	unsigned int n = 0;

	return faults_read(c, &n) == 0 && n == 0;
}

static int map_flush(struct ctx *c, struct iommupt_domain *dom, uint16_t id,
		     uint64_t iova, uint64_t pa, uint64_t len, uint32_t prot)
{
	struct iommupt_gather g;
	int ret;

	iommupt_gather_init(&g);
	ret = iommupt_domain_map(dom, iova, pa, len, prot, &g);
	if (!ret)
		ret = iommudrv_smmu_flush(c->smmu, dom, id, &g);
	iommupt_gather_release(&g);
	return ret;
}

static void unmap_flush(struct ctx *c, struct iommupt_domain *dom,
			uint16_t id, uint64_t iova, uint64_t len,
			const char *name)
{
	struct iommupt_gather g;
	uint64_t done = 0;
	int ret, fret;

	iommupt_gather_init(&g);
	ret = iommupt_domain_unmap(dom, iova, len, 0, &g, &done);
	fret = iommudrv_smmu_flush(c->smmu, dom, id, &g);
	iommupt_gather_release(&g);
	qt_result(!ret && !fret && done == len, name,
	          "unmap %d (%" PRIu64 " bytes), flush %d", ret, done, fret);
}

static struct iommupt_domain *dom_new(struct ctx *c, uint32_t format,
				      unsigned int granule)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = format,
		     .granule_lg2 = granule, .ias_lg2 = 48,
		     .oas_lg2 = c->info.oas_lg2 < 48 ? c->info.oas_lg2 : 48);
	struct iommupt_domain *dom = NULL;
	int ret = iommupt_domain_create(&cfg, iommudrv_pinned_mem(c->pin), &dom);

	if (ret)
		printf("  domain create (format %u granule %u): %d\n", format,
		       granule, ret);
	return dom;
}

static uint16_t new_asid(struct ctx *c)
{
	uint32_t id = 0;

	if (iommupt_unit_id_alloc(c->asids, &id))
		return 0xffff;
	return (uint16_t)id;
}

/*
 * Another granule: a domain of 2^lg2-byte pages takes over edu's
 * StreamID; one page each way, then unmap + invalidate faults.
 */
static void other_granule(struct ctx *c, unsigned int lg2, uint8_t *src,
			  uint64_t src_pa)
{
	char name[64];
	struct iommupt_domain *dom = dom_new(c, IOMMUPT_FMT_ARM_S1, lg2);
	uint16_t id = new_asid(c);
	uint8_t *pg = NULL;
	uint64_t pg_pa = 0;
	int ret = dom ? 0 : -EINVAL;

	if (!ret)
		ret = iommudrv_pinned_alloc(c->pin, lg2, (void **)&pg, &pg_pa);
	if (!ret)
		ret = map_flush(c, dom, id, IOVA_GRAN, pg_pa, 1ull << lg2,
				IOMMUPT_READ | IOMMUPT_WRITE);
	if (!ret)
		ret = map_flush(c, dom, id, IOVA_SRC, src_pa & ~((1ull << lg2) - 1),
				1ull << lg2, IOMMUPT_READ);
	if (!ret)
		ret = iommudrv_smmu_attach(c->smmu, c->e.sid, dom, id);
	snprintf(name, sizeof(name), "granule-%uk-dma", (1u << lg2) >> 10);
	if (ret) {
		qt_result(0, name, "setup %d (%s)", ret, strerror(-ret));
	} else {
		uint64_t off = (1ull << lg2) - 4096; /* the page's last 4K */
		uint64_t src_in = src_pa & ((1ull << lg2) - 1);

		qt_fill(src, 4096, lg2);
		memset(pg + off, 0, 4096);
		ret = edu_copy(&c->e, IOVA_SRC + src_in, IOVA_GRAN + off, 4096);
		qt_fill(pg, 4096, lg2 * 3);
		if (!ret)
			ret = edu_copy(&c->e, IOVA_GRAN, IOVA_GRAN + off - 4096,
				       4096);
		qt_result(!ret && !memcmp(pg + off, src, 4096) &&
			       !memcmp(pg + off - 4096, pg, 4096) && no_faults(c),
		          name, "dma %d, bytes %s/%s", ret,
		          memcmp(pg + off, src, 4096) ? "differ" : "match",
		          memcmp(pg + off - 4096, pg, 4096) ? "differ" : "match");
		snprintf(name, sizeof(name), "granule-%uk-unmap",
			 (1u << lg2) >> 10);
		unmap_flush(c, dom, id, IOVA_GRAN, 1ull << lg2, name);
		memset(pg, 0, 4096);
		edu_dma(&c->e, EDU_BUF, IOVA_GRAN + 0x100, 64, 1);
		snprintf(name, sizeof(name), "granule-%uk-fault",
			 (1u << lg2) >> 10);
		check_fault(c, name, IOVA_GRAN + 0x100, 64, IOMMUDRV_ACCESS_WRITE,
			    IOMMUDRV_FAULT_TRANSLATION, EV_F_TRANSLATION);
	}
	iommudrv_smmu_detach(c->smmu, c->e.sid);
	iommupt_domain_destroy(dom);
	iommupt_unit_id_free(c->asids, id);
}

int main(int argc, char **argv)
{
	struct ctx c;
	struct iommudrv_devmem *dm = NULL;
	struct iommupt_domain *dom = NULL, *dom2 = NULL;
	IOMMUPT_OPTS(iommudrv_smmu_opts, sopts, .unit = 0);
	IOMMUPT_OPTS(iommupt_unit_cfg, ucfg, .vendor = IOMMUPT_VENDOR_SMMUV3);
	struct iommupt_gather g;
	uint8_t *src, *dst, *dst2, *huge = NULL;
	uint64_t src_pa, dst_pa, dst2_pa, huge_pa, oa = 0;
	unsigned int n, lg2 = 0;
	uint16_t id, id2;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&c, 0, sizeof(c));
	c.info.sz = sizeof(c.info);
	if (argc > 1)
		mode = argv[1];
	if (!strcmp(mode, "linear")) {
		sopts.flags = IOMMUDRV_SMMU_LINEAR;
	} else if (strcmp(mode, "2level")) {
		fprintf(stderr, "usage: %s [2level|linear]\n", argv[0]);
		return 2;
	}
	printf("IOMMUPT-QEMU: START smmu-edu %s\n", mode);
	qt_mode = !strcmp(mode, "linear") ? "smmu-linear" : "smmu-2level";

	if (edu_open(&c.e)) {
		qt_result(0, "edu-found", "no usable edu device (1234:11e8)");
		goto done;
	}
	qt_result(1, "edu-found", "%s", "");
	printf("  edu stream id %04x\n", c.e.sid);

	ret = iommudrv_pinned_create(NULL, &c.pin);
	if (!ret)
		ret = iommudrv_pinned_alloc(c.pin, 12, (void **)&src, &src_pa);
	if (!ret)
		ret = iommudrv_pinned_alloc(c.pin, 12, (void **)&dst, &dst_pa);
	if (!ret)
		ret = iommudrv_pinned_alloc(c.pin, 12, (void **)&dst2, &dst2_pa);
	qt_result(!ret, "pinned-memory", "%d", ret);
	if (ret)
		goto done;
	printf("  src pa %#" PRIx64 " dst pa %#" PRIx64 " hugepages %d\n",
	       src_pa, dst_pa, iommudrv_pinned_has_huge(c.pin));

	ret = iommudrv_devmem_open(NULL, SMMU_BASE, SMMU_LEN, &dm);
	if (!ret)
		ret = iommudrv_smmu_create(iommudrv_devmem_mmio(dm),
					   iommudrv_pinned_mem(c.pin), &sopts,
					   &c.smmu);
	if (!ret)
		ret = iommudrv_smmu_get_info(c.smmu, &c.info);
	qt_result(!ret, "smmu-probe", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;
	printf("  SMMU idr0 %#x idr1 %#x idr3 %#x idr5 %#x: stage1 %u stage2 %u"
	       " coherent %u httu %u ril %u oas %u granules %#x sid-bits %u"
	       " asid-bits %u 2-level %u (%u sid bits) cmdq %u evtq %u\n",
	       c.info.idr0, c.info.idr1, c.info.idr3, c.info.idr5,
	       c.info.stage1, c.info.stage2, c.info.coherent, c.info.httu,
	       c.info.range_inval, c.info.oas_lg2, c.info.granules,
	       c.info.sid_bits, c.info.asid_bits, c.info.two_level,
	       c.info.table_sid_bits, c.info.cmdq_entries, c.info.evtq_entries);
	qt_result(c.info.two_level == !strcmp(mode, "2level"), "stream-table",
	          "2-level %u in mode %s", c.info.two_level, mode);
	if (c.info.asid_bits == 16)
		ucfg.flags = IOMMUPT_UNIT_SMMU_ASID16;
	ret = iommupt_unit_create(&ucfg, iommudrv_pinned_mem(c.pin), &c.asids);
	if (!ret)
		ret = c.info.stage1 ? 0 : -EOPNOTSUPP;
	if (!ret) {
		dom = dom_new(&c, IOMMUPT_FMT_ARM_S1, 12);
		ret = dom ? 0 : -EINVAL;
	}
	qt_result(!ret, "domain-create", "%d", ret);
	if (ret)
		goto done;
	id = new_asid(&c);
	id2 = new_asid(&c);

	ret = iommudrv_smmu_enable(c.smmu);
	qt_result(!ret, "smmu-enable", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;
	{
		uint64_t gbpa = 0, cr0 = 0;
		const struct iommupt_mmio *mm = iommudrv_devmem_mmio(dm);

		mm->read(mm->ctx, 0x44, 4, &gbpa);
		mm->read(mm->ctx, 0x24, 4, &cr0);
		printf("  CR0ACK %#" PRIx64 " GBPA %#" PRIx64 "\n", cr0, gbpa);
		if (!(gbpa & (1u << 20)))
			printf("IOMMUPT-QEMU: NOTE GBPA.ABORT written but reads"
			       " %#" PRIx64 ": this SMMU has no GBPA (bypass"
			       " while disabled)\n", gbpa);
	}

	/* Blocked before attach: no level 2 table yet (or an invalid STE). */
	qt_fill(src, 4096, 7);
	edu_dma(&c.e, IOVA_SRC, EDU_BUF, 64, 0);
	n = 0;
	ret = faults_read(&c, &n);
	qt_result(ret >= 0 && all_like_first(&c, n) &&
		       evbuf[0].reason == IOMMUDRV_FAULT_NO_DEVICE &&
		       (evbuf[0].vendor_reason == EV_C_BAD_STREAMID ||
			evbuf[0].vendor_reason == EV_C_BAD_STE),
	          "blocked-before-attach", "ret %d n %u reason %u event %#x", ret,
	          n, n ? evbuf[0].reason : 0, n ? evbuf[0].vendor_reason : 0);

	iommupt_gather_init(&g);
	ret = iommupt_domain_map(dom, IOVA_SRC, src_pa, 4096, IOMMUPT_READ, &g);
	if (!ret)
		ret = iommupt_domain_map(dom, IOVA_DST, dst_pa, 4096,
					 IOMMUPT_WRITE, &g);
	if (!ret)
		ret = iommudrv_smmu_attach(c.smmu, c.e.sid, dom, id);
	if (!ret)
		ret = iommudrv_smmu_flush(c.smmu, dom, id, &g);
	iommupt_gather_release(&g);
	qt_result(!ret, "map-attach-s1-4k", "%d (%s)", ret, strerror(-ret));
	if (ret)
		goto done;

	/* RAM -> edu -> RAM through two 4K IOVAs. */
	memset(dst, 0, 4096);
	ret = edu_copy(&c.e, IOVA_SRC, IOVA_DST, 4096);
	n = 0;
	faults_read(&c, &n);
	qt_result(!ret && !memcmp(src, dst, 4096) && n == 0, "dma-4k",
	          "dma %d, bytes %s, %u faults", ret,
	          memcmp(src, dst, 4096) ? "differ" : "match", n);

	/* Stage 1 read-only page: edu's write is a permission fault. */
	edu_dma(&c.e, EDU_BUF, IOVA_SRC + 0x80, 64, 1);
	check_fault(&c, "fault-write-read-only", IOVA_SRC + 0x80, 64,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_PERMISSION,
		    EV_F_PERMISSION);

	/* A 2M block: write its last 4K, read its middle back. */
	ret = iommudrv_pinned_alloc(c.pin, 21, (void **)&huge, &huge_pa);
	if (ret) {
		huge = NULL;
		qt_result(0, "dma-2m", "no 2M hugepage (%d)", ret);
	} else {
		ret = map_flush(&c, dom, id, IOVA_HUGE, huge_pa, 1u << 21,
				IOMMUPT_READ | IOMMUPT_WRITE);
		if (!ret)
			ret = iommupt_domain_iova_to_phys(dom, IOVA_HUGE + 0x1ff000,
							  &oa, NULL, &lg2);
		qt_result(!ret && lg2 == 21 && oa == huge_pa + 0x1ff000,
		          "map-2m", "%d, page 2^%u, oa %#" PRIx64, ret, lg2, oa);
		ret = edu_copy(&c.e, IOVA_SRC, IOVA_HUGE + 0x1ff000, 4096);
		qt_fill(huge + 0x100000, 4096, 99);
		memset(dst, 0, 4096);
		if (!ret)
			ret = edu_copy(&c.e, IOVA_HUGE + 0x100000, IOVA_DST, 4096);
		n = 0;
		faults_read(&c, &n);
		qt_result(!ret && !memcmp(huge + 0x1ff000, src, 4096) &&
			       !memcmp(huge + 0x100000, dst, 4096) && n == 0,
		          "dma-2m", "dma %d, write %s, read %s, %u faults", ret,
		          memcmp(huge + 0x1ff000, src, 4096) ? "differs" : "ok",
		          memcmp(huge + 0x100000, dst, 4096) ? "differs" : "ok", n);
	}

	/*
	 * 64K at a 64K-aligned IOVA and address: 16 4K entries with the
	 * contiguous bit (Arm ARM D8, the Contiguous bit), which the SMMU may
	 * cache as one entry; unmapping the run must drop all of it.
	 */
	{
		uint8_t *cont = NULL;
		uint64_t cont_pa = 0;

		ret = iommudrv_pinned_alloc(c.pin, 16, (void **)&cont, &cont_pa);
		if (!ret)
			ret = map_flush(&c, dom, id, IOVA_CONT, cont_pa, 1u << 16,
					IOMMUPT_READ | IOMMUPT_WRITE);
		lg2 = 0;
		if (!ret)
			ret = iommupt_domain_iova_to_phys(dom, IOVA_CONT + 0x8000,
							  &oa, NULL, &lg2);
		qt_result(!ret && lg2 == 16 && oa == cont_pa + 0x8000, "map-64k-contig",
		          "%d, run 2^%u", ret, lg2);
		if (!ret) {
			qt_fill(src, 4096, 55);
			memset(dst, 0, 4096);
			qt_fill(cont + 0x4000, 4096, 66);
			ret = edu_copy(&c.e, IOVA_SRC, IOVA_CONT + 0xf000, 4096);
			if (!ret)
				ret = edu_copy(&c.e, IOVA_CONT + 0x4000, IOVA_DST,
					       4096);
			qt_result(!ret && !memcmp(cont + 0xf000, src, 4096) &&
				       !memcmp(cont + 0x4000, dst, 4096) &&
				       no_faults(&c),
			          "dma-64k-contig", "dma %d", ret);
			unmap_flush(&c, dom, id, IOVA_CONT, 1u << 16,
				    "unmap-64k-contig");
			memset(cont + 0x9000, 0, 64);
			edu_dma(&c.e, EDU_BUF, IOVA_CONT + 0x9000, 64, 1);
			check_fault(&c, "fault-after-unmap-64k-contig",
				    IOVA_CONT + 0x9000, 64, IOMMUDRV_ACCESS_WRITE,
				    IOMMUDRV_FAULT_TRANSLATION, EV_F_TRANSLATION);
		}
	}

	/* An IOVA that was never mapped. */
	edu_dma(&c.e, EDU_BUF, IOVA_NEVER + 0x345000, 64, 1);
	check_fault(&c, "fault-never-mapped", IOVA_NEVER + 0x345000, 64,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION,
		    EV_F_TRANSLATION);

	/* Unmap + invalidate: the IOTLB must not keep the old page. */
	unmap_flush(&c, dom, id, IOVA_DST, 4096, "unmap-4k");
	memset(dst, 0, 4096);
	edu_dma(&c.e, EDU_BUF, IOVA_DST, EDU_XFER, 1);
	{
		static const uint8_t zero[4096];

		qt_result(!memcmp(dst, zero, 4096), "unmapped-4k-untouched",
		          "bytes reached the unmapped page");
	}
	check_fault(&c, "fault-write-after-unmap", IOVA_DST, EDU_XFER,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION,
		    EV_F_TRANSLATION);
	unmap_flush(&c, dom, id, IOVA_SRC, 4096, "unmap-4k-read");
	edu_dma(&c.e, IOVA_SRC + 0x40, EDU_BUF, 64, 0);
	check_fault(&c, "fault-read-after-unmap", IOVA_SRC + 0x40, 64,
		    IOMMUDRV_ACCESS_READ, IOMMUDRV_FAULT_TRANSLATION,
		    EV_F_TRANSLATION);
	if (huge) {
		unmap_flush(&c, dom, id, IOVA_HUGE, 1u << 21, "unmap-2m");
		edu_dma(&c.e, EDU_BUF, IOVA_HUGE + 0x1000, EDU_XFER, 1);
		check_fault(&c, "fault-after-unmap-2m", IOVA_HUGE + 0x1000, EDU_XFER,
			    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION,
			    EV_F_TRANSLATION);
	}

	/* 4K pages at both ends of one leaf table; unmapping frees it. */
	ret = map_flush(&c, dom, id, IOVA_TABLE, dst_pa, 4096, IOMMUPT_WRITE);
	if (!ret)
		ret = map_flush(&c, dom, id, IOVA_TABLE + 0x1ff000, src_pa,
				4096, IOMMUPT_READ);
	qt_fill(src, 4096, 31);
	memset(dst, 0, 4096);
	if (!ret)
		ret = edu_copy(&c.e, IOVA_TABLE + 0x1ff000, IOVA_TABLE, 4096);
	qt_result(!ret && !memcmp(src, dst, 4096), "dma-4k-table", "%d, bytes %s",
	          ret, memcmp(src, dst, 4096) ? "differ" : "match");
	{
		uint64_t done = 0;
		int fret;

		iommupt_gather_init(&g);
		ret = iommupt_domain_unmap(dom, IOVA_TABLE, 1u << 21, 0, &g,
					   &done);
		fret = iommudrv_smmu_flush(c.smmu, dom, id, &g);
		qt_result(!ret && !fret && done == 8192 && g.nr_pages >= 1 &&
			       (g.flags & IOMMUPT_GATHER_TABLES),
		          "unmap-frees-table", "unmap %d, flush %d, %" PRIu64
		          " bytes, %u table pages", ret, fret, done, g.nr_pages);
		iommupt_gather_release(&g);
	}
	edu_dma(&c.e, EDU_BUF, IOVA_TABLE, 64, 1);
	check_fault(&c, "fault-after-table-freed", IOVA_TABLE, 64,
		    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION,
		    EV_F_TRANSLATION);

	/*
	 * Re-attach to a second domain (ASID id2) whose IOVA_DST is another
	 * page: the SMMU must drop the cached STE and CD of the first.
	 */
	dom2 = dom_new(&c, IOMMUPT_FMT_ARM_S1, 12);
	ret = dom2 ? 0 : -EINVAL;
	if (!ret)
		ret = iommupt_domain_map(dom2, IOVA_DST, dst2_pa, 4096,
					 IOMMUPT_WRITE, NULL);
	if (!ret)
		ret = iommupt_domain_map(dom2, IOVA_SRC, src_pa, 4096,
					 IOMMUPT_READ, NULL);
	if (!ret)
		ret = iommudrv_smmu_attach(c.smmu, c.e.sid, dom2, id2);
	qt_fill(src, 4096, 77);
	memset(dst2, 0, 4096);
	if (!ret)
		ret = edu_copy(&c.e, IOVA_SRC, IOVA_DST, 4096);
	n = 0;
	faults_read(&c, &n);
	qt_result(!ret && !memcmp(src, dst2, 4096) && n == 0,
	          "reattach-second-domain", "%d, bytes %s, %u faults", ret,
	          ret ? "-" : memcmp(src, dst2, 4096) ? "differ" : "match", n);
	ret = iommudrv_smmu_attach(c.smmu, c.e.sid, dom, id);
	edu_dma(&c.e, EDU_BUF, IOVA_DST, 64, 1);
	if (ret)
		qt_result(0, "reattach-first-domain", "attach %d", ret);
	else
		check_fault(&c, "reattach-first-domain", IOVA_DST, 64,
			    IOMMUDRV_ACCESS_WRITE, IOMMUDRV_FAULT_TRANSLATION,
			    EV_F_TRANSLATION);

	ret = iommudrv_smmu_detach(c.smmu, c.e.sid);
	edu_dma(&c.e, EDU_BUF, IOVA_DST, 64, 1);
	n = 0;
	faults_read(&c, &n);
	qt_result(!ret && all_like_first(&c, n) &&
		       evbuf[0].reason == IOMMUDRV_FAULT_NO_DEVICE &&
		       evbuf[0].vendor_reason == EV_C_BAD_STE,
	          "detach-blocks", "detach %d, %u faults, reason %u event %#x",
	          ret, n, n ? evbuf[0].reason : 0, n ? evbuf[0].vendor_reason : 0);

	/* The other granules the SMMU walks (SMMU_IDR5). */
	for (lg2 = 14; lg2 <= 16; lg2 += 2) {
		if (c.info.granules & (1u << lg2))
			other_granule(&c, lg2, src, src_pa);
		else
			printf("IOMMUPT-QEMU: NOTE granule %uK not supported"
			       " (IDR5 %#x)\n", (1u << lg2) >> 10, c.info.idr5);
	}

	/* Stage 2, where the SMMU has it; refused where it has not. */
	{
		struct iommupt_domain *s2 = dom_new(&c, IOMMUPT_FMT_ARM_S2, 12);

		ret = s2 ? iommudrv_smmu_attach(c.smmu, c.e.sid, s2, 1) : -EINVAL;
		if (!c.info.stage2) {
			printf("IOMMUPT-QEMU: NOTE stage 2 not supported"
			       " (IDR0.S2P 0)\n");
			qt_result(ret == -EOPNOTSUPP, "stage2-refused", "attach %d",
			          ret);
		} else {
			ret = ret ? ret : map_flush(&c, s2, 1, IOVA_DST, dst_pa,
						    4096, IOMMUPT_READ |
							    IOMMUPT_WRITE);
			if (!ret)
				ret = map_flush(&c, s2, 1, IOVA_SRC, src_pa, 4096,
						IOMMUPT_READ);
			qt_fill(src, 4096, 5);
			memset(dst, 0, 4096);
			if (!ret)
				ret = edu_copy(&c.e, IOVA_SRC, IOVA_DST, 4096);
			qt_result(!ret && !memcmp(src, dst, 4096) && no_faults(&c),
			          "stage2-dma", "%d", ret);
			unmap_flush(&c, s2, 1, IOVA_DST, 4096, "stage2-unmap");
			edu_dma(&c.e, EDU_BUF, IOVA_DST, 64, 1);
			check_fault(&c, "stage2-fault", IOVA_DST, 64,
				    IOMMUDRV_ACCESS_WRITE,
				    IOMMUDRV_FAULT_TRANSLATION,
				    EV_F_TRANSLATION);
			iommudrv_smmu_detach(c.smmu, c.e.sid);
		}
		iommupt_domain_destroy(s2);
	}

done:
	iommudrv_smmu_destroy(c.smmu); /* translation off before memory goes */
	iommupt_domain_destroy(dom);
	iommupt_domain_destroy(dom2);
	iommupt_unit_destroy(c.asids);
	iommudrv_devmem_close(dm);
	iommudrv_pinned_destroy(c.pin);
	printf("IOMMUPT-QEMU: DONE pass=%d fail=%d\n", qt_nr_pass, qt_nr_fail);
	return qt_nr_fail ? 1 : 0;
}
