// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * feedback.c - the cue logic of `fplate feedback` (feedback.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback.h"

const struct fb_metric_info fb_metrics[FB_NMETRICS] = {
	[FB_VALR] = { .name = "valr", .key = "valr_bw_s", .unit = "BW/s", .from_impact = 1 },
	[FB_VILR] = { .name = "vilr", .key = "vilr_bw_s", .unit = "BW/s", .from_impact = 1 },
	[FB_IMPACT] = { .name = "impact", .key = "impact_peak_bw", .unit = "BW", .from_impact = 1 },
	[FB_CADENCE] = { .name = "cadence", .key = "cadence_spm", .unit = "steps/min",
			 .higher_better = 1 },
	[FB_CONTACT_ML] = { .name = "contact-ml", .key = "cop_contact_ml_mm", .unit = "mm",
			    .distance = 1 },
};

int fb_metric_parse(const char *s, enum fb_metric *m)
{
	for (int i = 0; i < FB_NMETRICS; i++)
		if (!strcmp(s, fb_metrics[i].name)) {
			*m = (enum fb_metric)i;
			return 0;
		}
	return -EINVAL;
}

int fb_schedule_parse(const char *s, struct fb_schedule *sc, char *msg, size_t len)
{
	unsigned int on, off;
	int used = 0;

	if (!strcmp(s, "every")) {
		*sc = (struct fb_schedule){ FB_EVERY, 1, 0 };
		return 0;
	}
	if (!strcmp(s, "alternate")) {
		*sc = (struct fb_schedule){ FB_ALTERNATE, 1, 1 };
		return 0;
	}
	if (sscanf(s, "blocks:%u:%u%n", &on, &off, &used) == 2 && !s[used] && on >= 1 &&
	    on <= 10000 && off <= 10000) {
		*sc = (struct fb_schedule){ FB_BLOCKS, on, off };
		return 0;
	}
	snprintf(msg, len, "--schedule '%s': expected every, alternate or blocks:ON:OFF "
		 "(steps with feedback, then without; ON 1..10000)", s);
	return -EINVAL;
}

void fb_schedule_name(const struct fb_schedule *sc, char *out, size_t len)
{
	if (sc->kind == FB_EVERY)
		snprintf(out, len, "every step");
	else if (sc->kind == FB_ALTERNATE)
		snprintf(out, len, "every other step");
	else
		snprintf(out, len, "blocks %u on / %u off", sc->on, sc->off);
}

void fb_init(struct fb_state *st)
{
	memset(st, 0, sizeof(*st));
	st->metric = FB_VALR;
	st->target_abs = NAN;
	st->change_pct = 20;
	st->baseline_steps = 20;
	st->tolerance = FB_TOL_DEFAULT;
	st->sched = (struct fb_schedule){ FB_EVERY, 1, 0 };
	st->foot[0].target = st->foot[1].target = NAN;
}

static int scheduled(const struct fb_schedule *sc, uint64_t k)
{
	switch (sc->kind) {
	case FB_ALTERNATE:
		return k % 2 == 0;
	case FB_BLOCKS:
		return k % (sc->on + sc->off) < sc->on;
	default:
		return 1;
	}
}

static double factor(const struct fb_state *st)
{
	double f = fb_metrics[st->metric].higher_better ? 1 + st->change_pct / 100
							: 1 - st->change_pct / 100;

	return f;
}

void fb_step(struct fb_state *st, char foot, double value, struct fb_cue *cue)
{
	struct fb_foot *ft = &st->foot[foot == 'R'];
	int higher = fb_metrics[st->metric].higher_better;

	*cue = (struct fb_cue){ .foot = foot, .value = value, .target = NAN };
	if (!isfinite(value) || (foot != 'L' && foot != 'R'))
		return;
	if (isfinite(st->target_abs)) {
		cue->target = st->target_abs;
	} else if (ft->base_n < st->baseline_steps) {
		ft->base_sum += value;
		ft->base_n++;
		cue->baseline = 1;
		if (ft->base_n == st->baseline_steps)
			ft->target = ft->base_sum / ft->base_n * factor(st);
		return;                  /* no cue while the baseline is measured */
	} else {
		cue->target = ft->target;
	}
	cue->shown = scheduled(&st->sched, st->steps++);
	if (fb_metrics[st->metric].distance)      /* medial and lateral alike */
		cue->over = fabs(value - cue->target) > st->tolerance;
	else
		cue->over = higher ? value < cue->target : value > cue->target;
}

void fb_adjust(struct fb_state *st, double pct)
{
	if (fb_metrics[st->metric].distance) {
		st->tolerance = fmax(FB_TOL_STEP, st->tolerance + FB_TOL_STEP * pct);
		return;
	}
	if (isfinite(st->target_abs)) {
		st->target_abs *= 1 + pct / 100;
		return;
	}
	st->change_pct -= fb_metrics[st->metric].higher_better ? -pct : pct;
	for (int f = 0; f < 2; f++)
		if (st->foot[f].base_n == st->baseline_steps && st->baseline_steps)
			st->foot[f].target = st->foot[f].base_sum / st->foot[f].base_n * factor(st);
}

void fb_rebaseline(struct fb_state *st)
{
	for (int f = 0; f < 2; f++)
		st->foot[f] = (struct fb_foot){ .target = NAN };
	st->steps = 0;
}

void fb_tone(int16_t *pcm, size_t n, double hz, double rate)
{
	size_t ramp = (size_t)(0.005 * rate);

	for (size_t i = 0; i < n; i++) {
		double a = 0.5, t = (double)i / rate;

		if (i < ramp)
			a *= (double)i / (double)ramp;
		if (n - i <= ramp)
			a *= (double)(n - i - 1) / (double)ramp;
		pcm[i] = (int16_t)lround(32767.0 * a * sin(2 * M_PI * hz * t));
	}
}
