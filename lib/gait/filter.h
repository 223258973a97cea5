/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * filter.h - Butterworth low-pass filters as biquad sections.
 *
 * Two uses in fplate (DESIGN §3):
 *  - live frames: a causal low-pass, a cascade of biquads (default 4th-order
 *    Butterworth) run sample by sample with fp_biquad_run();
 *  - per-step metrics: a zero-lag 2nd-order Butterworth run forward and
 *    backward over the stance window, fp_filtfilt2(), which gives the same
 *    result as scipy.signal.filtfilt(b, a, x) with its defaults (odd
 *    extension of 9 samples at each end, steady-state initial conditions).
 *    The effective response is 4th order with |H|² at the cutoff, and the
 *    cutoff is NOT corrected for the double pass (the value is reported with
 *    each step, as loading rates depend on it).
 *
 * Coefficients come from the bilinear transform with frequency pre-warping,
 * identical to scipy.signal.butter(N, fc / (fs / 2)). No allocation except
 * where stated; no global state.
 */
#ifndef FPLATE_FILTER_H
#define FPLATE_FILTER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One second-order section, direct form II transposed. a0 is 1. */
struct fp_biquad {
	double b0, b1, b2;
	double a1, a2;
	double z1, z2;            /* state */
};

#define FP_FILTER_MAX_SECTIONS 4  /* up to 8th order */

/* A cascade of sections: an even-order Butterworth low-pass. */
struct fp_lowpass {
	unsigned int sections;
	struct fp_biquad s[FP_FILTER_MAX_SECTIONS];
};

/*
 * 2nd-order Butterworth low-pass section for cutoff_hz at rate_hz.
 * -EINVAL unless 0 < cutoff_hz < rate_hz / 2. State is zeroed.
 */
int fp_butter2_lowpass(double cutoff_hz, double rate_hz, struct fp_biquad *bq);

/*
 * Butterworth low-pass of even order (2, 4, 6, 8) as a cascade of sections.
 * -EINVAL for a bad order or cutoff. State is zeroed.
 */
int fp_lowpass_init(struct fp_lowpass *lp, unsigned int order, double cutoff_hz,
		    double rate_hz);

/* Filter one sample through one section / the cascade (causal). */
double fp_biquad_step(struct fp_biquad *bq, double x);
double fp_lowpass_step(struct fp_lowpass *lp, double x);

/* Set the state as if x had been the input forever (no start-up transient). */
void fp_biquad_settle(struct fp_biquad *bq, double x);
void fp_lowpass_settle(struct fp_lowpass *lp, double x);

/* DC gain (b0 + b1 + b2) / (1 + a1 + a2). */
double fp_biquad_dc_gain(const struct fp_biquad *bq);

/* |H(f)| of a section at frequency f for sample rate fs. */
double fp_biquad_magnitude(const struct fp_biquad *bq, double f_hz, double rate_hz);

/* Padding fp_filtfilt2() adds at each end (scipy's default 3 * 3). */
#define FP_FILTFILT_PAD 9

/*
 * Zero-lag forward-backward filter of x[0..n) into y[0..n) with the
 * coefficients of bq (its state is not used or changed). x and y may be the
 * same array. work must hold n + 2 * FP_FILTFILT_PAD doubles (caller owns).
 * -EINVAL when n <= FP_FILTFILT_PAD (too short to pad) or a pointer is NULL.
 */
int fp_filtfilt2(const struct fp_biquad *bq, const double *x, double *y, size_t n,
		 double *work);

/*
 * fp_filtfilt2() over nch (1..FP_FILTFILT_MAX_CH) channels of n samples at
 * once, in place (x[k] is channel k). The channels are independent
 * recursions run side by side, which the CPU overlaps: several times
 * faster than one channel after the other. work must hold
 * nch * (n + 2 * FP_FILTFILT_PAD) doubles. Same errors as fp_filtfilt2().
 */
#define FP_FILTFILT_MAX_CH 4
int fp_filtfilt2_multi(const struct fp_biquad *bq, double *const x[], unsigned int nch,
		       size_t n, double *work);

/*
 * The forward pass of fp_filtfilt2() kept between calls over a growing
 * signal (the impact phase of an open stance is tried every 2 ms over the
 * window so far): the arrays hold cap samples (+ 2 * FP_FILTFILT_PAD for
 * fwd), owned by the caller; zero the rest to start.
 */
struct fp_filtfilt_cache {
	double *x;                /* the samples the forward pass ran over, [0, n) */
	double *fwd;              /* its outputs, padded index [0, pad + n) */
	size_t n, cap;
	double z1, z2;            /* the state after fwd[pad + n - 1] */
	double coef[5];           /* b0 b1 b2 a1 a2 it ran with */
	size_t stop;              /* the backward pass stopped above y[stop] */
	double q1, q2;            /* its state there */
};

/*
 * fp_filtfilt2(bq, x, y, n, ...) with the forward pass resumed where the
 * last call's stopped when x begins with that call's samples (bit for bit,
 * checked) and the coefficients are the same; otherwise run whole. The
 * result is the same bits either way (the same operations in the same
 * order). x and y must not overlap. -EINVAL as fp_filtfilt2() or n > cap.
 */
int fp_filtfilt2_grow(const struct fp_biquad *bq, const double *x, double *y, size_t n,
		      struct fp_filtfilt_cache *fc);

/*
 * fp_filtfilt2_grow() with the backward pass stopped at y[stop] (y[stop,
 * n) written, y[0, stop) not; stop < n): fp_filtfilt2_grow_rest() then
 * continues it over y[0, stop) from the state it stopped in, so both
 * together write the same bits as fp_filtfilt2_grow() (the same
 * operations in the same order). The impact decision needs [c, n) at every
 * try and the padding before the contact only once it has decided.
 */
int fp_filtfilt2_grow_from(const struct fp_biquad *bq, const double *x, double *y, size_t n,
			   struct fp_filtfilt_cache *fc, size_t stop);
void fp_filtfilt2_grow_rest(const struct fp_filtfilt_cache *fc, double *y);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_FILTER_H */
