// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opts.c - the option parser of every `fplate` command (see opts.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

void fpc_opts_begin(void)
{
	optind = 0;   /* 0, not 1: glibc re-initialises its state (permutation) */
	opterr = 0;
}

int fpc_getopt(int argc, char **argv, const char *shortopts, const struct option *opts)
{
	char spec[32];
	const char *bad;
	int c;

	/* ':' first: a missing value returns ':' instead of '?' */
	snprintf(spec, sizeof(spec), ":h%s", shortopts ? shortopts : "");
	c = getopt_long(argc, argv, spec, opts, NULL);
	if (c != '?' && c != ':')
		return c;
	bad = optind > 1 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':')
		fprintf(stderr, "fplate %s: option '%s' needs a value (fplate %s --help)\n",
			argv[0], bad, argv[0]);
	else if (!strncmp(bad, "--", 2) && strchr(bad, '='))
		fprintf(stderr, "fplate %s: unknown option or one that takes no value: '%s' "
			"(fplate %s --help)\n", argv[0], bad, argv[0]);
	else if (optopt && optopt < 0x100 && strncmp(bad, "--", 2))
		fprintf(stderr, "fplate %s: unknown option '-%c' (fplate %s --help)\n", argv[0],
			optopt, argv[0]);
	else
		fprintf(stderr, "fplate %s: unknown option '%s' (fplate %s --help)\n", argv[0],
			bad, argv[0]);
	return '?';
}

int fpc_opt_double(const char *cmd, const char *opt, const char *val, double lo, double hi,
		   double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val ? val : "", &end);
	if (!val || errno || end == val || *end || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr, "fplate %s: %s '%s': expected a number in %g..%g\n", cmd, opt,
			val ? val : "", lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int fpc_opt_int(const char *cmd, const char *opt, const char *val, long lo, long hi,
		long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val ? val : "", &end, 10);
	if (!val || errno || end == val || *end || v < lo || v > hi) {
		fprintf(stderr, "fplate %s: %s '%s': expected a whole number in %ld..%ld\n", cmd,
			opt, val ? val : "", lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int fpc_no_args(const char *cmd, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "fplate %s: unexpected argument '%s' (fplate %s --help)\n", cmd,
			argv[optind], cmd);
		return -1;
	}
	return 0;
}
