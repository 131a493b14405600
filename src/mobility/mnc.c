/*
 * Mobile Node Control mode (spec §5.2; RFC 5631 §5.3): transfer, split and
 * retrieve media with third-party call control (RFC 3725). The functions
 * below follow the ladder diagrams top to bottom.
 *
 * Transfer, one device (Figure 2) or several (Figure 3):
 *   1. INVITE each device with the CN's current SDP, only the media it takes
 *      active, so it plays the CN's stream the moment it arrives; hold the
 *      ACK of its 200.
 *   2. re-INVITE the CN: our description with the moved m-lines replaced by
 *      the devices' (each keeps its own c=). A duplex medium split across a
 *      camera and a display puts the camera's line in place of the old one
 *      and appends the display's (RFC 5631 §5.3.2).
 *   3. CN's 200: we ACK the CN, then each device. If the CN's answer
 *      changed what the device was told, the device gets a re-INVITE with
 *      the new parameters (the spec's figure puts them in the ACK, but an
 *      ACK to an INVITE that carried the offer cannot carry SDP, RFC 3264
 *      §4 / RFC 3261 §13.2.2.4).
 *   4. The MN keeps sending its own media for a safety interval, then stops;
 *      devices that hold nothing any more are hung up.
 *   5. Playout reports from the MN and every device give latency, lapse and
 *      disruption (metrics.c), and the command gets its answer.
 * Retrieval (§5.2.3): re-INVITE the CN with the MN's own media, then hang
 * up the devices (after the safety interval and their reports).
 *
 * Failure never drops the call: a device that declines, does not answer or
 * answers unusable SDP is hung up and the CN is left alone; a CN that rejects
 * the re-INVITE leaves every medium where it was (491 is retried after the
 * RFC 3261 §14.1 delay) and the new devices are hung up.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/playout.h>
#include "mn_priv.h"

enum {
	SETTLE_MS         = 300,    /* after the safety interval, packets
				     * in flight land before reports      */
	REPORT_TIMEOUT_MS = 2000,
	MAX_491_TRIES     = 3,
	MAX_RUNS          = 256,
	LOOKBACK_MS       = 250,    /* the run playing at the command: one
				     * frame interval of video at 4 fps,
				     * less than SETTLE_MS, so a previous
				     * transfer's hand-over stays out      */
};

enum xfer_phase { X_INVITING, X_REINVITING, X_SAFETY, X_REPORTING };

struct target {
	struct le le;
	struct mnc_xfer *x;
	struct mdev *dev;
	bool lines[MN_MAX_LINES];
	enum line_role roles[MN_MAX_LINES];
	bool answered;
};

struct mnc_xfer {
	struct mn *mn;
	struct ctl_request *req;
	bool retrieve;
	enum xfer_phase phase;
	struct list targets;        /* devices being invited              */
	struct list retiring;       /* devices to hang up after reports   */
	struct sdesc *cn_offer;
	struct placement newplace[MN_MAX_LINES];
	bool self_leaves;
	bool self_returns;
	unsigned tries;
	uint64_t t_cmd;
	int target_src;             /* who plays the CN's audio next       */
	int vtarget_src;            /* ...and its video (-1: nobody new)   */
	bool video_moved;
	struct tmr tmr;
	unsigned reports_pending;
	struct played {             /* runs reported, per medium           */
		struct metrics_run v[MAX_RUNS];
		size_t n;
	} played[2];                /* [SDESC_AUDIO], [SDESC_VIDEO]        */
	char missing[128];
};

static void finish(struct mnc_xfer *x, const char *error);
static void send_cn_reinvite(struct mnc_xfer *x);

static void target_destructor(void *arg)
{
	struct target *t = arg;

	list_unlink(&t->le);
	mem_deref(t->dev);   /* a device that did not join: BYE/CANCEL */
}

static void xfer_destructor(void *arg)
{
	struct mnc_xfer *x = arg;

	tmr_cancel(&x->tmr);
	list_flush(&x->targets);
	list_flush(&x->retiring);
	mem_deref(x->cn_offer);
	mem_deref(x->req);
}

/* The offer a device gets: the CN's description with only the device's
 * lines active; a display is offered what the CN sends, a camera what the
 * CN receives. */
int mnc_restricted_offer(struct sdesc **offerp, const struct sdesc *cn,
			 const bool *lines, const enum line_role *roles)
{
	struct sdesc *sd;
	unsigned i;
	int err;

	err = sdesc_dup(&sd, cn);
	if (err)
		return err;

	for (i = 0; i < sdesc_media_count(sd) && !err; i++) {
		struct sdesc_media *m = sdesc_media(sd, i);
		enum sdesc_dir d = sdesc_media_dir(m);

		if (i >= MN_MAX_LINES || !lines[i])
			err = sdesc_media_disable(m);
		else if (roles[i] == ROLE_OUT)
			err = sdesc_media_set_dir(m, d & SDESC_SENDONLY);
		else if (roles[i] == ROLE_IN)
			err = sdesc_media_set_dir(m, d & SDESC_RECVONLY);
	}

	if (err)
		mem_deref(sd);
	else
		*offerp = sd;
	return err;
}

/* ---- 1. INVITE the devices ------------------------------------------ */

static void device_timeout(void *arg)
{
	struct mnc_xfer *x = arg;
	struct le *le;

	for (le = x->targets.head; le; le = le->next) {
		struct target *t = le->data;

		if (!t->answered) {
			char why[192];

			re_snprintf(why, sizeof(why), "device %s did not answer"
				    " within %u ms", t->dev->uri,
				    x->mn->conf.device_timeout_ms);
			finish(x, why);
			return;
		}
	}
}

static const char *usable_answer(const struct target *t)
{
	const struct sdesc *ans = t->dev->answer;
	unsigned i;

	for (i = 0; i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m;
		struct sa ra;
		enum sdesc_dir d;

		if (!t->lines[i])
			continue;
		m = sdesc_media(ans, i);
		if (!m || !sdesc_media_port(m))
			return "it refused the medium (port 0)";
		if (sdesc_media_raddr(m, &ra))
			return "no usable address";
		d = sdesc_media_dir(m);
		if (t->roles[i] == ROLE_OUT && !(d & SDESC_RECVONLY))
			return "a display that does not receive";
		if (t->roles[i] == ROLE_IN && !(d & SDESC_SENDONLY))
			return "a camera that does not send";
	}
	return NULL;
}

/* Our 3PCC dialog with a device: its answer, or its failure. */
static void device_resp(struct target *t, int err, uint16_t scode,
			const struct sip_msg *msg)
{
	struct mnc_xfer *x = t->x;
	char why[256], perr[128] = "";
	const char *bad;
	struct le *le;

	if (!err && scode < 200)
		return;

	if (err || scode >= 300) {
		if (err)
			re_snprintf(why, sizeof(why), "device %s: %m",
				    t->dev->uri, err);
		else
			re_snprintf(why, sizeof(why), "device %s answered"
				    " %u %r", t->dev->uri, scode,
				    &msg->reason);
		finish(x, why);
		return;
	}

	t->dev->answer = mem_deref(t->dev->answer);
	if (sdesc_parse(&t->dev->answer, mbuf_buf(msg->mb),
			mbuf_get_left(msg->mb), perr, sizeof(perr))) {
		re_snprintf(why, sizeof(why), "device %s answered bad SDP: %s",
			    t->dev->uri, perr);
		finish(x, why);
		return;
	}
	bad = usable_answer(t);
	if (bad) {
		re_snprintf(why, sizeof(why), "device %s answered unusable"
			    " SDP: %s", t->dev->uri, bad);
		finish(x, why);
		return;
	}
	t->answered = true;

	for (le = x->targets.head; le; le = le->next) {
		if (!((struct target *)le->data)->answered)
			return;
	}
	tmr_cancel(&x->tmr);
	send_cn_reinvite(x);
}

static void dev_resp_handler(struct sipleg *leg, int err, uint16_t scode,
			     const struct sip_msg *msg, void *arg)
{
	struct mdev *d = arg;
	struct mnc_xfer *x = d->mn->xfer;
	struct le *le;
	(void)leg;

	if (!x)
		return;   /* a device re-INVITE's answer: nothing to do */
	for (le = x->targets.head; le; le = le->next) {
		struct target *t = le->data;

		if (t->dev == d) {
			device_resp(t, err, scode, msg);
			return;
		}
	}
}

static void dev_offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			      void *arg)
{
	struct mdev *d = arg;
	struct mbuf *mb = NULL;
	(void)msg;

	/* A device that re-offers gets the CN's media as they stand. */
	if (d->offer && !sdesc_encode(&mb, d->offer))
		(void)sipleg_reply(leg, 200, "OK", mb);
	else
		(void)sipleg_reply(leg, 488, "Not Acceptable Here", NULL);
	mem_deref(mb);
}

static void dev_close_handler(struct sipleg *leg, int err,
			      const struct sip_msg *msg, void *arg)
{
	struct mdev *d = arg;
	struct mnc_xfer *x = d->mn->xfer;
	char why[160];
	struct le *le;
	(void)leg;
	(void)msg;

	re_snprintf(why, sizeof(why), "%s (%m)",
		    err == ECONNRESET ? "it hung up" : "its dialog failed",
		    err);
	if (x) {
		for (le = x->targets.head; le; le = le->next) {
			struct target *t = le->data;
			char line[256];

			if (t->dev != d)
				continue;
			re_snprintf(line, sizeof(line), "device %s: %s",
				    d->uri, why);
			finish(x, line);
			return;
		}
	}
	mn_device_lost(d, why);
}

static const struct sipleg_handlers dev_handlers = {
	.resph = dev_resp_handler, .offerh = dev_offer_handler,
	.closeh = dev_close_handler,
};

static int invite_device(struct target *t)
{
	struct mn *mn = t->x->mn;
	struct mbuf *mb = NULL;
	int err;

	err = mnc_restricted_offer(&t->dev->offer, mn->cn_remote, t->lines,
				   t->roles);
	err = err ? err : sdesc_encode(&mb, t->dev->offer);
	err = err ? err : sipleg_connect(&t->dev->leg, mn->ep, t->dev->uri,
					 NULL, mb, true, &dev_handlers,
					 t->dev);
	mem_deref(mb);
	return err;
}

/* ---- 2. re-INVITE the CN -------------------------------------------- */

static struct target *target_of_line(struct mnc_xfer *x, unsigned line,
				     enum line_role role)
{
	struct le *le;

	for (le = x->targets.head; le; le = le->next) {
		struct target *t = le->data;

		if (line < MN_MAX_LINES && t->lines[line] &&
		    t->roles[line] == role)
			return t;
	}
	return NULL;
}

/* Both compositions start from what the CN has now... */
static int compose_begin(struct mnc_xfer *x, struct sdesc **sdp)
{
	memcpy(x->newplace, x->mn->place, sizeof(x->newplace));
	return sdesc_dup(sdp, x->mn->cn_local);
}

/* ...and end with the next o= version, as the CN's offer. */
static int compose_end(struct mnc_xfer *x, struct sdesc *sd, int err)
{
	err = err ? err : sdesc_version_bump(sd, x->mn->cn_local);
	if (err)
		mem_deref(sd);
	else
		x->cn_offer = sd;
	return err;
}

/* Our new description for the CN, and where each line will be. */
static int compose_transfer(struct mnc_xfer *x)
{
	struct mn *mn = x->mn;
	struct sdesc *sd = NULL;
	unsigned i, n = sdesc_media_count(mn->cn_local);
	int err;

	err = compose_begin(x, &sd);
	if (err)
		return err;

	for (i = 0; i < n && i < MN_MAX_LINES && !err; i++) {
		struct target *whole = target_of_line(x, i, ROLE_WHOLE);
		struct target *in = target_of_line(x, i, ROLE_IN);
		struct target *out = target_of_line(x, i, ROLE_OUT);
		struct target *t = whole ? whole : in;
		struct sdesc_media *m;

		if (!t)
			continue;
		if (!mn->place[i].dev)
			x->self_leaves = true;
		err = sdesc_media_replace(sd, i, sdesc_media(t->dev->answer,
							     i));
		x->newplace[i].dev = t->dev;
		x->newplace[i].role = whole ? ROLE_WHOLE : ROLE_IN;
		x->newplace[i].dev_line = i;

		if (!err && out) {   /* the display's line goes last */
			unsigned k = sdesc_media_count(sd);

			if (k >= MN_MAX_LINES) {
				err = E2BIG;
				break;
			}
			err = sdesc_media_copy(&m, sd,
					       sdesc_media(out->dev->answer,
							   i));
			x->newplace[k].dev = out->dev;
			x->newplace[k].role = ROLE_OUT;
			x->newplace[k].dev_line = i;
		}
	}
	return compose_end(x, sd, err);
}

/* Retrieval: the MN's own lines back in place, extra lines off. */
static int compose_retrieve(struct mnc_xfer *x, const char *media)
{
	struct mn *mn = x->mn;
	const struct sdesc *own = mset_local(mn->ms);
	struct sdesc *sd = NULL;
	unsigned i, n = sdesc_media_count(mn->cn_local);
	int err;

	err = compose_begin(x, &sd);
	if (err)
		return err;

	for (i = 0; i < n && i < MN_MAX_LINES && !err; i++) {
		struct sdesc_media *m = sdesc_media(sd, i);
		const char *type = sdesc_media_name(m);

		if (!mn->place[i].dev || !sdesc_media_port(m))
			continue;
		if (media && !strstr(media, type))
			continue;
		if (sdesc_media_type(m) == SDESC_VIDEO)
			x->video_moved = true;

		if (i < sdesc_media_count(own))
			err = sdesc_media_replace(sd, i, sdesc_media(own, i));
		else
			err = sdesc_media_disable(m);   /* an added line */
		x->newplace[i].dev = NULL;
		x->newplace[i].role = ROLE_WHOLE;
		x->self_returns = true;
	}
	return compose_end(x, sd, err);
}

static void send_cn_reinvite(struct mnc_xfer *x)
{
	struct mn *mn = x->mn;
	struct mbuf *mb = NULL;
	char why[128];
	int err;

	if (!x->cn_offer) {
		err = compose_transfer(x);
		if (err) {
			re_snprintf(why, sizeof(why), "cannot compose the"
				    " CN's offer: %m", err);
			finish(x, why);
			return;
		}
	}

	/* Returning media: send again before the CN switches, so it hears
	 * us from its first packet on. */
	if (x->self_returns)
		mset_set_sending(mn->ms, true);

	x->phase = X_REINVITING;
	err = sdesc_encode(&mb, x->cn_offer);
	err = err ? err : sipleg_reinvite(mn->leg, mb, true);
	mem_deref(mb);
	if (err) {
		re_snprintf(why, sizeof(why), "cannot re-INVITE the CN: %m",
			    err);
		finish(x, why);
	}
}

static void retry_reinvite(void *arg)
{
	send_cn_reinvite(arg);
}

/* ---- 3. the CN's answer ---------------------------------------------- */

static bool media_differs(const struct sdesc_media *a,
			  const struct sdesc_media *b)
{
	struct sdesc_codec ca, cb;
	struct sa sa, sb;

	if (!a || !b)
		return a != b;
	if (sdesc_media_raddr(a, &sa) || sdesc_media_raddr(b, &sb))
		return true;
	if (!sa_cmp(&sa, &sb, SA_ALL))
		return true;
	if (sdesc_media_negotiated(a, &ca) || sdesc_media_negotiated(b, &cb))
		return true;
	return !sdesc_codec_match(&ca, &cb) || ca.pt != cb.pt;
}

/* A device whose CN parameters changed gets them in a re-INVITE, in the
 * layout of its own session. */
static void update_device(struct mn *mn, struct mdev *d)
{
	struct sdesc *offer = NULL;
	struct mbuf *mb = NULL;
	bool changed = false;
	unsigned i;
	int err;

	for (i = 0; i < MN_MAX_LINES; i++) {
		if (mn->place[i].dev == d &&
		    media_differs(sdesc_media(d->offer, mn->place[i].dev_line),
				  sdesc_media(mn->cn_remote, i)))
			changed = true;
	}
	if (!changed)
		return;

	re_fprintf(stderr, "mn: CN's media changed; updating %s\n", d->uri);
	err = sdesc_dup(&offer, d->offer);
	for (i = 0; i < MN_MAX_LINES && !err; i++) {
		const struct placement *p = &mn->place[i];
		struct sdesc_media *m;
		enum sdesc_dir dir;

		if (p->dev != d)
			continue;
		err = sdesc_media_replace(offer, p->dev_line,
					  sdesc_media(mn->cn_remote, i));
		m = sdesc_media(offer, p->dev_line);
		dir = sdesc_media_dir(m);
		if (!err && p->role == ROLE_OUT)
			err = sdesc_media_set_dir(m, dir & SDESC_SENDONLY);
		else if (!err && p->role == ROLE_IN)
			err = sdesc_media_set_dir(m, dir & SDESC_RECVONLY);
	}
	err = err ? err : sdesc_version_bump(offer, d->offer);
	err = err ? err : sdesc_encode(&mb, offer);
	err = err ? err : sipleg_reinvite(d->leg, mb, false);
	if (err) {
		re_fprintf(stderr, "mn: cannot update %s: %m\n", d->uri, err);
		mem_deref(offer);
	}
	else {
		mem_deref(d->offer);
		d->offer = offer;
	}
	mem_deref(mb);
}

void mnc_update_devices(struct mn *mn)
{
	struct le *le;

	for (le = mn->devs.head; le; le = le->next)
		update_device(mn, le->data);
}

static void collect_reports(struct mnc_xfer *x);

static void safety_over(void *arg)
{
	struct mnc_xfer *x = arg;

	if (x->self_leaves)
		mset_set_sending(x->mn->ms, false);
	x->phase = X_REPORTING;
	collect_reports(x);
}

/* The CN took our offer: the media are where we said. */
static void cn_accepted(struct mnc_xfer *x, const struct sip_msg *msg)
{
	struct mn *mn = x->mn;
	struct sdesc *cn = NULL;
	char err[128];
	struct le *le;
	unsigned i;

	(void)sipleg_ack(mn->leg, NULL);   /* the CN first (Figure 2, 5) */

	if (sdesc_parse(&cn, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			err, sizeof(err))) {
		/* It took the offer, so the media moved; keep its old SDP. */
		re_fprintf(stderr, "mn: CN's answer is unreadable (%s)\n",
			   err);
	}
	else {
		mem_deref(mn->cn_remote);
		mn->cn_remote = cn;
	}
	mem_deref(mn->cn_local);
	mn->cn_local = mem_ref(x->cn_offer);
	memcpy(mn->place, x->newplace, sizeof(mn->place));

	if (x->self_returns && cn) {
		struct mbuf *mb = NULL;

		if (!sdesc_encode(&mb, cn))
			(void)mset_accept_answer(mn->ms, mb, err, sizeof(err));
		mem_deref(mb);
	}

	/* The new devices join the call: ACK them (Figure 2, message 6). */
	while ((le = x->targets.head)) {
		struct target *t = le->data;
		struct mdev *d = t->dev;

		t->dev = NULL;
		list_unlink(&t->le);
		mem_deref(t);
		(void)sipleg_ack(d->leg, NULL);
		list_append(&mn->devs, &d->le, d);
		mdev_watch(d);
	}

	/* Devices that hold nothing now leave after their reports. */
	le = mn->devs.head;
	while (le) {
		struct mdev *d = le->data;
		bool holds = false;

		le = le->next;
		for (i = 0; i < MN_MAX_LINES; i++)
			holds |= mn->place[i].dev == d;
		if (holds) {
			update_device(mn, d);
			continue;
		}
		list_unlink(&d->le);
		list_append(&x->retiring, &d->le, d);
	}

	x->phase = X_SAFETY;
	tmr_start(&x->tmr, (x->self_leaves ? mn->conf.safety_ms : 0) +
		  SETTLE_MS, safety_over, x);
}

/* Called by mn.c for every response to a re-INVITE of the CN while a
 * transfer runs; true when it was ours. */
bool mnc_cn_response(struct mn *mn, int err, uint16_t scode,
		     const struct sip_msg *msg)
{
	struct mnc_xfer *x = mn->xfer;
	char why[192];

	if (!x || x->phase != X_REINVITING)
		return false;
	if (!err && scode < 200)
		return true;

	if (!err && scode < 300) {
		x->phase = X_SAFETY;
		mn->last.signaling_ms = playlog_now_ms() - x->t_cmd;
		cn_accepted(x, msg);
		return true;
	}

	if (!err && scode == 491 && ++x->tries < MAX_491_TRIES) {
		/* RFC 3261 §14.1: 2.1-4 s if we own the Call-ID, else 0-2 s */
		uint32_t ms = mn->call_owner ? 2100 + rand_u32() % 1900
					     : rand_u32() % 2000;

		re_fprintf(stderr, "mn: CN answered 491; retrying in %u ms\n",
			   ms);
		tmr_start(&x->tmr, ms, retry_reinvite, x);
		return true;
	}

	if (err)
		re_snprintf(why, sizeof(why), "CN did not take the re-INVITE:"
			    " %m", err);
	else
		re_snprintf(why, sizeof(why), "CN answered %u %r", scode,
			    &msg->reason);
	finish(x, why);
	return true;
}

/* ---- 5. playout reports and metrics ---------------------------------- */

static void add_run(struct mnc_xfer *x, enum sdesc_mtype type, int src,
		    const struct playlog_run *r)
{
	struct played *p = &x->played[type == SDESC_VIDEO];

	if (p->n < MAX_RUNS)
		p->v[p->n++] = (struct metrics_run){src, *r};
}

/* Audio metrics always (they show a move of video alone did not touch the
 * audio); video metrics when video moved. */
static void compute(struct mnc_xfer *x)
{
	struct mn *mn = x->mn;
	struct last_transfer *lt = &mn->last;
	const struct metrics_window w = {x->t_cmd - LOOKBACK_MS, x->t_cmd,
					 playlog_now_ms()};
	const struct played *a = &x->played[0], *v = &x->played[1];

	lt->video_moved = x->video_moved;
	if (x->missing[0]) {
		lt->metrics_known = lt->vmetrics_known = false;
		str_ncpy(lt->metrics_note, x->missing,
			 sizeof(lt->metrics_note));
		str_ncpy(lt->vmetrics_note, x->missing,
			 sizeof(lt->vmetrics_note));
		finish(x, NULL);
		return;
	}
	lt->metrics_known = !metrics_compute(a->v, a->n, &w, x->target_src,
					     &lt->m);
	if (!lt->metrics_known)
		str_ncpy(lt->metrics_note, "no audio was played in the"
			 " window", sizeof(lt->metrics_note));
	lt->vmetrics_known = x->video_moved &&
		!metrics_compute(v->v, v->n, &w, x->vtarget_src, &lt->vm);
	if (!lt->vmetrics_known)
		str_ncpy(lt->vmetrics_note, "no marked video frame was"
			 " decoded in the window", sizeof(lt->vmetrics_note));
	finish(x, NULL);
}

struct report_query {
	struct mnc_xfer *x;
	struct mdev *dev;
};

static void report_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct report_query *q = arg;
	struct mnc_xfer *x = q->x;
	struct odict *od = NULL;
	const struct odict_entry *e;
	struct le *le;

	if (err || !msg || msg->scode >= 300 ||
	    json_decode_odict(&od, 32, (const char *)mbuf_buf(msg->mb),
			      mbuf_get_left(msg->mb), 8) ||
	    !(e = odict_lookup(od, "playout")) || e->type != ODICT_ARRAY) {
		re_snprintf(x->missing, sizeof(x->missing), "device %s gave"
			    " no playout report", q->dev->uri);
	}
	else {
		for (le = e->u.odict->lst.head; le; le = le->next) {
			const struct odict_entry *re = le->data;
			uint64_t v[6] = {0};
			struct playlog_run r;
			const char *type;

			if (re->type != ODICT_OBJECT)
				continue;
			type = odict_string(re->u.odict, "type");
			(void)odict_get_number(re->u.odict, &v[0], "ssrc");
			(void)odict_get_number(re->u.odict, &v[1], "seq");
			(void)odict_get_number(re->u.odict, &v[2], "n");
			(void)odict_get_number(re->u.odict, &v[3], "t0");
			(void)odict_get_number(re->u.odict, &v[4], "t1");
			(void)odict_get_number(re->u.odict, &v[5], "max_gap");
			r = (struct playlog_run){(uint32_t)v[0],
						 (uint16_t)v[1],
						 (uint32_t)v[2], v[3], v[4],
						 (uint32_t)v[5]};
			add_run(x, type && !strcmp(type, "video") ?
				SDESC_VIDEO : SDESC_AUDIO, q->dev->src, &r);
		}
	}
	mem_deref(od);
	mem_deref(q);

	if (--x->reports_pending == 0) {
		tmr_cancel(&x->tmr);
		compute(x);
	}
}

static void reports_late(void *arg)
{
	struct mnc_xfer *x = arg;

	if (!x->missing[0])
		str_ncpy(x->missing, "a device did not report its playout in"
			 " time", sizeof(x->missing));
	x->reports_pending = 0;
	compute(x);
}

static void query_device(struct mnc_xfer *x, struct mdev *d,
			 struct mbuf *body)
{
	struct report_query *q;

	if (d->lost[0] || !d->leg)
		return;
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return;
	q->x = x;
	q->dev = d;
	if (sipleg_request(d->leg, "INFO", PLAYOUT_CTYPE, body,
			   report_handler, q)) {
		mem_deref(q);
		return;
	}
	x->reports_pending++;
}

static void collect_reports(struct mnc_xfer *x)
{
	struct mn *mn = x->mn;
	struct playlog_run runs[64];
	struct mbuf *body = mbuf_alloc(64);
	uint64_t since = x->t_cmd - LOOKBACK_MS;
	size_t n, i;
	struct le *le;

	n = mset_runs(mn->ms, SDESC_AUDIO, since, runs, ARRAY_SIZE(runs));
	for (i = 0; i < n; i++)
		add_run(x, SDESC_AUDIO, 0, &runs[i]);
	n = mset_runs(mn->ms, SDESC_VIDEO, since, runs, ARRAY_SIZE(runs));
	for (i = 0; i < n; i++)
		add_run(x, SDESC_VIDEO, 0, &runs[i]);

	if (!body) {
		str_ncpy(x->missing, "out of memory asking for playout reports",
			 sizeof(x->missing));
		compute(x);
		return;
	}
	(void)mbuf_printf(body, "{\"since\":%llu}", since);
	body->pos = 0;
	for (le = mn->devs.head; le; le = le->next)
		query_device(x, le->data, body);
	for (le = x->retiring.head; le; le = le->next)
		query_device(x, le->data, body);
	mem_deref(body);

	if (!x->reports_pending) {
		compute(x);
		return;
	}
	tmr_start(&x->tmr, REPORT_TIMEOUT_MS, reports_late, x);
}

/* ---- the end: answer the command, release --------------------------- */

static void finish(struct mnc_xfer *x, const char *error)
{
	struct mn *mn = x->mn;
	struct last_transfer *lt = &mn->last;
	struct ctl_request *req = x->req;

	lt->valid = true;
	lt->ok = error == NULL;
	lt->mode = x->retrieve ? "retrieve" : "transfer";
	str_ncpy(lt->error, error ? error : "", sizeof(lt->error));
	if (error) {
		lt->metrics_known = lt->vmetrics_known = false;
		lt->video_moved = false;
		lt->metrics_note[0] = '\0';
		/* Rolled back: the media stay where they were. */
		if (x->self_returns && x->phase >= X_REINVITING)
			mset_set_sending(mn->ms, false);
	}

	mn->xfer = NULL;
	x->req = NULL;
	mn_log_result(mn);
	if (req) {
		mn_put_last_transfer(ctl_request_reply(req), lt);
		ctl_request_done(req, error ? EPROTO : 0);
		mem_deref(req);
	}
	mem_deref(x);   /* hangs up failed targets and retired devices */
}

void mnc_abort(struct mn *mn, const char *why)
{
	if (mn->xfer)
		finish(mn->xfer, why);
}

static int xfer_alloc(struct mnc_xfer **xp, struct mn *mn,
		      struct ctl_request *req, struct odict *reply)
{
	struct mnc_xfer *x;

	if (mn->state != MN_ESTABLISHED || !mn->cn_remote) {
		ctl_put_str(reply, "error", "no established call");
		return ENOTCONN;
	}
	if (mn->xfer) {
		ctl_put_str(reply, "error", "a transfer is in progress");
		return EBUSY;
	}
	if (sipleg_busy(mn->leg)) {
		ctl_put_str(reply, "error", "the call is busy (a re-INVITE is"
			    " in progress); try again");
		return EBUSY;
	}

	x = mem_zalloc(sizeof(*x), xfer_destructor);
	if (!x)
		return ENOMEM;
	x->mn = mn;
	x->req = mem_ref(req);
	x->t_cmd = playlog_now_ms();
	x->vtarget_src = -1;
	tmr_init(&x->tmr);
	*xp = x;
	return 0;
}

/* ---- entry points ---------------------------------------------------- */

int mnc_move(struct mn *mn, struct ctl_request *req,
	     const struct mnc_plan *plan, struct odict *reply)
{
	struct mnc_xfer *x;
	struct le *le;
	unsigned i;
	int err;

	err = xfer_alloc(&x, mn, req, reply);
	if (err)
		return err;

	/* One target per device, taking all of its lines. */
	for (i = 0; i < plan->n; i++) {
		struct target *t = NULL;
		int line = plan->item[i].line;

		for (le = x->targets.head; le; le = le->next) {
			if (!strcmp(((struct target *)le->data)->dev->uri,
				    plan->item[i].uri))
				t = le->data;
		}
		if (!t) {
			t = mem_zalloc(sizeof(*t), target_destructor);
			if (!t || !(t->dev = mdev_alloc(mn, plan->item[i].uri))) {
				mem_deref(t);
				err = ENOMEM;
				goto out;
			}
			t->x = x;
			list_append(&x->targets, &t->le, t);
		}
		t->lines[line] = true;
		t->roles[line] = plan->item[i].role;
		if (sdesc_media_type(sdesc_media(mn->cn_remote, line)) ==
		    SDESC_VIDEO) {
			x->video_moved = true;
			if (plan->item[i].role != ROLE_IN)
				x->vtarget_src = t->dev->src;
		}
		else {
			x->target_src = t->dev->src;
		}
	}

	mn->xfer = x;
	x->phase = X_INVITING;
	re_fprintf(stderr, "mn: transfer to %u device(s)\n",
		   list_count(&x->targets));
	for (le = x->targets.head; le && !err; le = le->next)
		err = invite_device(le->data);
	if (err) {
		mn->xfer = NULL;
		goto out;
	}
	tmr_start(&x->tmr, mn->conf.device_timeout_ms, device_timeout, x);
	return EINPROGRESS;

 out:
	x->req = mem_deref(x->req);
	mem_deref(x);
	return err;
}

int mnc_retrieve(struct mn *mn, struct ctl_request *req, const char *media,
		 struct odict *reply)
{
	struct mnc_xfer *x;
	int err;

	if (!mn_media_elsewhere(mn)) {
		ctl_put_str(reply, "error", "every medium is here already");
		return EALREADY;
	}
	err = xfer_alloc(&x, mn, req, reply);
	if (err)
		return err;

	x->retrieve = true;
	x->target_src = 0;
	x->vtarget_src = 0;
	err = compose_retrieve(x, media);
	if (err || !x->self_returns) {
		ctl_put_str(reply, "error", err ? "cannot compose the offer"
			    : "none of those media is on a device");
		x->req = mem_deref(x->req);
		mem_deref(x);
		return err ? err : EALREADY;
	}

	mn->xfer = x;
	re_fprintf(stderr, "mn: retrieving media\n");
	send_cn_reinvite(x);
	return mn->xfer == x ? EINPROGRESS : 0;
}
