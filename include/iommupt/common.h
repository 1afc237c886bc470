/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Definitions shared by every libiommupt header: export marker, extensible
 * options structs, protection flags.
 */
#ifndef IOMMUPT_COMMON_H
#define IOMMUPT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define IOMMUPT_API __attribute__((visibility("default")))
#else
#define IOMMUPT_API
#endif

/*
 * Options structs that may grow begin with "size_t sz". Declare them with
 * IOMMUPT_OPTS(type, name, .field = value, ...): the struct is zeroed and sz
 * set to the size this caller was compiled with. The library rejects (with
 * -EINVAL) a struct whose bytes beyond what the library knows are non-zero,
 * so an old library never silently ignores a new option.
 */
#define IOMMUPT_OPTS(TYPE, NAME, ...)                                        \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* Access permissions and attributes of a mapping (map's prot argument). */
enum iommupt_prot {
	IOMMUPT_READ = 1u << 0,   /* device may read */
	IOMMUPT_WRITE = 1u << 1,  /* device may write */
	IOMMUPT_NOEXEC = 1u << 2, /* forbid instruction fetch where expressible */
	IOMMUPT_CACHE = 1u << 3,  /* coherent/snooped, cacheable memory */
	IOMMUPT_MMIO = 1u << 4,   /* device memory (ARM memory attributes) */
	IOMMUPT_PRIV = 1u << 5,   /* privileged/supervisor-only access */
};

/* Library-specific error explanation; accepts any negative errno too. */
IOMMUPT_API const char *iommupt_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
