/*
 * The client side of a leg: our INVITE and re-INVITE, and the ACK.
 *
 * Unlike libre's sipsess, a 2xx is reported to the owner before any ACK is
 * sent, and with hold_ack the ACK waits until the owner gives its body
 * (RFC 3725 flows put one party's answer into the ACK to another). Every
 * outcome of a re-INVITE reaches the owner: 4xx-6xx, Timer B, the leg
 * closing under it. The last ACK is kept for 64*T1 and resent when the far
 * side retransmits its 2xx (RFC 3261 §13.2.2.4).
 */
#include <string.h>
#include "sip_priv.h"

static int send_invite(struct sipleg *leg, struct mbuf *offer);
static bool resend_with_token(struct sipleg *leg, uint16_t scode);

static int ack_send_handler(enum sip_transp tp, const struct sa *src,
			    const struct sa *dst, struct mbuf *mb, void *arg)
{
	struct sipleg *leg = arg;
	(void)src;

	mem_deref(leg->ackmb);
	leg->ackmb = mem_ref(mb);
	leg->ackdst = *dst;
	leg->acktp = tp;

	return 0;
}

int sipleg_ack(struct sipleg *leg, struct mbuf *body)
{
	int err;

	if (!leg || !leg->ack_due)
		return EPROTO;

	if (!sipleg_keys_allowed(leg, body))
		return EPROTO;
	leg->ack_due = false;
	sipep_tls_expect(leg->ep, sipleg_next_hop(leg));
	err = sip_drequestf(NULL, leg->ep->sip, false, "ACK", leg->dlg,
			    leg->ack_cseq, NULL, ack_send_handler, NULL, leg,
			    "%H", sipleg_body_printf,
			    &(struct sipleg_body){SIPLEG_SDP, body});
	sipep_tls_expect(leg->ep, NULL);
	if (err)
		re_fprintf(stderr, "sip: ACK to %s failed: %m\n", leg->ruri,
			   err);
	return err;
}

void sipleg_response_retransmit(struct sipleg *leg, const struct sip_msg *m)
{
	if (!leg->ackmb || leg->ack_due || m->cseq.num != leg->ack_cseq)
		return;

	(void)sip_send(leg->ep->sip, NULL, leg->acktp, &leg->ackdst,
		       leg->ackmb);
}

/* The response goes to the request's own handler when it has one (a
 * re-INVITE sent with sipleg_reinvite_h), else to the leg's. */
static void report(struct sipleg *leg, int err, uint16_t scode,
		   const struct sip_msg *msg)
{
	sipleg_resp_h *h = leg->req_resph ? leg->req_resph : leg->h.resph;
	void *arg = leg->req_resph ? leg->req_arg : leg->arg;

	if (err || scode >= 200) {
		leg->req_resph = NULL;
		leg->req_arg = NULL;
	}
	if (h)
		h(leg, err, scode, msg, arg);
}

static void record_dialog(struct sipleg *leg, const struct sip_msg *msg)
{
	mem_deref(leg->ltag);
	mem_deref(leg->rtag);
	(void)pl_strdup(&leg->ltag, &msg->from.tag);
	(void)pl_strdup(&leg->rtag, &msg->to.tag);
	sipleg_keep_peer(leg, msg);
}

/* RFC 3261 §22.2: a challenged INVITE goes again with credentials, in
 * the same Call-ID and From tag and with a higher CSeq; at most once per
 * challenge, so a wrong password ends in the 401, not a loop. */
static bool resend_authorized(struct sipleg *leg, const struct sip_msg *msg)
{
	char *hdr = NULL;

	/* the digest covers the Request-URI as sent (sips: goes as
	 * sip:...;transport=tls) */
	if (sipep_auth_answer(leg->ep, msg, "INVITE",
			      leg->route ? leg->route : leg->ruri,
			      &leg->auth_tries, &hdr))
		return false;
	mem_deref(leg->auth_hdr);
	leg->auth_hdr = hdr;
	return send_invite(leg, leg->offer) == 0;
}

static void invite_resp_handler(int err, const struct sip_msg *msg,
				void *arg)
{
	struct sipleg *leg = arg;
	bool initial = leg->state == SIPLEG_CALLING;
	uint16_t scode = msg ? msg->scode : 0;

	if (err || !msg) {
		re_fprintf(stderr, "sip: INVITE to %s: %m\n", leg->ruri,
			   err ? err : ETIMEDOUT);
		mem_ref(leg);
		report(leg, err ? err : ETIMEDOUT, 0, NULL);
		if (initial)
			sipleg_closed(leg, err ? err : ETIMEDOUT, NULL);
		mem_deref(leg);
		return;
	}

	if (scode < 200) {
		report(leg, 0, scode, msg);
		return;
	}

	mem_ref(leg);

	if (scode < 300) {
		err = initial ? sip_dialog_create(leg->dlg, msg)
			      : sip_dialog_update(leg->dlg, msg);
		if (err) {
			re_fprintf(stderr, "sip: bad 2xx from %s: %m\n",
				   leg->ruri, err);
		}
		if (initial) {
			record_dialog(leg, msg);
			leg->state = SIPLEG_ESTABLISHED;
		}
		sipleg_keep_sdp(leg, msg);
		leg->ack_due = true;
		leg->ack_cseq = msg->cseq.num;

		report(leg, 0, scode, msg);

		/* Not held: ACK now (unless the owner already did). */
		if (leg->ack_due && !leg->hold_ack)
			(void)sipleg_ack(leg, NULL);
	}
	else if (initial && resend_with_token(leg, scode)) {
		/* its outcome comes as the INVITE's */
	}
	else if ((scode == 401 || scode == 407) && initial &&
		 resend_authorized(leg, msg)) {
		/* the answer to the new INVITE comes here again */
	}
	else {
		re_fprintf(stderr, "sip: %s to %s failed: %u %r\n",
			   initial ? "INVITE" : "re-INVITE", leg->ruri,
			   scode, &msg->reason);
		report(leg, 0, scode, msg);
		if (initial)
			sipleg_closed(leg, EPROTO, msg);
	}

	mem_deref(leg);
}

static int invite_send_handler(enum sip_transp tp, const struct sa *src,
			       const struct sa *dst, struct mbuf *mb,
			       void *arg)
{
	struct sipleg *leg = arg;
	(void)dst;

	return sipep_send_contact(leg->ep, mb, src, tp);
}

struct invite_body {
	const struct sipleg *leg;
	const struct mbuf *offer;
};

/* The offer; after a 429, the offer and the Referred-By token */
static int invite_body_print(struct re_printf *pf,
			     const struct invite_body *b)
{
	if (b->leg->token_sent)
		return sip_token_body_print(pf, b->leg->token, b->offer);
	return sipleg_body_printf(pf, &(struct sipleg_body){SIPLEG_SDP,
							    b->offer});
}

static int send_invite(struct sipleg *leg, struct mbuf *offer)
{
	int err;

	if (!sipleg_keys_allowed(leg, offer))
		return EPROTO;
	sipep_tls_expect(leg->ep, leg->rtarget ? leg->rtarget : leg->route);
	err = sip_drequestf(&leg->req, leg->ep->sip, true, "INVITE",
			    leg->dlg, 0, NULL, invite_send_handler,
			    invite_resp_handler, leg,
			    "Allow: %s\r\n"
			    "Supported: " SIPMOB_SUPPORTED "\r\n"
			    "%s%s"
			    "%H",
			    sipep_allow(leg->ep),
			    leg->hdrs ? leg->hdrs : "",
			    leg->auth_hdr && leg->state == SIPLEG_CALLING ?
			    leg->auth_hdr : "",
			    invite_body_print,
			    &(struct invite_body){leg, offer});
	sipep_tls_expect(leg->ep, NULL);
	return err;
}

/* RFC 3892 §5: the refer target asks for the referrer's token (429
 * Provide Referrer Identity). We send the INVITE again, in the same
 * dialog-to-be with the next CSeq (RFC 3261 §8.1.3.5), now with the
 * token; once. True when it went. */
static bool resend_with_token(struct sipleg *leg, uint16_t scode)
{
	if (scode != 429 || !leg->token || leg->token_sent)
		return false;
	leg->token_sent = true;
	if (send_invite(leg, leg->offer))
		return false;
	re_fprintf(stderr, "sip: %s asks for the referrer's token (429):"
		   " INVITE again with it\n", leg->ruri);
	return true;
}

int sipleg_connect(struct sipleg **legp, struct sipep *ep,
		   const char *to_uri, const char *extra_hdrs,
		   struct mbuf *offer, bool hold_ack,
		   const struct sipleg_handlers *h, void *arg)
{
	struct sipleg *leg;
	int err;

	if (!legp || !ep || !to_uri)
		return EINVAL;

	err = sipleg_alloc(&leg, ep, true);
	if (err)
		return err;

	sipleg_set_handlers(leg, h, arg);
	leg->hold_ack = hold_ack;
	err  = str_dup(&leg->ruri, to_uri);
	err |= extra_hdrs ? str_dup(&leg->hdrs, extra_hdrs) : 0;
	err |= sipep_route_uri(&leg->route, to_uri);
	if (err)
		goto out;
	leg->secure = sipep_uri_secure(to_uri);

	/* kept whole: a challenge (401) or a request for the referrer's
	 * token (429) makes us send it again */
	if (offer && mbuf_get_left(offer)) {
		leg->offer = mbuf_alloc(mbuf_get_left(offer));
		err = leg->offer ? mbuf_write_mem(leg->offer, mbuf_buf(offer),
						  mbuf_get_left(offer)) :
			ENOMEM;
		if (err)
			goto out;
		leg->offer->pos = 0;
	}

	err = sip_dialog_alloc(&leg->dlg, leg->route, to_uri, ep->display,
			       ep->uri, NULL, 0);
	if (err)
		goto out;

	sipleg_index(leg);

	/* a token of the REFER this INVITE follows, given if asked */
	leg->token = sipep_token_for(ep, extra_hdrs);

	err = send_invite(leg, offer);

 out:
	if (err)
		mem_deref(leg);
	else
		*legp = leg;

	return err;
}

int sipleg_reinvite_h(struct sipleg *leg, struct mbuf *offer, bool hold_ack,
		      sipleg_resp_h *resph, void *arg)
{
	int err;

	if (!leg)
		return EINVAL;
	if (leg->state != SIPLEG_ESTABLISHED)
		return ENOTCONN;
	if (sipleg_busy(leg))
		return EBUSY;   /* RFC 3261 §14.1: one INVITE at a time */

	leg->hold_ack = hold_ack;
	leg->hdrs = mem_deref(leg->hdrs);

	err = send_invite(leg, offer);
	if (!err) {
		leg->req_resph = resph;
		leg->req_arg = arg;
	}
	return err;
}

int sipleg_reinvite(struct sipleg *leg, struct mbuf *offer, bool hold_ack)
{
	return sipleg_reinvite_h(leg, offer, hold_ack, NULL, NULL);
}
