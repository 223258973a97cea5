/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb_priv.h - state of the usb:// backend (internal to lib/usb*.c).
 *
 * lib/backends/usb/usb.c holds the ops table, opening, control requests, calibration
 * and enumeration; lib/backends/usb/usb_stream.c the bulk transfers, the sample queue,
 * sequence accounting and unplug/replug. Everything runs in the thread
 * that calls fp_read()/fp_start()/fp_stop(): libusb events (transfer
 * completions and hotplug callbacks) are handled inside those calls, so
 * there is no lock and no thread of our own.
 */
#ifndef FPLATE_LIB_USB_PRIV_H
#define FPLATE_LIB_USB_PRIV_H

#include <libusb.h>
#include <stdint.h>

#include "backend.h"
#include "usb_parse.h"

#define USB_MAX_XFERS     32
#define USB_RESCAN_MS     250  /* default rescan period while unplugged (rescan_ms=) */
#define USB_ARRIVAL_TRIES 4    /* attempts, USB_RESCAN_MS apart, after a hotplug arrival */

/* Decoded samples waiting for fp_read(). Owned by struct usb_priv. */
struct usb_ring {
	uint32_t cap, head, count;  /* head: oldest sample */
	uint32_t nc;                /* plates * channels */
	int32_t *counts;            /* [cap][nc] */
	uint32_t *sync;             /* [cap] */
	uint64_t *index;            /* [cap] host sample index */
	int64_t *t_ns;              /* [cap] CLOCK_REALTIME of the packet's arrival */
	uint8_t *flags;             /* [cap] FP_BLK_* that start at this sample */
};

struct usb_priv {
	struct fp_device *dev;                  /* back pointer, not owned */
	libusb_context *ctx;                    /* owned */
	libusb_device_handle *h;                /* owned; NULL while unplugged */
	libusb_hotplug_callback_handle hotplug;
	int have_hotplug;

	/* What to open (from the URI). */
	char want_serial[64];
	char pin_serial[64];                    /* serial of the device opened first */
	char found_serial[64];                  /* iSerialNumber of the device opened */
	char other_serial[64];                  /* last rescan: another device's serial, or "" */
	uint16_t vid, pid;
	int detach;                             /* detach a bound kernel driver */
	long rate_req;                          /* 0: keep the device's rate */
	int clock_req;                          /* -1: keep, else enum fp_usb_clock */
	unsigned n_xfers;
	long rescan_ms;                         /* 0: only on hotplug arrivals */

	/* The opened device. */
	uint8_t iface, ep_in;
	uint16_t mps;
	int claimed, detached;
	struct fp_usb_info uinfo;               /* host byte order where numeric */
	uint32_t k_max;
	struct fp_calib cal;
	int have_cal;

	/* Streaming. */
	struct libusb_transfer *xfer[USB_MAX_XFERS];  /* owned, with their buffers */
	uint8_t busy[USB_MAX_XFERS];            /* submitted, not completed */
	unsigned inflight;                      /* transfers submitted, not completed */
	int streaming;
	struct fp_usb_seq seq;
	uint64_t offset;                        /* host index = device index + offset */
	uint64_t next_index;                    /* host index of the next sample expected */
	uint32_t pending_flags;                 /* FP_BLK_* for the next sample queued */
	struct usb_ring ring;

	/* Unplug / replug. */
	int gone, gone_reported, need_clear_halt;
	int clearing;               /* reaping transfers to clear a halt: no resubmit */
	int arrived;                            /* connect attempts left after an arrival */
	int64_t gone_since_ns, next_rescan_ns;
	struct fp_counters cnt;
};

/* lib/backends/usb/usb.c */
int usb_connect(struct usb_priv *p, int quiet);
void usb_disconnect(struct usb_priv *p);
int usb_ctrl_out(struct usb_priv *p, uint8_t req, uint16_t value);

/* lib/backends/usb/usb_stream.c */
int usb_stream_start(struct usb_priv *p);
void usb_stream_stop(struct usb_priv *p, int send_stop);
int usb_stream_read(struct usb_priv *p, struct fp_block *blk, int timeout_ms);
int usb_ring_alloc(struct usb_ring *r, uint32_t cap, uint32_t nc);
void usb_ring_free(struct usb_ring *r);
int usb_hotplug_cb(libusb_context *ctx, libusb_device *d, libusb_hotplug_event ev,
		   void *arg);
void usb_hotplug_register(struct usb_priv *p);

#endif
