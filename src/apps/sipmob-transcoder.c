/*
 * sipmob-transcoder: a transcoding service invoked through SIP third-party
 * call control (RFC 4117; spec §6.1, Figure 7). The mobile node invites it
 * when a device shares no codec with the far end; it relays the RTP of
 * the two legs and converts PCMU, PCMA, G.722 and Opus on worker loops.
 * See docs/sipmob-transcoder.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/ctl.h>
#include <sipmob/daemon.h>
#include <sipmob/media.h>
#include <sipmob/transcoder.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-transcoder --sip ADDR:PORT [options]\n"
"\n"
"A transcoder for third-party call control (RFC 4117): an INVITE with\n"
"pairs of audio lines (A, B), or with no offer, sets up relays that\n"
"convert between PCMU, PCMA, G.722 and Opus.\n"
"\n"
"  -s, --sip ADDR:PORT     where SIP listens, UDP and TCP\n"
"      --slp-da ADDR[:PORT] register service:sip-transcoder there\n"
"                          (default: DAs found by multicast)\n"
"      --no-slp            do not register in SLP\n"
"      --room ROOM         location attribute of the registration\n"
"  -C, --control SOCK      control socket (sipmob -C SOCK status --json)\n"
"  -t, --threads N         media worker loops (default: one per core)\n"
"  -c, --codecs LIST       codecs it offers (default PCMU,PCMA,G722,opus)\n"
"  -p, --rtp-ports MIN-MAX RTP port range (default 20000-29999)\n"
"      --media-timeout S   hang up a session that carried nothing for S\n"
"                          seconds (default 30)\n"
"      --max-wake-us N     keep every CPU able to wake within N µs while it\n"
"                          runs (PM QoS, /dev/cpu_dma_latency; needs root;\n"
"                          idle CPUs then poll): cuts the delay it adds to\n"
"                          a quiet stream from ~100 to ~25 µs\n"
"  -v, --verbose           log every SIP message\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-transcoder.conf, if any)\n"
"  -h, --help              this text\n"
"  -V, --version\n");
}

struct app {
	struct tcsvc *svc;
	struct ctl *ctl;
};

static int command_handler(struct ctl_request *req, int argc, char *argv[],
			   struct odict *reply, void *arg)
{
	struct app *app = arg;
	(void)req;

	return tcsvc_command(app->svc, argc, argv, reply);
}

static void stop_handler(void *arg)
{
	struct app *app = arg;

	tcsvc_shutdown(app->svc);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"sip",           required_argument, NULL, 's'},
		{"slp-da",        required_argument, NULL, 1001},
		{"no-slp",        no_argument,       NULL, 1002},
		{"room",          required_argument, NULL, 1003},
		{"media-timeout", required_argument, NULL, 1004},
		{"max-wake-us",   required_argument, NULL, 1005},
		{"control",       required_argument, NULL, 'C'},
		{"threads",       required_argument, NULL, 't'},
		{"codecs",        required_argument, NULL, 'c'},
		{"rtp-ports",     required_argument, NULL, 'p'},
		{"verbose",       no_argument,       NULL, 'v'},
		CLI_CONFIG_OPTION,
		{"help",          no_argument,       NULL, 'h'},
		{"version",       no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct tcsvc_conf conf;
	struct app app;
	const char *control = NULL;
	long n;
	int c, err;

	memset(&conf, 0, sizeof(conf));
	memset(&app, 0, sizeof(app));
	conf.max_wake_us = -1;
	if (cli_config("sipmob-transcoder", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "s:C:t:c:p:vhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 's': conf.sip_listen = optarg; break;
		case 1001: conf.slp_da = optarg; break;
		case 1002: conf.no_slp = true; break;
		case 1003: conf.room = optarg; break;
		case 1004:
			if (cli_long("sipmob-transcoder", "--media-timeout",
				     optarg, 1, 86400, &n))
				return 2;
			conf.media_timeout_s = (uint32_t)n;
			break;
		case 1005:
			if (cli_long("sipmob-transcoder", "--max-wake-us",
				     optarg, 0, 100000, &n))
				return 2;
			conf.max_wake_us = (int)n;
			break;
		case 'C': control = optarg; break;
		case 't':
			if (cli_long("sipmob-transcoder", "--threads", optarg,
				     1, 256, &n))
				return 2;
			conf.threads = (unsigned)n;
			break;
		case 'c': conf.codecs = optarg; break;
		case 'p':
			if (media_ports_parse(optarg, &conf.port_min,
					      &conf.port_max)) {
				fprintf(stderr, "sipmob-transcoder: bad port"
					" range '%s' (want MIN-MAX)\n", optarg);
				return 2;
			}
			break;
		case 'v': conf.trace = true; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-transcoder " SIPMOB_VERSION "\n");
			return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!conf.sip_listen || optind != argc) {
		usage(stderr);
		return 2;
	}

	err = libre_init();
	if (err)
		return 1;
	err = tcsvc_alloc(&app.svc, &conf);
	if (!err && control)
		err = ctl_alloc(&app.ctl, control, command_handler, &app);
	if (!err)
		err = daemon_run(stop_handler, &app);

	mem_deref(app.ctl);
	mem_deref(app.svc);
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
