/**
 * @file media.h  One m-line's RTP endpoint: sends the sequence-marked tone,
 * receives, meters, decodes, proves playout, records.
 *
 * A media_stream owns one libre rtp_sock (RTP on an even port, RTCP on the
 * next one) and a 20 ms send timer. The remote address may change at any
 * time (the media moves); SSRC and sequence numbers continue. Received
 * packets go: meter -> (if recv) decode -> tone check -> played handler and
 * WAV recorder. Packets from any source address are taken, because after a
 * transfer the far end's media may arrive from anywhere.
 *
 * Usage:
 *   media_stream_alloc(&ms, "audio", &laddr);      port 0: pick one
 *   media_stream_set_codec(ms, codec_find("PCMU"), 0);
 *   media_stream_set_remote(ms, &raddr);
 *   media_stream_start(ms);                          tone every 20 ms
 *   media_stream_stats(ms, &st);
 *   media_stream_set_dtmf_pt(ms, 101, 101);          telephone-event
 *   media_stream_dtmf_send(ms, "1#");                RFC 4733 events
 *   media_stream_set_source(ms, src_h, arg);         frames to send
 *   media_stream_set_sink(ms, sink_h, arg);          frames decoded
 *   media_stream_dtmf_received(ms);                  "5" (what came in)
 *   mem_deref(ms);
 */

#ifndef SIPMOB_MEDIA_H
#define SIPMOB_MEDIA_H

#include <stdbool.h>
#include <stdint.h>
#include <sipmob/media_codec.h>
#include <sipmob/media_tone.h>
#include <sipmob/media_wav.h>
#include <sipmob/media_meter.h>

struct sa;
struct media_stream;

/** Default RTP port range (--rtp-ports) */
#define MEDIA_PORT_MIN 20000
#define MEDIA_PORT_MAX 29999

/** A summary of a stream, for status reports */
struct media_stats {
	const char *codec;       /**< codec name, or NULL if none set         */
	uint32_t tx_ssrc;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint32_t rx_ssrc;        /**< SSRC of the latest packet received      */
	uint32_t rx_nssrc;       /**< how many SSRCs were received            */
	uint64_t rx_packets;     /**< unique packets, all SSRCs               */
	uint64_t rx_bytes;
	uint64_t played_packets; /**< all SSRCs                               */
	uint64_t lost;           /**< all SSRCs                               */
	uint64_t decoded_packets; /**< decoded, whatever they carried         */
	uint64_t decode_errors;
	uint64_t first_ms;       /**< first arrival, monotonic ms (0: none)   */
	uint64_t last_ms;        /**< latest arrival                          */
};

/** Called for every played frame with the wall-clock time (ms) it was
 *  played: the tone proved packet seq was heard (or, from a foreign
 *  sender, it was decoded) */
typedef void (media_played_h)(uint32_t ssrc, uint16_t seq, uint64_t ext,
			      uint64_t wall_ms, void *arg);

/** A frame source: fills pcm with the n samples (at srate) of the frame
 *  that goes out with sequence number seq. An error sends the tone. */
typedef int (media_frame_src_h)(int16_t *pcm, size_t n, uint32_t srate,
				uint16_t seq, void *arg);
/** A frame sink: each decoded frame of sender ssrc, n samples at srate */
typedef void (media_frame_sink_h)(const int16_t *pcm, size_t n,
				  uint32_t srate, uint32_t ssrc, void *arg);

int  media_stream_alloc(struct media_stream **msp, const char *type,
			const struct sa *laddr);
int  media_stream_alloc_ports(struct media_stream **msp, const char *type,
			      const struct sa *laddr, uint16_t port_min,
			      uint16_t port_max);
int  media_ports_parse(const char *str, uint16_t *port_min,
		       uint16_t *port_max);
int  media_port_range(const struct sa *laddr, uint16_t *port_min,
		      uint16_t *port_max);
const struct sa *media_stream_laddr(const struct media_stream *ms);
struct rtp_sock;
/** Its sockets, for a helper such as SRTP (media_srtp.h) */
struct rtp_sock *media_stream_rtp(const struct media_stream *ms);
int  media_stream_set_codec(struct media_stream *ms,
			    const struct codec_desc *c, uint8_t pt);
void media_stream_set_rx_pt(struct media_stream *ms, uint8_t pt);
int  media_stream_set_remote(struct media_stream *ms, const struct sa *raddr);
void media_stream_set_dir(struct media_stream *ms, bool send, bool recv);

/* rtcp_gate.c: while closed, a stream's RTCP reports are held back */
struct media_rtcp_gate;
int  media_rtcp_gate_alloc(struct media_rtcp_gate **gp, struct rtp_sock *rtp);
void media_rtcp_gate_set(struct media_rtcp_gate *g, bool open);
int  media_stream_record(struct media_stream *ms, const char *wav_path);

/* Playout paced by a sound card (media_audio.h): received packets wait in
 * an adaptive jitter buffer (media_jitbuf.h) and are decoded, proven and
 * given to the sink when the card takes them; missing ones are concealed
 * (Opus's PLC, spandsp's for G.711, a fade for G.722). Off: each packet is
 * played as it arrives. */
struct jitbuf_stats;
int  media_stream_set_jitbuf(struct media_stream *ms, bool on);
/** The next 20 ms to play: n samples at *srate into pcm (room at least
 *  CODEC_MAX_SAMPLES); silence before the first packet. ENOENT: no codec
 *  yet, or the jitter buffer is off. */
int  media_stream_playout(struct media_stream *ms, int16_t *pcm,
			  size_t room, size_t *n, uint32_t *srate);
int  media_stream_jitbuf_stats(const struct media_stream *ms,
			       struct jitbuf_stats *st);
/** What we send: h fills each frame (NULL: the sequence-marked tone) */
void media_stream_set_source(struct media_stream *ms, media_frame_src_h *h,
			     void *arg);
/** Where decoded frames go (one sink; the recorder is one, set by
 *  media_stream_record; NULL: none) */
void media_stream_set_sink(struct media_stream *ms, media_frame_sink_h *h,
			   void *arg);
void media_stream_set_played_handler(struct media_stream *ms,
				     media_played_h *h, void *arg);
int  media_stream_start(struct media_stream *ms);
void media_stream_stop(struct media_stream *ms);
int  media_stream_stats(const struct media_stream *ms,
			struct media_stats *st);
const struct meter *media_stream_meter(const struct media_stream *ms);

/* DTMF as RFC 4733 telephone events (media_dtmf.h) */
void media_stream_set_dtmf_pt(struct media_stream *ms, int tx_pt, int rx_pt);
int  media_stream_dtmf_send(struct media_stream *ms, const char *digits);
const char *media_stream_dtmf_received(const struct media_stream *ms);

#endif /* SIPMOB_MEDIA_H */
