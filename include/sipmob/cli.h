/**
 * @file cli.h  Command-line option values, checked the same way by every
 * sipmob program: a number is the whole argument, in range, or the program
 * says which option was wrong and exits 2.
 */

/** Parses s as a whole decimal number in [min, max]. On failure prints
 *  "PROG: bad OPT 'S' (want MIN..MAX)" on stderr and returns EINVAL. */
int cli_long(const char *prog, const char *opt, const char *s, long min,
	     long max, long *v);

/* Configuration files */
#include <getopt.h>

/** getopt_long value of --config, and its entry in an option table */
enum { CLI_CONFIG = 0x7c00 };
#define CLI_CONFIG_OPTION {"config", required_argument, NULL, CLI_CONFIG}

/**
 * Reads the program's configuration file, one `option = value` line per
 * long option of opts (a bare `option`, or `option = true`, for one that
 * takes no value; `# comments`), and puts its options into *argv before
 * the command line's, so that an option given on both wins from the
 * command line (getopt takes the last). The file is --config FILE (or
 * --config=FILE) of argv, else /etc/sipmob/PROG.conf if it exists.
 * Returns 0 (argc and argv may now point at a new vector, kept until
 * exit); EINVAL after printing "PROG: FILE:LINE: why" on stderr, for the
 * caller to exit 2.
 */
int cli_config(const char *prog, const struct option *opts, int *argc,
	       char ***argv);
