// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The inspector's memory image: a raw file standing for [base, base +
 * size), or an ELF64 core as QEMU's dump-guest-memory writes it, whose
 * PT_LOAD program headers place file bytes at guest physical addresses
 * (p_paddr). The file is hostile: every offset, size and count is checked
 * before use, and memory use is bounded by the file size.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"

/* ELF64 (System V gABI, "ELF Header" and "Program Header"). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_CORE 4
#define PT_LOAD 1
#define PN_XNUM 0xffff   /* real e_phnum in section header 0's sh_info */
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define MAX_SEGS (1u << 20)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* [off, off + len) inside a file of size bytes, without wrapping. */
static bool in_file(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

void insp_image_release(struct insp_image *im)
{
	for (size_t i = 0; i < im->nsegs; i++)
		if (im->segs[i].owned)
			free((void *)(uintptr_t)im->segs[i].data);
	free(im->segs);
	im->segs = NULL;
	im->nsegs = 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct insp_seg *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Tables are read as aligned 64-bit words: copy a misaligned segment. */
static int align_segs(struct insp_image *im)
{
	for (size_t i = 0; i < im->nsegs; i++) {
		struct insp_seg *g = &im->segs[i];
		void *copy;

		if (!((uintptr_t)g->data & 7))
			continue;
		if (g->len > SIZE_MAX - 8)
			return -ENOMEM;
		copy = aligned_alloc(8, (size_t)((g->len + 7) & ~7ull));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, g->data, (size_t)g->len);
		g->data = copy;
		g->owned = true;
	}
	return 0;
}

static int load_elf(struct insp_image *im, const uint8_t *d, uint64_t size,
		    FILE *err)
{
	uint64_t phoff, shoff, n = 0;
	uint32_t phnum;

	if (size < EHDR_SIZE || d[EI_CLASS] != ELFCLASS64 ||
	    d[EI_DATA] != ELFDATA2LSB || d[EI_VERSION] != 1) {
		fprintf(err, "iommupt: not a little-endian ELF64 file\n");
		return -EINVAL;
	}
	if (rd16(d + 16) != ET_CORE) {
		fprintf(err, "iommupt: ELF file is not a core (e_type %u)\n",
			rd16(d + 16));
		return -EINVAL;
	}
	phoff = insp_rd64(d + 32);
	shoff = insp_rd64(d + 40);
	phnum = rd16(d + 56);
	if (rd16(d + 54) != PHDR_SIZE) {
		fprintf(err, "iommupt: ELF e_phentsize %u, expected %u\n",
			rd16(d + 54), PHDR_SIZE);
		return -EINVAL;
	}
	if (phnum == PN_XNUM) {
		/* Extended numbering: section header 0 holds the count. */
		if (!shoff || !in_file(size, shoff, SHDR_SIZE)) {
			fprintf(err, "iommupt: ELF section header 0 outside the file\n");
			return -EINVAL;
		}
		phnum = rd32(d + shoff + 44);
	}
	if (phnum > MAX_SEGS || !in_file(size, phoff, (uint64_t)phnum * PHDR_SIZE)) {
		fprintf(err, "iommupt: ELF program headers outside the file\n");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < phnum; i++)
		if (rd32(d + phoff + (uint64_t)i * PHDR_SIZE) == PT_LOAD)
			n++;
	im->segs = calloc(n ? n : 1, sizeof(*im->segs));
	if (!im->segs)
		return -ENOMEM;
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (uint64_t)i * PHDR_SIZE;
		uint64_t off = insp_rd64(ph + 8), pa = insp_rd64(ph + 24);
		uint64_t filesz = insp_rd64(ph + 32);

		if (rd32(ph) != PT_LOAD || !filesz)
			continue;
		if (!in_file(size, off, filesz)) {
			fprintf(err, "iommupt: ELF segment %u (offset 0x%" PRIx64
				", size 0x%" PRIx64 ") is outside the file\n", i,
				off, filesz);
			return -EINVAL;
		}
		if (pa + (filesz - 1) < pa) {
			fprintf(err, "iommupt: ELF segment %u wraps the physical address space\n",
				i);
			return -EINVAL;
		}
		/* p_memsz beyond p_filesz is not in the file: left out. */
		im->segs[im->nsegs++] = (struct insp_seg){
			.pa = pa, .len = filesz, .data = d + off,
		};
	}
	if (!im->nsegs) {
		fprintf(err, "iommupt: ELF core has no PT_LOAD segment with data\n");
		return -EINVAL;
	}
	qsort(im->segs, im->nsegs, sizeof(*im->segs), seg_cmp);
	/* Reject overlaps; join pieces contiguous in memory and in the file. */
	n = 0;
	for (size_t i = 1; i < im->nsegs; i++) {
		struct insp_seg *p = &im->segs[n], *c = &im->segs[i];

		if (c->pa - p->pa < p->len) {
			fprintf(err, "iommupt: ELF segments overlap at physical address 0x%"
				PRIx64 "\n", c->pa);
			return -EINVAL;
		}
		if (p->pa + p->len == c->pa && p->data + p->len == c->data)
			p->len += c->len;
		else
			im->segs[++n] = *c;
	}
	im->nsegs = n + 1;
	return 0;
}

int insp_image_load(struct insp_image *im, int input, const void *data,
		    uint64_t size, uint64_t base, FILE *err)
{
	const uint8_t *d = data;
	bool elf = input == INSP_IN_ELF ||
		   (input == INSP_IN_AUTO && size >= 4 && !memcmp(d, "\177ELF", 4));
	int rc;

	memset(im, 0, sizeof(*im));
	if (!size) {
		fprintf(err, "iommupt: empty image\n");
		return -EINVAL;
	}
	if (elf) {
		if (base) {
			fprintf(err, "iommupt: an ELF core places itself: no base address (or give --raw)\n");
			return -EINVAL;
		}
		if (input == INSP_IN_ELF && (size < 4 || memcmp(d, "\177ELF", 4))) {
			fprintf(err, "iommupt: not an ELF file\n");
			return -EINVAL;
		}
		rc = load_elf(im, d, size, err);
	} else {
		if (base + size < base && base + size != 0) {
			fprintf(err, "iommupt: image wraps the address space\n");
			return -EINVAL;
		}
		im->segs = calloc(1, sizeof(*im->segs));
		rc = im->segs ? 0 : -ENOMEM;
		if (!rc) {
			im->segs[0] = (struct insp_seg){ .pa = base, .len = size,
							 .data = d };
			im->nsegs = 1;
		}
	}
	if (!rc)
		rc = align_segs(im);
	if (rc) {
		if (rc == -ENOMEM)
			fprintf(err, "iommupt: out of memory\n");
		insp_image_release(im);
		return rc;
	}
	for (size_t i = 0; i < im->nsegs; i++)
		im->total += im->segs[i].len;
	return 0;
}

const void *insp_img_ptr(const struct insp_image *im, uint64_t oa, uint64_t len)
{
	size_t lo = 0, hi = im->nsegs;
	const struct insp_seg *g;
	uint64_t off;

	/* The last segment starting at or below oa. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (im->segs[mid].pa <= oa)
			lo = mid;
		else
			hi = mid;
	}
	if (!im->nsegs)
		return NULL;
	g = &im->segs[lo];
	if (oa < g->pa)
		return NULL;
	off = oa - g->pa;
	if (off >= g->len || g->len - off < len)
		return NULL;
	return g->data + off;
}

bool insp_charge(struct insp_image *im, uint64_t bytes)
{
	uint64_t n = bytes / 4096 + !!(bytes % 4096) + !bytes;

	if (im->budget < n) {
		im->budget = 0;
		im->exhausted = true;
		return false;
	}
	im->budget -= n;
	return true;
}
