/*
 * The parameters of a Digest header value (RFC 3261 §25.1 "challenge" and
 * "credentials", RFC 7616 §3.3-3.4): "Digest" and a comma list of
 * name=token or name="quoted string". libre's httpauth decoders read
 * neither algorithm in credentials nor refuse a parameter given twice,
 * and both matter here: the algorithm picks the hash, and a duplicate
 * response or nonce would let two readers of one header disagree.
 * Input is network data: every byte is checked against the length.
 */
#include <stddef.h>
#include <string.h>
#include <re.h>
#include <sipmob/sip_auth.h>

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 3261 §25.1 token characters */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c) != NULL;
}

static void skip_lws(struct pl *s)
{
	while (s->l && is_lws(s->p[0]))
		pl_advance(s, 1);
}

/* A value: a token run (a bare value, e.g. nc=00000001, algorithm=MD5,
 * stale=TRUE; some phones also write "/" and ":" unquoted in uri) or a
 * quoted string whose quoted-pairs stay as written. */
static int value_decode(struct pl *s, struct pl *v)
{
	size_t i;

	if (s->l && s->p[0] == '"') {
		for (i = 1; i < s->l; i++) {
			if (s->p[i] == '\\') {
				i++;
				continue;
			}
			if (s->p[i] == '"')
				break;
		}
		if (i >= s->l)
			return EBADMSG;   /* no closing quote */
		v->p = s->p + 1;
		v->l = i - 1;
		pl_advance(s, i + 1);
		return 0;
	}

	for (i = 0; i < s->l; i++) {
		if (!is_token(s->p[i]) && s->p[i] != '/' && s->p[i] != ':' &&
		    s->p[i] != '@' && s->p[i] != ';' && s->p[i] != '=')
			break;
	}
	if (!i)
		return EBADMSG;
	v->p = s->p;
	v->l = i;
	pl_advance(s, i);
	return 0;
}

static struct pl *param_slot(struct sipauth_params *p, const struct pl *name)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{"realm",     offsetof(struct sipauth_params, realm)},
		{"nonce",     offsetof(struct sipauth_params, nonce)},
		{"opaque",    offsetof(struct sipauth_params, opaque)},
		{"stale",     offsetof(struct sipauth_params, stale)},
		{"algorithm", offsetof(struct sipauth_params, algorithm)},
		{"qop",       offsetof(struct sipauth_params, qop)},
		{"username",  offsetof(struct sipauth_params, username)},
		{"uri",       offsetof(struct sipauth_params, uri)},
		{"response",  offsetof(struct sipauth_params, response)},
		{"nc",        offsetof(struct sipauth_params, nc)},
		{"cnonce",    offsetof(struct sipauth_params, cnonce)},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!pl_strcasecmp(name, names[i].name))
			return (struct pl *)(void *)((char *)p + names[i].off);
	}
	return NULL;   /* domain, userhash, auth-param: not ours */
}

int sipauth_params_decode(struct sipauth_params *p, const struct pl *hval)
{
	struct pl s, name, v, *slot;

	if (!p || !hval || !hval->p)
		return EINVAL;
	memset(p, 0, sizeof(*p));
	s = *hval;

	skip_lws(&s);
	if (s.l < 7 || strncasecmp(s.p, "Digest", 6) || !is_lws(s.p[6]))
		return EBADMSG;
	pl_advance(&s, 6);

	for (;;) {
		skip_lws(&s);
		name.p = s.p;
		for (name.l = 0; name.l < s.l && is_token(s.p[name.l]);
		     name.l++)
			;
		if (!name.l)
			return EBADMSG;
		pl_advance(&s, name.l);
		skip_lws(&s);
		if (!s.l || s.p[0] != '=')
			return EBADMSG;
		pl_advance(&s, 1);
		skip_lws(&s);
		if (value_decode(&s, &v))
			return EBADMSG;

		slot = param_slot(p, &name);
		if (slot) {
			if (slot->p)
				return EBADMSG;   /* given twice */
			*slot = v;
		}

		skip_lws(&s);
		if (!s.l)
			break;
		if (s.p[0] != ',')
			return EBADMSG;
		pl_advance(&s, 1);
	}

	return p->realm.p ? 0 : EBADMSG;
}
