/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The VT-d driver's private state and the helpers its files share:
 * vtd.c (registers, invalidation, faults, legacy mode, the API),
 * vtd-sm.c (scalable-mode structures), vtd-wb.c (write-back of CPU
 * caches for units without page-walk coherency). Never installed.
 */
#ifndef IOMMUDRV_VTD_INT_H
#define IOMMUDRV_VTD_INT_H

#include <pthread.h>
#include <stdint.h>

#include <iommupt/domain.h>
#include <iommupt/drv-vtd.h>

#include "drv-int.h"
#include "vtd-regs.h"

#define VTD_PAGE 4096u
#define VTD_PAGE_LG2 12
#define VTD_NR_BUS 256
/* Scalable mode: a one-page PASID directory, 2^(PDTS + 7) entries (9.4). */
#define VTD_PDTS 2
#define VTD_PDIR_ENTRIES 512
#define VTD_PASIDS_PER_TABLE 64 /* 9.6: 64-byte entries in a 4K table */
#define VTD_RID_PASID 0u        /* PASID of requests without one */
#define VTD_LEGACY_PASID 0xffffffffu /* attachment made in legacy mode */

/* One attached (requester, PASID): what flush and detach need. */
struct vtd_att {
	struct vtd_att *next;
	uint16_t sid;
	uint16_t did;
	uint32_t pasid;   /* VTD_LEGACY_PASID in legacy mode */
	uint8_t live;     /* 0: reserved by an attach not done yet */
	uint8_t fs;       /* first-stage (x86-64) domain */
	uint8_t levels;
	uint64_t root_oa;
};

/* Scalable mode: the PASID structures of one requester (9.5, 9.6). */
struct vtd_dev {
	struct vtd_dev *next;
	uint16_t sid;
	struct drv_page pdir;
	struct drv_page ptbl[VTD_PDIR_ENTRIES]; /* made on demand */
};

struct iommudrv_vtd {
	struct iommupt_mmio mmio;
	struct iommupt_mem mem;
	pthread_mutex_t lock;
	uint32_t unit;
	uint32_t flags;
	iommudrv_vtd_flush_fn flush_range;
	void *flush_ctx;
	uint32_t version;
	uint64_t cap;
	uint64_t ecap;
	unsigned int iotlb_off;   /* IVA_REG offset (ECAP.IRO * 16) */
	unsigned int frcd_off;    /* first fault recording register */
	unsigned int nr_frcd;
	unsigned int nr_pasids;   /* scalable mode: PASIDs below this */
	int use_qi;
	int scalable;             /* scalable-mode tables (needs QI) */
	int enabled;
	struct drv_page root;     /* 256 root entries, one per bus */
	/*
	 * Context tables per bus: [0] only in legacy mode; in scalable mode
	 * [0] holds devfn 0-127 and [1] devfn 128-255.
	 */
	struct drv_page ctx[VTD_NR_BUS][2];
	struct vtd_dev *devs;     /* scalable mode: PASID structures */
	struct vtd_att *atts;     /* attached requesters / PASIDs */
	struct drv_page iq;       /* invalidation queue, one page */
	struct drv_page status;   /* invalidation-wait status word */
	unsigned int iq_desc;     /* descriptor bytes: 16, or 32 in scalable mode */
	unsigned int iq_entries;  /* descriptors in the queue */
	unsigned int iq_tail;     /* next free descriptor slot */
	uint32_t wait_seq;
};

/* What attach learned about a domain. */
struct vtd_dom {
	uint64_t root_oa;
	unsigned int levels;
	unsigned int aw; /* AW field (9.3, 9.6) */
	int fs;
};

/* vtd.c */
int vtd_qi_submit(struct iommudrv_vtd *v, const uint64_t (*desc)[2],
		  unsigned int nr);
/* Descriptor that drops the IOTLB entries of one attachment (6.5.3). */
void vtd_att_iotlb_desc(struct iommudrv_vtd *v, uint16_t did, uint32_t pasid,
			int fs, uint64_t d[2]);
struct vtd_att *vtd_att_find(struct iommudrv_vtd *v, uint16_t sid,
			     uint32_t pasid);
/* dom NULL: make sure the node exists (may fail), not live yet. */
int vtd_att_set(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid,
		uint16_t did, const struct vtd_dom *dom);
void vtd_att_del(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid);

/* vtd-sm.c */
int vtd_sm_attach(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid,
		  const struct vtd_dom *dom, uint16_t did);
int vtd_sm_detach(struct iommudrv_vtd *v, uint16_t sid, uint32_t pasid);
int vtd_sm_detach_all(struct iommudrv_vtd *v, uint16_t sid);
void vtd_sm_free(struct iommudrv_vtd *v);

/*
 * vtd-wb.c: write back CPU caches when the walk does not snoop. Entries
 * are stored with drv_store64(); the caller writes one back once it is
 * whole.
 */
static inline int vtd_noncoherent(const struct iommudrv_vtd *v)
{
	return !(v->ecap & VTD_ECAP_C);
}
void vtd_wb(struct iommudrv_vtd *v, const void *cpu, size_t len);
void vtd_wb_default(void *ctx, const void *cpu, size_t len);
/* The table pages of dom on the way to [start, last] (all of them: 0, ~0). */
int vtd_wb_tables(struct iommudrv_vtd *v, const struct vtd_dom *dom,
		  uint64_t start, uint64_t last);

#endif
