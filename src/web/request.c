/*
 * The map page's requests, from bytes to what the control socket takes:
 * the JSON body of POST /api/command to a request line, query parameters,
 * the token, the Host header. Pure and bounded, so that every input can
 * be fuzzed (tests/fuzz/fuzz_web_request.c).
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "web_priv.h"

bool web_word_ok(const char *word)
{
	if (!word || !*word)
		return false;
	for (const unsigned char *p = (const unsigned char *)word; *p; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return false;
	}
	return true;
}

int web_args_line(char *line, size_t sz, const char *json, size_t len,
		  char *why, size_t whysz)
{
	const struct odict_entry *args;
	struct odict *od = NULL;
	size_t l = 0, n = 0;
	struct le *le;
	int err = 0;

	if (!line || !sz || !json || !why || !whysz)
		return EINVAL;
	line[0] = '\0';
	why[0] = '\0';
	if (len > WEB_MAX_BODY) {
		re_snprintf(why, whysz, "the request is too long (at most %u"
			    " bytes)", WEB_MAX_BODY);
		return E2BIG;
	}
	if (json_decode_odict(&od, 8, json, len, 4)) {
		re_snprintf(why, whysz, "the body is not JSON; want"
			    " {\"args\":[\"move\",\"--audio\",\"sip:...\"]}");
		return EBADMSG;
	}
	args = odict_get_type(od, ODICT_ARRAY, "args");
	if (!args || !args->u.odict->lst.head) {
		re_snprintf(why, whysz, "want {\"args\":[WORD, ...]}, the"
			    " words of a command");
		err = EINVAL;
		goto out;
	}
	for (le = args->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		int w;

		if (e->type != ODICT_STRING || !web_word_ok(e->u.str)) {
			re_snprintf(why, whysz, "word %zu is not a word (a"
				    " string without spaces)", n + 1);
			err = EINVAL;
			goto out;
		}
		if (++n > WEB_MAX_WORDS) {
			re_snprintf(why, whysz, "too many words (at most"
				    " %u)", WEB_MAX_WORDS);
			err = E2BIG;
			goto out;
		}
		w = re_snprintf(line + l, sz - l, "%s%s", l ? " " : "",
				e->u.str);
		if (w < 0 || (size_t)w >= sz - l) {
			re_snprintf(why, whysz, "the command is too long");
			err = E2BIG;
			goto out;
		}
		l += (size_t)w;
	}
 out:
	if (err)
		line[0] = '\0';
	mem_deref(od);
	return err;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* value (p, n) %XX- and '+'-decoded into out */
static int query_decode(const char *p, size_t n, char *out, size_t sz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '+') {
			c = ' ';
		}
		else if (c == '%') {
			int h, lo;

			if (i + 2 >= n)
				return EINVAL;
			h = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (h < 0 || lo < 0 || (h == 0 && lo == 0))
				return EINVAL;
			c = (char)(h * 16 + lo);
			i += 2;
		}
		if (o + 1 >= sz)
			return E2BIG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int web_query_get(const struct pl *prm, const char *name, char *out,
		  size_t sz)
{
	size_t nlen, i = 0, len;
	const char *s;

	if (!prm || !name || !out || !sz)
		return EINVAL;
	out[0] = '\0';
	s = prm->p;
	len = s ? prm->l : 0;
	if (len && s[0] == '?') {
		s++;
		len--;
	}
	nlen = strlen(name);
	while (i < len) {
		size_t end = i, eq;

		while (end < len && s[end] != '&')
			end++;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (eq - i == nlen && !memcmp(s + i, name, nlen))
			return query_decode(s + (eq < end ? eq + 1 : end),
					    eq < end ? end - eq - 1 : 0, out,
					    sz);
		i = end + 1;
	}
	return ENOENT;
}

bool web_token_equal(const char *a, const struct pl *b)
{
	size_t la;
	unsigned char d = 0;

	if (!a || !b || !b->p)
		return false;
	la = strlen(a);
	if (la != b->l || !la)
		return false;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b->p[i]);
	return d == 0;
}

bool web_host_loopback(const struct pl *host)
{
	struct pl h;
	struct sa sa;
	char buf[64];

	if (!host || !host->p || !host->l || host->l >= sizeof(buf))
		return false;
	h = *host;
	if (h.p[0] == '[') {   /* [::1] or [::1]:PORT */
		const char *rb = memchr(h.p, ']', h.l);

		if (!rb)
			return false;
		h.p++;
		h.l = (size_t)(rb - h.p);
	}
	else {
		const char *colon = memchr(h.p, ':', h.l);

		if (colon)
			h.l = (size_t)(colon - h.p);
	}
	if (!pl_strcasecmp(&h, "localhost"))
		return true;
	if (pl_strcpy(&h, buf, sizeof(buf)) || sa_set_str(&sa, buf, 0))
		return false;
	return sa_af(&sa) == AF_INET ? (sa_in(&sa) >> 24) == 127 :
		sa_is_loopback(&sa);
}
