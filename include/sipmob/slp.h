/**
 * @file slp.h  SLPv2 agents (RFC 2608): Directory Agent, Service Agent and
 * User Agent, each an object living in the caller's libre loop (re_main).
 *
 * Service Agent — a device registering itself (sipmob-device), or a proxy
 * SA for basic devices (sipmob-sa):
 *
 *   struct slp_sa_conf c = { .da = NULL, .scopes = "DEFAULT" };
 *   slp_sa_alloc(&sa, &c);                 // finds DAs by multicast and
 *                                          // DAAdverts; answers multicast
 *                                          // SrvRqst itself (no DA needed)
 *   slp_sa_register(sa, "sip:audio@10.0.0.5", "service:sip-device",
 *                   "(room=123),(media=audio)", 300);
 *   ...                                    // refreshed before expiry, and
 *                                          // again after a DA restart
 *   slp_sa_shutdown(sa, done_h, arg);      // SrvDeReg all, then done_h
 *   mem_deref(sa);
 *
 * User Agent — the mobile node (spec §4, Figure 1):
 *
 *   struct slp_ua_conf c = { .da = "10.0.0.1" };   // or NULL: discover
 *   slp_ua_alloc(&ua, &c);
 *   slp_ua_find_devices(ua, "(room=123)", devices_h, arg);
 *     devices_h(err, devs, n, arg): devs[i].url, devs[i].attrs (the
 *     attribute list text) and devs[i].parsed (typed, slp_attrs_find)
 *   slp_ua_findsrvs / findattrs / findsrvtypes / register / deregister
 *   for anything else; every call answers once through its handler.
 *
 * Include <re.h> before this header.
 */

#include <sipmob/slp_msg.h>
#include <sipmob/slp_attr.h>
#include <sipmob/slp_store.h>

#define SLP_DEFAULT_SCOPE "DEFAULT"
#define SLP_TYPE_DA "service:directory-agent"
#define SLP_TYPE_SA "service:service-agent"
#define SLP_TYPE_DEVICE "service:sip-device"
#define SLP_TYPE_TRANSCODER "service:sip-transcoder"

/* ---- Directory Agent ---- */

struct slp_da;

struct slp_da_conf {
	const char *laddr;          /**< bind address, NULL = 0.0.0.0     */
	uint16_t port;              /**< UDP and TCP, 0 = 427             */
	const char *scopes;         /**< NULL = "DEFAULT"                 */
	uint32_t mtu;               /**< UDP replies fit it, 0 = 1400     */
	const char *allow_register; /**< CIDRs; NULL = loopback and the
				         networks of our interfaces       */
	uint32_t advert_interval;   /**< s between DAAdverts, 0 = 10800   */
	size_t max_url;             /**< bytes, 0 = 1024                  */
	size_t max_attrs;           /**< bytes, 0 = 8192                  */
	size_t max_per_src;         /**< registrations per source, 0=10000 */
	size_t max_regs;            /**< in total, 0 = 1000000            */
	bool no_mcast;              /**< do not join 239.255.255.253      */
	int verbose;                /**< 0 errors, 1 events, 2 messages   */
};

int slp_da_alloc(struct slp_da **dap, const struct slp_da_conf *conf);
const struct slp_store *slp_da_store(const struct slp_da *da);
uint32_t slp_da_boot(const struct slp_da *da);
/** Sends the DAAdvert of a DA going down (boot timestamp 0). */
void slp_da_goodbye(struct slp_da *da);

/* ---- Service Agent ---- */

struct slp_sa;

struct slp_sa_conf {
	const char *da;        /**< "addr[:port]"; NULL = DAs found by
				    multicast and DAAdverts              */
	const char *scopes;    /**< NULL = "DEFAULT"                     */
	const char *laddr;     /**< our unicast address, NULL = any      */
	uint16_t port;         /**< multicast port, 0 = 427              */
	bool no_mcast;         /**< neither listen to nor send multicast */
	const char *name;      /**< log component, NULL = "slp-sa"       */
	int verbose;
};

int slp_sa_alloc(struct slp_sa **sap, const struct slp_sa_conf *conf);
/** Adds (or replaces) a service and registers it with every known DA. */
int slp_sa_register(struct slp_sa *sa, const char *url, const char *type,
		    const char *attrs, uint16_t lifetime);
int slp_sa_deregister(struct slp_sa *sa, const char *url);
/** Number of DAs the SA knows, and of them how many acked everything. */
void slp_sa_status(const struct slp_sa *sa, size_t *ndas, size_t *nacked);

typedef void (slp_sa_done_h)(void *arg);
/** Deregisters everything from every DA, then calls h (within ~1 s). */
void slp_sa_shutdown(struct slp_sa *sa, slp_sa_done_h *h, void *arg);

/* ---- User Agent ---- */

struct slp_ua;

struct slp_ua_conf {
	const char *da;        /**< "addr[:port]"; NULL = discover a DA by
				    multicast, else ask the SAs directly */
	const char *scopes;    /**< NULL = "DEFAULT"                     */
	uint16_t port;         /**< multicast port, 0 = 427              */
	uint32_t timeout_ms;   /**< per request, 0 = 3000                */
	uint32_t mcast_wait_ms;/**< per multicast round, 0 = 400         */
	int verbose;
};

struct slp_ua_url {
	struct pl url;
	uint16_t lifetime;
};

/** slperr is the SLP error code of the reply (0 = OK); err an errno
 *  (ETIMEDOUT: no answer). Data are valid during the call only. */
typedef void (slp_ua_srv_h)(int err, uint16_t slperr,
			    const struct slp_ua_url *v, size_t n, void *arg);
typedef void (slp_ua_list_h)(int err, uint16_t slperr, const struct pl *list,
			     void *arg);
typedef void (slp_ua_ack_h)(int err, uint16_t slperr, void *arg);

struct slp_device {
	struct pl url;
	uint16_t lifetime;
	struct pl attrs;              /**< as received                 */
	const struct slp_attrs *parsed; /**< typed, NULL if malformed  */
};
typedef void (slp_ua_devices_h)(int err, const struct slp_device *v,
				size_t n, void *arg);

int slp_ua_alloc(struct slp_ua **uap, const struct slp_ua_conf *conf);
int slp_ua_findsrvs(struct slp_ua *ua, const char *type, const char *pred,
		    slp_ua_srv_h *h, void *arg);
int slp_ua_findattrs(struct slp_ua *ua, const char *url_or_type,
		     const char *tags, slp_ua_list_h *h, void *arg);
/** na NULL: all naming authorities; "" the IANA one. */
int slp_ua_findsrvtypes(struct slp_ua *ua, const char *na, slp_ua_list_h *h,
			void *arg);
int slp_ua_register(struct slp_ua *ua, const char *url, const char *type,
		    const char *attrs, uint16_t lifetime, slp_ua_ack_h *h,
		    void *arg);
int slp_ua_deregister(struct slp_ua *ua, const char *url, slp_ua_ack_h *h,
		      void *arg);
/** Spec §4, Figure 1: SrvRqst for service:sip-device with pred, then an
 *  AttrRqst per URL; h gets every device with its attributes. */
int slp_ua_find_devices(struct slp_ua *ua, const char *pred,
			slp_ua_devices_h *h, void *arg);
/** The same for any service type (SLP_TYPE_TRANSCODER) */
int slp_ua_find_services(struct slp_ua *ua, const char *type,
			 const char *pred, slp_ua_devices_h *h, void *arg);
/** The DA in use ("" when none), after discovery. */
const char *slp_ua_da(const struct slp_ua *ua);
