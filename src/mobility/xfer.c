/*
 * One transfer of Mobile Node Control (spec §5.2; RFC 5631 §5.3), in the
 * order of the ladder diagrams:
 *
 *   1. INVITE each new device with the CN's current SDP, only its lines
 *      active, so it plays the CN's stream the moment it arrives; hold the
 *      ACK of its 200 (Figure 2, 3).
 *   2. re-INVITE the CN with the description place.c composes: the moved
 *      lines replaced by the devices' answers. A CN re-INVITE that comes
 *      meanwhile is served first (call.c); ours waits until the leg is free.
 *   3. CN's 200: ACK the CN, then each device; devices whose CN parameters
 *      changed get them; devices that hold nothing any more retire.
 *   4. The MN keeps sending each medium it gave away for a safety interval,
 *      then stops that medium only; media it got back it sends at once.
 *   With bridges (xfer_bridge.c), a device that answers 1. plays at once:
 *   the MN passes the CN's packets on to it and sends its packets to the
 *   CN as the MN's own until the CN has switched; a retrieval first asks
 *   the devices to do the same the other way.
 *   5. Playout reports (report.c) give latency, lapse and disruption.
 * Retrieval (§5.2.3) is steps 2-5 with the MN's own lines.
 *
 * Failure never drops the call: a device that declines, does not answer or
 * answers unusable SDP is hung up and the CN is left alone; a CN that
 * rejects the re-INVITE leaves every medium where it was (491 is retried
 * after the RFC 3261 §14.1 delay) and the new devices are hung up.
 */
#include <string.h>
#include <re.h>
#include <sipmob/playout.h>
#include "mn_priv.h"

enum {
	SETTLE_MS         = 300,    /* after the safety interval, packets
				     * in flight land before reports      */
	MAX_491_TRIES     = 3,
	LOOKBACK_MS       = 250,    /* the run playing at the command: one
				     * frame interval of video at 4 fps,
				     * less than SETTLE_MS, so a previous
				     * transfer's hand-over stays out      */
};

struct target {
	struct le le;
	struct xfer *x;
	struct devleg *d;
	bool lines[MN_MAX_LINES];
	enum line_role roles[MN_MAX_LINES];
	bool bridge_lines[MN_MAX_LINES]; /* lines a bridge may carry       */
	bool answered;
	struct devleg *tc;          /* the transcoder before it (caps.c)   */
	struct sdesc *cn_face;      /* its answer as the CN gets it: the
				       transcoder's B line in the audio's  */
};

struct xfer {
	struct mn *mn;
	xfer_done_h *h;
	void *arg;
	bool retrieve;
	char *media;                /* retrieve: which (NULL: all)         */
	struct list targets;        /* devices being invited              */
	struct list retiring;       /* devices to hang up after reports   */
	struct sdesc *cn_offer;
	struct place next;
	bool returns[2];            /* [SDESC_AUDIO], [SDESC_VIDEO]        */
	unsigned tries;
	uint64_t t_cmd;
	int target_src;             /* who plays the CN's audio next       */
	int vtarget_src;            /* ...and its video (-1: nobody new)   */
	bool video_moved;
	struct tmr tmr;
	struct report *report;
	struct xbridges xb;
	struct caps_plan caps;      /* how the audio's codec is reconciled */
	struct ladder ladder;       /* its SIP steps, for status           */
};

static void finish(struct xfer *x, const char *error);
static void send_cn(struct xfer *x);
static int cn_face(struct target *t);

static void target_destructor(void *arg)
{
	struct target *t = arg;

	list_unlink(&t->le);
	devleg_close(t->d);   /* a device that did not join: BYE/CANCEL */
	mem_deref(t->d);
	devleg_close(t->tc);
	mem_deref(t->tc);
	mem_deref(t->cn_face);
}

static void retiring_flush(struct list *l)
{
	while (l->head) {
		struct devleg *d = l->head->data;

		list_unlink(&d->le);
		devleg_close(d);
		mem_deref(d);
	}
}

static void destructor(void *arg)
{
	struct xfer *x = arg;

	tmr_cancel(&x->tmr);
	xbridge_end(&x->xb, NULL);
	list_flush(&x->targets);
	retiring_flush(&x->retiring);
	mem_deref(x->cn_offer);
	mem_deref(x->media);
	mem_deref(x->report);
}

/* Each medium is sent by the MN exactly when it holds it. */
static void self_sending(struct mn *mn, const struct place *p,
			 const struct sdesc *sd)
{
	mset_set_sending(mn->ms, SDESC_AUDIO,
			 place_self_holds(p, sd, SDESC_AUDIO));
	mset_set_sending(mn->ms, SDESC_VIDEO,
			 place_self_holds(p, sd, SDESC_VIDEO));
}

/* ---- 1. INVITE the devices ---------------------------------------------- */

static const char *usable_answer(const struct target *t)
{
	const struct sdesc *ans = t->d->answer;

	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
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
			return "it does not receive video, so it cannot be"
				" the display";
		if (t->roles[i] == ROLE_IN && !(d & SDESC_SENDONLY))
			return "it does not send video, so it cannot be the"
				" camera";
	}
	return NULL;
}

static void device_done(struct devleg *d, int err, uint16_t scode,
			const char *reason, void *arg)
{
	struct target *t = arg;
	struct xfer *x = t->x;
	char why[256];
	const char *bad;
	struct le *le;

	if (err)
		ladder_add(&x->ladder, x->t_cmd, "%s: %s", d->uri,
			   err == ETIMEDOUT ? "no answer" : "failed");
	else
		ladder_add(&x->ladder, x->t_cmd, "%u <- %s", scode, d->uri);
	if (err == EBADMSG)
		re_snprintf(why, sizeof(why), "device %s answered bad SDP",
			    d->uri);
	else if (err)
		re_snprintf(why, sizeof(why), "device %s: %s", d->uri,
			    err == ETIMEDOUT ? "no answer" :
			    reason && reason[0] ? reason : "failed");
	else if (scode >= 300)
		re_snprintf(why, sizeof(why), "device %s answered %u %s",
			    d->uri, scode, reason);
	if (err || scode >= 300) {
		finish(x, why);
		return;
	}
	bad = usable_answer(t);
	if (bad) {
		re_snprintf(why, sizeof(why), "device %s answered unusable"
			    " SDP: %s", d->uri, bad);
		finish(x, why);
		return;
	}
	/* a basic display's picture sizes, from SLP (spec §6.2) */
	(void)caps_video_device(x->mn, d, t->lines);
	if (t->tc && cn_face(t)) {
		re_snprintf(why, sizeof(why), "cannot compose the"
			    " transcoder's side for the CN");
		finish(x, why);
		return;
	}
	t->answered = true;
	xbridge_device(&x->xb, x->mn, d, t->bridge_lines, t->roles);

	for (le = x->targets.head; le; le = le->next) {
		if (!((struct target *)le->data)->answered)
			return;
	}
	tmr_cancel(&x->tmr);
	send_cn(x);
}

static void device_timeout(void *arg)
{
	struct xfer *x = arg;
	struct le *le;

	for (le = x->targets.head; le; le = le->next) {
		struct target *t = le->data;
		char why[192];

		if (t->answered)
			continue;
		re_snprintf(why, sizeof(why), "device %s did not answer"
			    " within %u ms", t->d->uri,
			    x->mn->conf.device_timeout_ms);
		finish(x, why);
		return;
	}
}

/* ---- codecs (caps.c decided): the device's offer, the CN's side -------- */

static bool keep_listed(const struct sdesc_codec *c, void *arg)
{
	return !str_casecmp(c->name, "telephone-event") ||
		caps_list_has(arg, c->name);
}

/* The audio line of the device's offer, as caps.c decided */
static int caps_offer(struct target *t, struct sdesc *offer)
{
	const struct caps_plan *cp = &t->x->caps;
	struct sdesc_media *m;
	int err;

	if (!cp->active || !t->lines[cp->line])
		return 0;
	switch (cp->how) {

	case CAPS_COMMON:
		m = sdesc_media(offer, cp->line);
		return sdesc_media_keep_codecs(m, keep_listed,
					       (void *)cp->dev_codecs);

	case CAPS_RENEGOTIATE:
		m = sdesc_media(offer, cp->line);
		err = sdesc_media_codec_first(m, &cp->cn_codec);
		return err ? err : sdesc_media_keep_codecs(m, keep_listed,
						(void *)cp->cn_name);

	case CAPS_TRANSCODE:
		/* the transcoder's A line: it faces the device */
		err = sdesc_media_replace(offer, cp->line,
					  sdesc_media(t->tc->answer, 0));
		m = sdesc_media(offer, cp->line);
		return err ? err : sdesc_media_keep_codecs(m, keep_listed,
						(void *)cp->tc_dev_codec);
	default:
		return 0;
	}
}

/* What the CN is offered for the device's audio: the transcoder's B
 * line, with the codec the CN sends now */
static int cn_face(struct target *t)
{
	const struct caps_plan *cp = &t->x->caps;
	struct sdesc_codec cur;
	struct sdesc *sd = NULL;
	int err;

	err = sdesc_media_negotiated(sdesc_media(t->x->mn->cn_remote,
						 cp->line), &cur);
	err = err ? err : sdesc_dup(&sd, t->d->answer);
	err = err ? err : sdesc_media_replace(sd, cp->line,
					      sdesc_media(t->tc->answer, 1));
	err = err ? err : sdesc_media_keep_codecs(sdesc_media(sd, cp->line),
						  keep_listed,
						  (void *)cur.name);
	if (err) {
		mem_deref(sd);
		return err;
	}
	mem_deref(t->cn_face);
	t->cn_face = sd;
	return 0;
}

/* The transcoder's answer in our ACK (spec Figure 7, message 8): its A
 * line gets the device's media, its B line the CN's. */
static int ack_transcoder(struct target *t)
{
	const struct caps_plan *cp = &t->x->caps;
	const struct mn *mn = t->x->mn;
	struct sdesc *ans = NULL;
	int err;

	err = sdesc_dup(&ans, t->tc->answer);
	err = err ? err : sdesc_media_replace(ans, 0,
					      sdesc_media(t->d->answer,
							  cp->line));
	err = err ? err : sdesc_media_replace(ans, 1,
					      sdesc_media(mn->cn_remote,
							  cp->line));
	err = err ? err : devleg_ack_sdp(t->tc, ans);
	mem_deref(ans);
	return err;
}

/* The transcoder died: the device's audio comes back to the MN. */
static void transcoder_lost(struct devleg *tc, const char *why, void *arg)
{
	struct devleg *d = arg;
	(void)tc;

	if (d->owner.arg)
		call_transcoder_lost(d->owner.arg, d, why);
}

static int invite_device(struct target *t)
{
	struct sdesc *offer = NULL;
	int err;

	err = place_invite_offer(&offer, t->x->mn->cn_remote,
				 &t->x->mn->place, t->lines, t->roles);
	err = err ? err : caps_offer(t, offer);
	err = err ? err : xbridge_offer(&t->x->xb, t->x->mn, offer,
					t->bridge_lines);
	err = err ? err : devleg_invite(t->d, offer, device_done, t);
	if (!err)
		ladder_add(&t->x->ladder, t->x->t_cmd, "INVITE -> %s",
			   t->d->uri);
	mem_deref(offer);
	return err;
}

/* The transcoder offered its two legs: now the device. */
static void transcoder_done(struct devleg *tc, int err, uint16_t scode,
			    const char *reason, void *arg)
{
	struct target *t = arg;
	char why[256];

	if (!err && scode < 300 && (sdesc_media_count(tc->answer) < 2 ||
				    !sdesc_media_port(sdesc_media(tc->answer,
								  0)) ||
				    !sdesc_media_port(sdesc_media(tc->answer,
								  1)))) {
		err = EBADMSG;
		reason = "no pair of audio lines";
	}
	if (err || scode >= 300) {
		re_snprintf(why, sizeof(why), "transcoder %s: %s", tc->uri,
			    err == ETIMEDOUT ? "no answer" : err ?
			    (reason && reason[0] ? reason : "failed") :
			    reason);
		if (!err)
			re_snprintf(why, sizeof(why), "transcoder %s answered"
				    " %u %s", tc->uri, scode, reason);
		finish(t->x, why);
		return;
	}
	err = invite_device(t);
	if (err) {
		re_snprintf(why, sizeof(why), "cannot invite %s (%m)",
			    t->d->uri, err);
		finish(t->x, why);
	}
}

/* Figure 7, message 1: the transcoder first, without an offer */
static int invite_transcoder(struct target *t)
{
	struct mn *mn = t->x->mn;

	t->tc = devleg_alloc(mn->ep, t->x->caps.tc_uri, -1);
	if (!t->tc)
		return ENOMEM;
	ladder_add(&t->x->ladder, t->x->t_cmd, "INVITE -> %s",
		   t->tc->uri);
	return devleg_invite_offerless(t->tc, transcoder_done, t);
}

/* ---- 2. re-INVITE the CN ------------------------------------------------- */

static int compose(struct xfer *x)
{
	struct mn *mn = x->mn;
	struct place_plan plan;
	struct sdesc *own = NULL;
	struct mbuf *mb = NULL;
	struct le *le;
	char why[64];
	int err;

	x->cn_offer = mem_deref(x->cn_offer);
	if (x->retrieve) {
		err = mset_caps(mn->ms, &mb);
		err = err ? err : sdesc_parse(&own, mbuf_buf(mb),
					      mbuf_get_left(mb), why,
					      sizeof(why));
		err = err ? err : place_compose_retrieve(&x->cn_offer,
							 &x->next,
							 mn->cn_local,
							 &mn->place, own,
							 x->media);
		mem_deref(own);
		mem_deref(mb);
		return err;
	}

	memset(&plan, 0, sizeof(plan));
	for (le = x->targets.head; le; le = le->next) {
		const struct target *t = le->data;

		for (unsigned i = 0; i < MN_MAX_LINES; i++) {
			if (!t->lines[i] || plan.n >= MN_MAX_LINES)
				continue;
			plan.item[plan.n++] = (struct place_item){
				i, t->roles[i], t->d,
				t->cn_face ? t->cn_face : t->d->answer};
		}
	}
	return place_compose_move(&x->cn_offer, &x->next, mn->cn_local,
				  &mn->place, &plan);
}

static void cn_response(struct mn *mn, int err, uint16_t scode,
			const struct sip_msg *msg, void *arg);

static void send_when_idle(struct mn *mn, void *arg)
{
	(void)mn;
	send_cn(arg);
}

static void send_cn(struct xfer *x)
{
	struct mn *mn = x->mn;
	char why[128];
	int err;

	if (call_busy(mn)) {   /* the CN's own re-INVITE goes first */
		call_when_idle(mn, send_when_idle, x);
		return;
	}
	err = compose(x);
	if (err) {
		re_snprintf(why, sizeof(why), err == E2BIG ? "the call has"
			    " no room for another m-line" : "cannot compose"
			    " the CN's offer (%m)", err);
		finish(x, why);
		return;
	}

	/* Media coming back: send them before the CN switches, so it hears
	 * us from its first packet on. */
	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++) {
		x->returns[k] = place_self_holds(&x->next, x->cn_offer, k) &&
			!place_self_holds(&mn->place, mn->cn_local, k);
		if (x->returns[k]) {
			mset_set_sending(mn->ms, k, true);
			/* a device bridging us back stopped its own frames */
			mset_send_now(mn->ms, k);
		}
	}

	err = call_reinvite(mn, x->cn_offer, cn_response, x);
	if (!err)
		ladder_add(&x->ladder, x->t_cmd, "re-INVITE -> CN");
	if (err) {
		re_snprintf(why, sizeof(why), "cannot re-INVITE the CN (%m)",
			    err);
		finish(x, why);
	}
}

static void retry_cn(void *arg)
{
	send_cn(arg);
}

/* ---- 3. the CN's answer --------------------------------------------------- */

static void collect_reports(struct xfer *x);

static void safety_over(void *arg)
{
	struct xfer *x = arg;

	self_sending(x->mn, &x->mn->place, x->mn->cn_local);
	xbridge_end(&x->xb, NULL);
	ladder_add(&x->ladder, x->t_cmd, "MN sends only what it holds");
	collect_reports(x);
}

/* The CN took our offer: the media are where we said. */
static void cn_accepted(struct xfer *x, const struct sip_msg *msg)
{
	struct mn *mn = x->mn;
	struct sdesc *cn = NULL;
	bool leaves = false;
	char err[128];
	struct le *le;

	call_ack(mn);   /* the CN first (Figure 2, 5) */
	ladder_add(&x->ladder, x->t_cmd, "ACK -> CN, then devices");

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
	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++)
		leaves |= place_self_holds(&mn->place, mn->cn_local, k) &&
			!place_self_holds(&x->next, x->cn_offer, k);
	mem_deref(mn->cn_local);
	mn->cn_local = mem_ref(x->cn_offer);
	mn->place = x->next;
	if (x->returns[SDESC_AUDIO] || x->returns[SDESC_VIDEO])
		call_apply_self(mn);

	/* The new devices join the call: ACK them (Figure 2, message 6). */
	while ((le = x->targets.head)) {
		struct target *t = le->data;
		struct devleg *d = t->d;

		if (t->tc && ack_transcoder(t))
			re_fprintf(stderr, "mn: cannot ACK transcoder %s\n",
				   t->tc->uri);
		if (t->tc) {   /* it lives and dies with its device now */
			d->tc = t->tc;
			d->tc_line = x->caps.line;
			t->tc = NULL;
			d->tc->owner = (struct devleg_owner){
				transcoder_lost, NULL, d};
			devleg_watch(d->tc);
		}
		t->d = NULL;
		mem_deref(t);
		devleg_ack(d);
		call_join(mn, d);
		mem_deref(d);
	}

	/* Devices that hold nothing now leave after their reports. */
	le = mn->devs.head;
	while (le) {
		struct devleg *d = le->data;

		le = le->next;
		if (place_dev_holds(&mn->place, d))
			continue;
		list_unlink(&d->le);
		list_append(&x->retiring, &d->le, d);
	}
	call_update_devices(mn);

	tmr_start(&x->tmr, (leaves ? mn->conf.safety_ms : 0) + SETTLE_MS,
		  safety_over, x);
}

static void cn_response(struct mn *mn, int err, uint16_t scode,
			const struct sip_msg *msg, void *arg)
{
	struct xfer *x = arg;
	char why[192];

	if (err)
		ladder_add(&x->ladder, x->t_cmd, "CN: no answer");
	else
		ladder_add(&x->ladder, x->t_cmd, "%u <- CN", scode);
	if (!err && scode < 300) {
		mn->last.signaling_ms = playlog_now_ms() - x->t_cmd;
		cn_accepted(x, msg);
		return;
	}

	/* Not taken: what was going to come back stays away. */
	self_sending(mn, &mn->place, mn->cn_local);

	if (!err && scode == 491 && ++x->tries < MAX_491_TRIES) {
		/* RFC 3261 §14.1: 2.1-4 s if we own the Call-ID, else 0-2 s;
		 * meanwhile the CN's own re-INVITE is served. */
		uint32_t ms = mn->call_owner ? 2100 + rand_u32() % 1900
					     : rand_u32() % 2000;

		re_fprintf(stderr, "mn: CN answered 491; retrying in %u ms\n",
			   ms);
		tmr_start(&x->tmr, ms, retry_cn, x);
		return;
	}

	if (err)
		re_snprintf(why, sizeof(why), "the CN did not take the"
			    " re-INVITE (%s)", err == ETIMEDOUT ?
			    "no answer" : "its dialog failed");
	else
		re_snprintf(why, sizeof(why), "the CN answered %u %r", scode,
			    &msg->reason);
	finish(x, why);
}

/* ---- 5. playout reports and metrics --------------------------------------- */

static void reports_done(struct report *r, void *arg)
{
	struct xfer *x = arg;

	ladder_add(&x->ladder, x->t_cmd, "playout reports in");
	report_metrics(r, x->t_cmd - LOOKBACK_MS, x->t_cmd, x->target_src,
		       x->vtarget_src, x->video_moved, false, &x->mn->last);
	finish(x, NULL);
}

static void collect_reports(struct xfer *x)
{
	if (report_collect(&x->report, x->mn, &x->retiring,
			   x->t_cmd - LOOKBACK_MS, reports_done, x)) {
		x->mn->last.metrics_known = false;
		x->mn->last.vmetrics_known = false;
		str_ncpy(x->mn->last.metrics_note, "no playout reports",
			 sizeof(x->mn->last.metrics_note));
		finish(x, NULL);
	}
}

/* ---- the end: tell the owner, release ------------------------------------- */

static void finish(struct xfer *x, const char *error)
{
	struct mn *mn = x->mn;
	struct last_transfer *lt = &mn->last;
	xfer_done_h *h = x->h;

	report_outcome(lt, x->retrieve, "mnc", error);
	lt->ladder = x->ladder;
	caps_outcome(lt, x->retrieve ? NULL : &x->caps);
	if (x->retrieve)
		lt->codec_how = NULL;
	if (error && x->retrieve)
		xbridge_cancel_back(&x->xb);
	xbridge_end(&x->xb, lt);
	if (error) {
		/* Rolled back: each medium stays where it was. */
		if (mn->ms && mn->cn_local)
			self_sending(mn, &mn->place, mn->cn_local);
	}

	if (mn->idleh == send_when_idle && mn->idle_arg == x)
		call_when_idle(mn, NULL, NULL);
	if (mn->cn_resph == cn_response && mn->cn_resp_arg == x)
		mn->cn_resph = NULL;
	mn->xfer = NULL;
	x->h = NULL;
	if (h)
		h(error ? EPROTO : 0, lt, x->arg);
	mem_deref(x);   /* hangs up failed targets and retired devices */
}

void xfer_abort(struct mn *mn, const char *why)
{
	if (mn->xfer)
		finish(mn->xfer, why);
}

static int xfer_alloc(struct xfer **xp, struct mn *mn, xfer_done_h *h,
		      void *arg, char *why, size_t whysz)
{
	struct xfer *x;

	if (mn->state != MN_ESTABLISHED || !mn->cn_remote) {
		re_snprintf(why, whysz, "no established call");
		return ENOTCONN;
	}
	if (mn->xfer || mn->caps_q) {
		re_snprintf(why, whysz, "a transfer is in progress; wait for"
			    " it to end");
		return EBUSY;
	}
	if (call_busy(mn)) {
		re_snprintf(why, whysz, "the call is busy (a re-INVITE is in"
			    " progress); try again");
		return EBUSY;
	}

	x = mem_zalloc(sizeof(*x), destructor);
	if (!x)
		return ENOMEM;
	x->mn = mn;
	x->h = h;
	x->arg = arg;
	x->t_cmd = playlog_now_ms();
	x->vtarget_src = -1;
	x->xb.mn = mn;
	tmr_init(&x->tmr);
	*xp = x;
	return 0;
}

/* ---- entry points ---------------------------------------------------------- */

int xfer_move(struct mn *mn, const struct mnc_plan *plan, xfer_done_h *h,
	      void *arg, char *why, size_t whysz)
{
	struct xfer *x;
	struct le *le;
	unsigned i;
	int err;

	err = xfer_alloc(&x, mn, h, arg, why, whysz);
	if (err)
		return err;
	x->caps = plan->caps;
	if (plan->t_cmd)
		x->t_cmd = plan->t_cmd;   /* the codec questions count too */

	/* One target per device, taking all of its lines. */
	for (i = 0; i < plan->n; i++) {
		struct target *t = NULL;
		unsigned line = plan->item[i].line;

		for (le = x->targets.head; le; le = le->next) {
			if (!strcmp(((struct target *)le->data)->d->uri,
				    plan->item[i].uri))
				t = le->data;
		}
		if (!t) {
			t = mem_zalloc(sizeof(*t), target_destructor);
			if (!t || !(t->d = call_devleg(mn, plan->item[i].uri))) {
				mem_deref(t);
				err = ENOMEM;
				goto out;
			}
			t->x = x;
			list_append(&x->targets, &t->le, t);
		}
		t->lines[line] = true;
		t->roles[line] = plan->item[i].role;
		/* a device that gets another codec than the CN sends cannot
		 * play what a bridge would relay */
		t->bridge_lines[line] = !(plan->caps.active &&
					  line == plan->caps.line &&
					  (plan->caps.how == CAPS_RENEGOTIATE
					   || plan->caps.how ==
					   CAPS_TRANSCODE));
		if (!t->bridge_lines[line])
			str_ncpy(x->xb.note, plan->caps.how == CAPS_TRANSCODE
				 ? "a transcoder converts the audio: the"
				 " device cannot play the CN's packets" :
				 "the CN changes codec: the device cannot play"
				 " the CN's packets before", sizeof(x->xb.note));
		if (sdesc_media_type(sdesc_media(mn->cn_remote, line)) ==
		    SDESC_VIDEO) {
			x->video_moved = true;
			if (plan->item[i].role != ROLE_IN)
				x->vtarget_src = t->d->src;
		}
		else {
			x->target_src = t->d->src;
		}
	}

	mn->xfer = x;
	re_fprintf(stderr, "mn: transfer to %u device(s)\n",
		   list_count(&x->targets));
	for (le = x->targets.head; le && !err; le = le->next) {
		struct target *t = le->data;

		bool via_tc = x->caps.active && x->caps.how ==
			CAPS_TRANSCODE && t->lines[x->caps.line];

		err = via_tc ? invite_transcoder(t) : invite_device(t);
		if (err)
			re_snprintf(why, whysz, "cannot invite %s (%m)",
				    via_tc ? x->caps.tc_uri : t->d->uri, err);
	}
	if (err) {
		mn->xfer = NULL;
		goto out;
	}
	tmr_start(&x->tmr, mn->conf.device_timeout_ms, device_timeout, x);
	return EINPROGRESS;

 out:
	x->h = NULL;
	mem_deref(x);
	return err;
}

/* The devices bridge what comes back (or did not answer in time): the CN
 * may switch now. */
static void bridged_back(void *arg)
{
	send_cn(arg);
}

int xfer_retrieve(struct mn *mn, const char *media, xfer_done_h *h,
		  void *arg, char *why, size_t whysz)
{
	struct xfer *x;
	int err;

	if (!place_elsewhere(&mn->place)) {
		re_snprintf(why, whysz, "every medium is here already");
		return EALREADY;
	}
	err = xfer_alloc(&x, mn, h, arg, why, whysz);
	if (err)
		return err;

	x->retrieve = true;
	x->target_src = 0;
	x->vtarget_src = 0;
	err = media ? str_dup(&x->media, media) : 0;
	err = err ? err : compose(x);
	if (err) {
		re_snprintf(why, whysz, err == ENOENT ? "none of those media"
			    " is on a device" : "cannot compose the offer"
			    " (%m)", err);
		x->h = NULL;
		mem_deref(x);
		return err == ENOENT ? EALREADY : err;
	}
	for (unsigned i = 0; i < sdesc_media_count(mn->cn_local) &&
		     i < MN_MAX_LINES; i++) {
		if (mn->place.line[i].dev && !x->next.line[i].dev &&
		    sdesc_media_type(sdesc_media(mn->cn_local, i)) ==
		    SDESC_VIDEO)
			x->video_moved = true;
	}

	mn->xfer = x;
	re_fprintf(stderr, "mn: retrieving media\n");
	if (xbridge_back(&x->xb, &x->next, bridged_back, x))
		send_cn(x);
	return mn->xfer == x ? EINPROGRESS : 0;
}
