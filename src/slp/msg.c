/*
 * SLPv2 wire codec: header, URL entries, authentication blocks and the
 * bodies of all eleven message types (RFC 2608 §8-§10).
 *
 * The decoder walks a cursor (struct rd) over the caller's buffer; every
 * read goes through rd_u8/rd_u16/rd_u24/rd_u32/rd_str, which check the bytes
 * that remain first, so no path can read past the end. Strings are returned
 * as struct pl pointing into the buffer (no copy, no allocation). The body
 * must end exactly where the header's length, or the first extension, says;
 * trailing garbage is a PARSE_ERROR just as a short body is.
 *
 * Extensions (RFC 2608 §9.1, RFC 3059) are walked and bounds-checked; their
 * content is not used. An unknown extension in the mandatory range
 * 0x4000-0x7FFF is reported in ext_required so that the agent can answer
 * OPTION_NOT_UNDERSTOOD.
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp_msg.h>

struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static bool rd_u8(struct rd *r, uint8_t *v)
{
	if (r->end - r->p < 1)
		return false;
	*v = r->p[0];
	r->p += 1;
	return true;
}

static bool rd_u16(struct rd *r, uint16_t *v)
{
	if (r->end - r->p < 2)
		return false;
	*v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	return true;
}

static bool rd_u24(struct rd *r, uint32_t *v)
{
	if (r->end - r->p < 3)
		return false;
	*v = (uint32_t)r->p[0] << 16 | (uint32_t)r->p[1] << 8 | r->p[2];
	r->p += 3;
	return true;
}

static bool rd_u32(struct rd *r, uint32_t *v)
{
	if (r->end - r->p < 4)
		return false;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
		(uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	return true;
}

static bool rd_bytes(struct rd *r, size_t n, struct pl *pl)
{
	if ((size_t)(r->end - r->p) < n)
		return false;
	pl->p = (const char *)r->p;
	pl->l = n;
	r->p += n;
	return true;
}

/* <uint16 length><bytes> */
static bool rd_str(struct rd *r, struct pl *pl)
{
	uint16_t n;

	return rd_u16(r, &n) && rd_bytes(r, n, pl);
}

static bool rd_auth(struct rd *r, struct slp_auth *a)
{
	uint16_t blen;
	const uint8_t *start = r->p;
	struct rd blk;

	if (!rd_u16(r, &a->bsd) || !rd_u16(r, &blen))
		return false;
	/* the block length counts the whole block, BSD included */
	if (blen < 10 || (size_t)(r->end - start) < blen)
		return false;
	blk.p = r->p;
	blk.end = start + blen;
	if (!rd_u32(&blk, &a->timestamp) || !rd_str(&blk, &a->spi))
		return false;
	a->data.p = (const char *)blk.p;
	a->data.l = (size_t)(blk.end - blk.p);
	r->p = blk.end;
	return true;
}

static bool rd_auths(struct rd *r, uint8_t *n, struct slp_auth *v)
{
	if (!rd_u8(r, n) || *n > SLP_MAX_AUTH)
		return false;
	for (uint8_t i = 0; i < *n; i++) {
		if (!rd_auth(r, &v[i]))
			return false;
	}
	return true;
}

static bool rd_urlent(struct rd *r, struct slp_urlent *e)
{
	uint8_t rsv;

	return rd_u8(r, &rsv) && rd_u16(r, &e->lifetime) &&
		rd_str(r, &e->url) && e->url.l > 0 &&
		rd_auths(r, &e->nauth, e->auth);
}

int slp_urlent_next(struct pl *block, struct slp_urlent *ent)
{
	struct rd r;

	if (!block || !ent)
		return EINVAL;
	if (!block->l)
		return ENOENT;
	r.p = (const uint8_t *)block->p;
	r.end = r.p + block->l;
	memset(ent, 0, sizeof(*ent));
	if (!rd_urlent(&r, ent))
		return EBADMSG;
	block->l -= (size_t)((const char *)r.p - block->p);
	block->p = (const char *)r.p;
	return 0;
}

uint32_t slp_msg_peek_len(const uint8_t *buf, size_t len)
{
	if (!buf || len < 5)
		return 0;
	return (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 | buf[4];
}

static bool rd_body(struct rd *r, struct slp_msg *m)
{
	uint16_t nalen;
	const uint8_t *start;

	switch (m->hdr.fid) {

	case SLP_SRVRQST:
		return rd_str(r, &m->prlist) && rd_str(r, &m->srvtype) &&
			m->srvtype.l > 0 &&
			rd_str(r, &m->scopes) && rd_str(r, &m->pred) &&
			rd_str(r, &m->spi);

	case SLP_SRVRPLY:
		if (!rd_u16(r, &m->err) || !rd_u16(r, &m->nurl))
			return false;
		start = r->p;
		for (uint16_t i = 0; i < m->nurl; i++) {
			struct slp_urlent e;

			if (!rd_urlent(r, &e))
				return false;
		}
		m->urls.p = (const char *)start;
		m->urls.l = (size_t)(r->p - start);
		return true;

	case SLP_SRVREG:
		return rd_urlent(r, &m->urlent) && rd_str(r, &m->srvtype) &&
			m->srvtype.l > 0 &&
			rd_str(r, &m->scopes) && rd_str(r, &m->attrs) &&
			rd_auths(r, &m->nauth, m->auth);

	case SLP_SRVDEREG:
		return rd_str(r, &m->scopes) && rd_urlent(r, &m->urlent) &&
			rd_str(r, &m->tags);

	case SLP_SRVACK:
		return rd_u16(r, &m->err);

	case SLP_ATTRRQST:
		return rd_str(r, &m->prlist) && rd_str(r, &m->url) &&
			m->url.l > 0 &&
			rd_str(r, &m->scopes) && rd_str(r, &m->tags) &&
			rd_str(r, &m->spi);

	case SLP_ATTRRPLY:
		return rd_u16(r, &m->err) && rd_str(r, &m->attrs) &&
			rd_auths(r, &m->nauth, m->auth);

	case SLP_DAADVERT:
		return rd_u16(r, &m->err) && rd_u32(r, &m->boot) &&
			rd_str(r, &m->url) && rd_str(r, &m->scopes) &&
			rd_str(r, &m->attrs) && rd_str(r, &m->spi) &&
			rd_auths(r, &m->nauth, m->auth);

	case SLP_SRVTYPERQST:
		if (!rd_str(r, &m->prlist) || !rd_u16(r, &nalen))
			return false;
		if (nalen == 0xffff) {
			m->na_all = true;
		}
		else if (!rd_bytes(r, nalen, &m->na)) {
			return false;
		}
		return rd_str(r, &m->scopes);

	case SLP_SRVTYPERPLY:
		return rd_u16(r, &m->err) && rd_str(r, &m->srvtypes);

	case SLP_SAADVERT:
		return rd_str(r, &m->url) && m->url.l > 0 &&
			rd_str(r, &m->scopes) && rd_str(r, &m->attrs) &&
			rd_auths(r, &m->nauth, m->auth);

	default:
		return false;
	}
}

/* Walks the extension chain; offsets are from the start of the message. */
static bool rd_exts(const uint8_t *buf, size_t len, size_t body_end,
		    uint32_t off, uint16_t *required)
{
	unsigned n = 0;

	while (off) {
		struct rd r;
		uint16_t id = 0;
		uint32_t next = 0;

		/* each extension must lie after the body, inside the message,
		 * and the chain must move forward (no loops) */
		if (off < body_end || off + 5 > len || ++n > 32)
			return false;
		r.p = buf + off;
		r.end = buf + len;
		(void)rd_u16(&r, &id);
		(void)rd_u24(&r, &next);
		if (next && next <= off)
			return false;
		if (id >= 0x4000 && id <= 0x7fff && !*required)
			*required = id;
		body_end = off + 5;
		off = next;
	}
	return true;
}

int slp_msg_decode(struct slp_msg *m, const uint8_t *buf, size_t len,
		   uint16_t *slperr)
{
	struct rd r;
	uint16_t langlen;
	uint16_t e = SLP_PARSE_ERROR;
	size_t body_end;

	if (!m || !buf)
		return EINVAL;
	memset(m, 0, sizeof(*m));
	r.p = buf;
	r.end = buf + len;

	if (!rd_u8(&r, &m->hdr.ver) || !rd_u8(&r, &m->hdr.fid))
		goto out;
	if (m->hdr.ver != SLP_VERSION) {
		if (len >= 12)
			m->hdr.xid = (uint16_t)(buf[10] << 8 | buf[11]);
		e = SLP_VER_NOT_SUPPORTED;
		goto out;
	}
	if (!rd_u24(&r, &m->hdr.len) || !rd_u16(&r, &m->hdr.flags) ||
	    !rd_u24(&r, &m->hdr.ext) || !rd_u16(&r, &m->hdr.xid) ||
	    !rd_u16(&r, &langlen))
		goto out;
	/* the language tag first, so that an error reply can carry it */
	if (langlen == 0 || !rd_bytes(&r, langlen, &m->hdr.lang))
		goto out;
	if (m->hdr.len != len || len > SLP_MAX_LEN)
		goto out;
	/* reserved flag bits must be zero (RFC 2608 §8) */
	if (m->hdr.flags & 0x1fff)
		goto out;
	if (m->hdr.fid < SLP_SRVRQST || m->hdr.fid > SLP_SAADVERT) {
		e = SLP_MSG_NOT_SUPPORTED;
		goto out;
	}

	/* the body ends at the first extension, if any */
	if (m->hdr.ext) {
		if (m->hdr.ext > len || m->hdr.ext < (size_t)(r.p - buf))
			goto out;
		r.end = buf + m->hdr.ext;
	}
	if (!rd_body(&r, m) || r.p != r.end)
		goto out;
	body_end = (size_t)(r.p - buf);
	if (!rd_exts(buf, len, body_end, m->hdr.ext, &m->ext_required))
		goto out;

	return 0;

 out:
	if (slperr)
		*slperr = e;
	return EBADMSG;
}

/* ---- encoding ---- */

static int wr_u24(struct mbuf *mb, uint32_t v)
{
	int err = mbuf_write_u8(mb, (uint8_t)(v >> 16));
	err |= mbuf_write_u16(mb, htons((uint16_t)v));
	return err;
}

static int wr_str(struct mbuf *mb, const struct pl *pl)
{
	size_t l = pl ? pl->l : 0;
	int err;

	if (l > 0xffff)
		return EOVERFLOW;
	err = mbuf_write_u16(mb, htons((uint16_t)l));
	if (l)
		err |= mbuf_write_mem(mb, (const uint8_t *)pl->p, l);
	return err;
}

int slp_auth_encode(struct mbuf *mb, const struct slp_auth *a)
{
	size_t blen;
	int err;

	if (!mb || !a)
		return EINVAL;
	blen = 10 + a->spi.l + a->data.l;
	if (blen > 0xffff)
		return EOVERFLOW;
	err  = mbuf_write_u16(mb, htons(a->bsd));
	err |= mbuf_write_u16(mb, htons((uint16_t)blen));
	err |= mbuf_write_u32(mb, htonl(a->timestamp));
	err |= wr_str(mb, &a->spi);
	if (a->data.l)
		err |= mbuf_write_mem(mb, (const uint8_t *)a->data.p,
				      a->data.l);
	return err;
}

static int wr_auths(struct mbuf *mb, uint8_t n, const struct slp_auth *v)
{
	int err;

	if (n > SLP_MAX_AUTH)
		return EOVERFLOW;
	err = mbuf_write_u8(mb, n);
	for (uint8_t i = 0; i < n && !err; i++)
		err = slp_auth_encode(mb, &v[i]);
	return err;
}

int slp_urlent_encode(struct mbuf *mb, const struct slp_urlent *e)
{
	int err;

	if (!mb || !e)
		return EINVAL;
	err  = mbuf_write_u8(mb, 0);
	err |= mbuf_write_u16(mb, htons(e->lifetime));
	err |= wr_str(mb, &e->url);
	err |= wr_auths(mb, e->nauth, e->auth);
	return err;
}

int slp_hdr_encode(struct mbuf *mb, const struct slp_hdr *h)
{
	static const struct pl en = PL("en");
	const struct pl *lang;
	int err;

	if (!mb || !h)
		return EINVAL;
	lang = h->lang.l ? &h->lang : &en;
	err  = mbuf_write_u8(mb, SLP_VERSION);
	err |= mbuf_write_u8(mb, h->fid);
	err |= wr_u24(mb, 0);                  /* patched by finish */
	err |= mbuf_write_u16(mb, htons(h->flags));
	err |= wr_u24(mb, 0);                  /* no extensions     */
	err |= mbuf_write_u16(mb, htons(h->xid));
	err |= wr_str(mb, lang);
	return err;
}

int slp_msg_finish(struct mbuf *mb, size_t start)
{
	size_t end, len;

	if (!mb || start > mb->end)
		return EINVAL;
	end = mb->end;
	len = end - start;
	if (len > SLP_MAX_LEN || len < SLP_HDR_MIN)
		return EOVERFLOW;
	mb->buf[start + 2] = (uint8_t)(len >> 16);
	mb->buf[start + 3] = (uint8_t)(len >> 8);
	mb->buf[start + 4] = (uint8_t)len;
	return 0;
}

static int wr_body(struct mbuf *mb, const struct slp_msg *m)
{
	int err = 0;

	switch (m->hdr.fid) {

	case SLP_SRVRQST:
		err |= wr_str(mb, &m->prlist);
		err |= wr_str(mb, &m->srvtype);
		err |= wr_str(mb, &m->scopes);
		err |= wr_str(mb, &m->pred);
		err |= wr_str(mb, &m->spi);
		break;

	case SLP_SRVRPLY:
		err |= mbuf_write_u16(mb, htons(m->err));
		err |= mbuf_write_u16(mb, htons(m->nurl));
		if (m->urls.l)
			err |= mbuf_write_mem(mb, (const uint8_t *)m->urls.p,
					      m->urls.l);
		break;

	case SLP_SRVREG:
		err |= slp_urlent_encode(mb, &m->urlent);
		err |= wr_str(mb, &m->srvtype);
		err |= wr_str(mb, &m->scopes);
		err |= wr_str(mb, &m->attrs);
		err |= wr_auths(mb, m->nauth, m->auth);
		break;

	case SLP_SRVDEREG:
		err |= wr_str(mb, &m->scopes);
		err |= slp_urlent_encode(mb, &m->urlent);
		err |= wr_str(mb, &m->tags);
		break;

	case SLP_SRVACK:
		err |= mbuf_write_u16(mb, htons(m->err));
		break;

	case SLP_ATTRRQST:
		err |= wr_str(mb, &m->prlist);
		err |= wr_str(mb, &m->url);
		err |= wr_str(mb, &m->scopes);
		err |= wr_str(mb, &m->tags);
		err |= wr_str(mb, &m->spi);
		break;

	case SLP_ATTRRPLY:
		err |= mbuf_write_u16(mb, htons(m->err));
		err |= wr_str(mb, &m->attrs);
		err |= wr_auths(mb, m->nauth, m->auth);
		break;

	case SLP_DAADVERT:
		err |= mbuf_write_u16(mb, htons(m->err));
		err |= mbuf_write_u32(mb, htonl(m->boot));
		err |= wr_str(mb, &m->url);
		err |= wr_str(mb, &m->scopes);
		err |= wr_str(mb, &m->attrs);
		err |= wr_str(mb, &m->spi);
		err |= wr_auths(mb, m->nauth, m->auth);
		break;

	case SLP_SRVTYPERQST:
		err |= wr_str(mb, &m->prlist);
		if (m->na_all)
			err |= mbuf_write_u16(mb, 0xffff);
		else
			err |= wr_str(mb, &m->na);
		err |= wr_str(mb, &m->scopes);
		break;

	case SLP_SRVTYPERPLY:
		err |= mbuf_write_u16(mb, htons(m->err));
		err |= wr_str(mb, &m->srvtypes);
		break;

	case SLP_SAADVERT:
		err |= wr_str(mb, &m->url);
		err |= wr_str(mb, &m->scopes);
		err |= wr_str(mb, &m->attrs);
		err |= wr_auths(mb, m->nauth, m->auth);
		break;

	default:
		return EPROTO;
	}
	return err;
}

int slp_msg_encode(struct mbuf *mb, const struct slp_msg *m)
{
	size_t start;
	int err;

	if (!mb || !m)
		return EINVAL;
	start = mb->end;
	mb->pos = mb->end;
	err = slp_hdr_encode(mb, &m->hdr);
	if (err)
		goto out;
	err = wr_body(mb, m);
	if (err)
		goto out;
	err = slp_msg_finish(mb, start);
 out:
	if (err) {
		mb->end = start;
		mb->pos = start;
	}
	return err;
}

uint8_t slp_reply_fid(uint8_t fid)
{
	switch (fid) {
	case SLP_SRVRQST:     return SLP_SRVRPLY;
	case SLP_SRVREG:      return SLP_SRVACK;
	case SLP_SRVDEREG:    return SLP_SRVACK;
	case SLP_ATTRRQST:    return SLP_ATTRRPLY;
	case SLP_SRVTYPERQST: return SLP_SRVTYPERPLY;
	default:              return 0;
	}
}

int slp_msg_encode_error(struct mbuf *mb, const struct slp_hdr *req,
			 uint16_t e)
{
	struct slp_msg m;

	if (!mb || !req)
		return EINVAL;
	memset(&m, 0, sizeof(m));
	m.hdr.fid = slp_reply_fid(req->fid);
	/* a request of unknown type or version still gets an answer that
	 * carries the error: SrvAck is the smallest that has one */
	if (!m.hdr.fid)
		m.hdr.fid = SLP_SRVACK;
	m.hdr.xid = req->xid;
	m.hdr.lang = req->lang;
	m.err = e;
	return slp_msg_encode(mb, &m);
}

const char *slp_fid_name(uint8_t fid)
{
	static const char *names[] = {
		"?", "SrvRqst", "SrvRply", "SrvReg", "SrvDeReg", "SrvAck",
		"AttrRqst", "AttrRply", "DAAdvert", "SrvTypeRqst",
		"SrvTypeRply", "SAAdvert",
	};

	return fid < sizeof(names) / sizeof(names[0]) ? names[fid] : "?";
}

const char *slp_err_name(uint16_t e)
{
	switch (e) {
	case SLP_OK:                     return "OK";
	case SLP_LANGUAGE_NOT_SUPPORTED: return "LANGUAGE_NOT_SUPPORTED";
	case SLP_PARSE_ERROR:            return "PARSE_ERROR";
	case SLP_INVALID_REGISTRATION:   return "INVALID_REGISTRATION";
	case SLP_SCOPE_NOT_SUPPORTED:    return "SCOPE_NOT_SUPPORTED";
	case SLP_AUTHENTICATION_UNKNOWN: return "AUTHENTICATION_UNKNOWN";
	case SLP_AUTHENTICATION_ABSENT:  return "AUTHENTICATION_ABSENT";
	case SLP_AUTHENTICATION_FAILED:  return "AUTHENTICATION_FAILED";
	case SLP_VER_NOT_SUPPORTED:      return "VER_NOT_SUPPORTED";
	case SLP_INTERNAL_ERROR:         return "INTERNAL_ERROR";
	case SLP_DA_BUSY_NOW:            return "DA_BUSY_NOW";
	case SLP_OPTION_NOT_UNDERSTOOD:  return "OPTION_NOT_UNDERSTOOD";
	case SLP_INVALID_UPDATE:         return "INVALID_UPDATE";
	case SLP_MSG_NOT_SUPPORTED:      return "MSG_NOT_SUPPORTED";
	case SLP_REFRESH_REJECTED:       return "REFRESH_REJECTED";
	default:                         return "UNKNOWN";
	}
}
