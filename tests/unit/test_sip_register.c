/**
 * @file test_sip_register.c  sipep_register() when memory runs out: it
 * fails with ENOMEM, holds nothing it allocated on the way (the AOR it
 * made from the registrar's address), and leaves the endpoint usable.
 * str_dup is wrapped (ld --wrap, see CMakeLists.txt) to fail for one
 * chosen string; run under AddressSanitizer (make check-asan), its leak
 * check fails the test if anything is left behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sipua.h>

static const char *fail_src;   /* str_dup of this string fails */

int __real_str_dup(char **dst, const char *src);
int __wrap_str_dup(char **dst, const char *src);

int __wrap_str_dup(char **dst, const char *src)
{
	if (fail_src && src && !strcmp(src, fail_src))
		return ENOMEM;
	return __real_str_dup(dst, src);
}

static void register_out_of_memory_holds_nothing(void **state)
{
	static const struct sipep_conf c = {.listen = "127.0.0.1:35090",
					    .user = "alice"};
	struct sipep *ep = NULL;
	(void)state;

	assert_int_equal(0, libre_init());
	assert_int_equal(0, sipep_alloc(&ep, &c, NULL, NULL));

	/* no AOR given: it makes one, then cannot copy the user */
	fail_src = "alice-auth";
	assert_int_equal(ENOMEM, sipep_register(ep, "sip:127.0.0.1:35091",
						NULL, "alice-auth", "secret",
						60, NULL, NULL));
	/* ... or the password */
	fail_src = "secret";
	assert_int_equal(ENOMEM, sipep_register(ep, "sip:127.0.0.1:35091",
						NULL, "alice-auth", "secret",
						60, NULL, NULL));
	fail_src = NULL;
	assert_false(sipep_registered(ep));

	sipep_shutdown(ep);
	mem_deref(ep);
	libre_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_out_of_memory_holds_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
