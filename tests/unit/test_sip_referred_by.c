/*
 * The Referred-By header (RFC 3892 §3): the RFC's example with its cid,
 * the values RFC 5631 sends in Session Handoff, the address forms, and
 * malformed or cut values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

static int decode_n(struct sipreferredby *rb, const char *s, size_t n,
		    char *err, size_t errsz)
{
	struct pl pl = {s, n};

	return sipreferredby_decode(rb, &pl, err, errsz);
}

static void decode(struct sipreferredby *rb, const char *s)
{
	char err[128] = "";

	if (decode_n(rb, s, strlen(s), err, sizeof(err)))
		fail_msg("\"%s\": %s", s, err);
}

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreferredby_print(pf, arg);
}

/* The printed form, which must be a fixed point of decode and print */
static char *print(const struct sipreferredby *rb)
{
	struct sipreferredby back;
	char *s = NULL, *s2 = NULL;

	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, rb));
	decode(&back, s);
	assert_int_equal(0, re_sdprintf(&s2, "%H", print_h, &back));
	assert_string_equal(s, s2);
	mem_deref(s2);
	return s;
}

static void assert_pl(const char *want, const struct pl *pl)
{
	assert_non_null(pl->p);
	if (strlen(want) != pl->l || memcmp(want, pl->p, pl->l))
		fail_msg("want \"%s\", have \"%.*s\"", want, (int)pl->l,
			 pl->p);
}

static void rfc3892_example_with_cid(void **state)
{
	struct sipreferredby rb;
	char *s;
	(void)state;

	/* §3, folded as the RFC writes it */
	decode(&rb, "<sip:referrer@referrer.example>\r\n"
	       "   ;cid=\"20398823.2UWQFN309shb3@referrer.example\"");
	assert_null(rb.dname.p);
	assert_pl("sip:referrer@referrer.example", &rb.uri);
	assert_pl("20398823.2UWQFN309shb3@referrer.example", &rb.cid);
	assert_int_equal(0, rb.paramc);
	s = print(&rb);
	assert_string_equal("<sip:referrer@referrer.example>;cid=\"20398823."
			    "2UWQFN309shb3@referrer.example\"", s);
	mem_deref(s);
}

static void rfc5631_session_handoff_values(void **state)
{
	struct sipreferredby rb;
	char *s;
	(void)state;

	/* Figure 4 (1) and Figure 5 (5) */
	decode(&rb, "<sip:bob@example.com>");
	assert_pl("sip:bob@example.com", &rb.uri);
	assert_null(rb.cid.p);
	decode(&rb, "<sip:device15@example.com>");
	assert_pl("sip:device15@example.com", &rb.uri);
	s = print(&rb);
	assert_string_equal("<sip:device15@example.com>", s);
	mem_deref(s);
}

static void address_forms_and_params(void **state)
{
	struct sipreferredby rb;
	char *s;
	(void)state;

	decode(&rb, "sip:bob@example.com;cid=\"a.b@[2001:db8::1]\";x=1");
	assert_pl("sip:bob@example.com", &rb.uri);
	assert_pl("a.b@[2001:db8::1]", &rb.cid);
	assert_int_equal(1, rb.paramc);
	assert_pl("x", &rb.paramv[0].name);
	s = print(&rb);
	assert_string_equal("<sip:bob@example.com>;cid=\"a.b@[2001:db8::1]\""
			    ";x=1", s);
	mem_deref(s);

	decode(&rb, "Bob <sip:bob@example.com;gr=urn:uuid:ytav223h67gb3>;"
	       "CID=\"1@h\"");
	assert_pl("Bob", &rb.dname);
	assert_pl("sip:bob@example.com;gr=urn:uuid:ytav223h67gb3", &rb.uri);
	assert_pl("1@h", &rb.cid);
	s = print(&rb);
	assert_string_equal("\"Bob\" <sip:bob@example.com;gr=urn:uuid:"
			    "ytav223h67gb3>;cid=\"1@h\"", s);
	mem_deref(s);

	decode(&rb, "\"The MN\" <tel:+1-201-555-0123>");
	assert_pl("The MN", &rb.dname);
	assert_pl("tel:+1-201-555-0123", &rb.uri);
}

static void malformed_values_are_refused(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"", "empty value"},
		{"<sip:a@b", "no '>'"},
		{"<sip:a@b>;cid=1@h", "unexpected text"},
		{"<sip:a@b>;cid=abc", "quoted msg-id"},
		{"<sip:a@b>;cid", "quoted msg-id"},
		{"<sip:a@b>;cid=\"nohost\"", "not a msg-id"},
		{"<sip:a@b>;cid=\"a..b@h\"", "not a msg-id"},
		{"<sip:a@b>;cid=\"a@\"", "not a msg-id"},
		{"<sip:a@b>;cid=\"a@b\";cid=\"c@d\"", "given twice"},
		{"<sip:a@b>;cid=", "without a value"},
		{"<sip:a@b;;x>", "malformed URI parameter"},
		{"<sip:a@b?x=%zz>", "URI header"},
		{"<sip:a@b?x=1\"2\">", "stray"},
		{"sip:a@b?x=1", "angle brackets"},
		{"<nouri>", "scheme"},
		{"<sip:a@b> <sip:c@d>", "unexpected text"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sipreferredby rb;
		char err[128] = "";

		assert_int_equal(EBADMSG, decode_n(&rb, bad[i].in,
						   strlen(bad[i].in), err,
						   sizeof(err)));
		if (!strstr(err, bad[i].why))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in, err,
				 bad[i].why);
		assert_null(rb.uri.p);
	}
}

static void a_cut_value_is_an_error_or_reads_back(void **state)
{
	const char *s = "\"Bob\" <sip:referrer@referrer.example>;"
		"cid=\"20398823.2UWQFN309shb3@referrer.example\";x=\"y\"";
	const char *gt = strchr(s, '>');
	(void)state;

	for (size_t n = 0; n <= strlen(s); n++) {
		struct sipreferredby rb;
		int err = decode_n(&rb, s, n, NULL, 0);

		/* nothing before the '>' is whole; after it, a cut may leave
		 * a shorter valid header ("...;ci" has a param named ci) */
		if (s + n <= gt)
			assert_int_equal(EBADMSG, err);
		else if (!err)
			mem_deref(print(&rb));
	}
}

static void printer_refuses_what_would_not_read_back(void **state)
{
	struct sipreferredby rb = {.uri = PL("sip:bob@example.com")};
	char *s = NULL;
	(void)state;

	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &rb));
	assert_string_equal("<sip:bob@example.com>", s);
	s = mem_deref(s);

	rb.uri = (struct pl)PL("sip:bob@example.com>");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
	rb.uri = (struct pl)PL("sip:bob@exa mple.com");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
	rb.uri = (struct pl)PL("");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
	rb.uri = (struct pl)PL("sip:bob@example.com");

	rb.cid = (struct pl)PL("no-at");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
	rb.cid = (struct pl)PL("a\"@b");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
	rb.cid = pl_null;

	rb.paramv[0] = (struct sipparam){PL("cid"), PL("\"a@b\"")};
	rb.paramc = 1;
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3892_example_with_cid),
		cmocka_unit_test(rfc5631_session_handoff_values),
		cmocka_unit_test(address_forms_and_params),
		cmocka_unit_test(malformed_values_are_refused),
		cmocka_unit_test(a_cut_value_is_an_error_or_reads_back),
		cmocka_unit_test(printer_refuses_what_would_not_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
