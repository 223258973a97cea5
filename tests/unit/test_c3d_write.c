// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_c3d_write.c - write -> read round trips: bit-exact analog data and
 * equal parameters for type 2 and type 4 sessions, ANALOG:OFFSET/SCALE,
 * events, our FPLATE group, and a file longer than 65535 frames.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_test.h"
#include "fplate/c3d.h"
#include "fplate/fplate.h"

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/fplate-test-%d-%s.c3d", (int)getpid(), tag);
}

/* Deterministic, float-exact pseudo data. */
static float value(uint64_t s, uint32_t ch)
{
	uint32_t x = (uint32_t)(s * 2654435761u) ^ (ch * 40503u);

	return (float)((int)(x % 20001) - 10000) / 8.0f;
}

static void make_calib(struct fp_calib *cal, uint32_t plates)
{
	memset(cal, 0, sizeof(*cal));
	cal->version = FP_CALIB_VERSION;
	snprintf(cal->id, sizeof(cal->id), "test-cal-7");
	cal->plates = plates;
	for (uint32_t p = 0; p < plates; p++) {
		struct fp_plate_calib *pc = &cal->plate[p];

		pc->channels = 6;
		for (int r = 0; r < 6; r++) {
			pc->scale_v[r] = 1;
			for (int k = 0; k < 6; k++)
				pc->matrix[r][k] = r == k ? (r < 3 ? 500.0 + r : 0.8 + 0.1 * r)
							  : 0.01 * (r - k);
		}
		pc->surface_h_mm = 42.0;
		pc->origin_mm[0] = 1.5;
		pc->origin_mm[1] = -2.5;
		pc->width_mm = 500;
		pc->length_mm = 1700;
		pc->fz_threshold_n = 20;
	}
}

static void roundtrip(int volts)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[12];
	struct fp_c3d_wplate pl[2];
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX], s[64];
	const uint32_t n = 10007; /* not a multiple of the frame size */
	float *buf;
	int bad = 0;

	tmp_path(path, sizeof(path), volts ? "t4" : "t2");
	make_calib(&cal, 2);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, volts, 1000.0, ch, pl, msg,
						   sizeof(msg)), 0);
	ch[3].offset = -7;          /* honoured: value = (stored - offset) * scale */
	ch[4].scale = 0.25;
	d.max_events = 300;         /* > 255: EVENT:TIMES2 ... */
	d.belt_speed_mps = 3.5;
	snprintf(d.device, sizeof(d.device), "sim://?speed=3.5");
	snprintf(d.serial, sizeof(d.serial), "SN-42");
	d.start_time_ns = 1796311337250000000LL;   /* 2026-12-03T15:22:17.250Z */
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	buf = malloc((size_t)n * 12 * sizeof(float));
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < 12; k++)
			buf[i * 12 + k] = value(i, k);
	/* uneven blocks exercise the partial-frame path */
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, buf, 3), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, buf + 3 * 12, 4000), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, buf + 4003 * 12, n - 4003), 0);
	for (int e = 0; e < 300; e++)
		CU_ASSERT_EQUAL(fp_c3d_writer_add_event(w, e % 2 ? "Left" : "Right",
							e % 3 ? "Foot Strike" : "Foot Off",
							0.05 * e + 0.001), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_add_event(w, "Left", "x", 1), -ENOSPC);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);

	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(c->n_frames, n / 10);
	FP_ASSERT_CLOSE(c->analog_rate, 1000.0, 0);
	FP_ASSERT_CLOSE(c->point_rate, 100.0, 0);
	CU_ASSERT_EQUAL(c->n_analog, 12);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_load_analog(c), 0);
	for (uint64_t i = 0; i < fp_c3d_analog_samples(c); i++)
		bad += memcmp(&c->analog[i * 12], &buf[i * 12], 12 * sizeof(float)) != 0;
	CU_ASSERT_EQUAL(bad, 0);
	FP_ASSERT_CLOSE(fp_c3d_analog(c, 5, 3), (value(5, 3) + 7.0) * 1.0, 0);
	FP_ASSERT_CLOSE(fp_c3d_analog(c, 5, 4), value(5, 4) * 0.25, 0);
	CU_ASSERT_STRING_EQUAL(c->an_label[2], "Fz1");
	CU_ASSERT_STRING_EQUAL(c->an_units[4], volts ? "V" : "Nmm");
	CU_ASSERT_EQUAL(c->n_plates, 2);
	for (uint32_t p = 0; p < 2; p++) {
		struct fp_plate_calib pc;

		CU_ASSERT_EQUAL(c->plate[p].type, volts ? 4 : 2);
		CU_ASSERT_EQUAL(c->plate[p].channel[0], 6 * p);
		for (int k = 0; k < 12; k++)
			FP_ASSERT_CLOSE(c->plate[p].corners[k / 3][k % 3],
					(float)pl[p].corners[k / 3][k % 3], 0);
		CU_ASSERT_EQUAL(fp_c3d_plate_calib(c, p, volts, &pc), 0);
		FP_ASSERT_CLOSE(pc.surface_h_mm, 42.0, 1e-9);
		FP_ASSERT_CLOSE(pc.origin_mm[0], 1.5, 1e-9);
		FP_ASSERT_CLOSE(pc.origin_mm[1], -2.5, 1e-9);
		FP_ASSERT_CLOSE(pc.width_mm, 500, 1e-3);
		FP_ASSERT_CLOSE(pc.length_mm, 1700, 1e-3);
		for (int r = 0; volts && r < 6; r++)
			for (int k = 0; k < 6; k++)
				FP_ASSERT_CLOSE(pc.matrix[r][k], cal.plate[p].matrix[r][k],
						1e-6 * fabs(cal.plate[p].matrix[r][k]) + 1e-9);
	}
	CU_ASSERT_EQUAL(c->n_events, 300);
	CU_ASSERT_STRING_EQUAL(c->events[299].label, "Foot Strike");
	CU_ASSERT_STRING_EQUAL(c->events[299].context, "Left");
	FP_ASSERT_CLOSE(c->events[299].time_s, 0.05 * 299 + 0.001, 1e-4);
	fp_c3d_param_str(fp_c3d_param(c, "FPLATE", "SERIAL"), 0, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "SN-42");
	fp_c3d_param_str(fp_c3d_param(c, "FPLATE", "CALIB_ID"), 0, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "test-cal-7");
	FP_ASSERT_CLOSE(fp_c3d_param_num(fp_c3d_param(c, "FPLATE", "BELT_SPEED"), 0), 3.5, 0);
	/* the session's date survives the rewrite of the parameters at close */
	fp_c3d_param_str(fp_c3d_param(c, "FPLATE", "START_TIME"), 0, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "2026-12-03T15:22:17.250000000Z");
	fp_c3d_free(c);
	free(buf);
	unlink(path);
}

static void test_roundtrip_type2(void)
{
	roundtrip(0);
}

static void test_roundtrip_type4(void)
{
	roundtrip(1);
}

/* fplate frames -> type 2 file -> c3d_fp gives the same frames back. */
static void test_session_frames(void)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[6];
	struct fp_c3d_wplate pl[1];
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX];
	double fields[FP_NFIELDS] = { 12.5, -30.25, 800.0, 10.5, -20.25, 3.0 };
	float v[6 * 100];
	double fm[6], cop[3];
	struct fp_c3d_fp_sample fs;
	struct fp_plate_calib pc;

	tmp_path(path, sizeof(path), "session");
	make_calib(&cal, 1);
	/* fplate frame quadrants +x+y, -x+y, -x-y, +x-y around (250, 900) mm */
	for (int k = 0; k < 4; k++) {
		cal.plate[0].corners_mm[k][0] = 250 + (k == 0 || k == 3 ? 250 : -250);
		cal.plate[0].corners_mm[k][1] = 900 + (k < 2 ? 850 : -850);
	}
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 500.0, ch, pl, msg,
						   sizeof(msg)), 0);
	for (int i = 0; i < 100; i++)
		fp_c3d_session_values(fields, 1, v + 6 * i);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 100), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_fm(c, 0, 42, 0, fm), 0);
	for (int k = 0; k < 6; k++)
		FP_ASSERT_CLOSE(fm[k], fields[k], 1e-9);
	/* the file's lab frame is the treadmill frame: z up, same COP */
	CU_ASSERT_EQUAL(fp_c3d_fp_sample(c, 0, 42, 0, 20, &fs), 0);
	for (int k = 0; k < 3; k++)
		FP_ASSERT_CLOSE(fs.lab_f[k], fields[k], 1e-6);
	FP_ASSERT_CLOSE(fs.lab_cop[0], 250 + fs.plate[FP_COPX], 1e-6);
	FP_ASSERT_CLOSE(fs.lab_cop[1], 900 + fs.plate[FP_COPY], 1e-6);
	FP_ASSERT_CLOSE(fs.lab_cop[2], 0, 1e-9);
	CU_ASSERT_EQUAL(fp_c3d_plate_calib(c, 0, 0, &pc), 0);
	for (int k = 0; k < 12; k++)
		FP_ASSERT_CLOSE(pc.corners_mm[k / 3][k % 3], cal.plate[0].corners_mm[k / 3][k % 3],
				1e-9);
	FP_ASSERT_CLOSE(pc.surface_h_mm, 42, 1e-9);
	fp_cop(&pc, fm, &cop[0], &cop[1], &cop[2]);
	FP_ASSERT_CLOSE(cop[0], fs.plate[FP_COPX], 1e-9);
	FP_ASSERT_CLOSE(cop[1], fs.plate[FP_COPY], 1e-9);
	FP_ASSERT_CLOSE(cop[2], fs.plate[FP_TZ], 1e-9);
	fp_c3d_free(c);
	unlink(path);
}

/*
 * A file with an analog belt-speed channel ("Treadmill speed", km/h): the
 * c3d:// source gives each block the channel's mean in m/s as its belt
 * speed (the belt runs 10.8 km/h = 3 m/s, then 14.4 km/h = 4 m/s).
 */
static void test_belt_channel(void)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[7];
	struct fp_c3d_wplate pl[1];
	struct fp_c3d_writer *w;
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	char path[256], uri[300], msg[FP_MSG_MAX];
	double fields[FP_NFIELDS] = { 0, 0, 700.0, 0, 0, 0 };
	float v[7 * 200];
	int n;

	tmp_path(path, sizeof(path), "belt");
	make_calib(&cal, 1);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 500.0, ch, pl, msg,
						   sizeof(msg)), 0);
	ch[6] = (struct fp_c3d_wchannel){ .label = "Treadmill speed", .units = "km/h", .scale = 0.001 };
	d.n_analog = 7;
	d.ch = ch;
	d.belt_speed_mps = NAN;
	for (int i = 0; i < 200; i++) {
		float f6[6];

		fp_c3d_session_values(fields, 1, f6);
		memcpy(v + 7 * i, f6, sizeof(f6));
		v[7 * i + 6] = i < 100 ? 10800 : 14400;      /* stored × 0.001 */
	}
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 200), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	snprintf(uri, sizeof(uri), "c3d://%s?rate=fast", path);
	CU_ASSERT_EQUAL_FATAL(fp_open(uri, &dev, msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL_FATAL(fp_block_init(&blk, &info, 100), 0);
	CU_ASSERT_EQUAL(fp_start(dev), 0);
	n = fp_read(dev, &blk, 1000);
	CU_ASSERT_EQUAL(n, 100);
	FP_ASSERT_CLOSE(blk.belt_speed_mps, 3.0, 1e-6);
	n = fp_read(dev, &blk, 1000);
	CU_ASSERT_EQUAL(n, 100);
	FP_ASSERT_CLOSE(blk.belt_speed_mps, 4.0, 1e-6);
	fp_stop(dev);
	fp_block_release(&blk);
	fp_close(dev);
	unlink(path);
}

/* 70000 frames: header saturates, TRIAL:ACTUAL_END_FIELD carries the count. */
static void test_long_file(void)
{
	struct fp_c3d_wchannel ch[2] = { { "A", "V", "", 1, 0 }, { "B", "V", "", 2, 3 } };
	struct fp_c3d_wdesc d = { .analog_rate = 200, .analog_spf = 2, .n_analog = 2,
				  .ch = ch, .belt_speed_mps = NAN };
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX];
	const uint32_t frames = 70000, chunk = 1000;
	float *buf = malloc(chunk * 2 * 2 * sizeof(float));
	int bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	tmp_path(path, sizeof(path), "long");
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	for (uint32_t f0 = 0; f0 < frames; f0 += chunk) {
		for (uint32_t i = 0; i < chunk * 2; i++)
			for (uint32_t k = 0; k < 2; k++)
				buf[i * 2 + k] = value((uint64_t)f0 * 2 + i, k);
		CU_ASSERT_EQUAL(fp_c3d_writer_write(w, buf, chunk * 2), 0);
	}
	CU_ASSERT_EQUAL(fp_c3d_writer_frames(w), frames);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(c->n_frames, frames);
	CU_ASSERT_EQUAL(fp_c3d_analog_samples(c), 2ull * frames);
	FP_ASSERT_CLOSE(fp_c3d_param_num(fp_c3d_param(c, "POINT", "FRAMES"), 0), frames, 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_load_analog(c), 0);
	for (uint64_t s = 0; s < fp_c3d_analog_samples(c); s++)
		for (uint32_t k = 0; k < 2; k++)
			bad += c->analog[s * 2 + k] != value(s, k);
	CU_ASSERT_EQUAL(bad, 0);
	FP_ASSERT_CLOSE(fp_c3d_analog(c, 139999, 1), (value(139999, 1) - 3) * 2, 0);
	fp_c3d_free(c);
	free(buf);
	unlink(path);
}

/*
 * The format's rules other tools rely on, checked on the bytes of a written
 * file (not through our reader): header words, parameter section header,
 * the entry chain ending with offset 0 inside the section, DATA_START in
 * header and POINT agreeing, analog rate = frame rate x samples per frame.
 */
static void test_format_rules(void)
{
	struct fp_c3d_wchannel ch[6];
	struct fp_c3d_wplate pl[1];
	struct fp_c3d_wdesc d;
	struct fp_calib cal;
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX];
	float v[6 * 40] = { 0 };
	uint8_t b[64 * 1024];
	size_t len, pos, sec;
	FILE *f;
	float scale, rate;
	int entries = 0, last_zero = 0;

	tmp_path(path, sizeof(path), "rules");
	make_calib(&cal, 1);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 2000.0, ch, pl, msg,
						   sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 40), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(b, 1, sizeof(b), f);
	fclose(f);
	CU_ASSERT_EQUAL(b[0], 2);               /* parameters start in block 2 */
	CU_ASSERT_EQUAL(b[1], 0x50);
	CU_ASSERT_EQUAL(b[2] | b[3] << 8, 0);   /* no 3-D points */
	CU_ASSERT_EQUAL(b[4] | b[5] << 8, 6 * 20); /* channels x samples per frame */
	CU_ASSERT_EQUAL(b[6] | b[7] << 8, 1);
	CU_ASSERT_EQUAL(b[8] | b[9] << 8, 2);   /* 40 samples / 20 per frame */
	memcpy(&scale, b + 12, 4);
	memcpy(&rate, b + 20, 4);
	CU_ASSERT(scale < 0);                    /* REAL storage */
	CU_ASSERT_EQUAL(b[18] | b[19] << 8, 20);
	FP_ASSERT_CLOSE(rate * 20, 2000.0, 1e-3);
	sec = (size_t)b[512 + 2] * 512;
	CU_ASSERT_EQUAL(b[512 + 3], 84);         /* Intel */
	CU_ASSERT_EQUAL((size_t)(b[16] | b[17] << 8), 2 + sec / 512); /* data follows */
	CU_ASSERT_EQUAL(len, (2 + sec / 512 - 1) * 512 + 2 * 20 * 6 * 4);
	for (pos = 4; pos + 2 < sec && b[512 + pos];) {
		size_t n = b[512 + pos] & 0x7f, off = 512 + pos + 2 + n;
		unsigned next = b[off] | b[off + 1] << 8;

		entries++;
		if (!next) {
			last_zero = 1;
			break;
		}
		pos += 2 + n + next;
		CU_ASSERT_FATAL(pos < sec);
	}
	CU_ASSERT(entries > 40);
	CU_ASSERT(last_zero);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	FP_ASSERT_CLOSE(fp_c3d_param_num(fp_c3d_param(c, "POINT", "DATA_START"), 0),
			b[16] | b[17] << 8, 0);
	FP_ASSERT_CLOSE(fp_c3d_param_num(fp_c3d_param(c, "ANALOG", "RATE"), 0), 2000.0, 0);
	FP_ASSERT_CLOSE(fp_c3d_param_num(fp_c3d_param(c, "POINT", "RATE"), 0), 100.0, 0);
	CU_ASSERT_EQUAL(c->n_params, (uint32_t)entries - c->n_groups);
	fp_c3d_free(c);
	unlink(path);
}

/*
 * The middle state of close(): the entry chain cut before EVENT and the
 * tail half written (garbage) must still read, with the frames and without
 * events; this is what a kill during the event rewrite leaves.
 */
static void test_cut_chain_is_valid(void)
{
	struct fp_c3d_wchannel ch[6];
	struct fp_c3d_wplate pl[1];
	struct fp_c3d_wdesc d;
	struct fp_calib cal;
	struct fp_c3d_writer *w;
	struct fp_c3d *c;
	char path[256], msg[FP_MSG_MAX];
	float v[6 * 100] = { 0 };
	uint8_t *b = malloc(256 * 1024);
	size_t len, pos, prev = 0, sec;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	tmp_path(path, sizeof(path), "cut");
	make_calib(&cal, 1);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 1000.0, ch, pl, msg,
						   sizeof(msg)), 0);
	d.max_events = 10;
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 100), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_add_event(w, "Left", "Foot Strike", 0.05), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(b, 1, 256 * 1024, f);
	fclose(f);
	sec = (size_t)b[512 + 2] * 512;
	for (pos = 4; pos < sec;) {
		size_t n = b[512 + pos] & 0x7f, off = 512 + pos + 2 + n;

		if ((int8_t)b[512 + pos + 1] < 0 && n == 5 && !memcmp(b + 512 + pos + 2, "EVENT", 5))
			break;
		prev = off;
		pos += 2 + n + (size_t)(b[off] | b[off + 1] << 8);
	}
	CU_ASSERT_FATAL(pos < sec && prev > 0);
	b[prev] = b[prev + 1] = 0;                        /* cut */
	memset(b + 512 + pos, 0xa5, (sec - pos) / 2);     /* half-written tail */
	CU_ASSERT_EQUAL_FATAL(fp_c3d_parse(b, len, "cut.c3d", &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(c->n_frames, 10);
	CU_ASSERT_EQUAL(c->n_events, 0);
	CU_ASSERT_EQUAL(c->n_plates, 1);
	fp_c3d_free(c);
	free(b);
	unlink(path);
}

/*
 * A calibration without corners: plates side by side along x, as
 * fp_calib_default() lays them out, written in the file's corner order
 * (its y is fplate's -y) and read back as the same fplate corners.
 */
static void test_session_default_corners(void)
{
	struct fp_calib cal;
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel ch[12];
	struct fp_c3d_wplate pl[2];
	char msg[FP_MSG_MAX];
	/* file order +x+y, -x+y, -x-y, +x-y of the file frame; plate 1 at x = -250 */
	static const double fx[4] = { 0, -500, -500, 0 }, fy[4] = { -850, -850, 850, 850 };

	make_calib(&cal, 2);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_wdesc_session(&d, &cal, 0, 1000.0, ch, pl, msg,
						   sizeof(msg)), 0);
	for (int k = 0; k < 4; k++) {
		FP_ASSERT_CLOSE(pl[0].corners[k][0], fx[k], 0);
		FP_ASSERT_CLOSE(pl[1].corners[k][0], fx[k] + 500, 0);
		FP_ASSERT_CLOSE(pl[0].corners[k][1], fy[k], 0);
		FP_ASSERT_CLOSE(pl[1].corners[k][1], fy[k], 0);
		FP_ASSERT_CLOSE(pl[0].corners[k][2], 0, 0);
	}
}

static void test_writer_errors(void)
{
	struct fp_c3d_wchannel ch[1] = { { "A", "V", "", NAN, 0 } };
	struct fp_c3d_wdesc d = { .analog_rate = 100, .analog_spf = 1, .n_analog = 1, .ch = ch };
	struct fp_c3d_writer *w;
	char msg[FP_MSG_MAX];

	CU_ASSERT_EQUAL(fp_c3d_writer_open("/tmp/x.c3d", &d, &w, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "scale is nan"));
	ch[0].scale = 1;
	CU_ASSERT_EQUAL(fp_c3d_writer_open("/nonexistent/dir/x.c3d", &d, &w, msg, sizeof(msg)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/dir/x.c3d"));
}

/* FPLATE:FIRST_SAMPLE as the 64-bit index it is: four int16 words, low first. */
static uint64_t first_sample_of(const char *path)
{
	struct fp_c3d *c = NULL;
	char msg[FP_MSG_MAX];
	const struct fp_c3d_param *p;
	uint64_t v = 0;

	if (fp_c3d_open(path, &c, msg, sizeof(msg)))
		return UINT64_MAX;
	p = fp_c3d_param(c, "FPLATE", "FIRST_SAMPLE");
	for (int k = 3; p && k >= 0; k--)
		v = v << 16 | (uint16_t)(int16_t)fp_c3d_param_num(p, (uint32_t)k);
	fp_c3d_free(c);
	return p ? v : UINT64_MAX - 1;
}

/*
 * A recording started after weeks of daemon uptime: the index passes
 * 2^32 (25 days at 2 kHz), given at open or only after it (fplated), with
 * and without events.
 */
static void test_first_sample_64bit(void)
{
	struct fp_c3d_wchannel ch[1] = { { "A", "V", "", 1, 0 } };
	struct fp_c3d_wdesc d = { .analog_rate = 100, .analog_spf = 1, .n_analog = 1, .ch = ch,
				  .max_events = 4, .first_sample = 0x0123456789abcdefULL };
	struct fp_c3d_writer *w;
	char path[256], msg[FP_MSG_MAX];
	float v[4] = { 1, 2, 3, 4 };

	tmp_path(path, sizeof(path), "first");
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 4), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(first_sample_of(path), 0x0123456789abcdefULL);
	d.first_sample = 0;
	for (int events = 0; events < 2; events++) {
		CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
		CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 4), 0);
		fp_c3d_writer_set_first_sample(w, (5ULL << 32) + 7);
		if (events)
			CU_ASSERT_EQUAL(fp_c3d_writer_add_event(w, "Left", "Foot Strike", 0.01), 0);
		CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
		CU_ASSERT_EQUAL(first_sample_of(path), (5ULL << 32) + 7);
	}
	unlink(path);
}

/*
 * What fp_c3d_open() refuses before reading: a directory, and a file larger
 * than the 2 GiB it loads into memory (which a long recording reaches: the
 * message used to call such a file "not a regular file").
 */
static void test_open_refusals(void)
{
	struct fp_c3d *c = NULL;
	char path[256], msg[FP_MSG_MAX];
	FILE *f;

	CU_ASSERT_EQUAL(fp_c3d_open("/tmp", &c, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "/tmp: not a regular file (a directory)");
	tmp_path(path, sizeof(path), "huge");
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ftruncate(fileno(f), 3LL << 30), 0);   /* sparse 3 GiB */
	fclose(f);
	CU_ASSERT_EQUAL(fp_c3d_open(path, &c, msg, sizeof(msg)), -EFBIG);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ": 3221225472 bytes: larger than the 2048 MiB "
					   "this reader loads into memory"));
	unlink(path);
}

void fp_suite_c3d_write(void)
{
	FP_ADD_SUITE("c3d_write",
		     { "round trip type 2", test_roundtrip_type2 },
		     { "round trip type 4", test_roundtrip_type4 },
		     { "session frames", test_session_frames },
		     { "belt-speed channel", test_belt_channel },
		     { "more than 65535 frames", test_long_file },
		     { "format rules on the bytes", test_format_rules },
		     { "close: cut chain is valid", test_cut_chain_is_valid },
		     { "writer errors", test_writer_errors },
		     { "open refusals", test_open_refusals },
		     { "FIRST_SAMPLE is 64-bit", test_first_sample_64bit },
		     { "session default corners", test_session_default_corners });
}
