/*
 * Addresses in header fields: name-addr and addr-spec (RFC 3261 §20.10,
 * §25.1), display names, and the split of a SIP URI into base, parameters
 * and headers (§19.1.1), shared by Refer-To and Referred-By.
 *
 * Two things are read more loosely than the grammar, because the texts we
 * must read do so and nothing becomes ambiguous inside angle brackets:
 *  - RFC 5631 §5.4 writes URI header values in double quotes and leaves
 *    ';', '@' and '=' unescaped in them (Figures 4 and 5). So inside <...>
 *    a header value may be wrapped in double quotes (dropped, and inside
 *    them '>' and '&' do not end anything) and may hold any visible ASCII
 *    byte but '"' and '&'. What we print is always escaped.
 *  - The user part ends at the first '@' before the first '?'. RFC 3261
 *    allows a raw '?' in a user part; such a URI is misread here (known
 *    limit: we have never met one, and a raw '@' in a header value, which
 *    RFC 5631 does write, is more common).
 * A URI in angle brackets may not contain white space: RFC 5631 folds its
 * examples for the page, which no SIP message may do (§25.1 has no LWS in a
 * URI).
 */
#include <string.h>
#include <strings.h>
#include "hdr_priv.h"

/* display-name as *(token LWS): true when such tokens are followed by '<' */
static bool token_dname(struct pl *s, struct pl *dname)
{
	struct pl c = *s, tok;
	const char *first = NULL, *end = NULL;

	for (;;) {
		siphdr_skip_lws(&c);
		if (!siphdr_token(&c, &tok))
			break;
		if (!first)
			first = tok.p;
		end = tok.p + tok.l;
	}
	if (!first || !c.l || c.p[0] != '<')
		return false;

	dname->p = first;
	dname->l = (size_t)(end - first);
	*s = c;
	return true;
}

/* s at '<': the URI up to the matching '>', quote-aware (see above) */
static int bracketed(struct pl *s, struct pl *uri, const char **why)
{
	bool quoted = false;
	size_t i;

	for (i = 1; i < s->l; i++) {
		uint8_t c = (uint8_t)s->p[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (c == '>' && !quoted)
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			*why = "white space inside a URI";
			return EBADMSG;
		}
		if (c < 0x20 || c >= 0x7f) {
			*why = "control or non-ASCII byte in a URI";
			return EBADMSG;
		}
	}
	if (i >= s->l) {
		*why = quoted ? "unterminated '\"' in a URI" :
			"no '>' after '<'";
		return EBADMSG;
	}
	if (i == 1) {
		*why = "empty URI between '<' and '>'";
		return EBADMSG;
	}

	uri->p = s->p + 1;
	uri->l = i - 1;
	pl_advance(s, (ssize_t)i + 1);
	return 0;
}

/* addr-spec: up to ';', white space or the end (RFC 3261 §20: a URI with
 * ',', '?' or ';' must be in angle brackets, so ';' starts the params). */
static int addr_spec(struct pl *s, struct pl *uri, const char **why)
{
	size_t i = 0;

	while (i < s->l) {
		uint8_t c = (uint8_t)s->p[i];

		if (c <= 0x20 || c >= 0x7f || c == ';')
			break;
		if (c == '?' || c == ',') {
			*why = "a URI with '?' or ',' must be in angle "
				"brackets";
			return EBADMSG;
		}
		if (c == '<' || c == '>' || c == '"') {
			*why = "unexpected '<', '>' or '\"' in a URI";
			return EBADMSG;
		}
		++i;
	}
	if (!i) {
		*why = "no address";
		return EBADMSG;
	}

	uri->p = s->p;
	uri->l = i;
	pl_advance(s, (ssize_t)i);
	return 0;
}

int siphdr_naddr_decode(struct siphdr_naddr *na, struct pl *s,
			const char **why)
{
	int err;

	na->dname = pl_null;
	na->uri = pl_null;

	siphdr_skip_lws(s);
	if (!s->l) {
		*why = "empty value";
		return EBADMSG;
	}

	if (s->p[0] == '"') {
		err = siphdr_quoted(s, &na->dname, why);
		if (err)
			return err;
		siphdr_skip_lws(s);
		if (!s->l || s->p[0] != '<') {
			*why = "display name not followed by '<'";
			return EBADMSG;
		}
		return bracketed(s, &na->uri, why);
	}
	if (s->p[0] == '<' || token_dname(s, &na->dname))
		return bracketed(s, &na->uri, why);

	return addr_spec(s, &na->uri, why);
}

bool siphdr_dname_valid(const struct pl *dname)
{
	for (size_t i = 0; dname->p && i < dname->l; i++) {
		uint8_t c = (uint8_t)dname->p[i];

		if (c == '\\') {
			if (i + 1 >= dname->l)
				return false;
			c = (uint8_t)dname->p[++i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			continue;
		}
		if (c == '"')
			return false;
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return false;
	}
	return true;
}

static bool is_lws_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Always as a quoted-string; a run of white space (a fold of the token
 * form included) becomes one space, so that no line break is printed. */
int siphdr_dname_print(struct re_printf *pf, const struct pl *dname)
{
	size_t i = 0, start;
	int err;

	if (!dname->p || !dname->l)
		return 0;

	err = re_hprintf(pf, "\"");
	while (!err && i < dname->l) {
		if (is_lws_byte(dname->p[i])) {
			while (i < dname->l && is_lws_byte(dname->p[i]))
				++i;
			err = re_hprintf(pf, " ");
			continue;
		}
		start = i;
		while (i < dname->l && !is_lws_byte(dname->p[i]))
			i += dname->p[i] == '\\' ? 2 : 1;
		if (i > dname->l)
			i = dname->l;
		err = re_hprintf(pf, "%b", dname->p + start, i - start);
	}

	return err ? err : re_hprintf(pf, "\" ");
}

/* *(cls / "%" HEXDIG HEXDIG), at least one byte */
static bool escaped_run(const char *p, size_t l, bool (*cls)(char))
{
	if (!l)
		return false;
	for (size_t i = 0; i < l; i++) {
		if (p[i] == '%') {
			if (i + 2 >= l)
				return false;
			if (siphdr_hexval(p[i + 1]) < 0 ||
			    siphdr_hexval(p[i + 2]) < 0)
				return false;
			i += 2;
			continue;
		}
		if (!cls(p[i]))
			return false;
	}
	return true;
}

static bool is_userchar(char c)
{
	/* unreserved / user-unreserved, and ':' before a password */
	return siphdr_is_unreserved(c) || (c && strchr("&=+$,;?/:", c));
}

static bool is_hnvchar(char c)
{
	return siphdr_is_unreserved(c) || siphdr_is_hnv(c);
}

static bool hostport_valid(const char *p, size_t l)
{
	size_t i = 0, digits = 0;
	uint32_t port = 0;

	if (!l)
		return false;
	if (p[0] == '[') {
		for (i = 1; i < l && (siphdr_hexval(p[i]) >= 0 ||
				      p[i] == ':' || p[i] == '.'); i++)
			;
		if (i == 1 || i >= l || p[i] != ']')
			return false;
		++i;
	}
	else {
		while (i < l && (siphdr_is_alnum(p[i]) || p[i] == '-' ||
				 p[i] == '.'))
			++i;
		if (!i)
			return false;
	}
	if (i == l)
		return true;
	if (p[i++] != ':')
		return false;
	for (; i < l; i++, digits++) {
		if (p[i] < '0' || p[i] > '9' || digits == 5)
			return false;
		port = port * 10 + (uint32_t)(p[i] - '0');
	}
	return digits > 0 && port <= 65535;
}

static bool is_scheme_char(char c)
{
	return siphdr_is_alnum(c) || c == '+' || c == '-' || c == '.';
}

int siphdr_uri_split(struct siphdr_uri *u, const struct pl *uri,
		     const char **why)
{
	const char *p = uri->p, *end;
	const char *rest, *q, *before_end, *at, *hp, *semi;
	size_t i = 0;

	memset(u, 0, sizeof(*u));
	if (!p || !uri->l) {
		*why = "empty URI";
		return EBADMSG;
	}
	end = p + uri->l;
	while (i < uri->l && is_scheme_char(p[i]))
		++i;
	if (!i || i >= uri->l || p[i] != ':' || !siphdr_is_alnum(p[0]) ||
	    (p[0] >= '0' && p[0] <= '9')) {
		*why = "URI without a scheme";
		return EBADMSG;
	}
	rest = p + i + 1;
	if (rest == end) {
		*why = "nothing after the URI scheme";
		return EBADMSG;
	}
	u->sip = (i == 3 && !strncasecmp(p, "sip", 3)) ||
		(i == 4 && !strncasecmp(p, "sips", 4));

	if (!u->sip) {
		for (const char *c = rest; c < end; c++) {
			if (*c <= 0x20 || *c >= 0x7f || *c == '"' ||
			    *c == '<' || *c == '>') {
				*why = "unexpected byte in a URI";
				return EBADMSG;
			}
		}
		u->base = *uri;
		u->target = *uri;
		return 0;
	}

	q = memchr(rest, '?', (size_t)(end - rest));
	before_end = q ? q : end;
	at = memchr(rest, '@', (size_t)(before_end - rest));
	hp = rest;
	if (at) {
		if (!escaped_run(rest, (size_t)(at - rest), is_userchar)) {
			*why = "malformed user part in a URI";
			return EBADMSG;
		}
		hp = at + 1;
	}
	semi = memchr(hp, ';', (size_t)(before_end - hp));
	if (!hostport_valid(hp, (size_t)((semi ? semi : before_end) - hp))) {
		*why = "malformed host or port in a URI";
		return EBADMSG;
	}

	u->base.p = p;
	u->base.l = (size_t)((semi ? semi : before_end) - p);
	u->target.p = p;
	u->target.l = (size_t)(before_end - p);
	if (semi) {
		u->params.p = semi + 1;
		u->params.l = (size_t)(before_end - semi - 1);
		if (!u->params.l) {
			*why = "';' without a URI parameter";
			return EBADMSG;
		}
	}
	if (q) {
		u->headers.p = q + 1;
		u->headers.l = (size_t)(end - q - 1);
		if (!u->headers.l) {
			*why = "'?' without URI headers";
			return EBADMSG;
		}
	}

	return 0;
}

static bool uparam_part(const char *p, size_t l)
{
	return escaped_run(p, l, siphdr_is_paramchar);
}

bool siphdr_uparam_valid(const struct sipparam *p)
{
	if (!p->name.p || !uparam_part(p->name.p, p->name.l))
		return false;
	return !p->val.p || uparam_part(p->val.p, p->val.l);
}

int siphdr_uparams(const struct pl *params, struct sipparam *v, size_t max,
		   size_t *n, const char **why)
{
	const char *p = params->p, *end = params->p + params->l;

	*n = 0;
	while (params->l && p <= end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *seg_end = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		struct sipparam prm = {PL_INIT, PL_INIT};

		prm.name.p = p;
		prm.name.l = (size_t)((eq ? eq : seg_end) - p);
		if (eq) {
			prm.val.p = eq + 1;
			prm.val.l = (size_t)(seg_end - eq - 1);
		}
		if (!siphdr_uparam_valid(&prm)) {
			*why = "malformed URI parameter";
			return EBADMSG;
		}
		for (size_t i = 0; i < *n; i++) {
			if (!pl_casecmp(&v[i].name, &prm.name)) {
				*why = "URI parameter given twice";
				return EBADMSG;
			}
		}
		if (*n == max) {
			*why = "too many URI parameters";
			return EBADMSG;
		}
		v[(*n)++] = prm;
		if (!semi)
			break;
		p = semi + 1;
	}

	return 0;
}

/* One "name=value" of a URI's headers, value as RFC 5631 may write it */
static int uheader(const char *p, size_t l, struct sipparam *h,
		   const char **why)
{
	const char *eq = memchr(p, '=', l);
	struct pl v;

	if (!eq) {
		*why = "URI header without '='";
		return EBADMSG;
	}
	if (!escaped_run(p, (size_t)(eq - p), is_hnvchar)) {
		*why = "malformed URI header name";
		return EBADMSG;
	}
	h->name.p = p;
	h->name.l = (size_t)(eq - p);
	v.p = eq + 1;
	v.l = (size_t)(p + l - v.p);

	if (v.l && v.p[0] == '"') {
		if (v.l < 2 || v.p[v.l - 1] != '"') {
			*why = "stray '\"' in a URI header value";
			return EBADMSG;
		}
		pl_advance(&v, 1);
		v.l--;
	}
	for (size_t i = 0; i < v.l; i++) {
		if (v.p[i] == '"') {
			*why = "stray '\"' in a URI header value";
			return EBADMSG;
		}
	}
	h->val = v;
	return 0;
}

int siphdr_uheaders(const struct pl *headers, struct sipparam *v,
		    size_t max, size_t *n, const char **why)
{
	const char *p = headers->p;
	size_t start = 0;
	bool quoted = false;
	int err;

	*n = 0;
	for (size_t i = 0; i <= headers->l; i++) {
		if (i < headers->l) {
			if (p[i] == '"')
				quoted = !quoted;
			if (p[i] != '&' || quoted)
				continue;
		}
		if (i == start) {
			*why = "empty URI header";
			return EBADMSG;
		}
		if (*n == max) {
			*why = "too many URI headers";
			return EBADMSG;
		}
		err = uheader(p + start, i - start, &v[*n], why);
		if (err)
			return err;
		++*n;
		start = i + 1;
	}
	if (quoted) {
		*why = "unterminated '\"' in URI headers";
		return EBADMSG;
	}

	return 0;
}
