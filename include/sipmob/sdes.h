/**
 * @file sdes.h  SDES keys for SRTP in SDP (RFC 4568): the a=crypto lines
 * of an m= line, and RTP/SAVP.
 *
 *   a=crypto:<tag> <suite> inline:<base64 of key||salt>[|<lifetime>]
 *
 * We take the suites AES_CM_128_HMAC_SHA1_80 and _32 (a 16-byte key and a
 * 14-byte salt: 30 bytes), one key per line, no MKI and no session
 * parameters (UNENCRYPTED_SRTP and the like would weaken what the line
 * promises, so a line with any is not used).
 */
#ifndef SIPMOB_SDES_H
#define SIPMOB_SDES_H

#include <stdbool.h>
#include <stdint.h>

struct sdesc_media;

enum { SDES_KEYLEN = 30 };

#define SDES_PROTO "RTP/SAVP"

struct sdes_crypto {
	unsigned tag;                 /**< 1..999999999                   */
	bool tag32;                   /**< AES_CM_128_HMAC_SHA1_32, else _80 */
	uint8_t key[SDES_KEYLEN];     /**< master key then master salt    */
};

/** Parses the value of one a=crypto line (after "crypto:"); EBADMSG when
 *  it is malformed, ENOTSUP when it is well-formed but not one we take. */
int  sdes_decode(struct sdes_crypto *c, const char *val);
/** The first a=crypto line of m that we take; ENOENT when there is none. */
int  sdes_find(const struct sdesc_media *m, struct sdes_crypto *c);
/** Sets m's only a=crypto line to c, and its proto to RTP/SAVP. */
int  sdes_set(struct sdesc_media *m, const struct sdes_crypto *c);
/** Sets m's proto ("RTP/AVP", "RTP/SAVP") */
int  sdes_set_proto(struct sdesc_media *m, const char *proto);
/** Whether m is RTP/SAVP */
bool sdes_is_savp(const struct sdesc_media *m);
/** The suite's name as SDP writes it */
const char *sdes_suite_name(const struct sdes_crypto *c);

#endif
