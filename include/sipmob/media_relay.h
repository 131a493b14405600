/**
 * @file media_relay.h  What a media bridge needs from a stream, audio
 * (media.h) or video (media_video.h): to see each received packet before
 * the stream plays it, to pass a packet on unchanged from the stream's own
 * socket, and to send another source's packets as the stream's own.
 *
 * The bridges of an instant move (docs/design-notes.md, "Instant moves")
 * are built from these three:
 *
 *   tap      every RTP packet that arrives goes to the tap first; a tap
 *            that takes it (returns true) keeps the stream from metering,
 *            decoding and playing it;
 *   forward  sends a packet as it came (the far end's SSRC, sequence
 *            number and timestamp) to another address, from the stream's
 *            socket;
 *   splice   sends a packet of another source as the next packet of this
 *            stream: our SSRC, our next sequence number, its timestamp
 *            moved onto our timeline (the offset is set by the first
 *            spliced packet). While splicing, the stream's own frames
 *            stop, so that the receiver sees one stream with no second
 *            source in it (splice_begin stops them before the first
 *            one); splice_end lets them go on where the splice left the
 *            counters.
 *
 * Usage (the mobile node passing a device's microphone on to the far end):
 *   media_stream_set_tap(ms, tap, bridge);
 *   tap(): if (sa_cmp(src, &device, SA_ALL))
 *                  { media_stream_splice(ms, hdr, mb); return true; }
 *   media_stream_splice_end(ms);  media_stream_set_tap(ms, NULL, NULL);
 */
#ifndef SIPMOB_MEDIA_RELAY_H
#define SIPMOB_MEDIA_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct mbuf;
struct sa;
struct rtp_header;
struct media_stream;
struct media_vstream;

/** A packet has arrived from src: hdr is its header, the payload is at
 *  mb->pos (the header before it). Return true to take the packet. */
typedef bool (media_tap_h)(const struct sa *src, const struct rtp_header *hdr,
			   struct mbuf *mb, void *arg);

/** Counters of what a stream's bridge hooks did */
struct media_relay_stats {
	uint64_t tapped;      /**< packets a tap took                     */
	uint64_t forwarded;   /**< sent on unchanged                      */
	uint64_t spliced;     /**< sent as our own                        */
	uint64_t rtcp;        /**< RTCP packets passed on (relay_rtcp)    */
};

void media_stream_set_tap(struct media_stream *ms, media_tap_h *h,
			  void *arg);
/** The argument of the tap set now: whose it is (NULL: no tap) */
void *media_stream_tap_arg(const struct media_stream *ms);
int  media_stream_forward(struct media_stream *ms, const struct sa *dst,
			  const struct rtp_header *hdr, struct mbuf *mb);
int  media_stream_splice(struct media_stream *ms,
			 const struct rtp_header *hdr, struct mbuf *mb);
/** Our own frames stop now, before the first packet to splice comes:
 *  the medium is being given back, and two sources must not reach the
 *  receiver at once */
void media_stream_splice_begin(struct media_stream *ms);
void media_stream_splice_end(struct media_stream *ms);
/** Our next frame goes now, and the schedule on from it (a bridge that
 *  just opened: the receiver waits for nothing) */
void media_stream_send_now(struct media_stream *ms);
void media_stream_relay_stats(const struct media_stream *ms,
			      struct media_relay_stats *st);
/** The RTCP that reaches the stream goes on, unchanged, to the RTCP port
 *  of the RTP address dst (its port + 1) and is not processed here, but
 *  for what comes from the RTCP port of except (the new place's own
 *  reports). dst NULL: RTCP is ours again. */
int  media_stream_relay_rtcp(struct media_stream *ms, const struct sa *dst,
			     const struct sa *except);

void media_vstream_set_tap(struct media_vstream *vs, media_tap_h *h,
			   void *arg);
void *media_vstream_tap_arg(const struct media_vstream *vs);
int  media_vstream_forward(struct media_vstream *vs, const struct sa *dst,
			   const struct rtp_header *hdr, struct mbuf *mb);
int  media_vstream_splice(struct media_vstream *vs,
			  const struct rtp_header *hdr, struct mbuf *mb);
void media_vstream_splice_begin(struct media_vstream *vs);
void media_vstream_splice_end(struct media_vstream *vs);
void media_vstream_send_now(struct media_vstream *vs);
/** Sends the pictures received since the latest keyframe (of the SSRC
 *  being received) to dst, as they came; returns how many packets. The
 *  stream keeps them (at most MEDIA_GOP_MAX packets: a longer group is
 *  not kept) so that a receiver that joins mid-stream decodes at once. */
uint64_t media_vstream_forward_gop(struct media_vstream *vs,
				   const struct sa *dst);
#define MEDIA_GOP_MAX 160
void media_vstream_relay_stats(const struct media_vstream *vs,
			       struct media_relay_stats *st);
int  media_vstream_relay_rtcp(struct media_vstream *vs, const struct sa *dst,
			      const struct sa *except);

/* relay.c: the parts both stream types share */
struct udp_sock;
/** Sends hdr and the payload at mb->pos from us to dst: the packet's own
 *  bytes when they are intact before mb->pos (padding and all), else a
 *  header encoded anew (without padding or header extension) and the
 *  payload without its padding */
int  media_relay_send(struct udp_sock *us, const struct sa *dst,
		      const struct rtp_header *hdr, struct mbuf *mb);
/** Sends the payload at mb->pos (without the padding hdr->pad says it
 *  ends with) behind a header encoded from hdr: a splice's new header */
int  media_relay_send_as(struct udp_sock *us, const struct sa *dst,
			 const struct rtp_header *hdr, const struct mbuf *mb);
/** An RTCP relay on a socket (what relay_rtcp sets up): see above */
struct media_rtcp_relay;
int  media_rtcp_relay_alloc(struct media_rtcp_relay **rp,
			    struct udp_sock *us, const struct sa *dst,
			    const struct sa *except, uint64_t *counter);
/** A splice's state: the timestamp offset, set by its first packet */
struct media_splice {
	bool on;            /**< our own frames stop                    */
	bool synced;        /**< ts_off is set                          */
	uint32_t ts_off;
	uint32_t last_ts;   /**< of the last packet spliced */
};
/** hdr with our SSRC and sequence number and its timestamp on our
 *  timeline; next_ts is where our own timestamp stands now */
void media_splice_header(struct media_splice *sp, struct rtp_header *out,
			 const struct rtp_header *in, uint32_t ssrc,
			 uint16_t seq, uint32_t next_ts);

#endif /* SIPMOB_MEDIA_RELAY_H */
