/**
 * @file media_dtmf.h  DTMF digits as RFC 4733 telephone events: the
 * 4-byte payload (§2.3), a sender that turns queued digits into event
 * packets on the audio stream's 20 ms clock, and a receiver that reports
 * each key press once.
 *
 * The media stream (media.h) drives both: the sender is asked once per
 * frame whether an event packet takes the place of the audio frame, and
 * the receiver is given every packet of the telephone-event payload type.
 *
 * Usage:
 *   dtmf_tx_alloc(&tx);  dtmf_tx_queue(tx, "12#");
 *   every 20 ms: if (dtmf_tx_tick(tx, ts, 160, &pkt)) send pkt, not audio
 *   dtmf_rx_alloc(&rx);  dtmf_rx_input(rx, ssrc, ts, p, len, &digit);
 *   dtmf_rx_digits(rx)   ->  "12#"
 */

#ifndef SIPMOB_MEDIA_DTMF_H
#define SIPMOB_MEDIA_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DTMF_SDP_NAME "telephone-event"
#define DTMF_CLOCK    8000        /**< telephone-event/8000               */
#define DTMF_FMTP     "0-16"      /**< DTMF digits and flash (RFC 4733 §3) */
#define DTMF_PT       101         /**< our dynamic payload type, usually  */

enum {
	DTMF_PAYLOAD_SIZE = 4,    /**< one event block                    */
	DTMF_TONE_MS      = 100,  /**< how long a digit we send lasts     */
	DTMF_PAUSE_MS     = 100,  /**< audio between two digits we send   */
	DTMF_END_REPEAT   = 3,    /**< end packets per digit (§2.5.1.4)    */
	DTMF_MAX_QUEUE    = 64,   /**< digits waiting to be sent          */
	DTMF_MAX_RX       = 256,  /**< received digits kept (the latest)  */
};

/** One event block (RFC 4733 §2.3) */
struct dtmf_event {
	uint8_t  code;       /**< 0-9, 10 '*', 11 '#', 12-15 A-D, 16 flash  */
	bool     end;        /**< E bit: the event has ended               */
	uint8_t  volume;     /**< power level, -dBm0 (0..63)               */
	uint16_t duration;   /**< so far, in timestamp units               */
};

/* Digits and the payload */
int  dtmf_code(char digit);
char dtmf_digit(uint8_t code);
bool dtmf_digits_valid(const char *digits);
int  dtmf_encode(uint8_t *buf, size_t size, const struct dtmf_event *ev);
int  dtmf_decode(struct dtmf_event *ev, const uint8_t *p, size_t len);

/* Sender */
struct dtmf_tx;

/** What goes out in place of one audio frame */
struct dtmf_pkt {
	bool marker;                        /**< first packet of an event  */
	uint32_t ts;                        /**< the event's start         */
	uint8_t payload[DTMF_PAYLOAD_SIZE];
};

int  dtmf_tx_alloc(struct dtmf_tx **txp);
int  dtmf_tx_queue(struct dtmf_tx *tx, const char *digits);
bool dtmf_tx_busy(const struct dtmf_tx *tx);
void dtmf_tx_clear(struct dtmf_tx *tx);
bool dtmf_tx_tick(struct dtmf_tx *tx, uint32_t ts, uint32_t step,
		  struct dtmf_pkt *pkt);

/* Receiver */
struct dtmf_rx;

int  dtmf_rx_alloc(struct dtmf_rx **rxp);
int  dtmf_rx_input(struct dtmf_rx *rx, uint32_t ssrc, uint32_t ts,
		   const uint8_t *p, size_t len, char *digitp);
const char *dtmf_rx_digits(const struct dtmf_rx *rx);

#endif /* SIPMOB_MEDIA_DTMF_H */
