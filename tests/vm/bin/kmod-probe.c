// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod-probe - exercise /dev/fplateN of fplate.ko directly (VM test helper).
 *
 *   kmod-probe info DEV               print FPLATE_IOC_GET_INFO as key=value
 *   kmod-probe ioctls DEV             invalid arguments -> -EINVAL/-ENOTTY/-EFAULT,
 *                                     second open -> -EBUSY, valid ones work
 *   kmod-probe stream DEV SECONDS [KEY=VALUE]...
 *                                     START, read SECONDS, check every record
 *                                     follows the one before (a jump must carry
 *                                     FPLATE_REC_GAP, the index never goes
 *                                     back); print counters; fails when no
 *                                     record arrived at all. Options:
 *                                     rate=HZ    SET_RATE first; GET_INFO must
 *                                                then say HZ (prints its K)
 *                                     verify=SRC compare every record's sync
 *                                                and counts with the emulator's
 *                                                source (builtin[:SEED])
 *                                     t0=FILE    fplate-gadget's --t0-file: record
 *                                                index 0 is the source's sample
 *                                                INDEX of its line at this START
 *                                     lost=N     samples missing, counted from
 *                                                index 0, must be N (default 0)
 *                                     flagged=N  records flagged FPLATE_REC_GAP
 *                                                must be N (default: one per
 *                                                jump)
 *   kmod-probe overrun DEV PAUSE_MS   START, do not read for PAUSE_MS, then
 *                                     drain: the samples missing between the
 *                                     records must equal the kernel's
 *                                     overrun_samples, and the records before
 *                                     the gap must fill the ring exactly
 *   kmod-probe blocked-read DEV       START, read until read() fails; exit 0
 *                                     only if it failed with ENODEV (the test
 *                                     unplugs the device meanwhile)
 *   kmod-probe error-restart DEV RUNS RECORDS
 *                                     RUNS times on one open file: START, read
 *                                     (checked as for stream) until read()
 *                                     fails, which must be EIO after exactly
 *                                     RECORDS records from index 0 (the
 *                                     emulator fails its endpoint for good
 *                                     after that), then 0 (the error is
 *                                     reported once), then STOP. Run 2 and
 *                                     later prove a stream ended by an I/O
 *                                     error starts again without a replug
 * Every result line is "key=value ..."; the exit status says pass (0) or fail.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "fplate/fplate_ioctl.h"
#include "../fpgen.h"

static int failures;

static void usage(FILE *out)
{
	fputs("usage: kmod-probe info DEV | ioctls DEV | stream DEV SECONDS [KEY=VALUE]... |\n"
	      "                  overrun DEV PAUSE_MS | blocked-read DEV |\n"
	      "                  error-restart DEV RUNS RECORDS\n"
	      "Tests /dev/fplateN of fplate.ko (see the comment at the top of kmod-probe.c).\n",
	      out);
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | flags);

	if (fd < 0) {
		fprintf(stderr, "kmod-probe: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void get_info(int fd, struct fplate_info *info)
{
	if (ioctl(fd, FPLATE_IOC_GET_INFO, info) < 0) {
		fprintf(stderr, "kmod-probe: GET_INFO: %s\n", strerror(errno));
		exit(1);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Expect ret == -1 with errno == want (or ret == 0 when want == 0). */
static void expect(const char *what, int ret, int want)
{
	int got = ret < 0 ? errno : 0;

	if (got == want) {
		printf("ok %s -> %s\n", what, want ? strerror(want) : "0");
	} else {
		printf("FAIL %s -> %s (expected %s)\n", what, got ? strerror(got) : "0",
		       want ? strerror(want) : "0");
		failures++;
	}
}

static int cmd_ioctls(const char *path)
{
	int fd = open_dev(path, O_NONBLOCK);
	struct fplate_info info;
	struct fplate_calib cal;
	struct fplate_counters cnt;
	uint32_t v;
	char small[8];

	get_info(fd, &info);
	expect("GET_VERSION", ioctl(fd, FPLATE_IOC_GET_VERSION, &v), 0);
	if (v != FPLATE_ABI_VERSION) {
		printf("FAIL abi version %u\n", v);
		failures++;
	}
	expect("second open", open(path, O_RDONLY), EBUSY);
	expect("unknown nr", ioctl(fd, _IO(FPLATE_IOC_MAGIC, 0x7f)), ENOTTY);
	expect("other magic", ioctl(fd, _IOR('T', 1, uint32_t), &v), ENOTTY);
	expect("GET_INFO wrong size", ioctl(fd, _IOR(FPLATE_IOC_MAGIC, 1, uint32_t), &v),
	       ENOTTY);
	expect("GET_INFO bad pointer", ioctl(fd, FPLATE_IOC_GET_INFO, (void *)8), EFAULT);
	v = 0;
	expect("SET_RATE 0", ioctl(fd, FPLATE_IOC_SET_RATE, &v), EINVAL);
	v = info.max_rate_hz + 1;
	expect("SET_RATE max+1", ioctl(fd, FPLATE_IOC_SET_RATE, &v), EINVAL);
	expect("SET_RATE bad pointer", ioctl(fd, FPLATE_IOC_SET_RATE, (void *)8), EFAULT);
	memset(&cal, 0, sizeof(cal));
	cal.plate = info.plates;
	expect("GET_CALIB plate=plates", ioctl(fd, FPLATE_IOC_GET_CALIB, &cal), EINVAL);
	cal.plate = 0;
	cal.reserved = 1;
	expect("GET_CALIB reserved!=0", ioctl(fd, FPLATE_IOC_GET_CALIB, &cal), EINVAL);
	cal.reserved = 0;
	expect("GET_CALIB plate 0", ioctl(fd, FPLATE_IOC_GET_CALIB, &cal), 0);
	if (le32toh(cal.cal.magic) != FP_USB_CAL_MAGIC || cal.cal.plate != 0) {
		printf("FAIL GET_CALIB returned magic %#x plate %u\n",
		       le32toh(cal.cal.magic), cal.cal.plate);
		failures++;
	}
	expect("GET_COUNTERS bad pointer", ioctl(fd, FPLATE_IOC_GET_COUNTERS, (void *)8), EFAULT);
	expect("GET_CALIB bad pointer", ioctl(fd, FPLATE_IOC_GET_CALIB, (void *)8), EFAULT);
	expect("SET_RATE wrong direction", ioctl(fd, _IOR(FPLATE_IOC_MAGIC, 3, uint32_t), &v),
	       ENOTTY);
	expect("read before START", (int)read(fd, small, sizeof(small)), EINVAL);
	v = info.rate_hz;
	expect("SET_RATE current", ioctl(fd, FPLATE_IOC_SET_RATE, &v), 0);
	expect("START", ioctl(fd, FPLATE_IOC_START, 0), 0);
	expect("SET_RATE while streaming", ioctl(fd, FPLATE_IOC_SET_RATE, &v), EBUSY);
	expect("read count < record_size", (int)read(fd, small, sizeof(small)), EINVAL);
	expect("STOP", ioctl(fd, FPLATE_IOC_STOP, 0), 0);
	expect("GET_COUNTERS", ioctl(fd, FPLATE_IOC_GET_COUNTERS, &cnt), 0);
	expect("RESET_COUNTERS", ioctl(fd, FPLATE_IOC_RESET_COUNTERS, 0), 0);
	expect("GET_COUNTERS", ioctl(fd, FPLATE_IOC_GET_COUNTERS, &cnt), 0);
	if (cnt.packets || cnt.samples) {
		printf("FAIL counters not reset: packets=%llu\n", (unsigned long long)cnt.packets);
		failures++;
	}
	close(fd);
	printf("ioctl_failures=%d\n", failures);
	return failures ? 1 : 0;
}

struct reader {
	int fd;
	struct fplate_info info;
	uint8_t *buf;
	size_t cap;              /* records */
	uint64_t records, lost, gaps, first, next;
	int have_next;
	uint64_t before_first_gap; /* records read before the first jump */
	uint64_t flagged;          /* records with FPLATE_REC_GAP */
	struct fpgen *verify;      /* or NULL */
	uint64_t verify_from;      /* source index of record index 0 */
	const char *t0_path;       /* read verify_from from it at the first record */
	uint64_t mismatches;       /* records whose sync or counts differ */
};

/* Compare one record with what the emulator's source gave at its index. */
static int record_differs(struct fpgen *g, const uint8_t *raw, uint32_t nc, uint64_t idx)
{
	struct fplate_record rec;
	int32_t counts[FP_MAX_PLATES * FP_MAX_CHANNELS];

	memcpy(&rec, raw, sizeof(rec));
	memcpy(counts, raw + sizeof(rec), nc * sizeof(int32_t));
	if (rec.sync != fpgen_sync(g, idx))
		return 1;
	for (uint32_t k = 0; k < nc; k++)
		if (counts[k] != fpgen_builtin_count(g->seed, idx, k))
			return 1;
	return 0;
}

/* Read what is there (blocking up to timeout_ms); check continuity. */
static int reader_step(struct reader *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t got;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	got = read(r->fd, r->buf, r->cap * r->info.record_size);
	if (got < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (got == 0)
		return -EPIPE;
	if (got % r->info.record_size) {
		printf("FAIL read %zd bytes, record %u\n", got, r->info.record_size);
		return -EPROTO;
	}
	for (size_t i = 0; i < (size_t)got / r->info.record_size; i++) {
		struct fplate_record rec;

		memcpy(&rec, r->buf + i * r->info.record_size, sizeof(rec));
		if (r->have_next && rec.sample < r->next) {
			printf("FAIL sample index went back: %llu after %llu\n",
			       (unsigned long long)rec.sample, (unsigned long long)r->next - 1);
			return -EPROTO;
		}
		if (rec.flags & FPLATE_REC_GAP)
			r->flagged++;
		if (!r->have_next && r->t0_path) {
			/* Written by the emulator at START, before its first packet. */
			FILE *f = fopen(r->t0_path, "r");
			unsigned long long t, idx;
			unsigned rate, k;

			if (!f || fscanf(f, "%llu %u %u %llu", &t, &rate, &k, &idx) != 4) {
				printf("FAIL t0=%s: no 'TIME RATE K INDEX' line\n", r->t0_path);
				if (f)
					fclose(f);
				return -EPROTO;
			}
			fclose(f);
			r->verify_from = idx;
			printf("t0_rate=%u t0_k=%u t0_index=%llu\n", rate, k, idx);
		}
		if (r->verify && record_differs(r->verify, r->buf + i * r->info.record_size,
						r->info.plates * r->info.channels,
						rec.sample + r->verify_from))
			r->mismatches++;
		if (!r->have_next)
			r->first = rec.sample;
		if (!r->have_next && rec.sample) {
			/* The stream starts at 0: what is before the first record is lost. */
			r->gaps++;
			r->lost += rec.sample;
			if (!(rec.flags & FPLATE_REC_GAP)) {
				printf("FAIL first record %llu without FPLATE_REC_GAP\n",
				       (unsigned long long)rec.sample);
				return -EPROTO;
			}
		} else if (r->have_next && rec.sample != r->next) {
			if (!r->gaps)
				r->before_first_gap = r->records;
			r->gaps++;
			r->lost += rec.sample - r->next;
			if (!(rec.flags & FPLATE_REC_GAP)) {
				printf("FAIL jump %llu -> %llu without FPLATE_REC_GAP\n",
				       (unsigned long long)r->next,
				       (unsigned long long)rec.sample);
				return -EPROTO;
			}
		}
		r->have_next = 1;
		r->next = rec.sample + 1;
		r->records++;
	}
	return 1;
}

static void reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fd = open_dev(path, O_NONBLOCK);
	get_info(r->fd, &r->info);
	r->cap = 4096;
	r->buf = malloc(r->cap * r->info.record_size);
	if (!r->buf)
		exit(1);
}

static void print_counters(int fd)
{
	struct fplate_counters c;

	if (ioctl(fd, FPLATE_IOC_GET_COUNTERS, &c) < 0) {
		printf("counters_error=%s\n", strerror(errno));
		return;
	}
	printf("k_packets=%llu k_samples=%llu k_ring_overruns=%llu k_overrun_samples=%llu "
	       "k_seq_gaps=%llu k_lost_samples=%llu k_malformed=%llu k_stale=%llu "
	       "k_urb_errors=%llu\n",
	       (unsigned long long)c.packets, (unsigned long long)c.samples,
	       (unsigned long long)c.ring_overruns, (unsigned long long)c.overrun_samples,
	       (unsigned long long)c.seq_gaps, (unsigned long long)c.lost_samples,
	       (unsigned long long)c.malformed, (unsigned long long)c.stale,
	       (unsigned long long)c.urb_errors);
}

static int cmd_stream(const char *path, double seconds, int argc, char **argv)
{
	struct fpgen gen = { 0 };
	struct reader r;
	long long want_lost = 0, want_flagged = -1;
	unsigned long rate = 0;
	const char *verify = NULL;
	const char *t0 = NULL;
	char msg[256];
	double end;
	int ret = 0, bad;

	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "rate=", 5))
			rate = strtoul(argv[i] + 5, NULL, 10);
		else if (!strncmp(argv[i], "verify=", 7))
			verify = argv[i] + 7;
		else if (!strncmp(argv[i], "t0=", 3))
			t0 = argv[i] + 3;
		else if (!strncmp(argv[i], "lost=", 5))
			want_lost = atoll(argv[i] + 5);
		else if (!strncmp(argv[i], "flagged=", 8))
			want_flagged = atoll(argv[i] + 8);
		else {
			fprintf(stderr, "kmod-probe: stream: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	reader_open(&r, path);
	if (rate) {
		uint32_t v = (uint32_t)rate;

		if (ioctl(r.fd, FPLATE_IOC_SET_RATE, &v) < 0) {
			printf("FAIL SET_RATE %lu: %s\n", rate, strerror(errno));
			return 1;
		}
		get_info(r.fd, &r.info);
		if (r.info.rate_hz != rate) {
			printf("FAIL SET_RATE %lu: GET_INFO says %u Hz\n", rate, r.info.rate_hz);
			return 1;
		}
	}
	if (verify) {
		if (fpgen_open(&gen, verify, r.info.plates, r.info.channels, msg, sizeof(msg)) ||
		    !gen.builtin) {
			printf("FAIL verify=%s: %s\n", verify, msg[0] ? msg : "builtin sources only");
			return 1;
		}
		gen.sync_period = 200; /* the emulator's defaults */
		gen.sync_width = 20;
		r.verify = &gen;
	}
	r.t0_path = t0;
	if (ioctl(r.fd, FPLATE_IOC_START, 0) < 0) {
		printf("FAIL START: %s\n", strerror(errno));
		return 1;
	}
	end = now_s() + seconds;
	while (now_s() < end && ret >= 0)
		ret = reader_step(&r, 100);
	ioctl(r.fd, FPLATE_IOC_STOP, 0);
	printf("records=%llu first=%llu lost=%llu gaps=%llu flagged=%llu rate_hz=%u k=%u%s",
	       (unsigned long long)r.records, (unsigned long long)r.first,
	       (unsigned long long)r.lost, (unsigned long long)r.gaps,
	       (unsigned long long)r.flagged, r.info.rate_hz, r.info.samples_per_packet,
	       verify ? "" : "\n");
	if (verify)
		printf(" verified=%llu mismatches=%llu\n", (unsigned long long)r.records,
		       (unsigned long long)r.mismatches);
	print_counters(r.fd);
	close(r.fd);
	if (want_flagged < 0)
		want_flagged = (long long)r.gaps;
	/* A stream that delivered nothing lost nothing either: still a failure. */
	bad = ret < 0 || !r.records || r.lost != (uint64_t)want_lost ||
	      r.flagged != (uint64_t)want_flagged || r.mismatches;
	if (!r.records)
		printf("FAIL no record in %g s\n", seconds);
	else if (bad)
		printf("FAIL want lost=%lld flagged=%lld\n", want_lost, want_flagged);
	return bad ? 1 : 0;
}

static int cmd_overrun(const char *path, int pause_ms)
{
	struct fplate_counters c;
	struct reader r;
	int ret, idle = 0;

	reader_open(&r, path);
	if (ioctl(r.fd, FPLATE_IOC_START, 0) < 0) {
		printf("FAIL START: %s\n", strerror(errno));
		return 1;
	}
	usleep((useconds_t)pause_ms * 1000);
	/* Drain until the ring stays empty, then STOP and take the rest. */
	while (idle < 3) {
		ret = reader_step(&r, 50);
		if (ret < 0)
			break;
		idle = ret ? 0 : idle + 1;
		if (r.records > r.info.ring_records + 2 * r.info.rate_hz)
			break;
	}
	ioctl(r.fd, FPLATE_IOC_STOP, 0);
	while (reader_step(&r, 0) > 0)
		;
	if (ioctl(r.fd, FPLATE_IOC_GET_COUNTERS, &c) < 0)
		return 1;
	printf("pause_ms=%d ring_records=%u records=%llu before_gap=%llu observed_lost=%llu "
	       "k_overrun_samples=%llu k_ring_overruns=%llu k_lost_samples=%llu gaps=%llu\n",
	       pause_ms, r.info.ring_records, (unsigned long long)r.records,
	       (unsigned long long)r.before_first_gap, (unsigned long long)r.lost,
	       (unsigned long long)c.overrun_samples, (unsigned long long)c.ring_overruns,
	       (unsigned long long)c.lost_samples, (unsigned long long)r.gaps);
	close(r.fd);
	/* Exact: every missing sample is an overrun sample, none else lost. */
	return c.overrun_samples > 0 && r.lost == c.overrun_samples && c.lost_samples == 0 &&
	       c.ring_overruns == r.gaps && r.before_first_gap == r.info.ring_records ? 0 : 1;
}

static int cmd_info(const char *path)
{
	struct fplate_info i;
	int fd = open_dev(path, O_NONBLOCK);

	get_info(fd, &i);
	printf("serial=%s firmware=%s model='%s' plates=%u channels=%u adc_bits=%u rate_hz=%u "
	       "max_rate_hz=%u samples_per_packet=%u record_size=%u ring_records=%u\n",
	       i.serial, i.firmware, i.model, i.plates, i.channels, i.adc_bits, i.rate_hz,
	       i.max_rate_hz, i.samples_per_packet, i.record_size, i.ring_records);
	close(fd);
	return 0;
}

static int cmd_blocked_read(const char *path)
{
	struct fplate_info info;
	int fd = open_dev(path, 0); /* blocking */
	uint8_t *buf;
	uint64_t records = 0;
	int read_errno;
	ssize_t got;

	get_info(fd, &info);
	buf = malloc(info.record_size);
	if (!buf || ioctl(fd, FPLATE_IOC_START, 0) < 0) {
		printf("FAIL START: %s\n", strerror(errno));
		return 1;
	}
	printf("reading\n");
	fflush(stdout);
	/* One record per read: the reader is almost always blocked in read(). */
	while ((got = read(fd, buf, info.record_size)) > 0)
		records++;
	read_errno = got < 0 ? errno : 0;
	printf("records=%llu read_ret=%zd errno=%s\n", (unsigned long long)records, got,
	       read_errno ? strerror(read_errno) : "0");
	/* Every later call must fail cleanly too; the file stays open until close(). */
	expect("ioctl after unplug", ioctl(fd, FPLATE_IOC_GET_INFO, &info), ENODEV);
	close(fd);
	free(buf);
	return read_errno == ENODEV && !failures ? 0 : 1;
}

static int cmd_error_restart(const char *path, int runs, uint64_t want)
{
	struct reader r;
	ssize_t again;
	int bad = 0;

	reader_open(&r, path);
	for (int run = 1; run <= runs; run++) {
		double t0, t_err;
		int ret = 0;

		r.records = r.lost = r.gaps = r.flagged = 0;
		r.have_next = 0;
		if (ioctl(r.fd, FPLATE_IOC_START, 0) < 0) {
			printf("run=%d FAIL START: %s\n", run, strerror(errno));
			return 1;
		}
		t0 = now_s();
		/* The device fails for good: without a verdict read() would wait forever. */
		while (ret >= 0 && now_s() < t0 + 20)
			ret = reader_step(&r, 100);
		t_err = now_s() - t0;
		/* The error is reported once; then end of stream until STOP/START. */
		again = read(r.fd, r.buf, r.info.record_size);
		printf("run=%d records=%llu first=%llu lost=%llu gaps=%llu read_error=%s "
		       "seconds=%.2f read_after=%zd\n",
		       run, (unsigned long long)r.records, (unsigned long long)r.first,
		       (unsigned long long)r.lost, (unsigned long long)r.gaps,
		       ret < 0 ? strerror(-ret) : "none", t_err, again);
		if (ret != -EIO || r.records != want || r.first != 0 || r.lost || r.gaps ||
		    again != 0) {
			printf("run=%d FAIL want EIO after %llu records from 0, nothing lost, "
			       "then read() 0\n", run, (unsigned long long)want);
			bad = 1;
		}
		if (ioctl(r.fd, FPLATE_IOC_STOP, 0) < 0) {
			printf("run=%d FAIL STOP after the error: %s\n", run, strerror(errno));
			bad = 1;
		}
	}
	print_counters(r.fd);
	close(r.fd);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "info"))
		return cmd_info(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "ioctls"))
		return cmd_ioctls(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "stream"))
		return cmd_stream(argv[2], atof(argv[3]), argc - 4, argv + 4);
	if (argc == 4 && !strcmp(argv[1], "overrun"))
		return cmd_overrun(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "blocked-read"))
		return cmd_blocked_read(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "error-restart"))
		return cmd_error_restart(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
	usage(stderr);
	return 2;
}
