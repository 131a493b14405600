/*
 * The media I/O options shared by sipmob-device and sipmob-mn
 * (cli_media.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sipmob/cli_media.h>

bool cli_media_option(int c, const char *arg, struct cli_media *m)
{
	switch (c) {

	case CLI_MEDIA_CAMERA:    m->camera = arg;    return true;
	case CLI_MEDIA_SCREEN:    m->screen = arg;    return true;
	case CLI_MEDIA_AUDIO_OUT: m->audio_out = arg; return true;
	case CLI_MEDIA_AUDIO_IN:  m->audio_in = arg;  return true;
	case CLI_MEDIA_AEC:       m->aec = arg;       return true;
	default:                  return false;
	}
}
