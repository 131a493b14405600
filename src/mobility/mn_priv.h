/*
 * The mobile node's private state, shared by mn.c (the call, commands,
 * status, device liveness) and mnc.c (Mobile Node Control transfers).
 *
 * The call with the CN is one SIP leg. What the CN knows of us is
 * cn_local (the last description we gave it); what we know of the CN is
 * cn_remote. Each m-line of cn_local has a placement: the MN itself or a
 * device that we keep a dialog with (3PCC) and that exchanges the medium
 * with the CN directly.
 */
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/metrics.h>
#include <sipmob/mn.h>

enum mn_state { MN_IDLE = 0, MN_CALLING, MN_ESTABLISHED };

enum { MN_MAX_LINES = 8 };

/** What a device does with one m-line of the call (spec §5.2.2) */
enum line_role {
	ROLE_WHOLE = 0,   /* both directions                            */
	ROLE_OUT,         /* it receives the CN's stream (a display)   */
	ROLE_IN,          /* it sends to the CN (a camera)             */
};

/** A local device holding media of the call, in Mobile Node Control */
struct mdev {
	struct le le;
	struct mn *mn;
	char *uri;
	struct sipleg *leg;
	struct sdesc *offer;      /* the CN's media as we offered them     */
	struct sdesc *answer;     /* the device's media                    */
	int src;                  /* its id in playout metrics (MN = 0)   */
	char lost[128];           /* why it was lost; "" while it is fine */
	unsigned ping_fails;
	bool ping_out;
	struct tmr tmr_ping;
};

struct placement {
	struct mdev *dev;         /* NULL: the MN itself                   */
	enum line_role role;
	unsigned dev_line;        /* the line's index in the device's own
				     session (a display's appended line is
				     the old video line there)            */
};

struct last_transfer {
	bool valid;
	bool ok;
	const char *mode;         /* "transfer" or "retrieve"              */
	char error[192];
	bool metrics_known;       /* audio: m                              */
	char metrics_note[128];
	struct transfer_metrics m;
	bool video_moved;
	bool vmetrics_known;      /* video, in frames: vm                  */
	char vmetrics_note[128];
	struct transfer_metrics vm;
	uint64_t signaling_ms;    /* command to the CN's 200               */
};

struct mnc_xfer;
struct slp_ua;

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

	struct sdesc *cn_local;
	struct sdesc *cn_remote;
	struct placement place[MN_MAX_LINES];
	struct list devs;          /* struct mdev holding media           */
	int next_src;
	struct mnc_xfer *xfer;     /* the transfer in progress, if any    */
	struct last_transfer last;

	struct slp_ua *ua;         /* device discovery (discover.c)       */
	struct list known;         /* devices of the last query, by name  */
};

/* mn.c */
void mn_log_result(struct mn *mn);
int  mn_put_last_transfer(struct odict *od, const struct last_transfer *lt);
struct mdev *mdev_alloc(struct mn *mn, const char *uri);
void mdev_watch(struct mdev *d);
void mn_device_lost(struct mdev *d, const char *why);
bool mn_media_elsewhere(const struct mn *mn);
int  mn_cn_sdp_changed(struct mn *mn, const struct sip_msg *msg);

/* discover.c */
int  mn_discover_alloc(struct mn *mn);
int  mn_devices(struct mn *mn, struct ctl_request *req, int argc,
		char *argv[], struct odict *reply);
const char *mn_device_uri(const struct mn *mn, const char *name);

/* mnc.c */
struct mnc_plan {
	unsigned n;
	struct {
		int line;             /* m-line of cn_remote                  */
		enum line_role role;
		const char *uri;
	} item[MN_MAX_LINES];
};

int  mnc_move(struct mn *mn, struct ctl_request *req,
	      const struct mnc_plan *plan, struct odict *reply);
int  mnc_retrieve(struct mn *mn, struct ctl_request *req,
		  const char *media, struct odict *reply);
bool mnc_cn_response(struct mn *mn, int err, uint16_t scode,
		     const struct sip_msg *msg);
void mnc_abort(struct mn *mn, const char *why);
void mnc_update_devices(struct mn *mn);
int  mnc_restricted_offer(struct sdesc **offerp, const struct sdesc *cn,
			  const bool *lines, const enum line_role *roles);
