// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Device models: DMA engines that each issue one transaction per step.
 *
 * - seq, random, strided, writer: a window mapped once at start (4K or 2M
 *   leaves), touched sequentially, at random, with a stride, or written at
 *   random (the device that keeps dirtying guest memory while it migrates).
 * - nic: a ring of small buffers. The driver posts `ring` buffers; the
 *   device fills (rx, writes) or drains (tx, reads) one buffer after the
 *   other in `xfer`-byte transactions; each finished buffer is unmapped and
 *   a new one mapped in its place. strict invalidates after every unmap;
 *   lazy batches `batch` unmaps into one domain-wide invalidation (Linux's
 *   flush queue); none never invalidates, which the stale-translation
 *   detector catches. IOVA slots are reused only after `ring + batch`
 *   buffers, so lazy mode never hands out an IOVA the IOTLB may still hold.
 * - nvme: the same ring on large buffers (2 MiB by default, aligned so the
 *   library maps them with 2M pages), `io` bytes per command, reads and
 *   writes mixed.
 *
 * Every buffer gets a new OA (slots cycle over 2 * nslots + 1 OAs), so a
 * reused IOVA whose old translation survived in a cache is visible.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <iommupt/common.h>

#include "simrun-work.h"

/* ---- granule set ------------------------------------------------------ */

static size_t gslot(const struct sr_gset *s, uint64_t key)
{
	uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (s->cap - 1);
}

bool sr_gset_has(const struct sr_gset *s, uint64_t key)
{
	if (!s->cap)
		return false;
	for (size_t i = gslot(s, key);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slot[i])
			return false;
		if (s->slot[i] == key + 1)
			return true;
	}
}

static int grow(struct sr_gset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint64_t *old = s->slot;
	size_t ocap = s->cap;

	s->slot = calloc(cap, sizeof(uint64_t));
	if (!s->slot) {
		s->slot = old;
		return -ENOMEM;
	}
	s->cap = cap;
	s->count = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			sr_gset_add(s, old[i] - 1);
	free(old);
	return 0;
}

void sr_gset_add(struct sr_gset *s, uint64_t key)
{
	size_t i;

	if ((s->count + 1) * 2 > s->cap && grow(s))
		return;
	for (i = gslot(s, key); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key + 1)
			return;
	s->slot[i] = key + 1;
	s->count++;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
void sr_gset_del(struct sr_gset *s, uint64_t key)
{
	size_t i, j;

	if (!s->cap || !s->count)
		return;
	for (i = gslot(s, key); s->slot[i] != key + 1;
	     i = (i + 1) & (s->cap - 1))
		if (!s->slot[i])
			return;
	s->slot[i] = 0;
	s->count--;
	for (j = (i + 1) & (s->cap - 1); s->slot[j];
	     j = (j + 1) & (s->cap - 1)) {
		size_t home = gslot(s, s->slot[j] - 1);

		/* move j back to i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->slot[i] = s->slot[j];
			s->slot[j] = 0;
			i = j;
		}
	}
}

void sr_gset_clear(struct sr_gset *s)
{
	if (s->cap)
		memset(s->slot, 0, s->cap * sizeof(uint64_t));
	s->count = 0;
}

void sr_gset_fini(struct sr_gset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* ---- helpers ---------------------------------------------------------- */

/* splitmix64: small, fast, and the same on every machine */
static uint64_t rnd(struct sr_dev *d)
{
	uint64_t z = (d->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool chance(struct sr_dev *d, double p)
{
	if (p <= 0)
		return false;
	if (p >= 1)
		return true;
	return (double)(rnd(d) >> 11) * 0x1p-53 < p;
}

static bool is_ring(const struct sr_dev *d)
{
	return d->cfg->wl == SR_WL_NIC || d->cfg->wl == SR_WL_NVME;
}

static uint64_t pow2_up(uint64_t n)
{
	uint64_t p = 4096;

	while (p < n)
		p <<= 1;
	return p;
}

/* ring geometry, computed once */
static void ring_geometry(struct sr_dev *d)
{
	d->span = pow2_up(d->cfg->buffer);
	if (d->span > (2ull << 20))
		d->span = (d->cfg->buffer + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	d->nslots = d->cfg->ring + d->cfg->batch;
}

uint64_t sr_dev_region(const struct sr_dev *d)
{
	struct sr_dev t = *d;

	if (is_ring(d)) {
		ring_geometry(&t);
		return t.nslots * t.span;
	}
	/* room after the window for stray accesses */
	return d->cfg->window + (1ull << 21);
}

uint64_t sr_dev_oa_need(const struct sr_dev *d)
{
	struct sr_dev t = *d;

	if (is_ring(d)) {
		ring_geometry(&t);
		return (2 * t.nslots + 1) * t.span;
	}
	return d->cfg->window + 4096;
}

static uint64_t slot_iova(const struct sr_dev *d, uint64_t k)
{
	return d->base + (k % d->nslots) * d->span;
}

static uint64_t slot_oa(const struct sr_dev *d, uint64_t k)
{
	return d->oa_base + (k % (2 * d->nslots + 1)) * d->span;
}

#define RW (IOMMUPT_READ | IOMMUPT_WRITE)

int sr_dev_setup(struct eng *e, struct sr_dev *d)
{
	uint64_t oa = d->oa_base;

	if (is_ring(d)) {
		int rc = 0;

		ring_geometry(d);
		for (uint64_t k = 0; k < d->cfg->ring && !rc; k++)
			rc = sr_dev_map(e, d, slot_iova(d, k), slot_oa(d, k),
					d->span, RW, NULL);
		d->cur = 0;
		d->off = 0;
		d->cur_write = chance(d, d->cfg->write_frac);
		return rc;
	}
	/* 4K leaves: an OA off by one page from any 2M boundary */
	if (d->cfg->page_lg2 == 12) {
		oa += 4096;
		return sr_dev_map(e, d, d->base, oa, d->cfg->window, RW, NULL);
	}
	/*
	 * 2M leaves: one map per page, or the library would use larger
	 * pages (AMD NextLevel 7 runs, ARM contiguous blocks) where it can.
	 */
	for (uint64_t o = 0; o < d->cfg->window; o += 1ull << 21) {
		int rc = sr_dev_map(e, d, d->base + o, oa + o, 1ull << 21, RW,
				    NULL);

		if (rc)
			return rc;
	}
	return 0;
}

/* Finish the current buffer: unmap it, post a new one, move on. */
static int ring_next(struct eng *e, struct sr_dev *d, uint64_t *cyc)
{
	uint64_t k = d->cur;
	int rc;

	rc = sr_dev_unmap(e, d, slot_iova(d, k), d->span, cyc);
	if (!rc)
		rc = sr_dev_map(e, d, slot_iova(d, k + d->cfg->ring),
				slot_oa(d, k + d->cfg->ring), d->span, RW, cyc);
	d->cur++;
	d->off = 0;
	d->cur_write = chance(d, d->cfg->write_frac);
	return rc;
}

int sr_dev_step(struct eng *e, struct sr_dev *d)
{
	const struct sr_device_cfg *c = d->cfg;
	uint64_t off, cyc = 0;
	bool write;
	int rc;

	if (is_ring(d)) {
		if (d->off >= c->io) {
			if (!sr_dev_can_remap(e, d)) {
				d->off = 0; /* live update: reuse the buffer */
			} else {
				rc = ring_next(e, d, &cyc);
				if (rc)
					return rc;
			}
		}
		off = d->off;
		d->off += c->xfer;
		return sr_dev_dma(e, d, slot_iova(d, d->cur) + off, c->xfer,
				  d->cur_write, cyc);
	}

	switch (c->wl) {
	case SR_WL_SEQ:
		off = d->pos;
		d->pos = (d->pos + c->xfer) % c->window;
		break;
	case SR_WL_STRIDED:
		off = d->pos & ~((uint64_t)c->xfer - 1);
		d->pos = (d->pos + c->stride) % c->window;
		break;
	default: /* random, writer */
		off = (rnd(d) % (c->window / c->xfer)) * c->xfer;
		break;
	}
	write = chance(d, c->write_frac);
	/* a buggy device: somewhere in the unmapped 2 MiB after the window */
	if (chance(d, c->stray))
		off = c->window + (rnd(d) % 512) * 4096;
	return sr_dev_dma(e, d, d->base + off, c->xfer, write, 0);
}

void sr_dev_fini(struct sr_dev *d)
{
	(void)d;
}
