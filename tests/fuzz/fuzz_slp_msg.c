/*
 * libFuzzer harness for the SLPv2 message decoder: any input is decoded;
 * a SrvRply's URL entries are walked; a message that decodes is encoded
 * again and must decode to the same function and XID.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/slp_msg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slp_msg m, d;
	struct mbuf *mb;
	uint16_t e = 0;

	if (slp_msg_decode(&m, data, size, &e))
		return 0;
	if (m.hdr.fid == SLP_SRVRPLY) {
		struct pl b = m.urls;
		struct slp_urlent ue;

		while (slp_urlent_next(&b, &ue) == 0)
			;
	}
	mb = mbuf_alloc(size + 64);
	if (!mb)
		return 0;
	if (slp_msg_encode(mb, &m) == 0) {
		if (slp_msg_decode(&d, mb->buf, mb->end, &e) ||
		    d.hdr.fid != m.hdr.fid || d.hdr.xid != m.hdr.xid)
			abort();
	}
	mem_deref(mb);
	return 0;
}
