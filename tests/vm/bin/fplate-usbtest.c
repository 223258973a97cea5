// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fplate-usbtest - read a device through the libfplate API and measure
 * what the VM cases judge: samples, index continuity, gap flags, values
 * against the emulator's generator, sync pulses, rate, latency, counters.
 *
 * Prints one line of key=value figures; the case script decides PASS/FAIL.
 * Exit status 0 unless the device could not be opened or started.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fplate/calib.h"
#include "fplate/fplate.h"
#include "../fpgen.h"

struct opts {
	const char *uri, *verify, *t0_file;
	double seconds, hw_zero_at;
	uint64_t samples;
	uint32_t sync_period, sync_width;
	int list, calib, probe;
};

struct stats {
	uint64_t samples, blocks, gap_blocks, resumed, nodev, unflagged_gaps, mismatches;
	int in_nodev;            /* the last read returned -ENODEV */
	uint64_t first_index, next_index, sync_edges, last_edge;
	uint64_t sync_period_min, sync_period_max, resumed_without_gap;
	/* hardware zero: asked for (pending), then found at sample zero_index */
	int zero_pending, zero_active;
	int64_t zero_index;
	int32_t zero_counts[FP_MAX_PLATES * FP_MAX_CHANNELS];
	/* least-squares fit of arrival time against sample index: slope = 1/rate */
	int64_t t0_ns;
	uint64_t idx0;
	double sx, sy, sxx, sxy;
	uint64_t nfit;
	/* the same points (index, arrival s) for the envelope rate */
	double *env_x, *env_t;
	size_t n_env, cap_env;
	double *lat_ms;
	size_t n_lat, cap_lat;
	int have_first;
	uint32_t last_sync;
	int have_edge;           /* last_edge is valid (no gap since) */
};

static const char usage_text[] =
"Usage: fplate-usbtest [OPTION]... URI\n"
"Read a device (usb://, kmod://, ...) and print key=value figures.\n"
"  --seconds S        read for S seconds (10), or until SIGTERM/SIGINT\n"
"  --samples N        stop after N samples\n"
"  --verify SRC       compare every sample with SRC at the same index\n"
"                     (builtin:SEED or a libfplate URI, as fplate-gadget --source)\n"
"  --sync-period N    sync pulse period used by --verify (200)\n"
"  --sync-width N     sync pulse width used by --verify (20)\n"
"  --t0-file FILE     fplate-gadget --t0-file: measure latency from it\n"
"  --hw-zero-at S     fp_set(\"hw_zero\", \"1\") after S seconds; --verify then\n"
"                     expects an all-zero sample and values relative to it\n"
"  --list             print fp_list() and exit\n"
"  --calib            print the device calibration and exit\n"
"  --probe            exit 0 if URI opens, 1 if not\n"
"  -h, --help         this help\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void parse(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", 1, 0, 's' }, { "samples", 1, 0, 'n' }, { "verify", 1, 0, 'v' },
		{ "sync-period", 1, 0, 'P' }, { "sync-width", 1, 0, 'W' },
		{ "t0-file", 1, 0, 't' }, { "hw-zero-at", 1, 0, 'z' }, { "list", 0, 0, 'l' }, { "calib", 0, 0, 'c' }, { "probe", 0, 0, 'p' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->seconds = atof(optarg); break;
		case 'n': o->samples = strtoull(optarg, NULL, 0); break;
		case 'v': o->verify = optarg; break;
		case 'P': o->sync_period = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'W': o->sync_width = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 't': o->t0_file = optarg; break;
		case 'z': o->hw_zero_at = atof(optarg); break;
		case 'l': o->list = 1; break;
		case 'c': o->calib = 1; break;
		case 'p': o->probe = 1; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default: fputs(usage_text, stderr); exit(2);
		}
	}
	if (!o->list && optind != argc - 1) {
		fputs(usage_text, stderr);
		exit(2);
	}
	o->uri = argv[optind];
}

static void list_cb(const char *uri, const char *desc, void *arg)
{
	(void)arg;
	printf("%s\t%s\n", uri, desc);
}

static int print_calib(struct fp_device *dev)
{
	struct fp_calib cal;
	int ret = fp_get_calibration(dev, &cal);

	if (ret) {
		printf("calib=none error=%d\n", ret);
		return 1;
	}
	printf("calib_id=%s plates=%u", cal.id, cal.plates);
	for (uint32_t p = 0; p < cal.plates; p++) {
		const struct fp_plate_calib *pc = &cal.plate[p];
		double msum = 0;

		/* sum |C| shows every matrix element (incl. crosstalk) at float32 precision */
		for (int r = 0; r < 6; r++)
			for (uint32_t k = 0; k < pc->channels; k++)
				msum += fabs(pc->matrix[r][k]);
		printf(" p%u_fz=%g p%u_msum=%.5g p%u_h_mm=%g p%u_len_mm=%g p%u_scale_uv=%.4f", p,
		       pc->matrix[2][2], p, msum, p, pc->surface_h_mm, p, pc->length_mm, p,
		       pc->scale_v[0] * 1e6);
	}
	printf("\n");
	return 0;
}

/*
 * After a hardware zero was asked for, the first all-zero sample is the
 * zero point: from there on every value is the generator's minus its value
 * at that sample.
 */
static int zero_point(struct stats *s, const struct fp_block *b, uint32_t i,
		      const int32_t *counts, uint32_t nc)
{
	if (!s->zero_pending)
		return 0;
	for (uint32_t k = 0; k < nc; k++)
		if (b->raw[(size_t)i * nc + k] != 0)
			return 0;
	memcpy(s->zero_counts, counts, nc * sizeof(*counts));
	s->zero_pending = 0;
	s->zero_active = 1;
	s->zero_index = (int64_t)(b->first_sample + i);
	return 1;
}

/* Compare a block with the generator; returns the number of bad samples. */
static uint64_t verify_block(struct fpgen *g, struct stats *st, const struct fp_block *b)
{
	uint32_t nc = b->plates * b->channels, sync;
	int32_t counts[FP_MAX_PLATES * FP_MAX_CHANNELS];
	uint64_t bad = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		uint64_t idx = b->first_sample + i;

		if (idx < g->index) {
			bad++; /* a sample index seen twice */
			continue;
		}
		if (g->builtin) {
			g->index = idx;
		} else {
			while (g->index < idx)
				if (fpgen_next(g, &sync, counts))
					return bad + b->n - i;
		}
		if (fpgen_next(g, &sync, counts))
			return bad + b->n - i;
		if (sync != b->sync[i]) {
			bad++;
			continue;
		}
		if (zero_point(st, b, i, counts, nc))
			continue;
		for (uint32_t k = 0; k < nc; k++) {
			int32_t want = counts[k] - (st->zero_active ? st->zero_counts[k] : 0);

			if (b->raw[(size_t)i * nc + k] != (double)want) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

static void track_sync(struct stats *s, const struct fp_block *b)
{
	if (b->flags & FP_BLK_GAP && b->n) {
		/*
		 * No period across a gap: start counting afresh. The level before
		 * the first sample after the gap is unknown, so that sample is no
		 * edge even when the pulse is high there (it would be one in the
		 * middle of a pulse, and the next period a few samples short).
		 */
		s->last_sync = b->sync[0] & FP_USB_SYNC_IN;
		s->have_edge = 0;
	}
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t now = b->sync[i] & FP_USB_SYNC_IN;
		uint64_t idx = b->first_sample + i;

		if (now && !s->last_sync) {
			if (s->have_edge) {
				uint64_t period = idx - s->last_edge;

				if (!s->sync_period_min || period < s->sync_period_min)
					s->sync_period_min = period;
				if (period > s->sync_period_max)
					s->sync_period_max = period;
			}
			s->sync_edges++;
			s->have_edge = 1;
			s->last_edge = idx;
		}
		s->last_sync = now;
	}
}

static void track_latency(struct stats *s, const struct fp_block *b, const char *t0_file)
{
	long long t0;
	unsigned rate, k;
	FILE *f;
	double lat;

	if (!t0_file || !(f = fopen(t0_file, "r")))
		return;
	if (fscanf(f, "%lld %u %u", &t0, &rate, &k) == 3 && rate) {
		/* the device took the block's last sample at t0 + (index + 1) / rate */
		lat = ((double)b->t_host_ns - (double)t0) * 1e-6 -
		      (double)(b->first_sample + b->n) * 1e3 / rate;
		if (s->n_lat == s->cap_lat) {
			s->cap_lat = s->cap_lat ? 2 * s->cap_lat : 4096;
			s->lat_ms = realloc(s->lat_ms, s->cap_lat * sizeof(double));
		}
		if (s->lat_ms)
			s->lat_ms[s->n_lat++] = lat;
	}
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Samples per second between the least-delayed blocks of the first and the
 * last fifth of the stretch (as scripts/subscribe.py envelope_rate). A
 * block is never early, so delays are one-sided and their minimum is
 * stable, while a scheduling stall of a few hundred ms near either end of
 * a 4 s run (a loaded host) tilts a least-squares fit by more than 0.5 %.
 * The delays are taken against the previous estimate, starting from the
 * fit, until the two blocks picked stay the same.
 */
static double envelope_rate(const struct stats *s, double lsq_rate)
{
	size_t n = s->n_env, k = n / 5, a = 0, b = 0, pa = n, pb = n;
	double rate = lsq_rate;

	if (n < 10 || !(rate > 0))
		return lsq_rate;
	for (int iter = 0; iter < 10 && (a != pa || b != pb); iter++) {
		double da = INFINITY, db = INFINITY;

		pa = a;
		pb = b;
		for (size_t i = 0; i < k; i++) {
			double d = s->env_t[i] - s->env_x[i] / rate;

			if (d < da) {
				da = d;
				a = i;
			}
		}
		for (size_t i = n - k; i < n; i++) {
			double d = s->env_t[i] - s->env_x[i] / rate;

			if (d < db) {
				db = d;
				b = i;
			}
		}
		if (!(s->env_t[b] > s->env_t[a]))
			return lsq_rate;
		rate = (s->env_x[b] - s->env_x[a]) / (s->env_t[b] - s->env_t[a]);
	}
	return rate;
}

static void account(struct stats *s, const struct fp_block *b)
{
	s->blocks++;
	if (!s->have_first) {
		s->have_first = 1;
		s->first_index = b->first_sample;
	} else if (b->first_sample != s->next_index && !(b->flags & FP_BLK_GAP)) {
		s->unflagged_gaps++;
	}
	if (b->flags & FP_BLK_GAP)
		s->gap_blocks++;
	if (b->flags & FP_BLK_RESUMED) {
		s->resumed++;
		if (!(b->flags & FP_BLK_GAP))
			s->resumed_without_gap++;
	}
	/*
	 * Rate: arrival time against the index of the block's last sample,
	 * over the stretch since the last resume: a least-squares fit, and
	 * the points for envelope_rate().
	 */
	if (s->nfit == 0 || (b->flags & FP_BLK_RESUMED)) {
		s->sx = s->sy = s->sxx = s->sxy = 0;
		s->nfit = 0;
		s->n_env = 0;
		s->t0_ns = b->t_host_ns;
		s->idx0 = b->first_sample + b->n;
	}
	{
		double x = (double)(b->first_sample + b->n - s->idx0);
		double y = (double)(b->t_host_ns - s->t0_ns) * 1e-9;

		s->sx += x;
		s->sy += y;
		s->sxx += x * x;
		s->sxy += x * y;
		s->nfit++;
		if (s->n_env == s->cap_env) {
			size_t cap = s->cap_env ? 2 * s->cap_env : 4096;
			double *nx = realloc(s->env_x, cap * sizeof(double));
			double *nt = nx ? realloc(s->env_t, cap * sizeof(double)) : NULL;

			if (nx)
				s->env_x = nx;
			if (nt) {
				s->env_t = nt;
				s->cap_env = cap;
			}
		}
		if (s->n_env < s->cap_env) {
			s->env_x[s->n_env] = x;
			s->env_t[s->n_env++] = y;
		}
	}
	s->next_index = b->first_sample + b->n;
	s->samples += b->n;
}

int main(int argc, char **argv)
{
	struct opts o = { .seconds = 10, .sync_period = 200, .sync_width = 20 };
	struct stats s = { 0 };
	struct fp_device *dev;
	struct fp_info info;
	struct fp_block blk;
	struct fp_counters c;
	struct fpgen gen = { 0 };
	char msg[FP_MSG_MAX];
	int64_t end, t_zero;
	int ret;

	parse(&o, argc, argv);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (o.list)
		return fp_list(list_cb, NULL) < 0;
	ret = fp_open(o.uri, &dev, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "fplate-usbtest: %s: %s\n", o.uri, msg);
		printf("open_error=%d\n", ret);
		return 1;
	}
	if (o.probe) {
		fp_close(dev);
		return 0;
	}
	if (o.calib) {
		ret = print_calib(dev);
		fp_close(dev);
		return ret;
	}
	fp_info(dev, &info);
	if (o.verify) {
		ret = fpgen_open(&gen, o.verify, info.plates, info.channels, msg, sizeof(msg));
		if (ret) {
			fprintf(stderr, "fplate-usbtest: --verify %s: %s\n", o.verify, msg);
			return 1;
		}
		gen.sync_period = o.sync_period;
		gen.sync_width = o.sync_width;
	}
	if (fp_block_init(&blk, &info, 1024) || (ret = fp_start(dev))) {
		fprintf(stderr, "fplate-usbtest: start: %s\n", fp_device_message(dev));
		printf("start_error=%d\n", ret);
		return 1;
	}
	end = now_ns(CLOCK_MONOTONIC) + (int64_t)(o.seconds * 1e9);
	t_zero = now_ns(CLOCK_MONOTONIC) + (int64_t)(o.hw_zero_at * 1e9);
	while (now_ns(CLOCK_MONOTONIC) < end && (!o.samples || s.samples < o.samples)) {
		ret = fp_read(dev, &blk, 200);
		if (stop_requested)
			break;
		if (ret == -ENODEV) {
			/* Count unplug events, not the repeated reports while it is away. */
			s.nodev += !s.in_nodev;
			s.in_nodev = 1;
			continue;
		}
		s.in_nodev = 0;
		if (ret < 0) {
			fprintf(stderr, "fplate-usbtest: read: %s (%s)\n", fp_strerror(ret),
				fp_device_message(dev));
			break;
		}
		if (ret == 0)
			continue;
		if (o.samples && s.samples + blk.n > o.samples)
			blk.n = (uint32_t)(o.samples - s.samples);
		account(&s, &blk);
		track_sync(&s, &blk);
		track_latency(&s, &blk, o.t0_file);
		if (o.verify)
			s.mismatches += verify_block(&gen, &s, &blk);
		if (o.hw_zero_at > 0 && now_ns(CLOCK_MONOTONIC) >= t_zero) {
			o.hw_zero_at = 0;
			ret = fp_set(dev, "hw_zero", "1", msg, sizeof(msg));
			if (ret)
				fprintf(stderr, "fplate-usbtest: hw_zero: %s\n", msg);
			else
				s.zero_pending = 1;
		}
	}
	fp_get_counters(dev, &c);
	fp_stop(dev);
	printf("info_rate_hz=%g external_clock=%d has_sync=%d ", info.rate_hz, info.external_clock,
	       info.has_sync);
	printf("samples=%llu blocks=%llu first=%llu next=%llu gap_blocks=%llu unflagged_gaps=%llu "
	       "resumed=%llu resumed_without_gap=%llu nodev=%llu",
	       (unsigned long long)s.samples, (unsigned long long)s.blocks,
	       (unsigned long long)s.first_index, (unsigned long long)s.next_index,
	       (unsigned long long)s.gap_blocks, (unsigned long long)s.unflagged_gaps,
	       (unsigned long long)s.resumed, (unsigned long long)s.resumed_without_gap,
	       (unsigned long long)s.nodev);
	if (o.verify)
		printf(" mismatches=%llu", (unsigned long long)s.mismatches);
	if (s.zero_active || s.zero_pending)
		printf(" hw_zero_at_sample=%lld", s.zero_active ? (long long)s.zero_index : -1LL);
	if (s.nfit > 10) {
		double n = (double)s.nfit;
		double slope = (n * s.sxy - s.sx * s.sy) / (n * s.sxx - s.sx * s.sx);

		printf(" rate_hz=%.2f rate_hz_lsq=%.2f", envelope_rate(&s, 1.0 / slope), 1.0 / slope);
	}
	printf(" sync_edges=%llu sync_period_min=%llu sync_period_max=%llu",
	       (unsigned long long)s.sync_edges, (unsigned long long)s.sync_period_min,
	       (unsigned long long)s.sync_period_max);
	if (s.n_lat) {
		qsort(s.lat_ms, s.n_lat, sizeof(double), cmp_double);
		printf(" lat_med_ms=%.2f lat_p99_ms=%.2f lat_max_ms=%.2f", s.lat_ms[s.n_lat / 2],
		       s.lat_ms[(size_t)(s.n_lat * 0.99)], s.lat_ms[s.n_lat - 1]);
	}
	printf(" c_samples=%llu c_packets=%llu c_gaps=%llu c_lost=%llu c_malformed=%llu "
	       "c_overruns=%llu c_disconnects=%llu\n",
	       (unsigned long long)c.samples, (unsigned long long)c.packets,
	       (unsigned long long)c.gaps, (unsigned long long)c.lost_samples,
	       (unsigned long long)c.malformed, (unsigned long long)c.overruns,
	       (unsigned long long)c.disconnects);
	free(s.lat_ms);
	free(s.env_x);
	free(s.env_t);
	fpgen_close(&gen);
	fp_block_release(&blk);
	fp_close(dev);
	return 0;
}
