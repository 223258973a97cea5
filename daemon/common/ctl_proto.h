/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl_proto.h - requests of fplated's control socket (docs/control.md):
 * strict parsing of the JSON request into a typed struct, and the error
 * reply. Kept apart from the daemon so every rule is unit-tested.
 */
#ifndef FPLATE_LIB_CTL_PROTO_H
#define FPLATE_LIB_CTL_PROTO_H

#include <stddef.h>
#include <jansson.h>

#include "sync_edge.h"

/* Where fplated publishes, and answers control requests, by default. */
#define FP_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"
#define FP_DEFAULT_CTL      "tcp://127.0.0.1:5556"

/*
 * The control endpoint that sits beside a publish endpoint, as fplated
 * places it when none is given: tcp://HOST:PORT -> tcp://HOST:PORT+1,
 * ipc://PATH -> ipc://PATH.ctl. 0, or -EINVAL with msg (no port, other
 * transport, too long).
 */
int fp_ctl_endpoint_beside(const char *pub, char *out, size_t len, char *msg, size_t msg_len);

enum fp_ctl_cmd {
	FP_CTL_DESCRIBE,
	FP_CTL_STATUS,
	FP_CTL_AVERAGE,
	FP_CTL_TARE,
	FP_CTL_SET,
	FP_CTL_CALIBRATION_LOAD,
	FP_CTL_CALIBRATION_GET,
	FP_CTL_RECORD_START,
	FP_CTL_RECORD_STOP,
	FP_CTL_RESET_COUNTERS,
	FP_CTL_DEVICE_SET,
};

/* Keys of `set`, with units and ranges in docs/control.md. */
enum fp_ctl_key {
	FP_CTL_KEY_BELT_SPEED,      /* m/s */
	FP_CTL_KEY_BODY_MASS,       /* kg, 0 = automatic */
	FP_CTL_KEY_FZ_THRESHOLD,    /* N */
	FP_CTL_KEY_CONTACT_ON,      /* N */
	FP_CTL_KEY_CONTACT_OFF,     /* N */
	FP_CTL_KEY_CUTOFF,          /* Hz */
};

struct fp_ctl_request {
	enum fp_ctl_cmd cmd;
	int ms;                     /* average, tare */
	double max_load_n;          /* tare */
	enum fp_ctl_key key;        /* set */
	double value;               /* set */
	char file[4096];            /* calibration load, record start */
	double seconds;             /* record start, 0 = until stop */
	/* record start, optional (docs/control.md) */
	char subject[64], session[64];
	enum fp_edge start_on_sync; /* start the file at this edge of sync_bit */
	enum fp_edge stop_on_sync;  /* and end it before the next such edge */
	unsigned int sync_bit;      /* 0 sync input (default), 1 trigger, .. 15 */
	char dev_key[64];           /* device-set */
	char dev_value[256];        /* device-set */
	char token[128];            /* shared secret, "" when not given */
	int force;                  /* calibration load: accept another serial's file */
};

/*
 * Parse one request. On error returns -EINVAL, names the offending field in
 * field (may be "" when the whole request is at fault) and writes a sentence
 * for a person in msg.
 */
int fp_ctl_parse(const char *text, size_t len, struct fp_ctl_request *req,
		 char *field, size_t field_len, char *msg, size_t msg_len);

/*
 * The "token" of a request, "" when it has none, is not a string or the
 * text is not a JSON object; only the token is looked at, so the daemon
 * checks it before it interprets anything else of the request.
 */
void fp_ctl_token(const char *text, size_t len, char *out, size_t out_len);

/* Name of a `set` key as on the wire ("belt_speed"). */
const char *fp_ctl_key_name(enum fp_ctl_key key);

/* {"ok": false, "error": msg, "field": field?}; caller owns the reference. */
json_t *fp_ctl_error_reply(const char *field, const char *msg);

#endif
