/**
 * @file media_codec.h  Audio codecs for RTP: PCMU, PCMA, G.722 and Opus.
 *
 * A codec is a constant descriptor (what SDP and RTP need to know about it)
 * plus an encoder/decoder state allocated per stream. All codecs work on
 * 16-bit mono PCM at the codec's own sample rate (8 kHz for G.711, 16 kHz
 * for G.722, 48 kHz for Opus); nothing here resamples.
 *
 * Usage:
 *   const struct codec_desc *c = codec_find("opus");
 *   codec_state_alloc(&st, c);
 *   codec_encode(st, pcm, c->frame_samples, buf, &len);   len: in/out
 *   codec_decode(st, buf, len, pcm, &n);                   n:   in/out
 *   mem_deref(st);
 */

#ifndef SIPMOB_MEDIA_CODEC_H
#define SIPMOB_MEDIA_CODEC_H

#include <stddef.h>
#include <stdint.h>

/** What SDP and RTP need to know about one codec (RFC 3551, RFC 7587) */
struct codec_desc {
	const char *name;        /**< SDP encoding name ("PCMU", "opus")     */
	int pt;                  /**< static payload type, -1 if dynamic     */
	uint32_t clock;          /**< RTP clock rate (rtpmap)                */
	uint8_t channels;        /**< channels in the rtpmap (opus: 2)       */
	uint32_t srate;          /**< sample rate of the PCM it codes        */
	uint32_t frame_samples;  /**< PCM samples in one 20 ms frame         */
	uint32_t frame_ts;       /**< RTP timestamp step of one 20 ms frame  */
	const char *fmtp;        /**< default fmtp, or NULL                  */
	const struct codec_ops *ops; /**< private                           */
};

struct codec_state;

/* Registry */
const struct codec_desc *codec_find(const char *name);
const struct codec_desc *const *codec_list(void);

/* Coding */
int codec_state_alloc(struct codec_state **stp, const struct codec_desc *desc);
const struct codec_desc *codec_state_desc(const struct codec_state *st);
int codec_encode(struct codec_state *st, const int16_t *pcm, size_t n,
		 uint8_t *out, size_t *outlen);
int codec_decode(struct codec_state *st, const uint8_t *in, size_t len,
		 int16_t *pcm, size_t *n);

/** Largest decoded frame any codec returns (120 ms of Opus at 48 kHz) */
#define CODEC_MAX_SAMPLES 5760
/** Largest encoded 20 ms frame any codec produces */
#define CODEC_MAX_PAYLOAD 1500

#endif /* SIPMOB_MEDIA_CODEC_H */
