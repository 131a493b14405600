/**
 * @file transcode_pair.c  One packet in, the converted packet(s) out: what
 * the pair's worker does with each RTP packet a leg receives.
 *
 *   1. take it apart (RFC 3550 §5.1): version 2, at least 12 bytes, CSRCs,
 *      extension and padding within the packet; else drop, rx_invalid;
 *   2. its payload type is the leg's codec or its telephone-event; else
 *      drop, rx_bad_pt;
 *   3. its sequence number is newer than the newest taken; an older one
 *      (reordered, duplicate) is dropped, rx_late: nothing waits for it.
 *      A gap is counted (rx_lost), passed on as the same gap in the output
 *      sequence numbers, and concealed into the decoder and encoder so
 *      their state stays continuous (nothing concealed is sent: it would
 *      be late);
 *   4. convert (same codec: the payload as it came; PCMU <-> PCMA: a byte
 *      table; otherwise decode, resample only if the rates differ,
 *      encode), and write the output header as an RTP translator does
 *      (RFC 3550 §7.1): the sender's SSRC and sequence number, the input's
 *      timestamp scaled to the output clock. So the far end can tell what
 *      was lost on the way, and a move through a transcoder is measured
 *      by sequence numbers like any other.
 *
 * Timestamps: within an epoch (from the first packet of a source, or a
 * reconfiguration, on) the output timestamp is out_base + (ts - ts0) *
 * out_clock / in_clock, computed on the unwrapped input timestamp, so it
 * never drifts and the input's timing (jitter, gaps, silence) comes out as
 * it went in. A new epoch continues the output timeline where the last
 * packet sent ended.
 *
 * Frames: the output keeps the input's frame duration. Only Opus takes
 * fixed frame sizes (2.5 to 60 ms): an input frame Opus cannot code as
 * one (say 30 ms of G.711) goes out as several Opus packets at once (20 +
 * 10 ms), each with its own timestamp and the next sequence number (later
 * ones shift by one for each such extra packet); a remainder
 * shorter than 2.5 ms (an odd-sized G.711 payload) is dropped. Nothing is
 * held back for the next packet, so nothing waits.
 *
 * RFC 4733 telephone-event: passed across with the other leg's PT and its
 * timestamp and duration fields scaled to the other leg's clock (the
 * telephone-event clock of a leg is its codec's RTP clock), or dropped
 * (dtmf_dropped) if the other leg has none.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include "transcode_priv.h"

enum {
	MAX_DROPOUT  = 3000,   /* RFC 3550 A.1: a jump this far resyncs    */
	MAX_MISORDER = 100,
	DTMF_BLOCK   = 4,      /* RFC 4733 §2.3 */
};

/* The parts of an RTP header we use, and where the payload is */
struct rtp {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;
	size_t plen;
};


static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}


static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}


/* RFC 3550 §5.1. 0, or EBADMSG if the bytes are not an RTP v2 packet whose
 * CSRCs, extension and padding fit in it. */
static int rtp_parse(struct rtp *h, const uint8_t *p, size_t len)
{
	size_t hl, pad = 0;

	if (len < TC_RTP_HDR || p[0] >> 6 != 2)
		return EBADMSG;

	hl = TC_RTP_HDR + 4 * (size_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < hl + 4)
			return EBADMSG;
		hl += 4 + 4 * (size_t)get16(p + hl + 2);
	}
	if (p[0] & 0x20)
		pad = p[len - 1];
	if (hl + pad > len || (p[0] & 0x20 && !pad))
		return EBADMSG;

	h->marker = p[1] >> 7;
	h->pt = p[1] & 0x7f;
	h->seq = get16(p + 2);
	h->ts = get32(p + 4);
	h->ssrc = get32(p + 8);
	h->payload = p + hl;
	h->plen = len - hl - pad;

	return 0;
}


/* Step 3: true if the packet is to be used; *lost is the gap before it */
static bool rx_sequence(struct tc_rx *rx, const struct rtp *h, uint32_t *lost)
{
	int16_t d;

	*lost = 0;

	if (!rx->started || h->ssrc != rx->ssrc) {
		rx->started = true;
		rx->ssrc = h->ssrc;
		goto restart;
	}

	d = (int16_t)(h->seq - rx->max_seq);
	if (d > 0 && d < MAX_DROPOUT) {
		*lost = (uint32_t)(d - 1);
		rx->max_seq = h->seq;
		rx->bad_seq = UINT32_MAX;
		return true;
	}
	if (d <= 0 && d >= -MAX_MISORDER)
		return false;

	/* far out of sequence: a restarted source if the next follows it */
	if (h->seq != rx->bad_seq) {
		rx->bad_seq = (uint16_t)(h->seq + 1);
		return false;
	}

 restart:
	rx->max_seq = h->seq;
	rx->bad_seq = UINT32_MAX;
	rx->mapped = false;

	return true;
}


/* floor(v * num / den) for a v of either sign */
static int64_t scale(int64_t v, uint32_t num, uint32_t den)
{
	int64_t x = v * (int64_t)num;

	if (x >= 0)
		return x / den;

	return -((-x + den - 1) / den);
}


/* The output timestamp of input timestamp ts (see the top of the file).
 * An audio packet moves the reference on; a telephone-event packet, whose
 * timestamp is its event's start, does not. */
static uint32_t ts_map(struct tc_rx *rx, const struct tc_tx *tx, uint32_t ts,
		       bool audio)
{
	int64_t ext;

	if (!rx->mapped) {
		rx->mapped = true;
		rx->ts_ref = ts;
		rx->ext_ref = 0;
		rx->out_base = tx->ts_next;
	}

	ext = rx->ext_ref + (int32_t)(ts - rx->ts_ref);
	if (audio) {
		rx->ts_ref = ts;
		rx->ext_ref = ext;
	}

	return rx->out_base + (uint32_t)scale(ext, rx->out_clock, rx->in_clock);
}


/* The next output packet's buffer, its header written; NULL if full */
static uint8_t *out_packet(struct tc_scratch *s, struct tc_side *out,
			   bool marker, uint8_t pt, uint32_t ts)
{
	uint8_t *b;

	if (s->nout >= TC_MAX_OUT)
		return NULL;

	b = s->out[s->nout];
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	put16(b + 2, ++out->tx.seq);
	put32(b + 4, ts);
	put32(b + 8, out->tx.ssrc);

	return b;
}


static void out_done(struct tc_scratch *s, struct tc_side *out, size_t plen,
		     uint32_t ts, uint32_t dur)
{
	s->outlen[s->nout++] = TC_RTP_HDR + plen;
	out->tx.ts_next = ts + dur;
}


/* Step 3: keep the decoder, resampler and encoder going over a gap */
static void conceal(struct tc_side *in, struct tc_side *out, uint32_t lost,
		    struct tc_scratch *s)
{
	struct tc_rx *rx = &in->rx;

	if (rx->how != TC_CODE || !rx->mapped)
		return;

	for (uint32_t f = 0; f < lost && f < TC_PLC_FRAMES; f++) {
		size_t n, m, off = 0, c, len;

		n = tc_coder_conceal(in->coder, s->pcm, TC_MAX_PCM);
		if (!n)
			return;
		++in->st.concealed;

		m = tc_resample(&rx->rs, s->pcm, n, s->rpcm, s->x);
		while ((c = tc_coder_chunk(out->coder, m - off)) > 0) {
			(void)tc_coder_encode(out->coder, s->rpcm + off, c,
					      s->discard, sizeof(s->discard),
					      &len);
			off += c;
		}
	}
}


/* Step 4 for telephone-event */
static void convert_dtmf(struct tc_side *in, struct tc_side *out,
			 const struct rtp *h, struct tc_scratch *s)
{
	struct tc_rx *rx = &in->rx;
	uint32_t ts;
	uint8_t *b;

	if (out->conf.dtmf_pt < 0) {
		++in->st.dtmf_dropped;
		return;
	}
	if (h->plen < DTMF_BLOCK || h->plen > TC_MTU - TC_RTP_HDR) {
		++in->st.rx_invalid;
		return;
	}

	ts = ts_map(rx, &out->tx, h->ts, false);
	b = out_packet(s, out, h->marker, (uint8_t)out->conf.dtmf_pt, ts);
	if (!b)
		return;

	memcpy(b + TC_RTP_HDR, h->payload, h->plen);
	for (size_t i = 0; i + DTMF_BLOCK <= h->plen; i += DTMF_BLOCK) {
		uint8_t *blk = b + TC_RTP_HDR + i;
		int64_t dur = scale(get16(blk + 2), rx->out_clock,
				    rx->in_clock);

		put16(blk + 2, (uint16_t)(dur > 0xffff ? 0xffff : dur));
	}

	/* the event is under way: the audio timeline goes on past it */
	s->outlen[s->nout++] = TC_RTP_HDR + h->plen;
	++in->st.dtmf_events;
}


/* Step 4 for audio: decode, resample, encode in the frames the output
 * codec takes */
static void convert_code(struct tc_side *in, struct tc_side *out,
			 const struct rtp *h, struct tc_scratch *s)
{
	struct tc_rx *rx = &in->rx;
	const uint32_t osrate = tc_coder_srate(out->coder);
	size_t n, m, off = 0, c, len;
	uint32_t ts0;
	unsigned npkt = 0;

	if (tc_coder_decode(in->coder, h->payload, h->plen, s->pcm,
			    TC_MAX_PCM, &n)) {
		++in->st.rx_invalid;
		return;
	}
	if (tc_resample_room(&rx->rs, n) > TC_MAX_PCM) {
		++in->st.rx_invalid;
		return;
	}

	ts0 = ts_map(rx, &out->tx, h->ts, true);
	m = tc_resample(&rx->rs, s->pcm, n, s->rpcm, s->x);

	while ((c = tc_coder_chunk(out->coder, m - off)) > 0) {
		uint32_t ts = ts0 + (uint32_t)((uint64_t)off *
					       rx->out_clock / osrate);
		uint32_t dur = (uint32_t)((uint64_t)c * rx->out_clock /
					  osrate);
		uint8_t *b = out_packet(s, out, h->marker && !off,
					out->conf.pt, ts);

		if (!b)
			break;
		if (tc_coder_encode(out->coder, s->rpcm + off, c,
				    b + TC_RTP_HDR, TC_MTU - TC_RTP_HDR, &len)) {
			--out->tx.seq;
			break;
		}
		out_done(s, out, len, ts, dur);
		off += c;
		++npkt;
	}

	rx->last_npkt = npkt ? npkt : 1;
}


/* Step 4 for audio passed as it came or through the G.711 table */
static void convert_bytes(struct tc_side *in, struct tc_side *out,
			  const struct rtp *h, struct tc_scratch *s)
{
	struct tc_rx *rx = &in->rx;
	uint32_t ts;
	uint8_t *b;

	if (!h->plen || h->plen > TC_MTU - TC_RTP_HDR) {
		++in->st.rx_invalid;
		return;
	}

	ts = ts_map(rx, &out->tx, h->ts, true);
	b = out_packet(s, out, h->marker, out->conf.pt, ts);
	if (!b)
		return;

	if (rx->how == TC_TABLE)
		tc_g711_convert(rx->table, h->payload, b + TC_RTP_HDR, h->plen);
	else
		memcpy(b + TC_RTP_HDR, h->payload, h->plen);

	/* G.711 moves the clock one unit per byte */
	out_done(s, out, h->plen, ts, rx->how == TC_TABLE ? (uint32_t)h->plen :
		 tc_coder_duration(out->coder, h->payload, h->plen));
	rx->last_npkt = 1;
}


/**
 * Convert one packet received on leg `from` into s->out[0 .. s->nout),
 * to be sent from the other leg. Counts what it drops on the way.
 */
void tc_pair_convert(struct tc_pair *p, enum tc_leg from,
		     const uint8_t *pkt, size_t len, struct tc_scratch *s)
{
	struct tc_side *in = &p->side[from], *out = &p->side[!from];
	struct rtp h;
	uint32_t lost;
	bool dtmf;

	s->nout = 0;
	++in->st.rx_packets;

	if (rtp_parse(&h, pkt, len)) {
		++in->st.rx_invalid;
		return;
	}
	if (!in->set) {
		++in->st.rx_unrouted;
		return;
	}

	dtmf = in->conf.dtmf_pt >= 0 && h.pt == in->conf.dtmf_pt;
	if (!dtmf && h.pt != in->conf.pt) {
		++in->st.rx_bad_pt;
		return;
	}
	if (!out->set) {
		++in->st.rx_unrouted;
		return;
	}

	if (!rx_sequence(&in->rx, &h, &lost)) {
		++in->st.rx_late;
		return;
	}
	if (lost) {
		in->st.rx_lost += lost;
		conceal(in, out, lost, s);
		/* inputs split in several stay so across the gap */
		out->tx.seq_shift = (uint16_t)(out->tx.seq_shift + lost *
					       (in->rx.last_npkt - 1));
	}

	/* a translator's header: the sender's SSRC and sequence */
	out->tx.ssrc = h.ssrc;
	out->tx.seq = (uint16_t)(h.seq + out->tx.seq_shift - 1);
	if (dtmf)
		convert_dtmf(in, out, &h, s);
	else if (in->rx.how == TC_CODE)
		convert_code(in, out, &h, s);
	else
		convert_bytes(in, out, &h, s);
	if (s->nout > 1)
		out->tx.seq_shift = (uint16_t)(out->tx.seq_shift + s->nout - 1);
}


/* How leg in's input becomes leg out's output */
static void rx_setup(struct tc_side *in, const struct tc_side *out)
{
	struct tc_rx *rx = &in->rx;
	const struct codec_desc *ic = in->conf.codec, *oc = out->conf.codec;

	rx->mapped = false;
	rx->last_npkt = 1;
	rx->in_clock = ic->clock;
	rx->out_clock = oc->clock;
	rx->table = NULL;

	if (ic == oc) {
		rx->how = TC_PASS;
	}
	else if (!strcmp(ic->name, "PCMU") && !strcmp(oc->name, "PCMA")) {
		rx->how = TC_TABLE;
		rx->table = tc_ulaw_to_alaw;
	}
	else if (!strcmp(ic->name, "PCMA") && !strcmp(oc->name, "PCMU")) {
		rx->how = TC_TABLE;
		rx->table = tc_alaw_to_ulaw;
	}
	else {
		rx->how = TC_CODE;
	}

	/* 8 and 16 kHz between G.711 and G.722; an Opus coder codes at the
	 * other leg's rate, so init cannot fail */
	(void)tc_resampler_init(&rx->rs, tc_coder_srate(in->coder),
				tc_coder_srate(out->coder));
}


/* Swap in a new coder, if any; *cp becomes the one to free */
static void coder_swap(struct tc_side *sd, struct tc_coder **cp)
{
	struct tc_coder *old = NULL;

	if (*cp) {
		old = sd->coder;
		sd->coder = *cp;
	}
	*cp = old;
}


/**
 * On the worker: leg takes conf c. *coderp is its new coder, or NULL to
 * keep the one it has, and *otherp the other leg's (an Opus coder follows
 * the rate of the leg beside it); on return they are the coders to free.
 * A change of codec or payload types starts the timestamp mapping anew
 * both ways (the output timelines go on where they were); a change of
 * remote only changes where it sends.
 */
void tc_pair_apply(struct tc_pair *p, enum tc_leg leg,
		   const struct tc_leg_conf *c, struct tc_coder **coderp,
		   struct tc_coder **otherp)
{
	struct tc_side *sd = &p->side[leg];
	bool same = sd->set && !*coderp && !*otherp &&
		sd->conf.codec == c->codec && sd->conf.pt == c->pt &&
		sd->conf.dtmf_pt == c->dtmf_pt;

	coder_swap(sd, coderp);
	coder_swap(&p->side[!leg], otherp);

	sd->conf = *c;
	sd->set = true;
	sd->st.codec = c->codec->name;

	if (same || !p->side[0].set || !p->side[1].set)
		return;

	rx_setup(&p->side[0], &p->side[1]);
	rx_setup(&p->side[1], &p->side[0]);
}
