// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * truncshim.c - LD_PRELOAD helper for test_c3d_truncated.sh: truncates a
 * file right after the process maps it, as another program truncating a
 * recording while fplate reads it would, but at a chosen point.
 *
 *   TRUNCSHIM_PATH  the file (as the program opens it)
 *   TRUNCSHIM_NTH   truncate after the N-th mapping of that file (1-based)
 *   TRUNCSHIM_TO    new size in bytes; "data" means the start of the C3D
 *                   data section (header word 9), so the header and the
 *                   parameters stay readable and the samples are gone
 *
 * Only open() and openat() of exactly TRUNCSHIM_PATH are remembered; the
 * shim writes "truncshim: mapping N truncated to B bytes" to stderr when
 * it acts, so the test knows the fault was injected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static int watched_fd = -1;
static int maps;

/* fd opened for path: remember it if it is the watched file */
static int note(const char *path, int fd)
{
	const char *want = getenv("TRUNCSHIM_PATH");

	if (fd >= 0 && want && !strcmp(path, want))
		watched_fd = fd;
	return fd;
}

/* the mode argument is there only with O_CREAT or O_TMPFILE */
#define MODE_ARG(flags, mode)                                          \
	do {                                                           \
		va_list ap;                                            \
		va_start(ap, flags);                                   \
		mode = (flags) & (O_CREAT | O_TMPFILE) ? va_arg(ap, mode_t) : 0; \
		va_end(ap);                                            \
	} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode;

	MODE_ARG(flags, mode);
	return note(path, ((open_fn)dlsym(RTLD_NEXT, "open"))(path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	MODE_ARG(flags, mode);
	return note(path, ((openat_fn)dlsym(RTLD_NEXT, "openat"))(dirfd, path, flags, mode));
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	mmap_fn real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	void *p = real(addr, len, prot, flags, fd, off);
	const char *to = getenv("TRUNCSHIM_TO"), *nth = getenv("TRUNCSHIM_NTH");
	long long size;

	if (p == MAP_FAILED || fd < 0 || fd != watched_fd || !to || !nth)
		return p;
	watched_fd = -1;
	if (++maps != atoi(nth))
		return p;
	if (!strcmp(to, "data")) {
		const uint8_t *h = p;

		size = len >= 18 ? ((long long)(h[16] | h[17] << 8) - 1) * 512 : 0;
	} else {
		size = atoll(to);
	}
	if (size < 0 || truncate(getenv("TRUNCSHIM_PATH"), size)) {
		perror("truncshim: truncate");
		_exit(99);
	}
	fprintf(stderr, "truncshim: mapping %d truncated to %lld bytes\n", maps, size);
	return p;
}
