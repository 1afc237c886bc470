/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * What the guest halves of the QEMU tests share: the console result lines
 * and QEMU's edu device as the DMA engine.
 *
 * edu facts (QEMU hw/misc/edu.c, docs/specs/edu.rst): PCI 1234:11e8; BAR0
 * registers 0x24 interrupt status, 0x64 interrupt acknowledge, 0x80 DMA
 * source, 0x88 destination, 0x90 count, 0x98 command (bit 0 start/busy,
 * bit 1 direction: 1 = edu buffer -> RAM, bit 2 raise an interrupt when
 * done, status value 0x100); the 4096-byte buffer is at device address
 * 0x40000; DMA addresses are masked to 28 bits.
 */
#ifndef TESTS_QEMU_EDU_H
#define TESTS_QEMU_EDU_H

#include <stddef.h>
#include <stdint.h>

#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_ACK 0x64
#define EDU_SRC 0x80
#define EDU_DST 0x88
#define EDU_CNT 0x90
#define EDU_CMD 0x98
#define EDU_CMD_RUN 0x1
#define EDU_CMD_TO_RAM 0x2
#define EDU_CMD_IRQ 0x4
#define EDU_DMA_IRQ 0x100
#define EDU_BUF 0x40000ull
#define EDU_DMA_BITS 28
/*
 * QEMU 7.2's edu rejects a transfer that ends exactly at the end of its
 * buffer (an off-by-one in edu_check_range, fatal: hw_error aborts QEMU),
 * so pages are copied in halves through the buffer's first half.
 */
#define EDU_XFER 2048u

/* "IOMMUPT-QEMU: PASS <mode>/<name>" or "... FAIL <mode>/<name>: why". */
extern const char *qt_mode;
extern int qt_nr_pass, qt_nr_fail;
void qt_result(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct edu {
	volatile uint8_t *bar;
	uint16_t sid; /* PCI requester ID: bus << 8 | devfn */
};

/* edu's sysfs name ("dddd:bb:dd.f") into name; 0 or -1 (none). */
int edu_find(char *name, size_t sz);
/* Find edu in sysfs, enable memory decode and bus mastering, map BAR0. */
int edu_open(struct edu *e);
/* Registers of a mapped BAR0 (e->bar, however it was mapped). */
uint32_t edu_r32(struct edu *e, unsigned int off);
void edu_w32(struct edu *e, unsigned int off, uint32_t v);
/*
 * One transfer; waits until the engine is idle again. A transfer the IOMMU
 * blocks still completes from edu's point of view (it ignores DMA errors),
 * so success here says nothing about the bytes.
 */
int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint64_t cnt,
	    int to_ram);
/* The same with the command's other bits given (EDU_CMD_TO_RAM, _IRQ). */
int edu_dma_cmd(struct edu *e, uint64_t src, uint64_t dst, uint64_t cnt,
		uint32_t cmd);
/* Copy len bytes from IOVA src to IOVA dst through edu's buffer. */
int edu_copy(struct edu *e, uint64_t src, uint64_t dst, uint64_t len);
/* Deterministic bytes. */
void qt_fill(void *p, size_t len, uint32_t seed);

#endif
