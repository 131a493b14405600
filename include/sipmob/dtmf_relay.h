/**
 * @file dtmf_relay.h  DTMF in a SIP INFO: the widely used
 * "application/dtmf-relay" body (no RFC defines it; phones and PBXs
 * commonly speak it), one digit per request:
 *
 *   Signal=5
 *   Duration=160
 *
 * The mobile node asks the device that holds the user's audio to send a
 * digit this way (an INFO inside the device's dialog); the device sends it
 * on to the correspondent node as RFC 4733 events in its media.
 */
#include <stddef.h>
#include <stdint.h>

struct mbuf;

#define DTMF_RELAY_CTYPE "application/dtmf-relay"

/** Reads a body: the digit of its Signal line and its Duration in ms (0
 *  when the body has none). EBADMSG for anything else than lines of
 *  Name=Value with exactly one Signal that is one DTMF digit and at most
 *  one Duration of 0..65535. Other names are ignored. */
int dtmf_relay_decode(const char *p, size_t len, char *digit,
		      uint32_t *duration_ms);
/** Writes a body for one digit ("Signal=5\r\nDuration=160\r\n"). */
int dtmf_relay_encode(struct mbuf **mbp, char digit, uint32_t duration_ms);
