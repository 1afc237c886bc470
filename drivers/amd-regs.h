/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * AMD-Vi register file and in-memory structures, from the AMD I/O
 * Virtualization Technology (IOMMU) Specification, pub. 48882 rev 3.x:
 * 3.4 "IOMMU MMIO Registers" (cited with their MMIO offsets), 2.2.2.1
 * "Device Table Entry Format", 2.4 "Commands", 2.5 "Event Logging".
 * Private to drivers/.
 */
#ifndef IOMMUDRV_AMD_REGS_H
#define IOMMUDRV_AMD_REGS_H

/* 3.4 MMIO offsets; every register is 64 bits. */
#define AMD_DEVTAB_REG 0x0000    /* Device Table Base Address */
#define AMD_CMDBUF_REG 0x0008    /* Command Buffer Base Address */
#define AMD_EVTLOG_REG 0x0010    /* Event Log Base Address */
#define AMD_CONTROL_REG 0x0018   /* IOMMU Control */
#define AMD_EFR_REG 0x0030       /* Extended Feature */
#define AMD_CMD_HEAD_REG 0x2000  /* Command Buffer Head Pointer */
#define AMD_CMD_TAIL_REG 0x2008  /* Command Buffer Tail Pointer */
#define AMD_EVT_HEAD_REG 0x2010  /* Event Log Head Pointer */
#define AMD_EVT_TAIL_REG 0x2018  /* Event Log Tail Pointer */
#define AMD_STATUS_REG 0x2020    /* IOMMU Status */
/* The register block spans 16 KiB (MMIO 0000h-3FFFh, 3.4). */
#define AMD_REG_SIZE 0x4000

/* 3.4 MMIO 0000h: base 51:12, Size 8:0 = 4K pages of the table - 1. */
#define AMD_DEVTAB_SIZE(pages) ((uint64_t)((pages) - 1) & 0x1ff)
#define AMD_DEVTAB_MAX_PAGES 512
/* 3.4 MMIO 0008h/0010h: ComLen/EventLen 59:56 = log2(entries), 8..15. */
#define AMD_BUF_LEN(lg2) ((uint64_t)(lg2) << 56)
#define AMD_ADDR_MASK 0x000ffffffffff000ull /* 51:12 */
/* 3.4 MMIO 2000h-2018h: head and tail pointers are byte offsets, 18:4. */
#define AMD_PTR_MASK 0x7fff0ull

/* 3.4 MMIO 0018h: Control register. */
#define AMD_CTRL_IOMMU_EN (1ull << 0)
#define AMD_CTRL_EVTLOG_EN (1ull << 2)
#define AMD_CTRL_EVTINT_EN (1ull << 3)
#define AMD_CTRL_COMWAITINT_EN (1ull << 4)
#define AMD_CTRL_COHERENT (1ull << 10) /* device table reads are coherent */
#define AMD_CTRL_CMDBUF_EN (1ull << 12)

/* 3.4 MMIO 0030h: Extended Feature Register fields the driver uses. */
#define AMD_EFR_IASUP (1ull << 6)                     /* INVALIDATE_IOMMU_ALL */
#define AMD_EFR_HATS(e) ((unsigned int)(((e) >> 10) & 3)) /* 0: 4, 1: 5, 2: 6 */

/* 3.4 MMIO 2020h: Status register; the first three are RW1C. */
#define AMD_STS_EVT_OVERFLOW (1ull << 0)
#define AMD_STS_EVTLOG_INT (1ull << 1)
#define AMD_STS_COMWAIT_INT (1ull << 2)
#define AMD_STS_EVTLOG_RUN (1ull << 3)
#define AMD_STS_CMDBUF_RUN (1ull << 4)
#define AMD_STS_W1C (AMD_STS_EVT_OVERFLOW | AMD_STS_EVTLOG_INT | \
		     AMD_STS_COMWAIT_INT)

/* 2.2.2.1 device table entry: 256 bits, four qwords. */
#define AMD_DTE_BYTES 32
#define AMD_DTE_Q0_V (1ull << 0)
#define AMD_DTE_Q0_TV (1ull << 1)
#define AMD_DTE_Q0_MODE(n) (((uint64_t)(n) & 7) << 9)  /* root's level */
#define AMD_DTE_Q0_MODE_OF(q) ((unsigned int)(((q) >> 9) & 7))
#define AMD_DTE_Q0_IR (1ull << 61)
#define AMD_DTE_Q0_IW (1ull << 62)
#define AMD_DTE_Q1_DID(d) ((uint64_t)(d) & 0xffff)     /* DomainID 15:0 */

/* 2.4: commands are 128 bits; opcode in bits 63:60 of the first qword. */
#define AMD_CMD_BYTES 16
#define AMD_CMD_OP(op) ((uint64_t)(op) << 60)
#define AMD_CMD_COMPLETION_WAIT 0x1   /* 2.4.1 */
#define AMD_CMD_INV_DEVTAB_ENTRY 0x2  /* 2.4.2 */
#define AMD_CMD_INV_IOMMU_PAGES 0x3   /* 2.4.3 */
#define AMD_CMD_INV_IOMMU_ALL 0x8     /* 2.4.8 */
/* 2.4.1 COMPLETION_WAIT: S 0 (store), I 1; store address 51:3. */
#define AMD_CW_S (1ull << 0)
#define AMD_CW_ADDR(a) ((uint64_t)(a) & 0x000ffffffffffff8ull)
/* 2.4.2 INVALIDATE_DEVTAB_ENTRY: DeviceID 15:0. */
#define AMD_IDE_DEVID(d) ((uint64_t)(d) & 0xffff)
/*
 * 2.4.3 INVALIDATE_IOMMU_PAGES: DomainID 47:32 (qword 0); S 0, PDE 1,
 * GN 2, address 63:12 (qword 1). With S the range is 2^n bytes where bit
 * n - 1 is the lowest zero address bit at or above 12; this address (all
 * ones but bit 63) covers every page.
 */
#define AMD_IIP_DID(d) ((uint64_t)(d) << 32)
#define AMD_IIP_S (1ull << 0)
#define AMD_IIP_PDE (1ull << 1)
#define AMD_IIP_ALL_ADDR 0x7ffffffffffff000ull

/* 2.5: event log entries are 128 bits; code in bits 63:60. */
#define AMD_EVT_BYTES 16
#define AMD_EVT_CODE(q0) ((unsigned int)((q0) >> 60))
#define AMD_EVT_DEVID(q0) ((uint32_t)((q0) & 0xffff))
#define AMD_EVT_PASID(q0) ((uint32_t)((((q0) >> 16) & 0xf) << 16 | \
				      (((q0) >> 32) & 0xffff)))
#define AMD_EVT_FLAGS(q0) ((unsigned int)(((q0) >> 48) & 0xfff))
#define AMD_EV_ILLEGAL_DTE 0x1        /* 2.5.2 ILLEGAL_DEV_TABLE_ENTRY */
#define AMD_EV_IO_PAGE_FAULT 0x2      /* 2.5.3 */
#define AMD_EV_DEVTAB_HW_ERROR 0x3    /* 2.5.4 DEV_TAB_HARDWARE_ERROR */
#define AMD_EV_PAGETAB_HW_ERROR 0x4   /* 2.5.5 PAGE_TAB_HARDWARE_ERROR */
#define AMD_EV_ILLEGAL_COMMAND 0x5    /* 2.5.6 ILLEGAL_COMMAND_ERROR */
#define AMD_EV_COMMAND_HW_ERROR 0x6   /* 2.5.7 COMMAND_HARDWARE_ERROR */
#define AMD_EV_INVALID_DEV_REQ 0x8    /* 2.5.9 INVALID_DEVICE_REQUEST */
/* 2.5.3 IO_PAGE_FAULT flags (bits of the 12-bit field at 59:48). */
#define AMD_EVF_GN (1u << 0)  /* guest (PASID) translation */
#define AMD_EVF_NX (1u << 1)  /* execute */
#define AMD_EVF_US (1u << 2)  /* user */
#define AMD_EVF_I (1u << 3)   /* interrupt request */
#define AMD_EVF_PR (1u << 4)  /* the entry was present */
#define AMD_EVF_RW (1u << 5)  /* write */
#define AMD_EVF_PE (1u << 6)  /* permission */
#define AMD_EVF_RZ (1u << 7)  /* reserved bit / bad level */
#define AMD_EVF_TR (1u << 8)  /* translation request */

#endif
