// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_json.c - a step as JSON (the `step` topic and `fplate analyze`),
 * the table of numeric metrics with their units, and per-foot summaries.
 * Key names and units are documented in docs/metrics.md.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "fplate/gait.h"

/*
 * M: summarised, with an L/R asymmetry (a magnitude of one sign per foot);
 * S: summarised, no asymmetry (signed positions and angles that mirror
 * between the feet, a per-person estimate); X: not summarised (settings,
 * common-frame positions, times).
 */
#define M(key, unit, field) { key, unit, offsetof(struct fp_step, field), 1, 1 }
#define S(key, unit, field) { key, unit, offsetof(struct fp_step, field), 1, 0 }
#define X(key, unit, field) { key, unit, offsetof(struct fp_step, field), 0, 0 }
const struct fp_step_metric fp_step_metrics[] = {
	M("contact_time_ms", "ms", contact_time_ms),
	M("flight_time_ms", "ms", flight_time_ms),
	M("step_time_ms", "ms", step_time_ms),
	M("cadence_spm", "steps/min", cadence_spm),
	M("impact_peak_n", "N", impact_peak_n),
	M("impact_peak_bw", "BW", impact_peak_bw),
	M("time_to_impact_ms", "ms", time_to_impact_ms),
	M("transient_peak_n", "N", transient_peak_n),
	M("time_to_transient_ms", "ms", time_to_transient_ms),
	M("valr_n_s", "N/s", valr_n_s),
	M("valr_bw_s", "BW/s", valr_bw_s),
	M("vilr_n_s", "N/s", vilr_n_s),
	M("vilr_bw_s", "BW/s", vilr_bw_s),
	M("active_peak_n", "N", active_peak_n),
	M("active_peak_bw", "BW", active_peak_bw),
	M("time_to_active_peak_ms", "ms", time_to_active_peak_ms),
	M("braking_impulse_ns", "N·s", braking_impulse_ns),
	M("propulsive_impulse_ns", "N·s", propulsive_impulse_ns),
	S("free_moment_peak_nm", "N·m", free_moment_peak_nm),
	S("cop_contact_ml_mm", "mm", cop_contact_ml_mm),
	M("inroll_velocity_mm_s", "mm/s", inroll_velocity_mm_s),
	M("inroll_excursion_mm", "mm", inroll_excursion_mm),
	S("pushoff_ml_mm", "mm", pushoff_ml_mm),
	M("pushoff_medial_pct", "%", pushoff_medial_pct),
	S("pushoff_mt_fraction", "", pushoff_mt_fraction),
	S("pushoff_mt_noise", "", pushoff_mt_noise),
	M("cop_ap_path_mm", "mm", cop_ap_path_mm),
	M("cop_ap_velocity_m_s", "m/s", cop_ap_velocity_m_s),
	X("cop_y_travel_mm", "mm", cop_y_travel_mm),
	S("foot_progression_deg", "deg", foot_progression_deg),
	X("cop_mean_x_mm", "mm", cop_mean_x_mm),
	X("cop_mean_y_mm", "mm", cop_mean_y_mm),
	M("step_length_m", "m", step_length_m),
	M("step_width_mm", "mm", step_width_mm),
	M("vertical_oscillation_cm", "cm", vertical_oscillation_cm),
	M("vertical_stiffness_kn_m", "kN/m", vertical_stiffness_kn_m),
	S("body_weight_n", "N", body_weight_n),
	X("offset_n", "N", offset_n),
	X("belt_speed_mps", "m/s", belt_speed_mps),
	X("cutoff_hz", "Hz", cutoff_hz),
	X("contact_s", "s", contact_s),
};
#undef M
#undef S
#undef X
const size_t fp_step_metrics_count = sizeof(fp_step_metrics) / sizeof(fp_step_metrics[0]);

static const char *const flag_names[FP_STEP_NFLAGS] = {
	"crossover", "clipped", "saturated", "double_contact", "too_short", "too_long",
	"nan_input", "no_body_weight", "gap", "no_offset", "foot_guessed", "truncated",
	"no_belt_speed", "implausible", "impact_revised",
};

static const char *const frame_names[] = { NULL, "travel", "configured", "markers" };

const char *fp_step_flag_name(uint32_t flag)
{
	for (int i = 0; i < FP_STEP_NFLAGS; i++)
		if (flag == 1u << i)
			return flag_names[i];
	return NULL;
}

static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *fp_step_to_json(const struct fp_step *s)
{
	json_t *o = json_object(), *flags = json_array();
	char foot[2] = { s->foot, '\0' };

	if (!o || !flags) {
		json_decref(o);
		json_decref(flags);
		return NULL;
	}
	json_object_set_new(o, "metrics_version", json_integer(FP_METRICS_VERSION));
	/* plate numbers from 1, as the CSV stream, describe and status count them */
	json_object_set_new(o, "plate", json_integer((json_int_t)s->plate + 1));
	json_object_set_new(o, "foot", json_string(foot));
	json_object_set_new(o, "contact_sample", json_integer((json_int_t)s->contact_sample));
	json_object_set_new(o, "toeoff_sample", json_integer((json_int_t)s->toeoff_sample));
	json_object_set_new(o, "impact_virtual", json_boolean(s->impact_virtual));
	json_object_set_new(o, "gait", json_string(s->gait == FP_GAIT_WALKING ? "walking" : "running"));
	json_object_set_new(o, "foot_frame", s->foot_frame > 0 && s->foot_frame <= FP_FRAME_MARKERS ?
			    json_string(frame_names[s->foot_frame]) : json_null());
	for (size_t i = 0; i < fp_step_metrics_count; i++)
		json_object_set_new(o, fp_step_metrics[i].key,
				    number_or_null(fp_step_metric_value(s, i)));
	for (int i = 0; i < FP_STEP_NFLAGS; i++)
		if (s->flags & (1u << i))
			json_array_append_new(flags, json_string(flag_names[i]));
	json_object_set_new(o, "flags", flags);
	return o;
}

json_t *fp_impact_to_json(const struct fp_impact *e)
{
	json_t *o = json_object();
	char foot[2] = { e->foot, '\0' };

	if (!o)
		return NULL;
	json_object_set_new(o, "metrics_version", json_integer(FP_METRICS_VERSION));
	json_object_set_new(o, "plate", json_integer((json_int_t)e->plate + 1));
	json_object_set_new(o, "foot", json_string(foot));
	json_object_set_new(o, "foot_predicted", json_boolean(e->foot_predicted));
	json_object_set_new(o, "contact_sample", json_integer((json_int_t)e->contact_sample));
	json_object_set_new(o, "known_sample", json_integer((json_int_t)e->known_sample));
	json_object_set_new(o, "contact_s", number_or_null(e->contact_s));
	json_object_set_new(o, "delay_ms", number_or_null(e->delay_ms));
	json_object_set_new(o, "in_stance", json_boolean(e->in_stance));
	json_object_set_new(o, "body_weight_n", number_or_null(e->body_weight_n));
	json_object_set_new(o, "impact_peak_n", number_or_null(e->impact_peak_n));
	json_object_set_new(o, "impact_peak_bw", number_or_null(e->impact_peak_bw));
	json_object_set_new(o, "impact_virtual", json_boolean(e->impact_virtual));
	json_object_set_new(o, "time_to_impact_ms", number_or_null(e->time_to_impact_ms));
	json_object_set_new(o, "valr_n_s", number_or_null(e->valr_n_s));
	json_object_set_new(o, "valr_bw_s", number_or_null(e->valr_bw_s));
	json_object_set_new(o, "vilr_n_s", number_or_null(e->vilr_n_s));
	json_object_set_new(o, "vilr_bw_s", number_or_null(e->vilr_bw_s));
	json_object_set_new(o, "cutoff_hz", number_or_null(e->cutoff_hz));
	return o;
}

static json_t *curve_json(const float *v)
{
	json_t *a = json_array();

	for (int i = 0; a && i < FP_STEP_CURVE_POINTS; i++)
		json_array_append_new(a, number_or_null(v[i]));
	return a;
}

json_t *fp_step_curves_json(const struct fp_step *s)
{
	return json_pack("{s:o, s:o, s:o}", "fz_bw", curve_json(s->curve_fz_bw),
			 "cop_ml_mm", curve_json(s->curve_cop_ml_mm),
			 "cop_ap_mm", curve_json(s->curve_cop_ap_mm));
}

/*
 * Steps a summary uses: not the too-short / too-long records (no metrics)
 * and not a stance the data began inside (truncated: its contact time,
 * loading and COP are those of part of a stance).
 */
static int usable(const struct fp_step *s)
{
	return !(s->flags & (FP_STEP_TOO_SHORT | FP_STEP_TOO_LONG | FP_STEP_TRUNCATED));
}

static void mean_sd(const struct fp_step *steps, size_t n, char foot, size_t k,
		    double *mean, double *sd, size_t *count)
{
	double sum = 0, sq = 0;
	size_t c = 0;

	for (size_t i = 0; i < n; i++) {
		double v = fp_step_metric_value(&steps[i], k);

		if (steps[i].foot != foot || !usable(&steps[i]) || !isfinite(v))
			continue;
		sum += v;
		c++;
	}
	*count = c;
	*mean = c ? sum / (double)c : NAN;
	for (size_t i = 0; i < n; i++) {
		double v = fp_step_metric_value(&steps[i], k);

		if (steps[i].foot == foot && usable(&steps[i]) && isfinite(v))
			sq += (v - *mean) * (v - *mean);
	}
	*sd = c > 1 ? sqrt(sq / (double)(c - 1)) : NAN;
}

double fp_asymmetry_pct(double left, double right)
{
	double l = fabs(left), r = fabs(right);

	if (!isfinite(left) || !isfinite(right) || !(l + r > 0) ||
	    (left < 0) != (right < 0) || left == 0 || right == 0)
		return NAN;
	return 100.0 * (r - l) / ((r + l) / 2.0);
}

json_t *fp_gait_summary_json(const struct fp_step *steps, size_t n, char foot)
{
	json_t *o = json_object(), *asym = json_object();
	char name[2] = { foot, '\0' };
	size_t count = 0;

	if (!o || !asym) {
		json_decref(o);
		json_decref(asym);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		count += steps[i].foot == foot && usable(&steps[i]);
	json_object_set_new(o, "summary", json_string(name));
	json_object_set_new(o, "metrics_version", json_integer(FP_METRICS_VERSION));
	json_object_set_new(o, "steps", json_integer((json_int_t)count));
	for (size_t k = 0; k < fp_step_metrics_count; k++) {
		double mean, sd, ml, sl, mr, sr;
		size_t c, cl, cr;
		json_t *m;

		if (!fp_step_metrics[k].summarise)
			continue;
		m = json_object();

		mean_sd(steps, n, foot, k, &mean, &sd, &c);
		json_object_set_new(m, "mean", number_or_null(mean));
		json_object_set_new(m, "sd", number_or_null(sd));
		json_object_set_new(m, "n", json_integer((json_int_t)c));
		json_object_set_new(o, fp_step_metrics[k].key, m);
		if (!fp_step_metrics[k].asymmetry)
			continue;
		mean_sd(steps, n, 'L', k, &ml, &sl, &cl);
		mean_sd(steps, n, 'R', k, &mr, &sr, &cr);
		if (cl && cr && isfinite(fp_asymmetry_pct(ml, mr)))
			json_object_set_new(asym, fp_step_metrics[k].key,
					    json_real(fp_asymmetry_pct(ml, mr)));
	}
	json_object_set_new(o, "asymmetry_pct", asym);
	return o;
}
