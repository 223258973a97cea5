// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_metrics.c - the force metrics of one step (docs/metrics.md):
 * impact peak (real or the 13 % virtual peak), time to impact, VALR and
 * VILR, active peak, braking/propulsive impulse, free moment peak, and,
 * once body weight is known, the BW-normalised values, vertical
 * oscillation of the centre of mass and vertical stiffness.
 *
 * Everything works on a struct gait_window filled by gait.c; the stance
 * is [c, e) and the filtered signals extend `pad` samples either side so
 * the forward-backward filter sees real data around the stance.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "gait_int.h"

double gait_interp(const double *y, size_t n, double t)
{
	size_t i;
	double u;

	if (t <= 0)
		return y[0];
	if (t >= (double)(n - 1))
		return y[n - 1];
	i = (size_t)t;
	u = t - (double)i;
	return y[i] + u * (y[i + 1] - y[i]);
}

int gait_filter_window(struct gait_window *w, const struct fp_biquad *bq)
{
	double *const out[3] = { w->fz_f, w->fy_f, w->tz_f };
	unsigned int nch = w->fy ? 3 : 1;   /* gait_fill_window(): Fz alone */

	w->fz_f_valid = 0;
	if (w->n <= FP_FILTFILT_PAD || w->e <= w->c + 2)
		return -EINVAL;
	if (nch == 1 && w->fz_cache) {
		/* Fz on [fz_from, n) only: gait_filter_window_rest() does the rest */
		w->fz_f_valid = fp_filtfilt2_grow_from(bq, w->fz, w->fz_f, w->n, w->fz_cache,
						       w->fz_from < w->n ? w->fz_from : 0) == 0;
		return w->fz_f_valid ? 0 : -EINVAL;
	}
	memcpy(w->fz_f, w->fz, w->n * sizeof(double));
	if (nch == 3) {
		memcpy(w->fy_f, w->fy, w->n * sizeof(double));
		memcpy(w->tz_f, w->tz, w->n * sizeof(double));
	}
	/* the channels are independent: Fz's values do not depend on nch */
	w->fz_f_valid = fp_filtfilt2_multi(bq, out, nch, w->n, w->work) == 0;
	return w->fz_f_valid ? 0 : -EINVAL;
}

void gait_filter_window_rest(struct gait_window *w)
{
	if (w->fz_f_valid && w->fz_cache)
		fp_filtfilt2_grow_rest(w->fz_cache, w->fz_f);
}

#define IMPACT_UNDECIDED (-2)

/*
 * Index of the impact peak in [c, e) or -1: the first local maximum at or
 * before index `last` (30 % of the stance) whose prominence (height above
 * the higher of the lowest points on either side, bounded by the stance
 * and by the next higher sample to the right, as scipy.signal.
 * peak_prominences) is at least `prominence` x the active peak.
 *
 * Over a stance still open (open 1) the curve is known on [c, end) and the
 * active peak lies in [active_lo, active_hi]: the same walk returns
 * IMPACT_UNDECIDED wherever later data could change its answer (no higher
 * sample yet, a prominence between the bounds, candidates still to come).
 * complete: `last` is final (an expected contact time), so once every
 * sample up to last + 1 is known the walk can end with -1. A candidate
 * below active_min (a lower bound on the active peak, 0: none) has a
 * higher sample to come: its prominence so far (the right side's lowest
 * point so far) can only grow, and clearing the upper bound decides it.
 */
static long impact_search(const double *f, size_t c, size_t last, size_t end, int open,
			  int complete, double active_min, double active_lo, double active_hi,
			  double prominence)
{
	double left_min = f[c];
	size_t i;

	for (i = c + 1; i <= last && i + 1 < end; i++) {
		size_t j;
		double right_min = f[i], prom;

		left_min = gait_fmin(left_min, f[i]);
		if (!(f[i] > f[i - 1] && f[i] > f[i + 1]))
			continue;
		for (j = i + 1; j < end && f[j] <= f[i]; j++)
			right_min = gait_fmin(right_min, f[j]);
		if (j == end) {
			if (!open)
				continue;       /* nothing higher later: the active peak */
			if (!(f[i] < active_min))
				return IMPACT_UNDECIDED;
			/* a higher sample will come; the prominence can only grow */
			if (f[i] - gait_fmax(left_min, right_min) >= prominence * active_hi)
				return (long)i;
			return IMPACT_UNDECIDED;
		}
		prom = f[i] - gait_fmax(left_min, right_min);
		if (prom >= prominence * active_hi)
			return (long)i;
		if (open && prom >= prominence * active_lo)
			return IMPACT_UNDECIDED;
	}
	if (open && !(complete && i > last))
		return IMPACT_UNDECIDED;
	return -1;
}

/* First upward crossing of level at or after index from (fractional index). */
static double crossing(const double *f, size_t from, size_t to, double level)
{
	for (size_t k = from; k <= to; k++)
		if (f[k] >= level) {
			if (k == 0 || f[k - 1] >= level)
				return (double)k;
			return (double)(k - 1) + (level - f[k - 1]) / (f[k] - f[k - 1]);
		}
	return NAN;
}

/*
 * The filtered curve's own onset: the last upward crossing of level at or
 * before index top, walking back from the peak (fractional index; NaN if
 * the curve never was below level in the window). The contact sample is
 * found on the raw force, and the zero-lag filter rings ahead of a sharp
 * rise: the filtered Fz there can already be above 20 % of the peak, so a
 * search forward from contact would put t20 on the contact sample, late,
 * and make the average rate higher than the steepest slope.
 */
static double onset_crossing(const double *f, size_t top, double level)
{
	for (size_t k = top; k > 0; k--)
		if (f[k] >= level && f[k - 1] < level)
			return (double)(k - 1) + (level - f[k - 1]) / (f[k] - f[k - 1]);
	return NAN;
}

/*
 * VALR = 0.6 peak / (t80 − t20) is the mean slope of the interpolated curve
 * over [t20, t80], VILR the steepest sample pair overlapping it: since t20
 * and t80 are both real crossings of the same curve, VALR <= VILR always.
 */
static void loading_rates(const struct gait_window *w, double peak_idx, double peak_n,
			  struct fp_step *s)
{
	const double *f = w->fz_f;
	size_t top = (size_t)ceil(peak_idx);
	double t20, t80, vilr = -INFINITY;

	if (!(peak_n > 0) || top >= w->n)
		return;
	t20 = onset_crossing(f, top, 0.2 * peak_n);
	if (isnan(t20))
		return;
	t80 = crossing(f, (size_t)floor(t20), top, 0.8 * peak_n);
	if (isnan(t80) || !(t80 > t20))
		return;
	s->valr_n_s = 0.6 * peak_n / ((t80 - t20) / w->rate_hz);
	/* every sample pair that overlaps [t20, t80] */
	for (size_t i = (size_t)floor(t20); (double)i < t80 && i + 1 < w->n; i++)
		vilr = gait_fmax(vilr, (f[i + 1] - f[i]) * w->rate_hz);
	s->vilr_n_s = isfinite(vilr) ? vilr : s->valr_n_s;
}

#define IMPACT_SHORT (-3)

/* The impact peak's index in the window, -1 (virtual), IMPACT_UNDECIDED or IMPACT_SHORT. */
static long impact_locate(const struct gait_window *w, double prominence, int open,
			  size_t settled, double active_min, double active_hi)
{
	const double *f = w->fz_f;
	size_t end = open ? settled : w->e;
	double ref = (double)(w->ref_n ? w->ref_n : w->e - w->c), active = -INFINITY;
	size_t last = w->c + (size_t)floor(0.3 * ref);

	if (end > w->n)
		end = w->n;
	if (end <= w->c + 2)
		return IMPACT_SHORT;
	for (size_t i = w->c; i < end; i++)
		active = gait_fmax(active, f[i]);
	return impact_search(f, w->c, last, end, open, w->ref_n != 0, open ? active_min : 0,
			     active, open ? gait_fmax(active, active_hi) : active, prominence);
}

/* Reads the filtered Fz on [c, n) alone (impact_locate() and impact_search()). */
int gait_impact_ready(const struct gait_window *w, double prominence, int open,
		      size_t settled, double active_min, double active_hi)
{
	return impact_locate(w, prominence, open, settled, active_min, active_hi) >= -1;
}

int gait_impact_metrics(const struct gait_window *w, double prominence, int open,
			size_t settled, double active_min, double active_hi, struct fp_step *s)
{
	const double *f = w->fz_f, dt = 1.0 / w->rate_hz;
	double ref = (double)(w->ref_n ? w->ref_n : w->e - w->c);
	long imp = impact_locate(w, prominence, open, settled, active_min, active_hi);

	if (imp == IMPACT_UNDECIDED || imp == IMPACT_SHORT)
		return 0;
	if (imp >= 0) {
		s->impact_virtual = 0;
		s->impact_peak_n = f[imp];
		s->time_to_impact_ms = (double)((size_t)imp - w->c) * 1000.0 * dt;
		loading_rates(w, (double)imp, s->impact_peak_n, s);
	} else {
		/* No impact peak (mid/forefoot): Fz at 13 % of stance (Ueda 2016),
		 * of the expected contact time when there is one. */
		double t13 = (double)w->c + 0.13 * ref;

		s->impact_virtual = 1;
		s->impact_peak_n = gait_interp(f, w->n, t13);
		s->time_to_impact_ms = 0.13 * ref * 1000.0 * dt;
		loading_rates(w, t13, s->impact_peak_n, s);
	}
	return 1;
}

void gait_force_metrics(const struct gait_window *w, double prominence, struct fp_step *s)
{
	const double *f = w->fz_f, dt = 1.0 / w->rate_hz;
	size_t imax = w->c;
	double brake = 0, prop = 0, tz_peak = 0;

	for (size_t i = w->c; i < w->e; i++) {
		if (f[i] > f[imax])
			imax = i;
		if (w->fy_f[i] < 0)
			brake += w->fy_f[i] * dt;
		else
			prop += w->fy_f[i] * dt;
		if (fabs(w->tz_f[i]) > fabs(tz_peak))
			tz_peak = w->tz_f[i];
	}
	s->active_peak_n = f[imax];
	s->time_to_active_peak_ms = (double)(imax - w->c) * 1000.0 * dt;
	s->braking_impulse_ns = brake;
	s->propulsive_impulse_ns = prop;
	s->free_moment_peak_nm = tz_peak;
	if (s->gait == FP_GAIT_WALKING) {
		/*
		 * Walking: the first vertical force peak (weight acceptance), the
		 * largest filtered Fz in the first half of the stance (the valley
		 * of the double hump is at mid-stance). A heel-strike transient
		 * before it is reported on its own: with a 0.5 % prominence the
		 * impact peak is the transient on some walking files and the
		 * first peak on others, rates 4-7 times apart.
		 */
		size_t last = w->c + (size_t)floor(0.3 * (double)(w->e - w->c));
		long imp = impact_search(f, w->c, last, w->e, 0, 0, 0, f[imax], f[imax],
					  prominence);
		size_t half = w->c + (w->e - w->c) / 2, i1 = w->c;

		for (size_t i = w->c; i <= half && i < w->e; i++)
			if (f[i] > f[i1])
				i1 = i;
		s->impact_virtual = 0;
		s->impact_peak_n = f[i1];
		s->time_to_impact_ms = (double)(i1 - w->c) * 1000.0 * dt;
		if (imp >= 0 && (size_t)imp < i1 && f[imp] < f[i1]) {
			s->transient_peak_n = f[imp];
			s->time_to_transient_ms = (double)((size_t)imp - w->c) * 1000.0 * dt;
		}
		loading_rates(w, (double)i1, s->impact_peak_n, s);
	} else {
		gait_impact_metrics(w, prominence, 0, w->e, 0, f[imax], s);
	}
}

/*
 * Centre of mass over the step cycle (Cavagna 1975): a = Fz/m − g,
 * integrated twice with the mean acceleration removed (steady running:
 * same velocity at both ends) and zero-mean velocity. Oscillation is the
 * peak-to-peak displacement; vertical stiffness is the active peak over
 * the downward displacement from contact to the lowest point in stance.
 */
static void com_metrics(const struct gait_window *w, struct fp_step *s)
{
	size_t n = w->cycle_n, stance = w->e - w->c;
	double m = s->body_weight_n / FP_GRAVITY, dt = 1.0 / w->rate_hz;
	double *v = w->tmp, amean = 0, vmean = 0, z = 0, zmin, zmax, z0 = 0, zlow;

	if (n < 4 || !(m > 0))
		return;
	for (size_t i = 0; i < n; i++)
		amean += w->cycle_fz[i] / m - FP_GRAVITY;
	amean /= (double)n;
	v[0] = 0;
	/* each sample's acceleration once (one division, not two): a0 is the
	 * previous sample's a1, the same expression */
	{
		double a0 = w->cycle_fz[0] / m - FP_GRAVITY - amean;

		for (size_t i = 1; i < n; i++) {
			double a1 = w->cycle_fz[i] / m - FP_GRAVITY - amean;

			v[i] = v[i - 1] + 0.5 * (a0 + a1) * dt;
			a0 = a1;
		}
	}
	for (size_t i = 0; i < n; i++)
		vmean += v[i];
	vmean /= (double)n;
	zmin = zmax = zlow = 0;
	for (size_t i = 1; i < n; i++) {
		z += 0.5 * ((v[i - 1] - vmean) + (v[i] - vmean)) * dt;
		zmin = gait_fmin(zmin, z);
		zmax = gait_fmax(zmax, z);
		if (i < stance)
			zlow = gait_fmin(zlow, z);
	}
	s->vertical_oscillation_cm = (zmax - zmin) * 100.0;
	if (z0 - zlow > 1e-6)
		s->vertical_stiffness_kn_m = s->active_peak_n / (z0 - zlow) / 1000.0;
}

void gait_bw_metrics(const struct gait_window *w, struct fp_step *s)
{
	double bw = s->body_weight_n;

	if (!(bw > 0))
		return;
	s->impact_peak_bw = s->impact_peak_n / bw;
	s->valr_bw_s = s->valr_n_s / bw;
	s->vilr_bw_s = s->vilr_n_s / bw;
	s->active_peak_bw = s->active_peak_n / bw;
	if (w->fz_f_valid)
		for (int k = 0; k < FP_STEP_CURVE_POINTS; k++)
			s->curve_fz_bw[k] = (float)(gait_interp(w->fz_f, w->n, (double)w->c +
					(double)(w->e - w->c) * k / (FP_STEP_CURVE_POINTS - 1)) / bw);
	com_metrics(w, s);
}
