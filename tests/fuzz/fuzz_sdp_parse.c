/*
 * Fuzz harness for the SDP parser (src/sdp/parse.c). Any input may be
 * refused, but nothing may crash, leak or read out of bounds; and what is
 * accepted must print to text that parses again and prints identically
 * (print is a fixed point after one parse). A mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdesc *sd = NULL, *sd2 = NULL;
	struct mbuf *mb = NULL, *mb2 = NULL;
	struct sdesc_media *m;
	struct sdesc_codec c;
	struct sa sa;
	char err[128];

	if (sdesc_parse(&sd, data, size, err, sizeof(err)))
		return 0;

	if (sdesc_encode(&mb, sd))
		abort();
	if (sdesc_parse(&sd2, mbuf_buf(mb), mbuf_get_left(mb), err,
			sizeof(err)))
		abort();
	if (sdesc_encode(&mb2, sd2))
		abort();
	if (mbuf_get_left(mb) != mbuf_get_left(mb2) ||
	    memcmp(mbuf_buf(mb), mbuf_buf(mb2), mbuf_get_left(mb)))
		abort();

	/* the readers must cope with whatever was accepted */
	for (unsigned i = 0; (m = sdesc_media(sd, i)); i++) {
		(void)sdesc_media_raddr(m, &sa);
		(void)sdesc_media_dir(m);
		(void)sdesc_media_negotiated(m, &c);
		for (unsigned k = 0; k < sdesc_media_fmtc(m); k++)
			(void)sdesc_media_codec(m, k, &c);
	}

	mem_deref(mb2);
	mem_deref(mb);
	mem_deref(sd2);
	mem_deref(sd);
	return 0;
}
