// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * clockstep.c - LD_PRELOAD helper for test_clock_step.py: steps this
 * process's wall clock (CLOCK_REALTIME) without touching the machine's.
 *
 *   CLOCKSTEP_AT_MS   the step happens this many ms (CLOCK_MONOTONIC) after
 *                     the library is loaded
 *   CLOCKSTEP_BY_MS   signed size of the step (-10000: back 10 s)
 *
 * clock_gettime(CLOCK_REALTIME) and gettimeofday() read the stepped clock.
 * clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME) behaves as the kernel's
 * does when the clock is set: the absolute deadline is re-evaluated against
 * the stepped clock (here every 0.5 ms), so a sleep in progress when the
 * clock goes back X s lasts X s longer. Monotonic clocks are untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*nanosleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

static gettime_fn real_gettime;
static nanosleep_fn real_nanosleep;
static int64_t step_at_ns = INT64_MAX;
static int64_t step_by_ns;

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void resolve(void)
{
	if (!real_gettime)
		real_gettime = (gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	if (!real_nanosleep)
		real_nanosleep = (nanosleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
}

__attribute__((constructor)) static void clockstep_init(void)
{
	const char *at = getenv("CLOCKSTEP_AT_MS");
	const char *by = getenv("CLOCKSTEP_BY_MS");
	struct timespec now;

	resolve();
	if (!at || !by)
		return;
	real_gettime(CLOCK_MONOTONIC, &now);
	step_at_ns = ns_of(&now) + strtoll(at, NULL, 10) * 1000000LL;
	step_by_ns = strtoll(by, NULL, 10) * 1000000LL;
}

/* The offset of the faked wall clock from the real one, now. */
static int64_t offset_ns(void)
{
	struct timespec now;

	real_gettime(CLOCK_MONOTONIC, &now);
	return ns_of(&now) >= step_at_ns ? step_by_ns : 0;
}

static int64_t fake_realtime_ns(void)
{
	struct timespec now;

	real_gettime(CLOCK_REALTIME, &now);
	return ns_of(&now) + offset_ns();
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int64_t t;

	resolve();
	if (clk != CLOCK_REALTIME)
		return real_gettime(clk, ts);
	t = fake_realtime_ns();
	ts->tv_sec = t / 1000000000LL;
	ts->tv_nsec = t % 1000000000LL;
	return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	int64_t t;

	(void)tz;
	resolve();
	t = fake_realtime_ns();
	tv->tv_sec = t / 1000000000LL;
	tv->tv_usec = t % 1000000000LL / 1000;
	return 0;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
	const int64_t slice = 500000;

	resolve();
	if (clk != CLOCK_REALTIME || !(flags & TIMER_ABSTIME))
		return real_nanosleep(clk, flags, req, rem);
	for (;;) {
		int64_t left = ns_of(req) - fake_realtime_ns();
		struct timespec ts;
		int ret;

		if (left <= 0)
			return 0;
		if (left > slice)
			left = slice;
		ts.tv_sec = 0;
		ts.tv_nsec = left;
		ret = real_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		if (ret)
			return ret;
	}
}
