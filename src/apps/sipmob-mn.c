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
"      --verbose           log every SIP message sent and received\n"
"  -h, --help              this text\n"
"  -V, --version           the version\n");
}

struct app {
	struct mn *mn;
	struct ctl *ctl;
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
		{"aib-cert",  required_argument, NULL, 1401},
		{"aib-key",   required_argument, NULL, 1402},
		{"aib-ca",    required_argument, NULL, 1403},
		{"aib-window", required_argument, NULL, 1404},
		{"tls-cert",  required_argument, NULL, 1501},
		{"tls-ca",    required_argument, NULL, 1502},
		{"tls-port",  required_argument, NULL, 1503},
		{"verbose",   no_argument,       NULL, 1201},
		{"help",      no_argument,       NULL, 'h'},
		{"audio-out", required_argument, NULL, 1601},
		{"audio-in",  required_argument, NULL, 1602},
		{"aec",       required_argument, NULL, 1603},
		{"version",   no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct mn_conf conf = {.user = "mn", .safety_ms = 1000,
			       .device_timeout_ms = 8000, .bridge = true};
	const char *control = NULL, *media = "audio";
	struct mset_conf mc;
	struct audio_conf audio;
	const char *audio_out = NULL, *audio_in = NULL, *aec = NULL;
	struct app app = {NULL, NULL};
	const char *aib_cert = NULL, *aib_key = NULL, *aib_ca = NULL;
	uint32_t aib_window = 0;
	struct aib_keys aib;
	char why[256];
	const char *password_file = NULL, *creds_file = NULL;
	char *password = NULL, *creds_text = NULL;
	struct sipauth_creds *creds = NULL;
	unsigned line = 0;
	long n;
	int c, err;

	while ((c = getopt_long(argc, argv, "s:u:C:R:c:m:r:S:T:p:hV", opts,
				NULL)) != -1) {
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
		case 1601: audio_out = optarg; break;
		case 1602: audio_in = optarg; break;
		case 1603: aec = optarg; break;
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
		case 1401: aib_cert = optarg; break;
		case 1402: aib_key = optarg; break;
		case 1403: aib_ca = optarg; break;
		case 1404:
			if (cli_long("sipmob-mn", "--aib-window", optarg, 1, 3600,
				     &n))
				return 2;
			aib_window = (uint32_t)n;
			break;
		case 1501: conf.tls_cert = optarg; break;
		case 1502: conf.tls_ca = optarg; break;
		case 1503:
			if (cli_long("sipmob-mn", "--tls-port", optarg, 1,
				     65535, &n))
				return 2;
			conf.tls_port = (uint16_t)n;
			break;
		case 1201: conf.trace = true; break;
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
	if ((conf.tls_ca || conf.tls_port) && !conf.tls_cert) {
		fprintf(stderr, "sipmob-mn: --tls-ca and --tls-port need"
			" --tls-cert\n");
		return 2;
	}
	if (audio_conf_cli(&audio, audio_out, audio_in, aec, why,
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

	if (aib_keys_load(&aib, aib_cert, aib_key, aib_ca, aib_window, why,
			  sizeof(why))) {
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
	if (err) {
		mem_deref(password);
		libre_close();
		return 2;
	}

	err = mn_alloc(&app.mn, &conf);
	if (!err)
		sipep_set_aib(mn_sipep(app.mn), aib.signer, aib.verifier);
	if (!err && control)
		err = ctl_alloc(&app.ctl, control, command_handler, &app);
	if (!err)
		err = daemon_run(stop_handler, &app);

	mem_deref(app.ctl);
	mem_deref(app.mn);
	aib_keys_reset(&aib);
	mem_deref(creds);
	mem_deref(password);
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
