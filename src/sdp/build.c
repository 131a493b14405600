/*
 * Building descriptions of our own: a fresh or continued o= line, the
 * session lines every description needs (s=, c=, t=), and an m= line from a
 * local medium and the codecs it offers or answers with. Shared by offer.c
 * and answer.c. Every codec gets an rtpmap, static payload types included
 * (RFC 3264 §5.1 recommends it), and its fmtp when it has one; every media
 * line gets an explicit direction.
 */
#include <stdarg.h>
#include <string.h>
#include "sdesc_priv.h"

/*
 * The o= line: continue prev's (same user, sess-id and address, version + 1;
 * RFC 3264 §8) or start a new session with a random sess-id.
 */
int sdesc_origin_new(struct sdesc *sd, const struct sdesc *prev,
		     const char *user, const struct sa *addr)
{
	char id[24];

	if (prev && prev->has_origin)
		return sdesc_version_bump(sd, prev);

	re_snprintf(id, sizeof(id), "%u", rand_u32());

	return sdesc_origin_set(sd, user && *user ? user : "-", id, 1, addr);
}

/* s=- and c= (when addr), then t=0 0 unless t_from has t= lines to copy */
int sdesc_session_lines(struct sdesc *sd, const struct sa *addr,
			const struct sdesc *t_from)
{
	struct le *le;
	bool t = false;
	int err;

	err = sdesc_line_add(NULL, &sd->lines, 's', "-", 1);
	if (err)
		return err;

	if (addr) {
		char val[80];

		re_snprintf(val, sizeof(val), "%H", sdesc_conn_print, addr);
		err = sdesc_line_set(&sd->lines, 'c', SDESC_L_CONN, val);
		if (err)
			return err;
	}

	LIST_FOREACH(t_from ? &t_from->lines : NULL, le) {
		const struct sdesc_line *l = le->data;

		if (l->type != 't' && l->type != 'r')
			continue;
		err = sdesc_line_add(NULL, &sd->lines, l->type, l->val,
				     strlen(l->val));
		if (err)
			return err;
		t = true;
	}

	if (!t)
		err = sdesc_line_add(NULL, &sd->lines, 't', "0 0", 3);

	return err;
}

static int add_attr(struct sdesc_media *m, const char *fmt, ...)
{
	struct sdesc_line *l;
	char val[512], why[128];
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = re_vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val))
		return EOVERFLOW;

	err = sdesc_line_add(&l, &m->lines, 'a', val, strlen(val));
	if (err)
		return err;

	err = sdesc_line_interpret(l, true, why, sizeof(why));
	if (err) {
		mem_deref(l);
		return EINVAL;
	}

	return 0;
}

static int add_codec(struct sdesc_media *m, const struct sdesc_codec *c,
		     int pt)
{
	char id[8];
	int err;

	if (!c->name || !c->srate || pt < 0 || pt > 127)
		return EINVAL;

	re_snprintf(id, sizeof(id), "%d", pt);
	err = sdesc_media_add_fmt(m, id);
	if (err)
		return err;

	if (c->ch > 1)
		err = add_attr(m, "rtpmap:%d %s/%u/%u", pt, c->name,
			       c->srate, c->ch);
	else
		err = add_attr(m, "rtpmap:%d %s/%u", pt, c->name, c->srate);
	if (!err && c->fmtp && *c->fmtp)
		err = add_attr(m, "fmtp:%d %s", pt, c->fmtp);

	return err;
}

/** Appends codec c (its own payload type) to the formats of m */
int sdesc_media_add_codec(struct sdesc_media *m, const struct sdesc_codec *c)
{
	if (!m || !c)
		return EINVAL;
	return add_codec(m, c, c->pt);
}

static bool pt_used(const struct sdesc_media *m, int pt)
{
	for (unsigned i = 0; i < m->fmtc; i++) {
		if (m->fmtv[i].pt == pt)
			return true;
	}
	return false;
}

/*
 * Append an m= line for lm to sd: its port, "RTP/AVP", the given codecs
 * (pt < 0: the next free dynamic type from 96), a media-level c= when
 * lm's address is not the session's, and an explicit direction. Codecs
 * whose payload type is taken already are skipped.
 */
int sdesc_media_build(struct sdesc_media **mp, struct sdesc *sd,
		      const struct sdesc_lmedia *lm,
		      const struct sdesc_codec *codecv, size_t codecc,
		      enum sdesc_dir dir)
{
	const struct sdesc_line *sc;
	struct sdesc_media *m = NULL;
	const char *name;
	int err = 0;

	if (!sd || !lm || !lm->addr || (!codecv && codecc))
		return EINVAL;

	switch (lm->type) {

	case SDESC_AUDIO: name = "audio"; break;
	case SDESC_VIDEO: name = "video"; break;
	default:          return EINVAL;
	}

	err = sdesc_media_add(&m, sd, name, sa_port(lm->addr), "RTP/AVP");
	if (err)
		return err;

	for (size_t i = 0; i < codecc; i++) {
		int pt = codecv[i].pt;

		if (pt < 0) {
			for (pt = 96; pt < 128 && pt_used(m, pt); pt++)
				;
		}
		if (pt > 127 || pt_used(m, pt))
			continue;

		err = add_codec(m, &codecv[i], pt);
		if (err)
			goto out;
	}

	if (!m->fmtc) {
		err = EINVAL;
		goto out;
	}

	sc = sdesc_line_find(&sd->lines, SDESC_L_CONN);
	if (!sc || !sc->u.conn.numeric
	    || !sa_cmp(&sc->u.conn.sa, lm->addr, SA_ADDR)) {
		char val[80];

		re_snprintf(val, sizeof(val), "%H", sdesc_conn_print,
			    lm->addr);
		err = sdesc_line_set(&m->lines, 'c', SDESC_L_CONN, val);
		if (err)
			goto out;
	}

	err = sdesc_media_set_dir(m, dir);

 out:
	if (err)
		mem_deref(m);
	else if (mp)
		*mp = m;

	return err;
}
