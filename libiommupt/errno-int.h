/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * errno values without <errno.h>, so the core stays freestanding. The
 * values are Linux's (asm-generic/errno-base.h, errno.h); the hosted build
 * checks them against <errno.h> at compile time (hosted/errno-check.c).
 */
#ifndef IOMMUPT_ERRNO_INT_H
#define IOMMUPT_ERRNO_INT_H

#define PT_ENOENT 2
#define PT_ENOMEM 12
#define PT_EACCES 13
#define PT_EBUSY 16
#define PT_EEXIST 17
#define PT_EINVAL 22
#define PT_ERANGE 34
#define PT_EOVERFLOW 75
#define PT_ENOBUFS 105
#define PT_EOPNOTSUPP 95
#define PT_ENOSPC 28

#endif
