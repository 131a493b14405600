/*
 * libFuzzer harness for the transcoder's packet path (src/media/
 * transcode_pair.c): whatever arrives on a leg's socket is taken apart as
 * RTP and converted. The first input byte picks the two legs' codecs and
 * whether they carry telephone-event; the rest is cut into packets (a
 * length byte and a leg bit, then that many bytes), each converted as if
 * it had arrived on that leg. Nothing may crash, read out of bounds, write
 * past the output buffers or leak.
 */
#include <stdint.h>
#include <string.h>
#include <re.h>
#include <sipmob/transcode.h>
#include "media/transcode_priv.h"

static const char *const codecs[] = {"PCMU", "PCMA", "G722", "opus"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tc_engine *eng;
	static struct tc_scratch scratch;
	struct tc_pair *p = NULL;
	struct sa lo;

	if (size < 1)
		return 0;
	if (!eng && tc_engine_alloc(&eng, 1))
		return 0;
	sa_set_str(&lo, "127.0.0.1", 0);
	if (tc_pair_alloc(&p, eng, &lo, 0, 0))
		return 0;

	for (int leg = 0; leg < 2; leg++) {
		const struct codec_desc *c =
			codec_find(codecs[(data[0] >> (2 * leg)) & 3]);
		struct tc_leg_conf lc;

		memset(&lc, 0, sizeof(lc));
		lc.codec = c;
		lc.pt = (uint8_t)(c->pt >= 0 ? c->pt : 111);
		lc.dtmf_pt = (data[0] & (0x10 << leg)) ? 101 : -1;
		/* nobody listens there: what goes out is dropped */
		sa_set_str(&lc.remote, "127.0.0.1", 9);
		(void)tc_pair_set_leg(p, (enum tc_leg)leg, &lc);
	}

	data++;
	size--;
	while (size > 1) {
		size_t len = data[0] >> 1 < size - 1 ? (size_t)(data[0] >> 1)
			: size - 1;
		enum tc_leg leg = (data[0] & 1) ? TC_LEG_B : TC_LEG_A;

		/* a packet of up to 127 bytes, or the rest when it is the
		 * last: long ones reach the decoders' limits */
		if (size - 1 - len < 2)
			len = size - 1;
		tc_pair_convert(p, leg, data + 1, len, &scratch);
		data += 1 + len;
		size -= 1 + len;
	}
	mem_deref(p);
	return 0;
}
