/*
 * The MN's side of proof of presence (spec §8.2): it listens to the room's
 * beacon when told where (--beacon, --beacon-file), keeps the token, shows
 * in status which room it hears and how old the token is (never the token
 * itself), and gives the token to the Digest answer for a device that
 * requires presence.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/presence.h>
#include "mn_priv.h"

_Static_assert(PRESENCE_TOKEN_MAX == 16, "mn.h gives mn_presence_token 16");

int mn_presence_alloc(struct mn *mn)
{
	char why[160] = "";
	int err;

	if (!mn->conf.beacon && !mn->conf.beacon_file)
		return 0;
	err = presence_listener_alloc(&mn->presence, mn->conf.beacon,
				      mn->conf.beacon_file, why, sizeof(why));
	if (err)
		re_fprintf(stderr, "mn: beacon: %s\n",
			   why[0] ? why : strerror(err));
	return err;
}

int mn_presence_token(const struct mn *mn, char out[16])
{
	if (!mn || !mn->presence)
		return ENOENT;
	return presence_listener_token(mn->presence, out);
}

int mn_presence_secret(const struct mn *mn, const char *realm,
			const char *password, char out[256], bool *with_token)
{
	const char *room = mn ? presence_listener_room(mn->presence) : NULL;
	char tok[PRESENCE_TOKEN_MAX] = "";
	int n;

	if (!mn || !password || !out)
		return EINVAL;
	if (room && (!realm || !strcmp(realm, room)))
		(void)mn_presence_token(mn, tok);
	n = snprintf(out, PRESENCE_SECRET_LEN, "%s%s", password, tok);
	if (n < 0 || n >= PRESENCE_SECRET_LEN)
		return EOVERFLOW;
	if (with_token)
		*with_token = tok[0] != '\0';
	return 0;
}

int mn_presence_status(const struct mn *mn, struct odict *reply)
{
	struct odict *o;
	int err;

	if (!mn->presence)
		return 0;
	err = ctl_put_obj(reply, "presence", &o);
	return err ? err : presence_listener_status(mn->presence, o);
}
