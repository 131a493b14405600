/*
 * Session Handoff to a device that may share no codec with the CN (spec
 * §6.1, last paragraph). A device asked by REFER to call the CN first asks
 * the CN's codecs with OPTIONS, then either calls it as usual (a codec in
 * common) or sets the session up through a transcoder by third-party call
 * control (RFC 4117), the device being the controller:
 *
 *   1. INVITE the transcoder without an offer; its 2xx offers line A (for
 *      us) and line B (for the CN). Our media answer line A.
 *   2. INVITE the CN (with the REFER's Replaces and Referred-By) offering
 *      line B, restricted to the CN's codecs.
 *   3. The CN's 2xx: the transcoder's ACK answers with our media on A and
 *      the CN's on B.
 *
 * Every SIP phone takes PCMU (RFC 3551 makes it the baseline), so a
 * device that has PCMU calls at once, without the OPTIONS round trip. The
 * transcoder's dialog ends with the session.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"        /* sipua, sdesc, mediaset; caps_decide() */
#include <sipmob/device.h>
#include <sipmob/slp.h>
#include "device_priv.h"

enum { ASK_MS = 2000 };

struct dtc {
	struct dsession *s;
	char *target, *hdrs;
	char dev_codecs[96];
	char cn_codecs[96];
	char cur[16];              /* the CN's first codec                 */
	struct sipleg *tc;         /* our dialog with the transcoder       */
	struct sdesc *tc_offer;    /* its two lines                        */
	struct sdesc *ours;        /* our answer to it (line A)            */
	struct tmr tmr;
	bool asked;
};

static void dtc_destructor(void *arg)
{
	struct dtc *t = arg;

	tmr_cancel(&t->tmr);
	sipleg_set_handlers(t->tc, NULL, NULL);
	mem_deref(t->tc);          /* BYE */
	mem_deref(t->target);
	mem_deref(t->hdrs);
	mem_deref(t->tc_offer);
	mem_deref(t->ours);
}

static void fail(struct dtc *t, uint16_t scode, const char *reason,
		 const char *why)
{
	struct dsession *s = t->s;

	re_fprintf(stderr, "device: handoff to %s refused: %s\n", t->target,
		   why);
	if (s->not)
		(void)siprefer_notify(s->not, scode, reason, NULL, true);
	mem_deref(s);   /* frees t */
}

/* ---- the INVITE of the CN ----------------------------------------------------- */

static int invite_cn(struct dtc *t, struct mbuf *offer)
{
	struct dsession *s = t->s;
	int err;

	err = sipleg_connect(&s->leg, s->dev->ep, t->target, t->hdrs, offer,
			     false, &dsession_handlers, s);
	if (!err)
		re_fprintf(stderr, "device: INVITE %s (session %u)%s\n",
			   t->target, s->id, t->tc ? " through a transcoder" :
			   "");
	return err;
}

static void call_direct(struct dtc *t)
{
	struct mbuf *offer = NULL;
	/* SRTP exactly when the keys travel over TLS */
	int err = mset_set_srtp(t->s->ms, sipep_uri_secure(t->target));

	err = err ? err : mset_offer(t->s->ms, &offer);
	err = err ? err : invite_cn(t, offer);
	mem_deref(offer);
	if (err)
		fail(t, 503, "Service Unavailable", "cannot INVITE the CN");
}

static bool keep_cn(const struct sdesc_codec *c, void *arg)
{
	struct dtc *t = arg;

	return !str_casecmp(c->name, "telephone-event") ||
		caps_list_has(t->cn_codecs, c->name);
}

/* 2. the transcoder offered: we take line A, the CN gets line B */
static void tc_resp(struct sipleg *leg, int err, uint16_t scode,
		    const struct sip_msg *msg, void *arg)
{
	struct dtc *t = arg;
	struct sdesc *cn_offer = NULL;
	struct mbuf *mb = NULL, *ans = NULL;
	char why[128] = "";
	(void)leg;

	if (!err && scode < 200)
		return;
	if (t->tc_offer)
		return;   /* a retransmitted 2xx */
	if (err || scode >= 300) {
		fail(t, 503, "Service Unavailable", "the transcoder refused");
		return;
	}
	err = sdesc_parse(&t->tc_offer, mbuf_buf(msg->mb),
			  mbuf_get_left(msg->mb), why, sizeof(why));
	if (!err && sdesc_media_count(t->tc_offer) < 2)
		err = EPROTO;
	err = err ? err : mset_answer(t->s->ms, msg->mb, &ans, why,
				      sizeof(why));
	err = err ? err : sdesc_parse(&t->ours, mbuf_buf(ans),
				      mbuf_get_left(ans), why, sizeof(why));
	/* line B alone, with the CN's codecs, as our offer to the CN */
	err = err ? err : sdesc_dup(&cn_offer, t->tc_offer);
	err = err ? err : sdesc_media_disable(sdesc_media(cn_offer, 0));
	err = err ? err : sdesc_media_keep_codecs(sdesc_media(cn_offer, 1),
						  keep_cn, t);
	err = err ? err : sdesc_encode(&mb, cn_offer);
	err = err ? err : invite_cn(t, mb);
	mem_deref(cn_offer);
	mem_deref(mb);
	mem_deref(ans);
	if (err)
		fail(t, 488, "Not Acceptable Here", why[0] ? why :
		     "cannot use the transcoder's offer");
}

/* 3. the CN answered: the transcoder's ACK answers its offer */
int dsession_tc_answered(struct dsession *s, const struct sip_msg *msg)
{
	struct dtc *t = s->tc;
	struct sdesc *cn = NULL, *ans = NULL;
	struct mbuf *mb = NULL;
	char why[128];
	int err;

	err = sdesc_parse(&cn, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			  why, sizeof(why));
	err = err ? err : sdesc_dup(&ans, t->tc_offer);
	err = err ? err : sdesc_media_replace(ans, 0,
					      sdesc_media(t->ours, 0));
	err = err ? err : sdesc_media_replace(ans, 1, sdesc_media(cn, 1));
	err = err ? err : sdesc_encode(&mb, ans);
	err = err ? err : sipleg_ack(t->tc, mb);
	mem_deref(cn);
	mem_deref(ans);
	mem_deref(mb);
	return err;
}

/* 1. the transcoder, without an offer */
static const struct sipleg_handlers tc_handlers = {.resph = tc_resp};

static void call_transcoded(struct dtc *t, const char *uri)
{
	int err = sipleg_connect(&t->tc, t->s->dev->ep, uri, NULL, NULL,
				 true, &tc_handlers, t);

	if (err)
		fail(t, 503, "Service Unavailable", "cannot INVITE the"
		     " transcoder");
}

/* ---- what the CN takes, and who converts ----------------------------------------- */

static void transcoders_found(int err, const struct slp_device *v, size_t n,
			      void *arg)
{
	struct dtc *t = arg;
	struct caps_tc tcv[CAPS_MAX_TC];
	struct caps_plan cp;
	size_t ntc = 0;
	char why[256];

	for (size_t i = 0; !err && i < n && ntc < CAPS_MAX_TC; i++) {
		if (caps_tc_read(&tcv[ntc], &v[i]))
			continue;
		ntc++;
	}
	memset(&cp, 0, sizeof(cp));
	str_ncpy(cp.dev_codecs, t->dev_codecs, sizeof(cp.dev_codecs));
	if (caps_decide(&cp, sipep_uri(t->s->dev->ep), t->cur, t->cn_codecs,
			tcv, ntc, why, sizeof(why))) {
		fail(t, 488, "Not Acceptable Here", why);
		return;
	}
	re_fprintf(stderr, "device: codecs: %s\n", cp.why);
	if (cp.how == CAPS_TRANSCODE)
		call_transcoded(t, cp.tc_uri);
	else
		call_direct(t);
}

static void decide(struct dtc *t)
{
	struct device *dev = t->s->dev;
	struct slp_ua_conf uc;
	const char *p = t->dev_codecs;
	bool common = false;
	char name[16];

	while ((p = caps_next_name(p, name, sizeof(name))))
		common |= caps_list_has(t->cn_codecs, name);
	/* nothing known of the CN, or a codec in common: call it */
	if (!t->cn_codecs[0] || common) {
		call_direct(t);
		return;
	}
	memset(&uc, 0, sizeof(uc));
	uc.da = dev->conf.slp_da;
	if ((!dev->ua && slp_ua_alloc(&dev->ua, &uc)) ||
	    slp_ua_find_services(dev->ua, SLP_TYPE_TRANSCODER, "",
				 transcoders_found, t))
		fail(t, 488, "Not Acceptable Here", "no codec in common with"
		     " the CN, and no SLP to find a transcoder");
}

static void ask_late(void *arg)
{
	struct dtc *t = arg;

	t->asked = false;   /* the answer, if it comes, is too late */
	decide(t);
}

static void options_answered(int err, const struct sip_msg *msg, void *arg)
{
	struct dsession *s = arg;
	struct dtc *t = s->tc;
	struct sdesc *sd = NULL;
	char why[64];

	if (!t || !t->asked || t->tc || s->leg) {
		mem_deref(s);
		return;
	}
	t->asked = false;
	tmr_cancel(&t->tmr);
	if (!err && msg && msg->scode < 300 && !sdesc_parse(&sd,
		mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why, sizeof(why))) {
		caps_sdp_codecs(t->cn_codecs, sizeof(t->cn_codecs), sd);
		/* the CN's first is what it would send */
		(void)caps_next_name(t->cn_codecs, t->cur, sizeof(t->cur));
	}
	mem_deref(sd);
	decide(t);
	mem_deref(s);
}

int dsession_call_cn(struct dsession *s, const char *target,
		     const char *hdrs)
{
	const char *codecs = s->dev->conf.codecs;
	struct dtc *t;
	int err;

	t = mem_zalloc(sizeof(*t), dtc_destructor);
	if (!t)
		return ENOMEM;
	tmr_init(&t->tmr);
	t->s = s;
	s->tc = t;
	err  = str_dup(&t->target, target);
	err |= str_dup(&t->hdrs, hdrs);
	str_ncpy(t->dev_codecs, codecs ? codecs : "PCMU,PCMA,G722,opus",
		 sizeof(t->dev_codecs));
	if (err)
		return err;
	if (caps_list_has(t->dev_codecs, "PCMU")) {
		call_direct(t);
		return 0;
	}
	/* spec §6.1: OPTIONS first */
	err = sipep_options(s->dev->ep, target, options_answered, mem_ref(s));
	if (err) {
		mem_deref(s);
		return err;
	}
	t->asked = true;
	tmr_start(&t->tmr, ASK_MS, ask_late, t);
	return 0;
}

bool dsession_transcoded(const struct dsession *s)
{
	return s->tc && s->tc->tc;
}
