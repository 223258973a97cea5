// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_cop.c - centre-of-pressure progression through the foot
 * (docs/metrics.md, DESIGN §3): contact position, the rapid inward roll,
 * push-off through the big toe or not, AP path and foot progression angle.
 *
 * Foot frame: the COP is taken relative to the foot, which rides the belt
 * during the stance: belt-corrected along the direction of travel,
 * y_foot = y_plate + v·(t − t_contact), v the belt speed (with foot markers
 * and no belt speed known: the metatarsal heads' speed over mid-stance,
 * the part of the foot that stays on the belt). The foot axis is anatomical (heel to the midpoint of
 * the metatarsal heads) with markers, else the direction of travel turned
 * by a configured toe-out, else the direction of travel itself; it passes
 * through the mean mid-stance COP (30-70 % of stance). The medio-lateral
 * axis is signed + medial for either foot (the plate's +x points to the
 * runner's right: medial is +x for the left foot, −x for the right foot).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gait_int.h"

/*
 * The span [a, b) of the stance with a usable COP: from the first to the
 * last sample where Fz >= frac × the stance maximum and the COP is finite.
 */
static int cop_span(const struct gait_window *w, double frac, double min_n, size_t *a, size_t *b)
{
	double peak = 0, lim;
	size_t i;

	for (i = w->c; i < w->e; i++)
		peak = gait_fmax(peak, w->fz[i]);
	if (!(peak > 0))
		return 0;
	lim = gait_fmax(frac * peak, min_n);
	for (i = w->c; i < w->e && !(w->fz[i] >= lim && isfinite(w->copx[i]) &&
				      isfinite(w->copy[i])); i++)
		;
	*a = i;
	for (i = w->e; i > *a && !(w->fz[i - 1] >= lim && isfinite(w->copx[i - 1]) &&
				    isfinite(w->copy[i - 1])); i--)
		;
	*b = i;
	return *b >= *a + 3;
}

/* Mean position and L/R use the well-loaded part (Fz >= 10 % of peak). */
static int loaded_span(const struct gait_window *w, size_t *a, size_t *b)
{
	return cop_span(w, 0.10, 0, a, b);
}

void gait_cop_mean(const struct gait_window *w, double *x_mm, double *y_mm,
		   double *y_contact_mm, double *contact_lag_s, double *x_shift_mm)
{
	size_t a, b, n = 0, third;
	double sx = 0, sy = 0, x_first = 0, x_last = 0;
	size_t n_first = 0, n_last = 0;

	*x_mm = *y_mm = *y_contact_mm = NAN;
	*x_shift_mm = *contact_lag_s = 0;
	if (!loaded_span(w, &a, &b))
		return;
	third = (b - a) / 3;
	for (size_t i = a; i < b; i++)
		if (isfinite(w->copx[i]) && isfinite(w->copy[i])) {
			sx += w->copx[i];
			sy += w->copy[i];
			n++;
			if (i < a + third) {
				x_first += w->copx[i];
				n_first++;
			} else if (i >= b - third) {
				x_last += w->copx[i];
				n_last++;
			}
		}
	*x_mm = sx / (double)n;
	*y_mm = sy / (double)n;
	/* read where the COP is reliable (10 % load), this long after the contact */
	*y_contact_mm = w->copy[a];
	*contact_lag_s = ((double)a - (double)w->c) / w->rate_hz;
	/* A second foot landing moves the COP sideways for the rest of the
	 * stance; means over thirds keep COP noise out of it. */
	if (n_first && n_last)
		*x_shift_mm = fabs(x_last / (double)n_last - x_first / (double)n_first);
}

/*
 * Fill NaN holes inside [a, b) linearly between finite neighbours; the
 * ends take the nearest finite value. All NaN: left as it is.
 */
void gait_fill_holes(double *v, size_t a, size_t b)
{
	size_t last = b;

	for (size_t i = a; i < b; i++) {
		if (!isfinite(v[i]))
			continue;
		if (last == b)
			for (size_t k = a; k < i; k++)
				v[k] = v[i];
		else
			for (size_t k = last + 1; k < i; k++)
				v[k] = v[last] + (v[i] - v[last]) * (double)(k - last) /
					       (double)(i - last);
		last = i;
	}
	if (last != b)
		for (size_t k = last + 1; k < b; k++)
			v[k] = v[last];
}

/*
 * Foot-frame path over [a, b): holes filled, belt-corrected and copied,
 * unfiltered, to tmp2 (x) and tmp3 (y) for early_roll(); then the lightly
 * loaded start is held at the first sample with Fz >= 10 % of the peak
 * (the COP is mostly noise over a small Fz there and the filter would
 * spread it into the inward roll) and the path zero-lag filtered.
 */
static void foot_path(const struct gait_window *w, const struct fp_biquad *bq, double v,
		      size_t a, size_t b)
{
	double *x = w->copx, *y = w->copy, fz_peak = 0;
	size_t a10;

	for (size_t i = w->c; i < w->e; i++)
		fz_peak = gait_fmax(fz_peak, w->fz[i]);
	gait_fill_holes(x, a, b);
	gait_fill_holes(y, a, b);
	for (size_t i = a; i < b; i++)       /* belt correction (0: unknown) */
		y[i] += (isfinite(v) ? v : 0.0) * (double)(i - w->c) / w->rate_hz * 1000.0;
	memcpy(w->tmp2 + a, x + a, (b - a) * sizeof(double));
	memcpy(w->tmp3 + a, y + a, (b - a) * sizeof(double));
	for (a10 = a; a10 + 1 < b && !(w->fz[a10] >= 0.1 * fz_peak); a10++)
		;
	for (size_t i = a; i < a10; i++) {
		x[i] = x[a10];
		y[i] = y[a10];
	}
	if (b - a > FP_FILTFILT_PAD) {
		double *const xy[2] = { x + a, y + a };

		fp_filtfilt2_multi(bq, xy, 2, b - a, w->work);
	}
}

/*
 * The medial velocity at sample i (mm per sample): the slope of a line
 * fitted to ml[] over [i - h, i + h] within [lo, hi), weighted by a
 * tricube kernel and by Fz², since the COP's noise is a moment's noise
 * over Fz (its variance goes as 1/Fz²). Lightly loaded samples, whose COP
 * is mostly noise, so count for little.
 */
static double roll_slope(const double *ml, const double *fz, size_t lo, size_t hi, size_t i,
			 size_t h, const double *kern)
{
	double s0 = 0, s1 = 0, s2 = 0, r0 = 0, r1 = 0, d;
	size_t j0 = i > lo + h ? i - h : lo, j1 = i + h + 1 < hi ? i + h + 1 : hi;

	for (size_t j = j0; j < j1; j++) {
		double u = (double)j - (double)i;
		double wt = kern[j > i ? j - i : i - j] * fz[j] * fz[j];

		s0 += wt;
		s1 += wt * u;
		s2 += wt * u * u;
		r0 += wt * ml[j];
		r1 += wt * u * ml[j];
	}
	d = s0 * s2 - s1 * s1;
	return d > 0 ? (s0 * r1 - s1 * r0) / d : NAN;
}

/* The tricube kernel of roll_slope() at |u| = 0..h, computed once per step. */
static void roll_kernel(size_t h, double *kern)
{
	for (size_t a = 0; a <= h; a++) {
		double q = (double)a / (double)(h + 1), k = 1 - q * q * q;

		kern[a] = k * k * k;
	}
}

/*
 * The Fz²-weighted mean of v over [from, to): the COP's noise variance
 * goes as 1/Fz², so this is its least-noisy average where the load is
 * changing fast (contact and toe-off).
 */
static double loaded_mean(const double *v, const double *fz, size_t from, size_t to)
{
	double s0 = 0, r0 = 0;

	for (size_t j = from; j < to; j++) {
		s0 += fz[j] * fz[j];
		r0 += fz[j] * fz[j] * v[j];
	}
	return s0 > 0 ? r0 / s0 : v[from];
}

/*
 * loaded_mean() of the plate's y over [from, to) from the belt-corrected
 * y (foot_path(): y + v·(i − c)), the belt's share taken out again.
 */
static double plate_y_mean(const struct gait_window *w, const double *y, double v,
			   size_t from, size_t to)
{
	double s0 = 0, r0 = 0;

	for (size_t j = from; j < to; j++) {
		double fz2 = w->fz[j] * w->fz[j];

		s0 += fz2;
		r0 += fz2 * (y[j] - v * (double)(j - w->c) / w->rate_hz * 1000.0);
	}
	return s0 > 0 ? r0 / s0 : NAN;
}

/*
 * Samples at either end of the stance that loaded_mean() averages, the
 * half-width of roll_slope()'s fit (each at least END_MIN_SAMPLES), and the
 * largest COP noise per sample the ends are read with.
 */
#define END_MEAN_MS      7.5
#define ROLL_FIT_MS      8.0
#define END_MIN_SAMPLES  3
#define END_COP_NOISE_MM 3.0

static size_t ms_samples(double ms, double rate_hz)
{
	size_t n = (size_t)lround(ms * rate_hz / 1000.0);

	return n < END_MIN_SAMPLES ? END_MIN_SAMPLES : n;
}

/*
 * The k-th smallest of v[0..n) (v is reordered): Hoare's selection, O(n)
 * on average where a sort is O(n log n); the value is the same as
 * v[k] after sorting, since an order statistic does not depend on how
 * it is found. NaN-free input.
 */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/*
 * The stance's moment noise, N·mm (COP noise × Fz, the same at every
 * load), from the unfiltered COP x over mid-stance (30-70 %), where the
 * path is smooth: a second difference x[i+1] − 2x[i] + x[i−1] is noise of
 * variance 6σ², and the median of |that| × Fz keeps the real motion and
 * outliers out. NaN with fewer than 5 samples. scratch: n doubles.
 */
static double moment_noise(const struct gait_window *w, const double *x, size_t a, size_t b,
			   double *scratch)
{
	size_t m0 = w->c + (size_t)lround(0.3 * (double)(w->e - w->c));
	size_t m1 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c)), n = 0;

	m0 = m0 < a + 1 ? a + 1 : m0;
	m1 = m1 + 1 > b ? b - 1 : m1;
	for (size_t i = m0; i < m1; i++) {
		double d = fabs(x[i + 1] - 2.0 * x[i] + x[i - 1]) * w->fz[i];

		if (isfinite(d))
			scratch[n++] = d;
	}
	if (n < 5)
		return NAN;
	return select_kth(scratch, n, n / 2) / (0.6745 * sqrt(6.0));
}

/*
 * [*ar, *br): where the COP is read at contact and toe-off. From the load
 * where its noise (moment noise / Fz) is END_COP_NOISE_MM: at least the
 * 20 N of contact, at most 10 % of the stance's peak — on a noisy plate
 * (the RBDS treadmill at 300 Hz: COP jumps of 20-100 mm below 200 N) that
 * is where metrics_version 1 read it.
 */
static void reliable_span(const struct gait_window *w, size_t a, size_t b, double fz_peak,
			  size_t *ar, size_t *br, double *noise_nmm)
{
	double noise = moment_noise(w, w->tmp2, a, b, w->work);

	*noise_nmm = noise;
	double f = isfinite(noise) ? gait_fmax(20.0, noise / END_COP_NOISE_MM) : 0.1 * fz_peak;

	f = gait_fmin(f, 0.1 * fz_peak);
	for (*ar = a; *ar < b && !(w->fz[*ar] >= f); (*ar)++)
		;
	for (*br = b; *br > *ar && !(w->fz[*br - 1] >= f); (*br)--)
		;
	if (*br < *ar + 2 * END_MIN_SAMPLES) {
		*ar = a;
		*br = b;
	}
}

/*
 * The early stance from the unfiltered ML (raw[], + medial): the contact
 * position, loaded_mean() over END_MEAN_MS from ar (reliable_span()), and
 * the inward roll's peak velocity, the largest roll_slope() up to i20
 * where Fz has reached 10 % of its peak (before that the slope is an
 * extrapolation from the loaded samples, not a measurement).
 */
static void early_roll(const struct gait_window *w, const double *raw, size_t a, size_t b,
		       size_t ar, size_t i20, double fz_peak, double *contact_mm,
		       double *velocity_mm_s)
{
	size_t nc = ms_samples(END_MEAN_MS, w->rate_hz), h = ms_samples(ROLL_FIT_MS, w->rate_hz);
	double best = -INFINITY, *kern = w->work;   /* h + 1 doubles; work is unused here */

	*contact_mm = loaded_mean(raw, w->fz, ar, ar + nc < b ? ar + nc : b);
	roll_kernel(h, kern);
	for (size_t i = a; i < b && i <= i20; i++)
		if (w->fz[i] >= 0.1 * fz_peak)
			best = gait_fmax(best, roll_slope(raw, w->fz, a, b, i, h, kern));
	*velocity_mm_s = isfinite(best) ? best * w->rate_hz : NAN;
}

/* Mid-stance, 30-70 % of the stance, within [a, b) (all of it if short). */
static void mid_stance(const struct gait_window *w, size_t a, size_t b, size_t *m0, size_t *m1)
{
	*m0 = w->c + (size_t)lround(0.3 * (double)(w->e - w->c));
	*m1 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c));
	*m0 = *m0 < a ? a : *m0;
	*m1 = *m1 > b ? b : *m1;
	if (*m1 < *m0 + 3) {
		*m0 = a;
		*m1 = b;
	}
}

/*
 * The foot axis: a line through the mean mid-stance COP (mx, my) with the
 * direction (dx, dy), heel to toe: from the markers (heel to the midpoint
 * of the metatarsal heads, mean over mid-stance; the foot is fixed, so no
 * belt speed is needed), else the direction of travel +y turned outward by
 * the configured toe-out, else +y. Returns the enum fp_foot_frame used.
 */
static int foot_axis(const struct gait_window *w, size_t a, size_t b, double sgn, double *mx,
		     double *my, double *dx, double *dy)
{
	size_t m0, m1;
	double ux = 0, uy = 0, len;

	mid_stance(w, a, b, &m0, &m1);
	*mx = *my = 0;
	for (size_t i = m0; i < m1; i++) {
		*mx += w->copx[i];
		*my += w->copy[i];
		if (w->have_markers) {
			ux += (w->mk[2][i] + w->mk[4][i]) / 2 - w->mk[0][i];
			uy += (w->mk[3][i] + w->mk[5][i]) / 2 - w->mk[1][i];
		}
	}
	*mx /= (double)(m1 - m0);
	*my /= (double)(m1 - m0);
	len = hypot(ux, uy);
	if (w->have_markers && len > 0 && isfinite(len)) {
		*dx = ux / len;
		*dy = uy / len;
		return FP_FRAME_MARKERS;
	}
	if (isfinite(w->toe_out_deg)) {
		/* toe-out turns the toe laterally: −x for the left foot, +x for the right */
		*dx = -sgn * sin(w->toe_out_deg * M_PI / 180.0);
		*dy = cos(w->toe_out_deg * M_PI / 180.0);
		return FP_FRAME_CONFIGURED;
	}
	*dx = 0;
	*dy = 1;
	return FP_FRAME_TRAVEL;
}

/*
 * Push-off between the metatarsal heads (markers): the foot-fixed COP p
 * (x, y) at push-off projected on the line from the lateral head (0) to
 * the medial head (1), the heads' foot-fixed positions averaged over
 * [from, b), whichever marker is medial by geometry (its offset from the
 * foot axis, + medial). NaN without markers. *noise: the fraction's SD
 * from the plate's noise, p_noise_mm (the SD of p) over the heads' distance.
 */
static double pushoff_fraction(const struct gait_window *w, const double p[2], size_t from,
			       size_t b, double sgn, double v, double dx, double dy,
			       double p_noise_mm, double *noise)
{
	double h[2][2] = { { 0 } }, hx, hy, d[2], l2;
	size_t n = 0, med;

	if (!w->have_markers || from >= b || !isfinite(p[0]) || !isfinite(p[1]))
		return NAN;
	for (size_t i = from; i < b; i++) {
		double oy = -v * (double)(i - w->c) / w->rate_hz * 1000.0;

		for (int k = 0; k < 2; k++) {
			h[k][0] += w->mk[2 + 2 * k][i];
			h[k][1] += w->mk[3 + 2 * k][i] - oy;
		}
		n++;
	}
	for (int k = 0; k < 2; k++) {
		h[k][0] /= (double)n;
		h[k][1] /= (double)n;
	}
	/* medial offset of each head from the axis through the heel (mid-stance),
	 * foot-fixed as the heads are (the heel's term cancels in the choice) */
	hx = w->mk[0][(w->c + w->e) / 2];
	hy = w->mk[1][(w->c + w->e) / 2] + v * (double)((w->e - w->c) / 2) / w->rate_hz * 1000.0;
	med = sgn * ((h[0][0] - hx) * dy - (h[0][1] - hy) * dx) >=
	      sgn * ((h[1][0] - hx) * dy - (h[1][1] - hy) * dx) ? 0 : 1;
	d[0] = h[med][0] - h[1 - med][0];
	d[1] = h[med][1] - h[1 - med][1];
	l2 = d[0] * d[0] + d[1] * d[1];
	if (!(l2 > 100.0))                /* heads less than 1 cm apart: markers wrong */
		return NAN;
	*noise = p_noise_mm / sqrt(l2);
	return ((p[0] - h[1 - med][0]) * d[0] + (p[1] - h[1 - med][1]) * d[1]) / l2;
}

/*
 * The stance's COP at 0..100 % (struct fp_step curves): ML as computed for
 * the metrics, AP along the foot axis from the contact position; NaN
 * outside [a, b), where the COP is not defined.
 */
static void cop_curves(const struct gait_window *w, size_t a, size_t b,
		       const double *ml, double mx, double my, double dx, double dy,
		       struct fp_step *s)
{
	double ap0 = (w->copx[a] - mx) * dx + (w->copy[a] - my) * dy;
	double span = (double)(w->e - w->c);

	for (int k = 0; k < FP_STEP_CURVE_POINTS; k++) {
		double t = (double)w->c + span * k / (FP_STEP_CURVE_POINTS - 1);
		double x, y;

		if (t < (double)a || t > (double)(b - 1))
			continue;
		x = gait_interp(w->copx, w->n, t);
		y = gait_interp(w->copy, w->n, t);
		s->curve_cop_ml_mm[k] = (float)gait_interp(ml, w->n, t);
		s->curve_cop_ap_mm[k] = (float)((x - mx) * dx + (y - my) * dy - ap0);
	}
}

/*
 * Without markers the COP's motion along y mixes the heel-to-toe path with
 * the belt's: with the belt speed unknown, what depends on y is dropped
 * (the AP path and velocity, and the medial offsets too when a configured
 * toe-out tilts the axis), flagged NO_BELT_SPEED. Results no foot can
 * produce (an AP path running backward, a foot turned more than 40°) are
 * dropped and flagged IMPLAUSIBLE, never published as numbers.
 */
static void plausible(struct fp_step *s, double dx)
{
	if (!isfinite(s->belt_speed_mps)) {
		s->flags |= FP_STEP_NO_BELT_SPEED;
		s->cop_ap_path_mm = s->cop_ap_velocity_m_s = NAN;
		for (int k = 0; k < FP_STEP_CURVE_POINTS; k++)
			s->curve_cop_ap_mm[k] = NAN;
		if (fabs(dx) > 1e-12) {
			s->cop_contact_ml_mm = s->inroll_velocity_mm_s = NAN;
			s->inroll_excursion_mm = s->pushoff_ml_mm = s->pushoff_medial_pct = NAN;
			for (int k = 0; k < FP_STEP_CURVE_POINTS; k++)
				s->curve_cop_ml_mm[k] = NAN;
		}
	}
	if (s->cop_ap_path_mm < 0) {
		s->flags |= FP_STEP_IMPLAUSIBLE;
		s->cop_ap_path_mm = s->cop_ap_velocity_m_s = NAN;
	}
	if (fabs(s->foot_progression_deg) > FP_GAIT_MAX_TOE_OUT_DEG) {
		s->flags |= FP_STEP_IMPLAUSIBLE;
		s->foot_progression_deg = NAN;
	}
}

/*
 * The belt speed from the foot markers: the metatarsal heads rest on the
 * belt from foot-flat to heel-off, so their midpoint moves backward (−y)
 * at the belt's speed over mid-stance (30-70 %). m/s, NaN without markers.
 */
static double marker_belt_speed(const struct gait_window *w)
{
	size_t m0 = w->c + (size_t)lround(0.3 * (double)(w->e - w->c));
	size_t m1 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c));
	double y0, y1;

	if (!w->have_markers || m1 <= m0 || m1 >= w->n)
		return NAN;
	y0 = (w->mk[3][m0] + w->mk[5][m0]) / 2;
	y1 = (w->mk[3][m1] + w->mk[5][m1]) / 2;
	return -(y1 - y0) / 1000.0 / ((double)(m1 - m0) / w->rate_hz);
}

void gait_cop_metrics(const struct gait_window *w, const struct fp_biquad *bq,
		      struct fp_step *s)
{
	size_t a, b, ar, br, i20, i70, i90, ipo, medial = 0, count = 0, n_end = 0;
	const double *y = w->copy;
	double *ml = w->tmp, rate = w->rate_hz, sgn = s->foot == 'R' ? -1.0 : 1.0;
	double *raw = w->tmp2, *ap = w->tmp3, mx, my, dx, dy, path, peak_ml, contact;
	double sum_end = 0, fz_peak = 0, po[2], noise, fz2 = 0;
	size_t ne = ms_samples(END_MEAN_MS, rate);

	/* The progression uses the COP down to 20 N: push-off ends at low load. */
	if ((s->foot != 'L' && s->foot != 'R') || !cop_span(w, 0, 20.0, &a, &b))
		return;
	if (!isfinite(s->belt_speed_mps) && w->have_markers) {
		s->belt_speed_mps = marker_belt_speed(w);
		if (!(s->belt_speed_mps >= 0 && s->belt_speed_mps < 30))
			s->belt_speed_mps = NAN;
	}
	foot_path(w, bq, s->belt_speed_mps, a, b);
	for (size_t i = w->c; i < w->e; i++)
		fz_peak = gait_fmax(fz_peak, w->fz[i]);
	reliable_span(w, a, b, fz_peak, &ar, &br, &noise);
	s->foot_frame = foot_axis(w, a, b, sgn, &mx, &my, &dx, &dy);
	/*
	 * The push-off position: the Fz²-weighted mean of the unfiltered
	 * foot-fixed COP over the last 10 % of stance down to the reliable
	 * load, at least the last END_MEAN_MS before it (the AP path's end):
	 * the least noisy estimate where Fz falls.
	 */
	ipo = w->c + (size_t)lround(0.9 * (double)(w->e - w->c));
	if (br >= ar + ne && ipo > br - ne)
		ipo = br - ne;
	if (ipo < ar)
		ipo = ar;
	po[0] = ipo < br ? loaded_mean(raw, w->fz, ipo, br) : NAN;
	po[1] = ipo < br ? loaded_mean(ap, w->fz, ipo, br) : NAN;
	/* noise model: each sample's COP noise is moment noise / Fz, so the
	 * Fz²-weighted mean's is moment noise / √ΣFz² */
	for (size_t i = ipo; i < br; i++)
		fz2 += w->fz[i] * w->fz[i];
	/* The plate-frame y travel, from the same ends as the AP path below. */
	s->cop_y_travel_mm =
		plate_y_mean(w, ap, isfinite(s->belt_speed_mps) ? s->belt_speed_mps : 0,
			     br > ar + ne ? br - ne : ar, br) -
		plate_y_mean(w, ap, isfinite(s->belt_speed_mps) ? s->belt_speed_mps : 0,
			     ar, ar + ne < br ? ar + ne : br);
	/* Medial offset from the foot axis: + medial for either foot. */
	for (size_t i = a; i < b; i++) {
		double rx = raw[i], ry = ap[i];

		ml[i] = sgn * ((w->copx[i] - mx) * dy - (y[i] - my) * dx);
		raw[i] = sgn * ((rx - mx) * dy - (ry - my) * dx);
		ap[i] = (rx - mx) * dx + (ry - my) * dy;      /* along the foot */
	}
	if (s->foot_frame != FP_FRAME_TRAVEL)
		s->foot_progression_deg = atan2(-sgn * dx, dy) * 180.0 / M_PI;
	i20 = w->c + (size_t)lround(0.2 * (double)(w->e - w->c));
	early_roll(w, raw, a, b, ar, i20, fz_peak, &contact, &s->inroll_velocity_mm_s);
	s->cop_contact_ml_mm = contact;
	i70 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c));
	i90 = w->c + (size_t)lround(0.9 * (double)(w->e - w->c));
	/* The inward roll's excursion: first 20 % of stance, from contact. */
	peak_ml = contact;
	for (size_t i = a; i < b && i <= i20; i++)
		peak_ml = gait_fmax(peak_ml, ml[i]);
	s->inroll_excursion_mm = peak_ml - contact;
	for (size_t i = a; i < b; i++) {
		if (i >= i90) {
			sum_end += ml[i];
			n_end++;
		}
		if (i >= i70) {
			count++;
			medial += ml[i] > 0;
		}
	}
	/*
	 * The COP runs heel to toe in the foot frame: its path along the foot
	 * is from where it is at contact to where it is at toe-off, each end a
	 * loaded_mean(). Summing |dy| along the filtered path instead adds the
	 * noise of the lightly loaded ends (at 0.5 N: 10-35 % too long).
	 */
	path = loaded_mean(ap, w->fz, br > ar + ne ? br - ne : ar, br) -
	       loaded_mean(ap, w->fz, ar, ar + ne < br ? ar + ne : br);
	if (n_end)
		s->pushoff_ml_mm = sum_end / (double)n_end;
	if (count)
		s->pushoff_medial_pct = 100.0 * (double)medial / (double)count;
	s->cop_ap_path_mm = path;
	s->cop_ap_velocity_m_s = path / ((double)(b - a - 1) / rate) / 1000.0;
	s->pushoff_mt_fraction = pushoff_fraction(w, po, ipo, br, sgn,
						  isfinite(s->belt_speed_mps) ? s->belt_speed_mps : 0,
						  dx, dy, fz2 > 0 ? noise / sqrt(fz2) : NAN,
						  &s->pushoff_mt_noise);
	cop_curves(w, a, b, ml, mx, my, dx, dy, s);
	plausible(s, dx);
}
