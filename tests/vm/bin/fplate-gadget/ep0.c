// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ep0.c - fplate-gadget: FunctionFS events and the vendor control requests
 * (GET_INFO, GET_CALIB, GET_COUNTERS, SET_RATE, SET_CLOCK, START, STOP, ZERO).
 */
#include <poll.h>

#include "gadget.h"

/* ---- ep0: control requests ------------------------------------------- */

void load_calibration(struct gadget *g)
{
	struct fp_info info;

	g->adc_bits = 24;
	g->full_scale_uv = 10000000;
	if (g->gen.dev) {
		fp_info(g->gen.dev, &info);
		if (info.unit == FP_RAW_COUNTS && info.adc_bits >= 16 && info.adc_bits <= 32) {
			g->adc_bits = info.adc_bits;
			g->full_scale_uv = (uint32_t)(info.full_scale_v * 1e6 + 0.5);
		}
		if (fp_get_calibration(g->gen.dev, &g->cal) == 0 && g->cal.plates == g->o.plates) {
			g->have_cal = 1;
			return;
		}
	}
	/* A plausible stored calibration: diagonal, N/V and N·m/V. */
	static const double diag[6] = { 500, 500, 2000, 400, 400, 150 };

	memset(&g->cal, 0, sizeof(g->cal));
	g->cal.plates = g->o.plates;
	for (uint32_t p = 0; p < g->o.plates; p++) {
		struct fp_plate_calib *pc = &g->cal.plate[p];

		pc->channels = g->o.channels;
		for (uint32_t r = 0; r < 6 && r < g->o.channels; r++)
			pc->matrix[r][r] = diag[r];
		pc->surface_h_mm = 42.5;
		pc->width_mm = 500;
		pc->length_mm = 900 + 10 * p;
	}
	snprintf(g->cal.id, sizeof(g->cal.id), "EMU-%s", g->o.serial);
	g->have_cal = 1;
}

static __le32 f32(double v)
{
	float f = (float)v;
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return htole32(u);
}

static void fill_cal(const struct gadget *g, uint32_t plate, struct fp_usb_plate_cal *c)
{
	const struct fp_plate_calib *pc = &g->cal.plate[plate];

	memset(c, 0, sizeof(*c));
	c->magic = htole32(FP_USB_CAL_MAGIC);
	c->plate = (uint8_t)plate;
	c->channels = (uint8_t)g->o.channels;
	c->size = htole16(sizeof(*c));
	for (int r = 0; r < 6; r++)
		for (int k = 0; k < 8; k++)
			c->matrix[r][k] = f32(pc->matrix[r][k]);
	c->surface_h_mm = f32(pc->surface_h_mm);
	c->origin_mm[0] = f32(pc->origin_mm[0]);
	c->origin_mm[1] = f32(pc->origin_mm[1]);
	c->size_mm[0] = f32(pc->width_mm);
	c->size_mm[1] = f32(pc->length_mm);
	snprintf(c->cal_id, sizeof(c->cal_id), "%.31s", g->cal.id);
}

static void fill_info(struct gadget *g, struct fp_usb_info *in)
{
	memset(in, 0, sizeof(*in));
	in->magic = htole32(FP_USB_INFO_MAGIC);
	in->proto_version = htole16(FP_USB_PROTO_VERSION);
	in->size = htole16(sizeof(*in));
	snprintf(in->serial, sizeof(in->serial), "%s", g->o.serial);
	snprintf(in->firmware, sizeof(in->firmware), "emu-%s", FP_VERSION_STRING);
	snprintf(in->model, sizeof(in->model), "fplate-gadget %ux%u", g->o.plates, g->o.channels);
	in->plates = (uint8_t)g->o.plates;
	in->channels = (uint8_t)g->o.channels;
	in->adc_bits = (uint8_t)g->adc_bits;
	in->clock = (uint8_t)g->clock;
	uint32_t rate = g->clock == FP_USB_CLOCK_EXTERNAL ? g->o.ext_rate : g->rate;

	in->rate_hz = htole32(rate);
	in->max_rate_hz = htole32(g->o.max_rate);
	in->full_scale_uv = htole32(g->full_scale_uv);
	in->samples_per_packet = htole16((uint16_t)pick_k(g, rate));
	in->caps = htole16(FP_USB_CAP_EXT_CLOCK | FP_USB_CAP_SYNC_IN | FP_USB_CAP_HW_ZERO);
	/* --bad-info: a broken device the host must refuse (kmod_h_badinfo). */
	if (!g->o.bad_info)
		return;
	if (!strcmp(g->o.bad_info, "magic"))
		in->magic = 0;
	else if (!strcmp(g->o.bad_info, "plates"))
		in->plates = 0;
	else if (!strcmp(g->o.bad_info, "channels"))
		in->channels = 7;
	else if (!strcmp(g->o.bad_info, "rate"))
		in->rate_hz = htole32(g->o.max_rate + 1);
	else if (!strcmp(g->o.bad_info, "k"))
		in->samples_per_packet = 0;
}

/* IN data stage; a read() instead of the write() would stall. */
static void ep0_reply(struct gadget *g, const void *buf, size_t len, uint16_t wlength)
{
	if (len > wlength)
		len = wlength;
	if (write(g->ep0, buf, len) < 0)
		fprintf(stderr, "fplate-gadget: ep0 reply: %s\n", strerror(errno));
}

static void ep0_stall(struct gadget *g, int dir_in, const char *why)
{
	fprintf(stderr, "fplate-gadget: STALL ep0: %s\n", why);
	/* FunctionFS stalls ep0 on an I/O in the wrong direction. */
	if (dir_in ? read(g->ep0, NULL, 0) : write(g->ep0, NULL, 0)) {
		/* -EL2HLT is the expected outcome */
	}
}

static void ep0_ack(struct gadget *g)
{
	if (read(g->ep0, NULL, 0) < 0)
		fprintf(stderr, "fplate-gadget: ep0 status stage: %s\n", strerror(errno));
}

static void handle_in(struct gadget *g, const struct usb_ctrlrequest *c)
{
	uint16_t value = le16toh(c->wValue), len = le16toh(c->wLength);

	switch (c->bRequest) {
	case FP_USB_REQ_GET_INFO: {
		struct fp_usb_info in;

		pthread_mutex_lock(&g->lock);
		fill_info(g, &in);
		pthread_mutex_unlock(&g->lock);
		ep0_reply(g, &in, sizeof(in), len);
		return;
	}
	case FP_USB_REQ_GET_CALIB: {
		struct fp_usb_plate_cal cal;

		if (value >= g->o.plates || !g->have_cal)
			break;
		fill_cal(g, value, &cal);
		ep0_reply(g, &cal, sizeof(cal), len);
		return;
	}
	case FP_USB_REQ_GET_COUNTERS: {
		struct fp_usb_counters ct;

		pthread_mutex_lock(&g->lock);
		ct.packets_sent = htole32(g->packets_sent);
		ct.samples_sent = htole32(g->samples_sent);
		ct.overruns = htole32(g->overruns);
		ct.overrun_samples = htole32(g->overrun_samples);
		pthread_mutex_unlock(&g->lock);
		ep0_reply(g, &ct, sizeof(ct), len);
		return;
	}
	}
	ep0_stall(g, 1, "unknown IN request or bad wValue");
}

static void handle_out(struct gadget *g, const struct usb_ctrlrequest *c)
{
	uint16_t value = le16toh(c->wValue);
	const char *why = "unknown OUT request";

	if (le16toh(c->wLength)) {
		ep0_stall(g, 0, "OUT request with a data stage");
		return;
	}
	pthread_mutex_lock(&g->lock);
	switch (c->bRequest) {
	case FP_USB_REQ_SET_RATE:
		if (g->streaming || value < 1 || value > g->o.max_rate) {
			why = "SET_RATE while streaming or out of range";
			break;
		}
		g->rate = value;
		why = NULL;
		break;
	case FP_USB_REQ_SET_CLOCK:
		if (g->streaming || value > FP_USB_CLOCK_EXTERNAL) {
			why = "SET_CLOCK while streaming or unknown clock";
			break;
		}
		g->clock = value;
		why = NULL;
		break;
	case FP_USB_REQ_START:
		if (g->streaming) {
			why = "START while streaming";
			break;
		}
		if (in_list(g->o.refuse_start, g->o.n_refuse_start, ++g->start_requests)) {
			g->starts_refused++;
			why = "START refused (--refuse-start)";
			break;
		}
		g->session++;
		g->starts++;
		g->streaming = 1;
		pthread_cond_broadcast(&g->cond);
		why = NULL;
		break;
	case FP_USB_REQ_STOP:
		pthread_mutex_unlock(&g->lock);
		stop_stream(g);
		ep0_ack(g);
		return;
	case FP_USB_REQ_ZERO:
		/* Hardware zero: the stream thread takes the next sample as 0. */
		g->zero_request = 1;
		why = NULL;
		break;
	}
	pthread_mutex_unlock(&g->lock);
	if (why)
		ep0_stall(g, 0, why);
	else
		ep0_ack(g);
}

/*
 * Wait for events with poll(), never in a blocking read(): a read() on
 * ep0 sleeps holding FunctionFS's ffs->mutex, and since Linux 6.12
 * functionfs_unbind() takes that mutex, so unbinding the UDC (an unplug)
 * would hang until the next event that never comes.
 */
void ep0_loop(struct gadget *g)
{
	struct usb_functionfs_event ev[4];

	while (!stop_signal) {
		struct pollfd pfd = { .fd = g->ep0, .events = POLLIN };
		ssize_t n;
		int r = poll(&pfd, 1, 500);

		if (r < 0 && errno != EINTR)
			die("poll on ep0: %s", strerror(errno));
		if (r <= 0)
			continue;
		n = read(g->ep0, ev, sizeof(ev));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("reading ep0 events: %s", strerror(errno));
		}
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			switch (ev[i].type) {
			case FUNCTIONFS_ENABLE:
				pthread_mutex_lock(&g->lock);
				g->enabled = 1;
				g->enables++;
				pthread_cond_broadcast(&g->cond);
				pthread_mutex_unlock(&g->lock);
				break;
			case FUNCTIONFS_DISABLE:
			case FUNCTIONFS_UNBIND:
				pthread_mutex_lock(&g->lock);
				g->enabled = 0;
				pthread_mutex_unlock(&g->lock);
				stop_stream(g);
				break;
			case FUNCTIONFS_SETUP: {
				const struct usb_ctrlrequest *c = &ev[i].u.setup;

				if ((c->bRequestType & USB_TYPE_MASK) != USB_TYPE_VENDOR ||
				    (le16toh(c->wIndex) & 0xff) != 0)
					ep0_stall(g, c->bRequestType & USB_DIR_IN,
						  "not a vendor request to interface 0");
				else if (c->bRequestType & USB_DIR_IN)
					handle_in(g, c);
				else
					handle_out(g, c);
				break;
			}
			default: /* BIND, SUSPEND, RESUME: nothing to do */
				break;
			}
		}
	}
}
