// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_client.c - one request/reply over fplated's control socket for the
 * CLI commands (describe, tare, set, calibration, average, reset-counters).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "ctl_client.h"

int fp_ctl_parse_opts(int argc, char **argv, struct fp_ctl_opts *o, const char *usage,
		      const char *extra_help, int *first_arg)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	double secs;
	int c;

	o->endpoint = getenv("FPLATE_CTL") ? getenv("FPLATE_CTL") : FP_DEFAULT_CTL;
	o->json = 0;
	o->timeout_ms = 5000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->endpoint = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end || !(secs > 0) || secs > 3600) {
				fprintf(stderr, "fplate %s: --timeout '%s' is not a number of seconds in (0, 3600]\n",
					argv[0], optarg);
				return 2;
			}
			o->timeout_ms = (int)(secs * 1000);
			break;
		case 'h':
			printf("usage: fplate %s [--ctl E] [--json] [--timeout S]%s\n%s\n"
			       "  --ctl E      control endpoint (default %s, env FPLATE_CTL)\n"
			       "  --json       print the daemon's JSON reply as is\n"
			       "  --timeout S  seconds to wait for the daemon (default 5)\n",
			       argv[0], usage, extra_help, FP_DEFAULT_CTL);
			return 1;
		default:
			fprintf(stderr, "usage: fplate %s [--ctl E] [--json] [--timeout S]%s\n", argv[0], usage);
			return 2;
		}
	}
	*first_arg = optind;
	return 0;
}

/*
 * The shared secret of a control socket off loopback (docs/control.md):
 * the first line of the file named by $FPLATE_CTL_TOKEN_FILE, if set.
 * Returns 0, or -1 after printing why the file cannot be used.
 */
static int add_token(json_t *req, const char *cmd_name)
{
	const char *path = getenv("FPLATE_CTL_TOKEN_FILE");
	char token[128];
	FILE *f;

	if (!path || !path[0])
		return 0;
	f = fopen(path, "r");
	if (!f || !fgets(token, sizeof(token), f)) {
		fprintf(stderr, "fplate %s: FPLATE_CTL_TOKEN_FILE '%s': cannot read it\n",
			cmd_name, path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	json_object_set_new(req, "token", json_string(token));
	return 0;
}

/* The first line of a key file, or the text itself when it is a 40-character key. */
static int read_key(const char *what, const char *v, char out[41], const char *cmd_name)
{
	char line[128];
	FILE *f;

	if (strlen(v) == 40 && !strchr(v, '/')) {
		memcpy(out, v, 41);
		return 0;
	}
	f = fopen(v, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "fplate %s: %s '%s': cannot read it\n", cmd_name, what, v);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) != 40) {
		fprintf(stderr, "fplate %s: %s '%s': the first line must be a 40-character Z85 key "
			"(fplate keygen)\n", cmd_name, what, v);
		return -1;
	}
	memcpy(out, line, 41);
	return 0;
}

/*
 * CURVE for a control endpoint off loopback (docs/control.md, "Security"):
 * $FPLATE_CTL_SERVER_KEY (the daemon's public key, or its .pub file) and
 * $FPLATE_CTL_KEY_FILE (this client's secret key, from fplate keygen).
 */
int fp_ctl_curve_client(void *sock, const char *cmd_name)
{
	const char *server = getenv("FPLATE_CTL_SERVER_KEY"), *mine = getenv("FPLATE_CTL_KEY_FILE");
	char skey[41], sec[41], pub[41];

	if (!server || !server[0])
		return 0;
	if (!mine || !mine[0]) {
		fprintf(stderr, "fplate %s: FPLATE_CTL_SERVER_KEY needs FPLATE_CTL_KEY_FILE (this "
			"client's secret key, fplate keygen) too\n", cmd_name);
		return -1;
	}
	if (read_key("FPLATE_CTL_SERVER_KEY", server, skey, cmd_name) ||
	    read_key("FPLATE_CTL_KEY_FILE", mine, sec, cmd_name))
		return -1;
	if (zmq_curve_public(pub, sec) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, skey, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40)) {
		fprintf(stderr, "fplate %s: CURVE keys refused: %s\n", cmd_name,
			zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

json_t *fp_ctl_call(const struct fp_ctl_opts *o, const char *cmd_name, json_t *req)
{
	void *ctx = NULL, *sock = NULL;
	char *text = NULL;
	json_t *reply = NULL;
	json_error_t jerr;
	int linger = 0;
	zmq_msg_t msg;

	if (add_token(req, cmd_name)) {
		json_decref(req);
		return NULL;
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	ctx = zmq_ctx_new();
	sock = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
	if (!sock || !text) {
		fprintf(stderr, "fplate %s: out of memory\n", cmd_name);
		goto out;
	}
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sock, ZMQ_RCVTIMEO, &o->timeout_ms, sizeof(o->timeout_ms));
	if (fp_ctl_curve_client(sock, cmd_name))
		goto out;
	if (zmq_connect(sock, o->endpoint)) {
		fprintf(stderr, "fplate %s: bad control endpoint '%s': %s\n", cmd_name, o->endpoint,
			zmq_strerror(zmq_errno()));
		goto out;
	}
	if (zmq_send(sock, text, strlen(text), 0) < 0)
		goto no_answer;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, 0) < 0) {
		zmq_msg_close(&msg);
		goto no_answer;
	}
	reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	zmq_msg_close(&msg);
	if (!reply || !json_is_object(reply)) {
		fprintf(stderr, "fplate %s: the daemon's reply is not a JSON object\n", cmd_name);
		json_decref(reply);
		reply = NULL;
	} else if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *field = json_string_value(json_object_get(reply, "field"));

		fprintf(stderr, "fplate %s: error: %s%s%s%s\n", cmd_name,
			fp_ctl_str(reply, "error", "failed"),
			field ? " (field " : "", field ? field : "", field ? ")" : "");
		json_decref(reply);
		reply = NULL;
	}
	goto out;
no_answer:
	fprintf(stderr, "fplate %s: no answer from fplated at %s within %.1f s (is it running? --ctl)\n",
		cmd_name, o->endpoint, o->timeout_ms / 1000.0);
out:
	free(text);
	if (sock)
		zmq_close(sock);
	if (ctx)
		zmq_ctx_term(ctx);
	return reply;
}

void fp_ctl_print(const struct fp_ctl_opts *o, json_t *reply, const char *key)
{
	json_t *what = key ? json_object_get(reply, key) : reply;

	if (o->json || !what)
		what = reply;
	json_dumpf(what, stdout, o->json ? JSON_COMPACT : (JSON_INDENT(2) | JSON_PRESERVE_ORDER));
	printf("\n");
}

const char *fp_ctl_str(json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : def;
}
