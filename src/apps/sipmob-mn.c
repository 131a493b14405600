/*
 * sipmob-mn: the mobile node daemon. It places and answers calls with its
 * own media and is driven by the sipmob command over its control socket.
 * See docs/sipmob-mn.md.
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
#include <sipmob/mn.h>
#include <sipmob/sip_auth.h>
#include <sipmob/cli_secret.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/media.h>
#include <sipmob/media_audio.h>
#include <sipmob/media_video.h>
#include <sipmob/web.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-mn --sip ADDR:PORT [options]\n"
"\n"
"The mobile node: places and answers calls, driven by `sipmob -C SOCK ...`.\n"
"\n"
"  -s, --sip ADDR:PORT     where SIP listens, UDP and TCP ([::1]:PORT for IPv6)\n"
"  -u, --user NAME         SIP user name (default: mn)\n"
"  -C, --control SOCK      control socket for the sipmob command\n"
"  -R, --registrar URI     register there (sip:HOST:PORT)\n"
"      --auth-user NAME    the registrar's Digest user (default: --user)\n"
"      --password-file FILE  the registrar's password: the file's first\n"
"                          line (else $SIPMOB_PASSWORD)\n"
"      --password PASS     the same on the command line, which others can\n"
"                          read (ps): for tests only\n"
"      --credentials FILE  answer devices' Digest challenges (401/407) with\n"
"                          these: \"REALM USER SECRET\" lines (else\n"
"                          $SIPMOB_CREDENTIALS, the same text)\n"
"  -m, --media LIST        media of its calls: audio (default) or\n"
"                          audio,video\n"
"      --video-sizes LIST  H.263 picture sizes it shows and sends, e.g.\n"
"                          cif,qcif (sqcif, qcif, cif, 4cif, 16cif; default\n"
"                          qcif,cif); needs video in --media\n"
"      --camera INPUT      send pictures from a camera instead of the test\n"
"                          pattern: v4l2:/dev/video0, file:PATH (looped)\n"
"      --screen sdl[:fullscreen]  show the far end's video in a window\n"
"  -c, --codecs LIST       codecs in order of preference\n"
"                          (default PCMU,PCMA,G722,opus)\n"
"  -r, --record FILE       write the call's received audio to FILE (WAV)\n"
"      --audio-out alsa:DEV  play the call's audio on ALSA PCM DEV through\n"
"                          an adaptive jitter buffer (default: none)\n"
"      --audio-in alsa:DEV send audio captured from ALSA PCM DEV (default:\n"
"                          the sequence-marked tone); loop:MS,DB is a test\n"
"                          source: what is played, MS ms later, DB dB\n"
"      --aec on|off|auto   echo cancellation (default auto: on when\n"
"                          --audio-in and --audio-out are the same card)\n"
"  -S, --safety-ms MS      after a transfer the MN keeps sending its own\n"
"                          media this long (default 1000)\n"
"  -T, --device-timeout-ms MS\n"
"                          a device must answer a transfer's INVITE within\n"
"                          this (default 8000)\n"
"      --bridge on|off     instant moves (default on): while the far end\n"
"                          switches, pass its packets on to the new place\n"
"                          and the new place's on to it as ours\n"
"      --slp-da ADDR[:PORT] the SLP directory agent for `devices` (default:\n"
"                          found by multicast, else ask devices directly)\n"
"      --beacon ADDR:PORT  hear the room's presence beacon on this multicast\n"
"                          group (sipmob-beacon's is 239.255.83.77:5085)\n"
"      --beacon-file PATH  ...or read its announcements from this file\n"
"      --location-server URI  the presence server to SUBSCRIBE to the\n"
"                          user's presence (PIDF-LO civic location):\n"
"                          sip:HOST[:PORT] (the user is --user) or\n"
"                          sip:USER@HOST[:PORT]\n"
"      --location-expires S  the subscription's Expires (default 600)\n"
"      --location-recheck S  ask for the room's devices again this often\n"
"                          (default 30)\n"
"      --auto-retrieve     leaving a room whose devices hold media of the\n"
"                          call: retrieve them (default: offer it in status)\n"
"  -p, --rtp-ports MIN-MAX RTP port range (default 20000-29999)\n"
"      --aib-cert FILE, --aib-key FILE\n"
"                          sign every REFER (authenticated referral, RFC\n"
"                          3892/3893): PEM certificate naming our URI\n"
"                          (subjectAltName URI) and its key\n"
"      --aib-ca FILE       trusted CAs (PEM): a REFER to us (a retrieval)\n"
"                          and an INVITE with Replaces must carry a token\n"
"                          they sign (else 429, or 403 when bad)\n"
"      --aib-window S      how far a token's Date may be from now (60)\n"
"      --tls-cert FILE     also take SIP over TLS (sips:) with this PEM\n"
"                          certificate and key; calls to sips: URIs carry\n"
"                          SRTP only (SDES keys); turns --bridge off\n"
"      --tls-ca FILE       PEM CAs a TLS peer's certificate must chain to\n"
"                          (it must also name the host dialled)\n"
"      --tls-port PORT     the TLS port (default: the --sip port + 1)\n"
"      --http ADDR:PORT    serve the map page there (docs/web.md); on an\n"
"                          address other than loopback it wants the token\n"
"                          printed at start-up\n"
"      --verbose           log every SIP message sent and received\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-mn.conf, if any)\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n");
}

struct app {
	struct mn *mn;
	struct ctl *ctl;
	struct web *web;
};

static int command_handler(struct ctl_request *req, int argc, char *argv[],
			   struct odict *reply, void *arg)
{
	struct app *app = arg;

	return mn_command(app->mn, req, argc, argv, reply);
}

static void stop_handler(void *arg)
{
	struct app *app = arg;

	mn_shutdown(app->mn);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"sip",       required_argument, NULL, 's'},
		{"user",      required_argument, NULL, 'u'},
		{"control",   required_argument, NULL, 'C'},
		{"registrar", required_argument, NULL, 'R'},
		{"auth-user", required_argument, NULL, 1101},
		{"password",  required_argument, NULL, 1102},
		{"password-file", required_argument, NULL, 1103},
		{"credentials", required_argument, NULL, 1104},
		{"codecs",    required_argument, NULL, 'c'},
		{"media",     required_argument, NULL, 'm'},
		{"record",    required_argument, NULL, 'r'},
		{"safety-ms", required_argument, NULL, 'S'},
		{"device-timeout-ms", required_argument, NULL, 'T'},
		{"rtp-ports", required_argument, NULL, 'p'},
		{"slp-da",    required_argument, NULL, 1001},
		{"bridge",    required_argument, NULL, 1002},
		{"video-sizes", required_argument, NULL, 1003},
		{"beacon",    required_argument, NULL, 1004},
		{"beacon-file", required_argument, NULL, 1005},
		{"location-server", required_argument, NULL, 1006},
		{"location-expires", required_argument, NULL, 1007},
		{"location-recheck", required_argument, NULL, 1008},
		{"auto-retrieve", no_argument,     NULL, 1009},
		CLI_SEC_OPTIONS,
		CLI_MEDIA_OPTIONS,
		{"http",      required_argument, NULL, 1010},
		{"verbose",   no_argument,       NULL, 1201},
		CLI_CONFIG_OPTION,
		{"help",      no_argument,       NULL, 'h'},
		{"version",   no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct mn_conf conf = {.user = "mn", .safety_ms = 1000,
			       .device_timeout_ms = 8000, .bridge = true};
	const char *control = NULL, *media = "audio", *http = NULL;
	struct media_vio vio = {NULL, NULL, NULL, NULL};
	struct mset_conf mc;
	struct audio_conf audio;
	struct cli_media mo = {NULL};
	struct app app = {NULL, NULL, NULL};
	struct cli_sec sec = {NULL};
	struct aib_keys aib;
	char why[256];
	const char *password_file = NULL, *creds_file = NULL;
	char *password = NULL, *creds_text = NULL;
	struct sipauth_creds *creds = NULL;
	unsigned line = 0;
	long n;
	int c, r, err;

	if (cli_config("sipmob-mn", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "s:u:C:R:c:m:r:S:T:p:hV", opts,
				NULL)) != -1) {
		r = cli_sec_option("sipmob-mn", c, optarg, &sec);
		if (r < 0)
			return 2;
		if (r || cli_media_option(c, optarg, &mo))
			continue;
		switch (c) {

		case 's': conf.sip_listen = optarg; break;
		case 'u': conf.user = optarg; break;
		case 'C': control = optarg; break;
		case 'R': conf.registrar = optarg; break;
		case 1101: conf.auth_user = optarg; break;
		case 1102: conf.password = optarg; break;
		case 1103: password_file = optarg; break;
		case 1104: creds_file = optarg; break;
		case 'c': conf.codecs = optarg; break;
		case 'm': media = optarg; break;
		case 'r': conf.record_path = optarg; break;
		case 'S':
			if (cli_long("sipmob-mn", "--safety-ms", optarg, 0,
				     600000, &n))
				return 2;
			conf.safety_ms = (uint32_t)n;
			break;
		case 'T':
			if (cli_long("sipmob-mn", "--device-timeout-ms", optarg,
				     1, 600000, &n))
				return 2;
			conf.device_timeout_ms = (uint32_t)n;
			break;
		case 'p':
			if (media_ports_parse(optarg, &conf.port_min,
					      &conf.port_max)) {
				fprintf(stderr, "sipmob-mn: bad port range"
					" '%s' (want MIN-MAX)\n", optarg);
				return 2;
			}
			break;
		case 1001: conf.slp_da = optarg; break;
		case 1002:
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				fprintf(stderr, "sipmob-mn: --bridge %s: want on"
					" or off\n", optarg);
				return 2;
			}
			conf.bridge = !strcmp(optarg, "on");
			break;
		case 1003: conf.video_sizes = optarg; break;
		case 1004: conf.beacon = optarg; break;
		case 1005: conf.beacon_file = optarg; break;
		case 1010: http = optarg; break;
		case 1006: conf.location_server = optarg; break;
		case 1007:
			if (cli_long("sipmob-mn", "--location-expires", optarg,
				     5, 86400, &n))
				return 2;
			conf.location_expires = (uint32_t)n;
			break;
		case 1008:
			if (cli_long("sipmob-mn", "--location-recheck", optarg,
				     1, 3600, &n))
				return 2;
			conf.location_recheck = (uint32_t)n;
			break;
		case 1009: conf.auto_retrieve = true; break;
		case 1201: conf.trace = true; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-mn " SIPMOB_VERSION "\n"); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!conf.sip_listen || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf.beacon && conf.beacon_file) {
		fprintf(stderr, "sipmob-mn: --beacon and --beacon-file: give"
			" one\n");
		return 2;
	}
	if (cli_sec_check("sipmob-mn", &sec))
		return 2;
	conf.tls_cert = sec.tls_cert;
	conf.tls_ca = sec.tls_ca;
	conf.tls_port = sec.tls_port;
	if (audio_conf_cli(&audio, mo.audio_out, mo.audio_in, mo.aec, why,
			   sizeof(why))) {
		fprintf(stderr, "sipmob-mn: %s\n", why);
		return 2;
	}
	if (audio_conf_used(&audio))
		conf.audio = &audio;
	if (conf.tls_cert)   /* a bridge re-sends packets as its own: */
		conf.bridge = false;   /* not with SRTP */
	if (conf.codecs && mset_codecs_valid(conf.codecs, why, sizeof(why))) {
		fprintf(stderr, "sipmob-mn: %s\n", why);
		return 2;
	}
	memset(&mc, 0, sizeof(mc));
	if (mset_media_parse(&mc, media, NULL, why, sizeof(why)) ||
	    mc.no_audio) {
		fprintf(stderr, "sipmob-mn: --media %s: %s\n", media,
			mc.no_audio ? "the MN's calls carry audio" : why);
		return 2;
	}
	conf.video = mc.video;
	if (conf.video_sizes && !conf.video) {
		fprintf(stderr, "sipmob-mn: --video-sizes needs video in"
			" --media (audio,video)\n");
		return 2;
	}
	if (mset_video_sizes_valid(conf.video_sizes, why, sizeof(why))) {
		fprintf(stderr, "sipmob-mn: %s\n", why);
		return 2;
	}

	if (aib_keys_load(&aib, sec.aib_cert, sec.aib_key, sec.aib_ca,
			  sec.aib_window, why, sizeof(why))) {
		fprintf(stderr, "sipmob-mn: %s\n", why);
		return 2;
	}

	av_log_set_level(AV_LOG_ERROR);   /* libavcodec is chatty */
	err = libre_init();
	if (err)
		return 1;

	/* secrets: a file or the environment; --password only for tests */
	if (!conf.password) {
		err = cli_secret_line("sipmob-mn", "--password-file",
				      password_file, "SIPMOB_PASSWORD",
				      &password);
		conf.password = password;
	}
	if (!err)
		err = cli_secret_text("sipmob-mn", "--credentials", creds_file,
				      "SIPMOB_CREDENTIALS", &creds_text);
	if (!err && creds_text) {
		err = sipauth_creds_decode(&creds, creds_text, &line);
		if (err)
			fprintf(stderr, "sipmob-mn: --credentials: line %u:"
				" want REALM USER SECRET\n", line);
		conf.credentials = creds;
	}
	mem_deref(creds_text);
	if (!err && (mo.camera || mo.screen)) {
		err = media_vio_open(&vio, mo.camera, mo.screen, conf.user, why,
				     sizeof(why));
		if (err)
			fprintf(stderr, "sipmob-mn: %s\n", why);
		conf.vio = &vio;
	}
	if (err) {
		mem_deref(creds);
		mem_deref(password);
		libre_close();
		return 2;
	}

	err = mn_alloc(&app.mn, &conf);
	if (!err)
		sipep_set_aib(mn_sipep(app.mn), aib.signer, aib.verifier);
	if (!err && control)
		err = ctl_alloc(&app.ctl, control, command_handler, &app);
	if (!err && http) {
		char url[160];

		err = web_alloc(&app.web, http, command_handler, &app, why,
				sizeof(why));
		if (err)
			fprintf(stderr, "sipmob-mn: %s\n", why);
		else if (!web_url(app.web, url, sizeof(url)))
			fprintf(stderr, "sipmob-mn: the map page: %s\n", url);
	}
	if (!err)
		err = daemon_run(stop_handler, &app);

	mem_deref(app.web);
	mem_deref(app.ctl);
	mem_deref(app.mn);
	media_vio_close(&vio);
	aib_keys_reset(&aib);
	mem_deref(creds);
	mem_deref(password);
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
