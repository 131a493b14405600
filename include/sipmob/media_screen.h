/**
 * @file media_screen.h  A screen for a video stream: an SDL2 window that
 * shows every decoded picture, scaled to the window.
 *
 * Usage:
 *   screen_alloc(&scr, "sdl:fullscreen", "title", why, sizeof(why));
 *   struct media_vio io = {.sinkh = screen_show, .sink_arg = scr};
 *   media_vstream_set_io(vs, &io);
 */

#ifndef SIPMOB_MEDIA_SCREEN_H
#define SIPMOB_MEDIA_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct screen;
struct vidpic;

int  screen_alloc(struct screen **scrp, const char *spec, const char *title,
		  char *why, size_t whysz);
void screen_show(const struct vidpic *pic, void *arg);
uint64_t screen_shown(const struct screen *scr);
bool screen_open(const struct screen *scr);

#endif /* SIPMOB_MEDIA_SCREEN_H */
