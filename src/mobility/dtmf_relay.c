/*
 * The application/dtmf-relay body of a SIP INFO (dtmf_relay.h): lines of
 * Name=Value, CRLF or LF, names in any case, blanks around either side.
 * It is network input: every line is bounded by the body's length, a NUL
 * or a line without '=' refuses the body, and so do a missing, repeated or
 * non-digit Signal and a Duration that is no number of 0..65535. Names we
 * do not know are skipped, so a sender's extra lines do not cost the digit.
 */
#include <string.h>
#include <re.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/dtmf_relay.h>

static void trim(struct pl *pl)
{
	while (pl->l && (pl->p[0] == ' ' || pl->p[0] == '\t')) {
		pl->p++;
		pl->l--;
	}
	while (pl->l && (pl->p[pl->l - 1] == ' ' ||
			 pl->p[pl->l - 1] == '\t' ||
			 pl->p[pl->l - 1] == '\r'))
		pl->l--;
}

static int duration(const struct pl *v, uint32_t *ms)
{
	uint32_t n = 0;

	if (!v->l || v->l > 5)
		return EBADMSG;
	for (size_t i = 0; i < v->l; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return EBADMSG;
		n = n * 10 + (uint32_t)(v->p[i] - '0');
	}
	if (n > 65535)
		return EBADMSG;
	*ms = n;
	return 0;
}

int dtmf_relay_decode(const char *p, size_t len, char *digit,
		      uint32_t *duration_ms)
{
	const char *end = p + len;
	bool have_sig = false, have_dur = false;
	uint32_t dur = 0;
	char sig = 0;

	if ((!p && len) || !digit)
		return EINVAL;
	if (memchr(p, '\0', len))
		return EBADMSG;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		struct pl line = {p, (size_t)(eol - p)}, name, val;

		p = nl ? nl + 1 : end;
		trim(&line);
		if (!line.l)
			continue;
		if (!eq)
			return EBADMSG;
		name.p = line.p;
		name.l = (size_t)(eq - line.p);
		val.p = eq + 1;
		val.l = (size_t)(line.p + line.l - val.p);
		trim(&name);
		trim(&val);

		if (!pl_strcasecmp(&name, "Signal")) {
			if (have_sig || val.l != 1 || dtmf_code(val.p[0]) < 0)
				return EBADMSG;
			sig = val.p[0];
			have_sig = true;
		}
		else if (!pl_strcasecmp(&name, "Duration")) {
			if (have_dur || duration(&val, &dur))
				return EBADMSG;
			have_dur = true;
		}
	}
	if (!have_sig)
		return EBADMSG;

	*digit = dtmf_digit((uint8_t)dtmf_code(sig));
	if (duration_ms)
		*duration_ms = dur;
	return 0;
}

int dtmf_relay_encode(struct mbuf **mbp, char digit, uint32_t duration_ms)
{
	struct mbuf *mb;
	int err;

	if (!mbp || dtmf_code(digit) < 0 || duration_ms > 65535)
		return EINVAL;
	mb = mbuf_alloc(32);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "Signal=%c\r\nDuration=%u\r\n",
			  dtmf_digit((uint8_t)dtmf_code(digit)), duration_ms);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;
	return 0;
}
