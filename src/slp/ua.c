/*
 * User Agent (RFC 2608 §6.1, §6.3): asks a DA when it has one — given, or
 * found by a multicast SrvRqst for service:directory-agent — and otherwise
 * asks the SAs themselves by multicast convergence: the request goes to
 * 239.255.255.253 again and again with the responders so far in the
 * PRList, until a round brings no new responder (at most MCAST_ROUNDS).
 *
 * Unicast requests are retransmitted (250 ms, doubling) until the
 * timeout; a reply with OVERFLOW set is fetched again over TCP. Every call
 * ends in exactly one handler call; the request is unlinked from the UA
 * before that call, so a handler may free the UA.
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp.h>
#include "slp_priv.h"

enum {
	MCAST_ROUNDS = 5,
	RETX_FIRST_MS = 250,
	DISCOVERY_MS = 600,
};

struct slp_ua {
	struct slp_ua_conf conf;
	char *scopes;
	struct slp_udp *udp;
	struct list reqs;
	struct list waiting;      /* requests waiting for DA discovery */
	struct sa da;
	bool has_da;
	bool discovering;
	bool discovered;
	char dastr[64];
	uint16_t xid;
	struct sa group;
};

struct ureq {
	struct le le;
	struct slp_ua *ua;
	struct slp_msg q;         /* the request; strings point to strs */
	char *strs[4];
	uint16_t xid;
	bool mcast;
	bool discovery;
	struct mbuf *out;
	struct tmr tmr_retx;
	struct tmr tmr_total;
	uint32_t retx_ms;
	unsigned round;
	bool round_new;
	struct mbuf *prlist;      /* responders, comma-separated */
	struct mbuf *acc;         /* accumulated answers (multicast) */
	size_t nacc;
	struct tcp_conn *tc;
	struct mbuf *tcprx;
	size_t tcp_len;           /* reply complete: its length */
	int tcp_err;
	slp_ua_srv_h *srvh;
	slp_ua_list_h *listh;
	slp_ua_ack_h *ackh;
	void *arg;
};

#define LOG(ua, lvl, ...) slp_logf((ua)->conf.verbose, (lvl), \
				   "slp-ua", __VA_ARGS__)

static void ua_destructor(void *arg)
{
	struct slp_ua *ua = arg;

	list_flush(&ua->reqs);
	list_flush(&ua->waiting);
	mem_deref(ua->udp);
	mem_deref(ua->scopes);
}

static void ureq_destructor(void *arg)
{
	struct ureq *r = arg;

	list_unlink(&r->le);
	tmr_cancel(&r->tmr_retx);
	tmr_cancel(&r->tmr_total);
	mem_deref(r->tc);
	mem_deref(r->tcprx);
	mem_deref(r->out);
	mem_deref(r->prlist);
	mem_deref(r->acc);
	for (int i = 0; i < 4; i++)
		mem_deref(r->strs[i]);
}

const char *slp_ua_da(const struct slp_ua *ua)
{
	return ua ? ua->dastr : "";
}

/* ---- completion ---- */

static void deliver_srvs(struct ureq *r, int err, uint16_t se,
			 const struct pl *block, uint16_t n)
{
	struct slp_ua_url *v = NULL;
	size_t k = 0;
	struct pl b;

	if (!err && n) {
		struct slp_urlent e;

		v = mem_zalloc(n * sizeof(*v), NULL);
		if (!v) {
			err = ENOMEM;
			goto out;
		}
		b = *block;
		while (k < n && slp_urlent_next(&b, &e) == 0) {
			v[k].url = e.url;
			v[k].lifetime = e.lifetime;
			k++;
		}
	}
 out:
	r->srvh(err, se, v, k, r->arg);
	mem_deref(v);
}

/* Ends the request with a decoded reply (m) or an error. */
static void ureq_done(struct ureq *r, int err, const struct slp_msg *m)
{
	uint16_t se = m ? m->err : 0;

	list_unlink(&r->le);
	tmr_cancel(&r->tmr_retx);
	tmr_cancel(&r->tmr_total);
	switch (r->discovery ? 0 : r->q.hdr.fid) {
	case SLP_SRVRQST:
		if (r->srvh)
			deliver_srvs(r, err, se, m ? &m->urls : NULL,
				     m ? m->nurl : 0);
		break;
	case SLP_ATTRRQST:
		if (r->listh)
			r->listh(err, se, m ? &m->attrs : NULL, r->arg);
		break;
	case SLP_SRVTYPERQST:
		if (r->listh)
			r->listh(err, se, m ? &m->srvtypes : NULL, r->arg);
		break;
	default:
		if (r->ackh)
			r->ackh(err, se, r->arg);
		break;
	}
	mem_deref(r);
}

/* Multicast: the accumulated answers as one reply. */
static void ureq_done_mcast(struct ureq *r)
{
	struct slp_msg m;
	struct mbuf *u = NULL;

	memset(&m, 0, sizeof(m));
	m.hdr.fid = slp_reply_fid(r->q.hdr.fid);
	if (r->q.hdr.fid == SLP_SRVRQST) {
		m.nurl = (uint16_t)r->nacc;
		m.urls.p = (const char *)r->acc->buf;
		m.urls.l = r->acc->end;
	}
	else if (r->q.hdr.fid == SLP_ATTRRQST) {
		/* union of every list received */
		struct slp_attrs **v = mem_zalloc((r->nacc + 1) *
						   sizeof(*v), NULL);
		const char *p = (const char *)r->acc->buf;
		const char *end = p + r->acc->end;
		size_t n = 0;

		u = mbuf_alloc(r->acc->end + 1);
		while (v && u && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct pl l = {p, (size_t)((nl ? nl : end) - p)};

			if (!slp_attrs_decode(&v[n], &l))
				n++;
			p = nl ? nl + 1 : end;
		}
		if (v && u)
			(void)slp_attrs_encode(u, v, n, NULL);
		for (size_t i = 0; v && i < n; i++)
			mem_deref(v[i]);
		mem_deref(v);
		if (u) {
			m.attrs.p = (const char *)u->buf;
			m.attrs.l = u->end;
		}
	}
	else {
		m.srvtypes.p = (const char *)r->acc->buf;
		m.srvtypes.l = r->acc->end;
	}
	ureq_done(r, 0, &m);
	mem_deref(u);
}

/* ---- sending ---- */

static int encode(struct ureq *r)
{
	r->q.hdr.flags = (uint16_t)((r->q.hdr.flags & ~SLP_FLAG_MCAST) |
				    (r->mcast ? SLP_FLAG_MCAST : 0));
	if (r->prlist) {
		r->q.prlist.p = (const char *)r->prlist->buf;
		r->q.prlist.l = r->prlist->end;
	}
	r->out->pos = r->out->end = 0;
	return slp_msg_encode(r->out, &r->q);
}

static void ureq_send(struct ureq *r)
{
	struct slp_ua *ua = r->ua;
	int err = encode(r);

	if (!err)
		err = slp_udp_send(ua->udp, r->mcast ? &ua->group : &ua->da,
				   r->out->buf, r->out->end);
	if (err)
		LOG(ua, 0, "send %s: %m", slp_fid_name(r->q.hdr.fid), err);
	else
		LOG(ua, 2, "%s sent to %J%s", slp_fid_name(r->q.hdr.fid),
		    r->mcast ? &ua->group : &ua->da,
		    r->mcast ? " (multicast)" : "");
}

static void total_timeout(void *arg)
{
	struct ureq *r = arg;

	if (r->mcast)
		ureq_done_mcast(r);
	else
		ureq_done(r, ETIMEDOUT, NULL);
}

static void retx_timeout(void *arg)
{
	struct ureq *r = arg;

	if (r->mcast) {
		/* convergence: stop when a round brought nobody new */
		if (!r->round_new || ++r->round >= MCAST_ROUNDS ||
		    r->discovery) {
			ureq_done_mcast(r);
			return;
		}
		r->round_new = false;
		ureq_send(r);
		tmr_start(&r->tmr_retx, r->ua->conf.mcast_wait_ms,
			  retx_timeout, r);
		return;
	}
	ureq_send(r);
	r->retx_ms *= 2;
	tmr_start(&r->tmr_retx, r->retx_ms, retx_timeout, r);
}

static void ureq_start(struct ureq *r)
{
	struct slp_ua *ua = r->ua;

	r->mcast = !ua->has_da || r->discovery;
	if (r->mcast && (r->q.hdr.fid == SLP_SRVREG ||
			 r->q.hdr.fid == SLP_SRVDEREG)) {
		LOG(ua, 0, "%s needs a DA, and none was found",
		    slp_fid_name(r->q.hdr.fid));
		ureq_done(r, ENOTCONN, NULL);
		return;
	}
	list_append(&ua->reqs, &r->le, r);
	r->retx_ms = RETX_FIRST_MS;
	ureq_send(r);
	tmr_start(&r->tmr_retx, r->mcast ? (r->discovery ? DISCOVERY_MS :
					    ua->conf.mcast_wait_ms) :
		  r->retx_ms, retx_timeout, r);
	tmr_start(&r->tmr_total, ua->conf.timeout_ms, total_timeout, r);
}

/* ---- TCP after OVERFLOW ---- */

static void tcp_estab(void *arg)
{
	struct ureq *r = arg;
	struct mbuf *mb = mbuf_alloc(r->out->end);

	r->mcast = false;
	if (!mb || encode(r)) {
		mem_deref(mb);
		ureq_done(r, ENOMEM, NULL);
		return;
	}
	(void)mbuf_write_mem(mb, r->out->buf, r->out->end);
	mb->pos = 0;
	(void)tcp_send(r->tc, mb);
	mem_deref(mb);
}

static void tcp_finish(void *arg)
{
	struct ureq *r = arg;
	struct slp_msg m;
	uint16_t se;

	if (r->tcp_err) {
		ureq_done(r, r->tcp_err, NULL);
		return;
	}
	if (slp_msg_decode(&m, r->tcprx->buf, r->tcp_len, &se) ||
	    m.hdr.xid != r->xid) {
		ureq_done(r, EPROTO, NULL);
		return;
	}
	LOG(r->ua, 2, "%s over TCP: %zu bytes", slp_fid_name(m.hdr.fid),
	    r->tcp_len);
	ureq_done(r, 0, &m);
}

static void tcp_recv(struct mbuf *mb, void *arg)
{
	struct ureq *r = arg;
	uint32_t n;

	if (r->tcprx->end + mbuf_get_left(mb) > SLP_MAX_TCP_REPLY ||
	    mbuf_write_mem(r->tcprx, mbuf_buf(mb), mbuf_get_left(mb))) {
		ureq_done(r, ENOMEM, NULL);
		return;
	}
	n = slp_msg_peek_len(r->tcprx->buf, r->tcprx->end);
	if (r->tcprx->end < 5 || r->tcprx->end < n || r->tcp_len)
		return;
	/* finish outside libre's TCP handler, which must not see its
	 * connection freed under it */
	r->tcp_len = n ? n : 1;
	tmr_start(&r->tmr_retx, 0, tcp_finish, r);
}

static void tcp_close(int err, void *arg)
{
	struct ureq *r = arg;

	if (r->tcp_len)
		return;
	r->tcp_len = 1;
	r->tcp_err = err ? err : ECONNRESET;
	tmr_start(&r->tmr_retx, 0, tcp_finish, r);
}

static void ureq_tcp(struct ureq *r)
{
	int err;

	tmr_cancel(&r->tmr_retx);
	r->tcprx = mbuf_alloc(2048);
	err = r->tcprx ? tcp_connect(&r->tc, &r->ua->da, tcp_estab, tcp_recv,
				     tcp_close, r) : ENOMEM;
	if (err)
		ureq_done(r, err, NULL);
	else
		LOG(r->ua, 1, "reply overflowed: asking %J again over TCP",
		    &r->ua->da);
}

/* ---- receiving ---- */

static void start_waiting(struct slp_ua *ua)
{
	struct le *le;

	while ((le = ua->waiting.head)) {
		struct ureq *r = le->data;

		list_unlink(&r->le);
		ureq_start(r);
	}
}

static void mcast_accumulate(struct ureq *r, const struct sa *src,
			     const struct slp_msg *m)
{
	char a[64];

	/* many or chatty responders cannot grow a request without bound:
	 * answers stop at SLP_MAX_TCP_REPLY bytes, and the PRList at 1 KB so
	 * that the request still fits one datagram (RFC 2608 §6.3) */
	if (r->acc->end > SLP_MAX_TCP_REPLY)
		return;
	if (r->prlist->end < 1024 &&
	    !slp_prlist_has(&(struct pl){(const char *)r->prlist->buf,
					  r->prlist->end}, src)) {
		re_snprintf(a, sizeof(a), "%s%j", r->prlist->end ? "," : "",
			    src);
		(void)mbuf_write_str(r->prlist, a);
		r->round_new = true;    /* convergence: a new responder */
	}

	if (m->hdr.fid == SLP_SRVRPLY) {
		struct pl b = m->urls;
		struct slp_urlent e;

		while (slp_urlent_next(&b, &e) == 0) {
			struct pl acc = {(const char *)r->acc->buf,
					 r->acc->end};
			struct slp_urlent x;
			bool dup = false;

			while (!dup && slp_urlent_next(&acc, &x) == 0)
				dup = !pl_cmp(&x.url, &e.url);
			if (dup || r->nacc >= 0xffff)
				continue;
			e.nauth = 0;
			(void)slp_urlent_encode(r->acc, &e);
			r->nacc++;
		}
	}
	else if (m->hdr.fid == SLP_ATTRRPLY) {
		if (m->attrs.l) {
			if (r->acc->end)
				(void)mbuf_write_u8(r->acc, '\n');
			(void)mbuf_write_pl(r->acc, &m->attrs);
			r->nacc++;
		}
	}
	else if (m->hdr.fid == SLP_SRVTYPERPLY) {
		const char *p = m->srvtypes.p, *end = p + m->srvtypes.l;

		while (p < end) {
			const char *c = memchr(p, ',', (size_t)(end - p));
			struct pl t = {p, (size_t)((c ? c : end) - p)};
			struct pl acc = {(const char *)r->acc->buf,
					 r->acc->end};
			struct pl x;
			bool dup = false;

			p = c ? c + 1 : end;
			while (!dup && acc.l) {
				const char *cc = memchr(acc.p, ',', acc.l);
				x.p = acc.p;
				x.l = (size_t)((cc ? cc : acc.p + acc.l) -
					       acc.p);
				dup = !pl_casecmp(&x, &t);
				acc.l -= x.l + (cc ? 1 : 0);
				acc.p += x.l + (cc ? 1 : 0);
			}
			if (dup || !t.l)
				continue;
			if (r->acc->end)
				(void)mbuf_write_u8(r->acc, ',');
			(void)mbuf_write_pl(r->acc, &t);
		}
	}
}

static void udp_recv(const struct sa *src, bool mcast, const struct sa *ldst,
		     const uint8_t *buf, size_t len, void *arg)
{
	struct slp_ua *ua = arg;
	struct slp_msg m;
	uint16_t se;
	struct le *le;

	(void)ldst;
	if (mcast || slp_msg_decode(&m, buf, len, &se))
		return;
	for (le = ua->reqs.head; le; le = le->next) {
		struct ureq *r = le->data;

		if (r->xid != m.hdr.xid)
			continue;
		if (r->discovery) {
			if (m.hdr.fid != SLP_DAADVERT || m.err || !m.boot)
				return;
			ua->da = *src;
			ua->has_da = true;
			re_snprintf(ua->dastr, sizeof(ua->dastr), "%J", src);
			LOG(ua, 1, "DA found: %r at %J", &m.url, src);
			ureq_done(r, 0, NULL);
			return;
		}
		if (m.hdr.fid != slp_reply_fid(r->q.hdr.fid) || r->tc)
			return;
		if (r->mcast) {
			if (!m.err)
				mcast_accumulate(r, src, &m);
			return;
		}
		if (!sa_cmp(src, &ua->da, SA_ALL))
			return;
		if (m.hdr.flags & SLP_FLAG_OVERFLOW) {
			ureq_tcp(r);
			return;
		}
		ureq_done(r, 0, &m);
		return;
	}
}

/* ---- public ---- */

static void discovery_done(int err, uint16_t se, void *arg)
{
	struct slp_ua *ua = arg;

	(void)err;
	(void)se;
	ua->discovering = false;
	ua->discovered = true;
	if (!ua->has_da)
		LOG(ua, 1, "no DA answered: asking the SAs by multicast");
	start_waiting(ua);
}

static int ureq_alloc(struct ureq **rp, struct slp_ua *ua, uint8_t fid)
{
	struct ureq *r = mem_zalloc(sizeof(*r), ureq_destructor);

	if (!r)
		return ENOMEM;
	r->ua = ua;
	r->xid = ++ua->xid;
	r->q.hdr.fid = fid;
	r->q.hdr.xid = r->xid;
	pl_set_str(&r->q.scopes, ua->scopes);
	r->out = mbuf_alloc(256);
	r->prlist = mbuf_alloc(64);
	r->acc = mbuf_alloc(256);
	tmr_init(&r->tmr_retx);
	tmr_init(&r->tmr_total);
	if (!r->out || !r->prlist || !r->acc) {
		mem_deref(r);
		return ENOMEM;
	}
	*rp = r;
	return 0;
}

static int setstr(struct ureq *r, int i, struct pl *dst, const char *s)
{
	int err;

	if (!s) {
		dst->p = NULL;
		dst->l = 0;
		return 0;
	}
	err = str_dup(&r->strs[i], s);
	if (err)
		return err;
	pl_set_str(dst, r->strs[i]);
	return 0;
}

static void submit(struct ureq *r)
{
	struct slp_ua *ua = r->ua;

	if (ua->has_da || ua->discovered) {
		ureq_start(r);
		return;
	}
	list_append(&ua->waiting, &r->le, r);
	if (!ua->discovering) {
		struct ureq *d;

		ua->discovering = true;
		if (ureq_alloc(&d, ua, SLP_SRVRQST)) {
			discovery_done(ENOMEM, 0, ua);
			return;
		}
		d->discovery = true;
		pl_set_str(&d->q.srvtype, SLP_TYPE_DA);
		d->ackh = discovery_done;
		d->arg = ua;
		ureq_start(d);
	}
}

int slp_ua_alloc(struct slp_ua **uap, const struct slp_ua_conf *conf)
{
	struct slp_ua *ua;
	struct sa any;
	int err;

	if (!uap || !conf)
		return EINVAL;
	ua = mem_zalloc(sizeof(*ua), ua_destructor);
	if (!ua)
		return ENOMEM;
	ua->conf = *conf;
	ua->conf.da = NULL;
	ua->conf.scopes = NULL;
	if (!ua->conf.port)
		ua->conf.port = SLP_PORT;
	if (!ua->conf.timeout_ms)
		ua->conf.timeout_ms = 3000;
	if (!ua->conf.mcast_wait_ms)
		ua->conf.mcast_wait_ms = 400;
	ua->xid = rand_u16();
	list_init(&ua->reqs);
	list_init(&ua->waiting);
	err = str_dup(&ua->scopes, conf->scopes ? conf->scopes :
		      SLP_DEFAULT_SCOPE);
	if (err)
		goto out;
	sa_set_str(&ua->group, SLP_MCAST_ADDR, ua->conf.port);
	if (conf->da) {
		err = sa_decode(&ua->da, conf->da, strlen(conf->da));
		if (err) {
			err = sa_set_str(&ua->da, conf->da, SLP_PORT);
			if (err)
				goto out;
		}
		ua->has_da = true;
		re_snprintf(ua->dastr, sizeof(ua->dastr), "%J", &ua->da);
	}
	sa_set_str(&any, "0.0.0.0", 0);
	err = slp_udp_open(&ua->udp, &any, false, udp_recv, ua);
 out:
	if (err)
		mem_deref(ua);
	else
		*uap = ua;
	return err;
}

/* The end of every request verb: the request is filled (or err says it
 * could not be); submit it, or free it. */
static int launch(struct ureq *r, int err, void *arg)
{
	if (err) {
		mem_deref(r);
		return err;
	}
	r->arg = arg;
	submit(r);
	return 0;
}

int slp_ua_findsrvs(struct slp_ua *ua, const char *type, const char *pred,
		    slp_ua_srv_h *h, void *arg)
{
	struct ureq *r;
	int err;

	if (!ua || !type || !h)
		return EINVAL;
	err = ureq_alloc(&r, ua, SLP_SRVRQST);
	if (err)
		return err;
	err  = setstr(r, 0, &r->q.srvtype, type);
	err |= setstr(r, 1, &r->q.pred, pred ? pred : "");
	r->srvh = h;
	return launch(r, err, arg);
}

int slp_ua_findattrs(struct slp_ua *ua, const char *url_or_type,
		     const char *tags, slp_ua_list_h *h, void *arg)
{
	struct ureq *r;
	int err;

	if (!ua || !url_or_type || !*url_or_type || !h)
		return EINVAL;
	err = ureq_alloc(&r, ua, SLP_ATTRRQST);
	if (err)
		return err;
	err  = setstr(r, 0, &r->q.url, url_or_type);
	err |= setstr(r, 1, &r->q.tags, tags ? tags : "");
	r->listh = h;
	return launch(r, err, arg);
}

int slp_ua_findsrvtypes(struct slp_ua *ua, const char *na, slp_ua_list_h *h,
			void *arg)
{
	struct ureq *r;
	int err;

	if (!ua || !h)
		return EINVAL;
	err = ureq_alloc(&r, ua, SLP_SRVTYPERQST);
	if (err)
		return err;
	r->q.na_all = !na;
	err = setstr(r, 0, &r->q.na, na);
	r->listh = h;
	return launch(r, err, arg);
}

int slp_ua_register(struct slp_ua *ua, const char *url, const char *type,
		    const char *attrs, uint16_t lifetime, slp_ua_ack_h *h,
		    void *arg)
{
	struct ureq *r;
	int err;

	if (!ua || !url || !*url || !type || !lifetime || !h)
		return EINVAL;
	err = ureq_alloc(&r, ua, SLP_SRVREG);
	if (err)
		return err;
	r->q.hdr.flags = SLP_FLAG_FRESH;
	r->q.urlent.lifetime = lifetime;
	err  = setstr(r, 0, &r->q.urlent.url, url);
	err |= setstr(r, 1, &r->q.srvtype, type);
	err |= setstr(r, 2, &r->q.attrs, attrs ? attrs : "");
	r->ackh = h;
	return launch(r, err, arg);
}

int slp_ua_deregister(struct slp_ua *ua, const char *url, slp_ua_ack_h *h,
		      void *arg)
{
	struct ureq *r;
	int err;

	if (!ua || !url || !*url || !h)
		return EINVAL;
	err = ureq_alloc(&r, ua, SLP_SRVDEREG);
	if (err)
		return err;
	err = setstr(r, 0, &r->q.urlent.url, url);
	r->ackh = h;
	return launch(r, err, arg);
}
