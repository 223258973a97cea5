// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_gait_impact.c - the impact event (fp_gait_next_impact) against the
 * step record of the same stance, for every stance of simulated running
 * (rear-, mid- and forefoot, single and split belt) and of a replayed real
 * treadmill run (../shared/data/c3d/fukuchi_RBDS001runT35.c3d), pushed in
 * fplated's 10 ms blocks:
 *  - every step record with an impact phase has exactly one impact event,
 *    queued before the record, with bit-identical impact peak, time to
 *    impact, VALR, VILR (N and BW), virtual flag, contact sample and plate;
 *  - the foot of the event is the record's, except where the record itself
 *    says the foot was guessed;
 *  - an event sent "in stance" was really known before the toe-off sample
 *    arrived, and its delay is the known sample minus the contact sample;
 *  - where the definition (metrics_version 4, docs/metrics.md "Impact
 *    event") lets the event be decided in stance — body weight known and an
 *    expected contact time from the same foot's previous stances — it is:
 *    no earlier than the samples it uses (up to the impact peak, or the
 *    whole 30 % window for a virtual peak, + 1) have settled in the filter,
 *    and a virtual one no later than the first 2 ms check after that; the
 *    13 % point lies at 13 % of that expected contact time. The expected
 *    contact time is recomputed here from the step records, the settling
 *    from the analogue Butterworth prototype (bilinear transform).
 * The delays are printed (their latency budget is benchmarked in
 * tests/bench, not asserted here).
 */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/gait.h"

#define MAXN 1024

struct run {
	struct fp_step steps[MAXN];
	size_t n_steps;
	struct fp_impact imp[MAXN];
	size_t n_imp;
	size_t imp_at_step[MAXN];       /* impacts popped before step i was popped */
	double rate;
	size_t n_imp_plates;
};

static void drain(struct fp_gait *g, struct run *r)
{
	while (r->n_imp < MAXN && fp_gait_next_impact(g, &r->imp[r->n_imp]))
		r->n_imp++;
	while (r->n_steps < MAXN && fp_gait_next_step(g, &r->steps[r->n_steps])) {
		r->imp_at_step[r->n_steps] = r->n_imp;
		r->n_steps++;
	}
}

/* Replay uri (at most `seconds`) through calibration and the gait module in blocks of 10 ms. */
static int run_uri(const char *uri, double seconds, struct run *r)
{
	struct fp_device *dev;
	struct fp_info info;
	struct fp_calib cal;
	struct fp_block blk;
	struct fp_frames fr;
	struct fp_gait_options opt;
	struct fp_gait_config cfg;
	struct fp_gait *g;
	char msg[FP_MSG_MAX];
	uint64_t total = 0;
	uint32_t block;

	memset(r, 0, sizeof(*r));
	if (fp_open(uri, &dev, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", uri, msg);
		return -1;
	}
	fp_info(dev, &info);
	fp_get_calibration(dev, &cal);
	fp_block_init(&blk, &info, 1000);
	fp_frames_init(&fr, info.plates, 1000);
	fp_gait_options_default(&opt);
	if (info.plates == 2) {               /* split belt: the sim puts L on plate 0 */
		opt.plate_foot[0] = 'L';
		opt.plate_foot[1] = 'R';
	}
	if (fp_gait_config_build(&cfg, &info, &cal, &opt, msg, sizeof(msg)) ||
	    fp_gait_open(&cfg, &g, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", uri, msg);
		fp_close(dev);
		return -1;
	}
	r->rate = info.rate_hz;
	r->n_imp_plates = info.plates;
	block = (uint32_t)lround(info.rate_hz / 100.0);   /* fplated's default 10 ms */
	if (block < 1)
		block = 1;
	fp_start(dev);
	while (total < (uint64_t)(seconds * info.rate_hz)) {
		int n = fp_read(dev, &blk, 1000);

		if (n <= 0)
			break;
		fp_calib_apply(&cal, info.unit, &blk, &fr);
		for (uint32_t at = 0; at < fr.n; at += block) {
			struct fp_frames part = fr;

			part.first_sample = fr.first_sample + at;
			part.n = fr.n - at < block ? fr.n - at : block;
			part.v = fr.v + (size_t)at * fr.plates * FP_NFIELDS;
			part.sync = fr.sync ? fr.sync + at : NULL;
			if (at)
				part.flags &= ~(uint32_t)FP_BLK_GAP;
			fp_gait_push(g, &part);
			drain(g, r);
		}
		total += (uint64_t)n;
	}
	fp_gait_flush(g);
	drain(g, r);
	fp_stop(dev);
	fp_gait_close(g);
	fp_frames_release(&fr);
	fp_block_release(&blk);
	fp_close(dev);
	return 0;
}

/* The same number, NaN included (bit-identical apart from NaN payloads). */
static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Check run r; print the delays; returns the number of records with an impact phase. */
static size_t check_run(const char *name, struct run *r, size_t *in_stance_out)
{
	size_t with = 0, in_stance = 0, foot_bad = 0, unmatched_imp = 0, revised = 0, end_open = 0;
	double delays[MAXN], before_toeoff[MAXN];
	size_t nd = 0;

	for (size_t i = 0; i < r->n_steps; i++) {
		const struct fp_step *s = &r->steps[i];
		const struct fp_impact *e = NULL;
		size_t count = 0, at = 0;

		for (size_t k = 0; k < r->n_imp; k++)
			if (r->imp[k].plate == s->plate && r->imp[k].contact_sample == s->contact_sample) {
				e = &r->imp[k];
				at = k;
				count++;
			}
		if (s->flags & FP_STEP_IMPACT_REVISED)
			revised++;
		if (!isfinite(s->impact_peak_n)) {
			/* no impact phase in the record (too short, too long, lost) */
			CU_ASSERT(count == 0 || (s->flags & (FP_STEP_TOO_SHORT | FP_STEP_TOO_LONG |
							      FP_STEP_GAP)));
			continue;
		}
		with++;
		CU_ASSERT_EQUAL(count, 1);
		if (count != 1)
			continue;
		CU_ASSERT(at < r->imp_at_step[i]);      /* queued before the record */
		CU_ASSERT(same(e->impact_peak_n, s->impact_peak_n));
		CU_ASSERT(same(e->impact_peak_bw, s->impact_peak_bw));
		CU_ASSERT(same(e->time_to_impact_ms, s->time_to_impact_ms));
		CU_ASSERT(same(e->valr_n_s, s->valr_n_s));
		CU_ASSERT(same(e->valr_bw_s, s->valr_bw_s));
		CU_ASSERT(same(e->vilr_n_s, s->vilr_n_s));
		CU_ASSERT(same(e->vilr_bw_s, s->vilr_bw_s));
		CU_ASSERT(same(e->body_weight_n, s->body_weight_n));
		CU_ASSERT(same(e->contact_s, s->contact_s));
		CU_ASSERT_EQUAL(e->impact_virtual, s->impact_virtual);
		if (!same(e->valr_n_s, s->valr_n_s) || !same(e->impact_peak_n, s->impact_peak_n))
			printf("\n    %s: contact %llu: event peak %.9g VALR %.9g, record peak %.9g VALR %.9g",
			       name, (unsigned long long)s->contact_sample, e->impact_peak_n,
			       e->valr_n_s, s->impact_peak_n, s->valr_n_s);
		if (e->foot != s->foot && !(s->flags & FP_STEP_FOOT_GUESSED))
			foot_bad++;
		/* delay is what the known sample says, and "in stance" means before toe-off */
		CU_ASSERT(fabs(e->delay_ms - (double)(e->known_sample + 1 - e->contact_sample) *
			       1000.0 / r->rate) < 1e-9);
		if (e->in_stance) {
			CU_ASSERT(e->known_sample < s->toeoff_sample);
			in_stance++;
			before_toeoff[nd] = s->contact_time_ms - e->delay_ms;
			delays[nd++] = e->delay_ms;
		} else {
			CU_ASSERT(e->known_sample >= s->toeoff_sample);
		}
	}
	for (size_t k = 0; k < r->n_imp; k++) {
		int found = 0, later = 0;

		for (size_t i = 0; i < r->n_steps && !found; i++) {
			found = r->steps[i].plate == r->imp[k].plate &&
				r->steps[i].contact_sample == r->imp[k].contact_sample;
			later |= r->steps[i].plate == r->imp[k].plate &&
				 r->steps[i].contact_sample > r->imp[k].contact_sample;
		}
		/* only the stance the data ended in has no record */
		unmatched_imp += !found && later;
		end_open += !found && !later;
	}
	CU_ASSERT(end_open <= r->n_imp_plates);
	CU_ASSERT_EQUAL(foot_bad, 0);
	CU_ASSERT_EQUAL(unmatched_imp, 0);
	qsort(delays, nd, sizeof(double), cmp_double);
	qsort(before_toeoff, nd, sizeof(double), cmp_double);
	printf("\n    %s: %zu records with an impact phase, %zu events (%zu in stance), revised %zu, foot wrong %zu",
	       name, with, r->n_imp, in_stance, revised, foot_bad);
	if (nd)
		printf("; in stance: delay median %.1f ms, max %.1f ms; toe-off came %.1f..%.1f ms later",
		       delays[nd / 2], delays[nd - 1], before_toeoff[0], before_toeoff[nd - 1]);
	*in_stance_out = in_stance;
	return with;
}

/*
 * Samples after which the impulse-response envelope of the 2nd-order
 * Butterworth at cutoff falls below 1 %: its poles are the analogue
 * prototype's w e^(+-j 3pi/4), w = 2 fs tan(pi fc / fs) (pre-warped),
 * mapped by z = (1 + s/2fs) / (1 - s/2fs); capped at the 50 ms padding.
 */
static uint64_t settle_samples(double cutoff, double rate)
{
	double w = 2.0 * rate * tan(M_PI * cutoff / rate);
	double complex sp = w * cexp(I * 3.0 * M_PI / 4.0);
	double r = cabs((1.0 + sp / (2.0 * rate)) / (1.0 - sp / (2.0 * rate)));
	uint64_t n = (uint64_t)ceil(log(0.01) / log(r));
	uint64_t pad = (uint64_t)fmax(10.0, (double)lround(0.05 * rate));

	return n < pad ? n : pad;
}

/*
 * The expected contact time (samples) of record k from the records of
 * the same run: the median contact time of the stances 2, 4 and 6
 * contacts back (any plate) while every step between is under 2 s and
 * none is truncated, each 100 ms to 450 ms; rounded; 0 when none.
 */
static uint64_t expected_ct(const struct run *r, const size_t *order, size_t k)
{
	double v[3];
	size_t n = 0;

	if (r->steps[order[k]].flags & FP_STEP_TRUNCATED)
		return 0;
	for (size_t m = 1; m <= 6 && m <= k; m++) {
		const struct fp_step *h = &r->steps[order[k - m]];
		double len = (double)(h->toeoff_sample - h->contact_sample);

		if ((double)(r->steps[order[k - m + 1]].contact_sample - h->contact_sample) >
		    2 * r->rate || (h->flags & FP_STEP_TRUNCATED))
			break;
		if (m % 2)
			continue;
		if (len < (double)lround(0.1 * r->rate) || len >= 0.45 * r->rate)
			break;
		v[n++] = len;
	}
	if (!n)
		return 0;
	return (uint64_t)llround(fp_test_median(v, n));
}

static const struct run *sort_run;

static int cmp_contact(const void *a, const void *b)
{
	uint64_t x = sort_run->steps[*(const size_t *)a].contact_sample;
	uint64_t y = sort_run->steps[*(const size_t *)b].contact_sample;

	return (x > y) - (x < y);
}

/*
 * When the events of run r were decided, against what the definition
 * allows (see the top of the file). Returns the events checked; *late
 * counts those decided later than allowed (also asserted).
 */
static size_t check_timing(const char *name, struct run *r)
{
	static size_t order[MAXN];
	size_t checked = 0, early = 0, late = 0, wrong13 = 0;
	uint64_t every = (uint64_t)ceil(r->rate / 500.0);

	for (size_t i = 0; i < r->n_steps; i++)
		order[i] = i;
	sort_run = r;
	qsort(order, r->n_steps, sizeof(order[0]), cmp_contact);
	for (size_t k = 0; k < r->n_steps; k++) {
		const struct fp_step *s = &r->steps[order[k]];
		const struct fp_impact *e = NULL;
		uint64_t ref = expected_ct(r, order, k), settle, delay, need;

		if (!ref || !isfinite(s->impact_peak_n) || s->gait != FP_GAIT_RUNNING ||
		    (s->flags & (FP_STEP_NO_BODY_WEIGHT | FP_STEP_IMPACT_REVISED | FP_STEP_GAP)))
			continue;
		for (size_t j = 0; j < r->n_imp; j++)
			if (r->imp[j].plate == s->plate && r->imp[j].contact_sample == s->contact_sample)
				e = &r->imp[j];
		if (!e)
			continue;
		checked++;
		settle = settle_samples(s->cutoff_hz, r->rate);
		delay = e->known_sample + 1 - e->contact_sample;
		if (s->impact_virtual) {
			/* every sample of the 30 % window and the one after it, settled */
			need = (uint64_t)floor(0.3 * (double)ref) + 2 + settle;
			if (fabs(s->time_to_impact_ms - 0.13 * (double)ref * 1000.0 / r->rate) > 1e-9)
				wrong13++;
		} else {
			/* the impact peak and the sample after it, settled */
			need = (uint64_t)llround(s->time_to_impact_ms * r->rate / 1000.0) + 2 + settle;
		}
		early += delay < need;
		/* the last check before it is known: the whole window in */
		late += !e->in_stance ||
			delay > (uint64_t)floor(0.3 * (double)ref) + 2 + settle + every - 1;
	}
	printf("\n    %s: %zu events with body weight and an expected contact time: "
	       "decided too early %zu, too late %zu, 13 %% point wrong %zu",
	       name, checked, early, late, wrong13);
	CU_ASSERT_EQUAL(early, 0);
	CU_ASSERT_EQUAL(late, 0);
	CU_ASSERT_EQUAL(wrong13, 0);
	return checked;
}

static struct run R;

static void test_sim(void)
{
	static const char *const uris[] = {
		"sim://?speed=3.5&strike=rear&plates=1&pace=fast&seed=31",
		"sim://?speed=2.5&strike=rear&plates=1&pace=fast&seed=32",
		"sim://?speed=5&strike=rear&plates=2&pace=fast&seed=33",
		"sim://?speed=4&strike=mid&plates=1&pace=fast&seed=34",
		"sim://?speed=4.5&strike=fore&plates=2&pace=fast&seed=35",
	};

	for (size_t u = 0; u < sizeof(uris) / sizeof(uris[0]); u++) {
		size_t in_stance, with;

		CU_ASSERT_EQUAL_FATAL(run_uri(uris[u], 30, &R), 0);
		with = check_run(uris[u], &R, &in_stance);
		CU_ASSERT(with >= 60);          /* 30 s of running: ~80 steps */
		/* all but the first strides (body weight, previous stances) */
		CU_ASSERT(check_timing(uris[u], &R) + 12 >= with);
		/* rearfoot strikes have an impact peak: known during the stance */
		if (strstr(uris[u], "rear"))
			CU_ASSERT(in_stance * 10 >= with * 9);
	}
}

static void test_real_run(void)
{
	char uri[1024];
	size_t in_stance, with;

	snprintf(uri, sizeof(uri), "c3d://%s/c3d/fukuchi_RBDS001runT35.c3d?rate=fast",
		 fp_test_data_dir());
	CU_ASSERT_EQUAL_FATAL(run_uri(uri, 1000, &R), 0);
	with = check_run("fukuchi_RBDS001runT35", &R, &in_stance);
	CU_ASSERT(with >= 20);
	CU_ASSERT(check_timing("fukuchi_RBDS001runT35", &R) + 12 >= with);
}

/*
 * Walking stances define their impact on the first vertical force peak
 * (docs/metrics.md), which the running definition an open stance is
 * decided on can miss by 3-5x (the heel-strike transient). An event must
 * still carry its record's numbers: a stance that shows walking (double
 * support, 450 ms) before it is decided gets its event from the record,
 * and no walking record of these files is revised.
 */
static void test_walking(void)
{
	static const char *const files[] = {
		"c3dorg_sample10_TYPE-2.c3d", "btk_PiG_Motion3_FF.c3d", "ezc3d_BTS.c3d",
		"ezc3d_Kistler.c3d?action=1", "c3dorg_sample01_Eb015pi.c3d",
	};
	size_t walking = 0, revised = 0;
	char uri[1024];

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t in_stance;

		snprintf(uri, sizeof(uri), "c3d://%s/c3d/%s%srate=fast", fp_test_data_dir(),
			 files[f], strchr(files[f], '?') ? "&" : "?");
		CU_ASSERT_EQUAL_FATAL(run_uri(uri, 1000, &R), 0);
		check_run(files[f], &R, &in_stance);
		for (size_t i = 0; i < R.n_steps; i++) {
			if (R.steps[i].gait != FP_GAIT_WALKING || !isfinite(R.steps[i].impact_peak_n))
				continue;
			walking++;
			revised += !!(R.steps[i].flags & FP_STEP_IMPACT_REVISED);
		}
	}
	printf("\n    walking stances with an impact phase: %zu, revised %zu", walking, revised);
	CU_ASSERT(walking >= 8);
	CU_ASSERT_EQUAL(revised, 0);
}

void fp_suite_gait_impact(void)
{
	FP_ADD_SUITE("gait_impact",
		     { "impact events equal the step records, sim", test_sim },
		     { "impact events equal the step records, real run", test_real_run },
		     { "impact events equal the step records, walking", test_walking });
}
