/*
 * The map page's HTTP server, inside: what http.c shares with the pure
 * request helpers of request.c (tested and fuzzed without a server).
 */

enum {
	WEB_MAX_BODY  = 8192,   /* a command's JSON body                   */
	WEB_MAX_WORDS = 32,     /* as the control socket's CTL_MAX_ARGS    */
	WEB_LINE_MAX  = 4096,   /* as the control socket's CTL_MAX_LINE    */
	WEB_TOKEN_LEN = 32,     /* hex digits of the start-up token        */
};

/** {"args":["move","--audio","sip:speaker@h"]} to the control socket's
 *  request line "move --audio sip:speaker@h". Each word a non-empty
 *  string without white space or control characters. 0, or EINVAL /
 *  E2BIG / EBADMSG with the reason in why. */
int  web_args_line(char *line, size_t sz, const char *json, size_t len,
		   char *why, size_t whysz);
/** true when word can be one word of a request line */
bool web_word_ok(const char *word);
/** The value of query parameter name in prm ("a=b&c=d", with or without
 *  the leading '?'), %XX and '+' decoded, NUL-ended in out. 0, ENOENT,
 *  EINVAL (a bad escape or a NUL in it) or E2BIG. */
int  web_query_get(const struct pl *prm, const char *name, char *out,
		   size_t sz);
/** a and b equal, in time that depends on their length only */
bool web_token_equal(const char *a, const struct pl *b);
/** A Host header that names this machine's loopback (127.0.0.0/8, [::1],
 *  localhost), with or without a port: what a page of ours shows. */
bool web_host_loopback(const struct pl *host);
