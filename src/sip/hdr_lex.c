/*
 * The lexical layer of our header parsers: RFC 3261 §25.1 character
 * classes, linear white space, tokens, quoted-strings and generic
 * parameters. Input is a header value from the network, so every reader
 * works on a struct pl cursor and checks what is left before each byte.
 *
 * Line folding (CRLF followed by a space or tab) counts as white space
 * between tokens, as RFC 3261 §7.3.1 allows and libre leaves it in the
 * value; inside a quoted-string we refuse it (legal, never seen, and a
 * printer would have to fold it back).
 */
#include <string.h>
#include "hdr_priv.h"

bool siphdr_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');
}

bool siphdr_is_token(char c)
{
	return siphdr_is_alnum(c) || (c && strchr("-.!%*_+`'~", c));
}

bool siphdr_is_unreserved(char c)
{
	return siphdr_is_alnum(c) || (c && strchr("-_.!~*'()", c));
}

bool siphdr_is_hnv(char c)
{
	return c && strchr("[]/?:+$", c);
}

bool siphdr_is_paramchar(char c)
{
	return siphdr_is_unreserved(c) || (c && strchr("[]/:&+$", c));
}

int siphdr_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* SP, HTAB, and a line break only when the next line is folded onto this
 * one (it begins with SP or HTAB); a bare line break ends the value. */
void siphdr_skip_lws(struct pl *s)
{
	while (s->l) {
		if (is_wsp(s->p[0]))
			pl_advance(s, 1);
		else if (s->l >= 3 && s->p[0] == '\r' && s->p[1] == '\n' &&
			 is_wsp(s->p[2]))
			pl_advance(s, 3);
		else if (s->l >= 2 && s->p[0] == '\n' && is_wsp(s->p[1]))
			pl_advance(s, 2);
		else
			break;
	}
}

bool siphdr_token(struct pl *s, struct pl *tok)
{
	size_t i = 0;

	while (i < s->l && siphdr_is_token(s->p[i]))
		++i;
	if (!i)
		return false;
	tok->p = s->p;
	tok->l = i;
	pl_advance(s, (ssize_t)i);
	return true;
}

bool siphdr_is_token_str(const struct pl *pl)
{
	if (!pl || !pl->p || !pl->l)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (!siphdr_is_token(pl->p[i]))
			return false;
	}
	return true;
}

bool siphdr_pl_eq(const struct pl *a, const char *b)
{
	return a && a->p && !pl_strcasecmp(a, b);
}

/* quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE. We take qdtext
 * without line breaks or control bytes, and a quoted-pair of any byte but
 * CR, LF and the control bytes other than HTAB. */
int siphdr_quoted(struct pl *s, struct pl *content, const char **why)
{
	size_t i = 1;

	if (!s->l || s->p[0] != '"') {
		*why = "expected '\"'";
		return EBADMSG;
	}
	while (i < s->l) {
		uint8_t c = (uint8_t)s->p[i];

		if (c == '"') {
			content->p = s->p + 1;
			content->l = i - 1;
			pl_advance(s, (ssize_t)i + 1);
			return 0;
		}
		if (c == '\\') {
			if (i + 1 >= s->l)
				break;
			c = (uint8_t)s->p[i + 1];
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				*why = "control byte in a quoted-string";
				return EBADMSG;
			}
			i += 2;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = c == '\r' || c == '\n' ?
				"line break in a quoted-string" :
				"control byte in a quoted-string";
			return EBADMSG;
		}
		++i;
	}

	*why = "unterminated quoted-string";
	return EBADMSG;
}

/* gen-value = token / host / quoted-string; a host adds '[', ']' and ':'
 * (an IPv6 reference) to the token characters. */
static bool is_genchar(char c)
{
	return siphdr_is_token(c) || c == '[' || c == ']' || c == ':';
}

static int gen_value(struct pl *s, struct pl *val, const char **why)
{
	size_t i = 0;

	if (s->l && s->p[0] == '"') {
		const char *start = s->p;
		struct pl content;
		int err = siphdr_quoted(s, &content, why);

		if (err)
			return err;
		val->p = start;
		val->l = (size_t)(s->p - start);
		return 0;
	}
	while (i < s->l && is_genchar(s->p[i]))
		++i;
	if (!i) {
		*why = "parameter without a value after '='";
		return EBADMSG;
	}
	val->p = s->p;
	val->l = i;
	pl_advance(s, (ssize_t)i);
	return 0;
}

int siphdr_params(struct pl *s, struct sipparam *v, size_t max, size_t *n,
		  const char **why)
{
	*n = 0;

	for (;;) {
		struct sipparam p = {PL_INIT, PL_INIT};
		int err;

		siphdr_skip_lws(s);
		if (!s->l)
			return 0;
		if (s->p[0] != ';') {
			*why = "unexpected text where ';' or the end should be";
			return EBADMSG;
		}
		pl_advance(s, 1);
		siphdr_skip_lws(s);
		if (!siphdr_token(s, &p.name)) {
			*why = "empty or malformed parameter name";
			return EBADMSG;
		}
		siphdr_skip_lws(s);
		if (s->l && s->p[0] == '=') {
			pl_advance(s, 1);
			siphdr_skip_lws(s);
			err = gen_value(s, &p.val, why);
			if (err)
				return err;
		}
		for (size_t i = 0; i < *n; i++) {
			if (!pl_casecmp(&v[i].name, &p.name)) {
				*why = "parameter given twice";
				return EBADMSG;
			}
		}
		if (*n == max) {
			*why = "too many parameters";
			return EBADMSG;
		}
		v[(*n)++] = p;
	}
}

static bool param_valid(const struct sipparam *p)
{
	struct pl s, content;
	const char *why;

	if (!siphdr_is_token_str(&p->name))
		return false;
	if (!p->val.p)
		return true;
	s = p->val;
	if (s.l && s.p[0] == '"')
		return siphdr_quoted(&s, &content, &why) == 0 && s.l == 0;
	if (!s.l)
		return false;
	for (size_t i = 0; i < s.l; i++) {
		if (!is_genchar(s.p[i]))
			return false;
	}
	return true;
}

/* What siphdr_params() would accept again: valid names and values, no
 * name twice. */
bool siphdr_params_valid(const struct sipparam *v, size_t n)
{
	if (n > SIPHDR_MAXPARAMS)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!param_valid(&v[i]))
			return false;
		for (size_t k = 0; k < i; k++) {
			if (!pl_casecmp(&v[k].name, &v[i].name))
				return false;
		}
	}
	return true;
}

int siphdr_params_print(struct re_printf *pf, const struct sipparam *v,
			size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if (v[i].val.p)
			err = re_hprintf(pf, ";%r=%r", &v[i].name, &v[i].val);
		else
			err = re_hprintf(pf, ";%r", &v[i].name);
	}
	return err;
}

int siphdr_fail(char *err, size_t errsz, const char *what, const char *why)
{
	if (err && errsz)
		re_snprintf(err, errsz, "%s: %s", what, why);
	return EBADMSG;
}
