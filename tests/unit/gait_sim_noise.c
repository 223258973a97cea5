// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_sim_noise.c - the simulator's plate noise propagated to the COP
 * progression metrics (gait_sim_noise.h): the limits of test_gait_sim.c's
 * per-step COP scatter come from here, not from measurements.
 */
#include <math.h>
#include <stdint.h>

#include "gait_sim_noise.h"

/*
 * The simulator's noise model (docs/simulator.md, "Offsets, noise"): white
 * Gaussian noise of the same RMS volts σ_v on every channel, sized to the
 * `noise` parameter (N RMS, 0.5 by default) on plate 0's Fz row:
 * σ_v = noise / |M_Fz|, M the stored calibration matrix (N or N·m per V);
 * plus the 24-bit ADC's quantisation, LSB²/12 per channel. Through the
 * calibration the F/M noise covariance is (σ_v² + LSB²/12)·M·Mᵀ.
 */
void cop_noise_init(const struct fp_calib *cal, double noise_n, struct cop_noise nm[2])
{
	double gain = 0;

	for (uint32_t c = 0; c < cal->plate[0].channels; c++)
		gain += cal->plate[0].matrix[2][c] * cal->plate[0].matrix[2][c];
	for (uint32_t p = 0; p < cal->plates && p < 2; p++) {
		const struct fp_plate_calib *pc = &cal->plate[p];

		nm[p].h_mm = pc->surface_h_mm;
		nm[p].origin_mm[0] = pc->origin_mm[0];
		nm[p].origin_mm[1] = pc->origin_mm[1];
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++) {
				nm[p].cov[i][j] = 0;
				for (uint32_t c = 0; c < pc->channels; c++)
					nm[p].cov[i][j] += pc->matrix[i][c] * pc->matrix[j][c] *
						(noise_n * noise_n / gain +
						 pc->scale_v[c] * pc->scale_v[c] / 12.0);
			}
	}
}

/*
 * The variance (mm²) of one sample's COP x (axis 0) or y (axis 1) at the
 * generated COP (x_mm, y_mm) and Fz: fp_cop() is px = (h·Fx − 1000·My)/Fz,
 * py = (1000·Mx + h·Fy)/Fz, linearised: the noise of the moment about the
 * surface point, h·δFx − 1000·δMy − px·δFz (N·mm), over Fz.
 */
double cop_noise_var(const struct cop_noise *nm, int axis, double x_mm, double y_mm, double fz)
{
	double g[6] = { 0 }, v = 0;

	if (axis == 0) {
		g[0] = nm->h_mm;
		g[4] = -1000.0;
		g[2] = -(x_mm + nm->origin_mm[0]);
	} else {
		g[1] = nm->h_mm;
		g[3] = 1000.0;
		g[2] = -(y_mm + nm->origin_mm[1]);
	}
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			v += g[i] * nm->cov[i][j] * g[j];
	return v / (fz * fz);
}

static size_t ms_samples(double ms, double rate)
{
	long n = lround(ms * rate / 1000.0);

	return n < 3 ? 3 : (size_t)n;
}

/*
 * The inward roll's peak velocity through the noise model. The estimator
 * (lib/gait/gait_cop.c, early_roll()) is the largest slope of a line fitted
 * to the unfiltered ML over ±8 ms, weights tricube × Fz², at the samples
 * up to 20 % of stance where Fz >= 10 % of its peak. A weighted slope is
 * linear in the samples, Σ c_j·ml_j with c_j = w_j (S0·u_j − S1)/D, so its
 * variance for independent samples is Σ c_j²·var(ml_j); the sim's noise is
 * white, and the COP is read unfiltered (the 50 Hz COP filter is not in
 * this path). Evaluated on the generated Fz and COP where the noise-free
 * estimate is largest. Returns the model SD in % of the true peak
 * velocity; *nf_pct: the noise-free estimate's error, %.
 */
double cop_roll_model(const struct cop_noise *nm, const struct fp_sim_step *t, const double *fz,
		      const double *x, const double *y, double rate, double *nf_pct)
{
	double sgn = t->foot == FP_SIM_LEFT ? 1.0 : -1.0, peak = 0, best = -INFINITY, var = NAN;
	double kern[64];
	size_t a = t->contact_sample, b = t->toeoff_sample, h = ms_samples(8.0, rate);
	size_t i20 = a + (size_t)lround(0.2 * (double)(b - a));

	if (h > 63)
		return NAN;
	for (size_t k = 0; k <= h; k++) {
		double q = (double)k / (double)(h + 1), m = 1 - q * q * q;

		kern[k] = m * m * m;
	}
	for (size_t i = a; i < b; i++)
		peak = fmax(peak, fz[i]);
	for (size_t i = a; i < b && i <= i20; i++) {
		size_t j0 = i > a + h ? i - h : a, j1 = i + h + 1 < b ? i + h + 1 : b;
		double s0 = 0, s1 = 0, s2 = 0, r0 = 0, r1 = 0, d, slope, v = 0;

		if (fz[i] < 0.1 * peak)
			continue;
		for (size_t j = j0; j < j1; j++) {
			double u = (double)j - (double)i;
			double wt = kern[j > i ? j - i : i - j] * fz[j] * fz[j];

			s0 += wt;
			s1 += wt * u;
			s2 += wt * u * u;
			r0 += wt * sgn * x[j];
			r1 += wt * u * sgn * x[j];
		}
		d = s0 * s2 - s1 * s1;
		if (!(d > 0))
			continue;
		slope = (s0 * r1 - s1 * r0) / d;
		if (slope <= best)
			continue;
		for (size_t j = j0; j < j1; j++) {
			double u = (double)j - (double)i;
			double cj = kern[j > i ? j - i : i - j] * fz[j] * fz[j] * (s0 * u - s1) / d;

			v += cj * cj * cop_noise_var(nm, 0, x[j], y[j], fz[j]);
		}
		best = slope;
		var = v;
	}
	*nf_pct = 100.0 * (best * rate - t->roll_peak_mmps) / t->roll_peak_mmps;
	return 100.0 * sqrt(var) * rate / t->roll_peak_mmps;
}

/*
 * The AP path's ends through the noise model: each is the Fz²-weighted
 * mean of the unfiltered COP along the foot (here y) over 7.5 ms from
 * where Fz first reaches the reliable load, and back from where it last
 * does (gait_cop.c, reliable_span()): max(20 N, moment noise / 3 mm), at
 * most 10 % of the peak, the moment noise that of x at mid-stance. The
 * variance of such a mean is Σ Fz⁴·var(y_j) / (Σ Fz²)². Returns the
 * path's model SD in % of the true path; *shift_pct: how much shorter the
 * noise-free path between those ends is than between the 20 N ends, %.
 */
double cop_ap_model(const struct cop_noise *nm, const struct fp_sim_step *t, const double *fz,
		    const double *x, const double *y, double rate, double *shift_pct)
{
	size_t a = t->contact_sample, b = t->toeoff_sample, ne = ms_samples(7.5, rate);
	size_t mid = (a + b) / 2, ar = a, br = b, w[4][2];
	double peak = 0, f, var = 0, m[4];

	for (size_t i = a; i < b; i++)
		peak = fmax(peak, fz[i]);
	f = sqrt(cop_noise_var(nm, 0, x[mid], y[mid], fz[mid])) * fz[mid] / 3.0;
	f = fmin(fmax(20.0, f), 0.1 * peak);
	while (ar < b && fz[ar] < f)
		ar++;
	while (br > ar && fz[br - 1] < f)
		br--;
	w[0][0] = ar; w[0][1] = ar + ne;
	w[1][0] = br - ne; w[1][1] = br;
	w[2][0] = a; w[2][1] = a + ne;
	w[3][0] = b - ne; w[3][1] = b;
	for (int k = 0; k < 4; k++) {
		double s0 = 0, r0 = 0, v = 0;

		for (size_t j = w[k][0]; j < w[k][1]; j++) {
			s0 += fz[j] * fz[j];
			r0 += fz[j] * fz[j] * (y[j] + t->belt_speed_mps * (double)(j - a) /
					       rate * 1000.0);
			if (k < 2)
				v += pow(fz[j], 4) * cop_noise_var(nm, 1, x[j], y[j], fz[j]);
		}
		m[k] = r0 / s0;
		var += v / (s0 * s0);
	}
	*shift_pct = 100.0 * ((m[1] - m[0]) - (m[3] - m[2])) / t->cop_ap_path_mm;
	return 100.0 * sqrt(var) / t->cop_ap_path_mm;
}

/*
 * The 99.9 % quantile of the largest |z| of n independent unit Gaussians:
 * the z with 1 − (1 − erfc(z/√2))^n = 0.001 (4.5 for 170 steps).
 */
double gauss_max_quantile(size_t n)
{
	double lo = 0, hi = 10;

	for (int k = 0; k < 60; k++) {
		double z = 0.5 * (lo + hi);

		if (1 - pow(1 - erfc(z / sqrt(2.0)), (double)n) > 0.001)
			lo = z;
		else
			hi = z;
	}
	return hi;
}
