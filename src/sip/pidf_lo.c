/*
 * PIDF-LO (RFC 4119) civic locations (RFC 5139), read and written. The XML
 * is checked by xmlscan.c; here the reader only follows where it is:
 *
 *   presence (pidf, entity)
 *     ... gp:geopriv
 *           gp:location-info
 *             ca:civicAddress      the first one only
 *               ca:country, ca:A1, ... ca:ROOM   text
 *           gp:method              text
 *
 * geopriv may stand anywhere below the root (a tuple's status, an RFC 4479
 * person or device), so it is looked for at any depth. Everything else is
 * skipped with what it contains. RFC 4119's own example binds its civicLoc
 * namespace with a leading space; namespace names are compared without
 * surrounding white space so that document is read too.
 */
#include <string.h>
#include <re.h>
#include <sipmob/pidf_lo.h>
#include "xmlscan.h"

static const char pidf_ns[] = "urn:ietf:params:xml:ns:pidf";
static const char gp_ns[]   = "urn:ietf:params:xml:ns:pidf:geopriv10";
static const char ca_ns[]   =
	"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr";
static const char cl_ns[]   =
	"urn:ietf:params:xml:ns:pidf:geopriv10:civicLoc";

static const char *const names[PIDF_NFIELDS] = {
	"country", "A1", "A2", "A3", "A4", "A5", "A6", "PRD", "POD", "STS",
	"HNO", "HNS", "LMK", "LOC", "FLR", "NAM", "PC", "BLD", "UNIT",
	"ROOM", "SEAT", "PLC", "PCN", "POBOX", "ADDCODE", "RD", "RDSEC",
	"RDBR", "RDSUBBR", "PRM", "POM",
};

enum { TEXT_MAX = 4 * PIDF_LO_VALUE };   /* before white space collapses */

const char *pidf_civic_name(enum pidf_civic_field f)
{
	return (unsigned)f < PIDF_NFIELDS ? names[f] : NULL;
}

int pidf_civic_field(const char *name)
{
	for (int i = 0; name && i < PIDF_NFIELDS; i++) {
		if (!strcmp(names[i], name))
			return i;
	}
	return -1;
}

const char *pidf_lo_street(const struct pidf_lo *lo)
{
	return lo->v[PIDF_RD][0] ? lo->v[PIDF_RD] : lo->v[PIDF_A6];
}

static bool ns_is(const struct pl *ns, const char *name)
{
	struct pl t = *ns;

	while (t.l && strchr(" \t\r\n", t.p[0])) {
		t.p++;
		t.l--;
	}
	while (t.l && strchr(" \t\r\n", t.p[t.l - 1]))
		t.l--;
	return !pl_strcmp(&t, name);
}

struct reader {
	struct pidf_lo lo;
	struct xmlscan x;
	struct xml_ev ev;
	unsigned locinfo;      /* depth of the gp:location-info we are in */
	unsigned civic;        /* depth of the civicAddress we are in     */
	bool civic_done;       /* the first one was read                  */
	bool method_done;
	char *dst;             /* where the text being read goes          */
	unsigned text_depth;   /* ...the depth of its element             */
	const char *field;     /* ...its name, for errors                 */
	char text[TEXT_MAX];
	size_t textlen;
	char whybuf[128];
	const char *why;
	char ebuf[6 * PIDF_LO_ENTITY];   /* the entity, being decoded   */
};

static int fail(struct reader *r, const char *why)
{
	r->why = why;
	return EBADMSG;
}

static int failv(struct reader *r, const char *fmt, const char *s)
{
	re_snprintf(r->whybuf, sizeof(r->whybuf), fmt, s);
	return fail(r, r->whybuf);
}

/* xs:token: white space collapsed to single spaces, none at the ends */
static size_t collapse(char *s, size_t n)
{
	size_t o = 0;
	bool space = false;

	for (size_t i = 0; i < n; i++) {
		if (strchr(" \t\r\n", s[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			s[o++] = ' ';
		space = false;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

static int text_add(struct reader *r)
{
	size_t n;

	if (r->ev.text.l >= TEXT_MAX - r->textlen)
		return failv(r, "the value of <%s> is too long", r->field);
	if (r->ev.cdata) {
		memcpy(r->text + r->textlen, r->ev.text.p, r->ev.text.l);
		n = r->ev.text.l;
	}
	else if (xml_decode(r->text + r->textlen, &n, &r->ev.text, false))
		return failv(r, "a malformed reference in <%s>", r->field);
	r->textlen += n;
	return 0;
}

static int text_end(struct reader *r, size_t max)
{
	size_t n = collapse(r->text, r->textlen);

	if (n >= max)
		return failv(r, "the value of <%s> is too long", r->field);
	if (memchr(r->text, '\0', n))
		return failv(r, "a NUL in <%s>", r->field);
	memcpy(r->dst, r->text, n + 1);
	r->dst = NULL;
	return 0;
}

static int start_root(struct reader *r)
{
	const struct xml_attr *a;
	size_t n;

	if (!ns_is(&r->ev.ns, pidf_ns) || pl_strcmp(&r->ev.name, "presence"))
		return fail(r, "the root element is not <presence> of "
			    "urn:ietf:params:xml:ns:pidf");
	a = xml_ev_attr(&r->ev, "entity");
	if (!a)
		return fail(r, "<presence> without entity");
	/* the limit is on the URI, not on how it was escaped: decoded into
	 * room for the raw text (a reference never grows), then measured */
	if (a->val.l >= sizeof(r->ebuf))
		return fail(r, "<presence> entity is too long");
	if (xml_decode(r->ebuf, &n, &a->val, true))
		return fail(r, "a malformed reference in entity");
	if (n >= sizeof(r->lo.entity))
		return fail(r, "<presence> entity is too long");
	r->ebuf[n] = '\0';
	if (!n || strlen(r->ebuf) != n)
		return fail(r, "<presence> entity is empty or holds a NUL");
	memcpy(r->lo.entity, r->ebuf, n + 1);
	return 0;
}

static void begin_text(struct reader *r, char *dst, const char *field)
{
	r->dst = dst;
	r->field = field;
	r->text_depth = r->ev.depth;
	r->textlen = 0;
}

static int on_start(struct reader *r)
{
	const struct xml_ev *ev = &r->ev;
	unsigned d = ev->depth;

	if (d == 1)
		return start_root(r);
	if (r->dst)
		return failv(r, "an element inside <%s>", r->field);

	if (r->civic && d == r->civic + 1) {
		int f = -1;
		char name[16];

		if (ns_is(&ev->ns, ca_ns) || ns_is(&ev->ns, cl_ns)) {
			pl_strcpy(&ev->name, name, sizeof(name));
			if (ev->name.l < sizeof(name))
				f = pidf_civic_field(name);
		}
		if (f >= 0 && !r->lo.v[f][0])   /* the first of a type */
			begin_text(r, r->lo.v[f], names[f]);
		return 0;
	}
	if (r->civic)
		return 0;

	if (r->locinfo && d == r->locinfo + 1 && !r->civic_done &&
	    (ns_is(&ev->ns, ca_ns) || ns_is(&ev->ns, cl_ns)) &&
	    !pl_strcmp(&ev->name, "civicAddress")) {
		r->civic = d;
		return 0;
	}
	if (!ns_is(&ev->ns, gp_ns))
		return 0;
	if (!r->locinfo && !pl_strcmp(&ev->name, "location-info"))
		r->locinfo = d;
	else if (!r->method_done && !pl_strcmp(&ev->name, "method")) {
		r->method_done = true;
		begin_text(r, r->lo.method, "method");
	}
	return 0;
}

static int on_end(struct reader *r)
{
	unsigned d = r->ev.depth;
	int err = 0;

	if (r->dst && d == r->text_depth) {
		bool method = r->dst == r->lo.method;

		err = text_end(r, method ? sizeof(r->lo.method) :
			       PIDF_LO_VALUE);
	}
	if (d == r->civic) {
		r->civic = 0;
		r->civic_done = true;
	}
	if (d == r->locinfo)
		r->locinfo = 0;
	return err;
}

int pidf_lo_decode(struct pidf_lo *lo, const char *buf, size_t len,
		   char *why, size_t whysz)
{
	struct reader *r;
	int err = 0;

	if (!lo || !buf)
		return EINVAL;
	if (len > PIDF_LO_MAXLEN) {
		if (why && whysz)
			re_snprintf(why, whysz, "the document is longer than"
				    " %u bytes", (unsigned)PIDF_LO_MAXLEN);
		return EBADMSG;
	}
	r = mem_zalloc(sizeof(*r), NULL);   /* too big for a fuzzer's stack */
	if (!r)
		return ENOMEM;
	xmlscan_init(&r->x, buf, len);

	for (;;) {
		err = xmlscan_next(&r->x, &r->ev);
		if (err) {
			if (why && whysz)
				re_snprintf(why, whysz, "line %u: %s",
					    xmlscan_errline(&r->x), r->x.why);
			goto out;
		}
		if (r->ev.type == XML_DONE)
			break;
		if (r->ev.type == XML_START)
			err = on_start(r);
		else if (r->ev.type == XML_END)
			err = on_end(r);
		else if (r->dst)   /* no element inside: see on_start */
			err = text_add(r);
		if (err)
			break;
	}
	if (!err && !r->civic_done)
		err = fail(r, "no civic address (gp:location-info/"
			   "civicAddress)");
	if (err) {
		if (why && whysz)
			re_snprintf(why, whysz, "line %u: %s",
				    xmlscan_errline(&r->x), r->why);
		goto out;
	}
	*lo = r->lo;
 out:
	mem_deref(r);
	return err;
}

bool pidf_lo_value_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n >= PIDF_LO_VALUE || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 ||
		    (s[i] == ' ' && s[i + 1] == ' '))
			return false;
	}
	return xml_chars_valid(s, n);
}

static int esc_text(struct re_printf *pf, const char *s)
{
	return xml_escape(pf, s, false);
}

static int esc_attr(struct re_printf *pf, const char *s)
{
	return xml_escape(pf, s, true);
}

int pidf_lo_print(struct re_printf *pf, const struct pidf_lo *lo)
{
	int err;

	if (!pf || !lo || !lo->entity[0])
		return EINVAL;
	err = re_hprintf(pf,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<presence xmlns=\"%s\"\n"
		"  xmlns:gp=\"%s\"\n"
		"  xmlns:ca=\"%s\"\n"
		"  entity=\"%H\">\n"
		" <tuple id=\"loc\">\n"
		"  <status>\n"
		"   <gp:geopriv>\n"
		"    <gp:location-info>\n"
		"     <ca:civicAddress>\n",
		pidf_ns, gp_ns, ca_ns, esc_attr, lo->entity);
	for (int i = 0; i < PIDF_NFIELDS && !err; i++) {
		if (lo->v[i][0])
			err = re_hprintf(pf, "      <ca:%s>%H</ca:%s>\n",
					 names[i], esc_text, lo->v[i],
					 names[i]);
	}
	err |= re_hprintf(pf,
		"     </ca:civicAddress>\n"
		"    </gp:location-info>\n"
		"    <gp:usage-rules/>\n");
	if (lo->method[0])
		err |= re_hprintf(pf, "    <gp:method>%H</gp:method>\n",
				  esc_text, lo->method);
	err |= re_hprintf(pf,
		"   </gp:geopriv>\n"
		"  </status>\n"
		" </tuple>\n"
		"</presence>\n");
	return err;
}
