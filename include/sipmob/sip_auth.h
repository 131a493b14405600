/**
 * @file sip_auth.h  SIP Digest authentication (RFC 3261 §22, RFC 7616
 * hashing, RFC 8760 SHA-256 for SIP): the server side a device uses to
 * challenge requests, and the client side that answers a challenge.
 *
 * Server: a nonce is the time it was made and an HMAC-SHA256 of that time,
 * the client's address and the realm under a key drawn at start, so a
 * nonce needs no state until it is used; then only its highest nc is kept,
 * to refuse a replayed response. An expired nonce with a right response
 * gets a new challenge with stale=true (the client retries, nobody types
 * a password again).
 *
 * Usage (server):
 *   sipauth_alloc(&auth, &(struct sipauth_conf){"realm", 300, secretsh,
 *                 algsh, arg});
 *   sipauth_verify(auth, msg, &res);
 *   res.outcome == SIPAUTH_OK ? res.user : sipauth_challenge(auth, sip,
 *                                                            msg, &res);
 * Usage (client):
 *   sipauth_creds_decode(&creds, "REALM USER SECRET\n...");
 *   sipauth_answer(&hdr, creds, resp_401, "INVITE", ruri, &stale);
 */

struct sipauth;
struct sipauth_creds;
struct sip;
struct sip_msg;
struct pl;

/** Digest algorithms, as bits of a set */
enum sipauth_alg {
	SIPAUTH_MD5    = 1 << 0,
	SIPAUTH_SHA256 = 1 << 1,
};
#define SIPAUTH_ALGS_ALL (SIPAUTH_SHA256 | SIPAUTH_MD5)

/** "SHA-256" or "MD5" */
const char *sipauth_alg_name(enum sipauth_alg alg);
/** Parses "sha-256,md5" (any order kept as a set). EINVAL on others. */
int sipauth_algs_decode(unsigned *algs, const char *s);


/* Header values (Authorization, WWW-Authenticate and the Proxy- ones) */

/** The parameters of a Digest challenge or credentials; unset ones have
 *  p NULL. Values are as written, without their quotes. */
struct sipauth_params {
	struct pl realm, nonce, opaque, stale, algorithm, qop;   /* both   */
	struct pl username, uri, response, nc, cnonce;           /* creds  */
};

/** Decodes "Digest k=v, k="v", ...". EBADMSG: not Digest, a parameter
 *  twice, an unterminated quote, or no realm. */
int sipauth_params_decode(struct sipauth_params *p, const struct pl *hval);


/* Hashing (RFC 7616 §3.4.1, qop=auth) */

#define SIPAUTH_HEX_MAX 65   /* SHA-256 in hex, and its NUL */

struct sipauth_digest {
	enum sipauth_alg alg;
	struct pl user, realm, method, uri, nonce, nc, cnonce, qop;
};

/** response = H(H(user:realm:secret):nonce:nc:cnonce:qop:H(method:uri))
 *  in lowercase hex */
int sipauth_digest_response(char hex[SIPAUTH_HEX_MAX],
			    const struct sipauth_digest *d,
			    const char *secret);


/* Server */

#define SIPAUTH_SECRET_MAX 256
#define SIPAUTH_USER_MAX   64

/** The secrets user may prove (more than one: e.g. a password followed by
 *  the current or the previous room token). Returns how many it wrote in
 *  out (at most max); 0 for an unknown user. */
typedef size_t (sipauth_secrets_h)(const char *user,
				   char out[][SIPAUTH_SECRET_MAX], size_t max,
				   void *arg);

/** The algorithms to offer and accept for user (NULL: not known yet;
 *  the challenge names the From user only as a hint). */
typedef unsigned (sipauth_algs_h)(const char *user, void *arg);

struct sipauth_conf {
	const char *realm;
	uint32_t nonce_lifetime;   /**< s (0: 300)                      */
	sipauth_secrets_h *secretsh;
	sipauth_algs_h *algsh;     /**< NULL: SHA-256 and MD5           */
	void *arg;
};

enum sipauth_outcome {
	SIPAUTH_OK = 0,      /**< the user proved a secret                  */
	SIPAUTH_NONE,        /**< no credentials for our realm               */
	SIPAUTH_MALFORMED,   /**< credentials we cannot read                 */
	SIPAUTH_FOREIGN,     /**< a nonce we did not give this source        */
	SIPAUTH_WRONG,       /**< no secret of that user gives the response  */
	SIPAUTH_STALE,       /**< right, but the nonce has expired           */
	SIPAUTH_REPLAY,      /**< nc not above the last one for its nonce    */
};

struct sipauth_result {
	enum sipauth_outcome outcome;
	enum sipauth_alg alg;
	char user[SIPAUTH_USER_MAX];   /**< as claimed; proved when OK */
};

int  sipauth_alloc(struct sipauth **authp, const struct sipauth_conf *conf);
const char *sipauth_realm(const struct sipauth *auth);
/** Checks the Authorization of msg (a request) now. */
void sipauth_verify(struct sipauth *auth, const struct sip_msg *msg,
		    struct sipauth_result *res);
/** The same at a given time (s), for tests */
void sipauth_verify_at(struct sipauth *auth, const struct sip_msg *msg,
		       uint64_t now, struct sipauth_result *res);
/** A nonce for src at time now (s) */
int  sipauth_nonce(const struct sipauth *auth, const struct sa *src,
		   uint64_t now, char *buf, size_t sz);
/** Answers msg 401 with one WWW-Authenticate per algorithm offered,
 *  stale=true when res says the nonce expired. */
int  sipauth_challenge(struct sipauth *auth, struct sip *sip,
		       const struct sip_msg *msg,
		       const struct sipauth_result *res);
const char *sipauth_outcome_name(enum sipauth_outcome o);


/* Client */

/** Decodes credentials, one "REALM USER SECRET" a line (# comments).
 *  EINVAL, with the line number in *line, on a malformed line. */
int sipauth_creds_decode(struct sipauth_creds **credsp, const char *text,
			 unsigned *line);
/** The same from a file; ENOENT / EACCES as the file gives */
int sipauth_creds_load(struct sipauth_creds **credsp, const char *path,
		       unsigned *line);

/** What a request proves for realm, made from the secret on file: the
 *  secret itself, or (proof of presence) the secret followed by the room's
 *  token. Writes out (NUL-ended); 0 or an error, which leaves the
 *  challenge unanswered. */
typedef int (sipauth_secret_h)(const char *realm, const char *secret,
			       char out[SIPAUTH_SECRET_MAX], void *arg);
/** From now on answers prove h's secret; NULL: the secret on file */
void sipauth_creds_set_secret_handler(struct sipauth_creds *creds,
				      sipauth_secret_h *h, void *arg);

/**
 * The Authorization (401) or Proxy-Authorization (407) line, CRLF ended,
 * answering resp's challenge for a request method to uri: the SHA-256
 * challenge when there is one for a realm we have credentials for, else
 * MD5. *stale: the challenge said stale=true. ENOENT: no challenge we can
 * answer.
 */
int sipauth_answer(char **hdrp, const struct sipauth_creds *creds,
		   const struct sip_msg *resp, const char *method,
		   const char *uri, bool *stale);


/* The endpoint (sipua.h) */

struct sipep;

/** Requests a guarded endpoint challenges */
enum sipep_auth_method {
	SIPEP_AUTH_INVITE    = 1 << 0,   /**< INVITE outside a dialog  */
	SIPEP_AUTH_REFER     = 1 << 1,   /**< REFER, in a dialog or not */
	SIPEP_AUTH_SUBSCRIBE = 1 << 2,   /**< SUBSCRIBE outside a dialog */
};

/** May user do msg? 0: yes; else the status to refuse it with (403). */
typedef uint16_t (sipep_authz_h)(const char *user, const struct sip_msg *msg,
				 void *arg);

/** From now on the methods in the set must prove a user of auth (else
 *  401, logged, and nothing else happens), and authzh decides what that
 *  user may do. The endpoint holds a reference to auth. */
void sipep_set_auth(struct sipep *ep, struct sipauth *auth, unsigned methods,
		    sipep_authz_h *authzh, void *arg);
/** The user who proved msg, while its handler runs; NULL when msg was not
 *  challenged (or no guard is set). */
const char *sipep_auth_user(const struct sipep *ep, const struct sip_msg *msg);
/** True when the endpoint challenges this method */
bool sipep_auth_guards(const struct sipep *ep, enum sipep_auth_method m);

/** Our own credentials, for the challenges our requests meet (INVITE,
 *  REFER, SUBSCRIBE). The endpoint holds a reference. */
void sipep_set_credentials(struct sipep *ep, struct sipauth_creds *creds);
