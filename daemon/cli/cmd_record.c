// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_record.c - `fplate record -o run.c3d`: subscribe to fplated's force
 * frames and write them to a C3D file (type 2 plates, Fx..Mz channels).
 *
 * The file is valid at every moment (lib/c3d_write.c writes whole frames
 * and then the frame counts), so a recorder killed with SIGKILL leaves a
 * readable file holding everything up to the last block it wrote.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fplate/c3d.h"
#include "fplate/calib.h"
#include "fplate/wire.h"
#include "fplate/sub.h"
#include "client.h"
#include "opts.h"

int fp_cmd_record(int argc, char **argv);
const char fp_cmd_record_help[] = "record fplated's force frames to a C3D file";

#define MAX_GAP_S 10.0
#define MAX_EVENTS 2000    /* foot strike + foot off of 1000 steps */
#define MAX_PENDING 4096   /* force frames kept while waiting for the first status */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate record -o FILE.c3d [--seconds N] [--endpoint E] [--timeout S]\n"
		"                     [--calibration FILE]\n\n"
		"%s.\n\n"
		"  -o, --output FILE  the C3D file to write (replaced if it exists)\n"
		"  --seconds N        stop after N seconds of samples (default: until Ctrl-C)\n"
		"  --endpoint E       fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S        give up when nothing arrives for S seconds (default %g)\n"
		"  --calibration FILE plate geometry for FORCE_PLATFORM (default: the file\n"
		"                     fplated loaded, if any, else a neutral layout)\n\n"
		"Each plate becomes 6 analog channels Fx Fy Fz (N) Mx My Mz (N.mm) of a\n"
		"FORCE_PLATFORM of type 2 at the device's sample rate; the FPLATE group holds\n"
		"the device URI, serial, calibration id and belt speed; \"step\" messages of the\n"
		"gait analysis become Foot Strike / Foot Off events (up to 2000). Samples lost in\n"
		"transit (GAP) are written as NaN so the time axis stays right. The file is\n"
		"readable at any moment, even if the recorder is killed (docs/c3d.md).\n"
		"Exit status: 0 done, 1 no daemon or write error, 2 bad option.\n",
		fp_cmd_record_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S);
}

struct rec {
	const char *path;
	double seconds, timeout_s;
	const char *endpoint;
	/* from the first status message */
	int have_status;
	double rate;
	char uri[128], serial[64], calib[64], calib_source[300];
	const char *calib_file;     /* --calibration */
	/* writing */
	struct fp_c3d_writer *w;
	uint32_t plates;
	uint64_t first_sample, next_sample, samples, limit, nan_samples, gaps;
	uint64_t events, events_dropped;
	float *buf;
	size_t buf_cap;
	/* force frames that came before the first status (copies) */
	void *pending[MAX_PENDING];
	size_t pending_len[MAX_PENDING];
	uint32_t n_pending;
};

static int parse_args(int argc, char **argv, struct rec *r)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "calibration", required_argument, NULL, 'c' },
		FPC_OPT_SECONDS, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT, FPC_OPT_HELP, FPC_OPT_END
	};
	int c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "o:", opts)) != -1) {
		switch (c) {
		case 'o': r->path = optarg; break;
		case FPC_KEY_SECONDS:
			if ((r->seconds = fpc_parse_seconds("record", "--seconds", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_ENDPOINT: r->endpoint = optarg; break;
		case 'c': r->calib_file = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((r->timeout_s = fpc_parse_seconds("record", "--timeout", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_HELP: usage(stdout); return 0;
		default: return 2;
		}
	}
	if (fpc_no_args("record", argc, argv))
		return 2;
	if (!r->path) {
		fprintf(stderr, "fplate record: no output file (-o FILE.c3d)\n");
		return 2;
	}
	return -1;
}

static void status_str(json_t *obj, const char *key, char *dst, size_t len)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		snprintf(dst, len, "%s", json_string_value(v));
}

static void handle_status(struct rec *r, const void *data, size_t len)
{
	json_t *root = json_loadb(data, len, 0, NULL), *dev, *rate;

	if (!root)
		return;
	dev = json_object_get(root, "device");
	rate = json_object_get(dev, "nominal_rate_hz");
	if (json_is_number(rate) && json_number_value(rate) > 0) {
		r->rate = json_number_value(rate);
		status_str(dev, "uri", r->uri, sizeof(r->uri));
		status_str(dev, "serial", r->serial, sizeof(r->serial));
		status_str(dev, "calibration", r->calib, sizeof(r->calib));
		status_str(dev, "calibration_source", r->calib_source, sizeof(r->calib_source));
		r->have_status = 1;
	}
	json_decref(root);
}

static int open_writer(struct rec *r, const struct fp_wire_frame *f)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[6 * FP_MAX_PLATES];
	struct fp_c3d_wplate pl[FP_MAX_PLATES];
	char msg[FP_MSG_MAX];
	const char *path;
	int ret;

	if (f->h.n_plates > FP_MAX_PLATES || f->h.n_fields < 6) {
		fprintf(stderr, "fplate record: frames carry %u plates x %u fields (at most %d "
			"plates, at least 6 fields)\n", f->h.n_plates, f->h.n_fields, FP_MAX_PLATES);
		return -EINVAL;
	}
	/*
	 * Plate geometry: --calibration, else the file fplated loaded (status
	 * "calibration_source": "file PATH"), else the neutral layout.
	 */
	path = r->calib_file;
	if (!path && !strncmp(r->calib_source, "file ", 5))
		path = r->calib_source + 5;
	fp_calib_default(&cal, f->h.n_plates, 6);
	if (path) {
		ret = fp_calib_load(path, &cal, msg, sizeof(msg));
		if (ret || cal.plates != f->h.n_plates) {
			fprintf(stderr, "fplate record: calibration %s: %s\n", path,
				ret ? msg : "plate count differs from the stream");
			return ret ? ret : -EINVAL;
		}
	}
	ret = fp_c3d_wdesc_session(&d, &cal, 0, r->rate, ch, pl, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate record: %s\n", msg);
		return ret;
	}
	d.belt_speed_mps = f->h.belt_speed_mps;
	d.first_sample = f->h.first_sample;
	fp_c3d_iso_time(f->h.t0_ns, d.start_time, sizeof(d.start_time));
	d.max_events = MAX_EVENTS;
	snprintf(d.device, sizeof(d.device), "%.*s", (int)sizeof(d.device) - 1, r->uri);
	snprintf(d.serial, sizeof(d.serial), "%s", r->serial);
	snprintf(d.calib_id, sizeof(d.calib_id), "%s", r->calib);
	ret = fp_c3d_writer_open(r->path, &d, &r->w, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate record: %s\n", msg);
		return ret;
	}
	r->plates = f->h.n_plates;
	r->first_sample = r->next_sample = f->h.first_sample;
	r->limit = r->seconds > 0 ? (uint64_t)llround(r->seconds * r->rate) : UINT64_MAX;
	return 0;
}

static int put(struct rec *r, const float *v, uint32_t n)
{
	int ret;

	if (r->samples + n > r->limit)
		n = (uint32_t)(r->limit - r->samples);
	ret = fp_c3d_writer_write(r->w, v, n);
	if (ret) {
		fprintf(stderr, "fplate record: %s: write failed: %s\n", r->path, strerror(-ret));
		return ret;
	}
	r->samples += n;
	return 0;
}

static int fill_gap(struct rec *r, uint64_t missing)
{
	float nanv[6 * FP_MAX_PLATES];

	if ((double)missing > MAX_GAP_S * r->rate) {
		fprintf(stderr, "fplate record: %llu samples missing (more than %g s); stopping\n",
			(unsigned long long)missing, MAX_GAP_S);
		return -EPIPE;
	}
	for (int i = 0; i < 6 * FP_MAX_PLATES; i++)
		nanv[i] = NAN;
	r->gaps++;
	r->nan_samples += missing;
	for (uint64_t i = 0; i < missing && r->samples < r->limit; i++)
		if (put(r, nanv, 1))
			return -EIO;
	return 0;
}

/* 1: limit reached, 0: go on, < 0: stop with an error. */
static int handle_force(struct rec *r, const void *data, size_t len)
{
	struct fp_wire_frame f;
	char why[256];
	double fields[FP_NFIELDS * FP_MAX_PLATES];
	size_t need;
	int ret;

	if (fp_wire_decode(data, len, &f, why, sizeof(why)))
		return 0;
	if (!r->w) {
		if (!r->have_status) {
			/* the rate comes with the first status message: keep the frame */
			void *copy;

			if (r->n_pending == MAX_PENDING) {
				fprintf(stderr, "fplate record: %d force frames but no status message "
					"with device.nominal_rate_hz from fplated; stopping\n",
					MAX_PENDING);
				return -EPROTO;
			}
			copy = malloc(len);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, data, len);
			r->pending[r->n_pending] = copy;
			r->pending_len[r->n_pending++] = len;
			return 0;
		}
		ret = open_writer(r, &f);
		if (ret)
			return ret;
	}
	if (f.h.n_plates != r->plates) {
		fprintf(stderr, "fplate record: the stream changed from %u to %u plates; "
			"stopping\n", r->plates, f.h.n_plates);
		return -EPIPE;
	}
	if (f.h.first_sample < r->next_sample) {
		fprintf(stderr, "fplate record: the sample index went back (daemon restarted?); "
			"stopping\n");
		return -EPIPE;
	}
	if (f.h.first_sample > r->next_sample) {
		ret = fill_gap(r, f.h.first_sample - r->next_sample);
		if (ret)
			return ret;
	}
	need = (size_t)f.h.n_samples * 6 * r->plates;
	if (need > r->buf_cap) {
		float *nb = realloc(r->buf, need * sizeof(float));

		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->buf_cap = need;
	}
	for (uint32_t s = 0; s < f.h.n_samples; s++) {
		for (uint32_t p = 0; p < r->plates; p++)
			for (uint32_t k = 0; k < FP_NFIELDS; k++)
				fields[p * FP_NFIELDS + k] = k < f.h.n_fields ?
					fp_wire_value(&f, s, p, k) : NAN;
		fp_c3d_session_values(fields, r->plates, r->buf + (size_t)s * 6 * r->plates);
	}
	r->next_sample = f.h.first_sample + f.h.n_samples;
	if (r->samples < r->limit && put(r, r->buf, f.h.n_samples))
		return -EIO;
	return r->samples >= r->limit;
}

/*
 * A "step" message (gait analysis): foot strike at contact_sample, foot off
 * at toeoff_sample (device sample indexes) become C3D events in seconds
 * from the first recorded sample, context Left/Right from "foot".
 */
static void handle_step(struct rec *r, const void *data, size_t len)
{
	json_t *root = json_loadb(data, len, 0, NULL);
	json_t *cs = json_object_get(root, "contact_sample");
	json_t *ts = json_object_get(root, "toeoff_sample");
	const char *foot = json_string_value(json_object_get(root, "foot"));
	const char *ctx = !foot ? "General" : (*foot == 'L' || *foot == 'l') ? "Left" :
			  (*foot == 'R' || *foot == 'r') ? "Right" : "General";
	const char *label[2] = { "Foot Strike", "Foot Off" };
	json_t *at[2] = { cs, ts };

	if (!root || !r->w) {
		json_decref(root);
		return;
	}
	for (int i = 0; i < 2; i++) {
		json_int_t v = json_is_integer(at[i]) ? json_integer_value(at[i]) : -1;

		if (v < 0 || (uint64_t)v < r->first_sample)
			continue;
		if (fp_c3d_writer_add_event(r->w, ctx, label[i],
					    (double)((uint64_t)v - r->first_sample) / r->rate))
			r->events_dropped++;
		else
			r->events++;
	}
	json_decref(root);
}

/* Write the frames that arrived before the first status message. */
static int flush_pending(struct rec *r)
{
	int ret = 0;

	if (!r->have_status)
		return 0;
	for (uint32_t i = 0; i < r->n_pending; i++) {
		if (ret == 0)
			ret = handle_force(r, r->pending[i], r->pending_len[i]);
		free(r->pending[i]);
	}
	r->n_pending = 0;
	return ret;
}

static int record_loop(struct rec *r, struct fp_sub *sub)
{
	char msg[256];
	int ret;

	for (;;) {
		struct fp_sub_msg m;

		ret = fp_sub_read(sub, &m, (int)(r->timeout_s * 1000), msg, sizeof(msg));
		if (ret == -EINTR && fpc_interrupted())
			return 0;
		if (ret == -EINTR || ret == -EBADMSG)
			continue;   /* a malformed frame: the next one shows the gap */
		if (ret == 0) {
			fprintf(stderr, "fplate record: no %s from fplated at %s within %g s "
				"(is fplated running? --endpoint)\n",
				r->w ? "more data" : r->have_status ? "force frames" : "status",
				r->endpoint, r->timeout_s);
			return r->w ? 0 : -ETIMEDOUT;
		}
		if (ret < 0) {
			fprintf(stderr, "fplate record: %s\n", msg);
			return ret;
		}
		ret = 0;
		if (m.kind == FP_SUB_STATUS) {
			handle_status(r, m.json, m.json_len);
			ret = flush_pending(r);
		} else if (m.kind == FP_SUB_STEP) {
			handle_step(r, m.json, m.json_len);
		} else {
			ret = handle_force(r, m.payload, m.payload_len);
		}
		if (ret == 1)
			return 0;
		if (ret < 0)
			return ret;
	}
}

int fp_cmd_record(int argc, char **argv)
{
	struct rec r = { .timeout_s = FPC_DEFAULT_TIMEOUT_S }; /* ~64 KiB */
	struct fp_sub *sub;
	char msg[512];
	int ret, status;

	ret = parse_args(argc, argv, &r);
	if (ret >= 0)
		return ret;
	r.endpoint = fpc_endpoint(r.endpoint);
	fpc_catch_signals();
	if (fp_sub_open(r.endpoint, FP_SUB_FORCE | FP_SUB_STATUS | FP_SUB_STEP, &sub, msg,
			sizeof(msg))) {
		fprintf(stderr, "fplate record: %s\n", msg);
		return 1;
	}
	ret = record_loop(&r, sub);
	fp_sub_close(sub);
	status = ret < 0 && ret != -EPIPE ? 1 : 0;
	if (r.w) {
		uint64_t frames = fp_c3d_writer_frames(r.w);

		if (fp_c3d_writer_close(r.w, msg, sizeof(msg))) {
			fprintf(stderr, "fplate record: %s\n", msg);
			status = 1;
		}
		fprintf(stderr, "fplate record: wrote %s: %llu frames, %llu samples at %g Hz, "
			"%u plates, %llu gaps (%llu samples written as NaN), %llu events"
			"%s\n", r.path, (unsigned long long)frames, (unsigned long long)r.samples,
			r.rate, r.plates, (unsigned long long)r.gaps,
			(unsigned long long)r.nan_samples, (unsigned long long)r.events,
			r.events_dropped ? " (more steps than room for events: some dropped)" : "");
	} else {
		status = 1;
	}
	for (uint32_t i = 0; i < r.n_pending; i++)
		free(r.pending[i]);
	free(r.buf);
	return status;
}
