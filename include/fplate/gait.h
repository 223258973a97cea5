/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gait.h - streaming step detection and per-step running/walking metrics.
 *
 * Feed calibrated frames (calib.h) in order with fp_gait_push(); the module
 * keeps, per plate, a ring of the last few seconds (bounded memory, sized
 * from the configuration), detects each stance (Fz above `on`, later below
 * `off`, minimum contact and gap), and emits one struct fp_step per stance
 * once the step is complete: after the stance has ended, the unloaded phase
 * that follows has given a fresh drift offset, and the next contact (on any
 * plate) has closed the step cycle — typically one flight phase after
 * toe-off. Pop the records with fp_gait_next_step().
 *
 * Every definition (thresholds, filter, impact peak, loading rates, COP
 * progression, body weight, drift) is in docs/metrics.md; the version of
 * those definitions is FP_METRICS_VERSION and travels with every record.
 *
 * Sample indices count samples from the first sample of the source (the
 * frames' first_sample), 0-based. Times are derived from them and rate_hz.
 *
 * Thread-safety: a struct fp_gait is used by one thread at a time; two
 * instances are independent (no global state).
 */
#ifndef FPLATE_GAIT_H
#define FPLATE_GAIT_H

#include <stddef.h>
#include <stdint.h>

#include "fplate.h"
#include "calib.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a definition in docs/metrics.md changes. */
#define FP_METRICS_VERSION 5

#define FP_GRAVITY 9.80665

/* Quality flags of a step (struct fp_step.flags); names in fp_step_flag_name(). */
enum fp_step_flag {
	FP_STEP_CROSSOVER      = 1u << 0,  /* landed on the other foot's side of the midline */
	FP_STEP_CLIPPED        = 1u << 1,  /* Fz flat at its maximum (amplifier clipping) */
	FP_STEP_SATURATED      = 1u << 2,  /* the source flagged saturation in the stance */
	FP_STEP_DOUBLE_CONTACT = 1u << 3,  /* COP moved sideways to a second foot */
	FP_STEP_TOO_SHORT      = 1u << 4,  /* loaded contact shorter than min_contact_ms */
	FP_STEP_TOO_LONG       = 1u << 5,  /* stance longer than max_stance_s (standing) */
	FP_STEP_NAN_INPUT      = 1u << 6,  /* non-finite input samples were held */
	FP_STEP_NO_BODY_WEIGHT = 1u << 7,  /* body weight unknown yet: BW metrics NaN */
	FP_STEP_GAP            = 1u << 8,  /* samples lost around the stance */
	FP_STEP_NO_OFFSET      = 1u << 9,  /* no unloaded phase to estimate the drift */
	FP_STEP_FOOT_GUESSED   = 1u << 10, /* left/right not yet established */
	FP_STEP_TRUNCATED      = 1u << 11, /* the source began or ended inside the step */
	FP_STEP_NO_BELT_SPEED  = 1u << 12, /* belt speed unknown: metrics needing it NaN */
	FP_STEP_IMPLAUSIBLE    = 1u << 13, /* a COP metric out of physical range was dropped */
	FP_STEP_IMPACT_REVISED = 1u << 14, /* the active peak broke a bound the impact event assumed */
};
#define FP_STEP_NFLAGS 15

/* Gait of a stance (struct fp_step.gait), for the loading-rate definition. */
enum fp_gait_kind {
	FP_GAIT_RUNNING = 0,        /* no double support, a stance under 450 ms */
	FP_GAIT_WALKING,            /* double support before or after it, or a long stance */
};

/* Stances this long are walking whatever their neighbours (ms). */
#define FP_GAIT_WALK_CONTACT_MS 450.0

/* The foot frame a step's COP metrics are in (struct fp_step.foot_frame). */
enum fp_foot_frame {
	FP_FRAME_NONE = 0,          /* no COP metrics */
	FP_FRAME_TRAVEL,            /* foot axis = direction of travel (+y) */
	FP_FRAME_CONFIGURED,        /* travel turned by the configured toe-out */
	FP_FRAME_MARKERS,           /* anatomical: heel and metatarsal-head markers */
};

/*
 * Foot markers for an anatomical foot frame (offline analysis of files
 * that carry them). Positions x, y in mm in the plate frame of `plate`
 * (calib.h: the same frame as the COP), NaN where a marker is missing;
 * frame k is at force sample k · rate_hz_forces / rate_hz (frame 0 at the
 * source's sample 0). For each foot (0 left, 1 right): the heel and two
 * metatarsal heads in either order (which one is medial is decided from
 * the geometry, not the label). fp_gait_open() copies them.
 */
struct fp_gait_markers {
	double rate_hz;             /* marker frames per second */
	size_t frames;
	uint32_t plate;
	const double *heel[2];      /* [frames][2] */
	const double *mt[2][2];     /* [foot][head][frames][2] */
};

#define FP_STEP_CURVE_POINTS 101

/* Foot progression beyond ± this is no foot's: flagged IMPLAUSIBLE. */
#define FP_GAIT_MAX_TOE_OUT_DEG 40.0

struct fp_gait_config {
	uint32_t plates;            /* plates in the frames pushed (1..FP_MAX_PLATES) */
	double rate_hz;             /* samples per second per plate */
	/*
	 * Foot per plate: 'L' or 'R' fixes the side (split-belt treadmill, one
	 * belt per foot); 0 (default) classifies each step by COP x against the
	 * running median of recent steps, with alternation and crossover check.
	 */
	char plate_foot[FP_MAX_PLATES];
	/* Centre of each plate in a common frame, mm (x, y); for step width/length. */
	double plate_centre_mm[FP_MAX_PLATES][2];
	double on_n;                /* contact when Fz rises to this (50 N) */
	double off_n;               /* contact ends when Fz falls below this (20 N) */
	double min_contact_ms;      /* shorter contacts are not steps (100 ms) */
	double min_gap_ms;          /* shorter unloaded dips do not end a stance (20 ms) */
	double max_stance_s;        /* longer stances are flagged TOO_LONG (3 s) */
	double cutoff_hz;           /* zero-lag Butterworth cutoff for force metrics (50 Hz) */
	double cop_cutoff_hz;       /* the same for the COP path (50 Hz) */
	double impact_prominence;   /* impact peak prominence, fraction of active peak (0.005) */
	double body_mass_kg;        /* 0: estimate from whole stride cycles */
	/*
	 * NaN: take it from the frames; if they do not know it either, the
	 * metrics that need it are NaN and flagged NO_BELT_SPEED. 0: overground.
	 */
	double belt_speed_mps;
	int drift_correction;       /* 1: offsets from unloaded phases (default) */
	double double_contact_mm;   /* ML COP shift flagging two feet (50 mm) */
	double clip_fz_n;           /* Fz at or above this is clipped; 0: detect plateaus */
	/*
	 * Foot frame without markers: toe-out of the left [0] and right [1]
	 * foot, degrees (+ toe-out); NaN (default): the direction of travel.
	 */
	double toe_out_deg[2];
	/* Optional (NULL): foot markers for an anatomical foot frame, copied. */
	const struct fp_gait_markers *markers;
	/*
	 * Optional (NULL): the plates' calibration, copied by fp_gait_open().
	 * With it the COP and free moment of each step are recomputed from the
	 * drift-corrected forces and moments; without it they are taken from
	 * the frames as they come (uncorrected).
	 */
	const struct fp_calib *calib;
};

/* One completed step. Metrics that could not be computed are NaN. */
struct fp_step {
	uint32_t plate;
	char foot;                  /* 'L', 'R' */
	uint32_t flags;             /* enum fp_step_flag */
	uint64_t contact_sample;    /* first sample of the stance (Fz rose from below off) */
	uint64_t toeoff_sample;     /* first sample after the stance (Fz below off) */
	double contact_s;           /* contact_sample / rate */
	double contact_time_ms;
	double flight_time_ms;      /* previous step's toe-off to this contact (<0: double support) */
	double step_time_ms;        /* previous step's contact to this contact */
	double cadence_spm;         /* 60 / step time, steps per minute */
	double body_weight_n;
	int gait;                   /* enum fp_gait_kind */
	/*
	 * Running: the impact peak (or the 13 % virtual peak). Walking: the
	 * first vertical force peak (weight acceptance); the loading rates are
	 * on it either way.
	 */
	double impact_peak_n, impact_peak_bw;
	int impact_virtual;         /* 1: Fz at 13 % of the expected contact time (no impact peak) */
	double transient_peak_n;    /* walking: heel-strike transient before it, NaN if none */
	double time_to_transient_ms;
	double time_to_impact_ms;
	double valr_n_s, valr_bw_s;
	double vilr_n_s, vilr_bw_s;
	double active_peak_n, active_peak_bw;
	double time_to_active_peak_ms;
	double braking_impulse_ns;  /* integral of Fy < 0, N·s (negative) */
	double propulsive_impulse_ns;
	double free_moment_peak_nm; /* signed Tz of largest magnitude */
	double cutoff_hz;
	double offset_n;            /* Fz drift offset subtracted, at mid-stance */
	double belt_speed_mps;
	/* COP progression, foot frame, + medial (docs/metrics.md). */
	double cop_contact_ml_mm;
	double inroll_velocity_mm_s;
	double inroll_excursion_mm;
	double pushoff_ml_mm;
	double pushoff_medial_pct;
	double pushoff_mt_fraction; /* markers: 0 lateral, 1 medial metatarsal head */
	double pushoff_mt_noise;    /* its SD from the plate's noise (noise model) */
	double cop_ap_path_mm;
	double cop_ap_velocity_m_s;
	/*
	 * The COP's travel along the plate's y from contact to toe-off, mm, as
	 * measured: not belt-corrected, whatever the foot axis (the ends of
	 * cop_ap_path_mm). Backward on a moving belt, heel to toe overground;
	 * its sign tells which way the runner faces (fplate analyze --facing).
	 */
	double cop_y_travel_mm;
	double foot_progression_deg;  /* + toe-out: markers or configured, else NaN */
	int foot_frame;             /* enum fp_foot_frame */
	double cop_mean_x_mm, cop_mean_y_mm;  /* common frame */
	double step_length_m;
	double step_width_mm;
	double vertical_oscillation_cm;
	double vertical_stiffness_kn_m;
	/*
	 * Time-normalised stance curves, 0 to 100 % of stance in 1 % steps
	 * (the stance is [contact_sample, toeoff_sample)), NaN where unknown:
	 * zero-lag filtered Fz in body weights, and the COP in the foot frame
	 * (belt-corrected) along the foot axis: ML + medial from the axis, AP
	 * from the contact position (heel) toward the toe, mm.
	 */
	float curve_fz_bw[FP_STEP_CURVE_POINTS];
	float curve_cop_ml_mm[FP_STEP_CURVE_POINTS];
	float curve_cop_ap_mm[FP_STEP_CURVE_POINTS];
};

struct fp_gait;

/* Defaults of DESIGN §3 for `plates` plates at rate_hz. */
void fp_gait_config_default(struct fp_gait_config *cfg, uint32_t plates, double rate_hz);

/*
 * What a program knows beyond the device, for fp_gait_config_build(): each
 * field NaN (or 0 for plate_foot, -1 for drift_correction) keeps the
 * default. fp_gait_options_default() sets them all so.
 */
struct fp_gait_options {
	double cutoff_hz;           /* force metrics; NaN: 50 Hz, at most 0.4 x rate */
	double cop_cutoff_hz;       /* COP path; NaN: 50 Hz; at most cutoff_hz */
	double belt_speed_mps;      /* NaN: from the frames */
	double body_mass_kg;        /* NaN or 0: estimated from whole strides */
	double on_n, off_n;         /* contact thresholds, N */
	int drift_correction;       /* -1: default (on), 0 off, 1 on */
	char plate_foot[FP_MAX_PLATES]; /* 'L'/'R' per plate (split belt); 0: classify */
	double toe_out_deg[2];      /* left, right foot axis; NaN: direction of travel */
	const struct fp_gait_markers *markers; /* NULL: no anatomical foot frame */
};
void fp_gait_options_default(struct fp_gait_options *opt);

/*
 * The one place a gait configuration is made from a device (plates, rate),
 * its calibration (plate corners, kept by pointer: cal must outlive the
 * fp_gait_open() call) and a program's options, so that fplated and
 * `fplate analyze` analyse the same data the same way. Plate centres are
 * the mean of the corners (0 where a corner is not finite). Returns 0 or
 * -EINVAL with msg naming the option and value; the result still goes
 * through fp_gait_open()'s own checks.
 */
int fp_gait_config_build(struct fp_gait_config *cfg, const struct fp_info *info,
			 const struct fp_calib *cal, const struct fp_gait_options *opt,
			 char *msg, size_t msg_len);

/*
 * Check cfg and allocate the detector. *out owned by the caller, freed with
 * fp_gait_close(). -EINVAL with msg naming the field and value, -ENOMEM.
 */
int fp_gait_open(const struct fp_gait_config *cfg, struct fp_gait **out,
		 char *msg, size_t msg_len);
void fp_gait_close(struct fp_gait *g);

/*
 * Process frames (same plate count as the config). Returns the number of
 * step records waiting to be popped (>= 0) or -EINVAL for a plate-count
 * mismatch. A jump in first_sample is a gap: open stances are dropped and
 * pending steps flagged FP_STEP_GAP. Up to FP_GAIT_QUEUE records wait; when
 * the caller does not pop them the oldest are dropped (counted).
 */
int fp_gait_push(struct fp_gait *g, const struct fp_frames *frames);

/* End of the source: complete pending steps (flagged TRUNCATED when short of data). */
int fp_gait_flush(struct fp_gait *g);

/* Pop the oldest completed step into *step: 1 if one was popped, 0 if none. */
int fp_gait_next_step(struct fp_gait *g, struct fp_step *step);

#define FP_GAIT_QUEUE 256

/*
 * The impact phase of a stance, known before the stance ends (the `impact`
 * topic, docs/wire-format.md; definitions in docs/metrics.md, "Impact
 * event"). Its numbers are the step record's: the module computes the
 * impact phase once, with the same functions, as soon as it is determined,
 * and the later struct fp_step of the same stance carries exactly these
 * values (unless flagged FP_STEP_IMPACT_REVISED). Metrics that could not
 * be computed are NaN.
 */
struct fp_impact {
	uint32_t plate;
	char foot;                  /* 'L', 'R'; '?' while unknown */
	int foot_predicted;         /* 1: by alternation; the step record decides */
	uint64_t contact_sample;    /* as struct fp_step */
	uint64_t known_sample;      /* the sample whose arrival determined the impact */
	double contact_s;
	double delay_ms;            /* (known_sample + 1 - contact_sample) / rate */
	int in_stance;              /* 1: known while the foot was still loaded */
	double body_weight_n;
	double impact_peak_n, impact_peak_bw;
	int impact_virtual;
	double time_to_impact_ms;
	double valr_n_s, valr_bw_s;
	double vilr_n_s, vilr_bw_s;
	double cutoff_hz;
};

/*
 * Pop the oldest impact event: 1 if one was popped, 0 if none. Up to
 * FP_GAIT_QUEUE wait (the oldest are dropped, counted in stats.dropped).
 * An impact is always queued before the step record of its stance.
 */
int fp_gait_next_impact(struct fp_gait *g, struct fp_impact *imp);

/* The impact as a JSON object (keys of docs/metrics.md), NaN as null. New reference or NULL. */
struct json_t *fp_impact_to_json(const struct fp_impact *imp);

struct fp_gait_stats {
	uint64_t samples;           /* samples pushed per plate */
	uint64_t steps;             /* step records emitted */
	uint64_t impacts;           /* impact events emitted */
	uint64_t impacts_in_stance; /* of them, known before the stance ended */
	uint64_t rejected;          /* contacts dropped as belt noise (short, weak) */
	uint64_t dropped;           /* records lost because the queue was full */
	uint64_t gaps;
};
void fp_gait_get_stats(const struct fp_gait *g, struct fp_gait_stats *st);

/* Current Fz drift offset of a plate (N), NaN before the first estimate. */
double fp_gait_offset(const struct fp_gait *g, uint32_t plate);

/* Name of one flag bit ("crossover", ...), NULL for an unknown bit. */
const char *fp_step_flag_name(uint32_t flag);

/*
 * Numeric metrics of struct fp_step, for generic printing and summaries:
 * fp_step_metrics_count entries of {JSON key, unit, offset in struct
 * fp_step, whether the summary averages it, whether it has an L/R
 * asymmetry}.
 */
struct fp_step_metric {
	const char *key;
	const char *unit;
	size_t offset;
	int summarise;              /* 1: a per-foot mean makes sense */
	int asymmetry;              /* 1: a magnitude; 0: signed position, angle, setting */
};
extern const struct fp_step_metric fp_step_metrics[];
extern const size_t fp_step_metrics_count;
static inline double fp_step_metric_value(const struct fp_step *s, size_t i)
{
	return *(const double *)((const char *)s + fp_step_metrics[i].offset);
}

struct fp_c3d;
/*
 * Foot markers of a C3D file (POINT labels) in the frame of its plate
 * `plate`, for struct fp_gait_config.markers (then m->plate is 0: the
 * analysed source has that one plate). Per foot, the side from the label
 * ("L.", "R_", "Left", "LHEE"), the heel as the mean of the markers named
 * HEE... or CAL... and the two named MT<n>, MH<n> or META<n> (which is medial is
 * decided later by geometry: labels can be swapped). turned: the frames
 * are turned 180° about z (fplate analyze --facing). -ENOENT with msg when
 * the file lacks them, -ENOMEM. Free with fp_gait_markers_release().
 */
int fp_gait_markers_from_c3d(const struct fp_c3d *c, uint32_t plate, int turned,
			     struct fp_gait_markers *m, char *msg, size_t msg_len);
void fp_gait_markers_release(struct fp_gait_markers *m);

struct json_t;
/*
 * The step as a JSON object with the keys of docs/metrics.md, NaN as null,
 * "flags" as an array of names, and "metrics_version". New reference (caller
 * decrefs), NULL on allocation failure.
 */
struct json_t *fp_step_to_json(const struct fp_step *s);

/* {"fz_bw": [101], "cop_ml_mm": [101], "cop_ap_mm": [101]} (null for NaN). */
struct json_t *fp_step_curves_json(const struct fp_step *s);

/*
 * The one L/R asymmetry of fplate (symmetry index, Robinson et al. 1987)
 * of two per-foot means: 100 (|R| − |L|) / ((|R| + |L|) / 2), positive when
 * the right foot's value is larger in magnitude. NaN unless both are
 * finite, non-zero and of the same sign (a signed position has none).
 */
double fp_asymmetry_pct(double left, double right);

/*
 * Per-foot summary over n steps: for foot 'L' or 'R' a JSON object
 * {"summary": foot, "steps": count, "<key>": {"mean":, "sd":, "n":}, ...
 * (the metrics with summarise set),
 *  "asymmetry_pct": {"<key>": fp_asymmetry_pct(L mean, R mean), ...}} for
 * the metrics with asymmetry set. Steps flagged TOO_SHORT/TOO_LONG/TRUNCATED
 * are left out. New reference or NULL.
 */
struct json_t *fp_gait_summary_json(const struct fp_step *steps, size_t n, char foot);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_GAIT_H */
