/*
 * A small pull scanner for the XML bodies SIP event packages carry
 * (dialog-info, later PIDF): well-formedness and namespaces, no DTD, no
 * entities beyond the five predefined ones and character references, UTF-8
 * only. It hands out one event at a time; the caller decides what the
 * elements mean. Bounded in depth, attributes per element and namespace
 * declarations in scope; a document past a bound is refused, never cut.
 */
#ifndef SIPMOB_SIP_XMLSCAN_H
#define SIPMOB_SIP_XMLSCAN_H

#include <re.h>

enum {
	XMLSCAN_MAXDEPTH = 16,
	XMLSCAN_MAXATTRS = 16,
	XMLSCAN_MAXNS    = 16,
};

struct xml_attr {
	struct pl prefix;    /* before ':', or empty                   */
	struct pl name;      /* local name                             */
	struct pl val;       /* raw, between the quotes: references not
				decoded (xml_decode)                   */
};

enum xml_evtype {
	XML_START = 0,       /* a start tag, or an empty-element tag    */
	XML_END,             /* its end (also after an empty element)   */
	XML_TEXT,            /* character data or a CDATA section       */
	XML_DONE,            /* the root has closed and nothing follows */
};

struct xml_ev {
	enum xml_evtype type;
	struct pl ns;        /* START, END: namespace name, or empty    */
	struct pl name;      /* START, END: local name                  */
	struct xml_attr attrv[XMLSCAN_MAXATTRS];   /* START             */
	size_t attrc;
	struct pl text;      /* TEXT: raw (see cdata)                   */
	bool cdata;          /* TEXT: a CDATA section, taken literally  */
	unsigned depth;      /* START, END: 1 for the root              */
};

struct xmlscan {
	const char *buf;
	size_t len;
	size_t pos;
	struct {
		struct pl qname;
		struct pl name;
		struct pl ns;
		size_t nsc;          /* declarations in scope before it */
	} open[XMLSCAN_MAXDEPTH];
	unsigned depth;
	struct {
		struct pl prefix;    /* empty: the default namespace    */
		struct pl uri;
	} nsv[XMLSCAN_MAXNS];
	size_t nsc;
	bool started;            /* the prolog has been read        */
	bool root_seen;
	bool pending_end;        /* an empty-element tag's END next */
	const char *why;         /* after EBADMSG: what is wrong    */
	size_t errpos;           /* ... and where                   */
	char whybuf[96];
};

void xmlscan_init(struct xmlscan *x, const char *buf, size_t len);
/* 0 and the next event, or EBADMSG (x->why, xmlscan_errline()) */
int  xmlscan_next(struct xmlscan *x, struct xml_ev *ev);
unsigned xmlscan_errline(const struct xmlscan *x);
/* The attribute of that local name without a prefix, or NULL */
const struct xml_attr *xml_ev_attr(const struct xml_ev *ev,
				   const char *name);

/* Decodes references (and, for an attribute value, normalizes white space,
 * XML 1.0 §3.3.3) of raw text into dst, which has room for raw->l bytes
 * (decoding never lengthens); line ends become LF (§2.11). dst NULL only
 * checks. EBADMSG for an unknown or malformed reference. */
int  xml_decode(char *dst, size_t *n, const struct pl *raw, bool attr);
/* Prints s escaped for an attribute value in double quotes (attr) or for
 * character data, so that xml_decode gives s back. */
int  xml_escape(struct re_printf *pf, const char *s, bool attr);
/* Is s (len bytes) UTF-8 made of XML 1.0 Chars (§2.2)? */
bool xml_chars_valid(const char *s, size_t len);

#endif
