/*
 * Escaping of header names and values carried inside a URI (RFC 3261
 * §19.1.1, grammar in §25.1: hname and hvalue are unreserved,
 * hnv-unreserved or "%" HEXDIG HEXDIG). This is how a Refer-To carries a
 * Replaces header ("?Replaces=abc%40host%3Bto-tag%3D1%3Bfrom-tag%3D2"), and
 * how a nested REFER carries a whole Refer-To (RFC 5631 §5.4.2), escaped
 * twice.
 *
 * Escaping writes everything outside those sets as %HH (uppercase), so the
 * output is valid at any nesting depth. Unescaping decodes any %HH and
 * passes other visible ASCII through, because RFC 5631's own examples leave
 * ';', '@' and '=' raw; it refuses %00, so that a decoded value never hides
 * a NUL from the C strings it ends up in.
 */
#include <string.h>
#include "hdr_priv.h"

static bool hval_plain(char c)
{
	return siphdr_is_unreserved(c) || siphdr_is_hnv(c);
}

int sipuri_hval_escape(struct re_printf *pf, const struct pl *val)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, start;
	int err = 0;

	if (!pf || !val)
		return EINVAL;
	if (val->l && memchr(val->p, '\0', val->l))
		return EINVAL;

	while (!err && i < val->l) {
		uint8_t c = (uint8_t)val->p[i];
		char esc[3];

		if (hval_plain((char)c)) {
			start = i;
			while (i < val->l && hval_plain(val->p[i]))
				++i;
			err = re_hprintf(pf, "%b", val->p + start, i - start);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		err = re_hprintf(pf, "%b", esc, sizeof(esc));
		++i;
	}

	return err;
}

int siphdr_hval_unescape_buf(char *dst, const struct pl *src, size_t *n)
{
	size_t o = 0;

	for (size_t i = 0; i < src->l; i++) {
		uint8_t c = (uint8_t)src->p[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= src->l ||
			    (hi = siphdr_hexval(src->p[i + 1])) < 0 ||
			    (lo = siphdr_hexval(src->p[i + 2])) < 0)
				return EBADMSG;
			if (!hi && !lo)
				return EBADMSG;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		if (c <= 0x20 || c >= 0x7f)
			return EBADMSG;
		dst[o++] = (char)c;
	}

	*n = o;
	return 0;
}

int sipuri_hval_unescape(struct re_printf *pf, const struct pl *val)
{
	char *buf;
	size_t n;
	int err;

	if (!pf || !val)
		return EINVAL;
	if (!val->l)
		return 0;

	buf = mem_alloc(val->l, NULL);   /* unescaping never lengthens */
	if (!buf)
		return ENOMEM;
	err = siphdr_hval_unescape_buf(buf, val, &n);
	if (!err)
		err = re_hprintf(pf, "%b", buf, n);
	mem_deref(buf);

	return err;
}
