/*
 * The mobile node's private state, shared by the files of src/mobility/
 * that make it up. Calls point one way:
 *
 *   cmd.c     the control protocol (the only file that speaks it)
 *    └ mode.c  Mobile Node Control or Session Handoff, and why
 *       ├ mnc.c  Mobile Node Control plans: what a command asks to move
 *       │  └ xfer.c   the phases of one transfer, rollback, last_transfer
 *       └ handoff.c  Session Handoff: REFER, nested REFER, dialog events
 *          ├ report.c  playout reports and metrics
 *          └ call.c    the CN dialog; CN and device re-INVITEs forwarded
 *             ├ devleg.c  a device leg: invite, update, liveness
 *             └ place.c   where each line is; the SDP it composes (pure)
 *
 * Upward news (a transfer's end, the call's end) travels by callbacks.
 */
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/metrics.h>
#include <sipmob/mn.h>
#include "place.h"

enum mn_state { MN_IDLE = 0, MN_CALLING, MN_ESTABLISHED };

/* ---- devleg.c: a device leg -------------------------------------------- */

struct devleg;

/** Final outcome of an INVITE or re-INVITE to a device: err (errno) or the
 *  status code; on success the device's SDP is in d->answer. */
typedef void (devleg_done_h)(struct devleg *d, int err, uint16_t scode,
			     const char *reason, void *arg);

struct devleg_owner {
	void (*losth)(struct devleg *d, const char *why, void *arg);
	/** The device re-INVITEs: answer with devleg_reply() */
	void (*offerh)(struct devleg *d, const struct sip_msg *msg,
		       void *arg);
	void *arg;
};

struct devleg {
	struct le le;
	struct sipep *ep;
	char *uri;
	struct sipleg *leg;
	struct sdesc *offer;      /* the CN's media as the device has them */
	struct sdesc *answer;     /* the device's own media                */
	struct sdesc *pending;    /* our offer in flight                   */
	uint64_t ver;             /* o= version of what we send it         */
	int src;                  /* its id in playout metrics (MN = 0)    */
	char lost[128];           /* why it was lost; "" while it is fine */
	unsigned ping_fails;
	bool ping_out;
	struct tmr tmr_ping;
	bool closed;              /* hung up by us (devleg_close)          */
	unsigned tries;           /* 491s of the re-INVITE in flight       */
	struct tmr tmr_retry;
	bool bridged;             /* it took the bridge of its move, so it
				     takes one back (xfer_bridge.c)        */
	bool offerless;           /* our INVITE had no offer: the 2xx
				     offers, our ACK answers (RFC 3264)    */
	struct devleg *tc;        /* the transcoder between it and the CN
				     (caps.c), closed with it             */
	unsigned tc_line;         /* the CN's m-line it converts           */
	struct sdesc *tc_face;    /* its answer as the CN gets it in a
				     forwarded re-INVITE (call.c): the
				     transcoder's B line in tc_line        */
	devleg_done_h *doneh;
	void *done_arg;
	struct devleg_owner owner;
};

struct devleg *devleg_alloc(struct sipep *ep, const char *uri, int src);
int  devleg_invite(struct devleg *d, struct sdesc *offer, devleg_done_h *h,
		   void *arg);
/** An INVITE without an offer: d->answer gets the 2xx's offer, and
 *  devleg_ack_sdp() answers it */
int  devleg_invite_offerless(struct devleg *d, devleg_done_h *h, void *arg);
int  devleg_ack_sdp(struct devleg *d, struct sdesc *answer);
int  devleg_update(struct devleg *d, struct sdesc *offer, devleg_done_h *h,
		   void *arg);
void devleg_ack(struct devleg *d);
void devleg_close(struct devleg *d);
void devleg_watch(struct devleg *d);
int  devleg_reply(struct devleg *d, uint16_t scode, const char *reason,
		  struct sdesc *sdp);
int  devleg_stamp(struct devleg *d, struct sdesc *sd);

/* ---- the mobile node ---------------------------------------------------- */

/* ladder.c: a transfer's SIP steps, with ms since its command */
enum { LADDER_MAX = 12 };
struct ladder_step {
	uint32_t t_ms;
	char what[56];            /* "INVITE -> sip:speaker@...", "CN 200" */
};
struct ladder {
	unsigned n;
	bool cut;                 /* more steps than LADDER_MAX            */
	struct ladder_step v[LADDER_MAX];
};
void ladder_add(struct ladder *l, uint64_t t_cmd, const char *fmt, ...);

struct last_transfer {
	bool valid;
	bool ok;
	const char *mode;         /* "transfer" or "retrieve"              */
	const char *how;          /* "mnc" or "handoff"                    */
	char why_how[160];        /* why that transfer mode                */
	char error[256];
	bool metrics_known;       /* audio: m                              */
	char metrics_note[128];
	struct transfer_metrics m;
	bool video_moved;
	bool vmetrics_known;      /* video, in frames: vm                  */
	char vmetrics_note[128];
	struct transfer_metrics vm;
	uint64_t signaling_ms;    /* command to the CN's 200               */
	bool bridged;             /* instant move: a bridge carried packets */
	uint64_t bridge_ms;       /* ...from its start to its last packet  */
	uint64_t bridge_relayed;  /* packets passed on downstream          */
	uint64_t bridge_spliced;  /* ...and upstream, as the sender's own  */
	char bridge_note[160];    /* why not bridged                       */
	const char *codec_how;    /* caps.c: common, renegotiate,
				     transcoder, refused; NULL: no audio  */
	char codec_why[256];
	char transcoder[128];     /* the transcoder's URI, if one is used  */
	struct ladder ladder;     /* its SIP steps (empty: not recorded)   */
};

struct xfer;
struct fwd;
struct slp_ua;
struct handoff;

/* Where a session handed off went (RFC 5631 §5.4.1): the device-CN
 * dialog, device as From, from the device's final NOTIFY or its dialog
 * events; what a retrieval's nested REFER names. */
struct handed {
	bool valid;
	char *device;              /* the device's URI                    */
	char *cn;                  /* where the CN is reached             */
	char *call_id;
	char *dev_tag;             /* the device's tag                    */
	char *cn_tag;              /* the CN's tag                        */
	bool audio, video;
};

/** Our INVITE to the CN (call_place) got its final answer */
typedef void (call_placed_h)(struct mn *mn, int err, uint16_t scode,
			     void *arg);

/** A re-INVITE we sent the CN: its final outcome */
typedef void (call_resp_h)(struct mn *mn, int err, uint16_t scode,
			   const struct sip_msg *msg, void *arg);
typedef void (mn_hook_h)(struct mn *mn, void *arg);

struct mn {
	struct mn_conf conf;
	struct sipep *ep;
	struct sa media_addr;
	struct sipleg *leg;        /* the call with the CN                */
	struct mset *ms;           /* our own media in it                 */
	struct mset *caps;         /* for OPTIONS                         */
	enum mn_state state;
	bool call_owner;           /* we sent the first INVITE            */
	char *user;
	char *record_path;
	char *codecs;
	char last_error[160];

	struct sdesc *cn_local;    /* what the CN has from us             */
	struct sdesc *cn_remote;   /* what we have from the CN            */
	uint64_t cn_ver;           /* o= version counter of the CN leg    */
	struct place place;
	struct list devs;          /* struct devleg holding media         */
	int next_src;

	struct fwd *fwd;           /* a re-INVITE being forwarded         */
	call_resp_h *cn_resph;     /* owner of our re-INVITE to the CN    */
	void *cn_resp_arg;
	mn_hook_h *idleh;          /* the CN leg is free again            */
	void *idle_arg;

	struct xfer *xfer;         /* the transfer in progress, if any    */
	struct last_transfer last;
	struct handoff *ho;        /* an SH handoff or retrieval going on  */
	struct handed handed;
	int cn_replaces;           /* the CN takes Replaces: 1, 0, -1 (not
				      known yet); asked once per call      */
	call_placed_h *placedh;
	void *placed_arg;

	struct capsq *caps_q;      /* a move finding out about codecs      */
	struct tmr tmr_takeback;   /* a lost transcoder's audio comes back */
	char cn_codecs[128];       /* the CN's codecs from OPTIONS          */
	bool cn_codecs_asked;      /* ...asked once per call               */
	struct sdesc *cn_caps;     /* its OPTIONS answer's SDP             */

	struct slp_ua *ua;         /* device discovery (discover.c)       */
	struct list known;         /* devices of the last query, by name  */
	struct presence_listener *presence;  /* the room's beacon (§8.2) */
	struct sipauth_creds *creds;  /* answer with the room's token, then */
	struct mnloc *loc;         /* where the user is (location.c)      */
};

/* call.c */
int  call_caps(struct mn *mn);
void call_incoming(struct mn *mn, struct sipleg *leg,
		   const struct sip_msg *msg);
void call_join(struct mn *mn, struct devleg *d);
int  call_place(struct mn *mn, const char *uri, char *why, size_t whysz);
/** The same with extra headers (Replaces, Referred-By) and a handler for
 *  the final answer */
int  call_place_h(struct mn *mn, const char *uri, const char *hdrs,
		  call_placed_h *h, void *arg, char *why, size_t whysz);
void call_end(struct mn *mn);
void call_setup(struct mn *mn);
bool call_busy(const struct mn *mn);
int  call_reinvite(struct mn *mn, struct sdesc *offer, call_resp_h *h,
		   void *arg);
void call_ack(struct mn *mn);
void call_when_idle(struct mn *mn, mn_hook_h *h, void *arg);
/** Asks the CN with OPTIONS whether it takes Replaces; h when it is
 *  known (or not answered in time). EALREADY: known already. */
int  call_ask_replaces(struct mn *mn, mn_hook_h *h, void *arg);
int  call_stamp(struct mn *mn, struct sdesc *sd);
struct devleg *call_devleg(struct mn *mn, const char *uri);
void call_apply_self(struct mn *mn);
void call_update_devices(struct mn *mn);
/** A device's audio goes through a transcoder */
bool call_transcoding(const struct mn *mn);
/** The transcoder of d's audio died: the audio comes back to the MN */
void call_transcoder_lost(struct mn *mn, struct devleg *d, const char *why);
int  call_dtmf(struct mn *mn, const char *digits, char *why, size_t whysz);
const char *call_dtmf_received(const struct mn *mn);

/* report.c: the playout runs of the MN and of devices since a time */
struct report;
typedef void (report_done_h)(struct report *r, void *arg);
int  report_collect(struct report **rp, struct mn *mn, struct list *extra,
		    uint64_t since_ms, report_done_h *h, void *arg);
/** handoff: the far end plays to the new place a new stream (metrics.h,
 *  across_streams) */
void report_metrics(const struct report *r, uint64_t from_ms,
		    uint64_t cmd_ms, int target_src, int vtarget_src,
		    bool video_moved, bool handoff, struct last_transfer *lt);
/** A transfer's end in last_transfer: ok, or why not (no metrics then) */
void report_outcome(struct last_transfer *lt, bool retrieve, const char *how,
		    const char *error);
/* a report made by hand: the MN's own runs and a device's JSON report */
struct report *report_alloc(void);
void report_add_own(struct report *r, const struct mset *ms,
		    uint64_t since_ms);
int  report_add_json(struct report *r, int src, const struct pl *json);

/* xfer_bridge.c: the bridges of instant moves in MNC (bridge.h) */
struct back_wait;
struct bridge;
struct xbridges {
	struct mn *mn;
	struct bridge *b[2];       /* on our streams: [SDESC_AUDIO/VIDEO]   */
	struct back_wait *wait;    /* a retrieval's INFOs out              */
	uint64_t relayed, spliced, ran_ms;
	unsigned back_ok;          /* media a device bridges back to us   */
	struct devleg *asked[MN_MAX_LINES]; /* devices asked to bridge back */
	unsigned nasked;
	char note[160];            /* why a device was not bridged        */
};
typedef void (xbridge_ready_h)(void *arg);
/** Puts our bridge address in the device's offer, on its lines, and
 *  holds what may come from the device before its answer */
int  xbridge_offer(struct xbridges *xb, struct mn *mn, struct sdesc *offer,
		   const bool *lines);
/** The device answered: bridge the lines whose answers took it */
void xbridge_device(struct xbridges *xb, struct mn *mn, struct devleg *d,
		    const bool *lines, const enum line_role *roles);
/** A retrieval to next: ask the devices giving media back to bridge
 *  them to us; h once they answered (ENOENT: nobody to ask, no h) */
int  xbridge_back(struct xbridges *xb, const struct place *next,
		  xbridge_ready_h *h, void *arg);
/** A retrieval failed: the devices asked to bridge back stop */
void xbridge_cancel_back(struct xbridges *xb);
/** Takes the bridges down; what they did goes to lt (if not NULL) */
void xbridge_end(struct xbridges *xb, struct last_transfer *lt);

/* caps.c: how a move reconciles the audio's codec (spec §6.1) */
enum caps_how { CAPS_AS_IS = 0, CAPS_COMMON, CAPS_RENEGOTIATE,
		CAPS_TRANSCODE };
struct caps_plan {
	bool active;               /* the move takes the audio            */
	enum caps_how how;
	unsigned line;             /* the CN's audio m-line                */
	char dev_codecs[96];       /* what the device takes ("" unknown)  */
	struct sdesc_codec cn_codec; /* renegotiate: the CN's next codec */
	char cn_name[16];
	char tc_uri[128];          /* transcode: the transcoder           */
	char tc_dev_codec[16];     /* ...and the device side's codec      */
	char why[256];
};

/* xfer.c */
typedef void (xfer_done_h)(int err, const struct last_transfer *lt,
			   void *arg);
struct mnc_plan {
	unsigned n;
	struct {
		unsigned line;        /* m-line of cn_remote                  */
		enum line_role role;
		const char *uri;
	} item[MN_MAX_LINES];
	struct caps_plan caps;
	uint64_t t_cmd;            /* when it was asked (0: now): what it
				      takes counts from there              */
};
/** A transcoder SLP knows of */
struct caps_tc {
	char uri[128];
	char codecs[96];
	unsigned load;
};
enum { CAPS_MAX_TC = 16 };
struct slp_device;
/** What an SLP answer says of one transcoder (EINVAL: no attributes) */
int  caps_tc_read(struct caps_tc *tc, const struct slp_device *v);
/** The decision itself (pure): from what the device takes (cp->dev_codecs),
 *  what the CN sends now (cur) and has (cn_codecs) and the transcoders;
 *  fills cp, or ENOENT with the refusal in words */
int  caps_decide(struct caps_plan *cp, const char *dev, const char *cur,
		 const char *cn_codecs, const struct caps_tc *tcv, size_t ntc,
		 char *refusal, size_t rsz);
int  caps_move(struct mn *mn, const struct mnc_plan *plan, xfer_done_h *h,
	       void *arg, char *why, size_t whysz);
/** The call ended: a move asking about codecs ends, and what the CN
 *  said of its codecs is forgotten */
void caps_call_ended(struct mn *mn);
void caps_outcome(struct last_transfer *lt, const struct caps_plan *cp);
bool caps_list_has(const char *list, const char *name);
/** Appends the codecs of sd's audio lines that we have to list, "A,B" */
void caps_sdp_codecs(char *list, size_t sz, const struct sdesc *sd);
/** The next name of a comma-separated list p, into name; what follows
 *  it, or NULL at the end: for (p = list; (p = caps_next_name(p, ...));) */
const char *caps_next_name(const char *p, char *name, size_t sz);
int  caps_cn_codec(const struct mn *mn, const char *name,
		   struct sdesc_codec *c);
int  xfer_move(struct mn *mn, const struct mnc_plan *plan, xfer_done_h *h,
	       void *arg, char *why, size_t whysz);
int  xfer_retrieve(struct mn *mn, const char *media, xfer_done_h *h,
		   void *arg, char *why, size_t whysz);
void xfer_abort(struct mn *mn, const char *why);

/* handoff.c: Session Handoff (spec §5.3) */
int  handoff_move(struct mn *mn, const char *device, xfer_done_h *h,
		  void *arg, char *why, size_t whysz);
int  handoff_retrieve(struct mn *mn, const char *device, xfer_done_h *h,
		      void *arg, char *why, size_t whysz);
void handoff_call_ending(struct mn *mn);
/** Our handoff's REFER is out: a Replaces for our call now is a glare */
bool handoff_refer_pending(const struct mn *mn);
/** A retrieval of a handed-off session is going on */
bool handoff_retrieving(const struct mn *mn);
void handoff_refer(struct mn *mn, struct sipleg *leg,
		   const struct sip_msg *msg);
void handoff_forget(struct mn *mn);
void handoff_abort(struct mn *mn);
const char *handoff_state(const struct mn *mn);

/* mnc.c: what a move asks for */
struct mnc_request {
	const char *audio, *video;       /* a device for the whole medium */
	const char *display, *camera;    /* video split by direction      */
	const char *to;                  /* everything still here         */
};
int  mnc_move(struct mn *mn, const struct mnc_request *rq, xfer_done_h *h,
	      void *arg, char *why, size_t whysz);
int  mnc_retrieve(struct mn *mn, const char *media, xfer_done_h *h,
		  void *arg, char *why, size_t whysz);
const char *mnc_device_uri(const struct mn *mn, const char *dev, char *why,
			   size_t whysz);
/** The device a move would hand the whole session to, or NULL when it
 *  splits the call or leaves some of it here (then only MNC can do it) */
const char *mnc_whole_target(const struct mn *mn,
			     const struct mnc_request *rq);

/* mode.c: Mobile Node Control or Session Handoff */
enum xfer_mode { MODE_AUTO = 0, MODE_MNC, MODE_HANDOFF };
int  mode_parse(const char *s, enum xfer_mode *m);
int  mode_move(struct mn *mn, const struct mnc_request *rq,
	       enum xfer_mode mode, xfer_done_h *h, void *arg, char *why,
	       size_t whysz);
int  mode_retrieve(struct mn *mn, const char *media, const char *from,
		   enum xfer_mode mode, xfer_done_h *h, void *arg, char *why,
		   size_t whysz);

/* discover.c */
int  mn_discover_alloc(struct mn *mn);

/* mn_presence.c: the room's beacon (spec §8.2) */
int  mn_presence_alloc(struct mn *mn);
int  mn_presence_status(const struct mn *mn, struct odict *reply);
const char *mn_device_uri(const struct mn *mn, const char *name);
struct slp_device;
typedef void (mn_devices_h)(int err, const struct slp_device *v, size_t n,
			    void *arg);
int  mn_devices_query(struct mn *mn, const char *pred, mn_devices_h *h,
		      void *arg);
const char *mn_known_name(const struct mn *mn, const char *url);
/** A device's SLP attribute "codecs" or "image-size" as "A,B", from the
 *  last query; NULL when not known */
const char *mn_known_attr(const struct mn *mn, const char *uri,
			  const char *tag);
/** 1 or 0: the device's SLP attributes say mobility-enhanced or not;
 *  -1: not known (not in the last query's answer) */
int  mn_known_enhanced(const struct mn *mn, const char *uri);
void mn_known_set(struct mn *mn, const struct slp_device *v, size_t n);

/* location.c: where the user is, and the devices there */
int  mn_location_alloc(struct mn *mn);
void mn_location_free(struct mn *mn);
int  mn_location_status(const struct mn *mn, struct odict *reply);
/** `location set`: the manual source says room (floor, building: NULL
 *  when not given) */
int  mn_location_set(struct mn *mn, const char *room, const char *floor,
		     const char *building);
/** `location clear`: the manual source says nothing (ENOENT: it did not) */
int  mn_location_clear(struct mn *mn);
/** The room in force, or NULL */
const char *mn_location_room(const struct mn *mn);
/** A value `location set` takes (pidf_lo_value_valid) */
bool mn_location_value_valid(const char *s);

/* caps_video.c: a basic device's H.263 picture sizes, from SLP (§6.2) */
/** Sets the fmtp of the H.263 codecs of a video line that lists no
 *  picture size from an SLP image-size value ("4CIF,CIF"): 0 when set,
 *  EALREADY when every one had sizes, ENOENT without H.263 (or not
 *  video), EINVAL for an unreadable value */
int  caps_video_fmtp_from_slp(struct sdesc_media *m, const char *image_size);
/** The same for the video lines of d's answer that lines[] names, with
 *  the image-size of d's SLP attributes (mn_known_attr); how many set */
unsigned caps_video_device(const struct mn *mn, struct devleg *d,
			   const bool *lines);
