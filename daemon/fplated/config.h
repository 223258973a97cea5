/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - fplated settings: built-in defaults, then the INI file
 * (/etc/fplate/fplate.conf if present, or --config FILE), then command-line
 * options, each layer overriding the one before. Every bad value is
 * reported as one line naming where it came from (file:line or option),
 * the key, the value and what was expected.
 */
#ifndef FPLATED_CONFIG_H
#define FPLATED_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "fplate/fplate.h"

#define FPD_DEFAULT_CONFIG   "/etc/fplate/fplate.conf"
#define FPD_PATH_MAX         512
#define FPD_DEFAULT_RECORD_DIR "/var/lib/fplate"
#define FPD_DEFAULT_CALIB_DIR  "/etc/fplate"

enum fpd_log_level { FPD_LOG_ERROR, FPD_LOG_WARN, FPD_LOG_INFO, FPD_LOG_DEBUG };

/* What to do when a subscriber cannot keep up (docs/wire-format.md). */
enum fpd_drop_policy {
	FPD_DROP_COUNT,    /* ZMQ_XPUB_NODROP: a frame no subscriber can take is dropped for all, counted */
	FPD_DROP_ISOLATE,  /* libzmq drops per subscriber silently; others are unaffected */
};

/* [gait] feet: which foot each plate carries (auto: classified per step). */
enum fpd_feet { FPD_FEET_AUTO, FPD_FEET_LR, FPD_FEET_RL, FPD_FEET_L, FPD_FEET_R };

struct fpd_config {
	char config_file[FPD_PATH_MAX];   /* "" when none was read */
	/* [device] */
	char device_uri[FP_URI_MAX];
	char calibration[FPD_PATH_MAX];   /* "" = device's stored, else neutral */
	int block_ms;                     /* samples per frame = rate * block_ms / 1000 */
	int coalesce;                     /* 1: wake once per block, not per device packet */
	int single_thread;                /* 1 (default): paced + coalesced: no acquisition thread */
	/* [publish] */
	char endpoint[256];
	char ctl_endpoint[256];           /* ZeroMQ REP control socket */
	char ctl_secret_file[FPD_PATH_MAX]; /* shared secret for requests ("" = none) */
	char ctl_read_endpoint[256];      /* read-only role: describe, status ("" = none) */
	char curve_secret_file[FPD_PATH_MAX]; /* CURVE server key ("" = no CURVE) */
	char curve_clients[FPD_PATH_MAX];   /* allowed client keys with their roles */
	char record_dir[FPD_PATH_MAX];    /* record start NAME writes here */
	char calibration_dir[FPD_PATH_MAX]; /* calibration load NAME reads here */
	int sndhwm;                       /* messages queued per subscriber */
	enum fpd_drop_policy drop_policy;
	int status_ms;                    /* status period */
	uint32_t stream_id;               /* 0: random per start */
	char name[64];                    /* this daemon among several (default: host name) */
	/* [gait]: starting values; the control socket's set changes them live */
	int gait_feet;                    /* enum fpd_feet */
	double cutoff_hz;                 /* force metrics' zero-lag cutoff */
	double cop_cutoff_hz;             /* the COP path's */
	double body_mass_kg;              /* 0: estimated from stride cycles */
	double belt_speed_mps;            /* NaN: from the source */
	double contact_on_n, contact_off_n;
	/* [daemon] */
	int ring_slots;                   /* power of two */
	enum fpd_log_level log_level;
};

void fpd_config_defaults(struct fpd_config *cfg);

/* Set one key of a section from text; "expected ..." goes to msg on -EINVAL,
 * -ENOENT for an unknown section or key. */
int fpd_config_set(struct fpd_config *cfg, const char *section, const char *key,
		   const char *value, char *msg, size_t msg_len);

/* Read an INI file into cfg. -errno with "FILE:LINE: ..." in msg. */
int fpd_config_load(struct fpd_config *cfg, const char *path, char *msg, size_t msg_len);

/*
 * The whole command line: defaults, the config file, then options.
 * Returns 0 to run, 1 when --help or --version was printed (exit 0),
 * -EINVAL with the reason in msg (exit 2).
 */
int fpd_config_from_args(struct fpd_config *cfg, int argc, char **argv,
			 char *msg, size_t msg_len);

void fpd_config_usage(FILE *out);

#endif
