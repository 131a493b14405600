/**
 * @file test_media_codec.c  Each codec carries the sequence-marked tone:
 * symbols survive encode + decode, the level and waveform are kept, and the
 * decoders survive arbitrary bytes.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media.h>

enum { FRAMES = 100 };


/* Encode FRAMES tone frames starting at seq0, decode, and return the
 * original and decoded signals (caller frees) and the detection rate */
static void run_codec(const struct codec_desc *c, uint16_t seq0,
		      int16_t **origp, int16_t **decp, size_t *np,
		      double *ratep)
{
	struct codec_state *st = NULL;
	struct tone *t = NULL;
	size_t fs = c->frame_samples, hits = 0, total = 0;
	int16_t *orig = calloc(FRAMES * fs, sizeof(int16_t));
	int16_t *dec = calloc(FRAMES * fs, sizeof(int16_t));

	assert_non_null(orig);
	assert_non_null(dec);
	assert_int_equal(0, codec_state_alloc(&st, c));
	assert_ptr_equal(c, codec_state_desc(st));
	assert_int_equal(0, tone_alloc(&t, c->srate));

	for (size_t f = 0; f < FRAMES; f++) {
		uint16_t seq = (uint16_t)(seq0 + f);
		uint8_t pl[CODEC_MAX_PAYLOAD];
		size_t len = sizeof(pl), n = CODEC_MAX_SAMPLES;
		int16_t out[CODEC_MAX_SAMPLES];

		tone_fill(t, seq, orig + f * fs, fs);
		assert_int_equal(0, codec_encode(st, orig + f * fs, fs, pl,
						  &len));
		assert_true(len > 0);
		assert_int_equal(0, codec_decode(st, pl, len, out, &n));
		assert_int_equal(fs, n);
		memcpy(dec + f * fs, out, fs * sizeof(int16_t));

		if (f < 2)
			continue;
		++total;
		if (tone_match(out, n, c->srate, seq))
			++hits;
	}

	*origp = orig;
	*decp = dec;
	*np = FRAMES * fs;
	*ratep = (double)hits / total;
	mem_deref(st);
	mem_deref(t);
}


/* SNR in dB of dec against orig delayed by the best lag in [0, maxlag] */
static double snr_db(const int16_t *orig, const int16_t *dec, size_t n,
		     size_t maxlag, size_t skip)
{
	double best = -100;

	for (size_t lag = 0; lag <= maxlag; lag++) {
		double sig = 0, err = 0;

		for (size_t i = skip; i + lag < n; i++) {
			double d = (double)dec[i + lag] - orig[i];

			sig += (double)orig[i] * orig[i];
			err += d * d;
		}
		if (err == 0)
			return 100;
		if (10 * log10(sig / err) > best)
			best = 10 * log10(sig / err);
	}

	return best;
}


static double rms(const int16_t *x, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)x[i] * x[i];

	return sqrt(e / n);
}


static void check_codec(const char *name, double min_snr, size_t maxlag)
{
	const struct codec_desc *c = codec_find(name);
	int16_t *orig, *dec;
	double rate, snr, lvl_o, lvl_d;
	size_t n, skip;

	assert_non_null(c);

	/* start near the wrap so symbols cross 65535 -> 0 */
	run_codec(c, 65500, &orig, &dec, &n, &rate);
	print_message("%s: tone detected on %.1f%% of frames\n", name,
		      100 * rate);
	assert_true(rate >= 0.95);

	skip = 10 * c->frame_samples;
	snr = snr_db(orig, dec, n, maxlag, skip);
	lvl_o = rms(orig + skip, n - skip);
	lvl_d = rms(dec + skip, n - skip);
	print_message("%s: SNR %.1f dB, level %.0f -> %.0f\n", name, snr,
		      lvl_o, lvl_d);
	assert_true(snr >= min_snr);
	assert_true(fabs(20 * log10(lvl_d / lvl_o)) < 1.5);

	free(orig);
	free(dec);
}


static void pcmu_carries_tone(void **state)
{
	(void)state;
	check_codec("PCMU", 30, 0);
}


static void pcma_carries_tone(void **state)
{
	(void)state;
	check_codec("PCMA", 30, 0);
}


static void g722_carries_tone(void **state)
{
	(void)state;
	check_codec("G722", 25, 64);
}


static void opus_carries_tone(void **state)
{
	(void)state;
	check_codec("opus", 12, 480);
}


static void registry_describes_codecs(void **state)
{
	const struct codec_desc *const *l = codec_list();
	const struct codec_desc *c;
	size_t n = 0;
	(void)state;

	for (; l[n]; n++)
		assert_ptr_equal(l[n], codec_find(l[n]->name));
	assert_int_equal(4, n);

	c = codec_find("pcmu");
	assert_non_null(c);
	assert_int_equal(0, c->pt);
	assert_int_equal(8000, c->clock);
	assert_int_equal(160, c->frame_samples);

	c = codec_find("PCMA");
	assert_int_equal(8, c->pt);

	c = codec_find("g722");
	assert_int_equal(9, c->pt);
	assert_int_equal(8000, c->clock);     /* RFC 3551 §4.5.2 */
	assert_int_equal(16000, c->srate);
	assert_int_equal(320, c->frame_samples);
	assert_int_equal(160, c->frame_ts);

	c = codec_find("OPUS");
	assert_int_equal(-1, c->pt);
	assert_int_equal(48000, c->clock);    /* RFC 7587 */
	assert_int_equal(2, c->channels);
	assert_int_equal(48000, c->srate);
	assert_int_equal(960, c->frame_samples);
	assert_non_null(c->fmtp);

	assert_null(codec_find("GSM"));
	assert_null(codec_find(NULL));
}


static void encode_rejects_bad_arguments(void **state)
{
	struct codec_state *st = NULL;
	int16_t pcm[960] = {0};
	uint8_t out[2000];
	size_t len;
	(void)state;

	assert_int_equal(0, codec_state_alloc(&st, codec_find("PCMU")));
	len = 100;
	assert_int_equal(ENOMEM, codec_encode(st, pcm, 160, out, &len));
	len = sizeof(out);
	assert_int_equal(EINVAL, codec_encode(st, NULL, 160, out, &len));
	mem_deref(st);

	assert_int_equal(0, codec_state_alloc(&st, codec_find("opus")));
	len = sizeof(out);
	assert_int_equal(EINVAL, codec_encode(st, pcm, 900, out, &len));
	len = sizeof(out);
	assert_int_equal(0, codec_encode(st, pcm, 960, out, &len));
	mem_deref(st);

	assert_int_equal(EINVAL, codec_state_alloc(&st, NULL));
}


static void decoders_survive_garbage(void **state)
{
	const struct codec_desc *const *l = codec_list();
	(void)state;

	srand(1234);

	for (size_t k = 0; l[k]; k++) {
		struct codec_state *st = NULL;
		unsigned ok = 0, bad = 0;

		assert_int_equal(0, codec_state_alloc(&st, l[k]));

		for (int i = 0; i < 3000; i++) {
			uint8_t in[1500];
			int16_t pcm[CODEC_MAX_SAMPLES];
			size_t len = 1 + (size_t)rand() % sizeof(in);
			size_t n = CODEC_MAX_SAMPLES;
			int err;

			if (i % 3 == 0)
				len = 1 + (size_t)rand() % 8;
			for (size_t j = 0; j < len; j++)
				in[j] = (uint8_t)rand();

			err = codec_decode(st, in, len, pcm, &n);
			if (err) {
				++bad;
				assert_true(err == EPROTO || err == ENOMEM);
			}
			else {
				++ok;
				assert_true(n <= CODEC_MAX_SAMPLES);
			}
		}
		print_message("%s: garbage decoded %u, rejected %u\n",
			      l[k]->name, ok, bad);

		/* and still decodes: a too-small buffer is an error */
		{
			int16_t pcm[10];
			uint8_t in[160] = {0};
			size_t n = 10;

			assert_int_equal(ENOMEM,
			    codec_decode(st, in, sizeof(in), pcm, &n));
		}
		mem_deref(st);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_describes_codecs),
		cmocka_unit_test(pcmu_carries_tone),
		cmocka_unit_test(pcma_carries_tone),
		cmocka_unit_test(g722_carries_tone),
		cmocka_unit_test(opus_carries_tone),
		cmocka_unit_test(encode_rejects_bad_arguments),
		cmocka_unit_test(decoders_survive_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
