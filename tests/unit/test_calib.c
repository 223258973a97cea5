// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_calib.c - calibration math and COP against hand-computed cases, and
 * the JSON calibration file (errors users see, save/load round trip).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_test.h"
#include "fplate/fplate.h"
#include "fplate/calib.h"

/* One sample, one plate: raw[] in, the frame out. */
static int apply_one(const struct fp_calib *cal, enum fp_raw_unit unit, const double *raw,
		     uint32_t channels, double out[FP_NFIELDS], uint32_t *flags)
{
	struct fp_info info = { .plates = 1, .channels = channels };
	struct fp_block blk;
	struct fp_frames fr;
	int ret;

	CU_ASSERT_EQUAL_FATAL(fp_block_init(&blk, &info, 4), 0);
	CU_ASSERT_EQUAL_FATAL(fp_frames_init(&fr, 1, 4), 0);
	memcpy(blk.raw, raw, channels * sizeof(double));
	blk.n = 1;
	blk.first_sample = 77;
	blk.belt_speed_mps = 2.5;
	ret = fp_calib_apply(cal, unit, &blk, &fr);
	if (!ret) {
		memcpy(out, fr.v, FP_NFIELDS * sizeof(double));
		CU_ASSERT_EQUAL(fr.n, 1);
		CU_ASSERT_EQUAL(fr.first_sample, 77);
		FP_ASSERT_CLOSE(fr.belt_speed_mps, 2.5, 0);
		if (flags)
			*flags = fr.flags;
	}
	fp_block_release(&blk);
	fp_frames_release(&fr);
	return ret;
}

static void test_identity(void)
{
	struct fp_calib cal;
	double raw[6] = { 10, -20, 500, 30, -40, 2 }, o[FP_NFIELDS];

	fp_calib_default(&cal, 1, 6);
	CU_ASSERT_EQUAL(cal.version, FP_CALIB_VERSION);
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, NULL), 0);
	for (int i = 0; i < 6; i++)
		FP_ASSERT_CLOSE(o[i], raw[i], 1e-12);
	/* h = 0, origin 0: px = -My/Fz m, py = Mx/Fz m */
	FP_ASSERT_CLOSE(o[FP_COPX], 40.0 / 500 * 1000, 1e-9);
	FP_ASSERT_CLOSE(o[FP_COPY], 30.0 / 500 * 1000, 1e-9);
	/* Tz = Mz - px Fy + py Fx = 2 - 0.08*(-20) + 0.06*10 */
	FP_ASSERT_CLOSE(o[FP_TZ], 2 + 1.6 + 0.6, 1e-9);
}

static void test_counts_tare_matrix(void)
{
	struct fp_calib cal;
	double raw[6] = { 2000, 4000, 6000, 0, 2000, -2000 }, o[FP_NFIELDS];
	struct fp_plate_calib *pc;

	fp_calib_default(&cal, 1, 6);
	pc = &cal.plate[0];
	for (int c = 0; c < 6; c++)
		pc->scale_v[c] = 0.5e-3;            /* counts -> V: 1, 2, 3, 0, 1, -1 V */
	pc->tare_v[2] = 0.5;                    /* Fz channel reads 2.5 V net */
	memset(pc->matrix, 0, sizeof(pc->matrix));
	pc->matrix[0][0] = 100;  pc->matrix[0][2] = 2;       /* Fx = 100 v0 + 2 v2 */
	pc->matrix[1][1] = 100;  pc->matrix[1][0] = -1;      /* Fy = 100 v1 - v0 */
	pc->matrix[2][2] = 1000; pc->matrix[2][3] = 5;       /* Fz = 1000 v2 + 5 v3 */
	pc->matrix[3][3] = 200;  pc->matrix[3][2] = 4;       /* Mx = 200 v3 + 4 v2 */
	pc->matrix[4][4] = 150;
	pc->matrix[5][5] = 50;   pc->matrix[5][4] = 0.5;
	pc->fz_threshold_n = 20;
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_COUNTS, raw, 6, o, NULL), 0);
	FP_ASSERT_CLOSE(o[FP_FX], 100 * 1 + 2 * 2.5, 1e-9);
	FP_ASSERT_CLOSE(o[FP_FY], 100 * 2 - 1, 1e-9);
	FP_ASSERT_CLOSE(o[FP_FZ], 1000 * 2.5, 1e-9);
	FP_ASSERT_CLOSE(o[FP_MX], 4 * 2.5, 1e-9);
	FP_ASSERT_CLOSE(o[FP_MY], 150, 1e-9);
	FP_ASSERT_CLOSE(o[FP_MZ], -50 + 0.5, 1e-9);
	/* volts are not scaled again */
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, (double[6]){ 1, 2, 3, 0, 1, -1 }, 6, o,
				  NULL), 0);
	FP_ASSERT_CLOSE(o[FP_FZ], 2500, 1e-9);
}

static void test_kistler(void)
{
	struct fp_calib cal;
	struct fp_plate_calib *pc;
	double sens[8] = { 1, 1, 1, 1, 2, 1, 1, 1 };
	/* fx12 fx34 fy14 fy23 fz1..fz4 in volts; fz1 at 2 N/V */
	double raw[8] = { 10, 20, 5, -5, 50, 200, 300, 400 }, o[FP_NFIELDS];

	fp_calib_default(&cal, 1, 8);
	pc = &cal.plate[0];
	fp_calib_kistler_matrix(pc, 200, 300, -50, sens);
	CU_ASSERT_EQUAL(pc->channels, 8);
	FP_ASSERT_CLOSE(pc->surface_h_mm, 50, 0);
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 8, o, NULL), 0);
	FP_ASSERT_CLOSE(o[FP_FX], 30, 1e-9);
	FP_ASSERT_CLOSE(o[FP_FY], 0, 1e-9);
	FP_ASSERT_CLOSE(o[FP_FZ], 1000, 1e-9);
	/* sensors 1..4 at (+a,+b) (-a,+b) (-a,-b) (+a,-b); fz = 100 200 300 400 N */
	FP_ASSERT_CLOSE(o[FP_MX], 0.3 * (100 + 200 - 300 - 400), 1e-9);
	FP_ASSERT_CLOSE(o[FP_MY], 0.2 * (-100 + 200 + 300 - 400), 1e-9);
	FP_ASSERT_CLOSE(o[FP_MZ], 0.3 * (-10 + 20) + 0.2 * (5 - -5), 1e-9);
	/* COP: y = sum(y_i Fz_i)/Fz = -120 mm; x from Fx and h: (h Fx - My)/Fz */
	FP_ASSERT_CLOSE(o[FP_COPY], -120, 1e-9);
	FP_ASSERT_CLOSE(o[FP_COPX], (50 * 30 - 0) / 1000.0, 1e-9);
}

/* F/M at the transducer origin of a point load at (px, py, h) mm plus Tz. */
static void point_load(double px, double py, double h, double fx, double fy, double fz,
		       double tz, double fm[6])
{
	double x = px / 1000, y = py / 1000, z = h / 1000;

	fm[0] = fx;
	fm[1] = fy;
	fm[2] = fz;
	fm[3] = y * fz - z * fy;
	fm[4] = z * fx - x * fz;
	fm[5] = x * fy - y * fx + tz;
}

static void test_cop_point_loads(void)
{
	struct fp_plate_calib pc = { .fz_threshold_n = 20 };
	static const double pos[][2] = { { 0, 0 }, { 120, -340 }, { -250, 800 }, { 3.3, -0.7 } };
	static const double heights[] = { 0, 52, 61.5 };

	pc.origin_mm[0] = 3;
	pc.origin_mm[1] = -4;
	for (size_t hi = 0; hi < 3; hi++) {
		pc.surface_h_mm = heights[hi];
		for (size_t i = 0; i < 4; i++) {
			double fm[6], cx, cy, tz;
			/* position relative to the surface centre -> transducer frame */
			double px = pos[i][0] + pc.origin_mm[0], py = pos[i][1] + pc.origin_mm[1];

			point_load(px, py, pc.surface_h_mm, 85, -230, 1650, 4.5, fm);
			fp_cop(&pc, fm, &cx, &cy, &tz);
			FP_ASSERT_CLOSE(cx, pos[i][0], 1e-6);
			FP_ASSERT_CLOSE(cy, pos[i][1], 1e-6);
			FP_ASSERT_CLOSE(tz, 4.5, 1e-9);
		}
	}
}

static void test_cop_through_apply(void)
{
	struct fp_calib cal;
	struct fp_plate_calib *pc;
	static const double gain[6] = { 500, 500, 1000, 400, 150, 100 };
	double fm[6], v[6], o[FP_NFIELDS];

	fp_calib_default(&cal, 1, 6);
	pc = &cal.plate[0];
	pc->surface_h_mm = 48;
	pc->origin_mm[0] = -1.2;
	pc->origin_mm[1] = 1.8;
	for (int r = 0; r < 6; r++)
		pc->matrix[r][r] = gain[r];
	point_load(80 - 1.2, -400 + 1.8, 48, -30, 150, 1200, -2, fm);
	for (int r = 0; r < 6; r++)
		v[r] = fm[r] / gain[r];
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, v, 6, o, NULL), 0);
	FP_ASSERT_CLOSE(o[FP_COPX], 80, 1e-6);
	FP_ASSERT_CLOSE(o[FP_COPY], -400, 1e-6);
	FP_ASSERT_CLOSE(o[FP_TZ], -2, 1e-9);
}

static void test_threshold_and_saturation(void)
{
	struct fp_calib cal;
	double raw[6] = { 1, 1, 19.9, 1, 1, 1 }, o[FP_NFIELDS];
	uint32_t flags = 0;

	fp_calib_default(&cal, 1, 6);
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, &flags), 0);
	FP_ASSERT_CLOSE(o[FP_FZ], 19.9, 1e-12);          /* forces still published */
	CU_ASSERT_TRUE(isnan(o[FP_COPX]) && isnan(o[FP_COPY]) && isnan(o[FP_TZ]));
	CU_ASSERT_FALSE(flags & FP_BLK_SATURATED);
	raw[2] = 20;
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, NULL), 0);
	CU_ASSERT_FALSE(isnan(o[FP_COPX]));
	raw[2] = -500;                                   /* pulling up: no COP */
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, NULL), 0);
	CU_ASSERT_TRUE(isnan(o[FP_COPX]));
	cal.plate[0].saturation_v = 9.5;
	raw[2] = 5;
	raw[4] = -9.5;
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, &flags), 0);
	CU_ASSERT_TRUE(flags & FP_BLK_SATURATED);
	raw[4] = 9.49;
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, raw, 6, o, &flags), 0);
	CU_ASSERT_FALSE(flags & FP_BLK_SATURATED);
}

static void test_raw_fm_and_errors(void)
{
	struct fp_calib cal;
	double fm[6], o[FP_NFIELDS];
	struct fp_info info = { .plates = 2, .channels = 6, .uri = "sim://" };
	char msg[FP_MSG_MAX];

	fp_calib_default(&cal, 1, 6);
	cal.plate[0].surface_h_mm = 40;
	point_load(10, 20, 40, 5, 6, 700, 1, fm);
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_FM, fm, 6, o, NULL), 0);
	FP_ASSERT_CLOSE(o[FP_COPX], 10, 1e-9);
	FP_ASSERT_CLOSE(o[FP_COPY], 20, 1e-9);
	/* a 6-channel calibration does not fit an 8-channel block */
	CU_ASSERT_EQUAL(apply_one(&cal, FP_RAW_VOLTS, (double[8]){ 0 }, 8, o, NULL), -EINVAL);
	/* plate count must match the device */
	CU_ASSERT_EQUAL(fp_calib_check(&cal, &info, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "1 plates, device sim:// has 2"));
	cal.plate[0].matrix[2][2] = NAN;
	CU_ASSERT_EQUAL(fp_calib_check(&cal, NULL, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "non-finite"));
}

static void test_belt_correction(void)
{
	/* 0.2 s into stance at 3.5 m/s the foot has ridden 700 mm backward */
	FP_ASSERT_CLOSE(fp_cop_foot_y(-100, 3.5, 0.2), 600, 1e-9);
	FP_ASSERT_CLOSE(fp_cop_foot_y(250, 0, 0.3), 250, 0);
	/* a COP fixed on the foot: plate y falls at belt speed, foot y stays */
	for (int i = 0; i < 5; i++) {
		double t = i * 0.05, y_plate = 300 - 3000 * t;

		FP_ASSERT_CLOSE(fp_cop_foot_y(y_plate, 3.0, t), 300, 1e-9);
	}
}

/* ---- the calibration file ---------------------------------------------- */

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define PLATE_OK \
	"{\"channels\": 6, \"matrix\": [[500,0,0,0,0,0],[0,500,0,0,0,0],[0,0,1000,0,0,0]," \
	"[0,0,0,400,0,0],[0,0,0,0,150,0],[0,0,0,0,0,100]], \"surface_height_mm\": 50," \
	"\"size_mm\": [500, 1700]}"

static void expect_error(const char *name, const char *text, int err, const char *needle)
{
	struct fp_calib cal;
	char msg[FP_MSG_MAX] = "";
	const char *path = write_file(name, text);

	memset(&cal, 0x5a, sizeof(cal));
	CU_ASSERT_EQUAL(fp_calib_load(path, &cal, msg, sizeof(msg)), err);
	if (!strstr(msg, needle))
		fprintf(stderr, "%s: message '%s' lacks '%s'\n", name, msg, needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, needle));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, name));          /* names the file */
	CU_ASSERT_EQUAL(cal.version, 0x5a5a5a5au);          /* untouched on error */
}

static void test_file_errors(void)
{
	char msg[FP_MSG_MAX];
	struct fp_calib cal;

	expect_error("nojson.json", "{\"version\": 1,", -EINVAL, "invalid JSON");
	expect_error("version.json", "{\"version\": 2, \"id\": \"x\", \"plates\": [" PLATE_OK "]}",
		     -EINVAL, "version: unknown version 2");
	expect_error("noversion.json", "{\"id\": \"x\", \"plates\": [" PLATE_OK "]}",
		     -EINVAL, "version: missing");
	expect_error("noh.json", "{\"version\": 1, \"id\": \"x\", \"plates\": [" PLATE_OK ","
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],"
		     "[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"size_mm\": [1, 1]}]}",
		     -EINVAL, "plates[1].surface_height_mm: missing");
	/* AMTI's az0 (negative) copied as the height: refused, with the fix */
	expect_error("az0.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],"
		     "[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"surface_height_mm\": -41,"
		     "\"size_mm\": [1, 1]}]}",
		     -EINVAL, "plates[0].surface_height_mm: -41, expected >= 0 (the distance "
		     "of the surface above the transducer origin; for AMTI's negative az0 "
		     "give -az0)");
	expect_error("rows.json", "{\"version\": 1, \"id\": \"x\", \"plates\": [" PLATE_OK ","
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],"
		     "[0,0,0,1,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"surface_height_mm\": 1,"
		     "\"size_mm\": [1, 1]}]}",
		     -EINVAL, "plates[1].matrix: expected 6 rows of 6 numbers, row 3 has 5");
	expect_error("five.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0]], \"surface_height_mm\": 1,"
		     "\"size_mm\": [1, 1]}]}",
		     -EINVAL, "plates[0].matrix: expected 6 rows of 6 numbers, got 1 rows");
	expect_error("inf.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1e999,0,0,0,0,0]]}]}",
		     -EINVAL, "overflow");
	expect_error("str.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,\"NaN\",0,0,0],"
		     "[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"surface_height_mm\": 1,"
		     "\"size_mm\": [1, 1]}]}",
		     -EINVAL, "plates[0].matrix[2][2]: expected a number, got string \"NaN\"");
	expect_error("typo.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],"
		     "[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"surface_height_mm\": 1,"
		     "\"size_mm\": [1, 1], \"fz_treshold_n\": 30}]}",
		     -EINVAL, "plates[0]: unknown field 'fz_treshold_n'");
	expect_error("axes.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"axes\": \"y-up\", \"matrix\": []}]}",
		     -EINVAL, "plates[0].axes: expected \"z-up\" or \"z-down\", got \"y-up\"");
	expect_error("tare.json", "{\"version\": 1, \"id\": \"x\", \"plates\": ["
		     "{\"channels\": 6, \"matrix\": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],"
		     "[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]], \"surface_height_mm\": 1,"
		     "\"size_mm\": [1, 1], \"tare_v\": [0, 0, 0]}]}",
		     -EINVAL, "plates[0].tare_v: expected 6 numbers, got 3");
	CU_ASSERT_EQUAL(fp_calib_load("/nonexistent/cal.json", &cal, msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/cal.json: cannot open"));
}

/* Values no force plate can have: refused, naming plate, field and value. */
#define PLATE_M(m, extra) "{\"version\": 1, \"id\": \"x\", \"plates\": [{\"channels\": 6, " \
	"\"matrix\": " m ", \"surface_height_mm\": 50, \"size_mm\": [500, 1700]" extra "}]}"
#define DIAG "[[500,0,0,0,0,0],[0,500,0,0,0,0],[0,0,1000,0,0,0],[0,0,0,400,0,0]," \
	"[0,0,0,0,150,0],[0,0,0,0,0,100]]"

static void test_file_physics(void)
{
	expect_error("zero.json", PLATE_M("[[0,0,0,0,0,0],[0,0,0,0,0,0],[0,0,0,0,0,0],"
		     "[0,0,0,0,0,0],[0,0,0,0,0,0],[0,0,0,0,0,0]]", ""), -EINVAL,
		     "plates[0].matrix: singular (rank 0 of 6)");
	/* Mz row = Mx row: five independent rows */
	expect_error("singular.json", PLATE_M("[[500,0,0,0,0,0],[0,500,0,0,0,0],[0,0,1000,0,0,0],"
		     "[0,0,0,400,0,0],[0,0,0,0,150,0],[0,0,0,400,0,0]]", ""), -EINVAL,
		     "plates[0].matrix: singular (rank 5 of 6)");
	expect_error("huge.json", PLATE_M("[[1e308,0,0,0,0,0],[0,500,0,0,0,0],[0,0,1000,0,0,0],"
		     "[0,0,0,400,0,0],[0,0,0,0,150,0],[0,0,0,0,0,100]]", ""), -EINVAL,
		     "plates[0].matrix[0][0]: 1e+308");
	expect_error("scale0.json", PLATE_M(DIAG, ", \"scale_v\": 0"), -EINVAL,
		     "plates[0].scale_v[0]: 0, expected > 0");
	expect_error("scaleneg.json", PLATE_M(DIAG, ", \"scale_v\": [1,1,1,1,1,-0.001]"), -EINVAL,
		     "plates[0].scale_v[5]: -0.001");
	expect_error("tiny.json", "{\"version\": 1, \"id\": \"x\", \"plates\": [{\"channels\": 6, "
		     "\"matrix\": " DIAG ", \"surface_height_mm\": 50, \"size_mm\": [1e-300, 1700]}]}",
		     -EINVAL, "plates[0].size_mm: 1e-300 x 1700");
	expect_error("serial.json", "{\"version\": 1, \"id\": \"x\", \"serial\": 7, \"plates\": ["
		     PLATE_OK "]}", -EINVAL, "serial: expected a non-empty string");
	/* the serial survives save and load */
	{
		struct fp_calib cal, back;
		char msg[FP_MSG_MAX], path[128];

		CU_ASSERT_EQUAL_FATAL(fp_calib_load(write_file("ser.json", "{\"version\": 1, \"id\": "
			"\"x\", \"serial\": \"AMTI-123\", \"plates\": [" PLATE_OK "]}"), &cal, msg,
			sizeof(msg)), 0);
		CU_ASSERT_STRING_EQUAL(cal.serial, "AMTI-123");
		snprintf(path, sizeof(path), "%s/ser2.json", tmpdir);
		CU_ASSERT_EQUAL_FATAL(fp_calib_save(path, &cal, msg, sizeof(msg)), 0);
		CU_ASSERT_EQUAL_FATAL(fp_calib_load(path, &back, msg, sizeof(msg)), 0);
		CU_ASSERT_STRING_EQUAL(back.serial, "AMTI-123");
	}
	/* a full-rank non-diagonal matrix is fine */
	{
		struct fp_calib cal;
		char msg[FP_MSG_MAX];
		const char *path = write_file("full.json", PLATE_M("[[500,3,0,0,0,1],[2,500,0,0,0,0],"
			"[0,0,1000,9,9,0],[0,0,0,400,0,0],[0,1,0,0,150,0],[0,0,0,0,1,100]]", ""));

		CU_ASSERT_EQUAL(fp_calib_load(path, &cal, msg, sizeof(msg)), 0);
	}
}

static void test_file_round_trip(void)
{
	struct fp_calib a, b;
	char msg[FP_MSG_MAX], path[256];
	struct fp_device *dev;

	/* the sim's calibration: non-diagonal, counts scale, geometry */
	CU_ASSERT_EQUAL_FATAL(fp_open("sim://?plates=2", &dev, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_get_calibration(dev, &a), 0);
	fp_close(dev);
	/* split belt: plate 1 left of x = 0, plate 2 right; corners in C3D order */
	{
		static const double x0[4] = { -5, -255, -255, -5 }, y[4] = { 850, 850, -850, -850 };

		for (int i = 0; i < 4; i++) {
			FP_ASSERT_CLOSE(a.plate[0].corners_mm[i][0], x0[i], 0);
			FP_ASSERT_CLOSE(a.plate[1].corners_mm[i][0], x0[i] + 260, 0);
			FP_ASSERT_CLOSE(a.plate[0].corners_mm[i][1], y[i], 0);
			FP_ASSERT_CLOSE(a.plate[1].corners_mm[i][2], 0, 0);
		}
	}
	a.plate[1].tare_v[3] = 0.0123;
	snprintf(path, sizeof(path), "%s/round.json", tmpdir);
	CU_ASSERT_EQUAL_FATAL(fp_calib_save(path, &a, msg, sizeof(msg)), 0);
	memset(&b, 0, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(fp_calib_load(path, &b, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(a.id, b.id);
	CU_ASSERT_EQUAL(a.plates, b.plates);
	for (uint32_t p = 0; p < a.plates; p++) {
		const struct fp_plate_calib *x = &a.plate[p], *y = &b.plate[p];

		CU_ASSERT_EQUAL(x->channels, y->channels);
		CU_ASSERT_EQUAL(memcmp(x->matrix, y->matrix, sizeof(x->matrix)), 0);
		CU_ASSERT_EQUAL(memcmp(x->scale_v, y->scale_v, sizeof(x->scale_v)), 0);
		CU_ASSERT_EQUAL(memcmp(x->tare_v, y->tare_v, sizeof(x->tare_v)), 0);
		CU_ASSERT_EQUAL(memcmp(x->corners_mm, y->corners_mm, sizeof(x->corners_mm)), 0);
		CU_ASSERT_EQUAL(memcmp(x->origin_mm, y->origin_mm, sizeof(x->origin_mm)), 0);
		CU_ASSERT_EQUAL(x->surface_h_mm, y->surface_h_mm);
		CU_ASSERT_EQUAL(x->width_mm, y->width_mm);
		CU_ASSERT_EQUAL(x->length_mm, y->length_mm);
		CU_ASSERT_EQUAL(x->fz_threshold_n, y->fz_threshold_n);
		CU_ASSERT_EQUAL(x->saturation_v, y->saturation_v);
	}
	/*
	 * A path whose ".tmp" sibling does not fit the temporary-name buffer is
	 * refused; it used to be cut silently, so a different file ("...tm")
	 * would have been written and renamed over path.
	 */
	{
		static char longp[4100];

		memset(longp, 'a', 4093);
		for (size_t i = 0; i < 4093; i += 200)
			longp[i] = '/';       /* components the kernel would accept */
		longp[4093] = '\0';
		CU_ASSERT_EQUAL(fp_calib_save(longp, &a, msg, sizeof(msg)), -ENAMETOOLONG);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "path too long (4093 bytes)"));
	}
	/* the example in the repository loads */
	snprintf(path, sizeof(path), "%s/scripts/examples/calibration-sim.json",
		 fp_test_source_dir());
	CU_ASSERT_EQUAL(fp_calib_load(path, &b, msg, sizeof(msg)), 0);
	if (msg[0])
		fprintf(stderr, "%s\n", msg);
}

static void test_file_axes_and_kistler(void)
{
	struct fp_calib up, down, k;
	char msg[FP_MSG_MAX];
	const char *p;
	double fm[6], v[6], o_up[FP_NFIELDS], o_down[FP_NFIELDS];

	p = write_file("up.json", "{\"version\": 1, \"id\": \"up\", \"plates\": [" PLATE_OK "]}");
	CU_ASSERT_EQUAL_FATAL(fp_calib_load(p, &up, msg, sizeof(msg)), 0);
	FP_ASSERT_CLOSE(up.plate[0].fz_threshold_n, 20, 0);     /* default */
	FP_ASSERT_CLOSE(up.plate[0].corners_mm[2][0], -250, 0); /* from size */
	/* all four, C3D order +x+y, -x+y, -x-y, +x-y, centred on the surface */
	for (int i = 0; i < 4; i++) {
		FP_ASSERT_CLOSE(up.plate[0].corners_mm[i][0], (i == 0 || i == 3 ? 0.5 : -0.5) *
				up.plate[0].width_mm, 0);
		FP_ASSERT_CLOSE(up.plate[0].corners_mm[i][1], (i < 2 ? 0.5 : -0.5) *
				up.plate[0].length_mm, 0);
		FP_ASSERT_CLOSE(up.plate[0].corners_mm[i][2], 0, 0);
	}
	p = write_file("down.json", "{\"version\": 1, \"id\": \"amti\", \"plates\": ["
		       "{\"channels\": 6, \"axes\": \"z-down\", \"matrix\": [[500,0,0,0,0,0],"
		       "[0,500,0,0,0,0],[0,0,1000,0,0,0],[0,0,0,400,0,0],[0,0,0,0,150,0],"
		       "[0,0,0,0,0,100]], \"surface_height_mm\": 50, \"origin_mm\": [2, 7],"
		       "\"size_mm\": [500, 1700]}]}");
	CU_ASSERT_EQUAL_FATAL(fp_calib_load(p, &down, msg, sizeof(msg)), 0);
	FP_ASSERT_CLOSE(down.plate[0].matrix[0][0], -500, 0);
	FP_ASSERT_CLOSE(down.plate[0].matrix[3][3], -400, 0);
	FP_ASSERT_CLOSE(down.plate[0].matrix[2][2], 1000, 0);
	FP_ASSERT_CLOSE(down.plate[0].origin_mm[1], -7, 0);
	/*
	 * A subject standing at vendor (x', y') = (100, 200) mm pushes W down:
	 * vendor frame z down, surface at z' = -h, action force (0, 0, W),
	 * M' = r' x F' = (y' W, -x' W, 0). Volts = F'/gain.
	 */
	fm[0] = 0;
	fm[1] = 0;
	fm[2] = 800;
	fm[3] = 0.2 * 800;
	fm[4] = -0.1 * 800;
	fm[5] = 0;
	v[0] = fm[0] / 500;
	v[1] = fm[1] / 500;
	v[2] = fm[2] / 1000;
	v[3] = fm[3] / 400;
	v[4] = fm[4] / 150;
	v[5] = fm[5] / 100;
	down.plate[0].origin_mm[0] = down.plate[0].origin_mm[1] = 0;
	CU_ASSERT_EQUAL(apply_one(&down, FP_RAW_VOLTS, v, 6, o_down, NULL), 0);
	FP_ASSERT_CLOSE(o_down[FP_FZ], 800, 1e-9);
	FP_ASSERT_CLOSE(o_down[FP_COPX], 100, 1e-9);   /* x unchanged */
	FP_ASSERT_CLOSE(o_down[FP_COPY], -200, 1e-9);  /* y reversed */
	(void)o_up;

	p = write_file("kistler.json", "{\"version\": 1, \"id\": \"k\", \"plates\": ["
		       "{\"channels\": 8, \"kistler\": {\"a_mm\": 120, \"b_mm\": 200, \"az0_mm\": -41,"
		       "\"sensitivity_n_per_v\": [250, 250, 250, 250, 500, 500, 500, 500]},"
		       "\"size_mm\": [400, 600], \"scale_v\": 0.001}]}");
	CU_ASSERT_EQUAL_FATAL(fp_calib_load(p, &k, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(k.plate[0].channels, 8);
	FP_ASSERT_CLOSE(k.plate[0].surface_h_mm, 41, 0);
	FP_ASSERT_CLOSE(k.plate[0].matrix[3][4], 0.2 * 500, 1e-12);
	FP_ASSERT_CLOSE(k.plate[0].scale_v[7], 0.001, 0);
	expect_error("k6.json", "{\"version\": 1, \"id\": \"k\", \"plates\": ["
		     "{\"channels\": 6, \"kistler\": {\"a_mm\": 1}}]}", -EINVAL,
		     "plates[0].kistler: needs \"channels\": 8");
}

/*
 * Damaged files (truncated, bytes flipped) must give a clean -EINVAL and a
 * message naming the file, never a crash or an accepted calibration that
 * fails fp_calib_check(). Runs under ASan/UBSan in unit-san.
 */
static void test_file_damage(void)
{
	char src[256], msg[FP_MSG_MAX];
	static char text[16384];
	FILE *f;
	size_t len;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int ok = 0, bad = 0;

	snprintf(src, sizeof(src), "%s/scripts/examples/calibration-sim.json",
		 fp_test_source_dir());
	f = fopen(src, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	CU_ASSERT_TRUE_FATAL(len > 1000 && len < sizeof(text) - 1);
	for (int round = 0; round < 300; round++) {
		static char damaged[16384];
		struct fp_calib cal;
		size_t n = len;
		const char *path;
		int ret;

		memcpy(damaged, text, len);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (round % 3 == 0) {
			n = (size_t)(x % len);                  /* truncated */
		} else {
			for (int k = 0; k < 1 + round % 4; k++) {  /* flipped bytes */
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				damaged[x % len] ^= (char)(1u << (x >> 61));
			}
		}
		damaged[n] = '\0';
		path = write_file("damaged.json", damaged);
		msg[0] = '\0';
		ret = fp_calib_load(path, &cal, msg, sizeof(msg));
		CU_ASSERT_TRUE(ret == 0 || ret == -EINVAL);
		if (ret == 0) {
			ok++;
			CU_ASSERT_EQUAL(fp_calib_check(&cal, NULL, msg, sizeof(msg)), 0);
		} else {
			bad++;
			CU_ASSERT_PTR_NOT_NULL(strstr(msg, "damaged.json"));
		}
	}
	/* most damage is caught; a flipped digit can still be a valid file */
	CU_ASSERT_TRUE(bad > 200);
	(void)ok;
}

static int suite_init(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/fp-calib-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];

	/* only files this suite wrote, in its own mkdtemp folder */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

void fp_suite_calib(void)
{
	static CU_TestInfo tests[] = {
		{ "identity calibration", test_identity },
		{ "counts, tare, non-diagonal matrix", test_counts_tare_matrix },
		{ "Kistler 8 -> 6", test_kistler },
		{ "COP of point loads with surface height", test_cop_point_loads },
		{ "COP through fp_calib_apply", test_cop_through_apply },
		{ "threshold NaN and saturation", test_threshold_and_saturation },
		{ "calibrated input and errors", test_raw_fm_and_errors },
		{ "belt correction", test_belt_correction },
		{ "file errors name file, field, value", test_file_errors },
		{ "file values outside physics refused", test_file_physics },
		{ "file save/load round trip", test_file_round_trip },
		{ "file axes and Kistler layout", test_file_axes_and_kistler },
		{ "damaged files fail cleanly", test_file_damage },
		CU_TEST_INFO_NULL
	};
	CU_SuiteInfo si[] = { { "calib", suite_init, suite_clean, NULL, NULL, tests },
			      CU_SUITE_INFO_NULL };

	CU_register_suites(si);
}
