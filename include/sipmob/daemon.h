/**
 * @file daemon.h  How every sipmob daemon runs and stops.
 *
 * daemon_run() runs the libre event loop until SIGTERM or SIGINT; then it
 * calls the stop handler (which hangs up: BYEs leave at once) and keeps the
 * loop running for a short grace period so the far side's answers and
 * retransmissions are handled, then returns for the daemon to free
 * everything and exit 0.
 */

typedef void (daemon_stop_h)(void *arg);

int daemon_run(daemon_stop_h *stoph, void *arg);
