// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - the `fplate` command-line client: dispatch to one subcommand.
 *
 * Each subcommand lives in daemon/cli/cmd_NAME.c and defines
 *   int fp_cmd_NAME(int argc, char **argv);      argv[0] is the command name
 *   extern const char fp_cmd_NAME_help[];        one line for `fplate --help`
 * The Makefile lists them in commands.inc; "_" in NAME is "-" on the
 * command line (cmd_c3d_info.c is `fplate c3d-info`).
 */
#include <stdio.h>
#include <string.h>

#include "fplate/fplate.h"

#define FP_CMD(name) int fp_cmd_##name(int argc, char **argv); \
	extern const char fp_cmd_##name##_help[];
#include "commands.inc"
#undef FP_CMD

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
#define FP_CMD(name) { #name, fp_cmd_##name, fp_cmd_##name##_help },
#include "commands.inc"
#undef FP_CMD
	{ NULL, NULL, NULL }
};

/* "c3d-info" matches "c3d_info". */
static int same_name(const char *arg, const char *name)
{
	for (; *arg && *name; arg++, name++)
		if (*arg != *name && !(*arg == '-' && *name == '_'))
			return 0;
	return *arg == *name;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: fplate COMMAND [OPTIONS]   (fplate COMMAND --help for its options)\n\n"
		"fplate talks to the fplated daemon and works on recordings.\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++) {
		char shown[32];
		size_t i;

		for (i = 0; c->name[i] && i + 1 < sizeof(shown); i++)
			shown[i] = c->name[i] == '_' ? '-' : c->name[i];
		shown[i] = '\0';
		fprintf(out, "  %-15s %s\n", shown, c->help);
	}
	fprintf(out, "\nfplate %s\n", FP_VERSION_STRING);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("fplate %s\n", FP_VERSION_STRING);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++)
		if (same_name(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "fplate: unknown command '%s' (fplate --help lists them)\n", argv[1]);
	return 2;
}
