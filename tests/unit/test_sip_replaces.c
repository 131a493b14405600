/*
 * The Replaces header (RFC 3891 §6.1): the RFC's examples, the values
 * Session Handoff sends (RFC 5631 Figures 4 and 5), generic parameters kept
 * in order, and every way a Replaces can fail to name one dialog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

static int decode_n(struct sipreplaces *r, const char *s, size_t n,
		    char *err, size_t errsz)
{
	struct pl pl = {s, n};

	return sipreplaces_decode(r, &pl, err, errsz);
}

static int decode(struct sipreplaces *r, const char *s)
{
	return decode_n(r, s, strlen(s), NULL, 0);
}

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreplaces_print(pf, arg);
}

static int unescape_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_unescape(pf, arg);
}

/* The printed form of r, which must decode to the same fields */
static char *print(const struct sipreplaces *r)
{
	struct sipreplaces back;
	char *s = NULL;

	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, r));
	assert_int_equal(0, decode(&back, s));
	assert_int_equal(0, pl_cmp(&r->callid, &back.callid));
	assert_int_equal(0, pl_cmp(&r->to_tag, &back.to_tag));
	assert_int_equal(0, pl_cmp(&r->from_tag, &back.from_tag));
	assert_int_equal(r->early_only, back.early_only);
	assert_int_equal(r->paramc, back.paramc);
	return s;
}

static void assert_pl(const char *want, const struct pl *pl)
{
	assert_non_null(pl->p);
	assert_int_equal(strlen(want), pl->l);
	assert_memory_equal(want, pl->p, pl->l);
}

static void rfc3891_examples_decode_and_print(void **state)
{
	struct sipreplaces r;
	char *s;
	(void)state;

	/* §6.1, folded over three lines as the RFC writes it */
	assert_int_equal(0, decode(&r, "98732@sip.example.com\r\n"
				   "          ;from-tag=r33th4x0r\r\n"
				   "          ;to-tag=ff87ff"));
	assert_pl("98732@sip.example.com", &r.callid);
	assert_pl("ff87ff", &r.to_tag);
	assert_pl("r33th4x0r", &r.from_tag);
	assert_false(r.early_only);
	assert_int_equal(0, r.paramc);
	s = print(&r);
	assert_string_equal("98732@sip.example.com;to-tag=ff87ff"
			    ";from-tag=r33th4x0r", s);
	mem_deref(s);

	assert_int_equal(0, decode(&r, "12adf2f34456gs5;to-tag=12345;"
				   "from-tag=54321;early-only"));
	assert_pl("12adf2f34456gs5", &r.callid);
	assert_true(r.early_only);
	s = print(&r);
	assert_string_equal("12adf2f34456gs5;to-tag=12345;from-tag=54321"
			    ";early-only", s);
	mem_deref(s);

	/* a from-tag of "0", as in §7's attended transfer */
	assert_int_equal(0, decode(&r, "87134@171.161.34.23;to-tag=24796;"
				   "from-tag=0"));
	assert_pl("0", &r.from_tag);
}

static void rfc5631_retrieval_invite_replaces(void **state)
{
	struct sipreplaces r;
	(void)state;

	/* Figure 5, message (5) */
	assert_int_equal(0, decode(&r, "1@device15.example.com;to-tag=aaa;"
				   "from-tag=bbb"));
	assert_pl("1@device15.example.com", &r.callid);
	assert_pl("aaa", &r.to_tag);
	assert_pl("bbb", &r.from_tag);
}

static void escaped_form_decodes_after_unescaping(void **state)
{
	struct pl esc = PL("12345%40192.168.118.3%3Bto-tag%3D12345"
			   "%3Bfrom-tag%3D5FFE-3994");
	struct sipreplaces r;
	char *val = NULL;
	(void)state;

	assert_int_equal(0, re_sdprintf(&val, "%H", unescape_h, &esc));
	assert_int_equal(0, decode(&r, val));
	assert_pl("12345@192.168.118.3", &r.callid);
	assert_pl("12345", &r.to_tag);
	assert_pl("5FFE-3994", &r.from_tag);
	mem_deref(val);
}

static void generic_params_are_kept_in_order(void **state)
{
	struct sipreplaces r;
	char *s;
	(void)state;

	assert_int_equal(0, decode(&r, " a@b ; TO-TAG = 1 ;x=y;From-Tag=2;"
				   "flag;q=\"a b\";Early-Only "));
	assert_pl("1", &r.to_tag);
	assert_pl("2", &r.from_tag);
	assert_true(r.early_only);
	assert_int_equal(3, r.paramc);
	assert_pl("x", &r.paramv[0].name);
	assert_pl("y", &r.paramv[0].val);
	assert_pl("flag", &r.paramv[1].name);
	assert_null(r.paramv[1].val.p);
	assert_pl("\"a b\"", &r.paramv[2].val);
	s = print(&r);
	assert_string_equal("a@b;to-tag=1;from-tag=2;early-only;x=y;flag;"
			    "q=\"a b\"", s);
	mem_deref(s);
}

static void what_names_no_dialog_is_refused(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"", "empty Call-ID"},
		{"   ", "empty Call-ID"},
		{";to-tag=1;from-tag=2", "empty Call-ID"},
		{"a@;to-tag=1;from-tag=2", "malformed Call-ID"},
		{"@b;to-tag=1;from-tag=2", "malformed Call-ID"},
		{"a@b@c;to-tag=1;from-tag=2", "malformed Call-ID"},
		{"a;from-tag=2", "no to-tag"},
		{"a;to-tag=1", "no from-tag"},
		{"a", "no to-tag"},
		{"a;to-tag=1;from-tag=2;to-tag=3", "given twice"},
		{"a;to-tag=1;from-tag=2;FROM-TAG=2", "given twice"},
		{"a;to-tag=1;from-tag=2;early-only;early-only", "given twice"},
		{"a;x=1;x=2;to-tag=1;from-tag=2", "given twice"},
		{"a;to-tag=;from-tag=2", "without a value"},
		{"a;to-tag=\"1\";from-tag=2", "must be a token"},
		{"a;to-tag=1;from-tag=2;early-only=yes", "takes no value"},
		{"a b;to-tag=1;from-tag=2", "unexpected text"},
		{"a;to-tag=1;from-tag=2;", "parameter name"},
		{"a;to-tag=1;from-tag=2\r\nVia: x", "unexpected text"},
		{"a;to-tag=1 2;from-tag=2", "unexpected text"},
		{"a;to-tag=1;from-tag=2;q=\"open", "unterminated"},
		{"a;=1;to-tag=1;from-tag=2", "parameter name"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sipreplaces r;
		char err[128] = "";

		assert_int_equal(EBADMSG, decode_n(&r, bad[i].in,
						   strlen(bad[i].in), err,
						   sizeof(err)));
		if (!strstr(err, bad[i].why))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in, err,
				 bad[i].why);
		assert_null(r.callid.p);
	}
}

static void too_many_params_are_refused(void **state)
{
	char in[512] = "a;to-tag=1;from-tag=2";
	struct sipreplaces r;
	(void)state;

	for (int i = 0; i < SIPHDR_MAXPARAMS; i++)
		re_snprintf(in + strlen(in), sizeof(in) - strlen(in),
			    ";p%d", i);
	assert_int_equal(0, decode(&r, in));
	assert_int_equal(SIPHDR_MAXPARAMS, r.paramc);
	strcat(in, ";one-more");
	assert_int_equal(EBADMSG, decode(&r, in));
}

static void a_value_cut_anywhere_is_an_error(void **state)
{
	/* the from-tag is last and one byte long: no proper prefix names a
	 * dialog */
	const char *s = "12adf2f34456gs5;to-tag=12345;early-only;from-tag=5";
	size_t len = strlen(s);
	(void)state;

	for (size_t n = 0; n < len; n++) {
		struct sipreplaces r;
		char err[128];

		assert_int_equal(EBADMSG, decode_n(&r, s, n, err,
						   sizeof(err)));
	}

	/* the folded example: a cut may leave a shorter valid header, which
	 * then prints and decodes back */
	s = "98732@sip.example.com\r\n ;from-tag=r33th4x0r\r\n ;to-tag=ff87ff;"
		"x=\"y\"";
	len = strlen(s);
	for (size_t n = 0; n <= len; n++) {
		struct sipreplaces r;

		if (decode_n(&r, s, n, NULL, 0) == 0)
			mem_deref(print(&r));
	}
}

static void printer_refuses_what_would_not_read_back(void **state)
{
	struct sipreplaces r;
	char *s = NULL;
	(void)state;

	assert_int_equal(0, decode(&r, "a@b;to-tag=1;from-tag=2"));

	r.callid = (struct pl)PL("a b");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.callid = (struct pl)PL("");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.callid = (struct pl)PL("a@b");

	r.to_tag = (struct pl)PL("");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.to_tag = (struct pl)PL("1;x");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.to_tag = (struct pl)PL("1");

	r.paramv[0] = (struct sipparam){PL("to-tag"), PL("9")};
	r.paramc = 1;
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.paramv[0] = (struct sipparam){PL("x"), PL("a b")};
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &r));
	r.paramv[0] = (struct sipparam){PL("x"), PL("\"a b\"")};
	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &r));
	assert_string_equal("a@b;to-tag=1;from-tag=2;x=\"a b\"", s);
	mem_deref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3891_examples_decode_and_print),
		cmocka_unit_test(rfc5631_retrieval_invite_replaces),
		cmocka_unit_test(escaped_form_decodes_after_unescaping),
		cmocka_unit_test(generic_params_are_kept_in_order),
		cmocka_unit_test(what_names_no_dialog_is_refused),
		cmocka_unit_test(too_many_params_are_refused),
		cmocka_unit_test(a_value_cut_anywhere_is_an_error),
		cmocka_unit_test(printer_refuses_what_would_not_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
