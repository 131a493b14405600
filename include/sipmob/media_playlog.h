/**
 * @file media_playlog.h  Where and when packets were played: runs of
 * consecutive RTP sequence numbers of one SSRC with the wall-clock times of
 * their first and last packet and the longest pause inside the run.
 *
 * The session-mobility metrics (spec §7) are computed from these logs, taken
 * from every device of the user: the packets of the far end that no device
 * played (lapse), the longest silence (disruption) and the time to the first
 * packet played at the new place (latency). Runs keep this exact for a
 * steady stream at a few bytes per interruption instead of per packet.
 */
#ifndef SIPMOB_MEDIA_PLAYLOG_H
#define SIPMOB_MEDIA_PLAYLOG_H

#include <stddef.h>
#include <stdint.h>

struct playlog;

struct playlog_run {
	uint32_t ssrc;
	uint16_t seq;          /**< first sequence number of the run       */
	uint32_t n;            /**< packets in the run (consecutive seqs)  */
	uint64_t t0_ms;        /**< wall-clock ms of the first one          */
	uint64_t t1_ms;        /**< ...and of the last one                  */
	uint32_t max_gap_ms;   /**< longest time between two of its packets */
};

/** A pause longer than this ends a run even when the sequence goes on */
#define PLAYLOG_PAUSE_MS 250
int    playlog_alloc(struct playlog **plp, size_t max_runs);
void   playlog_add(struct playlog *pl, uint32_t ssrc, uint16_t seq,
		   uint64_t now_ms);
/** Copies the runs that end at or after since_ms, oldest first. */
size_t playlog_runs(const struct playlog *pl, uint64_t since_ms,
		    struct playlog_run *v, size_t max);
/** Wall-clock milliseconds (CLOCK_REALTIME): comparable across hosts as
 *  far as their clocks agree, exactly on one host. */
uint64_t playlog_now_ms(void);

#endif /* SIPMOB_MEDIA_PLAYLOG_H */
