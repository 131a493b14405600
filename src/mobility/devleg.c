/*
 * A device leg: the MN's 3PCC dialog with one local device (spec §5.2).
 * It INVITEs the device (holding the ACK, so the CN can be re-INVITEd
 * first), updates it with re-INVITEs (retried after a 491, RFC 3261 §14.1:
 * the MN owns the Call-ID of every device leg), watches it with OPTIONS,
 * and reports to its owner when it is lost or re-offers on its own.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"

enum {
	PING_INTERVAL_MS = 2000,   /* OPTIONS to each device in use       */
	PING_LOST_AFTER  = 3,      /* unanswered in a row: lost           */
	MAX_491_TRIES    = 3,
};

static void destructor(void *arg)
{
	struct devleg *d = arg;

	tmr_cancel(&d->tmr_ping);
	tmr_cancel(&d->tmr_retry);
	list_unlink(&d->le);
	devleg_close(d->tc);
	mem_deref(d->tc);
	mem_deref(d->tc_face);
	sipleg_set_handlers(d->leg, NULL, NULL);  /* no calls into us now */
	mem_deref(d->leg);      /* BYE, or CANCEL while it is ringing */
	mem_deref(d->offer);
	mem_deref(d->answer);
	mem_deref(d->pending);
	mem_deref(d->uri);
	mem_deref(d->ep);
}

/* A device leg has no owner until it joins the call (call_join): a
 * device that fails its transfer reports nothing. */
struct devleg *devleg_alloc(struct sipep *ep, const char *uri, int src)
{
	struct devleg *d = mem_zalloc(sizeof(*d), destructor);

	if (!d)
		return NULL;
	d->ep = mem_ref(ep);
	d->src = src;
	tmr_init(&d->tmr_ping);
	tmr_init(&d->tmr_retry);
	if (str_dup(&d->uri, uri))
		return mem_deref(d);
	return d;
}

static void set_lost(struct devleg *d, const char *why)
{
	if (d->lost[0])
		return;
	str_ncpy(d->lost, why, sizeof(d->lost));
	tmr_cancel(&d->tmr_ping);
	if (d->owner.losth)
		d->owner.losth(d, why, d->owner.arg);
}

/* The INVITE or re-INVITE in flight ends: tell whoever sent it. */
static void done(struct devleg *d, int err, uint16_t scode,
		 const char *reason)
{
	devleg_done_h *h = d->doneh;

	d->doneh = NULL;
	d->tries = 0;
	d->offerless = false;
	d->pending = mem_deref(d->pending);
	if (h)
		h(d, err, scode, reason, d->done_arg);
}

static int send_pending(struct devleg *d, bool initial)
{
	struct mbuf *mb = NULL;
	int err;

	err = d->pending ? sdesc_encode(&mb, d->pending) : 0;
	if (!err && initial)
		err = sipleg_connect(&d->leg, d->ep, d->uri, NULL, mb, true,
				     NULL, NULL);
	else if (!err)
		err = sipleg_reinvite(d->leg, mb, false);
	mem_deref(mb);
	return err;
}

static void retry(void *arg)
{
	struct devleg *d = arg;
	int err = send_pending(d, false);

	if (err)
		done(d, err, 0, NULL);
}

static void resp_handler(struct sipleg *leg, int err, uint16_t scode,
			 const struct sip_msg *msg, void *arg)
{
	struct devleg *d = arg;
	struct sdesc *ans = NULL;
	char reason[64] = "", perr[128];
	(void)leg;

	if (!err && scode < 200)
		return;
	if (!d->pending && !d->offerless)
		return;   /* nobody waits for it */

	if (!err && scode == 491 && ++d->tries < MAX_491_TRIES) {
		tmr_start(&d->tmr_retry, 2100 + rand_u32() % 1900, retry, d);
		return;
	}
	if (msg)
		pl_strcpy(&msg->reason, reason, sizeof(reason));
	if (err || scode >= 300) {
		done(d, err, scode, reason);
		return;
	}
	if (sdesc_parse(&ans, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			perr, sizeof(perr))) {
		re_fprintf(stderr, "mn: device %s answered bad SDP: %s\n",
			   d->uri, perr);
		done(d, EBADMSG, scode, "bad SDP");
		return;
	}
	mem_deref(d->answer);
	d->answer = ans;
	if (!d->offerless) {
		mem_deref(d->offer);
		d->offer = mem_ref(d->pending);
	}
	done(d, 0, scode, reason);
}

static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	struct devleg *d = arg;

	if (d->owner.offerh)
		d->owner.offerh(d, msg, d->owner.arg);
	else
		(void)sipleg_reply(leg, 488, "Not Acceptable Here", NULL);
}

static void close_handler(struct sipleg *leg, int err,
			  const struct sip_msg *msg, void *arg)
{
	struct devleg *d = arg;
	char why[96];
	(void)leg;
	(void)msg;

	re_snprintf(why, sizeof(why), "%s (%m)", err == ECONNRESET ?
		    "it hung up" : "its dialog failed", err);
	mem_ref(d);
	if (d->pending || d->offerless)
		done(d, err ? err : ECONNRESET, 0, why);
	set_lost(d, why);
	mem_deref(d);
}

static const struct sipleg_handlers handlers = {
	.resph = resp_handler, .offerh = offer_handler,
	.closeh = close_handler,
};

int devleg_stamp(struct devleg *d, struct sdesc *sd)
{
	return sdesc_version_next(sd, d->offer, &d->ver);
}

int devleg_invite(struct devleg *d, struct sdesc *offer, devleg_done_h *h,
		  void *arg)
{
	int err;

	if (!d || !offer || d->leg)
		return EINVAL;
	d->pending = mem_ref(offer);
	d->ver = sdesc_sess_version(offer);
	d->doneh = h;
	d->done_arg = arg;
	err = send_pending(d, true);
	if (err) {
		d->pending = mem_deref(d->pending);
		d->doneh = NULL;
		return err;
	}
	sipleg_set_handlers(d->leg, &handlers, d);
	return 0;
}

int devleg_invite_offerless(struct devleg *d, devleg_done_h *h, void *arg)
{
	int err;

	if (!d || d->leg)
		return EINVAL;
	d->offerless = true;
	d->doneh = h;
	d->done_arg = arg;
	err = send_pending(d, true);
	if (err) {
		d->offerless = false;
		d->doneh = NULL;
		return err;
	}
	sipleg_set_handlers(d->leg, &handlers, d);
	return 0;
}

/* The ACK of an offerless INVITE, with our answer */
int devleg_ack_sdp(struct devleg *d, struct sdesc *answer)
{
	struct mbuf *mb = NULL;
	int err;

	if (!d || !answer)
		return EINVAL;
	err = sdesc_encode(&mb, answer);
	err = err ? err : sipleg_ack(d->leg, mb);
	if (!err) {
		mem_deref(d->offer);
		d->offer = mem_ref(answer);
	}
	mem_deref(mb);
	return err;
}

int devleg_update(struct devleg *d, struct sdesc *offer, devleg_done_h *h,
		  void *arg)
{
	int err;

	if (!d || !offer)
		return EINVAL;
	if (d->pending || d->lost[0])
		return d->pending ? EBUSY : ENOTCONN;
	err = devleg_stamp(d, offer);
	if (err)
		return err;
	d->pending = mem_ref(offer);
	d->doneh = h;
	d->done_arg = arg;
	err = send_pending(d, false);
	if (err) {
		d->pending = mem_deref(d->pending);
		d->doneh = NULL;
	}
	return err;
}

/* Ends the device's dialog now (BYE, or CANCEL while it rings), whoever
 * still holds a reference to the leg: a pending OPTIONS or playout report
 * must not keep a device in a call that is over. */
void devleg_close(struct devleg *d)
{
	if (!d || d->closed)
		return;
	d->closed = true;
	devleg_close(d->tc);
	tmr_cancel(&d->tmr_ping);
	tmr_cancel(&d->tmr_retry);
	d->doneh = NULL;
	d->pending = mem_deref(d->pending);
	sipleg_set_handlers(d->leg, NULL, NULL);
	sipleg_hangup(d->leg);
}

void devleg_ack(struct devleg *d)
{
	(void)sipleg_ack(d->leg, NULL);
}

int devleg_reply(struct devleg *d, uint16_t scode, const char *reason,
		 struct sdesc *sdp)
{
	struct mbuf *mb = NULL;
	int err = 0;

	if (sdp) {
		err = devleg_stamp(d, sdp);
		err = err ? err : sdesc_encode(&mb, sdp);
	}
	if (err)
		return err;
	err = sipleg_reply(d->leg, scode, reason, mb);
	if (!err && sdp && scode < 300) {
		mem_deref(d->offer);
		d->offer = mem_ref(sdp);
	}
	mem_deref(mb);
	return err;
}

/* ---- liveness ------------------------------------------------------------ */

static void ping_handler(void *arg);

static void pong_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct devleg *d = arg;

	d->ping_out = false;
	if (d->closed)
		;   /* the call is over: nothing to watch */
	else if (!err && msg && msg->scode < 500)
		d->ping_fails = 0;
	else if (++d->ping_fails >= PING_LOST_AFTER)
		set_lost(d, "it stopped answering OPTIONS");
	mem_deref(d);
}

static void ping_handler(void *arg)
{
	struct devleg *d = arg;

	if (d->lost[0] || d->closed)
		return;
	/* A ping still unanswered after a whole interval counts as missed:
	 * waiting for its Timer F (32 s) would hide a dead device. */
	if (d->ping_out) {
		if (++d->ping_fails >= PING_LOST_AFTER) {
			set_lost(d, "it stopped answering OPTIONS");
			return;
		}
	}
	else {
		d->ping_out = true;
		if (sipep_options(d->ep, d->uri, pong_handler, mem_ref(d))) {
			d->ping_out = false;
			mem_deref(d);
		}
	}
	tmr_start(&d->tmr_ping, PING_INTERVAL_MS, ping_handler, d);
}

void devleg_watch(struct devleg *d)
{
	tmr_start(&d->tmr_ping, PING_INTERVAL_MS, ping_handler, d);
}
