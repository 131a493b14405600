/*
 * The options of signed referrals and SIP over TLS, shared by
 * sipmob-device and sipmob-mn (cli_sec.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sipmob/cli.h>
#include <sipmob/cli_sec.h>

int cli_sec_option(const char *prog, int c, const char *arg,
		   struct cli_sec *s)
{
	long n;

	switch (c) {

	case CLI_SEC_AIB_CERT: s->aib_cert = arg; return 1;
	case CLI_SEC_AIB_KEY:  s->aib_key = arg;  return 1;
	case CLI_SEC_AIB_CA:   s->aib_ca = arg;   return 1;
	case CLI_SEC_AIB_WINDOW:
		if (cli_long(prog, "--aib-window", arg, 1, 3600, &n))
			return -1;
		s->aib_window = (uint32_t)n;
		return 1;
	case CLI_SEC_TLS_CERT: s->tls_cert = arg; return 1;
	case CLI_SEC_TLS_CA:   s->tls_ca = arg;   return 1;
	case CLI_SEC_TLS_PORT:
		if (cli_long(prog, "--tls-port", arg, 1, 65535, &n))
			return -1;
		s->tls_port = (uint16_t)n;
		return 1;
	default:
		return 0;
	}
}

int cli_sec_check(const char *prog, const struct cli_sec *s)
{
	if ((s->tls_ca || s->tls_port) && !s->tls_cert) {
		fprintf(stderr, "%s: --tls-ca and --tls-port need --tls-cert\n",
			prog);
		return EINVAL;
	}
	return 0;
}
