// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_set.c - `fplate set KEY VALUE`: change a run-time setting of the daemon. */
#include <stdio.h>
#include <string.h>

#include "ctl_client.h"

int fp_cmd_set(int argc, char **argv);
const char fp_cmd_set_help[] = "set belt-speed, body-mass, fz-threshold, contact-on/off, cutoff-hz";

int fp_cmd_set(int argc, char **argv)
{
	struct fp_ctl_opts o;
	char key[32];
	json_t *r;
	int first, ret = fp_ctl_parse_opts(argc, argv, &o, " KEY VALUE",
					   "KEY: belt-speed (m/s), body-mass (kg, 0 = automatic), fz-threshold (N),\n"
					   "     contact-on, contact-off (N), cutoff-hz (Hz). See docs/control.md.",
					   &first);
	size_t i;

	if (ret)
		return ret == 1 ? 0 : 2;
	if (argc - first != 2) {
		fprintf(stderr, "usage: fplate set KEY VALUE (fplate set --help lists the keys)\n");
		return 2;
	}
	/* belt-speed on the command line is belt_speed on the wire */
	for (i = 0; argv[first][i] && i + 1 < sizeof(key); i++)
		key[i] = argv[first][i] == '-' ? '_' : argv[first][i];
	key[i] = '\0';
	r = fp_ctl_call(&o, "set", json_pack("{s:s, s:s, s:s}", "cmd", "set", "key", key,
					     "value", argv[first + 1]));
	if (!r)
		return 1;
	if (o.json)
		fp_ctl_print(&o, r, NULL);
	else
		printf("%s = %g\n", argv[first], json_number_value(json_object_get(r, "value")));
	json_decref(r);
	return 0;
}
