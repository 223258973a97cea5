/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * usb_proto.h - the fplate USB amplifier protocol, version 1.
 *
 * Shared, byte for byte, by the device emulator (tests/vm), the libusb
 * backend (lib/backends/usb/usb.c) and the kernel module (kernel/fplate_*.c). The prose
 * specification is docs/protocol.md; this header is its normative layout.
 *
 * Everything on the wire is little-endian. Structures are packed and have
 * fixed sizes (checked below) so that firmware in any language can follow.
 */
#ifndef FPLATE_USB_PROTO_H
#define FPLATE_USB_PROTO_H

#include <linux/types.h>

/* pid.codes test range; a lab building firmware must obtain its own PID. */
#define FP_USB_VID 0x1209
#define FP_USB_PID 0xf9a7

#define FP_USB_PROTO_VERSION 1
#define FP_USB_IFACE_CLASS   0xff   /* vendor specific */
#define FP_USB_IFACE_SUBCLASS 0x46  /* 'F' */
#define FP_USB_IFACE_PROTOCOL 0x01
#define FP_USB_EP_DATA_IN    0x81   /* the one bulk IN endpoint */
#define FP_USB_MPS_FS        64
#define FP_USB_MPS_HS        512

/*
 * Vendor control requests, bmRequestType vendor | interface recipient
 * (0xc1 device-to-host, 0x41 host-to-device), wIndex = interface number (0).
 * The device answers a request it does not know, a bad wValue/wIndex/
 * wLength, or a request not allowed in its state (SET_RATE or SET_CLOCK
 * while streaming) with a STALL of ep0. The host waits at most
 * FP_USB_CTRL_TIMEOUT_MS for any control transfer.
 */
#define FP_USB_REQTYPE_IN    0xc1   /* vendor, interface, device-to-host */
#define FP_USB_REQTYPE_OUT   0x41   /* vendor, interface, host-to-device */
#define FP_USB_CTRL_TIMEOUT_MS 1000
enum fp_usb_request {
	FP_USB_REQ_GET_INFO     = 0x01, /* IN, struct fp_usb_info */
	FP_USB_REQ_GET_CALIB    = 0x02, /* IN, wValue = plate, struct fp_usb_plate_cal */
	FP_USB_REQ_SET_RATE     = 0x03, /* OUT, wValue = samples/s per plate (no data) */
	FP_USB_REQ_START        = 0x04, /* OUT, no data; sample index restarts at 0 */
	FP_USB_REQ_STOP         = 0x05, /* OUT, no data */
	FP_USB_REQ_ZERO         = 0x06, /* OUT, no data; hardware zero of all channels */
	FP_USB_REQ_GET_COUNTERS = 0x07, /* IN, struct fp_usb_counters */
	FP_USB_REQ_SET_CLOCK    = 0x08, /* OUT, wValue = enum fp_usb_clock */
};

enum fp_usb_clock {
	FP_USB_CLOCK_INTERNAL = 0,
	FP_USB_CLOCK_EXTERNAL = 1,      /* one sample per rising edge of the clock input */
};

/* struct fp_usb_info.caps: what this device can do. */
#define FP_USB_CAP_EXT_CLOCK  (1u << 0) /* FP_USB_CLOCK_EXTERNAL accepted */
#define FP_USB_CAP_SYNC_IN    (1u << 1) /* the sync word carries live inputs */
#define FP_USB_CAP_HW_ZERO    (1u << 2) /* FP_USB_REQ_ZERO accepted */

/* Bits of the per-sample sync word (the digital inputs sampled with it). */
#define FP_USB_SYNC_IN        (1u << 0) /* sync input (camera/mocap pulse) */
#define FP_USB_SYNC_TRIGGER   (1u << 1) /* start/stop trigger input */
/* bits 2..15 further digital inputs, 16..31 reserved (0) */

#define FP_USB_INFO_MAGIC 0x4f464e49u /* "INFO" */

struct fp_usb_info {
	__le32 magic;            /* FP_USB_INFO_MAGIC */
	__le16 proto_version;    /* FP_USB_PROTO_VERSION */
	__le16 size;             /* sizeof(struct fp_usb_info) */
	char serial[32];         /* NUL-terminated */
	char firmware[16];       /* NUL-terminated */
	char model[32];          /* NUL-terminated */
	__u8 plates;             /* 1..4 */
	__u8 channels;           /* per plate: 6 or 8 */
	__u8 adc_bits;           /* 16..32 */
	__u8 clock;              /* enum fp_usb_clock now active */
	__le32 rate_hz;          /* current samples/s per plate */
	__le32 max_rate_hz;
	__le32 full_scale_uv;    /* ADC full scale, microvolts (counts = 2^(bits-1)) */
	__le16 samples_per_packet; /* K: most records a packet carries */
	__le16 caps;             /* FP_USB_CAP_* */
} __attribute__((packed));

#define FP_USB_CAL_MAGIC 0x4c414346u /* "FCAL" */

struct fp_usb_plate_cal {
	__le32 magic;            /* FP_USB_CAL_MAGIC */
	__u8 plate;
	__u8 channels;
	__le16 size;             /* sizeof(struct fp_usb_plate_cal) */
	__le32 matrix[6][8];     /* IEEE-754 float32 bit patterns, N/V and N·m/V */
	__le32 surface_h_mm;     /* float32 */
	__le32 origin_mm[2];     /* float32 */
	__le32 size_mm[2];       /* float32 width (x), length (y) */
	char cal_id[32];
} __attribute__((packed));

struct fp_usb_counters {
	__le32 packets_sent;
	__le32 samples_sent;
	__le32 overruns;         /* device FIFO overruns (events) */
	__le32 overrun_samples;  /* samples lost inside the device by overruns */
} __attribute__((packed));

#define FP_USB_PKT_MAGIC 0x544c5046u /* "FPLT" */

/* Packet flags. */
#define FP_USB_PKT_SATURATED  (1u << 0) /* a channel of a sample here hit full scale */
#define FP_USB_PKT_OVERRUN    (1u << 1) /* device FIFO overflowed before this packet */
#define FP_USB_PKT_EXT_CLOCK  (1u << 2) /* samples clocked by the external sync input */

/*
 * One bulk IN transfer carries exactly one packet: this header, then
 * n_samples records of { __le32 sync; __le32 counts[plates][channels]; }
 * (counts are two's-complement int32). crc32 is CRC-32/IEEE (as zlib's
 * crc32()) over the whole packet with the crc32 field set to 0. The host
 * drops (and counts) any packet whose magic, version, header_len, plates,
 * channels, n_samples, length, reserved field or CRC do not check.
 * A packet always ends the transfer with a short USB packet: the device
 * sends a zero-length packet after one whose length is a multiple of the
 * endpoint's wMaxPacketSize (the emulator instead picks K so that never
 * happens). seq and first_sample let the host see lost packets: see
 * docs/protocol.md "Sequence gaps".
 */
struct fp_usb_pkt_hdr {
	__le32 magic;            /* FP_USB_PKT_MAGIC */
	__u8 version;            /* FP_USB_PROTO_VERSION */
	__u8 header_len;         /* sizeof(struct fp_usb_pkt_hdr) */
	__u8 plates;
	__u8 channels;
	__le32 seq;              /* +1 per packet, wraps */
	__le32 flags;            /* FP_USB_PKT_* */
	__le64 first_sample;     /* device sample index of the first record (0 at START) */
	__le16 n_samples;        /* K records follow */
	__le16 reserved;         /* 0 */
	__le32 crc32;
} __attribute__((packed));

#define FP_USB_PKT_HDR_SIZE 32
#define FP_USB_RECORD_SIZE(plates, channels) (4u + 4u * (plates) * (channels))
#define FP_USB_PKT_SIZE(k, plates, channels) \
	(FP_USB_PKT_HDR_SIZE + (k) * FP_USB_RECORD_SIZE(plates, channels))
#define FP_USB_PKT_MAX 4096

#ifdef __cplusplus
#define FP_USB_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define FP_USB_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
FP_USB_STATIC_ASSERT(sizeof(struct fp_usb_pkt_hdr) == FP_USB_PKT_HDR_SIZE, "pkt hdr");
FP_USB_STATIC_ASSERT(sizeof(struct fp_usb_info) == 108, "info");
FP_USB_STATIC_ASSERT(sizeof(struct fp_usb_plate_cal) == 252, "cal");

#endif /* FPLATE_USB_PROTO_H */
