/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Memory providers. Every table page libiommupt uses comes from a provider:
 * the library never calls malloc and never assumes that the address the
 * IOMMU walker sees (OA) equals the CPU's pointer.
 */
#ifndef IOMMUPT_PROVIDER_H
#define IOMMUPT_PROVIDER_H

#include <iommupt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_mem {
	size_t sz; /* sizeof(struct iommupt_mem) as compiled by the caller */
	void *ctx; /* passed back to every callback */

	/*
	 * Allocate a zeroed table page of 1 << size_lg2 bytes whose OA is
	 * aligned to its size. Store the CPU pointer (8-byte aligned) and the
	 * OA. Return 0 or a negative errno (-ENOMEM). May be called from
	 * several threads at once.
	 */
	int (*alloc_table)(void *ctx, unsigned int size_lg2, void **cpu,
			   uint64_t *oa);
	/* Give back a page obtained from alloc_table. */
	void (*free_table)(void *ctx, void *cpu, uint64_t oa,
			   unsigned int size_lg2);
	/*
	 * CPU pointer of the table page byte at OA, or NULL when OA is not
	 * memory of this provider. When this callback is NULL the mapping is
	 * linear: cpu = oa + cpu_offset.
	 */
	void *(*oa_to_cpu)(void *ctx, uint64_t oa);
	intptr_t cpu_offset;

	/*
	 * Memory for the library's own objects (domain handles). NULL: the
	 * hosted default (calloc/free). Must return zeroed memory.
	 */
	void *(*alloc_obj)(void *ctx, size_t size);
	void (*free_obj)(void *ctx, void *obj);

	/*
	 * Live update (serialize.h, in-place mode); both optional, both or
	 * neither. adopt_table: take ownership of the table page of
	 * 1 << size_lg2 bytes at OA that this provider did not hand out in
	 * this process (a previous process or domain object did), leaving its
	 * contents alone; store its CPU pointer, which must be what oa_to_cpu
	 * (or the linear offset) gives. It is later freed with free_table or
	 * given up with release_table. Returns 0, -EINVAL for an OA that is
	 * not memory the provider can own, -ENOMEM. release_table: give up
	 * ownership of a page without freeing its memory or changing its
	 * contents (hardware may still walk it; a later adopt_table takes it
	 * back).
	 */
	int (*adopt_table)(void *ctx, uint64_t oa, unsigned int size_lg2,
			   void **cpu);
	void (*release_table)(void *ctx, void *cpu, uint64_t oa,
			      unsigned int size_lg2);
};

/*
 * The heap provider: table pages carved from one reserved virtual arena so
 * that OA = CPU address - arena + phys_base (deliberately not equal to the
 * CPU address). Counts live pages and objects and can fail an allocation on
 * demand, for allocation-failure tests. Thread-safe.
 */
struct iommupt_heap;

struct iommupt_heap_opts {
	size_t sz;
	uint64_t phys_base;   /* OA of the arena's first byte; 0: 1 GiB */
	uint64_t arena_bytes; /* virtual bytes reserved; 0: 64 GiB */
};

IOMMUPT_API int iommupt_heap_create(const struct iommupt_heap_opts *opts,
				    struct iommupt_heap **out);
IOMMUPT_API void iommupt_heap_destroy(struct iommupt_heap *heap);
/* The provider backed by this heap; valid until the heap is destroyed. */
IOMMUPT_API const struct iommupt_mem *
iommupt_heap_mem(struct iommupt_heap *heap);
/*
 * on != 0: the provider resolves OAs through a checked lookup (NULL for an
 * OA outside the arena) instead of the linear offset, so validate can tell
 * a wild pointer. Slower; for tests and validation.
 */
IOMMUPT_API void iommupt_heap_set_checked(struct iommupt_heap *heap, int on);
/*
 * The heap provides adopt_table and release_table: a page released by a
 * domain (iommupt_domain_release_for_update) keeps its place and contents
 * and can be adopted again from the same heap, which is how one process
 * simulates a live update. Adopting counts as an allocation for fail_nth.
 * Only a page released at the same size can be adopted, once: a freed page
 * (maybe handed out again) or one in use gives -EINVAL.
 */
/* Table pages and objects currently allocated from this heap. */
IOMMUPT_API uint64_t iommupt_heap_live_pages(const struct iommupt_heap *heap);
IOMMUPT_API uint64_t iommupt_heap_live_objs(const struct iommupt_heap *heap);
/* Allocations (pages and objects) made since the heap was created. */
IOMMUPT_API uint64_t iommupt_heap_alloc_count(const struct iommupt_heap *heap);
/*
 * Make the nth allocation from now (1 = the next one) fail with -ENOMEM;
 * 0 disables. Counts table pages and objects alike.
 */
IOMMUPT_API void iommupt_heap_fail_nth(struct iommupt_heap *heap,
				       uint64_t nth);
/* Whether the armed failure has fired since the last fail_nth call. */
IOMMUPT_API int iommupt_heap_failed(const struct iommupt_heap *heap);

#ifdef __cplusplus
}
#endif
#endif
