/*
 * The codec decision of a move (spec §6.1), without sockets: a device that
 * takes the CN's codec gets it; one that does not, but shares another
 * codec with the CN, makes the CN change (the device's preference first);
 * with no codec in common the least loaded transcoder that covers both
 * sides is chosen; without one the move is refused, naming the codecs.
 * Also the SDP edits that carry the decision: a line restricted to a
 * device's codecs, and a codec put first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "mobility/mn_priv.h"

static const char *DEV = "sip:spk@127.0.0.1";

static int decide(struct caps_plan *cp, const char *dev_codecs,
		  const char *cur, const char *cn, const struct caps_tc *tcv,
		  size_t ntc, char *why, size_t whysz)
{
	memset(cp, 0, sizeof(*cp));
	str_ncpy(cp->dev_codecs, dev_codecs, sizeof(cp->dev_codecs));
	return caps_decide(cp, DEV, cur, cn, tcv, ntc, why, whysz);
}

static void common_codec(void **state)
{
	struct caps_plan cp;
	char why[256];
	(void)state;

	assert_int_equal(decide(&cp, "G722,PCMU", "PCMU", "PCMU", NULL, 0,
				why, sizeof(why)), 0);
	assert_int_equal(cp.how, CAPS_COMMON);
	assert_non_null(strstr(cp.why, "common codec PCMU"));
	/* names are compared without case */
	assert_int_equal(decide(&cp, "opus", "OPUS", "opus", NULL, 0, why,
				sizeof(why)), 0);
	assert_int_equal(cp.how, CAPS_COMMON);
}

static void renegotiation_prefers_the_device(void **state)
{
	struct caps_plan cp;
	char why[256];
	(void)state;

	/* the CN sends PCMU and also has PCMA and G722; the device takes
	 * G722 first, then PCMA */
	assert_int_equal(decide(&cp, "G722,PCMA", "PCMU", "PCMU,PCMA,G722",
				NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(cp.how, CAPS_RENEGOTIATE);
	assert_string_equal(cp.cn_name, "G722");
	assert_non_null(strstr(cp.why, "changes to it"));
}

static void transcoder_least_loaded_covering_both(void **state)
{
	static const struct caps_tc tcv[] = {
		{"sip:t1@h", "PCMU,PCMA", 0},        /* no G722 */
		{"sip:t2@h", "PCMU,PCMA,G722,opus", 7},
		{"sip:t3@h", "PCMU,G722", 2},
		{"sip:t4@h", "PCMA,G722", 0},        /* no PCMU */
	};
	struct caps_plan cp;
	char why[256];
	(void)state;

	assert_int_equal(decide(&cp, "G722", "PCMU", "PCMU", tcv, 4, why,
				sizeof(why)), 0);
	assert_int_equal(cp.how, CAPS_TRANSCODE);
	assert_string_equal(cp.tc_uri, "sip:t3@h");
	assert_string_equal(cp.tc_dev_codec, "G722");
	assert_non_null(strstr(cp.why, "PCMU <-> G722"));

	/* the device's preference decides its side's codec */
	assert_int_equal(decide(&cp, "opus,G722", "PCMU", "PCMU", tcv, 4, why,
				sizeof(why)), 0);
	assert_string_equal(cp.tc_uri, "sip:t3@h");
	assert_string_equal(cp.tc_dev_codec, "G722");
	assert_int_equal(decide(&cp, "opus,G722", "PCMU", "PCMU", tcv + 1, 1,
				why, sizeof(why)), 0);
	assert_string_equal(cp.tc_dev_codec, "opus");
}

static void refusal_names_the_codecs(void **state)
{
	static const struct caps_tc tcv[] = {{"sip:t1@h", "PCMU,PCMA", 0}};
	struct caps_plan cp;
	char why[256];
	(void)state;

	assert_int_equal(decide(&cp, "G722", "PCMU", "PCMU", tcv, 1, why,
				sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "none of the CN's codecs"));
	assert_non_null(strstr(why, "G722"));
	assert_non_null(strstr(why, "PCMU"));
	assert_non_null(strstr(why, "no transcoder found in SLP converts"));
	assert_int_equal(decide(&cp, "G722", "PCMU", "PCMU", NULL, 0, why,
				sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "no transcoder was found in SLP"));
}

static const char offer_sdp[] =
	"v=0\r\no=cn 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/AVP 0 8 9 111 101\r\n"
	"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";

static bool keep_g722(const struct sdesc_codec *c, void *arg)
{
	(void)arg;
	return !strcmp(c->name, "G722") ||
		!strcmp(c->name, "telephone-event");
}

static bool keep_nothing_real(const struct sdesc_codec *c, void *arg)
{
	(void)arg;
	return !strcmp(c->name, "telephone-event");
}

static void sdp_keep_and_first(void **state)
{
	struct sdesc *sd = NULL;
	struct sdesc_media *m;
	struct sdesc_codec c;
	char err[64], *txt = NULL;
	(void)state;

	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)offer_sdp,
				     strlen(offer_sdp), err, sizeof(err)), 0);
	m = sdesc_media(sd, 0);
	/* nothing real left: refused, the line unchanged */
	assert_int_equal(sdesc_media_keep_codecs(m, keep_nothing_real, NULL),
			 ENOENT);
	assert_int_equal(sdesc_media_fmtc(m), 5);
	/* opus goes with its rtpmap and fmtp */
	assert_int_equal(sdesc_media_keep_codecs(m, keep_g722, NULL), 0);
	assert_int_equal(sdesc_media_fmtc(m), 2);
	assert_int_equal(re_sdprintf(&txt, "%H", sdesc_print, sd), 0);
	assert_null(strstr(txt, "opus"));
	assert_non_null(strstr(txt, "m=audio 4000 RTP/AVP 9 101\r\n"));
	assert_non_null(strstr(txt, "a=fmtp:101 0-16"));
	txt = mem_deref(txt);

	/* PCMA put first: added with its static type */
	c = (struct sdesc_codec){"PCMA", 8, 8000, 0, NULL};
	assert_int_equal(sdesc_media_codec_first(m, &c), 0);
	assert_int_equal(sdesc_media_negotiated(m, &c), 0);
	assert_string_equal(c.name, "PCMA");
	/* a payload type that names another codec */
	c = (struct sdesc_codec){"PCMU", 9, 8000, 0, NULL};
	assert_int_equal(sdesc_media_codec_first(m, &c), EEXIST);
	mem_deref(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(common_codec),
		cmocka_unit_test(renegotiation_prefers_the_device),
		cmocka_unit_test(transcoder_least_loaded_covering_both),
		cmocka_unit_test(refusal_names_the_codecs),
		cmocka_unit_test(sdp_keep_and_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
