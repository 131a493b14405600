/*
 * sipmob-transcoder's SIP side (RFC 4117; spec §6.1, Figure 7). Each
 * session holds pairs of audio m-lines (2k faces A, 2k+1 faces B); each
 * pair is a tc_pair of the media engine (src/media/transcode_*.c), whose
 * worker loops carry and convert the packets. This file only negotiates:
 * it answers an offer line by line, or offers a pair when the INVITE has no
 * body and takes the answer from the ACK, and tells the engine each leg's
 * codec and remote address. It also watches the pairs for a media timeout
 * and keeps the SLP registration's load current.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/media.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/sdesc.h>
#include <sipmob/sipua.h>
#include <sipmob/slp.h>
#include <sipmob/transcode.h>
#include <sipmob/transcoder.h>

enum {
	MAX_LINES      = 8,           /* 4 pairs in one session             */
	MAX_CODECS     = 6,           /* ours plus telephone-event          */
	OPUS_DYN_PT    = 111,
	WATCH_MS       = 1000,        /* media timeout check                */
	LOAD_DELAY_MS  = 200,         /* a load change reaches SLP this late */
	SLP_LIFETIME   = 300,
};

struct tcsvc {
	struct tcsvc_conf conf;
	struct sipep *ep;
	struct tc_engine *eng;
	struct slp_sa *sa;
	struct sa media_addr;
	struct sdesc_codec codecv[MAX_CODECS];
	size_t codecc;
	char codec_names[64];
	struct list calls;
	unsigned next_id;
	unsigned registered_pairs;
	struct tmr tmr_watch;
	struct tmr tmr_load;
};

struct tccall {
	struct le le;
	struct tcsvc *svc;
	unsigned id;
	struct sipleg *leg;
	struct tc_pair *pair[MAX_LINES / 2];
	unsigned npairs;
	struct sdesc *local;      /* our last description                 */
	bool offered;             /* our 2xx carried the offer            */
	bool relaying;            /* both legs of a pair are set          */
	uint64_t t_start;
};

static void load_changed(struct tcsvc *svc);

static void call_destructor(void *arg)
{
	struct tccall *c = arg;

	list_unlink(&c->le);
	sipleg_set_handlers(c->leg, NULL, NULL);
	mem_deref(c->leg);     /* BYE while established */
	for (unsigned k = 0; k < c->npairs; k++)
		mem_deref(c->pair[k]);
	mem_deref(c->local);
	if (c->svc)
		load_changed(c->svc);
}

static void call_end(struct tccall *c, const char *why)
{
	re_fprintf(stderr, "transcoder: session %u ends: %s\n", c->id, why);
	mem_deref(c);
}

/* ---- codecs -------------------------------------------------------------- */

static int add_codec(struct tcsvc *svc, const char *name)
{
	const struct codec_desc *cd = codec_find(name);
	struct sdesc_codec *c;

	if (!cd)
		return ENOENT;
	if (svc->codecc + 1 >= MAX_CODECS)   /* room for telephone-event */
		return E2BIG;
	c = &svc->codecv[svc->codecc++];
	c->name = cd->name;
	c->pt = cd->pt >= 0 ? cd->pt : OPUS_DYN_PT;
	c->srate = cd->clock;
	c->ch = cd->channels > 1 ? cd->channels : 0;
	c->fmtp = cd->fmtp;
	return 0;
}

static int codecs_init(struct tcsvc *svc, const char *list)
{
	char name[32];
	const char *p = list;
	int err = 0;

	if (!list) {
		for (const struct codec_desc *const *cv = codec_list();
		     *cv && !err; cv++)
			err = add_codec(svc, (*cv)->name);
	}
	while (!err && p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!n || n >= sizeof(name))
			return EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		err = add_codec(svc, name);
		p = e ? e + 1 : NULL;
	}
	if (err || !svc->codecc)
		return err ? err : EINVAL;

	for (size_t i = 0; i < svc->codecc; i++)
		re_snprintf(svc->codec_names + strlen(svc->codec_names),
			    sizeof(svc->codec_names) -
			    strlen(svc->codec_names), "%s%s", i ? "," : "",
			    svc->codecv[i].name);
	svc->codecv[svc->codecc++] = (struct sdesc_codec){
		DTMF_SDP_NAME, DTMF_PT, DTMF_CLOCK, 0, DTMF_FMTP};
	return 0;
}

/* The payload type of telephone-event on a line, or -1 */
static int line_dtmf_pt(const struct sdesc_media *m)
{
	for (unsigned i = 0; i < sdesc_media_fmtc(m); i++) {
		struct sdesc_codec c;

		if (!sdesc_media_codec(m, i, &c) &&
		    !str_casecmp(c.name, DTMF_SDP_NAME))
			return c.pt;
	}
	return -1;
}

/* ---- the pairs ------------------------------------------------------------ */

static bool line_pairable(const struct sdesc *sd, unsigned i)
{
	const struct sdesc_media *a = sdesc_media(sd, i & ~1u);
	const struct sdesc_media *b = sdesc_media(sd, i | 1u);

	return (i | 1u) < MAX_LINES && a && b &&
		sdesc_media_type(a) == SDESC_AUDIO &&
		sdesc_media_type(b) == SDESC_AUDIO &&
		sdesc_media_port(a) && sdesc_media_port(b);
}

/* Pairs for the first n lines (n even); extra pairs go. */
static int pairs_ensure(struct tccall *c, unsigned npairs)
{
	struct tcsvc *svc = c->svc;

	while (c->npairs > npairs) {
		c->npairs--;
		c->pair[c->npairs] = mem_deref(c->pair[c->npairs]);
	}
	while (c->npairs < npairs) {
		int err = tc_pair_alloc(&c->pair[c->npairs], svc->eng,
					&svc->media_addr, svc->conf.port_min,
					svc->conf.port_max);
		if (err)
			return err;
		c->npairs++;
	}
	load_changed(svc);
	return 0;
}

/* The leg of pair k that line i is (2k: A, 2k+1: B) */
static const struct sa *line_laddr(const struct tccall *c, unsigned i)
{
	return tc_pair_laddr(c->pair[i / 2], (i & 1) ? TC_LEG_B : TC_LEG_A);
}

/* Tells the engine what line i of the negotiated session is: the codec
 * in `ours` (our description), the peer's address in `theirs`. */
static int apply_line(struct tccall *c, unsigned i,
		      const struct sdesc_media *ours,
		      const struct sdesc_media *theirs)
{
	struct tc_leg_conf lc;
	struct sdesc_codec sc;

	memset(&lc, 0, sizeof(lc));
	if (sdesc_media_negotiated(theirs, &sc) ||
	    !(lc.codec = codec_find(sc.name)))
		return EPROTO;
	lc.pt = (uint8_t)sc.pt;
	lc.dtmf_pt = line_dtmf_pt(ours) >= 0 ? line_dtmf_pt(theirs) : -1;
	if (sdesc_media_raddr(theirs, &lc.remote))
		return EPROTO;
	if (!(sdesc_media_dir(theirs) & SDESC_RECVONLY))
		sa_init(&lc.remote, AF_UNSPEC);   /* it takes nothing */
	return tc_pair_set_leg(c->pair[i / 2], (i & 1) ? TC_LEG_B : TC_LEG_A,
			       &lc);
}

static int apply_session(struct tccall *c, const struct sdesc *ours,
			 const struct sdesc *theirs)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 2 * c->npairs; i++) {
		const struct sdesc_media *lm = sdesc_media(ours, i);
		const struct sdesc_media *rm = sdesc_media(theirs, i);

		if (!lm || !rm || !sdesc_media_port(lm) ||
		    !sdesc_media_port(rm))
			continue;
		if (apply_line(c, i, lm, rm))
			return EPROTO;
		n++;
	}
	c->relaying = n > 0;
	return n ? 0 : ENOENT;
}

/* ---- offer / answer ------------------------------------------------------- */

static int local_media(struct tccall *c, struct sdesc_lmedia *lmv)
{
	for (unsigned i = 0; i < 2 * c->npairs; i++) {
		lmv[i] = (struct sdesc_lmedia){
			SDESC_AUDIO, line_laddr(c, i), SDESC_SENDRECV,
			c->svc->codecv, c->svc->codecc};
	}
	return 2 * c->npairs;
}

/* An offer of both parties' media: answer each pairable line. */
static int answer_offer(struct tccall *c, const struct sip_msg *msg,
			struct sdesc **ansp, char *why, size_t whysz)
{
	struct sdesc_lmedia lmv[MAX_LINES];
	struct sdesc *offer = NULL, *usable = NULL, *ans = NULL;
	unsigned npairs = 0;
	int err;

	err = sdesc_parse(&offer, mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
			  why, whysz);
	if (err)
		return EBADMSG;
	for (unsigned i = 0; i + 1 < sdesc_media_count(offer) &&
		     i + 1 < MAX_LINES; i += 2) {
		if (!line_pairable(offer, i))
			break;
		npairs++;
	}
	/* what is not a pair is refused, so each line meets its own leg */
	err = sdesc_dup(&usable, offer);
	for (unsigned i = 2 * npairs; !err && i < sdesc_media_count(usable);
	     i++)
		err = sdesc_media_disable(sdesc_media(usable, i));
	if (!err && !npairs) {
		re_snprintf(why, whysz, "no pair of audio lines (A, B)");
		err = ENOENT;
	}
	err = err ? err : pairs_ensure(c, npairs);
	err = err ? err : sdesc_answer(&ans, usable, c->local, "transcoder",
				       lmv, local_media(c, lmv));
	if (!err && apply_session(c, ans, offer)) {
		re_snprintf(why, whysz, "no codec of ours on both legs");
		err = ENOENT;
	}
	mem_deref(offer);
	mem_deref(usable);
	if (err)
		mem_deref(ans);
	else
		*ansp = ans;
	return err;
}

static int make_offer(struct tccall *c, struct sdesc **offerp)
{
	struct sdesc_lmedia lmv[MAX_LINES];
	int err = c->npairs ? 0 : pairs_ensure(c, 1);

	return err ? err : sdesc_offer(offerp, c->local, "transcoder", lmv,
				       local_media(c, lmv));
}

/* Answers an INVITE or re-INVITE: to its offer, or with ours */
static void handle_offer(struct tccall *c, const struct sip_msg *msg)
{
	struct sdesc *sd = NULL;
	struct mbuf *mb = NULL;
	char why[128] = "";
	int err;

	c->offered = !mbuf_get_left(msg->mb);
	err = c->offered ? make_offer(c, &sd)
		: answer_offer(c, msg, &sd, why, sizeof(why));
	err = err ? err : sdesc_encode(&mb, sd);
	if (err) {
		re_fprintf(stderr, "transcoder: session %u: refused: %s\n",
			   c->id, why[0] ? why : "cannot build SDP");
		if (!why[0])
			re_fprintf(stderr, "transcoder: (%m)\n", err);
		(void)sipleg_reply(c->leg, err == EBADMSG ? 400 : 488,
				   err == EBADMSG ? "Bad SDP" :
				   "Not Acceptable Here", NULL);
		mem_deref(sd);
		return;
	}
	(void)sipleg_reply(c->leg, 200, "OK", mb);
	mem_deref(c->local);
	c->local = sd;
	mem_deref(mb);
	if (!c->offered)
		re_fprintf(stderr, "transcoder: session %u: %u pair(s)"
			   " relaying\n", c->id, c->npairs);
}

/* ---- the dialog ------------------------------------------------------------ */

static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	(void)leg;
	handle_offer(arg, msg);
}

/* The ACK answers our offer (spec Figure 7, message 8) */
static void ack_handler(struct sipleg *leg, const struct sip_msg *msg,
			void *arg)
{
	struct tccall *c = arg;
	struct sdesc *ans = NULL;
	char why[128];
	(void)leg;

	if (!c->offered)
		return;
	c->offered = false;
	if (!msg || !mbuf_get_left(msg->mb)) {
		call_end(c, "the ACK did not answer our offer");
		return;
	}
	if (sdesc_parse(&ans, mbuf_buf(msg->mb), mbuf_get_left(msg->mb), why,
			sizeof(why))) {
		re_fprintf(stderr, "transcoder: session %u: bad SDP in ACK:"
			   " %s\n", c->id, why);
		call_end(c, "unreadable answer");
		return;
	}
	if (apply_session(c, c->local, ans)) {
		mem_deref(ans);
		call_end(c, "the answer leaves nothing to relay");
		return;
	}
	mem_deref(ans);
	re_fprintf(stderr, "transcoder: session %u: %u pair(s) relaying\n",
		   c->id, c->npairs);
}

static void close_handler(struct sipleg *leg, int err,
			  const struct sip_msg *msg, void *arg)
{
	struct tccall *c = arg;
	(void)leg;
	(void)msg;

	call_end(c, err == ECONNRESET ? "BYE" : "the dialog failed");
}

static const struct sipleg_handlers call_handlers = {
	.offerh = offer_handler, .ackh = ack_handler,
	.closeh = close_handler,
};

static void invite_handler(struct sipep *ep, struct sipleg *leg,
			   const struct sip_msg *msg, void *arg)
{
	struct tcsvc *svc = arg;
	struct tccall *c;
	(void)ep;

	if (tc_engine_pairs(svc->eng) >= svc->conf.max_pairs) {
		re_fprintf(stderr, "transcoder: INVITE from %r refused: full"
			   " (%u pairs)\n", &msg->from.auri,
			   svc->conf.max_pairs);
		(void)sipleg_reply(leg, 503, "Service Unavailable", NULL);
		return;
	}
	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return;   /* declined with 480 */
	c->svc = svc;
	c->id = ++svc->next_id;
	c->leg = mem_ref(leg);
	c->t_start = tmr_jiffies();
	list_append(&svc->calls, &c->le, c);
	sipleg_set_handlers(leg, &call_handlers, c);
	re_fprintf(stderr, "transcoder: INVITE from %r (session %u)%s\n",
		   &msg->from.auri, c->id, mbuf_get_left(msg->mb) ? "" :
		   " without an offer");
	/* A refused offer closes the leg, and close_handler ends c there:
	 * c is gone then and must not be touched again here. */
	handle_offer(c, msg);
}

/* Our SDP for OPTIONS: one pair with every codec */
static int caps_handler(struct mbuf **descp, void *arg)
{
	struct tcsvc *svc = arg;
	struct sdesc_lmedia lm[2];
	struct sdesc *sd = NULL;
	struct sa a = svc->media_addr;
	int err;

	sa_set_port(&a, 9);
	for (int i = 0; i < 2; i++)
		lm[i] = (struct sdesc_lmedia){SDESC_AUDIO, &a, SDESC_SENDRECV,
					      svc->codecv, svc->codecc};
	err = sdesc_offer(&sd, NULL, "transcoder", lm, 2);
	err = err ? err : sdesc_encode(descp, sd);
	mem_deref(sd);
	return err;
}

/* ---- load, SLP, media timeout ----------------------------------------------- */

static int slp_register(struct tcsvc *svc)
{
	char *attrs = NULL;
	unsigned pairs = tc_engine_pairs(svc->eng);
	unsigned load = min(100u, pairs * 100 / svc->conf.max_pairs);
	int err;

	err = re_sdprintf(&attrs, "(codecs=%s),(load=%u),(pairs=%u),"
			  "(max-pairs=%u),(vendor=sipmob " SIPMOB_VERSION ")"
			  "%s%H%s", svc->codec_names, load, pairs,
			  svc->conf.max_pairs,
			  svc->conf.room ? ",(room=" : "",
			  slp_attr_escape, svc->conf.room ? svc->conf.room :
			  "", svc->conf.room ? ")" : "");
	err = err ? err : slp_sa_register(svc->sa, sipep_uri(svc->ep),
					  SLP_TYPE_TRANSCODER, attrs,
					  SLP_LIFETIME);
	if (!err)
		svc->registered_pairs = pairs;
	mem_deref(attrs);
	return err;
}

static void load_timeout(void *arg)
{
	struct tcsvc *svc = arg;

	if (svc->sa && tc_engine_pairs(svc->eng) != svc->registered_pairs)
		(void)slp_register(svc);
}

static void load_changed(struct tcsvc *svc)
{
	if (svc->sa && !tmr_isrunning(&svc->tmr_load))
		tmr_start(&svc->tmr_load, LOAD_DELAY_MS, load_timeout, svc);
}

static void watch(void *arg)
{
	struct tcsvc *svc = arg;
	uint64_t now = tmr_jiffies();
	uint64_t limit = (uint64_t)svc->conf.media_timeout_s * 1000;
	struct le *le = svc->calls.head;

	tmr_start(&svc->tmr_watch, WATCH_MS, watch, svc);
	while (le) {
		struct tccall *c = le->data;
		uint64_t last = c->t_start;

		le = le->next;
		if (!c->relaying)
			continue;
		for (unsigned k = 0; k < c->npairs; k++) {
			struct tc_pair_stats st;

			if (tc_pair_stats(c->pair[k], &st))
				continue;
			for (int l = 0; l < 2; l++)
				last = max(last, st.leg[l].last_rx_ms);
		}
		if (now > last + limit)
			call_end(c, "no media for the media timeout");
	}
}

/* ---- the service ------------------------------------------------------------ */

static void svc_destructor(void *arg)
{
	struct tcsvc *svc = arg;

	tmr_cancel(&svc->tmr_watch);
	tmr_cancel(&svc->tmr_load);
	for (struct le *le = svc->calls.head; le; le = le->next)
		((struct tccall *)le->data)->svc = NULL;
	list_flush(&svc->calls);
	mem_deref(svc->sa);
	mem_deref(svc->ep);
	mem_deref(svc->eng);
}

int tcsvc_alloc(struct tcsvc **svcp, const struct tcsvc_conf *conf)
{
	struct sipep_conf ec;
	struct tcsvc *svc;
	int err;

	if (!svcp || !conf || !conf->sip_listen)
		return EINVAL;
	svc = mem_zalloc(sizeof(*svc), svc_destructor);
	if (!svc)
		return ENOMEM;
	svc->conf = *conf;
	if (!svc->conf.media_timeout_s)
		svc->conf.media_timeout_s = 30;
	if (!svc->conf.max_pairs)
		svc->conf.max_pairs = 1000 * (conf->threads ? conf->threads :
					      (unsigned)sysconf(
						      _SC_NPROCESSORS_ONLN));
	if (!svc->conf.port_min) {
		svc->conf.port_min = MEDIA_PORT_MIN;
		svc->conf.port_max = MEDIA_PORT_MAX;
	}
	tmr_init(&svc->tmr_watch);
	tmr_init(&svc->tmr_load);

	err = codecs_init(svc, conf->codecs);
	if (err) {
		re_fprintf(stderr, "transcoder: bad codec list '%s'\n",
			   conf->codecs);
		goto out;
	}
	err = tc_engine_alloc(&svc->eng, conf->threads);
	if (err)
		goto out;
	if (conf->max_wake_us >= 0) {
		err = tc_engine_pm_qos(svc->eng, conf->max_wake_us);
		if (err) {
			re_fprintf(stderr, "transcoder: cannot hold the CPUs'"
				   " wake-up latency (/dev/cpu_dma_latency:"
				   " %m)\n", err);
			goto out;
		}
	}

	memset(&ec, 0, sizeof(ec));
	ec.listen = conf->sip_listen;
	ec.user = "transcoder";
	ec.display = "sipmob transcoder";
	ec.trace = conf->trace;
	err = sipep_alloc(&svc->ep, &ec, invite_handler, svc);
	if (err)
		goto out;
	sipep_set_caps_handler(svc->ep, caps_handler, svc);
	svc->media_addr = *sipep_laddr(svc->ep);
	sa_set_port(&svc->media_addr, 0);

	if (!conf->no_slp) {
		struct slp_sa_conf sc;

		memset(&sc, 0, sizeof(sc));
		sc.da = conf->slp_da;
		sc.name = "transcoder-sa";
		err = slp_sa_alloc(&svc->sa, &sc);
		err = err ? err : slp_register(svc);
		if (err)
			goto out;
	}
	tmr_start(&svc->tmr_watch, WATCH_MS, watch, svc);
	re_fprintf(stderr, "transcoder: ready at %s (%s)\n",
		   sipep_uri(svc->ep), svc->codec_names);
 out:
	if (err)
		mem_deref(svc);
	else
		*svcp = svc;
	return err;
}

static int put_leg(struct odict *o, const char *key,
		   const struct tc_leg_stats *ls, const struct sa *local)
{
	struct odict *l = NULL;
	char addr[64];
	int err = ctl_put_obj(o, key, &l);

	re_snprintf(addr, sizeof(addr), "%J", local);
	err = err ? err : ctl_put_str(l, "codec", ls->codec);
	err |= err ? 0 : ctl_put_str(l, "local", addr);
	err |= err ? 0 : ctl_put_int(l, "rx_packets", (int64_t)ls->rx_packets);
	err |= err ? 0 : ctl_put_int(l, "tx_packets", (int64_t)ls->tx_packets);
	err |= err ? 0 : ctl_put_int(l, "lost", (int64_t)ls->rx_lost);
	err |= err ? 0 : ctl_put_int(l, "concealed", (int64_t)ls->concealed);
	err |= err ? 0 : ctl_put_int(l, "dtmf_events",
				     (int64_t)ls->dtmf_events);
	/* what it would not take: not RTP, another payload type, late */
	err |= err ? 0 : ctl_put_int(l, "dropped", (int64_t)(ls->rx_invalid +
				     ls->rx_bad_pt + ls->rx_late +
				     ls->rx_unrouted));
	return err;
}

static int status(struct tcsvc *svc, struct odict *reply)
{
	struct odict *streams = NULL;
	int err;

	err  = ctl_put_str(reply, "uri", sipep_uri(svc->ep));
	err |= ctl_put_str(reply, "codecs", svc->codec_names);
	err |= ctl_put_int(reply, "sessions", list_count(&svc->calls));
	err |= ctl_put_int(reply, "load", tc_engine_pairs(svc->eng));
	err |= ctl_put_array(reply, "streams", &streams);
	for (struct le *le = svc->calls.head; le && !err; le = le->next) {
		const struct tccall *c = le->data;

		for (unsigned k = 0; k < c->npairs && !err; k++) {
			struct tc_pair_stats st;
			struct odict *o = NULL;

			if (tc_pair_stats(c->pair[k], &st))
				continue;
			err  = ctl_array_obj(streams, &o);
			err |= err ? 0 : ctl_put_int(o, "session", c->id);
			err |= err ? 0 : ctl_put_int(o, "pair", k);
			err |= err ? 0 : ctl_put_int(o, "worker", st.worker);
			err |= err ? 0 : put_leg(o, "a", &st.leg[TC_LEG_A],
						 tc_pair_laddr(c->pair[k],
							       TC_LEG_A));
			err |= err ? 0 : put_leg(o, "b", &st.leg[TC_LEG_B],
						 tc_pair_laddr(c->pair[k],
							       TC_LEG_B));
			err |= err ? 0 : ctl_put_int(o, "delay_p50_us",
						     st.delay_p50_us);
			err |= err ? 0 : ctl_put_int(o, "delay_p99_us",
						     st.delay_p99_us);
			err |= err ? 0 : ctl_put_int(o, "delay_max_us",
						     st.delay_max_us);
		}
	}
	return err;
}

int tcsvc_command(struct tcsvc *svc, int argc, char *argv[],
		  struct odict *reply)
{
	if (argc >= 1 && !strcmp(argv[0], "status"))
		return status(svc, reply);
	if (argc >= 1 && !strcmp(argv[0], "hangup")) {
		unsigned n = list_count(&svc->calls);

		list_flush(&svc->calls);
		return ctl_put_int(reply, "ended", n);
	}
	ctl_put_str(reply, "error", "unknown command; try: status, hangup");
	return EINVAL;
}

void tcsvc_shutdown(struct tcsvc *svc)
{
	if (!svc)
		return;
	list_flush(&svc->calls);
	sipep_shutdown(svc->ep);
	if (svc->sa)
		slp_sa_shutdown(svc->sa, NULL, NULL);
}
