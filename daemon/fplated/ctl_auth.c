// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_auth.c - who may use the control socket (docs/control.md, "Access").
 *
 * On loopback or ipc:// the operating system already limits who can
 * connect (ipc:// by file permissions). A control endpoint reachable from
 * the network must be protected: fplated refuses to start on a
 * non-loopback tcp:// endpoint unless a shared secret is configured
 * ([control] secret_file), and then every request must carry it as
 * "token". The secret file must not be readable by group or others. The
 * token travels in clear text: on an untrusted network tunnel the socket
 * (ssh -L) rather than relying on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fplated.h"

#define SECRET_MIN 16

/* tcp://127.x.x.x:P, tcp://localhost:P, tcp://[::1]:P and ipc:// are local. */
static int endpoint_is_local(const char *ep)
{
	if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
		return 1;
	if (strncmp(ep, "tcp://", 6))
		return 0;
	ep += 6;
	return !strncmp(ep, "127.", 4) || !strncmp(ep, "localhost:", 10) ||
	       !strncmp(ep, "[::1]:", 6);
}

static int load_secret(const char *path, char *out, size_t out_len, char *msg, size_t msg_len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(msg, msg_len, "control secret_file '%s': %s", path, strerror(errno));
		return -EINVAL;   /* a configuration error: fplated exits 2 */
	}
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		close(fd);
		snprintf(msg, msg_len, "control secret_file '%s': readable by group or others "
			 "(chmod 600 it)", path);
		return -EINVAL;
	}
	n = read(fd, out, out_len - 1);
	close(fd);
	if (n < 0) {
		snprintf(msg, msg_len, "control secret_file '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (strlen(out) < SECRET_MIN) {
		snprintf(msg, msg_len, "control secret_file '%s': the secret must be at least %d "
			 "characters on its first line", path, SECRET_MIN);
		return -EINVAL;
	}
	return 0;
}

int fpd_ctl_auth_init(struct fpd *d, char *msg, size_t msg_len)
{
	struct fpd_ctl *c = &d->ctl;
	int ret;

	c->secret[0] = '\0';
	if (d->cfg.ctl_secret_file[0]) {
		ret = load_secret(d->cfg.ctl_secret_file, c->secret, sizeof(c->secret), msg,
				  msg_len);
		if (ret)
			return ret;
	} else if (!endpoint_is_local(d->cfg.ctl_endpoint)) {
		snprintf(msg, msg_len, "control endpoint '%s' is reachable from the network: "
			 "set [control] secret_file (--ctl-secret-file) or bind it to "
			 "127.0.0.1 or ipc:// (docs/control.md)", d->cfg.ctl_endpoint);
		return -EINVAL;
	}
	return 0;
}

int fpd_ctl_auth_ok(const struct fpd *d, const char *token)
{
	const char *secret = d->ctl.secret;
	size_t ls = strlen(secret), lt = strlen(token);
	unsigned char diff = (unsigned char)(ls != lt);

	if (!ls)
		return 1;
	/* compare every byte whatever the first difference: no timing hint */
	for (size_t i = 0; i < ls; i++)
		diff |= (unsigned char)(secret[i] ^ (i < lt ? token[i] : 0));
	return diff == 0;
}
