/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backend.h - what a backend implements (internal to libfplate).
 *
 * Each backend is one folder, lib/backends/<scheme>/, that defines one
 * `const struct fp_backend_ops` and is listed in lib/core/backends.c. The core (device.c) never asks which
 * backend it has: it calls through the table. Optional ops may be NULL.
 */
#ifndef FPLATE_LIB_BACKEND_H
#define FPLATE_LIB_BACKEND_H

#include <stdarg.h>
#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "uri.h"

struct fp_device;

struct fp_backend_ops {
	const char *scheme;            /* "sim" */
	const char *help;              /* one line: parameters and defaults */
	/* Parse uri, fill dev->info, set dev->priv. Report errors with fp_dev_err(). */
	int (*open)(struct fp_device *dev, const struct fp_uri *uri);
	void (*close)(struct fp_device *dev);
	int (*start)(struct fp_device *dev);
	int (*stop)(struct fp_device *dev);
	int (*read)(struct fp_device *dev, struct fp_block *blk, int timeout_ms);
	int (*get_calibration)(struct fp_device *dev, struct fp_calib *cal);   /* optional */
	int (*get_counters)(struct fp_device *dev, struct fp_counters *c);     /* optional */
	int (*set)(struct fp_device *dev, const char *key, const char *value); /* optional */
	int (*list)(fp_list_cb cb, void *arg);                                  /* optional */
};

struct fp_device {
	const struct fp_backend_ops *ops;
	struct fp_info info;
	void *priv;                    /* backend state, owned by the backend */
	int started;
	char msg[FP_MSG_MAX];          /* last detailed error */
};

/* Record a detailed error for fp_device_message(); returns err (negative). */
int fp_dev_err(struct fp_device *dev, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The registry (lib/core/backends.c). NULL-terminated. */
extern const struct fp_backend_ops *const fp_backends[];

#endif
