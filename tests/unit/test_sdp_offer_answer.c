/*
 * Offer and answer (RFC 3264) built from local capabilities: what an offer
 * lists, how a re-offer keeps the session's o= and m= lines, and how an
 * answer picks a codec, rejects what it cannot take and mirrors direction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sdesc.h>

static struct sdesc *parse_ok(const char *s)
{
	struct sdesc *sd = NULL;
	char err[128];

	if (sdesc_parse(&sd, (const uint8_t *)s, strlen(s), err, sizeof(err)))
		fail_msg("parse failed: %s", err);
	return sd;
}

static char *print(const struct sdesc *sd)
{
	char *s = NULL;

	assert_int_equal(re_sdprintf(&s, "%H", sdesc_print, sd), 0);
	return s;
}

/* gcc 12 takes the pointer print() returns for one into print()'s own
 * local (whose address it passes to re_sdprintf) and warns of a dangling
 * pointer here; the string is on the heap. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

/* The printed description, its o= line replaced by "o=X" */
static void assert_sdp(const struct sdesc *sd, const char *want)
{
	char *s = print(sd), *got = NULL;
	const char *o = strstr(s, "\r\no=");

	/* offsets, not pointers, across the assertion (gcc 12 would warn) */
	if (o) {
		size_t pre = (size_t)(o - s);
		size_t post = (size_t)(strstr(o + 2, "\r\n") - s);
		int e = re_sdprintf(&got, "%b\r\no=X%s", s, pre, s + post);

		assert_int_equal(e, 0);
	}
	assert_string_equal(got ? got : s, want);
	mem_deref(got);
	mem_deref(s);
}

static const struct sdesc_codec audio_codecs[] = {
	{"PCMU", 0, 8000, 1, NULL},
	{"opus", -1, 48000, 2, "useinbandfec=1"},
};
static const struct sdesc_codec video_codecs[] = {
	{"H263", 34, 90000, 0, "CIF=1;QCIF=1"},
};

struct local {
	struct sa a, v;
	struct sdesc_lmedia lm[2];
};

static void local_init(struct local *l, const char *addr, uint16_t aport,
		       uint16_t vport)
{
	sa_set_str(&l->a, addr, aport);
	sa_set_str(&l->v, addr, vport);
	l->lm[0] = (struct sdesc_lmedia){SDESC_AUDIO, &l->a, SDESC_SENDRECV,
					 audio_codecs, 2};
	l->lm[1] = (struct sdesc_lmedia){SDESC_VIDEO, &l->v, SDESC_SENDRECV,
					 video_codecs, 1};
}

static void offer_lists_every_codec_with_rtpmap_and_direction(void **state)
{
	struct local l;
	struct sdesc *o = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	assert_int_equal(sdesc_offer(&o, NULL, "mn", l.lm, 2), 0);
	assert_string_equal(sdesc_origin_user(o), "mn");
	assert_int_equal(sdesc_sess_version(o), 1);
	assert_sdp(o,
		   "v=0\r\no=X\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		   "m=audio 4000 RTP/AVP 0 96\r\n"
		   "a=rtpmap:0 PCMU/8000\r\n"
		   "a=rtpmap:96 opus/48000/2\r\n"
		   "a=fmtp:96 useinbandfec=1\r\n"
		   "a=sendrecv\r\n"
		   "m=video 4002 RTP/AVP 34\r\n"
		   "a=rtpmap:34 H263/90000\r\n"
		   "a=fmtp:34 CIF=1;QCIF=1\r\n"
		   "a=sendrecv\r\n");
	mem_deref(o);
}

static void offer_media_on_other_address_gets_own_conn(void **state)
{
	struct local l;
	struct sdesc *o = NULL;
	struct sa sa;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	sa_set_str(&l.v, "::1", 4002);
	assert_int_equal(sdesc_offer(&o, NULL, NULL, l.lm, 2), 0);
	assert_string_equal(sdesc_origin_user(o), "-");
	assert_int_equal(sdesc_media_raddr(sdesc_media(o, 1), &sa), 0);
	assert_true(sa_cmp(&sa, &l.v, SA_ALL));
	assert_int_equal(sdesc_media_raddr(sdesc_media(o, 0), &sa), 0);
	assert_true(sa_cmp(&sa, &l.a, SA_ALL));
	mem_deref(o);
}

static void reoffer_keeps_sess_id_and_bumps_version(void **state)
{
	struct local l;
	struct sdesc *o1 = NULL, *o2 = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	assert_int_equal(sdesc_offer(&o1, NULL, "mn", l.lm, 2), 0);
	local_init(&l, "10.0.0.9", 5000, 5002);
	assert_int_equal(sdesc_offer(&o2, o1, "other", l.lm, 2), 0);
	assert_string_equal(sdesc_sess_id(o2), sdesc_sess_id(o1));
	assert_string_equal(sdesc_origin_user(o2), "mn");
	assert_int_equal(sdesc_sess_version(o2), sdesc_sess_version(o1) + 1);
	assert_int_equal(sdesc_media_port(sdesc_media(o2, 0)), 5000);
	mem_deref(o1);
	mem_deref(o2);
}

static void reoffer_keeps_mline_order_and_disables_dropped_media(void **state)
{
	struct local l;
	struct sdesc *o1 = NULL, *o2 = NULL;
	struct sdesc_lmedia only_video;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	assert_int_equal(sdesc_offer(&o1, NULL, "mn", l.lm, 2), 0);

	/* now only video: audio stays first, with port 0 */
	only_video = l.lm[1];
	assert_int_equal(sdesc_offer(&o2, o1, NULL, &only_video, 1), 0);
	assert_int_equal(sdesc_media_count(o2), 2);
	assert_int_equal(sdesc_media_type(sdesc_media(o2, 0)), SDESC_AUDIO);
	assert_int_equal(sdesc_media_port(sdesc_media(o2, 0)), 0);
	assert_int_equal(sdesc_media_fmtc(sdesc_media(o2, 0)), 2);
	assert_int_equal(sdesc_media_type(sdesc_media(o2, 1)), SDESC_VIDEO);
	assert_int_equal(sdesc_media_port(sdesc_media(o2, 1)), 4002);
	mem_deref(o2);

	/* video first in the list: order still follows the session */
	struct sdesc_lmedia rev[2] = {l.lm[1], l.lm[0]};
	assert_int_equal(sdesc_offer(&o2, o1, NULL, rev, 2), 0);
	assert_int_equal(sdesc_media_type(sdesc_media(o2, 0)), SDESC_AUDIO);
	assert_int_equal(sdesc_media_type(sdesc_media(o2, 1)), SDESC_VIDEO);
	mem_deref(o2);
	mem_deref(o1);
}

static void reoffer_refuses_version_overflow(void **state)
{
	struct local l;
	struct sdesc *prev, *o = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	prev = parse_ok("v=0\r\no=- 1 18446744073709551615 IN IP4 1.2.3.4\r\n"
			"s=-\r\nt=0 0\r\n");
	assert_int_equal(sdesc_offer(&o, prev, NULL, l.lm, 1), EOVERFLOW);
	assert_null(o);
	mem_deref(prev);
}

static void offer_needs_local_media(void **state)
{
	struct sdesc *o = NULL;

	(void)state;
	assert_int_equal(sdesc_offer(&o, NULL, NULL, NULL, 0), EINVAL);
}

static const char cn_offer[] =
	"v=0\r\n"
	"o=cn 99 1 IN IP4 192.0.2.5\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.5\r\n"
	"t=0 0\r\n"
	"m=audio 30000 RTP/AVP 111 0 8 101\r\n"
	"a=rtpmap:111 OPUS/48000/2\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"m=video 30002 RTP/AVP 34\r\n"
	"m=message 30004 TCP/MSRP *\r\n";

static void answer_picks_first_offered_codec_keeping_its_pt(void **state)
{
	struct local l;
	struct sdesc *offer = parse_ok(cn_offer), *a = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	assert_int_equal(sdesc_answer(&a, offer, NULL, "dev", l.lm, 2), 0);
	assert_sdp(a,
		   "v=0\r\no=X\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		   "m=audio 4000 RTP/AVP 111\r\n"
		   "a=rtpmap:111 OPUS/48000/2\r\n"
		   "a=fmtp:111 useinbandfec=1\r\n"
		   "a=sendrecv\r\n"
		   "m=video 4002 RTP/AVP 34\r\n"
		   "a=rtpmap:34 H263/90000\r\n"
		   "a=fmtp:34 CIF=1;QCIF=1\r\n"
		   "a=sendrecv\r\n"
		   "m=message 0 TCP/MSRP *\r\n");
	mem_deref(a);
	mem_deref(offer);
}

static void answer_matches_static_pt_without_rtpmap(void **state)
{
	static const struct sdesc_codec pcma[] = {{"pcma", 8, 8000, 0, NULL}};
	struct sa sa;
	struct sdesc_lmedia lm = {SDESC_AUDIO, &sa, SDESC_SENDRECV, pcma, 1};
	struct sdesc *offer = parse_ok(cn_offer), *a = NULL;
	struct sdesc_codec c;

	(void)state;
	sa_set_str(&sa, "127.0.0.1", 6000);
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, &lm, 1), 0);
	assert_int_equal(sdesc_media_count(a), 3);
	assert_int_equal(sdesc_media_negotiated(sdesc_media(a, 0), &c), 0);
	assert_string_equal(c.name, "PCMA");
	assert_int_equal(c.pt, 8);
	/* video: no local video medium */
	assert_int_equal(sdesc_media_port(sdesc_media(a, 1)), 0);
	assert_string_equal(sdesc_media_fmt(sdesc_media(a, 1), 0), "34");
	mem_deref(a);
	mem_deref(offer);
}

static void answer_needs_same_clock_rate_and_channels(void **state)
{
	static const struct sdesc_codec mine[] = {
		{"opus", 96, 48000, 1, NULL},    /* offered with 2 channels */
		{"PCMU", 0, 16000, 0, NULL},     /* offered at 8000 */
	};
	struct sa sa;
	struct sdesc_lmedia lm = {SDESC_AUDIO, &sa, SDESC_SENDRECV, mine, 2};
	struct sdesc *offer = parse_ok(cn_offer), *a = NULL;

	(void)state;
	sa_set_str(&sa, "127.0.0.1", 6000);
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, &lm, 1), 0);
	assert_int_equal(sdesc_media_port(sdesc_media(a, 0)), 0);
	assert_int_equal(sdesc_media_fmtc(sdesc_media(a, 0)), 4);
	mem_deref(a);
	mem_deref(offer);
}

/* PCMU and telephone-event (RFC 4733), as a phone with DTMF offers them */
static const struct sdesc_codec dtmf_codecs[] = {
	{"PCMU", 0, 8000, 0, NULL},
	{"telephone-event", 101, 8000, 0, "0-16"},
};

static struct sdesc *answer_dtmf(const char *mline)
{
	struct sa sa;
	struct sdesc_lmedia lm = {SDESC_AUDIO, &sa, SDESC_SENDRECV,
				  dtmf_codecs, 2};
	struct sdesc *offer, *a = NULL;
	char *s = NULL;

	assert_int_equal(0, re_sdprintf(&s, "v=0\r\no=cn 1 1 IN IP4 192.0.2.5"
					"\r\ns=-\r\nc=IN IP4 192.0.2.5\r\n"
					"t=0 0\r\n%s", mline));
	offer = parse_ok(s);
	sa_set_str(&sa, "10.0.0.1", 4000);
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, &lm, 1), 0);
	mem_deref(offer);
	mem_deref(s);
	return a;
}

static void answer_adds_telephone_event_under_offered_pt(void **state)
{
	struct sdesc *a = answer_dtmf("m=audio 30000 RTP/AVP 8 0 96\r\n"
				      "a=rtpmap:96 telephone-event/8000\r\n"
				      "a=fmtp:96 0-15\r\n");
	struct sdesc_codec c;

	(void)state;
	assert_sdp(a, "v=0\r\no=X\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		   "m=audio 4000 RTP/AVP 0 96\r\n"
		   "a=rtpmap:0 PCMU/8000\r\n"
		   "a=rtpmap:96 telephone-event/8000\r\n"
		   "a=fmtp:96 0-16\r\n"
		   "a=sendrecv\r\n");
	assert_int_equal(sdesc_media_negotiated(sdesc_media(a, 0), &c), 0);
	assert_string_equal(c.name, "PCMU");
	mem_deref(a);
}

static void answer_never_takes_telephone_event_for_the_codec(void **state)
{
	/* listed first, and a second time at another rate */
	struct sdesc *a = answer_dtmf("m=audio 30000 RTP/AVP 101 102 0\r\n"
				      "a=rtpmap:101 telephone-event/8000\r\n"
				      "a=rtpmap:102 telephone-event/16000"
				      "\r\n");
	struct sdesc_codec c;

	(void)state;
	assert_int_equal(sdesc_media_negotiated(sdesc_media(a, 0), &c), 0);
	assert_string_equal(c.name, "PCMU");
	assert_int_equal(sdesc_media_fmtc(sdesc_media(a, 0)), 2);
	assert_string_equal(sdesc_media_fmt(sdesc_media(a, 0), 0), "0");
	assert_string_equal(sdesc_media_fmt(sdesc_media(a, 0), 1), "101");
	mem_deref(a);
}

static void answer_has_no_telephone_event_unless_offered(void **state)
{
	struct sdesc *a = answer_dtmf("m=audio 30000 RTP/AVP 0\r\n");

	(void)state;
	assert_int_equal(sdesc_media_fmtc(sdesc_media(a, 0)), 1);
	mem_deref(a);

	/* telephone-event alone is no codec in common */
	a = answer_dtmf("m=audio 30000 RTP/AVP 101\r\n"
			"a=rtpmap:101 telephone-event/8000\r\n");
	assert_int_equal(sdesc_media_port(sdesc_media(a, 0)), 0);
	mem_deref(a);
}

static void answer_rejects_port_zero_and_unknown_proto(void **state)
{
	struct local l;
	struct sdesc *offer, *a = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	offer = parse_ok("v=0\r\nc=IN IP4 1.1.1.1\r\n"
			 "m=audio 0 RTP/AVP 0\r\n"
			 "m=audio 7000 RTP/SAVP 0\r\n"
			 "m=audio 7002 RTP/AVP 0\r\n");
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, l.lm, 2), 0);
	assert_sdp(a,
		   "v=0\r\no=X\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		   "m=audio 0 RTP/AVP 0\r\n"
		   "m=audio 0 RTP/SAVP 0\r\n"
		   "m=audio 4000 RTP/AVP 0\r\n"
		   "a=rtpmap:0 PCMU/8000\r\n"
		   "a=sendrecv\r\n");
	mem_deref(a);
	mem_deref(offer);
}

static void answer_with_nothing_local_rejects_all(void **state)
{
	struct sdesc *offer = parse_ok(cn_offer), *a = NULL;

	(void)state;
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, NULL, 0), 0);
	assert_int_equal(sdesc_media_count(a), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sdesc_media_port(sdesc_media(a, i)), 0);
	mem_deref(a);
	mem_deref(offer);
}

static enum sdesc_dir answered_dir(const char *offered_attr,
				   enum sdesc_dir ours)
{
	static const struct sdesc_codec pcmu[] = {{"PCMU", 0, 8000, 0, NULL}};
	struct sa sa;
	struct sdesc_lmedia lm = {SDESC_AUDIO, &sa, ours, pcmu, 1};
	struct sdesc *offer, *a = NULL;
	char text[128];
	enum sdesc_dir d;

	sa_set_str(&sa, "127.0.0.1", 6000);
	re_snprintf(text, sizeof(text), "v=0\r\nc=IN IP4 1.1.1.1\r\n"
		    "m=audio 7000 RTP/AVP 0\r\n%s", offered_attr);
	offer = parse_ok(text);
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, &lm, 1), 0);
	d = sdesc_media_dir(sdesc_media(a, 0));
	mem_deref(a);
	mem_deref(offer);
	return d;
}

static void answer_mirrors_direction(void **state)
{
	(void)state;
	assert_int_equal(answered_dir("", SDESC_SENDRECV), SDESC_SENDRECV);
	assert_int_equal(answered_dir("a=sendonly\r\n", SDESC_SENDRECV),
			 SDESC_RECVONLY);
	assert_int_equal(answered_dir("a=recvonly\r\n", SDESC_SENDRECV),
			 SDESC_SENDONLY);
	assert_int_equal(answered_dir("a=inactive\r\n", SDESC_SENDRECV),
			 SDESC_INACTIVE);
	/* narrowed to what we can do */
	assert_int_equal(answered_dir("", SDESC_RECVONLY), SDESC_RECVONLY);
	assert_int_equal(answered_dir("a=recvonly\r\n", SDESC_RECVONLY),
			 SDESC_INACTIVE);
}

static void answer_session_direction_is_mirrored_too(void **state)
{
	static const struct sdesc_codec pcmu[] = {{"PCMU", 0, 8000, 0, NULL}};
	struct sa sa;
	struct sdesc_lmedia lm = {SDESC_AUDIO, &sa, SDESC_SENDRECV, pcmu, 1};
	struct sdesc *offer, *a = NULL;

	(void)state;
	sa_set_str(&sa, "127.0.0.1", 6000);
	offer = parse_ok("v=0\r\nc=IN IP4 1.1.1.1\r\na=sendonly\r\n"
			 "m=audio 7000 RTP/AVP 0\r\n");
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, &lm, 1), 0);
	assert_int_equal(sdesc_media_dir(sdesc_media(a, 0)), SDESC_RECVONLY);
	mem_deref(a);
	mem_deref(offer);
}

static void answer_repeats_offer_timing_and_continues_prev(void **state)
{
	struct local l;
	struct sdesc *offer, *a1 = NULL, *a2 = NULL;
	char *s;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	offer = parse_ok("v=0\r\nc=IN IP4 1.1.1.1\r\nt=3034423619 3042462419\r\n"
			 "m=audio 7000 RTP/AVP 0\r\n");
	assert_int_equal(sdesc_answer(&a1, offer, NULL, "dev", l.lm, 2), 0);
	s = print(a1);
	assert_non_null(strstr(s, "\r\nt=3034423619 3042462419\r\n"));
	mem_deref(s);

	assert_int_equal(sdesc_answer(&a2, offer, a1, NULL, l.lm, 2), 0);
	assert_string_equal(sdesc_sess_id(a2), sdesc_sess_id(a1));
	assert_int_equal(sdesc_sess_version(a2), sdesc_sess_version(a1) + 1);
	mem_deref(a1);
	mem_deref(a2);
	mem_deref(offer);
}

static void answer_uses_each_local_medium_once(void **state)
{
	struct local l;
	struct sdesc *offer, *a = NULL;

	(void)state;
	local_init(&l, "10.0.0.1", 4000, 4002);
	offer = parse_ok("v=0\r\nc=IN IP4 1.1.1.1\r\n"
			 "m=audio 7000 RTP/AVP 0\r\nm=audio 7002 RTP/AVP 0\r\n");
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, l.lm, 2), 0);
	assert_int_equal(sdesc_media_port(sdesc_media(a, 0)), 4000);
	assert_int_equal(sdesc_media_port(sdesc_media(a, 1)), 0);
	mem_deref(a);
	mem_deref(offer);
}

static void answer_reparses_as_valid_sdp(void **state)
{
	struct local l;
	struct sdesc *offer = parse_ok(cn_offer), *a = NULL, *b = NULL;
	struct mbuf *mb = NULL;
	char err[128];

	(void)state;
	local_init(&l, "2001:db8::1", 4000, 4002);
	assert_int_equal(sdesc_answer(&a, offer, NULL, NULL, l.lm, 2), 0);
	assert_int_equal(sdesc_encode(&mb, a), 0);
	assert_int_equal(sdesc_parse(&b, mbuf_buf(mb), mbuf_get_left(mb), err,
				     sizeof(err)), 0);
	assert_non_null(strstr((char *)mb->buf, "c=IN IP6 2001:db8::1\r\n"));
	mem_deref(mb);
	mem_deref(a);
	mem_deref(b);
	mem_deref(offer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offer_lists_every_codec_with_rtpmap_and_direction),
		cmocka_unit_test(offer_media_on_other_address_gets_own_conn),
		cmocka_unit_test(reoffer_keeps_sess_id_and_bumps_version),
		cmocka_unit_test(reoffer_keeps_mline_order_and_disables_dropped_media),
		cmocka_unit_test(reoffer_refuses_version_overflow),
		cmocka_unit_test(offer_needs_local_media),
		cmocka_unit_test(answer_picks_first_offered_codec_keeping_its_pt),
		cmocka_unit_test(answer_matches_static_pt_without_rtpmap),
		cmocka_unit_test(answer_needs_same_clock_rate_and_channels),
		cmocka_unit_test(answer_rejects_port_zero_and_unknown_proto),
		cmocka_unit_test(answer_with_nothing_local_rejects_all),
		cmocka_unit_test(answer_mirrors_direction),
		cmocka_unit_test(answer_session_direction_is_mirrored_too),
		cmocka_unit_test(answer_repeats_offer_timing_and_continues_prev),
		cmocka_unit_test(answer_uses_each_local_medium_once),
		cmocka_unit_test(answer_reparses_as_valid_sdp),
		cmocka_unit_test(answer_adds_telephone_event_under_offered_pt),
		cmocka_unit_test(answer_never_takes_telephone_event_for_the_codec),
		cmocka_unit_test(answer_has_no_telephone_event_unless_offered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
