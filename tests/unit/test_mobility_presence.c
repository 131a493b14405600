/**
 * @file test_mobility_presence.c  Proof of presence (spec §8.2): the room
 * token is RFC 6238 TOTP (its Appendix B vectors), a device accepts the
 * password followed by the current or the previous step's token and
 * nothing else, the beacon's announcement reads back as written and
 * anything else is refused whole, and the MN's ear reads a beacon's file
 * without ever showing the token in its status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/presence.h>
#include <sipmob/sipua.h>
#include <sipmob/device.h>
#include <sipmob/mn.h>

static const uint8_t rfc_key[] = "12345678901234567890";   /* 20 bytes */
#define RFC_KEY rfc_key, 20

static void token_is_rfc6238_totp(void **state)
{
	static const struct { uint64_t t; const char *otp; } v[] = {
		{59,          "94287082"},
		{1111111109,  "07081804"},
		{1111111111,  "14050471"},
		{1234567890,  "89005924"},
		{2000000000,  "69279037"},
		{20000000000, "65353130"},
	};
	char tok[PRESENCE_TOKEN_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(0, presence_token(RFC_KEY, v[i].t, 30, 8,
						   tok));
		assert_string_equal(v[i].otp, tok);
	}
	/* RFC 4226 Appendix D, counter 1 (T = 30..59 with step 30): the
	 * same HOTP truncated to 6 digits */
	assert_int_equal(0, presence_token(RFC_KEY, 30, 30, 6, tok));
	assert_string_equal("287082", tok);
	/* one token through a whole step, another in the next */
	assert_int_equal(0, presence_token(RFC_KEY, 31, 2, 8, tok));
	char again[PRESENCE_TOKEN_MAX];
	assert_int_equal(0, presence_token(RFC_KEY, 30, 2, 8, again));
	assert_string_equal(tok, again);
	assert_int_equal(0, presence_token(RFC_KEY, 32, 2, 8, again));
	assert_string_not_equal(tok, again);

	assert_int_equal(EINVAL, presence_token(RFC_KEY, 59, 0, 8, tok));
	assert_int_equal(EINVAL, presence_token(RFC_KEY, 59, 30, 5, tok));
	assert_int_equal(EINVAL, presence_token(RFC_KEY, 59, 30, 11, tok));
	assert_int_equal(EINVAL, presence_token(NULL, 20, 59, 30, 8, tok));
	assert_int_equal(EINVAL, presence_token(rfc_key, 0, 59, 30, 8, tok));
}

/* does the list hold s? */
static bool holds(char out[][PRESENCE_SECRET_LEN], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(out[i], s))
			return true;
	}
	return false;
}

static void secrets_are_password_and_current_or_previous_token(void **st)
{
	char out[4][PRESENCE_SECRET_LEN];
	char tok[PRESENCE_TOKEN_MAX], pw[PRESENCE_SECRET_LEN];
	uint64_t now = 1111111111;   /* step 37037037 */
	(void)st;

	assert_int_equal(2, presence_secrets("hunter2", RFC_KEY, now, 30,
					     out, 4));
	assert_string_equal("hunter214050471", out[0]);     /* current  */
	assert_int_equal(0, presence_token(RFC_KEY, now - 30, 30, 8, tok));
	(void)snprintf(pw, sizeof(pw), "hunter2%s", tok);
	assert_string_equal(pw, out[1]);                     /* previous */

	/* not the password alone, nor with a token two steps old, nor
	 * with the next step's */
	assert_false(holds(out, 2, "hunter2"));
	assert_int_equal(0, presence_token(RFC_KEY, now - 60, 30, 8, tok));
	(void)snprintf(pw, sizeof(pw), "hunter2%s", tok);
	assert_false(holds(out, 2, pw));
	assert_int_equal(0, presence_token(RFC_KEY, now + 30, 30, 8, tok));
	(void)snprintf(pw, sizeof(pw), "hunter2%s", tok);
	assert_false(holds(out, 2, pw));

	/* a token heard at T=59 (step 1) still works at T=60..89 only */
	assert_int_equal(2, presence_secrets("pw", RFC_KEY, 89, 30, out, 4));
	assert_true(holds(out, 2, "pw94287082"));
	assert_int_equal(2, presence_secrets("pw", RFC_KEY, 90, 30, out, 4));
	assert_false(holds(out, 2, "pw94287082"));

	/* the first step has no step before it; max bounds what is written */
	assert_int_equal(1, presence_secrets("pw", RFC_KEY, 10, 30, out, 4));
	assert_int_equal(1, presence_secrets("pw", RFC_KEY, now, 30, out, 1));
	assert_string_equal("pw14050471", out[0]);
	assert_int_equal(0, presence_secrets("pw", RFC_KEY, now, 30, out, 0));
	assert_int_equal(0, presence_secrets("pw", RFC_KEY, now, 0, out, 4));
	assert_int_equal(0, presence_secrets(NULL, RFC_KEY, now, 30, out, 4));

	/* a password that leaves no room for the token */
	memset(pw, 'x', sizeof(pw) - 1);
	pw[247] = '\0';        /* 247 + 8 digits + NUL: fits in 256 */
	assert_int_equal(2, presence_secrets(pw, RFC_KEY, now, 30, out, 4));
	pw[247] = 'x';
	pw[248] = '\0';        /* 248 + 8 + NUL: does not */
	assert_int_equal(0, presence_secrets(pw, RFC_KEY, now, 30, out, 4));
}

static void room_key_from_file_or_text(void **state)
{
	char path[] = "/tmp/test_presence_keyXXXXXX", why[160];
	struct presence_key k;
	int fd;
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(21, write(fd, "12345678901234567890\n", 21));
	close(fd);
	assert_int_equal(0, presence_key_load(&k, path, why, sizeof(why)));
	assert_int_equal(20, k.len);             /* the newline left out */
	assert_memory_equal(rfc_key, k.secret, 20);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(7, write(fd, "short\r\n", 7));
	close(fd);
	assert_int_equal(EINVAL, presence_key_load(&k, path, why,
						   sizeof(why)));
	assert_non_null(strstr(why, "5 bytes"));
	unlink(path);
	assert_int_equal(ENOENT, presence_key_load(&k, path, why,
						   sizeof(why)));

	assert_int_equal(0, presence_key_set(&k, "a room secret, 32 bytes long!!!!",
					     why, sizeof(why)));
	assert_int_equal(32, k.len);
	assert_int_equal(EINVAL, presence_key_set(&k, "", why, sizeof(why)));
}

static int decode(struct presence_beacon *b, const char *s)
{
	return presence_beacon_decode(b, s, strlen(s));
}

static void beacon_reads_what_it_writes(void **state)
{
	struct presence_beacon b, r;
	char buf[PRESENCE_DATAGRAM_MAX];
	size_t n;
	(void)state;

	memset(&b, 0, sizeof(b));
	strcpy(b.room, "lab-2.17_B");
	strcpy(b.token, "07081804");
	b.step = 30;
	b.seq = 18446744073709551615ULL;
	b.time = 1111111109;
	assert_int_equal(0, presence_beacon_encode(&b, buf, sizeof(buf), &n));
	assert_string_equal("SIPMOB-BEACON/1 room=lab-2.17_B step=30"
			    " token=07081804 seq=18446744073709551615"
			    " time=1111111109\n", buf);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(0, presence_beacon_decode(&r, buf, n));
	assert_string_equal(b.room, r.room);
	assert_string_equal(b.token, r.token);
	assert_int_equal(b.step, r.step);
	assert_true(b.seq == r.seq && b.time == r.time);

	/* any order, CRLF or no line end, unknown fields ignored */
	assert_int_equal(0, decode(&r, "SIPMOB-BEACON/1 time=5 seq=0 x_new=1"
				   " token=123456 step=2 room=R\r\n"));
	assert_string_equal("R", r.room);
	assert_string_equal("123456", r.token);
	assert_int_equal(2, r.step);
	assert_int_equal(0, decode(&r, "SIPMOB-BEACON/1 room=R step=1"
				   " token=1234567890 seq=1 time=1"));

	assert_int_equal(EOVERFLOW, presence_beacon_encode(&b, buf, 20, &n));
	strcpy(b.room, "a room");
	assert_int_equal(EINVAL, presence_beacon_encode(&b, buf, sizeof(buf),
							&n));
}

/* Civic fields: optional, written only when set, read in any order; an
 * announcement without them still reads (older beacons), one with a bad
 * or repeated one does not. */
static void beacon_civic_fields(void **state)
{
	struct presence_beacon b, r;
	char buf[PRESENCE_DATAGRAM_MAX];
	size_t n;
	(void)state;

	memset(&b, 0, sizeof(b));
	strcpy(b.room, "123");
	strcpy(b.token, "07081804");
	strcpy(b.floor, "2");
	strcpy(b.building, "N1");
	b.step = 30;
	b.seq = 1;
	b.time = 1111111109;
	assert_int_equal(0, presence_beacon_encode(&b, buf, sizeof(buf), &n));
	assert_string_equal("SIPMOB-BEACON/1 room=123 step=30 token=07081804"
			    " seq=1 time=1111111109 floor=2 building=N1\n",
			    buf);
	assert_int_equal(0, presence_beacon_decode(&r, buf, n));
	assert_string_equal("2", r.floor);
	assert_string_equal("N1", r.building);

	assert_int_equal(0, decode(&r, "SIPMOB-BEACON/1 building=B-7 room=R"
				   " step=2 token=123456 seq=0 time=5"));
	assert_string_equal("B-7", r.building);
	assert_string_equal("", r.floor);
	assert_int_equal(0, decode(&r, "SIPMOB-BEACON/1 room=R step=2"
				   " token=123456 seq=0 time=5"));
	assert_string_equal("", r.floor);
	assert_string_equal("", r.building);
	assert_int_equal(EBADMSG, decode(&r, "SIPMOB-BEACON/1 room=R step=2"
					 " token=123456 seq=0 time=5 floor=a/b"));
	assert_int_equal(EBADMSG, decode(&r, "SIPMOB-BEACON/1 room=R step=2"
					 " token=123456 seq=0 time=5 floor=1"
					 " floor=2"));
	assert_int_equal(EBADMSG, decode(&r, "SIPMOB-BEACON/1 floor=1 step=2"
					 " token=123456 seq=0 time=5"));
	strcpy(b.floor, "two words");
	assert_int_equal(EINVAL, presence_beacon_encode(&b, buf, sizeof(buf),
							&n));
}

static void beacon_refuses_anything_else(void **state)
{
	static const char *bad[] = {
		"",
		"\n",
		"SIPMOB-BEACON/1",
		"SIPMOB-BEACON/1 ",
		"SIPMOB-BEACON/2 room=R step=2 token=123456 seq=1 time=1",
		"sipmob-beacon/1 room=R step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1room=R step=2 token=123456 seq=1 time=1",
		/* a field missing, twice, empty, or out of range */
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1",
		"SIPMOB-BEACON/1 step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R room=S step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room= step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=0 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=86401 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=-2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=12345 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=12345678901 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=12345a seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=18446744073709551616 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1x",
		"SIPMOB-BEACON/1 room=R/1 step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1 Key=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1 junk",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1 =1",
		/* blanks, more lines, control bytes */
		"SIPMOB-BEACON/1  room=R step=2 token=123456 seq=1 time=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1 ",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1 time=1\n\n",
		"SIPMOB-BEACON/1 room=R step=2 token=123456 seq=1\ntime=1",
		"SIPMOB-BEACON/1 room=R step=2 token=123456\tseq=1 time=1",
		"SIPMOB-BEACON/1 room=R\x80 step=2 token=123456 seq=1 time=1",
	};
	struct presence_beacon b;
	char big[PRESENCE_DATAGRAM_MAX + 16];
	int n;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode(&b, bad[i]) != EBADMSG)
			fail_msg("accepted: %s", bad[i]);
	}
	/* a NUL inside */
	assert_int_equal(EBADMSG, presence_beacon_decode(&b,
		"SIPMOB-BEACON/1 room=R\0 step=2 token=123456 seq=1 time=1",
		56));
	/* too long to be one, though well formed */
	n = snprintf(big, sizeof(big), "SIPMOB-BEACON/1 room=R step=2"
		     " token=123456 seq=1 time=1 pad=");
	memset(big + n, 'x', sizeof(big) - (size_t)n - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(EBADMSG, decode(&b, big));
	big[PRESENCE_DATAGRAM_MAX] = '\0';
	assert_int_equal(0, decode(&b, big));
}

/* The MN's ear on a beacon's file: it has the token, its status does not */
static void listener_reads_file_and_hides_token(void **state)
{
	char path[] = "/tmp/test_presence_beaconXXXXXX", tok[16];
	struct presence_listener *l = NULL;
	struct odict *od = NULL;
	struct mbuf *mb;
	char why[160];
	FILE *f;
	int fd;
	(void)state;

	assert_int_equal(0, libre_init());
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "SIPMOB-BEACON/1 room=R1 step=30 token=73310441 seq=7"
		" time=%llu\n", (unsigned long long)time(NULL));
	fclose(f);

	assert_int_equal(0, presence_listener_alloc(&l, NULL, path, why,
						    sizeof(why)));
	assert_int_equal(0, presence_listener_token(l, tok));
	assert_string_equal("73310441", tok);

	assert_int_equal(0, odict_alloc(&od, 8));
	assert_int_equal(0, presence_listener_status(l, od));
	mb = mbuf_alloc(256);
	assert_int_equal(0, mbuf_printf(mb, "%H", json_encode_odict, od));
	mbuf_write_u8(mb, 0);
	assert_non_null(strstr((char *)mb->buf, "\"room\":\"R1\""));
	assert_non_null(strstr((char *)mb->buf, "\"token_valid\":true"));
	assert_null(strstr((char *)mb->buf, "73310441"));
	mem_deref(mb);
	mem_deref(od);
	mem_deref(l);

	/* nothing heard yet: no token */
	unlink(path);
	assert_int_equal(0, presence_listener_alloc(&l, NULL, path, why,
						    sizeof(why)));
	assert_int_equal(ENOENT, presence_listener_token(l, tok));
	mem_deref(l);
	assert_int_equal(EINVAL, presence_listener_alloc(&l, NULL, NULL, why,
							 sizeof(why)));
	assert_int_equal(EINVAL, presence_listener_alloc(&l, "1.2.3.4", NULL,
							 why, sizeof(why)));
	libre_close();
}

/* The device's secrets for the Digest server, with and without presence */
static void device_secrets_follow_require_presence(void **state)
{
	struct device_conf conf = {.name = "d", .floor = INT32_MIN};
	char listen[32];
	char out[2][256], want[2][256];
	struct presence_key key;
	struct device *dev = NULL;
	size_t n, m;
	(void)state;

	assert_int_equal(0, libre_init());
	/* a port of its own: the first free one of a few */
	for (int port = 25060; port < 25100 && !dev; port++) {
		(void)snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
		conf.sip_listen = listen;
		(void)device_alloc(&dev, &conf);
	}
	assert_non_null(dev);
	assert_int_equal(1, device_presence_secrets(dev, "pw", out, 2));
	assert_string_equal("pw", out[0]);
	mem_deref(dev);

	memcpy(key.secret, rfc_key, 20);
	key.len = 20;
	conf.room_key = &key;
	conf.presence_step = 2;
	assert_int_equal(0, device_alloc(&dev, &conf));
	memset(&key, 0, sizeof(key));        /* the device keeps a copy */
	for (;;) {   /* compare within one step */
		uint64_t t0 = (uint64_t)time(NULL), t1;

		n = device_presence_secrets(dev, "pw", out, 2);
		m = presence_secrets("pw", rfc_key, 20, t0, 2, want, 2);
		t1 = (uint64_t)time(NULL);
		if (t0 / 2 == t1 / 2)
			break;
	}
	assert_int_equal(2, n);
	assert_int_equal(m, n);
	assert_string_equal(want[0], out[0]);
	assert_string_equal(want[1], out[1]);
	assert_false(holds(out, 2, "pw"));
	mem_deref(dev);
	libre_close();
}

/* The MN's secret for a device's challenge: the token only for its room */
static void mn_appends_token_for_room_heard(void **state)
{
	char path[] = "/tmp/test_presence_mnXXXXXX", listen[32];
	char out[256], big[300];
	struct mn_conf conf = {.user = "mn", .beacon_file = path,
			       .slp_da = "127.0.0.1:26427"}; /* no multicast */
	struct mn *mn = NULL;
	bool with = true;
	FILE *f;
	int fd;
	(void)state;

	assert_int_equal(0, libre_init());
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "SIPMOB-BEACON/1 room=lab-1 step=30 token=73310441 seq=1"
		" time=%llu\n", (unsigned long long)time(NULL));
	fclose(f);
	for (int port = 25100; port < 25140 && !mn; port++) {
		(void)snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
		conf.sip_listen = listen;
		(void)mn_alloc(&mn, &conf);
	}
	assert_non_null(mn);

	assert_int_equal(0, mn_presence_secret(mn, "lab-1", "pw", out, &with));
	assert_string_equal("pw73310441", out);
	assert_true(with);
	assert_int_equal(0, mn_presence_secret(mn, NULL, "pw", out, &with));
	assert_string_equal("pw73310441", out);
	assert_int_equal(0, mn_presence_secret(mn, "lab-2", "pw", out, &with));
	assert_string_equal("pw", out);             /* another room's device */
	assert_false(with);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(EOVERFLOW, mn_presence_secret(mn, NULL, big, out,
						       NULL));
	assert_int_equal(0, mn_presence_token(mn, out));
	assert_string_equal("73310441", out);
	mem_deref(mn);
	unlink(path);
	libre_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_is_rfc6238_totp),
		cmocka_unit_test(secrets_are_password_and_current_or_previous_token),
		cmocka_unit_test(room_key_from_file_or_text),
		cmocka_unit_test(beacon_reads_what_it_writes),
		cmocka_unit_test(beacon_civic_fields),
		cmocka_unit_test(beacon_refuses_anything_else),
		cmocka_unit_test(listener_reads_file_and_hides_token),
		cmocka_unit_test(device_secrets_follow_require_presence),
		cmocka_unit_test(mn_appends_token_for_room_heard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
