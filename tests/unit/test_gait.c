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

/*
 * COP in the foot frame: belt removed, 200 mm heel to toe, the foot turned
 * out 8°. With that toe-out configured the frame is the foot's: no medial
 * offset at contact or push-off. Without it the axis is the direction of
 * travel: no progression angle is claimed, the AP path is the projection
 * on it. Without a belt speed, what needs it is null and flagged. The COP's
 * travel along the plate's y is the same whatever the configuration knows:
 * the synthetic COP moves along y at (200 mm / T) cos 8° − v, linearly, so
 * over the same end samples it is the belt-corrected travel times
 * 1 − v T / (200 mm cos 8°).
 */
static void test_cop_progression(void)
{
	struct run r;
	double frac = (1 - asin(20 / 2000.0) / M_PI) - asin(0.1) / M_PI, travel_ap[MAXSTEPS];
	double y_travel[MAXSTEPS], belt_share;

	synth_defaults(&r.syn);
	r.syn.fpa_deg = 8;
	run_prepare(&r);
	belt_share = r.syn.belt_mps * r.syn.stance_ms / (200 * cos(8 * M_PI / 180));
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 2; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		y_travel[i] = s->cop_y_travel_mm;
		FP_ASSERT_CLOSE(s->cop_y_travel_mm, s->cop_ap_path_mm * (1 - belt_share), 0.5);
		CU_ASSERT_EQUAL(s->foot_frame, FP_FRAME_TRAVEL);
		CU_ASSERT(isnan(s->foot_progression_deg));
		CU_ASSERT(isnan(s->pushoff_mt_fraction));
		/* the path along the foot (below) projected on the travel direction */
		travel_ap[i] = s->cop_ap_path_mm;
		/* the heel lies medial of the travel line through mid-stance */
		CU_ASSERT(s->cop_contact_ml_mm > 5);
		CU_ASSERT_EQUAL(s->flags & (FP_STEP_NO_BELT_SPEED | FP_STEP_IMPLAUSIBLE), 0);
	}
	r.cfg.belt_speed_mps = NAN;                 /* the frames do not know it either */
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 2; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		CU_ASSERT(s->flags & FP_STEP_NO_BELT_SPEED);
		CU_ASSERT(isnan(s->belt_speed_mps) && isnan(s->cop_ap_path_mm) &&
			  isnan(s->cop_ap_velocity_m_s) && isnan(s->step_length_m));
		CU_ASSERT(isnan(s->curve_cop_ap_mm[50]));
		/* along the travel axis the medial offsets do not need it */
		CU_ASSERT(isfinite(s->cop_contact_ml_mm) && isfinite(s->pushoff_ml_mm));
		/* nor does the plate-frame travel */
		FP_ASSERT_CLOSE(s->cop_y_travel_mm, y_travel[i], 1e-6);
	}
	r.cfg.belt_speed_mps = r.syn.belt_mps;
	r.cfg.toe_out_deg[0] = r.cfg.toe_out_deg[1] = 8;
	run_go(&r, 0);
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 2; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		CU_ASSERT_EQUAL(s->foot_frame, FP_FRAME_CONFIGURED);
		FP_ASSERT_CLOSE(s->foot_progression_deg, 8, 1e-9);
		FP_ASSERT_CLOSE(s->cop_contact_ml_mm, 0, 1);
		FP_ASSERT_CLOSE(s->pushoff_ml_mm, 0, 1);
		/*
		 * The path runs from Fz = 10 % of the peak to the last 20 N sample;
		 * its ends are Fz²-weighted means over 7.5 ms, which sit a few ms
		 * inside them: up to 2 % short by the method (docs/metrics.md).
		 */
		FP_ASSERT_CLOSE(s->cop_ap_path_mm, 200 * frac, 0.02 * 200 * frac);
		FP_ASSERT_CLOSE(travel_ap[i], s->cop_ap_path_mm * cos(8 * M_PI / 180), 0.5);
		FP_ASSERT_CLOSE(s->cop_y_travel_mm, y_travel[i], 1e-6);
		FP_ASSERT_CLOSE(s->step_width_mm, 2 * 60, 2);
		FP_ASSERT_CLOSE(s->step_length_m, r.syn.belt_mps * 0.370, 0.01);
	}
	run_free(&r);
}

/*
 * Foot markers on the synthetic foot (8° toe-out, 200 mm heel to toe):
 * heel 100 mm behind the middle of the COP path, metatarsal heads 60 mm
 * ahead of it, the medial one 30 mm and the lateral one 50 mm from the
 * COP's line, the heel 10 mm lateral of it (so heel to the heads' midpoint
 * is parallel to the COP's line, 8°), given in the wrong order on the right foot (geometry decides).
 * Markers at 100 Hz. The COP runs along the axis, so at push-off it is
 * 50/80 of the way from the lateral to the medial head; the belt speed
 * comes from the heads (none configured); the foot from the markers.
 */
static void foot_marker(const struct synth *syn, int foot, double t, double u, double m,
			double *xy)
{
	double T = syn->stance_ms / 1000.0, cycle = T + syn->flight_ms / 1000.0;
	double rel = t - syn->lead_ms / 1000.0, a = syn->fpa_deg * M_PI / 180.0, side = foot ? 1 : -1;
	long k = (long)floor(rel / cycle);

	if (k < 0 || (k % 2) != foot)
		k -= 1;
	if (k < 0)
		k += 2;
	rel -= (double)k * cycle;
	xy[0] = side * syn->foot_x_mm + side * u * sin(a) - side * m * cos(a);
	xy[1] = u * cos(a) + m * sin(a) - syn->belt_mps * rel * 1000.0;
}

static void test_markers(void)
{
	struct run r;
	struct fp_gait_markers mk;
	size_t frames;
	double *data;

	synth_defaults(&r.syn);
	r.syn.fpa_deg = 8;
	run_prepare(&r);
	frames = r.n / 10;
	data = malloc(6 * frames * 2 * sizeof(double));
	mk = (struct fp_gait_markers){ .rate_hz = 100, .frames = frames, .plate = 0 };
	for (int f = 0; f < 2; f++) {
		double *h = data + (size_t)f * 6 * frames, *lat = h + 2 * frames, *med = h + 4 * frames;

		for (size_t j = 0; j < frames; j++) {
			foot_marker(&r.syn, f, (double)j / 100, -100, -10, h + 2 * j);
			foot_marker(&r.syn, f, (double)j / 100, 60, -50, lat + 2 * j);
			foot_marker(&r.syn, f, (double)j / 100, 60, 30, med + 2 * j);
		}
		mk.heel[f] = h;
		mk.mt[f][0] = f ? med : lat;
		mk.mt[f][1] = f ? lat : med;
	}
	r.cfg.markers = &mk;
	r.cfg.belt_speed_mps = NAN;
	run_go(&r, 0);
	free(data);                               /* fp_gait_open() copied them */
	CU_ASSERT_EQUAL_FATAL(r.got, (size_t)r.syn.steps);
	for (size_t i = 1; i < r.got; i++) {
		const struct fp_step *s = &r.steps[i];

		CU_ASSERT_EQUAL(s->foot, i % 2 ? 'R' : 'L');
		CU_ASSERT_EQUAL(s->flags & (FP_STEP_FOOT_GUESSED | FP_STEP_NO_BELT_SPEED), 0);
		CU_ASSERT_EQUAL(s->foot_frame, FP_FRAME_MARKERS);
		FP_ASSERT_CLOSE(s->foot_progression_deg, 8, 0.05);
		FP_ASSERT_CLOSE(s->belt_speed_mps, r.syn.belt_mps, 0.001);
		FP_ASSERT_CLOSE(s->pushoff_mt_fraction, 50.0 / 80.0, 0.01);
		FP_ASSERT_CLOSE(s->cop_contact_ml_mm, 0, 1);
	}
	run_free(&r);
}

/*
 * Walking: 600 ms stances (no flight, so the gait says walking by duration
 * and double support alike) with the double hump of the vertical force,
 * F(τ) = A (sin πτ + 0.25 sin 3πτ), and a heel-strike transient (a 10 ms
 * ramp to 300 N, back to the curve over 5 ms, which leaves a dip to 96 N,
 * below 20 % of the first peak). The loading rate is on the first peak
 * (the maximum over the first half), the transient reported on its own;
 * t20 is where the curve last rises through 20 % of the first peak before
 * it, after the dip, found here on the analytic curve. A 150 Hz cutoff
 * keeps the dip (at 50 Hz the filter fills it, and the curve's own onset
 * is then the transient's rise).
 */
static double walk_fz(double t, double T)
{
	double tau = t / T, f, imp;

	if (t < 0 || t >= T)
		return 0;
	f = 700 * (sin(M_PI * tau) + 0.25 * sin(3 * M_PI * tau));
	imp = t < 0.010 ? 30000 * t : 300 * fmax(0, 1 - (t - 0.010) / 0.005);
	return fmax(f, imp);
}

static void test_walking(void)
{
	const double T = 0.6, rate = 1000, step = 1.1;  /* both feet on one plate: overlap */
	size_t n = (size_t)(8 * step * rate) + 2000;
	double *v = calloc(n * FP_NFIELDS, sizeof(double));
	double f1 = 0, t1 = 0, t20 = NAN, t80 = NAN, dt = 1e-5;
	struct fp_gait_config cfg;
	struct fp_step st[MAXSTEPS];
	size_t got;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / rate - 0.2, fz = 0;

		for (int k = 0; k < 8; k++)
			fz += walk_fz(t - k * step, T);
		v[i * FP_NFIELDS + FP_FZ] = fz;
		v[i * FP_NFIELDS + FP_COPX] = v[i * FP_NFIELDS + FP_COPY] = NAN;
	}
	for (double t = 0; t < T / 2; t += dt)
		if (walk_fz(t, T) > f1) {
			f1 = walk_fz(t, T);
			t1 = t;
		}
	for (double t = t1; t > 0; t -= dt)
		if (walk_fz(t, T) >= 0.2 * f1 && walk_fz(t - dt, T) < 0.2 * f1) {
			t20 = t;
			break;
		}
	for (double t = t20; t < t1; t += dt)
		if (walk_fz(t, T) >= 0.8 * f1) {
			t80 = t;
			break;
		}
	fp_gait_config_default(&cfg, 1, rate);
	cfg.belt_speed_mps = 0;
	cfg.cutoff_hz = 150;
	got = synth_run(&cfg, v, n, 0, st, MAXSTEPS);
	CU_ASSERT_EQUAL_FATAL(got, 8);
	for (size_t i = 0; i < got; i++) {
		const struct fp_step *s = &st[i];

		CU_ASSERT_EQUAL(s->gait, FP_GAIT_WALKING);
		CU_ASSERT_FALSE(s->impact_virtual);
		FP_ASSERT_CLOSE(s->impact_peak_n, f1, 0.01 * f1);
		FP_ASSERT_CLOSE(s->time_to_impact_ms, 1000 * t1, 5);
		CU_ASSERT(s->transient_peak_n > 150 && s->transient_peak_n < 300);
		FP_ASSERT_CLOSE(s->time_to_transient_ms, 10, 5);
		FP_ASSERT_CLOSE(s->valr_n_s, 0.6 * f1 / (t80 - t20), 0.03 * 0.6 * f1 / (t80 - t20));
		CU_ASSERT(s->valr_n_s <= s->vilr_n_s);
	}
	free(v);
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
	/* signed positions and per-person estimates have no asymmetry */
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(sum, "asymmetry_pct"), "cop_contact_ml_mm"));
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(sum, "asymmetry_pct"), "foot_progression_deg"));
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(sum, "asymmetry_pct"), "body_weight_n"));
	json_decref(sum);
	run_free(&r);
}

/*
 * One asymmetry: 100 (|R| − |L|) / mean(|R|, |L|), + when the right foot's
 * value is larger, also for a quantity that is negative on both feet
 * (braking impulse); none across a sign change or at zero.
 */
static void test_asymmetry(void)
{
	FP_ASSERT_CLOSE(fp_asymmetry_pct(100, 110), 100.0 * 10 / 105, 1e-12);
	FP_ASSERT_CLOSE(fp_asymmetry_pct(110, 100), -100.0 * 10 / 105, 1e-12);
	FP_ASSERT_CLOSE(fp_asymmetry_pct(-10, -12), 100.0 * 2 / 11, 1e-12);
	CU_ASSERT(isnan(fp_asymmetry_pct(-5, 5)));
	CU_ASSERT(isnan(fp_asymmetry_pct(0, 5)));
	CU_ASSERT(isnan(fp_asymmetry_pct(NAN, 5)));
	CU_ASSERT(isnan(fp_asymmetry_pct(5, INFINITY)));
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
		     { "walking: first peak, transient apart", test_walking },
		     { "foot markers: anatomical frame", test_markers },
		     { "one asymmetry definition", test_asymmetry },
		     { "window memory resident at open", test_memory_resident_at_open });
}
