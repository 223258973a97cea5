// SPDX-License-Identifier: LGPL-2.1-or-later
/* test_wire.c - force frame round trip and the strict decoder's refusals. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "fplate/wire.h"
#include "fplate/calib.h"

#define NS 7
#define NP 2

static void fill_header(struct fp_wire_header *h)
{
	memset(h, 0, sizeof(*h));
	h->stream_id = 0xdeadbeef;
	h->flags = FP_WIRE_F_GAP | FP_WIRE_F_RESUMED;
	h->sequence = 0x0102030405060708ull;
	h->first_sample = 123456789012ull;
	h->t0_ns = 1790000000123456789ll;
	h->period_ns = 500000.25;
	h->t_recv_ns = -5;
	h->n_samples = NS;
	h->n_plates = NP;
	h->n_fields = FP_NFIELDS;
	h->belt_speed_mps = 3.25f;
}

static void fill_values(double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (double)i * 0.5 - 40.0; /* exact in float32 */
	v[3] = NAN;
}

static void test_round_trip(void)
{
	struct fp_wire_header h;
	struct fp_wire_frame f;
	double v[NS * NP * FP_NFIELDS];
	uint32_t sync[NS];
	unsigned char buf[2048];
	char msg[256];
	long len;

	fill_header(&h);
	fill_values(v, NS * NP * FP_NFIELDS);
	for (int s = 0; s < NS; s++)
		sync[s] = 0xa5000000u + (uint32_t)s;
	len = fp_wire_encode(&h, v, sync, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, FP_WIRE_HEADER_LEN + NS * NP * FP_NFIELDS * 4 + NS * 4);
	CU_ASSERT_EQUAL((size_t)len, fp_wire_size(NS, NP, FP_NFIELDS, 1));
	/* Little-endian bytes on the wire whatever the host. */
	CU_ASSERT_EQUAL(memcmp(buf, "FPLF", 4), 0);
	CU_ASSERT_EQUAL(buf[6], FP_WIRE_HEADER_LEN);
	CU_ASSERT_EQUAL(buf[16], 0x08);
	CU_ASSERT_EQUAL(buf[23], 0x01);
	CU_ASSERT_EQUAL(fp_wire_decode(buf, (size_t)len, &f, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(f.h.version, FP_WIRE_VERSION);
	CU_ASSERT_EQUAL(f.h.stream_id, h.stream_id);
	CU_ASSERT_EQUAL(f.h.flags, h.flags | FP_WIRE_F_SYNC);
	CU_ASSERT_EQUAL(f.h.sequence, h.sequence);
	CU_ASSERT_EQUAL(f.h.first_sample, h.first_sample);
	CU_ASSERT_EQUAL(f.h.t0_ns, h.t0_ns);
	CU_ASSERT_EQUAL(f.h.t_recv_ns, -5);
	FP_ASSERT_CLOSE(f.h.period_ns, 500000.25, 0);
	CU_ASSERT_EQUAL(f.h.n_samples, NS);
	CU_ASSERT_EQUAL(f.h.n_plates, NP);
	CU_ASSERT_EQUAL(f.h.n_fields, FP_NFIELDS);
	FP_ASSERT_CLOSE(f.h.belt_speed_mps, 3.25, 0);
	for (uint32_t s = 0; s < NS; s++) {
		CU_ASSERT_EQUAL(fp_wire_sync(&f, s), sync[s]);
		for (uint32_t p = 0; p < NP; p++)
			for (uint32_t k = 0; k < FP_NFIELDS; k++) {
				size_t i = (s * NP + p) * FP_NFIELDS + k;
				float got = fp_wire_value(&f, s, p, k);

				if (i == 3) {
					CU_ASSERT(isnan(got));
				} else {
					CU_ASSERT_EQUAL(got, (float)v[i]);
				}
			}
	}

	/* Without sync words the flag is cleared and the size shrinks. */
	h.flags |= FP_WIRE_F_SYNC;
	len = fp_wire_encode(&h, v, NULL, buf, sizeof(buf));
	CU_ASSERT_EQUAL((size_t)len, fp_wire_size(NS, NP, FP_NFIELDS, 0));
	CU_ASSERT_EQUAL(fp_wire_decode(buf, (size_t)len, &f, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_NULL(f.sync);
	CU_ASSERT_EQUAL(fp_wire_sync(&f, 0), 0);
	CU_ASSERT_EQUAL(fp_wire_value(&f, NS - 1, NP - 1, FP_TZ),
			(float)v[NS * NP * FP_NFIELDS - 1]);
}

static void test_encode_errors(void)
{
	struct fp_wire_header h;
	double v[NS * NP * FP_NFIELDS] = { 0 };
	unsigned char buf[2048];

	fill_header(&h);
	CU_ASSERT_EQUAL(fp_wire_encode(&h, v, NULL, buf, 100), -ENOSPC);
	h.n_plates = 0;
	CU_ASSERT_EQUAL(fp_wire_encode(&h, v, NULL, buf, sizeof(buf)), -EINVAL);
	h.n_plates = NP;
	h.n_samples = FP_WIRE_MAX_SAMPLES + 1;
	CU_ASSERT_EQUAL(fp_wire_encode(&h, v, NULL, buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(fp_wire_size(1, 1, 0, 0), 0);
}

/* Decode from an exactly sized heap copy so ASan sees any read past it. */
static int decode_copy(const unsigned char *src, size_t len, char *msg, size_t msg_len)
{
	struct fp_wire_frame f;
	unsigned char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, src, len);
	ret = fp_wire_decode(copy, len, &f, msg, msg_len);
	if (ret == 0) {
		/* Touch every value the view claims to hold. */
		volatile float sink = 0;

		for (uint32_t s = 0; s < f.h.n_samples; s++) {
			sink += (float)fp_wire_sync(&f, s);
			for (uint32_t p = 0; p < f.h.n_plates; p++)
				for (uint32_t k = 0; k < f.h.n_fields; k++)
					sink += fp_wire_value(&f, s, p, k);
		}
		(void)sink;
	}
	free(copy);
	return ret;
}

static void test_decode_refuses(void)
{
	struct fp_wire_header h;
	double v[NS * NP * FP_NFIELDS] = { 0 };
	uint32_t sync[NS] = { 0 };
	unsigned char buf[2048], bad[2048];
	char msg[256];
	long len;

	fill_header(&h);
	len = fp_wire_encode(&h, v, sync, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	/* Every truncation and one byte too many. */
	for (long l = 0; l < len; l++)
		CU_ASSERT_EQUAL(decode_copy(buf, (size_t)l, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_EQUAL(decode_copy(buf, (size_t)len + 1, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "expected"));

	memcpy(bad, buf, (size_t)len);
	bad[0] = 'X';
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "magic"));

	memcpy(bad, buf, (size_t)len);
	bad[4] = 2;
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "version 2"));

	memcpy(bad, buf, (size_t)len);
	bad[6] = 60;
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "header_len 60"));

	/* Huge counts must not wrap the size computation. */
	memcpy(bad, buf, (size_t)len);
	memset(bad + 56, 0xff, 8);
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "n_samples"));

	memcpy(bad, buf, (size_t)len);
	bad[62] = 0; /* n_fields 0 */
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "n_fields 0"));

	/* Sync flag cleared: the message is then 4 * n bytes too long. */
	memcpy(bad, buf, (size_t)len);
	bad[13] = 0;
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len - NS * 4, msg, sizeof(msg)), 0);

	memcpy(bad, buf, (size_t)len);
	memset(bad + 40, 0, 8); /* period 0 */
	CU_ASSERT_EQUAL(decode_copy(bad, (size_t)len, msg, sizeof(msg)), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "period_ns"));
}

static void test_decode_longer_header(void)
{
	/* A later version may append header fields: readers skip header_len. */
	struct fp_wire_header h;
	struct fp_wire_frame f;
	double v[NS * NP * FP_NFIELDS];
	unsigned char buf[2048], big[2048];
	char msg[256];
	long len;

	fill_header(&h);
	fill_values(v, NS * NP * FP_NFIELDS);
	len = fp_wire_encode(&h, v, NULL, buf, sizeof(buf));
	memcpy(big, buf, FP_WIRE_HEADER_LEN);
	memset(big + FP_WIRE_HEADER_LEN, 0x77, 8);
	memcpy(big + FP_WIRE_HEADER_LEN + 8, buf + FP_WIRE_HEADER_LEN,
	       (size_t)len - FP_WIRE_HEADER_LEN);
	big[6] = FP_WIRE_HEADER_LEN + 8;
	CU_ASSERT_EQUAL(fp_wire_decode(big, (size_t)len + 8, &f, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_wire_value(&f, 0, 0, 0), (float)v[0]);
	CU_ASSERT_EQUAL(fp_wire_value(&f, 1, 1, 2), (float)v[(1 * NP + 1) * FP_NFIELDS + 2]);
}

static void test_decode_random_bytes(void)
{
	/* Random corruption of a valid frame: decode either refuses or
	 * returns a view that lies inside the message (ASan checks). */
	struct fp_wire_header h;
	double v[NS * NP * FP_NFIELDS] = { 0 };
	unsigned char buf[2048], bad[2048];
	char msg[256];
	long len;
	unsigned int seed = 12345;
	struct fp_wire_frame f;
	int ret, accepted = 0, refused = 0;

	fill_header(&h);
	len = fp_wire_encode(&h, v, NULL, buf, sizeof(buf));
	for (int i = 0; i < 20000; i++) {
		size_t l = (size_t)len;

		memcpy(bad, buf, l);
		for (int k = 0; k < 3; k++)
			bad[rand_r(&seed) % FP_WIRE_HEADER_LEN] = (unsigned char)rand_r(&seed);
		if (i % 4 == 0)
			l = (size_t)(rand_r(&seed) % (unsigned int)(len + 16));
		ret = fp_wire_decode(bad, l, &f, msg, sizeof(msg));
		if (ret == 0) {
			/* an accepted frame's view lies inside the message */
			size_t need = (size_t)f.h.n_samples * f.h.n_plates * f.h.n_fields * 4;

			CU_ASSERT(f.values >= bad && f.values + need <= bad + l);
			CU_ASSERT(!f.sync || f.sync + (size_t)f.h.n_samples * 4 <= bad + l);
			accepted++;
		} else {
			CU_ASSERT_EQUAL(ret, -EBADMSG);
			CU_ASSERT(msg[0] != '\0');
			refused++;
		}
		(void)decode_copy(bad, l, msg, sizeof(msg));   /* ASan: touch every value */
	}
	/* 3 random header bytes: most damage is caught, some bytes (times) are free */
	CU_ASSERT(refused > 1000);
	CU_ASSERT_EQUAL(accepted + refused, 20000);
}

void fp_suite_wire(void)
{
	FP_ADD_SUITE("wire",
		     { "round trip", test_round_trip },
		     { "encode errors", test_encode_errors },
		     { "decoder refuses malformed frames", test_decode_refuses },
		     { "longer header skipped", test_decode_longer_header },
		     { "random corruption", test_decode_random_bytes });
}
