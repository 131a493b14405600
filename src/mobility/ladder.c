/*
 * The ladder of a transfer: its SIP steps in order, each with the time
 * since the command, so that status (and the map page) can draw the
 * message sequence of the last transfer. A fixed array, cut at
 * LADDER_MAX steps: a transfer that retries for a long time keeps its
 * first steps and says that more were left out.
 */
#include <stdarg.h>
#include <re.h>
#include <sipmob/playout.h>
#include "mn_priv.h"

void ladder_add(struct ladder *l, uint64_t t_cmd, const char *fmt, ...)
{
	struct ladder_step *s;
	uint64_t now = playlog_now_ms();
	va_list ap;

	if (!l)
		return;
	if (l->n >= LADDER_MAX) {
		l->cut = true;
		return;
	}
	s = &l->v[l->n++];
	s->t_ms = (uint32_t)(now >= t_cmd ? now - t_cmd : 0);
	va_start(ap, fmt);
	(void)re_vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
}
