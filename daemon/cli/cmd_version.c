// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_version.c - `fplate version`: versions and the device URI schemes built in. */
#include <stdio.h>
#include <string.h>

#include "fplate/fplate.h"
#include "opts.h"

int fp_cmd_version(int argc, char **argv);
const char fp_cmd_version_help[] = "print the version and the device URI schemes built in";

int fp_cmd_version(int argc, char **argv)
{
	static const struct option opts[] = { FPC_OPT_HELP, FPC_OPT_END };
	const char *s;
	int c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		if (c != FPC_KEY_HELP)
			return 2;
		printf("usage: fplate version\n\n%s.\n", fp_cmd_version_help);
		return 0;
	}
	if (fpc_no_args("version", argc, argv))
		return 2;
	printf("fplate %s\nschemes:\n", FP_VERSION_STRING);
	for (unsigned int i = 0; (s = fp_scheme_at(i)); i++)
		printf("  %s://  %s\n", s, fp_scheme_help(s));
	return 0;
}
