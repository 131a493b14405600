/*
 * The device's side of proof of presence (spec §8.2): with
 * --require-presence it holds the room's secret, and the secrets a user
 * may prove to it are the password followed by the room's current or
 * previous token; the Digest server asks for them through
 * device_presence_secrets(). The secret is copied into memory of our own
 * and wiped when the device goes.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/sipua.h>
#include <sipmob/device.h>
#include <sipmob/presence.h>
#include "device_priv.h"

_Static_assert(PRESENCE_SECRET_LEN == 256,
	       "device.h gives device_presence_secrets 256-byte entries");

static void key_destructor(void *arg)
{
	struct presence_key *k = arg;

	memset(k, 0, sizeof(*k));
}

int device_presence_alloc(struct device *dev)
{
	const struct presence_key *key = dev->conf.room_key;

	dev->conf.room_key = NULL;
	if (!key)
		return 0;
	if (key->len < PRESENCE_KEY_MIN || key->len > PRESENCE_KEY_MAX)
		return EINVAL;
	dev->room_key = mem_zalloc(sizeof(*dev->room_key), key_destructor);
	if (!dev->room_key)
		return ENOMEM;
	*dev->room_key = *key;
	dev->conf.room_key = dev->room_key;
	if (!dev->conf.presence_step)
		dev->conf.presence_step = PRESENCE_STEP;
	return 0;
}

size_t device_presence_secrets(const struct device *dev,
			       const char *password, char out[][256],
			       size_t max)
{
	if (!dev || !password || !out || !max)
		return 0;
	if (!dev->room_key) {
		if (str_len(password) >= PRESENCE_SECRET_LEN)
			return 0;
		str_ncpy(out[0], password, PRESENCE_SECRET_LEN);
		return 1;
	}
	return presence_secrets(password, dev->room_key->secret,
				dev->room_key->len, (uint64_t)time(NULL),
				dev->conf.presence_step, out, max);
}

int device_presence_status(const struct device *dev, struct odict *reply)
{
	struct odict *o;
	int err;

	err = ctl_put_obj(reply, "presence", &o);
	if (err)
		return err;
	err  = ctl_put_bool(o, "required", dev->room_key != NULL);
	if (dev->room_key)
		err |= ctl_put_int(o, "step", dev->conf.presence_step);
	return err;
}
