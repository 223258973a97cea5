// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_c3d_source.c - the c3d:// backend: every real file opens and replays
 * to the end; what fp_calib_apply() makes of the delivered block with the
 * calibration from fp_get_calibration() equals c3d_fp.c's own result (F/M,
 * COP, free moment), for F/M files and for type 4 volts + CAL_MATRIX.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fp_test.h"
#include "fplate/c3d.h"
#include "fplate/calib.h"

static int open_uri(const char *file, const char *query, struct fp_device **dev,
		    char *msg, size_t msg_len)
{
	char uri[FP_URI_MAX];

	snprintf(uri, sizeof(uri), "c3d://%s/c3d/%s%s", fp_test_data_dir(), file, query);
	return fp_open(uri, dev, msg, msg_len);
}

static double rel_err(double a, double b)
{
	if (isnan(a) && isnan(b))
		return 0;
	return fabs(a - b) / (1.0 + fabs(b));
}

/* Replay one file completely; compare with the reader. */
static void replay_file(const char *file)
{
	struct fp_device *dev;
	struct fp_info info;
	struct fp_calib cal;
	struct fp_block blk;
	struct fp_frames fr;
	struct fp_c3d *c;
	char msg[FP_MSG_MAX], path[1024];
	uint64_t total = 0;
	double worst = 0;
	uint32_t map[FP_MAX_PLATES], np = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/c3d/%s", fp_test_data_dir(), file);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_open(path, &c, msg, sizeof(msg)), 0);
	ret = open_uri(file, "?rate=fast", &dev, msg, sizeof(msg));
	if (ret)
		fprintf(stderr, "\n  %s: %s\n", file, msg);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(fp_info(dev, &info), 0);
	FP_ASSERT_CLOSE(info.rate_hz, c->analog_rate, 0);
	CU_ASSERT_EQUAL(info.paced, 0);
	for (uint32_t p = 0; p < c->n_plates && np < FP_MAX_PLATES; p++)
		if (c->plate[p].type >= 1 && c->plate[p].type <= 4)
			map[np++] = p;
	CU_ASSERT_EQUAL(info.plates, np);
	CU_ASSERT_EQUAL(fp_get_calibration(dev, &cal), 0);
	CU_ASSERT_EQUAL(fp_calib_check(&cal, &info, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL_FATAL(fp_block_init(&blk, &info, 777), 0);
	CU_ASSERT_EQUAL_FATAL(fp_frames_init(&fr, info.plates, 777), 0);
	CU_ASSERT_EQUAL(fp_start(dev), 0);
	while ((ret = fp_read(dev, &blk, 100)) > 0) {
		CU_ASSERT_EQUAL(blk.first_sample, total);
		CU_ASSERT_EQUAL_FATAL(fp_calib_apply(&cal, info.unit, &blk, &fr), 0);
		for (uint32_t s = 0; s < blk.n; s++)
			for (uint32_t p = 0; p < info.plates; p++) {
				struct fp_c3d_fp_sample ref;

				fp_c3d_fp_sample(c, map[p], total + s, 0, cal.plate[p].fz_threshold_n,
						 &ref);
				for (int k = 0; k < FP_NFIELDS; k++)
					worst = fmax(worst, rel_err(fr.v[(s * info.plates + p) *
									 FP_NFIELDS + k],
								    ref.plate[k]));
			}
		total += (uint64_t)ret;
	}
	CU_ASSERT_EQUAL(ret, -EPIPE);
	CU_ASSERT_EQUAL(total, fp_c3d_analog_samples(c));
	if (worst > 1e-9)
		fprintf(stderr, "\n  %s: worst relative difference %g\n", file, worst);
	CU_ASSERT(worst <= 1e-9);
	fp_frames_release(&fr);
	fp_block_release(&blk);
	fp_close(dev);
	fp_c3d_free(c);
}

static void test_replay_every_file(void)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/c3d", fp_test_data_dir());
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l > 4 && !strcmp(e->d_name + l - 4, ".c3d")) {
			replay_file(e->d_name);
			n++;
		}
	}
	closedir(d);
	CU_ASSERT_EQUAL(n, 11);
}

static void test_units_and_plates(void)
{
	struct fp_device *dev;
	struct fp_info info;
	char msg[FP_MSG_MAX];

	CU_ASSERT_EQUAL_FATAL(open_uri("fukuchi_RBDS001runT35.c3d", "", &dev, msg,
				       sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL(info.unit, FP_RAW_VOLTS);
	CU_ASSERT_EQUAL(info.paced, 1);
	fp_close(dev);
	CU_ASSERT_EQUAL_FATAL(open_uri("ezc3d_BTS.c3d", "?plates=1,4,5", &dev, msg,
				       sizeof(msg)), 0);
	fp_info(dev, &info);
	CU_ASSERT_EQUAL(info.plates, 3);
	CU_ASSERT_EQUAL(info.unit, FP_RAW_FM);
	fp_close(dev);
	CU_ASSERT_EQUAL(open_uri("ezc3d_BTS.c3d", "?plates=7", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'plates' value '7'"));
	CU_ASSERT_EQUAL(open_uri("ezc3d_BTS.c3d", "?rate=slow", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(open_uri("nope.c3d", "", &dev, msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nope.c3d"));
	CU_ASSERT_EQUAL(open_uri("SOURCES.md", "", &dev, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "key byte"));
}

/* loop=1 wraps with a continuous sample index; realtime is paced. */
static void test_loop_and_pacing(void)
{
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	char msg[FP_MSG_MAX];
	uint64_t total = 0, expect = 0;
	struct timespec t0, t0b, t1;
	double dt;
	int ret;

	CU_ASSERT_EQUAL_FATAL(open_uri("btk_561xxa01_anonym.c3d", "?rate=fast&loop=1", &dev,
				       msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	fp_block_init(&blk, &info, 100);
	fp_start(dev);
	while (total < 3 * 361 + 50 && (ret = fp_read(dev, &blk, 0)) > 0) {
		CU_ASSERT_EQUAL(blk.first_sample, expect);
		expect += (uint64_t)ret;
		total += (uint64_t)ret;
	}
	CU_ASSERT(total >= 3 * 361 + 50);
	fp_block_release(&blk);
	fp_close(dev);

	CU_ASSERT_EQUAL_FATAL(open_uri("ezc3d_BTS.c3d", "", &dev, msg, sizeof(msg)), 0);
	fp_info(dev, &info);
	fp_block_init(&blk, &info, 1000);
	/*
	 * Paced by the clock at 1000 Hz: after each read the samples delivered
	 * are those due between start and the read (bounds from timestamps taken
	 * around it, so a busy machine cannot make this fail). The start itself
	 * is bracketed too: the upper bound counts from before fp_start() (t0),
	 * the lower one from after it (t0b), so a stall inside fp_start() only
	 * widens the bracket.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fp_start(dev);
	clock_gettime(CLOCK_MONOTONIC, &t0b);
	total = 0;
	do {
		double before, after;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		before = (double)(t1.tv_sec - t0b.tv_sec) + (t1.tv_nsec - t0b.tv_nsec) * 1e-9;
		ret = fp_read(dev, &blk, 50);
		if (ret > 0)
			total += (uint64_t)ret;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		after = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
		CU_ASSERT((double)total <= after * 1000.0 + 1);
		if (ret < (int)blk.capacity) /* not capped by the block size */
			CU_ASSERT((double)total >= before * 1000.0 - 5);
		dt = after;
	} while (ret >= 0 && dt < 0.3);
	CU_ASSERT(total > 0 && total < 6750); /* paced: not the whole file at once */
	fp_block_release(&blk);
	fp_close(dev);
}

/* Kistler.c3d stores the action force; action=1 makes loads Fz > 0 (peak ~830 N). */
static void test_action_force(void)
{
	double peak[2] = { -1e9, -1e9 };

	for (int a = 0; a < 2; a++) {
		struct fp_device *dev;
		struct fp_info info;
		struct fp_calib cal;
		struct fp_block blk;
		struct fp_frames fr;
		char msg[FP_MSG_MAX];
		int ret;

		CU_ASSERT_EQUAL_FATAL(open_uri("ezc3d_Kistler.c3d", a ? "?rate=fast&action=1" :
					       "?rate=fast", &dev, msg, sizeof(msg)), 0);
		fp_info(dev, &info);
		fp_get_calibration(dev, &cal);
		fp_block_init(&blk, &info, 1000);
		fp_frames_init(&fr, info.plates, 1000);
		fp_start(dev);
		while ((ret = fp_read(dev, &blk, 0)) > 0) {
			fp_calib_apply(&cal, info.unit, &blk, &fr);
			for (uint32_t s = 0; s < blk.n; s++)
				peak[a] = fmax(peak[a], fr.v[s * info.plates * FP_NFIELDS + FP_FZ]);
		}
		fp_frames_release(&fr);
		fp_block_release(&blk);
		fp_close(dev);
	}
	CU_ASSERT(peak[0] < 10);
	CU_ASSERT(peak[1] > 700 && peak[1] < 950);
}

void fp_suite_c3d_source(void)
{
	FP_ADD_SUITE("c3d_source",
		     { "replay every real file", test_replay_every_file },
		     { "units and plate selection", test_units_and_plates },
		     { "loop and realtime pacing", test_loop_and_pacing },
		     { "action=1 for action-force files", test_action_force });
}
