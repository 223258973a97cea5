// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sim_calib.c - the stored calibration of the simulated treadmill and its
 * inverse, which turns generated forces into amplifier volts.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calib_int.h"
#include "sim_model.h"

static int invert6(const double a[6][6], double inv[6][6])
{
	double m[6][12];

	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 12; j++)
			m[i][j] = j < 6 ? a[i][j] : (j - 6 == i);
	for (int c = 0; c < 6; c++) {
		int piv = c;

		for (int i = c + 1; i < 6; i++)
			if (fabs(m[i][c]) > fabs(m[piv][c]))
				piv = i;
		if (fabs(m[piv][c]) < 1e-12)
			return -EINVAL;
		for (int j = 0; j < 12; j++) {
			double t = m[c][j];

			m[c][j] = m[piv][j];
			m[piv][j] = t;
		}
		for (int j = 11; j >= c; j--)
			m[c][j] /= m[c][c];
		for (int i = 0; i < 6; i++) {
			double f = m[i][c];

			if (i == c || f == 0)
				continue;
			for (int j = c; j < 12; j++)
				m[i][j] -= f * m[c][j];
		}
	}
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			inv[i][j] = m[i][j + 6];
	return 0;
}

/*
 * Volts for F/M: the Moore-Penrose pseudo-inverse C^T (C C^T)^-1 of the
 * 6 x channels matrix; for 6 channels the plain inverse, for a Kistler
 * plate the minimum-norm split of the load over its 8 sensor channels.
 */
static int pseudo_inverse(const struct fp_plate_calib *pc, double out[FP_MAX_CHANNELS][6])
{
	double k[6][6], kinv[6][6];
	uint32_t ch = pc->channels;
	int ret;

	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			k[i][j] = 0;
			for (uint32_t c = 0; c < ch; c++)
				k[i][j] += pc->matrix[i][c] * pc->matrix[j][c];
		}
	ret = invert6(k, kinv);
	if (ret)
		return ret;
	for (uint32_t c = 0; c < ch; c++)
		for (int j = 0; j < 6; j++) {
			out[c][j] = 0;
			for (int i = 0; i < 6; i++)
				out[c][j] += pc->matrix[i][c] * kinv[i][j];
		}
	return 0;
}

/* Kistler-layout plate: 8 channels, sensors 25 mm / 50 mm in from the edges. */
static void sim_kistler_plate(struct fp_plate_calib *pc, uint32_t p)
{
	double sens[8];

	for (int c = 0; c < 8; c++)   /* N/V: shear 250, vertical 500, 1 % spread */
		sens[c] = (c < 4 ? 250.0 : 500.0) * (1 + 0.01 * sin(2.9 * c + 1.3 * p));
	fp_calib_kistler_matrix(pc, pc->width_mm / 2 - 25, pc->length_mm / 2 - 50,
				-pc->surface_h_mm, sens);
}

/*
 * A treadmill's plates: single belt 520 x 1700 mm, or two 250 mm belts
 * side by side (plate 1 left). Six-channel plates: sensitivities give about
 * 10 kN Fz and 4 kN·m Mx at full scale, off-diagonal terms up to 1 % model
 * crosstalk. Eight-channel plates use the Kistler layout.
 */
int sim_calibration(uint32_t plates, uint32_t channels, struct fp_calib *cal,
		    double fm_to_v[][FP_MAX_CHANNELS][6], double offset_v[][FP_MAX_CHANNELS])
{
	static const double diag[6] = { 500, 500, 1000, 400, 150, 100 };
	static const double off_dir[6] = { 0.03, -0.02, 1.0, 0.004, -0.003, 0.001 };
	memset(cal, 0, sizeof(*cal));
	cal->version = FP_CALIB_VERSION;
	snprintf(cal->id, sizeof(cal->id), "sim-%s-belt%s-v1",
		 plates == 2 ? "split" : "single", channels == 8 ? "-kistler" : "");
	cal->plates = plates;
	for (uint32_t p = 0; p < plates; p++) {
		struct fp_plate_calib *pc = &cal->plate[p];
		double cx = plates == 2 ? (p == 0 ? -130.0 : 130.0) : 0.0;

		pc->channels = channels;
		for (uint32_t c = 0; c < channels; c++)
			pc->scale_v[c] = SIM_FULL_SCALE_V / (double)(1L << (SIM_ADC_BITS - 1));
		pc->surface_h_mm = plates == 2 ? 48.0 : 52.0;
		pc->origin_mm[0] = p == 0 ? 1.5 : -1.2;
		pc->origin_mm[1] = p == 0 ? -2.5 : 1.8;
		pc->width_mm = plates == 2 ? 250 : 520;
		pc->length_mm = 1700;
		fp_calib_corners(pc, cx, 0);
		pc->fz_threshold_n = 20;
		pc->saturation_v = 9.99;
		if (channels == 8)
			sim_kistler_plate(pc, p);
		else
			for (int i = 0; i < 6; i++)
				for (int j = 0; j < 6; j++)
					pc->matrix[i][j] = i == j ? diag[i] :
						0.01 * sqrt(diag[i] * diag[j]) *
						sin(1.7 * i + 2.3 * j + 0.9 * p + 0.4);
		if (pseudo_inverse(pc, fm_to_v[p]))
			return -EINVAL;
		for (uint32_t c = 0; c < channels; c++) {
			offset_v[p][c] = 0;
			for (int j = 0; j < 6; j++)
				offset_v[p][c] += fm_to_v[p][c][j] * off_dir[j];
		}
	}
	return 0;
}

