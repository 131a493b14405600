/**
 * @file codec_opus.c  Opus (RFC 6716) over RTP (RFC 7587) with libopus.
 *
 * RFC 7587 fixes the rtpmap at opus/48000/2 whatever is coded. We encode
 * mono at 48 kHz (the tone source makes 48 kHz audio, so nothing is
 * resampled) at 32 kbit/s, and decode to mono (libopus downmixes a stereo
 * stream). 20 ms is 960 samples and 960 timestamp units. The decoder's
 * output lags its input by the encoder look-ahead (312 samples, 6.5 ms at
 * 48 kHz); the tone detector allows for it (see media_tone.h).
 */

#include <errno.h>
#include <re.h>
#include <opus/opus.h>
#include "codec_priv.h"

enum {
	OPUS_SRATE   = 48000,
	OPUS_BITRATE = 32000,
};

struct opus {
	OpusEncoder *enc;
	OpusDecoder *dec;
};


static void opus_destructor(void *arg)
{
	struct opus *o = arg;

	if (o->enc)
		opus_encoder_destroy(o->enc);
	if (o->dec)
		opus_decoder_destroy(o->dec);
}


static int opus_alloc(void **privp, const struct codec_desc *desc)
{
	struct opus *o;
	int oerr, err = 0;
	(void)desc;

	o = mem_zalloc(sizeof(*o), opus_destructor);
	if (!o)
		return ENOMEM;

	o->enc = opus_encoder_create(OPUS_SRATE, 1, OPUS_APPLICATION_AUDIO,
				     &oerr);
	if (!o->enc) {
		err = ENOMEM;
		goto out;
	}

	o->dec = opus_decoder_create(OPUS_SRATE, 1, &oerr);
	if (!o->dec) {
		err = ENOMEM;
		goto out;
	}

	(void)opus_encoder_ctl(o->enc, OPUS_SET_BITRATE(OPUS_BITRATE));
	(void)opus_encoder_ctl(o->enc, OPUS_SET_COMPLEXITY(5));

 out:
	if (err)
		mem_deref(o);
	else
		*privp = o;

	return err;
}


static int opus_encode_frame(void *priv, const int16_t *pcm, size_t n,
			     uint8_t *out, size_t *outlen)
{
	struct opus *o = priv;
	opus_int32 len;

	/* 2.5, 5, 10, 20, 40 or 60 ms */
	if (n != 120 && n != 240 && n != 480 && n != 960 && n != 1920 &&
	    n != 2880)
		return EINVAL;

	len = opus_encode(o->enc, pcm, (int)n, out,
			  (opus_int32)(*outlen > 4000 ? 4000 : *outlen));
	if (len == OPUS_BUFFER_TOO_SMALL)
		return ENOMEM;
	if (len < 0)
		return EPROTO;

	*outlen = (size_t)len;

	return 0;
}


static int opus_decode_frame(void *priv, const uint8_t *in, size_t len,
			     int16_t *pcm, size_t *n)
{
	struct opus *o = priv;
	int ns;

	if (len > 4000)
		return EPROTO;

	ns = opus_decode(o->dec, in, (opus_int32)len, pcm,
			 (int)(*n > CODEC_MAX_SAMPLES ? CODEC_MAX_SAMPLES : *n),
			 0);
	if (ns == OPUS_BUFFER_TOO_SMALL)
		return ENOMEM;
	if (ns < 0)
		return EPROTO;

	*n = (size_t)ns;

	return 0;
}


static const struct codec_ops opus_ops = {
	.alloc  = opus_alloc,
	.encode = opus_encode_frame,
	.decode = opus_decode_frame,
};

const struct codec_desc codec_opus = {
	.name = "opus", .pt = -1, .clock = 48000, .channels = 2,
	.srate = 48000, .frame_samples = 960, .frame_ts = 960,
	.fmtp = "stereo=0;sprop-stereo=0",
	.ops = &opus_ops,
};
