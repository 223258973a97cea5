// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * timefit.c - exponentially weighted linear fit of host time against the
 * device sample index (see timefit.h).
 */
#include <math.h>
#include <stdlib.h>

#include "timefit.h"

/* Updates before the slope is trusted over the nominal period... */
#define FIT_MIN_POINTS 8
/* ... and the span of samples they must cover (ns at the nominal rate):
 * arrival jitter of a few ms over less than a second bends a fitted slope
 * by a percent, over 5 s by well under 1e-4 (least squares over hundreds
 * of blocks), while a crystal's 50 ppm costs the nominal period only
 * 0.25 ms over those 5 s. */
#define FIT_MIN_SPAN_NS 5e9
/* A residual this large (ns) is a discontinuity, not jitter. */
#define FIT_RESET_NS 200000000LL
/* Arrivals cannot be early by more than the spread of the delays the fit
 * keeps (stalls over FIT_LATE_NS are left out): this much earlier than the
 * fit, the host clock stepped back. Absorbed into the fit instead, a 40 ms
 * step bent the slope by 0.5 % for tens of seconds. */
#define FIT_EARLY_NS 10000000LL
/* Arrivals later than the fit by more than this are scheduling stalls:
 * left out of the fit, since delays are one-sided and would drag it late. */
#define FIT_LATE_NS 5000000LL
/* ... unless they keep coming late for this long (ns of samples): then
 * time really moved. */
#define FIT_LATE_SPAN_NS 2000000000.0

void fp_timefit_init(struct fp_timefit *tf, double nominal_rate_hz,
		     double time_constant_points)
{
	tf->nominal_period_ns = nominal_rate_hz > 0 ? 1e9 / nominal_rate_hz : 1e6;
	tf->forget = time_constant_points > 1 ? 1.0 - 1.0 / time_constant_points : 0.5;
	tf->outliers = 0;
	fp_timefit_reset(tf);
}

void fp_timefit_reset(struct fp_timefit *tf)
{
	tf->points = 0;
	tf->last_index = 0;
	tf->origin_ns = 0;
	tf->origin_index = 0;
	tf->weight = 0;
	tf->mean_x = tf->mean_y = 0;
	tf->cxx = tf->cxy = 0;
	tf->late_run = 0;
}

/* 1: leave this observation out; may reset the fit. */
static int screen(struct fp_timefit *tf, uint64_t index, int64_t t_ns)
{
	int64_t residual;

	if (!tf->points)
		return 0;
	residual = t_ns - fp_timefit_time(tf, index);
	/* A device that restarted its index, or time that ran backward. */
	if (index < tf->last_index || residual < -FIT_EARLY_NS ||
	    (tf->points < FIT_MIN_POINTS && residual > FIT_RESET_NS)) {
		fp_timefit_reset(tf);
		return 0;
	}
	if (tf->points >= FIT_MIN_POINTS && residual > FIT_LATE_NS) {
		if (!tf->late_run++)
			tf->late_since = index;
		if ((double)(index - tf->late_since) * tf->nominal_period_ns < FIT_LATE_SPAN_NS) {
			tf->outliers++;
			return 1;
		}
		fp_timefit_reset(tf);
		return 0;
	}
	tf->late_run = 0;
	return 0;
}

void fp_timefit_update(struct fp_timefit *tf, uint64_t index, int64_t t_ns)
{
	double x, y, dx, dy, a;

	if (screen(tf, index, t_ns))
		return;
	if (!tf->points) {
		tf->origin_ns = t_ns;
		tf->origin_index = index;
	}
	x = (double)(index - tf->origin_index);
	y = (double)(t_ns - tf->origin_ns);
	tf->weight = tf->forget * tf->weight + 1.0;
	a = 1.0 / tf->weight;
	dx = x - tf->mean_x;
	dy = y - tf->mean_y;
	tf->mean_x += a * dx;
	tf->mean_y += a * dy;
	tf->cxx = tf->forget * tf->cxx + dx * (x - tf->mean_x);
	tf->cxy = tf->forget * tf->cxy + dx * (y - tf->mean_y);
	tf->last_index = index;
	tf->points++;
}

double fp_timefit_period_ns(const struct fp_timefit *tf)
{
	double b;

	if (tf->points < FIT_MIN_POINTS || !(tf->cxx > 0) ||
	    (double)(tf->last_index - tf->origin_index) * tf->nominal_period_ns < FIT_MIN_SPAN_NS)
		return tf->nominal_period_ns;
	b = tf->cxy / tf->cxx;
	/* A slope far from nominal means a stall or a jump, not drift:
	 * clock crystals are off by ppm, not percent. */
	if (!(fabs(b / tf->nominal_period_ns - 1.0) < 0.05))
		return tf->nominal_period_ns;
	return b;
}

int64_t fp_timefit_time(const struct fp_timefit *tf, uint64_t index)
{
	double x = (double)index - (double)tf->origin_index;
	double b = fp_timefit_period_ns(tf);
	double y;

	/* The fitted line passes through the weighted means. */
	y = tf->mean_y + (x - tf->mean_x) * b;
	return tf->origin_ns + (int64_t)llround(y);
}
