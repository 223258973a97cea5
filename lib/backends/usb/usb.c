// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * usb.c - the usb:// backend: an fplate USB amplifier driven through
 * libusb-1.0, without any kernel module of ours (docs/protocol.md).
 *
 *   usb://                      the first fplate amplifier found
 *   usb://?serial=FP00123       the one with this serial number
 *   usb://?vid=0x1209&pid=0xf9a7&rate=1000&clock=external&detach=1&transfers=8
 *   usb://?serial=FP00123&rescan_ms=0   replug found by hotplug events only
 *   fp_set(dev, "hw_zero", "1")  the amplifier's hardware zero
 *
 * This file: URI, finding and opening the device (claim, optional kernel
 * driver detach), the control requests, device info and the stored
 * calibration, and enumeration for fp_list(). Streaming, unplug and replug
 * are in usb_stream.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util_int.h"
#include "usb_int.h"
#include "usb_cal.h"
#include "replug.h"

static int usb_errno(int lerr)
{
	switch (lerr) {
	case LIBUSB_ERROR_IO:            return -EIO;
	case LIBUSB_ERROR_INVALID_PARAM: return -EINVAL;
	case LIBUSB_ERROR_ACCESS:        return -EACCES;
	case LIBUSB_ERROR_NO_DEVICE:     return -ENODEV;
	case LIBUSB_ERROR_NOT_FOUND:     return -ENOENT;
	case LIBUSB_ERROR_BUSY:          return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT:       return -ETIMEDOUT;
	case LIBUSB_ERROR_OVERFLOW:      return -EPROTO;
	case LIBUSB_ERROR_PIPE:          return -EPROTO; /* the device stalled: refused */
	case LIBUSB_ERROR_INTERRUPTED:   return -EINTR;
	case LIBUSB_ERROR_NO_MEM:        return -ENOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return -ENOTSUP;
	default:                         return -EIO;
	}
}

/* ---- control requests ----------------------------------------------------- */

int usb_ctrl_out(struct usb_priv *p, uint8_t req, uint16_t value)
{
	int r = libusb_control_transfer(p->h, FP_USB_REQTYPE_OUT, req, value, p->iface,
					NULL, 0, FP_USB_CTRL_TIMEOUT_MS);

	if (r == LIBUSB_ERROR_NO_DEVICE)
		p->gone = 1;
	return r < 0 ? usb_errno(r) : 0;
}

static int ctrl_in(struct usb_priv *p, uint8_t req, uint16_t value, void *buf, uint16_t len)
{
	int r = libusb_control_transfer(p->h, FP_USB_REQTYPE_IN, req, value, p->iface,
					buf, len, FP_USB_CTRL_TIMEOUT_MS);

	if (r == LIBUSB_ERROR_NO_DEVICE)
		p->gone = 1;
	if (r < 0)
		return usb_errno(r);
	return r == len ? 0 : -EPROTO;
}

static int str_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* GET_INFO, checked field by field: nothing from the device is trusted. */
static int read_info(struct usb_priv *p)
{
	struct fp_device *dev = p->dev;
	struct fp_usb_info in;
	int ret = ctrl_in(p, FP_USB_REQ_GET_INFO, 0, &in, sizeof(in));

	if (ret)
		return fp_dev_err(dev, ret, "usb://: GET_INFO request failed: %s", fp_strerror(ret));
	if (le32toh(in.magic) != FP_USB_INFO_MAGIC || le16toh(in.size) != sizeof(in))
		return fp_dev_err(dev, -EPROTO, "usb://: GET_INFO: bad magic 0x%08x or size %u",
				  le32toh(in.magic), le16toh(in.size));
	if (le16toh(in.proto_version) != FP_USB_PROTO_VERSION)
		return fp_dev_err(dev, -EPROTONOSUPPORT,
				  "usb://: device speaks protocol version %u, this library %u",
				  le16toh(in.proto_version), FP_USB_PROTO_VERSION);
	if (!str_ok(in.serial, sizeof(in.serial)) || !str_ok(in.firmware, sizeof(in.firmware)) ||
	    !str_ok(in.model, sizeof(in.model)))
		return fp_dev_err(dev, -EPROTO, "usb://: GET_INFO: unterminated string");
	if (in.plates < 1 || in.plates > FP_MAX_PLATES || (in.channels != 6 && in.channels != 8) ||
	    in.adc_bits < 16 || in.adc_bits > 32 || in.clock > FP_USB_CLOCK_EXTERNAL ||
	    le32toh(in.rate_hz) == 0 || le32toh(in.full_scale_uv) == 0 ||
	    le16toh(in.samples_per_packet) == 0 ||
	    FP_USB_PKT_SIZE(le16toh(in.samples_per_packet), in.plates, in.channels) > FP_USB_PKT_MAX)
		return fp_dev_err(dev, -EPROTO,
				  "usb://: GET_INFO: unsupported layout (%u plates, %u channels, %u bits, %u Hz, K=%u)",
				  in.plates, in.channels, in.adc_bits, le32toh(in.rate_hz),
				  le16toh(in.samples_per_packet));
	p->uinfo = in;
	p->k_max = le16toh(in.samples_per_packet);
	dev->info.plates = in.plates;
	dev->info.channels = in.channels;
	dev->info.rate_hz = le32toh(in.rate_hz);
	dev->info.unit = FP_RAW_COUNTS;
	dev->info.adc_bits = in.adc_bits;
	dev->info.full_scale_v = le32toh(in.full_scale_uv) * 1e-6;
	dev->info.paced = 1;
	dev->info.has_sync = (le16toh(in.caps) & FP_USB_CAP_SYNC_IN) ? 1 : 0;
	dev->info.external_clock = in.clock == FP_USB_CLOCK_EXTERNAL;
	snprintf(dev->info.model, sizeof(dev->info.model), "%s", in.model);
	snprintf(dev->info.serial, sizeof(dev->info.serial), "%s", in.serial);
	snprintf(dev->info.firmware, sizeof(dev->info.firmware), "%s", in.firmware);
	return 0;
}

/* GET_CALIB for every plate -> p->cal; a stall means "none stored". */
static void read_calibration(struct usb_priv *p)
{
	struct fp_info *info = &p->dev->info;
	struct fp_usb_plate_cal c;

	p->have_cal = 0;
	memset(&p->cal, 0, sizeof(p->cal));
	p->cal.version = FP_CALIB_VERSION;
	p->cal.plates = info->plates;
	for (uint32_t pl = 0; pl < info->plates; pl++) {
		if (ctrl_in(p, FP_USB_REQ_GET_CALIB, (uint16_t)pl, &c, sizeof(c)) ||
		    fp_usb_cal_decode(&c, pl, info->channels, info->adc_bits, info->full_scale_v,
				      &p->cal.plate[pl], NULL, 0))
			return;
		if (pl == 0)
			snprintf(p->cal.id, sizeof(p->cal.id), "%s", c.cal_id);
	}
	p->have_cal = 1;
}

/* ---- finding and opening ------------------------------------------------ */

/* The interface (vendor class, subclass 'F') and its bulk IN endpoint. */
static int find_endpoint(struct usb_priv *p, libusb_device *d)
{
	struct libusb_config_descriptor *cfg;
	int ret = -ENOENT;

	if (libusb_get_active_config_descriptor(d, &cfg))
		return -EIO;
	for (int i = 0; i < cfg->bNumInterfaces && ret; i++) {
		const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];

		if (id->bInterfaceClass != FP_USB_IFACE_CLASS ||
		    id->bInterfaceSubClass != FP_USB_IFACE_SUBCLASS)
			continue;
		for (int e = 0; e < id->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ed = &id->endpoint[e];

			if ((ed->bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
			    (ed->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK) {
				p->iface = id->bInterfaceNumber;
				p->ep_in = ed->bEndpointAddress;
				p->mps = ed->wMaxPacketSize;
				ret = 0;
				break;
			}
		}
	}
	libusb_free_config_descriptor(cfg);
	return ret;
}

/*
 * Does d match vid/pid and the serial asked for (serial=) or, after the
 * first open, pinned (lib/amp/replug.c)? Opens it to read the serial; the
 * serial of a device refused for it lands in p->other_serial.
 */
static int matches(struct usb_priv *p, libusb_device *d, libusb_device_handle **hout)
{
	struct libusb_device_descriptor dd;
	libusb_device_handle *h;
	char serial[64] = "";
	int r;

	*hout = NULL;
	if (libusb_get_device_descriptor(d, &dd) || dd.idVendor != p->vid ||
	    dd.idProduct != p->pid)
		return 0;
	r = libusb_open(d, &h);
	if (r)
		return usb_errno(r);
	if (dd.iSerialNumber)
		libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, (unsigned char *)serial,
						   sizeof(serial));
	if (p->want_serial[0] ? strcmp(serial, p->want_serial) :
	    !fp_replug_same("usb://", p->pin_serial, serial, NULL, 0)) {
		if (!p->want_serial[0])
			snprintf(p->other_serial, sizeof(p->other_serial), "%s", serial);
		libusb_close(h);
		return 0;
	}
	snprintf(p->found_serial, sizeof(p->found_serial), "%s", serial);
	*hout = h;
	return 1;
}

static int claim(struct usb_priv *p, int quiet)
{
	struct fp_device *dev = p->dev;
	int r;

	if (find_endpoint(p, libusb_get_device(p->h)))
		return quiet ? -ENODEV : fp_dev_err(dev, -ENODEV,
			"usb://: device %04x:%04x has no fplate interface with a bulk IN endpoint",
			p->vid, p->pid);
	r = libusb_kernel_driver_active(p->h, p->iface);
	if (r == 1) {
		if (!p->detach)
			return fp_dev_err(dev, -EBUSY,
				"usb://: interface %u is bound to a kernel driver (fplate.ko? use kmod://), add detach=1 to take it over",
				p->iface);
		r = libusb_detach_kernel_driver(p->h, p->iface);
		if (r)
			return fp_dev_err(dev, usb_errno(r), "usb://: detaching the kernel driver failed: %s",
					  libusb_strerror(r));
		p->detached = 1;
	}
	r = libusb_claim_interface(p->h, p->iface);
	if (r)
		return fp_dev_err(dev, usb_errno(r), "usb://: claiming interface %u failed: %s",
				  p->iface, libusb_strerror(r));
	p->claimed = 1;
	return 0;
}

/* Apply the URI's rate and clock, then (re)read the info. */
static int configure(struct usb_priv *p)
{
	int ret;

	usb_ctrl_out(p, FP_USB_REQ_STOP, 0);
	if (p->clock_req >= 0) {
		ret = usb_ctrl_out(p, FP_USB_REQ_SET_CLOCK, (uint16_t)p->clock_req);
		if (ret)
			return fp_dev_err(p->dev, ret, "usb://: the device refused clock=%s",
					  p->clock_req ? "external" : "internal");
	}
	if (p->rate_req > 0) {
		ret = usb_ctrl_out(p, FP_USB_REQ_SET_RATE, (uint16_t)p->rate_req);
		if (ret)
			return fp_dev_err(p->dev, ret, "usb://: the device refused rate=%ld (its maximum is %u Hz)",
					  p->rate_req, le32toh(p->uinfo.max_rate_hz));
	}
	return read_info(p);
}

/*
 * Find, open, claim and configure the device. 0 on success; on failure
 * nothing stays open. quiet: a rescan while unplugged (no message for
 * "not there yet").
 */
int usb_connect(struct usb_priv *p, int quiet)
{
	libusb_device **list;
	ssize_t n;
	int ret = -ENODEV, denied = 0;

	n = libusb_get_device_list(p->ctx, &list);
	if (n < 0)
		return usb_errno((int)n);
	p->other_serial[0] = '\0';
	for (ssize_t i = 0; i < n && !p->h; i++) {
		int m = matches(p, list[i], &p->h);

		if (m == -EACCES)
			denied = 1;
	}
	libusb_free_device_list(list, 1);
	if (!p->h) {
		if (quiet)
			return -ENODEV;
		if (denied)
			return fp_dev_err(p->dev, -EACCES,
				"usb://: an fplate device %04x:%04x is present but cannot be opened: permission denied (udev rule / group fplate?)",
				p->vid, p->pid);
		return fp_dev_err(p->dev, -ENODEV, "usb://: no fplate device %04x:%04x%s%s found",
				  p->vid, p->pid, p->want_serial[0] ? " with serial " : "",
				  p->want_serial);
	}
	p->gone = 0;
	ret = claim(p, quiet);
	if (!ret)
		ret = read_info(p);
	if (!ret)
		ret = configure(p);
	if (ret) {
		usb_disconnect(p);
		return ret;
	}
	read_calibration(p);
	/* usb:// without serial= takes the first device; only it comes back
	 * (its iSerialNumber, which matches() compares). */
	if (!p->pin_serial[0])
		snprintf(p->pin_serial, sizeof(p->pin_serial), "%s", p->found_serial);
	return 0;
}

void usb_disconnect(struct usb_priv *p)
{
	if (!p->h)
		return;
	if (p->claimed)
		libusb_release_interface(p->h, p->iface);
	if (p->detached && !p->gone)
		libusb_attach_kernel_driver(p->h, p->iface);
	p->claimed = p->detached = 0;
	libusb_close(p->h);
	p->h = NULL;
}

/* ---- the ops ------------------------------------------------------------ */

static const char *const usb_keys[] = {
	"serial", "vid", "pid", "rate", "clock", "detach", "transfers", "rescan_ms", NULL
};

static int parse_id(struct fp_device *dev, const struct fp_uri *uri, const char *key,
		    uint16_t def, uint16_t *out)
{
	const char *s = fp_uri_get(uri, key);
	char *end;
	unsigned long v;

	*out = def;
	if (!s)
		return 0;
	v = strtoul(s, &end, 0);
	if (!*s || *end || v > 0xffff)
		return fp_dev_err(dev, -EINVAL,
				  "usb://: parameter '%s' value '%s' is not a USB id (0x0000-0xffff)",
				  key, s);
	*out = (uint16_t)v;
	return 0;
}

static int usb_parse_uri(struct usb_priv *p, const struct fp_uri *uri)
{
	static const char *const clocks[] = { "internal", "external", NULL };
	struct fp_device *dev = p->dev;
	const char *serial = fp_uri_get(uri, "serial");
	long xfers;
	int ret;

	ret = fp_uri_check_keys(uri, usb_keys, dev->msg, sizeof(dev->msg));
	if (!ret && uri->path[0] && strcmp(uri->path, "/"))
		ret = fp_dev_err(dev, -EINVAL,
				 "usb://: unexpected path '%s' (select a device with ?serial=...)",
				 uri->path);
	if (!ret && serial && strlen(serial) >= sizeof(p->want_serial))
		ret = fp_dev_err(dev, -EINVAL, "usb://: serial '%s' is too long", serial);
	if (!ret)
		ret = parse_id(dev, uri, "vid", FP_USB_VID, &p->vid);
	if (!ret)
		ret = parse_id(dev, uri, "pid", FP_USB_PID, &p->pid);
	if (!ret)
		ret = fp_uri_get_long(uri, "rate", 0, 1, 65535, &p->rate_req, dev->msg,
				      sizeof(dev->msg));
	if (!ret) {
		p->clock_req = -1;
		if (fp_uri_get(uri, "clock"))
			ret = fp_uri_get_choice(uri, "clock", 0, clocks, &p->clock_req, dev->msg,
						sizeof(dev->msg));
	}
	if (!ret)
		ret = fp_uri_get_bool(uri, "detach", 0, &p->detach, dev->msg, sizeof(dev->msg));
	if (!ret)
		ret = fp_uri_get_long(uri, "transfers", 8, 2, USB_MAX_XFERS, &xfers, dev->msg,
				      sizeof(dev->msg));
	if (!ret)
		ret = fp_uri_get_long(uri, "rescan_ms", USB_RESCAN_MS, 0, 60000, &p->rescan_ms,
				      dev->msg, sizeof(dev->msg));
	if (ret)
		return ret;
	snprintf(p->want_serial, sizeof(p->want_serial), "%s", serial ? serial : "");
	p->n_xfers = (unsigned)xfers;
	return 0;
}

static void usb_close(struct fp_device *dev)
{
	struct usb_priv *p = dev->priv;

	if (!p)
		return;
	usb_stream_stop(p, 1);
	usb_disconnect(p);
	if (p->ctx) {
		if (p->have_hotplug)
			libusb_hotplug_deregister_callback(p->ctx, p->hotplug);
		libusb_exit(p->ctx);
	}
	usb_ring_free(&p->ring);
	free(p);
	dev->priv = NULL;
}

static int usb_open(struct fp_device *dev, const struct fp_uri *uri)
{
	struct usb_priv *p = calloc(1, sizeof(*p));
	int ret, r;

	if (!p)
		return -ENOMEM;
	p->dev = dev;
	dev->priv = p;
	ret = usb_parse_uri(p, uri);
	if (ret)
		goto fail;
	r = libusb_init(&p->ctx);
	if (r) {
		p->ctx = NULL;
		ret = fp_dev_err(dev, usb_errno(r), "usb://: libusb_init failed: %s",
				 libusb_strerror(r));
		goto fail;
	}
	ret = usb_connect(p, 0);
	if (ret)
		goto fail;
	/*
	 * Hotplug events come from udev; without udevd running (a minimal
	 * system, the test VM) none arrive and usb_stream.c rescans instead.
	 */
	usb_hotplug_register(p);
	/* Room for 2 s of samples or 4 full packets per transfer, whichever is more. */
	ret = usb_ring_alloc(&p->ring, (uint32_t)fmax(2 * dev->info.rate_hz, 4.0 * p->n_xfers * p->k_max),
			     dev->info.plates * dev->info.channels);
	if (ret)
		goto fail;
	return 0;
fail:
	if (p->ctx) {
		usb_disconnect(p);
		libusb_exit(p->ctx);
	}
	free(p);
	dev->priv = NULL;
	return ret;
}

static int usb_start(struct fp_device *dev)
{
	return usb_stream_start(dev->priv);
}

static int usb_stop(struct fp_device *dev)
{
	usb_stream_stop(dev->priv, 1);
	return 0;
}

static int usb_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	return usb_stream_read(dev->priv, blk, timeout_ms);
}

static int usb_get_calibration(struct fp_device *dev, struct fp_calib *cal)
{
	struct usb_priv *p = dev->priv;

	if (!p->have_cal)
		return fp_dev_err(dev, -ENOENT, "usb://: the device stores no valid calibration");
	*cal = p->cal;
	return 0;
}

static int usb_get_counters(struct fp_device *dev, struct fp_counters *c)
{
	struct usb_priv *p = dev->priv;

	*c = p->cnt;
	return 0;
}

/* fp_set(dev, "hw_zero", "1"): the device's hardware zero (ZERO request). */
static int usb_set(struct fp_device *dev, const char *key, const char *value)
{
	struct usb_priv *p = dev->priv;
	int ret;

	if (strcmp(key, "hw_zero"))
		return fp_dev_err(dev, -ENOTSUP, "usb://: no run-time parameter '%s' (known: hw_zero)",
				  key);
	if (strcmp(value, "1"))
		return fp_dev_err(dev, -EINVAL,
				  "usb://: hw_zero value '%s': expected 1 (zero every channel now)",
				  value);
	if (!(le16toh(p->uinfo.caps) & FP_USB_CAP_HW_ZERO))
		return fp_dev_err(dev, -ENOTSUP, "usb://: device %s has no hardware zero",
				  dev->info.serial);
	if (!p->h || p->gone)
		return fp_dev_err(dev, -ENODEV, "usb://: device %s is unplugged", dev->info.serial);
	ret = usb_ctrl_out(p, FP_USB_REQ_ZERO, 0);
	if (ret)
		return fp_dev_err(dev, ret, "usb://: the ZERO request failed: %s", fp_strerror(ret));
	return 0;
}

/* fp_list(): every device with our VID/PID, by serial. */
static int usb_list(fp_list_cb cb, void *arg)
{
	libusb_context *ctx;
	libusb_device **list;
	ssize_t n;
	int count = 0;

	if (libusb_init(&ctx))
		return 0;
	n = libusb_get_device_list(ctx, &list);
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor dd;
		libusb_device_handle *h;
		char serial[64] = "", uri[96], desc[160];

		if (libusb_get_device_descriptor(list[i], &dd) || dd.idVendor != FP_USB_VID ||
		    dd.idProduct != FP_USB_PID)
			continue;
		if (libusb_open(list[i], &h) == 0) {
			if (dd.iSerialNumber)
				libusb_get_string_descriptor_ascii(h, dd.iSerialNumber,
								   (unsigned char *)serial,
								   sizeof(serial));
			libusb_close(h);
			snprintf(uri, sizeof(uri), "usb://?serial=%s", serial);
			snprintf(desc, sizeof(desc), "fplate USB amplifier %s (bus %u device %u)",
				 serial, libusb_get_bus_number(list[i]),
				 libusb_get_device_address(list[i]));
		} else {
			snprintf(uri, sizeof(uri), "usb://");
			snprintf(desc, sizeof(desc),
				 "fplate USB amplifier (bus %u device %u), no access: check the udev rule",
				 libusb_get_bus_number(list[i]), libusb_get_device_address(list[i]));
		}
		cb(uri, desc, arg);
		count++;
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	libusb_exit(ctx);
	return count;
}

const struct fp_backend_ops fp_usb_ops = {
	.scheme = "usb",
	.help = "fplate USB amplifier via libusb: usb://?serial=S&rate=HZ&clock=internal|external"
		"&detach=0|1&transfers=8&rescan_ms=250&vid=0x1209&pid=0xf9a7",
	.open = usb_open,
	.close = usb_close,
	.start = usb_start,
	.stop = usb_stop,
	.read = usb_read,
	.get_calibration = usb_get_calibration,
	.get_counters = usb_get_counters,
	.set = usb_set,
	.list = usb_list,
};
