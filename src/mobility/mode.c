/*
 * Which transfer mode a move uses (spec §5.1.3): Mobile Node Control
 * keeps us in the signalling path and works with any device and any CN;
 * Session Handoff hands the whole session over, but needs a device that
 * executes REFER (mobility-enhanced, its SLP attribute says) and a CN
 * that takes Replaces (RFC 3891). `auto` hands off a `move --to DEV`
 * only when both are known (a move that names media, --audio or --video,
 * keeps us in control, as the user asked for one medium); the reason for
 * the choice goes to last_transfer and the log.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"

int mode_parse(const char *s, enum xfer_mode *m)
{
	if (!s || !strcmp(s, "auto"))
		*m = MODE_AUTO;
	else if (!strcmp(s, "mnc"))
		*m = MODE_MNC;
	else if (!strcmp(s, "handoff"))
		*m = MODE_HANDOFF;
	else
		return EINVAL;
	return 0;
}

/* The mode and its reason, for last_transfer once the move has started
 * (a refused move leaves the last transfer's record alone). */
struct choice {
	const char *how;
	char why[160];
};

static void chosen(struct choice *c, const char *how, const char *fmt,
		   const char *arg)
{
	c->how = how;
	re_snprintf(c->why, sizeof(c->why), fmt, arg);
}

static int started(struct mn *mn, const struct choice *c, int err)
{
	if (err != EINPROGRESS && err)
		return err;
	mn->last.how = c->how;
	str_ncpy(mn->last.why_how, c->why, sizeof(mn->last.why_how));
	re_fprintf(stderr, "mn: %s mode: %s\n", c->how, c->why);
	return err;
}

static int move(struct mn *mn, const struct mnc_request *rq,
		enum xfer_mode mode, bool asked, xfer_done_h *h, void *arg,
		char *why, size_t whysz);

/* A move in auto mode that waits for the CN's OPTIONS answer */
struct deferred {
	struct mnc_request rq;
	char *dev[5];            /* the strings rq points to */
	xfer_done_h *h;
	void *arg;
};

static void deferred_destructor(void *arg)
{
	struct deferred *d = arg;

	for (size_t i = 0; i < ARRAY_SIZE(d->dev); i++)
		mem_deref(d->dev[i]);
}

static void replaces_answered(struct mn *mn, void *arg)
{
	struct deferred *d = arg;
	struct last_transfer *lt = &mn->last;
	char why[256] = "";
	int err;

	err = move(mn, &d->rq, MODE_AUTO, true, d->h, d->arg, why,
		   sizeof(why));
	if (err && err != EINPROGRESS) {
		report_outcome(lt, false, lt->how, why[0] ? why : "cannot move");
		d->h(err, lt, d->arg);
	}
	mem_deref(d);
}

static int ask_then_move(struct mn *mn, const struct mnc_request *rq,
			 xfer_done_h *h, void *arg)
{
	const char *v[5] = {rq->audio, rq->video, rq->display, rq->camera,
			    rq->to};
	struct deferred *d = mem_zalloc(sizeof(*d), deferred_destructor);
	int err = d ? 0 : ENOMEM;

	for (size_t i = 0; i < ARRAY_SIZE(v) && !err; i++)
		err = v[i] ? str_dup(&d->dev[i], v[i]) : 0;
	if (!err) {
		d->rq = (struct mnc_request){d->dev[0], d->dev[1], d->dev[2],
					     d->dev[3], d->dev[4]};
		d->h = h;
		d->arg = arg;
		err = call_ask_replaces(mn, replaces_answered, d);
	}
	if (err)
		mem_deref(d);
	return err;
}

int mode_move(struct mn *mn, const struct mnc_request *rq,
	      enum xfer_mode mode, xfer_done_h *h, void *arg, char *why,
	      size_t whysz)
{
	return move(mn, rq, mode, false, h, arg, why, whysz);
}

static int move(struct mn *mn, const struct mnc_request *rq,
		enum xfer_mode mode, bool asked, xfer_done_h *h, void *arg,
		char *why, size_t whysz)
{
	const char *dev = mn->state == MN_ESTABLISHED ?
		mnc_whole_target(mn, rq) : NULL;
	struct choice c;

	if (mn->ho) {
		re_snprintf(why, whysz, "a handoff is in progress");
		return EBUSY;
	}
	switch (mode) {

	case MODE_MNC:
		chosen(&c, "mnc", "asked for%s", "");
		return started(mn, &c, mnc_move(mn, rq, h, arg, why, whysz));

	case MODE_HANDOFF:
		if (mn->state == MN_ESTABLISHED && !dev) {
			re_snprintf(why, whysz, "a handoff moves the whole"
				    " session to one device (--to DEV); this"
				    " move splits it or keeps part here%s",
				    mn->devs.head ? ", or media are on"
				    " devices already" : "");
			return EINVAL;
		}
		chosen(&c, "handoff", "asked for%s", "");
		return started(mn, &c, dev ?
			       handoff_move(mn, dev, h, arg, why, whysz) :
			       mnc_move(mn, rq, h, arg, why, whysz));

	default:
		break;
	}

	if (!dev)
		chosen(&c, "mnc", "the move splits the session or keeps part"
		       " of it here%s", "");
	else if (!rq->to)
		chosen(&c, "mnc", "the move names media (--to DEV hands the"
		       " whole session over)%s", "");
	else if (mn_known_enhanced(mn, dev) != 1)
		chosen(&c, "mnc", "%s is not known to be mobility-enhanced"
		       " (its SLP attributes)", dev);
	else if (mn->cn_replaces < 0 && !asked &&
		 !ask_then_move(mn, rq, h, arg))
		return EINPROGRESS;   /* decided when the CN answers */
	else if (mn->cn_replaces != 1)
		chosen(&c, "mnc", "the CN does not say it takes Replaces%s",
		       mn->cn_replaces < 0 ? " (no answer to OPTIONS)" : "");
	else {
		chosen(&c, "handoff", "%s is mobility-enhanced and the CN"
		       " takes Replaces", dev);
		return started(mn, &c, handoff_move(mn, dev, h, arg, why,
						    whysz));
	}
	return started(mn, &c, mnc_move(mn, rq, h, arg, why, whysz));
}

int mode_retrieve(struct mn *mn, const char *media, const char *from,
		  enum xfer_mode mode, xfer_done_h *h, void *arg, char *why,
		  size_t whysz)
{
	const char *dev = NULL;
	struct choice c;

	if (from) {
		dev = mnc_device_uri(mn, from, why, whysz);
		if (!dev)
			return ENOENT;
	}
	if (mode == MODE_MNC || (mode == MODE_AUTO && !dev &&
				 (mn->state != MN_IDLE ||
				  !mn->handed.valid))) {
		if (dev) {
			re_snprintf(why, whysz, "--from is for a session"
				    " handed off (Session Handoff mode)");
			return EINVAL;
		}
		chosen(&c, "mnc", "%s", mode == MODE_MNC ? "asked for" :
		       "the session is ours; media come back from devices");
		return started(mn, &c, mnc_retrieve(mn, media, h, arg, why,
						    whysz));
	}
	if (media) {
		re_snprintf(why, whysz, "a handed-off session comes back"
			    " whole; --media is for Mobile Node Control");
		return EINVAL;
	}
	chosen(&c, "handoff", "%s", dev ? "the device's dialog events name"
	       " the session" : "the session was handed off");
	return started(mn, &c, handoff_retrieve(mn, dev, h, arg, why, whysz));
}
