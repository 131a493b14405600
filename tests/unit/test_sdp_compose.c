/*
 * 3PCC composition (RFC 3725, spec §5.2): the mobile node's re-offer to the
 * correspondent node is made of m= lines that local devices answered with.
 * Each test is one step of a transfer, split or retrieval.
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

static void assert_prints(const struct sdesc *sd, const char *want)
{
	char *s = NULL;

	assert_int_equal(re_sdprintf(&s, "%H", sdesc_print, sd), 0);
	assert_string_equal(s, want);
	mem_deref(s);
}

/* What the MN last sent the CN: its own audio and video */
static const char mn_cur[] =
	"v=0\r\n"
	"o=mn 500 3 IN IP4 10.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.1\r\n"
	"t=0 0\r\n"
	"a=tool:sipmob\r\n"
	"m=audio 4000 RTP/AVP 0\r\n"
	"a=sendrecv\r\n"
	"m=video 4002 RTP/AVP 34\r\n"
	"a=sendrecv\r\n";

/* Device answers: address at session level, as phones send it */
static const char audio_dev[] =
	"v=0\r\n"
	"o=ad 1 1 IN IP4 10.0.0.20\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.20\r\n"
	"t=0 0\r\n"
	"m=audio 4400 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"m=video 0 RTP/AVP 34\r\n";

static const char video_dev[] =
	"v=0\r\n"
	"o=vd 1 1 IN IP4 10.0.0.30\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.30\r\n"
	"t=0 0\r\n"
	"a=sendrecv\r\n"
	"m=video 5400 RTP/AVP 34\r\n"
	"a=fmtp:34 16CIF=8;4CIF=6;CIF=4;QCIF=3\r\n";

static void merge_takes_audio_from_a_and_video_from_b_in_cn_order(void **s)
{
	struct sdesc *cur = parse_ok(mn_cur), *a = parse_ok(audio_dev);
	struct sdesc *v = parse_ok(video_dev), *out = NULL;
	const struct sdesc_media *mv[2];

	(void)s;
	/* given video first: the CN's order (audio, video) wins */
	mv[0] = sdesc_media(v, 0);
	mv[1] = sdesc_media(a, 0);
	assert_int_equal(sdesc_merge(&out, cur, mv, 2), 0);
	assert_prints(out,
		      "v=0\r\n"
		      "o=mn 500 4 IN IP4 10.0.0.1\r\n"
		      "s=-\r\n"
		      "t=0 0\r\n"
		      "a=tool:sipmob\r\n"
		      "m=audio 4400 RTP/AVP 0\r\n"
		      "c=IN IP4 10.0.0.20\r\n"
		      "a=rtpmap:0 PCMU/8000\r\n"
		      "m=video 5400 RTP/AVP 34\r\n"
		      "c=IN IP4 10.0.0.30\r\n"
		      "a=fmtp:34 16CIF=8;4CIF=6;CIF=4;QCIF=3\r\n");
	mem_deref(out);
	mem_deref(cur);
	mem_deref(a);
	mem_deref(v);
}

static void merge_transfer_of_audio_only_keeps_mn_video(void **s)
{
	struct sdesc *cur = parse_ok(mn_cur), *a = parse_ok(audio_dev);
	struct sdesc *out = NULL;
	const struct sdesc_media *mv[2];
	struct sa sa, want;

	(void)s;
	mv[0] = sdesc_media(a, 0);
	mv[1] = sdesc_media(cur, 1);       /* the MN's own video */
	assert_int_equal(sdesc_merge(&out, cur, mv, 2), 0);
	assert_int_equal(sdesc_media_count(out), 2);
	assert_int_equal(sdesc_media_raddr(sdesc_media(out, 1), &sa), 0);
	sa_set_str(&want, "10.0.0.1", 4002);
	assert_true(sa_cmp(&sa, &want, SA_ALL));
	assert_int_equal(sdesc_media_raddr(sdesc_media(out, 0), &sa), 0);
	sa_set_str(&want, "10.0.0.20", 4400);
	assert_true(sa_cmp(&sa, &want, SA_ALL));
	mem_deref(out);
	mem_deref(cur);
	mem_deref(a);
}

static void merge_disables_media_nobody_takes(void **s)
{
	struct sdesc *cur = parse_ok(mn_cur), *a = parse_ok(audio_dev);
	struct sdesc *out = NULL;
	const struct sdesc_media *mv[1];

	(void)s;
	mv[0] = sdesc_media(a, 0);
	assert_int_equal(sdesc_merge(&out, cur, mv, 1), 0);
	assert_int_equal(sdesc_media_count(out), 2);
	assert_int_equal(sdesc_media_port(sdesc_media(out, 1)), 0);
	assert_int_equal(sdesc_media_type(sdesc_media(out, 1)), SDESC_VIDEO);
	assert_string_equal(sdesc_media_fmt(sdesc_media(out, 1), 0), "34");
	mem_deref(out);
	mem_deref(cur);
	mem_deref(a);
}

/* spec §5.2.2: video split into a display (recvonly) and a camera
 * (sendonly); the second video line is new, so it is appended */
static void merge_split_video_appends_second_video_line(void **s)
{
	struct sdesc *cur = parse_ok(mn_cur), *out = NULL;
	struct sdesc *disp = parse_ok("v=0\r\nc=IN IP4 10.0.0.40\r\n"
				      "m=video 8900 RTP/AVP 34\r\n"
				      "a=recvonly\r\n");
	struct sdesc *cam = parse_ok("v=0\r\nc=IN IP4 10.0.0.50\r\n"
				     "a=sendonly\r\n"
				     "m=video 8800 RTP/AVP 34\r\n");
	const struct sdesc_media *mv[3];

	(void)s;
	mv[0] = sdesc_media(cur, 0);
	mv[1] = sdesc_media(disp, 0);
	mv[2] = sdesc_media(cam, 0);
	assert_int_equal(sdesc_merge(&out, cur, mv, 3), 0);
	assert_prints(out,
		      "v=0\r\n"
		      "o=mn 500 4 IN IP4 10.0.0.1\r\n"
		      "s=-\r\n"
		      "t=0 0\r\n"
		      "a=tool:sipmob\r\n"
		      "m=audio 4000 RTP/AVP 0\r\n"
		      "c=IN IP4 10.0.0.1\r\n"
		      "a=sendrecv\r\n"
		      "m=video 8900 RTP/AVP 34\r\n"
		      "c=IN IP4 10.0.0.40\r\n"
		      "a=recvonly\r\n"
		      "m=video 8800 RTP/AVP 34\r\n"
		      "c=IN IP4 10.0.0.50\r\n"
		      "a=sendonly\r\n");
	mem_deref(out);
	mem_deref(cur);
	mem_deref(disp);
	mem_deref(cam);
}

static void merge_prefers_active_slot_then_reuses_port0_slot(void **s)
{
	struct sdesc *cur = parse_ok("v=0\r\no=mn 1 1 IN IP4 10.0.0.1\r\n"
				     "c=IN IP4 10.0.0.1\r\n"
				     "m=audio 0 RTP/AVP 0\r\n"
				     "m=audio 4000 RTP/AVP 0\r\n");
	struct sdesc *a = parse_ok(audio_dev), *out = NULL;
	const struct sdesc_media *mv[2];

	(void)s;
	mv[0] = sdesc_media(a, 0);
	mv[1] = sdesc_media(a, 0);
	assert_int_equal(sdesc_merge(&out, cur, mv, 2), 0);
	assert_int_equal(sdesc_media_count(out), 2);
	assert_int_equal(sdesc_media_port(sdesc_media(out, 0)), 4400);
	assert_int_equal(sdesc_media_port(sdesc_media(out, 1)), 4400);
	mem_deref(out);
	mem_deref(cur);
	mem_deref(a);
}

static void merge_without_current_builds_a_new_session(void **s)
{
	struct sdesc *a = parse_ok(audio_dev), *out = NULL;
	const struct sdesc_media *mv[1];
	struct sa sa;

	(void)s;
	mv[0] = sdesc_media(a, 0);
	assert_int_equal(sdesc_merge(&out, NULL, mv, 1), 0);
	assert_string_equal(sdesc_origin_user(out), "-");
	assert_int_equal(sdesc_media_count(out), 1);
	assert_int_equal(sdesc_media_raddr(sdesc_media(out, 0), &sa), 0);
	assert_int_equal(sa_port(&sa), 4400);
	mem_deref(out);
	mem_deref(a);
}

static void copy_carries_effective_conn_and_direction(void **s)
{
	struct sdesc *dst = parse_ok("v=0\r\nc=IN IP4 10.0.0.1\r\na=inactive\r\n"
				     "m=audio 1 RTP/AVP 0\r\n");
	struct sdesc *v = parse_ok(video_dev);
	struct sdesc_media *m = NULL;
	struct sa sa;

	(void)s;
	assert_int_equal(sdesc_media_copy(&m, dst, sdesc_media(v, 0)), 0);
	assert_ptr_equal(m, sdesc_media(dst, 1));
	assert_int_equal(sdesc_media_dir(m), SDESC_SENDRECV);
	assert_int_equal(sdesc_media_raddr(m, &sa), 0);
	assert_int_equal(sa_port(&sa), 5400);
	assert_true(sa_cmp(&sa, &(struct sa){0}, SA_ADDR) == false);
	mem_deref(v);
	/* the copy does not depend on its source */
	assert_int_equal(sdesc_media_raddr(m, &sa), 0);
	mem_deref(dst);
}

static void copy_into_same_address_adds_no_conn(void **s)
{
	struct sdesc *dst = parse_ok("v=0\r\nc=IN IP4 10.0.0.30\r\n");
	struct sdesc *v = parse_ok(video_dev);

	(void)s;
	assert_int_equal(sdesc_media_copy(NULL, dst, sdesc_media(v, 0)), 0);
	assert_prints(dst, "v=0\r\nc=IN IP4 10.0.0.30\r\n"
		      "m=video 5400 RTP/AVP 34\r\n"
		      "a=fmtp:34 16CIF=8;4CIF=6;CIF=4;QCIF=3\r\n");
	mem_deref(dst);
	mem_deref(v);
}

static void replace_keeps_position(void **s)
{
	struct sdesc *cur = parse_ok(mn_cur), *a = parse_ok(audio_dev);

	(void)s;
	assert_int_equal(sdesc_media_replace(cur, 0, sdesc_media(a, 0)), 0);
	assert_int_equal(sdesc_media_count(cur), 2);
	assert_int_equal(sdesc_media_port(sdesc_media(cur, 0)), 4400);
	assert_int_equal(sdesc_media_port(sdesc_media(cur, 1)), 4002);
	assert_int_equal(sdesc_media_replace(cur, 1, sdesc_media(a, 0)), 0);
	assert_int_equal(sdesc_media_port(sdesc_media(cur, 1)), 4400);
	assert_int_equal(sdesc_media_replace(cur, 2, sdesc_media(a, 0)),
			 EINVAL);
	mem_deref(cur);
	mem_deref(a);
}

static void set_flip_and_disable_rewrite_lines_in_place(void **s)
{
	struct sdesc *sd = parse_ok("v=0\r\nc=IN IP4 10.0.0.1\r\n"
				    "m=audio 4000 RTP/AVP 0\r\n"
				    "a=rtpmap:0 PCMU/8000\r\n"
				    "a=sendonly\r\n"
				    "a=ptime:20\r\n"
				    "m=video 4002 RTP/AVP 34\r\n"
				    "a=label:v\r\n");
	struct sdesc_media *a = sdesc_media(sd, 0), *v = sdesc_media(sd, 1);
	struct sa sa;

	(void)s;
	assert_int_equal(sdesc_media_flip_dir(a), 0);
	assert_int_equal(sdesc_media_dir(a), SDESC_RECVONLY);
	assert_int_equal(sdesc_media_flip_dir(v), 0);       /* sendrecv stays */
	assert_int_equal(sdesc_media_set_dir(v, SDESC_INACTIVE), 0);
	assert_int_equal(sdesc_media_set_dir(v, (enum sdesc_dir)7), EINVAL);
	assert_int_equal(sdesc_media_disable(v), 0);
	sa_set_str(&sa, "::1", 7000);
	assert_int_equal(sdesc_media_set_raddr(a, &sa), 0);
	assert_prints(sd,
		      "v=0\r\nc=IN IP4 10.0.0.1\r\n"
		      "m=audio 7000 RTP/AVP 0\r\n"
		      "c=IN IP6 ::1\r\n"
		      "a=rtpmap:0 PCMU/8000\r\n"
		      "a=recvonly\r\n"
		      "a=ptime:20\r\n"
		      "m=video 0 RTP/AVP 34\r\n"
		      "a=label:v\r\n"
		      "a=inactive\r\n");
	mem_deref(sd);
}

static void set_fmtp_goes_after_its_rtpmap(void **s)
{
	struct sdesc *sd = parse_ok("v=0\r\nm=video 1 RTP/AVP 34 96\r\n"
				    "a=rtpmap:34 H263/90000\r\n"
				    "a=rtpmap:96 H263-1998/90000\r\n"
				    "a=fmtp:96 QCIF=1\r\n"
				    "a=sendrecv\r\n");
	struct sdesc_media *m = sdesc_media(sd, 0);
	struct sdesc_codec c;

	(void)s;
	assert_int_equal(sdesc_media_set_fmtp(m, "34", "CIF=2"), 0);
	assert_int_equal(sdesc_media_set_fmtp(m, "96", "CIF=1;QCIF=1"), 0);
	assert_prints(sd, "v=0\r\nm=video 1 RTP/AVP 34 96\r\n"
		      "a=rtpmap:34 H263/90000\r\n"
		      "a=fmtp:34 CIF=2\r\n"
		      "a=rtpmap:96 H263-1998/90000\r\n"
		      "a=fmtp:96 CIF=1;QCIF=1\r\n"
		      "a=sendrecv\r\n");
	assert_int_equal(sdesc_media_codec(m, 1, &c), 0);
	assert_string_equal(c.fmtp, "CIF=1;QCIF=1");
	assert_int_equal(sdesc_media_set_fmtp(m, "34", NULL), 0);
	assert_int_equal(sdesc_media_codec(m, 0, &c), 0);
	assert_null(c.fmtp);
	mem_deref(sd);
}

static void version_bump_continues_prev_origin(void **s)
{
	struct sdesc *prev = parse_ok(mn_cur), *sd = parse_ok(audio_dev);

	(void)s;
	assert_int_equal(sdesc_version_bump(sd, prev), 0);
	assert_string_equal(sdesc_origin_user(sd), "mn");
	assert_string_equal(sdesc_sess_id(sd), "500");
	assert_int_equal(sdesc_sess_version(sd), 4);
	mem_deref(prev);
	prev = parse_ok("v=0\r\n");
	assert_int_equal(sdesc_version_bump(sd, prev), EINVAL);
	mem_deref(prev);
	mem_deref(sd);
}

static void dir_helpers(void **s)
{
	(void)s;
	assert_int_equal(sdesc_dir_flip(SDESC_SENDONLY), SDESC_RECVONLY);
	assert_int_equal(sdesc_dir_flip(SDESC_RECVONLY), SDESC_SENDONLY);
	assert_int_equal(sdesc_dir_flip(SDESC_SENDRECV), SDESC_SENDRECV);
	assert_int_equal(sdesc_dir_flip(SDESC_INACTIVE), SDESC_INACTIVE);
	assert_string_equal(sdesc_dir_name(SDESC_RECVONLY), "recvonly");
}

/* One counter per leg: unchanged content keeps its version, changed
 * content takes the next one, and a refused offer's number is skipped. */
static void version_next_never_reuses_a_refused_version(void **s)
{
	struct sdesc *last = parse_ok("v=0\r\no=mn 7 4 IN IP4 10.0.0.1\r\n"
				      "s=-\r\nt=0 0\r\n"
				      "m=audio 4000 RTP/AVP 0\r\n");
	struct sdesc *same = parse_ok("v=0\r\no=mn 7 9 IN IP4 10.0.0.1\r\n"
				      "s=-\r\nt=0 0\r\n"
				      "m=audio 4000 RTP/AVP 0\r\n");
	struct sdesc *moved = parse_ok("v=0\r\no=x 1 1 IN IP4 10.0.0.2\r\n"
				       "s=-\r\nt=0 0\r\n"
				       "m=audio 5000 RTP/AVP 0\r\n");
	struct sdesc *other = NULL;
	uint64_t counter = 0;
	(void)s;

	assert_int_equal(sdesc_version_next(same, last, &counter), 0);
	assert_int_equal(sdesc_sess_version(same), 4);
	assert_true(sdesc_same_content(same, last));

	assert_int_equal(sdesc_dup(&other, moved), 0);
	assert_int_equal(sdesc_version_next(moved, last, &counter), 0);
	assert_int_equal(sdesc_sess_version(moved), 5);
	assert_string_equal(sdesc_sess_id(moved), "7");   /* the leg's o= */
	/* refused: last stays; the next offer, even with the same content,
	 * does not take 5 again */
	assert_int_equal(sdesc_version_next(other, last, &counter), 0);
	assert_int_equal(sdesc_sess_version(other), 6);
	assert_false(sdesc_same_content(other, last));

	mem_deref(other);
	mem_deref(moved);
	mem_deref(same);
	mem_deref(last);
}

static void h263_parse_intersect_print(void **s)
{
	struct sdesc_h263 disp, mn, r;
	char out[128];

	(void)s;
	/* spec §6.2: the display lists big sizes; the MN small ones */
	assert_int_equal(sdesc_h263_parse(&disp,
					  "16CIF=8;4CIF=6;CIF=4;QCIF=3"), 0);
	assert_int_equal(disp.picc, 4);
	assert_int_equal(disp.picv[0].size, SDESC_H263_CIF16);
	assert_int_equal(disp.picv[0].mpi, 8);
	assert_int_equal(sdesc_h263_parse(&mn, "qcif=1; CIF=2 ;MAXBR=640;"
					  "MAX-FPS=15;F;I=1"), 0);
	assert_int_equal(mn.maxbr, 640);
	assert_int_equal(mn.max_fps, 15);

	assert_int_equal(sdesc_h263_intersect(&r, &disp, &mn), 0);
	re_snprintf(out, sizeof(out), "%H", sdesc_h263_print, &r);
	assert_string_equal(out, "CIF=4;QCIF=3;MAXBR=640;MAX-FPS=15");

	re_snprintf(out, sizeof(out), "%H", sdesc_h263_print, &disp);
	assert_string_equal(out, "CIF16=8;CIF4=6;CIF=4;QCIF=3");

	/* nothing in common */
	assert_int_equal(sdesc_h263_parse(&mn, "SQCIF=1"), 0);
	assert_int_equal(sdesc_h263_intersect(&r, &disp, &mn), ENOENT);

	/* no sizes stated on one side: the other side's */
	assert_int_equal(sdesc_h263_parse(&mn, "MAX-FPS=10"), 0);
	assert_int_equal(sdesc_h263_intersect(&r, &mn, &disp), 0);
	assert_int_equal(r.picc, 4);
	assert_int_equal(r.max_fps, 10);

	assert_int_equal(sdesc_h263_parse(&mn, "CIF=0"), EINVAL);
	assert_int_equal(sdesc_h263_parse(&mn, "CIF=33"), EINVAL);
	assert_int_equal(sdesc_h263_parse(&mn, "CIF=x"), EINVAL);
	assert_int_equal(sdesc_h263_parse(&mn, "CIF=1;CIF=2"), EINVAL);
	assert_int_equal(sdesc_h263_parse(&mn, "MAXBR=99999999999"), EINVAL);
	assert_int_equal(sdesc_h263_parse(&mn, ""), 0);
	assert_int_equal(mn.picc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_takes_audio_from_a_and_video_from_b_in_cn_order),
		cmocka_unit_test(merge_transfer_of_audio_only_keeps_mn_video),
		cmocka_unit_test(merge_disables_media_nobody_takes),
		cmocka_unit_test(merge_split_video_appends_second_video_line),
		cmocka_unit_test(merge_prefers_active_slot_then_reuses_port0_slot),
		cmocka_unit_test(merge_without_current_builds_a_new_session),
		cmocka_unit_test(copy_carries_effective_conn_and_direction),
		cmocka_unit_test(copy_into_same_address_adds_no_conn),
		cmocka_unit_test(replace_keeps_position),
		cmocka_unit_test(set_flip_and_disable_rewrite_lines_in_place),
		cmocka_unit_test(set_fmtp_goes_after_its_rtpmap),
		cmocka_unit_test(version_bump_continues_prev_origin),
		cmocka_unit_test(dir_helpers),
		cmocka_unit_test(h263_parse_intersect_print),
		cmocka_unit_test(version_next_never_reuses_a_refused_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
