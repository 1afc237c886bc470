/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/* Helpers shared by libiommudrv's files. Private, never installed. */
#ifndef IOMMUDRV_DRV_INT_H
#define IOMMUDRV_DRV_INT_H

#include <errno.h>
#include <stddef.h>

/*
 * Check an extensible options struct (CONVENTIONS.md): NULL is fine; sz
 * must cover at least the leading size_t; bytes past what this library
 * knows must be zero so a newer caller's option is never silently ignored.
 */
static inline int drv_opts_check(const void *opts, size_t sz, size_t known)
{
	const unsigned char *p = opts;
	size_t i;

	if (!opts)
		return 0;
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < sz; i++)
		if (p[i])
			return -EINVAL;
	return 0;
}

#endif
