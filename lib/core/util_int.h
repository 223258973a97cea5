/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util_int.h - two helpers every part of fplate needs and none should copy:
 * MSG() fills the caller's (msg, msg_len) error buffer when it has one, and
 * fp_clock_ns() reads a POSIX clock as nanoseconds. Header-only, private
 * (not installed): lib/, fplated and fplate include it by name.
 */
#ifndef FPLATE_UTIL_INT_H
#define FPLATE_UTIL_INT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* In a function with `char *msg, size_t msg_len` parameters. */
#define MSG(...) do { if (msg && msg_len) snprintf(msg, msg_len, __VA_ARGS__); } while (0)

/* CLOCK_MONOTONIC for intervals and pacing, CLOCK_REALTIME for timestamps. */
static inline int64_t fp_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
