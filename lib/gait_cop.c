// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_cop.c - centre-of-pressure progression through the foot
 * (docs/metrics.md, DESIGN §3): contact position, the rapid inward roll,
 * push-off through the big toe or not, AP path and foot progression angle.
 *
 * Foot frame: the COP is belt-corrected along the direction of travel,
 * y_foot = y_plate + v·(t − t_contact), and the medio-lateral axis is
 * signed + medial for either foot (the plate's +x points to the runner's
 * right: medial is +x for the left foot, −x for the right foot). Positions
 * are perpendicular offsets from the foot axis, the line fitted to the
 * mid-stance COP (30-70 % of stance).
 */
#include <math.h>
#include <string.h>

#include "gait_internal.h"

/*
 * The span [a, b) of the stance with a usable COP: from the first to the
 * last sample where Fz >= frac × the stance maximum and the COP is finite.
 */
static int cop_span(const struct gait_window *w, double frac, double min_n, size_t *a, size_t *b)
{
	double peak = 0, lim;
	size_t i;

	for (i = w->c; i < w->e; i++)
		peak = fmax(peak, w->fz[i]);
	if (!(peak > 0))
		return 0;
	lim = fmax(frac * peak, min_n);
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
		   double *y_contact_mm, double *x_shift_mm)
{
	size_t a, b, n = 0, third;
	double sx = 0, sy = 0, x_first = 0, x_last = 0;
	size_t n_first = 0, n_last = 0;

	*x_mm = *y_mm = *y_contact_mm = NAN;
	*x_shift_mm = 0;
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
	*y_contact_mm = w->copy[a];
	/* A second foot landing moves the COP sideways for the rest of the
	 * stance; means over thirds keep COP noise out of it. */
	if (n_first && n_last)
		*x_shift_mm = fabs(x_last / (double)n_last - x_first / (double)n_first);
}

/* Fill NaN holes inside [a, b) linearly (the ends are finite). */
static void fill_holes(double *v, size_t a, size_t b)
{
	size_t last = a;

	for (size_t i = a + 1; i < b; i++) {
		if (!isfinite(v[i]))
			continue;
		for (size_t k = last + 1; k < i; k++)
			v[k] = v[last] + (v[i] - v[last]) * (double)(k - last) / (double)(i - last);
		last = i;
	}
}

/*
 * Foot-frame path over [a, b): holes filled, belt-corrected, the lightly
 * loaded start held at the first sample with Fz >= 10 % of the peak (the
 * COP is mostly noise over a small Fz there and the filter would spread it
 * into the inward roll), then zero-lag filtered. Returns that sample.
 */
static size_t foot_path(const struct gait_window *w, const struct fp_biquad *bq, double v,
			size_t a, size_t b)
{
	double *x = w->copx, *y = w->copy, fz_peak = 0;
	size_t a10;

	for (size_t i = w->c; i < w->e; i++)
		fz_peak = fmax(fz_peak, w->fz[i]);
	fill_holes(x, a, b);
	fill_holes(y, a, b);
	for (size_t i = a; i < b; i++)       /* belt correction: foot frame */
		y[i] += v * (double)(i - w->c) / w->rate_hz * 1000.0;
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
	return a10;
}

/*
 * The foot axis: the line through the mid-stance COP (30-70 % of stance),
 * where the COP runs along the foot's long axis between the inward roll
 * and push-off; its direction (dx, dy) is the principal axis of those
 * points, pointing forward (heel to toe). (mx, my) is a point on it.
 */
static void foot_axis(const struct gait_window *w, size_t a, size_t b, double *mx, double *my,
		      double *dx, double *dy)
{
	const double *x = w->copx, *y = w->copy;
	size_t m0 = w->c + (size_t)lround(0.3 * (double)(w->e - w->c));
	size_t m1 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c));
	double sxx = 0, syy = 0, sxy = 0, theta, t;

	m0 = m0 < a ? a : m0;
	m1 = m1 > b ? b : m1;
	if (m1 < m0 + 3) {
		m0 = a;
		m1 = b;
	}
	*mx = *my = 0;
	for (size_t i = m0; i < m1; i++) {
		*mx += x[i];
		*my += y[i];
	}
	*mx /= (double)(m1 - m0);
	*my /= (double)(m1 - m0);
	for (size_t i = m0; i < m1; i++) {
		sxx += (x[i] - *mx) * (x[i] - *mx);
		syy += (y[i] - *my) * (y[i] - *my);
		sxy += (x[i] - *mx) * (y[i] - *my);
	}
	theta = 0.5 * atan2(2.0 * sxy, sxx - syy);
	*dx = cos(theta);
	*dy = sin(theta);
	if (fabs(*dy) < fabs(*dx)) {        /* keep the axis closest to y */
		t = *dx;
		*dx = -*dy;
		*dy = t;
	}
	if (*dy < 0) {
		*dx = -*dx;
		*dy = -*dy;
	}
}

/*
 * The stance's COP at 0..100 % (struct fp_step curves): ML as computed for
 * the metrics, AP along the foot axis from the contact position; NaN
 * outside [a, b), where the COP is not defined.
 */
static void cop_curves(const struct gait_window *w, size_t a, size_t a10, size_t b,
		       const double *ml, double mx, double my, double dx, double dy,
		       struct fp_step *s)
{
	double ap0 = (w->copx[a10] - mx) * dx + (w->copy[a10] - my) * dy;
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

void gait_cop_metrics(const struct gait_window *w, const struct fp_biquad *bq,
		      struct fp_step *s)
{
	size_t a, a10, b, i20, i70, i90, medial = 0, count = 0, n_end = 0;
	const double *y = w->copy;
	double *ml = w->tmp, rate = w->rate_hz, sgn = s->foot == 'R' ? -1.0 : 1.0;
	double mx, my, dx, dy, path = 0, peak_ml, peak_vel = -INFINITY, sum_end = 0;

	/* The progression uses the COP down to 20 N: push-off ends at low load. */
	if ((s->foot != 'L' && s->foot != 'R') || !cop_span(w, 0, 20.0, &a, &b))
		return;
	a10 = foot_path(w, bq, s->belt_speed_mps, a, b);
	foot_axis(w, a, b, &mx, &my, &dx, &dy);
	/* Medial offset from the foot axis: + medial for either foot. */
	for (size_t i = a; i < b; i++)
		ml[i] = sgn * ((w->copx[i] - mx) * dy - (y[i] - my) * dx);
	s->foot_progression_deg = atan2(-sgn * dx, dy) * 180.0 / M_PI;
	/* Contact position: the first sample with Fz >= 10 % of its peak. */
	s->cop_contact_ml_mm = ml[a10];
	i20 = w->c + (size_t)lround(0.2 * (double)(w->e - w->c));
	i70 = w->c + (size_t)lround(0.7 * (double)(w->e - w->c));
	i90 = w->c + (size_t)lround(0.9 * (double)(w->e - w->c));
	/* The inward roll: first 20 % of stance, from the contact position on. */
	peak_ml = ml[a10];
	for (size_t i = a10; i < b && i <= i20; i++) {
		peak_ml = fmax(peak_ml, ml[i]);
		if (i > a && i + 1 < b)
			peak_vel = fmax(peak_vel, (ml[i + 1] - ml[i - 1]) * rate / 2.0);
	}
	s->inroll_excursion_mm = peak_ml - ml[a10];
	if (isfinite(peak_vel))
		s->inroll_velocity_mm_s = peak_vel;
	for (size_t i = a; i < b; i++) {
		if (i >= i90) {
			sum_end += ml[i];
			n_end++;
		}
		if (i >= i70) {
			count++;
			medial += ml[i] > 0;
		}
		if (i > a)
			path += fabs(y[i] - y[i - 1]);
	}
	if (n_end)
		s->pushoff_ml_mm = sum_end / (double)n_end;
	if (count)
		s->pushoff_medial_pct = 100.0 * (double)medial / (double)count;
	s->cop_ap_path_mm = path;
	s->cop_ap_velocity_m_s = path / ((double)(b - a - 1) / rate) / 1000.0;
	cop_curves(w, a, a10, b, ml, mx, my, dx, dy, s);
}
