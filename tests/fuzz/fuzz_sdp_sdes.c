/*
 * Fuzz harness for SDES a=crypto values (src/sdp/sdes.c), which come from
 * the far end's SDP. Any input may be refused, but nothing may crash or
 * read out of bounds; what is accepted must print back (sdes_set) to a
 * line that decodes to the same tag, suite and key. A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/sdes.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
	"v=0\r\no=f 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdes_crypto c, back;
	struct sdesc *sd = NULL;
	char *val, err[64];

	val = malloc(size + 1);
	if (!val)
		return 0;
	memcpy(val, data, size);
	val[size] = '\0';

	if (sdes_decode(&c, val) == 0) {
		if (sdesc_parse(&sd, (const uint8_t *)base, strlen(base), err,
				sizeof(err)))
			abort();
		if (sdes_set(sdesc_media(sd, 0), &c) ||
		    !sdes_is_savp(sdesc_media(sd, 0)) ||
		    sdes_find(sdesc_media(sd, 0), &back) ||
		    back.tag != c.tag || back.tag32 != c.tag32 ||
		    memcmp(back.key, c.key, sizeof(c.key)))
			abort();
		mem_deref(sd);
	}
	free(val);
	return 0;
}
