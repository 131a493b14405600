/*
 * Fuzz harness for what the map page's HTTP server reads from a request
 * (src/web/request.c): the JSON body of POST /api/command, turned into a
 * control socket request line; query parameters; the Host header. A line
 * that is accepted must split back into the same number of words (at most
 * the socket's 32), each a word (no white space or control character);
 * a decoded parameter fits its buffer and holds no NUL before its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include "web/web_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[WEB_LINE_MAX], copy[WEB_LINE_MAX], why[160], out[64];
	char *argv[WEB_MAX_WORDS + 1];
	struct pl pl = {(const char *)data, size};
	int argc;

	if (!web_args_line(line, sizeof(line), (const char *)data, size, why,
			   sizeof(why))) {
		size_t words = 1;

		if (!line[0])
			abort();
		for (const char *p = line; *p; p++) {
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				abort();
			words += *p == ' ';
		}
		str_ncpy(copy, line, sizeof(copy));
		argc = ctl_split(copy, argv, WEB_MAX_WORDS);
		if (argc < 1 || (size_t)argc != words)
			abort();
		for (int i = 0; i < argc; i++) {
			if (!web_word_ok(argv[i]))
				abort();
		}
	}
	else if (!why[0]) {
		abort();   /* every refusal says why */
	}

	for (size_t sz = 1; sz <= sizeof(out); sz *= 4) {
		if (!web_query_get(&pl, "token", out, sz) &&
		    strlen(out) >= sz)
			abort();
	}
	(void)web_query_get(&pl, "room", out, sizeof(out));
	(void)web_host_loopback(&pl);
	(void)web_token_equal("0123456789abcdef0123456789abcdef", &pl);
	return 0;
}
