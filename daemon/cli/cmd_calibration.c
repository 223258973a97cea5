// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_calibration.c - `fplate calibration load FILE | get`: swap the daemon's
 * calibration atomically (validated first) or print the one in use.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"

int fp_cmd_calibration(int argc, char **argv);
const char fp_cmd_calibration_help[] = "load a calibration file into the daemon, or print the one in use";

int fp_cmd_calibration(int argc, char **argv)
{
	struct fp_ctl_opts o;
	char path[PATH_MAX];
	json_t *r, *req;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, " load FILE | get",
					   "load FILE: validate FILE (docs/calibration.md) and use it from the next block;\n"
					   "           on any error the daemon keeps the previous calibration.\n"
					   "get:       print the calibration in use, in the file format.", &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (argc - first == 2 && !strcmp(argv[first], "load")) {
		/* the daemon may run in another folder: send an absolute path */
		if (!realpath(argv[first + 1], path)) {
			fprintf(stderr, "fplate calibration: %s: no such file\n", argv[first + 1]);
			return 1;
		}
		req = json_pack("{s:s, s:s, s:s}", "cmd", "calibration", "action", "load", "file", path);
	} else if (argc - first == 1 && !strcmp(argv[first], "get")) {
		req = json_pack("{s:s, s:s}", "cmd", "calibration", "action", "get");
	} else {
		fprintf(stderr, "usage: fplate calibration load FILE | get\n");
		return 2;
	}
	r = fp_ctl_call(&o, "calibration", req);
	if (!r)
		return 1;
	if (!strcmp(argv[first], "get"))
		fp_ctl_print(&o, r, "calibration");
	else if (o.json)
		fp_ctl_print(&o, r, NULL);
	else
		printf("calibration %s loaded\n", fp_ctl_str(r, "id", "?"));
	json_decref(r);
	return 0;
}
