/*
 * sipmob: the command line of the sipmob daemons. It sends one command to a
 * daemon's control socket and prints the answer: as JSON with --json, else
 * as indented "key: value" lines. Exit status 0 when the daemon says ok,
 * 1 when it says not, 2 for a usage error or an unreachable daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/ctl.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob -C SOCK [--json] [--timeout SECS] COMMAND [ARGS...]\n"
"\n"
"Sends COMMAND to the sipmob daemon (sipmob-mn, sipmob-device, ...) whose\n"
"control socket is SOCK and prints its answer.\n"
"\n"
"Commands of the mobile node (sipmob-mn):\n"
"  call URI                  place a call\n"
"  hangup                    end the call\n"
"  status                    the call, where each medium is, the last transfer\n"
"  devices [--room R] [--media M] [--floor N] [--building B]\n"
"                            find devices through SLP\n"
"  move [--audio DEV] [--video DEV] [--display DEV --camera DEV]\n"
"       [--to DEV]           move media to devices (a name or a SIP URI);\n"
"                            --display shows the far end, --camera films you\n"
"  retrieve [--media LIST]   bring media back to the mobile node\n"
"  dtmf DIGITS               send DTMF from wherever the audio is\n"
"Commands of a device (sipmob-device):\n"
"  status                    sessions and streams with packet counts\n"
"  playout [SINCE_MS]        what it played, as runs with times\n"
"  dtmf DIGITS               send DTMF in the latest session\n"
"  hangup                    end every session\n"
"\n"
"Options:\n"
"  -C, --control SOCK   the daemon's control socket (required)\n"
"  -j, --json           print the daemon's JSON answer as it is\n"
"  -t, --timeout SECS   how long to wait for the answer (default 30)\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob.conf, if any)\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n");
}

static int print_value(const struct odict_entry *e, int depth);

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static int print_odict(const struct odict *od, int depth, bool array)
{
	struct le *le;

	for (le = od->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		indent(depth);
		if (array)
			fputs("- ", stdout);
		else
			printf("%s: ", e->key);
		print_value(e, depth + 1);
	}
	return 0;
}

static int print_value(const struct odict_entry *e, int depth)
{
	switch (e->type) {

	case ODICT_OBJECT:
	case ODICT_ARRAY:
		putchar('\n');
		return print_odict(e->u.odict, depth,
				   e->type == ODICT_ARRAY);
	case ODICT_STRING:
		printf("%s\n", e->u.str);
		break;
	case ODICT_INT:
		printf("%lld\n", (long long)e->u.integer);
		break;
	case ODICT_DOUBLE:
		printf("%.3f\n", e->u.dbl);
		break;
	case ODICT_BOOL:
		printf("%s\n", e->u.boolean ? "true" : "false");
		break;
	default:
		printf("null\n");
		break;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"control", required_argument, NULL, 'C'},
		{"json",    no_argument,       NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		CLI_CONFIG_OPTION,
		{"help",    no_argument,       NULL, 'h'},
		{"version", no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	const char *sock = NULL;
	bool json = false, ok = false;
	unsigned timeout = 30;
	long n;
	struct odict *od = NULL;
	char line[4096] = "", *reply = NULL;
	size_t len = 0;
	int c, err;

	/* "+": options stop at the command; its own flags pass through */
	if (cli_config("sipmob", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "+C:jt:hV", opts, NULL)) != -1) {
		switch (c) {

		case 'C': sock = optarg; break;
		case 'j': json = true; break;
		case 't':
			if (cli_long("sipmob", "--timeout", optarg, 1, 3600, &n))
				return 2;
			timeout = (unsigned)n;
			break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob " SIPMOB_VERSION "\n"); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!sock || optind >= argc) {
		usage(stderr);
		return 2;
	}

	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (len + n + 2 > sizeof(line)) {
			fprintf(stderr, "sipmob: command too long\n");
			return 2;
		}
		if (len)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n + 1);
		len += n;
	}

	err = ctl_call(sock, line, &reply, timeout * 1000);
	if (err) {
		if (err == ETIMEDOUT)
			fprintf(stderr, "sipmob: the daemon at %s did not"
				" answer in time (--timeout)\n", sock);
		else if (err == ENOENT || err == ECONNREFUSED)
			fprintf(stderr, "sipmob: no daemon listens on %s (is"
				" it running? is -C right?)\n", sock);
		else
			fprintf(stderr, "sipmob: cannot talk to the daemon at"
				" %s (%s)\n", sock, err == EACCES ?
				"no permission" : "socket error");
		return 2;
	}

	if (json_decode_odict(&od, 32, reply, strlen(reply), 16)) {
		fprintf(stderr, "sipmob: unreadable answer: %s\n", reply);
		free(reply);
		return 2;
	}
	(void)odict_get_boolean(od, &ok, "ok");

	if (json)
		fputs(reply, stdout);
	else if (!ok)
		fprintf(stderr, "sipmob: %s\n", odict_string(od, "error") ?
			odict_string(od, "error") : "failed");
	else
		print_odict(od, 0, false);

	free(reply);
	mem_deref(od);
	return ok ? 0 : 1;
}
