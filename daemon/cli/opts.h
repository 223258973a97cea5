/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts.h - the one option parser of every `fplate` command: getopt_long
 * with the CLI's conventions, so `--opt=value` and `--opt value` work the
 * same everywhere, options and arguments may come in any order, `--help`
 * and `-h` are always there and a bad option gets the same message.
 * The options several commands share have one spelling, FPC_OPT_*.
 */
#ifndef FPLATE_OPTS_H
#define FPLATE_OPTS_H

#include <getopt.h>

/* Option keys every command uses for the same thing. */
enum {
	FPC_KEY_HELP = 'h',
	FPC_KEY_ENDPOINT = 0x100,   /* --endpoint E: fplated's publish endpoint */
	FPC_KEY_CTL,                /* --ctl E: its control endpoint */
	FPC_KEY_TIMEOUT,            /* --timeout S: give up after S seconds */
	FPC_KEY_SECONDS,            /* --seconds N: stop after N seconds */
	FPC_KEY_JSON,               /* --json: machine-readable output */
	FPC_KEY_CSV,                /* --csv */
	FPC_KEY_OWN = 0x200,        /* a command's own options start here */
};

#define FPC_OPT_HELP     { "help", no_argument, NULL, FPC_KEY_HELP }
#define FPC_OPT_ENDPOINT { "endpoint", required_argument, NULL, FPC_KEY_ENDPOINT }
#define FPC_OPT_CTL      { "ctl", required_argument, NULL, FPC_KEY_CTL }
#define FPC_OPT_TIMEOUT  { "timeout", required_argument, NULL, FPC_KEY_TIMEOUT }
#define FPC_OPT_SECONDS  { "seconds", required_argument, NULL, FPC_KEY_SECONDS }
#define FPC_OPT_JSON     { "json", no_argument, NULL, FPC_KEY_JSON }
#define FPC_OPT_CSV      { "csv", no_argument, NULL, FPC_KEY_CSV }
#define FPC_OPT_END      { NULL, 0, NULL, 0 }

/*
 * Start parsing argv (argv[0] is the command name, "c3d-info"). Then call
 * fpc_getopt() until it returns -1; the arguments that are not options
 * are then argv[optind..argc-1].
 */
void fpc_opts_begin(void);

/*
 * The next option: its key (optarg holds its value), -1 at the end, or
 * '?' after printing "fplate CMD: ..." for an unknown option, a missing
 * value or a value given to an option that takes none. shortopts lists
 * the one-letter forms ("o:" for record's -o); "h" is always accepted.
 */
int fpc_getopt(int argc, char **argv, const char *shortopts, const struct option *opts);

/* Number parsers: 0, or -1 after "fplate CMD: --OPT 'V': expected ...". */
int fpc_opt_double(const char *cmd, const char *opt, const char *val, double lo, double hi,
		   double *out);
int fpc_opt_int(const char *cmd, const char *opt, const char *val, long lo, long hi,
		long *out);

/* No arguments besides options: 0, or -1 after naming the first extra one. */
int fpc_no_args(const char *cmd, int argc, char **argv);

#endif
