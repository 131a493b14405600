/*
 * The mobile node's commands on the control socket (see ctl.h), and the
 * only file of the mobility layer that speaks that protocol: it acts on a
 * request cmd_parse.c parsed, calls the mobility functions, and turns their results and their
 * reasons into the JSON reply. Every refusal carries an "error" sentence.
 */
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/slp.h>
#include "cmd_parse.h"

static const char *state_name(enum mn_state st)
{
	switch (st) {

	case MN_CALLING:     return "calling";
	case MN_ESTABLISHED: return "established";
	default:             return "idle";
	}
}

static int refuse(struct odict *reply, int err, const char *why)
{
	ctl_put_str(reply, "error", why[0] ? why : "failed");
	return err;
}

/* ---- last_transfer ---------------------------------------------------------- */

/* latency_ms, lapse_<unit>, disruption_ms and <unit> of one medium's
 * metrics, or nulls and a note when there are none. */
static int put_metrics(struct odict *o, bool known,
		       const struct transfer_metrics *m, const char *unit,
		       const char *note)
{
	char lapse[32];
	int err = 0;

	re_snprintf(lapse, sizeof(lapse), "lapse_%s", unit);
	if (!known) {
		err |= ctl_put_str(o, "latency_ms", NULL);
		err |= ctl_put_str(o, lapse, NULL);
		err |= ctl_put_str(o, "disruption_ms", NULL);
		if (note)
			err |= ctl_put_str(o, "metrics_note", note);
		return err;
	}
	if (m->latency_known)
		err |= ctl_put_int(o, "latency_ms", m->latency_ms);
	else
		err |= ctl_put_str(o, "latency_ms", NULL);
	err |= ctl_put_int(o, lapse, (int64_t)m->lapse_packets);
	err |= ctl_put_int(o, "disruption_ms", (int64_t)m->disruption_ms);
	err |= ctl_put_int(o, unit, (int64_t)m->packets);
	return err;
}

static int put_last_transfer(struct odict *od, const struct last_transfer *lt)
{
	struct odict *o, *v;
	int err;

	if (!lt->valid)
		return 0;
	err = ctl_put_obj(od, "last_transfer", &o);
	if (err)
		return err;
	err |= ctl_put_str(o, "mode", lt->mode);
	err |= ctl_put_str(o, "transfer_mode", lt->how ? lt->how : "mnc");
	if (lt->why_how[0])
		err |= ctl_put_str(o, "transfer_mode_why", lt->why_how);
	err |= ctl_put_bool(o, "ok", lt->ok);
	if (!lt->ok)
		err |= ctl_put_str(o, "error", lt->error);
	if (lt->ok)
		err |= ctl_put_int(o, "signaling_ms",
				   (int64_t)lt->signaling_ms);
	err |= ctl_put_bool(o, "bridged", lt->bridged);
	if (lt->bridged)
		err |= ctl_put_int(o, "bridge_ms", (int64_t)lt->bridge_ms);
	/* a retrieval's packets are carried by the devices, not counted */
	if (lt->bridged && !strcmp(lt->mode, "transfer")) {
		err |= ctl_put_int(o, "bridge_relayed",
				   (int64_t)lt->bridge_relayed);
		err |= ctl_put_int(o, "bridge_spliced",
				   (int64_t)lt->bridge_spliced);
	}
	else if (lt->bridge_note[0]) {
		err |= ctl_put_str(o, "bridge_note", lt->bridge_note);
	}
	if (lt->codec_how) {
		err |= ctl_put_str(o, "codec_choice", lt->codec_how);
		if (lt->codec_why[0])
			err |= ctl_put_str(o, "codec_why", lt->codec_why);
		if (lt->transcoder[0])
			err |= ctl_put_str(o, "transcoder", lt->transcoder);
	}
	if (lt->ladder.n) {
		struct odict *steps, *st;

		err = err ? err : ctl_put_array(o, "ladder", &steps);
		for (unsigned i = 0; i < lt->ladder.n && !err; i++) {
			err |= ctl_array_obj(steps, &st);
			err = err ? err : ctl_put_int(st, "t_ms",
						     lt->ladder.v[i].t_ms);
			err = err ? err : ctl_put_str(st, "step",
						     lt->ladder.v[i].what);
		}
		if (lt->ladder.cut)
			err |= ctl_put_bool(o, "ladder_cut", true);
	}
	/* The top-level numbers are the audio's. */
	err |= put_metrics(o, lt->metrics_known, &lt->m, "packets",
			   lt->ok ? lt->metrics_note : NULL);
	if (lt->ok && lt->video_moved) {
		err = err ? err : ctl_put_obj(o, "video", &v);
		err = err ? err : put_metrics(v, lt->vmetrics_known, &lt->vm,
					      "frames", lt->vmetrics_note);
	}
	return err;
}

/* One line for one medium's metrics: "mn: transfer done: latency ..." */
static void log_metrics(const char *mode, const char *label, bool known,
			const struct transfer_metrics *m, const char *unit,
			const char *note, const char *unmoved)
{
	if (known && m->latency_known)
		re_fprintf(stderr, "mn: %s %s: latency %lld ms, lapse %llu"
			   " %s, disruption %llu ms\n", mode, label,
			   (long long)m->latency_ms,
			   (unsigned long long)m->lapse_packets, unit,
			   (unsigned long long)m->disruption_ms);
	else
		re_fprintf(stderr, "mn: %s %s (%s)\n", mode, label,
			   known ? unmoved : note);
}

static void log_result(const struct last_transfer *lt)
{
	if (!lt->ok) {
		re_fprintf(stderr, "mn: %s failed: %s; the media stay where"
			   " they were\n", lt->mode, lt->error);
		return;
	}
	log_metrics(lt->mode, "done", lt->metrics_known, &lt->m, "packets",
		    lt->metrics_note, "audio did not move");
	if (lt->video_moved)
		log_metrics(lt->mode, "video", lt->vmetrics_known, &lt->vm,
			    "frames", lt->vmetrics_note,
			    "no new place plays it");
	if (lt->bridged)
		re_fprintf(stderr, "mn: %s bridged for %llu ms\n", lt->mode,
			   (unsigned long long)lt->bridge_ms);
	else if (lt->bridge_note[0])
		re_fprintf(stderr, "mn: %s not bridged: %s\n", lt->mode,
			   lt->bridge_note);
}

/* A transfer ended: the waiting command gets its answer. */
static void xfer_done(int err, const struct last_transfer *lt, void *arg)
{
	struct ctl_request *req = arg;
	struct odict *reply = ctl_request_reply(req);

	log_result(lt);
	put_last_transfer(reply, lt);
	if (err) {
		char why[320];

		re_snprintf(why, sizeof(why), "%s failed: %s; the media stay"
			    " where they were", lt->mode, lt->error);
		ctl_put_str(reply, "error", why);
	}
	ctl_request_done(req, err);
	mem_deref(req);
}

/* An asynchronous command started (EINPROGRESS) or was refused. */
static int started(struct ctl_request *req, struct odict *reply, int err,
		   const char *why)
{
	if (err == EINPROGRESS)
		return EINPROGRESS;
	mem_deref(req);   /* the reference xfer_done would have dropped */
	return err ? refuse(reply, err, why) : 0;
}

/* ---- move, retrieve ---------------------------------------------------------- */

static int cmd_move(struct mn *mn, struct ctl_request *req,
		    const struct mn_cmd *cmd, struct odict *reply)
{
	char why[256] = "";
	int err;

	err = mode_move(mn, &cmd->rq, cmd->mode, xfer_done, mem_ref(req), why,
			sizeof(why));
	return started(req, reply, err, why);
}

static int cmd_retrieve(struct mn *mn, struct ctl_request *req,
			const struct mn_cmd *cmd, struct odict *reply)
{
	char why[256] = "";
	int err;

	err = mode_retrieve(mn, cmd->media, cmd->from, cmd->mode, xfer_done,
			    mem_ref(req), why, sizeof(why));
	return started(req, reply, err, why);
}

/* ---- devices ----------------------------------------------------------------- */

/* One device of the answer: its URL, its name, its attributes. */
static int put_device(struct odict *array, const struct mn *mn,
		      const struct slp_device *d)
{
	struct odict *o, *attrs;
	char *url = NULL;
	const char *name;
	int err;

	err  = pl_strdup(&url, &d->url);
	err |= ctl_array_obj(array, &o);
	if (err)
		goto out;
	name = mn_known_name(mn, url);
	err |= ctl_put_str(o, "name", name ? name : url);
	err |= ctl_put_str(o, "url", url);
	err |= ctl_put_int(o, "lifetime", d->lifetime);
	err |= ctl_put_obj(o, "attrs", &attrs);
	for (size_t i = 0; d->parsed && i < d->parsed->n && !err; i++) {
		const struct slp_attr *a = &d->parsed->v[i];
		char tag[64], val[256] = "";
		size_t l = 0;

		pl_strcpy(&a->tag, tag, sizeof(tag));
		if (!a->nval) {   /* a keyword: present */
			err |= ctl_put_bool(attrs, tag, true);
			continue;
		}
		for (size_t j = 0; j < a->nval && l < sizeof(val) - 1; j++) {
			const struct pl *v = pl_isset(&a->val[j].s) ?
				&a->val[j].s : &a->val[j].raw;

			l += re_snprintf(val + l, sizeof(val) - l, "%s%r",
					 j ? "," : "", v);
		}
		err |= ctl_put_str(attrs, tag, val);
	}
 out:
	mem_deref(url);
	return err;
}

struct devices_query {
	struct mn *mn;
	struct ctl_request *req;
};

static void devices_destructor(void *arg)
{
	struct devices_query *q = arg;

	mem_deref(q->req);
}

static void devices_handler(int err, const struct slp_device *v, size_t n,
			    void *arg)
{
	struct devices_query *q = arg;
	struct odict *reply = ctl_request_reply(q->req), *array;

	if (!err) {
		err = ctl_put_array(reply, "devices", &array);
		for (size_t i = 0; i < n && !err; i++)
			err = put_device(array, q->mn, &v[i]);
	}
	else {
		ctl_put_str(reply, "error", err == ETIMEDOUT ?
			    "no answer from SLP (no DA, no device)" :
			    "SLP query failed");
	}
	ctl_request_done(q->req, err);
	mem_deref(q);
}

static int cmd_devices(struct mn *mn, struct ctl_request *req,
		       const struct mn_cmd *cmd, struct odict *reply)
{
	struct devices_query *q;
	int err;

	char pred[MN_CMD_PRED_MAX];
	const char *room = mn_location_room(mn);

	if (cmd->here && !room)
		return refuse(reply, ENOENT, "no location: no room to ask for"
			      " (see `location`)");
	if (cmd->here)
		re_snprintf(pred, sizeof(pred), "(room=%H)", slp_attr_escape,
			    room);
	else
		str_ncpy(pred, cmd->pred, sizeof(pred));
	q = mem_zalloc(sizeof(*q), devices_destructor);
	if (!q)
		return ENOMEM;
	q->mn = mn;
	q->req = mem_ref(req);
	if (cmd->here)
		ctl_put_str(reply, "room", room);
	err = mn_devices_query(mn, pred, devices_handler, q);
	if (err) {
		mem_deref(q);
		return refuse(reply, err, "cannot send the SLP query");
	}
	return EINPROGRESS;
}

/* ---- status ------------------------------------------------------------------ */

/* The codec in use on line i: the first of the CN's list that is in ours
 * too, which is the negotiated one whichever side made the offer. */
static const char *line_codec(const struct mn *mn, unsigned i,
			      struct sdesc_codec *c)
{
	const struct sdesc_media *theirs = sdesc_media(mn->cn_remote, i);
	const struct sdesc_media *ours = sdesc_media(mn->cn_local, i);
	struct sdesc_codec o;

	for (unsigned k = 0; theirs && ours &&
	     k < sdesc_media_fmtc(theirs); k++) {
		if (sdesc_media_codec(theirs, k, c))
			continue;
		for (unsigned j = 0; j < sdesc_media_fmtc(ours); j++) {
			if (!sdesc_media_codec(ours, j, &o) &&
			    sdesc_codec_match(c, &o))
				return c->name;
		}
	}
	return NULL;
}

static int put_media(const struct mn *mn, struct odict *media)
{
	uint64_t tx = 0, rx = 0, played = 0;
	uint32_t txs, rxs;
	struct odict *o;
	unsigned i;
	int err = 0;

	/* One entry per active m-line of what the CN has from us. The
	 * packet counts are the MN's own stream's for that medium (frames
	 * decoded, for video, in played_packets). */
	for (i = 0; i < sdesc_media_count(mn->cn_local) && !err; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);
		const struct placement *p = i < MN_MAX_LINES ?
			&mn->place.line[i] : NULL;
		struct sdesc_codec c;

		if (!sdesc_media_port(m) || !p)
			continue;
		mset_counts(mn->ms, sdesc_media_name(m), &tx, &rx, &played);
		mset_ssrcs(mn->ms, sdesc_media_type(m), &txs, &rxs);
		err |= ctl_array_obj(media, &o);
		err |= ctl_put_int(o, "line", i);
		err |= ctl_put_str(o, "type", sdesc_media_name(m));
		err |= ctl_put_str(o, "codec", line_codec(mn, i, &c));
		err |= ctl_put_str(o, "dir", sdesc_dir_name(
					   sdesc_media_dir(m)));
		err |= ctl_put_str(o, "at", p->dev ? p->dev->uri : "self");
		err |= ctl_put_str(o, "role", p->role == ROLE_OUT ? "out" :
				   p->role == ROLE_IN ? "in" : "both");
		if (p->dev && p->dev->lost[0])
			err |= ctl_put_str(o, "lost", p->dev->lost);
		err |= ctl_put_bool(o, "self_sending", mset_sending(mn->ms,
					    sdesc_media_type(m)));
		err |= ctl_put_int(o, "tx_packets", (int64_t)tx);
		err |= ctl_put_int(o, "rx_packets", (int64_t)rx);
		err |= ctl_put_int(o, "played_packets", (int64_t)played);
		err |= ctl_put_int(o, "tx_ssrc", txs);
		err |= ctl_put_int(o, "rx_ssrc", rxs);
	}
	return err;
}

/* Where a handed-off session is (RFC 5631 §5.4.1) */
static int put_handoff(const struct mn *mn, struct odict *reply)
{
	const struct handed *hd = &mn->handed;
	struct odict *o;
	int err;

	err = ctl_put_obj(reply, "handoff", &o);
	if (err)
		return err;
	err |= ctl_put_str(o, "state", handoff_state(mn));
	if (!hd->valid)
		return err;
	err |= ctl_put_str(o, "device", hd->device);
	err |= ctl_put_str(o, "cn", hd->cn);
	err |= ctl_put_str(o, "call_id", hd->call_id);
	err |= ctl_put_str(o, "device_tag", hd->dev_tag);
	err |= ctl_put_str(o, "cn_tag", hd->cn_tag);
	return err;
}

static int status(struct mn *mn, struct odict *reply)
{
	struct odict *call, *media, *devs, *own, *o;
	struct le *le;
	int err;

	err  = ctl_put_str(reply, "uri", sipep_uri(mn->ep));
	err |= put_handoff(mn, reply);
	err |= ctl_put_str(reply, "dtmf_received", call_dtmf_received(mn));
	err |= mn_presence_status(mn, reply);
	err |= mn_location_status(mn, reply);
	err |= ctl_put_obj(reply, "call", &call);
	if (err)
		return err;

	err |= ctl_put_str(call, "state", state_name(mn->state));
	err |= ctl_put_str(call, "remote", mn->leg ?
			   sipleg_remote_uri(mn->leg) : NULL);
	if (mn->last_error[0])
		err |= ctl_put_str(call, "last_error", mn->last_error);
	err |= ctl_put_array(call, "media", &media);
	err |= ctl_put_array(call, "devices", &devs);
	err |= put_last_transfer(call, &mn->last);
	err |= ctl_put_bool(call, "transferring", mn->xfer != NULL ||
			    mn->ho != NULL);
	if (mn->cn_replaces >= 0)
		err |= ctl_put_bool(call, "cn_replaces", mn->cn_replaces);
	if (err || mn->state != MN_ESTABLISHED)
		return err;

	err |= put_media(mn, media);
	/* the dialog, as a Replaces would name it (RFC 3891) */
	err |= ctl_put_str(call, "call_id", sipleg_callid(mn->leg));
	err |= ctl_put_str(call, "local_tag", sipleg_local_tag(mn->leg));
	err |= ctl_put_str(call, "remote_tag", sipleg_remote_tag(mn->leg));
	/* The MN's own streams, with their SSRCs, as a device shows its. */
	err |= ctl_put_array(call, "streams", &own);
	err |= mset_status(mn->ms, own);
	for (le = mn->devs.head; le && !err; le = le->next) {
		struct devleg *d = le->data;

		err |= ctl_array_obj(devs, &o);
		err |= ctl_put_str(o, "uri", d->uri);
		err |= ctl_put_str(o, "state", d->lost[0] ? "lost" : "ok");
		if (d->lost[0]) {
			err |= ctl_put_str(o, "lost", d->lost);
			err |= ctl_put_str(o, "hint", "sipmob retrieve");
		}
	}
	return err;
}

/* ---- dispatch ---------------------------------------------------------------- */

int mn_command(struct mn *mn, struct ctl_request *req, int argc,
	       char *argv[], struct odict *reply)
{
	struct mn_cmd cmd;
	char why[256] = "";
	int err;

	err = mn_cmd_parse(&cmd, argc, argv, why, sizeof(why));
	if (err)
		return refuse(reply, err, why);

	switch (cmd.kind) {

	case MN_CMD_STATUS:
		return status(mn, reply);

	case MN_CMD_CALL:
		err = call_place(mn, cmd.arg, why, sizeof(why));
		if (err)
			return refuse(reply, err, why);
		return ctl_put_str(reply, "state", state_name(mn->state));

	case MN_CMD_MOVE:
		return cmd_move(mn, req, &cmd, reply);

	case MN_CMD_DEVICES:
		return cmd_devices(mn, req, &cmd, reply);

	case MN_CMD_RETRIEVE:
		return cmd_retrieve(mn, req, &cmd, reply);

	case MN_CMD_DTMF:
		err = call_dtmf(mn, cmd.arg, why, sizeof(why));
		return err ? refuse(reply, err, why) : 0;

	case MN_CMD_LOCATION:
		if (cmd.loc_op == MN_LOC_SET)
			err = mn_location_set(mn, cmd.room, cmd.floor,
					      cmd.building);
		else if (cmd.loc_op == MN_LOC_CLEAR &&
			 mn_location_clear(mn) == ENOENT)
			return refuse(reply, ENOENT, "no location was set by"
				      " hand");
		if (err)
			return refuse(reply, err, "cannot set the location");
		return mn_location_status(mn, reply);

	case MN_CMD_HANGUP:
		if (mn->state == MN_IDLE)
			return refuse(reply, ENOENT, "no call");
		call_end(mn);   /* BYE to the CN and to every device */
		return 0;
	}
	return EINVAL;
}
