/*
 * A multi-device system manager (spec §5.3.3, RFC 5631 §5.4.3, Figure 6):
 * one SIP URI for several devices, so that a handoff can split the
 * session among them and the CN still sees one call.
 *
 * On a REFER to the CN we use third-party call control (RFC 3725 flow I):
 * INVITE each member without SDP, put their offers together into one
 * INVITE with Replaces to the CN, and ACK each member with its part of
 * the CN's answer. A member that fails ends the attempt: the others get
 * BYE, the CN is never asked (or gets BYE), and the referrer's NOTIFY
 * says it failed. The system's session ends when the CN or any member
 * ends it. Its final NOTIFY carries, like a device's, the new dialog and
 * the playout its members report (asked with INFO, playout.h).
 *
 * The system's SLP registration (with --room) gives the union of its
 * members' media, asked with OPTIONS when we start.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include <sipmob/device.h>
#include <sipmob/playout.h>
#include <sipmob/slp.h>
#include "device_priv.h"

enum {
	REPORT_AFTER_MS = 400,    /* members play this long before we ask */
	MEMBER_WAIT_MS  = 5000,   /* every member answers within this     */
	REPORT_WAIT_MS  = 1500,
	CAPS_WAIT_MS    = 3000,
	MAX_MEMBERS     = 16,
	MAX_LINES       = 16,     /* m-lines of the system's session     */
};

struct member {
	struct le le;
	struct dsession *s;
	char *uri;
	struct sipleg *leg;
	struct sdesc *offer;      /* the member's media                 */
	struct sdesc *answer;     /* ... as its last answer gave them   */
	struct sdesc *part;       /* its share of the CN's media        */
	struct sdesc *next_part;  /* ... as a CN re-INVITE changes it   */
	bool changed;             /* took next_part (a re-INVITE 2xx)   */
	unsigned first;           /* its first m-line in the CN's offer */
	char *report;             /* its playout runs, "{...},{...}"    */
};

static void member_destructor(void *arg)
{
	struct member *m = arg;

	list_unlink(&m->le);
	sipleg_set_handlers(m->leg, NULL, NULL);
	sipleg_hangup(m->leg);
	mem_deref(m->leg);
	mem_deref(m->offer);
	mem_deref(m->answer);
	mem_deref(m->part);
	mem_deref(m->next_part);
	mem_deref(m->uri);
	mem_deref(m->report);
}

/* The n m-lines of sd from first on, into mv (MAX_LINES): a member's
 * share of a description of the whole session, or all of its own.
 * EPROTO when sd has fewer. */
static int lines_at(const struct sdesc_media **mv, const struct sdesc *sd,
		    unsigned first, unsigned n)
{
	if (n > MAX_LINES)
		return E2BIG;
	for (unsigned i = 0; i < n; i++) {
		mv[i] = sdesc_media(sd, first + i);
		if (!mv[i])
			return EPROTO;
	}
	return 0;
}

/* A member's SDP in a 2xx to our re-INVITE becomes its answer */
static bool keep_answer(struct member *m, const struct sip_msg *msg)
{
	struct sdesc *a = NULL;
	char why[128];

	if (sdesc_parse(&a, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			sizeof(why)))
		return false;
	mem_deref(m->answer);
	m->answer = a;
	return true;
}

/* Ends the system's session: BYE to every member and to the CN. */
static void session_end(struct dsession *s, const char *why)
{
	re_fprintf(stderr, "mdsm: session %u ends: %s\n", s->id, why);
	if (s->not)
		(void)siprefer_notify(s->not, 500, "Multi-Device System"
				      " Failed", NULL, true);
	s->not = mem_deref(s->not);
	list_flush(&s->members);
	mem_deref(s);   /* its leg's BYE, if any */
}

/* ---- the final NOTIFY: the new dialog and the members' playout -------- */

static int reports_print(struct re_printf *pf, struct dsession *s)
{
	const char *sep = "";
	int err = re_hprintf(pf, "{\"playout\":[");

	for (struct le *le = s->members.head; le && !err; le = le->next) {
		struct member *m = le->data;

		if (!m->report || !m->report[0])
			continue;
		err = re_hprintf(pf, "%s%s", sep, m->report);
		sep = ",";
	}
	return err | re_hprintf(pf, "]}");
}

static void final_notify(struct dsession *s)
{
	struct sipnotifier *not = s->not;
	char *json = NULL, *more = NULL;

	if (!not)
		return;
	s->not = NULL;
	tmr_cancel(&s->tmr_report);
	(void)re_sdprintf(&json, "%H", reports_print, s);
	(void)re_sdprintf(&more, "Call-ID: %s\r\n"
			  "From: <%s>;tag=%s\r\n"
			  "To: <%s>;tag=%s\r\n"
			  "Content-Type: " PLAYOUT_CTYPE "\r\n"
			  "Content-Length: %zu\r\n\r\n%s",
			  sipleg_callid(s->leg), sipep_uri(s->dev->ep),
			  sipleg_local_tag(s->leg), sipleg_remote_uri(s->leg),
			  sipleg_remote_tag(s->leg), json ? strlen(json) : 0,
			  json ? json : "");
	if (siprefer_notify(not, 200, "OK", more, true))
		re_fprintf(stderr, "mdsm: cannot report the handoff\n");
	mem_deref(json);
	mem_deref(more);
	mem_deref(not);
}

static bool reports_all_in(const struct dsession *s)
{
	for (struct le *le = s->members.head; le; le = le->next) {
		if (!((struct member *)le->data)->report)
			return false;
	}
	return true;
}

/* A member's playout report: its runs, kept as JSON text to pass on */
static void report_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct member *m = arg;
	struct pl body, runs;

	if (!m->s)
		return;
	body.p = msg ? (const char *)mbuf_buf(msg->mb) : NULL;
	body.l = msg ? mbuf_get_left(msg->mb) : 0;
	/* {"playout":[RUN,...]}: the runs, within the outer [ ] */
	runs.p = body.l ? memchr(body.p, '[', body.l) : NULL;
	while (runs.p && body.l && body.p[body.l - 1] != ']')
		body.l--;
	if (!err && msg && msg->scode < 300 && runs.p &&
	    body.p + body.l > runs.p + 1) {
		runs.l = (size_t)(body.p + body.l - runs.p) - 2;
		runs.p++;
		(void)pl_strdup(&m->report, &runs);
	}
	if (!m->report)
		(void)str_dup(&m->report, "");
	if (reports_all_in(m->s))
		final_notify(m->s);
}

static void reports_late(void *arg)
{
	final_notify(arg);
}

static void ask_reports(void *arg)
{
	struct dsession *s = arg;
	struct mbuf *q = mbuf_alloc(16);

	if (!q) {
		final_notify(s);
		return;
	}
	(void)mbuf_write_str(q, "{\"since\":0}");
	for (struct le *le = s->members.head; le; le = le->next) {
		struct member *m = le->data;

		q->pos = 0;
		if (sipleg_request(m->leg, "INFO", PLAYOUT_CTYPE, q,
				   report_handler, m))
			(void)str_dup(&m->report, "");
	}
	mem_deref(q);
	if (reports_all_in(s))
		final_notify(s);
	else
		tmr_start(&s->tmr_report, REPORT_WAIT_MS, reports_late, s);
}

/* ---- the CN leg --------------------------------------------------------- */

/* Each member's part of the CN's answer, in the member's own line order.
 * A member whose every line the CN refused (port 0) leaves the system's
 * session (our ACK, then BYE); the others go on. */
static int ack_members(struct dsession *s, const struct mbuf *mb)
{
	const struct sdesc_media *mv[MAX_LINES];
	struct sdesc *answer = NULL;
	struct le *le, *next;
	char why[128];
	int err;

	err = sdesc_parse(&answer, mbuf_buf(mb), mbuf_get_left(mb), why,
			  sizeof(why));
	if (err) {
		re_fprintf(stderr, "mdsm: bad answer from the CN: %s\n", why);
		return err;
	}
	for (le = s->members.head; le && !err; le = next) {
		struct member *m = le->data;
		unsigned n = sdesc_media_count(m->offer), taken = 0;
		struct sdesc *part = NULL;
		struct mbuf *body = NULL;

		next = le->next;
		err = lines_at(mv, answer, m->first, n);
		for (unsigned i = 0; i < n && !err; i++)
			taken += sdesc_media_port(mv[i]) != 0;
		if (!err && !taken) {
			re_fprintf(stderr, "mdsm: the CN took none of %s's"
				   " media: it leaves the session\n", m->uri);
			mem_deref(m);   /* ACK, then BYE */
			continue;
		}
		err = err ? err : sdesc_merge(&part, NULL, mv, n);
		err = err ? err : sdesc_encode(&body, part);
		err = err ? err : sipleg_ack(m->leg, body);
		if (!err) {
			mem_deref(m->part);
			m->part = mem_ref(part);
		}
		mem_deref(part);
		mem_deref(body);
	}
	mem_deref(answer);
	return err ? err : s->members.head ? 0 : ENOENT;
}

static void cn_resp(struct sipleg *leg, int err, uint16_t scode,
		    const struct sip_msg *msg, void *arg)
{
	struct dsession *s = arg;
	char why[96];
	(void)leg;

	if (!err && scode < 200)
		return;
	if (err || scode >= 300) {
		if (s->not)
			(void)siprefer_notify(s->not, err ? 408 : scode,
					      "Failed", NULL, true);
		s->not = mem_deref(s->not);
		re_snprintf(why, sizeof(why), "the CN answered %u (%m)",
			    scode, err);
		session_end(s, why);
		return;
	}
	if (ack_members(s, msg->mb)) {
		session_end(s, "cannot give the members the CN's answer");
		return;
	}
	re_fprintf(stderr, "mdsm: session %u with %s up, %u members\n", s->id,
		   sipleg_remote_uri(s->leg), list_count(&s->members));
	device_dialogs_changed(s->dev);
	tmr_start(&s->tmr_report, REPORT_AFTER_MS, ask_reports, s);
}

/* ---- the CN's re-INVITE, passed on to each member (as the MN does in
 * MNC, RFC 5631 §7): each member gets its share of the CN's offer, and
 * the CN the answers put together; if a member refuses, the CN gets 488
 * and the members that had taken the change get their old share back. */

static void members_reinvite_done(struct dsession *s);

static void member_reinvite_resp(struct sipleg *leg, int err, uint16_t scode,
				 const struct sip_msg *msg, void *arg)
{
	struct member *m = arg;
	struct dsession *s = m->s;
	(void)leg;

	if (!err && scode < 200)
		return;
	if (!err && scode < 300) {
		m->changed = keep_answer(m, msg);
		s->fwd_failed |= !m->changed;
	}
	else {
		re_fprintf(stderr, "mdsm: member %s refused the CN's change:"
			   " %u (%m)\n", m->uri, scode, err);
		s->fwd_failed = true;
	}
	if (--s->fwd_pending == 0)
		members_reinvite_done(s);
}

static int member_reinvite(struct member *m, struct sdesc *part,
			   sipleg_resp_h *resph)
{
	struct mbuf *body = NULL;
	int err;

	err = sdesc_encode(&body, part);
	err = err ? err : sipleg_reinvite_h(m->leg, body, false, resph, m);
	mem_deref(body);
	return err;
}

/* The member's answer to its old share: what it sends now */
static void rollback_resp(struct sipleg *leg, int err, uint16_t scode,
			  const struct sip_msg *msg, void *arg)
{
	(void)leg;

	if (!err && scode >= 200 && scode < 300)
		(void)keep_answer(arg, msg);
}

/* A member that took a change the CN is refused gets its old share back,
 * as a new version of what it was last sent (RFC 3264 §8). */
static void roll_back(struct member *m)
{
	const struct sdesc_media *mv[MAX_LINES];
	unsigned n = sdesc_media_count(m->part);
	struct sdesc *old = NULL;

	if (lines_at(mv, m->part, 0, n) ||
	    sdesc_merge(&old, m->next_part, mv, n) ||
	    member_reinvite(m, old, rollback_resp))
		re_fprintf(stderr, "mdsm: cannot restore %s\n", m->uri);
	mem_deref(old);
}

/* The answer to the CN: each member's lines from its latest answer; a
 * line no member holds (one the CN refused before) refused again. */
static int combined_answer(struct dsession *s, struct sdesc **ansp)
{
	const struct sdesc_media *mv[MAX_LINES];
	struct sdesc *rej = NULL;
	unsigned n = sdesc_media_count(s->fwd_offer);
	int err;

	if (n > ARRAY_SIZE(mv))
		return E2BIG;
	err = sdesc_dup(&rej, s->fwd_offer);
	for (unsigned i = 0; i < n && !err; i++) {
		mv[i] = NULL;
		for (struct le *le = s->members.head; le; le = le->next) {
			struct member *m = le->data;
			const struct sdesc *d = m->answer ? m->answer :
				m->offer;

			if (i >= m->first &&
			    i < m->first + sdesc_media_count(d))
				mv[i] = sdesc_media(d, i - m->first);
		}
		if (!mv[i]) {
			err = sdesc_media_disable(sdesc_media(rej, i));
			mv[i] = sdesc_media(rej, i);
		}
	}
	err = err ? err : sdesc_merge(ansp, s->cn_local, mv, n);
	mem_deref(rej);
	return err;
}

static void members_reinvite_done(struct dsession *s)
{
	struct sdesc *ans = NULL;
	struct mbuf *body = NULL;
	int err = s->fwd_failed ? EPROTO : 0;

	err = err ? err : combined_answer(s, &ans);
	err = err ? err : sdesc_encode(&body, ans);
	for (struct le *le = s->members.head; le; le = le->next) {
		struct member *m = le->data;

		if (!err && m->next_part) {
			mem_deref(m->part);
			m->part = m->next_part;
			m->next_part = NULL;
		}
		else if (m->changed) {   /* roll back: its old share again */
			roll_back(m);
		}
		m->next_part = mem_deref(m->next_part);
		m->changed = false;
	}
	if (err) {
		re_fprintf(stderr, "mdsm: session %u: the CN's change refused"
			   " (%m)\n", s->id, err);
		(void)sipleg_reply(s->leg, 488, "Not Acceptable Here", NULL);
	}
	else {
		mem_deref(s->cn_local);
		s->cn_local = mem_ref(ans);
		(void)sipleg_reply(s->leg, 200, "OK", body);
		re_fprintf(stderr, "mdsm: session %u: the CN's change passed on"
			   " to %u members\n", s->id, list_count(&s->members));
	}
	s->fwd_offer = mem_deref(s->fwd_offer);
	mem_deref(ans);
	mem_deref(body);
}

static void cn_offer(struct sipleg *leg, const struct sip_msg *msg,
		     void *arg)
{
	const struct sdesc_media *mv[MAX_LINES];
	struct dsession *s = arg;
	struct sdesc *offer = NULL;
	char why[128];
	int err = 0;

	if (s->fwd_offer) {
		(void)sipleg_reply(leg, 491, "Request Pending", NULL);
		return;
	}
	if (!mbuf_get_left(msg->mb)) {
		/* an offer of ours would need each member's; not done */
		(void)sipleg_reply(leg, 488, "Not Acceptable Here", NULL);
		return;
	}
	if (sdesc_parse(&offer, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			why, sizeof(why))) {
		re_fprintf(stderr, "mdsm: bad re-INVITE SDP: %s\n", why);
		(void)sipleg_reply(leg, 400, "Bad SDP", NULL);
		return;
	}
	s->fwd_offer = offer;
	s->fwd_failed = false;
	s->fwd_pending = 1;   /* held while we send */
	for (struct le *le = s->members.head; le && !err; le = le->next) {
		struct member *m = le->data;
		unsigned n = sdesc_media_count(m->offer);

		err = lines_at(mv, offer, m->first, n);
		if (err)
			break;
		m->next_part = mem_deref(m->next_part);
		err = sdesc_merge(&m->next_part, m->part, mv, n);
		err = err ? err : member_reinvite(m, m->next_part,
						  member_reinvite_resp);
		if (!err)
			s->fwd_pending++;
	}
	if (err)
		s->fwd_failed = true;
	if (--s->fwd_pending == 0)
		members_reinvite_done(s);
}

static void cn_close(struct sipleg *leg, int err, const struct sip_msg *msg,
		     void *arg)
{
	struct dsession *s = arg;
	(void)leg;
	(void)msg;
	(void)err;

	if (s->nested_not)   /* replaced as our nested REFER asked */
		dsession_nested_report(s, 200, "OK");
	session_end(s, "the CN ended it");
}

static const struct sipleg_handlers cn_handlers = {
	.resph = cn_resp, .offerh = cn_offer, .closeh = cn_close,
};

/* ---- the members -------------------------------------------------------- */

static void invite_cn(struct dsession *s)
{
	const struct sdesc_media *mv[MAX_LINES];
	struct sdesc *offer = NULL;
	struct mbuf *body = NULL;
	unsigned n = 0;
	int err = 0;

	for (struct le *le = s->members.head; le; le = le->next) {
		struct member *m = le->data;

		m->first = n;
		for (unsigned i = 0; i < sdesc_media_count(m->offer); i++) {
			if (n >= ARRAY_SIZE(mv)) {
				err = E2BIG;
				break;
			}
			mv[n++] = sdesc_media(m->offer, i);
		}
	}
	err = err ? err : sdesc_merge(&offer, NULL, mv, n);
	err = err ? err : sdesc_encode(&body, offer);
	err = err ? err : sipleg_connect(&s->leg, s->dev->ep, s->target,
					 s->hdrs, body, false, &cn_handlers,
					 s);
	if (!err) {
		mem_deref(s->cn_local);
		s->cn_local = mem_ref(offer);
	}
	mem_deref(offer);
	mem_deref(body);
	if (err) {
		session_end(s, "cannot INVITE the CN");
		return;
	}
	re_fprintf(stderr, "mdsm: session %u: INVITE %s with %u m-lines from"
		   " %u members\n", s->id, s->target, n,
		   list_count(&s->members));
}

static void member_resp(struct sipleg *leg, int err, uint16_t scode,
			const struct sip_msg *msg, void *arg)
{
	struct member *m = arg;
	struct dsession *s = m->s;
	char why[128];
	(void)leg;

	if (!err && scode < 200)
		return;
	if (!err && scode < 300 &&
	    !sdesc_parse(&m->offer, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			 why, sizeof(why))) {
		for (struct le *le = s->members.head; le; le = le->next) {
			if (!((struct member *)le->data)->offer)
				return;   /* more to come */
		}
		tmr_cancel(&s->tmr_report);
		invite_cn(s);
		return;
	}
	re_snprintf(why, sizeof(why), "member %s answered %u (%m)", m->uri,
		    scode, err);
	if (s->not)
		(void)siprefer_notify(s->not, 503, "Member Failed", NULL,
				      true);
	s->not = mem_deref(s->not);
	session_end(s, why);
}

static void member_close(struct sipleg *leg, int err,
			 const struct sip_msg *msg, void *arg)
{
	struct member *m = arg;
	char why[128];
	(void)leg;
	(void)msg;

	re_snprintf(why, sizeof(why), "member %s left (%m)", m->uri, err);
	session_end(m->s, why);
}

static const struct sipleg_handlers member_handlers = {
	.resph = member_resp, .closeh = member_close,
};

static void members_late(void *arg)
{
	struct dsession *s = arg;

	if (s->not)
		(void)siprefer_notify(s->not, 408, "Member Timeout", NULL,
				      true);
	s->not = mem_deref(s->not);
	session_end(s, "a member did not answer in time");
}

void mdsm_refer(struct device *dev, struct sipleg *leg,
		const struct sip_msg *msg, const char *target,
		const char *hdrs)
{
	struct dsession *s = NULL;
	int err;

	if (!dev->memberc) {
		re_fprintf(stderr, "mdsm: REFER from %r refused: no members\n",
			   &msg->from.auri);
		(void)sip_treply(NULL, sipep_sip(dev->ep), msg, 503,
				 "Service Unavailable");
		return;
	}
	err = dsession_alloc_system(&s, dev, &msg->from.auri, target, hdrs);
	if (!err)
		dsession_set_referrer_user(s, msg);
	err = err ? err : siprefer_accept(&s->not, dev->ep, leg, msg);
	if (err) {
		re_fprintf(stderr, "mdsm: cannot take the REFER: %m\n", err);
		(void)sip_treply(NULL, sipep_sip(dev->ep), msg, 500,
				 "Server Internal Error");
		mem_deref(s);
		return;
	}
	for (size_t i = 0; i < dev->memberc && !err; i++) {
		struct member *m = mem_zalloc(sizeof(*m), member_destructor);

		if (!m) {
			err = ENOMEM;
			break;
		}
		m->s = s;
		list_append(&s->members, &m->le, m);
		err = str_dup(&m->uri, dev->members[i]);
		/* RFC 3725 flow I: no SDP, each member offers in its 2xx */
		err = err ? err : sipleg_connect(&m->leg, dev->ep, m->uri, NULL,
						 NULL, true, &member_handlers,
						 m);
	}
	if (err) {
		session_end(s, "cannot INVITE the members");
		return;
	}
	tmr_start(&s->tmr_report, MEMBER_WAIT_MS, members_late, s);
	re_fprintf(stderr, "mdsm: REFER from %r: inviting %zu members for"
		   " session %u\n", &msg->from.auri, dev->memberc,
		   s->id);
}

/* ---- the system's capabilities, for SLP -------------------------------- */

struct caps_query {
	struct device *dev;       /* NULL once the device is gone */
	unsigned pending;
	bool audio, video;
	struct tmr tmr;
	bool done;
};

static void caps_destructor(void *arg)
{
	tmr_cancel(&((struct caps_query *)arg)->tmr);
}

void mdsm_caps_forget(struct caps_query *q)
{
	if (!q)
		return;
	q->dev = NULL;
	tmr_cancel(&q->tmr);
	mem_deref(q);
}

static void caps_done(struct caps_query *q)
{
	struct device *dev = q->dev;

	if (q->done || !dev)
		return;
	q->done = true;
	tmr_cancel(&q->tmr);
	dev->conf.no_audio = !q->audio;
	dev->conf.video = q->video ? MSET_VIDEO_BOTH : MSET_VIDEO_NONE;
	if (!q->audio && !q->video)
		re_fprintf(stderr, "mdsm: no member told its media\n");
	else if (dev->conf.room && device_slp_register(dev))
		re_fprintf(stderr, "mdsm: SLP registration failed\n");
}

static void caps_late(void *arg)
{
	re_fprintf(stderr, "mdsm: not every member answered OPTIONS\n");
	caps_done(arg);
}

static void options_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct caps_query *q = arg;
	struct sdesc *sd = NULL;
	char why[96];

	if (!err && msg && msg->scode < 300 &&
	    !sdesc_parse(&sd, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			 sizeof(why))) {
		for (unsigned i = 0; i < sdesc_media_count(sd); i++) {
			const struct sdesc_media *m = sdesc_media(sd, i);

			q->audio |= sdesc_media_type(m) == SDESC_AUDIO;
			q->video |= sdesc_media_type(m) == SDESC_VIDEO;
		}
	}
	mem_deref(sd);
	if (--q->pending == 0)
		caps_done(q);
	mem_deref(q);
}

static int ask_caps(struct device *dev)
{
	struct caps_query *q = mem_zalloc(sizeof(*q), caps_destructor);

	if (!q)
		return ENOMEM;
	q->dev = dev;
	tmr_init(&q->tmr);
	for (size_t i = 0; i < dev->memberc; i++) {
		if (!sipep_options(dev->ep, dev->members[i],
				   options_handler, mem_ref(q)))
			q->pending++;
		else
			mem_deref(q);
	}
	dev->mdsm_caps = q;   /* the device's reference */
	if (!q->pending)
		caps_done(q);
	else
		tmr_start(&q->tmr, CAPS_WAIT_MS, caps_late, q);
	return 0;
}

/* ---- the members: named, or found through SLP --------------------------- */

static int member_add(struct device *dev, const struct pl *uri)
{
	for (size_t i = 0; i < dev->memberc; i++) {
		if (!pl_strcmp(uri, dev->members[i]))
			return 0;
	}
	if (dev->memberc == MAX_MEMBERS)
		return E2BIG;
	if (!dev->members) {
		dev->members = mem_zalloc(MAX_MEMBERS * sizeof(char *), NULL);
		if (!dev->members)
			return ENOMEM;
	}
	if (pl_strdup(&dev->members[dev->memberc], uri))
		return ENOMEM;
	dev->memberc++;
	return 0;
}

/* Every service:sip-device that matches, but ourselves and other systems
 * (a system of systems would nest 3PCC without need). */
static void members_found(int err, const struct slp_device *v, size_t n,
			  void *arg)
{
	struct device *dev = arg;
	struct pl self;

	pl_set_str(&self, sipep_uri(dev->ep));
	for (size_t i = 0; !err && i < n; i++) {
		if (sip_uri_same_party(&v[i].url, &self) ||
		    (v[i].parsed && slp_attrs_find(v[i].parsed,
				&(struct pl)PL("multi-device-system"))))
			continue;
		if (member_add(dev, &v[i].url))
			break;
		re_fprintf(stderr, "mdsm: member %r (SLP)\n", &v[i].url);
	}
	if (err)
		re_fprintf(stderr, "mdsm: SLP query for members failed: %m\n",
			   err);
	if (!dev->memberc)
		re_fprintf(stderr, "mdsm: no members: a REFER will be"
			   " refused\n");
	(void)ask_caps(dev);
}

int mdsm_start(struct device *dev)
{
	struct slp_ua_conf uc;
	struct pl uri;
	int err = 0;

	for (size_t i = 0; i < dev->conf.memberc && !err; i++) {
		pl_set_str(&uri, dev->conf.members[i]);
		err = member_add(dev, &uri);
	}
	if (err || !dev->conf.members_pred)
		return err ? err : ask_caps(dev);

	memset(&uc, 0, sizeof(uc));
	uc.da = dev->conf.slp_da;
	err = slp_ua_alloc(&dev->ua, &uc);
	err = err ? err : slp_ua_find_devices(dev->ua,
					      dev->conf.members_pred,
					      members_found, dev);
	return err;
}
