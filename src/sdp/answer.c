/*
 * Our answer to an offer (RFC 3264 §6): the same number of m= lines in the
 * same order. An offered RTP/AVP audio or video stream with a non-zero port
 * is accepted when a local medium of its type is still free and one of the
 * offered codecs is ours: the first offered one (the offerer's preference,
 * §6.1) that matches a local codec by name, clock rate and channels, the
 * auxiliary formats (telephone-event, CN, ...) aside, which can never be
 * the codec of a line. The answer carries that codec, then the auxiliary
 * formats both sides list (telephone-event for DTMF, RFC 4733), each under
 * the offerer's payload type (§6.1) with our fmtp; then our address and
 * port, and the offered direction mirrored and narrowed to
 * what we can do (sendonly -> recvonly, recvonly -> sendonly, inactive
 * stays). Every other stream is rejected: port 0 and the offered formats
 * (§6). The t= lines of the offer are repeated (§6).
 */
#include <string.h>
#include "sdesc_priv.h"

enum { MAX_AUX = 3 };   /* auxiliary formats answered next to the codec */

static bool is_avp(const char *proto)
{
	return !str_casecmp(proto, "RTP/AVP");
}

/* The first offered codec that lm supports (aux: an auxiliary format
 * instead): the offer's codec (its pt and name) with lm's fmtp */
static bool choose(struct sdesc_codec *out, const struct sdesc_media *om,
		   const struct sdesc_lmedia *lm, unsigned from, bool aux,
		   unsigned *at)
{
	for (unsigned i = from; i < om->fmtc; i++) {
		struct sdesc_codec oc;

		if (sdesc_media_codec(om, i, &oc) ||
		    sdesc_codec_auxiliary(oc.name) != aux)
			continue;

		for (size_t k = 0; k < lm->codecc; k++) {
			if (!sdesc_codec_match(&oc, &lm->codecv[k]))
				continue;
			*out = oc;
			out->ch = lm->codecv[k].ch;
			out->fmtp = lm->codecv[k].fmtp;
			if (at)
				*at = i;
			return true;
		}
	}

	return false;
}

/* The codec to answer with in c[0], then the auxiliary formats; returns
 * how many, 0 when no codec is in common */
static size_t choose_all(struct sdesc_codec *c, const struct sdesc_media *om,
			 const struct sdesc_lmedia *lm)
{
	unsigned at = 0;
	size_t n = 1;

	if (!choose(&c[0], om, lm, 0, false, NULL))
		return 0;
	while (n < 1 + MAX_AUX && choose(&c[n], om, lm, at, true, &at)) {
		at++;
		n++;
	}
	return n;
}

static int reject(struct sdesc *sd, const struct sdesc_media *om)
{
	struct sdesc_media *m;
	int err;

	err = sdesc_media_add(&m, sd, om->name, 0, om->proto);
	if (err)
		return err;

	m->fmtc = om->fmtc;
	memcpy(m->fmtv, om->fmtv, sizeof(m->fmtv));
	return 0;
}

/**
 * Answer an offer.
 *
 * @param answerp  the new description
 * @param offer    the offer
 * @param prev     our previous description in this session, or NULL
 * @param user     o= username for a new session ("-" when NULL)
 * @param lmv      local media (may be empty: everything is rejected)
 * @param lmc      their count
 *
 * @return 0, EINVAL, ENOMEM, or EOVERFLOW when prev's version is at its
 *         maximum
 */
int sdesc_answer(struct sdesc **answerp, const struct sdesc *offer,
		 const struct sdesc *prev, const char *user,
		 const struct sdesc_lmedia *lmv, size_t lmc)
{
	struct sdesc *sd = NULL;
	struct sa any;
	const struct sa *saddr;
	bool *used = NULL;
	struct le *le;
	int err;

	if (!answerp || !offer || (!lmv && lmc))
		return EINVAL;

	for (size_t i = 0; i < lmc; i++) {
		if (!lmv[i].addr)
			return EINVAL;
	}

	sa_set_str(&any, "0.0.0.0", 0);
	saddr = lmc ? lmv[0].addr : &any;

	used = mem_zalloc(lmc * sizeof(*used) + 1, NULL);
	if (!used)
		return ENOMEM;

	err = sdesc_alloc(&sd);
	if (err)
		goto out;

	err = sdesc_origin_new(sd, prev, user, saddr);
	if (err)
		goto out;

	err = sdesc_session_lines(sd, saddr, offer);
	if (err)
		goto out;

	LIST_FOREACH(&offer->medial, le) {
		const struct sdesc_media *om = le->data;
		struct sdesc_codec c[1 + MAX_AUX];
		enum sdesc_dir dir;
		size_t i = lmc, n = 0;

		if (om->port && is_avp(om->proto) && om->type != SDESC_OTHER) {
			for (i = 0; i < lmc; i++) {
				if (!used[i] && lmv[i].type == om->type
				    && (n = choose_all(c, om, &lmv[i])))
					break;
			}
		}

		if (i == lmc) {
			err = reject(sd, om);
			if (err)
				goto out;
			continue;
		}

		used[i] = true;
		dir = sdesc_dir_flip(sdesc_media_dir(om)) & lmv[i].dir;
		err = sdesc_media_build(NULL, sd, &lmv[i], c, n, dir);
		if (err)
			goto out;
	}

 out:
	mem_deref(used);
	if (err)
		mem_deref(sd);
	else
		*answerp = sd;

	return err;
}
