/*
 * PUBLISH (RFC 3903): an event state published to a presence server, kept
 * alive while the sippub lives. The first PUBLISH carries the state and
 * gets an entity tag (SIP-ETag); a refresh, before Expires runs out,
 * carries no body and names the tag in SIP-If-Match; a new state names it
 * too. 412 (the server forgot the tag, e.g. it restarted) starts over with
 * the whole state; 423 takes the server's Min-Expires; 401/407 are
 * answered once with our credentials. libre 1.1.0 has no publisher, so
 * the requests go out as OPTIONS do (options.c): in a dialog we never
 * establish, which gives them From, To, Call-ID and rising CSeqs.
 */
#include <string.h>
#include "sip_priv.h"

enum {
	PUB_RETRY_MS = 2000,   /* after a failure, while it lives */
	PUB_ETAG_MAX = 128,
};

struct sippub {
	struct sipep *ep;
	struct sip_dialog *dlg;
	struct sip_request *req;
	char *uri;                 /* the presentity: Request-URI and To */
	char *event;
	char *ctype;
	struct mbuf *body;         /* the state, to send again on 412    */
	char etag[PUB_ETAG_MAX];
	uint32_t expires;          /* asked for                          */
	uint32_t granted;          /* the last 2xx's Expires             */
	bool with_body;            /* the request in flight carries it   */
	bool dirty;                /* a new state waits for the answer   */
	bool removing;
	unsigned auth_tries;
	struct tmr tmr;
	sippub_h *h;
	void *arg;
	uint64_t npublished;       /* 2xx answers                         */
};

static int pub_send(struct sippub *p, bool body, const char *auth_hdr);

static void destructor(void *arg)
{
	struct sippub *p = arg;

	tmr_cancel(&p->tmr);
	mem_deref(p->req);
	mem_deref(p->dlg);
	mem_deref(p->uri);
	mem_deref(p->event);
	mem_deref(p->ctype);
	mem_deref(p->body);
	mem_deref(p->ep);
}

static void refresh_handler(void *arg)
{
	struct sippub *p = arg;

	/* without a tag (a failure before any 2xx) the whole state again */
	if (pub_send(p, !p->etag[0] || p->dirty, NULL))
		tmr_start(&p->tmr, PUB_RETRY_MS, refresh_handler, p);
}

static void report(struct sippub *p, int err, uint16_t scode,
		   const char *reason)
{
	if (p->h)
		p->h(err, scode, reason, p->arg);
}

static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct sippub *p = arg;
	const struct sip_hdr *hdr;
	char reason[64] = "";
	char *auth = NULL;

	p->req = NULL;
	if (!err && msg->scode < 200)
		return;
	if (msg)
		pl_strcpy(&msg->reason, reason, sizeof(reason));

	if (!err && (msg->scode == 401 || msg->scode == 407) &&
	    !sipep_auth_answer(p->ep, msg, "PUBLISH", p->uri,
			       &p->auth_tries, &auth)) {
		err = pub_send(p, p->with_body, auth);
		mem_deref(auth);
		if (!err)
			return;
	}
	if (!err && msg->scode == 412 && p->etag[0]) {
		re_fprintf(stderr, "sip: PUBLISH to %s: 412, the server does"
			   " not know tag %s: publishing the whole state\n",
			   p->uri, p->etag);
		p->etag[0] = '\0';   /* forgotten: the whole state again */
		if (!pub_send(p, true, NULL))
			return;
	}
	if (!err && msg->scode == 423) {
		hdr = sip_msg_hdr(msg, SIP_HDR_MIN_EXPIRES);
		uint32_t min = hdr ? pl_u32(&hdr->val) : 0;

		if (min > p->expires && min <= 86400) {
			p->expires = min;
			if (!pub_send(p, p->with_body || !p->etag[0], NULL))
				return;
		}
	}

	if (err || msg->scode >= 300) {
		report(p, err, err ? 0 : msg->scode, reason);
		if (!p->removing)
			tmr_start(&p->tmr, PUB_RETRY_MS, refresh_handler, p);
		return;
	}

	p->auth_tries = 0;
	p->npublished++;
	hdr = sip_msg_xhdr(msg, "SIP-ETag");
	if (hdr && hdr->val.l < sizeof(p->etag))
		pl_strcpy(&hdr->val, p->etag, sizeof(p->etag));
	p->granted = msg->expires.l ? pl_u32(&msg->expires) : p->expires;
	if (p->removing) {
		p->etag[0] = '\0';
		report(p, 0, msg->scode, reason);
		return;
	}
	if (p->dirty) {           /* a new state came while this one flew */
		p->dirty = false;
		if (!pub_send(p, true, NULL))
			return;
	}
	report(p, 0, msg->scode, reason);
	/* refresh well before it runs out (RFC 3903 §4.1 leaves when) */
	tmr_start(&p->tmr, p->granted > 10 ? (uint64_t)p->granted * 800 :
		  (uint64_t)p->granted * 500 + 1, refresh_handler, p);
}

static int pub_send(struct sippub *p, bool body, const char *auth_hdr)
{
	struct sipep *ep = p->ep;
	uint32_t expires = p->removing ? 0 : p->expires;
	int err;

	if (p->req)
		return EALREADY;
	if (!auth_hdr)
		p->auth_tries = 0;   /* a new request: its own challenges */
	p->with_body = body && p->body;
	sipep_tls_expect(ep, p->uri);
	err = sip_drequestf(&p->req, ep->sip, true, "PUBLISH", p->dlg, 0,
			    NULL, NULL, resp_handler, p,
			    "Event: %s\r\n"
			    "Expires: %u\r\n"
			    "%s%s%s"
			    "%s"
			    "%s%s%s"
			    "Content-Length: %zu\r\n"
			    "\r\n"
			    "%b",
			    p->event, expires,
			    p->etag[0] ? "SIP-If-Match: " : "", p->etag,
			    p->etag[0] ? "\r\n" : "",
			    auth_hdr ? auth_hdr : "",
			    p->with_body ? "Content-Type: " : "",
			    p->with_body ? p->ctype : "",
			    p->with_body ? "\r\n" : "",
			    p->with_body ? mbuf_get_left(p->body) : 0,
			    p->with_body ? mbuf_buf(p->body) : NULL,
			    p->with_body ? mbuf_get_left(p->body) : 0);
	sipep_tls_expect(ep, NULL);
	return err;
}

int sippub_alloc(struct sippub **pp, struct sipep *ep, const char *uri,
		 const char *event, uint32_t expires, sippub_h *h, void *arg)
{
	struct sippub *p;
	char *route = NULL;
	int err;

	if (!pp || !ep || !uri || !event || !expires)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;
	tmr_init(&p->tmr);
	p->ep = mem_ref(ep);
	p->expires = expires;
	p->h = h;
	p->arg = arg;
	err  = str_dup(&p->uri, uri);
	err |= str_dup(&p->event, event);
	err |= sipep_route_uri(&route, uri);
	err = err ? err : sip_dialog_alloc(&p->dlg, route, uri, ep->display,
					   ep->uri, NULL, 0);
	mem_deref(route);
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}

int sippub_publish(struct sippub *p, const char *ctype, const char *body,
		   size_t len)
{
	struct mbuf *mb;
	int err;

	if (!p || !ctype || !body || !len)
		return EINVAL;
	mb = mbuf_alloc(len);
	if (!mb)
		return ENOMEM;
	err = mbuf_write_mem(mb, (const uint8_t *)body, len);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	mem_deref(p->body);
	p->body = mb;
	p->ctype = mem_deref(p->ctype);
	err = str_dup(&p->ctype, ctype);
	if (err)
		return err;
	p->removing = false;
	tmr_cancel(&p->tmr);
	if (p->req) {             /* sent when the one in flight is answered */
		p->dirty = true;
		return 0;
	}
	return pub_send(p, true, NULL);
}

int sippub_remove(struct sippub *p)
{
	if (!p)
		return EINVAL;
	tmr_cancel(&p->tmr);
	if (!p->etag[0])
		return ENOENT;
	p->removing = true;
	p->dirty = false;
	p->req = mem_deref(p->req);
	return pub_send(p, false, NULL);
}

int sippub_set_etag(struct sippub *p, const char *etag)
{
	if (!p || !etag || strlen(etag) >= sizeof(p->etag) || p->req)
		return EINVAL;
	str_ncpy(p->etag, etag, sizeof(p->etag));
	return 0;
}

const char *sippub_etag(const struct sippub *p)
{
	return p && p->etag[0] ? p->etag : NULL;
}

uint64_t sippub_count(const struct sippub *p)
{
	return p ? p->npublished : 0;
}
