/*
 * Registration with a registrar (RFC 3261 §10), refreshed by libre's sipreg,
 * answering Digest challenges with the configured credentials.
 */
#include <string.h>
#include "sip_priv.h"

static int auth_handler(char **username, char **password, const char *realm,
			void *arg)
{
	struct sipep *ep = arg;
	int err;
	(void)realm;

	if (!ep->reg_user || !ep->reg_pass)
		return EAUTH;

	err  = str_dup(username, ep->reg_user);
	err |= str_dup(password, ep->reg_pass);

	return err;
}

static void reg_resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct sipep *ep = arg;
	uint16_t scode = msg ? msg->scode : 0;

	if (err)
		re_fprintf(stderr, "sip: register: %m\n", err);
	else if (scode >= 300)
		re_fprintf(stderr, "sip: register: %u %r\n", scode,
			   &msg->reason);
	else if (scode >= 200)
		re_fprintf(stderr, "sip: registered %s\n", ep->uri);

	if (ep->regh && (err || scode >= 200))
		ep->regh(err, scode, ep->regarg);
}

int sipep_register(struct sipep *ep, const char *registrar,
		   const char *aor, const char *user, const char *password,
		   uint32_t expires, sipep_reg_h *regh, void *arg)
{
	struct sip_addr ra;
	char *own_aor = NULL, *route = NULL;
	struct pl pl;
	int err;

	if (!ep || !registrar)
		return EINVAL;

	/* No AOR given: ours at the registrar's host and port (a port-less
	 * AOR would make the proxy treat every 127.0.0.1 URI as its own). */
	if (!aor) {
		pl_set_str(&pl, registrar);
		if (sip_addr_decode(&ra, &pl) && uri_decode(&ra.uri, &pl))
			return EINVAL;
		err = re_sdprintf(&own_aor, "sip:%s@%r:%u", ep->user,
				  &ra.uri.host, ra.uri.port ? ra.uri.port :
				  SIP_PORT);
		if (err)
			return err;
		aor = own_aor;
	}

	ep->reg = mem_deref(ep->reg);
	ep->reg_user = mem_deref(ep->reg_user);
	ep->reg_pass = mem_deref(ep->reg_pass);
	err  = user ? str_dup(&ep->reg_user, user) : 0;
	err |= password ? str_dup(&ep->reg_pass, password) : 0;
	if (err)
		goto out;

	ep->regh = regh;
	ep->regarg = arg;

	err = sipep_route_uri(&route, registrar);
	if (err)
		goto out;
	sipep_tls_expect(ep, registrar);
	err = sipreg_register(&ep->reg, ep->sip, route, aor,
			      ep->display, aor, expires ? expires : 3600,
			      ep->user, NULL, 0, 0, auth_handler, ep, false,
			      reg_resp_handler, ep, NULL, NULL);
	sipep_tls_expect(ep, NULL);
 out:
	mem_deref(route);
	mem_deref(own_aor);   /* sipreg keeps its own copies */
	return err;
}

bool sipep_registered(const struct sipep *ep)
{
	return ep && ep->reg && sipreg_registered(ep->reg);
}
