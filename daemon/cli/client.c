// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * client.c - what every fplate command shares (see client.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fplate/sub.h"
#include "client.h"
#include "ctl_client.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void fpc_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int fpc_interrupted(void)
{
	return interrupted;
}

static char guard_msg[1024];
static size_t guard_len;
static struct stat guard_st;
static int guard_have;
static char guard_path[4096];

static void on_sigbus(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDERR_FILENO, guard_msg, guard_len);
	(void)r;
	_exit(1);
}

void fpc_guard_mapped(const char *cmd, const char *source)
{
	struct sigaction sa;
	const char *path = source;
	int n;

	n = snprintf(guard_msg, sizeof(guard_msg),
		     "fplate %s: %s changed while it was being read (truncated or rewritten "
		     "by another program): stopped, no result\n", cmd, source);
	guard_len = n < 0 ? 0 : (size_t)n < sizeof(guard_msg) ? (size_t)n : sizeof(guard_msg) - 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	/* a c3d:// URI names its file between the scheme and the query */
	if (!strncmp(source, "c3d://", 6))
		path = source + 6;
	else if (strstr(source, "://"))
		return;
	n = snprintf(guard_path, sizeof(guard_path), "%.*s", (int)strcspn(path, "?"), path);
	guard_have = n > 0 && (size_t)n < sizeof(guard_path) && !stat(guard_path, &guard_st) &&
		     S_ISREG(guard_st.st_mode);
}

int fpc_guard_check(void)
{
	struct stat st;

	if (!guard_have)
		return 0;
	if (!stat(guard_path, &st) && st.st_dev == guard_st.st_dev &&
	    st.st_ino == guard_st.st_ino && st.st_size == guard_st.st_size &&
	    st.st_mtim.tv_sec == guard_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == guard_st.st_mtim.tv_nsec)
		return 0;
	fputs(guard_msg, stderr);
	return -1;
}

const char *fpc_endpoint(const char *option)
{
	const char *env = getenv("FPLATE_ENDPOINT");

	if (option && option[0])
		return option;
	if (env && env[0])
		return env;
	return FP_DEFAULT_ENDPOINT;
}

double fpc_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double fpc_parse_seconds(const char *cmd, const char *option, const char *value)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(value ? value : "", &end);
	if (!value || errno || end == value || *end || !isfinite(v) || v <= 0) {
		fprintf(stderr, "fplate %s: %s '%s': expected a number of seconds > 0\n", cmd,
			option, value ? value : "");
		return -1;
	}
	return v;
}

int fpc_sub_open(const char *cmd, const char *endpoint, unsigned int topics,
		 struct fp_sub **out, char *msg, size_t msg_len)
{
	char skey[41], sec[41];
	int keys = fp_ctl_curve_keys(cmd, skey, sec);

	if (keys < 0) {
		snprintf(msg, msg_len, "CURVE keys of the environment unusable (see above)");
		*out = NULL;
		return -EINVAL;
	}
	return fp_sub_open_curve(endpoint, topics, keys ? skey : NULL, keys ? sec : NULL, out,
				 msg, msg_len);
}

void fpc_run_init(struct fpc_run *r)
{
	memset(r, 0, sizeof(*r));
	r->uptime_s = NAN;
}

/* A change to the run of stream_id id: 1, or 0 for the first message. */
static int run_begin(struct fpc_run *r, uint32_t id)
{
	int changed = r->known;

	if (changed) {
		r->old_stream_id = r->stream_id;
		r->restarts++;
	}
	r->known = 1;
	r->stream_id = id;
	r->have_seq = 0;
	r->uptime_s = NAN;
	return changed;
}

int fpc_run_force(struct fpc_run *r, const struct fp_wire_header *h)
{
	int changed = 0;

	/* ZeroMQ keeps one publisher's order: a sequence that went back is a new run */
	if (!r->known || h->stream_id != r->stream_id ||
	    (r->have_seq && h->sequence < r->next_seq))
		changed = run_begin(r, h->stream_id);
	r->have_seq = 1;
	r->next_seq = h->sequence + 1;
	return changed;
}

int fpc_run_status(struct fpc_run *r, const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *id = json_object_get(root, "stream_id"), *up = json_object_get(root, "uptime_s");
	int changed = 0;

	if (json_is_integer(id)) {
		uint32_t sid = (uint32_t)json_integer_value(id);
		double u = json_is_number(up) ? json_number_value(up) : NAN;

		/* uptime_s is the daemon's CLOCK_MONOTONIC since it started */
		if (!r->known || sid != r->stream_id || u < r->uptime_s)
			changed = run_begin(r, sid);
		if (!isnan(u))
			r->uptime_s = u;
	}
	json_decref(root);
	return changed;
}

/* A step or impact message: by its stream_id alone (no sequence or
 * uptime there; a message without one says nothing). */
static int run_record(struct fpc_run *r, const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *id = json_object_get(root, "stream_id");
	int changed = 0;

	if (json_is_integer(id) && (!r->known || (uint32_t)json_integer_value(id) != r->stream_id))
		changed = run_begin(r, (uint32_t)json_integer_value(id));
	json_decref(root);
	return changed;
}

int fpc_run_check(struct fpc_run *r, const struct fp_sub_msg *m)
{
	if (m->kind == FP_SUB_FORCE)
		return fpc_run_force(r, &m->frame.h);
	if (m->kind == FP_SUB_STATUS)
		return fpc_run_status(r, m->json, m->json_len);
	if (m->kind == FP_SUB_STEP || m->kind == FP_SUB_IMPACT)
		return run_record(r, m->json, m->json_len);
	return 0;
}

const char *fpc_run_what(const struct fpc_run *r, char *buf, size_t len)
{
	if (r->stream_id != r->old_stream_id)
		snprintf(buf, len, "fplated restarted (stream_id %u -> %u)", r->old_stream_id,
			 r->stream_id);
	else
		snprintf(buf, len, "fplated restarted (stream_id %u, fixed: its sequence or "
			 "uptime started again)", r->stream_id);
	return buf;
}
