// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later
/*
 * usb_proto.c - the one parser of the fplate USB packet (docs/protocol.md).
 *
 * Everything from the device is untrusted: each header field is checked
 * against the device info before a single sample is decoded, and the CRC
 * covers the whole packet. Bytes are read one at a time in little-endian
 * order, so the code is correct on any host and any buffer alignment, and
 * it depends on nothing but memcpy/memset (the kernel module can build it).
 */
#include "usb_parse.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

static __u32 get_le32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static __u16 get_le16(const __u8 *p)
{
	return (__u16)(p[0] | p[1] << 8);
}

static __u64 get_le64(const __u8 *p)
{
	return (__u64)get_le32(p) | (__u64)get_le32(p + 4) << 32;
}

static void put_le32(__u8 *p, __u32 v)
{
	p[0] = (__u8)v;
	p[1] = (__u8)(v >> 8);
	p[2] = (__u8)(v >> 16);
	p[3] = (__u8)(v >> 24);
}

static void put_le16(__u8 *p, __u16 v)
{
	p[0] = (__u8)v;
	p[1] = (__u8)(v >> 8);
}

static void put_le64(__u8 *p, __u64 v)
{
	put_le32(p, (__u32)v);
	put_le32(p + 4, (__u32)(v >> 32));
}

/* Offsets in struct fp_usb_pkt_hdr (packed, FP_USB_PKT_HDR_SIZE bytes). */
enum {
	OFF_MAGIC = 0, OFF_VERSION = 4, OFF_HDRLEN = 5, OFF_PLATES = 6,
	OFF_CHANNELS = 7, OFF_SEQ = 8, OFF_FLAGS = 12, OFF_FIRST = 16,
	OFF_NSAMPLES = 24, OFF_RESERVED = 26, OFF_CRC = 28,
};

/*
 * Half-byte table CRC-32 (reflected polynomial 0xedb88320): 16 entries
 * keep it small and fast enough for a few MB/s, with no table to build.
 */
static const __u32 crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

__u32 fp_usb_crc32(__u32 crc, const void *buf, size_t len)
{
	const __u8 *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

/* CRC of a packet as if its crc32 field were 0. */
static __u32 pkt_crc(const __u8 *p, size_t len)
{
	static const __u8 zero[4];
	__u32 crc;

	crc = fp_usb_crc32(0, p, OFF_CRC);
	crc = fp_usb_crc32(crc, zero, sizeof(zero));
	return fp_usb_crc32(crc, p + FP_USB_PKT_HDR_SIZE, len - FP_USB_PKT_HDR_SIZE);
}

int fp_usb_pkt_parse(const void *buf, size_t len, __u32 plates, __u32 channels,
		     __u32 max_samples, struct fp_usb_pkt_view *v)
{
	const __u8 *p = buf;
	__u32 rec, n, limit;

	if (len < FP_USB_PKT_HDR_SIZE)
		return -FP_USB_PKT_E_SHORT;
	if (get_le32(p + OFF_MAGIC) != FP_USB_PKT_MAGIC)
		return -FP_USB_PKT_E_MAGIC;
	if (p[OFF_VERSION] != FP_USB_PROTO_VERSION)
		return -FP_USB_PKT_E_VERSION;
	if (p[OFF_HDRLEN] != FP_USB_PKT_HDR_SIZE)
		return -FP_USB_PKT_E_HDRLEN;
	if (p[OFF_PLATES] != plates || p[OFF_CHANNELS] != channels ||
	    plates < 1 || plates > 4 || channels < 1 || channels > 8)
		return -FP_USB_PKT_E_LAYOUT;
	rec = FP_USB_RECORD_SIZE(plates, channels);
	limit = (FP_USB_PKT_MAX - FP_USB_PKT_HDR_SIZE) / rec;
	if (max_samples && max_samples < limit)
		limit = max_samples;
	n = get_le16(p + OFF_NSAMPLES);
	if (n == 0 || n > limit)
		return -FP_USB_PKT_E_COUNT;
	if (len != FP_USB_PKT_HDR_SIZE + (size_t)n * rec)
		return -FP_USB_PKT_E_LENGTH;
	if (get_le16(p + OFF_RESERVED) != 0)
		return -FP_USB_PKT_E_RESERVED;
	if (pkt_crc(p, len) != get_le32(p + OFF_CRC))
		return -FP_USB_PKT_E_CRC;

	v->seq = get_le32(p + OFF_SEQ);
	v->flags = get_le32(p + OFF_FLAGS);
	v->first_sample = get_le64(p + OFF_FIRST);
	v->n_samples = n;
	v->plates = plates;
	v->channels = channels;
	v->record_size = rec;
	v->records = p + FP_USB_PKT_HDR_SIZE;
	return 0;
}

const char *fp_usb_pkt_strerror(int err)
{
	static const char *const why[FP_USB_PKT_E_NUM] = {
		[FP_USB_PKT_OK] = "valid",
		[FP_USB_PKT_E_SHORT] = "shorter than the packet header",
		[FP_USB_PKT_E_MAGIC] = "bad magic",
		[FP_USB_PKT_E_VERSION] = "unknown protocol version",
		[FP_USB_PKT_E_HDRLEN] = "bad header length",
		[FP_USB_PKT_E_LAYOUT] = "plates/channels differ from the device info",
		[FP_USB_PKT_E_COUNT] = "sample count 0 or too large",
		[FP_USB_PKT_E_LENGTH] = "length does not match the sample count",
		[FP_USB_PKT_E_RESERVED] = "reserved field not zero",
		[FP_USB_PKT_E_CRC] = "CRC mismatch",
	};

	if (err < 0)
		err = -err;
	return err < FP_USB_PKT_E_NUM ? why[err] : "unknown packet error";
}

void fp_usb_pkt_record(const struct fp_usb_pkt_view *v, __u32 i, __u32 *sync,
		       __s32 *counts)
{
	const __u8 *r = v->records + (size_t)i * v->record_size;
	__u32 k, nc = v->plates * v->channels;

	*sync = get_le32(r);
	for (k = 0; k < nc; k++)
		counts[k] = (__s32)get_le32(r + 4 + 4 * k);
}

size_t fp_usb_pkt_build(void *buf, __u32 seq, __u32 flags, __u64 first_sample,
			__u32 n, __u32 plates, __u32 channels, const __u32 *sync,
			const __s32 *counts)
{
	__u8 *p = buf, *r;
	__u32 i, k, nc = plates * channels;
	size_t len = FP_USB_PKT_SIZE(n, plates, channels);

	memset(p, 0, FP_USB_PKT_HDR_SIZE);
	put_le32(p + OFF_MAGIC, FP_USB_PKT_MAGIC);
	p[OFF_VERSION] = FP_USB_PROTO_VERSION;
	p[OFF_HDRLEN] = FP_USB_PKT_HDR_SIZE;
	p[OFF_PLATES] = (__u8)plates;
	p[OFF_CHANNELS] = (__u8)channels;
	put_le32(p + OFF_SEQ, seq);
	put_le32(p + OFF_FLAGS, flags);
	put_le64(p + OFF_FIRST, first_sample);
	put_le16(p + OFF_NSAMPLES, (__u16)n);
	r = p + FP_USB_PKT_HDR_SIZE;
	for (i = 0; i < n; i++) {
		put_le32(r, sync[i]);
		for (k = 0; k < nc; k++)
			put_le32(r + 4 + 4 * k, (__u32)counts[(size_t)i * nc + k]);
		r += FP_USB_RECORD_SIZE(plates, channels);
	}
	put_le32(p + OFF_CRC, pkt_crc(p, len));
	return len;
}

void fp_usb_seq_reset(struct fp_usb_seq *st)
{
	/* After START the device begins at seq 0, sample 0. */
	memset(st, 0, sizeof(*st));
	st->have_last = 1;
}

/* Could the packets missing by seq (dseq of them) hold `lost` samples? */
static int seq_plausible_jump(const struct fp_usb_seq *st, const struct fp_usb_pkt_view *v,
			      __s32 dseq, __u64 lost)
{
	__u64 k = v->n_samples > st->last_n ? v->n_samples : st->last_n;

	if (!lost || (v->flags & FP_USB_PKT_OVERRUN))
		return 1;  /* nothing skipped, or the device discarded samples */
	return dseq > 0 && lost <= (__u64)dseq * k;
}

/* A packet not believed: drop it, and see whether it continues a run. */
static void seq_suspect(struct fp_usb_seq *st, const struct fp_usb_pkt_view *v,
			struct fp_usb_seq_result *res)
{
	if (st->run && v->seq == st->run_next_seq && v->first_sample == st->run_next_sample) {
		st->run++;
	} else {
		st->run = 1;
		st->run_first_sample = v->first_sample;
	}
	st->run_next_seq = v->seq + 1;
	st->run_next_sample = v->first_sample + v->n_samples;
	if (st->run < FP_USB_SEQ_RESYNC_RUN) {
		res->verdict = FP_USB_SEQ_STALE;
		return;
	}
	res->verdict = FP_USB_SEQ_RESYNC;
	res->lost_packets = st->run - 1;
	res->lost_samples = v->first_sample - st->run_first_sample;
}

void fp_usb_seq_check(struct fp_usb_seq *st, const struct fp_usb_pkt_view *v,
		      struct fp_usb_seq_result *res)
{
	__s32 dseq = (__s32)(v->seq - st->next_seq);

	res->lost_packets = 0;
	res->lost_samples = 0;
	if (!st->have_last) {
		res->verdict = FP_USB_SEQ_IN_ORDER;
	} else if (v->first_sample < st->next_sample) {
		/*
		 * Back in time: the device restarted (seq 0, sample 0, and not
		 * just packet 0 again), or a repeat of something already
		 * delivered, which must never be delivered twice.
		 */
		if (v->seq == 0 && v->first_sample == 0 && st->next_seq != 1) {
			res->verdict = FP_USB_SEQ_RESTART;
		} else {
			seq_suspect(st, v, res);
			if (res->verdict == FP_USB_SEQ_STALE)
				return;
		}
	} else if (dseq == 0 && v->first_sample == st->next_sample) {
		res->verdict = FP_USB_SEQ_IN_ORDER;
	} else if (!seq_plausible_jump(st, v, dseq, v->first_sample - st->next_sample)) {
		/* Further ahead than lost packets explain, and no overrun. */
		seq_suspect(st, v, res);
		if (res->verdict == FP_USB_SEQ_STALE)
			return;
	} else {
		/*
		 * The sample index is the truth about what is missing; the
		 * sequence number says how many transfers were lost (0 when
		 * the device itself skipped samples, an overrun).
		 */
		res->verdict = FP_USB_SEQ_GAP;
		res->lost_packets = dseq > 0 ? (__u32)dseq : 0;
		res->lost_samples = v->first_sample - st->next_sample;
	}
	st->have_last = 1;
	st->run = 0;
	st->last_n = v->n_samples;
	st->next_seq = v->seq + 1;
	st->next_sample = v->first_sample + v->n_samples;
}
