// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_dump.c - every step and impact record of the gait module, exactly,
 * for comparing two builds (tests/reference/gait_identity.sh, `make
 * gait-identity BASE=REV`).
 *
 * Reads SECONDS of URI through its calibration into memory, optionally
 * puts a NaN into Fz every N-th sample (as a dropped value would), then
 * pushes the frames through fp_gait_push() BLOCK samples at a time and
 * prints one JSON line per record: {"step": {...}} with its curves, or
 * {"impact": {...}}, with 17 significant digits, which round-trip every
 * double: two builds print the same lines exactly when their records hold
 * the same bits in every exported field. A change below fplate analyze's
 * printed digits shows here.
 *
 * usage: gait_dump URI SECONDS BLOCK [drift=0|1] [mass=KG] [nan_every=N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/gait.h"
#include "read_frames.h"

static void emit(const char *kind, json_t *j)
{
	json_t *line = json_object();
	char *s;

	json_object_set_new(line, kind, j);
	s = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	puts(s ? s : "null");
	free(s);
	json_decref(line);
}

static void drain(struct fp_gait *g, unsigned long *ns, unsigned long *ni)
{
	struct fp_step s;
	struct fp_impact im;

	while (fp_gait_next_impact(g, &im) > 0) {
		emit("impact", fp_impact_to_json(&im));
		++*ni;
	}
	while (fp_gait_next_step(g, &s) > 0) {
		json_t *j = fp_step_to_json(&s);

		json_object_set_new(j, "curves", fp_step_curves_json(&s));
		emit("step", j);
		++*ns;
	}
}

int main(int argc, char **argv)
{
	struct fp_frames all, view;
	struct fp_info info;
	struct fp_calib cal;
	struct fp_gait_config cfg;
	struct fp_gait *g;
	char msg[FP_MSG_MAX];
	unsigned long ns = 0, ni = 0;
	long nan_every = 0;
	uint32_t block;

	if (argc < 4 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 4 ? stderr : stdout,
			"usage: gait_dump URI SECONDS BLOCK [drift=0|1] [mass=KG] [nan_every=N]\n"
			"Every step and impact record of the gait module as JSON lines with\n"
			"17 significant digits (tests/reference/gait_identity.sh).\n");
		return argc < 4 ? 2 : 0;
	}
	block = (uint32_t)atol(argv[3]);
	if (!block || ref_read_frames("gait_dump", argv[1], atof(argv[2]), &all, &info, &cal))
		return 1;
	fp_gait_config_default(&cfg, info.plates, info.rate_hz);
	cfg.calib = &cal;
	for (int i = 4; i < argc; i++) {
		if (!strncmp(argv[i], "drift=", 6))
			cfg.drift_correction = atoi(argv[i] + 6);
		else if (!strncmp(argv[i], "mass=", 5))
			cfg.body_mass_kg = atof(argv[i] + 5);
		else if (!strncmp(argv[i], "nan_every=", 10))
			nan_every = atol(argv[i] + 10);
		else {
			fprintf(stderr, "gait_dump: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	for (uint64_t i = 777; nan_every > 0 && i < all.n; i += (uint64_t)nan_every)
		all.v[i * info.plates * FP_NFIELDS + FP_FZ] = NAN;
	if (fp_gait_open(&cfg, &g, msg, sizeof(msg))) {
		fprintf(stderr, "gait_dump: %s\n", msg);
		return 1;
	}
	view = all;
	for (uint32_t i = 0; i < all.n; i += block) {
		view.first_sample = i;
		view.n = all.n - i < block ? all.n - i : block;
		view.v = all.v + (size_t)i * info.plates * FP_NFIELDS;
		fp_gait_push(g, &view);
		drain(g, &ns, &ni);
	}
	fp_gait_flush(g);
	drain(g, &ns, &ni);
	fprintf(stderr, "gait_dump: %lu steps, %lu impacts\n", ns, ni);
	fp_gait_close(g);
	fp_frames_release(&all);
	return 0;
}
