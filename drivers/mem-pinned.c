// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Pinned-memory provider for real hardware. Table pages and DMA buffers
 * need physical addresses and must stay put while a unit walks them, so
 * memory comes from 2 MiB hugetlb pages (physically contiguous, never
 * swapped or migrated), carved into naturally aligned power-of-two blocks
 * by a 512-slot bitmap per hugepage. Without hugepages each 4 KiB block is
 * its own locked anonymous page. Physical addresses are read from
 * /proc/self/pagemap (frame number in bits 54:0, present bit 63; the
 * kernel shows frame numbers to CAP_SYS_ADMIN only).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommupt/drv.h>

#include "drv-int.h"

#define SMALL_LG2 12
#define HUGE_LG2 21
#define SLOTS (1u << (HUGE_LG2 - SMALL_LG2)) /* 512 blocks per hugepage */

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

struct chunk {
	unsigned char *cpu;
	uint64_t pa;
	int huge;                  /* 2 MiB hugetlb page, else one 4 KiB page */
	uint64_t used[SLOTS / 64]; /* huge: one bit per 4 KiB slot */
};

struct iommudrv_pinned {
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	uint32_t flags;
	int huge_ok; /* hugepages worked, or have not been tried yet */
	struct chunk *chunks;
	size_t nr, cap;
};

int iommudrv_virt_to_phys(const void *va, uint64_t *pa)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	ssize_t n;
	int fd, err;

	if (!pa || pg <= 0)
		return -EINVAL;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, &ent, sizeof(ent),
		  (off_t)((uintptr_t)va / (uintptr_t)pg * sizeof(ent)));
	err = n == (ssize_t)sizeof(ent) ? 0 : (n < 0 ? -errno : -EIO);
	close(fd);
	if (err)
		return err;
	if (!(ent >> 63))
		return -ENOENT;
	ent &= (1ull << 55) - 1;
	if (!ent)
		return -EPERM; /* frame numbers hidden from this process */
	*pa = ent * (uint64_t)pg + (uintptr_t)va % (uintptr_t)pg;
	return 0;
}

static int add_chunk(struct iommudrv_pinned *p, const struct chunk *c)
{
	if (p->nr == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct chunk *n = realloc(p->chunks, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->chunks = n;
		p->cap = ncap;
	}
	p->chunks[p->nr++] = *c;
	return 0;
}

/* Map and pin one page of 1 << lg2 bytes; find its physical address. */
static int map_chunk(struct iommudrv_pinned *p, int huge, struct chunk *c)
{
	size_t len = (size_t)1 << (huge ? HUGE_LG2 : SMALL_LG2);
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
	void *m;
	int ret;

	if (huge)
		fl |= MAP_HUGETLB | (HUGE_LG2 << MAP_HUGE_SHIFT);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, fl, -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	memset(m, 0, len); /* fault it in for certain */
	if (mlock(m, len)) {
		ret = -errno;
		goto fail;
	}
	memset(c, 0, sizeof(*c));
	c->cpu = m;
	c->huge = huge;
	ret = iommudrv_virt_to_phys(m, &c->pa);
	if (ret)
		goto fail;
	if (c->pa & (len - 1)) { /* a hugetlb page is aligned; be sure */
		ret = -EIO;
		goto fail;
	}
	ret = add_chunk(p, c);
	if (ret)
		goto fail;
	return 0;
fail:
	munmap(m, len);
	return ret;
}

static int slots_free(const struct chunk *c, unsigned int first,
		      unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		if (c->used[i / 64] & (1ull << (i % 64)))
			return 0;
	return 1;
}

static void slots_set(struct chunk *c, unsigned int first, unsigned int n,
		      int on)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		if (on)
			c->used[i / 64] |= 1ull << (i % 64);
		else
			c->used[i / 64] &= ~(1ull << (i % 64));
	}
}

static int try_huge(struct chunk *c, unsigned int n, void **cpu, uint64_t *pa)
{
	unsigned int s;

	for (s = 0; s < SLOTS; s += n) {
		if (!slots_free(c, s, n))
			continue;
		slots_set(c, s, n, 1);
		*cpu = c->cpu + ((size_t)s << SMALL_LG2);
		*pa = c->pa + ((uint64_t)s << SMALL_LG2);
		return 0;
	}
	return -ENOMEM;
}

static int alloc_locked(struct iommudrv_pinned *p, unsigned int lg2,
			void **cpu, uint64_t *pa)
{
	unsigned int n = 1u << (lg2 - SMALL_LG2);
	struct chunk c;
	size_t i;
	int ret;

	if (p->huge_ok) {
		for (i = 0; i < p->nr; i++)
			if (p->chunks[i].huge &&
			    !try_huge(&p->chunks[i], n, cpu, pa))
				return 0;
		ret = map_chunk(p, 1, &c);
		if (!ret)
			return try_huge(&p->chunks[p->nr - 1], n, cpu, pa);
		p->huge_ok = 0;
	}
	if (lg2 != SMALL_LG2)
		return -ENOMEM;
	ret = map_chunk(p, 0, &c);
	if (ret)
		return ret;
	*cpu = c.cpu;
	*pa = c.pa;
	return 0;
}

int iommudrv_pinned_alloc(struct iommudrv_pinned *p, unsigned int size_lg2,
			  void **cpu, uint64_t *pa)
{
	int ret;

	if (!p || !cpu || !pa || size_lg2 > HUGE_LG2)
		return -EINVAL;
	if (size_lg2 < SMALL_LG2)
		size_lg2 = SMALL_LG2;
	pthread_mutex_lock(&p->lock);
	ret = alloc_locked(p, size_lg2, cpu, pa);
	pthread_mutex_unlock(&p->lock);
	if (!ret)
		memset(*cpu, 0, (size_t)1 << size_lg2);
	return ret;
}

static struct chunk *find_cpu(struct iommudrv_pinned *p, const void *cpu,
			      size_t *idx)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct chunk *c = &p->chunks[i];
		size_t len = (size_t)1 << (c->huge ? HUGE_LG2 : SMALL_LG2);

		if ((const unsigned char *)cpu >= c->cpu &&
		    (const unsigned char *)cpu < c->cpu + len) {
			*idx = i;
			return c;
		}
	}
	return NULL;
}

void iommudrv_pinned_free(struct iommudrv_pinned *p, void *cpu,
			  unsigned int size_lg2)
{
	struct chunk *c;
	size_t i;

	if (!p || !cpu)
		return;
	if (size_lg2 < SMALL_LG2)
		size_lg2 = SMALL_LG2;
	pthread_mutex_lock(&p->lock);
	c = find_cpu(p, cpu, &i);
	if (c && c->huge) {
		slots_set(c, (unsigned int)(((unsigned char *)cpu - c->cpu) >>
					    SMALL_LG2),
			  1u << (size_lg2 - SMALL_LG2), 0);
	} else if (c) {
		/* A lone 4 KiB page goes back to the kernel at once. */
		munmap(c->cpu, (size_t)1 << SMALL_LG2);
		p->chunks[i] = p->chunks[--p->nr];
	}
	pthread_mutex_unlock(&p->lock);
}

static int mem_alloc_table(void *ctx, unsigned int size_lg2, void **cpu,
			   uint64_t *oa)
{
	return iommudrv_pinned_alloc(ctx, size_lg2, cpu, oa);
}

static void mem_free_table(void *ctx, void *cpu, uint64_t oa,
			   unsigned int size_lg2)
{
	iommudrv_pinned_free(ctx, cpu, size_lg2);
}

static void *mem_oa_to_cpu(void *ctx, uint64_t oa)
{
	struct iommudrv_pinned *p = ctx;
	void *cpu = NULL;
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->nr; i++) {
		const struct chunk *c = &p->chunks[i];
		uint64_t len = 1ull << (c->huge ? HUGE_LG2 : SMALL_LG2);

		if (oa >= c->pa && oa - c->pa < len) {
			cpu = c->cpu + (oa - c->pa);
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return cpu;
}

int iommudrv_pinned_create(const struct iommudrv_pinned_opts *opts,
			   struct iommudrv_pinned **out)
{
	struct iommudrv_pinned *p;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	ret = drv_opts_check(opts, opts ? opts->sz : 0,
			     sizeof(struct iommudrv_pinned_opts));
	if (ret)
		return ret;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->flags = opts ? opts->flags : 0;
	p->huge_ok = !(p->flags & IOMMUDRV_PINNED_NO_HUGE);
	p->mem.sz = sizeof(p->mem);
	p->mem.ctx = p;
	p->mem.alloc_table = mem_alloc_table;
	p->mem.free_table = mem_free_table;
	p->mem.oa_to_cpu = mem_oa_to_cpu;
	*out = p;
	return 0;
}

void iommudrv_pinned_destroy(struct iommudrv_pinned *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		munmap(p->chunks[i].cpu,
		       (size_t)1 << (p->chunks[i].huge ? HUGE_LG2 : SMALL_LG2));
	free(p->chunks);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const struct iommupt_mem *iommudrv_pinned_mem(struct iommudrv_pinned *p)
{
	return p ? &p->mem : NULL;
}

int iommudrv_pinned_has_huge(struct iommudrv_pinned *p)
{
	int ret;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	ret = p->huge_ok;
	pthread_mutex_unlock(&p->lock);
	return ret;
}
