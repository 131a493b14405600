/*
 * Secrets from a file or an environment variable (cli_secret.h). A file is
 * read whole (at most 64 KiB); a file that group or others may read is
 * used, with a warning, as ssh does for keys only in its strict mode: the
 * programs run in test namespaces as root as well as in deployments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include <sipmob/cli_secret.h>

enum { SECRET_TEXT_MAX = 65536 };

static int file_read(const char *prog, const char *opt, const char *path,
		     char **textp)
{
	struct stat st;
	char *text;
	size_t n;
	FILE *f;
	int err = 0;

	f = fopen(path, "r");
	if (!f) {
		err = errno;
		fprintf(stderr, "%s: %s %s: %s\n", prog, opt, path,
			strerror(err));
		return err;
	}
	if (!fstat(fileno(f), &st) && (st.st_mode & 077))
		fprintf(stderr, "%s: warning: %s %s can be read by others"
			" (chmod 600)\n", prog, opt, path);
	text = mem_zalloc(SECRET_TEXT_MAX + 1, NULL);
	if (!text) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(text, 1, SECRET_TEXT_MAX + 1, f);
	if (ferror(f) || n > SECRET_TEXT_MAX) {
		err = ferror(f) ? EIO : EFBIG;
		fprintf(stderr, "%s: %s %s: %s\n", prog, opt, path,
			err == EIO ? "cannot read it" : "larger than 64 KiB");
		mem_deref(text);
	}
	else {
		*textp = text;
	}
	fclose(f);
	return err;
}

int cli_secret_text(const char *prog, const char *opt, const char *path,
		    const char *env, char **textp)
{
	const char *v;

	if (!prog || !opt || !textp)
		return EINVAL;
	*textp = NULL;
	if (path)
		return file_read(prog, opt, path, textp);
	v = env ? getenv(env) : NULL;
	return v ? str_dup(textp, v) : 0;
}

int cli_secret_line(const char *prog, const char *opt, const char *path,
		    const char *env, char **linep)
{
	int err = cli_secret_text(prog, opt, path, env, linep);

	if (err || !*linep)
		return err;
	(*linep)[strcspn(*linep, "\r\n")] = '\0';
	if (!**linep) {
		fprintf(stderr, "%s: %s: the secret is empty\n", prog,
			path ? path : env);
		*linep = mem_deref(*linep);
		return EINVAL;
	}
	return 0;
}
