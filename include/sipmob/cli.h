/**
 * @file cli.h  Command-line option values, checked the same way by every
 * sipmob program: a number is the whole argument, in range, or the program
 * says which option was wrong and exits 2.
 */

/** Parses s as a whole decimal number in [min, max]. On failure prints
 *  "PROG: bad OPT 'S' (want MIN..MAX)" on stderr and returns EINVAL. */
int cli_long(const char *prog, const char *opt, const char *s, long min,
	     long max, long *v);
