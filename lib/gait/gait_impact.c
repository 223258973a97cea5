// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_impact.c - the impact event: the impact phase of a stance (impact
 * peak, time to impact, VALR, VILR) as soon as the data determine it,
 * usually while the foot is still on the belt, for real-time feedback.
 *
 * The numbers come from gait_impact_metrics(), the function the step
 * record uses, on the stance's window as far as it has arrived (drift
 * offset: the one measured before the contact). While the stance is open
 * the decision waits until nothing that can still arrive could change it:
 * the filtered curve settled (the filter's own settling, `settle`, after
 * the last sample it needs), a later sample above the impact peak or the
 * peak below the spring-mass estimate of the active peak, the peak inside
 * 30 % of the expected contact time (the same foot's previous stances;
 * without one: of any stance that long), and its prominence clear of the
 * active-peak bound GAIT_ACTIVE_MAX_BW. A stance without an impact peak
 * (virtual 13 % peak) is decided once 30 % of its expected contact time
 * has settled; without an expected contact time, once its toe-off and
 * the settling after it are in. The
 * decided values are kept and the step record takes them over, so the
 * event and the record of a stance carry identical numbers by construction
 * (docs/metrics.md, "Impact event").
 */
#include <math.h>
#include <string.h>

#include "gait_int.h"

static void impact_emit(struct fp_gait *g, const struct fp_impact *e)
{
	if (g->iq_len == FP_GAIT_QUEUE) {
		g->iq_head = (g->iq_head + 1) % FP_GAIT_QUEUE;
		g->iq_len--;
		g->stats.dropped++;
	}
	g->iqueue[(g->iq_head + g->iq_len) % FP_GAIT_QUEUE] = *e;
	g->iq_len++;
	g->stats.impacts++;
	if (e->in_stance)
		g->stats.impacts_in_stance++;
}

int fp_gait_next_impact(struct fp_gait *g, struct fp_impact *imp)
{
	if (!g->iq_len)
		return 0;
	*imp = g->iqueue[g->iq_head];
	g->iq_head = (g->iq_head + 1) % FP_GAIT_QUEUE;
	g->iq_len--;
	return 1;
}

/*
 * The foot before the step record decides it: fixed per plate, else the
 * other foot than the last recorded step's (the step record's own rule,
 * alternation, without the COP vote over the whole stance).
 */
static char predict_foot(const struct fp_gait *g, uint32_t p, uint64_t c, int *predicted)
{
	uint64_t last = 0;
	int have = 0;

	*predicted = 0;
	if (g->cfg.plate_foot[p])
		return g->cfg.plate_foot[p];
	*predicted = 1;
	if (!g->prev.valid || g->prev.contact >= c ||
	    (double)(c - g->prev.contact) >= 1.5 * g->cfg.rate_hz)
		return '?';
	for (unsigned int i = 0; i < g->n_hist; i++)
		if (g->hist[i].contact < c && (!have || g->hist[i].contact > last)) {
			last = g->hist[i].contact;
			have = 1;
		}
	/* a stance between the last recorded step and this one: same foot as that step */
	if (have && last > g->prev.contact)
		return g->prev.foot;
	return g->prev.foot == 'L' ? 'R' : 'L';
}

static double per_bw(double v, double bw)
{
	return bw > 0 ? v / bw : NAN;
}

static void event(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t known, double bw,
		  const struct gait_impact *im, char foot, int predicted)
{
	double rate = g->cfg.rate_hz;
	struct fp_impact e = {
		.plate = p, .foot = foot, .foot_predicted = predicted, .contact_sample = c,
		.known_sample = known, .contact_s = (double)c / rate,
		.delay_ms = (double)(known + 1 - c) * 1000.0 / rate, .in_stance = im->in_stance,
		.body_weight_n = bw > 0 ? bw : NAN, .impact_peak_n = im->impact_peak_n,
		.impact_peak_bw = per_bw(im->impact_peak_n, bw), .impact_virtual = im->impact_virtual,
		.time_to_impact_ms = im->time_to_impact_ms, .valr_n_s = im->valr_n_s,
		.valr_bw_s = per_bw(im->valr_n_s, bw), .vilr_n_s = im->vilr_n_s,
		.vilr_bw_s = per_bw(im->vilr_n_s, bw), .cutoff_hz = g->cfg.cutoff_hz,
	};

	impact_emit(g, &e);
}

uint32_t gait_settle_samples(const struct fp_biquad *bq, double fraction)
{
	/* poles: roots of z^2 + a1 z + a2 */
	double disc = bq->a1 * bq->a1 - 4.0 * bq->a2, r;

	if (disc < 0)
		r = sqrt(bq->a2);               /* complex pair: |z|^2 = a2 */
	else
		r = (fabs(bq->a1) + sqrt(disc)) / 2.0;
	if (!(r > 0 && r < 1))
		return 1;
	return (uint32_t)ceil(log(fraction) / log(r));
}

static double median3(double *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int k = i; k > 0 && v[k] < v[k - 1]; k--) {
			double t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/*
 * The expected contact time of the stance beginning at c on plate p: the
 * median contact time of the same foot's previous up to three stances,
 * the contacts 2, 4 and 6 back (alternation, one belt or split), each
 * complete, not truncated, of running length (min_contact to 450 ms), in
 * steady locomotion (every step under 2 s); 0 when there is none.
 */
void gait_impact_start(struct fp_gait *g, uint32_t p, uint64_t c)
{
	struct gait_impact *im = &g->plate[p].imp;
	double ct[3];
	unsigned int n = 0;
	int k;

	*im = (struct gait_impact){ 0 };
	if (!gait_hist_find(g, p, c, &k) || g->hist[k].truncated)
		return;
	for (int m = 1; m <= 6 && m <= k; m++) {
		const struct gait_contact *h = &g->hist[k - m];
		double len;

		if (g->hist[k - m + 1].contact - h->contact > 2 * g->cfg.rate_hz || h->truncated)
			break;
		if (m % 2)
			continue;
		if (!h->have_toeoff)
			break;
		len = (double)(h->toeoff - h->contact);
		if (len < g->min_contact || len >= FP_GAIT_WALK_CONTACT_MS * g->cfg.rate_hz / 1000.0)
			break;
		if (m == 2)
			im->stride_n = c - h->contact;
		ct[n++] = len;
	}
	if (n)
		im->ref_n = (uint64_t)llround(median3(ct, n));
}

/*
 * Decide the impact phase of the stance that began at contact c on plate
 * p from the window [window start, to), offset `before`. open: the stance
 * is still loaded at `to`. 1 and *im filled when decided.
 */
static int decide(struct fp_gait *g, uint32_t p, uint64_t c, uint64_t to, int open,
		  const struct gait_offset *before, double bw, struct gait_impact *im)
{
	struct gait_pending tmp = { .contact = c, .toeoff = open ? to : to - g->settle,
				    .before = *before };
	struct gait_window w = { .rate_hz = g->cfg.rate_hz, .ref_n = (size_t)im->ref_n };
	struct fp_step s;
	uint64_t from = gait_window_from(g, c);
	double hi = bw > 0 ? GAIT_ACTIVE_MAX_BW * bw : INFINITY, lo = 0;
	size_t settled;

	if (from > c || to > g->next_sample || tmp.toeoff <= c)
		return 0;
	/* the spring-mass estimate of the active peak from the expected stance */
	if (bw > 0 && im->ref_n && im->stride_n)
		lo = GAIT_ACTIVE_MIN_MODEL * bw * (M_PI / 2) * (0.5 * (double)im->stride_n) /
		     (double)im->ref_n;
	gait_fill_window(g, p, &tmp, from, to, &w);
	w.ref_n = (size_t)im->ref_n;
	/*
	 * The backward filter pass over the stance [c, n) alone until the
	 * data decide: whether they do reads nothing before c (see
	 * gait_impact_ready()), the loading rates' onset may. The pass is then
	 * continued over [0, c) from where it stopped: the same bits as one
	 * whole pass.
	 */
	w.fz_from = w.c;
	if (gait_filter_window(&w, &g->bq))
		return 0;
	gait_fill_window_keep(g, p);
	settled = w.n > g->settle ? w.n - g->settle : 0;
	if (!gait_impact_ready(&w, g->cfg.impact_prominence, open, settled, lo, hi))
		return 0;
	gait_filter_window_rest(&w);
	s.impact_peak_n = s.time_to_impact_ms = s.valr_n_s = s.vilr_n_s = NAN;
	s.impact_virtual = 0;
	if (!gait_impact_metrics(&w, g->cfg.impact_prominence, open, settled, lo, hi, &s))
		return 0;
	im->decided = 1;
	im->in_stance = open;
	im->active_hi = open ? hi : INFINITY;
	im->relied_min = open && lo > 0 && !s.impact_virtual;
	im->impact_peak_n = s.impact_peak_n;
	im->time_to_impact_ms = s.time_to_impact_ms;
	im->valr_n_s = s.valr_n_s;
	im->vilr_n_s = s.vilr_n_s;
	im->impact_virtual = s.impact_virtual;
	return 1;
}

/*
 * Called for every sample s of plate p, before pending steps are completed,
 * so the decision depends on the samples alone, not on how they were cut
 * into blocks (fplated and `fplate analyze` agree): an open stance is
 * tried every ~2 ms of samples after its contact while it is loaded, a
 * closed one once toe-off + settle is in.
 */
void gait_impact_sample(struct fp_gait *g, uint32_t p, uint64_t s)
{
	struct gait_plate *pl = &g->plate[p];
	uint64_t every = (uint64_t)ceil(g->cfg.rate_hz / 500.0);   /* 2 ms */
	uint64_t now = s + 1;

	if (pl->state == P_STANCE && !pl->imp.decided && !pl->imp.walking &&
	    now > pl->contact + g->settle + 3 && (now - pl->contact) % every == 0) {
		double bw = gait_body_weight(g, p, pl->contact);
		int predicted;
		char foot;

		/* a walking stance's impact is its first peak (docs/metrics.md):
		 * no event on the running definition, the record's values later */
		if (gait_stance_walking(g, p, pl->contact, now))
			pl->imp.walking = 1;
		else if (decide(g, p, pl->contact, now, 1, &pl->stance_before, bw, &pl->imp)) {
			foot = predict_foot(g, p, pl->contact, &predicted);
			event(g, p, pl->contact, s, bw, &pl->imp, foot, predicted);
		}
	}
	for (unsigned int i = 0; i < pl->n_pending; i++) {
		struct gait_pending *pd = &pl->pending[i];
		double bw;
		int predicted;
		char foot;

		if (pd->imp.decided || pd->imp.walking || now != pd->toeoff + g->settle)
			continue;
		if (gait_stance_walking(g, p, pd->contact, pd->toeoff)) {
			pd->imp.walking = 1;
			continue;
		}
		bw = gait_body_weight(g, p, pd->contact);
		if (decide(g, p, pd->contact, now, 0, &pd->before, bw, &pd->imp)) {
			foot = predict_foot(g, p, pd->contact, &predicted);
			event(g, p, pd->contact, s, bw, &pd->imp, foot, predicted);
		}
	}
}

void gait_impact_finalize(struct fp_gait *g, uint32_t p, const struct gait_pending *pd,
			  struct fp_step *s)
{
	const struct gait_impact *im = &pd->imp;

	if (im->decided) {
		/* The event uses the running definition; a stance decided open
		 * that turned out to be walking later (a runner slowing to a
		 * walk) keeps the record's own values (docs/metrics.md). */
		if (s->active_peak_n > im->active_hi || s->gait == FP_GAIT_WALKING ||
		    (im->relied_min && !(s->active_peak_n > im->impact_peak_n))) {
			/* the bound the event relied on did not hold: the record's own values */
			s->flags |= FP_STEP_IMPACT_REVISED;
			return;
		}
		s->impact_peak_n = im->impact_peak_n;
		s->impact_virtual = im->impact_virtual;
		s->time_to_impact_ms = im->time_to_impact_ms;
		s->valr_n_s = im->valr_n_s;
		s->vilr_n_s = im->vilr_n_s;
		return;
	}
	if (!isfinite(s->impact_peak_n))
		return;
	/* not decided before the record (walking, a gap, the end of the data): the event now */
	event(g, p, pd->contact, g->next_sample ? g->next_sample - 1 : 0, s->body_weight_n,
	      &(struct gait_impact){ .decided = 1, .impact_peak_n = s->impact_peak_n,
				     .time_to_impact_ms = s->time_to_impact_ms,
				     .valr_n_s = s->valr_n_s, .vilr_n_s = s->vilr_n_s,
				     .impact_virtual = s->impact_virtual },
	      s->foot, 0);
}
