/**
 * @file cli_sec.h  The options of signed referrals (RFC 3892/3893) and of
 * SIP over TLS, which sipmob-device and sipmob-mn share: one table entry
 * list, one parser, one check.
 */

enum cli_sec_opt {
	CLI_SEC_AIB_CERT = 1401,
	CLI_SEC_AIB_KEY,
	CLI_SEC_AIB_CA,
	CLI_SEC_AIB_WINDOW,
	CLI_SEC_TLS_CERT = 1501,
	CLI_SEC_TLS_CA,
	CLI_SEC_TLS_PORT,
};

/** Their entries in a getopt_long table */
#define CLI_SEC_OPTIONS \
	{"aib-cert",   required_argument, NULL, CLI_SEC_AIB_CERT},   \
	{"aib-key",    required_argument, NULL, CLI_SEC_AIB_KEY},    \
	{"aib-ca",     required_argument, NULL, CLI_SEC_AIB_CA},     \
	{"aib-window", required_argument, NULL, CLI_SEC_AIB_WINDOW}, \
	{"tls-cert",   required_argument, NULL, CLI_SEC_TLS_CERT},   \
	{"tls-ca",     required_argument, NULL, CLI_SEC_TLS_CA},     \
	{"tls-port",   required_argument, NULL, CLI_SEC_TLS_PORT}

struct cli_sec {
	const char *aib_cert, *aib_key, *aib_ca;   /* PEM files */
	uint32_t aib_window;                       /* s; 0: the default */
	const char *tls_cert, *tls_ca;             /* PEM files */
	uint16_t tls_port;                         /* 0: the SIP port + 1 */
};

/** Takes option c with its argument when it is one of these: 1 taken,
 *  0 not one of these, -1 a bad value (said on stderr as PROG: ...). */
int cli_sec_option(const char *prog, int c, const char *arg,
		   struct cli_sec *s);
/** The options agree (--tls-ca and --tls-port need --tls-cert): 0, or
 *  EINVAL said on stderr. */
int cli_sec_check(const char *prog, const struct cli_sec *s);
