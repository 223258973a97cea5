// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_sub.c - the subscriber API (fplate/sub.h) against a PUB socket of
 * the test's own: what it publishes (frames with known sequence numbers,
 * a malformed frame, a message of the wrong shape, step and status JSON)
 * is what fp_sub_read must return, with the lost frames counted exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "fp_test.h"
#include "fplate/calib.h"
#include "fplate/sub.h"
#include "fplate/wire.h"

static void send2(void *pub, const char *topic, const void *data, size_t len)
{
	CU_ASSERT(zmq_send(pub, topic, strlen(topic), ZMQ_SNDMORE) >= 0);
	CU_ASSERT(zmq_send(pub, data, len, 0) >= 0);
}

static void send_frame(void *pub, uint32_t stream, uint64_t seq)
{
	struct fp_wire_header h = { .stream_id = stream, .sequence = seq,
				    .first_sample = 10 * seq, .period_ns = 5e5, .n_samples = 10,
				    .n_plates = 1, .n_fields = FP_NFIELDS };
	double v[10 * FP_NFIELDS];
	unsigned char buf[1024];
	long n;

	for (int i = 0; i < 10 * FP_NFIELDS; i++)
		v[i] = (double)seq + i / 16.0;   /* exact in float32 */
	n = fp_wire_encode(&h, v, NULL, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	send2(pub, FP_TOPIC_FORCE, buf, (size_t)n);
}

/* Publish until the subscriber sees a first frame (slow joiner), then the script. */
static void test_sub_read(void)
{
	char path[64], ep[80], msg[256];
	void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_PUB);
	struct fp_sub *s;
	struct fp_sub_msg m;
	struct fp_sub_stats st;
	uint64_t seq = 0;
	int ret, linger = 0;

	snprintf(path, sizeof(path), "/tmp/fp-test-sub-%d", (int)getpid());
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger));
	CU_ASSERT_EQUAL_FATAL(zmq_bind(pub, ep), 0);
	CU_ASSERT_EQUAL_FATAL(fp_sub_open(ep, FP_SUB_FORCE | FP_SUB_STEP, &s, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(fp_sub_endpoint(s), ep);
	/* nothing yet: a timeout, not an error */
	CU_ASSERT_EQUAL(fp_sub_read(s, &m, 20, msg, sizeof(msg)), 0);
	for (ret = 0; ret != 1 && seq < 200; seq++) {
		send_frame(pub, 7, seq);
		ret = fp_sub_read(s, &m, 20, msg, sizeof(msg));
	}
	CU_ASSERT_EQUAL_FATAL(ret, 1);
	CU_ASSERT_EQUAL(m.kind, FP_SUB_FORCE);
	CU_ASSERT(m.new_stream);
	CU_ASSERT_EQUAL(m.missed_frames, 0);
	seq = m.frame.h.sequence;
	while (fp_sub_read(s, &m, 50, msg, sizeof(msg)) == 1)   /* drain the joiners */
		seq = m.frame.h.sequence;

	/* seq+1, then a jump of 3 lost frames to seq+5 */
	send_frame(pub, 7, seq + 1);
	send_frame(pub, 7, seq + 5);
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(m.frame.h.sequence, seq + 1);
	CU_ASSERT_EQUAL(m.missed_frames, 0);
	CU_ASSERT_FALSE(m.new_stream);
	CU_ASSERT_EQUAL(fp_wire_value(&m.frame, 2, 0, FP_FZ), (float)(seq + 1) + (2 * FP_NFIELDS + FP_FZ) / 16.0f);
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(m.frame.h.sequence, seq + 5);
	CU_ASSERT_EQUAL(m.missed_frames, 3);

	/* a malformed frame: -EBADMSG with the reason, and reading goes on */
	send2(pub, FP_TOPIC_FORCE, "FPLF-not-a-frame", 16);
	/* wrong shapes are skipped: one part only; three parts */
	CU_ASSERT(zmq_send(pub, FP_TOPIC_FORCE, 5, 0) >= 0);
	CU_ASSERT(zmq_send(pub, FP_TOPIC_STEP, 4, ZMQ_SNDMORE) >= 0);
	CU_ASSERT(zmq_send(pub, "{}", 2, ZMQ_SNDMORE) >= 0);
	CU_ASSERT(zmq_send(pub, "x", 1, 0) >= 0);
	/* a step, and a status nobody subscribed to */
	send2(pub, FP_TOPIC_STATUS, "{\"s\":1}", 7);
	send2(pub, FP_TOPIC_STEP, "{\"foot\":\"L\"}", 12);
	/* a restarted daemon: new stream_id, its sequence starts again */
	send_frame(pub, 8, 0);
	CU_ASSERT_EQUAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT(strlen(msg) > 0);
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(m.kind, FP_SUB_STEP);
	CU_ASSERT_STRING_EQUAL(m.json, "{\"foot\":\"L\"}");
	CU_ASSERT_EQUAL(m.json_len, 12);
	CU_ASSERT_EQUAL(m.payload_len, 12);
	CU_ASSERT(m.payload && !memcmp(m.payload, "{\"foot\":\"L\"}", 12));
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(m.kind, FP_SUB_FORCE);
	CU_ASSERT(m.new_stream);
	CU_ASSERT_EQUAL(m.missed_frames, 0);
	/* ... and a restart with a fixed stream_id: only the sequence goes back */
	send_frame(pub, 8, 1);
	send_frame(pub, 8, 0);
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_FALSE(m.new_stream);
	CU_ASSERT_EQUAL_FATAL(fp_sub_read(s, &m, 1000, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(m.frame.h.sequence, 0);
	CU_ASSERT(m.new_stream);
	CU_ASSERT_EQUAL(m.missed_frames, 0);
	CU_ASSERT_EQUAL(fp_sub_read(s, &m, 50, msg, sizeof(msg)), 0);
	fp_sub_stats(s, &st);
	CU_ASSERT_EQUAL(st.missed_frames, 3);
	CU_ASSERT_EQUAL(st.malformed, 1);
	CU_ASSERT_EQUAL(st.steps, 1);
	CU_ASSERT_EQUAL(st.status, 0);
	CU_ASSERT_EQUAL(st.samples, 10 * st.frames);
	fp_sub_close(s);
	zmq_close(pub);
	zmq_ctx_term(ctx);
	unlink(path);
}

static void test_sub_open_errors(void)
{
	struct fp_sub *s = (struct fp_sub *)1;
	char msg[256] = "";

	CU_ASSERT_EQUAL(fp_sub_open("tcp://127.0.0.1:5555", 0, &s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(strstr(msg, "FP_SUB_FORCE") != NULL);
	CU_ASSERT(fp_sub_open("nope://x", FP_SUB_FORCE, &s, msg, sizeof(msg)) < 0);
	CU_ASSERT(strstr(msg, "nope://x") != NULL);
	fp_sub_close(NULL);
}

void fp_suite_sub(void)
{
	FP_ADD_SUITE("sub",
		     { "read frames, gaps, malformed, steps", test_sub_read },
		     { "open errors", test_sub_open_errors });
}
