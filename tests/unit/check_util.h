/* Shared by every unit test binary: run a suite, exit status from it. */
#ifndef _CHECK_UTIL_H_
#define _CHECK_UTIL_H_

#include <check.h>
#include <stddef.h>

/* one tcase of suite s: the tests tests[0..n), timeout in seconds (0:
 * check's default) */
static inline void unit_tcase(Suite *s, const char *name, int timeout,
		const TTest *const *tests, size_t n)
{
	TCase *t = tcase_create(name);
	size_t i;

	if(timeout > 0)
		tcase_set_timeout(t, timeout);
	for(i = 0; i < n; i++)
		tcase_add_test(t, tests[i]);
	suite_add_tcase(s, t);
}

/* UNIT_TCASE(s, "name", timeout, test_a, test_b, ...) */
#define UNIT_TCASE(s, name, timeout, ...)            \
	do {                                             \
		const TTest *const tests_[] = {__VA_ARGS__}; \
		unit_tcase((s), (name), (timeout), tests_,   \
				sizeof(tests_) / sizeof(tests_[0])); \
	} while(0)

/* runs the suite; the exit status says whether every test passed */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* a suite of one tcase, run: UNIT_RUN("suite", "tcase", timeout, tests...) */
static inline int unit_run(const char *suite, const char *name, int timeout,
		const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(suite);

	unit_tcase(s, name, timeout, tests, n);
	return run_suite(s);
}

#define UNIT_RUN(suite, name, timeout, ...)          \
	({                                               \
		const TTest *const tests_[] = {__VA_ARGS__}; \
		unit_run((suite), (name), (timeout), tests_, \
				sizeof(tests_) / sizeof(tests_[0])); \
	})

#endif
