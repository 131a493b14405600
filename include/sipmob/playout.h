/**
 * @file playout.h  The playout report a device gives the mobile node.
 *
 * The MN asks with an INFO inside the device's dialog, body
 * {"since": WALLCLOCK_MS}, Content-Type PLAYOUT_CTYPE; the device answers
 * 200 with {"playout": [RUN, ...]} where a RUN is {"type", "ssrc", "seq",
 * "n", "t0", "t1", "max_gap"} (see media_playlog.h). The same report is on
 * the device's control socket: `sipmob -C SOCK playout [SINCE_MS]`.
 */
#define PLAYOUT_CTYPE "application/vnd.sipmob.playout+json"
