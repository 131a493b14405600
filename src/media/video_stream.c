/**
 * @file video_stream.c  One m=video line's RTP endpoint: sends the test
 * pattern as H.263+ (RFC 4629), receives, reassembles, decodes, reports.
 *
 * Sending: a timer ticks at the frame rate against an absolute schedule
 * (no drift; after a stall of more than MAX_LAG_MS it resynchronises
 * instead of bursting). Each tick draws the next pattern frame, encodes it
 * and sends its payloads back to back, all with the frame's RTP timestamp
 * (90 kHz clock, taken from the schedule so it stays exact at any rate) and
 * the marker on the last. As in the audio stream, we write the RTP header
 * ourselves, so SSRC and sequence continue across remote changes (the media
 * moves mid-call) and libre's RTCP sends receiver reports only. A size
 * change takes effect at the next tick with a new encoder, whose first
 * picture is a keyframe. Nothing is encoded while sending is off or there
 * is no remote address.
 *
 * Receiving: every packet is metered (any source address is taken, as
 * after a transfer the far end's media may arrive from anywhere); if
 * receiving is on and the payload type is ours, it goes to the
 * depacketizer, and each complete picture to the decoder. A new sending
 * SSRC restarts both. There is no jitter buffer: a reordered packet counts
 * as a gap and costs its picture.
 *
 * Limits: one decoder, for the latest sending SSRC; two senders at once
 * to one display make it restart on every switch. No RTCP feedback (FIR,
 * PLI): after a loss the picture heals at the next keyframe (1 s at most).
 *
 * Cost: encoding is the largest part; measured on the test pattern
 * (docs/media.md, "Video") well under a millisecond per QCIF or CIF frame
 * on one core, against a 66 ms frame interval at 15 fps.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/media_video.h>
#include <sipmob/media_relay.h>

enum {
	MAX_LAG_MS = 500,
	DEC_PAUSE_MS = 1000,
	DEFAULT_W  = 176,
	DEFAULT_H  = 144,
};

struct media_vstream {
	struct rtp_sock *rtp;
	struct sa raddr;
	bool have_raddr;
	bool send;
	bool recv;
	uint8_t pt;
	uint8_t rx_pt;

	/* sending */
	struct tmr tmr;
	bool running;
	unsigned w, h, fps;
	bool resize;
	uint8_t seed;
	struct video_pattern *pattern;
	struct video_enc *enc;
	bool keyframe;
	uint16_t frame_no;
	uint64_t ms0;          /* schedule: frame n is due at ms0 + n/fps */
	uint32_t ts0;          /* ... with RTP timestamp ts0 + n * 90k/fps */
	uint64_t n;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint64_t tx_frames;
	uint64_t tx_keyframes;

	/* receiving */
	struct meter *meter;
	uint32_t last_rx_ssrc;
	struct h263_depack *depack;
	struct video_dec *dec;
	bool have_dec_ssrc;
	uint32_t dec_ssrc;
	uint64_t dec_last;     /* when the decoder was last fed          */
	uint64_t decoded;
	uint64_t decode_errors;
	unsigned rx_w, rx_h;
	bool pattern_ok;
	uint16_t pattern_frame;
	uint8_t pattern_seed;

	media_vframe_h *frameh;
	void *arg;
	struct media_vio io;   /* a camera and a screen, if any         */

	/* the pictures since the latest keyframe, for a bridge */
	struct {
		bool valid;
		uint32_t ssrc;
		size_t n;
		struct rtp_header hdr[MEDIA_GOP_MAX];
		struct mbuf *pkt[MEDIA_GOP_MAX];
	} gop;

	media_tap_h *taph;     /* a bridge sees packets first           */
	void *tap_arg;
	struct media_splice splice;
	uint32_t last_sent_ts;  /* of our last own picture               */
	bool sent_any;
	struct media_relay_stats relay;
	struct media_rtcp_relay *rtcp_relay;
};


static void gop_clear(struct media_vstream *vs)
{
	for (size_t i = 0; i < vs->gop.n; i++)
		vs->gop.pkt[i] = mem_deref(vs->gop.pkt[i]);
	vs->gop.n = 0;
	vs->gop.valid = false;
}


/* Keeps the packets of the current group of pictures: a keyframe's first
 * packet starts a new group; a group too long to keep is dropped until
 * the next keyframe. */
static void gop_add(struct media_vstream *vs, const struct rtp_header *hdr,
		    const struct mbuf *mb)
{
	bool intra = false;
	struct mbuf *copy;

	/* only the stream being received starts a group: a keyframe of
	 * another sender arriving here (a device's camera on its way to be
	 * spliced) must not take the place of the far end's group */
	if (!h263_picture_intra(mbuf_buf(mb), mbuf_get_left(mb), &intra) &&
	    intra && (!vs->gop.valid || hdr->ssrc == vs->gop.ssrc ||
		      (vs->have_dec_ssrc && hdr->ssrc == vs->dec_ssrc))) {
		gop_clear(vs);
		vs->gop.valid = true;
		vs->gop.ssrc = hdr->ssrc;
	}
	if (!vs->gop.valid || vs->gop.ssrc != hdr->ssrc)
		return;
	if (vs->gop.n == MEDIA_GOP_MAX) {
		gop_clear(vs);
		return;
	}
	copy = mbuf_alloc(mbuf_get_left(mb));
	if (!copy || mbuf_write_mem(copy, mbuf_buf(mb), mbuf_get_left(mb))) {
		mem_deref(copy);
		gop_clear(vs);
		return;
	}
	copy->pos = 0;
	vs->gop.hdr[vs->gop.n] = *hdr;
	vs->gop.pkt[vs->gop.n++] = copy;
}


static void vstream_destructor(void *arg)
{
	struct media_vstream *vs = arg;

	tmr_cancel(&vs->tmr);
	mem_deref(vs->rtcp_relay);   /* its helper is on the socket */
	mem_deref(vs->rtp);
	mem_deref(vs->pattern);
	mem_deref(vs->enc);
	mem_deref(vs->meter);
	mem_deref(vs->depack);
	mem_deref(vs->dec);
	gop_clear(vs);
}


static void decode_frame(struct media_vstream *vs, const struct rtp_header *hdr,
			 const uint8_t *frame, size_t len)
{
	struct vidpic pic;
	int err;

	if (!vs->dec) {
		err = video_dec_alloc(&vs->dec);
		if (err)
			return;
	}

	err = video_dec_decode(vs->dec, frame, len, &pic);
	if (err) {
		if (err != EAGAIN)
			++vs->decode_errors;
		return;
	}

	++vs->decoded;
	vs->rx_w = pic.w;
	vs->rx_h = pic.h;
	vs->pattern_ok = !video_pattern_read(&pic, &vs->pattern_frame,
					     &vs->pattern_seed);

	if (vs->frameh) {
		struct media_vframe f = {hdr->ssrc, hdr->ts, pic.w, pic.h,
					 vs->pattern_ok, vs->pattern_frame,
					 vs->pattern_seed};

		vs->frameh(&f, vs->arg);
	}

	if (vs->io.sinkh)
		vs->io.sinkh(&pic, vs->io.sink_arg);
}


static void rtp_recv_handler(const struct sa *src, const struct rtp_header *hdr,
			     struct mbuf *mb, void *arg)
{
	struct media_vstream *vs = arg;
	const uint8_t *frame;
	size_t frame_len;
	struct meter_rx rx;
	size_t len = mbuf_get_left(mb);

	if (vs->taph && vs->taph(src, hdr, mb, vs->tap_arg)) {
		++vs->relay.tapped;
		return;
	}

	if (meter_rx(vs->meter, hdr->ssrc, hdr->seq, len, tmr_jiffies(), &rx))
		return;

	vs->last_rx_ssrc = hdr->ssrc;

	if (rx.dup || hdr->pt != vs->rx_pt)
		return;

	gop_add(vs, hdr, mb);
	if (!vs->recv)
		return;

	/* a new sender, or the same one back after a pause (the media
	 * were elsewhere): its pictures refer to none we kept */
	if (!vs->have_dec_ssrc || vs->dec_ssrc != hdr->ssrc ||
	    tmr_jiffies() > vs->dec_last + DEC_PAUSE_MS) {
		h263_depack_reset(vs->depack);
		vs->dec = mem_deref(vs->dec);
		vs->dec_ssrc = hdr->ssrc;
		vs->have_dec_ssrc = true;
	}

	vs->dec_last = tmr_jiffies();
	if (h263_depack_input(vs->depack, hdr->seq, hdr->ts, hdr->m,
			      mbuf_buf(mb), len, &frame, &frame_len))
		return;

	decode_frame(vs, hdr, frame, frame_len);
}


static void rtcp_recv_handler(const struct sa *src, struct rtcp_msg *msg,
			      void *arg)
{
	(void)src;
	(void)msg;
	(void)arg;
}


/* One RFC 4629 payload out; a failed send still uses up its sequence
 * number, so the far end sees it as lost */
static int send_packet(bool marker, const uint8_t phdr[2],
		       const uint8_t *data, size_t len, void *arg)
{
	struct media_vstream *vs = arg;
	struct rtp_header hdr;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(RTP_HEADER_SIZE + 2 + len);
	if (!mb)
		return ENOMEM;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ver  = RTP_VERSION;
	hdr.m    = marker;
	hdr.pt   = vs->pt;
	hdr.seq  = vs->seq++;
	hdr.ts   = vs->ts;
	hdr.ssrc = vs->ssrc;

	err  = rtp_hdr_encode(mb, &hdr);
	err |= mbuf_write_mem(mb, phdr, 2);
	err |= mbuf_write_mem(mb, data, len);
	if (err)
		goto out;

	mb->pos = 0;
	if (!udp_send(rtp_sock(vs->rtp), &vs->raddr, mb))
		meter_tx(vs->meter, 2 + len);

 out:
	mem_deref(mb);

	return 0;
}


static int encoded_handler(const uint8_t *buf, size_t len, bool key,
			   void *arg)
{
	struct media_vstream *vs = arg;

	++vs->tx_frames;
	if (key)
		++vs->tx_keyframes;

	return h263_packetize(buf, len, VIDEO_RTP_PAYLOAD, send_packet, vs);
}


/* Encoder and pattern for the current size */
static int make_encoder(struct media_vstream *vs)
{
	struct video_pattern *vp = NULL;
	struct video_enc *ve = NULL;
	int err;

	err = video_pattern_alloc(&vp, vs->w, vs->h, vs->seed);
	if (err)
		goto out;

	err = video_enc_alloc(&ve, vs->w, vs->h, vs->fps, VIDEO_BITRATE);
	if (err)
		goto out;

	mem_deref(vs->pattern);
	mem_deref(vs->enc);
	vs->pattern = vp;
	vs->enc = ve;
	vp = NULL;
	ve = NULL;
	vs->resize = false;

 out:
	mem_deref(vp);
	mem_deref(ve);

	return err;
}


static void send_frame(struct media_vstream *vs)
{
	const struct vidpic *pic;

	if (vs->resize || !vs->enc) {
		if (make_encoder(vs))
			return;
	}

	if (vs->keyframe) {
		video_enc_keyframe(vs->enc);
		vs->keyframe = false;
	}

	pic = vs->io.srch ? vs->io.srch(vs->w, vs->h, vs->io.src_arg) : NULL;
	if (!pic || pic->w != vs->w || pic->h != vs->h)
		pic = video_pattern_draw(vs->pattern, vs->frame_no);
	++vs->frame_no;
	(void)video_enc_encode(vs->enc, pic, encoded_handler, vs);
	vs->last_sent_ts = vs->ts;
	vs->sent_any = true;
}


/* Start the schedule afresh at now, the timestamp going on from ts */
static void rebase(struct media_vstream *vs, uint64_t now)
{
	vs->ms0 = now;
	vs->ts0 = vs->ts;
	vs->n = 0;
}


static void tx_timeout(void *arg)
{
	struct media_vstream *vs = arg;
	uint64_t now, next;

	vs->ts = vs->ts0 + (uint32_t)(vs->n * VIDEO_CLOCK / vs->fps);

	if (vs->send && vs->have_raddr && !vs->splice.on)
		send_frame(vs);

	++vs->n;
	next = vs->ms0 + vs->n * 1000 / vs->fps;
	now = tmr_jiffies();
	if (now > next + MAX_LAG_MS) {
		vs->ts = vs->ts0 + (uint32_t)(vs->n * VIDEO_CLOCK / vs->fps);
		rebase(vs, now);
		next = now;
	}

	tmr_start(&vs->tmr, next > now ? next - now : 0, tx_timeout, vs);
}


/**
 * A video stream on laddr's IP. Port 0 picks a free even port in
 * [port_min, port_max) (RTCP takes the next one); a non-zero port must be
 * even and is used as given. Defaults: QCIF at 15 fps, payload type 96,
 * send and receive, a pattern seed from the SSRC.
 */
int media_vstream_alloc_ports(struct media_vstream **vsp,
			      const struct sa *laddr, uint16_t port_min,
			      uint16_t port_max)
{
	struct media_vstream *vs;
	int err;

	if (!vsp || !laddr || !sa_isset(laddr, SA_ADDR))
		return EINVAL;

	err = media_port_range(laddr, &port_min, &port_max);
	if (err)
		return err;

	vs = mem_zalloc(sizeof(*vs), vstream_destructor);
	if (!vs)
		return ENOMEM;

	vs->send = true;
	vs->recv = true;
	vs->pt = VIDEO_PT;
	vs->rx_pt = VIDEO_PT;
	vs->w = DEFAULT_W;
	vs->h = DEFAULT_H;
	vs->fps = VIDEO_FPS;
	vs->resize = true;
	vs->seq = rand_u16();
	vs->ts = rand_u32();
	tmr_init(&vs->tmr);

	err = meter_alloc(&vs->meter);
	if (err)
		goto out;

	err = h263_depack_alloc(&vs->depack, VIDEO_MAX_FRAME);
	if (err)
		goto out;

	err = rtp_listen(&vs->rtp, IPPROTO_UDP, laddr, port_min, port_max,
			 true, rtp_recv_handler, rtcp_recv_handler, vs);
	if (err)
		goto out;

	vs->ssrc = rtp_sess_ssrc(vs->rtp);
	vs->seed = (uint8_t)vs->ssrc;
	rtcp_set_srate(vs->rtp, VIDEO_CLOCK, VIDEO_CLOCK);

 out:
	if (err)
		mem_deref(vs);
	else
		*vsp = vs;

	return err;
}


/** media_vstream_alloc_ports() with the default range 20000-29999 */
int media_vstream_alloc(struct media_vstream **vsp, const struct sa *laddr)
{
	return media_vstream_alloc_ports(vsp, laddr, MEDIA_PORT_MIN,
					 MEDIA_PORT_MAX);
}


/** Local RTP address (IP and the port bound) */
const struct sa *media_vstream_laddr(const struct media_vstream *vs)
{
	return vs ? rtp_local(vs->rtp) : NULL;
}

struct rtp_sock *media_vstream_rtp(const struct media_vstream *vs)
{
	return vs ? vs->rtp : NULL;
}


/** Send and receive as payload type pt (dynamic, "H263-1998/90000") */
int media_vstream_set_pt(struct media_vstream *vs, uint8_t pt)
{
	if (!vs || pt > 127)
		return EINVAL;

	vs->pt = pt;
	vs->rx_pt = pt;

	return 0;
}


/** Accept payload type pt on receive (the far end's number for it) */
void media_vstream_set_rx_pt(struct media_vstream *vs, uint8_t pt)
{
	if (vs && pt <= 127)
		vs->rx_pt = pt;
}


/** Send to raddr from now on (RTCP to its port + 1); may change mid-call,
 *  SSRC and sequence go on. The next frame is a keyframe, so that a new
 *  receiver can start decoding at once. */
int media_vstream_set_remote(struct media_vstream *vs, const struct sa *raddr)
{
	struct sa rtcp;

	if (!vs || !raddr || !sa_isset(raddr, SA_ALL))
		return EINVAL;

	vs->raddr = *raddr;
	vs->have_raddr = true;
	vs->keyframe = true;   /* a new receiver needs a picture to start */

	rtcp = *raddr;
	sa_set_port(&rtcp, sa_port(raddr) + 1);
	rtcp_start(vs->rtp, "sipmob", &rtcp);

	return 0;
}


/** Direction: a display receives only (false, true), a camera sends only
 *  (true, false). With recv off, packets are metered but not decoded. */
void media_vstream_set_dir(struct media_vstream *vs, bool send, bool recv)
{
	if (!vs)
		return;

	vs->send = send;
	vs->recv = recv;
}


/** Send w x h pictures at fps (1..60) frames a second; takes effect at
 *  the next frame, which is a keyframe */
int media_vstream_set_size(struct media_vstream *vs, unsigned w, unsigned h,
			   unsigned fps)
{
	if (!vs || !video_size_valid(w, h) || !fps || fps > 60)
		return EINVAL;

	if (w == vs->w && h == vs->h && fps == vs->fps)
		return 0;

	if (fps != vs->fps && vs->running) {
		vs->ts = vs->ts0 + (uint32_t)(vs->n * VIDEO_CLOCK / vs->fps);
		rebase(vs, tmr_jiffies());
	}

	vs->w = w;
	vs->h = h;
	vs->fps = fps;
	vs->resize = true;

	return 0;
}


/** Draw the pattern with this seed (bar order, box colour, the seed
 *  blocks), so that two cameras differ; from the next frame on, which
 *  comes from a new encoder and so is a keyframe. The default seed is
 *  the low byte of the SSRC. */
void media_vstream_set_pattern(struct media_vstream *vs, uint8_t seed)
{
	if (!vs || vs->seed == seed)
		return;

	vs->seed = seed;
	vs->resize = true;
}


/** Make the next frame sent a keyframe */
void media_vstream_keyframe(struct media_vstream *vs)
{
	if (vs)
		vs->keyframe = true;
}


/** Pictures to send from io->srch instead of the pattern, and every
 *  decoded picture to io->sinkh (either NULL: none); NULL io: none */
void media_vstream_set_io(struct media_vstream *vs,
			  const struct media_vio *io)
{
	if (!vs)
		return;

	if (io)
		vs->io = *io;
	else
		memset(&vs->io, 0, sizeof(vs->io));
}


/** h is called for every decoded frame; NULL to stop */
void media_vstream_set_frame_handler(struct media_vstream *vs,
				     media_vframe_h *h, void *arg)
{
	if (!vs)
		return;

	vs->frameh = h;
	vs->arg = arg;
}


/** Start the frame timer (frames go out once a remote address is set and
 *  sending is on); the first frame is a keyframe */
int media_vstream_start(struct media_vstream *vs)
{
	if (!vs)
		return EINVAL;

	if (vs->running)
		return 0;

	vs->running = true;
	vs->keyframe = true;
	rebase(vs, tmr_jiffies());
	tmr_start(&vs->tmr, 0, tx_timeout, vs);

	return 0;
}


/** Stop sending (receiving goes on) */
void media_vstream_stop(struct media_vstream *vs)
{
	if (!vs)
		return;

	tmr_cancel(&vs->tmr);
	vs->running = false;
}


/** A summary; receive counters are summed over all SSRCs received */
int media_vstream_stats(const struct media_vstream *vs,
			struct media_vstats *st)
{
	struct h263_depack_stats ds;
	struct meter_stats sum;

	if (!vs || !st)
		return EINVAL;

	memset(st, 0, sizeof(*st));
	st->tx_ssrc = vs->ssrc;
	meter_tx_stats(vs->meter, &st->tx_packets, &st->tx_bytes);
	st->tx_frames = vs->tx_frames;
	st->tx_keyframes = vs->tx_keyframes;
	st->tx_width = vs->w;
	st->tx_height = vs->h;
	st->tx_fps = vs->fps;

	st->rx_ssrc = vs->last_rx_ssrc;
	st->frames_decoded = vs->decoded;
	st->decode_errors = vs->decode_errors;
	h263_depack_stats(vs->depack, &ds);
	st->frames_dropped = ds.dropped;
	st->width = vs->rx_w;
	st->height = vs->rx_h;
	st->pattern_ok = vs->pattern_ok;
	st->pattern_frame = vs->pattern_frame;
	st->pattern_seed = vs->pattern_seed;

	(void)meter_total(vs->meter, &sum);
	st->rx_packets = sum.packets;
	st->rx_bytes = sum.bytes;
	st->lost = sum.lost;
	st->first_ms = sum.first_ms;
	st->last_ms = sum.last_ms;

	return 0;
}


/** The stream's meter: per-SSRC counters (sequence, loss, arrival) */
const struct meter *media_vstream_meter(const struct media_vstream *vs)
{
	return vs ? vs->meter : NULL;
}


/** A tap sees every received packet first (media_relay.h); NULL: none */
void media_vstream_set_tap(struct media_vstream *vs, media_tap_h *h,
			   void *arg)
{
	if (!vs)
		return;

	vs->taph = h;
	vs->tap_arg = arg;
}


/** The argument of the tap set now (NULL: none) */
void *media_vstream_tap_arg(const struct media_vstream *vs)
{
	return vs && vs->taph ? vs->tap_arg : NULL;
}


/** Sends a received packet on, unchanged, to dst */
int media_vstream_forward(struct media_vstream *vs, const struct sa *dst,
			  const struct rtp_header *hdr, struct mbuf *mb)
{
	int err;

	if (!vs)
		return EINVAL;

	err = media_relay_send(rtp_sock(vs->rtp), dst, hdr, mb);
	if (!err)
		++vs->relay.forwarded;

	return err;
}


/* The timestamp of the picture after our last one: a splice or an early
 * picture goes on from there, not from our schedule, which ran on while
 * our own pictures had stopped */
static uint32_t next_picture_ts(const struct media_vstream *vs)
{
	return vs->sent_any ? vs->last_sent_ts + VIDEO_CLOCK / vs->fps :
		vs->ts0 + (uint32_t)(vs->n * VIDEO_CLOCK / vs->fps);
}


/** Sends another source's packet to our remote as our next one; our own
 *  frames stop until media_vstream_splice_end() */
int media_vstream_splice(struct media_vstream *vs,
			 const struct rtp_header *hdr, struct mbuf *mb)
{
	struct rtp_header out;
	int err;

	if (!vs || !hdr || !mb)
		return EINVAL;
	if (!vs->have_raddr)
		return ENOTCONN;

	media_splice_header(&vs->splice, &out, hdr, vs->ssrc, vs->seq++,
			    next_picture_ts(vs));
	err = media_relay_send_as(rtp_sock(vs->rtp), &vs->raddr, &out, mb);
	if (!err) {
		meter_tx(vs->meter, mbuf_get_left(mb));
		++vs->relay.spliced;
	}

	return err;
}


/** Our own pictures stop now, before the first one to splice comes */
void media_vstream_splice_begin(struct media_vstream *vs)
{
	if (vs)
		vs->splice.on = true;
}


/** Our own pictures go on (if sending), starting with a keyframe: the
 *  receiver's last pictures were the spliced source's */
void media_vstream_splice_end(struct media_vstream *vs)
{
	bool synced;

	if (!vs || !vs->splice.on)
		return;

	synced = vs->splice.synced;
	vs->splice.on = false;
	vs->splice.synced = false;
	vs->keyframe = true;
	/* our next picture comes a frame after the last spliced one, not
	 * at a time our schedule gave one of those already */
	if (synced) {
		uint64_t interval = 1000 / vs->fps;

		vs->ts = vs->splice.last_ts + VIDEO_CLOCK / vs->fps;
		rebase(vs, tmr_jiffies() + interval);
		if (vs->running)
			tmr_start(&vs->tmr, interval, tx_timeout, vs);
	}
}


void media_vstream_relay_stats(const struct media_vstream *vs,
			       struct media_relay_stats *st)
{
	if (vs && st)
		*st = vs->relay;
}


uint64_t media_vstream_forward_gop(struct media_vstream *vs,
				   const struct sa *dst)
{
	uint64_t n = 0;

	if (!vs || !vs->gop.valid)
		return 0;

	for (size_t i = 0; i < vs->gop.n; i++) {
		if (!media_relay_send(rtp_sock(vs->rtp), dst, &vs->gop.hdr[i],
				      vs->gop.pkt[i]))
			++n;
	}
	vs->relay.forwarded += n;
	return n;
}


int media_vstream_relay_rtcp(struct media_vstream *vs, const struct sa *dst,
			     const struct sa *except)
{
	if (!vs)
		return EINVAL;

	vs->rtcp_relay = mem_deref(vs->rtcp_relay);
	if (!dst)
		return 0;
	return media_rtcp_relay_alloc(&vs->rtcp_relay, rtcp_sock(vs->rtp),
				      dst, except, &vs->relay.rtcp);
}


/** The next picture goes now, the schedule on from it: a bridge that
 *  just opened wants our first picture through it at once */
void media_vstream_send_now(struct media_vstream *vs)
{
	if (!vs || !vs->running)
		return;

	vs->ts = next_picture_ts(vs);
	rebase(vs, tmr_jiffies());
	tmr_start(&vs->tmr, 0, tx_timeout, vs);
}
