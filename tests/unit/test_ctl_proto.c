// SPDX-License-Identifier: LGPL-2.1-or-later
/* test_ctl_proto.c - control-socket request validation (docs/control.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fp_test.h"
#include "ctl_proto.h"

static struct fp_ctl_request req;
static char field[64], msg[256];

static int parse(const char *text)
{
	return fp_ctl_parse(text, strlen(text), &req, field, sizeof(field), msg, sizeof(msg));
}

static void test_valid(void)
{
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"describe\"}"), 0);
	CU_ASSERT_EQUAL(req.cmd, FP_CTL_DESCRIBE);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"tare\",\"ms\":250}"), 0);
	CU_ASSERT_EQUAL(req.cmd, FP_CTL_TARE);
	CU_ASSERT_EQUAL(req.ms, 250);
	FP_ASSERT_CLOSE(req.max_load_n, 50, 0);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"average\"}"), 0);
	CU_ASSERT_EQUAL(req.ms, 1000);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"set\",\"key\":\"belt_speed\",\"value\":\"3.2\"}"), 0);
	CU_ASSERT_EQUAL(req.key, FP_CTL_KEY_BELT_SPEED);
	FP_ASSERT_CLOSE(req.value, 3.2, 1e-12);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"set\",\"key\":\"body_mass\",\"value\":0}"), 0);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"calibration\",\"action\":\"load\",\"file\":\"/x.json\"}"), 0);
	CU_ASSERT_EQUAL(req.cmd, FP_CTL_CALIBRATION_LOAD);
	CU_ASSERT_STRING_EQUAL(req.file, "/x.json");
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"calibration\",\"action\":\"get\"}"), 0);
	CU_ASSERT_EQUAL(req.cmd, FP_CTL_CALIBRATION_GET);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"r.c3d\",\"seconds\":5}"), 0);
	CU_ASSERT_EQUAL(req.cmd, FP_CTL_RECORD_START);
	FP_ASSERT_CLOSE(req.seconds, 5, 0);
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"device-set\",\"key\":\"load\",\"value\":\"20,0,0,1\"}"), 0);
	CU_ASSERT_STRING_EQUAL(req.dev_value, "20,0,0,1");
	CU_ASSERT_STRING_EQUAL(fp_ctl_key_name(FP_CTL_KEY_CUTOFF), "cutoff_hz");
}

static void expect_error(const char *text, const char *want_field, const char *want_msg)
{
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	CU_ASSERT_STRING_EQUAL(field, want_field);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want_msg));
}

static void test_errors(void)
{
	expect_error("{\"cmd\":", "", "not valid JSON");
	expect_error("[1,2]", "", "JSON object");
	expect_error("{\"cmd\":\"status\",\"cmd\":\"x\"}", "", "not valid JSON");
	expect_error("{\"command\":\"status\"}", "cmd", "'cmd' is required");
	expect_error("{\"cmd\":7}", "cmd", "must be a string");
	expect_error("{\"cmd\":\"explode\"}", "cmd", "unknown command 'explode'");
	expect_error("{\"cmd\":\"tare\",\"ms\":5}", "ms", "[10, 60000]");
	expect_error("{\"cmd\":\"tare\",\"ms\":12.5}", "ms", "whole number");
	expect_error("{\"cmd\":\"tare\",\"max_load_n\":\"lots\"}", "max_load_n", "(0, 5000]");
	expect_error("{\"cmd\":\"set\",\"value\":3}", "key", "'key' is required");
	expect_error("{\"cmd\":\"set\",\"key\":\"speed\",\"value\":3}", "key", "unknown key 'speed'");
	expect_error("{\"cmd\":\"set\",\"key\":\"belt_speed\"}", "value", "'value' is required");
	expect_error("{\"cmd\":\"set\",\"key\":\"belt_speed\",\"value\":\"fast\"}", "value", "[0, 12] m/s");
	expect_error("{\"cmd\":\"set\",\"key\":\"belt_speed\",\"value\":99}", "value", "[0, 12] m/s");
	expect_error("{\"cmd\":\"set\",\"key\":\"body_mass\",\"value\":5}", "value", "automatic");
	expect_error("{\"cmd\":\"set\",\"key\":\"cutoff_hz\",\"value\":true}", "value", "[5, 500] Hz");
	expect_error("{\"cmd\":\"calibration\"}", "action", "'action' is required");
	expect_error("{\"cmd\":\"calibration\",\"action\":\"burn\"}", "action", "'load' or 'get'");
	expect_error("{\"cmd\":\"calibration\",\"action\":\"load\"}", "file", "'file' is required");
	expect_error("{\"cmd\":\"calibration\",\"action\":\"load\",\"file\":\"\"}", "file", "1 to");
	expect_error("{\"cmd\":\"record\",\"action\":\"start\",\"file\":\"a\",\"seconds\":-1}",
		     "seconds", "[0, 86400]");
	expect_error("{\"cmd\":\"device-set\",\"key\":\"load\"}", "value", "'value' is required");
	expect_error("{\"cmd\":\"status\",\"token\":5}", "token", "must be a string");
	CU_ASSERT_EQUAL(parse("{\"cmd\":\"status\",\"token\":\"abc\"}"), 0);
	CU_ASSERT_STRING_EQUAL(req.token, "abc");
}

static void test_error_reply(void)
{
	json_t *r = fp_ctl_error_reply("value", "bad value");
	char *s = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);

	CU_ASSERT_STRING_EQUAL(s, "{\"error\":\"bad value\",\"field\":\"value\",\"ok\":false}");
	free(s);
	json_decref(r);
	r = fp_ctl_error_reply("", "whole request");
	CU_ASSERT_PTR_NULL(json_object_get(r, "field"));
	json_decref(r);
}

/* The token is found whatever else the request holds, and only a string is one. */
static void test_token(void)
{
	static const char *const cases[][2] = {
		{ "{\"cmd\": \"no-such\", \"token\": \"abc\"}", "abc" },
		{ "{\"token\": \"abc\"}", "abc" },
		{ "{\"cmd\": \"status\"}", "" },
		{ "{\"token\": 12}", "" },
		{ "[\"token\", \"abc\"]", "" },
		{ "{\"token\": \"abc\"", "" },
		{ "", "" },
	};
	char tok[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fp_ctl_token(cases[i][0], strlen(cases[i][0]), tok, sizeof(tok));
		CU_ASSERT_STRING_EQUAL(tok, cases[i][1]);
	}
	/* a token longer than the buffer is no token, never a truncated one */
	fp_ctl_token("{\"token\": \"abcdefgh\"}", 21, tok, sizeof(tok));
	CU_ASSERT_STRING_EQUAL(tok, "");
}

void fp_suite_ctl_proto(void)
{
	FP_ADD_SUITE("ctl_proto",
		     { "valid requests", test_valid },
		     { "errors name the field", test_errors },
		     { "error reply", test_error_reply },
		     { "token read before parsing", test_token });
}
