/**
 * @file codec_g722.c  G.722 at 64 kbit/s (pt 9) with spandsp.
 *
 * The audio is 16 kHz, but RFC 3551 §4.5.2 keeps the RTP clock (and the
 * rtpmap) at 8000 for historical reasons: a 20 ms frame is 320 samples,
 * 160 bytes, and advances the timestamp by 160. Every byte value is a valid
 * code word; the decoder is ADPCM, so it needs a few frames to adapt.
 */

#include <errno.h>
#include <re.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include "codec_priv.h"

struct g722 {
	g722_encode_state_t *enc;
	g722_decode_state_t *dec;
};


static void g722_destructor(void *arg)
{
	struct g722 *g = arg;

	if (g->enc)
		g722_encode_free(g->enc);
	if (g->dec)
		g722_decode_free(g->dec);
}


static int g722_alloc(void **privp, const struct codec_desc *desc)
{
	struct g722 *g;
	int err = 0;
	(void)desc;

	g = mem_zalloc(sizeof(*g), g722_destructor);
	if (!g)
		return ENOMEM;

	g->enc = g722_encode_init(NULL, 64000, 0);
	g->dec = g722_decode_init(NULL, 64000, 0);
	if (!g->enc || !g->dec) {
		err = ENOMEM;
		goto out;
	}

 out:
	if (err)
		mem_deref(g);
	else
		*privp = g;

	return err;
}


/* Two samples make one byte */
static int g722_encode_frame(void *priv, const int16_t *pcm, size_t n,
			     uint8_t *out, size_t *outlen)
{
	struct g722 *g = priv;
	int len;

	if (n % 2 || n > 16000)
		return EINVAL;
	if (*outlen < n / 2)
		return ENOMEM;

	len = g722_encode(g->enc, out, pcm, (int)n);
	if (len < 0)
		return EPROTO;

	*outlen = (size_t)len;

	return 0;
}


static int g722_decode_frame(void *priv, const uint8_t *in, size_t len,
			     int16_t *pcm, size_t *n)
{
	struct g722 *g = priv;
	int ns;

	if (len > 8000)
		return EPROTO;
	if (*n < 2 * len)
		return ENOMEM;

	ns = g722_decode(g->dec, pcm, in, (int)len);
	if (ns < 0)
		return EPROTO;

	*n = (size_t)ns;

	return 0;
}


static const struct codec_ops g722_ops = {
	.alloc  = g722_alloc,
	.encode = g722_encode_frame,
	.decode = g722_decode_frame,
};

const struct codec_desc codec_g722 = {
	.name = "G722", .pt = 9, .clock = 8000, .channels = 1,
	.srate = 16000, .frame_samples = 320, .frame_ts = 160,
	.fmtp = NULL, .ops = &g722_ops,
};
