// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libFuzzer target for the table inspector (tools/inspect.c) and, through
 * it, the library's walk and validate over untrusted tables. Input: an
 * 8-byte header choosing the starting point, then the memory image.
 *
 *   byte 0  bit 0: validate (else inspect); bit 1: JSON;
 *           bits 4-7: 0 VT-d legacy root table, 1..5 page-table format
 *   byte 1  levels (0 = the format's default)
 *   byte 2  bits 0-1: granule (4K/16K/64K); bit 2: ARM concatenation
 *   byte 3  input address bits (0 = from levels)
 *   bytes 4-7  offset of the start (root or RTADDR) from the image base,
 *           little-endian; may point outside the image
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
	if (data[0] >> 4) {
		o.start = INSP_START_ROOT;
		o.cfg.format = data[0] >> 4; /* 6..15 exercise rejection */
		o.cfg.levels = data[1] % 8;
		o.cfg.granule_lg2 = (data[2] & 3) == 0 ? 0 : 10 + 2 * (data[2] & 3);
		if (data[2] & 4)
			o.cfg.flags |= IOMMUPT_CFG_ARM_CONCAT;
		o.cfg.ias_lg2 = data[3] % 65;
	} else {
		o.start = INSP_START_VTD_LEGACY;
	}
	off = (uint32_t)data[4] | (uint32_t)data[5] << 8 |
	      (uint32_t)data[6] << 16 | (uint32_t)data[7] << 24;
	o.addr = FUZZ_BASE + off;

	/* Tables are read as aligned 64-bit items: give the image a page. */
	img_size = size - 8;
	img = aligned_alloc(4096, (img_size + 4095) & ~4095ull);
	if (!img)
		return 0;
	memcpy(img, data + 8, img_size);
	insp_run(&o, img, img_size, FUZZ_BASE, sink, sink);
	free(img);
	return 0;
}
