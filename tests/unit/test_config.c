// SPDX-License-Identifier: GPL-2.0-or-later
/* test_config.c - fplated configuration: file, options, and the error lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_test.h"
#include "../../daemon/fplated/config.h"

static char conf_path[64];

static const char *write_conf(const char *text)
{
	FILE *f;

	snprintf(conf_path, sizeof(conf_path), "/tmp/fplate-test-conf-%d.ini", (int)getpid());
	f = fopen(conf_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return conf_path;
}

static void test_defaults(void)
{
	struct fpd_config cfg;

	fpd_config_defaults(&cfg);
	CU_ASSERT_STRING_EQUAL(cfg.device_uri, "sim://");
	CU_ASSERT_STRING_EQUAL(cfg.endpoint, "tcp://127.0.0.1:5555");
	CU_ASSERT_EQUAL(cfg.block_ms, 10);
	CU_ASSERT_EQUAL(cfg.drop_policy, FPD_DROP_COUNT);
}

static void test_file_then_options(void)
{
	struct fpd_config cfg;
	char msg[256];
	const char *path = write_conf("; comment\n[device]\nuri = sim://?plates=1\n"
				      "block_ms = 10\n\n[publish]\nendpoint = ipc:///tmp/x\n"
				      "drop_policy = isolate\nstream_id = 4000000000\n"
				      "[daemon]\nring_slots = 64\nlog_level = debug\n");
	char *argv[] = { "fplated", "--config", (char *)path, "--block-ms", "2",
			 "--pub=tcp://127.0.0.1:6000", NULL };

	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 6, argv, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.device_uri, "sim://?plates=1");
	CU_ASSERT_EQUAL(cfg.block_ms, 2);                 /* option wins */
	CU_ASSERT_STRING_EQUAL(cfg.endpoint, "tcp://127.0.0.1:6000");
	CU_ASSERT_EQUAL(cfg.drop_policy, FPD_DROP_ISOLATE);
	CU_ASSERT_EQUAL(cfg.stream_id, 4000000000u);
	CU_ASSERT_EQUAL(cfg.ring_slots, 64);
	CU_ASSERT_EQUAL(cfg.log_level, FPD_LOG_DEBUG);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, path);
	unlink(path);
}

/* Each bad file must name file, line, key and value. */
static void expect_file_error(const char *text, const char *want1, const char *want2)
{
	struct fpd_config cfg;
	char msg[256] = "";
	const char *path = write_conf(text);

	fpd_config_defaults(&cfg);
	CU_ASSERT_EQUAL(fpd_config_load(&cfg, path, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want1));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want2));
	if (!strstr(msg, want1) || !strstr(msg, want2))
		fprintf(stderr, "\n    message was: %s\n", msg);
	unlink(path);
}

static void test_file_errors(void)
{
	expect_file_error("[device]\n\nblock_ms = 0\n", ":3: [device] block_ms = '0'",
			  "integer 1..100");
	expect_file_error("[device]\nblock_ms = 5ms\n", "block_ms = '5ms'", "1..100");
	expect_file_error("[daemon]\nring_slots = 100\n", "ring_slots = '100'", "power of two");
	expect_file_error("[publish]\ndrop_policy = never\n", "'never'", "count, isolate");
	expect_file_error("[device]\nspeed = 3\n", ":2: [device] speed", "unknown key");
	expect_file_error("[devices]\nuri = sim://\n", "[devices] uri", "unknown section");
	expect_file_error("[device]\nuri\n", ":2:", "syntax error");
	expect_file_error("[publish]\nstream_id = -1\n", "stream_id = '-1'", "0..4294967295");
}

static void test_option_errors(void)
{
	struct fpd_config cfg;
	char msg[256];
	char *bad_value[] = { "fplated", "--block-ms", "abc", NULL };
	char *unknown[] = { "fplated", "--speed", "3", NULL };
	char *missing[] = { "fplated", "--device", NULL };
	char *stray[] = { "fplated", "extra", NULL };
	char *nofile[] = { "fplated", "--config", "/nonexistent/fplate.conf", NULL };

	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 3, bad_value, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "option --block-ms 'abc': expected an integer"));
	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 3, unknown, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown option '--speed'"));
	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 2, missing, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'--device' needs a value"));
	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 2, stray, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'extra'"));
	CU_ASSERT_EQUAL(fpd_config_from_args(&cfg, 3, nofile, msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/fplate.conf: cannot open"));
}

void fp_suite_config(void)
{
	FP_ADD_SUITE("config",
		     { "defaults", test_defaults },
		     { "file then options", test_file_then_options },
		     { "bad files name file, line, key, value", test_file_errors },
		     { "bad options", test_option_errors });
}
