/*
 * MIME bodies with more than one part (RFC 2046 §5.1): a multipart/signed
 * token (RFC 1847) in a REFER, and a multipart/mixed of an SDP offer and
 * that token in an INVITE (RFC 3892 §5). Only what those need: the
 * boundary parameter, the parts between the delimiters (the preamble and
 * epilogue are skipped, as RFC 2046 says), and a part's header fields.
 * Every read is bounded by the given pl; malformed input is EBADMSG.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "mime.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* pl is exactly s (case-insensitive) */
static bool pl_is(const struct pl *pl, const char *s, size_t n)
{
	return pl->l == n && !strncasecmp(pl->p, s, n);
}

static void trim(struct pl *pl)
{
	while (pl->l && is_ws(pl->p[0])) {
		pl->p++;
		pl->l--;
	}
	while (pl->l && is_ws(pl->p[pl->l - 1]))
		pl->l--;
}

/* Finds needle in hay at or after from; the offset, or hay->l. */
static size_t find(const struct pl *hay, size_t from, const char *needle,
		   size_t nl)
{
	for (size_t i = from; i + nl <= hay->l; i++)
		if (!memcmp(hay->p + i, needle, nl))
			return i;
	return hay->l;
}

int mime_ctype_param(const struct pl *ctype, const char *name,
		     struct pl *val)
{
	size_t i = 0, nl = strlen(name);

	/* skip type/subtype */
	while (i < ctype->l && ctype->p[i] != ';')
		i++;
	while (i < ctype->l) {
		struct pl pn, pv;
		size_t s;

		i++;   /* the ';' */
		s = i;
		while (i < ctype->l && ctype->p[i] != '=' &&
		       ctype->p[i] != ';')
			i++;
		pn = (struct pl){ctype->p + s, i - s};
		trim(&pn);
		if (i >= ctype->l || ctype->p[i] == ';')
			continue;    /* a parameter without a value */
		i++;   /* the '=' */
		while (i < ctype->l && is_ws(ctype->p[i]))
			i++;
		if (i < ctype->l && ctype->p[i] == '"') {
			s = ++i;
			while (i < ctype->l && ctype->p[i] != '"')
				i++;
			if (i >= ctype->l)
				return EBADMSG;
			pv = (struct pl){ctype->p + s, i - s};
			i++;
			while (i < ctype->l && ctype->p[i] != ';')
				i++;
		}
		else {
			s = i;
			while (i < ctype->l && ctype->p[i] != ';')
				i++;
			pv = (struct pl){ctype->p + s, i - s};
			trim(&pv);
		}
		if (pl_is(&pn, name, nl)) {
			*val = pv;
			return 0;
		}
	}
	return ENOENT;
}

bool mime_ctype_is(const struct pl *ctype, const char *type,
		   const char *subtype)
{
	struct pl t = *ctype;
	size_t tl = strlen(type), sl = strlen(subtype), i = 0;

	while (i < t.l && t.p[i] != ';')
		i++;
	t.l = i;
	trim(&t);
	return t.l == tl + 1 + sl && !strncasecmp(t.p, type, tl) &&
		t.p[tl] == '/' &&
		!strncasecmp(t.p + tl + 1, subtype, sl);
}

/* RFC 2046 §5.1.1: 1 to 70 characters, not ending in a space */
static bool boundary_valid(const struct pl *b)
{
	return b->l >= 1 && b->l <= 70 && b->p[b->l - 1] != ' ' &&
		!memchr(b->p, '\r', b->l) && !memchr(b->p, '\n', b->l);
}

int mime_parts(const struct pl *body, const struct pl *ctype,
	       struct mime_part *partv, size_t *partc)
{
	char delim[2 + 2 + 70];
	struct pl b;
	size_t dl, at, n = 0, max = *partc;

	*partc = 0;
	if (mime_ctype_param(ctype, "boundary", &b) || !boundary_valid(&b))
		return EBADMSG;

	/* "\r\n--boundary"; the first may open the body without the CRLF */
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, b.p, b.l);
	dl = 4 + b.l;

	if (body->l >= dl - 2 && !memcmp(body->p, delim + 2, dl - 2))
		at = 0;
	else {
		at = find(body, 0, delim, dl);
		if (at == body->l)
			return EBADMSG;
		at += 2;
	}

	for (;;) {
		size_t start, end, hend;
		struct mime_part *p;

		at += dl - 2;     /* past "--boundary" */
		if (body->l - at >= 2 && !memcmp(body->p + at, "--", 2))
			break;    /* the close delimiter: the rest is epilogue */
		while (at < body->l && is_ws(body->p[at]))
			at++;     /* transport padding */
		if (body->l - at < 2 || memcmp(body->p + at, "\r\n", 2))
			return EBADMSG;
		start = at + 2;
		end = find(body, start, delim, dl);
		if (end == body->l)
			return EBADMSG;   /* no close delimiter */
		if (n == max)
			return E2BIG;

		p = &partv[n++];
		p->whole = (struct pl){body->p + start, end - start};
		if (p->whole.l >= 2 && !memcmp(p->whole.p, "\r\n", 2)) {
			p->hdrs = (struct pl){p->whole.p, 0};
			p->body = (struct pl){p->whole.p + 2,
					      p->whole.l - 2};
		}
		else {
			hend = find(&p->whole, 0, "\r\n\r\n", 4);
			if (hend == p->whole.l)
				return EBADMSG;
			p->hdrs = (struct pl){p->whole.p, hend + 2};
			p->body = (struct pl){p->whole.p + hend + 4,
					      p->whole.l - hend - 4};
		}
		at = end + 2;
	}

	*partc = n;
	return n ? 0 : EBADMSG;
}

bool mime_header(const struct pl *hdrs, const char *name, struct pl *val)
{
	size_t nl = strlen(name), i = 0;

	while (i < hdrs->l) {
		struct pl line = {hdrs->p + i, 0}, v;
		size_t e = find(hdrs, i, "\r\n", 2);
		size_t c;

		line.l = e - i;
		i = e + 2;
		c = 0;
		while (c < line.l && line.p[c] != ':')
			c++;
		if (c == line.l)
			continue;
		v = (struct pl){line.p, c};
		trim(&v);
		if (!pl_is(&v, name, nl))
			continue;
		*val = (struct pl){line.p + c + 1, line.l - c - 1};
		trim(val);
		return true;
	}
	return false;
}
