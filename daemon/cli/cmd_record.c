// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_record.c - `fplate record -o run.c3d`: subscribe to fplated's force
 * frames and write them to a C3D file (type 2 plates, Fx..Mz channels).
 *
 * The file is valid at every moment (lib/c3d/c3d_write.c writes whole frames
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
#include "sync_edge.h"
#include "opts.h"

int fp_cmd_record(int argc, char **argv);
const char fp_cmd_record_help[] = "record fplated's force frames to a C3D file";

#define MAX_GAP_S 10.0
#define MAX_EVENTS 2000    /* foot strike + foot off of 1000 steps */
#define MAX_PENDING 4096   /* force frames kept while waiting for the first status */
#define MAX_SYNC_EVENTS 1000 /* the rest of MAX_EVENTS is for steps; SYNC has every edge */
#define EXIT_BROKEN 3      /* the stream broke before the end: the file holds what came before */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate record -o FILE.c3d [--seconds N] [--endpoint E] [--timeout S]\n"
		"                     [--calibration FILE] [--subject ID] [--session ID]\n"
		"                     [--body-mass KG] [--start-on-sync rising|falling]\n"
		"                     [--stop-on-sync rising|falling] [--sync-bit N]\n\n"
		"%s.\n\n"
		"  -o, --output FILE  the C3D file to write (replaced if it exists)\n"
		"  --seconds N        stop after N seconds of samples (default: until Ctrl-C)\n"
		"  --endpoint E       fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S        give up when nothing arrives for S seconds (default %g)\n"
		"  --calibration FILE plate geometry for FORCE_PLATFORM (default: the file\n"
		"                     fplated loaded, if any, else a neutral layout)\n"
		"  --subject ID, --session ID, --body-mass KG\n"
		"                     written to FPLATE (and SUBJECTS:NAMES, PROCESSING:Bodymass)\n"
		"  --start-on-sync E  wait for edge E of the sync bit: the file's first sample\n"
		"                     is the edge sample (as motion capture starts on a trigger)\n"
		"  --stop-on-sync E   with --start-on-sync: end before the next such edge\n"
		"  --sync-bit N       bit of the sync word the trigger watches (default 0, the\n"
		"                     sync input; 1 is the trigger input), 0..15\n\n"
		"Each plate becomes 6 analog channels Fx Fy Fz (N) Mx My Mz (N.mm) of a\n"
		"FORCE_PLATFORM of type 2 at the device's sample rate; the FPLATE group holds\n"
		"the device URI, serial, calibration id and belt speed; \"step\" messages of the\n"
		"gait analysis become Foot Strike / Foot Off events. With a sync input the sync\n"
		"word is the analog channel SYNC and its rising edges (bit 0) \"Sync\" events (the\n"
		"first %d); FPLATE:START_TIME is the UTC of the first sample. Samples lost in\n"
		"transit (GAP) are written as NaN so the time axis stays right. The file is\n"
		"readable at any moment, even if the recorder is killed (docs/c3d.md).\n\n"
		"A file holds one stream. When fplated restarts during the recording (a new\n"
		"stream_id: its sample indices start again), the file is closed with every\n"
		"sample up to the restart, stderr names the file, its samples and both\n"
		"stream_ids, and the exit status is %d; record the new stream into a new file.\n"
		"The same holds when the stream cannot go on in one file: the sample index went\n"
		"back, the plate count changed, more than %g s of samples were lost. A restart\n"
		"before the first sample is written (waiting for the first status or for\n"
		"--start-on-sync) is only reported: the recording takes the new stream. A\n"
		"daemon silent for longer than --timeout also ends the recording early (exit\n"
		"%d), unless its source had ended (a replayed file: exit 0); give a\n"
		"--timeout above the daemon's restart time (RestartSec=5s in\n"
		"fplated.service) to have a crash and restart reported as a restart.\n"
		"--seconds is rounded up to whole C3D point frames (10 ms at 2 kHz).\n"
		"Exit status: 0 done, 1 no daemon or write error, 2 bad option, %d stopped early:\n"
		"fplated restarted or the stream broke (the file is valid up to there).\n",
		fp_cmd_record_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S, MAX_SYNC_EVENTS,
		EXIT_BROKEN, MAX_GAP_S, EXIT_BROKEN, EXIT_BROKEN);
}

struct rec {
	const char *path;
	double seconds, timeout_s;
	const char *endpoint;
	struct fpc_run run;         /* which run of fplated the messages are from */
	/* from the first status message */
	int have_status;
	int source_ended;           /* a status said the device state is "ended" (end of a file) */
	double rate;
	char uri[128], serial[64], calib[64], calib_source[300];
	const char *calib_file;     /* --calibration */
	const char *subject, *session;
	double body_mass;
	enum fp_edge start_on, stop_on;
	unsigned int sync_bit;
	struct fp_edge_track track; /* sync word before the next frame */
	uint64_t track_next;
	int armed, has_sync;
	uint32_t n_analog;
	uint64_t sync_edges, sync_events;
	/* writing */
	struct fp_c3d_writer *w;
	uint32_t spf;               /* samples per C3D frame: the file holds whole frames */
	uint32_t plates;
	uint64_t first_sample, next_sample, samples, limit, nan_samples, gaps;
	uint64_t events, events_dropped;
	float *buf;
	size_t buf_cap;
	uint32_t *sync;             /* the frame's sync words */
	size_t sync_cap;
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
		{ "subject", required_argument, NULL, 'S' },
		{ "session", required_argument, NULL, 'E' },
		{ "body-mass", required_argument, NULL, 'm' },
		{ "start-on-sync", required_argument, NULL, 'a' },
		{ "stop-on-sync", required_argument, NULL, 'b' },
		{ "sync-bit", required_argument, NULL, 'B' },
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
		case 'S': r->subject = optarg; break;
		case 'E': r->session = optarg; break;
		case 'm': {
			char *end;

			r->body_mass = strtod(optarg, &end);
			if (*end || !(r->body_mass > 0 && r->body_mass <= 500)) {
				fprintf(stderr, "fplate record: --body-mass '%s': expected kg in "
					"(0, 500]\n", optarg);
				return 2;
			}
			break;
		}
		case 'a':
		case 'b':
			if (fp_edge_parse(optarg, c == 'a' ? &r->start_on : &r->stop_on)) {
				fprintf(stderr, "fplate record: --%s-on-sync '%s': expected rising or "
					"falling\n", c == 'a' ? "start" : "stop", optarg);
				return 2;
			}
			break;
		case 'B': {
			char *end;
			long b = strtol(optarg, &end, 10);

			if (*end || !*optarg || b < 0 || b > FP_SYNC_MAX_BIT) {
				fprintf(stderr, "fplate record: --sync-bit '%s': expected 0..%d\n",
					optarg, FP_SYNC_MAX_BIT);
				return 2;
			}
			r->sync_bit = (unsigned int)b;
			break;
		}
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
	if (r->stop_on && !r->start_on) {
		fprintf(stderr, "fplate record: --stop-on-sync needs --start-on-sync\n");
		return 2;
	}
	r->armed = r->start_on != FP_EDGE_NONE;
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
	/* the source itself ended (a replayed file): silence after it is the end */
	if (json_is_string(json_object_get(dev, "state")) &&
	    !strcmp(json_string_value(json_object_get(dev, "state")), "ended"))
		r->source_ended = 1;
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

static int open_writer(struct rec *r, const struct fp_wire_frame *f, uint32_t a)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[6 * FP_MAX_PLATES + 1];
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
	d.first_sample = f->h.first_sample + a;
	/* the wire's time of that sample (docs/wire-format.md "Sample times") */
	d.start_time_ns = f->h.t0_ns + llround(a * f->h.period_ns);
	d.max_events = MAX_EVENTS;
	d.body_mass_kg = r->body_mass > 0 ? r->body_mass : NAN;
	snprintf(d.subject, sizeof(d.subject), "%s", r->subject ? r->subject : "");
	snprintf(d.session, sizeof(d.session), "%s", r->session ? r->session : "");
	r->has_sync = (f->h.flags & FP_WIRE_F_SYNC) != 0;
	if (r->has_sync)
		fp_c3d_wdesc_add_sync(&d, ch);
	if (r->start_on)
		snprintf(d.trigger, sizeof(d.trigger), "%s %u", fp_edge_name(r->start_on),
			 r->sync_bit);
	r->n_analog = d.n_analog;
	r->spf = d.analog_spf;
	snprintf(d.device, sizeof(d.device), "%.*s", (int)sizeof(d.device) - 1, r->uri);
	snprintf(d.serial, sizeof(d.serial), "%s", r->serial);
	snprintf(d.calib_id, sizeof(d.calib_id), "%s", r->calib);
	ret = fp_c3d_writer_open(r->path, &d, &r->w, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate record: %s\n", msg);
		return ret;
	}
	r->plates = f->h.n_plates;
	r->first_sample = r->next_sample = f->h.first_sample + a;
	r->limit = r->seconds > 0 ? (uint64_t)llround(r->seconds * r->rate) : UINT64_MAX;
	/* the file keeps whole point frames: round the limit up to one, so that
	 * no sample asked for is cut at close (as fplated's record does) */
	if (r->limit != UINT64_MAX)
		r->limit = (r->limit + r->spf - 1) / r->spf * r->spf;
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
	float nanv[6 * FP_MAX_PLATES + 1];

	if ((double)missing > MAX_GAP_S * r->rate) {
		fprintf(stderr, "fplate record: %llu samples missing (more than %g s); stopping\n",
			(unsigned long long)missing, MAX_GAP_S);
		return -EPIPE;
	}
	for (int i = 0; i < 6 * FP_MAX_PLATES; i++)
		nanv[i] = NAN;
	nanv[6 * r->plates] = 0; /* SYNC, when present: no edge in a gap */
	r->gaps++;
	r->nan_samples += missing;
	for (uint64_t i = 0; i < missing && r->samples < r->limit; i++)
		if (put(r, nanv, 1))
			return -EIO;
	return 0;
}

/* The frame's sync words into r->sync (NULL when it has none). */
static int sync_words(struct rec *r, const struct fp_wire_frame *f)
{
	if (!(f->h.flags & FP_WIRE_F_SYNC)) {
		free(r->sync);
		r->sync = NULL;
		r->sync_cap = 0;
		return 0;
	}
	if (f->h.n_samples > r->sync_cap) {
		uint32_t *nb = realloc(r->sync, f->h.n_samples * sizeof(uint32_t));

		if (!nb)
			return -ENOMEM;
		r->sync = nb;
		r->sync_cap = f->h.n_samples;
	}
	for (uint32_t s = 0; s < f->h.n_samples; s++)
		r->sync[s] = fp_wire_sync(f, s);
	return 0;
}

/* A "Sync" event at every rising edge of bit 0 among samples [a, b). */
static void sync_events(struct rec *r, uint64_t first_sample, uint32_t a, uint32_t b)
{
	long s = a;

	while ((s = fp_edge_find(&r->track, r->sync, (uint32_t)s, b, 0, FP_EDGE_RISING)) >= 0) {
		r->sync_edges++;
		if (r->sync_events < MAX_SYNC_EVENTS &&
		    !fp_c3d_writer_add_event(r->w, "General", FP_C3D_SYNC_EVENT,
					     (double)(first_sample + (uint64_t)s - r->first_sample) /
					     r->rate))
			r->sync_events++;
		s++;
	}
}

/* 1: limit reached, 0: go on, < 0: stop with an error. */
static int handle_force(struct rec *r, const void *data, size_t len)
{
	struct fp_wire_frame f;
	char why[256];
	double fields[FP_NFIELDS * FP_MAX_PLATES];
	uint32_t a = 0, b, ev_from;
	uint64_t start;
	long edge;
	size_t need;
	int ret, stop = 0;

	if (fp_wire_decode(data, len, &f, why, sizeof(why)))
		return 0;
	b = f.h.n_samples;
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
		if (sync_words(r, &f))
			return -ENOMEM;
		/* the word before a gap says nothing about an edge after it */
		if (f.h.first_sample != r->track_next)
			r->track.have_prev = 0;
		r->track_next = f.h.first_sample + f.h.n_samples;
		if (r->armed) {
			if (!(f.h.flags & FP_WIRE_F_SYNC)) {
				fprintf(stderr, "fplate record: --start-on-sync: the stream has no "
					"sync words (device without a sync input)\n");
				return -ENOTSUP;
			}
			edge = fp_edge_find(&r->track, r->sync, 0, f.h.n_samples, r->sync_bit,
					    r->start_on);
			if (edge < 0) {
				fp_edge_advance(&r->track, r->sync, f.h.n_samples);
				return 0;
			}
			a = (uint32_t)edge;
			r->armed = 0;
		}
		ret = open_writer(r, &f, a);
		if (ret)
			return ret;
	} else {
		if (sync_words(r, &f))
			return -ENOMEM;
		if (f.h.first_sample != r->track_next)
			r->track.have_prev = 0;
		r->track_next = f.h.first_sample + f.h.n_samples;
	}
	if (f.h.n_plates != r->plates) {
		fprintf(stderr, "fplate record: the stream changed from %u to %u plates; "
			"stopping\n", r->plates, f.h.n_plates);
		return -EPIPE;
	}
	if (f.h.first_sample + a < r->next_sample) {
		fprintf(stderr, "fplate record: the sample index went back within stream_id %u; "
			"stopping\n", f.h.stream_id);
		return -EPIPE;
	}
	if (f.h.first_sample > r->next_sample) {
		ret = fill_gap(r, f.h.first_sample - r->next_sample);
		if (ret)
			return ret;
	}
	if (r->stop_on) {
		/* from after the start edge in the first frame, else from sample 0 */
		edge = fp_edge_find(&r->track, r->sync, r->samples ? 0 : a + 1, f.h.n_samples,
				    r->sync_bit, r->stop_on);
		if (edge >= 0) {
			b = (uint32_t)edge;
			stop = 1;
		}
	}
	need = (size_t)f.h.n_samples * r->n_analog;
	if (need > r->buf_cap) {
		float *nb = realloc(r->buf, need * sizeof(float));

		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->buf_cap = need;
	}
	for (uint32_t s = a; s < b; s++) {
		float *row = r->buf + (size_t)(s - a) * r->n_analog;

		for (uint32_t p = 0; p < r->plates; p++)
			for (uint32_t k = 0; k < FP_NFIELDS; k++)
				fields[p * FP_NFIELDS + k] = k < f.h.n_fields ?
					fp_wire_value(&f, s, p, k) : NAN;
		fp_c3d_session_values(fields, r->plates, row);
		if (r->has_sync)
			row[6 * r->plates] = r->sync ? (float)(r->sync[s] & 0xffffff) : 0.0f;
	}
	r->next_sample = f.h.first_sample + f.h.n_samples;
	start = r->samples;
	if (r->samples < r->limit && put(r, r->buf, b - a))
		return -EIO;
	/* a file that does not start on a trigger has no edge on its first
	 * sample: nothing before it is in the file */
	ev_from = start == 0 && !r->start_on ? a + 1 : a;
	if (r->has_sync && r->sync && ev_from < a + (uint32_t)(r->samples - start))
		sync_events(r, f.h.first_sample, ev_from, a + (uint32_t)(r->samples - start));
	fp_edge_advance(&r->track, r->sync, f.h.n_samples);
	return r->samples >= r->limit || stop;
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

/*
 * fplated restarted (r->run says how). While recording: stop, the file
 * holds one stream (-ECONNRESET). Before the first sample is written:
 * forget the old run's frames and status and record the new stream.
 */
static int restarted(struct rec *r)
{
	char what[160];

	fpc_run_what(&r->run, what, sizeof(what));
	if (r->w) {
		uint64_t n = fp_c3d_writer_frames(r->w) * r->spf;

		fprintf(stderr, "fplate record: %s; stopping: %s holds the %llu samples (%.3f s) "
			"of stream_id %u up to the restart; record the new stream into a new "
			"file\n", what, r->path, (unsigned long long)n,
			r->rate > 0 ? (double)n / r->rate : 0.0, r->run.old_stream_id);
		return -ECONNRESET;
	}
	fprintf(stderr, "fplate record: %s before the first sample was written; recording "
		"the new stream\n", what);
	for (uint32_t i = 0; i < r->n_pending; i++)
		free(r->pending[i]);
	r->n_pending = 0;
	r->have_status = 0;
	r->rate = 0;
	r->uri[0] = r->serial[0] = r->calib[0] = r->calib_source[0] = '\0';
	r->track.have_prev = 0;
	return 0;
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

		/* a signal outside fp_sub_read's poll leaves only the flag */
		if (fpc_interrupted())
			return 0;
		ret = fp_sub_read(sub, &m, (int)(r->timeout_s * 1000), msg, sizeof(msg));
		if (ret == -EINTR && fpc_interrupted())
			return 0;
		if (ret == -EINTR || ret == -EBADMSG)
			continue;   /* a malformed frame: the next one shows the gap */
		if (ret == 0) {
			if (r->w && r->source_ended)
				return 0;   /* the replayed file ended: the recording is whole */
			fprintf(stderr, "fplate record: no %s from fplated at %s within %g s "
				"%s\n", r->w ? "more data" : r->have_status ? "force frames" : "status",
				r->endpoint, r->timeout_s,
				r->w ? "before the end of the recording: it stops here" :
				"(is fplated running? --endpoint)");
			/* the data stopped before the recording's end: broken, not done */
			return r->w ? -EPIPE : -ETIMEDOUT;
		}
		if (ret < 0) {
			fprintf(stderr, "fplate record: %s\n", msg);
			return ret;
		}
		ret = fpc_run_check(&r->run, &m) ? restarted(r) : 0;
		if (ret < 0)
			return ret;
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
	fpc_run_init(&r.run);
	fpc_catch_signals();
	if (fpc_sub_open("record", r.endpoint, FP_SUB_FORCE | FP_SUB_STATUS | FP_SUB_STEP, &sub, msg,
			sizeof(msg))) {
		fprintf(stderr, "fplate record: %s\n", msg);
		return 1;
	}
	ret = record_loop(&r, sub);
	fp_sub_close(sub);
	status = ret == -EPIPE || ret == -ECONNRESET ? EXIT_BROKEN : ret < 0 ? 1 : 0;
	if (r.w) {
		uint64_t frames = fp_c3d_writer_frames(r.w);

		fp_c3d_writer_set_sync_edges(r.w, r.sync_edges);
		if (fp_c3d_writer_close(r.w, msg, sizeof(msg))) {
			fprintf(stderr, "fplate record: %s\n", msg);
			status = 1;
		}
		/* the samples of an incomplete last C3D frame are not in the file */
		fprintf(stderr, "fplate record: wrote %s: %llu frames, %llu samples at %g Hz "
			"(%llu received), %u plates, %llu gaps (%llu samples written as NaN), "
			"%llu step events, %llu sync edges%s\n", r.path, (unsigned long long)frames,
			(unsigned long long)(frames * r.spf), r.rate, (unsigned long long)r.samples,
			r.plates, (unsigned long long)r.gaps,
			(unsigned long long)r.nan_samples, (unsigned long long)r.events,
			(unsigned long long)r.sync_edges,
			r.events_dropped ? " (more steps than room for events: some dropped)" : "");
	} else {
		status = 1;
	}
	for (uint32_t i = 0; i < r.n_pending; i++)
		free(r.pending[i]);
	free(r.buf);
	free(r.sync);
	return status;
}
