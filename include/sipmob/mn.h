/**
 * @file mn.h  The mobile node (spec §3): the user's own SIP UA. It places or
 * answers one call at a time with its own media, and (in later layers)
 * discovers devices and moves media to them. sipmob-mn wires it to the
 * command line and the control socket.
 */

struct mn;
struct odict;
struct ctl_request;

struct mn_conf {
	const char *user;         /**< SIP user name                       */
	const char *sip_listen;   /**< "ADDR:PORT"                         */
	const char *codecs;       /**< codec preference list               */
	const char *registrar;    /**< register there, or NULL             */
	const char *auth_user;     /**< Digest user (default: the SIP user) */
	const char *password;      /**< Digest password, or NULL           */
	bool trace;                /**< log every SIP message (-v)         */
	const char *tls_cert;      /**< SIP over TLS (sipep_conf), or NULL */
	const char *tls_ca;
	uint16_t tls_port;
	const char *record_path;  /**< WAV of the call's audio, or NULL    */
	uint16_t port_min, port_max;
	int video;                /**< enum mset_video (NONE or BOTH)      */
	const char *video_sizes;  /**< H.263 sizes it shows and sends,
				       "cif,qcif"; NULL: QCIF and CIF      */
	uint32_t safety_ms;       /**< MN keeps sending after a transfer    */
	uint32_t device_timeout_ms; /**< a device must answer within this   */
	bool bridge;              /**< instant moves: bridge the media while
				       the far end switches (--bridge)     */
	const char *slp_da;       /**< "ADDR[:PORT]"; NULL: find by multicast */
};

int  mn_alloc(struct mn **mnp, const struct mn_conf *conf);
/** Control-socket commands: call URI, hangup, status, devices, move,
 *  retrieve. */
int  mn_command(struct mn *mn, struct ctl_request *req, int argc,
		char *argv[], struct odict *reply);
void mn_shutdown(struct mn *mn);
bool mn_in_call(const struct mn *mn);
