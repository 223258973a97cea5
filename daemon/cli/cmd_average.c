// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_average.c - `fplate average [MS]`: mean and SD of every field per plate. */
#include <stdio.h>

#include "ctl_client.h"

int fp_cmd_average(int argc, char **argv);
const char fp_cmd_average_help[] = "mean and SD of every field per plate over a window";

int fp_cmd_average(int argc, char **argv)
{
	struct fp_ctl_opts o;
	json_t *r, *req;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, " [MS]",
					   "Averages MS ms (default 1000) of calibrated data.", &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (argc - first > 1) {
		fprintf(stderr, "fplate average: too many arguments\n");
		return 2;
	}
	req = json_pack("{s:s}", "cmd", "average");
	if (argc - first == 1)
		json_object_set_new(req, "ms", json_string(argv[first]));
	fp_ctl_wait_for(&o, argc - first >= 1 ? argv[first] : "1000");
	r = fp_ctl_call(&o, "average", req);
	if (!r)
		return 1;
	fp_ctl_print(&o, r, "plates");
	json_decref(r);
	return 0;
}
