/*
 * Fuzz harness for a control socket's request line (src/ctl/server.c and
 * split.c): the bytes a client writes, framed as the server frames them (at
 * most CTL_MAX_LINE - 1 bytes, up to the first newline; a longer line is
 * dropped), then split into words. Words must be non-empty, hold no
 * separator, lie inside the line and come in order; a line is refused
 * only for having more words than the server takes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINE = 4096, MAX_ARGS = 32 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[MAX_LINE], *argv[MAX_ARGS], *nl, *end;
	size_t len = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	size_t words = 0;
	int argc;

	memcpy(line, data, len);
	line[len] = '\0';
	nl = strchr(line, '\n');
	if (!nl)
		return 0;   /* the server waits for more, or drops the client */
	*nl = '\0';
	end = nl;

	/* count the words the way a reader would: runs of non-separators */
	for (const char *p = line; *p; p++) {
		if (!strchr(" \t\r\n", *p) &&
		    (p == line || strchr(" \t\r\n", p[-1])))
			words++;
	}

	argc = ctl_split(line, argv, MAX_ARGS);
	if (words > MAX_ARGS) {
		if (argc != -E2BIG)
			abort();
		return 0;
	}
	if (argc != (int)words)
		abort();
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (!l || argv[i] < line || argv[i] + l > end ||
		    strpbrk(argv[i], " \t\r\n") ||
		    (i && argv[i] <= argv[i - 1]))
			abort();
	}
	return 0;
}
