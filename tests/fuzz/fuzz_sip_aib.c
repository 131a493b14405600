/*
 * Fuzz harness for the authenticated-referral token reader (src/sip/aib.c,
 * src/sip/mime.c): the multipart parsing, the AIB's sipfrag and Date, the
 * base64 and CMS decoding and the signature check. The input is a
 * Content-Type value, a line feed, then the body. Any input may be
 * refused; nothing may crash, and a token is never taken: the verifier
 * trusts only a CA made here, whose key signs nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <re.h>
#include <sipmob/aib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A self-signed CA in a temporary file, for the verifier to trust */
static struct aib_verifier *verifier_make(void)
{
	struct aib_verifier *v = NULL;
	char path[] = "/tmp/fuzz_sip_aib.XXXXXX";
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *c = X509_new();
	FILE *f;
	int fd;

	if (!k || !c)
		abort();
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN",
				   MBSTRING_ASC,
				   (const unsigned char *)"fuzz CA", -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(c));
	X509_set_pubkey(c, k);
	if (X509_sign(c, k, EVP_sha256()) <= 0)
		abort();
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		abort();
	PEM_write_X509(f, c);
	fclose(f);
	if (aib_verifier_load(&v, path, 60, NULL, 0))
		abort();
	unlink(path);
	X509_free(c);
	EVP_PKEY_free(k);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aib_verifier *v;
	const uint8_t *nl = memchr(data, '\n', size);
	struct pl ctype, body, cid = PL("aib@fuzz"), part;
	struct aib_token tok;
	char why[256];

	if (!v)
		v = verifier_make();
	if (!nl)
		return 0;
	ctype = (struct pl){(const char *)data, (size_t)(nl - data)};
	body = (struct pl){(const char *)nl + 1, size - (size_t)(nl - data) - 1};

	if (!aib_verify(v, &ctype, &body, NULL, 1764547200, &tok, why,
			sizeof(why)))
		abort();   /* nobody holds the CA's key */
	(void)aib_verify(v, &ctype, &body, &cid, 1764547200, &tok, why,
			 sizeof(why));
	if (!aib_find_part(&ctype, &body, "application", "sdp", &part) &&
	    (part.p < body.p || part.p + part.l > body.p + body.l))
		abort();   /* a part lies inside the body */
	return 0;
}
