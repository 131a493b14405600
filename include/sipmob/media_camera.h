/**
 * @file media_camera.h  A camera for a video stream: pictures from a
 * libavdevice / libavformat input (v4l2:/dev/video0, file:PATH), decoded
 * and scaled to the size being sent.
 *
 * Usage:
 *   camera_alloc(&cam, "v4l2:/dev/video0", why, sizeof(why));
 *   struct media_vio io = {.srch = camera_picture, .src_arg = cam};
 *   media_vstream_set_io(vs, &io);
 */

#ifndef SIPMOB_MEDIA_CAMERA_H
#define SIPMOB_MEDIA_CAMERA_H

#include <stddef.h>
#include <stdint.h>

struct camera;
struct vidpic;

int  camera_alloc(struct camera **camp, const char *spec, char *why,
		  size_t whysz);
const struct vidpic *camera_picture(unsigned w, unsigned h, void *arg);
void camera_counts(const struct camera *cam, uint64_t *frames,
		   uint64_t *loops);

#endif /* SIPMOB_MEDIA_CAMERA_H */
