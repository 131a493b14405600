/*
 * A request line's words: the one parse step every control socket shares,
 * kept apart from the socket so that it can be tested and fuzzed alone.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>

int ctl_split(char *line, char *argv[], int maxargs)
{
	char *save = NULL, *tok, *p = line;
	int argc = 0;

	if (!line || !argv || maxargs <= 0)
		return -EINVAL;

	while ((tok = strtok_r(p, " \t\r\n", &save))) {
		/* more words than a command takes: refused whole, never
		 * cut short (a cut move would be a different move) */
		if (argc == maxargs)
			return -E2BIG;
		argv[argc++] = tok;
		p = NULL;
	}
	return argc;
}
