/**
 * @file test_mobility_dtmf_relay.c  The application/dtmf-relay body of a
 * SIP INFO: what phones send is read (CRLF or LF, any case, blanks, extra
 * lines), anything else is refused whole, and what we write reads back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/dtmf_relay.h>

static int decode(const char *body, char *d, uint32_t *ms)
{
	return dtmf_relay_decode(body, strlen(body), d, ms);
}

static void reads_what_phones_send(void **state)
{
	uint32_t ms = 1;
	char d = 0;
	(void)state;

	assert_int_equal(0, decode("Signal=5\r\nDuration=160\r\n", &d, &ms));
	assert_int_equal('5', d);
	assert_int_equal(160, ms);
	assert_int_equal(0, decode("signal = #\nDURATION=250", &d, &ms));
	assert_int_equal('#', d);
	assert_int_equal(250, ms);
	assert_int_equal(0, decode("Signal=b\r\n", &d, &ms));
	assert_int_equal('B', d);
	assert_int_equal(0, ms);                 /* no Duration */
	assert_int_equal(0, decode("\r\nX-Vendor=1\r\nSignal=*\r\n\r\n", &d,
				   NULL));
	assert_int_equal('*', d);
}

static void refuses_anything_else(void **state)
{
	static const char *bad[] = {
		"", "\r\n", "Duration=160\r\n", "Signal=\r\n", "Signal=12\r\n",
		"Signal=Z\r\n", "Signal=E\r\n", "Signal 5\r\n",
		"Signal=1\r\nSignal=2\r\n", "Signal=1\r\nDuration=x\r\n",
		"Signal=1\r\nDuration=65536\r\n", "Signal=1\r\nDuration=\r\n",
		"Signal=1\r\nDuration=1\r\nDuration=2\r\n", "junk",
	};
	char d = 'x';
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode(bad[i], &d, NULL) != EBADMSG)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* a NUL inside is refused, not a line end */
	assert_int_equal(EBADMSG, dtmf_relay_decode("Signal=1\0x", 10, &d,
						    NULL));
	/* the length bounds the body, whatever follows it */
	assert_int_equal(0, dtmf_relay_decode("Signal=7junk", 8, &d, NULL));
	assert_int_equal('7', d);
	assert_int_equal(EINVAL, dtmf_relay_decode(NULL, 3, &d, NULL));
}

static void writes_what_it_reads(void **state)
{
	struct mbuf *mb = NULL;
	uint32_t ms;
	char d;
	(void)state;

	assert_int_equal(0, dtmf_relay_encode(&mb, 'c', 160));
	assert_int_equal(0, dtmf_relay_decode((const char *)mbuf_buf(mb),
					      mbuf_get_left(mb), &d, &ms));
	assert_int_equal('C', d);
	assert_int_equal(160, ms);
	assert_int_equal(0, memcmp(mbuf_buf(mb), "Signal=C\r\nDuration=160\r\n",
				   mbuf_get_left(mb)));
	mem_deref(mb);
	assert_int_equal(EINVAL, dtmf_relay_encode(&mb, 'x', 160));
	assert_int_equal(EINVAL, dtmf_relay_encode(&mb, '1', 70000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_what_phones_send),
		cmocka_unit_test(refuses_anything_else),
		cmocka_unit_test(writes_what_it_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
