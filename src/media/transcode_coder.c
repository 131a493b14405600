/**
 * @file transcode_coder.c  One transcoder leg's decoder and encoder, with
 * the packet loss concealment its decoder needs.
 *
 * The transcoder cannot use codec_state (codec.c) as it is: concealment
 * needs the decoder itself (Opus conceals by decoding "no packet",
 * opus_decode(NULL), and only its own decoder knows where the signal
 * was), and the transcoder codes frames of whatever length arrives. So a
 * coder here holds spandsp's G.711/G.722 and libopus's states directly,
 * set up as codec_g711.c, codec_g722.c and codec_opus.c set up theirs
 * (Opus: mono, 32 kbit/s, complexity 5), so that a leg of the transcoder
 * sounds as one of our streams does.
 *
 * PCM rate: G.711 and G.722 code at their own rate. An Opus coder takes
 * the rate it is given: the transcoder gives it the other leg's (8 kHz
 * next to G.711, 16 kHz next to G.722, 48 kHz next to Opus), so that the
 * audio goes from one codec to the other without a resampler (libopus
 * codes and decodes 8 and 16 kHz PCM itself, at a fraction of the cost of
 * 48 kHz, and a G.711 leg carries nothing above 4 kHz anyway). Opus's RTP
 * clock stays 48000 whatever the rate.
 *
 * Concealment of a lost frame (tc_coder_conceal), per codec:
 *   G.711  spandsp's PLC (pitch-period repetition, fading out over 60 ms);
 *          it keeps a copy of every frame decoded (plc_rx);
 *   G.722  repetition of the last 20 ms decoded, fading linearly to
 *          silence over 60 ms (spandsp's PLC is written for 8 kHz);
 *   Opus   the decoder's own PLC.
 * A concealed frame is as long as the latest frame decoded.
 *
 * Allocated and freed on the main thread; used by the pair's worker only.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <opus/opus.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
#include <spandsp/g722.h>
#include <spandsp/plc.h>
#include "transcode_priv.h"

enum kind { PCMU, PCMA, G722, OPUS };

enum {
	OPUS_CLOCK      = 48000,
	OPUS_BITRATE    = 32000,
	OPUS_COMPLEXITY = 5,
	OPUS_MIN_FRAME  = 120,    /* 2.5 ms */
	G722_LAST       = 320,    /* 20 ms at 16 kHz, what G.722 PLC repeats */
	FADE_MS = 60,     /* concealment fades to silence over this */
};

struct tc_coder {
	const struct codec_desc *desc;
	enum kind kind;
	uint32_t srate;           /* of its PCM; set at alloc, then read only */
	g722_encode_state_t *g722e;
	g722_decode_state_t *g722d;
	OpusEncoder *oe;
	OpusDecoder *od;
	plc_state_t plc;          /* G.711 */
	int16_t last[G722_LAST];  /* G.722: the latest decoded samples      */
	size_t nlast, pos;        /* ...how many, and where repetition is   */
	uint32_t faded;           /* G.722: samples concealed in this gap   */
	size_t frame;             /* samples of the latest decoded frame    */
};


static int kind_of(const struct codec_desc *desc, enum kind *k)
{
	static const struct { const char *name; enum kind kind; } kindv[] = {
		{ "PCMU", PCMU }, { "PCMA", PCMA }, { "G722", G722 },
		{ "opus", OPUS },
	};

	if (!desc || !desc->name)
		return EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(kindv); i++) {
		if (!strcasecmp(desc->name, kindv[i].name)) {
			*k = kindv[i].kind;
			return 0;
		}
	}

	return ENOTSUP;
}


/** True if the transcoder codes desc */
bool tc_coder_known(const struct codec_desc *desc)
{
	enum kind k;

	return kind_of(desc, &k) == 0;
}


static void coder_destructor(void *arg)
{
	struct tc_coder *c = arg;

	if (c->g722e)
		g722_encode_free(c->g722e);
	if (c->g722d)
		g722_decode_free(c->g722d);
	if (c->oe)
		opus_encoder_destroy(c->oe);
	if (c->od)
		opus_decoder_destroy(c->od);
}


/** The PCM rate an Opus coder next to a leg of codec `other` codes at:
 *  other's (see the top of the file); desc's own rate for any other */
uint32_t tc_coder_rate(const struct codec_desc *desc,
		       const struct codec_desc *other)
{
	enum kind k, ko;

	if (kind_of(desc, &k) || k != OPUS)
		return desc ? desc->srate : 0;
	if (!other || kind_of(other, &ko) || ko == OPUS)
		return OPUS_CLOCK;

	return other->srate;
}


/**
 * A decoder and an encoder for desc (PCMU, PCMA, G722 or opus); an Opus
 * coder codes PCM at srate (8000, 12000, 16000, 24000 or 48000), the
 * others at their own rate whatever srate says.
 */
int tc_coder_alloc(struct tc_coder **cp, const struct codec_desc *desc,
		   uint32_t srate)
{
	struct tc_coder *c;
	enum kind k;
	int oerr, err;

	if (!cp)
		return EINVAL;
	err = kind_of(desc, &k);
	if (err)
		return err;

	c = mem_zalloc(sizeof(*c), coder_destructor);
	if (!c)
		return ENOMEM;

	c->desc = desc;
	c->kind = k;
	c->srate = k == OPUS ? srate : desc->srate;
	c->frame = (size_t)c->srate / 50;     /* 20 ms */

	switch (k) {

	case PCMU:
	case PCMA:
		plc_init(&c->plc);
		break;

	case G722:
		c->g722e = g722_encode_init(NULL, 64000, 0);
		c->g722d = g722_decode_init(NULL, 64000, 0);
		if (!c->g722e || !c->g722d)
			err = ENOMEM;
		break;

	case OPUS:
		c->oe = opus_encoder_create((opus_int32)srate, 1,
					    OPUS_APPLICATION_AUDIO, &oerr);
		c->od = opus_decoder_create((opus_int32)srate, 1, &oerr);
		if (!c->oe || !c->od) {
			err = oerr == OPUS_BAD_ARG ? EINVAL : ENOMEM;
			break;
		}
		(void)opus_encoder_ctl(c->oe, OPUS_SET_BITRATE(OPUS_BITRATE));
		(void)opus_encoder_ctl(c->oe,
				       OPUS_SET_COMPLEXITY(OPUS_COMPLEXITY));
		break;
	}

	if (err)
		mem_deref(c);
	else
		*cp = c;

	return err;
}


/** The rate of the PCM c decodes to and encodes from */
uint32_t tc_coder_srate(const struct tc_coder *c)
{
	return c->srate;
}


/* G.722: keep the last G722_LAST samples for repetition */
static void keep_last(struct tc_coder *c, const int16_t *pcm, size_t n)
{
	if (n >= G722_LAST) {
		memcpy(c->last, pcm + n - G722_LAST, sizeof(c->last));
		c->nlast = G722_LAST;
	}
	else {
		size_t keep = c->nlast + n > G722_LAST ? G722_LAST - n :
			c->nlast;

		memmove(c->last, c->last + c->nlast - keep,
			keep * sizeof(*c->last));
		memcpy(c->last + keep, pcm, n * sizeof(*pcm));
		c->nlast = keep + n;
	}
	c->pos = 0;
	c->faded = 0;
}


/**
 * Decode one payload into pcm (room samples) at the codec's own rate. The
 * payload is network input: EPROTO for bytes the decoder refuses, ENOMEM
 * if it would not fit.
 */
int tc_coder_decode(struct tc_coder *c, const uint8_t *p, size_t len,
		    int16_t *pcm, size_t room, size_t *n)
{
	int ns;

	if (!len)
		return EPROTO;

	switch (c->kind) {

	case PCMU:
	case PCMA:
		if (len > room)
			return ENOMEM;
		for (size_t i = 0; i < len; i++)
			pcm[i] = c->kind == PCMU ? ulaw_to_linear(p[i]) :
				alaw_to_linear(p[i]);
		ns = (int)len;
		(void)plc_rx(&c->plc, pcm, ns);
		break;

	case G722:
		if (2 * len > room)
			return ENOMEM;
		ns = g722_decode(c->g722d, pcm, p, (int)len);
		if (ns < 0)
			return EPROTO;
		keep_last(c, pcm, (size_t)ns);
		break;

	case OPUS:
		ns = opus_decoder_get_nb_samples(c->od, p, (opus_int32)len);
		if (ns <= 0)
			return EPROTO;
		if ((size_t)ns > room)
			return ENOMEM;
		ns = opus_decode(c->od, p, (opus_int32)len, pcm, ns, 0);
		if (ns <= 0)
			return EPROTO;
		break;

	default:
		return EINVAL;
	}

	if (ns == 0)
		return EPROTO;

	c->frame = (size_t)ns;
	*n = (size_t)ns;

	return 0;
}


/* spandsp 0.0.6's plc_fillin() starts a gap by rotating its history
 * buffer so that it starts at buf_ptr, with a memcpy whose source and
 * destination overlap (undefined behaviour; ASan stops on it). Do the
 * same rotation here with memmove: spandsp then finds buf_ptr at 0 and
 * leaves the buffer alone. */
static void plc_rotate(plc_state_t *plc)
{
	int16_t tmp[PLC_HISTORY_LEN];
	const size_t head = (size_t)plc->buf_ptr;

	if (!plc->buf_ptr || plc->missing_samples ||
	    head >= PLC_HISTORY_LEN)
		return;

	memcpy(tmp, plc->history, head * sizeof(tmp[0]));
	memmove(plc->history, plc->history + head,
		(PLC_HISTORY_LEN - head) * sizeof(tmp[0]));
	memcpy(plc->history + PLC_HISTORY_LEN - head, tmp,
	       head * sizeof(tmp[0]));
	plc->buf_ptr = 0;
}


/**
 * Conceal one lost frame, as long as the latest decoded, into pcm. Returns
 * the number of samples (0 if room is too small).
 */
size_t tc_coder_conceal(struct tc_coder *c, int16_t *pcm, size_t room)
{
	const uint32_t fade = c->desc->srate / 1000 * FADE_MS;
	size_t n = c->frame;
	int ns;

	if (!n || n > room)
		return 0;

	switch (c->kind) {

	case PCMU:
	case PCMA:
		plc_rotate(&c->plc);
		(void)plc_fillin(&c->plc, pcm, (int)n);
		break;

	case G722:
		for (size_t i = 0; i < n; i++) {
			int32_t v = 0;

			if (c->nlast && c->faded < fade) {
				v = c->last[c->pos] * (int32_t)(fade - c->faded)
					/ (int32_t)fade;
				c->pos = (c->pos + 1) % c->nlast;
				++c->faded;
			}
			pcm[i] = (int16_t)v;
		}
		break;

	case OPUS:
		ns = opus_decode(c->od, NULL, 0, pcm, (int)n, 0);
		if (ns <= 0)
			return 0;
		n = (size_t)ns;
		break;

	default:
		return 0;
	}

	return n;
}


/**
 * How many of n samples the encoder takes as one frame: all of them for
 * G.711; an even number for G.722; for Opus the longest frame it codes
 * (60, 40, 20, 10, 5 or 2.5 ms) that is not longer than n. 0: none.
 */
size_t tc_coder_chunk(const struct tc_coder *c, size_t n)
{
	/* in 2.5 ms units */
	static const size_t opusv[] = { 24, 16, 8, 4, 2, 1 };
	const size_t unit = c->srate / 400;

	switch (c->kind) {

	case PCMU:
	case PCMA:
		return n;

	case G722:
		return n & ~(size_t)1;

	case OPUS:
		for (size_t i = 0; i < ARRAY_SIZE(opusv); i++) {
			if (opusv[i] * unit <= n)
				return opusv[i] * unit;
		}
		return 0;

	default:
		return 0;
	}
}


/** Encode n samples (a size tc_coder_chunk gave) into out (room bytes) */
int tc_coder_encode(struct tc_coder *c, const int16_t *pcm, size_t n,
		    uint8_t *out, size_t room, size_t *len)
{
	opus_int32 olen;
	int glen;

	switch (c->kind) {

	case PCMU:
		if (n > room)
			return ENOMEM;
		for (size_t i = 0; i < n; i++)
			out[i] = linear_to_ulaw(pcm[i]);
		*len = n;
		return 0;

	case PCMA:
		if (n > room)
			return ENOMEM;
		for (size_t i = 0; i < n; i++)
			out[i] = linear_to_alaw(pcm[i]);
		*len = n;
		return 0;

	case G722:
		if (n % 2 || n / 2 > room)
			return EINVAL;
		glen = g722_encode(c->g722e, out, pcm, (int)n);
		if (glen < 0)
			return EPROTO;
		*len = (size_t)glen;
		return 0;

	case OPUS:
		olen = opus_encode(c->oe, pcm, (int)n, out,
				   (opus_int32)(room > 4000 ? 4000 : room));
		if (olen < 0)
			return olen == OPUS_BUFFER_TOO_SMALL ? ENOMEM : EPROTO;
		*len = (size_t)olen;
		return 0;

	default:
		return EINVAL;
	}
}


/**
 * How far a payload of c's codec moves the RTP timestamp, in its clock: one
 * unit per byte for G.711 and G.722 (RFC 3551 keeps G.722's clock at
 * 8000), the samples at 48 kHz for Opus. For a packet passed on unchanged.
 */
uint32_t tc_coder_duration(const struct tc_coder *c, const uint8_t *p,
			   size_t len)
{
	int ns;

	if (c->kind != OPUS)
		return (uint32_t)len;

	ns = opus_packet_get_nb_samples(p, (opus_int32)len, OPUS_CLOCK);

	return ns > 0 ? (uint32_t)ns : 0;
}
