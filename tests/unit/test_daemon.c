// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_daemon.c - fplated's acquisition and processing against a scripted
 * fake device (built directly on struct fp_device, not registered as a
 * scheme): 2-sample packets gathered into 10-sample frames, the device
 * going away and coming back with an index jump, the end of a finite
 * source, and a ring overrun while processing stalls. Frames are received
 * through the real publisher (inproc) and decoded.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "fp_test.h"
#include "backend.h"
#include "fplate/c3d.h"
#include "fplate/wire.h"
#include "../../daemon/fplated/fplated.h"

/* What the fake device does on its n-th read. */
struct fake {
	uint32_t packet;          /* samples per read */
	int reads;
	int gone_from, gone_to;   /* reads in [from, to) return -ENODEV */
	uint64_t jump;            /* index jump when coming back */
	int end_at;               /* read that returns -EPIPE */
	int pause_at;             /* from this read, return 0 until released */
	atomic_int released;
	atomic_int paused;        /* reads that returned 0 while paused */
	uint64_t next;
};

static int fake_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	struct fake *fk = dev->priv;
	int r = fk->reads++;
	uint32_t n = fk->packet < blk->capacity ? fk->packet : blk->capacity;

	(void)timeout_ms;
	if (r >= fk->end_at)
		return -EPIPE;
	if (r >= fk->gone_from && r < fk->gone_to) {
		if (r == fk->gone_to - 1)
			fk->next += fk->jump;
		return fp_dev_err(dev, -ENODEV, "fake: unplugged");
	}
	if (fk->pause_at && r >= fk->pause_at && !atomic_load(&fk->released)) {
		fk->reads--; /* this read does not count */
		atomic_fetch_add(&fk->paused, 1);
		usleep(1000);
		return 0;
	}
	for (uint32_t s = 0; s < n; s++) {
		for (uint32_t p = 0; p < blk->plates; p++)
			for (uint32_t c = 0; c < blk->channels; c++)
				blk->raw[(s * blk->plates + p) * blk->channels + c] =
					(double)(((fk->next + s) * 2 + p) * 10 + c);
		blk->sync[s] = (uint32_t)(fk->next + s);
	}
	blk->n = n;
	blk->first_sample = fk->next;
	blk->t_host_ns = (int64_t)time(NULL) * 1000000000;
	fk->next += n;
	return (int)n;
}

static int fake_open(struct fp_device *dev, const struct fp_uri *u) { (void)dev; (void)u; return 0; }
static void fake_close(struct fp_device *dev) { (void)dev; }
static int fake_start(struct fp_device *dev) { (void)dev; return 0; }

static const struct fp_backend_ops fake_ops = {
	.scheme = "fake", .help = "test", .open = fake_open, .close = fake_close,
	.start = fake_start, .stop = fake_start, .read = fake_read,
};

struct rig {
	struct fpd d;
	struct fp_device dev;
	struct fake fk;
	void *sub;
};

static void rig_setup(struct rig *r, int ring_slots)
{
	char msg[256], ep[64];

	memset(r, 0, sizeof(*r));
	r->dev.ops = &fake_ops;
	r->dev.priv = &r->fk;
	r->dev.started = 1;
	r->dev.info.plates = 2;
	r->dev.info.channels = 6;
	r->dev.info.rate_hz = 2000;
	r->dev.info.unit = FP_RAW_FM;
	r->dev.info.has_sync = 1;
	snprintf(r->dev.info.uri, sizeof(r->dev.info.uri), "fake://");
	fpd_config_defaults(&r->d.cfg);
	snprintf(ep, sizeof(ep), "inproc://test-daemon-%p", (void *)r);
	snprintf(r->d.cfg.endpoint, sizeof(r->d.cfg.endpoint), "%s", ep);
	r->d.cfg.ring_slots = ring_slots;
	fpd_log_set_level(FPD_LOG_ERROR);
	r->d.dev = &r->dev;
	r->d.info = r->dev.info;
	fp_calib_default(&r->d.cal, 2, 6);
	r->d.block_samples = 10;
	r->d.stream_id = 42;
	CU_ASSERT_EQUAL_FATAL(fpd_acq_init(&r->d), 0);
	CU_ASSERT_EQUAL_FATAL(fpd_proc_init(&r->d), 0);
	CU_ASSERT_EQUAL_FATAL(fpd_pub_open(&r->d.pub, &r->d.cfg, msg, sizeof(msg)), 0);
	r->sub = zmq_socket(r->d.pub.ctx, ZMQ_SUB);
	zmq_setsockopt(r->sub, ZMQ_SUBSCRIBE, "force", 5);
	CU_ASSERT_EQUAL_FATAL(zmq_connect(r->sub, ep), 0);
}

static void rig_teardown(struct rig *r)
{
	fpd_acq_stop(&r->d);
	zmq_close(r->sub);
	fpd_pub_close(&r->d.pub);
	fpd_proc_release(&r->d);
	fpd_acq_release(&r->d);
}

/* Run the main loop's part until the device state is `until`. */
static void pump(struct rig *r, int until)
{
	for (int i = 0; i < 5000 && atomic_load(&r->d.acq.state) != until; i++) {
		struct pollfd pfd = { r->d.acq.wake_fd, POLLIN, 0 };

		if (poll(&pfd, 1, 10) > 0)
			fpd_proc_drain(&r->d);
	}
	CU_ASSERT_EQUAL(atomic_load(&r->d.acq.state), until);
	fpd_proc_drain(&r->d);
}

/* Receive every queued force frame; check each sample's values. */
static int collect(struct rig *r, struct fp_wire_header *hdrs, int max)
{
	unsigned char buf[8192];
	int n = 0;

	for (;;) {
		char topic[16];
		struct fp_wire_frame f;
		int len;

		if (zmq_recv(r->sub, topic, sizeof(topic), ZMQ_DONTWAIT) < 0)
			break;
		len = zmq_recv(r->sub, buf, sizeof(buf), 0);
		CU_ASSERT_FATAL(len > 0 && len <= (int)sizeof(buf));
		CU_ASSERT_EQUAL_FATAL(fp_wire_decode(buf, (size_t)len, &f, NULL, 0), 0);
		for (uint32_t s = 0; s < f.h.n_samples; s++) {
			uint64_t idx = f.h.first_sample + s;

			CU_ASSERT_EQUAL(fp_wire_sync(&f, s), (uint32_t)idx);
			for (uint32_t p = 0; p < 2; p++)
				CU_ASSERT_EQUAL(fp_wire_value(&f, s, p, FP_FZ),
						(float)((idx * 2 + p) * 10 + 2));
		}
		if (n < max)
			hdrs[n++] = f.h;
	}
	return n;
}

static void test_packets_gone_resumed_end(void)
{
	static struct rig r;
	struct fp_wire_header h[64];
	int n;

	rig_setup(&r, 16);
	r.fk.packet = 2;
	r.fk.gone_from = 50;   /* after 100 samples */
	r.fk.gone_to = 53;
	r.fk.jump = 37;
	r.fk.end_at = 53 + 25; /* 50 more samples, then the end */
	CU_ASSERT_EQUAL(fpd_acq_start(&r.d), 0);
	pump(&r, FPD_DEV_ENDED);
	n = collect(&r, h, 64);
	CU_ASSERT_EQUAL(n, 15);
	CU_ASSERT_EQUAL(r.d.stats.samples, 150);
	CU_ASSERT_EQUAL(r.d.stats.gaps, 1);
	CU_ASSERT_EQUAL(r.d.stats.lost_samples, 37);
	CU_ASSERT_EQUAL(r.d.stats.resumes, 1);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(h[i].n_samples, 10);
		CU_ASSERT_EQUAL(h[i].sequence, (uint64_t)i);
		CU_ASSERT_EQUAL(h[i].stream_id, 42);
		CU_ASSERT(h[i].flags & FP_WIRE_F_SYNC);
		if (i < 10)
			CU_ASSERT_EQUAL(h[i].first_sample, (uint64_t)i * 10);
	}
	/* First frame back: after the 37-sample hole, flagged gap + resumed. */
	CU_ASSERT_EQUAL(h[10].first_sample, 137);
	CU_ASSERT_EQUAL(h[10].flags & 0xff, FP_WIRE_F_GAP | FP_WIRE_F_RESUMED);
	CU_ASSERT_EQUAL(h[9].flags & 0xff, 0);
	CU_ASSERT_EQUAL(h[11].flags & 0xff, 0);
	CU_ASSERT_EQUAL(h[14].first_sample, 177);
	rig_teardown(&r);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * The device-paced path (fpd_acq_inline): no acquisition thread, the
 * caller reads with fpd_acq_step() and drains. The frames must be the same
 * as through the thread, no eventfd is written, and the next read is asked
 * for when the rest of the block is due by the sample clock (missing
 * samples / rate + the 50 us coalescing margin) or, while the device is
 * gone, 100 ms on; both on CLOCK_MONOTONIC, counted from the read.
 */
static void test_inline_path(void)
{
	static struct rig r;
	struct fp_wire_header h[64];
	struct pollfd pfd;
	int n, steps = 0, waits = 0, retries = 0;

	rig_setup(&r, 16);
	r.fk.packet = 2;
	r.fk.gone_from = 50;
	r.fk.gone_to = 53;
	r.fk.jump = 37;
	r.fk.end_at = 53 + 25;
	r.d.cfg.single_thread = 1;
	CU_ASSERT_EQUAL(fpd_acq_inline(&r.d), 0);   /* not paced: the thread */
	r.d.info.paced = 1;
	r.d.cfg.single_thread = 0;
	CU_ASSERT_EQUAL(fpd_acq_inline(&r.d), 0);   /* not asked for ([device] single_thread) */
	r.d.cfg.single_thread = 1;
	CU_ASSERT_EQUAL_FATAL(fpd_acq_inline(&r.d), 1);
	r.d.cfg.coalesce = 0;
	CU_ASSERT_EQUAL(fpd_acq_inline(&r.d), 0);   /* coalescing off: the thread */
	r.d.cfg.coalesce = 1;
	for (;;) {
		int64_t due, before = mono_ns(), after;
		int over = fpd_acq_step(&r.d, &due);
		const struct fp_block *f = r.d.acq.fill.blk;
		int gone = atomic_load(&r.d.acq.state) == FPD_DEV_GONE;

		after = mono_ns();
		fpd_proc_drain(&r.d);
		steps++;
		if (over) {
			CU_ASSERT_EQUAL(due, 0);
			break;
		}
		CU_ASSERT_FATAL(due != 0);  /* every read here is a short packet or a loss */
		if (gone) {
			CU_ASSERT(due >= before + 100000000LL && due <= after + 100000000LL);
			retries++;
		} else {
			uint32_t missing = f ? f->capacity - f->n : r.d.block_samples;
			int64_t wait = (int64_t)missing * 500000 + 50000;

			CU_ASSERT(due >= before + wait && due <= after + wait);
			waits++;
		}
	}
	fpd_acq_stop(&r.d);          /* hands over a partial block: none here */
	fpd_proc_drain(&r.d);
	CU_ASSERT_EQUAL(r.d.acq.running, 0);
	CU_ASSERT_EQUAL(steps, 53 + 25 + 1);
	CU_ASSERT_EQUAL(waits, 75);   /* every successful read of a 2-sample packet */
	CU_ASSERT_EQUAL(retries, 3);
	CU_ASSERT_EQUAL(atomic_load(&r.d.acq.state), FPD_DEV_ENDED);
	pfd = (struct pollfd){ r.d.acq.wake_fd, POLLIN, 0 };
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);         /* nobody to wake */
	n = collect(&r, h, 64);
	CU_ASSERT_EQUAL(n, 15);
	CU_ASSERT_EQUAL(r.d.stats.samples, 150);
	CU_ASSERT_EQUAL(r.d.stats.gaps, 1);
	CU_ASSERT_EQUAL(r.d.stats.lost_samples, 37);
	CU_ASSERT_EQUAL(r.d.stats.resumes, 1);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(h[i].n_samples, 10);
		CU_ASSERT_EQUAL(h[i].sequence, (uint64_t)i);
		if (i < 10)
			CU_ASSERT_EQUAL(h[i].first_sample, (uint64_t)i * 10);
	}
	CU_ASSERT_EQUAL(h[10].first_sample, 137);
	CU_ASSERT_EQUAL(h[10].flags & 0xff, FP_WIRE_F_GAP | FP_WIRE_F_RESUMED);
	CU_ASSERT_EQUAL(h[14].first_sample, 177);
	rig_teardown(&r);
}

/* Stopping the inline path mid-block publishes the partial block. */
static void test_inline_flush(void)
{
	static struct rig r;
	struct fp_wire_header h[8];
	int64_t due;

	rig_setup(&r, 16);
	r.fk.packet = 3;
	r.fk.gone_from = r.fk.gone_to = 1000;
	r.fk.end_at = 1000;
	r.d.info.paced = 1;
	for (int i = 0; i < 4; i++)  /* 12 samples: one block of 10, 2 left */
		CU_ASSERT_EQUAL(fpd_acq_step(&r.d, &due), 0);
	fpd_proc_drain(&r.d);
	CU_ASSERT_EQUAL(r.d.stats.samples, 10);
	fpd_acq_stop(&r.d);
	fpd_proc_drain(&r.d);
	CU_ASSERT_EQUAL(r.d.stats.samples, 12);
	CU_ASSERT_EQUAL_FATAL(collect(&r, h, 8), 2);
	CU_ASSERT_EQUAL(h[1].first_sample, 10);
	CU_ASSERT_EQUAL(h[1].n_samples, 2);
	rig_teardown(&r);
}

static void test_ring_overrun(void)
{
	static struct rig r;
	struct fp_wire_header h[64];
	json_t *st;
	int n;

	rig_setup(&r, 4);
	r.fk.packet = 10;
	r.fk.pause_at = 20;   /* 20 blocks while nobody drains a 4-slot ring */
	r.fk.released = 0;
	r.fk.end_at = 23;
	r.fk.gone_from = r.fk.gone_to = 1000;
	CU_ASSERT_EQUAL(fpd_acq_start(&r.d), 0);
	while (!atomic_load(&r.fk.paused))
		usleep(1000);
	/* Processing catches up, then the device goes on for 3 blocks (they
	 * fit in the ring whenever the loop below gets to drain it). */
	fpd_proc_drain(&r.d);
	atomic_store(&r.fk.released, 1);
	pump(&r, FPD_DEV_ENDED);
	n = collect(&r, h, 64);
	CU_ASSERT_EQUAL(n, 4 + 3);
	CU_ASSERT_EQUAL(h[3].first_sample, 30);
	CU_ASSERT_EQUAL(h[4].first_sample, 200);
	CU_ASSERT_EQUAL(h[4].flags & 0xff, FP_WIRE_F_GAP | FP_WIRE_F_OVERRUN);
	CU_ASSERT_EQUAL(r.d.stats.lost_samples, 160);
	CU_ASSERT_EQUAL(r.d.stats.gaps, 1);
	CU_ASSERT_EQUAL(atomic_load(&r.d.acq.overrun_blocks), 16);
	CU_ASSERT_EQUAL(fp_ring_high_water(&r.d.acq.ring), 4);
	st = fpd_status_json(&r.d);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "lost_samples")), 160);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(st, "ring"),
							   "high_water")), 4);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(st, "device"),
								 "state")), "ended");
	json_decref(st);
	rig_teardown(&r);
}

/*
 * A recording limited to 45 ms (90 samples, rounded up to whole 10 ms
 * point frames: 100) with a 200-sample hole after its first 80 samples:
 * the hole is filled with NaN rows up to the limit and no further, the
 * file holds exactly the limit, and the stage stops. Before the fill was
 * capped, r->samples ran past the limit, the next block's count wrapped
 * below zero and write_rows() wrote ~4e9 rows into a 10-row buffer
 * (fplated died with SIGSEGV; found by a review with --ring-slots 4).
 */
static void test_record_limit_across_gap(void)
{
	static struct rig r;
	char dir[] = "/tmp/fplate-test-rec.XXXXXX", path[128], msg[FP_MSG_MAX];
	struct fp_c3d *c;
	size_t real = 0, nan = 0, wrong = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	rig_setup(&r, 16);
	snprintf(r.d.cfg.record_dir, sizeof(r.d.cfg.record_dir), "%s", dir);
	CU_ASSERT_EQUAL_FATAL(fpd_stages_init(&r.d), 0);
	r.fk.packet = 2;
	r.fk.gone_from = 40;   /* after 80 samples */
	r.fk.gone_to = 42;
	r.fk.jump = 200;
	r.fk.end_at = 42 + 50;
	CU_ASSERT_EQUAL_FATAL(fpd_record_start(&r.d, "gap.c3d", 0.045, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(r.d.rec.limit, 100);
	CU_ASSERT_EQUAL(fpd_acq_start(&r.d), 0);
	pump(&r, FPD_DEV_ENDED);
	CU_ASSERT_PTR_NULL(r.d.rec.w);              /* stopped by the limit */
	CU_ASSERT_EQUAL(r.d.rec.samples, 100);
	fpd_stages_fini(&r.d);
	rig_teardown(&r);
	snprintf(path, sizeof(path), "%s/gap.c3d", dir);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_analog_samples(c), 100);
	for (uint64_t k = 0; k < fp_c3d_analog_samples(c); k++) {
		double fz = fp_c3d_analog(c, k, 2);       /* Fz of plate 1 */

		if (isnan(fz))
			nan += k >= 80;
		else if (k < 80 && fabs(fabs(fz) - (double)(k * 2 * 10 + 2)) < 1e-3)
			real++;
		else
			wrong++;
	}
	CU_ASSERT_EQUAL(real, 80);
	CU_ASSERT_EQUAL(nan, 20);
	CU_ASSERT_EQUAL(wrong, 0);
	fp_c3d_free(c);
	unlink(path);
	rmdir(dir);
}

/*
 * The device comes back while the ring is full: the first block after the
 * resume is dropped, and RESUMED must not be lost with it. The next block
 * committed carries GAP | OVERRUN | RESUMED, so `resumes` counts it and
 * the time fit restarts.
 */
static void test_resume_into_full_ring(void)
{
	static struct rig r;
	struct fp_wire_header h[64];
	int n;

	rig_setup(&r, 4);
	r.fk.packet = 10;
	r.fk.gone_from = 10;  /* after 10 blocks: 4 in the ring, 6 dropped */
	r.fk.gone_to = 12;
	r.fk.jump = 50;       /* back at sample 150 */
	r.fk.pause_at = 20;   /* 8 blocks after the resume, all dropped */
	r.fk.released = 0;
	r.fk.end_at = 23;
	CU_ASSERT_EQUAL(fpd_acq_start(&r.d), 0);
	while (!atomic_load(&r.fk.paused))
		usleep(1000);
	fpd_proc_drain(&r.d);
	atomic_store(&r.fk.released, 1);
	pump(&r, FPD_DEV_ENDED);
	n = collect(&r, h, 64);
	CU_ASSERT_EQUAL(n, 4 + 3);
	CU_ASSERT_EQUAL(h[3].first_sample, 30);
	CU_ASSERT_EQUAL(h[3].flags & 0xff, 0);
	CU_ASSERT_EQUAL(h[4].first_sample, 230);
	CU_ASSERT_EQUAL(h[4].flags & 0xff,
			FP_WIRE_F_GAP | FP_WIRE_F_OVERRUN | FP_WIRE_F_RESUMED);
	CU_ASSERT_EQUAL(h[5].flags & 0xff, 0);
	CU_ASSERT_EQUAL(r.d.stats.resumes, 1);
	CU_ASSERT_EQUAL(r.d.stats.gaps, 1);
	/* 40..99 dropped, 100..149 the outage, 150..229 dropped */
	CU_ASSERT_EQUAL(r.d.stats.lost_samples, 230 - 40);
	rig_teardown(&r);
}

void fp_suite_daemon(void)
{
	FP_ADD_SUITE("daemon",
		     { "packets -> frames, device gone and back, end", test_packets_gone_resumed_end },
		     { "device-paced path: no thread, same frames, waits by the sample clock",
		       test_inline_path },
		     { "device-paced path: stopping publishes the partial block", test_inline_flush },
		     { "ring overrun while processing stalls", test_ring_overrun },
		     { "a time-limited recording across a gap", test_record_limit_across_gap },
		     { "device back while the ring is full: RESUMED kept",
		       test_resume_into_full_ring });
}
