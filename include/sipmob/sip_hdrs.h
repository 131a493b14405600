/**
 * @file sip_hdrs.h  The SIP header fields of Session Handoff (spec §5.3,
 * RFC 5631 §5.4): Replaces (RFC 3891), Refer-To (RFC 3515) and Referred-By
 * (RFC 3892), and the escaping of header values carried inside a URI
 * (RFC 3261 §19.1.1), which is how a REFER says "send your INVITE with this
 * Replaces" and how a nested REFER (RFC 5631 Figure 5) says "send me a
 * REFER with this Refer-To".
 *
 * libre 1.1.0 parses none of these. Every decoder here reads untrusted
 * header values (as libre hands them over: the text after "Name:"), checks
 * every length before it reads, refuses what it cannot read with EBADMSG and
 * a reason in the caller's buffer (err may be NULL), and never reads outside
 * the given pl. Every printer checks what it is about to print and refuses
 * (EINVAL) rather than write a header another parser would misread; what a
 * decoder accepted always prints.
 *
 * Decoded text is a struct pl into the input (Replaces, Referred-By) or into
 * the decoded object (Refer-To, whose URI headers had to be unescaped).
 *
 * Usage:
 *   sipreplaces_decode(&r, &hdr->val, err, sizeof(err));
 *   re_hprintf(pf, "Replaces: %H\r\n", sipreplaces_print, &r);
 *
 *   sipreferto_decode(&rt, &hdr->val, err, sizeof(err));
 *   rt->target                      // the URI to send the INVITE or REFER to
 *   sipreferto_uparam(rt, "method") // e.g. "REFER" (RFC 5631 Figure 5)
 *   sipreferto_replaces(rt, &r, err, sizeof(err));
 *   inner = sipreferto_header(rt, "Refer-To");  // nested REFER: decode again
 *
 *   struct sipreferto out = {.base = PL("sip:cn@host")};  // build one
 *   out.uparamv[0].name = (struct pl)PL("audio"); out.uparamc = 1;
 *   out.hdrv[0] = (struct sipparam){PL("Replaces"), replaces_text};
 *   out.hdrc = 1;
 *   re_hprintf(pf, "Refer-To: %H\r\n", sipreferto_print, &out);
 */

#ifndef SIPMOB_SIP_HDRS_H
#define SIPMOB_SIP_HDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct pl is embedded below: include <re.h> before this header, as
 * libre's own headers expect theirs to be. */
struct re_printf;

enum {
	SIPHDR_MAXLEN     = 4096, /**< longest header value we read      */
	SIPHDR_MAXPARAMS  = 16,   /**< parameters per header or per URI  */
	SIPHDR_MAXURIHDRS = 8,    /**< headers embedded in one URI       */
	SIPHDR_MAXFRAG    = 65536,/**< longest sipfrag body we read      */
};

/**
 * One parameter (";name" or ";name=value") or one header embedded in a URI
 * ("name=value"). A parameter without a value has val.p == NULL; an embedded
 * header always has a value, which may be empty.
 */
struct sipparam {
	struct pl name;
	struct pl val;
};


/* URI header values (RFC 3261 §19.1.1, §25.1 hname / hvalue) */

/** Prints val with every byte outside unreserved / hnv-unreserved written
 *  as %HH. EINVAL for a NUL byte (which unescape refuses). */
int sipuri_hval_escape(struct re_printf *pf, const struct pl *val);
/** Prints val with every %HH decoded. EBADMSG for a '%' not followed by two
 *  hex digits, for %00, and for a raw byte that is not visible ASCII. */
int sipuri_hval_unescape(struct re_printf *pf, const struct pl *val);


/* Replaces (RFC 3891 §6.1): callid;to-tag=X;from-tag=Y[;early-only] */

struct sipreplaces {
	struct pl callid;
	struct pl to_tag;
	struct pl from_tag;
	bool early_only;
	struct sipparam paramv[SIPHDR_MAXPARAMS]; /**< other params, in order */
	size_t paramc;
};

int sipreplaces_decode(struct sipreplaces *r, const struct pl *pl,
		       char *err, size_t errsz);
int sipreplaces_print(struct re_printf *pf, const struct sipreplaces *r);


/* Refer-To (RFC 3515 §2.1): name-addr or addr-spec, then params */

/**
 * A decoded Refer-To, or the parts of one to print. For a sip: or sips: URI
 * the URI is split as RFC 3261 §19.1.1 writes it: base ";" params "?"
 * headers. Any other scheme (tel:, http:) is kept whole in base and target.
 */
struct sipreferto {
	struct pl dname;     /**< display name: the quoted-string's content
				  (backslash escapes kept), or the tokens */
	struct pl uri;       /**< the whole URI as written (decode only)    */
	struct pl target;    /**< the URI without its headers: the request
				  URI (RFC 3261 §19.1.5) (decode only)      */
	struct pl base;      /**< scheme ":" [userinfo "@"] hostport        */
	struct sipparam uparamv[SIPHDR_MAXPARAMS];  /**< URI parameters
				  (";audio;video;method=REFER"), as written */
	size_t uparamc;
	struct sipparam hdrv[SIPHDR_MAXURIHDRS];    /**< URI headers
				  ("?Replaces=..."), names and values
				  unescaped                                  */
	size_t hdrc;
	struct sipparam paramv[SIPHDR_MAXPARAMS];   /**< header params after
				  the address, as written                    */
	size_t paramc;
};

/** Decodes into a new object (mem_deref it). Its pl's point into itself. */
int sipreferto_decode(struct sipreferto **rtp, const struct pl *pl,
		      char *err, size_t errsz);
/** Prints dname, base, uparamv, hdrv (escaped) and paramv; uri and target
 *  are not read. */
int sipreferto_print(struct re_printf *pf, const struct sipreferto *rt);
/** The value of the first embedded header of that name (case-insensitive),
 *  or NULL. */
const struct pl *sipreferto_header(const struct sipreferto *rt,
				   const char *name);
/** The URI parameter of that name (case-insensitive), or NULL. */
const struct sipparam *sipreferto_uparam(const struct sipreferto *rt,
					 const char *name);
/** The URI to send the referred INVITE to (a new string): the target
 *  without callee-capability parameters (RFC 3840 feature tags: ;audio,
 *  ;video, ;+x...) or method. */
int sipreferto_invite_target(char **targetp, const struct sipreferto *rt);
/** Decodes the embedded Replaces header: ENOENT when there is none,
 *  EBADMSG when it is malformed or given twice (RFC 3891 §3). */
int sipreferto_replaces(const struct sipreferto *rt, struct sipreplaces *r,
			char *err, size_t errsz);


/* Referred-By (RFC 3892 §3): name-addr or addr-spec, cid and params */

struct sipreferredby {
	struct pl dname;     /**< as in struct sipreferto                   */
	struct pl uri;       /**< the referrer's URI as written             */
	struct pl cid;       /**< the cid's msg-id without its quotes, or
				  unset (RFC 3892 §3: it names the S/MIME
				  body part with the Referred-By token)     */
	struct sipparam paramv[SIPHDR_MAXPARAMS]; /**< other params         */
	size_t paramc;
};

int sipreferredby_decode(struct sipreferredby *rb, const struct pl *pl,
			 char *err, size_t errsz);
int sipreferredby_print(struct re_printf *pf,
			const struct sipreferredby *rb);

/* message/sipfrag (RFC 3420), the body of REFER's NOTIFYs (RFC 3515):
 * "SIP/2.0 200 OK", header lines, and maybe an empty line and a body */

struct sipfrag {
	uint16_t scode;      /**< the status line's code, 100..699          */
	struct pl reason;
	struct pl headers;   /**< the header lines, as written              */
	struct pl body;      /**< after the empty line; unset when none     */
};

/** Reads a sipfrag that is a response's (a status line first): EBADMSG
 *  for anything else, or a header line without a colon. */
int  sipfrag_decode(struct sipfrag *f, const struct pl *pl);
/** The value of the first header of that name (case-insensitive; compact
 *  forms are not expanded), without leading white space. */
bool sipfrag_header(const struct sipfrag *f, const char *name,
		    struct pl *val);

#endif
