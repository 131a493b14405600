/*
 * The mobile node: a SIP UA for one call at a time, with its own media, and
 * the devices it moves media to. This file makes and unmakes it; the call
 * is in call.c, the transfers in mnc.c and xfer.c, the commands in cmd.c.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sip_auth.h>
#include "mn_priv.h"

static void destructor(void *arg)
{
	struct mn *mn = arg;

	handoff_abort(mn);
	call_end(mn);
	handoff_forget(mn);
	list_flush(&mn->known);
	mn_location_free(mn);
	sipauth_creds_set_secret_handler(mn->creds, NULL, NULL);
	mem_deref(mn->creds);
	mem_deref(mn->presence);
	mem_deref(mn->ua);
	mem_deref(mn->caps);
	mem_deref(mn->ep);
	mem_deref(mn->user);
	mem_deref(mn->record_path);
	mem_deref(mn->codecs);
}

static void invite_handler(struct sipep *ep, struct sipleg *leg,
			   const struct sip_msg *msg, void *arg)
{
	(void)ep;
	call_incoming(arg, leg, msg);
}

/* Proof of presence (spec §8.2): a device of the room we hear wants the
 * password followed by the room's token */
static int presence_secret_handler(const char *realm, const char *secret,
				   char out[SIPAUTH_SECRET_MAX], void *arg)
{
	return mn_presence_secret(arg, realm, secret, out, NULL);
}

static void refer_handler(struct sipep *ep, struct sipleg *leg,
			  const struct sip_msg *msg, void *arg)
{
	(void)ep;
	handoff_refer(arg, leg, msg);
}

static int caps_handler(struct mbuf **descp, void *arg)
{
	struct mn *mn = arg;

	return mset_caps(mn->caps, descp);
}

struct sipep *mn_sipep(const struct mn *mn)
{
	return mn ? mn->ep : NULL;
}

int mn_alloc(struct mn **mnp, const struct mn_conf *conf)
{
	struct sipep_conf ec;
	struct mn *mn;
	int err;

	if (!mnp || !conf || !conf->sip_listen)
		return EINVAL;

	mn = mem_zalloc(sizeof(*mn), destructor);
	if (!mn)
		return ENOMEM;

	mn->conf = *conf;
	mn->cn_replaces = -1;
	if (!mn->conf.device_timeout_ms)
		mn->conf.device_timeout_ms = 8000;
	err  = str_dup(&mn->user, conf->user ? conf->user : "mn");
	err |= conf->record_path ? str_dup(&mn->record_path,
					   conf->record_path) : 0;
	err |= conf->codecs ? str_dup(&mn->codecs, conf->codecs) : 0;
	if (err)
		goto out;

	memset(&ec, 0, sizeof(ec));
	ec.listen = conf->sip_listen;
	ec.trace = conf->trace;
	ec.tls_cert = conf->tls_cert;
	ec.tls_ca = conf->tls_ca;
	ec.tls_port = conf->tls_port;
	ec.user = mn->user;
	err = sipep_alloc(&mn->ep, &ec, invite_handler, mn);
	if (err)
		goto out;
	mn->media_addr = *sipep_laddr(mn->ep);
	sa_set_port(&mn->media_addr, 0);

	err = call_caps(mn);
	if (err)
		goto out;
	sipep_set_caps_handler(mn->ep, caps_handler, mn);
	sipep_set_refer_handler(mn->ep, refer_handler, mn);
	sipep_set_credentials(mn->ep, conf->credentials);
	if (conf->credentials && (conf->beacon || conf->beacon_file)) {
		mn->creds = mem_ref(conf->credentials);
		sipauth_creds_set_secret_handler(mn->creds,
						 presence_secret_handler, mn);
	}

	if (conf->registrar) {
		err = sipep_register(mn->ep, conf->registrar, NULL,
				     conf->auth_user ? conf->auth_user :
				     mn->user, conf->password, 600, NULL,
				     NULL);
		if (err)
			goto out;
	}

	err = mn_discover_alloc(mn);
	if (err) {
		re_fprintf(stderr, "mn: no SLP user agent: %m\n", err);
		goto out;
	}

	err = mn_presence_alloc(mn);
	if (err)
		goto out;

	err = mn_location_alloc(mn);
	if (err)
		goto out;

	re_fprintf(stderr, "mn: %s ready at %s\n", mn->user,
		   sipep_uri(mn->ep));

 out:
	if (err)
		mem_deref(mn);
	else
		*mnp = mn;
	return err;
}

void mn_shutdown(struct mn *mn)
{
	if (mn)
		call_end(mn);
}

bool mn_in_call(const struct mn *mn)
{
	return mn && mn->state != MN_IDLE;
}
