/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The AMD-Vi hardware model (AMD I/O Virtualization Technology (IOMMU)
 * Specification, pub. 48882). Section numbers in comments refer to it:
 * 2.2.2 device table, 2.2.3 host (v1) page tables, 2.2.6 guest (v2)
 * tables through GCR3, 2.4 commands, 2.5 event log, 3.4 MMIO registers.
 */
#ifndef IOMMUPT_SIM_AMD_H
#define IOMMUPT_SIM_AMD_H

#include <iommupt/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MMIO register offsets (3.4). Every register is 64 bits. */
#define IOMMUSIM_AMD_DEVTAB 0x0000     /* base 51:12, Size 8:0 (4K pages - 1) */
#define IOMMUSIM_AMD_CMDBUF 0x0008     /* base 51:12, ComLen 59:56 */
#define IOMMUSIM_AMD_EVTLOG 0x0010     /* base 51:12, EventLen 59:56 */
#define IOMMUSIM_AMD_CONTROL 0x0018
#define IOMMUSIM_AMD_EXCL_BASE 0x0020  /* stored, not applied */
#define IOMMUSIM_AMD_EXCL_LIMIT 0x0028 /* stored, not applied */
#define IOMMUSIM_AMD_EFR 0x0030        /* extended feature register */
#define IOMMUSIM_AMD_CMD_HEAD 0x2000   /* byte offsets, bits 18:4 */
#define IOMMUSIM_AMD_CMD_TAIL 0x2008
#define IOMMUSIM_AMD_EVT_HEAD 0x2010
#define IOMMUSIM_AMD_EVT_TAIL 0x2018
#define IOMMUSIM_AMD_STATUS 0x2020
#define IOMMUSIM_AMD_REG_SIZE 0x4000

/* Buffer length field of CMDBUF/EVTLOG: 2^n 16-byte entries, n 8..15. */
#define IOMMUSIM_AMD_BUF_LEN(n) ((uint64_t)(n) << 56)

/* Control register bits (3.4.3). */
#define IOMMUSIM_AMD_CTRL_IOMMU_EN (1ull << 0)
#define IOMMUSIM_AMD_CTRL_EVTLOG_EN (1ull << 2)
#define IOMMUSIM_AMD_CTRL_EVTINT_EN (1ull << 3)
#define IOMMUSIM_AMD_CTRL_COMWAITINT_EN (1ull << 4)
#define IOMMUSIM_AMD_CTRL_CMDBUF_EN (1ull << 12)
#define IOMMUSIM_AMD_CTRL_GT_EN (1ull << 16)

/* Status register bits (3.4.11); the first three are write-1-to-clear. */
#define IOMMUSIM_AMD_STS_EVT_OVERFLOW (1ull << 0)
#define IOMMUSIM_AMD_STS_EVTLOG_INT (1ull << 1)
#define IOMMUSIM_AMD_STS_COMWAIT_INT (1ull << 2)
#define IOMMUSIM_AMD_STS_EVTLOG_RUN (1ull << 3)
#define IOMMUSIM_AMD_STS_CMDBUF_RUN (1ull << 4)

/* Extended feature register fields (3.4.5) the model implements. */
#define IOMMUSIM_AMD_EFR_GTSUP (1ull << 4)       /* guest translation */
#define IOMMUSIM_AMD_EFR_IASUP (1ull << 6)       /* INVALIDATE_IOMMU_ALL */
#define IOMMUSIM_AMD_EFR_HATS(n) (((uint64_t)(n) & 3) << 10) /* 0:4 1:5 2:6 lvls */
#define IOMMUSIM_AMD_EFR_GATS(n) (((uint64_t)(n) & 3) << 12) /* 0:4 1:5 lvls */
#define IOMMUSIM_AMD_EFR_GLXSUP(n) (((uint64_t)(n) & 3) << 14)
#define IOMMUSIM_AMD_EFR_PASMAX(n) (((uint64_t)(n) & 0x1f) << 32)
#define IOMMUSIM_AMD_EFR_GIOSUP (1ull << 48)
#define IOMMUSIM_AMD_EFR_HASUP (1ull << 49)      /* host access bit */
#define IOMMUSIM_AMD_EFR_HDSUP (1ull << 52)      /* host dirty bit */

/* Device table entry fields (2.2.2.1), as qword index and bit. */
#define IOMMUSIM_AMD_DTE_V (1ull << 0)           /* qword 0 */
#define IOMMUSIM_AMD_DTE_TV (1ull << 1)
#define IOMMUSIM_AMD_DTE_HAD(n) (((uint64_t)(n) & 3) << 7)
#define IOMMUSIM_AMD_DTE_MODE(n) (((uint64_t)(n) & 7) << 9)
#define IOMMUSIM_AMD_DTE_GIOV (1ull << 54)
#define IOMMUSIM_AMD_DTE_GV (1ull << 55)
#define IOMMUSIM_AMD_DTE_GLX(n) (((uint64_t)(n) & 3) << 56)
#define IOMMUSIM_AMD_DTE_IR (1ull << 61)
#define IOMMUSIM_AMD_DTE_IW (1ull << 62)
#define IOMMUSIM_AMD_DTE_SA (1ull << 34)         /* qword 1: suppress all */
#define IOMMUSIM_AMD_DTE_GPM(n) (((uint64_t)(n) & 3) << 54) /* qword 2 */

/*
 * Event codes (2.5), as reported in res->fault and in the event log
 * (qword 0 bits 63:60; flags 59:48, see IOMMUSIM_AMD_EVF_*).
 */
enum iommusim_amd_event {
	IOMMUSIM_AMD_EV_ILLEGAL_DTE = 0x1,     /* ILLEGAL_DEV_TABLE_ENTRY */
	IOMMUSIM_AMD_EV_IO_PAGE_FAULT = 0x2,
	IOMMUSIM_AMD_EV_DEVTAB_HW_ERROR = 0x3, /* DEV_TAB_HARDWARE_ERROR */
	IOMMUSIM_AMD_EV_PAGETAB_HW_ERROR = 0x4,
	IOMMUSIM_AMD_EV_ILLEGAL_COMMAND = 0x5,
	IOMMUSIM_AMD_EV_COMMAND_HW_ERROR = 0x6,
	IOMMUSIM_AMD_EV_INVALID_DEV_REQ = 0x8, /* INVALID_DEVICE_REQUEST */
};

/* Event flags (2.5.2, 2.5.3): bits of the 12-bit flags field. */
#define IOMMUSIM_AMD_EVF_GN (1u << 0) /* guest (v2) translation */
#define IOMMUSIM_AMD_EVF_US (1u << 2) /* user request */
#define IOMMUSIM_AMD_EVF_PR (1u << 4) /* the entry was present */
#define IOMMUSIM_AMD_EVF_RW (1u << 5) /* write */
#define IOMMUSIM_AMD_EVF_PE (1u << 6) /* permission */
#define IOMMUSIM_AMD_EVF_RZ (1u << 7) /* reserved bit or bad level */

/* Command opcodes (2.4), qword 0 bits 63:60. */
enum iommusim_amd_cmd {
	IOMMUSIM_AMD_CMD_COMPLETION_WAIT = 0x1,
	IOMMUSIM_AMD_CMD_INV_DEVTAB_ENTRY = 0x2,
	IOMMUSIM_AMD_CMD_INV_IOMMU_PAGES = 0x3,
	IOMMUSIM_AMD_CMD_INV_IOTLB_PAGES = 0x4,
	IOMMUSIM_AMD_CMD_INV_INTR_TABLE = 0x5,
	IOMMUSIM_AMD_CMD_INV_IOMMU_ALL = 0x8,
};

enum iommusim_amd_flags {
	IOMMUSIM_AMD_NO_STALE_CHECK = 1u << 0,
};

struct iommusim_amd_opts {
	size_t sz;
	uint64_t efr;      /* 0: iommusim_amd_default_efr() */
	unsigned int haw;  /* host address width; 0: 52 */
	uint64_t seed;     /* for random replacement */
	/* Caches; an all-zero config takes the default (sim/cycles.c). */
	struct iommusim_cache_cfg iotlb;
	struct iommusim_cache_cfg pdc;     /* each level; 0: gem5's sizes */
	struct iommusim_cache_cfg dte;
	struct iommusim_cycles_cfg cycles;
	uint32_t flags;    /* enum iommusim_amd_flags */
};

/*
 * The default EFR: GTSup, IASup, HATS 6 levels, GATS 5 levels, GLXSup 1,
 * PASmax 15 (16-bit PASIDs), GIoSup, HASup, HDSup.
 */
IOMMUPT_API uint64_t iommusim_amd_default_efr(void);

/*
 * Create an AMD-Vi unit over mem (which must outlive it). Returns 0,
 * -EINVAL for bad options, -EOPNOTSUPP for an EFR feature the model lacks
 * (PPR, prefetch, x2APIC, guest APIC, ...), -ENOMEM.
 */
IOMMUPT_API int iommusim_amd_create(const struct iommusim_amd_opts *opts,
				    struct iommusim_mem *mem,
				    struct iommusim_unit **out);

#ifdef __cplusplus
}
#endif
#endif
