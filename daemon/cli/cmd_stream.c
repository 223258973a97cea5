// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_stream.c - `fplate stream`: subscribe to fplated's `force` frames and
 * print them decoded, as text, CSV or JSON lines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fplate/calib.h"
#include "fplate/sub.h"
#include "fplate/wire.h"
#include "client.h"
#include "opts.h"

int fp_cmd_stream(int argc, char **argv);
const char fp_cmd_stream_help[] = "print live force frames from fplated (text, CSV or JSON)";

enum format { F_TEXT, F_CSV, F_JSON };


static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate stream [--csv|--json] [--seconds N] [--endpoint E] [--timeout S]\n\n"
		"%s.\n\n"
		"  --csv          header line, then one row per sample per plate:\n"
		"                 sample,t_ns,plate,fx,fy,fz,mx,my,mz,cop_x,cop_y,tz,flags,sync\n"
		"                 (flags: 1 gap, 2 saturated, 4 overrun, 8 resumed; sync: the\n"
		"                 sync word, bit 0 sync input, bit 1 trigger; empty without one)\n"
		"                 (device sample index, host time ns, plate from 1, N, N·m, mm;\n"
		"                 cop is nan below the force threshold)\n"
		"  --json         one JSON object per frame (JSON lines; NaN as null; \"sync\":\n"
		"                 the sync words, null without a sync input)\n"
		"  --seconds N    stop after N seconds of samples (default: until Ctrl-C)\n"
		"  --endpoint E   fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S    give up when no frame arrives for S seconds (default %g)\n\n"
		"When fplated restarts (a new stream_id), a line on stderr names the restart and\n"
		"both stream_ids and printing goes on with the new stream, whose sample indices\n"
		"start again (the t_ns column stays continuous; --json carries stream_id); for\n"
		"one stream per file use fplate record. --seconds counts the samples of both.\n"
		"Exit status: 0 done, 1 no daemon answered or the stream stopped, 2 bad option.\n"
		"A summary (frames, samples, missed frames, gaps, restarts) goes to stderr at\n"
		"the end.\n",
		fp_cmd_stream_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S);
}

static void print_num(FILE *out, float v)
{
	if (isnan(v))
		fputs("nan", out);
	else
		fprintf(out, "%.9g", v);
}

static void print_csv(FILE *out, const struct fp_wire_frame *f, uint32_t n)
{
	for (uint32_t s = 0; s < n; s++) {
		long long t = f->h.t0_ns + llround(s * f->h.period_ns);

		for (uint32_t p = 0; p < f->h.n_plates; p++) {
			fprintf(out, "%llu,%lld,%u", (unsigned long long)(f->h.first_sample + s),
				t, p + 1);
			for (uint32_t k = 0; k < FP_NFIELDS && k < f->h.n_fields; k++) {
				fputc(',', out);
				print_num(out, fp_wire_value(f, s, p, k));
			}
			fprintf(out, ",%u,", f->h.flags & 0xff);
			if (f->sync) /* empty: the device has no sync input */
				fprintf(out, "%u", fp_wire_sync(f, s));
			fputc('\n', out);
		}
	}
}

static void print_json(FILE *out, const struct fp_wire_frame *f, uint32_t n)
{
	fprintf(out, "{\"stream_id\":%u,\"sequence\":%llu,\"first_sample\":%llu,"
		"\"t0_ns\":%lld,\"period_ns\":%.6f,\"t_recv_ns\":%lld,\"flags\":%u,"
		"\"n_samples\":%u,\"n_plates\":%u,\"belt_speed_mps\":",
		f->h.stream_id, (unsigned long long)f->h.sequence,
		(unsigned long long)f->h.first_sample, (long long)f->h.t0_ns, f->h.period_ns,
		(long long)f->h.t_recv_ns, f->h.flags, n, f->h.n_plates);
	if (isnan(f->h.belt_speed_mps))
		fputs("null", out);
	else
		fprintf(out, "%.6g", f->h.belt_speed_mps);
	fputs(",\"fields\":[", out);
	for (uint32_t k = 0; k < FP_NFIELDS && k < f->h.n_fields; k++)
		fprintf(out, "%s\"%s\"", k ? "," : "", fp_field_name(k));
	fputs("],\"data\":[", out);
	for (uint32_t s = 0; s < n; s++) {
		fputs(s ? ",[" : "[", out);
		for (uint32_t p = 0; p < f->h.n_plates; p++) {
			fputs(p ? ",[" : "[", out);
			for (uint32_t k = 0; k < FP_NFIELDS && k < f->h.n_fields; k++) {
				float v = fp_wire_value(f, s, p, k);

				if (k)
					fputc(',', out);
				if (isnan(v))
					fputs("null", out);
				else
					fprintf(out, "%.9g", v);
			}
			fputc(']', out);
		}
		fputc(']', out);
	}
	/* one sync word per sample, null when the device has no sync input */
	fputs("],\"sync\":", out);
	if (f->sync) {
		for (uint32_t s = 0; s < n; s++)
			fprintf(out, "%c%u", s ? ',' : '[', fp_wire_sync(f, s));
		fputs(n ? "]" : "[]", out);
	} else {
		fputs("null", out);
	}
	fputs("}\n", out);
}

static void print_text(FILE *out, const struct fp_wire_frame *f, uint32_t n)
{
	uint32_t s = n - 1; /* the frame's last sample */

	fprintf(out, "#%-7llu sample %-10llu n %-3u%s%s", (unsigned long long)f->h.sequence,
		(unsigned long long)f->h.first_sample, n,
		(f->h.flags & FP_WIRE_F_GAP) ? " GAP" : "",
		(f->h.flags & FP_WIRE_F_SATURATED) ? " SAT" : "");
	for (uint32_t p = 0; p < f->h.n_plates; p++)
		fprintf(out, " | plate %u Fz %7.1f N  COP %6.1f %6.1f mm", p + 1,
			fp_wire_value(f, s, p, FP_FZ), fp_wire_value(f, s, p, FP_COPX),
			fp_wire_value(f, s, p, FP_COPY));
	fputc('\n', out);
}

struct totals {
	unsigned long long frames, samples, gaps;
	long long limit;     /* samples to print, -1 = no limit */
};

static int parse_args(int argc, char **argv, enum format *fmt, double *seconds,
		      const char **endpoint, double *timeout_s)
{
	static const struct option opts[] = {
		FPC_OPT_CSV, FPC_OPT_JSON, FPC_OPT_SECONDS, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT,
		FPC_OPT_HELP, FPC_OPT_END
	};
	int c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_CSV: *fmt = F_CSV; break;
		case FPC_KEY_JSON: *fmt = F_JSON; break;
		case FPC_KEY_SECONDS:
			if ((*seconds = fpc_parse_seconds("stream", "--seconds", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_ENDPOINT: *endpoint = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((*timeout_s = fpc_parse_seconds("stream", "--timeout", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_HELP: usage(stdout); return 0;
		default: return 2;
		}
	}
	return fpc_no_args("stream", argc, argv) ? 2 : -1;
}

/* Returns 1 when the sample limit is reached. */
static int handle_frame(const struct fp_wire_frame *fr, enum format fmt, double seconds,
			struct totals *t)
{
	const struct fp_wire_frame f = *fr;
	uint32_t n;

	/* The latest fitted period is the best estimate of the rate. */
	if (seconds > 0)
		t->limit = llround(seconds * 1e9 / f.h.period_ns);
	n = f.h.n_samples;
	if (t->limit >= 0 && (long long)t->samples + n > t->limit)
		n = (uint32_t)(t->limit - (long long)t->samples);
	if (f.h.flags & FP_WIRE_F_GAP)
		t->gaps++;
	if (n) {
		if (fmt == F_CSV)
			print_csv(stdout, &f, n);
		else if (fmt == F_JSON)
			print_json(stdout, &f, n);
		else
			print_text(stdout, &f, n);
	}
	t->frames++;
	t->samples += n;
	return t->limit >= 0 && (long long)t->samples >= t->limit;
}

int fp_cmd_stream(int argc, char **argv)
{
	enum format fmt = F_TEXT;
	double seconds = 0, timeout_s = FPC_DEFAULT_TIMEOUT_S;
	const char *endpoint = NULL;
	struct totals t = { .limit = -1 };
	struct fp_sub *sub;
	struct fp_sub_stats st;
	struct fpc_run run;
	char msg[512];
	int ret, status = 0;

	ret = parse_args(argc, argv, &fmt, &seconds, &endpoint, &timeout_s);
	if (ret >= 0)
		return ret;
	endpoint = fpc_endpoint(endpoint);
	fpc_run_init(&run);
	fpc_catch_signals();
	if (fpc_sub_open("stream", endpoint, FP_SUB_FORCE, &sub, msg, sizeof(msg))) {
		fprintf(stderr, "fplate stream: %s\n", msg);
		return 2;
	}
	if (fmt == F_CSV) {
		fputs("sample,t_ns,plate", stdout);
		for (int k = 0; k < FP_NFIELDS; k++)
			printf(",%s", fp_field_name(k));
		fputs(",flags,sync\n", stdout);
	}
	/* the flag, not only -EINTR: a signal that comes while we print is not
	 * seen by fp_sub_read, which polls only when nothing is queued */
	while (!fpc_interrupted()) {
		struct fp_sub_msg m;

		ret = fp_sub_read(sub, &m, (int)(timeout_s * 1000), msg, sizeof(msg));
		if (ret == -EINTR && fpc_interrupted())
			break;
		if (ret == -EINTR)
			continue;
		if (ret == -EBADMSG) {
			fp_sub_stats(sub, &st);
			if (st.malformed <= 5)
				fprintf(stderr, "fplate stream: skipping a malformed frame: %s\n", msg);
			continue;
		}
		if (ret == 0) {
			fprintf(stderr, "fplate stream: no %s from fplated at %s within %g s "
				"(is fplated running? --endpoint)\n",
				t.frames ? "more data" : "data", endpoint, timeout_s);
			status = 1;
			break;
		}
		if (ret < 0) {
			fprintf(stderr, "fplate stream: %s\n", msg);
			status = 1;
			break;
		}
		if (fpc_run_check(&run, &m)) {
			/* stdout before the message: what was printed belongs to the old run */
			fflush(stdout);
			fprintf(stderr, "fplate stream: %s; going on with the new stream, whose "
				"sample indices start again\n", fpc_run_what(&run, msg, sizeof(msg)));
		}
		if (handle_frame(&m.frame, fmt, seconds, &t))
			break;
		if (ferror(stdout)) /* reader went away (| head) */
			break;
	}
	fflush(stdout);
	fp_sub_stats(sub, &st);
	fprintf(stderr, "fplate stream: %llu frames, %llu samples, %llu missed frames, "
		"%llu gaps, %llu malformed, %u daemon restarts\n", t.frames, t.samples,
		(unsigned long long)st.missed_frames, t.gaps, (unsigned long long)st.malformed,
		run.restarts);
	fp_sub_close(sub);
	return status;
}
