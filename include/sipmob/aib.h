/**
 * @file aib.h  Authenticated referral (spec §5.3.1, §5.3.2; RFC 3892 §4-§8,
 * RFC 3893): the referrer signs the essential headers of its REFER in an
 * Authenticated Identity Body (AIB), a message/sipfrag signed with S/MIME
 * (CMS, multipart/signed, RFC 1847 / RFC 5751). The referee checks it
 * before it acts, and copies it into the request it is asked to send, so
 * that the refer target can check it too.
 *
 * The token says who refers (Referred-By) to what (Refer-To), in which
 * request (From, To, Call-ID) and when (Date). A verifier takes it only
 * when the signature chains to one of its trusted CAs, the signer's
 * certificate names the Referred-By URI (a subjectAltName URI, or an email
 * user@host), the Date is within its window, and it has not seen the same
 * token before (a bounded cache of what it took within twice the window).
 * Whether the token belongs to the request at hand (the same Refer-To,
 * Referred-By, Call-ID) is the caller's check, with what aib_verify
 * returns.
 *
 * Usage:
 *   aib_signer_load(&s, "mn.crt", "mn.key", why, sizeof(why));
 *   aib_sign(&body, s, &fields, time(NULL));   // body->ctype, body->mb
 *   aib_verifier_load(&v, "ca.crt", 60, why, sizeof(why));
 *   aib_verify(v, &ctype, &body, &cid, time(NULL), &tok, why, sizeof(why));
 */

#ifndef SIPMOB_AIB_H
#define SIPMOB_AIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct pl;
struct mbuf;
struct aib_signer;     /* a referrer's certificate and private key        */
struct aib_verifier;   /* trusted CAs, the Date window, the replay cache  */

enum {
	AIB_WINDOW_DFL   = 60,     /* s: a token's Date may be this far off */
	AIB_REPLAY_SLOTS = 1024,   /* tokens remembered (oldest go first)   */
};

#define AIB_CTYPE_SIGNED "multipart/signed"

/** The request a token is made for; every field is printed as given
 *  (header values, without "Name:"). cid: the Content-ID the Referred-By's
 *  cid names (msg-id without angle brackets). */
struct aib_fields {
	const char *from;
	const char *to;
	const char *call_id;
	const char *refer_to;
	const char *referred_by;   /* with its ;cid="..."                   */
	const char *cid;
};

/** A signed token: its Content-Type (with the boundary) and the body. */
struct aib_body {
	char *ctype;
	struct mbuf *mb;
};

/** What a verified token says: pl's into the body given to aib_verify
 *  (unset when the AIB lacks the header), and the signer's identity. */
struct aib_token {
	struct pl refer_to;
	struct pl referred_by;
	struct pl call_id;
	struct pl from;
	struct pl to;
	struct pl date;
	time_t when;                /* Date, as a time                      */
	char signer[256];           /* the certificate's name that matched  */
};

/* Signing (the referrer) */
int  aib_signer_load(struct aib_signer **sp, const char *cert_file,
		     const char *key_file, char *why, size_t whysz);
/** Fills b (mem_deref b->ctype and b->mb) with a multipart/signed whose
 *  first part is the AIB: a message/sipfrag of f's headers and Date now. */
int  aib_sign(struct aib_body *b, const struct aib_signer *s,
	      const struct aib_fields *f, time_t now);
void aib_body_reset(struct aib_body *b);

/* A program's keys, from its options (--aib-cert/--aib-key/--aib-ca/
 * --aib-window); either member may be NULL */
struct aib_keys {
	struct aib_signer *signer;
	struct aib_verifier *verifier;
};
/** Loads what is named: cert and key (both or neither) make the signer,
 *  ca the verifier. EINVAL with why when a file is unusable. */
int  aib_keys_load(struct aib_keys *k, const char *cert, const char *key,
		   const char *ca, uint32_t window, char *why, size_t whysz);
void aib_keys_reset(struct aib_keys *k);

/* Verifying (the referee, the refer target) */
/** window: seconds a Date may differ from now (0: AIB_WINDOW_DFL). */
int  aib_verifier_load(struct aib_verifier **vp, const char *ca_file,
		       uint32_t window, char *why, size_t whysz);

/**
 * Finds the token in a body of type ctype: the body itself when it is
 * multipart/signed, else the part of a multipart/mixed whose Content-ID
 * is cid (or, cid unset, its one multipart/signed part). Returns 0 and
 * fills tok when the token is good; otherwise, with a reason in why:
 * ENOENT no token, EBADMSG malformed, EPERM a bad signature, an
 * untrusted or mismatched signer, ETIMEDOUT a Date outside the window,
 * EALREADY a token seen before.
 */
int  aib_verify(struct aib_verifier *v, const struct pl *ctype,
		const struct pl *body, const struct pl *cid, time_t now,
		struct aib_token *tok, char *why, size_t whysz);

/** Finds the body part of type type/subtype in a body of type ctype (the
 *  body itself when it is of that type); ENOENT when it has none. */
int  aib_find_part(const struct pl *ctype, const struct pl *body,
		   const char *type, const char *subtype, struct pl *part);

#endif
