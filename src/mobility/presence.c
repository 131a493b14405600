/*
 * Proof of presence (spec §8.2): the room token and the secrets a device
 * accepts with it. The token is RFC 6238 TOTP: HOTP (RFC 4226) of the
 * number of steps since the Unix epoch, with the room's secret as the
 * HMAC-SHA1 key. A device accepts the current step's token and the one
 * before, so that a token heard just before it changed still works; a
 * token more than two steps old never does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sipmob/presence.h>

static const uint64_t pow10[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL
};

/* RFC 4226 §5.3: HMAC of the 8-byte big-endian counter, dynamic
 * truncation to 31 bits, the last digits in decimal. */
static int hotp(const uint8_t *secret, size_t len, uint64_t counter,
		unsigned digits, char out[PRESENCE_TOKEN_MAX])
{
	uint8_t msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint32_t bin;
	unsigned off;

	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)counter;
		counter >>= 8;
	}
	if (!HMAC(EVP_sha1(), secret, (int)len, msg, sizeof(msg), md, &mdlen)
	    || mdlen != 20)
		return EINVAL;
	off = md[19] & 0x0f;
	bin = (uint32_t)(md[off] & 0x7f) << 24 | (uint32_t)md[off + 1] << 16 |
	      (uint32_t)md[off + 2] << 8 | md[off + 3];
	(void)snprintf(out, PRESENCE_TOKEN_MAX, "%0*llu", (int)digits,
		       (unsigned long long)(bin % pow10[digits]));
	return 0;
}

int presence_token(const uint8_t *secret, size_t len, uint64_t unix_time,
		   uint32_t step, unsigned digits,
		   char out[PRESENCE_TOKEN_MAX])
{
	if (!secret || !len || len > PRESENCE_KEY_MAX || !step || !out ||
	    digits < 6 || digits > 10)
		return EINVAL;
	return hotp(secret, len, unix_time / step, digits, out);
}

size_t presence_secrets(const char *password, const uint8_t *room_secret,
			size_t len, uint64_t now, uint32_t step,
			char out[][PRESENCE_SECRET_LEN], size_t max)
{
	char tok[PRESENCE_TOKEN_MAX];
	size_t n = 0;

	if (!password || !room_secret || !len || len > PRESENCE_KEY_MAX ||
	    !step || !out)
		return 0;
	for (uint64_t back = 0; back < 2 && n < max; back++) {
		uint64_t counter = now / step;
		int w;

		if (counter < back)
			break;          /* no step before the first */
		if (hotp(room_secret, len, counter - back, PRESENCE_DIGITS,
			 tok))
			return 0;
		w = snprintf(out[n], PRESENCE_SECRET_LEN, "%s%s", password,
			     tok);
		if (w < 0 || w >= PRESENCE_SECRET_LEN)
			return 0;
		n++;
	}
	return n;
}

/* ---- the room's secret ---- */

static int key_from(struct presence_key *key, const uint8_t *p, size_t n,
		    char *why, size_t whysz)
{
	if (n && p[n - 1] == '\n') {
		n--;
		if (n && p[n - 1] == '\r')
			n--;
	}
	if (n < PRESENCE_KEY_MIN || n > PRESENCE_KEY_MAX) {
		(void)snprintf(why, whysz, "the room secret has %zu bytes"
			       " (want %d to %d)", n, PRESENCE_KEY_MIN,
			       PRESENCE_KEY_MAX);
		return EINVAL;
	}
	memcpy(key->secret, p, n);
	key->len = n;
	return 0;
}

int presence_key_load(struct presence_key *key, const char *path,
		      char *why, size_t whysz)
{
	uint8_t buf[PRESENCE_KEY_MAX + 3];
	size_t n;
	FILE *f;
	int err;

	if (!key || !path)
		return EINVAL;
	f = fopen(path, "rb");
	if (!f) {
		err = errno;
		(void)snprintf(why, whysz, "%s: %s", path, strerror(err));
		return err;
	}
	n = fread(buf, 1, sizeof(buf), f);
	err = ferror(f) ? EIO : 0;
	(void)fclose(f);
	if (err) {
		(void)snprintf(why, whysz, "%s: cannot read it", path);
		return err;
	}
	if (n == sizeof(buf)) {
		(void)snprintf(why, whysz, "%s: the room secret has more than"
			       " %d bytes", path, PRESENCE_KEY_MAX);
		memset(buf, 0, sizeof(buf));
		return EINVAL;
	}
	err = key_from(key, buf, n, why, whysz);
	memset(buf, 0, sizeof(buf));
	return err;
}

int presence_key_set(struct presence_key *key, const char *text,
		     char *why, size_t whysz)
{
	if (!key || !text)
		return EINVAL;
	return key_from(key, (const uint8_t *)text, strlen(text), why, whysz);
}
