/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * prefault.h - back a buffer with memory when it is allocated rather than
 * page by page as it is first written.
 *
 * calloc() of a large buffer returns untouched zero pages; the kernel
 * charges a page to the process (RSS) only when it is first written. A
 * bounded ring that is written one entry at a time therefore makes a
 * long-running process's RSS climb for as long as the ring takes to wrap
 * (issue 23: the simulator's step ring took 24 min at 44 KiB/min), which
 * looks like a leak and moves the peak away from start-up. Buffers of
 * fixed size kept for the whole life of a device or stream are
 * prefaulted: their full cost shows in RSS at once and never changes.
 */
#ifndef FPLATE_LIB_PREFAULT_H
#define FPLATE_LIB_PREFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23      /* Linux 5.14 */
#endif

/* Write a zero to every page of [buf, buf + len), which must be zeroed
 * memory (calloc): the contents do not change. The volatile stores keep
 * the compiler from dropping writes it knows to be redundant. 4096 is the
 * smallest page size Linux uses, so no page is skipped on any. Where the
 * kernel has it, one madvise(MADV_POPULATE_WRITE) populates the whole
 * pages inside instead of a page fault each (several µs each in a VM;
 * `fplate analyze` opens two gait modules of ~1 MB per run). */
static inline void fp_prefault(void *buf, size_t len)
{
	volatile unsigned char *b = buf;
	uintptr_t s = ((uintptr_t)buf + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)buf + len) & ~(uintptr_t)4095;

	if (!len)
		return;
	/* whole pages [s, e); b[0] and b[len - 1] lie in the partial ones */
	if (e > s && madvise((void *)s, e - s, MADV_POPULATE_WRITE) == 0) {
		b[0] = 0;
		b[len - 1] = 0;
		return;
	}
	for (size_t i = 0; i < len; i += 4096)
		b[i] = 0;
	b[len - 1] = 0;
}

#endif
