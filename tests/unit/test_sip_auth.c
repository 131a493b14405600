/*
 * SIP Digest (src/sip/auth*.c): the RFC 7616 §3.9.1 example (SHA-256 and
 * MD5) through our hashing; then a device's checks on real parsed requests:
 * a right answer, a replayed nc, a higher nc, the nonce from another
 * address, an expired nonce (stale), a wrong password, an algorithm the
 * user may not use, a Request-URI the answer was not for, and our own
 * client's answer to a challenge with SHA-256 first (and with an algorithm
 * it must skip).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_auth.h>

#define REALM "room123.example"
#define RURI  "sip:speaker@127.0.0.1:5071"

static void rfc7616_example(void **state)
{
	char hex[SIPAUTH_HEX_MAX];
	struct sipauth_digest d;
	(void)state;

	pl_set_str(&d.user, "Mufasa");
	pl_set_str(&d.realm, "http-auth@example.org");
	pl_set_str(&d.method, "GET");
	pl_set_str(&d.uri, "/dir/index.html");
	pl_set_str(&d.nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	pl_set_str(&d.nc, "00000001");
	pl_set_str(&d.cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	pl_set_str(&d.qop, "auth");

	d.alg = SIPAUTH_SHA256;
	assert_int_equal(0, sipauth_digest_response(hex, &d, "Circle of Life"));
	assert_string_equal("753927fa0e85d155564e2e272a28d180"
			    "2ca10daf4496794697cf8db5856cb6c1", hex);
	/* The RFC prints 8ca523f5e9506fed4657c9700eebdec3 for MD5, which is
	 * wrong (its errata; Python's hashlib gives the value below too) */
	d.alg = SIPAUTH_MD5;
	assert_int_equal(0, sipauth_digest_response(hex, &d, "Circle of Life"));
	assert_string_equal("8ca523f5e9506fed4657c9700eebdbec", hex);
}

/* The server side's users: alice (both algorithms, two secrets: an old
 * and a new password), carol (SHA-256 only) */
static size_t secrets(const char *user, char out[][SIPAUTH_SECRET_MAX],
		      size_t max, void *arg)
{
	(void)arg;
	if (max < 2)
		return 0;
	if (!strcmp(user, "alice")) {
		str_ncpy(out[0], "old password", SIPAUTH_SECRET_MAX);
		str_ncpy(out[1], "correct horse", SIPAUTH_SECRET_MAX);
		return 2;
	}
	if (!strcmp(user, "carol")) {
		str_ncpy(out[0], "carol-secret", SIPAUTH_SECRET_MAX);
		return 1;
	}
	return 0;
}

static unsigned algs(const char *user, void *arg)
{
	(void)arg;
	return user && !strcmp(user, "carol") ? SIPAUTH_SHA256 :
		SIPAUTH_ALGS_ALL;
}

static struct sipauth *server(void)
{
	struct sipauth *auth = NULL;

	assert_int_equal(0, sipauth_alloc(&auth, &(struct sipauth_conf){
		REALM, 300, secrets, algs, NULL}));
	return auth;
}

/* A parsed message as libre gives it, from src */
static struct sip_msg *parse(const char *text, const char *src)
{
	struct mbuf *mb = mbuf_alloc(strlen(text));
	struct sip_msg *msg = NULL;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_str(mb, text));
	mb->pos = 0;
	assert_int_equal(0, sip_msg_decode(&msg, mb));
	assert_int_equal(0, sa_decode(&msg->src, src, strlen(src)));
	mem_deref(mb);
	return msg;
}

static struct sip_msg *request(const char *ruri, const char *authz,
			       const char *src)
{
	char text[2048];

	re_snprintf(text, sizeof(text),
		    "REFER %s SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:alice@127.0.0.1:5060>;tag=a\r\n"
		    "To: <" RURI ">\r\n"
		    "Call-ID: c1\r\nCSeq: 1 REFER\r\n"
		    "%s%s%s"
		    "Content-Length: 0\r\n\r\n", ruri,
		    authz ? "Authorization: " : "", authz ? authz : "",
		    authz ? "\r\n" : "");
	return parse(text, src);
}

/* Credentials as a client writes them */
static char *creds(enum sipauth_alg alg, const char *user,
		   const char *secret, const char *nonce, const char *nc,
		   const char *uri)
{
	char hex[SIPAUTH_HEX_MAX], *s = NULL;
	struct sipauth_digest d;

	d.alg = alg;
	pl_set_str(&d.user, user);
	pl_set_str(&d.realm, REALM);
	pl_set_str(&d.method, "REFER");
	pl_set_str(&d.uri, uri);
	pl_set_str(&d.nonce, nonce);
	pl_set_str(&d.nc, nc);
	pl_set_str(&d.cnonce, "0a4f113b");
	pl_set_str(&d.qop, "auth");
	assert_int_equal(0, sipauth_digest_response(hex, &d, secret));
	assert_int_equal(0, re_sdprintf(&s, "Digest username=\"%s\","
		" realm=\"" REALM "\", nonce=\"%s\", uri=\"%s\","
		" response=\"%s\", algorithm=%s, qop=auth, nc=%s,"
		" cnonce=\"0a4f113b\"", user, nonce, uri, hex,
		sipauth_alg_name(alg), nc));
	return s;
}

/* The outcome of verifying one request at time now */
static enum sipauth_outcome verify(struct sipauth *auth, const char *authz,
				   const char *ruri, const char *src,
				   uint64_t now, struct sipauth_result *res)
{
	struct sip_msg *msg = request(ruri, authz, src);

	sipauth_verify_at(auth, msg, now, res);
	mem_deref(msg);
	return res->outcome;
}

static void device_checks_each_answer(void **state)
{
	struct sipauth *auth = server();
	struct sipauth_result res;
	char nonce[128], *c;
	struct sa src;
	(void)state;

	assert_int_equal(0, sa_decode(&src, "127.0.0.1:5060", 14));
	assert_int_equal(EINVAL, sipauth_nonce(auth, &src, 1000, nonce, 4));
	assert_int_equal(0, sipauth_nonce(auth, &src, 1000, nonce,
					  sizeof(nonce)));

	/* no credentials at all: the first round */
	assert_int_equal(SIPAUTH_NONE, verify(auth, NULL, RURI,
					      "127.0.0.1:5060", 1000, &res));

	/* the right answer (alice's second secret), SHA-256, nc 1 */
	c = creds(SIPAUTH_SHA256, "alice", "correct horse", nonce, "00000001",
		  RURI);
	assert_int_equal(SIPAUTH_OK, verify(auth, c, RURI, "127.0.0.1:5060",
					    1010, &res));
	assert_string_equal("alice", res.user);
	assert_int_equal(SIPAUTH_SHA256, res.alg);
	/* the same again: a replay */
	assert_int_equal(SIPAUTH_REPLAY, verify(auth, c, RURI,
						"127.0.0.1:5060", 1011, &res));
	/* from another address (the port does not matter, the IP does) */
	assert_int_equal(SIPAUTH_FOREIGN, verify(auth, c, RURI,
						 "127.0.0.2:5060", 1011, &res));
	assert_int_equal(SIPAUTH_REPLAY, verify(auth, c, RURI,
						"127.0.0.1:6000", 1011, &res));
	/* for another Request-URI */
	assert_int_equal(SIPAUTH_MALFORMED, verify(auth, c,
		"sip:other@127.0.0.1:5071", "127.0.0.1:5060", 1011, &res));
	mem_deref(c);

	/* nc 2: taken; then nc 1 again: a replay */
	c = creds(SIPAUTH_MD5, "alice", "old password", nonce, "00000002",
		  RURI);
	assert_int_equal(SIPAUTH_OK, verify(auth, c, RURI, "127.0.0.1:5060",
					    1020, &res));
	assert_int_equal(SIPAUTH_MD5, res.alg);
	mem_deref(c);
	c = creds(SIPAUTH_MD5, "alice", "old password", nonce, "00000001",
		  RURI);
	assert_int_equal(SIPAUTH_REPLAY, verify(auth, c, RURI,
						"127.0.0.1:5060", 1020, &res));
	mem_deref(c);

	/* nc 3 after the lifetime: right, but stale */
	c = creds(SIPAUTH_SHA256, "alice", "correct horse", nonce, "00000003",
		  RURI);
	assert_int_equal(SIPAUTH_STALE, verify(auth, c, RURI, "127.0.0.1:5060",
					       1000 + 301, &res));
	mem_deref(c);

	/* a wrong password, an unknown user, a nonce not ours */
	c = creds(SIPAUTH_SHA256, "alice", "wrong", nonce, "00000004", RURI);
	assert_int_equal(SIPAUTH_WRONG, verify(auth, c, RURI, "127.0.0.1:5060",
					       1030, &res));
	mem_deref(c);
	c = creds(SIPAUTH_SHA256, "mallory", "x", nonce, "00000004", RURI);
	assert_int_equal(SIPAUTH_WRONG, verify(auth, c, RURI, "127.0.0.1:5060",
					       1030, &res));
	mem_deref(c);
	nonce[20] = nonce[20] == 'a' ? 'b' : 'a';
	c = creds(SIPAUTH_SHA256, "alice", "correct horse", nonce,
		  "00000005", RURI);
	assert_int_equal(SIPAUTH_FOREIGN, verify(auth, c, RURI,
						 "127.0.0.1:5060", 1030, &res));
	mem_deref(c);

	mem_deref(auth);
}

/* The nc table is bounded: when a nonce's record must go, the nonce (and
 * every older one) counts as expired, so a replay of it cannot pass. */
static void forgotten_nonces_are_stale(void **state)
{
	struct sipauth *auth = server();
	struct sipauth_result res;
	char first[128], nonce[128], *c;
	struct sa src;
	(void)state;

	assert_int_equal(0, sa_decode(&src, "127.0.0.1:5060", 14));
	assert_int_equal(0, sipauth_nonce(auth, &src, 1, first,
					  sizeof(first)));
	c = creds(SIPAUTH_SHA256, "carol", "carol-secret", first, "00000001",
		  RURI);
	assert_int_equal(SIPAUTH_OK, verify(auth, c, RURI, "127.0.0.1:5060",
					    2, &res));
	for (unsigned i = 0; i < 1024; i++) {
		char *ci;

		assert_int_equal(0, sipauth_nonce(auth, &src, 2, nonce,
						  sizeof(nonce)));
		ci = creds(SIPAUTH_SHA256, "carol", "carol-secret", nonce,
			   "00000001", RURI);
		assert_int_equal(SIPAUTH_OK, verify(auth, ci, RURI,
						    "127.0.0.1:5060", 3,
						    &res));
		mem_deref(ci);
	}
	/* the first nonce's record is gone: its replay is stale, not ok */
	assert_int_equal(SIPAUTH_STALE, verify(auth, c, RURI,
					       "127.0.0.1:5060", 3, &res));
	mem_deref(c);
	mem_deref(auth);
}

static void device_refuses_a_downgrade(void **state)
{
	struct sipauth *auth = server();
	struct sipauth_result res;
	struct sa src;
	char nonce[128], *c;
	(void)state;

	sa_decode(&src, "127.0.0.1:5060", 14);
	assert_int_equal(0, sipauth_nonce(auth, &src, 50, nonce,
					  sizeof(nonce)));
	/* carol may use SHA-256 only: her right MD5 answer proves nothing */
	c = creds(SIPAUTH_MD5, "carol", "carol-secret", nonce, "00000001",
		  RURI);
	assert_int_equal(SIPAUTH_WRONG, verify(auth, c, RURI, "127.0.0.1:5060",
					       60, &res));
	mem_deref(c);
	c = creds(SIPAUTH_SHA256, "carol", "carol-secret", nonce, "00000001",
		  RURI);
	assert_int_equal(SIPAUTH_OK, verify(auth, c, RURI, "127.0.0.1:5060",
					    60, &res));
	mem_deref(c);
	mem_deref(auth);
}

static void device_refuses_malformed_credentials(void **state)
{
	static const char *bad[] = {
		"Basic YWxpY2U6eA==",
		"Digest realm=\"" REALM "\", username=\"alice\"",   /* no nonce */
		"Digest realm=\"" REALM "\", realm=\"" REALM "\"",
		"Digest realm=\"" REALM,                   /* no closing quote */
		"Digest username=\"alice\", realm=\"" REALM "\", nonce=\"x\","
		" uri=\"" RURI "\", response=\"00\", qop=auth, nc=1,"
		" cnonce=\"c\"",                         /* nc not 8 digits */
		"Digest username=\"alice\", realm=\"" REALM "\", nonce=\"x\","
		" uri=\"" RURI "\", response=\"00\", nc=00000001,"
		" cnonce=\"c\"",                         /* no qop */
		"Digest username=\"alice\", realm=\"" REALM "\", nonce=\"x\","
		" uri=\"" RURI "\", response=\"00\", qop=auth, nc=00000001,"
		" cnonce=\"c\", algorithm=SHA-512-256",
	};
	struct sipauth *auth = server();
	struct sipauth_result res;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum sipauth_outcome o = verify(auth, bad[i], RURI,
						"127.0.0.1:5060", 1, &res);

		assert_true(o == SIPAUTH_MALFORMED || o == SIPAUTH_NONE);
	}
	/* another realm's credentials are not ours to judge */
	assert_int_equal(SIPAUTH_NONE, verify(auth, "Digest realm=\"other\","
		" username=\"alice\"", RURI, "127.0.0.1:5060", 1, &res));
	mem_deref(auth);
}

static void params_decode(void **state)
{
	struct sipauth_params p;
	struct pl v;
	(void)state;

	pl_set_str(&v, "Digest realm=\"a, b\" ,nonce=\"n\\\"q\","
		   " algorithm=SHA-256 , qop=\"auth,auth-int\", stale=TRUE,"
		   " domain=\"sip:x\"");
	assert_int_equal(0, sipauth_params_decode(&p, &v));
	assert_int_equal(0, pl_strcmp(&p.realm, "a, b"));
	assert_int_equal(0, pl_strcmp(&p.nonce, "n\\\"q"));
	assert_int_equal(0, pl_strcmp(&p.algorithm, "SHA-256"));
	assert_int_equal(0, pl_strcmp(&p.qop, "auth,auth-int"));
	assert_int_equal(0, pl_strcmp(&p.stale, "TRUE"));
	pl_set_str(&v, "Digest realm=x,");
	assert_int_equal(EBADMSG, sipauth_params_decode(&p, &v));
	pl_set_str(&v, "Digestrealm=x");
	assert_int_equal(EBADMSG, sipauth_params_decode(&p, &v));
	pl_set_str(&v, "Digest nonce=x");
	assert_int_equal(EBADMSG, sipauth_params_decode(&p, &v));
}

/* Our client answers a device's 401; the device takes the answer */
static void client_answers_sha256_first(void **state)
{
	struct sipauth *auth = server();
	struct sipauth_creds *cr = NULL;
	struct sipauth_result res;
	struct sip_msg *resp, *req;
	char nonce[128], text[2048], *hdr = NULL;
	struct sa src;
	unsigned line = 0;
	bool stale = true;
	(void)state;

	assert_int_equal(EINVAL, sipauth_creds_decode(&cr, "realm-only\n",
						      &line));
	assert_int_equal(1, line);
	assert_int_equal(0, sipauth_creds_decode(&cr, "# ours\n"
		"other.example bob x\n" REALM " alice correct horse\n",
		&line));

	sa_decode(&src, "127.0.0.1:5060", 14);
	assert_int_equal(0, sipauth_nonce(auth, &src, 7, nonce,
					  sizeof(nonce)));
	re_snprintf(text, sizeof(text),
		    "SIP/2.0 401 Unauthorized\r\n"
		    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
		    "From: <sip:alice@127.0.0.1:5060>;tag=a\r\n"
		    "To: <" RURI ">;tag=b\r\nCall-ID: c1\r\nCSeq: 1 REFER\r\n"
		    "WWW-Authenticate: Digest realm=\"" REALM "\","
		    " nonce=\"%s\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
		    "WWW-Authenticate: Digest realm=\"" REALM "\","
		    " nonce=\"%s\", algorithm=MD5, qop=\"auth\"\r\n"
		    "WWW-Authenticate: Digest realm=\"" REALM "\","
		    " nonce=\"%s\", algorithm=SHA-256, qop=\"auth\"\r\n"
		    "Content-Length: 0\r\n\r\n", nonce, nonce, nonce);
	resp = parse(text, "127.0.0.1:5071");
	assert_int_equal(0, sipauth_answer(&hdr, cr, resp, "REFER", RURI,
					   &stale));
	assert_false(stale);
	assert_non_null(strstr(hdr, "algorithm=SHA-256"));
	assert_non_null(strstr(hdr, "username=\"alice\""));
	assert_int_equal(0, strncmp(hdr, "Authorization: ", 15));
	hdr[strlen(hdr) - 2] = '\0';   /* the CRLF */
	req = request(RURI, hdr + 15, "127.0.0.1:5060");
	sipauth_verify_at(auth, req, 8, &res);
	assert_int_equal(SIPAUTH_OK, res.outcome);
	assert_string_equal("alice", res.user);
	mem_deref(req);
	mem_deref(resp);
	mem_deref(hdr);
	hdr = NULL;

	/* a realm we hold nothing for: no answer */
	resp = parse("SIP/2.0 401 Unauthorized\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
		     "From: <sip:a@h>;tag=a\r\nTo: <sip:b@h>;tag=b\r\n"
		     "Call-ID: c2\r\nCSeq: 1 REFER\r\n"
		     "WWW-Authenticate: Digest realm=\"elsewhere\","
		     " nonce=\"n\"\r\nContent-Length: 0\r\n\r\n",
		     "127.0.0.1:5071");
	assert_int_equal(ENOENT, sipauth_answer(&hdr, cr, resp, "REFER", RURI,
						&stale));
	assert_null(hdr);
	mem_deref(resp);
	mem_deref(cr);
	mem_deref(auth);
}

static void algorithm_lists(void **state)
{
	unsigned a = 0;
	(void)state;

	assert_int_equal(0, sipauth_algs_decode(&a, "md5"));
	assert_int_equal(SIPAUTH_MD5, a);
	assert_int_equal(0, sipauth_algs_decode(&a, "SHA-256,md5"));
	assert_int_equal(SIPAUTH_ALGS_ALL, a);
	assert_int_equal(EINVAL, sipauth_algs_decode(&a, "sha-512"));
	assert_int_equal(EINVAL, sipauth_algs_decode(&a, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7616_example),
		cmocka_unit_test(device_checks_each_answer),
		cmocka_unit_test(forgotten_nonces_are_stale),
		cmocka_unit_test(device_refuses_a_downgrade),
		cmocka_unit_test(device_refuses_malformed_credentials),
		cmocka_unit_test(params_decode),
		cmocka_unit_test(client_answers_sha256_first),
		cmocka_unit_test(algorithm_lists),
	};
	int r;

	libre_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();
	return r;
}
