/*
 * Service Agent (RFC 2608 §6.2, §9.3, §10.6, §12): keeps a set of services
 * registered with every DA it knows — the one configured, DAs answering its
 * multicast SrvRqst for service:directory-agent at start, and DAs heard in
 * unsolicited DAAdverts — and answers multicast requests for its own
 * services itself, so that UAs find them with no DA at all.
 *
 * Each (service, DA) pair is one struct reg: sent with the FRESH flag,
 * retransmitted (300 ms, doubling, 4 tries) until the SrvAck, and sent again
 * at three quarters of the lifetime, when the DA restarts (a DAAdvert with
 * a new boot timestamp) and when a DA that said goodbye (timestamp 0)
 * comes back. slp_sa_shutdown() sends SrvDeReg for everything.
 *
 * Two sockets: one bound to the group address on port 427 with
 * SO_REUSEADDR (so that a DA and several SAs on one host all hear
 * multicast, while unicast to port 427 still reaches only the DA), and one
 * unicast socket for registrations and replies.
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp.h>
#include "slp_priv.h"

enum {
	REG_TRIES = 4,
	REG_RETX_MS = 300,
	SHUTDOWN_MS = 1000,
	IPUDP_HDR = 28,
	SA_MTU = 1400,
};

struct sada {
	struct le le;
	struct sa addr;
	uint32_t boot;
	bool down;
};

struct svc {
	struct le le;
	struct slp_sa *sa;
	char *url, *type, *attrs;
	uint16_t lifetime;
	struct tmr tmr_refresh;
};

struct reg {
	struct le le;
	struct slp_sa *sa;
	struct svc *svc;          /* NULL: a deregistration of a gone svc */
	struct sada *da;
	char *url;                /* the service's URL (shared string) */
	struct mbuf *msg;
	uint16_t xid;
	unsigned tries;
	uint32_t retx_ms;
	bool acked;
	bool dereg;
	struct tmr tmr;
};

struct slp_sa {
	char *name;
	int verbose;
	char *scopes;
	struct pl scopes_pl;
	uint16_t port;
	bool no_mcast;
	struct slp_udp *mc;
	struct slp_udp *uc;
	struct slp_store *store;
	struct list svcs;
	struct list das;
	struct list regs;
	uint16_t xid;
	struct sa group;
	struct sa self;          /* our unicast address, for the PRList */
	struct mbuf *rep;
	bool closing;
	slp_sa_done_h *doneh;
	void *donearg;
	struct tmr tmr_done;
};

#define LOG(sa, lvl, ...) slp_logf((sa)->verbose, (lvl), (sa)->name, \
				   __VA_ARGS__)

static void reg_destructor(void *arg)
{
	struct reg *r = arg;

	list_unlink(&r->le);
	tmr_cancel(&r->tmr);
	mem_deref(r->msg);
	mem_deref(r->url);
}

static void svc_destructor(void *arg)
{
	struct svc *s = arg;

	list_unlink(&s->le);
	tmr_cancel(&s->tmr_refresh);
	mem_deref(s->url);
	mem_deref(s->type);
	mem_deref(s->attrs);
}

static void sa_destructor(void *arg)
{
	struct slp_sa *sa = arg;

	tmr_cancel(&sa->tmr_done);
	list_flush(&sa->regs);
	list_flush(&sa->svcs);
	list_flush(&sa->das);
	mem_deref(sa->mc);
	mem_deref(sa->uc);
	mem_deref(sa->store);
	mem_deref(sa->scopes);
	mem_deref(sa->name);
	mem_deref(sa->rep);
}

void slp_sa_status(const struct slp_sa *sa, size_t *ndas, size_t *nacked)
{
	size_t n = 0, k = 0;

	if (!sa)
		return;
	for (struct le *le = sa->das.head; le; le = le->next) {
		const struct sada *d = le->data;
		bool all = true;

		if (d->down)
			continue;
		n++;
		for (struct le *l2 = sa->regs.head; l2; l2 = l2->next) {
			const struct reg *r = l2->data;

			if (r->da == d && !r->dereg && !r->acked)
				all = false;
		}
		k += all;
	}
	if (ndas)
		*ndas = n;
	if (nacked)
		*nacked = k;
}

/* ---- registration with DAs ---- */

static void check_done(struct slp_sa *sa);

static void reg_send(struct reg *r)
{
	(void)slp_udp_send(r->sa->uc, &r->da->addr, r->msg->buf,
			   r->msg->end);
}

static void reg_timeout(void *arg)
{
	struct reg *r = arg;
	struct slp_sa *sa = r->sa;

	if (++r->tries >= REG_TRIES) {
		LOG(sa, 0, "%s %s: no SrvAck from DA %J",
		    r->dereg ? "SrvDeReg" : "SrvReg",
		    r->url, &r->da->addr);
		if (r->dereg) {
			mem_deref(r);
			check_done(sa);
		}
		return;
	}
	reg_send(r);
	r->retx_ms *= 2;
	tmr_start(&r->tmr, r->retx_ms, reg_timeout, r);
}

static int encode_reg(struct slp_sa *sa, struct reg *r, bool dereg)
{
	struct svc *s = r->svc;
	struct slp_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.fid = dereg ? SLP_SRVDEREG : SLP_SRVREG;
	m.hdr.flags = dereg ? 0 : SLP_FLAG_FRESH;
	m.hdr.xid = r->xid = ++sa->xid;
	pl_set_str(&m.urlent.url, s->url);
	m.urlent.lifetime = dereg ? 0 : s->lifetime;
	pl_set_str(&m.srvtype, s->type);
	m.scopes = sa->scopes_pl;
	pl_set_str(&m.attrs, s->attrs);
	r->msg->pos = r->msg->end = 0;
	return slp_msg_encode(r->msg, &m);
}

static void reg_start(struct reg *r, bool dereg)
{
	r->dereg = dereg;
	r->acked = false;
	r->tries = 0;
	r->retx_ms = REG_RETX_MS;
	if (encode_reg(r->sa, r, dereg)) {
		LOG(r->sa, 0, "cannot encode %s", r->svc->url);
		return;
	}
	reg_send(r);
	tmr_start(&r->tmr, r->retx_ms, reg_timeout, r);
}

static struct reg *reg_find(struct slp_sa *sa, struct svc *s, struct sada *d)
{
	for (struct le *le = sa->regs.head; le; le = le->next) {
		struct reg *r = le->data;

		if (r->svc == s && r->da == d)
			return r;
	}
	return NULL;
}

static void register_one(struct slp_sa *sa, struct svc *s, struct sada *d)
{
	struct reg *r = reg_find(sa, s, d);

	if (d->down)
		return;
	if (!r) {
		r = mem_zalloc(sizeof(*r), reg_destructor);
		if (!r)
			return;
		r->sa = sa;
		r->svc = s;
		r->da = d;
		r->url = mem_ref(s->url);
		r->msg = mbuf_alloc(256);
		tmr_init(&r->tmr);
		if (!r->msg) {
			mem_deref(r);
			return;
		}
		list_append(&sa->regs, &r->le, r);
	}
	reg_start(r, false);
}

static void register_all(struct slp_sa *sa, struct sada *d)
{
	for (struct le *le = sa->svcs.head; le; le = le->next)
		register_one(sa, le->data, d);
}

static void refresh_timeout(void *arg)
{
	struct svc *s = arg;
	struct slp_sa *sa = s->sa;
	struct pl u, t, a;
	uint16_t e;

	pl_set_str(&u, s->url);
	pl_set_str(&t, s->type);
	pl_set_str(&a, s->attrs);
	(void)slp_store_register(sa->store, &u, s->lifetime, &t,
				 &sa->scopes_pl, &a, true, NULL,
				 tmr_jiffies(), &e);
	for (struct le *le = sa->das.head; le; le = le->next)
		register_one(sa, s, le->data);
	LOG(sa, 2, "refreshing %s", s->url);
	/* three quarters of the lifetime leaves room for retransmissions */
	tmr_start(&s->tmr_refresh, (uint64_t)s->lifetime * 750,
		  refresh_timeout, s);
}

static struct sada *da_find(struct slp_sa *sa, const struct sa *addr)
{
	for (struct le *le = sa->das.head; le; le = le->next) {
		struct sada *d = le->data;

		if (sa_cmp(&d->addr, addr, SA_ALL))
			return d;
	}
	return NULL;
}

static struct sada *da_add(struct slp_sa *sa, const struct sa *addr,
			   uint32_t boot)
{
	struct sada *d = mem_zalloc(sizeof(*d), NULL);

	if (!d)
		return NULL;
	d->addr = *addr;
	d->boot = boot;
	list_append(&sa->das, &d->le, d);
	return d;
}

static void on_daadvert(struct slp_sa *sa, const struct sa *src,
			const struct slp_msg *m)
{
	struct sada *d;

	if (m->err || sa->closing)
		return;
	if (m->scopes.l && !slp_scopes_intersect(&m->scopes, &sa->scopes_pl))
		return;
	d = da_find(sa, src);
	if (!m->boot) {
		if (d && !d->down) {
			LOG(sa, 1, "DA %J is going down", src);
			d->down = true;
		}
		return;
	}
	if (!d) {
		d = da_add(sa, src, m->boot);
		if (!d)
			return;
		LOG(sa, 1, "DA %J found (%r)", src, &m->url);
		register_all(sa, d);
		return;
	}
	if (d->down || d->boot != m->boot) {
		LOG(sa, 1, "DA %J restarted (boot %u, was %u): registering "
		    "again", src, m->boot, d->boot);
		d->down = false;
		d->boot = m->boot;
		register_all(sa, d);
	}
}

static void on_srvack(struct slp_sa *sa, const struct sa *src,
		      const struct slp_msg *m)
{
	for (struct le *le = sa->regs.head; le; le = le->next) {
		struct reg *r = le->data;

		if (r->xid != m->hdr.xid || !sa_cmp(&r->da->addr, src,
						     SA_ALL))
			continue;
		tmr_cancel(&r->tmr);
		if (m->err)
			LOG(sa, 0, "%s %s refused by DA %J: %s",
			    r->dereg ? "SrvDeReg" : "SrvReg",
			    r->url, src,
			    slp_err_name(m->err));
		else
			LOG(sa, 1, "%s %s with DA %J",
			    r->dereg ? "deregistered" : "registered",
			    r->url, src);
		r->acked = !m->err;
		if (r->dereg) {
			mem_deref(r);
			check_done(sa);
		}
		return;
	}
}

/* ---- answering multicast requests (no DA needed) ---- */

static void answer(struct slp_sa *sa, const struct sa *src,
		   const struct sa *ldst, const struct slp_msg *m)
{
	struct mbuf *rep = sa->rep;
	struct slp_msg r;
	uint64_t now = tmr_jiffies();
	const struct sa *me = sa_in(&sa->self) ? &sa->self : ldst;
	char url[80];

	rep->pos = rep->end = 0;
	if (slp_prlist_has(&m->prlist, me))
		return;
	if (m->scopes.l && !slp_scopes_intersect(&m->scopes, &sa->scopes_pl))
		return;
	memset(&r, 0, sizeof(r));
	r.hdr.xid = m->hdr.xid;
	r.hdr.lang = m->hdr.lang;

	if (m->hdr.fid == SLP_SRVRQST &&
	    !pl_strcasecmp(&m->srvtype, SLP_TYPE_SA)) {
		re_snprintf(url, sizeof(url), "service:service-agent://%j",
			    me);
		r.hdr.fid = SLP_SAADVERT;
		pl_set_str(&r.url, url);
		r.scopes = sa->scopes_pl;
		(void)slp_msg_encode(rep, &r);
	}
	else if (m->hdr.fid == SLP_SRVRQST &&
		 pl_strcasecmp(&m->srvtype, SLP_TYPE_DA)) {
		struct slp_filter *f = NULL;
		uint16_t n = 0;

		if (slp_filter_compile(&f, &m->pred))
			return;     /* no errors to multicast requests */
		(void)slp_srvrply_encode(rep, m, sa->store, NULL, f, now,
					 SA_MTU - IPUDP_HDR, &n);
		mem_deref(f);
		if (!n) {
			rep->end = 0;   /* nothing here: say nothing */
			return;
		}
	}
	else if (m->hdr.fid == SLP_ATTRRQST ||
		 m->hdr.fid == SLP_SRVTYPERQST) {
		struct mbuf *tmp = mbuf_alloc(256);

		if (!tmp)
			return;
		if (m->hdr.fid == SLP_ATTRRQST)
			(void)slp_store_attrs(sa->store, &m->url, NULL,
					      &m->tags, now, tmp);
		else
			(void)slp_store_srvtypes(sa->store, m->na_all ? NULL :
						 &m->na, NULL, now, tmp);
		if (tmp->end) {
			r.hdr.fid = slp_reply_fid(m->hdr.fid);
			if (m->hdr.fid == SLP_ATTRRQST) {
				r.attrs.p = (const char *)tmp->buf;
				r.attrs.l = tmp->end;
			}
			else {
				r.srvtypes.p = (const char *)tmp->buf;
				r.srvtypes.l = tmp->end;
			}
			(void)slp_msg_encode(rep, &r);
			if (rep->end > SA_MTU - IPUDP_HDR)
				rep->end = 0;  /* too big for UDP */
		}
		mem_deref(tmp);
	}
	if (rep->end) {
		LOG(sa, 2, "%s to %J", slp_fid_name(slp_reply_fid(
				m->hdr.fid)), src);
		(void)slp_udp_send(sa->uc, src, rep->buf, rep->end);
	}
}

static void mc_recv(const struct sa *src, bool mcast, const struct sa *ldst,
		    const uint8_t *buf, size_t len, void *arg)
{
	struct slp_sa *sa = arg;
	struct slp_msg m;
	uint16_t se;

	(void)mcast;
	if (!sa_in(src) || !sa_port(src) ||
	    slp_msg_decode(&m, buf, len, &se))
		return;
	if (m.hdr.fid == SLP_DAADVERT) {
		on_daadvert(sa, src, &m);
		return;
	}
	if (m.hdr.fid == SLP_SRVRQST || m.hdr.fid == SLP_ATTRRQST ||
	    m.hdr.fid == SLP_SRVTYPERQST)
		answer(sa, src, ldst, &m);
}

static void uc_recv(const struct sa *src, bool mcast, const struct sa *ldst,
		    const uint8_t *buf, size_t len, void *arg)
{
	struct slp_sa *sa = arg;
	struct slp_msg m;
	uint16_t se;

	(void)ldst;
	if (mcast || slp_msg_decode(&m, buf, len, &se))
		return;
	if (m.hdr.fid == SLP_SRVACK)
		on_srvack(sa, src, &m);
	else if (m.hdr.fid == SLP_DAADVERT)
		on_daadvert(sa, src, &m);
}

static void discover_das(struct slp_sa *sa)
{
	struct slp_msg m;
	struct mbuf *mb = mbuf_alloc(96);

	if (!mb)
		return;
	memset(&m, 0, sizeof(m));
	m.hdr.fid = SLP_SRVRQST;
	m.hdr.flags = SLP_FLAG_MCAST;
	m.hdr.xid = ++sa->xid;
	pl_set_str(&m.srvtype, SLP_TYPE_DA);
	m.scopes = sa->scopes_pl;
	if (!slp_msg_encode(mb, &m))
		(void)slp_udp_send(sa->uc, &sa->group, mb->buf, mb->end);
	mem_deref(mb);
}

int slp_sa_alloc(struct slp_sa **sap, const struct slp_sa_conf *conf)
{
	struct slp_sa *sa;
	struct sa a;
	int err;

	if (!sap || !conf)
		return EINVAL;
	sa = mem_zalloc(sizeof(*sa), sa_destructor);
	if (!sa)
		return ENOMEM;
	sa->verbose = conf->verbose;
	sa->port = conf->port ? conf->port : SLP_PORT;
	sa->no_mcast = conf->no_mcast;
	list_init(&sa->svcs);
	list_init(&sa->das);
	list_init(&sa->regs);
	tmr_init(&sa->tmr_done);
	sa->xid = rand_u16();
	err  = str_dup(&sa->name, conf->name ? conf->name : "slp-sa");
	err |= str_dup(&sa->scopes, conf->scopes ? conf->scopes :
		       SLP_DEFAULT_SCOPE);
	if (err)
		goto out;
	pl_set_str(&sa->scopes_pl, sa->scopes);
	sa->rep = mbuf_alloc(SA_MTU);
	if (!sa->rep) {
		err = ENOMEM;
		goto out;
	}
	err = slp_store_alloc(&sa->store);
	if (err)
		goto out;
	sa_set_str(&sa->group, SLP_MCAST_ADDR, sa->port);

	/* "addr" or "addr:port"; a fixed port (427 next to a DA bound to
	 * the wildcard) needs SO_REUSEADDR */
	if (!conf->laddr ||
	    sa_decode(&a, conf->laddr, strlen(conf->laddr)))
		err = sa_set_str(&a, conf->laddr ? conf->laddr : "0.0.0.0",
				 0);
	if (err)
		goto out;
	err = slp_udp_open(&sa->uc, &a, sa_port(&a) != 0, uc_recv, sa);
	if (err)
		goto out;
	if (conf->laddr)
		sa->self = a;
	if (!sa->no_mcast) {
		err = slp_udp_open(&sa->mc, &sa->group, true, mc_recv, sa);
		if (err)
			goto out;
		err = slp_udp_join(sa->mc, SLP_MCAST_ADDR);
		if (err)
			goto out;
	}
	if (conf->da) {
		err = sa_decode(&a, conf->da, strlen(conf->da));
		if (err)
			err = sa_set_str(&a, conf->da, SLP_PORT);
		if (err)
			goto out;
		if (!da_add(sa, &a, 0)) {
			err = ENOMEM;
			goto out;
		}
	}
	else if (!sa->no_mcast) {
		discover_das(sa);
	}
 out:
	if (err)
		mem_deref(sa);
	else
		*sap = sa;
	return err;
}

static struct svc *svc_find(struct slp_sa *sa, const char *url)
{
	for (struct le *le = sa->svcs.head; le; le = le->next) {
		struct svc *s = le->data;

		if (!strcmp(s->url, url))
			return s;
	}
	return NULL;
}

static void svc_drop_regs(struct slp_sa *sa, struct svc *s)
{
	struct le *le = sa->regs.head;

	while (le) {
		struct reg *r = le->data;

		le = le->next;
		if (r->svc == s)
			mem_deref(r);
	}
}

int slp_sa_register(struct slp_sa *sa, const char *url, const char *type,
		    const char *attrs, uint16_t lifetime)
{
	struct slp_attrs *check = NULL;
	struct svc *s;
	struct pl a;
	int err;

	if (!sa || !url || !*url || !type || !*type || !lifetime ||
	    sa->closing)
		return EINVAL;
	pl_set_str(&a, attrs ? attrs : "");
	err = slp_attrs_decode(&check, &a);
	mem_deref(check);
	if (err)
		return err;

	s = svc_find(sa, url);
	if (s) {
		svc_drop_regs(sa, s);
		mem_deref(s);
	}
	s = mem_zalloc(sizeof(*s), svc_destructor);
	if (!s)
		return ENOMEM;
	s->sa = sa;
	s->lifetime = lifetime;
	tmr_init(&s->tmr_refresh);
	err  = str_dup(&s->url, url);
	err |= str_dup(&s->type, type);
	err |= str_dup(&s->attrs, attrs ? attrs : "");
	if (err) {
		mem_deref(s);
		return ENOMEM;
	}
	list_append(&sa->svcs, &s->le, s);
	LOG(sa, 1, "service %s (%s, %us)", url, type, lifetime);
	refresh_timeout(s);
	return 0;
}

static void deregister_svc(struct slp_sa *sa, struct svc *s)
{
	struct pl u;
	uint16_t e;

	for (struct le *le = sa->das.head; le; le = le->next) {
		struct sada *d = le->data;
		struct reg *r = reg_find(sa, s, d);

		if (d->down || !r)
			continue;
		reg_start(r, true);
	}
	pl_set_str(&u, s->url);
	(void)slp_store_deregister(sa->store, &u, &sa->scopes_pl, NULL,
				   tmr_jiffies(), &e);
	tmr_cancel(&s->tmr_refresh);
	list_unlink(&s->le);
}

static void orphan_regs(struct slp_sa *sa, struct svc *s)
{
	/* deregistrations in flight outlive their svc: keep its URL in
	 * the message only */
	struct le *le = sa->regs.head;

	while (le) {
		struct reg *r = le->data;

		le = le->next;
		if (r->svc != s)
			continue;
		if (r->dereg)
			r->svc = NULL;
		else
			mem_deref(r);
	}
}

int slp_sa_deregister(struct slp_sa *sa, const char *url)
{
	struct svc *s;

	if (!sa || !url)
		return EINVAL;
	s = svc_find(sa, url);
	if (!s)
		return ENOENT;
	deregister_svc(sa, s);
	orphan_regs(sa, s);
	mem_deref(s);
	LOG(sa, 1, "service %s withdrawn", url);
	return 0;
}

static void done_timeout(void *arg)
{
	struct slp_sa *sa = arg;
	slp_sa_done_h *h = sa->doneh;

	sa->doneh = NULL;
	if (h)
		h(sa->donearg);
}

static void check_done(struct slp_sa *sa)
{
	if (!sa->closing || !sa->doneh)
		return;
	for (struct le *le = sa->regs.head; le; le = le->next) {
		const struct reg *r = le->data;

		if (r->dereg)
			return;
	}
	tmr_start(&sa->tmr_done, 0, done_timeout, sa);
}

void slp_sa_shutdown(struct slp_sa *sa, slp_sa_done_h *h, void *arg)
{
	struct le *le;

	if (!sa)
		return;
	sa->closing = true;
	sa->doneh = h;
	sa->donearg = arg;
	while ((le = sa->svcs.head)) {
		struct svc *s = le->data;

		deregister_svc(sa, s);
		orphan_regs(sa, s);
		mem_deref(s);
	}
	tmr_start(&sa->tmr_done, SHUTDOWN_MS, done_timeout, sa);
	check_done(sa);
}
