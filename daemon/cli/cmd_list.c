// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_list.c - `fplate list`: every device the backends can enumerate
 * (fp_list(): comedi cards, USB amplifiers, kernel-module devices), one
 * URI per device that `fplated --device` and fp_open() accept.
 */
#include <stdio.h>
#include <string.h>

#include "fplate/fplate.h"
#include "opts.h"

int fp_cmd_list(int argc, char **argv);
const char fp_cmd_list_help[] = "list the devices found (comedi cards, USB amplifiers, /dev/fplateN)";

static void print_device(const char *uri, const char *description, void *arg)
{
	(void)arg;
	printf("%s\n    %s\n", uri, description);
}

int fp_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { FPC_OPT_HELP, FPC_OPT_END };
	int n, c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		if (c != FPC_KEY_HELP)
			return 2;
		printf("usage: fplate list\n\n%s.\nEach device is shown with the URI to open it "
		       "and a one-line description;\nsim:// and c3d:// sources need no hardware "
		       "and are not listed.\n", fp_cmd_list_help);
		return 0;
	}
	if (fpc_no_args("list", argc, argv))
		return 2;
	n = fp_list(print_device, NULL);
	if (n < 0) {
		fprintf(stderr, "fplate list: %s\n", fp_strerror(n));
		return 1;
	}
	if (n == 0)
		printf("no devices found\n");
	return 0;
}
