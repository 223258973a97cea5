/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gait_internal.h - what gait.c (streaming, state, left/right, drift),
 * gait_metrics.c (force metrics) and gait_cop.c (COP progression) share.
 */
#ifndef FPLATE_LIB_GAIT_INTERNAL_H
#define FPLATE_LIB_GAIT_INTERNAL_H

#include "fplate/gait.h"
#include "fplate/filter.h"

/*
 * One step's data, copied out of the plate ring by gait.c: the stance
 * [c, e) plus `pad` samples either side where available, drift-corrected.
 * The arrays point into scratch memory owned by struct fp_gait.
 */
struct gait_window {
	size_t n;                /* samples in the window */
	size_t c, e;             /* stance as window indices */
	double rate_hz;
	double *fz, *fy, *tz;    /* corrected, unfiltered */
	double *copx, *copy;     /* plate frame, mm, NaN where unloaded */
	double *fz_f, *fy_f, *tz_f; /* zero-lag filtered */
	double *work;            /* n + 2 * FP_FILTFILT_PAD scratch */
	double *tmp;             /* n scratch */
	const double *cycle_fz;  /* total Fz (all plates) from contact to next contact */
	size_t cycle_n;          /* 0 when the cycle is unknown */
};

/* Filter fz, fy, tz into *_f. -EINVAL when the window is too short. */
int gait_filter_window(struct gait_window *w, const struct fp_biquad *bq);

/* Impact peak, loading rates, active peak, impulses, free moment (N units). */
void gait_force_metrics(const struct gait_window *w, double prominence, struct fp_step *s);

/* BW-normalised values and the centre-of-mass metrics, once BW is known. */
void gait_bw_metrics(const struct gait_window *w, struct fp_step *s);

/*
 * Mean COP (plate frame) over the loaded part of the stance (Fz at least
 * 10 % of its maximum), the COP y at the start of that part, and the range
 * of COP x there (two feet on one plate spread it). NaN if no COP.
 */
void gait_cop_mean(const struct gait_window *w, double *x_mm, double *y_mm,
		   double *y_contact_mm, double *x_range_mm);

/* COP progression in the foot frame (needs s->foot and s->belt_speed_mps). */
void gait_cop_metrics(const struct gait_window *w, const struct fp_biquad *bq,
		      struct fp_step *s);

/* Linear interpolation of y at fractional index t (0 <= t <= n - 1). */
double gait_interp(const double *y, size_t n, double t);

#endif
