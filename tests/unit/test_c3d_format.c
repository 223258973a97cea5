// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_c3d_format.c - processor formats and storage on small files built
 * here byte by byte: one trial encoded Intel, DEC and MIPS, INT and REAL,
 * signed and UNSIGNED analog must read back as the same numbers.
 * (The real files cover Intel INT/REAL and DEC INT/REAL; no public MIPS
 * file with force plates exists in ../shared/data.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "fplate/c3d.h"

struct gen {
	uint8_t b[3 * 512 + 256];
	size_t n;
	int proc, real;
};

static void put16(uint8_t *p, int proc, int v)
{
	uint16_t u = (uint16_t)v;

	if (proc == FP_C3D_MIPS) {
		p[0] = (uint8_t)(u >> 8);
		p[1] = (uint8_t)u;
	} else {
		p[0] = (uint8_t)u;
		p[1] = (uint8_t)(u >> 8);
	}
}

/* Independent encoder: IEEE single -> DEC F (x4, words swapped). */
static void putf(uint8_t *p, int proc, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	if (proc == FP_C3D_MIPS) {
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(u >> (24 - 8 * i));
	} else if (proc == FP_C3D_DEC) {
		uint32_t e = (u >> 23) & 0xff;

		if (f != 0)
			u = (u & ~(0xffu << 23)) | ((e + 2) << 23); /* bias 128, 0.1f */
		put16(p, proc, (int)(u >> 16));
		put16(p + 2, proc, (int)(u & 0xffff));
	} else {
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(u >> (8 * i));
	}
}

static size_t param_head(uint8_t *p, int proc, int gid, const char *name, int type,
			 int ndim, const int *dims, size_t data_bytes)
{
	size_t n = strlen(name), k = 0;

	p[k++] = (uint8_t)n;
	p[k++] = (uint8_t)gid;
	memcpy(p + k, name, n);
	k += n;
	put16(p + k, proc, (int)(2 + 2 + ndim + data_bytes + 1));
	k += 2;
	p[k++] = (uint8_t)(int8_t)type;
	p[k++] = (uint8_t)ndim;
	for (int i = 0; i < ndim; i++)
		p[k++] = (uint8_t)dims[i];
	return k;
}

static size_t group_entry(uint8_t *p, int proc, int gid, const char *name)
{
	size_t n = strlen(name);

	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(int8_t)-gid;
	memcpy(p + 2, name, n);
	put16(p + 2 + n, proc, 3);
	p[4 + n] = 0;
	return 5 + n;
}

/*
 * 1 point, 2 analog channels, 2 samples per frame, 3 frames, 100 Hz.
 * Analog stored value of frame f, sample s, channel c: 2000 + 100f + 10s + c
 * (INT unsigned: + 30000 so it exceeds int16).
 */
static void build(struct gen *g, int proc, int real, int uns)
{
	uint8_t *h = g->b, *p = g->b + 512, *d = g->b + 1024;
	size_t k = 4, at;
	float scale = real ? -0.1f : 0.1f;

	memset(g->b, 0, sizeof(g->b));
	g->proc = proc;
	g->real = real;
	h[0] = 2;
	h[1] = 0x50;
	put16(h + 2, proc, 1);
	put16(h + 4, proc, 4);
	put16(h + 6, proc, 1);
	put16(h + 8, proc, 3);
	putf(h + 12, proc, scale);
	put16(h + 16, proc, 3);
	put16(h + 18, proc, 2);
	putf(h + 20, proc, 100.0f);
	p[1] = 0x50;
	p[2] = 1;
	p[3] = (uint8_t)proc;
	k += group_entry(p + k, proc, 1, "POINT");
	k += group_entry(p + k, proc, 2, "ANALOG");
	at = k + param_head(p + k, proc, 2, "USED", 2, 0, NULL, 2);
	put16(p + at, proc, 2);
	k = at + 3;
	at = k + param_head(p + k, proc, 2, "SCALE", 4, 1, (int[]){ 2 }, 8);
	putf(p + at, proc, 0.5f);
	putf(p + at + 4, proc, -0.25f);
	k = at + 9;
	at = k + param_head(p + k, proc, 2, "OFFSET", 2, 1, (int[]){ 2 }, 4);
	put16(p + at, proc, uns ? 40000 : -3); /* unsigned: 40000 as stored bits */
	put16(p + at + 2, proc, 5);
	k = at + 5;
	at = k + param_head(p + k, proc, 2, "GEN_SCALE", 4, 0, NULL, 4);
	putf(p + at, proc, 2.0f);
	k = at + 5;
	at = k + param_head(p + k, proc, 2, "FORMAT", -1, 1, (int[]){ 8 }, 8);
	memcpy(p + at, uns ? "UNSIGNED" : "SIGNED  ", 8);
	put16(p + k + 2 + 6, proc, 0); /* last entry */
	k = at + 9;
	for (int f = 0; f < 3; f++) {
		size_t esz = real ? 4 : 2;

		for (int i = 0; i < 3; i++) { /* point x y z = 10f + i (mm) */
			if (real)
				putf(d, proc, (float)(10 * f + i));
			else
				put16(d + 2 * i, proc, (10 * f + i) * 10);
			if (real)
				d += 4;
		}
		if (real) {
			putf(d, proc, 3.0f);
			d += 4;
		} else {
			put16(d + 6, proc, 3);
			d += 8;
		}
		for (int s = 0; s < 2; s++)
			for (int c = 0; c < 2; c++, d += esz) {
				int v = 2000 + 100 * f + 10 * s + c + (uns ? 30000 : 0);

				if (real)
					putf(d, proc, (float)v);
				else
					put16(d, proc, v);
			}
	}
	g->n = (size_t)(d - g->b);
}

static void check(int proc, int real, int uns)
{
	struct gen g;
	struct fp_c3d *c;
	char msg[FP_MSG_MAX];
	int ret;

	build(&g, proc, real, uns);
	ret = fp_c3d_parse(g.b, g.n, "gen.c3d", &c, msg, sizeof(msg));
	if (ret)
		fprintf(stderr, "\n  proc %d real %d unsigned %d: %s\n", proc, real, uns, msg);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(c->processor, proc);
	CU_ASSERT_EQUAL(c->is_float, real);
	CU_ASSERT_EQUAL(c->n_frames, 3);
	CU_ASSERT_EQUAL(c->n_analog, 2);
	FP_ASSERT_CLOSE(c->analog_rate, 200.0, 0);
	for (int f = 0; f < 3; f++) {
		for (int i = 0; i < 3; i++)
			FP_ASSERT_CLOSE(c->points[(f * 1) * 4 + i], 10 * f + i, 1e-4);
		FP_ASSERT_CLOSE(c->points[f * 4 + 3], 3 * 0.1, 1e-6);
		for (int s = 0; s < 2; s++) {
			double raw0 = 2000 + 100 * f + 10 * s + (uns ? 30000 : 0);
			/* FORMAT UNSIGNED: the int16 OFFSET bits are unsigned too */
			double off0 = uns ? 40000 : -3;

			FP_ASSERT_CLOSE(fp_c3d_analog(c, (uint64_t)(2 * f + s), 0),
					(raw0 - off0) * 2.0 * 0.5, 1e-9);
			FP_ASSERT_CLOSE(fp_c3d_analog(c, (uint64_t)(2 * f + s), 1),
					(raw0 + 1 - 5) * 2.0 * -0.25, 1e-9);
		}
	}
	fp_c3d_free(c);
}

static void test_processors_and_storage(void)
{
	static const int procs[] = { FP_C3D_INTEL, FP_C3D_DEC, FP_C3D_MIPS };

	for (int i = 0; i < 3; i++)
		for (int real = 0; real < 2; real++)
			for (int uns = 0; uns < 2; uns++)
				check(procs[i], real, uns);
}

void fp_suite_c3d_format(void)
{
	FP_ADD_SUITE("c3d_format",
		     { "Intel/DEC/MIPS x INT/REAL x signed/unsigned", test_processors_and_storage });
}
