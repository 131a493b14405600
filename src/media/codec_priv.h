/**
 * @file codec_priv.h  What a codec file provides to the registry.
 *
 * Each codec file (codec_g711.c, codec_g722.c, codec_opus.c) defines its
 * descriptors and one codec_ops: `alloc` makes the codec's private coder
 * state (a mem object whose destructor frees everything the coder holds),
 * `encode` and `decode` work on it. codec.c checks arguments before calling
 * them, so ops may assume non-NULL buffers and in/out lengths.
 */

#include <sipmob/media_codec.h>

struct codec_ops {
	int (*alloc)(void **privp, const struct codec_desc *desc);
	int (*encode)(void *priv, const int16_t *pcm, size_t n,
		      uint8_t *out, size_t *outlen);
	int (*decode)(void *priv, const uint8_t *in, size_t len,
		      int16_t *pcm, size_t *n);
};

extern const struct codec_desc codec_pcmu;
extern const struct codec_desc codec_pcma;
extern const struct codec_desc codec_g722;
extern const struct codec_desc codec_opus;
