// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * libFuzzer target for iommupt_domain_restore on untrusted blobs. The
 * checksum stops almost every random blob at once, so the input mostly
 * drives a structured path: build a small domain, serialize it, corrupt
 * the blob as the input says and (optionally) fix the checksum up, so the
 * section and table checks behind it are reached.
 *
 *   byte 0  configuration (index into cfgs[] below, modulo its size)
 *   byte 1  bit 0: in place (else copy); bit 1: recompute the checksum;
 *           bit 2: raw (the rest of the input is the blob itself)
 *   then    structured: byte n of pages to map (low 3 bits), n x 2 bytes
 *           page index (IOVA in 2 MiB steps, 4 KiB pages), then 3-byte
 *           edits: u16 offset into the blob, byte XORed in
 * The run must not crash, hang or leak: after restore (and destroy of
 * whatever it returned) the heap must hold no page and no object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/iommupt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct iommupt_domain_cfg cfgs[] = {
	{ .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_VTD_SS, .levels = 3 },
	{ .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_X86_64, .levels = 4 },
	{ .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_AMD_V1, .levels = 1,
	  .flags = IOMMUPT_CFG_AMD_GROW },
	{ .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_ARM_S1, .ias_lg2 = 48 },
	{ .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_ARM_S2, .ias_lg2 = 40,
	  .flags = IOMMUPT_CFG_ARM_CONCAT },
};

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* The checksum as libiommupt/blob-int.h defines it. */
static void reseal(unsigned char *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (len < 32 || (len & 7))
		return;
	put64(b + 24, 0);
	for (size_t off = 0; off < len; off += 8) {
		h = (h ^ get64(b + off)) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	put64(b + 24, h ^ len);
}

static void try_blob(struct iommupt_heap *heap, const unsigned char *b,
		     size_t len)
{
	struct iommupt_domain *d = NULL;

	if (!iommupt_domain_restore(b, len, iommupt_heap_mem(heap), NULL, &d)) {
		/* Whatever restore accepts must be a sound table. */
		if (iommupt_domain_validate(d, NULL, NULL) != 0)
			abort();
		iommupt_domain_destroy(d);
	} else if (d) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iommupt_heap_opts ho = { .sz = sizeof(ho),
					.arena_bytes = 1ull << 26 };
	struct iommupt_serialize_opts so = { .sz = sizeof(so) };
	struct iommupt_heap *heap;
	struct iommupt_domain *dom = NULL;
	unsigned char *b = NULL;
	size_t len = 0, pos = 3;
	unsigned int n;

	if (size < 3)
		return 0;
	if (iommupt_heap_create(&ho, &heap))
		abort();
	if (data[1] & 4) {
		len = size - 2;
		b = malloc(len ? len : 1);
		memcpy(b, data + 2, len);
		if (data[1] & 2)
			reseal(b, len);
		try_blob(heap, b, len);
		goto out;
	}
	if (iommupt_domain_create(&cfgs[data[0] % (sizeof(cfgs) / sizeof(cfgs[0]))],
				  iommupt_heap_mem(heap), &dom))
		abort();
	n = data[2] & 7;
	for (unsigned int i = 0; i < n && pos + 2 <= size; i++, pos += 2) {
		uint64_t iova = (uint64_t)(data[pos] | data[pos + 1] << 8) << 21;

		iommupt_domain_map(dom, iova, 0x40000000ull + iova, 4096,
				   IOMMUPT_READ | IOMMUPT_WRITE, NULL);
	}
	so.mode = (data[1] & 1) ? IOMMUPT_SERIALIZE_IN_PLACE : IOMMUPT_SERIALIZE_COPY;
	if (iommupt_domain_serialize(dom, &so, NULL, 0, &len) != -105 /* ENOBUFS */)
		abort();
	b = malloc(len);
	if (iommupt_domain_serialize(dom, &so, b, len, &len))
		abort();
	for (; pos + 3 <= size; pos += 3)
		b[(size_t)(data[pos] | data[pos + 1] << 8) % len] ^= data[pos + 2];
	if (data[1] & 2)
		reseal(b, len);
	if (so.mode == IOMMUPT_SERIALIZE_IN_PLACE) {
		iommupt_domain_release_for_update(dom);
		dom = NULL;
	}
	try_blob(heap, b, len);
out:
	iommupt_domain_destroy(dom);
	/* Released pages (in place) are not counted: all must be back. */
	if (iommupt_heap_live_objs(heap) || iommupt_heap_live_pages(heap))
		abort();
	free(b);
	iommupt_heap_destroy(heap);
	return 0;
}
