/**
 * @file test_media_dtmf.c  RFC 4733 telephone events: the payload both
 * ways and its refusals, the sender's packets for one digit (timestamp,
 * marker, durations, three ends, the pause), the receiver's one report per
 * key press, and two real streams on 127.0.0.1 that send each other digits
 * which arrive in order, once each, while the audio goes on around them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/media_dtmf.h>
#include "run_loop.h"


static void digits_map_to_event_codes(void **state)
{
	(void)state;
	assert_int_equal(0, dtmf_code('0'));
	assert_int_equal(9, dtmf_code('9'));
	assert_int_equal(10, dtmf_code('*'));
	assert_int_equal(11, dtmf_code('#'));
	assert_int_equal(12, dtmf_code('A'));
	assert_int_equal(15, dtmf_code('d'));
	assert_int_equal(-1, dtmf_code('E'));
	assert_int_equal(-1, dtmf_code(' '));
	assert_int_equal(-1, dtmf_code('\0'));
	assert_int_equal('#', dtmf_digit(11));
	assert_int_equal('D', dtmf_digit(15));
	assert_int_equal('\0', dtmf_digit(16));     /* flash: no digit */
	assert_true(dtmf_digits_valid("0123456789*#ABCDabcd"));
	assert_false(dtmf_digits_valid(""));
	assert_false(dtmf_digits_valid(NULL));
	assert_false(dtmf_digits_valid("12 3"));
}


static void payload_encodes_and_decodes(void **state)
{
	struct dtmf_event ev = {.code = 11, .end = true, .volume = 10,
				.duration = 800}, out;
	uint8_t buf[8];
	(void)state;

	assert_int_equal(0, dtmf_encode(buf, sizeof(buf), &ev));
	/* RFC 4733 §2.3: event, E R volume, duration (network order) */
	assert_int_equal(11, buf[0]);
	assert_int_equal(0x8a, buf[1]);
	assert_int_equal(0x03, buf[2]);
	assert_int_equal(0x20, buf[3]);

	assert_int_equal(0, dtmf_decode(&out, buf, 4));
	assert_int_equal(11, out.code);
	assert_true(out.end);
	assert_int_equal(10, out.volume);
	assert_int_equal(800, out.duration);

	ev.volume = 64;
	assert_int_equal(EINVAL, dtmf_encode(buf, sizeof(buf), &ev));
	ev.volume = 0;
	assert_int_equal(EOVERFLOW, dtmf_encode(buf, 3, &ev));
}


static void decoder_checks_every_length(void **state)
{
	static const uint8_t p[9] = {5, 0x0a, 0, 160, 6, 0x8a, 1, 64, 0};
	struct dtmf_event ev;
	(void)state;

	for (size_t len = 0; len <= sizeof(p); len++) {
		int want = len && len % 4 == 0 ? 0 : EBADMSG;

		assert_int_equal(want, dtmf_decode(&ev, p, len));
	}
	/* two blocks: the first one is read */
	assert_int_equal(0, dtmf_decode(&ev, p, 8));
	assert_int_equal(5, ev.code);
	assert_false(ev.end);
	assert_int_equal(160, ev.duration);
	assert_int_equal(EINVAL, dtmf_decode(&ev, NULL, 4));
	assert_int_equal(EBADMSG, dtmf_decode(&ev, NULL, 0));
}


static void sender_plays_one_digit_then_pauses(void **state)
{
	struct dtmf_tx *tx = NULL;
	struct dtmf_pkt pkt;
	struct dtmf_event ev;
	uint32_t ts = 4294967000u;    /* the timestamp wraps during it */
	unsigned tick, sent = 0, ends = 0;
	(void)state;

	assert_int_equal(0, dtmf_tx_alloc(&tx));
	assert_false(dtmf_tx_tick(tx, ts, 160, &pkt));   /* nothing queued */
	assert_int_equal(0, dtmf_tx_queue(tx, "5#"));
	assert_true(dtmf_tx_busy(tx));

	/* 100 ms tone: durations 160..640, then the end (800) three times */
	for (tick = 0; tick < 7; tick++, ts += 160) {
		assert_true(dtmf_tx_tick(tx, ts, 160, &pkt));
		assert_int_equal(0, dtmf_decode(&ev, pkt.payload, 4));
		assert_int_equal(5, ev.code);
		assert_int_equal(4294967000u, pkt.ts);
		assert_int_equal(tick == 0, pkt.marker);
		assert_int_equal(tick < 4 ? 160 * (tick + 1) : 800,
				 ev.duration);
		assert_int_equal(tick >= 4, ev.end);
		ends += ev.end;
		sent++;
	}
	assert_int_equal(7, sent);
	assert_int_equal(DTMF_END_REPEAT, ends);

	/* 100 ms of audio before the next digit */
	for (tick = 0; tick < 5; tick++, ts += 160)
		assert_false(dtmf_tx_tick(tx, ts, 160, &pkt));

	assert_true(dtmf_tx_tick(tx, ts, 160, &pkt));
	assert_int_equal(0, dtmf_decode(&ev, pkt.payload, 4));
	assert_int_equal(11, ev.code);
	assert_true(pkt.marker);
	assert_int_equal(ts, pkt.ts);

	dtmf_tx_clear(tx);
	assert_false(dtmf_tx_busy(tx));
	assert_false(dtmf_tx_tick(tx, ts, 160, &pkt));
	mem_deref(tx);
}


static void sender_queues_all_digits_or_none(void **state)
{
	struct dtmf_tx *tx = NULL;
	char many[DTMF_MAX_QUEUE + 2];
	(void)state;

	assert_int_equal(0, dtmf_tx_alloc(&tx));
	assert_int_equal(EINVAL, dtmf_tx_queue(tx, "12x"));
	assert_false(dtmf_tx_busy(tx));

	memset(many, '1', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(ENOSPC, dtmf_tx_queue(tx, many));
	assert_false(dtmf_tx_busy(tx));
	many[DTMF_MAX_QUEUE] = '\0';
	assert_int_equal(0, dtmf_tx_queue(tx, many));
	assert_int_equal(ENOSPC, dtmf_tx_queue(tx, "1"));
	mem_deref(tx);
}


static void feed(struct dtmf_rx *rx, uint32_t ssrc, uint32_t ts,
		 uint8_t code, bool end, uint16_t dur, char want)
{
	struct dtmf_event ev = {.code = code, .end = end, .volume = 10,
				.duration = dur};
	uint8_t p[4];
	char d = 'x';

	assert_int_equal(0, dtmf_encode(p, sizeof(p), &ev));
	assert_int_equal(0, dtmf_rx_input(rx, ssrc, ts, p, 4, &d));
	assert_int_equal(want, d);
}


static void receiver_reports_each_press_once(void **state)
{
	struct dtmf_rx *rx = NULL;
	uint8_t junk[3] = {1, 2, 3};
	char d = 'x';
	(void)state;

	assert_int_equal(0, dtmf_rx_alloc(&rx));
	assert_string_equal("", dtmf_rx_digits(rx));

	/* '1': updates, then the end three times */
	feed(rx, 7, 4294900000u, 1, false, 160, '1');
	feed(rx, 7, 4294900000u, 1, false, 320, '\0');
	feed(rx, 7, 4294900000u, 1, true, 800, '\0');
	feed(rx, 7, 4294900000u, 1, true, 800, '\0');
	feed(rx, 7, 4294900000u, 1, true, 800, '\0');
	/* the same digit again is a new press: a new start timestamp */
	feed(rx, 7, 4294902000u, 1, true, 800, '1'); /* first packets lost */
	/* a late packet of the first press is no press */
	feed(rx, 7, 4294900000u, 1, true, 800, '\0');
	/* on across the timestamp's wrap */
	feed(rx, 7, 4294967000u, 11, false, 160, '#');
	feed(rx, 7, 200, 12, false, 160, 'A');
	feed(rx, 7, 4294967000u, 11, true, 800, '\0');  /* late again */
	/* a new sender (the media moved) starts afresh */
	feed(rx, 9, 100, 0, false, 160, '0');
	/* flash is an event but no digit */
	feed(rx, 9, 900, 16, false, 160, '\0');
	feed(rx, 9, 1700, 10, false, 160, '*');
	assert_string_equal("11#A0*", dtmf_rx_digits(rx));

	/* a malformed payload changes nothing */
	assert_int_equal(EBADMSG, dtmf_rx_input(rx, 9, 5000, junk, 3, &d));
	assert_int_equal('\0', d);
	assert_string_equal("11#A0*", dtmf_rx_digits(rx));
	mem_deref(rx);
}


static void receiver_keeps_the_latest_digits(void **state)
{
	struct dtmf_rx *rx = NULL;
	const char *s;
	(void)state;

	assert_int_equal(0, dtmf_rx_alloc(&rx));
	for (uint32_t i = 0; i < DTMF_MAX_RX + 10; i++)
		feed(rx, 1, 1000 * (i + 1), (uint8_t)(i % 10), true, 800,
		     (char)('0' + i % 10));
	s = dtmf_rx_digits(rx);
	assert_int_equal(DTMF_MAX_RX, strlen(s));
	assert_int_equal('0', s[0]);                /* 10 dropped: 0..9 */
	assert_int_equal('5', s[DTMF_MAX_RX - 1]);  /* 265th: 265 % 10 */
	mem_deref(rx);
}


/* ---- two streams on loopback ---- */


static struct media_stream *stream(const char *codec, uint8_t pt)
{
	const struct codec_desc *c = codec_find(codec);
	struct media_stream *ms = NULL;
	struct sa laddr;

	assert_non_null(c);
	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 0));
	assert_int_equal(0, media_stream_alloc(&ms, "audio", &laddr));
	assert_int_equal(0, media_stream_set_codec(ms, c, pt));
	return ms;
}

static void pair(struct media_stream **a, struct media_stream **b,
		 const char *codec, uint8_t pt)
{
	*a = stream(codec, pt);
	*b = stream(codec, pt);
	assert_int_equal(0, media_stream_set_remote(*a,
						    media_stream_laddr(*b)));
	assert_int_equal(0, media_stream_set_remote(*b,
						    media_stream_laddr(*a)));
	assert_int_equal(0, media_stream_start(*a));
	assert_int_equal(0, media_stream_start(*b));
}

static void stream_pair_exchanges_digits_in_order_once(void **state)
{
	struct media_stream *a, *b;
	struct media_stats sa_, sb;
	(void)state;

	pair(&a, &b, "PCMU", 0);
	/* different numbers each way, as two phones may choose */
	media_stream_set_dtmf_pt(a, 101, 96);
	media_stream_set_dtmf_pt(b, 96, 101);

	run_for(200);
	assert_int_equal(0, media_stream_dtmf_send(a, "1234567890*#ABCD"));
	assert_int_equal(0, media_stream_dtmf_send(b, "9#"));
	assert_int_equal(0, media_stream_dtmf_send(b, "1"));   /* queued on */

	/* 16 digits of 240 ms each (140 ms events + 100 ms pause) */
	run_for(16 * 240 + 500);

	assert_string_equal("1234567890*#ABCD", media_stream_dtmf_received(b));
	assert_string_equal("9#1", media_stream_dtmf_received(a));

	/* events share the audio's SSRC and sequence: nothing lost, one
	 * sender, and the audio played on around them */
	assert_int_equal(0, media_stream_stats(a, &sa_));
	assert_int_equal(0, media_stream_stats(b, &sb));
	assert_int_equal(1, sb.rx_nssrc);
	assert_int_equal(sa_.tx_ssrc, sb.rx_ssrc);
	assert_int_equal(0, sb.lost);
	assert_int_equal(0, sa_.lost);
	assert_true(sb.played_packets > 50);
	/* 16 digits x 7 event packets were not audio */
	assert_true(sb.rx_packets >= sb.decoded_packets + 16 * 7);

	mem_deref(a);
	mem_deref(b);
}

static void stream_refuses_what_it_cannot_send(void **state)
{
	struct media_stream *a, *b;
	(void)state;

	pair(&a, &b, "PCMU", 0);
	/* the far end took no telephone-event */
	assert_int_equal(ENOTSUP, media_stream_dtmf_send(a, "1"));
	media_stream_set_dtmf_pt(a, 101, 101);
	assert_int_equal(EINVAL, media_stream_dtmf_send(a, "1x"));
	assert_int_equal(EINVAL, media_stream_dtmf_send(a, ""));
	/* not sending: recvonly, then stopped */
	media_stream_set_dir(a, false, true);
	assert_int_equal(ENOTCONN, media_stream_dtmf_send(a, "1"));
	media_stream_set_dir(a, true, true);
	assert_int_equal(0, media_stream_dtmf_send(a, "1"));
	media_stream_stop(a);
	assert_int_equal(ENOTCONN, media_stream_dtmf_send(a, "1"));
	run_for(300);
	assert_string_equal("", media_stream_dtmf_received(b));
	mem_deref(a);
	mem_deref(b);

	/* opus runs a 48 kHz clock: no telephone-event/8000 in its SSRC */
	pair(&a, &b, "opus", 111);
	media_stream_set_dtmf_pt(a, 101, 101);
	assert_int_equal(ENOTSUP, media_stream_dtmf_send(a, "1"));
	mem_deref(a);
	mem_deref(b);
}

static void receiver_ignores_events_when_not_receiving(void **state)
{
	struct media_stream *a, *b;
	(void)state;

	pair(&a, &b, "PCMA", 8);
	media_stream_set_dtmf_pt(a, 101, 101);
	media_stream_set_dtmf_pt(b, 101, -1);     /* b takes no events */
	assert_int_equal(0, media_stream_dtmf_send(a, "7"));
	run_for(400);
	assert_string_equal("", media_stream_dtmf_received(b));

	media_stream_set_dtmf_pt(b, 101, 101);
	media_stream_set_dir(b, true, false);     /* sendonly */
	assert_int_equal(0, media_stream_dtmf_send(a, "8"));
	run_for(400);
	assert_string_equal("", media_stream_dtmf_received(b));

	media_stream_set_dir(b, true, true);
	assert_int_equal(0, media_stream_dtmf_send(a, "9"));
	run_for(400);
	assert_string_equal("9", media_stream_dtmf_received(b));
	mem_deref(a);
	mem_deref(b);
}


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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(digits_map_to_event_codes),
		cmocka_unit_test(payload_encodes_and_decodes),
		cmocka_unit_test(decoder_checks_every_length),
		cmocka_unit_test(sender_plays_one_digit_then_pauses),
		cmocka_unit_test(sender_queues_all_digits_or_none),
		cmocka_unit_test(receiver_reports_each_press_once),
		cmocka_unit_test(receiver_keeps_the_latest_digits),
		cmocka_unit_test(stream_pair_exchanges_digits_in_order_once),
		cmocka_unit_test(stream_refuses_what_it_cannot_send),
		cmocka_unit_test(receiver_ignores_events_when_not_receiving),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
