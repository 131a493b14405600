/*
 * The SrvRply to a SrvRqst, as the DA and the SA (answering multicast on
 * its own) both build it: the store's matching URL entries, as many as fit
 * in `limit` bytes; when one does not fit the reply is cut there and the
 * OVERFLOW flag tells the UA to ask again over TCP (RFC 2608 §7).
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp.h>
#include "slp_priv.h"

struct rply {
	struct mbuf *mb;
	size_t limit;
	uint16_t n;
	bool overflow;
};

static bool rply_add(const struct slp_store_entry *e, uint16_t life,
		     void *arg)
{
	struct rply *r = arg;
	struct slp_urlent ue;
	size_t before = r->mb->end;

	memset(&ue, 0, sizeof(ue));
	ue.lifetime = life;
	ue.url = e->url;
	if (r->n == 0xffff || slp_urlent_encode(r->mb, &ue) ||
	    r->mb->end > r->limit) {
		r->mb->end = r->mb->pos = before;
		r->overflow = true;
		return true;
	}
	r->n++;
	return false;
}

int slp_srvrply_encode(struct mbuf *rep, const struct slp_msg *rqst,
		       const struct slp_store *store, const struct pl *scopes,
		       const struct slp_filter *f, uint64_t now, size_t limit,
		       uint16_t *np)
{
	struct rply r = {rep, limit, 0, false};
	struct slp_hdr h;
	size_t cnt;
	int err;

	memset(&h, 0, sizeof(h));
	h.fid = SLP_SRVRPLY;
	h.xid = rqst->hdr.xid;
	h.lang = rqst->hdr.lang;
	err  = slp_hdr_encode(rep, &h);
	err |= mbuf_write_u16(rep, 0);            /* error code: none */
	cnt = rep->end;
	err |= mbuf_write_u16(rep, 0);            /* URL entries: below */
	if (err)
		return err;

	(void)slp_store_find(store, &rqst->srvtype, scopes, f, now,
			     rply_add, &r);
	rep->buf[cnt] = (uint8_t)(r.n >> 8);
	rep->buf[cnt + 1] = (uint8_t)r.n;
	if (r.overflow)
		rep->buf[5] |= SLP_FLAG_OVERFLOW >> 8;
	*np = r.n;
	return slp_msg_finish(rep, 0);
}
