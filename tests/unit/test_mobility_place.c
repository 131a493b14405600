/*
 * The placement model alone, without sockets: a move of one medium leaves
 * the other with the MN; a direction split puts the display on a free line
 * and any number of split-and-retrieve cycles fit in one call; moving a
 * split medium whole drops its display line; a retrieval takes back only
 * what it names; the CN's re-offer is answered line by line from each
 * holder; a device is updated in its own layout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "mobility/place.h"

/* What the CN has from the MN: audio and video, both sendrecv. */
static const char cn_local_sdp[] =
	"v=0\r\no=mn 1 5 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	"a=sendrecv\r\n"
	"m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H263-1998/90000\r\n"
	"a=sendrecv\r\n";

/* A device's answer in the CN's layout: c= names the device (port). */
static struct sdesc *dev_answer(uint16_t port, const char *adir,
				const char *vdir)
{
	char buf[512];
	struct sdesc *sd = NULL;
	char err[64];

	re_snprintf(buf, sizeof(buf),
		    "v=0\r\no=dev 9 1 IN IP4 127.0.0.2\r\ns=-\r\n"
		    "c=IN IP4 127.0.0.2\r\nt=0 0\r\n"
		    "m=audio %u RTP/AVP 0\r\na=%s\r\n"
		    "m=video %u RTP/AVP 96\r\na=rtpmap:96 H263-1998/90000\r\n"
		    "a=%s\r\n", adir ? port : 0, adir ? adir : "inactive",
		    vdir ? port + 2 : 0, vdir ? vdir : "inactive");
	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)buf, strlen(buf),
				     err, sizeof(err)), 0);
	return sd;
}

static struct sdesc *parse(const char *s)
{
	struct sdesc *sd = NULL;
	char err[64];

	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)s, strlen(s), err,
				     sizeof(err)), 0);
	return sd;
}

static uint16_t port_of(const struct sdesc *sd, unsigned i)
{
	return sdesc_media_port(sdesc_media(sd, i));
}

/* Fake device legs: the model only compares their addresses. */
static struct devleg *const SPEAKER = (struct devleg *)0x10;
static struct devleg *const DISPLAY = (struct devleg *)0x20;
static struct devleg *const CAMERA  = (struct devleg *)0x30;

static void move_audio_leaves_video_with_the_mn(void **state)
{
	struct sdesc *cn = parse(cn_local_sdp), *spk = dev_answer(5000,
		"sendrecv", NULL), *offer = NULL;
	struct place cur, next;
	struct place_plan plan = {1, {{0, ROLE_WHOLE, SPEAKER, NULL}}};
	(void)state;

	memset(&cur, 0, sizeof(cur));
	plan.item[0].answer = spk;
	assert_int_equal(place_compose_move(&offer, &next, cn, &cur, &plan),
			 0);
	assert_int_equal(sdesc_media_count(offer), 2);
	assert_int_equal(port_of(offer, 0), 5000);   /* the speaker's */
	assert_int_equal(port_of(offer, 1), 4002);   /* still the MN's */
	assert_ptr_equal(next.line[0].dev, SPEAKER);
	assert_null(next.line[1].dev);
	assert_false(place_self_holds(&next, offer, SDESC_AUDIO));
	assert_true(place_self_holds(&next, offer, SDESC_VIDEO));
	assert_true(place_dev_holds(&next, SPEAKER));
	assert_true(place_elsewhere(&next));

	mem_deref(offer);
	mem_deref(spk);
	mem_deref(cn);
}

/* Split the video by direction, then retrieve it; again and again. */
static void split_cycles_reuse_the_display_line(void **state)
{
	struct sdesc *cn = parse(cn_local_sdp), *own = parse(cn_local_sdp);
	struct sdesc *dsp = dev_answer(6000, NULL, "recvonly");
	struct sdesc *cam = dev_answer(7000, NULL, "sendonly");
	struct place cur, next;
	(void)state;

	memset(&cur, 0, sizeof(cur));
	for (int cycle = 0; cycle < 20; cycle++) {
		struct place_plan plan = {2, {
			{1, ROLE_OUT, DISPLAY, dsp},
			{1, ROLE_IN, CAMERA, cam}}};
		struct sdesc *offer = NULL;

		assert_int_equal(place_compose_move(&offer, &next, cn, &cur,
						    &plan), 0);
		assert_int_equal(sdesc_media_count(offer), 3);
		assert_int_equal(port_of(offer, 1), 7002);  /* the camera */
		assert_int_equal(port_of(offer, 2), 6002);  /* the display */
		assert_ptr_equal(next.line[1].dev, CAMERA);
		assert_int_equal(next.line[1].role, ROLE_IN);
		assert_ptr_equal(next.line[2].dev, DISPLAY);
		assert_int_equal(next.line[2].role, ROLE_OUT);
		assert_int_equal(next.line[2].dev_line, 1);
		assert_true(place_self_holds(&next, offer, SDESC_AUDIO));
		mem_deref(cn);
		cn = offer;
		cur = next;

		assert_int_equal(place_compose_retrieve(&offer, &next, cn,
							&cur, own, "video"),
				 0);
		assert_int_equal(sdesc_media_count(offer), 3);
		assert_int_equal(port_of(offer, 1), 4002);  /* the MN's */
		assert_int_equal(port_of(offer, 2), 0);     /* free again */
		assert_false(place_elsewhere(&next));
		mem_deref(cn);
		cn = offer;
		cur = next;
	}
	mem_deref(cn);
	mem_deref(own);
	mem_deref(dsp);
	mem_deref(cam);
}

static void whole_move_of_a_split_drops_its_display_line(void **state)
{
	struct sdesc *cn = parse(cn_local_sdp), *offer = NULL, *split = NULL;
	struct sdesc *dsp = dev_answer(6000, NULL, "recvonly");
	struct sdesc *cam = dev_answer(7000, NULL, "sendonly");
	struct sdesc *tv = dev_answer(8000, NULL, "sendrecv");
	struct place cur, mid, next;
	struct place_plan sp = {2, {{1, ROLE_OUT, DISPLAY, dsp},
				    {1, ROLE_IN, CAMERA, cam}}};
	struct place_plan whole = {1, {{1, ROLE_WHOLE, SPEAKER, tv}}};
	(void)state;

	memset(&cur, 0, sizeof(cur));
	assert_int_equal(place_compose_move(&split, &mid, cn, &cur, &sp), 0);
	assert_int_equal(place_compose_move(&offer, &next, split, &mid,
					    &whole), 0);
	assert_int_equal(port_of(offer, 1), 8002);
	assert_int_equal(port_of(offer, 2), 0);
	assert_ptr_equal(next.line[1].dev, SPEAKER);
	assert_int_equal(next.line[1].role, ROLE_WHOLE);
	assert_null(next.line[2].dev);
	assert_false(place_dev_holds(&next, DISPLAY));
	assert_false(place_dev_holds(&next, CAMERA));

	mem_deref(offer);
	mem_deref(split);
	mem_deref(cn);
	mem_deref(dsp);
	mem_deref(cam);
	mem_deref(tv);
}

static void retrieve_takes_only_what_it_names(void **state)
{
	struct sdesc *cn = parse(cn_local_sdp), *own = parse(cn_local_sdp);
	struct sdesc *spk = dev_answer(5000, "sendrecv", "sendrecv");
	struct sdesc *moved = NULL, *back = NULL;
	struct place cur, mid, next;
	struct place_plan plan = {2, {{0, ROLE_WHOLE, SPEAKER, spk},
				      {1, ROLE_WHOLE, SPEAKER, spk}}};
	(void)state;

	memset(&cur, 0, sizeof(cur));
	assert_int_equal(place_compose_move(&moved, &mid, cn, &cur, &plan), 0);
	assert_int_equal(place_compose_retrieve(&back, &next, moved, &mid,
						own, "video"), 0);
	assert_int_equal(port_of(back, 0), 5000);   /* audio stays */
	assert_int_equal(port_of(back, 1), 4002);
	assert_ptr_equal(next.line[0].dev, SPEAKER);
	assert_null(next.line[1].dev);
	mem_deref(back);

	/* "audio,video" and NULL take everything; "fax" nothing */
	assert_int_equal(place_compose_retrieve(&back, &next, moved, &mid,
						own, "audio,video"), 0);
	assert_false(place_elsewhere(&next));
	mem_deref(back);
	assert_int_equal(place_compose_retrieve(&back, &next, moved, &mid,
						own, "fax"), ENOENT);

	mem_deref(moved);
	mem_deref(cn);
	mem_deref(own);
	mem_deref(spk);
}

static const struct sdesc *answer_of(const struct devleg *d, void *arg)
{
	(void)d;
	return arg;
}

/* The CN holds: the speaker's line of the answer comes from the speaker
 * (recvonly), the MN's from the MN; a removed line is refused. */
static void cn_offer_answered_by_each_holder(void **state)
{
	static const char hold[] =
		"v=0\r\no=cn 7 9 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0\r\na=sendonly\r\n"
		"m=video 9002 RTP/AVP 96\r\na=rtpmap:96 H263-1998/90000\r\n"
		"a=sendonly\r\n";
	static const char one_line[] =
		"v=0\r\no=cn 7 10 IN IP4 127.0.0.9\r\ns=-\r\nt=0 0\r\n"
		"c=IN IP4 127.0.0.9\r\nm=audio 9000 RTP/AVP 0\r\n";
	struct sdesc *cn_local = parse(cn_local_sdp), *offer = parse(hold);
	struct sdesc *spk = dev_answer(5000, "recvonly", NULL);
	struct sdesc *self = dev_answer(4000, NULL, "recvonly");
	struct sdesc *ans = NULL, *view = NULL, *restricted = NULL;
	struct sdesc *bad = parse(one_line);
	struct place p;
	(void)state;

	memset(&p, 0, sizeof(p));
	p.line[0] = (struct placement){SPEAKER, ROLE_WHOLE, 0};

	assert_int_equal(place_answer_cn(&ans, offer, cn_local, &p, self,
					 answer_of, spk), 0);
	assert_int_equal(port_of(ans, 0), 5000);
	assert_int_equal(sdesc_media_dir(sdesc_media(ans, 0)),
			 SDESC_RECVONLY);
	assert_int_equal(port_of(ans, 1), 4002);
	assert_string_equal(sdesc_sess_id(ans), "1");   /* our o= */
	assert_int_equal(place_answer_cn(&view, bad, cn_local, &p, self,
					 answer_of, spk), EPROTO);

	/* the MN answers only its own lines */
	assert_int_equal(place_restrict(&restricted, offer, &p, NULL), 0);
	assert_int_equal(port_of(restricted, 0), 0);
	assert_int_equal(port_of(restricted, 1), 9002);
	mem_deref(restricted);

	/* the speaker gets the CN's new line in its own session */
	assert_int_equal(place_device_view(&view, spk, offer, &p, SPEAKER),
			 0);
	assert_int_equal(port_of(view, 0), 9000);
	assert_int_equal(sdesc_media_dir(sdesc_media(view, 0)),
			 SDESC_SENDONLY);
	assert_int_equal(port_of(view, 1), 0);   /* not its line */

	mem_deref(view);
	mem_deref(ans);
	mem_deref(bad);
	mem_deref(self);
	mem_deref(spk);
	mem_deref(offer);
	mem_deref(cn_local);
}

/* A display is updated on its own line, which is line 2 of the call. */
static void display_updated_in_its_own_layout(void **state)
{
	struct sdesc *cn = parse(cn_local_sdp), *split = NULL, *view = NULL;
	struct sdesc *dsp = dev_answer(6000, NULL, "recvonly");
	struct sdesc *cam = dev_answer(7000, NULL, "sendonly");
	struct place cur, next;
	struct place_plan sp = {2, {{1, ROLE_OUT, DISPLAY, dsp},
				    {1, ROLE_IN, CAMERA, cam}}};
	bool lines[MN_MAX_LINES] = {false, true};
	enum line_role roles[MN_MAX_LINES] = {ROLE_WHOLE, ROLE_OUT};
	(void)state;

	memset(&cur, 0, sizeof(cur));
	static const char cn3[] =
		"v=0\r\no=cn 7 9 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0\r\na=sendrecv\r\n"
		"m=video 9002 RTP/AVP 96\r\na=recvonly\r\n"
		"m=video 9004 RTP/AVP 96\r\na=sendonly\r\n";
	struct sdesc *cn_remote = parse(cn3);

	assert_int_equal(place_compose_move(&split, &next, cn, &cur, &sp), 0);
	/* the CN's line 2 (what it sends the display) is line 1 there */
	assert_int_equal(place_device_view(&view, dsp, cn_remote, &next,
					   DISPLAY), 0);
	assert_int_equal(sdesc_media_count(view), 2);
	assert_int_equal(port_of(view, 1), 9004);
	assert_int_equal(sdesc_media_dir(sdesc_media(view, 1)),
			 SDESC_SENDONLY);
	assert_int_equal(port_of(view, 0), 0);
	mem_deref(view);
	mem_deref(cn_remote);

	/* the invitation of a display: only what the CN sends */
	assert_int_equal(place_invite_offer(&view, cn, &cur, lines, roles),
			 0);
	assert_int_equal(port_of(view, 0), 0);
	assert_int_equal(sdesc_media_dir(sdesc_media(view, 1)),
			 SDESC_SENDONLY);
	mem_deref(view);

	mem_deref(split);
	mem_deref(cn);
	mem_deref(dsp);
	mem_deref(cam);
}

/* A rewritten SDP text with the same media is no change for a device;
 * another address, direction or codec is. */
static void view_differs_on_what_the_media_do(void **state)
{
	static const char base[] =
		"v=0\r\no=cn 7 9 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
	static const char rewritten[] =
		"v=0\r\no=cn 7 10 IN IP4 127.0.0.9\r\ns=-\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0 8 101\r\nc=IN IP4 127.0.0.9\r\n"
		"a=ptime:20\r\na=rtpmap:101 telephone-event/8000\r\n";
	static const char held[] =
		"v=0\r\no=cn 7 11 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n";
	static const char pcma[] =
		"v=0\r\no=cn 7 12 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.9\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 8 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	static const char moved[] =
		"v=0\r\no=cn 7 13 IN IP4 127.0.0.9\r\ns=-\r\n"
		"c=IN IP4 127.0.0.8\r\nt=0 0\r\n"
		"m=audio 9000 RTP/AVP 0 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	struct sdesc *a = parse(base), *b = parse(rewritten);
	struct sdesc *h = parse(held), *c = parse(pcma), *m = parse(moved);
	(void)state;

	assert_false(place_view_differs(a, b));
	assert_false(place_view_differs(a, a));
	assert_true(place_view_differs(a, h));
	assert_true(place_view_differs(a, c));
	assert_true(place_view_differs(a, m));

	mem_deref(a);
	mem_deref(b);
	mem_deref(h);
	mem_deref(c);
	mem_deref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(move_audio_leaves_video_with_the_mn),
		cmocka_unit_test(split_cycles_reuse_the_display_line),
		cmocka_unit_test(whole_move_of_a_split_drops_its_display_line),
		cmocka_unit_test(retrieve_takes_only_what_it_names),
		cmocka_unit_test(cn_offer_answered_by_each_holder),
		cmocka_unit_test(display_updated_in_its_own_layout),
		cmocka_unit_test(view_differs_on_what_the_media_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
