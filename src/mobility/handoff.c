/*
 * Session Handoff mode (spec §5.3, RFC 5631 §5.4): the session moves
 * whole, signalling and media, to one device, and comes back.
 *
 * Handoff (Figure 4): we REFER the device to the CN, Refer-To
 * <CN;audio;video?Replaces=OUR-DIALOG> with Referred-By us. The device
 * INVITEs the CN with that Replaces; the CN takes the new dialog and
 * BYEs ours. The device's final NOTIFY carries the new dialog's Call-ID
 * and tags, which we keep to retrieve the session, and its playout
 * report, from which the handoff is measured like an MNC transfer. Until
 * the CN's BYE we keep playing what it sends; if no BYE comes within a
 * few seconds of the final NOTIFY, we send ours.
 *
 * Retrieval (Figure 5): we cannot replace the device's dialog ourselves
 * (the CN takes a Replaces from that dialog's party, RFC 3891 §6), so we
 * REFER the device to REFER us: Refer-To <US;method=REFER?Refer-To=
 * <CN;audio;video?Replaces=ITS-DIALOG>>. Its REFER comes back naming
 * itself in Referred-By; we INVITE the CN with the Replaces and that
 * Referred-By, and the CN BYEs the device. When we never held the
 * session (`retrieve --from DEVICE`), the device's dialog event package
 * (RFC 4235) tells us the dialog first.
 *
 * A failure anywhere leaves the session where it was, and last_transfer
 * says why.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sip_hdrs.h>
#include <sipmob/dialog_info.h>
#include <sipmob/playout.h>
#include "mn_priv.h"

enum {
	HANDOFF_TIMEOUT_MS = 15000,  /* REFER to final NOTIFY              */
	BYE_WAIT_MS        = 3000,   /* the CN's BYE after the NOTIFY      */
	REPORT_WAIT_MS     = 3000,   /* the device's report, on retrieval  */
	REPORT_PACKETS     = 10,     /* we play this much before measuring */
	LOOKBACK_MS        = 250,    /* as in xfer.c                       */
	DIALOG_EXPIRES_S   = 60,
	MAX_GLARE_TRIES    = 4,
	BUSY_POLL_MS       = 20,     /* the call is busy with an offer:    */
	BUSY_WAIT_MS       = 4000,   /* look again, for at most this long  */
	MN_SRC = 0, DEVICE_SRC = 1,  /* playout sources in the metrics     */
};

struct handoff {
	struct mn *mn;
	bool retrieve;
	char *device;
	uint64_t t_cmd;
	struct tmr tmr;
	struct siprefer *refer;      /* ours to the device                 */
	struct sipsubscr *sub;       /* its dialog events (retrieve --from) */
	struct sipnotifier *not;     /* its REFER to us (retrieval)        */
	struct report *report;       /* what each side played             */
	bool own_taken;              /* our runs are in the report         */
	bool signaled;               /* signaling_ms is known              */
	unsigned tries;              /* REFERs sent again after a 491      */
	bool cn_taken;               /* retrieval: the CN took our INVITE  */
	bool dev_reported;           /* retrieval: its final NOTIFY came   */
	bool audio, video;
	char *cn;                    /* where the CN is reached (handoff)   */
	xfer_done_h *h;
	void *arg;
	struct ladder ladder;        /* its SIP steps, for status           */
};

static void finish(struct handoff *ho, const char *error);
static void retrieval_poll(void *arg);
static bool glare_retry(struct handoff *ho, uint16_t scode);

static bool call_has(const struct mn *mn, const char *type)
{
	unsigned v[1];

	return place_lines_of(mn->cn_remote, type, v, 1) > 0;
}

static void handed_clear(struct handed *hd)
{
	hd->device = mem_deref(hd->device);
	hd->cn = mem_deref(hd->cn);
	hd->call_id = mem_deref(hd->call_id);
	hd->dev_tag = mem_deref(hd->dev_tag);
	hd->cn_tag = mem_deref(hd->cn_tag);
	hd->valid = false;
}

void handoff_forget(struct mn *mn)
{
	handed_clear(&mn->handed);
}

const char *handoff_state(const struct mn *mn)
{
	if (mn->ho)
		return mn->ho->retrieve ? "retrieving" : "handing-off";
	return mn->handed.valid ? "handed-off" : "none";
}

static void destructor(void *arg)
{
	struct handoff *ho = arg;

	tmr_cancel(&ho->tmr);
	mem_deref(ho->refer);
	mem_deref(ho->sub);
	mem_deref(ho->not);
	mem_deref(ho->report);
	mem_deref(ho->device);
	mem_deref(ho->cn);
}

static int handoff_alloc(struct handoff **hop, struct mn *mn,
			 const char *device, bool retrieve, xfer_done_h *h,
			 void *arg)
{
	struct handoff *ho = mem_zalloc(sizeof(*ho), destructor);

	if (!ho)
		return ENOMEM;
	tmr_init(&ho->tmr);
	ho->mn = mn;
	ho->retrieve = retrieve;
	ho->t_cmd = playlog_now_ms();
	ho->h = h;
	ho->arg = arg;
	ho->report = report_alloc();
	if (!ho->report || str_dup(&ho->device, device)) {
		mem_deref(ho);
		return ENOMEM;
	}
	*hop = ho;
	return 0;
}

/* Our own playout, before the call (and its media) goes. */
static void take_own_runs(struct handoff *ho)
{
	if (ho->own_taken || !ho->mn->ms)
		return;
	report_add_own(ho->report, ho->mn->ms, ho->t_cmd - LOOKBACK_MS);
	ho->own_taken = true;
}

/* The CN ends our dialog: in a handoff, because it took the device's. */
void handoff_call_ending(struct mn *mn)
{
	struct handoff *ho = mn->ho;

	if (!ho || ho->retrieve)
		return;
	take_own_runs(ho);
	if (!ho->signaled) {
		mn->last.signaling_ms = playlog_now_ms() - ho->t_cmd;
		ho->signaled = true;
	}
}

/* One NOTIFY (or the REFER's own failure) on the ladder. */
static void ladder_note(struct handoff *ho, int err, bool refused,
			uint16_t scode, bool final)
{
	if (err)
		ladder_add(&ho->ladder, ho->t_cmd, "REFER failed");
	else if (refused)
		ladder_add(&ho->ladder, ho->t_cmd, "REFER refused %u", scode);
	else
		ladder_add(&ho->ladder, ho->t_cmd, "NOTIFY <- device: %u%s",
			   scode, final ? " (final)" : "");
}

static void finish(struct handoff *ho, const char *error)
{
	struct mn *mn = ho->mn;
	struct last_transfer *lt = &mn->last;
	xfer_done_h *h = ho->h;

	report_outcome(lt, ho->retrieve, "handoff", error);
	lt->ladder = ho->ladder;
	if (!error) {
		take_own_runs(ho);
		report_metrics(ho->report, ho->t_cmd - LOOKBACK_MS,
			       ho->t_cmd, ho->retrieve ? MN_SRC : DEVICE_SRC,
			       ho->retrieve ? MN_SRC : DEVICE_SRC, ho->video,
			       true, lt);
	}
	mn->ho = NULL;
	ho->h = NULL;
	if (h)
		h(error ? EPROTO : 0, lt, ho->arg);
	mem_deref(ho);
}

void handoff_abort(struct mn *mn)
{
	if (mn->ho)
		finish(mn->ho, "stopped");
}

static void timeout(void *arg)
{
	struct handoff *ho = arg;

	finish(ho, ho->retrieve ? "the session did not come back in time" :
	       "no final NOTIFY from the device in time; the call stays"
	       " here");
}

/* ---- the sipfrag of a final NOTIFY -------------------------------------- */

/* The tag parameter of a From or To value */
static bool addr_tag(const struct pl *val, struct pl *tag)
{
	struct sip_addr addr;

	if (sip_addr_decode(&addr, val) ||
	    msg_param_decode(&addr.params, "tag", tag))
		return false;
	return true;
}

/* The device's playout report, the body of its final NOTIFY's sipfrag */
static void take_device_report(struct handoff *ho, const struct pl *frag)
{
	struct sipfrag f;
	struct pl ctype;

	if (!frag || sipfrag_decode(&f, frag) ||
	    !sipfrag_header(&f, "Content-Type", &ctype) ||
	    pl_strcasecmp(&ctype, PLAYOUT_CTYPE) || !pl_isset(&f.body) ||
	    report_add_json(ho->report, DEVICE_SRC, &f.body))
		re_fprintf(stderr, "mn: the device sent no playout report\n");
}

/* ---- handoff (Figure 4) ------------------------------------------------- */

/* What the device's final NOTIFY says of the dialog it made with the CN */
static int handed_record(struct handoff *ho, const struct pl *frag)
{
	struct mn *mn = ho->mn;
	struct handed *hd = &mn->handed;
	struct pl callid, from, to, ftag, ttag;
	struct sipfrag f;
	int err;

	if (!frag || sipfrag_decode(&f, frag) ||
	    !sipfrag_header(&f, "Call-ID", &callid) ||
	    !sipfrag_header(&f, "From", &from) ||
	    !sipfrag_header(&f, "To", &to) || !addr_tag(&from, &ftag) ||
	    !addr_tag(&to, &ttag))
		return EBADMSG;

	handed_clear(hd);
	err  = str_dup(&hd->device, ho->device);
	err |= str_dup(&hd->cn, ho->cn);
	err |= pl_strdup(&hd->call_id, &callid);
	err |= pl_strdup(&hd->dev_tag, &ftag);
	err |= pl_strdup(&hd->cn_tag, &ttag);
	if (err) {
		handed_clear(hd);
		return err;
	}
	hd->audio = ho->audio;
	hd->video = ho->video;
	hd->valid = true;
	return 0;
}

static void bye_wait_over(void *arg)
{
	struct handoff *ho = arg;
	struct mn *mn = ho->mn;

	if (mn->state != MN_IDLE) {
		re_fprintf(stderr, "mn: the CN did not end our dialog after"
			   " the handoff: BYE\n");
		call_end(mn);
	}
	finish(ho, NULL);
}

static void handoff_notified(int err, bool refused, uint16_t scode,
			     const struct pl *frag,
			     const struct sip_msg *notify, bool final,
			     void *arg)
{
	struct handoff *ho = arg;
	struct mn *mn = ho->mn;
	char why[192];

	ladder_note(ho, err, refused, scode, final);
	(void)notify;

	if (!final) {
		re_fprintf(stderr, "mn: handoff to %s: %u\n", ho->device,
			   scode);
		return;
	}
	ho->refer = mem_deref(ho->refer);

	if (refused || err) {
		re_snprintf(why, sizeof(why), "the device refused the REFER"
			    " (%s); the call stays here", err ? "no answer" :
			    "");
		if (!err)
			re_snprintf(why, sizeof(why), "the device refused the"
				    " REFER (%u); the call stays here", scode);
		finish(ho, why);
		return;
	}
	if (glare_retry(ho, scode))
		return;
	if (scode < 200 || scode >= 300) {
		re_snprintf(why, sizeof(why), "the device's INVITE to the CN"
			    " failed (%u%s); the call stays here", scode,
			    scode == 420 ? ": the CN does not take Replaces" :
			    "");
		finish(ho, why);
		return;
	}
	if (handed_record(ho, frag))
		re_fprintf(stderr, "mn: the device's final NOTIFY lacks the"
			   " new dialog; it cannot be retrieved by REFER\n");
	take_device_report(ho, frag);
	take_own_runs(ho);
	if (!ho->signaled)
		mn->last.signaling_ms = playlog_now_ms() - ho->t_cmd;
	re_fprintf(stderr, "mn: handed off to %s (dialog %s)\n", ho->device,
		   mn->handed.valid ? mn->handed.call_id : "?");

	if (mn->state == MN_IDLE) {
		finish(ho, NULL);
		return;
	}
	tmr_cancel(&ho->tmr);
	tmr_start(&ho->tmr, BYE_WAIT_MS, bye_wait_over, ho);
}

/* <URI;PARAMS?HNAME=HVAL>: a URI with parameters added (those it lacks)
 * and one header embedded, escaped (RFC 3261 §19.1.1) */
static int uri_print(struct re_printf *pf, const char *uri,
		     const struct sipparam *addv, size_t addc,
		     const char *hname, const char *hval)
{
	struct sipreferto *rt = NULL;
	char buf[600];
	struct pl pl;
	int err;

	if (re_snprintf(buf, sizeof(buf), "<%s>", uri) < 0)
		return EINVAL;
	pl_set_str(&pl, buf);
	err = sipreferto_decode(&rt, &pl, NULL, 0);
	if (err)
		return err;
	rt->dname = (struct pl)PL_INIT;
	rt->paramc = 0;
	for (size_t i = 0; i < addc; i++) {
		char name[32];

		pl_strcpy(&addv[i].name, name, sizeof(name));
		if (!sipreferto_uparam(rt, name) &&
		    rt->uparamc < SIPHDR_MAXPARAMS)
			rt->uparamv[rt->uparamc++] = addv[i];
	}
	rt->hdrv[0].name.p = hname;
	rt->hdrv[0].name.l = strlen(hname);
	pl_set_str(&rt->hdrv[0].val, hval);
	rt->hdrc = 1;
	err = sipreferto_print(pf, rt);
	mem_deref(rt);
	return err;
}

/* <TARGET;audio;video?Replaces=CALLID;to-tag=T;from-tag=F> */
struct referto {
	const char *target;
	bool audio, video;
	const char *callid, *to_tag, *from_tag;
};

static int referto_print(struct re_printf *pf, const struct referto *a)
{
	struct sipparam caps[2];
	struct sipreplaces r;
	char repl[512];
	size_t n = 0;

	memset(&r, 0, sizeof(r));
	pl_set_str(&r.callid, a->callid);
	pl_set_str(&r.to_tag, a->to_tag);
	pl_set_str(&r.from_tag, a->from_tag);
	if (re_snprintf(repl, sizeof(repl), "%H", sipreplaces_print, &r) < 0)
		return EINVAL;
	/* callee capabilities (RFC 3840): the media to set up */
	if (a->audio)
		caps[n++] = (struct sipparam){PL("audio"), PL_INIT};
	if (a->video)
		caps[n++] = (struct sipparam){PL("video"), PL_INIT};
	return uri_print(pf, a->target, caps, n, "Replaces", repl);
}

/* The REFER of a handoff, naming our dialog as it is now. Replaces names
 * it as the CN sees it: to-tag is the CN's, from-tag ours (RFC 3891 §3). */
static int send_handoff_refer(struct handoff *ho)
{
	struct mn *mn = ho->mn;
	struct referto rto;
	char *hdrs = NULL;
	int err;

	ho->cn = mem_deref(ho->cn);
	err = str_dup(&ho->cn, sipleg_remote_target(mn->leg));
	if (err)
		return err;
	rto = (struct referto){ho->cn, ho->audio, ho->video,
			       sipleg_callid(mn->leg),
			       sipleg_remote_tag(mn->leg),
			       sipleg_local_tag(mn->leg)};
	err = re_sdprintf(&hdrs, "Refer-To: %H\r\nReferred-By: <%s>\r\n",
			  referto_print, &rto, sipep_uri(mn->ep));
	err = err ? err : siprefer_send(&ho->refer, mn->ep, NULL, ho->device,
					hdrs, handoff_notified, ho);
	if (!err)
		ladder_add(&ho->ladder, ho->t_cmd, "REFER -> %s", ho->device);
	mem_deref(hdrs);
	return err;
}

/* RFC 5631 §7: both ends handed off at once and each refused the other's
 * INVITE with 491. Like a re-INVITE glare (RFC 3261 §14.1), we try again
 * after a random wait, longer for the Call-ID's owner, so that one of
 * the two goes first and the other then replaces what it made. */
static void retry_handoff(void *arg)
{
	struct handoff *ho = arg;
	struct mn *mn = ho->mn;

	if (mn->state != MN_ESTABLISHED) {
		finish(ho, "the call ended before the handoff could be"
		       " tried again");
		return;
	}
	if (send_handoff_refer(ho)) {
		finish(ho, "cannot REFER the device again");
		return;
	}
	re_fprintf(stderr, "mn: handing the call off to %s (REFER%s)\n",
		   ho->device, ho->tries ? ", again" : "");
	tmr_start(&ho->tmr, HANDOFF_TIMEOUT_MS, timeout, ho);
}

static bool glare_retry(struct handoff *ho, uint16_t scode)
{
	struct mn *mn = ho->mn;
	uint32_t ms;

	if (scode != 491 || ++ho->tries >= MAX_GLARE_TRIES ||
	    mn->state != MN_ESTABLISHED)
		return false;
	ms = mn->call_owner ? 2100 + rand_u32() % 1900 : rand_u32() % 2000;
	re_fprintf(stderr, "mn: the CN was handing off too (491); trying"
		   " again in %u ms\n", ms);
	tmr_start(&ho->tmr, ms, retry_handoff, ho);
	return true;
}

static void refer_when_idle(void *arg)
{
	struct handoff *ho = arg;
	struct mn *mn = ho->mn;

	if (mn->state == MN_ESTABLISHED && call_busy(mn) &&
	    playlog_now_ms() - ho->t_cmd < BUSY_WAIT_MS) {
		tmr_start(&ho->tmr, BUSY_POLL_MS, refer_when_idle, ho);
		return;
	}
	retry_handoff(ho);
}

bool handoff_retrieving(const struct mn *mn)
{
	return mn->ho && mn->ho->retrieve;
}

bool handoff_refer_pending(const struct mn *mn)
{
	return mn->ho && !mn->ho->retrieve && mn->ho->refer;
}

int handoff_move(struct mn *mn, const char *device, xfer_done_h *h,
		 void *arg, char *why, size_t whysz)
{
	struct handoff *ho;
	int err;

	if (mn->state != MN_ESTABLISHED) {
		re_snprintf(why, whysz, "no established call");
		return ENOTCONN;
	}
	if (mn->xfer || mn->ho) {
		re_snprintf(why, whysz, "a transfer is in progress");
		return EBUSY;
	}
	if (mn->devs.head) {
		re_snprintf(why, whysz, "some media are on devices (MNC);"
			    " retrieve them before a handoff");
		return EBUSY;
	}

	err = handoff_alloc(&ho, mn, device, false, h, arg);
	if (err)
		return err;
	ho->audio = call_has(mn, "audio");
	ho->video = call_has(mn, "video");
	mn->ho = ho;
	/* an offer of the CN's still going on: the REFER waits for it */
	if (call_busy(mn)) {
		tmr_start(&ho->tmr, BUSY_POLL_MS, refer_when_idle, ho);
		return EINPROGRESS;
	}
	err = send_handoff_refer(ho);
	if (err) {
		re_snprintf(why, whysz, "cannot REFER %s: %m", device, err);
		mn->ho = NULL;
		mem_deref(ho);
		return err;
	}
	tmr_start(&ho->tmr, HANDOFF_TIMEOUT_MS, timeout, ho);
	re_fprintf(stderr, "mn: handing the call off to %s (REFER)\n",
		   device);
	return EINPROGRESS;
}

/* ---- retrieval (Figure 5) ----------------------------------------------- */

/* A retrieval is measured once we play the CN again (or have waited
 * long enough for it), so that our playout shows when the user heard it
 * here. */
static void retrieval_check_done(struct handoff *ho)
{
	if (!ho->cn_taken || !ho->dev_reported)
		return;
	if (mset_played(ho->mn->ms) < REPORT_PACKETS &&
	    playlog_now_ms() - ho->t_cmd < HANDOFF_TIMEOUT_MS) {
		tmr_start(&ho->tmr, 20, retrieval_poll, ho);
		return;
	}
	handed_clear(&ho->mn->handed);
	finish(ho, NULL);
}

static void retrieval_poll(void *arg)
{
	retrieval_check_done(arg);
}

static void report_wait_over(void *arg)
{
	struct handoff *ho = arg;

	ho->dev_reported = true;   /* measured from our side only */
	retrieval_check_done(ho);
}

static void nested_notified(int err, bool refused, uint16_t scode,
			    const struct pl *frag,
			    const struct sip_msg *notify, bool final,
			    void *arg)
{
	struct handoff *ho = arg;
	char why[192];
	(void)notify;

	ladder_note(ho, err, refused, scode, final);

	if (!final)
		return;
	ho->refer = mem_deref(ho->refer);

	if (refused || err) {
		if (ho->cn_taken) {   /* the device went before it told us */
			ho->dev_reported = true;
			retrieval_check_done(ho);
			return;
		}
		re_snprintf(why, sizeof(why), "the device refused our nested"
			    " REFER (%u); the session stays there", scode);
		if (err)
			re_snprintf(why, sizeof(why), "the device did not"
				    " answer our nested REFER; the session"
				    " stays there");
		finish(ho, why);
		return;
	}
	if ((scode < 200 || scode >= 300) && !ho->cn_taken) {
		re_snprintf(why, sizeof(why), "the retrieval failed (%u); the"
			    " session stays on the device", scode);
		finish(ho, why);
		return;
	}
	take_device_report(ho, frag);
	ho->dev_reported = true;
	retrieval_check_done(ho);
}

static int nested_referto_print(struct re_printf *pf, struct handoff *ho)
{
	const struct handed *hd = &ho->mn->handed;
	/* the INVITE's Replaces, as the CN sees the device's dialog */
	const struct referto rto = {hd->cn, hd->audio, hd->video,
				    hd->call_id, hd->cn_tag, hd->dev_tag};
	static const struct sipparam method = {PL("method"), PL("REFER")};
	char inner[1024];

	if (re_snprintf(inner, sizeof(inner), "%H", referto_print, &rto) < 0)
		return EINVAL;
	return uri_print(pf, sipep_uri(ho->mn->ep), &method, 1, "Refer-To",
			 inner);
}

static int send_nested_refer(struct handoff *ho)
{
	char *hdrs = NULL;
	int err;

	err = re_sdprintf(&hdrs, "Refer-To: %H\r\nReferred-By: <%s>\r\n",
			  nested_referto_print, ho, sipep_uri(ho->mn->ep));
	err = err ? err : siprefer_send(&ho->refer, ho->mn->ep, NULL,
					ho->device, hdrs, nested_notified,
					ho);
	mem_deref(hdrs);
	if (!err)
		ladder_add(&ho->ladder, ho->t_cmd, "REFER (nested) -> %s",
			   ho->device);
	if (!err)
		re_fprintf(stderr, "mn: retrieving the session from %s"
			   " (nested REFER)\n", ho->device);
	return err;
}

/* The device's dialog events: the confirmed dialog it holds with a CN */
static int handed_from_dialogs(struct handoff *ho, const struct sip_msg *msg)
{
	struct handed *hd = &ho->mn->handed;
	struct dlginfo *di = NULL;
	char why[128];
	int err = ENOENT;

	if (dlginfo_decode(&di, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			   why, sizeof(why))) {
		re_fprintf(stderr, "mn: bad dialog-info from %s: %s\n",
			   ho->device, why);
		return EBADMSG;
	}
	for (size_t i = 0; i < di->dialogc; i++) {
		const struct dlginfo_dialog *d = &di->dialogv[i];

		if (d->state != DLGINFO_CONFIRMED || !d->call_id ||
		    !d->local_tag || !d->remote_tag || !d->remote.identity)
			continue;
		handed_clear(hd);
		err  = str_dup(&hd->device, ho->device);
		err |= str_dup(&hd->cn, d->remote.target ? d->remote.target :
			       d->remote.identity);
		err |= str_dup(&hd->call_id, d->call_id);
		err |= str_dup(&hd->dev_tag, d->local_tag);
		err |= str_dup(&hd->cn_tag, d->remote_tag);
		hd->audio = true;
		hd->video = ho->mn->conf.video != MSET_VIDEO_NONE;
		hd->valid = !err;
		break;
	}
	mem_deref(di);
	return err;
}

static void dialogs_notified(int err, uint16_t scode,
			     const struct sip_msg *msg, bool final, void *arg)
{
	struct handoff *ho = arg;
	char why[160];

	if (!msg) {
		if (ho->sub) {
			re_snprintf(why, sizeof(why), "the device refused our"
				    " dialog subscription (%u%s)", scode,
				    err ? ", no answer" : "");
			ho->sub = mem_deref(ho->sub);
			finish(ho, why);
		}
		return;
	}
	if (!mbuf_get_left(msg->mb))
		return;   /* an empty first NOTIFY: state to follow */
	if (handed_from_dialogs(ho, msg)) {
		if (!final)
			return;
		ho->sub = mem_deref(ho->sub);
		finish(ho, "the device holds no session to retrieve");
		return;
	}
	ho->sub = mem_deref(ho->sub);   /* unsubscribes */
	err = send_nested_refer(ho);
	if (err) {
		re_snprintf(why, sizeof(why), "cannot send the nested REFER:"
			    " %m", err);

		finish(ho, why);
	}
}

int handoff_retrieve(struct mn *mn, const char *device, xfer_done_h *h,
		     void *arg, char *why, size_t whysz)
{
	struct handoff *ho;
	int err;

	if (mn->state != MN_IDLE) {
		re_snprintf(why, whysz, "the MN is in a call already");
		return EBUSY;
	}
	if (mn->ho) {
		re_snprintf(why, whysz, "a handoff is in progress");
		return EBUSY;
	}
	if (!device && !mn->handed.valid) {
		re_snprintf(why, whysz, "nothing was handed off; name the"
			    " device that holds the session: retrieve --from"
			    " DEVICE");
		return ENOENT;
	}
	err = handoff_alloc(&ho, mn, device ? device : mn->handed.device,
			    true, h, arg);
	if (err)
		return err;
	ho->video = mn->conf.video != MSET_VIDEO_NONE;

	if (mn->handed.valid && !strcmp(ho->device, mn->handed.device))
		err = send_nested_refer(ho);
	else
		err = sipsubscr_send(&ho->sub, mn->ep, ho->device, "dialog",
				     "application/dialog-info+xml",
				     DIALOG_EXPIRES_S, dialogs_notified, ho);
	if (err) {
		re_snprintf(why, whysz, "cannot reach %s: %m", ho->device,
			    err);
		mem_deref(ho);
		return err;
	}
	tmr_start(&ho->tmr, HANDOFF_TIMEOUT_MS, timeout, ho);
	mn->ho = ho;
	return EINPROGRESS;
}

/* Our INVITE with Replaces to the CN got its answer. */
static void cn_answered(struct mn *mn, int err, uint16_t scode, void *arg)
{
	struct handoff *ho = arg;
	char why[160];

	if (err)
		ladder_add(&ho->ladder, ho->t_cmd, "CN: no answer");
	else
		ladder_add(&ho->ladder, ho->t_cmd, "%u <- CN", scode);
	if (ho->not) {
		if (err || scode >= 300)
			(void)siprefer_notify(ho->not, scode ? scode : 408,
					      "Failed", NULL, true);
		else
			(void)siprefer_notify(ho->not, 200, "OK", NULL, true);
		ho->not = mem_deref(ho->not);
	}
	if (err || scode >= 300) {
		re_snprintf(why, sizeof(why), "the CN refused our INVITE with"
			    " Replaces (%u); the session stays on the"
			    " device", scode);
		finish(ho, why);
		return;
	}
	(void)mn;
	ho->cn_taken = true;
	mn->last.signaling_ms = playlog_now_ms() - ho->t_cmd;
	tmr_cancel(&ho->tmr);
	tmr_start(&ho->tmr, REPORT_WAIT_MS, report_wait_over, ho);
	retrieval_check_done(ho);
}

/* A REFER for us: only the device we asked, during our retrieval
 * (spec §5.3.2: we take a REFER we prompted, nothing else). */
void handoff_refer(struct mn *mn, struct sipleg *leg,
		   const struct sip_msg *msg)
{
	struct sip *sip = sipep_sip(mn->ep);
	struct handoff *ho = mn->ho;
	const struct sip_hdr *rth = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	const struct sip_hdr *rbh = sip_msg_hdr(msg, SIP_HDR_REFERRED_BY);
	struct sipreferto *rt = NULL;
	struct sipreplaces r;
	struct pl dev;
	char *hdrs = NULL, *target = NULL, why[256] = "";
	int err;

	if (!ho || !ho->retrieve || ho->not || leg) {
		re_fprintf(stderr, "mn: REFER from %r refused: we asked for"
			   " none\n", &msg->from.auri);
		(void)sip_treply(NULL, sip, msg, 403, "Forbidden");
		return;
	}
	pl_set_str(&dev, ho->device);
	if (!sip_uri_same_party(&msg->from.auri, &dev)) {
		re_fprintf(stderr, "mn: REFER from %r refused: we asked %s\n",
			   &msg->from.auri, ho->device);
		(void)sip_treply(NULL, sip, msg, 403, "Forbidden");
		return;
	}
	err = sipep_refer_token_check(mn->ep, msg, why, sizeof(why));
	if (err) {
		sipep_token_refuse(mn->ep, msg, (uint16_t)err, why);
		return;
	}
	(void)sipep_keep_refer_token(mn->ep, msg);   /* for the CN */
	if (sipreferto_decode(&rt, &rth->val, why, sizeof(why)) ||
	    sipreferto_replaces(rt, &r, why, sizeof(why))) {
		re_fprintf(stderr, "mn: REFER from %r: bad Refer-To: %s\n",
			   &msg->from.auri, why);
		(void)sip_treply(NULL, sip, msg, 400, "Bad Refer-To");
		mem_deref(rt);
		return;
	}
	err  = sipreferto_invite_target(&target, rt);
	err |= re_sdprintf(&hdrs, "Replaces: %H\r\nRequire: replaces\r\n"
			   "Referred-By: %r\r\n", sipreplaces_print, &r,
			   rbh ? &rbh->val : &msg->from.val);
	err = err ? err : siprefer_accept(&ho->not, mn->ep, NULL, msg);
	if (err) {
		(void)sip_treply(NULL, sip, msg, 500, "Server Internal Error");
		goto out;
	}
	err = call_place_h(mn, target, hdrs, cn_answered, ho, why,
			   sizeof(why));
	if (err) {
		(void)siprefer_notify(ho->not, 500, "Server Internal Error",
				      NULL, true);
		ho->not = mem_deref(ho->not);
		finish(ho, why);
		goto out;
	}
	re_fprintf(stderr, "mn: INVITE %s with Replaces, referred by %s\n",
		   target, ho->device);
 out:
	mem_deref(rt);
	mem_deref(hdrs);
	mem_deref(target);
}
