/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fplate.h - the libfplate device API.
 *
 * One API for every source of force-plate data: a device is opened from a
 * URI whose scheme picks a backend (sim://, c3d://, usb://, kmod://,
 * comedi://), then started, read block by block, stopped and closed.
 * Blocks carry raw channel values (ADC counts, volts or already-calibrated
 * forces, see enum fp_raw_unit) together with the device sample index, so
 * gaps are visible; calibration into forces, moments and COP is done by
 * calib.h, independent of the backend.
 *
 * Conventions for the whole library:
 *  - every function that can fail returns a negative errno (-EINVAL, -ENOMEM,
 *    -ENODEV, ...); fp_strerror() turns it into words;
 *  - functions that parse user input take (msg, msg_len) and write one line
 *    naming the offending field and value there (msg may be NULL);
 *  - no global state: two devices in two threads are independent; a single
 *    device must not be used from two threads at once;
 *  - ownership is stated at each function.
 */
#ifndef FPLATE_FPLATE_H
#define FPLATE_FPLATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FP_VERSION_STRING "0.1.0"

/* Limits shared by every backend. */
#define FP_MAX_PLATES   4   /* plates per device */
#define FP_MAX_CHANNELS 8   /* raw channels per plate (6, or 8 for Kistler) */
#define FP_URI_MAX      512
#define FP_MSG_MAX      256 /* size of message buffers that fit any message */

/* Unit of the raw values a backend delivers in struct fp_block. */
enum fp_raw_unit {
	FP_RAW_COUNTS = 0, /* signed ADC counts (usb, kmod, sim) */
	FP_RAW_VOLTS  = 1, /* amplifier output volts (comedi, c3d type 4) */
	FP_RAW_FM     = 2, /* Fx Fy Fz [N] Mx My Mz [N·m], plate frame (c3d 1/2/3) */
};

/* Static description of an opened device. Filled by fp_info(). */
struct fp_info {
	char backend[16];        /* scheme: "sim", "usb", ... */
	char uri[FP_URI_MAX];    /* as given to fp_open() */
	char model[64];
	char serial[64];
	char firmware[32];
	uint32_t plates;         /* 1..FP_MAX_PLATES */
	uint32_t channels;       /* raw channels per plate: 6 or 8 */
	double rate_hz;          /* samples per second per plate actually delivered */
	enum fp_raw_unit unit;
	uint32_t adc_bits;       /* FP_RAW_COUNTS: v = counts * full_scale_v / 2^(adc_bits-1) */
	double full_scale_v;
	int paced;               /* 1: samples arrive in real time; 0: as fast as read */
	int has_sync;            /* 1: the block's sync[] word is meaningful */
	int external_clock;      /* 1: sample clock slaved to an external sync input */
};

/* Block flags (struct fp_block.flags). */
#define FP_BLK_GAP       (1u << 0) /* samples were lost before first_sample */
#define FP_BLK_SATURATED (1u << 1) /* at least one channel hit full scale */
#define FP_BLK_OVERRUN   (1u << 2) /* the device or a driver ring overflowed */
#define FP_BLK_RESUMED   (1u << 3) /* first block after the device came back */

/*
 * A block of consecutive samples. Allocate with fp_block_init(), which sizes
 * raw[] and sync[] for the device; the caller owns the block and frees it
 * with fp_block_release(). fp_read() fills n samples starting at sample
 * index first_sample (0-based index of the device's sample clock since
 * start; contiguous unless FP_BLK_GAP is set).
 */
struct fp_block {
	uint32_t capacity;       /* samples raw[] and sync[] can hold */
	uint32_t n;              /* samples filled by fp_read() */
	uint32_t plates;
	uint32_t channels;       /* per plate */
	uint64_t first_sample;
	int64_t t_host_ns;       /* CLOCK_REALTIME when the last sample arrived */
	uint32_t flags;          /* FP_BLK_* */
	double belt_speed_mps;   /* NaN when the source does not know it */
	double *raw;             /* [capacity][plates][channels] */
	uint32_t *sync;          /* [capacity] digital sync/trigger input word */
};

/* Counters a backend keeps; fields it does not track stay 0. */
struct fp_counters {
	uint64_t samples;        /* samples delivered */
	uint64_t packets;        /* transport packets received */
	uint64_t gaps;           /* gap events (sequence or sample-index jumps) */
	uint64_t lost_samples;   /* samples known to be missing */
	uint64_t malformed;      /* packets dropped as malformed */
	uint64_t overruns;       /* device or driver ring overruns */
	uint64_t disconnects;    /* times the device went away */
};

struct fp_device; /* opaque */
struct fp_calib;  /* calib.h */

/*
 * Open a device from a URI (see docs/architecture.md for every scheme).
 * On success *out owns the device; release it with fp_close().
 * Errors: -EPROTONOSUPPORT unknown scheme, -EINVAL bad parameter or value,
 * -ENOENT/-ENODEV no such device, -EACCES, -ENOMEM. On error msg names
 * the parameter and value.
 */
int fp_open(const char *uri, struct fp_device **out, char *msg, size_t msg_len);
void fp_close(struct fp_device *dev);

int fp_info(const struct fp_device *dev, struct fp_info *info);
int fp_start(struct fp_device *dev);
int fp_stop(struct fp_device *dev);

/*
 * Read the next samples into blk (at most blk->capacity). Returns the
 * number of samples (> 0), 0 on timeout (timeout_ms < 0 waits forever),
 * -ENODEV when the device went away (it may come back: read again),
 * -EPIPE at the end of a finite source, other negative errno on error.
 */
int fp_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms);

/*
 * The calibration stored in the device (sim, usb, kmod) or the file (c3d).
 * -ENOENT when the device stores none. cal is filled by value.
 */
int fp_get_calibration(struct fp_device *dev, struct fp_calib *cal);

int fp_get_counters(struct fp_device *dev, struct fp_counters *c);

/*
 * Change a run-time parameter of the source (for example "speed" of the
 * simulated treadmill, "belt_speed"). -ENOTSUP when the backend has no
 * such parameter, -EINVAL with msg for a bad value.
 */
int fp_set(struct fp_device *dev, const char *key, const char *value,
	   char *msg, size_t msg_len);

/* Last detailed error message of a device ("" if none). Owned by dev. */
const char *fp_device_message(const struct fp_device *dev);

int fp_block_init(struct fp_block *blk, const struct fp_info *info,
		  uint32_t capacity);
void fp_block_release(struct fp_block *blk);

/* Words for a negative errno returned by this library. Never NULL. */
const char *fp_strerror(int err);

/*
 * Enumerate devices of every backend that can enumerate (usb, kmod,
 * comedi). cb is called once per device with a URI that fp_open()
 * accepts and a one-line description. Returns the count or negative errno.
 */
typedef void (*fp_list_cb)(const char *uri, const char *description, void *arg);
int fp_list(fp_list_cb cb, void *arg);

/* The i-th registered URI scheme (NULL past the last) and its one-line help. */
const char *fp_scheme_at(unsigned int i);
const char *fp_scheme_help(const char *scheme);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_FPLATE_H */
