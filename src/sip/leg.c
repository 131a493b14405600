/*
 * A leg: one INVITE dialog usage (RFC 3261 §12-§15) held by the endpoint,
 * either side. This file has its life cycle: creation, the dialog
 * identifiers later modules need (Replaces matches on Call-ID and tags),
 * hang-up and the closing report. The INVITE transactions themselves are in
 * invite.c (client) and accept.c (server).
 */
#include <string.h>
#include "sip_priv.h"

static void bye_resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;
}

void sipleg_send_bye(struct sipleg *leg)
{
	int err;

	sipep_tls_expect(leg->ep, sipleg_next_hop(leg));
	err = sip_drequestf(NULL, leg->ep->sip, true, "BYE", leg->dlg, 0,
			    NULL, NULL, bye_resp_handler, NULL,
			    "Content-Length: 0\r\n\r\n");
	sipep_tls_expect(leg->ep, NULL);
	if (err)
		re_fprintf(stderr, "sip: BYE to %s failed: %m\n", leg->ruri,
			   err);
}

void sipleg_hangup(struct sipleg *leg)
{
	if (!leg || leg->state == SIPLEG_CLOSED)
		return;

	switch (leg->state) {

	case SIPLEG_CALLING:
		/* libre sends the CANCEL (or waits for a 1xx to send it). */
		leg->req = mem_deref(leg->req);
		break;

	case SIPLEG_INCOMING:
		if (leg->st)
			(void)sip_treply(&leg->st, leg->ep->sip, leg->imsg,
					 480, "Temporarily Unavailable");
		break;

	case SIPLEG_ESTABLISHED:
		if (leg->st)   /* their re-INVITE, still unanswered */
			(void)sip_treply(&leg->st, leg->ep->sip, leg->imsg,
					 500, "Server Internal Error");
		leg->req = mem_deref(leg->req);
		if (leg->ack_due)   /* a 2xx whose ACK was held */
			(void)sipleg_ack(leg, NULL);
		sipleg_send_bye(leg);
		break;

	default:
		break;
	}

	sipleg_server_stop(leg);
	leg->state = SIPLEG_CLOSED;
}

static void destructor(void *arg)
{
	struct sipleg *leg = arg;

	sipleg_hangup(leg);
	hash_unlink(&leg->he);
	mem_deref(leg->req);
	mem_deref(leg->st);
	mem_deref((void *)leg->imsg);
	mem_deref(leg->resp);
	mem_deref(leg->ackmb);
	mem_deref(leg->dlg);
	mem_deref(leg->ruri);
	mem_deref(leg->route);
	mem_deref(leg->callid);
	mem_deref(leg->ltag);
	mem_deref(leg->rtag);
	mem_deref(leg->rsdp);
	mem_deref(leg->replaced);
	mem_deref(leg->rtarget);
	mem_deref(leg->hdrs);
	mem_deref(leg->token);
	mem_deref(leg->offer);
	mem_deref(leg->auth_hdr);
	mem_deref(leg->ep);
}

int sipleg_alloc(struct sipleg **legp, struct sipep *ep, bool uac)
{
	struct sipleg *leg;

	leg = mem_zalloc(sizeof(*leg), destructor);
	if (!leg)
		return ENOMEM;

	leg->ep = mem_ref(ep);
	leg->uac = uac;
	leg->state = uac ? SIPLEG_CALLING : SIPLEG_INCOMING;
	tmr_init(&leg->tmr_rtx);
	tmr_init(&leg->tmr_noack);
	*legp = leg;

	return 0;
}

/* Makes the leg findable by in-dialog requests (its Call-ID is known). */
void sipleg_index(struct sipleg *leg)
{
	if (!leg->dlg || leg->he.list)
		return;
	(void)str_dup(&leg->callid, sip_dialog_callid(leg->dlg));
	hash_append(leg->ep->legs, hash_joaat_str(leg->callid), &leg->he,
		    leg);
}

void sipleg_keep_sdp(struct sipleg *leg, const struct sip_msg *msg)
{
	size_t n;

	if (!msg || !(n = mbuf_get_left(msg->mb)) ||
	    msg_ctype_cmp(&msg->ctyp, "application", "sdp") == false)
		return;

	mem_deref(leg->rsdp);
	leg->rsdp = mbuf_alloc(n);
	if (!leg->rsdp)
		return;
	(void)mbuf_write_mem(leg->rsdp, mbuf_buf(msg->mb), n);
	leg->rsdp->pos = 0;
}

/* The dialog ended on the far side's word or by failure: tell the owner. */
void sipleg_closed(struct sipleg *leg, int err, const struct sip_msg *msg)
{
	if (leg->state == SIPLEG_CLOSED)
		return;

	sipleg_server_stop(leg);
	leg->state = SIPLEG_CLOSED;

	if (leg->h.closeh)
		leg->h.closeh(leg, err, msg, leg->arg);
}

/* Content-Type (when there is a body) and Content-Length, then the body. */
int sipleg_body_printf(struct re_printf *pf, const struct sipleg_body *b)
{
	size_t n = b && b->mb ? mbuf_get_left(b->mb) : 0;

	if (!n)
		return re_hprintf(pf, "Content-Length: 0\r\n\r\n");

	return re_hprintf(pf, "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n\r\n%b",
			  b->ctype ? b->ctype : SIPLEG_SDP, n,
			  mbuf_buf(b->mb), n);
}

struct leg_request {
	sipleg_info_h *h;
	void *arg;
};

static void request_resp_handler(int err, const struct sip_msg *msg,
				 void *arg)
{
	struct leg_request *r = arg;

	if (!err && msg && msg->scode < 200)
		return;
	if (r->h)
		r->h(err, msg, r->arg);
	mem_deref(r);
}

int sipleg_request(struct sipleg *leg, const char *method,
		   const char *ctype, const struct mbuf *body,
		   sipleg_info_h *h, void *arg)
{
	struct leg_request *r;
	size_t n = body ? mbuf_get_left(body) : 0;
	int err;

	if (!leg || !method)
		return EINVAL;
	if (leg->state != SIPLEG_ESTABLISHED)
		return ENOTCONN;

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;

	if (n && !ctype) {
		mem_deref(r);
		return EINVAL;   /* every body says what it is */
	}
	if (!sipleg_keys_allowed(leg, body)) {
		mem_deref(r);
		return EPROTO;
	}
	sipep_tls_expect(leg->ep, sipleg_next_hop(leg));
	err = sip_drequestf(NULL, leg->ep->sip, true, method, leg->dlg, 0,
			    NULL, NULL, request_resp_handler, r, "%H",
			    sipleg_body_printf,
			    &(struct sipleg_body){ctype, body});
	sipep_tls_expect(leg->ep, NULL);
	if (err)
		mem_deref(r);
	return err;
}

void sipleg_set_handlers(struct sipleg *leg, const struct sipleg_handlers *h,
			 void *arg)
{
	if (!leg)
		return;
	if (h)
		leg->h = *h;
	else
		memset(&leg->h, 0, sizeof(leg->h));
	leg->arg = arg;
}

enum sipleg_state sipleg_state(const struct sipleg *leg)
{
	return leg ? leg->state : SIPLEG_CLOSED;
}

const char *sipleg_state_name(enum sipleg_state st)
{
	switch (st) {

	case SIPLEG_CALLING:     return "calling";
	case SIPLEG_INCOMING:    return "incoming";
	case SIPLEG_ESTABLISHED: return "established";
	case SIPLEG_CLOSED:      return "closed";
	default:                 return "?";
	}
}

bool sipleg_is_uac(const struct sipleg *leg)
{
	return leg && leg->uac;
}

bool sipleg_busy(const struct sipleg *leg)
{
	return leg && (leg->req || leg->st || leg->ack_due || leg->resp);
}

const char *sipleg_remote_uri(const struct sipleg *leg)
{
	return leg ? leg->ruri : NULL;
}

const char *sipleg_callid(const struct sipleg *leg)
{
	return leg ? leg->callid : NULL;
}

const char *sipleg_local_tag(const struct sipleg *leg)
{
	return leg ? leg->ltag : NULL;
}

const char *sipleg_remote_tag(const struct sipleg *leg)
{
	return leg ? leg->rtag : NULL;
}

/* What the far side's INVITE or 2xx says of it: where to reach it
 * (Contact) and whether it takes Replaces (RFC 3891 §5, Supported). */
void sipleg_keep_peer(struct sipleg *leg, const struct sip_msg *msg)
{
	const struct sip_hdr *ch = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr contact;

	leg->peer_replaces = sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED,
						   "replaces") ||
		sip_msg_hdr_has_value(msg, SIP_HDR_REQUIRE, "replaces");
	if (ch && !sip_addr_decode(&contact, &ch->val)) {
		leg->rtarget = mem_deref(leg->rtarget);
		(void)pl_strdup(&leg->rtarget, &contact.auri);
	}
}

const char *sipleg_remote_target(const struct sipleg *leg)
{
	return !leg ? NULL : leg->rtarget ? leg->rtarget : leg->ruri;
}

const char *sipleg_next_hop(const struct sipleg *leg)
{
	return sipleg_remote_target(leg);
}

bool sipleg_keys_allowed(const struct sipleg *leg, const struct mbuf *body)
{
	if (leg->secure || !body ||
	    re_regex((const char *)body->buf, body->end, "a=crypto:"))
		return true;
	re_fprintf(stderr, "sip: not sending SRTP keys to %s: the leg is not"
		   " over TLS\n", leg->ruri);
	return false;
}

bool sipleg_secure(const struct sipleg *leg)
{
	return leg && leg->secure;
}

bool sipleg_peer_supports_replaces(const struct sipleg *leg)
{
	return leg && leg->peer_replaces;
}

const struct mbuf *sipleg_remote_sdp(const struct sipleg *leg)
{
	return leg ? leg->rsdp : NULL;
}
