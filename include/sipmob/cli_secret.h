/**
 * @file cli_secret.h  Secrets for the programs, from a file or the
 * environment and never only from the command line, where every user of
 * the machine can read them (ps, /proc/PID/cmdline).
 */

/** The text of file path, or when path is NULL of the environment
 *  variable env (NULL both, or env unset: *textp NULL, 0). Warns when the
 *  file can be read by others. Prints "PROG: OPT PATH: why" and returns
 *  the errno on failure. */
int cli_secret_text(const char *prog, const char *opt, const char *path,
		    const char *env, char **textp);
/** The same, cut at the first line end: a password */
int cli_secret_line(const char *prog, const char *opt, const char *path,
		    const char *env, char **linep);
