/*
 * The placement model: where each m-line of the call is, and the SDP that
 * follows from it (see place.h). Nothing here sends anything.
 */
#include <string.h>
#include <re.h>
#include "place.h"

bool place_elsewhere(const struct place *p)
{
	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		if (p->line[i].dev)
			return true;
	}
	return false;
}

bool place_self_holds(const struct place *p, const struct sdesc *sd,
		      enum sdesc_mtype type)
{
	for (unsigned i = 0; i < sdesc_media_count(sd) && i < MN_MAX_LINES;
	     i++) {
		const struct sdesc_media *m = sdesc_media(sd, i);

		if (!p->line[i].dev && sdesc_media_port(m) &&
		    sdesc_media_type(m) == type)
			return true;
	}
	return false;
}

bool place_dev_holds(const struct place *p, const struct devleg *d)
{
	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		if (d && p->line[i].dev == d)
			return true;
	}
	return false;
}

unsigned place_lines_of(const struct sdesc *sd, const char *type,
			unsigned *v, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < sdesc_media_count(sd) && n < max; i++) {
		const struct sdesc_media *m = sdesc_media(sd, i);

		if (sdesc_media_port(m) && !strcmp(sdesc_media_name(m), type))
			v[n++] = i;
	}
	return n;
}

static const struct devleg *holder_of(const struct place *p, unsigned i)
{
	return i < MN_MAX_LINES ? p->line[i].dev : NULL;
}

int place_restrict(struct sdesc **outp, const struct sdesc *sd,
		   const struct place *p, const struct devleg *holder)
{
	struct sdesc *out;
	int err;

	err = sdesc_dup(&out, sd);
	for (unsigned i = 0; !err && i < sdesc_media_count(out); i++) {
		/* lines past the model's end stay with the MN */
		if (holder_of(p, i) != holder)
			err = sdesc_media_disable(sdesc_media(out, i));
	}
	if (err)
		mem_deref(out);
	else
		*outp = out;
	return err;
}

/* A display gets what the CN sends, a camera what the CN receives. */
static int restrict_dir(struct sdesc_media *m, enum line_role role)
{
	enum sdesc_dir d = sdesc_media_dir(m);

	if (role == ROLE_OUT)
		return sdesc_media_set_dir(m, d & SDESC_SENDONLY);
	if (role == ROLE_IN)
		return sdesc_media_set_dir(m, d & SDESC_RECVONLY);
	return 0;
}

int place_invite_offer(struct sdesc **offerp, const struct sdesc *cn,
		       const struct place *cur, const bool *lines,
		       const enum line_role *roles)
{
	struct sdesc *sd;
	unsigned i;
	int err;

	err = sdesc_dup(&sd, cn);
	for (i = 0; !err && i < sdesc_media_count(sd); i++) {
		struct sdesc_media *m = sdesc_media(sd, i);

		if (i >= MN_MAX_LINES || !lines[i])
			err = sdesc_media_disable(m);
		else if (roles[i] == ROLE_WHOLE &&
			 cur->line[i].role != ROLE_WHOLE)
			/* a split medium becomes whole again: the CN's line
			 * is one-way only because of the split */
			err = sdesc_media_set_dir(m, SDESC_SENDRECV);
		else
			err = restrict_dir(m, roles[i]);
	}
	if (err)
		mem_deref(sd);
	else
		*offerp = sd;
	return err;
}

int place_device_view(struct sdesc **outp, const struct sdesc *dev_sdp,
		      const struct sdesc *cn, const struct place *p,
		      const struct devleg *d)
{
	struct sdesc *sd;
	unsigned i;
	int err;

	err = sdesc_dup(&sd, dev_sdp);
	for (i = 0; !err && i < MN_MAX_LINES; i++) {
		const struct placement *pl = &p->line[i];
		const struct sdesc_media *src = sdesc_media(cn, i);

		if (pl->dev != d || !src)
			continue;
		err = sdesc_media_replace(sd, pl->dev_line, src);
		err = err ? err : restrict_dir(sdesc_media(sd, pl->dev_line),
					       pl->role);
	}
	if (err)
		mem_deref(sd);
	else
		*outp = sd;
	return err;
}

int place_from_device(struct sdesc **outp, const struct sdesc *cn_local,
		      const struct place *p, const struct devleg *d,
		      const struct sdesc *dev_sdp)
{
	struct sdesc *sd;
	unsigned i;
	int err;

	err = sdesc_dup(&sd, cn_local);
	for (i = 0; !err && i < MN_MAX_LINES; i++) {
		const struct placement *pl = &p->line[i];
		const struct sdesc_media *src;

		if (pl->dev != d || !sdesc_media(sd, i))
			continue;
		src = sdesc_media(dev_sdp, pl->dev_line);
		err = src ? sdesc_media_replace(sd, i, src) : EPROTO;
	}
	if (err)
		mem_deref(sd);
	else
		*outp = sd;
	return err;
}

static bool plan_has_line(const struct place_plan *plan, unsigned line)
{
	for (unsigned k = 0; k < plan->n; k++) {
		if (plan->item[k].line == line &&
		    plan->item[k].role != ROLE_OUT)
			return true;
	}
	return false;
}

/* Where a display's line goes: the display line of the medium's current
 * split, else a free port-0 line (of the same type first), else a new line
 * at the end. -1: no room. */
static int out_slot(const struct sdesc *sd, const struct place *cur,
		    const struct place *next, const struct place_plan *plan,
		    const char *type)
{
	unsigned i, n = sdesc_media_count(sd);
	int any = -1;

	for (i = 0; i < n && i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m = sdesc_media(sd, i);

		if (cur->line[i].dev && cur->line[i].role == ROLE_OUT &&
		    !strcmp(sdesc_media_name(m), type))
			return (int)i;
	}
	for (i = 0; i < n && i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m = sdesc_media(sd, i);

		if (sdesc_media_port(m) || next->line[i].dev ||
		    plan_has_line(plan, i))
			continue;
		if (!strcmp(sdesc_media_name(m), type))
			return (int)i;
		if (any < 0)
			any = (int)i;
	}
	if (any >= 0)
		return any;
	return n < MN_MAX_LINES ? (int)n : -1;
}

/* A whole medium moves: the display line of its split goes away. */
static int drop_split_lines(struct sdesc *sd, const struct place *cur,
			    struct place *next, const char *type)
{
	int err = 0;

	for (unsigned i = 0; !err && i < sdesc_media_count(sd) &&
		     i < MN_MAX_LINES; i++) {
		struct sdesc_media *m = sdesc_media(sd, i);

		if (cur->line[i].dev && cur->line[i].role == ROLE_OUT &&
		    !strcmp(sdesc_media_name(m), type)) {
			err = sdesc_media_disable(m);
			memset(&next->line[i], 0, sizeof(next->line[i]));
		}
	}
	return err;
}

int place_compose_move(struct sdesc **offerp, struct place *next,
		       const struct sdesc *cn_local, const struct place *cur,
		       const struct place_plan *plan)
{
	struct sdesc *sd;
	unsigned k;
	int err;

	if (!offerp || !next || !cn_local || !cur || !plan)
		return EINVAL;
	err = sdesc_dup(&sd, cn_local);
	if (err)
		return err;
	*next = *cur;

	for (k = 0; !err && k < plan->n; k++) {
		const struct place_item *it = &plan->item[k];
		const struct sdesc_media *m = sdesc_media(it->answer,
							  it->line);
		const char *type;
		int slot;

		if (!m || it->line >= MN_MAX_LINES ||
		    !sdesc_media(sd, it->line)) {
			err = EINVAL;
			break;
		}
		type = sdesc_media_name(sdesc_media(sd, it->line));
		switch (it->role) {

		case ROLE_WHOLE:
			err = drop_split_lines(sd, cur, next, type);
			/* fall through */
		case ROLE_IN:
			err = err ? err : sdesc_media_replace(sd, it->line, m);
			next->line[it->line] = (struct placement){
				it->dev, it->role, it->line};
			break;

		case ROLE_OUT:
			slot = out_slot(sd, cur, next, plan, type);
			if (slot < 0) {
				err = E2BIG;
				break;
			}
			if ((unsigned)slot < sdesc_media_count(sd))
				err = sdesc_media_replace(sd, (unsigned)slot,
							  m);
			else
				err = sdesc_media_copy(NULL, sd, m);
			next->line[slot] = (struct placement){
				it->dev, ROLE_OUT, it->line};
			break;
		}
	}
	if (err)
		mem_deref(sd);
	else
		*offerp = sd;
	return err;
}

static const struct sdesc_media *own_line(const struct sdesc *own,
					  enum sdesc_mtype type)
{
	for (unsigned i = 0; i < sdesc_media_count(own); i++) {
		const struct sdesc_media *m = sdesc_media(own, i);

		if (sdesc_media_type(m) == type && sdesc_media_port(m))
			return m;
	}
	return NULL;
}

/* Whether type is a word of the comma-separated list (NULL: all). */
static bool named(const char *media, const char *type)
{
	size_t n = strlen(type);
	const char *p = media;

	if (!media)
		return true;
	while ((p = strstr(p, type))) {
		if ((p == media || p[-1] == ',') && (!p[n] || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

int place_compose_retrieve(struct sdesc **offerp, struct place *next,
			   const struct sdesc *cn_local,
			   const struct place *cur, const struct sdesc *own,
			   const char *media)
{
	struct sdesc *sd;
	bool any = false;
	unsigned i;
	int err;

	if (!offerp || !next || !cn_local || !cur || !own)
		return EINVAL;
	err = sdesc_dup(&sd, cn_local);
	if (err)
		return err;
	*next = *cur;

	for (i = 0; !err && i < sdesc_media_count(sd) && i < MN_MAX_LINES;
	     i++) {
		struct sdesc_media *m = sdesc_media(sd, i);
		const struct sdesc_media *mine;

		if (!cur->line[i].dev || !sdesc_media_port(m) ||
		    !named(media, sdesc_media_name(m)))
			continue;
		any = true;
		mine = own_line(own, sdesc_media_type(m));
		if (cur->line[i].role == ROLE_OUT || !mine)
			err = sdesc_media_disable(m);   /* a split's extra */
		else
			err = sdesc_media_replace(sd, i, mine);
		memset(&next->line[i], 0, sizeof(next->line[i]));
	}
	if (!err && !any)
		err = ENOENT;
	if (err)
		mem_deref(sd);
	else
		*offerp = sd;
	return err;
}

int place_answer_cn(struct sdesc **ansp, const struct sdesc *offer,
		    const struct sdesc *cn_local, const struct place *p,
		    const struct sdesc *self_ans, place_answer_of_h *ansh,
		    void *arg)
{
	unsigned i, n = sdesc_media_count(offer);
	struct sdesc *sd;
	int err;

	if (n < sdesc_media_count(cn_local))
		return EPROTO;   /* RFC 3264 §8: lines are never removed */
	err = sdesc_dup(&sd, cn_local);
	if (err)
		return err;

	for (i = 0; !err && i < n; i++) {
		const struct sdesc_media *om = sdesc_media(offer, i);
		const struct devleg *d = holder_of(p, i);
		const struct sdesc_media *src = NULL;

		if (sdesc_media_port(om)) {
			if (d)
				src = sdesc_media(ansh(d, arg),
						  p->line[i].dev_line);
			else
				src = sdesc_media(self_ans, i);
		}
		if (!src)
			src = om;   /* refused below */

		if (i < sdesc_media_count(sd))
			err = sdesc_media_replace(sd, i, src);
		else
			err = sdesc_media_copy(NULL, sd, src);
		if (!err && (src == om || !sdesc_media_port(om)))
			err = sdesc_media_disable(sdesc_media(sd, i));
	}
	if (err)
		mem_deref(sd);
	else
		*ansp = sd;
	return err;
}

/* The telephone-event payload type of a line, or -1. */
static int event_pt(const struct sdesc_media *m)
{
	struct sdesc_codec c;

	for (unsigned i = 0; i < sdesc_media_fmtc(m); i++) {
		if (!sdesc_media_codec(m, i, &c) && c.name &&
		    !str_casecmp(c.name, "telephone-event"))
			return c.pt;
	}
	return -1;
}

static bool line_differs(const struct sdesc_media *a,
			 const struct sdesc_media *b)
{
	struct sdesc_codec ca, cb;
	struct sa sa, sb;
	bool na, nb;

	if (!a || !b)
		return a != b;
	if (sdesc_media_port(a) != sdesc_media_port(b))
		return true;
	if (!sdesc_media_port(a))
		return false;   /* both off */
	if (sdesc_media_raddr(a, &sa) || sdesc_media_raddr(b, &sb) ||
	    !sa_cmp(&sa, &sb, SA_ALL))
		return true;
	if (sdesc_media_dir(a) != sdesc_media_dir(b))
		return true;
	na = !sdesc_media_negotiated(a, &ca);
	nb = !sdesc_media_negotiated(b, &cb);
	if (na != nb || (na && (!sdesc_codec_match(&ca, &cb) ||
				ca.pt != cb.pt)))
		return true;
	return event_pt(a) != event_pt(b);
}

bool place_view_differs(const struct sdesc *a, const struct sdesc *b)
{
	unsigned i, n = sdesc_media_count(a);

	if (n != sdesc_media_count(b))
		return true;
	for (i = 0; i < n; i++) {
		if (line_differs(sdesc_media(a, i), sdesc_media(b, i)))
			return true;
	}
	return false;
}
