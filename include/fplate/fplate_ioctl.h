/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * fplate_ioctl.h - the /dev/fplateN ABI of the fplate.ko kernel module.
 *
 * Shared by kernel/fplate_*.c and userspace (lib/backends/kmod/kmod.c, tests). The prose
 * description, with errors and lifetime rules, is docs/kernel.md.
 *
 * read() returns whole records of struct fplate_record followed by
 * plates * channels signed ADC counts; the record size of a device is
 * fplate_info.record_size. All fields are in host byte order.
 *
 * Versioning: FPLATE_ABI_VERSION is bumped on any incompatible change, and
 * every structure's size is encoded in its ioctl number, so a program built
 * against another layout gets -ENOTTY rather than garbage.
 */
#ifndef FPLATE_FPLATE_IOCTL_H
#define FPLATE_FPLATE_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include "usb_proto.h"

#define FPLATE_ABI_VERSION 1

/* Record flags (struct fplate_record.flags). */
#define FPLATE_REC_GAP        (1u << 0) /* samples before this one were lost (see counters) */
#define FPLATE_REC_SATURATED  (1u << 1) /* the device flagged full scale in this packet */
#define FPLATE_REC_DEV_OVERRUN (1u << 2) /* the device's FIFO overflowed before it */
#define FPLATE_REC_RING_OVERRUN (1u << 3) /* the kernel ring was full before it */
#define FPLATE_REC_EXT_CLOCK  (1u << 4) /* clocked by the external sync input */
#define FPLATE_REC_RESYNC     (1u << 5) /* the device's index moved and stayed: the
					 * record index goes on, the time base restarts */

/*
 * One sample of every plate. Followed in the read() buffer by
 * __s32 counts[plates][channels]; sizeof header + 4 * plates * channels
 * = fplate_info.record_size.
 */
struct fplate_record {
	__u64 sample;    /* device sample index since START (0-based) */
	__u32 flags;     /* FPLATE_REC_* */
	__u32 sync;      /* digital sync/trigger input word */
	/* __s32 counts[plates * channels]; */
};

#define FPLATE_RECORD_SIZE(plates, channels) \
	(sizeof(struct fplate_record) + 4u * (plates) * (channels))

struct fplate_info {
	__u32 abi_version;        /* FPLATE_ABI_VERSION */
	__u32 record_size;        /* bytes per record returned by read() */
	__u32 plates;             /* 1..4 */
	__u32 channels;           /* per plate: 6 or 8 */
	__u32 adc_bits;           /* counts * full_scale_uv / 2^(adc_bits-1) = microvolts */
	__u32 clock;              /* enum fp_usb_clock */
	__u32 rate_hz;            /* samples/s per plate */
	__u32 max_rate_hz;
	__u32 full_scale_uv;
	__u32 samples_per_packet;
	__u32 ring_records;       /* capacity of the kernel ring, records */
	__u32 streaming;          /* 1 between START and STOP */
	char serial[32];          /* NUL-terminated */
	char firmware[16];
	char model[32];
};

/* In: plate (0-based), reserved = 0. Out: the device's calibration record. */
struct fplate_calib {
	__u32 plate;
	__u32 reserved;
	struct fp_usb_plate_cal cal; /* exactly as on the wire: little-endian */
};

struct fplate_counters {
	__u64 packets;            /* valid packets received */
	__u64 samples;            /* samples in those packets */
	__u64 ring_overruns;      /* times the ring was full when a packet came */
	__u64 overrun_samples;    /* samples dropped because the ring was full */
	__u64 seq_gaps;           /* packet sequence number jumps */
	__u64 lost_samples;       /* samples missing by sample index (device or bus) */
	__u64 malformed;          /* packets dropped: magic/version/length/CRC/layout */
	__u64 stale;              /* packets of a previous run dropped after START */
	__u64 dev_overruns;       /* packets flagged FP_USB_PKT_OVERRUN by the device */
	__u64 urb_errors;         /* bulk transfers that completed with an error */
};

#define FPLATE_IOC_MAGIC 0xF9

#define FPLATE_IOC_GET_VERSION    _IOR(FPLATE_IOC_MAGIC, 0, __u32)
#define FPLATE_IOC_GET_INFO       _IOR(FPLATE_IOC_MAGIC, 1, struct fplate_info)
#define FPLATE_IOC_GET_CALIB      _IOWR(FPLATE_IOC_MAGIC, 2, struct fplate_calib)
#define FPLATE_IOC_SET_RATE       _IOW(FPLATE_IOC_MAGIC, 3, __u32)
#define FPLATE_IOC_START          _IO(FPLATE_IOC_MAGIC, 4)
#define FPLATE_IOC_STOP           _IO(FPLATE_IOC_MAGIC, 5)
#define FPLATE_IOC_ZERO           _IO(FPLATE_IOC_MAGIC, 6)
#define FPLATE_IOC_GET_COUNTERS   _IOR(FPLATE_IOC_MAGIC, 7, struct fplate_counters)
#define FPLATE_IOC_RESET_COUNTERS _IO(FPLATE_IOC_MAGIC, 8)

#ifdef __cplusplus
#define FPLATE_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define FPLATE_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
FPLATE_STATIC_ASSERT(sizeof(struct fplate_record) == 16, "record");
FPLATE_STATIC_ASSERT(sizeof(struct fplate_info) == 128, "info");
FPLATE_STATIC_ASSERT(sizeof(struct fplate_calib) == 260, "calib");
FPLATE_STATIC_ASSERT(sizeof(struct fplate_counters) == 80, "counters");

#endif /* FPLATE_FPLATE_IOCTL_H */
