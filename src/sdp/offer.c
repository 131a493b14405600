/*
 * Our offer (RFC 3264 §5) from the media we can handle locally. A first
 * offer has one m= line per local medium, in the given order. A re-offer
 * (prev = the description we sent last in this session) keeps prev's o=
 * with the version raised by one, and its m= lines in number and order
 * (§8): each line is filled by the first unused local medium of its type,
 * a line with no such medium stays as it was with port 0 (§8.2), and the
 * local media left over are appended (§8.1).
 */
#include "sdesc_priv.h"

static int offer_media(struct sdesc *sd, const struct sdesc_lmedia *lm)
{
	return sdesc_media_build(NULL, sd, lm, lm->codecv, lm->codecc,
				 lm->dir);
}

/**
 * Build an offer.
 *
 * @param offerp  the new description
 * @param prev    our previous description in this session, or NULL
 * @param user    o= username for a new session ("-" when NULL)
 * @param lmv     local media (at least one: its address goes into o= and
 *                the session c=)
 * @param lmc     their count
 *
 * @return 0, EINVAL, ENOMEM, or EOVERFLOW when prev's version is at its
 *         maximum
 */
int sdesc_offer(struct sdesc **offerp, const struct sdesc *prev,
		const char *user, const struct sdesc_lmedia *lmv, size_t lmc)
{
	struct sdesc *sd = NULL;
	bool *used = NULL;
	struct le *le;
	int err;

	if (!offerp || !lmv || !lmc)
		return EINVAL;

	for (size_t i = 0; i < lmc; i++) {
		if (!lmv[i].addr)
			return EINVAL;
	}

	used = mem_zalloc(lmc * sizeof(*used), NULL);
	if (!used)
		return ENOMEM;

	err = sdesc_alloc(&sd);
	if (err)
		goto out;

	err = sdesc_origin_new(sd, prev, user, lmv[0].addr);
	if (err)
		goto out;

	err = sdesc_session_lines(sd, lmv[0].addr, NULL);
	if (err)
		goto out;

	LIST_FOREACH(prev ? &prev->medial : NULL, le) {
		const struct sdesc_media *pm = le->data;
		struct sdesc_media *m;
		size_t i;

		for (i = 0; i < lmc; i++) {
			if (!used[i] && lmv[i].type == pm->type
			    && pm->type != SDESC_OTHER)
				break;
		}

		if (i < lmc) {
			used[i] = true;
			err = offer_media(sd, &lmv[i]);
		}
		else {
			err = sdesc_media_dup_into(&m, sd, pm, true);
			if (!err)
				err = sdesc_media_disable(m);
		}
		if (err)
			goto out;
	}

	for (size_t i = 0; i < lmc; i++) {
		if (used[i])
			continue;
		err = offer_media(sd, &lmv[i]);
		if (err)
			goto out;
	}

 out:
	mem_deref(used);
	if (err)
		mem_deref(sd);
	else
		*offerp = sd;

	return err;
}
