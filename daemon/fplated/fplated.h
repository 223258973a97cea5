/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fplated.h - the daemon's state and its modules.
 *
 *   main.c     options, device and calibration set-up, the event loop,
 *              signals and shutdown
 *   acquire.c  acquisition thread: fp_read() into the SPSC ring, device
 *              loss / return / end of source
 *   process.c  processing (main thread): calibrate, fit time, run the
 *              stages, encode and publish `force`
 *   status.c   the `status` message
 *   publish.c  the ZeroMQ PUB socket: [topic][payload], never blocks
 *   stages.c   the list of frame consumers, each a struct fpd_stage:
 *     stage_window.c  the control socket's average / tare windows
 *     stage_record.c  recording to C3D (record start/stop)
 *     stage_gait.c    gait analysis, `step` messages
 *   control.c  the control sockets (ROUTER): bound, parse, authorise, act, reply
 *   ctl_auth.c who may connect and do what: roles, CURVE + ZAP, the token
 *   files.c    the only files a client can name (record, calibration folders)
 *   config.c   defaults, INI file, command line
 *
 * Memory: every buffer is allocated at start (or when a recording starts)
 * and has a fixed size, written beside it; nothing grows with running time
 * (`make soak` measures it: tests/bench/soak.py, docs/performance.md). The
 * queues libzmq keeps are bounded by high-water marks and a maximum
 * request size (publish.c, control.c).
 *
 * Threads: the acquisition thread owns the device while running and only
 * touches struct fpd_acq (atomics and its side of the ring); everything
 * else belongs to the main thread. With [device] single_thread = yes a
 * paced device with coalescing has no acquisition thread: the main thread
 * reads it too (fpd_acq_step). The control socket is served from the
 * main thread's poll loop, so it may use all of struct fpd.
 */
#ifndef FPLATED_H
#define FPLATED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <zmq.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "ring.h"
#include "timefit.h"
#include "config.h"
#include "ctl_proto.h"
#include "util_int.h"

struct fp_c3d_writer;

enum fpd_dev_state {
	FPD_DEV_STARTING = 0,
	FPD_DEV_RUNNING,
	FPD_DEV_GONE,     /* fp_read() said -ENODEV: retrying until it returns */
	FPD_DEV_ENDED,    /* finite source finished (-EPIPE) */
	FPD_DEV_FAILED,   /* any other read error: the daemon exits non-zero */
	FPD_DEV_STOPPED,  /* fplated is shutting down: the last status says so */
};

const char *fpd_dev_state_name(enum fpd_dev_state s);
struct fpd;
/* A copy of acq.error_msg (acquire.c), safe from any thread. */
void fpd_acq_error(struct fpd *d, char *buf, size_t len);

enum fpd_set_state { FPD_SET_IDLE = 0, FPD_SET_PENDING, FPD_SET_DONE };

/* Acquisition side (acquire.c). */
/* The block being filled: a ring slot, the scratch block while the ring is
 * full, or none (blk NULL) between blocks. */
struct fpd_fill {
	int slot;                    /* ring index, or -1 for scratch */
	struct fp_block *blk;
	uint32_t pending_flags;      /* for the next block committed */
	uint32_t blocks;
};

struct fpd_acq {
	struct fp_ring ring;
	struct fp_block *slots;      /* [ring capacity = ring_slots, 4..65536, default
				      * 256], block_samples each; owned, allocated
				      * once (256 x 20 x 2 x 6 doubles = 480 KiB) */
	struct fp_block scratch;     /* filled instead of a slot while the ring is full */
	struct fp_block staging;     /* every read lands here: 2 blocks long */
	int wake_fd;                 /* eventfd: a block or a state change is ready */
	pthread_t thread;
	int running;                 /* thread was created (main thread only) */
	int inline_mode;             /* no thread: the main thread reads (fpd_acq_step) */
	struct fpd_fill fill;        /* the reader's block being filled */
	_Atomic int stop;
	_Atomic int state;           /* enum fpd_dev_state */
	_Atomic uint64_t overrun_blocks;
	/* The device may only be used by the acquisition thread while it runs,
	 * so it copies the backend counters here now and then for `status`. */
	pthread_mutex_t counters_lock;
	struct fp_counters counters;
	/* device-set from the control socket (control.c): the main thread
	 * fills key/value and sets PENDING; the acquisition thread applies it
	 * between reads (it alone may touch the device) and sets DONE. */
	pthread_mutex_t set_lock;
	_Atomic int set_state;       /* enum fpd_set_state */
	char set_key[64];
	char set_value[256];
	int set_result;
	char set_msg[FP_MSG_MAX];
	int error;                   /* FAILED: the negative errno */
	/* Why the device is GONE or FAILED, in the backend's words. The
	 * acquisition thread rewrites it under counters_lock whenever the
	 * words change (an unplugged plate, then another amplifier plugged in
	 * its place) and counts the changes in error_seq; other threads read
	 * it with fpd_acq_error(). */
	char error_msg[FP_MSG_MAX];
	_Atomic unsigned error_seq;
};

/* Publisher (publish.c). */
struct fpd_pub {
	void *ctx;
	void *sock;                  /* libzmq queues at most sndhwm messages per
				      * subscriber (default 2000 force frames of
				      * 1592 B: 3.1 MiB for one that stopped
				      * reading); subscriptions <= FPD_SUB_MAX_BYTES */
	uint64_t sent;               /* messages accepted by ZeroMQ */
	uint64_t dropped;            /* times a subscriber's queue was found full */
	int count_drops;             /* drop_policy count: NODROP + resend */
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
	struct fp_frames frames;     /* calibrated block (block_samples), owned */
	struct fp_timefit fit;       /* fixed size: an exponentially weighted fit */
	unsigned char *wire;         /* encode buffer of one frame (wire_len), owned */
	size_t wire_len;
	uint64_t next_sample;        /* expected first_sample of the next block */
	int have_next;
	uint64_t sequence;
	/* Rate over status periods, between the least-delayed block of each
	 * period (arrival delays are one-sided, so the minimum is robust to
	 * scheduling stalls). */
	struct fpd_rate_point {
		uint64_t index;      /* index after the block's last sample */
		int64_t t_ns;        /* when it was processed, CLOCK_MONOTONIC */
		int64_t delay_ns;    /* t_ns - index * nominal period */
		int valid;
	} rate_best, rate_prev;
	double rate_hz;
	int64_t next_status_ns;      /* CLOCK_MONOTONIC */
	int last_state;
	unsigned last_error_seq;     /* acq.error_seq last logged */
};

#define FPD_MAX_STAGES 8

/* Run-time settings changed by `set` on the control socket (control.c). */
struct fpd_settings {
	double belt_speed_mps;       /* NaN: unknown unless the source reports it */
	double body_mass_kg;         /* 0: automatic */
	double contact_on_n, contact_off_n;
	double cutoff_hz;            /* force metrics (control: set cutoff_hz) */
	double cop_cutoff_hz;        /* COP path ([gait] cop_cutoff_hz) */
	unsigned int generation;     /* +1 at every change of these, the calibration
				      * or the tare, for stages to notice */
};

/* Sums of an average / tare window (control.c). */
struct fpd_ctl_acc {
	uint64_t n;
	double sum[FP_MAX_PLATES][FP_NFIELDS];
	double sumsq[FP_MAX_PLATES][FP_NFIELDS];
	uint64_t finite[FP_MAX_PLATES][FP_NFIELDS];
	double volts[FP_MAX_PLATES][FP_MAX_CHANNELS];
};

/* What a request may do (ctl_auth.c): describe and status, or everything. */
enum fpd_role { FPD_ROLE_READ = 0, FPD_ROLE_CONTROL = 1 };

/* A client of a ROUTER control socket: the socket and its routing id (control.c). */
struct fpd_ctl_peer {
	void *sock;
	unsigned char id[256];
	size_t id_len;
};

#define FPD_CTL_MAX_REQUEST 65536    /* bytes: larger messages are refused by libzmq */
/* Subscription messages from subscribers (a topic prefix): bounded, so a
 * subscriber cannot grow the daemon's subscription table at will. */
#define FPD_SUB_MAX_BYTES 4096   /* also bounds the CURVE handshake (INITIATE > 256 B) */

struct fpd_ctl {
	void *sock;                  /* ZeroMQ ROUTER, control role; NULL when disabled */
	void *read_sock;             /* ZeroMQ ROUTER, read role; NULL when disabled */
	int busy;                    /* a window / device-set request awaits its reply */
	struct fp_ctl_request req;   /* the busy request */
	struct fpd_ctl_peer cur;     /* the client of the request being handled */
	struct fpd_ctl_peer pend;    /* the client of the busy request */
	const struct fpd_ctl_peer *to; /* where fpd_reply_json() sends */
	/* refused requests (bad token, malformed envelope): counted, logged at
	 * most once a second, and at most FPD_CTL_REFUSALS_PER_S answered */
	int64_t refuse_window_ns;
	unsigned int refused_in_window, refused_unlogged;
	uint64_t refused_total;
	char refused_last[128];
	uint64_t need;               /* samples for the window */
	int64_t deadline_ns;         /* CLOCK_MONOTONIC */
	struct fpd_ctl_acc acc;
	char secret[128];            /* "" = no token required (ctl_auth.c) */
};

/* A recording started on the control socket (record.c). */
/* What a `record start` asks for beyond the file (control.c fills it). */
struct fpd_rec_opts {
	char subject[64], session[64];
	enum fp_edge start_on, stop_on;  /* trigger: edges of sync_bit */
	unsigned int sync_bit;
};

struct fpd_rec {
	struct fpd_rec_opts opt;     /* of the next fpd_record_start() */
	struct fp_edge_track track;  /* sync word before the next block, always kept */
	uint64_t track_next;         /* first_sample the tracked word is just before */
	int armed;                   /* waiting for the start edge: nothing written yet */
	int has_sync;                /* the file has the SYNC channel */
	uint64_t first_sample;       /* device index of the file's first sample */
	uint64_t sync_edges, sync_events_dropped;
	struct fp_c3d_writer *w;     /* NULL when not recording */
	char path[4096];
	float *values;               /* block_samples * n_analog, owned; the file
				      * grows on disk, the writer's memory does not */
	uint32_t n_analog;
	uint32_t spf;                /* samples per C3D point frame (only whole frames are kept) */
	uint64_t samples, limit;     /* limit 0: until stop; a multiple of spf */
	uint64_t next_sample;
	int have_next;
	char error[256];             /* why the last recording ended early, "" if it did not */
	double nan_fields[FP_MAX_PLATES * FP_NFIELDS];
};

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
	/* what reset-counters cleared so far: status "lifetime" adds it back,
	 * so the evidence of data loss survives a reset */
	struct fpd_stats stats_before_reset;
	uint64_t dropped_before_reset;
	uint64_t resets;
	void *stage_priv[FPD_MAX_STAGES];
	int stages_ready;            /* stages whose init succeeded */
	struct fpd_settings settings;
	struct fpd_ctl ctl;
	struct fpd_rec rec;
	int unlink_pub, unlink_ctl, unlink_read; /* ipc:// socket files to remove at exit */
};

/*
 * A processing stage sees every block in order, raw (blk) and calibrated
 * (f), before it is published, and may add to the status message and
 * publish its own events (fpd_publish_json). Every frame consumer of the
 * daemon is one; they are listed in stages.c; all hooks run on the main
 * thread. The control socket talks to a stage through the functions the
 * stage's file declares below, never through process.c.
 */
struct fpd_stage {
	const char *name;
	int (*init)(struct fpd *d, void **priv);          /* optional; <0 aborts start */
	void (*frames)(struct fpd *d, void *priv, const struct fp_block *blk,
		       const struct fp_frames *f);
	void (*status)(struct fpd *d, void *priv, json_t *status); /* optional */
	void (*fini)(struct fpd *d, void *priv);           /* optional */
};
extern const struct fpd_stage *const fpd_stages[]; /* NULL-terminated */

/* log.c */
void fpd_log_set_level(enum fpd_log_level level);
/* "<3>" ... "<7>" when stderr is the journal ($JOURNAL_STREAM), else "". */
const char *fpd_log_prefix(enum fpd_log_level level);
void fpd_log(enum fpd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define fpd_err(...)   fpd_log(FPD_LOG_ERROR, __VA_ARGS__)
#define fpd_warn(...)  fpd_log(FPD_LOG_WARN, __VA_ARGS__)
#define fpd_info(...)  fpd_log(FPD_LOG_INFO, __VA_ARGS__)
#define fpd_debug(...) fpd_log(FPD_LOG_DEBUG, __VA_ARGS__)

/* acquire.c */
int fpd_acq_init(struct fpd *d);
int fpd_acq_start(struct fpd *d);
void fpd_acq_stop(struct fpd *d);    /* ask, join (inline: flush); safe if never started */
void fpd_acq_release(struct fpd *d);
/*
 * The device-paced path: with coalescing on a paced device (sim://, USB,
 * kmod, comedi, c3d at rate=realtime) no acquisition thread is started;
 * the main loop calls fpd_acq_step() (one read; completed blocks go into
 * the ring without an eventfd write), drains the ring itself and waits in
 * ppoll() until *due_ns (CLOCK_MONOTONIC; 0: read again at once). Returns
 * 1 at the end of the source or on failure (see the state), else 0.
 * fpd_acq_stop() hands over the partial block.
 */
int fpd_acq_inline(const struct fpd *d);
int fpd_acq_step(struct fpd *d, int64_t *due_ns);

/* publish.c */
/*
 * For an ipc:///DIR/NAME endpoint: create DIR when it is missing (one
 * level). 0, or negative errno with msg saying why it cannot be used.
 */
int fpd_ipc_folder(const char *endpoint, char *msg, size_t msg_len);
int fpd_pub_open(struct fpd_pub *p, const struct fpd_config *cfg, char *msg, size_t msg_len);
int fpd_pub_send(struct fpd_pub *p, const char *topic, const void *data, size_t len);
int fpd_publish_json(struct fpd *d, const char *topic, json_t *obj);
void fpd_pub_close(struct fpd_pub *p);

/* process.c */
int fpd_proc_init(struct fpd *d);
void fpd_proc_release(struct fpd *d);
/* Drain the ring; returns the number of blocks processed. */
int fpd_proc_drain(struct fpd *d);

/* status.c */
json_t *fpd_status_json(struct fpd *d);
void fpd_publish_status(struct fpd *d);
/* Publish status now if the period elapsed or the device state changed;
 * returns ms until the next one is due. */
int fpd_status_tick(struct fpd *d);

/* control.c */
int fpd_ctl_open(struct fpd *d, char *msg, size_t msg_len);
void fpd_ctl_close(struct fpd *d);
void fpd_ctl_handle(struct fpd *d, void *sock); /* a control socket is readable */
/* Count a refused request or connection, log at most once a second; 1 when
 * it may still be answered (at most FPD_CTL_REFUSALS_PER_S a second). */
int fpd_ctl_refusal(struct fpd *d, const char *why, const char *who);
void fpd_ctl_tick(struct fpd *d);            /* answer requests whose data is in */
void fpd_reply_json(struct fpd *d, json_t *r);  /* steals r */
void fpd_reply_error(struct fpd *d, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ctl_auth.c */
int fpd_endpoint_is_local(const char *ep);
int fpd_ctl_auth_init(struct fpd *d, char *msg, size_t msg_len);
int fpd_ctl_auth_ok(const struct fpd *d, const char *token);
/* CURVE: load keys and bind the ZAP handler in ctx before any socket is bound;
 * refuse a network-reachable endpoint without it. */
int fpd_curve_init(struct fpd *d, void *ctx, char *msg, size_t msg_len);
/* Make sock a CURVE server if CURVE is configured and ep is tcp://. */
int fpd_curve_apply(void *sock, const char *ep, char *msg, size_t msg_len);
void *fpd_curve_zap_socket(void);            /* NULL when CURVE is off */
void fpd_curve_zap_handle(struct fpd *d);    /* the ZAP socket is readable */
void fpd_curve_close(void);
/* The role of a request received on an endpoint of endpoint_role: a CURVE
 * client's key may lower it to read. m is any frame of the request. */
int fpd_curve_role(zmq_msg_t *m, int endpoint_role);

/* files.c: the files a control request may name, in the configured folders.
 * A name is 1..FPD_NAME_MAX of [A-Za-z0-9._-], not starting with '.'. */
#define FPD_NAME_MAX 128
int fpd_file_name_ok(const char *what, const char *name, char *msg, size_t msg_len);
/* openat(dir, name, flags | O_NOFOLLOW | O_NONBLOCK) of a regular file; the
 * fd (blocking again) or -errno with msg; *dir_fd (if asked) stays open. */
int fpd_file_open(const char *what, const char *dir, const char *name, int flags, int *dir_fd,
		  char *msg, size_t msg_len);
/* The whole of a regular file of at most max bytes, NUL-terminated, malloc'd. */
int fpd_file_read(const char *what, const char *dir, const char *name, size_t max,
		  char **text, size_t *len, char *msg, size_t msg_len);

/* Before binding an ipc:// endpoint; 1 = remove its file at exit (files.c). */
int fpd_ipc_claim(const char *ep, char *msg, size_t msg_len);

/* stage_window.c: collect an average / tare window of d->ctl.need samples
 * into d->ctl.acc while d->ctl.busy with one of those requests. */
void fpd_window_start(struct fpd *d, uint64_t samples);

/* stage_record.c: start returns 0 or a negative errno with msg filled;
 * stop returns the samples written (0 when not recording). */
int fpd_record_start(struct fpd *d, const char *name, double seconds, char *msg, size_t len);
uint64_t fpd_record_stop(struct fpd *d);

/* stages.c */
int fpd_stages_init(struct fpd *d);
void fpd_stages_frames(struct fpd *d, const struct fp_block *blk, const struct fp_frames *f);
void fpd_stages_status(struct fpd *d, json_t *status);
void fpd_stages_fini(struct fpd *d);

#endif
