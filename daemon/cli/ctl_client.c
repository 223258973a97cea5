// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_client.c - one request/reply over fplated's control socket for the
 * CLI commands (describe, tare, set, calibration, average, reset-counters).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "ctl_client.h"
#include "opts.h"

/*
 * The control endpoint: --ctl, else the one beside --endpoint, else
 * $FPLATE_CTL, else the one beside $FPLATE_ENDPOINT, else the default;
 * fplated places its control socket beside its publish one the same way.
 */
static int find_ctl(struct fp_ctl_opts *o, const char *cmd, const char *ctl, const char *pub)
{
	const char *env_ctl = getenv("FPLATE_CTL"), *env_pub = getenv("FPLATE_ENDPOINT");
	const char *from = NULL;
	char msg[512];

	if (ctl && ctl[0])
		o->endpoint = ctl;
	else if (pub && pub[0])
		from = pub;
	else if (env_ctl && env_ctl[0])
		o->endpoint = env_ctl;
	else if (env_pub && env_pub[0])
		from = env_pub;
	else
		o->endpoint = FP_DEFAULT_CTL;
	if (!from)
		return 0;
	if (fp_ctl_endpoint_beside(from, o->ctl_buf, sizeof(o->ctl_buf), msg, sizeof(msg))) {
		fprintf(stderr, "fplate %s: %s%s\n", cmd, msg,
			from == pub ? "" : " ($FPLATE_ENDPOINT; or set $FPLATE_CTL)");
		return -1;
	}
	o->endpoint = o->ctl_buf;
	return 0;
}

int fp_ctl_parse_opts(int argc, char **argv, struct fp_ctl_opts *o, const char *usage,
		      const char *extra_help, int *first_arg)
{
	static const struct option opts[] = {
		FPC_OPT_CTL, FPC_OPT_ENDPOINT, FPC_OPT_JSON, FPC_OPT_TIMEOUT, FPC_OPT_HELP,
		FPC_OPT_END
	};
	const char *ctl = NULL, *pub = NULL;
	double secs;
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = (int)(FPC_CTL_TIMEOUT_S * 1000);
	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "j", opts)) != -1) {
		switch (c) {
		case FPC_KEY_CTL:
			ctl = optarg;
			break;
		case FPC_KEY_ENDPOINT:
			pub = optarg;
			break;
		case 'j':
		case FPC_KEY_JSON:
			o->json = 1;
			break;
		case FPC_KEY_TIMEOUT:
			if (fpc_opt_double(argv[0], "--timeout", optarg, 0.001, 3600, &secs))
				return 2;
			o->timeout_ms = (int)ceil(secs * 1000);
			break;
		case FPC_KEY_HELP:
			printf("usage: fplate %s [--endpoint E | --ctl E] [--json] [--timeout S]%s\n%s\n\n"
			       "  --endpoint E  fplated's publish endpoint: the control socket beside it\n"
			       "                (TCP port + 1, or PATH.ctl for ipc://PATH) is asked\n"
			       "  --ctl E       the control endpoint itself (default: $FPLATE_CTL, else\n"
			       "                beside $FPLATE_ENDPOINT, else %s)\n"
			       "  --json        print the daemon's JSON reply as is\n"
			       "  --timeout S   seconds to wait for the daemon (default %g%s)\n",
			       argv[0], usage, extra_help, FP_DEFAULT_CTL, FPC_CTL_TIMEOUT_S,
			       strstr(usage, "MS") ? ", plus the MS it averages" : "");
			return 1;
		default:
			return 2;
		}
	}
	if (find_ctl(o, argv[0], ctl, pub))
		return 2;
	*first_arg = optind;
	return 0;
}

void fp_ctl_wait_for(struct fp_ctl_opts *o, const char *ms)
{
	char *end;
	long v = ms ? strtol(ms, &end, 10) : 0;

	/* a bad value is the daemon's to refuse, at once */
	if (ms && !*end && v > 0 && v <= 60000)
		o->timeout_ms += (int)v;
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
int fp_ctl_curve_keys(const char *cmd_name, char skey[41], char sec[41])
{
	const char *server = getenv("FPLATE_CTL_SERVER_KEY"), *mine = getenv("FPLATE_CTL_KEY_FILE");

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
	return 1;
}

int fp_ctl_curve_client(void *sock, const char *cmd_name)
{
	char skey[41], sec[41], pub[41];
	int ret = fp_ctl_curve_keys(cmd_name, skey, sec);

	if (ret <= 0)
		return ret;
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
	fprintf(stderr, "fplate %s: no answer from fplated at %s within %.1f s (is it running? --endpoint, --ctl)\n",
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
