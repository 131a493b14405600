/*
 * Capabilities (spec §6.1, Figure 7): before a Mobile Node Control move
 * INVITEs anyone, it decides how the audio's codec is reconciled:
 *
 *   common       the device takes the codec the CN sends now: the device
 *                is offered the CN's session restricted to its codecs;
 *   renegotiate  it does not, but the CN has one the device takes: the
 *                device is offered that one, and the CN's re-INVITE
 *                switches to it;
 *   transcoder   no codec in common: a transcoder found in SLP
 *                (service:sip-transcoder, the least loaded one that
 *                covers both sides) is invited between them (RFC 4117);
 *   refused      nothing covers it: the move is refused, naming why.
 *
 * A device's codecs come from its SLP attribute "codecs", or from its
 * answer to OPTIONS when SLP knows it but does not say (a basic device
 * registered by a proxy SA); a device named by URI alone is offered the
 * CN's session as before, and may refuse it. The CN's come from
 * its SDP and, once per call and only when needed, from its OPTIONS
 * answer. Each step that asks the network goes on in its handler.
 */
#include <string.h>
#include <re.h>
#include <sipmob/media_codec.h>
#include <sipmob/playout.h>
#include <sipmob/slp.h>
#include "mn_priv.h"

enum { ASK_MS = 2000 };   /* an OPTIONS answer later than this: unknown */

struct capsq {
	struct mn *mn;
	struct mnc_plan plan;
	xfer_done_h *h;
	void *arg;
	unsigned line;            /* the CN's audio line                  */
	const char *dev_uri;
	struct sdesc_codec cur;   /* what the CN sends now                */
	char cur_name[16];
	bool asked_dev, asked_cn, asked_tc;
	bool in_call;             /* caps_move() is still on the stack:
				     its caller gets the outcome          */
	int sync_err;
	char sync_why[256];
	struct tmr tmr;
	unsigned gen;             /* drops a late OPTIONS answer          */
	char uris[MN_MAX_LINES][256];     /* the plan's, kept while asking */
	struct caps_tc tcv[CAPS_MAX_TC];  /* transcoders found in SLP      */
	size_t ntc;
};

static void step(struct capsq *q);

static void capsq_destructor(void *arg)
{
	struct capsq *q = arg;

	tmr_cancel(&q->tmr);
}

/* Whether name is in a comma-separated list (any case) */
bool caps_list_has(const char *list, const char *name)
{
	char item[32];

	for (const char *p = list; (p = caps_next_name(p, item,
						       sizeof(item)));) {
		if (!str_casecmp(item, name))
			return true;
	}
	return false;
}

/* Appends the codecs of an SDP's audio lines to list (no duplicates) */
void caps_sdp_codecs(char *list, size_t sz, const struct sdesc *sd)
{
	for (unsigned i = 0; sd && i < sdesc_media_count(sd); i++) {
		const struct sdesc_media *m = sdesc_media(sd, i);

		if (sdesc_media_type(m) != SDESC_AUDIO)
			continue;
		for (unsigned k = 0; k < sdesc_media_fmtc(m); k++) {
			struct sdesc_codec c;
			size_t len = strlen(list);

			if (sdesc_media_codec(m, k, &c) ||
			    !codec_find(c.name) || caps_list_has(list, c.name))
				continue;
			re_snprintf(list + len, sz - len, "%s%s",
				    len ? "," : "", c.name);
		}
	}
}

/* ---- what each side has ----------------------------------------------------- */

static const char *how_name(enum caps_how how)
{
	switch (how) {

	case CAPS_COMMON:      return "common";
	case CAPS_RENEGOTIATE: return "renegotiate";
	case CAPS_TRANSCODE:   return "transcoder";
	default:               return "unknown";
	}
}

/* The decision is made: the move goes on (refusal NULL) or ends. */
static void done_move(struct capsq *q, const char *refusal)
{
	struct mn *mn = q->mn;
	char why[256];
	int err = EPROTO;

	mn->caps_q = NULL;
	str_ncpy(why, refusal ? refusal : "", sizeof(why));
	re_fprintf(stderr, "mn: codecs: %s\n", refusal ? refusal :
		   q->plan.caps.why);
	if (!refusal)
		err = xfer_move(mn, &q->plan, q->h, q->arg, why, sizeof(why));
	if (err == EINPROGRESS || !err) {
		if (!q->in_call)
			mem_deref(q);
		return;
	}
	if (q->in_call) {   /* caller answers the command itself */
		q->sync_err = err;
		str_ncpy(q->sync_why, why, sizeof(q->sync_why));
		return;
	}
	report_outcome(&mn->last, false, "mnc", why);
	caps_outcome(&mn->last, refusal ? NULL : &q->plan.caps);
	if (q->h)
		q->h(err, &mn->last, q->arg);
	mem_deref(q);
}

void caps_outcome(struct last_transfer *lt, const struct caps_plan *cp)
{
	lt->codec_how = cp && cp->active ? how_name(cp->how) :
		cp ? NULL : "refused";
	str_ncpy(lt->codec_why, cp && cp->active ? cp->why : "",
		 sizeof(lt->codec_why));
	str_ncpy(lt->transcoder, cp && cp->how == CAPS_TRANSCODE ?
		 cp->tc_uri : "", sizeof(lt->transcoder));
}

struct ask {
	struct capsq *q;
	unsigned gen;
	bool cn;
};

static void ask_late(void *arg)
{
	struct capsq *q = arg;

	q->gen++;   /* the answer, if it comes, is too late */
	step(q);
}

static void options_answered(int err, const struct sip_msg *msg, void *arg)
{
	struct ask *a = arg;
	struct capsq *q = a->q;
	struct mn *mn = q->mn;
	struct sdesc *sd = NULL;
	unsigned a_gen = a->gen;
	bool a_cn = a->cn;
	char why[96];

	mem_deref(a);
	if (a_gen != q->gen || mn->caps_q != q) {
		mem_deref(q);   /* late: the move went on without it */
		return;
	}
	tmr_cancel(&q->tmr);
	if (!err && msg && msg->scode < 300 && mbuf_get_left(msg->mb) &&
	    !sdesc_parse(&sd, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			 why, sizeof(why))) {
		if (a_cn) {
			caps_sdp_codecs(mn->cn_codecs, sizeof(mn->cn_codecs), sd);
			mem_deref(mn->cn_caps);
			mn->cn_caps = sd;
			sd = NULL;
		}
		else {
			caps_sdp_codecs(q->plan.caps.dev_codecs,
				   sizeof(q->plan.caps.dev_codecs), sd);
		}
	}
	mem_deref(sd);
	step(q);
	mem_deref(q);
}

static int ask_options(struct capsq *q, const char *uri, bool cn)
{
	struct ask *a = mem_zalloc(sizeof(*a), NULL);
	int err;

	if (!a)
		return ENOMEM;
	a->q = mem_ref(q);   /* an answer may come after the move */
	a->gen = ++q->gen;
	a->cn = cn;
	err = sipep_options(q->mn->ep, uri, options_answered, a);
	if (err) {
		mem_deref(a->q);
		mem_deref(a);
		return err;
	}
	tmr_start(&q->tmr, ASK_MS, ask_late, q);
	return 0;
}

/* ---- transcoders -------------------------------------------------------------- */

int caps_tc_read(struct caps_tc *tc, const struct slp_device *v)
{
	const struct slp_attr *at;

	if (!v->parsed)
		return EINVAL;
	memset(tc, 0, sizeof(*tc));
	pl_strcpy(&v->url, tc->uri, sizeof(tc->uri));
	at = slp_attrs_find(v->parsed, &(struct pl)PL("codecs"));
	for (size_t k = 0; at && k < at->nval; k++)
		re_snprintf(tc->codecs + strlen(tc->codecs),
			    sizeof(tc->codecs) - strlen(tc->codecs), "%s%r",
			    k ? "," : "", &at->val[k].s);
	/* the load in percent first, then the pairs it carries */
	at = slp_attrs_find(v->parsed, &(struct pl)PL("load"));
	tc->load = at && at->nval ? (unsigned)at->val[0].i * 100000 : 0;
	at = slp_attrs_find(v->parsed, &(struct pl)PL("pairs"));
	tc->load += at && at->nval ? (unsigned)min(at->val[0].i, 99999) : 0;
	return 0;
}

/* Keeps what SLP says of each transcoder for caps_decide() */
static void transcoders_found(int err, const struct slp_device *v, size_t n,
			      void *arg)
{
	struct capsq *q = arg;

	if (q->mn->caps_q != q)
		return;
	for (size_t i = 0; !err && i < n && q->ntc < CAPS_MAX_TC; i++) {
		if (!caps_tc_read(&q->tcv[q->ntc], &v[i]))
			q->ntc++;
	}
	step(q);
}

/* ---- the decision --------------------------------------------------------------- */

const char *caps_next_name(const char *p, char *name, size_t sz)
{
	const char *e;
	size_t n;

	if (!p || !*p)
		return NULL;
	e = strchr(p, ',');
	n = e ? (size_t)(e - p) : strlen(p);
	str_ncpy(name, p, min(sz, n + 1));
	return e ? e + 1 : p + n;
}

int caps_decide(struct caps_plan *cp, const char *dev, const char *cur,
		const char *cn_codecs, const struct caps_tc *tcv, size_t ntc,
		char *refusal, size_t rsz)
{
	char name[16];
	const char *p;
	long best = -1;

	if (caps_list_has(cp->dev_codecs, cur)) {
		cp->how = CAPS_COMMON;
		re_snprintf(cp->why, sizeof(cp->why), "common codec %s: %s"
			    " takes %s", cur, dev, cp->dev_codecs);
		return 0;
	}
	/* the first of the device's codecs (its preference) the CN has */
	for (p = cp->dev_codecs; (p = caps_next_name(p, name, sizeof(name)));) {
		if (!caps_list_has(cn_codecs, name))
			continue;
		cp->how = CAPS_RENEGOTIATE;
		str_ncpy(cp->cn_name, name, sizeof(cp->cn_name));
		re_snprintf(cp->why, sizeof(cp->why), "the CN sends %s, which"
			    " %s does not take; both take %s, so the CN"
			    " changes to it", cur, dev, name);
		return 0;
	}
	/* the least loaded transcoder that takes the CN's codec and one of
	 * the device's, the device's preference first */
	for (size_t i = 0; i < ntc; i++) {
		if (!caps_list_has(tcv[i].codecs, cur) ||
		    (best >= 0 && tcv[i].load >= (unsigned long)best))
			continue;
		for (p = cp->dev_codecs;
		     (p = caps_next_name(p, name, sizeof(name)));) {
			if (!caps_list_has(tcv[i].codecs, name))
				continue;
			best = tcv[i].load;
			str_ncpy(cp->tc_uri, tcv[i].uri, sizeof(cp->tc_uri));
			str_ncpy(cp->tc_dev_codec, name,
				 sizeof(cp->tc_dev_codec));
			break;
		}
	}
	if (best >= 0) {
		cp->how = CAPS_TRANSCODE;
		re_snprintf(cp->why, sizeof(cp->why), "no codec in common"
			    " (the CN: %s; %s: %s): transcoder %s converts"
			    " %s <-> %s", cn_codecs, dev, cp->dev_codecs,
			    cp->tc_uri, cur, cp->tc_dev_codec);
		return 0;
	}
	re_snprintf(refusal, rsz, "%s has none of the CN's codecs (the CN:"
		    " %s; %s: %s) and no transcoder %s", dev, cn_codecs, dev,
		    cp->dev_codecs, ntc ? "found in SLP converts between"
		    " them" : "was found in SLP");
	return ENOENT;
}

static void decide(struct capsq *q)
{
	struct mn *mn = q->mn;
	struct caps_plan *cp = &q->plan.caps;
	char cn_all[128] = "", why[256];

	str_ncpy(cn_all, mn->cn_codecs, sizeof(cn_all));
	caps_sdp_codecs(cn_all, sizeof(cn_all), mn->cn_remote);
	if (caps_decide(cp, q->dev_uri, q->cur_name, cn_all, q->tcv, q->ntc,
			why, sizeof(why))) {
		done_move(q, why);
		return;
	}
	if (cp->how == CAPS_RENEGOTIATE &&
	    caps_cn_codec(mn, cp->cn_name, &cp->cn_codec)) {
		re_snprintf(why, sizeof(why), "the CN's payload type for %s"
			    " is not known", cp->cn_name);
		done_move(q, why);
		return;
	}
	cp->cn_codec.name = cp->cn_name;
	done_move(q, NULL);
}

/* Asks what is not known yet, one question at a time; then decides. */
static void step(struct capsq *q)
{
	struct mn *mn = q->mn;
	struct caps_plan *cp = &q->plan.caps;

	/* SLP knows the device but not its codecs (a basic device a proxy
	 * SA registered): it says them itself. A device not found through
	 * SLP at all is offered the CN's session as it is. */
	if (!cp->dev_codecs[0] && !q->asked_dev &&
	    mn_known_enhanced(mn, q->dev_uri) >= 0) {
		q->asked_dev = true;
		if (!ask_options(q, q->dev_uri, false))
			return;
	}
	if (!cp->dev_codecs[0]) {
		/* nothing says what it takes: it answers for itself */
		cp->how = CAPS_AS_IS;
		str_ncpy(cp->why, "the device's codecs are not known (not"
			 " found through SLP, or no answer to OPTIONS):"
			 " offered the CN's session as it is",
			 sizeof(cp->why));
		done_move(q, NULL);
		return;
	}
	if (caps_list_has(cp->dev_codecs, q->cur_name)) {
		decide(q);
		return;
	}
	if (!mn->cn_codecs_asked && !q->asked_cn) {
		q->asked_cn = true;
		mn->cn_codecs_asked = true;
		if (!ask_options(q, sipleg_remote_target(mn->leg), true))
			return;
	}
	if (!q->asked_tc) {
		q->asked_tc = true;
		if (!slp_ua_find_services(mn->ua, SLP_TYPE_TRANSCODER, "",
					  transcoders_found, q))
			return;
	}
	decide(q);
}

int caps_cn_codec(const struct mn *mn, const char *name,
		  struct sdesc_codec *c)
{
	const struct sdesc *sdv[2] = {mn->cn_remote, mn->cn_caps};
	const struct codec_desc *cd = codec_find(name);

	for (int s = 0; s < 2; s++) {
		for (unsigned i = 0; sdv[s] && i < sdesc_media_count(sdv[s]);
		     i++) {
			const struct sdesc_media *m = sdesc_media(sdv[s], i);

			for (unsigned k = 0; sdesc_media_type(m) ==
				     SDESC_AUDIO && k < sdesc_media_fmtc(m);
			     k++) {
				if (!sdesc_media_codec(m, k, c) &&
				    !str_casecmp(c->name, name))
					return 0;
			}
		}
	}
	/* a static payload type needs no rtpmap to be known */
	if (cd && cd->pt >= 0) {
		*c = (struct sdesc_codec){cd->name, cd->pt, cd->clock, 0,
					  cd->fmtp};
		return 0;
	}
	return ENOENT;
}

int caps_move(struct mn *mn, const struct mnc_plan *plan, xfer_done_h *h,
	      void *arg, char *why, size_t whysz)
{
	const struct sdesc_media *m;
	struct capsq *q;
	const char *known;
	char name[16];

	for (unsigned i = 0; i < plan->n; i++) {
		m = sdesc_media(mn->cn_remote, plan->item[i].line);
		if (sdesc_media_type(m) != SDESC_AUDIO)
			continue;
		if (mn->caps_q) {
			re_snprintf(why, whysz, "a transfer is in progress;"
				    " wait for it to end");
			return EBUSY;
		}
		q = mem_zalloc(sizeof(*q), capsq_destructor);
		if (!q)
			return ENOMEM;
		tmr_init(&q->tmr);
		q->mn = mn;
		q->plan = *plan;
		if (!q->plan.t_cmd)
			q->plan.t_cmd = playlog_now_ms();
		for (unsigned k = 0; k < plan->n; k++) {
			str_ncpy(q->uris[k], plan->item[k].uri,
				 sizeof(q->uris[k]));
			q->plan.item[k].uri = q->uris[k];
		}
		q->h = h;
		q->arg = arg;
		q->line = plan->item[i].line;
		q->dev_uri = q->uris[i];
		q->plan.caps.line = q->line;
		q->plan.caps.active = true;
		if (sdesc_media_negotiated(m, &q->cur)) {
			mem_deref(q);
			return xfer_move(mn, plan, h, arg, why, whysz);
		}
		str_ncpy(q->cur_name, q->cur.name, sizeof(q->cur_name));
		known = mn_known_attr(mn, q->dev_uri, "codecs");
		for (const char *p = known; (p = caps_next_name(p, name,
							  sizeof(name)));) {
			size_t len = strlen(q->plan.caps.dev_codecs);

			if (codec_find(name))   /* its audio codecs only */
				re_snprintf(q->plan.caps.dev_codecs + len,
					    sizeof(q->plan.caps.dev_codecs) -
					    len, "%s%s", len ? "," : "", name);
		}
		mn->caps_q = q;
		q->in_call = true;
		step(q);
		q->in_call = false;
		if (mn->caps_q == q)
			return EINPROGRESS;   /* asking; h answers */
		if (q->sync_err) {
			int err = q->sync_err;

			str_ncpy(why, q->sync_why, whysz);
			mem_deref(q);
			return err;
		}
		mem_deref(q);
		return EINPROGRESS;           /* xfer.c has it */
	}
	return xfer_move(mn, plan, h, arg, why, whysz);
}

void caps_call_ended(struct mn *mn)
{
	if (mn->caps_q)
		done_move(mn->caps_q, "the call ended");
	mn->cn_codecs[0] = '\0';
	mn->cn_codecs_asked = false;
	mn->cn_caps = mem_deref(mn->cn_caps);
}
