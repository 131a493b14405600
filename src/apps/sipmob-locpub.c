/*
 * sipmob-locpub: publishes a user's civic location (PIDF-LO, RFC 4119 and
 * 5139) to a presence server with PUBLISH (RFC 3903), as a badge reader
 * or a room's beacon would when it sees the user. One shot (publish, print
 * the entity tag, exit) or, with --stay, kept and refreshed until stopped,
 * a new location set over its control socket. See docs/sipmob-locpub.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/cli_secret.h>
#include <sipmob/ctl.h>
#include <sipmob/daemon.h>
#include <sipmob/pidf_lo.h>
#include <sipmob/sip_auth.h>
#include <sipmob/sipua.h>

#define PIDF_CTYPE "application/pidf+xml"

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-locpub --server URI --user AOR --sip ADDR:PORT [location]\n"
"                     [options]\n"
"\n"
"Publishes USER's civic location (PIDF-LO) to a presence server.\n"
"\n"
"  -S, --server URI        the presence server, sip:HOST:PORT; the PUBLISH\n"
"                          goes to sip:USER@HOST:PORT\n"
"  -u, --user AOR          the user: NAME or sip:NAME@DOMAIN (the PIDF\n"
"                          entity; default domain: the server's host)\n"
"location (each a civic address type of RFC 5139):\n"
"      --country CC        two-letter country code\n"
"      --a1 S, --a3 S      state or region; city\n"
"      --street S          street (RD), --hno N  house number\n"
"      --building B        building (BLD), --floor F  floor (FLR)\n"
"  -r, --room R            room (ROOM)\n"
"      --civic TYPE=VALUE  any other type (A2, LOC, PC, UNIT, SEAT...)\n"
"      --method M          how the location was found (default Manual)\n"
"      --pidf FILE         one shot: publish FILE as it is instead (a\n"
"                          document made elsewhere; nothing is checked)\n"
"options:\n"
"  -e, --expires S         how long the server keeps it (default 600)\n"
"      --stay              keep it published, refreshed, until stopped\n"
"  -C, --control SOCK      with --stay: `set [location options]`, `remove`\n"
"                          and `status` on this socket (sipmob -C SOCK)\n"
"      --if-match ETAG     one shot: replace the state of that tag\n"
"      --remove            one shot: remove it (with --if-match)\n"
"      --credentials FILE  answer the server's Digest challenge: \"REALM\n"
"                          USER SECRET\" lines (else $SIPMOB_CREDENTIALS)\n"
"  -s, --sip ADDR:PORT     our SIP address, UDP and TCP (required)\n"
"      --verbose           log every SIP message\n"
"  -h, --help, -V, --version\n");
}

struct locpub {
	char *doc;               /* --pidf: the document as it is */
	struct sipep *ep;
	struct sippub *pub;
	struct ctl *ctl;
	struct pidf_lo lo;
	bool stay;
	bool removing;
	int result;              /* one shot: the exit code */
	uint16_t last_scode;
	char last_reason[64];
	int last_err;
};

/* One location option into lo; false (and a message) when bad */
static bool civic_set(struct pidf_lo *lo, const char *type, const char *val)
{
	int f = pidf_civic_field(type);

	if (f < 0) {
		fprintf(stderr, "sipmob-locpub: '%s' is no civic address type"
			" of RFC 5139 (country, A1..A6, RD, HNO, BLD, FLR,"
			" ROOM...)\n", type);
		return false;
	}
	if (!pidf_lo_value_valid(val)) {
		fprintf(stderr, "sipmob-locpub: %s '%s': want 1 to %d bytes of"
			" text, no leading, trailing or doubled spaces\n",
			type, val, PIDF_LO_VALUE - 1);
		return false;
	}
	str_ncpy(lo->v[f], val, sizeof(lo->v[f]));
	return true;
}

/* --room R, --civic T=V...: argv[i] is the option; true when taken */
static int location_opt(struct pidf_lo *lo, const char *opt,
			const char *val)
{
	static const struct { const char *opt, *type; } map[] = {
		{"--country", "country"}, {"--a1", "A1"}, {"--a3", "A3"},
		{"--street", "RD"}, {"--hno", "HNO"}, {"--building", "BLD"},
		{"--floor", "FLR"}, {"--room", "ROOM"},
	};
	char type[16];
	const char *eq;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(opt, map[i].opt))
			return civic_set(lo, map[i].type, val) ? 1 : -1;
	}
	if (!strcmp(opt, "--method")) {
		if (!pidf_lo_value_valid(val) || strlen(val) >= sizeof(lo->method)) {
			fprintf(stderr, "sipmob-locpub: bad --method\n");
			return -1;
		}
		str_ncpy(lo->method, val, sizeof(lo->method));
		return 1;
	}
	if (strcmp(opt, "--civic"))
		return 0;
	eq = strchr(val, '=');
	if (!eq || eq == val || (size_t)(eq - val) >= sizeof(type)) {
		fprintf(stderr, "sipmob-locpub: --civic %s: want TYPE=VALUE\n",
			val);
		return -1;
	}
	str_ncpy(type, val, (size_t)(eq - val) + 1);
	return civic_set(lo, type, eq + 1) ? 1 : -1;
}

/* A document to publish as it is: ENOENT unreadable, EINVAL empty or
 * longer than a reader takes */
static int read_doc(const char *path, char **docp)
{
	FILE *f = fopen(path, "rb");
	char *doc;
	size_t n;

	if (!f)
		return ENOENT;
	doc = mem_zalloc(PIDF_LO_MAXLEN + 2, NULL);
	n = doc ? fread(doc, 1, PIDF_LO_MAXLEN + 1, f) : 0;
	(void)fclose(f);
	if (!doc)
		return ENOMEM;
	if (!n || n > PIDF_LO_MAXLEN || strlen(doc) != n) {
		mem_deref(doc);
		return EINVAL;
	}
	*docp = doc;
	return 0;
}

static int print_h(struct re_printf *pf, void *arg)
{
	return pidf_lo_print(pf, arg);
}

static int publish(struct locpub *lp)
{
	char *doc = NULL;
	int err;

	if (lp->doc)
		return sippub_publish(lp->pub, PIDF_CTYPE, lp->doc,
				      strlen(lp->doc));
	err = re_sdprintf(&doc, "%H", print_h, &lp->lo);
	if (!err)
		err = sippub_publish(lp->pub, PIDF_CTYPE, doc, strlen(doc));
	mem_deref(doc);
	return err;
}

static void pub_handler(int err, uint16_t scode, const char *reason,
			void *arg)
{
	struct locpub *lp = arg;
	bool ok = !err && scode < 300;

	lp->last_err = err;
	lp->last_scode = scode;
	str_ncpy(lp->last_reason, reason ? reason : "",
		 sizeof(lp->last_reason));
	if (ok)
		re_fprintf(stderr, "locpub: %s %s: %u %s (etag %s)\n",
			   lp->removing ? "removed" : "published",
			   lp->lo.v[PIDF_ROOM][0] ? lp->lo.v[PIDF_ROOM] :
			   "(no room)", scode, reason,
			   sippub_etag(lp->pub) ? sippub_etag(lp->pub) : "-");
	else
		re_fprintf(stderr, "locpub: PUBLISH failed: %s%u %s\n",
			   err ? strerror(err) : "", scode, reason ? reason :
			   "");
	if (lp->stay)
		return;
	if (ok && !lp->removing)
		printf("etag=%s\n", sippub_etag(lp->pub) ?
		       sippub_etag(lp->pub) : "");
	(void)fflush(stdout);
	lp->result = ok ? 0 : 1;
	re_cancel();
}

static int put_status(const struct locpub *lp, struct odict *reply)
{
	struct odict *loc;
	int err;

	err  = ctl_put_str(reply, "etag", sippub_etag(lp->pub));
	err |= ctl_put_int(reply, "published", (int64_t)sippub_count(lp->pub));
	err |= ctl_put_int(reply, "last_status", lp->last_scode);
	if (lp->last_err)
		err |= ctl_put_str(reply, "last_error", strerror(lp->last_err));
	err |= ctl_put_obj(reply, "location", &loc);
	for (int i = 0; i < PIDF_NFIELDS && !err; i++) {
		if (lp->lo.v[i][0])
			err |= ctl_put_str(loc, pidf_civic_name(i), lp->lo.v[i]);
	}
	return err;
}

static int command_handler(struct ctl_request *req, int argc, char *argv[],
			   struct odict *reply, void *arg)
{
	struct locpub *lp = arg;
	struct pidf_lo next;
	int i, err;
	(void)req;

	if (!strcmp(argv[0], "status"))
		return put_status(lp, reply);
	if (!strcmp(argv[0], "remove")) {
		lp->removing = true;
		err = sippub_remove(lp->pub);
		if (err)
			ctl_put_str(reply, "error", "nothing published");
		return err;
	}
	if (strcmp(argv[0], "set")) {
		ctl_put_str(reply, "error", "unknown command (set, remove,"
			    " status)");
		return EINVAL;
	}
	next = lp->lo;   /* the options given change those types only */
	for (i = 1; i + 1 < argc; i += 2) {
		if (location_opt(&next, argv[i], argv[i + 1]) != 1)
			break;
	}
	if (i != argc || argc < 3) {
		ctl_put_str(reply, "error", "usage: set [--room R] [--floor F]"
			    " [--building B] [--civic TYPE=VALUE]...");
		return EINVAL;
	}
	lp->lo = next;
	lp->removing = false;
	err = publish(lp);
	if (err)
		ctl_put_str(reply, "error", "cannot send the PUBLISH");
	return err ? err : put_status(lp, reply);
}

/* A publisher takes no calls: a leg nobody keeps is declined (480) */
static void invite_handler(struct sipep *ep, struct sipleg *leg,
			   const struct sip_msg *msg, void *arg)
{
	(void)ep; (void)leg; (void)msg; (void)arg;
}

static void stop_handler(void *arg)
{
	struct locpub *lp = arg;

	/* a stopped badge reader says nothing more: the state expires */
	lp->pub = mem_deref(lp->pub);
}

/* sip:HOST:PORT and NAME or sip:NAME@DOMAIN -> the Request-URI
 * sip:NAME@HOST:PORT and the entity sip:NAME@DOMAIN */
static int target(const char *server, const char *user, char **ruri,
		  char *entity, size_t esz)
{
	struct uri su;
	struct pl name, domain = PL_INIT;
	struct pl spl;

	pl_set_str(&spl, server);
	if (uri_decode(&su, &spl) || !pl_isset(&su.host) || pl_isset(&su.user))
		return EINVAL;
	if (!re_regex(user, strlen(user), "sip[s]*:[^@]+@[^;>]+", NULL,
		      &name, &domain))
		;
	else
		pl_set_str(&name, user);
	if (!name.l || pl_strchr(&name, ':') || pl_strchr(&name, '@'))
		return EINVAL;
	if (re_snprintf(entity, esz, "sip:%r@%r", &name,
			domain.l ? &domain : &su.host) < 0)
		return EOVERFLOW;
	return su.port ? re_sdprintf(ruri, "sip:%r@%r:%u", &name, &su.host,
				     su.port) :
		re_sdprintf(ruri, "sip:%r@%r", &name, &su.host);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"server",   required_argument, NULL, 'S'},
		{"user",     required_argument, NULL, 'u'},
		{"room",     required_argument, NULL, 'r'},
		{"country",  required_argument, NULL, 1001},
		{"a1",       required_argument, NULL, 1001},
		{"a3",       required_argument, NULL, 1001},
		{"street",   required_argument, NULL, 1001},
		{"hno",      required_argument, NULL, 1001},
		{"building", required_argument, NULL, 1001},
		{"floor",    required_argument, NULL, 1001},
		{"civic",    required_argument, NULL, 1001},
		{"method",   required_argument, NULL, 1001},
		{"expires",  required_argument, NULL, 'e'},
		{"stay",     no_argument,       NULL, 1002},
		{"control",  required_argument, NULL, 'C'},
		{"if-match", required_argument, NULL, 1003},
		{"remove",   no_argument,       NULL, 1004},
		{"credentials", required_argument, NULL, 1005},
		{"sip",      required_argument, NULL, 's'},
		{"pidf",     required_argument, NULL, 1007},
		{"verbose",  no_argument,       NULL, 1006},
		{"help",     no_argument,       NULL, 'h'},
		{"version",  no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct locpub lp;
	struct sipep_conf ec;
	const char *server = NULL, *user = NULL, *control = NULL;
	const char *if_match = NULL, *creds_file = NULL, *pidf = NULL;
	const char *listen = NULL;
	bool remove = false, trace = false;
	struct sipauth_creds *creds = NULL;
	char *creds_text = NULL, *ruri = NULL;
	uint32_t expires = 600;
	unsigned line = 0;
	char opt[32];
	int c, idx = 0, err;
	long n;

	memset(&lp, 0, sizeof(lp));
	lp.result = 1;
	str_ncpy(lp.lo.method, "Manual", sizeof(lp.lo.method));
	while ((c = getopt_long(argc, argv, "S:u:r:e:C:s:hV", opts,
				&idx)) != -1) {
		switch (c) {

		case 'S': server = optarg; break;
		case 'u': user = optarg; break;
		case 'r':
			if (location_opt(&lp.lo, "--room", optarg) != 1)
				return 2;
			break;
		case 1001:
			re_snprintf(opt, sizeof(opt), "--%s", opts[idx].name);
			if (location_opt(&lp.lo, opt, optarg) != 1)
				return 2;
			break;
		case 'e':
			if (cli_long("sipmob-locpub", "--expires", optarg, 1,
				     86400, &n))
				return 2;
			expires = (uint32_t)n;
			break;
		case 1002: lp.stay = true; break;
		case 'C': control = optarg; break;
		case 1003: if_match = optarg; break;
		case 1004: remove = true; break;
		case 1005: creds_file = optarg; break;
		case 's': listen = optarg; break;
		case 1006: trace = true; break;
		case 1007: pidf = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-locpub " SIPMOB_VERSION "\n");
			  return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!server || !user || !listen || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (control && !lp.stay) {
		fprintf(stderr, "sipmob-locpub: --control needs --stay\n");
		return 2;
	}
	if ((if_match || remove) && lp.stay) {
		fprintf(stderr, "sipmob-locpub: --if-match and --remove are for"
			" one shot, not --stay\n");
		return 2;
	}
	if (pidf && lp.stay) {
		fprintf(stderr, "sipmob-locpub: --pidf is for one shot, not"
			" --stay\n");
		return 2;
	}
	if (remove && !if_match) {
		fprintf(stderr, "sipmob-locpub: --remove needs --if-match"
			" ETAG\n");
		return 2;
	}
	if (if_match && (strlen(if_match) > 100 || strpbrk(if_match,
							   " \t\r\n"))) {
		fprintf(stderr, "sipmob-locpub: bad --if-match\n");
		return 2;
	}
	if (target(server, user, &ruri, lp.lo.entity,
		   sizeof(lp.lo.entity))) {
		fprintf(stderr, "sipmob-locpub: want --server sip:HOST[:PORT]"
			" and --user NAME or sip:NAME@DOMAIN\n");
		return 2;
	}

	err = libre_init();
	if (err)
		return 1;
	err = cli_secret_text("sipmob-locpub", "--credentials", creds_file,
			      "SIPMOB_CREDENTIALS", &creds_text);
	if (!err && creds_text &&
	    sipauth_creds_decode(&creds, creds_text, &line)) {
		fprintf(stderr, "sipmob-locpub: --credentials: line %u: want"
			" REALM USER SECRET\n", line);
		err = EINVAL;
	}
	mem_deref(creds_text);
	if (!err && pidf) {
		err = read_doc(pidf, &lp.doc);
		if (err == ENOENT)
			fprintf(stderr, "sipmob-locpub: --pidf %s: cannot"
				" read it\n", pidf);
		else if (err) {
			fprintf(stderr, "sipmob-locpub: --pidf %s: empty,"
				" holding a NUL, or longer than %u bytes\n",
				pidf,
				(unsigned)PIDF_LO_MAXLEN);
			err = EINVAL;
		}
	}

	memset(&ec, 0, sizeof(ec));
	ec.listen = listen;
	ec.user = "locpub";
	ec.trace = trace;
	ec.software = "sipmob-locpub " SIPMOB_VERSION;
	if (!err)
		err = sipep_alloc(&lp.ep, &ec, invite_handler, NULL);
	if (!err) {
		sipep_set_credentials(lp.ep, creds);
		err = sippub_alloc(&lp.pub, lp.ep, ruri, "presence", expires,
				   pub_handler, &lp);
	}
	if (!err && if_match)
		err = sippub_set_etag(lp.pub, if_match);
	if (!err && remove) {
		lp.removing = true;
		err = sippub_remove(lp.pub);
	}
	else if (!err)
		err = publish(&lp);
	if (!err && control)
		err = ctl_alloc(&lp.ctl, control, command_handler, &lp);
	if (err)
		fprintf(stderr, "sipmob-locpub: cannot start: %s\n",
			strerror(err));
	if (!err) {
		re_fprintf(stderr, "locpub: %s at %s, %s\n", lp.lo.entity, ruri,
			   lp.stay ? "staying" : "one shot");
		err = lp.stay ? daemon_run(stop_handler, &lp) : re_main(NULL);
		if (!lp.stay)
			err = 0;
	}

	mem_deref(lp.ctl);
	mem_deref(lp.pub);
	mem_deref(lp.ep);
	mem_deref(creds);
	mem_deref(ruri);
	mem_deref(lp.doc);
	libre_close();
	tmr_debug();
	mem_debug();
	if (err)
		return 1;
	return lp.stay ? 0 : lp.result;
}
