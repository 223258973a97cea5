/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_client.h - the CLI side of fplated's control socket (docs/control.md):
 * send one JSON request, wait for the reply with a timeout, print it.
 */
#ifndef FPLATE_CTL_CLIENT_H
#define FPLATE_CTL_CLIENT_H

#include <jansson.h>

#include "ctl_proto.h"   /* FP_DEFAULT_CTL */

/* Seconds a control command waits for the daemon's reply by default. */
#define FPC_CTL_TIMEOUT_S 3.0

/* Options every control command takes. */
struct fp_ctl_opts {
	/* --ctl, else beside --endpoint, else $FPLATE_CTL, else beside
	 * $FPLATE_ENDPOINT, else FP_DEFAULT_CTL */
	const char *endpoint;
	int json;               /* --json: print the raw reply */
	int timeout_ms;         /* --timeout seconds, default FPC_CTL_TIMEOUT_S */
	char ctl_buf[512];
};

/*
 * Parse the common options (--endpoint E, --ctl E, --json, --timeout S,
 * --help) out of argv, leaving the command's own arguments in
 * argv[first_arg..]. extra_help is printed under the usage line. Returns 0,
 * 1 after --help (exit 0), or 2 (message printed).
 */
int fp_ctl_parse_opts(int argc, char **argv, struct fp_ctl_opts *o, const char *usage,
		      const char *extra_help, int *first_arg);

/* A request that averages MS ms (tare, average) waits that much longer. */
void fp_ctl_wait_for(struct fp_ctl_opts *o, const char *ms);

/*
 * Send req (stolen reference) and return the reply object, or NULL after
 * printing one line: no answer within the timeout, or the daemon's error
 * ("fplate tare: error: ... (field ...)").
 */
json_t *fp_ctl_call(const struct fp_ctl_opts *o, const char *cmd_name, json_t *req);

/*
 * Make sock a CURVE client when $FPLATE_CTL_SERVER_KEY is set (with
 * $FPLATE_CTL_KEY_FILE, docs/control.md "Security"): for the control
 * socket and for subscribers of a CURVE publish endpoint. 0, or -1 after
 * printing why.
 */
int fp_ctl_curve_client(void *sock, const char *cmd_name);
/* The CURVE keys of the environment, Z85: 1 found, 0 none set, -1 bad (said on stderr). */
int fp_ctl_curve_keys(const char *cmd_name, char skey[41], char sec[41]);

/* Print a reply: --json as received, else indented JSON of `key` (or all). */
void fp_ctl_print(const struct fp_ctl_opts *o, json_t *reply, const char *key);

/* String member of an object, or def when absent or not a string. */
const char *fp_ctl_str(json_t *obj, const char *key, const char *def);

#endif
