/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Layout of serialized domains (serialize.c writes, restore.c reads).
 * Every field is little-endian; every section body is a multiple of 8
 * bytes, so the whole blob is.
 *
 * Header, 32 bytes:
 *   0  magic "IOMMUPTB" (8 bytes)
 *   8  u16 major, u16 minor   readers reject a major they do not know
 *  12  u32 mode               enum iommupt_serialize_mode
 *  16  u64 total length of the blob in bytes
 *  24  u64 checksum           see pt_blob_sum; computed with this field 0
 *
 * Then sections until the end, each a 16-byte head and a body:
 *   u16 type, u16 flags (PT_SEC_SKIPPABLE), u32 reserved 0, u64 body bytes
 *
 * CONFIG (required): u32 format, va_layout, flags, levels, ias_lg2,
 *   oas_lg2, granule_lg2, root_size_lg2; u64 pgsize_bitmap.
 * DIRTY: u32 enabled, u32 0, u64 max_bitmap.
 * IDS: u32 count, u32 0, then count x (u32 unit index, u32 ID).
 * RESV (skippable): u32 count, u32 0, count x (u64 start, u64 last,
 *   u32 type, u32 flags) of the attached devices' reserved regions.
 * TABLES (copy mode): u64 page count, then the pages in depth-first
 *   pre-order from the root, each the size of a table at its level, items
 *   as u64. A table entry's OA field holds page index << table size lg2
 *   instead of an address; every other bit is as in the live table.
 * PAGES (in-place mode): u64 root OA, u64 page count, then count x u64
 *   (page OA | level), the root first, in the same order.
 *
 * Checksum: h = 0xcbf29ce484222325; for each u64 word w of the blob
 * (checksum field read as 0): h = ((h ^ w) * 0x100000001b3) and then
 * h ^= h >> 29; finally h ^= total length. Each step is a bijection of h,
 * so changing any single word (any single bit) always changes the sum.
 */
#ifndef IOMMUPT_BLOB_INT_H
#define IOMMUPT_BLOB_INT_H

#include "pt-int.h"

#define PT_BLOB_MAGIC 0x4254504d554d4f49ull /* "IOMMUPTB" little-endian */
#define PT_BLOB_MAJOR 1
#define PT_BLOB_MINOR 0
#define PT_BLOB_HDR 32
#define PT_SEC_HDR 16

enum pt_blob_sec {
	PT_SEC_CONFIG = 1,
	PT_SEC_DIRTY = 2,
	PT_SEC_IDS = 3,
	PT_SEC_RESV = 4,
	PT_SEC_TABLES = 5,
	PT_SEC_PAGES = 6,
};

#define PT_SEC_SKIPPABLE 0x1u

#define PT_BLOB_CONFIG_LEN 40

/* Byte by byte in general; one unaligned access where the host is LE. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PT_BLOB_HOST_LE 1
#endif

static inline uint64_t pt_get64(const unsigned char *p)
{
	uint64_t v = 0;

#ifdef PT_BLOB_HOST_LE
	__builtin_memcpy(&v, p, 8);
#else
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
#endif
	return v;
}

static inline uint32_t pt_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t pt_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void pt_put64(unsigned char *p, uint64_t v)
{
#ifdef PT_BLOB_HOST_LE
	__builtin_memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
#endif
}

static inline void pt_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static inline void pt_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

/* The checksum above over a blob of len bytes (a multiple of 8). */
static inline uint64_t pt_blob_sum(const unsigned char *b, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t off = 0; off < len; off += 8) {
		uint64_t w = off == 24 ? 0 : pt_get64(b + off);

		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h ^ len;
}

#endif
