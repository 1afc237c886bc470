// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Reference loops: what the machine can do at best for the work a case
 * does, measured in the same process so that noise hits both alike.
 *
 * - store loop: n 8-byte stores, one at a time (the engine must write each
 *   entry with one single-copy-atomic 64-bit store while hardware may walk,
 *   so a vectorised memset-like loop would not be a fair limit);
 * - load loop: n 8-byte loads, one at a time, summed;
 * - memcpy: n 8-byte entries copied with the C library's memcpy, for
 *   serialize/restore (they move the table pages);
 * - dependent-load chain: depth loads where each address comes from the
 *   previous load, like a table walk, landing on a random cache line of a
 *   random page of an arena as large as the leaf tables of the 1 GiB window
 *   the single-page cases use, so each step misses L1 as a walk's leaf
 *   step does.
 *
 * The buffers are written through volatile pointers and the results are
 * consumed with bench_use(), so the compiler can drop no iteration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define LINE 64
#define CHAIN_ARENA (2ull << 20) /* leaf tables of 1 GiB of 4K pages */

/* Short passes are repeated until a measurement spans this many entries. */
#define MIN_ENTRIES (1ull << 20)

static uint64_t *g_buf;
static uint64_t g_buf_n;

static uint64_t *buf_get(uint64_t n)
{
	if (n > g_buf_n) {
		free(g_buf);
		if (posix_memalign((void **)&g_buf, 4096, n * sizeof(*g_buf))) {
			fprintf(stderr, "iommupt-bench: no memory for reference\n");
			exit(1);
		}
		memset(g_buf, 0, n * sizeof(*g_buf)); /* fault it in */
		g_buf_n = n;
	}
	return g_buf;
}

double bench_ref_store_once(uint64_t n)
{
	volatile uint64_t *p = buf_get(n);
	uint64_t passes = (MIN_ENTRIES + n - 1) / n;
	uint64_t t0, t1;

	t0 = bench_now_ns();
	for (uint64_t k = 0; k < passes; k++) {
		uint64_t e = 0x1003 + (k << 12); /* like leaf entries: OA + bits */

		for (uint64_t i = 0; i < n; i++) {
			p[i] = e;
			e += 4096;
		}
	}
	t1 = bench_now_ns();
	bench_use(p);
	return (double)(t1 - t0) / (double)(passes * n);
}

double bench_ref_load_once(uint64_t n)
{
	volatile uint64_t *p = buf_get(n);
	uint64_t passes = (MIN_ENTRIES + n - 1) / n;
	uint64_t sum = 0, t0, t1;

	t0 = bench_now_ns();
	for (uint64_t k = 0; k < passes; k++)
		for (uint64_t i = 0; i < n; i++)
			sum += p[i];
	t1 = bench_now_ns();
	bench_use(sum);
	return (double)(t1 - t0) / (double)(passes * n);
}

/*
 * memcpy of n 8-byte entries between two buffers of their own: what
 * copying the table pages costs at best (serialize and restore move
 * those bytes and more).
 */
static uint64_t *g_cpy_src, *g_cpy_dst;
static uint64_t g_cpy_n;

double bench_ref_memcpy_once(uint64_t n)
{
	uint64_t passes = (MIN_ENTRIES + n - 1) / n, t0, t1;

	if (n > g_cpy_n) {
		free(g_cpy_src);
		free(g_cpy_dst);
		if (posix_memalign((void **)&g_cpy_src, 4096, n * 8) ||
		    posix_memalign((void **)&g_cpy_dst, 4096, n * 8)) {
			fprintf(stderr, "iommupt-bench: no memory for reference\n");
			exit(1);
		}
		for (uint64_t i = 0; i < n; i++)
			g_cpy_src[i] = 0x1003 + (i << 12);
		memset(g_cpy_dst, 0, n * 8); /* fault it in */
		g_cpy_n = n;
	}
	t0 = bench_now_ns();
	for (uint64_t k = 0; k < passes; k++) {
		memcpy(g_cpy_dst, g_cpy_src, n * 8);
		bench_use(g_cpy_dst);
	}
	t1 = bench_now_ns();
	return (double)(t1 - t0) / (double)(passes * n);
}

static void **g_chain;

/* One cycle through every line of the arena in random order (Sattolo). */
static void **chain_build(void)
{
	const uint64_t nodes = CHAIN_ARENA / LINE;
	uint64_t *order, rng = 0x5eed0fc4a1full;
	unsigned char *arena;

	if (posix_memalign((void **)&arena, 4096, CHAIN_ARENA) ||
	    !(order = malloc(nodes * sizeof(*order)))) {
		fprintf(stderr, "iommupt-bench: no memory for the chain\n");
		exit(1);
	}
	memset(arena, 0, CHAIN_ARENA);
	for (uint64_t i = 0; i < nodes; i++)
		order[i] = i;
	for (uint64_t i = nodes - 1; i > 0; i--) {
		uint64_t j = bench_rand(&rng) % i, t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint64_t i = 0; i < nodes; i++) {
		void **from = (void **)(arena + order[i] * LINE);

		*from = arena + order[(i + 1) % nodes] * LINE;
	}
	free(order);
	return (void **)arena;
}

uint64_t bench_ref_chain_arena_bytes(void)
{
	return CHAIN_ARENA;
}

double bench_ref_chain_once(unsigned int depth, bool quick)
{
	uint64_t hops = quick ? 1ull << 16 : 1ull << 19;
	uint64_t chains = hops / depth, t0, t1;
	void **p;

	if (!g_chain)
		g_chain = chain_build();
	p = g_chain;
	t0 = bench_now_ns();
	for (uint64_t k = 0; k < chains; k++)
		for (unsigned int i = 0; i < depth; i++)
			p = *(void **volatile *)p;
	t1 = bench_now_ns();
	bench_use(p);
	g_chain = p; /* the next pass starts where this one stopped */
	return (double)(t1 - t0) / (double)chains;
}
