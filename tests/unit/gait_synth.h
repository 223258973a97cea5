/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gait_synth.h - synthetic running force curves with known answers for the
 * gait suites: half-sine active peak, optional linear-ramp impact, flight
 * phases, alternating feet on one plate, drift, and injected faults.
 */
#ifndef FP_GAIT_SYNTH_H
#define FP_GAIT_SYNTH_H

#include <stddef.h>
#include "fplate/calib.h"
#include "fplate/gait.h"

struct synth {
	double rate_hz;
	double stance_ms, flight_ms;
	double active_n;          /* half-sine amplitude */
	double ramp_n_s;          /* > 0: linear impact ramp at this rate ... */
	double ramp_peak_n;       /* ... up to this force, then a dip */
	double drift_n;           /* constant Fz offset ... */
	double drift_n_s;         /* ... plus this slope (N/s) */
	double foot_x_mm;         /* |COP x| of each foot (L at −, R at +) */
	double belt_mps;
	double fpa_deg;           /* foot progression angle (toe-out +) */
	int steps;
	int lead_ms;              /* unloaded samples before the first step */
};

void synth_defaults(struct synth *s);
/* Fz of one stance at time t (s) into it, without drift. */
double synth_stance_fz(const struct synth *s, double t);
/* Number of samples synth_fill() writes. */
size_t synth_samples(const struct synth *s);
/*
 * Fill frames (1 plate, FP_NFIELDS) with the whole run; contact[i] and
 * toeoff[i] receive the expected stance of step i (first sample with
 * Fz >= 20 N, first sample after it with Fz < 20 N, before drift).
 */
void synth_fill(const struct synth *s, double *v, size_t n, size_t *contact, size_t *toeoff);
/* Run the gait module over v in blocks; returns the number of steps in out. */
size_t synth_run(const struct fp_gait_config *cfg, const double *v, size_t n,
		 uint32_t block_flags, struct fp_step *out, size_t max);

#endif
