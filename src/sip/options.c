/*
 * OPTIONS (RFC 3261 §11): answered with what we allow, accept and support,
 * and an SDP body of our media capabilities (spec §6.1 queries a peer's
 * codecs this way); and sent, to learn the same of a peer. libre has no
 * helper for the client side, so a throw-away dialog gives the request its
 * From, To and Call-ID.
 */
#include <string.h>
#include "sip_priv.h"

void sipep_options_reply(struct sipep *ep, const struct sip_msg *msg)
{
	struct sip_contact contact;
	struct mbuf *desc = NULL;

	if (ep->capsh)
		(void)ep->capsh(&desc, ep->capsarg);

	sip_contact_set(&contact, ep->user, &msg->dst, msg->tp);
	(void)sip_treplyf(NULL, NULL, ep->sip, msg, false, 200, "OK",
			  "%H"
			  "Allow: %s\r\n"
			  "Accept: application/sdp\r\n"
			  "Supported: " SIPMOB_SUPPORTED "\r\n"
			  "%H",
			  sip_contact_print, &contact, sipep_allow(ep),
			  sipleg_body_printf,
			  &(struct sipleg_body){SIPLEG_SDP, desc});
	mem_deref(desc);
}

struct options_query {
	struct sipep *ep;
	sipep_options_h *h;
	void *arg;
};

static int options_send_handler(enum sip_transp tp, const struct sa *src,
				const struct sa *dst, struct mbuf *mb,
				void *arg)
{
	struct options_query *q = arg;
	(void)dst;

	return sipep_send_contact(q->ep, mb, src, tp);
}

static void options_destructor(void *arg)
{
	struct options_query *q = arg;

	mem_deref(q->ep);
}

static void options_resp_handler(int err, const struct sip_msg *msg,
				 void *arg)
{
	struct options_query *q = arg;

	if (!err && msg && msg->scode < 200)
		return;

	q->h(err, msg, q->arg);
	mem_deref(q);
}

int sipep_options(struct sipep *ep, const char *uri, sipep_options_h *h,
		  void *arg)
{
	struct sip_dialog *dlg = NULL;
	struct options_query *q;
	char *route = NULL;
	int err;

	if (!ep || !uri || !h)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), options_destructor);
	if (!q)
		return ENOMEM;
	q->ep = mem_ref(ep);
	q->h = h;
	q->arg = arg;

	err = sipep_route_uri(&route, uri);
	err = err ? err : sip_dialog_alloc(&dlg, route, uri, ep->display,
					   ep->uri, NULL, 0);
	if (err)
		goto out;

	sipep_tls_expect(ep, uri);
	err = sip_drequestf(NULL, ep->sip, true, "OPTIONS", dlg, 0, NULL,
			    options_send_handler, options_resp_handler, q,
			    "Accept: application/sdp\r\n"
			    "Content-Length: 0\r\n\r\n");
	sipep_tls_expect(ep, NULL);
 out:
	mem_deref(route);
	mem_deref(dlg);
	if (err)
		mem_deref(q);
	return err;
}
