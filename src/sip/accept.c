/*
 * The server side of a leg: their INVITE and re-INVITE, our answer, the
 * 2xx retransmitted until their ACK (RFC 3261 §13.3.1.4: T1 doubling to
 * T2, given up after 64*T1 with a BYE), CANCEL and BYE.
 *
 * An INVITE that arrives while one of ours is in progress is refused with
 * 491 (glare); one that arrives while theirs is still unanswered, or before
 * our 2xx was acknowledged, gets 500 with Retry-After (§14.2).
 */
#include <string.h>
#include "sip_priv.h"

void sipleg_server_stop(struct sipleg *leg)
{
	tmr_cancel(&leg->tmr_rtx);
	tmr_cancel(&leg->tmr_noack);
	leg->resp = mem_deref(leg->resp);
}

static void cancel_handler(void *arg)
{
	struct sipleg *leg = arg;

	/* libre has answered the CANCEL itself; we end the INVITE. */
	(void)sip_treply(&leg->st, leg->ep->sip, leg->imsg, 487,
			 "Request Terminated");
	if (leg->state == SIPLEG_INCOMING) {
		mem_ref(leg);
		sipleg_closed(leg, ECANCELED, NULL);
		mem_deref(leg);
	}
}

static void retransmit_handler(void *arg)
{
	struct sipleg *leg = arg;

	(void)sip_send(leg->ep->sip, leg->imsg->sock, leg->imsg->tp,
		       &leg->imsg->src, leg->resp);
	leg->txc++;
	tmr_start(&leg->tmr_rtx, MIN(SIP_T1 << leg->txc, SIP_T2),
		  retransmit_handler, leg);
}

static void noack_handler(void *arg)
{
	struct sipleg *leg = arg;

	re_fprintf(stderr, "sip: no ACK from %s: ending the call\n",
		   leg->ruri);
	mem_ref(leg);
	sipleg_send_bye(leg);
	sipleg_closed(leg, ETIMEDOUT, NULL);
	mem_deref(leg);
}

int sipleg_reply(struct sipleg *leg, uint16_t scode, const char *reason,
		 struct mbuf *body)
{
	return sipleg_reply_typed(leg, scode, reason, SIPLEG_SDP, body);
}

int sipleg_reply_typed(struct sipleg *leg, uint16_t scode,
		       const char *reason, const char *ctype,
		       struct mbuf *body)
{
	const struct sipleg_body b = {ctype, body};
	struct sip_contact contact;
	const struct sip_msg *msg;
	int err;

	if (!leg || !scode || !reason)
		return EINVAL;
	if (!leg->st || !leg->imsg)
		return EPROTO;
	if (!sipleg_keys_allowed(leg, body))
		return EPROTO;

	msg = leg->imsg;

	if (scode < 200) {
		sip_contact_set(&contact, leg->ep->user, &msg->dst, msg->tp);
		return sip_treplyf(&leg->st, NULL, leg->ep->sip, msg, true,
				   scode, reason, "%H%H", sip_contact_print,
				   &contact, sipleg_body_printf, NULL);
	}

	if (scode >= 300) {
		err = sip_treplyf(&leg->st, NULL, leg->ep->sip, msg, false,
				  scode, reason, "%H", sipleg_body_printf,
				  NULL);
		leg->imsg = mem_deref((void *)leg->imsg);
		if (leg->state == SIPLEG_INCOMING) {
			mem_ref(leg);
			sipleg_closed(leg, EPROTO, NULL);
			mem_deref(leg);
		}
		return err;
	}

	sip_contact_set(&contact, leg->ep->user, &msg->dst, msg->tp);
	leg->resp = mem_deref(leg->resp);
	err = sip_treplyf(&leg->st, &leg->resp, leg->ep->sip, msg, true,
			  scode, reason,
			  "%H"
			  "Allow: %s\r\n"
			  "Supported: " SIPMOB_SUPPORTED "\r\n"
			  "%H",
			  sip_contact_print, &contact,
			  sipep_allow(leg->ep), sipleg_body_printf, &b);
	if (err)
		return err;

	if (leg->state == SIPLEG_INCOMING) {
		leg->state = SIPLEG_ESTABLISHED;
		(void)re_sdprintf(&leg->ltag, "%016llx", msg->tag);
	}
	leg->resp_cseq = msg->cseq.num;
	leg->txc = 0;
	tmr_start(&leg->tmr_rtx, SIP_T1, retransmit_handler, leg);
	tmr_start(&leg->tmr_noack, 64 * SIP_T1, noack_handler, leg);

	return 0;
}

/* An INVITE whose body is not SDP (the only type we take in one) gets 415
 * with what we accept (RFC 3261 §21.4.16); true when it was refused. */
static bool refuse_body_type(struct sip *sip, const struct sip_msg *msg)
{
	if (!mbuf_get_left(msg->mb) ||
	    msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return false;
	re_fprintf(stderr, "sip: INVITE from %J with a %r body: 415\n",
		   &msg->src, &msg->ctyp.type);
	(void)sip_treplyf(NULL, NULL, sip, msg, false, 415,
			  "Unsupported Media Type",
			  "Accept: " SIPLEG_SDP "\r\n"
			  "Content-Length: 0\r\n\r\n");
	return true;
}

static int server_transaction(struct sipleg *leg, const struct sip_msg *msg)
{
	int err;

	err = sip_strans_alloc(&leg->st, leg->ep->sip, msg, cancel_handler,
			       leg);
	if (err)
		return err;

	mem_deref((void *)leg->imsg);
	leg->imsg = mem_ref((void *)msg);
	sipleg_keep_sdp(leg, msg);

	return 0;
}

void sipleg_incoming_invite(struct sipep *ep, const struct sip_msg *msg)
{
	struct sipleg *leg = NULL, *replaced;
	const char *reason = NULL;
	uint16_t scode = 0;
	int err;

	if (!ep->inviteh) {
		(void)sip_treply(NULL, ep->sip, msg, 480,
				 "Temporarily Unavailable");
		return;
	}
	/* with a verifier, a multipart/mixed body may carry a Referred-By
	 * token beside the offer (aib_sip.c) */
	if (!sipep_aib_verifier(ep) && refuse_body_type(ep->sip, msg))
		return;
	if (sipleg_find_replaced(ep, msg, &replaced, &scode, &reason)) {
		if (scode)
			(void)sip_treply(NULL, ep->sip, msg, scode, reason);
		return;
	}
	if (sipep_aib_verifier(ep)) {
		(void)sipep_narrow_to_sdp(ep, msg);  /* else 415 just below */
		if (refuse_body_type(ep->sip, msg))
			return;
	}

	err = sipleg_alloc(&leg, ep, false);
	if (err)
		goto fail;
	leg->replaced = mem_ref(replaced);

	err  = sip_dialog_accept(&leg->dlg, msg);
	err |= pl_strdup(&leg->ruri, &msg->from.auri);
	leg->secure = msg->tp == SIP_TRANSP_TLS;
	err |= pl_strdup(&leg->rtag, &msg->from.tag);
	if (err)
		goto fail;
	sipleg_keep_peer(leg, msg);

	err = server_transaction(leg, msg);
	if (err)
		goto fail;

	sipleg_index(leg);
	(void)sip_treply(&leg->st, ep->sip, msg, 100, "Trying");

	/* The handler keeps the leg with mem_ref(); a leg nobody keeps is
	 * declined by its destructor (480). */
	ep->inviteh(ep, leg, msg, ep->arg);
	mem_deref(leg);
	return;

 fail:
	re_fprintf(stderr, "sip: cannot take INVITE from %J: %m\n",
		   &msg->src, err);
	if (leg && leg->st)
		(void)sip_treply(&leg->st, ep->sip, msg, 500,
				 "Server Internal Error");
	else
		(void)sip_treply(NULL, ep->sip, msg, 500,
				 "Server Internal Error");
	mem_deref(leg);
}

void sipleg_incoming_reinvite(struct sipleg *leg, const struct sip_msg *msg)
{
	struct sip *sip = leg->ep->sip;

	if (leg->req || leg->ack_due) {
		(void)sip_treply(NULL, sip, msg, 491, "Request Pending");
		return;
	}
	if (leg->st || leg->resp) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 500,
				  "Server Internal Error",
				  "Retry-After: 1\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}
	if (!leg->h.offerh) {
		(void)sip_treply(NULL, sip, msg, 488, "Not Acceptable Here");
		return;
	}
	if (refuse_body_type(sip, msg))
		return;

	(void)sip_dialog_update(leg->dlg, msg);
	if (server_transaction(leg, msg)) {
		(void)sip_treply(NULL, sip, msg, 500, "Server Internal Error");
		return;
	}

	leg->h.offerh(leg, msg, leg->arg);
}

void sipleg_incoming_ack(struct sipleg *leg, const struct sip_msg *msg)
{
	if (!leg->resp || msg->cseq.num != leg->resp_cseq)
		return;   /* a retransmitted ACK, or one for a non-2xx */

	sipleg_server_stop(leg);
	leg->imsg = mem_deref((void *)leg->imsg);
	sipleg_keep_sdp(leg, msg);

	if (leg->h.ackh)
		leg->h.ackh(leg, msg, leg->arg);
}

void sipleg_incoming_bye(struct sipleg *leg, const struct sip_msg *msg)
{
	(void)sip_treply(NULL, leg->ep->sip, msg, 200, "OK");

	if (leg->st)
		(void)sip_treply(&leg->st, leg->ep->sip, leg->imsg, 487,
				 "Request Terminated");

	mem_ref(leg);
	sipleg_closed(leg, ECONNRESET, msg);
	mem_deref(leg);
}
