/**
 * @file test_media_tone.c  The tone source marks each frame with seq & 7,
 * keeps phase and level, and the detector reads the mark back, ignores the
 * first half of a frame, and refuses what is not one clear tone.
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

static const uint32_t ratev[] = {8000, 16000, 48000};


static void every_symbol_is_detected_at_every_rate(void **state)
{
	(void)state;

	for (size_t r = 0; r < ARRAY_SIZE(ratev); r++) {
		struct tone *t = NULL;
		size_t fs = ratev[r] / 50;
		int16_t pcm[960];

		assert_int_equal(0, tone_alloc(&t, ratev[r]));

		for (uint32_t seq = 65530; seq < 65530 + 24; seq++) {
			tone_fill(t, (uint16_t)seq, pcm, fs);
			assert_int_equal((int)(seq & 7),
					 tone_detect(pcm, fs, ratev[r]));
			assert_true(tone_match(pcm, fs, ratev[r],
					       (uint16_t)seq));
			assert_false(tone_match(pcm, fs, ratev[r],
						(uint16_t)(seq + 1)));
		}
		mem_deref(t);
	}
}


static void frequencies_are_distinct_and_in_band(void **state)
{
	(void)state;

	for (unsigned k = 0; k < TONE_SYMBOLS; k++) {
		assert_true(tone_freq(k) >= 300 && tone_freq(k) <= 3400);
		if (k)
			assert_true(tone_freq(k) >= tone_freq(k - 1) + 100);
	}
	assert_int_equal(tone_freq(0), tone_freq(8));
}


static void tone_is_phase_continuous_at_moderate_level(void **state)
{
	struct tone *t = NULL;
	int16_t pcm[160 * 16];
	double e = 0;
	int maxstep = 0;
	(void)state;

	assert_int_equal(0, tone_alloc(&t, 8000));
	for (int f = 0; f < 16; f++)
		tone_fill(t, (uint16_t)f, pcm + 160 * f, 160);

	for (size_t i = 0; i < ARRAY_SIZE(pcm); i++) {
		e += (double)pcm[i] * pcm[i];
		if (i && abs(pcm[i] - pcm[i - 1]) > maxstep)
			maxstep = abs(pcm[i] - pcm[i - 1]);
	}

	/* a sine at 1900 Hz, 8 kHz, moves at most 2 pi f / fs * A per
	 * sample; a phase jump at a frame edge would exceed it */
	assert_true(maxstep <= (int)(2 * M_PI * 1900 / 8000 * 8192) + 2);

	/* -12 dBFS sine: RMS 8192 / sqrt 2 */
	assert_true(fabs(sqrt(e / ARRAY_SIZE(pcm)) - 8192 / sqrt(2)) < 100);
	mem_deref(t);
}


static void detector_reads_the_second_half_of_a_frame(void **state)
{
	struct tone *a = NULL, *b = NULL;
	int16_t pcm[960];
	(void)state;

	/* Opus-like delay: 6.5 ms of the previous packet, then this one */
	assert_int_equal(0, tone_alloc(&a, 48000));
	assert_int_equal(0, tone_alloc(&b, 48000));
	tone_fill(a, 3, pcm, 312);
	tone_fill(b, 4, pcm + 312, 960 - 312);
	assert_int_equal(4, tone_detect(pcm, 960, 48000));

	/* the mark sits in the last 10 ms only: first half does not count */
	tone_fill(a, 5, pcm, 960);
	tone_fill(b, 6, pcm + 480, 480);
	assert_int_equal(6, tone_detect(pcm, 960, 48000));

	mem_deref(a);
	mem_deref(b);
}


static void detector_refuses_silence_noise_and_chords(void **state)
{
	struct tone *a = NULL, *b = NULL;
	int16_t pcm[160], x[160];
	(void)state;

	memset(pcm, 0, sizeof(pcm));
	assert_int_equal(-1, tone_detect(pcm, 160, 8000));

	/* quiet tone below the floor */
	assert_int_equal(0, tone_alloc(&a, 8000));
	tone_fill(a, 2, pcm, 160);
	for (size_t i = 0; i < 160; i++)
		pcm[i] /= 100;
	assert_int_equal(-1, tone_detect(pcm, 160, 8000));

	srand(7);
	for (size_t i = 0; i < 160; i++)
		pcm[i] = (int16_t)(rand() % 16001 - 8000);
	assert_int_equal(-1, tone_detect(pcm, 160, 8000));

	/* two symbols at once */
	assert_int_equal(0, tone_alloc(&b, 8000));
	tone_fill(a, 1, pcm, 160);
	tone_fill(b, 5, x, 160);
	for (size_t i = 0; i < 160; i++)
		pcm[i] = (int16_t)(pcm[i] / 2 + x[i] / 2);
	assert_int_equal(-1, tone_detect(pcm, 160, 8000));

	/* too short to judge, and NULL */
	assert_int_equal(-1, tone_detect(pcm, 20, 8000));
	assert_int_equal(-1, tone_detect(NULL, 160, 8000));

	mem_deref(a);
	mem_deref(b);
}


static void detector_refuses_frequencies_between_symbols(void **state)
{
	static const double fv[] = {440, 600, 1000, 1050, 1200, 2000, 3000};
	int16_t pcm[320];
	(void)state;

	/* a foreign test tone (baresip's 440 Hz, a 1 kHz reference) is
	 * not a mark: only +-20 Hz around a symbol counts */
	for (size_t k = 0; k < ARRAY_SIZE(fv); k++) {
		for (size_t i = 0; i < 320; i++)
			pcm[i] = (int16_t)(8000 * sin(2 * M_PI * fv[k] * i
						      / 16000 + 0.3));
		assert_int_equal(-1, tone_detect(pcm, 320, 16000));
	}
}


static void tone_alloc_checks_rate(void **state)
{
	struct tone *t = NULL;
	(void)state;

	assert_int_equal(EINVAL, tone_alloc(&t, 0));
	assert_int_equal(EINVAL, tone_alloc(NULL, 8000));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_symbol_is_detected_at_every_rate),
		cmocka_unit_test(frequencies_are_distinct_and_in_band),
		cmocka_unit_test(tone_is_phase_continuous_at_moderate_level),
		cmocka_unit_test(detector_reads_the_second_half_of_a_frame),
		cmocka_unit_test(detector_refuses_silence_noise_and_chords),
		cmocka_unit_test(detector_refuses_frequencies_between_symbols),
		cmocka_unit_test(tone_alloc_checks_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
