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
#include <sipmob/aib.h>
#include <sipmob/cli.h>
#include <sipmob/cli_sec.h>
#include <sipmob/cli_media.h>
#include <sipmob/sipua.h>
#include <sipmob/ctl.h>
#include <sipmob/daemon.h>
#include <sipmob/device.h>
#include <sipmob/presence.h>
#include <sipmob/authz.h>
#include <sipmob/cli_secret.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/media.h>
#include <sipmob/media_audio.h>
#include <sipmob/media_video.h>

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
"      --camera INPUT      send pictures from a camera instead of the test\n"
"                          pattern: v4l2:/dev/video0, or file:PATH (any\n"
"                          video libavformat reads, played in a loop)\n"
"      --screen sdl[:fullscreen]  show the pictures received in a window\n"
"      --config FILE       options from FILE (default\n"
"                          /etc/sipmob/sipmob-device.conf if it exists)\n"
"  -c, --codecs LIST       codecs in order of preference\n"
"                          (default PCMU,PCMA,G722,opus)\n"
"  -C, --control SOCK      control socket for the sipmob command\n"
"  -r, --record DIR        write the audio of each session to DIR as WAV\n"
"      --audio-out alsa:DEV  play received audio on ALSA PCM DEV through\n"
"                          an adaptive jitter buffer (default: none, the\n"
"                          audio is metered and recorded only)\n"
"      --audio-in alsa:DEV send audio captured from ALSA PCM DEV (default:\n"
"                          the sequence-marked tone); loop:MS,DB is a test\n"
"                          source: what is played, MS ms later, DB dB\n"
"      --aec on|off|auto   echo cancellation of the captured audio\n"
"                          (default auto: on when --audio-in and\n"
"                          --audio-out are the same card, or loop)\n"
"  -R, --registrar URI     register there (sip:HOST:PORT)\n"
"      --auth-user NAME    the registrar's Digest user (default: --name)\n"
"      --password-file FILE  the registrar's password: the file's first\n"
"                          line (else $SIPMOB_PASSWORD)\n"
"      --password PASS     the same on the command line, which others can\n"
"                          read (ps): for tests only\n"
"      --auth-config FILE  require SIP Digest for INVITE, REFER and\n"
"                          SUBSCRIBE: realm, owner, users, permissions\n"
"                          and algorithms (docs/sipmob-device.md)\n"
"      --auth-secrets FILE the users' secrets, \"USER SECRET\" lines\n"
"                          (else $SIPMOB_AUTH_SECRETS, the same text)\n"
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
"      --position X,Y      where it stands in the room, in percent of the\n"
"                          room's width and depth (0-100): SLP attributes\n"
"                          x and y, where the MN's map draws it\n"
"      --slp-da ADDR[:PORT] the SLP directory agent (default: found by\n"
"                          multicast; without one, answer multicast queries)\n"
"      --require-presence  proof of presence (spec §8.2): a user proves\n"
"                          the password followed by the room's current\n"
"                          (or previous) token, which sipmob-beacon\n"
"                          announces in the room only\n"
"      --room-secret-file FILE\n"
"                          the room's secret, shared with its beacon\n"
"                          (default: $SIPMOB_ROOM_SECRET)\n"
"      --presence-step N   seconds a room token lasts (default 30; the\n"
"                          beacon's --step)\n"
"      --aib-cert FILE, --aib-key FILE\n"
"                          sign the REFERs we send (authenticated referral,\n"
"                          RFC 3892/3893): PEM certificate naming our URI\n"
"                          (subjectAltName URI) and its key\n"
"      --aib-ca FILE       trusted CAs (PEM): a REFER and an INVITE with\n"
"                          Replaces must carry a token they sign, for this\n"
"                          request, in the Date window, not seen before\n"
"                          (else 429 when none, 403 when bad)\n"
"      --aib-window S      how far a token's Date may be from now (60)\n"
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

/* "X,Y", each an integer 0-100 */
static int position_parse(const char *s, int *x, int *y)
{
	char *end;
	long a, b;

	a = strtol(s, &end, 10);
	if (end == s || *end != ',')
		return EINVAL;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || *end || a < 0 || a > 100 || b < 0 || b > 100)
		return EINVAL;
	*x = (int)a;
	*y = (int)b;
	return 0;
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
		CLI_CONFIG_OPTION,
		{"codecs",    required_argument, NULL, 'c'},
		{"control",   required_argument, NULL, 'C'},
		{"record",    required_argument, NULL, 'r'},
		{"registrar", required_argument, NULL, 'R'},
		{"auth-user", required_argument, NULL, 1101},
		{"password",  required_argument, NULL, 1102},
		{"password-file", required_argument, NULL, 1103},
		{"auth-config", required_argument, NULL, 1104},
		{"auth-secrets", required_argument, NULL, 1105},
		{"rtp-ports", required_argument, NULL, 'p'},
		{"basic",     no_argument,       NULL, 'b'},
		{"room",      required_argument, NULL, 1001},
		{"floor",     required_argument, NULL, 1002},
		{"building",  required_argument, NULL, 1003},
		{"position",  required_argument, NULL, 1011},
		{"slp-da",    required_argument, NULL, 1004},
		{"owner",     required_argument, NULL, 1005},
		{"on-in-use", required_argument, NULL, 1009},
		{"mdsm",      no_argument,       NULL, 1006},
		{"member",    required_argument, NULL, 1007},
		{"members-from-slp", required_argument, NULL, 1008},
		{"require-presence", no_argument, NULL, 1301},
		{"room-secret-file", required_argument, NULL, 1302},
		{"presence-step", required_argument, NULL, 1303},
		CLI_SEC_OPTIONS,
		CLI_MEDIA_OPTIONS,
		{"verbose",   no_argument,       NULL, 1201},
		{"help",      no_argument,       NULL, 'h'},
		{"version",   no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct device_conf conf = {.name = "device", .floor = INT32_MIN};
	const char *members[MAX_MEMBERS];
	size_t nmembers = 0;
	bool mdsm = false, presence = false;
	const char *secret_file = NULL;
	struct presence_key room_key;
	const char *control = NULL, *media = "audio", *vrole = NULL;
	const char *vsize = NULL;
	struct media_vio vio = {NULL, NULL, NULL, NULL};
	const char *password_file = NULL, *auth_config = NULL;
	const char *auth_secrets = NULL;
	char *password = NULL, *secrets = NULL;
	struct authz *authz = NULL;
	struct mset_conf mc;
	struct audio_conf audio;
	struct cli_media mo = {NULL};
	struct app app = {NULL, NULL};
	struct cli_sec sec = {NULL};
	struct aib_keys aib;
	char why[256];
	long n;
	int c, r, err;

	if (cli_config("sipmob-device", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "s:n:m:v:z:c:C:r:R:p:bhV", opts,
				NULL)) != -1) {
		r = cli_sec_option("sipmob-device", c, optarg, &sec);
		if (r < 0)
			return 2;
		if (r || cli_media_option(c, optarg, &mo))
			continue;
		switch (c) {

		case 's': conf.sip_listen = optarg; break;
		case 'n': conf.name = optarg; break;
		case 'm': media = optarg; break;
		case 'v': vrole = optarg; break;
		case 'z': vsize = optarg; break;
		case 1010: conf.video_sizes = optarg; break;
		case CLI_CONFIG: break;
		case 'c': conf.codecs = optarg; break;
		case 'C': control = optarg; break;
		case 'r': conf.record_dir = optarg; break;
		case 'R': conf.registrar = optarg; break;
		case 1101: conf.auth_user = optarg; break;
		case 1102: conf.password = optarg; break;
		case 1103: password_file = optarg; break;
		case 1104: auth_config = optarg; break;
		case 1105: auth_secrets = optarg; break;
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
		case 1011:
			if (position_parse(optarg, &conf.pos_x, &conf.pos_y)) {
				fprintf(stderr, "sipmob-device: --position %s:"
					" want X,Y, each 0-100 (percent of the"
					" room's width and depth)\n", optarg);
				return 2;
			}
			conf.has_position = true;
			break;
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
		case 1301: presence = true; break;
		case 1302: secret_file = optarg; break;
		case 1303:
			if (cli_long("sipmob-device", "--presence-step",
				     optarg, 1, 86400, &n))
				return 2;
			conf.presence_step = (uint32_t)n;
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
	if (cli_sec_check("sipmob-device", &sec))
		return 2;
	conf.tls_cert = sec.tls_cert;
	conf.tls_ca = sec.tls_ca;
	conf.tls_port = sec.tls_port;
	if (mdsm != (nmembers > 0 || conf.members_pred)) {
		fprintf(stderr, "sipmob-device: --mdsm needs its members"
			" (--member URI ... or --members-from-slp PREDICATE),"
			" and they need --mdsm\n");
		return 2;
	}
	if (audio_conf_cli(&audio, mo.audio_out, mo.audio_in, mo.aec, why,
			   sizeof(why))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}
	if (audio_conf_used(&audio))
		conf.audio = &audio;
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
	if (!presence && (secret_file || conf.presence_step)) {
		fprintf(stderr, "sipmob-device: --room-secret-file and"
			" --presence-step need --require-presence\n");
		return 2;
	}
	if (presence && !secret_file && !getenv("SIPMOB_ROOM_SECRET")) {
		fprintf(stderr, "sipmob-device: --require-presence needs the"
			" room's secret: --room-secret-file FILE or"
			" SIPMOB_ROOM_SECRET\n");
		return 2;
	}
	if (presence && (secret_file ?
	    presence_key_load(&room_key, secret_file, why, sizeof(why)) :
	    presence_key_set(&room_key, getenv("SIPMOB_ROOM_SECRET"), why,
			     sizeof(why)))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}
	conf.room_key = presence ? &room_key : NULL;
	conf.no_audio = mc.no_audio;
	conf.video = mc.video;
	if (conf.codecs && mset_codecs_valid(conf.codecs, why, sizeof(why))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}

	if (auth_secrets && !auth_config) {
		fprintf(stderr, "sipmob-device: --auth-secrets needs"
			" --auth-config\n");
		return 2;
	}
	if (presence && !auth_config) {
		fprintf(stderr, "sipmob-device: --require-presence needs"
			" --auth-config: the token is proved with a user's"
			" password\n");
		return 2;
	}
	if (aib_keys_load(&aib, sec.aib_cert, sec.aib_key, sec.aib_ca,
			  sec.aib_window, why, sizeof(why))) {
		fprintf(stderr, "sipmob-device: %s\n", why);
		return 2;
	}

	av_log_set_level(AV_LOG_ERROR);   /* libavcodec is chatty */
	err = libre_init();
	if (err)
		return 1;

	/* secrets: a file or the environment; --password only for tests */
	if (!conf.password) {
		err = cli_secret_line("sipmob-device", "--password-file",
				      password_file, "SIPMOB_PASSWORD",
				      &password);
		conf.password = password;
	}
	if (!err && auth_config) {
		err = cli_secret_text("sipmob-device", "--auth-secrets",
				      auth_secrets, "SIPMOB_AUTH_SECRETS",
				      &secrets);
		err = err ? err : authz_load(&authz, auth_config, secrets,
					     why, sizeof(why));
		if (err)
			fprintf(stderr, "sipmob-device: --auth-config: %s\n",
				why);
		conf.authz = authz;
	}
	if (err) {
		mem_deref(password);
		mem_deref(secrets);
		libre_close();
		return 2;
	}

	if (mo.camera || mo.screen) {
		err = media_vio_open(&vio, mo.camera, mo.screen, conf.name, why,
				     sizeof(why));
		if (err) {
			fprintf(stderr, "sipmob-device: %s\n", why);
			mem_deref(password);
			mem_deref(secrets);
			mem_deref(authz);
			libre_close();
			return 2;
		}
		conf.vio = &vio;
	}

	err = device_alloc(&app.dev, &conf);
	if (!err)
		sipep_set_aib(device_sipep(app.dev), aib.signer, aib.verifier);
	if (!err && control)
		err = ctl_alloc(&app.ctl, control, command_handler, &app);
	if (!err)
		err = daemon_run(stop_handler, &app);

	mem_deref(app.ctl);
	mem_deref(app.dev);
	media_vio_close(&vio);
	memset(&room_key, 0, sizeof(room_key));
	aib_keys_reset(&aib);
	mem_deref(authz);
	mem_deref(password);
	mem_deref(secrets);
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
