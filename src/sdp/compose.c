/*
 * 3PCC composition (RFC 3725; spec §5.2.1-5.2.3, RFC 5631 §5.3): the mobile
 * node builds the re-offer to the correspondent node out of m= lines that
 * local devices answered with. A copied m= line takes its effective c= and
 * direction with it (as media-level lines where what it would inherit in
 * its new description differs), so an audio line from device A and a video
 * line from device B each keep their own address (§5.2.2).
 *
 * sdesc_merge() follows RFC 3264 §8 for a re-offer: the m= lines of the
 * current description keep their number and order; each given line takes
 * the first free line of the same media type (a line with port 0 only
 * when no active one is free); a current line no given line takes stays,
 * disabled with port 0 (§8.2), never deleted; given lines with no line to
 * take are appended (§8.1). The o= is the current one with the version
 * raised by one (§8).
 */
#include <string.h>
#include "sdesc_priv.h"

/**
 * Take prev's o= line (user, sess-id, address) with its version plus one,
 * as every new description of the same session must (RFC 3264 §8).
 */
int sdesc_version_bump(struct sdesc *sd, const struct sdesc *prev)
{
	char *u = NULL, *i = NULL, *a = NULL;
	int err;

	if (!sd || !prev || !prev->has_origin)
		return EINVAL;
	if (prev->o_ver == UINT64_MAX)
		return EOVERFLOW;

	err  = str_dup(&u, prev->o_user);
	err |= str_dup(&i, prev->o_id);
	err |= str_dup(&a, prev->o_addr);
	if (err) {
		mem_deref(u);
		mem_deref(i);
		mem_deref(a);
		return ENOMEM;
	}

	mem_deref(sd->o_user);
	mem_deref(sd->o_id);
	mem_deref(sd->o_addr);
	sd->o_user = u;
	sd->o_id = i;
	sd->o_addr = a;
	sd->o_ver = prev->o_ver + 1;
	sd->has_origin = true;

	return 0;
}

/** Append a copy of src (with its effective c= and direction) to dst */
int sdesc_media_copy(struct sdesc_media **mp, struct sdesc *dst,
		     const struct sdesc_media *src)
{
	return sdesc_media_dup_into(mp, dst, src, true);
}

/** Replace m= line idx of dst by a copy of src, in the same place */
int sdesc_media_replace(struct sdesc *dst, unsigned idx,
			const struct sdesc_media *src)
{
	struct sdesc_media *old, *m;
	struct le *next;
	int err;

	old = sdesc_media(dst, idx);
	if (!old || !src)
		return EINVAL;

	/* take old out first, so that the media limit counts one line */
	next = old->le.next;
	list_unlink(&old->le);

	err = sdesc_media_dup_into(&m, dst, src, true);
	if (err) {
		m = old;
		old = NULL;
	}
	else {
		list_unlink(&m->le);
	}

	if (next)
		list_insert_before(&dst->medial, next, &m->le, m);
	else
		list_append(&dst->medial, &m->le, m);

	mem_deref(old);
	return err;
}

/* The slot of cur that m takes: first free one of its type and name that
 * is active, else first free one with port 0; -1 for none */
static int find_slot(const struct sdesc *cur, const bool *taken,
		     const struct sdesc_media *m)
{
	int first0 = -1, i = 0;
	struct le *le;

	LIST_FOREACH(cur ? &cur->medial : NULL, le) {
		const struct sdesc_media *cm = le->data;

		if (!taken[i] && !str_casecmp(cm->name, m->name)) {
			if (cm->port)
				return i;
			if (first0 < 0)
				first0 = i;
		}
		++i;
	}

	return first0;
}

/**
 * Merge m= lines taken from several descriptions into a re-offer.
 *
 * @param outp  the new description
 * @param cur   the current description of the session (what we sent last)
 *              or NULL for a new one; it gives o=, order and the session
 *              lines (except c= and direction, which each m= line now
 *              carries itself)
 * @param mv    the m= lines to use, e.g. audio from device A's answer and
 *              video from device B's
 * @param mc    their count
 *
 * @return 0, EINVAL, ENOMEM, EOVERFLOW (too many m= lines or versions)
 */
int sdesc_merge(struct sdesc **outp, const struct sdesc *cur,
		const struct sdesc_media * const *mv, size_t mc)
{
	const struct sdesc_media **slotv = NULL;
	int *mslot = NULL;
	struct sdesc *sd = NULL;
	unsigned n = sdesc_media_count(cur);
	bool *taken = NULL;
	struct le *le;
	int err;

	if (!outp || (!mv && mc))
		return EINVAL;
	for (size_t i = 0; i < mc; i++) {
		if (!mv[i])
			return EINVAL;
	}

	slotv = mem_zalloc((n + 1) * sizeof(*slotv), NULL);
	taken = mem_zalloc(n + 1, NULL);
	mslot = mem_zalloc((mc + 1) * sizeof(*mslot), NULL);
	if (!slotv || !taken || !mslot) {
		err = ENOMEM;
		goto out;
	}

	err = sdesc_alloc(&sd);
	if (err)
		goto out;

	if (cur && cur->has_origin) {
		err = sdesc_version_bump(sd, cur);
	}
	else {
		struct sa addr;

		if (!mc || sdesc_media_raddr(mv[0], &addr))
			sa_set_str(&addr, "0.0.0.0", 0);
		err = sdesc_origin_new(sd, NULL, NULL, &addr);
	}
	if (err)
		goto out;

	if (cur) {
		LIST_FOREACH(&cur->lines, le) {
			const struct sdesc_line *l = le->data;
			struct sdesc_line *nl;

			if (l->kind == SDESC_L_CONN || l->kind == SDESC_L_DIR)
				continue;
			err = sdesc_line_add(&nl, &sd->lines, l->type, l->val,
					     strlen(l->val));
			if (err)
				goto out;
			nl->kind = l->kind;
			nl->u = l->u;
		}
	}
	else {
		err = sdesc_session_lines(sd, NULL, NULL);
		if (err)
			goto out;
	}

	for (size_t i = 0; i < mc; i++) {
		int s = find_slot(cur, taken, mv[i]);

		mslot[i] = s;
		if (s >= 0) {
			taken[s] = true;
			slotv[s] = mv[i];
		}
	}

	for (unsigned i = 0; i < n; i++) {
		struct sdesc_media *m;

		if (slotv[i]) {
			err = sdesc_media_copy(NULL, sd, slotv[i]);
		}
		else {
			err = sdesc_media_copy(&m, sd, sdesc_media(cur, i));
			if (!err)
				err = sdesc_media_disable(m);
		}
		if (err)
			goto out;
	}

	for (size_t i = 0; i < mc; i++) {
		if (mslot[i] >= 0)
			continue;

		err = sdesc_media_copy(NULL, sd, mv[i]);
		if (err)
			goto out;
	}

 out:
	mem_deref(slotv);
	mem_deref(taken);
	mem_deref(mslot);
	if (err)
		mem_deref(sd);
	else
		*outp = sd;

	return err;
}

/** Give sd the origin of `origin` (user, session id, address) with o= version
 *  ver: the controller stamps what it sends on one leg with that leg's own
 *  counter (RFC 3264 §8: one version sequence per session). */
int sdesc_version_set(struct sdesc *sd, const struct sdesc *origin,
		      uint64_t ver)
{
	int err;

	if (!sd || !origin || !origin->has_origin || !ver)
		return EINVAL;
	err = sdesc_version_bump(sd, origin);
	if (!err)
		sd->o_ver = ver;
	return err;
}

static bool print_equal(const struct sdesc *a, const struct sdesc *b)
{
	char *sa = NULL, *sb = NULL;
	bool eq;

	if (re_sdprintf(&sa, "%H", sdesc_print, a) ||
	    re_sdprintf(&sb, "%H", sdesc_print, b))
		eq = false;
	else
		eq = !strcmp(sa, sb);
	mem_deref(sa);
	mem_deref(sb);
	return eq;
}

/** Whether a and b say the same but for the o= version (RFC 3264 §8: an
 *  unchanged description keeps its version). */
bool sdesc_same_content(const struct sdesc *a, const struct sdesc *b)
{
	struct sdesc *d = NULL;
	bool eq;

	if (!a || !b)
		return a == b;
	if (sdesc_dup(&d, a))
		return false;
	d->o_ver = b->o_ver;
	eq = print_equal(d, b);
	mem_deref(d);
	return eq;
}

/** Stamps sd, about to be sent on a leg whose last accepted description is
 *  last, with its o= version: last's when the content is the same, else
 *  the next value of the leg's counter, which only goes up, so a refused
 *  offer's version is never used again (RFC 3264 §8). */
int sdesc_version_next(struct sdesc *sd, const struct sdesc *last,
		       uint64_t *counter)
{
	if (!sd || !counter)
		return EINVAL;
	if (!last)
		return 0;
	if (sdesc_same_content(sd, last))
		return sdesc_version_set(sd, last, last->o_ver);
	if (*counter < last->o_ver)
		*counter = last->o_ver;
	if (*counter == UINT64_MAX)
		return EOVERFLOW;
	return sdesc_version_set(sd, last, ++*counter);
}
