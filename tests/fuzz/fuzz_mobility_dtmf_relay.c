/*
 * libFuzzer harness for the application/dtmf-relay body of a SIP INFO
 * (dtmf_relay.c): the input is the body. Nothing may crash or read out of
 * bounds; a body that decodes gives one DTMF digit, which encodes to a
 * body that decodes to the same digit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/dtmf_relay.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf *mb = NULL;
	uint32_t dur = 0, dur2 = 0;
	char d = 0, d2 = 0;

	if (dtmf_relay_decode((const char *)data, size, &d, &dur))
		return 0;
	if (dtmf_code(d) < 0 || dur > 65535)
		abort();
	if (dtmf_relay_encode(&mb, d, dur))
		abort();
	if (dtmf_relay_decode((const char *)mbuf_buf(mb), mbuf_get_left(mb),
			      &d2, &dur2) || d2 != d || dur2 != dur)
		abort();
	mem_deref(mb);
	return 0;
}
