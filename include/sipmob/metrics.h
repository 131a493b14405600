/**
 * @file metrics.h  What the user feels during a transfer (spec §7),
 * computed from the playout runs of every device of the user.
 *
 *  - latency: from the command to the first packet of the far end played
 *    at the new place;
 *  - lapse: packets of the far end, between the first and the last one
 *    played in the window, that no device of the user played;
 *  - disruption: the longest time in the window during which no device of
 *    the user played a packet of the far end.
 */
#include <sipmob/media_playlog.h>

/** A run of played packets and who played it (0: the MN, 1..: devices) */
struct metrics_run {
	int src;
	struct playlog_run run;
};

struct transfer_metrics {
	bool latency_known;
	int64_t latency_ms;
	uint64_t lapse_packets;
	uint64_t disruption_ms;
	uint32_t ssrc;           /**< the far end's stream they are about */
	uint64_t packets;        /**< its packets played in the window    */
};

/** The time a transfer is measured over, wall-clock ms */
struct metrics_window {
	uint64_t from_ms;   /**< runs ending before this are left out: a
			     *   little before the command, so that the run
			     *   playing at the command counts even when its
			     *   last packet (a video frame, 67 ms apart at
			     *   15 fps) came just before it                */
	uint64_t cmd_ms;    /**< the command: latency counts from here    */
	uint64_t to_ms;
	bool across_streams; /**< a handoff: the far end may play to the new
			      *   place a new stream (a new dialog's RTP
			      *   session, another SSRC). Lapse is then the
			      *   holes inside each stream, packets all of
			      *   them, disruption and latency over all;
			      *   otherwise only the main SSRC counts      */
};

/** Computes the metrics over the window for the SSRC that played the most
 *  in it (or all, see across_streams); target_src names the new place (for
 *  latency; -1: none).
 *  ENOENT when nothing was played. */
int metrics_compute(const struct metrics_run *v, size_t n,
		    const struct metrics_window *w, int target_src,
		    struct transfer_metrics *m);
