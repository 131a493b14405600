/*
 * The receiving side of Replaces (RFC 3891 §3, §6): which of our dialogs
 * an incoming INVITE asks to replace, and whether the asker may.
 *
 * A Replaces names a dialog by Call-ID and tags as its recipient sees it:
 * to-tag is our tag, from-tag the far side's. We replace only a confirmed
 * dialog (an early or unknown one gets 481; early-only on a confirmed one
 * 486), and only for the dialog's own far side: the new INVITE's From or
 * its Referred-By must name it (RFC 3891 §6, spec §5.3.2); anyone else
 * gets 403. (The security issue adds the S/MIME token that proves the
 * Referred-By.)
 */
#include <string.h>
#include "sip_priv.h"
#include <sipmob/sip_hdrs.h>

static uint16_t uri_port(const struct uri *u)
{
	if (u->port)
		return u->port;
	return pl_strcasecmp(&u->scheme, "sips") ? 5060 : 5061;
}

bool sip_uri_same_party(const struct pl *a, const struct pl *b)
{
	struct uri ua, ub;

	if (!a || !b || uri_decode(&ua, a) || uri_decode(&ub, b))
		return false;

	return !pl_casecmp(&ua.scheme, &ub.scheme) &&
		!pl_cmp(&ua.user, &ub.user) &&
		!pl_casecmp(&ua.host, &ub.host) &&
		uri_port(&ua) == uri_port(&ub);
}

static bool leg_named(struct le *le, void *arg)
{
	const struct sipreplaces *r = arg;
	const struct sipleg *leg = le->data;

	return leg->callid && !pl_strcmp(&r->callid, leg->callid) &&
		leg->ltag && !pl_strcmp(&r->to_tag, leg->ltag) &&
		leg->rtag && !pl_strcmp(&r->from_tag, leg->rtag);
}

/* The URI of the INVITE's Referred-By, if it has a readable one. */
static bool referred_by(const struct sip_msg *msg, struct pl *uri)
{
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	struct sipreferredby rb;

	if (!hdr || sipreferredby_decode(&rb, &hdr->val, NULL, 0))
		return false;
	*uri = rb.uri;
	return true;
}

int sipleg_find_replaced(struct sipep *ep, const struct sip_msg *msg,
			 struct sipleg **legp, uint16_t *scode,
			 const char **reason)
{
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_REPLACES);
	struct sipreplaces r;
	struct sipleg *leg;
	struct pl rb, ruri;
	char why[256];

	*legp = NULL;
	if (!hdr)
		return 0;

	if (sip_msg_hdr_count(msg, SIP_HDR_REPLACES) > 1 ||
	    sipreplaces_decode(&r, &hdr->val, why, sizeof(why))) {
		re_fprintf(stderr, "sip: bad Replaces from %J: %s\n",
			   &msg->src, why);
		*scode = 400;
		*reason = "Bad Replaces Header";
		return EBADMSG;
	}

	leg = list_ledata(hash_lookup(ep->legs, hash_joaat_pl(&r.callid),
				      leg_named, &r));
	if (!leg || leg->state != SIPLEG_ESTABLISHED) {
		re_fprintf(stderr, "sip: Replaces from %r names %s dialog\n",
			   &msg->from.auri, leg ? "an early" : "no");
		*scode = 481;
		*reason = "Call/Transaction Does Not Exist";
		return ENOENT;
	}
	if (r.early_only) {
		*scode = 486;
		*reason = "Busy Here";
		return EALREADY;
	}

	/* RFC 3892 §6: with a verifier, the referrer proves who it is */
	*scode = sipep_invite_token_check(ep, msg, &hdr->val, why,
					  sizeof(why));
	if (*scode) {
		sipep_token_refuse(ep, msg, *scode, why);
		*scode = 0;   /* answered */
		return EPERM;
	}

	pl_set_str(&ruri, leg->ruri);
	if (!sip_uri_same_party(&msg->from.auri, &ruri) &&
	    !(referred_by(msg, &rb) && sip_uri_same_party(&rb, &ruri))) {
		re_fprintf(stderr, "sip: Replaces from %r: neither it nor its"
			   " Referred-By is %s, the dialog's far side: 403\n",
			   &msg->from.auri, leg->ruri);
		*scode = 403;
		*reason = "Forbidden";
		return EPERM;
	}

	*legp = leg;
	return 0;
}

struct sipleg *sipleg_replaced(const struct sipleg *leg)
{
	return leg ? leg->replaced : NULL;
}
