// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * notify.c - systemd's service notification protocol, spoken directly.
 *
 * The protocol (sd_notify(3), "Notification protocol" in systemd's
 * documentation, stable since systemd 209): $NOTIFY_SOCKET names an
 * AF_UNIX datagram socket, a filesystem path ("/run/systemd/notify") or an
 * abstract name written with a leading '@'; the service sends one datagram
 * of newline-separated KEY=VALUE assignments. The watchdog interval is in
 * $WATCHDOG_USEC and applies to the process $WATCHDOG_PID names (or to any
 * process when unset). These hundred lines spare the daemon a dependency on
 * libsystemd (and its libraries inside the test VM).
 *
 * The state below is process-wide on purpose: there is exactly one service
 * manager per process. It lives in the daemon, not in libfplate.
 */
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool initialised;
	int fd;                     /* datagram socket, -1 until first send */
	struct sockaddr_un addr;
	socklen_t addr_len;         /* 0: no $NOTIFY_SOCKET, notifications off */
	int addr_err;               /* negative errno if $NOTIFY_SOCKET is bad */
	uint64_t watchdog_usec;     /* $WATCHDOG_USEC, 0 = no watchdog */
	uint64_t last_ping_usec;    /* CLOCK_MONOTONIC of the last WATCHDOG=1 */
} notify = { .fd = -1 };

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return (errno || *end) ? 0 : (uint64_t)v;
}

static void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd_pid = getenv("WATCHDOG_PID");
	size_t len;

	notify.initialised = true;
	if (path && *path) {
		len = strlen(path);
		if ((path[0] != '/' && path[0] != '@') || len >= sizeof(notify.addr.sun_path)) {
			notify.addr_err = -EAFNOSUPPORT;
		} else {
			notify.addr.sun_family = AF_UNIX;
			memcpy(notify.addr.sun_path, path, len);
			if (path[0] == '@')
				notify.addr.sun_path[0] = '\0'; /* abstract, not NUL-ended */
			else
				len++;                          /* include the NUL */
			notify.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		}
	}
	/* A watchdog meant for another process (our parent) is not ours. */
	if (!wd_pid || !*wd_pid || parse_u64(wd_pid) == (uint64_t)getpid())
		notify.watchdog_usec = parse_u64(getenv("WATCHDOG_USEC"));
}

int fp_notify_send(const char *state)
{
	ssize_t n;
	size_t len = strlen(state);

	if (!notify.initialised)
		notify_init();
	if (notify.addr_err)
		return notify.addr_err;
	if (!notify.addr_len)
		return 0;
	if (notify.fd < 0) {
		notify.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (notify.fd < 0)
			return -errno;
	}
	n = sendto(notify.fd, state, len, MSG_NOSIGNAL,
		   (const struct sockaddr *)&notify.addr, notify.addr_len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

/* "PREFIX" or "PREFIX\nSTATUS=text": status lines are cut at a newline. */
static int send_with_status(const char *prefix, const char *status)
{
	char msg[512];
	size_t status_len;

	if (!status)
		return fp_notify_send(prefix);
	status_len = strcspn(status, "\n");
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%.*s", prefix, *prefix ? "\n" : "",
		 (int)status_len, status);
	return fp_notify_send(msg);
}

int fp_notify_ready(const char *status)
{
	return send_with_status("READY=1", status);
}

int fp_notify_status(const char *text)
{
	return send_with_status("", text ? text : "");
}

int fp_notify_stopping(void)
{
	return fp_notify_send("STOPPING=1");
}

uint64_t fp_notify_watchdog_usec(void)
{
	if (!notify.initialised)
		notify_init();
	return notify.watchdog_usec / 4;
}

int fp_notify_watchdog(void)
{
	uint64_t interval = fp_notify_watchdog_usec(), now;
	int err;

	if (!interval || !notify.addr_len)
		return 0;
	now = now_usec();
	if (notify.last_ping_usec && now - notify.last_ping_usec < interval)
		return 0;
	err = fp_notify_send("WATCHDOG=1");
	if (err < 0)
		return err;
	notify.last_ping_usec = now;
	return 1;
}
