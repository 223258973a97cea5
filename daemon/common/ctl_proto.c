// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ctl_proto.c - parse and validate control-socket requests. Every value a
 * client can send is checked for type and range here, so the daemon acts on
 * a struct that is known to be sane and never on raw JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "util_int.h"

#define FAIL(f, ...) do {                                               \
	if (field && field_len) snprintf(field, field_len, "%s", (f));  \
	if (msg && msg_len) snprintf(msg, msg_len, __VA_ARGS__);        \
	return -EINVAL;                                                 \
} while (0)

struct key_range {
	const char *name;
	enum fp_ctl_key key;
	double min, max;
	const char *unit;
};

static const struct key_range keys[] = {
	{ "belt_speed",   FP_CTL_KEY_BELT_SPEED,   0,   12,   "m/s" },
	{ "body_mass",    FP_CTL_KEY_BODY_MASS,    0,   250,  "kg" },
	{ "fz_threshold", FP_CTL_KEY_FZ_THRESHOLD, 1,   500,  "N" },
	{ "contact_on",   FP_CTL_KEY_CONTACT_ON,   5,   1000, "N" },
	{ "contact_off",  FP_CTL_KEY_CONTACT_OFF,  5,   1000, "N" },
	{ "cutoff_hz",    FP_CTL_KEY_CUTOFF,       5,   500,  "Hz" },
};

const char *fp_ctl_key_name(enum fp_ctl_key key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].key == key)
			return keys[i].name;
	return "?";
}

/* A number given as JSON number or numeric string ("3.2" from a shell). */
static int get_number(json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return isfinite(*out) ? 0 : -EINVAL;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (!*s)
			return -EINVAL;
		*out = strtod(s, &end);
		return (*end || !isfinite(*out)) ? -EINVAL : 0;
	}
	return -EINVAL;
}

static int get_ms(json_t *root, int def, int *out, char *field, size_t field_len,
		  char *msg, size_t msg_len)
{
	json_t *v = json_object_get(root, "ms");
	double d;

	if (!v) {
		*out = def;
		return 0;
	}
	if (get_number(v, &d) || d < 10 || d > 60000 || d != floor(d))
		FAIL("ms", "ms must be a whole number of milliseconds in [10, 60000]");
	*out = (int)d;
	return 0;
}

static int get_string(json_t *root, const char *name, char *out, size_t out_len,
		      char *field, size_t field_len, char *msg, size_t msg_len)
{
	json_t *v = json_object_get(root, name);

	if (!v)
		FAIL(name, "'%s' is required", name);
	if (!json_is_string(v))
		FAIL(name, "'%s' must be a string", name);
	if (json_string_length(v) == 0 || json_string_length(v) >= out_len)
		FAIL(name, "'%s' must be 1 to %zu characters", name, out_len - 1);
	snprintf(out, out_len, "%s", json_string_value(v));
	return 0;
}

/* record start: subject, session and the sync trigger, all optional. */
static int parse_record_lab(json_t *root, struct fp_ctl_request *req, char *field,
			    size_t field_len, char *msg, size_t msg_len)
{
	static const char *const edge_keys[2] = { "start_on_sync", "stop_on_sync" };
	enum fp_edge *edges[2] = { &req->start_on_sync, &req->stop_on_sync };
	json_t *v;
	double bit;
	int ret;

	if (json_object_get(root, "subject")) {
		ret = get_string(root, "subject", req->subject, sizeof(req->subject), field,
				 field_len, msg, msg_len);
		if (ret)
			return ret;
	}
	if (json_object_get(root, "session")) {
		ret = get_string(root, "session", req->session, sizeof(req->session), field,
				 field_len, msg, msg_len);
		if (ret)
			return ret;
	}
	for (int i = 0; i < 2; i++) {
		v = json_object_get(root, edge_keys[i]);
		if (v && (!json_is_string(v) || fp_edge_parse(json_string_value(v), edges[i])))
			FAIL(edge_keys[i], "record: %s must be \"rising\" or \"falling\"",
			     edge_keys[i]);
	}
	v = json_object_get(root, "sync_bit");
	if (v && (get_number(v, &bit) || bit < 0 || bit > FP_SYNC_MAX_BIT || bit != (int)bit))
		FAIL("sync_bit", "record: sync_bit must be a whole number in [0, %d]",
		     FP_SYNC_MAX_BIT);
	if (v)
		req->sync_bit = (unsigned int)bit;
	if (req->stop_on_sync && !req->start_on_sync)
		FAIL("stop_on_sync", "record: stop_on_sync needs start_on_sync");
	return 0;
}

static int parse_set(json_t *root, struct fp_ctl_request *req, char *field,
		     size_t field_len, char *msg, size_t msg_len)
{
	char name[32];
	int ret = get_string(root, "key", name, sizeof(name), field, field_len, msg, msg_len);
	json_t *v;

	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].name, name))
			continue;
		v = json_object_get(root, "value");
		if (!v)
			FAIL("value", "set %s: 'value' is required", name);
		if (get_number(v, &req->value) || req->value < keys[i].min ||
		    req->value > keys[i].max)
			FAIL("value", "set %s: value must be a number in [%g, %g] %s", name,
			     keys[i].min, keys[i].max, keys[i].unit);
		if (keys[i].key == FP_CTL_KEY_BODY_MASS && req->value > 0 && req->value < 20)
			FAIL("value", "set body_mass: value must be 0 (automatic) or in [20, 250] kg");
		req->key = keys[i].key;
		return 0;
	}
	FAIL("key", "set: unknown key '%s' (known: belt_speed, body_mass, fz_threshold, "
	     "contact_on, contact_off, cutoff_hz)", name);
}

static int parse_action(json_t *root, const char *cmd, const char *a, const char *b,
			int *which, char *field, size_t field_len, char *msg, size_t msg_len)
{
	char action[16];
	int ret = get_string(root, "action", action, sizeof(action), field, field_len,
			     msg, msg_len);

	if (ret)
		return ret;
	if (!strcmp(action, a))
		*which = 0;
	else if (!strcmp(action, b))
		*which = 1;
	else
		FAIL("action", "%s: action must be '%s' or '%s', not '%s'", cmd, a, b, action);
	return 0;
}

static int parse_cmd(json_t *root, const char *cmd, struct fp_ctl_request *req,
		     char *field, size_t field_len, char *msg, size_t msg_len)
{
	int which, ret;
	json_t *v;

	if (!strcmp(cmd, "describe")) {
		req->cmd = FP_CTL_DESCRIBE;
	} else if (!strcmp(cmd, "status")) {
		req->cmd = FP_CTL_STATUS;
	} else if (!strcmp(cmd, "reset-counters")) {
		req->cmd = FP_CTL_RESET_COUNTERS;
	} else if (!strcmp(cmd, "average")) {
		req->cmd = FP_CTL_AVERAGE;
		return get_ms(root, 1000, &req->ms, field, field_len, msg, msg_len);
	} else if (!strcmp(cmd, "tare")) {
		req->cmd = FP_CTL_TARE;
		ret = get_ms(root, 500, &req->ms, field, field_len, msg, msg_len);
		if (ret)
			return ret;
		req->max_load_n = 50;
		v = json_object_get(root, "max_load_n");
		if (v && (get_number(v, &req->max_load_n) || req->max_load_n <= 0 ||
			  req->max_load_n > 5000))
			FAIL("max_load_n", "tare: max_load_n must be a number in (0, 5000] N");
	} else if (!strcmp(cmd, "set")) {
		req->cmd = FP_CTL_SET;
		return parse_set(root, req, field, field_len, msg, msg_len);
	} else if (!strcmp(cmd, "calibration")) {
		ret = parse_action(root, cmd, "load", "get", &which, field, field_len, msg, msg_len);
		if (ret)
			return ret;
		req->cmd = which ? FP_CTL_CALIBRATION_GET : FP_CTL_CALIBRATION_LOAD;
		if (which)
			return 0;
		v = json_object_get(root, "force");
		if (v && !json_is_boolean(v))
			FAIL("force", "calibration load: force must be true or false");
		req->force = json_is_true(v);
		return get_string(root, "file", req->file, sizeof(req->file), field,
				  field_len, msg, msg_len);
	} else if (!strcmp(cmd, "record")) {
		ret = parse_action(root, cmd, "start", "stop", &which, field, field_len, msg, msg_len);
		if (ret)
			return ret;
		req->cmd = which ? FP_CTL_RECORD_STOP : FP_CTL_RECORD_START;
		if (which)
			return 0;
		ret = get_string(root, "file", req->file, sizeof(req->file), field, field_len,
				 msg, msg_len);
		if (ret)
			return ret;
		v = json_object_get(root, "seconds");
		if (v && (get_number(v, &req->seconds) || req->seconds < 0 ||
			  req->seconds > 86400))
			FAIL("seconds", "record: seconds must be a number in [0, 86400]");
		return parse_record_lab(root, req, field, field_len, msg, msg_len);
	} else if (!strcmp(cmd, "device-set")) {
		req->cmd = FP_CTL_DEVICE_SET;
		ret = get_string(root, "key", req->dev_key, sizeof(req->dev_key), field,
				 field_len, msg, msg_len);
		if (ret)
			return ret;
		return get_string(root, "value", req->dev_value, sizeof(req->dev_value), field,
				  field_len, msg, msg_len);
	} else {
		FAIL("cmd", "unknown command '%s' (known: describe, status, average, tare, set, "
		     "calibration, record, reset-counters, device-set)", cmd);
	}
	return 0;
}

int fp_ctl_parse(const char *text, size_t len, struct fp_ctl_request *req,
		 char *field, size_t field_len, char *msg, size_t msg_len)
{
	json_error_t jerr;
	json_t *root, *cmd;
	int ret;

	memset(req, 0, sizeof(*req));
	if (field && field_len)
		field[0] = '\0';
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		FAIL("", "request is not valid JSON: %s at line %d column %d", jerr.text,
		     jerr.line, jerr.column);
	if (!json_is_object(root)) {
		json_decref(root);
		FAIL("", "request must be a JSON object like {\"cmd\": \"status\"}");
	}
	cmd = json_object_get(root, "cmd");
	if (!json_is_string(cmd)) {
		json_decref(root);
		FAIL("cmd", "'cmd' is required and must be a string");
	}
	if (json_object_get(root, "token")) {
		ret = get_string(root, "token", req->token, sizeof(req->token), field, field_len,
				 msg, msg_len);
		if (ret) {
			json_decref(root);
			return ret;
		}
	}
	ret = parse_cmd(root, json_string_value(cmd), req, field, field_len, msg, msg_len);
	json_decref(root);
	return ret;
}

void fp_ctl_token(const char *text, size_t len, char *out, size_t out_len)
{
	json_t *root = json_loadb(text, len, 0, NULL);
	json_t *v = json_is_object(root) ? json_object_get(root, "token") : NULL;

	out[0] = '\0';
	if (json_is_string(v) && json_string_length(v) < out_len)
		snprintf(out, out_len, "%s", json_string_value(v));
	json_decref(root);
}

json_t *fp_ctl_error_reply(const char *field, const char *msg)
{
	json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", msg ? msg : "failed");

	if (r && field && *field)
		json_object_set_new(r, "field", json_string(field));
	return r;
}

int fp_ctl_endpoint_beside(const char *ep, char *out, size_t len, char *msg, size_t msg_len)
{
	const char *colon = strrchr(ep, ':');
	char *end;
	long port;
	int n;

	if (!strncmp(ep, "ipc://", 6)) {
		n = snprintf(out, len, "%s.ctl", ep);
	} else if (!strncmp(ep, "tcp://", 6) && colon && colon > ep + 6) {
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port >= 65535) {
			MSG("publish endpoint '%s': cannot place the control socket beside it "
			    "(give [control] endpoint / --ctl)", ep);
			return -EINVAL;
		}
		n = snprintf(out, len, "%.*s:%ld", (int)(colon - ep), ep, port + 1);
	} else {
		MSG("publish endpoint '%s': give the control endpoint too ([control] endpoint / --ctl)",
		    ep);
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= len) {
		MSG("publish endpoint '%s' too long to derive the control endpoint", ep);
		return -EINVAL;
	}
	return 0;
}
