// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_steps.c - `fplate steps`: a live table of fplated's `step` topic,
 * one aligned line per step (the left and right foot coloured on a
 * terminal), or the JSON records as they come with --json. The keys and
 * definitions are those of docs/metrics.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fplate/wire.h"
#include "fplate/sub.h"
#include "client.h"
#include "opts.h"

int fp_cmd_steps(int argc, char **argv);
const char fp_cmd_steps_help[] = "live table of steps: loading rates, impact, COP roll";

#define COLOUR_L "\033[36m"   /* cyan */
#define COLOUR_R "\033[33m"   /* yellow */
#define COLOUR_OFF "\033[0m"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate steps [--json] [--seconds N] [--endpoint E] [--timeout S]\n\n"
		"%s.\n\n"
		"One line per step as fplated completes it (one flight phase after toe-off).\n"
		"BW values need a body weight (estimated after two strides); until then the\n"
		"N values are shown. The first column, contact s, is the time of foot strike in\n"
		"seconds of the device's sample clock (contact_sample / rate: since it started),\n"
		"not a duration; tc is the contact time. Columns and definitions: docs/metrics.md.\n"
		"When fplated restarts (a new stream_id in its status), a line on stderr says so\n"
		"and the table goes on with a new header: contact s starts again from the new\n"
		"daemon's start, and its body weight is estimated anew (N values meanwhile).\n\n"
		"  --json         print each step's JSON record (one per line) instead\n"
		"  --seconds N    stop after N seconds (default: until Ctrl-C)\n"
		"  --endpoint E   fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S    give up when fplated sends nothing for S seconds (default %g)\n",
		fp_cmd_steps_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S);
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void print_header(void)
{
	printf("%9s %-4s %5s %6s %6s %6s %7s %-4s %6s %8s %8s %6s %8s %6s  %s\n",
	       "contact", "foot", "plate", "tc", "flight", "cad", "impact", "", "t_imp", "VALR",
	       "VILR", "active", "roll", "push", "flags");
	printf("%9s %-4s %5s %6s %6s %6s %7s %-4s %6s %8s %8s %6s %8s %6s\n",
	       "s", "", "", "ms", "ms", "/min", "BW|N", "", "ms", "BW/s|N/s", "BW/s|N/s", "BW|N",
	       "mm/s", "%med");
}

static void print_step(json_t *e, int colour, unsigned long long n)
{
	const char *foot = json_string_value(json_object_get(e, "foot"));
	int bw = isfinite(num(e, "body_weight_n"));
	char flags[200] = "";
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(e, "flags"), i, f) {
		size_t l = strlen(flags);

		snprintf(flags + l, sizeof(flags) - l, "%s%s", l ? "," : "", json_string_value(f));
	}
	if (n % 20 == 0)
		print_header();
	printf("%9.3f ", num(e, "contact_s"));
	if (colour && foot && (*foot == 'L' || *foot == 'R'))
		printf("%s%-4s%s", *foot == 'L' ? COLOUR_L : COLOUR_R, foot, COLOUR_OFF);
	else
		printf("%-4s", foot ? foot : "?");
	printf(" %5lld %6.0f %6.0f %6.0f %7.2f %-4s %6.1f %8.1f %8.1f %6.2f %8.0f %6.0f  %s\n",
	       (long long)json_integer_value(json_object_get(e, "plate")),
	       num(e, "contact_time_ms"), num(e, "flight_time_ms"), num(e, "cadence_spm"),
	       num(e, bw ? "impact_peak_bw" : "impact_peak_n"),
	       json_is_true(json_object_get(e, "impact_virtual")) ? "13%" : "peak",
	       num(e, "time_to_impact_ms"), num(e, bw ? "valr_bw_s" : "valr_n_s"),
	       num(e, bw ? "vilr_bw_s" : "vilr_n_s"), num(e, bw ? "active_peak_bw" : "active_peak_n"),
	       num(e, "inroll_velocity_mm_s"), num(e, "pushoff_medial_pct"), flags);
	fflush(stdout);
}

struct steps_opts {
	const char *endpoint;
	double seconds, timeout_s;
	int json;
};

/* 0: run, 1: --help printed, -1: bad usage (message printed). */
static int parse_opts(int argc, char **argv, struct steps_opts *o)
{
	static const struct option opts[] = {
		FPC_OPT_JSON, FPC_OPT_SECONDS, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT, FPC_OPT_HELP,
		FPC_OPT_END
	};
	int c;

	*o = (struct steps_opts){ .timeout_s = FPC_DEFAULT_TIMEOUT_S };
	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_JSON: o->json = 1; break;
		case FPC_KEY_SECONDS:
			if ((o->seconds = fpc_parse_seconds("steps", "--seconds", optarg)) < 0)
				return -1;
			break;
		case FPC_KEY_ENDPOINT: o->endpoint = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((o->timeout_s = fpc_parse_seconds("steps", "--timeout", optarg)) < 0)
				return -1;
			break;
		case FPC_KEY_HELP: usage(stdout); return 1;
		default: return -1;
		}
	}
	if (fpc_no_args("steps", argc, argv))
		return -1;
	o->endpoint = fpc_endpoint(o->endpoint);
	return 0;
}

static void show_step(const struct fp_sub_msg *m, const struct steps_opts *o, int colour,
		      unsigned long long *steps, unsigned long long header_at)
{
	json_t *e;

	if (o->json) {
		printf("%s\n", m->json);
		fflush(stdout);
		(*steps)++;
		return;
	}
	e = json_loadb(m->json, m->json_len, 0, NULL);
	if (e)
		print_step(e, colour, (*steps)++ - header_at);
	json_decref(e);
}

int fp_cmd_steps(int argc, char **argv)
{
	/* status too: it arrives every status period, so silence means no daemon */
	struct steps_opts o;
	unsigned long long steps = 0, header_at = 0;
	struct fpc_run run;
	struct fp_sub *sub;
	char msg[512];
	int ret, status = 0, colour = isatty(STDOUT_FILENO);
	double start;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	fpc_catch_signals();
	if (fpc_sub_open("steps", o.endpoint, FP_SUB_STEP | FP_SUB_STATUS, &sub, msg, sizeof(msg))) {
		fprintf(stderr, "fplate steps: %s\n", msg);
		return 2;
	}
	fpc_run_init(&run);
	start = fpc_now_s();
	/* the flag too: a signal outside fp_sub_read's poll gives no -EINTR */
	while (!fpc_interrupted() && !(o.seconds > 0 && fpc_now_s() - start >= o.seconds)) {
		struct fp_sub_msg m;
		int wait_ms = (int)(o.timeout_s * 1000);

		if (o.seconds > 0 && (o.seconds - (fpc_now_s() - start)) * 1000 < wait_ms)
			wait_ms = (int)((o.seconds - (fpc_now_s() - start)) * 1000) + 1;
		ret = fp_sub_read(sub, &m, wait_ms, msg, sizeof(msg));
		if (ret == -EINTR && fpc_interrupted())
			break;
		if (ret == -EINTR)
			continue;
		if (ret == 0 && o.seconds > 0 && fpc_now_s() - start >= o.seconds)
			break;
		if (ret <= 0) {
			fprintf(stderr, "fplate steps: %s from fplated at %s within %g s\n",
				ret == 0 ? "nothing" : msg, o.endpoint, o.timeout_s);
			status = 1;
			break;
		}
		if (fpc_run_check(&run, &m)) {
			fflush(stdout);
			fprintf(stderr, "fplate steps: %s; contact times start again from its "
				"start\n", fpc_run_what(&run, msg, sizeof(msg)));
			header_at = steps;   /* a new table */
		}
		if (m.kind == FP_SUB_STEP)
			show_step(&m, &o, colour, &steps, header_at);
	}
	if (!o.json)
		fprintf(stderr, "fplate steps: %llu steps\n", steps);
	fp_sub_close(sub);
	return status;
}
