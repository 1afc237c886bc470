// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The simulator core: sparse memory, the memory provider under
 * libiommupt, the generic cache, the cycle defaults, the stale detector
 * and the unit's request checks.
 */
#include <errno.h>
#include <string.h>

#include <iommupt/sim.h>
#include <iommupt/sim-vtd.h>

#include "helpers.h"
#include "../sim/sim-int.h"
#include "../sim/xlate.h"

static struct iommusim_mem *mem_new(unsigned int phys_bits)
{
	IOMMUPT_OPTS(iommusim_mem_opts, o, .phys_bits = phys_bits);
	struct iommusim_mem *m;

	ck_assert_int_eq(iommusim_mem_create(&o, &m), 0);
	return m;
}

START_TEST(test_mem_unwritten_reads_zero_and_writes_grow)
{
	struct iommusim_mem *m = mem_new(0);
	IOMMUPT_OPTS(iommusim_mem_stats, st);
	uint64_t v = 1;

	ck_assert_int_eq(iommusim_mem_read64(m, 0x123456000ull, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.pages, 0);
	for (uint64_t i = 0; i < 3000; i++)
		ck_assert_int_eq(iommusim_mem_write64(m, i << 20, i + 7), 0);
	for (uint64_t i = 0; i < 3000; i++) {
		ck_assert_int_eq(iommusim_mem_read64(m, i << 20, &v), 0);
		ck_assert_uint_eq(v, i + 7);
	}
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.pages, 3000);
	ck_assert_uint_eq(st.writes, 3000);
	ck_assert_uint_eq(st.reads, 3001);
	iommusim_mem_destroy(m);
}
END_TEST

START_TEST(test_mem_bad_accesses_fail)
{
	struct iommusim_mem *m = mem_new(40);
	IOMMUPT_OPTS(iommusim_mem_opts, bad, .phys_bits = 10);
	struct iommusim_mem_opts big;
	unsigned char raw[sizeof(struct iommusim_mem_opts) + 8] = { 0 };
	uint64_t v, prev;
	struct iommusim_mem *x;
	char buf[8];

	ck_assert_int_eq(iommusim_mem_read64(m, 4, &v), -EINVAL);
	ck_assert_int_eq(iommusim_mem_write64(m, 4, 0), -EINVAL);
	ck_assert_int_eq(iommusim_mem_cas64(m, 4, 0, 1, &prev), -EINVAL);
	ck_assert_int_eq(iommusim_mem_read64(m, 1ull << 40, &v), -EFAULT);
	ck_assert_int_eq(iommusim_mem_write64(m, 1ull << 40, 0), -EFAULT);
	ck_assert_int_eq(iommusim_mem_cas64(m, 1ull << 41, 0, 1, &prev),
			 -EFAULT);
	ck_assert_int_eq(iommusim_mem_read(m, (1ull << 40) - 4, buf, 8),
			 -EFAULT);
	ck_assert_int_eq(iommusim_mem_create(&bad, &x), -EINVAL);
	ck_assert_int_eq(iommusim_mem_create(NULL, NULL), -EINVAL);
	/* unknown non-zero trailing bytes are refused */
	memset(&big, 0, sizeof(big));
	memcpy(raw, &big, sizeof(big));
	*(size_t *)raw = sizeof(raw);
	raw[sizeof(raw) - 1] = 1;
	ck_assert_int_eq(iommusim_mem_create((void *)raw, &x), -EINVAL);
	ck_assert_int_eq(iommusim_mem_alloc(m, 11, &v), -EINVAL);
	ck_assert_int_eq(iommusim_mem_alloc(m, 31, &v), -EINVAL);
	ck_assert_ptr_null(iommusim_mem_cpu(m, 1ull << 45));
	iommusim_mem_free(m, 0, 5); /* ignored */
	iommusim_mem_destroy(m);
	iommusim_mem_destroy(NULL);
}
END_TEST

START_TEST(test_mem_cas_and_byte_copies)
{
	struct iommusim_mem *m = mem_new(0);
	IOMMUPT_OPTS(iommusim_mem_stats, st);
	uint64_t prev, v;
	unsigned char in[6000], out[6000];

	ck_assert_int_eq(iommusim_mem_write64(m, 0x1000, 5), 0);
	ck_assert_int_eq(iommusim_mem_cas64(m, 0x1000, 4, 9, &prev), 0);
	ck_assert_uint_eq(prev, 5);
	ck_assert_int_eq(iommusim_mem_read64(m, 0x1000, &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(iommusim_mem_cas64(m, 0x1000, 5, 9, &prev), 0);
	ck_assert_uint_eq(prev, 5);
	ck_assert_int_eq(iommusim_mem_read64(m, 0x1000, &v), 0);
	ck_assert_uint_eq(v, 9);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(iommusim_mem_write(m, 0x7ffff3, in, sizeof(in)), 0);
	ck_assert_int_eq(iommusim_mem_read(m, 0x7ffff3, out, sizeof(out)), 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	/* reading never-written memory yields zero bytes */
	ck_assert_int_eq(iommusim_mem_read(m, 0x90000000, out, 100), 0);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(out[i], 0);
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.cas, 2);
	ck_assert_int_eq(iommusim_mem_get_stats(m, NULL), -EINVAL);
	iommusim_mem_destroy(m);
}
END_TEST

START_TEST(test_mem_alloc_aligned_zeroed_and_aliased)
{
	struct iommusim_mem *m = mem_new(0);
	IOMMUPT_OPTS(iommusim_mem_stats, st);
	uint64_t pa, pa2, big, v;
	uint64_t *cpu;

	/* a page written before the allocator reaches it is skipped */
	ck_assert_int_eq(iommusim_mem_write64(m, (1ull << 20) + 0x5000, 1), 0);
	ck_assert_int_eq(iommusim_mem_alloc(m, 12, &pa), 0);
	ck_assert_uint_eq(pa & 0xfff, 0);
	cpu = iommusim_mem_cpu(m, pa);
	ck_assert_ptr_nonnull(cpu);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(cpu[i], 0);
	cpu[3] = 0xabcdef;
	ck_assert_int_eq(iommusim_mem_read64(m, pa + 24, &v), 0);
	ck_assert_uint_eq(v, 0xabcdef);
	ck_assert_int_eq(iommusim_mem_write64(m, pa + 32, 77), 0);
	ck_assert_uint_eq(cpu[4], 77);

	/* a 64 KiB table is one contiguous host block */
	ck_assert_int_eq(iommusim_mem_alloc(m, 16, &big), 0);
	ck_assert_uint_eq(big & 0xffff, 0);
	cpu = iommusim_mem_cpu(m, big);
	cpu[8191] = 42;
	ck_assert_int_eq(iommusim_mem_read64(m, big + 65528, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert(big > (1ull << 20) + 0x5000 || big + 0x10000 <= (1ull << 20));

	/* freed memory is no table memory, and comes back zeroed */
	iommusim_mem_free(m, pa, 12);
	ck_assert_ptr_null(iommusim_mem_cpu(m, pa));
	ck_assert_ptr_null(iommusim_mem_cpu(m, (1ull << 20) + 0x5000));
	ck_assert_int_eq(iommusim_mem_alloc(m, 12, &pa2), 0);
	ck_assert_uint_eq(pa2, pa);
	cpu = iommusim_mem_cpu(m, pa2);
	ck_assert_uint_eq(cpu[3], 0);
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.alloc_bytes, 4096 + 65536);
	iommusim_mem_free(m, pa2, 12);
	iommusim_mem_free(m, pa2, 12);      /* twice: ignored */
	iommusim_mem_free(m, 0x7770000, 12); /* never allocated: ignored */
	iommusim_mem_free(m, big, 16);
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.alloc_bytes, 0);
	iommusim_mem_destroy(m);
}
END_TEST

START_TEST(test_mem_alloc_exhausted)
{
	struct iommusim_mem *m = mem_new(21); /* 2 MiB of address space */
	uint64_t pa;
	int n = 0;

	while (iommusim_mem_alloc(m, 16, &pa) == 0)
		n++;
	ck_assert_int_eq(n, 16); /* [1 MiB, 2 MiB) */
	ck_assert_int_eq(iommusim_mem_alloc(m, 12, &pa), -ENOMEM);
	iommusim_mem_destroy(m);
}
END_TEST

/* libiommupt builds its tables in simulated memory through the provider. */
START_TEST(test_provider_backs_library_tables)
{
	struct iommusim_mem *m = mem_new(0);
	const struct iommupt_mem *prov = iommusim_mem_provider(m);
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_domain_info, info);
	IOMMUPT_OPTS(iommusim_mem_stats, st);
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t e, oa;

	ck_assert_ptr_null(prov->oa_to_cpu(prov->ctx, 0x12345000));
	ck_assert_int_eq(iommupt_domain_create(&cfg, prov, &dom), 0);
	ck_assert_int_eq(iommupt_domain_get_info(dom, &info), 0);
	ck_assert_ptr_nonnull(prov->oa_to_cpu(prov->ctx, info.root_oa));
	iommupt_gather_init(&g);
	ck_assert_int_eq(iommupt_domain_map(dom, 0x40000000, 0x80000000,
					    0x1000, IOMMUPT_READ, &g), 0);
	iommupt_gather_release(&g);
	/* the library's write is what simulated memory holds */
	ck_assert_int_eq(iommusim_mem_read64(m, info.root_oa + 0, &e), 0);
	ck_assert_uint_ne(e, 0);
	ck_assert_int_eq(iommupt_domain_iova_to_phys(dom, 0x40000000, &oa,
						     NULL, NULL), 0);
	ck_assert_uint_eq(oa, 0x80000000);
	ck_assert_ptr_null(iommusim_mem_provider(NULL));
	iommupt_domain_destroy(dom);
	ck_assert_int_eq(iommusim_mem_get_stats(m, &st), 0);
	ck_assert_uint_eq(st.alloc_bytes, 0);
	iommusim_mem_destroy(m);
}
END_TEST

static struct sim_cache cache_new(uint32_t sets, uint32_t ways, uint32_t repl,
				  uint64_t seed)
{
	struct iommusim_cache_cfg cfg = { sets, ways, 3, repl };
	struct sim_cache c;

	ck_assert_int_eq(sim_cache_init(&c, &cfg, seed), 0);
	return c;
}

static bool key_odd(void *ctx, const struct sim_cache_entry *e)
{
	return e->key[0] & 1;
}

START_TEST(test_cache_lru_evicts_least_recent)
{
	struct sim_cache c = cache_new(1, 2, IOMMUSIM_REPL_LRU, 0);
	IOMMUPT_OPTS(iommusim_cache_stats, st);
	uint64_t k1[3] = { 1 }, k2[3] = { 2 }, k3[3] = { 3 }, v[4] = { 10 };

	sim_cache_fill(&c, k1, v);
	v[0] = 20;
	sim_cache_fill(&c, k2, v);
	ck_assert_ptr_nonnull(sim_cache_find(&c, k1)); /* k2 is now LRU */
	v[0] = 30;
	sim_cache_fill(&c, k3, v);
	ck_assert_ptr_null(sim_cache_find(&c, k2));
	ck_assert_uint_eq(sim_cache_find(&c, k1)->val[0], 10);
	ck_assert_uint_eq(sim_cache_find(&c, k3)->val[0], 30);
	/* refilling a present key replaces it in place */
	v[0] = 31;
	sim_cache_fill(&c, k3, v);
	ck_assert_uint_eq(sim_cache_find(&c, k3)->val[0], 31);
	sim_cache_count(&c, true);
	sim_cache_count(&c, false);
	ck_assert_uint_eq(sim_cache_inval(&c, key_odd, NULL), 2);
	sim_cache_get_stats(&c, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.fills, 4);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert_uint_eq(st.invalidated, 2);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.capacity, 2);
	sim_cache_fini(&c);
}
END_TEST

START_TEST(test_cache_random_is_deterministic_per_seed)
{
	uint64_t hits[2] = { 0, 0 };

	for (int run = 0; run < 2; run++) {
		struct sim_cache c = cache_new(4, 4, IOMMUSIM_REPL_RANDOM, 99);
		uint64_t rng = 5, v[4] = { 0 };

		for (int i = 0; i < 5000; i++) {
			uint64_t k[3] = { test_rand(&rng) % 40, 0, 0 };

			if (sim_cache_find(&c, k))
				hits[run]++;
			else
				sim_cache_fill(&c, k, v);
		}
		sim_cache_fini(&c);
	}
	ck_assert_uint_eq(hits[0], hits[1]);
	ck_assert_uint_gt(hits[0], 0);
}
END_TEST

START_TEST(test_cache_disabled_and_bad_configs)
{
	struct iommusim_cache_cfg off = { 0, 0, 0, 0 };
	struct iommusim_cache_cfg badrepl = { 1, 1, 1, 7 };
	struct iommusim_cache_cfg huge = { 1u << 20, 64, 1, 0 };
	struct sim_cache c;
	uint64_t k[3] = { 1 }, v[4] = { 0 };

	ck_assert_int_eq(sim_cache_init(&c, &off, 0), 0);
	ck_assert(!sim_cache_enabled(&c));
	sim_cache_fill(&c, k, v);
	ck_assert_ptr_null(sim_cache_find(&c, k));
	ck_assert_uint_eq(sim_cache_inval(&c, NULL, NULL), 0);
	sim_cache_fini(&c);
	ck_assert_int_eq(sim_cache_init(&c, &badrepl, 0), -EINVAL);
	ck_assert_int_eq(sim_cache_init(&c, &huge, 0), -EINVAL);
}
END_TEST

START_TEST(test_cycle_defaults_documented)
{
	struct iommusim_cycles_cfg c = { .mem_read = 250 };
	struct iommusim_cache_cfg t;

	sim_cycles_fill(&c);
	ck_assert_uint_eq(c.mem_read, 250); /* set fields are kept */
	ck_assert_uint_eq(c.link, 8);
	ck_assert_uint_eq(c.mem_write, 100);
	ck_assert_uint_eq(c.queue_desc, 10);
	ck_assert_uint_eq(c.reg, 1);
	sim_cache_default_iotlb(&t);
	ck_assert_uint_eq(t.sets * t.ways, 2048);
	ck_assert_uint_eq(t.ways, 4);
	ck_assert_uint_eq(t.latency, 3);
	sim_cache_default_pwc(&t, 1);
	ck_assert_uint_eq(t.sets * t.ways, 348);
	ck_assert_uint_eq(t.latency, 4);
	sim_cache_default_pwc(&t, 2);
	ck_assert_uint_eq(t.sets * t.ways, 28);
	sim_cache_default_pwc(&t, 4);
	ck_assert_uint_eq(t.sets * t.ways, 4);
	sim_cache_default_pwc(&t, 9);
	ck_assert_uint_eq(t.sets * t.ways, 4);
	sim_cache_default_pasid(&t);
	ck_assert_uint_eq(t.sets * t.ways, 64);
}
END_TEST

START_TEST(test_xlate_tlb_sizes_tags_and_dirty)
{
	struct sim_cache c = cache_new(16, 4, IOMMUSIM_REPL_LRU, 0);
	struct sim_cache off = cache_new(0, 0, IOMMUSIM_REPL_LRU, 0);
	struct sim_tlb_tag t = { .tag0 = 1, .tag1 = 7,
				 .sizes = 1ull << 12 | 1ull << 21 };
	struct sim_tlb_ent big = { .oa = 0x80200000, .prot = 3,
				   .page_lg2 = 21, .dirty = true };
	struct sim_tlb_ent clean = { .oa = 0x9000, .prot = 3, .page_lg2 = 12 };
	struct sim_tlb_ent neg = { .page_lg2 = 12, .fault = 0x11 };
	struct sim_tlb_ent e;
	uint64_t cycles = 0, sizes = 0;
	IOMMUPT_OPTS(iommusim_cache_stats, st);

	/* a 2M page is found from any IOVA in it, when 2M is probed */
	sim_tlb_fill(&c, &sizes, 1, 7, 0x400000 + 0x5678, &big);
	ck_assert_uint_eq(sizes, 1ull << 21);
	ck_assert(sim_tlb_lookup(&c, &cycles, &t, 0x401234, false, &e));
	ck_assert_uint_eq(cycles, 3);
	ck_assert_uint_eq(e.oa, 0x80201234);
	ck_assert_uint_eq(e.page_lg2, 21);
	ck_assert_uint_eq(e.prot, 3);
	ck_assert(e.dirty);
	ck_assert_uint_eq(e.fault, 0);
	t.sizes = 1ull << 12;
	ck_assert(!sim_tlb_lookup(&c, &cycles, &t, 0x401234, false, &e));
	t.sizes |= 1ull << 21;
	t.tag1 = 8; /* another tag misses... */
	ck_assert(!sim_tlb_lookup(&c, &cycles, &t, 0x401234, false, &e));
	t.has_alt = true; /* ...unless it is the alternative one */
	t.alt_tag1 = 7;
	ck_assert(sim_tlb_lookup(&c, &cycles, &t, 0x401234, false, &e));
	t = (struct sim_tlb_tag){ .tag0 = 2, .sizes = 1ull << 12 };
	/* a clean page misses for writes only; a cached fault never */
	sim_tlb_fill(&c, NULL, 2, 0, 0x9000, &clean);
	ck_assert(sim_tlb_lookup(&c, &cycles, &t, 0x9008, false, &e));
	ck_assert(!sim_tlb_lookup(&c, &cycles, &t, 0x9008, true, &e));
	sim_tlb_fill(&c, NULL, 2, 0, 0xa000, &neg);
	ck_assert(sim_tlb_lookup(&c, &cycles, &t, 0xa010, true, &e));
	ck_assert_uint_eq(e.fault, 0x11);
	ck_assert_uint_eq(e.prot, 0);
	ck_assert_uint_eq(cycles, 3 * 7);
	sim_cache_get_stats(&c, &st);
	ck_assert_uint_eq(st.hits, 4);
	ck_assert_uint_eq(st.misses, 3);
	/* invalidation ranges: the whole page counts */
	ck_assert(sim_tlb_in_range(sim_cache_find(&c, (uint64_t[3]){
		1, 7, 0x400000 >> 21 | 21ull << SIM_TLB_SIZE_SHIFT }),
		0x5ff000, 0x5fffff));
	ck_assert(!sim_tlb_in_range(sim_cache_find(&c, (uint64_t[3]){
		1, 7, 0x400000 >> 21 | 21ull << SIM_TLB_SIZE_SHIFT }),
		0x600000, 0x700000));
	ck_assert(sim_range_hit(0, 64, 5, 6)); /* no overflow at 2^64 */
	/* a disabled IOTLB charges nothing and learns no sizes */
	sizes = 0;
	cycles = 0;
	sim_tlb_fill(&off, &sizes, 2, 0, 0x9000, &clean);
	ck_assert_uint_eq(sizes, 0);
	ck_assert(!sim_tlb_lookup(&off, &cycles, &t, 0x9000, false, &e));
	ck_assert_uint_eq(cycles, 0);
	sim_cache_fini(&c);
}
END_TEST

START_TEST(test_xlate_pwc_deepest_level_first)
{
	struct sim_cache pwc[3];
	uint64_t cycles = 0, table = 0, acc = 0, iova = 0x12345678000ull;
	bool hit = false;

	for (int l = 0; l < 3; l++)
		pwc[l] = cache_new(4, 2, IOMMUSIM_REPL_LRU, 0);
	/* nothing cached: every level below top is probed */
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 2, iova, 4, &cycles, &table,
					&acc, &hit), 4);
	ck_assert_uint_eq(cycles, 3 * 3);
	ck_assert(!hit);
	sim_pwc_fill(pwc, 3, 1, 2, iova, 2, 0xb000, 3);
	sim_pwc_fill(pwc, 3, 1, 2, iova, 4, 0xc000, 3); /* beyond: dropped */
	sim_pwc_fill(pwc, 3, 1, 2, iova, 0, 0xd000, 3);
	cycles = 0;
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 2, iova, 4, &cycles, &table,
					&acc, &hit), 2);
	ck_assert_uint_eq(cycles, 2 * 3);
	ck_assert_uint_eq(table, 0xb000);
	ck_assert_uint_eq(acc, 3);
	ck_assert(hit);
	/* level 1 is deeper: it wins; top bounds the levels probed */
	sim_pwc_fill(pwc, 3, 1, 2, iova, 1, 0xa000, 1);
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 2, iova, 4, &cycles, &table,
					&acc, &hit), 1);
	ck_assert_uint_eq(table, 0xa000);
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 2, iova, 1, &cycles, &table,
					&acc, &hit), 1);
	/* another tag or another 1G region misses */
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 3, iova, 4, &cycles, &table,
					&acc, &hit), 4);
	ck_assert_uint_eq(sim_pwc_probe(pwc, 3, 1, 2, iova + (1ull << 30), 4,
					&cycles, &table, &acc, &hit), 4);
	/* a level 2 entry covers 1G of IOVA */
	ck_assert(sim_pwc_in_range(sim_cache_find(&pwc[1], (uint64_t[3]){
		1, 2, iova >> 30 }), 2, iova & ~((1ull << 30) - 1),
		iova & ~((1ull << 30) - 1)));
	ck_assert(!sim_pwc_in_range(sim_cache_find(&pwc[1], (uint64_t[3]){
		1, 2, iova >> 30 }), 2, iova + (1ull << 30), UINT64_MAX));
	for (int l = 0; l < 3; l++)
		sim_cache_fini(&pwc[l]);
}
END_TEST

static int stale_calls;

static void stale_cb(void *ctx, const struct iommusim_stale_report *r)
{
	stale_calls++;
	*(uint64_t *)ctx = r->iova;
}

START_TEST(test_stale_detector_compares_and_reports)
{
	struct sim_stale s = { .on = true };
	struct iommusim_stale_report r = {
		.sid = 0x10, .iova = 0x5000, .did = 3,
		.cached = { 0, 0x9000, IOMMUPT_READ, 12 },
		.fresh = { 0, 0x9000, IOMMUPT_READ, 12 },
	};
	uint64_t seen = 0;
	char buf[256];

	s.fn = stale_cb;
	s.ctx = &seen;
	ck_assert(!sim_stale_check(&s, &r));
	r.fresh.fault = 6;
	r.fresh.fault = 6;
	ck_assert(sim_stale_check(&s, &r));
	r.fresh.fault = 0;
	r.fresh.prot = IOMMUPT_READ | IOMMUPT_WRITE;
	ck_assert(sim_stale_check(&s, &r));
	/* two faults with the same reason agree */
	r.cached.fault = r.fresh.fault = 5;
	ck_assert(!sim_stale_check(&s, &r));
	ck_assert_uint_eq(s.count, 2);
	ck_assert_int_eq(stale_calls, 2);
	ck_assert_uint_eq(seen, 0x5000);
	r.has_pasid = 1;
	r.pasid = 7;
	ck_assert_int_gt(iommusim_stale_format(&r, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "iova 0x5000"));
	ck_assert_ptr_nonnull(strstr(buf, "pasid 7"));
}
END_TEST

START_TEST(test_unit_rejects_bad_requests)
{
	struct iommusim_mem *m = mem_new(0);
	struct iommusim_unit *u;
	IOMMUPT_OPTS(iommusim_dma, rq, .access = IOMMUSIM_DMA_READ, .size = 8);
	IOMMUPT_OPTS(iommusim_dma_result, res);
	IOMMUPT_OPTS(iommusim_cache_stats, cs);
	IOMMUPT_OPTS(iommusim_unit_stats, us);
	struct iommusim_stale_report sr;
	struct iommusim_dma bad;

	ck_assert_int_eq(iommusim_vtd_create(NULL, m, &u), 0);
	ck_assert_int_eq(iommusim_unit_dma(u, &rq, &res), 0);
	ck_assert_uint_eq(res.oa, 0); /* translation is off: untranslated */
	ck_assert(res.flags & IOMMUSIM_RES_BYPASS);
	bad = rq; bad.access = 3;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.size = 0;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.iova = 4090;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.sid = 0x10000;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.pasid = 1;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.flags = IOMMUSIM_DMA_HAS_PASID; bad.pasid = 1u << 20;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.flags = 1u << 7;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	bad = rq; bad.sz = 2;
	ck_assert_int_eq(iommusim_unit_dma(u, &bad, &res), -EINVAL);
	ck_assert_int_eq(iommusim_unit_dma(NULL, &rq, &res), -EINVAL);
	ck_assert_int_eq(iommusim_unit_dma(u, &rq, NULL), -EINVAL);
	ck_assert_int_eq(iommusim_unit_cache_stats(u, 99, 0, &cs), -EINVAL);
	ck_assert_int_eq(iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_PWC, 0,
						   &cs), -EINVAL);
	ck_assert_int_eq(iommusim_unit_cache_stats(u, IOMMUSIM_CACHE_PWC, 4,
						   &cs), 0);
	ck_assert_int_eq(iommusim_unit_cache_stats(NULL, 1, 0, &cs), -EINVAL);
	ck_assert_int_eq(iommusim_unit_get_stats(u, &us), 0);
	ck_assert_uint_eq(us.dma, 1);
	ck_assert_int_eq(iommusim_unit_get_stats(NULL, &us), -EINVAL);
	ck_assert_int_eq(iommusim_unit_last_stale(u, &sr), -ENOENT);
	ck_assert_int_eq(iommusim_unit_last_stale(NULL, &sr), -EINVAL);
	ck_assert_ptr_null(iommusim_unit_mmio(NULL));
	iommusim_unit_set_stale_check(NULL, 1);
	iommusim_unit_set_stale_fn(NULL, NULL, NULL);
	iommusim_unit_destroy(u);
	iommusim_unit_destroy(NULL);
	iommusim_mem_destroy(m);
}
END_TEST

Suite *sim_core_suite(void);

Suite *sim_core_suite(void)
{
	Suite *s = suite_create("sim-core");
	TCase *tc = test_tcase("core");

	tcase_add_test(tc, test_mem_unwritten_reads_zero_and_writes_grow);
	tcase_add_test(tc, test_mem_bad_accesses_fail);
	tcase_add_test(tc, test_mem_cas_and_byte_copies);
	tcase_add_test(tc, test_mem_alloc_aligned_zeroed_and_aliased);
	tcase_add_test(tc, test_mem_alloc_exhausted);
	tcase_add_test(tc, test_provider_backs_library_tables);
	tcase_add_test(tc, test_cache_lru_evicts_least_recent);
	tcase_add_test(tc, test_cache_random_is_deterministic_per_seed);
	tcase_add_test(tc, test_cache_disabled_and_bad_configs);
	tcase_add_test(tc, test_cycle_defaults_documented);
	tcase_add_test(tc, test_xlate_tlb_sizes_tags_and_dirty);
	tcase_add_test(tc, test_xlate_pwc_deepest_level_first);
	tcase_add_test(tc, test_stale_detector_compares_and_reports);
	tcase_add_test(tc, test_unit_rejects_bad_requests);
	suite_add_tcase(s, tc);
	return s;
}
