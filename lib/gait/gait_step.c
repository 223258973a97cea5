// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_step.c - completing a step of the gait module: the contact history
 * (step and flight time, body weight from whole strides), left/right, and
 * the step record built from a window copied out of the plate ring, whose
 * numbers gait_metrics.c and gait_cop.c compute. gait.c owns the
 * streaming side (state machine, drift offsets, queue).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gait_int.h"

/* ---- contact history ---- */

struct gait_contact *gait_hist_find(struct fp_gait *g, uint32_t p, uint64_t contact, int *idx)
{
	for (unsigned int i = 0; i < g->n_hist; i++)
		if (g->hist[i].plate == p && g->hist[i].contact == contact) {
			if (idx)
				*idx = (int)i;
			return &g->hist[i];
		}
	return NULL;
}

void gait_hist_add(struct fp_gait *g, uint32_t p, uint64_t contact, uint64_t detect,
		   int truncated)
{
	if (g->n_hist == HIST) {
		memmove(g->hist, g->hist + 1, (HIST - 1) * sizeof(g->hist[0]));
		g->n_hist--;
	}
	g->hist[g->n_hist++] = (struct gait_contact){ .contact = contact, .detect = detect,
						      .cum = g->cum_fz, .plate = p,
						      .truncated = truncated };
}

void gait_hist_remove(struct fp_gait *g, uint32_t p, uint64_t contact)
{
	int i;

	if (gait_hist_find(g, p, contact, &i)) {
		memmove(g->hist + i, g->hist + i + 1, (g->n_hist - i - 1) * sizeof(g->hist[0]));
		g->n_hist--;
	}
}

/*
 * Body weight = mean total Fz over up to 4 whole strides ending at this
 * contact, only over steps shorter than 2 s (steady walking or running).
 * A truncated stance (the data began inside it) is no stride boundary:
 * its "contact" is the first sample, not a touchdown.
 */
double gait_body_weight(struct fp_gait *g, uint32_t p, uint64_t contact)
{
	int k, m;

	if (g->cfg.body_mass_kg > 0)
		return g->cfg.body_mass_kg * FP_GRAVITY;
	if (!gait_hist_find(g, p, contact, &k) || k < 2)
		return NAN;
	/* Only strides of steady locomotion: every step in them under 2 s. */
	if (g->hist[k].truncated)
		return NAN;
	for (m = 0; m < 8 && m < k; m++)
		if (g->hist[k - m].contact - g->hist[k - m - 1].contact > 2 * g->cfg.rate_hz ||
		    g->hist[k - m - 1].truncated)
			break;
	m /= 2;
	if (m == 0 || g->hist[k].detect <= g->hist[k - 2 * m].detect)
		return NAN;
	return (g->hist[k].cum - g->hist[k - 2 * m].cum) /
	       (double)(g->hist[k].detect - g->hist[k - 2 * m].detect);
}

/* ---- left / right ---- */

/* Mean of the last (up to 2) positions of one foot; NaN if none. */
static double foot_mean(const struct fp_gait *g, int right)
{
	unsigned int n = g->side_n[right];

	if (!n)
		return NAN;
	return n == 1 ? g->side_x[right][0] : (g->side_x[right][0] + g->side_x[right][1]) / 2;
}

/*
 * Single plate (or several without a fixed side). In running and walking
 * the feet alternate, so alternation gives the label; the COP keeps its
 * phase right. Each step's mean COP x is compared with the midline between
 * the feet's recent positions (the mean of the last two left and the last
 * two right steps, which follows a runner drifting across the belt): a
 * step clearly on the other foot's side (by at least half the distance
 * between the feet) is a crossover; when 5 of the last 6 steps disagree
 * with alternation, the phase was wrong and the COP side wins.
 */
static char classify_foot(struct fp_gait *g, struct fp_step *s, double x)
{
	double ml = foot_mean(g, 0), mr = foot_mean(g, 1), mid, sep;
	char side, expected = 0;
	unsigned int disagree = 0;

	if (g->prev.valid && s->step_time_ms < 1500)
		expected = g->prev.foot == 'L' ? 'R' : 'L';
	if (isnan(ml) || isnan(mr) || isnan(x)) {      /* not established yet */
		s->flags |= FP_STEP_FOOT_GUESSED;
		if (expected)
			return expected;
		return isnan(x) || x < 0 ? 'L' : 'R';     /* the plate centre */
	}
	mid = (ml + mr) / 2;
	sep = fabs(mr - ml);
	side = x < mid ? 'L' : 'R';
	if (!expected)                                  /* after a pause */
		return side;
	g->votes = (uint8_t)((g->votes << 1) | (side != expected));
	for (int i = 0; i < 6; i++)
		disagree += (g->votes >> i) & 1;
	if (disagree >= 5) {
		g->votes = 0;
		s->flags |= FP_STEP_FOOT_GUESSED;
		return side;
	}
	if (side != expected && fabs(x - mid) >= 0.5 * sep)
		s->flags |= FP_STEP_CROSSOVER;
	return expected;
}

static void remember_x(struct fp_gait *g, char foot, double x)
{
	int r = foot == 'R';

	if (isnan(x))
		return;
	g->side_x[r][1] = g->side_x[r][0];
	g->side_x[r][0] = x;
	if (g->side_n[r] < 2)
		g->side_n[r]++;
}

/* ---- building a step ---- */

static void step_init(struct fp_gait *g, struct fp_step *s, uint32_t p, uint64_t c, uint64_t e,
		      uint32_t flags)
{
	double rate = g->cfg.rate_hz;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < fp_step_metrics_count; i++)
		*(double *)((char *)s + fp_step_metrics[i].offset) = NAN;
	for (int k = 0; k < FP_STEP_CURVE_POINTS; k++)
		s->curve_fz_bw[k] = s->curve_cop_ml_mm[k] = s->curve_cop_ap_mm[k] = NAN;
	s->plate = p;
	s->foot = g->cfg.plate_foot[p] ? g->cfg.plate_foot[p] : '?';
	s->flags = flags;
	s->contact_sample = c;
	s->toeoff_sample = e;
	s->contact_s = (double)c / rate;
	s->contact_time_ms = (double)(e - c) * 1000.0 / rate;
	s->cutoff_hz = g->cfg.cutoff_hz;
	s->impact_virtual = 0;
	/* NaN when neither the configuration nor the source knows it */
	s->belt_speed_mps = isnan(g->cfg.belt_speed_mps) ? g->belt_speed_mps : g->cfg.belt_speed_mps;
	s->foot_frame = FP_FRAME_NONE;
}

/*
 * Step and flight time from the contact before this one (any plate). A
 * truncated previous stance gives a flight time (its toe-off is real) but
 * no step time: its contact is only where the data began.
 */
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
	if (prev->have_toeoff)
		s->flight_time_ms = ((double)s->contact_sample - (double)prev->toeoff) * 1000.0 / rate;
	if (prev->truncated || (s->flags & FP_STEP_TRUNCATED))
		return;
	s->step_time_ms = (double)(s->contact_sample - prev->contact) * 1000.0 / rate;
	s->cadence_spm = 60000.0 / s->step_time_ms;
}

/*
 * Running or walking, for the loading-rate definition: double support
 * (another contact, on any plate, overlapping this stance before or after)
 * is walking, and so is a stance of FP_GAIT_WALK_CONTACT_MS or more
 * (running stances last 150-350 ms); otherwise running. A gap between
 * contacts on different plates is no proof of flight: overground, the
 * other foot may land beside the plates.
 */
static int gait_kind(const struct fp_gait *g, uint32_t p, const struct fp_step *s)
{
	if (s->contact_time_ms >= FP_GAIT_WALK_CONTACT_MS)
		return FP_GAIT_WALKING;
	for (unsigned int i = 0; i < g->n_hist; i++) {
		const struct gait_contact *h = &g->hist[i];
		const struct gait_plate *pl = &g->plate[h->plate];
		/* still loaded (a stance, or one past max_stance_s): no toe-off yet */
		int ongoing = pl->state != P_IDLE && pl->state != P_RESYNC && pl->contact == h->contact;

		if (h->plate == p && h->contact == s->contact_sample)
			continue;
		if (h->contact < s->contact_sample) {
			if (ongoing || !h->have_toeoff || h->toeoff > s->contact_sample)
				return FP_GAIT_WALKING;
		} else if (h->contact > s->contact_sample && h->contact < s->toeoff_sample) {
			return FP_GAIT_WALKING;
		}
	}
	return FP_GAIT_RUNNING;
}

/*
 * gait_kind() of the stance of plate p from contact c to end (its toe-off,
 * or the sample after the last one so far while it is loaded), as far as
 * the contacts seen so far show: an open stance is walking once it lasts
 * FP_GAIT_WALK_CONTACT_MS or another contact overlaps it. The record's
 * kind is the same as at toe-off (every contact that can overlap the
 * stance began before its toe-off).
 */
int gait_stance_walking(const struct fp_gait *g, uint32_t p, uint64_t c, uint64_t end)
{
	struct fp_step s = { .contact_sample = c, .toeoff_sample = end,
			     .contact_time_ms = (double)(end - c) * 1000.0 / g->cfg.rate_hz };

	return gait_kind(g, p, &s) == FP_GAIT_WALKING;
}

/* Scratch arrays of the window, each cap + 2 pad long (GAIT_SCRATCH_ARRAYS). */
static void window_arrays(struct fp_gait *g, struct gait_window *w)
{
	size_t stride = g->cap + 2 * FP_FILTFILT_PAD;
	double *a = g->scratch;

	w->fz = a; w->fy = a + stride; w->tz = a + 2 * stride;
	w->copx = a + 3 * stride; w->copy = a + 4 * stride;
	w->fz_f = a + 5 * stride; w->fy_f = a + 6 * stride; w->tz_f = a + 7 * stride;
	w->tmp = a + 8 * stride;
	w->cycle_fz = a + 9 * stride;
	w->work = a + 10 * stride;           /* 3 strides: three channels at once */
	w->tmp2 = a + 13 * stride;
	w->tmp3 = a + 14 * stride;
	for (int k = 0; k < 6; k++)
		w->mk[k] = a + (15 + k) * stride;
}

/* Clipping: Fz at the configured limit, or flat at its maximum for 2 % of stance. */
static uint32_t clip_flags(const struct fp_gait *g, const struct gait_window *w)
{
	double peak = -INFINITY;
	size_t run = 0, longest = 0;

	for (size_t i = w->c; i < w->e; i++)
		peak = gait_fmax(peak, w->fz[i]);
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

	if (!pd->have_next || end <= c || end - c > 2 * g->cfg.rate_hz || !in_ring(g, c, end))
		return 0;
	/* the ring slot walked by index: r == s % g->cap */
	for (uint64_t s = c, r = c % g->cap; s < end; s++, r = r + 1 == g->cap ? 0 : r + 1) {
		double sum = 0;

		for (uint32_t q = 0; q < g->cfg.plates; q++) {
			double off = q == p ? offset_at(&pd->before, &pd->after, 2, (double)s)
					    : offset_fz(&g->plate[q].offset);

			sum += g->plate[q].ring[r * FP_NFIELDS + FP_FZ] - off;   /* ring_at(g, q, s) */
		}
		out[s - c] = sum;
	}
	return (size_t)(end - c);
}

static void step_geometry(struct fp_gait *g, struct fp_step *s, double y_contact)
{
	if (!g->prev.valid || g->prev.truncated || (s->flags & FP_STEP_TRUNCATED) ||
	    isnan(s->step_time_ms) || s->step_time_ms > 2000)
		return;
	if (!isfinite(s->belt_speed_mps)) {         /* the belt's share is unknown */
		s->flags |= FP_STEP_NO_BELT_SPEED;
		return;
	}
	s->step_width_mm = fabs(s->cop_mean_x_mm - g->prev.x);
	s->step_length_m = s->belt_speed_mps * s->step_time_ms / 1000.0 +
			   (y_contact - g->prev.y_contact) / 1000.0;
}

uint64_t gait_window_from(const struct fp_gait *g, uint64_t contact)
{
	uint64_t from = contact > g->valid_from + g->pad ? contact - g->pad : g->valid_from;

	if (g->next_sample - from > g->cap)
		from = g->next_sample - g->cap;
	return from;
}

void gait_fill_window_all(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
			  uint64_t from, uint64_t to, struct gait_window *w)
{
	const double *ring = g->plate[p].ring;
	size_t r = (size_t)(from % g->cap);

	window_arrays(g, w);
	w->fz_cache = NULL;
	w->n = (size_t)(to - from);
	w->c = (size_t)(pd->contact - from);
	w->e = (size_t)(pd->toeoff - from);
	for (uint64_t t = from; t < to; t++) {
		const double *v = ring + r * FP_NFIELDS;   /* ring_at(g, p, t) */
		size_t i = (size_t)(t - from);
		double fm[6], tz;

		if (++r == g->cap)
			r = 0;
		for (int k = 0; k < 6; k++)
			fm[k] = v[k] - offset_at(&pd->before, &pd->after, k, (double)t);
		w->fz[i] = fm[FP_FZ];
		w->fy[i] = fm[FP_FY];
		if (g->have_calib && g->cfg.drift_correction) {
			/* COP and free moment from the drift-corrected F/M */
			fp_cop(&g->calib.plate[p], fm, &w->copx[i], &w->copy[i], &tz);
		} else {
			w->copx[i] = v[FP_COPX];
			w->copy[i] = v[FP_COPY];
			tz = v[FP_TZ];
		}
		w->tz[i] = isfinite(tz) ? tz : 0.0;
	}
}

void gait_fill_window(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
		      uint64_t from, uint64_t to, struct gait_window *w)
{
	const struct gait_offset *a = &pd->before, *b = &pd->after;
	struct gait_plate *pl = &g->plate[p];
	struct gait_fz_key key;
	const double *ring = pl->ring;
	size_t n = (size_t)(to - from), r = (size_t)(from % g->cap);

	window_arrays(g, w);
	w->n = n;
	w->c = (size_t)(pd->contact - from);
	w->e = (size_t)(pd->toeoff - from);
	/* the impact phase is Fz's alone: the other channels stay out (NULL,
	 * so that a use of one fails loudly) and gait_filter_window() filters
	 * Fz only, resuming the plate's forward pass; each value is the one
	 * gait_fill_window_all() computes */
	w->fy = w->tz = w->copx = w->copy = w->fy_f = w->tz_f = NULL;
	w->fz_cache = &pl->fz_fwd;
	/* fz_fwd changes with the filter: its key is set again once that ran */
	key = pl->fz_key;
	pl->fz_key.valid = 0;
	pl->fz_next.valid = 0;
	if (a->valid && b->valid && b->centre > a->centre) {
		for (size_t i = 0; i < n; i++) {
			w->fz[i] = ring[r * FP_NFIELDS + FP_FZ] -
				   offset_at(a, b, FP_FZ, (double)(from + i));
			if (++r == g->cap)
				r = 0;
		}
	} else {
		/* offset_at() without two estimates: one value for the window */
		double off = offset_at(a, b, FP_FZ, 0.0);
		const struct gait_fz_key *k = &key;
		const struct fp_filtfilt_cache *fc = &pl->fz_fwd;
		size_t i = 0;

		/*
		 * The previous try's samples, when it filled them from the same
		 * first sample with the same offset and every one of their ring
		 * slots is unchanged since: a slot is written only when its
		 * sample is pushed, again one lap later (the window is within
		 * the ring's lap, in_ring()) or after a gap (ring_epoch). So
		 * fz_fwd.x[0, fz_fwd.n) are the values the loop below would
		 * compute, bit for bit; copied, not recomputed from the ring.
		 */
		if (k->valid && k->from == from && k->epoch == g->ring_epoch &&
		    !memcmp(&k->off, &off, sizeof(off)) && fc->n <= n && in_ring(g, from, to)) {
			memcpy(w->fz, fc->x, fc->n * sizeof(double));
			i = fc->n;
			r = (size_t)((from + i) % g->cap);
		}
		pl->fz_next = (struct gait_fz_key){ .valid = 1, .from = from,
						    .epoch = g->ring_epoch, .off = off };
		for (; i < n; i++) {
			w->fz[i] = ring[r * FP_NFIELDS + FP_FZ] - off;
			if (++r == g->cap)
				r = 0;
		}
	}
}

void gait_fill_window_keep(struct fp_gait *g, uint32_t p)
{
	g->plate[p].fz_key = g->plate[p].fz_next;
}

/*
 * The foot markers of foot (0 left, 1 right) at every window sample,
 * linearly interpolated between marker frames, holes filled from the
 * nearest frames: w->have_markers when all three were seen over the
 * stance (each at least half of it) on the markers' plate.
 */
static void fill_markers(const struct fp_gait *g, uint32_t p, int foot, uint64_t from,
			 struct gait_window *w)
{
	const struct fp_gait_markers *m = &g->markers;
	const double *src[3] = { m->heel[foot], m->mt[foot][0], m->mt[foot][1] };
	double ratio = m->rate_hz / g->cfg.rate_hz;

	w->have_markers = 0;
	if (!g->have_markers || p != m->plate)
		return;
	for (int k = 0; k < 3; k++) {
		size_t seen = 0;

		for (size_t i = 0; i < w->n; i++) {
			double f = (double)(from + i) * ratio, u;
			size_t j = (size_t)floor(f);

			w->mk[2 * k][i] = w->mk[2 * k + 1][i] = NAN;
			if (j + 1 >= m->frames)
				continue;
			u = f - (double)j;
			for (int d = 0; d < 2; d++)
				w->mk[2 * k + d][i] = (1 - u) * src[k][2 * j + d] + u * src[k][2 * j + 2 + d];
			seen += i >= w->c && i < w->e && isfinite(w->mk[2 * k][i]) &&
				isfinite(w->mk[2 * k + 1][i]);
		}
		if (2 * seen < w->e - w->c)
			return;
		gait_fill_holes(w->mk[2 * k], 0, w->n);
		gait_fill_holes(w->mk[2 * k + 1], 0, w->n);
	}
	w->have_markers = 1;
}

/* Marker k (0 heel, 1 and 2 the heads) of foot at force sample t, plate frame. */
static int marker_xy(const struct fp_gait *g, int foot, int k, double t, double xy[2])
{
	const struct fp_gait_markers *m = &g->markers;
	const double *src = k ? m->mt[foot][k - 1] : m->heel[foot];
	double f = t * m->rate_hz / g->cfg.rate_hz, u;
	size_t j = (size_t)floor(f);

	if (f < 0 || j + 1 >= m->frames)
		return 0;
	u = f - (double)j;
	for (int d = 0; d < 2; d++)
		xy[d] = (1 - u) * src[2 * j + d] + u * src[2 * j + 2 + d];
	return isfinite(xy[0]) && isfinite(xy[1]);
}

/*
 * Which foot the markers put on the plate: the foot whose centroid (heel
 * and both heads) is nearer the COP over mid-stance (30-70 %), when it is
 * clearly nearer (at most half the other's distance). 0 when the markers
 * cannot tell.
 */
static char marker_foot(const struct fp_gait *g, uint32_t p, const struct gait_window *w,
			uint64_t from)
{
	double dist[2] = { 0 };
	size_t n = 0;

	if (!g->have_markers || p != g->markers.plate)
		return 0;
	for (size_t i = w->c + 3 * (w->e - w->c) / 10; i < w->c + 7 * (w->e - w->c) / 10; i++) {
		double c[2][2] = { { 0 } }, xy[2];
		int ok = isfinite(w->copx[i]) && isfinite(w->copy[i]);

		for (int f = 0; f < 2 && ok; f++)
			for (int k = 0; k < 3 && ok; k++) {
				ok = marker_xy(g, f, k, (double)(from + i), xy);
				c[f][0] += xy[0] / 3;
				c[f][1] += xy[1] / 3;
			}
		if (!ok)
			continue;
		for (int f = 0; f < 2; f++)
			dist[f] += hypot(w->copx[i] - c[f][0], w->copy[i] - c[f][1]);
		n++;
	}
	if (n < 3)
		return 0;
	if (dist[0] <= 0.5 * dist[1])
		return 'L';
	return dist[1] <= 0.5 * dist[0] ? 'R' : 0;
}

void gait_finalize(struct fp_gait *g, uint32_t p, const struct gait_pending *pd)
{
	struct fp_step s;
	struct gait_window w = { .rate_hz = g->cfg.rate_hz };
	uint64_t from, to;
	double x, y, y_contact, lag_s, x_shift;
	const double *cx = g->cfg.plate_centre_mm[p];

	step_init(g, &s, p, pd->contact, pd->toeoff, pd->flags);
	step_timing(g, &s);
	from = gait_window_from(g, pd->contact);
	to = pd->toeoff + g->pad < g->next_sample ? pd->toeoff + g->pad : g->next_sample;
	if (from > pd->contact || to < pd->toeoff) {
		s.flags |= FP_STEP_GAP;
		gait_emit(g, &s);
		return;
	}
	gait_fill_window_all(g, p, pd, from, to, &w);
	w.ref_n = (size_t)pd->imp.ref_n;
	if (g->cfg.drift_correction && !pd->before.valid && !pd->after.valid)
		s.flags |= FP_STEP_NO_OFFSET;
	s.offset_n = offset_at(&pd->before, &pd->after, 2, (double)(pd->contact + pd->toeoff) / 2.0);
	s.flags |= clip_flags(g, &w);
	w.cycle_n = cycle_fz(g, p, pd, (double *)w.cycle_fz);
	s.body_weight_n = gait_body_weight(g, p, pd->contact);
	if (isnan(s.body_weight_n))
		s.flags |= FP_STEP_NO_BODY_WEIGHT;
	s.gait = gait_kind(g, p, &s);
	if (gait_filter_window(&w, &g->bq) == 0)
		gait_force_metrics(&w, g->cfg.impact_prominence, &s);
	gait_cop_mean(&w, &x, &y, &y_contact, &lag_s, &x_shift);
	if (x_shift > g->cfg.double_contact_mm)
		s.flags |= FP_STEP_DOUBLE_CONTACT;
	s.cop_mean_x_mm = x + cx[0];
	s.cop_mean_y_mm = y + cx[1];
	y_contact += cx[1];
	if (g->cfg.plate_foot[p]) {
		s.foot = g->cfg.plate_foot[p];
	} else if ((s.foot = marker_foot(g, p, &w, from))) {
		/* the markers say which foot: no guessing, no crossover vote */
		remember_x(g, s.foot, s.cop_mean_x_mm);
	} else {
		s.foot = classify_foot(g, &s, s.cop_mean_x_mm);
		/* a crossover is an outlier: keep it out of the feet's positions */
		if (!(s.flags & (FP_STEP_CROSSOVER | FP_STEP_DOUBLE_CONTACT)))
			remember_x(g, s.foot, s.cop_mean_x_mm);
	}
	if (s.foot == 'L' || s.foot == 'R') {
		fill_markers(g, p, s.foot == 'R', from, &w);
		w.toe_out_deg = g->cfg.toe_out_deg[s.foot == 'R'];
	}
	gait_cop_metrics(&w, &g->bq_cop, &s);
	if (!isnan(s.cop_mean_x_mm) && s.flags & FP_STEP_DOUBLE_CONTACT && !g->cfg.plate_foot[p])
		s.flags |= FP_STEP_FOOT_GUESSED;
	/* the COP y read at 10 % load, moved back by the belt to the contact */
	if (isfinite(s.belt_speed_mps))
		y_contact += s.belt_speed_mps * lag_s * 1000.0;
	step_geometry(g, &s, y_contact);
	/* the impact phase as its event published it (or its event, now) */
	gait_impact_finalize(g, p, pd, &s);
	gait_bw_metrics(&w, &s);
	g->prev.valid = 1;
	g->prev.foot = s.foot;
	g->prev.contact = s.contact_sample;
	g->prev.x = s.cop_mean_x_mm;
	g->prev.y_contact = y_contact;
	g->prev.truncated = !!(s.flags & FP_STEP_TRUNCATED);
	gait_emit(g, &s);
}

void gait_emit_short(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t e, uint32_t flags)
{
	struct fp_step s;

	step_init(g, &s, p, c, e, flags);
	step_timing(g, &s);
	gait_emit(g, &s);
}
