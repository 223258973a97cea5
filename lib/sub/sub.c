// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sub.c - a subscriber of fplated's publish socket (include/fplate/sub.h):
 * a ZeroMQ SUB socket, [topic][payload] messages, force frames decoded by
 * fp_wire_decode, sequence gaps counted per stream_id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "fplate/sub.h"

#include "util_int.h"

struct fp_sub {
	void *ctx, *sock;
	char endpoint[512];
	zmq_msg_t payload;        /* the message fp_sub_read returned last */
	int have_payload;
	char *text;               /* NUL-terminated copy of a JSON payload */
	size_t text_cap;
	int have_seq;
	uint32_t stream_id;
	uint64_t next_seq;
	struct fp_sub_stats st;
};

static const struct {
	unsigned int kind;
	const char *topic;
} topics[] = {
	{ FP_SUB_FORCE, FP_TOPIC_FORCE },
	{ FP_SUB_STEP, FP_TOPIC_STEP },
	{ FP_SUB_STATUS, FP_TOPIC_STATUS },
	{ FP_SUB_IMPACT, FP_TOPIC_IMPACT },
};
#define ALL_TOPICS (FP_SUB_FORCE | FP_SUB_STEP | FP_SUB_STATUS | FP_SUB_IMPACT)

#define NTOPICS (sizeof(topics) / sizeof(topics[0]))

int fp_sub_open(const char *endpoint, unsigned int want, struct fp_sub **out, char *msg,
		size_t msg_len)
{
	return fp_sub_open_curve(endpoint, want, NULL, NULL, out, msg, msg_len);
}

int fp_sub_open_curve(const char *endpoint, unsigned int want, const char *server_key,
		      const char *secret_key, struct fp_sub **out, char *msg, size_t msg_len)
{
	const char *env = getenv("FPLATE_ENDPOINT");
	struct fp_sub *s;
	int linger = 0, err;

	*out = NULL;
	if (!endpoint || !endpoint[0])
		endpoint = env && env[0] ? env : FP_SUB_DEFAULT_ENDPOINT;
	if (!(want & ALL_TOPICS) || (want & ~ALL_TOPICS)) {
		MSG("topics 0x%x: give FP_SUB_FORCE, FP_SUB_STEP, FP_SUB_STATUS and/or FP_SUB_IMPACT",
		    want);
		return -EINVAL;
	}
	if (strlen(endpoint) >= sizeof(s->endpoint)) {
		MSG("endpoint '%.40s...' is too long", endpoint);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		MSG("out of memory");
		return -ENOMEM;
	}
	snprintf(s->endpoint, sizeof(s->endpoint), "%s", endpoint);
	s->ctx = zmq_ctx_new();
	s->sock = s->ctx ? zmq_socket(s->ctx, ZMQ_SUB) : NULL;
	if (!s->sock || zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger))) {
		err = zmq_errno();
		MSG("cannot create a ZeroMQ SUB socket: %s", zmq_strerror(err));
		goto fail;
	}
	if (server_key && secret_key) {
		char pub[41];

		if (strlen(server_key) != 40 || strlen(secret_key) != 40 ||
		    zmq_curve_public(pub, secret_key) ||
		    zmq_setsockopt(s->sock, ZMQ_CURVE_SERVERKEY, server_key, 40) ||
		    zmq_setsockopt(s->sock, ZMQ_CURVE_PUBLICKEY, pub, 40) ||
		    zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, secret_key, 40)) {
			err = EINVAL;
			MSG("CURVE keys refused (40 Z85 characters each expected)");
			goto fail;
		}
	}
	for (size_t i = 0; i < NTOPICS; i++)
		if ((want & topics[i].kind) &&
		    zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, topics[i].topic,
				   strlen(topics[i].topic))) {
			err = zmq_errno();
			MSG("cannot subscribe to '%s': %s", topics[i].topic, zmq_strerror(err));
			goto fail;
		}
	if (zmq_connect(s->sock, endpoint)) {
		err = zmq_errno();
		MSG("bad endpoint '%s': %s (expected tcp://HOST:PORT or ipc:///PATH)", endpoint,
		    zmq_strerror(err));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	fp_sub_close(s);
	return -(err ? err : EINVAL);
}

static void release_payload(struct fp_sub *s)
{
	if (s->have_payload)
		zmq_msg_close(&s->payload);
	s->have_payload = 0;
}

/* Drain the remaining parts of a message with more than two. */
static void drain(void *sock)
{
	int more = 1;
	size_t more_len = sizeof(more);

	while (more) {
		zmq_msg_t part;

		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, sock, 0) < 0)
			more = 0;
		else
			zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &more_len);
		zmq_msg_close(&part);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receive one [topic][payload]: its kind (payload kept in s), 0 to skip, < 0 error. */
static int recv_one(struct fp_sub *s)
{
	char topic[16];
	int more = 0, n;
	size_t more_len = sizeof(more);
	unsigned int kind = 0;

	n = zmq_recv(s->sock, topic, sizeof(topic) - 1, ZMQ_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	topic[n < (int)sizeof(topic) - 1 ? n : (int)sizeof(topic) - 1] = '\0';
	zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &more_len);
	if (!more)
		return 0;   /* not [topic][payload] */
	for (size_t i = 0; i < NTOPICS; i++)
		if (!strcmp(topic, topics[i].topic) && n < (int)sizeof(topic))
			kind = topics[i].kind;
	zmq_msg_init(&s->payload);
	if (zmq_msg_recv(&s->payload, s->sock, 0) < 0) {
		int err = errno;

		zmq_msg_close(&s->payload);
		return -err;
	}
	s->have_payload = 1;
	zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &more_len);
	if (more) {
		drain(s->sock);
		kind = 0;
	}
	if (!kind)
		release_payload(s);
	return (int)kind;
}

static int fill(struct fp_sub *s, unsigned int kind, struct fp_sub_msg *m, char *msg,
		size_t msg_len)
{
	const void *data = zmq_msg_data(&s->payload);
	size_t len = zmq_msg_size(&s->payload);

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->payload = data;
	m->payload_len = len;
	if (kind == FP_SUB_FORCE) {
		if (fp_wire_decode(data, len, &m->frame, msg, msg_len)) {
			s->st.malformed++;
			release_payload(s);
			return -EBADMSG;
		}
		/* a sequence that went back is a restart too (a fixed [publish]
		 * stream_id): ZeroMQ keeps one publisher's order */
		m->new_stream = !s->have_seq || m->frame.h.stream_id != s->stream_id ||
				m->frame.h.sequence < s->next_seq;
		if (!m->new_stream && m->frame.h.sequence > s->next_seq)
			m->missed_frames = m->frame.h.sequence - s->next_seq;
		s->have_seq = 1;
		s->stream_id = m->frame.h.stream_id;
		s->next_seq = m->frame.h.sequence + 1;
		s->st.frames++;
		s->st.samples += m->frame.h.n_samples;
		s->st.missed_frames += m->missed_frames;
		return 1;
	}
	if (len + 1 > s->text_cap) {
		char *t = realloc(s->text, len + 1);

		if (!t) {
			release_payload(s);
			MSG("out of memory");
			return -ENOMEM;
		}
		s->text = t;
		s->text_cap = len + 1;
	}
	memcpy(s->text, data, len);
	s->text[len] = '\0';
	m->json = s->text;
	m->json_len = len;
	if (kind == FP_SUB_STEP)
		s->st.steps++;
	else if (kind == FP_SUB_IMPACT)
		s->st.impacts++;
	else
		s->st.status++;
	return 1;
}

int fp_sub_read(struct fp_sub *s, struct fp_sub_msg *m, int timeout_ms, char *msg,
		size_t msg_len)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	release_payload(s);
	for (;;) {
		zmq_pollitem_t item = { s->sock, 0, ZMQ_POLLIN, 0 };
		int64_t left = deadline - now_ms();
		int kind;

		kind = recv_one(s);
		if (kind > 0)
			return fill(s, (unsigned int)kind, m, msg, msg_len);
		if (kind < 0 && kind != -EINTR) {
			MSG("receive from '%s': %s", s->endpoint, zmq_strerror(-kind));
			return kind;
		}
		if (kind == 0 && timeout_ms >= 0 && left <= 0)
			return 0;
		if (kind == 0 && zmq_poll(&item, 1, timeout_ms < 0 ? -1 : (long)left) < 0) {
			if (errno == EINTR)
				return -EINTR;
			MSG("poll '%s': %s", s->endpoint, zmq_strerror(errno));
			return -errno;
		}
		if (kind == -EINTR)
			return -EINTR;
	}
}

const char *fp_sub_endpoint(const struct fp_sub *s)
{
	return s->endpoint;
}

void fp_sub_stats(const struct fp_sub *s, struct fp_sub_stats *st)
{
	*st = s->st;
}

void fp_sub_close(struct fp_sub *s)
{
	if (!s)
		return;
	release_payload(s);
	if (s->sock)
		zmq_close(s->sock);
	if (s->ctx)
		zmq_ctx_term(s->ctx);
	free(s->text);
	free(s);
}
