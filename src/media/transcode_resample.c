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
 * computed. Either way 20 ms costs about 30,000 multiply-adds, a few
 * microseconds: small next to an Opus encoder.
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

/* up[f]: polyphase, phase p's taps at [p * TC_RS_TAPS ...], gain F;
 * down[f]: the prototype, gain 1 (tap i multiplies the input i samples
 * before the output's position; the prototype is symmetric) */
static float up_taps[FACTORS][TC_RS_MAX_FACTOR * TC_RS_TAPS];
static float down_taps[FACTORS][TC_RS_MAX_FACTOR * TC_RS_TAPS];
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


static void taps_init(void)
{
	double h[TC_RS_MAX_FACTOR * TC_RS_TAPS];

	for (unsigned k = 0; k < FACTORS; k++) {
		unsigned f = factorv[k], n = f * TC_RS_TAPS;

		design(h, n, f);

		/* y[i F + p] = sum_t h[t F + p] x[i - t] */
		for (unsigned p = 0; p < f; p++) {
			for (unsigned t = 0; t < TC_RS_TAPS; t++)
				up_taps[k][p * TC_RS_TAPS + t] =
					(float)(f * h[t * f + p]);
		}

		/* y[j] = sum_i h[i] x[j F - i] */
		for (unsigned i = 0; i < n; i++)
			down_taps[k][i] = (float)h[i];
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


static int16_t clip(float v)
{
	if (v > 32767.0f)
		return 32767;
	if (v < -32768.0f)
		return -32768;

	return (int16_t)lrintf(v);
}


/**
 * Resample n samples of in into out (room for tc_resample_room(rs, n)),
 * with x (TC_RS_MAX_HIST + n floats) as scratch. Returns the number of
 * output samples.
 */
size_t tc_resample(struct tc_resampler *rs, const int16_t *in, size_t n,
		   int16_t *out, float *x)
{
	const size_t hist = rs->ntaps - 1;
	size_t nout = 0;

	if (rs->up == 1 && rs->down == 1) {
		memmove(out, in, n * sizeof(*out));
		return n;
	}

	/* x: the filter's memory, then this frame */
	memcpy(x, rs->hist, hist * sizeof(*x));
	for (size_t i = 0; i < n; i++)
		x[hist + i] = in[i];

	if (rs->up > 1) {
		const unsigned f = rs->up;

		for (size_t i = 0; i < n; i++) {
			/* xi[-t] is x[i - t] */
			const float *xi = &x[hist + i];

			for (unsigned p = 0; p < f; p++) {
				const float *h = &rs->taps[p * TC_RS_TAPS];
				float acc = 0;

				for (unsigned t = 0; t < TC_RS_TAPS; t++)
					acc += h[t] * xi[-(int)t];
				out[nout++] = clip(acc);
			}
		}
	}
	else {
		size_t j;

		for (j = rs->phase; j < n; j += rs->down) {
			const float *xj = &x[hist + j];
			float acc = 0;

			for (unsigned i = 0; i < rs->ntaps; i++)
				acc += rs->taps[i] * xj[-(int)i];
			out[nout++] = clip(acc);
		}
		rs->phase = (unsigned)(j - n);
	}

	memcpy(rs->hist, &x[n], hist * sizeof(*x));

	return nout;
}
