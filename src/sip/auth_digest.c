/*
 * The Digest response (RFC 7616 §3.4.1 with qop=auth, as RFC 3261 §22.4
 * and RFC 8760 use it for SIP), in MD5 or SHA-256 through OpenSSL's EVP:
 *
 *   A1 = user:realm:secret   A2 = method:uri
 *   response = H(H(A1):nonce:nc:cnonce:qop:H(A2))
 *
 * Both hashes are computed the same way; only the EVP_MD differs.
 */
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <re.h>
#include <sipmob/sip_auth.h>

const char *sipauth_alg_name(enum sipauth_alg alg)
{
	return alg == SIPAUTH_SHA256 ? "SHA-256" : "MD5";
}

int sipauth_algs_decode(unsigned *algs, const char *s)
{
	struct pl v, tok;

	if (!algs || !s)
		return EINVAL;
	*algs = 0;
	pl_set_str(&v, s);
	while (v.l) {
		if (re_regex(v.p, v.l, "[^,]+", &tok))
			return EINVAL;
		if (!pl_strcasecmp(&tok, "sha-256"))
			*algs |= SIPAUTH_SHA256;
		else if (!pl_strcasecmp(&tok, "md5"))
			*algs |= SIPAUTH_MD5;
		else
			return EINVAL;
		pl_advance(&v, (size_t)(tok.p + tok.l - v.p));
		if (v.l)
			pl_advance(&v, 1);   /* the comma */
	}
	return *algs ? 0 : EINVAL;
}

/* H of the parts joined by ':', in lowercase hex */
static int hash_hex(char hex[SIPAUTH_HEX_MAX], enum sipauth_alg alg,
		    const struct pl *parts, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return ENOMEM;
	ok = EVP_DigestInit_ex(ctx, alg == SIPAUTH_SHA256 ? EVP_sha256() :
			       EVP_md5(), NULL);
	for (size_t i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok && parts[i].l)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].l);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen * 2 >= SIPAUTH_HEX_MAX)
		return EPROTO;

	for (unsigned i = 0; i < mdlen; i++) {
		hex[2 * i]     = "0123456789abcdef"[md[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[md[i] & 0xf];
	}
	hex[2 * mdlen] = '\0';
	return 0;
}

int sipauth_digest_response(char hex[SIPAUTH_HEX_MAX],
			    const struct sipauth_digest *d,
			    const char *secret)
{
	char ha1[SIPAUTH_HEX_MAX], ha2[SIPAUTH_HEX_MAX];
	struct pl a1[3], a2[2], r[6];
	int err;

	if (!hex || !d || !secret)
		return EINVAL;

	a1[0] = d->user;
	a1[1] = d->realm;
	pl_set_str(&a1[2], secret);
	a2[0] = d->method;
	a2[1] = d->uri;
	err  = hash_hex(ha1, d->alg, a1, 3);
	err |= hash_hex(ha2, d->alg, a2, 2);
	if (err)
		return EPROTO;

	pl_set_str(&r[0], ha1);
	r[1] = d->nonce;
	r[2] = d->nc;
	r[3] = d->cnonce;
	r[4] = d->qop;
	pl_set_str(&r[5], ha2);
	return hash_hex(hex, d->alg, r, 6);
}
