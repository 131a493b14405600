/**
 * @file tone.c  The sequence-marked tone source and its Goertzel detector.
 *
 * Source: symbol = seq & 7 picks one of 8 frequencies 200 Hz apart; the
 * phase runs on across frames so the signal has no clicks a codec would
 * smear into the next frame. Detector: Goertzel power at the 8 frequencies
 * over the last half of the frame (10 ms). The frequencies are multiples of
 * 100 Hz, so over a 10 ms window they are orthogonal: a clean tone puts all
 * its energy in one bin. A symbol is reported only when that bin holds at
 * least 80 % of the window's energy and four times the next bin, and the
 * window is not near silence; otherwise -1. A whole-frame window would see
 * two tones in a decoded Opus frame, which starts with 6.5 ms of the
 * previous packet.
 * Cost: 8 Goertzel passes over half a frame, 3840 multiply-adds for Opus.
 */

#include <errno.h>
#include <math.h>
#include <re.h>
#include <sipmob/media_tone.h>

enum {
	TONE_BASE_HZ = 500,
	TONE_STEP_HZ = 200,
	TONE_AMPL    = 8192,     /* -12 dBFS */
	TONE_MIN_RMS = 200,
};

struct tone {
	uint32_t srate;
	double phase;            /* radians, in [0, 2 pi) */
};


/** Frequency in Hz of symbol (0..7) */
unsigned tone_freq(unsigned symbol)
{
	return TONE_BASE_HZ + TONE_STEP_HZ * (symbol % TONE_SYMBOLS);
}


/** A tone generator at srate samples per second */
int tone_alloc(struct tone **tp, uint32_t srate)
{
	struct tone *t;

	if (!tp || srate < 8000)
		return EINVAL;

	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;

	t->srate = srate;
	*tp = t;

	return 0;
}


/** Fill pcm with the next n samples of the tone marking packet seq */
void tone_fill(struct tone *t, uint16_t seq, int16_t *pcm, size_t n)
{
	double step;

	if (!t || !pcm)
		return;

	step = 2.0 * M_PI * tone_freq(seq & 7) / t->srate;

	for (size_t i = 0; i < n; i++) {
		pcm[i] = (int16_t)lrint(TONE_AMPL * sin(t->phase));
		t->phase += step;
		if (t->phase >= 2.0 * M_PI)
			t->phase -= 2.0 * M_PI;
	}
}


/* Goertzel power |X(f)|^2 of x[0..n). For a sine of amplitude A with a
 * whole number of cycles in the window it is (A n / 2)^2. */
static double goertzel(const int16_t *x, size_t n, double f, uint32_t srate)
{
	const double coeff = 2.0 * cos(2.0 * M_PI * f / srate);
	double s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
	}

	return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}


/**
 * The symbol (0..7) carried by a decoded frame of n samples at srate, or -1
 * if the frame holds no clear tone. Only the last half is examined.
 */
int tone_detect(const int16_t *pcm, size_t n, uint32_t srate)
{
	double energy = 0, best = 0, second = 0;
	const int16_t *x;
	size_t w;
	int sym = -1;

	if (!pcm || !srate)
		return -1;

	/* the last 10 ms, or the last half if the frame is shorter */
	w = srate / 100;
	if (w > n / 2)
		w = n / 2;
	if (w < 16)
		return -1;
	x = pcm + (n - w);

	for (size_t i = 0; i < w; i++)
		energy += (double)x[i] * x[i];

	if (energy < (double)TONE_MIN_RMS * TONE_MIN_RMS * w)
		return -1;

	for (unsigned k = 0; k < TONE_SYMBOLS; k++) {

		/* |X(f)|^2 * 2 / w equals the energy of a pure tone at f */
		double p = goertzel(x, w, tone_freq(k), srate) * 2.0 / w;

		if (p > best) {
			second = best;
			best = p;
			sym = (int)k;
		}
		else if (p > second) {
			second = p;
		}
	}

	if (best < 0.8 * energy || best < 4.0 * second)
		return -1;

	return sym;
}


/** True if the frame decoded from packet seq carries seq's symbol */
bool tone_match(const int16_t *pcm, size_t n, uint32_t srate, uint16_t seq)
{
	return tone_detect(pcm, n, srate) == (int)(seq & 7);
}
