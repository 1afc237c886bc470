/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Intel VT-d register file and in-memory structures, from the Intel
 * Virtualization Technology for Directed I/O Architecture Specification
 * (rev 4.x): chapter 10.4 "Register Descriptions", 9.1 "Root Entry",
 * 9.3 "Context Entry", 9.4-9.6 scalable-mode context, PASID directory and
 * PASID table entries, 9.7/9.8 paging entries, 6.5 "Invalidation",
 * 7.1.3 "Fault conditions".
 * Private to drivers/.
 */
#ifndef IOMMUDRV_VTD_REGS_H
#define IOMMUDRV_VTD_REGS_H

/* 10.4 register offsets (size in bytes). */
#define VTD_VER_REG 0x00     /* 10.4.1, 4 */
#define VTD_CAP_REG 0x08     /* 10.4.2, 8 */
#define VTD_ECAP_REG 0x10    /* 10.4.3, 8 */
#define VTD_GCMD_REG 0x18    /* 10.4.4, 4 */
#define VTD_GSTS_REG 0x1c    /* 10.4.5, 4 */
#define VTD_RTADDR_REG 0x20  /* 10.4.6, 8 */
#define VTD_CCMD_REG 0x28    /* 10.4.7, 8 */
#define VTD_FSTS_REG 0x34    /* 10.4.9, 4 */
#define VTD_FECTL_REG 0x38   /* 10.4.10, 4 */
#define VTD_IQH_REG 0x80     /* 10.4.22, 8 */
#define VTD_IQT_REG 0x88     /* 10.4.23, 8 */
#define VTD_IQA_REG 0x90     /* 10.4.24, 8 */
#define VTD_ICS_REG 0x9c     /* 10.4.25, 4 */
/* IOTLB registers sit at ECAP.IRO * 16 (10.4.8): IVA then IOTLB. */
#define VTD_IVA_OFF 0x0
#define VTD_IOTLB_OFF 0x8

/* 10.4.2 CAP_REG fields. */
#define VTD_CAP_ND(c) ((unsigned)((c) & 7))            /* 2:0 */
#define VTD_CAP_RWBF (1ull << 4)                        /* write-buffer flush */
#define VTD_CAP_CM (1ull << 7)                          /* caching mode */
#define VTD_CAP_SAGAW(c) ((unsigned)(((c) >> 8) & 0x1f)) /* 12:8 */
#define VTD_CAP_MGAW(c) ((unsigned)(((c) >> 16) & 0x3f) + 1) /* 21:16 */
#define VTD_CAP_FRO(c) ((unsigned)(((c) >> 24) & 0x3ff)) /* 33:24, x16 bytes */
#define VTD_CAP_SLLPS(c) ((unsigned)(((c) >> 34) & 0xf)) /* 37:34: 2M, 1G */
#define VTD_CAP_PSI (1ull << 39)                        /* page-selective inv */
#define VTD_CAP_NFR(c) ((unsigned)(((c) >> 40) & 0xff) + 1) /* 47:40 */
#define VTD_CAP_MAMV(c) ((unsigned)(((c) >> 48) & 0x3f)) /* 53:48 */
#define VTD_CAP_DWD (1ull << 54)                        /* drain writes */
#define VTD_CAP_DRD (1ull << 55)                        /* drain reads */
#define VTD_CAP_FL1GP (1ull << 56)    /* first-stage 1G pages */
#define VTD_CAP_FL5LP (1ull << 60)    /* first-stage 5-level paging */

/* 10.4.3 ECAP_REG fields. */
#define VTD_ECAP_C (1ull << 0)    /* page-walk coherency */
#define VTD_ECAP_QI (1ull << 1)   /* queued invalidation */
#define VTD_ECAP_IRO(e) ((unsigned)(((e) >> 8) & 0x3ff)) /* 17:8, x16 bytes */
#define VTD_ECAP_PSS(e) ((unsigned)(((e) >> 35) & 0x1f) + 1) /* PASID bits */
#define VTD_ECAP_PASID (1ull << 40) /* requests with PASID */
#define VTD_ECAP_SMTS (1ull << 43) /* scalable-mode translation */
#define VTD_ECAP_SLTS (1ull << 46) /* second-stage translation (scalable) */
#define VTD_ECAP_FLTS (1ull << 47) /* first-stage translation (scalable) */

/* 10.4.4 GCMD_REG / 10.4.5 GSTS_REG: command bit n, status bit n. */
#define VTD_GCMD_TE (1u << 31)    /* translation enable / TES */
#define VTD_GCMD_SRTP (1u << 30)  /* set root table pointer / RTPS */
#define VTD_GCMD_WBF (1u << 27)   /* write buffer flush / WBFS */
#define VTD_GCMD_QIE (1u << 26)   /* queued invalidation enable / QIES */
#define VTD_GCMD_IRE (1u << 25)   /* interrupt remapping enable / IRES */
/*
 * 10.4.4: to issue one command, software writes GSTS with the one-shot
 * status bits (RTPS, FLS, WBFS, IRTPS) cleared, plus the command bit.
 */
#define VTD_GSTS_PERSIST_MASK 0x96ffffffu

/* 10.4.6 RTADDR_REG: TTM 11:10 (00 legacy, 01 scalable). */
#define VTD_RTADDR_TTM_LEGACY (0ull << 10)
#define VTD_RTADDR_TTM_SCALABLE (1ull << 10)

/* 10.4.7 CCMD_REG. */
#define VTD_CCMD_ICC (1ull << 63)
#define VTD_CCMD_GLOBAL (1ull << 61)     /* CIRG 62:61 = 01 */
#define VTD_CCMD_DOMAIN (2ull << 61)
#define VTD_CCMD_DEVICE (3ull << 61)
#define VTD_CCMD_DID(d) ((uint64_t)(d))
#define VTD_CCMD_SID(s) ((uint64_t)(s) << 16)

/* 10.4.8.1 IOTLB_REG and 10.4.8.2 IVA_REG. */
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_GLOBAL (1ull << 60)    /* IIRG 61:60 = 01 */
#define VTD_IOTLB_DOMAIN (2ull << 60)
#define VTD_IOTLB_PAGE (3ull << 60)
#define VTD_IOTLB_DR (1ull << 49)
#define VTD_IOTLB_DW (1ull << 48)
#define VTD_IOTLB_DID(d) ((uint64_t)(d) << 32)
#define VTD_IVA_IH (1ull << 6)

/* 10.4.9 FSTS_REG. */
#define VTD_FSTS_PFO (1u << 0)  /* primary fault overflow, RW1C */
#define VTD_FSTS_PPF (1u << 1)  /* primary pending fault, RO */
#define VTD_FSTS_IQE (1u << 4)  /* invalidation queue error, RW1C */
#define VTD_FSTS_ICE (1u << 5)  /* invalidation completion error, RW1C */
#define VTD_FSTS_ITE (1u << 6)  /* invalidation time-out error, RW1C */
#define VTD_FSTS_FRI(f) (((f) >> 8) & 0xff)
#define VTD_FSTS_W1C (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)

/* 10.4.10 FECTL_REG. */
#define VTD_FECTL_IM (1u << 31) /* interrupt mask */

/* 10.4.14 fault recording register: 128 bits, high qword fields. */
#define VTD_FRCD_HI_F (1ull << 63)    /* bit 127: fault, RW1C */
#define VTD_FRCD_HI_T1 (1ull << 62)   /* bit 126: 1 read, 0 write */
#define VTD_FRCD_HI_PV(h) ((uint32_t)(((h) >> 40) & 0xfffff)) /* 123:104 */
#define VTD_FRCD_HI_FR(h) ((uint32_t)(((h) >> 32) & 0xff))    /* 103:96 */
#define VTD_FRCD_HI_PP (1ull << 31)   /* bit 95: PASID present */
#define VTD_FRCD_HI_EXE (1ull << 30)  /* bit 94 */
#define VTD_FRCD_HI_PRIV (1ull << 29) /* bit 93 */
#define VTD_FRCD_HI_SID(h) ((uint32_t)((h) & 0xffff)) /* 79:64 */
#define VTD_FRCD_LO_FI(l) ((l) & ~0xfffull)           /* 63:12 */

/*
 * 10.4.23/24 IQT/IQA: QS = log2(pages); DW (bit 11) selects 256-bit
 * descriptors, which scalable mode uses. IQH/IQT hold byte offsets.
 */
#define VTD_IQA_QS(n) ((uint64_t)(n) & 7)
#define VTD_IQA_DW (1ull << 11)
#define VTD_IQ_DESC_SIZE 16
#define VTD_IQ_DESC_SIZE_SM 32

/* 9.1 root entry (legacy): low qword P bit 0, CTP 63:12. */
#define VTD_RE_P (1ull << 0)

/* 9.3 context entry (legacy). */
#define VTD_CE_LO_P (1ull << 0)
#define VTD_CE_LO_FPD (1ull << 1)            /* fault processing disable */
#define VTD_CE_LO_TT_SS (0ull << 2) /* TT 3:2 = 00: second stage only */
#define VTD_CE_HI_AW(aw) ((uint64_t)(aw) & 7) /* 2:0: 1 39b, 2 48b, 3 57b */
#define VTD_CE_HI_DID(d) ((uint64_t)(d) << 8) /* 87:72 */

/*
 * 9.2 scalable-mode root entry: low qword LP bit 0 + LCTP (devfn 0-127),
 * high qword UP bit 0 + UCTP (devfn 128-255).
 * 9.4 scalable-mode context entry (256 bit, 128 per table).
 */
#define VTD_SMCE_Q0_P (1ull << 0)
#define VTD_SMCE_Q0_PASIDE (1ull << 3)     /* requests with PASID allowed */
#define VTD_SMCE_Q0_PDTS(n) ((uint64_t)(n) << 9) /* 2^(n+7) PASID-dir entries */
#define VTD_SMCE_Q1_RID_PASID(p) ((uint64_t)(p) & 0xfffff)
/* 9.5 PASID directory entry: P bit 0, PASID table pointer 63:12. */
#define VTD_PDE_P (1ull << 0)
/*
 * 9.6 PASID table entry (512 bit, 64 per table): qw0 P 0, FPD 1, AW 4:2
 * (second stage; ignored for first stage), PGTT 8:6, SSADE 9, SSPTPTR
 * 63:12; qw1 DID 15:0; qw2 SRE 0, FSPM 3:2 (00 4-level, 01 5-level),
 * WPE 4, FSPTPTR 63:12; qw3-qw7 zero here.
 */
#define VTD_PTE_Q0_P (1ull << 0)
#define VTD_PTE_Q0_AW(aw) (((uint64_t)(aw) & 7) << 2)
#define VTD_PTE_Q0_PGTT_FS (1ull << 6)       /* first-stage only */
#define VTD_PTE_Q0_PGTT_SS (2ull << 6)       /* second-stage only */
#define VTD_PTE_Q0_PGTT(q) (((q) >> 6) & 7)
#define VTD_PTE_Q1_DID(d) ((uint64_t)(d) & 0xffff)
#define VTD_PTE_Q2_FSPM_5 (1ull << 2)        /* 5-level first stage */

/* 9.7 first-stage and 9.8 second-stage paging entries, as the walk sees. */
#define VTD_PG_ADDR 0x000ffffffffff000ull    /* table address 51:12 */
#define VTD_PG_PS (1ull << 7)                /* page, not a table */
#define VTD_FS_P (1ull << 0)
#define VTD_SS_RW 3ull                       /* R | W: present */

/* 6.5.2 invalidation descriptors (128 bit: lo, hi). */
#define VTD_QI_CC 0x1                      /* 6.5.2.1 context-cache */
#define VTD_QI_CC_GLOBAL (1ull << 4)
#define VTD_QI_CC_DOMAIN (2ull << 4)
#define VTD_QI_CC_DEVICE (3ull << 4)
#define VTD_QI_CC_DID(d) ((uint64_t)(d) << 16)
#define VTD_QI_CC_SID(s) ((uint64_t)(s) << 32)
#define VTD_QI_IOTLB 0x2                   /* 6.5.2.3 IOTLB */
#define VTD_QI_IOTLB_GLOBAL (1ull << 4)
#define VTD_QI_IOTLB_DOMAIN (2ull << 4)
#define VTD_QI_IOTLB_PAGE (3ull << 4)
#define VTD_QI_IOTLB_DW (1ull << 6)
#define VTD_QI_IOTLB_DR (1ull << 7)
#define VTD_QI_IOTLB_DID(d) ((uint64_t)(d) << 16)
#define VTD_QI_IOTLB_IH (1ull << 6)        /* hi: invalidation hint */
#define VTD_QI_PC 0x7                      /* 6.5.2.2 PASID-cache */
#define VTD_QI_PC_DOMAIN (0ull << 4)       /* G 5:4 = 00: domain-selective */
#define VTD_QI_PC_PASID (1ull << 4)        /* 01: PASID-selective */
#define VTD_QI_PC_GLOBAL (3ull << 4)       /* 11: all */
#define VTD_QI_PC_DID(d) ((uint64_t)(d) << 16)
#define VTD_QI_PASID(p) ((uint64_t)(p) << 32) /* 51:32, also P_IOTLB */
#define VTD_QI_PIOTLB 0x6                  /* 6.5.2.4 PASID-based IOTLB */
#define VTD_QI_PIOTLB_PASID (2ull << 4)    /* G 10: all of one PASID */
#define VTD_QI_PIOTLB_PAGE (3ull << 4)     /* G 11: page-selective */
#define VTD_QI_PIOTLB_DID(d) ((uint64_t)(d) << 16)
#define VTD_QI_PIOTLB_IH (1ull << 6)       /* hi: invalidation hint */
#define VTD_QI_WAIT 0x5                    /* 6.5.2.8 invalidation wait */
#define VTD_QI_WAIT_SW (1ull << 5)         /* status write */
#define VTD_QI_WAIT_FN (1ull << 6)         /* fence */
#define VTD_QI_WAIT_DATA(v) ((uint64_t)(v) << 32)

/* 7.1.3 fault reasons (legacy-mode DMA remapping). */
#define VTD_FR_ROOT_NP 0x1
#define VTD_FR_CTX_NP 0x2
#define VTD_FR_CTX_INVALID 0x3
#define VTD_FR_BEYOND_AGAW 0x4
#define VTD_FR_WRITE 0x5
#define VTD_FR_READ 0x6
#define VTD_FR_SS_ACCESS 0x7
#define VTD_FR_ROOT_ACCESS 0x8
#define VTD_FR_CTX_ACCESS 0x9
#define VTD_FR_ROOT_RSVD 0xa
#define VTD_FR_CTX_RSVD 0xb
#define VTD_FR_SS_RSVD 0xc
#define VTD_FR_TT_BLOCKED 0xd
/* 7.1.3 scalable-mode reasons: PASID directory/table, first stage. */
#define VTD_FR_PDIR_ACCESS 0x50  /* SPD.1 */
#define VTD_FR_PDIR_NP 0x51      /* SPD.2 */
#define VTD_FR_PTE_ACCESS 0x58   /* SPT.1 */
#define VTD_FR_PTE_NP 0x59       /* SPT.2 */
#define VTD_FR_PTE_INVALID 0x5b  /* SPT.4: PGTT or field not supported */
#define VTD_FR_FS_ACCESS 0x70    /* SFS.1 */
#define VTD_FR_FS_NP 0x71        /* SFS.2 */
#define VTD_FR_FS_RSVD 0x72      /* SFS.3 */
#define VTD_FR_FS_CANONICAL 0x80 /* SFS.10: input not canonical */
#define VTD_FR_FS_PRIV 0x81      /* user request to a supervisor page */
#define VTD_FR_FS_WRITE 0x85     /* write to a read-only page */

#endif
