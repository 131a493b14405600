/*
 * message/sipfrag bodies (RFC 3420), as REFER's NOTIFYs carry them (RFC
 * 3515 §2.4.5): a status line, then maybe header fields, then maybe an
 * empty line and a body. We read the status code, look up a header by
 * name and find the body, for the referrer of a handoff (the final
 * NOTIFY names the new dialog and carries the device's playout report).
 * The body is untrusted: every read is bounded by its length; a line
 * without a colon, or a status line that is not "SIP/2.0 NNN", makes it
 * unreadable (EBADMSG).
 */
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

/* One line of rest, without its CRLF (or LF); false at the end. */
static bool next_line(struct pl *rest, struct pl *line, bool *eol)
{
	const char *nl;

	if (!rest->l)
		return false;
	nl = memchr(rest->p, '\n', rest->l);
	line->p = rest->p;
	line->l = nl ? (size_t)(nl - rest->p) : rest->l;
	pl_advance(rest, nl ? line->l + 1 : line->l);
	if (line->l && line->p[line->l - 1] == '\r')
		line->l--;
	*eol = nl != NULL;
	return true;
}

int sipfrag_decode(struct sipfrag *f, const struct pl *pl)
{
	struct pl rest, line;
	bool eol;

	if (!f || !pl || !pl->p)
		return EINVAL;
	memset(f, 0, sizeof(*f));
	if (pl->l > SIPHDR_MAXFRAG)
		return EBADMSG;
	rest = *pl;

	if (!next_line(&rest, &line, &eol) || line.l < 11 ||
	    memcmp(line.p, "SIP/2.0 ", 8) || (line.l > 11 && line.p[11] != ' '))
		return EBADMSG;
	for (int i = 8; i < 11; i++) {
		if (line.p[i] < '0' || line.p[i] > '9')
			return EBADMSG;
		f->scode = f->scode * 10 + (uint16_t)(line.p[i] - '0');
	}
	if (f->scode < 100 || f->scode > 699)
		return EBADMSG;
	f->reason.p = line.p + MIN(line.l, (size_t)12);
	f->reason.l = line.l > 12 ? line.l - 12 : 0;

	f->headers.p = rest.p;
	while (next_line(&rest, &line, &eol)) {
		if (!line.l) {   /* the empty line: the body follows */
			f->body = rest;
			break;
		}
		if (!memchr(line.p, ':', line.l))
			return EBADMSG;
		f->headers.l = (size_t)(line.p + line.l - f->headers.p);
	}
	return 0;
}

bool sipfrag_header(const struct sipfrag *f, const char *name,
		    struct pl *val)
{
	struct pl rest, line, nm;
	bool eol;

	if (!f || !name || !val)
		return false;
	rest = f->headers;
	while (next_line(&rest, &line, &eol)) {
		const char *colon = memchr(line.p, ':', line.l);

		if (!colon)
			continue;
		nm.p = line.p;
		nm.l = (size_t)(colon - line.p);
		while (nm.l && (nm.p[nm.l - 1] == ' ' || nm.p[nm.l - 1] == '\t'))
			nm.l--;
		if (pl_strcasecmp(&nm, name))
			continue;
		val->p = colon + 1;
		val->l = (size_t)(line.p + line.l - val->p);
		while (val->l && (val->p[0] == ' ' || val->p[0] == '\t'))
			pl_advance(val, 1);
		return true;
	}
	return false;
}
