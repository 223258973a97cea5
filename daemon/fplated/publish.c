// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish.c - the ZeroMQ PUB socket. Every message is [topic][payload],
 * sent with ZMQ_DONTWAIT so the daemon never blocks on a subscriber.
 *
 * Slow subscribers (cfg.drop_policy):
 *  - count (default): ZMQ_XPUB_NODROP makes a send fail with EAGAIN when
 *    some subscriber's queue (ZMQ_SNDHWM messages) is full; that message is
 *    dropped for every subscriber and counted in `dropped`;
 *  - isolate: plain PUB, libzmq drops for the slow subscriber only and
 *    nobody can count it here; subscribers see jumps in the frame sequence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "fplated.h"

#define MSG(...) do { if (msg && msg_len) snprintf(msg, msg_len, __VA_ARGS__); } while (0)

int fpd_pub_open(struct fpd_pub *p, const struct fpd_config *cfg, char *msg, size_t msg_len)
{
	int hwm = cfg->sndhwm, nodrop = cfg->drop_policy == FPD_DROP_COUNT, linger = 200;

	memset(p, 0, sizeof(*p));
	p->ctx = zmq_ctx_new();
	if (!p->ctx) {
		MSG("cannot create a ZeroMQ context: %s", zmq_strerror(errno));
		return -errno;
	}
	p->sock = zmq_socket(p->ctx, ZMQ_PUB);
	if (!p->sock ||
	    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(p->sock, ZMQ_XPUB_NODROP, &nodrop, sizeof(nodrop)) ||
	    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger))) {
		MSG("cannot set up the ZeroMQ PUB socket: %s", zmq_strerror(errno));
		return -errno;
	}
	if (zmq_bind(p->sock, cfg->endpoint)) {
		int err = errno;

		MSG("cannot bind '%s': %s%s", cfg->endpoint, zmq_strerror(err),
		    err == EADDRINUSE ? " (is another fplated running? use --pub)" : "");
		return -err;
	}
	return 0;
}

int fpd_pub_send(struct fpd_pub *p, const char *topic, const void *data, size_t len)
{
	/* The two parts are queued atomically: libzmq never delivers half a
	 * multipart message, and a refused first part leaves nothing queued. */
	if (zmq_send(p->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(p->sock, data, len, ZMQ_DONTWAIT) < 0) {
		p->dropped++;
		return -errno;
	}
	p->sent++;
	return 0;
}

int fpd_publish_json(struct fpd *d, const char *topic, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9));
	int ret;

	if (!text)
		return -ENOMEM;
	ret = fpd_pub_send(&d->pub, topic, text, strlen(text));
	free(text);
	return ret;
}

void fpd_pub_close(struct fpd_pub *p)
{
	if (p->sock)
		zmq_close(p->sock);
	if (p->ctx)
		zmq_ctx_term(p->ctx);
	p->sock = p->ctx = NULL;
}
