/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sub.h - subscribe to fplated: the client side of docs/wire-format.md, so
 * a C program needs no ZeroMQ loop of its own (libfplate(3), SUBSCRIBER).
 *
 *   struct fp_sub *s;
 *   struct fp_sub_msg m;
 *   fp_sub_open(NULL, FP_SUB_FORCE | FP_SUB_STEP, &s, msg, sizeof(msg));
 *   while (fp_sub_read(s, &m, 3000) > 0)
 *           if (m.kind == FP_SUB_FORCE)
 *                   use(fp_wire_value(&m.frame, 0, 0, FP_FZ), m.missed_frames);
 *   fp_sub_close(s);
 *
 * One struct fp_sub belongs to one thread at a time.
 */
#ifndef FPLATE_SUB_H
#define FPLATE_SUB_H

#include <stddef.h>
#include <stdint.h>

#include "fplate/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Topics to receive (fp_sub_open) and the kind of a message (fp_sub_read). */
#define FP_SUB_FORCE  (1u << 0)   /* "force": binary frames, decoded */
#define FP_SUB_STEP   (1u << 1)   /* "step": JSON per detected step */
#define FP_SUB_STATUS (1u << 2)   /* "status": JSON, once a status period */
#define FP_SUB_IMPACT (1u << 3)   /* "impact": JSON per stance, before toe-off */

/* The endpoint fp_sub_open(NULL, ...) uses when $FPLATE_ENDPOINT is not set. */
#define FP_SUB_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

struct fp_sub;

/* One message. Pointers stay valid until the next fp_sub_read or fp_sub_close. */
struct fp_sub_msg {
	unsigned int kind;        /* FP_SUB_FORCE, FP_SUB_STEP, FP_SUB_STATUS or FP_SUB_IMPACT */
	struct fp_wire_frame frame; /* FP_SUB_FORCE: the decoded frame */
	/* FP_SUB_FORCE: frames of this stream lost before this one (a jump in
	 * h.sequence: this subscriber was too slow, or the network dropped);
	 * 0 for the first frame and after a restart. */
	uint64_t missed_frames;
	/* FP_SUB_FORCE: first frame, or the daemon restarted: stream_id changed
	 * or (a fixed [publish] stream_id) sequence went back */
	int new_stream;
	const char *json;         /* STEP, STATUS, IMPACT: the JSON text, NUL-terminated */
	size_t json_len;
	const void *payload;      /* every kind: the message as received (to store it) */
	size_t payload_len;
};

/* Totals since fp_sub_open. */
struct fp_sub_stats {
	uint64_t frames;          /* force frames returned */
	uint64_t samples;         /* samples in them */
	uint64_t missed_frames;   /* sum of missed_frames */
	uint64_t malformed;       /* force frames refused by fp_wire_decode */
	uint64_t steps, status;   /* step and status messages returned */
	uint64_t impacts;         /* impact messages returned */
};

/*
 * Connect to fplated's publish endpoint (tcp://HOST:PORT or ipc:///PATH;
 * NULL or "": $FPLATE_ENDPOINT, else FP_SUB_DEFAULT_ENDPOINT) and
 * subscribe to topics (FP_SUB_* ored). Connecting succeeds without a
 * daemon: fp_sub_read's timeout tells. Returns 0, or negative errno with a
 * sentence in msg (bad endpoint, no topic).
 */
int fp_sub_open(const char *endpoint, unsigned int topics, struct fp_sub **out,
		char *msg, size_t msg_len);

/*
 * The same for a publish endpoint that requires CURVE (docs/control.md,
 * "Security"): server_key is the daemon's public key, secret_key this
 * client's secret key, both Z85 text of 40 characters; NULL for either:
 * no CURVE, as fp_sub_open.
 */
int fp_sub_open_curve(const char *endpoint, unsigned int topics, const char *server_key,
		      const char *secret_key, struct fp_sub **out, char *msg, size_t msg_len);

/*
 * Wait at most timeout_ms (< 0: for ever) for the next message of the
 * subscribed topics. Returns 1 with m filled, 0 on timeout, -EINTR when a
 * signal arrived (call again to go on), -EBADMSG for a malformed force
 * frame (reason in msg; it is counted and skipped, call again), other
 * negative errno on a socket error.
 */
int fp_sub_read(struct fp_sub *s, struct fp_sub_msg *m, int timeout_ms, char *msg,
		size_t msg_len);

/* The endpoint connected to. */
const char *fp_sub_endpoint(const struct fp_sub *s);

void fp_sub_stats(const struct fp_sub *s, struct fp_sub_stats *st);

/* Disconnect and free; NULL is fine. */
void fp_sub_close(struct fp_sub *s);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_SUB_H */
