/*
 * The Refer-To header (RFC 3515 §2.1): where a REFER sends its recipient.
 *
 *   Refer-To = ("Refer-To" / "r") HCOLON (name-addr / addr-spec)
 *              *(SEMI generic-param)
 *
 * In Session Handoff the URI carries three things (spec §5.3, RFC 5631
 * §5.4): callee-capability feature tags as URI parameters (";audio;video",
 * RFC 3840) saying which media the new session is for; ";method=REFER" for
 * a nested REFER; and headers for the request the recipient will send
 * ("?Replaces=...", "?Refer-To=..."), escaped (uri_hval.c). A nested REFER
 * (RFC 5631 Figure 5) is a Refer-To whose embedded Refer-To header is a
 * whole Refer-To value: sipreferto_header(rt, "Refer-To") gives it back
 * unescaped, ready for sipreferto_decode() again.
 *
 * The decoded object holds a copy of the input and the unescaped header
 * names and values after it, so its pl's live as long as it does.
 */
#include <string.h>
#include "hdr_priv.h"

struct referto_obj {
	struct sipreferto rt;
	char *text;      /* the input, copied                      */
	char *vals;      /* unescaped URI header names and values  */
};

/* No line break or other control byte may come out of a %HH in a value:
 * whoever copies the header into its request (RFC 3261 §19.1.5) must not
 * be handed a way to add headers of the sender's choosing. */
static bool hval_clean(const struct pl *v)
{
	for (size_t i = 0; i < v->l; i++) {
		uint8_t c = (uint8_t)v->p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* Unescapes each header's name and value into vals (room for all of
 * text); names must then be tokens, as header names are. */
static int unescape_headers(struct sipreferto *rt, char *vals,
			    const char **why)
{
	size_t used = 0, n;

	for (size_t i = 0; i < rt->hdrc; i++) {
		struct sipparam *h = &rt->hdrv[i];

		if (siphdr_hval_unescape_buf(vals + used, &h->name, &n)) {
			*why = "bad %-escape in a URI header name";
			return EBADMSG;
		}
		h->name.p = vals + used;
		h->name.l = n;
		used += n;
		if (!siphdr_is_token_str(&h->name)) {
			*why = "URI header name is not a token";
			return EBADMSG;
		}
		if (siphdr_hval_unescape_buf(vals + used, &h->val, &n)) {
			*why = "bad %-escape in a URI header value";
			return EBADMSG;
		}
		h->val.p = vals + used;
		h->val.l = n;
		used += n;
		if (!hval_clean(&h->val)) {
			*why = "control byte in a URI header value";
			return EBADMSG;
		}
	}
	return 0;
}

static int decode(struct sipreferto *rt, char *vals, const struct pl *in,
		  const char **why)
{
	struct siphdr_naddr na;
	struct siphdr_uri u;
	struct pl s = *in;
	int err;

	err = siphdr_naddr_decode(&na, &s, why);
	if (!err)
		err = siphdr_params(&s, rt->paramv, SIPHDR_MAXPARAMS,
				    &rt->paramc, why);
	if (!err)
		err = siphdr_uri_split(&u, &na.uri, why);
	if (err)
		return err;

	rt->dname = na.dname;
	rt->uri = na.uri;
	rt->target = u.target;
	rt->base = u.base;

	if (u.params.l)
		err = siphdr_uparams(&u.params, rt->uparamv, SIPHDR_MAXPARAMS,
				     &rt->uparamc, why);
	if (!err && u.headers.l)
		err = siphdr_uheaders(&u.headers, rt->hdrv, SIPHDR_MAXURIHDRS,
				      &rt->hdrc, why);
	if (!err)
		err = unescape_headers(rt, vals, why);

	return err;
}

int sipreferto_decode(struct sipreferto **rtp, const struct pl *pl,
		      char *err, size_t errsz)
{
	struct referto_obj *o;
	const char *why = NULL;
	struct pl in;

	if (!rtp || !pl || (!pl->p && pl->l))
		return EINVAL;
	if (pl->l > SIPHDR_MAXLEN)
		return siphdr_fail(err, errsz, "Refer-To", "value too long");

	/* the object, then the copy, then as much room for unescaping */
	o = mem_zalloc(sizeof(*o) + 2 * pl->l + 2, NULL);
	if (!o)
		return ENOMEM;
	o->text = (char *)(o + 1);
	o->vals = o->text + pl->l + 1;
	if (pl->l)
		memcpy(o->text, pl->p, pl->l);
	in.p = o->text;
	in.l = pl->l;

	if (decode(&o->rt, o->vals, &in, &why)) {
		mem_deref(o);
		return siphdr_fail(err, errsz, "Refer-To", why);
	}

	*rtp = &o->rt;
	return 0;
}

/* What sipreferto_print may print: a base URI without params or headers
 * (those come from uparamv and hdrv), and parts each parser takes back. */
static bool referto_valid(const struct sipreferto *rt)
{
	struct siphdr_uri u;
	const char *why;

	if (rt->uparamc > SIPHDR_MAXPARAMS || rt->hdrc > SIPHDR_MAXURIHDRS)
		return false;
	if (!siphdr_dname_valid(&rt->dname))
		return false;
	if (siphdr_uri_split(&u, &rt->base, &why))
		return false;
	if (u.sip && (u.params.p || u.headers.p))
		return false;
	if (!u.sip && (rt->uparamc || rt->hdrc))
		return false;

	for (size_t i = 0; i < rt->uparamc; i++) {
		if (!siphdr_uparam_valid(&rt->uparamv[i]))
			return false;
		for (size_t k = 0; k < i; k++) {
			if (!pl_casecmp(&rt->uparamv[k].name,
					&rt->uparamv[i].name))
				return false;
		}
	}
	for (size_t i = 0; i < rt->hdrc; i++) {
		const struct sipparam *h = &rt->hdrv[i];

		if (!siphdr_is_token_str(&h->name))
			return false;
		if (h->val.l && (!h->val.p || !hval_clean(&h->val)))
			return false;
	}

	return siphdr_params_valid(rt->paramv, rt->paramc);
}

static int hval_h(struct re_printf *pf, void *arg)
{
	return sipuri_hval_escape(pf, arg);
}

int sipreferto_print(struct re_printf *pf, const struct sipreferto *rt)
{
	int err;

	if (!pf || !rt || !referto_valid(rt))
		return EINVAL;

	err = siphdr_dname_print(pf, &rt->dname);
	if (!err)
		err = re_hprintf(pf, "<%r", &rt->base);
	for (size_t i = 0; i < rt->uparamc && !err; i++) {
		const struct sipparam *p = &rt->uparamv[i];

		err = p->val.p ? re_hprintf(pf, ";%r=%r", &p->name, &p->val)
			: re_hprintf(pf, ";%r", &p->name);
	}
	for (size_t i = 0; i < rt->hdrc && !err; i++) {
		err = re_hprintf(pf, "%s%H=%H", i ? "&" : "?",
				 hval_h, &rt->hdrv[i].name,
				 hval_h, &rt->hdrv[i].val);
	}
	if (!err)
		err = re_hprintf(pf, ">");
	if (!err)
		err = siphdr_params_print(pf, rt->paramv, rt->paramc);

	return err;
}

const struct pl *sipreferto_header(const struct sipreferto *rt,
				   const char *name)
{
	if (!rt || !name)
		return NULL;
	for (size_t i = 0; i < rt->hdrc; i++) {
		if (siphdr_pl_eq(&rt->hdrv[i].name, name))
			return &rt->hdrv[i].val;
	}
	return NULL;
}

const struct sipparam *sipreferto_uparam(const struct sipreferto *rt,
					 const char *name)
{
	if (!rt || !name)
		return NULL;
	for (size_t i = 0; i < rt->uparamc; i++) {
		if (siphdr_pl_eq(&rt->uparamv[i].name, name))
			return &rt->uparamv[i];
	}
	return NULL;
}

int sipreferto_replaces(const struct sipreferto *rt, struct sipreplaces *r,
			char *err, size_t errsz)
{
	const struct pl *val = NULL;

	if (!rt || !r)
		return EINVAL;
	for (size_t i = 0; i < rt->hdrc; i++) {
		if (!siphdr_pl_eq(&rt->hdrv[i].name, "Replaces"))
			continue;
		if (val)
			return siphdr_fail(err, errsz, "Replaces",
					   "given twice in the Refer-To URI");
		val = &rt->hdrv[i].val;
	}
	if (!val)
		return ENOENT;

	return sipreplaces_decode(r, val, err, errsz);
}

/* The URI to INVITE: the Refer-To's, without its headers and without the
 * callee capabilities (RFC 3840 feature tags: audio, video...), which
 * describe the session to make, not where to send it. */
int sipreferto_invite_target(char **targetp, const struct sipreferto *rt)
{
	static const char *const tags[] = {"audio", "video", "message",
					   "method", "text", "data",
					   "application", "control"};
	struct sipreferto t;
	size_t i, k, n = 0;
	char buf[SIPHDR_MAXLEN];
	struct pl uri;

	if (!targetp || !rt)
		return EINVAL;
	t = *rt;
	for (i = 0; i < rt->uparamc; i++) {
		bool tag = rt->uparamv[i].name.l &&
			rt->uparamv[i].name.p[0] == '+';

		for (k = 0; k < ARRAY_SIZE(tags) && !tag; k++)
			tag = !pl_strcasecmp(&rt->uparamv[i].name, tags[k]);
		if (!tag)
			t.uparamv[n++] = rt->uparamv[i];
	}
	t.uparamc = n;
	t.hdrc = 0;
	t.paramc = 0;
	t.dname = (struct pl)PL_INIT;
	if (re_snprintf(buf, sizeof(buf), "%H", sipreferto_print, &t) < 0)
		return EINVAL;
	pl_set_str(&uri, buf);
	if (uri.l >= 2 && uri.p[0] == '<' && uri.p[uri.l - 1] == '>') {
		uri.p++;
		uri.l -= 2;
	}
	return pl_strdup(targetp, &uri);
}
