// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_gait.c - the gait module on synthetic running with known answers:
 * step count and contact/toe-off samples, the 13 % virtual impact peak and
 * its loading rate from the sine's closed form, a linear impact ramp's
 * VALR, body weight from stride cycles, drift correction, left/right with
 * a crossover, and the JSON record.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fp_test.h"
#include "gait_synth.h"

#define MAXSTEPS 128

struct run {
	struct synth syn;
	struct fp_gait_config cfg;
	double *v;
	size_t n;
	size_t contact[MAXSTEPS], toeoff[MAXSTEPS];
	struct fp_step steps[MAXSTEPS];
	size_t got;
};

static void run_prepare(struct run *r)
{
	r->n = synth_samples(&r->syn);
	r->v = calloc(r->n * FP_NFIELDS, sizeof(double));
	synth_fill(&r->syn, r->v, r->n, r->contact, r->toeoff);
	fp_gait_config_default(&r->cfg, 1, r->syn.rate_hz);
	r->cfg.belt_speed_mps = r->syn.belt_mps;
}

static void run_go(struct run *r, uint32_t flags)
{
	r->got = synth_run(&r->cfg, r->v, r->n, flags, r->steps, MAXSTEPS);
}

static void run_free(struct run *r)
{
	free(r->v);
}

/*
 * Forefoot-like pure half sine: contacts exact, virtual impact at 13 % of
 * the detected stance, and the 20-80 % loading rate of the sine's closed
 * form (times from the sine's true start s0, one sample before contact).
 */
static void test_virtual_impact(void)
{
	struct run r;
	double T, A, cycle;

	synth_defaults(&r.syn);
	run_prepare(&r);
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	T = r.syn.stance_ms / 1000.0;
	A = r.syn.active_n;
	cycle = (r.syn.stance_ms + r.syn.flight_ms) / 1000.0;
	for (size_t i = 0; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];
		double s0 = (r.syn.lead_ms / 1000.0 + (double)i * cycle) * r.syn.rate_hz;
		double t13 = ((double)r.contact[i] - s0 + 0.13 * (double)(r.toeoff[i] - r.contact[i])) /
			     r.syn.rate_hz;
		double f13 = A * sin(M_PI * t13 / T);
		double t20 = T / M_PI * asin(0.2 * f13 / A), t80 = T / M_PI * asin(0.8 * f13 / A);
		double valr = 0.6 * f13 / (t80 - t20);

		CU_ASSERT_EQUAL(s->contact_sample, r.contact[i]);
		CU_ASSERT_EQUAL(s->toeoff_sample, r.toeoff[i]);
		CU_ASSERT_EQUAL(s->impact_virtual, 1);
		FP_ASSERT_CLOSE(s->impact_peak_n, f13, 0.005 * f13);
		/* 2 %: the filter rounds the sine's kink at contact, near t20 */
		FP_ASSERT_CLOSE(s->valr_n_s, valr, 0.02 * valr);
		FP_ASSERT_CLOSE(s->active_peak_n, A, 0.005 * A);
		CU_ASSERT(s->vilr_n_s >= s->valr_n_s);
		FP_ASSERT_CLOSE(s->contact_time_ms, (double)(r.toeoff[i] - r.contact[i]), 1e-9);
		if (i > 0) {
			FP_ASSERT_CLOSE(s->step_time_ms, r.syn.stance_ms + r.syn.flight_ms, 1.01);
			FP_ASSERT_CLOSE(s->flight_time_ms,
					(double)(r.contact[i] - r.toeoff[i - 1]), 1e-9);
		}
		CU_ASSERT_EQUAL(s->flags & ~(FP_STEP_NO_BODY_WEIGHT | FP_STEP_FOOT_GUESSED), 0);
	}
	run_free(&r);
}

/*
 * Rear-foot impact: a linear ramp at 50 kN/s to a 1500 N corner at 30 ms,
 * then a dip. With a 150 Hz cutoff the filter barely touches it: VALR
 * within 2 %, impact time within 1 ms. At the default 50 Hz the corner is
 * rounded (peak lower and earlier, rate a little higher), as documented.
 */
static void test_ramp_impact(void)
{
	struct run r;

	synth_defaults(&r.syn);
	r.syn.ramp_n_s = 50000;
	r.syn.ramp_peak_n = 1500;
	run_prepare(&r);
	r.cfg.cutoff_hz = 150;
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 0; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];
		/* the ramp starts one sample before the detected contact */
		double t_corner = 30.0 - 1.0;

		CU_ASSERT_EQUAL(s->impact_virtual, 0);
		FP_ASSERT_CLOSE(s->valr_n_s, 50000, 0.02 * 50000);
		FP_ASSERT_CLOSE(s->time_to_impact_ms, t_corner, 1.0);
		FP_ASSERT_CLOSE(s->impact_peak_n, 1500, 60);
		FP_ASSERT_CLOSE(s->cutoff_hz, 150, 0);
	}
	r.cfg.cutoff_hz = 50;
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 0; i < r.got; i++) {
		CU_ASSERT_EQUAL(r.steps[i].impact_virtual, 0);
		FP_ASSERT_CLOSE(r.steps[i].valr_n_s, 50000, 0.06 * 50000);
		CU_ASSERT(r.steps[i].impact_peak_n > 1250 && r.steps[i].impact_peak_n < 1500);
	}
	run_free(&r);
}

/* Body weight: the mean of Fz over whole strides of a half-sine run. */
static void test_body_weight(void)
{
	struct run r;
	double T, bw;
	size_t with_bw = 0;

	synth_defaults(&r.syn);
	run_prepare(&r);
	run_go(&r, 0);
	T = r.syn.stance_ms;
	bw = r.syn.active_n * 2.0 / M_PI * T / (T + r.syn.flight_ms);
	for (size_t i = 0; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		if (i < 2) {
			CU_ASSERT(s->flags & FP_STEP_NO_BODY_WEIGHT);
			continue;
		}
		with_bw++;
		FP_ASSERT_CLOSE(s->body_weight_n, bw, 0.005 * bw);
		FP_ASSERT_CLOSE(s->active_peak_bw, r.syn.active_n / bw, 0.01 * r.syn.active_n / bw);
		if (i + 1 == r.got) {        /* no next contact: cycle unknown */
			CU_ASSERT(isnan(s->vertical_oscillation_cm));
			continue;
		}
		CU_ASSERT(s->vertical_oscillation_cm > 2 && s->vertical_oscillation_cm < 20);
		CU_ASSERT(s->vertical_stiffness_kn_m > 5 && s->vertical_stiffness_kn_m < 100);
	}
	CU_ASSERT_EQUAL(with_bw, r.got - 2);
	run_free(&r);
}

/* A constant 35 N offset plus 3 N/s of drift: contacts stay exact and the
 * reported offset follows the injected one within 2 N. */
static void test_drift(void)
{
	struct run r;

	synth_defaults(&r.syn);
	r.syn.drift_n = 35;
	r.syn.drift_n_s = 3;
	run_prepare(&r);
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 0; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];
		double mid = (double)(s->contact_sample + s->toeoff_sample) / 2.0 / r.syn.rate_hz;

		CU_ASSERT_EQUAL(s->contact_sample, r.contact[i]);
		CU_ASSERT_EQUAL(s->toeoff_sample, r.toeoff[i]);
		FP_ASSERT_CLOSE(s->offset_n, 35 + 3 * mid, 2.0);
		FP_ASSERT_CLOSE(s->active_peak_n, r.syn.active_n, 0.005 * r.syn.active_n);
	}
	/* Without correction the plate never unloads below `off`: one long stance. */
	r.cfg.drift_correction = 0;
	run_go(&r, 0);
	CU_ASSERT(r.got > 0 && r.got < 5 && (r.steps[0].flags & FP_STEP_TOO_LONG));
	run_free(&r);
}

/* Alternating feet at x = ∓60 mm: every label right; one crossover. */
static void test_left_right(void)
{
	struct run r;
	size_t right = 0;

	synth_defaults(&r.syn);
	run_prepare(&r);
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 0; i < r.got; i++)
		right += r.steps[i].foot == (i % 2 ? 'R' : 'L');
	CU_ASSERT_EQUAL(right, r.got);
	/* Step 9 (a right foot) lands left of the midline. */
	for (size_t s = r.contact[9]; s < r.toeoff[9]; s++)
		if (isfinite(r.v[s * FP_NFIELDS + FP_COPX]))
			r.v[s * FP_NFIELDS + FP_COPX] -= 150;
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	right = 0;
	for (size_t i = 0; i < r.got; i++) {
		right += r.steps[i].foot == (i % 2 ? 'R' : 'L');
		CU_ASSERT_EQUAL(!!(r.steps[i].flags & FP_STEP_CROSSOVER), i == 9);
	}
	CU_ASSERT_EQUAL(right, r.got);
	run_free(&r);
}

/* COP in the foot frame: belt removed, 200 mm heel to toe, angle known. */
static void test_cop_progression(void)
{
	struct run r;

	synth_defaults(&r.syn);
	r.syn.fpa_deg = 8;
	run_prepare(&r);
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 2; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		FP_ASSERT_CLOSE(s->foot_progression_deg, 8, 0.3);
		FP_ASSERT_CLOSE(s->cop_contact_ml_mm, 0, 1);
		FP_ASSERT_CLOSE(s->pushoff_ml_mm, 0, 1);
		/* The path runs from Fz = 10 % of the peak to the last 20 N sample. */
		double frac = (1 - asin(20 / r.syn.active_n) / M_PI) - asin(0.1) / M_PI;

		FP_ASSERT_CLOSE(s->cop_ap_path_mm, 200 * cos(8 * M_PI / 180) * frac, 2);
		FP_ASSERT_CLOSE(s->step_width_mm, 2 * 60, 2);
		FP_ASSERT_CLOSE(s->step_length_m, r.syn.belt_mps * 0.370, 0.01);
	}
	run_free(&r);
}

/*
 * A window of the longest stance (max_stance_s) is copied into 15 scratch
 * arrays: at least 15 x max_stance_s x rate doubles, which must be resident
 * once fp_gait_open() returns, so that the first long step hours into a
 * run does not add to the RSS of a daemon (issue 23).
 */
static void test_memory_resident_at_open(void)
{
	struct fp_gait_config cfg;
	struct fp_gait *g;
	long before, min_kib;
	char msg[256];

	fp_gait_config_default(&cfg, 2, 2000);
	min_kib = (long)(15 * cfg.max_stance_s * cfg.rate_hz * sizeof(double) / 1024);
	before = fp_test_rss_kib();
	CU_ASSERT_EQUAL_FATAL(fp_gait_open(&cfg, &g, msg, sizeof(msg)), 0);
	CU_ASSERT(before > 0 && fp_test_rss_kib() - before >= min_kib);
	fp_gait_close(g);
}

static void test_json(void)
{
	struct run r;
	json_t *o, *sum;
	char *text;

	synth_defaults(&r.syn);
	run_prepare(&r);
	run_go(&r, 0);
	CU_ASSERT_FATAL(r.got > 3);
	o = fp_step_to_json(&r.steps[3]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "metrics_version")), FP_METRICS_VERSION);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "foot")), "R");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "contact_sample")),
			(json_int_t)r.contact[3]);
	CU_ASSERT(json_is_true(json_object_get(o, "impact_virtual")));
	FP_ASSERT_CLOSE(json_real_value(json_object_get(o, "valr_n_s")), r.steps[3].valr_n_s, 1e-6);
	CU_ASSERT(json_is_array(json_object_get(o, "flags")));
	text = json_dumps(o, JSON_COMPACT);
	CU_ASSERT_PTR_NULL(strstr(text, "nan"));
	free(text);
	json_decref(o);
	o = fp_step_to_json(&r.steps[0]);   /* no body weight yet: null */
	CU_ASSERT(json_is_null(json_object_get(o, "valr_bw_s")));
	json_decref(o);
	sum = fp_gait_summary_json(r.steps, r.got, 'L');
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(sum, "steps")), (json_int_t)(r.got / 2));
	FP_ASSERT_CLOSE(json_real_value(json_object_get(json_object_get(sum, "active_peak_n"), "mean")),
			r.syn.active_n, 10);
	CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(sum, "asymmetry_pct"), "valr_n_s"));
	json_decref(sum);
	run_free(&r);
}

void fp_suite_gait(void)
{
	FP_ADD_SUITE("gait",
		     { "virtual impact peak (13 %)", test_virtual_impact },
		     { "impact ramp VALR", test_ramp_impact },
		     { "body weight from strides", test_body_weight },
		     { "drift correction", test_drift },
		     { "left/right and crossover", test_left_right },
		     { "COP progression", test_cop_progression },
		     { "step JSON and summary", test_json },
		     { "window memory resident at open", test_memory_resident_at_open });
}
