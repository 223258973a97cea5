/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gadget.h - fplate-gadget, an fplate USB amplifier in software (docs/protocol.md).
 *
 * Runs on the device side of a USB device controller (dummy_hcd in the
 * test VM): sets up a configfs gadget with one FunctionFS function, writes
 * the descriptors, answers the vendor control requests on ep0 and streams
 * packets on the bulk IN endpoint at the configured rate, clocked like real
 * hardware (a sample is taken every 1/rate s whether or not the host reads;
 * a device FIFO absorbs host latency and overflows, flagged, when the host
 * falls too far behind). Faults can be injected to test the host side:
 * dropped packets (the seq advances, the data never leaves), corrupted
 * packets (a byte flipped after the CRC), endpoint stalls (halt, once or
 * again and again for a while: a persistent transfer error), and the
 * test scripts unplug it by unbinding the UDC.
 *
 * Files: main.c (configfs, descriptors, main), stream.c (sample clock and
 * bulk writes), ep0.c (control requests), options.c (options, report).
 *
 * Threads: main = ep0 (events and control requests); stream = the sample
 * clock and ep1 writes. Shared state is under `lock`; the stream thread
 * blocks in write() without it and is woken by SIGUSR1 (write -> EINTR).
 */
#ifndef FPLATE_GADGET_H
#define FPLATE_GADGET_H

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fplate/calib.h"
#include "usb_parse.h"
#include "../../fpgen.h"

#define MAX_LIST 64

struct opts {
	const char *name, *serial, *source, *stats_path, *t0_path, *udc;
	const char *bad_info;       /* GET_INFO field to report as nonsense, or NULL */
	uint32_t plates, channels, rate, max_rate, k, fifo_ms, ext_rate;
	uint32_t sync_period, sync_width;
	uint32_t stall_ms;          /* each --stall lasts this long (0: one halt) */
	uint64_t trigger_at, checksum_at;
	uint32_t drop[MAX_LIST], corrupt[MAX_LIST], stall[MAX_LIST], repeat[MAX_LIST];
	uint32_t refuse_start[MAX_LIST];  /* START requests (1 = the first) to stall */
	unsigned n_drop, n_corrupt, n_stall, n_repeat, n_refuse_start;
	int64_t restart_after;      /* seq after which the clock restarts once, or -1 */
};

struct gadget {
	struct opts o;
	char dir[256], ffs_dir[128];
	int ep0, ep1;
	struct fpgen gen;
	struct fp_calib cal;
	int have_cal;
	uint32_t adc_bits, full_scale_uv;

	pthread_mutex_t lock;
	pthread_cond_t cond;        /* state changes */
	pthread_t stream_thread;
	int enabled, streaming, quit, in_write;
	int zero_request;           /* ZERO received: next sample defines zero[] */
	uint32_t rate, clock;       /* current settings */
	uint64_t session;           /* +1 per START */
	int32_t zero[FP_MAX_PLATES * FP_MAX_CHANNELS];

	/* counters (under lock) */
	uint32_t packets_sent, samples_sent, overruns, overrun_samples;
	uint32_t dropped, corrupted, stalled, starts, enables, repeated, restarts;
	uint32_t start_requests, starts_refused;
	uint32_t checksum;
	uint64_t checksum_n;
};

extern volatile sig_atomic_t stop_signal;

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int64_t now_ns(clockid_t c);
int write_file(const char *path, const char *text);
int in_list(const uint32_t *list, unsigned n, uint32_t v);

/* stream.c */
uint32_t pick_k(const struct gadget *g, uint32_t rate);
void *stream_main(void *arg);
void stop_stream(struct gadget *g);

/* ep0.c */
void load_calibration(struct gadget *g);
void ep0_loop(struct gadget *g);

/* options.c */
void parse_options(struct opts *o, int argc, char **argv);
void write_stats(struct gadget *g);

#endif
