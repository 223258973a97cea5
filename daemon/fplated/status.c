// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status.c - the `status` message (docs/wire-format.md): counters of the
 * device, the ring, processing and publishing, the rate measured over the
 * last status period, and what each stage adds. Published every status_ms
 * and at every device state change, and the reply to `status` on the
 * control socket.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "fplated.h"
#include "fplate/wire.h"

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

	if (state == FPD_DEV_GONE || state == FPD_DEV_FAILED) {
		char msg[FP_MSG_MAX];

		fpd_acq_error(d, msg, sizeof(msg));
		json_object_set_new(dev, "error", json_string(msg));
	}
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

/*
 * Whether the kernel considers CLOCK_REALTIME synchronised (an NTP or PTP
 * daemon disciplines it and clears STA_UNSYNC) and the error bounds it was
 * told: every frame time is this clock, so it is only as good as this.
 */
static json_t *clock_sync_json(void)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx)); /* modes 0: read only, no privilege needed */
	state = adjtimex(&tx);
	if (state < 0)
		return json_pack("{s:n, s:s}", "synchronised", "error", strerror(errno));
	return json_pack("{s:b, s:I, s:I, s:s}",
			 "synchronised", state != TIME_ERROR && !(tx.status & STA_UNSYNC),
			 "esterror_us", (json_int_t)tx.esterror,
			 "maxerror_us", (json_int_t)tx.maxerror,
			 "state", state == TIME_OK ? "ok" : state == TIME_INS ? "insert leap second" :
				  state == TIME_DEL ? "delete leap second" :
				  state == TIME_OOP ? "leap second in progress" :
				  state == TIME_WAIT ? "leap second done" : "unsynchronised");
}

json_t *fpd_status_json(struct fpd *d)
{
	struct fpd_proc *p = &d->proc;
	struct fp_ring *r = &d->acq.ring;
	double period = fp_timefit_period_ns(&p->fit);
	int64_t now = fp_clock_ns(CLOCK_REALTIME);
	json_t *s;

	/* time_ns is beyond 2^53: time_s + time_nsec are exact in a double */
	s = json_pack("{s:s, s:i, s:I, s:I, s:I, s:f, s:I, s:s}",
		      "type", "status", "version", 1,
		      "time_ns", (json_int_t)now,
		      "time_s", (json_int_t)(now / 1000000000),
		      "time_nsec", (json_int_t)(now % 1000000000),
		      "uptime_s", (double)(fp_clock_ns(CLOCK_MONOTONIC) - d->start_mono_ns) / 1e9,
		      "stream_id", (json_int_t)d->stream_id, "endpoint", d->cfg.endpoint);
	json_object_set_new(s, "rate_hz", isfinite(p->rate_hz) ? json_real(p->rate_hz)
							       : json_null());
	json_object_set_new(s, "clock_rate_hz", json_real(1e9 / period));
	json_object_set_new(s, "clock_late_blocks", json_integer((json_int_t)p->fit.outliers));
	json_object_set_new(s, "clock_sync", clock_sync_json());
	json_object_set_new(s, "stream_name", json_string(d->cfg.name));
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
	/* since the daemon started, whatever reset-counters did */
	json_object_set_new(s, "lifetime", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"samples", (json_int_t)(d->stats.samples + d->stats_before_reset.samples),
		"gaps", (json_int_t)(d->stats.gaps + d->stats_before_reset.gaps),
		"lost_samples", (json_int_t)(d->stats.lost_samples +
					     d->stats_before_reset.lost_samples),
		"saturated_frames", (json_int_t)(d->stats.saturated_frames +
						 d->stats_before_reset.saturated_frames),
		"resumes", (json_int_t)(d->stats.resumes + d->stats_before_reset.resumes),
		"dropped", (json_int_t)(d->pub.dropped + d->dropped_before_reset),
		"counter_resets", (json_int_t)d->resets,
		"refused_requests", (json_int_t)d->ctl.refused_total));
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
	int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
	int state = atomic_load(&d->acq.state);
	unsigned error_seq = atomic_load(&d->acq.error_seq);
	char msg[FP_MSG_MAX];

	if (state != p->last_state) {
		if (p->last_state >= 0 || state != FPD_DEV_STARTING)
			fpd_info("device %s", fpd_dev_state_name(state));
		if (state == FPD_DEV_GONE) {
			fpd_acq_error(d, msg, sizeof(msg));
			fpd_warn("device gone (%s), retrying", msg);
		}
		p->last_state = state;
		p->last_error_seq = error_seq;
		fpd_publish_status(d);
	} else if (state == FPD_DEV_GONE && error_seq != p->last_error_seq) {
		/* Still gone, for another reason: one line per change, not per retry. */
		fpd_acq_error(d, msg, sizeof(msg));
		fpd_warn("device still gone (%s), retrying", msg);
		p->last_error_seq = error_seq;
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
