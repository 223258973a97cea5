// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_describe.c - `fplate describe`: the stream's metadata (plates, fields, units, rate). */
#include <stdio.h>

#include "ctl_client.h"

int fp_cmd_describe(int argc, char **argv);
const char fp_cmd_describe_help[] = "show the stream's metadata: device, plates, geometry, fields, units";

int fp_cmd_describe(int argc, char **argv)
{
	struct fp_ctl_opts o;
	json_t *r;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, "", fp_cmd_describe_help, &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (first != argc) {
		fprintf(stderr, "fplate describe: unexpected argument '%s'\n", argv[first]);
		return 2;
	}
	r = fp_ctl_call(&o, "describe", json_pack("{s:s}", "cmd", "describe"));
	if (!r)
		return 1;
	fp_ctl_print(&o, r, "stream");
	json_decref(r);
	return 0;
}
