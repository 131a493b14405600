/*
 * One SDP line ("x=value") inside the model: making it, reading the lines we
 * understand (c=, b=, t=, and the a= attributes direction, rtpmap, fmtp,
 * ptime) and replacing or inserting one of them. Every line keeps its value
 * verbatim; interpretation only adds the parsed value beside it, so a line we
 * have not changed prints exactly as it came. A line that is malformed gets
 * a short reason in `why` and EBADMSG; the parser puts the line number in
 * front of it.
 */
#include <string.h>
#include "sdesc_priv.h"

static void line_destructor(void *arg)
{
	struct sdesc_line *l = arg;

	list_unlink(&l->le);
	mem_deref(l->val);
}

int sdesc_line_add(struct sdesc_line **lp, struct list *lines, char type,
		   const char *val, size_t len)
{
	struct sdesc_line *l;

	if (!lines || (!val && len))
		return EINVAL;

	l = mem_zalloc(sizeof(*l), line_destructor);
	if (!l)
		return ENOMEM;

	l->val = mem_alloc(len + 1, NULL);
	if (!l->val) {
		mem_deref(l);
		return ENOMEM;
	}
	if (len)
		memcpy(l->val, val, len);
	l->val[len] = '\0';
	l->type = type;
	l->kind = SDESC_L_OTHER;
	list_append(lines, &l->le, l);

	if (lp)
		*lp = l;

	return 0;
}

/* A decimal number of n characters, no sign, at most max. */
int sdesc_num(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!s || !n)
		return EINVAL;

	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return ERANGE;
		x = x * 10 + d;
	}
	if (x > max)
		return ERANGE;

	*v = x;
	return 0;
}

/* Copy the token of n bytes into buf (size sz) if it is 1..sz-1 visible
 * characters. */
int sdesc_token(char *buf, size_t sz, const char *s, size_t n)
{
	if (!n || n >= sz)
		return EINVAL;

	for (size_t i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] == 0x7f)
			return EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static bool is_fqdn(const char *s)
{
	bool alpha = false;

	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			alpha = true;
		else if (!(*s >= '0' && *s <= '9') && *s != '-' && *s != '.'
			 && *s != '_')
			return false;
	}
	return alpha;
}

/* c=IN IP4 addr[/ttl[/n]] or c=IN IP6 addr[/n] (RFC 4566 §5.7). An FQDN is
 * kept but has no numeric address. */
static int interpret_conn(struct sdesc_line *l, char *why, size_t whysz)
{
	char host[256];
	const char *v = l->val, *addr, *slash, *end;
	bool ip6;
	int af;

	if (!strncmp(v, "IN IP4 ", 7))
		ip6 = false;
	else if (!strncmp(v, "IN IP6 ", 7))
		ip6 = true;
	else {
		re_snprintf(why, whysz, "bad network or address type");
		return EBADMSG;
	}

	addr = v + 7;
	end = addr + strlen(addr);
	slash = strchr(addr, '/');
	if (slash) {
		/* multicast TTL and/or count: digits, at most two parts */
		const char *s = slash + 1, *s2 = strchr(s, '/');
		uint64_t x;

		if (sdesc_num(s, (size_t)((s2 ? s2 : end) - s), 65535, &x)
		    || (s2 && sdesc_num(s2 + 1, (size_t)(end - s2 - 1),
					65535, &x))) {
			re_snprintf(why, whysz, "bad address suffix");
			return EBADMSG;
		}
		end = slash;
	}

	if (sdesc_token(host, sizeof(host), addr, (size_t)(end - addr))) {
		re_snprintf(why, whysz, "bad address");
		return EBADMSG;
	}

	if (is_fqdn(host)) {
		sa_init(&l->u.conn.sa, AF_UNSPEC);
		l->u.conn.numeric = false;
		l->kind = SDESC_L_CONN;
		return 0;
	}

	af = ip6 ? AF_INET6 : AF_INET;
	if (sa_set_str(&l->u.conn.sa, host, 0) || sa_af(&l->u.conn.sa) != af) {
		re_snprintf(why, whysz, "bad %s address '%s'",
			    ip6 ? "IP6" : "IP4", host);
		return EBADMSG;
	}
	l->u.conn.numeric = true;
	l->kind = SDESC_L_CONN;
	return 0;
}

/* rtpmap:<pt> <enc>/<rate>[/<channels>] (RFC 4566 §6) */
static int interpret_rtpmap(struct sdesc_line *l, const char *v,
			    char *why, size_t whysz)
{
	const char *sp, *s1, *s2, *end = v + strlen(v);
	uint64_t pt, rate, ch = 0;

	sp = strchr(v, ' ');
	if (!sp || sdesc_num(v, (size_t)(sp - v), 127, &pt))
		goto bad;

	s1 = strchr(sp + 1, '/');
	if (!s1 || sdesc_token(l->u.rtpmap.enc, sizeof(l->u.rtpmap.enc),
			       sp + 1, (size_t)(s1 - sp - 1)))
		goto bad;

	s2 = strchr(s1 + 1, '/');
	if (sdesc_num(s1 + 1, (size_t)((s2 ? s2 : end) - s1 - 1), UINT32_MAX,
		      &rate) || rate == 0)
		goto bad;
	if (s2 && (sdesc_num(s2 + 1, (size_t)(end - s2 - 1), 255, &ch)
		   || ch == 0))
		goto bad;

	l->u.rtpmap.pt = (int)pt;
	l->u.rtpmap.srate = (uint32_t)rate;
	l->u.rtpmap.ch = (uint8_t)ch;
	l->kind = SDESC_L_RTPMAP;
	return 0;

 bad:
	re_snprintf(why, whysz, "bad rtpmap '%s'", v);
	return EBADMSG;
}

/* fmtp:<format> <parameters> */
static int interpret_fmtp(struct sdesc_line *l, const char *v,
			  char *why, size_t whysz)
{
	const char *sp = strchr(v, ' ');
	size_t n = sp ? (size_t)(sp - v) : strlen(v);

	if (sdesc_token(l->u.fmtp.fmt, sizeof(l->u.fmtp.fmt), v, n)) {
		re_snprintf(why, whysz, "bad fmtp format");
		return EBADMSG;
	}
	l->u.fmtp.params = (size_t)(v - l->val) + n + (sp ? 1 : 0);
	l->kind = SDESC_L_FMTP;
	return 0;
}

static int interpret_attr(struct sdesc_line *l, bool rtp, char *why,
			  size_t whysz)
{
	static const struct {
		const char *name;
		enum sdesc_dir dir;
	} dirs[] = {
		{"inactive", SDESC_INACTIVE}, {"recvonly", SDESC_RECVONLY},
		{"sendonly", SDESC_SENDONLY}, {"sendrecv", SDESC_SENDRECV},
	};
	const char *v = l->val;

	if (!v[0] || v[0] == ':' || v[0] == ' ') {
		re_snprintf(why, whysz, "bad attribute name");
		return EBADMSG;
	}

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!strcmp(v, dirs[i].name)) {
			l->kind = SDESC_L_DIR;
			l->u.dir = dirs[i].dir;
			return 0;
		}
	}

	/* An rtpmap, fmtp or ptime we cannot read is kept as it is, as any
	 * attribute we do not know: nothing we answer depends on it (RFC
	 * 4475 §3.1.1.5 has "a=rtpmap:31 LPC" on a video line; RFC 3261
	 * §8.2: be strict only where it matters). Its payload then falls
	 * back to the RFC 3551 default, or is unusable when dynamic. */
	if (!strncmp(v, "rtpmap:", 7) && rtp) {
		if (interpret_rtpmap(l, v + 7, why, whysz))
			l->kind = SDESC_L_OTHER;
		return 0;
	}

	if (!strncmp(v, "fmtp:", 5)) {
		if (interpret_fmtp(l, v + 5, why, whysz))
			l->kind = SDESC_L_OTHER;
		return 0;
	}

	if (!strncmp(v, "ptime:", 6)) {
		const char *n = v + 6, *dot = strchr(n, '.');
		uint64_t ms, frac;

		/* integer milliseconds; a fraction is tolerated, dropped */
		if (sdesc_num(n, dot ? (size_t)(dot - n) : strlen(n), 100000,
			      &ms) || (dot && sdesc_num(dot + 1, strlen(dot + 1),
							UINT64_MAX, &frac)))
			return 0;   /* unreadable: kept, not used */
		l->kind = SDESC_L_PTIME;
		l->u.ptime = (uint32_t)ms;
		return 0;
	}

	return 0;
}

int sdesc_line_interpret(struct sdesc_line *l, bool rtp, char *why,
			 size_t whysz)
{
	const char *v, *p;
	uint64_t x;

	if (!l)
		return EINVAL;

	v = l->val;
	l->kind = SDESC_L_OTHER;

	switch (l->type) {

	case 'c':
		return interpret_conn(l, why, whysz);

	case 'a':
		return interpret_attr(l, rtp, why, whysz);

	case 'b':
		/* <bwtype>:<bandwidth> */
		p = strchr(v, ':');
		if (!p || p == v || sdesc_num(p + 1, strlen(p + 1),
					       UINT64_MAX, &x)) {
			re_snprintf(why, whysz, "bad bandwidth '%s'", v);
			return EBADMSG;
		}
		return 0;

	case 't':
		/* <start-time> <stop-time> */
		p = strchr(v, ' ');
		if (!p || sdesc_num(v, (size_t)(p - v), UINT64_MAX, &x)
		    || sdesc_num(p + 1, strlen(p + 1), UINT64_MAX, &x)) {
			re_snprintf(why, whysz, "bad timing '%s'", v);
			return EBADMSG;
		}
		return 0;

	default:
		return 0;
	}
}

struct sdesc_line *sdesc_line_find(const struct list *lines,
				   enum sdesc_lkind kind)
{
	struct le *le;

	for (le = list_head(lines); le; le = le->next) {
		struct sdesc_line *l = le->data;

		if (l->kind == kind)
			return l;
	}

	return NULL;
}

/*
 * Replace the first line of this kind with "type=val", or insert one: c=
 * goes before the first b=, t=, r=, z=, k= or a= line (RFC 4566 order), an
 * attribute at the end.
 */
int sdesc_line_set(struct list *lines, char type, enum sdesc_lkind kind,
		   const char *val)
{
	struct sdesc_line *l = NULL, *old;
	char why[128];
	struct le *le;
	int err;

	if (!lines || !val)
		return EINVAL;

	err = sdesc_line_add(&l, lines, type, val, strlen(val));
	if (err)
		return err;

	err = sdesc_line_interpret(l, true, why, sizeof(why));
	if (err || l->kind != kind) {
		err = EINVAL;
		goto out;
	}

	old = sdesc_line_find(lines, kind);
	if (old != l) {
		list_unlink(&l->le);
		list_insert_before(lines, &old->le, &l->le, l);
		mem_deref(old);
		goto out;
	}

	if (type != 'c')
		goto out;

	for (le = list_head(lines); le && le != &l->le; le = le->next) {
		struct sdesc_line *x = le->data;

		if (strchr("btrzka", x->type)) {
			list_unlink(&l->le);
			list_insert_before(lines, le, &l->le, l);
			break;
		}
	}

 out:
	if (err)
		mem_deref(l);

	return err;
}
