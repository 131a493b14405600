/**
 * @file media_srtp.h  SRTP and SRTCP (RFC 3711) on one stream's sockets.
 *
 * A media_srtp sits on the RTP and the RTCP socket of an rtp_sock as a UDP
 * helper, so whatever the stream sends (RTP and libre's RTCP reports) is
 * encrypted on the way out and whatever comes in is authenticated and
 * decrypted before the stream sees it. While it is on, nothing goes out
 * or comes in in clear: a packet with no key yet, or one that does not
 * authenticate, is dropped. Off, packets pass untouched.
 *
 *   media_srtp_alloc(&s, rtp);            off
 *   media_srtp_set_tx(s, true, key);      on; our key (SDES: ours)
 *   media_srtp_set_rx(s, true, key);      theirs
 *
 * It holds the two sockets: free the stream first (libre's last RTCP, the
 * BYE, still goes out encrypted), then the media_srtp.
 */
#ifndef SIPMOB_MEDIA_SRTP_H
#define SIPMOB_MEDIA_SRTP_H

#include <stdbool.h>
#include <stdint.h>

struct media_srtp;
struct rtp_sock;

int  media_srtp_alloc(struct media_srtp **sp, struct rtp_sock *rtp);
/** On: every packet is SRTP from now on (until media_srtp_off) */
void media_srtp_on(struct media_srtp *s);
void media_srtp_off(struct media_srtp *s);
bool media_srtp_is_on(const struct media_srtp *s);
/** The 30-byte master key and salt we send with (tag32: the 32-bit tag
 *  suite, else 80); the context is kept when the key is the same. */
int  media_srtp_set_tx(struct media_srtp *s, bool tag32, const uint8_t *key);
/** ...and the one the far end sends with */
int  media_srtp_set_rx(struct media_srtp *s, bool tag32, const uint8_t *key);
/** Packets dropped: not authentic, or no key yet (tx, rx) */
void media_srtp_drops(const struct media_srtp *s, uint64_t *tx, uint64_t *rx);

#endif
