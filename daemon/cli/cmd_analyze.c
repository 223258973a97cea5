// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_analyze.c - `fplate analyze FILE.c3d`: run the gait module
 * (lib/gait/gait.c) offline over a recording and print one record per step and
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
#include "fplate/c3d.h"
#include "fplate/calib.h"
#include "fplate/gait.h"
#include "fplate/wire.h"
#include "facing.h"
#include "c3d_lab.h"
#include "client.h"
#include "opts.h"

int fp_cmd_analyze(int argc, char **argv);
const char fp_cmd_analyze_help[] = "steps and loading rates of a recording (C3D or any URI)";

struct analyze_opts {
	const char *source;
	long plate;                  /* 1-based file plate, 0: all */
	double belt_speed, cutoff, mass, seconds;
	double toe_out[2];           /* NaN: direction of travel */
	int json, split, no_drift, zero, curves, no_markers, action;
	const char *plate_list;      /* c3d plates= of this pass (more than 4 plates) */
	double fz_min, fz_max;       /* over every plate and sample analysed */
	struct fp_gait_markers markers; /* from the C3D file's POINT data */
	int have_markers;
	int facing;                  /* +1, -1; 0 = detect (c3d://, sim://) */
	const char *export_fz;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate analyze FILE.c3d|URI [--plate N] [--belt-speed M/S] [--cutoff HZ]\n"
		"                      [--body-mass KG] [--split] [--no-drift] [--zero] [--seconds S]\n"
		"                      [--facing auto|+y|-y] [--toe-out DEG[,DEG]]\n"
		"                      [--no-markers] [--action] [--export-fz FILE.csv]\n"
		"                      [--json [--curves]]\n\n"
		"%s.\n\n"
		"Runs the same step detector and metrics as fplated's `step` topic over the\n"
		"whole source and prints one line per step, then a summary per foot (mean, SD,\n"
		"count, L/R asymmetry). Definitions: docs/metrics.md.\n\n"
		"  --plate N          only force plate N of the file (1-based)\n"
		"  --belt-speed M/S   treadmill belt speed, 0 overground (default: from the\n"
		"                     source; unknown: AP path, step length null, no_belt_speed)\n"
		"  --toe-out DEG[,DEG] foot axis without foot markers: toe-out of both feet, or\n"
		"                     left,right (default: the direction of travel)\n"
		"  --cutoff HZ        zero-lag Butterworth cutoff for the force metrics (default\n"
		"                     50, lowered to 0.4 x rate for slow files)\n"
		"  --body-mass KG     body mass, as fplated's --body-mass (default: the file's\n"
		"                     FPLATE:BODY_MASS or PROCESSING:Bodymass, else estimated\n"
		"                     from whole stride cycles); --mass is the same\n"
		"  --split            split-belt: plate 1 is the left foot, plate 2 the right\n"
		"  --no-drift         no drift correction from unloaded phases\n"
		"  --zero             subtract the file's FORCE_PLATFORM:ZERO baseline (C3D)\n"
		"  --action           the C3D file stores the action force (the force on the\n"
		"                     plate, Fz < 0 under load, as Kistler's software can):\n"
		"                     negate it\n"
		"  --seconds S        stop after S seconds of data (needed for live URIs)\n"
		"  --facing DIR       the runner's direction in the plate frame: +y (fplate's\n"
		"                     convention), -y, or auto (default): from the COP travel\n"
		"                     during stances (backward on a moving belt, forward\n"
		"                     overground); -y turns the frames 180 degrees about z\n"
		"  --no-markers       ignore the C3D file's foot markers (by default a one-plate\n"
		"                     file with heel and metatarsal-head markers per foot gets\n"
		"                     an anatomical foot frame and pushoff_mt_fraction)\n"
		"  --export-fz FILE   also write the calibrated Fz analysed, CSV (sample, plates)\n"
		"  --json             one JSON object per line (the `step` topic's keys), then\n"
		"                     one \"summary\" object per foot\n"
		"  --curves           with --json: add each stance's time-normalised curves\n"
		"                     (101 points: Fz in BW, COP ML and AP in the foot frame,\n"
		"                     mm) as \"curves\" (scripts/fplate-report plots them)\n",
		fp_cmd_analyze_help);
}

enum { O_PLATE = FPC_KEY_OWN, O_BELT, O_CUTOFF, O_MASS, O_SPLIT, O_NO_DRIFT, O_ZERO,
       O_FACING, O_EXPORT_FZ, O_CURVES, O_TOE_OUT, O_ACTION, O_NO_MARKERS };

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
		{ "toe-out", required_argument, NULL, O_TOE_OUT },
		{ "action", no_argument, NULL, O_ACTION },
		{ "no-markers", no_argument, NULL, O_NO_MARKERS },
		FPC_OPT_SECONDS, FPC_OPT_JSON, FPC_OPT_HELP, FPC_OPT_END
	};
	long plate;
	int c;

	memset(o, 0, sizeof(*o));
	o->belt_speed = o->cutoff = NAN;
	o->toe_out[0] = o->toe_out[1] = NAN;
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
		case O_ACTION: o->action = 1; break;
		case O_NO_MARKERS: o->no_markers = 1; break;
		case O_TOE_OUT: {
			char *end;

			o->toe_out[0] = strtod(optarg, &end);
			o->toe_out[1] = *end == ',' ? strtod(end + 1, &end) : o->toe_out[0];
			if (*end || !(fabs(o->toe_out[0]) <= FP_GAIT_MAX_TOE_OUT_DEG) ||
			    !(fabs(o->toe_out[1]) <= FP_GAIT_MAX_TOE_OUT_DEG)) {
				fprintf(stderr, "fplate analyze: --toe-out value '%s', expected degrees "
					"in -%g..%g, or left,right\n", optarg,
					FP_GAIT_MAX_TOE_OUT_DEG, FP_GAIT_MAX_TOE_OUT_DEG);
				return -1;
			}
			break;
		}
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
		if (o->plate || o->zero || o->action) {
			fprintf(stderr, "fplate analyze: --plate, --zero and --action apply to a C3D file "
				"name; with a URI use its plates=, zero= and action= parameters\n");
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
		else if (o->plate_list)
			snprintf(extra, sizeof(extra), "&plates=%s", o->plate_list);
		n = snprintf(uri, len, "c3d://%s?rate=fast%s%s%s", abs, extra, o->zero ? "&zero=1" : "",
			     o->action ? "&action=1" : "");
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
		"pushoff_mt_fraction", "foot_progression_deg", "transient_peak_n",
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
	opt.toe_out_deg[0] = o->toe_out[0];
	opt.toe_out_deg[1] = o->toe_out[1];
	opt.markers = o->have_markers && info->plates == 1 ? &o->markers : NULL;
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
	if (isnan(o->cutoff) && cfg->cutoff_hz < 50.0)
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

static int run(struct analyze_opts *o, struct fp_device *dev, struct step_list *steps)
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
	if ((ret = fp_block_init(&blk, &info, 4096)) || (ret = fp_frames_init(&fr, info.plates, 4096)))
		goto out;
	fp_cli_prefault_io(&blk, &fr);
	if ((ret = fp_start(dev)))
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
		for (size_t k = 0; k < (size_t)fr.n * fr.plates; k++) {
			double f = fr.v[k * FP_NFIELDS + FP_FZ];

			if (isfinite(f)) {
				o->fz_min = fmin(o->fz_min, f);
				o->fz_max = fmax(o->fz_max, f);
			}
		}
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

/* C3D files with more plates than one analysis takes are analysed in groups. */
#define FP_C3D_MAX_ANALYSED 64
struct plate_group {
	char list[64];                 /* c3d:// plates= value */
	uint32_t plate[FP_MAX_PLATES]; /* 0-based file plate of each analysed plate */
};

static int by_contact(const void *pa, const void *pb)
{
	const struct fp_step *a = pa, *b = pb;

	if (a->contact_sample != b->contact_sample)
		return a->contact_sample < b->contact_sample ? -1 : 1;
	return (a->plate > b->plate) - (a->plate < b->plate);
}

/*
 * A C3D file name without --plate whose file has more computable force
 * plates than a device carries (FP_MAX_PLATES): every plate is analysed,
 * FP_MAX_PLATES at a time, and said so; *n = 1 (one pass) otherwise.
 */
static int file_plate_groups(struct analyze_opts *o, struct plate_group *g, int *n)
{
	struct fp_c3d *c3d;
	char msg[FP_MSG_MAX];
	uint32_t np = 0;

	*n = 1;
	if (o->plate || strstr(o->source, "://") || fp_c3d_open(o->source, &c3d, msg, sizeof(msg)))
		return 0;
	for (uint32_t p = 0; p < c3d->n_plates && p < FP_C3D_MAX_ANALYSED; p++) {
		struct plate_group *cur = &g[np / FP_MAX_PLATES];
		size_t l;

		if (c3d->plate[p].type < 1 || c3d->plate[p].type > 4)
			continue;
		if (np % FP_MAX_PLATES == 0)
			cur->list[0] = '\0';
		l = strlen(cur->list);
		snprintf(cur->list + l, sizeof(cur->list) - l, "%s%u", l ? "," : "", p + 1);
		cur->plate[np % FP_MAX_PLATES] = p;
		np++;
	}
	fp_c3d_free(c3d);
	if (np <= FP_MAX_PLATES)
		return 0;
	*n = (int)((np + FP_MAX_PLATES - 1) / FP_MAX_PLATES);
	if (o->export_fz || o->split) {
		fprintf(stderr, "fplate analyze: %s has %u force plates, more than the %d one pass "
			"takes: --export-fz and --split need --plate N\n", o->source, np, FP_MAX_PLATES);
		return -EINVAL;
	}
	fprintf(stderr, "fplate analyze: %s has %u force plates: analysed %d at a time (plates",
		o->source, np, FP_MAX_PLATES);
	for (int i = 0; i < *n; i++)
		fprintf(stderr, " %s%s", g[i].list, i + 1 < *n ? ";" : "");
	fprintf(stderr, "); step and flight time, body weight and left/right are computed "
		"within each group\n");
	return 0;
}

/* One pass over the source (or one group of its plates) into steps. */
static int analyse_source(struct analyze_opts *o, struct step_list *steps)
{
	struct fp_device *dev;
	char uri[FP_URI_MAX + 64], msg[FP_MSG_MAX];
	int ret;

	if ((ret = source_uri(o, uri, sizeof(uri)))) {
		if (ret == -ENAMETOOLONG)
			fprintf(stderr, "fplate analyze: '%s': path too long\n", o->source);
		return -ENAMETOOLONG;
	}
	if ((ret = fp_open(uri, &dev, msg, sizeof(msg)))) {
		fprintf(stderr, "fplate analyze: %s\n", msg[0] ? msg : fp_strerror(ret));
		return ret;
	}
	if (!o->facing && (!strncmp(uri, "c3d://", 6) || !strncmp(uri, "sim://", 6))) {
		double dy;

		o->facing = fp_facing_detect(uri, o->belt_speed, 120.0, &dy);
		if (o->facing < 0)
			fprintf(stderr, "fplate analyze: the runner faces -y in this recording's plate "
				"frame (median COP travel %+.0f mm per stance%s): frames turned 180 "
				"degrees about z (--facing +y keeps them)\n", dy,
				fabs(dy) > 350 ? ", a moving belt" : "");
	}
	if (!o->no_markers && !strstr(o->source, "://")) {
		/* a one-plate C3D file with foot markers: anatomical foot frame */
		struct fp_c3d *c3d;

		if (fp_c3d_open(o->source, &c3d, msg, sizeof(msg)) == 0) {
			uint32_t plate = o->plate ? (uint32_t)o->plate - 1 : 0;

			if ((o->plate || c3d->n_plates == 1) &&
			    fp_gait_markers_from_c3d(c3d, plate, o->facing < 0, &o->markers, msg,
						     sizeof(msg)) == 0) {
				o->have_markers = 1;
				fprintf(stderr, "fplate analyze: foot markers found: anatomical foot "
					"frame (--no-markers ignores them)\n");
			}
			fp_c3d_free(c3d);
		}
	}
	ret = run(o, dev, steps);
	fp_gait_markers_release(&o->markers);
	o->have_markers = 0;
	fp_close(dev);
	return ret;
}

/*
 * A C3D file's lab metadata (c3d_lab.c): its body mass stands in for --mass,
 * and subject, session and start time go with the summary (JSON) or above
 * the table, so the report can say which recording this was.
 */
static const char *rec_str(json_t *rec, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s ? s : def;
}

static json_t *recording_json(struct analyze_opts *o)
{
	struct fp_c3d *c;
	struct fpc_c3d_lab lab = { .sync_channel = -1 };
	char msg[FP_MSG_MAX];
	json_t *r;

	if (strstr(o->source, "://") || fp_c3d_open(o->source, &c, msg, sizeof(msg)))
		return NULL; /* not a file name; fp_open() reports unreadable files */
	if (fpc_c3d_lab_read(c, &lab)) {
		fp_c3d_free(c);
		return NULL;
	}
	if (!(o->mass > 0) && isfinite(lab.body_mass_kg)) {
		o->mass = lab.body_mass_kg;
		fprintf(stderr, "fplate analyze: body mass %g kg from %s (--mass overrides)\n",
			o->mass, o->source);
	}
	r = json_object();
	if (lab.subject[0])
		json_object_set_new(r, "subject", json_string(lab.subject));
	if (lab.session[0])
		json_object_set_new(r, "session", json_string(lab.session));
	if (lab.start_time_ns) {
		json_object_set_new(r, "start_time", json_string(lab.start_time));
		json_object_set_new(r, "start_time_ns", json_integer(lab.start_time_ns));
	}
	if (isfinite(lab.body_mass_kg))
		json_object_set_new(r, "body_mass_kg", json_real(lab.body_mass_kg));
	if (isfinite(lab.belt_speed_mps))
		json_object_set_new(r, "belt_speed_mps", json_real(lab.belt_speed_mps));
	if (lab.trigger[0])
		json_object_set_new(r, "trigger", json_string(lab.trigger));
	if (lab.sync_channel >= 0)
		json_object_set_new(r, "sync_edges", json_integer((json_int_t)lab.n_edges));
	fpc_c3d_lab_free(&lab);
	fp_c3d_free(c);
	if (!json_object_size(r)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

int fp_cmd_analyze(int argc, char **argv)
{
	struct analyze_opts o;
	struct step_list steps = { 0 };
	struct plate_group groups[(FP_C3D_MAX_ANALYSED + FP_MAX_PLATES - 1) / FP_MAX_PLATES];
	json_t *rec = NULL;
	int ret, ngroups = 1;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : 2;
	o.fz_min = INFINITY;
	o.fz_max = -INFINITY;
	fpc_guard_mapped("analyze", o.source);
	if (file_plate_groups(&o, groups, &ngroups))
		return 2;
	rec = recording_json(&o);
	ret = 0;
	for (int gi = 0; !ret && gi < ngroups; gi++) {
		size_t first = steps.n;

		o.plate_list = ngroups > 1 ? groups[gi].list : NULL;
		ret = analyse_source(&o, &steps);
		for (size_t i = first; i < steps.n && ngroups > 1; i++)
			steps.v[i].plate = groups[gi].plate[steps.v[i].plate];
	}
	if (!ret && fpc_guard_check())
		ret = -EIO;
	if (ret) {
		free(steps.v);
		json_decref(rec);
		return ret == -ENAMETOOLONG ? 2 : 1;
	}
	if (ngroups > 1)                  /* one list in time, as one pass would give */
		qsort(steps.v, steps.n, sizeof(*steps.v), by_contact);
	if (!o.json && rec) {
		json_t *v;

		printf("recording: subject %s, session %s, started %s",
		       rec_str(rec, "subject", "-"), rec_str(rec, "session", "-"),
		       rec_str(rec, "start_time", "(time unknown)"));
		if ((v = json_object_get(rec, "body_mass_kg")))
			printf(", body mass %g kg", json_number_value(v));
		printf("\n");
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
			if (rec)
				json_object_set(sum, "recording", rec);
			if (o.json)
				print_json(sum);
			else
				print_summary_text(sum);
		}
		json_decref(sum);
	}
	if (!steps.n && o.fz_min < -4 * 50.0 && o.fz_max < 50.0)
		fprintf(stderr, "fplate analyze: %s: Fz goes down to %.0f N and never reaches the "
			"50 N contact threshold: the file seems to store the action force (the force "
			"on the plate, Fz < 0 under load, as Kistler's software can). Read it with "
			"--action (c3d:// URIs: action=1)\n", o.source, o.fz_min);
	if (!o.json && !steps.n)
		printf("(no steps: no contact rose above the 50 N threshold and ended)\n");
	free(steps.v);
	json_decref(rec);
	return 0;
}
