/*
 * wav_tone: says how much of a WAV recording carries sipmob's
 * sequence-marked tone. Reads a 16-bit mono PCM WAV (what sipmob-device
 * --record writes), cuts it into 20 ms frames and runs the tone detector on
 * each. Prints one JSON line: {"srate":R,"frames":N,"toned":M,"seconds":S}.
 * Tests use it to check that a device really played the far end's audio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sipmob/media_tone.h>

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int main(int argc, char *argv[])
{
	unsigned char hdr[12], ck[8], fmt[16];
	uint32_t srate = 0, frame, frames = 0, toned = 0;
	uint16_t bits = 0, chans = 0;
	int16_t *pcm;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: wav_tone FILE.wav\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4) ||
	    memcmp(hdr + 8, "WAVE", 4)) {
		fprintf(stderr, "wav_tone: %s: not a WAV file\n", argv[1]);
		return 1;
	}
	/* Walk the chunks up to "data", taking the format on the way. */
	while (fread(ck, 1, 8, f) == 8) {
		uint32_t len = le32(ck + 4);

		if (!memcmp(ck, "fmt ", 4) && len >= 16) {
			if (fread(fmt, 1, 16, f) != 16)
				break;
			chans = le16(fmt + 2);
			srate = le32(fmt + 4);
			bits = le16(fmt + 14);
			fseek(f, (long)len - 16, SEEK_CUR);
			continue;
		}
		if (!memcmp(ck, "data", 4))
			break;
		fseek(f, (long)len, SEEK_CUR);
	}
	if (!srate || bits != 16 || chans != 1) {
		fprintf(stderr, "wav_tone: %s: want 16-bit mono PCM\n",
			argv[1]);
		return 1;
	}

	frame = srate / 50;
	pcm = malloc(frame * sizeof(*pcm));
	if (!pcm)
		return 1;
	while (fread(pcm, sizeof(*pcm), frame, f) == frame) {
		frames++;
		if (tone_detect(pcm, frame, srate) >= 0)
			toned++;
	}
	free(pcm);
	fclose(f);

	printf("{\"srate\":%u,\"frames\":%u,\"toned\":%u,\"seconds\":%.2f}\n",
	       srate, frames, toned, frames / 50.0);
	return 0;
}
