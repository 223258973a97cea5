// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control.c - fplated's control socket (docs/control.md): a ZeroMQ ROUTER
 * socket served from the main thread's poll loop.
 *
 * Requests are parsed and validated by daemon/common/ctl_proto.c; this file acts on
 * them. Quick requests (describe, status, set, calibration, reset-counters)
 * are answered at once. Requests that need data (average, tare) collect
 * samples through the window stage (stage_window.c) and are answered when
 * the window is full; recording is the record stage (stage_record.c); device-set is handed to the
 * acquisition thread, which alone may touch the device while it runs, and
 * answered when it has been applied. While one of those is pending other
 * clients are still answered (ROUTER keeps each client's envelope): only a
 * second window or device-set is refused as busy. A request never kills
 * the daemon: every failure is an error reply.
 *
 * What a client can make the daemon do is bounded: a request is one frame
 * of at most FPD_CTL_MAX_REQUEST bytes (libzmq drops the connection of a
 * larger one before it is buffered), a multipart request is refused as a
 * whole with one reply, the token is checked before the request is
 * interpreted, at most CTL_BURST requests are handled before the loop goes
 * back to publishing, and refusals are logged at most once a second.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "fplated.h"
#include "ctl_proto.h"
#include "fplate/wire.h"

/* A data request that cannot complete in ms + this is answered with an error. */
#define CTL_GRACE_NS (5LL * 1000000000LL)
/* Requests handled per wake-up before the loop publishes again. */
#define CTL_BURST 32
/* Refused requests (bad token, malformed envelope) answered per second;
 * beyond that they get no reply, which bounds guessing. */
#define FPD_CTL_REFUSALS_PER_S 5


static int open_router(struct fpd *d, const char *ep, void **out, char *msg, size_t msg_len)
{
	int64_t maxsize = FPD_CTL_MAX_REQUEST;
	int linger = 0, ret;
	void *sock = zmq_socket(d->pub.ctx, ZMQ_ROUTER);

	*out = NULL;
	if (!sock) {
		snprintf(msg, msg_len, "control socket: %s", zmq_strerror(zmq_errno()));
		return -ENOMEM;
	}
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxsize, sizeof(maxsize));
	ret = fpd_curve_apply(sock, ep, msg, msg_len);
	if (!ret)
		ret = fpd_ipc_folder(ep, msg, msg_len);   /* publish.c */
	if (ret) {
		zmq_close(sock);
		return ret;
	}
	if (zmq_bind(sock, ep)) {
		snprintf(msg, msg_len, "control endpoint '%s': %s", ep, zmq_strerror(zmq_errno()));
		zmq_close(sock);
		return -EADDRINUSE;
	}
	*out = sock;
	return 0;
}

int fpd_ctl_open(struct fpd *d, char *msg, size_t msg_len)
{
	struct fpd_ctl *c = &d->ctl;
	int ret;

	c->to = &c->cur;
	if (!d->cfg.ctl_endpoint[0])
		return 0; /* control disabled */
	ret = fpd_ctl_auth_init(d, msg, msg_len);
	if (!ret)
		ret = open_router(d, d->cfg.ctl_endpoint, &c->sock, msg, msg_len);
	if (!ret && d->cfg.ctl_read_endpoint[0])
		ret = open_router(d, d->cfg.ctl_read_endpoint, &c->read_sock, msg, msg_len);
	return ret;
}

void fpd_ctl_close(struct fpd *d)
{
	if (d->ctl.sock)
		zmq_close(d->ctl.sock);
	if (d->ctl.read_sock)
		zmq_close(d->ctl.read_sock);
	d->ctl.sock = NULL;
	d->ctl.read_sock = NULL;
	fpd_curve_close();
}

/* [routing id][empty delimiter][text] to the client in d->ctl.to. */
static void send_reply(struct fpd *d, const char *text)
{
	const struct fpd_ctl_peer *to = d->ctl.to;

	/* a client that went away is skipped by ROUTER: nothing blocks */
	if (!to->sock)
		return;
	if (zmq_send(to->sock, to->id, to->id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(to->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(to->sock, text, strlen(text), ZMQ_DONTWAIT) < 0)
		fpd_warn("control reply: %s", zmq_strerror(zmq_errno()));
}

void fpd_reply_json(struct fpd *d, json_t *r)
{
	char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;

	if (!text)
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
	if (text)
		send_reply(d, text);
	free(text);
	json_decref(r);
}

void fpd_reply_error(struct fpd *d, const char *field, const char *fmt, ...)
{
	char msg[FP_MSG_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fpd_debug("control: error reply: %s", msg);
	fpd_reply_json(d, fp_ctl_error_reply(field, msg));
}

static json_t *ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *plate_json(const struct fp_plate_calib *pc, unsigned int idx)
{
	json_t *corners = json_array();

	for (int i = 0; i < 4; i++)
		json_array_append_new(corners, json_pack("[f, f, f]", pc->corners_mm[i][0],
							 pc->corners_mm[i][1], pc->corners_mm[i][2]));
	return json_pack("{s:i, s:i, s:f, s:f, s:f, s:[f, f], s:o, s:f}", "index", (int)idx,
			 "channels", (int)pc->channels, "width_mm", pc->width_mm,
			 "length_mm", pc->length_mm, "surface_h_mm", pc->surface_h_mm,
			 "origin_mm", pc->origin_mm[0], pc->origin_mm[1], "corners_mm", corners,
			 "fz_threshold_n", pc->fz_threshold_n);
}

static json_t *describe_json(struct fpd *d)
{
	json_t *fields = json_array(), *plates = json_array(), *s;

	for (int f = 0; f < FP_NFIELDS; f++)
		json_array_append_new(fields, json_pack("{s:s, s:s}", "name", fp_field_name(f),
							"unit", fp_field_unit(f)));
	for (uint32_t p = 0; p < d->cal.plates; p++)
		json_array_append_new(plates, plate_json(&d->cal.plate[p], p + 1));
	s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:i, s:b, s:I,"
		      " s:o, s:o, s:s, s:s, s:s}",
		      "name", "fplate", "source", d->info.uri, "backend", d->info.backend,
		      "model", d->info.model, "serial", d->info.serial,
		      "firmware", d->info.firmware, "rate_hz", d->info.rate_hz,
		      "plates", (int)d->info.plates, "channels", (int)d->info.channels,
		      "wire_version", FP_WIRE_VERSION, "has_sync", d->info.has_sync,
		      "stream_id", (json_int_t)d->stream_id, "fields", fields, "plate", plates,
		      "calibration_id", d->cal.id, "calibration_source", d->calib_source,
		      "frame", "x right, y forward (belt moves toward -y), z up; "
			       "COP relative to the surface centre");
	/* which of several daemons this is (docs/wire-format.md, "Several daemons") */
	json_object_set_new(s, "stream_name", json_string(d->cfg.name));
	json_object_set_new(s, "belt_speed_mps", isfinite(d->settings.belt_speed_mps) ?
			    json_real(d->settings.belt_speed_mps) : json_null());
	json_object_set_new(s, "body_mass_kg", d->settings.body_mass_kg > 0 ?
			    json_real(d->settings.body_mass_kg) : json_null());
	json_object_set_new(s, "endpoints", json_pack("{s:s, s:s}", "pub", d->cfg.endpoint,
						       "ctl", d->cfg.ctl_endpoint));
	/* what a subscriber can ask for (docs/wire-format.md) */
	json_object_set_new(s, "topics", json_pack("[s, s, s, s]", FP_TOPIC_FORCE, FP_TOPIC_STATUS,
						    FP_TOPIC_STEP, FP_TOPIC_IMPACT));
	/* where record start / calibration load NAME find their files */
	json_object_set_new(s, "files", json_pack("{s:s, s:s}", "record_dir", d->cfg.record_dir,
						   "calibration_dir", d->cfg.calibration_dir));
	return json_pack("{s:b, s:o}", "ok", 1, "stream", s);
}

static void do_set(struct fpd *d, const struct fp_ctl_request *r)
{
	struct fpd_settings *s = &d->settings;

	switch (r->key) {
	case FP_CTL_KEY_BELT_SPEED:
		s->belt_speed_mps = r->value;
		break;
	case FP_CTL_KEY_BODY_MASS:
		s->body_mass_kg = r->value;
		break;
	case FP_CTL_KEY_FZ_THRESHOLD:
		for (uint32_t p = 0; p < d->cal.plates; p++)
			d->cal.plate[p].fz_threshold_n = r->value;
		break;
	case FP_CTL_KEY_CONTACT_ON:
		if (r->value <= s->contact_off_n) {
			fpd_reply_error(d, "value", "set contact_on: %g N must be above contact_off (%g N)",
				    r->value, s->contact_off_n);
			return;
		}
		s->contact_on_n = r->value;
		break;
	case FP_CTL_KEY_CONTACT_OFF:
		if (r->value >= s->contact_on_n) {
			fpd_reply_error(d, "value", "set contact_off: %g N must be below contact_on (%g N)",
				    r->value, s->contact_on_n);
			return;
		}
		s->contact_off_n = r->value;
		break;
	case FP_CTL_KEY_CUTOFF:
		if (r->value >= d->info.rate_hz / 2) {
			fpd_reply_error(d, "value", "set cutoff_hz: %g Hz must be below half the sample rate (%g Hz)",
				    r->value, d->info.rate_hz / 2);
			return;
		}
		s->cutoff_hz = r->value;
		break;
	}
	s->generation++;
	fpd_info("control: set %s = %g", fp_ctl_key_name(r->key), r->value);
	fpd_reply_json(d, json_pack("{s:b, s:s, s:f}", "ok", 1, "key", fp_ctl_key_name(r->key),
			   "value", r->value));
}

/* A calibration file is small: a few plates of 6 x 8 numbers. */
#define CALIB_MAX_BYTES (1 << 20)

static void do_calibration_load(struct fpd *d, const char *name, int force)
{
	const char *dir = d->cfg.calibration_dir;
	struct fp_calib *cal = malloc(sizeof(*cal));
	char why[FP_MSG_MAX];
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (!cal) {
		fpd_reply_error(d, "", "out of memory");
		return;
	}
	/* only a regular file of the calibration folder, read without blocking
	 * on a FIFO; the loader names it by its name, never quotes its text */
	ret = fpd_file_read("calibration", dir, name, CALIB_MAX_BYTES, &text, &len, why,
			    sizeof(why));
	if (!ret)
		ret = fp_calib_loadb(name, text, len, cal, why, sizeof(why));
	free(text);
	if (!ret)
		ret = fp_calib_check(cal, &d->info, why, sizeof(why));
	if (!ret && cal->serial[0] && d->info.serial[0] && strcmp(cal->serial, d->info.serial) &&
	    !force) {
		/* another device's matrix gives forces off by orders of magnitude */
		fpd_reply_error(d, "file", "calibration not loaded, previous one kept: %s is for "
				"serial %s, this device is %s (\"force\": true loads it anyway)",
				name, cal->serial, d->info.serial);
	} else if (ret) {
		fpd_reply_error(d, "file", "calibration not loaded, previous one kept: %s", why);
	} else {
		if (cal->serial[0] && d->info.serial[0] && strcmp(cal->serial, d->info.serial))
			fpd_warn("control: calibration %s for serial %s forced onto device %s",
				 cal->id, cal->serial, d->info.serial);
		/* The main thread calibrates every block, so swapping here is
		 * atomic with respect to the stream: all of a block or none. */
		d->cal = *cal;
		snprintf(d->calib_source, sizeof(d->calib_source), "file %.*s/%.*s",
			 FPD_PATH_MAX - FPD_NAME_MAX - 2, dir, FPD_NAME_MAX, name);
		d->settings.generation++;   /* stages reconfigure (gait's COP uses it) */
		fpd_info("control: calibration %s loaded from %s/%s", d->cal.id, dir, name);
		fpd_reply_json(d, json_pack("{s:b, s:s}", "ok", 1, "id", d->cal.id));
	}
	free(cal);
}

static void do_calibration_get(struct fpd *d)
{
	char *text = fp_calib_dump(&d->cal);
	json_t *cal = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	if (!cal) {
		fpd_reply_error(d, "", "cannot serialise the calibration in use");
		return;
	}
	fpd_reply_json(d, json_pack("{s:b, s:s, s:o}", "ok", 1, "id", d->cal.id, "calibration", cal));
}

static void do_reset_counters(struct fpd *d)
{
	struct fpd_stats *b = &d->stats_before_reset;

	b->samples += d->stats.samples;
	b->frames += d->stats.frames;
	b->gaps += d->stats.gaps;
	b->lost_samples += d->stats.lost_samples;
	b->saturated_frames += d->stats.saturated_frames;
	b->resumes += d->stats.resumes;
	d->dropped_before_reset += d->pub.dropped;
	d->resets++;
	memset(&d->stats, 0, sizeof(d->stats));
	d->pub.dropped = 0;
	d->pub.sent = 0;
	fp_ring_reset_high_water(&d->acq.ring);
	fpd_info("control: counters reset");
	fpd_reply_json(d, ok());
}

/* Start collecting for average / tare. */
static void start_window(struct fpd *d, const struct fp_ctl_request *r)
{
	struct fpd_ctl *c = &d->ctl;

	if (r->cmd == FP_CTL_TARE && d->info.unit == FP_RAW_FM) {
		fpd_reply_error(d, "cmd", "tare: %s delivers calibrated forces; there is no raw zero to set",
			    d->info.uri);
		return;
	}
	c->req = *r;
	c->pend = c->cur;
	c->busy = 1;
	fpd_window_start(d, (uint64_t)ceil(r->ms * d->info.rate_hz / 1000.0));
	c->deadline_ns = fp_clock_ns(CLOCK_MONOTONIC) + (int64_t)r->ms * 1000000 + CTL_GRACE_NS;
}

static double mean_of(const struct fpd_ctl_acc *a, uint32_t p, int k)
{
	return a->finite[p][k] ? a->sum[p][k] / (double)a->finite[p][k] : NAN;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *window_json(struct fpd *d)
{
	const struct fpd_ctl_acc *a = &d->ctl.acc;
	json_t *plates = json_array();

	for (uint32_t p = 0; p < d->info.plates; p++) {
		json_t *mean = json_object(), *sd = json_object();

		for (int k = 0; k < FP_NFIELDS; k++) {
			double n = (double)a->finite[p][k], m = mean_of(a, p, k);
			double var = n > 1 ? (a->sumsq[p][k] - n * m * m) / (n - 1) : NAN;

			json_object_set_new(mean, fp_field_name(k), num_or_null(m));
			json_object_set_new(sd, fp_field_name(k), num_or_null(var > 0 ? sqrt(var) :
									   n > 1 ? 0.0 : NAN));
		}
		json_array_append_new(plates, json_pack("{s:i, s:o, s:o, s:I}", "plate", (int)p + 1,
							"mean", mean, "sd", sd,
							"samples", (json_int_t)a->n));
	}
	return plates;
}

static void finish_tare(struct fpd *d, json_t *plates)
{
	const struct fpd_ctl_acc *a = &d->ctl.acc;
	const struct fp_ctl_request *r = &d->ctl.req;
	json_t *out = json_array();

	for (uint32_t p = 0; p < d->info.plates; p++) {
		double fz = mean_of(a, p, FP_FZ);

		if (!(fabs(fz) <= r->max_load_n)) {
			json_decref(plates);
			json_decref(out);
			fpd_reply_error(d, "max_load_n",
				    "tare refused: plate %u carries %.1f N (limit %.1f N); "
				    "step off and remove any load, previous tare kept", p + 1, fz,
				    r->max_load_n);
			return;
		}
	}
	for (uint32_t p = 0; p < d->info.plates; p++) {
		struct fp_plate_calib *pc = &d->cal.plate[p];
		json_t *offs = json_array();

		for (uint32_t k = 0; k < pc->channels; k++) {
			pc->tare_v[k] = a->volts[p][k] / (double)a->n;
			json_array_append_new(offs, json_real(pc->tare_v[k]));
		}
		json_array_append_new(out, json_pack("{s:i, s:o, s:[f, f, f]}", "plate", (int)p + 1,
						     "offset_v", offs, "before_n",
						     mean_of(a, p, FP_FX), mean_of(a, p, FP_FY),
						     mean_of(a, p, FP_FZ)));
	}
	json_decref(plates);
	d->settings.generation++;
	fpd_info("control: tared from %llu samples", (unsigned long long)a->n);
	fpd_reply_json(d, json_pack("{s:b, s:o}", "ok", 1, "plates", out));
}

static void do_device_set(struct fpd *d, const struct fp_ctl_request *r)
{
	struct fpd_acq *a = &d->acq;

	pthread_mutex_lock(&a->set_lock);
	snprintf(a->set_key, sizeof(a->set_key), "%s", r->dev_key);
	snprintf(a->set_value, sizeof(a->set_value), "%s", r->dev_value);
	a->set_msg[0] = '\0';
	atomic_store(&a->set_state, FPD_SET_PENDING);
	pthread_mutex_unlock(&a->set_lock);
	d->ctl.req = *r;
	d->ctl.pend = d->ctl.cur;
	d->ctl.deadline_ns = fp_clock_ns(CLOCK_MONOTONIC) + CTL_GRACE_NS;
	d->ctl.busy = 1;
}

static void finish_device_set(struct fpd *d)
{
	struct fpd_acq *a = &d->acq;
	int ret;

	pthread_mutex_lock(&a->set_lock);
	ret = a->set_result;
	atomic_store(&a->set_state, FPD_SET_IDLE);
	pthread_mutex_unlock(&a->set_lock);
	if (ret)
		fpd_reply_error(d, "value", "device-set %s: %s", a->set_key,
			    a->set_msg[0] ? a->set_msg : fp_strerror(ret));
	else
		fpd_reply_json(d, json_pack("{s:b, s:s, s:s}", "ok", 1, "key", a->set_key,
				   "value", a->set_value));
}

static void refusal_flush(struct fpd *d, int64_t now);

static void finish_busy(struct fpd *d)
{
	d->ctl.busy = 0;
	d->ctl.to = &d->ctl.cur;
}

void fpd_ctl_tick(struct fpd *d)
{
	struct fpd_ctl *c = &d->ctl;

	if (c->refused_unlogged)
		refusal_flush(d, fp_clock_ns(CLOCK_MONOTONIC));
	if (!c->busy)
		return;
	c->to = &c->pend;
	if (c->req.cmd == FP_CTL_DEVICE_SET &&
	    atomic_load(&d->acq.set_state) == FPD_SET_DONE) {
		finish_device_set(d);
		finish_busy(d);
		return;
	}
	if ((c->req.cmd == FP_CTL_AVERAGE || c->req.cmd == FP_CTL_TARE) && c->acc.n >= c->need) {
		json_t *plates = window_json(d);

		if (c->req.cmd == FP_CTL_TARE)
			finish_tare(d, plates);
		else
			fpd_reply_json(d, json_pack("{s:b, s:o}", "ok", 1, "plates", plates));
		finish_busy(d);
		return;
	}
	if (fp_clock_ns(CLOCK_MONOTONIC) > c->deadline_ns) {
		if (c->req.cmd == FP_CTL_DEVICE_SET) {
			/* the acquisition thread did not take it: withdraw it */
			pthread_mutex_lock(&d->acq.set_lock);
			atomic_store(&d->acq.set_state, FPD_SET_IDLE);
			pthread_mutex_unlock(&d->acq.set_lock);
		}
		fpd_reply_error(d, "", "timed out: the device delivered %llu of %llu samples (device %s)",
			    (unsigned long long)c->acc.n, (unsigned long long)c->need,
			    fpd_dev_state_name(atomic_load(&d->acq.state)));
		finish_busy(d);
		return;
	}
	c->to = &c->cur;
}

static void do_record(struct fpd *d, const struct fp_ctl_request *r)
{
	char msg[FP_MSG_MAX * 2];
	uint64_t n;

	if (r->cmd == FP_CTL_RECORD_START) {
		int ret;

		if (!d->rec.w) {
			struct fpd_rec_opts *o = &d->rec.opt;

			memset(o, 0, sizeof(*o));
			snprintf(o->subject, sizeof(o->subject), "%s", r->subject);
			snprintf(o->session, sizeof(o->session), "%s", r->session);
			o->start_on = r->start_on_sync;
			o->stop_on = r->stop_on_sync;
			o->sync_bit = r->sync_bit;
		}
		ret = fpd_record_start(d, r->file, r->seconds, msg, sizeof(msg));

		if (ret == -EBUSY)
			fpd_reply_error(d, "action", "record: %s", msg);
		else if (ret == -ENOTSUP)
			fpd_reply_error(d, "start_on_sync", "record: %s", msg);
		else if (ret)
			fpd_reply_error(d, "file", "record: %s", msg);
		else
			fpd_reply_json(d, json_pack("{s:b, s:s}", "ok", 1, "file", d->rec.path));
		return;
	}
	if (!d->rec.w) {
		fpd_reply_error(d, "action", "record stop: not recording");
		return;
	}
	n = fpd_record_stop(d);
	fpd_reply_json(d, json_pack("{s:b, s:s, s:I}", "ok", 1, "file", d->rec.path,
				    "samples", (json_int_t)n));
}

static const char *cmd_name(enum fp_ctl_cmd cmd)
{
	switch (cmd) {
	case FP_CTL_AVERAGE:
		return "average";
	case FP_CTL_TARE:
		return "tare";
	case FP_CTL_DEVICE_SET:
		return "device-set";
	default:
		return "request";
	}
}

static void dispatch(struct fpd *d, const struct fp_ctl_request *r, int role)
{
	const struct fpd_ctl *c = &d->ctl;

	if (role != FPD_ROLE_CONTROL && r->cmd != FP_CTL_DESCRIBE && r->cmd != FP_CTL_STATUS) {
		fpd_ctl_refusal(d, "control command from the read role", "");
		fpd_reply_error(d, "cmd", "forbidden: this endpoint (or key) has the read role: "
				"describe and status only; control commands go to the control "
				"endpoint with the control role (docs/control.md, \"Security\")");
		return;
	}

	if (c->busy && (r->cmd == FP_CTL_AVERAGE || r->cmd == FP_CTL_TARE ||
			r->cmd == FP_CTL_DEVICE_SET)) {
		int64_t left = (c->deadline_ns - fp_clock_ns(CLOCK_MONOTONIC)) / 1000000;

		fpd_reply_error(d, "cmd", "busy: %s of another client in progress "
				"(at most %lld ms more); try again then", cmd_name(c->req.cmd),
				(long long)(left > 0 ? left : 0));
		return;
	}
	switch (r->cmd) {
	case FP_CTL_DESCRIBE:
		fpd_reply_json(d, describe_json(d));
		break;
	case FP_CTL_STATUS: {
		json_t *s = fpd_status_json(d);

		json_object_set_new(s, "ok", json_true());
		fpd_reply_json(d, s);
		break;
	}
	case FP_CTL_AVERAGE:
	case FP_CTL_TARE:
		start_window(d, r);
		break;
	case FP_CTL_SET:
		do_set(d, r);
		break;
	case FP_CTL_CALIBRATION_LOAD:
		do_calibration_load(d, r->file, r->force);
		break;
	case FP_CTL_CALIBRATION_GET:
		do_calibration_get(d);
		break;
	case FP_CTL_RESET_COUNTERS:
		do_reset_counters(d);
		break;
	case FP_CTL_DEVICE_SET:
		do_device_set(d, r);
		break;
	case FP_CTL_RECORD_START:
	case FP_CTL_RECORD_STOP:
		do_record(d, r);
		break;
	}
}

/* Log what was refused since the last line, once its second is over. */
static void refusal_flush(struct fpd *d, int64_t now)
{
	struct fpd_ctl *c = &d->ctl;

	if (now - c->refuse_window_ns < 1000000000LL)
		return;
	if (c->refused_unlogged)
		fpd_warn("control: %u more refused in the last second, the last one: %s",
			 c->refused_unlogged, c->refused_last);
	c->refuse_window_ns = now;
	c->refused_in_window = 0;
	c->refused_unlogged = 0;
}

int fpd_ctl_refusal(struct fpd *d, const char *why, const char *who)
{
	struct fpd_ctl *c = &d->ctl;
	int64_t now = fp_clock_ns(CLOCK_MONOTONIC);

	c->refused_total++;
	refusal_flush(d, now);
	snprintf(c->refused_last, sizeof(c->refused_last), "%s%s%s", who, who[0] ? ": " : "", why);
	if (c->refused_in_window++ == 0)
		fpd_warn("control: refused: %s (%llu refused since start)", c->refused_last,
			 (unsigned long long)c->refused_total);
	else
		c->refused_unlogged++;
	return c->refused_in_window <= FPD_CTL_REFUSALS_PER_S;
}

/* Discard the rest of a multipart message; returns the frames discarded. */
static unsigned long drain_more(void *sock)
{
	unsigned long n = 0;
	int more = 1;
	size_t len = sizeof(more);
	zmq_msg_t m;

	while (!zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) && more) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		zmq_msg_close(&m);
		n++;
		len = sizeof(more);
	}
	return n;
}

/*
 * One message from the ROUTER: [routing id][empty][request]. 0 with the
 * request in m, 1 when there was nothing to read, -1 when the message was
 * malformed and has been dealt with.
 */
static int recv_request(struct fpd *d, void *sock, zmq_msg_t *m)
{
	struct fpd_ctl *c = &d->ctl;
	unsigned long extra;
	zmq_msg_t id;

	c->cur.sock = sock;
	zmq_msg_init(&id);
	if (zmq_msg_recv(&id, sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&id);
		return 1;
	}
	c->cur.id_len = zmq_msg_size(&id) < sizeof(c->cur.id) ? zmq_msg_size(&id) : 0;
	memcpy(c->cur.id, zmq_msg_data(&id), c->cur.id_len);
	zmq_msg_close(&id);
	/* the empty delimiter of REQ clients */
	zmq_msg_init(m);
	if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0 || zmq_msg_size(m) != 0 ||
	    !zmq_msg_more(m)) {
		drain_more(sock);
		zmq_msg_close(m);
		fpd_ctl_refusal(d, "not a REQ envelope (use a REQ socket)", "");
		return -1;
	}
	zmq_msg_close(m);
	zmq_msg_init(m);
	if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(m);
		return -1;
	}
	extra = zmq_msg_more(m) ? drain_more(sock) : 0;
	if (extra) {
		char why[96];

		zmq_msg_close(m);
		snprintf(why, sizeof(why), "multipart request of %lu frames", extra + 1);
		if (fpd_ctl_refusal(d, why, ""))
			fpd_reply_error(d, "", "a request is one frame of JSON, not %lu frames; "
					"nothing was done", extra + 1);
		return -1;
	}
	return 0;
}

void fpd_ctl_handle(struct fpd *d, void *sock)
{
	struct fpd_ctl *c = &d->ctl;
	char field[64], msg[FP_MSG_MAX * 2], token[128];
	struct fp_ctl_request req;
	zmq_msg_t m;
	int ret, role;

	for (int n = 0; sock && n < CTL_BURST; n++) {
		c->to = &c->cur;
		ret = recv_request(d, sock, &m);
		if (ret > 0)
			return;
		if (ret < 0)
			continue;
		/* the token first: nothing of the request is acted on without it */
		if (c->secret[0]) {
			fp_ctl_token(zmq_msg_data(&m), zmq_msg_size(&m), token, sizeof(token));
			if (!fpd_ctl_auth_ok(d, token)) {
				if (fpd_ctl_refusal(d, token[0] ? "wrong token" : "no token", ""))
					fpd_reply_error(d, "token", "unauthorized: this control socket "
							"needs the shared secret as \"token\"");
				zmq_msg_close(&m);
				continue;
			}
		}
		role = fpd_curve_role(&m, sock == c->sock ? FPD_ROLE_CONTROL : FPD_ROLE_READ);
		if (fp_ctl_parse(zmq_msg_data(&m), zmq_msg_size(&m), &req, field, sizeof(field),
				 msg, sizeof(msg)))
			fpd_reply_error(d, field, "%s", msg);
		else
			dispatch(d, &req, role);
		zmq_msg_close(&m);
	}
}
