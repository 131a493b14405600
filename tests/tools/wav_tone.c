/*
 * wav_tone: says how much of a WAV recording carries sipmob's
 * sequence-marked tone. Reads a 16-bit mono PCM WAV (what sipmob-device
 * --record writes), cuts it into 20 ms frames and runs the tone detector on
 * each. Prints one JSON line:
 *   {"srate":R,"frames":N,"toned":M,"seconds":S,"corr":C}
 * Tests use it to check that a device really played the far end's audio.
 * corr says how clean that audio is: the recording is cut into 5 ms
 * windows, each is fitted with a sine of each tone frequency, and the
 * correlation of the best fit with the window is taken; corr is the
 * median over the windows that carry sound (a window across a change of
 * frequency fits less well, and there are few of them). A codec or a
 * transcoder that plays the tone faithfully gives more than 0.95.
 * With --freq HZ the fit is to that one frequency instead (another
 * phone's test tone, e.g. baresip's 440 Hz).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sipmob/media_tone.h>

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Correlation of the best-fitting tone sine with a window, 0..1 */
static unsigned only_freq;   /* --freq: fit this one instead */

static double window_corr(const int16_t *x, size_t n, uint32_t srate)
{
	double energy = 0, best = 0;

	for (size_t i = 0; i < n; i++)
		energy += (double)x[i] * x[i];
	if (energy < n * 100.0 * 100.0)   /* quieter than -50 dBFS */
		return -1;
	for (unsigned sym = 0; sym < TONE_SYMBOLS; sym++) {
		double w = 2 * M_PI * (only_freq ? only_freq :
					tone_freq(sym)) / srate;
		double ss = 0, cc = 0, sc = 0, ps = 0, pc = 0, det, fit;

		for (size_t i = 0; i < n; i++) {
			double sv = sin(w * (double)i), cv = cos(w * (double)i);

			ps += x[i] * sv;
			pc += x[i] * cv;
			ss += sv * sv;
			cc += cv * cv;
			sc += sv * cv;
		}
		/* least squares on {sin, cos}: the fitted energy */
		det = ss * cc - sc * sc;
		if (det <= 0)
			continue;
		fit = (ps * ps * cc - 2 * ps * pc * sc + pc * pc * ss) / det;
		if (fit > best)
			best = fit;
	}
	return sqrt(best / energy);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int main(int argc, char *argv[])
{
	unsigned char hdr[12], ck[8], fmt[16];
	uint32_t srate = 0, frame, frames = 0, toned = 0;
	double *corrv = NULL;
	size_t ncorr = 0, corr_cap = 0;
	uint16_t bits = 0, chans = 0;
	int16_t *pcm;
	FILE *f;

	if (argc == 4 && !strcmp(argv[1], "--freq")) {
		only_freq = (unsigned)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: wav_tone [--freq HZ] FILE.wav\n");
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
		for (unsigned w = 0; w < 4; w++) {
			double c = window_corr(pcm + w * frame / 4, frame / 4,
					       srate);
			double *nv;

			if (c < 0)
				continue;
			if (ncorr == corr_cap) {
				corr_cap = corr_cap ? 2 * corr_cap : 1024;
				nv = realloc(corrv, corr_cap * sizeof(*nv));
				if (!nv)
					return 1;
				corrv = nv;
			}
			corrv[ncorr++] = c;
		}
	}
	free(pcm);
	fclose(f);
	if (ncorr)
		qsort(corrv, ncorr, sizeof(*corrv), cmp_double);

	printf("{\"srate\":%u,\"frames\":%u,\"toned\":%u,\"seconds\":%.2f,"
	       "\"corr\":%.3f}\n", srate, frames, toned, frames / 50.0,
	       ncorr ? corrv[ncorr / 2] : 0.0);
	free(corrv);
	return 0;
}
