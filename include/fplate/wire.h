/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire.h - the messages fplated publishes over ZeroMQ (docs/wire-format.md).
 *
 * Every message is two ZeroMQ frames: [topic][payload]. Topics:
 *   "force"   binary frame below: calibrated samples of every plate;
 *   "status"  JSON object, once a second;
 *   "step"    JSON object per detected step (gait analysis).
 *
 * A force payload is a little-endian header of FP_WIRE_HEADER_LEN bytes
 * (readers skip header_len bytes, so later versions may append fields),
 * followed by float32 values [n_samples][n_plates][n_fields] in the order
 * of enum fp_field (calib.h), followed, when FP_WIRE_F_SYNC is set, by one
 * uint32 sync word per sample.
 *
 * fp_wire_decode() trusts nothing: every length and count is checked
 * against the message size before anything is read, so a malformed or
 * truncated message is an error, never an out-of-bounds read. The decoded
 * view points into the caller's buffer (no copy, no allocation) and stays
 * valid as long as that buffer does.
 */
#ifndef FPLATE_WIRE_H
#define FPLATE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FP_TOPIC_FORCE  "force"
#define FP_TOPIC_STATUS "status"
#define FP_TOPIC_STEP   "step"
#define FP_TOPIC_IMPACT "impact"

/* Significant digits of every real in fplate's JSON (messages, `fplate
 * analyze --json`): the same number prints the same everywhere. */
#define FP_JSON_DIGITS 10

#define FP_WIRE_MAGIC      0x464c5046u /* bytes 'F' 'P' 'L' 'F' */
#define FP_WIRE_VERSION    1
#define FP_WIRE_HEADER_LEN 72

/* Limits the decoder enforces (a frame beyond them is malformed). */
#define FP_WIRE_MAX_SAMPLES 65536
#define FP_WIRE_MAX_PLATES  16
#define FP_WIRE_MAX_FIELDS  64

/* Flags. The low byte equals FP_BLK_* of fplate.h. */
#define FP_WIRE_F_GAP       (1u << 0) /* samples lost before first_sample */
#define FP_WIRE_F_SATURATED (1u << 1) /* a channel hit full scale in this frame */
#define FP_WIRE_F_OVERRUN   (1u << 2) /* a device, driver or daemon ring overflowed */
#define FP_WIRE_F_RESUMED   (1u << 3) /* first frame after the device came back */
#define FP_WIRE_F_SYNC      (1u << 8) /* a uint32 sync word per sample follows the floats */

/* The header, in host order. */
struct fp_wire_header {
	uint16_t version;        /* FP_WIRE_VERSION */
	uint16_t header_len;     /* bytes before the float data, >= 72, multiple of 8 */
	uint32_t stream_id;      /* changes when the daemon restarts */
	uint32_t flags;          /* FP_WIRE_F_* */
	uint64_t sequence;       /* 0, 1, 2... per stream_id: a jump = missed frames */
	uint64_t first_sample;   /* device sample index of sample 0 */
	int64_t t0_ns;           /* host CLOCK_REALTIME of sample 0 (fitted, smooth) */
	double period_ns;        /* sample k is at t0_ns + k * period_ns (fitted) */
	int64_t t_recv_ns;       /* host time the daemon received the last sample */
	uint32_t n_samples;
	uint16_t n_plates;
	uint16_t n_fields;       /* FP_NFIELDS today */
	float belt_speed_mps;    /* NaN when unknown */
};

/* A decoded force frame: a view into the message buffer. */
struct fp_wire_frame {
	struct fp_wire_header h;
	const unsigned char *values; /* n_samples * n_plates * n_fields float32 LE */
	const unsigned char *sync;   /* n_samples uint32 LE, or NULL */
};

/* Bytes of a frame with these counts (0 if a count is out of range). */
size_t fp_wire_size(uint32_t n_samples, uint32_t n_plates, uint32_t n_fields, int with_sync);

/*
 * Encode one frame into buf. v holds n_samples * n_plates * n_fields doubles
 * (sample-major, as struct fp_frames), converted to float32; sync is NULL or
 * n_samples words (then FP_WIRE_F_SYNC is set). h->version and h->header_len
 * are filled in by the encoder. Returns the bytes written, or -EINVAL for
 * counts out of range, -ENOSPC if buf_len is too small.
 */
long fp_wire_encode(const struct fp_wire_header *h, const double *v, const uint32_t *sync,
		    void *buf, size_t buf_len);

/*
 * Decode and validate a frame. Returns 0, or -EBADMSG with a one-line reason
 * in msg (what was wrong, the value found and what was expected).
 */
int fp_wire_decode(const void *buf, size_t len, struct fp_wire_frame *out,
		   char *msg, size_t msg_len);

/* Value [sample][plate][field] of a decoded frame (indices must be in range). */
float fp_wire_value(const struct fp_wire_frame *f, uint32_t sample, uint32_t plate,
		    uint32_t field);
/* Sync word of a sample (0 when the frame carries none). */
uint32_t fp_wire_sync(const struct fp_wire_frame *f, uint32_t sample);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_WIRE_H */
