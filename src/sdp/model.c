/*
 * The session description objects: making them, copying them, and reading
 * them. A media section reads its effective values through its description:
 * c= and the direction of the media level win over the session level (RFC
 * 4566 §5.7, RFC 3264 §5.1); with neither the direction is sendrecv. All
 * lookups are linear walks over a few dozen lines at most.
 */
#include <string.h>
#include <strings.h>
#include "sdesc_priv.h"

static void sdesc_destructor(void *arg)
{
	struct sdesc *sd = arg;

	list_flush(&sd->medial);
	list_flush(&sd->lines);
	mem_deref(sd->o_user);
	mem_deref(sd->o_id);
	mem_deref(sd->o_addr);
}

static void media_destructor(void *arg)
{
	struct sdesc_media *m = arg;

	list_unlink(&m->le);
	list_flush(&m->lines);
}

int sdesc_alloc(struct sdesc **sdp)
{
	struct sdesc *sd;

	if (!sdp)
		return EINVAL;

	sd = mem_zalloc(sizeof(*sd), sdesc_destructor);
	if (!sd)
		return ENOMEM;

	*sdp = sd;
	return 0;
}

enum sdesc_mtype sdesc_mtype_of(const char *name)
{
	if (!str_casecmp(name, "audio"))
		return SDESC_AUDIO;
	if (!str_casecmp(name, "video"))
		return SDESC_VIDEO;
	return SDESC_OTHER;
}

/* RTP/AVP, RTP/AVPF, RTP/SAVP, UDP/TLS/RTP/SAVPF, ...: formats are
 * payload types */
bool sdesc_proto_is_rtp(const char *proto)
{
	for (const char *p = proto; p && *p; p++) {
		if (!strncasecmp(p, "RTP/", 4))
			return true;
	}
	return false;
}

int sdesc_media_add(struct sdesc_media **mp, struct sdesc *sd,
		    const char *name, uint16_t port, const char *proto)
{
	struct sdesc_media *m;

	if (!sd || !name || !proto)
		return EINVAL;

	if (list_count(&sd->medial) >= SDESC_MAXMEDIA)
		return EOVERFLOW;

	m = mem_zalloc(sizeof(*m), media_destructor);
	if (!m)
		return ENOMEM;

	if (sdesc_token(m->name, sizeof(m->name), name, strlen(name))
	    || sdesc_token(m->proto, sizeof(m->proto), proto, strlen(proto))) {
		mem_deref(m);
		return EINVAL;
	}

	m->sd = sd;
	m->type = sdesc_mtype_of(m->name);
	m->port = port;
	list_append(&sd->medial, &m->le, m);

	if (mp)
		*mp = m;

	return 0;
}

int sdesc_media_add_fmt(struct sdesc_media *m, const char *id)
{
	struct sdesc_fmt *f;
	uint64_t pt;

	if (!m || !id)
		return EINVAL;
	if (m->fmtc >= SDESC_MAXFMT)
		return EOVERFLOW;

	f = &m->fmtv[m->fmtc];
	if (sdesc_token(f->id, sizeof(f->id), id, strlen(id)))
		return EINVAL;

	if (sdesc_num(id, strlen(id), 127, &pt) == 0)
		f->pt = (int)pt;
	else if (sdesc_proto_is_rtp(m->proto))
		return EINVAL;
	else
		f->pt = -1;

	++m->fmtc;
	return 0;
}

int sdesc_origin_set(struct sdesc *sd, const char *user, const char *id,
		     uint64_t ver, const struct sa *addr)
{
	char *u = NULL, *i = NULL, *a = NULL;
	int err;

	if (!sd || !user || !id || !addr)
		return EINVAL;

	err  = str_dup(&u, user);
	err |= str_dup(&i, id);
	err |= re_sdprintf(&a, "%H", sdesc_conn_print, addr);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	mem_deref(sd->o_user);
	mem_deref(sd->o_id);
	mem_deref(sd->o_addr);
	sd->o_user = u;
	sd->o_id = i;
	sd->o_addr = a;
	sd->o_ver = ver;
	sd->has_origin = true;
	u = i = a = NULL;

 out:
	mem_deref(u);
	mem_deref(i);
	mem_deref(a);
	return err;
}

/* "IN IP4 192.0.2.1" or "IN IP6 2001:db8::1" */
int sdesc_conn_print(struct re_printf *pf, const struct sa *sa)
{
	return re_hprintf(pf, "IN %s %j",
			  sa_af(sa) == AF_INET6 ? "IP6" : "IP4", sa);
}

static int line_dup(struct list *dst, const struct sdesc_line *src)
{
	struct sdesc_line *l;
	int err;

	err = sdesc_line_add(&l, dst, src->type, src->val, strlen(src->val));
	if (err)
		return err;

	l->kind = src->kind;
	l->u = src->u;
	return 0;
}

/*
 * Copy src to the end of dst. With materialize, the copy gets its own c=
 * and direction lines wherever what it would inherit in dst differs from
 * what src had through its own description.
 */
int sdesc_media_dup_into(struct sdesc_media **mp, struct sdesc *dst,
			 const struct sdesc_media *src, bool materialize)
{
	const struct sdesc_line *sc;
	struct sdesc_media *m = NULL;
	struct le *le;
	int err;

	if (!dst || !src)
		return EINVAL;

	err = sdesc_media_add(&m, dst, src->name, src->port, src->proto);
	if (err)
		return err;

	m->portc = src->portc;
	m->fmtc = src->fmtc;
	memcpy(m->fmtv, src->fmtv, sizeof(m->fmtv));

	LIST_FOREACH(&src->lines, le) {
		err = line_dup(&m->lines, le->data);
		if (err)
			goto out;
	}

	if (!materialize)
		goto out;

	sc = sdesc_line_find(&src->lines, SDESC_L_CONN);
	if (!sc && src->sd)
		sc = sdesc_line_find(&src->sd->lines, SDESC_L_CONN);
	if (sc) {
		const struct sdesc_line *dc;

		dc = sdesc_line_find(&m->lines, SDESC_L_CONN);
		if (!dc)
			dc = sdesc_line_find(&dst->lines, SDESC_L_CONN);
		if (!dc || strcmp(dc->val, sc->val))
			err = sdesc_line_set(&m->lines, 'c', SDESC_L_CONN,
					     sc->val);
		if (err)
			goto out;
	}

	if (sdesc_media_dir(m) != sdesc_media_dir(src))
		err = sdesc_media_set_dir(m, sdesc_media_dir(src));

 out:
	if (err)
		mem_deref(m);
	else if (mp)
		*mp = m;

	return err;
}

int sdesc_dup(struct sdesc **dupp, const struct sdesc *sd)
{
	struct sdesc *d = NULL;
	struct le *le;
	int err;

	if (!dupp || !sd)
		return EINVAL;

	err = sdesc_alloc(&d);
	if (err)
		return err;

	d->has_origin = sd->has_origin;
	d->o_ver = sd->o_ver;
	if (sd->has_origin) {
		err  = str_dup(&d->o_user, sd->o_user);
		err |= str_dup(&d->o_id, sd->o_id);
		err |= str_dup(&d->o_addr, sd->o_addr);
		if (err) {
			err = ENOMEM;
			goto out;
		}
	}

	LIST_FOREACH(&sd->lines, le) {
		err = line_dup(&d->lines, le->data);
		if (err)
			goto out;
	}

	LIST_FOREACH(&sd->medial, le) {
		err = sdesc_media_dup_into(NULL, d, le->data, false);
		if (err)
			goto out;
	}

 out:
	if (err)
		mem_deref(d);
	else
		*dupp = d;

	return err;
}

const char *sdesc_origin_user(const struct sdesc *sd)
{
	return sd && sd->has_origin ? sd->o_user : NULL;
}

const char *sdesc_sess_id(const struct sdesc *sd)
{
	return sd && sd->has_origin ? sd->o_id : NULL;
}

uint64_t sdesc_sess_version(const struct sdesc *sd)
{
	return sd && sd->has_origin ? sd->o_ver : 0;
}

static const char *attr_find(const struct list *lines, const char *name)
{
	size_t n = strlen(name);
	struct le *le;

	LIST_FOREACH(lines, le) {
		const struct sdesc_line *l = le->data;

		if (l->type != 'a' || strncmp(l->val, name, n))
			continue;
		if (l->val[n] == ':')
			return l->val + n + 1;
		if (l->val[n] == '\0')
			return l->val + n;
	}

	return NULL;
}

/** Value of the first session attribute a=name[:value] ("" when it has no
 *  value), or NULL */
const char *sdesc_attr(const struct sdesc *sd, const char *name)
{
	return sd && name ? attr_find(&sd->lines, name) : NULL;
}

unsigned sdesc_media_count(const struct sdesc *sd)
{
	return sd ? list_count(&sd->medial) : 0;
}

struct sdesc_media *sdesc_media(const struct sdesc *sd, unsigned idx)
{
	struct le *le;

	if (!sd)
		return NULL;

	for (le = list_head(&sd->medial); le && idx; le = le->next)
		--idx;

	return le ? le->data : NULL;
}

enum sdesc_mtype sdesc_media_type(const struct sdesc_media *m)
{
	return m ? m->type : SDESC_OTHER;
}

const char *sdesc_media_name(const struct sdesc_media *m)
{
	return m ? m->name : NULL;
}

uint16_t sdesc_media_port(const struct sdesc_media *m)
{
	return m ? m->port : 0;
}

int sdesc_active_line(const struct sdesc *a, const struct sdesc *b,
		      enum sdesc_mtype type)
{
	for (unsigned i = 0; i < sdesc_media_count(a); i++) {
		const struct sdesc_media *ma = sdesc_media(a, i);
		const struct sdesc_media *mb = sdesc_media(b, i);

		if (sdesc_media_type(ma) == type && sdesc_media_port(ma) &&
		    mb && sdesc_media_port(mb))
			return (int)i;
	}
	return -1;
}

const char *sdesc_media_proto(const struct sdesc_media *m)
{
	return m ? m->proto : NULL;
}

unsigned sdesc_media_fmtc(const struct sdesc_media *m)
{
	return m ? m->fmtc : 0;
}

const char *sdesc_media_fmt(const struct sdesc_media *m, unsigned i)
{
	return m && i < m->fmtc ? m->fmtv[i].id : NULL;
}

/** Effective direction: media level, else session level, else sendrecv */
enum sdesc_dir sdesc_media_dir(const struct sdesc_media *m)
{
	const struct sdesc_line *l;

	if (!m)
		return SDESC_INACTIVE;

	l = sdesc_line_find(&m->lines, SDESC_L_DIR);
	if (!l && m->sd)
		l = sdesc_line_find(&m->sd->lines, SDESC_L_DIR);

	return l ? l->u.dir : SDESC_SENDRECV;
}

/**
 * Where to send this medium: the media-level c= (else the session-level
 * one) and the m= port. ENOENT without c=, EADDRNOTAVAIL when c= holds a
 * host name rather than an address.
 */
int sdesc_media_raddr(const struct sdesc_media *m, struct sa *sa)
{
	const struct sdesc_line *l;

	if (!m || !sa)
		return EINVAL;

	l = sdesc_line_find(&m->lines, SDESC_L_CONN);
	if (!l && m->sd)
		l = sdesc_line_find(&m->sd->lines, SDESC_L_CONN);
	if (!l)
		return ENOENT;
	if (!l->u.conn.numeric)
		return EADDRNOTAVAIL;

	*sa = l->u.conn.sa;
	sa_set_port(sa, m->port);
	return 0;
}

/** Value of the first media attribute a=name[:value], or NULL */
const char *sdesc_media_attr(const struct sdesc_media *m, const char *name)
{
	return m && name ? attr_find(&m->lines, name) : NULL;
}

/** a=ptime in ms, 0 when absent */
uint32_t sdesc_media_ptime(const struct sdesc_media *m)
{
	const struct sdesc_line *l;

	l = m ? sdesc_line_find(&m->lines, SDESC_L_PTIME) : NULL;

	return l ? l->u.ptime : 0;
}

const char *sdesc_dir_name(enum sdesc_dir dir)
{
	switch (dir) {

	case SDESC_INACTIVE: return "inactive";
	case SDESC_RECVONLY: return "recvonly";
	case SDESC_SENDONLY: return "sendonly";
	case SDESC_SENDRECV: return "sendrecv";
	default:             return "?";
	}
}

/** sendonly <-> recvonly; sendrecv and inactive stay (RFC 3264 §6.1) */
enum sdesc_dir sdesc_dir_flip(enum sdesc_dir dir)
{
	return (enum sdesc_dir)(((dir & 1) << 1) | ((dir >> 1) & 1));
}
