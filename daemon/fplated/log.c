// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - fplated's log lines on stderr. One write per line so lines from
 * two threads never interleave.
 *
 * A terminal gets our timestamp. When stderr is the journal (systemd sets
 * $JOURNAL_STREAM to the device:inode of that stream, sd-daemon(3)) a line
 * starts with its syslog priority instead, "<3>error: ...", which journald
 * stores as PRIORITY= (journalctl -p err) and strips; it adds its own time.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fplated.h"

static enum fpd_log_level log_level = FPD_LOG_INFO;
static int journal;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;

static void detect_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
		  fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
		  (unsigned long long)st.st_ino == ino;
}

const char *fpd_log_prefix(enum fpd_log_level level)
{
	static const char *const prio[] = { "<3>", "<4>", "<6>", "<7>" };

	pthread_once(&journal_once, detect_journal);
	return journal ? prio[level] : "";
}

void fpd_log_set_level(enum fpd_log_level level)
{
	log_level = level;
}

void fpd_log(enum fpd_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[512];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if (level > log_level)
		return;
	if (fpd_log_prefix(level)[0]) {
		n = snprintf(line, sizeof(line), "%s%s: ", fpd_log_prefix(level), names[level]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld fplated: %s: ",
			     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
	}
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
