/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * feedback.h - the cue logic of `fplate feedback` (feedback.c), apart from
 * its terminal and sound: which metric, the per-foot target (absolute or a
 * percentage below / above a baseline of the first steps), the faded
 * feedback schedule, and the tone. docs/feedback.md.
 */
#ifndef FPLATE_FEEDBACK_H
#define FPLATE_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

enum fb_metric { FB_VALR, FB_VILR, FB_IMPACT, FB_CADENCE, FB_CONTACT_ML, FB_NMETRICS };

struct fb_metric_info {
	const char *name;            /* --metric */
	const char *key;             /* JSON key of the impact or step message */
	const char *unit;
	int from_impact;             /* 1: the impact topic; 0: the step topic */
	int higher_better;           /* 1: a cue when below target (cadence) */
	int distance;                /* 1: a signed position (contact ML): the target is a
	                              * position, a cue when |value - target| > tolerance */
};
extern const struct fb_metric_info fb_metrics[FB_NMETRICS];

enum fb_schedule_kind { FB_EVERY, FB_ALTERNATE, FB_BLOCKS };

struct fb_schedule {
	enum fb_schedule_kind kind;
	unsigned int on, off;        /* FB_BLOCKS: steps with cues, then without */
};

#define FB_BASELINE_MAX 200
#define FB_TOL_DEFAULT 5.0          /* mm: a few times the 1-2 mm of contact ML (docs/metrics.md) */
#define FB_TOL_STEP 0.5

struct fb_foot {
	double base_sum;
	unsigned int base_n;         /* steps in the baseline so far */
	double target;               /* NaN until known */
};

struct fb_state {
	enum fb_metric metric;
	double target_abs;           /* NaN: from the baseline */
	double change_pct;           /* target = baseline * (1 - pct/100), or (1 + pct/100) if higher_better */
	unsigned int baseline_steps;
	double tolerance;            /* distance metrics: the band around the target */
	struct fb_schedule sched;
	struct fb_foot foot[2];      /* L, R */
	uint64_t steps;              /* steps seen (the schedule counts them) */
};

/* One step's verdict. */
struct fb_cue {
	char foot;
	double value, target;        /* target NaN: still in the baseline */
	int over;                    /* 1: worse than the target (a tone); distance
	                              * metrics: farther than the tolerance from it */
	int shown;                   /* 1: the schedule gives feedback on this step */
	int baseline;                /* 1: this step went into the baseline */
};

int fb_metric_parse(const char *s, enum fb_metric *m);
/* "every", "alternate", "blocks:ON:OFF". 0 or -EINVAL (msg names the value). */
int fb_schedule_parse(const char *s, struct fb_schedule *sc, char *msg, size_t len);
void fb_schedule_name(const struct fb_schedule *sc, char *out, size_t len);
void fb_init(struct fb_state *st);
/* Take one step's value for foot 'L' or 'R'; fills *cue. */
void fb_step(struct fb_state *st, char foot, double value, struct fb_cue *cue);
/* Change the target by pct points (+: less strict for lower-better metrics);
 * for a distance metric widen (+) or narrow the tolerance by FB_TOL_STEP per point. */
void fb_adjust(struct fb_state *st, double pct);
/* Start a new baseline. */
void fb_rebaseline(struct fb_state *st);

/* A tone: n samples of a sine burst at hz with 5 ms ramps, 16-bit mono at rate. */
void fb_tone(int16_t *pcm, size_t n, double hz, double rate);

#endif
