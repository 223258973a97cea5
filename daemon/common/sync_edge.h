/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_edge.h - edges of the per-sample sync word (docs/protocol.md: bit 0
 * the sync input, bit 1 the trigger input), shared by fplated's record
 * stage and `fplate record`: trigger-started recording and the SYNC events
 * of recorded C3D files.
 */
#ifndef FP_SYNC_EDGE_H
#define FP_SYNC_EDGE_H

#include <stdint.h>

enum fp_edge { FP_EDGE_NONE = 0, FP_EDGE_RISING, FP_EDGE_FALLING };

/* "rising" / "falling" -> *e; -EINVAL otherwise. */
int fp_edge_parse(const char *s, enum fp_edge *e);
const char *fp_edge_name(enum fp_edge e);

/* Highest bit a trigger may watch: bits 16-31 of the word are reserved. */
#define FP_SYNC_MAX_BIT 15

/* The sync word of the sample before the next one looked at. */
struct fp_edge_track {
	uint32_t prev;
	int have_prev;              /* 0 at start and after a gap: no edge at sample 0 */
};

/*
 * First sample s in [from, n) of words[] where bit `bit` makes edge e
 * (comparing with words[s - 1], or t->prev for s = 0); -1 when none. Does
 * not move the tracker: call fp_edge_advance() once the block is done.
 */
long fp_edge_find(const struct fp_edge_track *t, const uint32_t *words, uint32_t from,
		  uint32_t n, unsigned int bit, enum fp_edge e);
void fp_edge_advance(struct fp_edge_track *t, const uint32_t *words, uint32_t n);

#endif
