/*
 * PIDF-LO civic locations (RFC 4119, RFC 5139): the RFCs' examples (RFC
 * 4119's with its space-prefixed namespace name), the RFC 5491 forms
 * (location under a person or a device), white space collapsed, the
 * writer's round trip, and malformed or unfit documents refused with a
 * sentence while the location given in stays as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/pidf_lo.h>

/* RFC 4119 §2.2.1's civic example, verbatim but for the layout */
static const char rfc4119_civic[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\n"
	"   xmlns:gp=\"urn:ietf:params:xml:ns:pidf:geopriv10\"\n"
	"   xmlns:cl=\" urn:ietf:params:xml:ns:pidf:geopriv10:civicLoc\"\n"
	"   entity=\"pres:geotarget@example.com\">\n"
	" <tuple id=\"sg89ae\">\n"
	"  <status>\n"
	"   <gp:geopriv>\n"
	"     <gp:location-info>\n"
	"       <cl:civicAddress>\n"
	"         <cl:country>US</cl:country>\n"
	"         <cl:A1>New York</cl:A1>\n"
	"         <cl:A3>New York</cl:A3>\n"
	"         <cl:A6>Broadway</cl:A6>\n"
	"         <cl:HNO>123</cl:HNO>\n"
	"         <cl:LOC>Suite 75</cl:LOC>\n"
	"         <cl:PC>10027-0401</cl:PC>\n"
	"       </cl:civicAddress>\n"
	"     </gp:location-info>\n"
	"     <gp:usage-rules>\n"
	"       <gp:retransmission-allowed>yes</gp:retransmission-allowed>\n"
	"       <gp:retention-expiry>2003-06-23T04:57:29Z"
	"</gp:retention-expiry>\n"
	"     </gp:usage-rules>\n"
	"   </gp:geopriv>\n"
	"  </status>\n"
	"  <timestamp>2003-06-22T20:57:29Z</timestamp>\n"
	" </tuple>\n"
	"</presence>\n";

/* RFC 5139 §4's civicAddress (xs:token values with stray white space),
 * in a PIDF-LO as RFC 5491 §3.4 puts it: under a dm:device */
static const char rfc5139_civic[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"\n"
	"    xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\"\n"
	"    xmlns:gp=\"urn:ietf:params:xml:ns:pidf:geopriv10\"\n"
	"    xmlns:gml=\"http://www.opengis.net/gml\"\n"
	"    entity=\"pres:mike@seattle.example.com\">\n"
	"  <dm:device id=\"mikepc\">\n"
	"    <gp:geopriv>\n"
	"      <gp:location-info>\n"
	"  <civicAddress xml:lang=\"en-AU\"\n"
	"         xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">\n"
	"    <country>AU</country>\n"
	"    <A1>NSW</A1>\n"
	"    <A3>     Wollongong\n"
	"    </A3><A4>North Wollongong\n"
	"    </A4>\n"
	"    <RD>Flinders</RD><STS>Street</STS>\n"
	"    <RDBR>Campbell Street</RDBR>\n"
	"    <LMK>\n"
	"      Gilligan's Island\n"
	"    </LMK> <LOC>Corner</LOC>\n"
	"    <NAM> Video Rental Store </NAM>\n"
	"    <PC>2500</PC>\n"
	"    <ROOM> Westerns and Classics </ROOM>\n"
	"    <PLC>store</PLC>\n"
	"    <POBOX>Private Box 15</POBOX>\n"
	"  </civicAddress>\n"
	"      </gp:location-info>\n"
	"      <gp:usage-rules/>\n"
	"      <gp:method>GPS</gp:method>\n"
	"    </gp:geopriv>\n"
	"    <dm:deviceID>mac:8asd7d7d70</dm:deviceID>\n"
	"    <dm:timestamp>2003-06-22T20:57:29Z</dm:timestamp>\n"
	"  </dm:device>\n"
	"</presence>\n";

#define HEAD "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"" \
	" xmlns:gp=\"urn:ietf:params:xml:ns:pidf:geopriv10\"" \
	" xmlns:ca=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\"" \
	" entity=\"pres:u@example.com\"><tuple id=\"t\"><status><gp:geopriv>"
#define TAIL "</gp:geopriv></status></tuple></presence>"
#define CIVIC(x) HEAD "<gp:location-info><ca:civicAddress>" x \
	"</ca:civicAddress></gp:location-info>" TAIL

static void decode_ok(struct pidf_lo *lo, const char *s)
{
	char why[160] = "";

	if (pidf_lo_decode(lo, s, strlen(s), why, sizeof(why)))
		fail_msg("refused: %s", why);
}

/* s is refused, why names the problem, and lo is left as it was */
static void refused(const char *s, size_t n, const char *want)
{
	struct pidf_lo lo, before;
	char why[160] = "";

	memset(&lo, 0, sizeof(lo));
	str_ncpy(lo.v[PIDF_ROOM], "122", sizeof(lo.v[0]));
	before = lo;
	assert_int_equal(EBADMSG, pidf_lo_decode(&lo, s, n, why,
						 sizeof(why)));
	assert_memory_equal(&before, &lo, sizeof(lo));
	if (want && !strstr(why, want))
		fail_msg("\"%s\" lacks \"%s\"", why, want);
	assert_true(why[0] != '\0');
}

static void rfc4119_example(void **state)
{
	struct pidf_lo lo;
	(void)state;

	decode_ok(&lo, rfc4119_civic);
	assert_string_equal("pres:geotarget@example.com", lo.entity);
	assert_string_equal("US", lo.v[PIDF_COUNTRY]);
	assert_string_equal("New York", lo.v[PIDF_A1]);
	assert_string_equal("New York", lo.v[PIDF_A3]);
	assert_string_equal("Broadway", lo.v[PIDF_A6]);
	assert_string_equal("Broadway", pidf_lo_street(&lo));
	assert_string_equal("123", lo.v[PIDF_HNO]);
	assert_string_equal("Suite 75", lo.v[PIDF_LOC]);
	assert_string_equal("10027-0401", lo.v[PIDF_PC]);
	assert_string_equal("", lo.v[PIDF_ROOM]);
	assert_string_equal("", lo.method);
}

static void rfc5139_example(void **state)
{
	struct pidf_lo lo;
	(void)state;

	decode_ok(&lo, rfc5139_civic);
	assert_string_equal("pres:mike@seattle.example.com", lo.entity);
	assert_string_equal("AU", lo.v[PIDF_COUNTRY]);
	assert_string_equal("NSW", lo.v[PIDF_A1]);
	assert_string_equal("Wollongong", lo.v[PIDF_A3]);
	assert_string_equal("North Wollongong", lo.v[PIDF_A4]);
	assert_string_equal("Flinders", lo.v[PIDF_RD]);
	assert_string_equal("Flinders", pidf_lo_street(&lo));
	assert_string_equal("Street", lo.v[PIDF_STS]);
	assert_string_equal("Campbell Street", lo.v[PIDF_RDBR]);
	assert_string_equal("Gilligan's Island", lo.v[PIDF_LMK]);
	assert_string_equal("Video Rental Store", lo.v[PIDF_NAM]);
	assert_string_equal("Westerns and Classics", lo.v[PIDF_ROOM]);
	assert_string_equal("store", lo.v[PIDF_PLC]);
	assert_string_equal("Private Box 15", lo.v[PIDF_POBOX]);
	assert_string_equal("GPS", lo.method);
}

/* Only the first civicAddress counts; a second location-info is skipped,
 * a repeated type keeps its first value, unknown types and other
 * namespaces are skipped, references and CDATA are text. */
static void first_location_and_skipped_parts(void **state)
{
	struct pidf_lo lo;
	(void)state;

	decode_ok(&lo, HEAD
		  "<gp:location-info><ca:civicAddress>"
		  "<ca:BLD>North &amp; South</ca:BLD><ca:FLR>1</ca:FLR>"
		  "<ca:ROOM><![CDATA[1<22]]></ca:ROOM><ca:ROOM>9</ca:ROOM>"
		  "<ca:XYZ>skip</ca:XYZ><x:ROOM xmlns:x=\"urn:other\">no"
		  "</x:ROOM></ca:civicAddress>"
		  "<ca:civicAddress><ca:ROOM>second</ca:ROOM>"
		  "</ca:civicAddress></gp:location-info>"
		  "<gp:location-info><ca:civicAddress><ca:FLR>7</ca:FLR>"
		  "</ca:civicAddress></gp:location-info>" TAIL);
	assert_string_equal("North & South", lo.v[PIDF_BLD]);
	assert_string_equal("1", lo.v[PIDF_FLR]);
	assert_string_equal("1<22", lo.v[PIDF_ROOM]);
}

static int print_h(struct re_printf *pf, void *arg)
{
	return pidf_lo_print(pf, arg);
}

static void writer_reads_back(void **state)
{
	struct pidf_lo lo, back;
	char *s = NULL;
	(void)state;

	memset(&lo, 0, sizeof(lo));
	str_ncpy(lo.entity, "sip:alice@127.0.0.1", sizeof(lo.entity));
	str_ncpy(lo.v[PIDF_COUNTRY], "DE", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_A1], "Bayern", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_A3], "M\xc3\xbcnchen", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_RD], "Arcisstra\xc3\x9f" "e", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_HNO], "21", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_BLD], "<Main> & \"Annex\"", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_FLR], "1", sizeof(lo.v[0]));
	str_ncpy(lo.v[PIDF_ROOM], "122", sizeof(lo.v[0]));
	str_ncpy(lo.method, "Manual", sizeof(lo.method));
	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &lo));
	decode_ok(&back, s);
	assert_memory_equal(&lo, &back, sizeof(lo));
	assert_non_null(strstr(s, "<ca:ROOM>122</ca:ROOM>"));
	mem_deref(s);

	lo.entity[0] = '\0';   /* PIDF requires an entity */
	assert_int_equal(EINVAL, re_sdprintf(&s, "%H", print_h, &lo));
	mem_deref(s);

	assert_true(pidf_lo_value_valid("Room 122"));
	assert_false(pidf_lo_value_valid(""));
	assert_false(pidf_lo_value_valid(" 122"));
	assert_false(pidf_lo_value_valid("1  22"));
	assert_false(pidf_lo_value_valid("1\t22"));
	assert_false(pidf_lo_value_valid("\xff"));
	assert_int_equal(PIDF_ROOM, pidf_civic_field("ROOM"));
	assert_int_equal(-1, pidf_civic_field("room"));
	assert_string_equal("HNO", pidf_civic_name(PIDF_HNO));
}

/* The entity's limit is on the URI, not on its escaping: one that must
 * be written with many references (found by fuzz_sip_pidf_lo) reads
 * back */
static void an_escaped_entity_reads_back(void **state)
{
	struct pidf_lo lo, back;
	char *s = NULL;
	(void)state;

	memset(&lo, 0, sizeof(lo));
	memset(lo.entity, '"', sizeof(lo.entity) - 1);   /* &quot; each */
	memcpy(lo.entity, "sip:", 4);
	str_ncpy(lo.v[PIDF_ROOM], "1<2&", sizeof(lo.v[0]));
	assert_int_equal(0, re_sdprintf(&s, "%H", print_h, &lo));
	assert_true(strlen(s) > 6 * (sizeof(lo.entity) - 5));
	decode_ok(&back, s);
	assert_memory_equal(&lo, &back, sizeof(lo));
	mem_deref(s);
}

static void refusals(void **state)
{
	char big[700];
	char doc[1200];
	(void)state;

#define R(s, why) refused(s, strlen(s), why)
	R("", "no root");
	R("<presence", NULL);
	R("not xml at all", "text before the root");
	/* not PIDF */
	R("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\"/>",
	  "not <presence>");
	R("<presence entity=\"pres:u@x\"/>", "not <presence>");
	R("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>",
	  "without entity");
	/* PIDF without a location, or with a geodetic one only */
	R("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"p:u@x\">"
	  "<tuple id=\"a\"><status><basic>open</basic></status></tuple>"
	  "</presence>", "no civic address");
	R(HEAD "<gp:location-info><gml:Point xmlns:gml=\"http://www.opengis"
	  ".net/gml\"><gml:pos>1 2</gml:pos></gml:Point></gp:location-info>"
	  TAIL, "no civic address");
	/* civicAddress outside location-info */
	R(HEAD "<ca:civicAddress><ca:ROOM>1</ca:ROOM></ca:civicAddress>" TAIL,
	  "no civic address");
	/* XML errors */
	R(CIVIC("<ca:ROOM>122</ca:FLR>"), "line 1");
	R(CIVIC("<ca:ROOM>1&bogus;</ca:ROOM>"), NULL);
	R(CIVIC("<x:ROOM>1</x:ROOM>"), NULL);   /* unbound prefix */
	R("<!DOCTYPE p [<!ENTITY a \"b\">]>" CIVIC(""), NULL);
	R(CIVIC("<ca:ROOM><ca:FLR>1</ca:FLR></ca:ROOM>"),
	  "an element inside <ROOM>");
	/* a value past the bound */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	re_snprintf(doc, sizeof(doc), CIVIC("<ca:ROOM>%s</ca:ROOM>"), big);
	R(doc, "<ROOM> is too long");
	re_snprintf(doc, sizeof(doc), CIVIC("<ca:ROOM>%b</ca:ROOM>"), big,
		    (size_t)PIDF_LO_VALUE);
	R(doc, "<ROOM> is too long");
	/* a NUL and control characters are no XML */
	refused(CIVIC("<ca:ROOM>1\0002</ca:ROOM>"),
		sizeof(CIVIC("<ca:ROOM>1\0002</ca:ROOM>")) - 1, NULL);
	R(CIVIC("<ca:ROOM>1\x01</ca:ROOM>"), NULL);
#undef R
}

static void a_document_cut_anywhere_is_refused(void **state)
{
	size_t len = strlen(rfc5139_civic);
	(void)state;

	/* up to the root's end tag: every prefix is unfinished */
	for (size_t n = 0; n + 1 < len; n++)
		refused(rfc5139_civic, n, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4119_example),
		cmocka_unit_test(rfc5139_example),
		cmocka_unit_test(first_location_and_skipped_parts),
		cmocka_unit_test(writer_reads_back),
		cmocka_unit_test(an_escaped_entity_reads_back),
		cmocka_unit_test(refusals),
		cmocka_unit_test(a_document_cut_anywhere_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
