// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wire.c - encode and strictly decode the `force` frame (docs/wire-format.md).
 *
 * Byte order is little-endian whatever the host: every field goes through
 * the put/get helpers below, which assemble bytes explicitly, so the code
 * is correct on big-endian hosts and never does an unaligned load.
 *
 * Header layout (offsets in bytes, FP_WIRE_HEADER_LEN = 72):
 *    0 u32 magic   4 u16 version   6 u16 header_len   8 u32 stream_id
 *   12 u32 flags  16 u64 sequence 24 u64 first_sample 32 i64 t0_ns
 *   40 f64 period_ns  48 i64 t_recv_ns  56 u32 n_samples  60 u16 n_plates
 *   62 u16 n_fields   64 f32 belt_speed_mps  68 u32 reserved (0)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fplate/wire.h"

#include "util_int.h"

static void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_f32(unsigned char *p, float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	put_u32(p, u);
}

static float get_f32(const unsigned char *p)
{
	uint32_t u = get_u32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static void put_f64(unsigned char *p, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	put_u64(p, u);
}

static double get_f64(const unsigned char *p)
{
	uint64_t u = get_u64(p);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

size_t fp_wire_size(uint32_t n_samples, uint32_t n_plates, uint32_t n_fields, int with_sync)
{
	if (n_samples < 1 || n_samples > FP_WIRE_MAX_SAMPLES || n_plates < 1 ||
	    n_plates > FP_WIRE_MAX_PLATES || n_fields < 1 || n_fields > FP_WIRE_MAX_FIELDS)
		return 0;
	return FP_WIRE_HEADER_LEN + (size_t)n_samples * n_plates * n_fields * 4 +
	       (with_sync ? (size_t)n_samples * 4 : 0);
}

long fp_wire_encode(const struct fp_wire_header *h, const double *v, const uint32_t *sync,
		    void *buf, size_t buf_len)
{
	unsigned char *p = buf;
	size_t size, nv;
	uint32_t flags;

	if (!h || !v || !buf)
		return -EINVAL;
	size = fp_wire_size(h->n_samples, h->n_plates, h->n_fields, sync != NULL);
	if (!size)
		return -EINVAL;
	if (size > buf_len)
		return -ENOSPC;
	flags = sync ? h->flags | FP_WIRE_F_SYNC : h->flags & ~FP_WIRE_F_SYNC;
	put_u32(p + 0, FP_WIRE_MAGIC);
	put_u16(p + 4, FP_WIRE_VERSION);
	put_u16(p + 6, FP_WIRE_HEADER_LEN);
	put_u32(p + 8, h->stream_id);
	put_u32(p + 12, flags);
	put_u64(p + 16, h->sequence);
	put_u64(p + 24, h->first_sample);
	put_u64(p + 32, (uint64_t)h->t0_ns);
	put_f64(p + 40, h->period_ns);
	put_u64(p + 48, (uint64_t)h->t_recv_ns);
	put_u32(p + 56, h->n_samples);
	put_u16(p + 60, h->n_plates);
	put_u16(p + 62, h->n_fields);
	put_f32(p + 64, h->belt_speed_mps);
	put_u32(p + 68, 0);
	p += FP_WIRE_HEADER_LEN;
	nv = (size_t)h->n_samples * h->n_plates * h->n_fields;
	for (size_t i = 0; i < nv; i++, p += 4)
		put_f32(p, (float)v[i]);
	if (sync)
		for (uint32_t s = 0; s < h->n_samples; s++, p += 4)
			put_u32(p, sync[s]);
	return (long)size;
}

static int check_counts(const struct fp_wire_header *h, char *msg, size_t msg_len)
{
	if (h->n_samples < 1 || h->n_samples > FP_WIRE_MAX_SAMPLES) {
		MSG("force frame: n_samples %u, expected 1..%u", h->n_samples,
		    FP_WIRE_MAX_SAMPLES);
		return -EBADMSG;
	}
	if (h->n_plates < 1 || h->n_plates > FP_WIRE_MAX_PLATES) {
		MSG("force frame: n_plates %u, expected 1..%u", h->n_plates,
		    FP_WIRE_MAX_PLATES);
		return -EBADMSG;
	}
	if (h->n_fields < 1 || h->n_fields > FP_WIRE_MAX_FIELDS) {
		MSG("force frame: n_fields %u, expected 1..%u", h->n_fields,
		    FP_WIRE_MAX_FIELDS);
		return -EBADMSG;
	}
	return 0;
}

int fp_wire_decode(const void *buf, size_t len, struct fp_wire_frame *out,
		   char *msg, size_t msg_len)
{
	const unsigned char *p = buf;
	struct fp_wire_header h;
	uint32_t magic;
	size_t want;
	int ret;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!buf || !out) {
		MSG("force frame: no buffer");
		return -EINVAL;
	}
	if (len < 8) {
		MSG("force frame: %zu bytes, shorter than the 8-byte preamble", len);
		return -EBADMSG;
	}
	magic = get_u32(p);
	if (magic != FP_WIRE_MAGIC) {
		MSG("force frame: magic 0x%08x, expected 0x%08x ('FPLF')", magic,
		    FP_WIRE_MAGIC);
		return -EBADMSG;
	}
	h.version = get_u16(p + 4);
	h.header_len = get_u16(p + 6);
	if (h.version != FP_WIRE_VERSION) {
		MSG("force frame: version %u, this reader knows %u", h.version,
		    FP_WIRE_VERSION);
		return -EBADMSG;
	}
	if (h.header_len < FP_WIRE_HEADER_LEN || h.header_len % 8) {
		MSG("force frame: header_len %u, expected >= %u and a multiple of 8",
		    h.header_len, FP_WIRE_HEADER_LEN);
		return -EBADMSG;
	}
	if (len < h.header_len) {
		MSG("force frame: %zu bytes, shorter than header_len %u", len, h.header_len);
		return -EBADMSG;
	}
	h.stream_id = get_u32(p + 8);
	h.flags = get_u32(p + 12);
	h.sequence = get_u64(p + 16);
	h.first_sample = get_u64(p + 24);
	h.t0_ns = (int64_t)get_u64(p + 32);
	h.period_ns = get_f64(p + 40);
	h.t_recv_ns = (int64_t)get_u64(p + 48);
	h.n_samples = get_u32(p + 56);
	h.n_plates = get_u16(p + 60);
	h.n_fields = get_u16(p + 62);
	h.belt_speed_mps = get_f32(p + 64);
	ret = check_counts(&h, msg, msg_len);
	if (ret)
		return ret;
	/* Counts are bounded above, so this cannot overflow size_t. */
	want = h.header_len + (size_t)h.n_samples * h.n_plates * h.n_fields * 4 +
	       ((h.flags & FP_WIRE_F_SYNC) ? (size_t)h.n_samples * 4 : 0);
	if (len != want) {
		MSG("force frame: %zu bytes, expected %zu for %u samples x %u plates x %u fields%s",
		    len, want, h.n_samples, h.n_plates, h.n_fields,
		    (h.flags & FP_WIRE_F_SYNC) ? " + sync" : "");
		return -EBADMSG;
	}
	if (!(h.period_ns > 0)) {
		MSG("force frame: period_ns %g, expected > 0", h.period_ns);
		return -EBADMSG;
	}
	out->h = h;
	out->values = p + h.header_len;
	out->sync = (h.flags & FP_WIRE_F_SYNC) ?
		    out->values + (size_t)h.n_samples * h.n_plates * h.n_fields * 4 : NULL;
	return 0;
}

float fp_wire_value(const struct fp_wire_frame *f, uint32_t sample, uint32_t plate,
		    uint32_t field)
{
	size_t i = ((size_t)sample * f->h.n_plates + plate) * f->h.n_fields + field;

	return get_f32(f->values + 4 * i);
}

uint32_t fp_wire_sync(const struct fp_wire_frame *f, uint32_t sample)
{
	return f->sync ? get_u32(f->sync + 4 * (size_t)sample) : 0;
}
