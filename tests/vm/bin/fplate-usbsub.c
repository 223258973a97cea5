// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fplate-usbsub - a lean fplated subscriber for the usb_* VM cases.
 *
 *   fplate-usbsub ENDPOINT [SECONDS [READY_FILE]]
 *
 * SECONDS counts from the first frame received (from the connect while none
 * came): a ZeroMQ subscription takes effect some time after the connect,
 * longer on a loaded machine, and that time must not eat into the data.
 * READY_FILE is created when the first frame arrives, so that a case can
 * wait for it instead of sleeping; SECONDS 0 means until SIGTERM.
 * Subscribes to `force` frames until SIGTERM/SIGINT (or SECONDS) and
 * prints one line of key=value figures: frames, samples, missed frames
 * (sequence jumps), frames flagged GAP / RESUMED, resumed frames without
 * GAP, sample-index jumps without GAP (must be 0), frames whose index went
 * back (must be 0), samples skipped by the index at flagged gaps, frames
 * carrying sync words, sync rising edges, the largest Fz per plate, the
 * last index seen. The case decides.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "fplate/calib.h"
#include "fplate/fplate.h"
#include "fplate/wire.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct tally {
	unsigned long long frames, samples, missed, gap, resumed, resumed_no_gap, unflagged;
	unsigned long long sync_frames, sync_edges, malformed;
	unsigned long long last_edge, period_min, period_max; /* sync edges, in samples */
	unsigned long long next_sample, next_seq;
	unsigned long long backwards, skipped;  /* index went back; skipped at gaps */
	uint32_t last_sync;
	float max_fz[FP_WIRE_MAX_PLATES];
	uint32_t plates;
	int have;
};

static void count_frame(struct tally *t, const struct fp_wire_frame *f)
{
	const struct fp_wire_header *h = &f->h;

	if (t->have) {
		if (h->sequence != t->next_seq)
			t->missed += h->sequence - t->next_seq;
		if (h->first_sample != t->next_sample && !(h->flags & FP_WIRE_F_GAP))
			t->unflagged++;
		if (h->first_sample < t->next_sample)
			t->backwards++;
		else if (h->flags & FP_WIRE_F_GAP)
			t->skipped += h->first_sample - t->next_sample;
	}
	t->have = 1;
	t->next_seq = h->sequence + 1;
	t->next_sample = h->first_sample + h->n_samples;
	t->frames++;
	t->samples += h->n_samples;
	t->gap += !!(h->flags & FP_WIRE_F_GAP);
	if (h->flags & FP_WIRE_F_RESUMED) {
		t->resumed++;
		t->resumed_no_gap += !(h->flags & FP_WIRE_F_GAP);
	}
	t->plates = h->n_plates;
	for (uint32_t s = 0; s < h->n_samples; s++)
		for (uint32_t p = 0; p < h->n_plates && p < FP_WIRE_MAX_PLATES; p++) {
			float fz = fp_wire_value(f, s, p, FP_FZ);

			if (fz > t->max_fz[p])
				t->max_fz[p] = fz;
		}
	if (f->sync) {
		t->sync_frames++;
		for (uint32_t s = 0; s < h->n_samples; s++) {
			uint32_t w = fp_wire_sync(f, s) & 1;
			unsigned long long idx = h->first_sample + s;

			if (w && !t->last_sync) {
				/* period only between edges with no gap in between */
				if (t->sync_edges && !(h->flags & FP_WIRE_F_GAP)) {
					unsigned long long per = idx - t->last_edge;

					if (!t->period_min || per < t->period_min)
						t->period_min = per;
					if (per > t->period_max)
						t->period_max = per;
				}
				t->sync_edges++;
				t->last_edge = idx;
			}
			t->last_sync = w;
		}
	}
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	double seconds = argc > 2 && atof(argv[2]) > 0 ? atof(argv[2]) : 1e9, end;
	const char *ready = argc > 3 ? argv[3] : NULL;
	void *ctx, *sub;
	int timeout_ms = 200;
	static unsigned char buf[1 << 20];
	char topic[16], msg[256];

	if (argc < 2 || argc > 4 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: fplate-usbsub ENDPOINT [SECONDS [READY_FILE]]\n"
		      "Count fplated force frames until SIGTERM (or SECONDS; 0: no limit): missed\n"
		      "frames, gap and resumed flags, unflagged sample-index jumps, sync edges,\n"
		      "max Fz. READY_FILE is created when the first frame arrives.\n",
		      argc >= 2 ? stdout : stderr);
		return argc >= 2 ? 0 : 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	ctx = zmq_ctx_new();
	sub = zmq_socket(ctx, ZMQ_SUB);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout_ms, sizeof(timeout_ms));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, FP_TOPIC_FORCE, strlen(FP_TOPIC_FORCE));
	if (zmq_connect(sub, argv[1])) {
		fprintf(stderr, "fplate-usbsub: connect %s: %s\n", argv[1], zmq_strerror(errno));
		return 1;
	}
	end = now_s() + seconds;
	while (!stop_requested && now_s() < end) {
		struct fp_wire_frame f;
		int n = zmq_recv(sub, topic, sizeof(topic) - 1, 0), more = 0;
		size_t more_len = sizeof(more);
		long len;

		if (n < 0)
			continue;
		zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &more_len);
		if (!more)
			continue;
		len = zmq_recv(sub, buf, sizeof(buf), 0);
		if (len < 0)
			continue;
		if (fp_wire_decode(buf, (size_t)len, &f, msg, sizeof(msg))) {
			t.malformed++;
			continue;
		}
		count_frame(&t, &f);
		if (t.frames == 1)
			end = now_s() + seconds;
		if (ready) {
			FILE *rf = fopen(ready, "w");

			if (rf)
				fclose(rf);
			else
				fprintf(stderr, "fplate-usbsub: cannot create %s\n", ready);
			ready = NULL;
		}
	}
	printf("frames=%llu samples=%llu missed_frames=%llu gap_frames=%llu resumed_frames=%llu "
	       "resumed_without_gap=%llu unflagged_jumps=%llu sync_frames=%llu sync_edges=%llu "
	       "sync_period_min=%llu sync_period_max=%llu malformed=%llu plates=%u",
	       t.frames, t.samples, t.missed, t.gap, t.resumed, t.resumed_no_gap, t.unflagged,
	       t.sync_frames, t.sync_edges, t.period_min, t.period_max, t.malformed, t.plates);
	for (uint32_t p = 0; p < t.plates && p < FP_WIRE_MAX_PLATES; p++)
		printf(" max_fz_p%u=%.0f", p + 1, t.max_fz[p]);
	printf(" index_backwards=%llu skipped_samples=%llu next_index=%llu\n", t.backwards,
	       t.skipped, t.next_sample);
	zmq_close(sub);
	zmq_ctx_destroy(ctx);
	return 0;
}
