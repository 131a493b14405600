/*
 * The SIP endpoint: one per process. It owns libre's SIP stack, listens on
 * UDP and TCP at one address (IPv4 or IPv6), and dispatches requests: a new
 * INVITE makes an incoming leg; in-dialog requests go to the leg whose
 * dialog matches; OPTIONS is answered with our capabilities. A request that
 * lacks the headers every SIP request must carry is answered 400 (or dropped
 * and logged when it cannot be answered); libre itself drops and logs what it
 * cannot parse at all.
 */
#include <string.h>
#include "sip_priv.h"

#define LEG_BUCKETS 256

static void destructor(void *arg)
{
	struct sipep *ep = arg;

	sipep_shutdown(ep);
	mem_deref(ep->reg);
	list_flush(&ep->tokens);
	mem_deref(ep->evsock);
	mem_deref(ep->lsnr_req);
	mem_deref(ep->lsnr_resp);
	hash_clear(ep->legs);
	mem_deref(ep->legs);
	sip_close(ep->sip, true);
	mem_deref(ep->sip);
	mem_deref(ep->tls);
	mem_deref(ep->uri);
	mem_deref(ep->user);
	mem_deref(ep->display);
	mem_deref(ep->reg_user);
	mem_deref(ep->reg_pass);
	mem_deref(ep->auth);
	mem_deref(ep->creds);
}

int sipep_send_contact(struct sipep *ep, struct mbuf *mb,
		       const struct sa *src, enum sip_transp tp)
{
	struct sip_contact contact;

	sip_contact_set(&contact, ep->user, src, tp);

	return mbuf_printf(mb, "%H", sip_contact_print, &contact);
}

static bool leg_cmp(struct le *le, void *arg)
{
	struct sipleg *leg = le->data;
	const struct sip_msg *msg = arg;

	return leg->dlg && sip_dialog_cmp(leg->dlg, msg);
}

struct sipleg *sipep_find_leg(struct sipep *ep, const struct sip_msg *msg)
{
	return list_ledata(hash_lookup(ep->legs, hash_joaat_pl(&msg->callid),
				       leg_cmp, (void *)msg));
}

/* A decimal number of at most 10 digits, or false. */
static bool pl_number(const struct pl *pl, uint64_t *v)
{
	if (!pl_isset(pl) || pl->l > 10)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	*v = pl_u64(pl);
	return true;
}

/*
 * What libre's parser lets through but no request may carry: RFC 3261
 * §8.1.1 headers missing or inconsistent, a CSeq number of 2^31 or more
 * (§8.1.1.5), control bytes in the header section (but in a quoted-pair),
 * and over UDP a Content-Length that is not the size of the body in the
 * datagram (§18.3; libre checks it on TCP only). Returns why, or NULL
 * when it is whole.
 */
static const char *request_flaw(const struct sip_msg *msg)
{
	const struct sip_hdr *cseq = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	struct pl num;
	uint64_t v;
	size_t i;

	if (!pl_isset(&msg->callid) || !pl_isset(&msg->from.auri) ||
	    !pl_isset(&msg->to.auri) || !cseq)
		return "missing Call-ID, CSeq, From or To";
	if (pl_cmp(&msg->cseq.met, &msg->met))
		return "CSeq method differs from the request's";
	if (re_regex(cseq->val.p, cseq->val.l, "[0-9]+", &num) ||
	    !pl_number(&num, &v) || v == 0 || v >= (1ULL << 31))
		return "CSeq number out of range";

	/* A control byte may stand only as a quoted-pair (RFC 3261 §25.1:
	 * "\" and any byte but CR and LF), as RFC 4475's intmeth has in a
	 * display name. */
	for (i = 0; i < msg->mb->pos; i++) {
		uint8_t c = msg->mb->buf[i];

		if (((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		     c == 0x7f) && (i == 0 || msg->mb->buf[i - 1] != '\\'))
			return "control byte in the headers";
	}

	if (msg->tp == SIP_TRANSP_UDP && pl_isset(&msg->clen) &&
	    (!pl_number(&msg->clen, &v) || v != mbuf_get_left(msg->mb)))
		return "Content-Length is not the body's size";

	return NULL;
}

/* A Require we do not support (RFC 3261 §8.2.2.3): the first one */
static bool unsupported_require(const struct sip_hdr *hdr,
				const struct sip_msg *msg, void *arg)
{
	struct pl *opt = arg;
	struct pl v = hdr->val, tok;
	(void)msg;

	while (v.l && !re_regex(v.p, v.l, "[ \t]*[^, \t]+[ \t]*[,]*",
				NULL, &tok, NULL, NULL)) {
		if (pl_strcasecmp(&tok, SIPMOB_SUPPORTED)) {
			*opt = tok;
			return true;
		}
		pl_advance(&v, (size_t)(tok.p + tok.l - v.p));
		while (v.l && (v.p[0] == ',' || v.p[0] == ' ' ||
			       v.p[0] == '\t'))
			pl_advance(&v, 1);
	}
	return false;
}

/* What we cannot serve however well-formed the request: another SIP
 * version (505), a Request-URI of another scheme (416), an extension we
 * do not have in Require (420 with Unsupported). True when answered. */
static bool refuse_unservable(struct sipep *ep, const struct sip_msg *msg)
{
	struct pl opt = PL_INIT;

	if (!pl_strcmp(&msg->met, "ACK"))
		return false;
	if (pl_strcmp(&msg->ver, "2.0") && pl_strcasecmp(&msg->ver, "SIP/2.0")) {
		(void)sip_reply(ep->sip, msg, 505, "Version Not Supported");
		return true;
	}
	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		(void)sip_reply(ep->sip, msg, 416, "Unsupported URI Scheme");
		return true;
	}
	if (pl_strcmp(&msg->met, "CANCEL") &&
	    sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, unsupported_require,
			      &opt)) {
		re_fprintf(stderr, "sip: %r from %J requires '%r': 420\n",
			   &msg->met, &msg->src, &opt);
		(void)sip_treplyf(NULL, NULL, ep->sip, msg, false, 420,
				  "Bad Extension", "Unsupported: %r\r\n"
				  "Content-Length: 0\r\n\r\n", &opt);
		return true;
	}
	return false;
}

static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct sipep *ep = arg;
	struct sipleg *leg;
	const char *flaw = request_flaw(msg);

	if (flaw) {
		re_fprintf(stderr, "sip: bad request from %J: %r: %s\n",
			   &msg->src, &msg->met, flaw);
		if (pl_isset(&msg->via.branch) && pl_strcmp(&msg->met, "ACK"))
			(void)sip_reply(ep->sip, msg, 400, "Bad Request");
		return true;
	}
	if (refuse_unservable(ep, msg))
		return true;
	if (!sipep_auth_guard(ep, msg))
		return true;    /* challenged or refused, and logged */

	if (!pl_strcmp(&msg->met, "OPTIONS") && !pl_isset(&msg->to.tag)) {
		sipep_options_reply(ep, msg);
		return true;
	}

	if (!pl_strcmp(&msg->met, "INVITE") && !pl_isset(&msg->to.tag)) {
		sipleg_incoming_invite(ep, msg);
		return true;
	}

	leg = pl_isset(&msg->to.tag) ? sipep_find_leg(ep, msg) : NULL;

	if (!pl_strcmp(&msg->met, "REFER"))
		return sipep_refer_request(ep, leg, msg);

	if (!pl_isset(&msg->to.tag))
		return false;   /* SUBSCRIBE goes to sipevent; others 501 */

	if (!pl_strcmp(&msg->met, "ACK")) {
		if (leg)
			sipleg_incoming_ack(leg, msg);
		return true;
	}

	if (pl_strcmp(&msg->met, "INVITE") && pl_strcmp(&msg->met, "BYE")) {
		/* INFO and the like go to the leg's owner; NOTIFY and
		 * SUBSCRIBE to sipevent's listener when the owner declines. */
		if (leg && leg->state != SIPLEG_CLOSED && leg->h.reqh &&
		    sip_dialog_rseq_valid(leg->dlg, msg))
			return leg->h.reqh(leg, msg, leg->arg);
		return false;
	}

	if (!leg || leg->state == SIPLEG_CLOSED) {
		(void)sip_treply(NULL, ep->sip, msg, 481,
				 "Call/Transaction Does Not Exist");
		return true;
	}
	if (!sip_dialog_rseq_valid(leg->dlg, msg)) {
		(void)sip_treply(NULL, ep->sip, msg, 500, "Bad CSeq");
		return true;
	}

	if (!pl_strcmp(&msg->met, "INVITE"))
		sipleg_incoming_reinvite(leg, msg);
	else
		sipleg_incoming_bye(leg, msg);

	return true;
}

static void stray_bye_handler(int err, const struct sip_msg *msg, void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;
}

/* A 2xx to an INVITE we gave up on (CANCELed or hung up while it crossed
 * our CANCEL): RFC 3261 §13.2.2.4 says to ACK it, then send BYE, or the
 * far side retransmits it for 32 s and holds a half-open session. */
static void end_stray_2xx(struct sipep *ep, const struct sip_msg *msg)
{
	const struct sip_hdr *ch = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr contact;
	char *target = NULL;
	int err;

	if (!ch || sip_addr_decode(&contact, &ch->val) ||
	    pl_strdup(&target, &contact.auri))
		return;
	re_fprintf(stderr, "sip: 2xx from %r to an INVITE given up: ACK and"
		   " BYE\n", &msg->to.auri);
	if (sipep_uri_secure(target)) {   /* libre routes sip: only */
		char *r = NULL;

		if (sipep_route_uri(&r, target)) {
			mem_deref(target);
			return;
		}
		mem_deref(target);
		target = r;
	}
	sipep_tls_expect(ep, target);
	err = sip_requestf(NULL, ep->sip, false, "ACK", target, NULL, NULL,
			   NULL, NULL, NULL,
			   "Max-Forwards: 70\r\nTo: %r\r\nFrom: %r\r\n"
			   "Call-ID: %r\r\nCSeq: %u ACK\r\n"
			   "Content-Length: 0\r\n\r\n", &msg->to.val,
			   &msg->from.val, &msg->callid, msg->cseq.num);
	err |= sip_requestf(NULL, ep->sip, true, "BYE", target, NULL, NULL,
			    NULL, stray_bye_handler, NULL,
			    "Max-Forwards: 70\r\nTo: %r\r\nFrom: %r\r\n"
			    "Call-ID: %r\r\nCSeq: %u BYE\r\n"
			    "Content-Length: 0\r\n\r\n", &msg->to.val,
			    &msg->from.val, &msg->callid, msg->cseq.num + 1);
	sipep_tls_expect(ep, NULL);
	if (err)
		re_fprintf(stderr, "sip: cannot end the stray call: %m\n",
			   err);
	mem_deref(target);
}

/* A 2xx retransmitted by the far side after our ACK was lost, or one to
 * an INVITE we no longer have. */
static bool response_handler(const struct sip_msg *msg, void *arg)
{
	struct sipep *ep = arg;
	struct sipleg *leg;

	if (msg->scode < 200 || msg->scode > 299 ||
	    pl_strcmp(&msg->cseq.met, "INVITE"))
		return false;

	leg = sipep_find_leg(ep, msg);
	if (!leg || leg->state == SIPLEG_CLOSED) {
		if (!pl_isset(&msg->to.tag) || !pl_isset(&msg->callid))
			return false;
		end_stray_2xx(ep, msg);
		return true;
	}

	sipleg_response_retransmit(leg, msg);
	return true;
}

static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt, size_t len,
			  void *arg)
{
	struct sipep *ep = arg;
	struct pl line, cseq = PL_INIT;
	char summary[256];
	const char *eol;
	bool sdp;

	if (!ep->traceh || !len)
		return;

	eol = memchr(pkt, '\r', len);
	line.p = (const char *)pkt;
	line.l = eol ? (size_t)(eol - (const char *)pkt) : MIN(len, 80);
	/* every [..] of re_regex is a capture and takes a pl (NULL: skip) */
	(void)re_regex((const char *)pkt, len, "CSeq:[ \t]*[^\r\n]+", NULL,
		       &cseq);
	sdp = re_regex((const char *)pkt, len, "application/sdp") == 0;

	/* ours first: "tx LOCAL -> REMOTE", "rx LOCAL <- REMOTE" */
	re_snprintf(summary, sizeof(summary), "%s %s %J %s %J | %r | %r%s",
		    tx ? "tx" : "rx", sip_transp_name(tp), tx ? src : dst,
		    tx ? "->" : "<-", tx ? dst : src, &line, &cseq,
		    sdp ? " | sdp" : "");
	ep->traceh(tx, summary, ep->tracearg);
}

static void stderr_trace(bool tx, const char *summary, void *arg)
{
	(void)tx;
	(void)arg;
	re_fprintf(stderr, "sip: %s\n", summary);
}

int sipep_alloc(struct sipep **epp, const struct sipep_conf *conf,
		sipep_invite_h *inviteh, void *arg)
{
	struct sipep *ep;
	int err;

	if (!epp || !conf || !conf->listen)
		return EINVAL;

	ep = mem_zalloc(sizeof(*ep), destructor);
	if (!ep)
		return ENOMEM;

	err = sa_decode(&ep->laddr, conf->listen, strlen(conf->listen));
	if (err || !sa_port(&ep->laddr)) {
		re_fprintf(stderr, "sip: bad listen address '%s'"
			   " (want ADDR:PORT or [V6]:PORT)\n", conf->listen);
		err = EINVAL;
		goto out;
	}

	err  = str_dup(&ep->user, conf->user ? conf->user : "sipmob");
	err |= conf->display ? str_dup(&ep->display, conf->display) : 0;
	err |= re_sdprintf(&ep->uri, "sip:%s@%J", ep->user, &ep->laddr);
	if (err)
		goto out;

	err = hash_alloc(&ep->legs, LEG_BUCKETS);
	if (err)
		goto out;

	err = sip_alloc(&ep->sip, NULL, 32, 32, 32,
			conf->software ? conf->software : "sipmob/"
			SIPMOB_VERSION, NULL, ep);  /* ep: the trace handler's arg */
	if (err)
		goto out;

	err = sip_transp_add(ep->sip, SIP_TRANSP_UDP, &ep->laddr);
	if (err) {
		re_fprintf(stderr, "sip: cannot listen on udp %J: %m\n",
			   &ep->laddr, err);
		goto out;
	}
	err = sip_transp_add(ep->sip, SIP_TRANSP_TCP, &ep->laddr);
	if (err) {
		re_fprintf(stderr, "sip: cannot listen on tcp %J: %m\n",
			   &ep->laddr, err);
		goto out;
	}

	if (conf->tls_cert) {
		err = sipep_tls_alloc(ep, conf);
		ep->uri = mem_deref(ep->uri);
		err = err ? err : re_sdprintf(&ep->uri, "sips:%s@%J", ep->user,
					      &ep->tls_laddr);
		if (err)
			goto out;
	}

	err  = sip_listen(&ep->lsnr_req, ep->sip, true, request_handler, ep);
	err |= sip_listen(&ep->lsnr_resp, ep->sip, false, response_handler,
			  ep);
	if (err)
		goto out;

	/* after ours: sipevent's listener takes what ours declines */
	err = sipep_events_alloc(ep);
	if (err)
		goto out;

	if (conf->trace)
		sipep_set_trace_handler(ep, stderr_trace, NULL);
	ep->inviteh = inviteh;
	ep->arg = arg;

 out:
	if (err)
		mem_deref(ep);
	else
		*epp = ep;

	return err;
}

void sipep_set_caps_handler(struct sipep *ep, sipep_caps_h *capsh, void *arg)
{
	if (!ep)
		return;
	ep->capsh = capsh;
	ep->capsarg = arg;
}

void sipep_set_trace_handler(struct sipep *ep, sipep_trace_h *traceh,
			     void *arg)
{
	if (!ep)
		return;
	ep->traceh = traceh;
	ep->tracearg = arg;
	/* libre's trace handler takes the stack's own arg, set at alloc. */
	sip_set_trace_handler(ep->sip, traceh ? trace_handler : NULL);
}

const char *sipep_allow(const struct sipep *ep)
{
	return ep->referh ?
		"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, NOTIFY,"
		" SUBSCRIBE" :
		"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, SUBSCRIBE";
}

const char *sipep_uri(const struct sipep *ep)
{
	return ep ? ep->uri : NULL;
}

const struct sa *sipep_laddr(const struct sipep *ep)
{
	return ep ? &ep->laddr : NULL;
}

struct sip *sipep_sip(const struct sipep *ep)
{
	return ep ? ep->sip : NULL;
}

static bool hangup_apply(struct le *le, void *arg)
{
	(void)arg;
	sipleg_hangup(le->data);
	return false;
}

void sipep_shutdown(struct sipep *ep)
{
	if (!ep || !ep->legs)
		return;
	hash_apply(ep->legs, hangup_apply, NULL);
}
