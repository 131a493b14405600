/*
 * Header values inside a URI (RFC 3261 §19.1.1): what we escape, what we
 * unescape, that every byte string but one with a NUL survives the round
 * trip, and that a broken %-escape is an error wherever the text is cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

/* The escaped (or unescaped) form of n bytes of s; NULL and *err on error */
static char *run(re_printf_h *h, const char *s, size_t n, int *err)
{
	struct pl pl = {s, n};
	char *out = NULL;

	*err = re_sdprintf(&out, "%H", h, &pl);
	return *err ? NULL : out;
}

static int esc_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_escape(pf, arg);
}

static int unesc_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_unescape(pf, arg);
}

static char *esc(const char *s, int *err)
{
	return run(esc_h, s, strlen(s), err);
}

static char *unesc(const char *s, int *err)
{
	return run(unesc_h, s, strlen(s), err);
}

static void rfc3891_replaces_value_is_escaped(void **state)
{
	int err;
	char *s = esc("12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994",
		      &err);
	(void)state;

	assert_int_equal(0, err);
	assert_string_equal("12345%40192.168.118.3%3Bto-tag%3D12345"
			    "%3Bfrom-tag%3D5FFE-3994", s);
	mem_deref(s);
}

static void unreserved_bytes_stay_as_they_are(void **state)
{
	const char *plain = "azAZ09-_.!~*'()[]/?:+$";
	int err;
	char *s = esc(plain, &err);
	(void)state;

	assert_int_equal(0, err);
	assert_string_equal(plain, s);
	mem_deref(s);

	s = esc("<sip:cn@h?a=b&c=d \"x\"%>", &err);
	assert_int_equal(0, err);
	assert_string_equal("%3Csip:cn%40h?a%3Db%26c%3Dd%20%22x%22%25%3E", s);
	mem_deref(s);
}

static void unescape_takes_any_case_and_raw_bytes(void **state)
{
	int err;
	char *s = unesc("abc%40host%3bto-tag%3D1", &err);
	(void)state;

	assert_int_equal(0, err);
	assert_string_equal("abc@host;to-tag=1", s);
	mem_deref(s);

	/* RFC 5631 Figure 4 leaves ';', '@' and '=' unescaped */
	s = unesc("1@mn.example.com;to-tag=bbb;from-tag=aaa", &err);
	assert_int_equal(0, err);
	assert_string_equal("1@mn.example.com;to-tag=bbb;from-tag=aaa", s);
	mem_deref(s);

	s = unesc("", &err);
	assert_int_equal(0, err);
	assert_string_equal("", s);
	mem_deref(s);
}

static void every_byte_but_nul_survives_a_round_trip(void **state)
{
	char all[255];
	char *e, *u;
	int err;
	(void)state;

	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);

	e = run(esc_h, all, sizeof(all), &err);
	assert_int_equal(0, err);
	for (const char *p = e; *p; p++)
		assert_true(*p > 0x20 && *p < 0x7f);
	u = unesc(e, &err);
	assert_int_equal(0, err);
	assert_memory_equal(all, u, sizeof(all));
	assert_int_equal(sizeof(all), strlen(u));
	mem_deref(u);

	/* escaping twice and unescaping twice: the nested REFER case */
	u = esc(e, &err);
	assert_int_equal(0, err);
	mem_deref(e);
	e = unesc(u, &err);
	mem_deref(u);
	u = unesc(e, &err);
	assert_int_equal(0, err);
	assert_memory_equal(all, u, sizeof(all));
	mem_deref(u);
	mem_deref(e);
}

static void nul_is_refused_both_ways(void **state)
{
	int err;
	(void)state;

	assert_null(run(esc_h, "a\0b", 3, &err));
	assert_int_equal(EINVAL, err);
	assert_null(unesc("a%00b", &err));
	assert_int_equal(EBADMSG, err);
}

static void broken_escapes_and_raw_bytes_are_refused(void **state)
{
	static const char *bad[] = {
		"%", "%4", "a%4", "%G0", "%4G", "a b", "a\tb", "a\r\nb",
		"\x01", "caf\xc3\xa9", "\x7f",
	};
	int err;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(unesc(bad[i], &err));
		assert_int_equal(EBADMSG, err);
	}
}

static void cut_escapes_are_errors_at_every_offset(void **state)
{
	const char *s = "12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag"
		"%3D5FFE-3994";
	size_t len = strlen(s);
	(void)state;

	for (size_t n = 0; n <= len; n++) {
		int err;
		char *u = run(unesc_h, s, n, &err);
		/* a cut inside "%HH" leaves a '%' without its digits */
		bool in_escape = (n >= 1 && s[n - 1] == '%') ||
			(n >= 2 && s[n - 2] == '%');

		assert_int_equal(in_escape ? EBADMSG : 0, err);
		mem_deref(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3891_replaces_value_is_escaped),
		cmocka_unit_test(unreserved_bytes_stay_as_they_are),
		cmocka_unit_test(unescape_takes_any_case_and_raw_bytes),
		cmocka_unit_test(every_byte_but_nul_survives_a_round_trip),
		cmocka_unit_test(nul_is_refused_both_ways),
		cmocka_unit_test(broken_escapes_and_raw_bytes_are_refused),
		cmocka_unit_test(cut_escapes_are_errors_at_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
