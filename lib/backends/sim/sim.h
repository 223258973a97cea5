/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sim.h - ground truth of the simulated treadmill (sim:// backend).
 *
 * The sim:// backend generates a runner on an instrumented treadmill and
 * delivers raw ADC counts through the inverse of its stored calibration
 * (docs/simulator.md). Because it knows what it generated, it can tell
 * tests of other modules (calibration, step detection, gait metrics) the
 * true values. Every function here returns -ENOTSUP when dev is not a
 * sim:// device.
 *
 * Frame: plate frame of calib.h (x to the runner's right, y forward, z up,
 * COP in mm relative to the plate's surface centre). Sample indices are
 * device sample indices as in struct fp_block.
 */
#ifndef FPLATE_SIM_H
#define FPLATE_SIM_H

#include <stddef.h>
#include <stdint.h>
#include "fplate/fplate.h"
#include "fplate/calib.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fp_sim_foot { FP_SIM_LEFT = 0, FP_SIM_RIGHT = 1 };
enum fp_sim_strike { FP_SIM_REAR = 0, FP_SIM_MID = 1, FP_SIM_FORE = 2 };

/* Threshold that defines contact_sample / toeoff_sample below (N). */
#define FP_SIM_CONTACT_N 20.0
/*
 * Size of the device's step ring: fp_sim_truth_steps() returns at most the
 * last FP_SIM_TRUTH_KEEP - 1 completed steps (one slot holds the step in
 * progress), about 24 min of running.
 */
#define FP_SIM_TRUTH_KEEP 4096

/*
 * One generated step. All forces are the noise-free generated values,
 * before tare offset, drift, noise and ADC quantisation. "Stance" is
 * [touchdown_sample, liftoff_sample); percentages of stance refer to it.
 * ML values are signed + medial for either foot (+x for the left foot,
 * -x for the right), relative to the foot axis, a line along y at
 * x = axis_x_mm on which the generator places the foot.
 */
struct fp_sim_step {
	uint64_t index;              /* step number since fp_start(), from 0 */
	uint32_t plate;              /* 0-based plate index the foot lands on */
	int foot;                    /* enum fp_sim_foot */
	int strike;                  /* enum fp_sim_strike */
	uint64_t touchdown_sample;   /* first sample with Fz > 0 */
	uint64_t liftoff_sample;     /* first sample after stance, Fz == 0 */
	uint64_t contact_sample;     /* first sample with Fz >= FP_SIM_CONTACT_N */
	uint64_t toeoff_sample;      /* first later sample with Fz < FP_SIM_CONTACT_N */
	double contact_time_s;       /* (liftoff - touchdown) / rate */
	double step_time_s;          /* touchdown to the next touchdown */
	double body_weight_n;        /* m·g */
	int has_impact_peak;         /* 1: a local maximum in the first 30 % */
	double impact_peak_n;        /* that maximum, else Fz at 13 % of stance */
	uint64_t impact_peak_sample; /* sample of impact_peak_n */
	/*
	 * Loading rates (DESIGN §3) on the sampled noise-free Fz: i20/i80 are
	 * the first samples at or above 20 % / 80 % of impact_peak_n;
	 * VALR = (Fz[i80] - Fz[i20]) / ((i80 - i20)/rate), VILR = the largest
	 * (Fz[i+1] - Fz[i])·rate for i in [i20, i80).
	 */
	double valr_n_per_s, vilr_n_per_s;
	double valr_bw_per_s, vilr_bw_per_s;
	double active_peak_n;        /* largest Fz of the step */
	uint64_t active_peak_sample;
	double braking_impulse_ns;   /* integral of Fy where Fy < 0 (negative) */
	double propulsive_impulse_ns;/* integral of Fy where Fy > 0 */
	double free_moment_peak_nm;  /* Tz of largest magnitude (signed) */
	/* COP as generated */
	double axis_x_mm;            /* x of the foot axis on the plate */
	double heel_y_mm;            /* y of the heel at touchdown */
	double belt_speed_mps;       /* the foot rides the belt at this speed */
	/*
	 * The inward roll, from contact_sample (the touchdown has no load, so
	 * no COP) over the first 20 % of [contact_sample, toeoff_sample):
	 * ML at contact (negative: lateral = supinated), the largest medial
	 * velocity (forward differences of the generated COP) and the largest
	 * medial travel from the contact position.
	 */
	double contact_ml_mm;
	double roll_peak_mmps;
	double roll_excursion_mm;
	double pushoff_ml_mm;        /* mean ML over the last 10 % */
	double cop_ap_start_mm;      /* COP along the foot from the heel at touchdown */
	double cop_ap_end_mm;        /* ... at lift-off (foot frame progression) */
	double cop_ap_path_mm;       /* AP path length, foot frame, [contact, toe-off) */
	/* offsets the sim injected (tare + drift) on this plate at touchdown */
	double offset_fz_n;
};

/*
 * Copy the completed steps (lift-off delivered by fp_read()) the device
 * still keeps, oldest first, at most max of them, into out. Returns the
 * number copied; out[i].index says which step it is (steps are dropped
 * oldest first beyond FP_SIM_TRUTH_KEEP - 1). -ENOTSUP if dev is not sim://.
 */
int fp_sim_truth_steps(struct fp_device *dev, struct fp_sim_step *out, size_t max);

/* Number of steps completed since fp_start(), or -ENOTSUP. */
long fp_sim_truth_count(struct fp_device *dev);

/*
 * Ask for the generated, noise-free frames of every following fp_read():
 * after each read, truth->v holds for each delivered sample and plate the
 * F/M that were converted to counts (before tare offset, drift, noise and
 * quantisation; including a static load set with fp_set "load"), the COP
 * as generated (mm, surface centre: the runner's foot, or the Fz-weighted
 * point of foot and static load together; NaN when nothing loads the
 * plate) and the free moment Tz about it (N·m). truth must be fp_frames_init()-ed with the device's
 * plate count and at least the block capacity; the caller owns it and must
 * keep it alive until fp_sim_truth_frames(dev, NULL). truth->n,
 * first_sample, belt_speed_mps and sync follow the block.
 */
int fp_sim_truth_frames(struct fp_device *dev, struct fp_frames *truth);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_SIM_H */
