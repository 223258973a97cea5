/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gait_sim_noise.h - a noise model of the COP progression metrics on the
 * simulator (docs/simulator.md "Offsets, noise"; docs/metrics.md
 * "Accuracy"): the plate's channel noise through the calibration to each
 * sample's COP, then through the gait module's estimators.
 */
#ifndef FP_GAIT_SIM_NOISE_H
#define FP_GAIT_SIM_NOISE_H

#include <stddef.h>
#include "fplate/calib.h"
#include "sim.h"

struct cop_noise {
	double cov[6][6];           /* F/M noise covariance, N and N·m */
	double h_mm, origin_mm[2];  /* fp_cop()'s surface height and origin */
};

/* Each plate's F/M noise covariance for the sim's `noise` (N RMS on Fz). */
void cop_noise_init(const struct fp_calib *cal, double noise_n, struct cop_noise nm[2]);
/* One sample's COP variance, mm², x (axis 0) or y (1), at the COP and Fz. */
double cop_noise_var(const struct cop_noise *nm, int axis, double x_mm, double y_mm, double fz);
/*
 * Model SD (% of the truth) of one step's inward-roll peak velocity and
 * AP path, on the generated Fz and COP (fz, x, y indexed by sample).
 */
double cop_roll_model(const struct cop_noise *nm, const struct fp_sim_step *t, const double *fz,
		      const double *x, const double *y, double rate, double *nf_pct);
double cop_ap_model(const struct cop_noise *nm, const struct fp_sim_step *t, const double *fz,
		    const double *x, const double *y, double rate, double *shift_pct);
/* The 99.9 % quantile of the largest |z| of n unit Gaussians. */
double gauss_max_quantile(size_t n);

#endif
