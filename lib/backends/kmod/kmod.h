/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kmod.h - pieces of the kmod:// backend (lib/backends/kmod/kmod.c) that do not touch
 * the device, exposed for the unit tests (internal to libfplate).
 */
#ifndef FPLATE_LIB_KMOD_H
#define FPLATE_LIB_KMOD_H

#include <stddef.h>
#include <stdint.h>
#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/fplate_ioctl.h"

/*
 * Cursor over records read from /dev/fplateN: buf holds n_records of
 * record_size bytes, pos is the next one to deliver. Owned by the caller.
 */
struct fp_kmod_records {
	const uint8_t *buf;
	size_t record_size;
	size_t n_records;
	size_t pos;
};

/*
 * Move the next run of contiguous records into blk (at most blk->capacity):
 * a run ends before a record whose sample index does not follow, or that
 * carries FPLATE_REC_GAP / FPLATE_REC_RING_OVERRUN. *next_sample is the
 * index expected next (UINT64_MAX: unknown, no gap check); it is updated.
 * Sets blk->n, first_sample and flags (FP_BLK_GAP, _OVERRUN, _SATURATED).
 * Returns the number of samples moved (0 when the cursor is empty).
 */
uint32_t fp_kmod_take(struct fp_kmod_records *r, struct fp_block *blk,
		      uint64_t *next_sample);

/* The kernel's counters (one device session) as struct fp_counters fields. */
void fp_kmod_counters_add(struct fp_counters *sum, const struct fplate_counters *k);


#endif
