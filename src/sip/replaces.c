/*
 * The Replaces header (RFC 3891 §6.1): which dialog a new INVITE replaces.
 * Session Handoff sends it twice: in the Refer-To of the MN's REFER to a
 * device (escaped inside the URI, spec §5.3.1, RFC 5631 Figure 4), and in
 * the device's INVITE to the CN.
 *
 *   Replaces       = "Replaces" HCOLON callid *(SEMI replaces-param)
 *   replaces-param = to-tag / from-tag / early-flag / generic-param
 *   to-tag         = "to-tag" EQUAL token
 *   from-tag       = "from-tag" EQUAL token
 *   early-flag     = "early-only"
 *
 * A Replaces without both tags names no dialog (RFC 3891 §3 answers such a
 * request 400 at best), so both are required here; a parameter given twice
 * is refused rather than guessed at. Other parameters are kept and printed
 * back in their order.
 */
#include <string.h>
#include "hdr_priv.h"

/* word (RFC 3261 §25.1): the characters of a Call-ID on either side of
 * its '@' */
static bool is_word(char c)
{
	return siphdr_is_alnum(c) || (c && strchr("-.!%*_+`'~()<>:\\\"/[]?{}",
						    c));
}

/* callid = word [ "@" word ]: true when pl is exactly that */
static bool callid_valid(const struct pl *pl)
{
	size_t at = 0, i;

	if (!pl->p || !pl->l)
		return false;
	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] == '@') {
			if (at || !i || i + 1 == pl->l)
				return false;
			at = i;
		}
		else if (!is_word(pl->p[i]))
			return false;
	}
	return true;
}

static int read_callid(struct pl *s, struct pl *callid, const char **why)
{
	size_t i = 0;

	while (i < s->l && (is_word(s->p[i]) || s->p[i] == '@'))
		++i;
	callid->p = s->p;
	callid->l = i;
	if (!i) {
		*why = "empty Call-ID";
		return EBADMSG;
	}
	if (!callid_valid(callid)) {
		*why = "malformed Call-ID";
		return EBADMSG;
	}
	pl_advance(s, (ssize_t)i);
	return 0;
}

/* Sorts the parsed parameters into the struct; v has no duplicates. */
static int sort_params(struct sipreplaces *r, const struct sipparam *v,
		       size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		const struct sipparam *p = &v[i];
		bool to = siphdr_pl_eq(&p->name, "to-tag");

		if (to || siphdr_pl_eq(&p->name, "from-tag")) {
			if (!siphdr_is_token_str(&p->val)) {
				*why = "a tag must be a token";
				return EBADMSG;
			}
			if (to)
				r->to_tag = p->val;
			else
				r->from_tag = p->val;
		}
		else if (siphdr_pl_eq(&p->name, "early-only")) {
			if (p->val.p) {
				*why = "early-only takes no value";
				return EBADMSG;
			}
			r->early_only = true;
		}
		else {
			if (r->paramc == SIPHDR_MAXPARAMS) {
				*why = "too many parameters";
				return EBADMSG;
			}
			r->paramv[r->paramc++] = *p;
		}
	}

	if (!r->to_tag.p) {
		*why = "no to-tag";
		return EBADMSG;
	}
	if (!r->from_tag.p) {
		*why = "no from-tag";
		return EBADMSG;
	}
	return 0;
}

int sipreplaces_decode(struct sipreplaces *r, const struct pl *pl,
		       char *err, size_t errsz)
{
	/* room for the three known parameters besides the others */
	struct sipparam v[SIPHDR_MAXPARAMS + 3];
	const char *why = NULL;
	struct pl s;
	size_t n;

	if (!r || !pl || (!pl->p && pl->l))
		return EINVAL;
	memset(r, 0, sizeof(*r));
	if (pl->l > SIPHDR_MAXLEN)
		return siphdr_fail(err, errsz, "Replaces", "value too long");

	s = *pl;
	siphdr_skip_lws(&s);
	if (read_callid(&s, &r->callid, &why) ||
	    siphdr_params(&s, v, sizeof(v) / sizeof(v[0]), &n, &why) ||
	    sort_params(r, v, n, &why)) {
		memset(r, 0, sizeof(*r));
		return siphdr_fail(err, errsz, "Replaces", why);
	}

	return 0;
}

static bool replaces_valid(const struct sipreplaces *r)
{
	if (!callid_valid(&r->callid) || !siphdr_is_token_str(&r->to_tag) ||
	    !siphdr_is_token_str(&r->from_tag) ||
	    !siphdr_params_valid(r->paramv, r->paramc))
		return false;

	/* the known names must not come back as generic ones */
	for (size_t i = 0; i < r->paramc; i++) {
		const struct pl *nm = &r->paramv[i].name;

		if (siphdr_pl_eq(nm, "to-tag") ||
		    siphdr_pl_eq(nm, "from-tag") ||
		    siphdr_pl_eq(nm, "early-only"))
			return false;
	}
	return true;
}

int sipreplaces_print(struct re_printf *pf, const struct sipreplaces *r)
{
	int err;

	if (!pf || !r || !replaces_valid(r))
		return EINVAL;

	err = re_hprintf(pf, "%r;to-tag=%r;from-tag=%r%s", &r->callid,
			 &r->to_tag, &r->from_tag,
			 r->early_only ? ";early-only" : "");
	if (!err)
		err = siphdr_params_print(pf, r->paramv, r->paramc);

	return err;
}
