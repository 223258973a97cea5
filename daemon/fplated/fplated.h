/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fplated.h - the daemon's state and its modules.
 *
 *   main.c     options, device and calibration set-up, the event loop,
 *              signals and shutdown
 *   acquire.c  acquisition thread: fp_read() into the SPSC ring, device
 *              loss / return / end of source
 *   process.c  processing (main thread): calibrate, fit time, run the
 *              stages, encode and publish `force`, build `status`
 *   publish.c  the ZeroMQ PUB socket: [topic][payload], never blocks
 *   stages.c   processing stages that consume calibrated frames (gait...)
 *   config.c   defaults, INI file, command line
 *
 * Threads: the acquisition thread owns the device while running and only
 * touches struct fpd_acq (atomics and its side of the ring); everything
 * else belongs to the main thread. The control socket (when added) is
 * served from the main thread's poll loop, so it may use all of struct fpd.
 */
#ifndef FPLATED_H
#define FPLATED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "ring.h"
#include "timefit.h"
#include "config.h"

enum fpd_dev_state {
	FPD_DEV_STARTING = 0,
	FPD_DEV_RUNNING,
	FPD_DEV_GONE,     /* fp_read() said -ENODEV: retrying until it returns */
	FPD_DEV_ENDED,    /* finite source finished (-EPIPE) */
	FPD_DEV_FAILED,   /* any other read error: the daemon exits non-zero */
};

const char *fpd_dev_state_name(enum fpd_dev_state s);

/* Acquisition thread side (acquire.c). */
struct fpd_acq {
	struct fp_ring ring;
	struct fp_block *slots;      /* [ring capacity], owned, allocated once */
	struct fp_block scratch;     /* filled instead of a slot while the ring is full */
	struct fp_block staging;     /* device reads appended to a partly filled slot */
	int wake_fd;                 /* eventfd: a block or a state change is ready */
	pthread_t thread;
	int running;                 /* thread was created (main thread only) */
	_Atomic int stop;
	_Atomic int state;           /* enum fpd_dev_state */
	_Atomic uint64_t overrun_blocks;
	/* The device may only be used by the acquisition thread while it runs,
	 * so it copies the backend counters here now and then for `status`. */
	pthread_mutex_t counters_lock;
	struct fp_counters counters;
	int error;                   /* FAILED: the negative errno */
	char error_msg[FP_MSG_MAX];  /* FAILED: words, written before state */
};

/* Publisher (publish.c). */
struct fpd_pub {
	void *ctx;
	void *sock;
	uint64_t sent;               /* messages accepted by ZeroMQ */
	uint64_t dropped;            /* messages refused (subscriber queue full) */
};

/* Counters of the processing side, reported in `status`. */
struct fpd_stats {
	uint64_t samples;            /* samples processed and published */
	uint64_t frames;             /* force frames encoded */
	uint64_t gaps;               /* discontinuities of the sample index */
	uint64_t lost_samples;       /* samples missing by the index */
	uint64_t saturated_frames;
	uint64_t resumes;            /* device came back */
};

/* Processing state (process.c). */
struct fpd_proc {
	struct fp_frames frames;     /* calibrated block, owned */
	struct fp_timefit fit;
	unsigned char *wire;         /* encode buffer, owned */
	size_t wire_len;
	uint64_t next_sample;        /* expected first_sample of the next block */
	int have_next;
	uint64_t sequence;
	/* rate over the last status period, from block arrival times */
	uint64_t rate_index;
	int64_t rate_t_ns;
	uint64_t last_end_index;     /* index after the last sample processed */
	int64_t last_recv_ns;
	double rate_hz;
	int64_t next_status_ns;      /* CLOCK_MONOTONIC */
	int last_state;
};

#define FPD_MAX_STAGES 8

struct fpd {
	struct fpd_config cfg;
	struct fp_device *dev;
	struct fp_info info;
	struct fp_calib cal;
	char calib_source[FPD_PATH_MAX + 16]; /* "file PATH", "device", "neutral" */
	uint32_t block_samples;
	uint32_t stream_id;
	int64_t start_mono_ns;
	struct fpd_acq acq;
	struct fpd_pub pub;
	struct fpd_proc proc;
	struct fpd_stats stats;
	void *stage_priv[FPD_MAX_STAGES];
};

/*
 * A processing stage sees every calibrated block in order and may add to
 * the status message and publish its own events (fpd_publish_json). Stages
 * are listed in stages.c; all hooks run on the main thread.
 */
struct fpd_stage {
	const char *name;
	int (*init)(struct fpd *d, void **priv);          /* optional; <0 aborts start */
	void (*frames)(struct fpd *d, void *priv, const struct fp_frames *f);
	void (*status)(struct fpd *d, void *priv, json_t *status); /* optional */
	void (*fini)(struct fpd *d, void *priv);           /* optional */
};
extern const struct fpd_stage *const fpd_stages[]; /* NULL-terminated */

/* log.c */
void fpd_log_set_level(enum fpd_log_level level);
void fpd_log(enum fpd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define fpd_err(...)   fpd_log(FPD_LOG_ERROR, __VA_ARGS__)
#define fpd_warn(...)  fpd_log(FPD_LOG_WARN, __VA_ARGS__)
#define fpd_info(...)  fpd_log(FPD_LOG_INFO, __VA_ARGS__)
#define fpd_debug(...) fpd_log(FPD_LOG_DEBUG, __VA_ARGS__)

int64_t fpd_now_ns(int clock_id);

/* acquire.c */
int fpd_acq_init(struct fpd *d);
int fpd_acq_start(struct fpd *d);
void fpd_acq_stop(struct fpd *d);    /* ask, join; safe if never started */
void fpd_acq_release(struct fpd *d);

/* publish.c */
int fpd_pub_open(struct fpd_pub *p, const struct fpd_config *cfg, char *msg, size_t msg_len);
int fpd_pub_send(struct fpd_pub *p, const char *topic, const void *data, size_t len);
int fpd_publish_json(struct fpd *d, const char *topic, json_t *obj);
void fpd_pub_close(struct fpd_pub *p);

/* process.c */
int fpd_proc_init(struct fpd *d);
void fpd_proc_release(struct fpd *d);
/* Drain the ring; returns the number of blocks processed. */
int fpd_proc_drain(struct fpd *d);
json_t *fpd_status_json(struct fpd *d);
void fpd_publish_status(struct fpd *d);
/* Publish status now if the period elapsed or the device state changed;
 * returns ms until the next one is due. */
int fpd_status_tick(struct fpd *d);

/* stages.c */
int fpd_stages_init(struct fpd *d);
void fpd_stages_frames(struct fpd *d, const struct fp_frames *f);
void fpd_stages_status(struct fpd *d, json_t *status);
void fpd_stages_fini(struct fpd *d);

#endif
