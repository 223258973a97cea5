// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * client.c - subscribe to fplated (see client.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "ctl_client.h"

#include "util_int.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void fpc_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int fpc_interrupted(void)
{
	return interrupted;
}

const char *fpc_endpoint(const char *option)
{
	const char *env = getenv("FPLATE_ENDPOINT");

	if (option && option[0])
		return option;
	if (env && env[0])
		return env;
	return FP_DEFAULT_ENDPOINT;
}

double fpc_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double fpc_parse_seconds(const char *cmd, const char *option, const char *value)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value ? value : "", &end);
	if (!value || errno || end == value || *end || !isfinite(v) || v <= 0) {
		fprintf(stderr, "fplate %s: %s '%s': expected a number of seconds > 0\n", cmd,
			option, value ? value : "");
		return -1;
	}
	return v;
}

int fpc_subscribe(struct fpc_sub *s, const char *endpoint, const char *const topics[],
		  char *msg, size_t msg_len)
{
	int linger = 0;

	memset(s, 0, sizeof(*s));
	s->endpoint = endpoint;
	s->ctx = zmq_ctx_new();
	if (!s->ctx) {
		MSG("cannot create a ZeroMQ context: %s", zmq_strerror(errno));
		return -errno;
	}
	s->sock = zmq_socket(s->ctx, ZMQ_SUB);
	if (!s->sock || zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger))) {
		MSG("cannot create a ZeroMQ SUB socket: %s", zmq_strerror(errno));
		return -errno;
	}
	/* a CURVE publish endpoint: the same keys as the control socket */
	if (fp_ctl_curve_client(s->sock, "subscriber")) {
		MSG("cannot use the CURVE keys of $FPLATE_CTL_SERVER_KEY / $FPLATE_CTL_KEY_FILE");
		return -EINVAL;
	}
	for (int i = 0; topics[i]; i++)
		if (zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i]))) {
			MSG("cannot subscribe to '%s': %s", topics[i], zmq_strerror(errno));
			return -errno;
		}
	/* connect() succeeds without a daemon; the timeout in fpc_recv tells. */
	if (zmq_connect(s->sock, endpoint)) {
		MSG("bad endpoint '%s': %s (expected tcp://HOST:PORT or ipc:///PATH)", endpoint,
		    zmq_strerror(errno));
		return -errno;
	}
	return 0;
}

int fpc_recv(struct fpc_sub *s, char *topic, size_t topic_len, zmq_msg_t *payload,
	     int timeout_ms)
{
	double deadline = fpc_now_s() + timeout_ms / 1000.0;

	for (;;) {
		zmq_pollitem_t item = { s->sock, 0, ZMQ_POLLIN, 0 };
		int left_ms = (int)ceil((deadline - fpc_now_s()) * 1000.0);
		zmq_msg_t part;
		size_t n;
		int more;
		size_t more_len = sizeof(more);

		if (interrupted)
			return -EINTR;
		if (left_ms < 0)
			return 0;
		if (zmq_poll(&item, 1, left_ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!(item.revents & ZMQ_POLLIN))
			continue;
		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, s->sock, 0) < 0) {
			zmq_msg_close(&part);
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = zmq_msg_size(&part);
		if (n >= topic_len)
			n = topic_len - 1;
		memcpy(topic, zmq_msg_data(&part), n);
		topic[n] = '\0';
		zmq_msg_close(&part);
		zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &more_len);
		if (!more)
			continue; /* not [topic][payload]: skip */
		zmq_msg_init(payload);
		if (zmq_msg_recv(payload, s->sock, 0) < 0) {
			zmq_msg_close(payload);
			return -errno;
		}
		zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &more_len);
		if (!more)
			return 1;
		/* Extra parts: drain them and skip the message. */
		while (more) {
			zmq_msg_init(&part);
			zmq_msg_recv(&part, s->sock, 0);
			zmq_msg_close(&part);
			zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &more_len);
		}
		zmq_msg_close(payload);
	}
}

void fpc_close(struct fpc_sub *s)
{
	if (s->sock)
		zmq_close(s->sock);
	if (s->ctx)
		zmq_ctx_term(s->ctx);
	s->sock = s->ctx = NULL;
}
