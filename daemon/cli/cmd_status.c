// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_status.c - `fplate status`: wait for fplated's next `status` message
 * (published once a second) and print it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fplate/sub.h"
#include "fplate/wire.h"
#include "client.h"
#include "opts.h"

int fp_cmd_status(int argc, char **argv);
const char fp_cmd_status_help[] = "show fplated's state: rate, samples, gaps, drops, device";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate status [--json] [--endpoint E] [--timeout S]\n\n"
		"%s.\n\n"
		"  --json         print the status message as published (one JSON object with\n"
		"                 at least rate_hz, samples, gaps, lost_samples, dropped, ring,\n"
		"                 device; see docs/wire-format.md)\n"
		"  --endpoint E   fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S    give up after S seconds without an answer (default %g)\n\n"
		"Exit status: 0 printed, 1 no daemon answered, 2 bad option.\n",
		fp_cmd_status_help, FP_DEFAULT_ENDPOINT, FPC_DEFAULT_TIMEOUT_S);
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_text(json_t *s, const char *endpoint)
{
	json_t *dev = json_object_get(s, "device");
	json_t *ring = json_object_get(s, "ring");
	json_t *clk;
	json_t *err = json_object_get(dev, "error");

	printf("fplated    %s (stream %08llx), up %.1f s\n", endpoint, num(s, "stream_id"),
	       json_number_value(json_object_get(s, "uptime_s")));
	printf("device     %s  %s: %lld plate(s) x %lld channels, nominal %g Hz\n",
	       json_string_value(json_object_get(dev, "uri")),
	       json_string_value(json_object_get(dev, "state")), num(dev, "plates"),
	       num(dev, "channels"), json_number_value(json_object_get(dev, "nominal_rate_hz")));
	if (err)
		printf("           error: %s\n", json_string_value(err));
	printf("calibration %s (%s)\n", json_string_value(json_object_get(dev, "calibration")),
	       json_string_value(json_object_get(dev, "calibration_source")));
	if (json_is_number(json_object_get(s, "rate_hz")))
		printf("rate       %.2f Hz measured, device clock %.3f Hz by the time fit\n",
		       json_number_value(json_object_get(s, "rate_hz")),
		       json_number_value(json_object_get(s, "clock_rate_hz")));
	else
		printf("rate       (not measured yet)\n");
	clk = json_object_get(s, "clock_sync");
	if (json_is_boolean(json_object_get(clk, "synchronised")))
		printf("host clock %s, estimated error %lld us, maximum error %lld us "
		       "(frame times are this clock)\n",
		       json_is_true(json_object_get(clk, "synchronised")) ? "synchronised" :
		       "NOT synchronised (no NTP/PTP discipline)",
		       num(clk, "esterror_us"), num(clk, "maxerror_us"));
	printf("samples    %lld in %lld frames of %lld, gaps %lld, lost %lld, saturated frames %lld\n",
	       num(s, "samples"), num(s, "frames"), num(s, "block_samples"), num(s, "gaps"),
	       num(s, "lost_samples"), num(s, "saturated_frames"));
	printf("publish    %lld messages, dropped %lld (times a subscriber fell behind)\n",
	       num(s, "published"), num(s, "dropped"));
	printf("ring       %lld slots, high water %lld, overruns %lld\n", num(ring, "slots"),
	       num(ring, "high_water"), num(ring, "overruns"));
}

int fp_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		FPC_OPT_JSON, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT, FPC_OPT_HELP, FPC_OPT_END
	};
	const char *endpoint = NULL;
	double timeout_s = FPC_DEFAULT_TIMEOUT_S;
	int as_json = 0, c, ret, status = 1;
	struct fp_sub *sub;
	struct fp_sub_msg m;
	char msg[512];

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_JSON: as_json = 1; break;
		case FPC_KEY_ENDPOINT: endpoint = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((timeout_s = fpc_parse_seconds("status", "--timeout", optarg)) < 0)
				return 2;
			break;
		case FPC_KEY_HELP: usage(stdout); return 0;
		default: return 2;
		}
	}
	if (fpc_no_args("status", argc, argv))
		return 2;
	endpoint = fpc_endpoint(endpoint);
	fpc_catch_signals();
	if (fpc_sub_open("status", endpoint, FP_SUB_STATUS, &sub, msg, sizeof(msg))) {
		fprintf(stderr, "fplate status: %s\n", msg);
		return 2;
	}
	ret = fp_sub_read(sub, &m, (int)(timeout_s * 1000), msg, sizeof(msg));
	if (ret == 0) {
		fprintf(stderr, "fplate status: no answer from fplated at %s within %g s "
			"(is fplated running? --endpoint)\n", endpoint, timeout_s);
	} else if (ret < 0) {
		fprintf(stderr, "fplate status: %s\n", ret == -EINTR ? "interrupted" : msg);
	} else {
		json_error_t jerr;
		json_t *s = json_loadb(m.json, m.json_len, 0, &jerr);

		if (!s || !json_is_object(s)) {
			fprintf(stderr, "fplate status: malformed status message: %s\n", jerr.text);
		} else if (as_json) {
			printf("%s\n", m.json);
			status = 0;
		} else {
			print_text(s, endpoint);
			status = 0;
		}
		json_decref(s);
	}
	fp_sub_close(sub);
	return status;
}
