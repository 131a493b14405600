/*
 * Digest authentication, the client side (RFC 3261 §22.2-22.3): the
 * credentials this UA holds, one per realm, and the Authorization that
 * answers a 401 (or Proxy-Authorization for a 407).
 *
 * libre's sip_auth answers MD5 only, and gives up on the first challenge
 * of another algorithm even when an MD5 one follows (RFC 8760 puts
 * SHA-256 first), so requests we build answer challenges here: SHA-256
 * when offered, else MD5. Each answer uses a fresh nonce from the server,
 * so nc is always 00000001 and the cnonce is random.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include <sipmob/sip_auth.h>

enum { CREDS_MAX = 32, TEXT_MAX = 65536 };

struct cred {
	char realm[128];
	char user[SIPAUTH_USER_MAX];
	char secret[SIPAUTH_SECRET_MAX];
};

struct sipauth_creds {
	struct cred v[CREDS_MAX];
	size_t n;
	sipauth_secret_h *secreth;   /* what is proved, from the secret */
	void *secretarg;
};

static void creds_destructor(void *arg)
{
	struct sipauth_creds *c = arg;

	OPENSSL_cleanse(c->v, sizeof(c->v));
}

/* One field of a line: a run of non-blank bytes that fits in sz */
static bool field(struct pl *line, char *out, size_t sz, bool rest)
{
	struct pl f;

	while (line->l && (line->p[0] == ' ' || line->p[0] == '\t'))
		pl_advance(line, 1);
	f.p = line->p;
	for (f.l = 0; f.l < line->l; f.l++) {
		if (!rest && (f.p[f.l] == ' ' || f.p[f.l] == '\t'))
			break;
	}
	/* the secret is the rest of the line, without trailing blanks */
	while (rest && f.l && (f.p[f.l - 1] == ' ' || f.p[f.l - 1] == '\t' ||
			       f.p[f.l - 1] == '\r'))
		f.l--;
	if (!f.l || f.l >= sz)
		return false;
	(void)pl_strcpy(&f, out, sz);
	pl_advance(line, f.l);
	return true;
}

int sipauth_creds_decode(struct sipauth_creds **credsp, const char *text,
			 unsigned *lineno)
{
	struct sipauth_creds *c;
	struct pl rest, line;
	unsigned no = 0;

	if (!credsp || !text)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), creds_destructor);
	if (!c)
		return ENOMEM;

	pl_set_str(&rest, text);
	while (rest.l) {
		const char *nl = memchr(rest.p, '\n', rest.l);

		line.p = rest.p;
		line.l = nl ? (size_t)(nl - rest.p) : rest.l;
		pl_advance(&rest, line.l + (nl ? 1 : 0));
		no++;

		while (line.l && (line.p[0] == ' ' || line.p[0] == '\t'))
			pl_advance(&line, 1);
		if (!line.l || line.p[0] == '#' || line.p[0] == '\r')
			continue;
		if (c->n == CREDS_MAX ||
		    !field(&line, c->v[c->n].realm, sizeof(c->v[0].realm),
			   false) ||
		    !field(&line, c->v[c->n].user, sizeof(c->v[0].user),
			   false) ||
		    !field(&line, c->v[c->n].secret, sizeof(c->v[0].secret),
			   true)) {
			if (lineno)
				*lineno = no;
			mem_deref(c);
			return EINVAL;
		}
		c->n++;
	}
	*credsp = c;
	return 0;
}

void sipauth_creds_set_secret_handler(struct sipauth_creds *creds,
				      sipauth_secret_h *h, void *arg)
{
	if (!creds)
		return;
	creds->secreth = h;
	creds->secretarg = arg;
}

int sipauth_creds_load(struct sipauth_creds **credsp, const char *path,
		       unsigned *lineno)
{
	char *text;
	size_t n;
	FILE *f;
	int err;

	if (!credsp || !path)
		return EINVAL;
	f = fopen(path, "r");
	if (!f)
		return errno;
	text = mem_zalloc(TEXT_MAX + 1, NULL);
	if (!text) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(text, 1, TEXT_MAX + 1, f);
	err = ferror(f) ? EIO : n > TEXT_MAX ? EFBIG : 0;
	fclose(f);
	if (!err)
		err = sipauth_creds_decode(credsp, text, lineno);
	OPENSSL_cleanse(text, TEXT_MAX);
	mem_deref(text);
	return err;
}

static const struct cred *cred_for(const struct sipauth_creds *c,
				   const struct pl *realm)
{
	for (size_t i = 0; c && i < c->n; i++) {
		if (!pl_strcmp(realm, c->v[i].realm))
			return &c->v[i];
	}
	return NULL;
}

/* "qop" lists "auth" (RFC 7616: a quoted, comma-separated list) */
static bool offers_auth(const struct pl *qop)
{
	struct pl v = *qop, tok;

	while (v.l && !re_regex(v.p, v.l, "[ \t]*[^, \t]+", NULL, &tok)) {
		if (!pl_strcasecmp(&tok, "auth"))
			return true;
		pl_advance(&v, (size_t)(tok.p + tok.l - v.p));
		while (v.l && (v.p[0] == ',' || v.p[0] == ' '))
			pl_advance(&v, 1);
	}
	return false;
}

struct pick {
	const struct sipauth_creds *creds;
	struct sipauth_params p;
	enum sipauth_alg alg;
	bool found;
};

static bool pick_challenge(const struct sip_hdr *hdr,
			   const struct sip_msg *msg, void *arg)
{
	struct pick *pk = arg;
	struct sipauth_params p;
	enum sipauth_alg alg;
	(void)msg;

	if (sipauth_params_decode(&p, &hdr->val) || !pl_isset(&p.nonce) ||
	    !cred_for(pk->creds, &p.realm))
		return false;
	if (!pl_isset(&p.algorithm) || !pl_strcasecmp(&p.algorithm, "MD5"))
		alg = SIPAUTH_MD5;
	else if (!pl_strcasecmp(&p.algorithm, "SHA-256"))
		alg = SIPAUTH_SHA256;
	else
		return false;   /* skip it, as RFC 8760 §2.4 says */
	if (pl_isset(&p.qop) && !offers_auth(&p.qop))
		return false;
	if (pk->found && pk->alg == SIPAUTH_SHA256)
		return true;
	pk->p = p;
	pk->alg = alg;
	pk->found = true;
	return alg == SIPAUTH_SHA256;
}

int sipauth_answer(char **hdrp, const struct sipauth_creds *creds,
		   const struct sip_msg *resp, const char *method,
		   const char *uri, bool *stale)
{
	struct pick pk = {.creds = creds};
	char response[SIPAUTH_HEX_MAX], cnonce[17];
	const struct cred *cr;
	struct sipauth_digest d;
	uint8_t rnd[8];
	bool proxy;
	int err;

	if (!hdrp || !resp || !method || !uri)
		return EINVAL;
	proxy = resp->scode == 407;
	(void)sip_msg_hdr_apply(resp, true, proxy ? SIP_HDR_PROXY_AUTHENTICATE
				: SIP_HDR_WWW_AUTHENTICATE, pick_challenge,
				&pk);
	if (!pk.found)
		return ENOENT;
	cr = cred_for(creds, &pk.p.realm);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;
	(void)re_snprintf(cnonce, sizeof(cnonce), "%w", rnd, sizeof(rnd));

	d.alg = pk.alg;
	pl_set_str(&d.user, cr->user);
	d.realm = pk.p.realm;
	pl_set_str(&d.method, method);
	pl_set_str(&d.uri, uri);
	d.nonce = pk.p.nonce;
	pl_set_str(&d.nc, "00000001");
	pl_set_str(&d.cnonce, cnonce);
	pl_set_str(&d.qop, "auth");
	if (creds->secreth) {
		char realm[sizeof(cr->realm)], proved[SIPAUTH_SECRET_MAX];

		(void)pl_strcpy(&pk.p.realm, realm, sizeof(realm));
		err = creds->secreth(realm, cr->secret, proved,
				     creds->secretarg);
		err = err ? err : sipauth_digest_response(response, &d,
							  proved);
		OPENSSL_cleanse(proved, sizeof(proved));
	}
	else
		err = sipauth_digest_response(response, &d, cr->secret);
	if (err)
		return err;

	if (stale)
		*stale = pl_isset(&pk.p.stale) &&
			!pl_strcasecmp(&pk.p.stale, "true");

	return re_sdprintf(hdrp, "%s: Digest username=\"%s\", realm=\"%r\","
			   " nonce=\"%r\", uri=\"%s\", response=\"%s\","
			   " algorithm=%s, qop=auth, nc=00000001,"
			   " cnonce=\"%s\"%s%r%s\r\n",
			   proxy ? "Proxy-Authorization" : "Authorization",
			   cr->user, &pk.p.realm, &pk.p.nonce, uri, response,
			   sipauth_alg_name(pk.alg), cnonce,
			   pl_isset(&pk.p.opaque) ? ", opaque=\"" : "",
			   &pk.p.opaque, pl_isset(&pk.p.opaque) ? "\"" : "");
}
