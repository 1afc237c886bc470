// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Links only the shared libiommupt through its public header, as a user
 * would: a smoke test that the exported, versioned API is enough.
 */
#include <errno.h>
#include <stdio.h>

#include <iommupt/iommupt.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); return 1; } } while (0)

int main(void)
{
	struct iommupt_heap *heap;
	struct iommupt_domain *dom;
	struct iommupt_gather g;
	uint64_t oa = 0, bytes = 0;
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);

	CHECK(iommupt_heap_create(NULL, &heap) == 0);
	CHECK(iommupt_domain_create(&cfg, iommupt_heap_mem(heap), &dom) == 0);
	iommupt_gather_init(&g);
	CHECK(iommupt_domain_map(dom, 0x200000, 0x40000000, 0x200000,
				 IOMMUPT_READ | IOMMUPT_WRITE, &g) == 0);
	CHECK(iommupt_domain_iova_to_phys(dom, 0x200123, &oa, NULL, NULL) == 0);
	CHECK(oa == 0x40000123);
	CHECK(iommupt_domain_map(dom, 0x200000, 0, 0x1000, IOMMUPT_READ, &g) == -EEXIST);
	CHECK(iommupt_domain_unmap(dom, 0, 1ull << 30, 0, &g, &bytes) == 0);
	CHECK(bytes == 0x200000);
	iommupt_gather_release(&g);
	iommupt_domain_destroy(dom);
	CHECK(iommupt_heap_live_pages(heap) == 0);
	iommupt_heap_destroy(heap);
	return 0;
}
