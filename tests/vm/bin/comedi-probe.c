// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * comedi-probe.c - guest helper of the comedi_* VM cases: read a device
 * through the libfplate API for a while and measure what came out, so the
 * case can check the backend against comedi_test's known waveforms
 * (channel 0 sawtooth, channel 1 square wave, others flat at 0 V).
 *
 *   comedi-probe [--seconds S] [--stall-ms MS] [--stall-at S] [--until-enodev]
 *                [--ready FILE] URI
 *
 * Prints one line of key=value figures:
 *   open=ok rate_hz= samples= blocks= gap_blocks= overrun_blocks= resumed_blocks=
 *   discontinuities= lost= overruns= ch0_min= ch0_max= ch1_min= ch1_max=
 *   ch0_period= ch1_period= flat_max_abs= belt_mps= sync_ones= enodev=
 * where chN_period is the mean distance in samples between rising crossings
 * of 0 V (computed only over gap-free stretches). When fp_open() fails it
 * prints "open=fail err=E msg=..." and exits 3, so cases can check the
 * message a user would see. --stall-ms sleeps once (after --stall-at
 * seconds, default 1) without reading, to overflow the driver's buffer.
 * --until-enodev keeps reading after -ENODEV until the device is back, and
 * then ends 1 s after the first resumed block (or at --seconds, a cap).
 * --ready FILE creates FILE when the first samples arrived, so a case can
 * wait for a running stream instead of sleeping.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fplate/fplate.h"

struct crossing {
	uint64_t first, last;      /* sample index of first / last rising crossing */
	uint64_t count;            /* crossings since first */
	double sum_periods;        /* over gap-free stretches */
	uint64_t n_periods;
	uint64_t prev_index;       /* sample index of previous crossing, 0 none */
	double prev_v;
	int have_prev;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void crossing_add(struct crossing *c, uint64_t index, double v, int after_gap)
{
	if (after_gap) {
		c->have_prev = 0;
		c->prev_index = 0;
	}
	if (c->have_prev && c->prev_v < 0 && v >= 0) {
		if (c->prev_index) {
			c->sum_periods += (double)(index - c->prev_index);
			c->n_periods++;
		}
		c->prev_index = index;
	}
	c->prev_v = v;
	c->have_prev = 1;
}

/* What the probe has seen so far. */
struct probe {
	uint64_t samples, blocks, gap_blocks, overrun_blocks, resumed;
	uint64_t discontinuities, expect, sync_ones, belt_blocks;
	double belt_sum, mn[2], mx[2], flat;
	struct crossing cross[2];
	int enodev;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: comedi-probe [--seconds S] [--stall-ms MS] [--stall-at S] "
		"[--until-enodev] [--ready FILE] URI\n"
		"Read URI through libfplate and print measured figures (see the source).\n");
}

static void probe_block(struct probe *pr, const struct fp_block *blk, uint32_t per_sample)
{
	pr->blocks++;
	pr->gap_blocks += !!(blk->flags & FP_BLK_GAP);
	pr->overrun_blocks += !!(blk->flags & FP_BLK_OVERRUN);
	pr->resumed += !!(blk->flags & FP_BLK_RESUMED);
	if (pr->samples && blk->first_sample != pr->expect)
		pr->discontinuities++;
	if (!isnan(blk->belt_speed_mps)) {
		pr->belt_sum += blk->belt_speed_mps;
		pr->belt_blocks++;
	}
	for (uint32_t s = 0; s < blk->n; s++) {
		const double *v = blk->raw + (size_t)s * per_sample;
		int gap = s == 0 && (blk->flags & FP_BLK_GAP);

		for (int c = 0; c < 2; c++) {
			pr->mn[c] = fmin(pr->mn[c], v[c]);
			pr->mx[c] = fmax(pr->mx[c], v[c]);
			crossing_add(&pr->cross[c], blk->first_sample + s, v[c], gap);
		}
		for (uint32_t c = 2; c < per_sample; c++)
			pr->flat = fmax(pr->flat, fabs(v[c]));
		pr->sync_ones += blk->sync[s] & 1;
	}
	pr->samples += blk->n;
	pr->expect = blk->first_sample + blk->n;
}

static double mean_period(const struct crossing *c)
{
	return c->n_periods ? c->sum_periods / (double)c->n_periods : 0;
}

static void probe_print(const struct probe *pr, const struct fp_info *info,
			const struct fp_counters *cnt)
{
	printf("open=ok rate_hz=%.3f plates=%u channels=%u samples=%llu blocks=%llu "
	       "gap_blocks=%llu overrun_blocks=%llu resumed_blocks=%llu discontinuities=%llu "
	       "lost=%llu overruns=%llu disconnects=%llu ch0_min=%.5f ch0_max=%.5f "
	       "ch1_min=%.5f ch1_max=%.5f ch0_period=%.3f ch1_period=%.3f flat_max_abs=%.5f "
	       "belt_mps=%.4f sync_ones=%llu enodev=%d\n",
	       info->rate_hz, info->plates, info->channels, (unsigned long long)pr->samples,
	       (unsigned long long)pr->blocks, (unsigned long long)pr->gap_blocks,
	       (unsigned long long)pr->overrun_blocks, (unsigned long long)pr->resumed,
	       (unsigned long long)pr->discontinuities, (unsigned long long)cnt->lost_samples,
	       (unsigned long long)cnt->overruns, (unsigned long long)cnt->disconnects,
	       pr->mn[0], pr->mx[0], pr->mn[1], pr->mx[1], mean_period(&pr->cross[0]),
	       mean_period(&pr->cross[1]), pr->flat,
	       pr->belt_blocks ? pr->belt_sum / (double)pr->belt_blocks : NAN,
	       (unsigned long long)pr->sync_ones, pr->enodev);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "stall-ms", required_argument, NULL, 'm' },
		{ "stall-at", required_argument, NULL, 'a' },
		{ "until-enodev", no_argument, NULL, 'e' },
		{ "ready", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe pr = { .mn = { INFINITY, INFINITY }, .mx = { -INFINITY, -INFINITY } };
	double seconds = 5, stall_at = 1, t0, t_resumed = 0;
	const char *ready = NULL;
	long stall_ms = 0;
	int until_enodev = 0, opt, ret, stalled = 0;
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	struct fp_counters cnt;
	char msg[FP_MSG_MAX];

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': seconds = atof(optarg); break;
		case 'm': stall_ms = atol(optarg); break;
		case 'a': stall_at = atof(optarg); break;
		case 'e': until_enodev = 1; break;
		case 'r': ready = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	ret = fp_open(argv[optind], &dev, msg, sizeof(msg));
	if (ret) {
		printf("open=fail err=%d msg=%s\n", ret, msg);
		return 3;
	}
	fp_info(dev, &info);
	if (fp_block_init(&blk, &info, 256) || fp_start(dev)) {
		printf("open=ok start=fail msg=%s\n", fp_device_message(dev));
		return 1;
	}
	t0 = now_s();
	while (now_s() - t0 < seconds) {
		if (stall_ms && !stalled && now_s() - t0 >= stall_at) {
			sleep_ms(stall_ms);
			stalled = 1;
		}
		ret = fp_read(dev, &blk, 500);
		if (ret == -ENODEV) {
			if (!pr.enodev++)
				fprintf(stderr, "comedi-probe: %s\n", fp_device_message(dev));
			if (!until_enodev)
				break;
		} else if (ret < 0) {
			printf("open=ok read=fail err=%d msg=%s\n", ret, fp_device_message(dev));
			return 1;
		} else if (ret > 0) {
			probe_block(&pr, &blk, info.plates * info.channels);
			if (ready && pr.samples) {
				FILE *f = fopen(ready, "w");

				if (f)
					fclose(f);
				ready = NULL;
			}
			if (until_enodev && pr.resumed && !t_resumed)
				t_resumed = now_s();
		}
		if (t_resumed && now_s() - t_resumed >= 1)
			break;
	}
	fp_get_counters(dev, &cnt);
	probe_print(&pr, &info, &cnt);
	fp_block_release(&blk);
	fp_close(dev);
	return 0;
}
