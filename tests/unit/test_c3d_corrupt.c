// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_c3d_corrupt.c - hostile files generated from the real recordings:
 * truncation at many offsets, flipped bytes in the parameter section and
 * targeted damage (key byte, parameter pointer, dimensions, NaN scale).
 * Every case must either parse or fail with -EBADMSG and one message line
 * naming the file; memory safety is checked by running under unit-san.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_test.h"
#include "fplate/c3d.h"

static uint8_t *load(const char *file, size_t *len)
{
	char path[1024];
	FILE *f;
	uint8_t *b;
	long n;

	snprintf(path, sizeof(path), "%s/c3d/%s", fp_test_data_dir(), file);
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Parse a copy (so ASan sees reads past len); returns the result. */
static int try_parse(const uint8_t *b, size_t len, char *msg, size_t msg_len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct fp_c3d *c = NULL;
	int ret;

	memcpy(copy, b, len);
	ret = fp_c3d_parse(copy, len, "bad.c3d", &c, msg, msg_len);
	if (!ret) {
		/* exercise the computations on whatever parsed */
		for (uint32_t p = 0; p < c->n_plates; p++) {
			struct fp_c3d_fp_sample s;

			if (fp_c3d_analog_samples(c))
				fp_c3d_fp_sample(c, p, fp_c3d_analog_samples(c) - 1, FP_C3D_ZERO,
						 20, &s);
		}
		fp_c3d_free(c);
	} else {
		CU_ASSERT_PTR_NULL(c);
		CU_ASSERT(ret == -EBADMSG || ret == -ENOMEM);
		CU_ASSERT(!strncmp(msg, "bad.c3d: ", 9));
		CU_ASSERT_PTR_NULL(strchr(msg, '\n'));
	}
	free(copy);
	return ret;
}

static const char *const small_files[] = {
	"c3dorg_sample10_TYPE-4.c3d", "c3dorg_sample01_Eb015vr.c3d",
	"btk_561xxa01_anonym.c3d", "btk_ADemo1_rewrite_c3d_pc_float.c3d",
	"ezc3d_FP_Type1.c3d",
};

static void test_truncation(void)
{
	char msg[FP_MSG_MAX];

	for (size_t f = 0; f < sizeof(small_files) / sizeof(small_files[0]); f++) {
		size_t len, errors = 0, cuts = 0;
		uint8_t *b = load(small_files[f], &len);

		/* every byte of the first 3 blocks, then every 509th byte */
		for (size_t cut = 0; cut < len; cut += cut < 1536 ? 1 : 509, cuts++)
			errors += try_parse(b, cut, msg, sizeof(msg)) != 0;
		/* every truncation removes data the header says is there */
		CU_ASSERT_EQUAL(errors, cuts);
		CU_ASSERT_EQUAL(try_parse(b, len, msg, sizeof(msg)), 0);
		free(b);
	}
	CU_ASSERT_EQUAL(try_parse((const uint8_t *)"", 0, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "shorter than the 512-byte header"));
}

static void test_flipped_parameter_bytes(void)
{
	char msg[FP_MSG_MAX];
	uint32_t seed = 12345;

	for (size_t f = 0; f < sizeof(small_files) / sizeof(small_files[0]); f++) {
		size_t len, poff, plen;
		uint8_t *b = load(small_files[f], &len), *m = malloc(len);

		poff = ((size_t)b[0] - 1) * 512;
		plen = (size_t)b[poff + 2] * 512;
		for (int iter = 0; iter < 400; iter++) {
			memcpy(m, b, len);
			for (int k = 0; k < 1 + iter % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				m[poff + 4 + (seed >> 8) % (plen - 4)] ^= (uint8_t)(1u << (seed % 8));
			}
			try_parse(m, len, msg, sizeof(msg));
		}
		free(m);
		free(b);
	}
}

/* Offset of the first value of GROUP:NAME in the file (Intel files). */
static size_t value_offset(const uint8_t *b, size_t len, int gid, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 512; i + n + 6 < len; i++)
		if (b[i] == n && (int8_t)b[i + 1] == gid && !memcmp(b + i + 2, name, n))
			return i + 2 + n + 2 + 2 + b[i + 2 + n + 3];
	return 0;
}

static int group_id(const char *file, const char *group)
{
	char path[1024], msg[FP_MSG_MAX];
	struct fp_c3d *c;
	int id = 0;

	snprintf(path, sizeof(path), "%s/c3d/%s", fp_test_data_dir(), file);
	if (fp_c3d_open(path, &c, msg, sizeof(msg)))
		return 0;
	for (uint32_t g = 0; g < c->n_groups; g++)
		if (!strcmp(c->groups[g].name, group))
			id = c->groups[g].id;
	fp_c3d_free(c);
	return id;
}

/* The dimension byte just before a parameter's values (off from value_offset). */
static void set_dim(uint8_t *m, size_t off, uint8_t dim)
{
	CU_ASSERT_FATAL(off > 0);
	if (off > 0)                       /* gcc -O3 cannot see the fatal assert */
		m[off - 1] = dim;
}

static void test_targeted(void)
{
	const char *file = "btk_ADemo1_rewrite_c3d_pc_float.c3d";
	char msg[FP_MSG_MAX];
	size_t len, off;
	uint8_t *b = load(file, &len), *m = malloc(len);
	int an = group_id(file, "ANALOG"), fp = group_id(file, "FORCE_PLATFORM");
	const uint32_t nan = 0x7fc00000u;

	CU_ASSERT(an > 0 && fp > 0);
	memcpy(m, b, len);
	m[1] = 0x51;
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "key byte is 0x51"));

	memcpy(m, b, len);
	m[0] = 1;
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "parameter block 1 is invalid"));
	CU_ASSERT_EQUAL(try_parse(m, 1024, msg, sizeof(msg)), -EBADMSG);
	m[0] = 250; /* past the end of a 2-block prefix */
	CU_ASSERT_EQUAL(try_parse(m, 1024, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "parameter block 250 is past the end"));

	memcpy(m, b, len);
	m[16] = 0xff; /* data start block */
	m[17] = 0x7f;
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "data start block"));

	memcpy(m, b, len);
	off = value_offset(m, len, an, "SCALE");
	CU_ASSERT_FATAL(off > 0);
	memcpy(m + off + 4, &nan, 4);
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ANALOG:SCALE value 2 is nan"));

	memcpy(m, b, len);
	off = value_offset(m, len, an, "SCALE");
	set_dim(m, off, 4); /* dimension: fewer values than channels */
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ANALOG:SCALE has 4 values"));

	memcpy(m, b, len);
	off = value_offset(m, len, an, "SCALE");
	set_dim(m, off, 255); /* dimension overflow: values run past the entry */
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "run past the entry"));

	memcpy(m, b, len);
	off = value_offset(m, len, fp, "CHANNEL");
	CU_ASSERT_FATAL(off > 0);
	m[off] = 99;
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "FORCE_PLATFORM:CHANNEL plate 1 entry 1 is 99"));

	memcpy(m, b, len);
	m[((size_t)b[0] - 1) * 512 + 3] = 0x55 + 10; /* processor type */
	CU_ASSERT_EQUAL(try_parse(m, len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "processor type 95"));
	free(m);
	free(b);
}

/*
 * Type 3 (Kistler): ORIGIN is (a, b, az0), the sensor offsets and the
 * depth of the sensor plane. A file that stores az0 > 0 has the vector
 * negated (docs/c3d.md); that must flip only the depth, never the sensor
 * offsets a and b, or Mx, My and Mz change sign.
 */
static void test_type3_origin_sign(void)
{
	const char *file = "ezc3d_Kistler.c3d";
	char msg[FP_MSG_MAX];
	size_t len, off;
	uint8_t *b = load(file, &len);
	int fp = group_id(file, "FORCE_PLATFORM");
	struct fp_c3d *c0 = NULL, *c1 = NULL;
	float z;
	int checked = 0;

	CU_ASSERT_FATAL(fp > 0);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_parse(b, len, "k0.c3d", &c0, msg, sizeof(msg)), 0);
	off = value_offset(b, len, fp, "ORIGIN");
	CU_ASSERT_FATAL(off > 0);
	memcpy(&z, b + off + 8, 4);
	CU_ASSERT_EQUAL(z, -41.0f);            /* plate 1: (210, 260, -41) */
	z = -z;
	memcpy(b + off + 8, &z, 4);
	CU_ASSERT_EQUAL_FATAL(fp_c3d_parse(b, len, "k1.c3d", &c1, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(c1->plate[0].origin_negated, 1);
	CU_ASSERT_EQUAL(c0->plate[0].origin_negated, 0);
	for (uint64_t s = 0; s < fp_c3d_analog_samples(c0); s += 97) {
		struct fp_c3d_fp_sample x, y;

		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(c0, 0, s, 0, 20, &x), 0);
		CU_ASSERT_EQUAL_FATAL(fp_c3d_fp_sample(c1, 0, s, 0, 20, &y), 0);
		for (int k = 0; k < 6; k++)
			FP_ASSERT_CLOSE(y.plate[k], x.plate[k], 1e-12);
		for (int k = 0; k < 3; k++)
			FP_ASSERT_CLOSE(y.lab_m[k], x.lab_m[k], 1e-12);
		checked += fabs(x.plate[FP_MX]) > 1e-3;
	}
	CU_ASSERT(checked > 10);
	fp_c3d_free(c0);
	fp_c3d_free(c1);
	free(b);
}

/*
 * TRIAL:ACTUAL_START/END_FIELD are 32-bit: 0 .. 0xffffffff is 2^32 frames,
 * which a uint32_t count wrapped to 0, so the file was accepted as empty.
 */
static void test_trial_count_overflow(void)
{
	struct fp_c3d_wchannel ch[1] = { { "A", "V", "", 1, 0 } };
	struct fp_c3d_wdesc d = { .analog_rate = 100, .analog_spf = 1, .n_analog = 1,
				  .ch = ch, .belt_speed_mps = NAN };
	struct fp_c3d_writer *w;
	struct fp_c3d *c = NULL;
	char path[256], msg[FP_MSG_MAX];
	float v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t *b = malloc(64 * 1024);
	size_t len, so, eo;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	snprintf(path, sizeof(path), "/tmp/fplate-test-%d-trial.c3d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(fp_c3d_writer_open(path, &d, &w, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_write(w, v, 8), 0);
	CU_ASSERT_EQUAL(fp_c3d_writer_close(w, msg, sizeof(msg)), 0);
	f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	len = fread(b, 1, 64 * 1024, f);
	fclose(f);
	unlink(path);
	so = value_offset(b, len, 4, "ACTUAL_START_FIELD");
	eo = value_offset(b, len, 4, "ACTUAL_END_FIELD");
	CU_ASSERT_FATAL(so > 0 && eo > 0);
	b[8] = b[9] = 0xff;                   /* header last frame saturated */
	memset(b + so, 0, 4);                 /* start 0 */
	memset(b + eo, 0xff, 4);              /* end 0xffffffff */
	CU_ASSERT_EQUAL(fp_c3d_parse(b, len, "trial.c3d", &c, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "trial.c3d: parameter section: "
					   "TRIAL:ACTUAL_START_FIELD 0 to ACTUAL_END_FIELD "
					   "4294967295 is 4294967296 frames, too many"));
	/* the same fields with a sane range still read */
	b[so] = 1;
	memset(b + eo, 0, 4);
	b[eo] = 8;
	CU_ASSERT_EQUAL_FATAL(fp_c3d_parse(b, len, "trial.c3d", &c, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(c->n_frames, 8);
	fp_c3d_free(c);
	free(b);
}

void fp_suite_c3d_corrupt(void)
{
	FP_ADD_SUITE("c3d_corrupt",
		     { "truncated files", test_truncation },
		     { "flipped parameter bytes", test_flipped_parameter_bytes },
		     { "targeted damage", test_targeted },
		     { "type 3 ORIGIN z > 0", test_type3_origin_sign },
		     { "TRIAL 32-bit frame count overflow", test_trial_count_overflow });
}
