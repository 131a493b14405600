/**
 * @file mediaset.h  The media of one call leg: SDP in, running RTP out.
 *
 * A media set holds the local media of one SIP leg (today one audio stream)
 * and turns offers and answers into streams that send and receive: it builds
 * our offer from the codecs we have, answers an offer (RFC 3264), and applies
 * the far side's description (address, codec, direction) to the streams,
 * again on every re-INVITE. The MN, the devices and the transcoder all hold
 * their media this way; the SIP leg itself knows nothing of it.
 */

struct mset;
struct mbuf;
struct odict;
struct sa;
struct sdesc;

struct mset_conf {
	const struct sa *addr;      /**< media IP (port ignored)              */
	const char *codecs;         /**< "PCMU,PCMA,G722,opus" order = pref.  */
	uint16_t port_min;          /**< RTP port range (0: media default)    */
	uint16_t port_max;
	const char *user;           /**< o= user name                         */
	const char *record_path;    /**< WAV of received audio, or NULL       */
};

int  mset_alloc(struct mset **msp, const struct mset_conf *conf);
/** Checks a codec list ("PCMU,opus") against the codecs we have. */
int  mset_codecs_valid(const char *codecs, char *err, size_t errsz);
int  mset_offer(struct mset *ms, struct mbuf **mbp);
int  mset_answer(struct mset *ms, const struct mbuf *offer,
		 struct mbuf **mbp, char *err, size_t errsz);
int  mset_accept_answer(struct mset *ms, const struct mbuf *answer,
			char *err, size_t errsz);
/** Our description of the media we can do, for OPTIONS. */
int  mset_caps(struct mset *ms, struct mbuf **mbp);
const struct sdesc *mset_remote(const struct mset *ms);
const struct sdesc *mset_local(const struct mset *ms);
/** Appends one object per stream to a JSON array (see docs). */
int  mset_status(const struct mset *ms, struct odict *array);
/** Stops or resumes sending (receiving goes on): the MN's own media after
 *  a transfer, and again on retrieval. */
void mset_set_sending(struct mset *ms, bool send);
/** The played runs since since_ms (wall clock), as a JSON array. */
int  mset_playout(const struct mset *ms, uint64_t since_ms,
		  struct odict *array);
struct playlog_run;
/** The played runs since since_ms, oldest first; returns how many. */
size_t mset_runs(const struct mset *ms, uint64_t since_ms,
		 struct playlog_run *v, size_t max);
/** Packets sent and received, all streams summed. */
void mset_counts(const struct mset *ms, uint64_t *tx, uint64_t *rx,
		 uint64_t *played);
