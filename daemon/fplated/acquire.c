// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acquire.c - the acquisition thread: read blocks from the device into the
 * SPSC ring as fast as the device delivers them and never wait for the
 * processing side.
 *
 * Reads are cut into preallocated ring slots of block_samples samples (see
 * acquire_thread for how device packets become blocks); per full block:
 * one copy, one commit and one eventfd write to wake the main thread.
 * When the ring is full the block goes to a scratch block and is thrown
 * away (the ring counts the overrun); the next block that gets through
 * carries FP_BLK_GAP | FP_BLK_OVERRUN and the processing side counts the
 * lost samples from the sample index.
 *
 * -ENODEV: the device went away. Report it (state GONE), keep retrying
 * every RETRY_MS until reads succeed again; the first block back carries
 * FP_BLK_RESUMED. While it is gone the backend's message is kept as the
 * error (it changes when, say, another amplifier is plugged in its place:
 * the backends refuse a device with another serial). -EPIPE: a finite source ended; the daemon drains and
 * exits 0. Other errors: state FAILED, the daemon exits 1.
 *
 * A paced device with coalescing has no acquisition thread: the main loop
 * calls fpd_acq_step() for the same read-and-cut (acquire_once) and sleeps
 * until the next block is due itself (main.c run_inline); no eventfd.
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
	case FPD_DEV_STOPPED:  return "stopped";
	}
	return "unknown";
}

static void wake(struct fpd_acq *a)
{
	uint64_t one = 1;

	if (a->inline_mode)          /* the reader is the processing thread */
		return;
	/* Cannot fail short of a counter overflow (2^64 wakes): ignore. */
	if (write(a->wake_fd, &one, sizeof(one)) < 0)
		return;
}

/* Blocks between two copies of the device counters (~0.3 s at 10 ms). */
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

/* Take the backend's words as the error; 1 if they changed. Only the
 * reading thread writes error_msg, so reading it here needs no lock. */
static int set_error(struct fpd_acq *a, const char *msg)
{
	if (!strcmp(a->error_msg, msg))
		return 0;
	pthread_mutex_lock(&a->counters_lock);
	snprintf(a->error_msg, sizeof(a->error_msg), "%s", msg);
	pthread_mutex_unlock(&a->counters_lock);
	atomic_fetch_add(&a->error_seq, 1);
	return 1;
}

void fpd_acq_error(struct fpd *d, char *buf, size_t len)
{
	pthread_mutex_lock(&d->acq.counters_lock);
	snprintf(buf, len, "%s", d->acq.error_msg);
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
	pthread_mutex_init(&a->set_lock, NULL);
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
	if (!ret)
		ret = fp_block_init(&a->staging, &d->info, 2 * d->block_samples);
	if (ret)
		return ret;
	a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->wake_fd < 0)
		return -errno;
	atomic_init(&a->stop, 0);
	atomic_init(&a->state, FPD_DEV_STARTING);
	atomic_init(&a->overrun_blocks, 0);
	atomic_init(&a->error_seq, 0);
	return 0;
}

/* The block being filled (struct fpd_fill, fplated.h). A slot is reserved
 * only when the first samples for it arrive, so a ring that drains in the
 * meantime is used at once and each dropped block counts one overrun. */

static void open_slot(struct fpd *d, struct fpd_fill *f)
{
	f->slot = fp_ring_reserve(&d->acq.ring);
	f->blk = f->slot >= 0 ? &d->acq.slots[f->slot] : &d->acq.scratch;
	f->blk->n = 0;
	f->blk->flags = 0;
}

/* Hand a filled block to the processing side, or drop it when it is the
 * scratch block. An empty block stays open. */
static void close_slot(struct fpd *d, struct fpd_fill *f)
{
	struct fpd_acq *a = &d->acq;

	if (!f->blk || !f->blk->n)
		return;
	if (f->slot < 0) {
		atomic_fetch_add(&a->overrun_blocks, 1);
		/* RESUMED too: `resumes` and the time-fit restart must not be
		 * lost with the first block after a resume. */
		f->pending_flags |= FP_BLK_GAP | FP_BLK_OVERRUN | (f->blk->flags & FP_BLK_RESUMED);
	} else {
		f->blk->flags |= f->pending_flags;
		f->pending_flags = 0;
		fp_ring_commit(&a->ring);
		wake(a);
		if (++f->blocks % COUNTERS_EVERY == 0)
			snapshot_counters(d);
	}
	f->blk = NULL;
}

/* Append samples [from, from + count) of src to dst (same geometry). */
static void append(struct fp_block *dst, const struct fp_block *src, uint32_t from,
		   uint32_t count)
{
	size_t per = (size_t)src->plates * src->channels;

	if (!dst->n) {
		dst->first_sample = src->first_sample + from;
		dst->flags = 0;
	}
	memcpy(dst->raw + dst->n * per, src->raw + from * per, count * per * sizeof(double));
	memcpy(dst->sync + dst->n, src->sync + from, count * sizeof(uint32_t));
	dst->n += count;
	/* GAP, RESUMED, OVERRUN mark src's first sample: only its frame gets them. */
	dst->flags |= from == 0 ? src->flags : (src->flags & FP_BLK_SATURATED);
	dst->t_host_ns = src->t_host_ns;
	dst->belt_speed_mps = src->belt_speed_mps;
}

/* Move what was read into the staging block into ring slots. A frame must
 * be contiguous, so a discontinuity closes the block being filled first. */
static void stage_into_slots(struct fpd *d, struct fpd_fill *f, const struct fp_block *in)
{
	uint32_t done = 0;

	if (f->blk && f->blk->n && ((in->flags & (FP_BLK_GAP | FP_BLK_RESUMED)) ||
				    in->first_sample != f->blk->first_sample + f->blk->n))
		close_slot(d, f);
	while (done < in->n) {
		uint32_t room;
		uint32_t take;

		if (!f->blk)
			open_slot(d, f);
		room = f->blk->capacity - f->blk->n;
		take = in->n - done < room ? in->n - done : room;

		append(f->blk, in, done, take);
		done += take;
		if (f->blk->n == f->blk->capacity)
			close_slot(d, f);
	}
}

static void on_data(struct fpd *d, struct fpd_fill *f, struct fp_block *in)
{
	struct fpd_acq *a = &d->acq;

	/* The partial block was closed when the device went: these samples
	 * start a block, which carries the flag. */
	if (atomic_load(&a->state) == FPD_DEV_GONE)
		in->flags |= FP_BLK_RESUMED;
	if (atomic_load(&a->state) != FPD_DEV_RUNNING)
		set_state(a, FPD_DEV_RUNNING);
	stage_into_slots(d, f, in);
}

/*
 * Coalescing (cfg.coalesce, paced devices only). A read that returned less
 * than the staging block holds emptied the device's buffer, so its last
 * sample is about as old as the read: sleep until the rest of the block
 * being filled is due, then read it in one go. The backend buffers the
 * samples meanwhile (driver ring, queued USB transfers, sim's clock), so
 * the thread wakes once per block instead of once per device packet, and
 * the block completes when it would have anyway. A read that filled the
 * staging block means a backlog: read again at once. Deadlines are always
 * taken from the last drained read, so lateness never accumulates.
 *
 * Pacing is on CLOCK_MONOTONIC, never on the block's t_host_ns (wall
 * clock): a wall-clock step back of X s (chrony makestep, date -s) would
 * otherwise push an absolute CLOCK_REALTIME deadline X s into the future
 * and stop acquisition for X s while every watchdog stays happy.
 */
#define COALESCE_MARGIN_NS 50000

static int64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* When the rest of the block being filled is due, CLOCK_MONOTONIC ns. */
static int64_t block_deadline(struct fpd *d, const struct fp_block *blk, int64_t read_ns)
{
	uint32_t missing = blk ? blk->capacity - blk->n : d->block_samples;
	int64_t wait = (int64_t)(missing * 1e9 / d->info.rate_hz) + COALESCE_MARGIN_NS;

	return read_ns + (wait < d->cfg.block_ms * 1000000LL ? wait : d->cfg.block_ms * 1000000LL);
}

static void sleep_until(int64_t deadline)
{
	struct timespec ts = { deadline / 1000000000, deadline % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Devices deliver packets (1 ms for sim:// and USB); frames are block_ms
 * long. Reads land in the staging block (two blocks long, so a backlog is
 * visible) and are cut into ring slots. A partial block is flushed when a
 * read times out or the device goes away, so nothing waits for samples
 * that are not coming.
 */
/* Apply a device-set request of the control socket (see fplated.h). */
static void apply_device_set(struct fpd *d)
{
	struct fpd_acq *a = &d->acq;

	if (atomic_load_explicit(&a->set_state, memory_order_acquire) != FPD_SET_PENDING)
		return;
	pthread_mutex_lock(&a->set_lock);
	if (atomic_load(&a->set_state) == FPD_SET_PENDING) {
		a->set_result = fp_set(d->dev, a->set_key, a->set_value, a->set_msg,
				       sizeof(a->set_msg));
		atomic_store(&a->set_state, FPD_SET_DONE);
	}
	pthread_mutex_unlock(&a->set_lock);
}

/*
 * One read and what follows from it. Returns 1 when acquisition is over
 * (end of source, failure), else 0. *due_ns (CLOCK_MONOTONIC) is when the
 * next read should be made: the rest of the block when coalescing, the
 * retry while the device is gone; 0 to read again at once.
 */
static int acquire_once(struct fpd *d, struct fpd_fill *f, int coalesce, int64_t *due_ns)
{
	struct fpd_acq *a = &d->acq;
	int64_t read_ns;
	int ret;

	*due_ns = 0;
	apply_device_set(d);
	ret = fp_read(d->dev, &a->staging, READ_TIMEOUT_MS);
	read_ns = mono_now_ns();

	if (ret > 0) {
		on_data(d, f, &a->staging);
		if (coalesce && (uint32_t)ret < a->staging.capacity)
			*due_ns = block_deadline(d, f->blk, read_ns);
	} else if (ret == 0) {
		close_slot(d, f);
	} else if (ret == -ENODEV) {
		close_slot(d, f);
		if (atomic_load(&a->state) != FPD_DEV_GONE) {
			snapshot_counters(d);
			set_error(a, fp_device_message(d->dev));
			set_state(a, FPD_DEV_GONE);
		} else if (set_error(a, fp_device_message(d->dev))) {
			wake(a); /* e.g. another amplifier came back instead */
		}
		*due_ns = read_ns + RETRY_MS * 1000000LL;
	} else if (ret == -EPIPE) {
		close_slot(d, f);
		snapshot_counters(d);
		set_state(a, FPD_DEV_ENDED);
		return 1;
	} else {
		char msg[FP_MSG_MAX];

		close_slot(d, f);
		a->error = ret;
		snprintf(msg, sizeof(msg), "%s%s%s", fp_strerror(ret),
			 fp_device_message(d->dev)[0] ? ": " : "",
			 fp_device_message(d->dev));
		set_error(a, msg);
		set_state(a, FPD_DEV_FAILED);
		return 1;
	}
	return 0;
}

static void *acquire_thread(void *arg)
{
	struct fpd *d = arg;
	struct fpd_acq *a = &d->acq;
	int coalesce = d->cfg.coalesce && d->info.paced;

	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		int64_t due;

		if (acquire_once(d, &a->fill, coalesce, &due))
			break;
		if (due)
			sleep_until(due);
	}
	/* Stopping: publish what was read. */
	close_slot(d, &a->fill);
	return NULL;
}

/*
 * The device-paced path (see fplated.h): the main thread reads, and the
 * block it completes is processed right after by the same thread, so a
 * frame costs one wake-up instead of two plus an eventfd round trip.
 */
int fpd_acq_inline(const struct fpd *d)
{
	return d->cfg.single_thread && d->cfg.coalesce && d->info.paced;
}

int fpd_acq_step(struct fpd *d, int64_t *due_ns)
{
	d->acq.inline_mode = 1;
	return acquire_once(d, &d->acq.fill, 1, due_ns);
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
	if (d->acq.inline_mode) {
		close_slot(d, &d->acq.fill); /* publish what was read */
		snapshot_counters(d);
		return;
	}
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
	fp_block_release(&a->staging);
	pthread_mutex_destroy(&a->counters_lock);
	pthread_mutex_destroy(&a->set_lock);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	a->wake_fd = -1;
}
