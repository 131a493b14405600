/*
 * SDES keys in SDP (RFC 4568; src/sdp/sdes.c): the a=crypto lines we take
 * and refuse, the line we print, and the 3PCC copy of an m= line keeping
 * its keys (the MN passes one party's keys to the other).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/sdes.h>

#define KEY "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"   /* 30 bytes */

static void takes_both_suites_and_a_lifetime(void **state)
{
	struct sdes_crypto c;
	(void)state;

	assert_int_equal(sdes_decode(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
				     KEY), 0);
	assert_int_equal(c.tag, 1);
	assert_false(c.tag32);
	assert_memory_equal(c.key, "YS___semctl () {", 16);
	assert_int_equal(sdes_decode(&c, "7 AES_CM_128_HMAC_SHA1_32 inline:"
				     KEY "|2^20"), 0);
	assert_int_equal(c.tag, 7);
	assert_true(c.tag32);
}

static void refuses_what_it_cannot_honour(void **state)
{
	struct sdes_crypto c;
	(void)state;

	/* well-formed, not ours: another suite, an MKI, a session param */
	assert_int_equal(sdes_decode(&c, "1 AES_256_CM_HMAC_SHA1_80 inline:"
				     KEY), ENOTSUP);
	assert_int_equal(sdes_decode(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
				     KEY "|2^20|1:4"), ENOTSUP);
	assert_int_equal(sdes_decode(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
				     KEY " UNENCRYPTED_SRTP"), ENOTSUP);
	/* malformed */
	assert_int_equal(sdes_decode(&c, "0 AES_CM_128_HMAC_SHA1_80 inline:"
				     KEY), EBADMSG);
	assert_int_equal(sdes_decode(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
				     "WVNf"), EBADMSG);
	assert_int_equal(sdes_decode(&c, "1 AES_CM_128_HMAC_SHA1_80 "
				     "uri:x"), EBADMSG);
	assert_int_equal(sdes_decode(&c, " 1 AES_CM_128_HMAC_SHA1_80 inline:"
				     KEY), EBADMSG);
}

static const char offer[] =
	"v=0\r\n"
	"o=cn 1 1 IN IP4 10.0.0.9\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.9\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY "|2^31|1:4\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY "\r\n"
	"a=sendrecv\r\n";

static void finds_the_first_line_it_takes_and_copies_keep_it(void **state)
{
	struct sdesc *sd = NULL, *dst = NULL;
	const struct sdesc_media *mv[1];
	struct sdesc_media *m;
	struct sdes_crypto c, mine;
	char err[64], *s = NULL;
	(void)state;

	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)offer,
				     strlen(offer), err, sizeof(err)), 0);
	assert_true(sdes_is_savp(sdesc_media(sd, 0)));
	assert_int_equal(sdes_find(sdesc_media(sd, 0), &c), 0);
	assert_int_equal(c.tag, 2);   /* the first has an MKI */

	/* the MN's 3PCC copy carries proto and keys to the other leg */
	mv[0] = sdesc_media(sd, 0);
	assert_int_equal(sdesc_merge(&dst, NULL, mv, 1), 0);
	m = sdesc_media(dst, 0);
	assert_true(sdes_is_savp(m));
	assert_int_equal(sdes_find(m, &mine), 0);
	assert_memory_equal(mine.key, c.key, SDES_KEYLEN);

	/* ours replaces every crypto line: one line, RTP/SAVP */
	memset(mine.key, 0x42, sizeof(mine.key));
	mine.tag = 2;
	mine.tag32 = false;
	assert_int_equal(sdes_set(m, &mine), 0);
	assert_int_equal(re_sdprintf(&s, "%H", sdesc_print, dst), 0);
	assert_non_null(strstr(s, "m=audio 4000 RTP/SAVP 0\r\n"));
	assert_non_null(strstr(s, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 "
			       "inline:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"
			       "\r\n"));
	assert_null(strstr(s, "|2^31"));
	mem_deref(s);
	mem_deref(dst);
	mem_deref(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_both_suites_and_a_lifetime),
		cmocka_unit_test(refuses_what_it_cannot_honour),
		cmocka_unit_test(finds_the_first_line_it_takes_and_copies_keep_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
