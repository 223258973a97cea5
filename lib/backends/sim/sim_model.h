/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sim_model.h - the runner model behind sim:// (internal).
 *
 * sim_model.c turns runner parameters into one step at a time: a plan
 * (timing, amplitudes and foot placement, with seeded step-to-step
 * variability) and from it the sampled waveforms of that step (F/M at the
 * transducer origin, COP, free moment) plus its ground truth. sim.c owns
 * the device: time line, pacing, offsets, noise, ADC, run-time parameters;
 * sim_calib.c the stored calibration and its inverse.
 * docs/simulator.md describes the model and its sources.
 */
#ifndef FPLATE_LIB_SIM_MODEL_H
#define FPLATE_LIB_SIM_MODEL_H

#include <stdint.h>
#include "sim.h"

#define SIM_G 9.80665

/* Runner parameters (URI / fp_set). Units in the names. */
struct sim_runner {
	double speed_mps;
	double cadence_spm;      /* steps per minute; 0: from speed */
	double mass_kg;
	int strike;              /* enum fp_sim_strike */
	double lr_bw_s;          /* target VALR; 0: default for the strike */
	double contact_ms;       /* contact time; 0: from speed */
	double supination_mm;    /* contact this far lateral of the foot axis */
	double roll_mmps;        /* peak medial COP velocity of the inward roll */
	int pushoff_lateral;     /* 0: push-off medial (big toe), 1: lateral */
	double pushoff_mm;       /* ML distance of the push-off from the foot axis */
	double step_width_mm;    /* single belt: feet at -w/2 (left) and +w/2 */
	double variability;      /* relative step-to-step variability (0..0.2) */
	double runner_y_mm;      /* where the runner keeps station along y */
};

/* Everything that defines one step, after variability. */
struct sim_plan {
	double rate_hz;
	uint32_t n;              /* stance samples */
	uint32_t step_samples;   /* touchdown to the next touchdown */
	double tc_s;
	double bw_n;
	double t1_s, a1_n;       /* impact pulse: peak at t1, duration 2·t1 */
	double a2_n;             /* active pulse over the whole stance */
	double fy_peak_n, fx_peak_n, tz_arm_m;
	int foot, strike;
	uint32_t plate;
	double belt_mps;
	double axis_x_mm, heel_y_mm;
	double u0_mm, u1_mm;     /* COP along the foot at touchdown / lift-off */
	double m0_mm, m1_mm, m2_mm; /* ML (+ medial): contact, mid-stance, push-off */
	double roll_frac;        /* duration of the inward roll, fraction of stance */
};

/* Per-configuration constants, refreshed when a runner parameter changes. */
struct sim_config {
	double tc_s, step_s;     /* nominal contact and step time */
	double t1_frac;          /* impact time-to-peak / contact time */
	double a1_bw;            /* impact pulse amplitude, body weights */
	double achieved_lr_bw_s; /* VALR of the nominal step */
};

/* splitmix64 / xoshiro-style generator (deterministic, no global state). */
struct sim_rng {
	uint64_t s;
};

uint64_t sim_rng_next(struct sim_rng *r);
double sim_rng_uniform(struct sim_rng *r);     /* [0, 1) */
double sim_rng_gauss(struct sim_rng *r);       /* approx. N(0, 1), |x| < 3.5 */

/* Solve the impact timing for the target loading rate. */
void sim_configure(const struct sim_runner *run, double rate_hz, struct sim_config *cfg);

/*
 * Plan step `index` (foot alternates from the left) on a treadmill with
 * `plates` plates (1: single belt, 2: split belt). rng gives the variability.
 */
void sim_plan_step(const struct sim_runner *run, const struct sim_config *cfg,
		   double rate_hz, double belt_mps, uint32_t plates, uint64_t index,
		   struct sim_rng *rng, struct sim_plan *plan);

/*
 * Sample the planned step: for i in [0, n) at t = (i + 0.5)/rate after
 * touchdown, fm[i*6..] = Fx Fy Fz Mx My Mz at the transducer origin of a
 * plate whose surface lies h_mm above it and whose surface centre is at
 * origin_mm (calib.h), cop[i*3..] = COP x, y (mm, surface centre) and Tz.
 */
void sim_sample_step(const struct sim_plan *plan, double h_mm, const double origin_mm[2],
		     double *fm, double *cop);

/* Ground truth of a sampled step (fields not about timing of the whole run). */
void sim_step_truth(const struct sim_plan *plan, const double *fm, const double *cop,
		    struct fp_sim_step *t);

/*
 * The simulated plates' calibration (sim_calib.c): fills cal and, per
 * plate, the channels x 6 matrix from F/M to volts and the volts of a 1 N
 * Fz offset (with the small shares on the other components).
 */
#define SIM_ADC_BITS 24
#define SIM_FULL_SCALE_V 10.0
int sim_calibration(uint32_t plates, uint32_t channels, struct fp_calib *cal,
		    double fm_to_v[][FP_MAX_CHANNELS][6], double offset_v[][FP_MAX_CHANNELS]);

#endif
