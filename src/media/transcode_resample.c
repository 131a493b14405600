/**
 * @file transcode_resample.c  Integer-ratio resampling between the rates
 * our codecs code at: 8 kHz (G.711), 16 kHz (G.722) and 48 kHz (Opus), so
 * up or down by 2, 3 or 6. The transcoder uses it only when the two legs'
 * rates differ.
 *
 * A polyphase FIR: one Kaiser-windowed sinc prototype per factor F, of
 * TC_RS_TAPS * F taps at the higher rate, cutting off at 0.92 of the lower
 * rate's Nyquist frequency (3.7 kHz between 8 and 16/48 kHz, 7.4 kHz
 * between 16 and 48 kHz; about 65 dB of stopband, a transition band about
 * 1 kHz wide). Going up, each output sample costs TC_RS_TAPS
 * multiply-adds; going down, TC_RS_TAPS * F, but only one output in F is
 * computed: 20 ms between 8 and 16 kHz is about 10,000 multiply-adds.
 *
 * Fixed point: taps in Q14, samples as they are, sums in 32 bits (the taps'
 * absolute sum is under 1.5, so a sum stays below 2^30). The taps are
 * stored in the order of the samples they multiply (oldest first) and
 * every inner loop runs over TC_RS_TAPS of them, so the compiler turns it
 * into SIMD multiply-adds at -O2 (a float sum it may not reorder, and the
 * float version of this file cost the Opus and G.722 paths 10-15 % of the
 * worker's time).
 *
 * The state is the last input samples (the filter's memory) and, going
 * down, where the next output falls, so frames of any length follow each
 * other without a seam. The filter delays the signal by half its length,
 * TC_RS_TAPS / 2 samples of the lower rate (2 ms at 8 kHz, 1 ms at
 * 16 kHz): a fixed delay, not one that grows.
 *
 * The prototypes are computed once (pthread_once), by whichever thread
 * first initialises a resampler; after that they are read only.
 */

#include <math.h>
#include <pthread.h>
#include <string.h>
#include "transcode_priv.h"

enum { FACTORS = 3 };   /* 2, 3 and 6 */

static const unsigned factorv[FACTORS] = { 2, 3, 6 };

enum { Q = 14 };

/* up[f]: polyphase, phase p's taps at [p * TC_RS_TAPS ...], gain F;
 * down[f]: the prototype, gain 1. Both oldest sample first: tap t of a
 * window of n multiplies the sample n - 1 - t before the output's own. */
static int16_t up_taps[FACTORS][TC_RS_MAX_FACTOR * TC_RS_TAPS];
static int16_t down_taps[FACTORS][TC_RS_MAX_FACTOR * TC_RS_TAPS];
static pthread_once_t taps_once = PTHREAD_ONCE_INIT;


/* Modified Bessel function of the first kind, order 0 (its series) */
static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;

	for (int k = 1; k < 40; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
		if (term < sum * 1e-12)
			break;
	}

	return sum;
}


/* The prototype for factor f: n taps at the higher rate, unity gain at DC */
static void design(double *h, unsigned n, unsigned f)
{
	const double beta = 6.5;
	const double fc = 0.92 * 0.5 / f;    /* cycles per high-rate sample */
	const double mid = (n - 1) / 2.0;
	double sum = 0;

	for (unsigned i = 0; i < n; i++) {
		double t = i - mid;
		double r = t / mid;
		double sinc = t == 0 ? 2.0 * fc :
			sin(2.0 * M_PI * fc * t) / (M_PI * t);
		double w = bessel_i0(beta * sqrt(fmax(0.0, 1.0 - r * r))) /
			bessel_i0(beta);

		h[i] = sinc * w;
		sum += h[i];
	}

	for (unsigned i = 0; i < n; i++)
		h[i] /= sum;
}


static int16_t q14(double v)
{
	return (int16_t)lrint(v * (1 << Q));
}


static void taps_init(void)
{
	double h[TC_RS_MAX_FACTOR * TC_RS_TAPS];

	for (unsigned k = 0; k < FACTORS; k++) {
		unsigned f = factorv[k], n = f * TC_RS_TAPS;

		design(h, n, f);

		/* y[i F + p] = sum_t h[t F + p] x[i - t] */
		for (unsigned p = 0; p < f; p++) {
			for (unsigned t = 0; t < TC_RS_TAPS; t++)
				up_taps[k][p * TC_RS_TAPS +
					   (TC_RS_TAPS - 1 - t)] =
					q14(f * h[t * f + p]);
		}

		/* y[j] = sum_i h[i] x[j F - i] */
		for (unsigned i = 0; i < n; i++)
			down_taps[k][n - 1 - i] = q14(h[i]);
	}
}


static int factor_index(unsigned f)
{
	for (int k = 0; k < FACTORS; k++) {
		if (factorv[k] == f)
			return k;
	}

	return -1;
}


/**
 * Set rs up to convert from one rate to another (8000, 16000 or 48000).
 * Equal rates make a resampler that copies. EINVAL for any other ratio.
 */
int tc_resampler_init(struct tc_resampler *rs, uint32_t from, uint32_t to)
{
	int k;

	if (!rs || !from || !to)
		return EINVAL;

	(void)pthread_once(&taps_once, taps_init);
	memset(rs, 0, sizeof(*rs));

	if (from == to) {
		rs->up = rs->down = 1;
		return 0;
	}

	if (to > from && to % from == 0) {
		rs->up = to / from;
		rs->down = 1;
		k = factor_index(rs->up);
		if (k < 0)
			return EINVAL;
		rs->taps = up_taps[k];
		rs->ntaps = TC_RS_TAPS;
	}
	else if (from > to && from % to == 0) {
		rs->up = 1;
		rs->down = from / to;
		k = factor_index(rs->down);
		if (k < 0)
			return EINVAL;
		rs->taps = down_taps[k];
		rs->ntaps = TC_RS_TAPS * rs->down;
	}
	else {
		return EINVAL;
	}

	return 0;
}


/** The most output samples n input samples can give */
size_t tc_resample_room(const struct tc_resampler *rs, size_t n)
{
	return rs->down > 1 ? n / rs->down + 1 : n * rs->up;
}


static int16_t clip(int32_t acc)
{
	int32_t v = (acc + (1 << (Q - 1))) >> Q;

	if (v > 32767)
		return 32767;
	if (v < -32768)
		return -32768;

	return (int16_t)v;
}


/* TC_RS_TAPS samples times TC_RS_TAPS taps: one SIMD-friendly loop */
static inline int32_t dot(const int16_t *h, const int16_t *x)
{
	int32_t acc = 0;

	for (unsigned t = 0; t < TC_RS_TAPS; t++)
		acc += (int32_t)h[t] * x[t];

	return acc;
}


/**
 * Resample n samples of in into out (room for tc_resample_room(rs, n)),
 * with x (TC_RS_MAX_HIST + n samples) as scratch. Returns the number of
 * output samples.
 */
size_t tc_resample(struct tc_resampler *rs, const int16_t *in, size_t n,
		   int16_t *out, int16_t *x)
{
	const size_t hist = rs->ntaps - 1;
	size_t nout = 0;

	if (rs->up == 1 && rs->down == 1) {
		memmove(out, in, n * sizeof(*out));
		return n;
	}

	/* x: the filter's memory, then this frame */
	memcpy(x, rs->hist, hist * sizeof(*x));
	memcpy(x + hist, in, n * sizeof(*x));

	if (rs->up > 1) {
		const unsigned f = rs->up;

		for (size_t i = 0; i < n; i++) {
			/* the TC_RS_TAPS samples up to in[i], oldest first */
			const int16_t *w = &x[i];

			for (unsigned p = 0; p < f; p++)
				out[nout++] = clip(dot(&rs->taps[p *
							   TC_RS_TAPS], w));
		}
	}
	else {
		size_t j;

		for (j = rs->phase; j < n; j += rs->down) {
			/* the ntaps samples up to in[j], oldest first */
			const int16_t *w = &x[j];
			int32_t acc = 0;

			for (unsigned b = 0; b < rs->down; b++)
				acc += dot(&rs->taps[b * TC_RS_TAPS],
					   &w[b * TC_RS_TAPS]);
			out[nout++] = clip(acc);
		}
		rs->phase = (unsigned)(j - n);
	}

	memcpy(rs->hist, &x[n], hist * sizeof(*x));

	return nout;
}
