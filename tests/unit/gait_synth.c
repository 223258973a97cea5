// SPDX-License-Identifier: LGPL-2.1-or-later
/* gait_synth.c - synthetic running data for the gait suites (gait_synth.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gait_synth.h"

void synth_defaults(struct synth *s)
{
	memset(s, 0, sizeof(*s));
	s->rate_hz = 1000;
	s->stance_ms = 250;
	s->flight_ms = 120;
	s->active_n = 2000;
	s->foot_x_mm = 60;
	s->belt_mps = 3.0;
	s->steps = 20;
	s->lead_ms = 200;
}

double synth_stance_fz(const struct synth *s, double t)
{
	double T = s->stance_ms / 1000.0, f;

	if (t < 0 || t >= T)
		return 0;
	f = s->active_n * sin(M_PI * t / T);
	if (s->ramp_n_s > 0) {
		/* A linear impact: ramp, then back down to the half sine over 15 ms. */
		double tr = s->ramp_peak_n / s->ramp_n_s, imp;

		if (t < tr)
			imp = s->ramp_n_s * t;
		else
			imp = s->ramp_peak_n * fmax(0.0, 1.0 - (t - tr) / 0.015);
		f = fmax(f, imp);
	}
	return f;
}

size_t synth_samples(const struct synth *s)
{
	double cycle = (s->stance_ms + s->flight_ms) / 1000.0;

	return (size_t)ceil((s->lead_ms / 1000.0 + cycle * s->steps + 1.5) * s->rate_hz);
}

void synth_fill(const struct synth *s, double *v, size_t n, size_t *contact, size_t *toeoff)
{
	double T = s->stance_ms / 1000.0, cycle = T + s->flight_ms / 1000.0;
	double a = s->fpa_deg * M_PI / 180.0;

	memset(v, 0, n * FP_NFIELDS * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / s->rate_hz, rel = t - s->lead_ms / 1000.0;
		double *f = v + i * FP_NFIELDS, fz = 0;
		int k = rel >= 0 ? (int)floor(rel / cycle) : -1;
		double ts = rel - k * cycle;

		if (k >= 0 && k < s->steps && ts < T)
			fz = synth_stance_fz(s, ts);
		f[FP_FZ] = fz + s->drift_n + s->drift_n_s * t;
		f[FP_COPX] = f[FP_COPY] = NAN;
		if (fz >= 20) {
			/* Left foot (even k) at −x; the COP runs 200 mm heel to toe
			 * along a line turned fpa outward, while the belt carries it back. */
			double side = k % 2 ? 1.0 : -1.0, along = -100 + 200 * ts / T;

			f[FP_COPX] = side * s->foot_x_mm + side * along * sin(a);
			f[FP_COPY] = along * cos(a) - s->belt_mps * ts * 1000.0;
			f[FP_FY] = -200 * sin(2 * M_PI * ts / T);
		}
	}
	for (int k = 0; k < s->steps; k++) {
		size_t i = (size_t)llround((s->lead_ms / 1000.0 + k * cycle) * s->rate_hz) - 2;

		while (v[i * FP_NFIELDS + FP_FZ] - s->drift_n - s->drift_n_s * i / s->rate_hz < 20)
			i++;
		contact[k] = i;
		while (v[i * FP_NFIELDS + FP_FZ] - s->drift_n - s->drift_n_s * i / s->rate_hz >= 20)
			i++;
		toeoff[k] = i;
	}
}

size_t synth_run(const struct fp_gait_config *cfg, const double *v, size_t n,
		 uint32_t block_flags, struct fp_step *out, size_t max)
{
	struct fp_gait *g;
	struct fp_frames fr = { 0 };
	size_t got = 0, block = 97;
	char msg[256];

	if (fp_gait_open(cfg, &g, msg, sizeof(msg)))
		return 0;
	fr.plates = 1;
	fr.belt_speed_mps = NAN;
	for (size_t i = 0; i < n; i += block) {
		fr.first_sample = i;
		fr.n = (uint32_t)(n - i < block ? n - i : block);
		fr.v = (double *)v + i * FP_NFIELDS;
		fr.flags = block_flags;
		fp_gait_push(g, &fr);
		while (got < max && fp_gait_next_step(g, &out[got]))
			got++;
	}
	fp_gait_flush(g);
	while (got < max && fp_gait_next_step(g, &out[got]))
		got++;
	fp_gait_close(g);
	return got;
}
