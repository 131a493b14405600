/**
 * @file transcode.h  The media engine of the RFC 4117 transcoder: RTP
 * relayed between two legs with the codec converted on the way.
 *
 * An engine is N worker threads, each with its own epoll loop. A pair is
 * one medium relayed between two legs, A and B, each with its own RTP
 * socket (and an RTCP socket on the next port, bound and drained). A
 * packet received on one leg is converted to the other leg's codec and sent
 * at once from the other leg's socket: there is no playout buffer and no
 * output timer, so jitter and loss on the way in come out as the same
 * jitter and loss, never as delay that accumulates.
 *
 * Threads: every function here is called from the main (libre) thread
 * only. A call that changes a pair (alloc, set_leg, stats, mem_deref) hands
 * the change to the pair's worker and waits for it to run between two
 * batches of packets (well under a millisecond unless the worker is
 * overloaded), so a worker never sees a pair half-changed or freed.
 *
 * Usage:
 *   tc_engine_alloc(&e, 0);                    one worker per online core
 *   tc_pair_alloc(&p, e, &laddr, 20000, 29999);
 *   tc_pair_set_leg(p, TC_LEG_A, &(struct tc_leg_conf){codec_find("PCMU"),
 *                   0, 101, remote_a});        and again on a re-INVITE
 *   tc_pair_set_leg(p, TC_LEG_B, ...);         relays from here on
 *   tc_pair_stats(p, &st);
 *   mem_deref(p);  mem_deref(e);
 */

#ifndef SIPMOB_TRANSCODE_H
#define SIPMOB_TRANSCODE_H

#include <stdint.h>
#include <re.h>
#include <sipmob/media_codec.h>

struct tc_engine;   /* N worker threads, each its own epoll loop */
struct tc_pair;     /* one medium relayed between two legs, A and B */

enum tc_leg { TC_LEG_A = 0, TC_LEG_B = 1 };

/** What one leg sends and receives. The telephone-event clock of a leg is
 *  its codec's RTP clock (telephone-event/8000 with PCMU, PCMA and G.722,
 *  telephone-event/48000 with Opus). */
struct tc_leg_conf {
	const struct codec_desc *codec;  /**< codec_find("PCMU") etc.       */
	uint8_t pt;                      /**< payload type it sends/receives */
	int dtmf_pt;                     /**< telephone-event PT, -1: none   */
	struct sa remote;                /**< where this leg sends RTP       */
};

/** Counters of one leg since the pair started */
struct tc_leg_stats {
	const char *codec;       /**< its codec's name, NULL until set        */
	uint64_t rx_packets;     /**< RTP packets received (any, good or bad) */
	uint64_t tx_packets;     /**< RTP packets sent from this leg          */
	uint64_t rx_lost;        /**< gaps in the sequence numbers received   */
	uint64_t concealed;      /**< frames its decoder concealed (PLC)      */
	uint64_t dtmf_events;    /**< telephone-event packets passed across   */
	uint64_t last_rx_ms;     /**< monotonic ms of its latest packet, 0: none */
	/* additions */
	uint64_t rx_invalid;     /**< dropped: not RTP v2, short, bad lengths,
				      or a payload its decoder refused       */
	uint64_t rx_bad_pt;      /**< dropped: a payload type not configured  */
	uint64_t rx_late;        /**< dropped: older than the newest (reordered,
				      duplicate) or far out of sequence      */
	uint64_t rx_unrouted;    /**< dropped: the other leg not set yet      */
	uint64_t dtmf_dropped;   /**< telephone-event dropped: no PT on the
				      other leg                              */
	uint64_t tx_errors;      /**< sendto failures on this leg             */
};

/** A pair's counters and the delay it adds */
struct tc_pair_stats {
	struct tc_leg_stats leg[2];
	/** added delay (kernel receive time on one leg to just after sendto
	 *  on the other), microseconds, over all packets since the pair
	 *  started; resolution 1 µs below 64 µs, then 1/32 of the value */
	uint32_t delay_p50_us, delay_p99_us, delay_max_us;
	unsigned worker;         /**< which worker thread carries it          */
	/* additions */
	uint64_t delay_count;    /**< packets the delay figures are over      */
};

/* Engine */
int      tc_engine_alloc(struct tc_engine **ep, unsigned threads);
unsigned tc_engine_pairs(const struct tc_engine *e);
unsigned tc_engine_threads(const struct tc_engine *e);
int      tc_engine_pm_qos(struct tc_engine *e, int max_wake_us);

/* Pair */
int  tc_pair_alloc(struct tc_pair **pp, struct tc_engine *e,
		   const struct sa *laddr, uint16_t port_min,
		   uint16_t port_max);
const struct sa *tc_pair_laddr(const struct tc_pair *p, enum tc_leg leg);
int  tc_pair_set_leg(struct tc_pair *p, enum tc_leg leg,
		     const struct tc_leg_conf *c);
int  tc_pair_stats(const struct tc_pair *p, struct tc_pair_stats *st);

/*
 * mem_deref(pair) removes it from its worker safely (the worker never
 * touches it afterwards). A pair holds a reference to its engine, so the
 * engine's threads are joined when the last of the owner's reference and
 * its pairs' goes: mem_deref(engine) joins them when no pair is left.
 */

#endif /* SIPMOB_TRANSCODE_H */
