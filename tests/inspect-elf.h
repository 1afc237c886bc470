/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Write a memory image as an ELF64 core for the inspector's tests
 * (inspect-mkimage, inspect-simimage), optionally with damaged headers.
 */
#ifndef IOMMUPT_TESTS_INSPECT_ELF_H
#define IOMMUPT_TESTS_INSPECT_ELF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}
static inline void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/*
 * img (img_size bytes at physical address img_base) as an ELF64 core like
 * QEMU's dump-guest-memory writes: a PT_NOTE and two PT_LOADs (the upper
 * half listed first), data at an offset that is not 8-byte aligned (the
 * inspector must copy it). corrupt ("none" or NULL for a sound file)
 * damages the headers: outside, overlap, wrap, phnum, not-core, class32;
 * xnum uses the PN_XNUM extension (sound). Returns 0, or 2 with a message.
 */
static inline int inspect_write_elf(const char *path, const uint8_t *img,
				    size_t img_size, uint64_t img_base,
				    const char *corrupt)
{
	size_t hdr = 64 + 3 * 56 + 64, data = hdr + 4, half = img_size / 2;
	size_t total = data + img_size;
	uint8_t *f = calloc(1, total);
	uint8_t *ph;
	FILE *o;
	int rc = 0;

	if (!f)
		return 2;
	memcpy(f, "\177ELF", 4);
	f[4] = 2;                       /* ELFCLASS64 */
	f[5] = 1;                       /* ELFDATA2LSB */
	f[6] = 1;                       /* EV_CURRENT */
	put16(f + 16, 4);               /* ET_CORE */
	put16(f + 18, 62);              /* EM_X86_64 */
	put32(f + 20, 1);
	put64(f + 32, 64);              /* e_phoff */
	put16(f + 52, 64);
	put16(f + 54, 56);
	put16(f + 56, 3);
	ph = f + 64;
	put32(ph, 4);                   /* PT_NOTE, empty */
	put64(ph + 8, hdr);
	ph += 56;
	for (int i = 0; i < 2; i++, ph += 56) {
		size_t off = i ? 0 : half;  /* upper half listed first */

		put32(ph, 1);           /* PT_LOAD */
		put64(ph + 8, data + off);
		put64(ph + 24, img_base + off);
		put64(ph + 32, half);
		put64(ph + 40, half);
	}
	memcpy(f + data, img, img_size);
	ph = f + 64 + 56;               /* the first PT_LOAD */
	if (!corrupt || !strcmp(corrupt, "none"))
		;
	else if (!strcmp(corrupt, "outside"))
		put64(ph + 32, half + 8);   /* runs past the end of the file */
	else if (!strcmp(corrupt, "overlap"))
		put64(ph + 24, img_base + half - 4096);
	else if (!strcmp(corrupt, "wrap"))
		put64(ph + 24, ~0ull - 4096);
	else if (!strcmp(corrupt, "phnum"))
		put16(f + 56, 0xfffe);
	else if (!strcmp(corrupt, "xnum")) {
		/* PN_XNUM: the count in section header 0 (valid). */
		put16(f + 56, 0xffff);
		put64(f + 40, 64 + 3 * 56); /* e_shoff */
		put16(f + 58, 64);
		put16(f + 60, 1);
		put32(f + 64 + 3 * 56 + 44, 3);
	} else if (!strcmp(corrupt, "not-core"))
		put16(f + 16, 2);
	else if (!strcmp(corrupt, "class32"))
		f[4] = 1;
	else {
		fprintf(stderr, "inspect-mkimage: unknown ELF corruption %s\n", corrupt);
		rc = 2;
	}
	o = rc ? NULL : fopen(path, "wb");
	if (!rc && (!o || fwrite(f, 1, total, o) != total || fclose(o))) {
		perror(path);
		rc = 2;
	}
	free(f);
	return rc;
}

#endif
