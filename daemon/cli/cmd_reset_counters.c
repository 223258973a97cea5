// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_reset_counters.c - `fplate reset-counters`: zero the daemon's status counters. */
#include <stdio.h>

#include "ctl_client.h"

int fp_cmd_reset_counters(int argc, char **argv);
const char fp_cmd_reset_counters_help[] = "zero the daemon's sample, gap and drop counters";

int fp_cmd_reset_counters(int argc, char **argv)
{
	struct fp_ctl_opts o;
	json_t *r;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, "", fp_cmd_reset_counters_help, &first);

	if (ret)
		return ret == 1 ? 0 : 2;
	if (first != argc) {
		fprintf(stderr, "fplate reset-counters: unexpected argument '%s'\n", argv[first]);
		return 2;
	}
	r = fp_ctl_call(&o, "reset-counters", json_pack("{s:s}", "cmd", "reset-counters"));
	if (!r)
		return 1;
	if (o.json)
		fp_ctl_print(&o, r, NULL);
	else
		printf("counters reset\n");
	json_decref(r);
	return 0;
}
