/*
 * SRTP for a media set (mediaset.h, mset_set_srtp): SDES keys (RFC 4568)
 * in its offers and answers, SRTP contexts (media_srtp.h) on its streams.
 *
 * Each stream sends with a key of its own, made at random when SRTP is
 * turned on and kept for the life of the set (every re-offer repeats it,
 * so the stream's SRTP state goes on); it receives with the key the far
 * end's line names. Once on, a set neither offers nor takes plain RTP:
 * offered lines are RTP/SAVP with one a=crypto; an offer's RTP/AVP line
 * is refused (port 0), an RTP/SAVP one without a suite we take likewise;
 * an answer without keys fails. Off (the default), RTP/SAVP lines are
 * refused, since keys would have come over a leg that is not TLS.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/sdes.h>
#include <sipmob/media_srtp.h>
#include "mset_sdes.h"

struct mset_sdes {
	struct sdes_crypto ours[2];      /* [SDESC_AUDIO], [SDESC_VIDEO] */
	struct media_srtp *srtp[2];
};

static void destructor(void *arg)
{
	struct mset_sdes *s = arg;

	mem_deref(s->srtp[0]);
	mem_deref(s->srtp[1]);
}

int mset_sdes_alloc(struct mset_sdes **sp, struct rtp_sock *audio,
		    struct rtp_sock *video)
{
	struct mset_sdes *s;
	int err = 0;

	if (!sp)
		return EINVAL;
	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;
	for (int k = 0; k < 2; k++) {
		s->ours[k].tag = 1;
		rand_bytes(s->ours[k].key, sizeof(s->ours[k].key));
	}
	if (audio)
		err = media_srtp_alloc(&s->srtp[SDESC_AUDIO], audio);
	if (!err && video)
		err = media_srtp_alloc(&s->srtp[SDESC_VIDEO], video);
	if (err) {
		mem_deref(s);
		return err;
	}
	media_srtp_on(s->srtp[SDESC_AUDIO]);   /* nothing in clear now */
	media_srtp_on(s->srtp[SDESC_VIDEO]);
	*sp = s;
	return 0;
}

static bool is_rtp_line(const struct sdesc_media *m)
{
	enum sdesc_mtype t = sdesc_media_type(m);

	return sdesc_media_port(m) && (t == SDESC_AUDIO || t == SDESC_VIDEO);
}

int mset_sdes_offer(const struct mset_sdes *s, struct sdesc *sd)
{
	int err = 0;

	for (unsigned i = 0; s && !err && i < sdesc_media_count(sd); i++) {
		struct sdesc_media *m = sdesc_media(sd, i);

		if (is_rtp_line(m))
			err = sdes_set(m, &s->ours[sdesc_media_type(m)]);
	}
	return err;
}

int mset_sdes_plain_offer(const struct mset_sdes *s, const struct sdesc *offer,
			  struct sdesc **plainp)
{
	struct sdesc *sd;
	int err;

	err = sdesc_dup(&sd, offer);
	if (err)
		return err;
	for (unsigned i = 0; !err && i < sdesc_media_count(sd); i++) {
		struct sdesc_media *m = sdesc_media(sd, i);
		struct sdes_crypto c;

		if (!is_rtp_line(m))
			continue;
		if (!s) {
			if (sdes_is_savp(m))
				err = sdesc_media_disable(m);
		}
		else if (!sdes_is_savp(m) || sdes_find(m, &c)) {
			err = sdesc_media_disable(m);
		}
		else {
			/* what sdesc_answer() takes; mset_sdes_answer()
			 * adds our key */
			err = sdes_set_proto(m, "RTP/AVP");
		}
	}
	if (err)
		mem_deref(sd);
	else
		*plainp = sd;
	return err;
}

int mset_sdes_answer(const struct mset_sdes *s, const struct sdesc *offer,
		     struct sdesc *ans)
{
	int err = 0;

	for (unsigned i = 0; s && !err && i < sdesc_media_count(ans); i++) {
		struct sdesc_media *am = sdesc_media(ans, i);
		struct sdes_crypto c, mine;

		if (!is_rtp_line(am) ||
		    sdes_find(sdesc_media(offer, i), &c))
			continue;
		mine = s->ours[sdesc_media_type(am)];
		mine.tag = c.tag;        /* the offer's line we take */
		mine.tag32 = c.tag32;
		err = sdes_set(am, &mine);
	}
	return err;
}

int mset_sdes_apply(struct mset_sdes *s, const struct sdesc *answer,
		    const struct sdesc *theirs, char *err, size_t errsz)
{
	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++) {
		int i = sdesc_active_line(answer, theirs, (enum sdesc_mtype)k);
		const struct sdesc_media *am, *tm;
		struct sdes_crypto tx, rx;
		int e;

		if (i < 0)
			continue;
		am = sdesc_media(answer, (unsigned)i);
		tm = sdesc_media(theirs, (unsigned)i);
		if (!s) {
			if (!sdes_is_savp(am))
				continue;
			re_snprintf(err, errsz, "SRTP answered on a leg"
				    " without TLS");
			return EPROTO;
		}
		if (!s->srtp[k])
			continue;
		if (!sdes_is_savp(am) || !sdes_is_savp(tm) ||
		    sdes_find(am, &tx) || sdes_find(tm, &rx)) {
			re_snprintf(err, errsz, "no SRTP key for the %s",
				    k == SDESC_AUDIO ? "audio" : "video");
			return EPROTO;
		}
		e  = media_srtp_set_tx(s->srtp[k], tx.tag32, s->ours[k].key);
		e |= media_srtp_set_rx(s->srtp[k], rx.tag32, rx.key);
		if (e) {
			re_snprintf(err, errsz, "SRTP: %m", e);
			return e;
		}
	}
	return 0;
}

void mset_sdes_drops(const struct mset_sdes *s, enum sdesc_mtype type,
		     uint64_t *tx, uint64_t *rx)
{
	media_srtp_drops(s && type <= SDESC_VIDEO ? s->srtp[type] : NULL,
			 tx, rx);
}
