/*
 * The beacon's announcement (presence.h): one line of text, so that a
 * capture reads as it is and a test can write one with printf. It comes
 * from the network, so the decoder takes any bytes: one whole line of
 * printable ASCII, the version word, then key=value fields separated by
 * single spaces, each known key once, every required one present (floor
 * and building are optional).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sipmob/presence.h>

#define MAGIC "SIPMOB-BEACON/1"

enum { STEP_MAX = 86400 };

bool presence_room_valid(const char *room)
{
	size_t n;

	if (!room)
		return false;
	n = strlen(room);
	if (!n || n >= PRESENCE_ROOM_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = room[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static bool digits_only(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
	}
	return true;
}

static bool token_valid(const char *t)
{
	size_t n = strnlen(t, PRESENCE_TOKEN_MAX);

	return n >= 6 && n <= 10 && digits_only(t, n);
}

/* A decimal number of at most 20 digits that fits in 64 bits */
static bool number(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!digits_only(p, n) || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = (uint64_t)(p[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

int presence_beacon_encode(const struct presence_beacon *b, char *buf,
			   size_t sz, size_t *lenp)
{
	int n;

	if (!b || !buf || !presence_room_valid(b->room) ||
	    !token_valid(b->token) || !b->step || b->step > STEP_MAX ||
	    (b->floor[0] && !presence_room_valid(b->floor)) ||
	    (b->building[0] && !presence_room_valid(b->building)))
		return EINVAL;
	n = snprintf(buf, sz, MAGIC " room=%s step=%u token=%s seq=%llu"
		     " time=%llu%s%s%s%s\n", b->room, (unsigned)b->step,
		     b->token, (unsigned long long)b->seq,
		     (unsigned long long)b->time,
		     b->floor[0] ? " floor=" : "", b->floor,
		     b->building[0] ? " building=" : "", b->building);
	if (n < 0 || (size_t)n >= sz)
		return EOVERFLOW;
	if (lenp)
		*lenp = (size_t)n;
	return 0;
}

enum field { F_ROOM = 1, F_STEP = 2, F_TOKEN = 4, F_SEQ = 8, F_TIME = 16,
	     F_FLOOR = 32, F_BUILDING = 64 };
enum { F_REQUIRED = F_ROOM | F_STEP | F_TOKEN | F_SEQ | F_TIME };

/* A name (room, floor, building) of vl bytes at v into out */
static bool name_field(char out[PRESENCE_ROOM_MAX], const char *v, size_t vl)
{
	if (vl >= PRESENCE_ROOM_MAX)
		return false;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return presence_room_valid(out);
}

/* One key=value field into b; which one it was in *seen. false: bad. */
static bool field(struct presence_beacon *b, const char *p, size_t n,
		  unsigned *seen)
{
	const char *eq = memchr(p, '=', n);
	size_t kl, vl;
	const char *v;
	unsigned f = 0;
	uint64_t x;

	if (!eq || eq == p || eq == p + n - 1)
		return false;
	kl = (size_t)(eq - p);
	v = eq + 1;
	vl = n - kl - 1;
	for (size_t i = 0; i < kl; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_'))
			return false;
	}
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(p, s, kl))
	if (KEY("room")) {
		f = F_ROOM;
		if (!name_field(b->room, v, vl))
			return false;
	}
	else if (KEY("floor")) {
		f = F_FLOOR;
		if (!name_field(b->floor, v, vl))
			return false;
	}
	else if (KEY("building")) {
		f = F_BUILDING;
		if (!name_field(b->building, v, vl))
			return false;
	}
	else if (KEY("step")) {
		f = F_STEP;
		if (!number(v, vl, &x) || !x || x > STEP_MAX)
			return false;
		b->step = (uint32_t)x;
	}
	else if (KEY("token")) {
		f = F_TOKEN;
		if (vl < 6 || vl > 10 || !digits_only(v, vl))
			return false;
		memcpy(b->token, v, vl);
		b->token[vl] = '\0';
	}
	else if (KEY("seq")) {
		f = F_SEQ;
		if (!number(v, vl, &b->seq))
			return false;
	}
	else if (KEY("time")) {
		f = F_TIME;
		if (!number(v, vl, &b->time))
			return false;
	}
#undef KEY
	if (f & *seen)
		return false;     /* a field twice */
	*seen |= f;
	return true;
}

int presence_beacon_decode(struct presence_beacon *b, const char *buf,
			   size_t len)
{
	struct presence_beacon nb;
	unsigned seen = 0;
	size_t pos, ml = sizeof(MAGIC) - 1;

	if (!b || !buf || len > PRESENCE_DATAGRAM_MAX)
		return EBADMSG;
	if (len && buf[len - 1] == '\n') {
		len--;
		if (len && buf[len - 1] == '\r')
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return EBADMSG;
	}
	if (len <= ml || memcmp(buf, MAGIC, ml) || buf[ml] != ' ')
		return EBADMSG;

	memset(&nb, 0, sizeof(nb));
	for (pos = ml + 1; pos <= len; ) {
		const char *sp = memchr(buf + pos, ' ', len - pos);
		size_t end = sp ? (size_t)(sp - buf) : len;

		if (end == pos || !field(&nb, buf + pos, end - pos, &seen))
			return EBADMSG;
		pos = end + 1;
	}
	if ((seen & F_REQUIRED) != F_REQUIRED)
		return EBADMSG;
	*b = nb;
	return 0;
}
