// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The iommufd backend against the REAL kernel, where there is one
 * (/dev/iommu: Linux 6.2 or later, root): an IOAS without devices, maps
 * and unmaps mirrored into a library domain, the kernel's IOVA ranges.
 * Without /dev/iommu (this project's machines and its 6.1 guest) it skips
 * (77): until it has run somewhere, nothing of iommufd is verified on a
 * kernel (tests/test-iommufd-double is the test double).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <iommupt/domain.h>
#include <iommupt/drv-iommufd.h>
#include <iommupt/provider.h>
#include <iommupt/resv.h>

static int failed;

static void check(int ok, const char *what, long got)
{
	printf("%s iommufd-kernel/%s (got %ld)\n", ok ? "PASS" : "FAIL", what,
	       got);
	failed |= !ok;
}

int main(void)
{
	IOMMUPT_OPTS(iommupt_domain_cfg, cfg, .format = IOMMUPT_FMT_VTD_SS,
		     .levels = 4);
	IOMMUPT_OPTS(iommupt_stats, st);
	struct iommupt_resv_region r[IOMMUPT_RESV_MAX];
	struct iommupt_domain *dom = NULL;
	struct iommupt_heap *heap = NULL;
	struct iommudrv_iommufd *ifd;
	struct iommudrv_ioas *ioas = NULL;
	uint64_t n = 0, align = 0, oa;
	size_t count = IOMMUPT_RESV_MAX;
	void *buf;
	int rc;

	rc = iommudrv_iommufd_open(NULL, &ifd);
	if (rc == -ENOENT || rc == -EACCES || rc == -EPERM || rc == -ENODEV) {
		printf("no usable /dev/iommu (%s): skipped; iommufd is verified "
		       "only against the test double\n", strerror(-rc));
		return 77;
	}
	check(rc == 0, "open", rc);
	if (rc)
		return 1;
	buf = mmap(NULL, 16 << 12, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || iommupt_heap_create(NULL, &heap) ||
	    iommupt_domain_create(&cfg, iommupt_heap_mem(heap), &dom)) {
		puts("setup failed");
		return 99;
	}
	memset(buf, 1, 16 << 12);
	rc = iommudrv_ioas_create(ifd, dom, &ioas);
	check(rc == 0, "ioas-alloc", rc);
	if (rc)
		return 1;
	rc = iommudrv_ioas_get_resv(ioas, r, &count, &align);
	check(rc == 0 && align && !(align & (align - 1)), "iova-ranges", rc);
	rc = iommudrv_ioas_map(ioas, 0x100000, buf, 8 << 12,
			       IOMMUPT_READ | IOMMUPT_WRITE);
	check(rc == 0, "map", rc);
	rc = iommudrv_ioas_map(ioas, 0x108000, (char *)buf + (8 << 12),
			       8 << 12, IOMMUPT_READ);
	check(rc == 0, "map-second", rc);
	rc = iommupt_domain_iova_to_phys(dom, 0x108000, &oa, NULL, NULL);
	check(rc == 0 && oa == (uint64_t)(uintptr_t)buf + (8 << 12),
	      "library-mirror", rc);
	rc = iommudrv_ioas_map(ioas, 0x104000, buf, 1 << 12, IOMMUPT_READ);
	check(rc == -EEXIST, "map-overlap", rc);
	/* Splitting a map is refused (as the kernel does). */
	rc = iommudrv_ioas_unmap(ioas, 0x100000, 4 << 12, &n);
	check(rc == -ENOENT, "unmap-split", rc);
	rc = iommudrv_ioas_unmap(ioas, 0x100000, 16 << 12, &n);
	check(rc == 0 && n == 16 << 12, "unmap", rc);
	rc = iommudrv_ioas_unmap(ioas, 0x100000, 16 << 12, &n);
	check(rc == -ENOENT, "unmap-nothing", rc);
	rc = iommupt_domain_stats(dom, &st);
	check(rc == 0 && st.mapped_bytes == 0, "library-empty", rc);
	iommudrv_ioas_destroy(ioas);
	iommudrv_iommufd_close(ifd);
	iommupt_domain_destroy(dom);
	iommupt_heap_destroy(heap);
	munmap(buf, 16 << 12);
	return failed ? 1 : 0;
}
