// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gait_bench.c - throughput of the gait module, and of the Python
 * reference on the same data in the same run (`make bench-gait`, part of
 * `make bench`).
 *
 * Generates S seconds of simulated running (sim:// at pace=fast), keeps
 * the calibrated frames in memory, then times fp_gait_push() over them
 * (the daemon's processing-thread cost of the gait stage, all metrics),
 * in the thread's CPU time, REPS passes, the fastest kept. A "sample" is
 * one frame of all plates (2 here); ns per plate-sample is half of that;
 * writes the Fz as CSV and times tests/reference/gait_ref.py --bench on it
 * (contacts, filter, impact, VALR, VILR only). Prints one JSON line with
 * both rates and their ratio, also written to OUT.json.
 *
 * usage: gait_bench SECONDS OUT.json PYTHON REFERENCE.py
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"
#include "fplate/gait.h"
#include "read_frames.h"

#define URI "sim://?speed=3.5&strike=rear&plates=2&pace=fast&seed=21"
#define BLOCK 20            /* 10 ms at 2 kHz, as fplated's default block */
#define REPS 7              /* timed passes over the same frames; the fastest counts */

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double time_gait(const struct fp_frames *all, const struct fp_info *info,
			const struct fp_calib *cal, unsigned long *steps)
{
	struct fp_gait_config cfg;
	struct fp_gait *g;
	struct fp_frames view = *all;
	struct fp_step s;
	char msg[FP_MSG_MAX];
	double t0;

	fp_gait_config_default(&cfg, info->plates, info->rate_hz);
	cfg.calib = cal;
	cfg.drift_correction = 0;   /* as the reference */
	if (fp_gait_open(&cfg, &g, msg, sizeof(msg))) {
		fprintf(stderr, "gait_bench: %s\n", msg);
		return -1;
	}
	*steps = 0;
	t0 = cpu_s();
	for (uint32_t i = 0; i < all->n; i += BLOCK) {
		view.first_sample = i;
		view.n = all->n - i < BLOCK ? all->n - i : BLOCK;
		view.v = all->v + (size_t)i * info->plates * FP_NFIELDS;
		fp_gait_push(g, &view);
		while (fp_gait_next_step(g, &s))
			(*steps)++;
	}
	fp_gait_flush(g);
	while (fp_gait_next_step(g, &s))
		(*steps)++;
	t0 = cpu_s() - t0;
	fp_gait_close(g);
	return t0;
}

static int write_csv(const char *path, const struct fp_frames *all)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (uint32_t i = 0; i < all->n; i++) {
		fprintf(f, "%u", i);
		for (uint32_t p = 0; p < all->plates; p++)
			fprintf(f, ",%.9g", all->v[((size_t)i * all->plates + p) * FP_NFIELDS + FP_FZ]);
		fputc('\n', f);
	}
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct fp_frames all;
	struct fp_info info;
	struct fp_calib cal;
	unsigned long steps, ref_steps = 0;
	double seconds, c_s, ref_s = NAN, c_rate, ref_rate = NAN;
	char csv[512], cmd[2048], line[512];
	FILE *p, *out;

	if (argc != 5 || !(seconds = atof(argv[1])) || seconds <= 0) {
		fprintf(stderr, "usage: gait_bench SECONDS OUT.json PYTHON REFERENCE.py\n");
		return 2;
	}
	if (ref_read_frames("gait_bench", URI, seconds, &all, &info, &cal))
		return 1;
	/* best of REPS: one pass over 120 s of data is ~0.1 s of CPU, short
	 * enough for one preemption or cache-cold start to move it by 30 % */
	c_s = INFINITY;
	for (int r = 0; r < REPS; r++) {
		double t = time_gait(&all, &info, &cal, &steps);

		if (t < 0)
			return 1;
		c_s = fmin(c_s, t);
	}
	c_rate = all.n / c_s;
	snprintf(csv, sizeof(csv), "%s.fz.csv", argv[2]);
	if (write_csv(csv, &all)) {
		fprintf(stderr, "gait_bench: cannot write %s\n", csv);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' --rate %g --bench", argv[3], argv[4], csv,
		 info.rate_hz);
	p = popen(cmd, "r");
	if (p && fgets(line, sizeof(line), p)) {
		char *q = strstr(line, "\"seconds\": "), *st = strstr(line, "\"steps\": ");

		if (q)
			ref_s = atof(q + 11);
		if (st)
			ref_steps = strtoul(st + 9, NULL, 10);
		ref_rate = all.n / ref_s;
	}
	if (p)
		pclose(p);
	remove(csv);
	snprintf(line, sizeof(line),
		 "{\"bench\": \"gait\", \"seconds_of_data\": %g, \"plates\": %u, \"rate_hz\": %g, "
		 "\"steps\": %lu, \"c_samples_per_s\": %.0f, \"c_ns_per_sample\": %.1f, "
		 "\"c_ns_per_plate_sample\": %.1f, \"c_realtime_factor\": %.0f, "
		 "\"python_steps\": %lu, \"python_samples_per_s\": %.0f, \"c_over_python\": %.1f}",
		 seconds, info.plates, info.rate_hz, steps, c_rate, 1e9 / c_rate,
		 1e9 / c_rate / info.plates, c_rate / info.rate_hz,
		 ref_steps, ref_rate, c_rate / ref_rate);
	puts(line);
	out = fopen(argv[2], "w");
	if (out) {
		fprintf(out, "%s\n", line);
		fclose(out);
	}
	printf("gait: C %.2f M samples/s (%.0f x real time, all metrics; %.1f ns per sample of "
	       "%u plates, %.1f ns per plate-sample; thread CPU time, best of %d), Python "
	       "reference %.2f M samples/s (contacts + loading rates): C/Python = %.1f\n",
	       c_rate / 1e6, c_rate / info.rate_hz, 1e9 / c_rate, info.plates,
	       1e9 / c_rate / info.plates, REPS, ref_rate / 1e6, c_rate / ref_rate);
	fp_frames_release(&all);
	return isfinite(ref_rate) ? 0 : 1;
}
