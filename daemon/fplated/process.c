// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * process.c - the processing side, run on the main thread: take blocks off
 * the ring, check the sample index for gaps, fit host time to the index,
 * calibrate (forces, moments, COP, free moment), hand the frames to the
 * stages, encode one `force` frame per block and publish it; and build the
 * `status` message.
 *
 * All buffers are allocated once in fpd_proc_init(): nothing is allocated
 * per block or per sample, and the only system calls per block are the
 * eventfd read and the ZeroMQ send.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fplated.h"
#include "fplate/wire.h"

/* The time fit remembers about this many seconds of blocks. */
#define FIT_MEMORY_S 30.0

int fpd_proc_init(struct fpd *d)
{
	struct fpd_proc *p = &d->proc;
	double blocks_per_s = d->info.rate_hz / d->block_samples;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = fp_frames_init(&p->frames, d->info.plates, d->block_samples);
	if (ret)
		return ret;
	fp_timefit_init(&p->fit, d->info.rate_hz, FIT_MEMORY_S * blocks_per_s);
	p->wire_len = fp_wire_size(d->block_samples, d->info.plates, FP_NFIELDS, 1);
	p->wire = malloc(p->wire_len);
	if (!p->wire)
		return -ENOMEM;
	p->rate_hz = NAN;
	p->last_state = -1;
	p->next_status_ns = fpd_now_ns(CLOCK_MONOTONIC);
	return 0;
}

void fpd_proc_release(struct fpd *d)
{
	fp_frames_release(&d->proc.frames);
	free(d->proc.wire);
	d->proc.wire = NULL;
}

/* Gaps are judged by the sample index alone, whoever noticed them. */
static uint32_t account_gaps(struct fpd *d, const struct fp_block *blk)
{
	struct fpd_proc *p = &d->proc;
	uint32_t flags = blk->flags;

	if (p->have_next && blk->first_sample != p->next_sample) {
		flags |= FP_BLK_GAP;
		if (blk->first_sample > p->next_sample)
			d->stats.lost_samples += blk->first_sample - p->next_sample;
	}
	if (flags & FP_BLK_GAP)
		d->stats.gaps++;
	if (flags & FP_BLK_RESUMED)
		d->stats.resumes++;
	p->next_sample = blk->first_sample + blk->n;
	p->have_next = 1;
	return flags;
}

static void publish_block(struct fpd *d, const struct fp_block *blk, uint32_t flags)
{
	struct fpd_proc *p = &d->proc;
	struct fp_frames *f = &p->frames;
	struct fp_wire_header h = { 0 };
	long len;

	h.stream_id = d->stream_id;
	h.flags = (flags | f->flags) & 0xff;
	h.sequence = p->sequence++;
	h.first_sample = blk->first_sample;
	h.t0_ns = fp_timefit_time(&p->fit, blk->first_sample);
	h.period_ns = fp_timefit_period_ns(&p->fit);
	h.t_recv_ns = blk->t_host_ns;
	h.n_samples = f->n;
	h.n_plates = (uint16_t)f->plates;
	h.n_fields = FP_NFIELDS;
	h.belt_speed_mps = (float)f->belt_speed_mps;
	len = fp_wire_encode(&h, f->v, d->info.has_sync ? blk->sync : NULL, p->wire,
			     p->wire_len);
	if (len < 0) {
		fpd_err("cannot encode a force frame of %u samples: %s", f->n,
			fp_strerror((int)len));
		return;
	}
	if (h.flags & FP_BLK_SATURATED)
		d->stats.saturated_frames++;
	d->stats.frames++;
	fpd_pub_send(&d->pub, FP_TOPIC_FORCE, p->wire, (size_t)len);
}

static void note_rate_point(struct fpd *d, const struct fp_block *blk)
{
	struct fpd_rate_point *b = &d->proc.rate_best;
	uint64_t end = blk->first_sample + blk->n;
	int64_t delay = blk->t_host_ns - (int64_t)llround((double)end * 1e9 / d->info.rate_hz);

	if (!b->valid || delay < b->delay_ns)
		*b = (struct fpd_rate_point){ end, blk->t_host_ns, delay, 1 };
}

static void process_block(struct fpd *d, const struct fp_block *blk)
{
	struct fpd_proc *p = &d->proc;
	uint32_t flags;
	int ret;

	if (!blk->n)
		return;
	flags = account_gaps(d, blk);
	/* A device that came back may have restarted its clock. */
	if (flags & FP_BLK_RESUMED)
		fp_timefit_reset(&p->fit);
	fp_timefit_update(&p->fit, blk->first_sample + blk->n - 1, blk->t_host_ns);
	ret = fp_calib_apply(&d->cal, d->info.unit, blk, &p->frames);
	if (ret) {
		fpd_err("calibration of a block failed: %s", fp_strerror(ret));
		return;
	}
	/* the belt speed the source reports, else the one set on the control socket */
	if (!isfinite(p->frames.belt_speed_mps))
		p->frames.belt_speed_mps = d->settings.belt_speed_mps;
	fpd_ctl_block(d, blk, &p->frames);
	fpd_record_frames(d, &p->frames);
	fpd_stages_frames(d, &p->frames);
	publish_block(d, blk, flags);
	d->stats.samples += blk->n;
	note_rate_point(d, blk);
}

int fpd_proc_drain(struct fpd *d)
{
	struct fpd_acq *a = &d->acq;
	uint64_t count;
	int i, done = 0;

	/* Clear the wake-up first: a block committed after this read will
	 * wake us again, so none is left behind. */
	if (read(a->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		fpd_warn("reading the wake-up eventfd: %s", strerror(errno));
	while ((i = fp_ring_peek(&a->ring)) >= 0) {
		process_block(d, &a->slots[i]);
		fp_ring_release(&a->ring);
		done++;
	}
	return done;
}

/* Device samples per second of host time over the last status period:
 * between the least-delayed blocks of this period and the one before. */
static void update_rate(struct fpd_proc *p)
{
	struct fpd_rate_point *b = &p->rate_best, *a = &p->rate_prev;

	if (!b->valid) {
		if (a->valid)
			p->rate_hz = 0; /* nothing arrived for a whole period */
		a->valid = 0;
		return;
	}
	if (a->valid && b->index > a->index && b->t_ns > a->t_ns)
		p->rate_hz = (double)(b->index - a->index) * 1e9 / (double)(b->t_ns - a->t_ns);
	*a = *b;
	b->valid = 0;
}

static json_t *device_json(struct fpd *d)
{
	struct fp_counters c;
	int state = atomic_load(&d->acq.state);
	json_t *dev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:s, s:s}",
				"uri", d->info.uri, "backend", d->info.backend,
				"model", d->info.model, "serial", d->info.serial,
				"state", fpd_dev_state_name(state),
				"plates", (json_int_t)d->info.plates,
				"channels", (json_int_t)d->info.channels,
				"nominal_rate_hz", d->info.rate_hz,
				"calibration", d->cal.id, "calibration_source", d->calib_source);

	if (state == FPD_DEV_GONE || state == FPD_DEV_FAILED)
		json_object_set_new(dev, "error", json_string(d->acq.error_msg));
	/* The acquisition thread's copy: at most ~COUNTERS_EVERY blocks old. */
	pthread_mutex_lock(&d->acq.counters_lock);
	c = d->acq.counters;
	pthread_mutex_unlock(&d->acq.counters_lock);
	json_object_set_new(dev, "counters",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				  "samples", (json_int_t)c.samples, "packets", (json_int_t)c.packets,
				  "gaps", (json_int_t)c.gaps, "lost_samples", (json_int_t)c.lost_samples,
				  "malformed", (json_int_t)c.malformed,
				  "overruns", (json_int_t)c.overruns,
				  "disconnects", (json_int_t)c.disconnects));
	return dev;
}

json_t *fpd_status_json(struct fpd *d)
{
	struct fpd_proc *p = &d->proc;
	struct fp_ring *r = &d->acq.ring;
	double period = fp_timefit_period_ns(&p->fit);
	json_t *s;

	s = json_pack("{s:s, s:i, s:I, s:f, s:I, s:s}",
		      "type", "status", "version", 1,
		      "time_ns", (json_int_t)fpd_now_ns(CLOCK_REALTIME),
		      "uptime_s", (double)(fpd_now_ns(CLOCK_MONOTONIC) - d->start_mono_ns) / 1e9,
		      "stream_id", (json_int_t)d->stream_id, "endpoint", d->cfg.endpoint);
	json_object_set_new(s, "rate_hz", isfinite(p->rate_hz) ? json_real(p->rate_hz)
							       : json_null());
	json_object_set_new(s, "clock_rate_hz", json_real(1e9 / period));
	json_object_set_new(s, "clock_late_blocks", json_integer((json_int_t)p->fit.outliers));
	json_object_set_new(s, "samples", json_integer((json_int_t)d->stats.samples));
	json_object_set_new(s, "frames", json_integer((json_int_t)d->stats.frames));
	json_object_set_new(s, "gaps", json_integer((json_int_t)d->stats.gaps));
	json_object_set_new(s, "lost_samples", json_integer((json_int_t)d->stats.lost_samples));
	json_object_set_new(s, "saturated_frames",
			    json_integer((json_int_t)d->stats.saturated_frames));
	json_object_set_new(s, "resumes", json_integer((json_int_t)d->stats.resumes));
	json_object_set_new(s, "dropped", json_integer((json_int_t)d->pub.dropped));
	json_object_set_new(s, "published", json_integer((json_int_t)d->pub.sent));
	json_object_set_new(s, "block_samples", json_integer(d->block_samples));
	json_object_set_new(s, "ring", json_pack("{s:i, s:i, s:i, s:I, s:I}",
		"slots", (int)fp_ring_capacity(r), "fill", (int)fp_ring_fill(r),
		"high_water", (int)fp_ring_high_water(r),
		"overruns", (json_int_t)fp_ring_overruns(r),
		"overrun_blocks", (json_int_t)atomic_load(&d->acq.overrun_blocks)));
	json_object_set_new(s, "device", device_json(d));
	fpd_stages_status(d, s);
	return s;
}

void fpd_publish_status(struct fpd *d)
{
	json_t *s = fpd_status_json(d);

	if (s) {
		fpd_publish_json(d, FP_TOPIC_STATUS, s);
		json_decref(s);
	}
}

int fpd_status_tick(struct fpd *d)
{
	struct fpd_proc *p = &d->proc;
	int64_t now = fpd_now_ns(CLOCK_MONOTONIC);
	int state = atomic_load(&d->acq.state);

	if (state != p->last_state) {
		if (p->last_state >= 0 || state != FPD_DEV_STARTING)
			fpd_info("device %s", fpd_dev_state_name(state));
		if (state == FPD_DEV_GONE)
			fpd_warn("device gone (%s), retrying", d->acq.error_msg);
		p->last_state = state;
		fpd_publish_status(d);
	}
	if (now >= p->next_status_ns) {
		update_rate(p);
		fpd_publish_status(d);
#ifdef __GLIBC__
		/* Hand free heap pages back to the kernel (issue 23): glibc keeps
		 * them resident, so RSS would creep up to the most the heap ever
		 * held at once (a burst of queued messages, a longer reply) and
		 * hide a real leak among those steps. Trimmed, RSS is what is in
		 * use. About 3 madvise/brk calls per period, under 0.1 ms
		 * (docs/performance.md, make soak). */
		malloc_trim(0);
#endif
		p->next_status_ns += (int64_t)d->cfg.status_ms * 1000000;
		if (p->next_status_ns <= now)
			p->next_status_ns = now + (int64_t)d->cfg.status_ms * 1000000;
	}
	return (int)((p->next_status_ns - now + 999999) / 1000000);
}
