// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_c3d_info.c - `fplate c3d-info FILE [--json] [--stats] [--params] [--csv]`:
 * what a C3D file holds (rates, frames, analog channels, force plates,
 * events, parameters, or the analog data as CSV), or one line saying why it
 * cannot be read.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fplate/c3d.h"
#include "c3d_lab.h"
#include "client.h"
#include "opts.h"

int fp_cmd_c3d_info(int argc, char **argv);
const char fp_cmd_c3d_info_help[] = "show rates, channels and force plates of a C3D file";

static const char *proc_name(int p)
{
	return p == FP_C3D_INTEL ? "Intel" : p == FP_C3D_DEC ? "DEC" : "MIPS";
}

static void jnum(double v)
{
	if (isfinite(v))
		printf("%.10g", v);
	else
		printf("null");
}

/*
 * Mean lab-frame force of a plate over the whole file (--stats). Samples
 * without a value (NaN: the gaps fplate record writes) are left out; one
 * of them used to turn the mean into NaN and restart the peak.
 */
static void plate_means(const struct fp_c3d *c, uint32_t p, double mean_f[3], double *fz_max)
{
	struct fp_c3d_fp_sample s;
	uint64_t n = fp_c3d_analog_samples(c), used = 0;

	mean_f[0] = mean_f[1] = mean_f[2] = 0;
	*fz_max = NAN;
	for (uint64_t i = 0; i < n; i++) {
		if (fp_c3d_fp_sample(c, p, i, 0, 20.0, &s))
			break;
		if (!isfinite(s.plate[FP_FZ]) || !isfinite(s.lab_f[0] + s.lab_f[1] + s.lab_f[2]))
			continue;
		for (int k = 0; k < 3; k++)
			mean_f[k] += s.lab_f[k];
		if (!(*fz_max >= s.plate[FP_FZ]))
			*fz_max = s.plate[FP_FZ];
		used++;
	}
	for (int k = 0; k < 3; k++)
		mean_f[k] = used ? mean_f[k] / (double)used : NAN;
}

/* A parameter's values: strings for CHAR, numbers otherwise (first 1000). */
static void print_param_json(const struct fp_c3d_param *p)
{
	char buf[256];

	printf("[");
	if (p->type == FP_C3D_CHAR) {
		uint32_t slen = p->ndim ? p->dim[0] : p->count;
		uint32_t n = p->ndim <= 1 ? 1 : (slen ? p->count / slen : 0);

		for (uint32_t i = 0; i < n && i < 1000; i++) {
			fp_c3d_param_str(p, i, buf, sizeof(buf));
			printf("%s", i ? "," : "");
			fpc_json_str(buf);
		}
	} else {
		for (uint32_t i = 0; i < p->count && i < 1000; i++) {
			printf("%s", i ? "," : "");
			jnum(fp_c3d_param_num(p, i));
		}
	}
	printf("]");
}

static void print_params_text(const struct fp_c3d *c)
{
	char buf[256];

	printf("parameters: %u in %u groups\n", c->n_params, c->n_groups);
	for (uint32_t i = 0; i < c->n_params; i++) {
		const struct fp_c3d_param *p = &c->params[i];

		printf("  %s:%s", p->group, p->name);
		if (p->type == FP_C3D_CHAR) {
			fp_c3d_param_str(p, 0, buf, sizeof(buf));
			printf(" = '%s'%s\n", buf, p->ndim > 1 && p->dim[1] > 1 ? " ..." : "");
			continue;
		}
		printf(" =");
		for (uint32_t k = 0; k < p->count && k < 8; k++)
			printf(" %g", fp_c3d_param_num(p, k));
		printf("%s\n", p->count > 8 ? " ..." : "");
	}
}

static void print_json(const struct fp_c3d *c, const struct fpc_c3d_lab *lab, int stats,
		       int params)
{
	printf("{\"file\":");
	fpc_json_str(c->name);
	printf(",\"processor\":\"%s\",\"storage\":\"%s\",\"point_rate\":",
	       proc_name(c->processor), c->is_float ? "REAL" : "INT");
	jnum(c->point_rate);
	printf(",\"analog_rate\":");
	jnum(c->analog_rate);
	printf(",\"first_frame\":%u,\"frames\":%u,\"points\":%u,\"analog_per_frame\":%u,"
	       "\"analog_samples\":%llu,\"gen_scale\":", c->first_frame, c->n_frames,
	       c->n_points, c->analog_spf, (unsigned long long)fp_c3d_analog_samples(c));
	jnum(c->gen_scale);
	printf(",\"channels\":[");
	for (uint32_t i = 0; i < c->n_analog; i++) {
		printf("%s{\"label\":", i ? "," : "");
		fpc_json_str(c->an_label[i]);
		printf(",\"units\":");
		fpc_json_str(c->an_units[i]);
		printf(",\"scale\":");
		jnum(c->an_scale[i]);
		printf(",\"offset\":");
		jnum(c->an_offset[i]);
		printf("}");
	}
	printf("],\"plates\":[");
	for (uint32_t p = 0; p < c->n_plates; p++) {
		const struct fp_c3d_plate *pl = &c->plate[p];

		printf("%s{\"type\":%d,\"channels\":[", p ? "," : "", pl->type);
		for (uint32_t k = 0; k < pl->nch && pl->type >= 1 && pl->type <= 4; k++)
			printf("%s%u", k ? "," : "", pl->channel[k] + 1);
		printf("],\"corners\":[");
		for (int k = 0; k < 12; k++) {
			printf("%s", k ? "," : "");
			jnum(pl->corners[k / 3][k % 3]);
		}
		printf("],\"origin\":[");
		for (int k = 0; k < 3; k++) {
			printf("%s", k ? "," : "");
			jnum(pl->origin_file[k]);
		}
		printf("],\"origin_negated\":%s,\"zero\":[%d,%d]",
		       pl->origin_negated ? "true" : "false", pl->zero[0], pl->zero[1]);
		if (stats) {
			double m[3], fz_max;

			plate_means(c, p, m, &fz_max);
			printf(",\"lab_mean_f\":[");
			for (int k = 0; k < 3; k++) {
				printf("%s", k ? "," : "");
				jnum(m[k]);
			}
			printf("],\"fz_max\":");
			jnum(fz_max);
		}
		printf("}");
	}
	printf("],\"events\":[");
	for (uint32_t i = 0; i < c->n_events; i++) {
		printf("%s{\"time_s\":", i ? "," : "");
		jnum(c->events[i].time_s);
		printf(",\"context\":");
		fpc_json_str(c->events[i].context);
		printf(",\"label\":");
		fpc_json_str(c->events[i].label);
		printf("}");
	}
	printf("]");
	fpc_c3d_lab_json(c, lab);
	if (params) {
		printf(",\"parameters\":{");
		for (uint32_t i = 0; i < c->n_params; i++) {
			const struct fp_c3d_param *p = &c->params[i];
			char key[2 * FP_C3D_NAME_MAX + 2];

			snprintf(key, sizeof(key), "%s:%s", p->group, p->name);
			printf("%s", i ? "," : "");
			fpc_json_str(key);
			printf(":");
			print_param_json(p);
		}
		printf("}");
	}
	printf("}\n");
}

static void print_text(const struct fp_c3d *c, const struct fpc_c3d_lab *lab, int stats,
		       int params)
{
	printf("file:        %s\n", c->name);
	printf("format:      %s %s\n", proc_name(c->processor), c->is_float ? "REAL" : "INT");
	printf("point rate:  %g Hz, %u points\n", c->point_rate, c->n_points);
	printf("analog rate: %g Hz (%u samples per frame), %u channels\n", c->analog_rate,
	       c->analog_spf, c->n_analog);
	printf("frames:      %u (first %u), %.3f s\n", c->n_frames, c->first_frame,
	       c->point_rate > 0 ? c->n_frames / c->point_rate : 0.0);
	printf("channels:\n");
	for (uint32_t i = 0; i < c->n_analog; i++)
		printf("  %3u %-16s %-6s scale %-12g offset %g\n", i + 1, c->an_label[i],
		       c->an_units[i], c->an_scale[i] * c->gen_scale, c->an_offset[i]);
	printf("force plates: %u\n", c->n_plates);
	for (uint32_t p = 0; p < c->n_plates; p++) {
		const struct fp_c3d_plate *pl = &c->plate[p];

		printf("  plate %u: type %d, channels", p + 1, pl->type);
		for (uint32_t k = 0; k < pl->nch && pl->type >= 1 && pl->type <= 4; k++)
			printf(" %u", pl->channel[k] + 1);
		printf("\n    corners");
		for (int k = 0; k < 4; k++)
			printf(" (%g %g %g)", pl->corners[k][0], pl->corners[k][1],
			       pl->corners[k][2]);
		printf("\n    origin (%g %g %g)%s, zero %d-%d\n", pl->origin_file[0],
		       pl->origin_file[1], pl->origin_file[2],
		       pl->origin_negated ? " (z > 0: negated)" : "", pl->zero[0], pl->zero[1]);
		if (stats) {
			double m[3], fz_max;

			plate_means(c, p, m, &fz_max);
			printf("    lab mean F (%.4f %.4f %.4f) N, max Fz %.1f N\n", m[0], m[1],
			       m[2], fz_max);
		}
	}
	printf("events: %u\n", c->n_events);
	for (uint32_t i = 0; i < c->n_events; i++)
		printf("  %8.3f s  %-10s %s\n", c->events[i].time_s, c->events[i].context,
		       c->events[i].label);
	fpc_c3d_lab_text(c, lab);
	if (params)
		print_params_text(c);
}

/* --csv: every analog sample, scaled (ANALOG:SCALE, OFFSET, GEN_SCALE). */
static void print_csv(const struct fp_c3d *c)
{
	uint64_t n = fp_c3d_analog_samples(c);

	printf("sample,time_s");
	for (uint32_t k = 0; k < c->n_analog; k++)
		printf(",%s", c->an_label[k][0] ? c->an_label[k] : "?");
	printf("\n");
	for (uint64_t s = 0; s < n; s++) {
		printf("%llu,%.6f", (unsigned long long)s, (double)s / c->analog_rate);
		for (uint32_t k = 0; k < c->n_analog; k++)
			printf(",%.9g", fp_c3d_analog(c, s, k) + 0.0); /* no -0 */
		printf("\n");
	}
}

int fp_cmd_c3d_info(int argc, char **argv)
{
	enum { O_STATS = FPC_KEY_OWN, O_PARAMS };
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, O_STATS },
		{ "params", no_argument, NULL, O_PARAMS },
		FPC_OPT_JSON, FPC_OPT_CSV, FPC_OPT_HELP, FPC_OPT_END
	};
	const char *path;
	int json = 0, stats = 0, params = 0, csv = 0, ret, opt;
	struct fp_c3d *c;
	struct fpc_c3d_lab lab = { .sync_channel = -1 };
	char msg[FP_MSG_MAX];

	fpc_opts_begin();
	while ((opt = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (opt) {
		case FPC_KEY_HELP:
			printf("usage: fplate c3d-info FILE [--json] [--stats] [--params] [--csv]\n\n%s.\n"
			       "  --json   one JSON object instead of text\n"
			       "  --stats  also the mean lab-frame force and peak Fz per plate (NaN\n"
			       "           samples, e.g. recording gaps, left out)\n"
			       "  --params every parameter (GROUP:NAME and values)\n"
			       "  --csv    instead: every analog sample, scaled, as CSV (sample, time_s,\n"
			       "           one column per channel label; NaN as nan)\n"
			       "A file that cannot be read gives one line naming what is wrong "
			       "and exit status 1.\n", fp_cmd_c3d_info_help);
			return 0;
		case FPC_KEY_JSON: json = 1; break;
		case O_STATS: stats = 1; break;
		case O_PARAMS: params = 1; break;
		case FPC_KEY_CSV: csv = 1; break;
		default: return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "fplate c3d-info: unexpected argument '%s' (see --help)\n",
			argv[optind + 1]);
		return 2;
	}
	path = optind < argc ? argv[optind] : NULL;
	if (!path) {
		fprintf(stderr, "fplate c3d-info: no FILE given (see --help)\n");
		return 2;
	}
	fpc_guard_mapped("c3d-info", path);
	ret = fp_c3d_open(path, &c, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate c3d-info: %s\n", msg[0] ? msg : fp_strerror(ret));
		return 1;
	}
	if (!csv && fpc_c3d_lab_read(c, &lab)) {
		fprintf(stderr, "fplate c3d-info: %s: out of memory\n", path);
		fp_c3d_free(c);
		return 1;
	}
	if (csv)
		print_csv(c);
	else if (json)
		print_json(c, &lab, stats, params);
	else
		print_text(c, &lab, stats, params);
	fpc_c3d_lab_free(&lab);
	fp_c3d_free(c);
	/* what was printed came from a file that changed meanwhile: say so */
	return fpc_guard_check() ? 1 : 0;
}
