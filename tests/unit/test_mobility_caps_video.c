/*
 * A basic device's picture sizes from SLP (spec §6.2, caps_video.c): a
 * device that is not mobility-enhanced answers with a video line that
 * lists no H.263 size; the MN writes the sizes its proxy SA registered
 * (image-size) into that line, so that the CN's offer carries them and
 * the CN sends the display's size. A line that lists sizes keeps them;
 * other fmtp parameters stay; other codecs and media are not touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/slp.h>
#include "mobility/mn_priv.h"

static struct sdesc *parse_ok(const char *body)
{
	char s[1024], err[128];
	struct sdesc *sd = NULL;

	re_snprintf(s, sizeof(s), "v=0\r\no=dev 1 1 IN IP4 127.0.0.1\r\n"
		    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n%s", body);
	if (sdesc_parse(&sd, (const uint8_t *)s, strlen(s), err,
			sizeof(err)))
		fail_msg("parse: %s", err);
	return sd;
}

/* The m= section i of sd, as printed, begins with want */
static void assert_line(const struct sdesc *sd, unsigned i, const char *want)
{
	char *s = NULL;
	const char *m;

	assert_int_equal(0, re_sdprintf(&s, "%H", sdesc_print, sd));
	m = strstr(s, "\r\nm=");
	for (unsigned k = 0; m && k < i; k++)
		m = strstr(m + 2, "\r\nm=");
	if (!m || strncmp(m + 2, want, strlen(want)))
		fail_msg("m= section %u of\n%s\nis not\n%s", i, s, want);
	mem_deref(s);
}

static void basic_display_gets_the_sizes_slp_gives(void **state)
{
	struct sdesc *sd = parse_ok("m=video 9000 RTP/AVP 96\r\n"
				    "a=rtpmap:96 H263-1998/90000\r\n"
				    "a=recvonly\r\n");
	(void)state;

	assert_int_equal(0, caps_video_fmtp_from_slp(sdesc_media(sd, 0),
						     "4CIF,CIF"));
	assert_line(sd, 0, "m=video 9000 RTP/AVP 96\r\n"
		    "a=rtpmap:96 H263-1998/90000\r\n"
		    "a=fmtp:96 CIF4=1;CIF=1\r\n"
		    "a=recvonly\r\n");
	/* and the CN reads what a display would have said itself */
	{
		struct sdesc_codec c;
		struct sdesc_h263 h;

		assert_int_equal(0, sdesc_media_codec(sdesc_media(sd, 0), 0,
						      &c));
		assert_int_equal(0, sdesc_h263_parse(&h, c.fmtp));
		assert_int_equal(2, h.picc);
		assert_int_equal(SDESC_H263_CIF4, h.picv[0].size);
	}
	/* a second time: the line lists sizes now */
	assert_int_equal(EALREADY,
			 caps_video_fmtp_from_slp(sdesc_media(sd, 0), "QCIF"));
	mem_deref(sd);
}

static void sizes_the_device_gave_are_kept(void **state)
{
	struct sdesc *sd = parse_ok("m=video 9000 RTP/AVP 96\r\n"
				    "a=rtpmap:96 H263-1998/90000\r\n"
				    "a=fmtp:96 QCIF=2\r\n");
	(void)state;

	assert_int_equal(EALREADY,
			 caps_video_fmtp_from_slp(sdesc_media(sd, 0),
						  "16CIF,4CIF"));
	assert_line(sd, 0, "m=video 9000 RTP/AVP 96\r\n"
		    "a=rtpmap:96 H263-1998/90000\r\n"
		    "a=fmtp:96 QCIF=2\r\n");
	mem_deref(sd);
}

static void other_parameters_stay_and_every_h263_gets_sizes(void **state)
{
	struct sdesc *sd = parse_ok("m=video 9000 RTP/AVP 34 97 98\r\n"
				    "a=rtpmap:97 H263-1998/90000\r\n"
				    "a=fmtp:97 MAXBR=3840\r\n"
				    "a=rtpmap:98 VP8/90000\r\n");
	(void)state;

	assert_int_equal(0, caps_video_fmtp_from_slp(sdesc_media(sd, 0),
						     "cif, qcif"));
	assert_line(sd, 0, "m=video 9000 RTP/AVP 34 97 98\r\n"
		    "a=rtpmap:97 H263-1998/90000\r\n"
		    "a=fmtp:97 CIF=1;QCIF=1;MAXBR=3840\r\n"
		    "a=rtpmap:98 VP8/90000\r\n"
		    "a=fmtp:34 CIF=1;QCIF=1\r\n");
	mem_deref(sd);
}

static void nothing_to_do_without_h263_or_for_a_bad_value(void **state)
{
	struct sdesc *sd = parse_ok("m=audio 8000 RTP/AVP 0\r\n"
				    "m=video 9000 RTP/AVP 98\r\n"
				    "a=rtpmap:98 VP8/90000\r\n"
				    "m=video 9002 RTP/AVP 96\r\n"
				    "a=rtpmap:96 H263-1998/90000\r\n");
	(void)state;

	assert_int_equal(ENOENT, caps_video_fmtp_from_slp(sdesc_media(sd, 0),
							  "CIF"));
	assert_int_equal(ENOENT, caps_video_fmtp_from_slp(sdesc_media(sd, 1),
							  "CIF"));
	assert_int_equal(EINVAL, caps_video_fmtp_from_slp(sdesc_media(sd, 2),
							  "CIF,VGA"));
	assert_int_equal(EINVAL, caps_video_fmtp_from_slp(sdesc_media(sd, 2),
							  ""));
	assert_int_equal(EINVAL, caps_video_fmtp_from_slp(sdesc_media(sd, 2),
							  NULL));
	assert_int_equal(EINVAL, caps_video_fmtp_from_slp(NULL, "CIF"));
	assert_null(sdesc_media_attr(sdesc_media(sd, 2), "fmtp"));
	mem_deref(sd);
}

/* The MN's side: the sizes come from the device's attributes of the last
 * SLP query, and go on the lines the device was invited for */
static void device_answer_takes_the_sizes_of_its_slp_entry(void **state)
{
	static const char url[] = "sip:wall@127.0.0.1:5092";
	static const char attrs[] = "(room=123),(media=video),"
		"(direction=in),(codecs=H263-1998),(image-size=4CIF,CIF)";
	struct slp_device dev;
	struct slp_attrs *parsed = NULL;
	struct devleg d;
	struct mn *mn;
	bool lines[MN_MAX_LINES] = {false};
	struct pl pa;
	(void)state;

	pl_set_str(&pa, attrs);
	assert_int_equal(0, slp_attrs_decode(&parsed, &pa));
	memset(&dev, 0, sizeof(dev));
	pl_set_str(&dev.url, url);
	dev.attrs = pa;
	dev.parsed = parsed;

	mn = mem_zalloc(sizeof(*mn), NULL);
	assert_non_null(mn);
	mn_known_set(mn, &dev, 1);
	assert_string_equal("4CIF,CIF", mn_known_attr(mn, url, "image-size"));

	memset(&d, 0, sizeof(d));
	d.uri = (char *)url;
	d.answer = parse_ok("m=audio 0 RTP/AVP 0\r\n"
			    "m=video 9000 RTP/AVP 96\r\n"
			    "a=rtpmap:96 H263-1998/90000\r\n"
			    "a=recvonly\r\n");

	/* only the lines it was invited for */
	assert_int_equal(0, caps_video_device(mn, &d, lines));
	lines[1] = true;
	assert_int_equal(1, caps_video_device(mn, &d, lines));
	assert_line(d.answer, 1, "m=video 9000 RTP/AVP 96\r\n"
		    "a=rtpmap:96 H263-1998/90000\r\n"
		    "a=fmtp:96 CIF4=1;CIF=1\r\n");
	assert_int_equal(0, caps_video_device(mn, &d, lines));   /* done */

	/* a device SLP knows nothing of: nothing to add */
	d.uri = (char *)"sip:other@127.0.0.1:5093";
	assert_int_equal(0, caps_video_device(mn, &d, lines));

	mem_deref(d.answer);
	list_flush(&mn->known);
	mem_deref(mn);
	mem_deref(parsed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_display_gets_the_sizes_slp_gives),
		cmocka_unit_test(sizes_the_device_gave_are_kept),
		cmocka_unit_test(other_parameters_stay_and_every_h263_gets_sizes),
		cmocka_unit_test(nothing_to_do_without_h263_or_for_a_bad_value),
		cmocka_unit_test(device_answer_takes_the_sizes_of_its_slp_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
