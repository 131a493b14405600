/**
 * @file authz.h  Who may use a device (issue "Device authorization"): the
 * device's users, its owner, what each may do, and the Digest guard that
 * makes requests prove who sends them (sip_auth.h).
 *
 * The configuration (sipmob-device --auth-config FILE), one statement a
 * line, # comments:
 *
 *   realm NAME                 the Digest realm (required)
 *   owner USER                 may do everything; sees our dialogs
 *   nonce-lifetime SECONDS     default 300
 *   user NAME [PERMS] [algorithms=LIST]
 *       PERMS: comma list of use (INVITE: give us a call's media),
 *       refer (REFER: hand us a call or take it back), watch (SUBSCRIBE
 *       to our dialogs); default use. LIST: sha-256,md5 (the default;
 *       offered in that order) or one of them.
 *
 * Secrets are never in this file: "USER SECRET" lines from a secrets file
 * or the environment (authz_load's secrets_text).
 */

struct authz;
struct device;
struct sipep;

enum authz_perm {
	AUTHZ_USE   = 1 << 0,
	AUTHZ_REFER = 1 << 1,
	AUTHZ_WATCH = 1 << 2,
};

/** Reads the configuration at path and the secrets text. On failure
 *  writes why (with the line) and returns EINVAL or the file's errno. */
int  authz_load(struct authz **azp, const char *path,
		const char *secrets_text, char *why, size_t whysz);
/** Guards ep: INVITE, REFER and SUBSCRIBE must prove a user (401), who
 *  must have the permission (403). With presence (the device of
 *  --require-presence), what a user proves is the password followed by
 *  the room's current or previous token (device_presence_secrets). */
int  authz_attach(struct authz *az, struct sipep *ep,
		  const struct device *presence);
bool authz_is_owner(const struct authz *az, const char *user);
bool authz_has_owner(const struct authz *az);
bool authz_permits(const struct authz *az, const char *user,
		   enum authz_perm perm);
