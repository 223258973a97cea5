/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gait_internal.h - what gait.c (streaming state machine, drift offsets,
 * queue), gait_step.c (history, body weight, left/right, step records),
 * gait_metrics.c (force metrics) and gait_cop.c (COP progression) share.
 */
#ifndef FPLATE_LIB_GAIT_INTERNAL_H
#define FPLATE_LIB_GAIT_INTERNAL_H

#include <math.h>

#include "fplate/gait.h"
#include "filter.h"

/*
 * One step's data, copied out of the plate ring by gait.c: the stance
 * [c, e) plus `pad` samples either side where available, drift-corrected.
 * The arrays point into scratch memory owned by struct fp_gait.
 */
struct gait_window {
	size_t n;                /* samples in the window */
	size_t c, e;             /* stance as window indices */
	size_t ref_n;            /* the expected contact time the impact phase's
				  * 30 % and 13 % points are taken of (samples);
				  * 0: the stance's own (docs/metrics.md) */
	double rate_hz;
	double *fz, *fy, *tz;    /* corrected, unfiltered */
	double *copx, *copy;     /* plate frame, mm, NaN where unloaded */
	double *fz_f, *fy_f, *tz_f; /* zero-lag filtered */
	int fz_f_valid;          /* gait_filter_window() succeeded */
	struct fp_filtfilt_cache *fz_cache; /* Fz alone: the plate's forward pass, resumed */
	size_t fz_from;          /* with fz_cache: Fz filtered on [fz_from, n) until
				  * gait_filter_window_rest() */
	double *work;            /* 3 * (n + 2 * FP_FILTFILT_PAD) scratch */
	double *tmp, *tmp2, *tmp3; /* n scratch each */
	const double *cycle_fz;  /* total Fz (all plates) from contact to next contact */
	size_t cycle_n;          /* 0 when the cycle is unknown */
	/*
	 * Foot markers of the step's foot per window sample (plate frame, mm,
	 * holes filled): heel x y, one metatarsal head x y, the other x y.
	 * have_markers 0: none (the frame is travel or configured).
	 */
	int have_markers;
	double *mk[6];
	double toe_out_deg;      /* configured for this foot, NaN: none */
};

/* Arrays of struct gait_window carved out of fp_gait.scratch (gait_step.c). */
#define GAIT_SCRATCH_ARRAYS 21

/* Filter fz, fy, tz (those not NULL) into *_f. -EINVAL when the window is too short. */
int gait_filter_window(struct gait_window *w, const struct fp_biquad *bq);
/* After gait_fill_window() and a successful gait_filter_window(): the key of what fz_fwd holds. */
void gait_fill_window_keep(struct fp_gait *g, uint32_t p);
/* After gait_filter_window() with fz_cache: filter Fz on [0, fz_from) too. */
void gait_filter_window_rest(struct gait_window *w);

/* Impact peak (by s->gait), loading rates, active peak, impulses, free moment (N units). */
void gait_force_metrics(const struct gait_window *w, double prominence, struct fp_step *s);

/*
 * The impact phase alone (impact peak, real or virtual, time to impact,
 * VALR, VILR), the part of gait_force_metrics() an impact event needs.
 * open 0: the stance [c, e) is complete in the window. open 1: the stance
 * is still loaded at the window's end (it ends at e = w->n or later) and
 * the filtered curve is settled only before index `settled`; the impact
 * is decided only if no later data can change it, given that the active
 * peak will not exceed active_hi (N) and, once the curve is below
 * active_min (N, 0: no such bound), that a higher sample will come. The
 * 30 % and 13 % points are of w->ref_n (the expected contact time) when
 * set, else of the stance (open: of the stance so far, a lower bound).
 * Returns 1 when s holds the values, 0 when the data do not decide it yet.
 */
int gait_impact_metrics(const struct gait_window *w, double prominence, int open,
			size_t settled, double active_min, double active_hi, struct fp_step *s);
/* 1 when gait_impact_metrics() would return 1; reads the filtered Fz on [c, n) only. */
int gait_impact_ready(const struct gait_window *w, double prominence, int open,
		      size_t settled, double active_min, double active_hi);

/*
 * The bound on the active peak an impact event assumes while the stance
 * is open, in body weights: running peaks are 2-3 BW and stay below 5 BW
 * even at top sprint speed (docs/metrics.md, "Impact event").
 */
#define GAIT_ACTIVE_MAX_BW 6.0

/*
 * The lower bound on the active peak an impact event assumes while the
 * stance is open, as a share of the spring-mass (sine-wave) estimate
 * F = BW (pi/2) (step time / contact time) of Morin et al. 2005 from the
 * same foot's previous stances (docs/metrics.md, "Impact event"): an
 * impact peak candidate below it has a higher sample to come.
 */
#define GAIT_ACTIVE_MIN_MODEL 0.8

/*
 * The settling of the zero-lag filter at the end of a window that stops
 * while the stance goes on: the backward pass starts there and its error
 * decays as the filter's impulse-response envelope r^n (r the largest
 * pole radius); the impact event uses the samples where that envelope
 * has fallen below GAIT_SETTLE_FRACTION (docs/metrics.md).
 */
#define GAIT_SETTLE_FRACTION 0.01

/* fp_gait_push(): ring slots prefetched for writing this many samples ahead */
#define GAIT_RING_PREFETCH 8

/* Samples for the envelope of bq's impulse response to fall below fraction. */
uint32_t gait_settle_samples(const struct fp_biquad *bq, double fraction);

/* BW-normalised values and the centre-of-mass metrics, once BW is known. */
void gait_bw_metrics(const struct gait_window *w, struct fp_step *s);

/*
 * Mean COP (plate frame) over the loaded part of the stance (Fz at least
 * 10 % of its maximum), the COP y at the start of that part and how long
 * after the contact sample that is (s), and how far the mean COP x of its
 * last third lies from that of its first third (a second foot on the plate
 * shifts it). NaN if no COP.
 */
void gait_cop_mean(const struct gait_window *w, double *x_mm, double *y_mm,
		   double *y_contact_mm, double *contact_lag_s, double *x_shift_mm);

/*
 * COP progression in the foot frame (needs s->foot; s->belt_speed_mps NaN
 * when unknown). Sets s->foot_frame and the NO_BELT_SPEED / IMPLAUSIBLE
 * flags.
 */
void gait_cop_metrics(const struct gait_window *w, const struct fp_biquad *bq,
		      struct fp_step *s);

/* Fill NaN holes of v[a, b) linearly; the ends take the nearest finite value. */
void gait_fill_holes(double *v, size_t a, size_t b);

/* Linear interpolation of y at fractional index t (0 <= t <= n - 1). */
double gait_interp(const double *y, size_t n, double t);

/*
 * fmax() and fmin() as glibc computes them (its generic C versions: equal
 * values, ±0 included, give x; a NaN gives the other operand), inline:
 * libm's are calls the compiler cannot inline without changing what ±0
 * and NaN give, and the per-sample loops of the metrics make many.
 */
static inline double gait_fmax(double x, double y)
{
	if (isgreaterequal(x, y))
		return x;
	if (isless(x, y))
		return y;
	return isnan(y) ? x : y;
}

static inline double gait_fmin(double x, double y)
{
	if (islessequal(x, y))
		return x;
	if (isgreater(x, y))
		return y;
	return isnan(y) ? x : y;
}

/* ---- the detector's state, shared by gait.c and gait_step.c ---- */

#define HIST        16  /* contacts remembered (body weight, step time) */
#define MAX_PENDING 4   /* ended stances waiting for their step cycle */
#define RF_NAN      1u  /* ring sample flags */
#define RF_SAT      2u

enum plate_state { P_IDLE, P_STANCE, P_ENDING, P_LONG, P_RESYNC };

/* A drift offset estimate (Fx Fy Fz Mx My Mz) centred on a sample. */
struct gait_offset {
	int valid;
	double centre;
	double f[6];
};

/* A stance's impact phase, decided once (gait_impact.c). */
struct gait_impact {
	uint64_t ref_n;             /* expected contact time (samples), 0: none */
	uint64_t stride_n;          /* same foot's previous stride (samples) */
	int decided;
	int walking;                /* walking showed before a decision: the record's values */
	int in_stance;              /* decided while the stance was open */
	double active_hi;           /* the active peak bound it relied on (N) */
	int relied_min;             /* a higher sample assumed (active_min bound) */
	double impact_peak_n, time_to_impact_ms, valr_n_s, vilr_n_s;
	int impact_virtual;
};

struct gait_pending {
	uint64_t contact, toeoff;
	struct gait_impact imp;
	uint32_t flags;
	struct gait_offset before, after;
	int after_done;
	int have_next;              /* a later contact on any plate closed the cycle */
	uint64_t next_contact;
	int have_next_same;         /* the next contact on this plate */
	uint64_t next_same;
};

struct gait_plate {
	double *ring;               /* [cap][FP_NFIELDS] input, NaN forces held; owned */
	uint8_t *rflags;            /* [cap] RF_* */
	/* the impact phase's Fz filter over the open stance's growing window;
	 * arrays owned, prefaulted, cap + 2 FP_FILTFILT_PAD each */
	struct fp_filtfilt_cache fz_fwd;
	/* what fz_fwd.x[0, fz_fwd.n) was filled from (gait_fill_window()):
	 * the window's first sample, the constant drift offset, the ring's
	 * epoch; valid 0: unknown. fz_next: the fill's, until the filter ran */
	struct gait_fz_key {
		int valid;
		uint64_t from, epoch;
		double off;
	} fz_key, fz_next;
	enum plate_state state;
	int have_below;
	uint64_t last_below;        /* last sample with corrected Fz < off */
	uint64_t contact, end_candidate;
	uint32_t stance_flags;
	struct gait_offset stance_before;
	int have_toeoff;
	uint64_t last_toeoff;
	int contacts_seen;
	struct gait_offset offset;  /* latest estimate, applied live */
	double held[FP_NFIELDS];
	int have_held;
	struct gait_pending pending[MAX_PENDING];
	unsigned int n_pending;
	struct gait_impact imp;     /* of the open stance */
};

struct gait_contact {
	uint64_t contact, detect;
	double cum;                 /* total corrected Fz summed up to detect */
	uint32_t plate;
	int have_toeoff;
	uint64_t toeoff;
	int truncated;              /* the data began inside this stance: no stride boundary */
};

struct fp_gait {
	struct fp_gait_config cfg;
	uint32_t cap, pad;          /* ring samples; filter padding samples */
	uint64_t ring_epoch;        /* +1 at every gap: ring slots may be rewritten */
	uint32_t settle;            /* filter settling at a window's end (samples) */
	uint32_t skip, aerial, min_contact, min_gap, max_stance, max_wait;
	struct gait_plate plate[FP_MAX_PLATES];
	int started;
	uint64_t valid_from;        /* first sample since start or the last gap */
	uint64_t next_sample;
	double cum_fz;
	struct gait_contact hist[HIST];
	unsigned int n_hist;
	double side_x[2][2];        /* last two mean COP x of the left / right foot */
	unsigned int side_n[2];
	uint8_t votes;              /* recent steps whose COP side disagreed (bits) */
	struct {
		int valid;
		char foot;
		uint64_t contact;
		double x, y_contact;
		int truncated;
	} prev;
	double belt_speed_mps;      /* from the frames, NaN until one is known */
	int have_markers;
	struct fp_gait_markers markers; /* copy; the arrays in marker_data */
	double *marker_data;        /* owned */
	int have_calib;
	struct fp_calib calib;      /* copy of cfg->calib (COP from corrected F/M) */
	struct fp_biquad bq, bq_cop;
	double *scratch;            /* window arrays, GAIT_SCRATCH_ARRAYS x (cap +
				     * 2 FP_FILTFILT_PAD) doubles; owned, prefaulted */
	/* completed steps not yet read: FP_GAIT_QUEUE (256) x 1.5 KB; when
	 * full the oldest is dropped (stats.dropped) */
	struct fp_step queue[FP_GAIT_QUEUE];
	unsigned int q_head, q_len;
	struct fp_impact iqueue[FP_GAIT_QUEUE];
	unsigned int iq_head, iq_len;
	struct fp_gait_stats stats;
};

static inline double *ring_at(const struct fp_gait *g, uint32_t p, uint64_t s)
{
	return g->plate[p].ring + (size_t)(s % g->cap) * FP_NFIELDS;
}

/* Is [from, to) still in the ring and after the last gap? */
static inline int in_ring(const struct fp_gait *g, uint64_t from, uint64_t to)
{
	return from >= g->valid_from && to <= g->next_sample && to >= from &&
	       g->next_sample - from <= g->cap;
}

static inline double offset_fz(const struct gait_offset *o)
{
	return o->valid ? o->f[2] : 0.0;
}

/* Offset at sample t: linear between two estimates, else the one there is. */
static inline double offset_at(const struct gait_offset *a, const struct gait_offset *b, int k, double t)
{
	if (a->valid && b->valid && b->centre > a->centre) {
		double u = (t - a->centre) / (b->centre - a->centre);

		return a->f[k] + u * (b->f[k] - a->f[k]);
	}
	if (b->valid)
		return b->f[k];
	return a->valid ? a->f[k] : 0.0;
}

/* gait.c */
void gait_emit(struct fp_gait *g, const struct fp_step *s);

/* gait_step.c */
double gait_body_weight(struct fp_gait *g, uint32_t p, uint64_t contact);
/* Copy [from, to) of plate p out of the ring, drift-corrected with pd's offsets, into w. */
void gait_fill_window_all(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
			  uint64_t from, uint64_t to, struct gait_window *w);
/* The same for Fz alone (the impact phase's input, tried every 2 ms of an
 * open stance): fy, tz, copx, copy, fy_f, tz_f are NULL in w. */
void gait_fill_window(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
		      uint64_t from, uint64_t to, struct gait_window *w);
/* The first sample of a step's window (pad before contact where the ring has it). */
uint64_t gait_window_from(const struct fp_gait *g, uint64_t contact);
/* Walking by the record's rules, the stance from c to end as far as seen so far. */
int gait_stance_walking(const struct fp_gait *g, uint32_t p, uint64_t c, uint64_t end);

/* gait_impact.c */
/* Sample s of plate p has arrived: decide the impact phases it determines; queue their events. */
void gait_impact_sample(struct fp_gait *g, uint32_t p, uint64_t s);
/* A contact c began on plate p: the expected contact time of its impact phase. */
void gait_impact_start(struct fp_gait *g, uint32_t p, uint64_t c);
/* At finalize: take the decided impact phase into s, or decide it from s and queue its event. */
void gait_impact_finalize(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
			  struct fp_step *s);
struct gait_contact *gait_hist_find(struct fp_gait *g, uint32_t p, uint64_t contact, int *idx);
void gait_hist_add(struct fp_gait *g, uint32_t p, uint64_t contact, uint64_t detect,
		   int truncated);
void gait_hist_remove(struct fp_gait *g, uint32_t p, uint64_t contact);
/* Complete the pending step pd of plate p and queue its record. */
void gait_finalize(struct fp_gait *g, uint32_t p, const struct gait_pending *pd);
/* Queue a record without metrics (too short, too long). */
void gait_emit_short(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t e, uint32_t flags);

#endif
