// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_version.c - `fplate version`: versions and the device URI schemes built in. */
#include <stdio.h>
#include <string.h>

#include "fplate/fplate.h"

int fp_cmd_version(int argc, char **argv);
const char fp_cmd_version_help[] = "print the version and the device URI schemes built in";

int fp_cmd_version(int argc, char **argv)
{
	const char *s;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: fplate version\n\n%s\n", fp_cmd_version_help);
		return 0;
	}
	printf("fplate %s\nschemes:\n", FP_VERSION_STRING);
	for (unsigned int i = 0; (s = fp_scheme_at(i)); i++)
		printf("  %s://  %s\n", s, fp_scheme_help(s));
	return 0;
}
