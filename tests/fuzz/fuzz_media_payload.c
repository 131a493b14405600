/*
 * libFuzzer harness for the media payload parsers that take network input:
 * the four audio decoders and the H.263+ depacketizer (RFC 4629) feeding
 * the video decoder. The first input byte picks the parser; the rest is cut
 * into packets (a length byte, then that many bytes). Nothing may crash,
 * read out of bounds or leak.
 */
#include <stdint.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_codec.h>
#include <sipmob/media_video.h>

static void audio(const char *name, const uint8_t *p, size_t n)
{
	static int16_t pcm[CODEC_MAX_SAMPLES];
	struct codec_state *st = NULL;

	if (codec_state_alloc(&st, codec_find(name)))
		return;
	while (n > 1) {
		size_t len = p[0] < n - 1 ? p[0] : n - 1;
		size_t samples = CODEC_MAX_SAMPLES;

		(void)codec_decode(st, p + 1, len, pcm, &samples);
		p += 1 + len;
		n -= 1 + len;
	}
	mem_deref(st);
}

static void video(const uint8_t *p, size_t n)
{
	struct h263_depack *d = NULL;
	struct video_dec *vd = NULL;
	uint16_t seq = 0;

	if (h263_depack_alloc(&d, 65536) || video_dec_alloc(&vd))
		goto out;
	while (n > 2) {
		size_t len = p[0] < n - 2 ? p[0] : n - 2;
		bool marker = p[1] & 1;
		const uint8_t *frame;
		size_t flen;
		struct vidpic pic;

		if (!h263_depack_input(d, seq++, 3000u * (p[1] >> 1), marker,
				       p + 2, len, &frame, &flen))
			(void)video_dec_decode(vd, frame, flen, &pic);
		p += 2 + len;
		n -= 2 + len;
	}
 out:
	mem_deref(vd);
	mem_deref(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *codecs[] = {"PCMU", "PCMA", "G722", "opus"};

	if (size < 1)
		return 0;
	if (data[0] % 5 < 4)
		audio(codecs[data[0] % 5], data + 1, size - 1);
	else
		video(data + 1, size - 1);
	return 0;
}
