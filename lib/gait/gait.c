// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait.c - the streaming side of the gait module: per-plate contact state
 * machine over a ring of recent samples, live drift offsets from unloaded
 * phases, and the step queue. When a step is complete gait_step.c builds
 * its record (timing, body weight, left/right) and gait_metrics.c and
 * gait_cop.c compute its numbers on a window copied out of the ring.
 *
 * Memory is bounded: each plate keeps a ring of cap samples (max stance +
 * the wait for the next contact + filter padding), the window scratch is
 * 15 arrays of cap samples and the step queue FP_GAIT_QUEUE records, all
 * allocated at open; nothing grows with the length of the recording
 * (about 2.6 MB for 2 plates at 2 kHz).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gait_int.h"
#include "prefault_int.h"

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
	cfg->double_contact_mm = 50;
	cfg->clip_fz_n = 0;
	cfg->toe_out_deg[0] = cfg->toe_out_deg[1] = NAN;
	cfg->markers = NULL;
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
	for (int f = 0; f < 2; f++)
		if (!isnan(c->toe_out_deg[f]) && !(fabs(c->toe_out_deg[f]) <= FP_GAIT_MAX_TOE_OUT_DEG))
			return cfg_err(msg, len, "gait: toe_out_deg[%d] (%s foot) %g, expected -%g..%g or NaN (direction of travel)",
				       f, f ? "right" : "left", c->toe_out_deg[f], FP_GAIT_MAX_TOE_OUT_DEG,
				       FP_GAIT_MAX_TOE_OUT_DEG);
	if (c->markers) {
		const struct fp_gait_markers *m = c->markers;

		if (!(m->rate_hz > 0 && m->rate_hz <= c->rate_hz) || m->frames < 2 || m->plate >= c->plates)
			return cfg_err(msg, len, "gait: markers rate_hz %g (expected above 0, at most the force rate %g), frames %zu (at least 2), plate %u (of %u)",
				       m->rate_hz, c->rate_hz, m->frames, m->plate, c->plates);
		for (int f = 0; f < 2; f++)
			if (!m->heel[f] || !m->mt[f][0] || !m->mt[f][1])
				return cfg_err(msg, len, "gait: markers of the %s foot missing (heel and two metatarsal heads)",
					       f ? "right" : "left");
	}
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
	/* the step and impact queues (~0.5 MB) are written entry by entry as
	 * steps come: backed now, as the other buffers kept for the module's
	 * life (prefault.h) */
	fp_prefault(g, sizeof(*g));
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
	g->settle = gait_settle_samples(&g->bq, GAIT_SETTLE_FRACTION);
	if (g->settle > g->pad)
		g->settle = g->pad;
	fp_butter2_lowpass(cfg->cop_cutoff_hz, cfg->rate_hz, &g->bq_cop);
	if (cfg->calib) {
		g->calib = *cfg->calib;
		g->have_calib = 1;
	}
	g->cfg.calib = NULL;        /* not kept: the caller's may go away */
	g->belt_speed_mps = NAN;
	if (cfg->markers) {
		const struct fp_gait_markers *m = cfg->markers;
		size_t per = m->frames * 2;

		g->marker_data = malloc(6 * per * sizeof(double));
		if (!g->marker_data)
			goto nomem;
		g->markers = *m;
		for (int f = 0; f < 2; f++) {
			double *h = g->marker_data + (size_t)(3 * f) * per;

			memcpy(h, m->heel[f], per * sizeof(double));
			memcpy(h + per, m->mt[f][0], per * sizeof(double));
			memcpy(h + 2 * per, m->mt[f][1], per * sizeof(double));
			g->markers.heel[f] = h;
			g->markers.mt[f][0] = h + per;
			g->markers.mt[f][1] = h + 2 * per;
		}
		g->have_markers = 1;
	}
	g->cfg.markers = NULL;
	for (uint32_t p = 0; p < cfg->plates; p++) {
		g->plate[p].ring = calloc((size_t)g->cap * FP_NFIELDS, sizeof(double));
		g->plate[p].rflags = calloc(g->cap, 1);
		if (!g->plate[p].ring || !g->plate[p].rflags)
			goto nomem;
		/* written one sample after the other until it wraps */
		fp_prefault(g->plate[p].ring, (size_t)g->cap * FP_NFIELDS * sizeof(double));
		fp_prefault(g->plate[p].rflags, g->cap);
	}
	win = g->cap + 2 * FP_FILTFILT_PAD;
	for (uint32_t p = 0; p < cfg->plates; p++) {
		struct fp_filtfilt_cache *fc = &g->plate[p].fz_fwd;

		fc->x = calloc(win * 2, sizeof(double));
		if (!fc->x)
			goto nomem;
		fc->fwd = fc->x + g->cap;
		fc->cap = g->cap;
		fp_prefault(fc->x, win * 2 * sizeof(double));
	}
	/* Each window uses the first n samples of every array, n the longest
	 * step so far: prefaulted so a longer step later does not add to the
	 * RSS of a long run (prefault.h). ~1 MB at 2 kHz. */
	g->scratch = calloc(win * GAIT_SCRATCH_ARRAYS, sizeof(double));
	if (!g->scratch)
		goto nomem;
	fp_prefault(g->scratch, win * GAIT_SCRATCH_ARRAYS * sizeof(double));
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
		free(g->plate[p].fz_fwd.x);
	}
	free(g->scratch);
	free(g->marker_data);
	free(g);
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
	/* the ring slot walked by index: r == s % g->cap */
	for (uint64_t s = from, r = from % g->cap; s < to; s++, r = r + 1 == g->cap ? 0 : r + 1) {
		const double *v = g->plate[p].ring + r * FP_NFIELDS;   /* ring_at(g, p, s) */

		if ((g->plate[p].rflags[r] & RF_NAN) || fabs(v[FP_FZ] - cur) >= g->cfg.off_n)
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

void gait_emit(struct fp_gait *g, const struct fp_step *s)
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
	/* Empty: start again at the first entry, so a reader that keeps up
	 * uses the same few entries (1.5 KB each) instead of walking all of
	 * them and making the 400 KB queue resident one step at a time. */
	if (!g->q_len)
		g->q_head = 0;
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
		gait_finalize(g, p, pd);
		memmove(pl->pending, pl->pending + 1, (pl->n_pending - 1) * sizeof(*pd));
		pl->n_pending--;
	}
}

/* The stance [c, e) of plate p has ended. */
static void close_stance(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t e)
{
	struct gait_plate *pl = &g->plate[p];
	struct gait_contact *h = gait_hist_find(g, p, c, NULL);
	struct gait_pending *pd;

	pl->have_toeoff = 1;
	pl->last_toeoff = e;
	if (e - c < g->min_contact) {
		double peak = 0;

		for (uint64_t s = c; s < e && in_ring(g, c, e); s++)
			peak = gait_fmax(peak, ring_at(g, p, s)[FP_FZ] - offset_fz(&pl->offset));
		if (peak < 4 * g->cfg.on_n) {          /* belt noise, not a step */
			gait_hist_remove(g, p, c);
			g->stats.rejected++;
			return;
		}
		if (h) {
			h->have_toeoff = 1;
			h->toeoff = e;
		}
		gait_emit_short(g, p, c, e, pl->stance_flags | FP_STEP_TOO_SHORT);
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
				     .before = pl->stance_before, .imp = pl->imp };
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
	gait_hist_add(g, p, c, s, !pl->have_below);
	pl->contact = c;
	gait_impact_start(g, p, c);
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
		lo = gait_fmin(lo, fz);
		hi = gait_fmax(hi, fz);
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

/* Sample s (ring index r = s % cap) of plate p, Fz corrected fz_c. */
static void plate_sample(struct fp_gait *g, uint32_t p, uint64_t s, size_t r, double fz_c)
{
	struct gait_plate *pl = &g->plate[p];
	int below = fz_c < g->cfg.off_n, above = fz_c >= g->cfg.on_n;

	if (pl->state == P_STANCE || pl->state == P_ENDING)
		pl->stance_flags |= (pl->rflags[r] & RF_NAN ? FP_STEP_NAN_INPUT : 0) |
				    (pl->rflags[r] & RF_SAT ? FP_STEP_SATURATED : 0);
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
			struct gait_contact *h = gait_hist_find(g, p, pl->contact, NULL);

			gait_emit_short(g, p, pl->contact, s, pl->stance_flags | FP_STEP_TOO_LONG);
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
			struct gait_contact *h = gait_hist_find(g, p, pl->contact, NULL);

			pl->state = P_IDLE;
			pl->have_toeoff = 1;
			pl->last_toeoff = pl->end_candidate;
			if (h)                  /* the long stance's real end */
				h->toeoff = pl->end_candidate;
		}
		break;
	}
	if (below) {
		pl->have_below = 1;
		pl->last_below = s;
	}
	initial_offset(g, p, s);
	gait_impact_sample(g, p, s);
	service_pending(g, p, s, 0);
}

/* Samples were lost: drop open stances, complete what is pending. */
static void handle_gap(struct fp_gait *g, uint64_t first)
{
	g->stats.gaps++;
	g->ring_epoch++;
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
	/* the ring slot walked by index: ri == s % g->cap throughout */
	size_t ri = (size_t)(f->first_sample % g->cap);
	/* Samples ahead whose slots are prefetched for writing: the ring
	 * (hundreds of KB per plate) is written once per lap, so each store
	 * would otherwise wait for its cache line; 8 x 72 bytes ahead. */
	size_t ahead = (ri + GAIT_RING_PREFETCH) % g->cap;

	for (uint32_t i = 0; i < f->n; i++, ri = ri + 1 == g->cap ? 0 : ri + 1,
		      ahead = ahead + 1 == g->cap ? 0 : ahead + 1) {
		uint64_t s = f->first_sample + i;
		double total = 0;

		g->next_sample = s + 1;
		for (uint32_t p = 0; p < np; p++) {
			struct gait_plate *pl = &g->plate[p];
			const double *in = f->v + ((size_t)i * np + p) * FP_NFIELDS;
			double *r = pl->ring + ri * FP_NFIELDS;      /* ring_at(g, p, s) */
			uint8_t fl = f->flags & FP_BLK_SATURATED ? RF_SAT : 0;
			double fz_c;

			/* both cache lines a 72-byte slot can touch */
			__builtin_prefetch(pl->ring + ahead * FP_NFIELDS, 1, 3);
			__builtin_prefetch(pl->ring + ahead * FP_NFIELDS + FP_NFIELDS - 1, 1, 3);

			if (isfinite(in[FP_FX]) & isfinite(in[FP_FY]) & isfinite(in[FP_FZ]) &
			    isfinite(in[FP_MX]) & isfinite(in[FP_MY]) & isfinite(in[FP_MZ])) {
				/* the usual case: the loop below with no force held */
				memcpy(r, in, FP_NFIELDS * sizeof(*r));
				memcpy(pl->held, in, (FP_MZ + 1) * sizeof(*r));
			} else {
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
			}
			if (!(fl & RF_NAN))
				pl->have_held = 1;
			pl->rflags[ri] = fl;
			fz_c = r[FP_FZ] - offset_fz(&pl->offset);
			total += fz_c;
			plate_sample(g, p, s, ri, fz_c);
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
