// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * main.c - the CUnit runner for every unit suite. Each tests/unit/test_NAME.c
 * defines `void fp_suite_NAME(void)` that adds its suite; the Makefile lists
 * them in suites.inc, so adding a test file needs no edit here.
 *
 * Usage: unit_tests [SUITE...]   (no argument: all suites)
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "fp_test.h"

#define FP_SUITE(name) void fp_suite_##name(void);
#include "suites.inc"
#undef FP_SUITE

struct suite_entry {
	const char *name;
	void (*add)(void);
};

static const struct suite_entry suites[] = {
#define FP_SUITE(name) { #name, fp_suite_##name },
#include "suites.inc"
#undef FP_SUITE
	{ NULL, NULL }
};

const char *fp_test_data_dir(void)
{
	return FP_SOURCE_DIR "/../shared/data";
}

const char *fp_test_source_dir(void)
{
	return FP_SOURCE_DIR;
}

long fp_test_rss_kib(void)
{

	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%ld %ld", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

double fp_test_median(double *v, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (v[b] < v[a]) {
				double t = v[a];

				v[a] = v[b];
				v[b] = t;
			}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int failures;

	/* Every block above 128 KiB a fresh mmap(), resident only once
	 * written, as in a new process, so fp_test_rss_kib() shows what an
	 * allocation costs; a fixed threshold also stops glibc from raising it
	 * after each large free and serving later blocks from resident heap. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct suite_entry *s = suites; s->name; s++)
		if (wanted(s->name, argc, argv))
			s->add();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
