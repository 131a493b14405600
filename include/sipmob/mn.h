/**
 * @file mn.h  The mobile node (spec §3): the user's own SIP UA. It places or
 * answers one call at a time with its own media, and (in later layers)
 * discovers devices and moves media to them. sipmob-mn wires it to the
 * command line and the control socket.
 */

struct mn;
struct odict;
struct ctl_request;
struct sipauth_creds;
struct media_vio;
struct audio_conf;

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
	const struct audio_conf *audio; /**< the user's microphone and
				       speaker (media_audio.h), or NULL    */
	uint16_t port_min, port_max;
	int video;                /**< enum mset_video (NONE or BOTH)      */
	const char *video_sizes;  /**< H.263 sizes it shows and sends,
				       "cif,qcif"; NULL: QCIF and CIF      */
	const struct media_vio *vio; /**< camera, screen (NULL: pattern)   */
	uint32_t safety_ms;       /**< MN keeps sending after a transfer    */
	uint32_t device_timeout_ms; /**< a device must answer within this   */
	bool bridge;              /**< instant moves: bridge the media while
				       the far end switches (--bridge)     */
	const char *slp_da;       /**< "ADDR[:PORT]"; NULL: find by multicast */
	/* proof of presence (spec §8.2): the room's beacon, heard on a
	 * multicast group or read from a file; NULL, NULL: not listened to */
	const char *beacon;       /**< "ADDR:PORT" (IPv4 group)           */
	const char *beacon_file;  /**< a file the beacon writes            */
	/* location (location.c): the user's presence on a presence server,
	 * or NULL; how long a subscription lasts (s, 0: 600); how often the
	 * room's devices are asked for again (s, 0: 30); and whether leaving
	 * a room retrieves the media its devices hold */
	const char *location_server; /**< sip:HOST[:PORT] or with a user */
	uint32_t location_expires;
	uint32_t location_recheck;
	bool auto_retrieve;
	struct sipauth_creds *credentials; /**< answer devices' Digest
				       challenges with these (sip_auth.h)  */
};

int  mn_alloc(struct mn **mnp, const struct mn_conf *conf);
/** Control-socket commands: call URI, hangup, status, devices, move,
 *  retrieve. */
int  mn_command(struct mn *mn, struct ctl_request *req, int argc,
		char *argv[], struct odict *reply);
void mn_shutdown(struct mn *mn);
bool mn_in_call(const struct mn *mn);
/** The room token last heard from the beacon (presence.h), for the
 *  Digest answer to a device that requires presence: the secret to prove
 *  is the password followed by this token. 0 and the token, NUL-ended,
 *  in out (PRESENCE_TOKEN_MAX bytes); ENOENT when no beacon is listened
 *  to, none was heard, or the last token is too old for any device to
 *  accept. */
int  mn_presence_token(const struct mn *mn, char out[16]);
/** The secret to prove to a device of Digest realm realm: the password
 *  followed by the room token when the MN holds one that is still good
 *  and realm is NULL or the name of the room heard (a device that
 *  requires presence challenging with its room as the realm); otherwise
 *  the password alone. *with_token (may be NULL) says which. 0, EINVAL,
 *  or EOVERFLOW when it does not fit in out's 256 bytes
 *  (SIPAUTH_SECRET_MAX). */
int  mn_presence_secret(const struct mn *mn, const char *realm,
			const char *password, char out[256],
			bool *with_token);
struct sipep *mn_sipep(const struct mn *mn);
