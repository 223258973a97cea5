// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sim_model.c - the simulated runner: one step at a time.
 *
 * Vertical force follows the two-mass model of Clark, Ryan & Weyand (2017):
 * the stance foot and shank (m1, 8 % of body mass) are stopped by an impact
 * impulse J1 lasting 2·t1, the rest of the body (m2) by an impulse J2 over
 * the whole contact time; J1 + J2 equals body weight times step time, so
 * mean Fz over steady running is m·g. Each impulse is a raised-cosine
 * (sin²) pulse here. A rear-foot strike has a large, short J1 and thus a
 * distinct impact peak; a fore-foot strike a small, slow one that merges
 * into the active peak. t1 is solved so that the step's VALR (DESIGN §3)
 * meets the requested loading rate.
 *
 * Fore-aft force brakes in the first half of stance and propels in the
 * second with zero net impulse (steady speed); medio-lateral force and
 * free moment are small. The COP path is built in the foot frame
 * (heel-to-toe progression, lateral contact, inward roll, medial or lateral
 * push-off) and carried backward at belt speed into the plate frame.
 * docs/simulator.md gives the equations and references.
 */
#include <math.h>
#include <string.h>

#include "sim_model.h"

/* ---- random numbers -------------------------------------------------- */

uint64_t sim_rng_next(struct sim_rng *r)
{
	/* splitmix64 (Steele, Lea & Flood 2014): tiny state, good enough here */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_rng_uniform(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

double sim_rng_gauss(struct sim_rng *r)
{
	/*
	 * Irwin-Hall: the sum of four 16-bit uniforms, centred and scaled to
	 * unit variance. One generator call per value, no log/sqrt/trig, which
	 * keeps ADC noise cheap on the 12-channel x 2 kHz hot path.
	 */
	uint64_t x = sim_rng_next(r);
	double s = (double)(x & 0xffff) + (double)((x >> 16) & 0xffff) +
		   (double)((x >> 32) & 0xffff) + (double)(x >> 48);

	return (s / 65536.0 - 2.0) * 1.7320508075688772;
}

/* ---- nominal configuration ------------------------------------------- */

static const double impact_bw[3] = { 1.25, 0.70, 0.45 };   /* usual a1 per strike */
static const double default_lr[3] = { 75.0, 55.0, 40.0 };  /* BW/s per strike */
static const double cop_start_mm[3] = { 25.0, 90.0, 150.0 }; /* from the heel */
#define COP_END_MM 225.0          /* toe-off under the forefoot (foot ~270 mm) */
#define PUSHOFF_START 0.7         /* push-off: last 30 % of stance */

static double nominal_contact_s(const struct sim_runner *run)
{
	/* Contact time falls with speed: 0.33 s at 2.5 m/s, 0.25 at 3.5, 0.19 at 5 */
	return run->contact_ms > 0 ? run->contact_ms / 1000.0 :
	       0.70 * pow(run->speed_mps, -0.82);
}

static double nominal_step_s(const struct sim_runner *run)
{
	double cad = run->cadence_spm > 0 ? run->cadence_spm : 150.0 + 7.0 * run->speed_mps;

	return 60.0 / cad;
}

static inline double sq(double x)
{
	return x * x;
}

static inline double fz_at(const struct sim_plan *p, double t)
{
	double fz = p->a2_n * sq(sin(M_PI * t / p->tc_s));

	if (t < 2 * p->t1_s)
		fz += p->a1_n * sq(sin(M_PI * t / (2 * p->t1_s)));
	return fz;
}

struct fz_metrics {
	int has_peak;
	uint32_t i_peak;        /* impact (or virtual) peak sample */
	double peak_n;
	double prominence_n;    /* impact peak above the following dip */
	double valr, vilr;      /* N/s */
};

/*
 * Impact peak and loading rates of a sampled Fz (DESIGN §3, sim.h): n is
 * the stance length in samples, avail how many of them fz holds (at least
 * the first 60 % are needed).
 */
static void fz_metrics(const double *fz, size_t stride, uint32_t n, uint32_t avail,
		       double rate_hz, struct fz_metrics *m)
{
	uint32_t lim = (uint32_t)(0.3 * n), i20 = 0, i80 = 0, i;

	memset(m, 0, sizeof(*m));
	for (i = 1; i + 1 < avail && i < lim; i++) {
		if (fz[i * stride] >= fz[(i - 1) * stride] &&
		    fz[i * stride] > fz[(i + 1) * stride]) {
			m->has_peak = 1;
			break;
		}
	}
	m->i_peak = m->has_peak ? i : (uint32_t)(0.13 * n);
	m->peak_n = fz[m->i_peak * stride];
	if (m->has_peak) {
		/* the dip before Fz climbs above the impact peak again */
		double dip = m->peak_n;

		m->prominence_n = 0;
		for (i = m->i_peak; i < avail && i < (uint32_t)(0.6 * n); i++) {
			dip = fmin(dip, fz[i * stride]);
			if (fz[i * stride] > m->peak_n) {
				m->prominence_n = m->peak_n - dip;
				break;
			}
		}
	}
	for (i = 0; i < avail && fz[i * stride] < 0.2 * m->peak_n; i++)
		;
	i20 = i;
	for (; i < avail && fz[i * stride] < 0.8 * m->peak_n; i++)
		;
	i80 = i;
	if (i80 + 1 >= avail || i80 <= i20)
		return;
	m->valr = (fz[i80 * stride] - fz[i20 * stride]) * rate_hz / (i80 - i20);
	for (i = i20; i < i80; i++) {
		double d = (fz[(i + 1) * stride] - fz[i * stride]) * rate_hz;

		if (d > m->vilr)
			m->vilr = d;
	}
}

/* Impact amplitude range per strike (BW) the loading-rate solver may use. */
static const double impact_lo_bw[3] = { 0.6, 0.3, 0.15 };
static const double impact_hi_bw[3] = { 2.0, 1.2, 1.2 };
/* Least prominence of the impact peak, BW: "distinct" for rear, visible for mid. */
static const double min_prominence_bw[3] = { 0.12, 0.03, 0 };

struct solve {
	const struct sim_runner *run;
	struct sim_plan p;
	double rate, target;
	uint32_t avail;
	double fz[4096];
};

/* Metrics of the nominal step with impact a1 (BW) and t1 = frac·tc. */
static void solve_eval(struct solve *sv, double a1, double frac, struct fz_metrics *m)
{
	struct sim_plan *p = &sv->p;

	p->t1_s = frac * p->tc_s;
	p->a1_n = a1;
	p->a2_n = 2 * (sv->p.step_samples / sv->rate - a1 * p->t1_s) / p->tc_s;
	for (uint32_t i = 0; i < sv->avail; i++)
		sv->fz[i] = fz_at(p, (i + 0.5) / sv->rate);
	fz_metrics(sv->fz, 1, p->n, sv->avail, sv->rate, m);
}

/*
 * Cost of a candidate, INFINITY when it loses the strike's character. The
 * character is checked with a margin (impact 20 % weaker for rear/mid, 20 %
 * stronger for fore) so that step-to-step variability and sampling never
 * add or remove an impact peak.
 */
static double solve_cost(struct solve *sv, double a1, double frac, double *valr)
{
	int strike = sv->run->strike;
	struct fz_metrics m, margin;

	*valr = NAN;                       /* defined on every path (gcc -O3) */
	solve_eval(sv, a1 * (strike == FP_SIM_FORE ? 1.2 : 0.8), frac, &margin);
	if (strike == FP_SIM_FORE ? margin.has_peak :
	    (!margin.has_peak || margin.prominence_n < min_prominence_bw[strike]))
		return INFINITY;
	solve_eval(sv, a1, frac, &m);
	if (m.has_peak != (strike != FP_SIM_FORE) || !(m.valr > 0) ||
	    (m.has_peak && m.prominence_n < min_prominence_bw[strike]))
		return INFINITY;
	*valr = m.valr;
	/* meet the loading rate; among equals stay near the strike's impact */
	return fabs(m.valr - sv->target) / sv->target +
	       0.1 * fabs(a1 / impact_bw[strike] - 1);
}

void sim_configure(const struct sim_runner *run, double rate_hz, struct sim_config *cfg)
{
	struct solve solve_buf, *sv = &solve_buf;
	int strike = run->strike;
	double best = INFINITY, best_a1 = impact_bw[strike], best_frac = 0.1, best_lr = 0;
	double frac_lo, coarse = 0.005;

	(void)rate_hz;
	memset(sv, 0, sizeof(*sv));
	cfg->tc_s = nominal_contact_s(run);
	cfg->step_s = nominal_step_s(run);
	if (cfg->tc_s > 0.85 * cfg->step_s)
		cfg->tc_s = 0.85 * cfg->step_s;   /* running: keep a flight phase */
	sv->run = run;
	/*
	 * The default loading rate is the strike's at 3.5 m/s; on shorter
	 * stances (faster running) it rises as 1 / contact time, so the impact
	 * keeps its share of the stance and its amplitude instead of turning
	 * into the 0.4-0.9 BW, 8-16 ms blips a fixed rate forced at 4.5-5 m/s.
	 * Longer stances keep the 3.5 m/s rate (docs/simulator.md).
	 */
	sv->target = run->lr_bw_s > 0 ? run->lr_bw_s :
		     default_lr[strike] * fmax(1.0, 0.70 * pow(3.5, -0.82) / cfg->tc_s);
	/* the nominal step in body weights, sampled at up to 5 kHz */
	sv->rate = fmin(5000.0, 2000.0 / cfg->tc_s);
	sv->p.tc_s = cfg->tc_s;
	sv->p.n = (uint32_t)(cfg->tc_s * sv->rate);
	sv->p.step_samples = (uint32_t)lround(cfg->step_s * sv->rate);
	sv->avail = (uint32_t)(0.6 * sv->p.n) + 2;
	frac_lo = 0.004 / cfg->tc_s;
	/* coarse grid over impact amplitude and timing, then refine t1 */
	for (double a1 = impact_lo_bw[strike]; a1 <= impact_hi_bw[strike] + 1e-9; a1 += 0.1) {
		for (double frac = frac_lo; frac <= 0.35; frac += coarse) {
			double lr, c = solve_cost(sv, a1, frac, &lr);

			if (c < best) {
				best = c;
				best_a1 = a1;
				best_frac = frac;
				best_lr = lr;
			}
		}
	}
	for (double frac = fmax(frac_lo, best_frac - coarse); frac <= best_frac + coarse;
	     frac += coarse / 20) {
		double lr, c = solve_cost(sv, best_a1, frac, &lr);

		if (c < best) {
			best = c;
			best_frac = frac;
			best_lr = lr;
		}
	}
	cfg->a1_bw = best_a1;
	cfg->t1_frac = best_frac;
	cfg->achieved_lr_bw_s = best_lr;
}

/* ---- one step -------------------------------------------------------- */

void sim_plan_step(const struct sim_runner *run, const struct sim_config *cfg,
		   double rate_hz, double belt_mps, uint32_t plates, uint64_t index,
		   struct sim_rng *rng, struct sim_plan *p)
{
	double v = run->variability;
	double step_s = cfg->step_s * (1 + 0.75 * v * sim_rng_gauss(rng));
	double tc_s = cfg->tc_s * (1 + 0.75 * v * sim_rng_gauss(rng));
	double msign;

	memset(p, 0, sizeof(*p));
	p->rate_hz = rate_hz;
	if (tc_s > 0.85 * step_s)
		tc_s = 0.85 * step_s;
	p->n = (uint32_t)lround(tc_s * rate_hz);
	if (p->n < 8)
		p->n = 8;
	p->tc_s = p->n / rate_hz;    /* whole samples: stance ends on a sample */
	p->step_samples = (uint32_t)lround(step_s * rate_hz);
	if (p->step_samples < p->n + 2)
		p->step_samples = p->n + 2;
	step_s = p->step_samples / rate_hz;
	p->foot = (index & 1) ? FP_SIM_RIGHT : FP_SIM_LEFT;
	p->strike = run->strike;
	p->plate = plates == 2 ? (uint32_t)p->foot : 0;
	p->belt_mps = belt_mps;
	p->bw_n = run->mass_kg * SIM_G;

	/* Clark et al. 2017: J1 + J2 = BW · step time */
	p->t1_s = cfg->t1_frac * p->tc_s;
	p->a1_n = cfg->a1_bw * p->bw_n * (1 + v * sim_rng_gauss(rng));
	p->a2_n = 2 * (p->bw_n * step_s - p->a1_n * p->t1_s) / p->tc_s;
	p->fy_peak_n = p->bw_n * fmin(0.6, 0.02 + 0.09 * run->speed_mps) *
		       (1 + v * sim_rng_gauss(rng));
	p->fx_peak_n = 0.06 * p->bw_n;
	p->tz_arm_m = 0.004;

	/* placement: + medial is +x for the left foot, -x for the right */
	msign = p->foot == FP_SIM_LEFT ? 1.0 : -1.0;
	if (plates == 2)
		p->axis_x_mm = 40.0 * msign;   /* toward the midline of the treadmill */
	else
		p->axis_x_mm = -msign * run->step_width_mm / 2;
	p->axis_x_mm += 150.0 * v * sim_rng_gauss(rng);
	p->u0_mm = cop_start_mm[run->strike];
	p->u1_mm = COP_END_MM;
	/* the runner keeps station: mid-stance COP near runner_y */
	p->heel_y_mm = run->runner_y_mm + belt_mps * 1000.0 * p->tc_s / 2 -
		       (p->u0_mm + p->u1_mm) / 2 + 500.0 * v * sim_rng_gauss(rng);
	p->m0_mm = -run->supination_mm * (1 + v * sim_rng_gauss(rng));
	p->m1_mm = 0;
	p->m2_mm = run->pushoff_lateral ? -run->pushoff_mm : run->pushoff_mm;
	/* raised-cosine roll of amplitude A peaks at A·pi/(2T): solve T */
	p->roll_frac = 0.15;
	if (p->m1_mm - p->m0_mm > 0 && run->roll_mmps > 0)
		p->roll_frac = (p->m1_mm - p->m0_mm) * M_PI / (2 * run->roll_mmps) / p->tc_s;
	p->roll_frac = fmin(fmax(p->roll_frac, 0.03), 0.5);
}

static inline double raised(double from, double to, double x)
{
	return from + (to - from) * 0.5 * (1 - cos(M_PI * x));
}

/* ML offset from the foot axis, + medial, at fraction tau of stance. */
static double ml_at(const struct sim_plan *p, double tau)
{
	if (tau < p->roll_frac)
		return raised(p->m0_mm, p->m1_mm, tau / p->roll_frac);
	if (tau < PUSHOFF_START)
		return p->m1_mm;
	return raised(p->m1_mm, p->m2_mm, (tau - PUSHOFF_START) / (1 - PUSHOFF_START));
}

/* COP along the foot from the heel (s2 = sin 2πτ): heel-to-toe progression. */
static double ap_at(const struct sim_plan *p, double tau, double s2)
{
	double g = 0.7 * tau + 0.3 * (tau - s2 / (2 * M_PI));

	return p->u0_mm + (p->u1_mm - p->u0_mm) * g;
}

void sim_sample_step(const struct sim_plan *p, double h_mm, const double origin_mm[2],
		     double *fm, double *cop)
{
	double msign = p->foot == FP_SIM_LEFT ? 1.0 : -1.0;
	double h = h_mm * 1e-3;
	/*
	 * sin/cos of πτ advance by a fixed angle per sample: rotate instead of
	 * calling sin() and cos() (the step is sampled once, at touchdown, but
	 * this keeps pace=fast cheap). The rotation drifts by ~1e-13 per step.
	 */
	double d = M_PI / p->n, cd = cos(d), sd = sin(d);
	double s1 = sin(d / 2), c1 = cos(d / 2);

	for (uint32_t i = 0; i < p->n; i++) {
		double t = (i + 0.5) / p->rate_hz, tau = (i + 0.5) / p->n;
		double s2 = 2 * s1 * c1;                       /* sin 2πτ */
		double fz = p->a2_n * s1 * s1;
		double fy = -(p->fy_peak_n / 0.7698) * s2 * s1;
		double fx = msign * p->fx_peak_n * s1 * s1;
		double tz, x_mm, y_mm, px, py, next_s1;
		double *o = fm + (size_t)i * 6, *c = cop + (size_t)i * 3;

		if (t < 2 * p->t1_s) {
			double s = sin(M_PI * t / (2 * p->t1_s));

			fz += p->a1_n * s * s;
		}
		tz = -msign * p->tz_arm_m * fz * c1;
		x_mm = p->axis_x_mm + msign * ml_at(p, tau);
		y_mm = p->heel_y_mm - p->belt_mps * 1000.0 * t + ap_at(p, tau, s2);
		/* point of application relative to the transducer origin, m */
		px = (x_mm + origin_mm[0]) * 1e-3;
		py = (y_mm + origin_mm[1]) * 1e-3;
		o[0] = fx;
		o[1] = fy;
		o[2] = fz;
		o[3] = py * fz - h * fy;        /* M = r x F + (0, 0, Tz) */
		o[4] = h * fx - px * fz;
		o[5] = px * fy - py * fx + tz;
		c[0] = x_mm;
		c[1] = y_mm;
		c[2] = tz;
		next_s1 = s1 * cd + c1 * sd;
		c1 = c1 * cd - s1 * sd;
		s1 = next_s1;
	}
}

void sim_step_truth(const struct sim_plan *p, const double *fm, const double *cop,
		    struct fp_sim_step *t)
{
	double msign = p->foot == FP_SIM_LEFT ? 1.0 : -1.0;
	uint32_t n = p->n, i20, i90 = (uint32_t)(0.9 * n), ic, ie;
	struct fz_metrics m;
	double best_tz = 0, sum = 0, peak = 0;
	uint32_t i_peak = 0, i;

	t->foot = p->foot;
	t->strike = p->strike;
	t->plate = p->plate;
	t->contact_time_s = p->tc_s;
	t->step_time_s = p->step_samples / p->rate_hz;
	t->body_weight_n = p->bw_n;
	fz_metrics(fm + 2, 6, n, n, p->rate_hz, &m);
	t->has_impact_peak = m.has_peak;
	t->impact_peak_n = m.peak_n;
	t->impact_peak_sample = m.i_peak;       /* relative; sim.c adds touchdown */
	t->valr_n_per_s = m.valr;
	t->vilr_n_per_s = m.vilr;
	t->valr_bw_per_s = m.valr / p->bw_n;
	t->vilr_bw_per_s = m.vilr / p->bw_n;
	t->braking_impulse_ns = t->propulsive_impulse_ns = 0;
	for (i = 0; i < n; i++) {
		const double *o = fm + (size_t)i * 6;

		if (o[2] > peak) {
			peak = o[2];
			i_peak = i;
		}
		if (o[1] < 0)
			t->braking_impulse_ns += o[1] / p->rate_hz;
		else
			t->propulsive_impulse_ns += o[1] / p->rate_hz;
		if (fabs(cop[i * 3 + 2]) > fabs(best_tz))
			best_tz = cop[i * 3 + 2];
	}
	t->active_peak_n = peak;
	t->active_peak_sample = i_peak;         /* relative */
	t->free_moment_peak_nm = best_tz;
	t->axis_x_mm = p->axis_x_mm;
	t->heel_y_mm = p->heel_y_mm;
	t->belt_speed_mps = p->belt_mps;
	/*
	 * COP progression from contact (Fz >= FP_SIM_CONTACT_N) as fplate
	 * defines it: the touchdown itself has no load and so no COP.
	 */
	for (ic = 0; ic < n && fm[ic * 6 + 2] < FP_SIM_CONTACT_N; ic++)
		;
	for (ie = ic; ie < n && fm[ie * 6 + 2] >= FP_SIM_CONTACT_N; ie++)
		;
	t->contact_sample = ic;                 /* relative; sim.c adds touchdown */
	t->toeoff_sample = ie;
	ic = ic < n ? ic : n - 1;
	i20 = ic + (uint32_t)lround(0.2 * (ie - ic));
	t->contact_ml_mm = msign * (cop[ic * 3] - p->axis_x_mm);
	t->roll_peak_mmps = 0;
	t->roll_excursion_mm = 0;
	for (i = ic; i < i20 && i + 1 < n; i++) {
		double m0 = msign * (cop[i * 3] - p->axis_x_mm);
		double m1 = msign * (cop[(i + 1) * 3] - p->axis_x_mm);

		if ((m1 - m0) * p->rate_hz > t->roll_peak_mmps)
			t->roll_peak_mmps = (m1 - m0) * p->rate_hz;
		if (m1 - t->contact_ml_mm > t->roll_excursion_mm)
			t->roll_excursion_mm = m1 - t->contact_ml_mm;
	}
	/* AP path over the stance as fplate sees it, in the foot frame */
	t->cop_ap_path_mm = 0;
	for (i = ic + 1; i < ie; i++)
		t->cop_ap_path_mm += fabs(cop[i * 3 + 1] - cop[(i - 1) * 3 + 1] +
					  p->belt_mps * 1000.0 / p->rate_hz);
	for (i = i90; i < n; i++)
		sum += msign * (cop[i * 3] - p->axis_x_mm);
	t->pushoff_ml_mm = n > i90 ? sum / (n - i90) : 0;
	t->cop_ap_start_mm = p->u0_mm;
	t->cop_ap_end_mm = p->u1_mm;
}
