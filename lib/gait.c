// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait.c - the streaming side of the gait module: per-plate contact state
 * machine over a ring of recent samples, live drift offsets from unloaded
 * phases, body weight from whole stride cycles, left/right, and the step
 * queue. The numbers of a step are computed when it is complete by
 * gait_metrics.c and gait_cop.c on a window copied out of the ring.
 *
 * Memory is bounded: each plate keeps a ring of cap samples (max stance +
 * the wait for the next contact + filter padding); nothing grows with the
 * length of the recording.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gait_internal.h"

#define HIST        16  /* contacts remembered (body weight, step time) */
#define MAX_PENDING 4   /* ended stances waiting for their step cycle */
#define RECENT      8   /* steps in the left/right running median */
#define RF_NAN      1u  /* ring sample flags */
#define RF_SAT      2u

enum plate_state { P_IDLE, P_STANCE, P_ENDING, P_LONG, P_RESYNC };

/* A drift offset estimate (Fx Fy Fz Mx My Mz) centred on a sample. */
struct gait_offset {
	int valid;
	double centre;
	double f[6];
};

struct gait_pending {
	uint64_t contact, toeoff;
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
};

struct gait_contact {
	uint64_t contact, detect;
	double cum;                 /* total corrected Fz summed up to detect */
	uint32_t plate;
	int have_toeoff;
	uint64_t toeoff;
};

struct fp_gait {
	struct fp_gait_config cfg;
	uint32_t cap, pad;          /* ring samples; filter padding samples */
	uint32_t skip, aerial, min_contact, min_gap, max_stance, max_wait;
	struct gait_plate plate[FP_MAX_PLATES];
	int started;
	uint64_t valid_from;        /* first sample since start or the last gap */
	uint64_t next_sample;
	double cum_fz;
	struct gait_contact hist[HIST];
	unsigned int n_hist;
	double recent_x[RECENT];
	unsigned int n_recent;
	struct {
		int valid, disagreed;
		char foot;
		uint64_t contact;
		double x, y_contact;
	} prev;
	double belt_speed_mps;
	int have_calib;
	struct fp_calib calib;      /* copy of cfg->calib (COP from corrected F/M) */
	struct fp_biquad bq, bq_cop;
	double *scratch;            /* window arrays; owned */
	struct fp_step queue[FP_GAIT_QUEUE];
	unsigned int q_head, q_len;
	struct fp_gait_stats stats;
};

void fp_gait_config_default(struct fp_gait_config *cfg, uint32_t plates, double rate_hz)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->plates = plates;
	cfg->rate_hz = rate_hz;
	cfg->on_n = 50;
	cfg->off_n = 20;
	cfg->min_contact_ms = 100;
	cfg->min_gap_ms = 20;
	cfg->max_stance_s = 3.0;
	cfg->cutoff_hz = 50;
	cfg->cop_cutoff_hz = 50;
	cfg->impact_prominence = 0.005;
	cfg->body_mass_kg = 0;
	cfg->belt_speed_mps = NAN;
	cfg->drift_correction = 1;
	cfg->double_contact_mm = 70;
	cfg->clip_fz_n = 0;
}

static int cfg_err(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cfg_err(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int check_config(const struct fp_gait_config *c, char *msg, size_t len)
{
	if (c->plates < 1 || c->plates > FP_MAX_PLATES)
		return cfg_err(msg, len, "gait: plates %u, expected 1..%d", c->plates, FP_MAX_PLATES);
	if (!(c->rate_hz >= 50 && c->rate_hz <= 100000))
		return cfg_err(msg, len, "gait: rate_hz %g, expected 50..100000", c->rate_hz);
	if (!(c->cutoff_hz > 0 && c->cutoff_hz < c->rate_hz / 2))
		return cfg_err(msg, len, "gait: cutoff_hz %g, expected above 0 and below half the rate (%g Hz)",
			       c->cutoff_hz, c->rate_hz / 2);
	if (!(c->cop_cutoff_hz > 0 && c->cop_cutoff_hz < c->rate_hz / 2))
		return cfg_err(msg, len, "gait: cop_cutoff_hz %g, expected above 0 and below half the rate (%g Hz)",
			       c->cop_cutoff_hz, c->rate_hz / 2);
	if (c->calib && c->calib->plates != c->plates)
		return cfg_err(msg, len, "gait: calibration has %u plates, frames have %u",
			       c->calib->plates, c->plates);
	if (!(c->off_n > 0 && c->on_n >= c->off_n))
		return cfg_err(msg, len, "gait: thresholds on %g N / off %g N, expected 0 < off <= on",
			       c->on_n, c->off_n);
	if (!(c->min_contact_ms >= 0 && c->min_gap_ms >= 0 && c->max_stance_s > 0.1 &&
	      c->max_stance_s <= 30))
		return cfg_err(msg, len, "gait: min_contact_ms %g, min_gap_ms %g, max_stance_s %g out of range",
			       c->min_contact_ms, c->min_gap_ms, c->max_stance_s);
	if (!(c->body_mass_kg >= 0 && c->body_mass_kg < 500))
		return cfg_err(msg, len, "gait: body_mass_kg %g, expected 0 (auto) or a mass below 500",
			       c->body_mass_kg);
	if (!(c->impact_prominence >= 0 && c->impact_prominence < 1))
		return cfg_err(msg, len, "gait: impact_prominence %g, expected 0..1", c->impact_prominence);
	if (!isnan(c->belt_speed_mps) && !(fabs(c->belt_speed_mps) < 30))
		return cfg_err(msg, len, "gait: belt_speed_mps %g out of range", c->belt_speed_mps);
	for (uint32_t p = 0; p < c->plates; p++)
		if (c->plate_foot[p] && c->plate_foot[p] != 'L' && c->plate_foot[p] != 'R')
			return cfg_err(msg, len, "gait: plate_foot[%u] '%c', expected 'L', 'R' or 0",
				       p, c->plate_foot[p]);
	return 0;
}

static uint32_t ms_to_samples(double ms, double rate)
{
	return (uint32_t)lround(ms * rate / 1000.0);
}

int fp_gait_open(const struct fp_gait_config *cfg, struct fp_gait **out, char *msg,
		 size_t msg_len)
{
	struct fp_gait *g;
	size_t win;
	int err;

	*out = NULL;
	err = check_config(cfg, msg, msg_len);
	if (err)
		return err;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	g->pad = ms_to_samples(50, cfg->rate_hz);
	if (g->pad < 10)
		g->pad = 10;
	g->skip = ms_to_samples(10, cfg->rate_hz);
	g->aerial = ms_to_samples(30, cfg->rate_hz);
	if (g->aerial < 3)
		g->aerial = 3;
	g->min_contact = ms_to_samples(cfg->min_contact_ms, cfg->rate_hz);
	g->min_gap = ms_to_samples(cfg->min_gap_ms, cfg->rate_hz);
	if (g->min_gap < 1)
		g->min_gap = 1;
	g->max_stance = (uint32_t)lround(cfg->max_stance_s * cfg->rate_hz);
	g->max_wait = ms_to_samples(1000, cfg->rate_hz);
	g->cap = g->max_stance + g->max_wait + 2 * g->pad + 16;
	fp_butter2_lowpass(cfg->cutoff_hz, cfg->rate_hz, &g->bq);
	fp_butter2_lowpass(cfg->cop_cutoff_hz, cfg->rate_hz, &g->bq_cop);
	if (cfg->calib) {
		g->calib = *cfg->calib;
		g->have_calib = 1;
	}
	g->cfg.calib = NULL;        /* not kept: the caller's may go away */
	for (uint32_t p = 0; p < cfg->plates; p++) {
		g->plate[p].ring = calloc((size_t)g->cap * FP_NFIELDS, sizeof(double));
		g->plate[p].rflags = calloc(g->cap, 1);
		if (!g->plate[p].ring || !g->plate[p].rflags)
			goto nomem;
	}
	win = g->cap + 2 * FP_FILTFILT_PAD;
	g->scratch = calloc(win * 11, sizeof(double));
	if (!g->scratch)
		goto nomem;
	*out = g;
	return 0;
nomem:
	fp_gait_close(g);
	return -ENOMEM;
}

void fp_gait_close(struct fp_gait *g)
{
	if (!g)
		return;
	for (uint32_t p = 0; p < FP_MAX_PLATES; p++) {
		free(g->plate[p].ring);
		free(g->plate[p].rflags);
	}
	free(g->scratch);
	free(g);
}

static inline double *ring_at(const struct fp_gait *g, uint32_t p, uint64_t s)
{
	return g->plate[p].ring + (size_t)(s % g->cap) * FP_NFIELDS;
}

/* Is [from, to) still in the ring and after the last gap? */
static int in_ring(const struct fp_gait *g, uint64_t from, uint64_t to)
{
	return from >= g->valid_from && to <= g->next_sample && to >= from &&
	       g->next_sample - from <= g->cap;
}

static double offset_fz(const struct gait_offset *o)
{
	return o->valid ? o->f[2] : 0.0;
}

/* Offset at sample t: linear between two estimates, else the one there is. */
static double offset_at(const struct gait_offset *a, const struct gait_offset *b, int k, double t)
{
	if (a->valid && b->valid && b->centre > a->centre) {
		double u = (t - a->centre) / (b->centre - a->centre);

		return a->f[k] + u * (b->f[k] - a->f[k]);
	}
	if (b->valid)
		return b->f[k];
	return a->valid ? a->f[k] : 0.0;
}

/*
 * Mean of Fx..Mz over [from, to) if every sample there is finite and
 * unloaded (|Fz − current offset| < off). At least 3 samples.
 */
static int estimate_offset(struct fp_gait *g, uint32_t p, uint64_t from, uint64_t to,
			   struct gait_offset *out)
{
	double sum[6] = { 0 }, cur = offset_fz(&g->plate[p].offset);

	if (!g->cfg.drift_correction || to < from + 3 || !in_ring(g, from, to))
		return 0;
	for (uint64_t s = from; s < to; s++) {
		const double *v = ring_at(g, p, s);

		if ((g->plate[p].rflags[s % g->cap] & RF_NAN) || fabs(v[FP_FZ] - cur) >= g->cfg.off_n)
			return 0;
		for (int k = 0; k < 6; k++)
			sum[k] += v[k];
	}
	out->valid = 1;
	out->centre = (double)(from + to - 1) / 2.0;
	for (int k = 0; k < 6; k++)
		out->f[k] = sum[k] / (double)(to - from);
	if (!g->plate[p].offset.valid || out->centre > g->plate[p].offset.centre)
		g->plate[p].offset = *out;
	return 1;
}

/* ---- step queue ---- */

static void emit(struct fp_gait *g, const struct fp_step *s)
{
	if (g->q_len == FP_GAIT_QUEUE) {
		g->q_head = (g->q_head + 1) % FP_GAIT_QUEUE;
		g->q_len--;
		g->stats.dropped++;
	}
	g->queue[(g->q_head + g->q_len) % FP_GAIT_QUEUE] = *s;
	g->q_len++;
	g->stats.steps++;
}

int fp_gait_next_step(struct fp_gait *g, struct fp_step *step)
{
	if (!g->q_len)
		return 0;
	*step = g->queue[g->q_head];
	g->q_head = (g->q_head + 1) % FP_GAIT_QUEUE;
	g->q_len--;
	return 1;
}

void fp_gait_get_stats(const struct fp_gait *g, struct fp_gait_stats *st)
{
	*st = g->stats;
}

double fp_gait_offset(const struct fp_gait *g, uint32_t plate)
{
	if (plate >= g->cfg.plates || !g->plate[plate].offset.valid)
		return NAN;
	return g->plate[plate].offset.f[2];
}

/* ---- contact history ---- */

static struct gait_contact *hist_find(struct fp_gait *g, uint32_t p, uint64_t contact, int *idx)
{
	for (unsigned int i = 0; i < g->n_hist; i++)
		if (g->hist[i].plate == p && g->hist[i].contact == contact) {
			if (idx)
				*idx = (int)i;
			return &g->hist[i];
		}
	return NULL;
}

static void hist_add(struct fp_gait *g, uint32_t p, uint64_t contact, uint64_t detect)
{
	if (g->n_hist == HIST) {
		memmove(g->hist, g->hist + 1, (HIST - 1) * sizeof(g->hist[0]));
		g->n_hist--;
	}
	g->hist[g->n_hist++] = (struct gait_contact){ .contact = contact, .detect = detect,
						      .cum = g->cum_fz, .plate = p };
}

static void hist_remove(struct fp_gait *g, uint32_t p, uint64_t contact)
{
	int i;

	if (hist_find(g, p, contact, &i)) {
		memmove(g->hist + i, g->hist + i + 1, (g->n_hist - i - 1) * sizeof(g->hist[0]));
		g->n_hist--;
	}
}

/* Body weight = mean total Fz over up to 4 whole strides ending at this contact. */
static double body_weight(struct fp_gait *g, uint32_t p, uint64_t contact)
{
	int k, m;

	if (g->cfg.body_mass_kg > 0)
		return g->cfg.body_mass_kg * FP_GRAVITY;
	if (!hist_find(g, p, contact, &k) || k < 2)
		return NAN;
	m = k / 2 < 4 ? k / 2 : 4;
	if (g->hist[k].detect <= g->hist[k - 2 * m].detect)
		return NAN;
	return (g->hist[k].cum - g->hist[k - 2 * m].cum) /
	       (double)(g->hist[k].detect - g->hist[k - 2 * m].detect);
}

/* ---- left / right ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Single plate (or several without a fixed side): the step's mean COP x
 * against the running median of the previous steps (an even count, so the
 * median falls between the two feet), checked against alternation. A step
 * on the wrong side while alternation says otherwise is a crossover; two
 * such steps in a row mean the earlier label was wrong, and the COP wins.
 */
static char classify_foot(struct fp_gait *g, struct fp_step *s, double x)
{
	char side, expected = 0;
	double mid = 0;
	unsigned int n = g->n_recent & ~1u;
	int established = n >= 2;

	if (established) {
		double sorted[RECENT];

		memcpy(sorted, g->recent_x + (g->n_recent - n), n * sizeof(double));
		qsort(sorted, n, sizeof(double), cmp_double);
		mid = (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
	}
	side = isnan(x) ? 0 : (x < mid ? 'L' : 'R');
	if (g->prev.valid && s->step_time_ms < 1500)
		expected = g->prev.foot == 'L' ? 'R' : 'L';
	if (!established) {
		s->flags |= FP_STEP_FOOT_GUESSED;
		g->prev.disagreed = 0;
		return expected ? expected : (side ? side : 'L');
	}
	if (!expected || !side || side == expected) {
		g->prev.disagreed = 0;
		return side ? side : expected;
	}
	if (g->prev.disagreed) {          /* the previous label was the wrong one */
		g->prev.disagreed = 0;
		return side;
	}
	g->prev.disagreed = 1;
	s->flags |= FP_STEP_CROSSOVER;
	return expected;
}

static void remember_x(struct fp_gait *g, double x)
{
	if (isnan(x))
		return;
	if (g->n_recent == RECENT) {
		memmove(g->recent_x, g->recent_x + 1, (RECENT - 1) * sizeof(double));
		g->n_recent--;
	}
	g->recent_x[g->n_recent++] = x;
}

/* ---- building a step ---- */

static void step_init(struct fp_gait *g, struct fp_step *s, uint32_t p, uint64_t c, uint64_t e,
		      uint32_t flags)
{
	double rate = g->cfg.rate_hz;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < fp_step_metrics_count; i++)
		*(double *)((char *)s + fp_step_metrics[i].offset) = NAN;
	s->plate = p;
	s->foot = g->cfg.plate_foot[p] ? g->cfg.plate_foot[p] : '?';
	s->flags = flags;
	s->contact_sample = c;
	s->toeoff_sample = e;
	s->contact_s = (double)c / rate;
	s->contact_time_ms = (double)(e - c) * 1000.0 / rate;
	s->cutoff_hz = g->cfg.cutoff_hz;
	s->impact_virtual = 0;
	s->belt_speed_mps = isnan(g->cfg.belt_speed_mps) ? g->belt_speed_mps : g->cfg.belt_speed_mps;
	if (isnan(s->belt_speed_mps))
		s->belt_speed_mps = 0;
}

/* Step and flight time from the contact before this one (any plate). */
static void step_timing(struct fp_gait *g, struct fp_step *s)
{
	const struct gait_contact *prev = NULL;
	double rate = g->cfg.rate_hz;

	for (unsigned int i = 0; i < g->n_hist; i++)
		if (g->hist[i].contact < s->contact_sample &&
		    (!prev || g->hist[i].contact > prev->contact))
			prev = &g->hist[i];
	if (!prev)
		return;
	s->step_time_ms = (double)(s->contact_sample - prev->contact) * 1000.0 / rate;
	s->cadence_spm = 60000.0 / s->step_time_ms;
	if (prev->have_toeoff)
		s->flight_time_ms = ((double)s->contact_sample - (double)prev->toeoff) * 1000.0 / rate;
}

/* Scratch arrays of the window, all of length cap + 2 pad (filter work). */
static void window_arrays(struct fp_gait *g, struct gait_window *w)
{
	size_t stride = g->cap + 2 * FP_FILTFILT_PAD;
	double *a = g->scratch;

	w->fz = a; w->fy = a + stride; w->tz = a + 2 * stride;
	w->copx = a + 3 * stride; w->copy = a + 4 * stride;
	w->fz_f = a + 5 * stride; w->fy_f = a + 6 * stride; w->tz_f = a + 7 * stride;
	w->work = a + 8 * stride; w->tmp = a + 9 * stride;
	w->cycle_fz = a + 10 * stride;
}

/* Clipping: Fz at the configured limit, or flat at its maximum for 2 % of stance. */
static uint32_t clip_flags(const struct fp_gait *g, const struct gait_window *w)
{
	double peak = -INFINITY;
	size_t run = 0, longest = 0;

	for (size_t i = w->c; i < w->e; i++)
		peak = fmax(peak, w->fz[i]);
	if (g->cfg.clip_fz_n > 0 && peak >= g->cfg.clip_fz_n)
		return FP_STEP_CLIPPED;
	for (size_t i = w->c; i < w->e; i++) {
		run = fabs(w->fz[i] - peak) <= 1e-9 * fabs(peak) ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest >= 5 && (double)longest >= 0.02 * (double)(w->e - w->c) ? FP_STEP_CLIPPED : 0;
}

/* Total Fz of all plates from contact to the next contact, drift-corrected. */
static size_t cycle_fz(struct fp_gait *g, uint32_t p, const struct gait_pending *pd, double *out)
{
	uint64_t c = pd->contact, end = pd->next_contact;

	if (!pd->have_next || end <= c || !in_ring(g, c, end))
		return 0;
	for (uint64_t s = c; s < end; s++) {
		double sum = 0;

		for (uint32_t q = 0; q < g->cfg.plates; q++) {
			double off = q == p ? offset_at(&pd->before, &pd->after, 2, (double)s)
					    : offset_fz(&g->plate[q].offset);

			sum += ring_at(g, q, s)[FP_FZ] - off;
		}
		out[s - c] = sum;
	}
	return (size_t)(end - c);
}

static void step_geometry(struct fp_gait *g, struct fp_step *s, double y_contact)
{
	if (!g->prev.valid || isnan(s->step_time_ms) || s->step_time_ms > 2000)
		return;
	s->step_width_mm = fabs(s->cop_mean_x_mm - g->prev.x);
	s->step_length_m = s->belt_speed_mps * s->step_time_ms / 1000.0 +
			   (y_contact - g->prev.y_contact) / 1000.0;
}

static void finalize(struct fp_gait *g, uint32_t p, const struct gait_pending *pd)
{
	struct fp_step s;
	struct gait_window w = { .rate_hz = g->cfg.rate_hz };
	uint64_t from, to;
	double x, y, y_contact, x_range;
	const double *cx = g->cfg.plate_centre_mm[p];

	step_init(g, &s, p, pd->contact, pd->toeoff, pd->flags);
	step_timing(g, &s);
	from = pd->contact > g->valid_from + g->pad ? pd->contact - g->pad : g->valid_from;
	if (g->next_sample - from > g->cap)
		from = g->next_sample - g->cap;
	to = pd->toeoff + g->pad < g->next_sample ? pd->toeoff + g->pad : g->next_sample;
	if (from > pd->contact || to < pd->toeoff) {
		s.flags |= FP_STEP_GAP;
		emit(g, &s);
		return;
	}
	window_arrays(g, &w);
	w.n = (size_t)(to - from);
	w.c = (size_t)(pd->contact - from);
	w.e = (size_t)(pd->toeoff - from);
	if (g->cfg.drift_correction && !pd->before.valid && !pd->after.valid)
		s.flags |= FP_STEP_NO_OFFSET;
	for (uint64_t t = from; t < to; t++) {
		const double *v = ring_at(g, p, t);
		size_t i = (size_t)(t - from);
		double fm[6], tz;

		for (int k = 0; k < 6; k++)
			fm[k] = v[k] - offset_at(&pd->before, &pd->after, k, (double)t);
		w.fz[i] = fm[FP_FZ];
		w.fy[i] = fm[FP_FY];
		if (g->have_calib && g->cfg.drift_correction) {
			/* COP and free moment from the drift-corrected F/M */
			fp_cop(&g->calib.plate[p], fm, &w.copx[i], &w.copy[i], &tz);
		} else {
			w.copx[i] = v[FP_COPX];
			w.copy[i] = v[FP_COPY];
			tz = v[FP_TZ];
		}
		w.tz[i] = isfinite(tz) ? tz : 0.0;
	}
	s.offset_n = offset_at(&pd->before, &pd->after, 2, (double)(pd->contact + pd->toeoff) / 2.0);
	s.flags |= clip_flags(g, &w);
	w.cycle_n = cycle_fz(g, p, pd, (double *)w.cycle_fz);
	s.body_weight_n = body_weight(g, p, pd->contact);
	if (isnan(s.body_weight_n))
		s.flags |= FP_STEP_NO_BODY_WEIGHT;
	if (gait_filter_window(&w, &g->bq) == 0)
		gait_force_metrics(&w, g->cfg.impact_prominence, &s);
	gait_cop_mean(&w, &x, &y, &y_contact, &x_range);
	if (x_range > g->cfg.double_contact_mm)
		s.flags |= FP_STEP_DOUBLE_CONTACT;
	s.cop_mean_x_mm = x + cx[0];
	s.cop_mean_y_mm = y + cx[1];
	y_contact += cx[1];
	if (g->cfg.plate_foot[p]) {
		s.foot = g->cfg.plate_foot[p];
	} else {
		s.foot = classify_foot(g, &s, s.cop_mean_x_mm);
		/* a crossover is an outlier: keep it out of the midline median */
		if (!(s.flags & (FP_STEP_CROSSOVER | FP_STEP_DOUBLE_CONTACT)))
			remember_x(g, s.cop_mean_x_mm);
	}
	gait_cop_metrics(&w, &g->bq_cop, &s);
	if (!isnan(s.cop_mean_x_mm) && s.flags & FP_STEP_DOUBLE_CONTACT && !g->cfg.plate_foot[p])
		s.flags |= FP_STEP_FOOT_GUESSED;
	step_geometry(g, &s, y_contact);
	gait_bw_metrics(&w, &s);
	g->prev.valid = 1;
	g->prev.foot = s.foot;
	g->prev.contact = s.contact_sample;
	g->prev.x = s.cop_mean_x_mm;
	g->prev.y_contact = y_contact;
	emit(g, &s);
}

/* Try to complete the pending steps of plate p at the current sample. */
static void service_pending(struct fp_gait *g, uint32_t p, uint64_t now, int force)
{
	struct gait_plate *pl = &g->plate[p];

	while (pl->n_pending) {
		struct gait_pending *pd = &pl->pending[0];
		uint64_t a0 = pd->toeoff + g->skip, a1 = a0 + g->aerial;

		if (!pd->after_done) {
			if (pd->have_next_same) {
				uint64_t lim = pd->next_same > g->skip ? pd->next_same - g->skip : 0;

				estimate_offset(g, p, a0, a1 < lim ? a1 : lim, &pd->after);
				pd->after_done = 1;
			} else if (now >= a1) {
				estimate_offset(g, p, a0, a1, &pd->after);
				pd->after_done = 1;
			} else if (force) {
				estimate_offset(g, p, a0, now, &pd->after);
				pd->after_done = 1;
			}
		}
		if (!force && !(pd->after_done && (pd->have_next || now >= pd->toeoff + g->max_wait)))
			return;
		finalize(g, p, pd);
		memmove(pl->pending, pl->pending + 1, (pl->n_pending - 1) * sizeof(*pd));
		pl->n_pending--;
	}
}

static void emit_short(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t e, uint32_t flags)
{
	struct fp_step s;

	step_init(g, &s, p, c, e, flags);
	step_timing(g, &s);
	emit(g, &s);
}

/* The stance [c, e) of plate p has ended. */
static void close_stance(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t e)
{
	struct gait_plate *pl = &g->plate[p];
	struct gait_contact *h = hist_find(g, p, c, NULL);
	struct gait_pending *pd;

	pl->have_toeoff = 1;
	pl->last_toeoff = e;
	if (e - c < g->min_contact) {
		double peak = 0;

		for (uint64_t s = c; s < e && in_ring(g, c, e); s++)
			peak = fmax(peak, ring_at(g, p, s)[FP_FZ] - offset_fz(&pl->offset));
		if (peak < 4 * g->cfg.on_n) {          /* belt noise, not a step */
			hist_remove(g, p, c);
			g->stats.rejected++;
			return;
		}
		if (h) {
			h->have_toeoff = 1;
			h->toeoff = e;
		}
		emit_short(g, p, c, e, pl->stance_flags | FP_STEP_TOO_SHORT);
		return;
	}
	if (h) {
		h->have_toeoff = 1;
		h->toeoff = e;
	}
	if (pl->n_pending == MAX_PENDING)
		service_pending(g, p, e, 1);
	pd = &pl->pending[pl->n_pending++];
	*pd = (struct gait_pending){ .contact = c, .toeoff = e, .flags = pl->stance_flags,
				     .before = pl->stance_before };
	if (!g->cfg.drift_correction)
		pd->after_done = 1;
}

/* ---- per sample ---- */

static void contact_start(struct fp_gait *g, uint32_t p, uint64_t s)
{
	struct gait_plate *pl = &g->plate[p];
	uint64_t c = pl->have_below ? pl->last_below + 1 : s;
	uint64_t end = c > g->skip ? c - g->skip : 0;
	uint64_t begin = end > g->aerial ? end - g->aerial : 0;

	if (pl->have_toeoff && begin < pl->last_toeoff + g->skip)
		begin = pl->last_toeoff + g->skip;
	/* The unloaded phase just before this contact gives a fresh offset. */
	estimate_offset(g, p, begin, end, &(struct gait_offset){ 0 });
	pl->stance_before = pl->offset;
	for (unsigned int i = 0; i < pl->n_pending; i++)
		if (!pl->pending[i].have_next_same) {
			pl->pending[i].have_next_same = 1;
			pl->pending[i].next_same = c;
		}
	for (uint32_t q = 0; q < g->cfg.plates; q++)
		for (unsigned int i = 0; i < g->plate[q].n_pending; i++) {
			struct gait_pending *pd = &g->plate[q].pending[i];

			if (!pd->have_next && pd->contact < c) {
				pd->have_next = 1;
				pd->next_contact = c;
			}
		}
	hist_add(g, p, c, s);
	pl->contact = c;
	pl->contacts_seen = 1;
	/* loaded from the first sample: the stance began before the data */
	pl->stance_flags = pl->have_below ? 0 : FP_STEP_TRUNCATED;
	pl->state = P_STANCE;
}

/* Before the first contact: a quiet unloaded start gives the first offset. */
static void initial_offset(struct fp_gait *g, uint32_t p, uint64_t s)
{
	struct gait_plate *pl = &g->plate[p];
	double lo = INFINITY, hi = -INFINITY, sum = 0;
	uint64_t from;

	if (!g->cfg.drift_correction || pl->offset.valid || pl->contacts_seen ||
	    s + 1 < g->valid_from + g->aerial)
		return;
	from = s + 1 - g->aerial;
	for (uint64_t t = from; t <= s; t++) {
		double fz = ring_at(g, p, t)[FP_FZ];

		if (pl->rflags[t % g->cap] & RF_NAN)
			return;
		lo = fmin(lo, fz);
		hi = fmax(hi, fz);
		sum += fz;
	}
	if (hi - lo < 10.0 && fabs(sum / g->aerial) < g->cfg.on_n) {
		pl->offset = (struct gait_offset){ .valid = 1, .centre = (double)(from + s) / 2.0 };
		pl->offset.f[2] = sum / g->aerial;
		for (int k = 0; k < 6; k++) {
			double acc = 0;

			if (k == FP_FZ)
				continue;

			for (uint64_t t = from; t <= s; t++)
				acc += ring_at(g, p, t)[k];
			pl->offset.f[k] = acc / g->aerial;
		}
	}
}

static void plate_sample(struct fp_gait *g, uint32_t p, uint64_t s, double fz_c)
{
	struct gait_plate *pl = &g->plate[p];
	int below = fz_c < g->cfg.off_n, above = fz_c >= g->cfg.on_n;

	if (pl->state == P_STANCE || pl->state == P_ENDING)
		pl->stance_flags |= (pl->rflags[s % g->cap] & RF_NAN ? FP_STEP_NAN_INPUT : 0) |
				    (pl->rflags[s % g->cap] & RF_SAT ? FP_STEP_SATURATED : 0);
	switch (pl->state) {
	case P_RESYNC:
		if (below)
			pl->state = P_IDLE;
		break;
	case P_IDLE:
		if (above)
			contact_start(g, p, s);
		break;
	case P_STANCE:
		if (below) {
			pl->end_candidate = s;
			pl->state = P_ENDING;
		} else if (s - pl->contact >= g->max_stance) {
			struct gait_contact *h = hist_find(g, p, pl->contact, NULL);

			emit_short(g, p, pl->contact, s, pl->stance_flags | FP_STEP_TOO_LONG);
			if (h) {
				h->have_toeoff = 1;
				h->toeoff = s;
			}
			pl->end_candidate = s;
			pl->state = P_LONG;
		}
		break;
	case P_ENDING:
		if (above)
			pl->state = P_STANCE;
		else if (s + 1 - pl->end_candidate >= g->min_gap) {
			pl->state = P_IDLE;
			close_stance(g, p, pl->contact, pl->end_candidate);
		}
		break;
	case P_LONG:
		if (!below)
			pl->end_candidate = s + 1;
		else if (s + 1 - pl->end_candidate >= g->min_gap) {
			pl->state = P_IDLE;
			pl->have_toeoff = 1;
			pl->last_toeoff = pl->end_candidate;
		}
		break;
	}
	if (below) {
		pl->have_below = 1;
		pl->last_below = s;
	}
	initial_offset(g, p, s);
	service_pending(g, p, s, 0);
}

/* Samples were lost: drop open stances, complete what is pending. */
static void handle_gap(struct fp_gait *g, uint64_t first)
{
	g->stats.gaps++;
	for (uint32_t p = 0; p < g->cfg.plates; p++) {
		struct gait_plate *pl = &g->plate[p];

		for (unsigned int i = 0; i < pl->n_pending; i++)
			pl->pending[i].flags |= FP_STEP_GAP;
		service_pending(g, p, g->next_sample, 1);
		pl->state = P_RESYNC;
		pl->have_below = 0;
		pl->have_toeoff = 0;
	}
	g->n_hist = 0;
	g->valid_from = first;
	g->next_sample = first;
}

int fp_gait_push(struct fp_gait *g, const struct fp_frames *f)
{
	uint32_t np = g->cfg.plates;

	if (!f || f->plates != np)
		return -EINVAL;
	if (!g->started) {
		g->started = 1;
		g->valid_from = g->next_sample = f->first_sample;
	} else if (f->first_sample != g->next_sample) {
		handle_gap(g, f->first_sample);
	}
	if (isfinite(f->belt_speed_mps))
		g->belt_speed_mps = f->belt_speed_mps;
	for (uint32_t i = 0; i < f->n; i++) {
		uint64_t s = f->first_sample + i;
		double total = 0;

		g->next_sample = s + 1;
		for (uint32_t p = 0; p < np; p++) {
			struct gait_plate *pl = &g->plate[p];
			const double *in = f->v + ((size_t)i * np + p) * FP_NFIELDS;
			double *r = ring_at(g, p, s);
			uint8_t fl = f->flags & FP_BLK_SATURATED ? RF_SAT : 0;

			for (int k = 0; k < FP_NFIELDS; k++) {
				int force = k <= FP_MZ;

				if (force && !isfinite(in[k])) {
					fl |= RF_NAN;
					r[k] = pl->have_held ? pl->held[k] : 0.0;
				} else {
					r[k] = in[k];
					if (force)
						pl->held[k] = in[k];
				}
			}
			if (!(fl & RF_NAN))
				pl->have_held = 1;
			pl->rflags[s % g->cap] = fl;
			total += r[FP_FZ] - offset_fz(&pl->offset);
			plate_sample(g, p, s, r[FP_FZ] - offset_fz(&pl->offset));
		}
		g->cum_fz += total;
	}
	g->stats.samples += f->n;
	return (int)g->q_len;
}

int fp_gait_flush(struct fp_gait *g)
{
	for (uint32_t p = 0; p < g->cfg.plates; p++)
		service_pending(g, p, g->next_sample, 1);
	return (int)g->q_len;
}
