// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - fplated: open the device, start the acquisition thread and run
 * the processing / publishing loop on the main thread until SIGINT or
 * SIGTERM (or the end of a finite source; SIGHUP is logged and ignored), then
 * shut down in order:
 * stop acquisition, publish what is left, final status, close.
 *
 * The main loop waits in zmq_poll() on the acquisition eventfd and a
 * signalfd (signals are blocked in every thread, so no handler runs
 * asynchronously), with the time to the next status message as timeout.
 * The control sockets and the ZAP socket, when enabled, are more poll
 * items. A paced device with coalescing (the usual case) has no
 * acquisition thread: run_inline reads it on this thread and sleeps in
 * ppoll() until the next block is due.
 *
 * Exit status: 0 clean stop or end of source, 1 runtime error (device,
 * socket), 2 bad option or configuration.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "fplated.h"
#include "notify.h"
#include "fplate/wire.h"

static int setup_calibration(struct fpd *d, char *msg, size_t msg_len)
{
	char why[FP_MSG_MAX];
	int ret;

	if (d->cfg.calibration[0]) {
		ret = fp_calib_load(d->cfg.calibration, &d->cal, why, sizeof(why));
		if (ret) {
			snprintf(msg, msg_len, "calibration: %s", why);
			return ret;
		}
		snprintf(d->calib_source, sizeof(d->calib_source), "file %s",
			 d->cfg.calibration);
	} else if (fp_get_calibration(d->dev, &d->cal) == 0) {
		snprintf(d->calib_source, sizeof(d->calib_source), "device");
	} else {
		fp_calib_default(&d->cal, d->info.plates, d->info.channels);
		snprintf(d->calib_source, sizeof(d->calib_source), "neutral");
		if (d->info.unit != FP_RAW_FM)
			fpd_warn("no calibration file and none stored in the device: "
				 "publishing with a neutral calibration (--calibration FILE)");
	}
	ret = fp_calib_check(&d->cal, &d->info, why, sizeof(why));
	if (!ret && d->cal.serial[0] && d->info.serial[0] && strcmp(d->cal.serial, d->info.serial))
		fpd_warn("calibration %s (%s) is for serial %s, this device is %s: configured, "
			 "so used", d->cal.id, d->calib_source, d->cal.serial, d->info.serial);
	if (ret)
		snprintf(msg, msg_len, "calibration (%s) does not fit the device: %s",
			 d->calib_source, why);
	return ret;
}

static int setup(struct fpd *d, char *msg, size_t msg_len)
{
	char why[FP_MSG_MAX];
	long n;
	int ret;

	ret = fp_open(d->cfg.device_uri, &d->dev, why, sizeof(why));
	if (ret) {
		snprintf(msg, msg_len, "device '%s': %s", d->cfg.device_uri,
			 why[0] ? why : fp_strerror(ret));
		/* a path that does not exist is the configuration's fault: exit 2,
		 * so the unit is not restarted forever */
		return ret == -ENOENT ? -EINVAL : ret;
	}
	fp_info(d->dev, &d->info);
	ret = setup_calibration(d, msg, msg_len);
	if (ret)
		return -EINVAL;   /* the configured file is missing or wrong: exit 2 */
	n = lround(d->info.rate_hz * d->cfg.block_ms / 1000.0);
	d->block_samples = (uint32_t)(n < 1 ? 1 : n > FP_WIRE_MAX_SAMPLES ? FP_WIRE_MAX_SAMPLES : n);
	d->stream_id = d->cfg.stream_id;
	while (!d->stream_id && getrandom(&d->stream_id, sizeof(d->stream_id), 0) < 0)
		d->stream_id = (uint32_t)(getpid() ^ fp_clock_ns(CLOCK_REALTIME));
	ret = fpd_acq_init(d);
	if (!ret)
		ret = fpd_proc_init(d);
	if (ret) {
		snprintf(msg, msg_len, "cannot allocate buffers: %s", fp_strerror(ret));
		return ret;
	}
	ret = fpd_stages_init(d);
	if (ret) {
		snprintf(msg, msg_len, "a processing stage failed to start");
		return ret;
	}
	ret = fpd_ipc_claim(d->cfg.endpoint, why, sizeof(why));
	if (ret >= 0 && d->cfg.ctl_endpoint[0]) {
		d->unlink_pub = ret;
		ret = fpd_ipc_claim(d->cfg.ctl_endpoint, why, sizeof(why));
		d->unlink_ctl = ret > 0;
	}
	if (ret >= 0 && d->cfg.ctl_read_endpoint[0]) {
		ret = fpd_ipc_claim(d->cfg.ctl_read_endpoint, why, sizeof(why));
		d->unlink_read = ret > 0;
	}
	if (ret >= 0) {
		d->pub.ctx = zmq_ctx_new();
		ret = d->pub.ctx ? fpd_curve_init(d, d->pub.ctx, why, sizeof(why)) : -ENOMEM;
		if (ret == -ENOMEM && !d->pub.ctx)
			snprintf(why, sizeof(why), "cannot create a ZeroMQ context");
	}
	if (ret >= 0)
		ret = fpd_pub_open(&d->pub, &d->cfg, why, sizeof(why));
	if (!ret)
		ret = fpd_ctl_open(d, why, sizeof(why));
	if (ret) {
		snprintf(msg, msg_len, "%s", why);
		return ret;
	}
	ret = fp_start(d->dev);
	if (ret) {
		snprintf(msg, msg_len, "cannot start device '%s': %s%s%s", d->cfg.device_uri,
			 fp_strerror(ret), fp_device_message(d->dev)[0] ? ": " : "",
			 fp_device_message(d->dev));
		return ret;
	}
	d->start_mono_ns = fp_clock_ns(CLOCK_MONOTONIC);
	/* a paced device is read by the main thread itself (run_inline) */
	d->acq.inline_mode = fpd_acq_inline(d);
	ret = d->acq.inline_mode ? 0 : fpd_acq_start(d);
	if (ret)
		snprintf(msg, msg_len, "cannot start the acquisition thread: %s", strerror(-ret));
	return ret;
}

/* A signal arrived: 1 when the loop ends (exit status 0). */
static int got_signal(int sig_fd)
{
	struct signalfd_siginfo si = { 0 };

	if (read(sig_fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGHUP) {
		/* a closed terminal or a reload request must not stop acquisition */
		fpd_warn("SIGHUP ignored: fplated has no configuration reload; "
			 "restart it to apply a new configuration");
		return 0;
	}
	if (!si.ssi_signo)
		return 0;
	fpd_info("%s: stopping", strsignal((int)si.ssi_signo));
	return 1;
}

/* The end of acquisition: the exit status, or -1 while it goes on. */
static int acq_over(struct fpd *d)
{
	int state = atomic_load(&d->acq.state);

	if (state == FPD_DEV_ENDED) {
		fpd_proc_drain(d);
		fpd_info("end of source after %llu samples", (unsigned long long)d->stats.samples);
		return 0;
	}
	if (state == FPD_DEV_FAILED) {
		char msg[FP_MSG_MAX];

		fpd_acq_error(d, msg, sizeof(msg));
		fpd_err("device '%s': %s", d->cfg.device_uri, msg);
		return 1;
	}
	return -1;
}

/* Time until the next status message or watchdog ping, ms (-1: none). */
static int tick_timeout(struct fpd *d)
{
	int timeout_ms = fpd_status_tick(d);
	int wd_ms = (int)(fp_notify_watchdog_usec() / 1000);

	/* Wake often enough to feed systemd's watchdog (WatchdogSec=). */
	if (wd_ms > 0 && (timeout_ms < 0 || timeout_ms > wd_ms))
		timeout_ms = wd_ms;
	fp_notify_watchdog();
	/* a pending control request is answered as soon as its data is in */
	if (d->ctl.busy && timeout_ms > 20)
		timeout_ms = 20;
	return timeout_ms;
}

/* Returns the exit status once the loop should end. */
static int run_loop(struct fpd *d, int sig_fd)
{
	/* 0 device, 1 signals, then whichever of control, read and ZAP exist */
	zmq_pollitem_t items[5] = {
		{ NULL, d->acq.wake_fd, ZMQ_POLLIN, 0 },
		{ NULL, sig_fd, ZMQ_POLLIN, 0 },
	};
	void *extra[3] = { d->ctl.sock, d->ctl.read_sock, fpd_curve_zap_socket() };
	int n_items = 2;

	for (int i = 0; i < 3; i++)
		if (extra[i])
			items[n_items++] = (zmq_pollitem_t){ extra[i], -1, ZMQ_POLLIN, 0 };

	for (;;) {
		int timeout_ms = tick_timeout(d);
		int state;

		/* other clients are answered while a request is pending */
		if (zmq_poll(items, n_items, timeout_ms) < 0 &&
		    errno != EINTR) {
			fpd_err("zmq_poll: %s", zmq_strerror(errno));
			return 1;
		}
		if (items[0].revents & ZMQ_POLLIN)
			fpd_proc_drain(d);
		fpd_ctl_tick(d);
		for (int i = 2; i < n_items; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			if (items[i].socket == fpd_curve_zap_socket())
				fpd_curve_zap_handle(d);
			else
				fpd_ctl_handle(d, items[i].socket);
		}
		if ((items[1].revents & ZMQ_POLLIN) && got_signal(sig_fd))
			return 0;
		state = acq_over(d);
		if (state >= 0)
			return state;
	}
}

/*
 * The device-paced loop (fpd_acq_inline): read, process and publish on
 * this thread, then sleep in ppoll() on the signalfd and the ZeroMQ
 * sockets' ZMQ_FD until the next block is due. The deadline is on
 * CLOCK_MONOTONIC and the timeout relative, so a wall-clock step changes
 * nothing. One wake-up per frame instead of two plus an eventfd.
 *
 * ZMQ_FD only says that a socket's state may have changed, and any
 * operation on the socket may consume that signal: ZMQ_EVENTS (a poll()
 * and a getpid() inside libzmq) is read for a socket whose fd fired, on
 * which requests were just handled, or after a pending reply went out,
 * until it says nothing is queued; not on every frame. At most one burst
 * of requests per socket is handled between two device reads.
 */
static int run_inline(struct fpd *d, int sig_fd)
{
	void *zap = fpd_curve_zap_socket();
	void *want[3] = { d->ctl.sock, d->ctl.read_sock, zap };
	void *sock[4] = { NULL };
	struct pollfd pfd[4] = { { sig_fd, POLLIN, 0 } };
	int check[4] = { 0 };
	int64_t due = 0;             /* CLOCK_MONOTONIC ns of the next read, 0: now */
	int n = 1;

	for (int i = 0; i < 3; i++) {
		size_t len = sizeof(pfd[n].fd);

		if (!want[i])
			continue;
		if (zmq_getsockopt(want[i], ZMQ_FD, &pfd[n].fd, &len)) {
			fpd_err("%s socket: ZMQ_FD: %s", want[i] == zap ? "ZAP" : "control",
				zmq_strerror(errno));
			return 1;
		}
		pfd[n].events = POLLIN;
		sock[n] = want[i];
		check[n++] = 1;      /* input may be queued already */
	}
	for (;;) {
		int64_t now = fp_clock_ns(CLOCK_MONOTONIC), wait_ns = 0;
		int timeout_ms, was_busy, more = 0;
		struct timespec ts;

		if (now >= due) {
			int over = fpd_acq_step(d, &due);

			fpd_proc_drain(d);
			if (over) {
				over = acq_over(d);
				return over < 0 ? 1 : over;
			}
			now = fp_clock_ns(CLOCK_MONOTONIC);
		}
		timeout_ms = tick_timeout(d);
		was_busy = d->ctl.busy;
		fpd_ctl_tick(d);
		for (int i = 1; i < n; i++) {
			int ev = 0;
			size_t len = sizeof(ev);

			if (was_busy && !d->ctl.busy)
				check[i] = 1;    /* a reply went out */
			if (!check[i])
				continue;
			if (zmq_getsockopt(sock[i], ZMQ_EVENTS, &ev, &len) || !(ev & ZMQ_POLLIN)) {
				check[i] = 0;
				continue;
			}
			if (sock[i] == zap)
				fpd_curve_zap_handle(d);
			else
				fpd_ctl_handle(d, sock[i]);
			more = 1;            /* look again before sleeping */
		}
		if (!more) {
			wait_ns = due > now ? due - now : 0;
			if (timeout_ms >= 0 && wait_ns > timeout_ms * 1000000LL)
				wait_ns = timeout_ms * 1000000LL;
		}
		ts = (struct timespec){ wait_ns / 1000000000, wait_ns % 1000000000 };
		if (ppoll(pfd, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR) {
			fpd_err("ppoll: %s", strerror(errno));
			return 1;
		}
		if ((pfd[0].revents & POLLIN) && got_signal(sig_fd))
			return 0;
		for (int i = 1; i < n; i++)
			if (pfd[i].revents & POLLIN)
				check[i] = 1;
	}
}

static void teardown(struct fpd *d)
{
	fpd_acq_stop(d);
	if (d->proc.wire) {
		int state = atomic_load(&d->acq.state);

		fpd_proc_drain(d);
		/* ended and failed say why the daemon stops; anything else
		 * would claim a device that is no longer read */
		if (state != FPD_DEV_ENDED && state != FPD_DEV_FAILED)
			atomic_store(&d->acq.state, FPD_DEV_STOPPED);
		if (d->pub.sock)
			fpd_publish_status(d);
	}
	fpd_stages_fini(d);
	if (d->dev)
		fp_stop(d->dev);
	fpd_ctl_close(d);
	fpd_pub_close(&d->pub);
	/* no socket file left behind (a later start would find it stale) */
	if (d->unlink_ctl)
		unlink(d->cfg.ctl_endpoint + 6);
	if (d->unlink_read)
		unlink(d->cfg.ctl_read_endpoint + 6);
	if (d->unlink_pub)
		unlink(d->cfg.endpoint + 6);
	fpd_proc_release(d);
	fpd_acq_release(d);
	fp_close(d->dev);
	d->dev = NULL;
}

int main(int argc, char **argv)
{
	static struct fpd d; /* large; one per process */
	char msg[2048];
	sigset_t sigs;
	int sig_fd, ret, status;

	ret = fpd_config_from_args(&d.cfg, argc, argv, msg, sizeof(msg));
	if (ret == 1)
		return 0;
	if (ret < 0) {
		fprintf(stderr, "%sfplated: %s\n", fpd_log_prefix(FPD_LOG_ERROR), msg);
		return 2;
	}
	fpd_log_set_level(d.cfg.log_level);
	/* Before any thread exists, so every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0) {
		fprintf(stderr, "%sfplated: signalfd: %s\n", fpd_log_prefix(FPD_LOG_ERROR),
			strerror(errno));
		return 1;
	}
	d.acq.wake_fd = -1;
	d.settings = (struct fpd_settings){ .belt_speed_mps = d.cfg.belt_speed_mps,
		.body_mass_kg = d.cfg.body_mass_kg, .contact_on_n = d.cfg.contact_on_n,
		.contact_off_n = d.cfg.contact_off_n, .cutoff_hz = d.cfg.cutoff_hz,
		.cop_cutoff_hz = d.cfg.cop_cutoff_hz };
	if (d.cfg.config_file[0])
		fpd_debug("configuration from %s", d.cfg.config_file);
	ret = setup(&d, msg, sizeof(msg));
	if (ret) {
		fpd_err("%s", msg);
		teardown(&d);
		close(sig_fd);
		return ret == -EINVAL || ret == -EPROTONOSUPPORT ? 2 : 1;
	}
	fpd_info("%s: %u plate%s x %u channels at %g Hz, %u samples per frame, "
		 "calibration %s (%s); publishing on %s",
		 d.info.uri, d.info.plates, d.info.plates > 1 ? "s" : "", d.info.channels,
		 d.info.rate_hz, d.block_samples, d.cal.id[0] ? d.cal.id : "-",
		 d.calib_source, d.cfg.endpoint);
	snprintf(msg, sizeof(msg), "%s, publishing on %s", d.info.uri, d.cfg.endpoint);
	ret = fp_notify_ready(msg);
	if (ret < 0)
		fpd_warn("cannot notify the service manager ($NOTIFY_SOCKET): %s", strerror(-ret));
	status = d.acq.inline_mode ? run_inline(&d, sig_fd) : run_loop(&d, sig_fd);
	fp_notify_stopping();
	teardown(&d);
	close(sig_fd);
	fpd_info("stopped: %llu samples, %llu gaps, %llu lost, %llu dropped",
		 (unsigned long long)d.stats.samples, (unsigned long long)d.stats.gaps,
		 (unsigned long long)d.stats.lost_samples, (unsigned long long)d.pub.dropped);
	return status;
}
