/*
 * application/dialog-info+xml (RFC 4235 §4): the RFC's bodies, namespaces
 * and extensions we skip, the writer and its round trip, malformed XML and
 * missing parts refused with the line named, and bodies cut anywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/dialog_info.h>

static int decode_n(struct dlginfo **di, const char *s, size_t n, char *err,
		    size_t errsz)
{
	*di = NULL;
	return dlginfo_decode(di, (const uint8_t *)s, n, err, errsz);
}

static struct dlginfo *decode(const char *s)
{
	struct dlginfo *di;
	char err[160] = "";

	if (decode_n(&di, s, strlen(s), err, sizeof(err)))
		fail_msg("%s", err);
	return di;
}

/* The error for s, which must be refused */
static void refused(const char *s, const char *why)
{
	struct dlginfo *di;
	char err[160] = "";

	assert_int_equal(EBADMSG, decode_n(&di, s, strlen(s), err,
					   sizeof(err)));
	assert_null(di);
	if (!strstr(err, why))
		fail_msg("\"%s\" lacks \"%s\"", err, why);
}

static int print_h(struct re_printf *pf, void *arg)
{
	return dlginfo_print(pf, arg);
}

static void assert_str(const char *want, const char *have)
{
	if (!want)
		assert_null(have);
	else {
		assert_non_null(have);
		assert_string_equal(want, have);
	}
}

static const char rfc4235_sample[] =
	"<?xml version=\"1.0\"?>\n"
	"<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\"\n"
	"             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	"             xsi:schemaLocation="
	"\"urn:ietf:params:xml:ns:dialog-info\"\n"
	"             version=\"1\" state=\"full\">\n"
	"  <dialog id=\"123456\">\n"
	"    <state>confirmed</state>\n"
	"    <duration>274</duration>\n"
	"    <local>\n"
	"      <identity display=\"Alice\">sip:alice@example.com</identity>\n"
	"      <target uri=\"sip:alice@pc33.example.com\">\n"
	"        <param pname=\"+sip.rendering\" pval=\"yes\"/>\n"
	"      </target>\n"
	"    </local>\n"
	"    <remote>\n"
	"      <identity display=\"Bob\">sip:bob@example.org</identity>\n"
	"      <target uri=\"sip:bobster@phone21.example.org\"/>\n"
	"    </remote>\n"
	"  </dialog>\n"
	"</dialog-info>";

static void rfc4235_sample_body(void **state)
{
	struct dlginfo *di = decode(rfc4235_sample);
	const struct dlginfo_dialog *d;
	(void)state;

	assert_int_equal(1, di->version);
	assert_false(di->partial);
	assert_null(di->entity);   /* the RFC's sample has none */
	assert_int_equal(1, di->dialogc);
	d = &di->dialogv[0];
	assert_str("123456", d->id);
	assert_null(d->call_id);
	assert_null(d->local_tag);
	assert_null(d->remote_tag);
	assert_int_equal(DLGINFO_DIR_NONE, d->direction);
	assert_int_equal(DLGINFO_CONFIRMED, d->state);
	assert_null(d->event);
	assert_int_equal(0, d->code);
	assert_str("sip:alice@example.com", d->local.identity);
	assert_str("Alice", d->local.display);
	assert_str("sip:alice@pc33.example.com", d->local.target);
	assert_str("sip:bob@example.org", d->remote.identity);
	assert_str("Bob", d->remote.display);
	assert_str("sip:bobster@phone21.example.org", d->remote.target);
	mem_deref(di);
}

static void dialog_identifiers_direction_and_termination(void **state)
{
	struct dlginfo *di;
	const struct dlginfo_dialog *d;
	(void)state;

	di = decode("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<dialog-info "
		    "xmlns=\"urn:ietf:params:xml:ns:dialog-info\"\n"
		    "  version=\"0\" state=\"partial\"\n"
		    "  entity=\"sip:alice@example.com\">\n"
		    "  <dialog id=\"as7d900as8\" call-id=\"a84b4c76e66710\"\n"
		    "    local-tag=\"1928301774\" direction=\"initiator\">\n"
		    "    <state>trying</state>\n"
		    "  </dialog>\n"
		    "  <dialog id=\"x\" call-id=\"1@device15.example.com\"\n"
		    "    local-tag=\"aaa\" remote-tag=\"bbb\" "
		    "direction=\"recipient\">\n"
		    "    <state event=\"rejected\" code=\"486\">\n"
		    "      terminated\n"
		    "    </state>\n"
		    "  </dialog>\n"
		    "</dialog-info>\n");
	assert_int_equal(0, di->version);
	assert_true(di->partial);
	assert_str("sip:alice@example.com", di->entity);
	assert_int_equal(2, di->dialogc);
	d = &di->dialogv[0];
	assert_str("a84b4c76e66710", d->call_id);
	assert_str("1928301774", d->local_tag);
	assert_null(d->remote_tag);
	assert_int_equal(DLGINFO_INITIATOR, d->direction);
	assert_int_equal(DLGINFO_TRYING, d->state);
	d = &di->dialogv[1];
	assert_str("bbb", d->remote_tag);
	assert_int_equal(DLGINFO_RECIPIENT, d->direction);
	assert_int_equal(DLGINFO_TERMINATED, d->state);
	assert_str("rejected", d->event);
	assert_int_equal(486, d->code);
	mem_deref(di);

	di = decode("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\""
		    " version=\"0\" state=\"full\" entity=\"sip:a@b\"/>");
	assert_int_equal(0, di->dialogc);
	mem_deref(di);
}

static void namespaces_and_extensions(void **state)
{
	struct dlginfo *di;
	(void)state;

	/* a prefix instead of the default namespace */
	di = decode("<d:dialog-info xmlns:d=\"urn:ietf:params:xml:ns:dialog-"
		    "info\" version=\"5\" state=\"full\" entity=\"sip:a@b\">"
		    "<d:dialog id=\"1\"><d:state>early</d:state></d:dialog>"
		    "</d:dialog-info>");
	assert_int_equal(1, di->dialogc);
	assert_int_equal(DLGINFO_EARLY, di->dialogv[0].state);
	mem_deref(di);

	/* no namespace at all, as some phones send it */
	di = decode("<dialog-info version=\"2\" state=\"full\">"
		    "<dialog id=\"1\"><state>proceeding</state></dialog>"
		    "</dialog-info>");
	assert_int_equal(DLGINFO_PROCEEDING, di->dialogv[0].state);
	mem_deref(di);

	/* what another namespace adds is skipped with all it holds, and so
	 * are our own elements we do not use; references and CDATA are
	 * text; comments and processing instructions are nothing */
	di = decode("<?xml version='1.0'?><!-- a comment -->\n"
		    "<dialog-info xmlns='urn:ietf:params:xml:ns:dialog-info'"
		    " xmlns:sa='urn:ietf:params:xml:ns:sa-dialog-info'"
		    " version='7' state='full' entity='sip:a@b'>"
		    "<sa:dialog id='not-ours'><state>early</state></sa:dialog>"
		    "<x:wrap xmlns:x='urn:x'><dialog id='inside-x'>"
		    "<state>early</state></dialog></x:wrap>"
		    "<dialog id='d&amp;1' sa:appearance='2'>"
		    "<sa:exclusive>true</sa:exclusive>"
		    "<state><?pi here?>con<![CDATA[fir]]>m&#101;d</state>"
		    "<duration>12</duration><replaces call-id='z'/>"
		    "<local><identity display='A &lt;&quot;B&quot;&gt;'>"
		    "sip:a@b</identity><target uri='sip:a@h'>"
		    "<param pname='x' pval='y'/></target></local>"
		    "</dialog></dialog-info>");
	assert_int_equal(1, di->dialogc);
	assert_str("d&1", di->dialogv[0].id);
	assert_int_equal(DLGINFO_CONFIRMED, di->dialogv[0].state);
	assert_str("A <\"B\">", di->dialogv[0].local.display);
	assert_str("sip:a@b", di->dialogv[0].local.identity);
	assert_str("sip:a@h", di->dialogv[0].local.target);
	assert_null(di->dialogv[0].remote.identity);
	mem_deref(di);
}

static void writer_output_reads_back(void **state)
{
	struct dlginfo_dialog dv[2] = {
		{
			.id = "d1", .call_id = "1@mn.example.com",
			.local_tag = "aaa", .remote_tag = "bbb",
			.direction = DLGINFO_RECIPIENT,
			.state = DLGINFO_CONFIRMED,
			.local = {.identity = "sip:device15@example.com",
				  .target = "sip:device15@192.0.2.7:5060"},
			.remote = {.identity = "sip:corresp@example.com",
				   .display = "C & \"N\" <cn>\t1",
				   .target = "sip:cn@192.0.2.9"},
		},
		{
			.id = "d2", .state = DLGINFO_TERMINATED,
			.event = "replaced", .code = 487,
		},
	};
	struct dlginfo out = {
		.version = 42, .partial = true,
		.entity = "sip:device15@example.com",
		.dialogv = dv, .dialogc = 2,
	};
	struct dlginfo *di;
	struct mbuf *mb = NULL;
	char *text = NULL;
	(void)state;

	assert_int_equal(0, re_sdprintf(&text, "%H", print_h, &out));
	assert_string_equal(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" "
		"version=\"42\" state=\"partial\" "
		"entity=\"sip:device15@example.com\">\n"
		"  <dialog id=\"d1\" call-id=\"1@mn.example.com\" "
		"local-tag=\"aaa\" remote-tag=\"bbb\" "
		"direction=\"recipient\">\n"
		"    <state>confirmed</state>\n"
		"    <local>\n"
		"      <identity>sip:device15@example.com</identity>\n"
		"      <target uri=\"sip:device15@192.0.2.7:5060\"/>\n"
		"    </local>\n"
		"    <remote>\n"
		"      <identity "
		"display=\"C &amp; &quot;N&quot; &lt;cn&gt;&#9;1\">"
		"sip:corresp@example.com</identity>\n"
		"      <target uri=\"sip:cn@192.0.2.9\"/>\n"
		"    </remote>\n"
		"  </dialog>\n"
		"  <dialog id=\"d2\">\n"
		"    <state event=\"replaced\" code=\"487\">"
		"terminated</state>\n"
		"  </dialog>\n"
		"</dialog-info>\n", text);

	di = decode(text);
	assert_int_equal(42, di->version);
	assert_true(di->partial);
	assert_str(out.entity, di->entity);
	assert_int_equal(2, di->dialogc);
	for (size_t i = 0; i < 2; i++) {
		const struct dlginfo_dialog *a = &dv[i], *b = &di->dialogv[i];

		assert_str(a->id, b->id);
		assert_str(a->call_id, b->call_id);
		assert_str(a->local_tag, b->local_tag);
		assert_str(a->remote_tag, b->remote_tag);
		assert_int_equal(a->direction, b->direction);
		assert_int_equal(a->state, b->state);
		assert_str(a->event, b->event);
		assert_int_equal(a->code, b->code);
		assert_str(a->local.identity, b->local.identity);
		assert_str(a->local.display, b->local.display);
		assert_str(a->local.target, b->local.target);
		assert_str(a->remote.identity, b->remote.identity);
		assert_str(a->remote.display, b->remote.display);
		assert_str(a->remote.target, b->remote.target);
	}
	mem_deref(di);

	assert_int_equal(0, dlginfo_encode(&mb, &out));
	assert_int_equal(strlen(text), mbuf_get_left(mb));
	mem_deref(mb);
	mem_deref(text);
}

static void writer_refuses_invalid_documents(void **state)
{
	struct dlginfo_dialog d = {.id = "d1", .state = DLGINFO_EARLY};
	struct dlginfo out = {.entity = "sip:a@b", .dialogv = &d,
			      .dialogc = 1};
	char *text = NULL;
	(void)state;

	assert_int_equal(0, re_sdprintf(&text, "%H", print_h, &out));
	text = mem_deref(text);

	out.entity = NULL;
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	out.entity = "sip:a@b\x01";
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	out.entity = "sip:a@b";

	d.id = "";
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	d.id = "d1";
	d.state = (enum dlginfo_state)9;
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	d.state = DLGINFO_EARLY;
	d.code = 42;
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	d.code = 0;
	d.remote.identity = "caf\xc3";   /* cut UTF-8 */
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
	d.remote.identity = "caf\xc3\xa9";
	assert_int_equal(0, re_sdprintf(&text, "%H", print_h, &out));
	text = mem_deref(text);

	out.dialogc = DLGINFO_MAXDIALOGS + 1;
	assert_int_equal(EINVAL, re_sdprintf(&text, "%H", print_h, &out));
}

static void malformed_xml_is_refused_with_its_line(void **state)
{
	(void)state;

	refused("", "line 1: no root element");
	refused("   \n", "no root element");
	refused("hello", "text before the root element");
	refused("<dialog-info version=\"1\" state=\"full\">\n<dialog id=\"1\">"
		"\n<state>early</state>\n</dialog>\n",
		"<dialog-info> not closed");
	refused("<dialog-info version='1' state='full'>\n</dialog>",
		"line 2: end tag </dialog> does not match");
	refused("<!DOCTYPE x [<!ENTITY a \"b\">]><dialog-info/>", "DOCTYPE");
	refused("<dialog-info version='1' state='full'>&a;</dialog-info>",
		"malformed reference");
	refused("<dialog-info version='1' state='full'>&#0;</dialog-info>",
		"malformed reference");
	refused("<dialog-info version='1' version='2' state='full'/>",
		"attribute given twice");
	refused("<dialog-info version=1 state='full'/>", "not in quotes");
	refused("<dialog-info version='<' state='full'/>", "'<' in an "
		"attribute");
	refused("<dialog-info version='1'state='full'/>", "no space");
	refused("<?xml version='1.0' encoding='ISO-8859-1'?><dialog-info/>",
		"encoding other than UTF-8");
	refused("<dialog-info version='1' state='full'/><dialog-info/>",
		"content after the root");
	refused("<dialog-info version='1' state='full'/>x",
		"text after the root");
	refused("<d:dialog-info version='1' state='full'/>", "unbound prefix");
	refused("<dialog-info version='1' state='full'>\xff</dialog-info>",
		"not UTF-8");
	refused("<dialog-info version='1' state='full'>\x01</dialog-info>",
		"not UTF-8");
	refused("<dialog-info version='1' state='full'><!-- a -- b -->"
		"</dialog-info>", "'--' inside a comment");
	refused(" <?xml version='1.0'?><dialog-info/>", "XML declaration "
		"not at the start");
	refused("<dialog-info version='1' state='full'>]]></dialog-info>",
		"']]>' in text");
}

static void missing_or_wrong_parts_are_refused(void **state)
{
	(void)state;

	refused("<pidf/>", "root element is not <dialog-info>");
	refused("<dialog-info xmlns='urn:x' version='1' state='full'/>",
		"root element is not <dialog-info>");
	refused("<dialog-info state='full'/>", "without version");
	refused("<dialog-info version='-1' state='full'/>", "32-bit");
	refused("<dialog-info version='4294967296' state='full'/>", "32-bit");
	refused("<dialog-info version='1'/>", "without state");
	refused("<dialog-info version='1' state='some'/>", "neither full");
	refused("<dialog-info version='1' state='full'>\n"
		"<dialog><state>early</state></dialog></dialog-info>",
		"line 2: <dialog> without id");
	refused("<dialog-info version='1' state='full'>"
		"<dialog id='7'/></dialog-info>",
		"<dialog id=\"7\"> without <state>");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state>ringing</state></dialog></dialog-info>",
		"unknown dialog state 'ringing'");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state> </state></dialog></dialog-info>", "empty <state>");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state>early</state><state>early</state></dialog>"
		"</dialog-info>", "two <state>");
	refused("<dialog-info version='1' state='full'><dialog id='7' "
		"direction='up'><state>early</state></dialog></dialog-info>",
		"direction 'up'");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state code='999'>terminated</state></dialog></dialog-info>",
		"SIP status code");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state>early</state><local><target/></local></dialog>"
		"</dialog-info>", "<target> without uri");
	refused("<dialog-info version='1' state='full'><dialog id='7'>"
		"<state>early</state><remote/><remote/></dialog>"
		"</dialog-info>", "two <remote>");
}

static void bounds_are_refused_not_cut(void **state)
{
	struct mbuf *mb = mbuf_alloc(DLGINFO_MAXLEN + 64);
	struct dlginfo *di;
	char err[160];
	(void)state;

	/* as many dialogs as allowed, then one more */
	mbuf_printf(mb, "<dialog-info version='1' state='full'>");
	for (int i = 0; i < DLGINFO_MAXDIALOGS; i++)
		mbuf_printf(mb, "<dialog id='%d'><state>early</state>"
			    "</dialog>", i);
	mbuf_printf(mb, "</dialog-info>");
	assert_int_equal(0, dlginfo_decode(&di, mb->buf, mb->end, err,
					   sizeof(err)));
	assert_int_equal(DLGINFO_MAXDIALOGS, di->dialogc);
	di = mem_deref(di);
	mb->pos = mb->end = mb->end - strlen("</dialog-info>");
	mbuf_printf(mb, "<dialog id='x'><state>early</state></dialog>"
		    "</dialog-info>");
	assert_int_equal(EBADMSG, dlginfo_decode(&di, mb->buf, mb->end, err,
						 sizeof(err)));
	assert_non_null(strstr(err, "too many dialogs"));

	/* nesting: the root and DLGINFO_MAXDEPTH - 1 more, then one more */
	mbuf_rewind(mb);
	mbuf_printf(mb, "<dialog-info version='1' state='full'>");
	for (int i = 1; i < DLGINFO_MAXDEPTH; i++)
		mbuf_printf(mb, "<x>");
	for (int i = 1; i < DLGINFO_MAXDEPTH; i++)
		mbuf_printf(mb, "</x>");
	mbuf_printf(mb, "</dialog-info>");
	assert_int_equal(0, dlginfo_decode(&di, mb->buf, mb->end, err,
					   sizeof(err)));
	di = mem_deref(di);
	mbuf_rewind(mb);
	mbuf_printf(mb, "<dialog-info version='1' state='full'>");
	for (int i = 0; i < DLGINFO_MAXDEPTH; i++)
		mbuf_printf(mb, "<x>");
	assert_int_equal(EBADMSG, dlginfo_decode(&di, mb->buf, mb->end, err,
						 sizeof(err)));
	assert_non_null(strstr(err, "nested too deep"));

	/* length */
	mbuf_rewind(mb);
	mbuf_printf(mb, "<dialog-info version='1' state='full'>");
	while (mb->end <= DLGINFO_MAXLEN)
		mbuf_printf(mb, "<!-- padding -->");
	mbuf_printf(mb, "</dialog-info>");
	assert_int_equal(EBADMSG, dlginfo_decode(&di, mb->buf, mb->end, err,
						 sizeof(err)));
	assert_non_null(strstr(err, "longer than"));

	mem_deref(mb);
}

static void a_body_cut_anywhere_is_an_error(void **state)
{
	size_t len = strlen(rfc4235_sample);
	(void)state;

	/* the sample ends with its root's end tag: no prefix is whole */
	for (size_t n = 0; n < len; n++) {
		struct dlginfo *di;
		char err[160];

		assert_int_equal(EBADMSG, decode_n(&di, rfc4235_sample, n, err,
						   sizeof(err)));
		assert_null(di);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4235_sample_body),
		cmocka_unit_test(dialog_identifiers_direction_and_termination),
		cmocka_unit_test(namespaces_and_extensions),
		cmocka_unit_test(writer_output_reads_back),
		cmocka_unit_test(writer_refuses_invalid_documents),
		cmocka_unit_test(malformed_xml_is_refused_with_its_line),
		cmocka_unit_test(missing_or_wrong_parts_are_refused),
		cmocka_unit_test(bounds_are_refused_not_cut),
		cmocka_unit_test(a_body_cut_anywhere_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
