/*
 * The SDP model: parse and print (RFC 4566). Well-formed descriptions print
 * back byte for byte, unknown lines included; connection addresses and
 * directions resolve media level over session level; and every kind of
 * malformed input is refused with EBADMSG and a message naming its line.
 * Inputs are copied into buffers of their exact length, so that a read past
 * the end shows up under ASan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sdesc.h>

static int parse_n(struct sdesc **sd, const char *s, size_t len,
		   char *err, size_t errsz)
{
	uint8_t *buf = malloc(len ? len : 1);
	int e;

	assert_non_null(buf);
	memcpy(buf, s, len);
	e = sdesc_parse(sd, buf, len, err, errsz);
	free(buf);
	return e;
}

static struct sdesc *parse_ok(const char *s)
{
	struct sdesc *sd = NULL;
	char err[128];
	int e = parse_n(&sd, s, strlen(s), err, sizeof(err));

	if (e)
		fail_msg("parse failed: %s", err);
	return sd;
}

static char *print(const struct sdesc *sd)
{
	char *s = NULL;

	assert_int_equal(re_sdprintf(&s, "%H", sdesc_print, sd), 0);
	return s;
}

static void assert_roundtrip(const char *text)
{
	struct sdesc *sd = parse_ok(text);
	char *out = print(sd);

	assert_string_equal(out, text);
	mem_deref(out);
	mem_deref(sd);
}

static const char baresip_offer[] =
	"v=0\r\n"
	"o=- 1580117395 1580117396 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"m=audio 10476 RTP/AVP 0 8 101\r\n"
	"b=AS:64\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=ssrc:1234567 cname:f0a1b2c3\r\n"
	"a=rtcp-rsize\r\n"
	"a=ptime:20\r\n";

static const char linphone_offer[] =
	"v=0\r\n"
	"o=alice 3456 1234 IN IP4 192.168.0.10\r\n"
	"s=Talk\r\n"
	"c=IN IP4 192.168.0.10\r\n"
	"t=0 0\r\n"
	"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL "
	"voip-metrics\r\n"
	"m=audio 7078 RTP/AVP 96 97 0 8 101\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 useinbandfec=1\r\n"
	"a=rtpmap:97 speex/16000\r\n"
	"a=fmtp:97 vbr=on\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=rtcp-fb:* trr-int 1000\r\n"
	"m=video 9078 RTP/AVP 96 97\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtpmap:97 H264/90000\r\n"
	"a=fmtp:97 profile-level-id=42801F\r\n"
	"a=rtcp-fb:* ccm fir\r\n";

static const char av_split[] =
	"v=0\r\n"
	"o=mn 42 7 IN IP4 10.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 4400 RTP/AVP 0\r\n"
	"c=IN IP4 10.0.0.2\r\n"
	"a=sendrecv\r\n"
	"m=video 5400 RTP/AVP 34\r\n"
	"c=IN IP6 2001:db8::3\r\n"
	"a=recvonly\r\n"
	"m=video 8800 RTP/AVP 34\r\n"
	"a=fmtp:34 CIF=1;QCIF=1\r\n";

static void roundtrip_baresip_offer(void **state)
{
	(void)state;
	assert_roundtrip(baresip_offer);
}

static void roundtrip_linphone_offer(void **state)
{
	(void)state;
	assert_roundtrip(linphone_offer);
}

static void roundtrip_keeps_unknown_lines_in_order(void **state)
{
	(void)state;
	assert_roundtrip(
		"v=0\r\n"
		"o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
		"s=SDP Seminar\r\n"
		"i=A Seminar on the session description protocol\r\n"
		"u=http://www.example.com/seminars/sdp.pdf\r\n"
		"e=j.doe@example.com (Jane Doe)\r\n"
		"p=+1 617 555-6011\r\n"
		"c=IN IP4 224.2.17.12/127\r\n"
		"b=CT:1000\r\n"
		"t=2873397496 2873404696\r\n"
		"r=604800 3600 0 90000\r\n"
		"z=2882844526 -1h 2898848070 0\r\n"
		"k=prompt\r\n"
		"a=recvonly\r\n"
		"a=x-unknown:with: colons and  spaces\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"i=voice\r\n"
		"b=AS:64\r\n"
		"k=prompt\r\n"
		"a=x-media-thing\r\n"
		"m=video 51372/2 RTP/AVP 99\r\n"
		"a=rtpmap:99 h263-1998/90000\r\n"
		"m=message 52000 TCP/MSRP *\r\n"
		"a=accept-types:text/plain\r\n"
		"a=path:msrp://msgn.example.com:12000/kjhd37s2s2;tcp\r\n");
}

static void roundtrip_av_split(void **state)
{
	(void)state;
	assert_roundtrip(av_split);
}

static void lf_line_ends_print_as_crlf(void **state)
{
	struct sdesc *sd;
	char *out;

	(void)state;
	sd = parse_ok("v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\n\nt=0 0\n"
		      "m=audio 1 RTP/AVP 0\n");
	out = print(sd);
	assert_string_equal(out, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
			    "t=0 0\r\nm=audio 1 RTP/AVP 0\r\n");
	mem_deref(out);
	mem_deref(sd);
}

static void encode_gives_mbuf_at_start(void **state)
{
	struct sdesc *sd = parse_ok(baresip_offer);
	struct mbuf *mb = NULL;

	(void)state;
	assert_int_equal(sdesc_encode(&mb, sd), 0);
	assert_int_equal(mb->pos, 0);
	assert_int_equal(mbuf_get_left(mb), strlen(baresip_offer));
	assert_memory_equal(mbuf_buf(mb), baresip_offer,
			    strlen(baresip_offer));
	mem_deref(mb);
	mem_deref(sd);
}

static void session_fields_are_read(void **state)
{
	struct sdesc *sd = parse_ok(linphone_offer);
	struct sdesc_media *m;

	(void)state;
	assert_string_equal(sdesc_origin_user(sd), "alice");
	assert_string_equal(sdesc_sess_id(sd), "3456");
	assert_int_equal(sdesc_sess_version(sd), 1234);
	assert_string_equal(sdesc_attr(sd, "rtcp-xr"),
			    "rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL"
			    " voip-metrics");
	assert_int_equal(sdesc_media_count(sd), 2);

	m = sdesc_media(sd, 1);
	assert_int_equal(sdesc_media_type(m), SDESC_VIDEO);
	assert_string_equal(sdesc_media_name(m), "video");
	assert_int_equal(sdesc_media_port(m), 9078);
	assert_string_equal(sdesc_media_proto(m), "RTP/AVP");
	assert_int_equal(sdesc_media_fmtc(m), 2);
	assert_string_equal(sdesc_media_fmt(m, 1), "97");
	assert_null(sdesc_media_fmt(m, 2));
	assert_string_equal(sdesc_media_attr(m, "rtcp-fb"), "* ccm fir");
	assert_null(sdesc_media(sd, 2));
	mem_deref(sd);
}

static void media_conn_overrides_session_conn(void **state)
{
	struct sdesc *sd = parse_ok(av_split);
	struct sa sa, want;

	(void)state;
	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 0), &sa), 0);
	sa_set_str(&want, "10.0.0.2", 4400);
	assert_true(sa_cmp(&sa, &want, SA_ALL));

	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 1), &sa), 0);
	sa_set_str(&want, "2001:db8::3", 5400);
	assert_true(sa_cmp(&sa, &want, SA_ALL));

	/* no media c=: the session's */
	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 2), &sa), 0);
	sa_set_str(&want, "10.0.0.1", 8800);
	assert_true(sa_cmp(&sa, &want, SA_ALL));
	mem_deref(sd);
}

static void raddr_without_conn_or_with_hostname(void **state)
{
	struct sdesc *sd;
	struct sa sa;

	(void)state;
	sd = parse_ok("v=0\r\nm=audio 4400 RTP/AVP 0\r\n"
		      "m=audio 4402 RTP/AVP 0\r\nc=IN IP4 av_device.example.com\r\n");
	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 0), &sa), ENOENT);
	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 1), &sa),
			 EADDRNOTAVAIL);
	mem_deref(sd);
}

static void ipv6_session_conn(void **state)
{
	struct sdesc *sd;
	struct sa sa, want;

	(void)state;
	sd = parse_ok("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\n"
		      "t=0 0\r\nm=audio 6000 RTP/AVP 8\r\n");
	assert_int_equal(sdesc_media_raddr(sdesc_media(sd, 0), &sa), 0);
	sa_set_str(&want, "::1", 6000);
	assert_true(sa_cmp(&sa, &want, SA_ALL));
	mem_deref(sd);
}

static void direction_inherits_session_level(void **state)
{
	struct sdesc *sd;

	(void)state;
	sd = parse_ok("v=0\r\na=sendonly\r\nm=audio 1 RTP/AVP 0\r\n"
		      "m=audio 2 RTP/AVP 0\r\na=inactive\r\n");
	assert_int_equal(sdesc_media_dir(sdesc_media(sd, 0)), SDESC_SENDONLY);
	assert_int_equal(sdesc_media_dir(sdesc_media(sd, 1)), SDESC_INACTIVE);
	mem_deref(sd);

	sd = parse_ok("v=0\r\nm=audio 1 RTP/AVP 0\r\nm=video 2 RTP/AVP 34\r\n"
		      "a=recvonly\r\n");
	assert_int_equal(sdesc_media_dir(sdesc_media(sd, 0)), SDESC_SENDRECV);
	assert_int_equal(sdesc_media_dir(sdesc_media(sd, 1)), SDESC_RECVONLY);
	mem_deref(sd);
}

static void codecs_from_rtpmap_fmtp_and_static_defaults(void **state)
{
	struct sdesc *sd = parse_ok(linphone_offer);
	struct sdesc_media *m = sdesc_media(sd, 0);
	struct sdesc_codec c;

	(void)state;
	assert_int_equal(sdesc_media_codec(m, 0, &c), 0);
	assert_string_equal(c.name, "opus");
	assert_int_equal(c.pt, 96);
	assert_int_equal(c.srate, 48000);
	assert_int_equal(c.ch, 2);
	assert_string_equal(c.fmtp, "useinbandfec=1");

	/* pt 0 has no rtpmap here: RFC 3551 default */
	assert_int_equal(sdesc_media_codec(m, 2, &c), 0);
	assert_string_equal(c.name, "PCMU");
	assert_int_equal(c.srate, 8000);
	assert_null(c.fmtp);

	assert_int_equal(sdesc_media_ptime(m), 0);
	assert_int_equal(sdesc_media_ptime(sdesc_media(sd, 1)), 0);
	assert_int_equal(sdesc_media_codec(m, 9, &c), EINVAL);
	mem_deref(sd);

	sd = parse_ok("v=0\r\nm=audio 1 RTP/AVP 96\r\na=ptime:30\r\n");
	assert_int_equal(sdesc_media_codec(sdesc_media(sd, 0), 0, &c), ENOENT);
	assert_int_equal(sdesc_media_ptime(sdesc_media(sd, 0)), 30);
	mem_deref(sd);
}

static void negotiated_codec_skips_telephone_event(void **state)
{
	struct sdesc *sd;
	struct sdesc_codec c;

	(void)state;
	sd = parse_ok("v=0\r\nm=audio 1 RTP/AVP 101 9\r\n"
		      "a=rtpmap:101 telephone-event/8000\r\n"
		      "a=fmtp:101 0-15\r\n");
	assert_int_equal(sdesc_media_negotiated(sdesc_media(sd, 0), &c), 0);
	assert_string_equal(c.name, "G722");
	assert_int_equal(c.pt, 9);
	mem_deref(sd);

	sd = parse_ok("v=0\r\nm=message 1 TCP/MSRP *\r\n");
	assert_int_equal(sdesc_media_negotiated(sdesc_media(sd, 0), &c),
			 ENOENT);
	mem_deref(sd);
}

static void port_zero_and_port_count(void **state)
{
	struct sdesc *sd;

	(void)state;
	sd = parse_ok("v=0\r\nm=audio 0 RTP/AVP 0\r\nm=video 49170/2 RTP/AVP 31\r\n");
	assert_int_equal(sdesc_media_port(sdesc_media(sd, 0)), 0);
	assert_int_equal(sdesc_media_port(sdesc_media(sd, 1)), 49170);
	mem_deref(sd);
}

static void dup_is_identical_and_independent(void **state)
{
	struct sdesc *sd = parse_ok(av_split), *d = NULL;
	char *a, *b;

	(void)state;
	assert_int_equal(sdesc_dup(&d, sd), 0);
	a = print(sd);
	mem_deref(sd);
	b = print(d);
	assert_string_equal(a, b);
	mem_deref(a);
	mem_deref(b);
	mem_deref(d);
}

struct bad {
	const char *text;
	size_t len;        /* 0: strlen */
	const char *msg;
};

#define V "v=0\r\n"
#define O "o=- 1 1 IN IP4 1.2.3.4\r\n"

static const struct bad bads[] = {
	{"", 0, "line 1: empty description"},
	{"\r\n\r\n", 0, "line 1: empty description"},
	{"m=audio 1 RTP/AVP 0\r\n", 0, "line 1: m=: first line must be v="},
	{"v=1\r\n", 0, "line 1: v=: unsupported version"},
	{V "v=0\r\n", 0, "line 2: v=: repeated"},
	{V "m=audio x RTP/AVP 0\r\n", 0, "line 2: m=: bad port 'x'"},
	{V "m=audio 70000 RTP/AVP 0\r\n", 0, "line 2: m=: bad port '70000'"},
	{V "m=audio 99999999999999999999999999 RTP/AVP 0\r\n", 0,
	 "line 2: m=: bad port '99999999999999999999999999'"},
	{V "m=audio 5/0 RTP/AVP 0\r\n", 0, "line 2: m=: bad port '5/0'"},
	{V "m=audio -1 RTP/AVP 0\r\n", 0, "line 2: m=: bad port '-1'"},
	{V "m=audio 5004 RTP/AVP\r\n", 0,
	 "line 2: m=: expected media, port, proto and formats"},
	{V "m=audio  5004 RTP/AVP 0\r\n", 0,
	 "line 2: m=: empty field or too many formats"},
	{V "m=audio 5004 RTP/AVP abc\r\n", 0, "line 2: m=: bad format 'abc'"},
	{V "m=audio 5004 RTP/AVP 128\r\n", 0, "line 2: m=: bad format '128'"},
	{V "o=- 1 2 IN IP4\r\n", 0, "line 2: o=: expected 6 fields"},
	{V "o=- 1 99999999999999999999999 IN IP4 1.2.3.4\r\n", 0,
	 "line 2: o=: bad sess-version"},
	{V "o=- x 1 IN IP4 1.2.3.4\r\n", 0, "line 2: o=: bad sess-id"},
	{V "s=-\r\n" O, 0, "line 3: o=: must directly follow v="},
	{V O O, 0, "line 3: o=: must directly follow v="},
	{V O "c=IN IP4 1.2.3.400\r\n", 0,
	 "line 3: c=: bad IP4 address '1.2.3.400'"},
	{V O "c=IN IP4 1.2.3\r\n", 0, "line 3: c=: bad IP4 address '1.2.3'"},
	{V O "c=IN IP4 ::1\r\n", 0, "line 3: c=: bad IP4 address '::1'"},
	{V O "c=IN IP6 ::zz\r\n", 0, "line 3: c=: bad IP6 address '::zz'"},
	{V O "c=IN IP6 10.0.0.1\r\n", 0,
	 "line 3: c=: bad IP6 address '10.0.0.1'"},
	{V O "c=IN IP5 1.2.3.4\r\n", 0,
	 "line 3: c=: bad network or address type"},
	{V O "c=IN IP4 \r\n", 0, "line 3: c=: bad address"},
	{V O "c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n", 0,
	 "line 4: c=: second c= at this level"},
	{V "m=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", 0,
	 "line 4: a=: second direction at this level"},
	{V O "m=aud", 0,
	 "line 3: m=: expected media, port, proto and formats"},
	{V O "c=IN IP", 0, "line 3: c=: bad network or address type"},
	{V O "t=0", 0, "line 3: t=: bad timing '0'"},
	{V O "b=AS:x\r\n", 0, "line 3: b=: bad bandwidth 'AS:x'"},
	{V "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", 0,
	 "line 3: t=: not allowed in a media section"},
	{V "x=1\r\n", 0, "line 2: x=: unknown type"},
	{V "hello world\r\n", 0, "line 2: not a 'x=value' line"},
	{V "=\r\n", 0, "line 2: not a 'x=value' line"},
	{V "A=1\r\n", 0, "line 2: not a 'x=value' line"},
	{"\xff\xfe garbage", 0, "line 1: not a 'x=value' line"},
	{V "s=a\0b\r\n", 12, "line 2: control character 0x00 at column 4"},
	{"v=0\rs=-\r\n", 0, "line 1: control character 0x0d at column 4"},
	{V "a=\r\n", 0, "line 2: a=: bad attribute name"},
	{V "a=:x\r\n", 0, "line 2: a=: bad attribute name"},
};

static void malformed_input_names_the_line(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		size_t len = b->len ? b->len : strlen(b->text);
		struct sdesc *sd = NULL;
		char err[128];
		int e;

		e = parse_n(&sd, b->text, len, err, sizeof(err));
		if (e != EBADMSG || strcmp(err, b->msg))
			fail_msg("case %zu: got %d '%s', want '%s'", i, e, err,
				 b->msg);
		assert_null(sd);
	}
}

/* RFC 4475 §3.1.1.5 (esc01): "a=rtpmap:31 LPC" on a line we would not
 * use. An rtpmap, fmtp or ptime we cannot read is kept, printed back as it
 * came, and used for nothing: a static payload type falls back to its RFC
 * 3551 default, a dynamic one has no codec. */
static void unreadable_attributes_are_kept(void **state)
{
	static const char *const lines[] = {
		"a=rtpmap:200 PCMU/8000", "a=rtpmap:0 PCMU", "a=rtpmap:0 PCMU/0",
		"a=rtpmap:0 PCMU/99999999999", "a=rtpmap:0 PCMU/8000/0",
		"a=ptime:x", "a=fmtp:",
	};
	struct sdesc_codec c;
	(void)state;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct sdesc *sd = NULL;
		char text[256], err[128] = "", *out = NULL;

		re_snprintf(text, sizeof(text), V "m=audio 1 RTP/AVP 0\r\n"
			    "%s\r\n", lines[i]);
		if (parse_n(&sd, text, strlen(text), err, sizeof(err)))
			fail_msg("'%s' refused: %s", lines[i], err);
		assert_int_equal(0, sdesc_media_codec(sdesc_media(sd, 0), 0,
						      &c));
		assert_string_equal("PCMU", c.name);   /* RFC 3551 */
		assert_int_equal(8000, c.srate);
		assert_int_equal(0, re_sdprintf(&out, "%H", sdesc_print, sd));
		assert_non_null(strstr(out, lines[i]));
		mem_deref(out);
		mem_deref(sd);
	}
}

static void esc01_video_line_is_kept(void **state)
{
	static const char esc01[] =
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0 12\r\n"
		"m=video 3227 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n";
	struct sdesc *sd = NULL;
	struct sdesc_codec c;
	char err[128] = "";
	(void)state;

	assert_int_equal(0, parse_n(&sd, esc01, strlen(esc01), err,
				    sizeof(err)));
	assert_int_equal(2, sdesc_media_count(sd));
	assert_int_equal(0, sdesc_media_codec(sdesc_media(sd, 0), 0, &c));
	assert_string_equal("PCMU", c.name);
	mem_deref(sd);
}

static void truncated_input_never_reads_past_len(void **state)
{
	size_t n = strlen(linphone_offer);

	(void)state;
	/* every prefix either parses or is refused; ASan checks the reads */
	for (size_t len = 0; len <= n; len++) {
		struct sdesc *sd = NULL;
		char err[128];
		int e = parse_n(&sd, linphone_offer, len, err, sizeof(err));

		assert_true(e == 0 || e == EBADMSG);
		if (e == 0)
			mem_deref(sd);
		else
			assert_true(strncmp(err, "line ", 5) == 0);
	}
}

static void error_buffer_is_optional_and_bounded(void **state)
{
	struct sdesc *sd = NULL;
	char err[8];

	(void)state;
	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)"x", 1, NULL, 0),
			 EBADMSG);
	assert_int_equal(sdesc_parse(&sd, (const uint8_t *)"x", 1, err,
				     sizeof(err)), EBADMSG);
	assert_true(strlen(err) < sizeof(err));
	assert_int_equal(sdesc_parse(NULL, (const uint8_t *)"v=0", 3, NULL, 0),
			 EINVAL);
}

static void too_many_formats_and_media_are_refused(void **state)
{
	char *s = NULL;
	struct mbuf *mb = mbuf_alloc(8192);
	struct sdesc *sd = NULL;
	char err[128];

	(void)state;
	mbuf_printf(mb, "v=0\r\nm=audio 1 RTP/AVP");
	for (int i = 0; i < 65; i++)
		mbuf_printf(mb, " %d", i);
	mbuf_printf(mb, "\r\n");
	assert_int_equal(sdesc_parse(&sd, mb->buf, mb->end, err, sizeof(err)),
			 EBADMSG);
	assert_string_equal(err, "line 2: m=: empty field or too many formats");

	mbuf_rewind(mb);
	mbuf_printf(mb, "v=0\r\n");
	for (int i = 0; i < 65; i++)
		mbuf_printf(mb, "m=audio %d RTP/AVP 0\r\n", i);
	assert_int_equal(sdesc_parse(&sd, mb->buf, mb->end, err, sizeof(err)),
			 EBADMSG);
	assert_string_equal(err, "line 66: m=: too many media");
	mem_deref(mb);
	mem_deref(s);
}

/* ---- sdesc_media_set_attr ---- */

static unsigned occurrences(const char *s, const char *what)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		++n;
	return n;
}

static void assert_prints(const struct sdesc *sd, const char *want)
{
	char *out = print(sd);

	assert_string_equal(want, out);
	mem_deref(out);
}

static void media_set_attr_sets_replaces_and_removes(void **state)
{
	static const char dup[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 10.0.0.1\r\n"
		"s=-\r\n"
		"c=IN IP4 10.0.0.1\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=x:1\r\n"
		"a=x-y:keep\r\n"
		"a=ptime:20\r\n"
		"a=x\r\n"
		"a=x:2\r\n";
	struct sdesc *sd = parse_ok(linphone_offer);
	struct sdesc_media *a = sdesc_media(sd, 0);
	char *out;
	(void)state;

	assert_null(sdesc_media_attr(a, "sipmob-bridge"));
	assert_int_equal(0, sdesc_media_set_attr(a, "sipmob-bridge",
						 "127.0.0.1 20000"));
	assert_string_equal("127.0.0.1 20000",
			    sdesc_media_attr(a, "sipmob-bridge"));

	/* a new value replaces the line: one line afterwards */
	assert_int_equal(0, sdesc_media_set_attr(a, "sipmob-bridge",
						 "10.0.0.1 30000"));
	assert_string_equal("10.0.0.1 30000",
			    sdesc_media_attr(a, "sipmob-bridge"));
	out = print(sd);
	assert_int_equal(1, occurrences(out, "a=sipmob-bridge"));
	assert_non_null(strstr(out, "a=sipmob-bridge:10.0.0.1 30000\r\n"));
	mem_deref(out);

	/* "": a=name alone */
	assert_int_equal(0, sdesc_media_set_attr(a, "sipmob-bridge", ""));
	assert_string_equal("", sdesc_media_attr(a, "sipmob-bridge"));
	out = print(sd);
	assert_int_equal(1, occurrences(out, "a=sipmob-bridge"));
	assert_non_null(strstr(out, "a=sipmob-bridge\r\n"));
	assert_null(strstr(out, "a=sipmob-bridge:"));
	mem_deref(out);

	/* NULL removes it: the description is the one parsed, byte for
	 * byte; removing what is not there is no error */
	assert_int_equal(0, sdesc_media_set_attr(a, "sipmob-bridge", NULL));
	assert_null(sdesc_media_attr(a, "sipmob-bridge"));
	assert_prints(sd, linphone_offer);
	assert_int_equal(0, sdesc_media_set_attr(a, "sipmob-bridge", NULL));
	assert_prints(sd, linphone_offer);
	mem_deref(sd);

	/* every a=x and a=x:... goes, with or without a value; a=x-y and
	 * the other lines stay, in their order */
	sd = parse_ok(dup);
	a = sdesc_media(sd, 0);
	assert_int_equal(0, sdesc_media_set_attr(a, "x", "3"));
	assert_string_equal("3", sdesc_media_attr(a, "x"));
	assert_string_equal("keep", sdesc_media_attr(a, "x-y"));
	assert_int_equal(20, sdesc_media_ptime(a));
	assert_prints(sd,
		      "v=0\r\n"
		      "o=- 1 1 IN IP4 10.0.0.1\r\n"
		      "s=-\r\n"
		      "c=IN IP4 10.0.0.1\r\n"
		      "t=0 0\r\n"
		      "m=audio 4000 RTP/AVP 0\r\n"
		      "a=x-y:keep\r\n"
		      "a=ptime:20\r\n"
		      "a=x:3\r\n");
	assert_int_equal(0, sdesc_media_set_attr(a, "x", NULL));
	assert_null(sdesc_media_attr(a, "x"));
	assert_string_equal("keep", sdesc_media_attr(a, "x-y"));
	mem_deref(sd);
}

static void media_set_attr_refuses_bad_names(void **state)
{
	static const char *bad[] = {
		"", ":", "sipmob-bridge:", "a:b", "a b", " a", "a\r\nb",
		"a\r", "a\n", "a\r\nm=audio 1 RTP/AVP 0",
	};
	struct sdesc *sd = parse_ok(linphone_offer);
	struct sdesc_media *a = sdesc_media(sd, 0);
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sdesc_media_set_attr(a, bad[i], "1") != EINVAL)
			fail_msg("name '%s' taken", bad[i]);
		if (sdesc_media_set_attr(a, bad[i], NULL) != EINVAL)
			fail_msg("name '%s' taken to remove", bad[i]);
	}
	/* a value cannot end the line either */
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, "x", "1\r\n"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, "x", "1\r\na=y"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, "x", "\n"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, "x", "\r"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, NULL, "1"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(NULL, "x", "1"));

	/* a refusal changes nothing, not even an existing line */
	assert_int_equal(0, sdesc_media_set_attr(a, "x", "1"));
	assert_int_equal(EINVAL, sdesc_media_set_attr(a, "x", "2\r\n"));
	assert_string_equal("1", sdesc_media_attr(a, "x"));
	assert_int_equal(0, sdesc_media_set_attr(a, "x", NULL));
	assert_prints(sd, linphone_offer);
	mem_deref(sd);
}

static void media_set_attr_prints_in_its_media_section(void **state)
{
	struct sdesc *sd = parse_ok(av_split), *back;
	struct sdesc_media *m = sdesc_media(sd, 1);
	const char *line, *mine, *next;
	char *out;
	(void)state;

	assert_int_equal(0, sdesc_media_set_attr(m, "sipmob-bridge",
						 "10.0.0.9 20002"));
	out = NULL;
	assert_int_equal(0, re_sdprintf(&out, "%H", sdesc_print, sd));
	line = strstr(out, "a=sipmob-bridge:10.0.0.9 20002\r\n");
	mine = strstr(out, "m=video 5400 ");
	next = strstr(out, "m=video 8800 ");
	assert_non_null(line);
	assert_non_null(mine);
	assert_non_null(next);
	assert_true(mine < line && line < next);
	assert_int_equal(1, occurrences(out, "sipmob-bridge"));

	/* the other media and the session have no such attribute; parsed
	 * again, the line is still the second medium's */
	assert_null(sdesc_attr(sd, "sipmob-bridge"));
	assert_null(sdesc_media_attr(sdesc_media(sd, 0), "sipmob-bridge"));
	assert_null(sdesc_media_attr(sdesc_media(sd, 2), "sipmob-bridge"));
	back = parse_ok(out);
	assert_string_equal("10.0.0.9 20002",
			    sdesc_media_attr(sdesc_media(back, 1),
					     "sipmob-bridge"));
	assert_null(sdesc_attr(back, "sipmob-bridge"));
	assert_null(sdesc_media_attr(sdesc_media(back, 0), "sipmob-bridge"));
	assert_null(sdesc_media_attr(sdesc_media(back, 2), "sipmob-bridge"));
	/* the line it was set on keeps what it had */
	assert_int_equal(SDESC_RECVONLY, sdesc_media_dir(sdesc_media(back, 1)));
	assert_int_equal(5400, sdesc_media_port(sdesc_media(back, 1)));

	mem_deref(back);
	mem_deref(out);
	mem_deref(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_baresip_offer),
		cmocka_unit_test(roundtrip_linphone_offer),
		cmocka_unit_test(roundtrip_keeps_unknown_lines_in_order),
		cmocka_unit_test(roundtrip_av_split),
		cmocka_unit_test(lf_line_ends_print_as_crlf),
		cmocka_unit_test(encode_gives_mbuf_at_start),
		cmocka_unit_test(session_fields_are_read),
		cmocka_unit_test(media_conn_overrides_session_conn),
		cmocka_unit_test(raddr_without_conn_or_with_hostname),
		cmocka_unit_test(ipv6_session_conn),
		cmocka_unit_test(direction_inherits_session_level),
		cmocka_unit_test(codecs_from_rtpmap_fmtp_and_static_defaults),
		cmocka_unit_test(negotiated_codec_skips_telephone_event),
		cmocka_unit_test(port_zero_and_port_count),
		cmocka_unit_test(dup_is_identical_and_independent),
		cmocka_unit_test(malformed_input_names_the_line),
		cmocka_unit_test(unreadable_attributes_are_kept),
		cmocka_unit_test(esc01_video_line_is_kept),
		cmocka_unit_test(truncated_input_never_reads_past_len),
		cmocka_unit_test(error_buffer_is_optional_and_bounded),
		cmocka_unit_test(too_many_formats_and_media_are_refused),
		cmocka_unit_test(media_set_attr_sets_replaces_and_removes),
		cmocka_unit_test(media_set_attr_refuses_bad_names),
		cmocka_unit_test(media_set_attr_prints_in_its_media_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
