/*
 * The Referred-By header (RFC 3892 §3): who sent the REFER. The refer
 * target uses it to decide whether to honour the request (spec §8, RFC 5631
 * §5.4: the CN lets a device replace its session with the MN because the MN
 * referred it); its cid names the body part carrying the signed
 * Referred-By token.
 *
 *   Referred-By  = ("Referred-By" / "b") HCOLON referrer-uri
 *                  *( SEMI (referredby-id-param / generic-param) )
 *   referrer-uri = ( name-addr / addr-spec )
 *   referredby-id-param = "cid" EQUAL sip-clean-msg-id
 *   sip-clean-msg-id    = LDQUOT dot-atom "@" (dot-atom / host) RDQUOT
 *
 * The URI is kept as written (it identifies; we do not take it apart) and
 * must be a URI we could split; it is always printed in angle brackets.
 */
#include <string.h>
#include "hdr_priv.h"

static bool is_atext(char c)
{
	return siphdr_is_alnum(c) || (c && strchr("-!%*_+'`~", c));
}

/* dot-atom = atom *("." atom), up to end */
static bool dot_atom(const char *p, size_t l)
{
	bool prev_dot = true;

	if (!l)
		return false;
	for (size_t i = 0; i < l; i++) {
		if (p[i] == '.') {
			if (prev_dot)
				return false;
			prev_dot = true;
		}
		else if (is_atext(p[i]))
			prev_dot = false;
		else
			return false;
	}
	return !prev_dot;
}

/* dot-atom "@" (dot-atom / host), without the quotes. An IPv6 reference
 * is the one host that is not a dot-atom. */
static bool msgid_valid(const struct pl *id)
{
	const char *at;
	size_t left;

	if (!id->p || !id->l)
		return false;
	at = memchr(id->p, '@', id->l);
	if (!at || !dot_atom(id->p, (size_t)(at - id->p)))
		return false;
	left = id->l - (size_t)(at - id->p) - 1;
	if (left >= 3 && at[1] == '[' && at[left] == ']') {
		for (size_t i = 2; i < left; i++) {
			if (siphdr_hexval(at[i]) < 0 && at[i] != ':' &&
			    at[i] != '.')
				return false;
		}
		return true;
	}
	return dot_atom(at + 1, left);
}

static int take_cid(struct sipreferredby *rb, const struct sipparam *v,
		    size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		struct pl val = v[i].val;

		if (!siphdr_pl_eq(&v[i].name, "cid")) {
			rb->paramv[rb->paramc++] = v[i];
			continue;
		}
		if (val.l < 2 || val.p[0] != '"') {
			*why = "cid must be a quoted msg-id";
			return EBADMSG;
		}
		rb->cid.p = val.p + 1;
		rb->cid.l = val.l - 2;
		if (!msgid_valid(&rb->cid)) {
			*why = "cid is not a msg-id (dot-atom@host)";
			return EBADMSG;
		}
	}
	return 0;
}

/* The URI splits, and its parameters and headers read as Refer-To's do
 * (we keep it escaped, but it must unescape) */
static int uri_check(const struct pl *uri, const char **why)
{
	struct sipparam v[SIPHDR_MAXPARAMS];
	char tmp[SIPHDR_MAXLEN];
	struct siphdr_uri u;
	size_t n, k;
	int err;

	if (uri->l > sizeof(tmp)) {
		*why = "URI too long";
		return EBADMSG;
	}
	err = siphdr_uri_split(&u, uri, why);
	if (!err && u.params.l)
		err = siphdr_uparams(&u.params, v, SIPHDR_MAXPARAMS, &n, why);
	if (err || !u.headers.l)
		return err;

	err = siphdr_uheaders(&u.headers, v, SIPHDR_MAXURIHDRS, &n, why);
	for (size_t i = 0; !err && i < n; i++) {
		if (siphdr_hval_unescape_buf(tmp, &v[i].name, &k) ||
		    siphdr_hval_unescape_buf(tmp, &v[i].val, &k)) {
			*why = "bad %-escape in a URI header";
			err = EBADMSG;
		}
	}
	return err;
}

int sipreferredby_decode(struct sipreferredby *rb, const struct pl *pl,
			 char *err, size_t errsz)
{
	struct sipparam v[SIPHDR_MAXPARAMS];
	struct siphdr_naddr na;
	const char *why = NULL;
	struct pl s;
	size_t n;

	if (!rb || !pl || (!pl->p && pl->l))
		return EINVAL;
	memset(rb, 0, sizeof(*rb));
	if (pl->l > SIPHDR_MAXLEN)
		return siphdr_fail(err, errsz, "Referred-By",
				   "value too long");

	s = *pl;
	if (siphdr_naddr_decode(&na, &s, &why) ||
	    siphdr_params(&s, v, SIPHDR_MAXPARAMS, &n, &why) ||
	    uri_check(&na.uri, &why) ||
	    take_cid(rb, v, n, &why)) {
		memset(rb, 0, sizeof(*rb));
		return siphdr_fail(err, errsz, "Referred-By", why);
	}
	rb->dname = na.dname;
	rb->uri = na.uri;

	return 0;
}

/* What the decoder takes back: the URI must split, and may not hold the
 * bytes that would end or confuse the angle brackets around it. */
static bool referredby_valid(const struct sipreferredby *rb)
{
	const char *why;
	struct pl s;
	struct siphdr_naddr na;
	char tmp[SIPHDR_MAXLEN];

	if (!siphdr_dname_valid(&rb->dname) ||
	    !siphdr_params_valid(rb->paramv, rb->paramc))
		return false;
	if (rb->cid.p && !msgid_valid(&rb->cid))
		return false;
	for (size_t i = 0; i < rb->paramc; i++) {
		if (siphdr_pl_eq(&rb->paramv[i].name, "cid"))
			return false;
	}
	if (!rb->uri.p || !rb->uri.l || rb->uri.l + 2 > sizeof(tmp) ||
	    uri_check(&rb->uri, &why))
		return false;

	/* "<" uri ">" must read back as exactly this URI */
	tmp[0] = '<';
	memcpy(tmp + 1, rb->uri.p, rb->uri.l);
	tmp[rb->uri.l + 1] = '>';
	s.p = tmp;
	s.l = rb->uri.l + 2;
	return !siphdr_naddr_decode(&na, &s, &why) && !s.l &&
		na.uri.l == rb->uri.l;
}

int sipreferredby_print(struct re_printf *pf,
			const struct sipreferredby *rb)
{
	int err;

	if (!pf || !rb || !referredby_valid(rb))
		return EINVAL;

	err = siphdr_dname_print(pf, &rb->dname);
	if (!err)
		err = re_hprintf(pf, "<%r>", &rb->uri);
	if (!err && rb->cid.p)
		err = re_hprintf(pf, ";cid=\"%r\"", &rb->cid);
	if (!err)
		err = siphdr_params_print(pf, rb->paramv, rb->paramc);

	return err;
}
