// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ring.c - the single-producer / single-consumer ring (see ring.h for the
 * protocol and the memory-ordering argument).
 */
#include <errno.h>
#include <string.h>

#include "ring.h"

int fp_ring_init(struct fp_ring *r, uint32_t slots)
{
	if (!r || slots < 2 || slots > 65536 || (slots & (slots - 1)))
		return -EINVAL;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = slots - 1;
	atomic_init(&r->high_water, 0);
	atomic_init(&r->overruns, 0);
	return 0;
}

int fp_ring_reserve(struct fp_ring *r)
{
	/* head is ours: relaxed. tail is the consumer's: acquire, so its
	 * reads of the slot it released happened before we overwrite it. */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask) {
		atomic_fetch_add_explicit(&r->overruns, 1, memory_order_relaxed);
		return -ENOBUFS;
	}
	return (int)(head & r->mask);
}

void fp_ring_commit(struct fp_ring *r)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed) + 1;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t used = (uint32_t)(head - tail);

	/* Only the producer writes high_water, so load + store is enough. */
	if (used > atomic_load_explicit(&r->high_water, memory_order_relaxed))
		atomic_store_explicit(&r->high_water, used, memory_order_relaxed);
	atomic_store_explicit(&r->head, head, memory_order_release);
}

int fp_ring_peek(struct fp_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (head == tail)
		return -EAGAIN;
	return (int)(tail & r->mask);
}

void fp_ring_release(struct fp_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

uint32_t fp_ring_capacity(const struct fp_ring *r)
{
	return r->mask + 1;
}

uint32_t fp_ring_fill(struct fp_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	return head >= tail ? (uint32_t)(head - tail) : 0;
}

uint32_t fp_ring_high_water(struct fp_ring *r)
{
	return atomic_load_explicit(&r->high_water, memory_order_relaxed);
}

uint64_t fp_ring_overruns(struct fp_ring *r)
{
	return atomic_load_explicit(&r->overruns, memory_order_relaxed);
}

void fp_ring_reset_high_water(struct fp_ring *r)
{
	/* A producer update racing with this store only raises the mark. */
	atomic_store_explicit(&r->high_water, fp_ring_fill(r), memory_order_relaxed);
}
