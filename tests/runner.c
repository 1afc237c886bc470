// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * The one test runner: each tests/test-<area> program is this file built
 * with SUITE_FN naming the area's suite. CK_RUN_CASE / CK_RUN_SUITE and
 * CK_FORK work as Check documents.
 */
#include <check.h>
#include <stdlib.h>

#ifndef SUITE_FN
#error "build with -DSUITE_FN=<area>_suite"
#endif

Suite *SUITE_FN(void);

int main(void)
{
	SRunner *sr = srunner_create(SUITE_FN());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
