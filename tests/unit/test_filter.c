// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_filter.c - Butterworth sections against known responses: the
 * coefficients scipy.signal.butter gives, −3 dB at the cutoff, unit DC
 * gain, the zero lag of the forward-backward pass, and cascades.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "filter.h"
#include "gait_int.h"

/* scipy.signal.butter(2, 50 / 500): b = [0.02008337, 0.04016673, 0.02008337],
 * a = [1, -1.56101808, 0.64135154]. */
static void test_coefficients(void)
{
	struct fp_biquad bq;

	CU_ASSERT_EQUAL(fp_butter2_lowpass(50, 1000, &bq), 0);
	FP_ASSERT_CLOSE(bq.b0, 0.02008337, 1e-8);
	FP_ASSERT_CLOSE(bq.b1, 0.04016673, 1e-8);
	FP_ASSERT_CLOSE(bq.b2, 0.02008337, 1e-8);
	FP_ASSERT_CLOSE(bq.a1, -1.56101808, 1e-8);
	FP_ASSERT_CLOSE(bq.a2, 0.64135154, 1e-8);
	FP_ASSERT_CLOSE(fp_biquad_dc_gain(&bq), 1.0, 1e-12);
	FP_ASSERT_CLOSE(fp_biquad_magnitude(&bq, 50, 1000), M_SQRT1_2, 1e-9);
	CU_ASSERT(fp_biquad_magnitude(&bq, 200, 1000) < 0.07);
	CU_ASSERT_EQUAL(fp_butter2_lowpass(500, 1000, &bq), -EINVAL);
	CU_ASSERT_EQUAL(fp_butter2_lowpass(0, 1000, &bq), -EINVAL);
	CU_ASSERT_EQUAL(fp_butter2_lowpass(NAN, 1000, &bq), -EINVAL);
}

/* A 4th-order cascade is −3 dB at the cutoff and falls 24 dB/octave. */
static void test_cascade(void)
{
	struct fp_lowpass lp;
	double g50 = 1, g200 = 1;

	CU_ASSERT_EQUAL(fp_lowpass_init(&lp, 4, 50, 1000), 0);
	CU_ASSERT_EQUAL(lp.sections, 2);
	for (unsigned int k = 0; k < lp.sections; k++) {
		g50 *= fp_biquad_magnitude(&lp.s[k], 50, 1000);
		g200 *= fp_biquad_magnitude(&lp.s[k], 200, 1000);
	}
	FP_ASSERT_CLOSE(g50, M_SQRT1_2, 1e-9);
	CU_ASSERT(g200 < 0.006);
	/* A settled cascade passes a constant without transient. */
	fp_lowpass_settle(&lp, 700.0);
	for (int i = 0; i < 50; i++)
		FP_ASSERT_CLOSE(fp_lowpass_step(&lp, 700.0), 700.0, 1e-9);
	CU_ASSERT_EQUAL(fp_lowpass_init(&lp, 3, 50, 1000), -EINVAL);
	CU_ASSERT_EQUAL(fp_lowpass_init(&lp, 10, 50, 1000), -EINVAL);
}

/* Causal step response: reaches the final value, overshoot of a
 * 2nd-order Butterworth is 4.3 %. */
static void test_step_response(void)
{
	struct fp_biquad bq;
	double y, peak = 0;

	fp_butter2_lowpass(10, 1000, &bq);
	for (int i = 0; i < 2000; i++) {
		y = fp_biquad_step(&bq, 1.0);
		peak = fmax(peak, y);
	}
	FP_ASSERT_CLOSE(y, 1.0, 1e-6);
	FP_ASSERT_CLOSE(peak, 1.0432, 0.002);
}

/*
 * Forward-backward: zero phase (a sine's peak stays put), gain |H|² at the
 * cutoff, linear trends pass unchanged away from the ends, length checks.
 */
static void test_filtfilt(void)
{
	enum { N = 1000 };
	struct fp_biquad bq;
	double *x = malloc(N * sizeof(double)), *y = malloc(N * sizeof(double));
	double *work = malloc((N + 2 * FP_FILTFILT_PAD) * sizeof(double));
	double amp = 0;
	size_t imax = 0;

	fp_butter2_lowpass(50, 1000, &bq);
	for (int i = 0; i < N; i++)
		x[i] = sin(2 * M_PI * 50 * i / 1000.0 + 0.3);
	CU_ASSERT_EQUAL(fp_filtfilt2(&bq, x, y, N, work), 0);
	for (int i = 300; i < 700; i++)
		amp = fmax(amp, fabs(y[i]));
	FP_ASSERT_CLOSE(amp, 0.5, 0.01);          /* |H|² = 1/2 at the cutoff */
	for (int i = 0; i < N; i++)                 /* a slow bump: no delay */
		x[i] = exp(-pow((i - 500) / 40.0, 2));
	fp_filtfilt2(&bq, x, y, N, work);
	for (size_t i = 0; i < N; i++)
		if (y[i] > y[imax])
			imax = i;
	CU_ASSERT_EQUAL(imax, 500);
	for (int i = 0; i < N; i++)
		x[i] = 3.0 * i - 40.0;
	fp_filtfilt2(&bq, x, x, N, work);           /* in place */
	for (int i = 100; i < N - 100; i += 97)    /* away from the start-up ends */
		FP_ASSERT_CLOSE(x[i], 3.0 * i - 40.0, 1e-6);
	CU_ASSERT_EQUAL(fp_filtfilt2(&bq, x, y, FP_FILTFILT_PAD, work), -EINVAL);
	CU_ASSERT_EQUAL(fp_filtfilt2(&bq, x, y, FP_FILTFILT_PAD + 1, work), 0);
	free(x);
	free(y);
	free(work);
}

/* The same numbers as scipy.signal.filtfilt(*butter(2, 0.1), x) (1.10.1). */
static void test_filtfilt_matches_scipy(void)
{
	static const double x[40] = {
		0, 39.6615431965, 74.4287911628, 100.069868568, 113.588084454, 113.627520298,
		100.656547224, 55.9044341687, 25.0596267894, -8.22946635429, -38.9836140908,
		-62.5666782176, -75.3130930573, -75.0239825769, -82.2647679428, -56.4239857276,
		-21.5253559988, 18.1814640075, 57.7960510572, 92.4304652145, 117.870809581,
		110.147561474, 109.937483389, 96.7427169909, 72.8228205921, 41.888948538,
		8.60156387461, -22.0603334614, -66.4730909263, -78.9941930507, -78.4552588204,
		-64.4555218744, -38.416072352, -3.38751900861, 36.3628963679, 54.9288501146,
		89.428984585, 114.667577007, 127.702410876, 127.242991158 };
	double y[40], work[40 + 2 * FP_FILTFILT_PAD];
	struct fp_biquad bq;

	fp_butter2_lowpass(50, 1000, &bq);
	CU_ASSERT_EQUAL(fp_filtfilt2(&bq, x, y, 40, work), 0);
	FP_ASSERT_CLOSE(y[0], 0.21893640228521938, 1e-7);
	FP_ASSERT_CLOSE(y[5], 44.11675626870751, 1e-7);
	FP_ASSERT_CLOSE(y[20], 49.58354258092746, 1e-7);
	FP_ASSERT_CLOSE(y[39], 124.26757435497639, 1e-7);
}

/* Several channels at once give exactly what one at a time gives. */
static void test_filtfilt_multi(void)
{
	enum { N = 300 };
	static double a[N], b[N], c[N], ref[3][N], work[3 * (N + 2 * FP_FILTFILT_PAD)];
	double *ch[3] = { a, b, c };
	struct fp_biquad bq;

	fp_butter2_lowpass(30, 1000, &bq);
	for (int i = 0; i < N; i++) {
		a[i] = sin(i * 0.05) * 100 + (i % 5);
		b[i] = i * 0.3 - (i % 3) * 7;
		c[i] = (i / 50) % 2 ? 500 : -20;
	}
	for (int k = 0; k < 3; k++)
		fp_filtfilt2(&bq, ch[k], ref[k], N, work);
	CU_ASSERT_EQUAL(fp_filtfilt2_multi(&bq, ch, 3, N, work), 0);
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < N; i++)
			FP_ASSERT_CLOSE(ch[k][i], ref[k][i], 1e-9 * (1 + fabs(ref[k][i])));
	CU_ASSERT_EQUAL(fp_filtfilt2_multi(&bq, ch, 5, N, work), -EINVAL);
	CU_ASSERT_EQUAL(fp_filtfilt2_multi(&bq, ch, 3, FP_FILTFILT_PAD, work), -EINVAL);
}

/*
 * The forward pass resumed over a growing signal gives the bits a whole
 * run gives (fp_filtfilt2_multi() on one channel, what the gait module
 * used before), and it notices a changed prefix, a shorter signal and
 * other coefficients.
 */
static void test_filtfilt_grow(void)
{
	enum { N = 400 };
	static double x[N], y[N], ref[N], work[N + 2 * FP_FILTFILT_PAD];
	static double cx[N], cf[N + 2 * FP_FILTFILT_PAD];
	struct fp_filtfilt_cache fc = { .x = cx, .fwd = cf, .cap = N };
	struct fp_biquad bq, bq2;
	size_t bad = 0;

	fp_butter2_lowpass(50, 2000, &bq);
	fp_butter2_lowpass(40, 2000, &bq2);
	for (int i = 0; i < N; i++)
		x[i] = 900 * exp(-pow((i - 150) / 60.0, 2)) + 300 * exp(-pow((i - 60) / 12.0, 2)) +
		       (i % 7) * 3.0;
	/* n = 10 .. N, each 4 samples longer, then odd steps, then shorter */
	for (size_t n = FP_FILTFILT_PAD + 1; n <= N; n += n < 300 ? 4 : 7) {
		double *ch[1] = { ref };

		memcpy(ref, x, n * sizeof(double));
		fp_filtfilt2_multi(&bq, ch, 1, n, work);
		CU_ASSERT_EQUAL_FATAL(fp_filtfilt2_grow(&bq, x, y, n, &fc), 0);
		bad += memcmp(y, ref, n * sizeof(double)) != 0;
		if (n == 201) {
			fp_filtfilt2(&bq, x, ref, n, work);
			for (size_t i = 0; i < n; i++)
				FP_ASSERT_CLOSE(y[i], ref[i], 1e-9 * (1 + fabs(ref[i])));
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(fc.n, N);         /* the last call kept its forward pass */
	/* a changed sample inside the cached prefix, a shorter signal, other coefficients */
	for (int t = 0; t < 3; t++) {
		const struct fp_biquad *b = t == 2 ? &bq2 : &bq;
		size_t n = t == 1 ? 250 : 390;
		double *ch[1] = { ref };

		if (t == 0)
			x[100] += 50;
		memcpy(ref, x, n * sizeof(double));
		fp_filtfilt2_multi(b, ch, 1, n, work);
		CU_ASSERT_EQUAL_FATAL(fp_filtfilt2_grow(b, x, y, n, &fc), 0);
		CU_ASSERT_EQUAL(memcmp(y, ref, n * sizeof(double)), 0);
	}
	CU_ASSERT_EQUAL(fp_filtfilt2_grow(&bq, x, y, N + 1, &fc), -EINVAL);
	CU_ASSERT_EQUAL(fp_filtfilt2_grow(&bq, x, y, FP_FILTFILT_PAD, &fc), -EINVAL);
}

/*
 * The backward pass stopped at y[stop] writes y[stop, n) with the bits of
 * the whole run (fp_filtfilt2_multi(), independent of the cache) and
 * nothing below stop; fp_filtfilt2_grow_rest() then gives the whole run's
 * bits on [0, stop) too. Growing by 4 samples, stop at the "contact".
 */
static void test_filtfilt_grow_from(void)
{
	enum { N = 300, C = 100 };
	static double x[N], y[N], ref[N], work[N + 2 * FP_FILTFILT_PAD];
	static double cx[N], cf[N + 2 * FP_FILTFILT_PAD];
	struct fp_filtfilt_cache fc = { .x = cx, .fwd = cf, .cap = N };
	struct fp_biquad bq;
	size_t bad_from = 0, bad_below = 0, bad_rest = 0, runs = 0;

	fp_butter2_lowpass(50, 2000, &bq);
	for (int i = 0; i < N; i++)
		x[i] = 1200 * exp(-pow((i - 200) / 50.0, 2)) + 500 * exp(-pow((i - 130) / 10.0, 2)) +
		       (i % 5) * 2.0 - 20.0 * sin(i * 0.37);
	for (size_t n = C + 1; n <= N; n += 4, runs++) {
		double *ch[1] = { ref };

		memcpy(ref, x, n * sizeof(double));
		fp_filtfilt2_multi(&bq, ch, 1, n, work);
		for (size_t i = 0; i < n; i++)
			y[i] = NAN;
		CU_ASSERT_EQUAL_FATAL(fp_filtfilt2_grow_from(&bq, x, y, n, &fc, C), 0);
		bad_from += memcmp(y + C, ref + C, (n - C) * sizeof(double)) != 0;
		for (size_t i = 0; i < C; i++)
			bad_below += !isnan(y[i]);
		fp_filtfilt2_grow_rest(&fc, y);
		bad_rest += memcmp(y, ref, n * sizeof(double)) != 0;
	}
	CU_ASSERT(runs > 40);
	CU_ASSERT_EQUAL(bad_from, 0);
	CU_ASSERT_EQUAL(bad_below, 0);
	CU_ASSERT_EQUAL(bad_rest, 0);
	CU_ASSERT_EQUAL(fp_filtfilt2_grow_from(&bq, x, y, 50, &fc, 50), -EINVAL);
}

/* The gait module's inline fmax / fmin give libm's bits on every pair of
 * special and ordinary values (±0, ±inf, NaN, subnormal, equal values). */
static void test_fmax_fmin_as_libm(void)
{
	const double v[] = { 0.0, -0.0, 1.0, -1.0, 2.5, -2.5, INFINITY, -INFINITY, NAN, -NAN,
			     4.9e-324, -4.9e-324, 1e308, -1e308, 0.1, 0.1 + 1e-17 };
	const size_t n = sizeof(v) / sizeof(v[0]);
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			volatile double x = v[i], y = v[j];
			double a[2] = { gait_fmax(x, y), gait_fmin(x, y) }, b[2] = { fmax(x, y), fmin(x, y) };

			for (int k = 0; k < 2; k++)
				bad += isnan(b[k]) ? !isnan(a[k]) : memcmp(&a[k], &b[k], sizeof(double)) != 0;
		}
	CU_ASSERT_EQUAL(bad, 0);
}

void fp_suite_filter(void)
{
	FP_ADD_SUITE("filter",
		     { "butterworth coefficients", test_coefficients },
		     { "4th-order cascade", test_cascade },
		     { "causal step response", test_step_response },
		     { "zero-lag forward-backward", test_filtfilt },
		     { "filtfilt equals scipy", test_filtfilt_matches_scipy },
		     { "filtfilt of several channels", test_filtfilt_multi },
		     { "filtfilt resumed over a growing signal", test_filtfilt_grow },
		     { "filtfilt resumed, backward pass in two parts", test_filtfilt_grow_from },
		     { "inline fmax and fmin are libm's", test_fmax_fmin_as_libm });
}
