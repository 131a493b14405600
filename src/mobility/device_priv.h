/*
 * The local device agent's private state, shared by device.c (sessions,
 * control commands, SLP) and device_refer.c (the REFERs it executes and
 * the dialog event package it serves, spec §5.3).
 */
/* include <re.h>, <sipmob/sipua.h> and <sipmob/device.h> first */

struct device {
	struct device_conf conf;
	struct sipep *ep;
	struct sa media_addr;
	struct list sessions;
	struct list watchers;     /* dialog event subscribers (RFC 4235) */
	uint32_t dlg_version;     /* of the dialog-info documents sent   */
	struct mset *caps;        /* for OPTIONS answers */
	struct slp_sa *sa;        /* our service:sip-device registration */
	unsigned nsessions;       /* ever started, names recordings */
	char *name;
	char *record_dir;
	char *owner;
	char *last_dtmf;          /* received in the latest ended session */
	struct caps_query *mdsm_caps;  /* members' media, asked (mdsm.c)  */
	char **members;           /* a system manager's members           */
	size_t memberc;
	struct slp_ua *ua;        /* finds them, with members_pred        */
	bool closing;             /* shutting down: no more updates       */
	bool in_use;              /* a session sends our audio or video   */
	unsigned inputs_used;     /* which: 1 microphone, 2 camera        */
	struct presence_key *room_key;  /* presence required (§8.2)       */
};

struct dsession {
	struct le le;
	struct device *dev;
	struct sipleg *leg;
	struct mset *ms;
	unsigned id;
	char *referrer;           /* who put the session here: the party who
				     invited us, or who REFERred us         */
	char *referrer_user;      /* ... the user it proved, with Digest    */
	struct sipleg *replaces;  /* ended once this session is confirmed */

	/* a session we set up on someone's REFER (Figure 4) */
	struct sipnotifier *not;  /* the referrer's subscription          */
	struct tmr tmr_report;    /* final NOTIFY once playout is known   */
	uint64_t t_answered;
	/* a nested REFER we pass on to retrieve this session (Figure 5) */
	struct siprefer *nested;
	struct sipnotifier *nested_not;
	/* a multi-device system's session (mdsm.c): no media of its own */
	struct list members;
	char *target;             /* the CN, and the INVITE's headers     */
	char *hdrs;
	struct sdesc *cn_local;   /* what the CN has from us              */
	struct sdesc *fwd_offer;  /* the CN's re-INVITE being passed on   */
	unsigned fwd_pending;
	bool fwd_failed;
	bool invited;             /* the other side invited us (3PCC)     */
	/* a retrieval's bridges back to the MN (bridge_back.c) */
	struct bridge *back[2];
	/* a handoff's call to the CN, maybe through a transcoder
	 * (device_tc.c) */
	struct dtc *tc;
};

/* device.c */
/** A new session whose media are those of the device, or only audio
 *  and/or video when want_audio/want_video say so; or those of share,
 *  a session's it goes on from. */
int  dsession_alloc(struct dsession **sp, struct device *dev,
		    const struct pl *referrer, bool want_audio,
		    bool want_video, struct mset *share);
/** A multi-device system's session: no media of its own */
int  dsession_alloc_system(struct dsession **sp, struct device *dev,
			   const struct pl *referrer, const char *target,
			   const char *hdrs);
int  device_slp_register(struct device *dev);
extern const struct sipleg_handlers dsession_handlers;

/* device_presence.c: proof of presence (spec §8.2) */
int  device_presence_alloc(struct device *dev);
int  device_presence_status(const struct device *dev, struct odict *reply);
/* device_refer.c: with Digest, the user who proved msg put s here */
void dsession_set_referrer_user(struct dsession *s, const struct sip_msg *msg);

/* device_in_use.c: the active-session indicator */
void device_in_use_update(struct device *dev);
const char *device_inputs_name(unsigned used);

/* mdsm.c */
struct caps_query;
void mdsm_refer(struct device *dev, struct sipleg *leg,
		const struct sip_msg *msg, const char *target,
		const char *hdrs);
int  mdsm_start(struct device *dev);
void mdsm_caps_forget(struct caps_query *q);

/* device_tc.c: a REFER's INVITE of the CN, through a transcoder when
 * there is no codec in common (spec §6.1) */
int  dsession_call_cn(struct dsession *s, const char *target,
		      const char *hdrs);
bool dsession_transcoded(const struct dsession *s);
/** The CN answered a transcoded session: the transcoder's ACK */
int  dsession_tc_answered(struct dsession *s, const struct sip_msg *msg);

/* device_refer.c */
void device_refer_handler(struct sipep *ep, struct sipleg *leg,
			  const struct sip_msg *msg, void *arg);
void device_subscribe_handler(struct sipep *ep, const struct sip_msg *msg,
			      const struct pl *event, void *arg);
void device_dialogs_changed(struct device *dev);
/** The final NOTIFY of the REFER that made the session, now */
void dsession_report_now(struct dsession *s);
/** The final NOTIFY of a nested REFER, with our playout report */
void dsession_nested_report(struct dsession *s, uint16_t scode,
			    const char *reason);
void dsession_invite_resp(struct sipleg *leg, int err, uint16_t scode,
			  const struct sip_msg *msg, void *arg);
