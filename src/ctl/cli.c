/*
 * Number options for the programs (include/sipmob/cli.h). atoi() would take
 * "abc" as 0 and "-5" as a huge timeout; here a number is the whole
 * argument, or the program refuses it and says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sipmob/cli.h>

int cli_long(const char *prog, const char *opt, const char *s, long min,
	     long max, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || n < min || n > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %ld..%ld)\n", prog, opt,
			s ? s : "", min, max);
		return EINVAL;
	}
	*v = n;
	return 0;
}
