/* Shared by every unit test binary: run a suite, exit status from it. */
#ifndef _CHECK_UTIL_H_
#define _CHECK_UTIL_H_

#include <check.h>

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

#endif
