// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod-sub - a lean fplated subscriber that checks for loss (VM test helper).
 *
 *   kmod-sub ENDPOINT SECONDS [READY_FILE]
 *
 * Subscribes to `force` frames at ENDPOINT and, after the first frame,
 * counts SECONDS worth of samples (by the frames' sample period). Loss is
 * judged from the device sample index, not from flags alone: every frame's
 * first_sample must equal the previous frame's first_sample + n_samples,
 * and the frame sequence must not jump. Touches READY_FILE once subscribed
 * (ZeroMQ drops what is published before a subscription is in place).
 * Prints one line
 *   frames=F samples=S first=A last=B lost=L missed_frames=M gap_flags=G
 * and exits 0 only when lost, missed_frames and gap_flags are all 0.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fplate/wire.h"

int main(int argc, char **argv)
{
	unsigned long long frames = 0, samples = 0, lost = 0, missed = 0, gap_flags = 0;
	unsigned long long first = 0, next_sample = 0, next_seq = 0, limit = 0;
	void *ctx, *sub;
	int timeout_ms = 5000, status = 0;
	char topic[32], msg[256];

	if (argc < 3 || argc > 4 || !strcmp(argv[1], "--help")) {
		fputs("usage: kmod-sub ENDPOINT SECONDS [READY_FILE]\n"
		      "Subscribe to fplated's force frames for SECONDS of samples and check\n"
		      "that none was lost (sample index and frame sequence contiguous).\n",
		      argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	ctx = zmq_ctx_new();
	sub = zmq_socket(ctx, ZMQ_SUB);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof(timeout_ms));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, FP_TOPIC_FORCE, strlen(FP_TOPIC_FORCE));
	if (zmq_connect(sub, argv[1])) {
		fprintf(stderr, "kmod-sub: connect %s: %s\n", argv[1], zmq_strerror(errno));
		return 1;
	}
	if (argc == 4) {
		FILE *f = fopen(argv[3], "w");

		if (f)
			fclose(f);
	}
	for (;;) {
		zmq_msg_t payload;
		struct fp_wire_frame f;
		int more = 0;
		size_t more_len = sizeof(more);
		int n = zmq_recv(sub, topic, sizeof(topic) - 1, 0);

		if (n < 0) {
			fprintf(stderr, "kmod-sub: no frame for %d ms: %s\n", timeout_ms,
				zmq_strerror(errno));
			status = 1;
			break;
		}
		zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &more_len);
		if (!more)
			continue;
		zmq_msg_init(&payload);
		if (zmq_msg_recv(&payload, sub, 0) < 0) {
			zmq_msg_close(&payload);
			continue;
		}
		if (fp_wire_decode(zmq_msg_data(&payload), zmq_msg_size(&payload), &f, msg,
				   sizeof(msg))) {
			fprintf(stderr, "kmod-sub: malformed frame: %s\n", msg);
			zmq_msg_close(&payload);
			status = 1;
			break;
		}
		if (frames == 0) {
			first = f.h.first_sample;
			limit = (unsigned long long)llround(atof(argv[2]) * 1e9 / f.h.period_ns);
		} else {
			if (f.h.first_sample != next_sample)
				lost += f.h.first_sample - next_sample;
			if (f.h.sequence != next_seq)
				missed += f.h.sequence - next_seq;
		}
		if (frames && (f.h.flags & (FP_WIRE_F_GAP | FP_WIRE_F_OVERRUN)))
			gap_flags++;
		frames++;
		samples += f.h.n_samples;
		next_sample = f.h.first_sample + f.h.n_samples;
		next_seq = f.h.sequence + 1;
		zmq_msg_close(&payload);
		if (samples >= limit)
			break;
	}
	printf("frames=%llu samples=%llu first=%llu last=%llu lost=%llu missed_frames=%llu "
	       "gap_flags=%llu\n", frames, samples, first, next_sample ? next_sample - 1 : 0,
	       lost, missed, gap_flags);
	zmq_close(sub);
	zmq_ctx_term(ctx);
	return status || lost || missed || gap_flags || !frames ? 1 : 0;
}
