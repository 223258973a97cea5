// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * files.c - the only files a client of the control socket can name
 * (docs/control.md, "Files"): recordings in [control] record_dir and
 * calibrations in [control] calibration_dir, each given by a plain name.
 *
 * A name is 1..FPD_NAME_MAX characters of letters, digits, '.', '_' and
 * '-', not starting with '.': no folder, no "..", nothing hidden. Files are
 * opened relative to the folder with O_NOFOLLOW (a symbolic link is
 * refused) and O_NONBLOCK (a FIFO or device cannot stall the main thread
 * in open()); only regular files are used. A recording is created with
 * O_EXCL: an existing file, or a link planted under the name, is never
 * overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fplated.h"

int fpd_file_name_ok(const char *what, const char *name, char *msg, size_t msg_len)
{
	size_t n = strlen(name);

	if (!n || n > FPD_NAME_MAX || name[0] == '.' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		snprintf(msg, msg_len, "%s: a file is named by 1 to %d letters, digits, '.', '_' "
			 "or '-', not starting with '.' (no folder: files live in the configured "
			 "folder)", what, FPD_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

int fpd_file_open(const char *what, const char *dir, const char *name, int flags, int *dir_fd,
		  char *msg, size_t msg_len)
{
	struct stat st;
	int dfd, fd, err;

	if (fpd_file_name_ok(what, name, msg, msg_len))
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = errno;
		snprintf(msg, msg_len, "%s: folder '%s': %s", what, dir, strerror(err));
		return -err;
	}
	fd = openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0) {
		err = errno;
		if (err == EEXIST)
			snprintf(msg, msg_len, "%s: '%s' already exists in %s; a file is never "
				 "overwritten, choose a new name", what, name, dir);
		else if (err == ELOOP)
			snprintf(msg, msg_len, "%s: '%s' in %s is a symbolic link; refused", what,
				 name, dir);
		else
			snprintf(msg, msg_len, "%s: '%s' in %s: %s", what, name, dir, strerror(err));
		close(dfd);
		return -err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(msg, msg_len, "%s: '%s' in %s is not a regular file; refused", what, name,
			 dir);
		close(fd);
		close(dfd);
		return -EINVAL;
	}
	/* back to blocking for the writes: a regular file never waits on a peer */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (dir_fd)
		*dir_fd = dfd;
	else
		close(dfd);
	return fd;
}

int fpd_file_read(const char *what, const char *dir, const char *name, size_t max,
		  char **text, size_t *len, char *msg, size_t msg_len)
{
	int fd = fpd_file_open(what, dir, name, O_RDONLY, NULL, msg, msg_len);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || (size_t)st.st_size > max) {
		snprintf(msg, msg_len, "%s: '%s' in %s is larger than %zu bytes; refused", what, name,
			 dir, max);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(msg, msg_len, "%s: out of memory", what);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			snprintf(msg, msg_len, "%s: reading '%s' in %s: %s", what, name, dir,
				 n < 0 ? strerror(err) : "file shrank while read");
			free(buf);
			close(fd);
			return -err;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

/*
 * Before binding ipc://PATH: refuse when another process listens on PATH
 * (libzmq would silently take the name over), refuse when PATH is not a
 * socket (libzmq would delete it), remove a stale socket left by a daemon
 * that was killed. 1 when PATH is ours to remove at exit, 0 for other
 * transports, -errno with msg.
 */
int fpd_ipc_claim(const char *ep, char *msg, size_t msg_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *path;
	struct stat st;
	int fd, busy;

	if (strncmp(ep, "ipc://", 6) || ep[6] == '@' || !ep[6])
		return 0;
	path = ep + 6;
	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(msg, msg_len, "endpoint '%s': path longer than %zu characters", ep,
			 sizeof(a.sun_path) - 1);
		return -EINVAL;
	}
	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 1;
		snprintf(msg, msg_len, "endpoint '%s': %s", ep, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(msg, msg_len, "endpoint '%s': %s exists and is not a socket; refused", ep,
			 path);
		return -EINVAL;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(msg, msg_len, "endpoint '%s': socket: %s", ep, strerror(errno));
		return -errno;
	}
	busy = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	if (busy) {
		snprintf(msg, msg_len, "endpoint '%s': another process (another fplated?) is "
			 "listening there; refused", ep);
		return -EADDRINUSE;
	}
	unlink(path);   /* stale: nobody listens */
	return 1;
}
