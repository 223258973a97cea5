// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish.c - the ZeroMQ PUB socket. Every message is [topic][payload],
 * sent with ZMQ_DONTWAIT so the daemon never blocks on a subscriber.
 *
 * Slow subscribers (cfg.drop_policy). Each subscriber has a queue of
 * ZMQ_SNDHWM messages; a full queue must cost that subscriber only.
 *  - count (default): ZMQ_XPUB_NODROP is set, so a send that finds some
 *    subscriber's queue full fails with EAGAIN instead of dropping
 *    silently. We count it in `dropped`, switch NODROP off and send again:
 *    libzmq then queues the message for every subscriber that has room and
 *    drops it for the full ones only. Cost: two setsockopt calls, only
 *    when a subscriber becomes full. libzmq then stops offering messages
 *    to that subscriber until it has caught up (below its low-water mark),
 *    so the daemon sees the first loss of each episode only: `dropped`
 *    counts episodes, the subscriber counts its lost frames exactly from
 *    the jumps in the frame sequence.
 *  - isolate: plain PUB; libzmq drops for the slow subscriber silently and
 *    the daemon cannot count it. Subscribers always see their own losses
 *    as jumps in the frame sequence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "fplated.h"
#include "fplate/wire.h"

#include "util_int.h"

int fpd_ipc_folder(const char *endpoint, char *msg, size_t msg_len)
{
	char dir[sizeof(((struct fpd_config *)0)->endpoint)];
	char *slash;
	struct stat st;
	int err;

	if (strncmp(endpoint, "ipc://", 6))
		return 0;
	snprintf(dir, sizeof(dir), "%s", endpoint + 6);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;   /* relative name, or a file in / */
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return 0;   /* there: bind says what else is wrong */
	/* one level, like the systemd unit's RuntimeDirectory=fplate */
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	err = errno;
	MSG("cannot bind '%s': cannot create the folder %s (%s)%s", endpoint, dir, strerror(err),
	    err == EACCES || err == EPERM ? ": run fplated as root or as its systemd unit, "
	    "or use a folder you may write" : "");
	return -err;
}

int fpd_pub_open(struct fpd_pub *p, const struct fpd_config *cfg, char *msg, size_t msg_len)
{
	int hwm = cfg->sndhwm, nodrop = cfg->drop_policy == FPD_DROP_COUNT, linger = 200;
	void *ctx = p->ctx;   /* made by main.c, which binds the ZAP handler first */
	int64_t sub_max = FPD_SUB_MAX_BYTES;
	int ret;

	memset(p, 0, sizeof(*p));
	p->count_drops = nodrop;
	p->ctx = ctx ? ctx : zmq_ctx_new();
	if (!p->ctx) {
		MSG("cannot create a ZeroMQ context: %s", zmq_strerror(errno));
		return -errno;
	}
	p->sock = zmq_socket(p->ctx, ZMQ_PUB);
	if (!p->sock ||
	    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm)) ||
	    zmq_setsockopt(p->sock, ZMQ_XPUB_NODROP, &nodrop, sizeof(nodrop)) ||
	    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_setsockopt(p->sock, ZMQ_MAXMSGSIZE, &sub_max, sizeof(sub_max))) {
		MSG("cannot set up the ZeroMQ PUB socket: %s", zmq_strerror(errno));
		return -errno;
	}
	if (fpd_ipc_folder(cfg->endpoint, msg, msg_len))
		return -ENOENT;
	/* off loopback only CURVE clients of the allow-list may subscribe */
	ret = fpd_curve_apply(p->sock, cfg->endpoint, msg, msg_len);
	if (ret)
		return ret;
	if (zmq_bind(p->sock, cfg->endpoint)) {
		int err = errno;

		MSG("cannot bind '%s': %s%s", cfg->endpoint, zmq_strerror(err),
		    err == EADDRINUSE ? " (is another fplated running? use --pub)" : "");
		return -err;
	}
	return 0;
}

static int send_parts(void *sock, const char *topic, const void *data, size_t len)
{
	/* libzmq checks the queues when the first part is sent and counts
	 * whole messages against the high-water mark, so either the first part
	 * is refused (nothing queued) or both parts go through. */
	if (zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(sock, data, len, ZMQ_DONTWAIT) < 0)
		return -errno;
	return 0;
}

int fpd_pub_send(struct fpd_pub *p, const char *topic, const void *data, size_t len)
{
	int ret = send_parts(p->sock, topic, data, len);
	int on = 1, off = 0;

	if (ret == -EAGAIN && p->count_drops) {
		/* Some subscriber is full: count it, deliver to the others. */
		p->dropped++;
		zmq_setsockopt(p->sock, ZMQ_XPUB_NODROP, &off, sizeof(off));
		ret = send_parts(p->sock, topic, data, len);
		zmq_setsockopt(p->sock, ZMQ_XPUB_NODROP, &on, sizeof(on));
	} else if (ret) {
		p->dropped++;
	}
	if (!ret)
		p->sent++;
	return ret;
}

int fpd_publish_json(struct fpd *d, const char *topic, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(FP_JSON_DIGITS));
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
