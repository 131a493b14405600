/**
 * @file test_media_video_stream.c  Real H.263+ video between media_vstreams
 * on 127.0.0.1 under a real libre event loop: a camera's pattern is decoded
 * at a display at its size, the display follows a size change, a size
 * switch while sending starts with a keyframe and loses no picture, the
 * video moves to another display with SSRC and sequence unbroken, and garbage
 * datagrams do not stop a display. Every run of the loop is bounded by a
 * timer that calls re_cancel(); runs end early once the awaited frames
 * have been decoded.
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

/* What a display saw, and when to stop waiting */
struct display {
	struct media_vstream *vs;
	unsigned frames;
	unsigned frames_at_size;   /* decoded at want_w x want_h */
	unsigned want_w, want_h;
	unsigned stop_after;       /* re_cancel() at this many; 0: never */
	uint32_t ssrc;
	uint32_t last_ts;
	unsigned marked;           /* frames that carried the pattern's mark */
	unsigned mark_steps;       /* ...whose mark followed the last by one */
	uint16_t last_mark;
};


static void frame_h(const struct media_vframe *f, void *arg)
{
	struct display *d = arg;

	++d->frames;
	d->ssrc = f->ssrc;
	d->last_ts = f->ts;
	if (f->marked) {
		if (d->marked && f->mark == (uint16_t)(d->last_mark + 1))
			++d->mark_steps;
		++d->marked;
		d->last_mark = f->mark;
	}
	if (f->w == d->want_w && f->h == d->want_h)
		++d->frames_at_size;

	if (d->stop_after && d->frames_at_size == d->stop_after)
		re_cancel();
}


static int group_setup(void **state)
{
	(void)state;

	av_log_set_level(AV_LOG_QUIET);

	return libre_init() ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;
	tmr_debug();
	libre_close();

	return 0;
}


static struct media_vstream *vstream(bool send, bool recv)
{
	struct media_vstream *vs = NULL;
	const struct sa *la;
	struct sa laddr;

	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 0));
	assert_int_equal(0, media_vstream_alloc(&vs, &laddr));

	la = media_vstream_laddr(vs);
	assert_true(sa_port(la) >= MEDIA_PORT_MIN);
	assert_true(sa_port(la) < MEDIA_PORT_MAX);
	assert_int_equal(0, sa_port(la) % 2);

	assert_int_equal(0, media_vstream_set_pt(vs, 96));
	media_vstream_set_dir(vs, send, recv);

	return vs;
}


static void display_init(struct display *d, unsigned w, unsigned h,
			 unsigned stop_after)
{
	memset(d, 0, sizeof(*d));
	d->vs = vstream(false, true);
	d->want_w = w;
	d->want_h = h;
	d->stop_after = stop_after;
	media_vstream_set_frame_handler(d->vs, frame_h, d);
	assert_int_equal(0, media_vstream_start(d->vs));
}


static void camera_to_display_then_size_follows(void **state)
{
	struct media_vstats cs, ds;
	struct media_vstream *cam;
	struct display d;
	(void)state;

	cam = vstream(true, false);
	media_vstream_set_pattern(cam, 0x3c);
	display_init(&d, 176, 144, 20);

	assert_int_equal(0, media_vstream_set_remote(cam,
					     media_vstream_laddr(d.vs)));
	assert_int_equal(0, media_vstream_set_remote(d.vs,
					     media_vstream_laddr(cam)));
	assert_int_equal(0, media_vstream_start(cam));

	/* 20 frames at 15 fps take 1.3 s; then let what is in flight land */
	run_for(3000);
	media_vstream_stop(cam);
	run_for(50);

	assert_int_equal(0, media_vstream_stats(cam, &cs));
	assert_int_equal(0, media_vstream_stats(d.vs, &ds));
	printf("  QCIF: camera sent %llu frames in %llu packets; display "
	       "decoded %llu, %ux%u, pattern frame %u seed 0x%02x\n",
	       (unsigned long long)cs.tx_frames,
	       (unsigned long long)cs.tx_packets,
	       (unsigned long long)ds.frames_decoded, ds.width, ds.height,
	       ds.pattern_frame, ds.pattern_seed);

	assert_true(d.frames_at_size >= 20);
	assert_int_equal(d.frames, d.frames_at_size);
	assert_int_equal(176, ds.width);
	assert_int_equal(144, ds.height);
	assert_true(ds.pattern_ok);
	assert_int_equal(0x3c, ds.pattern_seed);
	assert_true(ds.pattern_frame >= 19);
	/* every frame carries its number, one more than the last */
	assert_int_equal(d.frames, d.marked);
	assert_int_equal(d.marked - 1, d.mark_steps);
	assert_int_equal(ds.pattern_frame, d.last_mark);
	assert_int_equal(cs.tx_ssrc, ds.rx_ssrc);
	assert_int_equal(cs.tx_ssrc, d.ssrc);
	assert_int_equal(0, ds.lost);
	assert_int_equal(0, ds.frames_dropped);
	assert_int_equal(0, ds.decode_errors);
	assert_int_equal(cs.tx_packets, ds.rx_packets);
	assert_true(cs.tx_keyframes >= 1);
	assert_true(ds.first_ms > 0 && ds.last_ms >= ds.first_ms);

	/* a display sends nothing, a camera decodes nothing */
	assert_int_equal(0, ds.tx_packets);
	assert_int_equal(0, ds.tx_frames);
	assert_int_equal(0, cs.rx_packets);

	/* CIF from the next frame on, and the display follows */
	assert_int_equal(0, media_vstream_set_size(cam, 352, 288, 15));
	assert_int_equal(0, media_vstream_start(cam));
	d.want_w = 352;
	d.want_h = 288;
	d.frames_at_size = 0;
	d.stop_after = 10;
	run_for(3000);

	assert_int_equal(0, media_vstream_stats(d.vs, &ds));
	assert_true(d.frames_at_size >= 10);
	assert_int_equal(352, ds.width);
	assert_int_equal(288, ds.height);
	assert_true(ds.pattern_ok);
	assert_int_equal(0, ds.lost);
	assert_int_equal(0, ds.decode_errors);

	/* bad sizes are refused and change nothing */
	assert_int_equal(EINVAL, media_vstream_set_size(cam, 350, 288, 15));
	assert_int_equal(EINVAL, media_vstream_set_size(cam, 352, 288, 0));
	assert_int_equal(0, media_vstream_stats(cam, &cs));
	assert_int_equal(352, cs.tx_width);

	mem_deref(cam);
	mem_deref(d.vs);
}


/* What the display of a mid-call size switch saw: which pictures began
 * intra-coded (by RTP timestamp, read from the payload by a tap), and the
 * first picture decoded at the new size */
struct switch_watch {
	struct display d;
	uint32_t intra_ts[256];
	unsigned nintra;
	unsigned new_w, new_h;     /* the size switched to (0: not yet)     */
	bool seen_new;
	uint32_t new_ts;           /* the first picture at the new size ... */
	uint16_t new_mark;         /* ...its pattern number                 */
	uint16_t old_mark;         /* the last one at the old size          */
	unsigned old_frames;
};


static bool intra_tap(const struct sa *src, const struct rtp_header *hdr,
		      struct mbuf *mb, void *arg)
{
	struct switch_watch *w = arg;
	bool intra = false;
	(void)src;

	if (!h263_picture_intra(mbuf_buf(mb), mbuf_get_left(mb), &intra) &&
	    intra && w->nintra < ARRAY_SIZE(w->intra_ts))
		w->intra_ts[w->nintra++] = hdr->ts;
	return false;   /* the display takes it as ever */
}


static void switch_frame_h(const struct media_vframe *f, void *arg)
{
	struct switch_watch *w = arg;

	if (w->new_w && f->w == w->new_w && f->h == w->new_h) {
		if (!w->seen_new) {
			w->seen_new = true;
			w->new_ts = f->ts;
			w->new_mark = f->mark;
		}
	}
	else if (!w->seen_new) {
		w->old_mark = f->mark;
		++w->old_frames;
	}
	frame_h(f, &w->d);
}


static bool was_intra(const struct switch_watch *w, uint32_t ts)
{
	for (unsigned i = 0; i < w->nintra; i++) {
		if (w->intra_ts[i] == ts)
			return true;
	}
	return false;
}


/* The sender's size changes while it runs (the far end's fmtp asked for
 * another, spec §6.2): the encoder is rebuilt, the first picture at the
 * new size is a keyframe, and the display goes on without losing one. */
static void size_switch_mid_call_starts_with_a_keyframe(void **state)
{
	struct media_vstats cs, ds;
	struct media_vstream *cam;
	struct switch_watch w;
	uint64_t keys_before;
	(void)state;

	memset(&w, 0, sizeof(w));
	cam = vstream(true, false);
	display_init(&w.d, 176, 144, 20);
	media_vstream_set_frame_handler(w.d.vs, switch_frame_h, &w);
	media_vstream_set_tap(w.d.vs, intra_tap, &w);
	assert_int_equal(0, media_vstream_set_remote(cam,
					     media_vstream_laddr(w.d.vs)));
	assert_int_equal(0, media_vstream_start(cam));
	run_for(3000);
	assert_true(w.d.frames_at_size >= 20);
	assert_int_equal(0, media_vstream_stats(cam, &cs));
	keys_before = cs.tx_keyframes;

	/* 4CIF from the next frame on, the camera still running */
	w.d.want_w = w.new_w = 704;
	w.d.want_h = w.new_h = 576;
	w.d.frames_at_size = 0;
	w.d.stop_after = 10;
	assert_int_equal(0, media_vstream_set_size(cam, 704, 576, 15));
	run_for(3000);
	media_vstream_stop(cam);
	run_for(50);

	assert_int_equal(0, media_vstream_stats(cam, &cs));
	assert_int_equal(0, media_vstream_stats(w.d.vs, &ds));
	printf("  switch: %u frames at QCIF, then 4CIF from pattern frame %u"
	       " (%s); %llu keyframes sent before, %llu after\n",
	       w.old_frames, w.new_mark,
	       was_intra(&w, w.new_ts) ? "intra" : "NOT intra",
	       (unsigned long long)keys_before,
	       (unsigned long long)cs.tx_keyframes);

	assert_true(w.seen_new);
	assert_true(w.d.frames_at_size >= 10);
	assert_true(was_intra(&w, w.new_ts));
	assert_true(cs.tx_keyframes > keys_before);
	/* no picture lost at the switch: the pattern numbers run on */
	assert_int_equal((uint16_t)(w.old_mark + 1), w.new_mark);
	assert_int_equal(704, ds.width);
	assert_int_equal(576, ds.height);
	assert_int_equal(704, cs.tx_width);
	assert_int_equal(576, cs.tx_height);
	assert_int_equal(0, ds.lost);
	assert_int_equal(0, ds.frames_dropped);
	assert_int_equal(0, ds.decode_errors);
	assert_true(ds.pattern_ok);

	mem_deref(cam);
	mem_deref(w.d.vs);
}


static void video_moves_to_another_display_unbroken(void **state)
{
	struct media_vstats cs, s1, s2;
	struct media_vstream *cam;
	struct display d1, d2;
	struct meter_stats ms1, ms2;
	(void)state;

	cam = vstream(true, true);
	display_init(&d1, 176, 144, 10);
	display_init(&d2, 176, 144, 10);

	assert_int_equal(0, media_vstream_set_remote(cam,
					     media_vstream_laddr(d1.vs)));
	assert_int_equal(0, media_vstream_start(cam));
	run_for(3000);
	assert_true(d1.frames >= 10);

	/* the media moves: same SSRC, the sequence goes on */
	assert_int_equal(0, media_vstream_set_remote(cam,
					     media_vstream_laddr(d2.vs)));
	run_for(3000);
	media_vstream_stop(cam);
	run_for(50);

	assert_int_equal(0, media_vstream_stats(cam, &cs));
	assert_int_equal(0, media_vstream_stats(d1.vs, &s1));
	assert_int_equal(0, media_vstream_stats(d2.vs, &s2));

	assert_true(d2.frames_at_size >= 10);
	assert_int_equal(cs.tx_ssrc, s2.rx_ssrc);
	assert_int_equal(s1.rx_ssrc, s2.rx_ssrc);
	/* every packet went to one display or the other, none lost */
	assert_int_equal(cs.tx_packets, s1.rx_packets + s2.rx_packets);
	assert_int_equal(0, s1.lost);
	assert_int_equal(0, s2.lost);
	/* the new display starts with a keyframe: its pattern reads */
	assert_true(s2.pattern_ok);
	assert_int_equal(0, s2.frames_dropped);
	assert_int_equal(0, s2.decode_errors);

	/* d2's first sequence number follows d1's last */
	assert_int_equal(0, meter_stats(media_vstream_meter(d1.vs),
					cs.tx_ssrc, &ms1));
	assert_int_equal(0, meter_stats(media_vstream_meter(d2.vs),
					cs.tx_ssrc, &ms2));
	assert_int_equal((uint16_t)(ms1.max_ext + 1), (uint16_t)ms2.first_ext);
	assert_true(d2.last_ts != d1.last_ts);

	mem_deref(cam);
	mem_deref(d1.vs);
	mem_deref(d2.vs);
}


/* A display keeps decoding while junk arrives on its port */
static void garbage_datagrams_do_not_stop_a_display(void **state)
{
	struct media_vstats ds;
	struct media_vstream *cam;
	struct udp_sock *us = NULL;
	struct display d;
	struct sa laddr;
	(void)state;

	cam = vstream(true, false);
	display_init(&d, 176, 144, 0);
	assert_int_equal(0, media_vstream_set_remote(cam,
					     media_vstream_laddr(d.vs)));
	assert_int_equal(0, media_vstream_start(cam));

	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 0));
	assert_int_equal(0, udp_listen(&us, &laddr, NULL, NULL));
	srand(90000);

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 10; i++) {
			struct mbuf *mb = mbuf_alloc(1500);
			size_t len = (size_t)rand() % 1400;

			assert_non_null(mb);
			for (size_t b = 0; b < len; b++)
				(void)mbuf_write_u8(mb, (uint8_t)rand());
			/* half of them look like RTP of our type */
			if (len >= 14 && rand() % 2) {
				mb->buf[0] = 0x80;
				mb->buf[1] = (uint8_t)(96 | (rand() % 2) << 7);
				mb->buf[12] = (uint8_t)(rand() % 8);
			}
			mb->pos = 0;
			(void)udp_send(us, media_vstream_laddr(d.vs), mb);
			mem_deref(mb);
		}
		run_for(100);
	}

	assert_int_equal(0, media_vstream_stats(d.vs, &ds));
	printf("  with junk: %llu frames decoded, %llu dropped, %llu decode "
	       "errors\n", (unsigned long long)ds.frames_decoded,
	       (unsigned long long)ds.frames_dropped,
	       (unsigned long long)ds.decode_errors);
	assert_true(ds.frames_decoded >= 20);

	/* and after the junk stops, the camera's frames decode cleanly */
	d.want_w = 176;
	d.want_h = 144;
	d.frames_at_size = 0;
	d.stop_after = 5;
	media_vstream_keyframe(cam);
	run_for(3000);
	assert_int_equal(0, media_vstream_stats(d.vs, &ds));
	assert_true(d.frames_at_size >= 5);
	assert_true(ds.pattern_ok);

	mem_deref(us);
	mem_deref(cam);
	mem_deref(d.vs);
}


static void alloc_checks_its_arguments(void **state)
{
	struct media_vstream *vs = NULL;
	struct sa laddr;
	(void)state;

	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 20001));
	assert_int_equal(EINVAL, media_vstream_alloc(&vs, &laddr));
	assert_int_equal(0, sa_set_str(&laddr, "127.0.0.1", 0));
	assert_int_equal(EINVAL, media_vstream_alloc_ports(&vs, &laddr, 30000,
							   30001));
	assert_int_equal(0, media_vstream_alloc_ports(&vs, &laddr, 30000,
						      30100));
	assert_true(sa_port(media_vstream_laddr(vs)) >= 30000);
	assert_true(sa_port(media_vstream_laddr(vs)) < 30100);
	assert_int_equal(EINVAL, media_vstream_set_pt(vs, 128));
	assert_int_equal(EINVAL, media_vstream_set_remote(vs, &laddr));
	assert_null(media_vstream_laddr(NULL));
	mem_deref(vs);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(camera_to_display_then_size_follows),
		cmocka_unit_test(size_switch_mid_call_starts_with_a_keyframe),
		cmocka_unit_test(video_moves_to_another_display_unbroken),
		cmocka_unit_test(garbage_datagrams_do_not_stop_a_display),
		cmocka_unit_test(alloc_checks_its_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
