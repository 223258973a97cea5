/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.h - what the fplate CLI's commands share: the endpoint to use,
 * Ctrl-C handling that ends a receive loop cleanly (fp_sub_read returns
 * -EINTR, fpc_interrupted() says whether to stop), number parsing. The
 * subscribing itself is libfplate's (fplate/sub.h).
 */
#ifndef FPLATE_CLIENT_H
#define FPLATE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"   /* FP_DEFAULT_ENDPOINT */

/* Seconds a client waits for the daemon before giving up. */
#define FPC_DEFAULT_TIMEOUT_S 3.0

/* --endpoint if given, else $FPLATE_ENDPOINT, else the default. */
const char *fpc_endpoint(const char *option);

/* SIGINT / SIGTERM set a flag (and interrupt fp_sub_read) instead of killing. */
void fpc_catch_signals(void);
int fpc_interrupted(void);

/*
 * libfplate reads C3D files through a memory map (fp_c3d_open). If another
 * program truncates the file meanwhile, reading a page past the new end
 * raises SIGBUS; this turns it into a message naming the source and exit
 * status 1 instead of a crash. For commands that read a file to the end
 * and hold nothing that needs cleaning up. source: a file name or a
 * c3d:// URI (other URIs: SIGBUS handling only).
 */
void fpc_guard_mapped(const char *cmd, const char *source);
/*
 * A change that raises no SIGBUS (a truncation inside the last mapped page,
 * whose tail then reads as zeros; a rewrite in place) is seen by comparing
 * the file's size, mtime and inode with those at fpc_guard_mapped(): -1,
 * with the same message on stderr, if they differ. Call it once everything
 * has been read.
 */
int fpc_guard_check(void);

/* Parse a positive number of seconds; -1 with a message on stderr if bad. */
double fpc_parse_seconds(const char *cmd, const char *option, const char *value);

/* Wall clock in seconds (CLOCK_MONOTONIC). */
double fpc_now_s(void);

/* fp_sub_open() with the CURVE keys of the environment when they are set
 * (docs/control.md, "Security"); msg says why it failed. */
struct fp_sub;
int fpc_sub_open(const char *cmd, const char *endpoint, unsigned int topics,
		 struct fp_sub **out, char *msg, size_t msg_len);

/*
 * Which run of fplated the messages come from. A restarted daemon (systemd
 * restart, crash, upgrade) publishes a new stream_id, and its sequence,
 * sample indices and uptime start again (docs/wire-format.md); with a fixed
 * [publish] stream_id only the latter tell. fpc_run_check() returns 1 for
 * the first message of a new run (never for the very first message seen):
 * a force frame with another stream_id or a sequence that went back, or a
 * status with another stream_id or a smaller uptime_s. The caller resets
 * its per-stream state or stops; fpc_run_what() says what happened.
 */
struct fp_sub_msg;
struct fp_wire_header;
struct fpc_run {
	int known;                 /* a message was seen */
	uint32_t stream_id;        /* of the current run */
	uint32_t old_stream_id;    /* of the run before the last change */
	int have_seq;              /* a force frame was seen in this run */
	uint64_t next_seq;
	double uptime_s;           /* of the last status in this run, NaN if none */
	unsigned int restarts;     /* changes seen */
};

void fpc_run_init(struct fpc_run *r);
/* A force frame's header, a status message's JSON, or any fp_sub_msg. */
int fpc_run_force(struct fpc_run *r, const struct fp_wire_header *h);
int fpc_run_status(struct fpc_run *r, const char *json, size_t len);
int fpc_run_check(struct fpc_run *r, const struct fp_sub_msg *m);
/* "fplated restarted (stream_id A -> B)" into buf, after a change. */
const char *fpc_run_what(const struct fpc_run *r, char *buf, size_t len);

#endif
