/*
 * Multipart MIME bodies (RFC 2046 §5.1), as far as src/sip/ needs them:
 * the AIB's multipart/signed and an INVITE's multipart/mixed (mime.c).
 */
#ifndef SIPMOB_SIP_MIME_H
#define SIPMOB_SIP_MIME_H

#include <stdbool.h>
#include <stddef.h>

struct pl;

enum { MIME_MAXPARTS = 8 };

struct mime_part {
	struct pl whole;   /* from after the delimiter line to before the
			      CRLF of the next: what a signature covers  */
	struct pl hdrs;    /* its header lines, each ending CRLF         */
	struct pl body;
};

/** A parameter of a Content-Type value ("multipart/signed; boundary=x"),
 *  without quotes: ENOENT when absent, EBADMSG when unreadable. */
int  mime_ctype_param(const struct pl *ctype, const char *name,
		      struct pl *val);
/** Whether a Content-Type value is type/subtype (case-insensitive). */
bool mime_ctype_is(const struct pl *ctype, const char *type,
		   const char *subtype);
/** Splits a multipart body of type ctype into at most *partc parts
 *  (their count in *partc): EBADMSG when malformed, E2BIG when more. */
int  mime_parts(const struct pl *body, const struct pl *ctype,
		struct mime_part *partv, size_t *partc);
/** The value of the first header field of that name in a part's hdrs. */
bool mime_header(const struct pl *hdrs, const char *name, struct pl *val);

#endif
