/**
 * @file media_jitbuf.h  An adaptive jitter buffer between RTP and a sound
 * card.
 *
 * Packets go in as they arrive (jitbuf_put); the sound card's clock takes
 * one frame out every ptime (jitbuf_get): the packet due, or "conceal" when
 * it is missing (lost, or not there yet), or nothing before the buffer has
 * filled and after the stream stopped. Packets are ordered by sequence
 * number; one that comes after its turn was played is late: dropped, unless
 * it missed its turn by one frame only, when it is played in the frame the
 * buffer then inserts to grow its delay.
 *
 * The target delay follows the interarrival jitter (RFC 3550 6.4.1):
 * target = clamp(JITBUF_K * jitter, min, max). Once a window (JITBUF_WINDOW
 * frames) the buffer compares what it holds with the target: more than
 * the target plus a frame, never less than two frames, and every packet
 * played in the window having waited at least a frame plus
 * JITBUF_MARGIN_MS, drops one frame (shrinks); less than
 * the target, or a late packet in the window, inserts one frame
 * (stretches). A late packet stretches at once.
 *
 * Usage:
 *   jitbuf_alloc(&jb, 8000, 20, 0, 200);
 *   jitbuf_put(jb, ssrc, seq, ts, ext, now_ms, payload, len);    per packet
 *   switch (jitbuf_get(jb, now_ms, &f)) ...                     per 20 ms
 *   jitbuf_stats(jb, &st);
 */

#ifndef SIPMOB_MEDIA_JITBUF_H
#define SIPMOB_MEDIA_JITBUF_H

#include <stddef.h>
#include <stdint.h>

enum {
	JITBUF_SLOTS       = 64,    /**< frames it can hold (1.28 s of 20 ms) */
	JITBUF_MAX_PAYLOAD = 1500,
	JITBUF_K           = 3,     /**< target = K * jitter                  */
	JITBUF_WINDOW      = 25,    /**< frames between adaptations (500 ms)  */
	JITBUF_IDLE_MS     = 200,   /**< no packet for this long: stopped     */
	JITBUF_MARGIN_MS   = 10,    /**< the least wait a shrink leaves      */
};

/** What jitbuf_get gives for this frame time */
enum jitbuf_out {
	JITBUF_NONE = 0,            /**< nothing to play (filling, stopped)   */
	JITBUF_FRAME,               /**< a packet: in the frame               */
	JITBUF_CONCEAL,             /**< missing: conceal one frame           */
};

struct jitbuf_frame {
	uint32_t ssrc;
	uint16_t seq;
	uint64_t ext;             /**< extended sequence number (meter)     */
	uint32_t ts;
	uint64_t arrival_ms;
	size_t len;
	uint8_t payload[JITBUF_MAX_PAYLOAD];
};

struct jitbuf_stats {
	uint32_t delay_ms;        /**< buffered now, averaged over a window */
	uint32_t target_ms;
	uint32_t jitter_ms;       /**< RFC 3550 interarrival jitter         */
	uint64_t frames;          /**< packets played                       */
	uint64_t concealed;       /**< frames concealed for missing packets */
	uint64_t late;            /**< packets come after their turn        */
	uint64_t late_dropped;    /**< ...and dropped (not played at all)   */
	uint64_t stretched;       /**< frames inserted to grow the delay    */
	uint64_t shrunk;          /**< packets dropped to cut the delay     */
	uint64_t resets;          /**< restarts (new sender, a jump)        */
};

struct jitbuf;

int  jitbuf_alloc(struct jitbuf **jbp, uint32_t clock, uint32_t ptime_ms,
		uint32_t min_ms, uint32_t max_ms);
int  jitbuf_put(struct jitbuf *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
	      uint64_t ext, uint64_t now_ms, const uint8_t *p, size_t len);
enum jitbuf_out jitbuf_get(struct jitbuf *jb, uint64_t now_ms,
		       struct jitbuf_frame *f);
void jitbuf_flush(struct jitbuf *jb);
void jitbuf_stats(const struct jitbuf *jb, struct jitbuf_stats *st);

#endif /* SIPMOB_MEDIA_JITBUF_H */
