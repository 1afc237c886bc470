// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The stale-translation detector: the models hand it what their caches
 * produced and what a fresh walk of the current tables gives. A difference
 * is a translation that a missing invalidation left behind.
 */
#include <inttypes.h>
#include <stdio.h>

#include "sim-int.h"

static bool xlate_differ(const struct iommusim_xlate *a,
			 const struct iommusim_xlate *b)
{
	if (a->fault != b->fault)
		return true;
	if (a->fault)
		return false;
	return a->oa != b->oa || a->prot != b->prot;
}

bool sim_stale_check(struct sim_stale *s, const struct iommusim_stale_report *r)
{
	if (!xlate_differ(&r->cached, &r->fresh))
		return false;
	s->count++;
	s->last = *r;
	s->have_last = true;
	if (s->fn)
		s->fn(s->ctx, r);
	return true;
}

IOMMUPT_API int iommusim_stale_format(const struct iommusim_stale_report *r,
				      char *buf, size_t len)
{
	char pasid[24] = "";

	/* " pasid N" only for requests that carried one */
	if (r->has_pasid)
		snprintf(pasid, sizeof(pasid), " pasid %" PRIx32, r->pasid);
	return snprintf(buf, len,
			"stale translation: sid %04x%s iova 0x%" PRIx64
			" did %" PRIu32 ": cached %s0x%" PRIx64 " prot %" PRIu32
			" fault 0x%" PRIx32 ", tables %s0x%" PRIx64
			" prot %" PRIu32 " fault 0x%" PRIx32,
			r->sid, pasid, r->iova, r->did,
			"oa ", r->cached.oa, r->cached.prot, r->cached.fault,
			"oa ", r->fresh.oa, r->fresh.prot, r->fresh.fault);
}
