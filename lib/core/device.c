// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * device.c - the device core: pick a backend from the URI scheme and call
 * through its ops table. Nothing here knows about a particular backend.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#include "util_int.h"

int fp_dev_err(struct fp_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->msg, sizeof(dev->msg), fmt, ap);
	va_end(ap);
	return err;
}

static const struct fp_backend_ops *find_backend(const char *scheme)
{
	for (const struct fp_backend_ops *const *b = fp_backends; *b; b++)
		if (!strcmp((*b)->scheme, scheme))
			return *b;
	return NULL;
}

int fp_open(const char *uri_text, struct fp_device **out, char *msg, size_t msg_len)
{
	struct fp_uri *uri;
	struct fp_device *dev;
	const struct fp_backend_ops *ops;
	int ret;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	uri = calloc(1, sizeof(*uri));
	if (!uri)
		return -ENOMEM;
	ret = fp_uri_parse(uri_text, uri, msg, msg_len);
	if (ret)
		goto out_uri;
	ops = find_backend(uri->scheme);
	if (!ops) {
		char list[128] = "";
		size_t used = 0;

		for (const struct fp_backend_ops *const *b = fp_backends; *b; b++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s://",
						 b == fp_backends ? "" : ", ", (*b)->scheme);
		MSG("unknown device scheme '%s' in '%s' (known: %s)", uri->scheme,
		    uri_text, list);
		ret = -EPROTONOSUPPORT;
		goto out_uri;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		ret = -ENOMEM;
		goto out_uri;
	}
	dev->ops = ops;
	snprintf(dev->info.backend, sizeof(dev->info.backend), "%s", ops->scheme);
	snprintf(dev->info.uri, sizeof(dev->info.uri), "%s", uri_text);
	ret = ops->open(dev, uri);
	if (ret) {
		MSG("%s", dev->msg[0] ? dev->msg : fp_strerror(ret));
		free(dev);
		goto out_uri;
	}
	if (dev->info.plates < 1 || dev->info.plates > FP_MAX_PLATES ||
	    dev->info.channels < 1 || dev->info.channels > FP_MAX_CHANNELS ||
	    !(dev->info.rate_hz > 0)) {
		MSG("%s://: device reports %u plates x %u channels at %g Hz, outside what libfplate supports",
		    ops->scheme, dev->info.plates, dev->info.channels, dev->info.rate_hz);
		ops->close(dev);
		free(dev);
		ret = -ERANGE;
		goto out_uri;
	}
	*out = dev;
out_uri:
	free(uri);
	return ret;
}

void fp_close(struct fp_device *dev)
{
	if (!dev)
		return;
	if (dev->started)
		dev->ops->stop(dev);
	dev->ops->close(dev);
	free(dev);
}

int fp_info(const struct fp_device *dev, struct fp_info *info)
{
	if (!dev || !info)
		return -EINVAL;
	*info = dev->info;
	return 0;
}

int fp_start(struct fp_device *dev)
{
	int ret;

	if (!dev)
		return -EINVAL;
	if (dev->started)
		return -EALREADY;
	ret = dev->ops->start(dev);
	if (ret == 0)
		dev->started = 1;
	return ret;
}

int fp_stop(struct fp_device *dev)
{
	int ret;

	if (!dev)
		return -EINVAL;
	if (!dev->started)
		return 0;
	ret = dev->ops->stop(dev);
	dev->started = 0;
	return ret;
}

int fp_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	if (!dev || !blk || !blk->raw || !blk->capacity)
		return -EINVAL;
	if (!dev->started)
		return -EBADFD;
	if (blk->plates != dev->info.plates || blk->channels != dev->info.channels)
		return fp_dev_err(dev, -EINVAL,
				  "block sized for %u x %u, device has %u plates x %u channels",
				  blk->plates, blk->channels, dev->info.plates,
				  dev->info.channels);
	blk->n = 0;
	blk->flags = 0;
	blk->belt_speed_mps = NAN;
	return dev->ops->read(dev, blk, timeout_ms);
}

int fp_get_calibration(struct fp_device *dev, struct fp_calib *cal)
{
	if (!dev || !cal)
		return -EINVAL;
	if (!dev->ops->get_calibration)
		return -ENOENT;
	return dev->ops->get_calibration(dev, cal);
}

int fp_get_counters(struct fp_device *dev, struct fp_counters *c)
{
	if (!dev || !c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (!dev->ops->get_counters)
		return 0;
	return dev->ops->get_counters(dev, c);
}

int fp_set(struct fp_device *dev, const char *key, const char *value,
	   char *msg, size_t msg_len)
{
	int ret;

	if (!dev || !key || !value)
		return -EINVAL;
	if (!dev->ops->set) {
		MSG("%s:// has no run-time parameters", dev->ops->scheme);
		return -ENOTSUP;
	}
	dev->msg[0] = '\0';
	ret = dev->ops->set(dev, key, value);
	if (ret)
		MSG("%s", dev->msg[0] ? dev->msg : fp_strerror(ret));
	return ret;
}

const char *fp_device_message(const struct fp_device *dev)
{
	return dev ? dev->msg : "";
}

int fp_block_init(struct fp_block *blk, const struct fp_info *info, uint32_t capacity)
{
	if (!blk || !info || !capacity || info->plates < 1 ||
	    info->plates > FP_MAX_PLATES || info->channels < 1 ||
	    info->channels > FP_MAX_CHANNELS)
		return -EINVAL;
	memset(blk, 0, sizeof(*blk));
	blk->raw = calloc((size_t)capacity * info->plates * info->channels, sizeof(double));
	blk->sync = calloc(capacity, sizeof(uint32_t));
	if (!blk->raw || !blk->sync) {
		fp_block_release(blk);
		return -ENOMEM;
	}
	blk->capacity = capacity;
	blk->plates = info->plates;
	blk->channels = info->channels;
	blk->belt_speed_mps = NAN;
	return 0;
}

void fp_block_release(struct fp_block *blk)
{
	if (!blk)
		return;
	free(blk->raw);
	free(blk->sync);
	memset(blk, 0, sizeof(*blk));
}

int fp_list(fp_list_cb cb, void *arg)
{
	int total = 0;

	for (const struct fp_backend_ops *const *b = fp_backends; *b; b++) {
		int n;

		if (!(*b)->list)
			continue;
		n = (*b)->list(cb, arg);
		if (n > 0)
			total += n;
	}
	return total;
}

const char *fp_scheme_at(unsigned int i)
{
	for (unsigned int k = 0; fp_backends[k]; k++)
		if (k == i)
			return fp_backends[k]->scheme;
	return NULL;
}

const char *fp_scheme_help(const char *scheme)
{
	const struct fp_backend_ops *ops = scheme ? find_backend(scheme) : NULL;

	return ops ? ops->help : NULL;
}
