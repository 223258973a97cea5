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

/* Write a zero to every page of [buf, buf + len), which must be zeroed
 * memory (calloc): the contents do not change. The volatile stores keep
 * the compiler from dropping writes it knows to be redundant. 4096 is the
 * smallest page size Linux uses, so no page is skipped on any. */
static inline void fp_prefault(void *buf, size_t len)
{
	volatile unsigned char *b = buf;

	for (size_t i = 0; i < len; i += 4096)
		b[i] = 0;
	if (len)
		b[len - 1] = 0;
}

#endif
