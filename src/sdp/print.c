/*
 * Printing a description: v=, o=, the session lines, then each m= line and
 * its lines, every line ended by CRLF (RFC 4566 §5). The parsed m= and o=
 * lines are printed from their fields (they are what compose changes);
 * every other line from its verbatim text, so print(parse(x)) == x for an
 * x that has CRLF line ends, single spaces in m= and o=, and no blank lines.
 */
#include "sdesc_priv.h"

static int print_lines(struct re_printf *pf, const struct list *lines)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(lines, le) {
		const struct sdesc_line *l = le->data;

		err |= re_hprintf(pf, "%c=%s\r\n", l->type, l->val);
	}

	return err;
}

static int print_media(struct re_printf *pf, const struct sdesc_media *m)
{
	int err;

	err = re_hprintf(pf, "m=%s %u", m->name, m->port);
	if (m->portc)
		err |= re_hprintf(pf, "/%u", m->portc);
	err |= re_hprintf(pf, " %s", m->proto);
	for (unsigned i = 0; i < m->fmtc; i++)
		err |= re_hprintf(pf, " %s", m->fmtv[i].id);
	err |= re_hprintf(pf, "\r\n");
	err |= print_lines(pf, &m->lines);

	return err;
}

/** Print a description, for re_printf's "%H" */
int sdesc_print(struct re_printf *pf, const struct sdesc *sd)
{
	struct le *le;
	int err;

	if (!sd)
		return EINVAL;

	err = re_hprintf(pf, "v=0\r\n");
	if (sd->has_origin)
		err |= re_hprintf(pf, "o=%s %s %llu %s\r\n", sd->o_user,
				  sd->o_id, (unsigned long long)sd->o_ver,
				  sd->o_addr);
	err |= print_lines(pf, &sd->lines);

	LIST_FOREACH(&sd->medial, le)
		err |= print_media(pf, le->data);

	return err;
}

/** Print a description into a new mbuf (position 0) */
int sdesc_encode(struct mbuf **mbp, const struct sdesc *sd)
{
	struct mbuf *mb;
	int err;

	if (!mbp || !sd)
		return EINVAL;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "%H", sdesc_print, sd);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}
