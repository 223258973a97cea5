// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_gait_edge.c - the gait module on data that is not clean running:
 * standing still, stepping off the treadmill, two feet on one plate,
 * saturated and clipped channels, NaN input, belt-noise blips and sample
 * gaps. Each must give clear flags, never a crash or a silent bad number.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fp_test.h"
#include "gait_synth.h"

#define MAXSTEPS 64

static double *make_run(struct synth *syn, size_t *n, size_t *contact, size_t *toeoff)
{
	double *v;

	*n = synth_samples(syn);
	v = calloc(*n * FP_NFIELDS, sizeof(double));
	synth_fill(syn, v, *n, contact, toeoff);
	return v;
}

static size_t count_flag(const struct fp_step *st, size_t n, uint32_t flag)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += !!(st[i].flags & flag);
	return c;
}

/* 5 s standing at 750 N: one TOO_LONG record with no metrics. */
static void test_standing_still(void)
{
	size_t n = 5000;
	double *v = calloc(n * FP_NFIELDS, sizeof(double));
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];
	size_t got;

	for (size_t i = 0; i < n; i++) {
		v[i * FP_NFIELDS + FP_FZ] = i < 300 ? 0 : 750 + 5 * sin(i * 0.01);
		v[i * FP_NFIELDS + FP_COPX] = v[i * FP_NFIELDS + FP_COPY] = i < 300 ? NAN : 0;
	}
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 1);
	CU_ASSERT(st[0].flags & FP_STEP_TOO_LONG);
	CU_ASSERT_EQUAL(st[0].contact_sample, 300);
	CU_ASSERT(isnan(st[0].valr_n_s) && isnan(st[0].impact_peak_n));
	free(v);
}

/* Standing 3.5 s, then running: the standing interval does not enter the
 * body weight, which comes from the running strides only. */
static void test_standing_then_running(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got, with_bw = 0;
	double *v, bw;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];

	synth_defaults(&syn);
	syn.steps = 10;
	syn.lead_ms = 4500;
	v = make_run(&syn, &n, contact, toeoff);
	for (size_t i = 100; i < 3600; i++) {
		v[i * FP_NFIELDS + FP_FZ] = 700;
		v[i * FP_NFIELDS + FP_COPX] = v[i * FP_NFIELDS + FP_COPY] = 0;
	}
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 11);
	CU_ASSERT(st[0].flags & FP_STEP_TOO_LONG);
	bw = syn.active_n * 2.0 / M_PI * syn.stance_ms / (syn.stance_ms + syn.flight_ms);
	for (size_t i = 1; i < got; i++) {
		if (st[i].flags & FP_STEP_NO_BODY_WEIGHT)
			continue;
		with_bw++;
		FP_ASSERT_CLOSE(st[i].body_weight_n, bw, 0.005 * bw);
	}
	CU_ASSERT_EQUAL(with_bw, got - 3);
	free(v);
}

/*
 * The data begins 100 ms into a stance (as the RBDS recording does): that
 * stance is flagged truncated and must not be a stride boundary (body
 * weight from whole strides, step time) nor enter the per-foot summary.
 * The body weight truth is the mean of the half-sine over the stride.
 */
static void test_truncated_start(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got, with_bw = 0, skip;
	double *v, bw, period_ms;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];
	json_t *sum;

	synth_defaults(&syn);
	syn.steps = 12;
	syn.lead_ms = 0;
	v = make_run(&syn, &n, contact, toeoff);
	skip = 100;                          /* start 100 ms into the first stance */
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v + skip * FP_NFIELDS, n - skip, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 12);
	CU_ASSERT(st[0].flags & FP_STEP_TRUNCATED);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_TRUNCATED), 1);
	CU_ASSERT(isnan(st[0].body_weight_n));
	/* the next step's flight time is real, its step time is not known */
	CU_ASSERT(isnan(st[1].step_time_ms) && isnan(st[1].cadence_spm));
	FP_ASSERT_CLOSE(st[1].flight_time_ms, syn.flight_ms, 2.0);
	CU_ASSERT(isnan(st[1].step_length_m));
	period_ms = syn.stance_ms + syn.flight_ms;
	bw = syn.active_n * 2.0 / M_PI * syn.stance_ms / period_ms;
	for (size_t i = 1; i < got; i++) {
		if (i >= 2)
			FP_ASSERT_CLOSE(st[i].step_time_ms, period_ms, 1.5);
		if (st[i].flags & FP_STEP_NO_BODY_WEIGHT)
			continue;
		with_bw++;
		/* a stride from the truncated "contact" would be 100 ms short */
		FP_ASSERT_CLOSE(st[i].body_weight_n, bw, 0.005 * bw);
	}
	CU_ASSERT(with_bw >= got - 4);
	sum = fp_gait_summary_json(st, got, 'L');
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(sum, "steps")), 5);
	/* every summarised contact time is a whole stance */
	FP_ASSERT_CLOSE(json_real_value(json_object_get(json_object_get(sum, "contact_time_ms"),
							  "mean")), syn.stance_ms, 2.0);
	CU_ASSERT(json_real_value(json_object_get(json_object_get(sum, "contact_time_ms"),
						  "sd")) < 1.0);
	json_decref(sum);
	free(v);
}

/* Running, then the runner steps off: the steps before count, the last
 * completes after the wait for a next contact, nothing spurious. */
static void test_stepping_off(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];

	synth_defaults(&syn);
	syn.steps = 10;
	v = make_run(&syn, &n, contact, toeoff);
	/* The last step: the foot stays, load falls slowly over 0.8 s. */
	for (size_t i = contact[9] + 120; i < n; i++)
		v[i * FP_NFIELDS + FP_FZ] = fmax(0, 1500 - 2.0 * (double)(i - contact[9] - 120));
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL(got, 10);
	for (size_t i = 0; i + 1 < got; i++)
		CU_ASSERT_EQUAL(st[i].contact_sample, contact[i]);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_TOO_LONG), 0);
	free(v);
}

/* The second foot lands before the first leaves: COP x swings across. */
static void test_two_feet(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];

	synth_defaults(&syn);
	syn.steps = 12;
	v = make_run(&syn, &n, contact, toeoff);
	/* Step 6: the other foot joins for the second half; x goes to the middle
	 * and beyond as the load shifts. */
	for (size_t i = contact[6] + 125; i < toeoff[6]; i++) {
		double u = (double)(i - contact[6] - 125) / 125.0;

		v[i * FP_NFIELDS + FP_COPX] += 140 * u;
		v[i * FP_NFIELDS + FP_FZ] += 600 * u;
	}
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 12);
	CU_ASSERT(st[6].flags & FP_STEP_DOUBLE_CONTACT);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_DOUBLE_CONTACT), 1);
	/* The neighbours keep their labels. */
	CU_ASSERT_EQUAL(st[7].foot, 'R');
	CU_ASSERT_EQUAL(st[8].foot, 'L');
	free(v);
}

/* Saturation flagged by the source, and a clipped flat top. */
static void test_saturated_clipped(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];

	synth_defaults(&syn);
	syn.steps = 6;
	v = make_run(&syn, &n, contact, toeoff);
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, FP_BLK_SATURATED, st, MAXSTEPS);
	CU_ASSERT_EQUAL(got, 6);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_SATURATED), got);
	for (size_t i = 0; i < n; i++)               /* amplifier clips at 1800 N */
		v[i * FP_NFIELDS + FP_FZ] = fmin(v[i * FP_NFIELDS + FP_FZ], 1800);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL(got, 6);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_CLIPPED), got);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_SATURATED), 0);
	cfg.clip_fz_n = 1700;                        /* configured limit */
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_CLIPPED), got);
	free(v);
}

/* NaN samples inside a stance are held and flagged; outside, harmless. */
static void test_nan_input(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];

	synth_defaults(&syn);
	syn.steps = 8;
	v = make_run(&syn, &n, contact, toeoff);
	for (int k = 0; k < FP_MZ + 1; k++) {
		v[(contact[3] + 100) * FP_NFIELDS + k] = NAN;
		v[(toeoff[5] + 40) * FP_NFIELDS + k] = INFINITY;
	}
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 8);
	CU_ASSERT_EQUAL(count_flag(st, got, FP_STEP_NAN_INPUT), 1);
	CU_ASSERT(st[3].flags & FP_STEP_NAN_INPUT);
	CU_ASSERT(isfinite(st[3].valr_n_s) && isfinite(st[3].active_peak_n));
	for (size_t i = 0; i < got; i++)
		CU_ASSERT_EQUAL(st[i].contact_sample, contact[i]);
	free(v);
}

/* Belt-noise blips (30 ms, 120 N) are rejected; a loaded 60 ms contact is
 * a TOO_SHORT record; a 10 ms dip inside a stance does not split it. */
static void test_short_and_noise(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];
	struct fp_gait *g;
	struct fp_gait_stats stats;
	char msg[256];

	synth_defaults(&syn);
	syn.steps = 6;
	syn.lead_ms = 600;
	v = make_run(&syn, &n, contact, toeoff);
	for (size_t i = 100; i < 130; i++)
		v[i * FP_NFIELDS + FP_FZ] = 120;
	for (size_t i = 300; i < 360; i++)
		v[i * FP_NFIELDS + FP_FZ] = 900;
	for (size_t i = contact[2] + 150; i < contact[2] + 160; i++)
		v[i * FP_NFIELDS + FP_FZ] = 0;
	fp_gait_config_default(&cfg, 1, 1000);
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 7);
	CU_ASSERT(st[0].flags & FP_STEP_TOO_SHORT);
	CU_ASSERT_EQUAL(st[0].contact_sample, 300);
	CU_ASSERT_EQUAL(st[3].contact_sample, contact[2]);
	CU_ASSERT_EQUAL(st[3].toeoff_sample, toeoff[2]);
	/* stats count the blip */
	fp_gait_open(&cfg, &g, msg, sizeof(msg));
	{
		struct fp_frames fr = { .plates = 1, .n = (uint32_t)n, .v = v,
					.belt_speed_mps = NAN };

		fp_gait_push(g, &fr);
	}
	fp_gait_get_stats(g, &stats);
	CU_ASSERT_EQUAL(stats.rejected, 1);
	fp_gait_close(g);
	free(v);
}

/* A jump in first_sample: open stance dropped, later steps exact. */
static void test_gap(void)
{
	struct synth syn;
	size_t n, contact[64], toeoff[64], got = 0;
	double *v;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];
	struct fp_gait *g;
	struct fp_frames fr = { .plates = 1, .belt_speed_mps = NAN };
	char msg[256];

	synth_defaults(&syn);
	syn.steps = 10;
	v = make_run(&syn, &n, contact, toeoff);
	fp_gait_config_default(&cfg, 1, 1000);
	CU_ASSERT_EQUAL_FATAL(fp_gait_open(&cfg, &g, msg, sizeof(msg)), 0);
	fr.n = (uint32_t)(contact[4] + 100);
	fr.v = v;
	fp_gait_push(g, &fr);
	fr.first_sample = contact[5] + 50;           /* samples lost */
	fr.n = (uint32_t)(n - fr.first_sample);
	fr.v = v + fr.first_sample * FP_NFIELDS;
	fp_gait_push(g, &fr);
	fp_gait_flush(g);
	while (got < MAXSTEPS && fp_gait_next_step(g, &st[got]))
		got++;
	fp_gait_close(g);
	CU_ASSERT_EQUAL_FATAL(got, 8);               /* steps 4 and 5 are lost */
	CU_ASSERT_EQUAL(st[4].contact_sample, contact[6]);
	CU_ASSERT_EQUAL(st[7].toeoff_sample, toeoff[9]);
	free(v);
}

static void test_config_errors(void)
{
	struct fp_gait_config cfg;
	struct fp_gait *g;
	char msg[256];

	fp_gait_config_default(&cfg, 1, 100);
	CU_ASSERT_EQUAL(fp_gait_open(&cfg, &g, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cutoff_hz 50"));
	fp_gait_config_default(&cfg, 9, 1000);
	CU_ASSERT_EQUAL(fp_gait_open(&cfg, &g, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "plates 9"));
	fp_gait_config_default(&cfg, 2, 1000);
	cfg.plate_foot[1] = 'X';
	CU_ASSERT_EQUAL(fp_gait_open(&cfg, &g, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "plate_foot[1]"));
}

void fp_suite_gait_edge(void)
{
	FP_ADD_SUITE("gait_edge",
		     { "standing still", test_standing_still },
		     { "standing, then running", test_standing_then_running },
		     { "stepping off", test_stepping_off },
		     { "data begins inside a stance", test_truncated_start },
		     { "two feet on one plate", test_two_feet },
		     { "saturated and clipped", test_saturated_clipped },
		     { "NaN input", test_nan_input },
		     { "short contacts and belt noise", test_short_and_noise },
		     { "sample gap", test_gap },
		     { "config errors", test_config_errors });
}
