// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stream.c - fplate-gadget: the sample clock, the device FIFO, the bulk
 * IN writes and the injected packet faults.
 */
#include "gadget.h"

/* ---- the stream: sample clock, FIFO, faults ----------------------------- */

int in_list(const uint32_t *list, unsigned n, uint32_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/*
 * Samples per packet at a rate: about 200 packets/s (5 ms of data), never
 * a packet whose length is a multiple of 64 bytes (so it always ends with
 * a short USB packet and needs no zero-length packet).
 */
uint32_t pick_k(const struct gadget *g, uint32_t rate)
{
	uint32_t rec = FP_USB_RECORD_SIZE(g->o.plates, g->o.channels);
	uint32_t kmax = (FP_USB_PKT_MAX - FP_USB_PKT_HDR_SIZE) / rec;
	uint32_t k = g->o.k ? g->o.k : rate / 200;

	if (k < 1)
		k = 1;
	if (k > kmax)
		k = kmax;
	while (FP_USB_PKT_SIZE(k, g->o.plates, g->o.channels) % FP_USB_MPS_FS == 0 && k > 1)
		k--;
	return k;
}

static void update_checksum(struct gadget *g, const uint8_t *records, uint32_t n)
{
	uint32_t rec = FP_USB_RECORD_SIZE(g->o.plates, g->o.channels);
	char text[96];

	for (uint32_t i = 0; i < n && g->checksum_n < g->o.checksum_at; i++) {
		g->checksum = fp_usb_crc32(g->checksum, records + (size_t)i * rec, rec);
		if (++g->checksum_n == g->o.checksum_at) {
			snprintf(text, sizeof(text), "checksum=%08x samples=%llu\n", g->checksum,
				 (unsigned long long)g->checksum_n);
			fprintf(stderr, "fplate-gadget: %s", text);
		}
	}
}

/*
 * Halt ep1 before a packet of --stall (reading an IN endpoint halts it,
 * FunctionFS). With --stall-ms, halt it again every millisecond for that
 * long: each time the host clears the halt the next transfer fails again, as
 * on a device whose endpoint keeps failing. STOP, DISABLE or another
 * session ends it. Returns the number of halts set.
 */
static uint32_t stall_ep(struct gadget *g, uint64_t session)
{
	int64_t end = now_ns(CLOCK_MONOTONIC) + (int64_t)g->o.stall_ms * 1000000;
	const struct timespec ms = { 0, 1000000 };
	uint32_t n = 0;
	int go;
	char b;

	do {
		pthread_mutex_lock(&g->lock);
		go = g->streaming && g->enabled && !g->quit && g->session == session;
		pthread_mutex_unlock(&g->lock);
		if (!go)
			break;
		/* as a write: stop_stream() interrupts it (blocks while disabled) */
		__atomic_store_n(&g->in_write, 1, __ATOMIC_SEQ_CST);
		if (read(g->ep1, &b, 1) < 0 && errno == EBADMSG)
			n++;
		__atomic_store_n(&g->in_write, 0, __ATOMIC_SEQ_CST);
		if (g->o.stall_ms)
			nanosleep(&ms, NULL);
	} while (now_ns(CLOCK_MONOTONIC) < end);
	return n;
}

/*
 * One streaming session (START to STOP/DISABLE). The device clock is
 * CLOCK_MONOTONIC: sample i is taken at t0 + i / rate.
 */
static void stream_session(struct gadget *g)
{
	uint32_t nc = g->o.plates * g->o.channels, rate, k, seq = 0, flags;
	uint64_t next = 0, session;
	int64_t t0, fifo_samples;
	uint32_t sync[FP_USB_PKT_MAX / 8];
	int32_t counts[FP_USB_PKT_MAX / 4];
	uint8_t pkt[FP_USB_PKT_MAX];
	struct timespec due;
	int32_t zero[FP_MAX_PLATES * FP_MAX_CHANNELS];
	int overrun = 0, dropped, corrupted, ext_clock, zero_now, repeated;
	uint32_t stalled;
	int restart, restarted = 0;

	pthread_mutex_lock(&g->lock);
	ext_clock = g->clock == FP_USB_CLOCK_EXTERNAL;
	rate = ext_clock ? g->o.ext_rate : g->rate;
	k = pick_k(g, rate);
	session = g->session;
	t0 = now_ns(CLOCK_MONOTONIC);
	if (g->o.t0_path) {
		char text[64];

		snprintf(text, sizeof(text), "%lld %u %u %llu\n", (long long)now_ns(CLOCK_REALTIME),
			 rate, k, (unsigned long long)g->gen.index);
		write_file(g->o.t0_path, text);
	}
	fifo_samples = (int64_t)rate * g->o.fifo_ms / 1000;
	while (g->streaming && g->enabled && !g->quit && g->session == session) {
		int64_t due_ns = t0 + (int64_t)((next + k) * 1000000000ull / rate);
		int64_t avail;
		size_t len;
		ssize_t w;

		due.tv_sec = due_ns / 1000000000;
		due.tv_nsec = due_ns % 1000000000;
		if (pthread_cond_timedwait(&g->cond, &g->lock, &due) != ETIMEDOUT)
			continue; /* state changed: re-check */
		avail = (now_ns(CLOCK_MONOTONIC) - t0) * (int64_t)rate / 1000000000 - (int64_t)next;
		if (avail > fifo_samples) {
			/* The FIFO overflowed while the host did not read: lose the oldest. */
			uint64_t skip = (uint64_t)(avail - fifo_samples);

			for (uint64_t i = 0; i < skip; i++)
				fpgen_next(&g->gen, sync, counts);
			next += skip;
			g->overruns++;
			g->overrun_samples += (uint32_t)skip;
			overrun = 1;
		}
		memcpy(zero, g->zero, sizeof(zero));
		zero_now = g->zero_request;
		g->zero_request = 0;
		pthread_mutex_unlock(&g->lock);

		for (uint32_t i = 0; i < k; i++) {
			if (fpgen_next(&g->gen, &sync[i], &counts[(size_t)i * nc]))
				die("sample source failed at sample %llu",
				    (unsigned long long)g->gen.index);
			if (zero_now) {
				/* hardware zero: this input is the new 0 */
				memcpy(zero, &counts[(size_t)i * nc], nc * sizeof(*zero));
				zero_now = 0;
				pthread_mutex_lock(&g->lock);
				memcpy(g->zero, zero, sizeof(zero));
				pthread_mutex_unlock(&g->lock);
			}
			for (uint32_t c = 0; c < nc; c++)
				counts[(size_t)i * nc + c] -= zero[c];
		}
		flags = (overrun ? FP_USB_PKT_OVERRUN : 0) |
			(ext_clock ? FP_USB_PKT_EXT_CLOCK : 0);
		len = fp_usb_pkt_build(pkt, seq, flags, next, k, g->o.plates, g->o.channels,
				       sync, counts);
		update_checksum(g, pkt + FP_USB_PKT_HDR_SIZE, k);

		w = (ssize_t)len;
		dropped = in_list(g->o.drop, g->o.n_drop, seq);
		corrupted = !dropped && in_list(g->o.corrupt, g->o.n_corrupt, seq);
		stalled = 0;
		if (!dropped) {
			if (corrupted)
				pkt[len - 3] ^= 0x5a; /* inside the last record, after the CRC */
			if (in_list(g->o.stall, g->o.n_stall, seq))
				stalled = stall_ep(g, session);
			__atomic_store_n(&g->in_write, 1, __ATOMIC_SEQ_CST);
			if (g->streaming && g->session == session) {
				w = write(g->ep1, pkt, len);
			} else {
				w = -1;	/* stopped meanwhile: not sent */
				errno = ECONNRESET;
			}
			__atomic_store_n(&g->in_write, 0, __ATOMIC_SEQ_CST);
		}
		/* A repeat: the same samples again, numbered as the next packet. */
		repeated = 0;
		if (!dropped && w == (ssize_t)len && in_list(g->o.repeat, g->o.n_repeat, seq)) {
			size_t len2 = fp_usb_pkt_build(pkt, seq + 1, flags, next, k, g->o.plates,
						       g->o.channels, sync, counts);

			__atomic_store_n(&g->in_write, 1, __ATOMIC_SEQ_CST);
			if (g->streaming && g->session == session)
				repeated = write(g->ep1, pkt, len2) == (ssize_t)len2;
			__atomic_store_n(&g->in_write, 0, __ATOMIC_SEQ_CST);
		}
		restart = !restarted && g->o.restart_after >= 0 &&
			  (int64_t)seq == g->o.restart_after;
		pthread_mutex_lock(&g->lock);
		g->stalled += stalled;
		if (w != (ssize_t)len) {
			/* Disabled, unplugged or stopped: this session is over. */
			if (w < 0 && errno != EINTR && errno != ESHUTDOWN && errno != ECONNRESET &&
			    errno != EIO)
				fprintf(stderr, "fplate-gadget: ep1 write: %s\n", strerror(errno));
			break;
		}
		overrun = 0;
		g->dropped += dropped;
		g->corrupted += corrupted;
		if (!dropped) {
			g->packets_sent++;
			g->samples_sent += k;
		}
		g->repeated += repeated;
		next += k;
		seq += 1 + repeated;
		if (restart) {
			/* The clock restarts where it is: sample 0 is the next one. */
			t0 = due_ns;
			next = 0;
			seq = 0;
			restarted = 1;
			g->restarts++;
		}
	}
	g->streaming = 0;
	pthread_mutex_unlock(&g->lock);
}

void *stream_main(void *arg)
{
	struct gadget *g = arg;
	sigset_t set;

	/* SIGTERM/SIGINT are for the ep0 thread (they end its read()). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_lock(&g->lock);
	while (!g->quit) {
		if (!(g->streaming && g->enabled)) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		pthread_mutex_unlock(&g->lock);
		stream_session(g);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* Stop streaming and make sure the stream thread left its write(). */
void stop_stream(struct gadget *g)
{
	pthread_mutex_lock(&g->lock);
	g->streaming = 0;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	for (int i = 0; i < 200 && __atomic_load_n(&g->in_write, __ATOMIC_SEQ_CST); i++) {
		pthread_kill(g->stream_thread, SIGUSR1);
		usleep(2000);
	}
}
