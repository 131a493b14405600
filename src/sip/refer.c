/*
 * REFER (RFC 3515) and event subscriptions (RFC 6665) on libre's sipevent.
 *
 * sipevent has the subscription state machines: the REFER client and its
 * implicit subscription (sipevent_refer, sipevent_drefer), the notifier
 * (sipevent_accept, sipevent_notify) and SUBSCRIBE. What it lacks we add
 * here: taking a REFER at all (its listener sees only SUBSCRIBE and
 * NOTIFY, so the endpoint's listener hands REFER to us), reading the
 * status line of a message/sipfrag NOTIFY body, and one report per REFER
 * however it ends (refused, timed out, final NOTIFY, or a subscription
 * terminated without one).
 */
#include <string.h>
#include "sip_priv.h"
#include <sipmob/sip_hdrs.h>

#define SIPFRAG_CTYPE "message/sipfrag;version=2.0"

enum {
	REFER_EXPIRES_DFL = 120,   /* s: a referee has this long to report */
	REFER_EXPIRES_MAX = 300,
	SUB_EXPIRES_MIN   = 1,
	SUB_EXPIRES_DFL   = 60,
	SUB_EXPIRES_MAX   = 3600,
};

struct siprefer {
	struct sipsub *sub;
	struct sipsub *challenged; /* the one a 401 ended, kept till we go */
	siprefer_h *h;
	void *arg;
	bool done;                 /* the final report was given */
	/* to send it again with credentials (RFC 3261 §22.2) */
	struct sipep *ep;
	struct sip_dialog *dlg;    /* in a dialog, or NULL */
	struct sip_dialog *own_dlg; /* a signed one's, out of dialog */
	char *uri;                 /* the Request-URI */
	char *hop;                 /* the URI a TLS connection must reach */
	char *hdrs;
	unsigned auth_tries;
};

struct sipnotifier {
	struct sipnot *not;
	sipnotifier_close_h *closeh;
	void *arg;
	struct sipep *ep;
	char *peer;                /* the subscriber's Contact (tls.c) */
};

/* The Contact URI of a request: where its sender takes our requests */
static char *contact_of(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr addr;
	char *uri = NULL;

	if (h && !sip_addr_decode(&addr, &h->val))
		(void)pl_strdup(&uri, &addr.auri);
	return uri;
}

struct sipsubscr {
	struct sipsub *sub;
	struct sipsub *challenged;
	sipsubscr_h *h;
	void *arg;
	bool done;
	struct sipep *ep;
	char *uri, *hop, *event, *accept;
	uint32_t expires;
	unsigned auth_tries;
};


/* Listening */

static bool subscribe_handler(const struct sip_msg *msg, void *arg)
{
	struct sipep *ep = arg;
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);
	struct sipevent_event event;

	if (!hdr || sipevent_event_decode(&event, &hdr->val)) {
		(void)sip_reply(ep->sip, msg, 400, "Bad Event Header");
		return true;
	}
	if (!ep->subh) {
		(void)sip_treplyf(NULL, NULL, ep->sip, msg, false, 489,
				  "Bad Event", "Content-Length: 0\r\n\r\n");
		return true;
	}
	ep->subh(ep, msg, &event.event, ep->subarg);
	return true;
}

int sipep_events_alloc(struct sipep *ep)
{
	return sipevent_listen(&ep->evsock, ep->sip, 32, 32,
			       subscribe_handler, ep);
}

void sipep_set_refer_handler(struct sipep *ep, sipep_refer_h *h, void *arg)
{
	if (!ep)
		return;
	ep->referh = h;
	ep->referarg = arg;
}

void sipep_set_subscribe_handler(struct sipep *ep, sipep_subscribe_h *h,
				 void *arg)
{
	if (!ep)
		return;
	ep->subh = h;
	ep->subarg = arg;
}

/* A REFER for us; leg: the INVITE dialog it names, if any. RFC 3515 §2.4.1:
 * exactly one Refer-To, else 400. */
bool sipep_refer_request(struct sipep *ep, struct sipleg *leg,
			 const struct sip_msg *msg)
{
	if (!ep->referh)
		return false;   /* libre answers 501 */

	if (pl_isset(&msg->to.tag) &&
	    (!leg || leg->state != SIPLEG_ESTABLISHED)) {
		(void)sip_treply(NULL, ep->sip, msg, 481,
				 "Call/Transaction Does Not Exist");
		return true;
	}
	if (sip_msg_hdr_count(msg, SIP_HDR_REFER_TO) != 1) {
		re_fprintf(stderr, "sip: REFER from %r refused (400): %u"
			   " Refer-To headers\n", &msg->from.auri,
			   sip_msg_hdr_count(msg, SIP_HDR_REFER_TO));
		(void)sip_treply(NULL, ep->sip, msg, 400,
				 "Exactly One Refer-To Expected");
		return true;
	}
	ep->referh(ep, leg, msg, ep->referarg);
	return true;
}


/* The status code of a message/sipfrag body: "SIP/2.0 200 OK". 0 when
 * the body is not one. */
static uint16_t sipfrag_status(const struct sip_msg *msg, struct pl *frag)
{
	struct sipfrag f;

	frag->p = (const char *)mbuf_buf(msg->mb);
	frag->l = mbuf_get_left(msg->mb);
	if (!msg_ctype_cmp(&msg->ctyp, "message", "sipfrag") ||
	    sipfrag_decode(&f, frag))
		return 0;
	return f.scode;
}

static bool substate_terminated(const struct sip_msg *msg)
{
	const struct sip_hdr *hdr =
		sip_msg_hdr(msg, SIP_HDR_SUBSCRIPTION_STATE);
	struct sipevent_substate ss;

	return hdr && !sipevent_substate_decode(&ss, &hdr->val) &&
		ss.state == SIPEVENT_TERMINATED;
}


/* The referrer's side */

static void refer_destructor(void *arg)
{
	struct siprefer *r = arg;

	mem_deref(r->sub);
	mem_deref(r->challenged);
	mem_deref(r->dlg);
	mem_deref(r->own_dlg);
	mem_deref(r->uri);
	mem_deref(r->hop);
	mem_deref(r->hdrs);
	mem_deref(r->ep);
}

static int refer_request(struct siprefer *r, const char *auth_hdr);

/* libre's sipevent answers a challenge with MD5 only (and gives up on a
 * SHA-256 one), so it gets none from us: the REFER ends in its 401, and
 * we send a new one with our own Authorization, once per challenge. */
static bool refer_resend_authorized(struct siprefer *r,
				    const struct sip_msg *msg)
{
	char *hdr = NULL;
	int err;

	if (sipep_auth_answer(r->ep, msg, "REFER", r->uri, &r->auth_tries,
			      &hdr))
		return false;
	mem_deref(r->challenged);
	r->challenged = r->sub;   /* libre may still hold it in this call */
	r->sub = NULL;
	err = refer_request(r, hdr);
	mem_deref(hdr);
	return err == 0;
}

static void refer_notify_handler(struct sip *sip, const struct sip_msg *msg,
				 void *arg)
{
	struct siprefer *r = arg;
	struct pl frag;
	uint16_t scode;
	bool final;

	(void)sip_treply(NULL, sip, msg, 200, "OK");
	if (r->done)
		return;

	scode = sipfrag_status(msg, &frag);
	final = scode >= 200 || substate_terminated(msg);
	r->done = final;
	r->h(0, false, scode, &frag, msg, final, r->arg);  /* may free r */
}

static void refer_close_handler(int err, const struct sip_msg *msg,
				const struct sipevent_substate *substate,
				void *arg)
{
	struct siprefer *r = arg;
	bool response = msg && !msg->req;
	(void)substate;

	if (r->done)
		return;
	if (response && (msg->scode == 401 || msg->scode == 407) &&
	    refer_resend_authorized(r, msg))
		return;
	r->done = true;
	if (response && msg->scode >= 300)
		r->h(0, true, msg->scode, NULL, NULL, true, r->arg);
	else if (err)
		r->h(err, true, 0, NULL, NULL, true, r->arg);
	else    /* ended without a final status */
		r->h(0, false, 0, NULL, msg && msg->req ? msg : NULL, true,
		     r->arg);
}

int siprefer_send(struct siprefer **rp, struct sipep *ep,
		  struct sipleg *leg, const char *uri, const char *hdrs,
		  siprefer_h *h, void *arg)
{
	struct siprefer *r;
	int err;

	if (!rp || !ep || !h || !hdrs || (!leg && !uri))
		return EINVAL;
	if (leg && leg->state != SIPLEG_ESTABLISHED)
		return ENOTCONN;

	r = mem_zalloc(sizeof(*r), refer_destructor);
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	r->ep = mem_ref(ep);
	r->dlg = leg ? mem_ref(leg->dlg) : NULL;
	/* the Request-URI, which the digest covers: in a dialog, its
	 * remote target; outside one, the target as libre can route it
	 * (sips: as sip:...;transport=tls). The hop is whom a TLS
	 * connection must reach (its certificate is checked, tls.c). */
	err = str_dup(&r->hdrs, hdrs);
	if (leg) {
		err |= str_dup(&r->uri, sipleg_remote_target(leg));
		err |= str_dup(&r->hop, sipleg_next_hop(leg));
	}
	else {
		err |= sipep_route_uri(&r->uri, uri);
		err |= str_dup(&r->hop, uri);
	}

	err = err ? err : refer_request(r, NULL);
	if (err)
		mem_deref(r);
	else
		*rp = r;
	return err;
}


/* A REFER with a Referred-By token (aib_sip.c). Its Call-ID goes into
 * the token, so the dialog is made first: sipevent_drefer on a dialog not
 * yet established sends the REFER outside any dialog, as sipevent_refer
 * does, and establishes it on the 2xx. A REFER sent again with
 * credentials keeps that dialog (Call-ID, next CSeq) and a fresh token. */
static int refer_signed(struct siprefer *r, const char *hdrs)
{
	struct sipep *ep = r->ep;
	struct sip_dialog *dlg = r->dlg ? r->dlg : r->own_dlg;
	char *signed_hdrs = NULL;
	int err;

	if (!dlg) {
		err = sip_dialog_alloc(&r->own_dlg, r->uri, r->hop,
				       ep->display, ep->uri, NULL, 0);
		if (err)
			return err;
		dlg = r->own_dlg;
	}
	err = sipep_sign_refer(ep, dlg, r->hop, hdrs, &signed_hdrs);
	err = err ? err : sipevent_drefer(&r->sub, ep->evsock, dlg, ep->user,
					  NULL, NULL, false,
					  refer_notify_handler,
					  refer_close_handler, r, "%s",
					  signed_hdrs);
	mem_deref(signed_hdrs);
	return err;
}

static int refer_request(struct siprefer *r, const char *auth_hdr)
{
	struct sipep *ep = r->ep;
	char *hdrs = NULL;
	int err;

	sipep_tls_expect(ep, r->hop);
	if (ep->aib_signer) {
		err = re_sdprintf(&hdrs, "%s%s", r->hdrs,
				  auth_hdr ? auth_hdr : "");
		err = err ? err : refer_signed(r, hdrs);
		mem_deref(hdrs);
	}
	else if (r->dlg)
		err = sipevent_drefer(&r->sub, ep->evsock, r->dlg, ep->user,
				      NULL, NULL, false, refer_notify_handler,
				      refer_close_handler, r, "%s%s",
				      r->hdrs, auth_hdr ? auth_hdr : "");
	else
		err = sipevent_refer(&r->sub, ep->evsock, r->uri, ep->display,
				     ep->uri, ep->user, NULL, 0, NULL, NULL,
				     false, NULL, refer_notify_handler,
				     refer_close_handler, r, "%s%s", r->hdrs,
				     auth_hdr ? auth_hdr : "");
	sipep_tls_expect(ep, NULL);
	return err;
}


/* The notifier's side (REFER and SUBSCRIBE) */

static void notifier_destructor(void *arg)
{
	struct sipnotifier *n = arg;

	sipep_tls_expect(n->ep, n->peer);
	mem_deref(n->not);   /* a live one sends its terminated NOTIFY */
	sipep_tls_expect(n->ep, NULL);
	mem_deref(n->peer);
}

static void notifier_close_handler(int err, const struct sip_msg *msg,
				   void *arg)
{
	struct sipnotifier *n = arg;
	(void)msg;

	if (n->closeh)
		n->closeh(err, n->arg);
}

int siprefer_accept(struct sipnotifier **np, struct sipep *ep,
		    struct sipleg *leg, const struct sip_msg *msg)
{
	struct sipnotifier *n;
	int err;

	if (!np || !ep || !msg)
		return EINVAL;

	n = mem_zalloc(sizeof(*n), notifier_destructor);
	if (!n)
		return ENOMEM;
	n->ep = ep;
	n->peer = contact_of(msg);

	sipep_tls_expect(ep, n->peer);
	err = sipevent_accept(&n->not, ep->evsock, msg, leg ? leg->dlg : NULL,
			      NULL, 202, "Accepted", 1, REFER_EXPIRES_DFL,
			      REFER_EXPIRES_MAX, ep->user, SIPFRAG_CTYPE,
			      NULL, NULL, false, notifier_close_handler, n,
			      NULL);
	sipep_tls_expect(ep, NULL);
	err = err ? err : siprefer_notify(n, 100, "Trying", NULL, false);
	if (err)
		mem_deref(n);
	else
		*np = n;
	return err;
}

int siprefer_notify(struct sipnotifier *n, uint16_t scode,
		    const char *reason, const char *more, bool final)
{
	struct mbuf *mb;
	int err;

	if (!n || !scode || !reason)
		return EINVAL;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "SIP/2.0 %u %s\r\n%s", scode, reason,
			  more ? more : "");
	mb->pos = 0;
	err = err ? err : sipnotifier_notify(n, mb, final);
	mem_deref(mb);
	return err;
}

int sipnotifier_accept(struct sipnotifier **np, struct sipep *ep,
		       const struct sip_msg *msg, const char *ctype,
		       sipnotifier_close_h *closeh, void *arg)
{
	const struct sip_hdr *hdr;
	struct sipevent_event event;
	struct sipnotifier *n;
	int err;

	if (!np || !ep || !msg || !ctype)
		return EINVAL;
	hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);
	if (!hdr || sipevent_event_decode(&event, &hdr->val))
		return EBADMSG;

	n = mem_zalloc(sizeof(*n), notifier_destructor);
	if (!n)
		return ENOMEM;
	n->closeh = closeh;
	n->arg = arg;
	n->ep = ep;
	n->peer = contact_of(msg);

	sipep_tls_expect(ep, n->peer);
	err = sipevent_accept(&n->not, ep->evsock, msg, NULL, &event, 200,
			      "OK", SUB_EXPIRES_MIN, SUB_EXPIRES_DFL,
			      SUB_EXPIRES_MAX, ep->user, ctype, NULL, NULL,
			      false, notifier_close_handler, n, NULL);
	sipep_tls_expect(ep, NULL);
	if (err)
		mem_deref(n);
	else
		*np = n;
	return err;
}

int sipnotifier_notify(struct sipnotifier *n, struct mbuf *body, bool final)
{
	if (!n)
		return EINVAL;
	int err;

	if (final)
		n->closeh = NULL;   /* ended by us: no report */
	sipep_tls_expect(n->ep, n->peer);
	err = sipevent_notify(n->not, body, final ? SIPEVENT_TERMINATED :
			      SIPEVENT_ACTIVE, SIPEVENT_NORESOURCE, 0);
	sipep_tls_expect(n->ep, NULL);
	return err;
}


/* The subscriber's side */

static void subscr_destructor(void *arg)
{
	struct sipsubscr *s = arg;

	mem_deref(s->sub);   /* a live one unsubscribes (Expires: 0) */
	mem_deref(s->challenged);
	mem_deref(s->uri);
	mem_deref(s->hop);
	mem_deref(s->event);
	mem_deref(s->accept);
	mem_deref(s->ep);
}

static int subscr_request(struct sipsubscr *s, const char *auth_hdr);

/* As refer_resend_authorized(): a new SUBSCRIBE with our credentials.
 * Its refreshes go in the subscription's dialog, which our devices do not
 * challenge; a peer that challenged them would end the subscription. */
static bool subscr_resend_authorized(struct sipsubscr *s,
				     const struct sip_msg *msg)
{
	char *hdr = NULL;
	int err;

	if (sipep_auth_answer(s->ep, msg, "SUBSCRIBE", s->uri,
			      &s->auth_tries, &hdr))
		return false;
	mem_deref(s->challenged);
	s->challenged = s->sub;
	s->sub = NULL;
	err = subscr_request(s, hdr);
	mem_deref(hdr);
	return err == 0;
}

static void subscr_notify_handler(struct sip *sip, const struct sip_msg *msg,
				  void *arg)
{
	struct sipsubscr *s = arg;
	bool final = substate_terminated(msg);

	(void)sip_treply(NULL, sip, msg, 200, "OK");
	if (s->done)
		return;
	s->done = final;
	s->h(0, 0, msg, final, s->arg);   /* may free s */
}

static void subscr_close_handler(int err, const struct sip_msg *msg,
				 const struct sipevent_substate *substate,
				 void *arg)
{
	struct sipsubscr *s = arg;
	(void)substate;

	if (s->done)
		return;
	if (msg && !msg->req && (msg->scode == 401 || msg->scode == 407) &&
	    subscr_resend_authorized(s, msg))
		return;
	s->done = true;
	s->h(err, msg && !msg->req ? msg->scode : 0, NULL, true, s->arg);
}

int sipsubscr_send(struct sipsubscr **sp, struct sipep *ep, const char *uri,
		   const char *event, const char *accept_ctype,
		   uint32_t expires, sipsubscr_h *h, void *arg)
{
	struct sipsubscr *s;
	int err;

	if (!sp || !ep || !uri || !event || !accept_ctype || !h)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), subscr_destructor);
	if (!s)
		return ENOMEM;
	s->h = h;
	s->arg = arg;
	s->ep = mem_ref(ep);
	s->expires = expires;
	err  = sipep_route_uri(&s->uri, uri);   /* the Request-URI */
	err |= str_dup(&s->hop, uri);
	err |= str_dup(&s->event, event);
	err |= str_dup(&s->accept, accept_ctype);

	err = err ? err : subscr_request(s, NULL);
	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}

static int subscr_request(struct sipsubscr *s, const char *auth_hdr)
{
	struct sipep *ep = s->ep;
	int err;

	sipep_tls_expect(ep, s->hop);
	err = sipevent_subscribe(&s->sub, ep->evsock, s->uri, ep->display,
				 ep->uri, s->event, NULL, s->expires,
				 ep->user, NULL, 0, NULL, NULL, false, NULL,
				 subscr_notify_handler, subscr_close_handler,
				 s, "Accept: %s\r\n%s", s->accept,
				 auth_hdr ? auth_hdr : "");
	sipep_tls_expect(ep, NULL);
	return err;
}
