/*
 * Authenticated Identity Bodies for referrals (RFC 3892 §4, RFC 3893),
 * signed and checked with OpenSSL's CMS.
 *
 * The token is a multipart/signed (RFC 1847) of two parts: the AIB, a
 * message/sipfrag of the REFER's From, To, Call-ID, Date, Refer-To and
 * Referred-By (Content-Disposition: aib; handling=optional, RFC 3893 §3),
 * and a detached CMS signature over that part exactly as it is written,
 * its MIME header lines included (RFC 5751 §3.5). We sign in binary mode:
 * the part already has CRLF line ends, so no canonicalisation is needed,
 * and a signer that does canonicalise (openssl cms -sign without -binary)
 * produces the same bytes.
 *
 * The verifier trusts the CAs of one PEM file, refuses a Date more than
 * its window away from now, and remembers the SHA-256 of every signature
 * it took for twice the window in a ring of AIB_REPLAY_SLOTS: a token seen
 * again within that time is a replay. Its limit: once more than
 * AIB_REPLAY_SLOTS tokens come within one window the oldest are forgotten
 * early, and a replay of one of them inside its window would pass.
 */
#include <string.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <re.h>
#include <sipmob/aib.h>
#include <sipmob/sip_hdrs.h>
#include "mime.h"

struct aib_signer {
	X509 *cert;
	EVP_PKEY *key;
};

struct replay_slot {
	uint8_t digest[32];
	time_t until;
};

struct aib_verifier {
	X509_STORE *store;
	uint32_t window;
	struct replay_slot *slots;   /* AIB_REPLAY_SLOTS, a ring */
	size_t next;
};

#define SIPFRAG_DISPOSITION "aib; handling=optional"

static void why_set(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whysz)
		return;
	va_start(ap, fmt);
	(void)re_vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

/* OpenSSL's last error as text, and its queue emptied */
static const char *ssl_error(char *buf, size_t sz)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, buf, sz);
	else
		re_snprintf(buf, sz, "unknown error");
	ERR_clear_error();
	return buf;
}


/* Signing */

static void signer_destructor(void *arg)
{
	struct aib_signer *s = arg;

	X509_free(s->cert);
	EVP_PKEY_free(s->key);
}

int aib_signer_load(struct aib_signer **sp, const char *cert_file,
		    const char *key_file, char *why, size_t whysz)
{
	struct aib_signer *s;
	char ebuf[256];
	FILE *f;
	int err = 0;

	if (!sp || !cert_file || !key_file)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), signer_destructor);
	if (!s)
		return ENOMEM;

	f = fopen(cert_file, "r");
	if (!f) {
		err = errno;
		why_set(why, whysz, "%s: %m", cert_file, err);
		goto out;
	}
	s->cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!s->cert) {
		why_set(why, whysz, "%s: no certificate (%s)", cert_file,
			ssl_error(ebuf, sizeof(ebuf)));
		err = EINVAL;
		goto out;
	}
	f = fopen(key_file, "r");
	if (!f) {
		err = errno;
		why_set(why, whysz, "%s: %m", key_file, err);
		goto out;
	}
	s->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!s->key) {
		why_set(why, whysz, "%s: no private key (%s)", key_file,
			ssl_error(ebuf, sizeof(ebuf)));
		err = EINVAL;
		goto out;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		why_set(why, whysz, "%s does not belong to %s", key_file,
			cert_file);
		ERR_clear_error();
		err = EINVAL;
	}
 out:
	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}

void aib_body_reset(struct aib_body *b)
{
	if (!b)
		return;
	b->ctype = mem_deref(b->ctype);
	b->mb = mem_deref(b->mb);
}

/* RFC 3261 §20.17: "Thu, 21 Feb 2002 13:02:03 GMT" */
static int date_print(char *buf, size_t sz, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sz, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		return EINVAL;
	return 0;
}

static bool date_parse(const struct pl *pl, time_t *t)
{
	char buf[64];
	struct tm tm;
	const char *end;

	if (pl->l >= sizeof(buf))
		return false;
	memcpy(buf, pl->p, pl->l);
	buf[pl->l] = '\0';
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return false;
	*t = timegm(&tm);
	return *t != (time_t)-1;
}

/* A header value must stay on its line */
static bool value_ok(const char *v)
{
	return v && *v && !strpbrk(v, "\r\n");
}

/* The AIB part: its MIME header lines, then the sipfrag */
static int aib_part_print(struct mbuf *mb, const struct aib_fields *f,
			  const char *date)
{
	return mbuf_printf(mb,
			   "Content-Type: message/sipfrag\r\n"
			   "Content-Disposition: " SIPFRAG_DISPOSITION "\r\n"
			   "\r\n"
			   "From: %s\r\n"
			   "To: %s\r\n"
			   "Call-ID: %s\r\n"
			   "Date: %s\r\n"
			   "Refer-To: %s\r\n"
			   "Referred-By: %s\r\n",
			   f->from, f->to, f->call_id, date, f->refer_to,
			   f->referred_by);
}

/* DER of a detached CMS signature over data */
static int cms_sign(const struct aib_signer *s, const uint8_t *data,
		    size_t len, uint8_t **derp, int *derl)
{
	BIO *in = BIO_new_mem_buf(data, (int)len);
	CMS_ContentInfo *cms = NULL;
	int err = 0;

	if (!in)
		return ENOMEM;
	cms = CMS_sign(s->cert, s->key, NULL, in, CMS_DETACHED | CMS_BINARY);
	*derp = NULL;
	*derl = cms ? i2d_CMS_ContentInfo(cms, derp) : -1;
	if (*derl <= 0) {
		char ebuf[256];

		re_fprintf(stderr, "aib: cannot sign: %s\n",
			   ssl_error(ebuf, sizeof(ebuf)));
		err = EINVAL;
	}
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return err;
}

/* base64 in lines of 76 (RFC 2045 §6.8) */
static int base64_lines(struct mbuf *mb, const uint8_t *der, size_t len)
{
	size_t olen = (len + 2) / 3 * 4 + 1;
	char *b64 = mem_alloc(olen, NULL);
	int err;

	if (!b64)
		return ENOMEM;
	err = base64_encode(der, len, b64, &olen);
	for (size_t i = 0; !err && i < olen; i += 76)
		err = mbuf_printf(mb, "%b\r\n", b64 + i,
				  olen - i < 76 ? olen - i : (size_t)76);
	mem_deref(b64);
	return err;
}

int aib_sign(struct aib_body *b, const struct aib_signer *s,
	     const struct aib_fields *f, time_t now)
{
	struct mbuf *part = NULL, *mb = NULL;
	uint8_t *der = NULL;
	char date[64], boundary[40];
	int derl = 0, err;

	if (!b || !s || !f || !value_ok(f->from) || !value_ok(f->to) ||
	    !value_ok(f->call_id) || !value_ok(f->refer_to) ||
	    !value_ok(f->referred_by) || !value_ok(f->cid))
		return EINVAL;
	memset(b, 0, sizeof(*b));

	err = date_print(date, sizeof(date), now);
	if (err)
		return err;
	re_snprintf(boundary, sizeof(boundary), "aib-%016llx", rand_u64());

	part = mbuf_alloc(1024);
	mb = mbuf_alloc(4096);
	if (!part || !mb) {
		err = ENOMEM;
		goto out;
	}
	err = aib_part_print(part, f, date);
	err = err ? err : cms_sign(s, part->buf, part->end, &der, &derl);
	err = err ? err : mbuf_printf(mb, "--%s\r\n%b\r\n--%s\r\n"
				      "Content-Type: application/"
				      "pkcs7-signature; name=smime.p7s\r\n"
				      "Content-Transfer-Encoding: base64\r\n"
				      "Content-Disposition: attachment;"
				      " filename=smime.p7s;"
				      " handling=required\r\n\r\n",
				      boundary, part->buf, part->end,
				      boundary);
	err = err ? err : base64_lines(mb, der, (size_t)derl);
	err = err ? err : mbuf_printf(mb, "\r\n--%s--\r\n", boundary);
	err = err ? err : re_sdprintf(&b->ctype, AIB_CTYPE_SIGNED
				      ";protocol=\"application/"
				      "pkcs7-signature\";micalg=sha-256"
				      ";boundary=%s", boundary);
	if (err)
		goto out;
	mb->pos = 0;
	b->mb = mem_ref(mb);
 out:
	OPENSSL_free(der);
	mem_deref(part);
	mem_deref(mb);
	if (err)
		aib_body_reset(b);
	return err;
}


/* Verifying */

static void verifier_destructor(void *arg)
{
	struct aib_verifier *v = arg;

	X509_STORE_free(v->store);
	mem_deref(v->slots);
}

int aib_verifier_load(struct aib_verifier **vp, const char *ca_file,
		      uint32_t window, char *why, size_t whysz)
{
	struct aib_verifier *v;
	char ebuf[256];
	int err = 0;

	if (!vp || !ca_file)
		return EINVAL;
	v = mem_zalloc(sizeof(*v), verifier_destructor);
	if (!v)
		return ENOMEM;
	v->window = window ? window : AIB_WINDOW_DFL;
	v->slots = mem_zalloc(AIB_REPLAY_SLOTS * sizeof(*v->slots), NULL);
	v->store = X509_STORE_new();
	if (!v->slots || !v->store) {
		err = ENOMEM;
		goto out;
	}
	if (X509_STORE_load_file(v->store, ca_file) != 1) {
		why_set(why, whysz, "%s: no CA certificate (%s)", ca_file,
			ssl_error(ebuf, sizeof(ebuf)));
		err = EINVAL;
	}
 out:
	if (err)
		mem_deref(v);
	else
		*vp = v;
	return err;
}

/* The multipart/signed holding the token, in body of type ctype */
static int find_signed(const struct pl *ctype, const struct pl *body,
		       const struct pl *cid, struct pl *sctype,
		       struct pl *sbody)
{
	struct mime_part partv[MIME_MAXPARTS];
	size_t n = MIME_MAXPARTS;

	if (mime_ctype_is(ctype, "multipart", "signed")) {
		*sctype = *ctype;
		*sbody = *body;
		return 0;
	}
	if (!mime_ctype_is(ctype, "multipart", "mixed"))
		return ENOENT;
	if (mime_parts(body, ctype, partv, &n))
		return EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct pl pct, pid;

		if (!mime_header(&partv[i].hdrs, "Content-Type", &pct) ||
		    !mime_ctype_is(&pct, "multipart", "signed"))
			continue;
		if (cid && pl_isset(cid)) {
			/* Content-ID: <msg-id> */
			if (!mime_header(&partv[i].hdrs, "Content-ID", &pid) ||
			    pid.l != cid->l + 2 || pid.p[0] != '<' ||
			    memcmp(pid.p + 1, cid->p, cid->l))
				continue;
		}
		*sctype = pct;
		*sbody = partv[i].body;
		return 0;
	}
	return ENOENT;
}

int aib_find_part(const struct pl *ctype, const struct pl *body,
		  const char *type, const char *subtype, struct pl *part)
{
	struct mime_part partv[MIME_MAXPARTS];
	size_t n = MIME_MAXPARTS;

	if (!ctype || !body || !type || !subtype || !part)
		return EINVAL;
	if (mime_ctype_is(ctype, type, subtype)) {
		*part = *body;
		return 0;
	}
	if (!mime_ctype_is(ctype, "multipart", "mixed"))
		return ENOENT;
	if (mime_parts(body, ctype, partv, &n))
		return EBADMSG;
	for (size_t i = 0; i < n; i++) {
		struct pl pct;

		if (mime_header(&partv[i].hdrs, "Content-Type", &pct) &&
		    mime_ctype_is(&pct, type, subtype)) {
			*part = partv[i].body;
			return 0;
		}
	}
	return ENOENT;
}

/* base64 text (with line breaks) to DER, in a new buffer */
static int base64_der(const struct pl *text, uint8_t **derp, size_t *derl)
{
	char *clean = mem_alloc(text->l + 1, NULL);
	uint8_t *der;
	size_t n = 0, olen;
	int err;

	if (!clean)
		return ENOMEM;
	for (size_t i = 0; i < text->l; i++) {
		char c = text->p[i];

		if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
			continue;
		clean[n++] = c;
	}
	olen = n / 4 * 3 + 3;
	der = mem_alloc(olen, NULL);
	if (!der || !n) {
		mem_deref(clean);
		mem_deref(der);
		return der ? EBADMSG : ENOMEM;
	}
	err = base64_decode(clean, n, der, &olen);
	mem_deref(clean);
	if (err) {
		mem_deref(der);
		return EBADMSG;
	}
	*derp = der;
	*derl = olen;
	return 0;
}

/* Does the URI (scheme, user, host; port when the name has one) match
 * a certificate's name: a URI, or an email address user@host? */
static bool name_is_referrer(const char *name, size_t len, bool email,
			     const struct uri *ref)
{
	char buf[300];
	struct uri u;
	struct pl pl;

	if (len + 5 >= sizeof(buf) || memchr(name, '\0', len))
		return false;
	re_snprintf(buf, sizeof(buf), "%s%b", email ? "sip:" : "", name,
		    len);
	pl_set_str(&pl, buf);
	if (uri_decode(&u, &pl))
		return false;
	if (!email && pl_casecmp(&u.scheme, &ref->scheme))
		return false;
	if (pl_cmp(&u.user, &ref->user) || pl_casecmp(&u.host, &ref->host))
		return false;
	return email || !u.port || u.port == ref->port;
}

static bool signer_is_referrer(X509 *cert, const struct pl *referred_by,
			       char *name, size_t namesz)
{
	GENERAL_NAMES *gens;
	struct sipreferredby rb;
	struct uri ref;
	bool ok = false;

	if (sipreferredby_decode(&rb, referred_by, NULL, 0) ||
	    uri_decode(&ref, &rb.uri))
		return false;
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && !ok && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *s;

		if (g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else if (g->type == GEN_EMAIL)
			s = g->d.rfc822Name;
		else
			continue;
		ok = name_is_referrer((const char *)ASN1_STRING_get0_data(s),
				      (size_t)ASN1_STRING_length(s),
				      g->type == GEN_EMAIL, &ref);
		if (ok)
			re_snprintf(name, namesz, "%b",
				    ASN1_STRING_get0_data(s),
				    (size_t)ASN1_STRING_length(s));
	}
	GENERAL_NAMES_free(gens);
	return ok;
}

/* The signature over the AIB part: checked against the store, its
 * signer in *signerp (X509_free it). */
static int cms_verify(struct aib_verifier *v, const struct pl *content,
		      const uint8_t *der, size_t derl, X509 **signerp,
		      char *why, size_t whysz)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	STACK_OF(X509) *signers = NULL;
	BIO *dc = NULL;
	char ebuf[256];
	int err = 0;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)derl);
	if (!cms) {
		why_set(why, whysz, "the signature is not CMS (%s)",
			ssl_error(ebuf, sizeof(ebuf)));
		return EBADMSG;
	}
	dc = BIO_new_mem_buf(content->p, (int)content->l);
	if (!dc) {
		err = ENOMEM;
		goto out;
	}
	if (CMS_verify(cms, NULL, v->store, dc, NULL, CMS_BINARY) != 1) {
		why_set(why, whysz, "bad signature (%s)",
			ssl_error(ebuf, sizeof(ebuf)));
		err = EPERM;
		goto out;
	}
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) != 1) {
		why_set(why, whysz, "not one signer");
		err = EPERM;
		goto out;
	}
	*signerp = sk_X509_value(signers, 0);
	X509_up_ref(*signerp);
 out:
	sk_X509_free(signers);
	BIO_free(dc);
	CMS_ContentInfo_free(cms);
	return err;
}

/* The sipfrag's headers we read (RFC 3420: header lines, no start line) */
static int token_read(struct aib_token *tok, const struct pl *frag)
{
	static const struct {
		const char *name;
		size_t off;
	} hv[] = {
		{"Refer-To", offsetof(struct aib_token, refer_to)},
		{"Referred-By", offsetof(struct aib_token, referred_by)},
		{"Call-ID", offsetof(struct aib_token, call_id)},
		{"From", offsetof(struct aib_token, from)},
		{"To", offsetof(struct aib_token, to)},
		{"Date", offsetof(struct aib_token, date)},
	};

	memset(tok, 0, sizeof(*tok));
	for (size_t i = 0; i < ARRAY_SIZE(hv); i++) {
		struct pl *dst = (struct pl *)((char *)tok + hv[i].off);

		if (!mime_header(frag, hv[i].name, dst))
			*dst = (struct pl)PL_INIT;
	}
	if (!pl_isset(&tok->refer_to) || !pl_isset(&tok->referred_by) ||
	    !pl_isset(&tok->date))
		return EBADMSG;
	return date_parse(&tok->date, &tok->when) ? 0 : EBADMSG;
}

static struct replay_slot *replay_find(struct aib_verifier *v,
				       const uint8_t *digest, time_t now)
{
	for (size_t i = 0; i < AIB_REPLAY_SLOTS; i++) {
		struct replay_slot *s = &v->slots[i];

		if (s->until >= now && !memcmp(s->digest, digest, 32))
			return s;
	}
	return NULL;
}

int aib_verify(struct aib_verifier *v, const struct pl *ctype,
	       const struct pl *body, const struct pl *cid, time_t now,
	       struct aib_token *tok, char *why, size_t whysz)
{
	struct mime_part partv[2];
	size_t n = ARRAY_SIZE(partv);
	struct pl sctype, sbody, pct, proto, frag;
	uint8_t *der = NULL, digest[32];
	size_t derl = 0;
	X509 *signer = NULL;
	int err;

	if (!v || !ctype || !body || !tok)
		return EINVAL;
	why_set(why, whysz, "");

	err = find_signed(ctype, body, cid, &sctype, &sbody);
	if (err) {
		why_set(why, whysz, err == ENOENT ? "no signed token" :
			"malformed multipart body");
		return err;
	}
	if (mime_parts(&sbody, &sctype, partv, &n) || n != 2) {
		why_set(why, whysz, "a multipart/signed must have 2 parts");
		return EBADMSG;
	}
	if (mime_ctype_param(&sctype, "protocol", &proto) ||
	    pl_strcasecmp(&proto, "application/pkcs7-signature") ||
	    !mime_header(&partv[1].hdrs, "Content-Type", &pct) ||
	    !mime_ctype_is(&pct, "application", "pkcs7-signature")) {
		why_set(why, whysz, "not an S/MIME signature");
		return EBADMSG;
	}
	if (!mime_header(&partv[0].hdrs, "Content-Type", &pct) ||
	    !mime_ctype_is(&pct, "message", "sipfrag")) {
		why_set(why, whysz, "the signed part is not message/sipfrag");
		return EBADMSG;
	}
	frag = partv[0].body;
	if (token_read(tok, &frag)) {
		why_set(why, whysz, "the AIB lacks Refer-To, Referred-By or"
			" a readable Date");
		return EBADMSG;
	}
	if (base64_der(&partv[1].body, &der, &derl)) {
		why_set(why, whysz, "the signature is not base64");
		return EBADMSG;
	}

	err = cms_verify(v, &partv[0].whole, der, derl, &signer, why, whysz);
	if (err)
		goto out;
	if (!signer_is_referrer(signer, &tok->referred_by, tok->signer,
				sizeof(tok->signer))) {
		why_set(why, whysz, "the signer's certificate does not name"
			" the referrer %r", &tok->referred_by);
		err = EPERM;
		goto out;
	}
	if (tok->when < now - (time_t)v->window ||
	    tok->when > now + (time_t)v->window) {
		why_set(why, whysz, "Date %r is more than %u s from now",
			&tok->date, v->window);
		err = ETIMEDOUT;
		goto out;
	}
	if (!EVP_Digest(der, derl, digest, NULL, EVP_sha256(), NULL)) {
		err = ENOMEM;
		goto out;
	}
	if (replay_find(v, digest, now)) {
		why_set(why, whysz, "a token seen before (replay)");
		err = EALREADY;
		goto out;
	}
	memcpy(v->slots[v->next].digest, digest, sizeof(digest));
	v->slots[v->next].until = tok->when + 2 * (time_t)v->window;
	v->next = (v->next + 1) % AIB_REPLAY_SLOTS;
 out:
	X509_free(signer);
	mem_deref(der);
	return err;
}


/* A program's keys */

int aib_keys_load(struct aib_keys *k, const char *cert, const char *key,
		  const char *ca, uint32_t window, char *why, size_t whysz)
{
	int err = 0;

	if (!k)
		return EINVAL;
	memset(k, 0, sizeof(*k));
	if (!cert != !key) {
		why_set(why, whysz, "--aib-cert and --aib-key go together");
		return EINVAL;
	}
	if (cert)
		err = aib_signer_load(&k->signer, cert, key, why, whysz);
	if (!err && ca)
		err = aib_verifier_load(&k->verifier, ca, window, why, whysz);
	if (err)
		aib_keys_reset(k);
	return err;
}

void aib_keys_reset(struct aib_keys *k)
{
	if (!k)
		return;
	k->signer = mem_deref(k->signer);
	k->verifier = mem_deref(k->verifier);
}
