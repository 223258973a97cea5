// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * c3d_lab.c - the FPLATE metadata and the SYNC edges of a C3D file, for
 * `fplate c3d-info` (docs/c3d.md "Lining up with motion capture").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c3d_lab.h"

static void str_param(const struct fp_c3d *c, const char *name, char *buf, size_t len)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, "FPLATE", name);

	buf[0] = '\0';
	if (p && fp_c3d_param_str(p, 0, buf, len))
		buf[0] = '\0';
	if (!strcmp(buf, "unknown") || !strcmp(buf, "none"))
		buf[0] = '\0';
}

/* 4 int16 words, least significant first (FIRST_SAMPLE, START_TIME_NS). */
static int u64_param(const struct fp_c3d *c, const char *name, uint64_t *out)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, "FPLATE", name);
	uint64_t v = 0;

	if (!p)
		return -ENOENT;
	for (uint32_t i = 0; i < 4; i++) {
		double w = fp_c3d_param_num(p, i);

		if (!isfinite(w))
			return -EINVAL;
		v |= (uint64_t)(uint16_t)(int16_t)w << (16 * i);
	}
	*out = v;
	return 0;
}

static double pos_param(const struct fp_c3d *c, const char *group, const char *name)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, group, name);
	double v = p ? fp_c3d_param_num(p, 0) : NAN;

	return v >= 0 ? v : NAN; /* -1: unknown */
}

int fpc_c3d_lab_read(const struct fp_c3d *c, struct fpc_c3d_lab *lab)
{
	uint64_t n = fp_c3d_analog_samples(c), cap = 0, v;
	int prev = -1;

	memset(lab, 0, sizeof(*lab));
	lab->sync_channel = -1;
	if (!u64_param(c, "START_TIME_NS", &v) && v) {
		lab->start_time_ns = (int64_t)v;
		fp_c3d_format_utc(lab->start_time_ns, lab->start_time, sizeof(lab->start_time));
	}
	str_param(c, "SUBJECT", lab->subject, sizeof(lab->subject));
	if (!lab->subject[0]) { /* files of other software: SUBJECTS:NAMES */
		const struct fp_c3d_param *p = fp_c3d_param(c, "SUBJECTS", "NAMES");

		if (p && fp_c3d_param_str(p, 0, lab->subject, sizeof(lab->subject)))
			lab->subject[0] = '\0';
	}
	str_param(c, "SESSION", lab->session, sizeof(lab->session));
	str_param(c, "DEVICE", lab->device, sizeof(lab->device));
	str_param(c, "SERIAL", lab->serial, sizeof(lab->serial));
	str_param(c, "CALIB_ID", lab->calib_id, sizeof(lab->calib_id));
	lab->body_mass_kg = pos_param(c, "FPLATE", "BODY_MASS");
	if (!isfinite(lab->body_mass_kg))
		lab->body_mass_kg = pos_param(c, "PROCESSING", "Bodymass");
	if (lab->body_mass_kg == 0)
		lab->body_mass_kg = NAN;
	lab->belt_speed_mps = pos_param(c, "FPLATE", "BELT_SPEED");
	lab->have_first_sample = !u64_param(c, "FIRST_SAMPLE", &lab->first_sample);
	for (uint32_t i = 0; i < c->n_analog; i++)
		if (!strcmp(c->an_label[i], FP_C3D_SYNC_LABEL)) {
			lab->sync_channel = i;
			break;
		}
	if (lab->sync_channel < 0)
		return 0;
	/* a file started on a rising edge of bit 0 starts with an edge */
	str_param(c, "TRIGGER", lab->trigger, sizeof(lab->trigger));
	if (!strcmp(lab->trigger, "rising 0"))
		prev = 0;
	for (uint64_t s = 0; s < n; s++) {
		double w = fp_c3d_analog(c, s, (uint32_t)lab->sync_channel);
		int bit = isfinite(w) && ((uint32_t)w & 1u);

		if (prev == 0 && bit) {
			if (lab->n_edges == cap) {
				uint64_t *nb;

				cap = cap ? 2 * cap : 256;
				nb = realloc(lab->edges, cap * sizeof(*nb));
				if (!nb)
					return -ENOMEM;
				lab->edges = nb;
			}
			lab->edges[lab->n_edges++] = s;
		}
		prev = bit;
	}
	return 0;
}

void fpc_c3d_lab_free(struct fpc_c3d_lab *lab)
{
	free(lab->edges);
	lab->edges = NULL;
}

void fpc_c3d_lab_text(const struct fp_c3d *c, const struct fpc_c3d_lab *lab)
{
	if (lab->start_time[0])
		printf("start time:  %s (UTC of the first sample)\n", lab->start_time);
	if (lab->subject[0] || lab->session[0] || isfinite(lab->body_mass_kg)) {
		printf("subject:     %s, session %s", lab->subject[0] ? lab->subject : "-",
		       lab->session[0] ? lab->session : "-");
		if (isfinite(lab->body_mass_kg))
			printf(", body mass %g kg", lab->body_mass_kg);
		printf("\n");
	}
	if (lab->device[0])
		printf("device:      %s, serial %s, calibration %s, belt speed %s%.3g%s\n",
		       lab->device, lab->serial[0] ? lab->serial : "-",
		       lab->calib_id[0] ? lab->calib_id : "-",
		       isfinite(lab->belt_speed_mps) ? "" : "unknown",
		       isfinite(lab->belt_speed_mps) ? lab->belt_speed_mps : 0.0,
		       isfinite(lab->belt_speed_mps) ? " m/s" : "");
	if (lab->have_first_sample)
		printf("first sample: device index %llu%s%s\n", (unsigned long long)lab->first_sample,
		       lab->trigger[0] ? ", started on the sync edge " : "", lab->trigger);
	if (lab->sync_channel < 0)
		return;
	printf("sync:        channel %ld %s, %llu rising edges", lab->sync_channel + 1,
	       FP_C3D_SYNC_LABEL, (unsigned long long)lab->n_edges);
	if (lab->n_edges) {
		printf(", first at sample %llu (%.6f s)", (unsigned long long)lab->edges[0],
		       lab->edges[0] / c->analog_rate);
		if (lab->n_edges > 1)
			printf(", mean interval %.4f ms", 1e3 *
			       (double)(lab->edges[lab->n_edges - 1] - lab->edges[0]) /
			       (double)(lab->n_edges - 1) / c->analog_rate);
		printf("\n  edges at samples");
		for (uint64_t i = 0; i < lab->n_edges && i < 20; i++)
			printf(" %llu", (unsigned long long)lab->edges[i]);
		if (lab->n_edges > 20)
			printf(" ... (--json lists all)");
	}
	printf("\n");
}

void fpc_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void jopt_str(const char *key, const char *v)
{
	printf(",\"%s\":", key);
	if (v[0])
		fpc_json_str(v);
	else
		printf("null");
}

static void jopt_num(const char *key, double v)
{
	printf(",\"%s\":", key);
	if (isfinite(v))
		printf("%.10g", v);
	else
		printf("null");
}

void fpc_c3d_lab_json(const struct fp_c3d *c, const struct fpc_c3d_lab *lab)
{
	printf(",\"lab\":{\"start_time_ns\":");
	if (lab->start_time_ns)
		printf("%lld", (long long)lab->start_time_ns);
	else
		printf("null");
	jopt_str("start_time", lab->start_time);
	jopt_str("subject", lab->subject);
	jopt_str("session", lab->session);
	jopt_num("body_mass_kg", lab->body_mass_kg);
	jopt_num("belt_speed_mps", lab->belt_speed_mps);
	jopt_str("device", lab->device);
	jopt_str("serial", lab->serial);
	jopt_str("calibration", lab->calib_id);
	printf(",\"first_sample\":");
	if (lab->have_first_sample)
		printf("%llu", (unsigned long long)lab->first_sample);
	else
		printf("null");
	jopt_str("trigger", lab->trigger);
	printf("},\"sync\":");
	if (lab->sync_channel < 0) {
		printf("null");
		return;
	}
	printf("{\"channel\":%ld,\"rising_edges\":[", lab->sync_channel + 1);
	for (uint64_t i = 0; i < lab->n_edges; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)lab->edges[i]);
	printf("],\"rate_hz\":");
	printf("%.10g}", c->analog_rate);
}
