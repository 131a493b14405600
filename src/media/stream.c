/**
 * @file stream.c  One m-line's RTP endpoint over libre's rtp_sock.
 *
 * Sending: a 20 ms timer fills a frame at the codec's rate from the
 * stream's frame source (the sequence-marked tone unless another was set),
 * encodes it and sends it to the current remote address. We
 * write the RTP header ourselves (SSRC = the rtp_sock's random SSRC, our own
 * sequence and timestamp counters, both random at start) because the tone
 * must know the sequence number before the payload exists, and libre 1.1.0
 * has no getter for the one rtp_send would use. The cost: libre's RTCP does
 * not see our packets, so it sends receiver reports only. The timer runs
 * against an absolute schedule so frames do not drift; after a stall of more
 * than MAX_LAG_MS it resynchronises instead of bursting.
 *
 * Receiving: every packet is metered; if receiving is on and the payload
 * type is ours, it is decoded (one decoder per sending SSRC: a new SSRC
 * resets it), given to the frame sink (the WAV recorder, when recording),
 * and tone-checked. A frame whose
 * tone matches its RTP sequence number counts as played. Without a sound
 * card there is no jitter buffer: a packet is played when it arrives,
 * reordered ones too. With one (media_stream_set_jitbuf), packets wait in
 * the jitter buffer and the card's clock plays them (media_stream_playout):
 * decoding, the sink and the playout proof then see what the card plays,
 * in order, at the time it plays it, and a missing packet is concealed.
 *
 * DTMF (dtmf.c, RFC 4733): packets of the negotiated telephone-event type
 * go to the DTMF receiver. Digits to send are queued; on each tick the
 * sender may put an event packet in place of the audio frame, with our
 * SSRC and the next sequence number, while the timestamp runs on as if
 * the frame had been sent. Only a codec with an 8000 Hz RTP clock can
 * carry telephone-event/8000 in the same SSRC (one clock per stream).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/media_relay.h>
#include <sipmob/media_jitbuf.h>
#include "transcode_priv.h"

enum {
	PTIME_MS   = 20,
	MAX_LAG_MS = 200,
	FOREIGN_AFTER = 10,   /* unmarked frames before a sender is foreign */
	JB_MIN_MS  = 0,       /* the jitter buffer's target: none...       */
	JB_MAX_MS  = 300,     /* ...to this, following the jitter          */
};

struct media_stream {
	struct rtp_sock *rtp;
	struct sa raddr;
	bool have_raddr;
	bool send;
	bool recv;

	const struct codec_desc *codec;
	uint8_t pt;
	uint8_t rx_pt;
	struct codec_state *enc;
	struct codec_state *dec;
	uint32_t dec_ssrc;
	unsigned dec_frames;      /* decoded from dec_ssrc so far          */
	bool dec_marked;          /* dec_ssrc's audio carries our marks    */
	bool dec_foreign;         /* ...or never did: an ordinary phone    */
	uint8_t mark_shift;       /* marks are seq + this (a splice moved
				     them, see prove())                    */
	bool shift_cand;          /* a frame whose mark suggests a new shift */
	uint8_t cand_shift;
	uint64_t cand_ext;
	uint64_t cand_wall;
	uint64_t dec_first_ext[FOREIGN_AFTER];
	uint64_t dec_first_wall[FOREIGN_AFTER];
	struct tone *tone;

	struct tmr tmr;
	bool running;
	bool marker;
	uint64_t next_ms;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;

	struct dtmf_tx *dtmf_tx;
	struct dtmf_rx *dtmf_rx;
	int dtmf_tx_pt;           /* -1: the far end takes no events       */
	int dtmf_rx_pt;           /* -1: we take none                      */

	struct meter *meter;
	uint32_t last_rx_ssrc;
	uint64_t decoded;
	uint64_t decode_errors;
	char *wav_path;
	struct wav *wav;
	media_frame_src_h *srch;  /* NULL: the tone                       */
	void *src_arg;
	media_frame_sink_h *sinkh;/* the recorder, or what was set         */
	void *sink_arg;

	media_played_h *playedh;
	void *arg;

	media_tap_h *taph;        /* a bridge sees packets first           */
	void *tap_arg;
	struct media_splice splice;
	struct media_relay_stats relay;
	struct media_rtcp_relay *rtcp_relay;

	bool jb_on;               /* played by a sound card's clock         */
	struct jitbuf *jb;
	struct tc_coder *plc;     /* the jitter buffer's decoder (conceals) */
	struct jitbuf_frame jf;

	int16_t pcm[CODEC_MAX_SAMPLES];
};


static void stream_destructor(void *arg)
{
	struct media_stream *ms = arg;

	tmr_cancel(&ms->tmr);
	mem_deref(ms->rtcp_relay);   /* its helper is on the socket */
	mem_deref(ms->rtp);
	mem_deref(ms->enc);
	mem_deref(ms->dec);
	mem_deref(ms->tone);
	mem_deref(ms->meter);
	mem_deref(ms->dtmf_tx);
	mem_deref(ms->dtmf_rx);
	mem_deref(ms->wav);
	mem_deref(ms->wav_path);
	mem_deref(ms->jb);
	mem_deref(ms->plc);
}


static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void played(struct media_stream *ms, uint32_t ssrc, uint16_t seq,
		   uint64_t ext, uint64_t when)
{
	(void)meter_played(ms->meter, ssrc, ext);

	if (ms->playedh)
		ms->playedh(ssrc, seq, ext, when, ms->arg);
}

/*
 * Playout proof. Audio that carries our sequence marks counts as played
 * only when the mark matches the packet. A sender whose first
 * FOREIGN_AFTER decoded frames carry no mark at all is an ordinary phone
 * (baresip's sine, a person's voice): for it every decoded frame is played,
 * those first ones included, since decoding is all a device can vouch for.
 *
 * A bridge that splices another source's packets into its own stream
 * (media_relay.h) renumbers them, so their marks are shifted against their
 * new sequence numbers by a constant. Two consecutive frames that agree on
 * a new shift prove the splice, and both count as played; a lone frame
 * with a stray mark does not.
 */
static bool shifted_match(struct media_stream *ms,
			  const struct rtp_header *hdr, uint64_t ext,
			  size_t n, uint64_t now)
{
	int sym = tone_detect(ms->pcm, n, ms->codec->srate);
	uint8_t shift;

	if (sym < 0)
		return false;
	shift = (uint8_t)((unsigned)sym - hdr->seq) & 7;
	if (shift == ms->mark_shift)
		return true;
	if (ms->shift_cand && shift == ms->cand_shift &&
	    ext == ms->cand_ext + 1) {
		ms->mark_shift = shift;
		ms->shift_cand = false;
		played(ms, hdr->ssrc, (uint16_t)ms->cand_ext, ms->cand_ext,
		       ms->cand_wall);
		return true;
	}
	ms->shift_cand = true;
	ms->cand_shift = shift;
	ms->cand_ext = ext;
	ms->cand_wall = now;
	return false;
}

static void prove(struct media_stream *ms, const struct rtp_header *hdr,
		  uint64_t ext, size_t n)
{
	uint64_t now = wall_ms();
	bool match = shifted_match(ms, hdr, ext, n, now);

	if (match)
		ms->dec_marked = true;

	if (ms->dec_foreign) {
		played(ms, hdr->ssrc, hdr->seq, ext, now);
		return;
	}
	if (!ms->dec_marked && ms->dec_frames <= FOREIGN_AFTER) {
		/* on probation: played now, counted once judged foreign */
		ms->dec_first_ext[ms->dec_frames - 1] = ext;
		ms->dec_first_wall[ms->dec_frames - 1] = now;
		if (ms->dec_frames == FOREIGN_AFTER) {
			ms->dec_foreign = true;
			for (unsigned i = 0; i < FOREIGN_AFTER; i++)
				played(ms, hdr->ssrc,
				       (uint16_t)ms->dec_first_ext[i],
				       ms->dec_first_ext[i],
				       ms->dec_first_wall[i]);
		}
		return;
	}
	if (match)
		played(ms, hdr->ssrc, hdr->seq, ext, now);
}

/* A new sender (or codec) gets a fresh decoder; a new codec for the same
 * sender (a re-INVITE) keeps what we know of its marks, a splice
 * half-proven included */
static int dec_select(struct media_stream *ms, uint32_t ssrc)
{
	bool same = ms->dec_frames && ms->dec_ssrc == ssrc;
	int err;

	if (ms->jb_on) {
		if (ms->plc && ms->dec_ssrc == ssrc)
			return 0;
		ms->plc = mem_deref(ms->plc);
		err = tc_coder_alloc(&ms->plc, ms->codec, ms->codec->srate);
	}
	else {
		if (ms->dec && ms->dec_ssrc == ssrc)
			return 0;
		ms->dec = mem_deref(ms->dec);
		err = codec_state_alloc(&ms->dec, ms->codec);
	}
	if (err)
		return err;

	ms->dec_ssrc = ssrc;
	if (!same) {
		ms->dec_frames = 0;
		ms->dec_marked = false;
		ms->dec_foreign = false;
		ms->mark_shift = 0;
		ms->shift_cand = false;
	}
	return 0;
}

/* A decoded frame in ms->pcm: to the sink, then the playout proof */
static void decoded(struct media_stream *ms, const struct rtp_header *hdr,
		    uint64_t ext, size_t n)
{
	++ms->decoded;
	++ms->dec_frames;

	if (ms->sinkh)
		ms->sinkh(ms->pcm, n, ms->codec->srate, hdr->ssrc,
			  ms->sink_arg);

	prove(ms, hdr, ext, n);
}

static void play(struct media_stream *ms, const struct rtp_header *hdr,
		 uint64_t ext, const uint8_t *p, size_t len)
{
	size_t n = CODEC_MAX_SAMPLES;

	if (dec_select(ms, hdr->ssrc))
		return;

	if (codec_decode(ms->dec, p, len, ms->pcm, &n)) {
		++ms->decode_errors;
		return;
	}
	decoded(ms, hdr, ext, n);
}


static void rtp_recv_handler(const struct sa *src, const struct rtp_header *hdr,
			     struct mbuf *mb, void *arg)
{
	struct media_stream *ms = arg;
	struct meter_rx rx;
	size_t len = mbuf_get_left(mb);

	if (ms->taph && ms->taph(src, hdr, mb, ms->tap_arg)) {
		++ms->relay.tapped;
		return;
	}

	if (meter_rx(ms->meter, hdr->ssrc, hdr->seq, len, tmr_jiffies(), &rx))
		return;

	ms->last_rx_ssrc = hdr->ssrc;

	if (rx.dup || !ms->recv)
		return;

	if (ms->dtmf_rx_pt >= 0 && hdr->pt == ms->dtmf_rx_pt) {
		char digit;

		(void)dtmf_rx_input(ms->dtmf_rx, hdr->ssrc, hdr->ts,
				    mbuf_buf(mb), len, &digit);
		/* An event stands in for the audio of its time (RFC 4733
		 * §2.5.1.1): it is played, not a gap in the far end's
		 * stream. */
		played(ms, hdr->ssrc, hdr->seq, rx.ext, wall_ms());
		return;
	}

	if (!ms->codec || hdr->pt != ms->rx_pt || !len)
		return;

	if (ms->jb) {
		(void)jitbuf_put(ms->jb, hdr->ssrc, hdr->seq, hdr->ts, rx.ext,
				 tmr_jiffies(), mbuf_buf(mb), len);
		return;
	}
	play(ms, hdr, rx.ext, mbuf_buf(mb), len);
}


static void rtcp_recv_handler(const struct sa *src, struct rtcp_msg *msg,
			      void *arg)
{
	(void)src;
	(void)msg;
	(void)arg;
}


/* Encode the next tone frame and send it; the counters advance even when
 * nothing can be sent, so the far end sees time pass as a gap */
static void send_frame(struct media_stream *ms)
{
	struct rtp_header hdr;
	struct mbuf *mb;
	size_t len;
	int err;

	mb = mbuf_alloc(RTP_HEADER_SIZE + CODEC_MAX_PAYLOAD);
	if (!mb)
		return;

	if (!ms->srch || ms->srch(ms->pcm, ms->codec->frame_samples,
				  ms->codec->srate, ms->seq, ms->src_arg))
		tone_fill(ms->tone, ms->seq, ms->pcm,
			  ms->codec->frame_samples);

	len = CODEC_MAX_PAYLOAD;
	err = codec_encode(ms->enc, ms->pcm, ms->codec->frame_samples,
			   mb->buf + RTP_HEADER_SIZE, &len);
	if (err)
		goto out;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ver  = RTP_VERSION;
	hdr.m    = ms->marker;
	hdr.pt   = ms->pt;
	hdr.seq  = ms->seq;
	hdr.ts   = ms->ts;
	hdr.ssrc = ms->ssrc;

	err = rtp_hdr_encode(mb, &hdr);
	if (err)
		goto out;

	mb->end = RTP_HEADER_SIZE + len;
	mb->pos = 0;

	err = udp_send(rtp_sock(ms->rtp), &ms->raddr, mb);
	if (err)
		goto out;

	meter_tx(ms->meter, len);
	ms->marker = false;

 out:
	++ms->seq;
	ms->ts += ms->codec->frame_ts;
	mem_deref(mb);
}


/* An event packet in place of this tick's audio frame, if one is due
 * (dtmf.c); the counters advance as for a frame */
static bool send_dtmf(struct media_stream *ms)
{
	struct dtmf_pkt pkt;
	struct rtp_header hdr;
	struct mbuf *mb;

	if (ms->dtmf_tx_pt < 0 ||
	    !dtmf_tx_tick(ms->dtmf_tx, ms->ts, ms->codec->frame_ts, &pkt))
		return false;

	mb = mbuf_alloc(RTP_HEADER_SIZE + sizeof(pkt.payload));
	if (!mb)
		goto out;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ver  = RTP_VERSION;
	hdr.m    = pkt.marker;
	hdr.pt   = (uint8_t)ms->dtmf_tx_pt;
	hdr.seq  = ms->seq;
	hdr.ts   = pkt.ts;
	hdr.ssrc = ms->ssrc;

	if (rtp_hdr_encode(mb, &hdr) ||
	    mbuf_write_mem(mb, pkt.payload, sizeof(pkt.payload)))
		goto out;
	mb->pos = 0;
	if (!udp_send(rtp_sock(ms->rtp), &ms->raddr, mb))
		meter_tx(ms->meter, sizeof(pkt.payload));

 out:
	++ms->seq;
	ms->ts += ms->codec->frame_ts;
	mem_deref(mb);
	return true;
}


static void tx_timeout(void *arg)
{
	struct media_stream *ms = arg;
	uint64_t now;

	if (ms->send && ms->have_raddr && ms->codec && !ms->splice.on) {
		if (!send_dtmf(ms))
			send_frame(ms);
	}
	else {
		dtmf_tx_clear(ms->dtmf_tx);   /* digits are not kept for later */
	}

	now = tmr_jiffies();
	ms->next_ms += PTIME_MS;
	if (now > ms->next_ms + MAX_LAG_MS)
		ms->next_ms = now;

	tmr_start(&ms->tmr, ms->next_ms > now ? ms->next_ms - now : 0,
		  tx_timeout, ms);
}


/**
 * A stream of type ("audio") on laddr's IP. Port 0 picks a free even port
 * in [port_min, port_max) (RTCP takes the next one); a non-zero port must
 * be even and is used as given.
 */
int media_stream_alloc_ports(struct media_stream **msp, const char *type,
			     const struct sa *laddr, uint16_t port_min,
			     uint16_t port_max)
{
	struct media_stream *ms;
	int err;

	if (!msp || !type || !laddr || !sa_isset(laddr, SA_ADDR))
		return EINVAL;
	if (str_casecmp(type, "audio"))
		return ENOTSUP;

	err = media_port_range(laddr, &port_min, &port_max);
	if (err)
		return err;

	ms = mem_zalloc(sizeof(*ms), stream_destructor);
	if (!ms)
		return ENOMEM;

	ms->send = true;
	ms->recv = true;
	ms->dtmf_tx_pt = -1;
	ms->dtmf_rx_pt = -1;
	ms->seq = rand_u16();
	ms->ts = rand_u32();
	tmr_init(&ms->tmr);

	err = meter_alloc(&ms->meter);
	err = err ? err : dtmf_tx_alloc(&ms->dtmf_tx);
	err = err ? err : dtmf_rx_alloc(&ms->dtmf_rx);
	if (err)
		goto out;

	err = rtp_listen(&ms->rtp, IPPROTO_UDP, laddr, port_min, port_max,
			 true, rtp_recv_handler, rtcp_recv_handler, ms);
	if (err)
		goto out;

	ms->ssrc = rtp_sess_ssrc(ms->rtp);

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;

	return err;
}


/** media_stream_alloc_ports() with the default range 20000-29999 */
int media_stream_alloc(struct media_stream **msp, const char *type,
		       const struct sa *laddr)
{
	return media_stream_alloc_ports(msp, type, laddr, MEDIA_PORT_MIN,
					MEDIA_PORT_MAX);
}


/** Local RTP address (IP and the port bound) */
const struct sa *media_stream_laddr(const struct media_stream *ms)
{
	return ms ? rtp_local(ms->rtp) : NULL;
}

struct rtp_sock *media_stream_rtp(const struct media_stream *ms)
{
	return ms ? ms->rtp : NULL;
}


/** Send and receive with codec c as payload type pt (both directions) */
int media_stream_set_codec(struct media_stream *ms,
			   const struct codec_desc *c, uint8_t pt)
{
	struct codec_state *enc = NULL;
	struct tone *tone = NULL;
	int err;

	if (!ms || !c || pt > 127)
		return EINVAL;

	err = codec_state_alloc(&enc, c);
	if (err)
		goto out;

	err = tone_alloc(&tone, c->srate);
	if (err)
		goto out;

	mem_deref(ms->enc);
	mem_deref(ms->tone);
	ms->enc = enc;
	ms->tone = tone;
	enc = NULL;
	tone = NULL;
	ms->dec = mem_deref(ms->dec);
	ms->plc = mem_deref(ms->plc);
	ms->codec = c;
	ms->pt = pt;
	if (ms->jb_on) {
		ms->jb = mem_deref(ms->jb);
		err = jitbuf_alloc(&ms->jb, c->clock, PTIME_MS, JB_MIN_MS,
				   JB_MAX_MS);
	}
	ms->rx_pt = pt;
	rtcp_set_srate(ms->rtp, c->clock, c->clock);

 out:
	mem_deref(enc);
	mem_deref(tone);

	return err;
}


/** Accept payload type pt for the codec on receive (when the far end's
 *  dynamic number differs from ours) */
void media_stream_set_rx_pt(struct media_stream *ms, uint8_t pt)
{
	if (ms)
		ms->rx_pt = pt;
}


/** Send to raddr from now on (RTCP to its port + 1); may change mid-call */
int media_stream_set_remote(struct media_stream *ms, const struct sa *raddr)
{
	struct sa rtcp;

	if (!ms || !raddr || !sa_isset(raddr, SA_ALL))
		return EINVAL;

	ms->raddr = *raddr;
	ms->have_raddr = true;

	rtcp = *raddr;
	sa_set_port(&rtcp, sa_port(raddr) + 1);
	rtcp_start(ms->rtp, "sipmob", &rtcp);

	return 0;
}


/** Direction: send (sendrecv/sendonly) and recv (sendrecv/recvonly).
 *  With recv off, packets are still metered but not decoded or played. */
void media_stream_set_dir(struct media_stream *ms, bool send, bool recv)
{
	if (!ms)
		return;

	ms->send = send;
	ms->recv = recv;
}


/* The recorder as a frame sink: the file opens at the first frame, at
 * the codec's rate */
static void wav_sink(const int16_t *pcm, size_t n, uint32_t srate,
		     uint32_t ssrc, void *arg)
{
	struct media_stream *ms = arg;
	(void)ssrc;

	if (ms->wav_path && !ms->wav) {
		if (wav_open(&ms->wav, ms->wav_path, srate))
			ms->wav_path = mem_deref(ms->wav_path);
	}
	if (ms->wav)
		(void)wav_write(ms->wav, pcm, n);
}

void media_stream_set_source(struct media_stream *ms, media_frame_src_h *h,
			     void *arg)
{
	if (!ms)
		return;
	ms->srch = h;
	ms->src_arg = arg;
}

void media_stream_set_sink(struct media_stream *ms, media_frame_sink_h *h,
			   void *arg)
{
	if (!ms)
		return;
	ms->sinkh = h;
	ms->sink_arg = arg;
}

/** Record decoded audio to wav_path (opened at the first decoded frame,
 *  at the codec's rate) through the frame sink; NULL stops and closes the
 *  recording */
int media_stream_record(struct media_stream *ms, const char *wav_path)
{
	if (!ms)
		return EINVAL;

	ms->wav = mem_deref(ms->wav);
	ms->wav_path = mem_deref(ms->wav_path);
	if (ms->sinkh == wav_sink)
		media_stream_set_sink(ms, NULL, NULL);

	if (!wav_path)
		return 0;

	media_stream_set_sink(ms, wav_sink, ms);
	return str_dup(&ms->wav_path, wav_path);
}


/** h is called for every played frame; NULL to stop */
void media_stream_set_played_handler(struct media_stream *ms,
				     media_played_h *h, void *arg)
{
	if (!ms)
		return;

	ms->playedh = h;
	ms->arg = arg;
}


/** Start the 20 ms send timer (frames go out once a codec and a remote
 *  address are set and sending is on) */
int media_stream_start(struct media_stream *ms)
{
	if (!ms)
		return EINVAL;

	if (ms->running)
		return 0;

	ms->running = true;
	ms->marker = true;
	ms->next_ms = tmr_jiffies();
	tmr_start(&ms->tmr, 0, tx_timeout, ms);

	return 0;
}


/** Stop sending (receiving goes on) */
void media_stream_stop(struct media_stream *ms)
{
	if (!ms)
		return;

	tmr_cancel(&ms->tmr);
	ms->running = false;
	dtmf_tx_clear(ms->dtmf_tx);
}


/** A summary; receive counters are summed over all SSRCs received */
int media_stream_stats(const struct media_stream *ms, struct media_stats *st)
{
	struct meter_stats sum;

	if (!ms || !st)
		return EINVAL;

	memset(st, 0, sizeof(*st));
	st->codec = ms->codec ? ms->codec->name : NULL;
	st->tx_ssrc = ms->ssrc;
	meter_tx_stats(ms->meter, &st->tx_packets, &st->tx_bytes);
	st->rx_ssrc = ms->last_rx_ssrc;
	st->decoded_packets = ms->decoded;
	st->decode_errors = ms->decode_errors;

	st->rx_nssrc = (uint32_t)meter_total(ms->meter, &sum);
	st->rx_packets = sum.packets;
	st->rx_bytes = sum.bytes;
	st->played_packets = sum.played;
	st->lost = sum.lost;
	st->first_ms = sum.first_ms;
	st->last_ms = sum.last_ms;

	return 0;
}


/** The stream's meter: per-SSRC counters and played sets */
const struct meter *media_stream_meter(const struct media_stream *ms)
{
	return ms ? ms->meter : NULL;
}


/** The telephone-event payload types: tx_pt the far end's (we send
 *  events with it), rx_pt ours (we take events of it); -1: none. A new
 *  tx_pt of -1 drops the digits still waiting. */
void media_stream_set_dtmf_pt(struct media_stream *ms, int tx_pt, int rx_pt)
{
	if (!ms)
		return;

	ms->dtmf_tx_pt = tx_pt >= 0 && tx_pt <= 127 ? tx_pt : -1;
	ms->dtmf_rx_pt = rx_pt >= 0 && rx_pt <= 127 ? rx_pt : -1;
	if (ms->dtmf_tx_pt < 0)
		dtmf_tx_clear(ms->dtmf_tx);
}


/**
 * Queues DTMF digits (0-9 * # A-D) to send as RFC 4733 events, one after
 * the other. EINVAL for a bad digit; ENOTCONN when the stream is not
 * sending (stopped, direction, no remote address or codec); ENOTSUP when
 * the far end takes no telephone-event or the codec's clock is not 8000;
 * ENOSPC when the queue (DTMF_MAX_QUEUE) is full. Nothing is queued on
 * error.
 */
int media_stream_dtmf_send(struct media_stream *ms, const char *digits)
{
	if (!ms || !dtmf_digits_valid(digits))
		return EINVAL;
	if (!ms->running || !ms->send || !ms->have_raddr || !ms->codec)
		return ENOTCONN;
	if (ms->dtmf_tx_pt < 0 || ms->codec->clock != DTMF_CLOCK)
		return ENOTSUP;

	return dtmf_tx_queue(ms->dtmf_tx, digits);
}


/** The DTMF digits received, oldest first (the latest DTMF_MAX_RX); ""
 *  when none */
const char *media_stream_dtmf_received(const struct media_stream *ms)
{
	return ms ? dtmf_rx_digits(ms->dtmf_rx) : "";
}


/** A tap sees every received packet first (media_relay.h); NULL: none */
void media_stream_set_tap(struct media_stream *ms, media_tap_h *h, void *arg)
{
	if (!ms)
		return;

	ms->taph = h;
	ms->tap_arg = arg;
}


/** The argument of the tap set now (NULL: none) */
void *media_stream_tap_arg(const struct media_stream *ms)
{
	return ms && ms->taph ? ms->tap_arg : NULL;
}


/** Sends a received packet on, unchanged, to dst */
int media_stream_forward(struct media_stream *ms, const struct sa *dst,
			 const struct rtp_header *hdr, struct mbuf *mb)
{
	int err;

	if (!ms)
		return EINVAL;

	err = media_relay_send(rtp_sock(ms->rtp), dst, hdr, mb);
	if (!err)
		++ms->relay.forwarded;

	return err;
}


/** Sends another source's packet to our remote as our next one; our own
 *  frames stop until media_stream_splice_end() */
int media_stream_splice(struct media_stream *ms, const struct rtp_header *hdr,
			struct mbuf *mb)
{
	struct rtp_header out;
	int err;

	if (!ms || !hdr || !mb)
		return EINVAL;
	if (!ms->have_raddr)
		return ENOTCONN;

	media_splice_header(&ms->splice, &out, hdr, ms->ssrc, ms->seq,
			    ms->ts);
	err = media_relay_send_as(rtp_sock(ms->rtp), &ms->raddr, &out, mb);
	++ms->seq;
	/* an event's timestamp is its start: only audio moves the clock */
	if (ms->dtmf_tx_pt < 0 || hdr->pt != ms->dtmf_tx_pt)
		ms->ts = out.ts + (ms->codec ? ms->codec->frame_ts : 0);
	if (!err) {
		meter_tx(ms->meter, mbuf_get_left(mb));
		++ms->relay.spliced;
	}

	return err;
}


void media_stream_splice_begin(struct media_stream *ms)
{
	if (ms)
		ms->splice.on = true;
}


/** Our own frames go on (if sending), after the last spliced packet */
void media_stream_splice_end(struct media_stream *ms)
{
	if (ms) {
		ms->splice.on = false;
		ms->splice.synced = false;
	}
}


void media_stream_relay_stats(const struct media_stream *ms,
			      struct media_relay_stats *st)
{
	if (ms && st)
		*st = ms->relay;
}


int media_stream_relay_rtcp(struct media_stream *ms, const struct sa *dst,
			    const struct sa *except)
{
	if (!ms)
		return EINVAL;

	ms->rtcp_relay = mem_deref(ms->rtcp_relay);
	if (!dst)
		return 0;
	return media_rtcp_relay_alloc(&ms->rtcp_relay, rtcp_sock(ms->rtp),
				      dst, except, &ms->relay.rtcp);
}


/** The next frame goes now, the 20 ms schedule on from it */
void media_stream_send_now(struct media_stream *ms)
{
	if (!ms || !ms->running)
		return;

	ms->next_ms = tmr_jiffies();
	tmr_start(&ms->tmr, 0, tx_timeout, ms);
}


/** Playout by a sound card's clock through the jitter buffer, or (off)
 *  at arrival */
int media_stream_set_jitbuf(struct media_stream *ms, bool on)
{
	int err = 0;

	if (!ms)
		return EINVAL;

	ms->jb_on = on;
	ms->jb = mem_deref(ms->jb);
	ms->plc = mem_deref(ms->plc);
	ms->dec = mem_deref(ms->dec);
	if (on && ms->codec)
		err = jitbuf_alloc(&ms->jb, ms->codec->clock, PTIME_MS,
				   JB_MIN_MS, JB_MAX_MS);
	return err;
}


/* One frame of concealment from the decoder of the sender playing,
 * silence when it has none yet */
static size_t conceal(struct media_stream *ms, int16_t *pcm, size_t want)
{
	size_t n = ms->plc ? tc_coder_conceal(ms->plc, pcm, want) : 0;

	if (n < want)
		memset(pcm + n, 0, (want - n) * sizeof(*pcm));
	return want;
}


int media_stream_playout(struct media_stream *ms, int16_t *pcm, size_t room,
			 size_t *n, uint32_t *srate)
{
	struct rtp_header hdr;
	size_t want, got = 0;

	if (!ms || !pcm || !n || !srate)
		return EINVAL;
	if (!ms->jb || !ms->codec)
		return ENOENT;

	want = ms->codec->frame_samples;
	if (room < want || want > CODEC_MAX_SAMPLES)
		return EINVAL;
	*srate = ms->codec->srate;
	*n = want;

	switch (jitbuf_get(ms->jb, tmr_jiffies(), &ms->jf)) {

	case JITBUF_FRAME:
		memset(&hdr, 0, sizeof(hdr));
		hdr.ssrc = ms->jf.ssrc;
		hdr.seq = ms->jf.seq;
		hdr.ts = ms->jf.ts;
		if (dec_select(ms, hdr.ssrc) ||
		    tc_coder_decode(ms->plc, ms->jf.payload, ms->jf.len,
				    ms->pcm, CODEC_MAX_SAMPLES, &got)) {
			++ms->decode_errors;
			conceal(ms, pcm, want);
			break;
		}
		if (got < want)
			memset(ms->pcm + got, 0, (want - got) * sizeof(*pcm));
		decoded(ms, &hdr, ms->jf.ext, want);
		memcpy(pcm, ms->pcm, want * sizeof(*pcm));
		break;

	case JITBUF_CONCEAL:
		conceal(ms, pcm, want);
		if (ms->sinkh)
			ms->sinkh(pcm, want, ms->codec->srate, ms->dec_ssrc,
				  ms->sink_arg);
		break;

	default:
		memset(pcm, 0, want * sizeof(*pcm));
		break;
	}

	return 0;
}


int media_stream_jitbuf_stats(const struct media_stream *ms,
			      struct jitbuf_stats *st)
{
	if (!ms || !st)
		return EINVAL;
	if (!ms->jb)
		return ENOENT;
	jitbuf_stats(ms->jb, st);
	return 0;
}
