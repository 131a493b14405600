/*
 * Directory Agent (RFC 2608 §6.2, §8-§10): answers SrvRqst, AttrRqst and
 * SrvTypeRqst from its store, takes SrvReg and SrvDeReg from allowed
 * networks, and announces itself with DAAdverts (at boot, on request,
 * every advert_interval seconds, and with boot timestamp 0 on the way out).
 *
 * Amplification: a UDP reply never exceeds the MTU; a SrvRply that would
 * is cut at a whole URL entry with OVERFLOW set, and the UA asks again over
 * TCP. For a sender outside the allowed networks (who may be spoofing its
 * address) the reply is further held to the size of its own request, so
 * the DA can never be made to send a victim more bytes than were sent to
 * it; such a sender still gets everything over TCP, where spoofing is not
 * possible. Errors are never sent in reply to multicast requests nor to
 * replies, so two agents cannot be made to ping-pong.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <sipmob/slp.h>
#include "slp_priv.h"

enum {
	TCP_MAX_CONNS = 256,
	TCP_IDLE_MS = 30000,
	IPUDP_HDR = 28,
};

struct slp_da {
	struct slp_da_conf conf;
	char *scopes;
	struct pl scopes_pl;
	struct slp_acl *acl;
	struct slp_store *store;
	struct slp_udp *udp;
	struct tcp_sock *ts;
	struct list conns;
	size_t nconns;
	struct tmr tmr_advert;
	struct tmr tmr_expire;
	uint32_t boot;
	struct sa group;
	struct mbuf *rep;
};

struct tconn {
	struct le le;
	struct slp_da *da;
	struct tcp_conn *tc;
	struct mbuf *rx;
	struct sa peer;
	struct tmr tmr;
	bool closing;
};

#define LOG(da, lvl, ...) slp_logf((da)->conf.verbose, (lvl), \
				   "sipmob-da", __VA_ARGS__)

static void da_destructor(void *arg)
{
	struct slp_da *da = arg;

	tmr_cancel(&da->tmr_advert);
	tmr_cancel(&da->tmr_expire);
	list_flush(&da->conns);
	mem_deref(da->ts);
	mem_deref(da->udp);
	mem_deref(da->store);
	mem_deref(da->acl);
	mem_deref(da->scopes);
	mem_deref(da->rep);
}

const struct slp_store *slp_da_store(const struct slp_da *da)
{
	return da ? da->store : NULL;
}

uint32_t slp_da_boot(const struct slp_da *da)
{
	return da ? da->boot : 0;
}

static int encode_daadvert(struct slp_da *da, struct mbuf *mb,
			   const struct slp_hdr *req, const struct sa *laddr,
			   uint32_t boot)
{
	struct slp_msg m;
	char url[96];
	struct sa a;

	if (laddr && sa_in(laddr) && sa_in(laddr) != 0xffffffff)
		a = *laddr;
	else
		slp_local_addr(&a);
	if (da->conf.port == SLP_PORT)
		re_snprintf(url, sizeof(url), "service:directory-agent://%j",
			    &a);
	else
		re_snprintf(url, sizeof(url),
			    "service:directory-agent://%j:%u", &a,
			    da->conf.port);
	memset(&m, 0, sizeof(m));
	m.hdr.fid = SLP_DAADVERT;
	m.hdr.xid = req ? req->xid : 0;
	if (req)
		m.hdr.lang = req->lang;
	m.boot = boot;
	pl_set_str(&m.url, url);
	m.scopes = da->scopes_pl;
	return slp_msg_encode(mb, &m);
}

static void send_advert(struct slp_da *da, uint32_t boot)
{
	struct mbuf *mb = mbuf_alloc(128);

	if (!mb)
		return;
	if (!encode_daadvert(da, mb, NULL, NULL, boot))
		(void)slp_udp_send(da->udp, &da->group, mb->buf, mb->end);
	mem_deref(mb);
}

static void advert_timeout(void *arg)
{
	struct slp_da *da = arg;

	send_advert(da, da->boot);
	LOG(da, 2, "DAAdvert sent (boot %u)", da->boot);
	tmr_start(&da->tmr_advert, (uint64_t)da->conf.advert_interval * 1000,
		  advert_timeout, da);
}

void slp_da_goodbye(struct slp_da *da)
{
	if (!da || da->conf.no_mcast)
		return;
	send_advert(da, 0);
}

static void expire_timeout(void *arg)
{
	struct slp_da *da = arg;
	size_t n = slp_store_expire(da->store, tmr_jiffies());

	if (n)
		LOG(da, 1, "%zu registration(s) expired, %zu left", n,
		    slp_store_count(da->store));
	tmr_start(&da->tmr_expire, 1000, expire_timeout, da);
}

static bool scopes_ok(struct slp_da *da, const struct pl *req)
{
	/* an empty scope list means the DEFAULT scope (RFC 2608 §11) */
	if (!req->l) {
		struct pl d = PL(SLP_DEFAULT_SCOPE);
		return slp_scopes_intersect(&d, &da->scopes_pl);
	}
	return slp_scopes_intersect(req, &da->scopes_pl);
}

static uint16_t do_srvrqst(struct slp_da *da, const struct slp_msg *m,
			   bool mcast, const struct sa *ldst, struct mbuf *rep,
			   size_t limit)
{
	struct slp_filter *f = NULL;
	uint16_t e = SLP_OK, n = 0;

	if (!pl_strcasecmp(&m->srvtype, SLP_TYPE_DA)) {
		if (m->scopes.l && !scopes_ok(da, &m->scopes))
			return mcast ? 0xffff : SLP_SCOPE_NOT_SUPPORTED;
		if (encode_daadvert(da, rep, &m->hdr, ldst, da->boot))
			return SLP_INTERNAL_ERROR;
		return SLP_OK;
	}
	if (!pl_strcasecmp(&m->srvtype, SLP_TYPE_SA) && mcast)
		return 0xffff;          /* SAs answer that, not DAs */
	if (!scopes_ok(da, &m->scopes))
		return SLP_SCOPE_NOT_SUPPORTED;
	if (m->spi.l)
		return SLP_AUTHENTICATION_UNKNOWN;
	if (slp_filter_compile(&f, &m->pred))
		return SLP_PARSE_ERROR;

	if (slp_srvrply_encode(rep, m, da->store,
			       m->scopes.l ? &m->scopes : NULL, f,
			       tmr_jiffies(), limit, &n)) {
		e = SLP_INTERNAL_ERROR;
		goto out;
	}
	if (mcast && !n) {
		rep->end = rep->pos = 0;   /* no empty multicast replies */
		goto out;
	}
	if (rep->buf[5] & (SLP_FLAG_OVERFLOW >> 8))
		LOG(da, 2, "SrvRply cut at %u entries (%zu bytes): OVERFLOW",
		    n, rep->end);
 out:
	mem_deref(f);
	return e;
}

static uint16_t do_attrrqst(struct slp_da *da, const struct slp_msg *m,
			    bool mcast, struct mbuf *rep)
{
	struct mbuf *attrs = NULL;
	struct slp_msg r;
	uint16_t e = SLP_OK;

	if (!scopes_ok(da, &m->scopes))
		return SLP_SCOPE_NOT_SUPPORTED;
	if (m->spi.l)
		return SLP_AUTHENTICATION_UNKNOWN;
	attrs = mbuf_alloc(256);
	if (!attrs)
		return SLP_INTERNAL_ERROR;
	if (slp_store_attrs(da->store, &m->url,
			    m->scopes.l ? &m->scopes : NULL, &m->tags,
			    tmr_jiffies(), attrs)) {
		e = SLP_INTERNAL_ERROR;
		goto out;
	}
	if (mcast && !attrs->end)
		goto out;
	memset(&r, 0, sizeof(r));
	r.hdr.fid = SLP_ATTRRPLY;
	r.hdr.xid = m->hdr.xid;
	r.hdr.lang = m->hdr.lang;
	r.attrs.p = (const char *)attrs->buf;
	r.attrs.l = attrs->end;
	if (slp_msg_encode(rep, &r))
		e = SLP_INTERNAL_ERROR;
 out:
	mem_deref(attrs);
	return e;
}

static uint16_t do_srvtyperqst(struct slp_da *da, const struct slp_msg *m,
			       bool mcast, struct mbuf *rep)
{
	struct mbuf *types = NULL;
	struct slp_msg r;
	uint16_t e = SLP_OK;

	if (!scopes_ok(da, &m->scopes))
		return SLP_SCOPE_NOT_SUPPORTED;
	types = mbuf_alloc(256);
	if (!types)
		return SLP_INTERNAL_ERROR;
	if (slp_store_srvtypes(da->store, m->na_all ? NULL : &m->na,
			       m->scopes.l ? &m->scopes : NULL,
			       tmr_jiffies(), types)) {
		e = SLP_INTERNAL_ERROR;
		goto out;
	}
	if (mcast && !types->end)
		goto out;
	memset(&r, 0, sizeof(r));
	r.hdr.fid = SLP_SRVTYPERPLY;
	r.hdr.xid = m->hdr.xid;
	r.hdr.lang = m->hdr.lang;
	r.srvtypes.p = (const char *)types->buf;
	r.srvtypes.l = types->end;
	if (slp_msg_encode(rep, &r))
		e = SLP_INTERNAL_ERROR;
 out:
	mem_deref(types);
	return e;
}

static uint16_t do_srvreg(struct slp_da *da, const struct slp_msg *m,
			  const struct sa *src)
{
	const struct slp_urlent *ue = &m->urlent;
	uint16_t e = SLP_OK;

	if (!slp_acl_allows(da->acl, src)) {
		LOG(da, 0, "SrvReg from %j refused: not in --allow-register",
		    src);
		return SLP_AUTHENTICATION_ABSENT;
	}
	if (ue->url.l > da->conf.max_url ||
	    m->attrs.l > da->conf.max_attrs) {
		LOG(da, 0, "SrvReg from %j refused: URL %zu or attributes "
		    "%zu bytes over the limit", src, ue->url.l, m->attrs.l);
		return SLP_INVALID_REGISTRATION;
	}
	if (!m->scopes.l || !slp_scopes_subset(&m->scopes, &da->scopes_pl))
		return SLP_SCOPE_NOT_SUPPORTED;
	/* a refresh of what is held never counts against the limits */
	if (slp_store_lookup(da->store, &ue->url, tmr_jiffies()))
		goto reg;
	if (slp_store_count(da->store) >= da->conf.max_regs) {
		LOG(da, 0, "SrvReg from %j refused: store full", src);
		return SLP_DA_BUSY_NOW;
	}
	if (slp_store_src_count(da->store, src) >= da->conf.max_per_src) {
		LOG(da, 0, "SrvReg from %j refused: %zu registrations from "
		    "that source", src, da->conf.max_per_src);
		return SLP_INVALID_REGISTRATION;
	}
 reg:
	(void)slp_store_register(da->store, &ue->url, ue->lifetime,
				 &m->srvtype, &m->scopes, &m->attrs,
				 (m->hdr.flags & SLP_FLAG_FRESH) != 0, src,
				 tmr_jiffies(), &e);
	if (e)
		LOG(da, 1, "SrvReg %r from %j: %s", &ue->url, src,
		    slp_err_name(e));
	else
		LOG(da, 1, "registered %r (%r, %us) from %j", &ue->url,
		    &m->srvtype, ue->lifetime, src);
	return e;
}

static uint16_t do_srvdereg(struct slp_da *da, const struct slp_msg *m,
			    const struct sa *src)
{
	uint16_t e = SLP_OK;

	if (!slp_acl_allows(da->acl, src)) {
		LOG(da, 0, "SrvDeReg from %j refused: not in "
		    "--allow-register", src);
		return SLP_AUTHENTICATION_ABSENT;
	}
	(void)slp_store_deregister(da->store, &m->urlent.url, &m->scopes,
				   &m->tags, tmr_jiffies(), &e);
	LOG(da, 1, "deregistered %r%s%r from %j: %s", &m->urlent.url,
	    m->tags.l ? " tags " : "", &m->tags, src, slp_err_name(e));
	return e;
}

static bool is_request(uint8_t fid)
{
	return fid == SLP_SRVRQST || fid == SLP_SRVREG ||
		fid == SLP_SRVDEREG || fid == SLP_ATTRRQST ||
		fid == SLP_SRVTYPERQST;
}

static bool ack_fid(uint8_t fid)
{
	return fid == SLP_SRVREG || fid == SLP_SRVDEREG;
}

/* Answers one message into rep (left empty: no answer). */
static void handle(struct slp_da *da, const struct sa *src, bool mcast,
		   const struct sa *ldst, const uint8_t *buf, size_t len,
		   struct mbuf *rep, size_t limit)
{
	struct slp_msg m;
	uint16_t se = 0, e;

	rep->pos = rep->end = 0;
	if (slp_msg_decode(&m, buf, len, &se)) {
		LOG(da, 1, "%s from %j: %s", slp_fid_name(m.hdr.fid), src,
		    slp_err_name(se));
		/* no answer to what is not even a whole header: its XID
		 * and language are unknown */
		if (mcast || !is_request(m.hdr.fid) || len < SLP_HDR_MIN ||
		    (se != SLP_VER_NOT_SUPPORTED && !m.hdr.lang.l))
			return;
		(void)slp_msg_encode_error(rep, &m.hdr, se);
		goto limit;
	}
	mcast |= (m.hdr.flags & SLP_FLAG_MCAST) != 0;
	LOG(da, 2, "%s from %j%s xid %u", slp_fid_name(m.hdr.fid), src,
	    mcast ? " (multicast)" : "", m.hdr.xid);
	if (!is_request(m.hdr.fid))
		return;                 /* adverts and replies: not for us */
	if (mcast && (ack_fid(m.hdr.fid) ||
		      slp_prlist_has(&m.prlist, ldst)))
		return;
	if (m.ext_required) {
		e = SLP_OPTION_NOT_UNDERSTOOD;
		goto error;
	}

	switch (m.hdr.fid) {
	case SLP_SRVRQST:
		e = do_srvrqst(da, &m, mcast, ldst, rep, limit);
		break;
	case SLP_ATTRRQST:
		e = do_attrrqst(da, &m, mcast, rep);
		break;
	case SLP_SRVTYPERQST:
		e = do_srvtyperqst(da, &m, mcast, rep);
		break;
	case SLP_SRVREG:
		e = do_srvreg(da, &m, src);
		if (slp_msg_encode_error(rep, &m.hdr, e))
			rep->end = 0;
		goto limit;
	case SLP_SRVDEREG:
		e = do_srvdereg(da, &m, src);
		if (slp_msg_encode_error(rep, &m.hdr, e))
			rep->end = 0;
		goto limit;
	default:
		e = SLP_MSG_NOT_SUPPORTED;
		break;
	}
 error:
	if (e == 0xffff) {
		rep->end = 0;
		return;
	}
	if (e) {
		rep->pos = rep->end = 0;
		if (mcast)
			return;
		LOG(da, 1, "%s from %j: %s", slp_fid_name(m.hdr.fid), src,
		    slp_err_name(e));
		(void)slp_msg_encode_error(rep, &m.hdr, e);
	}
 limit:
	if (rep->end <= limit)
		return;
	/* an AttrRply or SrvTypeRply too large: empty, with OVERFLOW */
	if (m.hdr.fid == SLP_ATTRRQST || m.hdr.fid == SLP_SRVTYPERQST) {
		struct slp_msg r;

		memset(&r, 0, sizeof(r));
		r.hdr.fid = slp_reply_fid(m.hdr.fid);
		r.hdr.xid = m.hdr.xid;
		r.hdr.lang = m.hdr.lang;
		r.hdr.flags = SLP_FLAG_OVERFLOW;
		rep->pos = rep->end = 0;
		if (!slp_msg_encode(rep, &r) && rep->end <= limit)
			return;
	}
	LOG(da, 1, "%s from %j: reply of %zu bytes over the %zu-byte limit"
	    ", not sent", slp_fid_name(m.hdr.fid), src, rep->end, limit);
	rep->pos = rep->end = 0;
}

static void udp_recv(const struct sa *src, bool mcast, const struct sa *ldst,
		     const uint8_t *buf, size_t len, void *arg)
{
	struct slp_da *da = arg;
	size_t limit = da->conf.mtu - IPUDP_HDR;

	if (!sa_in(src) || !sa_port(src))
		return;         /* nowhere to answer */

	/* a sender that may be spoofed gets no more than it sent */
	if (!slp_acl_allows(da->acl, src) && len < limit)
		limit = len;
	handle(da, src, mcast, ldst, buf, len, da->rep, limit);
	if (da->rep->end)
		(void)slp_udp_send(da->udp, src, da->rep->buf,
				   da->rep->end);
}

/* ---- TCP ---- */

static void tconn_destructor(void *arg)
{
	struct tconn *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	c->da->nconns--;
	mem_deref(c->tc);
	mem_deref(c->rx);
}

static void tconn_idle(void *arg)
{
	mem_deref(arg);
}

static void tcp_recv(struct mbuf *mb, void *arg)
{
	struct tconn *c = arg;
	struct slp_da *da = c->da;
	struct sa ldst;
	size_t pos;

	if (c->closing)
		return;
	tmr_start(&c->tmr, TCP_IDLE_MS, tconn_idle, c);
	/* append at the end; pos stays at the first unprocessed byte */
	pos = c->rx->pos;
	c->rx->pos = c->rx->end;
	if (c->rx->end + mbuf_get_left(mb) > 2 * SLP_MAX_REQ ||
	    mbuf_write_mem(c->rx, mbuf_buf(mb), mbuf_get_left(mb)))
		goto close;
	c->rx->pos = pos;
	(void)tcp_conn_local_get(c->tc, &ldst);
	for (;;) {
		size_t left = c->rx->end - c->rx->pos;
		uint32_t n = slp_msg_peek_len(c->rx->buf + c->rx->pos, left);

		if (left < 5)
			break;
		if (n < SLP_HDR_MIN || n > SLP_MAX_REQ) {
			LOG(da, 1, "TCP %j: bad length %u, closing",
			    &c->peer, n);
			goto close;
		}
		if (left < n)
			break;
		handle(da, &c->peer, false, &ldst, c->rx->buf + c->rx->pos,
		       n, da->rep, SLP_MAX_TCP_REPLY);
		c->rx->pos += n;
		if (da->rep->end) {
			struct mbuf *out = mbuf_alloc(da->rep->end);

			if (!out)
				goto close;
			(void)mbuf_write_mem(out, da->rep->buf,
					     da->rep->end);
			out->pos = 0;
			if (tcp_send(c->tc, out))
				LOG(da, 0, "TCP %j: reply of %zu bytes not "
				    "queued", &c->peer, out->end);
			mem_deref(out);
		}
	}
	/* keep only the unprocessed tail */
	if (c->rx->pos) {
		size_t left = c->rx->end - c->rx->pos;

		memmove(c->rx->buf, c->rx->buf + c->rx->pos, left);
		c->rx->end = left;
		c->rx->pos = 0;
	}
	return;
 close:
	/* not here: libre's handler must not see its connection freed */
	c->closing = true;
	tmr_start(&c->tmr, 0, tconn_idle, c);
}

static void tcp_close(int err, void *arg)
{
	(void)err;
	mem_deref(arg);
}

static void tcp_conn(const struct sa *peer, void *arg)
{
	struct slp_da *da = arg;
	struct tconn *c;

	if (da->nconns >= TCP_MAX_CONNS) {
		LOG(da, 0, "TCP %j refused: %u connections", peer,
		    TCP_MAX_CONNS);
		tcp_reject(da->ts);
		return;
	}
	c = mem_zalloc(sizeof(*c), tconn_destructor);
	if (!c) {
		tcp_reject(da->ts);
		return;
	}
	c->da = da;
	c->peer = *peer;
	da->nconns++;
	list_append(&da->conns, &c->le, c);
	c->rx = mbuf_alloc(512);
	if (!c->rx || tcp_accept(&c->tc, da->ts, NULL, tcp_recv, tcp_close,
				 c)) {
		tcp_reject(da->ts);
		mem_deref(c);
		return;
	}
	/* a whole reply may be queued at once */
	tcp_conn_txqsz_set(c->tc, 2 * SLP_MAX_TCP_REPLY);
	tmr_start(&c->tmr, TCP_IDLE_MS, tconn_idle, c);
}

int slp_da_alloc(struct slp_da **dap, const struct slp_da_conf *conf)
{
	struct slp_da *da;
	struct sa laddr;
	int err;

	if (!dap || !conf)
		return EINVAL;
	da = mem_zalloc(sizeof(*da), da_destructor);
	if (!da)
		return ENOMEM;
	da->conf = *conf;
	if (!da->conf.port)
		da->conf.port = SLP_PORT;
	if (!da->conf.mtu)
		da->conf.mtu = 1400;
	if (da->conf.mtu < 576 || da->conf.mtu > 65535) {
		err = EINVAL;
		goto out;
	}
	if (!da->conf.advert_interval)
		da->conf.advert_interval = 10800;
	if (!da->conf.max_url)
		da->conf.max_url = 1024;
	if (!da->conf.max_attrs)
		da->conf.max_attrs = 8192;
	if (!da->conf.max_per_src)
		da->conf.max_per_src = 10000;
	if (!da->conf.max_regs)
		da->conf.max_regs = 1000000;
	da->conf.laddr = NULL;   /* not kept: the caller's string */
	tmr_init(&da->tmr_advert);
	tmr_init(&da->tmr_expire);
	list_init(&da->conns);

	err = str_dup(&da->scopes, conf->scopes ? conf->scopes :
		      SLP_DEFAULT_SCOPE);
	if (err)
		goto out;
	pl_set_str(&da->scopes_pl, da->scopes);
	err = slp_acl_alloc(&da->acl, conf->allow_register);
	if (err)
		goto out;
	err = slp_store_alloc(&da->store);
	if (err)
		goto out;
	da->rep = mbuf_alloc(2048);
	if (!da->rep) {
		err = ENOMEM;
		goto out;
	}
	err = sa_set_str(&laddr, conf->laddr ? conf->laddr : "0.0.0.0",
			 da->conf.port);
	if (err)
		goto out;
	err = slp_udp_open(&da->udp, &laddr, true, udp_recv, da);
	if (err)
		goto out;
	err = tcp_listen(&da->ts, &laddr, tcp_conn, da);
	if (err)
		goto out;
	sa_set_str(&da->group, SLP_MCAST_ADDR, da->conf.port);
	if (!da->conf.no_mcast) {
		/* A host with no multicast route (a bare namespace, some
		 * containers) still gets a DA: unicast only, and it says so. */
		err = slp_udp_join(da->udp, SLP_MCAST_ADDR);
		if (err) {
			re_fprintf(stderr, "slp-da: cannot join %s (%m):"
				   " serving unicast only\n", SLP_MCAST_ADDR,
				   err);
			da->conf.no_mcast = true;
			err = 0;
		}
	}
	/* RFC 2608 §8.5: seconds since 1970 when the DA last came up */
	da->boot = (uint32_t)time(NULL);
	LOG(da, 1, "listening on %J (UDP, TCP), scopes %s, MTU %u, "
	    "registrations from %H", &laddr, da->scopes, da->conf.mtu,
	    slp_acl_print, da->acl);
	if (!da->conf.no_mcast)
		advert_timeout(da);
	tmr_start(&da->tmr_expire, 1000, expire_timeout, da);
 out:
	if (err)
		mem_deref(da);
	else
		*dap = da;
	return err;
}
