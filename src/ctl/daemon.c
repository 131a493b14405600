/*
 * The run loop of every sipmob daemon (see include/sipmob/daemon.h). The
 * grace period after a stop signal is short (DAEMON_GRACE_MS) because a
 * BYE over UDP is sent at once; it only gives the 200 OK time to arrive so
 * the far side is not left retransmitting.
 */
#include <signal.h>
#include <re.h>
#include <sipmob/daemon.h>

enum { DAEMON_GRACE_MS = 300 };

struct daemon {
	daemon_stop_h *stoph;
	void *arg;
	bool stopping;
	struct tmr tmr;
};

static struct daemon *the_daemon;  /* libre's signal handler has no arg */

static void grace_over(void *arg)
{
	(void)arg;
	re_cancel();
}

static void signal_handler(int sig)
{
	struct daemon *d = the_daemon;

	if (!d || d->stopping) {
		re_cancel();
		return;
	}
	re_fprintf(stderr, "daemon: signal %d: stopping\n", sig);
	d->stopping = true;
	if (d->stoph)
		d->stoph(d->arg);
	tmr_start(&d->tmr, DAEMON_GRACE_MS, grace_over, d);
}

int daemon_run(daemon_stop_h *stoph, void *arg)
{
	struct daemon d = {.stoph = stoph, .arg = arg};
	int err;

	tmr_init(&d.tmr);
	the_daemon = &d;
	(void)signal(SIGPIPE, SIG_IGN);
	err = re_main(signal_handler);
	tmr_cancel(&d.tmr);
	the_daemon = NULL;
	return err;
}
