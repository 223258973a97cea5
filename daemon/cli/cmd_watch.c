// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_watch.c - `fplate watch`: a live terminal view of fplated. Once per
 * second of samples it prints, per plate, the Fz peak, the mean COP while
 * loaded and the loaded share of the second, with the daemon's measured
 * rate and its gap / drop counters; `step` events are printed as they come.
 * `make run` shows this view.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fplate/calib.h"
#include "fplate/wire.h"
#include "fplate/sub.h"
#include "client.h"
#include "opts.h"

int fp_cmd_watch(int argc, char **argv);
const char fp_cmd_watch_help[] = "live per-second view: Fz peak, COP, rate, steps";

struct second {
	uint64_t samples;
	int64_t t_ns;                     /* host time of its first sample */
	uint32_t plates;
	float fz_peak[FP_WIRE_MAX_PLATES];
	double cop_sum[FP_WIRE_MAX_PLATES][2];
	uint64_t cop_n[FP_WIRE_MAX_PLATES];
};

struct view {
	struct second sec;
	uint64_t per_second;              /* samples per line */
	json_t *status;                   /* last status message, owned */
	unsigned long long lines, steps, missed_frames;
	unsigned long long header_at;     /* lines when the table began */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate watch [--seconds N] [--endpoint E] [--timeout S]\n\n"
		"%s.\n\n"
		"One line per second of samples. Columns: time (host clock of the second's\n"
		"first sample); rate Hz (the daemon's measured sample rate); per plate the\n"
		"Fz peak in that second (N), the mean centre of pressure while loaded (mm,\n"
		"plate frame) and load %% (the share of the second's samples with the plate\n"
		"loaded, i.e. Fz above the COP threshold: about 60 %% while running, 100 %%\n"
		"standing, 0 unloaded); gaps, lost (samples lost at the device, daemon\n"
		"counters) and missed (frames this client lost). Steps are printed as they come.\n"
		"When fplated restarts (a new stream_id), a line on stderr says so, the second\n"
		"being summed is dropped (it would mix both runs) and a new table begins; gaps\n"
		"and lost are then the new daemon's counters.\n\n"
		"  --seconds N    stop after N seconds (default: until Ctrl-C)\n"
		"  --endpoint E   fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S    give up when nothing arrives for S seconds (default %g)\n",
		fp_cmd_watch_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S);
}

static void print_header(uint32_t plates)
{
	printf("%-8s %8s", "time", "rate Hz");
	for (uint32_t p = 0; p < plates; p++)
		printf(" | plate %u: Fz peak   COP x, y mm   load", p + 1);
	printf(" | gaps lost missed\n");
}

static long long status_num(const struct view *v, const char *key)
{
	return (long long)json_integer_value(json_object_get(v->status, key));
}

static void print_second(struct view *v)
{
	struct second *s = &v->sec;
	time_t secs = (time_t)(s->t_ns / 1000000000);
	json_t *rate = json_object_get(v->status, "rate_hz");
	const char *state;
	struct tm tm;

	if ((v->lines++ - v->header_at) % 20 == 0)
		print_header(s->plates);
	localtime_r(&secs, &tm);
	printf("%02d:%02d:%02d ", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (json_is_number(rate))
		printf("%8.1f", json_number_value(rate));
	else
		printf("%8s", "-");
	for (uint32_t p = 0; p < s->plates; p++) {
		if (s->cop_n[p])
			printf(" | %14.0f N  %6.1f,%6.1f  %3.0f %%", s->fz_peak[p],
			       s->cop_sum[p][0] / s->cop_n[p], s->cop_sum[p][1] / s->cop_n[p],
			       100.0 * s->cop_n[p] / s->samples);
		else
			printf(" | %14.0f N  %13s  %3d %%", s->fz_peak[p], "unloaded", 0);
	}
	/* missed: frames this viewer lost (it fell behind), by the sequence */
	printf(" | %4lld %4lld %6llu", status_num(v, "gaps"), status_num(v, "lost_samples"),
	       v->missed_frames);
	state = json_string_value(json_object_get(json_object_get(v->status, "device"), "state"));
	if (state && strcmp(state, "running"))
		printf("  device %s", state);
	putchar('\n');
	fflush(stdout);
	memset(s, 0, sizeof(*s));
}

static void add_frame(struct view *v, const struct fp_sub_msg *m)
{
	const struct fp_wire_frame f = m->frame;
	struct second *s = &v->sec;

	v->missed_frames += m->missed_frames;
	if (f.h.n_fields < FP_COPY + 1)
		return;
	v->per_second = (uint64_t)llround(1e9 / f.h.period_ns);
	for (uint32_t i = 0; i < f.h.n_samples; i++) {
		if (!s->samples) {
			s->t_ns = f.h.t0_ns + llround(i * f.h.period_ns);
			s->plates = f.h.n_plates;
			for (uint32_t p = 0; p < s->plates; p++)
				s->fz_peak[p] = -INFINITY;
		}
		for (uint32_t p = 0; p < s->plates && p < f.h.n_plates; p++) {
			float fz = fp_wire_value(&f, i, p, FP_FZ);
			float x = fp_wire_value(&f, i, p, FP_COPX), y = fp_wire_value(&f, i, p, FP_COPY);

			if (fz > s->fz_peak[p])
				s->fz_peak[p] = fz;
			if (!isnan(x) && !isnan(y)) {
				s->cop_sum[p][0] += x;
				s->cop_sum[p][1] += y;
				s->cop_n[p]++;
			}
		}
		if (++s->samples >= v->per_second)
			print_second(v);
	}
}

/* The step fields worth a glance while running (docs/metrics.md); the
 * full event is on the `step` topic (fplate steps shows more). */
static const struct { const char *key, *label, *fmt; } step_fields[] = {
	{ "contact_time_ms", "contact", "%.0f ms" },
	{ "flight_time_ms", "flight", "%.0f ms" },
	{ "cadence_spm", "cadence", "%.0f/min" },
	{ "impact_peak_bw", "impact", "%.2f BW" },
	{ "time_to_impact_ms", "at", "%.1f ms" },
	{ "valr_bw_s", "VALR", "%.0f BW/s" },
	{ "vilr_bw_s", "VILR", "%.0f BW/s" },
	{ "active_peak_bw", "peak", "%.2f BW" },
	{ "inroll_velocity_mm_s", "roll", "%.0f mm/s" },
	{ "pushoff_medial_pct", "push medial", "%.0f %%" },
};

static void print_step(struct view *v, const struct fp_sub_msg *m)
{
	json_t *e = json_loadb(m->json, m->json_len, 0, NULL);
	const char *foot;

	if (!e)
		return;
	v->steps++;
	foot = json_string_value(json_object_get(e, "foot"));
	printf("  step plate %lld %s",
	       (long long)json_integer_value(json_object_get(e, "plate")), foot ? foot : "-");
	for (size_t i = 0; i < sizeof(step_fields) / sizeof(step_fields[0]); i++) {
		json_t *val = json_object_get(e, step_fields[i].key);

		if (!json_is_number(val))
			continue;
		printf("  %s ", step_fields[i].label);
		printf(step_fields[i].fmt, json_number_value(val));
	}
	putchar('\n');
	fflush(stdout);
	json_decref(e);
}

int fp_cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		FPC_OPT_SECONDS, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT, FPC_OPT_HELP, FPC_OPT_END
	};
	static struct view v;
	const char *endpoint = NULL;
	double seconds = 0, timeout_s = FPC_DEFAULT_TIMEOUT_S, start;
	struct fp_sub *sub;
	struct fpc_run run;
	char msg[512];
	int c, ret, status = 0;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_SECONDS:
			if ((seconds = fpc_parse_seconds("watch", "--seconds", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_ENDPOINT: endpoint = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((timeout_s = fpc_parse_seconds("watch", "--timeout", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_HELP: usage(stdout); return 0;
		default: return 2;
		}
	}
	if (fpc_no_args("watch", argc, argv))
		return 2;
	endpoint = fpc_endpoint(endpoint);
	fpc_catch_signals();
	if (fpc_sub_open("watch", endpoint, FP_SUB_FORCE | FP_SUB_STATUS | FP_SUB_STEP, &sub, msg,
			sizeof(msg))) {
		fprintf(stderr, "fplate watch: %s\n", msg);
		return 2;
	}
	printf("fplate watch: %s (Ctrl-C to stop)\n", endpoint);
	fflush(stdout);
	fpc_run_init(&run);
	start = fpc_now_s();
	/* the flag too: a signal outside fp_sub_read's poll gives no -EINTR */
	while (!fpc_interrupted() && !(seconds > 0 && fpc_now_s() - start >= seconds)) {
		struct fp_sub_msg m;
		int wait_ms = (int)(timeout_s * 1000);

		if (seconds > 0 && (seconds - (fpc_now_s() - start)) * 1000 < wait_ms)
			wait_ms = (int)((seconds - (fpc_now_s() - start)) * 1000) + 1;
		ret = fp_sub_read(sub, &m, wait_ms, msg, sizeof(msg));
		if (ret == -EINTR && fpc_interrupted())
			break;
		if (ret == -EINTR || ret == -EBADMSG)
			continue;
		if (ret == 0 && seconds > 0 && fpc_now_s() - start >= seconds)
			break;
		if (ret <= 0) {
			fprintf(stderr, "fplate watch: %s from fplated at %s within %g s\n",
				ret == 0 ? "nothing" : msg, endpoint, timeout_s);
			status = 1;
			break;
		}
		if (fpc_run_check(&run, &m)) {
			fflush(stdout);
			fprintf(stderr, "fplate watch: %s; dropping the second in progress, a new "
				"table follows\n", fpc_run_what(&run, msg, sizeof(msg)));
			memset(&v.sec, 0, sizeof(v.sec));
			json_decref(v.status);
			v.status = NULL;
			v.header_at = v.lines;   /* a new table */
		}
		if (m.kind == FP_SUB_FORCE) {
			add_frame(&v, &m);
		} else if (m.kind == FP_SUB_STATUS) {
			json_decref(v.status);
			v.status = json_loadb(m.json, m.json_len, 0, NULL);
		} else {
			print_step(&v, &m);
		}
	}
	printf("fplate watch: %llu seconds shown, %llu steps, %llu frames missed here\n",
	       v.lines, v.steps, v.missed_frames);
	json_decref(v.status);
	fp_sub_close(sub);
	return status;
}
