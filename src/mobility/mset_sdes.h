/*
 * SRTP of a media set (mset_sdes.c), for mediaset.c. A NULL set means
 * SRTP is off.
 */
#include <sipmob/sdesc.h>

struct mset_sdes;
struct rtp_sock;

int  mset_sdes_alloc(struct mset_sdes **sp, struct rtp_sock *audio,
		     struct rtp_sock *video);
/** Our keys on every active RTP line of our offer */
int  mset_sdes_offer(const struct mset_sdes *s, struct sdesc *sd);
/** The offer as sdesc_answer() takes it: lines we cannot take disabled,
 *  the ones we can take as RTP/AVP */
int  mset_sdes_plain_offer(const struct mset_sdes *s,
			   const struct sdesc *offer, struct sdesc **plainp);
/** Our keys on the answered lines, in the suite the offer's line had */
int  mset_sdes_answer(const struct mset_sdes *s, const struct sdesc *offer,
		      struct sdesc *ans);
/** Keys from a negotiated pair to the streams */
int  mset_sdes_apply(struct mset_sdes *s, const struct sdesc *answer,
		     const struct sdesc *theirs, char *err, size_t errsz);
void mset_sdes_drops(const struct mset_sdes *s, enum sdesc_mtype type,
		     uint64_t *tx, uint64_t *rx);
