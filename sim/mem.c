// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Sparse simulated physical memory: 4 KiB pages created on the first write
 * (or allocation), found through an open-addressing hash of page frame
 * numbers. A page points into a host block; a multi-page allocation gets
 * one contiguous host block, so the CPU pointer handed to libiommupt is
 * valid across the whole table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim-int.h"

#define PG_SHIFT 12
#define PG_SIZE (1ull << PG_SHIFT)

struct page_slot {
	uint64_t pfn;
	uint8_t *host;
	uint8_t used;
	uint8_t alloc; /* part of an allocation (oa_to_cpu resolves it) */
};

struct free_list {
	uint64_t *pa;
	size_t n, cap;
};

struct iommusim_mem {
	pthread_mutex_t lock;
	unsigned int phys_bits;
	uint64_t next_alloc;
	struct page_slot *slot;
	size_t cap, n;
	void **blocks;
	size_t nblocks, capblocks;
	struct free_list free[31];
	uint64_t reads, writes, cas, alloc_bytes;
	struct iommupt_mem prov;
};

bool sim_opts_valid(const void *opts, size_t user_sz, size_t known_sz)
{
	const unsigned char *c = opts;

	if (user_sz < sizeof(size_t))
		return false;
	for (size_t i = known_sz; i < user_sz; i++)
		if (c[i])
			return false;
	return true;
}

void sim_copy_out(void *caller, const void *lib, size_t lib_sz)
{
	size_t user_sz = *(const size_t *)caller;
	unsigned char *dst = caller;
	const unsigned char *src = lib;

	for (size_t i = sizeof(size_t); i < user_sz; i++)
		dst[i] = i < lib_sz ? src[i] : 0;
}

static uint64_t hash_pfn(uint64_t pfn)
{
	pfn ^= pfn >> 33;
	pfn *= 0xff51afd7ed558ccdull;
	pfn ^= pfn >> 33;
	return pfn;
}

static struct page_slot *slot_find(struct iommusim_mem *m, uint64_t pfn)
{
	size_t i = hash_pfn(pfn) & (m->cap - 1);

	while (m->slot[i].used) {
		if (m->slot[i].pfn == pfn)
			return &m->slot[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static int slot_grow(struct iommusim_mem *m)
{
	size_t ncap = m->cap * 2;
	struct page_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->slot[i].used)
			continue;
		j = hash_pfn(m->slot[i].pfn) & (ncap - 1);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = ns;
	m->cap = ncap;
	return 0;
}

static int block_keep(struct iommusim_mem *m, void *b)
{
	if (m->nblocks == m->capblocks) {
		size_t nc = m->capblocks ? 2 * m->capblocks : 64;
		void **nb = realloc(m->blocks, nc * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		m->blocks = nb;
		m->capblocks = nc;
	}
	m->blocks[m->nblocks++] = b;
	return 0;
}

/* Register pfn -> host; the caller made sure pfn is not present. */
static struct page_slot *slot_add(struct iommusim_mem *m, uint64_t pfn,
				  uint8_t *host)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && slot_grow(m))
		return NULL;
	i = hash_pfn(pfn) & (m->cap - 1);
	while (m->slot[i].used)
		i = (i + 1) & (m->cap - 1);
	m->slot[i].used = 1;
	m->slot[i].pfn = pfn;
	m->slot[i].host = host;
	m->slot[i].alloc = 0;
	m->n++;
	return &m->slot[i];
}

static uint8_t *host_block(struct iommusim_mem *m, size_t bytes)
{
	void *b = NULL;

	if (posix_memalign(&b, PG_SIZE, bytes))
		return NULL;
	memset(b, 0, bytes);
	if (block_keep(m, b)) {
		free(b);
		return NULL;
	}
	return b;
}

/* Host byte of pa, creating its page when create; NULL otherwise. */
static uint8_t *host_of(struct iommusim_mem *m, uint64_t pa, bool create)
{
	struct page_slot *s = slot_find(m, pa >> PG_SHIFT);
	uint8_t *h;

	if (s)
		return s->host + (pa & (PG_SIZE - 1));
	if (!create)
		return NULL;
	h = host_block(m, PG_SIZE);
	if (!h || !slot_add(m, pa >> PG_SHIFT, h))
		return NULL;
	return h + (pa & (PG_SIZE - 1));
}

static int check_pa(struct iommusim_mem *m, uint64_t pa, uint64_t len)
{
	if (m->phys_bits < 64 &&
	    (pa >> m->phys_bits || (pa + len - 1) >> m->phys_bits ||
	     pa + len < pa))
		return -EFAULT;
	return 0;
}

int sim_mem_read64_raw(struct iommusim_mem *m, uint64_t pa, uint64_t *val)
{
	uint8_t *h;
	int rc;

	if (pa & 7)
		return -EINVAL;
	rc = check_pa(m, pa, 8);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	h = host_of(m, pa, false);
	*val = h ? __atomic_load_n((uint64_t *)h, __ATOMIC_RELAXED) : 0;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int sim_mem_write64_raw(struct iommusim_mem *m, uint64_t pa, uint64_t val)
{
	uint8_t *h;
	int rc;

	if (pa & 7)
		return -EINVAL;
	rc = check_pa(m, pa, 8);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	h = host_of(m, pa, true);
	if (h)
		__atomic_store_n((uint64_t *)h, val, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&m->lock);
	return h ? 0 : -ENOMEM;
}

int sim_mem_cas64_raw(struct iommusim_mem *m, uint64_t pa, uint64_t old,
		      uint64_t val, uint64_t *prev)
{
	uint8_t *h;
	int rc;

	if (pa & 7)
		return -EINVAL;
	rc = check_pa(m, pa, 8);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	h = host_of(m, pa, true);
	if (h) {
		uint64_t expect = old;

		__atomic_compare_exchange_n((uint64_t *)h, &expect, val, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*prev = expect;
	}
	pthread_mutex_unlock(&m->lock);
	return h ? 0 : -ENOMEM;
}

IOMMUPT_API int iommusim_mem_read64(struct iommusim_mem *m, uint64_t pa,
				    uint64_t *val)
{
	int rc = sim_mem_read64_raw(m, pa, val);

	if (!rc)
		__atomic_add_fetch(&m->reads, 1, __ATOMIC_RELAXED);
	return rc;
}

IOMMUPT_API int iommusim_mem_write64(struct iommusim_mem *m, uint64_t pa,
				     uint64_t val)
{
	int rc = sim_mem_write64_raw(m, pa, val);

	if (!rc)
		__atomic_add_fetch(&m->writes, 1, __ATOMIC_RELAXED);
	return rc;
}

IOMMUPT_API int iommusim_mem_cas64(struct iommusim_mem *m, uint64_t pa,
				   uint64_t old, uint64_t val, uint64_t *prev)
{
	int rc = sim_mem_cas64_raw(m, pa, old, val, prev);

	if (!rc)
		__atomic_add_fetch(&m->cas, 1, __ATOMIC_RELAXED);
	return rc;
}

static int mem_copy(struct iommusim_mem *m, uint64_t pa, void *buf,
		    size_t len, bool write)
{
	uint8_t *b = buf;
	int rc = len ? check_pa(m, pa, len) : 0;

	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	while (len) {
		size_t chunk = PG_SIZE - (pa & (PG_SIZE - 1));
		uint8_t *h = host_of(m, pa, write);

		if (chunk > len)
			chunk = len;
		if (write) {
			if (!h) {
				rc = -ENOMEM;
				break;
			}
			memcpy(h, b, chunk);
		} else if (h) {
			memcpy(b, h, chunk);
		} else {
			memset(b, 0, chunk);
		}
		pa += chunk;
		b += chunk;
		len -= chunk;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

IOMMUPT_API int iommusim_mem_read(struct iommusim_mem *m, uint64_t pa,
				  void *buf, size_t len)
{
	return mem_copy(m, pa, buf, len, false);
}

IOMMUPT_API int iommusim_mem_write(struct iommusim_mem *m, uint64_t pa,
				   const void *buf, size_t len)
{
	return mem_copy(m, pa, (void *)buf, len, true);
}

/* Locked. A fresh, size-aligned range no page of which exists yet. */
static int alloc_fresh(struct iommusim_mem *m, unsigned int lg2, uint64_t *pa)
{
	uint64_t size = 1ull << lg2, npg = size >> PG_SHIFT;

	for (;;) {
		uint64_t base = (m->next_alloc + size - 1) & ~(size - 1);
		bool clash = false;
		uint8_t *h;

		if (check_pa(m, base, size))
			return -ENOMEM;
		m->next_alloc = base + size;
		for (uint64_t i = 0; i < npg && !clash; i++)
			clash = slot_find(m, (base >> PG_SHIFT) + i) != NULL;
		if (clash)
			continue;
		h = host_block(m, size);
		if (!h)
			return -ENOMEM;
		for (uint64_t i = 0; i < npg; i++) {
			struct page_slot *s =
				slot_add(m, (base >> PG_SHIFT) + i,
					 h + (i << PG_SHIFT));

			if (!s)
				return -ENOMEM; /* pages stay backed, harmless */
			s->alloc = 1;
		}
		*pa = base;
		return 0;
	}
}

static void mark_alloc(struct iommusim_mem *m, uint64_t pa, unsigned int lg2,
		       uint8_t on)
{
	for (uint64_t off = 0; off < (1ull << lg2); off += PG_SIZE) {
		struct page_slot *s = slot_find(m, (pa + off) >> PG_SHIFT);

		if (s)
			s->alloc = on;
	}
}

IOMMUPT_API int iommusim_mem_alloc(struct iommusim_mem *m,
				   unsigned int size_lg2, uint64_t *pa)
{
	struct free_list *fl;
	int rc = 0;

	if (!m || !pa || size_lg2 < PG_SHIFT || size_lg2 > 30)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	fl = &m->free[size_lg2];
	if (fl->n) {
		*pa = fl->pa[--fl->n];
		mark_alloc(m, *pa, size_lg2, 1);
		memset(host_of(m, *pa, false), 0, 1ull << size_lg2);
	} else {
		rc = alloc_fresh(m, size_lg2, pa);
	}
	if (!rc)
		m->alloc_bytes += 1ull << size_lg2;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

IOMMUPT_API void iommusim_mem_free(struct iommusim_mem *m, uint64_t pa,
				   unsigned int size_lg2)
{
	struct free_list *fl;

	if (!m || size_lg2 < PG_SHIFT || size_lg2 > 30)
		return;
	pthread_mutex_lock(&m->lock);
	{
		struct page_slot *s = slot_find(m, pa >> PG_SHIFT);

		/* not allocated (or freed twice): ignore */
		if (!s || !s->alloc || (pa & ((1ull << size_lg2) - 1)))
			goto out;
	}
	fl = &m->free[size_lg2];
	if (fl->n == fl->cap) {
		size_t nc = fl->cap ? 2 * fl->cap : 64;
		uint64_t *np = realloc(fl->pa, nc * sizeof(*np));

		if (!np)
			goto out; /* leak the range rather than fail */
		fl->pa = np;
		fl->cap = nc;
	}
	fl->pa[fl->n++] = pa;
	mark_alloc(m, pa, size_lg2, 0);
	m->alloc_bytes -= 1ull << size_lg2;
out:
	pthread_mutex_unlock(&m->lock);
}

IOMMUPT_API void *iommusim_mem_cpu(struct iommusim_mem *m, uint64_t pa)
{
	struct page_slot *s;
	void *p = NULL;

	if (!m || check_pa(m, pa, 1))
		return NULL;
	pthread_mutex_lock(&m->lock);
	s = slot_find(m, pa >> PG_SHIFT);
	if (s && s->alloc)
		p = s->host + (pa & (PG_SIZE - 1));
	pthread_mutex_unlock(&m->lock);
	return p;
}

static int prov_alloc(void *ctx, unsigned int size_lg2, void **cpu,
		      uint64_t *oa)
{
	struct iommusim_mem *m = ctx;
	unsigned int lg2 = size_lg2 < PG_SHIFT ? PG_SHIFT : size_lg2;
	int rc = iommusim_mem_alloc(m, lg2, oa);

	if (rc)
		return rc == -EINVAL ? -ENOMEM : rc;
	*cpu = iommusim_mem_cpu(m, *oa);
	return 0;
}

static void prov_free(void *ctx, void *cpu, uint64_t oa, unsigned int size_lg2)
{
	iommusim_mem_free(ctx, oa, size_lg2 < PG_SHIFT ? PG_SHIFT : size_lg2);
}

static void *prov_oa_to_cpu(void *ctx, uint64_t oa)
{
	return iommusim_mem_cpu(ctx, oa);
}

/*
 * Live update (libiommupt serialize.h, in place): the page stays allocated
 * in simulated memory whoever owns it, so adopting only checks that the
 * whole table is backed contiguously, and releasing does nothing.
 */
static int prov_adopt(void *ctx, uint64_t oa, unsigned int size_lg2,
		      void **cpu)
{
	uint64_t size = 1ull << size_lg2;
	unsigned char *p;

	if (size_lg2 > PG_SHIFT || (oa & (size - 1)))
		return -EINVAL;
	p = iommusim_mem_cpu(ctx, oa);
	if (!p || iommusim_mem_cpu(ctx, oa + size - 1) != p + size - 1)
		return -EINVAL;
	*cpu = p;
	return 0;
}

static void prov_release(void *ctx, void *cpu, uint64_t oa,
			 unsigned int size_lg2)
{
	(void)ctx;
	(void)cpu;
	(void)oa;
	(void)size_lg2;
}

IOMMUPT_API const struct iommupt_mem *
iommusim_mem_provider(struct iommusim_mem *m)
{
	return m ? &m->prov : NULL;
}

IOMMUPT_API int iommusim_mem_create(const struct iommusim_mem_opts *opts,
				    struct iommusim_mem **out)
{
	struct iommusim_mem *m;
	unsigned int bits = 52;
	uint64_t base = 1ull << 20;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (opts) {
		if (!sim_opts_valid(opts, opts->sz, sizeof(*opts)))
			return -EINVAL;
		if (opts->phys_bits)
			bits = opts->phys_bits;
		if (opts->alloc_base)
			base = opts->alloc_base;
	}
	if (bits < 20 || bits > 64 || (base & (PG_SIZE - 1)))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cap = 1024;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	if (!m->slot) {
		free(m);
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->phys_bits = bits;
	m->next_alloc = base;
	m->prov.sz = sizeof(m->prov);
	m->prov.ctx = m;
	m->prov.alloc_table = prov_alloc;
	m->prov.free_table = prov_free;
	m->prov.oa_to_cpu = prov_oa_to_cpu;
	m->prov.adopt_table = prov_adopt;
	m->prov.release_table = prov_release;
	*out = m;
	return 0;
}

IOMMUPT_API void iommusim_mem_destroy(struct iommusim_mem *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nblocks; i++)
		free(m->blocks[i]);
	for (size_t i = 0; i < sizeof(m->free) / sizeof(m->free[0]); i++)
		free(m->free[i].pa);
	free(m->blocks);
	free(m->slot);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

IOMMUPT_API int iommusim_mem_get_stats(struct iommusim_mem *m,
				       struct iommusim_mem_stats *st)
{
	struct iommusim_mem_stats s = { .sz = sizeof(s) };

	if (!m || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	s.reads = m->reads;
	s.writes = m->writes;
	s.cas = m->cas;
	s.pages = m->n;
	s.alloc_bytes = m->alloc_bytes;
	pthread_mutex_unlock(&m->lock);
	sim_copy_out(st, &s, sizeof(s));
	return 0;
}
