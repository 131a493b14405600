/*
 * Fuzz harness for the SDP parser (src/sdp/parse.c). Any input may be
 * refused, but nothing may crash, leak or read out of bounds; and what is
 * accepted must print to text that parses again and prints identically
 * (print is a fixed point after one parse). What we build from it (an
 * answer, a merged re-offer with flipped directions) must parse too. A
 * mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What we build must be SDP we accept ourselves */
static void must_reparse(const struct sdesc *sd)
{
	struct sdesc *back = NULL;
	struct mbuf *mb = NULL;
	char err[128];

	if (sdesc_encode(&mb, sd))
		abort();
	if (sdesc_parse(&back, mbuf_buf(mb), mbuf_get_left(mb), err,
			sizeof(err)))
		abort();
	mem_deref(back);
	mem_deref(mb);
}

static void build_from(const struct sdesc *offer)
{
	static const struct sdesc_codec ac[] = {
		{"PCMU", 0, 8000, 0, NULL}, {"opus", 96, 48000, 2, "stereo=1"},
	};
	static const struct sdesc_codec vc[] = {
		{"H263", 34, 90000, 0, "CIF=1;QCIF=1"},
	};
	const struct sdesc_media *mv[8];
	struct sdesc *ans = NULL, *merged = NULL;
	struct sdesc_lmedia lm[2];
	struct sa a, v;
	unsigned n = 0;

	sa_set_str(&a, "127.0.0.1", 4000);
	sa_set_str(&v, "::1", 4002);
	lm[0] = (struct sdesc_lmedia){SDESC_AUDIO, &a, SDESC_SENDRECV, ac, 2};
	lm[1] = (struct sdesc_lmedia){SDESC_VIDEO, &v, SDESC_RECVONLY, vc, 1};

	if (sdesc_answer(&ans, offer, NULL, "fuzz", lm, 2) == 0)
		must_reparse(ans);

	while (n < 8 && (mv[n] = sdesc_media(offer, n)))
		++n;
	if (ans && sdesc_merge(&merged, offer, mv, n) == 0) {
		for (unsigned i = 0; i < sdesc_media_count(merged); i++)
			(void)sdesc_media_flip_dir(sdesc_media(merged, i));
		must_reparse(merged);
	}

	mem_deref(merged);
	mem_deref(ans);
}

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

	build_from(sd);

	mem_deref(mb2);
	mem_deref(mb);
	mem_deref(sd2);
	mem_deref(sd);
	return 0;
}
