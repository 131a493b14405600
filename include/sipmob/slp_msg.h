/**
 * @file slp_msg.h  SLPv2 wire codec (RFC 2608 §8-§10, RFC 3059 extensions).
 *
 * Decoding is zero-copy: every string in a decoded struct slp_msg is a
 * struct pl pointing into the caller's buffer, which must outlive the
 * message. Every length is checked against the bytes that remain before it
 * is used; a message that is short, long, or inconsistent is rejected with
 * an SLP error code the caller can send back (slp_msg_decode() returns it
 * through *slperr). URL entries of a SrvRply are kept as one validated
 * block and walked with slp_urlent_next().
 *
 * Encoding writes into a libre mbuf. slp_msg_encode() writes a whole
 * message; agents that must stop at an MTU use slp_hdr_encode(),
 * slp_urlent_encode() and slp_msg_finish() to append entries one by one.
 */

#include <stdbool.h>
#include <stdint.h>

struct mbuf;

enum {
	SLP_VERSION  = 2,
	SLP_PORT     = 427,
	SLP_HDR_MIN  = 14,          /**< header without the language tag   */
	SLP_MAX_AUTH = 4,           /**< auth blocks kept per list          */
	SLP_MAX_LEN  = 0xffffff,    /**< the 24-bit length field's limit    */
	SLP_MAX_REQ  = 65535,       /**< largest request an agent takes     */
	SLP_MAX_TCP_REPLY = 4 << 20,/**< largest reply sent or read on TCP  */
};

#define SLP_MCAST_ADDR "239.255.255.253"

/** Function IDs (RFC 2608 §8) */
enum slp_fid {
	SLP_SRVRQST = 1,
	SLP_SRVRPLY = 2,
	SLP_SRVREG = 3,
	SLP_SRVDEREG = 4,
	SLP_SRVACK = 5,
	SLP_ATTRRQST = 6,
	SLP_ATTRRPLY = 7,
	SLP_DAADVERT = 8,
	SLP_SRVTYPERQST = 9,
	SLP_SRVTYPERPLY = 10,
	SLP_SAADVERT = 11,
};

/** Header flags */
enum {
	SLP_FLAG_OVERFLOW = 0x8000,
	SLP_FLAG_FRESH    = 0x4000,
	SLP_FLAG_MCAST    = 0x2000,
};

/** Error codes (RFC 2608 §7) */
enum slp_err {
	SLP_OK = 0,
	SLP_LANGUAGE_NOT_SUPPORTED = 1,
	SLP_PARSE_ERROR = 2,
	SLP_INVALID_REGISTRATION = 3,
	SLP_SCOPE_NOT_SUPPORTED = 4,
	SLP_AUTHENTICATION_UNKNOWN = 5,
	SLP_AUTHENTICATION_ABSENT = 6,
	SLP_AUTHENTICATION_FAILED = 7,
	SLP_VER_NOT_SUPPORTED = 9,
	SLP_INTERNAL_ERROR = 10,
	SLP_DA_BUSY_NOW = 11,
	SLP_OPTION_NOT_UNDERSTOOD = 12,
	SLP_INVALID_UPDATE = 13,
	SLP_MSG_NOT_SUPPORTED = 14,
	SLP_REFRESH_REJECTED = 15,
};

/** Authentication block (RFC 2608 §9.2), bounded and kept verbatim */
struct slp_auth {
	uint16_t bsd;          /**< block structure descriptor */
	uint32_t timestamp;
	struct pl spi;
	struct pl data;        /**< structured authenticator   */
};

/** URL entry (RFC 2608 §4.3) */
struct slp_urlent {
	uint16_t lifetime;
	struct pl url;
	uint8_t nauth;
	struct slp_auth auth[SLP_MAX_AUTH];
};

struct slp_hdr {
	uint8_t ver;
	uint8_t fid;
	uint32_t len;
	uint16_t flags;
	uint32_t ext;          /**< offset of the first extension, 0 = none */
	uint16_t xid;
	struct pl lang;
};

/**
 * A decoded (or to-be-encoded) message. Which fields are used depends on
 * hdr.fid, as in RFC 2608 §8-§10.
 */
struct slp_msg {
	struct slp_hdr hdr;
	uint16_t err;          /**< replies, SrvAck, DAAdvert            */
	struct pl prlist;      /**< SrvRqst, AttrRqst, SrvTypeRqst       */
	struct pl srvtype;     /**< SrvRqst, SrvReg                      */
	struct pl scopes;      /**< all but replies                      */
	struct pl pred;        /**< SrvRqst predicate                    */
	struct pl spi;         /**< SrvRqst/AttrRqst SPI, DAAdvert SPI list */
	struct pl url;         /**< AttrRqst, DAAdvert, SAAdvert         */
	struct pl tags;        /**< AttrRqst, SrvDeReg                   */
	struct pl attrs;       /**< SrvReg, AttrRply, DAAdvert, SAAdvert */
	struct pl na;          /**< SrvTypeRqst naming authority         */
	bool na_all;           /**< SrvTypeRqst: all naming authorities  */
	struct pl srvtypes;    /**< SrvTypeRply                          */
	uint32_t boot;         /**< DAAdvert stateless boot timestamp    */
	struct slp_urlent urlent; /**< SrvReg, SrvDeReg                  */
	uint16_t nurl;         /**< SrvRply: entry count                 */
	struct pl urls;        /**< SrvRply: the encoded URL entries     */
	uint8_t nauth;         /**< SrvReg, AttrRply, DAAdvert, SAAdvert */
	struct slp_auth auth[SLP_MAX_AUTH];
	uint16_t ext_required; /**< first unknown mandatory extension ID */
};

const char *slp_fid_name(uint8_t fid);
const char *slp_err_name(uint16_t err);

/**
 * Decodes one message of exactly len bytes. Returns 0, or EBADMSG with
 * *slperr set to the SLP error to answer (PARSE_ERROR, VER_NOT_SUPPORTED,
 * MSG_NOT_SUPPORTED…). On VER_NOT_SUPPORTED only hdr.ver/fid/xid are set.
 */
int slp_msg_decode(struct slp_msg *msg, const uint8_t *buf, size_t len,
		   uint16_t *slperr);

/** Length announced by a header prefix (>= 5 bytes), 0 if too short. */
uint32_t slp_msg_peek_len(const uint8_t *buf, size_t len);

/** Next URL entry of a SrvRply block; 0, ENOENT at the end, EBADMSG. */
int slp_urlent_next(struct pl *block, struct slp_urlent *ent);

int slp_msg_encode(struct mbuf *mb, const struct slp_msg *msg);
int slp_hdr_encode(struct mbuf *mb, const struct slp_hdr *hdr);
int slp_urlent_encode(struct mbuf *mb, const struct slp_urlent *ent);
int slp_auth_encode(struct mbuf *mb, const struct slp_auth *auth);
/** Patches the length field of the message that starts at start. */
int slp_msg_finish(struct mbuf *mb, size_t start);
/** Error reply (SrvRply/SrvAck/AttrRply/SrvTypeRply/DAAdvert) to req. */
int slp_msg_encode_error(struct mbuf *mb, const struct slp_hdr *req,
			 uint16_t err);
/** Function ID of the reply to a request, 0 if none. */
uint8_t slp_reply_fid(uint8_t fid);
