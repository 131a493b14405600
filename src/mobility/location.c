/*
 * Where the user is, and what is there (spec §4, Figure 1). Three sources
 * tell the MN its location:
 *
 *   presence  NOTIFYs of its user's presence (--location-server): the
 *             civic address of their PIDF-LO (pidf_lo.h)
 *   beacon    the room's beacon (--beacon): its room, floor, building
 *   manual    `location set --room R [--floor F] [--building B]`
 *
 * Each keeps its own last location and when it last said it. The one in
 * force is the latest change: a source repeating what it said (a NOTIFY
 * after a refresh, a beacon's next announcement) makes it younger but
 * takes nothing over; `location clear` drops the manual one, and the
 * latest of the others is in force again.
 *
 * A change of room asks SLP for the devices of the new room (a SrvRqst
 * narrowed by room, an AttrRqst per URL, discover.c), and so does a
 * re-check every 30 s; devices that appeared or vanished since the last
 * answer are listed. When the user left a room where devices hold media
 * of the call, and those devices are not in the new room, the MN offers
 * their retrieval (status: retrieve_offered) and, with --auto-retrieve,
 * retrieves them.
 *
 * The subscription: SUBSCRIBE to presence with Accept:
 * application/pidf+xml; libre refreshes it. When it ends (the server
 * refused a refresh with 481 after a restart, did not answer, or
 * terminated it) the MN subscribes again after 1 s, doubling to 30 s.
 */
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/pidf_lo.h>
#include <sipmob/presence.h>
#include <sipmob/slp.h>
#include "mn_priv.h"

enum {
	RESUB_MIN_MS = 1000,
	RESUB_MAX_MS = 30000,
	NSRC = 3,
};

enum loc_source { SRC_PRESENCE = 0, SRC_BEACON, SRC_MANUAL };

static const char *const src_names[NSRC] = {"presence", "beacon", "manual"};

/* What a source says; "" for what it does not say */
struct loc {
	bool valid;
	char room[PIDF_LO_VALUE], floor[PIDF_LO_VALUE];
	char building[PIDF_LO_VALUE];
	char country[PIDF_LO_VALUE], a1[PIDF_LO_VALUE], a3[PIDF_LO_VALUE];
	char street[PIDF_LO_VALUE], hno[PIDF_LO_VALUE];
	uint64_t changed_at;       /* tmr_jiffies() it last changed   */
	uint64_t said_at;          /* ...it was last said             */
};

struct here {                  /* a device of the current room     */
	char url[256];
	char name[64];
};

enum { HERE_MAX = 64 };

struct mnloc {
	struct mn *mn;
	struct loc src[NSRC];
	int cur;                   /* the source in force, or -1       */
	struct loc shown;          /* what it said when it was chosen  */
	uint64_t changes;          /* location changes                 */

	/* presence subscription */
	char *sub_uri;
	struct sipsubscr *sub;
	struct tmr tmr_resub;
	uint32_t resub_ms;
	uint32_t expires;
	const char *sub_state;     /* "subscribing", "active", "retrying" */
	uint64_t subscribes, notifies, refused;
	char last_error[192];

	/* the room's devices */
	struct tmr tmr_recheck;
	uint32_t recheck_ms;
	bool query_out, query_again;
	char queried_room[PIDF_LO_VALUE]; /* of the answer below      */
	bool baseline;             /* dev holds an answer for that room */
	struct here *dev;
	size_t ndev;
	struct here appeared[8], vanished[8];
	size_t nappeared, nvanished;
	uint64_t queries;
	uint64_t answered_at;
	char query_error[96];

	/* leaving a room that holds media */
	char prev_room[PIDF_LO_VALUE];
	bool fresh_room;           /* the next answer is the new room's  */
	bool offered;
	char offer_media[32];
	char offer_devices[512];
	char offer_from[PIDF_LO_VALUE];
	const char *auto_state;    /* NULL, "retrieving", "done", "failed" */
	char auto_error[256];
};

static void destructor(void *arg)
{
	struct mnloc *l = arg;

	tmr_cancel(&l->tmr_resub);
	tmr_cancel(&l->tmr_recheck);
	mem_deref(l->sub);
	mem_deref(l->sub_uri);
	mem_deref(l->dev);
}

static const struct loc *current(const struct mnloc *l)
{
	return l->cur >= 0 ? &l->src[l->cur] : NULL;
}

static bool same_place(const struct loc *a, const struct loc *b)
{
	return !strcmp(a->room, b->room) && !strcmp(a->floor, b->floor) &&
		!strcmp(a->building, b->building) &&
		!strcmp(a->country, b->country) && !strcmp(a->a1, b->a1) &&
		!strcmp(a->a3, b->a3) && !strcmp(a->street, b->street) &&
		!strcmp(a->hno, b->hno);
}

static void room_query(struct mnloc *l);
static void offer_retrieval(struct mnloc *l);

/* The latest change among the sources that hold a location */
static int choose(const struct mnloc *l)
{
	int best = -1;

	for (int i = 0; i < NSRC; i++) {
		if (l->src[i].valid && (best < 0 || l->src[i].changed_at >=
					l->src[best].changed_at))
			best = i;
	}
	return best;
}

/* The sources changed: the one in force may be another, in a new room */
static void reconsider(struct mnloc *l)
{
	char room_was[PIDF_LO_VALUE];
	const struct loc *now;
	int was = l->cur, next = choose(l);

	str_ncpy(room_was, l->shown.room, sizeof(room_was));
	l->cur = next;
	now = current(l);
	if (!now) {
		memset(&l->shown, 0, sizeof(l->shown));
		l->changes++;
		re_fprintf(stderr, "mn: location unknown\n");
		return;
	}
	if (next == was && same_place(&l->shown, now))
		return;   /* another source changed, not the one in force */
	l->shown = *now;
	l->changes++;
	re_fprintf(stderr, "mn: location (%s): room %s floor %s building"
		   " %s\n", src_names[next], now->room[0] ? now->room : "-",
		   now->floor[0] ? now->floor : "-",
		   now->building[0] ? now->building : "-");
	if (strcmp(room_was, now->room)) {
		str_ncpy(l->prev_room, room_was, sizeof(l->prev_room));
		l->offered = false;
		l->fresh_room = true;
		room_query(l);
	}
}

/* A source says where the user is */
static void said(struct mnloc *l, enum loc_source s, const struct loc *what)
{
	struct loc *src = &l->src[s];
	uint64_t now = tmr_jiffies();

	if (src->valid && same_place(src, what)) {
		src->said_at = now;   /* younger, nothing new */
		return;
	}
	*src = *what;
	src->valid = true;
	src->changed_at = now;
	src->said_at = now;
	reconsider(l);
}

/* ---- the room's devices ------------------------------------------------- */

static bool in_list(const struct here *v, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].url, url))
			return true;
	}
	return false;
}

static void devices_handler(int err, const struct slp_device *v, size_t n,
			    void *arg)
{
	struct mnloc *l = arg;
	struct here *dev;
	size_t k = 0;

	l->query_out = false;
	if (err) {
		re_snprintf(l->query_error, sizeof(l->query_error), "%s",
			    err == ETIMEDOUT ? "no answer from SLP" :
			    "SLP query failed");
		goto next;
	}
	dev = mem_zalloc((n ? n : 1) * sizeof(*dev), NULL);
	if (!dev)
		goto next;
	for (size_t i = 0; i < n && k < HERE_MAX; i++) {
		const char *name;

		pl_strcpy(&v[i].url, dev[k].url, sizeof(dev[k].url));
		name = mn_known_name(l->mn, dev[k].url);
		str_ncpy(dev[k].name, name ? name : dev[k].url,
			 sizeof(dev[k].name));
		k++;
	}
	/* what changed since the last answer for the same room */
	if (l->baseline &&
	    !strcmp(l->queried_room, current(l) ? current(l)->room : "")) {
		l->nappeared = l->nvanished = 0;
		for (size_t i = 0; i < k; i++) {
			if (!in_list(l->dev, l->ndev, dev[i].url) &&
			    l->nappeared < 8) {
				l->appeared[l->nappeared++] = dev[i];
				re_fprintf(stderr, "mn: device %s appeared in"
					   " room %s\n", dev[i].name,
					   l->queried_room);
			}
		}
		for (size_t i = 0; i < l->ndev; i++) {
			if (!in_list(dev, k, l->dev[i].url) &&
			    l->nvanished < 8) {
				l->vanished[l->nvanished++] = l->dev[i];
				re_fprintf(stderr, "mn: device %s vanished from"
					   " room %s\n", l->dev[i].name,
					   l->queried_room);
			}
		}
	}
	else {
		l->nappeared = l->nvanished = 0;
	}
	mem_deref(l->dev);
	l->dev = dev;
	l->ndev = k;
	l->baseline = true;
	l->query_error[0] = '\0';
	l->answered_at = tmr_jiffies();
	re_fprintf(stderr, "mn: room %s: %zu device(s)\n", l->queried_room,
		   k);
	if (l->fresh_room && !l->query_again) {
		l->fresh_room = false;
		offer_retrieval(l);
	}
 next:
	if (l->query_again)
		room_query(l);
}

static void recheck(void *arg)
{
	room_query(arg);
}

/* Spec Figure 1 for the room: SrvRqst (room=R), AttrRqst per URL */
static void room_query(struct mnloc *l)
{
	const struct loc *c = current(l);
	char pred[200];
	int err;

	tmr_start(&l->tmr_recheck, l->recheck_ms, recheck, l);
	if (!c || !c->room[0])
		return;
	if (l->query_out) {
		l->query_again = true;   /* the room changed meanwhile */
		return;
	}
	l->query_again = false;
	if (strcmp(l->queried_room, c->room)) {
		l->dev = mem_deref(l->dev);
		l->ndev = 0;
		l->nappeared = l->nvanished = 0;
		l->baseline = false;
	}
	str_ncpy(l->queried_room, c->room, sizeof(l->queried_room));
	re_snprintf(pred, sizeof(pred), "(room=%H)", slp_attr_escape,
		    c->room);
	err = mn_devices_query(l->mn, pred, devices_handler, l);
	if (err) {
		re_snprintf(l->query_error, sizeof(l->query_error),
			    "cannot send the SLP query: %m", err);
		return;
	}
	l->query_out = true;
	l->queries++;
}

/* ---- leaving a room that holds media ------------------------------------ */

static void auto_done(int err, const struct last_transfer *lt, void *arg)
{
	struct mnloc *l = arg;

	l->auto_state = err ? "failed" : "done";
	str_ncpy(l->auto_error, err && lt ? lt->error : "",
		 sizeof(l->auto_error));
	re_fprintf(stderr, "mn: auto-retrieve %s%s%s\n", l->auto_state,
		   err ? ": " : "", l->auto_error);
}

/* Media at devices that are not in the room the user is in now */
static void offer_retrieval(struct mnloc *l)
{
	struct mn *mn = l->mn;
	bool audio = false, video = false, handed = false;
	bool all = true;
	size_t dl = 0;
	char why[256] = "";
	int err;

	if (l->offered || !l->prev_room[0])
		return;
	l->offer_devices[0] = '\0';
	for (unsigned i = 0; mn->state == MN_ESTABLISHED &&
	     i < sdesc_media_count(mn->cn_local) && i < MN_MAX_LINES; i++) {
		const struct sdesc_media *m = sdesc_media(mn->cn_local, i);
		const struct devleg *d = mn->place.line[i].dev;

		if (!d || !sdesc_media_port(m))
			continue;
		if (in_list(l->dev, l->ndev, d->uri)) {
			all = false;
			continue;
		}
		if (!strcmp(sdesc_media_name(m), "video"))
			video = true;
		else
			audio = true;
		if (!strstr(l->offer_devices, d->uri))
			dl += re_snprintf(l->offer_devices + dl,
					  sizeof(l->offer_devices) - dl,
					  "%s%s", dl ? "," : "", d->uri);
	}
	if (mn->state == MN_IDLE && mn->handed.valid &&
	    !in_list(l->dev, l->ndev, mn->handed.device)) {
		handed = true;
		str_ncpy(l->offer_devices, mn->handed.device,
			 sizeof(l->offer_devices));
	}
	if (!audio && !video && !handed)
		return;
	l->offered = true;
	str_ncpy(l->offer_from, l->prev_room, sizeof(l->offer_from));
	re_snprintf(l->offer_media, sizeof(l->offer_media), "%s%s%s",
		    handed || audio ? "audio" : "",
		    (handed || audio) && video ? "," : "",
		    video ? "video" : "");
	re_fprintf(stderr, "mn: left room %s; %s at %s: retrieval offered\n",
		   l->offer_from, l->offer_media, l->offer_devices);
	l->auto_state = NULL;
	l->auto_error[0] = '\0';
	if (!mn->conf.auto_retrieve)
		return;
	if (handed)
		err = mode_retrieve(mn, NULL, NULL, MODE_AUTO, auto_done, l,
				    why, sizeof(why));
	else
		err = mode_retrieve(mn, all ? NULL : l->offer_media, NULL,
				    MODE_AUTO, auto_done, l, why, sizeof(why));
	if (err && err != EINPROGRESS) {
		l->auto_state = "failed";
		str_ncpy(l->auto_error, why[0] ? why : "cannot start",
			 sizeof(l->auto_error));
		re_fprintf(stderr, "mn: auto-retrieve failed: %s\n",
			   l->auto_error);
		return;
	}
	l->auto_state = err == EINPROGRESS ? "retrieving" : "done";
}

/* ---- presence ------------------------------------------------------------ */

static void subscribe(struct mnloc *l);

static void resub_handler(void *arg)
{
	subscribe(arg);
}

static void retry_later(struct mnloc *l)
{
	l->sub_state = "retrying";
	tmr_start(&l->tmr_resub, l->resub_ms, resub_handler, l);
	l->resub_ms = l->resub_ms * 2 > RESUB_MAX_MS ? RESUB_MAX_MS :
		l->resub_ms * 2;
}

static void notify_body(struct mnloc *l, const struct sip_msg *msg)
{
	size_t len = mbuf_get_left(msg->mb);
	struct pidf_lo lo;
	struct loc what;
	char why[160];

	l->notifies++;
	if (!len)
		return;    /* no state yet (pending, or nothing published) */
	if (msg->ctyp.type.l && (pl_strcasecmp(&msg->ctyp.type,
					       "application") ||
				 pl_strcasecmp(&msg->ctyp.subtype,
					       "pidf+xml"))) {
		l->refused++;
		re_snprintf(l->last_error, sizeof(l->last_error), "NOTIFY"
			    " of %r/%r, not application/pidf+xml",
			    &msg->ctyp.type, &msg->ctyp.subtype);
		return;
	}
	if (pidf_lo_decode(&lo, (const char *)mbuf_buf(msg->mb), len, why,
			   sizeof(why))) {
		l->refused++;
		re_snprintf(l->last_error, sizeof(l->last_error), "NOTIFY:"
			    " %s; the location stays", why);
		re_fprintf(stderr, "mn: presence: %s\n", l->last_error);
		return;
	}
	memset(&what, 0, sizeof(what));
	str_ncpy(what.room, lo.v[PIDF_ROOM], sizeof(what.room));
	str_ncpy(what.floor, lo.v[PIDF_FLR], sizeof(what.floor));
	str_ncpy(what.building, lo.v[PIDF_BLD], sizeof(what.building));
	str_ncpy(what.country, lo.v[PIDF_COUNTRY], sizeof(what.country));
	str_ncpy(what.a1, lo.v[PIDF_A1], sizeof(what.a1));
	str_ncpy(what.a3, lo.v[PIDF_A3], sizeof(what.a3));
	str_ncpy(what.street, pidf_lo_street(&lo), sizeof(what.street));
	str_ncpy(what.hno, lo.v[PIDF_HNO], sizeof(what.hno));
	said(l, SRC_PRESENCE, &what);
}

static void sub_handler(int err, uint16_t scode, const struct sip_msg *msg,
			bool final, void *arg)
{
	struct mnloc *l = arg;

	if (msg) {
		l->sub_state = "active";
		l->resub_ms = RESUB_MIN_MS;
		notify_body(l, msg);
	}
	if (!final)
		return;
	if (!msg)
		re_snprintf(l->last_error, sizeof(l->last_error),
			    "subscription ended: %s", err ? strerror(err) :
			    scode ? "refused" : "terminated");
	if (!msg && scode)
		re_snprintf(l->last_error, sizeof(l->last_error),
			    "subscription ended: %u", scode);
	re_fprintf(stderr, "mn: presence: %s; subscribing again in %u ms\n",
		   l->last_error, l->resub_ms);
	retry_later(l);   /* subscribe() frees the old one, not from here */
}

static void subscribe(struct mnloc *l)
{
	int err;

	l->sub = mem_deref(l->sub);
	err = sipsubscr_send(&l->sub, l->mn->ep, l->sub_uri, "presence",
			     "application/pidf+xml", l->expires, sub_handler,
			     l);
	if (err) {
		re_snprintf(l->last_error, sizeof(l->last_error),
			    "cannot SUBSCRIBE: %m", err);
		retry_later(l);
		return;
	}
	l->subscribes++;
	l->sub_state = "subscribing";
}

/* sip:HOST[:PORT] -> sip:USER@HOST[:PORT]; a URI with a user as it is */
static int sub_target(char **out, const char *server, const char *user)
{
	struct uri u;
	struct pl pl;

	pl_set_str(&pl, server);
	if (uri_decode(&u, &pl) || !pl_isset(&u.host))
		return EINVAL;
	if (pl_isset(&u.user))
		return str_dup(out, server);
	return re_sdprintf(out, "%r:%s@%b", &u.scheme, user, u.host.p,
			   (size_t)(server + strlen(server) - u.host.p));
}

/* ---- the beacon ---------------------------------------------------------- */

static void beacon_heard(const struct presence_beacon *b, void *arg)
{
	struct mnloc *l = arg;
	struct loc what;

	memset(&what, 0, sizeof(what));
	str_ncpy(what.room, b->room, sizeof(what.room));
	str_ncpy(what.floor, b->floor, sizeof(what.floor));
	str_ncpy(what.building, b->building, sizeof(what.building));
	said(l, SRC_BEACON, &what);
}

/* ---- the MN's side ------------------------------------------------------- */

int mn_location_alloc(struct mn *mn)
{
	struct mnloc *l;
	int err = 0;

	l = mem_zalloc(sizeof(*l), destructor);
	if (!l)
		return ENOMEM;
	l->mn = mn;
	l->cur = -1;
	l->resub_ms = RESUB_MIN_MS;
	l->expires = mn->conf.location_expires ? mn->conf.location_expires :
		600;
	l->recheck_ms = (mn->conf.location_recheck ?
			 mn->conf.location_recheck : 30) * 1000;
	tmr_init(&l->tmr_resub);
	tmr_init(&l->tmr_recheck);
	mn->loc = l;
	if (mn->presence)
		presence_listener_set_handler(mn->presence, beacon_heard, l);
	if (mn->conf.location_server) {
		err = sub_target(&l->sub_uri, mn->conf.location_server,
				 mn->user);
		if (err) {
			re_fprintf(stderr, "mn: --location-server %s: want"
				   " sip:HOST[:PORT] or sip:USER@HOST[:PORT]\n",
				   mn->conf.location_server);
			return err;
		}
		re_fprintf(stderr, "mn: location: subscribing to %s\n",
			   l->sub_uri);
		subscribe(l);
	}
	return 0;
}

void mn_location_free(struct mn *mn)
{
	if (mn && mn->loc) {
		presence_listener_set_handler(mn->presence, NULL, NULL);
		mn->loc = mem_deref(mn->loc);
	}
}

bool mn_location_value_valid(const char *s)
{
	return pidf_lo_value_valid(s);
}

int mn_location_set(struct mn *mn, const char *room, const char *floor,
		    const char *building)
{
	struct mnloc *l = mn->loc;
	struct loc what;

	if (!l || !room)
		return EINVAL;
	memset(&what, 0, sizeof(what));
	str_ncpy(what.room, room, sizeof(what.room));
	str_ncpy(what.floor, floor ? floor : "", sizeof(what.floor));
	str_ncpy(what.building, building ? building : "",
		 sizeof(what.building));
	if (l->src[SRC_MANUAL].valid &&
	    same_place(&l->src[SRC_MANUAL], &what))
		l->src[SRC_MANUAL].valid = false;   /* said again: news */
	said(l, SRC_MANUAL, &what);
	return 0;
}

int mn_location_clear(struct mn *mn)
{
	struct mnloc *l = mn->loc;

	if (!l || !l->src[SRC_MANUAL].valid)
		return ENOENT;
	l->src[SRC_MANUAL].valid = false;
	reconsider(l);
	return 0;
}

const char *mn_location_room(const struct mn *mn)
{
	const struct loc *c = mn && mn->loc ? current(mn->loc) : NULL;

	return c && c->room[0] ? c->room : NULL;
}

static int put_opt(struct odict *o, const char *key, const char *v)
{
	return ctl_put_str(o, key, v && v[0] ? v : NULL);
}

static int put_devs(struct odict *o, const char *key, const struct here *v,
		    size_t n)
{
	struct odict *a, *d;
	int err = ctl_put_array(o, key, &a);

	for (size_t i = 0; i < n && !err; i++) {
		err  = ctl_array_obj(a, &d);
		err |= ctl_put_str(d, "name", v[i].name);
		err |= ctl_put_str(d, "url", v[i].url);
	}
	return err;
}

int mn_location_status(const struct mn *mn, struct odict *reply)
{
	const struct mnloc *l = mn->loc;
	const struct loc *c = l ? current(l) : NULL;
	uint64_t now = tmr_jiffies();
	struct odict *o, *s, *r;
	int err;

	err = ctl_put_obj(reply, "location", &o);
	if (err || !l)
		return err;
	err |= put_opt(o, "building", c ? c->building : NULL);
	err |= put_opt(o, "floor", c ? c->floor : NULL);
	err |= put_opt(o, "room", c ? c->room : NULL);
	err |= put_opt(o, "country", c ? c->country : NULL);
	err |= put_opt(o, "a1", c ? c->a1 : NULL);
	err |= put_opt(o, "a3", c ? c->a3 : NULL);
	err |= put_opt(o, "street", c ? c->street : NULL);
	err |= put_opt(o, "hno", c ? c->hno : NULL);
	err |= ctl_put_str(o, "source", c ? src_names[l->cur] : NULL);
	if (c)
		err |= ctl_put_int(o, "age_ms", (int64_t)(now - c->said_at));
	else
		err |= ctl_put_str(o, "age_ms", NULL);
	err |= ctl_put_int(o, "changes", (int64_t)l->changes);

	if (l->sub_uri) {
		err |= ctl_put_obj(o, "server", &s);
		err |= ctl_put_str(s, "uri", l->sub_uri);
		err |= ctl_put_str(s, "state", l->sub_state);
		err |= ctl_put_int(s, "subscribes", (int64_t)l->subscribes);
		err |= ctl_put_int(s, "notifies", (int64_t)l->notifies);
		err |= ctl_put_int(s, "refused", (int64_t)l->refused);
		err |= put_opt(s, "last_error", l->last_error);
	}
	err |= put_opt(o, "devices_room", l->queried_room);
	err |= put_devs(o, "devices", l->dev, l->ndev);
	err |= put_devs(o, "appeared", l->appeared, l->nappeared);
	err |= put_devs(o, "vanished", l->vanished, l->nvanished);
	err |= ctl_put_int(o, "queries", (int64_t)l->queries);
	if (l->answered_at)
		err |= ctl_put_int(o, "devices_age_ms",
				   (int64_t)(now - l->answered_at));
	if (l->query_error[0])
		err |= ctl_put_str(o, "devices_error", l->query_error);
	if (!l->offered) {
		err |= ctl_put_str(o, "retrieve_offered", NULL);
		return err;
	}
	err |= ctl_put_obj(o, "retrieve_offered", &r);
	err |= ctl_put_str(r, "left_room", l->offer_from);
	err |= ctl_put_str(r, "media", l->offer_media);
	err |= ctl_put_str(r, "devices", l->offer_devices);
	err |= ctl_put_str(r, "hint", "sipmob retrieve");
	err |= ctl_put_str(r, "auto", l->auto_state);
	if (l->auto_error[0])
		err |= ctl_put_str(r, "auto_error", l->auto_error);
	return err;
}
