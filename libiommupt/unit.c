// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Units: one IOMMU instance, its capabilities and its domain-ID space.
 * Built from explicit parameters; the drivers fill the same struct from
 * the hardware's capability registers.
 */
#include "domains-int.h"

/*
 * Width of the ID space from the vendor's capability fields.
 *
 * VT-d: Capability Register (VT-d spec section 11.4.2, CAP_REG), ND in
 * bits 2:0 gives 2^(4 + 2 * ND) domain-ids, so 4..16 bits for ND 0..6;
 * 7 is reserved. With CAP.CM (caching mode, bit 7) set, domain-id 0 is
 * architecturally reserved (the ND field description says so), because
 * the hardware may cache not-present entries tagged with it.
 * AMD-Vi: the DomainID of a device table entry is 16 bits (AMD I/O
 * Virtualization Technology (IOMMU) Specification, section 2.2.2.1,
 * "Device Table Entry Format", DTE bits 79:64).
 * SMMUv3: ASIDs are 16 bits when SMMU_IDR0.ASID16 (bit 12) is set, else
 * 8; VMIDs 16 bits when SMMU_IDR0.VMID16 (bit 18) is set, else 8 (SMMUv3
 * architecture specification, section 6.3.1, SMMU_IDR0).
 */
static int unit_id_bits(const struct iommupt_unit_cfg *cfg, uint32_t *bits)
{
	if (cfg->id_bits) {
		if (cfg->id_bits > IOMMUPT_UNIT_MAX_ID_BITS)
			return -PT_EINVAL;
		*bits = cfg->id_bits;
		return 0;
	}
	switch (cfg->vendor) {
	case IOMMUPT_VENDOR_VTD:
		if (cfg->vtd_nd > 6)
			return -PT_EINVAL;
		*bits = 4 + 2 * cfg->vtd_nd;
		return 0;
	case IOMMUPT_VENDOR_AMD:
		*bits = 16;
		return 0;
	case IOMMUPT_VENDOR_SMMUV3:
		if (cfg->flags & IOMMUPT_UNIT_SMMU_VMID)
			*bits = (cfg->flags & IOMMUPT_UNIT_SMMU_VMID16) ? 16 : 8;
		else
			*bits = (cfg->flags & IOMMUPT_UNIT_SMMU_ASID16) ? 16 : 8;
		return 0;
	default:
		return -PT_EINVAL;
	}
}

#define UNIT_FLAGS_ALL                                                       \
	(IOMMUPT_UNIT_CACHING_MODE | IOMMUPT_UNIT_DIRTY |                    \
	 IOMMUPT_UNIT_SMMU_VMID | IOMMUPT_UNIT_SMMU_ASID16 |                 \
	 IOMMUPT_UNIT_SMMU_VMID16)

IOMMUPT_API int iommupt_unit_create(const struct iommupt_unit_cfg *cfg,
				    const struct iommupt_mem *mem,
				    struct iommupt_unit **out)
{
	struct iommupt_unit *u;
	uint32_t bits, min, max;
	int rc;

	if (!out)
		return -PT_EINVAL;
	*out = NULL;
	if (!cfg || !mem ||
	    !pt_opts_valid(cfg, cfg->sz, sizeof(struct iommupt_unit_cfg)) ||
	    !pt_opts_valid(mem, mem->sz, sizeof(struct iommupt_mem)) ||
	    (!mem->alloc_obj != !mem->free_obj))
		return -PT_EINVAL;
	if (cfg->vendor < IOMMUPT_VENDOR_VTD ||
	    cfg->vendor > IOMMUPT_VENDOR_SMMUV3 ||
	    (cfg->flags & ~(uint32_t)UNIT_FLAGS_ALL) ||
	    cfg->ias_lg2 > 64 || cfg->oas_lg2 > 64)
		return -PT_EINVAL;
	rc = unit_id_bits(cfg, &bits);
	if (rc)
		return rc;
	min = cfg->id_min;
	max = cfg->id_max;
	if (!min && !max)
		max = (uint32_t)((1ull << bits) - 1);
	if (min > max || max >= (1u << bits))
		return -PT_EINVAL;

	u = pt_obj_alloc(mem, sizeof(*u));
	if (!u)
		return -PT_ENOMEM;
	u->mem = *mem;
	u->mem.sz = sizeof(u->mem);
	u->vendor = cfg->vendor;
	u->flags = cfg->flags;
	u->formats = cfg->formats;
	u->pgsize_bitmap = cfg->pgsize_bitmap;
	u->ias_lg2 = cfg->ias_lg2 ? cfg->ias_lg2 : 64;
	u->oas_lg2 = cfg->oas_lg2 ? cfg->oas_lg2 : 64;
	rc = pt_did_init(&u->ids, &u->mem, bits, min, max);
	/* Cannot fail: 0 is in range and nothing is allocated yet. */
	if (!rc && cfg->vendor == IOMMUPT_VENDOR_VTD &&
	    (cfg->flags & IOMMUPT_UNIT_CACHING_MODE) && min == 0)
		(void)pt_did_reserve(&u->ids, 0);
	if (rc) {
		pt_obj_free(mem, u);
		return rc;
	}
	*out = u;
	return 0;
}

IOMMUPT_API void iommupt_unit_destroy(struct iommupt_unit *u)
{
	if (!u)
		return;
	while (u->devices)
		iommupt_device_destroy(u->devices);
	/* What is left are IDs held for restores that never attached. */
	while (u->records) {
		struct pt_dom_unit *r = u->records, **pp;

		u->records = r->unit_next;
		for (pp = &r->dom->units; *pp != r; pp = &(*pp)->dom_next)
			;
		*pp = r->dom_next;
		pt_obj_free(&u->mem, r);
	}
	pt_did_fini(&u->ids, &u->mem);
	pt_obj_free(&u->mem, u);
}

IOMMUPT_API int iommupt_unit_get_info(struct iommupt_unit *u,
				      struct iommupt_unit_info *out)
{
	struct iommupt_unit_info info;

	if (!u || !out || out->sz < sizeof(size_t))
		return -PT_EINVAL;
	pt_zero(&info, sizeof(info));
	info.vendor = u->vendor;
	info.flags = u->flags;
	info.id_bits = u->ids.bits;
	info.id_min = u->ids.min;
	info.id_max = u->ids.max;
	info.ids_free = u->ids.nfree;
	info.formats = u->formats;
	info.pgsize_bitmap = u->pgsize_bitmap;
	info.ias_lg2 = u->ias_lg2;
	info.oas_lg2 = u->oas_lg2;
	pt_copy_out(out, &info, sizeof(info));
	return 0;
}

IOMMUPT_API int iommupt_unit_id_alloc(struct iommupt_unit *u, uint32_t *id)
{
	if (!u || !id)
		return -PT_EINVAL;
	return pt_did_alloc_lowest(&u->ids, id);
}

IOMMUPT_API int iommupt_unit_id_alloc_at(struct iommupt_unit *u, uint32_t id)
{
	if (!u)
		return -PT_EINVAL;
	return pt_did_alloc_at(&u->ids, id);
}

IOMMUPT_API int iommupt_unit_id_reserve(struct iommupt_unit *u, uint32_t id)
{
	if (!u)
		return -PT_EINVAL;
	return pt_did_reserve(&u->ids, id);
}

IOMMUPT_API int iommupt_unit_id_free(struct iommupt_unit *u, uint32_t id)
{
	if (!u)
		return -PT_EINVAL;
	for (struct pt_dom_unit *r = u->records; r; r = r->unit_next)
		if (r->id == id)
			return -PT_EBUSY;
	return pt_did_free(&u->ids, id);
}

IOMMUPT_API int iommupt_unit_id_next(struct iommupt_unit *u, uint32_t from,
				     uint32_t *id)
{
	if (!u || !id)
		return -PT_EINVAL;
	return pt_did_next(&u->ids, from, id);
}
