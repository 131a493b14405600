/*
 * Referred-By tokens on the wire (RFC 3892 §4-§6, RFC 3893; the tokens
 * themselves are aib.c's).
 *
 * The referrer: a REFER we send carries a multipart/signed token of its
 * Refer-To and Referred-By, named by the Referred-By's cid. libre's
 * sipevent writes "Content-Length: 0" and the empty line after the
 * headers it is given, so we give it our Content-Type, a Content-Length
 * that counts those bytes too, and the body: they land after the token's
 * close delimiter, in the MIME epilogue, which readers skip (RFC 2046
 * §5.1.1). The message is well formed on any transport.
 *
 * The referee: it checks a REFER's token against the REFER's own
 * Refer-To, Referred-By and Call-ID, and keeps the token for the INVITE
 * the REFER asks for. That INVITE goes out as before, SDP only, so that an
 * ordinary refer target sees nothing new; a target that wants the token
 * answers 429 Provide Referrer Identity, and the INVITE is sent once more
 * (invite.c) with a multipart/mixed body of the offer and the token.
 *
 * The refer target: with a verifier, an INVITE with Replaces must carry a
 * good token whose Refer-To names that same Replaces; its Referred-By is
 * then the one replaced.c checks is the dialog's far side. A missing
 * token gets 429, a bad one 403 with a Warning (RFC 3261 §20.43) of why.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <sipmob/aib.h>
#include <sipmob/sip_hdrs.h>
#include "sip_priv.h"
#include "mime.h"

enum {
	TOKEN_KEEP_MS = 64 * 500,   /* Timer B: the INVITE's lifetime      */
	TOKEN_KEEP_MAX = 16,        /* REFERs in flight; the oldest go     */
};

/* What libre's sipevent appends after the REFER headers we give it */
#define SIPEVENT_TRAILER "Content-Length: 0\r\n\r\n"

struct sip_token {
	struct le le;
	struct tmr tmr;
	char *cid;
	char *ctype;
	struct mbuf *body;
};

void sipep_set_aib(struct sipep *ep, struct aib_signer *signer,
		   struct aib_verifier *verifier)
{
	if (!ep)
		return;
	ep->aib_signer = signer;
	ep->aib_verifier = verifier;
}

struct aib_verifier *sipep_aib_verifier(const struct sipep *ep)
{
	return ep ? ep->aib_verifier : NULL;
}

/* The value of the first "Name: value\r\n" line of hdrs, and the line */
static bool hdrs_line(const char *hdrs, const char *name, struct pl *val,
		      struct pl *line)
{
	size_t nl = strlen(name);

	for (const char *p = hdrs; p && *p;) {
		const char *e = strstr(p, "\r\n");
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			val->p = p + nl + 1;
			val->l = l - nl - 1;
			while (val->l && (val->p[0] == ' ' ||
					  val->p[0] == '\t')) {
				val->p++;
				val->l--;
			}
			line->p = p;
			line->l = e ? l + 2 : l;
			return true;
		}
		p = e ? e + 2 : NULL;
	}
	return false;
}

/* Referrer: the REFER's headers with its signed token, in a new string */
int sipep_sign_refer(struct sipep *ep, struct sip_dialog *dlg,
		     const char *uri, const char *hdrs, char **outp)
{
	struct aib_body b = {NULL, NULL};
	struct pl rt, rb, rbline;
	char *referto = NULL, *referredby = NULL, *from = NULL, *to = NULL;
	char cid[96];
	int err;

	*outp = NULL;
	if (!ep->aib_signer)
		return 0;
	if (!hdrs_line(hdrs, "Refer-To", &rt, &rbline) ||
	    !hdrs_line(hdrs, "Referred-By", &rb, &rbline))
		return EINVAL;

	if (sa_af(&ep->laddr) == AF_INET6)
		re_snprintf(cid, sizeof(cid), "aib.%016llx@[%j]", rand_u64(),
			    &ep->laddr);
	else
		re_snprintf(cid, sizeof(cid), "aib.%016llx@%j", rand_u64(),
			    &ep->laddr);
	err  = re_sdprintf(&referto, "%r", &rt);
	err |= re_sdprintf(&referredby, "%r;cid=\"%s\"", &rb, cid);
	err |= re_sdprintf(&from, "<%s>", ep->uri);
	err |= re_sdprintf(&to, "<%s>", uri);
	if (err)
		goto out;
	err = aib_sign(&b, ep->aib_signer, &(struct aib_fields){
			.from = from, .to = to,
			.call_id = sip_dialog_callid(dlg),
			.refer_to = referto, .referred_by = referredby,
			.cid = cid}, time(NULL));
	if (err)
		goto out;
	/* the headers before and after the Referred-By line, ours instead */
	err = re_sdprintf(outp, "%b%b"
			  "Referred-By: %s\r\n"
			  "Content-ID: <%s>\r\n"
			  "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n\r\n%b",
			  hdrs, (size_t)(rbline.p - hdrs),
			  rbline.p + rbline.l,
			  strlen(rbline.p + rbline.l), referredby, cid,
			  b.ctype, mbuf_get_left(b.mb) +
			  strlen(SIPEVENT_TRAILER),
			  mbuf_buf(b.mb), mbuf_get_left(b.mb));
 out:
	aib_body_reset(&b);
	mem_deref(referto);
	mem_deref(referredby);
	mem_deref(from);
	mem_deref(to);
	return err;
}


/* Verifying */

void sipep_token_refuse(struct sipep *ep, const struct sip_msg *msg,
			uint16_t scode, const char *why)
{
	char warn[200];
	size_t n = 0;

	/* a quoted-string: no quotes or backslashes inside */
	for (const char *p = why; p && *p && n < sizeof(warn) - 1; p++)
		warn[n++] = (*p == '"' || *p == '\\') ? '\'' : *p;
	warn[n] = '\0';
	re_fprintf(stderr, "sip: %r from %r refused (%u): %s\n", &msg->met,
		   &msg->from.auri, scode, why);
	(void)sip_treplyf(NULL, NULL, ep->sip, msg, false, scode,
			  scode == 429 ? "Provide Referrer Identity" :
			  "Forbidden",
			  "Warning: 399 %J \"%s\"\r\n"
			  "Content-Length: 0\r\n\r\n", &ep->laddr, warn);
}

/* The request's token, checked by aib.c; its Referred-By in *rb */
static uint16_t token_check(struct sipep *ep, const struct sip_msg *msg,
			    struct sipreferredby *rb, struct aib_token *tok,
			    char *why, size_t whysz)
{
	const struct sip_hdr *rbh = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	const struct sip_hdr *cth = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	struct sipreferredby trb;
	struct pl body;
	int err;

	if (!rbh || sipreferredby_decode(rb, &rbh->val, NULL, 0)) {
		re_snprintf(why, whysz, "no readable Referred-By");
		return 429;
	}
	if (!cth || !mbuf_get_left(msg->mb)) {
		re_snprintf(why, whysz, "no Referred-By token");
		return 429;
	}
	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);
	err = aib_verify(ep->aib_verifier, &cth->val, &body, &rb->cid,
			 time(NULL), tok, why, whysz);
	if (err == ENOENT)
		return 429;
	if (err)
		return 403;
	/* the token's referrer (its signer) is the request's */
	if (sipreferredby_decode(&trb, &tok->referred_by, NULL, 0) ||
	    !sip_uri_same_party(&trb.uri, &rb->uri)) {
		re_snprintf(why, whysz, "the token's Referred-By %r is not"
			    " the request's %r", &tok->referred_by,
			    &rb->uri);
		return 403;
	}
	return 0;
}

uint16_t sipep_refer_token_check(struct sipep *ep, const struct sip_msg *msg,
				 char *why, size_t whysz)
{
	const struct sip_hdr *rth = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	struct sipreferredby rb;
	struct aib_token tok;
	uint16_t scode;

	if (!ep || !ep->aib_verifier)
		return 0;
	scode = token_check(ep, msg, &rb, &tok, why, whysz);
	if (scode)
		return scode;
	if (!rth || pl_cmp(&tok.refer_to, &rth->val)) {
		re_snprintf(why, whysz, "the token refers to %r, the REFER"
			    " to %r", &tok.refer_to, rth ? &rth->val : NULL);
		return 403;
	}
	if (pl_cmp(&tok.call_id, &msg->callid)) {
		re_snprintf(why, whysz, "the token is for Call-ID %r, not"
			    " this REFER's", &tok.call_id);
		return 403;
	}
	re_fprintf(stderr, "sip: REFER from %r carries a good token, signed"
		   " by %s\n", &msg->from.auri, tok.signer);
	return 0;
}

uint16_t sipep_invite_token_check(struct sipep *ep,
				  const struct sip_msg *msg,
				  const struct pl *replaces, char *why,
				  size_t whysz)
{
	struct sipreferredby rb;
	struct sipreferto *rt = NULL;
	struct sipreplaces want, got;
	struct aib_token tok;
	uint16_t scode;

	if (!ep->aib_verifier)
		return 0;
	scode = token_check(ep, msg, &rb, &tok, why, whysz);
	if (scode)
		return scode;
	/* RFC 3892 §6: what was referred is what is asked */
	if (sipreplaces_decode(&got, replaces, NULL, 0) ||
	    sipreferto_decode(&rt, &tok.refer_to, NULL, 0) ||
	    sipreferto_replaces(rt, &want, NULL, 0) ||
	    pl_cmp(&want.callid, &got.callid) ||
	    pl_cmp(&want.to_tag, &got.to_tag) ||
	    pl_cmp(&want.from_tag, &got.from_tag)) {
		re_snprintf(why, whysz, "the token's Refer-To %r does not"
			    " name this Replaces", &tok.refer_to);
		scode = 403;
	}
	else
		re_fprintf(stderr, "sip: INVITE with Replaces from %r carries"
			   " a good token, signed by %s\n", &msg->from.auri,
			   tok.signer);
	mem_deref(rt);
	return scode;
}

/* A multipart/mixed INVITE body, once checked, is read as its SDP part:
 * every reader of the message (the leg, the offer handler) then sees the
 * SDP alone. False when it has none. */
bool sipep_narrow_to_sdp(struct sipep *ep, const struct sip_msg *msg)
{
	const struct sip_hdr *cth = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	struct sip_msg *m = (struct sip_msg *)msg;
	struct pl body, sdp;

	if (!ep->aib_verifier || !cth || !mbuf_get_left(msg->mb) ||
	    !mime_ctype_is(&cth->val, "multipart", "mixed"))
		return true;
	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);
	if (aib_find_part(&cth->val, &body, "application", "sdp", &sdp))
		return false;
	m->mb->pos = (size_t)((const uint8_t *)sdp.p - m->mb->buf);
	m->mb->end = m->mb->pos + sdp.l;
	pl_set_str(&m->ctyp.type, "application");
	pl_set_str(&m->ctyp.subtype, "sdp");
	m->ctyp.params = (struct pl)PL_INIT;
	return true;
}


/* Referee: the tokens of REFERs we took, for their INVITEs */

static void token_destructor(void *arg)
{
	struct sip_token *t = arg;

	tmr_cancel(&t->tmr);
	list_unlink(&t->le);
	mem_deref(t->cid);
	mem_deref(t->ctype);
	mem_deref(t->body);
}

static void token_expired(void *arg)
{
	mem_deref(arg);
}

int sipep_keep_refer_token(struct sipep *ep, const struct sip_msg *msg)
{
	const struct sip_hdr *rbh = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	const struct sip_hdr *cth = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	struct sipreferredby rb;
	struct sip_token *t;
	struct pl b;
	size_t n = mbuf_get_left(msg->mb);
	const char *close;
	char end[80];
	int err;

	if (!ep || !rbh || !cth || !n ||
	    sipreferredby_decode(&rb, &rbh->val, NULL, 0) || !rb.cid.p ||
	    !mime_ctype_is(&cth->val, "multipart", "signed") ||
	    mime_ctype_param(&cth->val, "boundary", &b) || b.l > 70)
		return ENOENT;

	/* the token ends with its close delimiter: no epilogue */
	re_snprintf(end, sizeof(end), "\r\n--%r--", &b);
	close = memmem(mbuf_buf(msg->mb), n, end, strlen(end));
	if (!close)
		return EBADMSG;
	n = (size_t)(close - (const char *)mbuf_buf(msg->mb)) + strlen(end);

	t = mem_zalloc(sizeof(*t), token_destructor);
	if (!t)
		return ENOMEM;
	err  = pl_strdup(&t->cid, &rb.cid);
	err |= pl_strdup(&t->ctype, &cth->val);
	t->body = mbuf_alloc(n);
	err |= t->body ? mbuf_write_mem(t->body, mbuf_buf(msg->mb), n) :
		ENOMEM;
	if (err) {
		mem_deref(t);
		return err ? err : ENOMEM;
	}
	t->body->pos = 0;
	if (list_count(&ep->tokens) >= TOKEN_KEEP_MAX)
		mem_deref(list_ledata(ep->tokens.head));
	list_append(&ep->tokens, &t->le, t);
	tmr_start(&t->tmr, TOKEN_KEEP_MS, token_expired, t);
	return 0;
}

struct sip_token *sipep_token_for(struct sipep *ep, const char *hdrs)
{
	struct sipreferredby rb;
	struct pl val, line;

	if (!hdrs || !hdrs_line(hdrs, "Referred-By", &val, &line) ||
	    sipreferredby_decode(&rb, &val, NULL, 0) || !rb.cid.p)
		return NULL;
	for (struct le *le = ep->tokens.head; le; le = le->next) {
		struct sip_token *t = le->data;

		if (!pl_strcmp(&rb.cid, t->cid))
			return mem_ref(t);
	}
	return NULL;
}

/* RFC 3892 §5: the offer and the token, in one multipart/mixed */
int sip_token_body_print(struct re_printf *pf, const struct sip_token *t,
			 const struct mbuf *offer)
{
	struct mbuf *mb = mbuf_alloc(4096);
	char ctype[64], boundary[32];
	int err;

	if (!mb)
		return ENOMEM;
	re_snprintf(boundary, sizeof(boundary), "mix-%016llx", rand_u64());
	re_snprintf(ctype, sizeof(ctype), "multipart/mixed;boundary=%s",
		    boundary);
	err = mbuf_printf(mb, "--%s\r\n", boundary);
	if (!err && offer && mbuf_get_left(offer))
		err = mbuf_printf(mb, "Content-Type: application/sdp\r\n\r\n"
				  "%b\r\n--%s\r\n", mbuf_buf(offer),
				  mbuf_get_left(offer), boundary);
	err = err ? err : mbuf_printf(mb, "Content-Type: %s\r\n"
				      "Content-ID: <%s>\r\n"
				      "Content-Disposition: aib;"
				      " handling=optional\r\n\r\n"
				      "%b\r\n--%s--\r\n", t->ctype, t->cid,
				      t->body->buf, t->body->end, boundary);
	mb->pos = 0;
	err = err ? err : sipleg_body_printf(pf,
				&(struct sipleg_body){ctype, mb});
	mem_deref(mb);
	return err;
}
