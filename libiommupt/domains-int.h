/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Private definitions of units, domain IDs, devices and attachments
 * (unit.c, did-alloc.c, attach.c, resv.c). Freestanding.
 */
#ifndef IOMMUPT_DOMAINS_INT_H
#define IOMMUPT_DOMAINS_INT_H

#include "pt-int.h"

/*
 * Domain-ID allocator: a two-level bitmap over [0, 2^bits). used has a bit
 * per ID that is allocated or reserved (IDs outside [min, max] are
 * reserved for good), alloc a bit per allocated ID, full a bit per used
 * word that has no clear bit. Finding the lowest free ID reads at most
 * 2^16 / 64 / 64 = 16 summary words and one used word.
 */
struct pt_did_alloc {
	uint32_t bits;
	uint32_t min, max;
	uint32_t nwords;     /* words of used and alloc */
	uint32_t nfull;      /* words of full */
	uint32_t hint;       /* no free ID in used words below it */
	uint32_t nfree;      /* usable IDs neither allocated nor reserved */
	uint64_t *used;
	uint64_t *alloc;
	uint64_t *full;
};

PT_INTERNAL int pt_did_init(struct pt_did_alloc *a,
			    const struct iommupt_mem *mem, uint32_t bits,
			    uint32_t min, uint32_t max);
PT_INTERNAL void pt_did_fini(struct pt_did_alloc *a,
			     const struct iommupt_mem *mem);
PT_INTERNAL int pt_did_alloc_lowest(struct pt_did_alloc *a, uint32_t *id);
PT_INTERNAL int pt_did_alloc_at(struct pt_did_alloc *a, uint32_t id);
PT_INTERNAL int pt_did_reserve(struct pt_did_alloc *a, uint32_t id);
PT_INTERNAL int pt_did_free(struct pt_did_alloc *a, uint32_t id);
PT_INTERNAL int pt_did_next(const struct pt_did_alloc *a, uint32_t from,
			    uint32_t *id);

/*
 * One domain's ID on one unit, linked on both: refs counts the devices
 * attached through the unit; a record with refs 0 holds an ID claimed for
 * a restore until the first attach.
 */
struct pt_dom_unit {
	struct pt_dom_unit *dom_next;
	struct pt_dom_unit *unit_next;
	struct iommupt_domain *dom;
	struct iommupt_unit *unit;
	uint32_t id;
	uint32_t refs;
};

struct iommupt_unit {
	struct iommupt_mem mem;
	uint32_t vendor;
	uint32_t flags;
	uint64_t formats;
	uint64_t pgsize_bitmap;
	uint32_t ias_lg2;
	uint32_t oas_lg2;
	struct pt_did_alloc ids;
	struct pt_dom_unit *records;
	struct iommupt_device *devices;
};

struct iommupt_device {
	struct iommupt_unit *unit;
	struct iommupt_device *unit_next;  /* on unit->devices */
	struct iommupt_device *dom_next;   /* on dom->devs while attached */
	struct iommupt_domain *dom;
	uint32_t rid;
	uint32_t nr_resv;
	struct iommupt_resv_region *resv;
};

/*
 * Restore (restore.c): hold the n regions at r (allocated from d's
 * provider; taken over, freed on error) for the restored domain d until
 * devices attached with the same regions take them over (attach.c).
 * Returns 0 or -ENOMEM.
 */
PT_INTERNAL int pt_attach_restore_resv(struct iommupt_domain *d,
				       struct iommupt_resv_region *r,
				       uint32_t n);

/* Region validity shared by set_resv and the parser. */
PT_INTERNAL bool pt_resv_valid(const struct iommupt_resv_region *r);
/* The IOVA range an identity region occupies in d: rounded out to pages. */
PT_INTERNAL void pt_resv_dom_range(const struct iommupt_domain *d,
				   const struct iommupt_resv_region *r,
				   uint64_t *start, uint64_t *last);

#endif
