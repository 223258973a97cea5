/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ring.h - lock-free single-producer / single-consumer ring of slot indices.
 *
 * The ring hands out indices into an array of slots the caller owns (for
 * fplated: preallocated struct fp_block), so nothing is copied and nothing
 * is allocated after fp_ring_init(). Exactly one thread may call the
 * producer functions and exactly one other thread the consumer functions;
 * the statistics may be read from any thread.
 *
 *   producer:  i = fp_ring_reserve(r); fill slot i; fp_ring_commit(r);
 *   consumer:  i = fp_ring_peek(r);    use slot i;  fp_ring_release(r);
 *
 * When the ring is full fp_ring_reserve() fails and counts an overrun: the
 * producer never waits for the consumer (acquisition must not block).
 *
 * Memory ordering: the producer publishes a slot with a release store of
 * head after filling it, the consumer reads head with acquire before using
 * the slot; symmetrically for tail when a slot is handed back.
 */
#ifndef FPLATE_LIB_RING_H
#define FPLATE_LIB_RING_H

#include <stdatomic.h>
#include <stdint.h>

struct fp_ring {
	/* head: next slot the producer fills; tail: next slot the consumer takes.
	 * Both only grow; slot = counter & mask. Kept on separate cache lines
	 * apart (padding, not _Alignas, so a malloc'ed owner stays correctly
	 * aligned) so the two threads do not false-share. */
	_Atomic uint64_t head;
	char pad_head[56];
	_Atomic uint64_t tail;
	char pad_tail[56];
	uint32_t mask;                        /* slots - 1 */
	_Atomic uint32_t high_water;          /* most slots ever in use at once */
	_Atomic uint64_t overruns;            /* reserve() calls that found it full */
};

/* slots must be a power of two, 2..65536. Returns 0 or -EINVAL. */
int fp_ring_init(struct fp_ring *r, uint32_t slots);

/* Producer: index of a free slot, or -ENOBUFS (full; counted as an overrun). */
int fp_ring_reserve(struct fp_ring *r);
/* Producer: publish the slot returned by the last successful reserve. */
void fp_ring_commit(struct fp_ring *r);

/* Consumer: index of the oldest filled slot, or -EAGAIN when empty. */
int fp_ring_peek(struct fp_ring *r);
/* Consumer: hand the slot returned by peek back to the producer. */
void fp_ring_release(struct fp_ring *r);

/* Statistics, from any thread. */
uint32_t fp_ring_capacity(const struct fp_ring *r);
uint32_t fp_ring_fill(struct fp_ring *r);
uint32_t fp_ring_high_water(struct fp_ring *r);
/* Consumer side: start the high-water mark again from the current fill. */
void fp_ring_reset_high_water(struct fp_ring *r);
uint64_t fp_ring_overruns(struct fp_ring *r);

#endif
