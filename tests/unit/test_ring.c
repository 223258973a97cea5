// SPDX-License-Identifier: LGPL-2.1-or-later
/* test_ring.c - SPSC ring: empty/full rules and two real threads racing. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "fp_test.h"
#include "ring.h"

static void test_single_thread(void)
{
	struct fp_ring r;

	CU_ASSERT_EQUAL(fp_ring_init(&r, 3), -EINVAL);
	CU_ASSERT_EQUAL(fp_ring_init(&r, 1), -EINVAL);
	CU_ASSERT_EQUAL(fp_ring_init(&r, 4), 0);
	CU_ASSERT_EQUAL(fp_ring_capacity(&r), 4);
	CU_ASSERT_EQUAL(fp_ring_peek(&r), -EAGAIN);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(fp_ring_reserve(&r), i);
		fp_ring_commit(&r);
	}
	CU_ASSERT_EQUAL(fp_ring_fill(&r), 4);
	CU_ASSERT_EQUAL(fp_ring_reserve(&r), -ENOBUFS);
	CU_ASSERT_EQUAL(fp_ring_overruns(&r), 1);
	CU_ASSERT_EQUAL(fp_ring_peek(&r), 0);
	CU_ASSERT_EQUAL(fp_ring_peek(&r), 0); /* peek does not consume */
	fp_ring_release(&r);
	CU_ASSERT_EQUAL(fp_ring_peek(&r), 1);
	CU_ASSERT_EQUAL(fp_ring_reserve(&r), 0); /* wraps to the freed slot */
	fp_ring_commit(&r);
	CU_ASSERT_EQUAL(fp_ring_high_water(&r), 4);
	for (int i = 1; i <= 4; i++) {
		CU_ASSERT_EQUAL(fp_ring_peek(&r), i & 3);
		fp_ring_release(&r);
	}
	CU_ASSERT_EQUAL(fp_ring_peek(&r), -EAGAIN);
	CU_ASSERT_EQUAL(fp_ring_fill(&r), 0);
}

#define SLOTS 16
#define PAYLOAD 8

/* Each slot holds a sequence number repeated PAYLOAD times: a consumer that
 * saw a half-written slot would find the copies disagree. */
struct race {
	struct fp_ring ring;
	uint64_t slot[SLOTS][PAYLOAD];
	uint64_t count;     /* items the producer offers */
	int drop_when_full; /* 1: like fplated's acquisition, 0: retry */
	uint64_t dropped;   /* producer side */
	/* consumer results */
	uint64_t received, order_errors, torn, last;
};

static void *producer(void *arg)
{
	struct race *rc = arg;

	for (uint64_t seq = 1; seq <= rc->count; seq++) {
		int i;

		while ((i = fp_ring_reserve(&rc->ring)) < 0) {
			if (rc->drop_when_full) {
				rc->dropped++;
				break;
			}
			sched_yield();
		}
		if (i < 0)
			continue;
		for (int k = 0; k < PAYLOAD; k++)
			rc->slot[i][k] = seq;
		fp_ring_commit(&rc->ring);
	}
	/* 0 marks the end. */
	while (fp_ring_reserve(&rc->ring) < 0)
		sched_yield();
	rc->slot[fp_ring_reserve(&rc->ring)][0] = 0;
	fp_ring_commit(&rc->ring);
	return NULL;
}

static void *consumer(void *arg)
{
	struct race *rc = arg;

	for (;;) {
		int i = fp_ring_peek(&rc->ring);
		uint64_t seq;

		if (i < 0) {
			sched_yield();
			continue;
		}
		seq = rc->slot[i][0];
		if (seq == 0) {
			fp_ring_release(&rc->ring);
			break;
		}
		for (int k = 1; k < PAYLOAD; k++)
			if (rc->slot[i][k] != seq)
				rc->torn++;
		if (seq <= rc->last || (!rc->drop_when_full && seq != rc->last + 1))
			rc->order_errors++;
		rc->last = seq;
		rc->received++;
		/* Slow down now and then so the ring really fills up. */
		if ((seq & 1023) == 0)
			sched_yield();
		fp_ring_release(&rc->ring);
	}
	return NULL;
}

static void run_race(struct race *rc)
{
	pthread_t p, c;

	CU_ASSERT_EQUAL_FATAL(fp_ring_init(&rc->ring, SLOTS), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&c, NULL, consumer, rc), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&p, NULL, producer, rc), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
}

static void test_race_lossless(void)
{
	struct race *rc = calloc(1, sizeof(*rc));

	rc->count = 300000;
	run_race(rc);
	CU_ASSERT_EQUAL(rc->received, rc->count);
	CU_ASSERT_EQUAL(rc->order_errors, 0);
	CU_ASSERT_EQUAL(rc->torn, 0);
	CU_ASSERT_EQUAL(rc->last, rc->count);
	CU_ASSERT(fp_ring_high_water(&rc->ring) <= SLOTS);
	CU_ASSERT_EQUAL(fp_ring_fill(&rc->ring), 0);
	free(rc);
}

static void test_race_dropping(void)
{
	struct race *rc = calloc(1, sizeof(*rc));

	rc->count = 300000;
	rc->drop_when_full = 1;
	run_race(rc);
	/* Every item is either received once, in order, or counted as dropped. */
	CU_ASSERT_EQUAL(rc->received + rc->dropped, rc->count);
	CU_ASSERT_EQUAL(rc->order_errors, 0);
	CU_ASSERT_EQUAL(rc->torn, 0);
	/* The end marker may also have found the ring full. */
	CU_ASSERT(fp_ring_overruns(&rc->ring) >= rc->dropped);
	free(rc);
}

void fp_suite_ring(void)
{
	FP_ADD_SUITE("ring",
		     { "single thread rules", test_single_thread },
		     { "two threads, producer retries", test_race_lossless },
		     { "two threads, producer drops when full", test_race_dropping });
}
