/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * usb_parse.h - validate and decode fplate USB packets, account for
 * sequence gaps (lib/amp/usb_proto.c).
 *
 * Written once for every transport: the libusb backend (lib/backends/usb/usb.c), the
 * gadget emulator (to build packets) and the kernel module may all use it.
 * It needs only <linux/types.h> and memcpy/memset, reads the wire byte by
 * byte (no alignment or host byte-order assumptions) and allocates nothing.
 */
#ifndef FPLATE_LIB_USB_PARSE_H
#define FPLATE_LIB_USB_PARSE_H

#include "fplate/usb_proto.h"

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

/* Why a packet was rejected (negated by fp_usb_pkt_parse). */
enum fp_usb_pkt_error {
	FP_USB_PKT_OK = 0,
	FP_USB_PKT_E_SHORT,      /* shorter than the header */
	FP_USB_PKT_E_MAGIC,
	FP_USB_PKT_E_VERSION,
	FP_USB_PKT_E_HDRLEN,
	FP_USB_PKT_E_LAYOUT,     /* plates/channels differ from the device info */
	FP_USB_PKT_E_COUNT,      /* n_samples 0 or above the device's K */
	FP_USB_PKT_E_LENGTH,     /* length differs from header + n_samples records */
	FP_USB_PKT_E_RESERVED,   /* reserved field not 0 */
	FP_USB_PKT_E_CRC,
	FP_USB_PKT_E_NUM
};

/* A validated packet; records points into the caller's buffer. */
struct fp_usb_pkt_view {
	__u32 seq;
	__u32 flags;             /* FP_USB_PKT_* */
	__u64 first_sample;
	__u32 n_samples;
	__u32 plates;
	__u32 channels;
	__u32 record_size;       /* bytes per record */
	const __u8 *records;
};

/* CRC-32/IEEE, zlib-compatible: crc = fp_usb_crc32(0, buf, len). */
__u32 fp_usb_crc32(__u32 crc, const void *buf, size_t len);

/*
 * Validate buf[0..len) as one packet of a device with `plates` x `channels`
 * and at most max_samples records per packet (0: up to what fits
 * FP_USB_PKT_MAX). Returns 0 and fills *v, or -enum fp_usb_pkt_error.
 */
int fp_usb_pkt_parse(const void *buf, size_t len, __u32 plates, __u32 channels,
		     __u32 max_samples, struct fp_usb_pkt_view *v);
const char *fp_usb_pkt_strerror(int err);

/* Record i of a validated packet: its sync word and plates*channels counts. */
void fp_usb_pkt_record(const struct fp_usb_pkt_view *v, __u32 i, __u32 *sync,
		       __s32 *counts);

/*
 * Build a packet into buf (FP_USB_PKT_SIZE(n, plates, channels) bytes):
 * header, records (sync[n], counts[n][plates*channels]) and CRC. Returns
 * the packet length. Used by the emulator and the tests.
 */
size_t fp_usb_pkt_build(void *buf, __u32 seq, __u32 flags, __u64 first_sample,
			__u32 n, __u32 plates, __u32 channels, const __u32 *sync,
			const __s32 *counts);

/*
 * Sequence accounting. The host expects seq + 1 and first_sample + n from
 * the previous accepted packet. fp_usb_seq_check() classifies a validated
 * packet and updates the state; the caller counts.
 *
 * A packet whose index cannot be right is not believed on its own: one
 * back in time that is not a restart (a repeat), or one ahead by more
 * samples than the packets missing by seq could have held and without the
 * OVERRUN flag (a device skips samples only in an overrun). It is dropped
 * (STALE) and the expected index stays. FP_USB_SEQ_RESYNC_RUN such packets
 * in a row that continue each other (seq + 1, first_sample + n) mean the
 * device's index really moved (a clock restart whose packet 0 was lost, a
 * firmware jump): the last one is taken (RESYNC) and the stream goes on
 * from there.
 */
#define FP_USB_SEQ_RESYNC_RUN 8

struct fp_usb_seq {
	int have_last;
	__u32 next_seq;
	__u64 next_sample;
	__u32 last_n;            /* n_samples of the last accepted packet */
	/* The run of dropped packets that continue each other. */
	__u32 run;
	__u32 run_next_seq;
	__u64 run_next_sample, run_first_sample;
};

enum fp_usb_seq_verdict {
	FP_USB_SEQ_IN_ORDER = 0, /* contiguous with the previous packet (or the first) */
	FP_USB_SEQ_GAP,          /* packets and/or samples missing before this one */
	FP_USB_SEQ_RESTART,      /* seq 0 at sample 0 mid-stream: the device restarted */
	FP_USB_SEQ_STALE,        /* an index that cannot be right (a repeat): drop it */
	FP_USB_SEQ_RESYNC,       /* the device's index moved and stayed: take it from here */
};

struct fp_usb_seq_result {
	enum fp_usb_seq_verdict verdict;
	__u32 lost_packets;      /* packets missing (GAP), dropped (RESYNC) */
	__u64 lost_samples;      /* samples missing (GAP), from the sample index; the
				  * dropped run's samples (RESYNC) */
};

void fp_usb_seq_reset(struct fp_usb_seq *st);
void fp_usb_seq_check(struct fp_usb_seq *st, const struct fp_usb_pkt_view *v,
		      struct fp_usb_seq_result *res);

#endif
