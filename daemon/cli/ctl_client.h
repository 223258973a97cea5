/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_client.h - the CLI side of fplated's control socket (docs/control.md):
 * send one JSON request, wait for the reply with a timeout, print it.
 */
#ifndef FPLATE_CTL_CLIENT_H
#define FPLATE_CTL_CLIENT_H

#include <jansson.h>

#include "ctl_proto.h"   /* FP_DEFAULT_CTL */

/* Options every control command takes. */
struct fp_ctl_opts {
	const char *endpoint;   /* --ctl, env FPLATE_CTL, else FP_DEFAULT_CTL */
	int json;               /* --json: print the raw reply */
	int timeout_ms;         /* --timeout seconds */
};

/*
 * Parse the common options (--ctl E, --json, --timeout S, --help) out of
 * argv, leaving the command's own arguments in argv[optind..]. extra_help is
 * printed under the usage line. Returns 0, 1 after --help (exit 0), or 2.
 */
int fp_ctl_parse_opts(int argc, char **argv, struct fp_ctl_opts *o, const char *usage,
		      const char *extra_help, int *first_arg);

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

/* Print a reply: --json as received, else indented JSON of `key` (or all). */
void fp_ctl_print(const struct fp_ctl_opts *o, json_t *reply, const char *key);

/* String member of an object, or def when absent or not a string. */
const char *fp_ctl_str(json_t *obj, const char *key, const char *def);

#endif
