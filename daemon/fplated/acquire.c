// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acquire.c - the acquisition thread: read blocks from the device into the
 * SPSC ring as fast as the device delivers them and never wait for the
 * processing side.
 *
 * Per block: one fp_read() into a preallocated ring slot, one commit, one
 * eventfd write to wake the main thread. When the ring is full the block is
 * read into a scratch block and thrown away (the ring counts the overrun);
 * the next block that gets through carries FP_BLK_GAP | FP_BLK_OVERRUN and
 * the processing side counts the lost samples from the sample index.
 *
 * -ENODEV: the device went away. Report it (state GONE), keep retrying
 * every RETRY_MS until reads succeed again; the first block back carries
 * FP_BLK_RESUMED. -EPIPE: a finite source ended; the daemon drains and
 * exits 0. Other errors: state FAILED, the daemon exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "fplated.h"

#define READ_TIMEOUT_MS 100  /* bounds how long a stop request waits */
#define RETRY_MS        100  /* between reads while the device is gone */

const char *fpd_dev_state_name(enum fpd_dev_state s)
{
	switch (s) {
	case FPD_DEV_STARTING: return "starting";
	case FPD_DEV_RUNNING:  return "running";
	case FPD_DEV_GONE:     return "gone";
	case FPD_DEV_ENDED:    return "ended";
	case FPD_DEV_FAILED:   return "failed";
	}
	return "unknown";
}

static void wake(struct fpd_acq *a)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter overflow (2^64 wakes): ignore. */
	if (write(a->wake_fd, &one, sizeof(one)) < 0)
		return;
}

/* Blocks between two copies of the device counters (~0.2 s at 5 ms). */
#define COUNTERS_EVERY 32

static void snapshot_counters(struct fpd *d)
{
	struct fp_counters c;

	if (fp_get_counters(d->dev, &c))
		return;
	pthread_mutex_lock(&d->acq.counters_lock);
	d->acq.counters = c;
	pthread_mutex_unlock(&d->acq.counters_lock);
}

static void set_state(struct fpd_acq *a, enum fpd_dev_state s)
{
	atomic_store(&a->state, (int)s);
	wake(a);
}

int fpd_acq_init(struct fpd *d)
{
	struct fpd_acq *a = &d->acq;
	uint32_t n = (uint32_t)d->cfg.ring_slots;
	int ret;

	a->wake_fd = -1;
	pthread_mutex_init(&a->counters_lock, NULL);
	ret = fp_ring_init(&a->ring, n);
	if (ret)
		return ret;
	a->slots = calloc(n, sizeof(*a->slots));
	if (!a->slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		ret = fp_block_init(&a->slots[i], &d->info, d->block_samples);
		if (ret)
			return ret;
	}
	ret = fp_block_init(&a->scratch, &d->info, d->block_samples);
	if (ret)
		return ret;
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->wake_fd < 0)
		return -errno;
	atomic_init(&a->stop, 0);
	atomic_init(&a->state, FPD_DEV_STARTING);
	atomic_init(&a->overrun_blocks, 0);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *acquire_thread(void *arg)
{
	struct fpd *d = arg;
	struct fpd_acq *a = &d->acq;
	uint32_t pending_flags = 0, blocks = 0;

	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		int slot = fp_ring_reserve(&a->ring);
		struct fp_block *blk = slot >= 0 ? &a->slots[slot] : &a->scratch;
		int ret = fp_read(d->dev, blk, READ_TIMEOUT_MS);

		if (ret > 0) {
			if (atomic_load(&a->state) == FPD_DEV_GONE)
				pending_flags |= FP_BLK_RESUMED;
			if (atomic_load(&a->state) != FPD_DEV_RUNNING)
				set_state(a, FPD_DEV_RUNNING);
			if (slot < 0) {
				atomic_fetch_add(&a->overrun_blocks, 1);
				pending_flags |= FP_BLK_GAP | FP_BLK_OVERRUN;
				continue;
			}
			blk->flags |= pending_flags;
			pending_flags = 0;
			fp_ring_commit(&a->ring);
			wake(a);
			if (++blocks % COUNTERS_EVERY == 0)
				snapshot_counters(d);
		} else if (ret == 0) {
			continue;
		} else if (ret == -ENODEV) {
			if (atomic_load(&a->state) != FPD_DEV_GONE) {
				snapshot_counters(d);
				snprintf(a->error_msg, sizeof(a->error_msg), "%s",
					 fp_device_message(d->dev));
				set_state(a, FPD_DEV_GONE);
			}
			sleep_ms(RETRY_MS);
		} else if (ret == -EPIPE) {
			snapshot_counters(d);
			set_state(a, FPD_DEV_ENDED);
			break;
		} else {
			a->error = ret;
			snprintf(a->error_msg, sizeof(a->error_msg), "%s%s%s", fp_strerror(ret),
				 fp_device_message(d->dev)[0] ? ": " : "",
				 fp_device_message(d->dev));
			set_state(a, FPD_DEV_FAILED);
			break;
		}
	}
	return NULL;
}

int fpd_acq_start(struct fpd *d)
{
	int ret = pthread_create(&d->acq.thread, NULL, acquire_thread, d);

	if (ret)
		return -ret;
	d->acq.running = 1;
	return 0;
}

void fpd_acq_stop(struct fpd *d)
{
	if (!d->acq.running)
		return;
	atomic_store(&d->acq.stop, 1);
	pthread_join(d->acq.thread, NULL);
	d->acq.running = 0;
	snapshot_counters(d); /* the device is ours again */
}

void fpd_acq_release(struct fpd *d)
{
	struct fpd_acq *a = &d->acq;

	if (a->slots) {
		for (uint32_t i = 0; i < fp_ring_capacity(&a->ring); i++)
			fp_block_release(&a->slots[i]);
		free(a->slots);
		a->slots = NULL;
	}
	fp_block_release(&a->scratch);
	pthread_mutex_destroy(&a->counters_lock);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	a->wake_fd = -1;
}
