/**
 * @file test_mobility_bridge.c  The bridges of an instant move at the
 * media set's level, with real streams on 127.0.0.1 under a bounded libre
 * loop:
 *
 *   a=sipmob-bridge  a set made with conf.bridge that answers an offer
 *                    whose line carries a=sipmob-bridge:ADDR PORT says
 *                    a=sipmob-bridge and sends that line's media to ADDR
 *                    PORT until a packet comes from anyone else (the far
 *                    end), or mset_bridge_end(); then to the c=/m=
 *                    address, the sequence going on. A set without
 *                    conf.bridge, or an attribute it cannot read, leaves
 *                    the attribute out and sends to the far end at once.
 *   bridge back      mset_bridge_back() reads the retrieval INFO's body:
 *                    the bridges it asks for (the far end's packets go on
 *                    to the MN, the MN's go to the far end as ours),
 *                    EBADMSG for a body it cannot read, ENOENT for media
 *                    the set lacks; mset_bridge_back_encode() writes a
 *                    body that reads back.
 *   one tap          a bridge freed while another has taken the stream's
 *                    tap since leaves that one's tap on.
 *   bridge_expect    before take_from, what comes from anyone but the far
 *                    end is held, not played; take_from splices the held
 *                    packets of its source to the far end and drops the
 *                    rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <libavutil/log.h>
#include <sipmob/sdesc.h>
#include <sipmob/media.h>
#include <sipmob/media_video.h>
#include <sipmob/mediaset.h>
#include "mobility/bridge.h"
#include "run_loop.h"

static struct sa addr;   /* 127.0.0.1 */


static struct mset *set(bool bridge, enum mset_video video)
{
	struct mset_conf c = {.addr = &addr, .codecs = "PCMU",
			      .bridge = bridge, .video = video};
	struct mset *ms = NULL;

	assert_int_equal(0, mset_alloc(&ms, &c));
	return ms;
}


static struct media_stream *stream(void)
{
	struct media_stream *ms = NULL;

	assert_int_equal(0, media_stream_alloc(&ms, "audio", &addr));
	assert_int_equal(0, media_stream_set_codec(ms, codec_find("PCMU"), 0));
	return ms;
}


static struct media_vstream *vstream(void)
{
	struct media_vstream *vs = NULL;

	assert_int_equal(0, media_vstream_alloc(&vs, &addr));
	assert_int_equal(0, media_vstream_set_pt(vs, 96));
	media_vstream_set_dir(vs, false, true);
	return vs;
}


static uint16_t port_of(const struct media_stream *ms)
{
	return sa_port(media_stream_laddr(ms));
}


static struct media_stats stats(const struct media_stream *ms)
{
	struct media_stats st;

	assert_int_equal(0, media_stream_stats(ms, &st));
	return st;
}


static struct media_vstats vstats(const struct media_vstream *vs)
{
	struct media_vstats st;

	assert_int_equal(0, media_vstream_stats(vs, &st));
	return st;
}


static uint32_t tx_ssrc(const struct mset *ms, enum sdesc_mtype type)
{
	uint32_t tx = 0, rx = 0;

	mset_ssrcs(ms, type, &tx, &rx);
	assert_true(tx != 0);
	return tx;
}


static char *text(const struct mbuf *mb)
{
	char *s = NULL;

	assert_int_equal(0, re_sdprintf(&s, "%b", mb->buf, mb->end));
	return s;
}


static unsigned count(const struct mbuf *mb, const char *what)
{
	char *s = text(mb);
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		++n;
	mem_deref(s);
	return n;
}


static void assert_has(const struct mbuf *mb, const char *want)
{
	if (!count(mb, want)) {
		char *s = text(mb);

		fail_msg("no '%s' in:\n%s", want, s);
	}
}


static void assert_lacks(const struct mbuf *mb, const char *what)
{
	if (count(mb, what)) {
		char *s = text(mb);

		fail_msg("'%s' in:\n%s", what, s);
	}
}


/* An offer from the MN moving our media here: the far end at c=/m=, and
 * each line's bridge value (NULL: no attribute) */
static struct mbuf *offer(const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(1024);
	va_list ap;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_printf(mb, "v=0\r\no=mn 1 1 IN IP4 127.0.0.1"
					"\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
					"t=0 0\r\n"));
	va_start(ap, fmt);
	assert_int_equal(0, mbuf_vprintf(mb, fmt, ap));
	va_end(ap);
	mb->pos = 0;
	return mb;
}


static struct mbuf *audio_offer(uint16_t far_port, const char *bridge)
{
	if (!bridge)
		return offer("m=audio %u RTP/AVP 0\r\n"
			     "a=rtpmap:0 PCMU/8000\r\n", far_port);
	return offer("m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		     "a=sipmob-bridge%s%s\r\n", far_port,
		     *bridge ? ":" : "", bridge);
}


static struct mbuf *answer_ok(struct mset *ms, struct mbuf *o)
{
	struct mbuf *ans = NULL;
	char err[128] = "";

	if (mset_answer(ms, o, &ans, err, sizeof(err)))
		fail_msg("answer: %s", err);
	mem_deref(o);
	return ans;
}


/* Whether the answer's line idx accepted the bridge */
static bool accepted(const struct mbuf *ans, unsigned idx)
{
	struct sdesc *sd = NULL;
	char err[128] = "";
	bool yes;

	assert_int_equal(0, sdesc_parse(&sd, ans->buf, ans->end, err,
					sizeof(err)));
	assert_non_null(sdesc_media(sd, idx));
	yes = mset_bridge_accepted(sdesc_media(sd, idx));
	mem_deref(sd);
	return yes;
}


/* The set's stream went to via, then to far: far's first sequence number
 * follows via's last, nothing missing and nothing twice */
static void assert_handed_over(const struct media_stream *via,
			       const struct media_stream *far, uint32_t ssrc)
{
	struct meter_stats mv, mf;

	assert_int_equal(0, meter_stats(media_stream_meter(via), ssrc, &mv));
	assert_int_equal(0, meter_stats(media_stream_meter(far), ssrc, &mf));
	assert_int_equal(0, mv.lost);
	assert_int_equal(0, mf.lost);
	assert_int_equal((uint16_t)(mv.max_ext + 1), (uint16_t)mf.first_ext);
}


static void bridged_set_sends_via_the_mn_until_the_far_end_comes(
	void **state)
{
	struct mset *ms = set(true, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *via = stream();
	struct media_stats sv, sf, sv1;
	struct mbuf *ans;
	char val[64];
	uint32_t ssrc;
	uint64_t tx;
	(void)state;

	re_snprintf(val, sizeof(val), "127.0.0.1 %u", port_of(via));
	ans = answer_ok(ms, audio_offer(port_of(far), val));
	assert_has(ans, "a=sipmob-bridge\r\n");
	assert_true(accepted(ans, 0));
	mem_deref(ans);
	ssrc = tx_ssrc(ms, SDESC_AUDIO);

	/* our audio goes to the MN, not to the far end */
	run_for(300);
	sv = stats(via);
	sf = stats(far);
	assert_true(sv.rx_packets >= 10);
	assert_int_equal(ssrc, sv.rx_ssrc);
	assert_int_equal(0, sf.rx_packets);

	/* the MN's own packets (the far end's, passed on) do not end it */
	assert_int_equal(0, media_stream_set_remote(via,
					mset_laddr(ms, SDESC_AUDIO)));
	assert_int_equal(0, media_stream_start(via));
	run_for(300);
	sv1 = stats(via);
	assert_true(sv1.rx_packets >= sv.rx_packets + 10);
	assert_int_equal(0, stats(far).rx_packets);

	/* the far end's first packet does: from then on, to the far end */
	assert_int_equal(0, media_stream_set_remote(far,
					mset_laddr(ms, SDESC_AUDIO)));
	assert_int_equal(0, media_stream_start(far));
	run_for(300);
	sv = stats(via);
	sf = stats(far);
	assert_true(sf.rx_packets >= 10);
	assert_int_equal(ssrc, sf.rx_ssrc);
	run_for(200);
	assert_int_equal(sv.rx_packets, stats(via).rx_packets);
	assert_true(stats(far).rx_packets >= sf.rx_packets + 5);

	/* every packet went to one or the other, in one sequence */
	mset_set_sending(ms, SDESC_AUDIO, false);
	run_for(60);
	mset_counts(ms, "audio", &tx, NULL, NULL);
	assert_int_equal(tx, stats(via).rx_packets + stats(far).rx_packets);
	assert_handed_over(via, far, ssrc);

	mem_deref(ms);
	mem_deref(far);
	mem_deref(via);
}


static void set_without_bridge_sends_to_the_far_end_at_once(void **state)
{
	struct mset *ms = set(false, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *via = stream();
	struct mbuf *ans;
	char val[64];
	(void)state;

	re_snprintf(val, sizeof(val), "127.0.0.1 %u", port_of(via));
	ans = answer_ok(ms, audio_offer(port_of(far), val));
	assert_lacks(ans, "sipmob-bridge");
	assert_false(accepted(ans, 0));
	mem_deref(ans);

	run_for(300);
	assert_true(stats(far).rx_packets >= 10);
	assert_int_equal(tx_ssrc(ms, SDESC_AUDIO), stats(far).rx_ssrc);
	assert_int_equal(0, stats(via).rx_packets);

	mem_deref(ms);
	mem_deref(far);
	mem_deref(via);
}


static void bridge_end_switches_to_the_far_end(void **state)
{
	struct mset *ms = set(true, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *via = stream();
	struct mbuf *ans;
	char val[64];
	uint64_t v1, tx;
	(void)state;

	re_snprintf(val, sizeof(val), "127.0.0.1 %u", port_of(via));
	ans = answer_ok(ms, audio_offer(port_of(far), val));
	assert_true(accepted(ans, 0));
	mem_deref(ans);

	run_for(300);
	assert_true(stats(via).rx_packets >= 10);
	assert_int_equal(0, stats(far).rx_packets);

	/* the held ACK: the far end took the move */
	mset_bridge_end(ms);
	mset_bridge_end(ms);     /* twice: nothing more to end */
	mset_bridge_end(NULL);
	run_for(60);
	v1 = stats(via).rx_packets;
	run_for(300);
	assert_int_equal(v1, stats(via).rx_packets);
	assert_true(stats(far).rx_packets >= 10);
	assert_int_equal(tx_ssrc(ms, SDESC_AUDIO), stats(far).rx_ssrc);

	mset_set_sending(ms, SDESC_AUDIO, false);
	run_for(60);
	mset_counts(ms, "audio", &tx, NULL, NULL);
	assert_int_equal(tx, stats(via).rx_packets + stats(far).rx_packets);
	assert_handed_over(via, far, tx_ssrc(ms, SDESC_AUDIO));

	mem_deref(ms);
	mem_deref(far);
	mem_deref(via);
}


static void unreadable_bridge_attribute_is_no_bridge(void **state)
{
	static const char *bad[] = {
		"",                     /* a=sipmob-bridge: no value    */
		"127.0.0.1",            /* no port                      */
		"127.0.0.1 0",          /* port 0                       */
		"127.0.0.1 x",
		"no.such.host 20000",   /* not an address               */
		" 20000",
		"127.0.0.1 65536",      /* beyond a port                */
		"127.0.0.1 70000",
		"127.0.0.1 -5",
		"127.0.0.1 +5",
		"127.0.0.1 20000x",     /* trailing junk                */
		"127.0.0.1 20000 7",
		"127.0.0.1  20000",
		"127.0.0.1 99999999999999999999",
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mset *ms = set(true, MSET_VIDEO_NONE);
		struct media_stream *far = stream();
		struct mbuf *ans;

		ans = answer_ok(ms, audio_offer(port_of(far), bad[i]));
		if (count(ans, "sipmob-bridge"))
			fail_msg("bridge '%s' taken", bad[i]);
		mem_deref(ans);

		run_for(200);
		if (stats(far).rx_packets < 5)
			fail_msg("bridge '%s': far end got %llu", bad[i],
				 (unsigned long long)stats(far).rx_packets);
		mem_deref(ms);
		mem_deref(far);
	}
}


/* A port above 65535 is no port (not taken modulo 65536); the edges of
 * the range are */
static void bridge_port_beyond_65535_is_no_bridge(void **state)
{
	static const struct {
		const char *val;
		bool ok;
	} v[] = {
		{"127.0.0.1 70000", false},
		{"127.0.0.1 65536", false},
		{"127.0.0.1 65535", true},
		{"127.0.0.1 1", true},
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct mset *ms = set(true, MSET_VIDEO_NONE);
		struct media_stream *far = stream();
		struct mbuf *ans;

		ans = answer_ok(ms, audio_offer(port_of(far), v[i].val));
		if (v[i].ok)
			assert_has(ans, "a=sipmob-bridge\r\n");
		else
			assert_lacks(ans, "sipmob-bridge");
		mem_deref(ans);
		mem_deref(ms);
		mem_deref(far);
	}
}


static void video_line_takes_its_bridge_too(void **state)
{
	struct mset *ms = set(true, MSET_VIDEO_BOTH);
	struct media_stream *afar = stream(), *avia = stream();
	struct media_vstream *vfar = vstream(), *vvia = vstream();
	struct mbuf *ans;
	uint64_t vv;
	(void)state;

	ans = answer_ok(ms, offer(
		"m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		"a=sipmob-bridge:127.0.0.1 %u\r\n"
		"m=video %u RTP/AVP 96\r\na=rtpmap:96 H263-1998/90000\r\n"
		"a=fmtp:96 QCIF=1\r\n"
		"a=sipmob-bridge:127.0.0.1 %u\r\n",
		port_of(afar), port_of(avia),
		sa_port(media_vstream_laddr(vfar)),
		sa_port(media_vstream_laddr(vvia))));
	assert_int_equal(2, count(ans, "a=sipmob-bridge\r\n"));
	assert_true(accepted(ans, 0));
	assert_true(accepted(ans, 1));
	mem_deref(ans);

	run_for(500);
	assert_true(stats(avia).rx_packets >= 10);
	assert_true(vstats(vvia).rx_packets >= 3);
	assert_int_equal(tx_ssrc(ms, SDESC_VIDEO), vstats(vvia).rx_ssrc);
	assert_int_equal(0, stats(afar).rx_packets);
	assert_int_equal(0, vstats(vfar).rx_packets);

	/* both end together; the far end's display decodes at once (the
	 * first picture to it is a keyframe) */
	mset_bridge_end(ms);
	run_for(60);
	vv = vstats(vvia).rx_packets;
	run_for(600);
	assert_int_equal(vv, vstats(vvia).rx_packets);
	assert_true(stats(afar).rx_packets >= 10);
	assert_true(vstats(vfar).frames_decoded >= 3);
	assert_int_equal(0, vstats(vfar).lost);
	assert_int_equal(0, vstats(vfar).decode_errors);
	assert_true(vstats(vfar).pattern_ok);

	mem_deref(ms);
	mem_deref(afar);
	mem_deref(avia);
	mem_deref(vfar);
	mem_deref(vvia);
}


static void line_we_do_not_send_on_sends_nowhere(void **state)
{
	struct mset *ms = set(true, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *via = stream();
	struct mbuf *ans;
	(void)state;

	/* the far end only sends: we receive, and send to nobody */
	ans = answer_ok(ms, offer("m=audio %u RTP/AVP 0\r\n"
				  "a=sendonly\r\n"
				  "a=sipmob-bridge:127.0.0.1 %u\r\n",
				  port_of(far), port_of(via)));
	assert_has(ans, "a=recvonly\r\n");
	mem_deref(ans);
	run_for(300);
	assert_int_equal(0, stats(far).rx_packets);
	assert_int_equal(0, stats(via).rx_packets);

	mem_deref(ms);
	mem_deref(far);
	mem_deref(via);
}


static void bridge_offer_puts_our_address_in_a_line(void **state)
{
	struct mset *mn = set(false, MSET_VIDEO_NONE);
	struct mset *dev = set(true, MSET_VIDEO_NONE);
	struct sdesc *sd = NULL;
	struct bridge *b = NULL;
	struct mbuf *o = NULL, *enc = NULL, *ans;
	char want[64], err[128] = "";
	(void)state;

	assert_int_equal(0, mset_offer(mn, &o));
	assert_int_equal(0, sdesc_parse(&sd, o->buf, o->end, err,
					sizeof(err)));
	assert_int_equal(0, mset_bridge_offer(mn, sdesc_media(sd, 0)));
	re_snprintf(want, sizeof(want), "127.0.0.1 %u",
		    sa_port(mset_laddr(mn, SDESC_AUDIO)));
	assert_string_equal(want, sdesc_media_attr(sdesc_media(sd, 0),
						   MSET_BRIDGE_ATTR));

	/* a set with no video has no address for a video line */
	assert_null(mset_laddr(mn, SDESC_VIDEO));
	assert_null(mset_laddr(NULL, SDESC_AUDIO));
	assert_int_equal(ENOENT, mset_bridge(mn, SDESC_VIDEO, &b));
	assert_int_equal(EINVAL, mset_bridge(NULL, SDESC_AUDIO, &b));
	assert_int_equal(EINVAL, mset_bridge(mn, SDESC_AUDIO, NULL));
	assert_null(b);

	/* a device that bridges accepts it */
	assert_int_equal(0, sdesc_encode(&enc, sd));
	ans = answer_ok(dev, enc);
	assert_has(ans, "a=sipmob-bridge\r\n");
	mem_deref(ans);

	mem_deref(sd);
	mem_deref(o);
	mem_deref(mn);
	mem_deref(dev);
}


/* ---- the retrieval's bridge back ---- */


static int back(struct mset *ms, const char *body, struct bridge *out[2])
{
	out[0] = out[1] = NULL;
	return mset_bridge_back(ms, (const uint8_t *)body, strlen(body), out);
}


static void free_bridges(struct bridge *out[2])
{
	out[0] = mem_deref(out[0]);
	out[1] = mem_deref(out[1]);
}


static void bridge_back_makes_the_bridges_asked_for(void **state)
{
	struct mset *ms = set(false, MSET_VIDEO_BOTH);
	struct bridge *out[2];
	(void)state;

	assert_int_equal(0, back(ms, "{\"media\":[{\"type\":\"audio\","
				 "\"address\":\"127.0.0.1\",\"port\":20000}]}",
				 out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_null(out[SDESC_VIDEO]);
	free_bridges(out);

	assert_int_equal(0, back(ms, "{\"media\":["
				 "{\"type\":\"video\",\"address\":\"127.0.0.1\","
				 "\"port\":20002},"
				 "{\"type\":\"audio\",\"address\":\"::1\","
				 "\"port\":65535}]}", out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_non_null(out[SDESC_VIDEO]);
	free_bridges(out);

	/* once per medium; unknown keys are ignored */
	assert_int_equal(0, back(ms, "{\"v\":1,\"media\":["
				 "{\"type\":\"audio\",\"address\":\"127.0.0.1\","
				 "\"port\":1,\"codec\":\"PCMU\"},"
				 "{\"type\":\"audio\",\"address\":\"127.0.0.1\","
				 "\"port\":2}]}", out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_null(out[SDESC_VIDEO]);
	free_bridges(out);

	mem_deref(ms);
}


static void bridge_back_refuses_what_it_cannot_read(void **state)
{
	static const char *bad[] = {
		"",
		"not json",
		"{",
		"{\"media\":[",
		"[]",
		"null",
		"42",
		"{}",
		"{\"media\":{}}",
		"{\"media\":\"audio\"}",
		"{\"media\":null}",
		"{\"media\":[1]}",
		"{\"media\":[[]]}",
		"{\"media\":[\"audio\"]}",
		/* fields missing */
		"{\"media\":[{\"address\":\"127.0.0.1\",\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\"}]}",
		/* of the wrong type */
		"{\"media\":[{\"type\":1,\"address\":\"127.0.0.1\","
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":2130706433,"
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":\"20000\"}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":20000.5}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":true}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":null}]}",
		/* out of range */
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":0}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":-1}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":65536}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":70000}]}",
		/* not a medium, not an address */
		"{\"media\":[{\"type\":\"text\",\"address\":\"127.0.0.1\","
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"\",\"address\":\"127.0.0.1\","
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"\","
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"mn.example\","
		"\"port\":20000}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.256\","
		"\"port\":20000}]}",
		/* one good entry does not save a bad one: nothing is made */
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":20000},{\"type\":\"video\",\"port\":20002}]}",
		"{\"media\":[{\"type\":\"audio\",\"address\":\"127.0.0.1\","
		"\"port\":20000},7]}",
	};
	struct mset *ms = set(false, MSET_VIDEO_BOTH);
	struct mset *audio_only = set(false, MSET_VIDEO_NONE);
	struct bridge *out[2];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = back(ms, bad[i], out);

		if (err != EBADMSG)
			fail_msg("'%s': %d, not EBADMSG", bad[i],
				 err);
		assert_null(out[0]);
		assert_null(out[1]);
	}
	out[0] = out[1] = NULL;
	assert_int_equal(EBADMSG, mset_bridge_back(ms, NULL, 0, out));
	assert_null(out[0]);
	assert_null(out[1]);

	/* an empty list asks for no bridge (it ends them): none made */
	assert_int_equal(0, back(ms, "{\"media\":[]}", out));
	assert_null(out[0]);
	assert_null(out[1]);
	/* read, but nothing to bridge */
	assert_int_equal(ENOENT, back(audio_only, "{\"media\":["
				      "{\"type\":\"video\",\"address\":"
				      "\"127.0.0.1\",\"port\":20002}]}", out));
	assert_null(out[0]);
	assert_null(out[1]);
	/* the medium it has is bridged, the other one left out */
	assert_int_equal(0, back(audio_only, "{\"media\":["
				 "{\"type\":\"video\",\"address\":\"127.0.0.1\","
				 "\"port\":20002},"
				 "{\"type\":\"audio\",\"address\":\"127.0.0.1\","
				 "\"port\":20000}]}", out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_null(out[SDESC_VIDEO]);
	free_bridges(out);

	/* arguments */
	assert_int_equal(EINVAL, mset_bridge_back(NULL, (const uint8_t *)"{}",
						  2, out));
	assert_int_equal(EINVAL, mset_bridge_back(ms, (const uint8_t *)"{}",
						  2, NULL));
	assert_int_equal(EINVAL, mset_bridge_back(ms, NULL, 2, out));

	mem_deref(ms);
	mem_deref(audio_only);
}


/* The retrieval: the device (dev) holds the call with the far end; the MN
 * asks it to bridge back. The far end's packets go on to the MN, which
 * plays them; the MN's go to the far end in the device's stream, which the
 * far end keeps playing as one stream; freeing the bridge gives the
 * device its own stream back. */
static void bridge_back_carries_both_ways(void **state)
{
	struct mset *dev = set(false, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *mn = stream();
	struct bridge *out[2];
	struct bridge_stats bs;
	struct media_stats sf1, sf2, sm1, sm2;
	struct mbuf *ans;
	char body[160];
	uint32_t ssrc;
	(void)state;

	ans = answer_ok(dev, audio_offer(port_of(far), NULL));
	mem_deref(ans);
	ssrc = tx_ssrc(dev, SDESC_AUDIO);
	assert_int_equal(0, media_stream_set_remote(far,
					mset_laddr(dev, SDESC_AUDIO)));
	assert_int_equal(0, media_stream_start(far));
	run_for(300);
	assert_true(stats(far).played_packets >= 10);

	re_snprintf(body, sizeof(body), "{\"media\":[{\"type\":\"audio\","
		    "\"address\":\"127.0.0.1\",\"port\":%u}]}", port_of(mn));
	assert_int_equal(0, back(dev, body, out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_int_equal(0, media_stream_set_remote(mn,
					mset_laddr(dev, SDESC_AUDIO)));
	assert_int_equal(0, media_stream_start(mn));
	run_for(100);
	sf1 = stats(far);
	sm1 = stats(mn);
	run_for(600);
	sf2 = stats(far);
	sm2 = stats(mn);

	/* downstream: the MN plays the far end's own stream */
	assert_int_equal(stats(far).tx_ssrc, sm2.rx_ssrc);
	assert_int_equal(1, sm2.rx_nssrc);
	assert_true(sm2.played_packets >= sm1.played_packets + 20);
	assert_int_equal(0, sm2.lost);
	/* upstream: the far end hears one stream, the device's, and plays
	 * the MN's frames in it */
	assert_int_equal(ssrc, sf2.rx_ssrc);
	assert_int_equal(1, sf2.rx_nssrc);
	assert_int_equal(0, sf2.lost);
	assert_true(sf2.played_packets >= sf1.played_packets + 20);
	bridge_stats(out[SDESC_AUDIO], &bs);
	assert_true(bs.relayed >= 20);
	assert_true(bs.spliced >= 20);
	assert_true(bs.t_start > 0 && bs.t_last >= bs.t_start);

	/* bridge gone: the device's own tone, the same stream */
	free_bridges(out);
	run_for(60);
	sm1 = stats(mn);
	sf1 = stats(far);
	run_for(400);
	sm2 = stats(mn);
	sf2 = stats(far);
	assert_int_equal(sm1.rx_packets, sm2.rx_packets);
	assert_true(sf2.played_packets >= sf1.played_packets + 10);
	assert_int_equal(1, sf2.rx_nssrc);
	assert_int_equal(0, sf2.lost);

	mem_deref(dev);
	mem_deref(far);
	mem_deref(mn);
}


/* A stream has one tap. The bridge the answer took (tap 1) and a later
 * bridge back (tap 2) share the stream; mset_bridge_end() frees bridge 1,
 * which leaves the stream's tap (and splice) alone, as they are bridge
 * 2's now: bridge 2 goes on relaying while it is held. */
static void ending_one_bridge_leaves_another_on_the_stream(void **state)
{
	struct mset *dev = set(true, MSET_VIDEO_NONE);
	struct media_stream *far = stream(), *via = stream(), *mn = stream();
	struct bridge *out[2];
	struct bridge_stats bs1, bs2;
	struct mbuf *ans;
	char val[64], body[160];
	(void)state;

	re_snprintf(val, sizeof(val), "127.0.0.1 %u", port_of(via));
	ans = answer_ok(dev, audio_offer(port_of(far), val));
	mem_deref(ans);
	re_snprintf(body, sizeof(body), "{\"media\":[{\"type\":\"audio\","
		    "\"address\":\"127.0.0.1\",\"port\":%u}]}", port_of(mn));
	assert_int_equal(0, back(dev, body, out));
	mset_bridge_end(dev);

	assert_int_equal(0, media_stream_set_remote(far,
					mset_laddr(dev, SDESC_AUDIO)));
	assert_int_equal(0, media_stream_start(far));
	run_for(100);
	bridge_stats(out[SDESC_AUDIO], &bs1);
	run_for(300);
	bridge_stats(out[SDESC_AUDIO], &bs2);
	assert_true(bs2.relayed >= bs1.relayed + 10);
	assert_true(stats(mn).rx_packets >= 10);

	/* bridge 2 gone too: nothing more goes on to the MN */
	free_bridges(out);
	run_for(60);
	bs1.relayed = stats(mn).rx_packets;
	run_for(200);
	assert_int_equal(bs1.relayed, stats(mn).rx_packets);

	mem_deref(dev);
	mem_deref(far);
	mem_deref(via);
	mem_deref(mn);
}


/* ---- bridge_expect(): what comes before take_from ---- */

/* A raw socket that keeps what it receives */
struct catcher {
	struct udp_sock *us;
	struct sa addr;
	struct rtp_header hdr[8];
	uint8_t first[8];        /* the first payload byte of each */
	size_t len[8];           /* ...and the payload's length    */
	unsigned n;
};


static void catch_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct catcher *k = arg;
	(void)src;

	if (k->n == ARRAY_SIZE(k->hdr) || rtp_hdr_decode(&k->hdr[k->n], mb) ||
	    !mbuf_get_left(mb))
		return;
	k->first[k->n] = mbuf_buf(mb)[0];
	k->len[k->n++] = mbuf_get_left(mb);
}


static void catcher_init(struct catcher *k)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(0, udp_listen(&k->us, &addr, catch_h, k));
	assert_int_equal(0, udp_local_get(k->us, &k->addr));
}


/* A PCMU packet of 160 bytes, its first byte `first` */
static void send_pcmu(struct udp_sock *us, const struct sa *dst,
		      uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t first)
{
	struct rtp_header h;
	struct mbuf *mb = mbuf_alloc(RTP_HEADER_SIZE + 160);
	uint8_t pcm[160];

	assert_non_null(mb);
	memset(&h, 0, sizeof(h));
	h.ver = RTP_VERSION;
	h.pt = 0;
	h.seq = seq;
	h.ts = ts;
	h.ssrc = ssrc;
	memset(pcm, 0xff, sizeof(pcm));
	pcm[0] = first;
	assert_int_equal(0, rtp_hdr_encode(mb, &h));
	assert_int_equal(0, mbuf_write_mem(mb, pcm, sizeof(pcm)));
	mb->pos = 0;
	assert_int_equal(0, udp_send(us, dst, mb));
	mem_deref(mb);
}


/* The device answers after its first packets: those are held, not played,
 * and reach the far end in our stream once take_from names the device; a
 * stranger's are dropped. The far end's own packets are not held. */
static void expected_bridge_holds_until_take_from(void **state)
{
	struct media_stream *ms = stream();
	struct udp_sock *dev = NULL, *other = NULL;
	struct catcher far;
	struct bridge *b = NULL;
	struct bridge_stats bs;
	struct sa dev_addr;
	const struct sa *la = media_stream_laddr(ms);
	uint32_t our_ssrc;
	(void)state;

	catcher_init(&far);
	assert_int_equal(0, udp_listen(&dev, &addr, NULL, NULL));
	assert_int_equal(0, udp_listen(&other, &addr, NULL, NULL));
	assert_int_equal(0, udp_local_get(dev, &dev_addr));
	assert_int_equal(0, media_stream_set_remote(ms, &far.addr));
	our_ssrc = stats(ms).tx_ssrc;

	assert_int_equal(0, bridge_alloc(&b, ms, NULL));
	assert_int_equal(EINVAL, bridge_expect(NULL, &far.addr, 0));
	assert_int_equal(EINVAL, bridge_expect(b, NULL, 0));
	assert_int_equal(0, bridge_expect(b, &far.addr, 0));

	/* the device's two, a stranger's one, in between */
	send_pcmu(dev, la, 0xd0d0d0d0, 100, 16000, 0xa0);
	send_pcmu(other, la, 0x07070707, 900, 72000, 0xb0);
	send_pcmu(dev, la, 0xd0d0d0d0, 101, 16160, 0xa1);
	run_for(100);
	/* held: not metered, not played, not sent anywhere */
	assert_int_equal(0, stats(ms).rx_packets);
	assert_int_equal(0, stats(ms).played_packets);
	assert_int_equal(0, far.n);
	bridge_stats(b, &bs);
	assert_int_equal(0, bs.spliced);
	assert_int_equal(0, bs.relayed);

	/* the far end's own packet is not held: played here as ever */
	send_pcmu(far.us, la, 0xfafafafa, 7, 800, 0xc0);
	run_for(100);
	assert_int_equal(1, stats(ms).rx_packets);
	assert_int_equal(0xfafafafa, stats(ms).rx_ssrc);
	assert_int_equal(0, far.n);

	/* take_from: the device's held ones go to the far end as ours, in
	 * order; the stranger's are gone */
	assert_int_equal(0, bridge_take_from(b, &dev_addr));
	bridge_stats(b, &bs);
	assert_int_equal(2, bs.spliced);
	run_for(100);
	assert_int_equal(2, far.n);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(our_ssrc, far.hdr[i].ssrc);
		assert_int_equal(0xa0 + i, far.first[i]);
		assert_int_equal(160, far.len[i]);
	}
	assert_int_equal((uint16_t)(far.hdr[0].seq + 1), far.hdr[1].seq);
	assert_int_equal(far.hdr[0].ts + 160, far.hdr[1].ts);

	/* from now on the device's packets go straight through */
	send_pcmu(dev, la, 0xd0d0d0d0, 102, 16320, 0xa2);
	run_for(100);
	assert_int_equal(3, far.n);
	assert_int_equal(0xa2, far.first[2]);
	assert_int_equal((uint16_t)(far.hdr[1].seq + 1), far.hdr[2].seq);
	assert_int_equal(far.hdr[1].ts + 160, far.hdr[2].ts);
	bridge_stats(b, &bs);
	assert_int_equal(3, bs.spliced);
	assert_int_equal(1, stats(ms).rx_packets);   /* none of them here */

	mem_deref(b);
	mem_deref(dev);
	mem_deref(other);
	mem_deref(far.us);
	mem_deref(ms);
}


static void bridge_back_body_round_trips(void **state)
{
	struct mset *mn = set(false, MSET_VIDEO_BOTH);
	struct mset *dev = set(false, MSET_VIDEO_BOTH);
	struct mset *mn_audio = set(false, MSET_VIDEO_NONE);
	const bool both[2] = {true, true}, audio[2] = {true, false},
		none[2] = {false, false};
	struct bridge *out[2] = {NULL, NULL};
	struct odict *o = NULL;
	const struct odict_entry *media;
	struct mbuf *mb = NULL;
	struct le *le;
	unsigned n = 0;
	(void)state;

	assert_int_equal(0, mset_bridge_back_encode(&mb, mn, both));
	assert_int_equal(0, mb->pos);
	assert_int_equal(0, json_decode_odict(&o, 8, (const char *)mb->buf,
					      mb->end, 4));
	media = odict_get_type(o, ODICT_ARRAY, "media");
	assert_non_null(media);
	for (le = list_head(&media->u.odict->lst); le; le = le->next, n++) {
		const struct odict_entry *e = le->data;
		const struct odict_entry *port;
		enum sdesc_mtype t;

		assert_int_equal(ODICT_OBJECT, e->type);
		t = !strcmp(odict_string(e->u.odict, "type"), "audio") ?
			SDESC_AUDIO : SDESC_VIDEO;
		assert_string_equal("127.0.0.1",
				    odict_string(e->u.odict, "address"));
		port = odict_get_type(e->u.odict, ODICT_INT, "port");
		assert_non_null(port);
		assert_int_equal(sa_port(mset_laddr(mn, t)),
				 port->u.integer);
	}
	assert_int_equal(2, n);
	o = mem_deref(o);

	out[0] = out[1] = NULL;
	assert_int_equal(0, mset_bridge_back(dev, mbuf_buf(mb),
					     mbuf_get_left(mb), out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_non_null(out[SDESC_VIDEO]);
	free_bridges(out);
	mb = mem_deref(mb);

	/* only what was asked for, only what the set has */
	assert_int_equal(0, mset_bridge_back_encode(&mb, mn, audio));
	assert_int_equal(1, count(mb, "\"type\""));
	assert_int_equal(0, mset_bridge_back(dev, mbuf_buf(mb),
					     mbuf_get_left(mb), out));
	assert_non_null(out[SDESC_AUDIO]);
	assert_null(out[SDESC_VIDEO]);
	free_bridges(out);
	mb = mem_deref(mb);

	assert_int_equal(0, mset_bridge_back_encode(&mb, mn_audio, both));
	assert_int_equal(1, count(mb, "\"audio\""));
	assert_int_equal(0, count(mb, "\"video\""));
	mb = mem_deref(mb);

	/* nothing asked: an empty list, which reads back as no bridge */
	assert_int_equal(0, mset_bridge_back_encode(&mb, mn, none));
	assert_int_equal(0, count(mb, "\"type\""));
	assert_int_equal(0, mset_bridge_back(dev, mbuf_buf(mb),
					     mbuf_get_left(mb), out));
	assert_null(out[0]);
	assert_null(out[1]);
	mb = mem_deref(mb);

	assert_int_equal(EINVAL, mset_bridge_back_encode(NULL, mn, both));
	assert_int_equal(EINVAL, mset_bridge_back_encode(&mb, NULL, both));
	assert_null(mb);

	mem_deref(mn);
	mem_deref(dev);
	mem_deref(mn_audio);
}


static int group_setup(void **state)
{
	(void)state;
	av_log_set_level(AV_LOG_QUIET);
	if (libre_init())
		return -1;
	return sa_set_str(&addr, "127.0.0.1", 0) ? -1 : 0;
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
		cmocka_unit_test(
			bridged_set_sends_via_the_mn_until_the_far_end_comes),
		cmocka_unit_test(
			set_without_bridge_sends_to_the_far_end_at_once),
		cmocka_unit_test(bridge_end_switches_to_the_far_end),
		cmocka_unit_test(unreadable_bridge_attribute_is_no_bridge),
		cmocka_unit_test(bridge_port_beyond_65535_is_no_bridge),
		cmocka_unit_test(
			ending_one_bridge_leaves_another_on_the_stream),
		cmocka_unit_test(expected_bridge_holds_until_take_from),
		cmocka_unit_test(video_line_takes_its_bridge_too),
		cmocka_unit_test(line_we_do_not_send_on_sends_nowhere),
		cmocka_unit_test(bridge_offer_puts_our_address_in_a_line),
		cmocka_unit_test(bridge_back_makes_the_bridges_asked_for),
		cmocka_unit_test(bridge_back_refuses_what_it_cannot_read),
		cmocka_unit_test(bridge_back_carries_both_ways),
		cmocka_unit_test(bridge_back_body_round_trips),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
