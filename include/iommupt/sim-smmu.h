/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The Arm SMMUv3 hardware model (Arm System Memory Management Unit
 * Architecture Specification, SMMU architecture version 3, IHI 0070).
 * Section numbers in comments refer to it: 3.3 stream table and context
 * descriptors, 3.4 address translation, 3.5 queues, 4 commands, 5.2 STE,
 * 5.4 CD, 6.3 registers, 7.3 events. Translation tables are VMSAv8-64
 * (Arm ARM DDI 0487, chapter D8).
 */
#ifndef IOMMUPT_SIM_SMMU_H
#define IOMMUPT_SIM_SMMU_H

#include <iommupt/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register offsets (6.3). Page 1 (0x10000) holds EVENTQ_PROD/CONS. */
#define IOMMUSIM_SMMU_IDR0 0x0000
#define IOMMUSIM_SMMU_IDR1 0x0004
#define IOMMUSIM_SMMU_IDR2 0x0008
#define IOMMUSIM_SMMU_IDR3 0x000c
#define IOMMUSIM_SMMU_IDR4 0x0010
#define IOMMUSIM_SMMU_IDR5 0x0014
#define IOMMUSIM_SMMU_CR0 0x0020
#define IOMMUSIM_SMMU_CR0ACK 0x0024
#define IOMMUSIM_SMMU_CR1 0x0028
#define IOMMUSIM_SMMU_CR2 0x002c
#define IOMMUSIM_SMMU_GBPA 0x0044
#define IOMMUSIM_SMMU_GERROR 0x0060
#define IOMMUSIM_SMMU_GERRORN 0x0064
#define IOMMUSIM_SMMU_STRTAB_BASE 0x0080     /* 64 bits */
#define IOMMUSIM_SMMU_STRTAB_BASE_CFG 0x0088
#define IOMMUSIM_SMMU_CMDQ_BASE 0x0090       /* 64 bits */
#define IOMMUSIM_SMMU_CMDQ_PROD 0x0098
#define IOMMUSIM_SMMU_CMDQ_CONS 0x009c
#define IOMMUSIM_SMMU_EVENTQ_BASE 0x00a0     /* 64 bits */
#define IOMMUSIM_SMMU_EVENTQ_PROD 0x100a8
#define IOMMUSIM_SMMU_EVENTQ_CONS 0x100ac
#define IOMMUSIM_SMMU_REG_SIZE 0x20000

/* CR0 / CR0ACK (6.3.9). */
#define IOMMUSIM_SMMU_CR0_SMMUEN (1u << 0)
#define IOMMUSIM_SMMU_CR0_EVENTQEN (1u << 2)
#define IOMMUSIM_SMMU_CR0_CMDQEN (1u << 3)
/* CR2 (6.3.12): RECINVSID bit 1 records C_BAD_STREAMID events. */
#define IOMMUSIM_SMMU_CR2_RECINVSID (1u << 1)
/* GBPA (6.3.14): ABORT bit 20 with SMMUEN clear aborts transactions. */
#define IOMMUSIM_SMMU_GBPA_ABORT (1u << 20)
/* GERROR (6.3.15): CMDQ_ERR bit 0, EVENTQ_ABT_ERR bit 2. */
#define IOMMUSIM_SMMU_GERROR_CMDQ_ERR (1u << 0)
/* STRTAB_BASE_CFG (6.3.24): LOG2SIZE 5:0, SPLIT 10:6, FMT 17:16. */
#define IOMMUSIM_SMMU_STRTAB_CFG(fmt, split, log2size) \
	(((uint32_t)(fmt) << 16) | ((uint32_t)(split) << 6) | (uint32_t)(log2size))
/* CMDQ_CONS.ERR (6.3.27), bits 30:24. */
#define IOMMUSIM_SMMU_CERROR_ILL 1

/* STE fields (5.2), as dword index and bits. */
#define IOMMUSIM_SMMU_STE_V 1ull                         /* dword 0 */
#define IOMMUSIM_SMMU_STE_CFG(c) (((uint64_t)(c) & 7) << 1)
#define IOMMUSIM_SMMU_STE_CFG_ABORT 0
#define IOMMUSIM_SMMU_STE_CFG_BYPASS 4
#define IOMMUSIM_SMMU_STE_CFG_S1 5
#define IOMMUSIM_SMMU_STE_CFG_S2 6
#define IOMMUSIM_SMMU_STE_CFG_NESTED 7
#define IOMMUSIM_SMMU_STE_S1FMT(f) (((uint64_t)(f) & 3) << 4)
#define IOMMUSIM_SMMU_STE_S1CDMAX(n) (((uint64_t)(n) & 0x1f) << 59)
#define IOMMUSIM_SMMU_STE_S1DSS(n) ((uint64_t)(n) & 3)   /* dword 1 */
#define IOMMUSIM_SMMU_STE_S2T0SZ(n) (((uint64_t)(n) & 0x3f) << 32) /* dw 2 */
#define IOMMUSIM_SMMU_STE_S2SL0(n) (((uint64_t)(n) & 3) << 38)
#define IOMMUSIM_SMMU_STE_S2TG(n) (((uint64_t)(n) & 3) << 46) /* 0 4K 1 64K 2 16K */
#define IOMMUSIM_SMMU_STE_S2PS(n) (((uint64_t)(n) & 7) << 48)
#define IOMMUSIM_SMMU_STE_S2AA64 (1ull << 51)
#define IOMMUSIM_SMMU_STE_S2HD (1ull << 55)
#define IOMMUSIM_SMMU_STE_S2HA (1ull << 56)
#define IOMMUSIM_SMMU_STE_S2R (1ull << 58)

/* CD fields (5.4), dword 0; TTB0 in dword 1, TTB1 in dword 2. */
#define IOMMUSIM_SMMU_CD_T0SZ(n) ((uint64_t)(n) & 0x3f)
#define IOMMUSIM_SMMU_CD_TG0(n) (((uint64_t)(n) & 3) << 6)  /* 0 4K 1 64K 2 16K */
#define IOMMUSIM_SMMU_CD_EPD0 (1ull << 14)
#define IOMMUSIM_SMMU_CD_T1SZ(n) (((uint64_t)(n) & 0x3f) << 16)
#define IOMMUSIM_SMMU_CD_TG1(n) (((uint64_t)(n) & 3) << 22) /* 1 16K 2 4K 3 64K */
#define IOMMUSIM_SMMU_CD_EPD1 (1ull << 30)
#define IOMMUSIM_SMMU_CD_V (1ull << 31)
#define IOMMUSIM_SMMU_CD_IPS(n) (((uint64_t)(n) & 7) << 32)
#define IOMMUSIM_SMMU_CD_AA64 (1ull << 41)
#define IOMMUSIM_SMMU_CD_HD (1ull << 42)
#define IOMMUSIM_SMMU_CD_HA (1ull << 43)
#define IOMMUSIM_SMMU_CD_R (1ull << 45)
#define IOMMUSIM_SMMU_CD_A (1ull << 46)
#define IOMMUSIM_SMMU_CD_ASID(n) (((uint64_t)(n) & 0xffff) << 48)

/* Event types (7.3), dword 0 bits 7:0; also reported in res->fault. */
enum iommusim_smmu_event {
	IOMMUSIM_SMMU_EV_C_BAD_STREAMID = 0x02,
	IOMMUSIM_SMMU_EV_F_STE_FETCH = 0x03,
	IOMMUSIM_SMMU_EV_C_BAD_STE = 0x04,
	IOMMUSIM_SMMU_EV_F_STREAM_DISABLED = 0x06,
	IOMMUSIM_SMMU_EV_C_BAD_SUBSTREAMID = 0x08,
	IOMMUSIM_SMMU_EV_F_CD_FETCH = 0x09,
	IOMMUSIM_SMMU_EV_C_BAD_CD = 0x0a,
	IOMMUSIM_SMMU_EV_F_WALK_EABT = 0x0b,
	IOMMUSIM_SMMU_EV_F_TRANSLATION = 0x10,
	IOMMUSIM_SMMU_EV_F_ADDR_SIZE = 0x11,
	IOMMUSIM_SMMU_EV_F_ACCESS = 0x12,
	IOMMUSIM_SMMU_EV_F_PERMISSION = 0x13,
	/* Not an event: aborted without a record (STE.Config abort, GBPA). */
	IOMMUSIM_SMMU_ABORT = 0x100,
};

/* Event record dword 1 bits (7.3). */
#define IOMMUSIM_SMMU_EVT1_PNU (1ull << 33) /* privileged */
#define IOMMUSIM_SMMU_EVT1_IND (1ull << 34)
#define IOMMUSIM_SMMU_EVT1_RNW (1ull << 35)
#define IOMMUSIM_SMMU_EVT1_S2 (1ull << 39)
#define IOMMUSIM_SMMU_EVT1_CLASS(c) ((uint64_t)(c) << 40) /* 0 CD 1 TT 2 IN */

/* Command opcodes (4.1), dword 0 bits 7:0. */
enum iommusim_smmu_cmd {
	IOMMUSIM_SMMU_CMD_CFGI_STE = 0x03,
	IOMMUSIM_SMMU_CMD_CFGI_STE_RANGE = 0x04, /* CFGI_ALL: Range 31 */
	IOMMUSIM_SMMU_CMD_CFGI_CD = 0x05,
	IOMMUSIM_SMMU_CMD_CFGI_CD_ALL = 0x06,
	IOMMUSIM_SMMU_CMD_TLBI_NH_ALL = 0x10,
	IOMMUSIM_SMMU_CMD_TLBI_NH_ASID = 0x11,
	IOMMUSIM_SMMU_CMD_TLBI_NH_VA = 0x12,
	IOMMUSIM_SMMU_CMD_TLBI_NH_VAA = 0x13,
	IOMMUSIM_SMMU_CMD_TLBI_S12_VMALL = 0x28,
	IOMMUSIM_SMMU_CMD_TLBI_S2_IPA = 0x2a,
	IOMMUSIM_SMMU_CMD_TLBI_NSNH_ALL = 0x30,
	IOMMUSIM_SMMU_CMD_SYNC = 0x46,
};

enum iommusim_smmu_flags {
	IOMMUSIM_SMMU_NO_STALE_CHECK = 1u << 0,
	IOMMUSIM_SMMU_NO_HTTU = 1u << 1, /* IDR0.HTTU = 0 */
};

struct iommusim_smmu_opts {
	size_t sz;
	unsigned int oas;       /* output address bits 32..52; 0: 52 */
	unsigned int sid_bits;  /* IDR1.SIDSIZE 1..32; 0: 16 */
	unsigned int ssid_bits; /* IDR1.SSIDSIZE 0..20; 0: 20 */
	uint64_t seed;          /* for random replacement */
	/* Caches; an all-zero config takes the default (sim/cycles.c). */
	struct iommusim_cache_cfg tlb;
	struct iommusim_cache_cfg ste;  /* config cache: STEs */
	struct iommusim_cache_cfg cd;   /* config cache: CDs */
	struct iommusim_cycles_cfg cycles;
	uint32_t flags;         /* enum iommusim_smmu_flags */
};

/*
 * Create an SMMUv3 unit over mem (which must outlive it). Returns 0,
 * -EINVAL for bad options, -ENOMEM. The DMA request's sid is the
 * StreamID; IOMMUSIM_DMA_HAS_PASID supplies a SubstreamID.
 */
IOMMUPT_API int iommusim_smmu_create(const struct iommusim_smmu_opts *opts,
				     struct iommusim_mem *mem,
				     struct iommusim_unit **out);

#ifdef __cplusplus
}
#endif
#endif
