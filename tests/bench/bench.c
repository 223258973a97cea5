// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench.c - `make bench`: how fast and how light the acquisition pipeline is.
 *
 *  1. Pipeline throughput on one core: sim:// (2 plates, pace=fast) read,
 *     calibrated (matrix, COP, free moment), run through the gait stage
 *     (steps, metrics, JSON on `step`, as fplated does), time-fitted,
 *     encoded and published (PUB over inproc: no I/O thread, the send runs
 *     on this thread), in the daemon's block size, pinned to CPU 0.
 *     A SUB socket on another thread (CPU 1: a separate program in real
 *     life) receives every frame. Reported with a per-stage breakdown.
 *  2. End-to-end latency: the real fplated on sim:// (2 plates x 2 kHz,
 *     real time) publishing on tcp loopback; this process subscribes and
 *     takes now - t_recv_ns (the daemon's arrival time of each frame's last
 *     sample) for every frame, over >= 100 k samples. Meanwhile the same
 *     daemon's CPU and RSS are read from /proc.
 *  3. The floor, measured at the same time: raw libzmq PUB -> SUB over tcp
 *     loopback between two threads of this process, same message size,
 *     same message rate, timestamp in the payload; and the CPU of libzmq
 *     publishing the same frames alone (bench_floor.c).
 *
 * Prints a table with ratios against the targets and writes JSON.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/gait.h"
#include "fplate/wire.h"
#include "timefit.h"
#include "bench.h"

#define PLATES   2
#define RATE_HZ  2000
/* Frame length: the daemon's default unless --block-ms says otherwise. */
static int block_ms = 10;
#define BLOCK    ((uint32_t)(RATE_HZ * block_ms / 1000))

int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void die(const char *what, const char *why)
{
	fprintf(stderr, "bench: %s: %s\n", what, why);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* p in [0, 100] of n sorted values. */
static double pct(const double *v, size_t n, double p)
{
	double pos;
	size_t i;

	if (!n)
		return NAN;
	pos = p / 100.0 * (double)(n - 1);
	i = (size_t)pos;
	return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

/* ---- 1. pipeline throughput on one core ------------------------------- */

/* The subscriber runs on another core: it stands for a separate program. */
struct drain {
	void *sock;
	uint64_t frames;
	int cpu;
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *drain_thread(void *arg)
{
	struct drain *dr = arg;
	unsigned char rx[65536];

	if (dr->cpu >= 0)
		pin_to_cpu(dr->cpu);
	for (;;) {
		int n = zmq_recv(dr->sock, rx, sizeof(rx), 0);

		if (n < 0)
			break;
		if (n == 3 && !memcmp(rx, "end", 3))
			break;
		if (n == 5) /* a topic part */
			dr->frames++;
	}
	return NULL;
}

struct pipeline_result {
	double samples_per_s;
	double ns_read, ns_calib, ns_encode, ns_publish; /* per sample */
	double ns_gait;              /* gait stage: steps, metrics, JSON, send */
	uint64_t samples, frames, delivered, steps;
	size_t frame_bytes;
};

/* The pipeline's state: one simulated device and what the daemon keeps. */
struct pipe_rig {
	struct fp_device *dev;
	struct fp_info info;
	struct fp_calib cal;
	struct fp_block blk;
	struct fp_frames fr;
	struct fp_timefit fit;
	struct fp_gait *gait;
	unsigned char *wire;
	size_t wire_len;
	void *ctx, *pub, *sub;
	struct drain dr;
	pthread_t drain_tid;
};

static void rig_open(struct pipe_rig *g, uint32_t block)
{
	char msg[FP_MSG_MAX];
	struct fp_gait_config gcfg;
	int hwm = 0;

	if (fp_open("sim://?plates=2&pace=fast&seed=1", &g->dev, msg, sizeof(msg)))
		die("sim://", msg);
	fp_info(g->dev, &g->info);
	if (fp_get_calibration(g->dev, &g->cal))
		die("sim://", "no stored calibration");
	if (fp_block_init(&g->blk, &g->info, block) ||
	    fp_frames_init(&g->fr, g->info.plates, block))
		die("buffers", "out of memory");
	fp_timefit_init(&g->fit, g->info.rate_hz, 6000);
	fp_gait_config_default(&gcfg, g->info.plates, g->info.rate_hz);
	gcfg.calib = &g->cal;                 /* as fplated's gait stage */
	if (fp_gait_open(&gcfg, &g->gait, msg, sizeof(msg)))
		die("gait", msg);
	g->wire_len = fp_wire_size(block, g->info.plates, FP_NFIELDS, 1);
	g->wire = malloc(g->wire_len);
	g->ctx = zmq_ctx_new();
	g->pub = zmq_socket(g->ctx, ZMQ_PUB);
	g->sub = zmq_socket(g->ctx, ZMQ_SUB);
	zmq_setsockopt(g->pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(g->sub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (!g->wire || zmq_bind(g->pub, "inproc://bench-pipeline") ||
	    zmq_connect(g->sub, "inproc://bench-pipeline") ||
	    zmq_setsockopt(g->sub, ZMQ_SUBSCRIBE, "force", 5) ||
	    zmq_setsockopt(g->sub, ZMQ_SUBSCRIBE, "end", 3))
		die("inproc sockets", zmq_strerror(errno));
	if (fp_start(g->dev))
		die("sim://", "cannot start");
	g->dr.sock = g->sub;
	g->dr.cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : -1;
	pthread_create(&g->drain_tid, NULL, drain_thread, &g->dr);
}

static void rig_close(struct pipe_rig *g)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t all;

	zmq_send(g->pub, "end", 3, ZMQ_SNDMORE);
	zmq_send(g->pub, "", 0, 0);
	pthread_join(g->drain_tid, NULL);
	CPU_ZERO(&all);
	for (long c = 0; c < cpus && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	zmq_close(g->sub);
	zmq_close(g->pub);
	zmq_ctx_term(g->ctx);
	free(g->wire);
	fp_gait_close(g->gait);
	fp_frames_release(&g->fr);
	fp_block_release(&g->blk);
	fp_close(g->dev);
}

/* The gait stage, as in fplated: steps and their JSON on `step`. */
static void gait_block(struct pipe_rig *g, struct pipeline_result *r)
{
	struct fp_step step;

	fp_gait_push(g->gait, &g->fr);
	while (fp_gait_next_step(g->gait, &step)) {
		json_t *js = fp_step_to_json(&step);
		char *text = json_dumps(js, JSON_COMPACT | JSON_REAL_PRECISION(10));

		zmq_send(g->pub, "step", 4, ZMQ_SNDMORE);
		zmq_send(g->pub, text, strlen(text), 0);
		free(text);
		json_decref(js);
		r->steps++;
	}
}

/* What the daemon does to a block after reading it: fit time, encode. */
static long encode_block(struct pipe_rig *g, uint64_t sequence)
{
	struct fp_wire_header h = { 0 };

	fp_timefit_update(&g->fit, g->blk.first_sample + g->blk.n - 1, g->blk.t_host_ns);
	h.sequence = sequence;
	h.first_sample = g->blk.first_sample;
	h.t0_ns = fp_timefit_time(&g->fit, g->blk.first_sample);
	h.period_ns = fp_timefit_period_ns(&g->fit);
	h.t_recv_ns = g->blk.t_host_ns;
	h.n_samples = g->fr.n;
	h.n_plates = (uint16_t)g->fr.plates;
	h.n_fields = FP_NFIELDS;
	h.belt_speed_mps = (float)g->blk.belt_speed_mps;
	return fp_wire_encode(&h, g->fr.v, g->blk.sync, g->wire, g->wire_len);
}

static void pipeline(double seconds, uint32_t block, int with_gait, struct pipeline_result *r)
{
	static struct pipe_rig g;
	int64_t t_read = 0, t_calib = 0, t_gait = 0, t_enc = 0, t_pub = 0;
	int64_t start, t0, t1, tg, t2, t3, t4;
	uint64_t blocks = 0;

	memset(&g, 0, sizeof(g));
	rig_open(&g, block);
	pin_to_cpu(0);
	usleep(100000);
	start = now_ns(CLOCK_MONOTONIC);
	do {
		long len;

		t0 = now_ns(CLOCK_MONOTONIC);
		if (fp_read(g.dev, &g.blk, -1) <= 0)
			die("sim://", "read failed");
		t1 = now_ns(CLOCK_MONOTONIC);
		fp_calib_apply(&g.cal, g.info.unit, &g.blk, &g.fr);
		tg = now_ns(CLOCK_MONOTONIC);
		if (with_gait)
			gait_block(&g, r);
		t2 = now_ns(CLOCK_MONOTONIC);
		len = encode_block(&g, blocks);
		t3 = now_ns(CLOCK_MONOTONIC);
		if (len < 0 || zmq_send(g.pub, "force", 5, ZMQ_SNDMORE) < 0 ||
		    zmq_send(g.pub, g.wire, (size_t)len, 0) < 0)
			die("publish", "send failed");
		t4 = now_ns(CLOCK_MONOTONIC);
		t_read += t1 - t0;
		t_calib += tg - t1;
		t_gait += t2 - tg;
		t_enc += t3 - t2;
		t_pub += t4 - t3;
		r->samples += g.blk.n;
		r->frame_bytes = (size_t)len;
		blocks++;
	} while (t4 - start < (int64_t)(seconds * 1e9));
	r->samples_per_s = (double)r->samples * 1e9 / (double)(t4 - start);
	r->ns_read = (double)t_read / (double)r->samples;
	r->ns_calib = (double)t_calib / (double)r->samples;
	r->ns_gait = (double)t_gait / (double)r->samples;
	r->ns_encode = (double)t_enc / (double)r->samples;
	r->ns_publish = (double)t_pub / (double)r->samples;
	r->frames = blocks;
	rig_close(&g);
	r->delivered = g.dr.frames;
}

/* ---- 2. the real daemon: latency, CPU, RSS ----------------------------- */

struct daemon_result {
	double *lat_us, *age_us;     /* per frame: pipeline latency, oldest sample's age */
	size_t n, cap;
	uint64_t samples, missed;
	double cpu_percent;
	long rss_kib, hwm_kib;
	double cpu_seconds;
	double floor_cpu_percent;    /* cpu_floor over the same time, same frames */
};

int free_tcp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		die("free port", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* utime + stime of a process, in seconds. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die(path, "cannot read");
	fclose(f);
	p = strrchr(buf, ')'); /* the command name may contain spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2)
		die(path, "unexpected format");
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long proc_status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static pid_t start_daemon(const char *fplated, const char *endpoint, int bms)
{
	char block[16];
	pid_t pid;

	snprintf(block, sizeof(block), "%d", bms);
	pid = fork();
	if (pid == 0) {
		execl(fplated, fplated, "--device", "sim://?plates=2&seed=1", "--pub", endpoint,
		      "--block-ms", block, "--log-level", "warn", (char *)NULL);
		fprintf(stderr, "bench: cannot run %s: %s\n", fplated, strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		die("fork", strerror(errno));
	return pid;
}

static void run_daemon(const char *fplated, double seconds, int bms, struct daemon_result *r)
{
	char endpoint[64];
	void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
	int64_t warm_end, end, cpu_t0 = 0;
	double cpu0 = 0;
	int have_seq = 0, status;
	uint64_t next_seq = 0;
	pid_t pid;

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", free_tcp_port());
	pid = start_daemon(fplated, endpoint, bms);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, FP_TOPIC_FORCE, strlen(FP_TOPIC_FORCE));
	zmq_connect(sub, endpoint);
	/* 2 s of warm-up (start, first connection, the time fit) not measured. */
	warm_end = now_ns(CLOCK_MONOTONIC) + 2000000000LL;
	end = warm_end + (int64_t)(seconds * 1e9);
	for (;;) {
		zmq_pollitem_t it = { sub, 0, ZMQ_POLLIN, 0 };
		unsigned char buf[8192];
		char topic[16];
		struct fp_wire_frame f;
		int64_t t, mono;
		int n;

		if (zmq_poll(&it, 1, 3000) <= 0)
			die("fplated", "no frame for 3 s");
		if (zmq_recv(sub, topic, sizeof(topic), 0) < 0)
			continue;
		n = zmq_recv(sub, buf, sizeof(buf), 0);
		t = now_ns(CLOCK_REALTIME);
		mono = now_ns(CLOCK_MONOTONIC);
		if (n <= 0 || n > (int)sizeof(buf) || fp_wire_decode(buf, (size_t)n, &f, NULL, 0))
			die("fplated", "bad frame");
		if (mono < warm_end)
			continue;
		if (!cpu_t0) {
			cpu_t0 = mono;
			cpu0 = proc_cpu_s(pid);
		}
		if (have_seq && f.h.sequence != next_seq)
			r->missed += f.h.sequence - next_seq;
		have_seq = 1;
		next_seq = f.h.sequence + 1;
		if (r->n < r->cap) {
			r->lat_us[r->n] = (double)(t - f.h.t_recv_ns) / 1e3;
			r->age_us[r->n] = (double)(t - f.h.t0_ns) / 1e3;
			r->n++;
		}
		r->samples += f.h.n_samples;
		if (mono >= end)
			break;
	}
	r->cpu_seconds = proc_cpu_s(pid) - cpu0;
	r->cpu_percent = 100.0 * r->cpu_seconds / ((double)(now_ns(CLOCK_MONOTONIC) - cpu_t0) / 1e9);
	r->rss_kib = proc_status_kib(pid, "VmRSS");
	r->hwm_kib = proc_status_kib(pid, "VmHWM");
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "bench: warning: fplated did not exit 0 on SIGTERM\n");
	zmq_close(sub);
	zmq_ctx_term(ctx);
}

/* ---- report ------------------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench [--fplated PATH] [--seconds N] [--json FILE]\n\n"
		"Measure fplate's pipeline throughput on one core, end-to-end latency of the\n"
		"real fplated against the raw libzmq floor, and the daemon's CPU and RSS at\n"
		"2 plates x 2 kHz. See docs/performance.md.\n\n"
		"  --fplated PATH  the daemon to run (default: fplated beside this program)\n"
		"  --seconds N     length of the real-time run (default 52: >= 100 k samples)\n"
		"  --pipeline-seconds N  length of the throughput run (default 3)\n"
		"  --block-ms N    frame length, as fplated --block-ms (default 10)\n"
		"  --block2-seconds N  length of the second real-time run, with 2 ms frames\n"
		"                  (default 20; 0 skips it)\n"
		"  --json FILE     also write the figures as JSON\n");
}

static void print_pipeline(const struct pipeline_result *p, const struct pipeline_result *pg,
			   const struct pipeline_result *p100)
{
	double rt = p->samples_per_s / RATE_HZ, rtg = pg->samples_per_s / RATE_HZ;

	printf("%-44s %14.0f %14s\n", "pipeline samples/s (1 core, sim+cal+enc+pub)",
	       p->samples_per_s, "");
	printf("%-44s %14.0f %14s %8.2f\n", "  realtime factor (x 2 kHz)", rt, ">= 1000",
	       rt / 1000);
	printf("%-44s %14.1f\n", "  ns/sample: sim generation (read)", p->ns_read);
	printf("%-44s %14.1f\n", "  ns/sample: calibrate + COP", p->ns_calib);
	printf("%-44s %14.1f\n", "  ns/sample: time fit + encode", p->ns_encode);
	printf("%-44s %14.1f\n", "  ns/sample: publish (inproc PUB send)", p->ns_publish);
	printf("%-44s %14.0f\n", "  without the source (cal+enc+pub)",
	       1e9 / (p->ns_calib + p->ns_encode + p->ns_publish));
	printf("%-44s %8llu/%llu\n", "  frames received by the subscriber",
	       (unsigned long long)p->delivered, (unsigned long long)p->frames);
	printf("%-44s %14.0f %14s %8.2f\n", "pipeline + gait stage samples/s (as fplated)",
	       pg->samples_per_s, "", rtg / 1000);
	printf("%-44s %14.0f\n", "  realtime factor (x 2 kHz)", rtg);
	printf("%-44s %14.1f   (%llu steps)\n", "  ns/sample: gait (steps, metrics, JSON)",
	       pg->ns_gait, (unsigned long long)pg->steps);
	printf("%-44s %14.0f %14s %8.2f\n", "pipeline samples/s, 100-sample frames (replay)",
	       p100->samples_per_s, "", p100->samples_per_s / RATE_HZ / 1000);
}

static void print_report(const struct pipeline_result *p, const struct pipeline_result *pg,
			 const struct pipeline_result *p100,
			 struct daemon_result *d, struct daemon_result *d2,
			 struct floor_run *fl, const char *json_path)
{
	double lat50, lat99, latmax, age99, fl50, fl99, flmax, rt = p->samples_per_s / RATE_HZ;
	double b2_age99 = NAN, b2_lat99 = NAN;
	struct utsname u;
	FILE *j;

	qsort(d->lat_us, d->n, sizeof(double), cmp_double);
	qsort(d->age_us, d->n, sizeof(double), cmp_double);
	qsort(fl->lat_us, fl->n, sizeof(double), cmp_double);
	lat50 = pct(d->lat_us, d->n, 50);
	lat99 = pct(d->lat_us, d->n, 99);
	latmax = d->n ? d->lat_us[d->n - 1] : NAN;
	age99 = pct(d->age_us, d->n, 99);
	fl50 = pct(fl->lat_us, fl->n, 50);
	fl99 = pct(fl->lat_us, fl->n, 99);
	flmax = fl->n ? fl->lat_us[fl->n - 1] : NAN;
	if (d2->n) {
		qsort(d2->lat_us, d2->n, sizeof(double), cmp_double);
		qsort(d2->age_us, d2->n, sizeof(double), cmp_double);
		b2_lat99 = pct(d2->lat_us, d2->n, 99);
		b2_age99 = pct(d2->age_us, d2->n, 99);
	}
	uname(&u);
	printf("\nfplate bench (%s %s, %ld CPUs online), frames of %d samples x %d plates "
	       "(%zu bytes)\n\n", u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), BLOCK,
	       PLATES, p->frame_bytes);
	printf("%-44s %14s %14s %8s\n", "measure", "value", "target", "ratio");
	print_pipeline(p, pg, p100);
	printf("%-44s %14.1f %14s\n", "latency p50 us (frame complete -> subscriber)", lat50, "");
	printf("%-44s %14.1f %14s %8.2f\n", "latency p99 us", lat99, "<= 2x floor",
	       lat99 / fl99 / 2);
	printf("%-44s %14.1f\n", "latency max us", latmax);
	printf("%-44s %14.1f\n", "oldest sample age p99 us (incl. the block)", age99);
	printf("%-44s %14.1f\n", "libzmq floor p50 us (tcp loopback)", fl50);
	printf("%-44s %14.1f\n", "libzmq floor p99 us", fl99);
	printf("%-44s %14.1f\n", "libzmq floor max us", flmax);
	printf("%-44s %14.3f %14s %8.2f\n", "daemon CPU % of one core (2 x 2 kHz)",
	       d->cpu_percent, "<= 0.5", d->cpu_percent / 0.5);
	printf("%-44s %14.3f\n", "  CPU floor: libzmq PUB alone, same frames %", d->floor_cpu_percent);
	printf("%-44s %14ld %14s %8.2f\n", "daemon RSS KiB", d->rss_kib, "<= 16384",
	       d->rss_kib / 16384.0);
	printf("%-44s %14ld\n", "daemon peak RSS KiB (VmHWM)", d->hwm_kib);
	printf("%-44s %14llu\n", "samples in the latency run", (unsigned long long)d->samples);
	printf("%-44s %14llu\n", "frames missed by the subscriber", (unsigned long long)d->missed);
	if (d->samples < 100000)
		printf("note: fewer than 100 k samples: use --seconds >= 50\n");
	if (d2->n) {
		printf("%-44s %14.1f\n", "block 2 ms: latency p99 us", b2_lat99);
		printf("%-44s %14.1f %14s %8.2f\n", "block 2 ms: oldest sample age p99 us",
		       b2_age99, "<= 3000", b2_age99 / 3000);
		printf("%-44s %14.3f %14s %8.2f\n", "block 2 ms: daemon CPU % of one core",
		       d2->cpu_percent, "<= 1", d2->cpu_percent / 1.0);
		printf("%-44s %14.3f\n", "  CPU floor: libzmq PUB alone, same frames %",
		       d2->floor_cpu_percent);
		printf("%-44s %8llu/%llu\n", "block 2 ms: samples / frames missed",
		       (unsigned long long)d2->samples, (unsigned long long)d2->missed);
	}
	if (!json_path)
		return;
	j = fopen(json_path, "w");
	if (!j)
		die(json_path, strerror(errno));
	fputs("{\n", j);
	if (d2->n)
		fprintf(j, "  \"block2_latency_p99_us\": %.1f,\n  \"block2_sample_age_p99_us\": %.1f,\n"
			"  \"block2_daemon_cpu_percent\": %.3f,\n  \"block2_frames_missed\": %llu,\n",
			b2_lat99, b2_age99, d2->cpu_percent, (unsigned long long)d2->missed);
	if (d2->n && isfinite(d2->floor_cpu_percent))
		fprintf(j, "  \"block2_floor_cpu_percent\": %.3f,\n", d2->floor_cpu_percent);
	if (isfinite(d->floor_cpu_percent))
		fprintf(j, "  \"floor_cpu_percent\": %.3f,\n", d->floor_cpu_percent);
	fprintf(j, "  \"pipeline_samples_per_s\": %.0f,\n  \"realtime_factor\": %.1f,\n"
		"  \"pipeline_ns_per_sample\": {\"read_sim\": %.1f, \"calibrate\": %.1f, "
		"\"gait\": %.1f, \"encode\": %.1f, \"publish\": %.1f},\n"
		"  \"pipeline_with_gait_samples_per_s\": %.0f,\n"
		"  \"realtime_factor_with_gait\": %.1f,\n"
		"  \"pipeline_samples_per_s_block100\": %.0f,\n"
		"  \"latency_p50_us\": %.1f,\n  \"latency_p99_us\": %.1f,\n"
		"  \"latency_max_us\": %.1f,\n  \"sample_age_p99_us\": %.1f,\n"
		"  \"zmq_floor_p50_us\": %.1f,\n  \"zmq_floor_p99_us\": %.1f,\n"
		"  \"zmq_floor_max_us\": %.1f,\n  \"latency_p99_over_floor\": %.2f,\n"
		"  \"daemon_cpu_percent\": %.3f,\n  \"daemon_rss_kib\": %ld,\n"
		"  \"daemon_peak_rss_kib\": %ld,\n  \"latency_samples\": %llu,\n"
		"  \"frames_missed\": %llu,\n  \"frame_bytes\": %zu,\n  \"block_samples\": %d,\n"
		"  \"plates\": %d,\n  \"rate_hz\": %d,\n  \"cpus\": %ld,\n  \"kernel\": \"%s\"\n}\n",
		p->samples_per_s, rt, p->ns_read, p->ns_calib, pg->ns_gait, p->ns_encode,
		p->ns_publish, pg->samples_per_s, pg->samples_per_s / RATE_HZ,
		p100->samples_per_s, lat50, lat99, latmax, age99, fl50, fl99, flmax, lat99 / fl99, d->cpu_percent,
		d->rss_kib, d->hwm_kib, (unsigned long long)d->samples,
		(unsigned long long)d->missed, p->frame_bytes, BLOCK,
		PLATES, RATE_HZ,
		sysconf(_SC_NPROCESSORS_ONLN), u.release);
	fclose(j);
	printf("\nwrote %s\n", json_path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fplated", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "pipeline-seconds", required_argument, NULL, 'p' },
		{ "json", required_argument, NULL, 'j' },
		{ "block-ms", required_argument, NULL, 'b' },
		{ "block2-seconds", required_argument, NULL, '2' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	static struct pipeline_result p, pg, p100;
	static struct daemon_result d, d2;
	static struct floor_run fl;
	struct cpu_floor cf;
	char fplated[1024];
	const char *json_path = NULL;
	double seconds = 52, pipe_s = 3, block2_s = 20;
	pthread_t ts, tr;
	int c;

	snprintf(fplated, sizeof(fplated), "%s", argv[0]);
	if (strrchr(fplated, '/'))
		snprintf(strrchr(fplated, '/') + 1, sizeof(fplated) - (size_t)(strrchr(fplated, '/') + 1 - fplated), "fplated");
	else
		snprintf(fplated, sizeof(fplated), "fplated");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': snprintf(fplated, sizeof(fplated), "%s", optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'p': pipe_s = atof(optarg); break;
		case 'j': json_path = optarg; break;
		case 'b': block_ms = atoi(optarg); break;
		case '2': block2_s = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!(seconds > 0) || !(pipe_s > 0) || !(block2_s >= 0) || block_ms < 1 || block_ms > 100) {
		fprintf(stderr, "bench: --seconds and --pipeline-seconds must be > 0, "
			"--block-ms 1..100\n");
		return 2;
	}
	if (access(fplated, X_OK))
		die(fplated, "not found (build it, or --fplated PATH)");
	printf("bench: pipeline throughput, %g s on one core...\n", pipe_s);
	fflush(stdout);
	pipeline(pipe_s, BLOCK, 0, &p);
	pipeline(pipe_s, BLOCK, 1, &pg);
	pipeline(pipe_s, 100, 0, &p100);

	printf("bench: fplated in real time + libzmq floor, %g s...\n", seconds);
	fflush(stdout);
	d.cap = (size_t)(seconds * 1000 / block_ms) + 1000;
	d.lat_us = calloc(d.cap, sizeof(double));
	d.age_us = calloc(d.cap, sizeof(double));
	fl.cap = d.cap;
	fl.lat_us = calloc(fl.cap, sizeof(double));
	fl.size = p.frame_bytes;
	fl.seconds = seconds + 2;
	fl.block_ms = block_ms;
	fl.ctx = zmq_ctx_new();
	snprintf(fl.endpoint, sizeof(fl.endpoint), "tcp://127.0.0.1:%d", free_tcp_port());
	if (!d.lat_us || !d.age_us || !fl.lat_us)
		die("memory", "out of memory");
	cpu_floor_start(&cf, block_ms, p.frame_bytes, seconds);
	pthread_create(&tr, NULL, floor_receiver, &fl);
	pthread_create(&ts, NULL, floor_sender, &fl);
	run_daemon(fplated, seconds, block_ms, &d);
	d.floor_cpu_percent = cpu_floor_finish(&cf);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	zmq_ctx_term(fl.ctx);
	if (block2_s > 0) {
		printf("bench: fplated in real time with 2 ms frames, %g s...\n", block2_s);
		fflush(stdout);
		d2.cap = (size_t)(block2_s * 1000 / 2) + 1000;
		d2.lat_us = calloc(d2.cap, sizeof(double));
		d2.age_us = calloc(d2.cap, sizeof(double));
		if (!d2.lat_us || !d2.age_us)
			die("memory", "out of memory");
		cpu_floor_start(&cf, 2, fp_wire_size(RATE_HZ * 2 / 1000, PLATES, FP_NFIELDS, 1),
				block2_s);
		run_daemon(fplated, block2_s, 2, &d2);
		d2.floor_cpu_percent = cpu_floor_finish(&cf);
	}
	print_report(&p, &pg, &p100, &d, &d2, &fl, json_path);
	free(d.lat_us);
	free(d.age_us);
	free(d2.lat_us);
	free(d2.age_us);
	free(fl.lat_us);
	return 0;
}
