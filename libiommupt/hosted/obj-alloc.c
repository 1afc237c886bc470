// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Hosted default for the library's own objects when the provider gives no
 * alloc_obj. A freestanding integrator leaves this file out and supplies a
 * provider with alloc_obj/free_obj.
 */
#include <errno.h>
#include <stdlib.h>

#include "../pt-int.h"

void *pt_default_obj_alloc(size_t size)
{
	return calloc(1, size);
}

void pt_default_obj_free(void *obj)
{
	free(obj);
}

/* The core spells errno values itself; they must be this libc's. */
_Static_assert(PT_ENOENT == ENOENT && PT_ENOMEM == ENOMEM && PT_EACCES == EACCES &&
	       PT_EBUSY == EBUSY && PT_EEXIST == EEXIST &&
	       PT_EINVAL == EINVAL && PT_ERANGE == ERANGE &&
	       PT_EOVERFLOW == EOVERFLOW && PT_ENOBUFS == ENOBUFS &&
	       PT_EOPNOTSUPP == EOPNOTSUPP && PT_ENOSPC == ENOSPC,
	       "errno-int.h disagrees with <errno.h>");
