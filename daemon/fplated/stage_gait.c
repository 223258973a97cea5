// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stage_gait.c - the gait analysis stage of fplated: feed every calibrated
 * block to the gait module (lib/gait/gait.c) and publish each completed step as
 * JSON on the `step` topic (keys and metrics_version: docs/metrics.md).
 * Its counters go into `status` under "gait".
 *
 * Configuration is the module's defaults (DESIGN §3) with the device's
 * calibration, so the COP of each step is recomputed from drift-corrected
 * forces; each stance's impact phase goes out on the `impact` topic as
 * soon as it is known, before the stance's step record (docs/wire-format.md);
 * left/right is classified from the COP in the common frame given
 * by the plates' corners (a split belt separates by itself). The control
 * socket's settings (belt speed, body mass, contact thresholds, cutoff)
 * and a new calibration or tare take effect by reopening the module with
 * the new configuration, after the steps already complete are published.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "fplated.h"
#include "fplate/gait.h"
#include "fplate/wire.h"

struct gait_stage {
	struct fp_gait *g;
	uint64_t published;
	uint64_t impacts;            /* impact events published */
	unsigned int generation;     /* of d->settings when opened */
};

/* [gait] feet against the device's plates. */
static int plate_feet(const struct fpd *d, struct fp_gait_options *opt, char *msg, size_t len)
{
	static const char *const names[] = { "auto", "LR", "RL", "L", "R" };
	int f = d->cfg.gait_feet;
	uint32_t need = f == FPD_FEET_LR || f == FPD_FEET_RL ? 2 : 1;

	if (f == FPD_FEET_AUTO)
		return 0;
	if (d->info.plates != need) {
		snprintf(msg, len, "[gait] feet = %s names %u plate%s, the device has %u",
			 names[f], need, need > 1 ? "s" : "", d->info.plates);
		return -EINVAL;
	}
	if (need == 2) {
		opt->plate_foot[0] = f == FPD_FEET_LR ? 'L' : 'R';
		opt->plate_foot[1] = f == FPD_FEET_LR ? 'R' : 'L';
	} else {
		opt->plate_foot[0] = f == FPD_FEET_L ? 'L' : 'R';
	}
	return 0;
}

/* The control socket's settings as gait options: 0 there means "default". */
static double set_or_nan(double v)
{
	return v > 0 ? v : NAN;
}

static int open_gait(struct fpd *d, struct gait_stage *st)
{
	const struct fpd_settings *set = &d->settings;
	struct fp_gait_options opt;
	struct fp_gait_config cfg;
	char msg[FP_MSG_MAX];
	int ret;

	fp_gait_options_default(&opt);
	opt.cutoff_hz = set_or_nan(set->cutoff_hz);
	opt.cop_cutoff_hz = set_or_nan(set->cop_cutoff_hz);
	opt.on_n = set_or_nan(set->contact_on_n);
	opt.off_n = set_or_nan(set->contact_off_n);
	opt.body_mass_kg = set->body_mass_kg;
	opt.belt_speed_mps = set->belt_speed_mps;   /* NaN: from the frames */
	ret = plate_feet(d, &opt, msg, sizeof(msg));
	if (!ret)
		ret = fp_gait_config_build(&cfg, &d->info, &d->cal, &opt, msg, sizeof(msg));
	if (!ret)
		ret = fp_gait_open(&cfg, &st->g, msg, sizeof(msg));
	if (ret)
		fpd_err("gait: %s", ret == -EINVAL ? msg : fp_strerror(ret));
	st->generation = set->generation;
	return ret;
}

static int gait_init(struct fpd *d, void **priv)
{
	struct gait_stage *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	ret = open_gait(d, st);
	if (ret) {
		free(st);
		return ret;
	}
	*priv = st;
	return 0;
}

static void publish_steps(struct fpd *d, struct gait_stage *st)
{
	struct fp_impact e;
	struct fp_step s;

	/* impacts first: an event always precedes its stance's record */
	while (fp_gait_next_impact(st->g, &e)) {
		json_t *j = fp_impact_to_json(&e);

		/* the run it belongs to, as in the force frames and the status */
		if (j)
			json_object_set_new(j, "stream_id", json_integer(d->stream_id));
		if (j && fpd_publish_json(d, FP_TOPIC_IMPACT, j) >= 0)
			st->impacts++;
		json_decref(j);
	}

	while (fp_gait_next_step(st->g, &s)) {
		json_t *j = fp_step_to_json(&s);

		/* every message on the wire names its type and message version
		 * (docs/wire-format.md); metrics_version versions the metrics */
		if (j) {
			json_object_set_new(j, "type", json_string("step"));
			json_object_set_new(j, "version", json_integer(1));
			json_object_set_new(j, "stream_id", json_integer(d->stream_id));
		}
		if (j && fpd_publish_json(d, FP_TOPIC_STEP, j) >= 0)
			st->published++;
		json_decref(j);
	}
}

static void gait_frames(struct fpd *d, void *priv, const struct fp_block *blk,
			const struct fp_frames *f)
{
	struct gait_stage *st = priv;

	(void)blk;
	if (!st)                                 /* init was not run */
		return;
	if (st->generation != d->settings.generation) {
		/* new settings or calibration: finish with the old, go on with the new */
		fp_gait_flush(st->g);
		publish_steps(d, st);
		fp_gait_close(st->g);
		st->g = NULL;
		if (open_gait(d, st))
			return;
	}
	if (st->g && fp_gait_push(st->g, f) >= 0)
		publish_steps(d, st);
}

static void gait_status(struct fpd *d, void *priv, json_t *status)
{
	struct gait_stage *st = priv;
	struct fp_gait_stats gs;
	json_t *o, *off;

	if (!st || !st->g)
		return;
	o = json_object();
	off = json_array();
	fp_gait_get_stats(st->g, &gs);
	for (uint32_t p = 0; p < d->info.plates; p++) {
		double v = fp_gait_offset(st->g, p);

		json_array_append_new(off, isfinite(v) ? json_real(v) : json_null());
	}
	json_object_set_new(o, "metrics_version", json_integer(FP_METRICS_VERSION));
	json_object_set_new(o, "steps", json_integer((json_int_t)gs.steps));
	json_object_set_new(o, "published", json_integer((json_int_t)st->published));
	json_object_set_new(o, "impacts", json_integer((json_int_t)st->impacts));
	json_object_set_new(o, "impacts_in_stance", json_integer((json_int_t)gs.impacts_in_stance));
	json_object_set_new(o, "rejected", json_integer((json_int_t)gs.rejected));
	json_object_set_new(o, "dropped", json_integer((json_int_t)gs.dropped));
	json_object_set_new(o, "offset_n", off);
	json_object_set_new(status, "gait", o);
}

static void gait_fini(struct fpd *d, void *priv)
{
	struct gait_stage *st = priv;

	if (!st)
		return;
	if (!st->g) {
		free(st);
		return;
	}
	/* the source ended or we stop: the last steps are complete now */
	fp_gait_flush(st->g);
	publish_steps(d, st);
	fp_gait_close(st->g);
	free(st);
}

const struct fpd_stage fpd_stage_gait = {
	.name = "gait",
	.init = gait_init,
	.frames = gait_frames,
	.status = gait_status,
	.fini = gait_fini,
};
