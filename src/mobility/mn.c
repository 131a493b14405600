/*
 * The mobile node: a SIP UA for one call at a time, with its own media, and
 * the devices it moves media to (Mobile Node Control, mnc.c). This file has
 * the call itself, the commands, the status, and the watch on devices: a
 * device that hangs up or stops answering OPTIONS is "lost", and the status
 * says which media went with it so the user can retrieve them.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include "mn_priv.h"

enum {
	PING_INTERVAL_MS = 2000,   /* OPTIONS to each device in use       */
	PING_LOST_AFTER  = 3,      /* unanswered in a row: lost           */
};

static const char *state_name(enum mn_state st)
{
	switch (st) {

	case MN_CALLING:     return "calling";
	case MN_ESTABLISHED: return "established";
	default:             return "idle";
	}
}

/* ---- devices --------------------------------------------------------- */

static void mdev_destructor(void *arg)
{
	struct mdev *d = arg;

	tmr_cancel(&d->tmr_ping);
	list_unlink(&d->le);
	sipleg_set_handlers(d->leg, NULL, NULL);  /* no calls into us now */
	mem_deref(d->leg);      /* BYE, or CANCEL while it is ringing */
	mem_deref(d->offer);
	mem_deref(d->answer);
	mem_deref(d->uri);
}

struct mdev *mdev_alloc(struct mn *mn, const char *uri)
{
	struct mdev *d = mem_zalloc(sizeof(*d), mdev_destructor);

	if (!d)
		return NULL;
	d->mn = mn;
	d->src = ++mn->next_src;
	tmr_init(&d->tmr_ping);
	if (str_dup(&d->uri, uri))
		return mem_deref(d);
	return d;
}

void mn_device_lost(struct mdev *d, const char *why)
{
	struct mn *mn = d->mn;
	char media[64] = "";
	unsigned i;

	if (d->lost[0])
		return;
	str_ncpy(d->lost, why, sizeof(d->lost));
	tmr_cancel(&d->tmr_ping);

	for (i = 0; i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);

		if (mn->place[i].dev == d && m) {
			size_t l = strlen(media);

			re_snprintf(media + l, sizeof(media) - l, "%s%s",
				    l ? "," : "", sdesc_media_name(m));
		}
	}
	re_fprintf(stderr, "mn: device %s lost: %s; its media (%s) are"
		   " gone with it: `sipmob retrieve` brings them back\n",
		   d->uri, why, media[0] ? media : "none");
}

static void ping_handler(void *arg);

static void pong_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct mdev *d = arg;

	d->ping_out = false;
	if (!err && msg && msg->scode < 500)
		d->ping_fails = 0;
	else if (++d->ping_fails >= PING_LOST_AFTER && d->mn)
		mn_device_lost(d, "it stopped answering OPTIONS");
	mem_deref(d);
}

static void ping_handler(void *arg)
{
	struct mdev *d = arg;

	if (d->lost[0])
		return;
	/* A ping still unanswered after a whole interval counts as missed:
	 * waiting for its Timer F (32 s) would hide a dead device. */
	if (d->ping_out) {
		if (++d->ping_fails >= PING_LOST_AFTER) {
			mn_device_lost(d, "it stopped answering OPTIONS");
			return;
		}
	}
	else {
		d->ping_out = true;
		if (sipep_options(d->mn->ep, d->uri, pong_handler,
				  mem_ref(d))) {
			d->ping_out = false;
			mem_deref(d);
		}
	}
	tmr_start(&d->tmr_ping, PING_INTERVAL_MS, ping_handler, d);
}

void mdev_watch(struct mdev *d)
{
	tmr_start(&d->tmr_ping, PING_INTERVAL_MS, ping_handler, d);
}

bool mn_media_elsewhere(const struct mn *mn)
{
	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		if (mn->place[i].dev)
			return true;
	}
	return false;
}

/* ---- the call ---------------------------------------------------------- */

static void call_end(struct mn *mn)
{
	mnc_abort(mn, "the call ended");
	list_flush(&mn->devs);
	sipleg_set_handlers(mn->leg, NULL, NULL);
	mn->leg = mem_deref(mn->leg);
	mn->ms = mem_deref(mn->ms);
	mn->cn_local = mem_deref(mn->cn_local);
	mn->cn_remote = mem_deref(mn->cn_remote);
	memset(mn->place, 0, sizeof(mn->place));
	mn->state = MN_IDLE;
}

static void destructor(void *arg)
{
	struct mn *mn = arg;

	call_end(mn);
	list_flush(&mn->known);
	mem_deref(mn->ua);
	mem_deref(mn->caps);
	mem_deref(mn->ep);
	mem_deref(mn->user);
	mem_deref(mn->record_path);
	mem_deref(mn->codecs);
}

static void media_conf(const struct mn *mn, struct mset_conf *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->addr = &mn->media_addr;
	mc->codecs = mn->codecs;
	mc->port_min = mn->conf.port_min;
	mc->port_max = mn->conf.port_max;
	mc->user = mn->user;
	mc->video = (enum mset_video)mn->conf.video;
}

static int media_alloc(struct mn *mn)
{
	struct mset_conf mc;

	media_conf(mn, &mc);
	mc.record_path = mn->record_path;
	mn->ms = mem_deref(mn->ms);
	return mset_alloc(&mn->ms, &mc);
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
	memset(mn->place, 0, sizeof(mn->place));
	re_fprintf(stderr, "mn: call with %s established\n",
		   sipleg_remote_uri(mn->leg));
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

	if (mnc_cn_response(mn, err, scode, msg))
		return;
	if (!err && scode < 200)
		return;
	if (!err && scode < 300)
		(void)sipleg_ack(leg, NULL);   /* one nobody held for a body */
	if (mn->state == MN_ESTABLISHED) {
		if (err || scode >= 300)
			re_fprintf(stderr, "mn: re-INVITE failed; the call"
				   " goes on as it was\n");
		return;
	}

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
		return;
	}

	if (mset_accept_answer(mn->ms, msg->mb, why, sizeof(why))) {
		char line[200];

		re_snprintf(line, sizeof(line), "unusable answer from %s: %s;"
			    " hanging up", sipleg_remote_uri(mn->leg), why);
		fail(mn, line);
		call_end(mn);
		return;
	}
	established(mn);
}

/* A re-INVITE from the CN. With media on devices we answer for them with
 * what the CN already has, and pass its new parameters on (mnc.c). */
static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	struct mn *mn = arg;
	struct mbuf *sdp = NULL;
	char why[128] = "";
	int e;

	if (mn->xfer || !mbuf_get_left(msg->mb)) {
		/* Mid-transfer, or an offerless re-INVITE (which would need
		 * a fresh offer for every device): keep what stands. */
		e = mn->xfer ? EBUSY : sdesc_encode(&sdp, mn->cn_local);
		if (e == EBUSY) {
			(void)sipleg_reply(leg, 491, "Request Pending", NULL);
			return;
		}
	}
	else if (mn_media_elsewhere(mn)) {
		e = mn_cn_sdp_changed(mn, msg);
		e = e ? e : sdesc_encode(&sdp, mn->cn_local);
	}
	else {
		e = mset_answer(mn->ms, msg->mb, &sdp, why, sizeof(why));
		if (!e) {
			mem_deref(mn->cn_local);
			mem_deref(mn->cn_remote);
			mn->cn_local = mem_ref((void *)mset_local(mn->ms));
			mn->cn_remote = mem_ref((void *)mset_remote(mn->ms));
		}
	}

	if (e) {
		re_fprintf(stderr, "mn: re-INVITE refused: %s\n", why);
		(void)sipleg_reply(leg, e == EBADMSG ? 400 : 488,
				   e == EBADMSG ? "Bad SDP" :
				   "Not Acceptable Here", NULL);
	}
	else {
		(void)sipleg_reply(leg, 200, "OK", sdp);
	}
	mem_deref(sdp);
}

static void ack_handler(struct sipleg *leg, const struct sip_msg *msg,
			void *arg)
{
	struct mn *mn = arg;
	char why[128];
	(void)leg;

	if (mbuf_get_left(msg->mb) &&
	    mset_accept_answer(mn->ms, msg->mb, why, sizeof(why)))
		re_fprintf(stderr, "mn: unusable answer in ACK: %s\n", why);
	if (mn->state != MN_ESTABLISHED)
		established(mn);
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

static void invite_handler(struct sipep *ep, struct sipleg *leg,
			   const struct sip_msg *msg, void *arg)
{
	struct mn *mn = arg;
	struct mbuf *sdp = NULL;
	char why[128] = "";
	int e;
	(void)ep;

	if (mn->state != MN_IDLE) {
		(void)sipleg_reply(leg, 486, "Busy Here", NULL);
		return;
	}
	if (media_alloc(mn)) {
		(void)sipleg_reply(leg, 500, "No Media", NULL);
		return;
	}

	if (mbuf_get_left(msg->mb))
		e = mset_answer(mn->ms, msg->mb, &sdp, why, sizeof(why));
	else
		e = mset_offer(mn->ms, &sdp);
	if (e) {
		re_fprintf(stderr, "mn: INVITE from %r refused: %s\n",
			   &msg->from.auri, why);
		(void)sipleg_reply(leg, e == EBADMSG ? 400 : 488,
				   e == EBADMSG ? "Bad SDP" :
				   "Not Acceptable Here", NULL);
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

static int caps_handler(struct mbuf **descp, void *arg)
{
	struct mn *mn = arg;

	return mset_caps(mn->caps, descp);
}

int mn_alloc(struct mn **mnp, const struct mn_conf *conf)
{
	struct sipep_conf ec;
	struct mset_conf mc;
	struct mn *mn;
	int err;

	if (!mnp || !conf || !conf->sip_listen)
		return EINVAL;

	mn = mem_zalloc(sizeof(*mn), destructor);
	if (!mn)
		return ENOMEM;

	mn->conf = *conf;
	if (!mn->conf.device_timeout_ms)
		mn->conf.device_timeout_ms = 8000;
	err  = str_dup(&mn->user, conf->user ? conf->user : "mn");
	err |= conf->record_path ? str_dup(&mn->record_path,
					   conf->record_path) : 0;
	err |= conf->codecs ? str_dup(&mn->codecs, conf->codecs) : 0;
	if (err)
		goto out;

	memset(&ec, 0, sizeof(ec));
	ec.listen = conf->sip_listen;
	ec.trace = conf->trace;
	ec.user = mn->user;
	err = sipep_alloc(&mn->ep, &ec, invite_handler, mn);
	if (err)
		goto out;
	mn->media_addr = *sipep_laddr(mn->ep);
	sa_set_port(&mn->media_addr, 0);

	media_conf(mn, &mc);
	err = mset_alloc(&mn->caps, &mc);
	if (err)
		goto out;
	sipep_set_caps_handler(mn->ep, caps_handler, mn);

	if (conf->registrar) {
		err = sipep_register(mn->ep, conf->registrar, NULL,
				     conf->auth_user ? conf->auth_user :
				     mn->user, conf->password, 600, NULL,
				     NULL);
		if (err)
			goto out;
	}

	err = mn_discover_alloc(mn);
	if (err) {
		re_fprintf(stderr, "mn: no SLP user agent: %m\n", err);
		goto out;
	}

	re_fprintf(stderr, "mn: %s ready at %s\n", mn->user,
		   sipep_uri(mn->ep));

 out:
	if (err)
		mem_deref(mn);
	else
		*mnp = mn;
	return err;
}

/* ---- commands ---------------------------------------------------------- */

static int cmd_call(struct mn *mn, const char *uri, struct odict *reply)
{
	struct mbuf *offer = NULL;
	int err;

	if (mn->state != MN_IDLE) {
		ctl_put_str(reply, "error", "already in a call");
		return EBUSY;
	}
	if (strncmp(uri, "sip:", 4) && strncmp(uri, "sips:", 5)) {
		ctl_put_str(reply, "error", "not a SIP URI");
		return EINVAL;
	}

	err = media_alloc(mn);
	err = err ? err : mset_offer(mn->ms, &offer);
	err = err ? err : sipleg_connect(&mn->leg, mn->ep, uri, NULL, offer,
					 false, &call_handlers, mn);
	mem_deref(offer);
	if (err) {
		call_end(mn);
		return err;
	}

	mn->state = MN_CALLING;
	mn->call_owner = true;
	mn->last_error[0] = '\0';
	re_fprintf(stderr, "mn: calling %s\n", uri);
	return ctl_put_str(reply, "state", state_name(mn->state));
}

/* The first m-line of a type in the CN's description, or -1. */
static int line_of(const struct mn *mn, const char *type)
{
	for (unsigned i = 0; i < sdesc_media_count(mn->cn_remote); i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_remote, i);

		if (!strcmp(sdesc_media_name(m), type) &&
		    sdesc_media_port(m))
			return (int)i;
	}
	return -1;
}

static int plan_add(struct mnc_plan *p, const struct mn *mn,
		    const char *type, enum line_role role, const char *dev,
		    struct odict *reply)
{
	int line = line_of(mn, type);
	char why[128];

	if (strncmp(dev, "sip:", 4)) {
		const char *uri = mn_device_uri(mn, dev);

		if (!uri) {
			re_snprintf(why, sizeof(why), "no device '%s' (run"
				    " `devices` first, or give a SIP URI)",
				    dev);
			ctl_put_str(reply, "error", why);
			return ENOENT;
		}
		dev = uri;
	}
	if (line < 0) {
		re_snprintf(why, sizeof(why), "the call has no %s", type);
		ctl_put_str(reply, "error", why);
		return ENOENT;
	}
	if (p->n >= MN_MAX_LINES)
		return E2BIG;
	p->item[p->n].line = line;
	p->item[p->n].role = role;
	p->item[p->n].uri = dev;
	p->n++;
	return 0;
}

/* move [--audio DEV] [--video DEV] [--video-out DEV --video-in DEV]
 *      [--to DEV] */
static int cmd_move(struct mn *mn, struct ctl_request *req, int argc,
		    char *argv[], struct odict *reply)
{
	struct mnc_plan plan;
	const char *vout = NULL, *vin = NULL;
	int i, err = 0;

	memset(&plan, 0, sizeof(plan));
	if (mn->state != MN_ESTABLISHED) {
		ctl_put_str(reply, "error", "no established call");
		return ENOTCONN;
	}
	for (i = 1; i + 1 < argc && !err; i += 2) {
		const char *opt = argv[i], *dev = argv[i + 1];

		if (!strcmp(opt, "--audio"))
			err = plan_add(&plan, mn, "audio", ROLE_WHOLE, dev,
				       reply);
		else if (!strcmp(opt, "--video"))
			err = plan_add(&plan, mn, "video", ROLE_WHOLE, dev,
				       reply);
		else if (!strcmp(opt, "--video-out"))
			vout = dev;
		else if (!strcmp(opt, "--video-in"))
			vin = dev;
		else if (!strcmp(opt, "--to")) {
			for (unsigned k = 0;
			     k < sdesc_media_count(mn->cn_remote) && !err;
			     k++) {
				const struct sdesc_media *m =
					sdesc_media(mn->cn_remote, k);

				if (sdesc_media_port(m) && !mn->place[k].dev)
					err = plan_add(&plan, mn,
						       sdesc_media_name(m),
						       ROLE_WHOLE, dev, reply);
			}
		}
		else {
			ctl_put_str(reply, "error", "usage: move [--audio DEV]"
				    " [--video DEV] [--video-out DEV"
				    " --video-in DEV] [--to DEV]");
			return EINVAL;
		}
	}
	if (!err && (i != argc || (!vout != !vin))) {
		ctl_put_str(reply, "error", i != argc ? "an option lacks its"
			    " device" : "--video-out and --video-in go"
			    " together");
		return EINVAL;
	}
	if (!err && vout) {
		err = plan_add(&plan, mn, "video", ROLE_OUT, vout, reply);
		err = err ? err : plan_add(&plan, mn, "video", ROLE_IN, vin,
					   reply);
	}
	if (err)
		return err;
	if (!plan.n) {
		ctl_put_str(reply, "error", "nothing to move");
		return EINVAL;
	}
	return mnc_move(mn, req, &plan, reply);
}

/* retrieve [--media audio,video] */
static int cmd_retrieve(struct mn *mn, struct ctl_request *req, int argc,
			char *argv[], struct odict *reply)
{
	const char *media = NULL;

	if (argc == 3 && !strcmp(argv[1], "--media"))
		media = argv[2];
	else if (argc != 1) {
		ctl_put_str(reply, "error", "usage: retrieve [--media LIST]");
		return EINVAL;
	}
	if (mn->state != MN_ESTABLISHED) {
		ctl_put_str(reply, "error", "no established call");
		return ENOTCONN;
	}
	return mnc_retrieve(mn, req, media, reply);
}

/* ---- status ------------------------------------------------------------ */

/* latency_ms, lapse_<unit>, disruption_ms and <unit> of one medium's
 * metrics, or nulls and a note when there are none. */
static int put_metrics(struct odict *o, bool known,
		       const struct transfer_metrics *m, const char *unit,
		       const char *note)
{
	char lapse[32];
	int err = 0;

	re_snprintf(lapse, sizeof(lapse), "lapse_%s", unit);
	if (!known) {
		err |= ctl_put_str(o, "latency_ms", NULL);
		err |= ctl_put_str(o, lapse, NULL);
		err |= ctl_put_str(o, "disruption_ms", NULL);
		if (note)
			err |= ctl_put_str(o, "metrics_note", note);
		return err;
	}
	if (m->latency_known)
		err |= ctl_put_int(o, "latency_ms", m->latency_ms);
	else
		err |= ctl_put_str(o, "latency_ms", NULL);
	err |= ctl_put_int(o, lapse, (int64_t)m->lapse_packets);
	err |= ctl_put_int(o, "disruption_ms", (int64_t)m->disruption_ms);
	err |= ctl_put_int(o, unit, (int64_t)m->packets);
	return err;
}

int mn_put_last_transfer(struct odict *od, const struct last_transfer *lt)
{
	struct odict *o, *v;
	int err;

	if (!lt->valid)
		return 0;
	err = ctl_put_obj(od, "last_transfer", &o);
	if (err)
		return err;
	err |= ctl_put_str(o, "mode", lt->mode);
	err |= ctl_put_bool(o, "ok", lt->ok);
	if (!lt->ok)
		err |= ctl_put_str(o, "error", lt->error);
	if (lt->ok)
		err |= ctl_put_int(o, "signaling_ms",
				   (int64_t)lt->signaling_ms);
	/* The top-level numbers are the audio's. */
	err |= put_metrics(o, lt->metrics_known, &lt->m, "packets",
			   lt->ok ? lt->metrics_note : NULL);
	if (lt->ok && lt->video_moved) {
		err = err ? err : ctl_put_obj(o, "video", &v);
		err = err ? err : put_metrics(v, lt->vmetrics_known, &lt->vm,
					      "frames", lt->vmetrics_note);
	}
	return err;
}

/* One line for one medium's metrics: "mn: transfer done: latency ..." */
static void log_metrics(const char *mode, const char *label, bool known,
			const struct transfer_metrics *m, const char *unit,
			const char *note, const char *unmoved)
{
	if (known && m->latency_known)
		re_fprintf(stderr, "mn: %s %s: latency %lld ms, lapse %llu"
			   " %s, disruption %llu ms\n", mode, label,
			   (long long)m->latency_ms,
			   (unsigned long long)m->lapse_packets, unit,
			   (unsigned long long)m->disruption_ms);
	else
		re_fprintf(stderr, "mn: %s %s (%s)\n", mode, label,
			   known ? unmoved : note);
}

void mn_log_result(struct mn *mn)
{
	const struct last_transfer *lt = &mn->last;

	if (!lt->ok) {
		re_fprintf(stderr, "mn: %s failed: %s; the media stay where"
			   " they were\n", lt->mode, lt->error);
		return;
	}
	log_metrics(lt->mode, "done", lt->metrics_known, &lt->m, "packets",
		    lt->metrics_note, "audio did not move");
	if (lt->video_moved)
		log_metrics(lt->mode, "video", lt->vmetrics_known, &lt->vm,
			    "frames", lt->vmetrics_note,
			    "no new place plays it");
}

/* The codec in use on line i: the first of the CN's list that is in ours
 * too, which is the negotiated one whichever side made the offer. */
static const char *line_codec(const struct mn *mn, unsigned i,
			      struct sdesc_codec *c)
{
	const struct sdesc_media *theirs = sdesc_media(mn->cn_remote, i);
	const struct sdesc_media *ours = sdesc_media(mn->cn_local, i);
	struct sdesc_codec o;

	for (unsigned k = 0; theirs && ours &&
	     k < sdesc_media_fmtc(theirs); k++) {
		if (sdesc_media_codec(theirs, k, c))
			continue;
		for (unsigned j = 0; j < sdesc_media_fmtc(ours); j++) {
			if (!sdesc_media_codec(ours, j, &o) &&
			    sdesc_codec_match(c, &o))
				return c->name;
		}
	}
	return NULL;
}

static int status(struct mn *mn, struct odict *reply)
{
	struct odict *call, *media, *devs, *o;
	uint64_t tx = 0, rx = 0, played = 0;
	struct le *le;
	unsigned i;
	int err;

	err  = ctl_put_str(reply, "uri", sipep_uri(mn->ep));
	err |= ctl_put_obj(reply, "call", &call);
	if (err)
		return err;

	err |= ctl_put_str(call, "state", state_name(mn->state));
	err |= ctl_put_str(call, "remote", mn->leg ?
			   sipleg_remote_uri(mn->leg) : NULL);
	if (mn->last_error[0])
		err |= ctl_put_str(call, "last_error", mn->last_error);
	err |= ctl_put_array(call, "media", &media);
	err |= ctl_put_array(call, "devices", &devs);
	err |= mn_put_last_transfer(call, &mn->last);
	err |= ctl_put_bool(call, "transferring", mn->xfer != NULL);
	if (err || mn->state != MN_ESTABLISHED)
		return err;

	/* One entry per active m-line of what the CN has from us. The
	 * packet counts are the MN's own stream's for that medium (frames
	 * decoded, for video, in played_packets). */
	for (i = 0; i < sdesc_media_count(mn->cn_local) && !err; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);
		const struct placement *p = i < MN_MAX_LINES ?
			&mn->place[i] : NULL;
		struct sdesc_codec c;

		if (!sdesc_media_port(m) || !p)
			continue;
		mset_counts(mn->ms, sdesc_media_name(m), &tx, &rx, &played);
		err |= ctl_array_obj(media, &o);
		err |= ctl_put_str(o, "type", sdesc_media_name(m));
		err |= ctl_put_str(o, "codec", line_codec(mn, i, &c));
		err |= ctl_put_str(o, "dir", sdesc_dir_name(
					   sdesc_media_dir(m)));
		err |= ctl_put_str(o, "at", p->dev ? p->dev->uri : "self");
		err |= ctl_put_str(o, "role", p->role == ROLE_OUT ? "out" :
				   p->role == ROLE_IN ? "in" : "both");
		if (p->dev && p->dev->lost[0])
			err |= ctl_put_str(o, "lost", p->dev->lost);
		err |= ctl_put_int(o, "tx_packets", (int64_t)tx);
		err |= ctl_put_int(o, "rx_packets", (int64_t)rx);
		err |= ctl_put_int(o, "played_packets", (int64_t)played);
	}
	for (le = mn->devs.head; le && !err; le = le->next) {
		struct mdev *d = le->data;

		err |= ctl_array_obj(devs, &o);
		err |= ctl_put_str(o, "uri", d->uri);
		err |= ctl_put_str(o, "state", d->lost[0] ? "lost" : "ok");
		if (d->lost[0]) {
			err |= ctl_put_str(o, "lost", d->lost);
			err |= ctl_put_str(o, "hint", "sipmob retrieve");
		}
	}
	return err;
}

int mn_command(struct mn *mn, struct ctl_request *req, int argc,
	       char *argv[], struct odict *reply)
{
	if (!strcmp(argv[0], "status"))
		return status(mn, reply);

	if (!strcmp(argv[0], "call")) {
		if (argc < 2) {
			ctl_put_str(reply, "error", "usage: call URI");
			return EINVAL;
		}
		return cmd_call(mn, argv[1], reply);
	}

	if (!strcmp(argv[0], "move"))
		return cmd_move(mn, req, argc, argv, reply);

	if (!strcmp(argv[0], "devices"))
		return mn_devices(mn, req, argc, argv, reply);

	if (!strcmp(argv[0], "retrieve"))
		return cmd_retrieve(mn, req, argc, argv, reply);

	if (!strcmp(argv[0], "hangup")) {
		if (mn->state == MN_IDLE) {
			ctl_put_str(reply, "error", "no call");
			return ENOENT;
		}
		call_end(mn);   /* BYE to the CN and to every device */
		return 0;
	}

	ctl_put_str(reply, "error", "unknown command (call, devices, move,"
		    " retrieve, hangup, status)");
	return EINVAL;
}

void mn_shutdown(struct mn *mn)
{
	if (mn)
		call_end(mn);
}

bool mn_in_call(const struct mn *mn)
{
	return mn && mn->state != MN_IDLE;
}

/* The CN re-offered while media are on devices: keep answering with what
 * it has, take its new parameters, and pass them to the devices. */
int mn_cn_sdp_changed(struct mn *mn, const struct sip_msg *msg)
{
	struct sdesc *cn = NULL;
	char err[128];
	int e;

	e = sdesc_parse(&cn, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), err,
			sizeof(err));
	if (e)
		return e;
	if (sdesc_media_count(cn) != sdesc_media_count(mn->cn_local)) {
		mem_deref(cn);
		return EPROTO;   /* added or removed media: not while split */
	}
	mem_deref(mn->cn_remote);
	mn->cn_remote = cn;
	mnc_update_devices(mn);
	return 0;
}
