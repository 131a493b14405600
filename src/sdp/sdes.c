/*
 * SDES (RFC 4568 §9.1): a=crypto lines and the RTP/SAVP proto of an m=
 * line. The key text comes from the network: every length is checked
 * before use (tests/fuzz/fuzz_sdp_sdes.c).
 */
#include <string.h>
#include <sipmob/sdes.h>
#include "sdesc_priv.h"

#define SUITE_80 "AES_CM_128_HMAC_SHA1_80"
#define SUITE_32 "AES_CM_128_HMAC_SHA1_32"

const char *sdes_suite_name(const struct sdes_crypto *c)
{
	return c->tag32 ? SUITE_32 : SUITE_80;
}

int sdes_decode(struct sdes_crypto *c, const char *val)
{
	struct pl tag, suite, key;
	uint8_t buf[64];
	size_t n = sizeof(buf);
	const char *bar, *end;
	size_t keylen;

	if (!c || !val)
		return EINVAL;
	/* every [..] is a capture */
	if (re_regex(val, strlen(val), "[0-9]+[ ]+[^ ]+[ ]+inline:[^ ]+",
		     &tag, NULL, &suite, NULL, &key) || tag.p != val ||
	    tag.l > 9 || pl_u32(&tag) == 0)
		return EBADMSG;
	memset(c, 0, sizeof(*c));
	c->tag = pl_u32(&tag);
	if (!pl_strcmp(&suite, SUITE_32))
		c->tag32 = true;
	else if (pl_strcmp(&suite, SUITE_80))
		return ENOTSUP;
	for (end = key.p + key.l; *end == ' '; end++)
		;
	if (*end)
		return ENOTSUP;   /* session parameters */

	/* key||salt, then |lifetime (taken) or |MKI:length (not) */
	bar = memchr(key.p, '|', key.l);
	keylen = bar ? (size_t)(bar - key.p) : key.l;
	if (bar) {
		struct pl after = {bar + 1, key.l - keylen - 1};

		if (!after.l || memchr(after.p, '|', after.l) ||
		    memchr(after.p, ':', after.l))
			return ENOTSUP;
	}
	if (keylen != 40)   /* base64 of 30 bytes */
		return EBADMSG;
	if (base64_decode(key.p, keylen, buf, &n) || n != SDES_KEYLEN)
		return EBADMSG;
	memcpy(c->key, buf, SDES_KEYLEN);
	return 0;
}

static bool is_crypto(const struct sdesc_line *l)
{
	return l->type == 'a' && !strncmp(l->val, "crypto:", 7);
}

int sdes_find(const struct sdesc_media *m, struct sdes_crypto *c)
{
	struct le *le;

	if (!m || !c)
		return EINVAL;
	LIST_FOREACH(&m->lines, le) {
		const struct sdesc_line *l = le->data;

		if (is_crypto(l) && !sdes_decode(c, l->val + 7))
			return 0;
	}
	return ENOENT;
}

bool sdes_is_savp(const struct sdesc_media *m)
{
	return m && !str_casecmp(m->proto, SDES_PROTO);
}

int sdes_set(struct sdesc_media *m, const struct sdes_crypto *c)
{
	char b64[48], val[96];
	size_t n = sizeof(b64) - 1;
	int err;

	if (!m || !c)
		return EINVAL;
	err = base64_encode(c->key, SDES_KEYLEN, b64, &n);
	if (err)
		return err;
	b64[n] = '\0';
	re_snprintf(val, sizeof(val), "%u %s inline:%s", c->tag,
		    sdes_suite_name(c), b64);
	err = sdesc_media_set_attr(m, "crypto", val);
	return err ? err : sdes_set_proto(m, SDES_PROTO);
}

int sdes_set_proto(struct sdesc_media *m, const char *proto)
{
	if (!m || !proto)
		return EINVAL;
	return sdesc_token(m->proto, sizeof(m->proto), proto, strlen(proto));
}
