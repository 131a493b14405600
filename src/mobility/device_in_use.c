/*
 * The active-session indicator (spec §8.2): a device whose microphone or
 * camera a session uses says so, so that nobody is heard or filmed
 * without knowing. While any session sends the room's audio or video, the
 * device is in use: `status` says it (in_use, and what: microphone,
 * camera), the log has a line when it starts and when it ends, its SLP
 * registration carries in-use=true (so the directory shows it to whoever
 * looks), and the --on-in-use command runs with "on" or "off", for a real
 * device to light its LED.
 */
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <re.h>
#include <sipmob/sipua.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/device.h>
#include "device_priv.h"

extern char **environ;

/* What of ours the sessions send: bit 0 the microphone, bit 1 the camera */
static unsigned inputs_used(const struct device *dev)
{
	unsigned used = 0;

	for (struct le *le = dev->sessions.head; le; le = le->next) {
		const struct dsession *s = le->data;

		if (!s->ms || !s->leg ||
		    sipleg_state(s->leg) != SIPLEG_ESTABLISHED)
			continue;
		if (mset_sending(s->ms, SDESC_AUDIO))
			used |= 1;
		if (mset_sending(s->ms, SDESC_VIDEO))
			used |= 2;
	}
	return used;
}

const char *device_inputs_name(unsigned used)
{
	switch (used) {

	case 1:  return "microphone";
	case 2:  return "camera";
	case 3:  return "microphone, camera";
	default: return "";
	}
}

/* sh -c CMD sipmob-in-use on|off, not waited for; the children of earlier
 * runs are reaped here. */
static void run_hook(const char *cmd, bool on)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, "sipmob-in-use",
			on ? "on" : "off", NULL};
	pid_t pid;
	int err;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	err = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (err)
		re_fprintf(stderr, "device: cannot run --on-in-use: %m\n",
			   err);
}

void device_in_use_update(struct device *dev)
{
	unsigned used = inputs_used(dev);

	if (used == dev->inputs_used || dev->closing)
		return;
	if (used)
		re_fprintf(stderr, "device: in use: %s\n",
			   device_inputs_name(used));
	else
		re_fprintf(stderr, "device: no longer in use\n");
	dev->inputs_used = used;
	if (!used != !dev->in_use) {
		dev->in_use = used != 0;
		if (dev->conf.on_in_use)
			run_hook(dev->conf.on_in_use, dev->in_use);
		if (dev->sa && device_slp_register(dev))
			re_fprintf(stderr, "device: cannot update SLP\n");
	}
}
