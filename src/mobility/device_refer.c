/*
 * What a mobility-enhanced device does in Session Handoff mode (spec §5.3,
 * RFC 5631 §5.4):
 *
 * - A REFER whose Refer-To names the CN (Figure 4): we INVITE the CN with
 *   the Replaces and Referred-By it carries, offering the media its callee
 *   capabilities ask for (";audio;video"), and report to the referrer in
 *   NOTIFYs. The final one carries the new dialog's Call-ID and tags, so
 *   the referrer can retrieve the session later, and our playout report
 *   (the sipfrag's body), so it can measure the handoff.
 * - A nested REFER, Refer-To <MN;method=REFER?Refer-To=...> (Figure 5): we
 *   REFER the MN as asked, naming ourselves in Referred-By; the MN then
 *   replaces our session with the CN. Its outcome goes back to the
 *   referrer.
 * - SUBSCRIBE to the dialog event package (RFC 4235), by which an owner
 *   who never held a session finds the dialog to retrieve.
 *
 * Who may (spec §5.3.2, RFC 3891 §6): a REFER about a session we hold only
 * from the party who put it here or the device's owner; a REFER that
 * hands us a new call from anyone when we have no owner, else only from
 * the owner; dialog events only to the owner. Anyone else gets 403 and
 * nothing moves.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sip_hdrs.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include <sipmob/device.h>
#include <sipmob/sip_auth.h>
#include <sipmob/authz.h>
#include <sipmob/playout.h>
#include <sipmob/media_playlog.h>
#include <sipmob/dialog_info.h>
#include "device_priv.h"

enum {
	REPORT_POLL_MS   = 20,
	REPORT_PACKETS   = 10,    /* played before the final NOTIFY      */
	REPORT_WAIT_MS   = 3000,  /* at most this long after the 200     */
};

/* With Digest (authz.h) the owner is whoever proved the owner's secret;
 * without it, whoever writes the owner's URI in From, which anyone can. */
static bool is_owner(const struct device *dev, const struct sip_msg *msg)
{
	struct pl owner;

	if (dev->conf.authz)
		return authz_is_owner(dev->conf.authz,
				      sipep_auth_user(dev->ep, msg));
	if (!dev->owner)
		return false;
	pl_set_str(&owner, dev->owner);
	return sip_uri_same_party(&msg->from.auri, &owner);
}

void dsession_set_referrer_user(struct dsession *s, const struct sip_msg *msg)
{
	const char *user = sipep_auth_user(s->dev->ep, msg);

	s->referrer_user = mem_deref(s->referrer_user);
	if (user)
		(void)str_dup(&s->referrer_user, user);
}

/* The party who put session s here asks (RFC 3891 §6): with Digest, the
 * same user proved it; without, the From URI is the same. */
static bool is_referrer(const struct device *dev, const struct dsession *s,
			const struct sip_msg *msg)
{
	const char *user = sipep_auth_user(dev->ep, msg);
	struct pl referrer;

	if (dev->conf.authz)
		return user && s->referrer_user &&
			!strcmp(user, s->referrer_user);
	pl_set_str(&referrer, s->referrer);
	return sip_uri_same_party(&msg->from.auri, &referrer);
}

static void refuse(struct device *dev, const struct sip_msg *msg,
		   uint16_t scode, const char *reason, const char *why)
{
	re_fprintf(stderr, "device: REFER from %r refused (%u): %s\n",
		   &msg->from.auri, scode, why);
	(void)sip_treply(NULL, sipep_sip(dev->ep), msg, scode, reason);
}


/* Figure 4: the INVITE to the CN and its report */

/* {"playout":[...]} of what the session played, for the referrer */
static int playout_json(struct dsession *s, char **jsonp)
{
	struct odict *reply = NULL, *runs;
	int err;

	err  = odict_alloc(&reply, 8);
	err = err ? err : ctl_put_array(reply, "playout", &runs);
	err = err ? err : mset_playout(s->ms, 0, runs);
	err = err ? err : re_sdprintf(jsonp, "%H", json_encode_odict, reply);
	mem_deref(reply);
	return err;
}

/* The sipfrag's body: our playout report */
static int playout_part(struct re_printf *pf, struct dsession *s)
{
	char *json = NULL;
	int err;

	err = playout_json(s, &json);
	err = err ? err : re_hprintf(pf, "Content-Type: " PLAYOUT_CTYPE "\r\n"
				     "Content-Length: %zu\r\n\r\n%s",
				     strlen(json), json);
	mem_deref(json);
	return err;
}

void dsession_nested_report(struct dsession *s, uint16_t scode,
			    const char *reason)
{
	struct sipnotifier *not = s->nested_not;
	char *more = NULL;

	if (!not)
		return;
	s->nested_not = NULL;
	s->nested = mem_deref(s->nested);
	if (scode < 300)
		(void)re_sdprintf(&more, "%H", playout_part, s);
	(void)siprefer_notify(not, scode, reason, more, true);
	mem_deref(more);
	mem_deref(not);
}

static void final_notify(struct dsession *s)
{
	struct sipnotifier *not = s->not;
	char *more = NULL;
	int err;

	if (!not)
		return;
	s->not = NULL;
	tmr_cancel(&s->tmr_report);

	err = re_sdprintf(&more,
		"Call-ID: %s\r\n"
		"From: <%s>;tag=%s\r\n"
		"To: <%s>;tag=%s\r\n"
		"%H",
		sipleg_callid(s->leg), sipep_uri(s->dev->ep),
		sipleg_local_tag(s->leg), sipleg_remote_uri(s->leg),
		sipleg_remote_tag(s->leg), playout_part, s);
	if (err || siprefer_notify(not, 200, "OK", more, true))
		re_fprintf(stderr, "device: cannot report the handoff\n");
	mem_deref(more);
	mem_deref(not);
}

void dsession_report_now(struct dsession *s)
{
	final_notify(s);
}

/* The final NOTIFY waits until we play the CN (or gives up waiting), so
 * that its playout report shows when the user heard the far end here. */
static void report_poll(void *arg)
{
	struct dsession *s = arg;

	if (mset_played(s->ms) >= REPORT_PACKETS ||
	    playlog_now_ms() - s->t_answered >= REPORT_WAIT_MS)
		final_notify(s);
	else
		tmr_start(&s->tmr_report, REPORT_POLL_MS, report_poll, s);
}

void dsession_invite_resp(struct sipleg *leg, int err, uint16_t scode,
			  const struct sip_msg *msg, void *arg)
{
	struct dsession *s = arg;
	char why[128] = "";
	(void)leg;

	if (!err && scode < 200)
		return;

	if (!err && scode < 300) {
		if (dsession_transcoded(s) ?
		    dsession_tc_answered(s, msg) :
		    mset_accept_answer(s->ms, msg->mb, why, sizeof(why))) {
			re_fprintf(stderr, "device: unusable answer from %s:"
				   " %s\n", sipleg_remote_uri(s->leg), why);
			if (s->not)
				(void)siprefer_notify(s->not, 488,
						      "Not Acceptable Here",
						      NULL, true);
			mem_deref(s);
			return;
		}
		re_fprintf(stderr, "device: session %u with %s up (handed"
			   " over by %s)\n", s->id, sipleg_remote_uri(s->leg),
			   s->referrer);
		s->t_answered = playlog_now_ms();
		device_dialogs_changed(s->dev);
		device_in_use_update(s->dev);
		report_poll(s);
		return;
	}

	if (err)
		re_fprintf(stderr, "device: INVITE to %s failed: %m\n",
			   sipleg_remote_uri(s->leg), err);
	else
		re_fprintf(stderr, "device: INVITE to %s failed: %u %r\n",
			   sipleg_remote_uri(s->leg), scode, &msg->reason);
	if (s->not) {
		char reason[64] = "Failed";

		if (!err && pl_isset(&msg->reason))
			pl_strcpy(&msg->reason, reason, sizeof(reason));
		(void)siprefer_notify(s->not, err ? 408 : scode,
				      err ? "Request Timeout" : reason, NULL,
				      true);
	}
	mem_deref(s);
}

/* "Replaces: ...\r\nReferred-By: ...\r\n" for the INVITE a REFER asks */
static int invite_headers(char **hdrsp, const struct sip_msg *msg,
			  const struct sipreferto *rt, char *why,
			  size_t whysz)
{
	const struct sip_hdr *rb = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	struct sipreplaces r;
	int err;

	err = sipreferto_replaces(rt, &r, why, whysz);
	if (err == ENOENT)
		return re_sdprintf(hdrsp, "Referred-By: %r\r\n",
				   rb ? &rb->val : &msg->from.val);
	if (err)
		return err;
	/* Require: a CN that does not know Replaces must refuse (420),
	 * not take it for a second call (RFC 3891 §4) */
	return re_sdprintf(hdrsp, "Replaces: %H\r\nRequire: replaces\r\n"
			   "Referred-By: %r\r\n", sipreplaces_print, &r,
			   rb ? &rb->val : &msg->from.val);
}

static void refer_invite(struct device *dev, struct sipleg *leg,
			 const struct sip_msg *msg,
			 const struct sipreferto *rt)
{
	bool a = sipreferto_uparam(rt, "audio") != NULL;
	bool v = sipreferto_uparam(rt, "video") != NULL;
	struct dsession *s = NULL;
	char *hdrs = NULL, *target = NULL, why[128] = "";
	int err;

	/* with Digest the endpoint let through only users with "refer" */
	if (!dev->conf.authz && dev->owner && !is_owner(dev, msg)) {
		refuse(dev, msg, 403, "Forbidden", "only our owner may hand"
		       " us a call");
		return;
	}
	if (invite_headers(&hdrs, msg, rt, why, sizeof(why))) {
		refuse(dev, msg, 400, "Bad Refer-To", why[0] ? why :
		       "cannot build the INVITE");
		goto out;
	}
	if (dev->conf.mdsm) {   /* a multi-device system (mdsm.c) */
		if (sipreferto_invite_target(&target, rt))
			refuse(dev, msg, 400, "Bad Refer-To", "no target");
		else
			mdsm_refer(dev, leg, msg, target, hdrs);
		goto out;
	}
	/* no callee capability named: everything we have */
	if (dsession_alloc(&s, dev, &msg->from.auri, a || !v, v || !a,
			   NULL)) {
		refuse(dev, msg, 488, "Not Acceptable Here", "we have none"
		       " of the media asked for");
		goto out;
	}
	dsession_set_referrer_user(s, msg);
	err  = sipreferto_invite_target(&target, rt);
	err = err ? err : siprefer_accept(&s->not, dev->ep, leg, msg);
	if (err) {
		refuse(dev, msg, 500, "Server Internal Error", "no session");
		s = mem_deref(s);
		goto out;
	}
	re_fprintf(stderr, "device: REFER from %r: calling %s (session %u)\n",
		   &msg->from.auri, target, s->id);
	if (dsession_call_cn(s, target, hdrs)) {
		(void)siprefer_notify(s->not, 503, "Service Unavailable",
				      NULL, true);
		s = mem_deref(s);
	}
 out:
	mem_deref(hdrs);
	mem_deref(target);
}


/* Figure 5: the nested REFER */

static void nested_handler(int err, bool refused, uint16_t scode,
			   const struct pl *frag, const struct sip_msg *notify,
			   bool final, void *arg)
{
	struct dsession *s = arg;
	bool ok = !err && !refused && scode >= 200 && scode < 300;
	(void)frag;
	(void)notify;

	if (!final)
		return;
	re_fprintf(stderr, "device: our REFER for session %u %s (%m %u)\n",
		   s->id, ok ? "succeeded" : "failed", err, scode);
	if (ok)
		dsession_nested_report(s, 200, "OK");
	else if (err || !scode)
		dsession_nested_report(s, refused ? 503 : 408, refused ?
				       "Service Unavailable" :
				       "Request Timeout");
	else
		dsession_nested_report(s, scode, "Failed");
}

/* Our session that a Replaces, as the CN will read it, names: to-tag is
 * the CN's tag (our remote tag), from-tag ours. */
static struct dsession *session_named(struct device *dev,
				      const struct sipreplaces *r)
{
	for (struct le *le = dev->sessions.head; le; le = le->next) {
		struct dsession *s = le->data;

		if (s->leg && sipleg_state(s->leg) == SIPLEG_ESTABLISHED &&
		    !pl_strcmp(&r->callid, sipleg_callid(s->leg)) &&
		    !pl_strcmp(&r->to_tag, sipleg_remote_tag(s->leg)) &&
		    !pl_strcmp(&r->from_tag, sipleg_local_tag(s->leg)))
			return s;
	}
	return NULL;
}

static void refer_nested(struct device *dev, struct sipleg *leg,
			 const struct sip_msg *msg,
			 const struct sipreferto *rt)
{
	const struct pl *inner = sipreferto_header(rt, "Refer-To");
	struct sipreferto *irt = NULL;
	struct sipreplaces r;
	struct dsession *s;
	char *hdrs = NULL, *target = NULL, why[128] = "";
	int err;

	if (!inner || sipreferto_decode(&irt, inner, why, sizeof(why)) ||
	    sipreferto_replaces(irt, &r, why, sizeof(why))) {
		refuse(dev, msg, 400, "Bad Refer-To", why[0] ? why :
		       "a nested REFER needs a Refer-To with a Replaces");
		goto out;
	}
	s = session_named(dev, &r);
	if (!s) {
		refuse(dev, msg, 481, "Call/Transaction Does Not Exist",
		       "the Replaces names no session of ours");
		goto out;
	}
	if (!is_referrer(dev, s, msg) && !is_owner(dev, msg)) {
		refuse(dev, msg, 403, "Forbidden", "neither the session's"
		       " original participant nor our owner");
		goto out;
	}
	if (s->nested) {
		refuse(dev, msg, 491, "Request Pending", "a retrieval of this"
		       " session is in progress");
		goto out;
	}

	/* method=REFER is for us; the REFER goes to the bare URI */
	err  = pl_strdup(&target, &rt->base);
	err |= re_sdprintf(&hdrs, "Refer-To: %r\r\nReferred-By: <%s>\r\n",
			   inner, sipep_uri(dev->ep));
	err = err ? err : siprefer_accept(&s->nested_not, dev->ep, leg, msg);
	if (err) {
		refuse(dev, msg, 500, "Server Internal Error", "no REFER");
		goto out;
	}
	err = siprefer_send(&s->nested, dev->ep, NULL, target, hdrs,
			    nested_handler, s);
	if (err) {
		(void)siprefer_notify(s->nested_not, 503,
				      "Service Unavailable", NULL, true);
		s->nested_not = mem_deref(s->nested_not);
		goto out;
	}
	re_fprintf(stderr, "device: nested REFER from %r: REFER %s to take"
		   " session %u\n", &msg->from.auri, target, s->id);
 out:
	mem_deref(irt);
	mem_deref(hdrs);
	mem_deref(target);
}

void device_refer_handler(struct sipep *ep, struct sipleg *leg,
			  const struct sip_msg *msg, void *arg)
{
	struct device *dev = arg;
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	const struct sipparam *method;
	struct sipreferto *rt = NULL;
	char why[256] = "";
	uint16_t scode;

	/* spec §5.3.1, RFC 3892: who refers, proven by a signed token */
	scode = sipep_refer_token_check(ep, msg, why, sizeof(why));
	if (scode) {
		sipep_token_refuse(ep, msg, scode, why);
		return;
	}
	(void)sipep_keep_refer_token(ep, msg);   /* for the CN, if it asks */

	if (sipreferto_decode(&rt, &hdr->val, why, sizeof(why))) {
		refuse(dev, msg, 400, "Bad Refer-To", why);
		return;
	}
	method = sipreferto_uparam(rt, "method");
	if (method && pl_isset(&method->val) &&
	    !pl_strcasecmp(&method->val, "REFER"))
		refer_nested(dev, leg, msg, rt);
	else if (!method || !pl_isset(&method->val) ||
		 !pl_strcasecmp(&method->val, "INVITE"))
		refer_invite(dev, leg, msg, rt);
	else
		refuse(dev, msg, 501, "Not Implemented", "we refer only"
		       " INVITE and REFER");
	mem_deref(rt);
}


/* The dialog event package (RFC 4235) */

struct watcher {
	struct le le;
	struct device *dev;
	struct sipnotifier *not;
};

static void watcher_destructor(void *arg)
{
	struct watcher *w = arg;

	list_unlink(&w->le);
	mem_deref(w->not);
}

static void watcher_close(int err, void *arg)
{
	struct watcher *w = arg;

	re_fprintf(stderr, "device: dialog subscription ended (%m)\n", err);
	mem_deref(w);
}

static int dialogs_encode(struct device *dev, struct mbuf **mbp)
{
	struct dlginfo_dialog dv[DLGINFO_MAXDIALOGS];
	char ids[DLGINFO_MAXDIALOGS][16];
	struct dlginfo di;
	size_t n = 0;

	for (struct le *le = dev->sessions.head;
	     le && n < ARRAY_SIZE(dv); le = le->next) {
		struct dsession *s = le->data;

		if (!s->leg || sipleg_state(s->leg) != SIPLEG_ESTABLISHED)
			continue;
		re_snprintf(ids[n], sizeof(ids[n]), "s%u", s->id);
		dv[n] = (struct dlginfo_dialog){
			.id = ids[n],
			.call_id = sipleg_callid(s->leg),
			.local_tag = sipleg_local_tag(s->leg),
			.remote_tag = sipleg_remote_tag(s->leg),
			.direction = sipleg_is_uac(s->leg) ?
				DLGINFO_INITIATOR : DLGINFO_RECIPIENT,
			.state = DLGINFO_CONFIRMED,
			.local = {.identity = sipep_uri(dev->ep)},
			.remote = {.identity = sipleg_remote_uri(s->leg),
				   .target = sipleg_remote_target(s->leg)},
		};
		n++;
	}
	di = (struct dlginfo){.version = dev->dlg_version++,
			      .entity = sipep_uri(dev->ep),
			      .dialogv = dv, .dialogc = n};
	return dlginfo_encode(mbp, &di);
}

static void watcher_notify(struct watcher *w)
{
	struct mbuf *mb = NULL;

	if (dialogs_encode(w->dev, &mb) ||
	    sipnotifier_notify(w->not, mb, false))
		re_fprintf(stderr, "device: cannot send dialog state\n");
	mem_deref(mb);
}

void device_dialogs_changed(struct device *dev)
{
	if (dev->closing)
		return;
	for (struct le *le = dev->watchers.head; le; le = le->next)
		watcher_notify(le->data);
}

void device_subscribe_handler(struct sipep *ep, const struct sip_msg *msg,
			      const struct pl *event, void *arg)
{
	struct device *dev = arg;
	struct watcher *w;

	if (pl_strcasecmp(event, "dialog")) {
		(void)sip_treplyf(NULL, NULL, sipep_sip(ep), msg, false, 489,
				  "Bad Event", "Allow-Events: dialog, refer\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}
	/* with Digest the endpoint let through only users with "watch" */
	if (!dev->conf.authz && !is_owner(dev, msg)) {
		re_fprintf(stderr, "device: dialog subscription from %r"
			   " refused: not our owner\n", &msg->from.auri);
		(void)sip_treply(NULL, sipep_sip(ep), msg, 403, "Forbidden");
		return;
	}
	w = mem_zalloc(sizeof(*w), watcher_destructor);
	if (!w)
		return;
	w->dev = dev;
	if (sipnotifier_accept(&w->not, ep, msg, "application/dialog-info+xml",
			       watcher_close, w)) {
		(void)sip_treply(NULL, sipep_sip(ep), msg, 500,
				 "Server Internal Error");
		mem_deref(w);
		return;
	}
	list_append(&dev->watchers, &w->le, w);
	re_fprintf(stderr, "device: %r watches our dialogs\n",
		   &msg->from.auri);
	watcher_notify(w);
}
