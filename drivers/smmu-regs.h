/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Arm SMMUv3 registers and in-memory structures the user-mode driver uses,
 * from the Arm System Memory Management Unit Architecture Specification,
 * SMMU architecture version 3 (IHI 0070). Section numbers move between
 * revisions of that document, so each definition names the register,
 * structure, command or event it comes from as well: 3.3 stream table and
 * CDs, 3.5 queues, 3.21 structure update procedures, 4 commands, 5.1
 * L1STD, 5.2 STE, 5.4 CD, 6.3 register formats, 7.3 event records.
 * Private to libiommudrv, never installed.
 */
#ifndef IOMMUDRV_SMMU_REGS_H
#define IOMMUDRV_SMMU_REGS_H

#include <stdint.h>

#define SMMU_BIT(n) (1ull << (n))
#define SMMU_GET(v, hi, lo) (((v) >> (lo)) & (SMMU_BIT((hi) - (lo) + 1) - 1))
#define SMMU_PUT(v, hi, lo) \
	(((uint64_t)(v) & (SMMU_BIT((hi) - (lo) + 1) - 1)) << (lo))

/* 6.2 memory map: two 64K register pages; page 1 holds EVENTQ_PROD/CONS. */
#define SMMU_REG_SIZE 0x20000u

/* ---- 6.3 register offsets (page 0 unless noted) ---------------------- */
#define SMMU_IDR0 0x0000
#define SMMU_IDR1 0x0004
#define SMMU_IDR3 0x000c
#define SMMU_IDR5 0x0014
#define SMMU_CR0 0x0020
#define SMMU_CR0ACK 0x0024
#define SMMU_CR1 0x0028
#define SMMU_CR2 0x002c
#define SMMU_GBPA 0x0044
#define SMMU_IRQ_CTRL 0x0050
#define SMMU_IRQ_CTRLACK 0x0054
#define SMMU_GERROR 0x0060
#define SMMU_GERRORN 0x0064
#define SMMU_STRTAB_BASE 0x0080      /* 64 bits */
#define SMMU_STRTAB_BASE_CFG 0x0088
#define SMMU_CMDQ_BASE 0x0090        /* 64 bits */
#define SMMU_CMDQ_PROD 0x0098
#define SMMU_CMDQ_CONS 0x009c
#define SMMU_EVENTQ_BASE 0x00a0      /* 64 bits */
#define SMMU_EVENTQ_PROD 0x100a8     /* page 1 */
#define SMMU_EVENTQ_CONS 0x100ac     /* page 1 */

/* 6.3 SMMU_IDR0. */
#define SMMU_IDR0_S2P SMMU_BIT(0)
#define SMMU_IDR0_S1P SMMU_BIT(1)
#define SMMU_IDR0_TTF(v) SMMU_GET(v, 3, 2)       /* 2: AArch64, 3: both */
#define SMMU_IDR0_COHACC SMMU_BIT(4)
#define SMMU_IDR0_HTTU(v) SMMU_GET(v, 7, 6)      /* 1: A, 2: A and D */
#define SMMU_IDR0_HYP SMMU_BIT(9)
#define SMMU_IDR0_ASID16 SMMU_BIT(12)
#define SMMU_IDR0_VMID16 SMMU_BIT(18)
#define SMMU_IDR0_TTENDIAN(v) SMMU_GET(v, 22, 21) /* 0: mixed, 2: LE */
#define SMMU_IDR0_TERM_MODEL SMMU_BIT(26)        /* CD.A must be 1 */
#define SMMU_IDR0_ST_LVL(v) SMMU_GET(v, 28, 27)  /* 1: 2-level tables */
#define SMMU_TTF_AARCH64 2u
#define SMMU_TTENDIAN_BE 3u

/* 6.3 SMMU_IDR1. */
#define SMMU_IDR1_SIDSIZE(v) SMMU_GET(v, 5, 0)
#define SMMU_IDR1_SSIDSIZE(v) SMMU_GET(v, 10, 6)
#define SMMU_IDR1_EVENTQS(v) SMMU_GET(v, 20, 16)
#define SMMU_IDR1_CMDQS(v) SMMU_GET(v, 25, 21)
#define SMMU_IDR1_QUEUES_PRESET SMMU_BIT(29)
#define SMMU_IDR1_TABLES_PRESET SMMU_BIT(30)

/* 6.3 SMMU_IDR3: RIL, range invalidation in the TLBI commands. */
#define SMMU_IDR3_RIL SMMU_BIT(10)

/* 6.3 SMMU_IDR5. */
#define SMMU_IDR5_OAS(v) SMMU_GET(v, 2, 0)
#define SMMU_IDR5_GRAN4K SMMU_BIT(4)
#define SMMU_IDR5_GRAN16K SMMU_BIT(5)
#define SMMU_IDR5_GRAN64K SMMU_BIT(6)
#define SMMU_IDR5_VAX(v) SMMU_GET(v, 11, 10)     /* 1: 52-bit VAs (64K) */

/* 6.3 SMMU_CR0 / SMMU_CR0ACK. */
#define SMMU_CR0_SMMUEN SMMU_BIT(0)
#define SMMU_CR0_EVENTQEN SMMU_BIT(2)
#define SMMU_CR0_CMDQEN SMMU_BIT(3)

/*
 * 6.3 SMMU_CR1: QUEUE_IC 1:0, QUEUE_OC 3:2, QUEUE_SH 5:4, TABLE_IC 7:6,
 * TABLE_OC 9:8, TABLE_SH 11:10. Cacheability 0 NC, 1 WB; shareability
 * 2 outer, 3 inner.
 */
#define SMMU_CR1_WB_ISH(shift) ((1u << (shift)) | (1u << ((shift) + 2)) | \
				(3u << ((shift) + 4)))
#define SMMU_CR1_NC_OSH(shift) (2u << ((shift) + 4))
#define SMMU_CR1_QUEUE 0
#define SMMU_CR1_TABLE 6

/* 6.3 SMMU_CR2: E2H 0, RECINVSID 1, PTM 2. */
#define SMMU_CR2_RECINVSID SMMU_BIT(1)
#define SMMU_CR2_PTM SMMU_BIT(2)

/* 6.3 SMMU_GBPA: Update 31 (handshake), ABORT 20. */
#define SMMU_GBPA_UPDATE SMMU_BIT(31)
#define SMMU_GBPA_ABORT SMMU_BIT(20)

/* 6.3 SMMU_GERROR / SMMU_GERRORN: CMDQ_ERR 0; errors are GERROR ^ GERRORN. */
#define SMMU_GERROR_CMDQ_ERR SMMU_BIT(0)
#define SMMU_GERROR_MASK 0x1fdu

/* 6.3 SMMU_STRTAB_BASE: RA 62, ADDR 51:6. */
#define SMMU_STRTAB_BASE_RA SMMU_BIT(62)
/* 6.3 SMMU_STRTAB_BASE_CFG: LOG2SIZE 5:0, SPLIT 10:6, FMT 17:16. */
#define SMMU_STRTAB_CFG(fmt, split, log2size) \
	(SMMU_PUT(fmt, 17, 16) | SMMU_PUT(split, 10, 6) | SMMU_PUT(log2size, 5, 0))
#define SMMU_STRTAB_FMT_LINEAR 0
#define SMMU_STRTAB_FMT_2LVL 1

/* 6.3 SMMU_CMDQ_BASE (RA 62) / SMMU_EVENTQ_BASE (WA 62): ADDR 51:5, LOG2SIZE 4:0. */
#define SMMU_Q_BASE_ALLOC SMMU_BIT(62)
/* 6.3 SMMU_CMDQ_CONS.ERR 30:24; SMMU_EVENTQ_PROD.OVFLG / _CONS.OVACKFLG 31. */
#define SMMU_CMDQ_CONS_ERR(v) SMMU_GET(v, 30, 24)
#define SMMU_EVENTQ_OVFLG SMMU_BIT(31)

/* ---- 5.1 L1STD: Span 4:0 (L2 holds 2^(Span-1) STEs), L2Ptr 51:6 ------- */
#define SMMU_L1STD_SPAN(n) SMMU_PUT(n, 4, 0)

/* ---- 5.2 STE, 64 bytes (dwords 0-3 used, 4-7 RES0 here) -------------- */
#define SMMU_STE_DWORDS 8
#define SMMU_STE_0_V SMMU_BIT(0)
#define SMMU_STE_0_CONFIG(c) SMMU_PUT(c, 3, 1)
#define SMMU_STE_CONFIG_ABORT 0
#define SMMU_STE_CONFIG_S1 5
#define SMMU_STE_CONFIG_S2 6
#define SMMU_STE_0_S1FMT(f) SMMU_PUT(f, 5, 4)     /* 0: linear CD table */
#define SMMU_STE_0_S1CTXPTR_MASK 0x000fffffffffffc0ull /* 51:6 */
#define SMMU_STE_0_S1CDMAX(n) SMMU_PUT(n, 63, 59)
/* dword 1: S1DSS 1:0, S1CIR 3:2, S1COR 5:4, S1CSH 7:6, STRW 31:30. */
#define SMMU_STE_1_S1CIR(c) SMMU_PUT(c, 3, 2)
#define SMMU_STE_1_S1COR(c) SMMU_PUT(c, 5, 4)
#define SMMU_STE_1_S1CSH(s) SMMU_PUT(s, 7, 6)
#define SMMU_STE_1_STRW_NSEL1 SMMU_PUT(0, 31, 30)
/* dword 2: stage 2 (VTCR-like fields), VMID. */
#define SMMU_STE_2_S2VMID(n) SMMU_PUT(n, 15, 0)
#define SMMU_STE_2_S2T0SZ(n) SMMU_PUT(n, 37, 32)
#define SMMU_STE_2_S2SL0(n) SMMU_PUT(n, 39, 38)
#define SMMU_STE_2_S2IR0(c) SMMU_PUT(c, 41, 40)
#define SMMU_STE_2_S2OR0(c) SMMU_PUT(c, 43, 42)
#define SMMU_STE_2_S2SH0(s) SMMU_PUT(s, 45, 44)
#define SMMU_STE_2_S2TG(g) SMMU_PUT(g, 47, 46)    /* 0 4K, 1 64K, 2 16K */
#define SMMU_STE_2_S2PS(p) SMMU_PUT(p, 50, 48)
#define SMMU_STE_2_S2AA64 SMMU_BIT(51)
#define SMMU_STE_2_S2PTW SMMU_BIT(54)
#define SMMU_STE_2_S2HD SMMU_BIT(55)
#define SMMU_STE_2_S2HA SMMU_BIT(56)
#define SMMU_STE_2_S2R SMMU_BIT(58)
/* dword 3: S2TTB 51:4. */
#define SMMU_STE_3_S2TTB_MASK 0x000ffffffffffff0ull

/* ---- 5.4 CD, 64 bytes ------------------------------------------------- */
#define SMMU_CD_DWORDS 8
#define SMMU_CD_0_T0SZ(n) SMMU_PUT(n, 5, 0)
#define SMMU_CD_0_TG0(g) SMMU_PUT(g, 7, 6)        /* 0 4K, 1 64K, 2 16K */
#define SMMU_CD_0_IR0(c) SMMU_PUT(c, 9, 8)
#define SMMU_CD_0_OR0(c) SMMU_PUT(c, 11, 10)
#define SMMU_CD_0_SH0(s) SMMU_PUT(s, 13, 12)
#define SMMU_CD_0_EPD0 SMMU_BIT(14)
#define SMMU_CD_0_T1SZ(n) SMMU_PUT(n, 21, 16)
#define SMMU_CD_0_TG1(g) SMMU_PUT(g, 23, 22)      /* 1 16K, 2 4K, 3 64K */
#define SMMU_CD_0_IR1(c) SMMU_PUT(c, 25, 24)
#define SMMU_CD_0_OR1(c) SMMU_PUT(c, 27, 26)
#define SMMU_CD_0_SH1(s) SMMU_PUT(s, 29, 28)
#define SMMU_CD_0_EPD1 SMMU_BIT(30)
#define SMMU_CD_0_V SMMU_BIT(31)
#define SMMU_CD_0_IPS(p) SMMU_PUT(p, 34, 32)
#define SMMU_CD_0_AA64 SMMU_BIT(41)
#define SMMU_CD_0_HD SMMU_BIT(42)
#define SMMU_CD_0_HA SMMU_BIT(43)
#define SMMU_CD_0_R SMMU_BIT(45)
#define SMMU_CD_0_A SMMU_BIT(46)
#define SMMU_CD_0_ASET SMMU_BIT(47)
#define SMMU_CD_0_ASID(n) SMMU_PUT(n, 63, 48)
/* dwords 1 and 2: TTB0 / TTB1 51:4; dword 3: MAIR. */
#define SMMU_CD_TTB_MASK 0x000ffffffffffff0ull
/*
 * MAIR attribute bytes (Arm ARM MAIR_ELx) in the slots libiommupt's stage
 * 1 format indexes (libiommupt/fmt/arm.h): 0 Normal non-cacheable, 1
 * Normal write-back read/write-allocate, 2 Device-nGnRE.
 */
#define SMMU_MAIR (0x44ull | 0xffull << 8 | 0x04ull << 16)

/* ---- 4 commands, 16 bytes --------------------------------------------- */
#define SMMU_CMD_DWORDS 2
#define SMMU_CMD_OP(op) SMMU_PUT(op, 7, 0)
#define SMMU_CMD_CFGI_STE 0x03        /* 4.3 CMD_CFGI_STE */
#define SMMU_CMD_CFGI_ALL 0x04        /* 4.3 CMD_CFGI_STE_RANGE, Range 31 */
#define SMMU_CMD_CFGI_CD 0x05         /* 4.3 CMD_CFGI_CD */
#define SMMU_CMD_TLBI_NH_ASID 0x11    /* 4.4 CMD_TLBI_NH_ASID */
#define SMMU_CMD_TLBI_NH_VA 0x12      /* 4.4 CMD_TLBI_NH_VA */
#define SMMU_CMD_TLBI_S12_VMALL 0x28  /* 4.4 CMD_TLBI_S12_VMALL */
#define SMMU_CMD_TLBI_S2_IPA 0x2a     /* 4.4 CMD_TLBI_S2_IPA */
#define SMMU_CMD_TLBI_NSNH_ALL 0x30   /* 4.4 CMD_TLBI_NSNH_ALL */
#define SMMU_CMD_SYNC 0x46            /* 4.7 CMD_SYNC */
/* CFGI: SSID 31:12, SID 63:32; dword 1 Leaf 0 (CFGI_STE, CFGI_CD), Range 4:0. */
#define SMMU_CMD_0_SSID(n) SMMU_PUT(n, 31, 12)
#define SMMU_CMD_0_SID(n) SMMU_PUT(n, 63, 32)
#define SMMU_CMD_1_LEAF SMMU_BIT(0)
#define SMMU_CMD_1_RANGE(n) SMMU_PUT(n, 4, 0)
/* TLBI: NUM 16:12, SCALE 24:20, VMID 47:32, ASID 63:48; dword 1 Leaf 0,
 * TTL 9:8, TG 11:10 (1 4K, 2 16K, 3 64K; 0 without a range), Address 63:12. */
#define SMMU_CMD_0_NUM(n) SMMU_PUT(n, 16, 12)
#define SMMU_CMD_0_SCALE(n) SMMU_PUT(n, 24, 20)
#define SMMU_CMD_0_VMID(n) SMMU_PUT(n, 47, 32)
#define SMMU_CMD_0_ASID(n) SMMU_PUT(n, 63, 48)
#define SMMU_CMD_1_TG(g) SMMU_PUT(g, 11, 10)
#define SMMU_CMD_1_ADDR_MASK 0xfffffffffffff000ull
#define SMMU_CMD_RANGE_NUM_MAX 32u
/* CMD_SYNC: CS 13:12 (0: SIG_NONE, completion seen through CMDQ_CONS). */
#define SMMU_CMD_SYNC_CS_NONE SMMU_PUT(0, 13, 12)

/* ---- 7.3 event records, 32 bytes -------------------------------------- */
#define SMMU_EVT_DWORDS 4
#define SMMU_EVT_0_TYPE(v) SMMU_GET(v, 7, 0)
#define SMMU_EVT_0_SSV SMMU_BIT(11)
#define SMMU_EVT_0_SSID(v) SMMU_GET(v, 31, 12)
#define SMMU_EVT_0_SID(v) SMMU_GET(v, 63, 32)
#define SMMU_EVT_1_PNU SMMU_BIT(33)  /* 1: privileged */
#define SMMU_EVT_1_IND SMMU_BIT(34)  /* 1: instruction */
#define SMMU_EVT_1_RNW SMMU_BIT(35)  /* 1: read */
#define SMMU_EVT_1_S2 SMMU_BIT(39)
/* dword 2: InputAddr of the events that carry one. */

enum smmu_event {
	SMMU_EVT_F_UUT = 0x01,
	SMMU_EVT_C_BAD_STREAMID = 0x02,
	SMMU_EVT_F_STE_FETCH = 0x03,
	SMMU_EVT_C_BAD_STE = 0x04,
	SMMU_EVT_F_BAD_ATS_TREQ = 0x05,
	SMMU_EVT_F_STREAM_DISABLED = 0x06,
	SMMU_EVT_F_TRANSL_FORBIDDEN = 0x07,
	SMMU_EVT_C_BAD_SUBSTREAMID = 0x08,
	SMMU_EVT_F_CD_FETCH = 0x09,
	SMMU_EVT_C_BAD_CD = 0x0a,
	SMMU_EVT_F_WALK_EABT = 0x0b,
	SMMU_EVT_F_TRANSLATION = 0x10,
	SMMU_EVT_F_ADDR_SIZE = 0x11,
	SMMU_EVT_F_ACCESS = 0x12,
	SMMU_EVT_F_PERMISSION = 0x13,
	SMMU_EVT_F_TLB_CONFLICT = 0x20,
	SMMU_EVT_F_CFG_CONFLICT = 0x21,
	SMMU_EVT_F_VMS_FETCH = 0x25,
};

/* 6.3 SMMU_IDR5.OAS, CD.IPS and STE.S2PS share one encoding. */
static inline int smmu_ps_enc(unsigned int bits)
{
	static const unsigned char b[] = { 32, 36, 40, 42, 44, 48, 52 };

	for (unsigned int i = 0; i < sizeof(b); i++)
		if (b[i] == bits)
			return (int)i;
	return -1;
}

static inline unsigned int smmu_ps_bits(unsigned int enc)
{
	static const unsigned char b[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return b[enc & 7];
}

#endif
