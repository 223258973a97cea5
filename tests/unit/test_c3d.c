// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_c3d.c - the C3D reader on the real recordings of
 * ../shared/data/c3d against the numbers in its SOURCES.md (an independent
 * check with ezc3d 1.5.9), plus the format equivalences the files allow:
 * Intel INT vs DEC REAL copies of one trial, TYPE-2 vs TYPE-4 of one trial.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "fplate/c3d.h"

struct expect {
	const char *file;
	double point_rate, analog_rate;
	uint32_t frames, channels, plates;
	int type[6];
	double fz_channel_mean;   /* fp1 vertical channel(s), scaled, NAN: not given */
	double lab[3];            /* fp1 lab-frame mean Fx Fy Fz */
};

/* SOURCES.md "ezc3d check" column (Kistler: the header-faithful values). */
static const struct expect files[] = {
	{ "fukuchi_RBDS001runT35.c3d", 150, 300, 4500, 6, 1, { 4 }, -0.5939,
	  { 2.8033, 593.9181, 1.8234 } },
	{ "c3dorg_sample01_Eb015pi.c3d", 50, 200, 450, 16, 2, { 2, 2 }, -152.6399,
	  { -26.3294, 5.1859, 152.6552 } },
	{ "c3dorg_sample01_Eb015vr.c3d", 50, 200, 450, 16, 2, { 2, 2 }, -152.6399,
	  { -26.3294, 5.1859, 152.6552 } },
	{ "c3dorg_sample10_TYPE-2.c3d", 60, 1200, 199, 6, 1, { 2 }, -57.7459,
	  { 0.4794, -1.2404, 57.7423 } },
	{ "c3dorg_sample10_TYPE-4.c3d", 60, 1200, 199, 6, 1, { 4 }, -9.5279,
	  { 0.5071, -1.3819, 57.0492 } },
	{ "btk_561xxa01_anonym.c3d", 100, 100, 361, 18, 3, { 1, 1, 1 }, -47.2342,
	  { -0.1605, 47.2320, 2.0714 } },
	{ "btk_ADemo1_rewrite_c3d_pc_float.c3d", 200, 400, 512, 16, 1, { 3 }, -106.1297,
	  { -0.4120, -4.8003, 106.1297 } },
	{ "btk_PiG_Motion3_FF.c3d", 100, 1000, 293, 34, 3, { 2, 2, 2 }, -127.6434,
	  { 5.2586, -0.9240, 127.6434 } },
	{ "ezc3d_FP_Type1.c3d", 100, 200, 634, 24, 4, { 1, 1, 1, 1 }, -0.5347,
	  { -2.0940, 0.5490, -0.2172 } },
	{ "ezc3d_Kistler.c3d", 60, 600, 3969, 16, 2, { 3, 3 }, 33.7030,
	  { NAN, NAN, NAN } },
	{ "ezc3d_BTS.c3d", 100, 1000, 675, 44, 6, { 2, 2, 2, 2, 2, 2 }, -41.7758,
	  { 0.2689, 41.7770, 1.1795 } },
};

static struct fp_c3d *open_data(const char *file)
{
	char path[1024], msg[FP_MSG_MAX];
	struct fp_c3d *c = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/c3d/%s", fp_test_data_dir(), file);
	ret = fp_c3d_open(path, &c, msg, sizeof(msg));
	if (ret)
		fprintf(stderr, "\n  %s\n", msg);
	CU_ASSERT_EQUAL(ret, 0);
	return c;
}

/* Vertical channel(s) of plate 1 as SOURCES.md defines them. */
static double fz_channel_mean(const struct fp_c3d *c)
{
	const struct fp_c3d_plate *pl = &c->plate[0];
	uint64_t n = fp_c3d_analog_samples(c);
	double sum = 0;

	for (uint64_t s = 0; s < n; s++) {
		if (pl->type == 3)
			for (int k = 4; k < 8; k++)
				sum += fp_c3d_analog(c, s, pl->channel[k]);
		else
			sum += fp_c3d_analog(c, s, pl->channel[2]);
	}
	return sum / (double)n;
}

static void lab_mean(const struct fp_c3d *c, uint32_t p, double m[3])
{
	struct fp_c3d_fp_sample fs;
	uint64_t n = fp_c3d_analog_samples(c);

	m[0] = m[1] = m[2] = 0;
	for (uint64_t s = 0; s < n; s++) {
		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(c, p, s, 0, 20, &fs), 0);
		for (int k = 0; k < 3; k++)
			m[k] += fs.lab_f[k] / (double)n;
	}
}

static void test_sources_numbers(void)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct expect *e = &files[i];
		struct fp_c3d *c = open_data(e->file);
		double m[3];

		if (!c)
			continue;
		FP_ASSERT_CLOSE(c->point_rate, e->point_rate, 1e-3);
		FP_ASSERT_CLOSE(c->analog_rate, e->analog_rate, 1e-3);
		CU_ASSERT_EQUAL(c->n_frames, e->frames);
		CU_ASSERT_EQUAL(c->n_analog, e->channels);
		CU_ASSERT_EQUAL(c->n_plates, e->plates);
		for (uint32_t p = 0; p < c->n_plates && p < 6; p++)
			CU_ASSERT_EQUAL(c->plate[p].type, e->type[p]);
		FP_ASSERT_CLOSE(fz_channel_mean(c), e->fz_channel_mean, 1e-3);
		if (!isnan(e->lab[0])) {
			lab_mean(c, 0, m);
			for (int k = 0; k < 3; k++)
				FP_ASSERT_CLOSE(m[k], e->lab[k], 1e-3);
		}
		fp_c3d_free(c);
	}
}

/* Kistler.c3d: header says INT, 10 samples per frame; params say otherwise. */
static void test_kistler_header_faithful(void)
{
	struct fp_c3d *c = open_data("ezc3d_Kistler.c3d");

	if (!c)
		return;
	CU_ASSERT_EQUAL(fp_c3d_analog_samples(c), 39690);
	CU_ASSERT_FALSE(c->is_float);
	CU_ASSERT_EQUAL(c->n_points, 0);
	fp_c3d_free(c);
}

/* The same trial stored Intel INT and DEC REAL gives identical values. */
static void test_intel_int_equals_dec_real(void)
{
	struct fp_c3d *a = open_data("c3dorg_sample01_Eb015pi.c3d");
	struct fp_c3d *b = open_data("c3dorg_sample01_Eb015vr.c3d");
	double worst = 0, worst_pt = 0;

	if (!a || !b)
		goto out;
	CU_ASSERT_EQUAL(a->processor, FP_C3D_INTEL);
	CU_ASSERT_EQUAL(b->processor, FP_C3D_DEC);
	CU_ASSERT_FALSE(a->is_float);
	CU_ASSERT_TRUE(b->is_float);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_analog_samples(a), fp_c3d_analog_samples(b));
	for (uint64_t s = 0; s < fp_c3d_analog_samples(a); s++)
		for (uint32_t ch = 0; ch < a->n_analog; ch++)
			worst = fmax(worst, fabs(fp_c3d_analog(a, s, ch) - fp_c3d_analog(b, s, ch)));
	CU_ASSERT_EQUAL(worst, 0.0);
	/* points: INT storage quantises to POINT:SCALE; REAL keeps more digits */
	CU_ASSERT_PTR_NULL(a->points);          /* fp_c3d_open leaves them in the file */
	CU_ASSERT_EQUAL_FATAL(fp_c3d_load_points(a), 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_load_points(b), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a->points);
	for (uint64_t i = 0; i < (uint64_t)a->n_frames * a->n_points * 4; i += 4)
		if (a->points[i + 3] >= 0 && b->points[i + 3] >= 0)
			for (int k = 0; k < 3; k++)
				worst_pt = fmax(worst_pt, fabs(a->points[i + k] - b->points[i + k]));
	CU_ASSERT(worst_pt <= fabs(a->point_scale));
	CU_ASSERT_STRING_EQUAL(a->pt_label[0], b->pt_label[0]);
out:
	fp_c3d_free(a);
	fp_c3d_free(b);
}

/* TYPE-2 (diagonal) vs TYPE-4 (full matrix) copies agree within 2 % in stance. */
/*
 * fp_c3d_open() decodes analog values and markers only when read: on every
 * file what it gives (one at a time, then all) is what an eager parse of
 * the same bytes gives, bit for bit.
 */
static void test_lazy_points_equal_eager(void)
{
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char path[1024], msg[FP_MSG_MAX];
		struct fp_c3d *lz = open_data(files[k].file), *eg = NULL;
		uint8_t *buf = NULL;
		size_t len = 0, n;
		uint64_t diff = 0, valid = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/c3d/%s", fp_test_data_dir(), files[k].file);
		f = fopen(path, "rb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		rewind(f);
		buf = malloc(len);
		n = buf ? fread(buf, 1, len, f) : 0;
		fclose(f);
		CU_ASSERT_EQUAL_FATAL(n, len);
		CU_ASSERT_EQUAL_FATAL(fp_c3d_parse(buf, len, path, &eg, msg, sizeof(msg)), 0);
		free(buf);                      /* eager: nothing points into it */
		CU_ASSERT_PTR_NOT_NULL_FATAL(lz);
		CU_ASSERT_EQUAL(lz->n_points, eg->n_points);
		CU_ASSERT_EQUAL(lz->n_frames, eg->n_frames);
		if (eg->n_points)
			CU_ASSERT_PTR_NULL(lz->points);
		CU_ASSERT_PTR_NULL(lz->analog);
		for (uint64_t sa = 0; sa < fp_c3d_analog_samples(eg); sa++)
			for (uint32_t ch = 0; ch < eg->n_analog; ch++) {
				double a = fp_c3d_analog(lz, sa, ch), b = fp_c3d_analog(eg, sa, ch);

				diff += memcmp(&a, &b, sizeof(a)) != 0;
			}
		CU_ASSERT_EQUAL(diff, 0);
		CU_ASSERT_EQUAL(fp_c3d_load_analog(lz), 0);
		CU_ASSERT_PTR_NOT_NULL(lz->analog);
		CU_ASSERT_EQUAL(memcmp(lz->analog, eg->analog, fp_c3d_analog_samples(eg) *
				       eg->n_analog * sizeof(float)), 0);
		for (uint32_t fr = 0; fr < eg->n_frames && eg->n_plates && eg->plate[0].lab_ok;
		     fr++)
			for (uint32_t pt = 0; pt < eg->n_points; pt++) {
				double a[2], b[2];

				CU_ASSERT_EQUAL(fp_c3d_point_plate(lz, 0, fr, pt, a), 0);
				CU_ASSERT_EQUAL(fp_c3d_point_plate(eg, 0, fr, pt, b), 0);
				valid += isfinite(b[0]);
				diff += memcmp(a, b, sizeof(a)) != 0;
			}
		CU_ASSERT_EQUAL(diff, 0);
		if (!strcmp(files[k].file, "fukuchi_RBDS001runT35.c3d"))
			CU_ASSERT(valid > 100000);      /* 32 markers x 4500 frames, mostly seen */
		CU_ASSERT_EQUAL(fp_c3d_load_points(lz), 0);
		if (eg->n_points && eg->n_frames)
			CU_ASSERT_EQUAL(memcmp(lz->points, eg->points, (size_t)eg->n_frames *
					       eg->n_points * 4 * sizeof(float)), 0);
		fp_c3d_free(lz);
		fp_c3d_free(eg);
	}
}

static void test_type2_vs_type4(void)
{
	struct fp_c3d *a = open_data("c3dorg_sample10_TYPE-2.c3d");
	struct fp_c3d *b = open_data("c3dorg_sample10_TYPE-4.c3d");
	double sa = 0, sb = 0, pa = 0, pb = 0, cop_dev = 0;
	struct fp_c3d_fp_sample x, y;
	int n = 0;

	if (!a || !b)
		goto out;
	for (uint64_t s = 0; s < fp_c3d_analog_samples(a); s++) {
		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(a, 0, s, 0, 20, &x), 0);
		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(b, 0, s, 0, 20, &y), 0);
		pa = fmax(pa, x.plate[FP_FZ]);
		pb = fmax(pb, y.plate[FP_FZ]);
		if (x.plate[FP_FZ] > 200) {
			sa += x.plate[FP_FZ];
			sb += y.plate[FP_FZ];
			cop_dev = fmax(cop_dev, hypot(x.plate[FP_COPX] - y.plate[FP_COPX],
						      x.plate[FP_COPY] - y.plate[FP_COPY]));
			n++;
		}
	}
	CU_ASSERT(n > 100);
	CU_ASSERT(pa > 350 && pa < 450);
	CU_ASSERT(fabs(pb - pa) / pa < 0.02);
	CU_ASSERT(fabs(sb - sa) / sa < 0.02);
	/*
	 * No COP agreement is asserted: the TYPE-4 matrix's moment diagonal is
	 * ~23 % above the TYPE-2 moment scales (741.9 x 0.0611 vs 36.8 N·mm/unit),
	 * a property of the sample files, so COPs differ by up to ~20 mm.
	 */
	CU_ASSERT(cop_dev > 0);
out:
	fp_c3d_free(a);
	fp_c3d_free(b);
}

/*
 * Plate frame vs lab frame: the two paths of c3d_fp.c are computed
 * independently (fplate frame z up vs file frame z down + CORNERS); the
 * lab COP must be the fplate COP mapped through the plate's rotation, and
 * during stance it must lie on the plate.
 */
static void test_frames_agree(void)
{
	static const char *const names[] = { "c3dorg_sample01_Eb015pi.c3d",
		"btk_PiG_Motion3_FF.c3d", "fukuchi_RBDS001runT35.c3d",
		"btk_ADemo1_rewrite_c3d_pc_float.c3d", "btk_561xxa01_anonym.c3d" };

	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		struct fp_c3d *c = open_data(names[f]);
		uint64_t stance = 0;

		if (!c)
			continue;
		for (uint32_t p = 0; p < c->n_plates; p++) {
			const struct fp_c3d_plate *pl = &c->plate[p];
			struct fp_plate_calib pc;

			CU_ASSERT_EQUAL(fp_c3d_plate_calib(c, p, 0, &pc), 0);
			for (uint64_t s = 0; s < fp_c3d_analog_samples(c); s++) {
				struct fp_c3d_fp_sample fs;
				double v[3], lab[3];

				fp_c3d_fp_sample(c, p, s, 0, 20, &fs);
				if (!(fs.plate[FP_FZ] > 100))
					continue;
				stance++;
				/* fplate (x, y, 0) is file (x, -y, 0) */
				v[0] = fs.plate[FP_COPX];
				v[1] = -fs.plate[FP_COPY];
				v[2] = 0;
				for (int i = 0; i < 3; i++)
					lab[i] = pl->rot[i][0] * v[0] + pl->rot[i][1] * v[1] +
						 pl->rot[i][2] * v[2] + pl->centre[i];
				for (int i = 0; i < 3; i++)
					FP_ASSERT_CLOSE(lab[i], fs.lab_cop[i], 1e-6);
				CU_ASSERT(fabs(fs.plate[FP_COPX]) < pc.width_mm / 2 + 20);
				CU_ASSERT(fabs(fs.plate[FP_COPY]) < pc.length_mm / 2 + 20);
				FP_ASSERT_CLOSE(fs.plate[FP_FZ], -fs.lab_f[0] * pl->rot[0][2] -
						fs.lab_f[1] * pl->rot[1][2] -
						fs.lab_f[2] * pl->rot[2][2], 1e-6);
			}
		}
		CU_ASSERT(stance > 50);
		fp_c3d_free(c);
	}
}

/* Special cases listed in SOURCES.md. */
static void test_special_cases(void)
{
	struct fp_c3d *c = open_data("btk_561xxa01_anonym.c3d");

	if (c) { /* no usable ANALOG:RATE: the rate comes from the header */
		CU_ASSERT_PTR_NULL(fp_c3d_param(c, "ANALOG", "RATE"));
		FP_ASSERT_CLOSE(c->analog_rate, 100, 0);
		fp_c3d_free(c);
	}
	c = open_data("ezc3d_FP_Type1.c3d");
	if (c) { /* CHANNEL order 3,4,5,1,2,6 */
		CU_ASSERT_EQUAL(c->plate[0].channel[0], 2);
		CU_ASSERT_EQUAL(c->plate[0].channel[3], 0);
		CU_ASSERT_STRING_EQUAL(c->an_label[c->plate[0].channel[2]], "FZ1");
		fp_c3d_free(c);
	}
	c = open_data("btk_PiG_Motion3_FF.c3d");
	if (c) {
		CU_ASSERT_EQUAL(c->first_frame, 725);
		CU_ASSERT_EQUAL(c->n_events, 12);
		fp_c3d_free(c);
	}
}

/* Eb015: plates not zeroed; ZERO baseline removal brings the rest to ~0. */
static void test_zero_baseline(void)
{
	struct fp_c3d *c = open_data("c3dorg_sample01_Eb015pi.c3d");
	double fm0[6], fm1[6];

	if (!c)
		return;
	if (c->plate[0].zero[0] > 0) {
		CU_ASSERT_EQUAL(fp_c3d_fm(c, 0, 0, 0, fm0), 0);
		CU_ASSERT_EQUAL(fp_c3d_fm(c, 0, 0, FP_C3D_ZERO, fm1), 0);
		CU_ASSERT(fabs(fm0[FP_FZ]) > 20);
		CU_ASSERT(fabs(fm1[FP_FZ]) < 5);
	} else {
		CU_FAIL("Eb015pi has no FORCE_PLATFORM:ZERO range");
	}
	fp_c3d_free(c);
}

/*
 * The file path's COP is fp_cop()'s (calib.c): equal numbers on loaded
 * samples, and NaN whenever the fplate Fz is not positive, whatever the
 * threshold (Kistler.c3d stores the action force: its fplate Fz is
 * negative while loaded). The file path had its own copy of the formula
 * that, with a threshold <= 0, computed a COP from a negative Fz.
 */
static void test_cop_is_fp_cop(void)
{
	struct fp_c3d *c = open_data("ezc3d_Kistler.c3d");
	uint64_t neg = 0, pos = 0;

	if (!c)
		return;
	for (uint64_t s = 0; s < fp_c3d_analog_samples(c); s += 7) {
		struct fp_c3d_fp_sample fs;
		struct fp_plate_calib pc;
		double x, y, t;

		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(c, 0, s, 0, -1e9, &fs), 0);
		CU_ASSERT_EQUAL_FATAL(fp_c3d_plate_calib(c, 0, 0, &pc), 0);
		pc.fz_threshold_n = -1e9;
		fp_cop(&pc, fs.plate, &x, &y, &t);
		if (fs.plate[FP_FZ] < -50) {
			neg++;
			CU_ASSERT(isnan(fs.plate[FP_COPX]) && isnan(fs.plate[FP_COPY]));
			CU_ASSERT(isnan(fs.plate[FP_TZ]) && isnan(fs.lab_cop[0]));
		} else if (fs.plate[FP_FZ] > 0) {
			pos++;
			FP_ASSERT_CLOSE(fs.plate[FP_COPX], x, 1e-9);
			FP_ASSERT_CLOSE(fs.plate[FP_COPY], y, 1e-9);
			FP_ASSERT_CLOSE(fs.plate[FP_TZ], t, 1e-12);
		}
	}
	CU_ASSERT(neg > 100);
	CU_ASSERT(pos > 0);
	fp_c3d_free(c);
}

void fp_suite_c3d(void)
{
	FP_ADD_SUITE("c3d",
		     { "real files vs SOURCES.md", test_sources_numbers },
		     { "Kistler header-faithful", test_kistler_header_faithful },
		     { "Intel INT == DEC REAL", test_intel_int_equals_dec_real },
		     { "lazy analog and markers == eager", test_lazy_points_equal_eager },
		     { "TYPE-2 vs TYPE-4", test_type2_vs_type4 },
		     { "plate and lab frames agree", test_frames_agree },
		     { "special cases", test_special_cases },
		     { "ZERO baseline", test_zero_baseline },
		     { "COP is fp_cop()'s", test_cop_is_fp_cop });
}
