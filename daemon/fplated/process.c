// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * process.c - the processing side, run on the main thread: take blocks off
 * the ring, check the sample index for gaps, fit host time to the index,
 * calibrate (forces, moments, COP, free moment), encode one `force` frame
 * per block and publish it, then hand the frames to the stages (stages.c).
 * The `status` message is built in status.c.
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
	p->next_status_ns = fp_clock_ns(CLOCK_MONOTONIC);
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

/*
 * The status rate is measured on CLOCK_MONOTONIC when the block is
 * processed, not on its wall-clock arrival stamp: a step of the wall clock
 * (chrony makestep, date -s) would otherwise show as a rate of thousands
 * of Hz off for one status period, and a small one as a percent off.
 * Processing is later than arrival by a one-sided delay, which the
 * least-delayed choice removes as it does the arrival's.
 */
static void note_rate_point(struct fpd *d, const struct fp_block *blk)
{
	struct fpd_rate_point *b = &d->proc.rate_best;
	uint64_t end = blk->first_sample + blk->n;
	int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
	int64_t delay = now - (int64_t)llround((double)end * 1e9 / d->info.rate_hz);

	if (!b->valid || delay < b->delay_ns)
		*b = (struct fpd_rate_point){ end, now, delay, 1 };
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
	/*
	 * The force frame goes out first: the stages (a recording's write, a
	 * step's metrics) cannot change it (they get it const) and must not
	 * delay it; an impact or step message derived from these samples
	 * follows the frame that carries them.
	 */
	publish_block(d, blk, flags);
	fpd_stages_frames(d, blk, &p->frames);
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
	if (!a->inline_mode && read(a->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		fpd_warn("reading the wake-up eventfd: %s", strerror(errno));
	while ((i = fp_ring_peek(&a->ring)) >= 0) {
		process_block(d, &a->slots[i]);
		fp_ring_release(&a->ring);
		done++;
	}
	return done;
}
