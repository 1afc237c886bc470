/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Serialize a domain into a blob and restore it, in one of two modes.
 *
 * Copy: the blob holds the domain's format and configuration, dirty-tracking
 * state, its domain IDs, the reserved regions of its attached devices and
 * every table page (table pointers rewritten as page indexes). Restore
 * allocates fresh pages from the provider; the restored domain walks like
 * the original.
 *
 * In place (live update): the blob holds the same metadata plus the OA and
 * level of every table page; the pages stay where they are and hardware
 * keeps walking them. Restore validates the whole structure through the
 * provider and takes the pages over with its adopt_table callback.
 *
 * The blob is little-endian, versioned and checksummed (libiommupt/blob-int.h
 * documents the layout, libiommupt/SERIALIZE.md the format). Restore treats
 * it as untrusted: any malformed, truncated or inconsistent blob yields an
 * error, no domain and nothing allocated.
 *
 * Reserved regions: the restored domain holds the recorded ones as if
 * their devices were attached (maps over them -EBUSY, identity maps not
 * unmappable) until devices attached with the same regions take them
 * over; restore rejects regions the tables contradict (an identity region
 * not mapped 1:1, a mapping in a reserved or MSI region).
 */
#ifndef IOMMUPT_SERIALIZE_H
#define IOMMUPT_SERIALIZE_H

#include <iommupt/common.h>
#include <iommupt/domain.h>
#include <iommupt/provider.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommupt_unit;

enum iommupt_serialize_mode {
	IOMMUPT_SERIALIZE_COPY = 1,
	IOMMUPT_SERIALIZE_IN_PLACE = 2,
};

struct iommupt_serialize_opts {
	size_t sz;
	uint32_t mode;     /* enum iommupt_serialize_mode; 0: copy */
	uint32_t nr_units;
	/*
	 * The domain's ID on units[i] is recorded as (i, ID); IDs on units
	 * not listed are not recorded. May be NULL with nr_units 0.
	 */
	struct iommupt_unit *const *units;
};

/*
 * Write the blob of dom into buf. *needed receives the blob's size; when
 * buf_len is smaller, nothing useful is written and -ENOBUFS is returned
 * (buf may then be NULL). The caller's lock must exclude map and unmap.
 * Returns 0, -ENOBUFS, -EINVAL, or -EOVERFLOW when the domain has more
 * tables than the copy encoding can index.
 */
IOMMUPT_API int iommupt_domain_serialize(struct iommupt_domain *dom,
					 const struct iommupt_serialize_opts *opts,
					 void *buf, size_t buf_len,
					 size_t *needed);

struct iommupt_restore_opts {
	size_t sz;
	uint32_t nr_units;
	/*
	 * Units whose IDs the blob records, at the same indexes as at
	 * serialize: the IDs are claimed with iommupt_domain_restore_id.
	 * NULL: the recorded IDs are ignored.
	 */
	struct iommupt_unit *const *units;
	/* AMD v1 growing domains: as in struct iommupt_domain_cfg. */
	void (*grow_fn)(void *grow_ctx, uint64_t root_oa, unsigned int levels);
	void *grow_ctx;
};

/*
 * Rebuild a domain from a blob (either mode) with pages from mem. opts may
 * be NULL. Returns 0; -EINVAL for a malformed, truncated or corrupt blob or
 * a table structure that fails validation; -EOPNOTSUPP for an unknown
 * major version, an unknown section not marked skippable, or an in-place
 * blob and a provider without adopt_table; -EEXIST/-EBUSY when a recorded
 * ID is taken; -ENOMEM. On error nothing stays allocated or adopted.
 */
IOMMUPT_API int iommupt_domain_restore(const void *buf, size_t len,
				       const struct iommupt_mem *mem,
				       const struct iommupt_restore_opts *opts,
				       struct iommupt_domain **out);

/*
 * Live update: free the in-process domain object and give up its IDs, but
 * leave every table page where it is (hardware may still walk them). Pair
 * with an in-place serialize before and an in-place restore after.
 * Accepts NULL.
 */
IOMMUPT_API void iommupt_domain_release_for_update(struct iommupt_domain *dom);

#ifdef __cplusplus
}
#endif
#endif
