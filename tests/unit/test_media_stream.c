/**
 * @file test_media_stream.c  Two real media streams on 127.0.0.1 under a
 * real libre event loop: the tone flows both ways in each codec and is
 * played, the media moves to a new address with its sequence unbroken,
 * directions and recording work, and a stream can be freed mid-flow.
 * Every run of the loop is bounded by a timer that calls re_cancel().
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media.h>
#include "run_loop.h"




static int group_setup(void **state)
{
	(void)state;

	return libre_init() ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;
	tmr_debug();
	libre_close();

	return 0;
}


static struct media_stream *stream(const char *codec)
{
	const struct codec_desc *c = codec_find(codec);
	struct media_stream *ms = NULL;
	const struct sa *la;
	struct sa laddr;

	assert_non_null(c);
	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 0));
	assert_int_equal(0, media_stream_alloc(&ms, "audio", &laddr));

	la = media_stream_laddr(ms);
	assert_true(sa_port(la) >= MEDIA_PORT_MIN);
	assert_true(sa_port(la) < MEDIA_PORT_MAX);
	assert_int_equal(0, sa_port(la) % 2);

	assert_int_equal(0, media_stream_set_codec(ms, c,
				c->pt >= 0 ? (uint8_t)c->pt : 111));

	return ms;
}


static void connect_pair(struct media_stream *a, struct media_stream *b)
{
	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	assert_int_equal(0, media_stream_set_remote(b, media_stream_laddr(a)));
}


static void check_flow(const char *codec, const struct media_stats *tx,
		       const struct media_stats *rx)
{
	print_message("%s: sent %llu, received %llu, played %llu, lost %llu\n",
		      codec, (unsigned long long)tx->tx_packets,
		      (unsigned long long)rx->rx_packets,
		      (unsigned long long)rx->played_packets,
		      (unsigned long long)rx->lost);

	assert_string_equal(codec, rx->codec);
	assert_true(tx->tx_packets >= 40);          /* 1 s at 20 ms */
	assert_true(tx->tx_packets <= 55);
	assert_true(rx->rx_packets >= tx->tx_packets - 2);
	assert_true(rx->rx_packets <= tx->tx_packets);
	assert_int_equal(tx->tx_ssrc, rx->rx_ssrc);
	assert_int_equal(1, rx->rx_nssrc);
	assert_int_equal(0, rx->lost);
	assert_int_equal(0, rx->decode_errors);
	assert_int_equal(rx->rx_packets, rx->decoded_packets);
	assert_true(rx->played_packets + 3 >= rx->rx_packets);
	assert_true(rx->played_packets <= rx->rx_packets);
	assert_true(rx->first_ms > 0);
	assert_true(rx->last_ms - rx->first_ms >= 700);
}


static void flows_both_ways(const char *codec)
{
	struct media_stream *a = stream(codec), *b = stream(codec);
	struct media_stats sa_, sb;

	connect_pair(a, b);
	assert_int_equal(0, media_stream_start(a));
	assert_int_equal(0, media_stream_start(b));

	run_for(1000);

	assert_int_equal(0, media_stream_stats(a, &sa_));
	assert_int_equal(0, media_stream_stats(b, &sb));
	assert_true(sa_.tx_ssrc != sb.tx_ssrc);
	check_flow(codec, &sa_, &sb);
	check_flow(codec, &sb, &sa_);

	mem_deref(a);
	mem_deref(b);
}


static void pcmu_flows_both_ways(void **state)
{
	(void)state;
	flows_both_ways("PCMU");
}


static void pcma_flows_both_ways(void **state)
{
	(void)state;
	flows_both_ways("PCMA");
}


static void g722_flows_both_ways(void **state)
{
	(void)state;
	flows_both_ways("G722");
}


static void opus_flows_both_ways(void **state)
{
	(void)state;
	flows_both_ways("opus");
}




struct plays {
	uint32_t ssrc;
	uint16_t first;
	uint16_t last;
	unsigned n;
};


static void played_h(uint32_t ssrc, uint16_t seq, uint64_t ext,
		     uint64_t wall_ms, void *arg)
{
	struct plays *pl = arg;
	(void)ext;
	assert_true(wall_ms > 1600000000000ULL);   /* a wall-clock time */

	if (!pl->n++)
		pl->first = seq;
	pl->last = seq;
	pl->ssrc = ssrc;
}


struct move {
	struct media_stream *from;
	const struct sa *to;
};


static void move_h(void *arg)
{
	struct move *mv = arg;

	assert_int_equal(0, media_stream_set_remote(mv->from, mv->to));
}


static void media_moves_with_its_sequence_unbroken(void **state)
{
	struct media_stream *a = stream("PCMU"), *b = stream("PCMU");
	struct media_stream *c = stream("PCMU");
	struct plays pb = {0}, pc = {0};
	struct move mv = {a, media_stream_laddr(c)};
	struct media_stats st;
	struct tmr t;
	(void)state;

	media_stream_set_played_handler(b, played_h, &pb);
	media_stream_set_played_handler(c, played_h, &pc);
	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	assert_int_equal(0, media_stream_start(a));

	tmr_init(&t);
	tmr_start(&t, 400, move_h, &mv);
	run_for(800);
	tmr_cancel(&t);

	print_message("at b: %u played (%u..%u); at c: %u played (%u..%u)\n",
		      pb.n, pb.first, pb.last, pc.n, pc.first, pc.last);
	assert_true(pb.n >= 15);
	assert_true(pc.n >= 15);
	assert_int_equal(pb.ssrc, pc.ssrc);
	assert_int_equal((uint16_t)(pb.last + 1), pc.first);
	assert_int_equal(pb.n, (uint16_t)(pb.last - pb.first) + 1);
	assert_int_equal(pc.n, (uint16_t)(pc.last - pc.first) + 1);

	assert_int_equal(0, media_stream_stats(a, &st));
	/* all sent were played but at most the one still in flight */
	assert_true(st.tx_packets - (pb.n + pc.n) <= 1);
	assert_int_equal(0, st.rx_packets);

	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
}


static void directions_gate_sending_and_playing(void **state)
{
	struct media_stream *a = stream("PCMA"), *b = stream("PCMA");
	struct media_stats sa_, sb;
	(void)state;

	connect_pair(a, b);
	media_stream_set_dir(b, false, false);    /* inactive */
	media_stream_start(a);
	media_stream_start(b);
	run_for(300);

	media_stream_stats(a, &sa_);
	media_stream_stats(b, &sb);
	assert_int_equal(0, sb.tx_packets);
	assert_int_equal(0, sa_.rx_packets);
	assert_true(sb.rx_packets >= 10);         /* metered */
	assert_int_equal(0, sb.played_packets);   /* not played */
	assert_int_equal(0, sb.decoded_packets);

	media_stream_set_dir(b, false, true);     /* recvonly */
	run_for(300);
	media_stream_stats(b, &sb);
	assert_true(sb.played_packets >= 10);
	assert_int_equal(0, sb.tx_packets);

	mem_deref(a);
	mem_deref(b);
}


static void recording_holds_the_played_tone(void **state)
{
	struct media_stream *a = stream("G722"), *b = stream("G722");
	struct media_stats sb;
	char path[64];
	FILE *f;
	int16_t frame[320];
	unsigned frames = 0, toned = 0;
	(void)state;

	snprintf(path, sizeof(path), "/tmp/test_media_stream_%d.wav",
		 (int)getpid());
	connect_pair(a, b);
	assert_int_equal(0, media_stream_record(b, path));
	media_stream_start(a);
	run_for(500);
	media_stream_stats(b, &sb);
	assert_int_equal(0, media_stream_record(b, NULL));   /* closes it */

	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(0, fseek(f, 44, SEEK_SET));
	while (fread(frame, sizeof(int16_t), 320, f) == 320) {
		++frames;
		if (tone_detect(frame, 320, 16000) >= 0)
			++toned;
	}
	fclose(f);
	unlink(path);

	print_message("recorded %u frames, %u with a tone; %llu received\n",
		      frames, toned, (unsigned long long)sb.rx_packets);
	assert_int_equal(sb.rx_packets, frames);
	assert_true(toned + 3 >= frames);

	mem_deref(a);
	mem_deref(b);
}


/* A frame source of our own: a 1 kHz sine well below the tone's level,
 * and a sink that measures the level of what the far end decoded */
struct sine {
	double phase;
	unsigned frames;
};

static int sine_src(int16_t *pcm, size_t n, uint32_t srate, uint16_t seq,
		    void *arg)
{
	struct sine *s = arg;
	(void)seq;

	for (size_t i = 0; i < n; i++) {
		pcm[i] = (int16_t)(2000 * sin(s->phase));
		s->phase += 2 * M_PI * 1000 / srate;
	}
	s->frames++;
	return 0;
}

struct heard {
	unsigned frames;
	unsigned sine_frames;     /* frames near the source's level */
	uint32_t ssrc;
};

static void level_sink(const int16_t *pcm, size_t n, uint32_t srate,
		       uint32_t ssrc, void *arg)
{
	struct heard *h = arg;
	double energy = 0;

	assert_int_equal(8000, srate);
	for (size_t i = 0; i < n; i++)
		energy += (double)pcm[i] * pcm[i];
	/* our sine (amplitude 2000) has rms 1414; the tone's (8192) 5793 */
	if (sqrt(energy / n) < 3000)
		h->sine_frames++;
	h->frames++;
	h->ssrc = ssrc;
}

static void frame_source_and_sink(void **state)
{
	struct media_stream *a = stream("PCMU"), *b = stream("PCMU");
	struct sine sine = {0, 0};
	struct heard heard = {0, 0, 0};
	struct media_stats sa_, sb;
	(void)state;

	connect_pair(a, b);
	media_stream_set_source(a, sine_src, &sine);
	media_stream_set_sink(b, level_sink, &heard);
	media_stream_start(a);
	run_for(500);
	media_stream_stats(a, &sa_);
	media_stream_stats(b, &sb);
	print_message("sent %u frames of the sine; %u decoded, %u at its"
		      " level\n", sine.frames, heard.frames,
		      heard.sine_frames);
	assert_true(sine.frames >= 20);
	assert_int_equal(sa_.tx_packets, sine.frames);
	assert_int_equal(sb.decoded_packets, heard.frames);
	assert_true(heard.sine_frames + 2 >= heard.frames);
	assert_int_equal(sa_.tx_ssrc, heard.ssrc);

	/* the tone again: the far end's frames fall to the tone's level */
	media_stream_set_source(a, NULL, NULL);
	heard.frames = heard.sine_frames = 0;
	run_for(300);
	assert_true(heard.frames >= 10);
	assert_true(heard.sine_frames <= 1);

	/* no sink: nothing more reaches it */
	media_stream_set_sink(b, NULL, NULL);
	heard.frames = 0;
	run_for(100);
	assert_int_equal(0, heard.frames);

	mem_deref(a);
	mem_deref(b);
}


static void free_h(void *arg)
{
	struct media_stream **msp = arg;

	*msp = mem_deref(*msp);
}


static void stream_frees_while_packets_fly(void **state)
{
	struct media_stream *a = stream("opus"), *b = stream("opus");
	struct media_stats st;
	struct tmr t;
	(void)state;

	connect_pair(a, b);
	media_stream_start(a);
	media_stream_start(b);

	tmr_init(&t);
	tmr_start(&t, 250, free_h, &b);
	run_for(500);
	tmr_cancel(&t);
	assert_null(b);

	/* a goes on sending into the void and still counts */
	media_stream_stats(a, &st);
	assert_true(st.tx_packets >= 20);
	assert_true(st.rx_packets >= 8 && st.rx_packets < 20);

	mem_deref(a);
}


struct junk {
	struct udp_sock *us;
	const struct sa *dst;
	uint16_t seq;
	unsigned sent;
	struct tmr tmr;
};


/* Every 5 ms: an RTP packet of pt 111 with random bytes as Opus payload,
 * or a datagram that is not RTP at all */
static void junk_h(void *arg)
{
	struct junk *j = arg;
	struct mbuf *mb = mbuf_alloc(1500);
	size_t len = 1 + (size_t)rand() % 1200;

	assert_non_null(mb);
	if (j->sent % 4) {
		struct rtp_header hdr = {.ver = 2, .pt = 111, .seq = j->seq++,
					 .ts = j->sent * 960, .ssrc = 0x1234};

		assert_int_equal(0, rtp_hdr_encode(mb, &hdr));
	}
	for (size_t i = 0; i < len; i++)
		mbuf_write_u8(mb, (uint8_t)rand());
	mb->pos = 0;
	(void)udp_send(j->us, j->dst, mb);
	mem_deref(mb);
	++j->sent;

	tmr_start(&j->tmr, 5, junk_h, j);
}


static void garbage_from_the_network_is_survived(void **state)
{
	struct media_stream *a = stream("opus"), *b = stream("opus");
	struct junk j = {0};
	struct media_stats st;
	struct sa local;
	(void)state;

	srand(99);
	sa_set_str(&local, "127.0.0.1", 0);
	assert_int_equal(0, udp_listen(&j.us, &local, NULL, NULL));
	j.dst = media_stream_laddr(b);
	tmr_init(&j.tmr);
	tmr_start(&j.tmr, 0, junk_h, &j);

	assert_int_equal(0, media_stream_set_remote(a, media_stream_laddr(b)));
	media_stream_start(a);
	run_for(600);
	tmr_cancel(&j.tmr);

	assert_int_equal(0, media_stream_stats(b, &st));
	print_message("junk sent %u; b: %u SSRCs, %llu received, "
		      "%llu decode errors, %llu played\n", j.sent,
		      st.rx_nssrc, (unsigned long long)st.rx_packets,
		      (unsigned long long)st.decode_errors,
		      (unsigned long long)st.played_packets);
	assert_true(j.sent >= 50);
	assert_true(st.rx_nssrc >= 2);          /* ours, 0x1234, junk */
	assert_true(st.rx_nssrc <= METER_MAX_SSRCS);
	assert_true(st.decode_errors > 0);

	/* the real stream still played */
	{
		struct media_stats sa_;
		const struct seqset *set;

		media_stream_stats(a, &sa_);
		set = meter_played_set(media_stream_meter(b), sa_.tx_ssrc);
		assert_non_null(set);
		assert_true(seqset_count(set) + 3 >= sa_.tx_packets);
	}

	mem_deref(j.us);
	mem_deref(a);
	mem_deref(b);
}


/* An ordinary phone's audio (a 440 Hz sine, no sequence marks): after the
 * first 10 frames show no mark, every decoded frame counts as played. */
struct foreign {
	struct udp_sock *us;
	const struct sa *dst;
	struct codec_state *enc;
	unsigned sent;
	double phase;
	struct tmr tmr;
};

static void foreign_h(void *arg)
{
	struct foreign *f = arg;
	int16_t pcm[160];
	uint8_t pl[160];
	size_t n = sizeof(pl);
	struct rtp_header hdr = {.ver = 2, .pt = 0, .seq = 1000 + f->sent,
				 .ts = f->sent * 160, .ssrc = 0xfeed};
	struct mbuf *mb = mbuf_alloc(256);

	for (int i = 0; i < 160; i++) {
		pcm[i] = (int16_t)(8000 * sin(f->phase));
		f->phase += 2 * M_PI * 440 / 8000;
	}
	assert_int_equal(0, codec_encode(f->enc, pcm, 160, pl, &n));
	assert_int_equal(0, rtp_hdr_encode(mb, &hdr));
	mbuf_write_mem(mb, pl, n);
	mb->pos = 0;
	(void)udp_send(f->us, f->dst, mb);
	mem_deref(mb);
	if (++f->sent < 25)
		tmr_start(&f->tmr, 20, foreign_h, f);
}

static void foreign_sender_counts_decoded_frames_as_played(void **state)
{
	struct media_stream *b = stream("PCMU");
	struct foreign f = {0};
	struct media_stats st;
	struct sa local;
	(void)state;

	sa_set_str(&local, "127.0.0.1", 0);
	assert_int_equal(0, udp_listen(&f.us, &local, NULL, NULL));
	assert_int_equal(0, codec_state_alloc(&f.enc, codec_find("PCMU")));
	f.dst = media_stream_laddr(b);
	tmr_init(&f.tmr);
	tmr_start(&f.tmr, 0, foreign_h, &f);
	run_for(800);
	tmr_cancel(&f.tmr);

	assert_int_equal(0, media_stream_stats(b, &st));
	assert_int_equal(f.sent, 25);
	assert_int_equal(st.rx_packets, 25);
	assert_int_equal(st.played_packets, 25);

	mem_deref(f.enc);
	mem_deref(f.us);
	mem_deref(b);
}


static void alloc_checks_its_arguments(void **state)
{
	struct media_stream *ms = NULL, *ms2 = NULL;
	struct sa laddr;
	uint16_t lo, hi, port;
	(void)state;

	sa_set_str(&laddr, "127.0.0.1", 0);
	assert_int_equal(ENOTSUP, media_stream_alloc(&ms, "video", &laddr));
	assert_int_equal(EINVAL, media_stream_alloc(&ms, "audio", NULL));

	/* a given even port is used as is; taken, it is refused */
	assert_int_equal(0, media_stream_alloc(&ms, "audio", &laddr));
	port = sa_port(media_stream_laddr(ms));
	sa_set_port(&laddr, port);
	assert_int_equal(EADDRINUSE, media_stream_alloc(&ms2, "audio",
							&laddr));
	ms = mem_deref(ms);
	assert_int_equal(0, media_stream_alloc(&ms, "audio", &laddr));
	assert_int_equal(port, sa_port(media_stream_laddr(ms)));
	ms = mem_deref(ms);

	/* a range of one even port gives that port */
	sa_set_port(&laddr, 0);
	assert_int_equal(0, media_stream_alloc_ports(&ms, "audio", &laddr,
						     port, port + 2));
	assert_int_equal(port, sa_port(media_stream_laddr(ms)));
	ms = mem_deref(ms);

	/* an odd port is refused */
	sa_set_port(&laddr, port + 1);
	assert_int_equal(EINVAL, media_stream_alloc(&ms, "audio", &laddr));

	assert_int_equal(0, media_ports_parse("20000-29999", &lo, &hi));
	assert_int_equal(20000, lo);
	assert_int_equal(29999, hi);
	assert_int_equal(EINVAL, media_ports_parse("20000", &lo, &hi));
	assert_int_equal(EINVAL, media_ports_parse("3000-2000", &lo, &hi));
	assert_int_equal(EINVAL, media_ports_parse("1-70000", &lo, &hi));
	assert_int_equal(EINVAL, media_ports_parse("10-20x", &lo, &hi));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcmu_flows_both_ways),
		cmocka_unit_test(pcma_flows_both_ways),
		cmocka_unit_test(g722_flows_both_ways),
		cmocka_unit_test(opus_flows_both_ways),
		cmocka_unit_test(media_moves_with_its_sequence_unbroken),
		cmocka_unit_test(directions_gate_sending_and_playing),
		cmocka_unit_test(recording_holds_the_played_tone),
		cmocka_unit_test(frame_source_and_sink),
		cmocka_unit_test(stream_frees_while_packets_fly),
		cmocka_unit_test(garbage_from_the_network_is_survived),
		cmocka_unit_test(foreign_sender_counts_decoded_frames_as_played),
		cmocka_unit_test(alloc_checks_its_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
