/*
 * sipmob-sa: a proxy Service Agent for basic devices (spec §4): it reads a
 * file of services, one per line
 *
 *     URL ATTRIBUTES [LIFETIME]
 *
 * e.g. "sip:phone@10.0.0.7 (room=123),(media=audio) 300", registers them
 * with the DAs it knows and answers multicast requests for them itself.
 * On SIGTERM it deregisters everything and exits. The protocol is in
 * src/slp/sa.c.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/slp.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-sa [options] FILE\n"
"  FILE lines: URL ATTRIBUTES [LIFETIME]   ('#' starts a comment; the\n"
"              lifetime, if given, is the last word and all digits)\n"
"  -d, --da ADDR[:PORT]   register with this DA (default: DAs found by\n"
"                         multicast and heard in DAAdverts)\n"
"  -s, --scopes LIST      scopes (default DEFAULT)\n"
"  -t, --type TYPE        service type (default service:sip-device)\n"
"  -l, --lifetime S       default lifetime (default 300)\n"
"  -L, --listen ADDR[:PORT]  our unicast address and port (default\n"
"                         any address, any port)\n"
"  -p, --port PORT        multicast port (default 427)\n"
"      --no-multicast     neither listen to nor send multicast\n"
"  -v, --verbose          more logs (twice: every message)\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-sa.conf, if any)\n"
"  -h, --help, -V, --version\n");
}

static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}

static void done_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static int load(struct slp_sa *sa, const char *path, const char *type,
		unsigned long deflife)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	unsigned n = 0, lineno = 0;
	int err = 0;

	if (!f) {
		fprintf(stderr, "sipmob-sa: %s: %s\n", path, strerror(errno));
		return errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *url, *attrs, *end, *last;
		unsigned long life = deflife;

		lineno++;
		p[strcspn(p, "\r\n")] = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		url = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
		while (isspace((unsigned char)*p))
			p++;
		attrs = p;
		end = attrs + strlen(attrs);
		while (end > attrs && isspace((unsigned char)end[-1]))
			*--end = 0;
		last = strrchr(attrs, ' ');
		last = last ? last + 1 : attrs;
		if (*last && strspn(last, "0123456789") == strlen(last)) {
			life = strtoul(last, NULL, 10);
			*last = 0;
			end = last;
			while (end > attrs && isspace((unsigned char)end[-1]))
				*--end = 0;
		}
		if (!life || life > 65535) {
			fprintf(stderr, "sipmob-sa: %s:%u: bad lifetime\n",
				path, lineno);
			err = EINVAL;
			break;
		}
		err = slp_sa_register(sa, url, type, attrs, (uint16_t)life);
		if (err) {
			fprintf(stderr, "sipmob-sa: %s:%u: bad service: %s\n",
				path, lineno, strerror(err));
			break;
		}
		n++;
	}
	fclose(f);
	if (!err)
		fprintf(stderr, "sipmob-sa: %u service(s) from %s\n", n, path);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"da", required_argument, NULL, 'd'},
		{"scopes", required_argument, NULL, 's'},
		{"type", required_argument, NULL, 't'},
		{"lifetime", required_argument, NULL, 'l'},
		{"listen", required_argument, NULL, 'L'},
		{"port", required_argument, NULL, 'p'},
		{"no-multicast", no_argument, NULL, 1},
		{"verbose", no_argument, NULL, 'v'},
		CLI_CONFIG_OPTION,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct slp_sa_conf conf;
	struct slp_sa *sa = NULL;
	const char *type = SLP_TYPE_DEVICE;
	unsigned long life = 300;
	long v;
	int c, err;

	memset(&conf, 0, sizeof(conf));
	conf.name = "sipmob-sa";
	if (cli_config("sipmob-sa", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "d:s:t:l:L:p:vhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'd': conf.da = optarg; break;
		case 's': conf.scopes = optarg; break;
		case 't': type = optarg; break;
		case 'l':
			if (cli_long("sipmob-sa", "--lifetime", optarg, 1, 65535, &v))
				return 2;
			life = (unsigned long)v;
			break;
		case 'L': conf.laddr = optarg; break;
		case 'p':
			if (cli_long("sipmob-sa", "--port", optarg, 1, 65535, &v))
				return 2;
			conf.port = (uint16_t)v;
			break;
		case 1: conf.no_mcast = true; break;
		case 'v': conf.verbose++; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-sa %s\n", SIPMOB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	err = libre_init();
	if (err)
		return 1;
	err = slp_sa_alloc(&sa, &conf);
	if (err) {
		fprintf(stderr, "sipmob-sa: cannot start: %s\n",
			strerror(err));
		goto out;
	}
	err = load(sa, argv[optind], type, life);
	if (err)
		goto out;
	fprintf(stderr, "sipmob-sa: ready\n");
	(void)re_main(signal_handler);
	/* SIGTERM: deregister everything, then leave (bounded: ~1 s) */
	fprintf(stderr, "sipmob-sa: deregistering\n");
	slp_sa_shutdown(sa, done_h, NULL);
	(void)re_main(signal_handler);
	fprintf(stderr, "sipmob-sa: stopped\n");
 out:
	mem_deref(sa);
	libre_close();
	return err ? 1 : 0;
}
