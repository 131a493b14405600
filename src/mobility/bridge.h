/*
 * The bridges of an instant move: while the far end still sends to the
 * old place, the old place passes its packets on to the new one, and
 * sends the new place's packets to the far end as its own, so that the
 * new place plays (and is heard) within a packet interval of the move,
 * however far away the far end is. Built on a stream's relay hooks
 * (media_relay.h); one bridge per stream (audio or video) of a media set.
 *
 *   relay_to(dst)   downstream: what arrives from the far end goes on to
 *                   dst unchanged and is no longer played here (video:
 *                   the pictures since the last keyframe first, so dst
 *                   can decode at once), its RTCP with it;
 *   take_from(src)  upstream: what arrives from src goes to the far end
 *                   in our stream (our SSRC, sequence and timestamps);
 *   send_via(via)   our own packets go to via (the old place, which
 *                   splices them) until a packet arrives from anyone but
 *                   via: the far end has switched to us, so from then on
 *                   we send to it directly.
 *
 * Freeing a bridge undoes all three: taps off, our own frames back, the
 * stream's remote address back to the far end.
 */
struct bridge;
struct media_stream;
struct media_vstream;
struct sa;

struct bridge_stats {
	uint64_t relayed;        /* packets passed on downstream           */
	uint64_t spliced;        /* packets sent upstream as ours          */
	uint64_t t_start;        /* wall-clock ms: the bridge was set up   */
	uint64_t t_last;         /* ...and the last packet it carried      */
	uint64_t t_switched;     /* send_via ended (0: not yet)             */
};

int  bridge_alloc(struct bridge **bp, struct media_stream *audio,
		  struct media_vstream *video);
/** The far end sends from far (or with far_ssrc, 0: unknown): only its
 *  packets are relayed, and those of others are held (not played) until
 *  take_from (at most BRIDGE_HELD_MAX): the new place may send before its
 *  answer tells us its address */
int  bridge_expect(struct bridge *b, const struct sa *far, uint32_t far_ssrc);
#define BRIDGE_HELD_MAX 64
int  bridge_relay_to(struct bridge *b, const struct sa *dst);
int  bridge_take_from(struct bridge *b, const struct sa *src);
/** Our own frames stop now, not at the first packet take_from splices */
void bridge_stop_own(struct bridge *b);
int  bridge_send_via(struct bridge *b, const struct sa *via,
		     const struct sa *far);
/** Packets from sa (another place that passes the far end's packets on
 *  to us) do not end send_via; via itself never does */
int  bridge_not_far(struct bridge *b, const struct sa *sa);
/** send_via ended: the far end's own packets have come */
bool bridge_switched(const struct bridge *b);
void bridge_stats(const struct bridge *b, struct bridge_stats *st);
