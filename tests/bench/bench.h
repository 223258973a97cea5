/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench.h - what bench.c (the pipeline and the real daemon) and
 * bench_floor.c (the libzmq floors it is measured against) share.
 */
#ifndef FPLATE_BENCH_H
#define FPLATE_BENCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

int64_t now_ns(clockid_t clk);
/* Print "bench: what: why" and exit 1. */
void die(const char *what, const char *why);
/* A free tcp port on 127.0.0.1. */
int free_tcp_port(void);

/*
 * The latency floor: run floor_receiver() and floor_sender() as two
 * threads; the sender publishes a size-byte message every block_ms for
 * `seconds`, the receiver stores each message's latency in lat_us.
 */
struct floor_run {
	char endpoint[64];
	size_t size;
	double seconds;
	int block_ms;
	void *ctx;
	double *lat_us;
	size_t n, cap;
	volatile int ready;
};
void *floor_sender(void *arg);
void *floor_receiver(void *arg);

/* The CPU floor (bench_floor.c): started beside a daemon run, finished after it. */
struct cpu_floor {
	pid_t pid;
	int fd;
	pthread_t rx;
	void *ctx, *sub;
};
void cpu_floor_start(struct cpu_floor *c, int bms, size_t size, double seconds);
/* CPU % of one core of the floor process, NaN if it failed. */
double cpu_floor_finish(struct cpu_floor *c);

#endif
