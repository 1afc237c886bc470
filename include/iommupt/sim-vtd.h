/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The Intel VT-d hardware model (Intel Virtualization Technology for
 * Directed I/O Architecture Specification, rev 3.x/4.x). Section numbers
 * in comments refer to that specification.
 */
#ifndef IOMMUPT_SIM_VTD_H
#define IOMMUPT_SIM_VTD_H

#include <iommupt/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register offsets of the model's register file (10.4). */
#define IOMMUSIM_VTD_VER 0x00
#define IOMMUSIM_VTD_CAP 0x08
#define IOMMUSIM_VTD_ECAP 0x10
#define IOMMUSIM_VTD_GCMD 0x18
#define IOMMUSIM_VTD_GSTS 0x1c
#define IOMMUSIM_VTD_RTADDR 0x20
#define IOMMUSIM_VTD_CCMD 0x28
#define IOMMUSIM_VTD_FSTS 0x34
#define IOMMUSIM_VTD_FECTL 0x38
#define IOMMUSIM_VTD_FEDATA 0x3c
#define IOMMUSIM_VTD_FEADDR 0x40
#define IOMMUSIM_VTD_FEUADDR 0x44
#define IOMMUSIM_VTD_PMEN 0x64
#define IOMMUSIM_VTD_IQH 0x80
#define IOMMUSIM_VTD_IQT 0x88
#define IOMMUSIM_VTD_IQA 0x90
#define IOMMUSIM_VTD_ICS 0x9c
#define IOMMUSIM_VTD_IECTL 0xa0
#define IOMMUSIM_VTD_IEDATA 0xa4
#define IOMMUSIM_VTD_IEADDR 0xa8
#define IOMMUSIM_VTD_IEUADDR 0xac
#define IOMMUSIM_VTD_IQERCD 0xb0
/* Located by CAP.FRO and ECAP.IRO; these are the model's values. */
#define IOMMUSIM_VTD_FRCD 0x400  /* 16 bytes per fault recording register */
#define IOMMUSIM_VTD_IVA 0x500
#define IOMMUSIM_VTD_IOTLB 0x508
#define IOMMUSIM_VTD_REG_SIZE 0x1000

/* CAP_REG fields (10.4.2). */
#define IOMMUSIM_VTD_CAP_ND(n) ((uint64_t)(n) & 7)          /* 2:0 */
#define IOMMUSIM_VTD_CAP_RWBF (1ull << 4)
#define IOMMUSIM_VTD_CAP_CM (1ull << 7)                     /* caching mode */
#define IOMMUSIM_VTD_CAP_SAGAW(m) (((uint64_t)(m) & 0x1f) << 8) /* 12:8 */
#define IOMMUSIM_VTD_CAP_MGAW(bits) (((uint64_t)(bits) - 1) << 16) /* 21:16 */
#define IOMMUSIM_VTD_CAP_SLLPS(m) (((uint64_t)(m) & 0xf) << 34) /* 37:34 */
#define IOMMUSIM_VTD_CAP_PSI (1ull << 39)
#define IOMMUSIM_VTD_CAP_NFR(n) ((((uint64_t)(n) - 1) & 0xff) << 40) /* 47:40 */
#define IOMMUSIM_VTD_CAP_MAMV(m) (((uint64_t)(m) & 0x3f) << 48) /* 53:48 */
#define IOMMUSIM_VTD_CAP_FL1GP (1ull << 56)
#define IOMMUSIM_VTD_CAP_FL5LP (1ull << 60)

/* ECAP_REG fields (10.4.3). */
#define IOMMUSIM_VTD_ECAP_C (1ull << 0)
#define IOMMUSIM_VTD_ECAP_QI (1ull << 1)
#define IOMMUSIM_VTD_ECAP_PT (1ull << 6)
#define IOMMUSIM_VTD_ECAP_SC (1ull << 7)
#define IOMMUSIM_VTD_ECAP_PSS(bits) ((((uint64_t)(bits) - 1) & 0x1f) << 35)
#define IOMMUSIM_VTD_ECAP_PASID (1ull << 40)
#define IOMMUSIM_VTD_ECAP_SMTS (1ull << 43)
#define IOMMUSIM_VTD_ECAP_SLADS (1ull << 45)
#define IOMMUSIM_VTD_ECAP_SLTS (1ull << 46)
#define IOMMUSIM_VTD_ECAP_FLTS (1ull << 47)

/* GCMD/GSTS bits (10.4.4, 10.4.5). */
#define IOMMUSIM_VTD_GCMD_TE (1u << 31)
#define IOMMUSIM_VTD_GCMD_SRTP (1u << 30)
#define IOMMUSIM_VTD_GCMD_WBF (1u << 27)
#define IOMMUSIM_VTD_GCMD_QIE (1u << 26)

/* RTADDR_REG translation table mode (10.4.6). */
#define IOMMUSIM_VTD_RTADDR_LEGACY 0ull
#define IOMMUSIM_VTD_RTADDR_SCALABLE (1ull << 10)

/* FSTS bits (10.4.9). */
#define IOMMUSIM_VTD_FSTS_PFO (1u << 0)
#define IOMMUSIM_VTD_FSTS_PPF (1u << 1)
#define IOMMUSIM_VTD_FSTS_IQE (1u << 4)

/*
 * Fault reasons (chapter 7, "Non-recoverable fault reasons"), as reported
 * in res->fault and in the fault recording registers.
 */
enum iommusim_vtd_fault {
	IOMMUSIM_VTD_FR_ROOT_NP = 0x01,       /* root entry not present */
	IOMMUSIM_VTD_FR_CTX_NP = 0x02,        /* context entry not present */
	IOMMUSIM_VTD_FR_CTX_INV = 0x03,       /* context entry misprogrammed */
	IOMMUSIM_VTD_FR_ADDR_WIDTH = 0x04,    /* input address above AGAW/MGAW */
	IOMMUSIM_VTD_FR_WRITE = 0x05,         /* write without W */
	IOMMUSIM_VTD_FR_READ = 0x06,          /* read without R */
	IOMMUSIM_VTD_FR_SS_ACCESS = 0x07,     /* error reading a SS entry */
	IOMMUSIM_VTD_FR_ROOT_ACCESS = 0x08,   /* error reading the root entry */
	IOMMUSIM_VTD_FR_CTX_ACCESS = 0x09,    /* error reading the context entry */
	IOMMUSIM_VTD_FR_ROOT_RSVD = 0x0a,
	IOMMUSIM_VTD_FR_CTX_RSVD = 0x0b,
	IOMMUSIM_VTD_FR_SS_RSVD = 0x0c,       /* SS entry reserved bits/PS */
	IOMMUSIM_VTD_FR_TTM = 0x31,           /* RTADDR.TTM invalid */
	IOMMUSIM_VTD_FR_PDIR_ACCESS = 0x50,
	IOMMUSIM_VTD_FR_PDIR_NP = 0x51,
	IOMMUSIM_VTD_FR_PTE_ACCESS = 0x58,    /* PASID table entry */
	IOMMUSIM_VTD_FR_PTE_NP = 0x59,
	IOMMUSIM_VTD_FR_PTE_INV = 0x5b,
	IOMMUSIM_VTD_FR_FS_ACCESS = 0x70,
	IOMMUSIM_VTD_FR_FS_NP = 0x71,
	IOMMUSIM_VTD_FR_FS_RSVD = 0x72,
	IOMMUSIM_VTD_FR_FS_CANONICAL = 0x80,
	IOMMUSIM_VTD_FR_FS_PRIV = 0x81,       /* user access to supervisor page */
	IOMMUSIM_VTD_FR_FS_WRITE = 0x85,
};

enum iommusim_vtd_flags {
	IOMMUSIM_VTD_NO_STALE_CHECK = 1u << 0,
};

struct iommusim_vtd_opts {
	size_t sz;
	uint64_t cap;      /* 0: iommusim_vtd_default_cap() */
	uint64_t ecap;     /* 0: iommusim_vtd_default_ecap() */
	uint32_t version;  /* VER_REG; 0: 0x30 (3.0) */
	unsigned int haw;  /* host address width; 0: 52 */
	uint64_t seed;     /* for random replacement */
	/* Caches; an all-zero config takes the default (sim/cycles.c). */
	struct iommusim_cache_cfg iotlb;
	struct iommusim_cache_cfg pwc;     /* each level; 0: gem5's sizes */
	struct iommusim_cache_cfg context;
	struct iommusim_cache_cfg pasid;
	struct iommusim_cycles_cfg cycles;
	uint32_t flags;    /* enum iommusim_vtd_flags */
};

/*
 * The defaults: ND=2 (256 domains), SAGAW 3/4/5 levels, MGAW 57, SLLPS
 * 2M+1G, PSI with MAMV 9, 8 fault records, FL1GP, FL5LP; ECAP QI, PT, SC,
 * PASID (20 bits), SMTS, SLADS, SLTS, FLTS.
 */
IOMMUPT_API uint64_t iommusim_vtd_default_cap(void);
IOMMUPT_API uint64_t iommusim_vtd_default_ecap(void);

/*
 * Create a VT-d unit over mem (which must outlive it). Returns 0, -EINVAL
 * for bad options, -EOPNOTSUPP for a CAP/ECAP feature the model lacks
 * (device TLB, interrupt remapping, nesting, page requests, CM), -ENOMEM.
 */
IOMMUPT_API int iommusim_vtd_create(const struct iommusim_vtd_opts *opts,
				    struct iommusim_mem *mem,
				    struct iommusim_unit **out);

#ifdef __cplusplus
}
#endif
#endif
