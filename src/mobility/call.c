/*
 * The call with the correspondent node: placing and answering it, the
 * re-INVITEs the MN sends it, and the re-INVITEs it or a device sends while
 * media are on devices (RFC 5631 §7, RFC 3725 §4): those reach the devices
 * that hold the affected lines first, each in its own session's layout, and
 * the CN's answer is made of what they answered. A device that refuses or
 * does not answer makes the CN's re-INVITE fail (488) and changes nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/dtmf_relay.h>
#include <sipmob/media_dtmf.h>
#include "mn_priv.h"

enum { REPLACES_ASK_MS = 2000 };   /* the CN's OPTIONS answer, at most */

/* ---- SDP versions on the CN leg ------------------------------------------ */

/* What we send the CN gets the leg's next o= version, unless it says what
 * the CN already has (RFC 3264 §8). */
int call_stamp(struct mn *mn, struct sdesc *sd)
{
	return sdesc_version_next(sd, mn->cn_local, &mn->cn_ver);
}

/* ---- devices: loss and their own re-INVITEs -------------------------------- */

static void device_lost(struct devleg *d, const char *why, void *arg)
{
	struct mn *mn = arg;
	char media[64] = "";
	unsigned i;

	for (i = 0; i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);

		if (mn->place.line[i].dev == d && m) {
			size_t l = strlen(media);

			re_snprintf(media + l, sizeof(media) - l, "%s%s",
				    l ? "," : "", sdesc_media_name(m));
		}
	}
	re_fprintf(stderr, "mn: device %s lost: %s; its media (%s) are"
		   " gone with it: `sipmob retrieve` brings them back\n",
		   d->uri, why, media[0] ? media : "none");
}

static void device_offer(struct devleg *d, const struct sip_msg *msg,
			 void *arg);

struct devleg *call_devleg(struct mn *mn, const char *uri)
{
	return devleg_alloc(mn->ep, uri, ++mn->next_src);
}

/* ---- forwarding a re-INVITE to the devices --------------------------------- */

struct fwd {
	struct mn *mn;
	struct sdesc *offer;        /* the CN's offer                      */
	struct list ups;            /* struct fwd_up: devices updated      */
	unsigned pending;
	bool done;                  /* the CN got its answer               */
	char why[192];
	struct tmr tmr;
};

struct fwd_up {
	struct le le;
	struct fwd *f;
	struct devleg *d;
	struct sdesc *prev;         /* what it had, for a rollback         */
	bool ok;
	bool answered;
};

static void up_destructor(void *arg)
{
	struct fwd_up *u = arg;

	list_unlink(&u->le);
	if (u->d->done_arg == u)
		u->d->doneh = NULL;   /* an answer after us finds nobody */
	mem_deref(u->d);
	mem_deref(u->prev);
}

static void fwd_destructor(void *arg)
{
	struct fwd *f = arg;

	tmr_cancel(&f->tmr);
	list_flush(&f->ups);
	mem_deref(f->offer);
}

static void idle(struct mn *mn)
{
	mn_hook_h *h = mn->idleh;

	mn->idleh = NULL;
	if (h)
		h(mn, mn->idle_arg);
}

static void rollback_done(struct devleg *d, int err, uint16_t scode,
			  const char *reason, void *arg)
{
	(void)arg;
	if (err || scode >= 300)
		re_fprintf(stderr, "mn: %s did not take back its old media"
			   " (%u %s)\n", d->uri, scode, reason ? reason : "");
}

/* The devices that took the CN's new parameters get their old ones back. */
static void fwd_rollback(struct fwd *f)
{
	struct le *le;

	for (le = f->ups.head; le; le = le->next) {
		struct fwd_up *u = le->data;
		struct sdesc *back = NULL;

		if (!u->ok || sdesc_dup(&back, u->prev))
			continue;
		(void)devleg_update(u->d, back, rollback_done, NULL);
		mem_deref(back);
		u->ok = false;
	}
}

/* Whether this re-INVITE's forwarding updated transcoder tc */
static bool fwd_updated(const struct fwd *f, const struct devleg *tc)
{
	for (struct le *le = f->ups.head; le; le = le->next) {
		const struct fwd_up *u = le->data;

		if (u->d == tc && u->ok)
			return true;
	}
	return false;
}

/* What the CN gets of a transcoded device (answer_of): its answer with,
 * in the line the transcoder converts, the transcoder's B line: the one
 * it just answered when this re-INVITE updated it, else the one the CN
 * has now. */
static int transcoder_faces(struct fwd *f)
{
	struct mn *mn = f->mn;

	for (struct le *le = mn->devs.head; le; le = le->next) {
		struct devleg *d = le->data;
		const struct sdesc_media *b;
		struct sdesc *sd = NULL;
		int err;

		if (!d->tc)
			continue;
		b = fwd_updated(f, d->tc) ? sdesc_media(d->tc->answer, 1) :
			sdesc_media(mn->cn_local, d->tc_line);
		err = sdesc_dup(&sd, d->answer);
		err = err ? err : sdesc_media_replace(sd, d->tc_line, b);
		if (err) {
			mem_deref(sd);
			return err;
		}
		mem_deref(d->tc_face);
		d->tc_face = sd;
	}
	return 0;
}

static const struct sdesc *answer_of(const struct devleg *d, void *arg)
{
	(void)arg;
	return d->tc ? d->tc_face : d->answer;
}

/* A transcoded device's audio meets the transcoder's A leg, not the CN:
 * the CN's new offer for that line goes to the transcoder's B leg, the
 * device's media stay on its A leg. */
static int transcoder_view(struct sdesc **viewp, const struct devleg *d,
			   const struct sdesc *offer)
{
	struct sdesc *v = NULL;
	int err;

	err = sdesc_dup(&v, d->tc->offer);
	err = err ? err : sdesc_media_replace(v, 0, sdesc_media(d->answer,
								d->tc_line));
	err = err ? err : sdesc_media_replace(v, 1, sdesc_media(offer,
								d->tc_line));
	if (err)
		mem_deref(v);
	else
		*viewp = v;
	return err;
}

/* The MN's own part of the answer: its media set answers the offer with
 * every line it does not hold turned off. */
static int self_answer(struct mn *mn, const struct sdesc *offer,
		       struct sdesc **ansp, char *why, size_t whysz)
{
	struct sdesc *mine = NULL;
	struct mbuf *in = NULL, *out = NULL;
	bool holds = false;
	int err;

	*ansp = NULL;
	for (unsigned i = 0; i < sdesc_media_count(offer); i++) {
		holds |= sdesc_media_port(sdesc_media(offer, i)) &&
			(i >= MN_MAX_LINES || !mn->place.line[i].dev);
	}
	if (!holds)
		return 0;

	err = place_restrict(&mine, offer, &mn->place, NULL);
	err = err ? err : sdesc_encode(&in, mine);
	err = err ? err : mset_answer(mn->ms, in, &out, why, whysz);
	err = err ? err : sdesc_parse(ansp, mbuf_buf(out), mbuf_get_left(out),
				      why, whysz);
	mem_deref(mine);
	mem_deref(in);
	mem_deref(out);
	return err;
}

static void fwd_end(struct fwd *f)
{
	struct mn *mn = f->mn;

	if (f->pending)
		return;   /* late answers are still to come (and undo) */
	if (mn->fwd == f)
		mn->fwd = NULL;
	mem_deref(f);
	idle(mn);
}

static void fwd_fail(struct fwd *f, const char *why)
{
	struct mn *mn = f->mn;

	if (f->done)
		return;
	f->done = true;
	tmr_cancel(&f->tmr);
	re_fprintf(stderr, "mn: re-INVITE from the CN refused: %s; the"
		   " media stay as they were\n", why);
	(void)sipleg_reply(mn->leg, 488, "Not Acceptable Here", NULL);
	fwd_rollback(f);
	fwd_end(f);
}

static void fwd_answer(struct fwd *f)
{
	struct mn *mn = f->mn;
	struct sdesc *self = NULL, *ans = NULL;
	struct mbuf *mb = NULL;
	char why[160] = "";
	int err;

	err = self_answer(mn, f->offer, &self, why, sizeof(why));
	if (err) {
		char line[200];

		re_snprintf(line, sizeof(line), "the MN cannot take it: %s",
			    why);
		mem_deref(self);
		fwd_fail(f, line);
		return;
	}
	err = transcoder_faces(f);
	err = err ? err : place_answer_cn(&ans, f->offer, mn->cn_local,
					  &mn->place, self, answer_of, NULL);
	err = err ? err : call_stamp(mn, ans);
	err = err ? err : sdesc_encode(&mb, ans);
	mem_deref(self);
	if (err) {
		mem_deref(ans);
		fwd_fail(f, "cannot compose the answer");
		return;
	}
	f->done = true;
	tmr_cancel(&f->tmr);
	(void)sipleg_reply(mn->leg, 200, "OK", mb);
	mem_deref(mb);
	mem_deref(mn->cn_local);
	mn->cn_local = ans;
	mem_deref(mn->cn_remote);
	mn->cn_remote = mem_ref(f->offer);
	fwd_end(f);
}

static void up_done(struct devleg *d, int err, uint16_t scode,
		    const char *reason, void *arg)
{
	struct fwd_up *u = arg;
	struct fwd *f = u->f;
	char why[192];

	u->answered = true;
	u->ok = !err && scode < 300;
	--f->pending;
	if (!u->ok) {
		if (err)
			re_snprintf(why, sizeof(why), "device %s: %m",
				    d->uri, err);
		else
			re_snprintf(why, sizeof(why), "device %s answered"
				    " %u %s", d->uri, scode, reason);
		str_ncpy(f->why, why, sizeof(f->why));
	}

	if (f->done) {          /* too late: the CN was refused already */
		fwd_rollback(f);
		fwd_end(f);
		return;
	}
	if (f->pending)
		return;
	if (f->why[0])
		fwd_fail(f, f->why);
	else
		fwd_answer(f);
}

static void fwd_timeout(void *arg)
{
	struct fwd *f = arg;
	struct le *le;

	for (le = f->ups.head; le; le = le->next) {
		struct fwd_up *u = le->data;

		if (!u->answered) {
			re_snprintf(f->why, sizeof(f->why), "device %s did not"
				    " answer within %u ms", u->d->uri,
				    f->mn->conf.device_timeout_ms);
			break;
		}
	}
	fwd_fail(f, f->why);
}

/* The CN's new offer: each device whose lines it changes gets them, in a
 * re-INVITE in its own session's layout; then the CN gets the answer. */
static void cn_offer(struct mn *mn, const struct sip_msg *msg)
{
	struct sdesc *offer = NULL;
	struct fwd *f;
	char why[128];
	struct le *le;
	int err;

	err = sdesc_parse(&offer, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			  why, sizeof(why));
	if (err) {
		re_fprintf(stderr, "mn: bad SDP in the CN's re-INVITE: %s\n",
			   why);
		(void)sipleg_reply(mn->leg, 400, "Bad SDP", NULL);
		return;
	}

	f = mem_zalloc(sizeof(*f), fwd_destructor);
	if (!f) {
		mem_deref(offer);
		(void)sipleg_reply(mn->leg, 500, "Server Internal Error",
				   NULL);
		return;
	}
	f->mn = mn;
	f->offer = offer;
	tmr_init(&f->tmr);
	mn->fwd = f;

	if (sdesc_media_count(offer) < sdesc_media_count(mn->cn_local)) {
		fwd_fail(f, "it removes m-lines (RFC 3264 §8)");
		return;
	}

	for (le = mn->devs.head; le; le = le->next) {
		struct devleg *d = le->data;
		struct devleg *to = d->tc ? d->tc : d;
		struct sdesc *view = NULL;
		struct fwd_up *u;

		if (!place_dev_holds(&mn->place, d) ||
		    (d->tc ? transcoder_view(&view, d, offer) :
		     place_device_view(&view, d->offer, offer, &mn->place, d)))
			continue;
		if (!place_view_differs(view, to->offer)) {
			mem_deref(view);
			continue;
		}
		u = mem_zalloc(sizeof(*u), up_destructor);
		if (!u || sdesc_dup(&u->prev, to->offer)) {
			mem_deref(view);
			mem_deref(u);
			re_snprintf(f->why, sizeof(f->why), "out of memory");
			break;
		}
		u->f = f;
		u->d = mem_ref(to);
		list_append(&f->ups, &u->le, u);
		re_fprintf(stderr, "mn: CN's media changed; updating %s\n",
			   to->uri);
		err = devleg_update(to, view, up_done, u);
		mem_deref(view);
		if (err) {
			re_snprintf(f->why, sizeof(f->why), "cannot update"
				    " %s: %m", to->uri, err);
			break;
		}
		f->pending++;
	}

	if (f->why[0] && !f->pending)
		fwd_fail(f, f->why);
	else if (f->why[0])
		return;   /* the others' answers finish it (and undo) */
	else if (!f->pending)
		fwd_answer(f);
	else
		tmr_start(&f->tmr, mn->conf.device_timeout_ms, fwd_timeout, f);
}

/* An offerless re-INVITE: we offer what the CN has (RFC 3264 §8: same
 * content, same version); its answer comes in the ACK. */
static void cn_offerless(struct mn *mn)
{
	struct sdesc *sd = NULL;
	struct mbuf *mb = NULL;
	int err;

	err = sdesc_dup(&sd, mn->cn_local);
	err = err ? err : call_stamp(mn, sd);
	err = err ? err : sdesc_encode(&mb, sd);
	if (err)
		(void)sipleg_reply(mn->leg, 500, "Server Internal Error",
				   NULL);
	else
		(void)sipleg_reply(mn->leg, 200, "OK", mb);
	if (!err) {
		mem_deref(mn->cn_local);
		mn->cn_local = mem_ref(sd);
	}
	mem_deref(sd);
	mem_deref(mb);
}

/* ---- the MN's own media and the devices follow the CN ---------------------- */

void call_apply_self(struct mn *mn)
{
	struct sdesc *mine = NULL;
	struct mbuf *mb = NULL;
	char why[128];

	if (!place_self_holds(&mn->place, mn->cn_remote, SDESC_AUDIO) &&
	    !place_self_holds(&mn->place, mn->cn_remote, SDESC_VIDEO))
		return;
	if (!place_restrict(&mine, mn->cn_remote, &mn->place, NULL) &&
	    !sdesc_encode(&mb, mine) &&
	    mset_accept_answer(mn->ms, mb, why, sizeof(why)))
		re_fprintf(stderr, "mn: cannot follow the CN's media: %s\n",
			   why);
	mem_deref(mine);
	mem_deref(mb);
}

static void update_done(struct devleg *d, int err, uint16_t scode,
			const char *reason, void *arg)
{
	(void)arg;
	if (err || scode >= 300)
		re_fprintf(stderr, "mn: cannot update %s: %u %s\n", d->uri,
			   scode, reason ? reason : "");
}

static void takeback_done(int err, const struct last_transfer *lt, void *arg)
{
	(void)arg;
	re_fprintf(stderr, "mn: the audio of the lost transcoder %s\n",
		   err ? lt->error : "is back with the MN");
}

static void takeback(void *arg)
{
	struct mn *mn = arg;
	char why[160];
	int err;

	if (mn->state != MN_ESTABLISHED || !call_transcoding(mn))
		return;
	err = xfer_retrieve(mn, "audio", takeback_done, NULL, why,
			    sizeof(why));
	if (err == EBUSY)   /* another transfer first */
		tmr_start(&mn->tmr_takeback, 500, takeback, mn);
	else if (err && err != EINPROGRESS)
		re_fprintf(stderr, "mn: cannot take the audio back: %s\n",
			   why);
}

/* Unlike a lost device, whose media nobody can play any more, a lost
 * transcoder leaves the MN able to: the audio comes back at once. */
void call_transcoder_lost(struct mn *mn, struct devleg *d, const char *why)
{
	re_fprintf(stderr, "mn: transcoder of %s lost (%s): taking the audio"
		   " back\n", d->uri, why);
	tmr_start(&mn->tmr_takeback, 0, takeback, mn);
}

bool call_transcoding(const struct mn *mn)
{
	for (struct le *le = mn->devs.head; le; le = le->next) {
		if (((struct devleg *)le->data)->tc)
			return true;
	}
	return false;
}

/* Every device whose lines in cn_remote changed gets them. */
void call_update_devices(struct mn *mn)
{
	struct le *le;

	for (le = mn->devs.head; le; le = le->next) {
		struct devleg *d = le->data;
		/* a device behind a transcoder talks to the transcoder: the
		 * CN's parameters go to its B leg */
		struct devleg *to = d->tc ? d->tc : d;
		struct sdesc *view = NULL;

		if (!place_dev_holds(&mn->place, d) ||
		    (d->tc ? transcoder_view(&view, d, mn->cn_remote) :
		     place_device_view(&view, d->offer, mn->cn_remote,
				       &mn->place, d)))
			continue;
		if (place_view_differs(view, to->offer)) {
			re_fprintf(stderr, "mn: CN's media changed; updating"
				   " %s\n", to->uri);
			(void)devleg_update(to, view, update_done, NULL);
		}
		mem_deref(view);
	}
}

/* ---- a device's own re-INVITE, forwarded to the CN ------------------------ */

struct devfwd {
	struct devleg *d;
	struct sdesc *offer;        /* what the CN is offered              */
	struct sdesc *dev_sdp;      /* the device's offer                  */
};

static void devfwd_destructor(void *arg)
{
	struct devfwd *df = arg;

	mem_deref(df->d);
	mem_deref(df->offer);
	mem_deref(df->dev_sdp);
}

static void devfwd_resp(struct mn *mn, int err, uint16_t scode,
			const struct sip_msg *msg, void *arg)
{
	struct devfwd *df = arg;
	struct sdesc *ans = NULL, *view = NULL;
	char why[128];

	if (!err && scode < 300 &&
	    !sdesc_parse(&ans, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			 sizeof(why))) {
		call_ack(mn);
		mem_deref(mn->cn_local);
		mn->cn_local = mem_ref(df->offer);
		mem_deref(mn->cn_remote);
		mn->cn_remote = ans;
		mem_deref(df->d->answer);
		df->d->answer = mem_ref(df->dev_sdp);
		if (place_device_view(&view, df->d->offer, ans, &mn->place,
				      df->d) ||
		    devleg_reply(df->d, 200, "OK", view))
			(void)devleg_reply(df->d, 500, "Server Internal Error",
					   NULL);
		mem_deref(view);
		call_apply_self(mn);
	}
	else {
		if (!err && scode < 300)
			call_ack(mn);   /* unreadable answer: keep as it was */
		re_fprintf(stderr, "mn: the CN refused %s's re-INVITE (%u)\n",
			   df->d->uri, scode);
		(void)devleg_reply(df->d, scode >= 300 ? scode : 488,
				   scode >= 300 && msg ? "Refused by the far"
				   " end" : "Not Acceptable Here", NULL);
	}
	mem_deref(df);
	idle(mn);
}

static void device_offer(struct devleg *d, const struct sip_msg *msg,
			 void *arg)
{
	struct mn *mn = arg;
	struct devfwd *df;
	struct sdesc *sdp = NULL;
	char why[128];
	int err;

	if (call_busy(mn) || mn->state != MN_ESTABLISHED) {
		(void)devleg_reply(d, 491, "Request Pending", NULL);
		return;
	}
	if (d->tc && mbuf_get_left(msg->mb)) {
		/* its media meet the transcoder's, not the CN's */
		(void)devleg_reply(d, 488, "Not Acceptable Here", NULL);
		return;
	}
	if (!mbuf_get_left(msg->mb)) {
		/* It asks for an offer: the CN's media as they stand. */
		if (sdesc_dup(&sdp, d->offer) ||
		    devleg_reply(d, 200, "OK", sdp))
			(void)devleg_reply(d, 500, "Server Internal Error",
					   NULL);
		mem_deref(sdp);
		return;
	}
	if (sdesc_parse(&sdp, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			sizeof(why))) {
		(void)devleg_reply(d, 400, "Bad SDP", NULL);
		return;
	}
	df = mem_zalloc(sizeof(*df), devfwd_destructor);
	if (!df) {
		mem_deref(sdp);
		(void)devleg_reply(d, 500, "Server Internal Error", NULL);
		return;
	}
	df->d = mem_ref(d);
	df->dev_sdp = sdp;
	re_fprintf(stderr, "mn: %s re-offers; forwarding to the CN\n",
		   d->uri);
	err = place_from_device(&df->offer, mn->cn_local, &mn->place, d, sdp);
	err = err ? err : call_reinvite(mn, df->offer, devfwd_resp, df);
	if (err) {
		(void)devleg_reply(d, 500, "Server Internal Error", NULL);
		mem_deref(df);
	}
}

/* A device joins the call: its events reach us from now on. */
void call_join(struct mn *mn, struct devleg *d)
{
	d->owner = (struct devleg_owner){device_lost, device_offer, mn};
	list_append(&mn->devs, &d->le, mem_ref(d));
	devleg_watch(d);
}

/* ---- the CN leg ------------------------------------------------------------ */

static void media_conf(const struct mn *mn, struct mset_conf *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->addr = &mn->media_addr;
	mc->codecs = mn->codecs;
	mc->port_min = mn->conf.port_min;
	mc->port_max = mn->conf.port_max;
	mc->user = mn->user;
	mc->video = (enum mset_video)mn->conf.video;
	mc->video_sizes = mn->conf.video_sizes;
	mc->vio = mn->conf.vio;
}

static int media_alloc(struct mn *mn)
{
	struct mset_conf mc;

	media_conf(mn, &mc);
	mc.record_path = mn->record_path;
	mc.audio = mn->conf.audio;
	mn->ms = mem_deref(mn->ms);
	return mset_alloc(&mn->ms, &mc);
}

int call_caps(struct mn *mn)
{
	struct mset_conf mc;

	media_conf(mn, &mc);
	return mset_alloc(&mn->caps, &mc);
}

void call_end(struct mn *mn)
{
	handoff_call_ending(mn);   /* a handoff keeps what we played */
	xfer_abort(mn, "the call ended");
	caps_call_ended(mn);
	tmr_cancel(&mn->tmr_takeback);
	mn->fwd = mem_deref(mn->fwd);
	mn->cn_resph = NULL;
	mn->idleh = NULL;
	while (mn->devs.head) {
		struct devleg *d = mn->devs.head->data;

		list_unlink(&d->le);
		devleg_close(d);   /* BYE now, even if a ping holds it */
		mem_deref(d);
	}
	sipleg_set_handlers(mn->leg, NULL, NULL);
	mn->leg = mem_deref(mn->leg);
	mn->ms = mem_deref(mn->ms);
	mn->cn_local = mem_deref(mn->cn_local);
	mn->cn_remote = mem_deref(mn->cn_remote);
	memset(&mn->place, 0, sizeof(mn->place));
	mn->state = MN_IDLE;
	mn->cn_replaces = -1;
}

/* Session Handoff needs a CN that takes Replaces (RFC 3891 §5): its
 * INVITE or 2xx said so in Supported, or else its answer to one OPTIONS,
 * asked when a move first needs to know (not at every call: a CN that is
 * never asked is spared the request). */
struct replaces_query {
	struct mn *mn;
	struct sipleg *leg;   /* the call it was asked for          */
	mn_hook_h *h;         /* who waits for the answer, or NULL */
	void *arg;
	struct tmr tmr;
};

static void replaces_query_destructor(void *arg)
{
	struct replaces_query *q = arg;

	tmr_cancel(&q->tmr);
	mem_deref(q->leg);
}

static void replaces_known(struct replaces_query *q, int known)
{
	struct mn *mn = q->mn;
	mn_hook_h *h = q->h;

	q->h = NULL;
	tmr_cancel(&q->tmr);
	if (q->leg != mn->leg)
		return;   /* another call now; its owner asks again */
	if (mn->cn_replaces < 0 && known >= 0) {
		mn->cn_replaces = known;
		re_fprintf(stderr, "mn: the CN %s Replaces (its OPTIONS"
			   " answer)\n", known ? "takes" :
			   "does not say it takes");
	}
	if (h)
		h(mn, q->arg);
}

static void options_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct replaces_query *q = arg;

	replaces_known(q, !err && msg && msg->scode < 300 &&
		       sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED,
					     "replaces"));
	mem_deref(q);
}

static void options_late(void *arg)
{
	replaces_known(arg, -1);   /* not known: as if it did not */
}

int call_ask_replaces(struct mn *mn, mn_hook_h *h, void *arg)
{
	struct replaces_query *q;
	int err;

	if (mn->cn_replaces >= 0 || mn->state != MN_ESTABLISHED)
		return EALREADY;
	q = mem_zalloc(sizeof(*q), replaces_query_destructor);
	if (!q)
		return ENOMEM;
	tmr_init(&q->tmr);
	q->mn = mn;
	q->leg = mem_ref(mn->leg);
	q->h = h;
	q->arg = arg;
	err = sipep_options(mn->ep, sipleg_remote_target(mn->leg),
			    options_handler, q);
	if (err) {
		mem_deref(q);
		return err;
	}
	tmr_start(&q->tmr, REPLACES_ASK_MS, options_late, q);
	return 0;
}

static void learn_cn_replaces(struct mn *mn)
{
	mn->cn_replaces = sipleg_peer_supports_replaces(mn->leg) ? 1 : -1;
}

/* The call is up: what each side said is where transfers start from. */
static void established(struct mn *mn)
{
	mn->state = MN_ESTABLISHED;
	mn->last_error[0] = '\0';
	mem_deref(mn->cn_local);
	mem_deref(mn->cn_remote);
	mn->cn_local = mem_ref((void *)mset_local(mn->ms));
	mn->cn_remote = mem_ref((void *)mset_remote(mn->ms));
	mn->cn_ver = sdesc_sess_version(mn->cn_local);
	memset(&mn->place, 0, sizeof(mn->place));
	re_fprintf(stderr, "mn: call with %s established\n",
		   sipleg_remote_uri(mn->leg));
	learn_cn_replaces(mn);
}

/* The owner of call_place_h hears how it went, once. */
static void placed(struct mn *mn, int err, uint16_t scode)
{
	call_placed_h *h = mn->placedh;

	mn->placedh = NULL;
	if (h)
		h(mn, err, scode, mn->placed_arg);
}

static void fail(struct mn *mn, const char *why)
{
	str_ncpy(mn->last_error, why, sizeof(mn->last_error));
	re_fprintf(stderr, "mn: %s\n", why);
}

static void resp_handler(struct sipleg *leg, int err, uint16_t scode,
			 const struct sip_msg *msg, void *arg)
{
	struct mn *mn = arg;
	char why[160] = "";

	if (!err && scode < 200)
		return;
	if (!err && scode < 300)
		(void)sipleg_ack(leg, NULL);   /* one nobody held for a body */
	if (mn->state == MN_ESTABLISHED)
		return;

	if (err || scode >= 300) {
		if (err)
			re_snprintf(why, sizeof(why), "call to %s failed: %m",
				    sipleg_remote_uri(mn->leg), err);
		else
			re_snprintf(why, sizeof(why), "call to %s failed:"
				    " %u %r", sipleg_remote_uri(mn->leg),
				    scode, &msg->reason);
		fail(mn, why);
		call_end(mn);
		placed(mn, err ? err : EPROTO, scode);
		return;
	}

	if (mset_accept_answer(mn->ms, msg->mb, why, sizeof(why))) {
		char line[200];

		re_snprintf(line, sizeof(line), "unusable answer from %s: %s;"
			    " hanging up", sipleg_remote_uri(mn->leg), why);
		fail(mn, line);
		call_end(mn);
		placed(mn, EPROTO, 488);
		return;
	}
	established(mn);
	placed(mn, 0, scode);
}

/* A re-INVITE from the CN. Our own re-INVITE in flight makes the SIP
 * layer answer 491 (RFC 3261 §14.1); a transfer that is only inviting
 * devices or waiting out a 491 lets it through. */
static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	struct mn *mn = arg;
	(void)leg;

	if (mn->fwd) {
		(void)sipleg_reply(mn->leg, 491, "Request Pending", NULL);
		return;
	}
	if (!mbuf_get_left(msg->mb))
		cn_offerless(mn);
	else
		cn_offer(mn, msg);
}

static void ack_handler(struct sipleg *leg, const struct sip_msg *msg,
			void *arg)
{
	struct mn *mn = arg;
	struct sdesc *ans = NULL;
	char why[128];
	(void)leg;

	if (mn->state != MN_ESTABLISHED) {
		if (mbuf_get_left(msg->mb) &&
		    mset_accept_answer(mn->ms, msg->mb, why, sizeof(why)))
			re_fprintf(stderr, "mn: unusable answer in ACK: %s\n",
				   why);
		established(mn);
		return;
	}
	if (!mbuf_get_left(msg->mb))
		return;
	/* The answer to our offer in a 2xx (an offerless re-INVITE). */
	if (sdesc_parse(&ans, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			sizeof(why))) {
		re_fprintf(stderr, "mn: unusable answer in ACK: %s\n", why);
		return;
	}
	mem_deref(mn->cn_remote);
	mn->cn_remote = ans;
	call_apply_self(mn);
	call_update_devices(mn);
}

static void close_handler(struct sipleg *leg, int err,
			  const struct sip_msg *msg, void *arg)
{
	struct mn *mn = arg;
	(void)leg;
	(void)msg;

	re_fprintf(stderr, "mn: call with %s ended (%m)\n",
		   sipleg_remote_uri(mn->leg), err);
	call_end(mn);   /* the devices get their BYE too */
}

static const struct sipleg_handlers call_handlers = {
	.resph = resp_handler, .offerh = offer_handler,
	.ackh = ack_handler, .closeh = close_handler,
};

/* Our media's answer to an INVITE's offer, or our offer when it had
 * none; a refusal (400, 488) is sent here. */
static int answer_invite(struct mn *mn, struct sipleg *leg,
			 const struct sip_msg *msg, struct mbuf **sdpp)
{
	char why[128] = "";
	int e;

	/* SRTP exactly when the keys travel over TLS */
	e = mset_set_srtp(mn->ms, sipleg_secure(leg));
	if (e)
		re_snprintf(why, sizeof(why), "no SRTP: %m", e);
	else if (mbuf_get_left(msg->mb))
		e = mset_answer(mn->ms, msg->mb, sdpp, why, sizeof(why));
	else
		e = mset_offer(mn->ms, sdpp);
	if (e) {
		re_fprintf(stderr, "mn: INVITE from %r refused: %s\n",
			   &msg->from.auri, why);
		(void)sipleg_reply(leg, e == EBADMSG ? 400 : 488,
				   e == EBADMSG ? "Bad SDP" :
				   "Not Acceptable Here", NULL);
	}
	return e;
}

/* An INVITE that replaces our call (RFC 3891; the SIP layer has checked
 * that it names it and comes from its far side): someone handed their
 * end of the call to another device. Our streams go on to the new
 * party. While our media are on devices the change would have to be
 * forwarded to each; we refuse it then. */
static void call_replaced(struct mn *mn, struct sipleg *leg,
			  const struct sip_msg *msg)
{
	struct sipleg *old = mn->leg;
	struct mbuf *sdp = NULL;

	if (handoff_refer_pending(mn)) {   /* RFC 5631 §7 */
		re_fprintf(stderr, "mn: INVITE with Replaces from %r while we"
			   " hand off too: 491\n", &msg->from.auri);
		(void)sipleg_reply(leg, 491, "Request Pending", NULL);
		return;
	}
	if (sipleg_replaced(leg) != old || mn->state != MN_ESTABLISHED ||
	    mn->devs.head || call_busy(mn) || mn->xfer ||
	    handoff_retrieving(mn)) {
		re_fprintf(stderr, "mn: INVITE with Replaces from %r refused:"
			   " %s\n", &msg->from.auri,
			   sipleg_replaced(leg) != old ? "not our call" :
			   "our media are on devices or moving");
		(void)sipleg_reply(leg, 503, "Service Unavailable", NULL);
		return;
	}
	if (answer_invite(mn, leg, msg, &sdp))
		return;
	re_fprintf(stderr, "mn: %r replaces %s in our call\n",
		   &msg->from.auri, sipleg_remote_uri(old));
	mn->leg = mem_ref(leg);
	mn->call_owner = false;
	sipleg_set_handlers(leg, &call_handlers, mn);
	(void)sipleg_reply(leg, 200, "OK", sdp);
	sipleg_set_handlers(old, NULL, NULL);
	sipleg_hangup(old);   /* BYE to the party replaced */
	mem_deref(old);
	if (mbuf_get_left(msg->mb))
		established(mn);
	else
		mn->state = MN_CALLING;   /* established at the ACK */
	mem_deref(sdp);
}

void call_incoming(struct mn *mn, struct sipleg *leg,
		   const struct sip_msg *msg)
{
	struct mbuf *sdp = NULL;

	if (sipleg_replaced(leg)) {
		call_replaced(mn, leg, msg);
		return;
	}
	if (mn->state != MN_IDLE) {
		(void)sipleg_reply(leg, 486, "Busy Here", NULL);
		return;
	}
	if (media_alloc(mn)) {
		(void)sipleg_reply(leg, 500, "No Media", NULL);
		return;
	}

	if (answer_invite(mn, leg, msg, &sdp)) {
		mn->ms = mem_deref(mn->ms);
		return;
	}

	mn->leg = mem_ref(leg);
	mn->call_owner = false;
	sipleg_set_handlers(leg, &call_handlers, mn);
	re_fprintf(stderr, "mn: answering %r\n", &msg->from.auri);
	(void)sipleg_reply(leg, 200, "OK", sdp);
	if (mbuf_get_left(msg->mb))
		established(mn);   /* else at the ACK, with the answer */
	mem_deref(sdp);
}

int call_place(struct mn *mn, const char *uri, char *why, size_t whysz)
{
	return call_place_h(mn, uri, NULL, NULL, NULL, why, whysz);
}

int call_place_h(struct mn *mn, const char *uri, const char *hdrs,
		 call_placed_h *h, void *arg, char *why, size_t whysz)
{
	struct mbuf *offer = NULL;
	int err;

	if (mn->state != MN_IDLE) {
		re_snprintf(why, whysz, "already in a call");
		return EBUSY;
	}
	if (strncmp(uri, "sip:", 4) && strncmp(uri, "sips:", 5)) {
		re_snprintf(why, whysz, "'%s' is not a SIP URI", uri);
		return EINVAL;
	}

	err = media_alloc(mn);
	err = err ? err : mset_set_srtp(mn->ms, sipep_uri_secure(uri));
	err = err ? err : mset_offer(mn->ms, &offer);
	err = err ? err : sipleg_connect(&mn->leg, mn->ep, uri, hdrs, offer,
					 false, &call_handlers, mn);
	mem_deref(offer);
	if (err) {
		re_snprintf(why, whysz, "cannot call %s: %m", uri, err);
		call_end(mn);
		return err;
	}

	mn->state = MN_CALLING;
	mn->call_owner = true;
	mn->last_error[0] = '\0';
	mn->placedh = h;
	mn->placed_arg = arg;
	re_fprintf(stderr, "mn: calling %s\n", uri);
	return 0;
}

bool call_busy(const struct mn *mn)
{
	return mn->fwd || mn->cn_resph || sipleg_busy(mn->leg);
}

/* The outcome of our re-INVITE reaches whoever sent it (a transfer, a
 * device's forwarded re-offer), unless it gave up meanwhile. */
static void reinvite_resp(struct sipleg *leg, int err, uint16_t scode,
			  const struct sip_msg *msg, void *arg)
{
	struct mn *mn = arg;
	call_resp_h *h = mn->cn_resph;
	(void)leg;

	if (!err && scode < 200)
		return;
	mn->cn_resph = NULL;
	if (h)
		h(mn, err, scode, msg, mn->cn_resp_arg);
	else if (!err && scode < 300)
		call_ack(mn);   /* its owner is gone: the dialog goes on */
}

int call_reinvite(struct mn *mn, struct sdesc *offer, call_resp_h *h,
		  void *arg)
{
	struct mbuf *mb = NULL;
	int err;

	if (call_busy(mn))
		return EBUSY;
	err = call_stamp(mn, offer);
	err = err ? err : sdesc_encode(&mb, offer);
	err = err ? err : sipleg_reinvite_h(mn->leg, mb, true, reinvite_resp,
					    mn);
	mem_deref(mb);
	if (!err) {
		mn->cn_resph = h;
		mn->cn_resp_arg = arg;
	}
	return err;
}

void call_ack(struct mn *mn)
{
	(void)sipleg_ack(mn->leg, NULL);
}

void call_when_idle(struct mn *mn, mn_hook_h *h, void *arg)
{
	mn->idleh = h;
	mn->idle_arg = arg;
}

/* ---- DTMF (RFC 4733) ------------------------------------------------------- */

struct dtmf_chain {
	struct devleg *d;
	char digits[DTMF_MAX_QUEUE + 1];
	size_t next;
};

static void dtmf_chain_destructor(void *arg)
{
	struct dtmf_chain *c = arg;

	mem_deref(c->d);
}

static void dtmf_next(struct dtmf_chain *c);

static void dtmf_info_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct dtmf_chain *c = arg;

	if (err || !msg || msg->scode >= 300) {
		re_fprintf(stderr, "mn: %s did not send DTMF '%c' (%u)\n",
			   c->d->uri, c->digits[c->next - 1],
			   msg ? msg->scode : 0);
		mem_deref(c);
		return;
	}
	dtmf_next(c);
}

/* One INFO (application/dtmf-relay) per digit, each after the last's 200,
 * so the device plays them in order. */
static void dtmf_next(struct dtmf_chain *c)
{
	struct mbuf *mb = NULL;

	if (!c->digits[c->next]) {
		mem_deref(c);
		return;
	}
	if (dtmf_relay_encode(&mb, c->digits[c->next++], 160) ||
	    sipleg_request(c->d->leg, "INFO", DTMF_RELAY_CTYPE, mb,
			   dtmf_info_handler, c))
		mem_deref(c);
	mem_deref(mb);
}

int call_dtmf(struct mn *mn, const char *digits, char *why, size_t whysz)
{
	struct dtmf_chain *c;
	struct devleg *holder = NULL;
	unsigned i;
	int err;

	if (mn->state != MN_ESTABLISHED) {
		re_snprintf(why, whysz, "no established call");
		return ENOTCONN;
	}
	if (!dtmf_digits_valid(digits) ||
	    strlen(digits) >= sizeof(c->digits)) {
		re_snprintf(why, whysz, "'%s': DTMF digits are 0-9 * # A-D"
			    " (at most %zu)", digits, sizeof(c->digits) - 1);
		return EINVAL;
	}
	if (place_self_holds(&mn->place, mn->cn_local, SDESC_AUDIO)) {
		err = mset_dtmf_send(mn->ms, digits);
		if (err)
			re_snprintf(why, whysz, "%s", err == ENOTSUP ?
				    "the far end did not accept"
				    " telephone-event" : "the audio does not"
				    " send now");
		return err;
	}
	for (i = 0; i < MN_MAX_LINES && !holder; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);

		if (m && sdesc_media_port(m) &&
		    sdesc_media_type(m) == SDESC_AUDIO)
			holder = mn->place.line[i].dev;
	}
	if (!holder) {
		re_snprintf(why, whysz, "the call has no audio");
		return ENOENT;
	}
	c = mem_zalloc(sizeof(*c), dtmf_chain_destructor);
	if (!c)
		return ENOMEM;
	c->d = mem_ref(holder);
	str_ncpy(c->digits, digits, sizeof(c->digits));
	dtmf_next(c);
	return 0;
}

const char *call_dtmf_received(const struct mn *mn)
{
	return mn->ms ? mset_dtmf_received(mn->ms) : "";
}
