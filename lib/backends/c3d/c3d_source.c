// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_source.c - the c3d:// backend: replay a C3D file's force plates as a
 * live device.
 *
 *   c3d:///path/run.c3d?rate=realtime|fast&loop=0|1&plates=1,4&zero=0|1&action=0|1
 *
 * Samples are delivered at the file's own analog rate (reported as
 * rate_hz; no resampling), paced by the clock with rate=realtime or as
 * fast as read with rate=fast. Plates of type 4 are delivered as volts with
 * the file's CAL_MATRIX as calibration (FP_RAW_VOLTS); otherwise every
 * plate is delivered as Fx..Mz in the fplate plate frame (FP_RAW_FM) with
 * an identity matrix, so fp_calib_apply() with fp_get_calibration() gives
 * what c3d_fp.c computes. The end of the file is -EPIPE unless loop=1.
 * action=1 is for files that store the force on the plate instead of the
 * reaction (Fz > 0 in the file's z-down frame when loaded): F and M negated.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util_int.h"
#include "backend.h"
#include "fplate/c3d.h"

struct c3d_src {
	struct fp_c3d *c;
	uint32_t plate[FP_MAX_PLATES];   /* file plate index of each device plate */
	int fast, loop, volts;
	double sign;                     /* -1 with action=1 */
	unsigned flags;                  /* FP_C3D_ZERO */
	uint64_t pos;                    /* next file sample */
	uint64_t delivered;              /* device sample index */
	struct timespec t0;
	double belt;
	int belt_ch;                     /* analog belt-speed channel, -1: none */
	double belt_scale;               /* its unit to m/s */
	long sync_ch;                    /* analog channel SYNC (fplate recordings), -1 none */
	struct fp_counters cnt;
};

static int computable(const struct fp_c3d *c, uint32_t p)
{
	return c->plate[p].type >= 1 && c->plate[p].type <= 4;
}

static int parse_plates(struct fp_device *dev, struct c3d_src *s, const char *list)
{
	const struct fp_c3d *c = s->c;
	uint32_t n = 0;

	if (!list) {
		for (uint32_t p = 0; p < c->n_plates && n < FP_MAX_PLATES; p++)
			if (computable(c, p))
				s->plate[n++] = p;
		if (!n)
			return fp_dev_err(dev, -ENODEV, "c3d://%s: no force plate of type 1-4 "
					  "in the file (%u plates)", c->name, c->n_plates);
		return (int)n;
	}
	for (const char *q = list; *q;) {
		char *end;
		long v = strtol(q, &end, 10);

		if (end == q || (*end && *end != ',') || v < 1 || v > (long)c->n_plates ||
		    n >= FP_MAX_PLATES)
			return fp_dev_err(dev, -EINVAL, "c3d:// parameter 'plates' value '%s': "
					  "expected up to %d plate numbers 1..%u separated by ','",
					  list, FP_MAX_PLATES, c->n_plates);
		if (!computable(c, (uint32_t)v - 1))
			return fp_dev_err(dev, -EINVAL, "c3d:// plates: plate %ld has type %d "
					  "(1-4 supported)", v, c->plate[v - 1].type);
		s->plate[n++] = (uint32_t)v - 1;
		q = *end ? end + 1 : end;
	}
	return n ? (int)n : fp_dev_err(dev, -EINVAL, "c3d:// parameter 'plates' is empty");
}

/* Does s contain word, ignoring case? */
static int has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (!strncasecmp(s, word, n))
			return 1;
	return 0;
}

/*
 * An analog channel that records the belt speed: its label names the belt,
 * treadmill or speed and its unit is m/s or km/h. Its mean over each block
 * is the block's belt speed.
 */
static void belt_channel(struct c3d_src *s)
{
	const struct fp_c3d *c = s->c;

	s->belt_ch = -1;
	for (uint32_t ch = 0; ch < c->n_analog && c->an_label && c->an_units; ch++) {
		const char *l = c->an_label[ch] ? c->an_label[ch] : "", *u = c->an_units[ch] ? c->an_units[ch] : "";

		if (!has_word(l, "belt") && !has_word(l, "treadmill") && !has_word(l, "speed"))
			continue;
		if (!strcasecmp(u, "m/s")) {
			s->belt_scale = 1.0;
		} else if (!strcasecmp(u, "km/h")) {
			s->belt_scale = 1.0 / 3.6;
		} else {
			continue;
		}
		s->belt_ch = (int)ch;
		return;
	}
}

static int c3d_src_open(struct fp_device *dev, const struct fp_uri *uri)
{
	static const char *const keys[] = { "rate", "loop", "plates", "zero", "action", NULL };
	static const char *const rates[] = { "realtime", "fast", NULL };
	struct c3d_src *s;
	const struct fp_c3d_param *bs;
	const char *base;
	int ret, n, rate, zero, action;

	ret = fp_uri_check_keys(uri, keys, dev->msg, sizeof(dev->msg));
	if (!ret)
		ret = fp_uri_get_choice(uri, "rate", 0, rates, &rate, dev->msg, sizeof(dev->msg));
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!ret)
		ret = fp_uri_get_bool(uri, "loop", 0, &s->loop, dev->msg, sizeof(dev->msg));
	if (!ret)
		ret = fp_uri_get_bool(uri, "zero", 0, &zero, dev->msg, sizeof(dev->msg));
	if (!ret)
		ret = fp_uri_get_bool(uri, "action", 0, &action, dev->msg, sizeof(dev->msg));
	if (!ret && !uri->path[0])
		ret = fp_dev_err(dev, -EINVAL, "c3d:// needs a file path (c3d:///path/run.c3d)");
	if (!ret)
		ret = fp_c3d_open(uri->path, &s->c, dev->msg, sizeof(dev->msg));
	if (ret) {
		free(s);
		return ret;
	}
	n = parse_plates(dev, s, fp_uri_get(uri, "plates"));
	if (n < 0) {
		fp_c3d_free(s->c);
		free(s);
		return n;
	}
	s->fast = rate == 1;
	/* A replay in real time (fplated) holds the file for as long as it
	 * runs: its analog data is copied out, so that nothing done to the
	 * file meanwhile can fault a read of the mapping. rate=fast (fplate
	 * analyze) reads the channels it needs from the mapping. */
	if (!s->fast && fp_c3d_load_analog(s->c)) {
		fp_c3d_free(s->c);
		free(s);
		return fp_dev_err(dev, -ENOMEM, "%s: out of memory", uri->path);
	}
	s->sign = action ? -1.0 : 1.0;
	s->flags = zero ? FP_C3D_ZERO : 0;
	s->volts = !zero;
	for (int i = 0; i < n; i++)
		s->volts &= s->c->plate[s->plate[i]].type == 4;
	/* a recording's sync word (docs/c3d.md) is replayed as the block's sync[] */
	s->sync_ch = -1;
	for (uint32_t i = 0; i < s->c->n_analog; i++)
		if (!strcmp(s->c->an_label[i], FP_C3D_SYNC_LABEL))
			s->sync_ch = i;
	dev->info.has_sync = s->sync_ch >= 0;
	bs = fp_c3d_param(s->c, "FPLATE", "BELT_SPEED");
	s->belt = bs && fp_c3d_param_num(bs, 0) >= 0 ? fp_c3d_param_num(bs, 0) : NAN;
	belt_channel(s);
	base = strrchr(uri->path, '/');
	snprintf(dev->info.model, sizeof(dev->info.model), "C3D file (%u plates, types",
		 s->c->n_plates);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(dev->info.model);

		snprintf(dev->info.model + l, sizeof(dev->info.model) - l, " %d",
			 s->c->plate[s->plate[i]].type);
	}
	strncat(dev->info.model, ")", sizeof(dev->info.model) - strlen(dev->info.model) - 1);
	base = base ? base + 1 : uri->path;
	snprintf(dev->info.serial, sizeof(dev->info.serial), "%.*s",
		 (int)sizeof(dev->info.serial) - 1, base);
	snprintf(dev->info.firmware, sizeof(dev->info.firmware), "c3d");
	dev->info.plates = (uint32_t)n;
	dev->info.channels = 6;
	dev->info.rate_hz = s->c->analog_rate;
	dev->info.unit = s->volts ? FP_RAW_VOLTS : FP_RAW_FM;
	dev->info.paced = !s->fast;
	dev->priv = s;
	if (!fp_c3d_analog_samples(s->c)) {
		fp_c3d_free(s->c);
		free(s);
		dev->priv = NULL;
		return fp_dev_err(dev, -EINVAL, "%s: the file has no analog samples", uri->path);
	}
	return 0;
}

static void c3d_src_close(struct fp_device *dev)
{
	struct c3d_src *s = dev->priv;

	if (s) {
		fp_c3d_free(s->c);
		free(s);
	}
	dev->priv = NULL;
}

static int c3d_src_start(struct fp_device *dev)
{
	struct c3d_src *s = dev->priv;

	s->pos = 0;
	s->delivered = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	return 0;
}

static int c3d_src_stop(struct fp_device *dev)
{
	(void)dev;
	return 0;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Samples due by now (realtime), waiting up to timeout_ms for the first. */
static uint64_t due(struct c3d_src *s, double rate, int timeout_ms)
{
	double waited = 0;

	for (;;) {
		double t = elapsed_s(&s->t0), target = floor(t * rate);
		double next;
		struct timespec ts;

		if (target > (double)s->delivered)
			return (uint64_t)target - s->delivered;
		next = ((double)s->delivered + 1) / rate - t;
		if (timeout_ms >= 0 && waited + next > timeout_ms * 1e-3) {
			next = timeout_ms * 1e-3 - waited;
			if (next <= 0)
				return 0;
		}
		ts.tv_sec = (time_t)next;
		ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9) + 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		nanosleep(&ts, NULL);
		waited += next;
	}
}

static int c3d_src_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	struct c3d_src *s = dev->priv;
	uint64_t total = fp_c3d_analog_samples(s->c), n = blk->capacity;
	uint32_t np = dev->info.plates;

	if (s->pos >= total) {
		if (!s->loop)
			return -EPIPE;
		s->pos = 0;
	}
	if (!s->fast) {
		uint64_t d = due(s, dev->info.rate_hz, timeout_ms);

		if (!d)
			return 0;
		if (d < n)
			n = d;
	}
	if (n > total - s->pos)
		n = total - s->pos;
	for (uint64_t i = 0; i < n; i++)
		for (uint32_t p = 0; p < np; p++) {
			double *v = blk->raw + (i * np + p) * 6;

			if (s->volts) {
				fp_c3d_fp_volts(s->c, s->plate[p], s->pos + i, v);
			} else {
				fp_c3d_fm(s->c, s->plate[p], s->pos + i, s->flags, v);
				for (int k = 0; k < 6; k++)
					v[k] *= s->sign;
			}
		}
	memset(blk->sync, 0, n * sizeof(*blk->sync));
	for (uint64_t i = 0; s->sync_ch >= 0 && i < n; i++) {
		double w = fp_c3d_analog(s->c, s->pos + i, (uint32_t)s->sync_ch);

		/* stored exactly; anything else (NaN, negative) is no input */
		blk->sync[i] = w >= 0 && w <= 0xffffff ? (uint32_t)w : 0;
	}
	blk->n = (uint32_t)n;
	blk->first_sample = s->delivered;
	blk->belt_speed_mps = s->belt;
	if (s->belt_ch >= 0 && n) {
		double sum = 0;

		for (uint64_t i = 0; i < n; i++)
			sum += fp_c3d_analog(s->c, s->pos + i, (uint32_t)s->belt_ch);
		if (isfinite(sum) && sum >= 0)
			blk->belt_speed_mps = sum / (double)n * s->belt_scale;
	}
	blk->t_host_ns = fp_clock_ns(CLOCK_REALTIME);
	s->pos += n;
	s->delivered += n;
	s->cnt.samples += n;
	s->cnt.packets++;
	return (int)n;
}

static int c3d_src_calib(struct fp_device *dev, struct fp_calib *cal)
{
	struct c3d_src *s = dev->priv;

	memset(cal, 0, sizeof(*cal));
	cal->version = FP_CALIB_VERSION;
	snprintf(cal->id, sizeof(cal->id), "c3d:%.*s", (int)sizeof(cal->id) - 5,
		 dev->info.serial);
	cal->plates = dev->info.plates;
	for (uint32_t p = 0; p < cal->plates; p++) {
		int ret = fp_c3d_plate_calib(s->c, s->plate[p], s->volts, &cal->plate[p]);

		if (ret)
			return ret;
		for (int r = 0; s->volts && r < 6; r++)
			for (int k = 0; k < 6; k++)
				cal->plate[p].matrix[r][k] *= s->sign;
	}
	return 0;
}

static int c3d_src_counters(struct fp_device *dev, struct fp_counters *c)
{
	*c = ((struct c3d_src *)dev->priv)->cnt;
	return 0;
}

const struct fp_backend_ops fp_c3d_backend = {
	.scheme = "c3d",
	.help = "replay a C3D file: c3d:///path.c3d?rate=realtime|fast&loop=0|1"
		"&plates=1,2&zero=0|1&action=0|1",
	.open = c3d_src_open,
	.close = c3d_src_close,
	.start = c3d_src_start,
	.stop = c3d_src_stop,
	.read = c3d_src_read,
	.get_calibration = c3d_src_calib,
	.get_counters = c3d_src_counters,
};
