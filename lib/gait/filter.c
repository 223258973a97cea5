// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * filter.c - Butterworth biquads, causal cascades and the zero-lag
 * forward-backward filter used for per-step metrics (see filter.h).
 *
 * The forward-backward pass reproduces scipy.signal.filtfilt's defaults on
 * purpose, so that the Python reference (tests/reference/gait_ref.py) can
 * filter the same window with scipy and the comparison tests the gait
 * definitions rather than two padding schemes.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "filter.h"

/* Section with quality factor q (1/sqrt(2) for a 2nd-order Butterworth). */
static int section_lowpass(double cutoff_hz, double rate_hz, double q, struct fp_biquad *bq)
{
	double k, norm;

	if (!bq || !(rate_hz > 0) || !(cutoff_hz > 0) || !(cutoff_hz < rate_hz / 2) ||
	    !isfinite(cutoff_hz) || !isfinite(rate_hz))
		return -EINVAL;
	k = tan(M_PI * cutoff_hz / rate_hz);       /* pre-warped analogue cutoff */
	norm = 1.0 / (1.0 + k / q + k * k);
	bq->b0 = k * k * norm;
	bq->b1 = 2.0 * bq->b0;
	bq->b2 = bq->b0;
	bq->a1 = 2.0 * (k * k - 1.0) * norm;
	bq->a2 = (1.0 - k / q + k * k) * norm;
	bq->z1 = bq->z2 = 0.0;
	return 0;
}

int fp_butter2_lowpass(double cutoff_hz, double rate_hz, struct fp_biquad *bq)
{
	return section_lowpass(cutoff_hz, rate_hz, M_SQRT1_2, bq);
}

int fp_lowpass_init(struct fp_lowpass *lp, unsigned int order, double cutoff_hz,
		    double rate_hz)
{
	if (!lp || order < 2 || order % 2 || order / 2 > FP_FILTER_MAX_SECTIONS)
		return -EINVAL;
	lp->sections = order / 2;
	/* Butterworth poles at angles (2k+1)π/(2N): section Q = 1/(2cos θk). */
	for (unsigned int k = 0; k < lp->sections; k++) {
		double theta = M_PI * (2.0 * k + 1.0) / (2.0 * order);
		int err = section_lowpass(cutoff_hz, rate_hz, 1.0 / (2.0 * cos(theta)), &lp->s[k]);

		if (err)
			return err;
	}
	return 0;
}

double fp_biquad_step(struct fp_biquad *bq, double x)
{
	double y = bq->b0 * x + bq->z1;

	bq->z1 = bq->b1 * x - bq->a1 * y + bq->z2;
	bq->z2 = bq->b2 * x - bq->a2 * y;
	return y;
}

double fp_lowpass_step(struct fp_lowpass *lp, double x)
{
	for (unsigned int k = 0; k < lp->sections; k++)
		x = fp_biquad_step(&lp->s[k], x);
	return x;
}

double fp_biquad_dc_gain(const struct fp_biquad *bq)
{
	return (bq->b0 + bq->b1 + bq->b2) / (1.0 + bq->a1 + bq->a2);
}

/* Steady state of DF2T for a constant input x: y = G·x (scipy lfilter_zi). */
void fp_biquad_settle(struct fp_biquad *bq, double x)
{
	double y = fp_biquad_dc_gain(bq) * x;

	bq->z2 = bq->b2 * x - bq->a2 * y;
	bq->z1 = bq->b1 * x - bq->a1 * y + bq->z2;
}

void fp_lowpass_settle(struct fp_lowpass *lp, double x)
{
	for (unsigned int k = 0; k < lp->sections; k++) {
		fp_biquad_settle(&lp->s[k], x);
		x *= fp_biquad_dc_gain(&lp->s[k]);
	}
}

double fp_biquad_magnitude(const struct fp_biquad *bq, double f_hz, double rate_hz)
{
	double w = 2.0 * M_PI * f_hz / rate_hz;
	/* H(e^jw) = (b0 + b1 e^-jw + b2 e^-2jw) / (1 + a1 e^-jw + a2 e^-2jw) */
	double nr = bq->b0 + bq->b1 * cos(w) + bq->b2 * cos(2 * w);
	double ni = -bq->b1 * sin(w) - bq->b2 * sin(2 * w);
	double dr = 1.0 + bq->a1 * cos(w) + bq->a2 * cos(2 * w);
	double di = -bq->a1 * sin(w) - bq->a2 * sin(2 * w);

	return sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

/* Run a section over buf[0..n) in place starting from the steady state of buf[0]. */
static void run_settled(const struct fp_biquad *coef, double *buf, size_t n)
{
	struct fp_biquad s = *coef;

	fp_biquad_settle(&s, buf[0]);
	for (size_t i = 0; i < n; i++)
		buf[i] = fp_biquad_step(&s, buf[i]);
}

static void reverse(double *buf, size_t n)
{
	for (size_t i = 0, j = n - 1; i < j; i++, j--) {
		double t = buf[i];

		buf[i] = buf[j];
		buf[j] = t;
	}
}

int fp_filtfilt2(const struct fp_biquad *bq, const double *x, double *y, size_t n,
		 double *work)
{
	const size_t pad = FP_FILTFILT_PAD;
	size_t m = n + 2 * pad;

	if (!bq || !x || !y || !work || n <= pad)
		return -EINVAL;
	/* Odd extension: reflect about the end values (no step at the edges). */
	for (size_t i = 0; i < pad; i++) {
		work[i] = 2.0 * x[0] - x[pad - i];
		work[pad + n + i] = 2.0 * x[n - 1] - x[n - 2 - i];
	}
	memcpy(work + pad, x, n * sizeof(*x));
	run_settled(bq, work, m);
	reverse(work, m);
	run_settled(bq, work, m);
	reverse(work, m);
	memmove(y, work + pad, n * sizeof(*y));
	return 0;
}

/* One direction over m samples of nch channels stored channel-major. */
static void run_settled_multi(const struct fp_biquad *c, double *buf, unsigned int nch,
			      size_t m, int backward)
{
	double z1[FP_FILTFILT_MAX_CH], z2[FP_FILTFILT_MAX_CH];
	double g = fp_biquad_dc_gain(c);

	for (unsigned int k = 0; k < nch; k++) {
		double x0 = buf[k * m + (backward ? m - 1 : 0)], y0 = g * x0;

		z2[k] = c->b2 * x0 - c->a2 * y0;
		z1[k] = c->b1 * x0 - c->a1 * y0 + z2[k];
	}
	/* Up to three channels side by side with their state in registers:
	 * three independent dependency chains hide each other's latency. The
	 * arithmetic per channel is the same, in the same order, as one
	 * channel alone. */
	const double b0 = c->b0, b1 = c->b1, b2 = c->b2, a1 = c->a1, a2 = c->a2;

	for (unsigned int k0 = 0; k0 < nch; k0 += 3) {
		unsigned int nk = nch - k0 < 3 ? nch - k0 : 3;
		double *v0 = buf + k0 * m, *v1 = nk > 1 ? v0 + m : v0, *v2 = nk > 2 ? v0 + 2 * m : v0;
		double p1 = z1[k0], p2 = z2[k0];
		double q1 = nk > 1 ? z1[k0 + 1] : 0, q2 = nk > 1 ? z2[k0 + 1] : 0;
		double r1 = nk > 2 ? z1[k0 + 2] : 0, r2 = nk > 2 ? z2[k0 + 2] : 0;
		/* a missing channel runs on a copy of channel 0 into a dummy slot */
		double dummy;
		double *o1 = nk > 1 ? v1 : &dummy, *o2 = nk > 2 ? v2 : &dummy;
		size_t step1 = nk > 1 ? 1 : 0, step2 = nk > 2 ? 1 : 0;

		for (size_t j = 0; j < m; j++) {
			size_t i = backward ? m - 1 - j : j;
			double x0 = v0[i], x1 = v1[i], x2 = v2[i];
			double y0 = b0 * x0 + p1, y1 = b0 * x1 + q1, y2 = b0 * x2 + r1;

			p1 = b1 * x0 - a1 * y0 + p2;
			q1 = b1 * x1 - a1 * y1 + q2;
			r1 = b1 * x2 - a1 * y2 + r2;
			p2 = b2 * x0 - a2 * y0;
			q2 = b2 * x1 - a2 * y1;
			r2 = b2 * x2 - a2 * y2;
			v0[i] = y0;
			o1[i * step1] = y1;
			o2[i * step2] = y2;
		}
	}
}

int fp_filtfilt2_multi(const struct fp_biquad *bq, double *const x[], unsigned int nch,
		       size_t n, double *work)
{
	const size_t pad = FP_FILTFILT_PAD;
	size_t m = n + 2 * pad;

	if (!bq || !x || !work || n <= pad || nch < 1 || nch > FP_FILTFILT_MAX_CH)
		return -EINVAL;
	for (unsigned int k = 0; k < nch; k++) {
		double *w = work + k * m;
		const double *v = x[k];

		if (!v)
			return -EINVAL;
		for (size_t i = 0; i < pad; i++) {
			w[i] = 2.0 * v[0] - v[pad - i];
			w[pad + n + i] = 2.0 * v[n - 1] - v[n - 2 - i];
		}
		memcpy(w + pad, v, n * sizeof(*v));
	}
	/* forward, then backward without reversing (same as scipy's flip) */
	run_settled_multi(bq, work, nch, m, 0);
	run_settled_multi(bq, work, nch, m, 1);
	for (unsigned int k = 0; k < nch; k++)
		memcpy(x[k], work + k * m + pad, n * sizeof(double));
	return 0;
}

int fp_filtfilt2_grow(const struct fp_biquad *bq, const double *x, double *y, size_t n,
		      struct fp_filtfilt_cache *fc)
{
	int ret = fp_filtfilt2_grow_from(bq, x, y, n, fc, 0);

	if (!ret)
		fp_filtfilt2_grow_rest(fc, y);
	return ret;
}

void fp_filtfilt2_grow_rest(const struct fp_filtfilt_cache *fc, double *y)
{
	const size_t pad = FP_FILTFILT_PAD;
	const double b0 = fc->coef[0], b1 = fc->coef[1], b2 = fc->coef[2];
	const double a1 = fc->coef[3], a2 = fc->coef[4];
	const double *f = fc->fwd;
	double q1 = fc->q1, q2 = fc->q2;

	/* the front padding's outputs are not kept: the pass stops at x[0] */
	for (size_t i = pad + fc->stop; i-- > pad;) {
		double xi = f[i], yi = b0 * xi + q1;

		q1 = b1 * xi - a1 * yi + q2;
		q2 = b2 * xi - a2 * yi;
		y[i - pad] = yi;
	}
}

int fp_filtfilt2_grow_from(const struct fp_biquad *bq, const double *x, double *y, size_t n,
			   struct fp_filtfilt_cache *fc, size_t stop)
{
	const size_t pad = FP_FILTFILT_PAD;
	const double b0 = bq ? bq->b0 : 0, b1 = bq ? bq->b1 : 0, b2 = bq ? bq->b2 : 0;
	const double a1 = bq ? bq->a1 : 0, a2 = bq ? bq->a2 : 0;
	const double coef[5] = { b0, b1, b2, a1, a2 };
	double *f, p1, p2, g;
	size_t i0;

	if (!bq || !x || !y || !fc || !fc->x || !fc->fwd || n <= pad || n > fc->cap ||
	    stop >= n)
		return -EINVAL;
	f = fc->fwd;
	g = fp_biquad_dc_gain(bq);
	if (fc->n > pad && fc->n <= n && !memcmp(fc->coef, coef, sizeof(coef)) &&
	    !memcmp(fc->x, x, fc->n * sizeof(*x))) {
		/* the front padding and [0, fc->n) are as before: resume there */
		i0 = fc->n;
		p1 = fc->z1;
		p2 = fc->z2;
	} else {
		double x0;

		for (size_t i = 0; i < pad; i++)
			f[i] = 2.0 * x[0] - x[pad - i];
		x0 = f[0];
		p2 = b2 * x0 - a2 * (g * x0);
		p1 = b1 * x0 - a1 * (g * x0) + p2;
		for (size_t i = 0; i < pad; i++) {
			double xi = f[i], yi = b0 * xi + p1;

			p1 = b1 * xi - a1 * yi + p2;
			p2 = b2 * xi - a2 * yi;
			f[i] = yi;
		}
		i0 = 0;
		memcpy(fc->coef, coef, sizeof(coef));
	}
	for (size_t i = i0; i < n; i++) {
		double xi = x[i], yi = b0 * xi + p1;

		p1 = b1 * xi - a1 * yi + p2;
		p2 = b2 * xi - a2 * yi;
		f[pad + i] = yi;
		fc->x[i] = xi;
	}
	fc->n = n;
	fc->z1 = p1;
	fc->z2 = p2;
	/* the tail padding is this call's own (the odd extension about x[n-1]) */
	for (size_t i = 0; i < pad; i++) {
		double xi = 2.0 * x[n - 1] - x[n - 2 - i], yi = b0 * xi + p1;

		p1 = b1 * xi - a1 * yi + p2;
		p2 = b2 * xi - a2 * yi;
		f[pad + n + i] = yi;
	}
	/* backward from the last forward output, settled on it */
	{
		size_t m = n + 2 * pad;
		double x0 = f[m - 1], q1, q2;

		q2 = b2 * x0 - a2 * (g * x0);
		q1 = b1 * x0 - a1 * (g * x0) + q2;
		for (size_t i = m; i-- > pad + n;) {
			double xi = f[i], yi = b0 * xi + q1;

			q1 = b1 * xi - a1 * yi + q2;
			q2 = b2 * xi - a2 * yi;
		}
		for (size_t i = pad + n; i-- > pad + stop;) {
			double xi = f[i], yi = b0 * xi + q1;

			q1 = b1 * xi - a1 * yi + q2;
			q2 = b2 * xi - a2 * yi;
			y[i - pad] = yi;
		}
		fc->stop = stop;
		fc->q1 = q1;
		fc->q2 = q2;
	}
	return 0;
}
