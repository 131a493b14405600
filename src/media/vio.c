/**
 * @file vio.c  A program's video devices: the camera and the screen named
 * by its --camera and --screen options, as the picture source and sink of
 * its video streams (struct media_vio).
 */

#include <errno.h>
#include <re.h>
#include <sipmob/media_video.h>
#include <sipmob/media_camera.h>
#include <sipmob/media_screen.h>

/**
 * Open the camera (spec NULL: none, the pattern) and the screen (NULL:
 * none) into io; on error why says which and why, and nothing stays open.
 */
int media_vio_open(struct media_vio *io, const char *camera,
		   const char *screen, const char *title, char *why,
		   size_t whysz)
{
	struct camera *cam = NULL;
	struct screen *scr = NULL;
	char msg[256];
	int err = 0;

	if (!io)
		return EINVAL;

	if (camera) {
		err = camera_alloc(&cam, camera, msg, sizeof(msg));
		if (err)
			re_snprintf(why, whysz, "--camera: %s", msg);
	}
	if (!err && screen) {
		err = screen_alloc(&scr, screen, title, msg, sizeof(msg));
		if (err)
			re_snprintf(why, whysz, "--screen: %s", msg);
	}
	if (err) {
		mem_deref(cam);
		return err;
	}

	io->srch = cam ? camera_picture : NULL;
	io->src_arg = cam;
	io->sinkh = scr ? screen_show : NULL;
	io->sink_arg = scr;

	return 0;
}


/** Close what media_vio_open() opened */
void media_vio_close(struct media_vio *io)
{
	if (!io)
		return;

	mem_deref(io->sink_arg);
	mem_deref(io->src_arg);
	io->srch = NULL;
	io->sinkh = NULL;
	io->src_arg = NULL;
	io->sink_arg = NULL;
}
