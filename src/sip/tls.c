/*
 * SIP over TLS (RFC 3261 §26.2, RFC 5630): the endpoint's TLS listener and
 * the checks on the certificates of the peers we connect to.
 *
 * libre 1.1.0 verifies nothing on its own: its SIP transport makes the
 * client connection (tls_start_tcp) and sends on it as soon as the
 * handshake is over, with no hook in between, and it gives the
 * application no handle on that connection. So the check is made inside
 * the handshake, by OpenSSL, on the context libre's connections are made
 * from:
 *
 *  - SSL_VERIFY_PEER with our callback: a client-side handshake fails
 *    unless the server's chain ends at a CA of --tls-ca;
 *  - the name: OpenSSL compares the certificate with the host or IP
 *    address in the context's X509_VERIFY_PARAM (subjectAltName IP or DNS,
 *    the CN only for a DNS name without DNS entries). A connection (SSL)
 *    copies that parameter when libre makes it, which it does inside the
 *    sip_request() call that needs it when the target's host is an
 *    address. So every request is sent between sipep_tls_expect(ep, URI)
 *    and sipep_tls_expect(ep, NULL): a connection made in between must
 *    present a certificate for the host of that URI, and one made outside
 *    (no name to check) is refused. Connections that already exist were
 *    checked when they were made; libre finds them by peer address only.
 *
 * A failed check fails the handshake; libre closes the connection with
 * the messages queued on it unsent, and the request reports an error (the
 * transaction gets the transport error). Nothing of the request reaches
 * the peer. Servers do not ask for client certificates to be valid: the
 * callback accepts whatever a client shows (SIP Digest is for that).
 *
 * libre 1.1.0 routes only sip: URIs (sips: gives ENOSYS), so a sips: URI
 * is sent as sip:...;transport=tls (sipep_route_uri); To, From and the
 * SLP URL keep the sips: form.
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "sip_priv.h"

/* re_tls.h declares it under USE_OPENSSL only; libre 1.1.0 is built with
 * OpenSSL on Debian */
struct ssl_ctx_st *tls_openssl_context(const struct tls *tls);

/* Why the last certificate was refused, for sipep_tls_check */
static char last_refusal[160];

void sipep_tls_last_refusal(char *buf, size_t sz)
{
	str_ncpy(buf, last_refusal, sz);
	last_refusal[0] = '\0';
}

static int verify_handler(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
					SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 *cert = X509_STORE_CTX_get_current_cert(store);
	X509_VERIFY_PARAM *param;
	char subject[256] = "?";
	char *ip = NULL;
	const char *host;

	if (!ssl || SSL_is_server(ssl))
		return 1;   /* a client's certificate is not what we check */

	if (cert)
		X509_NAME_oneline(X509_get_subject_name(cert), subject,
				  sizeof(subject));
	if (!ok) {
		re_snprintf(last_refusal, sizeof(last_refusal), "certificate"
			    " '%s' refused: %s", subject,
			    X509_verify_cert_error_string(
				    X509_STORE_CTX_get_error(store)));
		re_fprintf(stderr, "sip: tls: %s\n", last_refusal);
		return 0;
	}
	if (X509_STORE_CTX_get_error_depth(store) > 0)
		return 1;

	param = SSL_get0_param(ssl);
	host = X509_VERIFY_PARAM_get0_host(param, 0);
	ip = X509_VERIFY_PARAM_get1_ip_asc(param);
	if (!host && !ip) {
		re_snprintf(last_refusal, sizeof(last_refusal), "certificate"
			    " '%s' refused: no name to check it against",
			    subject);
		re_fprintf(stderr, "sip: tls: %s\n", last_refusal);
		return 0;
	}
	OPENSSL_free(ip);
	return 1;
}

int sipep_tls_alloc(struct sipep *ep, const struct sipep_conf *conf)
{
	SSL_CTX *ctx;
	int err;

	err = tls_alloc(&ep->tls, TLS_METHOD_SSLV23, conf->tls_cert, NULL);
	if (err) {
		re_fprintf(stderr, "sip: cannot load the TLS certificate and"
			   " key from %s: %m\n", conf->tls_cert, err);
		return err;
	}
	if (conf->tls_ca) {
		err = tls_add_ca(ep->tls, conf->tls_ca);
		if (err) {
			re_fprintf(stderr, "sip: cannot load the CAs of %s:"
				   " %m\n", conf->tls_ca, err);
			return err;
		}
	}
	ctx = tls_openssl_context(ep->tls);
	if (!ctx)
		return EINVAL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_handler);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);

	ep->tls_laddr = ep->laddr;
	sa_set_port(&ep->tls_laddr, conf->tls_port ? conf->tls_port :
		    (uint16_t)(sa_port(&ep->laddr) + 1));
	err = sip_transp_add(ep->sip, SIP_TRANSP_TLS, &ep->tls_laddr,
			     ep->tls);
	if (err)
		re_fprintf(stderr, "sip: cannot listen on tls %J: %m\n",
			   &ep->tls_laddr, err);
	return err;
}

bool sipep_uri_secure(const char *uri)
{
	struct pl pl, tp;
	struct uri u;

	if (!uri)
		return false;
	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl))
		return false;
	if (!pl_strcasecmp(&u.scheme, "sips"))
		return true;
	return !msg_param_decode(&u.params, "transport", &tp) &&
		!pl_strcasecmp(&tp, "tls");
}

void sipep_tls_expect(struct sipep *ep, const char *uri)
{
	X509_VERIFY_PARAM *param;
	char host[256];
	struct pl pl;
	struct uri u;
	struct sa sa;

	if (!ep || !ep->tls)
		return;
	param = SSL_CTX_get0_param(tls_openssl_context(ep->tls));
	(void)X509_VERIFY_PARAM_set1_host(param, NULL, 0);
	(void)X509_VERIFY_PARAM_set1_ip(param, NULL, 0);
	if (!uri)
		return;

	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || pl_strcpy(&u.host, host, sizeof(host)))
		return;   /* no name: any connection made now is refused */
	if (!sa_set_str(&sa, host, 0))
		(void)X509_VERIFY_PARAM_set1_ip_asc(param, host);
	else
		(void)X509_VERIFY_PARAM_set1_host(param, host, 0);
}

int sipep_route_uri(char **outp, const char *uri)
{
	struct pl pl, tp;
	struct uri u;

	if (!outp || !uri)
		return EINVAL;
	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || pl_strcasecmp(&u.scheme, "sips"))
		return str_dup(outp, uri);
	if (!msg_param_decode(&u.params, "transport", &tp))
		return re_sdprintf(outp, "sip%s", uri + 4);
	return re_sdprintf(outp, "sip%s;transport=tls", uri + 4);
}
