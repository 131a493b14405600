/*
 * What the header parsers of src/sip/ share (replaces.c, refer_to.c,
 * referred_by.c): the character classes of RFC 3261 §25.1, a cursor that
 * never passes the end of its input, generic parameters, name-addr /
 * addr-spec, and the split of a SIP URI into its parts.
 *
 * The cursor is a struct pl: p moves forward, l is what is left. Every
 * reader takes the cursor by pointer, checks l before each byte, and on
 * failure returns EBADMSG with a static reason in *why.
 */
#ifndef SIPMOB_SIP_HDR_PRIV_H
#define SIPMOB_SIP_HDR_PRIV_H

#include <re.h>
#include <sipmob/sip_hdrs.h>

/* Character classes (RFC 3261 §25.1) */
bool siphdr_is_alnum(char c);
bool siphdr_is_token(char c);        /* token                          */
bool siphdr_is_unreserved(char c);   /* alphanum / mark                */
bool siphdr_is_hnv(char c);          /* hnv-unreserved                 */
bool siphdr_is_paramchar(char c);    /* param-unreserved / unreserved  */
int  siphdr_hexval(char c);          /* 0..15, or -1                   */

/* Reading */
void siphdr_skip_lws(struct pl *s);
bool siphdr_token(struct pl *s, struct pl *tok);
int  siphdr_quoted(struct pl *s, struct pl *content, const char **why);
bool siphdr_is_token_str(const struct pl *pl);
bool siphdr_pl_eq(const struct pl *a, const char *b);  /* case-insensitive */

/* Generic parameters: *(SEMI generic-param) up to the end of s. Names are
 * tokens; a value is a token, a host or a quoted-string (kept with its
 * quotes). A name given twice (any case) is refused. */
int  siphdr_params(struct pl *s, struct sipparam *v, size_t max, size_t *n,
		   const char **why);
int  siphdr_params_print(struct re_printf *pf, const struct sipparam *v,
			 size_t n);
bool siphdr_params_valid(const struct sipparam *v, size_t n);

/* name-addr / addr-spec (RFC 3261 §20.10, §25.1). On success s is just
 * after the address, where the header's own parameters begin. */
struct siphdr_naddr {
	struct pl dname;   /* content of the quoted-string, or the tokens */
	struct pl uri;     /* between < and >, or the addr-spec          */
};
int  siphdr_naddr_decode(struct siphdr_naddr *na, struct pl *s,
			 const char **why);
/* '"' dname '" ' (LWS folded to one space), nothing when dname is empty */
int  siphdr_dname_print(struct re_printf *pf, const struct pl *dname);
bool siphdr_dname_valid(const struct pl *dname);

/* A URI split as RFC 3261 §19.1.1 writes a SIP URI. For another scheme,
 * base and target are the whole URI and params, headers are empty. */
struct siphdr_uri {
	struct pl base;     /* scheme ":" [userinfo "@"] hostport     */
	struct pl target;   /* base and params: the URI minus headers */
	struct pl params;   /* after the first ';' (no ';'), or empty */
	struct pl headers;  /* after the '?' (no '?'), or empty       */
	bool sip;           /* sip: or sips:                          */
};
int  siphdr_uri_split(struct siphdr_uri *u, const struct pl *uri,
		      const char **why);
/* uri-parameters: ";"-separated name[=value], paramchar or %HH */
int  siphdr_uparams(const struct pl *params, struct sipparam *v,
		    size_t max, size_t *n, const char **why);
bool siphdr_uparam_valid(const struct sipparam *p);
/* headers: "&"-separated name=value, values raw (not yet unescaped, and
 * a value RFC 5631 wrote in double quotes is given without them) */
int  siphdr_uheaders(const struct pl *headers, struct sipparam *v,
		     size_t max, size_t *n, const char **why);

/* URI header values (uri_hval.c): unescape into dst, which has room for
 * src->l bytes (unescaping never lengthens); *n is the length written. */
int  siphdr_hval_unescape_buf(char *dst, const struct pl *src, size_t *n);

/* err, errsz as the public decoders take them */
int  siphdr_fail(char *err, size_t errsz, const char *what,
		 const char *why);

#endif
