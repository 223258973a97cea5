// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_notify.c - fplated's sd_notify client against a real AF_UNIX socket.
 *
 * The notifier keeps process-wide state read from the environment on first
 * use, so every case runs in a fresh child process: the child sets the
 * environment, makes the calls and reports wrong return values through its
 * exit status; the parent plays the service manager and checks the exact
 * datagrams that arrived.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fp_test.h"
#include "../../daemon/fplated/notify.h"

struct manager {
	int fd;
	char dir[64];
	char path[96];
};

/* Bind a datagram socket: a path in a fresh directory, or abstract. */
static int manager_open(struct manager *m, int abstract)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len;

	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -1;
	if (abstract) {
		m->dir[0] = '\0';
		snprintf(m->path, sizeof(m->path), "@fplate-notify-test-%d", (int)getpid());
		memcpy(a.sun_path, m->path, strlen(m->path));
		a.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(m->path));
	} else {
		snprintf(m->dir, sizeof(m->dir), "/tmp/fplate-notify.XXXXXX");
		if (!mkdtemp(m->dir))
			return -1;
		snprintf(m->path, sizeof(m->path), "%s/notify", m->dir);
		strcpy(a.sun_path, m->path);
		len = sizeof(a);
	}
	return bind(m->fd, (struct sockaddr *)&a, len);
}

static void manager_close(struct manager *m)
{
	close(m->fd);
	if (m->dir[0]) {
		unlink(m->path);
		rmdir(m->dir);
	}
}

/* Next datagram as a string, "" when none is waiting. */
static const char *manager_recv(struct manager *m)
{
	static char buf[1024];
	ssize_t n = recv(m->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Run scenario(arg) in a child with NOTIFY_SOCKET=sock and WATCHDOG_USEC=wd. */
static int run_child(int (*scenario)(void), const char *sock, const char *wd,
		     const char *wd_pid)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (sock)
			setenv("NOTIFY_SOCKET", sock, 1);
		else
			unsetenv("NOTIFY_SOCKET");
		if (wd)
			setenv("WATCHDOG_USEC", wd, 1);
		else
			unsetenv("WATCHDOG_USEC");
		if (wd_pid && !strcmp(wd_pid, "self")) {
			char self[24];

			snprintf(self, sizeof(self), "%d", (int)getpid());
			setenv("WATCHDOG_PID", self, 1);
		} else if (wd_pid) {
			setenv("WATCHDOG_PID", wd_pid, 1);
		} else {
			unsetenv("WATCHDOG_PID");
		}
		_exit(scenario());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int scenario_ready_stopping(void)
{
	if (fp_notify_ready("acquiring sim://\nsecond line") != 0)
		return 1;
	if (fp_notify_status("12 frames dropped") != 0)
		return 2;
	if (fp_notify_stopping() != 0)
		return 3;
	/* No WATCHDOG_USEC: no pings, whatever the loop does. */
	if (fp_notify_watchdog_usec() != 0 || fp_notify_watchdog() != 0)
		return 4;
	return 0;
}

static void test_ready_status_stopping(void)
{
	struct manager m;

	CU_ASSERT_EQUAL_FATAL(manager_open(&m, 0), 0);
	CU_ASSERT_EQUAL(run_child(scenario_ready_stopping, m.path, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "READY=1\nSTATUS=acquiring sim://");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "STATUS=12 frames dropped");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "STOPPING=1");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "");
	manager_close(&m);
}

static void test_abstract_socket(void)
{
	struct manager m;

	CU_ASSERT_EQUAL_FATAL(manager_open(&m, 1), 0);
	CU_ASSERT_EQUAL(run_child(scenario_ready_stopping, m.path, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "READY=1\nSTATUS=acquiring sim://");
	manager_close(&m);
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define SCENARIO_STALLED 10

/*
 * WatchdogSec=400ms: pings at most every 100 ms, the first one at once.
 * "Not due yet" holds only if the second call comes within 100 ms of the
 * first: a host stall of 100 ms between them (a loaded CI VM) makes a ping
 * due, rightly. The calls are bracketed on CLOCK_MONOTONIC and a run where
 * they were 100 ms or more apart says so instead of deciding; a limiter that
 * pings whenever asked still fails every run that was not stalled.
 */
static int scenario_watchdog(void)
{
	struct timespec wait_110ms = { 0, 110 * 1000 * 1000 };
	int64_t t1;

	if (fp_notify_watchdog_usec() != 100000)
		return 1;
	t1 = mono_us();
	if (fp_notify_watchdog() != 1)
		return 2;
	if (fp_notify_watchdog() != 0)        /* not due yet */
		return mono_us() - t1 >= 100000 ? SCENARIO_STALLED : 3;
	nanosleep(&wait_110ms, NULL);
	if (fp_notify_watchdog() != 1)
		return 4;
	return 0;
}

/* scenario_watchdog until one run was not stalled (at most 5); the
 * datagrams of the stalled runs are discarded. */
static int run_watchdog(struct manager *m, const char *wd_pid)
{
	int rc = SCENARIO_STALLED;

	for (int i = 0; i < 5 && rc == SCENARIO_STALLED; i++) {
		rc = run_child(scenario_watchdog, m->path, "400000", wd_pid);
		if (rc == SCENARIO_STALLED)
			while (manager_recv(m)[0])
				;
	}
	return rc;
}

static void test_watchdog_interval(void)
{
	struct manager m;

	CU_ASSERT_EQUAL_FATAL(manager_open(&m, 0), 0);
	CU_ASSERT_EQUAL(run_watchdog(&m, NULL), 0);
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "WATCHDOG=1");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "WATCHDOG=1");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "");
	/* WATCHDOG_PID naming this process is the same as unset. */
	CU_ASSERT_EQUAL(run_watchdog(&m, "self"), 0);
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "WATCHDOG=1");
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "WATCHDOG=1");
	manager_close(&m);
}

static int scenario_not_ours(void)
{
	return fp_notify_watchdog_usec() == 0 && fp_notify_watchdog() == 0 ? 0 : 1;
}

static void test_watchdog_for_other_pid(void)
{
	struct manager m;

	CU_ASSERT_EQUAL_FATAL(manager_open(&m, 0), 0);
	/* pid 1 is never the test process: the watchdog is someone else's. */
	CU_ASSERT_EQUAL(run_child(scenario_not_ours, m.path, "400000", "1"), 0);
	CU_ASSERT_STRING_EQUAL(manager_recv(&m), "");
	manager_close(&m);
}

static int scenario_no_manager(void)
{
	/* Not under systemd: every call succeeds and does nothing. */
	if (fp_notify_ready(NULL) || fp_notify_stopping() || fp_notify_watchdog())
		return 1;
	return 0;
}

static int scenario_bad_socket(void)
{
	return fp_notify_ready(NULL) == -EAFNOSUPPORT ? 0 : 1;
}

static int scenario_gone_socket(void)
{
	int err = fp_notify_ready(NULL);

	return err == -ENOENT || err == -ECONNREFUSED ? 0 : 1;
}

static void test_no_or_bad_manager(void)
{
	CU_ASSERT_EQUAL(run_child(scenario_no_manager, NULL, "400000", NULL), 0);
	CU_ASSERT_EQUAL(run_child(scenario_bad_socket, "relative/notify", NULL, NULL), 0);
	CU_ASSERT_EQUAL(run_child(scenario_gone_socket, "/nonexistent/fplate/notify", NULL,
				  NULL), 0);
}

void fp_suite_notify(void)
{
	FP_ADD_SUITE("notify",
		     { "ready, status, stopping", test_ready_status_stopping },
		     { "abstract socket name", test_abstract_socket },
		     { "watchdog interval", test_watchdog_interval },
		     { "watchdog for another pid", test_watchdog_for_other_pid },
		     { "no or bad manager", test_no_or_bad_manager });
}
