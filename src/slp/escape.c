/*
 * RFC 2608 §5 escapes, shared by attribute lists and search filters: a
 * reserved character is written as a backslash and two hex digits. Each
 * context has its own reserved set; both fold white space in values.
 */
#include <string.h>
#include <re.h>
#include "slp_priv.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

bool slp_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void slp_trim(const char **p, const char **e)
{
	while (*p < *e && slp_is_ws(**p))
		(*p)++;
	while (*e > *p && slp_is_ws((*e)[-1]))
		(*e)--;
}

long slp_unescape(char *out, const char *p, const char *e,
		  const char *reserved, bool fold)
{
	long n = 0;
	bool ws = false;

	while (p < e) {
		char c = *p++;

		if (c == '\\') {
			int h, l;

			if (e - p < 2 || (h = hexval(p[0])) < 0 ||
			    (l = hexval(p[1])) < 0)
				return -1;
			out[n++] = (char)(h << 4 | l);
			p += 2;
			ws = false;
			continue;
		}
		if ((unsigned char)c < 0x09 || strchr(reserved, c))
			return -1;
		if (fold && slp_is_ws(c)) {
			if (!ws)
				out[n++] = ' ';
			ws = true;
			continue;
		}
		ws = false;
		out[n++] = c;
	}
	return n;
}
