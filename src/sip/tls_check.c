/*
 * Whether a sips: URI leads to the party it names (sipmob/sipua.h,
 * sipep_tls_check): a TLS handshake with its host and port, nothing sent,
 * under the same checks as every connection of ours (tls.c): a
 * certificate that chains to our CAs and names the URI's host. The MN
 * checks a device found through SLP this way before it lists it as
 * usable, so a registration that points elsewhere is never used.
 */
#include <string.h>
#include "sip_priv.h"

enum { CHECK_TIMEOUT_MS = 3000, SIPS_PORT = 5061 };

struct sipep_tls_check {
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct tmr tmr;
	sipep_tls_check_h *h;
	void *arg;
};

static void check_destructor(void *arg)
{
	struct sipep_tls_check *c = arg;

	tmr_cancel(&c->tmr);
	mem_deref(c->sc);
	mem_deref(c->tc);
}

static void done(struct sipep_tls_check *c, int err, const char *why)
{
	sipep_tls_check_h *h = c->h;

	tmr_cancel(&c->tmr);
	c->sc = mem_deref(c->sc);
	c->tc = mem_deref(c->tc);
	c->h = NULL;
	if (h)
		h(err, why, c->arg);
}

static void estab_handler(void *arg)
{
	done(arg, 0, NULL);   /* the handshake passed every check */
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	(void)mb;
	(void)arg;
}

static void close_handler(int err, void *arg)
{
	char why[160];

	sipep_tls_last_refusal(why, sizeof(why));
	done(arg, err ? err : ECONNRESET, why[0] ? why :
	     "no TLS handshake (connection refused or closed)");
}

static void timeout_handler(void *arg)
{
	done(arg, ETIMEDOUT, "no TLS handshake in time");
}

int sipep_tls_check(struct sipep_tls_check **cp, struct sipep *ep,
		    const char *uri, sipep_tls_check_h *h, void *arg)
{
	struct sipep_tls_check *c;
	char host[64];
	struct pl pl;
	struct uri u;
	struct sa sa;
	int err;

	if (!cp || !ep || !uri || !h)
		return EINVAL;
	if (!ep->tls)
		return ENOTSUP;
	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || pl_strcpy(&u.host, host, sizeof(host)) ||
	    sa_set_str(&sa, host, u.port ? u.port : SIPS_PORT))
		return EINVAL;   /* a host name: not checked, not used */

	c = mem_zalloc(sizeof(*c), check_destructor);
	if (!c)
		return ENOMEM;
	c->h = h;
	c->arg = arg;
	err = tcp_connect(&c->tc, &sa, estab_handler, recv_handler,
			  close_handler, c);
	if (!err) {
		sipep_tls_expect(ep, uri);   /* the connection copies it */
		err = tls_start_tcp(&c->sc, ep->tls, c->tc, 0);
		sipep_tls_expect(ep, NULL);
	}
	if (err) {
		mem_deref(c);
		return err;
	}
	tmr_start(&c->tmr, CHECK_TIMEOUT_MS, timeout_handler, c);
	*cp = c;
	return 0;
}
