// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * iommupt-demo: the main job until the simulator lands. For each page-table
 * format it builds a domain, maps a mix of page sizes, prints the walk,
 * translations, statistics and the validator's verdict, then unmaps and
 * shows what the gather asks the caller to invalidate.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <iommupt/iommupt.h>

struct demo_fmt {
	const char *title;
	struct iommupt_domain_cfg cfg;
	uint64_t extra_iova; /* an IOVA in the upper half, or 0 */
};

/* Runs of leaves that continue each other (IOVA, OA, size, prot) print as one line. */
struct run {
	struct iommupt_leaf first;
	uint64_t next_iova, next_oa;
	unsigned int count;
	int leaves;
};

static const char *size_name(unsigned int lg2)
{
	switch (lg2) {
	case 12: return "4K";
	case 21: return "2M";
	case 30: return "1G";
	default: return "?";
	}
}

static void run_flush(struct run *r)
{
	const struct iommupt_leaf *l = &r->first;
	uint64_t bytes = (uint64_t)r->count << l->size_lg2;

	if (!r->count)
		return;
	printf("    iova %#018" PRIx64 "-%#018" PRIx64 " -> oa %#012" PRIx64 "  %4u x %-2s (level %u)  %c%c%s  first entry %#018" PRIx64 "\n",
	       l->iova, l->iova + bytes - 1, l->oa, r->count, size_name(l->size_lg2), l->level,
	       l->prot & IOMMUPT_READ ? 'r' : '-', l->prot & IOMMUPT_WRITE ? 'w' : '-',
	       l->prot & IOMMUPT_CACHE ? " snoop" : "", l->entry);
	r->count = 0;
}

static int print_leaf(void *ctx, const struct iommupt_leaf *l)
{
	struct run *r = ctx;

	r->leaves++;
	if (r->count && l->iova == r->next_iova && l->oa == r->next_oa &&
	    l->size_lg2 == r->first.size_lg2 && l->prot == r->first.prot) {
		r->count++;
	} else {
		run_flush(r);
		r->first = *l;
		r->count = 1;
	}
	r->next_iova = l->iova + (1ull << l->size_lg2);
	r->next_oa = l->oa + (1ull << l->size_lg2);
	return 0;
}

static int demo(const struct demo_fmt *f, struct iommupt_heap *heap)
{
	struct iommupt_domain *dom;
	struct iommupt_domain_info info = { .sz = sizeof(info) };
	struct iommupt_stats st = { .sz = sizeof(st) };
	struct iommupt_gather g;
	uint64_t unmapped = 0, oa = 0;
	const uint32_t rw = IOMMUPT_READ | IOMMUPT_WRITE | IOMMUPT_CACHE;
	struct run run = { .count = 0 };
	int rc;

	rc = iommupt_domain_create(&f->cfg, iommupt_heap_mem(heap), &dom);
	if (rc) {
		fprintf(stderr, "%s: create: %s\n", f->title, iommupt_strerror(rc));
		return 1;
	}
	iommupt_domain_get_info(dom, &info);
	printf("== %s: %u levels, %u-bit input, %u-bit output, root table at %#" PRIx64 "\n",
	       f->title, info.levels, info.ias_lg2, info.oas_lg2, info.root_oa);

	iommupt_gather_init(&g);
	/* 1 MiB of 4K pages, a 6 MiB buffer on 2M pages, a 1G page. */
	rc = iommupt_domain_map(dom, 0x100000, 0x80000000, 0x100000, rw, &g);
	rc = rc ? rc : iommupt_domain_map(dom, 0x40000000, 0x1c0000000, 0x600000, rw, &g);
	rc = rc ? rc : iommupt_domain_map(dom, 0x80000000, 0x200000000, 0x40000000,
					  IOMMUPT_READ, &g);
	if (!rc && f->extra_iova)
		rc = iommupt_domain_map(dom, f->extra_iova, 0x300000000, 0x2000, rw, &g);
	if (rc) {
		fprintf(stderr, "%s: map: %s\n", f->title, iommupt_strerror(rc));
		return 1;
	}
	printf("  map gather: invalidate [%#" PRIx64 ", %#" PRIx64 "]%s\n", g.start, g.last,
	       g.flags & IOMMUPT_GATHER_MAPPED ? " (non-present -> present only)" : "");
	iommupt_gather_release(&g);

	printf("  mappings (whole-aperture walk, runs coalesced):\n");
	iommupt_domain_walk(dom, 0, 0, print_leaf, &run);
	run_flush(&run);
	iommupt_domain_stats(dom, &st);
	printf("  %d leaves, %" PRIu64 " bytes mapped, %" PRIu64 " table bytes in", run.leaves,
	       st.mapped_bytes, st.table_bytes);
	for (unsigned int l = 0; l < st.levels; l++)
		printf(" L%u:%" PRIu64, l, st.table_pages[l]);
	printf(" pages\n");
	rc = iommupt_domain_iova_to_phys(dom, 0x40123456, &oa, NULL, NULL);
	printf("  translate 0x40123456 -> %#" PRIx64 " (%s)\n", oa, iommupt_strerror(rc));
	rc = iommupt_domain_map(dom, 0x40200000, 0, 0x1000, rw, NULL);
	printf("  map over a mapped 2M page -> %d (%s)\n", rc, iommupt_strerror(rc));
	printf("  validate: %d findings\n", iommupt_domain_validate(dom, NULL, NULL));

	iommupt_gather_init(&g);
	rc = iommupt_domain_unmap(dom, 0, 0x100000000ull, 0, &g, &unmapped);
	printf("  unmap [0, 4G): %" PRIu64 " bytes, invalidate [%#" PRIx64 ", %#" PRIx64 "], %u table pages freed after the flush\n",
	       unmapped, g.start, g.last, g.nr_pages);
	iommupt_gather_release(&g);
	iommupt_domain_destroy(dom);
	return rc != 0;
}

int main(void)
{
	const struct demo_fmt fmts[] = {
		{ "Intel VT-d second stage, 4 levels",
		  { .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_VTD_SS,
		    .levels = 4 }, 0 },
		{ "Intel VT-d second stage, 3 levels",
		  { .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_VTD_SS,
		    .levels = 3 }, 0 },
		{ "x86-64 (VT-d first stage / AMD v2), 4 levels",
		  { .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_X86_64,
		    .levels = 4 }, 0xffff800000000000ull },
		{ "x86-64, 5 levels",
		  { .sz = sizeof(struct iommupt_domain_cfg), .format = IOMMUPT_FMT_X86_64,
		    .levels = 5 }, 0xff00000000000000ull },
	};
	struct iommupt_heap *heap;
	int bad = 0;

	printf("libiommupt demo: the simulator is not there yet, so this main job\n"
	       "builds, walks and checks one table per format on the heap provider.\n\n");
	if (iommupt_heap_create(NULL, &heap))
		return 1;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		bad |= demo(&fmts[i], heap);
	printf("\nheap provider: %" PRIu64 " pages live after destroying every domain\n",
	       iommupt_heap_live_pages(heap));
	bad |= iommupt_heap_live_pages(heap) != 0;
	iommupt_heap_destroy(heap);
	return bad;
}
