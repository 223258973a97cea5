/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fp_test.h - helpers shared by the unit suites. */
#ifndef FP_TEST_H
#define FP_TEST_H

#include <stddef.h>

#include <CUnit/CUnit.h>

/* ../shared/data relative to the repository (real recordings). */
const char *fp_test_data_dir(void);
/* The repository's top folder. */
const char *fp_test_source_dir(void);
/* This process's resident set (VmRSS), KiB, from /proc/self/statm; -1 on
 * error. main() makes every allocation above 128 KiB a fresh mmap(), whose
 * pages become resident only when touched. */
long fp_test_rss_kib(void);
/* The median of v[0..n) (n >= 1; the mean of the middle two when n is
 * even); sorts v in place. */
double fp_test_median(double *v, size_t n);

/* Add a suite and its tests: FP_ADD_SUITE("name", {"test", fn}, ...). */
#define FP_ADD_SUITE(sname, ...) do {                                   \
	static CU_TestInfo tests_[] = { __VA_ARGS__, CU_TEST_INFO_NULL }; \
	CU_SuiteInfo si_[] = { { sname, NULL, NULL, NULL, NULL, tests_ }, \
			       CU_SUITE_INFO_NULL };                     \
	CU_register_suites(si_);                                         \
} while (0)

#define FP_ASSERT_CLOSE(a, b, tol) CU_ASSERT_DOUBLE_EQUAL((a), (b), (tol))

#endif
