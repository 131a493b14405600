/*
 * SLP attribute lists (RFC 2608 §5): decoding into typed values, encoding a
 * selection or a union of lists, tag-list matching.
 *
 * A decoded list owns one buffer that holds both the list as written (for
 * re-encoding without re-escaping) and the unescaped values (for
 * comparison). Bounds are known before parsing: a list of L bytes has at
 * most (commas + 1) attributes and values and unescapes to at most L bytes,
 * so one allocation per array suffices and no value can overflow it.
 *
 * Typing follows RFC 2608 §5: "-12" is an integer, "true"/"false" a
 * boolean, a value starting with the escape \FF is opaque, anything else a
 * string; a tag with no "=" is a keyword.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>
#include "slp_priv.h"

struct attrs_mem {
	struct slp_attrs a;
	char *buf;
	struct slp_val *vals;
};

static void attrs_destructor(void *arg)
{
	struct attrs_mem *m = arg;

	mem_deref(m->a.v);
	mem_deref(m->vals);
	mem_deref(m->buf);
}

/* Characters that end a value or tag in a list: unescaped, they are bad. */
#define ATTR_UNESCAPED_NEVER "()"

void slp_val_type(struct slp_val *v, const struct pl *u)
{
	size_t i = 0;
	bool neg = false;
	int64_t x = 0;

	v->s = *u;
	v->type = SLP_T_STRING;
	v->i = 0;
	if (!u->l)
		return;
	if (!pl_strcasecmp(u, "true") || !pl_strcasecmp(u, "false")) {
		v->type = SLP_T_BOOLEAN;
		v->i = !pl_strcasecmp(u, "true");
		return;
	}
	if (u->p[0] == '-' || u->p[0] == '+') {
		neg = u->p[0] == '-';
		i = 1;
	}
	if (i >= u->l || u->l - i > 18)
		return;
	for (; i < u->l; i++) {
		if (!isdigit((unsigned char)u->p[i]))
			return;
		x = x * 10 + (u->p[i] - '0');
	}
	v->type = SLP_T_INTEGER;
	v->i = neg ? -x : x;
}

static bool bad_tag(const struct pl *t)
{
	if (!t->l)
		return true;
	for (size_t i = 0; i < t->l; i++) {
		char c = t->p[i];

		if (c == '*' || c == '_' || c == '\r' || c == '\n' ||
		    c == '\t' || c == '=' || c == '!' || c == '<' ||
		    c == '>' || c == '~' || c == ',')
			return true;
	}
	return false;
}

/* Decodes value [p,e) (raw) into v, unescaped text written at *u. */
static int decode_val(struct slp_val *v, const char *p, const char *e,
		      char **u)
{
	long n;
	struct pl s;

	slp_trim(&p, &e);
	if (p == e)
		return EBADMSG;
	v->raw.p = p;
	v->raw.l = (size_t)(e - p);
	if (e - p >= 3 && p[0] == '\\' && (p[1] == 'f' || p[1] == 'F') &&
	    (p[2] == 'f' || p[2] == 'F')) {
		n = slp_unescape(*u, p + 3, e, ATTR_UNESCAPED_NEVER, false);
		if (n < 0)
			return EBADMSG;
		v->type = SLP_T_OPAQUE;
		v->s.p = *u;
		v->s.l = (size_t)n;
		*u += n;
		return 0;
	}
	n = slp_unescape(*u, p, e, ATTR_UNESCAPED_NEVER, true);
	if (n < 0)
		return EBADMSG;
	s.p = *u;
	s.l = (size_t)n;
	*u += n;
	slp_val_type(v, &s);
	return 0;
}

static int decode_tag(struct slp_attr *a, const char *p, const char *e,
		      char **u)
{
	long n;

	slp_trim(&p, &e);
	a->rawtag.p = p;
	a->rawtag.l = (size_t)(e - p);
	n = slp_unescape(*u, p, e, ATTR_UNESCAPED_NEVER, false);
	if (n <= 0)
		return EBADMSG;
	a->tag.p = *u;
	a->tag.l = (size_t)n;
	*u += n;
	return bad_tag(&a->rawtag) ? EBADMSG : 0;
}

int slp_attrs_decode(struct slp_attrs **ap, const struct pl *list)
{
	struct attrs_mem *m;
	size_t commas = 0, len, nv = 0;
	const char *p, *end;
	char *u;
	int err = 0;

	if (!ap || !list)
		return EINVAL;
	len = list->l;
	for (size_t i = 0; i < len; i++)
		commas += list->p[i] == ',';

	m = mem_zalloc(sizeof(*m), attrs_destructor);
	if (!m)
		return ENOMEM;
	m->buf = mem_alloc(2 * len + 1, NULL);
	m->a.v = mem_zalloc((commas + 1) * sizeof(*m->a.v), NULL);
	m->vals = mem_zalloc((commas + 1) * sizeof(*m->vals), NULL);
	if (!m->buf || !m->a.v || !m->vals) {
		err = ENOMEM;
		goto out;
	}
	if (len)
		memcpy(m->buf, list->p, len);
	p = m->buf;
	end = m->buf + len;
	u = m->buf + len;

	while (p < end) {
		struct slp_attr *a = &m->a.v[m->a.n];
		const char *q, *vend;

		while (p < end && slp_is_ws(*p))
			p++;
		if (p == end)
			break;
		if (*p == '(') {
			const char *close = memchr(p, ')', (size_t)(end - p));
			const char *eq = memchr(p, '=', close ?
						(size_t)(close - p) : 0);

			if (!close || !eq) {
				err = EBADMSG;
				goto out;
			}
			err = decode_tag(a, p + 1, eq, &u);
			if (err)
				goto out;
			a->val = &m->vals[nv];
			q = eq + 1;
			vend = close;
			slp_trim(&q, &vend);
			while (q < vend) {
				const char *c = memchr(q, ',',
						       (size_t)(vend - q));
				const char *ve = c ? c : vend;

				err = decode_val(&m->vals[nv], q, ve, &u);
				if (err)
					goto out;
				nv++;
				a->nval++;
				q = c ? c + 1 : vend;
				if (c && q == vend) {
					err = EBADMSG; /* trailing comma */
					goto out;
				}
			}
			p = close + 1;
			/* RFC 2608 gives "(tag=)" no meaning; treat it as a
			 * keyword rather than reject lists in the wild */
			if (!a->nval)
				a->val = NULL;
		}
		else {
			q = p;
			while (q < end && *q != ',')
				q++;
			if (memchr(p, '(', (size_t)(q - p)) ||
			    memchr(p, ')', (size_t)(q - p))) {
				err = EBADMSG;
				goto out;
			}
			err = decode_tag(a, p, q, &u);
			if (err)
				goto out;
			p = q;
		}
		m->a.n++;
		while (p < end && slp_is_ws(*p))
			p++;
		if (p < end) {
			if (*p != ',' || p + 1 == end) {
				err = EBADMSG;
				goto out;
			}
			p++;
		}
	}

 out:
	if (err)
		mem_deref(m);
	else
		*ap = &m->a;
	return err;
}

const struct slp_attr *slp_attrs_find(const struct slp_attrs *a,
				      const struct pl *tag)
{
	if (!a || !tag)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		if (!pl_casecmp(&a->v[i].tag, tag))
			return &a->v[i];
	}
	return NULL;
}

/* Case-insensitive glob with `*` over [p,e) (pattern) against s. */
static bool glob_ci(const char *p, const char *pe, const char *s,
		    const char *se)
{
	const char *star = NULL, *ss = NULL;

	while (s < se) {
		if (p < pe && *p == '*') {
			star = ++p;
			ss = s;
			continue;
		}
		if (p < pe && tolower((unsigned char)*p) ==
		    tolower((unsigned char)*s)) {
			p++;
			s++;
			continue;
		}
		if (!star)
			return false;
		p = star;
		s = ++ss;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

bool slp_taglist_match(const struct pl *tags, const struct pl *tag)
{
	const char *p, *end;

	if (!tags || !tags->l)
		return true;
	p = tags->p;
	end = p + tags->l;
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		const char *b = p;

		slp_trim(&b, &e);
		if (b < e && glob_ci(b, e, tag->p, tag->p + tag->l))
			return true;
		p = c ? c + 1 : end;
	}
	return false;
}

int slp_val_key(char *buf, size_t sz, const struct slp_val *v)
{
	size_t n;

	switch (v->type) {
	case SLP_T_INTEGER:
		return re_snprintf(buf, sz, "i:%lld", (long long)v->i) < 0 ?
			ENOSPC : 0;
	case SLP_T_BOOLEAN:
		return re_snprintf(buf, sz, "b:%d", (int)v->i) < 0 ?
			ENOSPC : 0;
	case SLP_T_STRING:
		if (v->s.l + 3 > sz)
			return ENOSPC;
		buf[0] = 's';
		buf[1] = ':';
		for (n = 0; n < v->s.l; n++)
			buf[2 + n] = (char)tolower((unsigned char)v->s.p[n]);
		buf[2 + n] = '\0';
		return 0;
	default:
		return ENOTSUP;
	}
}

static bool val_same(const struct slp_val *a, const struct slp_val *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case SLP_T_INTEGER:
	case SLP_T_BOOLEAN:
		return a->i == b->i;
	case SLP_T_OPAQUE:
		return !pl_cmp(&a->s, &b->s);
	default:
		return !pl_casecmp(&a->s, &b->s);
	}
}

struct utag {
	const struct slp_attr *first;
	size_t nval;
	const struct slp_val **val;
};

int slp_attrs_encode(struct mbuf *mb, struct slp_attrs *const *v, size_t n,
		     const struct pl *tags)
{
	size_t ntag = 0, nvalmax = 0, nt = 0;
	struct utag *t = NULL;
	const struct slp_val **vp = NULL;
	size_t vused = 0;
	int err = 0;

	if (!mb || (n && !v))
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		ntag += v[i]->n;
		for (size_t j = 0; j < v[i]->n; j++)
			nvalmax += v[i]->v[j].nval;
	}
	t = mem_zalloc((ntag + 1) * sizeof(*t), NULL);
	vp = mem_zalloc((nvalmax + 1) * sizeof(*vp), NULL);
	if (!t || !vp) {
		err = ENOMEM;
		goto out;
	}

	/* Merging is O(tags² + values²) per tag; lists are small (the DA
	 * limits their size), and a hash would cost more than it saves. */
	for (size_t i = 0; i < n; i++) {
		if (!v[i])
			continue;
		for (size_t j = 0; j < v[i]->n; j++) {
			const struct slp_attr *a = &v[i]->v[j];
			struct utag *u = NULL;

			if (!slp_taglist_match(tags, &a->tag))
				continue;
			for (size_t k = 0; k < nt; k++) {
				if (!pl_casecmp(&t[k].first->tag, &a->tag)) {
					u = &t[k];
					break;
				}
			}
			if (!u) {
				u = &t[nt++];
				u->first = a;
				u->val = &vp[vused];
				/* values of one tag must be contiguous:
				 * reserve room for all that may come */
				for (size_t ii = i; ii < n; ii++) {
					for (size_t jj = 0; v[ii] &&
						     jj < v[ii]->n; jj++) {
						const struct slp_attr *x;

						x = &v[ii]->v[jj];
						if (!pl_casecmp(&x->tag,
								&a->tag))
							vused += x->nval;
					}
				}
			}
			for (size_t k = 0; k < a->nval; k++) {
				bool dup = false;

				for (size_t q = 0; q < u->nval && !dup; q++)
					dup = val_same(u->val[q], &a->val[k]);
				if (!dup)
					u->val[u->nval++] = &a->val[k];
			}
		}
	}

	for (size_t k = 0; k < nt && !err; k++) {
		if (k)
			err |= mbuf_write_u8(mb, ',');
		if (!t[k].nval) {
			err |= mbuf_write_pl(mb, &t[k].first->rawtag);
			continue;
		}
		err |= mbuf_printf(mb, "(%r=", &t[k].first->rawtag);
		for (size_t q = 0; q < t[k].nval; q++)
			err |= mbuf_printf(mb, "%s%r", q ? "," : "",
					   &t[k].val[q]->raw);
		err |= mbuf_write_u8(mb, ')');
	}

 out:
	mem_deref(t);
	mem_deref(vp);
	return err;
}

int slp_attr_escape(struct re_printf *pf, const char *s)
{
	int err = 0;

	if (!pf || !s)
		return EINVAL;
	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if (strchr("(),\\!<=>~*", c) || c < 0x20 || c == 0x7f)
			err = re_hprintf(pf, "\\%02X", c);
		else
			err = re_hprintf(pf, "%c", c);
	}
	return err;
}
