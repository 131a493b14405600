/*
 * The local device agent. Every INVITE it accepts becomes a session: a SIP
 * leg plus a media set. An offer in the INVITE is answered in the 2xx; an
 * INVITE without SDP (3PCC flow I of RFC 3725) gets our offer in the 2xx and
 * the answer in the ACK. Re-INVITEs re-apply the far side's description, so
 * the device follows its media wherever the controller moves it.
 *
 * Unusable SDP is refused, never half-taken: malformed SDP gets 400 with a
 * Warning naming the bad line, SDP without a common codec gets 488.
 *
 * DTMF: the user presses keys for an IVR menu while the device holds the
 * call's audio. The digits come from the control socket (`dtmf DIGITS`,
 * for the latest session) or from the MN in an INFO with an
 * application/dtmf-relay body (for that INFO's session), and go to the
 * far end as RFC 4733 events in the session's media. Digits the far end
 * sends are reported in `status` (dtmf_received, the latest session's,
 * kept after it ended until the next one starts).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include <sipmob/device.h>
#include <sipmob/authz.h>
#include <sipmob/slp.h>
#include <sipmob/playout.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/dtmf_relay.h>
#include "device_priv.h"

static void session_destructor(void *arg)
{
	struct dsession *s = arg;
	struct device *dev = s->dev;

	/* the latest session's digits outlive it, for status */
	if (dev && s->ms && dev->sessions.tail == &s->le) {
		dev->last_dtmf = mem_deref(dev->last_dtmf);
		(void)str_dup(&dev->last_dtmf, mset_dtmf_received(s->ms));
	}
	list_unlink(&s->le);
	if (s->not && s->t_answered)   /* replaced before we reported */
		dsession_report_now(s);
	tmr_cancel(&s->tmr_report);
	sipleg_set_handlers(s->leg, NULL, NULL);  /* no calls into us now */
	mem_deref(s->nested);
	mem_deref(s->nested_not);
	mem_deref(s->not);
	mem_deref(s->leg);
	mem_deref(s->replaces);
	list_flush(&s->members);
	mem_deref(s->ms);
	mem_deref(s->referrer);
	mem_deref(s->referrer_user);
	mem_deref(s->target);
	mem_deref(s->hdrs);
	mem_deref(s->cn_local);
	mem_deref(s->fwd_offer);
	mem_deref(s->back[0]);
	mem_deref(s->back[1]);
	mem_deref(s->tc);          /* BYE to its transcoder, if any */
	if (dev) {
		device_dialogs_changed(dev);
		device_in_use_update(dev);
	}
}

/* Each session unlinks itself as it goes, and what its end updates (the
 * dialogs watched, the in-use indicator) walks the list: so not
 * list_flush(), which leaves the freed head in place while it runs. */
static void end_sessions(struct device *dev)
{
	while (dev->sessions.head)
		mem_deref(dev->sessions.head->data);
}

static void device_destructor(void *arg)
{
	struct device *dev = arg;

	mdsm_caps_forget(dev->mdsm_caps);
	mem_deref(dev->ua);
	for (size_t i = 0; i < dev->memberc; i++)
		mem_deref(dev->members[i]);
	mem_deref(dev->members);
	list_flush(&dev->watchers);
	dev->closing = true;
	end_sessions(dev);
	mem_deref(dev->sa);
	mem_deref(dev->caps);
	mem_deref(dev->ep);
	mem_deref(dev->name);
	mem_deref(dev->record_dir);
	mem_deref(dev->last_dtmf);
	mem_deref(dev->owner);
	mem_deref(dev->room_key);
}

static void media_conf(const struct device *dev, struct mset_conf *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->addr = &dev->media_addr;
	mc->codecs = dev->conf.codecs;
	mc->port_min = dev->conf.port_min;
	mc->port_max = dev->conf.port_max;
	mc->user = dev->name;
	mc->no_audio = dev->conf.no_audio;
	mc->video = (enum mset_video)dev->conf.video;
	mc->video_width = dev->conf.video_width;
	mc->video_height = dev->conf.video_height;
	mc->video_sizes = dev->conf.video_sizes;
	mc->vio = dev->conf.vio;
	mc->audio = dev->conf.audio;
	/* an ordinary phone knows nothing of bridges; a multi-device
	 * system's members send to the far end themselves */
	mc->bridge = !dev->conf.basic && !dev->conf.mdsm;
}

/* Answers their offer, or offers when they sent none. */
static void answer(struct dsession *s, const struct sip_msg *msg)
{
	struct mbuf *sdp = NULL;
	char err[128] = "";
	int e;

	/* SRTP exactly when the keys travel over TLS */
	e = mset_set_srtp(s->ms, sipleg_secure(s->leg));
	if (e)
		re_snprintf(err, sizeof(err), "no SRTP: %m", e);
	else if (mbuf_get_left(msg->mb))
		e = mset_answer(s->ms, msg->mb, &sdp, err, sizeof(err));
	else
		e = mset_offer(s->ms, &sdp);

	if (e == EBADMSG) {
		re_fprintf(stderr, "device: bad SDP from %s: %s\n",
			   sipleg_remote_uri(s->leg), err);
		(void)sipleg_reply(s->leg, 400, "Bad SDP", NULL);
	}
	else if (e) {
		re_fprintf(stderr, "device: cannot use SDP from %s: %s\n",
			   sipleg_remote_uri(s->leg), err);
		(void)sipleg_reply(s->leg, 488, "Not Acceptable Here", NULL);
	}
	else {
		(void)sipleg_reply(s->leg, 200, "OK", sdp);
		device_in_use_update(s->dev);
	}
	mem_deref(sdp);
}

static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	struct dsession *s = arg;
	(void)leg;

	re_fprintf(stderr, "device: re-INVITE from %s\n",
		   sipleg_remote_uri(s->leg));
	if (dsession_transcoded(s)) {
		/* our media meet the transcoder's, not the CN's */
		(void)sipleg_reply(s->leg, 488, "Not Acceptable Here", NULL);
		return;
	}
	answer(s, msg);
}

static struct dsession *session_of(struct device *dev,
				   const struct sipleg *leg)
{
	for (struct le *le = leg ? dev->sessions.head : NULL; le;
	     le = le->next) {
		struct dsession *s = le->data;

		if (s->leg == leg)
			return s;
	}
	return NULL;
}

/* RFC 3891 §3: once the new dialog is confirmed, the one it replaces
 * ends (our BYE). */
static void replace_done(struct dsession *s)
{
	struct dsession *old = session_of(s->dev, s->replaces);

	if (old && old != s) {
		re_fprintf(stderr, "device: session %u replaces session %u\n",
			   s->id, old->id);
		sipleg_hangup(old->leg);   /* BYE, though s->leg refers it */
		mem_deref(old);
	}
	s->replaces = mem_deref(s->replaces);
}

static void ack_handler(struct sipleg *leg, const struct sip_msg *msg,
			void *arg)
{
	struct dsession *s = arg;
	char err[128] = "";
	(void)leg;

	if (s->replaces)
		replace_done(s);
	/* the MN's held ACK: the far end has taken the move */
	mset_bridge_end(s->ms);
	device_dialogs_changed(s->dev);
	device_in_use_update(s->dev);
	if (!mbuf_get_left(msg->mb))
		return;   /* we answered their offer: nothing more to do */

	if (mset_accept_answer(s->ms, msg->mb, err, sizeof(err))) {
		re_fprintf(stderr, "device: unusable answer in ACK from %s:"
			   " %s; hanging up\n", sipleg_remote_uri(s->leg),
			   err);
		mem_deref(s);
	}
}

static void close_handler(struct sipleg *leg, int err,
			  const struct sip_msg *msg, void *arg)
{
	struct dsession *s = arg;
	(void)leg;
	(void)msg;

	re_fprintf(stderr, "device: session with %s ended (%m)\n",
		   sipleg_remote_uri(s->leg), err);
	if (s->nested_not)   /* replaced as our nested REFER asked */
		dsession_nested_report(s, 200, "OK");
	mem_deref(s);
}

/* The MN's INFO asking what this session played since a given time. */
static void playout_info(struct dsession *s, const struct sip_msg *msg)
{
	struct sip *sip = sipep_sip(s->dev->ep);
	struct odict *q = NULL, *reply = NULL, *runs;
	uint64_t since = 0;
	char *json = NULL;

	if (json_decode_odict(&q, 8, (const char *)mbuf_buf(msg->mb),
			      mbuf_get_left(msg->mb), 4) == 0)
		(void)odict_get_number(q, &since, "since");

	if (odict_alloc(&reply, 8) ||
	    ctl_put_array(reply, "playout", &runs) ||
	    mset_playout(s->ms, since, runs) ||
	    re_sdprintf(&json, "%H", json_encode_odict, reply)) {
		(void)sip_treply(NULL, sip, msg, 500, "Server Internal Error");
	}
	else {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 200, "OK",
				  "Content-Type: " PLAYOUT_CTYPE "\r\n"
				  "Content-Length: %zu\r\n\r\n%s",
				  strlen(json), json);
	}
	mem_deref(json);
	mem_deref(reply);
	mem_deref(q);
}

/* A readable reason for a digit we cannot send; the SIP status for an
 * INFO in *scode */
static const char *dtmf_refusal(int err, uint16_t *scode)
{
	switch (err) {

	case EINVAL:
		*scode = 400;
		return "bad digit (0-9 * # A-D)";
	case ENOTCONN:
		*scode = 488;
		return "the session's audio is not sending";
	case ENOTSUP:
		*scode = 488;
		return "the far end did not accept telephone-event (RFC 4733)";
	case ENOSPC:
		*scode = 503;
		return "too many digits waiting to be sent";
	default:
		*scode = 500;
		return "cannot send the digits";
	}
}

/* An INFO with one digit (application/dtmf-relay): sent on to the far end
 * as RFC 4733 events in this session's media. */
static void dtmf_info(struct dsession *s, const struct sip_msg *msg)
{
	struct sip *sip = sipep_sip(s->dev->ep);
	const char *why;
	uint16_t scode;
	char digits[2] = "";
	int err;

	if (dtmf_relay_decode((const char *)mbuf_buf(msg->mb),
			      mbuf_get_left(msg->mb), &digits[0], NULL)) {
		re_fprintf(stderr, "device: bad dtmf-relay body from %s\n",
			   sipleg_remote_uri(s->leg));
		(void)sip_treply(NULL, sip, msg, 400, "Bad DTMF Relay Body");
		return;
	}
	err = mset_dtmf_send(s->ms, digits);
	if (err) {
		why = dtmf_refusal(err, &scode);
		re_fprintf(stderr, "device: DTMF '%s' from %s not sent: %s\n",
			   digits, sipleg_remote_uri(s->leg), why);
		(void)sip_treply(NULL, sip, msg, scode, why);
		return;
	}
	re_fprintf(stderr, "device: DTMF '%s' from %s queued (session %u)\n",
		   digits, sipleg_remote_uri(s->leg), s->id);
	(void)sip_treply(NULL, sip, msg, 200, "OK");
}

/* The MN takes media back: pass the far end's packets on to it, and its
 * packets on to the far end, until the session ends (bridge_back.c). */
static void bridge_info(struct dsession *s, const struct sip_msg *msg)
{
	struct sip *sip = sipep_sip(s->dev->ep);
	int err;

	/* Only the party that invited us may: it could point our media
	 * anywhere with a re-INVITE already. In a session we placed (on a
	 * REFER) the other side is the far end, which may not. */
	if (!s->invited) {
		(void)sip_treply(NULL, sip, msg, 403, "Not Your Media");
		return;
	}
	if (!s->ms) {
		(void)sip_treply(NULL, sip, msg, 488, "No Media Here");
		return;
	}
	/* a new request replaces the bridges of the last one (their taps
	 * come off before the new ones go on) */
	s->back[0] = mem_deref(s->back[0]);
	s->back[1] = mem_deref(s->back[1]);
	err = mset_bridge_back(s->ms, mbuf_buf(msg->mb),
			       mbuf_get_left(msg->mb), s->back);
	if (err) {
		re_fprintf(stderr, "device: no bridge back to %s (%s)\n",
			   sipleg_remote_uri(s->leg), err == EBADMSG ?
			   "unreadable request" : "none of those media here");
		(void)sip_treply(NULL, sip, msg, err == EBADMSG ? 400 : 488,
				 err == EBADMSG ? "Bad Bridge Request" :
				 "Not Acceptable Here");
		return;
	}
	if (!s->back[0] && !s->back[1])
		re_fprintf(stderr, "device: bridges back to %s ended (session"
			   " %u)\n", sipleg_remote_uri(s->leg), s->id);
	else
		re_fprintf(stderr, "device: bridging%s%s back to %s (session"
			   " %u)\n", s->back[0] ? " audio" : "",
			   s->back[1] ? " video" : "",
			   sipleg_remote_uri(s->leg), s->id);
	(void)sip_treply(NULL, sip, msg, 200, "OK");
}

static bool request_handler(struct sipleg *leg, const struct sip_msg *msg,
			    void *arg)
{
	struct dsession *s = arg;
	(void)leg;

	if (pl_strcmp(&msg->met, "INFO"))
		return false;

	if (msg_ctype_cmp(&msg->ctyp, "application",
			  "vnd.sipmob.playout+json"))
		playout_info(s, msg);
	else if (msg_ctype_cmp(&msg->ctyp, "application", "dtmf-relay"))
		dtmf_info(s, msg);
	else if (msg_ctype_cmp(&msg->ctyp, "application",
			       "vnd.sipmob.bridge+json") &&
		 !s->dev->conf.basic && !s->dev->conf.mdsm)
		bridge_info(s, msg);
	else
		(void)sip_treply(NULL, sipep_sip(s->dev->ep), msg, 415,
				 "Unsupported Media Type");
	return true;
}

const struct sipleg_handlers dsession_handlers = {
	.resph = dsession_invite_resp,
	.offerh = offer_handler, .ackh = ack_handler,
	.closeh = close_handler, .reqh = request_handler,
};

int dsession_alloc(struct dsession **sp, struct device *dev,
		   const struct pl *referrer, bool want_audio, bool want_video,
		   struct mset *share)
{
	struct mset_conf mc;
	struct dsession *s;
	char path[512];
	int err = 0;

	s = mem_zalloc(sizeof(*s), session_destructor);
	if (!s)
		return ENOMEM;

	tmr_init(&s->tmr_report);
	s->id = ++dev->nsessions;
	media_conf(dev, &mc);
	mc.no_audio = mc.no_audio || !want_audio;
	if (!want_video)
		mc.video = MSET_VIDEO_NONE;
	if (mc.no_audio && mc.video == MSET_VIDEO_NONE) {
		mem_deref(s);
		return ENOTSUP;   /* none of what was asked for */
	}
	if (dev->record_dir && !mc.no_audio) {
		re_snprintf(path, sizeof(path), "%s/%s-%u-audio.wav",
			    dev->record_dir, dev->name, s->id);
		mc.record_path = path;
	}
	if (share)
		s->ms = mem_ref(share);
	else
		err = mset_alloc(&s->ms, &mc);
	err = err ? err : pl_strdup(&s->referrer, referrer);
	if (err) {
		mem_deref(s);
		return err;
	}
	s->dev = dev;
	list_append(&dev->sessions, &s->le, s);
	dev->last_dtmf = mem_deref(dev->last_dtmf);
	*sp = s;
	return 0;
}

int dsession_alloc_system(struct dsession **sp, struct device *dev,
			  const struct pl *referrer, const char *target,
			  const char *hdrs)
{
	struct dsession *s = mem_zalloc(sizeof(*s), session_destructor);
	int err;

	if (!s)
		return ENOMEM;
	tmr_init(&s->tmr_report);
	s->id = ++dev->nsessions;
	err  = pl_strdup(&s->referrer, referrer);
	err |= str_dup(&s->target, target);
	err |= str_dup(&s->hdrs, hdrs);
	if (err) {
		mem_deref(s);
		return err;
	}
	s->dev = dev;
	list_append(&dev->sessions, &s->le, s);
	*sp = s;
	return 0;
}

static void invite_handler(struct sipep *ep, struct sipleg *leg,
			   const struct sip_msg *msg, void *arg)
{
	struct device *dev = arg;
	struct dsession *s, *old = session_of(dev, sipleg_replaced(leg));
	(void)ep;

	/* A session that replaces another goes on with its media: the
	 * same streams (SSRC, sequence, tone) now go to the new party, as
	 * if the far end had only moved (RFC 3891 leaves this to us). */
	if (dsession_alloc(&s, dev, &msg->from.auri, true, true,
			   old ? old->ms : NULL)) {
		re_fprintf(stderr, "device: no media for %r\n",
			   &msg->from.auri);
		return;   /* the leg is declined with 480 */
	}

	s->leg = mem_ref(leg);
	s->invited = true;
	dsession_set_referrer_user(s, msg);
	s->replaces = mem_ref(sipleg_replaced(leg));
	sipleg_set_handlers(leg, &dsession_handlers, s);
	re_fprintf(stderr, "device: INVITE from %r (session %u)%s\n",
		   &msg->from.auri, s->id, s->replaces ?
		   ", replacing a dialog" : "");

	answer(s, msg);   /* a refusal closes the leg, and so frees s */
}

static int caps_handler(struct mbuf **descp, void *arg)
{
	struct device *dev = arg;

	return mset_caps(dev->caps, descp);
}

/* The H.263 sizes we show, largest first ("4CIF,CIF"; spec §6.2), for a
 * basic device's MN to put in its offers; without --video-sizes the sizes
 * of our fmtp "QCIF=1;CIF=1", in its order */
static int image_sizes_print(struct re_printf *pf, const char *list)
{
	struct sdesc_h263 h;

	if (!list || sdesc_h263_sizes_parse(&h, list, 1, NULL, NULL))
		return re_hprintf(pf, "QCIF,CIF");
	return sdesc_h263_print_names(pf, &h);
}

/* The attributes of our service:sip-device (docs/slp-templates.md). */
static int slp_attrs_print(struct re_printf *pf, const struct device *dev)
{
	const struct device_conf *c = &dev->conf;
	bool audio = !c->no_audio, video = c->video != MSET_VIDEO_NONE;
	const char *dir = c->video == MSET_VIDEO_DISPLAY ? "in" :
		c->video == MSET_VIDEO_CAMERA ? "out" : "both";
	int err;

	err  = re_hprintf(pf, "(room=%H)", slp_attr_escape, c->room);
	if (c->floor != INT32_MIN)
		err |= re_hprintf(pf, ",(floor=%d)", c->floor);
	if (c->building)
		err |= re_hprintf(pf, ",(building=%H)", slp_attr_escape,
				  c->building);
	if (c->has_position)
		err |= re_hprintf(pf, ",(x=%d),(y=%d)", c->pos_x, c->pos_y);
	err |= re_hprintf(pf, ",(media=%s%s%s),(direction=%s)",
			  audio ? "audio" : "", audio && video ? "," : "",
			  video ? "video" : "", audio && !video ? "both" :
			  dir);
	err |= re_hprintf(pf, ",(codecs=%s%s%s)",
			  audio ? (c->codecs ? c->codecs :
				   "PCMU,PCMA,G722,opus") : "",
			  audio && video ? "," : "",
			  video ? "H263-1998" : "");
	if (video)
		err |= re_hprintf(pf, ",(image-size=%H)", image_sizes_print,
				  c->video_sizes);
	err |= re_hprintf(pf, ",(vendor=sipmob " SIPMOB_VERSION ")");
	if (!c->basic)
		err |= re_hprintf(pf, ",mobility-enhanced");
	if (!c->mdsm)   /* the active-session indicator (spec §8.2) */
		err |= re_hprintf(pf, ",(in-use=%s)", dev->in_use ? "true" :
				  "false");
	if (c->mdsm)
		err |= re_hprintf(pf, ",multi-device-system");
	return err;
}

int device_slp_register(struct device *dev)
{
	struct slp_sa_conf sc;
	char *attrs = NULL;
	int err;

	memset(&sc, 0, sizeof(sc));
	sc.da = dev->conf.slp_da;
	sc.name = "device-sa";
	err = dev->sa ? 0 : slp_sa_alloc(&dev->sa, &sc);
	err = err ? err : re_sdprintf(&attrs, "%H", slp_attrs_print, dev);
	err = err ? err : slp_sa_register(dev->sa, sipep_uri(dev->ep),
					  SLP_TYPE_DEVICE, attrs, 300);
	if (!err)
		re_fprintf(stderr, "device: registered in SLP: %s %s\n",
			   sipep_uri(dev->ep), attrs);
	mem_deref(attrs);
	return err;
}

int device_alloc(struct device **devp, const struct device_conf *conf)
{
	struct sipep_conf ec;
	struct mset_conf mc;
	struct device *dev;
	int err;

	if (!devp || !conf || !conf->sip_listen)
		return EINVAL;

	dev = mem_zalloc(sizeof(*dev), device_destructor);
	if (!dev)
		return ENOMEM;

	dev->conf = *conf;
	err  = str_dup(&dev->name, conf->name ? conf->name : "device");
	err |= conf->owner ? str_dup(&dev->owner, conf->owner) : 0;
	err |= conf->record_dir ? str_dup(&dev->record_dir,
					  conf->record_dir) : 0;
	if (err)
		goto out;
	dev->conf.name = dev->name;
	dev->conf.record_dir = dev->record_dir;
	dev->conf.owner = dev->owner;
	err = device_presence_alloc(dev);
	if (err)
		goto out;

	memset(&ec, 0, sizeof(ec));
	ec.listen = conf->sip_listen;
	ec.trace = conf->trace;
	ec.tls_cert = conf->tls_cert;
	ec.tls_ca = conf->tls_ca;
	ec.tls_port = conf->tls_port;
	ec.user = dev->name;
	ec.display = dev->name;
	err = sipep_alloc(&dev->ep, &ec, invite_handler, dev);
	if (err)
		goto out;

	/* Media go out of the same address SIP listens on. */
	dev->media_addr = *sipep_laddr(dev->ep);
	sa_set_port(&dev->media_addr, 0);

	media_conf(dev, &mc);
	err = mset_alloc(&dev->caps, &mc);
	if (err)
		goto out;
	sipep_set_caps_handler(dev->ep, caps_handler, dev);
	if (conf->authz) {
		err = authz_attach(conf->authz, dev->ep,
				   conf->room_key ? dev : NULL);
		if (err)
			goto out;
	}
	if (!conf->basic) {   /* Session Handoff (spec §5.3) */
		sipep_set_refer_handler(dev->ep, device_refer_handler, dev);
		sipep_set_subscribe_handler(dev->ep, device_subscribe_handler,
					    dev);
	}

	if (conf->registrar) {
		err = sipep_register(dev->ep, conf->registrar, NULL,
				     conf->auth_user ? conf->auth_user :
				     dev->name, conf->password, 600, NULL,
				     NULL);
		if (err)
			goto out;
	}

	if (conf->mdsm)
		err = mdsm_start(dev);   /* registers once it knows the media */
	else if (conf->room)
		err = device_slp_register(dev);
	if (err) {
		re_fprintf(stderr, "device: cannot start: %m\n", err);
		goto out;
	}
	re_fprintf(stderr, "device: %s ready at %s%s\n", dev->name,
		   sipep_uri(dev->ep), conf->basic ? " (basic)" : "");

 out:
	if (err)
		mem_deref(dev);
	else
		*devp = dev;
	return err;
}

struct sipep *device_sipep(const struct device *dev)
{
	return dev ? dev->ep : NULL;
}

unsigned device_session_count(const struct device *dev)
{
	return dev ? list_count(&dev->sessions) : 0;
}

static int status(struct device *dev, struct odict *reply)
{
	struct odict *sessions, *streams, *o;
	struct le *le;
	int err;

	err  = ctl_put_str(reply, "name", dev->name);
	err |= ctl_put_str(reply, "uri", sipep_uri(dev->ep));
	err |= ctl_put_bool(reply, "basic", dev->conf.basic);
	err |= ctl_put_bool(reply, "in_use", dev->in_use);
	err |= device_presence_status(dev, reply);
	err |= ctl_put_str(reply, "in_use_by",
			   device_inputs_name(dev->inputs_used));
	err |= ctl_put_str(reply, "dtmf_received", dev->sessions.tail ?
			   mset_dtmf_received(((struct dsession *)
					       dev->sessions.tail->data)->ms) :
			   dev->last_dtmf ? dev->last_dtmf : "");
	err |= ctl_put_array(reply, "sessions", &sessions);
	err |= ctl_put_array(reply, "streams", &streams);
	if (err)
		return err;

	for (le = dev->sessions.head; le; le = le->next) {
		struct dsession *s = le->data;

		err |= ctl_array_obj(sessions, &o);
		if (err)
			break;
		err |= ctl_put_int(o, "id", s->id);
		err |= ctl_put_str(o, "remote", sipleg_remote_uri(s->leg));
		err |= ctl_put_str(o, "state",
				   sipleg_state_name(sipleg_state(s->leg)));
		if (s->ms)
			err |= mset_status(s->ms, streams);
		else
			err |= ctl_put_int(o, "members",
					   list_count(&s->members));
	}
	return err;
}

/* `dtmf DIGITS...`: to the far end of the latest session */
static int dtmf_command(struct device *dev, int argc, char *argv[],
			struct odict *reply)
{
	struct dsession *s = dev->sessions.tail ?
		dev->sessions.tail->data : NULL;
	char digits[DTMF_MAX_QUEUE + 1] = "", why[128];
	uint16_t scode;
	size_t n = 0;
	int err;

	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (l > sizeof(digits) - 1 - n) {
			re_snprintf(why, sizeof(why), "too many digits (at"
				    " most %d at once)", DTMF_MAX_QUEUE);
			ctl_put_str(reply, "error", why);
			return EINVAL;
		}
		memcpy(digits + n, argv[i], l + 1);
		n += l;
	}
	if (!n) {
		ctl_put_str(reply, "error", "usage: dtmf DIGITS (0-9 * # A-D)");
		return EINVAL;
	}
	if (!s) {
		ctl_put_str(reply, "error", "no session to send the digits in");
		return ENOENT;
	}
	err = mset_dtmf_send(s->ms, digits);
	if (err) {
		re_snprintf(why, sizeof(why), "session %u: %s", s->id,
			    dtmf_refusal(err, &scode));
		ctl_put_str(reply, "error", why);
		return err;
	}
	re_fprintf(stderr, "device: DTMF '%s' to %s (session %u)\n", digits,
		   sipleg_remote_uri(s->leg), s->id);
	return ctl_put_int(reply, "session", s->id) |
		ctl_put_str(reply, "digits", digits);
}

int device_command(struct device *dev, int argc, char *argv[],
		   struct odict *reply)
{
	if (!strcmp(argv[0], "status"))
		return status(dev, reply);

	if (!strcmp(argv[0], "playout")) {
		uint64_t since = argc > 1 ? strtoull(argv[1], NULL, 10) : 0;
		struct odict *runs;
		struct le *le;
		int err = ctl_put_array(reply, "playout", &runs);

		for (le = dev->sessions.head; le && !err; le = le->next) {
			struct dsession *s = le->data;

			err = s->ms ? mset_playout(s->ms, since, runs) : 0;
		}
		return err;
	}

	if (!strcmp(argv[0], "dtmf"))
		return dtmf_command(dev, argc, argv, reply);

	if (!strcmp(argv[0], "hangup")) {
		int n = (int)list_count(&dev->sessions);

		end_sessions(dev);   /* each sends its BYE */
		return ctl_put_int(reply, "ended", n);
	}

	(void)argc;
	ctl_put_str(reply, "error",
		    "unknown command (status, playout, dtmf, hangup)");
	return EINVAL;
}

void device_shutdown(struct device *dev)
{
	if (!dev)
		return;
	if (dev->sa)
		slp_sa_shutdown(dev->sa, NULL, NULL);  /* SrvDeReg to the DAs */
	dev->closing = true;
	end_sessions(dev);
	sipep_shutdown(dev->ep);
}
