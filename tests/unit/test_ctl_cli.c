/*
 * Number options: the whole argument, in range, or a refusal (never the 0
 * that atoi() makes of "abc", nor the wrap of "-5" into a huge unsigned).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sipmob/cli.h>

static void numbers_in_range_are_taken(void **state)
{
	long v = 0;
	(void)state;

	assert_int_equal(cli_long("t", "--n", "0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_long("t", "--n", "600000", 0, 600000, &v), 0);
	assert_int_equal(v, 600000);
	assert_int_equal(cli_long("t", "--floor", "-2", -10, 200, &v), 0);
	assert_int_equal(v, -2);
}

static void anything_else_is_refused(void **state)
{
	static const char *bad[] = {
		"", "abc", "12abc", "1.5", " 7x", "-5", "11",
		"99999999999999999999999",
	};
	long v = 42;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_long("t", "--n", bad[i], 0, 10, &v),
				 EINVAL);
	assert_int_equal(cli_long("t", "--n", NULL, 0, 10, &v), EINVAL);
	assert_int_equal(v, 42);   /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_in_range_are_taken),
		cmocka_unit_test(anything_else_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
