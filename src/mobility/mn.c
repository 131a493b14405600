/*
 * The mobile node: a SIP UA for one call at a time, with its own media.
 * `call URI` sends an INVITE with our offer and applies the answer; an
 * incoming INVITE is answered while idle and refused with 486 while busy.
 * The call's state and, per medium, where the medium is and how many
 * packets it moved are what `status` reports; transfer (mnc.c) builds on
 * this state.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include <sipmob/mn.h>

enum mn_state { MN_IDLE = 0, MN_CALLING, MN_ESTABLISHED };

struct mn {
	struct mn_conf conf;
	struct sipep *ep;
	struct sa media_addr;
	struct sipleg *leg;        /* the call with the CN                */
	struct mset *ms;           /* our own media in it                 */
	struct mset *caps;         /* for OPTIONS                         */
	enum mn_state state;
	char *user;
	char *record_path;
	char *codecs;
	char last_error[128];
	uint16_t last_scode;
};

static const char *state_name(enum mn_state st)
{
	switch (st) {

	case MN_CALLING:     return "calling";
	case MN_ESTABLISHED: return "established";
	default:             return "idle";
	}
}

static void call_end(struct mn *mn)
{
	mn->leg = mem_deref(mn->leg);
	mn->ms = mem_deref(mn->ms);
	mn->state = MN_IDLE;
}

static void destructor(void *arg)
{
	struct mn *mn = arg;

	call_end(mn);
	mem_deref(mn->caps);
	mem_deref(mn->ep);
	mem_deref(mn->user);
	mem_deref(mn->record_path);
	mem_deref(mn->codecs);
}

static int media_alloc(struct mn *mn)
{
	struct mset_conf mc;

	memset(&mc, 0, sizeof(mc));
	mc.addr = &mn->media_addr;
	mc.codecs = mn->codecs;
	mc.port_min = mn->conf.port_min;
	mc.port_max = mn->conf.port_max;
	mc.user = mn->user;
	mc.record_path = mn->record_path;
	mn->ms = mem_deref(mn->ms);
	return mset_alloc(&mn->ms, &mc);
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
	char why[128] = "";
	(void)leg;

	if (!err && scode < 200)
		return;

	mn->last_scode = scode;
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
		char line[160];

		re_snprintf(line, sizeof(line), "unusable answer from %s: %s;"
			    " hanging up", sipleg_remote_uri(mn->leg), why);
		fail(mn, line);
		call_end(mn);
		return;
	}
	mn->state = MN_ESTABLISHED;
	mn->last_error[0] = '\0';
	re_fprintf(stderr, "mn: call with %s established\n",
		   sipleg_remote_uri(mn->leg));
}

static void offer_handler(struct sipleg *leg, const struct sip_msg *msg,
			  void *arg)
{
	struct mn *mn = arg;
	struct mbuf *sdp = NULL;
	char why[128];
	int e;

	if (mbuf_get_left(msg->mb))
		e = mset_answer(mn->ms, msg->mb, &sdp, why, sizeof(why));
	else
		e = mset_offer(mn->ms, &sdp);

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
	mn->state = MN_ESTABLISHED;
}

static void close_handler(struct sipleg *leg, int err,
			  const struct sip_msg *msg, void *arg)
{
	struct mn *mn = arg;
	(void)leg;
	(void)msg;

	re_fprintf(stderr, "mn: call with %s ended (%m)\n",
		   sipleg_remote_uri(mn->leg), err);
	call_end(mn);
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
	sipleg_set_handlers(leg, &call_handlers, mn);
	mn->state = MN_ESTABLISHED;
	re_fprintf(stderr, "mn: answering %r\n", &msg->from.auri);
	(void)sipleg_reply(leg, 200, "OK", sdp);
	mem_deref(sdp);
}

static int caps_handler(struct mbuf **descp, void *arg)
{
	struct mn *mn = arg;

	return mset_caps(mn->caps, descp);
}

static void trace_handler(bool tx, const char *summary, void *arg)
{
	(void)tx;
	(void)arg;
	re_fprintf(stderr, "sip: %s\n", summary);
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
	err  = str_dup(&mn->user, conf->user ? conf->user : "mn");
	err |= conf->record_path ? str_dup(&mn->record_path,
					   conf->record_path) : 0;
	err |= conf->codecs ? str_dup(&mn->codecs, conf->codecs) : 0;
	if (err)
		goto out;

	memset(&ec, 0, sizeof(ec));
	ec.listen = conf->sip_listen;
	ec.user = mn->user;
	err = sipep_alloc(&mn->ep, &ec, invite_handler, mn);
	if (err)
		goto out;
	mn->media_addr = *sipep_laddr(mn->ep);
	sa_set_port(&mn->media_addr, 0);

	memset(&mc, 0, sizeof(mc));
	mc.addr = &mn->media_addr;
	mc.codecs = mn->codecs;
	mc.port_min = conf->port_min;
	mc.port_max = conf->port_max;
	mc.user = mn->user;
	err = mset_alloc(&mn->caps, &mc);
	if (err)
		goto out;
	sipep_set_caps_handler(mn->ep, caps_handler, mn);
	sipep_set_trace_handler(mn->ep, trace_handler, mn);

	if (conf->registrar) {
		err = sipep_register(mn->ep, conf->registrar, NULL, NULL,
				     NULL, 600, NULL, NULL);
		if (err)
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
	mn->last_error[0] = '\0';
	re_fprintf(stderr, "mn: calling %s\n", uri);
	return ctl_put_str(reply, "state", state_name(mn->state));
}

static int status(struct mn *mn, struct odict *reply)
{
	struct odict *call, *media;
	struct le *le;
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
	if (err || !mn->ms)
		return err;

	err = mset_status(mn->ms, media);
	for (le = media->lst.head; le; le = le->next) {
		struct odict_entry *e = le->data;

		err |= ctl_put_str(e->u.odict, "at", "self");
	}
	return err;
}

int mn_command(struct mn *mn, struct ctl_request *req, int argc,
	       char *argv[], struct odict *reply)
{
	(void)req;

	if (!strcmp(argv[0], "status"))
		return status(mn, reply);

	if (!strcmp(argv[0], "call")) {
		if (argc < 2) {
			ctl_put_str(reply, "error", "usage: call URI");
			return EINVAL;
		}
		return cmd_call(mn, argv[1], reply);
	}

	if (!strcmp(argv[0], "hangup")) {
		if (mn->state == MN_IDLE) {
			ctl_put_str(reply, "error", "no call");
			return ENOENT;
		}
		call_end(mn);   /* the leg's destructor sends BYE/CANCEL */
		return 0;
	}

	ctl_put_str(reply, "error",
		    "unknown command (call, hangup, status)");
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
