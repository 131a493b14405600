/*
 * The Refer-To header (RFC 3515 §2.1) as Session Handoff uses it: the
 * RFC 3515 examples, RFC 5631's transfer (Figure 4) and nested-REFER
 * retrieval (Figure 5) as the RFC prints them, the same built by us with
 * correct escaping, display names, and malformed or cut values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>

static int decode_n(struct sipreferto **rt, const char *s, size_t n,
		    char *err, size_t errsz)
{
	struct pl pl = {s, n};

	*rt = NULL;
	return sipreferto_decode(rt, &pl, err, errsz);
}

static struct sipreferto *decode(const char *s)
{
	struct sipreferto *rt;
	char err[128] = "";

	if (decode_n(&rt, s, strlen(s), err, sizeof(err)))
		fail_msg("\"%s\": %s", s, err);
	return rt;
}

static int print_h(struct re_printf *pf, void *arg)
{
	return sipreferto_print(pf, arg);
}

static int replaces_h(struct re_printf *pf, void *arg)
{
	return sipreplaces_print(pf, arg);
}

/* The printed form, which must be a fixed point of decode and print */
static char *print(const struct sipreferto *rt)
{
	struct sipreferto *back;
	char *s = NULL, *s2 = NULL;

	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, rt));
	back = decode(s);
	assert_int_equal(0, re_sdprintf(&s2, "%H", print_h, back));
	assert_string_equal(s, s2);
	mem_deref(s2);
	mem_deref(back);
	return s;
}

static void assert_pl(const char *want, const struct pl *pl)
{
	assert_non_null(pl->p);
	if (strlen(want) != pl->l || memcmp(want, pl->p, pl->l))
		fail_msg("want \"%s\", have \"%.*s\"", want, (int)pl->l,
			 pl->p);
}

static void rfc3515_examples(void **state)
{
	struct sipreferto *rt;
	struct sipreplaces r;
	char *s;
	(void)state;

	rt = decode("sip:alice@atlanta.example.com");
	assert_pl("sip:alice@atlanta.example.com", &rt->uri);
	assert_pl("sip:alice@atlanta.example.com", &rt->target);
	assert_pl("sip:alice@atlanta.example.com", &rt->base);
	assert_int_equal(0, rt->uparamc);
	assert_int_equal(0, rt->hdrc);
	assert_int_equal(ENOENT, sipreferto_replaces(rt, &r, NULL, 0));
	s = print(rt);
	assert_string_equal("<sip:alice@atlanta.example.com>", s);
	mem_deref(s);
	mem_deref(rt);

	rt = decode("<sip:dave@denver.example.org?Replaces=12345%40192.168."
		    "118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>");
	assert_pl("sip:dave@denver.example.org", &rt->target);
	assert_int_equal(1, rt->hdrc);
	assert_pl("Replaces", &rt->hdrv[0].name);
	assert_pl("12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994",
		  &rt->hdrv[0].val);
	assert_int_equal(0, sipreferto_replaces(rt, &r, NULL, 0));
	assert_pl("12345@192.168.118.3", &r.callid);
	assert_pl("12345", &r.to_tag);
	assert_pl("5FFE-3994", &r.from_tag);
	s = print(rt);
	assert_string_equal("<sip:dave@denver.example.org?Replaces=12345%40"
			    "192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D"
			    "5FFE-3994>", s);
	mem_deref(s);
	mem_deref(rt);

	rt = decode("<sip:carol@cleveland.example.org;method=SUBSCRIBE>");
	assert_pl("sip:carol@cleveland.example.org", &rt->base);
	assert_pl("sip:carol@cleveland.example.org;method=SUBSCRIBE",
		  &rt->target);
	assert_non_null(sipreferto_uparam(rt, "METHOD"));
	assert_pl("SUBSCRIBE", &sipreferto_uparam(rt, "method")->val);
	mem_deref(rt);

	/* any URI may be referred to; only SIP URIs are taken apart */
	rt = decode("http://www.ietf.org");
	assert_pl("http://www.ietf.org", &rt->base);
	assert_int_equal(0, rt->uparamc);
	s = print(rt);
	assert_string_equal("<http://www.ietf.org>", s);
	mem_deref(s);
	mem_deref(rt);
}

static void rfc3515_accept_contact_lacks_an_equals(void **state)
{
	struct sipreferto *rt;
	const char *s = "<sip:bob@biloxi.example.net?Accept-Contact=sip:"
		"bobsdesk.biloxi.example.net&Call-ID%3D55432%40alicepc."
		"atlanta.example.com>";
	char err[128];
	(void)state;

	/* the second header is written "Call-ID%3D...": its '=' is escaped,
	 * so RFC 3261 §25.1's header = hname "=" hvalue does not match */
	assert_int_equal(EBADMSG, decode_n(&rt, s, strlen(s), err,
					   sizeof(err)));
	assert_non_null(strstr(err, "without '='"));
	assert_null(rt);

	rt = decode("<sip:bob@biloxi.example.net?Accept-Contact=sip:"
		    "bobsdesk.biloxi.example.net&Call-ID=55432%40alicepc."
		    "atlanta.example.com>");
	assert_int_equal(2, rt->hdrc);
	assert_pl("sip:bobsdesk.biloxi.example.net", &rt->hdrv[0].val);
	assert_pl("55432@alicepc.atlanta.example.com",
		  sipreferto_header(rt, "call-id"));
	mem_deref(rt);
}

static void rfc5631_figure4_transfer(void **state)
{
	struct sipreferto *rt;
	struct sipreplaces r;
	char *s;
	(void)state;

	/* message (1), its lines joined (the RFC folds it for the page) */
	rt = decode("<sip:corresp@example.com;gr=urn:uuid:bbb6981;audio;video"
		    "?Replaces=\"1@mn.example.com;to-tag=bbb;from-tag=aaa\">");
	assert_pl("sip:corresp@example.com", &rt->base);
	assert_pl("sip:corresp@example.com;gr=urn:uuid:bbb6981;audio;video",
		  &rt->target);
	assert_int_equal(3, rt->uparamc);
	assert_pl("urn:uuid:bbb6981", &sipreferto_uparam(rt, "gr")->val);
	assert_null(sipreferto_uparam(rt, "audio")->val.p);
	assert_null(sipreferto_uparam(rt, "video")->val.p);
	assert_null(sipreferto_uparam(rt, "method"));
	assert_int_equal(0, sipreferto_replaces(rt, &r, NULL, 0));
	assert_pl("1@mn.example.com", &r.callid);
	assert_pl("bbb", &r.to_tag);
	assert_pl("aaa", &r.from_tag);

	/* we print it escaped, as RFC 3261 §19.1.1 asks */
	s = print(rt);
	assert_string_equal("<sip:corresp@example.com;gr=urn:uuid:bbb6981;"
			    "audio;video?Replaces=1%40mn.example.com%3Bto-tag"
			    "%3Dbbb%3Bfrom-tag%3Daaa>", s);
	mem_deref(s);
	mem_deref(rt);
}

static void rfc5631_folded_text_is_not_a_uri(void **state)
{
	const char *s = "<sip:corresp@example.com;gr=urn:uuid:bbb6981;audio;"
		"video?\r\n            Replaces=\"1@mn.example.com;\r\n"
		"                to-tag=bbb;from-tag=aaa\">";
	struct sipreferto *rt;
	char err[128];
	(void)state;

	assert_int_equal(EBADMSG, decode_n(&rt, s, strlen(s), err,
					   sizeof(err)));
	assert_non_null(strstr(err, "white space inside a URI"));
}

static void rfc5631_figure5_nested_refer(void **state)
{
	struct sipreferto *outer, *inner;
	struct sipreplaces r;
	const struct pl *nested;
	char err[128];
	const char *fixed;
	(void)state;

	/* message (1) as printed: "bbb%221" ends the inner Replaces with
	 * '"' and a stray '1' */
	outer = decode("<sip:bob@example.com;gr=urn:uuid:ytav223h67gb3;"
		       "method=REFER?Refer-To=\"<sip:correspondent@example."
		       "com;gr=urn:uuid:bbb6981;audio;video?Replaces=%221@"
		       "device15.example.com;to-tag=aaa;from-tag=bbb%221>\">");
	assert_pl("sip:bob@example.com;gr=urn:uuid:ytav223h67gb3;"
		  "method=REFER", &outer->target);
	assert_pl("REFER", &sipreferto_uparam(outer, "method")->val);
	nested = sipreferto_header(outer, "Refer-To");
	assert_non_null(nested);
	assert_pl("<sip:correspondent@example.com;gr=urn:uuid:bbb6981;"
		  "audio;video?Replaces=\"1@device15.example.com;to-tag=aaa;"
		  "from-tag=bbb\"1>", nested);
	assert_int_equal(EBADMSG, sipreferto_decode(&inner, nested, err,
						    sizeof(err)));
	assert_non_null(strstr(err, "stray"));
	mem_deref(outer);

	/* the same with that '1' dropped decodes two levels deep, to what
	 * the device's REFER (3) carries */
	fixed = "<sip:bob@example.com;gr=urn:uuid:ytav223h67gb3;method=REFER"
		"?Refer-To=\"<sip:correspondent@example.com;gr=urn:uuid:"
		"bbb6981;audio;video?Replaces=%221@device15.example.com;"
		"to-tag=aaa;from-tag=bbb%22>\">";
	outer = decode(fixed);
	nested = sipreferto_header(outer, "refer-to");
	assert_int_equal(0, sipreferto_decode(&inner, nested, NULL, 0));
	assert_pl("sip:correspondent@example.com;gr=urn:uuid:bbb6981;"
		  "audio;video", &inner->target);
	assert_non_null(sipreferto_uparam(inner, "audio"));
	assert_non_null(sipreferto_uparam(inner, "video"));
	assert_int_equal(0, sipreferto_replaces(inner, &r, NULL, 0));
	assert_pl("1@device15.example.com", &r.callid);
	assert_pl("aaa", &r.to_tag);
	assert_pl("bbb", &r.from_tag);
	mem_deref(inner);
	mem_deref(outer);

	/* message (3) itself, joined */
	inner = decode("<sip:correspondent@example.com;gr=urn:uuid:bbb6981;"
		       "audio;video?Replaces=\"1@device15.example.com;"
		       "to-tag=aaa;from-tag=bbb\">");
	assert_int_equal(0, sipreferto_replaces(inner, &r, NULL, 0));
	assert_pl("1@device15.example.com", &r.callid);
	mem_deref(inner);
}

static void nested_refer_is_built_and_read_back(void **state)
{
	struct sipreplaces rep = {
		.callid = PL("abc@host"),
		.to_tag = PL("1"),
		.from_tag = PL("2"),
	};
	struct sipreferto in = {.base = PL("sip:cn@h")};
	struct sipreferto out = {.base = PL("sip:mn@host")};
	struct sipreferto *rt1, *rt2;
	struct sipreplaces r;
	char *rtext = NULL, *itext, *otext;
	struct pl pl;
	(void)state;

	/* what the device must put in its REFER to us ... */
	assert_int_equal(0, re_sdprintf(&rtext, "%H", replaces_h, &rep));
	in.uparamv[0].name = (struct pl)PL("audio");
	in.uparamv[1].name = (struct pl)PL("video");
	in.uparamc = 2;
	pl_set_str(&pl, rtext);
	in.hdrv[0] = (struct sipparam){PL("Replaces"), pl};
	in.hdrv[1] = (struct sipparam){PL("Require"), PL("replaces")};
	in.hdrc = 2;
	itext = print(&in);
	assert_string_equal("<sip:cn@h;audio;video?Replaces=abc%40host%3B"
			    "to-tag%3D1%3Bfrom-tag%3D2&Require=replaces>",
			    itext);

	/* ... inside our REFER to the device (RFC 5631 Figure 5, (1)) */
	out.uparamv[0] = (struct sipparam){PL("method"), PL("REFER")};
	out.uparamc = 1;
	pl_set_str(&pl, itext);
	out.hdrv[0] = (struct sipparam){PL("Refer-To"), pl};
	out.hdrc = 1;
	otext = print(&out);
	assert_string_equal("<sip:mn@host;method=REFER?Refer-To=%3Csip:cn"
			    "%40h%3Baudio%3Bvideo?Replaces%3Dabc%2540host%253B"
			    "to-tag%253D1%253Bfrom-tag%253D2%26Require%3D"
			    "replaces%3E>", otext);

	/* two levels down again */
	rt1 = decode(otext);
	assert_pl(itext, sipreferto_header(rt1, "Refer-To"));
	assert_int_equal(0, sipreferto_decode(&rt2, sipreferto_header(
						rt1, "Refer-To"), NULL, 0));
	assert_pl("sip:cn@h;audio;video", &rt2->target);
	assert_pl("replaces", sipreferto_header(rt2, "Require"));
	assert_int_equal(0, sipreferto_replaces(rt2, &r, NULL, 0));
	assert_pl("abc@host", &r.callid);
	assert_pl("1", &r.to_tag);
	assert_pl("2", &r.from_tag);

	mem_deref(rt2);
	mem_deref(rt1);
	mem_deref(otext);
	mem_deref(itext);
	mem_deref(rtext);
}

static void fully_escaped_nested_target_decodes(void **state)
{
	struct sipreferto *rt1, *rt2;
	struct sipreplaces r;
	(void)state;

	/* every reserved byte escaped, ':' and '?' too */
	rt1 = decode("<sip:mn@host;method=REFER?Refer-To=%3Csip%3Acn%40h%3F"
		     "Replaces%3Dabc%2540host%253Bto-tag%253D1%253Bfrom-tag"
		     "%253D2%3E>");
	assert_int_equal(0, sipreferto_decode(&rt2, sipreferto_header(
						rt1, "Refer-To"), NULL, 0));
	assert_int_equal(0, sipreferto_replaces(rt2, &r, NULL, 0));
	assert_pl("abc@host", &r.callid);
	assert_pl("2", &r.from_tag);
	mem_deref(rt2);
	mem_deref(rt1);
}

static void display_names_and_header_params(void **state)
{
	struct sipreferto *rt;
	char *s;
	(void)state;

	rt = decode("\"Bob \\\"B\\\" Smith\" <sip:bob@host:5070;transport=tcp>"
		    " ; x = 1 ;y");
	assert_pl("Bob \\\"B\\\" Smith", &rt->dname);
	assert_pl("sip:bob@host:5070", &rt->base);
	assert_int_equal(2, rt->paramc);
	assert_pl("x", &rt->paramv[0].name);
	assert_pl("1", &rt->paramv[0].val);
	s = print(rt);
	assert_string_equal("\"Bob \\\"B\\\" Smith\" <sip:bob@host:5070;"
			    "transport=tcp>;x=1;y", s);
	mem_deref(s);
	mem_deref(rt);

	rt = decode("Bob  Smith <sips:bob@[2001:db8::1]>");
	assert_pl("Bob  Smith", &rt->dname);
	assert_pl("sips:bob@[2001:db8::1]", &rt->base);
	s = print(rt);
	assert_string_equal("\"Bob Smith\" <sips:bob@[2001:db8::1]>", s);
	mem_deref(s);
	mem_deref(rt);

	/* addr-spec: what follows ';' belongs to the header */
	rt = decode("sip:alice@atlanta.example.com;x=1");
	assert_int_equal(0, rt->uparamc);
	assert_int_equal(1, rt->paramc);
	s = print(rt);
	assert_string_equal("<sip:alice@atlanta.example.com>;x=1", s);
	mem_deref(s);
	mem_deref(rt);
}

static void malformed_values_are_refused(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"", "empty value"},
		{"<>", "empty URI"},
		{"<sip:a@b", "no '>'"},
		{"\"Bob <sip:a@b>", "unterminated"},
		{"\"Bob\" sip:a@b", "not followed by '<'"},
		{"sip:a@b?x=1", "angle brackets"},
		{"<sip:a@b>junk", "unexpected text"},
		{"<sip:a@b>;", "parameter name"},
		{"<sip:a@b>;x;X", "given twice"},
		{"<sip:@b>", "user part"},
		{"<sip:a@>", "host or port"},
		{"<sip:a@b:99999>", "host or port"},
		{"<sip:a@b:>", "host or port"},
		{"<sip:a b@c>", "white space"},
		{"<sip:a@b;>", "without a URI parameter"},
		{"<sip:a@b;;x>", "malformed URI parameter"},
		{"<sip:a@b;x;X>", "URI parameter given twice"},
		{"<sip:a@b;x=>", "malformed URI parameter"},
		{"<sip:a@b?>", "without URI headers"},
		{"<sip:a@b?=1>", "header name"},
		{"<sip:a@b?a=1&&b=2>", "empty URI header"},
		{"<sip:a@b?x=%4>", "%-escape"},
		{"<sip:a@b?x=%00>", "%-escape"},
		{"<sip:a@b?x=%0D%0AVia:%20evil>", "control byte"},
		{"<sip:a@b?x%20y=1>", "not a token"},
		{"<sip:a@b?x=\"1>", "unterminated '\"'"},
		{"<sip:a@b?x=1\"2\">", "stray"},
		{"<:a@b>", "scheme"},
		{"<1sip:a@b>", "scheme"},
		{"<sip:>", "nothing after"},
		{"<http://x/\"y\">", "unexpected byte"},
		{"<sip:a@b\x01>", "control"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sipreferto *rt;
		char err[128] = "";

		assert_int_equal(EBADMSG, decode_n(&rt, bad[i].in,
						   strlen(bad[i].in), err,
						   sizeof(err)));
		if (!strstr(err, bad[i].why))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in, err,
				 bad[i].why);
		assert_null(rt);
	}
}

static void bounds_are_refused_not_cut(void **state)
{
	char in[SIPHDR_MAXLEN + 2];
	struct sipreferto *rt;
	struct sipreplaces r;
	(void)state;

	strcpy(in, "<sip:a@b?");
	for (int i = 0; i < SIPHDR_MAXURIHDRS; i++)
		re_snprintf(in + strlen(in), 32, "%sh%d=%d", i ? "&" : "", i,
			    i);
	strcat(in, ">");
	rt = decode(in);
	assert_int_equal(SIPHDR_MAXURIHDRS, rt->hdrc);
	mem_deref(rt);
	in[strlen(in) - 1] = '\0';
	strcat(in, "&one=more>");
	assert_int_equal(EBADMSG, decode_n(&rt, in, strlen(in), NULL, 0));

	memset(in, 'a', sizeof(in));
	assert_int_equal(EBADMSG, decode_n(&rt, in, SIPHDR_MAXLEN + 1, NULL,
					   0));

	rt = decode("<sip:a@b?Replaces=x;to-tag=1;from-tag=2&"
		    "replaces=y;to-tag=1;from-tag=2>");
	assert_int_equal(EBADMSG, sipreferto_replaces(rt, &r, NULL, 0));
	mem_deref(rt);
}

static void a_value_cut_anywhere_is_an_error(void **state)
{
	static const char *in[] = {
		"<sip:corresp@example.com;gr=urn:uuid:bbb6981;audio;video"
		"?Replaces=\"1@mn.example.com;to-tag=bbb;from-tag=aaa\">",
		"\"A \\\"b\\\"\" <sip:mn@host;method=REFER?Refer-To=%3Csip:cn"
		"%40h%3E&Require=replaces>",
		"<sip:a@[::1]:5060>",
	};
	(void)state;

	/* each ends with '>': a cut never leaves a whole address */
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (size_t n = 0; n < strlen(in[i]); n++) {
			struct sipreferto *rt;

			assert_int_equal(EBADMSG, decode_n(&rt, in[i], n, NULL,
							   0));
			assert_null(rt);
		}
	}

	/* an addr-spec with params may be cut into a valid shorter one */
	for (size_t n = 0; n <= 40; n++) {
		const char *s = "sip:alice@atlanta.example.com;a=1;b=\"x\"";
		struct sipreferto *rt;

		if (n <= strlen(s) && !decode_n(&rt, s, n, NULL, 0)) {
			mem_deref(print(rt));
			mem_deref(rt);
		}
	}
}

static void printer_refuses_what_would_not_read_back(void **state)
{
	struct sipreferto rt = {.base = PL("sip:cn@host")};
	char *s = NULL;
	(void)state;

	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &rt));
	assert_string_equal("<sip:cn@host>", s);
	s = mem_deref(s);

	/* URI parameters go in uparamv, not in base */
	rt.base = (struct pl)PL("sip:cn@host;audio");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.base = (struct pl)PL("cn@host");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.base = (struct pl)PL("sip:cn@host");

	rt.uparamv[0].name = (struct pl)PL("a b");
	rt.uparamc = 1;
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.uparamv[0].name = (struct pl)PL("audio");
	rt.uparamv[1].name = (struct pl)PL("AUDIO");
	rt.uparamc = 2;
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.uparamc = 1;

	rt.hdrv[0] = (struct sipparam){PL("Re placed"), PL("x")};
	rt.hdrc = 1;
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.hdrv[0] = (struct sipparam){PL("X"), PL("a\r\nVia: evil")};
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.hdrv[0] = (struct sipparam){PL("X"), PL("a&b=c <d>")};
	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &rt));
	assert_string_equal("<sip:cn@host;audio?X=a%26b%3Dc%20%3Cd%3E>", s);
	s = mem_deref(s);

	rt.dname = (struct pl)PL("say \"hi\"");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
	rt.dname = (struct pl)PL("say \\\"hi\\\"");
	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &rt));
	s = mem_deref(s);

	rt.base = (struct pl)PL("http://www.ietf.org");
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &rt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3515_examples),
		cmocka_unit_test(rfc3515_accept_contact_lacks_an_equals),
		cmocka_unit_test(rfc5631_figure4_transfer),
		cmocka_unit_test(rfc5631_folded_text_is_not_a_uri),
		cmocka_unit_test(rfc5631_figure5_nested_refer),
		cmocka_unit_test(nested_refer_is_built_and_read_back),
		cmocka_unit_test(fully_escaped_nested_target_decodes),
		cmocka_unit_test(display_names_and_header_params),
		cmocka_unit_test(malformed_values_are_refused),
		cmocka_unit_test(bounds_are_refused_not_cut),
		cmocka_unit_test(a_value_cut_anywhere_is_an_error),
		cmocka_unit_test(printer_refuses_what_would_not_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
