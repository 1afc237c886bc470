// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The heap provider: table pages carved from one reserved virtual arena,
 * with OA = CPU address - arena + phys_base so that code which confuses
 * the two breaks in tests. Free lists per size; counters and a one-shot
 * allocation failure for tests; a set of the pages released for a live
 * update, so that only those can be adopted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../pt-int.h"

#define HEAP_MAX_LG2 40

struct heap_free {
	struct heap_free *next;
};

struct iommupt_heap {
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	unsigned char *arena;
	uint64_t arena_bytes;
	uint64_t phys_base;
	uint64_t bump;                        /* next unused arena offset */
	struct heap_free *free[HEAP_MAX_LG2 + 1];
	uint64_t live_pages;
	uint64_t live_objs;
	uint64_t allocs;
	uint64_t fail_at;                     /* allocs value that fails; 0 off */
	int failed;
	/*
	 * Released pages: open addressing with linear probing, key
	 * (arena offset << 6 | lg2) + 1, 0 empty; at most half full.
	 */
	uint64_t *released;
	uint64_t released_cap;                /* slots, a power of two */
	uint64_t released_n;
};

static uint64_t heap_key(uint64_t off, unsigned int lg2)
{
	return (off << 6 | lg2) + 1;
}

static uint64_t heap_slot(const struct iommupt_heap *h, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ull >> 20) & (h->released_cap - 1);
}

/* Record a released page; false when the set cannot grow. Under lock. */
static bool heap_released_add(struct iommupt_heap *h, uint64_t key)
{
	if (2 * (h->released_n + 1) > h->released_cap) {
		uint64_t cap = h->released_cap ? 2 * h->released_cap : 64;
		uint64_t *old = h->released, ocap = h->released_cap;

		h->released = calloc(cap, sizeof(*h->released));
		if (!h->released) {
			h->released = old;
			return false;
		}
		h->released_cap = cap;
		for (uint64_t i = 0; i < ocap; i++) {
			uint64_t j;

			if (!old[i])
				continue;
			for (j = heap_slot(h, old[i]); h->released[j];
			     j = (j + 1) & (cap - 1))
				;
			h->released[j] = old[i];
		}
		free(old);
	}
	uint64_t j = heap_slot(h, key);

	while (h->released[j])
		j = (j + 1) & (h->released_cap - 1);
	h->released[j] = key;
	h->released_n++;
	return true;
}

/* Take a page out of the set; false when it was not released. Under lock. */
static bool heap_released_take(struct iommupt_heap *h, uint64_t key)
{
	uint64_t mask = h->released_cap - 1, j, k;

	if (!h->released_cap)
		return false;
	for (j = heap_slot(h, key); h->released[j] != key; j = (j + 1) & mask)
		if (!h->released[j])
			return false;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (k = (j + 1) & mask; h->released[k]; k = (k + 1) & mask) {
		uint64_t home = heap_slot(h, h->released[k]);

		if (((k - home) & mask) >= ((k - j) & mask)) {
			h->released[j] = h->released[k];
			j = k;
		}
	}
	h->released[j] = 0;
	h->released_n--;
	return true;
}

/* Count an allocation; whether it is the one armed to fail. Under lock. */
static bool heap_should_fail(struct iommupt_heap *h)
{
	h->allocs++;
	if (h->fail_at && h->allocs == h->fail_at) {
		h->fail_at = 0;
		h->failed = 1;
		return true;
	}
	return false;
}

static int heap_alloc_table(void *ctx, unsigned int lg2, void **cpu,
			    uint64_t *oa)
{
	struct iommupt_heap *h = ctx;
	unsigned char *p = NULL;
	uint64_t size = 1ull << lg2;

	if (lg2 < 3 || lg2 > HEAP_MAX_LG2)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (heap_should_fail(h)) {
		pthread_mutex_unlock(&h->lock);
		return -ENOMEM;
	}
	if (h->free[lg2]) {
		p = (unsigned char *)h->free[lg2];
		h->free[lg2] = h->free[lg2]->next;
	} else {
		/* OA alignment is what matters; phys_base is 1 GiB aligned. */
		uint64_t off = (h->bump + size - 1) & ~(size - 1);

		if (off + size <= h->arena_bytes) {
			p = h->arena + off;
			h->bump = off + size;
		}
	}
	if (p)
		h->live_pages++;
	pthread_mutex_unlock(&h->lock);
	if (!p)
		return -ENOMEM;
	memset(p, 0, size);
	*cpu = p;
	*oa = h->phys_base + (uint64_t)(p - h->arena);
	return 0;
}

static void heap_free_table(void *ctx, void *cpu, uint64_t oa,
			    unsigned int lg2)
{
	struct iommupt_heap *h = ctx;
	struct heap_free *f = cpu;

	/* Poison, so a use after free reads garbage rather than old tables. */
	memset(cpu, 0xa5, 1ull << lg2);
	pthread_mutex_lock(&h->lock);
	f->next = h->free[lg2];
	h->free[lg2] = f;
	h->live_pages--;
	pthread_mutex_unlock(&h->lock);
}

/*
 * Live update within one process: a released page stays in the arena with
 * its contents, off the free lists and out of the live count, until it is
 * adopted again. Only a page released at that size can be: a freed one
 * (poisoned, maybe reused) or one still in use is refused with -EINVAL.
 */
static int heap_adopt_table(void *ctx, uint64_t oa, unsigned int lg2,
			    void **cpu)
{
	struct iommupt_heap *h = ctx;
	uint64_t size = 1ull << lg2, off;
	int rc = 0;

	if (lg2 < 3 || lg2 > HEAP_MAX_LG2 || oa < h->phys_base || (oa & (size - 1)))
		return -EINVAL;
	off = oa - h->phys_base;
	pthread_mutex_lock(&h->lock);
	if (off >= h->bump || h->bump - off < size)
		rc = -EINVAL;
	else if (heap_should_fail(h))
		rc = -ENOMEM;
	else if (!heap_released_take(h, heap_key(off, lg2)))
		rc = -EINVAL;
	else
		h->live_pages++;
	pthread_mutex_unlock(&h->lock);
	if (!rc)
		*cpu = h->arena + off;
	return rc;
}

static void heap_release_table(void *ctx, void *cpu, uint64_t oa,
			       unsigned int lg2)
{
	struct iommupt_heap *h = ctx;

	(void)cpu;
	pthread_mutex_lock(&h->lock);
	h->live_pages--;
	/*
	 * Without memory to remember it the page cannot be adopted again; it
	 * stays in the arena until the heap goes.
	 */
	(void)heap_released_add(h, heap_key(oa - h->phys_base, lg2));
	pthread_mutex_unlock(&h->lock);
}

static void *heap_oa_to_cpu(void *ctx, uint64_t oa)
{
	struct iommupt_heap *h = ctx;

	if (oa < h->phys_base || oa - h->phys_base >= h->bump)
		return NULL;
	return h->arena + (oa - h->phys_base);
}

static void *heap_alloc_obj(void *ctx, size_t size)
{
	struct iommupt_heap *h = ctx;
	void *p;
	bool fail;

	pthread_mutex_lock(&h->lock);
	fail = heap_should_fail(h);
	if (!fail)
		h->live_objs++;
	pthread_mutex_unlock(&h->lock);
	if (fail)
		return NULL;
	p = calloc(1, size);
	if (!p) {
		pthread_mutex_lock(&h->lock);
		h->live_objs--;
		pthread_mutex_unlock(&h->lock);
	}
	return p;
}

static void heap_free_obj(void *ctx, void *obj)
{
	struct iommupt_heap *h = ctx;

	if (!obj)
		return;
	free(obj);
	pthread_mutex_lock(&h->lock);
	h->live_objs--;
	pthread_mutex_unlock(&h->lock);
}

IOMMUPT_API int iommupt_heap_create(const struct iommupt_heap_opts *opts,
				    struct iommupt_heap **out)
{
	struct iommupt_heap *h;
	uint64_t bytes = 64ull << 30;
	uint64_t base = 1ull << 30;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts) {
		if (!pt_opts_valid(opts, opts->sz, sizeof(*opts)))
			return -EINVAL;
		if (opts->arena_bytes)
			bytes = opts->arena_bytes;
		if (opts->phys_base)
			base = opts->phys_base;
	}
	/* Tables are aligned up to 1 MiB (concatenated ARM tops). */
	if ((base & ((1ull << 20) - 1)) || bytes < (1ull << 20) ||
	    base + bytes < base)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->arena = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (h->arena == MAP_FAILED) {
		free(h);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->arena_bytes = bytes;
	h->phys_base = base;
	h->mem.sz = sizeof(h->mem);
	h->mem.ctx = h;
	h->mem.alloc_table = heap_alloc_table;
	h->mem.free_table = heap_free_table;
	h->mem.cpu_offset = (intptr_t)((uintptr_t)h->arena - base);
	h->mem.alloc_obj = heap_alloc_obj;
	h->mem.free_obj = heap_free_obj;
	h->mem.adopt_table = heap_adopt_table;
	h->mem.release_table = heap_release_table;
	*out = h;
	return 0;
}

IOMMUPT_API void iommupt_heap_destroy(struct iommupt_heap *h)
{
	if (!h)
		return;
	munmap(h->arena, h->arena_bytes);
	pthread_mutex_destroy(&h->lock);
	free(h->released);
	free(h);
}

IOMMUPT_API const struct iommupt_mem *iommupt_heap_mem(struct iommupt_heap *h)
{
	return h ? &h->mem : NULL;
}

/* A mem with oa_to_cpu set, for tests that want the checked lookup. */
IOMMUPT_API void iommupt_heap_set_checked(struct iommupt_heap *h, int on)
{
	h->mem.oa_to_cpu = on ? heap_oa_to_cpu : NULL;
}

static uint64_t heap_read(const struct iommupt_heap *h, const uint64_t *v)
{
	uint64_t r;

	pthread_mutex_lock((pthread_mutex_t *)&h->lock);
	r = *v;
	pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
	return r;
}

IOMMUPT_API uint64_t iommupt_heap_live_pages(const struct iommupt_heap *h)
{
	return heap_read(h, &h->live_pages);
}

IOMMUPT_API uint64_t iommupt_heap_live_objs(const struct iommupt_heap *h)
{
	return heap_read(h, &h->live_objs);
}

IOMMUPT_API uint64_t iommupt_heap_alloc_count(const struct iommupt_heap *h)
{
	return heap_read(h, &h->allocs);
}

IOMMUPT_API void iommupt_heap_fail_nth(struct iommupt_heap *h, uint64_t nth)
{
	pthread_mutex_lock(&h->lock);
	h->fail_at = nth ? h->allocs + nth : 0;
	h->failed = 0;
	pthread_mutex_unlock(&h->lock);
}

IOMMUPT_API int iommupt_heap_failed(const struct iommupt_heap *h)
{
	int r;

	pthread_mutex_lock((pthread_mutex_t *)&h->lock);
	r = h->failed;
	pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
	return r;
}
