/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.h - what the fplate CLI (and anything else linking daemon/common)
 * needs to talk to fplated: the default endpoint, a SUB socket with a
 * receive timeout, and Ctrl-C handling that ends a receive loop cleanly.
 */
#ifndef FPLATE_CLIENT_H
#define FPLATE_CLIENT_H

#include <stddef.h>

#include <zmq.h>

#include "ctl_proto.h"   /* FP_DEFAULT_ENDPOINT */

/* Seconds a client waits for the daemon before giving up. */
#define FPC_DEFAULT_TIMEOUT_S 3.0

/* --endpoint if given, else $FPLATE_ENDPOINT, else the default. */
const char *fpc_endpoint(const char *option);

struct fpc_sub {
	void *ctx;
	void *sock;
	const char *endpoint;
};

/* Connect a SUB socket to endpoint and subscribe to topics (NULL-terminated). */
int fpc_subscribe(struct fpc_sub *s, const char *endpoint, const char *const topics[],
		  char *msg, size_t msg_len);

/*
 * Receive one [topic][payload] message, waiting at most timeout_ms.
 * Returns 1 with topic (NUL-terminated) and payload (init'ed, caller closes
 * it with zmq_msg_close) filled, 0 on timeout, -EINTR when Ctrl-C was
 * pressed, other negative errno on error. Messages with another shape are
 * skipped.
 */
int fpc_recv(struct fpc_sub *s, char *topic, size_t topic_len, zmq_msg_t *payload,
	     int timeout_ms);

void fpc_close(struct fpc_sub *s);

/* SIGINT / SIGTERM set a flag (and interrupt fpc_recv) instead of killing. */
void fpc_catch_signals(void);
int fpc_interrupted(void);

/* Parse a positive number of seconds; -1 with a message on stderr if bad. */
double fpc_parse_seconds(const char *cmd, const char *option, const char *value);

/* Wall clock in seconds (CLOCK_MONOTONIC). */
double fpc_now_s(void);

#endif
