// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_sim.c - the sim:// backend: determinism, URI errors, and its ground
 * truth against the real calibration pipeline (counts -> fp_calib_apply).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fp_test.h"
#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "sim.h"

#define BLOCK 1000

struct rig {
	struct fp_device *dev;
	struct fp_info info;
	struct fp_calib cal;
	struct fp_block blk;
	struct fp_frames fr, truth;
};

static int rig_open(struct rig *r, const char *uri)
{
	char msg[FP_MSG_MAX];
	int ret;

	memset(r, 0, sizeof(*r));
	ret = fp_open(uri, &r->dev, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fp_open(%s): %s\n", uri, msg);
		return ret;
	}
	fp_info(r->dev, &r->info);
	CU_ASSERT_EQUAL(fp_get_calibration(r->dev, &r->cal), 0);
	CU_ASSERT_EQUAL(fp_calib_check(&r->cal, &r->info, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_block_init(&r->blk, &r->info, BLOCK), 0);
	CU_ASSERT_EQUAL(fp_frames_init(&r->fr, r->info.plates, BLOCK), 0);
	CU_ASSERT_EQUAL(fp_frames_init(&r->truth, r->info.plates, BLOCK), 0);
	CU_ASSERT_EQUAL(fp_sim_truth_frames(r->dev, &r->truth), 0);
	return fp_start(r->dev);
}

/* Read one block and calibrate it. */
static int rig_read(struct rig *r)
{
	int n = fp_read(r->dev, &r->blk, 2000);

	CU_ASSERT_TRUE(n > 0);
	if (n <= 0)
		return n;
	CU_ASSERT_EQUAL(fp_calib_apply(&r->cal, r->info.unit, &r->blk, &r->fr), 0);
	return n;
}

static void rig_close(struct rig *r)
{
	fp_close(r->dev);
	fp_block_release(&r->blk);
	fp_frames_release(&r->fr);
	fp_frames_release(&r->truth);
}

static double field(const struct fp_frames *f, uint32_t s, uint32_t p, int fld)
{
	return f->v[((size_t)s * f->plates + p) * FP_NFIELDS + fld];
}

static void test_bad_uris(void)
{
	static const struct { const char *uri, *needle; } cases[] = {
		{ "sim://?sped=3", "unknown parameter 'sped'" },
		{ "sim://?speed=fast", "'speed' value 'fast'" },
		{ "sim://?speed=40", "'speed' value '40'" },
		{ "sim://?plates=3", "'plates' value '3'" },
		{ "sim://?strike=heel", "'strike' value 'heel'" },
		{ "sim://?pace=slow", "'pace' value 'slow'" },
		{ "sim://?rate=0", "'rate' value '0'" },
		{ "sim://?load=80,10", "'load' value '80,10'" },
		{ "sim://?load=80,10,20,3", "'load' value '80,10,20,3'" },
		{ "sim://?runner=maybe", "'runner' value 'maybe'" },
		{ "sim://?sync_hz=5000", "'sync_hz' value '5000'" },
		{ "sim://x", "unexpected path 'x'" },
		{ "sim://?channels=7", "'channels' value '7'" },
		{ "sim://?channels=12", "'channels' value '12'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fp_device *dev = NULL;
		char msg[FP_MSG_MAX] = "";

		CU_ASSERT_EQUAL(fp_open(cases[i].uri, &dev, msg, sizeof(msg)), -EINVAL);
		CU_ASSERT_PTR_NULL(dev);
		if (!strstr(msg, cases[i].needle))
			fprintf(stderr, "%s: message '%s' lacks '%s'\n", cases[i].uri, msg,
				cases[i].needle);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, cases[i].needle));
	}
}

static void test_info_and_help(void)
{
	struct rig r;

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?plates=1&rate=1000&pace=fast"), 0);
	CU_ASSERT_STRING_EQUAL(r.info.backend, "sim");
	CU_ASSERT_EQUAL(r.info.plates, 1);
	CU_ASSERT_EQUAL(r.info.channels, 6);
	CU_ASSERT_EQUAL(r.info.unit, FP_RAW_COUNTS);
	CU_ASSERT_EQUAL(r.info.adc_bits, 24);
	FP_ASSERT_CLOSE(r.info.rate_hz, 1000, 0);
	CU_ASSERT_EQUAL(r.info.paced, 0);
	CU_ASSERT_EQUAL(r.info.has_sync, 1);
	CU_ASSERT_EQUAL(r.cal.plates, 1);
	CU_ASSERT_TRUE(r.cal.plate[0].surface_h_mm >= 40 && r.cal.plate[0].surface_h_mm <= 60);
	/* realistic: crosstalk present, matrix not diagonal */
	CU_ASSERT_NOT_EQUAL(r.cal.plate[0].matrix[0][2], 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(fp_scheme_help("sim"), "speed"));
	rig_close(&r);
}

static void test_deterministic(void)
{
	const char *uri = "sim://?pace=fast&seed=42&noise=2";
	struct rig a, b, c;
	int differ_c = 0;

	CU_ASSERT_EQUAL_FATAL(rig_open(&a, uri), 0);
	CU_ASSERT_EQUAL_FATAL(rig_open(&b, uri), 0);
	CU_ASSERT_EQUAL_FATAL(rig_open(&c, "sim://?pace=fast&seed=43&noise=2"), 0);
	for (int k = 0; k < 4; k++) {
		int n = rig_read(&a);

		CU_ASSERT_EQUAL(rig_read(&b), n);
		CU_ASSERT_EQUAL(rig_read(&c), n);
		CU_ASSERT_EQUAL(memcmp(a.blk.raw, b.blk.raw,
				       (size_t)n * a.info.plates * 6 * sizeof(double)), 0);
		differ_c |= memcmp(a.blk.raw, c.blk.raw,
				   (size_t)n * a.info.plates * 6 * sizeof(double)) != 0;
	}
	CU_ASSERT_TRUE(differ_c);
	/* a restart replays the same run */
	fp_stop(a.dev);
	fp_start(a.dev);
	rig_read(&a);
	fp_stop(b.dev);
	fp_start(b.dev);
	rig_read(&b);
	CU_ASSERT_EQUAL(a.blk.first_sample, 0);
	CU_ASSERT_EQUAL(memcmp(a.blk.raw, b.blk.raw, BLOCK * a.info.plates * 6 * sizeof(double)), 0);
	rig_close(&a);
	rig_close(&b);
	rig_close(&c);
}

/*
 * The pipeline recovers what the sim generated: COP within 2 mm wherever
 * both are defined, and the 20 N threshold crossing of calibrated Fz on
 * the sample the truth names (within 1).
 */
static void check_pipeline(const char *uri, double cop_tol_mm)
{
	struct rig r;
	double worst = 0;
	int cop_points = 0, matched = 0, nsteps;
	struct fp_sim_step steps[64];
	uint64_t crossings[64];
	int ncross = 0;
	double prev_fz[FP_MAX_PLATES] = { 0 };

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, uri), 0);
	for (int k = 0; k < 10; k++) {       /* 5 s at 2 kHz */
		int n = rig_read(&r);

		for (int s = 0; s < n; s++) {
			for (uint32_t p = 0; p < r.info.plates; p++) {
				double fz = field(&r.fr, s, p, FP_FZ);
				double tx = field(&r.truth, s, p, FP_COPX);
				double ty = field(&r.truth, s, p, FP_COPY);
				double cx = field(&r.fr, s, p, FP_COPX);
				double cy = field(&r.fr, s, p, FP_COPY);

				if (!isnan(cx) && !isnan(tx) && fz > 200) {
					double e = hypot(cx - tx, cy - ty);

					worst = fmax(worst, e);
					cop_points++;
				}
				if (prev_fz[p] < FP_SIM_CONTACT_N && fz >= FP_SIM_CONTACT_N &&
				    ncross < 64)
					crossings[ncross++] = r.blk.first_sample + s;
				prev_fz[p] = fz;
			}
		}
	}
	nsteps = fp_sim_truth_steps(r.dev, steps, 64);
	CU_ASSERT_TRUE(nsteps >= 12);
	CU_ASSERT_EQUAL(fp_sim_truth_count(r.dev), nsteps);
	for (int i = 0; i < nsteps; i++) {
		CU_ASSERT_EQUAL(steps[i].index, (uint64_t)i);
		for (int j = 0; j < ncross; j++) {
			int64_t d = (int64_t)crossings[j] - (int64_t)steps[i].contact_sample;

			if (d >= -1 && d <= 1) {
				matched++;
				break;
			}
		}
	}
	CU_ASSERT_EQUAL(matched, nsteps);
	CU_ASSERT_TRUE(cop_points > 1000);
	if (worst > cop_tol_mm)
		fprintf(stderr, "%s: worst COP error %.3f mm\n", uri, worst);
	CU_ASSERT_TRUE(worst <= cop_tol_mm);
	rig_close(&r);
}

static void test_pipeline_noise_free(void)
{
	check_pipeline("sim://?pace=fast&noise=0&seed=3", 0.01);
	check_pipeline("sim://?pace=fast&noise=0&plates=1&strike=fore&seed=4", 0.01);
	/* Kistler layout: 8 channels through fp_calib_kistler_matrix() */
	check_pipeline("sim://?pace=fast&noise=0&channels=8&seed=6", 0.05);
}

static void test_kistler_channels(void)
{
	struct rig r;

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&channels=8&plates=1"), 0);
	CU_ASSERT_EQUAL(r.info.channels, 8);
	CU_ASSERT_EQUAL(r.cal.plate[0].channels, 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.cal.id, "kistler"));
	/* Fz = fz1 + fz2 + fz3 + fz4: no shear channel in the Fz row */
	FP_ASSERT_CLOSE(r.cal.plate[0].matrix[2][0], 0, 0);
	CU_ASSERT_TRUE(r.cal.plate[0].matrix[2][4] > 400);
	CU_ASSERT_TRUE(rig_read(&r) > 0);
	rig_close(&r);
}

static void test_pipeline_noisy(void)
{
	/* 0.2 N RMS on every channel: COP noise is about 0.1 N·m / Fz */
	check_pipeline("sim://?pace=fast&noise=0.2&seed=5", 2.0);
}

static void strike_steps(const char *uri, struct fp_sim_step *steps, int *n)
{
	struct rig r;

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, uri), 0);
	for (int k = 0; k < 8; k++)
		rig_read(&r);
	*n = fp_sim_truth_steps(r.dev, steps, 32);
	rig_close(&r);
}

static void test_strikes(void)
{
	struct fp_sim_step st[32];
	int n;

	strike_steps("sim://?pace=fast&strike=rear", st, &n);
	CU_ASSERT_TRUE(n >= 8);
	for (int i = 0; i < n; i++) {
		double bw = st[i].body_weight_n;

		CU_ASSERT_TRUE(st[i].has_impact_peak);
		CU_ASSERT_TRUE(st[i].impact_peak_n > 1.2 * bw && st[i].impact_peak_n < 2.2 * bw);
		CU_ASSERT_TRUE(st[i].active_peak_n > 2.0 * bw && st[i].active_peak_n < 3.2 * bw);
		/* default target 75 BW/s, step-to-step variability a few % */
		CU_ASSERT_TRUE(fabs(st[i].valr_bw_per_s - 75) < 10);
		CU_ASSERT_TRUE(st[i].vilr_n_per_s >= st[i].valr_n_per_s);
		CU_ASSERT_TRUE(st[i].contact_time_s > 0.2 && st[i].contact_time_s < 0.3);
		FP_ASSERT_CLOSE(st[i].braking_impulse_ns, -st[i].propulsive_impulse_ns, 1e-6);
		CU_ASSERT_TRUE(st[i].braking_impulse_ns < -5);
	}
	strike_steps("sim://?pace=fast&strike=mid&lr=50", st, &n);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_TRUE(st[i].has_impact_peak);
		CU_ASSERT_TRUE(fabs(st[i].valr_bw_per_s - 50) < 8);
	}
	strike_steps("sim://?pace=fast&strike=fore", st, &n);
	CU_ASSERT_TRUE(n >= 8);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_FALSE(st[i].has_impact_peak);
		/* virtual impact peak: Fz at 13 % of stance */
		CU_ASSERT_EQUAL(st[i].impact_peak_sample, st[i].touchdown_sample +
				(uint64_t)(0.13 * (st[i].liftoff_sample - st[i].touchdown_sample)));
		CU_ASSERT_TRUE(st[i].cop_ap_start_mm > 100);
	}
}

/*
 * Faster running keeps the rear-foot impact: the default loading rate
 * rises as the stance shortens, so the impact keeps its amplitude band
 * (the 1.2-2.2 BW of the 3.5 m/s default above) and its timing (within
 * ±30 % of the 3.5 m/s time to impact, about 27 ms). A fixed 75 BW/s gave
 * 0.4-0.9 BW impacts at 8-16 ms at 4.5-5 m/s.
 */
static void test_impact_with_speed(void)
{
	struct fp_sim_step st[32];
	double t35 = 0;
	int n;

	strike_steps("sim://?pace=fast&strike=rear&speed=3.5", st, &n);
	CU_ASSERT_FATAL(n >= 8);
	for (int i = 0; i < n; i++)
		t35 += (double)(st[i].impact_peak_sample - st[i].touchdown_sample) / n;
	for (double v = 4.5; v <= 5.01; v += 0.5) {
		char uri[96];

		snprintf(uri, sizeof(uri), "sim://?pace=fast&strike=rear&speed=%g", v);
		strike_steps(uri, st, &n);
		CU_ASSERT_FATAL(n >= 8);
		for (int i = 0; i < n; i++) {
			double bw = st[i].body_weight_n;
			double t = (double)(st[i].impact_peak_sample - st[i].touchdown_sample);

			CU_ASSERT_TRUE(st[i].has_impact_peak);
			CU_ASSERT_TRUE(st[i].impact_peak_n > 1.2 * bw && st[i].impact_peak_n < 2.2 * bw);
			CU_ASSERT_TRUE(fabs(t / t35 - 1) < 0.3);
			CU_ASSERT_TRUE(st[i].valr_bw_per_s > 75);
		}
	}
}

/*
 * Steady running: mean Fz over whole steps equals body weight (the
 * impulse balance of the two-mass model, and what gait uses to measure
 * body weight). Summed over all plates from one touchdown to a later one.
 */
static void test_mean_force_is_body_weight(void)
{
	static const char *const uris[] = {
		"sim://?pace=fast&noise=0&plates=1&mass=82&strike=rear",
		"sim://?pace=fast&noise=0&plates=2&mass=55&strike=fore&speed=4.5",
	};
	static double fz[12 * BLOCK];

	for (size_t u = 0; u < 2; u++) {
		struct rig r;
		struct fp_sim_step st[64];
		double sum = 0;
		uint64_t from, to;
		int n;

		CU_ASSERT_EQUAL_FATAL(rig_open(&r, uris[u]), 0);
		for (int k = 0; k < 12; k++) {
			int got = rig_read(&r);

			for (int s = 0; s < got; s++) {
				fz[k * BLOCK + s] = 0;
				for (uint32_t p = 0; p < r.info.plates; p++)
					fz[k * BLOCK + s] += field(&r.truth, s, p, FP_FZ);
			}
		}
		n = fp_sim_truth_steps(r.dev, st, 64);
		CU_ASSERT_TRUE_FATAL(n > 12);         /* 6 s of running */
		from = st[0].touchdown_sample;
		to = st[n - 1].touchdown_sample;   /* n - 1 whole steps */
		for (uint64_t i = from; i < to; i++)
			sum += fz[i];
		FP_ASSERT_CLOSE(sum / (double)(to - from), st[0].body_weight_n,
				0.005 * st[0].body_weight_n);
		rig_close(&r);
	}
}

static void test_foot_placement(void)
{
	struct fp_sim_step st[32];
	int n;

	/* single belt: alternating feet, left foot left of the midline */
	strike_steps("sim://?pace=fast&plates=1&stepwidth=100", st, &n);
	CU_ASSERT_TRUE(n >= 8);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(st[i].plate, 0);
		CU_ASSERT_EQUAL(st[i].foot, i % 2 ? FP_SIM_RIGHT : FP_SIM_LEFT);
		if (st[i].foot == FP_SIM_LEFT) {
			CU_ASSERT_TRUE(st[i].axis_x_mm < -30);
		} else {
			CU_ASSERT_TRUE(st[i].axis_x_mm > 30);
		}
		if (i) {
			CU_ASSERT_TRUE(st[i].touchdown_sample >= st[i - 1].liftoff_sample + 20);
		}
	}
	/* split belt: one plate per side */
	strike_steps("sim://?pace=fast&plates=2", st, &n);
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(st[i].plate, st[i].foot == FP_SIM_LEFT ? 0u : 1u);
}

static void test_cop_path(void)
{
	struct rig r;
	struct fp_sim_step st[16];
	int n;

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&noise=0&plates=1&speed=3"
				      "&supination=8&roll=300&pushoff=lateral&pushoff_mm=7"), 0);
	for (int k = 0; k < 4; k++)
		rig_read(&r);
	n = fp_sim_truth_steps(r.dev, st, 16);
	CU_ASSERT_TRUE(n >= 4);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_TRUE(fabs(st[i].contact_ml_mm + 8) < 1.5);  /* lateral at contact */
		CU_ASSERT_TRUE(fabs(st[i].roll_peak_mmps - 300) < 30);
		CU_ASSERT_TRUE(st[i].pushoff_ml_mm < -3);              /* lateral push-off */
		FP_ASSERT_CLOSE(st[i].belt_speed_mps, 3.0, 1e-12);
	}
	rig_close(&r);
}

static void test_belt_frame(void)
{
	struct rig r;
	uint32_t s_first = 0, s_last = 0;
	int have = 0;
	double y0 = 0, y1 = 0;

	/* in the plate frame the COP moves toward -y, in the foot frame toward +y */
	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&noise=0&plates=1&seed=9"), 0);
	rig_read(&r);   /* first step lands at 0.1 s, contact ~0.25 s */
	for (uint32_t s = 0; s < r.fr.n; s++) {
		double y = field(&r.fr, s, 0, FP_COPY);

		if (isnan(y) || field(&r.fr, s, 0, FP_FZ) < 200) {
			if (have)
				break;   /* end of the first step */
			continue;
		}
		if (!have++) {
			s_first = s;
			y0 = y;
		}
		s_last = s;
		y1 = y;
	}
	CU_ASSERT_TRUE(have > 100);
	CU_ASSERT_TRUE(y1 < y0 - 300);
	CU_ASSERT_TRUE(fp_cop_foot_y(y1, r.fr.belt_speed_mps, (s_last - s_first) / r.info.rate_hz) >
		       y0 + 50);
	rig_close(&r);
}

static void test_static_load(void)
{
	struct rig r;
	char msg[FP_MSG_MAX];

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&runner=0&noise=0&plates=2"), 0);
	CU_ASSERT_EQUAL(fp_set(r.dev, "load", "80,120.5,-340,2", msg, sizeof(msg)), 0);
	rig_read(&r);
	for (uint32_t s = 0; s < r.fr.n; s += 97) {
		FP_ASSERT_CLOSE(field(&r.fr, s, 1, FP_FZ), 80 * 9.80665, 0.05);
		FP_ASSERT_CLOSE(field(&r.fr, s, 1, FP_COPX), 120.5, 0.01);
		FP_ASSERT_CLOSE(field(&r.fr, s, 1, FP_COPY), -340, 0.01);
		FP_ASSERT_CLOSE(field(&r.fr, s, 1, FP_TZ), 0, 0.01);
		FP_ASSERT_CLOSE(field(&r.fr, s, 0, FP_FZ), 0, 0.05);
		CU_ASSERT_TRUE(isnan(field(&r.fr, s, 0, FP_COPX)));
	}
	CU_ASSERT_EQUAL(fp_sim_truth_count(r.dev), 0);
	CU_ASSERT_EQUAL(fp_set(r.dev, "load", "80,1,2,5", msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'load'"));
	CU_ASSERT_EQUAL(fp_set(r.dev, "load", "off", msg, sizeof(msg)), 0);
	rig_read(&r);
	FP_ASSERT_CLOSE(field(&r.fr, 5, 1, FP_FZ), 0, 0.05);
	CU_ASSERT_FALSE(r.fr.flags & FP_BLK_SATURATED);
	/* 1000 kg 1 m forward: Mx ~ 9.8 kN·m is beyond the 4 kN·m range */
	CU_ASSERT_EQUAL(fp_set(r.dev, "load", "1000,0,1000,1", msg, sizeof(msg)), 0);
	rig_read(&r);
	CU_ASSERT_TRUE(r.fr.flags & FP_BLK_SATURATED);
	rig_close(&r);
}

static void test_set_params(void)
{
	struct rig r;
	char msg[FP_MSG_MAX];
	struct fp_sim_step st[64];
	int n;

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&noise=0&speed=3"), 0);
	CU_ASSERT_EQUAL(fp_set(r.dev, "sped", "3", msg, sizeof(msg)), -ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'sped'"));
	CU_ASSERT_EQUAL(fp_set(r.dev, "plates", "1", msg, sizeof(msg)), -ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "only be given in the URI"));
	CU_ASSERT_EQUAL(fp_set(r.dev, "speed", "-1", msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'speed' value '-1'"));
	rig_read(&r);
	FP_ASSERT_CLOSE(r.blk.belt_speed_mps, 3.0, 1e-12);
	CU_ASSERT_EQUAL(fp_set(r.dev, "speed", "5", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_set(r.dev, "belt_speed", "4.5", msg, sizeof(msg)), 0);
	for (int k = 0; k < 3; k++)
		rig_read(&r);
	FP_ASSERT_CLOSE(r.blk.belt_speed_mps, 4.5, 1e-12);
	n = fp_sim_truth_steps(r.dev, st, 64);
	CU_ASSERT_TRUE(n >= 6);
	FP_ASSERT_CLOSE(st[n - 1].belt_speed_mps, 4.5, 1e-12);
	CU_ASSERT_TRUE(st[n - 1].contact_time_s < st[0].contact_time_s - 0.03);
	/* runner off: no new steps once the current one ends */
	CU_ASSERT_EQUAL(fp_set(r.dev, "runner", "0", msg, sizeof(msg)), 0);
	rig_read(&r);
	n = fp_sim_truth_count(r.dev);
	rig_read(&r);
	rig_read(&r);
	CU_ASSERT_EQUAL(fp_sim_truth_count(r.dev), n);
	CU_ASSERT_EQUAL(fp_set(r.dev, "runner", "1", msg, sizeof(msg)), 0);
	rig_read(&r);
	rig_read(&r);
	CU_ASSERT_TRUE(fp_sim_truth_count(r.dev) > n);
	rig_close(&r);
}

static void test_sync_and_offsets(void)
{
	struct rig r;
	int pulses = 0;
	struct fp_sim_step st[8];

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&sync_hz=100&noise=0&runner=0"
				      "&tare=25&drift=60"), 0);
	rig_read(&r);
	for (uint32_t s = 0; s < r.blk.n; s++) {
		CU_ASSERT_EQUAL(r.blk.sync[s], s % 20 == 0 ? 1u : 0u);
		pulses += (int)r.blk.sync[s];
	}
	CU_ASSERT_EQUAL(pulses, BLOCK / 20);
	/* unloaded plate reads the injected offset: 25 N + 1 N/s */
	FP_ASSERT_CLOSE(field(&r.fr, 0, 0, FP_FZ), 25.0, 0.01);
	FP_ASSERT_CLOSE(field(&r.fr, 999, 0, FP_FZ), 25.0 + 999 / 2000.0, 0.01);
	rig_close(&r);

	CU_ASSERT_EQUAL_FATAL(rig_open(&r, "sim://?pace=fast&tare=10&drift=120"), 0);
	rig_read(&r);
	CU_ASSERT_TRUE(fp_sim_truth_steps(r.dev, st, 8) >= 1);
	FP_ASSERT_CLOSE(st[0].offset_fz_n, 10 + 2.0 * st[0].touchdown_sample / 2000.0, 1e-9);
	rig_close(&r);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Paced by CLOCK_MONOTONIC at 2 kHz. A read hands over every sample due by
 * the sample clock, so after each read the running total is bounded by
 * timestamps taken around it: at most what was due at `after` counted from
 * before fp_start() (+1 for rounding), and, when the block did not cap the
 * read, at least what was due at `before` counted from after fp_start()
 * (-1). A host stall anywhere only moves the brackets apart, it cannot make
 * this fail; no pacing (the first read a full 256-sample block at t = 0)
 * breaks the upper bound, pacing at a wrong rate breaks one of the two
 * within the 0.3 s run (a 1 % error is 3 samples by its end).
 */
static void test_realtime_pacing(void)
{
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	char msg[FP_MSG_MAX];
	uint64_t got = 0, next = 0;
	double ta, tb, rate;

	CU_ASSERT_EQUAL_FATAL(fp_open("sim://?rate=2000", &dev, msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL(info.paced, 1);
	rate = info.rate_hz;
	CU_ASSERT_EQUAL(rate, 2000);
	fp_block_init(&blk, &info, 256);
	ta = mono_s();
	fp_start(dev);
	tb = mono_s();
	while (got < 600) {
		double before = mono_s(), after;
		int n = fp_read(dev, &blk, 1000);

		after = mono_s();
		CU_ASSERT_TRUE_FATAL(n > 0);
		CU_ASSERT_EQUAL(blk.first_sample, next);
		next += (uint64_t)n;
		got += (uint64_t)n;
		CU_ASSERT((double)got <= (after - ta) * rate + 1);
		if (n < (int)blk.capacity)
			CU_ASSERT((double)got >= (before - tb) * rate - 1);
	}
	/* a short timeout with nothing due returns 0 */
	CU_ASSERT_TRUE(fp_read(dev, &blk, 0) >= 0);
	fp_close(dev);
	fp_block_release(&blk);
}

static void test_not_sim(void)
{
	struct fp_sim_step st;

	CU_ASSERT_EQUAL(fp_sim_truth_steps(NULL, &st, 1), -ENOTSUP);
	CU_ASSERT_EQUAL(fp_sim_truth_count(NULL), -ENOTSUP);
}

/* The step ring keeps the last FP_SIM_TRUTH_KEEP - 1 completed steps, in order,
 * and is resident from fp_open() on (a long run's RSS stays flat). */
static void test_truth_ring(void)
{
	struct fp_device *dev;
	struct fp_block blk;
	struct fp_info info;
	struct fp_sim_step *st = calloc(FP_SIM_TRUTH_KEEP + 10, sizeof(*st));
	char msg[FP_MSG_MAX];
	long done = 0, rss0, ring_kib = (long)(FP_SIM_TRUTH_KEEP * sizeof(*st) / 1024);
	int n, order = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(fp_open("sim://?pace=fast&rate=100&noise=0&variability=0",
				      &dev, msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL_FATAL(fp_block_init(&blk, &info, 4096), 0);
	CU_ASSERT_EQUAL_FATAL(fp_start(dev), 0);
	CU_ASSERT_FATAL(fp_read(dev, &blk, 0) > 0);     /* the block's memory is in use */
	rss0 = fp_test_rss_kib();
	while ((done = fp_sim_truth_count(dev)) < FP_SIM_TRUTH_KEEP + 5)
		CU_ASSERT_FATAL(fp_read(dev, &blk, 0) > 0);
	/* The ring was resident from fp_open(): writing every entry of it
	 * (ring_kib, which a lazily backed ring would add) adds nothing. */
	CU_ASSERT(rss0 > 0 && fp_test_rss_kib() - rss0 < ring_kib / 4);
	n = fp_sim_truth_steps(dev, st, FP_SIM_TRUTH_KEEP + 10);
	CU_ASSERT_EQUAL(n, FP_SIM_TRUTH_KEEP - 1);
	CU_ASSERT_EQUAL(st[0].index, (uint64_t)(done - (FP_SIM_TRUTH_KEEP - 1)));
	for (int i = 1; i < n; i++)
		order &= st[i].index == st[i - 1].index + 1;
	CU_ASSERT(order);
	CU_ASSERT_EQUAL(st[n - 1].index, (uint64_t)done - 1);
	fp_block_release(&blk);
	fp_close(dev);
	free(st);
}

void fp_suite_sim(void)
{
	FP_ADD_SUITE("sim",
		     { "bad URIs name the parameter", test_bad_uris },
		     { "info, calibration, help", test_info_and_help },
		     { "deterministic for a seed", test_deterministic },
		     { "pipeline vs truth, noise-free", test_pipeline_noise_free },
		     { "pipeline vs truth, noisy", test_pipeline_noisy },
		     { "Kistler 8-channel plates", test_kistler_channels },
		     { "rear/mid/fore strikes", test_strikes },
		     { "the impact survives faster running", test_impact_with_speed },
		     { "mean Fz over steps is body weight", test_mean_force_is_body_weight },
		     { "single and split belt placement", test_foot_placement },
		     { "COP path parameters", test_cop_path },
		     { "belt carries the foot", test_belt_frame },
		     { "static load via fp_set", test_static_load },
		     { "run-time parameters", test_set_params },
		     { "sync pulse, tare and drift", test_sync_and_offsets },
		     { "realtime pacing", test_realtime_pacing },
		     { "truth API on a non-sim device", test_not_sim },
		     { "truth ring keeps KEEP - 1 steps, resident at open", test_truth_ring });
}
