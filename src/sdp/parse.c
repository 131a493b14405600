/*
 * The SDP parser (RFC 4566). Input is network data: it is read only within
 * (buf, len), line by line, with LF or CRLF line ends; blank lines are
 * skipped. Lines are never reordered: every one is kept verbatim beside its
 * parsed value. The checks are those a 3PCC controller needs to trust what
 * it forwards: v=0 first, o= (if any) right after it, known type letters
 * only (RFC 4566 §5: an unknown type letter rejects the description), no
 * session-only lines inside a media section, no control characters (NUL
 * included), numbers that fit, well-formed c=, m=, rtpmap, fmtp, ptime,
 * b= and t=, one c= and one direction per level. The first failure gives
 * EBADMSG and a message "line N: x=: reason" in the caller's buffer.
 */
#include <string.h>
#include "sdesc_priv.h"

struct parser {
	struct sdesc *sd;
	struct sdesc_media *m;      /* current media section, or NULL  */
	unsigned lineno;
	bool have_v;
	char *err;
	size_t errsz;
};

static int fail(struct parser *p, char type, const char *why)
{
	if (p->err && p->errsz) {
		if (type)
			re_snprintf(p->err, p->errsz, "line %u: %c=: %s",
				    p->lineno, type, why);
		else
			re_snprintf(p->err, p->errsz, "line %u: %s",
				    p->lineno, why);
	}

	return EBADMSG;
}

/* Split v (n bytes) at single spaces into at most max tokens; returns the
 * count, or -1 on an empty token (two spaces, leading or trailing space). */
static int split(const char *v, size_t n, const char **tokv, size_t *lenv,
		 int max)
{
	int c = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != ' ')
			continue;
		if (i == start || c == max)
			return -1;
		tokv[c] = v + start;
		lenv[c] = i - start;
		++c;
		start = i + 1;
	}

	return c;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <addr> */
static int parse_origin(struct parser *p, const char *v, size_t n)
{
	const char *tokv[6];
	size_t lenv[6];
	char user[256], id[SDESC_MAXTOKEN], tmp[256];
	uint64_t ver;
	struct sdesc *sd = p->sd;

	if (split(v, n, tokv, lenv, 6) != 6)
		return fail(p, 'o', "expected 6 fields");
	if (sdesc_token(user, sizeof(user), tokv[0], lenv[0]))
		return fail(p, 'o', "bad username");
	if (sdesc_num(tokv[1], lenv[1], UINT64_MAX, &ver)
	    || sdesc_token(id, sizeof(id), tokv[1], lenv[1]))
		return fail(p, 'o', "bad sess-id");
	if (sdesc_num(tokv[2], lenv[2], UINT64_MAX, &ver))
		return fail(p, 'o', "bad sess-version");
	if (sdesc_token(tmp, sizeof(tmp), tokv[3], lenv[3])
	    || sdesc_token(tmp, sizeof(tmp), tokv[4], lenv[4])
	    || sdesc_token(tmp, sizeof(tmp), tokv[5], lenv[5]))
		return fail(p, 'o', "bad address");

	if (str_dup(&sd->o_user, user) || str_dup(&sd->o_id, id))
		return ENOMEM;
	sd->o_addr = mem_alloc((size_t)(v + n - tokv[3]) + 1, NULL);
	if (!sd->o_addr)
		return ENOMEM;
	memcpy(sd->o_addr, tokv[3], (size_t)(v + n - tokv[3]));
	sd->o_addr[v + n - tokv[3]] = '\0';
	sd->o_ver = ver;
	sd->has_origin = true;

	return 0;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int parse_media(struct parser *p, const char *v, size_t n)
{
	const char *tokv[3 + SDESC_MAXFMT];
	size_t lenv[3 + SDESC_MAXFMT];
	char name[SDESC_MAXTOKEN], proto[SDESC_MAXTOKEN], fmt[SDESC_MAXTOKEN];
	char why[128];
	const char *slash;
	uint64_t port, portc = 0;
	int c, err;

	c = split(v, n, tokv, lenv, 3 + SDESC_MAXFMT);
	if (c < 0)
		return fail(p, 'm', "empty field or too many formats");
	if (c < 4)
		return fail(p, 'm', "expected media, port, proto and formats");

	if (sdesc_token(name, sizeof(name), tokv[0], lenv[0]))
		return fail(p, 'm', "bad media type");

	slash = memchr(tokv[1], '/', lenv[1]);
	if (sdesc_num(tokv[1], slash ? (size_t)(slash - tokv[1]) : lenv[1],
		      65535, &port)
	    || (slash && (sdesc_num(slash + 1,
				    lenv[1] - (size_t)(slash + 1 - tokv[1]),
				    65535, &portc) || portc == 0))) {
		re_snprintf(why, sizeof(why), "bad port '%b'",
			    tokv[1], lenv[1]);
		return fail(p, 'm', why);
	}

	if (sdesc_token(proto, sizeof(proto), tokv[2], lenv[2]))
		return fail(p, 'm', "bad proto");

	err = sdesc_media_add(&p->m, p->sd, name, (uint16_t)port, proto);
	if (err == EOVERFLOW)
		return fail(p, 'm', "too many media");
	if (err)
		return err;
	p->m->portc = (uint16_t)portc;

	for (int i = 3; i < c; i++) {
		if (sdesc_token(fmt, sizeof(fmt), tokv[i], lenv[i])
		    || sdesc_media_add_fmt(p->m, fmt)) {
			re_snprintf(why, sizeof(why), "bad format '%b'",
				    tokv[i], lenv[i]);
			return fail(p, 'm', why);
		}
	}

	return 0;
}

static int parse_line(struct parser *p, char type, const char *v, size_t n)
{
	struct list *lines = p->m ? &p->m->lines : &p->sd->lines;
	struct sdesc_line *l;
	char why[160];
	int err;

	if (!p->have_v) {
		if (type != 'v')
			return fail(p, type, "first line must be v=");
		if (n != 1 || v[0] != '0')
			return fail(p, 'v', "unsupported version");
		p->have_v = true;
		return 0;
	}

	switch (type) {

	case 'v':
		return fail(p, 'v', "repeated");

	case 'o':
		if (p->m || p->sd->has_origin || list_head(&p->sd->lines))
			return fail(p, 'o', "must directly follow v=");
		return parse_origin(p, v, n);

	case 'm':
		return parse_media(p, v, n);

	case 's': case 'u': case 'e': case 'p': case 't': case 'r': case 'z':
		if (p->m)
			return fail(p, type, "not allowed in a media section");
		break;

	case 'i': case 'c': case 'b': case 'k': case 'a':
		break;

	default:
		return fail(p, type, "unknown type");
	}

	err = sdesc_line_add(&l, lines, type, v, n);
	if (err)
		return err;

	err = sdesc_line_interpret(l, p->m && sdesc_proto_is_rtp(p->m->proto),
				   why, sizeof(why));
	if (err)
		return fail(p, type, why);

	if ((l->kind == SDESC_L_CONN || l->kind == SDESC_L_DIR)
	    && sdesc_line_find(lines, l->kind) != l)
		return fail(p, type, l->kind == SDESC_L_CONN ?
			    "second c= at this level" :
			    "second direction at this level");

	return 0;
}

/**
 * Parse an SDP body.
 *
 * @param sdp    the new description on success
 * @param buf    the body (need not be NUL-terminated)
 * @param len    its length
 * @param err    buffer for a message naming the bad line, or NULL
 * @param errsz  size of err
 *
 * @return 0, EBADMSG when the body is malformed, or ENOMEM / EINVAL
 */
int sdesc_parse(struct sdesc **sdp, const uint8_t *buf, size_t len,
		char *err, size_t errsz)
{
	struct parser p = {.err = err, .errsz = errsz};
	size_t pos = 0;
	int e;

	if (err && errsz)
		err[0] = '\0';
	if (!sdp || (!buf && len))
		return EINVAL;

	e = sdesc_alloc(&p.sd);
	if (e)
		return e;

	while (pos < len) {
		const char *line = (const char *)buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		++p.lineno;

		if (n && line[n - 1] == '\r')
			--n;
		if (!n)
			continue;

		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)line[i];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				char why[48];

				re_snprintf(why, sizeof(why),
					    "control character 0x%02x at "
					    "column %u", ch, (unsigned)i + 1);
				e = fail(&p, 0, why);
				goto out;
			}
		}

		if (n < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
			e = fail(&p, 0, "not a 'x=value' line");
			goto out;
		}

		e = parse_line(&p, line[0], line + 2, n - 2);
		if (e)
			goto out;
	}

	if (!p.have_v) {
		p.lineno = 1;
		e = fail(&p, 0, "empty description");
	}

 out:
	if (e)
		mem_deref(p.sd);
	else
		*sdp = p.sd;

	return e;
}
