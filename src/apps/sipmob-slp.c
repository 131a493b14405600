/*
 * sipmob-slp: an SLPv2 User Agent on the command line, with slptool's
 * verbs (findsrvs, findattrs, findsrvtypes, register, deregister) and
 * finddevices, the spec's Figure 1 (SrvRqst, then AttrRqst per URL).
 * All of the protocol is in src/slp/ua.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/slp.h>

struct app {
	bool json;
	int rc;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-slp [options] VERB ARGS...\n"
"verbs:\n"
"  findsrvs TYPE [PREDICATE]      service URLs (and lifetimes)\n"
"  findattrs URL|TYPE [TAGS]      attributes of a URL, or the union of a\n"
"                                 service type's attributes\n"
"  findsrvtypes [AUTHORITY]       service types (all authorities by\n"
"                                 default; \"\" for IANA only)\n"
"  finddevices [PREDICATE]        service:sip-device URLs with their\n"
"                                 attributes (spec Figure 1)\n"
"  register URL ATTRS             register (needs a DA)\n"
"  deregister URL                 deregister (needs a DA)\n"
"options:\n"
"  -d, --da ADDR[:PORT]     ask this DA (default: find one by multicast,\n"
"                           else ask the SAs by multicast)\n"
"  -s, --scopes LIST        scopes (default DEFAULT)\n"
"  -t, --type TYPE          service type for register (default\n"
"                           service:sip-device)\n"
"  -l, --lifetime S         registration lifetime (default 300)\n"
"  -p, --port PORT          multicast port (default 427)\n"
"  -T, --timeout MS         per request (default 3000)\n"
"  -j, --json               print JSON\n"
"  -v, --verbose            log to stderr (twice: every message)\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-slp.conf, if any)\n"
"  -h, --help, -V, --version\n"
"exit status: 0 answered, 1 error or no answer, 2 usage\n");
}

static int json_str(struct re_printf *pf, const struct pl *s)
{
	int err = re_hprintf(pf, "\"");

	for (size_t i = 0; s && i < s->l && !err; i++) {
		unsigned char c = (unsigned char)s->p[i];

		if (c == '"' || c == '\\')
			err = re_hprintf(pf, "\\%c", c);
		else if (c < 0x20)
			err = re_hprintf(pf, "\\u%04x", c);
		else
			err = re_hprintf(pf, "%c", c);
	}
	return err | re_hprintf(pf, "\"");
}

static bool failed(struct app *a, int err, uint16_t se)
{
	if (err) {
		fprintf(stderr, "sipmob-slp: %s\n", err == ETIMEDOUT ?
			"no answer" : strerror(err));
		a->rc = 1;
		return true;
	}
	if (se) {
		fprintf(stderr, "sipmob-slp: error %u (%s)\n", se,
			slp_err_name(se));
		a->rc = 1;
		return true;
	}
	return false;
}

static void srvs_h(int err, uint16_t se, const struct slp_ua_url *v,
		   size_t n, void *arg)
{
	struct app *a = arg;

	if (!failed(a, err, se)) {
		if (a->json)
			re_printf("[");
		for (size_t i = 0; i < n; i++) {
			if (a->json)
				re_printf("%s{\"url\":%H,\"lifetime\":%u}",
					  i ? "," : "", json_str, &v[i].url,
					  v[i].lifetime);
			else
				re_printf("%r,%u\n", &v[i].url,
					  v[i].lifetime);
		}
		if (a->json)
			re_printf("]\n");
	}
	re_cancel();
}

static void list_h(int err, uint16_t se, const struct pl *list, void *arg)
{
	struct app *a = arg;

	if (!failed(a, err, se)) {
		if (a->json)
			re_printf("%H\n", json_str, list);
		else
			re_printf("%r\n", list);
	}
	re_cancel();
}

static void ack_h(int err, uint16_t se, void *arg)
{
	struct app *a = arg;

	if (!failed(a, err, se)) {
		if (a->json)
			re_printf("{\"error\":0}\n");
	}
	re_cancel();
}

static int attrs_json(struct re_printf *pf, const struct slp_attrs *at)
{
	int err = re_hprintf(pf, "{");

	for (size_t i = 0; at && i < at->n; i++) {
		const struct slp_attr *t = &at->v[i];

		err |= re_hprintf(pf, "%s%H:", i ? "," : "", json_str,
				  &t->tag);
		if (!t->nval) {
			err |= re_hprintf(pf, "true");
			continue;
		}
		err |= re_hprintf(pf, "[");
		for (size_t k = 0; k < t->nval; k++) {
			const struct slp_val *v = &t->val[k];

			err |= re_hprintf(pf, "%s", k ? "," : "");
			if (v->type == SLP_T_INTEGER)
				err |= re_hprintf(pf, "%lld",
						  (long long)v->i);
			else if (v->type == SLP_T_BOOLEAN)
				err |= re_hprintf(pf, "%s",
						  v->i ? "true" : "false");
			else
				err |= json_str(pf, v->type ==
						SLP_T_OPAQUE ? &v->raw :
						&v->s);
		}
		err |= re_hprintf(pf, "]");
	}
	return err | re_hprintf(pf, "}");
}

static void devices_h(int err, const struct slp_device *v, size_t n,
		      void *arg)
{
	struct app *a = arg;

	if (!failed(a, err, 0)) {
		if (a->json)
			re_printf("[");
		for (size_t i = 0; i < n; i++) {
			if (a->json)
				re_printf("%s{\"url\":%H,\"lifetime\":%u,"
					  "\"attrs\":%H}", i ? "," : "",
					  json_str, &v[i].url,
					  v[i].lifetime, attrs_json,
					  v[i].parsed);
			else
				re_printf("%r %r\n", &v[i].url,
					  &v[i].attrs);
		}
		if (a->json)
			re_printf("]\n");
	}
	re_cancel();
}

static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"da", required_argument, NULL, 'd'},
		{"scopes", required_argument, NULL, 's'},
		{"type", required_argument, NULL, 't'},
		{"lifetime", required_argument, NULL, 'l'},
		{"port", required_argument, NULL, 'p'},
		{"timeout", required_argument, NULL, 'T'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		CLI_CONFIG_OPTION,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct slp_ua_conf conf;
	struct slp_ua *ua = NULL;
	struct app app = {false, 0};
	const char *type = SLP_TYPE_DEVICE, *verb;
	unsigned long lifetime = 300;
	long v;
	int c, err, nargs;

	memset(&conf, 0, sizeof(conf));
	if (cli_config("sipmob-slp", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "d:s:t:l:p:T:jvhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'd': conf.da = optarg; break;
		case 's': conf.scopes = optarg; break;
		case 't': type = optarg; break;
		case 'l':
			if (cli_long("sipmob-slp", "--lifetime", optarg, 1, 65535, &v))
				return 2;
			lifetime = (unsigned long)v;
			break;
		case 'p':
			if (cli_long("sipmob-slp", "--port", optarg, 1, 65535, &v))
				return 2;
			conf.port = (uint16_t)v;
			break;
		case 'T':
			if (cli_long("sipmob-slp", "--timeout", optarg, 1, 600000, &v))
				return 2;
			conf.timeout_ms = (uint32_t)v;
			break;
		case 'j': app.json = true; break;
		case 'v': conf.verbose++; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-slp %s\n", SIPMOB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	verb = argv[optind++];
	nargs = argc - optind;

	err = libre_init();
	if (err)
		return 1;
	err = slp_ua_alloc(&ua, &conf);
	if (err) {
		fprintf(stderr, "sipmob-slp: %s\n", strerror(err));
		libre_close();
		return 1;
	}

#define ARGS(lo, hi) if (nargs < (lo) || nargs > (hi)) goto usage_err
	if (!strcmp(verb, "findsrvs")) {
		ARGS(1, 2);
		err = slp_ua_findsrvs(ua, argv[optind], nargs > 1 ?
				      argv[optind + 1] : "", srvs_h, &app);
	}
	else if (!strcmp(verb, "findattrs")) {
		ARGS(1, 2);
		err = slp_ua_findattrs(ua, argv[optind], nargs > 1 ?
				       argv[optind + 1] : "", list_h, &app);
	}
	else if (!strcmp(verb, "findsrvtypes")) {
		ARGS(0, 1);
		err = slp_ua_findsrvtypes(ua, nargs ? argv[optind] : NULL,
					  list_h, &app);
	}
	else if (!strcmp(verb, "finddevices")) {
		ARGS(0, 1);
		err = slp_ua_find_devices(ua, nargs ? argv[optind] : "",
					  devices_h, &app);
	}
	else if (!strcmp(verb, "register")) {
		ARGS(1, 2);
		err = slp_ua_register(ua, argv[optind], type, nargs > 1 ?
				      argv[optind + 1] : "",
				      (uint16_t)lifetime, ack_h, &app);
	}
	else if (!strcmp(verb, "deregister")) {
		ARGS(1, 1);
		err = slp_ua_deregister(ua, argv[optind], ack_h, &app);
	}
	else {
		fprintf(stderr, "sipmob-slp: unknown verb: %s\n", verb);
		goto usage_err;
	}
	if (err) {
		fprintf(stderr, "sipmob-slp: %s: %s\n", verb, strerror(err));
		app.rc = err == EINVAL ? 2 : 1;
	}
	else {
		(void)re_main(signal_handler);
	}
	mem_deref(ua);
	libre_close();
	return app.rc;

 usage_err:
	mem_deref(ua);
	libre_close();
	usage(stderr);
	return 2;
}
