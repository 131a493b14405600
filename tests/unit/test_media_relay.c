/**
 * @file test_media_relay.c  A stream's bridge hooks (media_relay.h) with
 * real streams on 127.0.0.1 under a real libre event loop:
 *
 *   forward  A sends to B, B's tap passes every packet on to C and takes
 *            it: C plays A's stream (A's SSRC, sequence unbroken), B plays
 *            nothing; the bytes go on as they came (padding and all), from
 *            B's socket; a header encoded anew (a packet whose header is
 *            no longer before its payload) goes without the padding;
 *   splice   A sends to B, B sends its own tone to C and splices A's
 *            packets into it: C sees B's SSRC only, no gap in sequence or
 *            timestamps, and keeps playing (the marks, shifted by the
 *            splice, are accepted); B's own frames stop while it splices
 *            and go on after splice_end; a padded packet is spliced
 *            without its padding (RFC 3550 §5.1);
 *   tap      a tap that declines leaves playout as it was.
 *
 * And the same for video: forward and splice between media_vstreams (the
 * frame after splice_end is a keyframe, one frame interval after the last
 * spliced picture: every picture C sees is later than the one before),
 * and the pictures since the last keyframe sent to a late receiver. Every
 * run of the loop is bounded by a timer that calls re_cancel().
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <libavutil/log.h>
#include <sipmob/media.h>
#include <sipmob/media_video.h>
#include <sipmob/media_relay.h>
#include "run_loop.h"

enum { PCMU_FRAME_TS = 160 };

static struct sa lo;   /* 127.0.0.1, port 0 */


static int group_setup(void **state)
{
	(void)state;

	av_log_set_level(AV_LOG_QUIET);
	if (libre_init())
		return -1;
	return sa_set_str(&lo, "127.0.0.1", 0) ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;
	tmr_debug();
	libre_close();

	return 0;
}


/* ---- audio ---- */


static struct media_stream *stream(void)
{
	struct media_stream *ms = NULL;

	assert_int_equal(0, media_stream_alloc(&ms, "audio", &lo));
	assert_int_equal(0, media_stream_set_codec(ms, codec_find("PCMU"), 0));
	return ms;
}


static void stats(const struct media_stream *ms, struct media_stats *st)
{
	assert_int_equal(0, media_stream_stats(ms, st));
}


static struct media_relay_stats relay(const struct media_stream *ms)
{
	struct media_relay_stats rs;

	memset(&rs, 0xff, sizeof(rs));
	media_stream_relay_stats(ms, &rs);
	return rs;
}


/* A stream's own tone frames: what it sent less what it spliced */
static uint64_t own_frames(const struct media_stream *ms)
{
	struct media_stats st;

	stats(ms, &st);
	return st.tx_packets - relay(ms).spliced;
}


/* The played handler's view: one SSRC, each packet one after the last */
struct plays {
	uint32_t ssrc;
	uint16_t last;
	unsigned n;
	unsigned breaks;        /* a played seq that was not last + 1 */
	unsigned ssrc_changes;
};


static void played_h(uint32_t ssrc, uint16_t seq, uint64_t ext,
		     uint64_t wall_ms, void *arg)
{
	struct plays *pl = arg;
	(void)ext;
	(void)wall_ms;

	if (pl->n) {
		if (seq != (uint16_t)(pl->last + 1))
			++pl->breaks;
		if (ssrc != pl->ssrc)
			++pl->ssrc_changes;
	}
	++pl->n;
	pl->last = seq;
	pl->ssrc = ssrc;
}


/* B's tap in the forward test: every packet goes on to dst, and is taken */
struct fwd {
	struct media_stream *ms;
	struct media_vstream *vs;
	struct sa dst;
	unsigned calls;
	unsigned errs;
	bool src_ok;            /* every packet came from want_src */
	struct sa want_src;
};


static bool forward_tap(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct fwd *f = arg;
	int err;

	if (!f->calls)
		f->src_ok = true;
	++f->calls;
	if (!sa_cmp(src, &f->want_src, SA_ALL))
		f->src_ok = false;
	err = f->ms ? media_stream_forward(f->ms, &f->dst, hdr, mb)
		    : media_vstream_forward(f->vs, &f->dst, hdr, mb);
	if (err)
		++f->errs;
	return true;
}


static void forward_passes_the_stream_on_unchanged(void **state)
{
	struct media_stream *a = stream(), *b = stream(), *c = stream();
	struct fwd f = {.ms = b};
	struct plays pc = {0};
	struct media_stats sa_, sb, sc;
	struct media_relay_stats rb;
	struct meter_stats mc;
	(void)state;

	f.dst = *media_stream_laddr(c);
	f.want_src = *media_stream_laddr(a);
	media_stream_set_tap(b, forward_tap, &f);
	media_stream_set_played_handler(c, played_h, &pc);
	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	assert_int_equal(0, media_stream_start(a));

	run_for(1000);
	media_stream_stop(a);
	run_for(60);

	stats(a, &sa_);
	stats(b, &sb);
	stats(c, &sc);
	rb = relay(b);
	print_message("A sent %llu; B forwarded %llu; C received %llu, "
		      "played %llu\n", (unsigned long long)sa_.tx_packets,
		      (unsigned long long)rb.forwarded,
		      (unsigned long long)sc.rx_packets,
		      (unsigned long long)sc.played_packets);

	assert_true(sa_.tx_packets >= 40);
	assert_int_equal(0, f.errs);
	assert_true(f.src_ok);

	/* B took every packet: not metered, not played, all passed on */
	assert_int_equal(sa_.tx_packets, f.calls);
	assert_int_equal(sa_.tx_packets, rb.tapped);
	assert_int_equal(sa_.tx_packets, rb.forwarded);
	assert_int_equal(0, rb.spliced);
	assert_int_equal(0, sb.rx_packets);
	assert_int_equal(0, sb.rx_nssrc);
	assert_int_equal(0, sb.decoded_packets);
	assert_int_equal(0, sb.played_packets);
	assert_int_equal(0, sb.tx_packets);

	/* C plays A's own stream: A's SSRC, every number, in order */
	assert_int_equal(sa_.tx_ssrc, sc.rx_ssrc);
	assert_int_equal(1, sc.rx_nssrc);
	assert_int_equal(sa_.tx_packets, sc.rx_packets);
	assert_int_equal(0, sc.lost);
	assert_int_equal(0, sc.decode_errors);
	assert_true(sc.played_packets + 2 >= sc.rx_packets);
	assert_int_equal(sc.played_packets, pc.n);
	assert_int_equal(sa_.tx_ssrc, pc.ssrc);
	assert_int_equal(0, pc.breaks);
	assert_int_equal(0, pc.ssrc_changes);
	assert_int_equal(0, meter_stats(media_stream_meter(c), sa_.tx_ssrc,
					&mc));
	assert_int_equal(mc.expected, mc.packets);
	assert_int_equal(0, mc.reordered);

	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
}


/* ---- byte for byte, with raw sockets at both ends ---- */

struct catcher {
	struct udp_sock *us;
	struct sa src[4];
	struct mbuf *pkt[4];
	unsigned n;
};


static void catch_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct catcher *k = arg;
	struct mbuf *copy;

	if (k->n == ARRAY_SIZE(k->pkt))
		return;
	copy = mbuf_alloc(mbuf_get_left(mb));
	if (!copy)
		return;
	(void)mbuf_write_mem(copy, mbuf_buf(mb), mbuf_get_left(mb));
	copy->pos = 0;
	k->src[k->n] = *src;
	k->pkt[k->n++] = copy;
}


static void catcher_init(struct catcher *k)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(0, udp_listen(&k->us, &lo, catch_h, k));
}


static void catcher_close(struct catcher *k)
{
	for (unsigned i = 0; i < k->n; i++)
		mem_deref(k->pkt[i]);
	mem_deref(k->us);
}


static const uint8_t payload[24] = {
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8,
	9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
};


/* RTP packets with what a relay must keep or drop: 0 plain, 1 with two
 * CSRCs and a one-word header extension, 2 padded (4 bytes) */
static struct mbuf *raw_packet(unsigned kind, uint16_t seq, uint32_t ts)
{
	struct rtp_header h;
	struct mbuf *mb = mbuf_alloc(128);

	assert_non_null(mb);
	memset(&h, 0, sizeof(h));
	h.ver = RTP_VERSION;
	h.pt = 0;
	h.m = kind == 1;
	h.seq = seq;
	h.ts = ts;
	h.ssrc = 0x5eed0001;
	if (kind == 1) {
		h.cc = 2;
		h.csrc[0] = 0x11111111;
		h.csrc[1] = 0x22222222;
		h.ext = true;
		h.x.type = 0xbede;
		h.x.len = 1;
	}
	h.pad = kind == 2;
	assert_int_equal(0, rtp_hdr_encode(mb, &h));
	if (kind == 1)
		assert_int_equal(0, mbuf_write_u32(mb, htonl(0x10ab0000)));
	assert_int_equal(0, mbuf_write_mem(mb, payload, sizeof(payload)));
	if (kind == 2) {
		static const uint8_t pad[4] = {0, 0, 0, 4};

		assert_int_equal(0, mbuf_write_mem(mb, pad, sizeof(pad)));
	}
	mb->pos = 0;
	return mb;
}


static void send_raw(struct udp_sock *us, const struct sa *dst,
		     unsigned kind, uint16_t seq, uint32_t ts)
{
	struct mbuf *mb = raw_packet(kind, seq, ts);

	assert_int_equal(0, udp_send(us, dst, mb));
	mem_deref(mb);
}


static void assert_payload(const struct mbuf *pkt, size_t hdr_len)
{
	assert_int_equal(hdr_len + sizeof(payload), pkt->end);
	assert_memory_equal(pkt->buf + hdr_len, payload, sizeof(payload));
}


static void forward_is_byte_exact_from_the_streams_socket(void **state)
{
	struct media_stream *b = stream();
	struct udp_sock *x = NULL;
	struct catcher y;
	struct fwd f = {.ms = b};
	struct rtp_header h;
	struct mbuf *sent;
	(void)state;

	catcher_init(&y);
	assert_int_equal(0, udp_listen(&x, &lo, NULL, NULL));
	assert_int_equal(0, udp_local_get(x, &f.want_src));
	assert_int_equal(0, udp_local_get(y.us, &f.dst));
	media_stream_set_tap(b, forward_tap, &f);

	for (unsigned kind = 0; kind < 3; kind++) {
		send_raw(x, media_stream_laddr(b), kind,
			 (uint16_t)(700 + kind), 9000 + 160 * kind);
		run_for(100);
	}
	assert_int_equal(3, f.calls);
	assert_int_equal(0, f.errs);
	assert_true(f.src_ok);
	assert_int_equal(3, y.n);
	for (unsigned i = 0; i < y.n; i++)
		assert_true(sa_cmp(&y.src[i], media_stream_laddr(b), SA_ALL));

	/* plain, with CSRCs and an extension, and padded: the packet as it
	 * came */
	for (unsigned kind = 0; kind < 3; kind++) {
		sent = raw_packet(kind, (uint16_t)(700 + kind),
				  9000 + 160 * kind);
		assert_int_equal(sent->end, y.pkt[kind]->end);
		assert_memory_equal(sent->buf, y.pkt[kind]->buf, sent->end);
		mem_deref(sent);
	}

	/* the padded one still says so, and ends with its padding */
	assert_int_equal(0, rtp_hdr_decode(&h, y.pkt[2]));
	assert_true(h.pad);
	assert_int_equal(702, h.seq);
	assert_int_equal(9320, h.ts);
	assert_int_equal(0x5eed0001, h.ssrc);
	assert_int_equal(RTP_HEADER_SIZE + sizeof(payload) + 4,
			 y.pkt[2]->end);
	assert_int_equal(4, y.pkt[2]->buf[y.pkt[2]->end - 1]);

	assert_int_equal(3, relay(b).forwarded);
	assert_int_equal(3, relay(b).tapped);

	mem_deref(x);
	catcher_close(&y);
	mem_deref(b);
}


/* An empty receiver report (RFC 3550 §6.4.2) from ssrc */
static void send_rr(struct udp_sock *us, const struct sa *dst, uint32_t ssrc)
{
	struct mbuf *mb = mbuf_alloc(8);

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_u8(mb, 0x80));
	assert_int_equal(0, mbuf_write_u8(mb, RTCP_RR));
	assert_int_equal(0, mbuf_write_u16(mb, htons(1)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(ssrc)));
	mb->pos = 0;
	assert_int_equal(0, udp_send(us, dst, mb));
	mem_deref(mb);
}


/* The far end's RTCP reaches B's RTCP port (its RTP port + 1) and goes
 * on, unchanged, to the RTCP port of the new place (its RTP port + 1);
 * the new place's own reports stay with B; without the relay B keeps
 * what comes. */
static void rtcp_relay_passes_the_far_ends_reports_on(void **state)
{
	struct media_stream *b = stream();
	struct udp_sock *far = NULL, *own = NULL;
	struct sa b_rtcp, to, to_rtp, own_rtcp, own_rtp;
	struct catcher y;
	(void)state;

	catcher_init(&y);
	assert_int_equal(0, udp_listen(&far, &lo, NULL, NULL));
	assert_int_equal(0, udp_listen(&own, &lo, NULL, NULL));
	b_rtcp = *media_stream_laddr(b);
	sa_set_port(&b_rtcp, sa_port(&b_rtcp) + 1);
	assert_int_equal(0, udp_local_get(y.us, &to));
	to_rtp = to;
	sa_set_port(&to_rtp, sa_port(&to) - 1);
	assert_int_equal(0, udp_local_get(own, &own_rtcp));
	own_rtp = own_rtcp;
	sa_set_port(&own_rtp, sa_port(&own_rtcp) - 1);

	assert_int_equal(EINVAL, media_stream_relay_rtcp(NULL, &to_rtp, NULL));
	assert_int_equal(0, media_stream_relay_rtcp(b, &to_rtp, &own_rtp));
	send_rr(far, &b_rtcp, 0xfa0001);
	send_rr(own, &b_rtcp, 0x0e0001);   /* the new place's own */
	run_for(100);
	assert_int_equal(1, y.n);
	assert_true(sa_cmp(&y.src[0], &b_rtcp, SA_ALL));
	assert_int_equal(8, y.pkt[0]->end);
	assert_int_equal(RTCP_RR, y.pkt[0]->buf[1]);
	assert_int_equal(0xfa, y.pkt[0]->buf[5]);
	assert_int_equal(1, relay(b).rtcp);

	assert_int_equal(0, media_stream_relay_rtcp(b, NULL, NULL));
	send_rr(far, &b_rtcp, 0xfa0001);
	run_for(100);
	assert_int_equal(1, y.n);
	assert_int_equal(1, relay(b).rtcp);

	mem_deref(far);
	mem_deref(own);
	catcher_close(&y);
	mem_deref(b);
}


/* B's tap in the re-encoded forward: the payload (and padding) goes on
 * from a copy of its own, without the header before it, as a kept
 * picture does (media_vstream_forward_gop()) */
static bool copy_forward_tap(const struct sa *src,
			     const struct rtp_header *hdr, struct mbuf *mb,
			     void *arg)
{
	struct fwd *f = arg;
	struct mbuf *copy;
	(void)src;

	++f->calls;
	copy = mbuf_alloc(mbuf_get_left(mb));
	if (!copy || mbuf_write_mem(copy, mbuf_buf(mb), mbuf_get_left(mb))) {
		++f->errs;
		mem_deref(copy);
		return true;
	}
	copy->pos = 0;
	if (media_stream_forward(f->ms, &f->dst, hdr, copy))
		++f->errs;
	mem_deref(copy);
	return true;
}


/* A header encoded anew has no P bit: the padding is cut from the
 * payload, not sent on as payload (RFC 3550 §5.1) */
static void padding_is_not_relayed_as_payload(void **state)
{
	struct media_stream *b = stream();
	struct udp_sock *x = NULL;
	struct catcher y;
	struct fwd f = {.ms = b};
	struct rtp_header h;
	struct mbuf *mb;
	(void)state;

	catcher_init(&y);
	assert_int_equal(0, udp_listen(&x, &lo, NULL, NULL));
	assert_int_equal(0, udp_local_get(y.us, &f.dst));
	media_stream_set_tap(b, copy_forward_tap, &f);

	/* plain and padded, through a stream */
	send_raw(x, media_stream_laddr(b), 0, 700, 9000);
	run_for(100);
	send_raw(x, media_stream_laddr(b), 2, 701, 9160);
	run_for(100);
	assert_int_equal(2, f.calls);
	assert_int_equal(0, f.errs);
	assert_int_equal(2, relay(b).forwarded);
	assert_int_equal(2, y.n);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(0, rtp_hdr_decode(&h, y.pkt[i]));
		assert_false(h.pad);
		assert_int_equal(700 + i, h.seq);
		assert_int_equal(9000 + 160 * i, h.ts);
		assert_int_equal(0x5eed0001, h.ssrc);
		assert_payload(y.pkt[i], RTP_HEADER_SIZE);
	}

	/* media_relay_send() itself: bytes before the payload that are not
	 * an RTP header are not taken for one */
	mb = raw_packet(2, 702, 9320);
	assert_int_equal(0, rtp_hdr_decode(&h, mb));
	mb->buf[0] = 0;   /* version 0 */
	assert_int_equal(0, media_relay_send(x, &f.dst, &h, mb));
	mem_deref(mb);
	/* padding that claims more than there is leaves no payload */
	mb = raw_packet(2, 703, 9480);
	assert_int_equal(0, rtp_hdr_decode(&h, mb));
	mb->buf[mb->end - 1] = 200;
	assert_int_equal(0, media_relay_send_as(x, &f.dst, &h, mb));
	mem_deref(mb);
	run_for(100);
	assert_int_equal(4, y.n);
	assert_int_equal(0, rtp_hdr_decode(&h, y.pkt[2]));
	assert_false(h.pad);
	assert_int_equal(702, h.seq);
	assert_payload(y.pkt[2], RTP_HEADER_SIZE);
	assert_int_equal(0, rtp_hdr_decode(&h, y.pkt[3]));
	assert_false(h.pad);
	assert_int_equal(703, h.seq);
	assert_int_equal(RTP_HEADER_SIZE, y.pkt[3]->end);

	mem_deref(x);
	catcher_close(&y);
	mem_deref(b);
}


/* B's tap in the splice tests: A's packets are taken; while on, spliced */
struct splicer {
	struct media_stream *ms;
	struct media_vstream *vs;
	struct sa from;
	bool on;
	unsigned taken;
	unsigned spliced;
	unsigned errs;
	int last_err;
};


static bool splice_tap(const struct sa *src, const struct rtp_header *hdr,
		       struct mbuf *mb, void *arg)
{
	struct splicer *s = arg;
	int err;

	if (!sa_cmp(src, &s->from, SA_ALL))
		return false;
	++s->taken;
	if (!s->on)
		return true;   /* dropped */
	err = media_stream_splice(s->ms, hdr, mb);
	if (err) {
		++s->errs;
		s->last_err = err;
	}
	else {
		++s->spliced;
	}
	return true;
}


static void splice_strips_csrcs_and_extension_keeping_the_timeline(
	void **state)
{
	struct media_stream *b = stream();
	struct udp_sock *x = NULL;
	struct splicer s = {0};
	struct catcher y;
	struct sa ya;
	struct media_stats sb;
	struct rtp_header h[3];
	(void)state;

	catcher_init(&y);
	assert_int_equal(0, udp_listen(&x, &lo, NULL, NULL));
	assert_int_equal(0, udp_local_get(x, &s.from));
	assert_int_equal(0, udp_local_get(y.us, &ya));
	s.ms = b;
	s.on = true;
	media_stream_set_tap(b, splice_tap, &s);

	/* no remote yet: nowhere to splice to */
	send_raw(x, media_stream_laddr(b), 0, 500, 4000);
	run_for(100);
	assert_int_equal(1, s.errs);
	assert_int_equal(ENOTCONN, s.last_err);
	s.errs = 0;

	/* B is not started: its own frames never interleave here */
	assert_int_equal(0, media_stream_set_remote(b, &ya));
	for (unsigned kind = 0; kind < 3; kind++) {
		send_raw(x, media_stream_laddr(b), kind,
			 (uint16_t)(501 + kind), 4160 + 160 * kind);
		run_for(100);
	}
	assert_int_equal(0, s.errs);
	assert_int_equal(3, s.spliced);
	assert_int_equal(3, y.n);
	stats(b, &sb);

	for (unsigned i = 0; i < 3; i++) {
		assert_true(sa_cmp(&y.src[i], media_stream_laddr(b), SA_ALL));
		assert_int_equal(0, rtp_hdr_decode(&h[i], y.pkt[i]));
		assert_int_equal(sb.tx_ssrc, h[i].ssrc);
		assert_int_equal(0, h[i].cc);
		assert_false(h[i].ext);
		assert_false(h[i].pad);
		assert_int_equal(0, h[i].pt);
		/* the padded one without its padding */
		assert_payload(y.pkt[i], RTP_HEADER_SIZE);
	}
	assert_true(h[1].m);   /* the marker is the source's */
	/* our sequence, one after the other; the source's spacing in time */
	assert_int_equal((uint16_t)(h[0].seq + 1), h[1].seq);
	assert_int_equal((uint16_t)(h[1].seq + 1), h[2].seq);
	assert_int_equal(h[0].ts + 160, h[1].ts);
	assert_int_equal(h[1].ts + 160, h[2].ts);

	assert_int_equal(3, sb.tx_packets);
	assert_int_equal(3, relay(b).spliced);
	assert_int_equal(4, relay(b).tapped);
	assert_int_equal(0, relay(b).forwarded);

	mem_deref(x);
	catcher_close(&y);
	mem_deref(b);
}


/* C's passive tap: what arrives, packet by packet, and the shift of each
 * frame's tone mark against its sequence number */
struct watch {
	struct codec_state *dec;
	unsigned pkts;
	uint32_t ssrc;
	uint16_t last_seq;
	uint32_t last_ts;
	unsigned seq_breaks;
	unsigned ts_breaks;
	unsigned ssrc_changes;
	unsigned shifts;        /* bit i: a frame marked seq + i */
	int16_t pcm[CODEC_MAX_SAMPLES];
};


static bool watch_tap(const struct sa *src, const struct rtp_header *hdr,
		      struct mbuf *mb, void *arg)
{
	struct watch *w = arg;
	size_t n = CODEC_MAX_SAMPLES;
	(void)src;

	if (w->pkts) {
		if (hdr->seq != (uint16_t)(w->last_seq + 1))
			++w->seq_breaks;
		if (hdr->ts != w->last_ts + PCMU_FRAME_TS)
			++w->ts_breaks;
		if (hdr->ssrc != w->ssrc)
			++w->ssrc_changes;
	}
	++w->pkts;
	w->ssrc = hdr->ssrc;
	w->last_seq = hdr->seq;
	w->last_ts = hdr->ts;

	if (!codec_decode(w->dec, mbuf_buf(mb), mbuf_get_left(mb), w->pcm,
			  &n)) {
		int sym = tone_detect(w->pcm, n, 8000);

		if (sym >= 0)
			w->shifts |= 1u << (((unsigned)sym - hdr->seq) & 7);
	}
	return false;
}


/* One run of the audio splice; returns whether the spliced frames' marks
 * were shifted (they are unless A's and B's counters happen to agree mod
 * 8, one run in eight) */
static bool splice_once(void)
{
	struct media_stream *a = stream(), *b = stream(), *c = stream();
	struct splicer s = {0};
	struct watch *w = calloc(1, sizeof(*w));
	struct plays pc = {0};
	struct media_stats sa_, sb, sc, c1, c2, c3;
	struct media_relay_stats r1, r2;
	struct meter_stats mc;
	uint64_t own1, own2, own3;
	bool shifted;

	assert_non_null(w);
	assert_int_equal(0, codec_state_alloc(&w->dec, codec_find("PCMU")));
	s.ms = b;
	s.from = *media_stream_laddr(a);
	media_stream_set_tap(b, splice_tap, &s);
	media_stream_set_tap(c, watch_tap, w);
	media_stream_set_played_handler(c, played_h, &pc);

	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	assert_int_equal(0, media_stream_set_remote(b, media_stream_laddr(c)));
	assert_int_equal(0, media_stream_start(b));
	assert_int_equal(0, media_stream_start(a));

	/* B's own tone reaches C; A's packets are dropped at B */
	run_for(400);
	assert_true(own_frames(b) >= 15);
	assert_int_equal(0, relay(b).spliced);

	/* splicing: C gets A's frames as B's; B's own frames stop */
	s.on = true;
	run_for(100);
	r1 = relay(b);
	own1 = own_frames(b);
	stats(c, &c1);
	assert_true(r1.spliced > 0);
	run_for(600);
	r2 = relay(b);
	own2 = own_frames(b);
	stats(c, &c2);
	print_message("splicing: B spliced %llu, own frames %llu -> %llu; "
		      "C played %llu more\n",
		      (unsigned long long)(r2.spliced - r1.spliced),
		      (unsigned long long)own1, (unsigned long long)own2,
		      (unsigned long long)(c2.played_packets -
					   c1.played_packets));
	assert_int_equal(own1, own2);
	assert_true(r2.spliced - r1.spliced >= 20);
	assert_true(c2.played_packets - c1.played_packets >= 20);
	assert_true(c2.played_packets - c1.played_packets + 2 >=
		    r2.spliced - r1.spliced);
	assert_int_equal(1, c2.rx_nssrc);
	assert_int_equal(0, c2.lost);

	/* splice_end: B's own tone goes on where the splice left it */
	s.on = false;
	media_stream_splice_end(b);
	run_for(600);
	own3 = own_frames(b);
	stats(c, &c3);
	assert_true(own3 - own2 >= 20);
	assert_true(c3.played_packets - c2.played_packets >= 20);
	assert_int_equal(r2.spliced, relay(b).spliced);

	media_stream_stop(a);
	media_stream_stop(b);
	run_for(60);

	stats(a, &sa_);
	stats(b, &sb);
	stats(c, &sc);
	shifted = (w->shifts & ~1u) != 0;
	print_message("C: %llu received, %llu played, %llu lost, %u SSRC(s);"
		      " mark shifts seen 0x%02x\n",
		      (unsigned long long)sc.rx_packets,
		      (unsigned long long)sc.played_packets,
		      (unsigned long long)sc.lost, sc.rx_nssrc, w->shifts);

	/* one stream at C, B's, with nothing missing and nothing twice */
	assert_int_equal(1, sc.rx_nssrc);
	assert_int_equal(sb.tx_ssrc, sc.rx_ssrc);
	assert_int_equal(sb.tx_ssrc, w->ssrc);
	assert_int_equal(0, w->ssrc_changes);
	assert_int_equal(0, sc.lost);
	assert_int_equal(sb.tx_packets, sc.rx_packets);
	assert_int_equal(sc.rx_packets, w->pkts);
	assert_int_equal(0, w->seq_breaks);
	assert_int_equal(0, w->ts_breaks);
	assert_int_equal(0, meter_stats(media_stream_meter(c), sb.tx_ssrc,
					&mc));
	assert_int_equal(mc.expected, mc.packets);
	/* own frames and spliced ones all played, in order */
	assert_true(w->shifts & 1u);
	assert_true(sc.played_packets + 2 >= sc.rx_packets);
	assert_int_equal(sc.played_packets, pc.n);
	assert_int_equal(0, pc.breaks);
	assert_int_equal(0, pc.ssrc_changes);

	/* B took all of A's packets and played none of them */
	assert_int_equal(0, s.errs);
	assert_int_equal(sa_.tx_packets, s.taken);
	assert_int_equal(s.taken, relay(b).tapped);
	assert_int_equal(s.spliced, relay(b).spliced);
	assert_int_equal(0, relay(b).forwarded);
	assert_int_equal(0, sb.rx_packets);
	assert_int_equal(0, sb.played_packets);

	mem_deref(w->dec);
	free(w);
	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	return shifted;
}


static void splice_sends_anothers_packets_as_our_own(void **state)
{
	unsigned runs = 0;
	bool shifted = false;
	(void)state;

	/* until a run whose splice really shifted the marks (each run
	 * checks everything; 8 runs all unshifted: 1 in 16 million) */
	while (!shifted && runs < 8) {
		shifted = splice_once();
		++runs;
	}
	print_message("%u run(s)\n", runs);
	assert_true(shifted);
}


/* A tap that only looks */
struct peek {
	unsigned calls;
	uint32_t ssrc;
	size_t bytes;
};


static bool peek_tap(const struct sa *src, const struct rtp_header *hdr,
		     struct mbuf *mb, void *arg)
{
	struct peek *p = arg;
	(void)src;

	++p->calls;
	p->ssrc = hdr->ssrc;
	p->bytes += mbuf_get_left(mb);
	return false;
}


static void tap_that_declines_leaves_playout_as_it_was(void **state)
{
	struct media_stream *a = stream(), *b = stream();
	struct peek p = {0};
	struct plays pb = {0};
	struct media_stats sa_, sb;
	unsigned calls;
	uint64_t played;
	(void)state;

	media_stream_set_tap(b, peek_tap, &p);
	media_stream_set_played_handler(b, played_h, &pb);
	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	assert_int_equal(0, media_stream_start(a));
	run_for(600);
	media_stream_stop(a);
	run_for(60);

	stats(a, &sa_);
	stats(b, &sb);
	assert_true(sa_.tx_packets >= 20);
	assert_int_equal(sa_.tx_packets, p.calls);
	assert_int_equal(sa_.tx_ssrc, p.ssrc);
	assert_int_equal(sa_.tx_bytes, p.bytes);
	/* metered, decoded and played as without a tap */
	assert_int_equal(sa_.tx_packets, sb.rx_packets);
	assert_int_equal(sa_.tx_bytes, sb.rx_bytes);
	assert_int_equal(sb.rx_packets, sb.decoded_packets);
	assert_true(sb.played_packets + 2 >= sb.rx_packets);
	assert_int_equal(sa_.tx_ssrc, sb.rx_ssrc);
	assert_int_equal(0, sb.lost);
	assert_int_equal(0, pb.breaks);
	assert_int_equal(0, relay(b).tapped);
	assert_int_equal(0, relay(b).forwarded);
	assert_int_equal(0, relay(b).spliced);

	/* without the tap: it sees no more, playout goes on */
	media_stream_set_tap(b, NULL, NULL);
	calls = p.calls;
	played = sb.played_packets;
	assert_int_equal(0, media_stream_start(a));
	run_for(300);
	stats(b, &sb);
	assert_int_equal(calls, p.calls);
	assert_true(sb.played_packets >= played + 10);
	assert_int_equal(0, sb.lost);   /* A's sequence went on */

	mem_deref(a);
	mem_deref(b);
}


static void relay_hooks_check_their_arguments(void **state)
{
	struct media_stream *b = stream();
	struct media_vstream *vs = NULL;
	struct rtp_header h;
	struct mbuf *mb = mbuf_alloc(16);
	struct media_relay_stats rs;
	struct sa dst;
	(void)state;

	assert_non_null(mb);
	assert_int_equal(0, media_vstream_alloc(&vs, &lo));
	memset(&h, 0, sizeof(h));
	h.ver = RTP_VERSION;
	assert_int_equal(0, sa_set_str(&dst, "127.0.0.1", 9));

	assert_int_equal(EINVAL, media_stream_forward(NULL, &dst, &h, mb));
	assert_int_equal(EINVAL, media_stream_forward(b, NULL, &h, mb));
	assert_int_equal(EINVAL, media_stream_forward(b, &dst, NULL, mb));
	assert_int_equal(EINVAL, media_stream_forward(b, &dst, &h, NULL));
	assert_int_equal(EINVAL, media_stream_splice(NULL, &h, mb));
	assert_int_equal(EINVAL, media_stream_splice(b, NULL, mb));
	assert_int_equal(EINVAL, media_stream_splice(b, &h, NULL));
	assert_int_equal(ENOTCONN, media_stream_splice(b, &h, mb));
	assert_int_equal(EINVAL, media_vstream_forward(NULL, &dst, &h, mb));
	assert_int_equal(EINVAL, media_vstream_forward(vs, NULL, &h, mb));
	assert_int_equal(EINVAL, media_vstream_splice(NULL, &h, mb));
	assert_int_equal(EINVAL, media_vstream_splice(vs, &h, NULL));
	assert_int_equal(ENOTCONN, media_vstream_splice(vs, &h, mb));
	assert_int_equal(EINVAL, media_relay_send(NULL, &dst, &h, mb));
	assert_int_equal(EINVAL, media_relay_send_as(NULL, &dst, &h, mb));
	/* nothing kept yet: no pictures to send */
	assert_int_equal(0, media_vstream_forward_gop(vs, &dst));
	assert_int_equal(0, media_vstream_forward_gop(NULL, &dst));

	/* NULLs are harmless */
	media_stream_set_tap(NULL, peek_tap, NULL);
	media_stream_splice_end(NULL);
	media_stream_splice_end(b);   /* not splicing: nothing to end */
	media_stream_relay_stats(NULL, &rs);
	media_stream_relay_stats(b, NULL);
	media_vstream_set_tap(NULL, peek_tap, NULL);
	media_vstream_splice_end(NULL);
	media_vstream_splice_end(vs);
	media_vstream_relay_stats(NULL, &rs);
	media_vstream_relay_stats(vs, NULL);

	rs = relay(b);
	assert_int_equal(0, rs.tapped);
	assert_int_equal(0, rs.forwarded);
	assert_int_equal(0, rs.spliced);

	mem_deref(mb);
	mem_deref(vs);
	mem_deref(b);
}


/* ---- video ---- */


static struct media_vstream *vstream(bool send, bool recv, uint8_t seed)
{
	struct media_vstream *vs = NULL;

	assert_int_equal(0, media_vstream_alloc(&vs, &lo));
	assert_int_equal(0, media_vstream_set_pt(vs, 96));
	media_vstream_set_dir(vs, send, recv);
	media_vstream_set_pattern(vs, seed);
	return vs;
}


static void vstats(const struct media_vstream *vs, struct media_vstats *st)
{
	assert_int_equal(0, media_vstream_stats(vs, st));
}


static struct media_relay_stats vrelay(const struct media_vstream *vs)
{
	struct media_relay_stats rs;

	memset(&rs, 0xff, sizeof(rs));
	media_vstream_relay_stats(vs, &rs);
	return rs;
}


static unsigned nssrcs(const struct meter *m)
{
	uint32_t v[METER_MAX_SSRCS];

	return (unsigned)meter_ssrcs(m, v, ARRAY_SIZE(v));
}


/* What a display decoded, by whose pattern it was */
struct vdisp {
	struct media_vstream *vs;
	uint8_t seed_a, seed_b;
	struct media_vstream *b;   /* snapshot B when its pictures return */
	unsigned frames;
	unsigned unreadable;       /* decoded without a readable pattern */
	unsigned strangers;        /* a pattern of neither seed           */
	unsigned a_frames;
	unsigned b_before, b_after;
	int phase;                 /* 0: B's, 1: A's, 2: B's again */
	unsigned phase_changes;
	uint32_t ssrc;
	unsigned ssrc_changes;
	uint32_t ts;
	unsigned ts_not_ahead;     /* a frame whose timestamp is not later */
	struct media_vstats b_back; /* B at its first picture after A's */
	uint32_t a_last_ts;        /* the timestamp of A's last picture   */
	uint32_t b_back_ts;        /* ...and of B's first after it        */
	uint16_t b_back_frame;     /* ...whose pattern frame number       */
	unsigned stop_at_a;        /* re_cancel() at this many of A's */
};


static void vdisp_h(const struct media_vframe *f, void *arg)
{
	struct vdisp *d = arg;
	struct media_vstats st;

	if (d->frames && f->ssrc != d->ssrc)
		++d->ssrc_changes;
	if (d->frames && (int32_t)(f->ts - d->ts) <= 0)
		++d->ts_not_ahead;
	if (d->frames && d->phase == 1)
		d->a_last_ts = d->ts;
	d->ssrc = f->ssrc;
	d->ts = f->ts;
	++d->frames;

	if (media_vstream_stats(d->vs, &st) || !st.pattern_ok) {
		++d->unreadable;
		return;
	}
	if (st.pattern_seed == d->seed_a) {
		if (d->phase != 1)
			++d->phase_changes;
		d->phase = 1;
		++d->a_frames;
		if (d->stop_at_a && d->a_frames == d->stop_at_a)
			re_cancel();
	}
	else if (st.pattern_seed == d->seed_b) {
		if (d->phase == 1) {
			++d->phase_changes;
			d->phase = 2;
			d->b_back_ts = f->ts;
			d->b_back_frame = st.pattern_frame;
			if (d->b)
				(void)media_vstream_stats(d->b, &d->b_back);
		}
		if (d->phase == 0)
			++d->b_before;
		else
			++d->b_after;
	}
	else {
		++d->strangers;
	}
}


static void video_forward_passes_the_stream_on(void **state)
{
	struct media_vstream *a = vstream(true, false, 0x11);
	struct media_vstream *b = vstream(false, true, 0x22);
	struct media_vstream *c = vstream(false, true, 0x33);
	struct fwd f = {.vs = b};
	struct vdisp d = {.vs = c, .seed_a = 0x11, .seed_b = 0x22,
			  .stop_at_a = 15};
	struct media_vstats sa_, sb, sc;
	struct media_relay_stats rb;
	(void)state;

	f.dst = *media_vstream_laddr(c);
	f.want_src = *media_vstream_laddr(a);
	media_vstream_set_tap(b, forward_tap, &f);
	media_vstream_set_frame_handler(c, vdisp_h, &d);
	assert_int_equal(0, media_vstream_start(c));
	assert_int_equal(0, media_vstream_set_remote(a,
						     media_vstream_laddr(b)));
	assert_int_equal(0, media_vstream_start(a));

	run_for(4000);   /* ends at C's 15th frame of A's */
	media_vstream_stop(a);
	run_for(100);

	vstats(a, &sa_);
	vstats(b, &sb);
	vstats(c, &sc);
	rb = vrelay(b);
	print_message("A sent %llu frames in %llu packets; B forwarded %llu;"
		      " C decoded %llu\n", (unsigned long long)sa_.tx_frames,
		      (unsigned long long)sa_.tx_packets,
		      (unsigned long long)rb.forwarded,
		      (unsigned long long)sc.frames_decoded);

	assert_int_equal(0, f.errs);
	assert_true(f.src_ok);
	assert_true(d.a_frames >= 15);
	assert_int_equal(0, d.unreadable);
	assert_int_equal(0, d.strangers);
	assert_int_equal(0, d.ssrc_changes);
	assert_int_equal(sa_.tx_ssrc, d.ssrc);

	/* B took all: nothing metered or decoded there */
	assert_int_equal(sa_.tx_packets, rb.tapped);
	assert_int_equal(sa_.tx_packets, rb.forwarded);
	assert_int_equal(0, rb.spliced);
	assert_int_equal(0, sb.rx_packets);
	assert_int_equal(0, sb.frames_decoded);

	/* C decodes A's own stream, whole */
	assert_int_equal(sa_.tx_ssrc, sc.rx_ssrc);
	assert_int_equal(sa_.tx_packets, sc.rx_packets);
	assert_int_equal(sa_.tx_frames, sc.frames_decoded);
	assert_int_equal(0, sc.lost);
	assert_int_equal(0, sc.frames_dropped);
	assert_int_equal(0, sc.decode_errors);
	assert_int_equal(0x11, sc.pattern_seed);
	assert_int_equal(1, nssrcs(media_vstream_meter(c)));

	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
}


/* B's tap in the video splice: A's packets are dropped until asked to
 * splice; the splice begins at a keyframe of A's and ends after the last
 * packet of a picture, then splice_end */
enum vsplice_state { VS_OFF, VS_WAIT_KEY, VS_ON, VS_ENDING, VS_DONE };

struct vsplicer {
	struct media_vstream *vs;
	struct sa from;
	enum vsplice_state state;
	unsigned taken;
	unsigned spliced;
	unsigned errs;
};


static bool vsplice_tap(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct vsplicer *s = arg;
	bool intra = false;

	if (!sa_cmp(src, &s->from, SA_ALL))
		return false;
	++s->taken;
	if (s->state == VS_WAIT_KEY &&
	    !h263_picture_intra(mbuf_buf(mb), mbuf_get_left(mb), &intra) &&
	    intra)
		s->state = VS_ON;
	if (s->state != VS_ON && s->state != VS_ENDING)
		return true;

	if (media_vstream_splice(s->vs, hdr, mb))
		++s->errs;
	else
		++s->spliced;
	if (s->state == VS_ENDING && hdr->m) {
		media_vstream_splice_end(s->vs);
		s->state = VS_DONE;
	}
	return true;
}


static void video_splice_continues_our_ssrc_then_a_keyframe(void **state)
{
	struct media_vstream *a = vstream(true, false, 0x11);
	struct media_vstream *b = vstream(true, true, 0x22);
	struct media_vstream *c = vstream(false, true, 0x33);
	struct vsplicer s = {.vs = b};
	struct vdisp d = {.vs = c, .b = b, .seed_a = 0x11, .seed_b = 0x22};
	struct media_vstats sa_, sb, sc, b1, b2;
	struct meter_stats mc;
	(void)state;

	s.from = *media_vstream_laddr(a);
	media_vstream_set_tap(b, vsplice_tap, &s);
	media_vstream_set_frame_handler(c, vdisp_h, &d);
	assert_int_equal(0, media_vstream_start(c));
	assert_int_equal(0, media_vstream_set_remote(a,
						     media_vstream_laddr(b)));
	assert_int_equal(0, media_vstream_set_remote(b,
						     media_vstream_laddr(c)));
	assert_int_equal(0, media_vstream_start(b));
	assert_int_equal(0, media_vstream_start(a));

	/* C decodes B's pictures; A's reach B and are dropped */
	run_for(1000);
	assert_true(d.b_before >= 5);
	assert_int_equal(0, d.a_frames);

	/* splice from A's next keyframe on */
	s.state = VS_WAIT_KEY;
	media_vstream_keyframe(a);
	d.stop_at_a = 10;
	run_for(4000);   /* ends at C's 10th picture of A's */
	assert_int_equal(VS_ON, s.state);
	assert_true(d.a_frames >= 10);

	/* B's own pictures stop while it splices */
	vstats(b, &b1);
	run_for(300);
	vstats(b, &b2);
	assert_int_equal(b1.tx_frames, b2.tx_frames);
	assert_true(vrelay(b).spliced > 0);
	assert_true(b2.tx_packets > b1.tx_packets);   /* spliced ones */

	/* end after A's current picture: B's next one is a keyframe, and C
	 * goes on decoding. The first of B's that C decodes is B's first
	 * after the splice (its pattern's frame number: B drew b2.tx_frames
	 * before); B may have sent its second already (B's schedule is
	 * rebased at splice_end, but its timer still fires at the old
	 * tick, which can put the two back to back) */
	s.state = VS_ENDING;
	run_for(1500);
	assert_int_equal(VS_DONE, s.state);
	assert_true(d.b_after >= 5);
	assert_int_equal(b2.tx_keyframes + 1, d.b_back.tx_keyframes);
	assert_int_equal((uint16_t)b2.tx_frames, d.b_back_frame);
	assert_true(d.b_back.tx_frames >= b2.tx_frames + 1);
	assert_true(d.b_back.tx_frames <= b2.tx_frames + 2);

	media_vstream_stop(a);
	media_vstream_stop(b);
	run_for(100);
	vstats(a, &sa_);
	vstats(b, &sb);
	vstats(c, &sc);
	print_message("C decoded %u frames: %u of B's, %u of A's, %u of B's;"
		      " %llu dropped, %llu decode errors, %llu lost\n",
		      d.frames, d.b_before, d.a_frames, d.b_after,
		      (unsigned long long)sc.frames_dropped,
		      (unsigned long long)sc.decode_errors,
		      (unsigned long long)sc.lost);

	/* one stream at C, B's, unbroken; A's pictures in its middle */
	assert_int_equal(2, d.phase_changes);
	assert_int_equal(0, d.ssrc_changes);
	/* every picture later than the one before: B's first own one after
	 * splice_end comes one frame interval after A's last */
	assert_int_equal(0, d.ts_not_ahead);
	assert_int_equal(VIDEO_CLOCK / 15, d.b_back_ts - d.a_last_ts);
	assert_int_equal(sb.tx_ssrc, d.ssrc);
	assert_int_equal(sb.tx_ssrc, sc.rx_ssrc);
	assert_int_equal(1, nssrcs(media_vstream_meter(c)));
	assert_int_equal(0, d.unreadable);
	assert_int_equal(0, d.strangers);
	assert_int_equal(0, sc.lost);
	assert_int_equal(0, sc.frames_dropped);
	assert_int_equal(0, sc.decode_errors);
	assert_int_equal(sb.tx_packets, sc.rx_packets);
	assert_int_equal(0, meter_stats(media_vstream_meter(c), sb.tx_ssrc,
					&mc));
	assert_int_equal(mc.expected, mc.packets);

	/* B took all of A's packets, spliced some, decoded none */
	assert_int_equal(0, s.errs);
	assert_int_equal(sa_.tx_packets, s.taken);
	assert_int_equal(s.taken, vrelay(b).tapped);
	assert_int_equal(s.spliced, vrelay(b).spliced);
	assert_int_equal(0, sb.rx_packets);
	assert_int_equal(0, sb.frames_decoded);

	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
}


static void video_gop_lets_a_late_receiver_decode_at_once(void **state)
{
	struct media_vstream *a = vstream(true, false, 0x11);
	struct media_vstream *b = vstream(false, true, 0x22);
	struct media_vstream *late = vstream(false, true, 0x33);
	struct vdisp d = {.vs = late, .seed_a = 0x11, .seed_b = 0x22};
	struct media_vstats sa_, sb, sl;
	uint64_t n;
	(void)state;

	media_vstream_set_frame_handler(late, vdisp_h, &d);
	assert_int_equal(0, media_vstream_start(late));
	assert_int_equal(0, media_vstream_set_remote(a,
						     media_vstream_laddr(b)));
	assert_int_equal(0, media_vstream_start(a));

	/* past the first group: the kept one starts at a later keyframe */
	run_for(1400);
	media_vstream_stop(a);
	run_for(100);
	vstats(a, &sa_);
	vstats(b, &sb);
	assert_true(sa_.tx_keyframes >= 2);
	assert_int_equal(sa_.tx_packets, sb.rx_packets);

	n = media_vstream_forward_gop(b, media_vstream_laddr(late));
	run_for(200);
	vstats(late, &sl);
	print_message("A sent %llu frames (%llu keyframes); B passed on %llu"
		      " packets; the late one decoded %u\n",
		      (unsigned long long)sa_.tx_frames,
		      (unsigned long long)sa_.tx_keyframes,
		      (unsigned long long)n, d.frames);

	assert_true(n > 0);
	assert_true(n < sa_.tx_packets);        /* not from the start */
	assert_int_equal(n, vrelay(b).forwarded);
	assert_int_equal(0, vrelay(b).tapped);
	assert_int_equal(n, sl.rx_packets);
	assert_int_equal(sa_.tx_ssrc, sl.rx_ssrc);
	assert_true(d.a_frames >= 1);
	assert_int_equal(d.frames, d.a_frames);
	assert_int_equal(0, sl.lost);
	assert_int_equal(0, sl.frames_dropped);
	assert_int_equal(0, sl.decode_errors);
	/* it ends at the latest picture: the one A sent last */
	assert_int_equal(sa_.tx_frames - 1, sl.pattern_frame);

	mem_deref(a);
	mem_deref(b);
	mem_deref(late);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forward_passes_the_stream_on_unchanged),
		cmocka_unit_test(forward_is_byte_exact_from_the_streams_socket),
		cmocka_unit_test(padding_is_not_relayed_as_payload),
		cmocka_unit_test(rtcp_relay_passes_the_far_ends_reports_on),
		cmocka_unit_test(
			splice_strips_csrcs_and_extension_keeping_the_timeline),
		cmocka_unit_test(splice_sends_anothers_packets_as_our_own),
		cmocka_unit_test(tap_that_declines_leaves_playout_as_it_was),
		cmocka_unit_test(relay_hooks_check_their_arguments),
		cmocka_unit_test(video_forward_passes_the_stream_on),
		cmocka_unit_test(
			video_splice_continues_our_ssrc_then_a_keyframe),
		cmocka_unit_test(video_gop_lets_a_late_receiver_decode_at_once),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
