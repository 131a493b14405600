/*
 * The endpoint's guard (RFC 3261 §22): requests that would change what a
 * device does (a new call, a REFER, a subscription to its dialogs) must
 * carry Digest credentials of a known user before the endpoint hands them
 * on; the mobility layer then says what that user may do. A request that
 * fails either check is answered (401 or 403), logged with its source and
 * the user it claimed, and goes no further: no leg, no REFER handler, no
 * subscription.
 *
 * And the client side of the same: a 401 or 407 to a request of ours is
 * answered from our credentials (auth_client.c), once per challenge.
 */
#include <string.h>
#include "sip_priv.h"

void sipep_set_auth(struct sipep *ep, struct sipauth *auth, unsigned methods,
		    sipep_authz_h *authzh, void *arg)
{
	if (!ep)
		return;
	mem_deref(ep->auth);
	ep->auth = mem_ref(auth);
	ep->auth_methods = auth ? methods : 0;
	ep->authzh = authzh;
	ep->authzarg = arg;
}

bool sipep_auth_guards(const struct sipep *ep, enum sipep_auth_method m)
{
	return ep && ep->auth && (ep->auth_methods & (unsigned)m);
}

void sipep_set_credentials(struct sipep *ep, struct sipauth_creds *creds)
{
	if (!ep)
		return;
	mem_deref(ep->creds);
	ep->creds = mem_ref(creds);
}

const char *sipep_auth_user(const struct sipep *ep, const struct sip_msg *msg)
{
	if (!ep || !msg || msg != ep->auth_msg || !ep->auth_user[0])
		return NULL;
	return ep->auth_user;
}

static bool challenged(const struct sipep *ep, const struct sip_msg *msg)
{
	bool initial = !pl_isset(&msg->to.tag);

	if (!pl_strcmp(&msg->met, "INVITE"))
		return initial && sipep_auth_guards(ep, SIPEP_AUTH_INVITE);
	if (!pl_strcmp(&msg->met, "REFER"))
		return sipep_auth_guards(ep, SIPEP_AUTH_REFER);
	if (!pl_strcmp(&msg->met, "SUBSCRIBE"))
		return initial && sipep_auth_guards(ep, SIPEP_AUTH_SUBSCRIBE);
	return false;
}

bool sipep_auth_guard(struct sipep *ep, const struct sip_msg *msg)
{
	struct sipauth_result res;
	uint16_t scode;

	ep->auth_msg = msg;
	ep->auth_user[0] = '\0';
	if (!challenged(ep, msg))
		return true;

	sipauth_verify(ep->auth, msg, &res);
	if (res.outcome != SIPAUTH_OK) {
		/* no credentials at all is the normal first round */
		if (res.outcome != SIPAUTH_NONE)
			re_fprintf(stderr, "sip: %r from %J (user '%s')"
				   " unauthorized: %s: 401\n", &msg->met,
				   &msg->src, res.user,
				   sipauth_outcome_name(res.outcome));
		else
			re_fprintf(stderr, "sip: %r from %J (%r) without"
				   " credentials: 401\n", &msg->met,
				   &msg->src, &msg->from.auri);
		(void)sipauth_challenge(ep->auth, ep->sip, msg, &res);
		return false;
	}

	str_ncpy(ep->auth_user, res.user, sizeof(ep->auth_user));
	scode = ep->authzh ? ep->authzh(res.user, msg, ep->authzarg) : 0;
	if (scode) {
		re_fprintf(stderr, "sip: %r from %J: user '%s' not permitted:"
			   " %u\n", &msg->met, &msg->src, res.user, scode);
		(void)sip_treply(NULL, ep->sip, msg, scode, scode == 403 ?
				 "Forbidden" : "Not Permitted");
		ep->auth_user[0] = '\0';
		return false;
	}
	re_fprintf(stderr, "sip: %r from %J: user '%s' authenticated (%s)\n",
		   &msg->met, &msg->src, res.user, sipauth_alg_name(res.alg));
	return true;
}

int sipep_auth_answer(struct sipep *ep, const struct sip_msg *resp,
		      const char *method, const char *uri, unsigned *tries,
		      char **hdrp)
{
	bool stale = false;
	char *hdr = NULL;
	int err;

	err = ep->creds ? sipauth_answer(&hdr, ep->creds, resp, method, uri,
					 &stale) : ENOENT;
	if (err) {
		re_fprintf(stderr, "sip: %s to %s: %u and no credentials for"
			   " its realm\n", method, uri, resp->scode);
		return err;
	}
	/* a second challenge means wrong credentials, unless the first
	 * answer only came late (stale=true): never loop */
	if (*tries >= 2 || (*tries == 1 && !stale)) {
		re_fprintf(stderr, "sip: %s to %s: credentials refused (%u)\n",
			   method, uri, resp->scode);
		mem_deref(hdr);
		return EAUTH;
	}
	++*tries;
	*hdrp = hdr;
	return 0;
}
