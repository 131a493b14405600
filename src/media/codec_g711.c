/**
 * @file codec_g711.c  G.711 mu-law (PCMU, pt 0) and A-law (PCMA, pt 8),
 * RFC 3551 §4.5.14, with spandsp's sample converters.
 *
 * G.711 is stateless: one byte per sample at 8 kHz, so 20 ms is 160 bytes.
 * Every byte value is a valid code word, so decoding cannot fail.
 */

#include <errno.h>
#include <stdbool.h>
#include <re.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
#include "codec_priv.h"

struct g711 {
	bool alaw;
};


static int g711_alloc(void **privp, const struct codec_desc *desc)
{
	struct g711 *g = mem_zalloc(sizeof(*g), NULL);

	if (!g)
		return ENOMEM;

	g->alaw = (desc == &codec_pcma);
	*privp = g;

	return 0;
}


static int g711_enc(void *priv, const int16_t *pcm, size_t n,
		       uint8_t *out, size_t *outlen)
{
	const struct g711 *g = priv;

	if (*outlen < n)
		return ENOMEM;

	for (size_t i = 0; i < n; i++)
		out[i] = g->alaw ? linear_to_alaw(pcm[i])
			: linear_to_ulaw(pcm[i]);

	*outlen = n;

	return 0;
}


static int g711_dec(void *priv, const uint8_t *in, size_t len,
		       int16_t *pcm, size_t *n)
{
	const struct g711 *g = priv;

	if (*n < len)
		return ENOMEM;

	for (size_t i = 0; i < len; i++)
		pcm[i] = g->alaw ? alaw_to_linear(in[i]) : ulaw_to_linear(in[i]);

	*n = len;

	return 0;
}


static const struct codec_ops g711_ops = {
	.alloc  = g711_alloc,
	.encode = g711_enc,
	.decode = g711_dec,
};

const struct codec_desc codec_pcmu = {
	.name = "PCMU", .pt = 0, .clock = 8000, .channels = 1,
	.srate = 8000, .frame_samples = 160, .frame_ts = 160,
	.fmtp = NULL, .ops = &g711_ops,
};

const struct codec_desc codec_pcma = {
	.name = "PCMA", .pt = 8, .clock = 8000, .channels = 1,
	.srate = 8000, .frame_samples = 160, .frame_ts = 160,
	.fmtp = NULL, .ops = &g711_ops,
};
