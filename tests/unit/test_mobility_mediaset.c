/**
 * @file test_mobility_mediaset.c  DTMF in a media set: telephone-event is
 * offered after the audio codecs, answered only when offered and under the
 * offerer's number, never taken for the codec, and keeps its number in the
 * session's re-offers; two sets on 127.0.0.1 send each other digits once
 * negotiated, and refuse with the reason when they cannot.
 *
 * Video picture sizes (spec §6.2): a set's fmtp lists the sizes it shows,
 * largest first; the video it sends takes the size the far side's fmtp
 * prefers among those it can make, again on every offer and answer (QCIF
 * when the far side lists none); two sets on 127.0.0.1 see it decoded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include "run_loop.h"

static struct sa addr;

static struct mset *set(const char *codecs)
{
	struct mset_conf c = {.addr = &addr, .codecs = codecs};
	struct mset *ms = NULL;

	assert_int_equal(0, mset_alloc(&ms, &c));
	return ms;
}

static char *text(const struct mbuf *mb)
{
	char *s = NULL;

	assert_int_equal(0, re_sdprintf(&s, "%b", mb->buf, mb->end));
	return s;
}

static void assert_has(const struct mbuf *mb, const char *want)
{
	char *s = text(mb);

	if (!strstr(s, want))
		fail_msg("no '%s' in:\n%s", want, s);
	mem_deref(s);
}

static void assert_lacks(const struct mbuf *mb, const char *what)
{
	char *s = text(mb);

	if (strstr(s, what))
		fail_msg("'%s' in:\n%s", what, s);
	mem_deref(s);
}

static struct mbuf *cn_offer(const char *mline)
{
	struct mbuf *mb = mbuf_alloc(512);

	assert_non_null(mb);
	assert_int_equal(0, mbuf_printf(mb, "v=0\r\no=cn 1 1 IN IP4 127.0.0.1"
					"\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
					"t=0 0\r\n%s", mline));
	mb->pos = 0;
	return mb;
}

static struct mbuf *answer_ok(struct mset *ms, struct mbuf *offer)
{
	struct mbuf *ans = NULL;
	char err[128] = "";

	if (mset_answer(ms, offer, &ans, err, sizeof(err)))
		fail_msg("answer: %s", err);
	mem_deref(offer);
	return ans;
}

static void offer_lists_telephone_event_after_the_codecs(void **state)
{
	struct mset *ms = set("PCMU,opus");
	struct mbuf *o = NULL;
	(void)state;

	assert_int_equal(0, mset_offer(ms, &o));
	assert_has(o, " RTP/AVP 0 112 101\r\n");
	assert_has(o, "a=rtpmap:101 telephone-event/8000\r\n"
		   "a=fmtp:101 0-16\r\n");
	mem_deref(o);
	mem_deref(ms);
}

static void answer_takes_the_offered_number_and_keeps_it(void **state)
{
	struct mset *ms = set("PCMU");
	struct mbuf *a, *o = NULL;
	(void)state;

	a = answer_ok(ms, cn_offer("m=audio 7000 RTP/AVP 96 0\r\n"
				   "a=rtpmap:96 telephone-event/8000\r\n"));
	assert_has(a, " RTP/AVP 0 96\r\n");   /* PCMU is the codec */
	assert_has(a, "a=rtpmap:96 telephone-event/8000\r\n");
	mem_deref(a);

	/* a re-offer in the same session: still 96 (RFC 3264 §8.3.2) */
	assert_int_equal(0, mset_offer(ms, &o));
	assert_has(o, " RTP/AVP 0 96\r\n");
	assert_lacks(o, "101");
	mem_deref(o);
	mem_deref(ms);
}

static void reoffer_moves_off_a_number_our_codec_has(void **state)
{
	struct mset *ms = set("opus,PCMU");     /* opus is 111 */
	struct mbuf *a, *o = NULL;
	(void)state;

	a = answer_ok(ms, cn_offer("m=audio 7000 RTP/AVP 0 111\r\n"
				   "a=rtpmap:111 telephone-event/8000\r\n"));
	assert_has(a, " RTP/AVP 0 111\r\n");
	mem_deref(a);
	assert_int_equal(0, mset_offer(ms, &o));
	assert_has(o, " RTP/AVP 111 0 101\r\n");
	assert_has(o, "a=rtpmap:111 opus/48000/2\r\n");
	mem_deref(o);
	mem_deref(ms);
}

static void no_telephone_event_unless_offered(void **state)
{
	struct mset *ms = set("PCMU");
	struct mbuf *a;
	(void)state;

	a = answer_ok(ms, cn_offer("m=audio 7000 RTP/AVP 0\r\n"));
	assert_lacks(a, "telephone-event");
	mem_deref(a);
	/* the far side cannot take events */
	assert_int_equal(ENOTSUP, mset_dtmf_send(ms, "1"));
	assert_int_equal(EINVAL, mset_dtmf_send(ms, "1?"));
	assert_string_equal("", mset_dtmf_received(ms));
	mem_deref(ms);
}

/* ---- video picture sizes ---- */

static struct mset *vset(enum mset_video role, const char *sizes,
			 unsigned width, unsigned height)
{
	struct mset_conf c = {.addr = &addr, .no_audio = true,
			      .video = role, .video_sizes = sizes,
			      .video_width = width, .video_height = height};
	struct mset *ms = NULL;

	assert_int_equal(0, mset_alloc(&ms, &c));
	return ms;
}

/* A number of the set's video entry in its status */
static int64_t vstat(const struct mset *ms, const char *key)
{
	struct odict *root = NULL, *arr = NULL;
	int64_t v = -1;

	assert_int_equal(0, odict_alloc(&root, 8));
	assert_int_equal(0, ctl_put_array(root, "streams", &arr));
	assert_int_equal(0, mset_status(ms, arr));
	for (struct le *le = arr->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct odict_entry *n;

		if (e->type != ODICT_OBJECT ||
		    strcmp(odict_string(e->u.odict, "type"), "video"))
			continue;
		n = odict_lookup(e->u.odict, key);
		assert_non_null(n);
		v = n->u.integer;
	}
	mem_deref(root);
	return v;
}

static struct mbuf *video_offer(const char *fmtp)
{
	char mline[256];

	re_snprintf(mline, sizeof(mline), "m=video 7002 RTP/AVP 96\r\n"
		    "a=rtpmap:96 H263-1998/90000\r\n%s%s%s",
		    fmtp ? "a=fmtp:96 " : "", fmtp ? fmtp : "",
		    fmtp ? "\r\n" : "");
	return cn_offer(mline);
}

static void video_fmtp_lists_our_sizes_largest_first(void **state)
{
	struct mset *ms;
	struct mbuf *o = NULL;
	struct mset_conf c = {.addr = &addr, .no_audio = true,
			      .video = MSET_VIDEO_DISPLAY};
	(void)state;

	ms = vset(MSET_VIDEO_DISPLAY, "cif,4CIF", 0, 0);
	assert_int_equal(0, mset_offer(ms, &o));
	assert_has(o, "a=fmtp:96 CIF4=2;CIF=2\r\n");   /* 15 fps: MPI 2 */
	o = mem_deref(o);
	mem_deref(ms);

	/* without sizes: as ever */
	ms = vset(MSET_VIDEO_BOTH, NULL, 0, 0);
	assert_int_equal(0, mset_offer(ms, &o));
	assert_has(o, "a=fmtp:96 QCIF=1;CIF=1\r\n");
	mem_deref(o);
	mem_deref(ms);

	/* what cannot be: an unknown name, a size H.263 does not have */
	ms = NULL;
	c.video_sizes = "cif,vga";
	assert_int_equal(EINVAL, mset_alloc(&ms, &c));
	c.video_sizes = NULL;
	c.video_width = 640;
	c.video_height = 480;
	assert_int_equal(EINVAL, mset_alloc(&ms, &c));
	assert_null(ms);
}

static void video_sends_the_size_the_far_side_prefers(void **state)
{
	struct mset *ms = vset(MSET_VIDEO_BOTH, "4cif,cif,qcif", 0, 0);
	(void)state;

	/* before any offer: QCIF, what anyone takes */
	assert_int_equal(176, vstat(ms, "tx_width"));

	mem_deref(answer_ok(ms, video_offer("CIF=1;QCIF=1")));
	assert_int_equal(352, vstat(ms, "tx_width"));
	assert_int_equal(288, vstat(ms, "tx_height"));

	/* a re-INVITE: the video moved to a bigger display */
	mem_deref(answer_ok(ms, video_offer("CIF4=2;CIF=2")));
	assert_int_equal(704, vstat(ms, "tx_width"));
	assert_int_equal(576, vstat(ms, "tx_height"));

	/* ...to one that says nothing of sizes: QCIF (RFC 4629 §8.1.1) */
	mem_deref(answer_ok(ms, video_offer(NULL)));
	assert_int_equal(176, vstat(ms, "tx_width"));
	mem_deref(answer_ok(ms, video_offer("MAXBR=640")));
	assert_int_equal(176, vstat(ms, "tx_width"));
	mem_deref(ms);

	/* our default sizes, to our default fmtp: QCIF, as before */
	ms = vset(MSET_VIDEO_BOTH, NULL, 0, 0);
	mem_deref(answer_ok(ms, video_offer("QCIF=1;CIF=1")));
	assert_int_equal(176, vstat(ms, "tx_width"));
	mem_deref(ms);

	/* one size given (--video-size cif): that one, where it is taken */
	ms = vset(MSET_VIDEO_CAMERA, NULL, 352, 288);
	mem_deref(answer_ok(ms, video_offer("QCIF=1;CIF=1")));
	assert_int_equal(352, vstat(ms, "tx_width"));
	mem_deref(ms);
}

static void video_offerer_takes_the_size_from_the_answer(void **state)
{
	struct mset *ms = vset(MSET_VIDEO_BOTH, "cif,qcif", 0, 0);
	struct mbuf *o = NULL, *ans;
	char err[128] = "";
	(void)state;

	assert_int_equal(0, mset_offer(ms, &o));
	mem_deref(o);
	ans = video_offer("CIF4=1;CIF=1;QCIF=1");
	assert_int_equal(0, mset_accept_answer(ms, ans, err, sizeof(err)));
	mem_deref(ans);
	assert_int_equal(352, vstat(ms, "tx_width"));   /* no 4CIF here */
	mem_deref(ms);
}

/* ---- two sets on loopback ---- */

static void sets_show_video_at_the_displays_size(void **state)
{
	struct mset *phone = vset(MSET_VIDEO_BOTH, "4cif,cif,qcif", 0, 0);
	struct mset *wall = vset(MSET_VIDEO_DISPLAY, "cif,4cif", 0, 0);
	struct mbuf *o = NULL, *ans = NULL;
	char err[128] = "";
	(void)state;

	assert_int_equal(0, mset_offer(phone, &o));
	assert_int_equal(0, mset_answer(wall, o, &ans, err, sizeof(err)));
	assert_int_equal(0, mset_accept_answer(phone, ans, err, sizeof(err)));
	mem_deref(o);
	mem_deref(ans);

	for (int i = 0; i < 30 && vstat(wall, "frames_decoded") < 5; i++)
		run_for(100);
	assert_true(vstat(wall, "frames_decoded") >= 5);
	assert_int_equal(704, vstat(wall, "width"));
	assert_int_equal(576, vstat(wall, "height"));
	assert_int_equal(704, vstat(phone, "tx_width"));
	/* a display sends nothing */
	assert_int_equal(0, vstat(wall, "tx_packets"));

	mem_deref(phone);
	mem_deref(wall);
}


static void sets_exchange_digits(void **state)
{
	struct mset *a = set("PCMU"), *b = set("PCMA,PCMU");
	struct mbuf *o = NULL, *ans = NULL;
	char err[128] = "";
	(void)state;

	assert_int_equal(0, mset_offer(a, &o));
	assert_int_equal(0, mset_answer(b, o, &ans, err, sizeof(err)));
	assert_int_equal(0, mset_accept_answer(a, ans, err, sizeof(err)));
	mem_deref(o);
	mem_deref(ans);

	run_for(100);
	assert_int_equal(0, mset_dtmf_send(a, "2#"));
	assert_int_equal(0, mset_dtmf_send(b, "D"));
	run_for(800);
	assert_string_equal("2#", mset_dtmf_received(b));
	assert_string_equal("D", mset_dtmf_received(a));

	/* the audio moved away (the MN after a transfer): not sending */
	mset_set_sending(a, SDESC_AUDIO, false);
	assert_int_equal(ENOTCONN, mset_dtmf_send(a, "3"));
	mset_set_sending(a, SDESC_AUDIO, true);
	assert_int_equal(0, mset_dtmf_send(a, "3"));
	run_for(400);
	assert_string_equal("2#3", mset_dtmf_received(b));

	mem_deref(a);
	mem_deref(b);
}

static int group_setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;
	return sa_set_str(&addr, "127.0.0.1", 0) ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offer_lists_telephone_event_after_the_codecs),
		cmocka_unit_test(answer_takes_the_offered_number_and_keeps_it),
		cmocka_unit_test(reoffer_moves_off_a_number_our_codec_has),
		cmocka_unit_test(no_telephone_event_unless_offered),
		cmocka_unit_test(sets_exchange_digits),
		cmocka_unit_test(video_fmtp_lists_our_sizes_largest_first),
		cmocka_unit_test(video_sends_the_size_the_far_side_prefers),
		cmocka_unit_test(video_offerer_takes_the_size_from_the_answer),
		cmocka_unit_test(sets_show_video_at_the_displays_size),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
