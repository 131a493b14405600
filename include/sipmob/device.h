/**
 * @file device.h  A local device agent (spec §3): a SIP UA that answers the
 * calls it is allowed to, with real media (plays the sequence-marked tone,
 * records and meters what it receives), for as many sessions as come.
 * sipmob-device wires it to the command line and the control socket.
 */

struct device;
struct sipep;
struct odict;
struct sa;
struct presence_key;
struct authz;
struct media_vio;
struct audio_conf;

struct device_conf {
	const char *name;         /**< SIP user and display name            */
	const char *sip_listen;   /**< "ADDR:PORT"                          */
	const char *codecs;       /**< codec preference list                */
	const char *record_dir;   /**< WAV per session, or NULL             */
	const struct audio_conf *audio; /**< microphone and speaker
				       (media_audio.h), or NULL: the tone */
	const char *registrar;    /**< register there, or NULL              */
	const char *auth_user;     /**< Digest user (default: the SIP user) */
	const char *password;      /**< Digest password, or NULL           */
	bool trace;                /**< log every SIP message (-v)         */
	const char *tls_cert;      /**< SIP over TLS (sipep_conf): the SLP
				        URL becomes sips:, or NULL         */
	const char *tls_ca;
	uint16_t tls_port;
	uint16_t port_min, port_max;
	bool no_audio;            /**< video only                          */
	int video;                /**< enum mset_video                     */
	const struct media_vio *vio; /**< camera and screen (NULL: pattern) */
	unsigned video_width, video_height;  /**< the one size it sends */
	const char *video_sizes;  /**< H.263 sizes it shows and sends,
				       "4cif,cif"; NULL: QCIF and CIF     */
	bool basic;               /**< an ordinary phone: no mobility      */
	/* a multi-device system manager (spec §5.3.3): a REFER makes one
	 * session with the CN out of a session with each member, named here
	 * or found through SLP (service:sip-device matching members_pred) */
	bool mdsm;
	const char *const *members;
	size_t memberc;
	const char *members_pred;
	const char *on_in_use;    /**< run with "on"/"off" when a session
				       starts or stops using our microphone
				       or camera (sh -c CMD sipmob-in-use)  */
	const char *owner;        /**< URI that may always REFER us and see
				       our dialogs; NULL: anyone may hand us
				       a call, nobody may see our dialogs   */
	struct authz *authz;      /**< Digest users and permissions
				       (authz.h); then owner is unused     */
	/* SLP (spec §4): with a room, the device registers itself as a
	 * service:sip-device at the DA (or answers multicast without one) */
	const char *room;
	int floor;                /**< INT32_MIN: not given                */
	const char *building;
	bool has_position;        /* where in the room, for the MN's map:  */
	int pos_x, pos_y;         /* percent of its width and depth, 0-100 */
	const char *slp_da;       /**< "ADDR[:PORT]", NULL: by multicast    */
	/* proof of presence (spec §8.2): with a room key, the secret a user
	 * proves (Digest) is the password followed by the room's token */
	const struct presence_key *room_key;  /**< copied; NULL: not required */
	uint32_t presence_step;   /**< the token's step in s; 0: 30         */
};

int  device_alloc(struct device **devp, const struct device_conf *conf);
struct sipep *device_sipep(const struct device *dev);
/** The control-socket commands: status, playout, dtmf, hangup. */
int  device_command(struct device *dev, int argc, char *argv[],
		    struct odict *reply);
unsigned device_session_count(const struct device *dev);
void device_shutdown(struct device *dev);
/** The secrets a user with this password may prove (for the Digest
 *  server's sipauth_secrets_h): with a room key (--require-presence),
 *  the password followed by the room token of the current step, then by
 *  the previous step's (presence_secrets()); without one, the password
 *  alone. Returns how many it wrote into out (at most max), 0 on error.
 *  Each entry is PRESENCE_SECRET_LEN (= SIPAUTH_SECRET_MAX) bytes. */
size_t device_presence_secrets(const struct device *dev,
			       const char *password, char out[][256],
			       size_t max);
