/*
 * The MN's side of instant moves (bridge.h) in Mobile Node Control: a
 * transfer's bridges from the device's answer to the end of the safety
 * interval, and a retrieval's bridges back through the devices.
 *
 * Move:     the device is offered a=sipmob-bridge with our address; if
 *           its answer takes it, the far end's packets for its lines go
 *           on to it at once (it plays within a packet interval, before
 *           the far end has even seen our re-INVITE), and its packets go
 *           to the far end in our stream until it hears the far end
 *           itself or gets our ACK.
 * Retrieve: each of our devices that gives media back is asked (INFO,
 *           bridge_back.c) to pass the far end's packets on to us and to
 *           send ours on as its own, before we re-INVITE the far end;
 *           we send to it until the far end's own packets reach us.
 * An ordinary phone takes no bridge; the move is then as it always was,
 * and last_transfer says why it was not bridged.
 */
#include <string.h>
#include <re.h>
#include "mn_priv.h"
#include "bridge.h"

enum { BACK_TIMEOUT_MS = 500 };   /* a device's answer to the INFO */

struct back_wait {
	struct xbridges *xb;      /* NULL once the transfer is over        */
	unsigned pending;
	struct tmr tmr;
	xbridge_ready_h *h;
	void *arg;
};

struct back_req {
	struct back_wait *w;
	struct devleg *d;
	bool types[2];
};

static void note(struct xbridges *xb, const char *fmt, const char *uri)
{
	if (!xb->note[0])
		re_snprintf(xb->note, sizeof(xb->note), fmt, uri);
}

static struct bridge *bridge_of(struct xbridges *xb, struct mn *mn,
				enum sdesc_mtype k);

int xbridge_offer(struct xbridges *xb, struct mn *mn, struct sdesc *offer,
		  const bool *lines)
{
	int err = 0;

	if (!mn->conf.bridge)
		return 0;
	for (unsigned i = 0; i < MN_MAX_LINES && !err; i++) {
		struct sdesc_media *m = sdesc_media(offer, i);
		enum sdesc_mtype k = sdesc_media_type(m);
		struct bridge *b;
		struct sa far;

		if (!lines[i] || k > SDESC_VIDEO)
			continue;
		err = mset_bridge_offer(mn->ms, m);
		if (err == ENOENT) {
			err = 0;   /* a medium we have no stream for */
			continue;
		}
		/* the device may send before its answer reaches us: hold
		 * what does not come from the far end until then */
		if (!err && !sdesc_media_raddr(sdesc_media(mn->cn_remote, i),
					       &far) &&
		    (b = bridge_of(xb, mn, k))) {
			uint32_t tx, rx;

			mset_ssrcs(mn->ms, k, &tx, &rx);
			(void)bridge_expect(b, &far, rx);
		}
	}
	return err;
}

static struct bridge *bridge_of(struct xbridges *xb, struct mn *mn,
				enum sdesc_mtype k)
{
	if (!xb->b[k] && mset_bridge(mn->ms, k, &xb->b[k]))
		return NULL;
	return xb->b[k];
}

void xbridge_device(struct xbridges *xb, struct mn *mn, struct devleg *d,
		    const bool *lines, const enum line_role *roles)
{
	if (!mn->conf.bridge)
		return;
	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		const struct sdesc_media *am = sdesc_media(d->answer, i);
		enum sdesc_mtype k = sdesc_media_type(am);
		struct bridge *b;
		struct sa dev;

		if (!lines[i] || k > SDESC_VIDEO)
			continue;
		if (!mset_bridge_accepted(am)) {
			note(xb, "device %s took no bridge (an ordinary"
			     " phone)", d->uri);
			continue;
		}
		if (sdesc_media_raddr(am, &dev) || !(b = bridge_of(xb, mn, k)))
			continue;
		if (roles[i] != ROLE_IN)
			(void)bridge_relay_to(b, &dev);
		if (roles[i] != ROLE_OUT &&
		    (sdesc_media_dir(am) & SDESC_SENDONLY))
			(void)bridge_take_from(b, &dev);
		d->bridged = true;
	}
}

/* ---- retrieval ------------------------------------------------------------ */

static void back_wait_destructor(void *arg)
{
	struct back_wait *w = arg;

	tmr_cancel(&w->tmr);
}

static void back_req_destructor(void *arg)
{
	struct back_req *q = arg;

	mem_deref(q->w);
	mem_deref(q->d);
}

static void back_ready(struct back_wait *w)
{
	struct xbridges *xb = w->xb;
	xbridge_ready_h *h = w->h;

	tmr_cancel(&w->tmr);
	w->h = NULL;
	if (xb) {
		xb->wait = NULL;
		w->xb = NULL;
	}
	if (h)
		h(w->arg);
	mem_deref(w);
}

static void back_late(void *arg)
{
	struct back_wait *w = arg;

	if (w->xb)
		note(w->xb, "a device did not answer the bridge request in"
		     " time%s", "");
	back_ready(w);
}

/* The far end's address for a medium, the device's where it holds it,
 * and whether the device sends it to the far end (not a display) */
static int addrs(const struct mn *mn, const struct devleg *d,
		 enum sdesc_mtype k, struct sa *far, struct sa *dev,
		 bool *sends)
{
	for (unsigned i = 0; i < MN_MAX_LINES; i++) {
		const struct placement *pl = &mn->place.line[i];
		const struct sdesc_media *cm = sdesc_media(mn->cn_remote, i);

		if (pl->dev != d || sdesc_media_type(cm) != k ||
		    !sdesc_media_port(cm))
			continue;
		const struct sdesc_media *dm = sdesc_media(d->answer,
							   pl->dev_line);

		if (!sdesc_media_raddr(cm, far) &&
		    !sdesc_media_raddr(dm, dev)) {
			*sends = pl->role != ROLE_OUT &&
				(sdesc_media_dir(dm) & SDESC_SENDONLY);
			return 0;
		}
	}
	return ENOENT;
}

static void back_answered(int err, const struct sip_msg *msg, void *arg)
{
	struct back_req *q = arg;
	struct back_wait *w = q->w;
	struct xbridges *xb = w->xb;

	if (!xb || !w->h)
		goto out;
	if (err || !msg || msg->scode >= 300) {
		note(xb, "device %s refused the bridge back", q->d->uri);
	}
	else {
		struct mn *mn = xb->mn;

		for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++) {
			struct sa far, dev;
			struct bridge *b;
			bool sends;

			if (!q->types[k] ||
			    addrs(mn, q->d, k, &far, &dev, &sends) ||
			    !(b = bridge_of(xb, mn, k)))
				continue;
			/* we send through the one that sends to the far
			 * end; a display only passes its packets on */
			if (sends && bridge_send_via(b, &dev, &far))
				continue;
			/* we play what it passes on from now */
			mset_set_receiving(mn->ms, (enum sdesc_mtype)k, true);
			re_fprintf(stderr, "mn: %s comes back through %s%s\n",
				   k == SDESC_AUDIO ? "audio" : "video",
				   q->d->uri, sends ? ", ours through it too" :
				   "");
			xb->back_ok++;
		}
	}
	if (--w->pending == 0)
		back_ready(w);
 out:
	mem_deref(q);
}

static void ask_back(struct back_wait *w, struct devleg *d,
		     const bool types[2])
{
	struct back_req *q;
	struct mbuf *body = NULL;

	if (mset_bridge_back_encode(&body, w->xb->mn->ms, types))
		return;
	q = mem_zalloc(sizeof(*q), back_req_destructor);
	if (!q)
		goto out;
	q->w = mem_ref(w);
	q->d = mem_ref(d);
	q->types[0] = types[0];
	q->types[1] = types[1];
	if (sipleg_request(d->leg, "INFO", MSET_BRIDGE_CTYPE, body,
			   back_answered, q)) {
		mem_deref(q);
		goto out;
	}
	w->pending++;
	if (w->xb->nasked < ARRAY_SIZE(w->xb->asked))
		w->xb->asked[w->xb->nasked++] = mem_ref(d);
 out:
	mem_deref(body);
}

int xbridge_back(struct xbridges *xb, const struct place *next,
		 xbridge_ready_h *h, void *arg)
{
	struct mn *mn = xb->mn;
	struct back_wait *w;
	struct le *le;

	if (!mn->conf.bridge)
		return ENOENT;
	w = mem_zalloc(sizeof(*w), back_wait_destructor);
	if (!w)
		return ENOMEM;
	tmr_init(&w->tmr);
	w->xb = xb;
	w->h = h;
	w->arg = arg;

	for (le = mn->devs.head; le; le = le->next) {
		struct devleg *d = le->data;
		bool types[2] = {false, false}, any = false;

		for (unsigned i = 0; i < MN_MAX_LINES; i++) {
			enum sdesc_mtype k = sdesc_media_type(
				sdesc_media(mn->cn_local, i));

			if (mn->place.line[i].dev != d || next->line[i].dev ||
			    k > SDESC_VIDEO)
				continue;
			types[k] = any = true;
		}
		if (!any)
			continue;
		if (!d->bridged || d->lost[0] || !d->leg) {
			note(xb, d->tc ? "device %s hears the far end through"
			     " a transcoder: the MN cannot play what it would"
			     " pass on" : d->bridged ? "device %s is gone" :
			     "device %s took no bridge on its way in (an"
			     " ordinary phone, or another codec)", d->uri);
			continue;
		}
		/* known before any of them starts passing packets on: what
		 * comes from them is not yet the far end's switch */
		for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++) {
			struct sa far, dev;
			struct bridge *b;
			bool sends;

			if (types[k] && !addrs(mn, d, k, &far, &dev, &sends) &&
			    (b = bridge_of(xb, mn, k)))
				(void)bridge_not_far(b, &dev);
		}
		ask_back(w, d, types);
	}
	if (!w->pending) {
		mem_deref(w);
		return ENOENT;
	}
	xb->wait = w;
	tmr_start(&w->tmr, BACK_TIMEOUT_MS, back_late, w);
	return 0;
}

/* ---- the end ---------------------------------------------------------------- */

static void cancel_answered(int err, const struct sip_msg *msg, void *arg)
{
	(void)err;
	(void)msg;
	(void)arg;
}

void xbridge_cancel_back(struct xbridges *xb)
{
	static const bool none[2] = {false, false};
	struct mbuf *body = NULL;

	/* an empty list ends the device's bridges back: it plays and sends
	 * its own again, as the media stay with it */
	if (!xb->nasked || mset_bridge_back_encode(&body, xb->mn->ms, none))
		return;
	for (unsigned i = 0; i < xb->nasked; i++) {
		struct devleg *d = xb->asked[i];

		if (d->leg && !d->lost[0])
			(void)sipleg_request(d->leg, "INFO", MSET_BRIDGE_CTYPE,
					     body, cancel_answered, NULL);
		body->pos = 0;
	}
	mem_deref(body);
}

void xbridge_end(struct xbridges *xb, struct last_transfer *lt)
{
	uint64_t t0 = 0, t1 = 0;

	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO; k++) {
		struct bridge_stats st;

		if (!xb->b[k])
			continue;
		bridge_stats(xb->b[k], &st);
		xb->relayed += st.relayed;
		xb->spliced += st.spliced;
		if (st.relayed + st.spliced || st.t_switched) {
			uint64_t end = st.t_last > st.t_switched ?
				st.t_last : st.t_switched;

			t0 = t0 && t0 < st.t_start ? t0 : st.t_start;
			t1 = t1 > end ? t1 : end;
		}
		xb->b[k] = mem_deref(xb->b[k]);
	}
	if (t1 > t0)
		xb->ran_ms += t1 - t0;
	if (xb->wait) {
		xb->wait->xb = NULL;
		xb->wait = NULL;
	}
	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO && xb->nasked; k++)
		mset_set_receiving(xb->mn->ms, (enum sdesc_mtype)k, false);
	while (xb->nasked) {
		--xb->nasked;
		xb->asked[xb->nasked] = mem_deref(xb->asked[xb->nasked]);
	}
	if (!lt)
		return;
	lt->bridged = xb->relayed + xb->spliced > 0 || xb->back_ok;
	lt->bridge_ms = xb->ran_ms;
	lt->bridge_relayed = xb->relayed;
	lt->bridge_spliced = xb->spliced;
	str_ncpy(lt->bridge_note, lt->bridged ? "" : xb->note[0] ? xb->note :
		 xb->mn->conf.bridge ? "nothing to bridge" :
		 "bridges are off (--bridge off)", sizeof(lt->bridge_note));
}
