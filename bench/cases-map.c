// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Map/unmap cases. Every domain comes from the heap provider; OA = IOVA
 * (shifted into the output range for layouts at the top of the input
 * space). "Small" is the format's smallest page (4K today) and "large" the
 * leaf one level up (2M); a case that maps with one of them restricts the
 * domain's page sizes to it, so that an aligned run is not folded into a
 * larger or contiguous page and every format is compared on the same work.
 *
 * Steady state: the random-IOVA cases first install the leaf tables of
 * their window (as a long-running driver's table has them), so what is
 * timed is the entry writes and the walk, not table allocation; the 1 GiB
 * cases do allocate and free their tables every time, as a user mapping a
 * fresh range pays for them. Every op takes a gather and releases it,
 * as a strict-mode caller flushes per op (the flush itself is not timed:
 * there is no hardware). Unmap timings include gather release, i.e. the
 * provider's free of table pages (the heap provider poisons freed pages).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

#define SZ_1G (1ull << 30)
#define RW (IOMMUPT_READ | IOMMUPT_WRITE)

/* Failures of the bench's own checks, beside the library's -errno. */
#define ERR_SHORT (-1000) /* unmap returned fewer bytes than were mapped */
#define ERR_CHECK (-1001) /* a translation after the call is wrong */

/* Linux's generic page-table code, in-kernel, as its authors report it. */
#define LINUX_PT "Linux generic_pt (i7-12700, in-kernel)"

/* Geometry and placement shared by the cases of one format. */
struct geo {
	unsigned int small_lg2, large_lg2;
	bool has_large;
	uint64_t base;    /* first IOVA of the windows */
	uint64_t oa_base; /* OA of base */
};

static void geo_init(const struct bench_ctx *c, struct geo *g)
{
	const struct iommupt_domain_info *info = &c->info;
	uint64_t first = 0;

	g->small_lg2 = (unsigned int)__builtin_ctzll(info->pgsize_bitmap);
	/* one table level up: a table page of small size, 8-byte entries */
	g->large_lg2 = 2 * g->small_lg2 - 3;
	g->has_large = g->large_lg2 < 64 &&
		       (info->pgsize_bitmap >> g->large_lg2) & 1;
	if (info->va_layout == IOMMUPT_VA_UPPER && info->ias_lg2 < 64)
		first = (uint64_t)0 - (1ull << info->ias_lg2);
	/* Away from 0, as a DMA API would place it; every window fits in
	 * 4 GiB + 16 GiB, below the smallest aperture and output size. */
	g->base = first + (4ull << 30);
	g->oa_base = 4ull << 30;
}

/* log2 bytes of the aperture part the windows live in. */
static unsigned int aperture_lg2(const struct bench_ctx *c)
{
	if (c->info.va_layout == IOMMUPT_VA_SIGNEXT)
		return c->info.ias_lg2 - 1;
	return c->info.ias_lg2;
}

static inline uint64_t geo_oa(const struct geo *g, uint64_t iova)
{
	return iova - g->base + g->oa_base;
}

static int do_map(struct iommupt_domain *dom, const struct geo *g,
		  uint64_t iova, uint64_t len)
{
	struct iommupt_gather gather;
	int rc;

	iommupt_gather_init(&gather);
	rc = iommupt_domain_map(dom, iova, geo_oa(g, iova), len, RW, &gather);
	iommupt_gather_release(&gather);
	return rc;
}

static int do_unmap(struct iommupt_domain *dom, uint64_t iova, uint64_t len)
{
	struct iommupt_gather gather;
	uint64_t bytes = 0;
	int rc;

	iommupt_gather_init(&gather);
	rc = iommupt_domain_unmap(dom, iova, len, 0, &gather, &bytes);
	iommupt_gather_release(&gather);
	if (!rc && bytes != len)
		rc = ERR_SHORT;
	return rc;
}

static const char *err_str(int rc)
{
	if (rc == ERR_SHORT)
		return "unmap returned fewer bytes than mapped";
	if (rc == ERR_CHECK)
		return "a translation after the call is wrong";
	return iommupt_strerror(rc);
}

/* Install the tables that hold [iova, iova + len) at granule span. */
static int prefault(struct iommupt_domain *dom, const struct geo *g,
		    uint64_t iova, uint64_t len, unsigned int span_lg2,
		    unsigned int page_lg2)
{
	for (uint64_t off = 0; off < len; off += 1ull << span_lg2) {
		int rc = do_map(dom, g, iova + off, 1ull << page_lg2);

		if (!rc)
			rc = do_unmap(dom, iova + off, 1ull << page_lg2);
		if (rc)
			return rc;
	}
	return 0;
}

/* Shuffle the first k of n slots (partial Fisher-Yates). */
static void pick_slots(uint64_t *slot, uint64_t n, uint64_t k, uint64_t *rng)
{
	for (uint64_t i = 0; i < k && i < n - 1; i++) {
		uint64_t j = i + bench_rand(rng) % (n - i), t = slot[i];

		slot[i] = slot[j];
		slot[j] = t;
	}
}

static uint64_t *slots_new(uint64_t n)
{
	uint64_t *s = malloc(n * sizeof(*s));

	if (!s) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	for (uint64_t i = 0; i < n; i++)
		s[i] = i;
	return s;
}

static void fail_all(struct bench_row **rows, unsigned int n, const char *what,
		     int rc)
{
	for (unsigned int i = 0; i < n; i++)
		bench_row_fail(rows[i], "%s: %s", what, err_str(rc));
}

/* ------------------------------------------------ single page, random -- */

/*
 * One small page mapped then unmapped at random IOVAs of a 1 GiB window:
 * a NIC driver in strict mode, per packet. Also map alone and then unmap
 * alone over other random IOVAs (so that the pair loop has not warmed
 * their lines), to compare with per-op figures published elsewhere.
 */
void bench_case_single(struct bench_ctx *c)
{
	struct geo g;
	struct bench_dom b;
	struct bench_row *rows[3];
	const char *sn;
	uint64_t nslots, k, *slot;
	int rc;

	geo_init(c, &g);
	sn = bench_size_name(g.small_lg2);
	rows[0] = bench_row(c, "ns/op", 1, "%s map+unmap", sn);
	rows[1] = bench_row(c, "ns/op", 1, "%s map", sn);
	rows[2] = bench_row(c, "ns/op", 1, "%s unmap", sn);
	if (!rows[0] && !rows[1] && !rows[2])
		return;
	bench_row_ref(rows[0], BENCH_REF_CHAIN, c->info.levels, 4);
	bench_row_ref(rows[1], BENCH_REF_CHAIN, c->info.levels, 0);
	bench_row_ref(rows[2], BENCH_REF_CHAIN, c->info.levels, 0);
	if (g.small_lg2 == 12)
		bench_row_external(rows[1], LINUX_PT, 53);

	rc = bench_dom_create(&b, c->fmt, 0);
	if (rc) {
		fail_all(rows, 3, "create", rc);
		return;
	}
	nslots = SZ_1G >> g.small_lg2;
	k = c->opts->quick ? 2048 : 16384;
	if (k > nslots)
		k = nslots;
	slot = slots_new(nslots);
	rc = prefault(b.dom, &g, g.base, SZ_1G, 2 * g.small_lg2 - 3, g.small_lg2);
	if (rc)
		fail_all(rows, 3, "prefault", rc);

	for (unsigned int rep = 0; !rc && rep < bench_total_reps(c); rep++) {
		uint64_t t0, pair_ns, map_ns, unmap_ns, oa = 0;

		pick_slots(slot, nslots, k, &c->rng);
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < k && !rc; i++) {
			uint64_t iova = g.base + (slot[i] << g.small_lg2);

			rc = do_map(b.dom, &g, iova, 1ull << g.small_lg2);
			if (!rc)
				rc = do_unmap(b.dom, iova, 1ull << g.small_lg2);
		}
		pair_ns = bench_now_ns() - t0;
		/* fresh IOVAs: the pair loop must not have warmed their lines */
		pick_slots(slot, nslots, k, &c->rng);
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < k && !rc; i++)
			rc = do_map(b.dom, &g, g.base + (slot[i] << g.small_lg2),
				    1ull << g.small_lg2);
		map_ns = bench_now_ns() - t0;
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < k && !rc; i++)
			rc = do_unmap(b.dom, g.base + (slot[i] << g.small_lg2),
				      1ull << g.small_lg2);
		unmap_ns = bench_now_ns() - t0;
		if (rc) {
			fail_all(rows, 3, "map/unmap", rc);
			break;
		}
		/* untimed sanity check: the unmap took effect */
		if (iommupt_domain_iova_to_phys(b.dom, g.base + (slot[0] << g.small_lg2),
						&oa, NULL, NULL) != -ENOENT) {
			fail_all(rows, 3, "check", ERR_CHECK);
			break;
		}
		bench_record(rows[0], pair_ns, k);
		bench_record(rows[1], map_ns, k);
		bench_record(rows[2], unmap_ns, k);
	}
	free(slot);
	bench_dom_destroy(&b);
}

/* ------------------------------------------------- 256 pages per call -- */

/* One batch of calls: map every chosen slot, then unmap every one. */
static int bulk_batch(struct iommupt_domain *dom, const struct geo *g,
		      const uint64_t *slot, uint64_t k, uint64_t slot_bytes,
		      uint64_t *map_ns, uint64_t *unmap_ns)
{
	uint64_t t0, t1, t2, t3, oa = 0, probe;
	int rc = 0;

	t0 = bench_now_ns();
	for (uint64_t i = 0; i < k && !rc; i++)
		rc = do_map(dom, g, g->base + slot[i] * slot_bytes, slot_bytes);
	t1 = bench_now_ns();
	/* untimed: the last byte of the first slot translates */
	probe = g->base + slot[0] * slot_bytes + slot_bytes - 8;
	if (!rc && (iommupt_domain_iova_to_phys(dom, probe, &oa, NULL, NULL) ||
		    oa != geo_oa(g, probe)))
		rc = ERR_CHECK;
	t2 = bench_now_ns();
	for (uint64_t i = 0; i < k && !rc; i++)
		rc = do_unmap(dom, g->base + slot[i] * slot_bytes, slot_bytes);
	t3 = bench_now_ns();
	*map_ns += t1 - t0;
	*unmap_ns += t3 - t2;
	return rc;
}

static void bulk_run(struct bench_ctx *c, const struct geo *g,
		     unsigned int page_lg2, uint64_t pages, uint64_t nslots,
		     uint64_t k, unsigned int rounds)
{
	const char *pn = bench_size_name(page_lg2);
	const uint64_t slot_bytes = pages << page_lg2;
	struct bench_row *rows[2];
	struct bench_dom b;
	uint64_t *slot, sizes;
	int rc;

	rows[0] = bench_row(c, "ns/call", pages, "%llux%s map",
			    (unsigned long long)pages, pn);
	rows[1] = bench_row(c, "ns/call", pages, "%llux%s unmap",
			    (unsigned long long)pages, pn);
	if (!rows[0] && !rows[1])
		return;
	bench_row_ref(rows[0], BENCH_REF_STORE, pages, 2);
	bench_row_ref(rows[1], BENCH_REF_STORE, pages, 2);
	if (page_lg2 == 12 && pages == 256)
		bench_row_external(rows[0], LINUX_PT, 367);
	sizes = (1ull << page_lg2) | (1ull << g->small_lg2);
	rc = bench_dom_create(&b, c->fmt, sizes);
	if (rc) {
		fail_all(rows, 2, "create", rc);
		return;
	}
	/* the tables one level above the pages */
	rc = prefault(b.dom, g, g->base, nslots * slot_bytes,
		      page_lg2 + g->small_lg2 - 3, page_lg2);
	if (rc)
		fail_all(rows, 2, "prefault", rc);
	slot = slots_new(nslots);
	if (k > nslots)
		k = nslots; /* large granules: fewer slots in the window */
	for (unsigned int rep = 0; !rc && rep < bench_total_reps(c); rep++) {
		uint64_t map_ns = 0, unmap_ns = 0;

		for (unsigned int r = 0; r < rounds && !rc; r++) {
			pick_slots(slot, nslots, k, &c->rng);
			rc = bulk_batch(b.dom, g, slot, k, slot_bytes, &map_ns,
					&unmap_ns);
		}
		if (rc) {
			fail_all(rows, 2, "map/unmap/lookup", rc);
			break;
		}
		bench_record(rows[0], map_ns, k * rounds);
		bench_record(rows[1], unmap_ns, k * rounds);
	}
	free(slot);
	bench_dom_destroy(&b);
}

/*
 * 256 small pages in one call (1 MiB slots of a 1 GiB window) and 256
 * large pages in one call (512 MiB slots of an 8 GiB window), at random
 * slots; the tables above the pages are in place.
 */
void bench_case_bulk256(struct bench_ctx *c)
{
	struct geo g;
	bool q = c->opts->quick;

	geo_init(c, &g);
	bulk_run(c, &g, g.small_lg2, 256, SZ_1G >> (g.small_lg2 + 8),
		 q ? 64 : 256, 1);
	if (g.has_large)
		bulk_run(c, &g, g.large_lg2, 256, 16, 16, q ? 2 : 16);
	else
		bench_skip(c, "bulk256", "no %s leaf in this configuration",
			   bench_size_name(g.large_lg2));
}

/* ------------------------------------------------------ 1 GiB at once -- */

static void gig_run(struct bench_ctx *c, const struct geo *g,
		    unsigned int page_lg2, unsigned int bytes_lg2)
{
	const char *pn = bench_size_name(page_lg2);
	const uint64_t bytes = 1ull << bytes_lg2;
	const uint64_t pages = bytes >> page_lg2;
	struct bench_row *rows[2];
	struct bench_dom b;
	int rc;

	rows[0] = bench_row(c, "ns/call", pages, "%s of %s map",
			    bench_size_name(bytes_lg2), pn);
	rows[1] = bench_row(c, "ns/call", pages, "%s of %s unmap",
			    bench_size_name(bytes_lg2), pn);
	if (!rows[0] && !rows[1])
		return;
	bench_row_ref(rows[0], BENCH_REF_STORE, pages, 2);
	bench_row_ref(rows[1], BENCH_REF_STORE, pages, 2);
	/* only this page size: an aligned run would otherwise fold upwards */
	rc = bench_dom_create(&b, c->fmt, 1ull << page_lg2);
	if (rc) {
		fail_all(rows, 2, "create", rc);
		return;
	}
	for (unsigned int rep = 0; rep < bench_total_reps(c); rep++) {
		uint64_t t0, t1, t2, t3, oa = 0;
		struct iommupt_stats st = { .sz = sizeof(st) };

		t0 = bench_now_ns();
		rc = do_map(b.dom, g, g->base, bytes);
		t1 = bench_now_ns();
		if (rc) {
			fail_all(rows, 2, "map", rc);
			break;
		}
		if (iommupt_domain_iova_to_phys(b.dom, g->base + bytes - 8, &oa,
						NULL, NULL) ||
		    oa != geo_oa(g, g->base + bytes - 8) ||
		    (rep == 0 && (iommupt_domain_stats(b.dom, &st) ||
				  st.leaves[0] + st.leaves[1] != pages))) {
			fail_all(rows, 2, "check after map", ERR_CHECK);
			break;
		}
		t2 = bench_now_ns();
		rc = do_unmap(b.dom, g->base, bytes);
		t3 = bench_now_ns();
		if (rc) {
			fail_all(rows, 2, "unmap", rc);
			break;
		}
		bench_record(rows[0], t1 - t0, 1);
		bench_record(rows[1], t3 - t2, 1);
	}
	bench_dom_destroy(&b);
}

/*
 * 1 GiB mapped in one call with small pages, then with large pages. With
 * granules above 4K a large page is 32M or 512M, so the large-page run
 * maps a whole table of them instead (64G, 4T), not a handful.
 */
void bench_case_gig(struct bench_ctx *c)
{
	struct geo g;
	unsigned int large_bytes_lg2;

	geo_init(c, &g);
	gig_run(c, &g, g.small_lg2, 30);
	large_bytes_lg2 = g.large_lg2 + g.small_lg2 - 3;
	if (large_bytes_lg2 < 30)
		large_bytes_lg2 = 30;
	if (!g.has_large)
		bench_skip(c, "gig", "no %s leaf in this configuration",
			   bench_size_name(g.large_lg2));
	else if (large_bytes_lg2 + 2 > aperture_lg2(c) ||
		 large_bytes_lg2 + 2 > c->info.oas_lg2)
		bench_skip(c, "gig", "%s of %s does not fit the aperture",
			   bench_size_name(large_bytes_lg2),
			   bench_size_name(g.large_lg2));
	else
		gig_run(c, &g, g.large_lg2, large_bytes_lg2);
}

/* ------------------------------------------------------- random mixture -- */

/*
 * A working set of 4096 chunks of 16 small pages (256 MiB): each op picks
 * a chunk at random and unmaps it when mapped, else maps 1..16 pages at its
 * start. Half the chunks start mapped, so maps and unmaps alternate evenly.
 */
void bench_case_mix(struct bench_ctx *c)
{
	const uint64_t nchunks = 4096, chunk_pages = 16;
	struct bench_row *row;
	struct bench_dom b;
	struct geo g;
	uint8_t *len;
	uint64_t ops = c->opts->quick ? 4096 : 32768, chunk_bytes;
	int rc;

	geo_init(c, &g);
	row = bench_row(c, "ns/op", 1, "mix map/unmap");
	if (!row)
		return;
	bench_row_ref(row, BENCH_REF_CHAIN, c->info.levels, 0);
	chunk_bytes = chunk_pages << g.small_lg2;
	rc = bench_dom_create(&b, c->fmt, 1ull << g.small_lg2);
	if (rc) {
		bench_row_fail(row, "create: %s", err_str(rc));
		return;
	}
	len = calloc(nchunks, 1);
	if (!len) {
		fprintf(stderr, "iommupt-bench: out of memory\n");
		exit(1);
	}
	for (uint64_t i = 0; !rc && i < nchunks; i += 2) {
		len[i] = (uint8_t)(1 + bench_rand(&c->rng) % chunk_pages);
		rc = do_map(b.dom, &g, g.base + i * chunk_bytes,
			    (uint64_t)len[i] << g.small_lg2);
	}
	for (unsigned int rep = 0; !rc && rep < bench_total_reps(c); rep++) {
		uint64_t t0 = bench_now_ns();

		for (uint64_t i = 0; i < ops && !rc; i++) {
			uint64_t r = bench_rand(&c->rng);
			uint64_t ch = r % nchunks;
			uint64_t iova = g.base + ch * chunk_bytes;

			if (len[ch]) {
				rc = do_unmap(b.dom, iova,
					      (uint64_t)len[ch] << g.small_lg2);
				len[ch] = 0;
			} else {
				len[ch] = (uint8_t)(1 + (r >> 32) % chunk_pages);
				rc = do_map(b.dom, &g, iova,
					    (uint64_t)len[ch] << g.small_lg2);
			}
		}
		bench_record(row, bench_now_ns() - t0, ops);
	}
	if (rc)
		bench_row_fail(row, "map/unmap: %s", err_str(rc));
	free(len);
	bench_dom_destroy(&b);
}

/* ------------------------------------------------------------- threads -- */

struct worker {
	struct iommupt_domain *dom;
	const struct geo *g;
	pthread_barrier_t *start;
	uint64_t base;     /* this thread's own 512 MiB */
	uint64_t *slot;
	uint64_t k;
	uint64_t t_start, t_end; /* taken by the worker itself */
	uint64_t cpu_ns;         /* CPU time the worker used */
	int rc;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->t_start = bench_now_ns();
	w->cpu_ns = thread_cpu_ns();
	for (uint64_t i = 0; i < w->k && !w->rc; i++) {
		uint64_t iova = w->base + (w->slot[i] << w->g->small_lg2);

		w->rc = do_map(w->dom, w->g, iova, 1ull << w->g->small_lg2);
		if (!w->rc)
			w->rc = do_unmap(w->dom, iova, 1ull << w->g->small_lg2);
	}
	w->t_end = bench_now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	return NULL;
}

/*
 * Wall-clock ns (first start to last end) and the workers' CPU ns summed,
 * for nthreads threads each doing k map+unmap pairs.
 */
static int threads_rep(struct iommupt_domain *dom, const struct geo *g,
		       unsigned int nthreads, uint64_t **slot, uint64_t k,
		       uint64_t *ns, uint64_t *cpu_ns)
{
	pthread_barrier_t start;
	struct worker w[2];
	pthread_t tid[2];
	uint64_t t0 = 0, t1 = 0;
	int rc = 0;

	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (unsigned int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .dom = dom, .g = g, .start = &start,
			.base = g->base + i * (SZ_1G / 2), .slot = slot[i], .k = k };
		if (pthread_create(&tid[i], NULL, worker_run, &w[i])) {
			fprintf(stderr, "iommupt-bench: pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	/*
	 * The workers time themselves: with as many workers as CPUs this
	 * thread may not run again until one of them has finished.
	 */
	for (unsigned int i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		if (w[i].rc)
			rc = w[i].rc;
		if (!i || w[i].t_start < t0)
			t0 = w[i].t_start;
		if (!i || w[i].t_end > t1)
			t1 = w[i].t_end;
	}
	*ns = t1 - t0;
	*cpu_ns = 0;
	for (unsigned int i = 0; i < nthreads; i++)
		*cpu_ns += w[i].cpu_ns;
	pthread_barrier_destroy(&start);
	return rc;
}

/*
 * Single-page map+unmap at random IOVAs by one thread, then by two threads
 * at once on disjoint halves of a 1 GiB window of one domain (they share
 * the upper tables, not the leaf tables). Per op = wall time / all ops.
 * The "cpu" row divides the workers' CPU time instead: near the 1-thread
 * figure, a lack of scaling comes from a busy machine (no idle CPU for
 * the second thread), not from contention in the library.
 */
void bench_case_threads(struct bench_ctx *c)
{
	struct bench_row *rows[3];
	struct bench_dom b;
	struct geo g;
	uint64_t nslots, k = c->opts->quick ? 2048 : 16384, *slot[2];
	int rc;

	geo_init(c, &g);
	rows[0] = bench_row(c, "ns/op", 1, "%s map+unmap 1 thr",
			    bench_size_name(g.small_lg2));
	rows[1] = bench_row(c, "ns/op", 1, "%s map+unmap 2 thr",
			    bench_size_name(g.small_lg2));
	rows[2] = bench_row(c, "ns/op", 1, "%s map+unmap 2 thr cpu",
			    bench_size_name(g.small_lg2));
	if (!rows[0] && !rows[1] && !rows[2])
		return;
	bench_row_ref(rows[0], BENCH_REF_CHAIN, c->info.levels, 0);
	bench_row_ref_row(rows[1], rows[0], true);
	bench_row_ref_row(rows[2], rows[0], false);
	rc = bench_dom_create(&b, c->fmt, 0);
	if (rc) {
		fail_all(rows, 3, "create", rc);
		return;
	}
	rc = prefault(b.dom, &g, g.base, SZ_1G, 2 * g.small_lg2 - 3, g.small_lg2);
	if (rc)
		fail_all(rows, 3, "prefault", rc);
	nslots = (SZ_1G / 2) >> g.small_lg2;
	if (k > nslots)
		k = nslots;
	slot[0] = slots_new(nslots);
	slot[1] = slots_new(nslots);
	for (unsigned int rep = 0; !rc && rep < bench_total_reps(c); rep++) {
		for (unsigned int n = 1; n <= 2 && !rc; n++) {
			uint64_t ns = 0, cpu_ns = 0;

			if (n == 1 ? !rows[0] : !rows[1] && !rows[2])
				continue;
			pick_slots(slot[0], nslots, k, &c->rng);
			pick_slots(slot[1], nslots, k, &c->rng);
			rc = threads_rep(b.dom, &g, n, slot, k, &ns, &cpu_ns);
			if (rc) {
				fail_all(rows, 3, "map/unmap", rc);
			} else {
				bench_record(rows[n - 1], ns, n * k);
				if (n == 2)
					bench_record(rows[2], cpu_ns, n * k);
			}
		}
	}
	free(slot[0]);
	free(slot[1]);
	bench_dom_destroy(&b);
}
