// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Hosted helper: read /sys/kernel/iommu_groups/N/reserved_regions (or any
 * file in that format) and hand the text to the core's parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../pt-int.h"

#define RESV_FILE_MAX (1u << 20)

IOMMUPT_API int iommupt_resv_read_file(const char *path,
				       struct iommupt_resv_region *out,
				       size_t *count)
{
	char *buf;
	size_t len = 0;
	int fd, rc = 0;

	if (!path || !count)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One byte more than allowed, to tell a file that is too long. */
	buf = malloc(RESV_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len <= RESV_FILE_MAX) {
		ssize_t n = read(fd, buf + len, RESV_FILE_MAX + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!rc && len > RESV_FILE_MAX)
		rc = -EFBIG;
	if (!rc)
		rc = iommupt_resv_parse(buf, len, out, count);
	free(buf);
	return rc;
}
