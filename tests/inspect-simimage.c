// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * inspect-simimage: memory images from the simulator for
 * tests/test-inspect.sh. A set-up is built in simulated memory (VT-d: by
 * the user-mode driver, libiommudrv, in scalable or legacy mode; AMD-Vi and
 * SMMUv3: device table / stream table and CDs written here), the
 * simulator's own walker (independent of libiommupt) translates sample
 * DMAs to check the set-up is what the hardware would see, then the
 * simulated memory is written out as a raw image.
 *
 *   inspect-simimage [--elf] OUT vtd|vtd-legacy|amd|smmu
 * --elf writes an ELF64 core (tests/inspect-elf.h) instead of raw bytes.
 * Prints shell assignments (base=, rtaddr= / devtab= / strtab=) on stdout;
 * exits 2 when the simulator disagrees with the set-up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>
#include <iommupt/sim-amd.h>
#include <iommupt/sim-smmu.h>
#include <iommupt/sim-vtd.h>
#include <iommupt/sim.h>

#include "inspect-elf.h"

#define DUMP_BASE 0x100000ull  /* the simulator allocates from 1 MiB */
#define DUMP_SIZE (8ull << 20)
#define VTD_RTADDR 0x20        /* VT-d 11.4.5 */

static struct iommusim_mem *mem;
static struct iommusim_unit *unit;
static struct iommudrv_vtd *drv;
static struct iommupt_domain *doms[2];

static void die(const char *what, int rc)
{
	fprintf(stderr, "inspect-simimage: %s: %d\n", what, rc);
	exit(2);
}

static struct iommupt_domain *domain(const struct iommupt_domain_cfg *cfg)
{
	struct iommupt_domain *d;
	int rc = iommupt_domain_create(cfg, iommusim_mem_provider(mem), &d);

	if (rc)
		die("domain create", rc);
	return d;
}

static void map(struct iommupt_domain *d, uint64_t iova, uint64_t oa,
		uint64_t len, uint32_t prot)
{
	int rc = iommupt_domain_map(d, iova, oa, len, prot, NULL);

	if (rc)
		die("map", rc);
}

static uint64_t root_of(struct iommupt_domain *d)
{
	IOMMUPT_OPTS(iommupt_domain_info, info);

	iommupt_domain_get_info(d, &info);
	return info.root_oa;
}

/* The simulator must translate (sid, iova) to oa. */
static void expect(uint32_t sid, uint64_t iova, uint64_t oa, bool write)
{
	IOMMUPT_OPTS(iommusim_dma, rq, .sid = sid, .iova = iova, .size = 8,
		     .access = write ? IOMMUSIM_DMA_WRITE : IOMMUSIM_DMA_READ);
	IOMMUPT_OPTS(iommusim_dma_result, res);
	int rc = iommusim_unit_dma(unit, &rq, &res);

	if (rc || res.fault || res.oa != oa) {
		fprintf(stderr, "inspect-simimage: sid 0x%x iova 0x%" PRIx64
			": rc %d fault 0x%x oa 0x%" PRIx64 ", expected 0x%" PRIx64
			"\n", sid, iova, rc, res.fault, res.oa, oa);
		exit(2);
	}
}

static void wr(uint64_t off, unsigned int size, uint64_t v)
{
	const struct iommupt_mmio *m = iommusim_unit_mmio(unit);
	int rc = m->write(m->ctx, off, size, v);

	if (rc)
		die("register write", rc);
}

static uint64_t rd(uint64_t off, unsigned int size)
{
	const struct iommupt_mmio *m = iommusim_unit_mmio(unit);
	uint64_t v = 0;
	int rc = m->read(m->ctx, off, size, &v);

	if (rc)
		die("register read", rc);
	return v;
}

static uint64_t alloc(unsigned int lg2)
{
	uint64_t pa;
	int rc = iommusim_mem_alloc(mem, lg2, &pa);

	if (rc)
		die("alloc", rc);
	return pa;
}

static void w64(uint64_t pa, uint64_t v)
{
	int rc = iommusim_mem_write64(mem, pa, v);

	if (rc)
		die("write", rc);
}

/* VT-d through the driver: 00:01.0 and 00:02.0 share d1, 01:00.0 has d2. */
static void make_vtd(bool legacy)
{
	IOMMUPT_OPTS(iommusim_vtd_opts, so);
	IOMMUPT_OPTS(iommudrv_vtd_opts, o, .flags = legacy ? IOMMUDRV_VTD_LEGACY : IOMMUDRV_VTD_SCALABLE);
	IOMMUPT_OPTS(iommupt_domain_cfg, c4, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_cfg, c3, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 3);
	struct iommupt_domain *d1, *d2;
	int rc;

	if ((rc = iommusim_vtd_create(&so, mem, &unit)))
		die("vtd create", rc);
	if ((rc = iommudrv_vtd_create(iommusim_unit_mmio(unit),
				      iommusim_mem_provider(mem), &o, &drv)))
		die("driver create", rc);
	if ((rc = iommudrv_vtd_enable(drv)))
		die("driver enable", rc);
	d1 = doms[0] = domain(&c4);
	d2 = doms[1] = domain(&c3);
	map(d1, 0x1000, 0x40000000, 0x3000, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d1, 0x200000, 0x40200000, 2 << 20, IOMMUPT_READ);
	map(d2, 0x10000, 0x50000000, 0x1000, IOMMUPT_WRITE);
	if ((rc = iommudrv_vtd_attach(drv, 0x0008, d1, 1)) ||
	    (rc = iommudrv_vtd_attach(drv, 0x0010, d1, 1)) ||
	    (rc = iommudrv_vtd_attach(drv, 0x0100, d2, 2)))
		die("attach", rc);
	expect(0x0008, 0x2008, 0x40001008, true);
	expect(0x0010, 0x300000, 0x40300000, false);
	expect(0x0100, 0x10010, 0x50000010, true);
	printf("base=0x%llx\nrtaddr=0x%" PRIx64 "\nroot1=0x%" PRIx64
	       "\nroot2=0x%" PRIx64 "\n", DUMP_BASE, rd(VTD_RTADDR, 8),
	       root_of(d1), root_of(d2));
}

/* AMD-Vi: device table by hand (2.2.2.1), v1 tables from the library. */
static void make_amd(void)
{
	IOMMUPT_OPTS(iommusim_amd_opts, ao);
	IOMMUPT_OPTS(iommupt_domain_cfg, c3, .format = IOMMUPT_FMT_AMD_V1,
		     .levels = 3);
	uint64_t dt, cmd, evt, r;
	struct iommupt_domain *d;
	int rc;

	if ((rc = iommusim_amd_create(&ao, mem, &unit)))
		die("amd create", rc);
	dt = alloc(13); /* 8 KiB: DeviceIDs 0-255 */
	cmd = alloc(12);
	evt = alloc(12);
	d = doms[0] = domain(&c3);
	map(d, 0x8000, 0x50008000, 0x8000, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d, 0x100000, 0x60000000, 0x1000, IOMMUPT_READ);
	r = root_of(d);
	/* 00:01.0: Mode 3, IR, IW, DomainID 3; 00:02.0: pass-through. */
	w64(dt + 0x08 * 32, r | IOMMUSIM_AMD_DTE_MODE(3) | IOMMUSIM_AMD_DTE_IR |
	    IOMMUSIM_AMD_DTE_IW | IOMMUSIM_AMD_DTE_TV | IOMMUSIM_AMD_DTE_V);
	w64(dt + 0x08 * 32 + 8, 3);
	w64(dt + 0x10 * 32, IOMMUSIM_AMD_DTE_IR | IOMMUSIM_AMD_DTE_IW |
	    IOMMUSIM_AMD_DTE_TV | IOMMUSIM_AMD_DTE_V);
	wr(IOMMUSIM_AMD_DEVTAB, 8, dt | 1);
	wr(IOMMUSIM_AMD_CMDBUF, 8, cmd | IOMMUSIM_AMD_BUF_LEN(8));
	wr(IOMMUSIM_AMD_EVTLOG, 8, evt | IOMMUSIM_AMD_BUF_LEN(8));
	wr(IOMMUSIM_AMD_CONTROL, 8, IOMMUSIM_AMD_CTRL_IOMMU_EN |
	   IOMMUSIM_AMD_CTRL_EVTLOG_EN | IOMMUSIM_AMD_CTRL_CMDBUF_EN);
	expect(0x0008, 0x8010, 0x50008010, true);
	expect(0x0008, 0x100008, 0x60000008, false);
	expect(0x0010, 0x12345000, 0x12345000, true);
	printf("base=0x%llx\ndevtab=0x%" PRIx64 "\nroot1=0x%" PRIx64 "\n",
	       DUMP_BASE, rd(IOMMUSIM_AMD_DEVTAB, 8), r);
}

/* SMMUv3: linear stream table and one CD by hand (5.2, 5.4). */
static void make_smmu(void)
{
	IOMMUPT_OPTS(iommusim_smmu_opts, o);
	IOMMUPT_OPTS(iommupt_domain_cfg, cs1, .format = IOMMUPT_FMT_ARM_S1,
		     .granule_lg2 = 12, .ias_lg2 = 48, .oas_lg2 = 48);
	IOMMUPT_OPTS(iommupt_domain_cfg, cs2, .format = IOMMUPT_FMT_ARM_S2,
		     .granule_lg2 = 12, .ias_lg2 = 40, .oas_lg2 = 40,
		     .flags = IOMMUPT_CFG_ARM_CONCAT);
	uint64_t st, cd, cmdq, evtq;
	struct iommupt_domain *d1, *d2;
	uint32_t cr0 = IOMMUSIM_SMMU_CR0_SMMUEN | IOMMUSIM_SMMU_CR0_EVENTQEN |
		       IOMMUSIM_SMMU_CR0_CMDQEN;
	int rc;

	if ((rc = iommusim_smmu_create(&o, mem, &unit)))
		die("smmu create", rc);
	st = alloc(12);  /* 64 STEs */
	cd = alloc(12);
	cmdq = alloc(12);
	evtq = alloc(12);
	d1 = doms[0] = domain(&cs1);
	d2 = doms[1] = domain(&cs2);
	map(d1, 0x10000, 0x50010000, 0x3000, IOMMUPT_READ | IOMMUPT_WRITE);
	map(d2, 0x40000000, 0x70000000, 0x1000, IOMMUPT_READ | IOMMUPT_WRITE);
	/* CD: T0SZ 16, TG0 4K, TG1 4K, EPD1, V, IPS 48-bit, AA64, ASID 5. */
	w64(cd, IOMMUSIM_SMMU_CD_T0SZ(16) | IOMMUSIM_SMMU_CD_TG0(0) |
	    IOMMUSIM_SMMU_CD_TG1(2) |
	    IOMMUSIM_SMMU_CD_EPD1 | IOMMUSIM_SMMU_CD_V | IOMMUSIM_SMMU_CD_IPS(5) |
	    IOMMUSIM_SMMU_CD_AA64 | IOMMUSIM_SMMU_CD_ASID(5));
	w64(cd + 8, root_of(d1));
	/* sid 1: stage 1; sid 2: stage 2 (40-bit, SL0 1, concatenated); sid 3: bypass. */
	w64(st + 64, cd | IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S1) |
	    IOMMUSIM_SMMU_STE_V);
	w64(st + 128, IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_S2) |
	    IOMMUSIM_SMMU_STE_V);
	w64(st + 128 + 16, 9 | IOMMUSIM_SMMU_STE_S2T0SZ(24) |
	    IOMMUSIM_SMMU_STE_S2SL0(1) | IOMMUSIM_SMMU_STE_S2TG(0) |
	    IOMMUSIM_SMMU_STE_S2PS(2) | IOMMUSIM_SMMU_STE_S2AA64);
	w64(st + 128 + 24, root_of(d2));
	w64(st + 192, IOMMUSIM_SMMU_STE_CFG(IOMMUSIM_SMMU_STE_CFG_BYPASS) |
	    IOMMUSIM_SMMU_STE_V);
	wr(IOMMUSIM_SMMU_STRTAB_BASE, 8, st);
	wr(IOMMUSIM_SMMU_STRTAB_BASE_CFG, 4, IOMMUSIM_SMMU_STRTAB_CFG(0, 0, 6));
	wr(IOMMUSIM_SMMU_CMDQ_BASE, 8, cmdq | 8);
	wr(IOMMUSIM_SMMU_EVENTQ_BASE, 8, evtq | 7);
	wr(IOMMUSIM_SMMU_CR0, 4, cr0);
	expect(1, 0x11008, 0x50011008, true);
	expect(2, 0x40000010, 0x70000010, false);
	expect(3, 0x9000, 0x9000, true);
	printf("base=0x%llx\nstrtab=0x%" PRIx64 "\nttb0=0x%" PRIx64
	       "\ns2ttb=0x%" PRIx64 "\n", DUMP_BASE, rd(IOMMUSIM_SMMU_STRTAB_BASE, 8),
	       root_of(d1), root_of(d2));
}

int main(int argc, char **argv)
{
	uint8_t *buf;
	bool elf = argc > 1 && !strcmp(argv[1], "--elf");
	FILE *f;
	int rc;

	if (elf) {
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: inspect-simimage [--elf] OUT vtd|vtd-legacy|amd|smmu\n");
		return 2;
	}
	if ((rc = iommusim_mem_create(NULL, &mem)))
		die("memory", rc);
	if (!strcmp(argv[2], "vtd") || !strcmp(argv[2], "vtd-legacy"))
		make_vtd(argv[2][3] == '-');
	else if (!strcmp(argv[2], "amd"))
		make_amd();
	else if (!strcmp(argv[2], "smmu"))
		make_smmu();
	else
		die("unknown kind", -EINVAL);
	buf = malloc(DUMP_SIZE);
	if (!buf || iommusim_mem_read(mem, DUMP_BASE, buf, DUMP_SIZE))
		die("reading simulated memory", -ENOMEM);
	if (elf) {
		if (inspect_write_elf(argv[1], buf, DUMP_SIZE, DUMP_BASE, NULL))
			return 2;
	} else {
		f = fopen(argv[1], "wb");
		if (!f || fwrite(buf, 1, DUMP_SIZE, f) != DUMP_SIZE || fclose(f)) {
			perror(argv[1]);
			return 2;
		}
	}
	free(buf);
	iommudrv_vtd_destroy(drv);
	iommupt_domain_destroy(doms[0]);
	iommupt_domain_destroy(doms[1]);
	iommusim_unit_destroy(unit);
	iommusim_mem_destroy(mem);
	return 0;
}
