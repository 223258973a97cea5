// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_keygen.c - `fplate keygen NAME`: a ZeroMQ CURVE key pair for fplated
 * (server) or for a client (docs/control.md, "Security"): NAME.key holds
 * the secret key (mode 0600), NAME.pub the public key, each as the first
 * line in Z85 (40 characters). Existing files are never overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "opts.h"

int fp_cmd_keygen(int argc, char **argv);
const char fp_cmd_keygen_help[] = "make a CURVE key pair for fplated or a client (NAME.key, NAME.pub)";

static int write_new(const char *path, const char *line, const char *comment, int mode)
{
	char text[256];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t n;

	if (fd < 0) {
		fprintf(stderr, "fplate keygen: %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (never overwritten: choose another NAME)" : "");
		return -1;
	}
	n = (size_t)snprintf(text, sizeof(text), "%s\n# %s\n", line, comment);
	if (write(fd, text, n) != (ssize_t)n || close(fd)) {
		fprintf(stderr, "fplate keygen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int fp_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = { FPC_OPT_HELP, FPC_OPT_END };
	char pub[41], sec[41], path[4096], other[4096];
	const char *name;
	int c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		if (c != FPC_KEY_HELP)
			return 2;
		printf("usage: fplate keygen NAME\n\n%s.\n\n"
		       "NAME.key: the secret key (mode 0600) - for fplated, [control]\n"
		       "          curve_secret_file; for a client, $FPLATE_CTL_KEY_FILE.\n"
		       "NAME.pub: the public key - a client's goes into fplated's\n"
		       "          curve_clients file as 'control KEY' or 'read KEY'; the\n"
		       "          server's is the clients' $FPLATE_CTL_SERVER_KEY.\n"
		       "Exit status: 0 written, 1 cannot write, 2 bad arguments.\n",
		       fp_cmd_keygen_help);
		return 0;
	}
	name = optind < argc ? argv[optind] : "";
	if (optind + 1 != argc || !name[0] || strlen(name) > sizeof(path) - 8) {
		fprintf(stderr, "usage: fplate keygen NAME (fplate keygen --help)\n");
		return 2;
	}
	if (zmq_curve_keypair(pub, sec)) {
		fprintf(stderr, "fplate keygen: this libzmq has no CURVE: %s\n",
			zmq_strerror(zmq_errno()));
		return 1;
	}
	snprintf(path, sizeof(path), "%s.key", name);
	snprintf(other, sizeof(other), "%s.pub", name);
	if (access(other, F_OK) == 0) {
		fprintf(stderr, "fplate keygen: %s exists (never overwritten: choose another NAME)\n",
			other);
		return 1;
	}
	if (write_new(path, sec, "CURVE secret key: keep it private", 0600))
		return 1;
	if (write_new(other, pub, "CURVE public key", 0644)) {
		unlink(path);
		return 1;
	}
	printf("%s  (public key; secret key in %s)\n", pub, path);
	return 0;
}
