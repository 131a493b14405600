/*
 * The XML scanner (see xmlscan.h). It checks what XML 1.0 and Namespaces
 * in XML 1.0 call well-formed, for the subset SIP bodies use, and refuses
 * the rest with a reason and a line number:
 *  - the whole body must be UTF-8 of XML Chars (§2.2); an XML declaration
 *    naming another encoding is refused, not guessed at;
 *  - a DOCTYPE is refused: without a DTD there are no entities to expand,
 *    so no entity tricks (billion laughs, external entities);
 *  - tags must nest and match, attributes be quoted and unique, every
 *    reference be one of the five predefined entities or a character
 *    reference to an XML Char, and every prefix be bound.
 * Comments and processing instructions are skipped; CDATA is text.
 *
 * Cost: one pass; each event is O(its length) except the duplicate
 * attribute check, O(attributes²) with at most XMLSCAN_MAXATTRS.
 */
#include <string.h>
#include <strings.h>
#include "xmlscan.h"

static const char xml_ns[] = "http://www.w3.org/XML/1998/namespace";

static int fail(struct xmlscan *x, size_t pos, const char *why)
{
	x->why = why;
	x->errpos = pos;
	return EBADMSG;
}

static int failq(struct xmlscan *x, size_t pos, const char *fmt,
		 const struct pl *q)
{
	re_snprintf(x->whybuf, sizeof(x->whybuf), fmt, q);
	return fail(x, pos, x->whybuf);
}

void xmlscan_init(struct xmlscan *x, const char *buf, size_t len)
{
	memset(x, 0, sizeof(*x));
	x->buf = buf;
	x->len = len;
}

unsigned xmlscan_errline(const struct xmlscan *x)
{
	unsigned line = 1;

	for (size_t i = 0; i < x->errpos && i < x->len; i++)
		line += x->buf[i] == '\n';
	return line;
}

static bool at(const struct xmlscan *x, const char *s)
{
	size_t n = strlen(s);

	return x->len - x->pos >= n && !memcmp(x->buf + x->pos, s, n);
}

/* Offset of s at or after from, or x->len when it does not occur */
static size_t find(const struct xmlscan *x, size_t from, const char *s)
{
	const char *p;

	if (from > x->len)
		return x->len;
	p = memmem(x->buf + from, x->len - from, s, strlen(s));
	return p ? (size_t)(p - x->buf) : x->len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool skip_space(struct xmlscan *x)
{
	size_t start = x->pos;

	while (x->pos < x->len && is_space(x->buf[x->pos]))
		++x->pos;
	return x->pos > start;
}

/* NCName characters: ASCII letters, digits, '-', '.', '_', and every
 * non-ASCII character (the body is already checked to be UTF-8). */
static bool name_start(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		c >= 0x80;
}

static bool name_char(uint8_t c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' ||
		c == '.';
}

static bool ncname(struct xmlscan *x, struct pl *name)
{
	size_t start = x->pos;

	if (x->pos >= x->len || !name_start((uint8_t)x->buf[x->pos]))
		return false;
	while (x->pos < x->len && name_char((uint8_t)x->buf[x->pos]))
		++x->pos;
	name->p = x->buf + start;
	name->l = x->pos - start;
	return true;
}

/* QName = [prefix ':'] local */
static bool qname(struct xmlscan *x, struct pl *prefix, struct pl *local,
		  struct pl *q)
{
	size_t start = x->pos;
	struct pl first;

	if (!ncname(x, &first))
		return false;
	*prefix = pl_null;
	*local = first;
	if (x->pos < x->len && x->buf[x->pos] == ':') {
		++x->pos;
		*prefix = first;
		if (!ncname(x, local))
			return false;
	}
	q->p = x->buf + start;
	q->l = x->pos - start;
	return true;
}

/* ------------------------------------------------------------------ */
/* Characters and references */

/* Length of the UTF-8 sequence at s that encodes an XML Char, or 0 */
static size_t xml_char(const uint8_t *s, size_t len, uint32_t *cpp)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) {
		cp = s[0];
		n = 1;
	}
	else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		cp = s[0] & 0x1f;
		n = 2;
	}
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		cp = s[0] & 0x0f;
		n = 3;
	}
	else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		cp = s[0] & 0x07;
		n = 4;
	}
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0x20 && cp != 0x9 && cp != 0xa && cp != 0xd)
		return 0;
	if (cp == 0xfffe || cp == 0xffff)
		return 0;
	*cpp = cp;
	return n;
}

/* Offset of the first byte that is not part of an XML Char, or len */
static size_t bad_char_at(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = xml_char((const uint8_t *)s + i, len - i, &cp);

		if (!n)
			return i;
		i += n;
	}
	return len;
}

bool xml_chars_valid(const char *s, size_t len)
{
	return !s ? len == 0 : bad_char_at(s, len) == len;
}

static bool cp_is_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
		(cp >= 0x20 && cp <= 0xd7ff) ||
		(cp >= 0xe000 && cp <= 0xfffd) ||
		(cp >= 0x10000 && cp <= 0x10ffff);
}

static void put(char *dst, size_t *o, char c)
{
	if (dst)
		dst[*o] = c;
	++*o;
}

static void put_utf8(char *dst, size_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		put(dst, o, (char)cp);
	}
	else if (cp < 0x800) {
		put(dst, o, (char)(0xc0 | cp >> 6));
		put(dst, o, (char)(0x80 | (cp & 0x3f)));
	}
	else if (cp < 0x10000) {
		put(dst, o, (char)(0xe0 | cp >> 12));
		put(dst, o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		put(dst, o, (char)(0x80 | (cp & 0x3f)));
	}
	else {
		put(dst, o, (char)(0xf0 | cp >> 18));
		put(dst, o, (char)(0x80 | ((cp >> 12) & 0x3f)));
		put(dst, o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		put(dst, o, (char)(0x80 | (cp & 0x3f)));
	}
}

/* "#123" or "#x7B": the code point, or false. Digits are bounded so that
 * the value cannot overflow before it is compared. */
static bool charref(const char *p, size_t l, uint32_t *cp)
{
	bool hex = l > 1 && p[1] == 'x';
	size_t i = hex ? 2 : 1;
	uint32_t v = 0;

	if (i >= l || l - i > 8)
		return false;
	for (; i < l; i++) {
		char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (hex && c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (hex && c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = v * (hex ? 16 : 10) + d;
		if (v > 0x10ffff)
			return false;
	}
	if (!cp_is_char(v))
		return false;
	*cp = v;
	return true;
}

int xml_decode(char *dst, size_t *n, const struct pl *raw, bool attr)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
		{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'},
		{"apos", '\''},
	};
	size_t o = 0;

	for (size_t i = 0; i < raw->l; i++) {
		char c = raw->p[i];

		if (c == '&') {
			size_t left = raw->l - i - 1;
			const char *semi = memchr(raw->p + i + 1, ';',
						  left < 12 ? left : 12);
			size_t nl;
			uint32_t cp;
			bool found = false;

			if (!semi)
				return EBADMSG;
			nl = (size_t)(semi - raw->p) - i - 1;
			if (nl && raw->p[i + 1] == '#') {
				if (!charref(raw->p + i + 1, nl, &cp))
					return EBADMSG;
				put_utf8(dst, &o, cp);
				found = true;
			}
			for (size_t k = 0; !found && k < 5; k++) {
				if (nl == strlen(ents[k].name) &&
				    !memcmp(raw->p + i + 1, ents[k].name, nl)) {
					put(dst, &o, ents[k].c);
					found = true;
				}
			}
			if (!found)
				return EBADMSG;
			i += nl + 1;
			continue;
		}
		if (c == '<')
			return EBADMSG;
		if (c == '\r') {
			/* §2.11: CRLF and a lone CR are both one LF */
			if (i + 1 < raw->l && raw->p[i + 1] == '\n')
				++i;
			c = '\n';
		}
		if (attr && (c == '\t' || c == '\n'))
			c = ' ';
		put(dst, &o, c);
	}

	if (n)
		*n = o;
	return 0;
}

int xml_escape(struct re_printf *pf, const char *s, bool attr)
{
	size_t i = 0, start;
	int err = 0;

	while (!err && s && s[i]) {
		const char *rep = NULL;

		switch (s[i]) {
		case '&':  rep = "&amp;";  break;
		case '<':  rep = "&lt;";   break;
		case '>':  rep = "&gt;";   break;
		case '\r': rep = "&#13;";  break;
		case '"':  rep = attr ? "&quot;" : NULL; break;
		case '\t': rep = attr ? "&#9;" : NULL;   break;
		case '\n': rep = attr ? "&#10;" : NULL;  break;
		default:   break;
		}
		if (rep) {
			err = re_hprintf(pf, "%s", rep);
			++i;
			continue;
		}
		start = i;
		while (s[i] && !strchr("&<>\r\"\t\n", s[i]))
			++i;
		if (i == start)
			++i;   /* '"', TAB or LF in text: as they are */
		err = re_hprintf(pf, "%b", s + start, i - start);
	}

	return err;
}

const struct xml_attr *xml_ev_attr(const struct xml_ev *ev,
				   const char *name)
{
	for (size_t i = 0; i < ev->attrc; i++) {
		if (!ev->attrv[i].prefix.l &&
		    !pl_strcmp(&ev->attrv[i].name, name))
			return &ev->attrv[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Markup */

/* name S? '=' S? quoted value; x->pos at the name */
static int attribute(struct xmlscan *x, struct xml_attr *a)
{
	struct pl q;
	size_t start = x->pos, end;
	char quote;

	if (!qname(x, &a->prefix, &a->name, &q))
		return fail(x, start, "malformed attribute name");
	skip_space(x);
	if (x->pos >= x->len || x->buf[x->pos] != '=')
		return fail(x, x->pos, "attribute without '='");
	++x->pos;
	skip_space(x);
	if (x->pos >= x->len ||
	    (x->buf[x->pos] != '"' && x->buf[x->pos] != '\''))
		return fail(x, x->pos, "attribute value not in quotes");
	quote = x->buf[x->pos++];
	for (end = x->pos; end < x->len && x->buf[end] != quote; end++) {
		if (x->buf[end] == '<')
			return fail(x, end, "'<' in an attribute value");
	}
	if (end >= x->len)
		return fail(x, start, "unterminated attribute value");
	a->val.p = x->buf + x->pos;
	a->val.l = end - x->pos;
	if (xml_decode(NULL, NULL, &a->val, true))
		return fail(x, x->pos,
			    "malformed reference in an attribute value");
	x->pos = end + 1;
	return 0;
}

/* <?xml version="1.x" [encoding="UTF-8"] [standalone=".."]?> */
static int xml_decl(struct xmlscan *x)
{
	bool version = false;

	x->pos += 5;
	for (;;) {
		struct xml_attr a;
		bool sp = skip_space(x);
		int err;

		if (at(x, "?>")) {
			x->pos += 2;
			break;
		}
		if (!sp)
			return fail(x, x->pos, "malformed XML declaration");
		err = attribute(x, &a);
		if (err)
			return err;
		if (a.prefix.l)
			return fail(x, x->pos, "malformed XML declaration");
		if (!pl_strcmp(&a.name, "version")) {
			if (a.val.l < 3 || memcmp(a.val.p, "1.", 2))
				return fail(x, x->pos,
					    "XML version is not 1.x");
			version = true;
		}
		else if (!pl_strcmp(&a.name, "encoding")) {
			if (pl_strcasecmp(&a.val, "UTF-8") &&
			    pl_strcasecmp(&a.val, "US-ASCII"))
				return fail(x, x->pos,
					    "encoding other than UTF-8");
		}
		else if (pl_strcmp(&a.name, "standalone"))
			return fail(x, x->pos, "malformed XML declaration");
	}
	if (!version)
		return fail(x, 0, "XML declaration without a version");
	return 0;
}

static int prolog(struct xmlscan *x)
{
	size_t bad;

	x->started = true;
	if (x->len >= 3 && !memcmp(x->buf, "\xef\xbb\xbf", 3))
		x->pos = 3;   /* a UTF-8 byte order mark */
	bad = bad_char_at(x->buf + x->pos, x->len - x->pos);
	if (bad != x->len - x->pos)
		return fail(x, x->pos + bad,
			    "not UTF-8, or a character XML does not allow");
	if (at(x, "<?xml") && x->pos + 5 < x->len &&
	    is_space(x->buf[x->pos + 5]))
		return xml_decl(x);
	return 0;
}

/* The namespace name bound to prefix (empty prefix: the default) */
static bool ns_lookup(const struct xmlscan *x, const struct pl *prefix,
		      struct pl *ns)
{
	if (prefix->l == 3 && !memcmp(prefix->p, "xml", 3)) {
		pl_set_str(ns, xml_ns);
		return true;
	}
	for (size_t i = x->nsc; i-- > 0;) {
		const struct pl *p = &x->nsv[i].prefix;

		if (p->l == prefix->l &&
		    (!p->l || !memcmp(p->p, prefix->p, p->l))) {
			*ns = x->nsv[i].uri;
			return true;
		}
	}
	*ns = pl_null;
	return !prefix->l;   /* no default namespace: none */
}

static int declare_ns(struct xmlscan *x, const struct xml_ev *ev,
		      size_t pos)
{
	for (size_t i = 0; i < ev->attrc; i++) {
		const struct xml_attr *a = &ev->attrv[i];
		bool dflt = !a->prefix.l && !pl_strcmp(&a->name, "xmlns");

		if (!dflt && pl_strcmp(&a->prefix, "xmlns"))
			continue;
		if (!dflt && !a->val.l)
			return fail(x, pos, "a prefix bound to no namespace");
		if (!dflt && !pl_strcmp(&a->name, "xmlns"))
			return fail(x, pos, "the xmlns prefix declared");
		if (x->nsc == XMLSCAN_MAXNS)
			return fail(x, pos,
				    "too many namespace declarations");
		x->nsv[x->nsc].prefix = dflt ? pl_null : a->name;
		x->nsv[x->nsc].uri = a->val;
		++x->nsc;
	}
	return 0;
}

static int start_tag(struct xmlscan *x, struct xml_ev *ev)
{
	size_t start = x->pos;
	struct pl prefix, q, ns;
	bool empty = false;
	size_t nsc = x->nsc;
	int err;

	if (!x->depth && x->root_seen)
		return fail(x, start, "content after the root element");
	if (x->depth == XMLSCAN_MAXDEPTH)
		return fail(x, start, "elements nested too deep");
	++x->pos;
	if (!qname(x, &prefix, &ev->name, &q))
		return fail(x, start, "malformed element name");

	ev->attrc = 0;
	for (;;) {
		bool sp = skip_space(x);
		struct xml_attr *a;

		if (at(x, "/>")) {
			x->pos += 2;
			empty = true;
			break;
		}
		if (at(x, ">")) {
			++x->pos;
			break;
		}
		if (x->pos >= x->len)
			return failq(x, start, "unterminated start tag <%r>",
				     &q);
		if (!sp)
			return fail(x, x->pos, "no space before an attribute");
		if (ev->attrc == XMLSCAN_MAXATTRS)
			return fail(x, x->pos, "too many attributes");
		a = &ev->attrv[ev->attrc];
		err = attribute(x, a);
		if (err)
			return err;
		for (size_t i = 0; i < ev->attrc; i++) {
			if (!pl_cmp(&ev->attrv[i].prefix, &a->prefix) &&
			    !pl_cmp(&ev->attrv[i].name, &a->name))
				return failq(x, start,
					     "attribute given twice in <%r>",
					     &q);
		}
		++ev->attrc;
	}

	err = declare_ns(x, ev, start);
	if (err)
		return err;
	if (!ns_lookup(x, &prefix, &ns))
		return failq(x, start, "unbound prefix in <%r>", &q);
	for (size_t i = 0; i < ev->attrc; i++) {
		const struct xml_attr *a = &ev->attrv[i];
		struct pl ans;

		if (a->prefix.l && pl_strcmp(&a->prefix, "xmlns") &&
		    !ns_lookup(x, &a->prefix, &ans))
			return failq(x, start,
				     "unbound attribute prefix in <%r>", &q);
	}

	x->open[x->depth].qname = q;
	x->open[x->depth].name = ev->name;
	x->open[x->depth].ns = ns;
	x->open[x->depth].nsc = nsc;
	++x->depth;
	x->root_seen = true;
	x->pending_end = empty;

	ev->type = XML_START;
	ev->ns = ns;
	ev->depth = x->depth;
	return 0;
}

/* Pops the innermost element into an END event */
static void end_event(struct xmlscan *x, struct xml_ev *ev)
{
	ev->type = XML_END;
	ev->depth = x->depth;
	--x->depth;
	ev->name = x->open[x->depth].name;
	ev->ns = x->open[x->depth].ns;
	ev->attrc = 0;
	x->nsc = x->open[x->depth].nsc;
}

static int end_tag(struct xmlscan *x, struct xml_ev *ev)
{
	size_t start = x->pos;
	struct pl prefix, local, q;

	x->pos += 2;
	if (!qname(x, &prefix, &local, &q))
		return fail(x, start, "malformed end tag");
	skip_space(x);
	if (x->pos >= x->len || x->buf[x->pos] != '>')
		return failq(x, start, "malformed end tag </%r>", &q);
	++x->pos;
	if (!x->depth)
		return failq(x, start, "end tag </%r> without a start tag",
			     &q);
	if (pl_cmp(&q, &x->open[x->depth - 1].qname))
		return failq(x, start, "end tag </%r> does not match",
			     &q);

	end_event(x, ev);
	return 0;
}

static int markup(struct xmlscan *x, struct xml_ev *ev, bool *skipped)
{
	size_t start = x->pos, e;

	*skipped = true;
	if (at(x, "<!--")) {
		e = find(x, x->pos + 4, "--");
		if (e == x->len)
			return fail(x, start, "unterminated comment");
		if (e + 2 >= x->len || x->buf[e + 2] != '>')
			return fail(x, e, "'--' inside a comment");
		x->pos = e + 3;
		return 0;
	}
	if (at(x, "<![CDATA[")) {
		if (!x->depth)
			return fail(x, start, "CDATA outside the root element");
		e = find(x, x->pos + 9, "]]>");
		if (e == x->len)
			return fail(x, start, "unterminated CDATA section");
		ev->type = XML_TEXT;
		ev->text.p = x->buf + x->pos + 9;
		ev->text.l = e - x->pos - 9;
		ev->cdata = true;
		x->pos = e + 3;
		*skipped = false;
		return 0;
	}
	if (at(x, "<!DOCTYPE"))
		return fail(x, start, "DOCTYPE not allowed (no DTD is read)");
	if (at(x, "<!"))
		return fail(x, start, "unexpected '<!'");
	if (at(x, "<?")) {
		struct pl target;

		x->pos += 2;
		if (!ncname(x, &target))
			return fail(x, start, "malformed processing "
				    "instruction");
		if (!pl_strcasecmp(&target, "xml"))
			return fail(x, start, "XML declaration not at the "
				    "start");
		e = find(x, x->pos, "?>");
		if (e == x->len)
			return fail(x, start, "unterminated processing "
				    "instruction");
		x->pos = e + 2;
		return 0;
	}

	*skipped = false;
	if (at(x, "</"))
		return end_tag(x, ev);
	return start_tag(x, ev);
}

static int text(struct xmlscan *x, struct xml_ev *ev, bool *skipped)
{
	size_t start = x->pos, e;
	const char *lt = memchr(x->buf + start, '<', x->len - start);

	e = lt ? (size_t)(lt - x->buf) : x->len;
	x->pos = e;
	*skipped = true;

	if (!x->depth) {
		for (size_t i = start; i < e; i++) {
			if (!is_space(x->buf[i]))
				return fail(x, i, x->root_seen ?
					    "text after the root element" :
					    "text before the root element");
		}
		return 0;
	}

	ev->type = XML_TEXT;
	ev->text.p = x->buf + start;
	ev->text.l = e - start;
	ev->cdata = false;
	if (memmem(ev->text.p, ev->text.l, "]]>", 3))
		return fail(x, start, "']]>' in text");
	if (xml_decode(NULL, NULL, &ev->text, false))
		return fail(x, start, "malformed reference in text");
	*skipped = false;
	return 0;
}

int xmlscan_next(struct xmlscan *x, struct xml_ev *ev)
{
	int err;

	if (!x || !ev)
		return EINVAL;
	if (x->why)
		return EBADMSG;   /* a failed scan stays failed */
	if (!x->started) {
		err = prolog(x);
		if (err)
			return err;
	}
	if (x->pending_end) {
		x->pending_end = false;
		end_event(x, ev);
		return 0;
	}

	for (;;) {
		bool skipped;

		if (x->pos >= x->len) {
			if (x->depth)
				return failq(x, x->len, "<%r> not closed",
					     &x->open[x->depth - 1].qname);
			if (!x->root_seen)
				return fail(x, x->len, "no root element");
			ev->type = XML_DONE;
			return 0;
		}
		if (x->buf[x->pos] == '<')
			err = markup(x, ev, &skipped);
		else
			err = text(x, ev, &skipped);
		if (err || !skipped)
			return err;
	}
}
