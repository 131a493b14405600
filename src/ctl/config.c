/*
 * Configuration files for the programs (include/sipmob/cli.h): each line
 * is a long option and its value, turned into command-line arguments
 * placed before the real ones, so the one option parser (getopt_long)
 * reads both and the command line wins.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sipmob/cli.h>

enum { LINE_MAX_LEN = 4096 };

/* the vector built, reachable until exit */
static char **cfg_argv;

struct vec {
	char **v;
	int n, cap;
};


static int vec_add(struct vec *vec, const char *s)
{
	char *d;

	if (vec->n + 2 > vec->cap) {
		int cap = vec->cap ? vec->cap * 2 : 32;
		char **v = realloc(vec->v, (size_t)cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	d = strdup(s);
	if (!d)
		return ENOMEM;
	vec->v[vec->n++] = d;
	vec->v[vec->n] = NULL;

	return 0;
}


static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		++s;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';

	return s;
}


/* The file's name from argv, or the default if it exists; NULL: none */
static const char *config_path(const char *prog, int argc, char **argv,
			       char *buf, size_t sz)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}

	snprintf(buf, sz, "/etc/sipmob/%s.conf", prog);

	return access(buf, F_OK) ? NULL : buf;
}


static bool is_true(const char *v, bool *b)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*b = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*b = false;
			return true;
		}
	}

	return false;
}


/* One line into vec; a message in why when it is wrong */
static int config_line(const struct option *opts, char *line, struct vec *vec,
		       char *why, size_t whysz)
{
	const struct option *o;
	char *name = trim(line), *val = NULL, *eq, opt[256];
	size_t vlen;
	bool b;

	if (!*name || *name == '#')
		return 0;

	eq = strchr(name, '=');
	if (eq) {
		*eq = '\0';
		val = trim(eq + 1);
		name = trim(name);
		vlen = strlen(val);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val[vlen - 1] = '\0';
			++val;
		}
	}

	for (o = opts; o->name; o++) {
		if (!strcmp(o->name, name))
			break;
	}
	if (!o->name || !strcmp(name, "config") || !strcmp(name, "help") ||
	    !strcmp(name, "version")) {
		snprintf(why, whysz, "unknown option '%s'", name);
		return EINVAL;
	}

	snprintf(opt, sizeof(opt), "--%s", name);
	if (o->has_arg == no_argument) {
		if (val && !is_true(val, &b)) {
			snprintf(why, whysz, "'%s' takes true or false, not"
				 " '%s'", name, val);
			return EINVAL;
		}
		return (!val || b) ? vec_add(vec, opt) : 0;
	}
	if (!val || (!*val && o->has_arg == required_argument)) {
		snprintf(why, whysz, "'%s' needs a value (%s = VALUE)", name,
			 name);
		return EINVAL;
	}
	if (o->has_arg == optional_argument) {
		char both[LINE_MAX_LEN + 260];

		snprintf(both, sizeof(both), "%s=%s", opt, val);
		return vec_add(vec, both);
	}

	return vec_add(vec, opt) || vec_add(vec, val) ? ENOMEM : 0;
}


int cli_config(const char *prog, const struct option *opts, int *argc,
	       char ***argv)
{
	struct vec vec = {NULL, 0, 0};
	char dflt[256], line[LINE_MAX_LEN], why[LINE_MAX_LEN + 64];
	const char *path;
	unsigned lineno = 0;
	FILE *f;
	int err = 0;

	if (!prog || !opts || !argc || !argv || !*argv)
		return EINVAL;

	path = config_path(prog, *argc, *argv, dflt, sizeof(dflt));
	if (!path)
		return 0;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EINVAL;
	}

	err = vec_add(&vec, (*argv)[0]);
	while (!err && fgets(line, sizeof(line), f)) {
		++lineno;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(why, sizeof(why), "line too long");
			err = EINVAL;
			break;
		}
		why[0] = '\0';
		err = config_line(opts, line, &vec, why, sizeof(why));
	}
	if (!err && ferror(f)) {
		snprintf(why, sizeof(why), "read error");
		err = EINVAL;
	}
	fclose(f);

	for (int i = 1; !err && i < *argc; i++)
		err = vec_add(&vec, (*argv)[i]);

	if (err) {
		if (err == ENOMEM)
			fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		else
			fprintf(stderr, "%s: %s:%u: %s\n", prog, path, lineno,
				why);
		for (int i = 0; i < vec.n; i++)
			free(vec.v[i]);
		free(vec.v);
		return EINVAL;
	}

	/* a vector of an earlier call is copied by now */
	for (char **p = cfg_argv; p && *p; p++)
		free(*p);
	free(cfg_argv);
	cfg_argv = vec.v;
	*argc = vec.n;
	*argv = cfg_argv;

	return 0;
}
