/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.h - tell the service manager how fplated is doing (sd_notify).
 *
 * fplated runs as a systemd Type=notify service with a watchdog
 * (udev/fplated.service). These calls speak systemd's notification
 * protocol (sd_notify(3): one datagram of "KEY=VALUE\n" lines to the
 * AF_UNIX socket named by $NOTIFY_SOCKET) without linking libsystemd, so
 * the daemon runs unchanged in the test VM and on machines without systemd.
 * Outside a notify service ($NOTIFY_SOCKET unset) every call does nothing
 * and returns 0.
 *
 * State is per process (there is one service manager); call these from one
 * thread, the daemon's main loop.
 */
#ifndef FPLATED_NOTIFY_H
#define FPLATED_NOTIFY_H

#include <stdint.h>

/* READY=1 (+ STATUS=status when not NULL): startup finished, device open. */
int fp_notify_ready(const char *status);

/*
 * WATCHDOG=1 when due: once a quarter of the service's WatchdogSec
 * ($WATCHDOG_USEC, honoured only when $WATCHDOG_PID is unset or ours) has
 * passed since the last ping, so it is cheap to call on every loop
 * iteration. Returns 1 when a ping was sent, 0 when none was due or no
 * watchdog is configured, <0 on error.
 */
int fp_notify_watchdog(void);

/*
 * How often the caller must call fp_notify_watchdog(), in microseconds: a
 * quarter of $WATCHDOG_USEC, so that pings are never more than half of
 * WatchdogSec apart; 0 without a watchdog. A loop that sleeps in poll()
 * uses it as its longest timeout.
 */
uint64_t fp_notify_watchdog_usec(void);

/* STOPPING=1: shutdown started (call on SIGTERM before closing down). */
int fp_notify_stopping(void);

/* STATUS=text: one line shown by `systemctl status`. */
int fp_notify_status(const char *text);

/*
 * Send raw assignments ("KEY=VALUE\n..."), for anything not covered above.
 * Returns 0 (also when not under a notify service) or a negative errno.
 */
int fp_notify_send(const char *state);

#endif /* FPLATED_NOTIFY_H */
