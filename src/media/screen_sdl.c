/**
 * @file screen_sdl.c  A screen: an SDL2 window showing the decoded
 * pictures of a video stream, scaled to the window.
 *
 * "sdl" opens a resizable window of CIF size, "sdl:fullscreen" one that
 * covers the display. Each decoded picture goes to a YUV texture that the
 * renderer stretches over the whole window (SDL picks the renderer: a GPU
 * one under a desktop, its software one under Xvfb). SDL's events are
 * pumped from the libre loop by a timer, so the window repaints and
 * answers its close button; closing it logs and leaves the device running
 * without a screen. SDL's own signal handlers are off: the daemon's
 * SIGINT/SIGTERM handling stays in charge.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <SDL2/SDL.h>
#include <re.h>
#include <sipmob/media_video.h>
#include <sipmob/media_screen.h>

enum {
	PUMP_MS  = 20,
	WIN_W    = 352,
	WIN_H    = 288,
};

struct screen {
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	unsigned tw, th;        /* texture size                       */
	struct tmr tmr;
	uint64_t shown;
};


static void close_window(struct screen *scr)
{
	if (scr->tex)
		SDL_DestroyTexture(scr->tex);
	if (scr->ren)
		SDL_DestroyRenderer(scr->ren);
	if (scr->win)
		SDL_DestroyWindow(scr->win);
	scr->tex = NULL;
	scr->ren = NULL;
	scr->win = NULL;
}


static void screen_destructor(void *arg)
{
	struct screen *scr = arg;

	tmr_cancel(&scr->tmr);
	close_window(scr);
	/* SDL stays initialised until exit: SDL_Quit() would unload the X11
	 * and D-Bus libraries it opened, leaving what they allocated (and
	 * never free) unreachable; the process ends soon after anyway */
}


static void present(struct screen *scr)
{
	SDL_RenderClear(scr->ren);
	if (scr->tex)
		SDL_RenderCopy(scr->ren, scr->tex, NULL, NULL);
	SDL_RenderPresent(scr->ren);
}


static void pump(void *arg)
{
	struct screen *scr = arg;
	SDL_Event ev;

	while (SDL_PollEvent(&ev)) {
		bool closed = ev.type == SDL_QUIT ||
			(ev.type == SDL_WINDOWEVENT &&
			 ev.window.event == SDL_WINDOWEVENT_CLOSE);

		if (closed && scr->win) {
			re_fprintf(stderr, "screen: window closed after %llu"
				   " pictures; going on without a screen\n",
				   (unsigned long long)scr->shown);
			close_window(scr);
		}
		else if (ev.type == SDL_WINDOWEVENT && scr->ren) {
			present(scr);   /* exposed, resized */
		}
	}

	if (scr->win)
		tmr_start(&scr->tmr, PUMP_MS, pump, scr);
}


/**
 * Open a screen. spec: "sdl" (a window) or "sdl:fullscreen"; title names
 * the window. Needs a display (DISPLAY, or WAYLAND_DISPLAY); why says what
 * failed.
 */
int screen_alloc(struct screen **scrp, const char *spec, const char *title,
		 char *why, size_t whysz)
{
	struct screen *scr;
	Uint32 flags = SDL_WINDOW_RESIZABLE;
	int x = SDL_WINDOWPOS_UNDEFINED, y = SDL_WINDOWPOS_UNDEFINED;
	int w = WIN_W, h = WIN_H;
	SDL_DisplayMode mode;
	bool full = false;

	if (!scrp || !spec)
		return EINVAL;

	if (!strcmp(spec, "sdl:fullscreen"))
		full = true;
	else if (strcmp(spec, "sdl")) {
		re_snprintf(why, whysz, "unknown screen '%s' (sdl,"
			    " sdl:fullscreen)", spec);
		return EINVAL;
	}

	/* without a desktop SDL would pick an off-screen driver */
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") &&
	    !getenv("SDL_VIDEODRIVER")) {
		re_snprintf(why, whysz, "no display for the screen: neither"
			    " DISPLAY nor WAYLAND_DISPLAY is set (or set"
			    " SDL_VIDEODRIVER, e.g. kmsdrm)");
		return ENODEV;
	}

	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO)) {
		re_snprintf(why, whysz, "no display for the screen: %s",
			    SDL_GetError());
		return ENODEV;
	}

	scr = mem_zalloc(sizeof(*scr), screen_destructor);
	if (!scr) {
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return ENOMEM;
	}
	tmr_init(&scr->tmr);

	/* full screen: a borderless window over the whole display, which
	 * also holds where no window manager acts on a full-screen
	 * request (a kiosk's bare X server, Xvfb) */
	if (full && !SDL_GetDesktopDisplayMode(0, &mode)) {
		x = 0;
		y = 0;
		w = mode.w;
		h = mode.h;
		flags = SDL_WINDOW_BORDERLESS | SDL_WINDOW_FULLSCREEN_DESKTOP;
	}

	scr->win = SDL_CreateWindow(title ? title : "sipmob", x, y, w, h,
				    flags);
	if (scr->win)
		scr->ren = SDL_CreateRenderer(scr->win, -1, 0);
	if (!scr->ren) {
		re_snprintf(why, whysz, "cannot open a window: %s",
			    SDL_GetError());
		mem_deref(scr);
		return ENODEV;
	}

	re_fprintf(stderr, "screen: %dx%d window (%s, %s)\n", w, h,
		   SDL_GetCurrentVideoDriver(), full ? "full screen" : "sdl");
	SDL_SetRenderDrawColor(scr->ren, 0, 0, 0, 255);
	present(scr);
	tmr_start(&scr->tmr, PUMP_MS, pump, scr);
	*scrp = scr;

	return 0;
}


/** The picture sink of a video stream (media_vpic_sink_h) */
void screen_show(const struct vidpic *pic, void *arg)
{
	struct screen *scr = arg;

	if (!scr || !pic || !scr->ren)
		return;

	if (!scr->tex || scr->tw != pic->w || scr->th != pic->h) {
		if (scr->tex)
			SDL_DestroyTexture(scr->tex);
		scr->tex = SDL_CreateTexture(scr->ren, SDL_PIXELFORMAT_IYUV,
					     SDL_TEXTUREACCESS_STREAMING,
					     (int)pic->w, (int)pic->h);
		if (!scr->tex)
			return;
		scr->tw = pic->w;
		scr->th = pic->h;
		re_fprintf(stderr, "screen: showing %ux%u pictures\n",
			   pic->w, pic->h);
	}

	if (SDL_UpdateYUVTexture(scr->tex, NULL,
				 pic->data[0], (int)pic->linesize[0],
				 pic->data[1], (int)pic->linesize[1],
				 pic->data[2], (int)pic->linesize[2]))
		return;

	present(scr);
	++scr->shown;
}


/** Pictures shown so far */
uint64_t screen_shown(const struct screen *scr)
{
	return scr ? scr->shown : 0;
}


/** Whether the window is still open */
bool screen_open(const struct screen *scr)
{
	return scr && scr->win;
}
