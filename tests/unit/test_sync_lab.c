// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_sync_lab.c - what lines a recording up with other lab systems: edges
 * of the sync word (sync_edge.c), the record request's trigger and lab
 * fields (ctl_proto.c), and the C3D lab parameters written at open and at
 * close (start time, subject, body mass, trigger, SYNC channel).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fp_test.h"
#include "fplate/c3d.h"
#include "fplate/calib.h"
#include "fplate/fplate.h"
#include "ctl_proto.h"
#include "sync_edge.h"

static void test_edges(void)
{
	const uint32_t a[6] = { 0, 1, 1, 0, 2, 3 }, b[3] = { 3, 0, 1 };
	struct fp_edge_track t = { 0 };

	/* no word before the first block: sample 0 cannot be an edge */
	CU_ASSERT_EQUAL(fp_edge_find(&t, a, 0, 6, 0, FP_EDGE_RISING), 1);
	CU_ASSERT_EQUAL(fp_edge_find(&t, a, 2, 6, 0, FP_EDGE_RISING), 5);
	CU_ASSERT_EQUAL(fp_edge_find(&t, a, 0, 6, 0, FP_EDGE_FALLING), 3);
	CU_ASSERT_EQUAL(fp_edge_find(&t, a, 0, 6, 1, FP_EDGE_RISING), 4); /* bit 1: 0 -> 2 */
	CU_ASSERT_EQUAL(fp_edge_find(&t, a, 0, 6, 0, FP_EDGE_NONE), -1);
	CU_ASSERT_EQUAL(fp_edge_find(&t, NULL, 0, 6, 0, FP_EDGE_RISING), -1);
	/* across blocks: a ended high (3), b starts high: no edge at b[0] */
	fp_edge_advance(&t, a, 6);
	CU_ASSERT_EQUAL(fp_edge_find(&t, b, 0, 3, 0, FP_EDGE_RISING), 2);
	CU_ASSERT_EQUAL(fp_edge_find(&t, b, 0, 3, 0, FP_EDGE_FALLING), 1);
	t.prev = 0; /* a low word before: b[0] is an edge */
	CU_ASSERT_EQUAL(fp_edge_find(&t, b, 0, 3, 0, FP_EDGE_RISING), 0);
	t.have_prev = 0; /* after a gap */
	CU_ASSERT_EQUAL(fp_edge_find(&t, b, 0, 3, 0, FP_EDGE_RISING), 2);
}

static void test_record_request(void)
{
	struct fp_ctl_request req;
	char field[32], msg[256];
	const char *ok = "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r.c3d\","
			 "\"start_on_sync\":\"rising\",\"stop_on_sync\":\"falling\",\"sync_bit\":1,"
			 "\"subject\":\"S01\",\"session\":\"T3\"}";

	CU_ASSERT_EQUAL_FATAL(fp_ctl_parse(ok, strlen(ok), &req, field, sizeof(field), msg,
					   sizeof(msg)), 0);
	CU_ASSERT_EQUAL(req.start_on_sync, FP_EDGE_RISING);
	CU_ASSERT_EQUAL(req.stop_on_sync, FP_EDGE_FALLING);
	CU_ASSERT_EQUAL(req.sync_bit, 1);
	CU_ASSERT_STRING_EQUAL(req.subject, "S01");
	CU_ASSERT_STRING_EQUAL(req.session, "T3");
	{
		static const struct { const char *text, *field; } bad[] = {
			{ "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r\","
			  "\"start_on_sync\":\"up\"}", "start_on_sync" },
			{ "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r\","
			  "\"start_on_sync\":\"rising\",\"sync_bit\":16}", "sync_bit" },
			{ "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r\","
			  "\"start_on_sync\":\"rising\",\"sync_bit\":0.5}", "sync_bit" },
			{ "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r\","
			  "\"stop_on_sync\":\"rising\"}", "stop_on_sync" },
			{ "{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r\",\"subject\":7}",
			  "subject" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CU_ASSERT_EQUAL(fp_ctl_parse(bad[i].text, strlen(bad[i].text), &req, field,
						     sizeof(field), msg, sizeof(msg)), -EINVAL);
			CU_ASSERT_STRING_EQUAL(field, bad[i].field);
		}
	}
}

/* The lab parameters round-trip; the start time set after open is written at close. */
static void test_c3d_lab_params(void)
{
	struct fp_c3d_wchannel ch[2] = { { "A", "V", "", 1, 0 } };
	struct fp_c3d_wdesc d = { .analog_rate = 100, .analog_spf = 1, .n_analog = 1, .ch = ch,
				  .max_events = 4, .body_mass_kg = 72.5 };
	/* 2026-01-02T03:04:05.123456789Z, by hand: 20455 days + 3 h 4 min 5 s */
	const int64_t t_ns = (20455LL * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000000LL + 123456789;
	const struct fp_c3d_param *p;
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX], s[64];
	float v[4] = { 0, 1, 0, 3 };
	uint64_t got = 0;

	snprintf(path, sizeof(path), "/tmp/fplate-test-%d-lab.c3d", (int)getpid());
	snprintf(d.subject, sizeof(d.subject), "S01");
	snprintf(d.session, sizeof(d.session), "T3");
	snprintf(d.trigger, sizeof(d.trigger), "rising 0");
	CU_ASSERT_EQUAL(fp_c3d_wdesc_add_sync(&d, ch), 1);
	CU_ASSERT_EQUAL(d.n_analog, 2);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 2), 0);
	fp_c3d_writer_set_start_time(w, t_ns);
	fp_c3d_writer_set_sync_edges(w, 1);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(c->an_label[1], FP_C3D_SYNC_LABEL);
	FP_ASSERT_CLOSE(fp_c3d_analog(c, 1, 1), 3, 0);
	p = fp_c3d_param(c, "FPLATE", "START_TIME");
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(fp_c3d_param_str(p, 0, s, sizeof(s)), 0);
	CU_ASSERT_STRING_EQUAL(s, "2026-01-02T03:04:05.123456789Z");
	p = fp_c3d_param(c, "FPLATE", "START_TIME_NS");
	for (int k = 3; p && k >= 0; k--)
		got = got << 16 | (uint16_t)(int16_t)fp_c3d_param_num(p, (uint32_t)k);
	CU_ASSERT_EQUAL(got, (uint64_t)t_ns);
	p = fp_c3d_param(c, "SUBJECTS", "NAMES");
	CU_ASSERT(p && !fp_c3d_param_str(p, 0, s, sizeof(s)) && !strcmp(s, "S01"));
	p = fp_c3d_param(c, "PROCESSING", "Bodymass");
	CU_ASSERT(p && fabs(fp_c3d_param_num(p, 0) - 72.5) < 1e-6);
	p = fp_c3d_param(c, "FPLATE", "TRIGGER");
	CU_ASSERT(p && !fp_c3d_param_str(p, 0, s, sizeof(s)) && !strcmp(s, "rising 0"));
	p = fp_c3d_param(c, "FPLATE", "SYNC_EDGES");
	CU_ASSERT(p && fp_c3d_param_num(p, 0) == 1);
	fp_c3d_free(c);
	unlink(path);
}

/* A recording's SYNC channel comes back as the sync word when replayed (c3d://). */
static void test_c3d_replay_sync(void)
{
	struct fp_c3d_wchannel ch[7];
	struct fp_c3d_wplate pl[1];
	struct fp_c3d_wdesc d;
	struct fp_calib cal;
	struct fp_c3d_writer *w;
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	char path[256], uri[300], msg[FP_MSG_MAX];
	float v[7 * 300];
	uint64_t seen = 0;
	int ret;

	snprintf(path, sizeof(path), "/tmp/fplate-test-%d-replay.c3d", (int)getpid());
	fp_calib_default(&cal, 1, 6);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 1000.0, ch, pl, msg,
						   sizeof(msg)), 0);
	fp_c3d_wdesc_add_sync(&d, ch);
	for (int s = 0; s < 300; s++) {
		for (int k = 0; k < 6; k++)
			v[7 * s + k] = 0;
		v[7 * s + 6] = (float)(s % 7 == 0 ? 1 : s % 11 == 0 ? 2 : 0); /* bits 0 and 1 */
	}
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 300), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	snprintf(uri, sizeof(uri), "c3d://%s?rate=fast", path);
	CU_ASSERT_EQUAL_FATAL(fp_open(uri, &dev, msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL(info.has_sync, 1);
	CU_ASSERT_EQUAL_FATAL(fp_block_init(&blk, &info, 64), 0);
	CU_ASSERT_EQUAL_FATAL(fp_start(dev), 0);
	while ((ret = fp_read(dev, &blk, 100)) >= 0) {
		for (uint32_t i = 0; i < blk.n; i++) {
			uint64_t s = blk.first_sample + i;

			CU_ASSERT_EQUAL(blk.sync[i], s % 7 == 0 ? 1u : s % 11 == 0 ? 2u : 0u);
		}
		seen += blk.n;
	}
	CU_ASSERT_EQUAL(ret, -EPIPE);
	CU_ASSERT_EQUAL(seen, 300);
	fp_block_release(&blk);
	fp_stop(dev);
	fp_close(dev);
	unlink(path);
}

void fp_suite_sync_lab(void)
{
	FP_ADD_SUITE("sync_lab",
		     { "sync word edges", test_edges },
		     { "record request trigger and lab fields", test_record_request },
		     { "C3D lab parameters", test_c3d_lab_params },
		     { "c3d:// replays SYNC", test_c3d_replay_sync });
}
