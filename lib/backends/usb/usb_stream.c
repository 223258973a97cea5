// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * usb_stream.c - usb:// streaming: several bulk IN transfers in flight,
 * each completed packet validated (lib/amp/usb_proto.c), checked for sequence
 * gaps and queued as samples for fp_read(); unplug and replug.
 *
 * Everything happens inside fp_read()/fp_start()/fp_stop() in the caller's
 * thread: libusb calls our completion and hotplug callbacks from
 * libusb_handle_events_timeout_completed(). A callback never makes a
 * synchronous libusb call; it records what happened (device gone, endpoint
 * stalled) and the read loop acts on it.
 *
 * Unplug: a transfer completes with NO_DEVICE (or the hotplug callback
 * says the device left). fp_read() tears the handle down and returns
 * -ENODEV once; later calls look for the device again, at once on a libusb
 * hotplug arrival (these need udevd) and every rescan_ms (250 ms; 0 = only
 * on arrivals), each time with a fresh libusb context, because without
 * udevd libusb's own device list never learns of new devices. When
 * it is back it is configured as before, restarted, and the first block
 * carries FP_BLK_GAP | FP_BLK_RESUMED; the sample index jumps by the
 * outage's length at the nominal rate (counted in lost_samples;
 * lib/amp/replug.c, shared with kmod://). Only the device opened first
 * comes back: without serial= its serial is pinned at the first open, and
 * another amplifier found meanwhile is refused with a message naming both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util_int.h"
#include "usb_int.h"
#include "replug.h"

#define BLK_BREAK (FP_BLK_GAP | FP_BLK_RESUMED | FP_BLK_OVERRUN)

/* ---- the sample queue --------------------------------------------------- */

int usb_ring_alloc(struct usb_ring *r, uint32_t cap, uint32_t nc)
{
	memset(r, 0, sizeof(*r));
	r->counts = calloc((size_t)cap * nc, sizeof(*r->counts));
	r->sync = calloc(cap, sizeof(*r->sync));
	r->index = calloc(cap, sizeof(*r->index));
	r->t_ns = calloc(cap, sizeof(*r->t_ns));
	r->flags = calloc(cap, sizeof(*r->flags));
	if (!r->counts || !r->sync || !r->index || !r->t_ns || !r->flags) {
		usb_ring_free(r);
		return -ENOMEM;
	}
	r->cap = cap;
	r->nc = nc;
	return 0;
}

void usb_ring_free(struct usb_ring *r)
{
	free(r->counts);
	free(r->sync);
	free(r->index);
	free(r->t_ns);
	free(r->flags);
	memset(r, 0, sizeof(*r));
}

static void ring_push(struct usb_priv *p, uint64_t index, uint32_t sync,
		      const int32_t *counts, int64_t t_ns, uint8_t flags)
{
	struct usb_ring *r = &p->ring;
	uint32_t slot;

	if (r->count == r->cap) {
		/* The reader is far behind: lose the oldest, mark the new oldest. */
		r->head = (r->head + 1) % r->cap;
		r->count--;
		r->flags[r->head] |= FP_BLK_GAP | FP_BLK_OVERRUN;
		p->cnt.overruns++;
		p->cnt.lost_samples++;
	}
	slot = (r->head + r->count) % r->cap;
	r->index[slot] = index;
	r->sync[slot] = sync;
	r->t_ns[slot] = t_ns;
	r->flags[slot] = flags;
	memcpy(&r->counts[(size_t)slot * r->nc], counts, r->nc * sizeof(*counts));
	r->count++;
}

/* Move up to blk->capacity contiguous samples into blk. */
static int deliver(struct usb_priv *p, struct fp_block *blk)
{
	struct usb_ring *r = &p->ring;
	uint32_t n = 0, nc = r->nc;

	blk->first_sample = r->index[r->head];
	blk->flags = r->flags[r->head] & BLK_BREAK;
	while (n < blk->capacity && r->count) {
		uint32_t h = r->head;

		if (n && ((r->flags[h] & BLK_BREAK) || r->index[h] != blk->first_sample + n))
			break; /* a gap starts a new block */
		for (uint32_t k = 0; k < nc; k++)
			blk->raw[(size_t)n * nc + k] = r->counts[(size_t)h * nc + k];
		blk->sync[n] = r->sync[h];
		blk->flags |= r->flags[h] & FP_BLK_SATURATED;
		blk->t_host_ns = r->t_ns[h];
		r->head = (h + 1) % r->cap;
		r->count--;
		n++;
	}
	blk->n = n;
	p->cnt.samples += n;
	return (int)n;
}

/* ---- packets -------------------------------------------------------------- */

static void handle_packet(struct usb_priv *p, const uint8_t *buf, int len)
{
	const struct fp_info *info = &p->dev->info;
	struct fp_usb_pkt_view v;
	struct fp_usb_seq_result res;
	int32_t counts[FP_MAX_PLATES * FP_MAX_CHANNELS];
	uint32_t flags, sync;
	int64_t t = fp_clock_ns(CLOCK_REALTIME);
	int err;

	p->cnt.packets++;
	err = fp_usb_pkt_parse(buf, (size_t)len, info->plates, info->channels, p->k_max, &v);
	if (err) {
		/* Counted and dropped; the next good packet's seq shows the gap. */
		p->cnt.malformed++;
		fp_dev_err(p->dev, -EPROTO, "usb://: dropped a malformed packet (%d bytes): %s",
			   len, fp_usb_pkt_strerror(err));
		return;
	}
	fp_usb_seq_check(&p->seq, &v, &res);
	flags = p->pending_flags;
	switch (res.verdict) {
	case FP_USB_SEQ_STALE:
		p->cnt.malformed++;
		return;
	case FP_USB_SEQ_RESTART:
		/* The device restarted its clock: keep the host index going. */
		p->offset = p->next_index - v.first_sample;
		flags |= FP_BLK_GAP;
		p->cnt.gaps++;
		break;
	case FP_USB_SEQ_RESYNC:
		/*
		 * The device's index moved and stayed (a clock restart whose
		 * packet 0 was lost, a firmware jump): the host index goes on
		 * past the dropped run, and RESUMED restarts the time fit.
		 */
		p->offset = p->next_index + res.lost_samples - v.first_sample;
		flags |= FP_BLK_GAP | FP_BLK_RESUMED;
		p->cnt.gaps++;
		p->cnt.lost_samples += res.lost_samples;
		break;
	case FP_USB_SEQ_GAP:
		/* seq jumped past a dropped repeat: a gap event, but no sample
		 * is missing, so no GAP flag (as fplate.ko) */
		p->cnt.gaps++;
		p->cnt.lost_samples += res.lost_samples;
		if (res.lost_samples)
			flags |= FP_BLK_GAP;
		break;
	case FP_USB_SEQ_IN_ORDER:
		break;
	}
	if (v.flags & FP_USB_PKT_OVERRUN) {
		flags |= FP_BLK_OVERRUN | FP_BLK_GAP;
		p->cnt.overruns++;
	}
	for (uint32_t i = 0; i < v.n_samples; i++) {
		uint32_t f = (i == 0 ? flags : 0) |
			     ((v.flags & FP_USB_PKT_SATURATED) ? FP_BLK_SATURATED : 0);

		fp_usb_pkt_record(&v, i, &sync, counts);
		ring_push(p, v.first_sample + i + p->offset, sync, counts, t, (uint8_t)f);
	}
	p->pending_flags = 0;
	p->next_index = v.first_sample + v.n_samples + p->offset;
}

static int xfer_slot(struct usb_priv *p, const struct libusb_transfer *t)
{
	for (unsigned i = 0; i < p->n_xfers; i++)
		if (p->xfer[i] == t)
			return (int)i;
	return -1;
}

static int submit(struct usb_priv *p, struct libusb_transfer *t)
{
	int slot = xfer_slot(p, t), r = libusb_submit_transfer(t);

	if (r == 0) {
		p->inflight++;
		if (slot >= 0)
			p->busy[slot] = 1;
	} else if (r == LIBUSB_ERROR_NO_DEVICE) {
		p->gone = 1;
	}
	return r;
}

static void LIBUSB_CALL xfer_done(struct libusb_transfer *t)
{
	struct usb_priv *p = t->user_data;
	int slot = xfer_slot(p, t);

	p->inflight--;
	if (slot >= 0)
		p->busy[slot] = 0;
	switch (t->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		handle_packet(p, t->buffer, t->actual_length);
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:
		p->gone = 1;
		return;
	case LIBUSB_TRANSFER_STALL:
		p->need_clear_halt = 1; /* resubmitted after CLEAR_FEATURE(HALT) */
		return;
	case LIBUSB_TRANSFER_OVERFLOW:
		p->cnt.malformed++; /* more than a packet can be */
		break;
	case LIBUSB_TRANSFER_CANCELLED:
		return;
	default: /* ERROR, TIMED_OUT: try again */
		break;
	}
	if (p->streaming && !p->gone && !p->clearing)
		submit(p, t);
}

int usb_hotplug_cb(libusb_context *ctx, libusb_device *d, libusb_hotplug_event ev, void *arg)
{
	struct usb_priv *p = arg;

	(void)ctx;
	if (ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
		p->arrived = USB_ARRIVAL_TRIES;
		p->next_rescan_ns = fp_clock_ns(CLOCK_MONOTONIC);
	}
	else if (p->h && libusb_get_device(p->h) == d)
		p->gone = 1;
	return 0; /* stay registered */
}

/* Arrivals and departures of our VID:PID wake the reader (when libusb has
 * hotplug; without udevd none arrive and the reader rescans instead). */
void usb_hotplug_register(struct usb_priv *p)
{
	if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
	    libusb_hotplug_register_callback(p->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
					     LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0, p->vid, p->pid,
					     LIBUSB_HOTPLUG_MATCH_ANY, usb_hotplug_cb, p,
					     &p->hotplug) == 0)
		p->have_hotplug = 1;
}

/* ---- transfers ---------------------------------------------------------- */

static void handle_events_ms(struct usb_priv *p, int64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (long)(ms % 1000) * 1000 };

	libusb_handle_events_timeout_completed(p->ctx, &tv, NULL);
}

/* Cancel every transfer, wait for them, free them. */
static void drop_transfers(struct usb_priv *p)
{
	if (!p->ctx)
		return; /* a failed rescan left no context; nothing can be in flight */
	for (unsigned i = 0; i < p->n_xfers; i++)
		if (p->xfer[i] && p->busy[i])
			libusb_cancel_transfer(p->xfer[i]);
	for (int tries = 0; p->inflight && tries < 200; tries++)
		handle_events_ms(p, 10);
	for (unsigned i = 0; i < p->n_xfers; i++) {
		if (!p->xfer[i])
			continue;
		if (p->busy[i]) {
			/* libusb still owns it: leaking is safer than freeing. */
			fp_dev_err(p->dev, -EIO, "usb://: a transfer did not finish after cancel");
			continue;
		}
		free(p->xfer[i]->buffer);
		libusb_free_transfer(p->xfer[i]);
		p->xfer[i] = NULL;
	}
	p->inflight = 0;
}

static int alloc_transfers(struct usb_priv *p)
{
	for (unsigned i = 0; i < p->n_xfers; i++) {
		uint8_t *buf = malloc(FP_USB_PKT_MAX);

		p->xfer[i] = libusb_alloc_transfer(0);
		if (!buf || !p->xfer[i]) {
			free(buf);
			return -ENOMEM;
		}
		libusb_fill_bulk_transfer(p->xfer[i], p->h, p->ep_in, buf, FP_USB_PKT_MAX,
					  xfer_done, p, 0);
		p->busy[i] = 0;
	}
	return 0;
}

/* Submit the transfers and START the device (seq 0, sample 0). */
static int begin(struct usb_priv *p)
{
	int ret = alloc_transfers(p);

	fp_usb_seq_reset(&p->seq);
	p->streaming = 1;
	for (unsigned i = 0; !ret && i < p->n_xfers; i++)
		if (submit(p, p->xfer[i]))
			ret = p->gone ? -ENODEV : -EIO;
	if (!ret)
		ret = usb_ctrl_out(p, FP_USB_REQ_START, 0);
	if (ret) {
		p->streaming = 0;
		drop_transfers(p);
		return fp_dev_err(p->dev, ret, "usb://: starting the stream failed: %s",
				  fp_strerror(ret));
	}
	return 0;
}

/*
 * The device halted its endpoint (docs/protocol.md: it keeps its FIFO). The
 * halt is cleared with no transfer on the endpoint: one still queued while
 * CLEAR_FEATURE resets the data toggle could lose a packet to a toggle
 * mismatch. So cancel and reap every transfer (a packet that completes
 * meanwhile is kept), clear the halt, and only then resubmit them all.
 */
static int clear_stall(struct usb_priv *p)
{
	int r;

	p->clearing = 1;
	for (unsigned i = 0; i < p->n_xfers; i++)
		if (p->xfer[i] && p->busy[i])
			libusb_cancel_transfer(p->xfer[i]);
	for (int tries = 0; p->inflight && tries < 200; tries++)
		handle_events_ms(p, 10);
	p->clearing = 0;
	p->need_clear_halt = 0;
	if (p->gone)
		return 0;
	if (p->inflight)
		return fp_dev_err(p->dev, -EIO,
				  "usb://: %u transfers did not finish after cancel; cannot clear the stall",
				  p->inflight);
	r = libusb_clear_halt(p->h, p->ep_in);
	if (r == LIBUSB_ERROR_NO_DEVICE) {
		p->gone = 1;
		return 0;
	}
	if (r)
		return fp_dev_err(p->dev, -EIO, "usb://: cannot clear the stalled endpoint 0x%02x: %s",
				  p->ep_in, libusb_error_name(r));
	for (unsigned i = 0; i < p->n_xfers; i++)
		if (p->xfer[i] && !p->busy[i] && submit(p, p->xfer[i]) && !p->gone)
			return fp_dev_err(p->dev, -EIO, "usb://: resubmitting after a stall failed");
	return 0;
}

/* ---- unplug and replug -------------------------------------------------- */

static void went_away(struct usb_priv *p)
{
	int streaming = p->streaming;

	p->streaming = 0;
	drop_transfers(p);
	p->streaming = streaming; /* resume after replug */
	usb_disconnect(p);
	p->gone_since_ns = fp_clock_ns(CLOCK_MONOTONIC);
	p->next_rescan_ns = p->rescan_ms ? p->gone_since_ns : INT64_MAX;
	p->arrived = 0;
	p->cnt.disconnects++;
}

/* While unplugged: the same words on every retry (a reader such as
 * fplated logs a message once, and again only when it changes). */
static int gone_msg(struct usb_priv *p)
{
	if (p->other_serial[0] && !fp_replug_same("usb://", p->pin_serial, p->other_serial,
						  p->dev->msg, sizeof(p->dev->msg)))
		return -ENODEV;
	return fp_dev_err(p->dev, -ENODEV,
			  "usb://: device %s was unplugged; waiting for it to come back",
			  p->pin_serial[0] ? p->pin_serial : p->dev->info.serial);
}

static int try_reconnect(struct usb_priv *p)
{
	struct fp_info old = p->dev->info;
	int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
	uint64_t lost, next_index = p->next_index, offset = p->offset;
	int ret;

	/* If this attempt fails: the next one. */
	if (p->arrived) {
		p->arrived--;
		p->next_rescan_ns = now + USB_RESCAN_MS * 1000000LL;
	} else {
		p->next_rescan_ns = p->rescan_ms ? now + p->rescan_ms * 1000000LL : INT64_MAX;
	}
	/* A fresh context rescans sysfs; the old one may never see the device. */
	if (p->have_hotplug)
		libusb_hotplug_deregister_callback(p->ctx, p->hotplug);
	p->have_hotplug = 0;
	libusb_exit(p->ctx);
	p->ctx = NULL;
	if (libusb_init(&p->ctx)) {
		p->ctx = NULL;
		return -ENODEV;
	}
	usb_hotplug_register(p);
	ret = usb_connect(p, 1);
	if (ret == -ENODEV)
		gone_msg(p);
	if (ret)
		return ret;
	if (!fp_replug_same_layout("usb://", &old, &p->dev->info, p->dev->msg,
				   sizeof(p->dev->msg))) {
		p->dev->info = old;
		usb_disconnect(p);
		p->gone = 1;  /* usb_connect() cleared it: still waiting for ours */
		return -ENODEV;
	}
	/*
	 * The device restarts at sample 0; the host index skips the outage.
	 * Placed before START (packets may complete inside the control
	 * transfer), but counted only once START worked: an attempt that
	 * fails leaves the index where the outage began, so the next one
	 * skips the whole outage once (as kmod:// does).
	 */
	lost = fp_replug_resume(next_index, p->gone_since_ns, now, old.rate_hz, &p->offset);
	p->next_index = p->offset;
	p->pending_flags = FP_BLK_GAP | FP_BLK_RESUMED;
	p->gone = 0;
	p->arrived = 0;
	if (p->streaming) {
		p->streaming = 0;
		ret = begin(p);
		if (ret) {
			p->gone = 1;
			p->streaming = 1;
			p->next_index = next_index;
			p->offset = offset;
			usb_disconnect(p);
			return ret;  /* still the same outage: not reported again */
		}
	}
	p->gone_reported = 0;
	p->cnt.lost_samples += lost;
	p->cnt.gaps++;
	return 0;
}

/* ---- the stream ops ----------------------------------------------------- */

int usb_stream_start(struct usb_priv *p)
{
	if (p->gone || !p->h) {
		if (p->h)
			went_away(p);
		if (!p->ctx || try_reconnect(p))
			return fp_dev_err(p->dev, -ENODEV, "usb://: device is unplugged");
	}
	p->offset = 0;
	p->next_index = 0;
	p->pending_flags = 0;
	p->ring.head = p->ring.count = 0;
	return begin(p);
}

void usb_stream_stop(struct usb_priv *p, int send_stop)
{
	int was = p->streaming;

	p->streaming = 0;
	if (was && send_stop && p->h && !p->gone)
		usb_ctrl_out(p, FP_USB_REQ_STOP, 0);
	drop_transfers(p);
	p->ring.head = p->ring.count = 0;
}

int usb_stream_read(struct usb_priv *p, struct fp_block *blk, int timeout_ms)
{
	int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now + (int64_t)timeout_ms * 1000000;

	for (;;) {
		int64_t wait_ms;

		if (p->ring.count)
			return deliver(p, blk);
		if (p->gone) {
			if (p->h)
				went_away(p);
			if (!p->gone_reported) {
				p->gone_reported = 1;
				p->other_serial[0] = '\0';
				return gone_msg(p);
			}
			if (now >= p->next_rescan_ns)
				try_reconnect(p);
			if (!p->ctx)
				return -ENODEV;
			if (!p->gone)
				continue;
		} else if (p->need_clear_halt) {
			int ret = clear_stall(p);

			if (ret)
				return ret;
		} else if (!p->inflight) {
			return fp_dev_err(p->dev, -EIO, "usb://: no transfer could be submitted");
		}
		now = fp_clock_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			return p->gone ? -ENODEV : 0;
		wait_ms = (deadline - now) / 1000000 + 1;
		if (p->gone && wait_ms > (p->next_rescan_ns - now) / 1000000 + 1)
			wait_ms = (p->next_rescan_ns - now) / 1000000 + 1;
		if (wait_ms > 200)
			wait_ms = 200;
		handle_events_ms(p, wait_ms);
		now = fp_clock_ns(CLOCK_MONOTONIC);
	}
}
