// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod.c - the kmod:// backend: read /dev/fplateN of the fplate.ko kernel
 * module (kernel/fplate_*.c, ABI in include/fplate/fplate_ioctl.h and
 * docs/kernel.md).
 *
 *   kmod:///dev/fplate0            the device node (default /dev/fplate0)
 *   kmod:///dev/fplate0?rate=1000  set the sample rate before streaming
 *
 * The kernel validates packets and keeps a ring, so this file only polls,
 * reads whole records, splits them into contiguous blocks and turns the
 * kernel's counters into struct fp_counters. When the device is unplugged
 * read() fails with ENODEV: the backend reports -ENODEV, closes the node
 * and tries to reopen it on the next fp_read(). Only the amplifier opened
 * first comes back: its serial is pinned, and another one on the node is
 * refused (-ENODEV, with a message naming both serials) until it returns.
 * It then streams again on the same time axis as usb:// (lib/amp/replug.c):
 * the kernel restarts at sample 0, the host index goes on after the outage's
 * length at the nominal rate (counted in lost_samples and gaps), and the
 * first block carries FP_BLK_GAP | FP_BLK_RESUMED.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util_int.h"
#include "backend.h"
#include "kmod.h"
#include "replug.h"
#include "usb_cal.h"

#define KMOD_DEFAULT_PATH "/dev/fplate0"
#define KMOD_READ_RECORDS 1024      /* records fetched per read() */
#define KMOD_RETRY_MS     200       /* wait between reopen attempts */

struct kmod_priv {
	char path[512];
	int fd;                       /* -1 while the device is away */
	long rate_hz;                 /* 0: leave the device's rate */
	struct fplate_info kinfo;
	char pin_serial[33];          /* the amplifier opened first; "" until then */
	uint8_t *buf;                 /* KMOD_READ_RECORDS records, malloc, ours */
	struct fp_kmod_records cur;   /* cursor over buf */
	uint64_t next_sample;         /* kernel index expected; UINT64_MAX: none seen yet */
	uint64_t offset;              /* host index = kernel index + offset */
	uint64_t next_index;          /* host index after the last sample delivered */
	int64_t gone_ns;              /* CLOCK_MONOTONIC of the unplug */
	int resumed;                  /* flag the next block FP_BLK_GAP | FP_BLK_RESUMED */
	uint64_t delivered;           /* samples handed to the caller */
	uint64_t disconnects;
	struct fp_counters past;      /* kernel counters of earlier sessions */
	struct fplate_counters last;  /* latest kernel counters of this session */
};

/* ---- pure helpers (unit tested) ---- */

uint32_t fp_kmod_take(struct fp_kmod_records *r, struct fp_block *blk,
		      uint64_t *next_sample)
{
	const size_t values = (size_t)blk->plates * blk->channels;
	uint32_t n = 0;

	blk->n = 0;
	while (r->pos < r->n_records && n < blk->capacity) {
		const uint8_t *p = r->buf + r->pos * r->record_size;
		struct fplate_record rec;
		int32_t counts[FP_MAX_PLATES * FP_MAX_CHANNELS];

		memcpy(&rec, p, sizeof(rec));
		if (n > 0 && (rec.sample != blk->first_sample + n ||
			      (rec.flags & (FPLATE_REC_GAP | FPLATE_REC_RING_OVERRUN |
					    FPLATE_REC_RESYNC))))
			break;
		if (n == 0) {
			blk->first_sample = rec.sample;
			if (rec.flags & FPLATE_REC_GAP ||
			    (*next_sample != UINT64_MAX && rec.sample != *next_sample))
				blk->flags |= FP_BLK_GAP;
			if (rec.flags & FPLATE_REC_RESYNC)
				blk->flags |= FP_BLK_GAP | FP_BLK_RESUMED;
		}
		if (rec.flags & (FPLATE_REC_RING_OVERRUN | FPLATE_REC_DEV_OVERRUN))
			blk->flags |= FP_BLK_OVERRUN;
		if (rec.flags & FPLATE_REC_SATURATED)
			blk->flags |= FP_BLK_SATURATED;
		memcpy(counts, p + sizeof(rec), values * sizeof(int32_t));
		for (size_t v = 0; v < values; v++)
			blk->raw[n * values + v] = counts[v];
		blk->sync[n] = rec.sync;
		n++;
		r->pos++;
	}
	if (n)
		*next_sample = blk->first_sample + n;
	blk->n = n;
	return n;
}

void fp_kmod_counters_add(struct fp_counters *sum, const struct fplate_counters *k)
{
	sum->packets += k->packets;
	sum->gaps += k->seq_gaps + k->ring_overruns;
	sum->lost_samples += k->lost_samples + k->overrun_samples;
	sum->malformed += k->malformed;
	sum->overruns += k->ring_overruns + k->dev_overruns;
}

/* ---- device access ---- */

/* The same words on every retry while the device is away: a reader (fplated)
 * logs a message once, and again only when it changes. */
static int kmod_gone_msg(struct fp_device *dev, struct kmod_priv *p)
{
	return fp_dev_err(dev, -ENODEV, "kmod://%s: amplifier '%s' unplugged; waiting for it to come back",
			  p->path, p->pin_serial);
}

/* Open the node and check it is an fplate device of our ABI and, once a
 * serial is pinned, the amplifier opened first. */
static int kmod_open_node(struct fp_device *dev, struct kmod_priv *p)
{
	char serial[33], where[sizeof(p->path) + 8];
	uint32_t abi = 0;
	int fd, err;

	fd = open(p->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (p->pin_serial[0] && (err == -ENOENT || err == -ENXIO || err == -ENODEV))
			return kmod_gone_msg(dev, p);  /* not back yet */
		return fp_dev_err(dev, err, "kmod://%s: cannot open: %s%s", p->path,
				  strerror(-err), err == -ENOENT ?
				  " (is fplate.ko loaded and the device plugged in? modprobe fplate)" : "");
	}
	if (ioctl(fd, FPLATE_IOC_GET_VERSION, &abi) < 0) {
		err = errno == ENOTTY ? -ENODEV : -errno;
		close(fd);
		return fp_dev_err(dev, err, "kmod://%s: not an fplate device node (%s)",
				  p->path, strerror(errno));
	}
	if (abi != FPLATE_ABI_VERSION) {
		close(fd);
		return fp_dev_err(dev, -EPROTO,
				  "kmod://%s: fplate.ko speaks ABI %u, this library ABI %u",
				  p->path, abi, FPLATE_ABI_VERSION);
	}
	/* Which amplifier is it? Nothing is changed on one that is not ours. */
	if (ioctl(fd, FPLATE_IOC_GET_INFO, &p->kinfo) < 0) {
		err = -errno;
		close(fd);
		return fp_dev_err(dev, err, "kmod://%s: FPLATE_IOC_GET_INFO: %s", p->path,
				  strerror(-err));
	}
	snprintf(serial, sizeof(serial), "%.32s", p->kinfo.serial);
	snprintf(where, sizeof(where), "kmod://%s", p->path);
	if (!fp_replug_same(where, p->pin_serial, serial, dev->msg, sizeof(dev->msg))) {
		close(fd);
		return -ENODEV;
	}
	if (p->rate_hz && ioctl(fd, FPLATE_IOC_SET_RATE, &(uint32_t){ (uint32_t)p->rate_hz }) < 0) {
		err = -errno;
		close(fd);
		return fp_dev_err(dev, err, "kmod://%s: rate=%ld refused by the device: %s",
				  p->path, p->rate_hz, strerror(-err));
	}
	/* Again: the rate decides K and the record layout. */
	if (p->rate_hz && ioctl(fd, FPLATE_IOC_GET_INFO, &p->kinfo) < 0) {
		err = -errno;
		close(fd);
		return fp_dev_err(dev, err, "kmod://%s: FPLATE_IOC_GET_INFO: %s", p->path,
				  strerror(-err));
	}
	p->fd = fd;
	return 0;
}

static void kmod_fill_info(struct fp_device *dev, const struct fplate_info *k)
{
	struct fp_info *info = &dev->info;

	snprintf(info->model, sizeof(info->model), "%.32s", k->model);
	snprintf(info->serial, sizeof(info->serial), "%.32s", k->serial);
	snprintf(info->firmware, sizeof(info->firmware), "%.16s", k->firmware);
	info->plates = k->plates;
	info->channels = k->channels;
	info->rate_hz = k->rate_hz;
	info->unit = FP_RAW_COUNTS;
	info->adc_bits = k->adc_bits;
	info->full_scale_v = k->full_scale_uv * 1e-6;
	info->paced = 1;
	info->has_sync = 1;
	info->external_clock = k->clock == FP_USB_CLOCK_EXTERNAL;
}

static int kmod_open(struct fp_device *dev, const struct fp_uri *uri)
{
	static const char *const keys[] = { "rate", NULL };
	char msg[FP_MSG_MAX];
	struct kmod_priv *p;
	int ret;

	ret = fp_uri_check_keys(uri, keys, msg, sizeof(msg));
	if (ret)
		return fp_dev_err(dev, ret, "%s", msg);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->next_sample = UINT64_MAX;
	/* The protocol's SET_RATE carries 16 bits, as for usb://. */
	ret = fp_uri_get_long(uri, "rate", 0, 1, 65535, &p->rate_hz, msg, sizeof(msg));
	if (ret) {
		free(p);
		return fp_dev_err(dev, ret, "%s", msg);
	}
	snprintf(p->path, sizeof(p->path), "%s", uri->path[0] ? uri->path : KMOD_DEFAULT_PATH);
	ret = kmod_open_node(dev, p);
	if (ret) {
		free(p);
		return ret;
	}
	p->buf = malloc((size_t)KMOD_READ_RECORDS * p->kinfo.record_size);
	if (!p->buf) {
		close(p->fd);
		free(p);
		return -ENOMEM;
	}
	p->cur.buf = p->buf;
	p->cur.record_size = p->kinfo.record_size;
	snprintf(p->pin_serial, sizeof(p->pin_serial), "%.32s", p->kinfo.serial);
	kmod_fill_info(dev, &p->kinfo);
	dev->priv = p;
	return 0;
}

static void kmod_close(struct fp_device *dev)
{
	struct kmod_priv *p = dev->priv;

	if (p->fd >= 0)
		close(p->fd);
	free(p->buf);
	free(p);
	dev->priv = NULL;
}

/* The device went away: keep what its counters said, drop the node. */
static int kmod_lost(struct fp_device *dev, struct kmod_priv *p)
{
	fp_kmod_counters_add(&p->past, &p->last);
	memset(&p->last, 0, sizeof(p->last));
	close(p->fd);
	p->fd = -1;
	p->cur.n_records = p->cur.pos = 0;
	p->disconnects++;
	p->gone_ns = fp_clock_ns(CLOCK_MONOTONIC);
	return kmod_gone_msg(dev, p);
}

/* START the stream; the kernel's index begins again at 0. */
static int kmod_begin(struct fp_device *dev, struct kmod_priv *p)
{
	p->cur.n_records = p->cur.pos = 0;
	p->next_sample = UINT64_MAX;
	if (ioctl(p->fd, FPLATE_IOC_START, 0) < 0) {
		if (errno == ENODEV)
			return kmod_lost(dev, p);
		return fp_dev_err(dev, -errno, "kmod://%s: start: %s", p->path, strerror(errno));
	}
	return 0;
}

static int kmod_start(struct fp_device *dev)
{
	struct kmod_priv *p = dev->priv;

	if (p->fd < 0)
		return fp_dev_err(dev, -ENODEV, "kmod://%s: device not present", p->path);
	p->offset = p->next_index = 0;
	p->resumed = 0;
	return kmod_begin(dev, p);
}

static int kmod_stop(struct fp_device *dev)
{
	struct kmod_priv *p = dev->priv;

	if (p->fd < 0)
		return 0;
	if (ioctl(p->fd, FPLATE_IOC_STOP, 0) < 0 && errno != ENODEV)
		return fp_dev_err(dev, -errno, "kmod://%s: stop: %s", p->path, strerror(errno));
	return 0;
}

/*
 * Reopen after an unplug: the same amplifier (kmod_open_node checks the
 * pinned serial) with the same layout must come back. A node that is simply
 * not there yet leaves the "unplugged" message as it was.
 */
static int kmod_reopen(struct fp_device *dev, struct kmod_priv *p, int timeout_ms)
{
	struct fplate_info old = p->kinfo;
	struct fp_info was = dev->info;
	char where[sizeof(p->path) + 8];
	uint64_t lost;
	int ret;

	ret = kmod_open_node(dev, p);
	if (ret)
		p->kinfo = old;
	snprintf(where, sizeof(where), "kmod://%s", p->path);
	if (ret == 0) {
		kmod_fill_info(dev, &p->kinfo);
		if (!fp_replug_same_layout(where, &was, &dev->info, dev->msg, sizeof(dev->msg))) {
			close(p->fd);
			p->fd = -1;
			p->kinfo = old;
			dev->info = was;
			ret = -ENODEV;
		}
	}
	if (ret == 0 && dev->started) {
		int64_t gone_ns = p->gone_ns;
		uint64_t disconnects = p->disconnects;

		ret = kmod_begin(dev, p);
		if (ret && p->fd >= 0) {
			close(p->fd);
			p->fd = -1;
		}
		/* Gone again at START: still the outage that began at gone_ns,
		 * skipped once when a START works (as on usb://). */
		p->gone_ns = gone_ns;
		p->disconnects = disconnects;
	}
	if (ret) {
		if (timeout_ms != 0) {
			int ms = timeout_ms < 0 || timeout_ms > KMOD_RETRY_MS ?
				 KMOD_RETRY_MS : timeout_ms;
			nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
		}
		dev->info = was;
		return -ENODEV;
	}
	if (!dev->started)
		return 0;  /* fp_start() begins a new time axis anyway */
	/* The kernel restarts at sample 0; the host index skips the outage. */
	lost = fp_replug_resume(p->next_index, p->gone_ns, fp_clock_ns(CLOCK_MONOTONIC),
				was.rate_hz, &p->offset);
	p->next_index = p->offset;
	p->past.lost_samples += lost;
	p->past.gaps++;
	p->resumed = 1;
	return 0;
}

/* Wait for records and read a batch into p->buf. 0 on timeout. */
static int kmod_fill(struct fp_device *dev, struct kmod_priv *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	ssize_t got;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : fp_dev_err(dev, -errno, "kmod: poll: %s",
							   strerror(errno));
	if (ret == 0)
		return 0;
	got = read(p->fd, p->buf, (size_t)KMOD_READ_RECORDS * p->kinfo.record_size);
	if (got < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ENODEV)
			return kmod_lost(dev, p);
		/* EPIPE here is a stalled endpoint, not fp_read()'s end of source. */
		return fp_dev_err(dev, -EIO, "kmod://%s: the stream failed: %s", p->path,
				  strerror(errno));
	}
	if (got == 0)
		return fp_dev_err(dev, -EIO, "kmod://%s: the driver stopped the stream", p->path);
	if ((size_t)got % p->kinfo.record_size)
		return fp_dev_err(dev, -EPROTO, "kmod://%s: read %zd bytes, not whole %u-byte records",
				  p->path, got, p->kinfo.record_size);
	p->cur.n_records = (size_t)got / p->kinfo.record_size;
	p->cur.pos = 0;
	/* Counters of the same moment, kept for status and for after an unplug. */
	if (ioctl(p->fd, FPLATE_IOC_GET_COUNTERS, &p->last) < 0 && errno == ENODEV)
		memset(&p->last, 0, sizeof(p->last));
	return 1;
}

static int kmod_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	struct kmod_priv *p = dev->priv;
	int ret;

	if (p->fd < 0) {
		ret = kmod_reopen(dev, p, timeout_ms);
		if (ret)
			return ret;
	}
	if (p->cur.pos >= p->cur.n_records) {
		ret = kmod_fill(dev, p, timeout_ms);
		if (ret <= 0)
			return ret;
	}
	if (!fp_kmod_take(&p->cur, blk, &p->next_sample))
		return 0;
	blk->first_sample += p->offset;
	if (p->resumed) {
		blk->flags |= FP_BLK_GAP | FP_BLK_RESUMED;
		p->resumed = 0;
	}
	p->next_index = blk->first_sample + blk->n;
	blk->t_host_ns = fp_clock_ns(CLOCK_REALTIME);
	p->delivered += blk->n;
	return (int)blk->n;
}

static int kmod_get_calibration(struct fp_device *dev, struct fp_calib *cal)
{
	struct kmod_priv *p = dev->priv;
	struct fplate_calib kc;
	char msg[FP_MSG_MAX];
	int ret;

	if (p->fd < 0)
		return fp_dev_err(dev, -ENODEV, "kmod://%s: device not present", p->path);
	memset(cal, 0, sizeof(*cal));
	cal->version = FP_CALIB_VERSION;
	cal->plates = p->kinfo.plates;
	for (uint32_t plate = 0; plate < p->kinfo.plates; plate++) {
		memset(&kc, 0, sizeof(kc));
		kc.plate = plate;
		if (ioctl(p->fd, FPLATE_IOC_GET_CALIB, &kc) < 0)
			return fp_dev_err(dev, errno == EPIPE ? -ENOENT : -errno,
					  "kmod://%s: calibration of plate %u: %s", p->path,
					  plate, strerror(errno));
		ret = fp_usb_cal_decode(&kc.cal, plate, p->kinfo.channels, p->kinfo.adc_bits,
					p->kinfo.full_scale_uv * 1e-6, &cal->plate[plate], msg,
					sizeof(msg));
		if (ret)
			return fp_dev_err(dev, ret, "kmod://%s: %s", p->path, msg);
		if (plate == 0)
			snprintf(cal->id, sizeof(cal->id), "%.*s", (int)sizeof(kc.cal.cal_id),
				 kc.cal.cal_id);
	}
	return 0;
}

static int kmod_get_counters(struct fp_device *dev, struct fp_counters *c)
{
	struct kmod_priv *p = dev->priv;

	if (p->fd >= 0 && ioctl(p->fd, FPLATE_IOC_GET_COUNTERS, &p->last) < 0 &&
	    errno != ENODEV)
		return fp_dev_err(dev, -errno, "kmod://%s: counters: %s", p->path,
				  strerror(errno));
	*c = p->past;
	fp_kmod_counters_add(c, &p->last);
	c->samples = p->delivered;
	c->disconnects = p->disconnects;
	return 0;
}

/* A sysfs attribute of /dev/fplateN's interface, "" if unreadable. */
static void kmod_sysfs(const char *node, const char *attr, char *out, size_t len)
{
	const char *name = strrchr(node, '/') ? strrchr(node, '/') + 1 : node;
	char path[320];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/usbmisc/%s/device/%s", name, attr);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int kmod_list(fp_list_cb cb, void *arg)
{
	glob_t g;
	int n = 0;

	if (glob("/dev/fplate[0-9]*", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char uri[FP_URI_MAX], desc[256], model[64], serial[64], plates[16],
		     channels[16], rate[16];

		kmod_sysfs(g.gl_pathv[i], "model", model, sizeof(model));
		kmod_sysfs(g.gl_pathv[i], "serial", serial, sizeof(serial));
		kmod_sysfs(g.gl_pathv[i], "plates", plates, sizeof(plates));
		kmod_sysfs(g.gl_pathv[i], "channels", channels, sizeof(channels));
		kmod_sysfs(g.gl_pathv[i], "rate", rate, sizeof(rate));
		snprintf(uri, sizeof(uri), "kmod://%s", g.gl_pathv[i]);
		if (model[0])
			snprintf(desc, sizeof(desc), "%s serial %s: %s plates x %s channels at %s Hz (fplate.ko)",
				 model, serial, plates, channels, rate);
		else
			snprintf(desc, sizeof(desc), "fplate.ko device node");
		if (cb)
			cb(uri, desc, arg);
		n++;
	}
	globfree(&g);
	return n;
}

const struct fp_backend_ops fp_kmod_ops = {
	.scheme = "kmod",
	.help = "fplate.ko kernel module node: kmod:///dev/fplate0?rate=HZ (rate optional; docs/kernel.md)",
	.open = kmod_open,
	.close = kmod_close,
	.start = kmod_start,
	.stop = kmod_stop,
	.read = kmod_read,
	.get_calibration = kmod_get_calibration,
	.get_counters = kmod_get_counters,
	.list = kmod_list,
};
