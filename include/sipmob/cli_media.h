/**
 * @file cli_media.h  The options of real media I/O (sound card, echo
 * canceller, camera, screen), which sipmob-device and sipmob-mn share:
 * one table entry list, one parser. The values are checked where they are
 * used (audio_conf_cli(), media_vio_open()).
 */

enum cli_media_opt {
	CLI_MEDIA_CAMERA = 1601,
	CLI_MEDIA_SCREEN,
	CLI_MEDIA_AUDIO_OUT = 1701,
	CLI_MEDIA_AUDIO_IN,
	CLI_MEDIA_AEC,
};

/** Their entries in a getopt_long table */
#define CLI_MEDIA_OPTIONS \
	{"camera",    required_argument, NULL, CLI_MEDIA_CAMERA},    \
	{"screen",    required_argument, NULL, CLI_MEDIA_SCREEN},    \
	{"audio-out", required_argument, NULL, CLI_MEDIA_AUDIO_OUT}, \
	{"audio-in",  required_argument, NULL, CLI_MEDIA_AUDIO_IN},  \
	{"aec",       required_argument, NULL, CLI_MEDIA_AEC}

struct cli_media {
	const char *camera, *screen;          /* NULL: pattern, no window */
	const char *audio_out, *audio_in;     /* NULL: tone, metered      */
	const char *aec;                      /* NULL: auto               */
};

/** Takes option c with its argument when it is one of these: true
 *  taken, false not one of these. */
bool cli_media_option(int c, const char *arg, struct cli_media *m);
