// SPDX-License-Identifier: LGPL-2.1-or-later
/* test_uri.c - device URI parsing and the errors users see for bad input. */
#include <errno.h>
#include <string.h>

#include "fp_test.h"
#include "uri.h"
#include "fplate/fplate.h"

static void test_parse_full(void)
{
	struct fp_uri u;
	char msg[256];

	CU_ASSERT_EQUAL(fp_uri_parse("SIM:///dev/x%20y?speed=3.5&strike=rear", &u, msg,
				     sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(u.scheme, "sim");
	CU_ASSERT_STRING_EQUAL(u.path, "/dev/x y");
	CU_ASSERT_EQUAL(u.n_params, 2);
	CU_ASSERT_STRING_EQUAL(fp_uri_get(&u, "speed"), "3.5");
	CU_ASSERT_STRING_EQUAL(fp_uri_get(&u, "strike"), "rear");
	CU_ASSERT_PTR_NULL(fp_uri_get(&u, "plates"));
}

static void test_parse_errors(void)
{
	struct fp_uri u;
	char msg[256];

	CU_ASSERT_EQUAL(fp_uri_parse("", &u, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(fp_uri_parse("sim", &u, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no scheme"));
	CU_ASSERT_EQUAL(fp_uri_parse("sim://?speed", &u, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'speed'"));
	CU_ASSERT_EQUAL(fp_uri_parse("sim://?a=1&a=2", &u, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "twice"));
	CU_ASSERT_EQUAL(fp_uri_parse("sim://%zz", &u, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(fp_uri_parse("sim://%2", &u, msg, sizeof(msg)), -EINVAL);
}

static void test_typed_values(void)
{
	struct fp_uri u;
	char msg[256];
	double d;
	long l;
	int c;
	static const char *const strikes[] = { "rear", "mid", "fore", NULL };
	static const char *const keys[] = { "speed", "plates", "strike", NULL };

	CU_ASSERT_EQUAL(fp_uri_parse("sim://?speed=abc&plates=9&strike=heel", &u, msg,
				     sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_uri_check_keys(&u, keys, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_uri_get_double(&u, "speed", 3, 0.5, 8, &d, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'speed' value 'abc'"));
	CU_ASSERT_EQUAL(fp_uri_get_long(&u, "plates", 1, 1, 2, &l, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'plates' value '9'"));
	CU_ASSERT_EQUAL(fp_uri_get_choice(&u, "strike", 0, strikes, &c, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "rear, mid, fore"));
	CU_ASSERT_EQUAL(fp_uri_get_double(&u, "missing", 2.5, 0, 8, &d, msg, sizeof(msg)), 0);
	FP_ASSERT_CLOSE(d, 2.5, 0);

	CU_ASSERT_EQUAL(fp_uri_parse("sim://?sped=3", &u, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(fp_uri_check_keys(&u, keys, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown parameter 'sped'"));
}

static void test_open_unknown_scheme(void)
{
	struct fp_device *dev = (struct fp_device *)1;
	char msg[256];

	CU_ASSERT_EQUAL(fp_open("nope://x", &dev, msg, sizeof(msg)), -EPROTONOSUPPORT);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown device scheme 'nope'"));
	CU_ASSERT_STRING_EQUAL(fp_strerror(-EPROTONOSUPPORT), "unknown device URI scheme");
}

void fp_suite_uri(void)
{
	FP_ADD_SUITE("uri",
		     { "parse full URI", test_parse_full },
		     { "parse errors", test_parse_errors },
		     { "typed values", test_typed_values },
		     { "unknown scheme", test_open_unknown_scheme });
}
