/*
 * sipmob-device: a local device (speakerphone, display, camera) that the
 * mobile node can move media to. It answers calls, plays the
 * sequence-marked tone, records and meters what it receives, and answers
 * `sipmob -C SOCK status`. See docs/sipmob-device.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libavutil/log.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/ctl.h>
#include <sipmob/daemon.h>
#include <sipmob/device.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/media.h>

enum { MAX_MEMBERS = 8 };

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-device --sip ADDR:PORT [options]\n"
"\n"
"A local device: answers SIP calls with real audio (a sequence-marked\n"
"tone), records and meters what it receives.\n"
"\n"
"  -s, --sip ADDR:PORT     where SIP listens, UDP and TCP ([::1]:PORT for IPv6)\n"
"  -n, --name NAME         the device's SIP user name (default: device)\n"
"  -m, --media LIST        media it handles: audio, video or audio,video\n"
"                          (default audio)\n"
"  -v, --video ROLE        what it does with video: both (default),\n"
"                          display (receives only), camera (sends only)\n"
"      --video-sizes LIST  H.263 picture sizes it shows and sends, e.g.\n"
"                          4cif,cif (sqcif, qcif, cif, 4cif, 16cif): its\n"
"                          fmtp and SLP image-size (default qcif,cif)\n"
"  -z, --video-size SIZE   the one size it sends (default: of those of\n"
"                          --video-sizes, the one the far end prefers)\n"
"  -c, --codecs LIST       codecs in order of preference\n"
"                          (default PCMU,PCMA,G722,opus)\n"
"  -C, --control SOCK      control socket for the sipmob command\n"
"  -r, --record DIR        write the audio of each session to DIR as WAV\n"
"  -R, --registrar URI     register there (sip:HOST:PORT)\n"
"      --auth-user NAME, --password PASS\n"
"                          credentials for the registrar's Digest challenge\n"
"  -p, --rtp-ports MIN-MAX RTP port range (default 20000-29999)\n"
"  -b, --basic             an ordinary phone: no mobility features (no\n"
"                          REFER; still accepts INVITE with Replaces)\n"
"      --mdsm              a multi-device system manager: a REFER makes one\n"
"                          session with the CN out of one with each member\n"
"                          (spec §5.3.3); its own media are not used\n"
"      --member URI        a member of the system (repeat for each)\n"
"      --members-from-slp PREDICATE\n"
"                          members found through SLP: every\n"
"                          service:sip-device matching the LDAP predicate,\n"
"                          e.g. \"(room=123)\" (with --slp-da, or multicast)\n"
"      --on-in-use CMD     run \"sh -c CMD sipmob-in-use on|off\" when a\n"
"                          session starts or stops using the microphone or\n"
"                          camera (the active-session indicator, spec §8.2)\n"
"      --owner URI         the device's owner: may always REFER it and see\n"
"                          its dialogs (dialog events, RFC 4235). Without\n"
"                          one, anyone may hand it a call, nobody may\n"
"                          subscribe to its dialogs\n"
"      --room ROOM         register in SLP as a service:sip-device in ROOM\n"
"      --floor N, --building NAME   more of its location, for SLP\n"
"      --slp-da ADDR[:PORT] the SLP directory agent (default: found by\n"
"                          multicast; without one, answer multicast queries)\n"
"      --tls-cert FILE     also take SIP over TLS with this PEM certificate\n"
"                          and key: its URI (and SLP URL) becomes sips:,\n"
"                          its sessions over TLS carry SRTP only\n"
"      --tls-ca FILE       PEM CAs a TLS peer's certificate must chain to\n"
"                          (it must also name the host dialled)\n"
"      --tls-port PORT     the TLS port (default: the --sip port + 1)\n"
"      --verbose           log every SIP message sent and received\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n"
"\n"
"Control commands (sipmob -C SOCK COMMAND):\n"
"  status                  sessions, streams, dtmf_received, in_use\n"
"  playout [SINCE_MS]      what it played, as runs with times\n"
"  dtmf DIGITS             send DTMF (0-9 * # A-D) in the latest session,\n"
"                          as RFC 4733 events\n"
"  hangup                  end every session\n");
}

struct app {
	struct device *dev;
	struct ctl *ctl;
};

static int command_handler(struct ctl_request *req, int argc, char *argv[],
			   struct odict *reply, void *arg)
{
	struct app *app = arg;
	(void)req;

	return device_command(app->dev, argc, argv, reply);
}

static void stop_handler(void *arg)
{
	struct app *app = arg;

	device_shutdown(app->dev);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"sip",       required_argument, NULL, 's'},
		{"name",      required_argument, NULL, 'n'},
		{"media",     required_argument, NULL, 'm'},
		{"video",     required_argument, NULL, 'v'},
		{"video-size", required_argument, NULL, 'z'},
		{"video-sizes", required_argument, NULL, 1010},
		{"codecs",    required_argument, NULL, 'c'},
		{"control",   required_argument, NULL, 'C'},
		{"record",    required_argument, NULL, 'r'},
		{"registrar", required_argument, NULL, 'R'},
		{"auth-user", required_argument, NULL, 1101},
		{"password",  required_argument, NULL, 1102},
		{"rtp-ports", required_argument, NULL, 'p'},
		{"basic",     no_argument,       NULL, 'b'},
		{"room",      required_argument, NULL, 1001},
		{"floor",     required_argument, NULL, 1002},
		{"building",  required_argument, NULL, 1003},
		{"slp-da",    required_argument, NULL, 1004},
		{"owner",     required_argument, NULL, 1005},
		{"on-in-use", required_argument, NULL, 1009},
		{"mdsm",      no_argument,       NULL, 1006},
		{"member",    required_argument, NULL, 1007},
		{"members-from-slp", required_argument, NULL, 1008},
		{"tls-cert",  required_argument, NULL, 1301},
		{"tls-ca",    required_argument, NULL, 1302},
		{"tls-port",  required_argument, NULL, 1303},
		{"verbose",   no_argument,       NULL, 1201},
		{"help",      no_argument,       NULL, 'h'},
		{"version",   no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct device_conf conf = {.name = "device", .floor = INT32_MIN};
	const char *members[MAX_MEMBERS];
	size_t nmembers = 0;
	bool mdsm = false;
	const char *control = NULL, *media = "audio", *vrole = NULL;
	const char *vsize = NULL;
	struct mset_conf mc;
	struct app app = {NULL, NULL};
	char why[128];
	long n;
	int c, err;

	while ((c = getopt_long(argc, argv, "s:n:m:v:z:c:C:r:R:p:bhV", opts,
				NULL)) != -1) {
		switch (c) {

		case 's': conf.sip_listen = optarg; break;
		case 'n': conf.name = optarg; break;
		case 'm': media = optarg; break;
		case 'v': vrole = optarg; break;
		case 'z': vsize = optarg; break;
		case 1010: conf.video_sizes = optarg; break;
		case 'c': conf.codecs = optarg; break;
		case 'C': control = optarg; break;
		case 'r': conf.record_dir = optarg; break;
		case 'R': conf.registrar = optarg; break;
		case 1101: conf.auth_user = optarg; break;
		case 1102: conf.password = optarg; break;
		case 'p':
			if (media_ports_parse(optarg, &conf.port_min,
					      &conf.port_max)) {
				fprintf(stderr, "sipmob-device: bad port range"
					" '%s' (want MIN-MAX)\n", optarg);
				return 2;
			}
			break;
		case 'b': conf.basic = true; break;
		case 1001: conf.room = optarg; break;
		case 1002:
			if (cli_long("sipmob-device", "--floor", optarg, -1000,
				     1000, &n))
				return 2;
			conf.floor = (int)n;
			break;
		case 1003: conf.building = optarg; break;
		case 1004: conf.slp_da = optarg; break;
		case 1005: conf.owner = optarg; break;
		case 1009: conf.on_in_use = optarg; break;
		case 1006: mdsm = true; break;
		case 1007:
			if (nmembers == MAX_MEMBERS) {
				fprintf(stderr, "sipmob-device: at most %d"
					" members\n", MAX_MEMBERS);
				return 2;
			}
			members[nmembers++] = optarg;
			break;
		case 1008: conf.members_pred = optarg; break;
		case 1301: conf.tls_cert = optarg; break;
		case 1302: conf.tls_ca = optarg; break;
		case 1303:
			if (cli_long("sipmob-device", "--tls-port", optarg, 1,
				     65535, &n))
				return 2;
			conf.tls_port = (uint16_t)n;
			break;
		case 1201: conf.trace = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-device " SIPMOB_VERSION "\n");
			return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!conf.sip_listen || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((conf.tls_ca || conf.tls_port) && !conf.tls_cert) {
		fprintf(stderr, "sipmob-device: --tls-ca and --tls-port need"
			" --tls-cert\n");
		return 2;
	}
	if (mdsm != (nmembers > 0 || conf.members_pred)) {
		fprintf(stderr, "sipmob-device: --mdsm needs its members"
			" (--member URI ... or --members-from-slp PREDICATE),"
			" and they need --mdsm\n");
		return 2;
	}
	conf.mdsm = mdsm;
	conf.members = members;
	conf.memberc = nmembers;
	memset(&mc, 0, sizeof(mc));
	if (mset_media_parse(&mc, media, vrole, why, sizeof(why)) ||
	    (vsize && mset_video_size(vsize, &conf.video_width,
				      &conf.video_height, why, sizeof(why))) ||
	    mset_video_sizes_valid(conf.video_sizes, why, sizeof(why))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}
	conf.no_audio = mc.no_audio;
	conf.video = mc.video;
	if (conf.codecs && mset_codecs_valid(conf.codecs, why, sizeof(why))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}

	av_log_set_level(AV_LOG_ERROR);   /* libavcodec is chatty */
	err = libre_init();
	if (err)
		return 1;

	err = device_alloc(&app.dev, &conf);
	if (!err && control)
		err = ctl_alloc(&app.ctl, control, command_handler, &app);
	if (!err)
		err = daemon_run(stop_handler, &app);

	mem_deref(app.ctl);
	mem_deref(app.dev);
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
