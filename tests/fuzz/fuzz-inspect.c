// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libFuzzer target for the table inspector (tools/inspect*.c) and, through
 * it, the library's walk and validate over untrusted tables. Input: an
 * 8-byte header choosing the starting point, then the memory image, raw
 * or (bit 2 of byte 0) an ELF core.
 *
 *   byte 0  bit 0: validate (else inspect); bit 1: JSON; bit 2: the
 *           image is an ELF core (else raw at FUZZ_BASE); bit 3: start
 *           is a vendor structure (bits 4-5: 0 VT-d legacy, 1 VT-d
 *           scalable, 2 AMD device table, 3 SMMUv3 stream table), else a
 *           page table of format bits 4-7 (1..5; others are refused)
 *   byte 1  page table: levels (0 = default); AMD: device table size in
 *           4K pages - 1 (bits 0-8 with bit 0 of byte 2); SMMU: LOG2SIZE
 *   byte 2  page table: bits 0-1 granule (4K/16K/64K), bit 2 ARM
 *           concatenation; SMMU: bits 1-2 SPLIT (0 linear, 6, 8, 10)
 *   byte 3  page table: input address bits (0 = from levels)
 *   bytes 4-7  offset of the start from the image base, little-endian;
 *           may point outside the image. With an ELF core the base is
 *           FUZZ_BASE too (the segments' own p_paddr decide).
 * The run must not crash, hang or leak whatever the bytes are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

#define FUZZ_BASE 0x10000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct insp_opts o;
	uint64_t img_size;
	uint32_t off;
	void *img;

	if (size < 8)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		return 0;
	memset(&o, 0, sizeof(o));
	o.validate = data[0] & 1;
	o.json = (data[0] >> 1) & 1;
	o.cfg.sz = sizeof(o.cfg);
	o.input = (data[0] & 4) ? INSP_IN_ELF : INSP_IN_RAW;
	off = (uint32_t)data[4] | (uint32_t)data[5] << 8 |
	      (uint32_t)data[6] << 16 | (uint32_t)data[7] << 24;
	o.addr = FUZZ_BASE + off;
	if (data[0] & 8) {
		static const unsigned int split[4] = { 0, 6, 8, 10 };

		switch ((data[0] >> 4) & 3) {
		case 0:
			o.start = INSP_START_VTD;
			break;
		case 1:
			o.start = INSP_START_VTD; /* TTM 01b: scalable mode */
			o.addr = (o.addr & ~0xfffull) | 1u << 10;
			break;
		case 2:
			o.start = INSP_START_AMD_DT;
			o.addr &= ~0xfffull;
			o.amd_dt_size = ((data[1] | (data[2] & 1u) << 8) + 1ull) << 12;
			break;
		default:
			o.start = INSP_START_SMMU_ST;
			o.smmu_log2size = data[1] % 33;
			o.smmu_split = split[(data[2] >> 1) & 3];
			break;
		}
	} else if (data[0] >> 4) {
		o.start = INSP_START_ROOT;
		o.cfg.format = data[0] >> 4; /* 6..15 exercise rejection */
		o.cfg.levels = data[1] % 8;
		o.cfg.granule_lg2 = (data[2] & 3) == 0 ? 0 : 10 + 2 * (data[2] & 3);
		if (data[2] & 4)
			o.cfg.flags |= IOMMUPT_CFG_ARM_CONCAT;
		o.cfg.ias_lg2 = data[3] % 65;
	} else {
		o.start = INSP_START_VTD;
	}

	/* Tables are read as aligned 64-bit items: give the image a page. */
	img_size = size - 8;
	img = aligned_alloc(4096, img_size ? (img_size + 4095) & ~4095ull : 4096);
	if (!img)
		return 0;
	memcpy(img, data + 8, img_size);
	insp_run(&o, img, img_size, o.input == INSP_IN_ELF ? 0 : FUZZ_BASE,
		 sink, sink);
	free(img);
	return 0;
}
