/**
 * @file mediaset.h  The media of one call leg: SDP in, running RTP out.
 *
 * A media set holds the local media of one SIP leg (an audio stream, an
 * H.263+ video stream, or both) and turns offers and answers into streams
 * that send and receive: it builds our offer from the codecs we have,
 * answers an offer (RFC 3264), and applies the far side's description
 * (address, codec, direction, the picture size the far side takes) to the
 * streams, again on every re-INVITE. The MN, the devices and the
 * transcoder all hold their media this way; the SIP leg itself knows
 * nothing of it.
 */

struct mset;
struct mbuf;
struct media_vio;
struct odict;
struct sa;
struct sdesc;
struct audio_conf;

/** What a set does with video */
enum mset_video {
	MSET_VIDEO_NONE = 0,
	MSET_VIDEO_BOTH,            /**< a videophone: camera and display     */
	MSET_VIDEO_DISPLAY,         /**< receives only                        */
	MSET_VIDEO_CAMERA,          /**< sends only                           */
};

struct mset_conf {
	const struct sa *addr;      /**< media IP (port ignored)              */
	bool no_audio;              /**< video only (a display, a camera)     */
	enum mset_video video;
	const char *video_sizes;    /**< H.263 sizes it shows and sends,
				     *   "4cif,cif" (NULL: QCIF and CIF,
				     *   fmtp "QCIF=1;CIF=1")               */
	unsigned video_width;       /**< the one picture size it sends (0:
				     *   those of video_sizes); an H.263
				     *   size, else mset_alloc: EINVAL      */
	unsigned video_height;
	unsigned video_fps;         /**< default 15                           */
	const struct media_vio *vio; /**< camera, screen (NULL: the pattern)  */
	const char *codecs;         /**< "PCMU,PCMA,G722,opus" order = pref.  */
	uint16_t port_min;          /**< RTP port range (0: media default)    */
	uint16_t port_max;
	const char *user;           /**< o= user name                         */
	const char *record_path;    /**< WAV of received audio, or NULL       */
	const struct audio_conf *audio; /**< a sound card (media_audio.h), or
				     *   NULL: metered playout of the tone */
	bool bridge;                /**< takes the bridge of an instant move
				     *   (a=sipmob-bridge, see below)        */
};

int  mset_alloc(struct mset **msp, const struct mset_conf *conf);
/** Checks a codec list ("PCMU,opus") against the codecs we have. */
int  mset_codecs_valid(const char *codecs, char *err, size_t errsz);
/** SRTP (RFC 3711) with SDES keys (RFC 4568), for a leg over TLS: once on,
 *  offers and answers carry RTP/SAVP and a=crypto, plain RTP lines are
 *  refused, and no packet goes out or is taken in clear. Off (the
 *  default), RTP/SAVP lines are refused. Turning it off drops the keys. */
int  mset_set_srtp(struct mset *ms, bool on);
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
/** Parses a picture size name (sqcif, qcif, cif, 4cif, 16cif). */
int  mset_video_size(const char *name, unsigned *w, unsigned *h, char *err,
		     size_t errsz);
/** Checks a picture size list ("4cif,cif", any case) for conf.video_sizes;
 *  EINVAL with the reason in err. */
int  mset_video_sizes_valid(const char *list, char *err, size_t errsz);
/** Parses a --media list ("audio", "video", "audio,video") and a video
 *  role ("both", "display", "camera") into a configuration. */
int  mset_media_parse(struct mset_conf *conf, const char *media,
		      const char *video_role, char *err, size_t errsz);
/** Stops or resumes sending one medium (receiving goes on): the MN's own
 *  audio or video after it moved to a device, and again on retrieval. The
 *  other medium is not touched. */
void mset_set_sending(struct mset *ms, enum sdesc_mtype type, bool send);
/** The medium's next frame goes now, its schedule on from there */
void mset_send_now(struct mset *ms, enum sdesc_mtype type);
/** Plays a medium whatever was negotiated (force), or as negotiated
 *  again: the MN hears what a device passes back to it before the far end
 *  has been told (a retrieval's bridge). */
void mset_set_receiving(struct mset *ms, enum sdesc_mtype type, bool force);
/** Whether the set sends a medium now (negotiated and not stopped). */
bool mset_sending(const struct mset *ms, enum sdesc_mtype type);
/** The played runs since since_ms (wall clock), as a JSON array. */
int  mset_playout(const struct mset *ms, uint64_t since_ms,
		  struct odict *array);
struct playlog_run;
/** The played runs of one medium since since_ms, oldest first; returns
 *  how many. Audio runs count RTP packets by sequence number, video runs
 *  count decoded frames by RTP timestamp in frame intervals (frames
 *  without the sender's pattern are not logged). */
size_t mset_runs(const struct mset *ms, enum sdesc_mtype type,
		 uint64_t since_ms, struct playlog_run *v, size_t max);
/** Packets sent and received by the stream of one medium ("audio",
 *  "video"); played is packets played (audio) or frames decoded (video). */
/** The SSRC a medium's stream sends with, and the latest one it received
 *  (0: none). */
void mset_ssrcs(const struct mset *ms, enum sdesc_mtype type, uint32_t *tx,
		uint32_t *rx);
void mset_counts(const struct mset *ms, const char *type, uint64_t *tx,
		 uint64_t *rx, uint64_t *played);
/** How much of the far end it has played: audio packets, and 4 for each
 *  video frame decoded (a frame lasts about as long as 4 packets) */
uint64_t mset_played(const struct mset *ms);
/*
 * Instant moves (bridge.h). An offer's line may carry
 *   a=sipmob-bridge:ADDRESS PORT
 * from the MN moving the media here: until the far end's own packets
 * arrive, the MN passes them on from that address, and takes our packets
 * there to send them on as its own. A set made with conf.bridge then sends
 * that line's media to ADDRESS PORT until a packet comes from anyone else,
 * or mset_bridge_end() (the held ACK: the far end took the move), and says
 * a=sipmob-bridge in its answer; a set without it leaves the attribute
 * out, and the MN does not bridge.
 */
#define MSET_BRIDGE_ATTR "sipmob-bridge"
/** The offered bridges are over: send to the far end itself. */
void mset_bridge_end(struct mset *ms);
/** Whether the answer of a line accepted the bridge */
bool mset_bridge_accepted(const struct sdesc_media *m);
/** Puts our stream's address for a medium in a line of an offer */
int  mset_bridge_offer(const struct mset *ms, struct sdesc_media *m);
struct bridge;
/** A bridge on the stream of a medium (bridge.h): ENOENT without one */
int  mset_bridge(struct mset *ms, enum sdesc_mtype type, struct bridge **bp);
/* A retrieval's bridge back (bridge_back.c): the MN's INFO asks the
 * device to pass the far end's packets on to the MN and to send the MN's
 * on as its own, for the media listed */
#define MSET_BRIDGE_CTYPE "application/vnd.sipmob.bridge+json"
/** The INFO's body: our address for each medium types[k] names */
int  mset_bridge_back_encode(struct mbuf **mbp, const struct mset *ms,
			     const bool types[2]);
/** The device's side: the bridges the body asks for, in out[type] (which
 *  the caller frees; none for an empty list, which ends the bridges);
 *  EBADMSG for a body it cannot read, ENOENT when it has none of those
 *  media */
int  mset_bridge_back(struct mset *ms, const uint8_t *body, size_t len,
		      struct bridge *out[2]);
/** Our RTP address for a medium, NULL without a stream for it */
const struct sa *mset_laddr(const struct mset *ms, enum sdesc_mtype type);
/** Sends DTMF digits (0-9 * # A-D) as RFC 4733 telephone events in the
 *  audio, one after the other (about 240 ms each). EINVAL for a bad digit,
 *  ENOTCONN when the audio is not sending (moved away, held, none),
 *  ENOTSUP when the far side did not accept telephone-event/8000 (or the
 *  codec's clock is not 8000), ENOSPC when too many digits wait. */
int  mset_dtmf_send(struct mset *ms, const char *digits);
/** The DTMF digits received in this set's audio, in order ("" when none;
 *  the latest 256 are kept). */
const char *mset_dtmf_received(const struct mset *ms);
