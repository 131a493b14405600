/*
 * Authenticated referral tokens (RFC 3892 §4, RFC 3893; src/sip/aib.c):
 * a token the referrer signs verifies, alone and inside a multipart/mixed
 * next to an SDP offer; and it is refused, each for its own reason, when
 * a signed header is changed, when someone the verifier does not trust
 * signs it (a rogue CA's certificate naming the same referrer), when the
 * certificate names someone else, when its Date is out of the window
 * (past or future), and when it comes a second time. The keys and
 * certificates are made here, at run time, in a temporary folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <re.h>
#include <sipmob/aib.h>

#define REFERRER "sip:alice@127.0.0.1:5060"
#define REFER_TO "<sip:cn@127.0.0.1:5080;audio?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>"

static char dir[64];

static EVP_PKEY *key_new(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void ext_add(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(cert, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A certificate for key, signed by ikey (NULL: self-signed CA) */
static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer,
		      EVP_PKEY *ikey, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	assert_non_null(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), (long)rand_u32() >> 1);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	if (!issuer)
		ext_add(c, c, NID_basic_constraints, "critical,CA:TRUE");
	if (san)
		ext_add(c, issuer, NID_subject_alt_name, san);
	assert_true(X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return c;
}

static void write_cert(const char *file, X509 *c)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	PEM_write_X509(f, c);
	fclose(f);
}

static void write_key(const char *file, EVP_PKEY *k)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

/* ca: our CA; mn: the referrer's certificate from it; rogue: a CA we do
 * not trust, and its certificate naming the same referrer; bob: from our
 * CA, naming someone else */
static int setup(void **state)
{
	EVP_PKEY *ca_k = key_new(), *mn_k = key_new(), *rg_k = key_new();
	EVP_PKEY *rgmn_k = key_new(), *bob_k = key_new();
	X509 *ca = cert_new(ca_k, "sipmob test CA", NULL, NULL, NULL);
	X509 *rg = cert_new(rg_k, "rogue CA", NULL, NULL, NULL);
	X509 *mn = cert_new(mn_k, "alice", ca, ca_k, "URI:" REFERRER);
	X509 *rgmn = cert_new(rgmn_k, "alice", rg, rg_k, "URI:" REFERRER);
	X509 *bob = cert_new(bob_k, "bob", ca, ca_k,
			     "URI:sip:bob@127.0.0.1:5062");
	(void)state;

	snprintf(dir, sizeof(dir), "/tmp/test_sip_aib.XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_cert("ca.crt", ca);
	write_cert("mn.crt", mn);
	write_key("mn.key", mn_k);
	write_cert("rogue.crt", rgmn);
	write_key("rogue.key", rgmn_k);
	write_cert("bob.crt", bob);
	write_key("bob.key", bob_k);
	X509_free(ca); X509_free(rg); X509_free(mn); X509_free(rgmn);
	X509_free(bob);
	EVP_PKEY_free(ca_k); EVP_PKEY_free(mn_k); EVP_PKEY_free(rg_k);
	EVP_PKEY_free(rgmn_k); EVP_PKEY_free(bob_k);
	return 0;
}

static int teardown(void **state)
{
	static const char *files[] = {"ca.crt", "mn.crt", "mn.key",
		"rogue.crt", "rogue.key", "bob.crt", "bob.key"};
	char path[128];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

static struct aib_signer *signer(const char *who)
{
	struct aib_signer *s = NULL;
	char cert[128], key[128], why[256] = "";

	snprintf(cert, sizeof(cert), "%s/%s.crt", dir, who);
	snprintf(key, sizeof(key), "%s/%s.key", dir, who);
	if (aib_signer_load(&s, cert, key, why, sizeof(why)))
		fail_msg("signer %s: %s", who, why);
	return s;
}

static struct aib_verifier *verifier(void)
{
	struct aib_verifier *v = NULL;
	char ca[128], why[256] = "";

	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	if (aib_verifier_load(&v, ca, 60, why, sizeof(why)))
		fail_msg("verifier: %s", why);
	return v;
}

static const struct aib_fields fields = {
	.from = "<" REFERRER ">;tag=1234",
	.to = "<sip:speaker@127.0.0.1:5071>",
	.call_id = "refer-1@127.0.0.1",
	.refer_to = REFER_TO,
	.referred_by = "<" REFERRER ">;cid=\"aib-1@127.0.0.1\"",
	.cid = "aib-1@127.0.0.1",
};

static void sign(struct aib_body *b, const char *who,
		 const struct aib_fields *f, time_t when)
{
	struct aib_signer *s = signer(who);

	assert_int_equal(aib_sign(b, s, f, when), 0);
	mem_deref(s);
}

static int verify(struct aib_verifier *v, const struct aib_body *b,
		  time_t now, struct aib_token *tok, char *why, size_t sz)
{
	struct pl ctype, body;

	pl_set_str(&ctype, b->ctype);
	body = (struct pl){(const char *)b->mb->buf, b->mb->end};
	return aib_verify(v, &ctype, &body, NULL, now, tok, why, sz);
}

static void round_trip(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "";
	(void)state;

	sign(&b, "mn", &fields, now);
	if (verify(v, &b, now + 5, &tok, why, sizeof(why)))
		fail_msg("a good token: %s", why);
	assert_int_equal(pl_strcmp(&tok.refer_to, REFER_TO), 0);
	assert_int_equal(pl_strcmp(&tok.referred_by, fields.referred_by), 0);
	assert_int_equal(pl_strcmp(&tok.call_id, fields.call_id), 0);
	assert_int_equal(pl_strcmp(&tok.from, fields.from), 0);
	assert_int_equal(pl_strcmp(&tok.to, fields.to), 0);
	assert_true(tok.when == now);
	assert_string_equal(tok.signer, REFERRER);
	aib_body_reset(&b);
	mem_deref(v);
}

/* RFC 3892 §5: the referee's INVITE carries the offer and the token */
static void inside_multipart_mixed(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	struct pl ctype = PL("multipart/mixed;boundary=outer"), body, cid;
	struct pl sdp;
	time_t now = time(NULL);
	char why[256] = "", *mixed = NULL;
	(void)state;

	sign(&b, "mn", &fields, now);
	assert_int_equal(re_sdprintf(&mixed, "--outer\r\n"
		"Content-Type: application/sdp\r\n\r\nv=0\r\n\r\n"
		"--outer\r\nContent-Type: %s\r\n"
		"Content-ID: <aib-1@127.0.0.1>\r\n\r\n%b\r\n--outer--\r\n",
		b.ctype, b.mb->buf, b.mb->end), 0);
	pl_set_str(&body, mixed);
	pl_set_str(&cid, "aib-1@127.0.0.1");
	if (aib_verify(v, &ctype, &body, &cid, now, &tok, why, sizeof(why)))
		fail_msg("inside multipart/mixed: %s", why);
	assert_int_equal(aib_find_part(&ctype, &body, "application", "sdp",
				       &sdp), 0);
	assert_int_equal(pl_strcmp(&sdp, "v=0\r\n"), 0);

	pl_set_str(&cid, "other@127.0.0.1");
	assert_int_equal(aib_verify(v, &ctype, &body, &cid, now, &tok, why,
				    sizeof(why)), ENOENT);
	mem_deref(mixed);
	aib_body_reset(&b);
	mem_deref(v);
}

static void tampered_header_fails(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "", *at;
	(void)state;

	sign(&b, "mn", &fields, now);
	/* another dialog to replace: to-tag 1 becomes 9 */
	at = memmem(b.mb->buf, b.mb->end, "to-tag%3D1", 10);
	assert_non_null(at);
	at[strlen("to-tag%3D")] = '9';
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), EPERM);
	assert_non_null(strstr(why, "bad signature"));
	aib_body_reset(&b);
	mem_deref(v);
}

static void untrusted_signer_fails(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "";
	(void)state;

	sign(&b, "rogue", &fields, now);
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), EPERM);
	assert_non_null(strstr(why, "bad signature"));
	aib_body_reset(&b);
	mem_deref(v);
}

/* bob's certificate is good, but he signs in alice's name */
static void wrong_signer_fails(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "";
	(void)state;

	sign(&b, "bob", &fields, now);
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), EPERM);
	assert_non_null(strstr(why, "does not name the referrer"));
	aib_body_reset(&b);
	mem_deref(v);
}

static void expired_date_fails(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "";
	(void)state;

	sign(&b, "mn", &fields, now - 61);
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)),
			 ETIMEDOUT);
	aib_body_reset(&b);
	sign(&b, "mn", &fields, now + 61);   /* from the future */
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)),
			 ETIMEDOUT);
	aib_body_reset(&b);
	sign(&b, "mn", &fields, now - 59);   /* late, but within */
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), 0);
	aib_body_reset(&b);
	mem_deref(v);
}

static void replay_fails(void **state)
{
	struct aib_verifier *v = verifier();
	struct aib_body b, b2;
	struct aib_token tok;
	time_t now = time(NULL);
	char why[256] = "";
	(void)state;

	sign(&b, "mn", &fields, now);
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), 0);
	assert_int_equal(verify(v, &b, now + 1, &tok, why, sizeof(why)),
			 EALREADY);
	/* the same headers signed again are a new token */
	sign(&b2, "mn", &fields, now);
	assert_int_equal(verify(v, &b2, now + 1, &tok, why, sizeof(why)), 0);
	aib_body_reset(&b);
	aib_body_reset(&b2);

	/* a refused token is not remembered: a tampered copy sent first
	 * (the same signature, another Refer-To) cannot block the genuine */
	sign(&b, "mn", &fields, now);
	b2.ctype = mem_ref(b.ctype);
	b2.mb = mbuf_alloc(b.mb->end);
	assert_non_null(b2.mb);
	assert_int_equal(mbuf_write_mem(b2.mb, b.mb->buf, b.mb->end), 0);
	b2.mb->buf[(uint8_t *)memmem(b.mb->buf, b.mb->end, "to-tag%3D1",
				     10) - b.mb->buf + 9] = '7';
	assert_int_equal(verify(v, &b2, now, &tok, why, sizeof(why)), EPERM);
	assert_int_equal(verify(v, &b, now, &tok, why, sizeof(why)), 0);
	aib_body_reset(&b);
	aib_body_reset(&b2);
	mem_deref(v);
}

static void malformed_bodies_are_refused(void **state)
{
	static const char *bodies[] = {
		"",
		"--b\r\n",
		"--b\r\nContent-Type: message/sipfrag\r\n\r\nDate: x\r\n--b--",
		"--b\r\nContent-Type: message/sipfrag\r\n\r\nRefer-To: a\r\n"
		"\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\n"
		"AAAA\r\n--b--\r\n",
		"--b\r\nContent-Type: message/sipfrag\r\n\r\nRefer-To: a\r\n"
		"Referred-By: <sip:a@b>\r\nDate: Thu, 01 Jan 2026 00:00:00"
		" GMT\r\n\r\n--b\r\nContent-Type: application/pkcs7-signature"
		"\r\n\r\n!!!!\r\n--b--\r\n",
	};
	struct aib_verifier *v = verifier();
	struct pl ctype = PL("multipart/signed;protocol=\"application/"
			     "pkcs7-signature\";boundary=b");
	struct aib_token tok;
	char why[256];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		struct pl body;

		pl_set_str(&body, bodies[i]);
		assert_int_equal(aib_verify(v, &ctype, &body, NULL, 0, &tok,
					    why, sizeof(why)), EBADMSG);
	}
	pl_set_str(&ctype, "application/sdp");
	assert_int_equal(aib_verify(v, &ctype, &ctype, NULL, 0, &tok, why,
				    sizeof(why)), ENOENT);
	mem_deref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(inside_multipart_mixed),
		cmocka_unit_test(tampered_header_fails),
		cmocka_unit_test(untrusted_signer_fails),
		cmocka_unit_test(wrong_signer_fails),
		cmocka_unit_test(expired_date_fails),
		cmocka_unit_test(replay_fails),
		cmocka_unit_test(malformed_bodies_are_refused),
	};
	int r;

	(void)libre_init();
	r = cmocka_run_group_tests(tests, setup, teardown);
	libre_close();
	return r;
}
