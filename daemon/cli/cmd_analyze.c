// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_analyze.c - `fplate analyze FILE.c3d`: run the gait module
 * (lib/gait.c) offline over a recording and print one record per step and
 * a summary per foot. Any device URI works too (sim://...&pace=fast with
 * --seconds), so the numbers are exactly those fplated publishes live.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/gait.h"
#include "fplate/wire.h"
#include "facing.h"
#include "opts.h"

int fp_cmd_analyze(int argc, char **argv);
const char fp_cmd_analyze_help[] = "steps and loading rates of a recording (C3D or any URI)";

struct analyze_opts {
	const char *source;
	long plate;                  /* 1-based file plate, 0: all */
	double belt_speed, cutoff, mass, seconds;
	int json, split, no_drift, zero, curves;
	int facing;                  /* +1, -1; 0 = detect (c3d://, sim://) */
	const char *export_fz;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate analyze FILE.c3d|URI [--plate N] [--belt-speed M/S] [--cutoff HZ]\n"
		"                      [--body-mass KG] [--split] [--no-drift] [--zero] [--seconds S]\n"
		"                      [--facing auto|+y|-y] [--export-fz FILE.csv]\n"
		"                      [--json [--curves]]\n\n"
		"%s.\n\n"
		"Runs the same step detector and metrics as fplated's `step` topic over the\n"
		"whole source and prints one line per step, then a summary per foot (mean, SD,\n"
		"count, L/R asymmetry). Definitions: docs/metrics.md.\n\n"
		"  --plate N          only force plate N of the file (1-based)\n"
		"  --belt-speed M/S   treadmill belt speed (default: from the source, else 0)\n"
		"  --cutoff HZ        zero-lag Butterworth cutoff for the force metrics (default\n"
		"                     50, lowered to 0.4 x rate for slow files)\n"
		"  --body-mass KG     body mass, as fplated's --body-mass (default: estimated from\n"
		"                     whole stride cycles); --mass is the same\n"
		"  --split            split-belt: plate 1 is the left foot, plate 2 the right\n"
		"  --no-drift         no drift correction from unloaded phases\n"
		"  --zero             subtract the file's FORCE_PLATFORM:ZERO baseline (C3D)\n"
		"  --seconds S        stop after S seconds of data (needed for live URIs)\n"
		"  --facing DIR       the runner's direction in the plate frame: +y (fplate's\n"
		"                     convention), -y, or auto (default): from the COP travel\n"
		"                     during stances (backward on a moving belt, forward\n"
		"                     overground); -y turns the frames 180 degrees about z\n"
		"  --export-fz FILE   also write the calibrated Fz analysed, CSV (sample, plates)\n"
		"  --json             one JSON object per line (the `step` topic's keys), then\n"
		"                     one \"summary\" object per foot\n"
		"  --curves           with --json: add each stance's time-normalised curves\n"
		"                     (101 points: Fz in BW, COP ML and AP in the foot frame,\n"
		"                     mm) as \"curves\" (scripts/fplate-report plots them)\n",
		fp_cmd_analyze_help);
}

enum { O_PLATE = FPC_KEY_OWN, O_BELT, O_CUTOFF, O_MASS, O_SPLIT, O_NO_DRIFT, O_ZERO,
       O_FACING, O_EXPORT_FZ, O_CURVES };

/* 0: run, 1: --help printed, -1: bad usage (message printed). */
static int parse_args(int argc, char **argv, struct analyze_opts *o)
{
	static const struct option opts[] = {
		{ "plate", required_argument, NULL, O_PLATE },
		{ "belt-speed", required_argument, NULL, O_BELT },
		{ "cutoff", required_argument, NULL, O_CUTOFF },
		{ "body-mass", required_argument, NULL, O_MASS },
		{ "mass", required_argument, NULL, O_MASS },
		{ "split", no_argument, NULL, O_SPLIT },
		{ "no-drift", no_argument, NULL, O_NO_DRIFT },
		{ "zero", no_argument, NULL, O_ZERO },
		{ "facing", required_argument, NULL, O_FACING },
		{ "export-fz", required_argument, NULL, O_EXPORT_FZ },
		{ "curves", no_argument, NULL, O_CURVES },
		FPC_OPT_SECONDS, FPC_OPT_JSON, FPC_OPT_HELP, FPC_OPT_END
	};
	long plate;
	int c;

	memset(o, 0, sizeof(*o));
	o->belt_speed = o->cutoff = NAN;
	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_JSON: o->json = 1; break;
		case O_CURVES: o->curves = 1; break;
		case O_SPLIT: o->split = 1; break;
		case O_NO_DRIFT: o->no_drift = 1; break;
		case O_ZERO: o->zero = 1; break;
		case O_FACING:
			if (strcmp(optarg, "auto") && strcmp(optarg, "+y") && strcmp(optarg, "-y")) {
				fprintf(stderr, "fplate analyze: --facing value '%s', expected auto, +y or -y\n",
					optarg);
				return -1;
			}
			o->facing = !strcmp(optarg, "+y") ? 1 : !strcmp(optarg, "-y") ? -1 : 0;
			break;
		case O_PLATE:
			if (fpc_opt_int("analyze", "--plate", optarg, 1, 64, &plate))
				return -1;
			o->plate = plate;
			break;
		case O_BELT:
			if (fpc_opt_double("analyze", "--belt-speed", optarg, 0, 30, &o->belt_speed))
				return -1;
			break;
		case O_CUTOFF:
			if (fpc_opt_double("analyze", "--cutoff", optarg, 1, 5000, &o->cutoff))
				return -1;
			break;
		case O_MASS:
			if (fpc_opt_double("analyze", "--body-mass", optarg, 1, 500, &o->mass))
				return -1;
			break;
		case FPC_KEY_SECONDS:
			if (fpc_opt_double("analyze", "--seconds", optarg, 0.01, 1e6, &o->seconds))
				return -1;
			break;
		case O_EXPORT_FZ: o->export_fz = optarg; break;
		case FPC_KEY_HELP: usage(stdout); return 1;
		default: return -1;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "fplate analyze: one source only ('%s' and '%s')\n", argv[optind],
			argv[optind + 1]);
		return -1;
	}
	o->source = optind < argc ? argv[optind] : NULL;
	if (o->curves && !o->json) {
		fprintf(stderr, "fplate analyze: --curves goes with --json\n");
		return -1;
	}
	if (!o->source) {
		fprintf(stderr, "fplate analyze: no FILE.c3d or URI given (fplate analyze --help)\n");
		return -1;
	}
	return 0;
}

/* A file name becomes c3d:///absolute/path?rate=fast[&plates=N][&zero=1]. */
static int source_uri(const struct analyze_opts *o, char *uri, size_t len)
{
	char abs[FP_URI_MAX], extra[64] = "";
	int n;

	if (strstr(o->source, "://")) {
		if (o->plate || o->zero) {
			fprintf(stderr, "fplate analyze: --plate and --zero apply to a C3D file name; "
				"with a URI use its plates= and zero= parameters\n");
			return -EINVAL;
		}
		n = snprintf(uri, len, "%s", o->source);
	}
	else {
		if (o->source[0] == '/')
			snprintf(abs, sizeof(abs), "%s", o->source);
		else if (!getcwd(abs, sizeof(abs)) ||
			 strlen(abs) + strlen(o->source) + 2 > sizeof(abs))
			return -ENAMETOOLONG;
		else
			strcat(strcat(abs, "/"), o->source);
		if (o->plate)
			snprintf(extra, sizeof(extra), "&plates=%ld", o->plate);
		n = snprintf(uri, len, "c3d://%s?rate=fast%s%s", abs, extra, o->zero ? "&zero=1" : "");
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

struct step_list {
	struct fp_step *v;
	size_t n, cap;
};

static int keep_step(struct step_list *l, const struct fp_step *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct fp_step *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

static void print_json(json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(FP_JSON_DIGITS));

	if (text)
		puts(text);
	free(text);
}

static void print_header(void)
{
	printf("%5s %-4s %5s %9s %7s %7s %8s %-4s %7s %9s %9s %7s  %s\n", "step", "foot", "plate",
	       "contact_s", "tc_ms", "flt_ms", "impact", "kind", "t_imp", "VALR", "VILR",
	       "active", "flags");
	printf("%5s %-4s %5s %9s %7s %7s %8s %-4s %7s %9s %9s %7s\n", "", "", "", "s", "ms", "ms",
	       "BW|N", "", "ms", "BW/s|N/s", "BW/s|N/s", "BW|N");
}

static void print_row(size_t i, const struct fp_step *s)
{
	int bw = isfinite(s->body_weight_n);
	char flags[160] = "";

	for (int b = 0; b < FP_STEP_NFLAGS; b++)
		if (s->flags & (1u << b)) {
			size_t l = strlen(flags);

			snprintf(flags + l, sizeof(flags) - l, "%s%s", l ? "," : "",
				 fp_step_flag_name(1u << b));
		}
	printf("%5zu %-4c %5u %9.3f %7.1f %7.1f %8.2f %-4s %7.1f %9.1f %9.1f %7.2f  %s\n",
	       i + 1, s->foot, s->plate + 1, s->contact_s, s->contact_time_ms, s->flight_time_ms,
	       bw ? s->impact_peak_bw : s->impact_peak_n, s->impact_virtual ? "13%" : "peak",
	       s->time_to_impact_ms, bw ? s->valr_bw_s : s->valr_n_s,
	       bw ? s->vilr_bw_s : s->vilr_n_s, bw ? s->active_peak_bw : s->active_peak_n, flags);
}

static void print_summary_text(json_t *sum)
{
	static const char *const keys[] = { "contact_time_ms", "flight_time_ms", "cadence_spm",
		"impact_peak_bw", "time_to_impact_ms", "valr_bw_s", "vilr_bw_s", "active_peak_bw",
		"valr_n_s", "cop_contact_ml_mm", "inroll_velocity_mm_s", "pushoff_medial_pct",
		"step_length_m", "vertical_oscillation_cm", NULL };
	json_t *asym = json_object_get(sum, "asymmetry_pct");

	printf("\n%s foot: %lld steps\n", json_string_value(json_object_get(sum, "summary")),
	       (long long)json_integer_value(json_object_get(sum, "steps")));
	for (int i = 0; keys[i]; i++) {
		json_t *m = json_object_get(sum, keys[i]), *a = json_object_get(asym, keys[i]);
		json_t *mean = json_object_get(m, "mean"), *sd = json_object_get(m, "sd");

		if (!json_is_number(mean))
			continue;
		printf("  %-26s %10.3f ± %-9.3f", keys[i], json_number_value(mean),
		       json_is_number(sd) ? json_number_value(sd) : 0.0);
		if (json_is_number(a))
			printf("  asymmetry %+.1f %%", json_number_value(a));
		putchar('\n');
	}
}

static int gait_config(const struct analyze_opts *o, const struct fp_info *info,
		       const struct fp_calib *cal, struct fp_gait_config *cfg)
{
	struct fp_gait_options opt;
	char msg[FP_MSG_MAX];
	int ret;

	fp_gait_options_default(&opt);
	opt.cutoff_hz = o->cutoff;
	opt.belt_speed_mps = o->belt_speed;
	opt.body_mass_kg = o->mass;
	opt.drift_correction = !o->no_drift;
	if (o->split) {
		if (info->plates != 2) {
			fprintf(stderr, "fplate analyze: --split needs 2 plates, the source has %u\n",
				info->plates);
			return -EINVAL;
		}
		opt.plate_foot[0] = 'L';
		opt.plate_foot[1] = 'R';
	}
	ret = fp_gait_config_build(cfg, info, cal, &opt, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate analyze: %s\n", msg);
		return ret;
	}
	if (cfg->cutoff_hz < (isnan(o->cutoff) ? 50.0 : o->cutoff))
		fprintf(stderr, "fplate analyze: %g Hz data: force cutoff lowered to %g Hz\n",
			info->rate_hz, cfg->cutoff_hz);
	return 0;
}

static int export_block(FILE *f, const struct fp_frames *fr)
{
	for (uint32_t i = 0; i < fr->n; i++) {
		fprintf(f, "%llu", (unsigned long long)(fr->first_sample + i));
		for (uint32_t p = 0; p < fr->plates; p++)
			fprintf(f, ",%.9g", fr->v[((size_t)i * fr->plates + p) * FP_NFIELDS + FP_FZ]);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static int run(const struct analyze_opts *o, struct fp_device *dev, struct step_list *steps)
{
	struct fp_info info;
	struct fp_calib cal, dev_cal;   /* dev_cal calibrates; cal (maybe turned) for the gait */
	struct fp_block blk = { 0 };
	struct fp_frames fr = { 0 };
	struct fp_gait_config cfg;
	struct fp_gait *g = NULL;
	struct fp_step s;
	FILE *fz = NULL;
	char msg[FP_MSG_MAX];
	uint64_t limit, done = 0;
	int ret;

	fp_info(dev, &info);
	if ((ret = fp_get_calibration(dev, &cal)) < 0) {
		fprintf(stderr, "fplate analyze: %s: no calibration (%s)\n", o->source, fp_strerror(ret));
		return ret;
	}
	dev_cal = cal;
	if (o->facing < 0)
		fp_facing_turn_calib(&cal);   /* the gait sees turned frames */
	if ((ret = gait_config(o, &info, &cal, &cfg)))
		return ret;
	if ((ret = fp_gait_open(&cfg, &g, msg, sizeof(msg)))) {
		fprintf(stderr, "fplate analyze: %s\n", ret == -EINVAL ? msg : fp_strerror(ret));
		return ret;
	}
	limit = o->seconds > 0 ? (uint64_t)(o->seconds * info.rate_hz) : UINT64_MAX;
	if (o->export_fz && !(fz = fopen(o->export_fz, "w"))) {
		fprintf(stderr, "fplate analyze: %s: %s\n", o->export_fz, strerror(errno));
		ret = -errno;
		goto out;
	}
	if ((ret = fp_block_init(&blk, &info, 4096)) || (ret = fp_frames_init(&fr, info.plates, 4096)) ||
	    (ret = fp_start(dev)))
		goto out;
	while (done < limit) {
		int n = fp_read(dev, &blk, 1000);

		if (n == -EPIPE)
			break;
		if (n < 0) {
			fprintf(stderr, "fplate analyze: %s: %s\n", o->source, fp_strerror(n));
			ret = n;
			goto out;
		}
		if ((ret = fp_calib_apply(&dev_cal, info.unit, &blk, &fr)) < 0)
			goto out;
		if (o->facing < 0)
			fp_facing_turn_frames(&fr);
		if ((fz && (ret = export_block(fz, &fr))) || (ret = fp_gait_push(g, &fr)) < 0)
			goto out;
		done += (uint64_t)n;
		while (fp_gait_next_step(g, &s))
			if ((ret = keep_step(steps, &s)))
				goto out;
	}
	fp_gait_flush(g);
	while (fp_gait_next_step(g, &s))
		if ((ret = keep_step(steps, &s)))
			goto out;
	ret = 0;
out:
	if (fz && fclose(fz) && !ret) {
		fprintf(stderr, "fplate analyze: %s: %s\n", o->export_fz, strerror(errno));
		ret = -EIO;
	}
	fp_stop(dev);
	fp_gait_close(g);
	fp_frames_release(&fr);
	fp_block_release(&blk);
	return ret < 0 ? ret : 0;
}

int fp_cmd_analyze(int argc, char **argv)
{
	struct analyze_opts o;
	struct step_list steps = { 0 };
	struct fp_device *dev;
	char uri[FP_URI_MAX + 64], msg[FP_MSG_MAX];
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : 2;
	if ((ret = source_uri(&o, uri, sizeof(uri)))) {
		if (ret == -ENAMETOOLONG)
			fprintf(stderr, "fplate analyze: '%s': path too long\n", o.source);
		return 2;
	}
	if ((ret = fp_open(uri, &dev, msg, sizeof(msg)))) {
		fprintf(stderr, "fplate analyze: %s\n", msg[0] ? msg : fp_strerror(ret));
		return 1;
	}
	if (!o.facing && (!strncmp(uri, "c3d://", 6) || !strncmp(uri, "sim://", 6))) {
		double dy;

		o.facing = fp_facing_detect(uri, o.belt_speed, 120.0, &dy);
		if (o.facing < 0)
			fprintf(stderr, "fplate analyze: the runner faces -y in this recording's plate "
				"frame (median COP travel %+.0f mm per stance%s): frames turned 180 "
				"degrees about z (--facing +y keeps them)\n", dy,
				fabs(dy) > 350 ? ", a moving belt" : "");
	}
	ret = run(&o, dev, &steps);
	fp_close(dev);
	if (ret) {
		free(steps.v);
		return 1;
	}
	if (!o.json)
		print_header();
	for (size_t i = 0; i < steps.n; i++) {
		if (o.json) {
			json_t *j = fp_step_to_json(&steps.v[i]);

			if (j && o.curves)
				json_object_set_new(j, "curves", fp_step_curves_json(&steps.v[i]));
			print_json(j);
			json_decref(j);
		} else {
			print_row(i, &steps.v[i]);
		}
	}
	for (const char *foot = "LR"; *foot; foot++) {
		json_t *sum = fp_gait_summary_json(steps.v, steps.n, *foot);

		if (sum && json_integer_value(json_object_get(sum, "steps")) > 0) {
			if (o.json)
				print_json(sum);
			else
				print_summary_text(sum);
		}
		json_decref(sum);
	}
	if (!o.json && !steps.n)
		printf("(no steps: no contact rose above the 50 N threshold and ended)\n");
	free(steps.v);
	return 0;
}
