/*
 * libFuzzer harness for the presence beacon's announcement
 * (presence_beacon.c): the input is a datagram as the MN's ear receives
 * it. Nothing may crash or read out of bounds; an announcement that
 * decodes has a valid room, step and token, and encodes to one that
 * decodes to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sipmob/presence.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct presence_beacon b, b2;
	char buf[PRESENCE_DATAGRAM_MAX];
	size_t n, tl;

	if (presence_beacon_decode(&b, (const char *)data, size))
		return 0;
	tl = strlen(b.token);
	if (!presence_room_valid(b.room) || !b.step || b.step > 86400 ||
	    tl < 6 || tl > 10)
		abort();
	if (presence_beacon_encode(&b, buf, sizeof(buf), &n))
		abort();
	if (presence_beacon_decode(&b2, buf, n) ||
	    strcmp(b.room, b2.room) || strcmp(b.token, b2.token) ||
	    b.step != b2.step || b.seq != b2.seq || b.time != b2.time)
		abort();
	return 0;
}
