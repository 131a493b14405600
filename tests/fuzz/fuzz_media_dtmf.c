/*
 * libFuzzer harness for the RFC 4733 telephone-event payload (dtmf.c): the
 * input is a run of packets as the receiver would get them, each a header
 * byte (low bit: which of two senders; the rest: how far the timestamp
 * moves, back or forth), a length byte, then that many payload bytes. Every
 * payload is decoded on its own and fed to one receiver; nothing may crash
 * or read out of bounds, and what the receiver keeps must stay digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_dtmf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtmf_rx *rx = NULL;
	uint32_t ts = 0xfffff000u;    /* near the wrap */
	const char *got;

	if (dtmf_rx_alloc(&rx))
		return 0;
	while (size >= 2) {
		size_t len = data[1] < size - 2 ? data[1] : size - 2;
		uint32_t ssrc = data[0] & 1;
		struct dtmf_event ev;
		char digit;

		ts += (uint32_t)((int)(data[0] >> 1) - 32) * 160;
		(void)dtmf_decode(&ev, data + 2, len);
		(void)dtmf_rx_input(rx, ssrc, ts, data + 2, len, &digit);
		if (digit && dtmf_code(digit) < 0)
			abort();
		data += 2 + len;
		size -= 2 + len;
	}
	got = dtmf_rx_digits(rx);
	if (strlen(got) > DTMF_MAX_RX || (*got && !dtmf_digits_valid(got)))
		abort();
	mem_deref(rx);
	return 0;
}
