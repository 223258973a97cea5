// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * comedi.c - the comedi:// backend: force plates with analog amplifiers
 * wired to a DAQ card driven by comedi (comedilib).
 *
 *   comedi:///dev/comedi0?channels=0-5,8-13&range=0&aref=diff&rate=2000
 *   comedi:///dev/comedi0?wiring=/etc/fplate/lab.wiring.json
 *
 * The wiring (which card channel is which plate output, ranges, belt and
 * sync channels) is parsed by comedi_map.c / comedi_wiring.c; this file
 * applies it to the card: it checks every channel, range and reference
 * against what the subdevice offers, builds a hardware-timed command with
 * comedi_get_cmd_generic_timed() and comedi_command_test() (refusing a rate
 * the card cannot do and saying what it can), streams the comedi buffer
 * through poll()/read() on the comedi file descriptor and converts samples
 * to volts with converters cached at open (soft calibration when the driver
 * has a calibration file, the range's linear map otherwise).
 *
 * Faults: a buffer overflow ends a comedi command (read() fails with EPIPE);
 * we count it, restart the command and mark the next block GAP|OVERRUN with
 * the sample index estimated from the host clock. A detached device (driver
 * removed, USB DAQ unplugged) makes read() fail with ENODEV: fp_read()
 * returns -ENODEV and later reads reopen the device when it comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <comedilib.h>

#include "util_int.h"
#include "backend.h"
#include "comedi_map.h"
#include "comedi_card.h"
#include "replug.h"

#define SCANS_BUFFERED 4096 /* read() chunk, in scans */
#define POLL_SLICE_MS  100  /* longest wait before checking the device is still there */

struct comedi_priv {
	struct fp_comedi_map map;          /* the wiring, parsed at open */
	comedi_t *cdev;                    /* NULL while the device is gone */
	int fd;
	unsigned int subdev;
	unsigned int nscan;                /* channels per scan */
	struct fp_cmap_chan scan[FP_CMAP_MAX_SCAN];
	unsigned int chanlist[FP_CMAP_MAX_SCAN];
	struct fp_cconv conv[FP_CMAP_MAX_SCAN];
	int belt_index, sync_index;        /* position in the scan, -1 none */
	size_t sample_bytes;               /* 2, or 4 for SDF_LSAMPL subdevices */
	size_t scan_bytes;
	comedi_cmd cmd;                    /* accepted command, chanlist = chanlist[] */
	const char *conv_source;           /* "soft calibration", "hardware", ... */
	uint8_t *buf;                      /* owned: bytes read, not yet delivered */
	size_t buf_size, fill;
	int running;
	int gone;
	int64_t gone_ns;                   /* CLOCK_MONOTONIC of the removal */
	int64_t t_start_ns;                /* CLOCK_MONOTONIC at comedi_command() */
	uint64_t next_sample;              /* index of the next sample delivered */
	uint32_t pending_flags;            /* FP_BLK_* for the next block */
	struct fp_counters cnt;
	int has_cal;
	struct fp_calib cal;               /* the wiring file's plate calibration */
};

static const char *aref_name(int aref)
{
	switch (aref) {
	case AREF_GROUND: return "ground";
	case AREF_COMMON: return "common";
	case AREF_DIFF:   return "diff";
	default:          return "other";
	}
}

static int find_subdevice(struct fp_device *dev, struct comedi_priv *p)
{
	const char *path = p->map.device;
	int sub = p->map.subdevice, flags;

	if (sub < 0) {
		sub = comedi_find_subdevice_by_type(p->cdev, COMEDI_SUBD_AI, 0);
		if (sub < 0)
			return fp_dev_err(dev, -ENODEV, "comedi://%s (%s): no analog-input subdevice",
					  path, comedi_get_board_name(p->cdev));
	} else if (sub >= comedi_get_n_subdevices(p->cdev) ||
		   comedi_get_subdevice_type(p->cdev, (unsigned int)sub) != COMEDI_SUBD_AI) {
		int first = comedi_find_subdevice_by_type(p->cdev, COMEDI_SUBD_AI, 0);
		char hint[48] = "it has no analog input";

		if (first >= 0)
			snprintf(hint, sizeof(hint), "the first analog input is %d", first);
		return fp_dev_err(dev, -EINVAL,
				  "comedi://: parameter 'subdevice' value '%d': not an analog input of %s (%s); %s",
				  sub, path, comedi_get_board_name(p->cdev), hint);
	}
	p->subdev = (unsigned int)sub;
	flags = comedi_get_subdevice_flags(p->cdev, p->subdev);
	if (flags < 0 || !(flags & SDF_CMD_READ))
		return fp_dev_err(dev, -ENOTSUP,
				  "comedi://%s: subdevice %u of %s cannot stream (no command support)",
				  path, p->subdev, comedi_get_board_name(p->cdev));
	p->sample_bytes = (flags & SDF_LSAMPL) ? sizeof(lsampl_t) : sizeof(sampl_t);
	return flags;
}

/* Resolve range index, check aref, build the channel's volt converter. */
static int setup_channel(struct fp_device *dev, struct comedi_priv *p, unsigned int k,
			 int sdflags, comedi_calibration_t *softcal)
{
	struct fp_cmap_chan *ch = &p->scan[k];
	unsigned int sub = p->subdev;
	int nch = comedi_get_n_channels(p->cdev, sub);
	lsampl_t maxdata;
	comedi_polynomial_t poly;
	comedi_range *rg;
	char ranges[160];
	int ret = -1;

	if (ch->chan >= (unsigned int)nch)
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: channel %u does not exist: subdevice %u of %s has %d channels (0-%d)",
				  p->map.device, ch->chan, sub, comedi_get_board_name(p->cdev),
				  nch, nch - 1);
	fp_comedi_format_ranges(p->cdev, sub, ch->chan, ranges, sizeof(ranges));
	if (ch->range_v > 0) {
		ret = comedi_find_range(p->cdev, sub, ch->chan, UNIT_volt, -ch->range_v,
					ch->range_v);
		if (ret < 0)
			return fp_dev_err(dev, -EINVAL,
					  "comedi://%s: channel %u: no range covers +-%g V (card ranges: %s)",
					  p->map.device, ch->chan, ch->range_v, ranges);
		ch->range = ret;
	}
	if (ch->range < 0 || ch->range >= comedi_get_n_ranges(p->cdev, sub, ch->chan))
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: channel %u: range %d does not exist (card ranges: %s)",
				  p->map.device, ch->chan, ch->range, ranges);
	if (!(sdflags & (SDF_GROUND << ch->aref))) {
		char arefs[48];

		fp_comedi_format_arefs(sdflags, arefs, sizeof(arefs));
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: channel %u: aref=%s not supported by subdevice %u (supports:%s)",
				  p->map.device, ch->chan, aref_name(ch->aref), sub, arefs);
	}
	maxdata = comedi_get_maxdata(p->cdev, sub, ch->chan);
	rg = comedi_get_range(p->cdev, sub, ch->chan, (unsigned int)ch->range);
	if (!rg || maxdata == 0)
		return fp_dev_err(dev, -EIO, "comedi://%s: channel %u: cannot read range/maxdata",
				  p->map.device, ch->chan);
	if (softcal)
		ret = comedi_get_softcal_converter(sub, ch->chan, (unsigned int)ch->range,
						   COMEDI_TO_PHYSICAL, softcal, &poly);
	else if (!(sdflags & SDF_SOFT_CALIBRATED))
		ret = comedi_get_hardcal_converter(p->cdev, sub, ch->chan,
						   (unsigned int)ch->range, COMEDI_TO_PHYSICAL,
						   &poly);
	if (ret == 0 && fp_cconv_poly(&p->conv[k], poly.coefficients, poly.order,
				      poly.expansion_origin, maxdata) == 0) {
		p->conv_source = softcal ? "soft calibration" : "hardware calibration";
	} else {
		/* comedi_to_phys's linear map of the range */
		fp_cconv_linear(&p->conv[k], rg->min, rg->max, maxdata);
		p->conv_source = (sdflags & SDF_SOFT_CALIBRATED) ?
			"range (uncalibrated: no soft-calibration file)" : "range";
	}
	p->chanlist[k] = CR_PACK(ch->chan, (unsigned int)ch->range, (unsigned int)ch->aref);
	return 0;
}

/* The largest scan the card takes in one command (chanlist_len), for messages. */
static unsigned int probe_max_scan(struct comedi_priv *p, const comedi_cmd *base)
{
	unsigned int list[FP_CMAP_MAX_SCAN];

	for (unsigned int n = p->nscan; n-- > 1;) {
		comedi_cmd c = *base;

		for (unsigned int i = 0; i < n; i++)
			list[i] = p->chanlist[i];
		c.chanlist = list;
		c.chanlist_len = n;
		c.scan_end_arg = n;
		if (comedi_command_test(p->cdev, &c) >= 0)
			return n;
	}
	return 1;
}

/*
 * Run comedi_command_test until it accepts (drivers adjust arguments in
 * passes). Returns 0, the failing step (1-3 sources/arguments invalid, 4 still
 * adjusting, 5 channel list refused) or -1 with comedi_errno().
 */
static int test_cmd(comedi_t *cdev, comedi_cmd *c)
{
	int ret = -1;

	for (int pass = 0; pass < 6; pass++) {
		ret = comedi_command_test(cdev, c);
		if (ret <= 0)
			break;
	}
	return ret;
}

static double cmd_period_ns(const comedi_cmd *c, unsigned int nscan)
{
	if (c->scan_begin_src == TRIG_TIMER)
		return c->scan_begin_arg;
	return (double)c->convert_arg * nscan;
}

/* Scan rates the card accepts for this channel list: probe both ends. */
static void probe_rates(struct comedi_priv *p, double *max_hz, double *min_hz)
{
	comedi_cmd c = p->cmd;
	unsigned int *arg = c.scan_begin_src == TRIG_TIMER ? &c.scan_begin_arg : &c.convert_arg;

	*max_hz = *min_hz = NAN;
	*arg = 1;
	if (test_cmd(p->cdev, &c) == 0)
		*max_hz = 1e9 / cmd_period_ns(&c, p->nscan);
	c = p->cmd;
	arg = c.scan_begin_src == TRIG_TIMER ? &c.scan_begin_arg : &c.convert_arg;
	*arg = 4000000000u / (c.scan_begin_src == TRIG_TIMER ? 1 : p->nscan);
	if (test_cmd(p->cdev, &c) == 0)
		*min_hz = 1e9 / cmd_period_ns(&c, p->nscan);
}

static int build_cmd(struct fp_device *dev, struct comedi_priv *p)
{
	comedi_cmd *c = &p->cmd, mask;
	double rate = p->map.rate_hz, got, max_hz, min_hz;
	unsigned int period_ns = (unsigned int)fmin(llround(1e9 / rate), 4000000000.0);
	int ret;

	memset(c, 0, sizeof(*c));
	if (comedi_get_cmd_generic_timed(p->cdev, p->subdev, c, p->nscan, period_ns) < 0)
		return fp_dev_err(dev, -ENOTSUP,
				  "comedi://%s: subdevice %u cannot do timed acquisition (%s)",
				  p->map.device, p->subdev, comedi_strerror(comedi_errno()));
	/*
	 * Prefer a scan timer so the scan rate is exact, with the channels of
	 * a scan converted as close together as the card allows (least skew
	 * between a plate's channels): convert "now", or the fastest timer.
	 */
	if (comedi_get_cmd_src_mask(p->cdev, p->subdev, &mask) == 0 &&
	    (mask.scan_begin_src & TRIG_TIMER)) {
		c->scan_begin_src = TRIG_TIMER;
		c->scan_begin_arg = period_ns;
		if (mask.convert_src & TRIG_NOW) {
			c->convert_src = TRIG_NOW;
			c->convert_arg = 0;
		} else {
			c->convert_src = TRIG_TIMER;
			c->convert_arg = 1;
		}
	}
	c->chanlist = p->chanlist;
	c->chanlist_len = p->nscan;
	c->scan_end_src = TRIG_COUNT;
	c->scan_end_arg = p->nscan;
	c->stop_src = TRIG_NONE;
	c->stop_arg = 0;
	ret = test_cmd(p->cdev, c);
	if (ret < 0 && (comedi_errno() == EINVAL || comedi_errno() == EFAULT))
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: the card refuses a scan of %u channels on subdevice %u; it accepts at most %u",
				  p->map.device, p->nscan, p->subdev, probe_max_scan(p, c));
	if (ret == 5)
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: the card refuses this channel list on subdevice %u (many cards need ascending consecutive channels, or one range and reference per scan)",
				  p->map.device, p->subdev);
	if (ret != 0)
		return fp_dev_err(dev, -EINVAL,
				  "comedi://%s: the card refuses the command for %u channels at %g Hz (comedi_command_test: %s)",
				  p->map.device, p->nscan, rate,
				  ret < 0 ? comedi_strerror(comedi_errno()) : "arguments not settled");
	got = 1e9 / cmd_period_ns(c, p->nscan);
	if (fabs(got - rate) > 0.01 * rate) {
		probe_rates(p, &max_hz, &min_hz);
		return fp_dev_err(dev, -EINVAL,
				  "comedi://: parameter 'rate' value '%g': %s accepts %g to %g Hz for %u channels (it offered %g Hz)",
				  rate, comedi_get_board_name(p->cdev), min_hz, max_hz, p->nscan, got);
	}
	return 0;
}

/* Converters from the driver's soft-calibration file, when it has one. */
static comedi_calibration_t *load_softcal(comedi_t *cdev, int sdflags)
{
	comedi_calibration_t *cal = NULL;
	char *path;

	if (!(sdflags & SDF_SOFT_CALIBRATED))
		return NULL;
	path = comedi_get_default_calibration_path(cdev);
	if (path && access(path, R_OK) == 0)
		cal = comedi_parse_calibration_file(path);
	free(path);
	return cal;
}

/*
 * Open the card and check the wiring against it; build converters and the
 * command. Used at open and again when a removed device comes back.
 */
static int attach(struct fp_device *dev, struct comedi_priv *p)
{
	comedi_calibration_t *softcal;
	int sdflags, ret = 0, flags;

	p->cdev = comedi_open(p->map.device);
	if (!p->cdev) {
		int err = errno ? errno : ENODEV;

		return fp_dev_err(dev, -err, "comedi://%s: cannot open: %s%s", p->map.device,
				  strerror(err), err == ENOENT ?
				  " (is the comedi driver loaded? `fplate list` shows the cards)" : "");
	}
	sdflags = find_subdevice(dev, p);
	if (sdflags < 0)
		goto fail;
	softcal = load_softcal(p->cdev, sdflags);
	for (unsigned int k = 0; k < p->nscan && ret == 0; k++)
		ret = setup_channel(dev, p, k, sdflags, softcal);
	if (softcal)
		comedi_cleanup_calibration(softcal);
	if (ret)
		goto fail_ret;
	ret = build_cmd(dev, p);
	if (ret)
		goto fail_ret;
	if (p->map.buffer_kb) {
		unsigned int bytes = p->map.buffer_kb * 1024u;

		if (comedi_get_max_buffer_size(p->cdev, p->subdev) < (int)bytes)
			comedi_set_max_buffer_size(p->cdev, p->subdev, bytes);
		if (comedi_set_buffer_size(p->cdev, p->subdev, bytes) < 0) {
			ret = fp_dev_err(dev, -EINVAL,
					 "comedi://: parameter 'buffer_kb' value '%u': %s",
					 p->map.buffer_kb, comedi_strerror(comedi_errno()));
			goto fail_ret;
		}
	}
	p->fd = comedi_fileno(p->cdev);
	flags = fcntl(p->fd, F_GETFL);
	if (flags < 0 || fcntl(p->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		ret = fp_dev_err(dev, -errno, "comedi://%s: fcntl: %s", p->map.device,
				 strerror(errno));
		goto fail_ret;
	}
	return 0;
fail:
	ret = sdflags;
fail_ret:
	comedi_close(p->cdev);
	p->cdev = NULL;
	return ret;
}

static void fill_info(struct fp_device *dev, struct comedi_priv *p)
{
	struct fp_info *info = &dev->info;
	lsampl_t maxdata = comedi_get_maxdata(p->cdev, p->subdev, p->scan[0].chan);
	comedi_range *rg = comedi_get_range(p->cdev, p->subdev, p->scan[0].chan,
					    (unsigned int)p->scan[0].range);

	snprintf(info->model, sizeof(info->model), "%s (%s), subdevice %u",
		 comedi_get_board_name(p->cdev), comedi_get_driver_name(p->cdev), p->subdev);
	snprintf(info->firmware, sizeof(info->firmware), "comedilib");
	info->plates = p->map.plates;
	info->channels = p->map.channels;
	info->rate_hz = 1e9 / cmd_period_ns(&p->cmd, p->nscan);
	info->unit = FP_RAW_VOLTS;
	info->adc_bits = 0;
	while (info->adc_bits < 32 && ((uint64_t)1 << info->adc_bits) <= maxdata)
		info->adc_bits++;
	info->full_scale_v = rg ? fmax(fabs(rg->min), fabs(rg->max)) : 0;
	info->paced = 1;
	info->has_sync = p->map.has_sync;
	info->external_clock = 0;
}

/*
 * The plate calibration named by the wiring file (matrix, geometry), loaded
 * and checked against the wiring at open so that a mismatch is reported
 * before acquisition; fp_get_calibration() returns it.
 */
static int load_plate_calibration(struct fp_device *dev, struct comedi_priv *p)
{
	char msg[FP_MSG_MAX];
	int ret;

	if (!p->map.calibration[0])
		return 0;
	ret = fp_calib_load(p->map.calibration, &p->cal, msg, sizeof(msg));
	if (ret == 0)
		ret = fp_calib_check(&p->cal, &dev->info, msg, sizeof(msg));
	if (ret)
		return fp_dev_err(dev, ret, "comedi://: calibration of the wiring file: %s", msg);
	p->has_cal = 1;
	return 0;
}

static int comedi_get_calibration_op(struct fp_device *dev, struct fp_calib *cal)
{
	const struct comedi_priv *p = dev->priv;

	if (!p->has_cal)
		return -ENOENT;
	*cal = p->cal;
	return 0;
}

static void comedi_close_op(struct fp_device *dev)
{
	struct comedi_priv *p = dev->priv;

	if (!p)
		return;
	if (p->cdev)
		comedi_close(p->cdev);
	free(p->buf);
	free(p);
	dev->priv = NULL;
}

static int comedi_open_op(struct fp_device *dev, const struct fp_uri *uri)
{
	struct comedi_priv *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	dev->priv = p;
	p->fd = -1;
	ret = fp_cmap_from_uri(uri, &p->map, dev->msg, sizeof(dev->msg));
	if (ret)
		goto fail;
	p->nscan = fp_cmap_scan(&p->map, p->scan, &p->belt_index, &p->sync_index);
	ret = attach(dev, p);
	if (ret)
		goto fail;
	p->scan_bytes = p->sample_bytes * p->nscan;
	/* sized for 32-bit samples, so a card that comes back different fits */
	p->buf_size = sizeof(lsampl_t) * p->nscan * SCANS_BUFFERED;
	p->buf = malloc(p->buf_size);
	if (!p->buf) {
		ret = -ENOMEM;
		goto fail;
	}
	fill_info(dev, p);
	ret = load_plate_calibration(dev, p);
	if (ret)
		goto fail;
	return 0;
fail:
	comedi_close_op(dev);
	return ret;
}

static int start_cmd(struct fp_device *dev, struct comedi_priv *p)
{
	comedi_cmd c = p->cmd; /* comedi_command may rewrite its argument */

	p->fill = 0;
	if (comedi_command(p->cdev, &c) < 0) {
		int err = comedi_errno();

		return fp_dev_err(dev, err == EBUSY ? -EBUSY : -EIO,
				  "comedi://%s: cannot start acquisition on subdevice %u: %s",
				  p->map.device, p->subdev, comedi_strerror(err));
	}
	p->running = 1;
	return 0;
}

static int comedi_start_op(struct fp_device *dev)
{
	struct comedi_priv *p = dev->priv;
	int ret;

	if (p->gone)
		return fp_dev_err(dev, -ENODEV, "comedi://%s: device removed", p->map.device);
	ret = start_cmd(dev, p);
	if (ret)
		return ret;
	p->t_start_ns = fp_clock_ns(CLOCK_MONOTONIC);
	p->next_sample = 0;
	p->pending_flags = 0;
	return 0;
}

static int comedi_stop_op(struct fp_device *dev)
{
	struct comedi_priv *p = dev->priv;

	if (p->cdev && p->running)
		comedi_cancel(p->cdev, p->subdev);
	p->running = 0;
	return 0;
}

/* Sample index the card's clock has reached, from the host clock. */
static uint64_t clock_index(const struct comedi_priv *p, const struct fp_info *info)
{
	double elapsed_s = (double)(fp_clock_ns(CLOCK_MONOTONIC) - p->t_start_ns) * 1e-9;

	return elapsed_s > 0 ? (uint64_t)llround(elapsed_s * info->rate_hz) : 0;
}

/* The command ended (buffer overflow): count, restart, mark the gap. */
static int restart_after_overrun(struct fp_device *dev, struct comedi_priv *p)
{
	uint64_t idx = clock_index(p, &dev->info);
	int ret;

	p->cnt.overruns++;
	p->cnt.gaps++;
	p->running = 0;
	comedi_cancel(p->cdev, p->subdev);
	ret = start_cmd(dev, p);
	if (ret)
		return ret;
	if (idx > p->next_sample) {
		p->cnt.lost_samples += idx - p->next_sample;
		p->next_sample = idx;
	}
	p->pending_flags |= FP_BLK_GAP | FP_BLK_OVERRUN;
	return 0;
}

static int device_gone(struct fp_device *dev, struct comedi_priv *p)
{
	p->gone = 1;
	p->gone_ns = fp_clock_ns(CLOCK_MONOTONIC);
	p->running = 0;
	p->cnt.disconnects++;
	comedi_close(p->cdev);
	p->cdev = NULL;
	p->fd = -1;
	return fp_dev_err(dev, -ENODEV, "comedi://%s: device removed", p->map.device);
}

/* After removal: reopen when the device is back, else wait a little. */
static int try_reattach(struct fp_device *dev, struct comedi_priv *p, int timeout_ms)
{
	struct timespec pause = { 0, 200 * 1000000L };
	char saved[FP_MSG_MAX];
	uint64_t lost;
	int ret;

	if (access(p->map.device, F_OK) != 0) {
		if (timeout_ms >= 0 && timeout_ms < 200)
			pause.tv_nsec = timeout_ms * 1000000L;
		nanosleep(&pause, NULL);
		return -ENODEV;
	}
	memcpy(saved, dev->msg, sizeof(saved));
	/* the wiring as parsed: setup_channel() resolved range_v into range */
	p->nscan = fp_cmap_scan(&p->map, p->scan, &p->belt_index, &p->sync_index);
	ret = attach(dev, p);
	if (ret == 0) {
		p->scan_bytes = p->sample_bytes * p->nscan;
		ret = start_cmd(dev, p);
	}
	if (ret) {
		/* still there but not usable (yet): keep reporting removal */
		nanosleep(&pause, NULL);
		return -ENODEV;
	}
	memcpy(dev->msg, saved, sizeof(saved));
	p->gone = 0;
	/* The card's clock, but never back and always past the outage. */
	p->next_sample = fp_replug_clock_resume(p->next_sample, clock_index(p, &dev->info),
						p->gone_ns, fp_clock_ns(CLOCK_MONOTONIC),
						dev->info.rate_hz, &lost);
	p->cnt.lost_samples += lost;
	p->pending_flags |= FP_BLK_GAP | FP_BLK_RESUMED;
	p->cnt.gaps++;
	return 0;
}

static uint32_t raw_at(const struct comedi_priv *p, const uint8_t *scan, unsigned int k)
{
	if (p->sample_bytes == sizeof(lsampl_t)) {
		lsampl_t v;

		memcpy(&v, scan + k * sizeof(v), sizeof(v));
		return v;
	}
	sampl_t s;

	memcpy(&s, scan + k * sizeof(s), sizeof(s));
	return s;
}

/* Convert n complete scans from buf into blk. */
static int deliver(struct fp_device *dev, struct comedi_priv *p, struct fp_block *blk,
		   uint32_t n)
{
	uint32_t per_sample = dev->info.plates * dev->info.channels, sat = 0;
	double belt_sum = 0;

	for (uint32_t s = 0; s < n; s++) {
		const uint8_t *scan = p->buf + (size_t)s * p->scan_bytes;
		double *out = blk->raw + (size_t)s * per_sample;

		for (unsigned int k = 0; k < p->nscan; k++) {
			uint32_t raw = raw_at(p, scan, k);
			double v = fp_cconv_volts(&p->conv[k], raw);

			if (k < per_sample) {
				out[k] = v;
				sat |= (uint32_t)fp_cconv_saturated(&p->conv[k], raw);
			} else if ((int)k == p->belt_index) {
				belt_sum += v;
			} else {
				blk->sync[s] = v >= p->map.sync_threshold_v;
			}
		}
		if (p->sync_index < 0)
			blk->sync[s] = 0;
	}
	p->fill -= (size_t)n * p->scan_bytes;
	memmove(p->buf, p->buf + (size_t)n * p->scan_bytes, p->fill);
	blk->n = n;
	blk->first_sample = p->next_sample;
	blk->t_host_ns = fp_clock_ns(CLOCK_REALTIME);
	blk->flags = p->pending_flags | (sat ? FP_BLK_SATURATED : 0);
	if (p->belt_index >= 0)
		blk->belt_speed_mps = p->map.belt_scale_mps_per_v *
				      (belt_sum / n - p->map.belt_offset_v);
	p->pending_flags = 0;
	p->next_sample += n;
	p->cnt.samples += n;
	return (int)n;
}

/*
 * Wait for data and read it. 1: read something or restarted, 0: nothing yet.
 * comedi's poll() never wakes up for a detached device, so every wait is
 * bounded and followed by a non-blocking read(), which reports ENODEV.
 */
static int fill_buffer(struct fp_device *dev, struct comedi_priv *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	ssize_t got;
	int ret;

	if (timeout_ms < 0 || timeout_ms > POLL_SLICE_MS)
		timeout_ms = POLL_SLICE_MS;
	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0 && errno != EINTR)
		return fp_dev_err(dev, -errno, "comedi://%s: poll: %s", p->map.device,
				  strerror(errno));
	got = read(p->fd, p->buf + p->fill, p->buf_size - p->fill);
	if (got > 0) {
		p->fill += (size_t)got;
		p->cnt.packets++;
		return 1;
	}
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (got < 0 && (errno == ENODEV || errno == ENXIO))
		return device_gone(dev, p);
	if (got == 0 || errno == EPIPE) {
		/* command ended: overflow (EPIPE) or stopped under us (0) */
		ret = restart_after_overrun(dev, p);
		if (ret == -EIO && access(p->map.device, F_OK) != 0)
			return device_gone(dev, p);
		return ret ? ret : 1;
	}
	return fp_dev_err(dev, -errno, "comedi://%s: read: %s", p->map.device, strerror(errno));
}

static int comedi_read_op(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	struct comedi_priv *p = dev->priv;
	int64_t deadline = fp_clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000;

	if (p->gone) {
		int ret = try_reattach(dev, p, timeout_ms);

		if (ret)
			return ret;
	}
	for (;;) {
		size_t scans = p->fill / p->scan_bytes;
		int wait_ms = -1, ret;

		if (scans)
			return deliver(dev, p, blk, (uint32_t)(scans < blk->capacity ? scans :
							       blk->capacity));
		if (timeout_ms >= 0) {
			int64_t left = deadline - fp_clock_ns(CLOCK_MONOTONIC);

			wait_ms = left > 0 ? (int)((left + 999999) / 1000000) : 0;
		}
		ret = fill_buffer(dev, p, wait_ms);
		if (ret < 0)
			return ret;
		if (ret == 0 && timeout_ms >= 0 && fp_clock_ns(CLOCK_MONOTONIC) >= deadline)
			return 0;
	}
}

static int comedi_counters_op(struct fp_device *dev, struct fp_counters *c)
{
	const struct comedi_priv *p = dev->priv;

	*c = p->cnt;
	return 0;
}

const struct fp_backend_ops fp_comedi_ops = {
	.scheme = "comedi",
	.help = "DAQ card via comedi: comedi:///dev/comedi0?channels=0-5&range=0&aref=ground"
		"&rate=2000[&plates=N&subdevice=N&belt=CH&belt_scale=MPS_PER_V&sync=CH"
		"&sync_threshold=V&buffer_kb=N] or ?wiring=FILE (docs/comedi.md)",
	.open = comedi_open_op,
	.close = comedi_close_op,
	.start = comedi_start_op,
	.stop = comedi_stop_op,
	.read = comedi_read_op,
	.get_calibration = comedi_get_calibration_op,
	.get_counters = comedi_counters_op,
	.list = fp_comedi_list,
};
