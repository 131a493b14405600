/*
 * Digest authentication, the server side (RFC 3261 §22.4, RFC 7616,
 * RFC 8760): the challenge a device sends and the check of the answer.
 *
 * A nonce is "TTTTTTTTTTTTTTTTSSSSSSSSMMMM...": the time it was made (s, 16
 * hex), 4 random bytes (so that two challenges in one second differ: each
 * client starts its nc at 1) and the first 16 bytes of
 * HMAC-SHA256(key, time|salt|address|realm), all in hex.
 * The key is drawn at start, so only this process's nonces verify, each
 * only from the address it was given to, and its age is read from the
 * nonce itself: nothing is stored until a nonce is used. Then its highest
 * nc is kept for the nonce's lifetime, and an nc not above it is a
 * replay. The table is bounded: when full, the oldest entry goes and every
 * nonce made before it counts as expired (stale), so that forgetting an
 * nc can never let a replay through. Lookups walk the table (O(N), N at
 * most NC_MAX); a hash would pay off only with far more clients than a
 * room device has.
 *
 * The address is the IP without the port: a phone that reconnects over
 * TCP, or comes back through the same NAT on another port, is the same
 * client.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <re.h>
#include <sipmob/sip_auth.h>

enum {
	KEY_LEN       = 32,
	SALT_LEN      = 4,
	MAC_LEN       = 16,
	NONCE_LEN     = 16 + 2 * SALT_LEN + 2 * MAC_LEN,
	LIFETIME_DFL  = 300,
	NC_MAX        = 1024,
	SECRETS_MAX   = 4,
};

struct nc_entry {
	struct le le;
	char nonce[NONCE_LEN + 1];
	uint64_t made;      /* the nonce's time */
	uint32_t nc;        /* the highest nc accepted */
};

struct sipauth {
	char *realm;
	uint8_t key[KEY_LEN];
	uint32_t lifetime;
	sipauth_secrets_h *secretsh;
	sipauth_algs_h *algsh;
	void *arg;
	struct list ncs;    /* struct nc_entry, in order of first use */
	uint64_t floor;     /* nonces made before this are stale */
};

static void destructor(void *arg)
{
	struct sipauth *auth = arg;

	list_flush(&auth->ncs);
	OPENSSL_cleanse(auth->key, sizeof(auth->key));
	mem_deref(auth->realm);
}

int sipauth_alloc(struct sipauth **authp, const struct sipauth_conf *conf)
{
	struct sipauth *auth;
	int err;

	if (!authp || !conf || !conf->realm || !conf->secretsh)
		return EINVAL;

	auth = mem_zalloc(sizeof(*auth), destructor);
	if (!auth)
		return ENOMEM;

	err = str_dup(&auth->realm, conf->realm);
	if (!err && RAND_bytes(auth->key, sizeof(auth->key)) != 1)
		err = EIO;
	if (err) {
		mem_deref(auth);
		return err;
	}
	auth->lifetime = conf->nonce_lifetime ? conf->nonce_lifetime :
		LIFETIME_DFL;
	auth->secretsh = conf->secretsh;
	auth->algsh = conf->algsh;
	auth->arg = conf->arg;
	*authp = auth;
	return 0;
}

const char *sipauth_realm(const struct sipauth *auth)
{
	return auth ? auth->realm : NULL;
}

const char *sipauth_outcome_name(enum sipauth_outcome o)
{
	switch (o) {
	case SIPAUTH_OK:        return "ok";
	case SIPAUTH_NONE:      return "no credentials";
	case SIPAUTH_MALFORMED: return "malformed credentials";
	case SIPAUTH_FOREIGN:   return "nonce not ours or not this source's";
	case SIPAUTH_WRONG:     return "wrong credentials";
	case SIPAUTH_STALE:     return "nonce expired";
	case SIPAUTH_REPLAY:    return "replayed nonce count";
	}
	return "?";
}

static uint64_t now_s(void)
{
	return tmr_jiffies() / 1000;
}


/* Nonces */

static int nonce_mac(const struct sipauth *auth, const struct sa *src,
		     uint64_t made, const char *salt,
		     char hex[2 * MAC_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char data[256];
	int n;

	n = re_snprintf(data, sizeof(data), "%016llx|%b|%j|%s",
			(unsigned long long)made, salt, (size_t)2 * SALT_LEN,
			src, auth->realm);
	if (n < 0 || (size_t)n >= sizeof(data))
		return EOVERFLOW;
	if (!HMAC(EVP_sha256(), auth->key, sizeof(auth->key),
		  (const unsigned char *)data, (size_t)n, mac, &maclen) ||
	    maclen < MAC_LEN)
		return EPROTO;
	for (unsigned i = 0; i < MAC_LEN; i++) {
		hex[2 * i]     = "0123456789abcdef"[mac[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[mac[i] & 0xf];
	}
	hex[2 * MAC_LEN] = '\0';
	return 0;
}

int sipauth_nonce(const struct sipauth *auth, const struct sa *src,
		  uint64_t now, char *buf, size_t sz)
{
	char mac[2 * MAC_LEN + 1], salt[2 * SALT_LEN + 1];
	uint8_t rnd[SALT_LEN];
	int err;

	if (!auth || !src || !buf || sz < NONCE_LEN + 1)
		return EINVAL;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;
	(void)re_snprintf(salt, sizeof(salt), "%w", rnd, sizeof(rnd));
	err = nonce_mac(auth, src, now, salt, mac);
	if (err)
		return err;
	(void)re_snprintf(buf, sz, "%016llx%s%s", (unsigned long long)now,
			  salt, mac);
	return 0;
}

/* The time a nonce was made, if we made it for src */
static bool nonce_ours(const struct sipauth *auth, const struct sa *src,
		       const struct pl *nonce, uint64_t *made)
{
	char mac[2 * MAC_LEN + 1];
	uint64_t t = 0;

	if (nonce->l != NONCE_LEN)
		return false;
	for (size_t i = 0; i < 16; i++) {
		char c = nonce->p[i];

		if (c >= '0' && c <= '9')
			t = t << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			t = t << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	if (nonce_mac(auth, src, t, nonce->p + 16, mac) ||
	    CRYPTO_memcmp(mac, nonce->p + 16 + 2 * SALT_LEN, 2 * MAC_LEN))
		return false;
	*made = t;
	return true;
}


/* Nonce counts */

static void nc_prune(struct sipauth *auth, uint64_t now)
{
	struct le *le = auth->ncs.head;

	while (le) {
		struct nc_entry *e = le->data;

		le = le->next;
		if (e->made + auth->lifetime < now) {
			list_unlink(&e->le);
			mem_deref(e);
		}
	}
}

/* Records nc for nonce; false when it is not above the last one. */
static bool nc_advance(struct sipauth *auth, const struct pl *nonce,
		       uint64_t made, uint32_t nc)
{
	struct nc_entry *e;

	for (struct le *le = auth->ncs.head; le; le = le->next) {
		e = le->data;
		if (!pl_strcmp(nonce, e->nonce)) {
			if (nc <= e->nc)
				return false;
			e->nc = nc;
			return true;
		}
	}

	if (list_count(&auth->ncs) >= NC_MAX) {
		e = list_ledata(auth->ncs.head);
		auth->floor = MAX(auth->floor, e->made + 1);
		list_unlink(&e->le);
		mem_deref(e);
		if (made < auth->floor)
			return false;
	}

	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return false;   /* refused: better than unrecorded */
	(void)pl_strcpy(nonce, e->nonce, sizeof(e->nonce));
	e->made = made;
	e->nc = nc;
	list_append(&auth->ncs, &e->le, e);
	return true;
}

static bool nc_decode(const struct pl *pl, uint32_t *nc)
{
	uint32_t v = 0;

	if (pl->l != 8)
		return false;
	for (size_t i = 0; i < 8; i++) {
		char c = pl->p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return false;
	}
	*nc = v;
	return v > 0;
}


/* Verification */

struct find {
	const struct sipauth *auth;
	struct sipauth_params p;
	bool found, malformed;
};

/* The first Digest credentials for our realm */
static bool find_creds(const struct sip_hdr *hdr, const struct sip_msg *msg,
		       void *arg)
{
	struct find *f = arg;
	struct sipauth_params p;
	(void)msg;

	if (sipauth_params_decode(&p, &hdr->val)) {
		f->malformed = true;
		return false;
	}
	if (pl_strcmp(&p.realm, f->auth->realm))
		return false;
	f->p = p;
	f->found = true;
	return true;
}

static bool proves_a_secret(const struct sipauth *auth,
			    const struct sipauth_digest *d,
			    const char *user, const struct pl *response)
{
	char secrets[SECRETS_MAX][SIPAUTH_SECRET_MAX];
	char want[SIPAUTH_HEX_MAX], got[SIPAUTH_HEX_MAX];
	bool ok = false;
	size_t n;

	if (response->l >= sizeof(got))
		return false;
	for (size_t i = 0; i < response->l; i++)
		got[i] = (char)(response->p[i] | 0x20);   /* hex: lowercase */
	got[response->l] = '\0';

	n = auth->secretsh(user, secrets, SECRETS_MAX, auth->arg);
	for (size_t i = 0; i < MIN(n, (size_t)SECRETS_MAX); i++) {
		secrets[i][SIPAUTH_SECRET_MAX - 1] = '\0';
		if (!sipauth_digest_response(want, d, secrets[i]) &&
		    strlen(want) == response->l &&
		    !CRYPTO_memcmp(want, got, response->l))
			ok = true;   /* and go on: same time for every secret */
	}
	OPENSSL_cleanse(secrets, sizeof(secrets));
	return ok;
}

void sipauth_verify_at(struct sipauth *auth, const struct sip_msg *msg,
		       uint64_t now, struct sipauth_result *res)
{
	struct find f = {.auth = auth};
	struct sipauth_digest d;
	unsigned algs;
	uint64_t made;
	uint32_t nc;

	memset(res, 0, sizeof(*res));
	res->outcome = SIPAUTH_NONE;
	if (!auth || !msg)
		return;

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_AUTHORIZATION, find_creds,
				&f);
	if (!f.found) {
		res->outcome = f.malformed ? SIPAUTH_MALFORMED : SIPAUTH_NONE;
		return;
	}

	res->outcome = SIPAUTH_MALFORMED;
	if (!pl_isset(&f.p.username) ||
	    f.p.username.l >= sizeof(res->user) || !pl_isset(&f.p.nonce) ||
	    !pl_isset(&f.p.response) || !pl_isset(&f.p.uri) ||
	    !pl_isset(&f.p.cnonce) || pl_strcmp(&f.p.qop, "auth") ||
	    !nc_decode(&f.p.nc, &nc))
		return;   /* without qop=auth there is no nc to track */
	if (memchr(f.p.username.p, '\0', f.p.username.l) ||
	    memchr(f.p.username.p, '\\', f.p.username.l))
		return;   /* quoted-pairs in a user name: none of ours */
	(void)pl_strcpy(&f.p.username, res->user, sizeof(res->user));

	/* RFC 7616 §3.4: no algorithm means MD5 */
	if (!pl_isset(&f.p.algorithm) || !pl_strcasecmp(&f.p.algorithm, "MD5"))
		res->alg = SIPAUTH_MD5;
	else if (!pl_strcasecmp(&f.p.algorithm, "SHA-256"))
		res->alg = SIPAUTH_SHA256;
	else
		return;

	/* the answer is for this request: RFC 3261 §22.4 digest-uri */
	if (pl_cmp(&f.p.uri, &msg->ruri))
		return;

	if (!nonce_ours(auth, &msg->src, &f.p.nonce, &made)) {
		res->outcome = SIPAUTH_FOREIGN;
		return;
	}

	/* an algorithm this user may not use is no proof (no downgrade) */
	algs = auth->algsh ? auth->algsh(res->user, auth->arg) :
		SIPAUTH_ALGS_ALL;
	d = (struct sipauth_digest){res->alg, f.p.username, f.p.realm,
		msg->met, f.p.uri, f.p.nonce, f.p.nc, f.p.cnonce, f.p.qop};
	if (!(algs & res->alg) ||
	    !proves_a_secret(auth, &d, res->user, &f.p.response)) {
		res->outcome = SIPAUTH_WRONG;
		return;
	}

	nc_prune(auth, now);
	if (made + auth->lifetime < now || made < auth->floor) {
		res->outcome = SIPAUTH_STALE;
		return;
	}
	if (!nc_advance(auth, &f.p.nonce, made, nc)) {
		res->outcome = made < auth->floor ? SIPAUTH_STALE :
			SIPAUTH_REPLAY;
		return;
	}
	res->outcome = SIPAUTH_OK;
}

void sipauth_verify(struct sipauth *auth, const struct sip_msg *msg,
		    struct sipauth_result *res)
{
	sipauth_verify_at(auth, msg, now_s(), res);
}


/* The challenge */

struct chall {
	const struct sipauth *auth;
	const char *nonce;
	unsigned algs;
	bool stale;
};

/* RFC 8760 §2.4: the preferred algorithm first */
static int chall_print(struct re_printf *pf, const struct chall *c)
{
	static const enum sipauth_alg order[] = {SIPAUTH_SHA256, SIPAUTH_MD5};
	int err = 0;

	for (size_t i = 0; i < 2; i++) {
		if (!(c->algs & order[i]))
			continue;
		err |= re_hprintf(pf, "WWW-Authenticate: Digest realm=\"%s\","
				  " nonce=\"%s\", algorithm=%s, qop=\"auth\""
				  "%s\r\n", c->auth->realm, c->nonce,
				  sipauth_alg_name(order[i]),
				  c->stale ? ", stale=true" : "");
	}
	return err;
}

int sipauth_challenge(struct sipauth *auth, struct sip *sip,
		      const struct sip_msg *msg,
		      const struct sipauth_result *res)
{
	char nonce[NONCE_LEN + 1], user[SIPAUTH_USER_MAX] = "";
	struct chall c = {auth, nonce, SIPAUTH_ALGS_ALL, false};
	int err;

	if (!auth || !sip || !msg)
		return EINVAL;

	err = sipauth_nonce(auth, &msg->src, now_s(), nonce, sizeof(nonce));
	if (err)
		return err;

	/* who the client says it is: only to choose what to offer */
	if (res && res->user[0])
		str_ncpy(user, res->user, sizeof(user));
	else
		(void)pl_strcpy(&msg->from.uri.user, user, sizeof(user));
	if (auth->algsh)
		c.algs = auth->algsh(user, auth->arg);
	if (!c.algs)
		c.algs = SIPAUTH_ALGS_ALL;   /* an unknown user learns nothing */
	c.stale = res && res->outcome == SIPAUTH_STALE;

	return sip_treplyf(NULL, NULL, sip, msg, false, 401, "Unauthorized",
			   "%HContent-Length: 0\r\n\r\n", chall_print, &c);
}
