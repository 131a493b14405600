/*
 * libFuzzer harness for the jitter buffer, which takes the network's
 * sequence numbers, timestamps, SSRCs and payload sizes as they come. The
 * input is cut into records of 8 bytes: flags, sequence number (2),
 * timestamp (2), SSRC choice, ms to wait, payload length. Flag bit 0: the
 * card takes a frame instead of a packet arriving. Nothing may crash, read
 * out of bounds or leak; a frame played is one that was put.
 */
#include <stdint.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_jitbuf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t payload[JITBUF_MAX_PAYLOAD + 1];
	static struct jitbuf_frame f;
	struct jitbuf *jb = NULL;
	uint64_t now = 1000;

	if (jitbuf_alloc(&jb, size && data[0] & 1 ? 48000 : 8000, 20, 0, 300))
		return 0;
	for (size_t i = 1; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;
		uint16_t seq = (uint16_t)(r[1] | r[2] << 8);
		uint32_t ts = (uint32_t)(r[3] | r[4] << 8) * 160u;
		uint32_t ssrc = r[5] & 3;
		size_t len = (size_t)r[7] * 6 + 1;

		now += r[6];
		if (r[0] & 1) {
			if (jitbuf_get(jb, now, &f) == JITBUF_FRAME &&
			    (f.len > JITBUF_MAX_PAYLOAD || f.payload[0] != f.len % 251))
				__builtin_trap();
			continue;
		}
		payload[0] = (uint8_t)(len % 251);
		(void)jitbuf_put(jb, ssrc, seq, ts, seq, now, payload, len);
	}
	mem_deref(jb);
	return 0;
}
