// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_calibration.c - `fplate calibration load NAME | get`: swap the daemon's
 * calibration atomically (validated first) for the file NAME of its
 * calibration folder ([control] calibration_dir), or print the one in use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"

int fp_cmd_calibration(int argc, char **argv);
const char fp_cmd_calibration_help[] = "load a calibration file into the daemon, or print the one in use";

int fp_cmd_calibration(int argc, char **argv)
{
	struct fp_ctl_opts o;
	json_t *r, *req;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, " load NAME | get",
					   "load NAME: validate the file NAME of the daemon's calibration folder\n"
					   "           ([control] calibration_dir, shown by describe; docs/calibration.md)\n"
					   "           and use it from the next block; on any error the daemon\n"
					   "           keeps the previous calibration.\n"
					   "get:       print the calibration in use, in the file format.", &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (argc - first == 2 && !strcmp(argv[first], "load")) {
		/* the daemon reads only its calibration folder: a name, not a path */
		if (strchr(argv[first + 1], '/')) {
			fprintf(stderr, "fplate calibration: '%s': give the name of a file in the "
				"daemon's calibration folder (fplate describe shows it), not a path\n",
				argv[first + 1]);
			return 2;
		}
		req = json_pack("{s:s, s:s, s:s}", "cmd", "calibration", "action", "load", "file",
				argv[first + 1]);
	} else if (argc - first == 1 && !strcmp(argv[first], "get")) {
		req = json_pack("{s:s, s:s}", "cmd", "calibration", "action", "get");
	} else {
		fprintf(stderr, "usage: fplate calibration load NAME | get\n");
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
