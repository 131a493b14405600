/**
 * @file presence.h  Proof of presence (spec §8.2): a device that may be
 * used only by someone in its room. A beacon in the room (sipmob-beacon)
 * announces a token that changes every step seconds, an RFC 6238 TOTP
 * value of a secret the room's beacon and devices share; the announcement
 * reaches the room only (multicast with TTL 1 on the room's link). The MN
 * hears it and appends the token to its password when it answers the
 * device's Digest challenge; the device accepts the password followed by
 * the token of the current step or of the one before.
 *
 * Token:    presence_token(), presence_secrets()
 * Secret:   presence_key_load(), presence_key_set()
 * Beacon:   presence_beacon_encode(), presence_beacon_decode()
 * Listener: presence_listener_alloc() and friends (the MN's ear)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PRESENCE_TOKEN_MAX = 16,     /**< a token's digits and NUL          */
	PRESENCE_DIGITS = 8,         /**< digits of a token (default)       */
	PRESENCE_STEP = 30,          /**< seconds a token lasts (default)   */
	PRESENCE_KEY_MIN = 16,       /**< RFC 4226 §4: at least 128 bits    */
	PRESENCE_KEY_MAX = 128,
	PRESENCE_ROOM_MAX = 64,      /**< a room name and NUL               */
	PRESENCE_SECRET_LEN = 256,   /**< = SIPAUTH_SECRET_MAX              */
	PRESENCE_DATAGRAM_MAX = 512, /**< a beacon announcement, at most    */
};

/** Where a beacon announces, and an MN listens, unless told otherwise:
 *  an organization-local group (RFC 2365), sent with TTL 1. */
#define PRESENCE_GROUP "239.255.83.77:5085"

/* ---- Token (RFC 6238 TOTP, HMAC-SHA1) ---- */

/** The token of the step holding unix_time: TOTP with a step of step
 *  seconds from T0 = 0, digits (6 to 10) decimal digits, zero-padded,
 *  NUL-terminated in out. 0, or EINVAL (no secret, step 0, digits out of
 *  range). */
int presence_token(const uint8_t *secret, size_t len, uint64_t unix_time,
		   uint32_t step, unsigned digits,
		   char out[PRESENCE_TOKEN_MAX]);

/** The secrets a user in the room may prove at time now: password
 *  followed by the token of the current step, then password followed by
 *  the token of the step before (a token heard just before it changed).
 *  Tokens of PRESENCE_DIGITS digits. Fills at most max entries of out and
 *  returns how many (2, 1 in the very first step, 0 when max is 0, an
 *  argument is missing or password and token do not fit in 256 bytes). */
size_t presence_secrets(const char *password, const uint8_t *room_secret,
			size_t len, uint64_t now, uint32_t step,
			char out[][PRESENCE_SECRET_LEN], size_t max);

/* ---- The room's secret ---- */

struct presence_key {
	uint8_t secret[PRESENCE_KEY_MAX];
	size_t len;
};

/** The secret is the bytes of the file at path, one trailing newline
 *  (LF or CRLF) left out; PRESENCE_KEY_MIN to PRESENCE_KEY_MAX bytes.
 *  On error, why says what is wrong. */
int presence_key_load(struct presence_key *key, const char *path,
		      char *why, size_t whysz);
/** The same from a string (an environment variable's value). */
int presence_key_set(struct presence_key *key, const char *text,
		     char *why, size_t whysz);

/* ---- Beacon announcement ---- */

/**
 * One announcement, a single line of text:
 *
 *   SIPMOB-BEACON/1 room=NAME step=30 token=94287082 seq=17 time=1700000000
 *
 * room is 1 to 63 of [A-Za-z0-9._-]; step 1 to 86400; token 6 to 10
 * digits; seq counts announcements; time is the beacon's clock (Unix
 * seconds) when it made the token. Fields come in any order, each once;
 * other key=value fields are ignored (later versions may add some). It
 * carries no MAC: the MN holds no key to check one, and a forged token
 * earns only a refusal.
 */
struct presence_beacon {
	char room[PRESENCE_ROOM_MAX];
	char floor[PRESENCE_ROOM_MAX];     /**< "" when not announced     */
	char building[PRESENCE_ROOM_MAX];  /**< "" when not announced     */
	char token[PRESENCE_TOKEN_MAX];
	uint32_t step;
	uint64_t seq;
	uint64_t time;
};

/** Writes b (with a trailing LF) into buf, NUL-terminated; *lenp is its
 *  length without the NUL. EINVAL when b is not one that decodes,
 *  EOVERFLOW when sz is too small. */
int presence_beacon_encode(const struct presence_beacon *b, char *buf,
			   size_t sz, size_t *lenp);
/** Reads the len bytes at buf (network input: any bytes). 0, or EBADMSG
 *  for anything but one whole announcement (one trailing LF or CRLF
 *  allowed). */
int presence_beacon_decode(struct presence_beacon *b, const char *buf,
			   size_t len);
/** A room name that an announcement may carry */
bool presence_room_valid(const char *room);

/* ---- Listener: the MN's ear for the beacon ---- */

struct presence_listener;
struct odict;

/** Listens for announcements on the multicast group ADDR:PORT (IPv4; it
 *  joins the group on the interface of the route to it), or, with file,
 *  re-reads the announcement a beacon writes there (every 200 ms). The
 *  last announcement heard wins, whichever room it is from. */
int presence_listener_alloc(struct presence_listener **lp,
			    const char *group, const char *file,
			    char *why, size_t whysz);
/** The token last heard, into out, while it can still be accepted (heard
 *  less than two of its steps ago). 0, or ENOENT (none heard, or too
 *  old). */
int presence_listener_token(const struct presence_listener *l,
			    char out[PRESENCE_TOKEN_MAX]);
/** Called for each new announcement heard (not the same one read again
 *  from the file) */
typedef void (presence_heard_h)(const struct presence_beacon *b, void *arg);
void presence_listener_set_handler(struct presence_listener *l,
				   presence_heard_h *h, void *arg);
/** The room of the last announcement heard, or NULL */
const char *presence_listener_room(const struct presence_listener *l);
/** For status: listening (the group or file), room heard, token age and
 *  step, announcements heard and refused. Never the token. */
int presence_listener_status(const struct presence_listener *l,
			     struct odict *od);
