/**
 * @file test_media_transcode.c  The transcoder's media engine
 * (transcode.h) with real sockets on 127.0.0.1: the test plays both far
 * ends, peer A (leg A's remote) and peer B (leg B's remote), with plain
 * blocking sockets; the engine's workers run as they do in the program.
 *
 *   g711       PCMU -> PCMA and PCMA -> PCMU are spandsp's conversion,
 *              byte for byte, for all 256 values; the same codec passes
 *              the payload as it came, re-headered (own SSRC, sequence);
 *   tone       PCMU <-> G.722 and PCMU <-> Opus carry our tone source: the
 *              decoded output correlates > 0.95 with the original at the
 *              best lag (codec and resampler delay);
 *   dtmf       telephone-event 8 kHz -> 48 kHz and back: PT mapped,
 *              timestamp and duration scaled; dropped and counted when
 *              the other leg has no telephone-event;
 *   loss       5 % loss and 20 ms jitter in: the gaps come out as gaps,
 *              the timestamps keep the input's timeline, the gaps are
 *              counted and concealed, and the delay added in the second
 *              half is no larger than in the first (2 ms bound); a
 *              reordered packet is dropped and counted; a burst larger
 *              than a worker takes per turn comes out whole, in order;
 *   bad input  short, version 0, CSRCs past the end, bad padding, unknown
 *              PT and random bytes are dropped and counted, and the pair
 *              goes on;
 *   lifecycle  nothing is relayed before both legs are set; a
 *              re-INVITE's new remote or codec takes over mid-stream with
 *              the sequence and timeline unbroken, and an Opus leg follows
 *              the rate of the leg beside it; pairs go to the least loaded
 *              worker; pairs removed while packets flow (run it under
 *              ASan).
 *
 * Every wait is bounded (poll with a timeout); nothing asserts speed.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <re.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
#include <sipmob/media.h>
#include <sipmob/transcode.h>

enum {
	WAIT_MS   = 3000,    /* the longest wait for one packet          */
	OPUS_PT   = 111,
	DTMF_A    = 101,
	DTMF_B    = 102,
	FRAMES    = 60,      /* tone test: 1.2 s of audio                */
	SKIP      = 10,      /* ...the first frames are not compared     */
};

static struct sa lo;                 /* 127.0.0.1, port 0 */
static struct tc_engine *engine;     /* 2 workers, shared */


/* ---- the far ends ---- */

struct peer {
	int fd;
	struct sa addr;
};

struct pkt {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t payload[1500];
	size_t plen;
	uint64_t rx_ns;          /* kernel receive time, CLOCK_REALTIME */
};


static uint64_t realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}


static void peer_open(struct peer *pe)
{
	const int on = 1, big = 1 << 20;

	pe->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(pe->fd >= 0);
	pe->addr = lo;
	assert_int_equal(0, bind(pe->fd, &pe->addr.u.sa, pe->addr.len));
	assert_int_equal(0, getsockname(pe->fd, &pe->addr.u.sa,
					&pe->addr.len));
	(void)setsockopt(pe->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	(void)setsockopt(pe->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}


static void peer_close(struct peer *pe)
{
	close(pe->fd);
}


static size_t rtp_write(uint8_t *b, bool marker, uint8_t pt, uint16_t seq,
			uint32_t ts, uint32_t ssrc, const uint8_t *pl,
			size_t plen)
{
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memcpy(b + 12, pl, plen);

	return 12 + plen;
}


static void send_raw(const struct peer *pe, const struct sa *to,
		     const void *b, size_t len)
{
	assert_int_equal((ssize_t)len,
			 sendto(pe->fd, b, len, 0, &to->u.sa, to->len));
}


static void send_rtp(const struct peer *pe, const struct sa *to, bool marker,
		     uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc,
		     const uint8_t *pl, size_t plen)
{
	uint8_t b[1600];

	send_raw(pe, to, b, rtp_write(b, marker, pt, seq, ts, ssrc, pl, plen));
}


/* The next packet to pe, within ms; false on timeout */
static bool recv_rtp(const struct peer *pe, struct pkt *k, int ms)
{
	struct pollfd pfd = { .fd = pe->fd, .events = POLLIN };
	uint8_t b[1600];
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { .iov_base = b, .iov_len = sizeof(b) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	n = recvmsg(pe->fd, &m, 0);
	assert_true(n >= 12);
	assert_int_equal(2, b[0] >> 6);
	assert_int_equal(0, b[0] & 0x3f);     /* no P, X, CC from us */

	k->marker = b[1] >> 7;
	k->pt = b[1] & 0x7f;
	k->seq = (uint16_t)(b[2] << 8 | b[3]);
	k->ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		(uint32_t)b[6] << 8 | b[7];
	k->ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];
	k->plen = (size_t)n - 12;
	memcpy(k->payload, b + 12, k->plen);
	k->rx_ns = realtime_ns();
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c;
	     c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;

			memcpy(&t, CMSG_DATA(c), sizeof(t));
			k->rx_ns = (uint64_t)t.tv_sec * 1000000000u +
				(uint64_t)t.tv_nsec;
		}
	}

	return true;
}


static void expect_rtp(const struct peer *pe, struct pkt *k)
{
	assert_true(recv_rtp(pe, k, WAIT_MS));
}


static void expect_silence(const struct peer *pe, int ms)
{
	struct pkt k;

	assert_false(recv_rtp(pe, &k, ms));
}


/* ---- a pair between peer A and peer B ---- */

struct call {
	struct tc_pair *pair;
	struct peer a, b;             /* leg A's remote, leg B's remote */
	struct sa la, lb;             /* leg A's and leg B's RTP sockets */
};


static void leg_set(struct call *c, enum tc_leg leg, const char *codec,
		    uint8_t pt, int dtmf_pt)
{
	struct tc_leg_conf conf = {
		.codec = codec_find(codec), .pt = pt, .dtmf_pt = dtmf_pt,
		.remote = leg == TC_LEG_A ? c->a.addr : c->b.addr,
	};

	assert_non_null(conf.codec);
	assert_int_equal(0, tc_pair_set_leg(c->pair, leg, &conf));
}


static void call_open_on(struct call *c, struct tc_engine *e,
			 const char *ca, uint8_t pta, int dtmfa,
			 const char *cb, uint8_t ptb, int dtmfb)
{
	memset(c, 0, sizeof(*c));
	peer_open(&c->a);
	peer_open(&c->b);
	assert_int_equal(0, tc_pair_alloc(&c->pair, e, &lo, 30000, 39999));
	c->la = *tc_pair_laddr(c->pair, TC_LEG_A);
	c->lb = *tc_pair_laddr(c->pair, TC_LEG_B);
	assert_int_equal(0, sa_port(&c->la) % 2);
	assert_int_equal(0, sa_port(&c->lb) % 2);
	assert_true(sa_port(&c->la) >= 30000 && sa_port(&c->la) < 39999);
	leg_set(c, TC_LEG_A, ca, pta, dtmfa);
	leg_set(c, TC_LEG_B, cb, ptb, dtmfb);
}


static void call_open(struct call *c, const char *ca, uint8_t pta, int dtmfa,
		      const char *cb, uint8_t ptb, int dtmfb)
{
	call_open_on(c, engine, ca, pta, dtmfa, cb, ptb, dtmfb);
}


static void call_close(struct call *c)
{
	c->pair = mem_deref(c->pair);
	peer_close(&c->a);
	peer_close(&c->b);
}


static void stats(const struct call *c, struct tc_pair_stats *st)
{
	assert_int_equal(0, tc_pair_stats(c->pair, st));
}


static int group_setup(void **state)
{
	(void)state;

	if (libre_init())
		return -1;
	if (sa_set_str(&lo, "127.0.0.1", 0))
		return -1;

	return tc_engine_alloc(&engine, 2) ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;

	engine = mem_deref(engine);
	libre_close();

	return 0;
}


/* ---- g711 ---- */


static void g711_convert_through(const char *from, const char *to,
				 uint8_t (*spandsp)(uint8_t))
{
	struct call c;
	struct pkt k;
	uint8_t all[256];

	call_open(&c, from, codec_find(from)->pt, -1, to, codec_find(to)->pt,
		  -1);

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	send_rtp(&c.a, &c.la, true, (uint8_t)codec_find(from)->pt, 7, 1000,
		 0x1234, all, sizeof(all));

	expect_rtp(&c.b, &k);
	assert_int_equal(codec_find(to)->pt, k.pt);
	assert_true(k.marker);
	assert_int_equal(256, k.plen);
	for (int i = 0; i < 256; i++)
		assert_int_equal(spandsp((uint8_t)i), k.payload[i]);

	call_close(&c);
}


static void pcmu_to_pcma_is_spandsp_byte_for_byte(void **state)
{
	(void)state;
	g711_convert_through("PCMU", "PCMA", ulaw_to_alaw);
}


static void pcma_to_pcmu_is_spandsp_byte_for_byte(void **state)
{
	(void)state;
	g711_convert_through("PCMA", "PCMU", alaw_to_ulaw);
}


static void same_codec_passes_payload_reheadered(void **state)
{
	struct call c;
	struct pkt k, first;
	uint8_t pl[160];
	(void)state;

	call_open(&c, "PCMU", 0, -1, "PCMU", 0, -1);

	for (int i = 0; i < 5; i++) {
		memset(pl, 0x10 + i, sizeof(pl));
		send_rtp(&c.b, &c.lb, false, 0, (uint16_t)(65534 + i),
			 (uint32_t)(0xfffffff0u + 160u * i), 0xabcd, pl,
			 sizeof(pl));
		expect_rtp(&c.a, &k);
		if (!i)
			first = k;
		assert_int_equal(0, k.pt);
		assert_memory_equal(pl, k.payload, sizeof(pl));
		/* a translator: the sender's SSRC and sequence (RFC 3550
		 * §7.1), across the wrap */
		assert_int_equal((uint16_t)(65534 + i), k.seq);
		assert_int_equal((uint32_t)(first.ts + 160u * i), k.ts);
		assert_int_equal(0xabcd, k.ssrc);
	}

	call_close(&c);
}


/* ---- tone ---- */


/* The normalized cross-correlation of ref[skip .. n) with got, at the
 * best lag in [0, maxlag] samples of got behind ref */
static double best_ncc(const int16_t *ref, const int16_t *got, size_t n,
		       size_t skip, size_t maxlag)
{
	double best = -1;

	for (size_t lag = 0; lag <= maxlag; lag++) {
		double rg = 0, rr = 0, gg = 0;

		for (size_t i = skip; i + lag < n; i++) {
			double r = ref[i], g = got[i + lag];

			rg += r * g;
			rr += r * r;
			gg += g * g;
		}
		if (rr > 0 && gg > 0 && rg / sqrt(rr * gg) > best)
			best = rg / sqrt(rr * gg);
	}

	return best;
}


/* FRAMES tone frames from one peer through the pair to the other, coded
 * as `from` at one end and decoded as `to` at the other; returns the
 * correlation of what arrived with the tone at the receiver's rate */
static double tone_through(struct call *c, enum tc_leg in, const char *from,
			   uint8_t from_pt, const char *to, uint8_t to_pt)
{
	const struct codec_desc *fc = codec_find(from), *tc = codec_find(to);
	const struct peer *tx = in == TC_LEG_A ? &c->a : &c->b;
	const struct peer *rx = in == TC_LEG_A ? &c->b : &c->a;
	const struct sa *dst = in == TC_LEG_A ? &c->la : &c->lb;
	struct codec_state *enc = NULL, *dec = NULL;
	struct tone *tsrc = NULL, *tref = NULL;
	size_t n = FRAMES * tc->frame_samples, got_n = 0;
	/* one source all along: a second run goes on where one ended */
	static uint16_t seq = 100;
	static uint32_t ms;
	int16_t *ref = calloc(n, sizeof(*ref)), *got = calloc(n, sizeof(*got));
	double ncc;

	assert_non_null(ref);
	assert_non_null(got);
	assert_int_equal(0, codec_state_alloc(&enc, fc));
	assert_int_equal(0, codec_state_alloc(&dec, tc));
	assert_int_equal(0, tone_alloc(&tsrc, fc->srate));
	assert_int_equal(0, tone_alloc(&tref, tc->srate));

	for (unsigned f = 0; f < FRAMES; f++) {
		int16_t pcm[CODEC_MAX_SAMPLES];
		uint8_t pl[CODEC_MAX_PAYLOAD];
		size_t len = sizeof(pl), ns = CODEC_MAX_SAMPLES;
		struct pkt k;

		tone_fill(tsrc, (uint16_t)f, pcm, fc->frame_samples);
		assert_int_equal(0, codec_encode(enc, pcm, fc->frame_samples,
						  pl, &len));
		send_rtp(tx, dst, f == 0, from_pt, seq++,
			 ms * (fc->clock / 1000), 0x5151, pl, len);
		ms += 20;
		tone_fill(tref, (uint16_t)f, ref + f * tc->frame_samples,
			  tc->frame_samples);

		expect_rtp(rx, &k);
		assert_int_equal(to_pt, k.pt);
		assert_int_equal(0, codec_decode(dec, k.payload, k.plen, pcm,
						  &ns));
		assert_int_equal(tc->frame_samples, ns);
		memcpy(got + got_n, pcm, ns * sizeof(*pcm));
		got_n += ns;
	}

	/* up to 20 ms of codec and resampler delay */
	ncc = best_ncc(ref, got, n, SKIP * tc->frame_samples,
		       tc->frame_samples);

	mem_deref(enc);
	mem_deref(dec);
	mem_deref(tsrc);
	mem_deref(tref);
	free(ref);
	free(got);

	return ncc;
}


static void pcmu_and_g722_carry_the_tone_both_ways(void **state)
{
	struct call c;
	double ab, ba;
	(void)state;

	call_open(&c, "PCMU", 0, -1, "G722", 9, -1);
	ab = tone_through(&c, TC_LEG_A, "PCMU", 0, "G722", 9);
	ba = tone_through(&c, TC_LEG_B, "G722", 9, "PCMU", 0);
	print_message("PCMU->G722 ncc %.4f, G722->PCMU ncc %.4f\n", ab, ba);
	assert_true(ab > 0.95);
	assert_true(ba > 0.95);
	call_close(&c);
}


static void pcmu_and_opus_carry_the_tone_both_ways(void **state)
{
	struct call c;
	double ab, ba;
	(void)state;

	call_open(&c, "PCMU", 0, -1, "opus", OPUS_PT, -1);
	ab = tone_through(&c, TC_LEG_A, "PCMU", 0, "opus", OPUS_PT);
	ba = tone_through(&c, TC_LEG_B, "opus", OPUS_PT, "PCMU", 0);
	print_message("PCMU->opus ncc %.4f, opus->PCMU ncc %.4f\n", ab, ba);
	assert_true(ab > 0.95);
	assert_true(ba > 0.95);
	call_close(&c);
}


static void g722_and_opus_carry_the_tone(void **state)
{
	struct call c;
	double ab;
	(void)state;

	call_open(&c, "G722", 9, -1, "opus", OPUS_PT, -1);
	ab = tone_through(&c, TC_LEG_A, "G722", 9, "opus", OPUS_PT);
	print_message("G722->opus ncc %.4f\n", ab);
	assert_true(ab > 0.95);
	call_close(&c);
}


/* ---- dtmf ---- */


static void dtmf_block(uint8_t *b, uint8_t event, bool end, uint16_t dur)
{
	b[0] = event;
	b[1] = (uint8_t)((end ? 0x80 : 0) | 10);
	b[2] = (uint8_t)(dur >> 8);
	b[3] = (uint8_t)dur;
}


static uint16_t dtmf_duration(const struct pkt *k)
{
	return (uint16_t)(k->payload[2] << 8 | k->payload[3]);
}


static void telephone_event_is_mapped_and_scaled(void **state)
{
	struct tc_pair_stats st;
	struct call c;
	struct pkt k, audio;
	uint8_t pl[160], ev[4], opl[400];
	int16_t pcm[960] = {0};
	struct codec_state *enc = NULL;
	size_t olen = sizeof(opl);
	(void)state;

	call_open(&c, "PCMU", 0, DTMF_A, "opus", OPUS_PT, DTMF_B);

	/* 8 kHz -> 48 kHz: audio at ts 1000, then digit 5 from ts 1160 */
	memset(pl, 0xff, sizeof(pl));
	send_rtp(&c.a, &c.la, false, 0, 1, 1000, 0x77, pl, sizeof(pl));
	expect_rtp(&c.b, &audio);
	assert_int_equal(OPUS_PT, audio.pt);

	for (int i = 0; i < 3; i++) {
		dtmf_block(ev, 5, i == 2, (uint16_t)(160 * (i + 1)));
		send_rtp(&c.a, &c.la, i == 0, DTMF_A, (uint16_t)(2 + i), 1160,
			 0x77, ev, sizeof(ev));
		expect_rtp(&c.b, &k);
		assert_int_equal(DTMF_B, k.pt);
		assert_int_equal(i == 0, k.marker);
		assert_int_equal(audio.ts + 160 * 6, k.ts);
		assert_int_equal((uint16_t)(audio.seq + 1 + i), k.seq);
		assert_int_equal(4, k.plen);
		assert_int_equal(5, k.payload[0]);
		assert_int_equal(i == 2, k.payload[1] >> 7);
		assert_int_equal(10, k.payload[1] & 0x3f);
		assert_int_equal(160 * 6 * (i + 1), dtmf_duration(&k));
	}

	/* 48 kHz -> 8 kHz */
	assert_int_equal(0, codec_state_alloc(&enc, codec_find("opus")));
	assert_int_equal(0, codec_encode(enc, pcm, 960, opl, &olen));
	send_rtp(&c.b, &c.lb, false, OPUS_PT, 40, 96000, 0x88, opl, olen);
	expect_rtp(&c.a, &audio);
	assert_int_equal(0, audio.pt);
	dtmf_block(ev, 11, true, 1920);
	send_rtp(&c.b, &c.lb, true, DTMF_B, 41, 96960, 0x88, ev, sizeof(ev));
	expect_rtp(&c.a, &k);
	assert_int_equal(DTMF_A, k.pt);
	assert_int_equal(audio.ts + 160, k.ts);
	assert_int_equal(320, dtmf_duration(&k));
	assert_int_equal(11, k.payload[0]);

	stats(&c, &st);
	assert_int_equal(3, st.leg[TC_LEG_A].dtmf_events);
	assert_int_equal(1, st.leg[TC_LEG_B].dtmf_events);
	assert_int_equal(0, st.leg[TC_LEG_A].dtmf_dropped);

	mem_deref(enc);
	call_close(&c);
}


static void telephone_event_dropped_without_pt_on_other_leg(void **state)
{
	struct tc_pair_stats st;
	struct call c;
	struct pkt k;
	uint8_t pl[160], ev[4];
	(void)state;

	call_open(&c, "PCMU", 0, DTMF_A, "PCMA", 8, -1);

	memset(pl, 0xff, sizeof(pl));
	dtmf_block(ev, 1, false, 160);
	send_rtp(&c.a, &c.la, true, DTMF_A, 1, 0, 9, ev, sizeof(ev));
	send_rtp(&c.a, &c.la, false, DTMF_A, 2, 0, 9, ev, sizeof(ev));
	send_rtp(&c.a, &c.la, false, 0, 3, 320, 9, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	assert_int_equal(8, k.pt);
	expect_silence(&c.b, 100);

	stats(&c, &st);
	assert_int_equal(2, st.leg[TC_LEG_A].dtmf_dropped);
	assert_int_equal(0, st.leg[TC_LEG_A].dtmf_events);
	assert_int_equal(0, st.leg[TC_LEG_A].rx_lost);
	assert_int_equal(1, st.leg[TC_LEG_B].tx_packets);

	call_close(&c);
}


/* ---- loss ---- */


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


static uint64_t p99(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)(0.99 * (double)(n - 1))];
}


static void sleep_until(uint64_t t_ns)
{
	uint64_t now = realtime_ns();

	if (t_ns > now) {
		struct timespec d = { .tv_sec = (time_t)((t_ns - now) /
							 1000000000u),
				      .tv_nsec = (long)((t_ns - now) %
							1000000000u) };
		nanosleep(&d, NULL);
	}
}


/* 4 s of PCMU -> Opus with 5 % loss and 0-20 ms of jitter; the p99 of
 * the delay added (send to peer A's sendto, to the kernel's receive time
 * at peer B) over the first and the second half */
static void loss_and_jitter_run(uint64_t *p99a, uint64_t *p99b)
{
	enum { N = 200, HALF = N / 2 };
	static uint64_t sent_ns[N], delay[2][N];
	size_t nd[2] = {0, 0};
	struct tc_pair_stats st;
	struct tone *t = NULL;
	struct call c;
	struct pkt k;
	unsigned dropped = 0, received = 0;
	uint64_t start;
	uint32_t rnd = 12345, first_ts = 0;
	int first_seq = -1;

	call_open(&c, "PCMU", 0, -1, "opus", OPUS_PT, -1);
	assert_int_equal(0, tone_alloc(&t, 8000));

	start = realtime_ns() + 20000000u;
	for (unsigned i = 0; i < N; i++) {
		int16_t pcm[160];
		uint8_t pl[160];
		uint64_t jitter;

		rnd = rnd * 1103515245u + 12345u;
		jitter = (rnd >> 8) % 20000u * 1000u;     /* 0 .. 20 ms */
		tone_fill(t, (uint16_t)i, pcm, 160);

		/* 5 %: every 20th, never the first */
		if (i % 20 == 7) {
			++dropped;
			continue;
		}

		sleep_until(start + i * 20000000ull + jitter);
		for (int s = 0; s < 160; s++)
			pl[s] = linear_to_ulaw(pcm[s]);
		sent_ns[i] = realtime_ns();
		send_rtp(&c.a, &c.la, false, 0, (uint16_t)(60000 + i),
			 (uint32_t)(7000 + 160 * i), 0x42, pl, sizeof(pl));

		/* what has come back so far */
		while (recv_rtp(&c.b, &k, 0) ||
		       (i == N - 1 && recv_rtp(&c.b, &k, WAIT_MS))) {
			int in;

			/* the first out is packet 0's; the output sequence
			 * keeps the input's gaps */
			if (first_seq < 0) {
				first_seq = k.seq;
				first_ts = k.ts;
			}
			in = (uint16_t)(k.seq - first_seq);
			assert_true(in >= 0 && in < N);
			assert_int_not_equal(7, in % 20);
			/* ...and its timestamps the input's timeline */
			assert_int_equal(first_ts + 960u * (unsigned)in, k.ts);
			delay[in >= HALF][nd[in >= HALF]++] =
				k.rx_ns - sent_ns[in];
			++received;
			if (received == N - dropped)
				break;
		}
	}

	assert_int_equal(N - dropped, received);
	*p99a = p99(delay[0], nd[0]);
	*p99b = p99(delay[1], nd[1]);
	print_message("delay p99: first half %.3f ms, second half %.3f ms\n",
		      *p99a / 1e6, *p99b / 1e6);

	stats(&c, &st);
	assert_int_equal(dropped, st.leg[TC_LEG_A].rx_lost);
	assert_int_equal(dropped, st.leg[TC_LEG_A].concealed);
	assert_int_equal(N - dropped, st.leg[TC_LEG_B].tx_packets);
	assert_int_equal(N - dropped, st.delay_count);
	assert_true(st.delay_p50_us <= st.delay_p99_us);
	assert_true(st.delay_p99_us <= st.delay_max_us);
	print_message("engine delay p50 %u us, p99 %u us, max %u us\n",
		      st.delay_p50_us, st.delay_p99_us, st.delay_max_us);

	mem_deref(t);
	call_close(&c);
}


/* A transcoder that buffered would add up to the 20 ms of jitter, and
 * more as it goes. A one-off stall of this shared machine (other tests,
 * builds) can lift one half's p99 by a few ms: the run is tried up to
 * three times, and growth is a failure only if every run shows it. */
static void loss_and_jitter_pass_through_without_growing_delay(void **state)
{
	uint64_t p99a = 0, p99b = 0;
	(void)state;

	for (int i = 0; i < 3; i++) {
		loss_and_jitter_run(&p99a, &p99b);
		if (p99b <= p99a + 2000000u)
			break;
	}
	assert_true(p99b <= p99a + 2000000u);
}


static void reordered_packet_is_dropped_and_counted(void **state)
{
	struct tc_pair_stats st;
	struct call c;
	struct pkt k;
	uint8_t pl[160];
	(void)state;

	call_open(&c, "PCMA", 8, -1, "PCMU", 0, -1);
	memset(pl, 0xd5, sizeof(pl));

	send_rtp(&c.a, &c.la, false, 8, 10, 1600, 3, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	send_rtp(&c.a, &c.la, false, 8, 12, 1920, 3, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	send_rtp(&c.a, &c.la, false, 8, 11, 1760, 3, pl, sizeof(pl));
	send_rtp(&c.a, &c.la, false, 8, 12, 1920, 3, pl, sizeof(pl));
	expect_silence(&c.b, 100);

	stats(&c, &st);
	assert_int_equal(1, st.leg[TC_LEG_A].rx_lost);
	assert_int_equal(2, st.leg[TC_LEG_A].rx_late);
	assert_int_equal(2, st.leg[TC_LEG_B].tx_packets);
	assert_true(st.leg[TC_LEG_A].last_rx_ms > 0);
	assert_int_equal(0, st.leg[TC_LEG_B].last_rx_ms);

	call_close(&c);
}


static void a_burst_is_relayed_whole(void **state)
{
	enum { BURST = 150 };   /* more than a worker takes per turn */
	struct tc_pair_stats st;
	struct call c;
	struct pkt k;
	uint8_t pl[160];
	unsigned got = 0;
	uint16_t first = 0;
	(void)state;

	call_open(&c, "PCMU", 0, -1, "PCMA", 8, -1);
	memset(pl, 0x80, sizeof(pl));

	for (unsigned i = 0; i < BURST; i++)
		send_rtp(&c.a, &c.la, false, 0, (uint16_t)i, 160 * i, 11, pl,
			 sizeof(pl));
	/* all of them, in order, none lost on the way */
	while (got < BURST && recv_rtp(&c.b, &k, WAIT_MS)) {
		if (!got)
			first = k.seq;
		assert_int_equal((uint16_t)(first + got), k.seq);
		++got;
	}

	stats(&c, &st);
	assert_int_equal(st.leg[TC_LEG_A].rx_packets, got);
	assert_int_equal(BURST, got);

	call_close(&c);
}


/* ---- bad input ---- */


static void bad_packets_are_dropped_and_counted(void **state)
{
	struct tc_pair_stats st;
	struct call c;
	struct pkt k;
	uint8_t b[1600], pl[160];
	size_t len;
	uint32_t rnd = 99;
	(void)state;

	call_open(&c, "PCMU", 0, DTMF_A, "G722", 9, -1);
	memset(pl, 0x7f, sizeof(pl));

	/* short */
	send_raw(&c.a, &c.la, "\x80\x00\x00\x01\x00", 5);
	/* version 0 */
	len = rtp_write(b, false, 0, 1, 0, 5, pl, sizeof(pl));
	b[0] = 0x00;
	send_raw(&c.a, &c.la, b, len);
	/* 15 CSRCs in a 20-byte packet */
	len = rtp_write(b, false, 0, 1, 0, 5, pl, 8);
	b[0] = 0x8f;
	send_raw(&c.a, &c.la, b, len);
	/* padding longer than the packet */
	len = rtp_write(b, false, 0, 1, 0, 5, pl, 8);
	b[0] = 0xa0;
	b[len - 1] = 200;
	send_raw(&c.a, &c.la, b, len);
	/* unknown payload type */
	send_rtp(&c.a, &c.la, false, 96, 1, 0, 5, pl, sizeof(pl));
	/* telephone-event, and leg B has none */
	send_rtp(&c.a, &c.la, false, DTMF_A, 1, 0, 5, pl, 4);

	send_rtp(&c.a, &c.la, false, 0, 2, 160, 5, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	assert_int_equal(9, k.pt);
	assert_int_equal(160, k.plen);

	stats(&c, &st);
	assert_int_equal(7, st.leg[TC_LEG_A].rx_packets);
	assert_int_equal(4, st.leg[TC_LEG_A].rx_invalid);
	assert_int_equal(1, st.leg[TC_LEG_A].rx_bad_pt);
	assert_int_equal(1, st.leg[TC_LEG_A].dtmf_dropped);
	assert_int_equal(1, st.leg[TC_LEG_B].tx_packets);

	/* random bytes of any length, on both legs and RTCP */
	for (int i = 0; i < 2000; i++) {
		struct sa rtcp = i % 2 ? c.la : c.lb;

		len = 1 + (rnd >> 7) % 1500;
		for (size_t j = 0; j < len; j++) {
			rnd = rnd * 1103515245u + 12345u;
			b[j] = (uint8_t)(rnd >> 16);
		}
		if (i % 3 == 0)
			b[0] = (uint8_t)(0x80 | (b[0] & 0x3f));
		if (i % 7 == 0) {
			sa_set_port(&rtcp, sa_port(&rtcp) + 1);
			send_raw(&c.a, &rtcp, b, len);
		}
		else {
			send_raw(&c.a, i % 2 ? &c.la : &c.lb, b, len);
		}
		if (i % 50 == 0)
			usleep(1000);
	}

	/* what the random bytes made (some are RTP, PT 0 by chance) */
	usleep(200000);
	while (recv_rtp(&c.b, &k, 0))
		;
	while (recv_rtp(&c.a, &k, 0))
		;

	/* the pair goes on: a new source is taken at once */
	send_rtp(&c.a, &c.la, false, 0, 1, 0, 0xfeed, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	assert_int_equal(9, k.pt);
	assert_int_equal(160, k.plen);

	call_close(&c);
}


static void bad_configuration_is_refused(void **state)
{
	static const struct codec_desc gsm = {
		.name = "GSM", .pt = 3, .clock = 8000, .channels = 1,
		.srate = 8000, .frame_samples = 160, .frame_ts = 160 };
	struct tc_leg_conf conf = { .codec = codec_find("PCMU"), .pt = 0,
				    .dtmf_pt = -1 };
	struct tc_pair *p = NULL;
	struct sa any6;
	(void)state;

	assert_int_equal(0, tc_pair_alloc(&p, engine, &lo, 0, 0));
	/* no remote */
	assert_int_equal(EINVAL, tc_pair_set_leg(p, TC_LEG_A, &conf));
	assert_int_equal(0, sa_set_str(&conf.remote, "127.0.0.1", 4000));
	conf.pt = 128;
	assert_int_equal(EINVAL, tc_pair_set_leg(p, TC_LEG_A, &conf));
	conf.pt = 0;
	conf.dtmf_pt = 0;
	assert_int_equal(EINVAL, tc_pair_set_leg(p, TC_LEG_A, &conf));
	conf.dtmf_pt = -1;
	assert_int_equal(0, sa_set_str(&any6, "::1", 4000));
	conf.remote = any6;
	assert_int_equal(EINVAL, tc_pair_set_leg(p, TC_LEG_A, &conf));
	assert_int_equal(0, sa_set_str(&conf.remote, "127.0.0.1", 4000));
	conf.codec = &gsm;
	assert_int_equal(ENOTSUP, tc_pair_set_leg(p, TC_LEG_A, &conf));
	conf.codec = NULL;
	assert_int_equal(EINVAL, tc_pair_set_leg(p, TC_LEG_A, &conf));
	assert_int_equal(EINVAL, tc_pair_set_leg(p, 2, &conf));
	assert_int_equal(EINVAL, tc_pair_alloc(&p, engine, &lo, 3000, 2000));
	mem_deref(p);
}


/* ---- lifecycle ---- */


static void set_leg_again_switches_codec_mid_stream(void **state)
{
	struct call c;
	struct pkt k, last;
	struct tc_pair_stats st;
	uint8_t pl[160];
	(void)state;

	call_open(&c, "PCMU", 0, -1, "PCMA", 8, -1);
	memset(pl, 0x55, sizeof(pl));

	for (int i = 0; i < 3; i++) {
		send_rtp(&c.a, &c.la, false, 0, (uint16_t)i, 160u * i, 1, pl,
			 sizeof(pl));
		expect_rtp(&c.b, &last);
		assert_int_equal(8, last.pt);
	}

	leg_set(&c, TC_LEG_B, "G722", 9, -1);
	for (int i = 3; i < 6; i++) {
		send_rtp(&c.a, &c.la, false, 0, (uint16_t)i, 160u * i, 1, pl,
			 sizeof(pl));
		expect_rtp(&c.b, &k);
		assert_int_equal(9, k.pt);
		assert_int_equal(160, k.plen);
		assert_int_equal(last.ssrc, k.ssrc);
		assert_int_equal((uint16_t)(last.seq + 1), k.seq);
		assert_int_equal(last.ts + 160, k.ts);
		last = k;
	}

	stats(&c, &st);
	assert_string_equal("G722", st.leg[TC_LEG_B].codec);
	assert_string_equal("PCMU", st.leg[TC_LEG_A].codec);
	assert_int_equal(6, st.leg[TC_LEG_B].tx_packets);

	call_close(&c);
}


/* An Opus leg codes at the rate of the leg beside it: a re-INVITE that
 * turns that leg from PCMU (8 kHz) into G.722 (16 kHz) gives it a new
 * coder, and the tone still comes through */
static void opus_leg_follows_the_rate_of_the_other_leg(void **state)
{
	struct call c;
	double before, after;
	(void)state;

	call_open(&c, "PCMU", 0, -1, "opus", OPUS_PT, -1);
	before = tone_through(&c, TC_LEG_A, "PCMU", 0, "opus", OPUS_PT);
	leg_set(&c, TC_LEG_A, "G722", 9, -1);
	after = tone_through(&c, TC_LEG_A, "G722", 9, "opus", OPUS_PT);
	print_message("PCMU->opus ncc %.4f, then G722->opus ncc %.4f\n",
		      before, after);
	assert_true(before > 0.95);
	assert_true(after > 0.95);
	after = tone_through(&c, TC_LEG_B, "opus", OPUS_PT, "G722", 9);
	assert_true(after > 0.95);
	call_close(&c);
}


static void relays_once_both_legs_are_set_and_follows_a_new_remote(void **state)
{
	struct tc_pair_stats st;
	struct peer other;
	struct call c;
	struct pkt k, first;
	uint8_t pl[160];
	(void)state;

	memset(&c, 0, sizeof(c));
	memset(pl, 0x42, sizeof(pl));
	peer_open(&c.a);
	peer_open(&c.b);
	peer_open(&other);
	assert_int_equal(0, tc_pair_alloc(&c.pair, engine, &lo, 0, 0));
	c.la = *tc_pair_laddr(c.pair, TC_LEG_A);
	c.lb = *tc_pair_laddr(c.pair, TC_LEG_B);

	/* before leg A is set, and while only A is: the socket keeps them */
	send_rtp(&c.a, &c.la, false, 0, 1, 0, 2, pl, sizeof(pl));
	leg_set(&c, TC_LEG_A, "PCMU", 0, -1);
	send_rtp(&c.a, &c.la, false, 0, 2, 160, 2, pl, sizeof(pl));
	expect_silence(&c.b, 100);
	stats(&c, &st);
	assert_int_equal(0, st.leg[TC_LEG_A].rx_packets);
	assert_int_equal(0, st.delay_count);

	/* routed: the two kept go on at once, in order, late not lost */
	leg_set(&c, TC_LEG_B, "PCMU", 0, -1);
	expect_rtp(&c.b, &first);
	assert_int_equal(1, first.seq);
	expect_rtp(&c.b, &k);
	assert_int_equal(2, k.seq);
	send_rtp(&c.a, &c.la, false, 0, 3, 320, 2, pl, sizeof(pl));
	expect_rtp(&c.b, &k);
	assert_int_equal(3, k.seq);
	stats(&c, &st);
	assert_int_equal(0, st.leg[TC_LEG_A].rx_unrouted);

	/* a re-INVITE moves leg B's remote: the stream goes on there */
	{
		struct tc_leg_conf conf = { .codec = codec_find("PCMU"),
					    .pt = 0, .dtmf_pt = -1,
					    .remote = other.addr };
		assert_int_equal(0, tc_pair_set_leg(c.pair, TC_LEG_B, &conf));
	}
	send_rtp(&c.a, &c.la, false, 0, 4, 480, 2, pl, sizeof(pl));
	expect_rtp(&other, &k);
	assert_int_equal(4, k.seq);
	assert_int_equal(first.ts + 480, k.ts);
	expect_silence(&c.b, 50);

	peer_close(&other);
	call_close(&c);
}


static void pairs_go_to_the_least_loaded_worker(void **state)
{
	struct tc_engine *e = NULL;
	struct tc_pair *p[3] = {NULL};
	struct tc_pair_stats st;
	const unsigned expect[3] = {0, 1, 0};
	(void)state;

	assert_int_equal(0, tc_engine_alloc(&e, 2));
	assert_int_equal(2, tc_engine_threads(e));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(0, tc_pair_alloc(&p[i], e, &lo, 0, 0));
		assert_int_equal(0, tc_pair_stats(p[i], &st));
		assert_int_equal(expect[i], st.worker);
		assert_null(st.leg[0].codec);
	}
	assert_int_equal(3, tc_engine_pairs(e));

	p[1] = mem_deref(p[1]);
	assert_int_equal(2, tc_engine_pairs(e));
	assert_int_equal(0, tc_pair_alloc(&p[1], e, &lo, 0, 0));
	assert_int_equal(0, tc_pair_stats(p[1], &st));
	assert_int_equal(1, st.worker);

	/* the engine goes when its owner and its pairs have let it go */
	mem_deref(e);
	for (int i = 0; i < 3; i++)
		mem_deref(p[i]);

	assert_int_equal(0, tc_engine_alloc(&e, 0));
	assert_int_equal((unsigned)sysconf(_SC_NPROCESSORS_ONLN),
			 tc_engine_threads(e));
	mem_deref(e);
}


/* A thread that sends to a set of addresses until told to stop */
struct blaster {
	pthread_t thread;
	int fd;
	struct sa dst[64];
	size_t ndst;
	int stop;             /* under lock */
	pthread_mutex_t lock;
};


static void *blast(void *arg)
{
	struct blaster *bl = arg;
	uint8_t b[200], pl[160];
	uint16_t seq = 0;

	memset(pl, 0x33, sizeof(pl));
	for (;;) {
		int stop;

		pthread_mutex_lock(&bl->lock);
		stop = bl->stop;
		pthread_mutex_unlock(&bl->lock);
		if (stop)
			break;

		for (size_t i = 0; i < bl->ndst; i++) {
			size_t len = rtp_write(b, false, 0, seq, seq * 160u,
					       7, pl, sizeof(pl));

			(void)sendto(bl->fd, b, len, 0, &bl->dst[i].u.sa,
				     bl->dst[i].len);
		}
		++seq;
		usleep(200);
	}

	return NULL;
}


static void pairs_removed_while_packets_flow(void **state)
{
	enum { PAIRS = 8, ROUNDS = 5 };
	struct peer sink;
	struct blaster bl;
	(void)state;

	peer_open(&sink);
	for (int r = 0; r < ROUNDS; r++) {
		struct tc_pair *p[PAIRS] = {NULL};
		struct tc_leg_conf ca = { .codec = codec_find("PCMU"),
					  .pt = 0, .dtmf_pt = -1,
					  .remote = sink.addr };
		struct tc_leg_conf cb = { .codec = codec_find("opus"),
					  .pt = OPUS_PT, .dtmf_pt = -1,
					  .remote = sink.addr };

		memset(&bl, 0, sizeof(bl));
		pthread_mutex_init(&bl.lock, NULL);
		bl.fd = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(bl.fd >= 0);

		for (int i = 0; i < PAIRS; i++) {
			assert_int_equal(0, tc_pair_alloc(&p[i], engine, &lo,
							  0, 0));
			assert_int_equal(0, tc_pair_set_leg(p[i], TC_LEG_A,
							    &ca));
			/* half of them: B is set while packets flow */
			if (i % 2 == 0)
				assert_int_equal(0, tc_pair_set_leg(
					p[i], TC_LEG_B, &cb));
			bl.dst[bl.ndst++] = *tc_pair_laddr(p[i], TC_LEG_A);
		}
		assert_int_equal(0, pthread_create(&bl.thread, NULL, blast,
						   &bl));
		usleep(20000);

		for (int i = 0; i < PAIRS; i++) {
			if (i % 2)
				assert_int_equal(0, tc_pair_set_leg(
					p[i], TC_LEG_B, &cb));
		}
		usleep(20000);
		for (int i = 0; i < PAIRS; i++) {
			struct tc_pair_stats st;

			assert_int_equal(0, tc_pair_stats(p[i], &st));
			p[i] = mem_deref(p[i]);
			usleep(1000);
		}

		pthread_mutex_lock(&bl.lock);
		bl.stop = 1;
		pthread_mutex_unlock(&bl.lock);
		pthread_join(bl.thread, NULL);
		close(bl.fd);
		pthread_mutex_destroy(&bl.lock);

		while (recv(sink.fd, (uint8_t[1600]){0}, 1600,
			    MSG_DONTWAIT) > 0)
			;
	}

	assert_int_equal(0, tc_engine_pairs(engine));
	peer_close(&sink);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcmu_to_pcma_is_spandsp_byte_for_byte),
		cmocka_unit_test(pcma_to_pcmu_is_spandsp_byte_for_byte),
		cmocka_unit_test(same_codec_passes_payload_reheadered),
		cmocka_unit_test(pcmu_and_g722_carry_the_tone_both_ways),
		cmocka_unit_test(pcmu_and_opus_carry_the_tone_both_ways),
		cmocka_unit_test(g722_and_opus_carry_the_tone),
		cmocka_unit_test(telephone_event_is_mapped_and_scaled),
		cmocka_unit_test(
			telephone_event_dropped_without_pt_on_other_leg),
		cmocka_unit_test(
			loss_and_jitter_pass_through_without_growing_delay),
		cmocka_unit_test(reordered_packet_is_dropped_and_counted),
		cmocka_unit_test(a_burst_is_relayed_whole),
		cmocka_unit_test(bad_packets_are_dropped_and_counted),
		cmocka_unit_test(bad_configuration_is_refused),
		cmocka_unit_test(set_leg_again_switches_codec_mid_stream),
		cmocka_unit_test(opus_leg_follows_the_rate_of_the_other_leg),
		cmocka_unit_test(
		      relays_once_both_legs_are_set_and_follows_a_new_remote),
		cmocka_unit_test(pairs_go_to_the_least_loaded_worker),
		cmocka_unit_test(pairs_removed_while_packets_flow),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
