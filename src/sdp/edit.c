/*
 * Changing one media section in place: its direction, its port and
 * address, its fmtp, its codecs. Each change rewrites whole lines (text and parsed
 * value together) and inserts new ones where RFC 4566 puts them, so the
 * other lines of the section print as they came.
 */
#include <string.h>
#include "sdesc_priv.h"

/** Give the media an explicit direction attribute */
int sdesc_media_set_dir(struct sdesc_media *m, enum sdesc_dir dir)
{
	if (!m || (unsigned)dir > SDESC_SENDRECV)
		return EINVAL;

	return sdesc_line_set(&m->lines, 'a', SDESC_L_DIR, sdesc_dir_name(dir));
}

/** sendonly <-> recvonly of the effective direction, made explicit */
int sdesc_media_flip_dir(struct sdesc_media *m)
{
	if (!m)
		return EINVAL;

	return sdesc_media_set_dir(m, sdesc_dir_flip(sdesc_media_dir(m)));
}

/** Port 0: the stream is rejected or removed; formats stay (RFC 3264 §8.2) */
int sdesc_media_disable(struct sdesc_media *m)
{
	if (!m)
		return EINVAL;

	m->port = 0;
	m->portc = 0;
	return 0;
}

/** Set the m= port and a media-level c= from sa */
int sdesc_media_set_raddr(struct sdesc_media *m, const struct sa *sa)
{
	char val[80];
	int err;

	if (!m || !sa || !sa_isset(sa, SA_ADDR))
		return EINVAL;

	if (re_snprintf(val, sizeof(val), "%H", sdesc_conn_print, sa) < 0)
		return EINVAL;

	err = sdesc_line_set(&m->lines, 'c', SDESC_L_CONN, val);
	if (err)
		return err;

	m->port = sa_port(sa);
	return 0;
}

static struct sdesc_line *find_fmtp(const struct sdesc_media *m,
				    const char *fmt)
{
	struct le *le;

	LIST_FOREACH(&m->lines, le) {
		struct sdesc_line *l = le->data;

		if (l->kind == SDESC_L_FMTP && !strcmp(l->u.fmtp.fmt, fmt))
			return l;
	}

	return NULL;
}

static struct sdesc_line *find_rtpmap(const struct sdesc_media *m, int pt)
{
	struct le *le;

	LIST_FOREACH(&m->lines, le) {
		struct sdesc_line *l = le->data;

		if (l->kind == SDESC_L_RTPMAP && l->u.rtpmap.pt == pt)
			return l;
	}

	return NULL;
}

/**
 * Set (params != NULL) or remove (params == NULL) the fmtp of one format.
 * A new fmtp line goes right after the rtpmap of its payload type, else at
 * the end.
 */
int sdesc_media_set_fmtp(struct sdesc_media *m, const char *fmt,
			 const char *params)
{
	struct sdesc_line *old, *l = NULL, *after = NULL;
	char why[128], *val = NULL;
	uint64_t pt;
	int err;

	if (!m || !fmt)
		return EINVAL;

	old = find_fmtp(m, fmt);
	if (!params) {
		mem_deref(old);
		return 0;
	}

	err = re_sdprintf(&val, "fmtp:%s %s", fmt, params);
	if (err)
		return err;

	err = sdesc_line_add(&l, &m->lines, 'a', val, strlen(val));
	if (err)
		goto out;

	err = sdesc_line_interpret(l, true, why, sizeof(why));
	if (err || l->kind != SDESC_L_FMTP || strcmp(l->u.fmtp.fmt, fmt)) {
		err = EINVAL;
		goto out;
	}

	list_unlink(&l->le);
	if (old) {
		list_insert_before(&m->lines, &old->le, &l->le, l);
		mem_deref(old);
	}
	else if (!sdesc_num(fmt, strlen(fmt), 127, &pt)
		 && (after = find_rtpmap(m, (int)pt)))
		list_insert_after(&m->lines, &after->le, &l->le, l);
	else
		list_append(&m->lines, &l->le, l);

 out:
	if (err)
		mem_deref(l);
	mem_deref(val);
	return err;
}

/* a=name or a=name:... */
static bool is_attr(const struct sdesc_line *l, const char *name, size_t n)
{
	return l->type == 'a' && !strncmp(l->val, name, n) &&
		(l->val[n] == ':' || l->val[n] == '\0');
}

int sdesc_media_set_attr(struct sdesc_media *m, const char *name,
			 const char *value)
{
	struct sdesc_line *l = NULL;
	char *val = NULL;
	size_t n;
	struct le *le;
	int err;

	if (!m || !name || !name[0] || strpbrk(name, ": \r\n") ||
	    (value && strpbrk(value, "\r\n")))
		return EINVAL;

	n = strlen(name);
	le = list_head(&m->lines);
	while (le) {
		struct sdesc_line *x = le->data;

		le = le->next;
		if (is_attr(x, name, n))
			mem_deref(x);
	}
	if (!value)
		return 0;

	err = value[0] ? re_sdprintf(&val, "%s:%s", name, value)
		       : str_dup(&val, name);
	err = err ? err : sdesc_line_add(&l, &m->lines, 'a', val,
					 strlen(val));
	mem_deref(val);
	return err;
}

/* Removes format i of m with its rtpmap and fmtp lines. */
static void fmt_remove(struct sdesc_media *m, unsigned i)
{
	struct le *le = m->lines.head;

	while (le) {
		struct sdesc_line *l = le->data;

		le = le->next;
		if ((l->kind == SDESC_L_RTPMAP && m->fmtv[i].pt >= 0 &&
		     l->u.rtpmap.pt == m->fmtv[i].pt) ||
		    (l->kind == SDESC_L_FMTP &&
		     !strcmp(l->u.fmtp.fmt, m->fmtv[i].id)))
			mem_deref(l);
	}
	memmove(&m->fmtv[i], &m->fmtv[i + 1],
		(m->fmtc - i - 1) * sizeof(m->fmtv[0]));
	m->fmtc--;
}

/**
 * Keeps the formats of m whose codec keep() accepts, in their order, and
 * removes the others with their rtpmap and fmtp. ENOENT, and m unchanged,
 * when no codec other than an auxiliary one (telephone-event) would stay.
 */
int sdesc_media_keep_codecs(struct sdesc_media *m,
			    bool (*keep)(const struct sdesc_codec *c,
					 void *arg), void *arg)
{
	bool kept[SDESC_MAXFMT];
	bool any = false;

	if (!m || !keep)
		return EINVAL;
	for (unsigned i = 0; i < m->fmtc; i++) {
		struct sdesc_codec c;

		kept[i] = !sdesc_media_codec(m, i, &c) && keep(&c, arg);
		any |= kept[i] && !sdesc_codec_auxiliary(c.name);
	}
	if (!any)
		return ENOENT;
	for (unsigned i = m->fmtc; i-- > 0;) {
		if (!kept[i])
			fmt_remove(m, i);
	}
	return 0;
}

/**
 * Puts codec c first on m: the format with its payload type moves to the
 * front, or, when m does not list it, it is added there with its rtpmap
 * (and fmtp). EEXIST when its payload type names another codec on m.
 */
int sdesc_media_codec_first(struct sdesc_media *m,
			    const struct sdesc_codec *c)
{
	struct sdesc_fmt f;
	unsigned i;
	int err;

	if (!m || !c || !c->name || c->pt < 0 || c->pt > 127)
		return EINVAL;
	for (i = 0; i < m->fmtc; i++) {
		struct sdesc_codec mc;

		if (m->fmtv[i].pt != c->pt)
			continue;
		if (sdesc_media_codec(m, i, &mc) || !sdesc_codec_match(&mc, c))
			return EEXIST;
		break;
	}
	if (i == m->fmtc) {
		err = sdesc_media_add_codec(m, c);
		if (err)
			return err;
		i = m->fmtc - 1;
	}
	f = m->fmtv[i];
	memmove(&m->fmtv[1], &m->fmtv[0], i * sizeof(m->fmtv[0]));
	m->fmtv[0] = f;
	return 0;
}
