// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_tare.c - `fplate tare [MS]`: zero every channel from MS ms of unloaded
 * data; the daemon refuses while a plate carries load.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctl_client.h"

int fp_cmd_tare(int argc, char **argv);
const char fp_cmd_tare_help[] = "zero the plates (they must be unloaded)";

int fp_cmd_tare(int argc, char **argv)
{
	struct fp_ctl_opts o;
	json_t *r, *req;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, " [MS [MAX_LOAD_N]]",
					   "Averages MS ms (default 500) of raw data and makes it the new zero;\n"
					   "refused while any plate carries more than MAX_LOAD_N (default 50 N).",
					   &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (argc - first > 2) {
		fprintf(stderr, "fplate tare: too many arguments\n");
		return 2;
	}
	req = json_pack("{s:s}", "cmd", "tare");
	/* Values go to the daemon as strings; it validates and names the field. */
	if (argc - first >= 1)
		json_object_set_new(req, "ms", json_string(argv[first]));
	if (argc - first == 2)
		json_object_set_new(req, "max_load_n", json_string(argv[first + 1]));
	fp_ctl_wait_for(&o, argc - first >= 1 ? argv[first] : "500");
	r = fp_ctl_call(&o, "tare", req);
	if (!r)
		return 1;
	fp_ctl_print(&o, r, "plates");
	json_decref(r);
	return 0;
}
