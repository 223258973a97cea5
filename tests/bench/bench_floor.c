// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_floor.c - the libzmq floors `make bench` measures fplated against
 * (bench.h): the latency of raw libzmq PUB -> SUB over tcp loopback
 * between two threads of this process, same message size and rate,
 * timestamp in the payload; and the CPU of a process that only publishes
 * the daemon's frames.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bench.h"

void *floor_sender(void *arg)
{
	struct floor_run *f = arg;
	void *pub = zmq_socket(f->ctx, ZMQ_PUB);
	unsigned char *buf = calloc(1, f->size);
	int64_t next = now_ns(CLOCK_MONOTONIC), end;

	zmq_bind(pub, f->endpoint);
	while (!f->ready)
		usleep(1000);
	usleep(200000); /* let the subscription arrive */
	end = now_ns(CLOCK_MONOTONIC) + (int64_t)(f->seconds * 1e9);
	while (next < end) {
		struct timespec ts;
		int64_t t;

		next += f->block_ms * 1000000LL;
		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		t = now_ns(CLOCK_REALTIME);
		memcpy(buf, &t, sizeof(t));
		zmq_send(pub, "force", 5, ZMQ_SNDMORE);
		zmq_send(pub, buf, f->size, 0);
	}
	zmq_send(pub, "end", 3, ZMQ_SNDMORE);
	zmq_send(pub, buf, 8, 0);
	free(buf);
	zmq_close(pub);
	return NULL;
}

void *floor_receiver(void *arg)
{
	struct floor_run *f = arg;
	void *sub = zmq_socket(f->ctx, ZMQ_SUB);
	unsigned char *buf = malloc(f->size + 16);
	char topic[16];

	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	usleep(100000);
	zmq_connect(sub, f->endpoint);
	f->ready = 1;
	for (;;) {
		int64_t sent, t;
		int tn = zmq_recv(sub, topic, sizeof(topic), 0);

		if (zmq_recv(sub, buf, f->size + 16, 0) < 0 || tn < 0)
			break;
		t = now_ns(CLOCK_REALTIME);
		if (tn == 3)
			break;
		memcpy(&sent, buf, sizeof(sent));
		if (f->n < f->cap)
			f->lat_us[f->n++] = (double)(t - sent) / 1e3;
	}
	free(buf);
	zmq_close(sub);
	return NULL;
}

/*
 * The CPU floor: what publishing the daemon's frames costs by itself.
 * A child process does only that: sleeps to an absolute deadline every
 * block, sends a frame of the same size on its own context over tcp
 * loopback (so its own libzmq I/O thread), and reports its own CPU time
 * (all threads) over `seconds` after a 2 s warm-up through a pipe. A
 * thread here receives every frame, as a subscriber does. The daemon
 * cannot use less than this per frame with libzmq.
 */

static double process_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void floor_child(const char *endpoint, int bms, size_t size, double seconds, int fd)
{
	void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_PUB);
	unsigned char *buf = calloc(1, size);
	int64_t next = now_ns(CLOCK_MONOTONIC), warm = next + 2000000000LL;
	int64_t end = warm + (int64_t)(seconds * 1e9);
	double cpu0 = 0, pct;

	if (!buf || zmq_bind(pub, endpoint))
		_exit(1);
	while (next < end) {
		struct timespec ts;

		next += bms * 1000000LL;
		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (!cpu0 && next >= warm)
			cpu0 = process_cpu_s();
		zmq_send(pub, "force", 5, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(pub, buf, size, ZMQ_DONTWAIT);
	}
	pct = 100.0 * (process_cpu_s() - cpu0) / seconds;
	if (write(fd, &pct, sizeof(pct)) != sizeof(pct))
		_exit(1);
	_exit(0);
}

static void *floor_rx(void *arg)
{
	struct cpu_floor *c = arg;
	char buf[8192];

	while (zmq_recv(c->sub, buf, sizeof(buf), 0) >= 0)
		;
	return NULL;
}

void cpu_floor_start(struct cpu_floor *c, int bms, size_t size, double seconds)
{
	char endpoint[64];
	int fds[2], linger = 0;

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", free_tcp_port());
	if (pipe(fds))
		die("pipe", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		die("fork", strerror(errno));
	if (c->pid == 0) {
		close(fds[0]);
		floor_child(endpoint, bms, size, seconds, fds[1]);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->ctx = zmq_ctx_new();
	c->sub = zmq_socket(c->ctx, ZMQ_SUB);
	zmq_setsockopt(c->sub, ZMQ_SUBSCRIBE, "", 0);
	zmq_setsockopt(c->sub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_connect(c->sub, endpoint);
	pthread_create(&c->rx, NULL, floor_rx, c);
}

/* CPU % of one core of the floor process, NaN if it failed. */
double cpu_floor_finish(struct cpu_floor *c)
{
	double pct = NAN;
	int status;

	if (read(c->fd, &pct, sizeof(pct)) != sizeof(pct))
		pct = NAN;
	close(c->fd);
	waitpid(c->pid, &status, 0);
	zmq_ctx_shutdown(c->ctx);      /* ends floor_rx's zmq_recv */
	pthread_join(c->rx, NULL);
	zmq_close(c->sub);
	zmq_ctx_term(c->ctx);
	return pct;
}
