/*
 * message/sipfrag bodies (RFC 3420) as REFER's NOTIFYs carry them: RFC
 * 3515's examples, the final NOTIFY of a handoff (RFC 5631 §5.4.1: the new
 * dialog's Call-ID and tags, and here a playout report as its body), and
 * what is not a response's sipfrag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

static int decode(struct sipfrag *f, const char *s)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return sipfrag_decode(f, &pl);
}

static void rfc3515_status_lines(void **state)
{
	struct sipfrag f;
	(void)state;

	assert_int_equal(0, decode(&f, "SIP/2.0 100 Trying\r\n"));
	assert_int_equal(100, f.scode);
	assert_int_equal(0, pl_strcmp(&f.reason, "Trying"));
	assert_false(pl_isset(&f.body));
	assert_int_equal(0, decode(&f, "SIP/2.0 200 OK"));   /* no CRLF */
	assert_int_equal(200, f.scode);
	assert_int_equal(0, decode(&f, "SIP/2.0 503 Service Unavailable\r\n"));
	assert_int_equal(503, f.scode);
	assert_int_equal(0, decode(&f, "SIP/2.0 491\r\n"));   /* no reason */
	assert_int_equal(491, f.scode);
	assert_int_equal(0, f.reason.l);
}

static void handoff_final_notify(void **state)
{
	static const char body[] =
		"SIP/2.0 200 OK\r\n"
		"Call-ID: 1@device15.example.com\r\n"
		"From: <sip:device15@example.com>;tag=aaa\r\n"
		"To:<sip:corresp@example.com>;tag=bbb\r\n"
		"Content-Type: application/vnd.sipmob.playout+json\r\n"
		"Content-Length: 14\r\n"
		"\r\n"
		"{\"playout\":[]}";
	struct sipfrag f;
	struct pl v;
	(void)state;

	assert_int_equal(0, decode(&f, body));
	assert_int_equal(200, f.scode);
	assert_true(sipfrag_header(&f, "call-id", &v));
	assert_int_equal(0, pl_strcmp(&v, "1@device15.example.com"));
	assert_true(sipfrag_header(&f, "To", &v));
	assert_int_equal(0, pl_strcmp(&v, "<sip:corresp@example.com>;tag=bbb"));
	assert_true(sipfrag_header(&f, "Content-Type", &v));
	assert_int_equal(0, pl_strcmp(&v, "application/vnd.sipmob.playout+json"));
	assert_false(sipfrag_header(&f, "Contact", &v));
	assert_int_equal(0, pl_strcmp(&f.body, "{\"playout\":[]}"));
	/* a header's name in the body is not a header */
	assert_int_equal(0, decode(&f, "SIP/2.0 200 OK\r\n\r\nCall-ID: x\r\n"));
	assert_false(sipfrag_header(&f, "Call-ID", &v));
}

static void what_is_not_a_response_sipfrag(void **state)
{
	static const char *const bad[] = {
		"", "SIP/2.0", "SIP/2.0 20 OK", "SIP/2.0 2000 OK",
		"SIP/2.0 099 Low", "SIP/2.0 700 High", "SIP/1.0 200 OK",
		"INVITE sip:a@b SIP/2.0\r\n", "sip/2.0 200 OK",
		"SIP/2.0 200 OK\r\nno colon here\r\n", "SIP/2.0 2x0 OK",
	};
	struct sipfrag f;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(EBADMSG, decode(&f, bad[i]));
	assert_int_equal(EINVAL, sipfrag_decode(&f, NULL));
}

static void a_body_cut_anywhere_reads_or_is_refused(void **state)
{
	static const char body[] = "SIP/2.0 200 OK\r\nCall-ID: a\r\n"
		"From: <sip:d@h>;tag=1\r\n\r\n{}";
	struct sipfrag f;
	(void)state;

	for (size_t n = 0; n <= strlen(body); n++) {
		struct pl pl = {body, n};
		int err = sipfrag_decode(&f, &pl);

		assert_true(err == 0 || err == EBADMSG);
		if (!err)
			assert_true(f.headers.p + f.headers.l <= body + n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3515_status_lines),
		cmocka_unit_test(handoff_final_notify),
		cmocka_unit_test(what_is_not_a_response_sipfrag),
		cmocka_unit_test(a_body_cut_anywhere_reads_or_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
